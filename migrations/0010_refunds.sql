-- The processor's reference of each card charge, so that it can be refunded; and the
-- refunds of each order. A refund is claimed (`pending`) before the processor is asked,
-- so a retry after a crash or a timeout asks again with the same idempotency key.
ALTER TABLE orders ADD COLUMN charge_ref TEXT;

CREATE TABLE refunds (
    order_number TEXT NOT NULL REFERENCES orders (number),
    seq          BIGINT NOT NULL,
    amount       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    gateway_ref  TEXT,
    actor        TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (order_number, seq)
);

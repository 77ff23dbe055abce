-- Orders and quotes, saved cards (token, brand, last 4 and expiry only), and the
-- counter that numbers orders.

CREATE TABLE cards (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token      TEXT NOT NULL,
    brand      TEXT NOT NULL,
    last4      TEXT NOT NULL,
    exp_month  BIGINT NOT NULL,
    exp_year   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX cards_by_account ON cards (account_id);

-- The order itself is a JSON snapshot in `body`; what is searched or changed has a column.
CREATE TABLE orders (
    number          TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    kind            TEXT NOT NULL CHECK (kind IN ('order', 'quote')),
    status          TEXT NOT NULL,
    total           TEXT NOT NULL,
    currency        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    body            TEXT NOT NULL
);
CREATE INDEX orders_by_account ON orders (account_id, created_at);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('order', 100000);

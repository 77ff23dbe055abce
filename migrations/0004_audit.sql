-- Every state change of an order: who, when, what it was and what it became. `seq`
-- numbers an order's entries in the order they happened (several can share a millisecond).

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    order_number TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT
);
CREATE UNIQUE INDEX audit_by_order ON audit_log (order_number, seq);

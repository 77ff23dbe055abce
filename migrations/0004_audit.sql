-- Every state change of an order: who, when, what it was and what it became.

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY,
    order_number TEXT NOT NULL,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT
);
CREATE INDEX audit_by_order ON audit_log (order_number, at);

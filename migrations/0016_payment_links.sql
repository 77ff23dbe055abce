-- One-time links to confirm a card payment the bank wants confirmed (3-D Secure):
-- bound to the order and its account; only the token's hash is kept.
CREATE TABLE payment_links (
    token_hash   TEXT PRIMARY KEY,
    order_number TEXT NOT NULL REFERENCES orders (number) ON DELETE CASCADE,
    account_id   TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX payment_links_by_order ON payment_links (order_number);

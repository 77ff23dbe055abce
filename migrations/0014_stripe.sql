-- Stripe: each account's Customer, made the first time it is needed, and on each card
-- link the SetupIntent its page confirms (only that one may add a card through it).
CREATE TABLE stripe_customers (
    account_id  TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

ALTER TABLE card_links ADD COLUMN setup_intent TEXT;

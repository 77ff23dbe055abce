-- Stripe webhook events already handled: each is processed once, however often Stripe
-- delivers it.
CREATE TABLE stripe_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

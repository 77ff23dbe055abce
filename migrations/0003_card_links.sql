-- One-time links to the card page, stored by the hash of their token; and cards kept
-- for one order only (not saved for future billing).

CREATE TABLE card_links (
    token_hash   TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    checkout_key TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    -- The platform's handle to update the chat message the link was sent in, if any
    -- (a Discord interaction token, valid 15 minutes).
    reply_handle TEXT
);

ALTER TABLE cards ADD COLUMN saved BIGINT NOT NULL DEFAULT 1;

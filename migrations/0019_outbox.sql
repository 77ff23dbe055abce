-- What the bot still has to say after a change, written in the change's own transaction:
-- approval requests and their edits, notes to people, updates of earlier replies. One
-- process delivers each entry (a claim with an expiry), in order per destination, and
-- retries what the platform could not take yet. Times are unix milliseconds.
CREATE TABLE outbox (
    id          TEXT PRIMARY KEY,
    -- Order of creation; a later entry for a destination never gets a lower one.
    seq         BIGINT NOT NULL,
    platform    TEXT NOT NULL,
    -- A channel, a person or a reply handle's digest: entries to one are sent in order.
    destination TEXT NOT NULL,
    -- post, edit, note or reply.
    kind        TEXT NOT NULL,
    -- What the entry is about (an approval id), to find the posts a decision edits.
    subject     TEXT NOT NULL,
    -- What to send or what renders it, as JSON; emptied once delivered.
    body        TEXT NOT NULL,
    dedup_key   TEXT NOT NULL UNIQUE,
    -- pending, sent, skipped (nothing left to do) or failed (the platform refused for good).
    state       TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    not_before  BIGINT NOT NULL,
    claimed_by  TEXT,
    claim_until BIGINT,
    created_at  BIGINT NOT NULL,
    done_at     BIGINT,
    -- Where the platform put a post ("channel message"), so it is never posted again.
    sent_ref    TEXT,
    last_error  TEXT
);
CREATE INDEX outbox_by_state ON outbox (state, not_before);
CREATE INDEX outbox_by_destination ON outbox (platform, destination, state, seq);
CREATE INDEX outbox_by_subject ON outbox (subject, kind);

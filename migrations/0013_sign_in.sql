-- Sign-in from chat. An account a person signs in to is keyed by who vouched for them:
-- the OpenID Connect issuer and its `sub`, or `email` and the address a code was sent to.
CREATE TABLE account_subjects (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email      TEXT,
    created_at BIGINT NOT NULL,
    signed_in_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX account_subjects_by_account ON account_subjects (account_id);

-- One-time sign-in links, `{PUBLIC_URL}/signin/{token}`, bound to a chat identity. Only
-- hashes of the token, of the OAuth `state` and of the browser's cookie are kept. The
-- nonce and PKCE verifier are kept until the callback uses them (they open nothing
-- without the provider's code, which only the browser gets).
CREATE TABLE signin_links (
    token_hash    TEXT PRIMARY KEY,
    platform      TEXT NOT NULL,
    workspace     TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    locale        TEXT NOT NULL,
    pending       TEXT,
    reply_handle  TEXT,
    expires_at    BIGINT NOT NULL,
    state_hash    TEXT,
    browser_hash  TEXT,
    nonce         TEXT,
    pkce_verifier TEXT,
    used_at       BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX signin_links_by_state ON signin_links (state_hash);

-- Email codes: one pending code per chat identity, kept only as a salted hash.
CREATE TABLE signin_codes (
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    address      TEXT NOT NULL,
    code_hash    TEXT NOT NULL,
    salt         TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    pending      TEXT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id)
);

-- Codes sent, for the rate limits per chat identity and per address.
CREATE TABLE signin_sends (
    kind    TEXT NOT NULL,
    subject TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX signin_sends_by_subject ON signin_sends (kind, subject, sent_at);

-- One-time links to a document (a quote, invoice, receipt or credit note), handed to one
-- person where a file could not be attached in chat. Only the token's SHA-256 is kept;
-- a link opens one document of one order, once, before it expires. Times are unix ms.
CREATE TABLE document_links (
    token_hash   TEXT PRIMARY KEY,
    -- The person it was made for, and the account whose order it opens.
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    order_number TEXT NOT NULL,
    -- quote, invoice, receipt or credit-note-N.
    kind         TEXT NOT NULL,
    locale       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX document_links_expiry ON document_links (expires_at);

-- How a platform reaches people and conversations when its ids alone do not say: what
-- it learned from verified inbound traffic and needs again later, in another process
-- (Teams: the service URL of a tenant or a conversation, a person's chat id). One row
-- per (platform, kind, name); the newest address wins. Times are unix ms.
CREATE TABLE platform_addresses (
    platform   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    address    TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (platform, kind, name)
);

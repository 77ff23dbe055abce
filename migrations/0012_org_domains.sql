-- Which organization an email domain belongs to: people who sign in with a verified
-- address at that domain become members of it (`checkout-bot orgs set-domain`).
CREATE TABLE org_domains (
    domain     TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX org_domains_by_org ON org_domains (org_id);

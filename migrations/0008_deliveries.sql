-- Inbound deliveries already taken (a platform's event ids), so that one the platform
-- sends again, to this process or another, is handled once.
CREATE TABLE deliveries (
    platform TEXT NOT NULL,
    id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (platform, id)
);
CREATE INDEX deliveries_received_at ON deliveries (received_at);

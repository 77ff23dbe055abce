-- Purchase-order approvals: each organization's policy (and per-buyer limits), where its
-- requests are posted, the approvals themselves with the chat messages that carry them,
-- and delegations. Times are unix milliseconds; money is decimal text.

CREATE TABLE approval_policies (
    org_id       TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    po_required  BIGINT NOT NULL DEFAULT 0,
    limit_amount TEXT
);

-- A buyer's own limit in an organization, which replaces the organization's.
CREATE TABLE approval_limits (
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    limit_amount TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id)
);

CREATE TABLE approval_channels (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    platform   TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    PRIMARY KEY (org_id, platform)
);

-- One per order and organization whose policy asked for it. A row leaves `pending` once,
-- by a conditional update, which is what makes a decision exactly-once.
CREATE TABLE approvals (
    id           TEXT PRIMARY KEY,
    order_number TEXT NOT NULL REFERENCES orders (number),
    org_id       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    why          TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    announced_at BIGINT,
    reminded_at  BIGINT,
    decided_at   BIGINT,
    decided_by   TEXT,
    on_behalf_of TEXT,
    reason       TEXT,
    UNIQUE (order_number, org_id)
);
CREATE INDEX approvals_by_status ON approvals (status, created_at);

CREATE TABLE approval_messages (
    approval_id TEXT NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
    channel_id  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    PRIMARY KEY (approval_id, channel_id, message_id)
);

-- An approver's stand-in for a period. Ending one early moves `ends_at`; rows stay.
CREATE TABLE delegations (
    id          TEXT PRIMARY KEY,
    approver_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    delegate_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX delegations_by_delegate ON delegations (delegate_id, ends_at);
CREATE INDEX delegations_by_approver ON delegations (approver_id, ends_at);

-- Approval chains and budgets. An organization's chain is ordered steps, each applying
-- above an amount, to orders with a PO number, or always, decided by named accounts or
-- by a role, any one of them or all. An order's approval is made of the steps that
-- applied when it was placed; an `all` step keeps one vote per approver. A budget is an
-- amount per calendar period; `order_orgs` says what each order counts against whose.
-- Times are unix milliseconds; money is decimal text.

CREATE TABLE approval_chains (
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    name      TEXT NOT NULL,
    -- always, po, or above:AMOUNT
    applies   TEXT NOT NULL,
    -- Space-separated account ids, or NULL when `role` decides.
    approvers TEXT,
    role      TEXT,
    rule      TEXT NOT NULL,
    PRIMARY KEY (org_id, position)
);

CREATE TABLE budgets (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    amount TEXT NOT NULL
);

-- Which organizations an order belongs to, and how much of it is theirs.
CREATE TABLE order_orgs (
    order_number TEXT NOT NULL REFERENCES orders (number),
    org_id       TEXT NOT NULL,
    amount       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (order_number, org_id)
);
CREATE INDEX order_orgs_by_org ON order_orgs (org_id, created_at);
-- Orders placed before this knew their organization only when it approved them.
INSERT INTO order_orgs (order_number, org_id, amount, created_at)
    SELECT a.order_number, a.org_id, o.total, o.created_at
    FROM approvals a JOIN orders o ON o.number = a.order_number;

-- Every change to a request (a vote, a step, an escalation, a question) moves it on,
-- so each copy is edited once per change.
ALTER TABLE approvals ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

CREATE TABLE approval_steps (
    approval_id  TEXT NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    name         TEXT NOT NULL,
    approvers    TEXT,
    role         TEXT,
    rule         TEXT NOT NULL,
    why          TEXT NOT NULL,
    -- waiting (an earlier step is open), pending, approved, rejected or expired.
    status       TEXT NOT NULL,
    opened_at    BIGINT,
    reminded_at  BIGINT,
    escalated_at BIGINT,
    decided_at   BIGINT,
    decided_by   TEXT,
    on_behalf_of TEXT,
    reason       TEXT,
    PRIMARY KEY (approval_id, position)
);
CREATE INDEX approval_steps_open ON approval_steps (status, opened_at);
-- Approvals made before chains are one step: any approver or admin.
INSERT INTO approval_steps (approval_id, position, name, approvers, role, rule, why, status,
        opened_at, reminded_at, decided_at, decided_by, on_behalf_of, reason)
    SELECT id, 1, '', NULL, 'approver', 'any', why, status, created_at, reminded_at,
        decided_at, decided_by, on_behalf_of, reason
    FROM approvals;

CREATE TABLE approval_votes (
    approval_id TEXT NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    -- The approver whose vote it is; `actor` clicked (the approver or their delegate).
    voter       TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (approval_id, position, voter)
);

-- An approver's question to the requester about a step, and the answer.
CREATE TABLE approval_questions (
    id          TEXT PRIMARY KEY,
    approval_id TEXT NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    asked_by    TEXT NOT NULL,
    question    TEXT NOT NULL,
    asked_at    BIGINT NOT NULL,
    answer      TEXT,
    answered_by TEXT,
    answered_at BIGINT
);
CREATE INDEX approval_questions_by_approval ON approval_questions (approval_id, asked_at);

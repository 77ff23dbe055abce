-- When an order's total rose after approval and its approval steps started again, and why
-- (checkout-bot orders reprice). A migration of its own: 0020 had landed before these.
ALTER TABLE approvals ADD COLUMN restarted_at BIGINT;
ALTER TABLE approvals ADD COLUMN restart_reason TEXT;

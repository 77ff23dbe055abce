-- A new entry's sequence number follows its destination's last one. With the index by
-- (platform, destination, state, seq), finding that last one read every entry ever
-- written to the destination (sent ones included), so writing a reply got slower with
-- every reply before it. This index answers it in one step.
CREATE INDEX outbox_last_seq ON outbox (platform, destination, seq);

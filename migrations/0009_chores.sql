-- Chores that one process runs for all, at most once per period (the daily clean-up):
-- the process whose conditional update moves `last_run_at` forward runs it.
CREATE TABLE chores (
    name        TEXT PRIMARY KEY,
    last_run_at BIGINT NOT NULL
);

-- Which decision each copy of an approval request shows, so that a decision edits every
-- copy once, however many late clicks and processes follow it.
ALTER TABLE approval_messages ADD COLUMN shown TEXT;

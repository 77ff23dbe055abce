-- The platform each copy of an approval request was posted on, so that its edits go
-- through that platform's notifier. Copies posted before this were all on Discord.
ALTER TABLE approval_messages ADD COLUMN platform TEXT NOT NULL DEFAULT 'discord';

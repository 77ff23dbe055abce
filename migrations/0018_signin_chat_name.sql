-- The name the chat platform showed for the person who asked for a sign-in link, so the
-- page the link opens can say which chat account it would link before anything happens.
ALTER TABLE signin_links ADD COLUMN chat_name TEXT;

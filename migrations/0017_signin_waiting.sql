-- What a person who is not signed in asked for, in email mode, so that the chat carries
-- on with it once their code is right (OpenID Connect keeps it on the sign-in link). It
-- lives apart from the code because it comes before the address does, and outlives a
-- code sent again. So `signin_codes.pending` (0013) stays empty.
CREATE TABLE signin_waiting (
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    pending    TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (platform, workspace, user_id)
);

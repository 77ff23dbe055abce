-- How each chat identity was linked to its account: by an operator (`cli`), by demo
-- mode's enrolment (`demo`), or by the person signing in (`oidc`, `email`). When is the
-- row's `created_at`. Identities linked before this were linked by operators or demo
-- mode; they are recorded as the operator's.
ALTER TABLE identities ADD COLUMN linked_via TEXT NOT NULL DEFAULT 'cli';

-- What the caller behind a token or session may do changes only when this
-- number does: org events (users, teams, memberships, admins) and token or
-- session revocation bump it in their own transaction. Every process keeps
-- its resolved callers keyed by it, so a revocation is seen by all of them
-- on their next request (issue 18).
ALTER TABLE orgs ADD COLUMN access_version BIGINT NOT NULL DEFAULT 0;

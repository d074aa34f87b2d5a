-- Issue 19: single sign-on with OpenID Connect (SPEC §12).
--
-- A sign-in on its way through the identity provider, keyed by the SHA-256
-- of its state (the browser holds the state itself): the nonce and PKCE
-- verifier it needs at the callback. Taken (deleted) by the callback, so a
-- state works once; older than ten minutes, refused and swept.
CREATE TABLE oidc_logins (
    state_hash TEXT    PRIMARY KEY,
    nonce      TEXT    NOT NULL,
    verifier   TEXT    NOT NULL,
    next       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);

-- How the org's people sign in (SignInSet): password sign-in on or off,
-- and for single sign-on the team new people join (none: no just-in-time
-- creation) and the email domains that may join it (JSON list).
ALTER TABLE orgs ADD COLUMN password_login BIGINT NOT NULL DEFAULT 1;
ALTER TABLE orgs ADD COLUMN sso_team TEXT;
ALTER TABLE orgs ADD COLUMN sso_domains TEXT NOT NULL DEFAULT '[]';

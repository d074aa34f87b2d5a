-- Who signs in where: an email signs in to one org, so a login needs no org
-- name. On Citus this is a reference table.
CREATE TABLE logins (
    email  TEXT NOT NULL PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs (org_id)
);

-- Browser sessions and API tokens. Only the SHA-256 of the secret is kept;
-- the secret names its org, so every lookup is scoped by org_id. Like
-- credentials they reference the org, not users, so they outlive a rebuild
-- of the projections.
CREATE TABLE sessions (
    org_id     TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, hash),
    FOREIGN KEY (org_id) REFERENCES orgs (org_id)
);

CREATE TABLE api_tokens (
    org_id     TEXT    NOT NULL,
    token_id   TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, token_id),
    UNIQUE (org_id, hash),
    FOREIGN KEY (org_id) REFERENCES orgs (org_id)
);

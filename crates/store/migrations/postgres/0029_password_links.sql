-- Issue 19: one-time links that let a person set their password: an
-- invitation, or a reset an admin sent. Only the SHA-256 of the link's
-- secret is kept; a link works once, until it expires.
CREATE TABLE password_links (
    hash       TEXT    PRIMARY KEY,
    org_id     TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);

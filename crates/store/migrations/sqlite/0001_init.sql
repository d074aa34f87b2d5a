-- Baton schema, SQLite dialect. Every primary key starts with org_id so the
-- PostgreSQL twin of this schema distributes by org (Citus) unchanged.
-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE orgs (
    org_id         TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    last_seq       INTEGER NOT NULL DEFAULT 0,
    stream_version INTEGER NOT NULL DEFAULT 0
);

-- The append-only log. Projections below are folds of it.
CREATE TABLE events (
    org_id      TEXT    NOT NULL REFERENCES orgs (org_id),
    seq         INTEGER NOT NULL,
    stream      TEXT    NOT NULL,
    stream_seq  INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT,
    at          INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    via         TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    PRIMARY KEY (org_id, seq),
    UNIQUE (org_id, stream, stream_seq)
);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TABLE teams (
    org_id TEXT NOT NULL REFERENCES orgs (org_id),
    team   TEXT NOT NULL,
    name   TEXT NOT NULL,
    PRIMARY KEY (org_id, team)
);

CREATE TABLE users (
    org_id     TEXT    NOT NULL REFERENCES orgs (org_id),
    email      TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    admin      INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, email)
);

CREATE TABLE memberships (
    org_id TEXT NOT NULL,
    email  TEXT NOT NULL,
    team   TEXT NOT NULL,
    role   TEXT NOT NULL,
    PRIMARY KEY (org_id, email, team),
    FOREIGN KEY (org_id, email) REFERENCES users (org_id, email),
    FOREIGN KEY (org_id, team) REFERENCES teams (org_id, team)
);

-- Secrets never enter the event log (nor its export). No foreign key to
-- users: credentials outlive a rebuild of the projections.
CREATE TABLE credentials (
    org_id        TEXT NOT NULL REFERENCES orgs (org_id),
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    PRIMARY KEY (org_id, email)
);

CREATE TABLE contracts (
    org_id          TEXT    NOT NULL REFERENCES orgs (org_id),
    contract        TEXT    NOT NULL,
    current_version INTEGER NOT NULL,
    mode            TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    PRIMARY KEY (org_id, contract)
);

CREATE TABLE contract_versions (
    org_id       TEXT    NOT NULL,
    contract     TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    definition   TEXT    NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT,
    PRIMARY KEY (org_id, contract, version),
    FOREIGN KEY (org_id, contract) REFERENCES contracts (org_id, contract)
);

-- A published version never changes.
CREATE TRIGGER contract_versions_immutable BEFORE UPDATE ON contract_versions
BEGIN
    SELECT RAISE(ABORT, 'a published contract version never changes');
END;

CREATE TABLE accounts (
    org_id         TEXT    NOT NULL REFERENCES orgs (org_id),
    account_id     TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    arr_minor      INTEGER NOT NULL,
    currency       TEXT    NOT NULL,
    segment        TEXT,
    status         TEXT    NOT NULL,
    churned_at     INTEGER,
    stream_version INTEGER NOT NULL,
    PRIMARY KEY (org_id, account_id)
);

CREATE TABLE handoffs (
    org_id             TEXT    NOT NULL,
    handoff_id         TEXT    NOT NULL,
    contract           TEXT    NOT NULL,
    version            INTEGER NOT NULL,
    account_id         TEXT    NOT NULL,
    sender             TEXT    NOT NULL,
    to_team            TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    score              INTEGER NOT NULL,
    submitted_score    INTEGER,
    created_at         INTEGER NOT NULL,
    first_submitted_at INTEGER,
    accepted_at        INTEGER,
    rejections         INTEGER NOT NULL,
    stream_version     INTEGER NOT NULL,
    doc                TEXT    NOT NULL,
    PRIMARY KEY (org_id, handoff_id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id),
    FOREIGN KEY (org_id, contract, version) REFERENCES contract_versions (org_id, contract, version)
);

CREATE INDEX handoffs_by_account ON handoffs (org_id, account_id, contract, accepted_at);
CREATE INDEX handoffs_inbox ON handoffs (org_id, to_team, state);

CREATE TABLE incidents (
    org_id     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    account_id TEXT    NOT NULL,
    handoff_id TEXT,
    field      TEXT,
    note       TEXT    NOT NULL,
    reported_by TEXT,
    at         INTEGER NOT NULL,
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id)
);

CREATE TABLE nps_responses (
    org_id     TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    account_id TEXT    NOT NULL,
    score      INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id)
);

CREATE TABLE churns (
    org_id         TEXT    NOT NULL,
    seq            INTEGER NOT NULL,
    account_id     TEXT    NOT NULL,
    at             INTEGER NOT NULL,
    arr_lost_minor INTEGER NOT NULL,
    currency       TEXT    NOT NULL,
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id)
);

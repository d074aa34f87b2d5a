-- Baton schema, PostgreSQL dialect. Every primary key starts with org_id so the
-- schema distributes by org (Citus) unchanged.
-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE orgs (
    org_id         TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    created_at     BIGINT NOT NULL,
    last_seq       BIGINT NOT NULL DEFAULT 0,
    stream_version BIGINT NOT NULL DEFAULT 0
);

-- The append-only log. Projections below are folds of it.
CREATE TABLE events (
    org_id      TEXT    NOT NULL REFERENCES orgs (org_id),
    seq         BIGINT NOT NULL,
    stream      TEXT    NOT NULL,
    stream_seq  BIGINT NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT,
    at          BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    via         TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    PRIMARY KEY (org_id, seq),
    UNIQUE (org_id, stream, stream_seq)
);

CREATE FUNCTION baton_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION baton_refuse_change('events are append-only');

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
    admin      BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
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
    current_version BIGINT NOT NULL,
    mode            TEXT    NOT NULL,
    stream_version  BIGINT NOT NULL,
    PRIMARY KEY (org_id, contract)
);

CREATE TABLE contract_versions (
    org_id       TEXT    NOT NULL,
    contract     TEXT    NOT NULL,
    version      BIGINT NOT NULL,
    definition   TEXT    NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT,
    PRIMARY KEY (org_id, contract, version),
    FOREIGN KEY (org_id, contract) REFERENCES contracts (org_id, contract)
);

-- A published version never changes.
CREATE TRIGGER contract_versions_immutable BEFORE UPDATE ON contract_versions
    FOR EACH ROW EXECUTE FUNCTION baton_refuse_change('a published contract version never changes');

CREATE TABLE accounts (
    org_id         TEXT    NOT NULL REFERENCES orgs (org_id),
    account_id     TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    arr_minor      BIGINT NOT NULL,
    currency       TEXT    NOT NULL,
    segment        TEXT,
    status         TEXT    NOT NULL,
    churned_at     BIGINT,
    stream_version BIGINT NOT NULL,
    PRIMARY KEY (org_id, account_id)
);

CREATE TABLE handoffs (
    org_id             TEXT    NOT NULL,
    handoff_id         TEXT    NOT NULL,
    contract           TEXT    NOT NULL,
    version            BIGINT NOT NULL,
    account_id         TEXT    NOT NULL,
    sender             TEXT    NOT NULL,
    to_team            TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    score              BIGINT NOT NULL,
    submitted_score    BIGINT,
    created_at         BIGINT NOT NULL,
    first_submitted_at BIGINT,
    accepted_at        BIGINT,
    rejections         BIGINT NOT NULL,
    stream_version     BIGINT NOT NULL,
    doc                TEXT    NOT NULL,
    PRIMARY KEY (org_id, handoff_id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id),
    FOREIGN KEY (org_id, contract, version) REFERENCES contract_versions (org_id, contract, version)
);

CREATE INDEX handoffs_by_account ON handoffs (org_id, account_id, contract, accepted_at);
CREATE INDEX handoffs_inbox ON handoffs (org_id, to_team, state);

CREATE TABLE incidents (
    org_id     TEXT    NOT NULL,
    seq        BIGINT NOT NULL,
    account_id TEXT    NOT NULL,
    handoff_id TEXT,
    field      TEXT,
    note       TEXT    NOT NULL,
    reported_by TEXT,
    at         BIGINT NOT NULL,
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id)
);

CREATE TABLE nps_responses (
    org_id     TEXT    NOT NULL,
    seq        BIGINT NOT NULL,
    account_id TEXT    NOT NULL,
    score      BIGINT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id)
);

CREATE TABLE churns (
    org_id         TEXT    NOT NULL,
    seq            BIGINT NOT NULL,
    account_id     TEXT    NOT NULL,
    at             BIGINT NOT NULL,
    arr_lost_minor BIGINT NOT NULL,
    currency       TEXT    NOT NULL,
    PRIMARY KEY (org_id, seq),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id)
);

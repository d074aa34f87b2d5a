-- CRM connections: configuration beside the event log, like webhook
-- subscriptions. The settings (credentials included) are stored encrypted
-- with BATON_SECRET_KEY (XChaCha20-Poly1305, a random nonce per write, the
-- org and connection ids as associated data); `settings_shown` is the same
-- settings with every secret replaced, for listings. Disconnecting clears the
-- ciphertext. The sync job claims a due connection with a lease
-- (lease_owner, lease_until) so one process syncs it at a time.
CREATE TABLE crm_connections (
    org_id          TEXT    NOT NULL,
    connection_id   TEXT    NOT NULL,
    vendor          TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    object_kind     TEXT    NOT NULL,
    field_map       TEXT    NOT NULL,
    settings_shown  TEXT    NOT NULL,
    settings_nonce  TEXT,
    settings_cipher TEXT,
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    disconnected_at INTEGER,
    enabled         INTEGER NOT NULL DEFAULT 1,
    -- Sync state.
    watermark       TEXT    NOT NULL DEFAULT '{}',
    last_pull_at    INTEGER,
    last_success_at INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    attention       TEXT,
    checked_as      TEXT,
    checked_at      INTEGER,
    deals_synced    INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    log_seq         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, connection_id),
    UNIQUE (connection_id),
    FOREIGN KEY (org_id) REFERENCES orgs (org_id)
);
-- What the job scans: enabled connections by when they are due.
CREATE INDEX crm_connections_due ON crm_connections (enabled, next_attempt_at);

-- The deals a connection brought in: which account, contract and handoff
-- each became, and the gate last written back onto it (JSON), so a gate is
-- written again only when it changed. `gone` marks a deal the CRM refused
-- for good (deleted): it is written no more.
CREATE TABLE crm_synced_deals (
    org_id        TEXT    NOT NULL,
    connection_id TEXT    NOT NULL,
    deal_id       TEXT    NOT NULL,
    account_id    TEXT    NOT NULL,
    contract      TEXT    NOT NULL,
    handoff_id    TEXT    NOT NULL,
    written_gate  TEXT,
    written_at    INTEGER,
    pending       INTEGER NOT NULL DEFAULT 1,
    gone          INTEGER NOT NULL DEFAULT 0,
    synced_at     INTEGER NOT NULL,
    PRIMARY KEY (org_id, connection_id, deal_id),
    FOREIGN KEY (org_id, connection_id) REFERENCES crm_connections (org_id, connection_id) ON DELETE CASCADE
);

-- A bounded log per connection (the newest entries are kept): what the sync
-- skipped, refused or failed at, by deal.
CREATE TABLE crm_connection_log (
    org_id        TEXT    NOT NULL,
    connection_id TEXT    NOT NULL,
    seq           INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    level         TEXT    NOT NULL,
    deal_id       TEXT,
    message       TEXT    NOT NULL,
    PRIMARY KEY (org_id, connection_id, seq),
    FOREIGN KEY (org_id, connection_id) REFERENCES crm_connections (org_id, connection_id) ON DELETE CASCADE
);

-- Issue 22: billing signals in. A billing system's signing secret per org,
-- sealed by the app (BATON_SECRET_KEY) like a CRM connection's settings,
-- and every billing event received: the key that makes a redelivery a
-- no-op, what became of it (applied, ignored, unmatched) and why.
CREATE TABLE billing_sources (
    org_id     TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    updated_at INTEGER  NOT NULL,
    PRIMARY KEY (org_id, source)
);

CREATE TABLE billing_events (
    org_id      TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    created_at  INTEGER  NOT NULL,
    account_id  TEXT,
    subject     TEXT,
    outcome     TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    received_at INTEGER  NOT NULL,
    PRIMARY KEY (org_id, source, event_id)
);

CREATE INDEX billing_events_by_account ON billing_events (org_id, account_id, outcome, created_at);

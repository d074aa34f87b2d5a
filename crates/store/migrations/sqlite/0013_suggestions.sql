-- Suggested re-discovery incidents found in conversation notes, with their
-- evidence, until a person confirms or dismisses them. A confirmed one is
-- also an incident (incidents table): only those count in the scorecard.
CREATE TABLE suggestions (
    org_id     TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    seq        INTEGER NOT NULL,
    account_id TEXT    NOT NULL,
    handoff_id TEXT    NOT NULL,
    contract   TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    question   TEXT    NOT NULL,
    answer     TEXT    NOT NULL,
    score      INTEGER NOT NULL,
    author     TEXT,
    team       TEXT,
    at         INTEGER NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'open',
    decided_by TEXT,
    decided_at INTEGER,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, account_id) REFERENCES accounts (org_id, account_id)
);
CREATE INDEX suggestions_by_status ON suggestions (org_id, status, at);
CREATE INDEX suggestions_by_account ON suggestions (org_id, account_id, at);

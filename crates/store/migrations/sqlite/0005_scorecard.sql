-- The scorecard as incremental sums (DESIGN §3). Each account's
-- contribution per (contract, period) is kept, so a change to one account
-- replaces exactly its old contribution in the sums, in the same transaction.

-- One account's contribution to one contract and period (JSON of the cell).
CREATE TABLE scorecard_parts (
    org_id     TEXT NOT NULL REFERENCES orgs (org_id),
    account_id TEXT NOT NULL,
    contract   TEXT NOT NULL,
    period     TEXT NOT NULL,
    cell       TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id, contract, period)
);

-- The sums: a scorecard read is a lookup of these rows.
CREATE TABLE scorecard_cells (
    org_id           TEXT NOT NULL REFERENCES orgs (org_id),
    contract         TEXT NOT NULL,
    period           TEXT NOT NULL,
    completion_num   INTEGER NOT NULL,
    completion_den   INTEGER NOT NULL,
    acceptance_num   INTEGER NOT NULL,
    acceptance_den   INTEGER NOT NULL,
    durations_n      INTEGER NOT NULL,
    rediscovery_num  INTEGER NOT NULL,
    rediscovery_den  INTEGER NOT NULL,
    before_promoters INTEGER NOT NULL,
    before_detractors INTEGER NOT NULL,
    before_responses INTEGER NOT NULL,
    after_promoters  INTEGER NOT NULL,
    after_detractors INTEGER NOT NULL,
    after_responses  INTEGER NOT NULL,
    leak_num         INTEGER NOT NULL,
    leak_den         INTEGER NOT NULL,
    arr_leaked_minor INTEGER NOT NULL,
    PRIMARY KEY (org_id, contract, period)
);

-- Seconds from first submission to acceptance, ordered for the median.
CREATE TABLE scorecard_durations (
    org_id     TEXT NOT NULL REFERENCES orgs (org_id),
    contract   TEXT NOT NULL,
    period     TEXT NOT NULL,
    seconds    INTEGER NOT NULL,
    account_id TEXT NOT NULL
);
CREATE INDEX scorecard_durations_order ON scorecard_durations (org_id, contract, period, seconds);
CREATE INDEX scorecard_durations_account ON scorecard_durations (org_id, account_id);

-- ARR at risk per account and contract (SPEC §5), for the leak audit.
CREATE TABLE arr_at_risk (
    org_id     TEXT NOT NULL REFERENCES orgs (org_id),
    account_id TEXT NOT NULL,
    contract   TEXT NOT NULL,
    arr_minor  INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id, contract)
);

-- Money in several currencies is never added (issue 16): the org's
-- reporting currency and exchange rates, folded from their events on the org
-- stream and rebuilt by `baton rebuild`; and leaked ARR kept per churn in
-- its own currency instead of summed across currencies.

-- The reporting currency an admin set (reporting_currency_set).
CREATE TABLE fx_reporting (
    org_id   TEXT    NOT NULL REFERENCES orgs (org_id),
    currency TEXT    NOT NULL,
    set_by   TEXT    NOT NULL,
    set_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id)
);

-- Exchange rates (fx_rate_set): from `effective` (YYYY-MM-DD, UTC) on, one
-- unit of `currency` is worth `rate` units of `to_currency`. The rate is
-- an exact decimal kept as text, never a float. A later rate for the same
-- date replaces the row.
CREATE TABLE fx_rates (
    org_id      TEXT    NOT NULL REFERENCES orgs (org_id),
    currency    TEXT    NOT NULL,
    to_currency TEXT    NOT NULL,
    effective   TEXT    NOT NULL,
    rate        TEXT    NOT NULL,
    set_by      TEXT    NOT NULL,
    set_at      BIGINT NOT NULL,
    PRIMARY KEY (org_id, currency, to_currency, effective)
);

-- The churns counted in a cell's leak numerator (one per account, contract
-- and period), each with its date and ARR lost in its own currency: the
-- leak audit converts them at the rate of the churn's date.
CREATE TABLE scorecard_leaks (
    org_id     TEXT    NOT NULL REFERENCES orgs (org_id),
    contract   TEXT    NOT NULL,
    period     TEXT    NOT NULL,
    account_id TEXT    NOT NULL,
    at         BIGINT NOT NULL,
    arr_minor  BIGINT NOT NULL,
    currency   TEXT    NOT NULL,
    PRIMARY KEY (org_id, contract, period, account_id)
);
CREATE INDEX scorecard_leaks_account ON scorecard_leaks (org_id, account_id);

-- The old sum added minor units of every currency together.
ALTER TABLE scorecard_cells DROP COLUMN arr_leaked_minor;

-- Orgs with churns from before this table: the next start recomputes their
-- scorecard contributions once (Store::open), which fills scorecard_leaks.
CREATE TABLE scorecard_leaks_backfill (
    org_id TEXT NOT NULL PRIMARY KEY REFERENCES orgs (org_id)
);
INSERT INTO scorecard_leaks_backfill (org_id) SELECT DISTINCT org_id FROM churns;

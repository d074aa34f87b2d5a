-- Issue 22: product usage in. One row per account per day: what the
-- customer's product reported (active users, seats, the key features
-- used). Kept beside the log, not in it: it is measurement arriving daily
-- for every account, not a decision anyone took, and a corrected day
-- replaces the one before. A backup copies it with the rest.
CREATE TABLE usage_days (
    org_id       TEXT    NOT NULL,
    account_id   TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    active_users INTEGER NOT NULL,
    seats        INTEGER,
    features     TEXT    NOT NULL,
    recorded_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, account_id, day)
);

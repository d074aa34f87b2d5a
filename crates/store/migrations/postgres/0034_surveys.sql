-- Issue 22 (part 1): survey responses in. Per org, how a survey tool's CSV
-- export maps onto a response (JSON: columns, kind, header rows, email
-- domains by account) and the survey webhook's signing secret, sealed by
-- the app (BATON_SECRET_KEY) like the billing secrets; and every response
-- received, keyed so that one imported or delivered twice is kept once,
-- with the account it is recorded against or none (the review list).
CREATE TABLE survey_settings (
    org_id     TEXT    NOT NULL PRIMARY KEY,
    mapping    TEXT,
    secret     TEXT,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE survey_responses (
    org_id        TEXT    NOT NULL,
    response_key  TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    response_id   TEXT,
    kind          TEXT    NOT NULL,
    score         BIGINT  NOT NULL,
    responded_at  BIGINT  NOT NULL,
    email         TEXT,
    named_account TEXT,
    comment       TEXT,
    account_id    TEXT,
    outcome       TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    received_at   BIGINT  NOT NULL,
    PRIMARY KEY (org_id, response_key)
);

CREATE INDEX survey_responses_by_outcome ON survey_responses (org_id, outcome, received_at);

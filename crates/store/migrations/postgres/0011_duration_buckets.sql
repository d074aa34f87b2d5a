-- How many durations of each (contract, period) fall in each bucket of a
-- log scale (8 buckets per doubling): the median is found by walking a few
-- dozen bucket counts, then reading a handful of rows inside one bucket,
-- instead of stepping through half of a period's durations.
CREATE TABLE scorecard_duration_buckets (
    org_id   TEXT    NOT NULL REFERENCES orgs (org_id),
    contract TEXT    NOT NULL,
    period   TEXT    NOT NULL,
    bucket   BIGINT  NOT NULL,
    n        BIGINT  NOT NULL,
    PRIMARY KEY (org_id, contract, period, bucket)
);

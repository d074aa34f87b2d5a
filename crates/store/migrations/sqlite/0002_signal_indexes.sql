-- Signals by account: the scorecard reads them per account and time, and
-- every account delete or key check must not scan the whole table.
CREATE INDEX incidents_by_account ON incidents (org_id, account_id, at);
CREATE INDEX nps_by_account ON nps_responses (org_id, account_id, at);
CREATE INDEX churns_by_account ON churns (org_id, account_id, at);

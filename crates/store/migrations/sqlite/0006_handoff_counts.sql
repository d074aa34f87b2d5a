-- Counts per contract and state (`baton status`, listings filtered by
-- contract and state) read this narrow index instead of the wide rows.
CREATE INDEX handoffs_by_contract_state ON handoffs (org_id, contract, state, submitted_score);

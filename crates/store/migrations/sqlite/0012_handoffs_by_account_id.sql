-- The gate check lists an account's handoffs of a contract in id order.
-- Without an index ending in the id, the planner walks the whole org in id
-- order to avoid a sort; with it, the check reads the account's few rows.
CREATE INDEX handoffs_by_account_id ON handoffs (org_id, account_id, contract, handoff_id);

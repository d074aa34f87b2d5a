-- Issue 18: the handoffs of one deal, of one account and of one team's inbox,
-- listed in id order (the live deal check, the account page, the inbox,
-- keyset paging) from an index in that order. Without it SQLite walked every
-- handoff of the org in key order to find one account's or one deal's.
DROP INDEX handoffs_by_deal;
CREATE INDEX handoffs_by_deal ON handoffs (org_id, deal, handoff_id);
DROP INDEX handoffs_inbox;
CREATE INDEX handoffs_inbox ON handoffs (org_id, to_team, state, handoff_id);
CREATE INDEX handoffs_by_account_in_order ON handoffs (org_id, account_id, handoff_id);

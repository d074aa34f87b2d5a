-- SPEC §11: a handoff may name the CRM deal it hands off, and the gate is
-- kept per deal. NULL for handoffs that name none (every one before this).
ALTER TABLE handoffs ADD COLUMN deal TEXT;
CREATE INDEX handoffs_by_deal ON handoffs (org_id, deal);

-- SPEC §11: one handoff per contract stands for a deal until it is
-- withdrawn. The domain checks it before a start (check_deal); this index
-- holds it when two starts race past that check.
CREATE UNIQUE INDEX handoffs_one_per_deal ON handoffs (org_id, contract, deal)
    WHERE deal IS NOT NULL AND state <> 'withdrawn';

-- A change to a handoff makes the connections that write its deal's gate
-- back due at once (store/src/connections.rs, gates_touched): found by the
-- handoff, in the change's transaction. A change during a round is
-- remembered (gates_touched = 1), so the round's end keeps it due.
CREATE INDEX crm_synced_deals_by_handoff ON crm_synced_deals (org_id, handoff_id);
ALTER TABLE crm_connections ADD COLUMN gates_touched INTEGER NOT NULL DEFAULT 0;

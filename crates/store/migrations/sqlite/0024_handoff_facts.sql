-- What the scorecard reads of each handoff, compactly: each submission's
-- time and score, each decision's time and verdict (see `facts.rs`).
-- Refreshing an account's scorecard contribution reads these instead of
-- parsing every handoff document (issue 18). Filled for older rows when
-- the store opens.
ALTER TABLE handoffs ADD COLUMN facts TEXT;

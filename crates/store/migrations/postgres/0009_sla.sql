-- SLA deadlines (SPEC §3): per handoff, every deadline not met (pending, or
-- breached with its breach recorded in fired_at) and every recorded breach.
-- Maintained by the write path in the transaction that changes the handoff,
-- rebuilt from the log by `baton rebuild`. The breach job reads the due,
-- unfired rows; the key makes a breach of one deadline recordable once.
-- Times are microseconds since the Unix epoch (UTC).
CREATE TABLE sla_deadlines (
    org_id     TEXT    NOT NULL REFERENCES orgs (org_id),
    handoff_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    due        BIGINT  NOT NULL,
    fired_at   BIGINT,
    PRIMARY KEY (org_id, handoff_id, kind, due)
);

-- What the breach job scans: deadlines not yet fired, soonest first.
CREATE INDEX sla_deadlines_unfired ON sla_deadlines (due) WHERE fired_at IS NULL;

-- Orgs whose handoffs predate this table: the next start fills their
-- deadlines once (Store::open), so no deadline of an open handoff is missed
-- after an upgrade. Orgs created later never appear here.
CREATE TABLE sla_backfill (
    org_id TEXT NOT NULL PRIMARY KEY REFERENCES orgs (org_id)
);
INSERT INTO sla_backfill (org_id) SELECT org_id FROM orgs;

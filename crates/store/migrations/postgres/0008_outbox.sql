-- The webhook outbox: one row per (subscription, event) the subscription
-- wants, written in the event's own transaction, so a delivery exists exactly
-- when its event committed. The delivery job claims due rows with a lease
-- (next_attempt_at moved past the lease, lease_owner set) so two processes
-- never send one row at once.
ALTER TABLE webhook_subscriptions ADD COLUMN format TEXT NOT NULL DEFAULT 'json';

CREATE TABLE webhook_deliveries (
    org_id          TEXT    NOT NULL,
    delivery_id     TEXT    NOT NULL,
    webhook_id      TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_owner     TEXT,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    delivered_at    BIGINT,
    PRIMARY KEY (org_id, delivery_id),
    UNIQUE (org_id, webhook_id, seq),
    FOREIGN KEY (org_id, webhook_id) REFERENCES webhook_subscriptions (org_id, webhook_id) ON DELETE CASCADE
);
-- What the job scans: due pending rows, oldest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
-- The delivery log of a subscription, newest first.
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (org_id, webhook_id, seq);

-- Every attempt, kept for the delivery log.
CREATE TABLE webhook_attempts (
    org_id      TEXT    NOT NULL,
    delivery_id TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    at          BIGINT  NOT NULL,
    http_status INTEGER,
    error       TEXT,
    duration_ms BIGINT  NOT NULL,
    PRIMARY KEY (org_id, delivery_id, attempt),
    FOREIGN KEY (org_id, delivery_id) REFERENCES webhook_deliveries (org_id, delivery_id) ON DELETE CASCADE
);

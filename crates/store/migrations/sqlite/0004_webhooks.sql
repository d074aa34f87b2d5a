-- Outbound webhook subscriptions: configuration, not history, so they live
-- beside the event log like tokens and outlive a rebuild of the projections.
-- The secret signs deliveries (HMAC-SHA256), so it is kept as given; it is
-- never returned by the API. `events` is a JSON array of event kinds or "*".
CREATE TABLE webhook_subscriptions (
    org_id     TEXT    NOT NULL,
    webhook_id TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    events     TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, webhook_id),
    FOREIGN KEY (org_id) REFERENCES orgs (org_id)
);

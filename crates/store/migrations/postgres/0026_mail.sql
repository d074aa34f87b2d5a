-- Issue 19: email notifications (SPEC §12).
--
-- A notice per event people are told of, written in the event's own
-- transaction, so a notice exists exactly when its event committed. The
-- mail job replaces each notice by one mail per recipient (their
-- preferences decide: at once, held for their digest, or none), in one
-- transaction; the unique key makes a second expansion of the same notice
-- (another process, a retry) add nothing.
CREATE TABLE mail_notices (
    org_id     TEXT    NOT NULL,
    seq        BIGINT  NOT NULL,
    kind       TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX mail_notices_by_age ON mail_notices (created_at);

-- One message to one person about one event, by one channel ('email', or
-- 'slack' for a Slack direct message). 'pending' goes out on its own
-- when due; 'held' waits in the person's digest until next_attempt_at (the
-- digest hour); 'sent' and 'dead' are kept for the admins' log. The job
-- claims due rows with a lease (next_attempt_at moved past it, lease_owner
-- set), so two processes never send one row at once.
CREATE TABLE mails (
    org_id          TEXT    NOT NULL,
    mail_id         TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    channel         TEXT    NOT NULL DEFAULT 'email',
    status          TEXT    NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_owner     TEXT,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    sent_at         BIGINT,
    PRIMARY KEY (org_id, mail_id),
    UNIQUE (org_id, seq, recipient, channel)
);
-- What the job scans: due rows, oldest first.
CREATE INDEX mails_due ON mails (status, next_attempt_at);
-- The admins' log, newest first.
CREATE INDEX mails_by_org ON mails (org_id, created_at);

-- Each person's notification preferences (JSON, see domain::notify).
CREATE TABLE mail_preferences (
    org_id TEXT NOT NULL,
    email  TEXT NOT NULL,
    prefs  TEXT NOT NULL,
    PRIMARY KEY (org_id, email)
);

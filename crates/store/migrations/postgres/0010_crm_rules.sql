-- Inbound CRM mapping rules: which (object, stage) of a CRM change starts a
-- draft of which contract, and who sends it. An org without rows uses the
-- built-in defaults. `stage_key` is the stage folded to lowercase letters
-- and digits, so "Closed Won", "closed_won" and "Closed-Won" are one key.
CREATE TABLE crm_rules (
    org_id     TEXT    NOT NULL,
    object     TEXT    NOT NULL,
    stage_key  TEXT    NOT NULL,
    stage      TEXT    NOT NULL,
    contract   TEXT    NOT NULL,
    sender     TEXT    NOT NULL,
    position   BIGINT  NOT NULL,
    PRIMARY KEY (org_id, object, stage_key),
    FOREIGN KEY (org_id) REFERENCES orgs (org_id)
);

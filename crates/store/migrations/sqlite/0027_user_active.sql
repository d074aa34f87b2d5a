-- Issue 19: a leaver is deactivated (UserDeactivated), never deleted: their
-- history stays theirs. 1 active, 0 deactivated.
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;

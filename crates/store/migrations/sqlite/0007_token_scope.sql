-- A token is either read-only or may also write (its owner's rights either way).
ALTER TABLE api_tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;

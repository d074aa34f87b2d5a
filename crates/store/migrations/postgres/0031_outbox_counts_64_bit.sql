-- Every integer column is 64-bit on both backends (SQLite's INTEGER always
-- is). The outbox's attempt counters and HTTP status were the three 32-bit
-- columns of the PostgreSQL schema; they widen here.
-- dialect: postgres
ALTER TABLE webhook_deliveries ALTER COLUMN attempts TYPE BIGINT;
ALTER TABLE webhook_attempts ALTER COLUMN attempt TYPE BIGINT, ALTER COLUMN http_status TYPE BIGINT;
-- end dialect

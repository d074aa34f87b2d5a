-- Every integer column is 64-bit on both backends (SQLite's INTEGER always
-- is). The outbox's attempt counters and HTTP status were the three 32-bit
-- columns of the PostgreSQL schema; they widen there, and nothing changes
-- here.
-- dialect: sqlite
SELECT 1;
-- end dialect

-- Issue 19: when each API token was last used (to the nearest ten minutes:
-- a process records a token's use at most that often, so a busy token costs
-- no write per request).
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;

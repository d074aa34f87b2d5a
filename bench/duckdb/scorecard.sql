-- Baton's scorecard (SPEC §5), computed with DuckDB straight from the history
-- file (SPEC §9): for every contract and each month of the trailing window,
-- the six metrics with their numerators and denominators.
--
-- This is what a RevOps analyst would otherwise write by hand. Set before
-- running (bench/duckdb/scorecard.py does):
--
--   SET VARIABLE jsonl = 'history.jsonl';        -- what `baton import events` reads
--   SET VARIABLE contracts_jsonl = 'seed.jsonl'; -- the versions `baton init` publishes
--   SET VARIABLE last_month = DATE '2026-10-01';
--   SET VARIABLE months = 12;
--
-- The score of a submission is not in the file. It is recomputed here from the
-- values given so far and the fields of the contract version, by Baton's rules
-- (crates/domain/src/field.rs, handoff.rs). What a query cannot do the same:
--  * Baton refuses lines that break its rules (a value of the wrong type or not
--    among an enum's options, an unknown field, accepting a handoff that is not
--    waiting for a decision). This query assumes the file imports cleanly and
--    does not re-validate values.
--  * Baton applies lines in file order. read_json does not expose line
--    numbers, so a handoff's lines are ordered by time, and lines at the very
--    same instant by their place in the lifecycle (draft, edit, submission,
--    decision); a handoff without a version is bound to the contract's latest
--    version published at or before its first line's time.
--  * "Letters and digits" is Unicode \p{L} and \p{N} here; Rust's
--    is_alphanumeric also keeps the combining marks some scripts (Devanagari,
--    Thai) spell vowels with, and lowercases a few letters (e.g. the dotted
--    capital I) differently. Latin, Cyrillic, Greek and CJK text agree.

-- How Baton reads a value ---------------------------------------------------

-- Whitespace as Rust's trim() sees it (Unicode White_Space), not only spaces.
CREATE OR REPLACE TEMP MACRO trim_ws(s) AS
    regexp_replace(regexp_replace(s, '^[\t-\r\x{85}\p{Z}]+', ''), '[\t-\r\x{85}\p{Z}]+$', '');

-- Letters and digits only, lowercased: placeholders and labels are compared
-- in this form, so "N/A", "n.a." and "na" are one answer.
CREATE OR REPLACE TEMP MACRO squash(s) AS
    lower(regexp_replace(s, '[^\p{L}\p{N}]+', '', 'g'));

-- A text member of a JSON object as Baton keeps it: trimmed, absent if blank.
CREATE OR REPLACE TEMP MACRO member(o, k) AS
    nullif(trim_ws(CASE WHEN json_type(json_extract(o, k)) = 'VARCHAR'
                        THEN json_extract_string(o, k) END), '');

-- A person as Baton prints one: "Name (role): reaction" or "Name (role) <email>".
CREATE OR REPLACE TEMP MACRO person_text(name, role, extra) AS
    coalesce(name, '') || coalesce(' (' || role || ')', '') || coalesce(extra, '');

-- "Name (role)" typed as text: a role is there when the text ends with ")"
-- and has a "(" before that; it runs from the first "(" to the end.
CREATE OR REPLACE TEMP MACRO has_role(head) AS
    ends_with(head, ')') AND strpos(head, '(') BETWEEN 1 AND length(head) - 1;
CREATE OR REPLACE TEMP MACRO name_of(head) AS
    CASE WHEN has_role(head) THEN trim_ws(left(head, strpos(head, '(') - 1)) ELSE head END;
CREATE OR REPLACE TEMP MACRO role_of(head) AS
    CASE WHEN has_role(head)
         THEN nullif(trim_ws(substring(head, strpos(head, '(') + 1,
                                       length(head) - strpos(head, '(') - 1)), '')
    END;

-- One line of a people list typed as text, "Name (role): reaction" (split at
-- the first colon), as Baton prints it back once parsed.
CREATE OR REPLACE TEMP MACRO head_of(t) AS
    trim_ws(CASE WHEN strpos(t, ':') > 0 THEN left(t, strpos(t, ':') - 1) ELSE t END);
CREATE OR REPLACE TEMP MACRO after_colon(t) AS
    nullif(trim_ws(CASE WHEN strpos(t, ':') > 0 THEN substring(t, strpos(t, ':') + 1) END), '');
CREATE OR REPLACE TEMP MACRO people_line(line) AS
    person_text(name_of(head_of(trim_ws(line))), role_of(head_of(trim_ws(line))),
                ': ' || after_colon(trim_ws(line)));

-- A person typed as text, "Name (role) <email>": only the name is judged. The
-- email is what lies between the first "<" and the last ">".
CREATE OR REPLACE TEMP MACRO person_name(t) AS
    name_of(CASE WHEN strpos(t, '<') > 0 AND strpos(substring(t, strpos(t, '<') + 1), '>') > 0
                 THEN trim_ws(left(t, strpos(t, '<') - 1)) ELSE t END);

-- A hypothesis typed as text, "new VP of Sales (70%)": the trailing
-- percentage is the confidence, the rest is what is judged.
CREATE OR REPLACE TEMP MACRO hypothesis_of(t) AS
    CASE WHEN try_cast(regexp_extract(trim_ws(regexp_extract(t, '\(([^(]*)%\)$', 1)),
                                      '^\+?([0-9]+)$', 1) AS INTEGER) <= 100
         THEN trim_ws(regexp_extract(t, '(?s)^(.*)\([^(]*%\)$', 1)) ELSE t END;

-- The prose a field's minimum length and filler rules judge, trimmed, for the
-- types that hold prose (people lists: see people_prose below); NULL for the
-- others, whose presence is enough. `text` is the value trimmed when it is
-- typed as text, NULL when it is JSON.
CREATE OR REPLACE TEMP MACRO prose_of(kind, v, text) AS
    CASE kind
        WHEN 'text' THEN text
        WHEN 'long_text' THEN text
        WHEN 'person' THEN
            CASE WHEN text IS NOT NULL THEN person_name(text)
                 -- a role or an email alone does not say who
                 ELSE coalesce(member(v, 'name'), '')
            END
        WHEN 'hypothesis' THEN
            coalesce(hypothesis_of(text), member(v, 'hypothesis'), '')
    END;

-- Whether a value is there at all: null, blank text and empty lists are "no
-- value" (and a later submission sending one clears the field).
CREATE OR REPLACE TEMP MACRO present(kind, v, text) AS
    v IS NOT NULL AND json_type(v) <> 'NULL'  -- read_json gives a JSON null as NULL
    AND coalesce(text, 'json') <> ''
    AND NOT (json_type(v) = 'ARRAY' AND kind = 'people' AND json_array_length(v) = 0)
    AND NOT (json_type(v) = 'ARRAY' AND kind = 'multi_enum'
             AND len(list_filter(json_extract_string(v, '$[*]'), lambda o: trim_ws(o) <> '')) = 0);

-- Placeholders that never fill a mandatory field (compared squashed).
CREATE OR REPLACE TEMP MACRO placeholder(sq) AS
    sq IN ('', 'na', 'nan', 'none', 'null', 'nil', 'tbd', 'tba', 'tbc', 'todo', 'unknown',
           'unk', 'idk', 'seenotes', 'seeabove', 'seebelow', 'asabove', 'same', 'x', 'xx',
           'xxx', 'test', 'pending', 'later', 'notsure', 'nothing', 'nope', 'no', 'asdf',
           'qwerty')
    -- "aaa", "--", "0000": one character repeated, short.
    OR (strlen(sq) < 6 AND sq = repeat(left(sq, 1), length(sq)));

-- The scorecard ----------------------------------------------------------------

WITH
lines AS (
    -- Only the keys the scorecard reads; every other key of every line type is ignored.
    SELECT type, handoff, contract, account, version, "values", score, definition,
           timezone('UTC', "at") AS ts
    FROM read_json(getvariable('jsonl'), format = 'newline_delimited', columns = {
        type: 'VARCHAR', handoff: 'VARCHAR', contract: 'VARCHAR', account: 'VARCHAR',
        version: 'INTEGER', "at": 'TIMESTAMPTZ', "values": 'MAP(VARCHAR, JSON)',
        score: 'INTEGER',
        definition: 'STRUCT(fields STRUCT(key VARCHAR, label VARCHAR, kind STRUCT(type VARCHAR),
                                          required BOOLEAN, min_len INTEGER, owner VARCHAR)[])'
    })
),

-- Contract versions: those the history publishes, and those `baton init`
-- published before it (the seed), unless the history brings its own.
published AS (
    SELECT contract, version, definition, ts, false AS seed
    FROM lines WHERE type = 'contract_published'
    UNION ALL
    SELECT contract, version, definition, NULL, true
    FROM read_json(getvariable('contracts_jsonl'), format = 'newline_delimited', columns = {
        type: 'VARCHAR', contract: 'VARCHAR', version: 'INTEGER',
        definition: 'STRUCT(fields STRUCT(key VARCHAR, label VARCHAR, kind STRUCT(type VARCHAR),
                                          required BOOLEAN, min_len INTEGER, owner VARCHAR)[])'
    }) s
    WHERE type = 'contract_published'
      AND NOT EXISTS (SELECT 1 FROM lines h WHERE h.type = 'contract_published'
                                              AND h.contract = s.contract AND h.version = s.version)
),
-- The fields a score counts: mandatory and filled by the sender.
scored_fields AS (
    SELECT contract, version, f.key AS field, f.kind.type AS kind, f.min_len,
           squash(f.label) AS label_squashed
    FROM (SELECT contract, version, unnest(definition.fields) AS f FROM published)
    WHERE coalesce(f.required, false) AND coalesce(f.owner, 'sender') = 'sender'
),

-- One row per handoff line; `step` orders a handoff's lines at the same instant.
handoff_lines AS (
    SELECT *, CASE type WHEN 'draft_created' THEN 0 WHEN 'edited' THEN 1
                        WHEN 'submitted' THEN 2 ELSE 4 END AS step
    FROM lines
    WHERE type IN ('draft_created', 'edited', 'submitted', 'rejected', 'accepted', 'withdrawn')
),
handoff_heads AS (
    SELECT handoff,
           any_value(contract) AS contract,
           any_value(account) AS account,
           any_value(version) AS version,
           min(ts) AS started_at,
           min(ts) FILTER (WHERE type = 'submitted') AS submitted_at,   -- s
           max(ts) FILTER (WHERE type = 'accepted') AS accepted_at,     -- a
           min(ts) FILTER (WHERE type IN ('accepted', 'rejected')) AS decided_at,
           arg_min(type = 'accepted', ts) FILTER (WHERE type IN ('accepted', 'rejected'))
               AS first_decision_accepted
    FROM handoff_lines
    GROUP BY handoff
),
-- A handoff is bound to the version it names, else to the contract's latest
-- version when it started.
handoffs AS (
    SELECT h.* REPLACE (coalesce(h.version, (
               SELECT max(p.version) FROM published p
               WHERE p.contract = h.contract AND (p.seed OR p.ts <= h.started_at))) AS version)
    FROM handoff_heads h
),

-- Every value a line gives to a scored field.
given AS (
    SELECT l.handoff, l.ts, l.step, f.field, f.kind, f.label_squashed, f.min_len, l.e.value AS v,
           CASE WHEN json_type(l.e.value) = 'VARCHAR'
                THEN trim_ws(json_extract_string(l.e.value, '$')) END AS text
    FROM (SELECT handoff, ts, step, unnest(map_entries("values")) AS e
          FROM handoff_lines WHERE type IN ('draft_created', 'edited', 'submitted')) l
    JOIN handoffs h USING (handoff)
    JOIN scored_fields f ON f.contract = h.contract AND f.version = h.version
                        AND f.field = l.e.key
),
-- A people list is judged as Baton prints it: one "Name (role): reaction" per
-- line. Typed as text, each non-blank line is a person; as JSON, each item is
-- such a text or an object {name, role, reaction}.
people AS (
    SELECT DISTINCT v FROM given WHERE kind = 'people'
),
people_lines AS (
    SELECT p.v, t.i, people_line(t.line) AS line
    FROM people p, unnest(string_split(json_extract_string(p.v, '$'), chr(10)))
                   WITH ORDINALITY AS t(line, i)
    WHERE json_type(p.v) = 'VARCHAR' AND trim_ws(t.line) <> ''
    UNION ALL
    SELECT p.v, t.i,
           CASE WHEN json_type(t.item) = 'VARCHAR'
                THEN people_line(json_extract_string(t.item, '$'))
                ELSE person_text(member(t.item, 'name'), member(t.item, 'role'),
                                 ': ' || member(t.item, 'reaction'))
           END
    FROM people p, unnest(json_extract(p.v, '$[*]')) WITH ORDINALITY AS t(item, i)
    WHERE json_type(p.v) = 'ARRAY'
),
people_prose AS (
    SELECT v, trim_ws(string_agg(line, chr(10) ORDER BY i)) AS prose
    FROM people_lines GROUP BY v
),
-- Filled or not, by Baton's rules: there at all; for prose, not a
-- placeholder, not the field's label typed back, and long enough.
judged AS (
    SELECT handoff, ts, step, field,
           CASE WHEN NOT present(kind, v, text) THEN false
                WHEN prose IS NULL THEN true
                WHEN placeholder(squashed) OR squashed = label_squashed THEN false
                WHEN min_len IS NULL THEN true
                ELSE length(prose) >= min_len
           END AS filled
    FROM (SELECT *, squash(prose) AS squashed
          FROM (SELECT g.*, CASE WHEN g.kind = 'people' THEN coalesce(p.prose, '')
                                 ELSE prose_of(g.kind, g.v, g.text) END AS prose
                FROM given g LEFT JOIN people_prose p ON p.v::VARCHAR = g.v::VARCHAR))
),
-- A later submission merges its values over the earlier ones: a submission
-- sees, per field, the latest value given up to it (at the same instant, the
-- lifecycle order: draft, edit, submission).
submissions AS (
    SELECT DISTINCT handoff, ts FROM handoff_lines WHERE type = 'submitted'
),
filled_at_submission AS (
    SELECT s.handoff, s.ts, j.field, arg_max(j.filled, (j.ts, j.step)) AS filled
    FROM submissions s JOIN judged j ON j.handoff = s.handoff AND j.ts <= s.ts
    GROUP BY s.handoff, s.ts, j.field
),
-- Score = round(100 × filled ÷ mandatory sender fields), halves up; 100 when
-- the version has no such field.
field_counts AS (
    SELECT contract, version, count(*) AS total FROM scored_fields GROUP BY ALL
),
submission_scores AS (
    SELECT s.handoff, s.ts,
           CASE WHEN c.total IS NULL THEN 100
                ELSE (200 * coalesce(f.filled, 0) + c.total) // (2 * c.total)
           END AS score
    FROM submissions s
    JOIN handoffs h USING (handoff)
    LEFT JOIN field_counts c USING (contract, version)
    LEFT JOIN (SELECT handoff, ts, count(*) FILTER (WHERE filled) AS filled
               FROM filled_at_submission GROUP BY ALL) f USING (handoff, ts)
),

-- Re-discovery incidents count against the handoff they name, else against the
-- account's most recently accepted handoff (any contract) at or before them.
incidents AS (
    SELECT DISTINCT account, handoff, ts FROM lines WHERE type = 'rediscovery'
),
incident_targets AS (
    SELECT i.ts, h.handoff
    FROM incidents i JOIN handoffs h ON h.handoff = i.handoff AND h.account = i.account
    UNION ALL
    SELECT i.ts, max_by(h.handoff, (h.accepted_at, h.handoff))
    FROM incidents i JOIN handoffs h ON h.account = i.account AND h.accepted_at <= i.ts
    WHERE i.handoff IS NULL
    GROUP BY i.account, i.ts
),

-- Everything the metrics need per handoff.
facts AS (
    SELECT h.handoff, h.contract, h.account, h.submitted_at, h.accepted_at,
           h.decided_at, h.first_decision_accepted,
           -- "the accepted submission": the latest one at or before acceptance
           (SELECT arg_max(s.score, s.ts) FROM submission_scores s
            WHERE s.handoff = h.handoff AND s.ts <= h.accepted_at) AS accepted_score,
           EXISTS (SELECT 1 FROM incident_targets t
                   WHERE t.handoff = h.handoff
                     AND t.ts BETWEEN h.accepted_at AND h.accepted_at + INTERVAL 30 DAY)
               AS rediscovered
    FROM handoffs h
),
accepted AS (
    SELECT *, date_trunc('month', accepted_at) AS month,
           -- whole seconds, as Baton counts them
           trunc(epoch(accepted_at - submitted_at))::BIGINT AS seconds
    FROM facts WHERE accepted_at IS NOT NULL AND submitted_at IS NOT NULL
),

-- NPS responses around each accepted handoff: before = [s − 14 d, s),
-- after = (a, a + 14 d]. A response may count for several handoffs.
nps AS (
    SELECT account, ts, score FROM lines WHERE type = 'nps'
),
nps_pools AS (
    SELECT handoff,
           count(*) FILTER (WHERE before) AS before_n,
           count(*) FILTER (WHERE before AND score >= 9) AS before_promoters,
           count(*) FILTER (WHERE before AND score <= 6) AS before_detractors,
           count(*) FILTER (WHERE after) AS after_n,
           count(*) FILTER (WHERE after AND score >= 9) AS after_promoters,
           count(*) FILTER (WHERE after AND score <= 6) AS after_detractors
    FROM (SELECT a.handoff, n.score,
                 n.ts >= a.submitted_at - INTERVAL 14 DAY AND n.ts < a.submitted_at AS before,
                 n.ts > a.accepted_at AND n.ts <= a.accepted_at + INTERVAL 14 DAY AS after
          FROM accepted a JOIN nps n ON n.account = a.account)
    GROUP BY handoff
),

-- Leak-to-churn: per churn and contract, the account's latest handoff of the
-- contract first submitted before the churn, and its score at the churn.
churns AS (
    SELECT DISTINCT account, ts FROM lines WHERE type = 'churn'
),
churn_handoffs AS (
    SELECT c.account, c.ts AS churned_at, h.contract,
           max_by(h.handoff, (h.submitted_at, h.handoff)) AS handoff
    FROM churns c JOIN handoffs h ON h.account = c.account AND h.submitted_at < c.ts
    GROUP BY c.account, c.ts, h.contract
),
churn_leaks AS (
    -- An account counts once per contract and month: its first churn there decides.
    SELECT contract, date_trunc('month', churned_at) AS month, account,
           arg_min(leaked, churned_at) AS leaked
    FROM (SELECT c.*, (SELECT arg_max(s.score, s.ts) FROM submission_scores s
                       WHERE s.handoff = c.handoff AND s.ts <= c.churned_at) < 70 AS leaked
          FROM churn_handoffs c)
    GROUP BY ALL
),

-- The metrics, per contract and month.
months AS (
    SELECT unnest(generate_series(getvariable('last_month')::DATE
                                      - to_months(getvariable('months')::INTEGER - 1),
                                  getvariable('last_month')::DATE, INTERVAL 1 MONTH))::TIMESTAMP
               AS month
),
contracts AS (SELECT DISTINCT contract FROM published),
acceptance AS (
    SELECT contract, date_trunc('month', decided_at) AS month,
           count(*) FILTER (WHERE first_decision_accepted AND NOT rediscovered) AS num,
           count(*) AS den
    FROM facts WHERE decided_at IS NOT NULL
    GROUP BY ALL
),
by_handoff AS (
    SELECT contract, month,
           count(*) FILTER (WHERE accepted_score = 100) AS completion_num,
           count(*) AS completion_den,
           median(seconds) / 3600 AS tta_hours,
           count(*) AS tta_n,
           sum(coalesce(p.before_n, 0)) AS before_n,
           sum(coalesce(p.before_promoters, 0)) AS before_promoters,
           sum(coalesce(p.before_detractors, 0)) AS before_detractors,
           sum(coalesce(p.after_n, 0)) AS after_n,
           sum(coalesce(p.after_promoters, 0)) AS after_promoters,
           sum(coalesce(p.after_detractors, 0)) AS after_detractors
    FROM accepted LEFT JOIN nps_pools p USING (handoff)
    GROUP BY ALL
),
-- Re-discovery incidence counts accounts, not handoffs.
by_account AS (
    SELECT contract, month, count(*) FILTER (WHERE hit) AS num, count(*) AS den
    FROM (SELECT contract, month, account, bool_or(rediscovered) AS hit
          FROM accepted GROUP BY ALL)
    GROUP BY ALL
),
by_churn AS (
    SELECT contract, month, count(*) FILTER (WHERE leaked) AS num, count(*) AS den
    FROM churn_leaks GROUP BY ALL
)
SELECT c.contract,
       strftime(m.month, '%Y-%m') AS period,
       coalesce(h.completion_num, 0) AS completion_num,
       coalesce(h.completion_den, 0) AS completion_den,
       coalesce(r.num, 0) AS acceptance_num,
       coalesce(r.den, 0) AS acceptance_den,
       h.tta_hours,
       coalesce(h.tta_n, 0) AS tta_n,
       coalesce(a.num, 0) AS rediscovery_num,
       coalesce(a.den, 0) AS rediscovery_den,
       -- NPS = % promoters − % detractors; "no data" when either pool is empty.
       100 * (h.after_promoters - h.after_detractors)::DOUBLE / nullif(h.after_n, 0)
         - 100 * (h.before_promoters - h.before_detractors)::DOUBLE / nullif(h.before_n, 0)
           AS nps_delta,
       coalesce(h.before_n, 0) AS nps_before_n,
       coalesce(h.after_n, 0) AS nps_after_n,
       coalesce(l.num, 0) AS leak_num,
       coalesce(l.den, 0) AS leak_den
FROM contracts c CROSS JOIN months m
LEFT JOIN by_handoff h USING (contract, month)
LEFT JOIN acceptance r USING (contract, month)
LEFT JOIN by_account a USING (contract, month)
LEFT JOIN by_churn l USING (contract, month)
ORDER BY c.contract, period;

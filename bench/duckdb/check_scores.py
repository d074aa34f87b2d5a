#!/usr/bin/env python3
"""Checks the query's submission scores one by one against Baton's.

    baton export events --out export.jsonl      # after importing FILE
    python bench/duckdb/check_scores.py --jsonl FILE --export export.jsonl

The scorecard's cells are sums, so two wrong scores could cancel out; Baton's
export writes the score of every submission, so this compares each of them
with the score scorecard.sql computes (its `submission_scores` step). Exits
1 listing the first differences.
"""

import argparse
import sys
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jsonl", required=True, type=Path, help="the history file imported")
    ap.add_argument("--export", required=True, type=Path, help="`baton export events` afterwards")
    ap.add_argument("--contracts", type=Path, default=HERE / "seed-contracts.jsonl")
    args = ap.parse_args()

    sql = (HERE / "scorecard.sql").read_text()
    # Everything up to the submission scores, then just those.
    head = sql[: sql.index("-- Re-discovery incidents count")].rstrip().rstrip(",")
    head = head.replace("\nWITH\n", "\nCREATE TABLE ours AS WITH\n", 1)
    con = duckdb.connect()
    con.execute("SET VARIABLE jsonl = ?", [str(args.jsonl)])
    con.execute("SET VARIABLE contracts_jsonl = ?", [str(args.contracts)])
    con.execute(head + "\nSELECT handoff, ts, score FROM submission_scores")
    con.execute(
        """CREATE TABLE theirs AS
           SELECT handoff, timezone('UTC', "at") AS ts, score
           FROM read_json(?, format = 'newline_delimited', columns = {
               type: 'VARCHAR', handoff: 'VARCHAR', "at": 'TIMESTAMPTZ', score: 'INTEGER'})
           WHERE type = 'submitted'""",
        [str(args.export)],
    )
    n = con.execute("SELECT count(*) FROM theirs").fetchone()[0]
    diffs = con.execute(
        """SELECT handoff, ts::VARCHAR, o.score, t.score
           FROM ours o FULL JOIN theirs t USING (handoff, ts)
           WHERE o.score IS DISTINCT FROM t.score
           ORDER BY handoff, ts LIMIT 50"""
    ).fetchall()
    if diffs:
        print(
            f"submission scores differ (handoff, at, duckdb, baton), first {len(diffs)}:",
            file=sys.stderr,
        )
        for d in diffs:
            print(f"  {d}", file=sys.stderr)
        sys.exit(1)
    print(f"all {n} submission scores match Baton's")


if __name__ == "__main__":
    main()

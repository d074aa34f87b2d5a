#!/usr/bin/env python3
"""Times DuckDB computing Baton's scorecard from a history JSONL file.

    python bench/duckdb/scorecard.py --jsonl FILE --period 2026-10 --periods 12 \
        [--baton baton-scorecard.json] [--runs 3]

Runs scorecard.sql (all contracts, `--periods` months ending at `--period`)
`--runs` times on a fresh in-memory DuckDB using every core, and prints one
JSON line: {"duckdb_ms_best", "duckdb_ms_median", "rows"}. Each run's time is
the whole query, reading and parsing the JSON included.

With --baton (the output of `baton scorecard --format json --period P
--periods N`), every (contract, period, metric) cell is compared with Baton's;
any difference is listed on stderr and the exit status is 1. Ratios must have
the same numerator and denominator, the median and the NPS delta agree to
1e-9, and the sample sizes (n, before_n, after_n) are equal.
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
TOLERANCE = 1e-9


def month_start(period: str) -> str:
    year, month = period.split("-")
    if len(year) != 4 or len(month) != 2 or not (1 <= int(month) <= 12):
        raise SystemExit(f"--period: '{period}' is not a month like 2026-10")
    return f"{year}-{month}-01"


def run(jsonl: Path, contracts: Path, period: str, periods: int, threads: int):
    """One timed run on a fresh database: rows as dicts, and milliseconds."""
    sql = (HERE / "scorecard.sql").read_text()
    con = duckdb.connect(":memory:", config={"threads": threads})
    try:
        # The parameters travel as variables, not spliced into the SQL text.
        con.execute("SET VARIABLE jsonl = ?", [str(jsonl)])
        con.execute("SET VARIABLE contracts_jsonl = ?", [str(contracts)])
        con.execute("SET VARIABLE last_month = ?::DATE", [month_start(period)])
        con.execute("SET VARIABLE months = ?::INTEGER", [periods])
        started = time.perf_counter()
        # The script is macros then the query; execute() returns the last result.
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        con.close()
    return rows, elapsed


def cells_of_duckdb(rows):
    """(contract, period, metric) -> comparable figures, from the query."""
    cells = {}
    for r in rows:
        key = (r["contract"], r["period"])
        ratios = {
            "completion_rate": "completion",
            "receiver_acceptance": "acceptance",
            "rediscovery_incidence": "rediscovery",
            "leak_to_churn": "leak",
        }
        for metric, col in ratios.items():
            cells[key + (metric,)] = {"num": r[f"{col}_num"], "den": r[f"{col}_den"]}
        cells[key + ("time_to_acceptance",)] = {"value": r["tta_hours"], "n": r["tta_n"]}
        cells[key + ("nps_delta",)] = {
            "value": r["nps_delta"],
            "before_n": r["nps_before_n"],
            "after_n": r["nps_after_n"],
        }
    return cells


def cells_of_baton(doc):
    """The same cells from `baton scorecard --format json`."""
    fields = {
        "completion_rate": ("num", "den"),
        "receiver_acceptance": ("num", "den"),
        "time_to_acceptance": ("value", "n"),
        "rediscovery_incidence": ("num", "den"),
        "nps_delta": ("value", "before_n", "after_n"),
        "leak_to_churn": ("num", "den"),
    }
    cells = {}
    for c in doc["contracts"]:
        points = c.get("trend") or [{"period": c["period"], "metrics": c["metrics"]}]
        for p in points:
            for metric, keys in fields.items():
                m = p["metrics"][metric]
                cells[(c["contract"], p["period"], metric)] = {k: m.get(k) for k in keys}
    return cells


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=TOLERANCE)
    return int(a) == int(b)


def compare(ours, theirs):
    """Every cell that differs, as readable lines."""
    out = []
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key), theirs.get(key)
        if a is None or b is None:
            out.append(f"{key}: only in {'Baton' if a is None else 'DuckDB'}")
            continue
        diffs = [f"{k} duckdb={a[k]!r} baton={b[k]!r}" for k in a if not same(a[k], b[k])]
        if diffs:
            out.append(f"{key[0]} {key[1]} {key[2]}: " + ", ".join(diffs))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jsonl", required=True, type=Path, help="history file (SPEC §9)")
    ap.add_argument("--period", required=True, help="last month, e.g. 2026-10")
    ap.add_argument("--periods", type=int, default=12, help="months of trend (default 12)")
    ap.add_argument("--baton", type=Path, help="Baton's `scorecard --format json` to compare with")
    ap.add_argument("--runs", type=int, default=3, help="timed runs (default 3)")
    ap.add_argument(
        "--contracts",
        type=Path,
        default=HERE / "seed-contracts.jsonl",
        help="contract versions `baton init` publishes (default: seed-contracts.jsonl, the "
        "contract_published lines of `baton export events` after `baton init`)",
    )
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    if args.runs < 1 or args.periods < 1:
        raise SystemExit("--runs and --periods must be at least 1")
    if not args.jsonl.is_file():
        raise SystemExit(f"--jsonl: no file '{args.jsonl}'")

    times, rows = [], []
    for _ in range(args.runs):
        rows, ms = run(args.jsonl, args.contracts, args.period, args.periods, args.threads)
        times.append(ms)
    print(
        json.dumps(
            {
                "duckdb_ms_best": round(min(times), 1),
                "duckdb_ms_median": round(statistics.median(times), 1),
                "rows": len(rows),
            }
        ),
        flush=True,
    )
    if args.baton:
        diffs = compare(cells_of_duckdb(rows), cells_of_baton(json.loads(args.baton.read_text())))
        if diffs:
            print(f"{len(diffs)} cells differ from Baton:", file=sys.stderr)
            for d in diffs:
                print("  " + d, file=sys.stderr)
            sys.exit(1)
        print(f"all {len(rows) * 6} cells match Baton", file=sys.stderr)


if __name__ == "__main__":
    main()

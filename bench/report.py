"""The table of bench/run: every figure measured in one run beside the floor
it is measured against (../shared/floors, PostgreSQL's COPY, DuckDB), the
ratio, the target of issue 18 and the verdict; and the cost-growth plot.

Usage: python bench/report.py bench/out/results.jsonl bench/out
"""

import json
import sys
from collections import defaultdict


def load(path):
    by_size = defaultdict(dict)
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line:
            r = json.loads(line)
            by_size[r["size"]][r["what"]] = r["result"]
    return by_size


def http_row(runs, scenario, conns):
    for r in runs or []:
        if r.get("scenario") == scenario and r.get("connections") == conns:
            return r
    return None


def fmt(v, unit="", digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}{unit}"
    return f"{v:,}{unit}"


def pct(a, b):
    return a / b if a is not None and b else None


def verdict(ok):
    if ok is None:
        return "not measured"
    return "met" if ok else "MISSED"


def all_of(*checks):
    """True when every check holds; None when one could not be made."""
    if any(c is None for c in checks):
        return None
    return all(checks)


def below(v, bound):
    return None if v is None else v < bound


def at_most(v, bound):
    return None if v is None else v <= bound


def at_least(v, bound):
    return None if v is None else v >= bound


def mib_to_mb(v):
    return None if v is None else v * 1.048576


def http_rows(r, backend):
    """The HTTP rows of one backend: gate check, /healthz, scorecard, write
    path, the server's memory. On PostgreSQL the targets (SQLite's) are
    shown for comparison, their verdicts marked as information."""
    runs = r.get(f"http_{backend}")
    if not runs:
        return []
    rows = []
    tag = "" if backend == "sqlite" else " [PostgreSQL]"
    judge = verdict if backend == "sqlite" else (lambda ok: f"info: {verdict(ok)}")

    def get(scenario, conns):
        x = http_row(runs, scenario, conns) or {}
        return x.get("req_per_s"), x.get("p50_ms"), x.get("p99_ms"), x.get("errors")

    def baton(rps, p50, p99, errors, unit="req/s"):
        if rps is None:
            return "-"
        note = f", {errors} errors" if errors else ""
        return f"{fmt(rps, ' ' + unit, 0)}, p50 {fmt(p50, ' ms', 2)}, p99 {fmt(p99, ' ms', 2)}{note}"

    bare64 = get("floor", 64)[0]
    rps, p50, p99, err = get("gates", 64)
    ratio = pct(rps, bare64)
    rows.append((f"gate check, 64 conns{tag}", baton(rps, p50, p99, err),
                 f"bare {fmt(bare64, ' req/s', 0)}", fmt(ratio and ratio * 100, "%", 1),
                 ">= 50% of bare, p99 < 5 ms",
                 judge(all_of(at_least(ratio, 0.5), below(p99, 5)))))
    rps, p50, p99, err = get("healthz", 64)
    ratio = pct(rps, bare64)
    rows.append((f"GET /healthz vs bare, 64 conns{tag}", baton(rps, p50, p99, err),
                 f"bare {fmt(bare64, ' req/s', 0)}", fmt(ratio and ratio * 100, "%", 1), "", "info"))
    rps, p50, p99, err = get("scorecard", 16)
    rows.append((f"scorecard over HTTP, 16 conns{tag}", baton(rps, p50, p99, err), "", "",
                 "p99 < 10 ms", judge(below(p99, 10))))
    w = http_row(runs, "write", 16) or {}
    hps, p99 = w.get("handoffs_per_s"), w.get("p99_ms")
    commits = (r.get("raw_commit") or {}).get("commits_per_s")
    # As issue 18 states it: the write requests per second (three per
    # handoff) against the floor's durable commits per second.
    ratio = pct(w.get("req_per_s"), commits)
    main = all_of(at_least(hps, 1000), below(p99, 20))
    moon = at_least(ratio, 0.25)
    rows.append((f"write path, 16 clients{tag}",
                 "-" if hps is None else
                 f"{fmt(hps, ' handoffs/s', 0)} ({fmt(w.get('req_per_s'), ' writes/s', 0)}), "
                 f"p99 {fmt(p99, ' ms', 2)}/request" + (f", {w['errors']} errors" if w.get("errors") else ""),
                 f"raw-commit {fmt(commits, ' commits/s', 0)}", fmt(ratio and ratio * 100, "%", 1),
                 ">= 1,000 handoffs/s, p99 < 20 ms (moonshot: writes >= 25%)",
                 f"{judge(main)}; moonshot {verdict(moon)}"))
    mem = next((m for m in runs if m.get("scenario") == "memory"), None)
    if mem:
        peak = mem["peak_rss_mib"]
        rows.append((f"serve peak RSS{tag}", f"idle {mem['idle_rss_mib']} MiB, peak {peak} MiB (VmHWM)",
                     "", "", "< 150 MB", judge(below(mib_to_mb(peak), 150))))
    return rows


def main():
    results, out = sys.argv[1], sys.argv[2]
    sizes = load(results)
    full = max(sizes)
    r = sizes[full]
    rows = []  # (measure, Baton, floor, ratio, target, verdict)

    sqlite_http = http_rows(r, "sqlite")
    memory = [x for x in sqlite_http if x[0].startswith("serve peak RSS")]
    rows += [x for x in sqlite_http if x not in memory]

    for backend, floor_key, floor_name in (("sqlite", "raw_insert", "raw-insert"),
                                           ("postgres", "copy_postgres", "COPY")):
        imp = r.get(f"import_{backend}")
        if not imp:
            continue
        rate = imp["lines"] / imp["seconds"] if imp.get("seconds") else None
        floor = r.get(floor_key) or {}
        floor_rate = floor.get("rows_per_s")
        ratio = pct(rate, floor_rate)
        rss = imp.get("peak_rss_mib")
        baton = f"{fmt(rate, ' events/s', 0)} ({fmt(imp.get('seconds'), ' s', 1)}), peak RSS {fmt(rss, ' MiB', 0)}"
        ref = f"{floor_name} {fmt(floor_rate, ' rows/s', 0)}"
        if floor.get("peak_rss_mib") is not None:
            ref += f", {fmt(floor['peak_rss_mib'], ' MiB', 0)}"
        if backend == "sqlite":
            rows.append(("import (SQLite)", baton, ref, fmt(ratio and ratio * 100, "%", 1),
                         ">= 35% (moonshot 60%), peak RSS <= 256 MB",
                         verdict(all_of(at_least(ratio, 0.35), at_most(mib_to_mb(rss), 256)))))
        else:
            rows.append(("import (PostgreSQL)", baton, ref, fmt(ratio and ratio * 100, "%", 1),
                         ">= 35% of COPY", verdict(at_least(ratio, 0.35))))

    sc = r.get("scorecard_sqlite", {})
    dk = r.get("duckdb", {})
    handoffs = sc.get("handoffs")
    warm, duck = sc.get("warm_ms"), dk.get("duckdb_ms_best")
    rows.append(("warm scorecard (6 contracts x 12 months)", fmt(warm, " ms", 2),
                 f"DuckDB {fmt(duck, ' ms', 0)}", fmt(duck / warm if warm and duck else None, "x faster", 0),
                 "<= 10 ms", verdict(at_most(warm, 10))))
    cold = sc.get("recompute_ms")
    ratio = pct(cold, duck)
    rows.append(("full recompute vs DuckDB", fmt(cold, " ms", 0), f"DuckDB {fmt(duck, ' ms', 0)}",
                 fmt(ratio, "x", 2), "<= 1.0x", verdict(at_most(ratio, 1.0))))
    inc = r.get("incremental", {})
    per = inc.get("per_event_us")
    rows.append(("incremental, per event", fmt(per, " us"), "", "", "<= 100 us", verdict(at_most(per, 100))))
    if inc:
        rows.append(("  one new event, then the scorecard",
                     f"{fmt(inc.get('one_event_ms'), ' ms', 2)} + {fmt(inc.get('answer_after_ms'), ' ms', 2)}",
                     "", "", "", "info"))
    rows += memory
    rows += http_rows(r, "postgres")
    scp = r.get("scorecard_postgres")
    if scp:
        rows.append(("warm scorecard / full recompute [PostgreSQL]",
                     f"{fmt(scp.get('warm_ms'), ' ms', 2)} / {fmt(scp.get('recompute_ms'), ' ms', 0)}",
                     "", "", "", "info"))

    head = ("measure", "Baton", "floor", "ratio", "target", "verdict")
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(6)]
    print(f"Baton benchmark: {fmt(handoffs)} handoffs ({full} accounts, 12 months); "
          "ratios against the floors measured in this run")
    for row in [head] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())

    if len(sizes) > 1:
        plot(sizes, out)


def plot(sizes, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = sorted(
        (s["scorecard_sqlite"]["handoffs"], s) for s in sizes.values() if "scorecard_sqlite" in s
    )
    n = [p[0] for p in points]
    series = [
        ("Baton, warm answer (stored sums)", [p[1]["scorecard_sqlite"]["warm_ms"] for p in points], "o-"),
        ("Baton, full recompute from facts", [p[1]["scorecard_sqlite"]["recompute_ms"] for p in points], "s--"),
        ("DuckDB over the JSONL", [p[1]["duckdb"]["duckdb_ms_best"] for p in points], "^-."),
        ("Baton import, whole file (SQLite)",
         [p[1]["import_sqlite"]["seconds"] * 1000 for p in points], "d:"),
    ]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for label, ys, style in series:
        ax.plot(n, ys, style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("handoffs in the org")
    ax.set_ylabel("milliseconds (log scale)")
    ax.set_title("Scorecard, all contracts x 12 months: cost as the org grows")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(f"{out}/scaling.png")
    with open(f"{out}/scaling.json", "w", encoding="utf-8") as f:
        json.dump({"handoffs": n, "series": {s[0]: s[1] for s in series}}, f, indent=1)


if __name__ == "__main__":
    main()

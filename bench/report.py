"""The table of bench/run: every figure measured in one run, the ratios the
targets of issue 7 are stated in, and the cost-growth plot.

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


def verdict(ok):
    if ok is None:
        return "not measured"
    return "met" if ok else "MISSED"


def main():
    results, out = sys.argv[1], sys.argv[2]
    sizes = load(results)
    full = max(sizes)
    r = sizes[full]
    rows = []  # (measure, baton, reference, ratio, target, verdict)

    sc = r.get("scorecard_sqlite", {})
    dk = r.get("duckdb", {})
    handoffs = sc.get("handoffs")
    warm = sc.get("warm_ms")
    rows.append(("Scorecard, warm (all contracts x 12 months)", fmt(warm, " ms", 2), "", "",
                 "<= 20 ms", verdict(warm is not None and warm <= 20)))
    cold, duck = sc.get("recompute_ms"), dk.get("duckdb_ms_best")
    ratio = cold / duck if cold and duck else None
    rows.append(("Scorecard, full recompute vs DuckDB", fmt(cold, " ms", 0), fmt(duck, " ms", 0),
                 fmt(ratio, "x", 2), "<= 1.0x", verdict(ratio is not None and ratio <= 1.0)))
    if warm and duck:
        rows.append(("Scorecard, warm vs DuckDB", fmt(warm, " ms", 2), fmt(duck, " ms", 0),
                     fmt(duck / warm, "x faster", 0), "", ""))
    inc = r.get("incremental", {})
    per = inc.get("per_event_us")
    rows.append(("Write path per event (amortized, scorecard updated)", fmt(per, " us"), "", "",
                 "< 50 us", verdict(per is not None and per < 50)))
    if inc:
        rows.append(("One new event, then the scorecard answer",
                     f"{fmt(inc.get('one_event_ms'), ' ms', 2)} + {fmt(inc.get('answer_after_ms'), ' ms', 2)}",
                     "", "", "", ""))
    for backend in ("sqlite", "postgres"):
        imp, raw = r.get(f"import_{backend}"), r.get(f"raw_{backend}")
        if not imp:
            continue
        rate = imp["lines"] / imp["seconds"] if imp.get("seconds") else None
        raw_rate = raw.get("rows_per_s") if raw else None
        ratio = rate / raw_rate if rate and raw_rate else None
        target = ">= 35%" if backend == "sqlite" else ""
        rows.append((f"Import, events/s ({backend}) vs raw insert", fmt(rate, "/s", 0),
                     fmt(raw_rate, "/s", 0), fmt(ratio * 100 if ratio else None, "%", 0), target,
                     verdict(ratio is not None and ratio >= 0.35) if backend == "sqlite" else ""))
    for backend in ("sqlite", "postgres"):
        runs = r.get(f"http_{backend}")
        if not runs:
            continue
        for conns in (16, 64):
            bare = http_row(runs, "bare", conns)
            if not bare:
                continue
            b = bare["req_per_s"]
            for scenario in ("gates", "scorecard", "write"):
                x = http_row(runs, scenario, conns)
                if not x:
                    continue
                if scenario == "write":
                    rps = x.get("iter_per_s")
                    p99 = (x.get("accept") or {}).get("p99_ms")
                    name = "accept (create+submit+accept per iteration)"
                else:
                    rps, p99 = x["req_per_s"], x["p99_ms"]
                    name = f"GET /{scenario}"
                share = rps / b if b else None
                target, ok = "", ""
                if backend == "sqlite" and conns == 64 and scenario in ("gates", "write"):
                    need = 0.5 if scenario == "gates" else 0.1
                    target = f">= {need:.0%} of bare, p99 < 10 ms"
                    ok = verdict(share is not None and share >= need and p99 is not None and p99 < 10)
                rows.append((f"HTTP {backend} {conns} conns: {name}",
                             f"{fmt(rps, '/s', 0)} p50 {fmt(x.get('p50_ms'), ' ms', 2)} p99 {fmt(p99, ' ms', 2)}",
                             f"bare {fmt(b, '/s', 0)} p99 {fmt(bare['p99_ms'], ' ms', 2)}",
                             fmt(share * 100 if share else None, "%", 1), target, ok))
        mem = next((m for m in runs if m.get("scenario") == "memory"), None)
        if mem:
            peak = mem["peak_rss_mib"]
            rows.append((f"Memory of baton serve ({backend}), {fmt(handoffs)} handoffs",
                         f"idle {mem['idle_rss_mib']} MiB, peak {peak} MiB under load", "", "",
                         "< 150 MB" if backend == "sqlite" else "",
                         verdict(peak * 1.048576 < 150) if backend == "sqlite" else ""))

    head = ("measure", "Baton", "reference", "ratio", "target", "")
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(6)]
    print(f"Baton benchmark: {fmt(handoffs)} handoffs ({full} accounts, 12 months)")
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

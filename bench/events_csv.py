"""A history JSONL as the rows of Baton's events table, in CSV for
PostgreSQL's COPY (bench/run's PostgreSQL floor): org_id, seq, stream,
stream_seq, kind, actor, at, recorded_at, via, payload, one row a line, the
columns of crates/store/migrations/postgres (times in microseconds since
the epoch). Made before the clock starts: the floor is the load itself.

Usage: python3 bench/events_csv.py history.jsonl > events.csv
"""

import csv
import json
import sys
from datetime import datetime


def micros(text):
    if not text:
        return 0
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(t.timestamp()) * 1_000_000 + t.microsecond


def main():
    out = csv.writer(sys.stdout, lineterminator="\n")
    streams = {}
    seq = 0
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            v = json.loads(line)
            stream = v.get("handoff") or v.get("account") or v.get("id") or "org"
            streams[stream] = streams.get(stream, 0) + 1
            seq += 1
            at = micros(v.get("at"))
            out.writerow(["bench", seq, stream, streams[stream], v.get("type", "?"),
                          v.get("by") or "", at, at, "import", line])


if __name__ == "__main__":
    main()

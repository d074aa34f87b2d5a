#!/usr/bin/env python3
"""Writes edge-cases.jsonl: a small history that walks the corners of the
scorecard rules, so DuckDB's query can be checked against Baton on more than
generated data.

    python bench/duckdb/edge_cases.py > bench/duckdb/edge-cases.jsonl

It covers value forms (text and JSON forms of people, persons and
hypotheses; placeholders, labels typed back, minimum lengths, Unicode
whitespace, one character repeated), merges (null and blank clear a field,
drafts and edits), rounding of scores, the window boundaries of incidents and
NPS responses, incidents without a handoff, churns (score at the churn,
latest handoff, several churns in a month, several contracts), fractional
seconds and UTC offsets. Compare with `baton scorecard --period 2026-10`.
"""

import json
import sys

lines = []


def emit(**kw):
    lines.append(json.dumps(kw, ensure_ascii=False))


GOOD = "A full answer with enough detail to count"
AE = [
    "economic_buyer",
    "champion_map",
    "commitments",
    "success_criteria",
    "implementation_risks",
    "competitive_displacement",
    "go_live_deadlines",
    "expansion_hypothesis",
]
SDR = ["confirmed_pain", "current_stack", "timeline_trigger", "budget_signal", "competitive_set"]
CROSS = ["qualification_signal", "communication_plan", "paperwork_routing"]


def ae_values(n=8, **over):
    v = {k: GOOD for k in AE[:n]}
    v.update(over)
    return v


for i in range(1, 41):
    emit(type="account", id=f"E-{i}", name=f"Edge {i}", arr={"minor": 100000 * i, "currency": "USD"},
         segment="mid-market")


def submit(h, at, values, contract=None, account=None, **kw):
    line = {"type": "submitted", "handoff": h}
    if contract:
        line.update(contract=contract, account=account)
    line.update(by="sender@edge.test", at=at, values=values, **kw)
    emit(**line)


def decide(kind, h, at, **kw):
    emit(type=kind, handoff=h, by="receiver@edge.test", at=at, **kw)


# People lists (sdr-to-ae.stakeholders), text and JSON forms.
people = {
    "P-1": "Lee Park (VP Ops): strong\n\n  Sam Roe (IT): skeptical  \n",
    "P-2": "n/a",
    "P-3": [],
    "P-4": [{"name": "  ", "role": "x"}],
    "P-5": ["Named stakeholders + role + reaction"],
    "P-6": [{"name": "Lee Park", "role": "VP Ops", "reaction": "strong"}, "Sam Roe (IT): skeptical"],
    "P-7": "   \n  ",
    "P-8": ["", "TBD"],
}
for n, (h, v) in enumerate(people.items(), start=1):
    vals = {k: GOOD for k in SDR}
    vals["stakeholders"] = v
    submit(h, f"2026-10-0{1 + n % 8}T09:00:00Z", vals, "sdr-to-ae", f"E-{n}")
    decide("accepted", h, f"2026-10-{10 + n}T09:00:00Z")

# Prose: Unicode whitespace around, exactly the minimum length, one short.
submit("W-1", "2026-10-02T09:00:00Z",
       dict({k: GOOD for k in SDR}, stakeholders="Lee Park (VP Ops): strong",
            confirmed_pain="\u00a0\u2003Short answer ok\u2003"), "sdr-to-ae", "E-9")
decide("accepted", "W-1", "2026-10-03T09:00:00Z")
submit("W-2", "2026-10-02T10:00:00Z",
       dict({k: GOOD for k in SDR}, stakeholders="Lee Park (VP Ops): strong",
            confirmed_pain="Short answer o"), "sdr-to-ae", "E-10")
decide("accepted", "W-2", "2026-10-03T10:00:00Z")

# cross-motion.reunification_trigger has no minimum length: repeated characters.
for n, text in enumerate(["aaaaaa", "aaaaa", "ééé", "Ñ", "90 days", "———", "Re-unification trigger"], 1):
    h = f"R-{n}"
    vals = {k: GOOD for k in CROSS}
    vals.update(relationship_owner="Dana Ortiz (CSM)", motion_a_health="stable",
                reunification_trigger=text)
    submit(h, f"2026-10-0{n}T12:00:00Z", vals, "cross-motion", f"E-{10 + n}")
    decide("accepted", h, f"2026-10-0{n}T18:00:00Z")

# Hypotheses, enums and numbers in text form (mql-to-sdr).
for n, trig in enumerate([
    "New VP of Sales hired (80%)",
    "tbd (80%)",
    "New VP hired last month (+080 %)",
    "(80%)",
    {"confidence": 80},
    {"hypothesis": " Board asked for a plan ", "confidence": 60},
    "Hiring spree (180%)",
], 1):
    h = f"T-{n}"
    submit(h, f"2026-10-1{n}T08:00:00Z", {
        "source_campaign_journey": GOOD, "behavioral_signal_narrative": GOOD,
        "icp_firmographic_match": "Strong", "buying_trigger": trig,
        "assigned_motion": "tier_a", "first_touch_sla": "24" if n != 3 else "  ",
    }, "mql-to-sdr", f"E-{17 + n}")
    decide("accepted", h, f"2026-10-1{n}T20:00:00Z")

# Persons (cs-to-support.communication_owner); ack_eta is the receiver's.
for n, owner in enumerate([
    "Dana Ortiz (CSM) <dana@edge.test>",
    "TBD (CSM)",
    {"role": "CSM", "email": "a@b.c"},
    {"name": "Dana Ortiz"},
    "<dana@edge.test>",
], 1):
    h = f"S-{n}"
    submit(h, f"2026-09-2{n}T08:00:00Z", {
        "originating_signal": GOOD, "impact_statement": GOOD, "echo_cadence": "weekly",
        "communication_owner": owner, "close_loop_window": 48,
    }, "cs-to-support", f"E-{24 + n}")
    decide("accepted", h, f"2026-10-0{n}T08:00:00Z", values={"ack_eta": "2026-10-20T10:00:00Z"})

# Merges: null and blank clear; drafts and edits; rounding of scores.
submit("M-1", "2026-09-01T09:00:00Z", ae_values(), "ae-to-onboarding", "E-30")
decide("rejected", "M-1", "2026-09-02T09:00:00Z", code="other", reason="try again")
submit("M-1", "2026-10-01T09:00:00Z", {"economic_buyer": None})  # 7/8 = 87.5 -> 88
decide("accepted", "M-1", "2026-10-01T10:00:00.250Z")
submit("M-2", "2026-10-01T09:00:00Z", ae_values(6), "ae-to-onboarding", "E-31")
decide("rejected", "M-2", "2026-10-02T09:00:00Z")
submit("M-2", "2026-10-03T09:00:00Z", {"go_live_deadlines": "   ", "champion_map": "TBD"})
decide("accepted", "M-2", "2026-10-03T09:30:00Z")
emit(type="draft_created", handoff="M-3", contract="ae-to-onboarding", version=1, account="E-32",
     to="onboarding", by="sender@edge.test", at="2026-10-04T09:00:00Z",
     values={k: GOOD for k in AE[:3]})
emit(type="edited", handoff="M-3", by="sender@edge.test", at="2026-10-04T10:00:00Z",
     values={k: GOOD for k in AE[3:6]})
submit("M-3", "2026-10-04T11:00:00.700Z", {k: GOOD for k in AE[6:]})
decide("accepted", "M-3", "2026-10-04T12:00:00.200Z")  # 3599.5 s: whole seconds count
submit("M-4", "2026-10-05T12:00:00+02:00", ae_values(5), "ae-to-onboarding", "E-33",
       version=1)  # 5/8 = 62.5 -> 63
decide("accepted", "M-4", "2026-11-01T01:00:00+02:00")  # still October in UTC

# Churns: score at the churn; latest handoff first submitted before it.
submit("C-1", "2026-09-05T09:00:00Z", ae_values(4), "ae-to-onboarding", "E-34")
decide("rejected", "C-1", "2026-10-09T00:00:00Z", code="missing_context", reason="half empty")
submit("C-1", "2026-10-10T00:00:00Z", ae_values())  # resubmitted at the churn instant
emit(type="churn", account="E-34", at="2026-10-10T00:00:00Z", arr_lost={"minor": 1, "currency": "USD"})
submit("C-2", "2026-08-01T09:00:00Z", ae_values(), "ae-to-onboarding", "E-35")
decide("accepted", "C-2", "2026-08-02T09:00:00Z")
submit("C-3", "2026-09-01T09:00:00Z", ae_values(2), "ae-to-onboarding", "E-35")
decide("withdrawn", "C-3", "2026-09-02T09:00:00Z")
submit("C-4", "2026-10-20T09:00:00Z", ae_values(), "ae-to-onboarding", "E-35")  # after the churn
emit(type="churn", account="E-35", at="2026-10-15T00:00:00Z", arr_lost={"minor": 1, "currency": "USD"})
emit(type="churn", account="E-36", at="2026-10-02T00:00:00Z", arr_lost={"minor": 1, "currency": "USD"})
submit("C-5", "2026-10-05T09:00:00Z", ae_values(8), "ae-to-onboarding", "E-36")
submit("C-6", "2026-10-05T09:00:00Z", {k: GOOD for k in SDR} | {"stakeholders": "TBD"},
       "sdr-to-ae", "E-36")
emit(type="churn", account="E-36", at="2026-10-25T00:00:00Z", arr_lost={"minor": 1, "currency": "USD"})

# Incidents: windows [a, a + 30 d]; unnamed ones go to the latest acceptance.
submit("I-1", "2026-10-01T09:00:00Z", ae_values(), "ae-to-onboarding", "E-37")
decide("accepted", "I-1", "2026-10-02T09:00:00Z")
emit(type="rediscovery", account="E-37", handoff="I-1", at="2026-11-01T09:00:00Z", note="at a + 30 d")
submit("I-2", "2026-10-01T09:00:00Z", ae_values(), "ae-to-onboarding", "E-38")
decide("accepted", "I-2", "2026-10-02T09:00:00Z")
emit(type="rediscovery", account="E-38", handoff="I-2", at="2026-11-01T09:00:01Z", note="a second late")
submit("I-3", "2026-10-01T09:00:00Z", ae_values(), "ae-to-onboarding", "E-39")
decide("accepted", "I-3", "2026-10-05T09:00:00Z")
submit("I-4", "2026-10-01T09:00:00Z", {k: GOOD for k in SDR} | {"stakeholders": "Lee (VP): ok"},
       "sdr-to-ae", "E-39")
decide("accepted", "I-4", "2026-10-05T09:00:00Z")  # same instant: the larger id wins
emit(type="rediscovery", account="E-39", at="2026-10-06T09:00:00Z", note="no handoff named")
submit("I-5", "2026-10-01T09:00:00Z", ae_values(), "ae-to-onboarding", "E-40")
emit(type="rediscovery", account="E-40", at="2026-10-01T10:00:00Z", note="before any acceptance")
emit(type="rediscovery", account="E-40", handoff="I-5", at="2026-10-01T10:00:00Z", note="before a")
decide("rejected", "I-5", "2026-10-02T09:00:00Z", reason="no")
submit("I-5", "2026-10-03T09:00:00Z", {})
decide("accepted", "I-5", "2026-10-04T09:00:00Z")

# NPS windows: before = [s - 14 d, s), after = (a, a + 14 d].
for at, score in [("2026-09-17T09:00:00Z", 9), ("2026-10-01T09:00:00Z", 10),
                  ("2026-10-02T09:00:00Z", 3), ("2026-10-16T09:00:00Z", 6),
                  ("2026-10-10T09:00:00Z", 7), ("2026-09-17T08:59:59Z", 0)]:
    emit(type="nps", account="E-37", score=score, at=at)

# File order is time order within a handoff; sort globally by time, keeping
# accounts first, as Baton's own generator does.
accounts = [l for l in lines if '"type": "account"' in l]
rest = [l for l in lines if '"type": "account"' not in l]
sys.stdout.write("\n".join(accounts + rest) + "\n")

"""What bench/load.lua sends, prepared once through Baton's API before the
load starts (bench/http.sh, bench/soak.sh): bearer tokens for a sender and a
receiver, gate-check paths over the org's accounts (one in four for a deal),
one create body per account with every required sender field filled, the
receiver's accept body, handoffs to read, and a sign-in body. One file each
in --out; checks once that a create, submit and accept go through, so a
misconfiguration fails here with the server's answer.

Usage: python3 bench/prepare.py --base http://127.0.0.1:PORT --out DIR
           --sender EMAIL --receiver EMAIL [--admin EMAIL]
Passwords: BATON_BENCH_PASSWORD (sender and receiver), BATON_BENCH_ADMIN_PASSWORD.
With --admin, that admin first adds the sender (team ae) and the receiver
(team onboarding): an imported org has no one who can sign in.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request


class Api:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None, cookie=None, ok=True):
        headers = {"Origin": self.base}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if cookie:
            headers["Cookie"] = cookie
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req) as r:
                raw = r.read()
                return r.status, r.headers, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            if ok:
                sys.exit(f"{method} {path}: HTTP {e.code}: {e.read()[:300].decode(errors='replace')}")
            return e.code, e.headers, None

    def sign_in(self, email, password):
        _, headers, _ = self.call("POST", "/api/v1/session", {"email": email, "password": password})
        cookie = (headers.get("Set-Cookie") or "").split(";")[0]
        if not cookie:
            sys.exit(f"no session cookie signing in as {email}")
        return cookie

    def token(self, email, password):
        cookie = self.sign_in(email, password)
        _, _, t = self.call("POST", "/api/v1/tokens", {"name": "bench"}, cookie=cookie)
        return t["token"]

    def pages(self, path, token, most):
        items, cursor = [], None
        sep = "&" if "?" in path else "?"
        while len(items) < most:
            limit = min(200, most - len(items))
            page_path = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            _, _, page = self.call("GET", page_path, token=token)
            items += page.get("items", [])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items


def fill(field):
    """A value that fills a field of its type completely (past any min_len)."""
    options = field.get("options") or [None]
    kind = field.get("type", "text")
    fixed = {
        "number": 12,
        "money": "48000.00 USD",
        "date": "2026-12-01",
        "datetime": "2026-12-01T09:00:00Z",
        "enum": options[0],
        "multi_enum": [options[0]],
        "url": "https://example.com/bench",
        "bool": True,
        "confidence": 80,
        "person": "Pat Lee (VP Finance) pat@example.com",
        "people": "Pat Lee (VP Finance): strong supporter of the rollout",
        "hypothesis": "Two more regions adopt it next year, then more seats (70%)",
    }
    if kind in fixed:
        return fixed[kind]
    s = "Filled by the benchmark: a complete, realistic answer."
    while len(s) < (field.get("min_len") or 0):
        s += " More detail."
    return s


def values(contract, owner):
    return {
        f["key"]: fill(f)
        for f in contract.get("fields", [])
        if f.get("required") and f.get("owner") == owner
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--sender", required=True)
    p.add_argument("--receiver", required=True)
    p.add_argument("--admin")
    p.add_argument("--contract", default="ae-to-onboarding")
    p.add_argument("--period", default="2026-10")
    p.add_argument("--accounts", type=int, default=1000)
    a = p.parse_args()
    api = Api(a.base.rstrip("/"))
    password = os.environ.get("BATON_BENCH_PASSWORD", "baton-demo-password")

    if a.admin:
        cookie = api.sign_in(a.admin, os.environ["BATON_BENCH_ADMIN_PASSWORD"])
        for email, team in ((a.sender, "ae"), (a.receiver, "onboarding")):
            status, _, _ = api.call(
                "POST",
                "/api/v1/users",
                {"email": email, "name": email, "password": password,
                 "teams": [{"team": team, "role": "member"}]},
                cookie=cookie,
                ok=False,
            )
            if status >= 300:
                print(f"note: could not add {email} (HTTP {status}; already there?)", file=sys.stderr)

    sender = api.token(a.sender, password)
    receiver = api.token(a.receiver, password)
    accounts = [i["id"] for i in api.pages("/api/v1/accounts", sender, a.accounts)]
    if not accounts:
        sys.exit("the org has no accounts to ask about")
    deals = [
        (h["account"], h["deal"])
        for h in api.pages(f"/api/v1/handoffs?contract={a.contract}", sender, a.accounts // 4)
        if h.get("deal")
    ]
    gates = [f"/api/v1/gates/{a.contract}/{acc}" for acc in accounts]
    # One in four asks about a deal (the CRM's per-deal gate), when there are any.
    for i, (acc, deal) in enumerate(deals):
        gates.insert(min(4 * i + 3, len(gates)), f"/api/v1/gates/{a.contract}/{acc}?deal={deal}")
    _, _, contract = api.call("GET", f"/api/v1/contracts/{a.contract}", token=sender)
    sent = values(contract, "sender")
    creates = [json.dumps({"contract": a.contract, "account": acc, "values": sent}) for acc in accounts]
    accept = {"values": values(contract, "receiver")}
    reads = [f"/api/v1/handoffs/{h['id']}" for h in api.pages("/api/v1/handoffs?state=accepted", sender, 200)]
    reads.append("/api/v1/handoffs?state=submitted&limit=20")

    # One handoff through, so a bad set-up fails here, not as a run of errors.
    _, _, made = api.call("POST", "/api/v1/handoffs", json.loads(creates[0]), token=sender)
    api.call("POST", f"/api/v1/handoffs/{made['id']}/submit", token=sender)
    _, _, done = api.call("POST", f"/api/v1/handoffs/{made['id']}/accept", accept, token=receiver)
    if done.get("state") != "accepted":
        sys.exit(f"the check handoff ended {done.get('state')}, not accepted")

    os.makedirs(a.out, exist_ok=True)
    files = {
        "sender.token": sender,
        "receiver.token": receiver,
        "gates.paths": "\n".join(gates),
        "creates.jsonl": "\n".join(creates),
        "accept.json": json.dumps(accept),
        "reads.paths": "\n".join(reads),
        "signin.json": json.dumps({"email": a.sender, "password": password}),
        "scorecard.path": f"/api/v1/scorecard?period={a.period}",
    }
    for name, text in files.items():
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(f"prepared: {len(accounts)} accounts, {len(deals)} deal gates, {len(reads)} reads", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several trainees on one practice run through a real vigia-relay on
127.0.0.1 (vigia practice FILE --relay URL --lead | --join CODE).

The trainer (alice) leads headless and waits for one trainee; bob joins with
the printed code, headless, on his own sandbox and with the Spanish version of
the scenario. Checked: bob's sandbox receives every call of the scenario as
a report, and exactly once in each sandbox (only the leader plays the
timeline: no duplicate simulated reports); bob's assignment brings the
leader's scripted verifier, and bob's actions (assign, alert) show in
alice's debrief with his name, as alice's show in his; the alert went only to
bob's file sink. Safety: a sandbox opened on its own with --db still sends only
to its sink even when config.yaml names gateways; a real database refuses a practice code, a practice
run refuses a real network's invite, a sandbox refuses to join or invite to
a real network; a trainee with another scenario or an unknown code is
refused with a clear message; the real database is never touched.

Python 3 standard library only; prints TAP.
"""
import json
import os
import socket
import subprocess
import sys

import clitest
from clitest import RELAY, SRC, VIGIA, Relay

SCEN = os.path.join(SRC, "share", "vigia", "scenarios")
WORKSITE_EN = os.path.join(SCEN, "worksite-operation.en.yaml")
WORKSITE_ES = os.path.join(SCEN, "worksite-operation.es.yaml")
TRAFFIC = os.path.join(SCEN, "traffic-stop.en.yaml")

T = clitest.Suite("practice-relay")
TMP = T.tmp
test = T.test


class Trainee:
    """A workspace of one trainee: config and data folders, a real database that must
    stay untouched, and a sandbox of their own."""

    def __init__(self, name):
        self.name = name
        self.dir = clitest.workspace(os.path.join(TMP, name), "default_country: US\n")
        self.db = os.path.join(self.dir, "real.db")
        self.sandbox = os.path.join(self.dir, "sandbox.db")
        self.env = clitest.home_env(self.dir, db=self.db)

    def cmd(self, *args):
        return [VIGIA, "--as", self.name] + list(args)

    def run(self, *args, check=True, timeout=120):
        p = clitest.vigia(*args, env=self.env, who=self.name, text=True, timeout=timeout)
        if check:
            assert p.returncode == 0, f"{self.name} {args}: exit {p.returncode}: {p.stderr}"
        return p

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def sandbox_reports(self):
        out = self.run("--db", self.sandbox, "report", "list", "--all", "--json").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]


relay = Relay(os.path.join(TMP, "relay.db"))
alice = Trainee("alice")
bob = Trainee("bob")
shared = {}

LEAD_ANSWERS = """actions:
  - {at: "01:00", do: triage, incident: plant}
  - {at: "03:40", do: link, incident: plant}
  - {at: "08:00", do: link, incident: plant}
  - {at: "08:30", do: status, incident: plant, to: confirmed, note: "Rosa saw ERO vests"}
"""
BOB_ANSWERS = """actions:
  - {at: "01:30", do: assign, incident: plant, verifier: Rosa}
  - {at: "09:00", do: broadcast, incident: plant}
"""


@test
def t_shared_run():
    """two trainees share a run: the leader prints a code, the other joins with it"""
    la = alice.write("lead.yaml", LEAD_ANSWERS)
    ba = bob.write("bob.yaml", BOB_ANSWERS)
    lead = subprocess.Popen(
        alice.cmd("practice", WORKSITE_EN, "--headless", "--answers", la, "--relay", relay.url,
                  "--lead", "--trainees", "1", "--speed", "300", "--sandbox", alice.sandbox,
                  "--debrief", os.path.join(alice.dir, "debrief.json")),
        env=alice.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    code = None
    try:
        line = lead.stdout.readline()
        assert line.startswith("practice code: "), line
        code = line.split(": ", 1)[1].strip()
        hint = lead.stdout.readline()
        assert "--join " + code in hint and relay.url in hint, hint
        p = bob.run("practice", WORKSITE_ES, "--headless", "--answers", ba, "--relay", relay.url,
                    "--join", code, "--sandbox", bob.sandbox, "--debrief",
                    os.path.join(bob.dir, "debrief.json"))
        out, err = lead.communicate(timeout=120)
    finally:
        if lead.poll() is None:
            lead.kill()
            lead.communicate()
    assert lead.returncode == 0, (lead.returncode, err)
    assert "debrief written" in p.stdout, p.stdout
    shared["code"] = code
    for t in (alice, bob):
        with open(os.path.join(t.dir, "debrief.json")) as fh:
            shared[t.name] = json.load(fh)


@test
def t_reports_once():
    """the second sandbox receives every call, and each sandbox holds each call once"""
    assert "alice" in shared, "the shared run failed"
    calls = 3  # worksite-operation: three callers
    ra, rb = alice.sandbox_reports(), bob.sandbox_reports()
    assert len(ra) == calls and len(rb) == calls, (len(ra), len(rb))
    assert sorted(r["id"] for r in ra) == sorted(r["id"] for r in rb), (ra, rb)
    assert all(r["source"] == "practice" for r in rb), rb
    for name in ("alice", "bob"):
        d = shared[name]
        made = [e for e in d["timeline"] if e["kind"] == "report.created"]
        assert len(made) == calls and all(e["actor"] == "scenario" for e in made), made
        inc = d["incidents"][0]
        assert inc["calls"] == calls, inc


@test
def t_one_player():
    """exactly one trainee played the timeline, and both debriefs say who"""
    assert "alice" in shared, "the shared run failed"
    for name in ("alice", "bob"):
        team = shared[name]["team"]
        assert team["played_timeline"] == "alice" and team["lead"] == "alice", team
        assert team["this_trainee_leads"] == (name == "alice"), team
        assert sorted(team["trainees"]) == ["alice", "bob"], team
        assert team["code"] == shared["code"] and team["relay"] == relay.url, team
    # Only one verifier roster: Rosa once, added by the scenario.
    added = [e for e in shared["bob"]["timeline"] if e["kind"] == "verifier.added"]
    names = [e["text"] for e in added]
    assert len(names) == len(set(names)) and all(e["actor"] == "scenario" for e in added), added


@test
def t_shared_work():
    """an action by one trainee shows in the other's debrief, with whose it was"""
    assert "alice" in shared, "the shared run failed"
    a, b = shared["alice"], shared["bob"]
    kinds = {(e["actor"], e["kind"]) for e in a["timeline"]}
    assert ("bob", "assignment.created") in kinds, a["timeline"]
    assert ("bob", "broadcast.approved") in kinds, a["timeline"]
    kinds = {(e["actor"], e["kind"]) for e in b["timeline"]}
    assert ("alice", "status.changed") in kinds and ("alice", "report.linked") in kinds, kinds
    # The leader's scripted verifier answered bob's assignment.
    assert any(e["who"] == "verifier" for e in a["timeline"]), a["timeline"]
    for d in (a, b):
        inc = d["incidents"][0]
        for k in ("time_to_triage", "time_to_assign", "time_to_verify", "time_to_decide",
                  "time_to_broadcast"):
            assert inc[k], (k, inc)
        assert inc["verdict"] == "confirmed" and inc["verdict_correct"], inc
        assert d["summary"]["gravest_mistakes"] == 0, d["mistakes"]
        assert d["refused"] == [], d["refused"]
    # The alert went to bob's sink only (the outbox is local to who approved it).
    def alerts(t):
        path = t.sandbox + ".sink.jsonl"
        if not os.path.exists(path):
            return []
        with open(path) as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return [r for r in rows if r.get("broadcast_id")]
    assert len(alerts(bob)) == 4 and alerts(alice) == [], (alerts(bob), alerts(alice))
    md = alice.run("practice", WORKSITE_EN, "--headless", "--sandbox",
                   os.path.join(alice.dir, "solo.db")).stdout
    assert "## Team" not in md, md  # a run of one has no team


@test
def t_markdown():
    """the Markdown debrief of a shared run names the teammate and the timeline's player"""
    assert "code" in shared, "the shared run failed"
    # A late trainee with the same code sees the finished run at once and its debrief.
    carl = Trainee("carl")
    p = carl.run("practice", WORKSITE_EN, "--headless", "--relay", relay.url, "--join",
                 shared["code"], "--sandbox", carl.sandbox, "--wait", "20")
    md = p.stdout
    assert "## Team" in md and "alice played the timeline" in md, md
    assert "trainee bob [plant]: assigned verifier Rosa" in md, md
    assert "trainee alice [plant]" in md, md
    assert len(carl.sandbox_reports()) == 3


@test
def t_refusals():
    """a real database refuses practice codes; a practice run refuses real networks"""
    assert "code" in shared, "the shared run failed"
    real = Trainee("real")
    p = real.run("network", "join", shared["code"], check=False)
    assert p.returncode != 0 and "practice code" in p.stderr, p.stderr
    assert not os.path.exists(real.db) or "net.id" not in real.run(
        "network", "devices", check=False).stdout
    invite = real.run("network", "create", "--relay", relay.url).stdout.strip().splitlines()[-1]
    assert invite.startswith("vigia-invite-1."), invite
    p = bob.run("practice", WORKSITE_EN, "--headless", "--relay", relay.url, "--join", invite,
                "--sandbox", os.path.join(bob.dir, "other.db"), check=False)
    assert p.returncode != 0 and "invite to a real network" in p.stderr, p.stderr
    # The sandbox itself, opened as a database, never joins nor shares a real network.
    p = bob.run("--db", bob.sandbox, "network", "join", invite, check=False)
    assert p.returncode != 0 and "practice sandbox" in p.stderr, p.stderr
    p = bob.run("--db", bob.sandbox, "network", "invite", check=False)
    assert p.returncode != 0 and "practice sandbox" in p.stderr, p.stderr
    # Another scenario than the leader's, and a code nobody started.
    p = bob.run("practice", TRAFFIC, "--headless", "--relay", relay.url, "--join",
                shared["code"], "--sandbox", os.path.join(bob.dir, "other.db"), check=False)
    assert p.returncode != 0 and "another scenario" in p.stderr, p.stderr
    p = bob.run("practice", WORKSITE_EN, "--headless", "--relay", relay.url, "--join",
                "0000-1111-2222-3333", "--wait", "2", "--sandbox",
                os.path.join(bob.dir, "other.db"), check=False)
    assert p.returncode != 0 and "no practice run with code 0000-1111-2222-3333" in p.stderr, \
        p.stderr
    p = bob.run("practice", WORKSITE_EN, "--headless", "--relay", relay.url, check=False)
    assert p.returncode == 2 and "--lead" in p.stderr, p.stderr
    # The trainees' real databases were never created.
    for t in (alice, bob):
        assert not os.path.exists(t.db), t.db


@test
def t_sandbox_alone():
    """a sandbox opened on its own (--db SANDBOX) still sends only to its sink"""
    assert "alice" in shared, "the shared run failed"
    canary = socket.socket()
    canary.bind(("127.0.0.1", 0))
    canary.listen(16)
    canary.setblocking(False)
    port = canary.getsockname()[1]
    dana = Trainee("dana")
    with open(os.path.join(dana.dir, "config", "vigia", "config.yaml"), "w") as f:
        f.write("default_country: US\nchannels:\n"
                f"  sms: {{gateway: twilio, base_url: \"http://127.0.0.1:{port}\", "
                "account_sid: AC00000000000000000000000000000000, auth_token: x, "
                "from: \"+15550001111\"}\n"
                f"  email: {{url: \"smtp://127.0.0.1:{port}\", from: a@example.org}}\n")
    sink = alice.sandbox + ".sink.jsonl"
    before = 0
    if os.path.exists(sink):
        with open(sink) as fh:
            before = len(fh.read().splitlines())
    rid = alice.sandbox_reports()[0]["id"]
    b = dana.run("--db", alice.sandbox, "broadcast", "draft", "--report", rid, "--template",
                 "alert").stdout.strip()
    dana.run("--db", alice.sandbox, "broadcast", "approve", b)
    dana.run("--db", alice.sandbox, "outbox", "run", "--until-empty", timeout=30)
    try:
        conn, _ = canary.accept()
        conn.close()
        raise AssertionError("a sandbox reached the configured gateway")
    except BlockingIOError:
        pass
    finally:
        canary.close()
    with open(sink) as fh:
        after = len(fh.read().splitlines())
    assert after - before == 4, (before, after)
    assert not os.path.exists(dana.db), dana.db


if __name__ == "__main__":
    try:
        relay.stop()
    except AssertionError as e:
        T.results.append((False, "relay stops cleanly", str(e), None))
    sys.exit(T.finish(needs=(VIGIA, RELAY)))

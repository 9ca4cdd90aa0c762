#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Practice runs: every shipped scenario (English and Spanish) loads and plays
headless with its model trainee to a debrief that scores it right, in
Markdown and JSON; scenario and answers errors name FILE:LINE:COLUMN; a
careless trainee's public alert of a local police stop is marked the gravest
mistake; and the safety rules: a practice run never writes to the real
database (and refuses a sandbox that is the real one, or a file an earlier
practice run did not make), and never reaches a gateway even when
config.yaml points every channel at real-looking servers (local stand-ins on
127.0.0.1 that must receive nothing, while the sandbox's sink gets every
message). A control run shows the same config does reach the stand-ins
outside practice, so the test would see a leak.

Runs the real binary in a temporary folder and prints TAP. Python 3
standard library only.
"""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest  # noqa: E402
import gateways  # noqa: E402
from clitest import SRC, VIGIA  # noqa: E402

SCEN = os.path.join(SRC, "share", "vigia", "scenarios")
T = clitest.Suite("practice")
TMP = T.tmp
test = T.test


class Ws:
    """A workspace: config and data folders, a real database path."""

    def __init__(self, name, config=""):
        self.dir = clitest.workspace(os.path.join(TMP, name), "default_country: US\n" + config)
        self.db = os.path.join(self.dir, "real.db")
        self.env = clitest.home_env(self.dir, db=self.db)

    def run(self, *args, check=True, who="tester"):
        p = clitest.vigia(*args, env=self.env, who=who, text=True)
        if check:
            assert p.returncode == 0, f"{args}: exit {p.returncode}: {p.stderr.strip()}"
        return p

    def practice(self, scenario, answers=None, *extra, check=True):
        a = ["practice", scenario, "--headless"] + (["--answers", answers] if answers else [])
        return self.run(*(a + list(extra)), check=check)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


def scenarios():
    return sorted(glob.glob(os.path.join(SCEN, "*.yaml")))


def answers_for(path):
    base = os.path.basename(path).split(".")[0]
    return os.path.join(SCEN, "answers", base + ".yaml")


@test
def t_shipped():
    """every shipped scenario plays headless with its model trainee to a right debrief"""
    files = scenarios()
    langs = {os.path.basename(f).split(".")[1] for f in files}
    assert len(files) >= 10 and langs == {"en", "es"}, files
    names = {os.path.basename(f).split(".")[0] for f in files}
    assert {"worksite-operation", "traffic-stop", "old-rumor", "courthouse-arrest",
            "quiet-shift"} <= names, names
    ws = Ws("shipped")
    for f in files:
        out = os.path.join(ws.dir, os.path.basename(f) + ".json")
        md = os.path.join(ws.dir, os.path.basename(f) + ".md")
        ws.practice(f, answers_for(f), "--debrief", out)
        ws.practice(f, answers_for(f), "--debrief", md)
        with open(out) as fh:
            d = json.load(fh)
        s = d["summary"]
        assert s["correct_verdicts"] == s["incidents"], (f, d["incidents"], d["refused"])
        assert s["gravest_mistakes"] == 0 and d["refused"] == [], (f, d["mistakes"], d["refused"])
        for inc in d["incidents"]:
            assert inc["verdict_correct"] and inc["time_to_decide"], (f, inc)
            assert re.match(r"^\d\d+:\d\d$", inc["time_to_decide"]), inc
            if inc["alert_expected"]:
                assert inc["time_to_broadcast"], (f, inc)
        for b in d["broadcasts"]:
            assert b["kind"] == "public" and b["sent"] == 4, (f, b)
        assert any(e["who"] == "trainee" for e in d["timeline"]), f
        assert any(e["who"] == "verifier" for e in d["timeline"]), f
        with open(md) as fh:
            text = fh.read()
        assert text.startswith("# ") and "| incident |" in text and "## Timeline" in text, text
        # Without a trainee, nothing is decided: the debrief says so.
        p = ws.practice(f)
        assert "Correct verdicts: 0 /" in p.stdout, p.stdout


@test
def t_worksite_times():
    """the debrief times triage, assign, verify, decide and broadcast from the first call"""
    ws = Ws("times")
    f = os.path.join(SCEN, "worksite-operation.en.yaml")
    out = os.path.join(ws.dir, "d.json")
    ws.practice(f, answers_for(f), "--debrief", out)
    with open(out) as fh:
        d = json.load(fh)
    inc = d["incidents"][0]
    # First call 00:30; triage 01:00, assign 01:30, Rosa answers 6 min later,
    # confirmed 08:30, alert 09:00 (answers/worksite-operation.yaml).
    assert (inc["first_call_at"], inc["time_to_triage"], inc["time_to_assign"],
            inc["time_to_verify"], inc["time_to_decide"], inc["time_to_broadcast"]) == \
        ("00:30", "00:30", "01:00", "07:00", "08:00", "08:30"), inc
    assert inc["calls"] == 3 and inc["verdict"] == "confirmed", inc
    kinds = [e["kind"] for e in d["timeline"] if e["who"] == "trainee"]
    assert kinds.count("report.linked") == 2 and "broadcast.approved" in kinds, kinds


@test
def t_gravest():
    """a public alert of a local police stop is the gravest mistake"""
    ws = Ws("gravest")
    f = os.path.join(SCEN, "traffic-stop.en.yaml")
    ans = ws.write("bad.yaml", """actions:
  - {at: "00:40", do: triage, incident: mainstreet}
  - {at: "00:50", do: status, incident: mainstreet, to: confirmed, note: "the caller saw it"}
  - {at: "01:00", do: broadcast, incident: mainstreet}
""")
    out = os.path.join(ws.dir, "d.json")
    ws.practice(f, ans, "--debrief", out)
    with open(out) as fh:
        d = json.load(fh)
    assert d["summary"]["gravest_mistakes"] == 1, d["mistakes"]
    grave = [m for m in d["mistakes"] if m["gravest"]]
    assert grave[0]["incident"] == "mainstreet" and "local_police" in grave[0]["text"], grave
    assert d["incidents"][0]["verdict_correct"] is False
    md = ws.practice(f, ans).stdout
    assert "**GRAVEST**" in md and "Gravest mistakes (public alert of an unconfirmed or wrong " \
        "report): 1" in md, md


@test
def t_refused_actions():
    """what the app refuses a trainee shows in the debrief"""
    ws = Ws("refused")
    f = os.path.join(SCEN, "traffic-stop.en.yaml")
    ans = ws.write("a.yaml", """actions:
  - {at: "00:10", do: triage, incident: mainstreet}
  - {at: "00:40", do: status, incident: mainstreet, to: confirmed, note: "too early"}
  - {at: "00:50", do: broadcast, incident: mainstreet}
""")
    out = os.path.join(ws.dir, "d.json")
    ws.practice(f, ans, "--debrief", out)
    with open(out) as fh:
        d = json.load(fh)
    assert any(r.startswith("00:10 triage mainstreet: no call") for r in d["refused"]), d
    assert any("00:50 broadcast mainstreet" in r and "confirmed" in r for r in d["refused"]), d
    assert d["broadcasts"] == [], d["broadcasts"]


@test
def t_errors():
    """scenario and answers mistakes are named FILE:LINE:COLUMN"""
    ws = Ws("errors")
    good = os.path.join(SCEN, "traffic-stop.en.yaml")
    with open(good) as fh:
        text = fh.read()
    cases = [
        (text.replace("truth: local_police", "truth: gossip"), r":\d+:\d+: truth: 'gossip'"),
        (text.replace('at: "02:30"', 'at: "2h"'), r":\d+:\d+: at: '2h' is not a time"),
        (text.replace("expect: police_only", "expect: verifying"), r"expect: 'verifying'"),
        (text.replace("incident: mainstreet\n    channel: telegram",
                      "incident: elsewhere\n    channel: telegram"), r"no incident 'elsewhere'"),
        (text.replace("agents: \"2\"", "agents: \"many\""), r":\d+:\d+: agents:"),
        (text.replace("not_local_police: no", "not_local_police: maybe"),
         r"not_local_police: expected yes, no or unknown"),
        (text.replace("category: enforcement_sighting", "category: parade", 1), r"category:"),
        (text.replace("title:", "titel:"), r":1:1: unknown key 'titel'|unknown key 'titel'"),
    ]
    for i, (t, want) in enumerate(cases):
        path = ws.write(f"bad{i}.yaml", t)
        p = ws.practice(path, check=False)
        assert p.returncode == 1, (want, p.stdout, p.stderr)
        assert re.search(re.escape(path) + r":\d+:\d+: ", p.stderr), p.stderr
        assert re.search(want, p.stderr), (want, p.stderr)
    ans = ws.write("ans.yaml", 'actions:\n  - {at: "01:00", do: dance, incident: mainstreet}\n')
    p = ws.practice(good, ans, check=False)
    assert p.returncode == 1 and re.search(re.escape(ans) + r":2:\d+: do: 'dance'", p.stderr), \
        p.stderr
    ans = ws.write("ans2.yaml", 'actions:\n  - {at: "01:00", do: assign, incident: nowhere}\n')
    p = ws.practice(good, ans, check=False)
    assert p.returncode == 1 and "no incident 'nowhere'" in p.stderr, p.stderr


@test
def t_real_database_untouched():
    """a practice run never touches the real database and refuses it as the sandbox"""
    ws = Ws("realdb")
    rec = ws.write("r.jsonl", json.dumps({"location": "Real place", "what": "a real report"}) + "\n")
    ws.run("report", "import", rec)
    before = ws.run("report", "list", "--all", "--json").stdout
    with open(ws.db, "rb") as fh:
        raw = fh.read()
    f = os.path.join(SCEN, "worksite-operation.en.yaml")
    ws.practice(f, answers_for(f))
    assert ws.run("report", "list", "--all", "--json").stdout == before
    with open(ws.db, "rb") as fh:
        assert fh.read() == raw, "the real database changed"
    sandbox = os.path.join(ws.dir, "data", "vigia", "practice", "worksite-operation.en.db")
    assert os.path.exists(sandbox) and os.path.exists(sandbox + ".practice")
    # The real database, named any way, is refused as the sandbox.
    for args in (["--sandbox", ws.db], ["--sandbox", os.path.join(ws.dir, ".", "real.db")]):
        p = ws.practice(f, None, *args, check=False)
        assert p.returncode == 1 and "is the real database" in p.stderr, p.stderr
    p = ws.run("--db", os.path.join(ws.dir, "other.db"), "practice", f, "--headless",
               "--sandbox", os.path.join(ws.dir, "other.db"), check=False)
    assert p.returncode == 1 and "is the real database" in p.stderr, p.stderr
    # A file that no practice run made is never replaced.
    other = ws.write("notes.db", "precious")
    p = ws.practice(f, None, "--sandbox", other, check=False)
    assert p.returncode == 1 and "not made by a practice run" in p.stderr, p.stderr
    with open(other) as fh:
        assert fh.read() == "precious"
    with open(ws.db, "rb") as fh:
        assert fh.read() == raw, "the real database changed"


@test
def t_no_gateway():
    """with every channel pointing at local stand-ins, practice reaches none of them"""
    gw = gateways.Gateways().start()
    try:
        real_sink = os.path.join(TMP, "real-sink.jsonl")
        ws = Ws("gateways", gw.channels_yaml(real_sink))
        # Control: outside practice the same config does reach the stand-ins.
        rec = ws.write("r.jsonl", json.dumps({"location": "Hardware store", "what": "vans, vests",
                                              "area": "eastside", "status": "confirmed"}) + "\n")
        ws.run("report", "import", rec)
        rid = json.loads(ws.run("report", "list", "--all", "--json").stdout.splitlines()[0])["id"]
        subs = ws.write("s.csv", "contact,channel,language,areas\n+15555550130,sms,en,\n")
        ws.run("subscriber", "import", subs)
        b = ws.run("broadcast", "draft", "--report", rid).stdout.strip()
        ws.run("broadcast", "approve", b, who="second")
        ws.run("outbox", "run", "--until-empty", "--quiet")
        assert gw.requests > 0 and len(gw.delivered) == 1, (gw.requests, gw.delivered)
        n0 = gw.requests

        for f in scenarios():
            if not f.endswith((".en.yaml", ".es.yaml")):
                continue
            ws.practice(f, answers_for(f))
        assert gw.requests == n0 and len(gw.delivered) == 1, (gw.requests - n0, gw.delivered)
        sinks = glob.glob(os.path.join(ws.dir, "data", "vigia", "practice", "*.sink.jsonl"))
        lines = []
        for s in sinks:
            with open(s) as fh:
                lines += [json.loads(x) for x in fh]
        chans = {x["channel"] for x in lines}
        assert chans == {"sms", "telegram", "email"}, chans
        # The messages to the scripted verifiers went through the outbox too: into the sink.
        to_verifiers = [x for x in lines if x.get("assignment_id")]
        assert to_verifiers and all(x["text"].startswith("vigia: ") for x in to_verifiers), lines
        assert not os.path.exists(real_sink) or all(
            "PRACTICE" not in x for x in open(real_sink)), "practice wrote to the real sink"
    finally:
        gw.stop()


@test
def t_export():
    """practice export turns a closed real incident into a playable scenario without personal data"""
    ws = Ws("export")
    rec = ws.write("r.jsonl", "\n".join(json.dumps(r) for r in [
        {"location": "1234 Main St, Apt 5", "what": "vans at the gate, call me at 415-555-0199",
         "area": "eastside", "category": "workplace", "first_hand": "yes",
         "contact": "+14155550188", "received_at": "20 min ago"},
        {"location": "Main St warehouse", "what": "agents in vests, email ana@example.org",
         "area": "eastside", "category": "workplace", "received_at": "12 min ago"}]) + "\n")
    ws.run("report", "import", rec)
    ids = sorted(json.loads(x)["id"] for x in
                 ws.run("report", "list", "--all", "--json").stdout.splitlines())
    p = ws.run("practice", "export", ids[0], check=False)
    assert p.returncode == 1 and "only a closed incident" in p.stderr, p.stderr
    ws.run("link", ids[0], ids[1])
    ws.run("verifier", "add", "--name", "Rosalind Secretname", "--roles", "verifier")
    aid = ws.run("assign", ids[0], "Rosalind Secretname", "--json").stdout
    aid = json.loads(aid)["id"]
    ws.run("assignment", "observe", aid, "agency_markings", "yes")
    ws.run("assignment", "observe", aid, "verifier_on_scene", "yes")
    ws.run("status", ids[0], "confirmed", "--note", "Rosalind saw ERO vests")
    out = os.path.join(ws.dir, "exported.yaml")
    ws.run("practice", "export", ids[1], "--out", out)
    with open(out) as fh:
        text = fh.read()
    for secret in ("1234", "Apt 5", "415-555-0199", "4155550188", "ana@example.org",
                   "Rosalind", "Secretname"):
        assert secret not in text, (secret, text)
    assert "Main St" in text and "[phone]" in text and "[email]" in text, text
    assert "Verifier 1" in text and "expect: confirmed" in text, text
    assert re.search(r'at: "0[78]:\d\d"', text), text  # the second call, ~8 min later
    # It plays: a model trainee confirms it with the exported verifier.
    ans = ws.write("ans.yaml", """actions:
  - {at: "00:30", do: link, incident: real}
  - {at: "00:40", do: assign, incident: real, verifier: "Verifier 1"}
  - {at: "30:00", do: status, incident: real, to: confirmed, note: "verifier saw vests"}
""")
    d = os.path.join(ws.dir, "d.json")
    ws.practice(out, ans, "--debrief", d)
    with open(d) as fh:
        deb = json.load(fh)
    assert deb["summary"]["correct_verdicts"] == 1, (deb["incidents"], deb["refused"])
    assert deb["incidents"][0]["time_to_verify"] is not None, deb["incidents"]


@test
def t_usage():
    """usage mistakes exit 2"""
    ws = Ws("usage")
    f = os.path.join(SCEN, "traffic-stop.en.yaml")
    for args in ([], [f, "--speed", "0"], [f, "--speed", "fast"], [f, "--answers", f],
                 [f, "--bogus"]):
        p = ws.run("practice", *args, check=False)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
    p = ws.run("practice", "export", check=False)
    assert p.returncode == 2, p.stderr
    p = subprocess.run([VIGIA, "practice", f], env=ws.env, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=30)
    assert p.returncode == 1 and "needs a terminal" in p.stderr, p.stderr


if __name__ == "__main__":
    sys.exit(T.finish())

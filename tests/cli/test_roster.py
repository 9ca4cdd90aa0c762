#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""CLI tests of the roster: verifier import (YAML and CSV) with per-line
errors and all-or-nothing, verifier add and list, the shift schedule
(import, YAML export round trip), `shifts export --ics` (CRLF, folding at 75
octets, VTIMEZONE, weekly RRULE, one UID per shift), `oncall` (overnight
shifts, the night daylight-saving time ends), `assign` (ranking, report to
verifying, the verifier's message without the caller's contact),
`assignment set` (the state machine), check-ins, observations, overdue, and
`handoff --md`.

Each test uses its own temporary database; the clock is fixed with VIGIA_NOW
and the zone with TZ=America/Los_Angeles. Prints TAP. Python 3 stdlib only.
"""
import json
import os
import shutil
import sys
import tempfile

import clitest
from clitest import RELAY, SRC, Skip

SHIFTS = os.path.join(SRC, "share", "vigia", "shifts-sample.yaml")
VERIFIERS = os.path.join(SRC, "share", "vigia", "verifiers-sample.csv")
MON_0730 = "2026-11-23T15:30:00Z"  # Monday 07:30 PST

T = clitest.Suite("cli-roster")


class Env:
    def __init__(self):
        self.dir = tempfile.mkdtemp(dir=T.tmp)
        self.db = os.path.join(self.dir, "v.db")
        self.env = clitest.home_env(self.dir, tz="America/Los_Angeles", now=MON_0730)

    def run(self, *args, now=None, ok=True, raw=False):
        env = clitest.merged(self.env, {"VIGIA_NOW": now} if now else None)
        p = clitest.vigia(*args, env=env, db=self.db, db_first=True, timeout=60)
        if ok is True:
            assert p.returncode == 0, f"vigia {args}: {p.stderr.decode()}"
        elif ok is False:
            assert p.returncode != 0, f"vigia {args} should fail: {p.stdout.decode()}"
        if raw:
            return p
        return p.stdout.decode().strip() if ok else p.stderr.decode().strip()

    def file(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", newline="") as f:
            f.write(text)
        return path

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def test(fn):
    """Run the test function now with a fresh Env of its own."""
    e = Env()
    try:
        T.check(clitest.title(fn), fn, e)
    finally:
        e.close()


def count(e):
    return len([l for l in e.run("verifier", "list", "--json").splitlines() if l.strip()])


@test
def import_csv(e):
    """verifier import: the sample CSV, then again (updates, no duplicates)"""
    assert "5 verifiers added, 0 updated" in e.run("verifier", "import", VERIFIERS)
    assert "0 verifiers added, 5 updated" in e.run("verifier", "import", VERIFIERS)
    rows = {r["name"]: r for r in map(json.loads, e.run("verifier", "list", "--json").splitlines())}
    assert len(rows) == 5, rows
    rosa = rows["Rosa M."]
    assert rosa["contact"] == "+14155550101" and rosa["channel"] == "sms", rosa
    assert rosa["languages"] == ["es", "en"] and rosa["areas"] == ["mission", "excelsior"], rosa
    assert rows["Luis"]["contact"] == "@luis_obs" and rows["Luis"]["channel"] == "signal"
    assert rows["Carmen"]["roles"] == ["legal_observer", "court_accompaniment"], rows["Carmen"]


@test
def import_errors(e):
    """verifier import: FILE:LINE problems, and nothing stored when one line is bad"""
    e.run("verifier", "import", VERIFIERS)
    before = count(e)
    # CSV: the record on physical line 4 (a quoted field spans lines 2-3) is bad.
    bad = e.file("bad.csv", 'name,contact,roles,notes\nAna,+14155550100,verifier,"two\nlines"\n'
                 "Beto,not a phone,verifier,\nCris,+14155550102,verifier,\n")
    err = e.run("verifier", "import", bad, ok=False)
    assert f"{bad}:4: contact: 'not a phone' is not a phone number or @handle" in err, err
    assert count(e) == before, "a refused file must store nothing"
    err = e.run("verifier", "import", e.file("role.csv", "name,roles\nX,plumber\n"), ok=False)
    assert "role.csv:2: roles: unknown role 'plumber'" in err, err
    err = e.run("verifier", "import", e.file("col.csv", "name,shoe\nX,9\n"), ok=False)
    assert "col.csv:1: unknown column 'shoe'" in err, err
    err = e.run("verifier", "import", e.file("dup.csv", "name,roles\nZed,verifier\n"
                                            "zed,verifier\n"), ok=False)
    assert "dup.csv:3: 'zed' is already on line 2" in err, err
    err = e.run("verifier", "import", e.file("norole.csv", "name,roles\nZed,\n"), ok=False)
    assert "norole.csv:2: roles: at least one role is needed" in err, err
    err = e.run("verifier", "import", e.file("q.csv", 'name,roles\n"Zed,verifier\n'), ok=False)
    assert "q.csv:2: a quoted field opened on line 2 is never closed" in err, err
    # YAML: FILE:LINE:COLUMN.
    y = e.file("bad.yaml", "verifiers:\n  - name: Ana\n    roles: verifier\n"
               "  - name: Beto\n    contact: '12'\n    roles: verifier\n")
    err = e.run("verifier", "import", y, ok=False)
    assert f"{y}:5:14: contact: '12' is not a phone number or @handle" in err, err
    y = e.file("key.yaml", "verifiers:\n  - name: Ana\n    shoe: 9\n")
    err = e.run("verifier", "import", y, ok=False)
    assert "key.yaml:3:5: unknown key 'shoe'" in err, err
    assert count(e) == before
    good = e.file("ok.yaml", "verifiers:\n  - name: Ana\n    contact: '@ana'\n"
                  "    languages: [Spanish, English]\n    areas: [Excelsior]\n"
                  "    roles: [verifier, court_accompaniment]\n")
    assert "1 verifiers added" in e.run("verifier", "import", good)
    ana = [r for r in map(json.loads, e.run("verifier", "list", "--json").splitlines())
           if r["name"] == "Ana"][0]
    assert ana["languages"] == ["es", "en"] and ana["areas"] == ["excelsior"], ana


@test
def add_and_list(e):
    """verifier add: normalises the phone; refuses a duplicate name and a bad contact"""
    vid = e.run("verifier", "add", "--name", "Nora", "--contact", "(510) 555-0144",
                "--languages", "es", "--areas", "Fruitvale")
    assert len(vid) == 26, vid
    e.run("verifier", "add", "--name", "nora", ok=False)
    err = e.run("verifier", "add", "--name", "Otto", "--contact", "12", ok=False)
    assert "not a phone number" in err, err
    out = e.run("verifier", "list")
    assert "Nora" in out and "+15105550144" in out and "[verifier]" in out, out


@test
def shifts_roundtrip(e):
    """shifts import, export as YAML, import the export: the same schedule"""
    assert "26 shifts" in e.run("shifts", "import", SHIFTS)
    y = e.run("shifts", "export")
    again = e.file("again.yaml", y + "\n")
    assert "26 shifts" in e.run("shifts", "import", again)
    assert e.run("shifts", "export") == y
    err = e.run("shifts", "import", e.file("bad.yaml", "shifts:\n  - person: A\n"
                                           "    days: funday\n    start: '06:00'\n"
                                           "    end: '09:00'\n"), ok=False)
    assert "bad.yaml:3:11: days:" in err, err
    err = e.run("shifts", "import", e.file("bad2.yaml", "shifts:\n  - person: A\n"
                                           "    days: mon\n    start: '25:00'\n"
                                           "    end: '09:00'\n"), ok=False)
    assert "bad2.yaml:4:12: start: expected a time HH:MM" in err, err
    assert e.run("shifts", "export") == y, "a refused file leaves the schedule as it was"


@test
def ics(e):
    """shifts export --ics: CRLF, folded lines of at most 75 octets, TZID, weekly rules"""
    e.file("long.yaml", "shifts:\n  - person: " + "Maria de los Ángeles " * 5 + "\n"
           "    role: verifier\n    days: sat\n    start: '22:00'\n    end: '06:00'\n")
    e.run("shifts", "import", SHIFTS)
    p = e.run("shifts", "export", "--ics", raw=True)
    data = p.stdout
    assert data.endswith(b"\r\n"), data[-10:]
    assert b"\n" not in data.replace(b"\r\n", b""), "every line must end in CRLF"
    lines = data.split(b"\r\n")[:-1]
    assert all(len(l) <= 75 for l in lines), [l for l in lines if len(l) > 75]
    unfolded = data.replace(b"\r\n ", b"").decode().split("\r\n")[:-1]
    assert unfolded[0] == "BEGIN:VCALENDAR" and unfolded[-1] == "END:VCALENDAR", unfolded
    assert "VERSION:2.0" in unfolded and any(l.startswith("PRODID:") for l in unfolded)
    assert unfolded.count("BEGIN:VEVENT") == 26 == unfolded.count("END:VEVENT")
    uids = [l for l in unfolded if l.startswith("UID:")]
    assert len(set(uids)) == 26, uids
    assert "TZID:America/Los_Angeles" in unfolded
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in unfolded, unfolded
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU" in unfolded, unfolded
    # Teo's overnight Friday shift: 22:00 to 06:00 the next morning, weekly on Fridays.
    i = unfolded.index("SUMMARY:Teo: dispatcher shift")
    ev = unfolded[unfolded.index("BEGIN:VEVENT", i - 10):i]
    assert "DTSTART;TZID=America/Los_Angeles:20261127T220000" in ev, ev
    assert "DTEND;TZID=America/Los_Angeles:20261128T060000" in ev, ev
    assert "RRULE:FREQ=WEEKLY;BYDAY=FR" in ev, ev
    # A long summary is folded, never inside a UTF-8 sequence.
    e.run("shifts", "import", os.path.join(e.dir, "long.yaml"))
    data = e.run("shifts", "export", "--ics", raw=True).stdout
    assert b"\r\n " in data, "a long line must be folded"
    for l in data.split(b"\r\n"):
        assert len(l) <= 75
        l.decode("utf-8")  # each physical line is valid UTF-8: no split sequence
    assert ("Maria de los Ángeles " * 5).strip() in data.replace(b"\r\n ", b"").decode()
    # Without a zone name, times are UTC.
    env_tz = e.env["TZ"]
    e.env["TZ"] = "UTC"
    data = e.run("shifts", "export", "--ics", raw=True).stdout.decode()
    e.env["TZ"] = env_tz
    assert "VTIMEZONE" not in data and "DTSTART:2026" in data and "Z\r\n" in data, data


@test
def oncall(e):
    """oncall: who is on now and next, overnight shifts and the night clocks fall back"""
    e.run("shifts", "import", SHIFTS)
    out = e.run("oncall")
    assert "On duty now:" in out and "Ana R." in out and "Rosa M." in out, out
    assert "priority window 06:00–09:00" in out, out
    j = json.loads(e.run("oncall", "--at", "2026-11-22T09:30:00Z", "--json"))  # Sun 01:30
    now = {(x["person"], x["role"]) for x in j["now"]}
    assert ("Teo", "dispatcher") in now and ("Dani", "verifier") in now, j
    assert j["priority_window"] is False
    # Saturday 31 October 22:00 PDT to Sunday 1 November 06:00 PST: nine hours.
    j = json.loads(e.run("oncall", "--at", "2026-11-01T12:30:00Z", "--json"))  # 04:30 PST
    teo = [x for x in j["now"] if x["person"] == "Teo"]
    assert teo and teo[0]["start"] == "2026-11-01T05:00:00.000Z", j
    assert teo[0]["end"] == "2026-11-01T14:00:00.000Z", j
    # Spring forward, 8 March: 22:00 PST to 06:00 PDT, seven hours.
    j = json.loads(e.run("oncall", "--at", "2026-03-08T12:30:00Z", "--json"))
    teo = [x for x in j["now"] if x["person"] == "Teo"]
    assert teo and teo[0]["start"] == "2026-03-08T06:00:00.000Z", j
    assert teo[0]["end"] == "2026-03-08T13:00:00.000Z", j
    e.run("oncall", "--at", "someday", ok=False)


@test
def assign_flow(e):
    """assign: ranks, moves the report to verifying, a message without the caller's contact"""
    e.run("verifier", "import", VERIFIERS)
    e.run("shifts", "import", SHIFTS)
    rid = e.run("report", "add", "--location", "Hardware store on 5th", "--what",
                "three SUVs, call me at 415-555-7777", "--area", "Mission", "--contact",
                "+14155559999")
    ranked = [json.loads(l) for l in e.run("assign", rid, "--list", "--language", "es",
                                            "--json").splitlines()]
    assert [r["name"] for r in ranked][:2] == ["Rosa M.", "Luis"], ranked
    assert ranked[0]["reason"] == "on shift, free, knows Mission, speaks es", ranked
    assert "Ana R." not in [r["name"] for r in ranked], "dispatchers are not sent"
    e.run("assign", rid, "Ana R.", ok=False)
    a = json.loads(e.run("assign", rid, "Rosa", "--json"))
    # No gateway here (no channels in config.yaml): assigned all the same, and the state says
    # why the message did not go (test_send.py sends it through the stand-in gateways).
    assert a["state"] == "assigned" and a["message_state"] == "no_gateway", a
    assert a["message_status"].startswith("not sent: no sms gateway"), a
    assert "Hardware store on 5th" in a["message"] and "Look for:" in a["message"], a
    assert "+14155559999" not in a["message"] and "555-7777" not in a["message"], a
    show = json.loads(e.run("report", "show", rid, "--json"))
    assert show["status"] == "verifying", show
    err = e.run("assign", rid, "Rosa", ok=False)
    assert "already assigned" in err, err
    # The caller's handle typed into the text, in another case: the text is withheld.
    r2 = e.run("report", "add", "--location", "Mission and 24th", "--what",
               "caller @JUANITO22 saw vans", "--contact", "@juanito22")
    out = e.run("assign", r2, "Luis")
    assert "juanito" not in out.lower() and "Reported" in out and "[…]" in out, out
    assert "Look for:" in out.splitlines()[4], out  # one line each: place, report, look for
    aid = a["id"]
    # Not acknowledged within 5 minutes: overdue.
    out = e.run("assignment", "list", now="2026-11-23T15:36:00Z")
    assert "OVERDUE: not acknowledged" in out, out
    e.run("assignment", "set", aid, "on_scene", now="2026-11-23T15:40:00Z")
    err = e.run("assignment", "set", aid, "en_route", ok=False)
    assert "cannot go back from on scene to en route" in err, err
    err = e.run("assignment", "set", aid, "declined", ok=False)
    assert "cannot decline" in err, err
    e.run("assignment", "set", aid, "warp", ok=False)
    # On scene at 15:40; check-in due every 15 minutes.
    assert "MISSED" not in e.run("assignment", "list", now="2026-11-23T15:54:00Z")
    assert "MISSED CHECK-IN" in e.run("assignment", "list", now="2026-11-23T15:55:00Z")
    e.run("assignment", "checkin", aid[:14], now="2026-11-23T15:56:00Z")
    assert "MISSED" not in e.run("assignment", "list", now="2026-11-23T16:10:00Z")
    # The verifier's observation fills a checklist item, marked as theirs.
    e.run("assignment", "observe", aid, "vehicles", "yes", "--note", "3 SUVs",
          now="2026-11-23T16:00:00Z")
    show = json.loads(e.run("report", "show", rid, "--json"))
    item = [c for c in show["checklist"] if c["item"] == "vehicles"][0]
    assert item["state"] == "yes" and item["by"].startswith("verifier:Rosa M."), item
    e.run("assignment", "set", aid, "reported_back", "--note", "vests say HSI")
    e.run("assignment", "set", aid, "released")
    e.run("assignment", "set", aid, "acknowledged", ok=False)
    a = json.loads(e.run("assignment", "show", aid, "--json"))
    assert a["state"] == "released" and a["note"] == "vests say HSI", a
    for k in ("assigned_at", "on_scene_at", "reported_back_at", "released_at"):
        assert k in a, (k, a)
    events = e.run("events", "--report", rid, "--json")
    assert "assignment.created" in events and "assignment.state" in events, events


@test
def handoff(e):
    """handoff --md: the sections, a verifier in the field with a missed check-in"""
    e.run("verifier", "import", VERIFIERS)
    e.run("shifts", "import", SHIFTS)
    rid = e.run("report", "add", "--location", "Mission and 24th", "--what", "agents",
                "--area", "Mission")
    aid = e.run("assign", rid, "Luis").splitlines()[0]
    e.run("assignment", "set", aid, "on_scene")
    md = e.run("handoff", "--md", now="2026-11-23T16:00:00Z")
    for h in ("# Shift handoff", "## Open incidents", "## Pending verifications",
              "## Verifiers in the field", "## Live broadcasts", "## On duty"):
        assert h in md, (h, md)
    assert "- Luis: on scene at Mission, last word 30m ago — MISSED CHECK-IN, call them" in md, md
    assert "Mission and 24th" in md
    plain = e.run("handoff", now="2026-11-23T16:00:00Z")
    assert "##" not in plain and "Verifiers in the field" in plain


@test
def sealed(e):
    """verifier contacts are personal data: sealed at rest, shown as locked without the key"""
    e.env["VIGIA_PWHASH"] = "fast"
    e.run("verifier", "import", VERIFIERS)
    pw = e.file("pw", "correct horse battery\n")
    os.chmod(pw, 0o600)
    e.run("passphrase", "set", "--new-file", pw)
    e.run("verifier", "add", "--name", "Nora", "--contact", "+15105550144")
    e.run("lock")
    for suffix in ("", "-wal"):
        path = e.db + suffix
        if os.path.exists(path):
            with open(path, "rb") as f:
                raw = f.read()
            for number in (b"+14155550101", b"+15105550144", b"luis_obs"):
                assert number not in raw, (number, path)
    rows = {r["name"]: r for r in map(json.loads, e.run("verifier", "list", "--json").splitlines())}
    assert rows["Nora"].get("contact_locked") is True and "contact" not in rows["Nora"], rows
    e.env["VIGIA_PASSPHRASE_FILE"] = pw
    rows = {r["name"]: r for r in map(json.loads, e.run("verifier", "list", "--json").splitlines())}
    assert rows["Nora"]["contact"] == "+15105550144", rows
    assert rows["Rosa M."]["contact"] == "+14155550101", rows


@test
def syncs(e):
    """verifiers, shifts and assignments reach another dispatcher's database through a relay"""
    if not os.access(RELAY, os.X_OK):
        raise Skip(f"no binary at {RELAY}")
    relay = clitest.Relay(os.path.join(e.dir, "relay.db"))
    port = relay.port
    try:
        os.makedirs(os.path.join(e.dir, "a"))
        os.makedirs(os.path.join(e.dir, "b"))
        e.db = os.path.join(e.dir, "a", "v.db")
        invite = e.run("network", "create", "--relay", f"http://127.0.0.1:{port}").splitlines()[0]
        e.run("verifier", "import", VERIFIERS)
        e.run("shifts", "import", SHIFTS)
        rid = e.run("report", "add", "--location", "Mission and 24th", "--what", "vans")
        aid = e.run("assign", rid, "Luis").splitlines()[0]
        e.run("assignment", "set", aid, "on_scene")
        e.run("sync", "--once")
        e.db = os.path.join(e.dir, "b", "v.db")
        e.run("network", "join", invite)
        e.run("sync", "--once")
        rows = {r["name"]: r for r in map(json.loads, e.run("verifier", "list", "--json").splitlines())}
        assert len(rows) == 5 and rows["Luis"]["contact"] == "@luis_obs", rows
        assert rows["Luis"]["assignment_state"] == "on_scene", rows["Luis"]
        a = json.loads(e.run("assignment", "show", aid, "--json"))
        assert a["state"] == "on_scene" and a["verifier"] == "Luis", a
        assert "Teo" in e.run("shifts", "export")
    finally:
        relay.stop()


sys.exit(T.finish())

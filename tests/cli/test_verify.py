#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command-line tests for verification: `vigia check`, `status`, `link`,
`nearby`, `search`, `events` and the checklist part of `report show --json`.

Each command runs at its own fixed time (VIGIA_NOW, one minute apart) so the
timeline has a definite order. Runs the real binary in a temporary folder and
prints TAP. Python 3 standard library only.
"""
import json
import os
import re
import sys

import clitest
from clitest import ULID, ok

T = clitest.Suite("verify", tz="UTC")
TMP = T.tmp
test = T.test
clock = [0]


def now():
    """The next minute: 10:00, 10:01, ... on 2026-11-22 (UTC)."""
    m = clock[0]
    clock[0] += 1
    return "2026-11-22T%02d:%02d:00Z" % (10 + m // 60, m % 60)


def vigia(*args, db, who="tester", env=None):
    return T.vigia(*args, db=db, db_first=True, who=who, env={"VIGIA_NOW": now(), **(env or {})},
                   timeout=60)


def newdb(name):
    return os.path.join(TMP, name + ".db")


def add(db, location, what, *extra, who="tester"):
    r = ok(vigia("report", "add", "--location", location, "--what", what, *extra, db=db, who=who))
    rid = r.out.strip()
    assert ULID.match(rid), repr(r)
    return rid


def show(db, rid):
    return json.loads(ok(vigia("report", "show", rid, "--json", db=db)).out)


def item(doc, key):
    for it in doc["checklist"]:
        if it["item"] == key:
            return it
    raise AssertionError(f"no checklist item {key} in {doc['checklist']}")


def events(db, *args):
    r = ok(vigia("events", "--json", *args, db=db))
    return [json.loads(line) for line in r.out.splitlines() if line.strip()]


@test
def work_a_checklist():
    """work a checklist: answers with who, when and note; the hint advises, the status stays"""
    db = newdb("checklist")
    rid = add(db, "Home Depot on 5th", "three SUVs and a van, men in vests")
    doc = show(db, rid)
    keys = [it["item"] for it in doc["checklist"]]
    assert keys[:5] == ["first_hand", "caller_on_scene", "specific_details", "fresh",
                        "known_caller"], keys
    assert all(it["state"] == "unknown" and it["by"] is None for it in doc["checklist"])
    assert doc["verdict_hint"]["kind"] == "none", doc["verdict_hint"]
    r = ok(vigia("check", rid, "vehicles", "yes", db=db))
    assert "vehicles: yes" in r.out and "hint:" in r.out, repr(r)
    ok(vigia("check", rid, "approaching_people", "yes", "--note", "talking to day laborers",
             db=db))
    ok(vigia("check", rid, "agency_markings", "y", "--note", "HSI on the vests", db=db, who="ana"))
    ok(vigia("check", rid, "photo", "no", db=db))
    doc = show(db, rid)
    v = item(doc, "vehicles")
    assert v["state"] == "yes" and v["by"] == "tester" and v["note"] is None, v
    assert re.match(r"^2026-11-22T1\d:\d\d:00\.000Z$", v["at"]), v
    a = item(doc, "approaching_people")
    assert a["note"] == "talking to day laborers", a
    m = item(doc, "agency_markings")
    assert m["by"] == "ana" and m["note"] == "HSI on the vests", m
    assert item(doc, "photo")["state"] == "no"
    hint = doc["verdict_hint"]
    assert hint["kind"] == "likely_operation", hint
    assert hint["score"] == 7, hint
    assert hint["text"].startswith("likely operation: vehicles, approaching people, agency vests"), hint
    # The hint never changes a status by itself.
    assert doc["status"] == "new", doc["status"]
    # Answering again replaces the answer; unknown clears it.
    ok(vigia("check", rid, "photo", "unknown", db=db))
    assert item(show(db, rid), "photo")["state"] == "unknown"
    ev = events(db, "--report", rid, "--kind", "check.set")
    assert len(ev) == 5, ev
    assert ev[1]["detail"] == {"item": "approaching_people", "state": "yes",
                               "note": "talking to day laborers"}, ev[1]
    # Text output of report show lists the checklist too.
    r = ok(vigia("report", "show", rid, db=db))
    assert "[y] vehicles" in r.out and "hint:" in r.out, repr(r)


@test
def check_refusals():
    """check refuses an unknown item, a bad answer and a change with no name"""
    db = newdb("refusals")
    rid = add(db, "Main and 3rd", "vans")
    r = vigia("check", rid, "unicorns", "yes", db=db)
    assert r.rc == 1 and "no checklist item 'unicorns'" in r.err and "vehicles" in r.err, repr(r)
    r = vigia("check", rid, "vehicles", "maybe", db=db)
    assert r.rc == 2 and "yes, no or unknown" in r.err, repr(r)
    r = vigia("check", rid, "vehicles", db=db)
    assert r.rc == 2, repr(r)
    r = vigia("check", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "vehicles", "yes", db=db)
    assert r.rc == 1 and "no report" in r.err, repr(r)
    r = vigia("check", rid, "vehicles", "yes", db=db, who=None)
    assert r.rc == 1 and "--as" in r.err, repr(r)
    assert events(db, "--kind", "check.set") == []


@test
def confirm_needs_evidence_and_reason():
    """confirm: refused without evidence or without a reason; accepted with both"""
    db = newdb("confirm")
    rid = add(db, "Calle 8 y Olive", "agents asking for papers")
    r = vigia("status", rid, "confirmed", "--note", "looks real", db=db)
    assert r.rc == 1 and "triage or verify" in r.err, repr(r)
    ok(vigia("status", rid, "verifying", db=db))
    r = vigia("status", rid, "confirmed", "--note", "looks real", db=db)
    assert r.rc == 1 and "first-hand" in r.err, repr(r)
    ok(vigia("check", rid, "first_hand", "yes", db=db))
    r = vigia("status", rid, "confirmed", db=db)
    assert r.rc == 1 and "reason" in r.err, repr(r)
    r = vigia("status", rid, "confirmed", "--note", "   ", db=db)
    assert r.rc == 1 and "reason" in r.err, repr(r)
    assert show(db, rid)["status"] == "verifying"
    r = ok(vigia("status", rid, "confirmed", "--note", "caller saw ERO vests", db=db, who="ana"))
    assert "verifying → confirmed" in r.out, repr(r)
    assert show(db, rid)["status"] == "confirmed"
    ev = events(db, "--report", rid, "--kind", "status.changed")
    assert [e["detail"]["to"] for e in ev] == ["verifying", "confirmed"], ev
    assert ev[1]["detail"] == {"from": "verifying", "to": "confirmed",
                               "note": "caller saw ERO vests"}, ev[1]
    assert ev[1]["actor"] == "ana", ev[1]
    # A verifier's observation is evidence too.
    rid2 = add(db, "Olive and 9th", "vans")
    ok(vigia("status", rid2, "triaged", db=db))
    ok(vigia("check", rid2, "verifier_on_scene", "yes", "--note", "Marta saw 4 agents", db=db))
    ok(vigia("status", rid2, "confirmed", "--note", "verifier on scene", db=db))


@test
def negative_verdicts_need_a_note():
    """false alarm, police only and not confirmed require a note"""
    db = newdb("negative")
    for state in ("false_alarm", "police_only", "not_confirmed"):
        rid = add(db, "Lincoln Park", "a post says ICE is there")
        r = vigia("status", rid, state, db=db)
        assert r.rc == 1 and "note" in r.err, repr(r)
        assert show(db, rid)["status"] == "new"
        ok(vigia("status", rid, state, "--note", "city police traffic stop", db=db))
        assert show(db, rid)["status"] == state
    r = vigia("status", rid, "nonsense", db=db)
    assert r.rc == 2 and "unknown status" in r.err, repr(r)
    r = vigia("status", rid, "new", db=db)
    assert r.rc == 1 and "back to new" in r.err, repr(r)


@test
def link_two_reports():
    """link two reports: one incident with its caller count, checklist and status"""
    db = newdb("link")
    a = add(db, "Home Depot on 5th", "three SUVs", "--area", "Eastside", "--first-hand", "yes")
    b = add(db, "5th street home depot parking", "ICE vans", "--area", "eastside")
    c = add(db, "Lincoln Elementary", "someone asking about a child", "--area", "Westside")
    r = ok(vigia("nearby", b, db=db))
    assert a in r.out and c not in r.out, repr(r)
    ok(vigia("check", a, "vehicles", "yes", db=db))
    r = ok(vigia("link", b, a, db=db))
    assert r.out.startswith(a) and "2 callers" in r.out, repr(r)
    doc = show(db, b)
    assert doc["incident"] == a and doc["callers"] == 2, doc
    assert doc["linked_reports"] == [a], doc
    # The checklist belongs to the incident: b shows a's answers, answers on b show on a.
    assert item(doc, "vehicles")["state"] == "yes"
    ok(vigia("check", b, "buses", "yes", db=db))
    assert item(show(db, a), "buses")["state"] == "yes"
    # So does the status.
    ok(vigia("status", b, "verifying", db=db))
    assert show(db, a)["status"] == "verifying" and show(db, b)["status"] == "verifying"
    # Linked reports are not suggested again; linking twice is refused.
    r = ok(vigia("nearby", a, db=db))
    assert b not in r.out, repr(r)
    r = vigia("link", a, b, db=db)
    assert r.rc == 1 and "same incident" in r.err, repr(r)
    # A third caller joins the incident, still named after the first report.
    d = add(db, "Home Depot 5th St", "agents in the lot", "--area", "Eastside")
    r = ok(vigia("link", d, b, db=db))
    assert r.out.startswith(a) and "3 callers" in r.out, repr(r)
    doc = show(db, d)
    assert doc["callers"] == 3 and sorted(doc["linked_reports"]) == sorted([a, b]), doc
    ev = events(db, "--report", d, "--kind", "report.linked")
    assert len(ev) == 2 and ev[-1]["detail"]["incident"] == a, ev
    # The timeline of one report is the incident's.
    kinds = [e["kind"] for e in events(db, "--report", b)]
    assert "check.set" in kinds and "status.changed" in kinds, kinds


@test
def search_finds_closed_rumor():
    """search deposito finds a closed rumor at "Depósito" with its verdict"""
    db = newdb("rumor")
    rid = add(db, "Depósito de materiales, Calle 8", "post on Facebook: ICE at the depot",
              "--source", "social")
    add(db, "Lincoln Park", "vans", who="ben")
    ok(vigia("status", rid, "false_alarm", "--note", "local police", db=db, who="ana"))
    ok(vigia("status", rid, "closed", db=db, who="ana"))
    for q in ("deposito", "DEPOSITO", "Depósito", "deposi", "calle 8 deposito"):
        r = ok(vigia("search", q, db=db))
        lines = r.out.splitlines()
        assert len(lines) == 1 and lines[0].startswith(rid), (q, repr(r))
        assert re.search(r"false alarm — local police, checked \d\d:\d\d", lines[0]), repr(r)
    r = ok(vigia("search", "deposito", "--json", db=db))
    hit = json.loads(r.out.splitlines()[0])
    assert hit["id"] == rid and hit["status"] == "closed", hit
    assert hit["verdict"]["note"] == "local police" and hit["verdict"]["by"] == "ana", hit
    assert hit["verdict"]["at"].startswith("2026-11-22T1"), hit
    r = ok(vigia("search", "nowhere-at-all", db=db))
    assert r.out == "" and "nothing found" in r.err, repr(r)
    # A report with no verdict says so.
    r = ok(vigia("search", "lincoln", db=db))
    assert "new, no verdict yet" in r.out, repr(r)
    # Time bounds.
    r = ok(vigia("search", "deposito", "--since", "2026-11-23T00:00:00Z", db=db))
    assert r.out == "", repr(r)


@test
def events_filters():
    """events: filters by report, person and time"""
    db = newdb("events")
    a = add(db, "Main and 3rd", "vans", who="ana")
    b = add(db, "Olive and 9th", "agents", who="ben")
    ok(vigia("check", a, "vehicles", "yes", db=db, who="ana"))
    ok(vigia("check", b, "vehicles", "no", db=db, who="ben"))
    allev = events(db)
    assert len(allev) == 4, allev
    assert [e["at"] for e in allev] == sorted(e["at"] for e in allev)
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e["at"]) for e in allev)
    ana = events(db, "--by", "ANA")
    assert len(ana) == 2 and all(e["actor"] == "ana" for e in ana), ana
    assert [e["report_id"] for e in events(db, "--report", b)] == [b, b]
    since = events(db, "--since", allev[2]["at"])
    assert [e["id"] for e in since] == [e["id"] for e in allev[2:]], since
    r = ok(vigia("events", "--by", "ben", db=db))
    lines = r.out.splitlines()
    assert len(lines) == 2 and "report taken" in lines[0] and "checked vehicles: no" in lines[1], \
        repr(r)
    r = vigia("events", "--since", "whenever", db=db)
    assert r.rc == 2, repr(r)


@test
def malformed_network_checklist():
    """a malformed network checklist is reported with file:line:column; the rest load"""
    db = newdb("malformed")
    cfgdir = os.path.join(TMP, "netcfg")
    lists = os.path.join(cfgdir, "lists")
    os.makedirs(lists, exist_ok=True)
    with open(os.path.join(cfgdir, "config.yaml"), "w") as f:
        f.write("checklist_dir: lists\n")
    with open(os.path.join(lists, "broken.yaml"), "w") as f:
        f.write("category: workplace\nitems:\n  - key: a\n    weight: 99\n")
    with open(os.path.join(lists, "extra.yaml"), "w") as f:
        f.write("category: enforcement_sighting\nitems:\n  - key: drone\n"
                "    label: A drone overhead\n    weight: 1\n")
    rid = add(db, "Main", "vans")
    r = vigia("--config", os.path.join(cfgdir, "config.yaml"), "report", "show", rid, "--json",
              db=db)
    assert r.rc == 0, repr(r)
    assert "broken.yaml:4:13:" in r.err, repr(r)
    doc = json.loads(r.out)
    keys = [it["item"] for it in doc["checklist"]]
    assert keys[-1] == "drone" and "vehicles" in keys, keys
    # `vigia checklist` shows the lists in use and fails while a file is broken.
    cfg = os.path.join(cfgdir, "config.yaml")
    r = vigia("--config", cfg, "checklist", "sighting", db=db)
    assert r.rc == 1 and "broken.yaml:4:13:" in r.err and "drone" in r.out, repr(r)
    os.unlink(os.path.join(lists, "broken.yaml"))
    r = vigia("--config", cfg, "checklist", db=db)
    assert r.rc == 0 and r.err == "" and "dui_checkpoint" in r.out, repr(r)


sys.exit(T.finish())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of the roster, driving the real binary in tmux at 80x24:
rank verifiers for a report and assign one with a key, walk the assignment
through acknowledged, en route and on scene (a refused decline on the way),
record a check-in, then reopen the console later (VIGIA_NOW moved on) and
see an assignment not acknowledged in time marked OVERDUE and a missed
check-in marked CALL, highlighted, with the escalation in the status bar;
finish with reported back and released, and the handoff brief.

The database is prepared with the command line first; the clock is fixed
with VIGIA_NOW and the zone with TZ. Waits poll the pane until the expected
text shows (or a generous deadline passes); nothing here measures time.
Prints TAP. Python 3 standard library only.
"""
import json
import os
import sys
import time

import harness

R = harness.Run("roster", tz="America/Los_Angeles")
DB = R.path("v.db")
T0 = "2026-11-23T15:30:00Z"  # Monday 07:30 in Los Angeles: Rosa's shift, a priority window
test = R.test


def cli(*args, now=T0):
    return R.cli("--db", DB, *args, env={"VIGIA_NOW": now})


def console(now, editor=""):
    """(Re)open the console with the clock at @now."""
    R.kill()
    return R.console(["--db", DB, "--as", "tester"],
                     env={"VIGIA_NOW": now, "EDITOR": editor, "VISUAL": ""})


def assignment(verifier):
    rows = [json.loads(l) for l in cli("assignment", "list", "--all", "--json").splitlines()]
    rows = [r for r in rows if r.get("verifier") == verifier]
    assert len(rows) == 1, rows
    return rows[0]


def prepare():
    csv = R.path("verifiers.csv")
    with open(csv, "w") as f:
        f.write("name,contact,languages,areas,roles\n"
                "Rosa M.,+1 415 555 0101,\"es,en\",mission,verifier\n"
                "Luis,@luis_obs,en,mission,verifier\n"
                "Carmen,+14155550199,es,bayview,legal_observer\n")
    cli("verifier", "import", csv)
    cli("shifts", "import", os.path.join(harness.SRC, "share", "vigia", "shifts-sample.yaml"))
    ids = {}
    ids["a"] = cli("report", "add", "--location", "Home Depot on Cesar Chavez", "--what",
                   "three SUVs and a van", "--area", "Mission", "--contact", "+14155559999")
    return ids


def main():
    if not R.ready():
        return 0
    ids = prepare()
    try:
        run(ids)
    finally:
        R.kill()
    return R.finish()


def run(ids):
    c = console(T0)

    @test
    def rank_and_assign():
        """'a' on a report ranks verifiers with reasons; Enter assigns the first"""
        c.wait_for("Home Depot on Cesar Chavez")
        c.keys("a")
        s = c.wait_for("ranked by fit", "Why this rank")
        lines = s.splitlines()
        rosa = [l for l in lines if "Rosa M." in l]
        luis = [l for l in lines if "Luis" in l]
        carmen = [l for l in lines if "Carmen" in l]
        assert rosa and luis and carmen, s
        # Rosa is on shift (Monday 06:00-12:00); Luis is not; Carmen is not in the Mission.
        assert lines.index(rosa[0]) < lines.index(luis[0]) < lines.index(carmen[0]), s
        assert "on shift, free, knows Mission" in rosa[0], s
        assert "off shift" in luis[0], s
        c.keys("l")  # languages cycle: en first
        s = c.wait_for("speaking en", "speaks en")
        c.keys("l")
        s = c.wait_for("speaking es")
        carmen = [l for l in s.splitlines() if "Carmen" in l]
        assert carmen and "speaks es" in carmen[0], s
        c.keys("l")
        c.wait_for("speaking", gone=True)
        c.keys("Enter")
        s = c.wait_for("Roster:", "assigned; their message is below")
        # No gateway is configured here: the pane says the message was not sent, and why.
        assert "message [not sent: no sms gateway]" in s and "Home Depot on Cesar Chavez" in s, s
        assert "+14155559999" not in s, "the caller's contact must never reach the verifier"
        a = assignment("Rosa M.")
        assert a["state"] == "assigned" and a["assigned_at"].startswith("2026-11-23T15:30"), a
        assert "+14155559999" not in a["message"], a

    @test
    def resend_refused():
        """m on the roster sends the message again; with no gateway here it is refused, and why"""
        s = c.screen()
        assert "m resend" in s, s
        c.keys("m")
        s = c.wait_for("cannot send it again: not sent: no sms gateway")
        assert "no sms gateway" in s, s
        a = assignment("Rosa M.")
        assert a["message_state"] == "no_gateway", a

    @test
    def walk_states():
        """a, e, o move the assignment; a decline after leaving is refused; c checks in"""
        c.keys("a")
        c.wait_for("Rosa M.: acknowledged")
        c.keys("e")
        c.wait_for("Rosa M.: en route")
        c.keys("o")
        s = c.wait_for("Rosa M.: on scene")
        assert [l for l in s.splitlines() if "Rosa M." in l and "on scene" in l], s
        c.keys("x")
        c.wait_for("cannot decline once on scene")
        c.keys("c")
        c.wait_for("Rosa M. checked in")
        a = assignment("Rosa M.")
        assert a["state"] == "on_scene", a
        for k in ("acknowledged_at", "en_route_at", "on_scene_at", "last_word_at"):
            assert k in a, (k, a)
        c.keys("Escape")
        c.wait_for("Home Depot on Cesar Chavez")
        c.keys("q")

    @test
    def overdue_and_missed_checkin():
        """later: OVERDUE for an unacknowledged assignment, CALL and escalation for a missed check-in"""
        nonlocal c
        ids["b"] = cli("report", "add", "--location", "Mission and 24th", "--what",
                       "agents asking people for papers", "--area", "Mission")
        cli("assign", ids["b"], "Luis")
        # 20 minutes later: Luis never acknowledged (5 min), Rosa missed her check-in (15 min).
        c = console("2026-11-23T15:50:00Z")
        c.wait_for("CALL Rosa M. +14155550101: no check-in for 20m")
        c.keys("V")
        s = c.wait_for("Roster:", "CALL on scene", "OVERDUE assigned")
        rosa = [l for l in s.splitlines() if "Rosa M." in l and "CALL" in l]
        luis = [l for l in s.splitlines() if "Luis" in l and "OVERDUE" in l]
        assert rosa and luis, s
        assert rosa[0].startswith("!!") and luis[0].startswith("! "), s
        assert "MISSED CHECK-IN (20m): call them now" in s, s
        # Highlighted: the marked rows carry attributes the plain rows do not.
        esc = c.screen(escapes=True).splitlines()
        row = [l for l in esc if "CALL on scene" in l][0]
        plain = [l for l in esc if "Carmen" in l and "off shift" in l][0]
        assert "\x1b[" in row.split("Rosa")[0], repr(row)
        assert row.split("Rosa")[0] != plain.split("Carmen")[0], (repr(row), repr(plain))

    @test
    def release():
        """b and r finish Rosa's assignment; the marks go"""
        # The roster opened on the most urgent verifier: Rosa.
        c.keys("b")
        c.wait_for("Rosa M.: reported back")
        c.keys("r")
        s = c.wait_for("Rosa M.: released")
        assert not [l for l in s.splitlines() if "Rosa M." in l and "CALL" in l], s
        a = assignment("Rosa M.")
        assert a["state"] == "released" and "released_at" in a and "reported_back_at" in a, a

    @test
    def handoff():
        """h shows the handoff brief with Luis in the field, not acknowledged"""
        c.keys("h")
        s = c.wait_for("Shift handoff", "Verifiers in the field")
        assert "Luis" in s and "not acknowledged" in s, s
        c.keys("Escape")
        c.wait_for("Roster:")
        c.keys("Escape")
        c.keys("q")

    @test
    def add_verifier():
        """n in the roster adds a verifier field by field; a bad phone sends you back to it"""
        nonlocal c
        c = console("2026-11-23T15:50:00Z")
        c.wait_for("VERIFY")
        c.keys("V")
        c.wait_for("Roster:")
        c.keys("n")
        c.wait_for("New verifier (1/5)", "Name or handle:")
        c.text("Nora")
        c.keys("Enter")
        c.wait_for("New verifier (2/5)")
        c.text("12")
        c.keys("Enter", "Enter", "Enter")
        c.wait_for("New verifier (5/5)", "verifier")
        c.keys("Enter")
        s = c.wait_for("New verifier (2/5)", "is not a phone number")
        c.keys("C-u")
        c.text("(510) 555-0144")
        c.keys("Enter")
        c.text("es")
        c.keys("Enter")
        c.text("Fruitvale")
        c.keys("Enter", "Enter")
        s = c.wait_for("Nora is on the roster")
        assert [l for l in s.splitlines() if "Nora" in l and "fruitvale" in l], s
        rows = {r["name"]: r for r in map(json.loads, cli("verifier", "list", "--json").splitlines())}
        assert rows["Nora"]["contact"] == "+15105550144" and rows["Nora"]["languages"] == ["es"]
        c.keys("Escape", "q")

    @test
    def edit_schedule():
        """S edits the schedule in $EDITOR; a broken edit is refused with its line"""
        nonlocal c
        assert '"16:00"' in cli("shifts", "export")
        c = console("2026-11-23T15:50:00Z", editor="sed -i s/16:00/15:00/")
        c.wait_for("VERIFY")
        c.keys("V")
        c.wait_for("Roster:")
        c.keys("S")
        c.wait_for("26 shifts in the schedule")
        y = cli("shifts", "export")
        assert '"15:00"' in y and '"16:00"' not in y, y
        c = console("2026-11-23T15:50:00Z", editor="sed -i s/mon/funday/")
        c.wait_for("VERIFY")
        c.keys("V")
        c.wait_for("Roster:")
        c.keys("S")
        s = c.wait_for("edited schedule was refused", "schedule line 11:11: days: expected weekdays")
        assert "/tmp/" not in s, s
        assert cli("shifts", "export") == y, "a refused edit leaves the schedule as it was"
        c.keys("Escape", "q")

    @test
    def resend_sent_again():
        """m on a sent message asks first; m again sends another copy through the gateway"""
        nonlocal c
        sys.path.insert(0, os.path.join(harness.SRC, "tests", "cli"))
        import gateways  # the stand-in gateways of the command-line tests
        gw = gateways.Gateways(gateways.Faults(seed=3)).start()
        try:
            cfg = R.path("config", "vigia", "config.yaml")
            os.makedirs(os.path.dirname(cfg), exist_ok=True)
            old = open(cfg).read() if os.path.exists(cfg) else ""
            with open(cfg, "w") as f:
                f.write(old + gw.channels_yaml(R.path("sink.jsonl")))
            # Luis's message found no signal gateway; now there is one: sent once.
            luis = assignment("Luis")
            assert luis["message_state"] == "no_gateway", luis
            cli("assignment", "resend", luis["id"])
            cli("outbox", "run", "--until-empty", "--quiet")
            assert [d[:2] for d in gw.delivered] == [("signal", "@luis_obs")], gw.delivered
            c = console("2026-11-23T15:50:00Z")
            c.wait_for("VERIFY")
            c.keys("V")
            s = c.wait_for("Roster:", "OVERDUE assigned")
            assert "message [sent by signal]" in s, s  # the roster opens on the overdue Luis
            c.keys("m")
            c.wait_for("Luis: sent already; m again sends another copy")
            assert len(gw.delivered) == 1, gw.delivered
            c.keys("m")
            c.wait_for("message to Luis sent again")
            for _ in range(100):  # the console's own outbox worker sends it
                if len(gw.delivered) == 2:
                    break
                time.sleep(0.1)
            assert [d[:2] for d in gw.delivered] == [("signal", "@luis_obs")] * 2, gw.delivered
            c.keys("Escape", "q")
            ev = cli("events", "--report", ids["b"], "--kind", "assignment.resent")
            assert ev.count("message to Luis sent again by tester") == 2, ev
        finally:
            gw.stop()


sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of a shared practice run (vigia practice FILE --relay URL
--lead), driving the real binary in tmux at 100x30 with a real vigia-relay
on 127.0.0.1: the leader's banner shows the join code and counts the
trainees in; a headless trainee joins with the code read off the screen;
the leader's clock waits paused until F9; the trainee's assignment shows on
the leader's queue; an action the console refuses (cancelling a
call for verifiers already sent) is listed in the debrief; at the end of the scenario the debrief
screen shows and the --debrief JSON covers both trainees' work, naming who
played the timeline. Neither real database is ever created.

Scenario time runs at x120; waits poll the pane until the expected text
shows (or a generous deadline passes); nothing here measures time. Skips
when tmux is missing. Prints TAP. Python 3 standard library only.
"""
import json
import os
import re
import subprocess
import sys
import time

import harness

R = harness.Run("practice-relay", timeout=30.0)
TMP = R.tmp
R.env["VIGIA_DB"] = R.path("real.db")
SCENARIO = os.path.join(harness.SRC, "share", "vigia", "scenarios", "worksite-operation.en.yaml")
DEBRIEF = R.path("debrief.json")
BOB_DEBRIEF = R.path("bob.json")
BOB_ENV = dict(R.env, VIGIA_DB=R.path("bob-real.db"))
VIGIA = harness.VIGIA
test = R.test


def main():
    if not R.ready():
        return 0
    os.makedirs(R.path("config", "vigia"))
    with open(R.path("config", "vigia", "config.yaml"), "w") as f:
        f.write("default_country: US\n")
    answers = R.path("bob.yaml")
    with open(answers, "w") as f:
        f.write('actions:\n  - {at: "01:30", do: assign, incident: plant, verifier: Rosa}\n')
    relay = harness.Relay(R.path("relay.db"))
    url = relay.url
    c = R.console(["--as", "alice", "practice", SCENARIO, "--relay", url, "--lead", "--speed",
                   "120", "--sandbox", R.path("alice.db"), "--debrief", DEBRIEF],
                  width=100, height=30)
    bob = None
    shared = {}

    @test
    def banner_code():
        """the leader's banner shows the join code, paused, with no trainee in yet"""
        s = c.wait_for("PRACTICE PAUSED", " · 0 in")
        m = re.search(r"· ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}) · 0 in", s)
        assert m, s
        shared["code"] = m.group(1)

    @test
    def trainee_joins():
        """a headless trainee joins with the code; the banner counts them in"""
        nonlocal bob
        assert "code" in shared
        bob = subprocess.Popen(
            [VIGIA, "--as", "bob", "practice", SCENARIO, "--headless", "--answers", answers,
             "--relay", url, "--join", shared["code"], "--sandbox", f"{TMP}/bob.db",
             "--debrief", BOB_DEBRIEF, "--wait", "60"],
            env=BOB_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        c.wait_for(shared["code"] + " · 1 in")
        s = c.screen()
        assert "PRACTICE PAUSED · 00:00" in s, s

    @test
    def start_and_shared_assignment():
        """F9 starts the clock for all; the trainee's assignment shows on the leader's queue"""
        c.keys("F9")
        c.wait_for("PRACTICE PAUSED", gone=True)
        c.wait_for("Packing plant", "VERIFY")

    @test
    def refused_cancel():
        """the leader calls for verifiers; cancelling it once sent is refused by the console"""
        c.keys("b")
        c.wait_for("internal draft", "call-to-action")
        c.keys("a")
        c.wait_for("done ", "internal  call-to-action")
        c.keys("x")  # refused: no longer a draft
        c.keys("Escape")
        c.wait_for("Packing plant")

    @test
    def end_and_debrief():
        """at the scenario's end the debrief shows; the JSON covers both trainees"""
        c.wait_for("PRACTICE DEBRIEF", timeout=60)
        c.keys("q")
        assert c.exit_status() == 0
        with open(DEBRIEF) as f:
            d = json.load(f)
        team = d["team"]
        assert team["played_timeline"] == "alice" and team["this_trainee_leads"], team
        assert sorted(team["trainees"]) == ["alice", "bob"], team
        did = {(e["actor"], e["kind"]) for e in d["timeline"]}
        assert ("bob", "assignment.created") in did, did
        assert ("verifier:Rosa (scenario)", "check.set") in did or any(
            e["who"] == "verifier" for e in d["timeline"]), did
        made = [e for e in d["timeline"] if e["kind"] == "report.created"]
        assert len(made) == 3, made
        assert any("console" in r and "no longer a draft" in r for r in d["refused"]), \
            d["refused"]
        assert d["summary"]["gravest_mistakes"] == 0, d["mistakes"]

    @test
    def trainee_debrief():
        """the trainee's run ended with the leader's; their debrief names the leader"""
        out, err = bob.communicate(timeout=90)
        assert bob.returncode == 0, (bob.returncode, err)
        with open(BOB_DEBRIEF) as f:
            d = json.load(f)
        assert d["team"]["played_timeline"] == "alice" and not d["team"]["this_trainee_leads"]
        assert len([e for e in d["timeline"] if e["kind"] == "report.created"]) == 3
        for db in ("real.db", "bob-real.db"):
            assert not os.path.exists(R.path(db)), db

    R.kill()
    if bob is not None and bob.poll() is None:
        bob.kill()
        bob.communicate()
    relay.stop()
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())

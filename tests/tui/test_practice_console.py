#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of a practice run, driving the real binary in tmux at 100x30:
the PRACTICE banner shows on the queue and on other screens; F9 pauses the
scenario clock and F10 brings the next call in early (while paused); the
trainee assigns the scripted verifier with 'a', sees the verifier's answer
arrive in the checklist, confirms with a reason, sends the public alert
from the broadcast pane (its outbox worker, in the console's poll loop,
writes to the sandbox's sink; the SMS channel config.yaml points at a
listening 127.0.0.1 socket gets no connection), quits, and the debrief
screen and the --debrief JSON reflect what they did. The real database
(VIGIA_DB) is never created.

Scenario time runs at x30 so the verifier's three minutes pass in seconds;
waits poll the pane until the expected text shows (or a generous deadline
passes); nothing here measures time. Skips when tmux is missing. Prints TAP.
Python 3 standard library only.
"""
import json
import os
import socket
import sys

import harness

R = harness.Run("practice", timeout=20.0)
REAL_DB = R.path("real.db")
R.env["VIGIA_DB"] = REAL_DB
SCENARIO = os.path.join(harness.SRC, "share", "vigia", "scenarios", "courthouse-arrest.en.yaml")
DEBRIEF = R.path("debrief.json")
test = R.test


def main():
    if not R.ready():
        return 0
    os.makedirs(R.path("config", "vigia"))
    canary = socket.socket()
    canary.bind(("127.0.0.1", 0))
    canary.listen(16)
    canary.setblocking(False)
    port = canary.getsockname()[1]
    with open(R.path("config", "vigia", "config.yaml"), "w") as f:
        f.write("default_country: US\nchannels:\n"
                f"  sms: {{gateway: twilio, base_url: \"http://127.0.0.1:{port}\", "
                "account_sid: AC00000000000000000000000000000000, auth_token: x, "
                "from: \"+15550001111\"}\n"
                f"  email: {{url: \"smtp://127.0.0.1:{port}\", from: a@example.org}}\n")
    c = R.console(["--as", "tester", "practice", SCENARIO, "--speed", "30", "--debrief",
                   DEBRIEF], width=100, height=30)

    @test
    def banner():
        """the PRACTICE banner shows on the queue and on the help screen"""
        c.wait_for("PRACTICE ·", "calls to come: 2")
        c.keys("?")
        s = c.wait_for("PRACTICE ·")
        assert "Courthouse" in s or "calls to come" in s, s
        c.keys("Escape")

    @test
    def pause_and_inject():
        """F9 pauses the clock; F10 brings the first call in while paused"""
        c.keys("F9")
        s = c.wait_for("PRACTICE PAUSED")
        clock = s.split("PRACTICE PAUSED · ")[1].split("/")[0]
        c.keys("F10")
        s = c.wait_for("County courthouse", "calls to come: 1")
        assert "PRACTICE PAUSED · " + clock in s, (clock, s)
        c.keys("F9")
        c.wait_for("PRACTICE PAUSED", gone=True)

    @test
    def assign():
        """'a' ranks the scenario's verifier; Enter assigns her"""
        c.keys("a")
        c.wait_for("Send a verifier", "Beatriz")
        c.keys("Enter")
        c.wait_for("assigned")
        c.keys("Escape")
        c.wait_for("County courthouse")

    @test
    def verifier_answers():
        """the scripted verifier's answer fills the checklist"""
        c.keys("v")
        c.wait_for("verifier:Beatriz", "Someone arrested after a hearing", timeout=60)

    @test
    def confirm():
        """the trainee confirms with a reason"""
        c.keys("s")
        c.wait_for("Change the status to")
        c.keys("j", "Enter")  # verifying -> triaged, confirmed
        c.wait_for("Why")
        c.text("verifier saw ERO officers arrest him")
        c.keys("Enter")
        c.wait_for("· confirmed")
        c.keys("Escape")

    @test
    def broadcast():
        """the public alert goes out from the broadcast pane, to the sandbox's sink only"""
        c.wait_for("County courthouse")
        c.keys("b")
        c.wait_for("a approve", "public draft")
        c.keys("a")
        # Four alerts, and before them Beatriz's assignment message: the same worker sent it.
        c.wait_for("sent 5", timeout=30)
        c.keys("Escape")
        sink = R.path("data", "vigia", "practice", "courthouse-arrest.en.db.sink.jsonl")
        with open(sink) as f:
            rows = [json.loads(x) for x in f]
        assert {r["channel"] for r in rows} == {"sms", "telegram", "email"}, rows
        mine = [r for r in rows if r.get("assignment_id")]
        assert len(mine) == 1 and mine[0]["text"].startswith("vigia: Beatriz"), rows
        try:
            conn, _ = canary.accept()
            conn.close()
            raise AssertionError("a practice run connected to the configured gateway")
        except BlockingIOError:
            pass
        assert not os.path.exists(R.path("data", "vigia", "sink.jsonl"))

    @test
    def debrief_screen():
        """quitting shows the debrief with the verdict and the times"""
        c.keys("q")
        s = c.wait_for("PRACTICE DEBRIEF", "Correct verdicts: 1 / 1", "confirmed ✓", "Broadcasts: 1")
        assert "| court | courthouse_arrest |" in s, s
        c.keys("q")
        assert c.exit_status() == 0

    @test
    def debrief_file():
        """the --debrief JSON reflects what the trainee did, and the real database was never made"""
        with open(DEBRIEF) as f:
            d = json.load(f)
        inc = d["incidents"][0]
        assert inc["verdict"] == "confirmed" and inc["verdict_correct"], inc
        assert inc["first_call_at"] < "00:40", inc  # injected early
        assert d["broadcasts"][0]["sent"] == 4 and d["summary"]["gravest_mistakes"] == 0, d
        for k in ("time_to_triage", "time_to_assign", "time_to_verify", "time_to_decide",
                  "time_to_broadcast"):
            assert inc[k] is not None, (k, inc)
        assert inc["time_to_assign"] <= inc["time_to_verify"] <= inc["time_to_decide"] <= \
            inc["time_to_broadcast"], inc
        did = [(e["who"], e["kind"]) for e in d["timeline"]]
        assert ("trainee", "assignment.created") in did and ("verifier", "check.set") in did, did
        assert any(e["who"] == "trainee" and e["kind"] == "status.changed" and
                   "confirmed" in e["text"] for e in d["timeline"]), d["timeline"]
        assert d["trainee"] == "tester"
        assert not os.path.exists(REAL_DB), "the real database was created"

    return R.finish()


if __name__ == "__main__":
    sys.exit(main())

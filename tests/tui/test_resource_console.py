#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of the referral directory, driving the real binary in tmux
at 80x24: 'R' opens the directory with the sample marked, typing filters
(accents ignored), 'n' cycles the need, 'f' on a report refers its caller
and the referral is on the report's timeline.

Skips when tmux is missing. Python 3 standard library only; prints TAP.
"""
import json
import os
import sys
import time

import harness

R = harness.Run("resource")
R.env["VIGIA_DB"] = R.path("console.db")
SAMPLE = os.path.join(harness.SRC, "share", "vigia", "resources-sample.yaml")
test = R.test
vigia = R.cli


def lines(s):
    return s.rstrip("\n").split("\n")


def main():
    if not R.ready():
        return 0
    vigia("resource", "import", SAMPLE)
    vigia("resource", "add", "--name", "Centro Legal de Inmigración", "--service",
          "immigration_attorney", "--language", "es", "--contact", "408-555-0100")
    report = vigia("report", "add", "--location", "5th and Main", "--what",
                   "brother detained").strip()
    # A referral made three hours ago with a one-hour reminder: due now.
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3 * 3600))
    vigia("refer", report, "Santa Clara", "--remind", "1h", env={"VIGIA_NOW": past})
    c = R.console(["--as", "tester"])
    try:
        c.wait_for("5th and Main")

        @test("R opens the directory at 80x24 with the sample marked")
        def _():
            c.keys("R")
            s = c.wait_for("Resources: trusted organisations", "United We Dream", "Esc back")
            ls = lines(s)
            assert len(ls) <= 24, s
            assert all(len(x) <= 80 for x in ls), s
            assert "San Francisco Rapid Response Network" in s and "415-200-1548" in s, s
            assert "SAMPLE unchecked" in s, s
            assert "SAMPLE entries: replace them" in s, s
            assert "Centro Legal de Inmigración" in s, s
            # The key hints and the status bar are the last two rows.
            assert "Esc back" in ls[22] and "? help" in ls[23], s

        @test("typing filters as one types, accents ignored")
        def _():
            c.keys("/", "inmigracion")
            s = c.wait_gone("United We Dream")
            assert "Centro Legal de Inmigración" in s, s
            assert "inmigracion" in lines(s)[1], s
            c.keys("Enter", "c")
            c.wait_for("United We Dream")

        @test("n cycles the need, l filters by language")
        def _():
            c.keys("n")
            c.wait_for("Need (n): immigration attorney", "Centro Legal")
            s = c.wait_gone("United We Dream")
            assert "Need (n): immigration attorney" in s and "Centro Legal" in s, s
            c.keys("c", "l", "es")
            s = c.wait_gone("United We Dream")
            assert "Centro Legal" in s, s
            c.keys("Enter", "c", "Escape")
            c.wait_for("5th and Main")

        @test("f on a report refers its caller and records it on the timeline")
        def _():
            c.keys("f")
            s = c.wait_for("Refer the caller of \"5th and Main\"", "Enter refer")
            assert "Enter refer" in s, s
            c.keys("/", "united", "Enter")
            c.wait_gone("Santa Clara")
            c.keys("r")
            c.wait_for("referred to United We Dream", "5th and Main")
            out = vigia("events", "--report", report, "--json")
            ev = [json.loads(x) for x in out.splitlines() if x.strip()]
            kinds = {e["kind"]: e for e in ev}
            assert kinds["resource.referred"]["detail"]["name"] == "United We Dream", ev
            assert "followup.drafted" in kinds, ev

        @test("an entry another process adds appears while the directory is open")
        def _():
            c.keys("R")
            c.wait_for("Resources: trusted organisations", "Esc back")
            vigia("resource", "add", "--name", "Zeta Fianzas", "--service", "bail", "--contact",
                  "555-0199")
            s = c.wait_for("Zeta Fianzas")
            assert "555-0199" in s, s
            c.keys("Escape")
            c.wait_for("5th and Main")

        @test("F lists the follow-ups due; Enter marks one done")
        def _():
            c.keys("R")
            s = c.wait_for("F: 1 follow-up due", "Esc back")
            c.keys("F")
            s = c.wait_for("did the caller reach Santa Clara", "Enter done")
            assert "5th and Main" in s and "Enter done" in s, s
            c.keys("Enter")
            s = c.wait_for("done: did the caller reach Santa Clara")
            assert "follow-up due" not in s, s
            assert "no follow-up is due" in vigia("resource", "followups")
            out = vigia("events", "--report", report)
            assert "followed up on Santa Clara County Rapid Response Network" in out, out
            c.keys("Escape")
            c.wait_for("5th and Main")

        @test("the help lists the directory keys")
        def _():
            c.keys("?")
            c.wait_for("Keys")
            c.keys("G")
            s = c.wait_for("Resources (R) and referrals (f)")
            assert "refer and draft a follow-up" in s, s
            c.keys("q")
    finally:
        c.keys("q")
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())

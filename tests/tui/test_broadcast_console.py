#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of the send-broadcast pane, driving the real binary in tmux
at 80x24: 'b' on a confirmed report drafts an alert and shows the preview
(languages, encoding, segments, recipients, GSM-7 offer), the lint blocks
approval until an override with a reason, 'a' approves, the outbox worker in
the console's poll loop delivers to the file sink and the pane shows the
progress; 'B' lists the broadcasts; an unconfirmed report drafts a call to
verifiers instead.

Skips when tmux is missing. Python 3 standard library only; prints TAP.
"""
import json
import os
import sys
import time

import harness

R = harness.Run("broadcast")
R.env["VIGIA_DB"] = R.path("console.db")
SINK = R.path("sink.jsonl")
test = R.test
vigia = R.cli


def sink():
    if not os.path.exists(SINK):
        return []
    with open(SINK) as f:
        return [json.loads(x) for x in f]


def report(what, status):
    path = R.path("r.jsonl")
    with open(path, "w") as f:
        f.write(json.dumps({"location": "Hardware store on 5th", "what": what,
                            "area": "Eastside", "status": status}) + "\n")
    vigia("report", "import", path)


def main():
    if not R.ready():
        return 0
    os.makedirs(R.path("config", "vigia"))
    with open(R.path("config", "vigia", "config.yaml"), "w") as f:
        f.write(f"channels:\n  file: {{path: \"{SINK}\"}}\n")
    csv = R.path("subs.csv")
    with open(csv, "w") as f:
        f.write("contact,channel,language,areas\nana,file,es,eastside\nbob,file,en,eastside\n"
                "cy,file,en,westside\n")
    vigia("subscriber", "import", csv)
    report("agents in vests at the door, call 555-867-5309", "confirmed")
    c = R.console(["--as", "tester"])
    try:
        c.wait_for("Hardware store on 5th")

        @test("b on a confirmed report drafts an alert and previews it at 80x24")
        def _():
            c.keys("b")
            s = c.wait_for("Broadcasts", "[en] GSM-7", "[es] UCS-2", "a approve")
            ls = s.rstrip("\n").split("\n")
            assert len(ls) <= 24 and all(len(x) <= 80 for x in ls), s
            assert "2 recipients" in s, s  # ana and bob; cy is in another area
            assert "g: GSM-7 version" in s, s
            assert "personal data in the en text: phone number: 555-867-5309" in s, s

        @test("the lint blocks approval; o asks a reason; then a approves and it is sent")
        def _():
            c.keys("a")
            c.wait_for("holds personal data")
            c.keys("o")
            c.wait_for("Why override?")
            c.keys("this is the hotline number, on purpose", "Enter")
            c.wait_for("lint overridden")
            c.keys("a")
            c.wait_for("approved: 2 messages queued")
            end = time.monotonic() + 10
            while len(sink()) < 2 and time.monotonic() < end:
                time.sleep(0.1)
            got = sorted(x["to"] for x in sink())
            assert got == ["ana", "bob"], got
            s = c.wait_for("sent 2", timeout=15)
            assert "done" in s, s

        @test("g takes the GSM-7 version of a draft")
        def _():
            c.keys("Escape")
            c.wait_for("Hardware store on 5th")
            c.keys("b")
            c.wait_for("[es] UCS-2")
            c.keys("g")
            s = c.wait_for("GSM-7 version taken", "[es] GSM-7")
            assert "g: GSM-7 version" not in s, s
            c.keys("x")
            c.wait_for("draft cancelled")

        @test("an unconfirmed report drafts a call to verifiers, not a public alert")
        def _():
            c.keys("Escape")
            report("a van seen, not yet checked", "new")
            vigia("report", "list")  # the console follows the database
            c.wait_for("a van seen")
            c.keys("g")  # the newest report is first in the queue
            c.keys("b")
            s = c.wait_for("internal draft")
            assert "VERIFIERS NEEDED" in s or "SE NECESITAN" in s, s
            c.keys("x", "Escape")
            c.wait_for("Hardware store on 5th")

        @test("B lists the broadcasts with their progress")
        def _():
            c.keys("B")
            s = c.wait_for("Broadcasts", "done", "alert")
            assert "cancelled" in s, s
            c.keys("Escape")
    finally:
        R.kill()
    return R.finish()


if __name__ == "__main__":
    sys.exit(main())

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
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

SRC = os.environ.get("VIGIA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("VIGIA_BUILD_DIR", os.path.join(SRC, "build"))
VIGIA = os.path.join(BUILD, "vigia")
TMP = tempfile.mkdtemp(prefix="vigia-tui-broadcast-")
SESSION = f"vigia-bc-{os.getpid()}"
SOCKET = os.path.join(TMP, "tmux.sock")
SINK = os.path.join(TMP, "sink.jsonl")
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "xterm-256color",
    "VIGIA_DB": os.path.join(TMP, "console.db"),
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "TMUX", "VIGIA_NOW"):
    ENV.pop(k, None)

results = []


def test(name):
    def wrap(fn):
        try:
            fn()
            results.append((True, name, ""))
        except Exception:  # noqa: BLE001
            results.append((False, name, traceback.format_exc()))
        return fn
    return wrap


def vigia(*args, who="tester"):
    p = subprocess.run([VIGIA, "--as", who] + list(args), env=ENV, cwd=TMP,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout.decode()


def tmux(*args):
    return subprocess.run(["tmux", "-S", SOCKET] + list(args), env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)


def screen():
    return tmux("capture-pane", "-p", "-t", SESSION).stdout.decode("utf-8", "replace")


def keys(*k):
    tmux("send-keys", "-t", SESSION, *k)


def wait_for(*texts, timeout=10.0):
    end = time.monotonic() + timeout
    s = ""
    while time.monotonic() < end:
        s = screen()
        if all(x in s for x in texts):
            return s
        time.sleep(0.05)
    raise AssertionError(f"{texts!r} never appeared; screen:\n{s}")


def sink():
    if not os.path.exists(SINK):
        return []
    with open(SINK) as f:
        return [json.loads(x) for x in f]


def report(what, status):
    path = os.path.join(TMP, "r.jsonl")
    with open(path, "w") as f:
        f.write(json.dumps({"location": "Hardware store on 5th", "what": what,
                            "area": "Eastside", "status": status}) + "\n")
    vigia("report", "import", path)


def main():
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux is not installed")
        return 0
    if not os.access(VIGIA, os.X_OK):
        print(f"1..0 # SKIP no vigia binary at {VIGIA}")
        return 0
    os.makedirs(os.path.join(TMP, "config", "vigia"))
    with open(os.path.join(TMP, "config", "vigia", "config.yaml"), "w") as f:
        f.write(f"channels:\n  file: {{path: \"{SINK}\"}}\n")
    csv = os.path.join(TMP, "subs.csv")
    with open(csv, "w") as f:
        f.write("contact,channel,language,areas\nana,file,es,eastside\nbob,file,en,eastside\n"
                "cy,file,en,westside\n")
    vigia("subscriber", "import", csv)
    report("agents in vests at the door, call 555-867-5309", "confirmed")
    tmux("new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24",
         f"{VIGIA} --as tester; sleep 30")
    try:
        wait_for("Hardware store on 5th")

        @test("b on a confirmed report drafts an alert and previews it at 80x24")
        def _():
            keys("b")
            s = wait_for("Broadcasts", "[en] GSM-7", "[es] UCS-2", "a approve")
            ls = s.rstrip("\n").split("\n")
            assert len(ls) <= 24 and all(len(x) <= 80 for x in ls), s
            assert "2 recipients" in s, s  # ana and bob; cy is in another area
            assert "g: GSM-7 version" in s, s
            assert "personal data in the en text: phone number: 555-867-5309" in s, s

        @test("the lint blocks approval; o asks a reason; then a approves and it is sent")
        def _():
            keys("a")
            wait_for("holds personal data")
            keys("o")
            wait_for("Why override?")
            keys("this is the hotline number, on purpose", "Enter")
            wait_for("lint overridden")
            keys("a")
            wait_for("approved: 2 messages queued")
            end = time.monotonic() + 10
            while len(sink()) < 2 and time.monotonic() < end:
                time.sleep(0.1)
            got = sorted(x["to"] for x in sink())
            assert got == ["ana", "bob"], got
            s = wait_for("sent 2", timeout=15)
            assert "done" in s, s

        @test("g takes the GSM-7 version of a draft")
        def _():
            keys("Escape")
            wait_for("Hardware store on 5th")
            keys("b")
            wait_for("[es] UCS-2")
            keys("g")
            s = wait_for("GSM-7 version taken", "[es] GSM-7")
            assert "g: GSM-7 version" not in s, s
            keys("x")
            wait_for("draft cancelled")

        @test("an unconfirmed report drafts a call to verifiers, not a public alert")
        def _():
            keys("Escape")
            report("a van seen, not yet checked", "new")
            vigia("report", "list")  # the console follows the database
            wait_for("a van seen")
            keys("g")  # the newest report is first in the queue
            keys("b")
            s = wait_for("internal draft")
            assert "VERIFIERS NEEDED" in s or "SE NECESITAN" in s, s
            keys("x", "Escape")
            wait_for("Hardware store on 5th")

        @test("B lists the broadcasts with their progress")
        def _():
            keys("B")
            s = wait_for("Broadcasts", "done", "alert")
            assert "cancelled" in s, s
            keys("Escape")
    finally:
        tmux("kill-server")
    failed = 0
    for i, (good, name, diag) in enumerate(results, 1):
        print(f"{'ok' if good else 'not ok'} {i} - {name}")
        if not good:
            failed += 1
            for line in diag.rstrip().splitlines():
                print(f"# {line}")
    print(f"1..{len(results)}")
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

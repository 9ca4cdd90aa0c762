#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of verification, driving the real binary in tmux at 80x24:
work a checklist, confirm (refused without a reason, then with one), see the
verdict hint and the timeline, link two reports into an incident, find a
closed rumor by "deposito" with its verdict, and filter the audit view.

The database is prepared with the command line first. Waits poll the pane
until the expected text shows (or a generous deadline passes); nothing here
measures time. Prints TAP. Python 3 standard library only.
"""
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
TMP = tempfile.mkdtemp(prefix="vigia-tui-verify-")
SOCK = os.path.join(TMP, "tmux.sock")
DB = os.path.join(TMP, "v.db")
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TERM": "xterm-256color",
    "TZ": "UTC",
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "VIGIA_DB", "VIGIA_NOW", "TMUX"):
    ENV.pop(k, None)

results = []


def cli(*args):
    p = subprocess.run([VIGIA, "--db", DB, "--as", "tester"] + list(args), env=ENV,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"vigia {args}: {p.stderr}"
    return p.stdout.strip()


def tmux(*args, check=True):
    p = subprocess.run(["tmux", "-S", SOCK] + list(args), env=ENV, capture_output=True,
                       text=True, timeout=30)
    if check:
        assert p.returncode == 0, f"tmux {args}: {p.stderr}"
    return p.stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "t")


def keys(*ks):
    for k in ks:
        tmux("send-keys", "-t", "t", k)


def text(s):
    tmux("send-keys", "-t", "t", "-l", s)


DUMP = os.environ.get("VIGIA_TUI_DUMP")


def wait_for(*needles, gone=False, deadline=15.0):
    """Wait until every needle shows (or, with gone, none does); return the screen."""
    end = time.monotonic() + deadline
    while True:
        s = screen()
        found = [n in s for n in needles]
        if (not gone and all(found)) or (gone and not any(found)):
            if DUMP:
                with open(DUMP, "a") as f:
                    f.write(f"---- {needles}\n{s}")
            return s
        if time.monotonic() > end:
            raise AssertionError(f"waiting for {needles} (gone={gone}); screen:\n{s}")
        time.sleep(0.05)


def test(fn):
    name = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
    try:
        fn()
        results.append((True, name, ""))
    except AssertionError as e:
        results.append((False, name, str(e)))
    except Exception:  # noqa: BLE001
        results.append((False, name, traceback.format_exc()))


def prepare():
    ids = {}
    ids["a"] = cli("report", "add", "--location", "Home Depot on 5th", "--what",
                   "three SUVs parked fast", "--area", "Eastside", "--first-hand", "yes")
    ids["b"] = cli("report", "add", "--location", "5th street home depot parking", "--what",
                   "ICE vans", "--area", "eastside")
    ids["c"] = cli("report", "add", "--location", "Depósito de materiales, Calle 8", "--what",
                   "post on Facebook says ICE at the depot", "--source", "social")
    cli("status", ids["c"], "false_alarm", "--note", "local police")
    cli("status", ids["c"], "closed")
    return ids


def main():
    if not os.access(VIGIA, os.X_OK) or shutil.which("tmux") is None:
        print("1..0 # SKIP needs the vigia binary and tmux")
        return 0
    ids = prepare()
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
         f"{VIGIA} --db {DB} --as tester")
    try:
        run(ids)
    finally:
        tmux("kill-server", check=False)
    print(f"1..{len(results)}")
    failed = 0
    for i, (good, name, diag) in enumerate(results, 1):
        print(f"{'ok' if good else 'not ok'} {i} - {name}")
        if not good:
            failed += 1
            for line in diag.splitlines():
                print("# " + line)
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


def run(ids):
    @test
    def queue_shows():
        """the queue opens with the reports"""
        wait_for("Home Depot", "SUVs")

    @test
    def work_checklist():
        """work a checklist: y/n/u on items, N for a note, who and when shown"""
        keys("/")
        text("SUVs")
        keys("Enter")
        wait_for("1 found")
        keys("v")
        s = wait_for("Verify:", "Checklist", "Hint:")
        # The first-hand answer from the call is already there, by who took it.
        assert "[y] Caller saw it with their own eyes" in s, s
        # The selection starts on the first open item (caller on scene).
        keys("y")
        wait_for("[y] Caller is at the place now")
        keys("j", "j", "j", "y")  # vehicles
        wait_for("[y] Several vehicles parked")
        keys("j", "j", "j", "y")  # approaching people
        wait_for("[y] Agents approaching people")
        keys("j", "N")  # agency markings: a note first
        wait_for("Note:")
        text("HSI on the vests")
        keys("Enter")
        wait_for("— HSI on the ve")
        keys("y")
        s = wait_for("[y] Vests or markings of ICE")
        assert "tester" in s and "HSI on the ve" in s, s

    @test
    def verdict_hint():
        """the verdict hint names what was seen; the status is unchanged"""
        s = wait_for("likely operation:")
        assert "vehicles" in s and "agency vests seen" in s, s
        assert "Verify: enforcement sighting · new" in s, s

    @test
    def confirm_needs_reason():
        """status: verifying, then confirm refused without a reason and accepted with one"""
        keys("s")
        wait_for("Change the status to")
        keys("j", "Enter")  # new -> triaged, verifying: the second
        wait_for("· verifying")
        keys("s")
        wait_for("Change the status to")
        keys("j", "Enter")  # verifying -> triaged, confirmed
        wait_for("Why (required):")
        keys("Enter")
        wait_for("confirming needs a reason")
        text("caller saw HSI vests")
        keys("Enter")
        wait_for("· confirmed", "status: verifying → confirmed")

    @test
    def timeline():
        """Tab shows the timeline with who did what"""
        keys("Tab")
        s = wait_for("Timeline", "status verifying → confirmed: caller saw HSI vests")
        assert "checked vehicles: yes" in s and "report taken" in s, s
        keys("Tab")
        wait_for("Checklist")

    @test
    def link():
        """L links a report near this one into one incident"""
        keys("L")
        wait_for("Link to a report near this one", "5th street home depot parking")
        keys("Enter")
        wait_for("linked into incident", "incident of 2 callers")
        keys("Escape")
        wait_for("What was seen")
        keys("Escape")  # clear the search
        s = wait_for("Depósito", "(2)")
        # One row for the incident: the second caller's report is not a row of its own.
        assert "5th street home depot" not in s, s

    @test
    def offer_link():
        """a new report near an open one offers to link it"""
        keys("n")
        wait_for("Activity")
        text("2")
        keys("Tab")
        text("agents in vests")
        keys("Tab")
        text("Home Depot parking on 5th")
        keys("Tab")
        text("Eastside")
        keys("C-s")
        wait_for("Report saved", "near it: v then L to link")

    @test
    def rumor():
        """'/' deposito finds the closed rumor at Depósito with its verdict"""
        keys("/")
        text("deposito")
        keys("Enter")
        s = wait_for("1 found", "Depósito de materiales")
        # The verdict shows on the detail pane's border (cut to the room left there).
        wait_for("false alarm — local police")
        keys("v")
        wait_for("Verdict: false alarm — local police, checked")
        keys("Escape")
        wait_for("What was seen")
        keys("Escape")

    @test
    def audit():
        """A opens the audit view; p filters by person"""
        keys("A")
        s = wait_for("Audit: every change", "report taken")
        keys("p")
        wait_for("Person (empty: all):")
        text("nobody")
        keys("Enter")
        wait_for("No events match.", "by nobody")
        keys("p", "C-u")
        text("tester")
        keys("Enter")
        s = wait_for("by tester", "status verifying → confirmed")
        keys("Escape")
        wait_for("What was seen")
        keys("q")


sys.exit(main())

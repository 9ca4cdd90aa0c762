#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of verification, driving the real binary in tmux at 80x24:
work a checklist, confirm (refused without a reason, then with one), see the
verdict hint and the timeline, link two reports into an incident, find a
closed rumor by "deposito" with its verdict, and filter the audit view.
Then, with a verifier assigned to a report, record her observation from the
verification view (o then y): marked as hers on screen and in the store; and
o on a report nobody is out on says so and records nothing.

The database is prepared with the command line first. Waits poll the pane
until the expected text shows (or a generous deadline passes); nothing here
measures time. Prints TAP. Python 3 standard library only.
"""
import json
import sys

import harness

R = harness.Run("verify")
DB = R.path("v.db")
test = R.test


def cli(*args):
    return R.cli("--db", DB, *args)


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
    if not R.ready():
        return 0
    ids = prepare()
    c = R.console(["--db", DB, "--as", "tester"])
    try:
        run(c, ids)
        R.kill()
        observe(ids)
    finally:
        R.kill()
    return R.finish()


def checklist(report_id):
    """The report's checklist items by key, from `report show --json`."""
    return {i["item"]: i for i in json.loads(cli("report", "show", report_id, "--json"))["checklist"]}


def observe(ids):
    """o then y/n/u in the verification view: the answer is the verifier's."""
    ids["d"] = cli("report", "add", "--location", "Mission St and 24th", "--what",
                   "two vans and agents", "--area", "Mission")
    cli("verifier", "add", "--name", "Rosa M.", "--contact", "+14155550101", "--areas", "mission")
    cli("verifier", "add", "--name", "Luis", "--contact", "@luis_obs", "--areas", "mission")
    # Two out on the report: Rosa on scene, Luis only assigned; o takes Rosa.
    rosa = cli("assign", ids["d"], "Rosa M.").splitlines()[0]
    for st in ("acknowledged", "en_route", "on_scene"):
        cli("assignment", "set", rosa, st)
    luis = cli("assign", ids["d"], "Luis").splitlines()[0]
    c = R.console(["--db", DB, "--as", "tester"])

    @test
    def observe_key():
        """o then y records the selected item as the verifier's, relayed by the dispatcher"""
        c.wait_for("two vans and agents")
        c.keys("/")
        c.text("two vans")
        c.keys("Enter")
        c.wait_for("1 found")
        c.keys("v")
        s = c.wait_for("Checklist", "o verifier's")
        # The selection starts on first-hand; vehicles is five down.
        c.keys("j", "j", "j", "j", "j", "o")
        s = c.wait_for("Rosa M. (verifier) answers: y yes")
        assert "[y] Several vehicles" not in s, s
        c.keys("y")
        s = c.wait_for("Rosa M.: Several vehicles parked haphazardly — yes (relayed by tester)")
        row = [l for l in s.splitlines() if "Several vehicles" in l and "[y]" in l]
        assert row and "verifier:Rosa M." in row[0], s
        item = checklist(ids["d"])["vehicles"]
        assert item["state"] == "yes", item
        assert item["by"] == "verifier:Rosa M. (tester)", item
        ev = [json.loads(l) for l in cli("events", "--report", ids["d"], "--json").splitlines()]
        # The timeline has it as hers, and it counts as her check-in (Rosa's, not Luis's).
        assert any(e["kind"] == "check.set" and e["actor"] == "verifier:Rosa M. (tester)"
                   and e["detail"]["item"] == "vehicles" for e in ev), ev
        assert any(e["kind"] == "assignment.checkin" and e["detail"]["assignment_id"] == rosa
                   for e in ev), ev
        # The next y is the dispatcher's own again.
        c.keys("y")
        s = c.wait_for("[y] Tents or a staging area")
        assert checklist(ids["d"])["staging"]["by"] == "tester", s

    @test
    def observe_cancel():
        """Esc after o cancels: nothing is recorded"""
        c.keys("o")
        c.wait_for("Rosa M. (verifier) answers:")
        c.keys("Escape")
        c.wait_for("o verifier's")
        c.wait_for("Checklist")
        assert checklist(ids["d"])["buses"]["state"] == "unknown"

    @test
    def observe_released():
        """o, then both released elsewhere: y refuses instead of answering as the dispatcher"""
        c.keys("o")
        c.wait_for("Rosa M. (verifier) answers:")
        cli("assignment", "set", rosa, "released")
        cli("assignment", "set", luis, "declined")
        c.wait_for("Rosa M. (verifier) answers:", gone=True)
        c.keys("y")
        c.wait_for("no verifier is out on this report: y/n/u record your own answer")
        assert checklist(ids["d"])["buses"]["state"] == "unknown"
        c.keys("Escape")
        c.wait_for("What was seen")
        c.keys("Escape")

    @test
    def observe_nobody_out():
        """o on a report nobody is out on says so and records nothing"""
        c.keys("/")
        c.text("SUVs")
        c.keys("Enter")
        c.wait_for("1 found")
        c.keys("v")
        s = c.wait_for("Checklist", "y/n/u answer · N note")
        before = checklist(ids["a"])
        c.keys("o")
        c.wait_for("no verifier is out on this report: y/n/u record your own answer")
        c.keys("y")  # the dispatcher's own answer, as before
        c.wait_for("no verifier is out", gone=True)
        after = checklist(ids["a"])
        changed = [k for k in after if after[k] != before[k]]
        assert len(changed) == 1 and after[changed[0]]["by"] == "tester", (before, after)
        assert not any(i["by"] and i["by"].startswith("verifier:") for i in after.values()), after


def run(c, ids):
    @test
    def queue_shows():
        """the queue opens with the reports"""
        c.wait_for("Home Depot", "SUVs")

    @test
    def work_checklist():
        """work a checklist: y/n/u on items, N for a note, who and when shown"""
        c.keys("/")
        c.text("SUVs")
        c.keys("Enter")
        c.wait_for("1 found")
        c.keys("v")
        s = c.wait_for("Verify:", "Checklist", "Hint:")
        # The first-hand answer from the call is already there, by who took it.
        assert "[y] Caller saw it with their own eyes" in s, s
        # The selection starts on the first open item (caller on scene).
        c.keys("y")
        c.wait_for("[y] Caller is at the place now")
        c.keys("j", "j", "j", "y")  # vehicles
        c.wait_for("[y] Several vehicles parked")
        c.keys("j", "j", "j", "y")  # approaching people
        c.wait_for("[y] Agents approaching people")
        c.keys("j", "N")  # agency markings: a note first
        c.wait_for("Note:")
        c.text("HSI on the vests")
        c.keys("Enter")
        c.wait_for("— HSI on the ve")
        c.keys("y")
        s = c.wait_for("[y] Vests or markings of ICE")
        assert "tester" in s and "HSI on the ve" in s, s

    @test
    def verdict_hint():
        """the verdict hint names what was seen; the status is unchanged"""
        s = c.wait_for("likely operation:")
        assert "vehicles" in s and "agency vests seen" in s, s
        assert "Verify: enforcement sighting · new" in s, s

    @test
    def confirm_needs_reason():
        """status: verifying, then confirm refused without a reason and accepted with one"""
        c.keys("s")
        c.wait_for("Change the status to")
        c.keys("j", "Enter")  # new -> triaged, verifying: the second
        c.wait_for("· verifying")
        c.keys("s")
        c.wait_for("Change the status to")
        c.keys("j", "Enter")  # verifying -> triaged, confirmed
        c.wait_for("Why (required):")
        c.keys("Enter")
        c.wait_for("confirming needs a reason")
        c.text("caller saw HSI vests")
        c.keys("Enter")
        c.wait_for("· confirmed", "status: verifying → confirmed")

    @test
    def timeline():
        """Tab shows the timeline with who did what"""
        c.keys("Tab")
        s = c.wait_for("Timeline", "status verifying → confirmed: caller saw HSI vests")
        assert "checked vehicles: yes" in s and "report taken" in s, s
        c.keys("Tab")
        c.wait_for("Checklist")

    @test
    def link():
        """L links a report near this one into one incident"""
        c.keys("L")
        c.wait_for("Link to a report near this one", "5th street home depot parking")
        c.keys("Enter")
        c.wait_for("linked into incident", "incident of 2 callers")
        c.keys("Escape")
        c.wait_for("What was seen")
        c.keys("Escape")  # clear the search
        s = c.wait_for("Depósito", "(2)")
        # One row for the incident: the second caller's report is not a row of its own.
        assert "5th street home depot" not in s, s

    @test
    def offer_link():
        """a new report near an open one offers to link it"""
        c.keys("n")
        c.wait_for("Activity")
        c.text("2")
        c.keys("Tab")
        c.text("agents in vests")
        c.keys("Tab")
        c.text("Home Depot parking on 5th")
        c.keys("Tab")
        c.text("Eastside")
        c.keys("C-s")
        c.wait_for("Report saved", "near it: v then L to link")

    @test
    def rumor():
        """'/' deposito finds the closed rumor at Depósito with its verdict"""
        c.keys("/")
        c.text("deposito")
        c.keys("Enter")
        s = c.wait_for("1 found", "Depósito de materiales")
        # The verdict shows on the detail pane's border (cut to the room left there).
        c.wait_for("false alarm — local police")
        c.keys("v")
        c.wait_for("Verdict: false alarm — local police, checked")
        c.keys("Escape")
        c.wait_for("What was seen")
        c.keys("Escape")

    @test
    def audit():
        """A opens the audit view; p filters by person"""
        c.keys("A")
        s = c.wait_for("Audit: every change", "report taken")
        c.keys("p")
        c.wait_for("Person (empty: all):")
        c.text("nobody")
        c.keys("Enter")
        c.wait_for("No events match.", "by nobody")
        c.keys("p", "C-u")
        c.text("tester")
        c.keys("Enter")
        s = c.wait_for("by tester", "status verifying → confirmed")
        c.keys("Escape")
        c.wait_for("What was seen")
        c.keys("q")


sys.exit(main())

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
    finally:
        R.kill()
    return R.finish()


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

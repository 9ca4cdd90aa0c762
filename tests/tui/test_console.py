#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""End-to-end tests of the console (issue 2), driving the real binary in tmux.

At 80x24 and 200x50: the first-start name prompt, the queue and detail pane,
navigation, opening a report, the new-report form with Spanish and CJK text,
the report still there after a restart, a report added by another process
appearing with no key pressed, resizing below 80x24 and back, NO_COLOR, the
Spanish console, the Esc-discard question, help, search.

Python 3 standard library only; prints TAP. Skips when tmux is missing.
"""
import json
import os
import sys
import time

import harness

R = harness.Run("console")
if not R.ready():
    sys.exit(0)


def test(name):
    """Run the test now; every test starts with no console left running."""
    def wrap(fn):
        R.test(name)(fn)
        R.kill()
        return fn
    return wrap


def vigia(*args, db):
    return R.cli("--db", db, *args)


def fresh_db(name):
    db = R.path(name)
    vigia("report", "add", "--location", "Hardware store on 5th", "--what",
          "three SUVs and a van, men in vests", "--area", "Eastlake", "--agents", "6", db=db)
    vigia("report", "add", "--location", "Depósito de materiales", "--what",
          "Tres camionetas sin placas", "--area", "Fruitvale", "--observed", "10 min ago", db=db)
    vigia("report", "add", "--location", "Bus stop at 14th", "--what", "a man shouting at people",
          "--category", "harassment", "--area", "Fruitvale", db=db)
    return db


def listing(db):
    return [json.loads(line) for line in vigia("report", "list", "--all", "--json", db=db).splitlines()]


@test("first start asks who is at the keyboard and remembers the name")
def _():
    db = fresh_db("first.db")
    c = R.console(["--db", db])
    c.wait_for("Who is at the keyboard?")
    c.text("Ana María")
    c.keys("Enter")
    c.wait_for("Hardware store")
    c.keys("q")
    assert c.exit_status() == 0
    with open(R.path("config", "vigia", "config.yaml"), encoding="utf-8") as f:
        assert "Ana María" in f.read()
    c = R.console(["--db", db])
    s = c.wait_for("Hardware store")
    assert "Who is at the keyboard?" not in s
    assert "Ana María" in s  # status bar names the dispatcher
    c.keys("q")
    assert c.exit_status() == 0


@test("queue at 80x24: columns, detail pane, status bar, navigation, open and back")
def _():
    db = fresh_db("nav.db")
    c = R.console(["--db", db, "--as", "ana"])
    s = c.wait_for("Hardware store")
    lines = s.splitlines()
    assert len(lines) == 24 and all(len(line) <= 80 for line in lines), s
    assert "nav.db" in lines[-1] and "? help" in lines[-1] and "NEW 3" in lines[-1], lines[-1]
    # The detail pane follows the selection.
    first = [line for line in lines if "Location" in line]
    assert first, s
    c.keys("j")
    time.sleep(0.3)
    s2 = c.screen()
    assert [line for line in s2.splitlines() if "Location" in line] != first, s2
    c.keys("G")
    time.sleep(0.2)
    c.keys("g")
    time.sleep(0.2)
    c.keys("Enter")
    s = c.wait_for("Esc", "Received")
    # A report taken a moment ago was received "just now", never "now ago".
    received = [line for line in s.splitlines() if "Received" in line]
    assert received and "(just now)" in received[0] and "now ago" not in s, s
    c.keys("Escape")
    c.wait_for("? help")
    c.keys("?")
    s = c.wait_for("Keys")
    assert "quit" in s.lower(), s
    c.keys("Escape")
    c.wait_for("? help")
    c.keys("q")
    assert c.exit_status() == 0


@test("new report through the form with Spanish and CJK text, kept after a restart")
def _():
    db = fresh_db("form.db")
    c = R.console(["--db", db, "--as", "ana"])
    c.wait_for("Hardware store")
    c.keys("n")
    c.wait_for("SALUTE")
    c.text("4")                                   # size
    c.keys("Tab")
    c.text("Agentes preguntando por papeles en la panadería 日本語")  # activity
    c.keys("Tab")
    c.text("Panadería La Única, Avenida Nuestra Señora")  # location
    c.keys("Tab")
    c.text("Jingletown")                         # area
    c.keys("Tab")
    c.text("chalecos de ICE")                    # uniform
    c.keys("Tab")
    c.text("15 min ago")                         # time
    c.keys("Tab")
    c.text("dos camionetas blancas")             # equipment
    c.keys("C-s")
    s = c.wait_for("Report saved")
    assert "Panader" in s, s
    reports = [r for r in listing(db) if r["location"].startswith("Panadería")]
    assert len(reports) == 1, reports
    r = reports[0]
    assert r["what"] == "Agentes preguntando por papeles en la panadería 日本語", r
    assert r["agents"] == 4 and r["area"] == "Jingletown" and r["agency"] == "chalecos de ICE", r
    assert r["created_by"] == "ana", r
    c.keys("q")
    assert c.exit_status() == 0
    c = R.console(["--db", db, "--as", "ana"])
    c.wait_for("Agentes preguntando")
    c.keys("q")
    assert c.exit_status() == 0


@test("a bad value in the form is named and nothing is saved; Esc asks before discarding")
def _():
    db = fresh_db("bad.db")
    before = len(listing(db))
    c = R.console(["--db", db, "--as", "ana"])
    c.wait_for("Hardware store")
    c.keys("n")
    c.wait_for("SALUTE")
    c.text("muchos")
    c.keys("C-s")
    time.sleep(0.5)
    assert len(listing(db)) == before
    c.keys("Escape")
    c.wait_for("Discard this report? (y/n)")
    c.keys("n")
    c.wait_gone("Discard this report?")
    c.keys("Escape")
    c.wait_for("Discard this report? (y/n)")
    c.keys("y")
    c.wait_for("? help")
    assert len(listing(db)) == before
    c.keys("q")
    assert c.exit_status() == 0


@test("a report added by another process appears within a second, no key pressed")
def _():
    db = fresh_db("live.db")
    c = R.console(["--db", db, "--as", "ana"])
    c.wait_for("Hardware store")
    time.sleep(0.3)
    t0 = time.monotonic()
    vigia("report", "add", "--location", "Laundromat on Foothill", "--what",
          "two unmarked cars circling", "--agents", "2", db=db)
    c.wait_for("Laundromat", timeout=5)
    took = time.monotonic() - t0
    assert took < 1.5, f"live update took {took:.2f}s"
    c.keys("q")
    assert c.exit_status() == 0


@test("two consoles on one database both write and see each other's reports")
def _():
    db = fresh_db("two.db")
    a = R.console(["--db", db, "--as", "ana"])
    b = R.console(["--db", db, "--as", "beto"])
    a.wait_for("Hardware store")
    b.wait_for("Hardware store")
    for c, place in ((a, "Corner A"), (b, "Corner B")):
        c.keys("n")
        c.wait_for("SALUTE")
        c.keys("Tab")
        c.text("agents at the corner")
        c.keys("Tab")
        c.text(place)
        c.keys("C-s")
        c.wait_for("Report saved")
    a.wait_for("Corner B", timeout=5)
    b.wait_for("Corner A", timeout=5)
    by = {r["location"]: r["created_by"] for r in listing(db)}
    assert by["Corner A"] == "ana" and by["Corner B"] == "beto", by
    for c in (a, b):
        c.keys("q")
        assert c.exit_status() == 0


@test("resize below 80x24 says so, and the queue comes back")
def _():
    db = fresh_db("resize.db")
    c = R.console(["--db", db, "--as", "ana"])
    c.wait_for("Hardware store")
    c.resize(60, 20)
    s = c.wait_for("too small")
    assert "80x24" in s, s
    c.resize(80, 24)
    c.wait_for("Hardware store")
    c.resize(200, 50)
    end = time.monotonic() + 10
    while max(len(line) for line in c.screen().splitlines()) <= 120:
        assert time.monotonic() < end, c.screen()
        time.sleep(0.05)
    c.wait_for("Hardware store")
    c.keys("q")
    assert c.exit_status() == 0


@test("200x50: the queue and the selected report side by side")
def _():
    db = fresh_db("wide.db")
    c = R.console(["--db", db, "--as", "ana"], width=200, height=50)
    s = c.wait_for("Hardware store")
    row = [line for line in s.splitlines() if "Location" in line]
    assert row and row[0].index("Location") > 60, s
    c.keys("q")
    assert c.exit_status() == 0


@test("search finds a report without its accent, Esc returns to the queue")
def _():
    db = fresh_db("search.db")
    c = R.console(["--db", db, "--as", "ana"])
    c.wait_for("Hardware store")
    c.keys("/")
    c.text("deposito")
    c.keys("Enter")
    s = c.wait_gone("Bus stop")
    assert "Depósito" in s and "Eastlake" not in s, s
    c.keys("Escape")
    c.wait_for("Bus stop")
    c.keys("q")
    assert c.exit_status() == 0


@test("stored escape sequences are shown as text, never sent to the terminal")
def _():
    db = fresh_db("esc.db")
    # Written behind vigia's back, as a damaged or hostile import might.
    import sqlite3
    con = sqlite3.connect(db)
    con.execute("UPDATE reports SET what = 'evil \x1b[2J\x1b]0;pwned\x07 text' WHERE area = 'Eastlake'")
    con.commit()
    con.close()
    c = R.console(["--db", db, "--as", "ana"])
    s = c.wait_for("evil")
    assert "\x1b" not in s
    title = R.tmux("display-message", "-p", "-t", c.name, "#{pane_title}").stdout
    assert "pwned" not in title, title
    c.keys("q")
    assert c.exit_status() == 0


@test("NO_COLOR console works")
def _():
    db = fresh_db("mono.db")
    c = R.console(["--db", db, "--as", "ana"], env={"NO_COLOR": "1"})
    c.wait_for("Hardware store")
    c.keys("j", "k")
    c.keys("q")
    assert c.exit_status() == 0


@test("--lang es shows the console in Spanish")
def _():
    db = fresh_db("es.db")
    c = R.console(["--db", db, "--as", "ana", "--lang", "es"])
    s = c.wait_for("Hardware store")
    assert "? ayuda" in s, s
    # The ages are translated too: a report taken a moment ago is "ya".
    row = [line for line in s.splitlines() if "Eastlake · Hardware" in line]
    assert row and " ya " in row[0] and "now" not in row[0], row
    c.keys("n")
    s = c.wait_for("Ubicación")
    c.keys("Escape")
    c.keys("q")
    assert c.exit_status() == 0


@test("vigia demo opens a live shift: 30+ reports, a roster with verifiers in the field")
def _():
    c = R.console(["--as", "ana", "demo"])
    c.wait_for("demo.db", "? help")
    demo = R.path("data", "vigia", "demo.db")
    assert len(listing(demo)) >= 30
    c.keys("V")
    s = c.wait_for("Roster:", "in the field")
    assert " 0 in the field" not in s and "on scene" in s, s
    c.keys("Escape", "q")
    assert c.exit_status() == 0


@test("SIGTERM restores the terminal and exits cleanly")
def _():
    db = fresh_db("term.db")
    c = R.console(["--db", db, "--as", "ana"])
    c.wait_for("Hardware store")
    os.kill(c.pid(), 15)
    assert c.exit_status() == 0


sys.exit(R.finish())

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
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

SRC = os.environ.get("VIGIA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("VIGIA_BUILD_DIR", os.path.join(SRC, "build"))
VIGIA = os.path.join(BUILD, "vigia")
TMP = tempfile.mkdtemp(prefix="vigia-tui-console-")
SOCKET = os.path.join(TMP, "tmux.sock")
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "xterm-256color",
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "TMUX", "VIGIA_DB", "VIGIA_NOW"):
    ENV.pop(k, None)

results = []
session_no = [0]


def test(name):
    def wrap(fn):
        try:
            fn()
            results.append((True, name, ""))
        except Exception:  # noqa: BLE001
            results.append((False, name, traceback.format_exc()))
        finally:
            tmux("kill-server")
        return fn
    return wrap


def tmux(*args):
    return subprocess.run(["tmux", "-S", SOCKET] + list(args), env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)


class Console:
    """One console in a detached tmux session."""

    def __init__(self, args, width=80, height=24, env=None):
        session_no[0] += 1
        self.name = f"c{session_no[0]}"
        self.status = os.path.join(TMP, f"{self.name}.status")
        e = " ".join(f"{k}={shq(v)}" for k, v in (env or {}).items())
        cmd = f"env {e} {shq(VIGIA)} {' '.join(shq(a) for a in args)}; echo $? > {shq(self.status)}"
        r = tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), cmd)
        assert r.returncode == 0, r.stderr
        # Keep the pane after the program exits so its last screen can be read.
        tmux("set-option", "-t", self.name, "remain-on-exit", "on")

    def screen(self):
        return tmux("capture-pane", "-p", "-t", self.name).stdout.decode("utf-8", "replace")

    def keys(self, *k):
        tmux("send-keys", "-t", self.name, *k)

    def text(self, s):
        tmux("send-keys", "-t", self.name, "-l", s)

    def wait(self, text, timeout=10.0):
        end = time.monotonic() + timeout
        s = ""
        while time.monotonic() < end:
            s = self.screen()
            if text in s:
                return s
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{s}")

    def wait_gone(self, text, timeout=10.0):
        end = time.monotonic() + timeout
        s = ""
        while time.monotonic() < end:
            s = self.screen()
            if text not in s:
                return s
            time.sleep(0.05)
        raise AssertionError(f"{text!r} still on screen after {timeout}s:\n{s}")

    def resize(self, w, h):
        tmux("resize-window", "-t", self.name, "-x", str(w), "-y", str(h))

    def exit_status(self, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.status):
                with open(self.status) as f:
                    v = f.read().strip()
                if v:
                    return int(v)
            time.sleep(0.05)
        raise AssertionError("the console did not exit:\n" + self.screen())


def shq(s):
    return "'" + str(s).replace("'", "'\\''") + "'"


def vigia(*args, db):
    p = subprocess.run([VIGIA, "--db", db, "--as", "tester"] + list(args), env=ENV, cwd=TMP,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout.decode()


def fresh_db(name):
    db = os.path.join(TMP, name)
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
    c = Console(["--db", db])
    c.wait("Who is at the keyboard?")
    c.text("Ana María")
    c.keys("Enter")
    c.wait("Hardware store")
    c.keys("q")
    assert c.exit_status() == 0
    with open(os.path.join(TMP, "config", "vigia", "config.yaml"), encoding="utf-8") as f:
        assert "Ana María" in f.read()
    c = Console(["--db", db])
    s = c.wait("Hardware store")
    assert "Who is at the keyboard?" not in s
    assert "Ana María" in s  # status bar names the dispatcher
    c.keys("q")
    assert c.exit_status() == 0


@test("queue at 80x24: columns, detail pane, status bar, navigation, open and back")
def _():
    db = fresh_db("nav.db")
    c = Console(["--db", db, "--as", "ana"])
    s = c.wait("Hardware store")
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
    c.wait("Esc")
    c.keys("Escape")
    c.wait("? help")
    c.keys("?")
    s = c.wait("Keys")
    assert "quit" in s.lower(), s
    c.keys("Escape")
    c.wait("? help")
    c.keys("q")
    assert c.exit_status() == 0


@test("new report through the form with Spanish and CJK text, kept after a restart")
def _():
    db = fresh_db("form.db")
    c = Console(["--db", db, "--as", "ana"])
    c.wait("Hardware store")
    c.keys("n")
    c.wait("SALUTE")
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
    s = c.wait("Report saved")
    assert "Panader" in s, s
    reports = [r for r in listing(db) if r["location"].startswith("Panadería")]
    assert len(reports) == 1, reports
    r = reports[0]
    assert r["what"] == "Agentes preguntando por papeles en la panadería 日本語", r
    assert r["agents"] == 4 and r["area"] == "Jingletown" and r["agency"] == "chalecos de ICE", r
    assert r["created_by"] == "ana", r
    c.keys("q")
    assert c.exit_status() == 0
    c = Console(["--db", db, "--as", "ana"])
    c.wait("Agentes preguntando")
    c.keys("q")
    assert c.exit_status() == 0


@test("a bad value in the form is named and nothing is saved; Esc asks before discarding")
def _():
    db = fresh_db("bad.db")
    before = len(listing(db))
    c = Console(["--db", db, "--as", "ana"])
    c.wait("Hardware store")
    c.keys("n")
    c.wait("SALUTE")
    c.text("muchos")
    c.keys("C-s")
    time.sleep(0.5)
    assert len(listing(db)) == before
    c.keys("Escape")
    c.wait("Discard this report? (y/n)")
    c.keys("n")
    c.wait_gone("Discard this report?")
    c.keys("Escape")
    c.wait("Discard this report? (y/n)")
    c.keys("y")
    c.wait("? help")
    assert len(listing(db)) == before
    c.keys("q")
    assert c.exit_status() == 0


@test("a report added by another process appears within a second, no key pressed")
def _():
    db = fresh_db("live.db")
    c = Console(["--db", db, "--as", "ana"])
    c.wait("Hardware store")
    time.sleep(0.3)
    t0 = time.monotonic()
    vigia("report", "add", "--location", "Laundromat on Foothill", "--what",
          "two unmarked cars circling", "--agents", "2", db=db)
    c.wait("Laundromat", timeout=5)
    took = time.monotonic() - t0
    assert took < 1.5, f"live update took {took:.2f}s"
    c.keys("q")
    assert c.exit_status() == 0


@test("two consoles on one database both write and see each other's reports")
def _():
    db = fresh_db("two.db")
    a = Console(["--db", db, "--as", "ana"])
    b = Console(["--db", db, "--as", "beto"])
    a.wait("Hardware store")
    b.wait("Hardware store")
    for c, place in ((a, "Corner A"), (b, "Corner B")):
        c.keys("n")
        c.wait("SALUTE")
        c.keys("Tab")
        c.text("agents at the corner")
        c.keys("Tab")
        c.text(place)
        c.keys("C-s")
        c.wait("Report saved")
    a.wait("Corner B", timeout=5)
    b.wait("Corner A", timeout=5)
    by = {r["location"]: r["created_by"] for r in listing(db)}
    assert by["Corner A"] == "ana" and by["Corner B"] == "beto", by
    for c in (a, b):
        c.keys("q")
        assert c.exit_status() == 0


@test("resize below 80x24 says so, and the queue comes back")
def _():
    db = fresh_db("resize.db")
    c = Console(["--db", db, "--as", "ana"])
    c.wait("Hardware store")
    c.resize(60, 20)
    s = c.wait("too small")
    assert "80x24" in s, s
    c.resize(80, 24)
    c.wait("Hardware store")
    c.resize(200, 50)
    end = time.monotonic() + 10
    while max(len(line) for line in c.screen().splitlines()) <= 120:
        assert time.monotonic() < end, c.screen()
        time.sleep(0.05)
    c.wait("Hardware store")
    c.keys("q")
    assert c.exit_status() == 0


@test("200x50: the queue and the selected report side by side")
def _():
    db = fresh_db("wide.db")
    c = Console(["--db", db, "--as", "ana"], width=200, height=50)
    s = c.wait("Hardware store")
    row = [line for line in s.splitlines() if "Location" in line]
    assert row and row[0].index("Location") > 60, s
    c.keys("q")
    assert c.exit_status() == 0


@test("search finds a report without its accent, Esc returns to the queue")
def _():
    db = fresh_db("search.db")
    c = Console(["--db", db, "--as", "ana"])
    c.wait("Hardware store")
    c.keys("/")
    c.text("deposito")
    c.keys("Enter")
    s = c.wait_gone("Bus stop")
    assert "Depósito" in s and "Eastlake" not in s, s
    c.keys("Escape")
    c.wait("Bus stop")
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
    c = Console(["--db", db, "--as", "ana"])
    s = c.wait("evil")
    assert "\x1b" not in s
    title = tmux("display-message", "-p", "-t", c.name, "#{pane_title}").stdout.decode()
    assert "pwned" not in title, title
    c.keys("q")
    assert c.exit_status() == 0


@test("NO_COLOR console works")
def _():
    db = fresh_db("mono.db")
    c = Console(["--db", db, "--as", "ana"], env={"NO_COLOR": "1"})
    c.wait("Hardware store")
    c.keys("j", "k")
    c.keys("q")
    assert c.exit_status() == 0


@test("--lang es shows the console in Spanish")
def _():
    db = fresh_db("es.db")
    c = Console(["--db", db, "--as", "ana", "--lang", "es"])
    s = c.wait("Hardware store")
    assert "? ayuda" in s, s
    # The ages are translated too: a report taken a moment ago is "ya".
    row = [line for line in s.splitlines() if "Eastlake · Hardware" in line]
    assert row and " ya " in row[0] and "now" not in row[0], row
    c.keys("n")
    s = c.wait("Ubicación")
    c.keys("Escape")
    c.keys("q")
    assert c.exit_status() == 0


@test("SIGTERM restores the terminal and exits cleanly")
def _():
    db = fresh_db("term.db")
    c = Console(["--db", db, "--as", "ana"])
    c.wait("Hardware store")
    pid = tmux("display-message", "-p", "-t", c.name, "#{pane_pid}").stdout.decode().strip()
    # The pane runs a shell that runs vigia: signal the child.
    kids = subprocess.run(["pgrep", "-P", pid], stdout=subprocess.PIPE).stdout.decode().split()
    assert kids, "no vigia process"
    for k in kids:
        os.kill(int(k), 15)
    assert c.exit_status() == 0


def main():
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux not installed")
        return 0
    print(f"1..{len(results)}")
    failed = 0
    for i, (ok, name, tb) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            failed += 1
            for line in tb.splitlines():
                print("# " + line)
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the console leaves until after its first frame, or for good.

libcurl is loaded on first use (include/vigia/net.h), never at start: a
console on a database in no network never maps it; one in a network maps it
once sync starts; a libcurl that cannot be loaded is a clear error. ICU is
loaded on first use too (src/text/icu.h): Latin text never needs it. The
retention purge, which takes the write lock, runs right after the first frame.
Python 3 standard library only.
"""
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

R = harness.Run("lazy")


def maps(pane):
    with open(f"/proc/{pane.pid()}/maps") as f:
        return f.read()


def has_curl(pane):
    return "libcurl" in maps(pane)


@R.test
def t_no_network():
    """a console on a database in no network never maps libcurl"""
    db = R.path("plain", "vigia.db")
    os.makedirs(os.path.dirname(db))
    R.cli("--db", db, "report", "add", "--location", "5th and Main", "--what", "two vans")
    R.cli("--db", db, "report", "add", "--location", "Elm and 3rd", "--what", "checkpoint")
    c = R.console(["--db", db, "--as", "tester"])
    c.wait_for("two vans", "checkpoint")
    c.keys("j", "k", "j")
    time.sleep(0.5)  # the first loop turns (sync start, outbox worker) are done
    c.wait_for("5th and Main")
    assert not has_curl(c), "libcurl mapped:\n" + maps(c)
    c.keys("q")
    assert c.exit_status() == 0


@R.test
def t_no_icu():
    """Latin reports, shown and wrapped in the detail pane, never map ICU"""
    db = R.path("latin", "vigia.db")
    os.makedirs(os.path.dirname(db))
    R.cli("--db", db, "report", "add", "--location", "Hardware store on 5th",
          "--what", "policía local, no ICE según el testigo; three SUVs and a van, men in"
          " vests talking to day laborers, a caller saw it first-hand (#13)")
    c = R.console(["--db", db, "--as", "tester"])
    c.wait_for("first-hand")
    m = maps(c)
    assert "libicu" not in m, "ICU mapped:\n" + m
    # ICU brings libstdc++; so do the sanitizer runtimes of the CI build.
    if "libasan" not in m and "libubsan" not in m:
        assert "libstdc++" not in m, "libstdc++ mapped:\n" + m
    c.keys("q")
    assert c.exit_status() == 0


@R.test
def t_purge_after_first_frame():
    """the console's start purges contacts past their retention window"""
    db = R.path("purge", "vigia.db")
    os.makedirs(os.path.dirname(db))
    R.cli("--db", db, "report", "add", "--location", "Elm St", "--what", "van",
          "--contact", "+15558675309", env={"VIGIA_NOW": "2026-11-20T10:00:00Z"})
    later = {"VIGIA_NOW": "2026-11-28T10:00:00Z"}
    c = R.console(["--db", db, "--as", "tester"], env=later)
    c.wait_for("tester")
    end = time.monotonic() + 15
    purged = []
    while not purged and time.monotonic() < end:
        with sqlite3.connect(db) as con:
            purged = con.execute("SELECT detail FROM events WHERE kind = 'privacy.purged'"
                                 ).fetchall()
        time.sleep(0.1)
    assert purged and "contacts=1" in purged[0][0], purged
    c.keys("q")
    assert c.exit_status() == 0
    assert "purged 0" in R.cli("--db", db, "purge", env=later)


@R.test
def t_network():
    """a console in a network maps libcurl once sync starts"""
    relay = harness.Relay(R.path("relay.db"))
    try:
        db = R.path("net", "vigia.db")
        os.makedirs(os.path.dirname(db))
        R.cli("--db", db, "network", "create", "--relay", relay.url)
        R.cli("--db", db, "report", "add", "--location", "5th and Main", "--what", "two vans")
        c = R.console(["--db", db, "--as", "tester"])
        c.wait_for("two vans")
        end = time.monotonic() + 15
        while not has_curl(c) and time.monotonic() < end:
            time.sleep(0.1)
        assert has_curl(c), "libcurl never mapped:\n" + maps(c)
        c.keys("q")
        assert c.exit_status() == 0
    finally:
        relay.stop()


@R.test
def t_missing():
    """no loadable libcurl.so.4: sync says so and fails, the rest works"""
    bad = R.path("badlib")
    os.makedirs(bad)
    with open(os.path.join(bad, "libcurl.so.4"), "w") as f:
        f.write("not a library\n")
    db = R.path("net", "vigia.db")  # in a network (t_network)
    env = dict(R.env, LD_LIBRARY_PATH=bad)
    p = subprocess.run([harness.VIGIA, "--db", db, "--as", "tester", "sync", "--once"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0, p
    assert "cannot load libcurl.so.4" in p.stderr, p.stderr
    p = subprocess.run([harness.VIGIA, "--db", db, "--as", "tester", "report", "list"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "two vans" in p.stdout, p


if __name__ == "__main__":
    sys.exit(R.finish())

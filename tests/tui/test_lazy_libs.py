#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""libcurl is loaded on first use (include/vigia/net.h), never at start.

A console on a database in no network never maps libcurl; one in a network
maps it once sync starts; a libcurl that cannot be loaded is a clear error.
Python 3 standard library only.
"""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

R = harness.Run("lazy")
RELAY = os.path.join(harness.BUILD, "vigia-relay")


def maps(pane):
    with open(f"/proc/{pane.pid()}/maps") as f:
        return f.read()


def has_curl(pane):
    return "libcurl" in maps(pane)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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
def t_network():
    """a console in a network maps libcurl once sync starts"""
    port = free_port()
    relay = subprocess.Popen([RELAY, "--port", str(port), "--db", R.path("relay.db")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        db = R.path("net", "vigia.db")
        os.makedirs(os.path.dirname(db))
        R.cli("--db", db, "network", "create", "--relay", f"http://127.0.0.1:{port}")
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
        relay.terminate()
        relay.wait(timeout=10)


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

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Commit-to-arrival latency through vigia-relay on loopback (figures only).

Starts a relay, two databases in one network, and `vigia sync` loops on both
(A's watches its database and pushes at once; B long-polls). Then commits a
report on A (`vigia report add`) and measures, with a 1 ms poll, when the
row appears in B's database. Prints median, p90 and max over N samples.
"""
import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--vigia", default=os.path.join(os.environ.get("VIGIA_BUILD_DIR", "build"), "vigia"))
ap.add_argument("--relay", default=os.path.join(os.environ.get("VIGIA_BUILD_DIR", "build"),
                                                "vigia-relay"))
ap.add_argument("-n", type=int, default=30)
args = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="vigia-bench-sync-")
env = dict(os.environ, XDG_CONFIG_HOME=tmp + "/cfg", XDG_DATA_HOME=tmp + "/data", HOME=tmp,
           LC_ALL="C.UTF-8")
env.pop("VIGIA_NOW", None)
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
relay = subprocess.Popen([args.relay, "--port", str(port), "--db", tmp + "/relay.db"],
                         stderr=subprocess.DEVNULL)
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        break
    except OSError:
        time.sleep(0.05)
os.makedirs(tmp + "/a")
os.makedirs(tmp + "/b")
A, B = tmp + "/a/vigia.db", tmp + "/b/vigia.db"


def vigia(db, *a):
    return subprocess.run([args.vigia, "--db", db, "--as", "bench"] + list(a), env=env,
                          capture_output=True, text=True, check=True).stdout.strip()


inv = vigia(A, "network", "create", "--relay", "http://127.0.0.1:%d" % port)
vigia(B, "network", "join", inv)
vigia(A, "sync", "--once")
vigia(B, "sync", "--once")
loops = [subprocess.Popen([args.vigia, "--db", db, "--as", "bench", "sync", "--quiet"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for db in (A, B)]
time.sleep(1)
con = sqlite3.connect(B, timeout=10)
lat = []
try:
    for i in range(args.n):
        rid = vigia(A, "report", "add", "--location", "5th and Main", "--what", "sample %d" % i)
        t0 = time.monotonic()  # the commit is done when report add returns
        while True:
            if con.execute("SELECT 1 FROM reports WHERE id = ?", (rid,)).fetchone():
                break
            if time.monotonic() - t0 > 30:
                print("sample %d: did not arrive in 30 s" % i)
                break
            time.sleep(0.001)
        lat.append(time.monotonic() - t0)
        time.sleep(0.1)
finally:
    for p in loops:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
    relay.send_signal(signal.SIGTERM)
    relay.wait(10)
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
lat.sort()
ms = [x * 1000 for x in lat]
print("commit on A -> row in B's database via vigia-relay (loopback, long-poll), %d samples:"
      % len(ms))
print("  median %.1f ms, p90 %.1f ms, max %.1f ms, min %.1f ms"
      % (ms[len(ms) // 2], ms[int(len(ms) * 0.9)], ms[-1], ms[0]))

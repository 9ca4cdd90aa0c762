#!/usr/bin/env python3
"""Import benchmark (issue 2: 100,000 reports in under 5 s): prints figures only.

Generates the 100,000 JSON Lines of bench-console.py (same generator, same
seed) once, then times `vigia report import` into a fresh database --runs
times (default 3) and prints, per run: wall time, CPU time (user + sys of
the process), the database size, and the op log's rows and cells (one row
per write, share/doc/op-log.md).

Usage: bench-import.py [--vigia PATH] [--rows N] [--runs N] [--keep DIR]
"""

import argparse
import importlib.util
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_console",
                                                  os.path.join(HERE, "bench-console.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.write_jsonl


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vigia", default=os.path.join(os.getcwd(), "vigia"))
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", help="keep the files in this folder")
    args = ap.parse_args()
    vigia = os.path.abspath(args.vigia)
    if not os.access(vigia, os.X_OK):
        print(f"bench-import: no vigia at {vigia}", file=sys.stderr)
        return 1
    d = args.keep or tempfile.mkdtemp(prefix="vigia-bench-import-")
    os.makedirs(d, exist_ok=True)
    env = dict(os.environ)
    env.update({"XDG_CONFIG_HOME": os.path.join(d, "config"),
                "XDG_DATA_HOME": os.path.join(d, "data"), "LANG": "C.UTF-8"})
    jsonl = os.path.join(d, "reports.jsonl")
    t = time.monotonic()
    load_generator()(jsonl, args.rows, 3)
    print("# generated %d lines (%.1f MB) in %.2f s" %
          (args.rows, os.path.getsize(jsonl) / 1e6, time.monotonic() - t))
    print("run  wall_s  cpu_s  db_MB  op_rows  op_cells")
    walls = []
    for i in range(1, args.runs + 1):
        db = os.path.join(d, f"import{i}.db")
        for sfx in ("", "-wal", "-shm"):
            if os.path.exists(db + sfx):
                os.unlink(db + sfx)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.monotonic()
        p = subprocess.run([vigia, "--db", db, "--as", "bench", "report", "import", jsonl],
                           env=env, capture_output=True, text=True)
        wall = time.monotonic() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            print(f"bench-import: vigia report import failed: {p.stderr.strip()}",
                  file=sys.stderr)
            return 1
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        con = sqlite3.connect(db)
        cols = {r[1] for r in con.execute("PRAGMA table_info(ops)")}
        if "n" in cols:
            rows, cells = con.execute("SELECT count(*), coalesce(sum(n), 0) FROM ops").fetchone()
        else:  # a build from before share/doc/op-log.md: one row per cell
            rows = cells = con.execute("SELECT count(*) FROM ops").fetchone()[0]
        con.close()
        size = sum(os.path.getsize(db + s) for s in ("", "-wal") if os.path.exists(db + s))
        walls.append(wall)
        print("%3d  %6.2f  %5.2f  %5.1f  %7d  %8d" % (i, wall, cpu, size / 1e6, rows, cells))
        if not args.keep:
            os.unlink(db)
    walls.sort()
    print("# import of %d reports: median %.2f s, best %.2f s (target < 5 s)" %
          (args.rows, walls[len(walls) // 2], walls[0]))
    if not args.keep:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

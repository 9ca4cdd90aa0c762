#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Referral directory figures: import a generated directory of N entries (CSV),
import it again (every entry updated), and time searches through the real
binary: everything in the dispatcher's collation, words with accents, and
words + need + language + area. Prints figures; asserts nothing about time.

    tests/bench/bench-resource.py --vigia build-bench/vigia [--entries 5000]
"""
import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vigia", required=True)
    ap.add_argument("--entries", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vigia-bench-resource-")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(tmp, "c"),
               XDG_DATA_HOME=os.path.join(tmp, "d"), VIGIA_DB=os.path.join(tmp, "b.db"),
               LC_ALL="C.UTF-8")
    env.pop("LANGUAGE", None)
    rnd = random.Random(1)
    svc = ["immigration_attorney", "criminal_attorney", "border_support", "legal_aid",
           "bail_financial", "dv_housing_support", "detention_locator"]
    areas = ["San José", "Oakland", "Los Ángeles", "Fresno", "San Francisco",
             "Santa Clara County", "Ñuble"]
    csv = os.path.join(tmp, "dir.csv")
    with open(csv, "w") as f:
        f.write("name,services,languages,areas,contact,notes,checked_at\n")
        for i in range(a.entries):
            f.write(f"\"Organización {i} de Inmigración\",{rnd.choice(svc)};{rnd.choice(svc)},"
                    f"\"es,en\",\"{rnd.choice(areas)}\",555-{i:05d},"
                    f"\"notas {i}, ayuda legal\",2026-0{rnd.randint(1, 9)}-15\n")

    def run(*args):
        t0 = time.perf_counter()
        p = subprocess.run([a.vigia, "--as", "bench"] + list(args), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"vigia {' '.join(args)} failed: {p.stderr.decode()}")
        return dt

    def best(*args):
        return min(run(*args) for _ in range(a.runs))

    print(f"entries                              {a.entries}")
    print(f"import (all new)                     {run('resource', 'import', csv) * 1000:8.1f} ms")
    print(f"import again (all updated)           {run('resource', 'import', csv) * 1000:8.1f} ms")
    print(f"search, everything, es collation     "
          f"{best('--lang', 'es', 'resource', 'search', '--json') * 1000:8.1f} ms (best of {a.runs})")
    print(f"search 'inmigracion' (accents)       "
          f"{best('resource', 'search', 'inmigracion') * 1000:8.1f} ms")
    print(f"search words + need + language + area "
          f"{best('resource', 'search', 'ayuda', '--need', 'bail', '--language', 'español', '--area', 'san jose') * 1000:7.1f} ms")
    print(f"startup only (vigia --version)       {best('--version') * 1000:8.1f} ms")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`vigia report import`: the in-place reader of plain lines (src/app/app-import.c)
and jansson (every other line) must give the same reports and the same errors.

Each case is written twice: as a plain line, and with the same values spelled
so that only jansson can read it (an escaped character, spaces, key order).
Both files are imported into fresh databases and compared field by field.
The op log of an import holds one row per write (share/doc/op-log.md).

TAP output; Python 3 stdlib only.
"""

import json
import os
import re
import sqlite3
import sys

import clitest

T = clitest.Suite("import", now="2026-11-22T10:00:00Z")
TMP = T.tmp
test = T.test
run = T.vigia  # run(*args): vigia --as tester ARGS, stdout and stderr as bytes
counter = [0]


def imp(data):
    """Import @data (bytes) into a fresh database: (process, db path)."""
    counter[0] += 1
    db = os.path.join(TMP, f"i{counter[0]}.db")
    f = os.path.join(TMP, f"i{counter[0]}.jsonl")
    with open(f, "wb") as fh:
        fh.write(data)
    return run("--db", db, "report", "import", f), db


def reports(db):
    p = run("--db", db, "report", "list", "--json", "--all")
    assert p.returncode == 0, p
    out = []
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        r.pop("id", None)
        out.append(r)
    return sorted(out, key=lambda r: (r.get("location") or "", r.get("what") or ""))


PLAIN = [
    '{"location":"5th and Main","what":"two vans","agents":3,"first_hand":true,'
    '"received_at":"2026-11-22T09:00:00Z","category":"workplace","source":"sms"}',
    '{"location": "Dep\u00f3sito \u6771\u4eac", "what": "tres", "agents": 0, "first_hand": false,'
    ' "area": "Norte", "vehicles": null, "contact": "+1 555 867 5309", "updated_at": 5}',
    '{ "what" : "minimal" , "location" : "x" }',
]
# The same values, each line with something only jansson reads.
FULL = [
    '{"location":"5th and M\\u0061in","what":"two vans","agents":3,"first_hand":true,'
    '"received_at":"2026-11-22T09:00:00Z","category":"workplace","source":"sms"}',
    '{"location": "Dep\\u00f3sito \\u6771\\u4eac", "what": "tres", "agents": 0,'
    ' "first_hand": false, "area": "Norte", "vehicles": null, "contact": "+1 555 867 5309",'
    ' "updated_at": 5.0}',
    '{"what":"minimal","location":"\\u0078"}',
]


@test
def t_same_reports():
    """plain lines and lines read by jansson give the same reports"""
    pa, a = imp(("\n".join(PLAIN) + "\n").encode())
    pb, b = imp(("\r\n".join(FULL) + "\n\n").encode())
    assert pa.returncode == 0 and pb.returncode == 0, (pa, pb)
    ra, rb = reports(a), reports(b)
    assert len(ra) == 3 and ra == rb, (ra, rb)
    byloc = {r["location"]: r for r in ra}
    assert byloc["5th and Main"]["agents"] == 3 and byloc["5th and Main"]["first_hand"] is True
    assert byloc["Dep\u00f3sito \u6771\u4eac"]["agents"] == 0
    assert byloc["Dep\u00f3sito \u6771\u4eac"]["first_hand"] is False
    # One op row per write: report, contact and event of each line.
    con = sqlite3.connect(a)
    n = con.execute("SELECT count(*), sum(n) FROM ops WHERE tbl = 'reports'").fetchone()
    assert n[0] == 3 and n[1] > 3, n
    assert con.execute("SELECT count(*) FROM ops WHERE tbl = 'reporter_contacts'").fetchone()[0] == 1
    con.close()


BAD = [
    ('{"location":"a","what":"b","what":"c"}', r"duplicate"),
    ('{"location":"a","what":"b","agents":-0}', None),
    ('{"location":"a","what":"b","agents":007}', None),
    ('{"location":"a","what":"b"} x', None),
    ('{"location":"a","what":"b",}', None),
    ('{"location":"a","what":"b","agents":[1]}', r"agents"),
    ('{"location":"a","what":"b","contact":3}', r"contact"),
    ('{"location":"a","what":"b","nope":1}', r"nope"),
    ('{"location":"a","what":"b","agents":99999999999999999999}', None),
    ('{"location":"a","what":"\x01"}', None),
]


@test
def t_same_errors():
    """lines the in-place reader leaves to jansson fail as before, naming the line"""
    for line, want in BAD:
        good = '{"location":"ok","what":"fine"}\n'
        p, db = imp((good + line + "\n").encode())
        err = p.stderr.decode("utf-8", "replace")
        if line.endswith('"agents":-0}'):
            # jansson reads -0 as the integer 0: a valid line.
            assert p.returncode == 0, (line, p)
            continue
        assert p.returncode != 0, (line, p)
        assert re.search(r":2: ", err), (line, err)
        if want:
            assert re.search(want, err), (line, err)
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM reports").fetchone()[0] == 0, line
        con.close()
    # Invalid UTF-8 in a string (overlong, surrogate, truncated).
    for bad in (b"\xc0\xaf", b"\xed\xa0\x80", b"\xe6\x9d"):
        p, _ = imp(b'{"location":"a","what":"b"}\n{"location":"' + bad + b'","what":"x"}\n')
        assert p.returncode != 0 and b":2: " in p.stderr, (bad, p)


if __name__ == "__main__":
    sys.exit(T.finish())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command-line tests for vigia: every flag of `report add|list|show|import`,
--version/--help, exit statuses, one-line errors, bad databases and bad input.

Runs the real binary ($VIGIA_BUILD_DIR/vigia) in a temporary folder and prints
TAP. Python 3 standard library only.
"""
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

import clitest
from clitest import BUILD, SRC, ULID, VIGIA, Skip, fails, ok

NOW = "2026-11-22T10:00:00Z"

T = clitest.Suite("cli", now=NOW)
T.env["VIGIA_DB"] = T.path("main.db")
TMP = T.tmp
ENV = T.env
test = T.test
vigia = T.vigia  # vigia(*args, db=None, env=None, stdin=b"", prefix=())


def newdb(name):
    path = os.path.join(TMP, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    return path


def add(db, location="Home Depot, 5th St", what="two SUVs, men in vests", *extra):
    r = ok(vigia("report", "add", "--location", location, "--what", what, *extra, db=db))
    rid = r.out.strip()
    assert ULID.match(rid), f"report add should print an id: {r!r}"
    return rid


def listjson(db, *extra):
    r = ok(vigia("report", "list", "--json", *extra, db=db))
    return [json.loads(line) for line in r.out.splitlines() if line.strip()]


def count(db):
    return len(listjson(db, "--all", "--limit", "1000000"))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---- version and help ------------------------------------------------------


@test
def t_version():
    """--version prints the version and exits 0"""
    r = ok(vigia("--version"))
    assert re.match(r"^vigia \d+\.\d+\.\d+", r.out), r
    assert r.err == "", r


@test
def t_help():
    """--help lists the commands and global options"""
    r = ok(vigia("--help"))
    for word in ("report add", "report list", "report show", "report import", "demo",
                 "--db", "--config", "--as", "--lang", "--location", "--what", "--observed",
                 "--contact", "--status", "--limit", "--json"):
        assert word in r.out, f"--help does not mention {word}: {r!r}"


@test
def t_unknown():
    """unknown commands and options exit 2 with a one-line error"""
    fails(vigia("frobnicate"), usage=True, want="frobnicate")
    fails(vigia("--frobnicate"), usage=True, want="frobnicate")
    fails(vigia("report"), usage=True)
    fails(vigia("report", "frobnicate"), usage=True, want="frobnicate")
    fails(vigia("report", "add", "--location", "x", "--what", "y", "--bogus", "z"), usage=True)
    fails(vigia("--db"), usage=True)


@test
def t_no_terminal():
    """the console without a terminal refuses with a clear message"""
    r = fails(vigia(db=newdb("console.db")), usage=False)
    assert "terminal" in r.err, r


# ---- report add ------------------------------------------------------------


@test
def t_add_every_flag():
    """report add takes every flag and --json echoes them"""
    db = newdb("add.db")
    r = ok(vigia("report", "add", "--location", "Ferretería, Calle 5 y Main",
                 "--what", "tres camionetas, agentes con chalecos", "--area", "Centro",
                 "--source", "sms", "--category", "checkpoint", "--agents", "3",
                 "--vehicles", "2 SUVs, 1 van", "--agency", "ICE",
                 "--observed", "15 min ago", "--contact", "+1 (555) 123-4567",
                 "--json", db=db))
    j = json.loads(r.out)
    assert ULID.match(j["id"]), j
    want = {
        "location": "Ferretería, Calle 5 y Main",
        "what": "tres camionetas, agentes con chalecos",
        "area": "Centro", "source": "sms", "category": "checkpoint", "agents": 3,
        "vehicles": "2 SUVs, 1 van", "agency": "ICE", "status": "new",
        "received_at": "2026-11-22T10:00:00.000Z",
        "observed_at": "2026-11-22T09:45:00.000Z",
        "created_by": "tester",
    }
    for k, v in want.items():
        assert j.get(k) == v, f"{k}: {j.get(k)!r} != {v!r} in {j}"
    assert "contact" not in j or j["contact"] is None, f"add --json must not print the contact: {j}"
    # The contact is stored apart and shown by `report show`.
    s = json.loads(ok(vigia("report", "show", j["id"], "--json", db=db)).out)
    assert s.get("contact") and re.sub(r"\D", "", s["contact"]).endswith("5551234567"), s
    # The list carries the same report, without the contact.
    rows = listjson(db)
    assert [x["id"] for x in rows] == [j["id"]], rows
    assert "5551234567" not in json.dumps(rows), "report list leaks the contact"


@test
def t_add_flag_equals():
    """report add accepts --flag=value and prints a bare id"""
    db = newdb("eq.db")
    r = ok(vigia("report", "add", "--location=Parque Central", "--what=van parked",
                 "--category=workplace", "--agents=0", db=db))
    rid = r.out.strip()
    assert ULID.match(rid) and r.out.count("\n") == 1, r
    j = json.loads(ok(vigia("report", "show", rid, "--json", db=db)).out)
    assert j["location"] == "Parque Central" and j["category"] == "workplace", j
    assert j["agents"] == 0, j


@test
def t_add_observed_rfc3339():
    """--observed takes RFC 3339 times and relative times"""
    db = newdb("obs.db")
    for given, want in (("2026-11-22T09:30:00Z", "2026-11-22T09:30:00.000Z"),
                        ("2026-11-22T04:30:00-05:00", "2026-11-22T09:30:00.000Z"),
                        ("15 min ago", "2026-11-22T09:45:00.000Z"),
                        ("2 h ago", "2026-11-22T08:00:00.000Z")):
        r = ok(vigia("report", "add", "--location", "x", "--what", "y", "--observed", given,
                     "--json", db=db))
        got = json.loads(r.out)["observed_at"]
        assert got == want, f"--observed {given!r}: {got!r} != {want!r}"
    fails(vigia("report", "add", "--location", "x", "--what", "y", "--observed", "yesterday-ish",
                db=db))
    fails(vigia("report", "add", "--location", "x", "--what", "y", "--observed",
                "2026-13-45T99:00:00Z", db=db))


@test
def t_add_required():
    """report add without --location or --what is a usage mistake"""
    db = newdb("req.db")
    fails(vigia("report", "add", "--what", "y", db=db), usage=True)
    fails(vigia("report", "add", "--location", "x", db=db), usage=True)
    fails(vigia("report", "add", "--location", db=db), usage=True)
    assert not os.path.exists(db) or count(db) == 0


@test
def t_add_every_source_and_category():
    """every documented source and category is accepted"""
    db = newdb("cats.db")
    for src in ("call", "sms", "telegram", "signal", "walk-in", "social"):
        r = ok(vigia("report", "add", "--location", "x", "--what", "y", "--source", src,
                     "--json", db=db))
        assert json.loads(r.out)["source"] == src, r
    for cat in ("enforcement_sighting", "checkpoint", "workplace", "courthouse", "home_visit",
                "detention_followup", "wage_theft", "harassment", "resource_request",
                "other"):
        r = ok(vigia("report", "add", "--location", "x", "--what", "y", "--category", cat,
                     "--json", db=db))
        assert json.loads(r.out)["category"] == cat, r


@test
def t_add_unknown_category():
    """unknown category and source are refused and nothing is stored"""
    db = newdb("badcat.db")
    add(db)
    fails(vigia("report", "add", "--location", "x", "--what", "y", "--category", "ufo", db=db),
          want="ufo")
    fails(vigia("report", "add", "--location", "x", "--what", "y", "--source", "pigeon", db=db),
          want="pigeon")
    assert count(db) == 1


@test
def t_add_absurd_agents():
    """absurd agent counts (9999, -3, many, 3.5) are refused"""
    db = newdb("agents.db")
    add(db)
    for bad in ("9999", "-3", "many", "3.5", "0x10", "99999999999999999999"):
        fails(vigia("report", "add", "--location", "x", "--what", "y", "--agents", bad, db=db),
              want="agent")
    assert count(db) == 1


@test
def t_add_garbage_phone():
    """a garbage phone number is refused and nothing is stored"""
    db = newdb("phone.db")
    add(db)
    for bad in ("call me maybe", "12", "+1 555 <script>", "5" * 40):
        fails(vigia("report", "add", "--location", "x", "--what", "y", "--contact", bad, db=db))
    assert count(db) == 1


TEXT_FLAGS = ("--location", "--what", "--area", "--vehicles", "--agency", "--contact")


@test
def t_add_bad_utf8():
    """invalid UTF-8 in every text field is refused"""
    db = newdb("utf8.db")
    add(db)
    for flag in TEXT_FLAGS:
        for bad in (b"caf\xe9", b"\xff\xfe", b"ok\xc3", b"\xed\xa0\x80surrogate"):
            args = {"--location": b"x", "--what": b"y"}
            args[flag] = bad
            argv = ["report", "add"]
            for k, v in args.items():
                argv += [k, v]
            r = fails(vigia(*argv, db=db))
            assert flag[2:] in r.err, f"error should name the field {flag}: {r!r}"
    assert count(db) == 1


@test
def t_add_control_chars():
    """ESC and other control characters in every text field are refused"""
    db = newdb("ctl.db")
    add(db)
    for flag in TEXT_FLAGS:
        for bad in ("a\x1b[31mred", "\x1b]0;title\x07", "bell\x07", "nul\x01x", "del\x7f"):
            args = {"--location": "x", "--what": "y"}
            args[flag] = bad
            argv = ["report", "add"]
            for k, v in args.items():
                argv += [k, v]
            r = fails(vigia(*argv, db=db))
            assert flag[2:] in r.err, f"error should name the field {flag}: {r!r}"
    assert count(db) == 1
    out = ok(vigia("report", "list", db=db)).out + ok(vigia("report", "list", "--json", db=db)).out
    assert "\x1b" not in out


@test
def t_add_unicode_ok():
    """Spanish, CJK and emoji text is stored and shown unchanged"""
    db = newdb("uni.db")
    loc = "Esquina de Ñandú y Pío XII, 東京"
    what = "señora dice: «dos vans blancas» 🚐"
    rid = add(db, loc, what)
    j = json.loads(ok(vigia("report", "show", rid, "--json", db=db)).out)
    assert j["location"] == loc and j["what"] == what, j
    assert loc in ok(vigia("report", "show", rid, db=db)).out
    assert loc in ok(vigia("report", "list", db=db)).out


# ---- report list and show ----------------------------------------------------


@test
def t_list():
    """report list orders, limits, filters by status and prints JSON Lines"""
    db = newdb("list.db")
    ids = [add(db, f"place {i}", f"thing {i}") for i in range(5)]
    rows = listjson(db)
    assert sorted(x["id"] for x in rows) == sorted(ids), rows
    for x in rows:
        for k in ("id", "received_at", "status", "category", "source", "priority",
                  "location", "what"):
            assert k in x, f"list --json lacks {k}: {x}"
    assert len(listjson(db, "--limit", "2")) == 2
    assert len(listjson(db, "--limit=3")) == 3
    assert {x["id"] for x in listjson(db, "--status", "new")} == set(ids)
    assert listjson(db, "--status", "confirmed") == []
    plain = ok(vigia("report", "list", db=db)).out.splitlines()
    assert len(plain) == 5 and all(any(i in line for i in ids) for line in plain), plain
    assert len(ok(vigia("report", "list", "--limit", "1", db=db)).out.splitlines()) == 1
    fails(vigia("report", "list", "--status", "bogus", db=db), usage=True, want="bogus")
    for bad in ("0", "-1", "lots", ""):
        fails(vigia("report", "list", "--limit", bad, db=db), usage=True)
    fails(vigia("report", "list", "--limit", db=db), usage=True)
    fails(vigia("report", "list", "--bogus", db=db), usage=True)


@test
def t_list_empty():
    """report list on an empty database prints nothing and exits 0"""
    db = newdb("empty.db")
    r = ok(vigia("report", "list", db=db))
    assert r.out == "", r
    assert ok(vigia("report", "list", "--json", db=db)).out == ""


@test
def t_show():
    """report show prints one report for people and as JSON"""
    db = newdb("show.db")
    rid = add(db, "Calle 8 y Flagler", "agentes preguntando papeles", "--agents", "4",
              "--agency", "HSI", "--contact", "+15557654321")
    r = ok(vigia("report", "show", rid, db=db))
    for s in (rid, "Calle 8 y Flagler", "agentes preguntando papeles", "HSI", "4"):
        assert s in r.out, f"show lacks {s}: {r!r}"
    j = json.loads(ok(vigia("report", "show", rid, "--json", db=db)).out)
    assert j["id"] == rid and j["agents"] == 4 and j["agency"] == "HSI", j
    fails(vigia("report", "show", "01ZZZZZZZZZZZZZZZZZZZZZZZZ", db=db), usage=False)
    fails(vigia("report", "show", "not-an-id", db=db))
    fails(vigia("report", "show", db=db), usage=True)
    fails(vigia("report", "show", rid, rid, db=db), usage=True)


# ---- report import -----------------------------------------------------------


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@test
def t_import():
    """report import reads JSON Lines; only location and what are required"""
    db = newdb("imp.db")
    f = write("imp.jsonl",
              '{"location": "A", "what": "one"}\n'
              '\n'
              '{"location": "B", "what": "two", "category": "workplace", "agents": 2,'
              ' "area": "Norte", "source": "sms", "observed_at": "2026-11-22T09:00:00Z"}\n'
              '{"location": "C", "what": "tres, con acentos: ñ"}\n')
    r = ok(vigia("report", "import", f, db=db))
    assert "3" in r.err + r.out, f"import should say how many: {r!r}"
    rows = {x["location"]: x for x in listjson(db)}
    assert set(rows) == {"A", "B", "C"}, rows
    assert rows["B"]["category"] == "workplace" and rows["B"]["agents"] == 2, rows["B"]
    assert rows["B"]["observed_at"] == "2026-11-22T09:00:00.000Z", rows["B"]
    assert rows["C"]["what"] == "tres, con acentos: ñ"


@test
def t_import_all_or_nothing():
    """a bad line fails the whole import, naming its line number"""
    db = newdb("imp2.db")
    add(db)
    cases = [
        ('{"location": "A", "what": "one"}\n{"location": "B"}\n', "2"),
        ('{"location": "A", "what": "one"}\n{"location": "B", "what": "x"}\nnot json\n', "3"),
        ('{"location": "A", "what": "one", "category": "ufo"}\n', "1"),
        ('{"location": "A", "what": "one"}\n{"location": "A", "what": "x", "agents": 9999}\n',
         "2"),
        ('{"location": "A\\u001b[2J", "what": "one"}\n', "1"),
        ('[1, 2, 3]\n', "1"),
    ]
    for i, (text, line) in enumerate(cases):
        f = write(f"bad{i}.jsonl", text)
        r = fails(vigia("report", "import", f, db=db))
        assert re.search(rf"(:|line ){line}\b", r.err), f"error should name line {line}: {r!r}"
    f = write("badutf8.jsonl", b'{"location": "A", "what": "one"}\n{"location": "\xff", "what": "x"}\n')
    r = fails(vigia("report", "import", f, db=db))
    assert re.search(r"(:|line )2\b", r.err), r
    assert count(db) == 1, "a failed import must store nothing"


@test
def t_import_errors():
    """import of a missing file or without a file fails cleanly"""
    db = newdb("imp3.db")
    fails(vigia("report", "import", os.path.join(TMP, "no-such.jsonl"), db=db), usage=False)
    fails(vigia("report", "import", db=db), usage=True)
    r = ok(vigia("report", "import", write("empty.jsonl", ""), db=db))
    assert count(db) == 0, r


@test
def t_import_round_trip():
    """list --json output imports into another database unchanged"""
    a = newdb("rt-a.db")
    b = newdb("rt-b.db")
    add(a, "Calle Ocho", "dos vans", "--area", "Pequeña Habana", "--category", "workplace",
        "--agents", "6", "--vehicles", "2 vans", "--agency", "ICE", "--source", "telegram",
        "--observed", "20 min ago")
    add(a, "Courthouse, 2nd floor", "agents at the elevator", "--category", "courthouse")
    add(a, "東京 street", "minimal")
    dump = ok(vigia("report", "list", "--json", "--all", db=a)).out
    f = write("rt.jsonl", dump)
    ok(vigia("report", "import", f, db=b))
    keep = ("id", "location", "what", "area", "category", "source", "agents", "vehicles",
            "agency", "observed_at", "received_at", "status", "lat", "lon")
    ra = sorted(({k: x.get(k) for k in keep} for x in listjson(a, "--all")),
                key=lambda x: x["location"])
    rb = sorted(({k: x.get(k) for k in keep} for x in listjson(b, "--all")),
                key=lambda x: x["location"])
    assert ra == rb, f"round trip changed reports:\n{ra}\n{rb}"


# ---- bad databases -----------------------------------------------------------


@test
def t_db_missing_folder():
    """a database path in a missing folder is a clear error, nothing created"""
    folder = os.path.join(TMP, "no", "such", "folder")
    r = fails(vigia("report", "list", db=os.path.join(folder, "v.db")), usage=False)
    assert "folder" in r.err or "director" in r.err or "no/such" in r.err, r
    fails(vigia("report", "add", "--location", "x", "--what", "y",
                db=os.path.join(folder, "v.db")), usage=False)
    assert not os.path.exists(os.path.join(TMP, "no")), "must not create folders"


@test
def t_db_not_vigia():
    """a file that is not a vigia database is refused and left unchanged"""
    samples = {
        "text.db": b"hello, this is a shopping list\n" * 10,
        "empty-sqlite.db": None,  # a valid SQLite file from another program
        "zeros.db": b"\0" * 4096,
    }
    for name, data in samples.items():
        path = os.path.join(TMP, name)
        if data is None:
            import sqlite3
            if os.path.exists(path):
                os.unlink(path)
            c = sqlite3.connect(path)
            c.execute("create table recipes (name text, stars int)")
            c.execute("insert into recipes values ('flan', 5)")
            c.commit()
            c.close()
        else:
            with open(path, "wb") as f:
                f.write(data)
        before = sha256(path)
        for argv in (("report", "list"), ("report", "add", "--location", "x", "--what", "y")):
            r = fails(vigia(*argv, db=path), usage=False)
            assert "vigia database" in r.err or "not a" in r.err, f"{name}: {r!r}"
        assert sha256(path) == before, f"{name} was modified"
        assert not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") == 0, name


@test
def t_db_old_layout():
    """a database from an earlier development build is refused by name and left unchanged"""
    import sqlite3
    path = newdb("old-layout.db")
    add(path, "5th and Main", "two vans")
    c = sqlite3.connect(path)
    c.execute("DROP INDEX subscribers_tag")
    c.execute("ALTER TABLE subscribers DROP COLUMN contact_tag")
    c.commit()
    c.close()
    before = sha256(path)
    for argv in (("report", "list"), ("report", "add", "--location", "x", "--what", "y")):
        r = fails(vigia(*argv, db=path), usage=False)
        assert "development build" in r.err and "left untouched" in r.err, r
    assert sha256(path) == before, "the old database was modified"


@test
def t_db_corrupt():
    """a corrupt database gives a clear message, not a crash"""
    good = newdb("good.db")
    for i in range(40):
        add(good, f"place {i} " + "x" * 150, f"thing {i} " + "y" * 900)
    size = os.path.getsize(good)
    assert size > 16384, size
    messages = 0
    for variant in ("middle", "most", "header"):
        bad = newdb(f"corrupt-{variant}.db")
        shutil.copyfile(good, bad)
        with open(bad, "r+b") as f:
            if variant == "middle":
                f.seek(size // 2 - 2048)
                f.write(bytes((i * 37 + 11) % 256 for i in range(4096)))
            elif variant == "most":
                f.seek(4096)
                f.write(bytes((i * 37 + 11) % 256 for i in range(size - 8192)))
            else:  # the schema page after the 100-byte file header
                f.seek(100)
                f.write(b"\xa5" * 1000)
        for argv in (("report", "list"), ("report", "list", "--json"),
                     ("report", "add", "--location", "x", "--what", "y")):
            r = vigia(*argv, db=bad)
            if r.rc != 0:
                fails(r, usage=False)
                messages += 1
    # Heavy damage must be noticed, not silently read as an empty queue.
    assert messages >= 3, f"corruption went unnoticed ({messages} errors)"


@test
def t_db_readonly():
    """a read-only database can be read; writing fails with a clear message"""
    db = newdb("ro.db")
    rid = add(db)
    before = sha256(db)
    os.chmod(db, 0o444)
    prefix = ()
    try:
        if os.access(db, os.W_OK):
            # root ignores file modes: drop to nobody when we can.
            setpriv = shutil.which("setpriv")
            if os.geteuid() != 0 or setpriv is None:
                raise Skip("chmod does not stop writes here")
            prefix = (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")
            os.chmod(TMP, 0o755)
            if vigia("--version", prefix=prefix).rc != 0:
                raise Skip("running as root and user nobody cannot run the binary")
        r = vigia("report", "list", db=db, prefix=prefix)
        if r.rc == 0:
            assert rid in r.out, r
        else:
            fails(r, usage=False)
        r = fails(vigia("report", "add", "--location", "x", "--what", "y", db=db, prefix=prefix),
                  usage=False)
        assert "read" in r.err.lower() or "permission" in r.err.lower() \
            or "cannot" in r.err.lower(), r
        assert sha256(db) == before
    finally:
        os.chmod(db, 0o644)
        os.chmod(TMP, 0o700)


@test
def t_db_env_and_flag():
    """VIGIA_DB picks the database; --db overrides it"""
    a = newdb("env-a.db")
    b = newdb("env-b.db")
    ok(vigia("report", "add", "--location", "via env", "--what", "x", env={"VIGIA_DB": a}))
    ok(vigia("report", "add", "--location", "via flag", "--what", "x", db=b,
             env={"VIGIA_DB": a}))
    assert [x["location"] for x in listjson(a)] == ["via env"]
    assert [x["location"] for x in listjson(b)] == ["via flag"]


@test
def t_default_db_location():
    """with no --db or VIGIA_DB the database lives under $XDG_DATA_HOME/vigia"""
    home = tempfile.mkdtemp(dir=TMP)
    env = {"XDG_DATA_HOME": os.path.join(home, "data"),
           "XDG_CONFIG_HOME": os.path.join(home, "config")}
    e = dict(ENV)
    e.update(env)
    e.pop("VIGIA_DB")
    p = subprocess.run([VIGIA, "--as", "tester", "report", "add", "--location", "x", "--what",
                        "y"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e, cwd=TMP,
                       timeout=60)
    assert p.returncode == 0, p
    assert os.path.exists(os.path.join(home, "data", "vigia", "vigia.db")), os.listdir(home)


# ---- languages ---------------------------------------------------------------


def po_translations():
    """msgid -> msgstr from po/es.po (enough of a parser for our files)."""
    path = os.path.join(SRC, "po", "es.po")
    out = {}
    if not os.path.exists(path):
        return out
    cur = None
    key = None
    entry = {}

    def unq(s):
        return json.loads(s) if s.startswith('"') else ""

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("#~"):
                continue
            if line.startswith("msgid "):
                if entry.get("msgid") is not None and entry.get("msgstr"):
                    if "fuzzy" not in entry.get("flags", ""):
                        out[entry["msgid"]] = entry["msgstr"]
                flags = entry.get("next_flags", "")
                entry = {"msgid": unq(line[6:]), "flags": flags}
                key = "msgid"
            elif line.startswith("msgstr "):
                entry["msgstr"] = unq(line[7:])
                key = "msgstr"
            elif line.startswith("msgstr[0] "):
                entry["msgstr"] = unq(line[10:])
                key = "msgstr"
            elif line.startswith('"') and key:
                entry[key] = entry.get(key, "") + unq(line)
            elif line.startswith("#,"):
                entry["next_flags"] = line
            elif line.startswith("msgid_plural") or line.startswith("msgstr["):
                key = None
        if entry.get("msgid") is not None and entry.get("msgstr") \
                and "fuzzy" not in entry.get("flags", ""):
            out[entry["msgid"]] = entry["msgstr"]
    return out


@test
def t_lang_es():
    """--lang es shows Spanish help and errors when es.po translates them"""
    tr = po_translations()
    en = ok(vigia("--help")).out
    es = ok(vigia("--lang", "es", "--help")).out
    if not tr.get(en):
        raise Skip("po/es.po does not translate the current help text")
    mo = os.path.join(BUILD, "po", "es", "LC_MESSAGES", "vigia.mo")
    if not os.path.exists(mo):
        raise Skip("translations not built (no po/es/LC_MESSAGES/vigia.mo)")
    assert es != en, "--lang es --help is still English"
    assert es == tr[en], "--lang es --help differs from es.po's translation"
    same = ok(vigia("--lang=es", "--help")).out
    assert same == es
    # An error message, if translated.
    msg = "report show needs a report id"
    if tr.get(msg):
        r = fails(vigia("--lang", "es", "report", "show"), usage=True)
        assert tr[msg] in r.err, r


@test
def t_lang_es_report_add():
    """--lang es keeps JSON keys and values in English"""
    db = newdb("lang.db")
    r = ok(vigia("--lang", "es", "report", "add", "--location", "x", "--what", "y", "--json",
                 db=db))
    j = json.loads(r.out)
    assert j["status"] == "new" and "location" in j, j


if __name__ == "__main__":
    sys.exit(T.finish())

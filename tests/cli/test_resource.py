#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command-line tests for the referral directory: `vigia resource
add|import|search|show|remove` and `vigia refer`.

Import errors name the file and line (and column for YAML) and store
nothing; search ignores case and accents and filters by need, language and
area; names follow the collation of --lang; the sample is marked; a referral
shows on the report's timeline. Runs the real binary in a temporary folder
and prints TAP. Python 3 standard library only.
"""
import json
import os
import re
import sys

import clitest
from clitest import SRC, ULID, ok

NOW = "2026-11-22T10:00:00Z"
SAMPLE = os.path.join(SRC, "share", "vigia", "resources-sample.yaml")
HINT = "Try 'vigia --help'."

T = clitest.Suite("resource", tz="UTC", now=NOW)
TMP = T.tmp
test = T.test


def vigia(*args, db, env=None, actor="tester"):
    return T.vigia(*args, db=db, env=env, who=actor)


def fails(r, rc, want):
    return clitest.fails(r, rc=rc, want=want, flags=0, hint=HINT)


def newdb(name):
    return os.path.join(TMP, name)


def put(name, text, mode="w"):
    path = os.path.join(TMP, name)
    with open(path, mode) as f:
        f.write(text)
    return path


def search(db, *args, env=None):
    r = ok(vigia("resource", "search", "--json", *args, db=db, env=env))
    return [json.loads(line) for line in r.out.splitlines() if line.strip()]


@test
def t_sample():
    """the sample imports, is marked SAMPLE and never checked, with the five hotlines"""
    db = newdb("sample.db")
    r = ok(vigia("resource", "import", SAMPLE, db=db))
    assert "5 resources added" in r.out and "SAMPLE" in r.out, r
    rows = search(db)
    phones = sorted(x["contact"] for x in rows)
    assert phones == sorted(["415-200-1548", "408-290-1144", "888-624-4752", "1-844-363-1423",
                             "212-725-6422"]), rows
    assert all(x["sample"] and x["unchecked"] and x["checked_at"] is None for x in rows), rows
    r = ok(vigia("resource", "search", "santa clara", db=db))
    assert "408-290-1144" in r.out and "[SAMPLE]" in r.out and "[never checked]" in r.out, r
    assert "replace them" in r.out, r
    # Importing again updates by name; nothing doubles.
    r = ok(vigia("resource", "import", SAMPLE, db=db))
    assert "0 resources added, 5 updated" in r.out, r
    assert len(search(db)) == 5
    # An entry of one's own under a sample's name replaces it; the rest go at once.
    own = put("own.yaml", "resources:\n  - name: united we dream\n    services: legal_aid\n"
                          "    contact: 1-844-363-1423\n    checked_at: 2026-11-20\n")
    r = ok(vigia("resource", "import", own, db=db))
    assert "0 resources added, 1 updated" in r.out and "SAMPLE" not in r.out, r
    r = ok(vigia("resource", "remove", "--sample", db=db))
    assert "4 sample entries removed" in r.out, r
    (x,) = search(db)
    assert x["name"] == "united we dream" and not x["sample"] and not x["unchecked"], x


@test
def t_import_errors():
    """import errors name FILE:LINE (CSV) or FILE:LINE:COLUMN (YAML) and store nothing"""
    db = newdb("errors.db")
    csv = put("bad.csv", "name,services,contact\r\nUno,legal_aid,1\r\n\"Dos\",plumbing,2\r\n")
    fails(vigia("resource", "import", csv, db=db), 1,
          re.escape(csv) + r":3: services: unknown service 'plumbing'")
    csv = put("open.csv", "name,services,contact,notes\nUno,legal_aid,1,\"a\nb\"\n"
                          "Dos,legal_aid,2,\"never closed\n")
    fails(vigia("resource", "import", csv, db=db), 1,
          re.escape(csv) + r":4: a quoted field opened on line 4 is never closed")
    yml = put("bad.yaml", "resources:\n  - name: Uno\n    services: legal_aid\n"
                          "    contact: 1\n    detained: maybe\n")
    fails(vigia("resource", "import", yml, db=db), 1,
          re.escape(yml) + r":5:15: detained: say yes, no or unknown")
    yml = put("nocontact.yaml", "resources:\n  - name: Uno\n    services: legal_aid\n")
    fails(vigia("resource", "import", yml, db=db), 1, re.escape(yml) + r":2:5: contact")
    fails(vigia("resource", "import", db=db), 2, "needs one FILE")
    fails(vigia("resource", "import", os.path.join(TMP, "missing.csv"), db=db), 1, "cannot read")
    assert search(db) == []


@test
def t_csv_import():
    """CSV with a BOM, CRLF, quoted commas and newlines imports whole"""
    db = newdb("csv.db")
    csv = put("good.csv", "\ufeffname,services,languages,areas,contact,notes\r\n"
                          "\"Abogados Unidos, Inc.\",immigration_attorney;criminal_attorney,"
                          "\"Spanish, English\",San José,408-555-0100,\"Dice \"\"gratis\"\"\r\n"
                          "dos líneas\"\r\n", mode="w")
    r = ok(vigia("resource", "import", csv, db=db))
    assert "1 resource added" in r.out, r
    (x,) = search(db)
    assert x["name"] == "Abogados Unidos, Inc.", x
    assert x["services"] == ["immigration_attorney", "criminal_attorney"], x
    assert x["languages"] == ["es", "en"], x
    assert x["notes"] == "Dice \"gratis\"\ndos líneas", x


def add(db, name, service, *extra):
    r = ok(vigia("resource", "add", "--name", name, "--service", service, "--contact", "555-0100",
                 *extra, db=db))
    rid = r.out.strip()
    assert ULID.match(rid), r
    return rid


@test
def t_search():
    """search ignores case and accents, filters by need, language and area"""
    db = newdb("search.db")
    add(db, "Centro de Inmigración", "immigration_attorney", "--language", "Español,English",
        "--area", "San José")
    add(db, "Fianzas Unidas", "bail", "--language", "es", "--notes", "ayuda de inmigracion")
    add(db, "Nube Legal", "legal_aid", "--language", "vi", "--area", "Oakland")
    names = lambda *a: [x["name"] for x in search(db, *a)]  # noqa: E731
    assert names("inmigracion") == ["Centro de Inmigración", "Fianzas Unidas"], names("inmigracion")
    assert names("INMIGRACIÓN") == ["Centro de Inmigración", "Fianzas Unidas"]
    assert names("--need", "bail") == ["Fianzas Unidas"]
    assert names("--need", "immigration") == ["Centro de Inmigración"]
    assert names("--language", "español") == ["Centro de Inmigración", "Fianzas Unidas"]
    assert names("--language", "Vietnamese") == ["Nube Legal"]
    assert names("--area", "san jose") == ["Centro de Inmigración", "Fianzas Unidas"]
    assert names("nothing-like-this") == []
    fails(vigia("resource", "search", "--need", "plumbing", db=db), 1, "unknown need 'plumbing'")
    fails(vigia("resource", "search", "--bogus", db=db), 2, "unknown argument")
    r = ok(vigia("resource", "search", "zzz", db=db))
    assert "no resource matches" in r.out, r


@test
def t_collation():
    """names are ordered by the collation of --lang (Ñ after N in Spanish)"""
    db = newdb("coll.db")
    for n in ("Oso Legal", "Ñandú Legal", "Nube Legal"):
        add(db, n, "legal_aid")
    en = [x["name"] for x in search(db)]
    es = [x["name"] for x in search(db, env={"LANGUAGE": "es"})]
    assert en == ["Ñandú Legal", "Nube Legal", "Oso Legal"], en
    assert es == ["Nube Legal", "Ñandú Legal", "Oso Legal"], es
    r = ok(vigia("--lang", "es", "resource", "search", "--json", db=db))
    assert [json.loads(line)["name"] for line in r.out.splitlines()] == es, r


@test
def t_unchecked():
    """entries not checked within resource_check_days are flagged"""
    db = newdb("checked.db")
    conf = put("short.yaml", "resource_check_days: 10\n")
    add(db, "Revisado", "legal_aid", "--checked", "2026-11-01")
    (x,) = search(db)
    assert x["unchecked"] is False and x["checked_days_ago"] == 21, x
    r = ok(vigia("--config", conf, "resource", "search", db=db))
    assert "[not checked for 21 days]" in r.out, r
    r = ok(vigia("resource", "show", "revisado", db=db))
    assert "2026-11-01" in r.out and "not checked" not in r.out, r
    fails(vigia("resource", "add", "--name", "X", "--service", "legal_aid", "--contact", "1",
                "--checked", "2027-01-01", db=db), 1, "checked_at: in the future")


@test
def t_show_remove():
    """show by id or name, --json, and remove"""
    db = newdb("show.db")
    rid = add(db, "Casa Refugio", "dv_housing_support", "--detained", "no", "--fees", "free",
              "--courts", "San Francisco Immigration Court")
    r = ok(vigia("resource", "show", rid, "--json", db=db))
    x = json.loads(r.out)
    assert x["id"] == rid and x["detained"] is False and x["non_detained"] is None, x
    assert x["courts"] == ["San Francisco Immigration Court"], x
    r = ok(vigia("resource", "show", "casa refugio", db=db))
    assert "domestic violence or housing support" in r.out, r
    fails(vigia("resource", "show", "nobody", db=db), 1, "no resource 'nobody'")
    fails(vigia("resource", "add", "--name", "X", db=db), 2, "needs --name, --service")
    fails(vigia("resource", "add", "--name", "X", "--service", "plumbing", "--contact", "1", db=db),
          1, "unknown service")
    ok(vigia("resource", "remove", rid, db=db))
    assert search(db) == []
    fails(vigia("resource", "remove", rid, db=db), 1, "no resource")


@test
def t_refer():
    """refer records the organisation on the report's timeline, with a reminder"""
    db = newdb("refer.db")
    rid = add(db, "Fianzas Unidas", "bail")
    r = ok(vigia("report", "add", "--location", "5th and Main", "--what", "brother detained",
                 db=db))
    report = r.out.strip()
    ok(vigia("refer", report, "fianzas", "--note", "gave the number", "--remind", "2h", db=db))
    r = ok(vigia("events", "--report", report, "--json", db=db))
    events = [json.loads(line) for line in r.out.splitlines() if line.strip()]
    kinds = {e["kind"]: e for e in events}
    assert "resource.referred" in kinds and "followup.drafted" in kinds, events
    ref = kinds["resource.referred"]
    assert ref["report_id"] == report and ref["actor"] == "tester", ref
    assert ref["detail"]["resource_id"] == rid and ref["detail"]["name"] == "Fianzas Unidas", ref
    assert ref["detail"]["note"] == "gave the number", ref
    assert kinds["followup.drafted"]["detail"]["due_at"] == "2026-11-22T12:00:00.000Z", events
    r = ok(vigia("events", "--report", report, db=db))
    assert "referred to Fianzas Unidas: gave the number" in r.out, r
    assert "did the caller reach Fianzas Unidas?" in r.out, r
    r = ok(vigia("resource", "followups", db=db))
    assert "no follow-up is due" in r.out, r
    r = ok(vigia("resource", "followups", "--json", db=db,
                 env={"VIGIA_NOW": "2026-11-22T12:05:00Z"}))
    (due,) = [json.loads(line) for line in r.out.splitlines()]
    assert due["report_id"] == report and due["detail"]["name"] == "Fianzas Unidas", due
    r = ok(vigia("resource", "followups", db=db, env={"VIGIA_NOW": "2026-11-22T12:05:00Z"}))
    assert "did the caller reach Fianzas Unidas?" in r.out and report in r.out, r
    ok(vigia("resource", "followup-done", due["id"], "--note", "they called back", db=db,
             env={"VIGIA_NOW": "2026-11-22T12:06:00Z"}))
    r = ok(vigia("resource", "followups", db=db, env={"VIGIA_NOW": "2026-11-22T12:07:00Z"}))
    assert "no follow-up is due" in r.out, r
    r = ok(vigia("events", "--report", report, db=db, env={"VIGIA_NOW": "2026-11-22T12:07:00Z"}))
    assert "followed up on Fianzas Unidas: they called back" in r.out, r
    fails(vigia("resource", "followup-done", rid, db=db), 1, "no follow-up reminder")
    fails(vigia("resource", "followup-done", db=db), 2, "needs the reminder's id")
    fails(vigia("refer", report, db=db), 2, "needs a REPORT and a RESOURCE")
    fails(vigia("refer", report, rid, "--remind", "soonish", db=db), 2, "cannot read 'soonish'")
    fails(vigia("refer", report, "nobody", db=db), 1, "no resource 'nobody'")
    fails(vigia("refer", "01M80GKDEJSQ8QF80CW6EMN736", rid, db=db), 1, "no report")
    fails(vigia("refer", report, rid, db=db, actor=None), 1, "dispatcher name")


if __name__ == "__main__":
    sys.exit(T.finish())

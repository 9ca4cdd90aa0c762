#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Privacy tests for vigia (issue 9), run against the real binary:

- a known phone number is in the database file before a passphrase is set
  and nowhere in the file or its WAL after (migration), nor for reports taken
  while the vault is locked;
- locked contacts show as locked; VIGIA_PASSPHRASE_FILE unlocks, and must be
  mode 600; a wrong passphrase is refused; changing it works;
- the kernel keyring keeps the key between starts; `lock` drops it;
- the purge after the retention window (injected clock, VIGIA_NOW) removes
  the contact, leaves no trace in the raw file, and records counts only;
- `wipe --yes` leaves no database, WAL, SHM or keyring entry;
- `export` masks personal data by default; --with-personal-data needs the
  passphrase;
- subscribers' contacts are sealed (rows, op log, the outbox's copies) and
  found by their keyed tag: the list masks them, the same number is never
  added twice, a STOP reply opts out the right subscriber (kept sealed while
  locked and applied at the next unlock).

Prints TAP. Python 3 standard library only.
"""
import base64
import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import sys
import time

import clitest
from clitest import ok

NOW = "2026-11-22T10:00:00Z"
PHONE = "+1 (555) 867-5309"
DIGITS = b"5558675309"
PASS = "correct horse battery staple"

T = clitest.Suite("privacy", now=NOW, env={
    "VIGIA_PWHASH": "fast",  # Argon2id's minimum cost: tests only
    "VIGIA_NO_KEYRING": "1",  # the keyring test turns it back on
})
TMP = T.tmp
test = T.test


def vigia(db, *args, env=None, stdin=b""):
    # A new session: no controlling terminal.
    return T.vigia(*args, db=db, env=env, stdin=stdin, new_session=True)


def fails(r, want=None, rc=None):
    assert r.rc != 0, f"expected failure: {r!r}"
    assert r.err.startswith("vigia: "), f"one-line error expected: {r!r}"
    if want:
        assert re.search(want, r.err, re.I), f"error should match {want!r}: {r!r}"
    if rc is not None:
        assert r.rc == rc, f"exit status {rc} expected: {r!r}"
    return r


def passfile(name, text, mode=0o600):
    p = os.path.join(TMP, name)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.chmod(p, mode)
    return p


PASSFILE = passfile("pass", PASS)
WITH_PASS = {"VIGIA_PASSPHRASE_FILE": PASSFILE}


def newdb(name):
    return os.path.join(TMP, name + ".db")


def raw(db):
    """The bytes of the database and its WAL, as an undelete tool would see them."""
    data = b""
    for sfx in ("", "-wal"):
        if os.path.exists(db + sfx):
            with open(db + sfx, "rb") as f:
                data += f.read()
    return data


def add(db, contact=PHONE, what="three SUVs, men in vests", env=None, extra=()):
    r = ok(vigia(db, "report", "add", "--location", "1234 Main St, Apt 5", "--what", what,
                 "--contact", contact, *extra, env=env))
    return r.out.strip()


def show_contact(db, rid, env=None):
    r = ok(vigia(db, "report", "show", rid, env=env))
    m = re.search(r"^contact:\s+(.*)$", r.out, re.M)
    return m.group(1) if m else None


def sql(db, q):
    con = sqlite3.connect(db)
    try:
        return con.execute(q).fetchall()
    finally:
        con.close()


def fingerprint(db):
    pk = sql(db, "SELECT value FROM sync_state WHERE key = 'vault.pk'")[0][0]
    pk = base64.urlsafe_b64decode(pk + "=" * (-len(pk) % 4))
    return hashlib.blake2b(pk, digest_size=8).hexdigest()


def keyring_has(desc):
    """True when a live key named @desc is in /proc/keys (invalidated ones linger, flag i)."""
    try:
        with open("/proc/keys", encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 8 and fields[8].rstrip(":") == desc:
            if not any(c in fields[1] for c in "iRD"):
                return True
    return False


# The op log's cells: one row of ops holds the cells of one write as a JSON
# object (share/doc/op-log.md).
OP_CELLS = ("(SELECT o.tbl AS tbl, o.row_id AS row_id, j.key AS col, j.value AS value"
            " FROM ops o, json_each(o.cols) j)")


@test
def t_plain_then_sealed():
    """a phone number is in the file before a passphrase, gone after (rows, op log, WAL)"""
    db = newdb("seal")
    rid = add(db)
    assert DIGITS in raw(db) or b"+15558675309" in raw(db) or b"15558675309" in raw(db), \
        "sanity: the number should be in the file before a passphrase is set"
    r = ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    assert re.search(r"1 personal values? sealed|[1-9] personal values sealed", r.out), r
    data = raw(db)
    assert DIGITS not in data, "phone number still in the database file after sealing"
    assert b"15558675309" not in data
    # The op log held it too, possibly as an integer: no op value of the cell may be plain.
    for (v,) in sql(db, "SELECT value FROM " + OP_CELLS + " WHERE col = 'contact' AND value IS NOT NULL"):
        assert isinstance(v, str) and v.startswith("vg:"), f"unsealed op value {v!r}"
    assert show_contact(db, rid).startswith("locked")
    assert show_contact(db, rid, env=WITH_PASS) == "+15558675309"
    ok(vigia(db, "passphrase", "status"))


@test
def t_locked_writes_sealed():
    """a call taken while locked is sealed at once: no passphrase needed to write"""
    db = newdb("locked")
    add(db, contact="+15550001111")
    ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    rid = add(db, contact="+1 555 000 2222")
    r = ok(vigia(db, "passphrase", "status"))
    assert "locked" in r.out, r
    assert b"5550002222" not in raw(db)
    assert show_contact(db, rid).startswith("locked")
    assert show_contact(db, rid, env=WITH_PASS) == "+15550002222"


@test
def t_wrong_and_bad_files():
    """wrong passphrase refused; passphrase file must be 600; set twice refused"""
    db = newdb("wrong")
    rid = add(db)
    ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    wrong = passfile("wrong", "not the passphrase")
    fails(vigia(db, "report", "show", rid, env={"VIGIA_PASSPHRASE_FILE": wrong}),
          want="wrong passphrase", rc=1)
    loose = passfile("loose", PASS, 0o644)
    fails(vigia(db, "report", "list", env={"VIGIA_PASSPHRASE_FILE": loose}), want="600")
    fails(vigia(db, "passphrase", "set", env=WITH_PASS), want="already set")
    short = passfile("short", "abc")
    fails(vigia(newdb("short"), "passphrase", "set", env={"VIGIA_PASSPHRASE_FILE": short}),
          want="too short")
    # No terminal and no file: refused, not hung.
    fails(vigia(db, "unlock"), want="no terminal")


@test
def t_change():
    """passphrase change: the new one opens, the old one no longer does"""
    db = newdb("change")
    rid = add(db)
    ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    new = passfile("new", "a brand new passphrase")
    ok(vigia(db, "passphrase", "change", "--new-file", new, env=WITH_PASS))
    fails(vigia(db, "report", "show", rid, env=WITH_PASS), want="wrong passphrase")
    assert show_contact(db, rid, env={"VIGIA_PASSPHRASE_FILE": new}) == "+15558675309"
    assert DIGITS not in raw(db)


@test
def t_keyring():
    """unlock keeps the key in the kernel keyring between starts; lock drops it"""
    db = newdb("keyring")
    rid = add(db)
    ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    kr = {"VIGIA_NO_KEYRING": None}
    desc = "vigia:vault:" + fingerprint(db)
    r = ok(vigia(db, "unlock", env={**WITH_PASS, **kr}))
    if keyring_has(desc) is not True:
        print(f"# SKIP keyring: kernel keyring not available here ({r.out.strip()})")
        return
    # A new process, no passphrase file: the keyring unlocks it.
    assert show_contact(db, rid, env=kr) == "+15558675309"
    assert "unlocked" in ok(vigia(db, "passphrase", "status", env=kr)).out
    ok(vigia(db, "lock", env=kr))
    assert keyring_has(desc) is False, "lock should drop the keyring entry"
    assert show_contact(db, rid, env=kr).startswith("locked")
    # The keyring holds the key, never the database file.
    assert DIGITS not in raw(db)


@test
def t_purge():
    """purge after the window: contact gone from queries and raw file, event has counts only"""
    db = newdb("purge")
    old = add(db)  # received at NOW, expires NOW+4h
    ok(vigia(db, "report", "add", "--location", "Elm St", "--what", "van",
             "--contact", "+15554443333", env={"VIGIA_NOW": "2026-11-26T10:00:00Z"}))
    early = ok(vigia(db, "purge", env={"VIGIA_NOW": "2026-11-25T13:00:00Z"}))
    assert "purged 0" in early.out, early
    assert show_contact(db, old) == "+15558675309"
    r = ok(vigia(db, "purge", env={"VIGIA_NOW": "2026-11-25T15:00:00Z"}))
    assert "purged 1" in r.out, r
    assert show_contact(db, old) is None
    data = raw(db)
    assert DIGITS not in data, "purged number still in the raw file (secure_delete/WAL)"
    assert b"5554443333" in data, "the contact inside its window must stay"
    rows = sql(db, "SELECT detail FROM events WHERE kind = 'privacy.purged'")
    assert len(rows) == 1, rows
    assert re.fullmatch(r"contacts=1 followups=0 optouts=0 people=0 ops=\d+", rows[0][0]), rows
    # The purge is an op with a NULL value: it syncs to the other devices.
    ops = sql(db, "SELECT count(*) FROM " + OP_CELLS + " WHERE tbl = 'reporter_contacts'"
                  " AND col = 'contact' AND value IS NULL")
    assert ops[0][0] >= 1, ops
    # A shorter window from the config applies.
    cfg = os.path.join(TMP, "short.yaml")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write("contact_retention_hours: 1\n")
    r = ok(vigia(db, "--config", cfg, "purge", env={"VIGIA_NOW": "2026-11-26T15:30:00Z"}))
    assert "purged 1" in r.out, r


@test
def t_purge_sealed():
    """purge of a sealed contact works without the passphrase"""
    db = newdb("purge2")
    old = add(db)
    ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    r = ok(vigia(db, "purge", env={"VIGIA_NOW": "2026-11-26T10:00:00Z"}))
    assert "purged 1" in r.out, r
    assert show_contact(db, old, env=WITH_PASS) is None
    for (v,) in sql(db, "SELECT value FROM " + OP_CELLS + " WHERE col = 'contact'"):
        assert v is None, f"op value left after purge: {v!r}"


@test
def t_wipe():
    """wipe --yes leaves no database, WAL, SHM or keyring entry"""
    db = newdb("wipe")
    add(db)
    ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    desc = "vigia:vault:" + fingerprint(db)
    ok(vigia(db, "unlock", env={**WITH_PASS, "VIGIA_NO_KEYRING": None}))
    # Without --yes and without a terminal: refused, nothing touched.
    fails(vigia(db, "wipe"), rc=2)
    assert os.path.exists(db)
    # The file gateway's log of sent messages (subscribers' contacts) goes too.
    sinkdir = os.path.join(TMP, "data", "vigia")
    os.makedirs(sinkdir, exist_ok=True)
    sink = os.path.join(sinkdir, "sink.jsonl")
    with open(sink, "w", encoding="utf-8") as f:
        f.write('{"to": "+15558675309"}\n')
    # Keep a reader open so -wal and -shm exist while wiping.
    con = sqlite3.connect(db)
    con.execute("SELECT count(*) FROM reports").fetchall()
    r = ok(vigia(db, "wipe", "--yes"))
    assert re.search(r"wiped in \d+\.\d\d s", r.out), r
    print(f"# wipe: {r.out.strip()}")
    con.close()
    for sfx in ("", "-wal", "-shm", "-journal"):
        assert not os.path.exists(db + sfx), f"{db + sfx} left after wipe"
    assert keyring_has(desc) is not True, "keyring entry left after wipe"
    assert not os.path.exists(sink), "the file sink's messages survived the wipe"
    # Wiping what is not a vigia database is refused.
    other = os.path.join(TMP, "other.db")
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE t(x)")
    c.commit()
    c.close()
    fails(vigia(other, "wipe", "--yes"), want="not a vigia")
    assert os.path.exists(other)


@test
def t_export_masks():
    """export masks personal data by default (JSON and CSV); full export needs the passphrase"""
    db = newdb("export")
    rid = add(db, what="caller at 555-867-5309 saw vans", extra=("--lat", "37.774929",
                                                                  "--lon", "-122.419416"))
    ok(vigia(db, "passphrase", "set", env=WITH_PASS))
    r = ok(vigia(db, "export"))
    rows = [json.loads(x) for x in r.out.splitlines() if x.strip()]
    assert len(rows) == 1 and rows[0]["id"] == rid, r
    o = rows[0]
    assert "contact" not in o, o
    assert o["location"] == "Main St", o
    assert "555" not in o["what"] and "[phone]" in o["what"], o
    assert abs(o["lat"] - 37.77) < 1e-9 and abs(o["lon"] + 122.42) < 1e-9, o
    assert o.get("created_by") is None, o
    assert "5309" not in r.out
    c = ok(vigia(db, "export", "--format", "csv"))
    table = list(csv.reader(io.StringIO(c.out)))
    assert table[0][:3] == ["id", "received_at", "observed_at"] and "contact" not in table[0], c
    assert len(table) == 2 and "5309" not in c.out, c
    fails(vigia(db, "export", "--with-personal-data"), want="terminal|passphrase")
    full = ok(vigia(db, "export", "--with-personal-data", env=WITH_PASS))
    fo = json.loads(full.out.splitlines()[0])
    assert fo["contact"] == "+15558675309" and fo["location"] == "1234 Main St, Apt 5", fo
    fails(vigia(db, "export", "--format", "xml"), rc=2)
    # A file export with personal data is private.
    out = os.path.join(TMP, "full.csv")
    with open(out, "w", encoding="utf-8") as f:  # an existing, world-readable file
        f.write("old\n")
    os.chmod(out, 0o644)
    ok(vigia(db, "export", "--format", "csv", "--with-personal-data", "--output", out,
             env=WITH_PASS))
    assert os.stat(out).st_mode & 0o077 == 0, oct(os.stat(out).st_mode)
    kinds = sql(db, "SELECT detail FROM events WHERE kind = 'privacy.exported' ORDER BY at")
    assert any("personal=yes" in k[0] for k in kinds), kinds


SUB_CFG = os.path.join(TMP, "subcfg")
SUB_A, SUB_B, SUB_C = "+1 (555) 201-7788", "(555) 201-7799", "555.201.7766"
SUB_DIGITS = (b"5552017788", b"5552017799", b"5552017766")


def sub_env(extra=None):
    """A config with a default country (national numbers) and an SMS channel (never reached)."""
    os.makedirs(os.path.join(SUB_CFG, "vigia"), exist_ok=True)
    with open(os.path.join(SUB_CFG, "vigia", "config.yaml"), "w", encoding="utf-8") as f:
        f.write("default_country: US\n"
                "channels:\n"
                "  sms: {gateway: twilio, base_url: \"http://127.0.0.1:9\","
                " account_sid: AC00000000000000000000000000000000, auth_token: test-token,"
                " from: \"+15550001111\"}\n")
    return {"XDG_CONFIG_HOME": SUB_CFG, **(extra or {})}


def no_sub_digits(db, when):
    data = raw(db)
    for d in SUB_DIGITS:
        assert d not in data, f"{d!r} in the database file {when}"


def sub_rows(db):
    return {r[0]: r[1:] for r in sql(db, "SELECT id, opted_out_at, contact_tag FROM subscribers")}


@test
def t_subscribers_sealed():
    """subscribers: contacts sealed (rows, op log, outbox), list masked, no duplicates, STOP by tag"""
    db = newdb("subs")
    env, unlocked = sub_env(), sub_env(WITH_PASS)
    ida = ok(vigia(db, "subscriber", "add", SUB_A, env=env)).out.strip()
    idb = ok(vigia(db, "subscriber", "add", SUB_B, "--language", "es", env=env)).out.strip()
    idc = ok(vigia(db, "subscriber", "add", SUB_C, env=env)).out.strip()
    assert len({ida, idb, idc}) == 3
    assert SUB_DIGITS[0] in raw(db), "sanity: the number is in the file before a passphrase"
    # Without a vault: plaintext, found by contact, a second add merges.
    r = ok(vigia(db, "subscriber", "add", "555-201-7788", env=env))
    assert r.out.startswith(ida) and "merged" in r.out, r
    r = ok(vigia(db, "passphrase", "set", env=env | WITH_PASS))
    no_sub_digits(db, "after the passphrase was set")
    for (v,) in sql(db, "SELECT value FROM " + OP_CELLS + " WHERE tbl = 'subscribers'"
                        " AND col = 'contact'"):
        assert isinstance(v, str) and v.startswith("vg:"), f"unsealed op value {v!r}"
    rows = sub_rows(db)
    assert all(t and re.fullmatch(r"[0-9a-f]{32}", t) for _, t in rows.values()), rows
    assert len({t for _, t in rows.values()}) == 3, rows

    # Locked: list shows no contact, and will not show them in full.
    r = ok(vigia(db, "subscriber", "list", env=env))
    assert r.out.count("(locked)") == 3 and "7788" not in r.out, r
    fails(vigia(db, "subscriber", "list", "--show-contacts", env=env), want="vigia unlock")
    # Unlocked: masked unless asked.
    r = ok(vigia(db, "subscriber", "list", env=unlocked))
    assert "+•••••••••88" in r.out and "5552017788" not in r.out, r
    r = ok(vigia(db, "subscriber", "list", "--show-contacts", "--json", env=unlocked))
    got = {j["id"]: j for j in map(json.loads, r.out.splitlines())}
    assert got[ida]["contact"] == "+15552017788" and got[idb]["contact"] == "+15552017799", got
    assert not got[ida]["contact_locked"], got

    # The same number again: refused while locked (it could not be recognised), merged unlocked.
    fails(vigia(db, "subscriber", "add", SUB_A, env=env), want="locked.*vigia unlock")
    csvf = os.path.join(TMP, "subs.csv")
    with open(csvf, "w", encoding="utf-8") as f:
        f.write("contact,channel\n555 201 7788,sms\n")
    fails(vigia(db, "subscriber", "import", csvf, env=env), want="vigia unlock")
    r = ok(vigia(db, "subscriber", "add", "555 201 7788", "--area", "eastside", env=unlocked))
    assert r.out.startswith(ida) and "merged" in r.out, r
    r = ok(vigia(db, "subscriber", "import", csvf, env=unlocked))
    assert "0 added, 1 merged" in r.out, r
    # A new one added unlocked is sealed and tagged at once.
    idd = ok(vigia(db, "subscriber", "add", "+15552017755", env=unlocked)).out.strip()
    assert len(sub_rows(db)) == 4 and sub_rows(db)[idd][1], sub_rows(db)
    no_sub_digits(db, "after adding while unlocked")

    # Approval copies the sealed contacts into the outbox: no number there either.
    rec = os.path.join(TMP, "subs-report.jsonl")
    with open(rec, "w", encoding="utf-8") as f:
        f.write(json.dumps({"location": "Hardware store on 5th", "what": "three SUVs",
                            "area": "Eastside", "status": "confirmed"}) + "\n")
    ok(vigia(db, "report", "import", rec, env=env))
    rid = sql(db, "SELECT id FROM reports")[0][0]
    bid = ok(vigia(db, "broadcast", "draft", "--report", rid, "--channel", "sms", "--all-areas",
                   env=env)).out.strip()
    r = ok(vigia(db, "broadcast", "approve", bid, env=env))
    assert "4 messages queued" in r.out, r
    out = sql(db, "SELECT subscriber_id, contact FROM outbox")
    assert len(out) == 4 and all(c.startswith("vg:") for _, c in out), out
    no_sub_digits(db, "after approval")

    # STOP while locked: kept sealed, applied at the next unlock, to that subscriber only.
    r = ok(vigia(db, "subscriber", "reply", "--from", SUB_B, "STOP", env=env))
    assert "applies when personal data is unlocked" in r.out, r
    assert sub_rows(db)[idb][0] is None
    pend = sql(db, "SELECT contact FROM subscriber_optouts")
    assert len(pend) == 1 and pend[0][0].startswith("vg:"), pend
    no_sub_digits(db, "with a STOP kept while locked")
    ok(vigia(db, "passphrase", "status", env=unlocked))  # any start that unlocks applies it
    rows = sub_rows(db)
    assert rows[idb][0] is not None and rows[ida][0] is None and rows[idc][0] is None, rows
    assert sql(db, "SELECT count(*) FROM subscriber_optouts")[0][0] == 0
    # STOP unlocked: at once, by tag, the right subscriber.
    r = ok(vigia(db, "subscriber", "reply", "--from", "555-201-7766", "stop", env=unlocked))
    assert r.out.strip() == "opted out", r
    rows = sub_rows(db)
    assert rows[idc][0] is not None and rows[ida][0] is None and rows[idd][0] is None, rows
    # Opting out by number needs the key too; by id it does not.
    fails(vigia(db, "subscriber", "optout", SUB_A, env=env), want="vigia unlock")
    r = ok(vigia(db, "subscriber", "optout", SUB_A, env=unlocked))
    assert "1 subscription opted out" in r.out, r
    r = ok(vigia(db, "subscriber", "list", "--all", env=env))
    assert r.out.count("opted out") == 3, r
    no_sub_digits(db, "at the end")


@test
def t_optout_forgotten():
    """an opted-out subscriber's number is forgotten after optout_retention_days; the opt-out stays"""
    db = newdb("optout")
    env, unlocked = sub_env(), sub_env(WITH_PASS)
    ok(vigia(db, "passphrase", "set", env=env | WITH_PASS))
    sid = ok(vigia(db, "subscriber", "add", SUB_A, env=unlocked)).out.strip()
    keep = ok(vigia(db, "subscriber", "add", SUB_B, env=unlocked)).out.strip()
    ok(vigia(db, "subscriber", "reply", "--from", SUB_A, "STOP", env=unlocked))
    # Within the window (30 days by default) nothing goes.
    day = 24 * 3600 * 1000
    now = int(time.time() * 1000)
    r = ok(vigia(db, "purge", env=unlocked | {"VIGIA_NOW": str(now + 29 * day)}))
    assert "0 opted-out" in r.out, r
    r = ok(vigia(db, "purge", env=unlocked | {"VIGIA_NOW": str(now + 31 * day)}))
    assert "1 opted-out" in r.out, r
    got = {j["id"]: j for j in map(json.loads, ok(vigia(
        db, "subscriber", "list", "--all", "--show-contacts", "--json", env=unlocked)).out.splitlines())}
    assert not got[sid]["contact"] and got[sid]["opted_out_at"], got[sid]
    assert got[keep]["contact"] == "+15552017799" and not got[keep]["opted_out_at"], got[keep]
    # Nothing left of it in the row or the op log, sealed or not.
    assert sql(db, f"SELECT contact FROM subscribers WHERE id = '{sid}'")[0][0] == ""
    cells = sql(db, "SELECT value FROM " + OP_CELLS + " WHERE tbl = 'subscribers'"
                    f" AND col = 'contact' AND row_id = '{sid}'")
    assert all(v in (None, "") for (v,) in cells), cells
    # The keyed tag still knows the number: added again, it stays opted out.
    r = ok(vigia(db, "subscriber", "add", SUB_A, env=unlocked))
    assert r.out.startswith(sid) and "merged" in r.out, r
    assert sub_rows(db)[sid][0] is not None


@test
def t_subscribers_foreign_key():
    """subscribers sealed with a key this device lacks: adding or opting out refuses, no duplicate"""
    db = newdb("subs-foreign")
    env = sub_env()
    ok(vigia(db, "subscriber", "add", "+15552017711", env=env))
    # As if synced from a device of the network that has the personal-data key.
    con = sqlite3.connect(db)
    con.execute("INSERT INTO subscribers(id, contact, channel, language)"
                " VALUES ('01JB0000000000000000000009', 'vg:AQID', 'sms', 'en')")
    con.commit()
    con.close()
    fails(vigia(db, "subscriber", "add", "+15552017722", env=env), want="network's key")
    fails(vigia(db, "subscriber", "reply", "--from", "+15552017722", "STOP", env=env),
          want="network's key")
    assert sql(db, "SELECT count(*) FROM subscribers")[0][0] == 2
    # Another channel with no sealed rows works as before.
    ok(vigia(db, "subscriber", "add", "@vecinos", "--channel", "telegram", env=env))


FU_NAME = "Xochitl Quetzalli Ramirez"
FU_PHONE, FU_DIGITS = "(510) 555-0187", b"5105550187"
FU_ANUM, FU_ADIGITS = "A-204 881 736", b"204881736"


def followup_env(when):
    return {"VIGIA_NOW": str(when)}


def no_followup_data(db, when):
    data = raw(db)
    for needle in (FU_DIGITS, FU_ADIGITS, FU_NAME.encode(), b"Xochitl", b"Mesa Verde North"):
        assert needle not in data, f"{needle!r} readable in the file {when}"


@test
def t_followup_people():
    """people of a detention follow-up: sealed (rows, op log, WAL), masked, purged, not exported"""
    db = newdb("followup")
    now = 1795000000000  # ms
    day = 24 * 3600 * 1000
    env = followup_env(now)
    rid = ok(vigia(db, "report", "add", "--location", "Elm St", "--what", "a man taken",
                   "--category", "detention_followup", env=env)).out.strip()
    # Before a passphrase: stored unsealed, and the command says so.
    first = ok(vigia(db, "followup", "add", rid, "--name", FU_NAME, "--relation", "detained",
                     "--phone", FU_PHONE, "--a-number", FU_ANUM, "--held-at", "Mesa Verde North",
                     "--note", "family calls daily", env=env))
    pid = first.out.strip()
    assert re.fullmatch(r"[0-9A-Z]{26}", pid), first
    assert "passphrase" in first.err, first
    assert FU_DIGITS in raw(db), "sanity: the number is in the file before a passphrase"
    ok(vigia(db, "passphrase", "set", env=env | WITH_PASS))
    no_followup_data(db, "after sealing")
    # Added while locked: sealed at once, with only the public key.
    ok(vigia(db, "followup", "add", rid, "--name", "Xochitl Sister", "--relation", "sibling",
             "--phone", "+1 510 555 0187", env=followup_env(now + 1000)))
    no_followup_data(db, "after a locked add")
    # Every personal cell of the op log is sealed.
    for col, v in sql(db, "SELECT col, value FROM " + OP_CELLS + " WHERE tbl = 'followup_people'"
                          " AND col IN ('name', 'phone', 'a_number', 'where_held', 'notes')"):
        assert v is None or (isinstance(v, str) and v.startswith("vg:")), (col, v)
    # Locked: listed as locked, and --show-personal is refused.
    lst = [json.loads(x) for x in ok(vigia(db, "followup", "list", rid, "--json",
                                           env=env)).out.splitlines()]
    assert len(lst) == 2 and all(p["locked"] and p["name"] is None for p in lst), lst
    fails(vigia(db, "followup", "list", rid, "--show-personal", env=env), want="locked")
    # Unlocked: masked by default, in full when asked.
    masked = ok(vigia(db, "followup", "list", rid, env=env | WITH_PASS)).out
    assert "Xochitl" not in masked and "0187" not in masked and "881" not in masked, masked
    assert "+•••••••••87" in masked and "A-•••-•••-•36" in masked and "X•••" in masked, masked
    full = [json.loads(x) for x in ok(vigia(db, "followup", "list", rid, "--show-personal",
                                            "--json", env=env | WITH_PASS)).out.splitlines()]
    assert full[0]["name"] == FU_NAME and full[0]["phone"] == "+15105550187", full
    assert full[0]["a_number"] == "A-204-881-736" and full[0]["relation"] == "detained", full
    assert full[0]["where_held"] == "Mesa Verde North", full
    assert full[1]["relation"] == "sibling", full
    # Validation names the field.
    fails(vigia(db, "followup", "add", rid, "--name", "X", "--a-number", "A-12", env=env),
          want="a-number")
    fails(vigia(db, "followup", "add", rid, "--name", "X", "--phone", "call me", env=env),
          want="phone")
    fails(vigia(db, "followup", "add", rid, "--name", "X", "--relation", "cousin", env=env),
          want="relation")
    fails(vigia(db, "followup", "add", rid, "--name", "bad\x1b[2J", env=env), want="name")
    fails(vigia(db, "followup", "add", "01JB0000000000000000000000", "--name", "X", env=env),
          want="no report")
    fails(vigia(db, "followup", "add", rid, env=env), rc=2)
    # Exports: none of it without --with-personal-data; all of it with.
    exp = ok(vigia(db, "export", env=env | WITH_PASS))
    assert "people" not in exp.out and "Xochitl" not in exp.out and "0187" not in exp.out, exp
    csvx = ok(vigia(db, "export", "--format", "csv", env=env | WITH_PASS)).out
    assert "Xochitl" not in csvx and "0187" not in csvx, csvx
    fullx = json.loads(ok(vigia(db, "export", "--with-personal-data",
                                env=env | WITH_PASS)).out.splitlines()[0])
    assert [p["name"] for p in fullx["people"]] == [FU_NAME, "Xochitl Sister"], fullx
    fullc = list(csv.reader(io.StringIO(ok(vigia(db, "export", "--format", "csv",
                                                 "--with-personal-data",
                                                 env=env | WITH_PASS)).out)))
    assert fullc[0][-1] == "people" and len(fullc[1]) == len(fullc[0]), fullc
    assert fullc[1][-1].startswith(FU_NAME + " (detained) +15105550187 A-204-881-736; "), fullc
    # Remove: a tombstone without the personal data, history scrubbed.
    sister = full[1]["id"]
    ok(vigia(db, "followup", "remove", sister, env=env))
    assert len(ok(vigia(db, "followup", "list", rid, "--json", env=env)).out.splitlines()) == 1
    assert sql(db, f"SELECT name, phone, deleted_at IS NOT NULL FROM followup_people"
                   f" WHERE id = '{sister}'")[0] == ("", None, 1)
    cells = sql(db, "SELECT value FROM " + OP_CELLS + f" WHERE row_id = '{sister}'"
                    " AND col IN ('name', 'phone')")
    assert cells and all(v in (None, "") for (v,) in cells), cells
    fails(vigia(db, "followup", "remove", sister, env=env), want="no follow-up person")
    # Retention: nothing goes while the report is open, nor within the window after it closes.
    r = ok(vigia(db, "purge", env=followup_env(now + 60 * day)))
    assert "people" not in r.out, r
    ok(vigia(db, "status", rid, "closed", "--note", "released", env=followup_env(now + day)))
    r = ok(vigia(db, "purge", env=followup_env(now + 30 * day)))
    assert "people" not in r.out, r
    assert full[0]["name"] in ok(vigia(db, "followup", "list", rid, "--show-personal",
                                       env=env | WITH_PASS)).out
    # Past followup_retention_days (30) after closing: cleared through the write path.
    r = ok(vigia(db, "purge", env=followup_env(now + 32 * day)))
    assert "cleared 1 person" in r.out, r
    row = sql(db, f"SELECT name, phone, a_number, where_held, notes FROM followup_people"
                  f" WHERE id = '{pid}'")[0]
    assert row == ("", None, None, None, None), row
    cells = sql(db, "SELECT col, value FROM " + OP_CELLS + f" WHERE row_id = '{pid}'"
                    " AND col IN ('name', 'phone', 'a_number', 'where_held', 'notes')")
    assert all(v in (None, "") for _, v in cells), cells
    # ...as an op (it syncs), counted in the timeline without names.
    assert any(v == "" for c, v in cells if c == "name"), cells
    ev = sql(db, "SELECT detail FROM events WHERE kind = 'privacy.purged'")
    assert any("people=1" in d for (d,) in ev), ev
    no_followup_data(db, "after the purge")


@test
def t_followup_warning():
    """report add warns when a detention follow-up's text holds a phone or A-number"""
    db = newdb("followup-warn")
    r = ok(vigia(db, "report", "add", "--location", "Elm St", "--category", "detention_followup",
                 "--what", "took Juan, A-204 881 736, wife at 510 555 0187"))
    assert "vigia followup add" in r.err, r
    r = ok(vigia(db, "report", "add", "--location", "Elm St", "--category", "detention_followup",
                 "--what", "took a man near the school"))
    assert "followup" not in r.err, r
    r = ok(vigia(db, "report", "add", "--location", "Elm St", "--what", "call 510 555 0187"))
    assert "followup" not in r.err, r


@test
def t_argon2_figure():
    """passphrase set at the shipped Argon2id cost reports the time (a figure, not a limit)"""
    db = newdb("argon")
    r = ok(vigia(db, "passphrase", "set", env={**WITH_PASS, "VIGIA_PWHASH": None}))
    m = re.search(r"took (\d+\.\d+) s", r.out)
    assert m, r
    print(f"# Argon2id (3 passes, 64 MiB) on this machine: {m.group(1)} s")
    assert sql(db, "SELECT value FROM sync_state WHERE key = 'vault.mem'")[0][0] == 64 << 20


if __name__ == "__main__":
    sys.exit(T.finish())

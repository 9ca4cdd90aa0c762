#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sync tests with a real vigia-relay on 127.0.0.1: two (and three) databases
in one network see each other's reports; offline edits converge; the relay
survives restarts and kill -9 without losing an acknowledged batch; a flipped
byte, a replayed and a dropped batch are detected; garbage and truncated HTTP
requests get 4xx and the relay stays up; wrong token 401; oversized 413;
rate limit 429; a key rotation cuts a removed device off.

Python 3 standard library only; prints TAP.
"""
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import clitest
from clitest import RELAY, VIGIA, Relay

T = clitest.Suite("sync")
TMP = T.tmp
ENV = T.env
test = T.test


class Device:
    def __init__(self, name):
        self.name = name
        d = os.path.join(TMP, name)  # a folder each: the sync loop watches it
        os.makedirs(d, exist_ok=True)
        self.db = os.path.join(d, "vigia.db")

    def run(self, *args, check=True, timeout=60):
        p = clitest.vigia(*args, env=ENV, db=self.db, db_first=True, who="tester-" + self.name,
                          text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError("%s %s: exit %d\n%s%s" % (self.name, args, p.returncode,
                                                           p.stdout, p.stderr))
        return p

    def add(self, what):
        return self.run("report", "add", "--location", "5th and Main", "--what",
                        what).stdout.strip()

    def sync(self, check=True):
        return self.run("sync", "--once", check=check)

    def reports(self):
        out = self.run("report", "list", "--all", "--json").stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        if len(rows) == 1 and isinstance(rows[0], list):
            rows = rows[0]
        return {r["id"]: r for r in rows}


def relay_rows(relay):
    con = sqlite3.connect(relay.db, timeout=10)
    rows = con.execute("SELECT cursor, device, seq, body FROM batches ORDER BY cursor").fetchall()
    con.close()
    return rows


def b64url_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def invite_keys(invite):
    obj = json.loads(b64url_dec(invite.split(".", 1)[1]))
    return obj, {int(k): b64url_dec(v) for k, v in obj["keys"].items()}


def verifier(key, epoch):
    # libsodium crypto_kdf_derive_from_key(32, epoch, "vigiarel", key)
    salt = epoch.to_bytes(8, "little") + bytes(8)
    return hashlib.blake2b(b"", digest_size=32, key=key, salt=salt,
                           person=b"vigiarel" + bytes(8)).digest()


def http(method, url, body=None, headers=None, timeout=10):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def raw(port, data, shut=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    if shut:
        s.shutdown(socket.SHUT_WR)
    out = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out


relay = Relay(os.path.join(TMP, "relay.db"))
A, B, C = Device("a"), Device("b"), Device("c")
state = {}


@test
def t_create_join():
    """network create prints a one-line invite; join on another database"""
    p = A.run("network", "create", "--relay", relay.url)
    inv = p.stdout.strip()
    assert inv.startswith("vigia-invite-1.") and "\n" not in inv, p.stdout
    state["invite"] = inv
    B.run("network", "join", inv)
    # A second create on the same database is refused.
    p = A.run("network", "create", "--relay", relay.url, check=False)
    assert p.returncode == 1 and "already belongs" in p.stderr, p.stderr
    assert A.run("network", "invite").stdout.strip() == inv


@test
def t_report_reaches_b():
    """report add on A + sync --once on both: B has it"""
    rid = A.add("three SUVs and a van")
    A.sync()
    B.sync()
    r = B.reports()
    assert rid in r and r[rid]["what"] == "three SUVs and a van", r
    A.sync()
    devs = A.run("network", "devices").stdout
    assert "tester-a" in devs and "tester-b" in devs, devs


@test
def t_thread():
    """dispatch thread: A posts, B sees it unread once; bad text refused"""
    A.run("thread", "post", "anyone know a lawyer for a Honduran case in Oakland?")
    A.sync()
    B.sync()
    rows = [json.loads(l) for l in B.run("thread", "--json").stdout.splitlines()]
    mine = [r for r in rows if "Honduran" in r["body"]]
    assert len(mine) == 1 and mine[0]["unread"] and not mine[0]["mine"], rows
    assert mine[0]["author"] == "tester-a" and mine[0]["at"].endswith("Z"), rows
    rows = [json.loads(l) for l in B.run("thread", "--json").stdout.splitlines()]
    assert not [r for r in rows if r["unread"]], rows
    out = B.run("thread").stdout
    assert "tester-a: anyone know a lawyer" in out, out
    rows = [json.loads(l) for l in A.run("thread", "--json").stdout.splitlines()]
    assert rows[-1]["mine"] and not rows[-1]["unread"], rows
    p = A.run("thread", "post", "bad \x1b[31m escape", check=False)
    assert p.returncode == 1 and "message:" in p.stderr, p.stderr
    p = A.run("thread", "post", "   ", check=False)
    assert p.returncode == 1, p.stderr


@test
def t_offline_converge():
    """relay down: both edit offline, reconnect, all converge"""
    relay.stop()
    ra = A.add("offline on A")
    p = A.sync(check=False)
    assert p.returncode == 1 and "unreachable" in p.stderr, p.stderr
    st = A.run("network", "status").stdout
    assert "1" in st or "ops waiting" in st, st
    rb = B.add("offline on B")
    relay.start()
    A.sync()
    B.sync()
    A.sync()
    ka, kb = A.reports(), B.reports()
    assert ra in kb and rb in ka, (ka.keys(), kb.keys())
    assert set(ka) == set(kb)
    for k in ka:
        assert ka[k]["what"] == kb[k]["what"] and ka[k]["status"] == kb[k]["status"]


@test
def t_restart_and_kill9():
    """relay restart and kill -9 lose no acknowledged batch"""
    r1 = A.add("before restart")
    A.sync()
    relay.stop()
    relay.start()
    r2 = A.add("before kill -9")
    A.sync()  # acknowledged
    relay.stop(signal.SIGKILL)
    relay.start()
    B.sync()
    kb = B.reports()
    assert r1 in kb and r2 in kb


@test
def t_flipped_byte():
    """a byte flipped in a stored envelope: refused, nothing applied, warned"""
    rid = A.add("tampered batch")
    A.sync()
    rows = relay_rows(relay)
    cur, dev, seq, body = rows[-1]
    for where in (len(body) // 2, len(body) - 10, 40):  # ciphertext, signature, header
        bad = bytearray(body)
        bad[where] ^= 0x01
        con = sqlite3.connect(relay.db, timeout=10)
        con.execute("UPDATE batches SET body = ? WHERE cursor = ?", (bytes(bad), cur))
        con.commit()
        con.close()
        d = Device("tamper%d" % where)
        d.run("network", "join", state["invite"])
        p = d.sync(check=False)
        assert p.returncode == 3 and "refused" in p.stderr, (where, p.returncode, p.stderr)
        assert rid not in d.reports(), "tampered batch was applied"
    # B, which had not seen it yet, refuses it too.
    p = B.sync(check=False)
    assert p.returncode == 3 and "refused" in (p.stderr + p.stdout), p.stderr
    assert rid not in B.reports()
    con = sqlite3.connect(relay.db, timeout=10)
    con.execute("UPDATE batches SET body = ? WHERE cursor = ?", (body, cur))
    con.commit()
    con.close()
    # Recovery: A sends everything again; B drops what it has and gets the rest.
    A.run("network", "resend")
    A.sync()
    B.sync()
    assert rid in B.reports(), "resend did not recover the refused batch"


@test
def t_replay():
    """a replayed batch is detected and ignored"""
    rid = A.add("replayed")
    A.sync()
    rows = relay_rows(relay)
    cur, dev, seq, body = rows[-1]
    con = sqlite3.connect(relay.db, timeout=10)
    net = con.execute("SELECT network, epoch FROM batches WHERE cursor = ?", (cur,)).fetchone()
    con.execute("INSERT INTO batches(network, device, epoch, seq, body) VALUES (?, ?, ?, ?, ?)",
                (net[0], dev, net[1], seq + 100000, body))
    con.commit()
    con.close()
    p = B.sync()
    assert "repeat" in p.stderr, p.stderr
    kb = B.reports()
    assert rid in kb
    assert len([k for k in kb if kb[k]["what"] == "replayed"]) == 1


@test
def t_drop():
    """a dropped batch is reported as missing"""
    A.add("first of two")
    A.sync()
    cur1 = relay_rows(relay)[-1][0]
    r2 = A.add("second of two")
    A.sync()
    con = sqlite3.connect(relay.db, timeout=10)
    con.execute("DELETE FROM batches WHERE cursor = ?", (cur1,))
    con.commit()
    con.close()
    p = B.sync()
    assert "missing" in p.stderr and "missing" in p.stdout, (p.stdout, p.stderr)
    assert r2 in B.reports()


@test
def t_garbage_http():
    """garbage and truncated HTTP requests get 4xx; the relay stays up"""
    out = raw(relay.port, b"GARBAGE\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 4") or out == b"", out[:80]
    out = raw(relay.port, b"\x00\xff\x10binary junk\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 4") or out == b"", out[:80]
    out = raw(relay.port, b"GET /v1/networks/nope/batches HTTP/1.1\r\nHost: x\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 404"), out[:80]
    out = raw(relay.port, b"POST /v1/networks HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{bad}")
    assert out.startswith(b"HTTP/1.1 400"), out[:80]
    # Truncated: the body stops short, then the client goes away.
    out = raw(relay.port, b"POST /v1/networks HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"net")
    assert out == b"" or out.startswith(b"HTTP/1.1 4"), out[:80]
    out = raw(relay.port, b"POST /v1/networks/01M80G9XATEPGTT6N6A0E1T0M4/batches HTTP/1.1\r\n"
                          b"Host: x\r\nContent-Length: abc\r\n\r\n")
    assert out == b"" or out.startswith(b"HTTP/1.1 4"), out[:80]
    assert relay.alive()
    A.add("after garbage")
    A.sync()
    B.sync()


def creds(dev_id, epoch=1):
    obj, keys = invite_keys(state["invite"])
    ver = verifier(keys[epoch], epoch)
    tok = hmac.new(ver, dev_id.encode(), hashlib.sha256).hexdigest()
    return obj["network"], {"Authorization": "Bearer " + tok, "X-Vigia-Device": dev_id,
                            "X-Vigia-Epoch": str(epoch)}


@test
def t_auth_and_size():
    """wrong token 401; oversized batch 413; good token reads"""
    dev = "01M80G9XAEAMFXWWS046HVEVXX"
    net, h = creds(dev)
    st, body = http("GET", "%s/v1/networks/%s/batches?after=0&wait=0" % (relay.url, net),
                    headers=h)
    assert st == 200 and json.loads(body)["batches"], (st, body[:100])
    bad = dict(h)
    bad["Authorization"] = "Bearer " + "0" * 64
    st, _ = http("GET", "%s/v1/networks/%s/batches?after=0" % (relay.url, net), headers=bad)
    assert st == 401, st
    st, _ = http("POST", "%s/v1/networks/%s/batches" % (relay.url, net), b"x" * 100, bad)
    assert st == 401, st
    st, _ = http("GET", "%s/v1/networks/%s/batches" % (relay.url, net))
    assert st == 401, st
    # Oversized: refused from its Content-Length, before the body is read.
    head = ("POST /v1/networks/%s/batches HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
            % (net, 5 * 1024 * 1024)) + "".join("%s: %s\r\n" % kv for kv in h.items())
    out = raw(relay.port, head.encode() + b"\r\n" + b"x" * 1000, shut=False)
    assert out.startswith(b"HTTP/1.1 413"), out[:80]
    # Oversized without a length (chunked): refused once it grows past the limit.
    head = ("POST /v1/networks/%s/batches HTTP/1.1\r\nHost: x\r\n"
            "Transfer-Encoding: chunked\r\n" % net) + "".join(
                "%s: %s\r\n" % kv for kv in h.items())
    chunk = b"%x\r\n" % (1024 * 1024) + b"x" * (1024 * 1024) + b"\r\n"
    out = raw(relay.port, head.encode() + b"\r\n" + chunk * 5 + b"0\r\n\r\n", shut=False)
    assert out.startswith(b"HTTP/1.1 413"), out[:80]
    # Not an envelope, with good credentials: 400.
    st, _ = http("POST", "%s/v1/networks/%s/batches" % (relay.url, net), b"y" * 300, h)
    assert st == 400, st
    assert relay.alive()


@test
def t_rate_limit():
    """per-device rate limit: 429 with Retry-After"""
    r2 = Relay(os.path.join(TMP, "relay2.db"), "--rate", "1", "--burst", "3")
    try:
        d = Device("ratelimited")
        inv = d.run("network", "create", "--relay", r2.url).stdout.strip()
        obj, keys = invite_keys(inv)
        dev = "01M80G9XBNKH1Y30CYYR98F1ED"
        tok = hmac.new(verifier(keys[1], 1), dev.encode(), hashlib.sha256).hexdigest()
        h = {"Authorization": "Bearer " + tok, "X-Vigia-Device": dev, "X-Vigia-Epoch": "1"}
        codes = [http("POST", "%s/v1/networks/%s/batches" % (r2.url, obj["network"]),
                      b"z" * 300, h)[0] for _ in range(6)]
        assert 429 in codes and codes[0] == 400, codes
    finally:
        r2.stop()


@test
def t_long_poll():
    """vigia sync (loop) on B gets A's report within seconds, stops on SIGTERM"""
    loop = subprocess.Popen([VIGIA, "--db", B.db, "--as", "tester-b", "sync"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        rid = A.add("long-poll")
        A.sync()
        t0 = time.time()
        found = False
        while time.time() - t0 < 15:
            con = sqlite3.connect(B.db, timeout=10)
            found = con.execute("SELECT 1 FROM reports WHERE id = ?", (rid,)).fetchone()
            con.close()
            if found:
                break
            time.sleep(0.05)
        assert found, "report did not arrive"
    finally:
        loop.send_signal(signal.SIGTERM)
        out, err = loop.communicate(timeout=10)
    assert loop.returncode == 0, (loop.returncode, err)


@test
def t_random_requests():
    """300 random requests (junk, cut-off and mangled HTTP): relay stays up"""
    import random
    rnd = random.Random(7)
    net = invite_keys(state["invite"])[0]["network"]
    templates = [
        b"GET /v1/networks/%s/batches?after=%d&wait=0 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /v1/networks/%s/batches HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
        b"POST /v1/networks/%s/epochs HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n{",
    ]
    for i in range(300):
        kind = rnd.randrange(4)
        if kind == 3:
            data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
        else:
            data = templates[kind] % (net.encode(), rnd.randrange(-5, 100000))
            data += bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 200)))
            if rnd.randrange(2):
                data = data[:rnd.randrange(1, len(data))]
        try:
            raw(relay.port, data)
        except OSError:
            pass
        assert relay.alive(), "relay died on request %d: %r" % (i, data[:60])
    rid = A.add("after random requests")
    A.sync()
    B.sync()
    assert rid in B.reports()


@test
def t_loop_reconnects():
    """vigia sync started while the relay is down catches up once it is back"""
    relay.stop()
    loop = subprocess.Popen([VIGIA, "--db", B.db, "--as", "tester-b", "sync"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        rid = A.add("while the relay was down")
        time.sleep(1.5)
        relay.start()
        A.sync()
        t0 = time.time()
        found = False
        while time.time() - t0 < 45 and not found:
            con = sqlite3.connect(B.db, timeout=10)
            found = con.execute("SELECT 1 FROM reports WHERE id = ?", (rid,)).fetchone()
            con.close()
            time.sleep(0.1)
        assert found, "the loop did not catch up"
    finally:
        loop.send_signal(signal.SIGTERM)
        out, err = loop.communicate(timeout=10)
    assert loop.returncode == 0, (loop.returncode, err)
    assert "unreachable" in err, err


@test
def t_rotate():
    """rotate --remove C: B follows the new epoch, C is cut off"""
    C.run("network", "join", state["invite"])
    C.sync()
    A.sync()
    B.sync()
    cid = json.loads([l for l in C.run("network", "devices", "--json").stdout.splitlines()
                      if '"this_device":true' in l.replace(" ", "")][0])["id"]
    p = A.run("network", "rotate", "--remove", cid)
    assert "epoch is now 2" in p.stdout, p.stdout
    # B wrote before it heard of the rotation: its batch is sealed again under the new key.
    rb = B.add("written by B under the old key")
    B.sync()
    B.sync()
    A.sync()
    assert rb in A.reports(), "B's pending batch was lost across the rotation"
    assert "vigia-invite" in B.run("network", "invite").stdout
    _, keys = invite_keys(B.run("network", "invite").stdout.strip())
    assert 2 in keys, "B did not get the new key"
    rid = A.add("after rotation")
    A.sync()
    B.sync()
    assert rid in B.reports()
    C.add("from the lost laptop")
    p = C.sync(check=False)
    assert rid not in C.reports(), "removed device read a new batch"
    assert p.returncode != 0 or "refused" in p.stderr or "epoch" in p.stderr, p
    B.sync()
    assert not [r for r in B.reports().values() if r["what"] == "from the lost laptop"]


@test
def t_personal_data_key():
    """an invite made unlocked carries the personal-data key: B opens A's caller contact"""
    env = dict(ENV, VIGIA_PWHASH="fast", VIGIA_NO_KEYRING="1")
    pa, pb = os.path.join(TMP, "pass-d"), os.path.join(TMP, "pass-e")
    for path, text in ((pa, "correct horse battery staple\n"), (pb, "another long passphrase\n")):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
    D, E = Device("d"), Device("e")

    def run(dev, *args, passfile=None, check=True):
        e = dict(env)
        if passfile:
            e["VIGIA_PASSPHRASE_FILE"] = passfile
        p = clitest.vigia(*args, env=e, db=dev.db, db_first=True, who="tester-" + dev.name,
                          text=True, timeout=60)
        assert not check or p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
        return p

    run(D, "passphrase", "set", "--new-file", pa)
    rid = run(D, "report", "add", "--location", "Corner", "--what", "vans",
              "--contact", "+1 555 0177").stdout.strip()
    run(D, "network", "create", "--relay", relay.url)
    locked = run(D, "network", "invite").stdout.strip()
    unlocked = run(D, "network", "invite", passfile=pa).stdout.strip()
    assert "vault" not in b64url_dec(locked[len("vigia-invite-1."):]).decode()
    assert "vault" in b64url_dec(unlocked[len("vigia-invite-1."):]).decode()
    # Without a passphrase for this device the key is not accepted, and nothing is joined.
    p = run(E, "network", "join", unlocked, check=False)
    assert p.returncode == 1 and "passphrase" in p.stderr, p.stderr
    run(E, "network", "join", unlocked, passfile=pb)
    run(D, "sync", "--once")
    run(E, "sync", "--once")
    shown = run(E, "report", "show", rid, "--json", passfile=pb).stdout
    assert json.loads(shown)["contact"] == "+15550177", shown
    shown = run(E, "report", "show", rid, "--json").stdout
    assert "+15550177" not in shown, shown
    for path in (E.db, E.db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                assert b"5550177" not in f.read(), path


@test
def t_relay_stops():
    """the relay stops cleanly on SIGTERM, with no sanitizer report"""
    relay.stop()


sys.exit(T.finish(needs=(VIGIA, RELAY)))

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Broadcast tests: `vigia sms count`, subscribers (import, merge, opt-out,
STOP replies), drafting rules (confirmed reports only for public alerts),
the personal-data lint, second-dispatcher approval, quiet hours, follow-ups,
and delivery through local stand-ins of Twilio, Telegram, signal-cli and
SMTP (tests/cli/gateways.py) with injected 500s, 429s with Retry-After, slow
answers and dropped connections; and crash-and-resume: `vigia outbox run` is
killed with SIGKILL at random moments and restarted, and every recipient
must have got exactly one message, except the ones reported uncertain, which
got at most one.

Runs the real binary in a temporary folder and prints TAP. Python 3
standard library only. No fixed clock: retries need time to pass.
"""
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest  # noqa: E402
import gateways  # noqa: E402
from clitest import SRC, ULID, VIGIA  # noqa: E402

T = clitest.Suite("send")
TMP = T.tmp
test = T.test


class Net:
    """A workspace: its own config folder, data folder and database."""

    def __init__(self, name, gw=None, extra=""):
        self.dir = clitest.workspace(os.path.join(TMP, name))
        self.sink = os.path.join(self.dir, "sink.jsonl")
        self.env = clitest.home_env(self.dir, db=os.path.join(self.dir, "v.db"))
        self.write_config(gw, extra)

    def write_config(self, gw=None, extra="", **kw):
        cfg = "default_country: US\n" + extra
        cfg += gw.channels_yaml(self.sink, **kw) if gw else \
            f"channels:\n  file: {{path: \"{self.sink}\"}}\n"
        with open(os.path.join(self.dir, "config", "vigia", "config.yaml"), "w") as f:
            f.write(cfg)

    def run(self, *args, who="ana", check=True, timeout=120):
        p = clitest.vigia(*args, env=self.env, who=who, text=True, timeout=timeout)
        if check:
            assert p.returncode == 0, f"{args}: exit {p.returncode}: {p.stderr.strip()}"
        return p

    def fails(self, *args, who="ana", want=None):
        p = self.run(*args, who=who, check=False)
        assert p.returncode == 1, f"{args} should fail: {p.returncode} {p.stdout} {p.stderr}"
        err = p.stderr.strip()
        assert err.startswith("vigia: "), err
        if want:
            assert re.search(want, err), f"{want!r} not in {err!r}"
        return err

    def report(self, status="confirmed", what="three SUVs and a van, men in vests",
               area="Eastside", contact=None):
        rec = {"location": "Hardware store on 5th", "what": what, "area": area,
               "status": status}
        if contact:
            rec["contact"] = contact
        path = os.path.join(self.dir, "r.jsonl")
        with open(path, "w") as f:
            f.write(json.dumps(rec) + "\n")
        self.run("report", "import", path)
        out = self.run("report", "list", "--all", "--json").stdout.splitlines()
        rows = [json.loads(l) for l in out]
        rows.sort(key=lambda r: r["id"])
        return rows[-1]["id"]

    def subscribers(self, rows):
        path = os.path.join(self.dir, "subs.csv")
        with open(path, "w") as f:
            f.write("contact,channel,language,areas\n")
            for r in rows:
                f.write(",".join('"%s"' % x for x in r) + "\n")
        return self.run("subscriber", "import", path, check=False)

    def draft(self, *args, who="ana"):
        b = self.run("broadcast", "draft", *args, who=who).stdout.strip()
        assert ULID.match(b), b
        return b

    def sink_lines(self):
        if not os.path.exists(self.sink):
            return []
        with open(self.sink) as f:
            return [json.loads(l) for l in f]


def sms(text):
    p = T.vigia("sms", "count", text, "--json", who=None, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@test
def t_sms_count():
    """sms count: GSM-7 and UCS-2 boundaries, extension table, surrogate pairs, GSM-7 offer"""
    for n, seg in ((160, 1), (161, 2), (306, 2), (307, 3)):
        j = sms("a" * n)
        assert (j["encoding"], j["segments"]) == ("GSM-7", seg), (n, j)
    for n, seg in ((70, 1), (71, 2), (134, 2), (135, 3)):
        j = sms("a" * (n - 1) + "á")
        assert (j["encoding"], j["segments"]) == ("UCS-2", seg), (n, j)
    j = sms("a" * 159 + "€")
    assert (j["units"], j["segments"]) == (161, 2), j
    j = sms("a" * 69 + "\U0001F44D")
    assert (j["encoding"], j["units"], j["segments"], j["characters"]) == ("UCS-2", 71, 2, 70), j
    j = sms("¿Dónde están? Ñandú " + "x" * 60)
    alt = j["gsm7_alternative"]
    assert alt["encoding"] == "GSM-7" and alt["segments"] == 1 and j["segments"] == 2, j
    assert alt["text"].startswith("¿Donde estan? Ñandu"), alt
    assert "gsm7_alternative" not in sms("hola, ¿qué tal? ñ é ü")


@test
def t_subscribers():
    """subscriber import: E.164, handles, emails, per-line errors, duplicates merged"""
    n = Net("subs")
    p = n.subscribers([("(555) 201-0001", "sms", "es", "eastside"),
                       ("555-201-0001", "sms", "es", "downtown"),
                       ("+52 55 1234 5678", "sms", "es", ""),
                       ("@Vecinos_East", "telegram", "es", "eastside"),
                       ("Ana@Example.ORG", "email", "en", ""),
                       ("12345", "sms", "en", ""),
                       ("x@y", "email", "en", ""),
                       ("+15550003333", "pigeon", "en", "")])
    assert p.returncode == 1, p
    assert "4 added, 1 merged, 3 refused" in p.stdout, p.stdout
    errs = p.stderr.strip().splitlines()
    assert len(errs) == 3 and all(re.match(r"vigia: .*subs\.csv:(7|8|9): ", e) for e in errs), errs
    # The merged subscriber hears about both areas; the opt-out by phone finds it.
    p = n.run("subscriber", "optout", "555 201 0001")
    assert "1 subscription opted out" in p.stdout, p.stdout
    n.fails("subscriber", "optout", "555 201 0009", want="no subscriber")
    # A re-import never re-subscribes someone who opted out: the merge keeps it.
    rid = n.report()
    n.write_config(extra="")
    b = n.draft("--report", rid, "--channel", "file")
    pv = json.loads(n.run("broadcast", "preview", b, "--json").stdout)
    assert pv["recipients"] == 0, pv  # nobody subscribed on the file channel


@test
def t_optout_replies():
    """opt-out replies: STOP, Baja., ARRÊT, stop in any language; other replies do nothing"""
    n = Net("replies")
    n.subscribers([("+15552010001", "sms", "en", ""), ("+15552010002", "sms", "es", ""),
                   ("+15552010003", "sms", "fr", ""), ("+15552010004", "sms", "es", "")])
    for frm, text, want in (("+15552010001", "gracias", "not an opt-out"),
                            ("+15552010001", " STOP ", "opted out"),
                            ("+15552010002", "Baja.", "opted out"),
                            ("+15552010003", "arrêt", "opted out"),
                            ("+15552010004", "stop please", "not an opt-out"),
                            ("+15552010004", "Stop", "opted out")):
        out = n.run("subscriber", "reply", "--from", frm, text).stdout.strip()
        assert out == want, (frm, text, out)


@test
def t_draft_rules():
    """draft: public alerts only for confirmed reports; internal calls to action may cite open ones"""
    n = Net("rules")
    new = n.report(status="new")
    n.fails("broadcast", "draft", "--report", new, "--template", "alert",
            want="only confirmed")
    b = n.draft("--report", new, "--template", "call-to-action")
    pv = json.loads(n.run("broadcast", "preview", b, "--json").stdout)
    assert pv["kind"] == "internal" and "report_not_confirmed" not in pv["blocked"], pv
    n.fails("broadcast", "draft", "--report", new, "--template", "nope", want="no template")
    n.fails("broadcast", "draft", "--template", "alert", want="at least one report")
    ok = n.report()
    n.fails("broadcast", "draft", "--report", ok, "--channel", "sms", want="not configured")
    n.fails("broadcast", "draft", "--report", ok, who=None, want="--as")
    b = n.draft("--report", ok, "--lang", "es", "--channel", "file")
    pv = json.loads(n.run("broadcast", "preview", b, "--json").stdout)
    assert [l["language"] for l in pv["languages"]] == ["es"], pv
    t = pv["languages"][0]["text"]
    assert "Eastside" in t and "three SUVs" in t and "no abra la puerta" in t, t
    assert pv["languages"][0]["encoding"] == "UCS-2" and "gsm7_alternative" in pv["languages"][0]
    n.run("broadcast", "edit", b, "--language", "es", "--use-gsm7")
    pv = json.loads(n.run("broadcast", "preview", b, "--json").stdout)
    assert pv["languages"][0]["encoding"] == "GSM-7", pv


@test
def t_lint():
    """lint: phone numbers, emails, A-numbers, case numbers and the caller's contact block approval"""
    n = Net("lint")
    n.subscribers([("ana", "file", "en", "")])
    rid = n.report(what="agents at the door", contact="+1 555 867 5309")
    b = n.draft("--report", rid, "--lang", "en", "--channel", "file")
    for text, kind in (("call 555-867-5309 now", "phone"), ("write to a@b.org", "email"),
                       ("detained: A123-456-789", "a_number"), ("A123456789 held", "a_number"),
                       ("case no. 2026-004512 at court", "case_number"),
                       ("caller +1 (555) 867-5309", "phone")):
        n.run("broadcast", "edit", b, "--language", "en", "--text", text)
        pv = json.loads(n.run("broadcast", "preview", b, "--json").stdout)
        kinds = [h["kind"] for h in pv["lint"]]
        assert kind in kinds and "personal_data" in pv["blocked"], (text, pv["lint"])
        n.fails("broadcast", "approve", b, who="bea", want="personal data")
    # The caller's own number written another way is caught as the caller's contact.
    n.run("broadcast", "edit", b, "--language", "en", "--text", "ask 5558675309 for details")
    pv = json.loads(n.run("broadcast", "preview", b, "--json").stdout)
    assert pv["lint"], pv
    # Clean text: times, dates, counts and street numbers are not personal data.
    n.run("broadcast", "edit", b, "--language", "en",
          "--text", "10:42 2026-11-22: 3 SUVs at 1200 5th St, 12 agents. Stay silent.")
    pv = json.loads(n.run("broadcast", "preview", b, "--json").stdout)
    assert pv["lint"] == [] and pv["blocked"] == [], pv
    # Override with a reason lets a flagged text through.
    n.run("broadcast", "edit", b, "--language", "en", "--text", "hotline 555-867-5309 open")
    n.fails("broadcast", "override", b, "--reason", "ok", want="written reason")
    n.run("broadcast", "override", b, "--reason", "this is the public hotline number")
    n.run("broadcast", "approve", b, who="bea")


@test
def t_second_approval():
    """approval: with second_approval the drafter cannot approve; another dispatcher can, once"""
    n = Net("second", extra="broadcast:\n  second_approval: yes\n")
    n.subscribers([("ana", "file", "en", ""), ("bob", "file", "es", "westside")])
    rid = n.report()
    b = n.draft("--report", rid, "--channel", "file")
    n.fails("broadcast", "approve", b, who="ana", want="second dispatcher")
    p = n.run("broadcast", "approve", b, who="bea")
    assert "1 message queued" in p.stdout, p.stdout  # bob is in another area
    n.fails("broadcast", "approve", b, who="cy", want="no longer a draft")
    n.run("outbox", "run", "--until-empty", "--quiet", who="bea")
    lines = n.sink_lines()
    assert [l["to"] for l in lines] == ["ana"], lines
    st = json.loads(n.run("broadcast", "status", b, "--json").stdout)
    assert st["outbox"]["sent"] == 1 and st["status"] == "done" and st["approved_by"] == "bea", st


@test
def t_quiet_hours():
    """quiet hours hold non-urgent broadcasts; an urgent one goes out at once"""
    now = time.localtime()
    m = now.tm_hour * 60 + now.tm_min
    start, end = (m - 60) % 1440, (m + 60) % 1440
    q = "broadcast:\n  quiet_hours: \"%02d:%02d-%02d:%02d\"\n" % (start // 60, start % 60,
                                                                 end // 60, end % 60)
    n = Net("quiet", extra=q)
    n.subscribers([("ana", "file", "en", "")])
    rid = n.report()
    b = n.draft("--report", rid, "--channel", "file")
    p = n.run("broadcast", "approve", b)
    assert "held" in p.stdout, p.stdout
    n.run("outbox", "run", "--until-empty", "--quiet")
    assert n.sink_lines() == [], "a held broadcast went out in quiet hours"
    st = json.loads(n.run("broadcast", "status", b, "--json").stdout)
    assert st["status"] == "held" and st["outbox"]["queued"] == 1 and "hold_until" in st, st
    u = n.draft("--report", rid, "--channel", "file", "--urgent")
    p = n.run("broadcast", "approve", u)
    assert "queued" in p.stdout, p.stdout
    n.run("outbox", "run", "--until-empty", "--quiet")
    assert len(n.sink_lines()) == 1


@test
def t_followup():
    """follow-up and all clear go to exactly the recipients of the first alert, opted-out skipped"""
    n = Net("follow")
    n.subscribers([("ana", "file", "en", "eastside"), ("bob", "file", "es", "eastside"),
                   ("cy", "file", "en", "westside")])
    rid = n.report()
    b = n.draft("--report", rid, "--channel", "file")
    assert "2 messages queued" in n.run("broadcast", "approve", b).stdout
    n.run("outbox", "run", "--until-empty", "--quiet")
    # The report turns out to be local police: the alert asks for an all clear.
    lst = [json.loads(l) for l in n.run("broadcast", "list", "--json").stdout.splitlines()]
    assert lst[0]["id"] == b and lst[0]["follow_up_needed"] is None, lst
    n.run("status", rid, "police_only", "--note", "it was the city police")
    lst = [json.loads(l) for l in n.run("broadcast", "list", "--json").stdout.splitlines()]
    assert "police" in (lst[0]["follow_up_needed"] or "").lower(), lst
    # Someone joins the area afterwards: they must not get the all clear of an alert they never got.
    n.subscribers([("dee", "file", "en", "eastside")])
    n.run("subscriber", "optout", n.run("subscriber", "add", "bob", "--channel", "file",
                                        "--language", "es").stdout.split()[0])
    f = n.draft("--follow-up", b, "--template", "all-clear")
    pv = json.loads(n.run("broadcast", "preview", f, "--json").stdout)
    assert sorted(l["language"] for l in pv["languages"]) == ["en", "es"], pv
    assert "1 message queued" in n.run("broadcast", "approve", f).stdout
    n.run("outbox", "run", "--until-empty", "--quiet")
    lst = [json.loads(l) for l in n.run("broadcast", "list", "--json").stdout.splitlines()]
    assert all(x["follow_up_needed"] is None for x in lst), lst  # answered
    got = [(l["to"], l["broadcast_id"]) for l in n.sink_lines()]
    assert sorted(got) == sorted([("ana", b), ("bob", b), ("ana", f)]), got


@test
def t_one_worker():
    """one outbox worker per database: a second one refuses to start"""
    n = Net("lock")
    p = subprocess.Popen([VIGIA, "--as", "ana", "outbox", "run", "--quiet"], env=n.env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        n.fails("outbox", "run", "--until-empty", want="another outbox worker")
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
    n.run("outbox", "run", "--until-empty", "--quiet")


def delivery_net(name, gw, subs, **kw):
    n = Net(name)
    n.write_config(gw, **kw)
    p = n.subscribers(subs)
    assert p.returncode == 0, p.stderr
    return n


def check_exactly_once(n, gw, b, expect):
    """Every expected (channel, to) got exactly one message of @b's text,
    except uncertain rows (at most one). Returns the status."""
    st = json.loads(n.run("broadcast", "status", b, "--json").stdout)
    uncertain = {(r["channel"], r["to"]) for r in st["attention"] if r["state"] == "uncertain"}
    counts = {}
    for ch, to, body in gw.delivered:
        counts[(ch, to)] = counts.get((ch, to), 0) + 1
    for l in n.sink_lines():
        counts[("file", l["to"])] = counts.get(("file", l["to"]), 0) + 1
    for k in expect:
        c = counts.get(k, 0)
        if k in uncertain:
            assert c <= 1, f"{k} uncertain but delivered {c} times"
        else:
            assert c == 1, f"{k} delivered {c} times (status {st['outbox']})"
    extra = set(counts) - set(expect)
    assert not extra, f"delivered to people outside the audience: {extra}"
    return st


def audience(nsms=8, ntg=8, nsig=8, nmail=8, nfile=8):
    subs, expect = [], []
    for i in range(nsms):
        subs.append(("+1555300%04d" % i, "sms", "es" if i % 2 else "en", ""))
        expect.append(("sms", "+1555300%04d" % i))
    for i in range(ntg):
        subs.append((str(100000 + i), "telegram", "en", ""))
        expect.append(("telegram", str(100000 + i)))
    for i in range(nsig):
        subs.append(("+1555400%04d" % i, "signal", "es", ""))
        expect.append(("signal", "+1555400%04d" % i))
    for i in range(nmail):
        subs.append(("p%d@example.org" % i, "email", "en", ""))
        expect.append(("email", "p%d@example.org" % i))
    for i in range(nfile):
        subs.append(("f%d" % i, "file", "en", ""))
        expect.append(("file", "f%d" % i))
    return subs, expect


@test
def t_delivery_clean():
    """delivery through every gateway: one message each, gateway ids recorded, texts per language"""
    gw = gateways.Gateways(gateways.Faults(seed=2)).start()
    try:
        subs, expect = audience(4, 4, 4, 4, 4)
        n = delivery_net("clean", gw, subs)
        rid = n.report()
        b = n.draft("--report", rid)
        assert "20 messages queued" in n.run("broadcast", "approve", b, who="bea").stdout
        p = n.run("outbox", "run", "--until-empty", "--quiet")
        assert "sent 20, failed 0, uncertain 0" in p.stdout, p.stdout
        st = check_exactly_once(n, gw, b, expect)
        assert st["outbox"]["sent"] == 20 and st["status"] == "done", st
        es = [body for ch, to, body in gw.delivered if ch == "signal"]
        assert all("no abra la puerta" in x for x in es), es
        mails = [body for ch, to, body in gw.delivered if ch == "email"]
        assert all(x.startswith("VERIFIED") for x in mails), mails
    finally:
        gw.stop()


@test
def t_delivery_faults():
    """delivery under 500s, 429 + Retry-After, slow answers and dropped connections"""
    gw = gateways.Gateways(gateways.Faults(seed=7, error500=0.15, error429=0.1, slow=0.1,
                                           slow_s=0.3, drop=0.08, retry_after=1)).start()
    try:
        subs, expect = audience(12, 12, 12, 12, 4)
        n = delivery_net("faults", gw, subs)
        rid = n.report()
        b = n.draft("--report", rid)
        n.run("broadcast", "approve", b, who="bea")
        n.run("outbox", "run", "--until-empty", "--quiet", timeout=240)
        st = check_exactly_once(n, gw, b, expect)
        o = st["outbox"]
        assert o["failed"] == 0 and o["queued"] == 0 and o["sending"] == 0, o
        assert o["sent"] + o["uncertain"] == len(expect), o
        # Twilio answers lost are reconciled by looking the message up, never uncertain.
        assert not [r for r in st["attention"] if r["channel"] == "sms"], st["attention"]
        # Other gateways' lost answers are uncertain and say why.
        for r in st["attention"]:
            assert r["state"] == "uncertain" and "lost" in r["error"], r
    finally:
        gw.stop()


@test
def t_twilio_timeout():
    """answers slower than the timeout: Twilio is asked before resending; nothing doubled"""
    gw = gateways.Gateways(gateways.Faults(seed=4, slow=1.0, slow_s=1.0)).start()
    try:
        subs = [("+1555500%04d" % i, "sms", "en", "") for i in range(6)]
        n = delivery_net("slow", gw, subs, timeout_ms=500, concurrency=6)
        rid = n.report()
        b = n.draft("--report", rid, "--channel", "sms")
        n.run("broadcast", "approve", b)
        n.run("outbox", "run", "--until-empty", "--quiet")
        st = check_exactly_once(n, gw, b, [("sms", to) for to, _, _, _ in subs])
        assert st["outbox"]["sent"] == 6, st["outbox"]
    finally:
        gw.stop()


@test
def t_delivery_permanent():
    """permanent refusals fail at once with the gateway's reason; opted-out recipients are skipped"""
    gw = gateways.Gateways(gateways.Faults(seed=3)).start()
    try:
        subs = [(gateways.UNSUBSCRIBED, "sms", "en", ""), ("+15550008888", "signal", "en", ""),
                ("nobody@example.org", "email", "en", ""), ("+15553000001", "sms", "en", ""),
                ("+15553000002", "sms", "en", "")]
        n = delivery_net("perm", gw, subs)
        rid = n.report()
        b = n.draft("--report", rid)
        assert "5 messages queued" in n.run("broadcast", "approve", b).stdout
        # Opted out after the expansion: still never sent to.
        n.run("subscriber", "reply", "--from", "+15553000002", "STOP")
        n.run("outbox", "run", "--until-empty", "--quiet")
        st = json.loads(n.run("broadcast", "status", b, "--json").stdout)
        o = st["outbox"]
        assert (o["sent"], o["failed"], o["skipped"]) == (1, 3, 1), o
        errs = " | ".join(r["error"] for r in st["attention"])
        assert "21610" in errs and "Unregistered user" in errs and "550" in errs, errs
        assert all(r["attempts"] == 1 for r in st["attention"]), st["attention"]
        assert [to for ch, to, _ in gw.delivered] == ["+15553000001"], gw.delivered
        # Twilio's 21610 means the number opted out at the carrier: it is opted out here too.
        b2 = n.draft("--report", rid, "--channel", "sms")
        assert "1 message queued" in n.run("broadcast", "approve", b2).stdout
    finally:
        gw.stop()


@test
def t_crash_resume():
    """crash and resume: kill -9 outbox run at random moments; nobody gets a message twice"""
    gw = gateways.Gateways(gateways.Faults(seed=11, error500=0.05, slow=0.3, slow_s=0.05,
                                           drop=0.02)).start()
    rng = random.Random(5)
    try:
        subs, expect = audience(60, 60, 30, 20, 30)
        n = delivery_net("crash", gw, subs, concurrency=4)
        rid = n.report()
        b = n.draft("--report", rid)
        n.run("broadcast", "approve", b, who="bea")
        kills = 0
        for _ in range(8):
            p = subprocess.Popen([VIGIA, "--as", "bea", "outbox", "run", "--quiet"],
                                 env=n.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 0.6))
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills += 1
        n.run("outbox", "run", "--until-empty", "--quiet", timeout=240)
        st = check_exactly_once(n, gw, b, expect)
        o = st["outbox"]
        assert o["queued"] == 0 and o["sending"] == 0 and o["failed"] == 0, o
        assert o["sent"] + o["uncertain"] == len(expect), o
        # A second run after the end sends nothing more.
        before = len(gw.delivered)
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert len(gw.delivered) == before
        # Uncertain rows can be resent by a dispatcher's decision, and only then.
        if o["uncertain"]:
            gw.faults.drop = gw.faults.error500 = 0
            n.run("outbox", "resend-uncertain", b)
            n.run("outbox", "run", "--until-empty", "--quiet")
            st = json.loads(n.run("broadcast", "status", b, "--json").stdout)
            assert st["outbox"]["uncertain"] == 0, st["outbox"]
    finally:
        gw.stop()


VERIFIERS = os.path.join(SRC, "share", "vigia", "verifiers-sample.csv")


def verifier_net(name, gw):
    """A network with the sample roster and a report whose caller left a number."""
    n = Net(name, gw)
    n.env.update({"VIGIA_PWHASH": "fast", "VIGIA_NO_KEYRING": "1"})
    n.env.pop("VIGIA_PASSPHRASE_FILE", None)
    n.run("verifier", "import", VERIFIERS)
    rid = n.run("report", "add", "--location", "Hardware store on 5th", "--what",
                "three SUVs, call me at 415-555-7777", "--area", "Mission", "--contact",
                "+14155559999").stdout.strip()
    return n, rid


def assignment(n, aid, env=None):
    p = n.run("assignment", "show", aid, "--json")
    return json.loads(p.stdout)


def check_verifier_message(body):
    assert "Hardware store on 5th" in body and "three SUVs" in body, body
    assert "+14155559999" not in body and "555-9999" not in body, "the caller's contact leaked"
    assert "555-7777" not in body, body


@test
def t_verifier_message():
    """assign: the verifier's message goes through the outbox once; its state follows"""
    gw = gateways.Gateways(gateways.Faults(seed=5)).start()
    try:
        n, rid = verifier_net("verifier-msg", gw)
        a = json.loads(n.run("assign", rid, "Rosa", "--json").stdout)
        assert a["message_state"] == "queued" and a["message_status"] == "queued for sms", a
        assert gw.requests == 0, "assigning sends nothing by itself"
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert len(gw.delivered) == 1, gw.delivered
        ch, to, body = gw.delivered[0]
        assert (ch, to) == ("sms", "+14155550101"), gw.delivered
        assert body.startswith("vigia: Rosa M., please go and look"), body
        check_verifier_message(body)
        a = assignment(n, a["id"])
        assert a["message_state"] == "sent" and a["message_status"] == "sent by sms", a
        assert "(message: sent by sms)" in n.run("assignment", "list").stdout
        # Drained: a second run sends nothing, a second assignment of Rosa is refused.
        assert "sent 0," in n.run("outbox", "run", "--until-empty").stdout
        assert len(gw.delivered) == 1, gw.delivered
        n.fails("assign", rid, "Rosa", want="already assigned")
        # Signal goes through signal-cli's JSON-RPC stand-in the same way.
        b = json.loads(n.run("assign", rid, "Luis", "--json").stdout)
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert [d[:2] for d in gw.delivered[1:]] == [("signal", "@luis_obs")], gw.delivered
        check_verifier_message(gw.delivered[1][2])
        assert assignment(n, b["id"])["message_state"] == "sent"
        # The roster and the text output say where the message is.
        rows = [json.loads(l) for l in n.run("verifier", "list", "--json").stdout.splitlines()]
        luis = [r for r in rows if r["name"] == "Luis"][0]
        assert luis["message_state"] == "sent", luis
        out = n.run("assignment", "show", b["id"]).stdout
        assert "message for the verifier (sent by signal):" in out, out
        # No contact on the roster: assigned all the same, and the state says why nothing went.
        n.run("verifier", "add", "--name", "Nico", "--roles", "verifier")
        c = json.loads(n.run("assign", rid, "Nico", "--json").stdout)
        assert c["state"] == "assigned" and c["message_state"] == "no_contact", c
        assert c["message_status"] == ("not sent: Nico has no contact on the roster; "
                                       "pass it on yourself"), c
        # A channel this build does not know (a newer device's, through sync): said too.
        con = sqlite3.connect(n.env["VIGIA_DB"])
        with con:
            con.execute("UPDATE verifiers SET channel = 'pigeon' WHERE name = 'Dani'")
        con.close()
        e = json.loads(n.run("assign", rid, "Dani", "--json").stdout)
        assert e["state"] == "assigned" and e["message_state"] == "no_channel", e
        assert e["message_status"] == ("not sent: Dani's channel 'pigeon' is unknown; "
                                       "pass it on yourself"), e
        # A channel this device has no gateway for: not queued for ever, said at once.
        n.write_config(gw, only=["file"])
        d = json.loads(n.run("assign", rid, "Carmen", "--json").stdout)
        assert d["message_state"] == "no_gateway", d
        assert "no signal gateway" in d["message_status"], d
        n.write_config(gw)
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert len(gw.delivered) == 2, gw.delivered
        md = n.run("handoff", "--md").stdout
        assert "- Nico: assigned at Mission" in md and "(message: not sent: no contact)" in md, md
    finally:
        gw.stop()


@test
def t_verifier_message_sealed():
    """a sealed contact: nothing leaves while the vault is locked; after unlock, one message"""
    gw = gateways.Gateways(gateways.Faults(seed=6)).start()
    try:
        n, rid = verifier_net("verifier-sealed", gw)
        pw = os.path.join(n.dir, "pw")
        with open(pw, "w") as f:
            f.write("correct horse battery\n")
        os.chmod(pw, 0o600)
        n.run("passphrase", "set", "--new-file", pw)
        # Locked (no keyring, no passphrase file): assigning copies the sealed contact as is.
        a = json.loads(n.run("assign", rid, "Rosa", "--json").stdout)
        assert a["message_state"] == "queued", a
        assert "waits for the vault to be unlocked" in a["message_status"], a
        p = n.run("outbox", "run", "--until-empty")
        assert "1 message waits for the vault to be unlocked" in p.stderr, p.stderr
        assert "sent 0, failed 0" in p.stdout, p.stdout
        assert gw.requests == 0 and gw.delivered == [], gw.delivered
        assert assignment(n, a["id"])["message_state"] == "queued"
        for suffix in ("", "-wal"):
            path = n.env["VIGIA_DB"] + suffix
            if os.path.exists(path):
                with open(path, "rb") as f:
                    assert b"+14155550101" not in f.read(), f"Rosa's number in {path}"
        # Unlocked: it goes, once, to the number (never the ciphertext).
        n.env["VIGIA_PASSPHRASE_FILE"] = pw
        p = n.run("outbox", "run", "--until-empty")
        assert "wait" not in p.stderr, p.stderr
        assert [d[:2] for d in gw.delivered] == [("sms", "+14155550101")], gw.delivered
        check_verifier_message(gw.delivered[0][2])
        a = assignment(n, a["id"])
        assert a["message_state"] == "sent", a
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert len(gw.delivered) == 1, gw.delivered
    finally:
        gw.stop()


@test
def t_verifier_message_unlock_while_running():
    """a running outbox worker sends a waiting verifier message once the vault is unlocked"""
    gw = gateways.Gateways(gateways.Faults(seed=8)).start()
    worker = None
    try:
        n, rid = verifier_net("verifier-keyring", gw)
        pw = os.path.join(n.dir, "pw")
        with open(pw, "w") as f:
            f.write("correct horse battery\n")
        os.chmod(pw, 0o600)
        n.run("passphrase", "set", "--new-file", pw)
        a = json.loads(n.run("assign", rid, "Luis", "--json").stdout)
        n.env.pop("VIGIA_NO_KEYRING")  # `vigia unlock` below keeps the key in the keyring
        worker = subprocess.Popen([VIGIA, "--as", "ana", "outbox", "run"], env=n.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert gw.requests == 0, "sent while locked"
        p = subprocess.run([VIGIA, "unlock"], env=dict(n.env, VIGIA_PASSPHRASE_FILE=pw),
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        if "keyring" not in p.stdout:
            print("# SKIP unlock while running: no kernel keyring here")
            return
        try:
            end = time.monotonic() + 15
            while not gw.delivered and time.monotonic() < end:
                time.sleep(0.1)
            assert [d[:2] for d in gw.delivered] == [("signal", "@luis_obs")], gw.delivered
        finally:
            subprocess.run([VIGIA, "lock"], env=n.env, capture_output=True)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
        worker = None
        assert "1 message waits for the vault to be unlocked" in err, err
        assert assignment(n, a["id"])["message_state"] == "sent"
        assert len(gw.delivered) == 1, gw.delivered
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        gw.stop()


@test
def t_verifier_message_resend():
    """assignment resend: once the cause is fixed, one more message; never two on their way"""
    gw = gateways.Gateways(gateways.Faults(seed=9)).start()
    try:
        n, rid = verifier_net("verifier-resend", gw)
        # No sms gateway here yet: assigned, nothing queued, and a resend says why it cannot.
        n.write_config(gw, only=["file"])
        a = json.loads(n.run("assign", rid, "Rosa", "--json").stdout)
        assert a["message_state"] == "no_gateway", a
        n.fails("assignment", "resend", a["id"], want="no sms gateway is set up")
        assert assignment(n, a["id"])["message_state"] == "no_gateway"
        # The dispatcher adds the sms channel: the resend queues it, the worker sends it once.
        n.write_config(gw)
        p = n.run("assignment", "resend", a["id"], "--json")
        j = json.loads(p.stdout)
        assert j["message_state"] == "queued" and j["message_status"] == "queued for sms", j
        # On its way: a second resend is refused, --again or not, and queues nothing.
        n.fails("assignment", "resend", a["id"], want="already on its way")
        n.fails("assignment", "resend", a["id"], "--again", want="already on its way")
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert [d[:2] for d in gw.delivered] == [("sms", "+14155550101")], gw.delivered
        check_verifier_message(gw.delivered[0][2])
        assert assignment(n, a["id"])["message_state"] == "sent"
        # Sent: refused with when, unless --again; then exactly one more copy.
        err = n.fails("assignment", "resend", a["id"], want="was sent at")
        assert "--again" in err, err
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert len(gw.delivered) == 1, gw.delivered
        out = n.run("assignment", "resend", a["id"], "--again").stdout
        assert "message for the verifier sent again (queued for sms):" in out, out
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert [d[:2] for d in gw.delivered] == [("sms", "+14155550101")] * 2, gw.delivered
        check_verifier_message(gw.delivered[1][2])
        assert assignment(n, a["id"])["message_state"] == "sent"
        # Two rows of this assignment in the outbox, each with its own idempotency key.
        con = sqlite3.connect(n.env["VIGIA_DB"])
        keys = [r[0] for r in con.execute(
            "SELECT idempotency_key FROM outbox WHERE assignment_id = ?", (a["id"],))]
        con.close()
        assert len(keys) == 2 and len(set(keys)) == 2, keys
        # The timeline says who sent it again.
        tl = n.run("events", "--report", rid, "--kind", "assignment.resent").stdout
        assert tl.count("message to Rosa M. sent again by ana") == 2, tl
        # A failed message (the gateway keeps answering 500): resent once it works again.
        n.write_config(gw, max_attempts=1)
        b = json.loads(n.run("assign", rid, "Luis", "--json").stdout)
        gw.faults.error500 = 1.0
        n.run("outbox", "run", "--until-empty", "--quiet")
        gw.faults.error500 = 0.0
        assert assignment(n, b["id"])["message_state"] == "failed", assignment(n, b["id"])
        before = len(gw.delivered)
        n.run("assignment", "resend", b["id"], who="bea")
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert [d[:2] for d in gw.delivered[before:]] == [("signal", "@luis_obs")], gw.delivered
        assert assignment(n, b["id"])["message_state"] == "sent"
        # Uncertain (the answer was lost): the gateway may have delivered it; --again decides.
        con = sqlite3.connect(n.env["VIGIA_DB"])
        with con:
            con.execute("UPDATE outbox SET state = 'uncertain' WHERE assignment_id = ?"
                        " AND state = 'sent'", (b["id"],))
            con.execute("UPDATE assignments SET message_state = 'uncertain' WHERE id = ?",
                        (b["id"],))
        con.close()
        n.fails("assignment", "resend", b["id"], want="may have delivered the message to Luis")
        n.run("assignment", "resend", b["id"], "--again")
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert [d[:2] for d in gw.delivered[before:]] == [("signal", "@luis_obs")] * 2, \
            gw.delivered
        before += 1
        # Released: nothing more to send, --again or not.
        n.run("assignment", "set", a["id"], "released")
        n.fails("assignment", "resend", a["id"], "--again", want="the assignment is released")
        n.run("outbox", "run", "--until-empty", "--quiet")
        assert len(gw.delivered) == before + 1, gw.delivered
    finally:
        gw.stop()


if __name__ == "__main__":
    sys.exit(T.finish())

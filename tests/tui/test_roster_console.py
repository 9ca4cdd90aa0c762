#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of the roster, driving the real binary in tmux at 80x24:
rank verifiers for a report and assign one with a key, walk the assignment
through acknowledged, en route and on scene (a refused decline on the way),
record a check-in, then reopen the console later (VIGIA_NOW moved on) and
see an assignment not acknowledged in time marked OVERDUE and a missed
check-in marked CALL, highlighted, with the escalation in the status bar;
finish with reported back and released, and the handoff brief.

The database is prepared with the command line first; the clock is fixed
with VIGIA_NOW and the zone with TZ. Waits poll the pane until the expected
text shows (or a generous deadline passes); nothing here measures time.
Prints TAP. Python 3 standard library only.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

SRC = os.environ.get("VIGIA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("VIGIA_BUILD_DIR", os.path.join(SRC, "build"))
VIGIA = os.path.join(BUILD, "vigia")
TMP = tempfile.mkdtemp(prefix="vigia-tui-roster-")
SOCK = os.path.join(TMP, "tmux.sock")
DB = os.path.join(TMP, "v.db")
T0 = "2026-11-23T15:30:00Z"  # Monday 07:30 in Los Angeles: Rosa's shift, a priority window
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TERM": "xterm-256color",
    "TZ": "America/Los_Angeles",
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "VIGIA_DB", "VIGIA_NOW", "TMUX"):
    ENV.pop(k, None)

results = []


def cli(*args, now=T0):
    env = dict(ENV, VIGIA_NOW=now)
    p = subprocess.run([VIGIA, "--db", DB, "--as", "tester"] + list(args), env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"vigia {args}: {p.stderr}"
    return p.stdout.strip()


def tmux(*args, check=True):
    p = subprocess.run(["tmux", "-S", SOCK] + list(args), env=ENV, capture_output=True,
                       text=True, timeout=30)
    if check:
        assert p.returncode == 0, f"tmux {args}: {p.stderr}"
    return p.stdout


def screen(escapes=False):
    return tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "t")


def keys(*ks):
    for k in ks:
        tmux("send-keys", "-t", "t", k)


def text(s):
    tmux("send-keys", "-t", "t", "-l", s)


def wait_for(*needles, gone=False, deadline=15.0):
    """Wait until every needle shows (or, with gone, none does); return the screen."""
    end = time.monotonic() + deadline
    while True:
        s = screen()
        found = [n in s for n in needles]
        if (not gone and all(found)) or (gone and not any(found)):
            return s
        if time.monotonic() > end:
            raise AssertionError(f"waiting for {needles} (gone={gone}); screen:\n{s}")
        time.sleep(0.05)


def console(now, editor=""):
    tmux("kill-server", check=False)
    for attempt in range(20):  # the old server may still be going away
        p = subprocess.run(["tmux", "-S", SOCK, "-f", "/dev/null", "new-session", "-d", "-s",
                            "t", "-x", "80", "-y", "24",
                            f"env VIGIA_NOW={now} TZ=America/Los_Angeles EDITOR='{editor}' "
                            f"VISUAL= {VIGIA} --db {DB} --as tester"],
                           env=ENV, capture_output=True, text=True, timeout=30)
        if p.returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"tmux new-session: {p.stderr}")


def test(fn):
    name = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
    try:
        fn()
        results.append((True, name, ""))
    except AssertionError as e:
        results.append((False, name, str(e)))
    except Exception:  # noqa: BLE001
        results.append((False, name, traceback.format_exc()))


def assignment(verifier):
    rows = [json.loads(l) for l in cli("assignment", "list", "--all", "--json").splitlines()]
    rows = [r for r in rows if r.get("verifier") == verifier]
    assert len(rows) == 1, rows
    return rows[0]


def prepare():
    csv = os.path.join(TMP, "verifiers.csv")
    with open(csv, "w") as f:
        f.write("name,contact,languages,areas,roles\n"
                "Rosa M.,+1 415 555 0101,\"es,en\",mission,verifier\n"
                "Luis,@luis_obs,en,mission,verifier\n"
                "Carmen,+14155550199,es,bayview,legal_observer\n")
    cli("verifier", "import", csv)
    cli("shifts", "import", os.path.join(SRC, "share", "vigia", "shifts-sample.yaml"))
    ids = {}
    ids["a"] = cli("report", "add", "--location", "Home Depot on Cesar Chavez", "--what",
                   "three SUVs and a van", "--area", "Mission", "--contact", "+14155559999")
    return ids


def main():
    if not os.access(VIGIA, os.X_OK) or shutil.which("tmux") is None:
        print("1..0 # SKIP needs the vigia binary and tmux")
        return 0
    ids = prepare()
    try:
        run(ids)
    finally:
        tmux("kill-server", check=False)
    print(f"1..{len(results)}")
    failed = 0
    for i, (good, name, diag) in enumerate(results, 1):
        print(f"{'ok' if good else 'not ok'} {i} - {name}")
        if not good:
            failed += 1
            for line in diag.splitlines():
                print("# " + line)
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


def run(ids):
    console(T0)

    @test
    def rank_and_assign():
        """'a' on a report ranks verifiers with reasons; Enter assigns the first"""
        wait_for("Home Depot on Cesar Chavez")
        keys("a")
        s = wait_for("ranked by fit", "Why this rank")
        lines = s.splitlines()
        rosa = [l for l in lines if "Rosa M." in l]
        luis = [l for l in lines if "Luis" in l]
        carmen = [l for l in lines if "Carmen" in l]
        assert rosa and luis and carmen, s
        # Rosa is on shift (Monday 06:00-12:00); Luis is not; Carmen is not in the Mission.
        assert lines.index(rosa[0]) < lines.index(luis[0]) < lines.index(carmen[0]), s
        assert "on shift, free, knows Mission" in rosa[0], s
        assert "off shift" in luis[0], s
        keys("l")  # languages cycle: en first
        s = wait_for("speaking en", "speaks en")
        keys("l")
        s = wait_for("speaking es")
        carmen = [l for l in s.splitlines() if "Carmen" in l]
        assert carmen and "speaks es" in carmen[0], s
        keys("l")
        wait_for("speaking", gone=True)
        keys("Enter")
        s = wait_for("Roster:", "assigned; their message is below")
        # No gateway is configured here: the pane says the message was not sent, and why.
        assert "message [not sent: no sms gateway]" in s and "Home Depot on Cesar Chavez" in s, s
        assert "+14155559999" not in s, "the caller's contact must never reach the verifier"
        a = assignment("Rosa M.")
        assert a["state"] == "assigned" and a["assigned_at"].startswith("2026-11-23T15:30"), a
        assert "+14155559999" not in a["message"], a

    @test
    def walk_states():
        """a, e, o move the assignment; a decline after leaving is refused; c checks in"""
        keys("a")
        wait_for("Rosa M.: acknowledged")
        keys("e")
        wait_for("Rosa M.: en route")
        keys("o")
        s = wait_for("Rosa M.: on scene")
        assert [l for l in s.splitlines() if "Rosa M." in l and "on scene" in l], s
        keys("x")
        wait_for("cannot decline once on scene")
        keys("c")
        wait_for("Rosa M. checked in")
        a = assignment("Rosa M.")
        assert a["state"] == "on_scene", a
        for k in ("acknowledged_at", "en_route_at", "on_scene_at", "last_word_at"):
            assert k in a, (k, a)
        keys("Escape")
        wait_for("Home Depot on Cesar Chavez")
        keys("q")

    @test
    def overdue_and_missed_checkin():
        """later: OVERDUE for an unacknowledged assignment, CALL and escalation for a missed check-in"""
        ids["b"] = cli("report", "add", "--location", "Mission and 24th", "--what",
                       "agents asking people for papers", "--area", "Mission")
        cli("assign", ids["b"], "Luis")
        # 20 minutes later: Luis never acknowledged (5 min), Rosa missed her check-in (15 min).
        console("2026-11-23T15:50:00Z")
        wait_for("CALL Rosa M. +14155550101: no check-in for 20m")
        keys("V")
        s = wait_for("Roster:", "CALL on scene", "OVERDUE assigned")
        rosa = [l for l in s.splitlines() if "Rosa M." in l and "CALL" in l]
        luis = [l for l in s.splitlines() if "Luis" in l and "OVERDUE" in l]
        assert rosa and luis, s
        assert rosa[0].startswith("!!") and luis[0].startswith("! "), s
        assert "MISSED CHECK-IN (20m): call them now" in s, s
        # Highlighted: the marked rows carry attributes the plain rows do not.
        esc = screen(escapes=True).splitlines()
        row = [l for l in esc if "CALL on scene" in l][0]
        plain = [l for l in esc if "Carmen" in l and "off shift" in l][0]
        assert "\x1b[" in row.split("Rosa")[0], repr(row)
        assert row.split("Rosa")[0] != plain.split("Carmen")[0], (repr(row), repr(plain))

    @test
    def release():
        """b and r finish Rosa's assignment; the marks go"""
        # The roster opened on the most urgent verifier: Rosa.
        keys("b")
        wait_for("Rosa M.: reported back")
        keys("r")
        s = wait_for("Rosa M.: released")
        assert not [l for l in s.splitlines() if "Rosa M." in l and "CALL" in l], s
        a = assignment("Rosa M.")
        assert a["state"] == "released" and "released_at" in a and "reported_back_at" in a, a

    @test
    def handoff():
        """h shows the handoff brief with Luis in the field, not acknowledged"""
        keys("h")
        s = wait_for("Shift handoff", "Verifiers in the field")
        assert "Luis" in s and "not acknowledged" in s, s
        keys("Escape")
        wait_for("Roster:")
        keys("Escape")
        keys("q")

    @test
    def add_verifier():
        """n in the roster adds a verifier field by field; a bad phone sends you back to it"""
        console("2026-11-23T15:50:00Z")
        wait_for("VERIFY")
        keys("V")
        wait_for("Roster:")
        keys("n")
        wait_for("New verifier (1/5)", "Name or handle:")
        text("Nora")
        keys("Enter")
        wait_for("New verifier (2/5)")
        text("12")
        keys("Enter", "Enter", "Enter")
        wait_for("New verifier (5/5)", "verifier")
        keys("Enter")
        s = wait_for("New verifier (2/5)", "is not a phone number")
        keys("C-u")
        text("(510) 555-0144")
        keys("Enter")
        text("es")
        keys("Enter")
        text("Fruitvale")
        keys("Enter", "Enter")
        s = wait_for("Nora is on the roster")
        assert [l for l in s.splitlines() if "Nora" in l and "fruitvale" in l], s
        rows = {r["name"]: r for r in map(json.loads, cli("verifier", "list", "--json").splitlines())}
        assert rows["Nora"]["contact"] == "+15105550144" and rows["Nora"]["languages"] == ["es"]
        keys("Escape", "q")

    @test
    def edit_schedule():
        """S edits the schedule in $EDITOR; a broken edit is refused with its line"""
        assert '"16:00"' in cli("shifts", "export")
        console("2026-11-23T15:50:00Z", editor="sed -i s/16:00/15:00/")
        wait_for("VERIFY")
        keys("V")
        wait_for("Roster:")
        keys("S")
        wait_for("26 shifts in the schedule")
        y = cli("shifts", "export")
        assert '"15:00"' in y and '"16:00"' not in y, y
        console("2026-11-23T15:50:00Z", editor="sed -i s/mon/funday/")
        wait_for("VERIFY")
        keys("V")
        wait_for("Roster:")
        keys("S")
        s = wait_for("edited schedule was refused", "schedule line 11:11: days: expected weekdays")
        assert "/tmp/" not in s, s
        assert cli("shifts", "export") == y, "a refused edit leaves the schedule as it was"
        keys("Escape", "q")


sys.exit(main())

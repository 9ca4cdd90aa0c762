#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of a practice run, driving the real binary in tmux at 100x30:
the PRACTICE banner shows on the queue and on other screens; F9 pauses the
scenario clock and F10 brings the next call in early (while paused); the
trainee assigns the scripted verifier with 'a', sees the verifier's answer
arrive in the checklist, confirms with a reason, sends the public alert
from the broadcast pane (its outbox worker, in the console's poll loop,
writes to the sandbox's sink; the SMS channel config.yaml points at a
listening 127.0.0.1 socket gets no connection), quits, and the debrief
screen and the --debrief JSON reflect what they did. The real database
(VIGIA_DB) is never created.

Scenario time runs at x30 so the verifier's three minutes pass in seconds;
waits poll the pane until the expected text shows (or a generous deadline
passes); nothing here measures time. Skips when tmux is missing. Prints TAP.
Python 3 standard library only.
"""
import json
import os
import socket
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

SRC = os.environ.get("VIGIA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("VIGIA_BUILD_DIR", os.path.join(SRC, "build"))
VIGIA = os.path.join(BUILD, "vigia")
SCENARIO = os.path.join(SRC, "share", "vigia", "scenarios", "courthouse-arrest.en.yaml")
TMP = tempfile.mkdtemp(prefix="vigia-tui-practice-")
SOCK = os.path.join(TMP, "tmux.sock")
REAL_DB = os.path.join(TMP, "real.db")
DEBRIEF = os.path.join(TMP, "debrief.json")
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TERM": "xterm-256color",
    "VIGIA_DB": REAL_DB,
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "VIGIA_NOW", "TMUX"):
    ENV.pop(k, None)
results = []


def tmux(*args, check=True):
    p = subprocess.run(["tmux", "-S", SOCK] + list(args), env=ENV, capture_output=True,
                       text=True, timeout=30)
    if check:
        assert p.returncode == 0, f"tmux {args}: {p.stderr}"
    return p.stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "t")


def keys(*ks):
    for k in ks:
        tmux("send-keys", "-t", "t", k)


def text(s):
    tmux("send-keys", "-t", "t", "-l", s)


def wait_for(*needles, gone=False, deadline=20.0):
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


def test(fn):
    name = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
    try:
        fn()
        results.append((True, name, ""))
    except AssertionError as e:
        results.append((False, name, str(e)))
    except Exception:  # noqa: BLE001
        results.append((False, name, traceback.format_exc()))
    return fn


def main():
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux not installed")
        return 0
    os.makedirs(os.path.join(TMP, "config", "vigia"))
    canary = socket.socket()
    canary.bind(("127.0.0.1", 0))
    canary.listen(16)
    canary.setblocking(False)
    port = canary.getsockname()[1]
    with open(os.path.join(TMP, "config", "vigia", "config.yaml"), "w") as f:
        f.write("default_country: US\nchannels:\n"
                f"  sms: {{gateway: twilio, base_url: \"http://127.0.0.1:{port}\", "
                "account_sid: AC00000000000000000000000000000000, auth_token: x, "
                "from: \"+15550001111\"}\n"
                f"  email: {{url: \"smtp://127.0.0.1:{port}\", from: a@example.org}}\n")
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
         f"{VIGIA} --as tester practice {SCENARIO} --speed 30 --debrief {DEBRIEF}; "
         f"echo exited $?; sleep 600")

    @test
    def banner():
        """the PRACTICE banner shows on the queue and on the help screen"""
        wait_for("PRACTICE ·", "calls to come: 2")
        keys("?")
        s = wait_for("PRACTICE ·")
        assert "Courthouse" in s or "calls to come" in s, s
        keys("Escape")

    @test
    def pause_and_inject():
        """F9 pauses the clock; F10 brings the first call in while paused"""
        keys("F9")
        s = wait_for("PRACTICE PAUSED")
        clock = s.split("PRACTICE PAUSED · ")[1].split("/")[0]
        keys("F10")
        s = wait_for("County courthouse", "calls to come: 1")
        assert "PRACTICE PAUSED · " + clock in s, (clock, s)
        keys("F9")
        wait_for("PRACTICE PAUSED", gone=True)

    @test
    def assign():
        """'a' ranks the scenario's verifier; Enter assigns her"""
        keys("a")
        wait_for("Send a verifier", "Beatriz")
        keys("Enter")
        wait_for("assigned")
        keys("Escape")
        wait_for("County courthouse")

    @test
    def verifier_answers():
        """the scripted verifier's answer fills the checklist"""
        keys("v")
        wait_for("verifier:Beatriz", "Someone arrested after a hearing", deadline=60)

    @test
    def confirm():
        """the trainee confirms with a reason"""
        keys("s")
        wait_for("Change the status to")
        keys("j", "Enter")  # verifying -> triaged, confirmed
        wait_for("Why")
        text("verifier saw ERO officers arrest him")
        keys("Enter")
        wait_for("· confirmed")
        keys("Escape")

    @test
    def broadcast():
        """the public alert goes out from the broadcast pane, to the sandbox's sink only"""
        wait_for("County courthouse")
        keys("b")
        wait_for("a approve", "public draft")
        keys("a")
        # Four alerts, and before them Beatriz's assignment message: the same worker sent it.
        wait_for("sent 5", deadline=30)
        keys("Escape")
        sink = os.path.join(TMP, "data", "vigia", "practice", "courthouse-arrest.en.db.sink.jsonl")
        with open(sink) as f:
            rows = [json.loads(x) for x in f]
        assert {r["channel"] for r in rows} == {"sms", "telegram", "email"}, rows
        mine = [r for r in rows if r.get("assignment_id")]
        assert len(mine) == 1 and mine[0]["text"].startswith("vigia: Beatriz"), rows
        try:
            conn, _ = canary.accept()
            conn.close()
            raise AssertionError("a practice run connected to the configured gateway")
        except BlockingIOError:
            pass
        assert not os.path.exists(os.path.join(TMP, "data", "vigia", "sink.jsonl"))

    @test
    def debrief_screen():
        """quitting shows the debrief with the verdict and the times"""
        keys("q")
        s = wait_for("PRACTICE DEBRIEF", "Correct verdicts: 1 / 1", "confirmed ✓", "Broadcasts: 1")
        assert "| court | courthouse_arrest |" in s, s
        keys("q")
        wait_for("exited 0")

    @test
    def debrief_file():
        """the --debrief JSON reflects what the trainee did, and the real database was never made"""
        with open(DEBRIEF) as f:
            d = json.load(f)
        inc = d["incidents"][0]
        assert inc["verdict"] == "confirmed" and inc["verdict_correct"], inc
        assert inc["first_call_at"] < "00:40", inc  # injected early
        assert d["broadcasts"][0]["sent"] == 4 and d["summary"]["gravest_mistakes"] == 0, d
        for k in ("time_to_triage", "time_to_assign", "time_to_verify", "time_to_decide",
                  "time_to_broadcast"):
            assert inc[k] is not None, (k, inc)
        assert inc["time_to_assign"] <= inc["time_to_verify"] <= inc["time_to_decide"] <= \
            inc["time_to_broadcast"], inc
        did = [(e["who"], e["kind"]) for e in d["timeline"]]
        assert ("trainee", "assignment.created") in did and ("verifier", "check.set") in did, did
        assert any(e["who"] == "trainee" and e["kind"] == "status.changed" and
                   "confirmed" in e["text"] for e in d["timeline"]), d["timeline"]
        assert d["trainee"] == "tester"
        assert not os.path.exists(REAL_DB), "the real database was created"

    tmux("kill-server", check=False)
    print("1..%d" % len(results))
    ok = True
    for i, (passed, name, msg) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if passed else "not ok", i, name))
        if not passed:
            ok = False
            for line in msg.splitlines():
                print("# " + line)
    shutil.rmtree(TMP, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of a shared practice run (vigia practice FILE --relay URL
--lead), driving the real binary in tmux at 100x30 with a real vigia-relay
on 127.0.0.1: the leader's banner shows the join code and counts the
trainees in; a headless trainee joins with the code read off the screen;
the leader's clock waits paused until F9; the trainee's assignment shows on
the leader's queue; an action the console refuses (cancelling a
call for verifiers already sent) is listed in the debrief; at the end of the scenario the debrief
screen shows and the --debrief JSON covers both trainees' work, naming who
played the timeline. Neither real database is ever created.

Scenario time runs at x120; waits poll the pane until the expected text
shows (or a generous deadline passes); nothing here measures time. Skips
when tmux is missing. Prints TAP. Python 3 standard library only.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

SRC = os.environ.get("VIGIA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("VIGIA_BUILD_DIR", os.path.join(SRC, "build"))
VIGIA = os.path.join(BUILD, "vigia")
RELAY = os.path.join(BUILD, "vigia-relay")
SCENARIO = os.path.join(SRC, "share", "vigia", "scenarios", "worksite-operation.en.yaml")
TMP = tempfile.mkdtemp(prefix="vigia-tui-practice-relay-")
SOCK = os.path.join(TMP, "tmux.sock")
DEBRIEF = os.path.join(TMP, "debrief.json")
BOB_DEBRIEF = os.path.join(TMP, "bob.json")
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TERM": "xterm-256color",
    "VIGIA_DB": os.path.join(TMP, "real.db"),
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "VIGIA_NOW", "TMUX"):
    ENV.pop(k, None)
BOB_ENV = dict(ENV, VIGIA_DB=os.path.join(TMP, "bob-real.db"))
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


def wait_for(*needles, gone=False, deadline=30.0):
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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux not installed")
        return 0
    os.makedirs(os.path.join(TMP, "config", "vigia"))
    with open(os.path.join(TMP, "config", "vigia", "config.yaml"), "w") as f:
        f.write("default_country: US\n")
    answers = os.path.join(TMP, "bob.yaml")
    with open(answers, "w") as f:
        f.write('actions:\n  - {at: "01:30", do: assign, incident: plant, verifier: Rosa}\n')
    port = free_port()
    relay = subprocess.Popen([RELAY, "--port", str(port), "--db", os.path.join(TMP, "relay.db")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "100", "-y", "30",
         f"{VIGIA} --as alice practice {SCENARIO} --relay {url} --lead --speed 120 "
         f"--sandbox {TMP}/alice.db --debrief {DEBRIEF}; echo exited $?; sleep 600")
    bob = None
    shared = {}

    @test
    def banner_code():
        """the leader's banner shows the join code, paused, with no trainee in yet"""
        s = wait_for("PRACTICE PAUSED", " · 0 in")
        m = re.search(r"· ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}) · 0 in", s)
        assert m, s
        shared["code"] = m.group(1)

    @test
    def trainee_joins():
        """a headless trainee joins with the code; the banner counts them in"""
        nonlocal bob
        assert "code" in shared
        bob = subprocess.Popen(
            [VIGIA, "--as", "bob", "practice", SCENARIO, "--headless", "--answers", answers,
             "--relay", url, "--join", shared["code"], "--sandbox", f"{TMP}/bob.db",
             "--debrief", BOB_DEBRIEF, "--wait", "60"],
            env=BOB_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(shared["code"] + " · 1 in")
        s = screen()
        assert "PRACTICE PAUSED · 00:00" in s, s

    @test
    def start_and_shared_assignment():
        """F9 starts the clock for all; the trainee's assignment shows on the leader's queue"""
        keys("F9")
        wait_for("PRACTICE PAUSED", gone=True)
        wait_for("Packing plant", "VERIFY")

    @test
    def refused_cancel():
        """the leader calls for verifiers; cancelling it once sent is refused by the console"""
        keys("b")
        wait_for("internal draft", "call-to-action")
        keys("a")
        wait_for("done ", "internal  call-to-action")
        keys("x")  # refused: no longer a draft
        keys("Escape")
        wait_for("Packing plant")

    @test
    def end_and_debrief():
        """at the scenario's end the debrief shows; the JSON covers both trainees"""
        wait_for("PRACTICE DEBRIEF", deadline=60)
        keys("q")
        wait_for("exited 0")
        with open(DEBRIEF) as f:
            d = json.load(f)
        team = d["team"]
        assert team["played_timeline"] == "alice" and team["this_trainee_leads"], team
        assert sorted(team["trainees"]) == ["alice", "bob"], team
        did = {(e["actor"], e["kind"]) for e in d["timeline"]}
        assert ("bob", "assignment.created") in did, did
        assert ("verifier:Rosa (scenario)", "check.set") in did or any(
            e["who"] == "verifier" for e in d["timeline"]), did
        made = [e for e in d["timeline"] if e["kind"] == "report.created"]
        assert len(made) == 3, made
        assert any("console" in r and "no longer a draft" in r for r in d["refused"]), \
            d["refused"]
        assert d["summary"]["gravest_mistakes"] == 0, d["mistakes"]

    @test
    def trainee_debrief():
        """the trainee's run ended with the leader's; their debrief names the leader"""
        out, err = bob.communicate(timeout=90)
        assert bob.returncode == 0, (bob.returncode, err)
        with open(BOB_DEBRIEF) as f:
            d = json.load(f)
        assert d["team"]["played_timeline"] == "alice" and not d["team"]["this_trainee_leads"]
        assert len([e for e in d["timeline"] if e["kind"] == "report.created"]) == 3
        for db in ("real.db", "bob-real.db"):
            assert not os.path.exists(os.path.join(TMP, db)), db

    tmux("kill-server", check=False)
    if bob is not None and bob.poll() is None:
        bob.kill()
        bob.communicate()
    relay.send_signal(signal.SIGTERM)
    relay.communicate(timeout=10)
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

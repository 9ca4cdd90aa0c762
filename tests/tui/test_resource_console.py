#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of the referral directory, driving the real binary in tmux
at 80x24: 'R' opens the directory with the sample marked, typing filters
(accents ignored), 'n' cycles the need, 'f' on a report refers its caller
and the referral is on the report's timeline.

Skips when tmux is missing. Python 3 standard library only; prints TAP.
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
SAMPLE = os.path.join(SRC, "share", "vigia", "resources-sample.yaml")
TMP = tempfile.mkdtemp(prefix="vigia-tui-resource-")
SESSION = f"vigia-res-{os.getpid()}"
SOCKET = os.path.join(TMP, "tmux.sock")
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "TERM": "xterm-256color",
    "VIGIA_DB": os.path.join(TMP, "console.db"),
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "TMUX"):
    ENV.pop(k, None)

results = []


def test(name):
    def wrap(fn):
        try:
            fn()
            results.append((True, name, ""))
        except Exception:  # noqa: BLE001
            results.append((False, name, traceback.format_exc()))
        return fn
    return wrap


def vigia(*args, env=None):
    e = dict(ENV)
    e.update(env or {})
    p = subprocess.run([VIGIA, "--as", "tester"] + list(args), env=e, cwd=TMP,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout.decode()


def tmux(*args):
    return subprocess.run(["tmux", "-S", SOCKET] + list(args), env=ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)


def screen():
    return tmux("capture-pane", "-p", "-t", SESSION).stdout.decode("utf-8", "replace")


def keys(*k):
    tmux("send-keys", "-t", SESSION, *k)


def wait_for(*texts, timeout=10.0):
    """Wait until every one of @texts is on the screen; return the screen."""
    end = time.monotonic() + timeout
    s = ""
    while time.monotonic() < end:
        s = screen()
        if all(x in s for x in texts):
            return s
        time.sleep(0.05)
    raise AssertionError(f"{texts!r} never appeared; screen:\n{s}")


def wait_gone(text, timeout=10.0):
    end = time.monotonic() + timeout
    s = ""
    while time.monotonic() < end:
        s = screen()
        if text not in s:
            return s
        time.sleep(0.05)
    raise AssertionError(f"{text!r} is still there; screen:\n{s}")


def lines(s):
    return s.rstrip("\n").split("\n")


def main():
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux is not installed")
        return 0
    if not os.access(VIGIA, os.X_OK):
        print(f"1..0 # SKIP no vigia binary at {VIGIA}")
        return 0
    vigia("resource", "import", SAMPLE)
    vigia("resource", "add", "--name", "Centro Legal de Inmigración", "--service",
          "immigration_attorney", "--language", "es", "--contact", "408-555-0100")
    report = vigia("report", "add", "--location", "5th and Main", "--what",
                   "brother detained").strip()
    # A referral made three hours ago with a one-hour reminder: due now.
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3 * 3600))
    vigia("refer", report, "Santa Clara", "--remind", "1h", env={"VIGIA_NOW": past})
    tmux("new-session", "-d", "-s", SESSION, "-x", "80", "-y", "24",
         f"{VIGIA} --as tester; sleep 30")
    try:
        wait_for("5th and Main")

        @test("R opens the directory at 80x24 with the sample marked")
        def _():
            keys("R")
            s = wait_for("Resources: trusted organisations", "United We Dream", "Esc back")
            ls = lines(s)
            assert len(ls) <= 24, s
            assert all(len(x) <= 80 for x in ls), s
            assert "San Francisco Rapid Response Network" in s and "415-200-1548" in s, s
            assert "SAMPLE unchecked" in s, s
            assert "SAMPLE entries: replace them" in s, s
            assert "Centro Legal de Inmigración" in s, s
            # The key hints and the status bar are the last two rows.
            assert "Esc back" in ls[22] and "? help" in ls[23], s

        @test("typing filters as one types, accents ignored")
        def _():
            keys("/", "inmigracion")
            s = wait_gone("United We Dream")
            assert "Centro Legal de Inmigración" in s, s
            assert "inmigracion" in lines(s)[1], s
            keys("Enter", "c")
            wait_for("United We Dream")

        @test("n cycles the need, l filters by language")
        def _():
            keys("n")
            wait_for("Need (n): immigration attorney", "Centro Legal")
            s = wait_gone("United We Dream")
            assert "Need (n): immigration attorney" in s and "Centro Legal" in s, s
            keys("c", "l", "es")
            s = wait_gone("United We Dream")
            assert "Centro Legal" in s, s
            keys("Enter", "c", "Escape")
            wait_for("5th and Main")

        @test("f on a report refers its caller and records it on the timeline")
        def _():
            keys("f")
            s = wait_for("Refer the caller of \"5th and Main\"", "Enter refer")
            assert "Enter refer" in s, s
            keys("/", "united", "Enter")
            wait_gone("Santa Clara")
            keys("r")
            wait_for("referred to United We Dream", "5th and Main")
            out = vigia("events", "--report", report, "--json")
            ev = [json.loads(x) for x in out.splitlines() if x.strip()]
            kinds = {e["kind"]: e for e in ev}
            assert kinds["resource.referred"]["detail"]["name"] == "United We Dream", ev
            assert "followup.drafted" in kinds, ev

        @test("an entry another process adds appears while the directory is open")
        def _():
            keys("R")
            wait_for("Resources: trusted organisations", "Esc back")
            vigia("resource", "add", "--name", "Zeta Fianzas", "--service", "bail", "--contact",
                  "555-0199")
            s = wait_for("Zeta Fianzas")
            assert "555-0199" in s, s
            keys("Escape")
            wait_for("5th and Main")

        @test("F lists the follow-ups due; Enter marks one done")
        def _():
            keys("R")
            s = wait_for("F: 1 follow-up due", "Esc back")
            keys("F")
            s = wait_for("did the caller reach Santa Clara", "Enter done")
            assert "5th and Main" in s and "Enter done" in s, s
            keys("Enter")
            s = wait_for("done: did the caller reach Santa Clara")
            assert "follow-up due" not in s, s
            assert "no follow-up is due" in vigia("resource", "followups")
            out = vigia("events", "--report", report)
            assert "followed up on Santa Clara County Rapid Response Network" in out, out
            keys("Escape")
            wait_for("5th and Main")

        @test("the help lists the directory keys")
        def _():
            keys("?")
            wait_for("Keys")
            keys("G")
            s = wait_for("Resources (R) and referrals (f)")
            assert "refer and draft a follow-up" in s, s
            keys("q")
    finally:
        keys("q")
        tmux("kill-server")
    failed = 0
    for i, (good, name, diag) in enumerate(results, 1):
        print(f"{'ok' if good else 'not ok'} {i} - {name}")
        if not good:
            failed += 1
            for line in diag.rstrip().splitlines():
                print(f"# {line}")
            print(f"not ok {i} - {name}\n{diag.rstrip()}", file=sys.stderr)
    print(f"1..{len(results)}")
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

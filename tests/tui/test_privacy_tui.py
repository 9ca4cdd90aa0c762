#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of screen privacy, driving the real binary in tmux at 80x24:
the passphrase asked at start (Enter goes on locked), a locked contact shown
as sealed, Ctrl-X U to unlock, the contact masked until r reveals it, F12
and Ctrl-G blanking the screen instantly (nothing of a report left on it),
Ctrl-X L locking again, and the panic chord Ctrl-X W (a wrong word cancels;
"wipe" destroys the database, WAL and SHM and quits).

The database is prepared with the command line first. Waits poll the pane
until the expected text shows (or a generous deadline passes); nothing here
measures time. Prints TAP. Python 3 standard library only.
"""
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
TMP = tempfile.mkdtemp(prefix="vigia-tui-privacy-")
SOCK = os.path.join(TMP, "tmux.sock")
DB = os.path.join(TMP, "p.db")
PASS = "correct horse battery staple"
ENV = dict(os.environ)
ENV.update({
    "XDG_CONFIG_HOME": os.path.join(TMP, "config"),
    "XDG_DATA_HOME": os.path.join(TMP, "data"),
    "HOME": TMP,
    "LC_ALL": "C.UTF-8",
    "TERM": "xterm-256color",
    "TZ": "UTC",
    "VIGIA_PWHASH": "fast",   # tests only
    "VIGIA_NO_KEYRING": "1",  # every start is locked
})
for k in ("LANGUAGE", "LANG", "NO_COLOR", "VIGIA_DB", "VIGIA_NOW", "TMUX",
          "VIGIA_PASSPHRASE_FILE"):
    ENV.pop(k, None)

results = []


def cli(*args, env=None):
    e = dict(ENV)
    e.update(env or {})
    p = subprocess.run([VIGIA, "--db", DB, "--as", "tester"] + list(args), env=e,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"vigia {args}: {p.stderr}"
    return p.stdout.strip()


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


def wait_blank(deadline=15.0):
    end = time.monotonic() + deadline
    while True:
        s = screen()
        if s.strip() == "":
            return
        if time.monotonic() > end:
            raise AssertionError(f"screen not blank:\n{s}")
        time.sleep(0.05)


def wait_exit(deadline=15.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        out = tmux("list-panes", "-a", "-F", "#{pane_dead}", check=False)
        if out.strip() in ("", "1"):
            return
        time.sleep(0.05)
    raise AssertionError("the console did not quit")


def test(fn):
    name = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
    try:
        fn()
        results.append((True, name, ""))
    except AssertionError as e:
        results.append((False, name, str(e)))
    except Exception:  # noqa: BLE001
        results.append((False, name, traceback.format_exc()))


def prepare():
    rid = cli("report", "add", "--location", "Hardware store on 5th", "--what",
              "three SUVs, men in vests", "--contact", "+1 555 867 5309")
    pf = os.path.join(TMP, "pass")
    with open(pf, "w", encoding="utf-8") as f:
        f.write(PASS + "\n")
    os.chmod(pf, 0o600)
    cli("passphrase", "set", env={"VIGIA_PASSPHRASE_FILE": pf})
    return rid


def main():
    if not os.access(VIGIA, os.X_OK) or shutil.which("tmux") is None:
        print("1..0 # SKIP needs the vigia binary and tmux")
        return 0
    prepare()
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
         f"{VIGIA} --db {DB} --as tester")
    tmux("set-option", "-t", "t", "remain-on-exit", "on")
    try:
        run()
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


def run():
    @test
    def asks_at_start():
        """the passphrase is asked at start; Enter goes on with personal data locked"""
        wait_for("Passphrase for personal data")
        keys("Enter")
        wait_for("Hardware store on 5th")

    @test
    def locked_contact():
        """a report shows its caller as sealed while locked"""
        keys("Enter")
        s = wait_for("Report:", "Caller (private)")
        assert "sealed" in s and "5309" not in s, s

    @test
    def unlock_masked_reveal():
        """Ctrl-X U unlocks (the passphrase shown as dots); the contact is masked until r"""
        keys("C-x", "u")
        wait_for("Passphrase (Esc cancels)")
        text("wrong passphrase here")
        s = screen()
        assert "wrong passphrase here" not in s, s
        keys("Enter")
        wait_for("wrong passphrase")
        keys("C-x", "u")
        wait_for("Passphrase (Esc cancels)")
        text(PASS)
        s = screen()
        assert PASS not in s and "•" in s, s
        keys("Enter")
        s = wait_for("personal data unlocked", "r: reveal")
        assert "5558675309" not in s and "•09" in s, s
        keys("r")
        s = wait_for("+15558675309")
        assert "r: reveal" not in s, s
        keys("r")
        wait_for("r: reveal")
        keys("r")
        wait_for("+15558675309")
        # Leaving the report masks it again.
        keys("q")
        wait_for("Hardware store on 5th", gone=False)
        keys("Enter")
        s = wait_for("Report:", "r: reveal")
        assert "+15558675309" not in s, s
        keys("r")
        wait_for("+15558675309")

    @test
    def blank_keys():
        """F12 and Ctrl-G blank the screen at once; any key brings it back, masked again"""
        keys("F12")
        wait_blank()
        keys("j")  # swallowed: only brings the screen back
        s = wait_for("Report:", "r: reveal")
        assert "+15558675309" not in s, s
        keys("C-g")
        wait_blank()
        keys("Escape")
        wait_for("Report:")

    @test
    def lock_again():
        """Ctrl-X L locks: the contact is sealed again"""
        keys("C-x", "l")
        s = wait_for("personal data locked", "sealed")
        assert "5309" not in s, s
        keys("q")
        wait_for("Hardware store on 5th")

    @test
    def wipe_chord():
        """Ctrl-X W: a wrong word cancels; "wipe" destroys the database and quits"""
        keys("C-x", "w")
        wait_for("Type wipe and Enter")
        text("no")
        keys("Enter")
        wait_for("not wiped")
        assert os.path.exists(DB)
        keys("C-x", "w")
        wait_for("Type wipe and Enter")
        text("wipe")
        keys("Enter")
        wait_exit()
        for sfx in ("", "-wal", "-shm", "-journal"):
            assert not os.path.exists(DB + sfx), f"{DB + sfx} left after the wipe"


if __name__ == "__main__":
    sys.exit(main())

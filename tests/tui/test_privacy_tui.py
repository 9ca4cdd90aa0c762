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
import sys

import harness

R = harness.Run("privacy", env={
    "VIGIA_PWHASH": "fast",   # tests only
    "VIGIA_NO_KEYRING": "1",  # every start is locked
})
R.env.pop("VIGIA_PASSPHRASE_FILE", None)
DB = R.path("p.db")
PASS = "correct horse battery staple"
test = R.test


def cli(*args, env=None):
    return R.cli("--db", DB, *args, env=env)


def prepare():
    rid = cli("report", "add", "--location", "Hardware store on 5th", "--what",
              "three SUVs, men in vests", "--contact", "+1 555 867 5309")
    # A person of the follow-up (sealed like the caller's contact; masked the same way).
    cli("followup", "add", rid.strip(), "--name", "Xochitl Ramirez", "--phone", "+1 510 555 0187")
    pf = R.path("pass")
    with open(pf, "w", encoding="utf-8") as f:
        f.write(PASS + "\n")
    os.chmod(pf, 0o600)
    cli("passphrase", "set", env={"VIGIA_PASSPHRASE_FILE": pf})
    return rid


def main():
    if not R.ready():
        return 0
    prepare()
    c = R.console(["--db", DB, "--as", "tester"])
    try:
        run(c)
    finally:
        R.kill()
    return R.finish()


def run(c):
    @test
    def asks_at_start():
        """the passphrase is asked at start; Enter goes on with personal data locked"""
        c.wait_for("Passphrase for personal data")
        c.keys("Enter")
        c.wait_for("Hardware store on 5th")

    @test
    def locked_contact():
        """a report shows its caller as sealed while locked"""
        c.keys("Enter")
        s = c.wait_for("Report:", "Caller (private)", "People (private)")
        assert "sealed" in s and "5309" not in s, s
        assert "Xochitl" not in s and "0187" not in s, s

    @test
    def unlock_masked_reveal():
        """Ctrl-X U unlocks (the passphrase shown as dots); the contact is masked until r"""
        c.keys("C-x", "u")
        c.wait_for("Passphrase (Esc cancels)")
        c.text("wrong passphrase here")
        s = c.screen()
        assert "wrong passphrase here" not in s, s
        c.keys("Enter")
        c.wait_for("wrong passphrase")
        c.keys("C-x", "u")
        c.wait_for("Passphrase (Esc cancels)")
        c.text(PASS)
        s = c.screen()
        assert PASS not in s and "•" in s, s
        c.keys("Enter")
        s = c.wait_for("personal data unlocked", "r: reveal")
        assert "5558675309" not in s and "•09" in s, s
        assert "X•••" in s and "•87" in s and "Xochitl" not in s, s
        c.keys("r")
        s = c.wait_for("+15558675309", "Xochitl Ramirez")
        assert "r: reveal" not in s and "+15105550187" in s, s
        c.keys("r")
        c.wait_for("r: reveal")
        c.keys("r")
        c.wait_for("+15558675309")
        # Leaving the report masks it again.
        c.keys("q")
        c.wait_for("Hardware store on 5th", gone=False)
        c.keys("Enter")
        s = c.wait_for("Report:", "r: reveal")
        assert "+15558675309" not in s, s
        c.keys("r")
        c.wait_for("+15558675309")

    @test
    def blank_keys():
        """F12 and Ctrl-G blank the screen at once; any key brings it back, masked again"""
        c.keys("F12")
        c.wait_blank()
        c.keys("j")  # swallowed: only brings the screen back
        s = c.wait_for("Report:", "r: reveal")
        assert "+15558675309" not in s, s
        c.keys("C-g")
        c.wait_blank()
        c.keys("Escape")
        c.wait_for("Report:")

    @test
    def lock_again():
        """Ctrl-X L locks: the contact is sealed again"""
        c.keys("C-x", "l")
        s = c.wait_for("personal data locked", "sealed")
        assert "5309" not in s, s
        c.keys("q")
        c.wait_for("Hardware store on 5th")

    @test
    def wipe_chord():
        """Ctrl-X W: a wrong word cancels; "wipe" destroys the database and quits"""
        c.keys("C-x", "w")
        c.wait_for("Type wipe and Enter")
        c.text("no")
        c.keys("Enter")
        c.wait_for("not wiped")
        assert os.path.exists(DB)
        c.keys("C-x", "w")
        c.wait_for("Type wipe and Enter")
        c.text("wipe")
        c.keys("Enter")
        assert c.exit_status() == 0
        for sfx in ("", "-wal", "-shm", "-journal", ".outbox-lock"):
            assert not os.path.exists(DB + sfx), f"{DB + sfx} left after the wipe"


if __name__ == "__main__":
    sys.exit(main())

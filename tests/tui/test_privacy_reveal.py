#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console test of the reveal timeout, driving the real binary in tmux: with
reveal_seconds: 1 in the config, a caller's contact revealed with r is masked
again on its own (the console wakes for it, with no key pressed), and r
reveals it again afterwards.

Waits poll the pane until the expected text shows (or a generous deadline
passes); nothing here measures time. Prints TAP. Python 3 standard library
only.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PASS = "correct horse battery staple"
R = harness.Run("reveal", env={"VIGIA_PWHASH": "fast", "VIGIA_NO_KEYRING": "1"})


def main():
    if not R.ready():
        return 0
    db = R.path("r.db")
    os.makedirs(R.path("config", "vigia"))
    with open(R.path("config", "vigia", "config.yaml"), "w", encoding="utf-8") as f:
        f.write("reveal_seconds: 1\n")
    pf = R.path("pass")
    with open(pf, "w", encoding="utf-8") as f:
        f.write(PASS + "\n")
    os.chmod(pf, 0o600)
    R.cli("--db", db, "report", "add", "--location", "Hardware store on 5th", "--what",
          "three SUVs, men in vests", "--contact", "+1 555 867 5309")
    R.cli("--db", db, "passphrase", "set", env={"VIGIA_PASSPHRASE_FILE": pf})
    c = R.console(["--db", db, "--as", "tester"], env={"VIGIA_PASSPHRASE_FILE": pf})

    @R.test
    def masked_again():
        """a revealed contact is masked again after reveal_seconds, with no key pressed"""
        c.wait_for("Hardware store on 5th")
        c.keys("Enter")
        s = c.wait_for("Report:", "r: reveal")
        assert "5558675309" not in s, s
        c.keys("r")
        s = c.wait_for("+15558675309")
        assert "r: reveal" not in s, s
        s = c.wait_for("r: reveal")
        assert "5558675309" not in s and "•09" in s, s

    @R.test
    def reveal_again():
        """r reveals it again after the timeout masked it; the timeout applies again"""
        c.keys("r")
        c.wait_for("+15558675309")
        s = c.wait_gone("+15558675309")
        assert "r: reveal" in s, s

    return R.finish()


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: GPL-3.0-or-later
"""What every console test shares: a private temporary home, the vigia
command line, consoles in detached tmux sessions on a private server, waits
that poll the pane until the expected text shows (or a generous deadline
passes; nothing here measures time), and TAP output.

    R = harness.Run("verify")
    ...
    c = R.console(["--db", DB, "--as", "tester"])
    c.wait_for("Home Depot")

Python 3 standard library only.
"""
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import traceback

SRC = os.environ.get("VIGIA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("VIGIA_BUILD_DIR", os.path.join(SRC, "build"))
VIGIA = os.path.join(BUILD, "vigia")
RELAY = os.path.join(BUILD, "vigia-relay")
DUMP = os.environ.get("VIGIA_TUI_DUMP")  # a file to append every awaited screen to


class Pane:
    """One console in a detached tmux session of @run's server."""

    def __init__(self, run, name):
        self.run = run
        self.name = name
        self.status = os.path.join(run.tmp, f"{name}.status")

    def screen(self, escapes=False):
        return self.run.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t",
                             self.name).stdout

    def keys(self, *ks):
        """Send tmux key names ("Enter", "C-x", "j") in order."""
        for k in ks:
            self.run.tmux("send-keys", "-t", self.name, k, check=True)

    def text(self, s):
        """Type @s literally."""
        self.run.tmux("send-keys", "-t", self.name, "-l", s, check=True)

    def wait_for(self, *needles, gone=False, timeout=None):
        """Wait until every needle shows (or, with gone, none does); return the screen."""
        timeout = timeout or self.run.timeout
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            found = [n in s for n in needles]
            if (not gone and all(found)) or (gone and not any(found)):
                if DUMP:
                    with open(DUMP, "a") as f:
                        f.write(f"---- {needles}\n{s}")
                return s
            if time.monotonic() > end:
                what = "still there" if gone else "never appeared"
                raise AssertionError(f"{needles!r} {what} after {timeout}s; screen:\n{s}")
            time.sleep(0.05)

    def wait_blank(self, timeout=None):
        """Wait until nothing at all shows on the pane."""
        timeout = timeout or self.run.timeout
        end = time.monotonic() + timeout
        while True:
            s = self.screen()
            if s.strip() == "":
                return
            if time.monotonic() > end:
                raise AssertionError(f"the screen is not blank after {timeout}s:\n{s}")
            time.sleep(0.05)

    def wait_gone(self, *needles, timeout=None):
        return self.wait_for(*needles, gone=True, timeout=timeout)

    def resize(self, width, height):
        self.run.tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height),
                      check=True)

    def pid(self):
        """The pid of the program the pane runs (the shell's child)."""
        shell = self.run.tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").stdout
        kids = subprocess.run(["pgrep", "-P", shell.strip()], capture_output=True,
                              text=True).stdout.split()
        assert kids, "the pane runs no program"
        return int(kids[0])

    def exit_status(self, timeout=10.0):
        """Wait for the console to exit and return its exit status."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if os.path.exists(self.status):
                with open(self.status) as f:
                    v = f.read().strip()
                if v:
                    return int(v)
            time.sleep(0.05)
        raise AssertionError("the console did not exit:\n" + self.screen())


class Relay:
    """A vigia-relay on a free 127.0.0.1 port; stop() ends it."""

    def __init__(self, db):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([RELAY, "--port", str(self.port), "--db", db],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > end:
                    raise AssertionError(f"vigia-relay did not listen on {self.url}")
                time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)


class Run:
    """One test program: its temporary home, tmux server and results."""

    def __init__(self, prefix, tz="UTC", env=None, timeout=15.0):
        self.tmp = tempfile.mkdtemp(prefix=f"vigia-tui-{prefix}-")
        self.sock = os.path.join(self.tmp, "tmux.sock")
        self.env = dict(os.environ)
        for k in ("LANGUAGE", "LANG", "NO_COLOR", "TMUX", "VIGIA_DB", "VIGIA_NOW"):
            self.env.pop(k, None)
        self.env.update({
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_DATA_HOME": os.path.join(self.tmp, "data"),
            "HOME": self.tmp,
            "LC_ALL": "C.UTF-8",
            "TERM": "xterm-256color",
            "TZ": tz,
        })
        self.env.update(env or {})
        self.results = []
        self.sessions = 0
        self.timeout = timeout  # the default wait

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def ready(self):
        """False (after printing a TAP skip) when tmux or the binary is missing."""
        if shutil.which("tmux") is None or not os.access(VIGIA, os.X_OK):
            print(f"1..0 # SKIP needs tmux and the vigia binary at {VIGIA}")
            return False
        return True

    def cli(self, *args, env=None, who="tester", check=True):
        """Run vigia with @args; return its standard output, stripped."""
        e = dict(self.env)
        e.update(env or {})
        p = subprocess.run([VIGIA, "--as", who] + [str(a) for a in args], env=e, cwd=self.tmp,
                           capture_output=True, text=True, timeout=60)
        if check:
            assert p.returncode == 0, f"vigia {args}: {p.stdout}{p.stderr}"
        return p.stdout.strip()

    def tmux(self, *args, check=False):
        p = subprocess.run(["tmux", "-S", self.sock] + list(args), env=self.env,
                           capture_output=True, text=True, errors="replace", timeout=30)
        if check:
            assert p.returncode == 0, f"tmux {args}: {p.stderr}"
        return p

    def console(self, args, width=80, height=24, env=None, name=None):
        """Start `vigia ARGS` in a new session; its exit status is kept for
        Pane.exit_status() and the pane stays readable after it exits."""
        self.sessions += 1
        pane = Pane(self, name or f"c{self.sessions}")
        e = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in (env or {}).items())
        cmd = (f"env {e} {shlex.quote(VIGIA)} {' '.join(shlex.quote(str(a)) for a in args)};"
               f" echo $? > {shlex.quote(pane.status)}")
        for _ in range(20):  # a server just killed may still be going away
            p = self.tmux("-f", "/dev/null", "new-session", "-d", "-s", pane.name, "-x",
                          str(width), "-y", str(height), cmd)
            if p.returncode == 0:
                break
            time.sleep(0.1)
        assert p.returncode == 0, f"tmux new-session: {p.stderr}"
        self.tmux("set-option", "-t", pane.name, "remain-on-exit", "on", check=True)
        return pane

    def kill(self):
        """Stop every console of this run."""
        self.tmux("kill-server")

    def test(self, name=None):
        """Decorator that runs the function now and records a TAP result:
        @R.test("what it checks") or @R.test (name from the docstring)."""
        def run(fn, title):
            try:
                fn()
                self.results.append((True, title, ""))
            except AssertionError as e:
                self.results.append((False, title, str(e) + "\n" + traceback.format_exc()))
            except Exception:  # noqa: BLE001
                self.results.append((False, title, traceback.format_exc()))
            return fn
        if callable(name):
            fn = name
            return run(fn, (fn.__doc__ or fn.__name__).strip().splitlines()[0])
        return lambda fn: run(fn, name or (fn.__doc__ or fn.__name__).strip().splitlines()[0])

    def finish(self):
        """Stop the consoles, print TAP, remove the home; return the exit status."""
        self.kill()
        print(f"1..{len(self.results)}")
        failed = 0
        for i, (good, name, diag) in enumerate(self.results, 1):
            print(f"{'ok' if good else 'not ok'} {i} - {name}")
            if not good:
                failed += 1
                for line in diag.rstrip().splitlines():
                    print(f"# {line}")
        shutil.rmtree(self.tmp, ignore_errors=True)
        return 1 if failed else 0

# SPDX-License-Identifier: GPL-3.0-or-later
"""What every command-line test program shares: where the binaries are, a
private temporary home (XDG folders, HOME, LC_ALL, TZ if asked; no VIGIA_* setting
leaks in from the caller), the vigia runner and its result, the ok()/fails()
checks, a vigia-relay on 127.0.0.1, and TAP output.

    import clitest
    from clitest import ok, fails

    T = clitest.Suite("verify", now="2026-11-22T10:00:00Z")

    @T.test
    def t_add():
        "report add prints an id"
        r = ok(T.vigia("report", "add", ..., db=T.path("a.db")))

    sys.exit(T.finish())

Tests run when they are defined; finish() prints the plan and the results.
The folder of the test program is on sys.path, so `import clitest` works.
Python 3 standard library only.
"""
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
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
# What a sanitizer build prints when it finds something.
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")
# Settings of the caller's environment that would change what vigia does.
UNSET = ("LANGUAGE", "LANG", "NO_COLOR", "VIGIA_DB", "VIGIA_NOW", "VIGIA_PASSPHRASE_FILE")


def home_env(home, *, tz=None, now=None, db=None, env=None):
    """The environment of a vigia whose home, config and data folders are in
    @home; @tz sets TZ (else the caller's zone stays, as the test's own
    time.localtime() sees it), @now fixes the clock (VIGIA_NOW), @db sets
    VIGIA_DB, @env adds more (a None value removes the variable)."""
    e = dict(os.environ)
    for k in UNSET:
        e.pop(k, None)
    e.update({
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "HOME": home,
        "LC_ALL": "C.UTF-8",
    })
    if tz is not None:
        e["TZ"] = tz
    if now is not None:
        e["VIGIA_NOW"] = now
    if db is not None:
        e["VIGIA_DB"] = db
    return merged(e, env)


def merged(base, env):
    """@base with @env on top; a None value in @env removes the variable."""
    e = dict(base)
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def workspace(folder, config=None):
    """Make @folder with config/vigia and data in it; write config.yaml when
    @config is given. Returns @folder."""
    os.makedirs(os.path.join(folder, "config", "vigia"), exist_ok=True)
    os.makedirs(os.path.join(folder, "data"), exist_ok=True)
    if config is not None:
        with open(os.path.join(folder, "config", "vigia", "config.yaml"), "w") as f:
            f.write(config)
    return folder


class Result:
    """What one vigia run did: rc, out and err (text), out_b and err_b
    (bytes), and returncode/stdout/stderr like subprocess's (text or bytes
    as the run asked)."""

    def __init__(self, p, text=False):
        self.rc = self.returncode = p.returncode
        self.out_b = p.stdout
        self.err_b = p.stderr
        self.out = p.stdout.decode("utf-8", "replace")
        self.err = p.stderr.decode("utf-8", "replace")
        if text:  # as subprocess's text=True: universal newlines
            self.stdout = self.out.replace("\r\n", "\n").replace("\r", "\n")
            self.stderr = self.err.replace("\r\n", "\n").replace("\r", "\n")
        else:
            self.stdout = self.out_b
            self.stderr = self.err_b

    def __repr__(self):
        return f"rc={self.rc} stdout={self.out[:600]!r} stderr={self.err[:600]!r}"


def vigia(*args, env, db=None, db_first=False, who="tester", stdin=b"", cwd=None, timeout=120,
          prefix=(), text=False, new_session=False):
    """Run `vigia [--as WHO] [--db DB] ARGS` (--db before --as with @db_first;
    no --as when @who is None) under @env; @prefix goes before the binary.
    Fails the test on a sanitizer report or a death by signal."""
    argv = list(prefix) + [VIGIA]
    if db is not None and db_first:
        argv += ["--db", db]
    if who:
        argv += ["--as", who]
    if db is not None and not db_first:
        argv += ["--db", db]
    argv += list(args)
    p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                       cwd=cwd, timeout=timeout, start_new_session=new_session)
    r = Result(p, text)
    for s in SANITIZER:
        assert s not in r.err, f"sanitizer report: {r!r}"
    assert r.rc >= 0, f"killed by signal {-r.rc}: {r!r}"
    return r


def ok(r):
    """@r succeeded."""
    assert r.rc == 0, f"expected success: {r!r}"
    return r


def fails(r, *, rc=None, usage=None, want=None, flags=re.I, hint=None):
    """@r failed with a one-line 'vigia: ...' error on stderr: exit @rc (or,
    with @usage, 2 for a usage mistake and 1 otherwise; else any non-zero),
    the error matching @want. The one line allowed after it points to
    --help: exactly @hint when given."""
    assert r.rc != 0, f"expected failure: {r!r}"
    if rc is not None:
        assert r.rc == rc, f"expected exit {rc}: {r!r}"
    lines = r.err.splitlines()
    assert lines, f"no error message: {r!r}"
    assert lines[0].startswith("vigia: "), f"error does not start with 'vigia: ': {r!r}"
    extra = lines[1:]
    if hint is not None:
        assert extra in ([], [hint]), f"error is not one line: {r!r}"
    else:  # the (translated) pointer to --help
        assert extra == [] or (len(extra) == 1 and "'vigia --help'" in extra[0]), \
            f"error is not one line: {r!r}"
    assert "\x1b" not in r.err, f"raw escape in error message: {r!r}"
    assert lines[0].strip() != "vigia:", f"empty error: {r!r}"
    if usage is True:
        assert r.rc == 2, f"usage mistake should exit 2: {r!r}"
    elif usage is False:
        assert r.rc == 1, f"failure should exit 1: {r!r}"
    if want is not None:
        assert re.search(want, lines[0], flags), f"error should match {want!r}: {r!r}"
    return r


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, what="server"):
    """Wait until something accepts connections on 127.0.0.1:@port."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not start")


class Relay:
    """A vigia-relay on 127.0.0.1 with its database @db; started now unless
    @start is False."""

    def __init__(self, db, *extra, start=True):
        self.db = db
        self.port = free_port()
        self.extra = list(extra)
        self.proc = None
        if start:
            self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [RELAY, "--port", str(self.port), "--db", self.db] + self.extra,
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
        wait_port(self.port, "relay")

    def stop(self, sig=signal.SIGTERM):
        """Stop it with @sig; it must not report a sanitizer finding, and
        must exit 0 on SIGTERM."""
        if self.proc is not None:
            self.proc.send_signal(sig)
            _, err = self.proc.communicate(timeout=10)
            code = self.proc.returncode
            self.proc = None
            err = err.decode(errors="replace")
            for bad in ("Sanitizer", "runtime error:"):
                assert bad not in err, err
            if sig == signal.SIGTERM:
                assert code == 0, (code, err)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port


class Skip(Exception):
    """Raised by a test that cannot run here: reported as ok # SKIP."""


def title(fn):
    """A test's name: the first line of its docstring, else its name."""
    return (fn.__doc__ or fn.__name__).strip().splitlines()[0]


class Suite:
    """One test program: its temporary home (@prefix names it), the
    environment for vigia there, and its TAP results."""

    def __init__(self, prefix, *, tz=None, now=None, db=None, env=None):
        self.tmp = tempfile.mkdtemp(prefix=f"vigia-{prefix}-")
        self.env = home_env(self.tmp, tz=tz, now=now, db=db, env=env)
        self.results = []  # (ok, name, diagnostics, skip reason)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def vigia(self, *args, env=None, **kw):
        """vigia() in this home (the working folder too); @env adds to it."""
        kw.setdefault("cwd", self.tmp)
        return vigia(*args, env=merged(self.env, env), **kw)

    def check(self, name, fn, *args):
        """Run fn(*args) now and record the result under @name."""
        try:
            fn(*args)
            self.results.append((True, name, "", None))
        except Skip as e:
            self.results.append((True, name, "", str(e)))
        except Exception:  # noqa: BLE001 - every failure is reported
            self.results.append((False, name, traceback.format_exc(), None))

    def test(self, fn):
        """Decorator: run the test function now; its docstring's first line names it."""
        self.check(title(fn), fn)
        return fn

    def finish(self, needs=(VIGIA,)):
        """Print TAP (a skip of everything when a binary in @needs is
        missing); remove the home unless a test failed or VIGIA_KEEP_TMP is
        set. Returns the exit status."""
        missing = [b for b in needs if not os.access(b, os.X_OK)]
        if missing:
            print(f"1..0 # SKIP no binary at {', '.join(missing)}")
            shutil.rmtree(self.tmp, ignore_errors=True)
            return 0
        print(f"1..{len(self.results)}")
        failed = 0
        for i, (good, name, diag, skip) in enumerate(self.results, 1):
            if skip is not None:
                print(f"ok {i} - {name} # SKIP {skip}")
                continue
            print(f"{'ok' if good else 'not ok'} {i} - {name}")
            if not good:
                failed += 1
                for line in diag.rstrip().splitlines():
                    print(f"# {line}")
                # meson --print-errorlogs shows the stderr of a failed TAP test.
                print(f"not ok {i} - {name}\n{diag.rstrip()}", file=sys.stderr)
        if failed or os.environ.get("VIGIA_KEEP_TMP"):
            print(f"# kept {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return 1 if failed else 0

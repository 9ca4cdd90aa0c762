#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Console benchmark: vigia next to a floor program, 100,000 reports, 80x24.

Prints figures only; it never fails on a figure (performance targets are
benchmarks that print, never timed assertions). Exit status is non-zero only
when the harness itself cannot run (a program missing, an import failing).

Each program runs in a pseudo-terminal (TIOCSWINSZ 80x24,
TERM=xterm-256color, LANG=C.UTF-8, XDG dirs in a temporary folder). Output is
fed to a small xterm emulation (Screen below) so that a frame can be
recognised and changed cells counted.

  first frame   time from fork to the last byte of the first frame; the frame
                is complete when the bottom line (status bar) and at least half
                the lines are non-blank and no byte has come for --quiet ms
                (default 150); median of --runs starts (warm page cache)
  move          one key (10 x "j" down the page, 10 x "k" back, none scrolls), output
                collected until --quiet ms of silence; bytes averaged over
                --moves moves; changed cells = cells whose character or
                attributes differ in the emulated screen before and after
  idle          /proc/PID/schedstat (and stat utime+stime) and /proc/PID/status
                voluntary+nonvoluntary_ctxt_switches, before and after --idle
                seconds (10) with no input; bytes written meanwhile
  peak RSS      VmHWM from /proc/PID/status just before 'q'

Usage: bench-console.py [--vigia PATH] [--floor PATH] [--rows N] [--keep]
       [--hide-detail KEYS] [--verify-tmux]
"""

import argparse
import codecs
import fcntl
import json
import os
import random
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unicodedata

COLS, LINES = 80, 24

# ---------------------------------------------------------------------------
# A small xterm emulation: enough of ECMA-48/xterm for what ncurses emits with
# TERM=xterm-256color (cursor addressing, erase, insert/delete, scroll region,
# SGR, REP, DEC line drawing, the alternate screen, UTF-8 and wide characters).

DEC_GRAPHICS = dict(zip("`afgjklmnopqrstuvwxyz{|}~",
                        "◆▒°±┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·"))


def char_width(ch):
    if unicodedata.combining(ch) or ch in "\u200b\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class Screen:
    def __init__(self, cols, lines):
        self.cols, self.lines = cols, lines
        self.dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.state = "ground"
        self.seq = ""
        self.unknown = {}
        self.reset()

    def reset(self):
        self.attr = (None, None, 0)  # fg, bg, flag bits
        self.cells = [self.blank_row() for _ in range(self.lines)]
        self.x = self.y = 0
        self.wrap = False
        self.top, self.bot = 0, self.lines - 1
        self.g = ["B", "B"]
        self.gl = 0
        self.saved = (0, 0, self.attr)
        self.last = " "

    def blank(self):
        return (" ", (None, self.attr[1], 0))

    def blank_row(self):
        return [(" ", (None, None, 0))] * self.cols

    def snapshot(self):
        return [list(r) for r in self.cells]

    def text(self):
        return ["".join(c for c, _ in r if c != "").rstrip() for r in self.cells]

    def feed(self, data):
        for ch in self.dec.decode(data):
            self.step(ch)

    # -- parser --
    def step(self, ch):
        st = self.state
        if st == "ground":
            if ch == "\x1b":
                self.state, self.seq = "esc", ""
            elif ord(ch) < 0x20 or ch == "\x7f":
                self.control(ch)
            else:
                self.put(ch)
        elif st == "esc":
            if ch == "[":
                self.state, self.seq = "csi", ""
            elif ch == "]":
                self.state, self.seq = "osc", ""
            elif ch in "P_^X":
                self.state = "str"
            elif ch in "()*+":
                self.state, self.seq = "charset", ch
            elif ch in " #%":
                self.state = "esc2"
            else:
                self.state = "ground"
                self.escape(ch)
        elif st == "esc2":
            self.state = "ground"
        elif st == "charset":
            self.g["()*+".index(self.seq) if self.seq in "()" else 1] = ch
            self.state = "ground"
        elif st == "csi":
            if "\x40" <= ch <= "\x7e":
                self.state = "ground"
                self.csi(self.seq, ch)
            elif ch == "\x1b":
                self.state = "esc"
            else:
                self.seq += ch
        elif st in ("osc", "str"):
            if ch == "\x07":
                self.state = "ground"
            elif ch == "\x1b":
                self.state = "strend"
        elif st == "strend":
            self.state = "ground" if ch == "\\" else "osc"

    def control(self, ch):
        if ch == "\r":
            self.x, self.wrap = 0, False
        elif ch in "\n\x0b\x0c":
            self.index()
        elif ch == "\b":
            self.x, self.wrap = max(0, self.x - 1), False
        elif ch == "\t":
            self.x = min(self.cols - 1, (self.x // 8 + 1) * 8)
        elif ch == "\x0e":
            self.gl = 1
        elif ch == "\x0f":
            self.gl = 0

    def escape(self, ch):
        if ch == "7":
            self.saved = (self.x, self.y, self.attr)
        elif ch == "8":
            self.x, self.y, self.attr = self.saved
            self.wrap = False
        elif ch == "D":
            self.index()
        elif ch == "E":
            self.x = 0
            self.index()
        elif ch == "M":
            if self.y == self.top:
                self.scroll_down(1)
            elif self.y > 0:
                self.y -= 1
        elif ch == "c":
            self.reset()
        elif ch not in "=>":
            self.unknown["ESC " + ch] = self.unknown.get("ESC " + ch, 0) + 1

    def index(self):
        self.wrap = False
        if self.y == self.bot:
            self.scroll_up(1)
        elif self.y < self.lines - 1:
            self.y += 1

    def scroll_up(self, n):
        for _ in range(n):
            del self.cells[self.top]
            self.cells.insert(self.bot, [self.blank()] * self.cols)

    def scroll_down(self, n):
        for _ in range(n):
            del self.cells[self.bot]
            self.cells.insert(self.top, [self.blank()] * self.cols)

    def put(self, ch):
        if self.g[self.gl] == "0":
            ch = DEC_GRAPHICS.get(ch, ch)
        w = char_width(ch)
        if w == 0:
            px = self.x - 1 if not self.wrap else self.x
            if px >= 0:
                c, a = self.cells[self.y][px]
                self.cells[self.y][px] = (c + ch, a)
            return
        if self.wrap or self.x + w > self.cols:
            self.x = 0
            self.index()
        row = self.cells[self.y]
        row[self.x] = (ch, self.attr)
        if w == 2:
            row[self.x + 1] = ("", self.attr)
        self.last = ch
        if self.x + w >= self.cols:
            self.x, self.wrap = self.cols - 1, True
        else:
            self.x += w

    def erase(self, y, x0, x1):
        b = self.blank()
        row = self.cells[y]
        for x in range(max(0, x0), min(self.cols, x1)):
            row[x] = b

    def csi(self, seq, final):
        priv = seq[:1] if seq[:1] in "?>=<" else ""
        body = seq[len(priv):].rstrip(" !\"$'")
        try:
            p = [int(v) if v else 0 for v in body.replace(":", ";").split(";")] if body else []
        except ValueError:
            p = []
        a = p[0] if p else 0
        n = a or 1
        if priv:
            if final in "hl" and priv == "?" and any(v in (47, 1047, 1049) for v in p):
                if final == "h" and 1049 in p:
                    self.saved = (self.x, self.y, self.attr)
                self.cells = [self.blank_row() for _ in range(self.lines)]
            return
        if final in "Hf":
            self.y = min(self.lines - 1, max(1, a) - 1)
            self.x = min(self.cols - 1, max(1, p[1] if len(p) > 1 else 1) - 1)
            self.wrap = False
        elif final == "A":
            self.y, self.wrap = max(self.top if self.y >= self.top else 0, self.y - n), False
        elif final in "Be":
            self.y, self.wrap = min(self.bot if self.y <= self.bot else self.lines - 1,
                                    self.y + n), False
        elif final in "Ca":
            self.x, self.wrap = min(self.cols - 1, self.x + n), False
        elif final == "D":
            self.x, self.wrap = max(0, self.x - n), False
        elif final == "E":
            self.x, self.y, self.wrap = 0, min(self.lines - 1, self.y + n), False
        elif final == "F":
            self.x, self.y, self.wrap = 0, max(0, self.y - n), False
        elif final in "G`":
            self.x, self.wrap = min(self.cols - 1, n - 1), False
        elif final == "d":
            self.y, self.wrap = min(self.lines - 1, n - 1), False
        elif final == "J":
            if a == 0:
                self.erase(self.y, self.x, self.cols)
                for y in range(self.y + 1, self.lines):
                    self.erase(y, 0, self.cols)
            elif a == 1:
                self.erase(self.y, 0, self.x + 1)
                for y in range(0, self.y):
                    self.erase(y, 0, self.cols)
            elif a in (2, 3):
                for y in range(self.lines):
                    self.erase(y, 0, self.cols)
        elif final == "K":
            if a == 0:
                self.erase(self.y, self.x, self.cols)
            elif a == 1:
                self.erase(self.y, 0, self.x + 1)
            else:
                self.erase(self.y, 0, self.cols)
        elif final == "X":
            self.erase(self.y, self.x, self.x + n)
        elif final == "@":
            row = self.cells[self.y]
            row[self.x:self.x] = [self.blank()] * n
            del row[self.cols:]
        elif final == "P":
            row = self.cells[self.y]
            del row[self.x:self.x + n]
            row.extend([self.blank()] * (self.cols - len(row)))
        elif final in "LM":
            if self.top <= self.y <= self.bot:
                top = self.top
                self.top = self.y
                (self.scroll_down if final == "L" else self.scroll_up)(
                    min(n, self.bot - self.y + 1))
                self.top = top
                self.x = 0
        elif final == "S":
            self.scroll_up(n)
        elif final == "T":
            self.scroll_down(n)
        elif final == "r":
            self.top = max(1, a) - 1
            self.bot = min(self.lines, p[1] if len(p) > 1 and p[1] else self.lines) - 1
            self.x = self.y = 0
            self.wrap = False
        elif final == "m":
            self.sgr(p or [0])
        elif final == "b":
            for _ in range(n):
                self.put(self.last)
        elif final == "s":
            self.saved = (self.x, self.y, self.attr)
        elif final == "u":
            self.x, self.y, self.attr = self.saved
        elif final in "hlntcq":
            pass
        else:
            k = "CSI " + seq + final
            self.unknown[k] = self.unknown.get(k, 0) + 1

    def sgr(self, p):
        fg, bg, fl = self.attr
        i = 0
        while i < len(p):
            v = p[i]
            if v == 0:
                fg, bg, fl = None, None, 0
            elif 1 <= v <= 9:
                fl |= 1 << v
            elif v == 22:
                fl &= ~((1 << 1) | (1 << 2))
            elif 23 <= v <= 29:
                fl &= ~(1 << (v - 20))
            elif 30 <= v <= 37 or 90 <= v <= 97:
                fg = v
            elif 40 <= v <= 47 or 100 <= v <= 107:
                bg = v
            elif v == 39:
                fg = None
            elif v == 49:
                bg = None
            elif v in (38, 48) and i + 1 < len(p):
                if p[i + 1] == 5 and i + 2 < len(p):
                    c = ("i", p[i + 2])
                    i += 2
                elif p[i + 1] == 2 and i + 4 < len(p):
                    c = ("rgb", p[i + 2], p[i + 3], p[i + 4])
                    i += 4
                else:
                    c = None
                if v == 38:
                    fg = c
                else:
                    bg = c
            i += 1
        self.attr = (fg, bg, fl)


def bytes_by_kind(data):
    """Split terminal output into text, cursor motion, attributes and erasing (bytes each)."""
    import re
    kinds = {"text": 0, "motion": 0, "attributes": 0, "erase": 0, "other": 0}
    pat = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()*+][0-~]|\x1b[@-_]|[\x00-\x1f]")
    pos = 0
    for m in pat.finditer(data):
        kinds["text"] += m.start() - pos
        seq = m.group()
        pos = m.end()
        if seq in (b"\r", b"\n", b"\b", b"\t") or (seq[:2] == b"\x1b[" and
                                                  seq[-1:] in b"HfABCDEFGd`a"):
            kinds["motion"] += len(seq)
        elif seq[-1:] == b"m" or seq[:2] in (b"\x1b(", b"\x1b)") or seq in (b"\x0e", b"\x0f"):
            kinds["attributes"] += len(seq)
        elif seq[:2] == b"\x1b[" and seq[-1:] in b"KJX":
            kinds["erase"] += len(seq)
        else:
            kinds["other"] += len(seq)
    kinds["text"] += len(data) - pos
    return kinds


def changed_cells(a, b):
    return sum(1 for ra, rb in zip(a, b) for ca, cb in zip(ra, rb) if ca != cb)


# ---------------------------------------------------------------------------
# Running a program in a pseudo-terminal.

def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def proc_cpu_ns(pid):
    """CPU time in ns from /proc/PID/schedstat (finer than stat's clock ticks), or None."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def proc_cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def proc_rss_by_mapping(pid, top=8):
    """Largest resident mappings (KiB) from /proc/PID/smaps, summed per file."""
    sums, name = {}, None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                parts = line.split()
                if "-" in parts[0] and len(parts) >= 5 and ":" not in parts[0]:
                    name = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
                elif parts[0] == "Rss:":
                    sums[name] = sums.get(name, 0) + int(parts[1])
    except OSError:
        pass
    return sorted(sums.items(), key=lambda kv: -kv[1])[:top]


def kib(s):
    return int(s.split()[0]) if s else 0


class Term:
    """One program in a pseudo-terminal, with the emulated screen it draws."""

    def __init__(self, argv, env, quiet):
        self.quiet = quiet
        self.screen = Screen(COLS, LINES)
        self.log = bytearray()
        self.t0 = time.monotonic()
        pid, fd = os.forkpty()
        if pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLS, 0, 0))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.status = None

    def read_until_quiet(self, quiet=None, limit=20.0, done=None):
        """Read output until @quiet s pass with no byte (and done() holds, if given).
        Returns (bytes, time of the last byte)."""
        quiet = self.quiet if quiet is None else quiet
        got = bytearray()
        last = None
        start = time.monotonic()
        while True:
            now = time.monotonic()
            if now - start > limit:
                break
            ref = last if last is not None else start
            if last is not None and now - last >= quiet and (done is None or done()):
                break
            wait = max(0.0, quiet - (now - ref)) if last is not None else quiet
            r, _, _ = select.select([self.fd], [], [], max(wait, 0.005))
            if not r:
                if last is None and done is None:
                    break
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                break
            if not data:
                break
            last = time.monotonic()
            got += data
            self.log += data
            self.screen.feed(data)
        return bytes(got), last

    def send(self, keys):
        os.write(self.fd, keys.encode())

    def alive(self):
        if self.status is not None:
            return False
        pid, st = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.status = st
            return False
        return True

    def finish(self, key="q", timeout=5.0):
        if self.alive():
            try:
                self.send(key)
            except OSError:
                pass
        end = time.monotonic() + timeout
        rusage = None
        while time.monotonic() < end:
            try:
                self.read_until_quiet(0.05, limit=0.2)
            except OSError:
                pass
            pid, st, ru = os.wait4(self.pid, os.WNOHANG)
            if pid:
                self.status, rusage = st, ru
                break
            time.sleep(0.02)
        else:
            os.kill(self.pid, signal.SIGKILL)
            _, self.status, rusage = os.wait4(self.pid, 0)
        os.close(self.fd)
        return rusage


def frame_ready(screen):
    t = screen.text()
    return t[-1].strip() != "" and sum(1 for r in t if r.strip()) >= LINES // 2


# ---------------------------------------------------------------------------
# Data.

AREAS = ["downtown", "eastside", "northgate", "riverside", "el barrio", "westlake",
         "harbor", "midtown", "southpark", "la loma", "university", "airport"]
PLACES = ["hardware store on 5th", "day labor corner at Home Depot", "courthouse steps",
          "bus stop on Alvarado", "Mercado central", "apartment complex on Oak",
          "car wash on Main", "church parking lot", "laundromat on 3rd", "school gate"]
WHATS = ["three SUVs and a van, men in vests talking to day laborers",
         "two unmarked cars parked haphazardly, agents asking for papers",
         "tres camionetas sin placas frente a la tienda, agentes con chalecos",
         "people detained near the entrance, a caller saw it first-hand",
         "checkpoint reported by a neighbour, not confirmed yet",
         "agents knocked on a door asking for a named person",
         "rumor on social media, photo looks old",
         "policía local, no ICE según el testigo"]
CATS = ["enforcement_sighting", "checkpoint", "workplace", "courthouse", "home_visit",
        "detention_follow_up", "other"]
STATUSES = ["new"] * 6 + ["triaged"] * 2 + ["verifying", "confirmed", "false_alarm",
                                            "police_only"]
SOURCES = ["call", "sms", "telegram", "signal", "walk-in", "social"]


def rfc3339(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def write_jsonl(path, n, hours):
    rnd = random.Random(42)
    now = int(time.time() * 1000)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            # Received over the last @hours: 3 h keeps every report in the live queue.
            rec = now - 5000 - int(i * hours * 3600 * 1000 / n)
            o = {
                "received_at": rfc3339(rec),
                "observed_at": rfc3339(rec - rnd.randrange(0, 20) * 60000),
                "source": rnd.choice(SOURCES),
                "category": rnd.choice(CATS),
                "status": rnd.choice(STATUSES),
                "location": rnd.choice(PLACES),
                "area": rnd.choice(AREAS),
                "what": "%s (#%d)" % (rnd.choice(WHATS), i),
                "agents": rnd.randrange(1, 12),
                "vehicles": rnd.choice([None, "2 SUVs", "white van", "3 sedans"]),
                "agency": rnd.choice([None, "ICE", "HSI", "CBP", "unknown"]),
            }
            f.write(json.dumps(o, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------------------
# Measurements.

def measure_start(argv, env, quiet):
    t = Term(argv, env, quiet)
    _, last = t.read_until_quiet(done=lambda: frame_ready(t.screen), limit=30.0)
    ok = frame_ready(t.screen)
    first = (last - t.t0) if last is not None else float("nan")
    ns = proc_cpu_ns(t.pid)
    t.first_cpu_ms = ns / 1e6 if ns is not None else float("nan")
    return t, first, ok


def move_keys(moves):
    """Down over the first rows of the page and back up: one-row moves over
    varied rows, none of which scrolls (the page has at least 11 rows at 80x24)."""
    half = max(1, min(moves // 2, 10))
    return ["j"] * half + ["k"] * half


def measure_moves(t, keys, moves):
    per, cells = [], []
    t.kinds = {}
    for i in range(moves):
        before = t.screen.snapshot()
        t.send(keys[i % len(keys)])
        out, _ = t.read_until_quiet(limit=5.0)
        t.last_move = out
        for k, v in bytes_by_kind(out).items():
            t.kinds[k] = t.kinds.get(k, 0) + v
        per.append(len(out))
        cells.append(changed_cells(before, t.screen.cells))
    return per, cells


def measure_idle(t, seconds):
    w0 = time.time()
    st0 = proc_status(t.pid)
    c0 = proc_cpu_ticks(t.pid)
    n0 = proc_cpu_ns(t.pid)
    out = bytearray()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([t.fd], [], [], max(0.0, end - time.monotonic()))
        if r:
            data = os.read(t.fd, 65536)
            out += data
            t.screen.feed(data)
    st1 = proc_status(t.pid)
    c1 = proc_cpu_ticks(t.pid)
    n1 = proc_cpu_ns(t.pid)
    vol = kib(st1.get("voluntary_ctxt_switches")) - kib(st0.get("voluntary_ctxt_switches"))
    nvol = kib(st1.get("nonvoluntary_ctxt_switches")) - \
        kib(st0.get("nonvoluntary_ctxt_switches"))
    hz = os.sysconf("SC_CLK_TCK")
    return {"wakeups": vol + nvol, "vol": vol, "nvol": nvol,
            "cpu_ms": (c1 - c0) * 1000.0 / hz, "bytes": len(out),
            "cpu_ms_schedstat": (n1 - n0) / 1e6 if n0 is not None and n1 is not None else None,
            "minute_tick": int(w0 // 60) != int(time.time() // 60)}


def bench_program(name, argv, env, args, hide_keys=None):
    res = {"name": name}
    starts, cpus = [], []
    for _ in range(args.runs):
        t, first, ok = measure_start(argv, env, args.quiet)
        cpus.append(t.first_cpu_ms)
        t.finish()
        if not ok:
            res["error"] = "no complete frame; screen:\n  " + "\n  ".join(t.screen.text())
            return res
        starts.append(first)
    res["first_frame_ms"] = statistics.median(starts) * 1000
    res["first_frame_all"] = [round(s * 1000, 1) for s in starts]
    res["first_frame_cpu_ms"] = statistics.median(cpus)
    res["first_frame_cpu_all"] = [round(c, 1) for c in cpus]

    t, first, ok = measure_start(argv, env, args.quiet)
    res["first_frame_bytes"] = len(t.log)
    res["screen"] = t.screen.text()
    per, cells = measure_moves(t, move_keys(args.moves), args.moves)
    res["move_bytes"] = statistics.mean(per)
    res["move_cells"] = statistics.mean(cells)
    res["move_bytes_all"] = per
    res["move_sample"] = t.last_move
    res["move_kinds"] = dict(t.kinds)
    res["move_cells_all"] = cells
    res["screen_moved"] = t.screen.text()
    if hide_keys:
        t.send(hide_keys)
        t.read_until_quiet(limit=5.0)
        per, cells = measure_moves(t, move_keys(args.moves), args.moves)
        res["hidden_move_bytes"] = statistics.mean(per)
        res["hidden_move_cells"] = statistics.mean(cells)
        res["hidden_move_sample"] = t.last_move
        res["hidden_move_kinds"] = dict(t.kinds)
        res["screen_hidden"] = t.screen.text()
        t.send(hide_keys)
        t.read_until_quiet(limit=5.0)
    res["idle"] = measure_idle(t, args.idle)
    st = proc_status(t.pid)
    res["hwm_kib"] = kib(st.get("VmHWM"))
    res["rss_kib"] = kib(st.get("VmRSS"))
    res["rss_anon_kib"] = kib(st.get("RssAnon"))
    res["rss_file_kib"] = kib(st.get("RssFile"))
    res["rss_top"] = proc_rss_by_mapping(t.pid)
    t.finish()
    res["unknown_seq"] = dict(t.screen.unknown)
    res["exit"] = t.status
    return res


def tmux_check(argv, env, keys):
    """Draw with tmux and compare its screen with the emulation's (a self-check)."""
    if shutil.which("tmux") is None:
        return None
    sock = "bench-%d-%s" % (os.getpid(), os.path.basename(argv[0]))
    cmd = " ".join("'%s'" % a.replace("'", "'\\''") for a in argv)
    tm = ["tmux", "-L", sock, "-f", "/dev/null"]
    e = dict(env)
    if subprocess.run(tm + ["new-session", "-d", "-x", str(COLS), "-y", str(LINES), cmd],
                      env=e).returncode != 0:
        return None
    time.sleep(1.5)
    for k in keys:
        subprocess.run(tm + ["send-keys", "-t", "0", k], env=e, check=True)
        time.sleep(0.2)
    time.sleep(0.5)
    cap = subprocess.run(tm + ["capture-pane", "-p", "-t", "0"], env=e, check=True,
                         capture_output=True, text=True).stdout
    subprocess.run(tm + ["kill-server"], env=e)
    return [r.rstrip() for r in cap.split("\n")[:LINES]]


def fmt(v, spec="%.1f"):
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return spec % v


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.environ.get("VIGIA_BUILD_DIR", "")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vigia", default=os.path.join(build, "vigia") if build else None)
    ap.add_argument("--floor",
                    default=os.path.join(build, "tests/bench/floor") if build else None)
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--spread", type=float, default=3.0, metavar="HOURS",
                    help="reports received over the last HOURS (default 3: all live,"
                    " the worst case; e.g. 2160 for 90 days, most expired)")
    ap.add_argument("--runs", type=int, default=5, help="starts for the first-frame median")
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--quiet", type=float, default=0.150, help="seconds of silence = done")
    ap.add_argument("--hide-detail", default="d",
                    help="keys that toggle vigia's detail pane (default d; '' to skip)")
    ap.add_argument("--only", choices=["floor", "vigia"], default=None)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--dir", default=None, help="reuse databases in this folder")
    ap.add_argument("--verify-tmux", action="store_true",
                    help="compare the emulated screen with tmux capture-pane")
    ap.add_argument("--json", action="store_true", help="also print raw results as JSON")
    ap.add_argument("--env", action="append", default=[], metavar="K=V",
                    help="extra environment for both programs (e.g. NO_COLOR=1)")
    ap.add_argument("--dump", action="store_true", help="print the bytes of the last move")
    args = ap.parse_args()
    if not args.vigia or not args.floor:
        ap.error("give --vigia and --floor (or set VIGIA_BUILD_DIR)")
    vigia = os.path.abspath(args.vigia)
    floor = os.path.abspath(args.floor)
    for prog in (vigia, floor):
        if not os.access(prog, os.X_OK):
            print("bench-console: cannot run %s (build it first)" % prog, file=sys.stderr)
            return 2

    tmp = args.dir or tempfile.mkdtemp(prefix="vigia-bench-")
    os.makedirs(tmp, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": tmp,
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
        "XDG_DATA_HOME": os.path.join(tmp, "data"),
        "XDG_RUNTIME_DIR": os.path.join(tmp, "run"),
        "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
    }
    for kv in args.env:
        k, _, v = kv.partition("=")
        env[k] = v
    for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "XDG_CACHE_HOME"):
        os.makedirs(env[k], mode=0o700, exist_ok=True)
    vdir = os.path.join(tmp, "vigia-db")  # its own folder: the console watches it
    os.makedirs(vdir, exist_ok=True)
    vdb = os.path.join(vdir, "bench.db")
    fdb = os.path.join(tmp, "floor.db")
    jsonl = os.path.join(tmp, "reports.jsonl")
    print("# vigia console benchmark: %d reports received over %g h, %dx%d, TERM=xterm-256color"
          % (args.rows, args.spread, COLS, LINES))
    print("# folder: %s" % tmp)

    import_s = None
    if not os.path.exists(vdb):
        t = time.monotonic()
        write_jsonl(jsonl, args.rows, args.spread)
        print("# generated %s (%.1f MB) in %.2f s" %
              (os.path.basename(jsonl), os.path.getsize(jsonl) / 1e6, time.monotonic() - t))
        t = time.monotonic()
        p = subprocess.run([vigia, "--db", vdb, "--as", "bench", "report", "import", jsonl],
                           env=env, capture_output=True, text=True)
        import_s = time.monotonic() - t
        if p.returncode != 0:
            print("vigia report import failed: %s" % p.stderr.strip(), file=sys.stderr)
            return 1
        print("# vigia report import: %s in %.2f s (target < 5 s)" %
              (p.stderr.strip(), import_s))
    if not os.path.exists(fdb):
        subprocess.run([floor, "--init", fdb, str(args.rows)], env=env, check=True)
    print("# first frame: fork to the last byte before %d ms of silence, with the bottom line"
          " and half the lines drawn; median of %d starts" % (args.quiet * 1000, args.runs))
    print("# move: 10 x 'j' then 10 x 'k' (no scrolling), output until %d ms of silence,"
          " mean of %d; changed cells from an xterm emulation" % (args.quiet * 1000, args.moves))
    sys.stdout.flush()

    results = {}
    if args.only in (None, "floor"):
        results["floor"] = bench_program("floor", [floor, fdb], env, args)
    if args.only in (None, "vigia"):
        results["vigia"] = bench_program("vigia", [vigia, "--db", vdb, "--as", "bench"], env,
                                         args, args.hide_detail)
    for name, r in results.items():
        if "error" in r:
            print("# %s: %s" % (name, r["error"]))
    fl, vg = results.get("floor", {}), results.get("vigia", {})

    def g(r, *path):
        for k in path:
            if not isinstance(r, dict) or k not in r:
                return None
            r = r[k]
        return r

    def per_cell(r, b="move_bytes", c="move_cells"):
        if g(r, b) is None or not g(r, c):
            return None
        return r[b] / r[c]

    rows = [
        ("first frame (ms)", fmt(g(fl, "first_frame_ms")), fmt(g(vg, "first_frame_ms")),
         "<= 2x floor = %s" % fmt(g(fl, "first_frame_ms") and 2 * fl["first_frame_ms"])),
        ("  CPU until then (ms)", fmt(g(fl, "first_frame_cpu_ms")),
         fmt(g(vg, "first_frame_cpu_ms")), "(schedstat; steadier on a busy machine)"),
        ("first frame (bytes)", fmt(g(fl, "first_frame_bytes"), "%d"),
         fmt(g(vg, "first_frame_bytes"), "%d"), ""),
        ("one-row move (bytes)", fmt(g(fl, "move_bytes")), fmt(g(vg, "move_bytes")),
         "<= 172 where only the queue changes"),
        ("  changed cells", fmt(g(fl, "move_cells")), fmt(g(vg, "move_cells")), ""),
        ("  bytes per changed cell", fmt(per_cell(fl), "%.2f"), fmt(per_cell(vg), "%.2f"),
         "<= 1.25 with the detail pane"),
    ]
    if g(vg, "hidden_move_bytes") is not None:
        rows += [
            ("move, detail hidden (bytes)", "", fmt(vg["hidden_move_bytes"]), "<= 172"),
            ("  changed cells", "", fmt(vg["hidden_move_cells"]), ""),
            ("  bytes per changed cell", "",
             fmt(per_cell(vg, "hidden_move_bytes", "hidden_move_cells"), "%.2f"), ""),
        ]
    def tick(r):
        return " (tick)" if g(r, "idle", "minute_tick") else ""

    rows += [
        ("idle %g s: wakeups" % args.idle, fmt(g(fl, "idle", "wakeups"), "%d") + tick(fl),
         fmt(g(vg, "idle", "wakeups"), "%d") + tick(vg), "0 (clock: <= 1/min)"),
        ("idle %g s: CPU (ms)" % args.idle, fmt(g(fl, "idle", "cpu_ms_schedstat"), "%.1f"),
         fmt(g(vg, "idle", "cpu_ms_schedstat"), "%.1f"), "0"),
        ("idle %g s: bytes out" % args.idle, fmt(g(fl, "idle", "bytes"), "%d"),
         fmt(g(vg, "idle", "bytes"), "%d"), ""),
        ("peak RSS VmHWM (KiB)", fmt(g(fl, "hwm_kib"), "%d"), fmt(g(vg, "hwm_kib"), "%d"),
         "< 6144"),
        ("import 100k (s)", "", fmt(import_s, "%.2f"), "< 5"),
    ]
    print()
    print("%-28s %11s %11s  %s" % ("metric", "floor", "vigia", "target"))
    print("-" * 78)
    for m, a, b, tgt in rows:
        print("%-28s %11s %11s  %s" % (m, a, b, tgt))
    print()
    if tick(fl) or tick(vg):
        print("# (tick): the idle window crossed a minute boundary, when a clock may redraw")
    for name, r in results.items():
        if "first_frame_all" in r:
            print("# %s first frames (ms): %s; CPU (ms): %s" %
                  (name, r["first_frame_all"], r["first_frame_cpu_all"]))
            print("# %s move bytes: %s" % (name, r["move_bytes_all"]))
            print("# %s changed cells: %s" % (name, r["move_cells_all"]))
            print("# %s move bytes by kind (all moves): %s" % (name, r["move_kinds"]))
            if "hidden_move_kinds" in r:
                print("# %s move bytes by kind, detail hidden: %s" % (name, r["hidden_move_kinds"]))
            print("# %s idle: %s; exit status %s" % (name, r["idle"], r["exit"]))
            print("# %s RSS at exit %d KiB (anon %d, file %d); largest: %s" %
                  (name, r["rss_kib"], r["rss_anon_kib"], r["rss_file_kib"],
                   ", ".join("%s %d" % kv for kv in r["rss_top"])))
            if r["unknown_seq"]:
                print("# %s: sequences the emulation ignored: %s" % (name, r["unknown_seq"]))
    if args.dump:
        for name, r in results.items():
            for k in ("move_sample", "hidden_move_sample"):
                if k in r:
                    print("# %s %s (%d bytes): %r" % (name, k, len(r[k]), r[k]))
                    print("#   by kind: %s" % bytes_by_kind(r[k]))
    if "screen" in vg:
        print("# vigia first frame as emulated:")
        for line in vg["screen"]:
            print("#|" + line)
    if args.verify_tmux:
        for name, argv in (("floor", [floor, fdb]),
                           ("vigia", [vigia, "--db", vdb, "--as", "bench"])):
            if name not in results or "screen_moved" not in results[name]:
                continue
            keys = move_keys(args.moves)
            cap = tmux_check(argv, env, (keys * (args.moves // len(keys) + 1))[:args.moves])
            mine = results[name]["screen_moved"]
            # Digits are masked: ages, counts and the clock move on between the runs.
            def mask(line):
                return "".join("9" if c.isdigit() else c for c in line)
            diff = [i for i in range(LINES) if cap is not None and
                    i < len(cap) and mask(cap[i]) != mask(mine[i])]
            print("# tmux check %s: %s" % (name, "unavailable" if cap is None else
                                           ("same screen (digits masked)" if not diff else
                                            "differs on lines %s" % diff)))
            for i in diff[:3]:
                print("#   emul: %r\n#   tmux: %r" % (mine[i], cap[i]))
    if args.json:
        print(json.dumps(results, indent=1, default=str))
    if not args.keep and not args.dir:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

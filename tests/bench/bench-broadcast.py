#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Broadcast benchmark: prints figures, asserts nothing about time.

1. Import N subscribers (default 100,000) from CSV.
2. Approve a broadcast to all of them: the approval expands it into N outbox
   rows in one transaction (target: under 1 s). Printed: wall time of
   `vigia broadcast approve`, which also counts the audience and lints.
3. Drain M messages (default 20,000) against a local Telegram Bot API
   answerer (asyncio, two processes) with no rate limit (target: 1,000 messages/s or more), and the
   peak RSS of `vigia outbox run` (bounded memory: it should not grow with M).

Usage: bench-broadcast.py --vigia PATH [--subscribers N] [--drain M]
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import gateways  # noqa: E402


def fast_telegram(sock, counter):
    """A minimal Telegram sendMessage answerer on asyncio (one per process):
    the threaded test server cannot keep up with the sender."""
    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                n = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                body = await reader.readexactly(n)
                req = json.loads(body)
                with counter.get_lock():
                    counter.value += 1
                    mid = counter.value
                out = json.dumps({"ok": True, "result": {"message_id": mid,
                                  "chat": {"id": req["chat_id"]}, "text": req["text"]}}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(out) + out)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve():
        srv = await asyncio.start_server(handle, sock=sock, backlog=512)
        async with srv:
            await srv.serve_forever()

    asyncio.run(serve())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vigia", default=os.path.join(os.environ.get("VIGIA_BUILD_DIR", "build"),
                                                    "vigia"))
    ap.add_argument("--subscribers", type=int, default=100000)
    ap.add_argument("--drain", type=int, default=20000)
    ap.add_argument("--concurrency", type=int, default=128)
    ap.add_argument("--gateway-procs", type=int, default=2)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vigia-bench-broadcast-")
    gw = gateways.Gateways(gateways.Faults(seed=1)).start()
    env = dict(os.environ)
    for k in ("VIGIA_NOW", "LANGUAGE", "LANG"):
        env.pop(k, None)
    env.update({"XDG_CONFIG_HOME": os.path.join(tmp, "config"),
                "XDG_DATA_HOME": os.path.join(tmp, "data"), "HOME": tmp, "LC_ALL": "C.UTF-8",
                "VIGIA_DB": os.path.join(tmp, "bench.db")})
    os.makedirs(os.path.join(tmp, "config", "vigia"))
    os.makedirs(os.path.join(tmp, "data"))
    with open(os.path.join(tmp, "config", "vigia", "config.yaml"), "w") as f:
        f.write("default_country: US\n")
        f.write(gw.channels_yaml(os.path.join(tmp, "sink.jsonl"), rate=0,
                                 concurrency=a.concurrency, timeout_ms=10000))

    def run(*args, check=True):
        t = time.monotonic()
        p = subprocess.run([a.vigia, "--as", "bench"] + list(args), env=env,
                           capture_output=True, text=True)
        dt = time.monotonic() - t
        if check and p.returncode != 0:
            sys.exit(f"bench: {args}: {p.stderr.strip()}")
        return p, dt

    try:
        csv = os.path.join(tmp, "subs.csv")
        with open(csv, "w") as f:
            f.write("contact,channel,language,areas\n")
            for i in range(a.subscribers):
                if i < a.drain:
                    f.write(f"{1000000 + i},telegram,{'es' if i % 3 else 'en'},drain\n")
                else:
                    f.write(f"+1555{i:07d},sms,{'es' if i % 3 else 'en'},eastside\n")
        _, dt = run("subscriber", "import", csv)
        print(f"import of {a.subscribers} subscribers: {dt:.2f} s "
              f"({a.subscribers / dt:.0f} rows/s)")
        rep = os.path.join(tmp, "r.jsonl")
        with open(rep, "w") as f:
            f.write(json.dumps({"location": "Hardware store on 5th", "what": "agents in vests",
                                "area": "Eastside", "status": "confirmed"}) + "\n")
        run("report", "import", rep)
        rid = json.loads(run("report", "list", "--json")[0].stdout.splitlines()[0])["id"]

        b = run("broadcast", "draft", "--report", rid, "--all-areas", "--channel",
                "sms,telegram")[0].stdout.strip()
        _, dt = run("broadcast", "preview", b)
        print(f"preview (count audience of {a.subscribers}, lint): {dt * 1000:.0f} ms")
        p, dt = run("broadcast", "approve", b)
        print(f"approve (expand to outbox): {p.stdout.strip()} in {dt * 1000:.0f} ms")

        d = run("broadcast", "draft", "--report", rid, "--area", "drain", "--channel",
                "telegram")[0].stdout.strip()
        run("broadcast", "approve", d)
        # Only telegram is drained (the sms rows of the first broadcast stay
        # queued), against answerers in two processes sharing one socket.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        counter = multiprocessing.Value("q", 0)
        procs = [multiprocessing.Process(target=fast_telegram, args=(sock, counter), daemon=True)
                 for _ in range(a.gateway_procs)]
        for p_ in procs:
            p_.start()
        with open(os.path.join(tmp, "config", "vigia", "config.yaml"), "w") as f:
            f.write("default_country: US\n")
            f.write(gw.channels_yaml(os.path.join(tmp, "sink.jsonl"), rate=0,
                                     concurrency=a.concurrency, timeout_ms=10000,
                                     only=("telegram",))
                    .replace(gw.http_url, "http://127.0.0.1:%d" % sock.getsockname()[1]))
        before = counter.value
        t = time.monotonic()
        proc = subprocess.Popen([a.vigia, "--as", "bench", "outbox", "run", "--until-empty",
                                 "--quiet"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        _, status, ru = os.wait4(proc.pid, 0)
        dt = time.monotonic() - t
        out = proc.stdout.read()
        n = counter.value - before
        for p_ in procs:
            p_.terminate()
        print(f"drain: {n} messages to the local Telegram API in {dt:.2f} s "
              f"= {n / dt:.0f} msg/s ({out.strip()})")
        print(f"drain: peak RSS of outbox run: {ru.ru_maxrss / 1024:.1f} MiB; CPU "
              f"{ru.ru_utime:.2f} s user + {ru.ru_stime:.2f} s system "
              f"(the rest of the wall time is the gateway's)")
    finally:
        gw.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

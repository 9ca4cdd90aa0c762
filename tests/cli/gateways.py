# SPDX-License-Identifier: GPL-3.0-or-later
"""Local stand-ins for the gateways vigia sends through, on 127.0.0.1 only.

One HTTP server speaks three real API shapes:
  Twilio    POST /2010-04-01/Accounts/{sid}/Messages.json (Basic auth, form
            To/From|MessagingServiceSid/Body) -> 201 {"sid", "status", ...};
            GET the same path ?To=... -> {"messages": [...]}; errors
            {"code", "message", "more_info", "status"}.
  Telegram  POST /bot{token}/sendMessage (JSON chat_id/text) -> {"ok": true,
            "result": {"message_id", ...}}; errors {"ok": false, "error_code",
            "description", "parameters": {"retry_after"}}.
  signal-cli POST /api/v1/rpc (JSON-RPC 2.0, method "send") -> {"result":
            {"timestamp", "results"}} or {"error": {"code", "message"}}.
and a small SMTP server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).

Faults are injected at random with a seeded generator: HTTP 500, 429 with
Retry-After (Telegram: parameters.retry_after), slow answers, and dropped
connections. A dropped connection happens *after* the message was accepted
and logged, which is the case exactly-once delivery must survive: the
gateway has it, the client never hears so. Every accepted message is kept in
`delivered` (channel, to, body) for the test to count.

Python 3 standard library only; used by test_send.py and the benchmark.
"""
import base64
import email
import email.utils
import json
import random
import socket
import socketserver
import threading
import time
import urllib.parse
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_TOKEN = "test-token"
TELEGRAM_TOKEN = "123456:TEST"
UNSUBSCRIBED = "+15550009999"  # Twilio answers 21610 for this number


class Faults:
    def __init__(self, seed=1, error500=0.0, error429=0.0, slow=0.0, slow_s=0.2, drop=0.0,
                 retry_after=1):
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.error500, self.error429, self.slow, self.slow_s = error500, error429, slow, slow_s
        self.drop, self.retry_after = drop, retry_after

    def pick(self):
        """One of None, '500', '429', 'slow', 'drop'."""
        with self.lock:
            r = self.rng.random()
        for name, p in (("500", self.error500), ("429", self.error429), ("slow", self.slow),
                        ("drop", self.drop)):
            if r < p:
                return name
            r -= p
        return None


class Gateways:
    """Start with Gateways(faults).start(); read .http_url, .smtp_url, .delivered."""

    def __init__(self, faults=None, log=None):
        self.faults = faults or Faults()
        self.delivered = []  # (channel, to, body)
        self.twilio = []     # message resources, for the list API
        self.lock = threading.Lock()
        self.requests = 0
        self.log = log
        self.counter = 0

    def record(self, channel, to, body):
        with self.lock:
            self.delivered.append((channel, to, body))
            self.counter += 1
            if self.log:
                with open(self.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"channel": channel, "to": to, "body": body}) + "\n")
            return self.counter

    def start(self):
        gw = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, obj, headers=()):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def drop(self):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            def body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def do_GET(self):
                with gw.lock:
                    gw.requests += 1
                u = urllib.parse.urlparse(self.path)
                if not u.path.startswith("/2010-04-01/Accounts/"):
                    return self.reply(404, {"code": 20404, "message": "not found"})
                if not self.auth_ok():
                    return self.reply(401, {"code": 20003, "message": "Authenticate"})
                q = urllib.parse.parse_qs(u.query)
                to = q.get("To", [None])[0]
                with gw.lock:
                    msgs = [m for m in gw.twilio if to is None or m["to"] == to]
                self.reply(200, {"messages": list(reversed(msgs)), "page": 0,
                                 "page_size": int(q.get("PageSize", ["50"])[0])})

            def auth_ok(self):
                want = "Basic " + base64.b64encode(
                    f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
                return self.headers.get("Authorization") == want

            def do_POST(self):
                with gw.lock:
                    gw.requests += 1
                raw = self.body()
                fault = gw.faults.pick()
                if fault == "slow":
                    time.sleep(gw.faults.slow_s)
                path = self.path
                if path.startswith("/2010-04-01/Accounts/") and path.endswith("/Messages.json"):
                    return self.twilio_send(raw, fault)
                if path.startswith("/bot") and path.endswith("/sendMessage"):
                    return self.telegram_send(path, raw, fault)
                if path == "/api/v1/rpc":
                    return self.signal_send(raw, fault)
                self.reply(404, {"error": "not found"})

            def twilio_send(self, raw, fault):
                if not self.auth_ok():
                    return self.reply(401, {"code": 20003, "message": "Authenticate",
                                            "status": 401})
                form = urllib.parse.parse_qs(raw.decode(), keep_blank_values=True)
                to, body = form.get("To", [""])[0], form.get("Body", [""])[0]
                if fault == "500":
                    return self.reply(500, {"code": 20500, "message": "Internal Server Error",
                                            "status": 500})
                if fault == "429":
                    return self.reply(429, {"code": 20429, "message": "Too Many Requests",
                                            "status": 429},
                                      [("Retry-After", str(gw.faults.retry_after))])
                if not to.startswith("+") or not to[1:].isdigit():
                    return self.reply(400, {"code": 21211, "status": 400,
                                            "message": f"The 'To' number {to} is not a valid "
                                                       "phone number."})
                if to == UNSUBSCRIBED:
                    return self.reply(400, {"code": 21610, "status": 400,
                                            "message": "Attempt to send to unsubscribed "
                                                       "recipient"})
                if "From" not in form and "MessagingServiceSid" not in form:
                    return self.reply(400, {"code": 21603, "status": 400,
                                            "message": "A 'From' phone number is required."})
                n = gw.record("sms", to, body)
                sid = "SM%032x" % n
                res = {"sid": sid, "status": "queued", "to": to, "body": body,
                       "date_created": email.utils.formatdate(usegmt=True),
                       "from": form.get("From", [None])[0], "account_sid": TWILIO_SID,
                       "num_segments": "1", "direction": "outbound-api"}
                with gw.lock:
                    gw.twilio.append(res)
                if fault == "drop":
                    return self.drop()
                self.reply(201, res)

            def telegram_send(self, path, raw, fault):
                if path != f"/bot{TELEGRAM_TOKEN}/sendMessage":
                    return self.reply(401, {"ok": False, "error_code": 401,
                                            "description": "Unauthorized"})
                try:
                    req = json.loads(raw)
                except ValueError:
                    return self.reply(400, {"ok": False, "error_code": 400,
                                            "description": "Bad Request: can't parse JSON"})
                if fault == "500":
                    return self.reply(502, {"ok": False, "error_code": 502,
                                            "description": "Bad Gateway"})
                if fault == "429":
                    ra = gw.faults.retry_after
                    return self.reply(429, {"ok": False, "error_code": 429,
                                            "description": f"Too Many Requests: retry after {ra}",
                                            "parameters": {"retry_after": ra}})
                chat = req.get("chat_id")
                if chat in (None, "", "@nobody"):
                    return self.reply(400, {"ok": False, "error_code": 400,
                                            "description": "Bad Request: chat not found"})
                n = gw.record("telegram", str(chat), req.get("text", ""))
                if fault == "drop":
                    return self.drop()
                self.reply(200, {"ok": True, "result": {
                    "message_id": n, "date": int(time.time()),
                    "chat": {"id": chat, "type": "private"}, "text": req.get("text", "")}})

            def signal_send(self, raw, fault):
                try:
                    req = json.loads(raw)
                except ValueError:
                    return self.reply(200, {"jsonrpc": "2.0", "id": None,
                                            "error": {"code": -32700, "message": "Parse error"}})
                if fault == "500":
                    return self.reply(500, {"jsonrpc": "2.0", "id": req.get("id"),
                                            "error": {"code": -32603, "message": "Internal"}})
                if fault == "429":
                    return self.reply(200, {"jsonrpc": "2.0", "id": req.get("id"),
                                            "error": {"code": -5,
                                                      "message": "Failed to send message due "
                                                                 "to rate limiting"}})
                if req.get("method") != "send":
                    return self.reply(200, {"jsonrpc": "2.0", "id": req.get("id"),
                                            "error": {"code": -32601,
                                                      "message": "Method not found"}})
                p = req.get("params") or {}
                rcpt = (p.get("recipient") or [None])[0] or ("group." + p.get("groupId", ""))
                if rcpt == "+15550008888":
                    return self.reply(200, {"jsonrpc": "2.0", "id": req.get("id"),
                                            "error": {"code": -1, "message":
                                                      "Unregistered user \"+15550008888\""}})
                gw.record("signal", rcpt, p.get("message", ""))
                if fault == "drop":
                    return self.drop()
                self.reply(200, {"jsonrpc": "2.0", "id": req.get("id"), "result": {
                    "timestamp": int(time.time() * 1000),
                    "results": [{"recipientAddress": {"number": rcpt}, "type": "SUCCESS"}]}})

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

            def handle_error(self, request, client_address):
                pass  # clients killed mid-request (the crash test) are expected

        self.http = Server(("127.0.0.1", 0), H)
        self.http_url = "http://127.0.0.1:%d" % self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

        class S(socketserver.StreamRequestHandler):
            def handle(self):
                out = self.wfile

                def say(line):
                    out.write((line + "\r\n").encode())
                    out.flush()

                say("220 localhost ESMTP test")
                mail_from, rcpts = None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.decode("utf-8", "replace").strip()
                    up = cmd.upper()
                    if up.startswith("EHLO"):
                        out.write(b"250-localhost\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n")
                        out.flush()
                    elif up.startswith("HELO"):
                        say("250 localhost")
                    elif up.startswith("MAIL FROM:"):
                        mail_from, rcpts = cmd[10:].strip(), []
                        say("250 OK")
                    elif up.startswith("RCPT TO:"):
                        addr = cmd[8:].strip().strip("<>")
                        if addr.startswith("nobody@"):
                            say("550 5.1.1 no such user")
                        else:
                            rcpts.append(addr)
                            say("250 OK")
                    elif up == "DATA":
                        say("354 go ahead")
                        data = []
                        while True:
                            l = self.rfile.readline()
                            if not l or l in (b".\r\n", b".\n"):
                                break
                            data.append(l[1:] if l.startswith(b"..") else l)
                        fault = gw.faults.pick()
                        if fault == "slow":
                            time.sleep(gw.faults.slow_s)
                        if fault in ("500", "429"):
                            say("451 4.3.0 try again later")
                            continue
                        msg = email.message_from_bytes(b"".join(data), policy=policy.default)
                        body = msg.get_content().replace("\r\n", "\n").rstrip("\n")
                        for r in rcpts:
                            gw.record("email", r, body)
                        if fault == "drop":
                            return
                        say("250 OK queued")
                    elif up == "RSET":
                        mail_from, rcpts = None, []
                        say("250 OK")
                    elif up == "NOOP":
                        say("250 OK")
                    elif up == "QUIT":
                        say("221 bye")
                        return
                    else:
                        say("502 command not implemented")

        class SmtpServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass

        self.smtp = SmtpServer(("127.0.0.1", 0), S)
        self.smtp_url = "smtp://127.0.0.1:%d" % self.smtp.server_address[1]
        threading.Thread(target=self.smtp.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.http.shutdown()
        self.smtp.shutdown()
        self.http.server_close()
        self.smtp.server_close()

    def channels_yaml(self, sink, rate=0, concurrency=8, backoff_ms=50, timeout_ms=3000,
                      max_attempts=30, only=None):
        """The channels: section of a config.yaml pointing at these servers
        (@only: the channels to keep, default all)."""
        common = (f"rate: {rate}, concurrency: {concurrency}, backoff_ms: {backoff_ms}, "
                  f"timeout_ms: {timeout_ms}, max_attempts: {max_attempts}")
        text = (
            "channels:\n"
            f"  sms: {{gateway: twilio, base_url: \"{self.http_url}\", account_sid: {TWILIO_SID},"
            f" auth_token: {TWILIO_TOKEN}, from: \"+15550001111\", {common}}}\n"
            f"  telegram: {{base_url: \"{self.http_url}\", token: \"{TELEGRAM_TOKEN}\", {common}}}\n"
            f"  signal: {{base_url: \"{self.http_url}\", account: \"+15550002222\", {common}}}\n"
            f"  email: {{url: \"{self.smtp_url}\", from: alerts@example.org, {common}}}\n"
            f"  file: {{path: \"{sink}\"}}\n")
        if only is None:
            return text
        lines = text.splitlines()
        return "\n".join([lines[0]] + [l for l in lines[1:]
                                       if l.strip().split(":")[0] in only]) + "\n"

#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 server for the HTTP client's integration tests.

    fault_server.py PORT [--lifetime SECONDS]

Listens on 127.0.0.1:PORT (0 picks a free port), prints "READY <port>" once
listening, and exits by itself after --lifetime seconds (default 120).
Keep-alive is on, so a client reusing its connection shows up as one TCP
connection for many requests.

Scripted behaviours, chosen by path: /seq/<scenario>[/<anything>]. The
request count is kept per full path, so a test picks a unique suffix and
gets a fresh sequence. The n-th request (1-based) of a path gets:

  ok                  200 "ok"
  500-200             500 InternalError (XML) on 1, then 200
  503-slowdown-200    503 SlowDown (S3 XML) on 1, then 200
  throttle-json-200   400 ThrottlingException (JSON, __type with prefix) on 1, then 200
  throttle-header-200 400 with only X-Amzn-ErrorType: ThrottlingException:... on 1, then 200
  reqtimeout-200      400 RequestTimeout (XML) on 1, then 200
  always-503          503 ServiceUnavailable (XML) always
  denied              403 AccessDenied (S3 XML) always
  denied-json         400 AccessDeniedException (JSON) always
  expired-token       400 ExpiredToken (S3 XML) always
  sts-invalid         403 InvalidClientTokenId (STS <ErrorResponse>) always
  hang                sleeps ?sleep= seconds (default 5, at most 30), then 200
  hang-200            hangs like "hang" on 1, then 200
  drip                sends headers for 100 bytes, then one byte every 0.5 s (bounded to 50 s)
  reset-200           closes the socket with an RST, no response, on 1; then 200
  reset               RST always
  big                 200 with ?size= bytes (default 5 MiB) of "x"
  skew                Date header 20 minutes ahead; answers 403 RequestTimeTooSkewed (S3 XML) to a
                      request whose X-Amz-Date is more than 5 minutes off that clock, else 200
  skew-json           the same with 400 InvalidSignatureException "Signature expired: ..." (JSON)
  echo                200 with a JSON object describing the request: method, path, header
                      names and the values of Host, Content-Type, Expect, X-Amz-Date and
                      X-Amz-Target (never Authorization or tokens), body length

Control endpoints:
  /_count/<path>      {"count": n} requests seen for /<path>
  /_connections       {"connections": n} TCP connections accepted so far (this one included)
"""
import argparse
import email.utils
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SKEW_SECONDS = 20 * 60
SKEW_TOLERANCE = 5 * 60

lock = threading.Lock()
counts = {}
connections = [0]


def s3_error(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
            "<RequestId>FAKE0001</RequestId><HostId>fake</HostId></Error>" % (code, message)).encode()


def sts_error(code, message):
    return ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
            "<Code>%s</Code><Message>%s</Message></Error><RequestId>fake-1</RequestId></ErrorResponse>"
            % (code, message)).encode()


def json_error(type_, message, key="message"):
    return json.dumps({"__type": type_, key: message}).encode()


def parse_amz_date(value):
    try:
        return time.mktime(time.strptime(value, "%Y%m%dT%H%M%SZ")) - time.timezone
    except (TypeError, ValueError):
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-server/1"

    def setup(self):
        super().setup()
        with lock:
            connections[0] += 1

    def log_message(self, fmt, *args):  # quiet; the tests read counts instead
        pass

    # ---- helpers ----
    def send(self, status, body, ctype="application/xml", extra=None, date=None):
        self.send_response_only(status)
        self.send_header("Server", self.server_version)
        self.send_header("Date", date or email.utils.formatdate(usegmt=True))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "FAKEREQ%d" % self.n)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def reset(self):
        # SO_LINGER with a zero timeout turns close() into an RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    # ---- dispatch ----
    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_HEAD = do_DELETE = do_GET

    def handle_any(self):
        url = urlsplit(self.path)
        self.body = self.read_body()
        self.query = parse_qs(url.query)
        if url.path.startswith("/_count/"):
            key = url.path[len("/_count"):]
            with lock:
                n = counts.get(key, 0)
            self.n = 0
            return self.send(200, json.dumps({"count": n}).encode(), "application/json")
        if url.path == "/_connections":
            self.n = 0
            with lock:
                n = connections[0]
            return self.send(200, json.dumps({"connections": n}).encode(), "application/json")
        with lock:
            counts[url.path] = counts.get(url.path, 0) + 1
            self.n = counts[url.path]
        parts = url.path.split("/")
        if len(parts) < 3 or parts[1] != "seq":
            return self.send(404, s3_error("NoSuchKey", "no such path"))
        scenario = getattr(self, "s_" + parts[2].replace("-", "_"), None)
        if scenario is None:
            return self.send(404, s3_error("NoSuchKey", "no such scenario"))
        scenario()

    def qnum(self, name, default, hi):
        try:
            return min(float(self.query.get(name, [default])[0]), hi)
        except ValueError:
            return default

    # ---- scenarios ----
    def s_ok(self):
        self.send(200, b"ok", "text/plain")

    def s_500_200(self):
        if self.n == 1:
            return self.send(500, s3_error("InternalError", "We encountered an internal error."))
        self.s_ok()

    def s_503_slowdown_200(self):
        if self.n == 1:
            return self.send(503, s3_error("SlowDown", "Please reduce your request rate."))
        self.s_ok()

    def s_throttle_json_200(self):
        if self.n == 1:
            return self.send(400, json_error("com.amazonaws.secretsmanager#ThrottlingException:http://x/",
                                             "Rate exceeded", "Message"), "application/x-amz-json-1.1")
        self.s_ok()

    def s_throttle_header_200(self):
        if self.n == 1:
            return self.send(400, b"{}", "application/x-amz-json-1.1",
                             {"X-Amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/"})
        self.s_ok()

    def s_reqtimeout_200(self):
        if self.n == 1:
            return self.send(400, s3_error("RequestTimeout", "Your socket connection to the server was not read "
                                           "from or written to within the timeout period."))
        self.s_ok()

    def s_always_503(self):
        self.send(503, s3_error("ServiceUnavailable", "Please try again."))

    def s_denied(self):
        self.send(403, s3_error("AccessDenied", "Access Denied"))

    def s_denied_json(self):
        self.send(400, json_error("AccessDeniedException", "User is not authorized to perform "
                                  "secretsmanager:GetSecretValue"), "application/x-amz-json-1.1")

    def s_expired_token(self):
        self.send(400, s3_error("ExpiredToken", "The provided token has expired."))

    def s_sts_invalid(self):
        self.send(403, sts_error("InvalidClientTokenId", "The security token included in the request is invalid."),
                  "text/xml")

    def s_hang(self):
        time.sleep(self.qnum("sleep", 5, 30))
        self.s_ok()

    def s_hang_200(self):
        if self.n == 1:
            return self.s_hang()
        self.s_ok()

    def s_drip(self):
        self.send_response_only(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.flush()
        try:
            for _ in range(100):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            self.close_connection = True

    def s_reset_200(self):
        if self.n == 1:
            return self.reset()
        self.s_ok()

    def s_reset(self):
        self.reset()

    def s_big(self):
        size = int(self.qnum("size", 5 * 1024 * 1024, 64 * 1024 * 1024))
        self.send_response_only(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            left = size
            while left > 0:
                n = min(left, len(chunk))
                self.wfile.write(chunk[:n])
                left -= n
        except OSError:
            self.close_connection = True

    def skew_check(self, reject):
        server_now = time.time() + SKEW_SECONDS
        date = email.utils.formatdate(server_now, usegmt=True)
        signed = parse_amz_date(self.headers.get("X-Amz-Date"))
        if signed is None or abs(signed - server_now) > SKEW_TOLERANCE:
            return reject(date, signed)
        self.send(200, b"ok", "text/plain", date=date)

    def s_skew(self):
        def reject(date, signed):
            self.send(403, s3_error("RequestTimeTooSkewed", "The difference between the request time and the "
                                    "current time is too large."), date=date)
        self.skew_check(reject)

    def s_skew_json(self):
        def reject(date, signed):
            self.send(400, json_error("InvalidSignatureException", "Signature expired: 20240101T000000Z is now "
                                      "earlier than 20240101T001500Z (20240101T002000Z - 5 min.)"),
                      "application/x-amz-json-1.1", date=date)
        self.skew_check(reject)

    def s_echo(self):
        shown = ("host", "content-type", "expect", "x-amz-date", "x-amz-target", "x-amz-content-sha256")
        info = {
            "method": self.command,
            "path": self.path,
            "header_names": [k.lower() for k in self.headers.keys()],
            "headers": {k: self.headers.get(k) for k in shown if self.headers.get(k) is not None},
            "authorization_present": self.headers.get("Authorization") is not None,
            "signed_headers": (self.headers.get("Authorization") or "").partition("SignedHeaders=")[2]
                              .partition(",")[0],
            "body_len": len(self.body),
        }
        self.send(200, json.dumps(info).encode(), "application/json")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that abort (size cap, timeouts) reset the connection: expected here, not news.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    # Bounded lifetime: never outlive a test run that forgot to stop us.
    timer = threading.Timer(args.lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    print("READY %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

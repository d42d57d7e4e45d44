#!/usr/bin/env python3
"""A fake EC2 instance metadata service (IMDSv2 only), for the credential
chain's integration tests. Python stdlib only; listens on 127.0.0.1.

  PUT  /latest/api/token  (needs X-aws-ec2-metadata-token-ttl-seconds)  -> token
  GET  /latest/meta-data/iam/security-credentials/        -> role name
  GET  /latest/meta-data/iam/security-credentials/<role>  -> JSON credentials
A GET without the issued token in X-aws-ec2-metadata-token gets 401.

Modes (--mode): ok, no-role (404 on the role list), bad-json (garbage
credentials document), slow (sleeps --delay seconds before every answer),
v1-only (405 on the token PUT).
Credentials served come from the environment: FAKE_ACCESS_KEY_ID,
FAKE_SECRET_ACCESS_KEY, FAKE_SESSION_TOKEN (the test generates them).
Every request is appended to --log as one JSON line: method, path, whether
a token header came and whether it matched (never the token itself).
The process exits by itself after --lifetime seconds."""
import argparse
import datetime
import json
import os
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "bucketlist-test-role"
CREDS = "/latest/meta-data/iam/security-credentials/"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", default="ok", choices=["ok", "no-role", "bad-json", "slow", "v1-only"])
    ap.add_argument("--delay", type=float, default=5.0)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=60.0)
    args = ap.parse_args()
    tokens = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def record(self, **extra):
            sent = self.headers.get("X-aws-ec2-metadata-token")
            entry = {"method": self.command, "path": self.path, "has_token": sent is not None,
                     "token_ok": sent in tokens if sent is not None else False}
            entry.update(extra)
            with lock, open(args.log, "a") as f:
                f.write(json.dumps(entry) + "\n")

        def reply(self, status, body, ctype="text/plain"):
            if args.mode == "slow":
                time.sleep(args.delay)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            self.record(ttl=ttl)
            if self.path != "/latest/api/token":
                return self.reply(404, "not found")
            if args.mode == "v1-only":
                return self.reply(405, "method not allowed")
            if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.reply(400, "missing or invalid X-aws-ec2-metadata-token-ttl-seconds")
            token = secrets.token_urlsafe(32)
            with lock:
                tokens.add(token)
            self.reply(200, token)

        def do_GET(self):
            self.record()
            if self.headers.get("X-aws-ec2-metadata-token") not in tokens:
                return self.reply(401, "")
            if self.path == CREDS:
                if args.mode == "no-role":
                    return self.reply(404, "not found")
                return self.reply(200, ROLE)
            if self.path == CREDS + ROLE:
                if args.mode == "bad-json":
                    return self.reply(200, "{ this is not json", "application/json")
                exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6)
                doc = {
                    "Code": "Success",
                    "LastUpdated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": os.environ["FAKE_ACCESS_KEY_ID"],
                    "SecretAccessKey": os.environ["FAKE_SECRET_ACCESS_KEY"],
                    "Token": os.environ["FAKE_SESSION_TOKEN"],
                    "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%S.") + "640582Z",
                }
                return self.reply(200, json.dumps(doc), "application/json")
            self.reply(404, "not found")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()

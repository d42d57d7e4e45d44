#!/usr/bin/env python3
"""A fake container credentials endpoint (ECS agent / EKS Pod Identity
agent), for the credential chain's integration tests. Python stdlib only;
listens on 127.0.0.1.

GET <--path> answers the JSON credentials document when the Authorization
header equals the expected token EXACTLY (no "Bearer" added, nothing
trimmed); otherwise 401 with {"code": "AccessDenied", "message": ...}.
The expected token is read from --token-file on every request (so a test can
rotate it), stripped of one trailing newline, as the agent's file is.
Credentials come from FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY,
FAKE_SESSION_TOKEN. Each request is logged to --log as a JSON line with the
Authorization value received (test tokens only) and whether it matched.
Exits by itself after --lifetime seconds."""
import argparse
import datetime
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/v1/credentials")
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--lifetime", type=float, default=60.0)
    args = ap.parse_args()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, doc):
            data = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            with open(args.token_file) as f:
                expected = f.read()
            if expected.endswith("\n"):
                expected = expected[:-1]
            got = self.headers.get("Authorization")
            ok = got == expected
            with lock, open(args.log, "a") as f:
                f.write(json.dumps({"path": self.path, "authorization": got, "ok": ok,
                                    "accept": self.headers.get("Accept")}) + "\n")
            if self.path != args.path:
                return self.reply(404, {"code": "NotFound", "message": "no such path"})
            if not ok:
                return self.reply(401, {"code": "AccessDenied", "message": "authorization token mismatch"})
            exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
            self.reply(200, {
                "AccessKeyId": os.environ["FAKE_ACCESS_KEY_ID"],
                "SecretAccessKey": os.environ["FAKE_SECRET_ACCESS_KEY"],
                "Token": os.environ["FAKE_SESSION_TOKEN"],
                "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "AccountId": "123456789012",
            })

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A small, scriptable stand-in for Secrets Manager and S3 ListBuckets, for
the worker's own tests: transient start-up failures, rotation, hangs.

It does not check signatures (moto does that in the end-to-end tests); it
does read the access key id from the Authorization header so a rotated-out
key can be rejected the way S3 rejects it.

Usage: aws_fake.py PORT [--lifetime SECONDS]   (prints "READY PORT")
Control: POST /_control with a JSON object of settings (see STATE);
GET /_stats gives call counts."""
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATE = {
    "sm": "ok",            # ok | unavailable | notfound | denied | throttled | bare404 | bare429
    "secret": {},          # the SecretString object
    "s3_keys": [],         # access key ids S3 accepts; empty: any
    "s3_delay": 0.0,       # seconds before S3 answers
    "buckets": [],         # names, listed sorted
    "s3_error": None,      # {"status": 403, "code": "AccessDenied", "message": "..."} to fail every listing
}
STATS = {"sm_calls": 0, "s3_calls": 0}

SM_ERRORS = {
    "unavailable": (503, "ServiceUnavailable", "Service is temporarily unavailable"),
    "throttled": (400, "ThrottlingException", "Rate exceeded"),
    "notfound": (400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."),
    "denied": (400, "AccessDeniedException", "User is not authorized to perform secretsmanager:GetSecretValue"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_POST(self):
        data = self.body()
        if self.path == "/_control":
            with LOCK:
                STATE.update(json.loads(data or b"{}"))
            return self.send(200, "{}")
        if self.headers.get("X-Amz-Target") == "secretsmanager.GetSecretValue":
            with LOCK:
                STATS["sm_calls"] += 1
                mode, secret = STATE["sm"], dict(STATE["secret"])
            if mode in ("bare404", "bare429"):  # something that is not Secrets Manager (a proxy, a load balancer)
                return self.send(int(mode[4:]), "", "text/html")
            if mode in SM_ERRORS:
                status, code, msg = SM_ERRORS[mode]
                return self.send(status, json.dumps({"__type": code, "Message": msg}),
                                 "application/x-amz-json-1.1")
            req = json.loads(data)
            return self.send(200, json.dumps({"ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
                                              "Name": req["SecretId"], "SecretString": json.dumps(secret),
                                              "VersionStages": ["AWSCURRENT"], "CreatedDate": 1.7e9}),
                             "application/x-amz-json-1.1")
        self.send(404, "{}")

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/_stats":
            with LOCK:
                return self.send(200, json.dumps(STATS))
        if url.path != "/":
            return self.send(404, "")
        with LOCK:
            STATS["s3_calls"] += 1
            keys, delay, names = list(STATE["s3_keys"]), STATE["s3_delay"], sorted(STATE["buckets"])
            s3_error = STATE["s3_error"]
        if delay:
            time.sleep(delay)
        m = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
        if keys and (m is None or m.group(1) not in keys):
            return self.send(403, "<Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you "
                                  "provided does not exist in our records.</Message></Error>", "application/xml")
        if s3_error:
            return self.send(s3_error["status"], "<Error><Code>%s</Code><Message>%s</Message></Error>"
                             % (s3_error["code"], s3_error["message"]), "application/xml")
        q = parse_qs(url.query)
        size = int(q.get("max-buckets", ["10000"])[0])
        start = int(q.get("continuation-token", ["0"])[0])
        prefix = q.get("prefix", [""])[0]
        names = [n for n in names if n.startswith(prefix)]
        page = names[start:start + size]
        more = start + size < len(names)
        xml = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult><Buckets>"]
        xml += ["<Bucket><Name>%s</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate>"
                "<BucketRegion>us-east-1</BucketRegion></Bucket>" % n for n in page]
        xml.append("</Buckets>")
        if more:
            xml.append("<ContinuationToken>%d</ContinuationToken>" % (start + size))
        xml.append("</ListAllMyBucketsResult>")
        self.send(200, "".join(xml), "application/xml")


def main():
    port = int(sys.argv[1])
    lifetime = 300.0
    if "--lifetime" in sys.argv:
        lifetime = float(sys.argv[sys.argv.index("--lifetime") + 1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    timer = threading.Timer(lifetime, server.shutdown)
    timer.daemon = True
    timer.start()
    print("READY %d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

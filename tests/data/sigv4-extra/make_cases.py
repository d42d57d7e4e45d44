#!/usr/bin/env python3
"""Writes the case folders beside this script, in the AWS signing test suite layout.

The expected canonical request, string to sign and signature come from botocore's SigV4Auth, an
implementation independent of ours; header-signed-request.txt is the request with the headers signing
adds, in the order aws-c-auth adds them (X-Amz-Security-Token, X-Amz-Date, x-amz-content-sha256,
Authorization). Run it again after editing CASES; then `tests/sigv4-suite tests/data/sigv4-extra/*/`.
Only the documented example keys (AKIDEXAMPLE) are used.
"""
import hashlib
import json
import os
import sys
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLEtokenEXAMPLE/+token+with/slashes=="

CASES = [
    {
        # ListBuckets as bucketlist sends it: S3, path not normalized, x-amz-content-sha256 signed,
        # session token signed, query given partly raw and partly pre-encoded.
        "name": "s3-list-buckets-session-token",
        "request": "GET /?max-buckets=1000&prefix=my b&continuation-token=ab%2Bcd%2Fef%3D%3D&bucket-region=eu-west-1 HTTP/1.1\n"
                   "Host:s3.eu-west-1.amazonaws.com\n\n",
        "region": "eu-west-1", "service": "s3", "normalize": False, "sign_body": True, "token": TOKEN,
        "timestamp": "2026-01-01T12:00:00Z",
    },
    {
        # GetSecretValue: JSON 1.1 POST with a body, session token, no x-amz-content-sha256.
        "name": "post-secretsmanager-get-secret-value",
        "request": "POST / HTTP/1.1\nHost:secretsmanager.eu-west-1.amazonaws.com\n"
                   "Content-Type:application/x-amz-json-1.1\nX-Amz-Target:secretsmanager.GetSecretValue\n\n"
                   "{\"SecretId\":\"app/s3-reader\"}",
        "region": "eu-west-1", "service": "secretsmanager", "normalize": True, "sign_body": False,
        "token": TOKEN, "timestamp": "2026-01-01T12:00:00Z",
    },
    {
        # Reserved characters in raw query names and values: '/', '+', '=', space, UTF-8, empty value.
        "name": "get-query-reserved-characters",
        "request": "GET /?b=c d&a=x/y+z=w&a=&\u1234=v&k HTTP/1.1\nHost:example.amazonaws.com\n\n",
        "region": "us-east-1", "service": "service", "normalize": True, "sign_body": False,
        "timestamp": "2015-08-30T12:36:00Z",
    },
    {
        # S3 keys are signed as sent: no dot-segment or slash removal, encoded once.
        "name": "s3-path-unnormalized",
        "request": "GET /my-bucket//photos/./2024/../a b+c.jpg HTTP/1.1\nHost:s3.us-east-1.amazonaws.com\n\n",
        "region": "us-east-1", "service": "s3", "normalize": False, "sign_body": True,
        "timestamp": "2015-08-30T12:36:00Z",
    },
    {
        # Normalization of a mixed path keeps the trailing slash.
        "name": "get-path-normalized-mixed",
        "request": "GET /a/./b//c/../d/ HTTP/1.1\nHost:example.amazonaws.com\n\n",
        "region": "us-east-1", "service": "service", "normalize": True, "sign_body": False,
        "timestamp": "2015-08-30T12:36:00Z",
    },
    {
        # Tabs and space runs squeezed; headers clients add or rewrite are left unsigned.
        "name": "get-header-whitespace-and-skipped",
        "request": "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:\t a \t\t b  c\t\n"
                   "User-Agent:curl/8.5.0\nX-Amzn-Trace-Id:Root=1-5759e988-bd862e3fe1be46a994272793\n"
                   "Expect:100-continue\nmy-header1:second\n\n",
        "region": "us-east-1", "service": "service", "normalize": True, "sign_body": False,
        "timestamp": "2015-08-30T12:36:00Z",
    },
]


class UnnormalizedSigV4Auth(SigV4Auth):
    """S3 signs the path as sent, encoded once (botocore's S3 signer gets an already-quoted path;
    ours is raw, so quote it here)."""

    def _normalize_url_path(self, path):
        return quote(path, safe="/~")


def parse_request(text):
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    first = lines[0]
    method, rest = first.split(" ", 1)
    target = rest.rsplit(" ", 1)[0]
    path, _, query = target.partition("?")
    headers = [tuple(line.split(":", 1)) for line in lines[1:]]
    return method, path, query, headers, head, body


def encoded_query(query):
    """The query re-encoded the RFC 3986 way, which is what botocore expects in a URL."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        enc = lambda s: quote(unquote(s), safe="-_.~")
        pairs.append(enc(name) + "=" + enc(value))
    return "&".join(pairs)


def make(case):
    method, path, query, headers, head, body = parse_request(case["request"])
    host = dict((n.lower(), v) for n, v in headers)["host"]
    url = "http://" + host + path + ("?" + encoded_query(query) if query else "")
    req = AWSRequest(method=method, url=url, data=body.encode())
    for name, value in headers:
        req.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
    creds = Credentials(AKID, SECRET, case.get("token"))
    cls = SigV4Auth if case["normalize"] else UnnormalizedSigV4Auth
    auth = cls(creds, case["service"], case["region"])
    ts = case["timestamp"]
    amz_date = ts[0:4] + ts[5:7] + ts[8:10] + "T" + ts[11:13] + ts[14:16] + ts[17:19] + "Z"
    req.context["timestamp"] = amz_date
    auth._modify_request_before_signing(req)
    payload = hashlib.sha256(body.encode()).hexdigest()
    if case["sign_body"]:
        req.headers["X-Amz-Content-SHA256"] = payload
    creq = auth.canonical_request(req)
    sts = auth.string_to_sign(req, creq)
    sig = auth.signature(sts, req)
    signed_headers = auth.signed_headers(auth.headers_to_sign(req))
    authorization = "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=%s, Signature=%s" % (
        auth.scope(req), signed_headers, sig)

    added = []
    if case.get("token"):
        added.append("X-Amz-Security-Token:" + case["token"])
    added.append("X-Amz-Date:" + amz_date)
    if case["sign_body"]:
        added.append("x-amz-content-sha256:" + payload)
    added.append("Authorization:" + authorization)
    signed_request = head + "\n" + "\n".join(added) + "\n\n" + body

    context = {
        "credentials": {"access_key_id": AKID, "secret_access_key": SECRET},
        "expiration_in_seconds": 3600,
        "normalize": case["normalize"],
        "region": case["region"],
        "service": case["service"],
        "sign_body": case["sign_body"],
        "timestamp": ts,
    }
    if case.get("token"):
        context["credentials"]["token"] = case["token"]
    d = os.path.join(HERE, case["name"])
    os.makedirs(d, exist_ok=True)
    files = {
        "context.json": json.dumps(context, indent=4) + "\n",
        "request.txt": case["request"],
        "header-canonical-request.txt": creq,
        "header-string-to-sign.txt": sts,
        "header-signature.txt": sig,
        "header-signed-request.txt": signed_request,
    }
    for name, text in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(text.encode())
    print("wrote", case["name"])


if __name__ == "__main__":
    for c in CASES:
        make(c)
    sys.exit(0)

#!/usr/bin/env python3
"""Local AWS emulator for bucketlist: moto's server with signature and IAM
checks on, patched at launch so that it behaves like the real services where
bucketlist depends on it.

    scripts/moto-server.py [--host 127.0.0.1] [--port 5055] [--no-auth-calls 3]
                           [--lifetime SECONDS] [--request-log FILE]

Prints "READY http://HOST:PORT" on stdout once it accepts connections; exits
on SIGTERM/SIGINT, or after --lifetime seconds.

Signature/IAM enforcement: moto reads INITIAL_NO_AUTH_ACTION_COUNT from the
environment when moto.settings is imported; it lets that many authorised
actions through unsigned and checks every later one (signature, then IAM
policy). scripts/seed-moto.py needs exactly 3 free calls (iam CreateUser,
PutUserPolicy, CreateAccessKey for an admin user); everything after that is
signed by a user moto knows. Hence the default --no-auth-calls 3.

Patches (the test double is fixed, never our signer):
 1. S3 ListBuckets like real S3: sorted by name, `prefix` and `bucket-region`
    honoured, `max-buckets` (1-10000) pages with an opaque ContinuationToken
    whose text always contains '+', '/' and '=' (so a client that does not
    RFC 3986-encode the query value fails), BucketRegion per bucket, Prefix
    echoed. A bad token gives InvalidArgument as S3 does.
 2. S3 signature check against the query string as the client sent it (the
    raw request URI, re-canonicalised the way S3 does: decode, RFC 3986
    encode), instead of a URL in which %2F was already decoded.
 3. Secrets Manager authorises GetSecretValue & co. against the secret's ARN
    (stock moto checks "*", so a least-privilege policy naming the secret's
    ARN would always be denied).
 4. GET /__bucketlist/calls returns JSON counts of the API calls served so
    far, keyed "service:Action" (e.g. "secretsmanager:GetSecretValue"), so
    tests can count the worker's upstream calls. Optionally each call is
    logged to --request-log (method, path without query, action, status;
    never a header or body).
"""
import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
from urllib.parse import parse_qsl, quote, urlsplit

TOKEN_MAGIC = b"\xfb\xef\xbe\xff\xff\xfe"  # base64 "++++///+": '+' and '/' in every token


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=int(os.environ.get("MOTO_PORT", "5055")))
    p.add_argument("--no-auth-calls", type=int, default=3,
                   help="free unsigned calls before enforcement (seed-moto.py needs 3)")
    p.add_argument("--lifetime", type=float, default=0, help="exit after this many seconds (0: never)")
    p.add_argument("--request-log", default=None, help="append one line per API call to this file")
    return p.parse_args(argv)


# ---------------------------------------------------------------- tokens

def encode_token(last_name):
    raw = TOKEN_MAGIC + last_name.encode("utf-8")
    if len(raw) % 3 == 0:            # make sure base64 ends with '=' padding
        raw += b"\x00"
    return base64.b64encode(raw).decode("ascii")


def decode_token(token):
    try:
        raw = base64.b64decode(token.encode("ascii"), validate=True)
    except Exception:
        return None
    if not raw.startswith(TOKEN_MAGIC):
        return None
    return raw[len(TOKEN_MAGIC):].rstrip(b"\x00").decode("utf-8", "replace")


def s3_canonical_query(raw_query):
    """The canonical query S3 computes: names/values decoded from what was
    sent ('+' is a space), RFC 3986-encoded again, sorted."""
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    enc = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join("%s=%s" % kv for kv in enc)


# ---------------------------------------------------------------- patches

def apply_patches():
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.s3 import responses as s3r
    from moto.s3.exceptions import InvalidArgumentError, InvalidContinuationToken
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.core.responses import ActionResult

    S3Response = s3r.S3Response

    # 2. remember the raw request URI for the S3 signature check
    orig_setup = S3Response.setup_class

    def setup_class(self, request, full_url, headers, *a, **kw):
        orig_setup(self, request, full_url, headers, *a, **kw)
        env = getattr(request, "environ", None) or {}
        self._bl_raw_uri = env.get("RAW_URI") or env.get("REQUEST_URI")

    S3Response.setup_class = setup_class

    orig_s3_auth = ActionAuthenticatorMixin._authenticate_and_authorize_s3_action

    def s3_auth(self, *a, **kw):
        raw = getattr(self, "_bl_raw_uri", None)
        if not raw:
            return orig_s3_auth(self, *a, **kw)
        parts = urlsplit(raw)
        saved = self.uri
        uri = "http://s3.local" + (parts.path or "/")
        if parts.query:
            uri += "?" + s3_canonical_query(parts.query)
        self.uri = uri
        try:
            return orig_s3_auth(self, *a, **kw)
        finally:
            self.uri = saved

    ActionAuthenticatorMixin._authenticate_and_authorize_s3_action = s3_auth

    # 1. ListBuckets as real S3
    def all_buckets(self):
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        prefix = self._get_param("prefix")
        bucket_region = self._get_param("bucket-region")
        max_buckets = self._get_param("max-buckets")
        token = self._get_param("continuation-token")
        limit = None
        if max_buckets is not None:
            try:
                limit = int(max_buckets)
            except ValueError:
                limit = -1
            if not 1 <= limit <= 10000:
                raise InvalidArgumentError("Argument max-buckets must be an integer between 1 and 10000",
                                           "max-buckets", str(max_buckets))
        elif token is not None or prefix is not None or bucket_region is not None:
            limit = 10000
        after = None
        if token is not None:
            after = decode_token(token)
            if after is None:
                raise InvalidContinuationToken()
        buckets = sorted(self.backend.buckets.values(), key=lambda b: b.name)
        if prefix:
            buckets = [b for b in buckets if b.name.startswith(prefix)]
        if bucket_region:
            buckets = [b for b in buckets if b.region_name == bucket_region]
        if after is not None:
            buckets = [b for b in buckets if b.name > after]
        next_token = None
        if limit is not None and len(buckets) > limit:
            buckets = buckets[:limit]
            next_token = encode_token(buckets[-1].name)
        with_params = any(v is not None for v in (prefix, bucket_region, max_buckets, token))
        items = []
        for b in buckets:
            item = {"Name": b.name, "CreationDate": b.creation_date_ISO8601}
            if with_params:
                item["BucketRegion"] = b.region_name
            items.append(item)
        result = {"Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f"}, "Buckets": items}
        if next_token:
            result["ContinuationToken"] = next_token
        if prefix is not None:
            result["Prefix"] = prefix
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult(result))

    S3Response.all_buckets = all_buckets

    # 3. Secrets Manager authorises against the secret's ARN
    def determine_resource(self):
        secret_id = self._get_param("SecretId")
        if not secret_id:
            return "*"
        if secret_id.startswith("arn:"):
            found = self.backend.secrets.get(secret_id)
            return found.arn if found is not None else secret_id
        found = self.backend.secrets.get(secret_id)
        if found is not None:
            return found.arn
        return "arn:aws:secretsmanager:%s:%s:secret:%s" % (self.region, self.current_account, secret_id)

    SecretsManagerResponse._determine_resource = determine_resource


# ---------------------------------------------------------------- call counting

class CallCounter:
    """WSGI middleware: counts API calls by "service:Action" and serves the
    counts at GET /__bucketlist/calls."""

    def __init__(self, app, log_path=None):
        self.app = app
        self.lock = threading.Lock()
        self.counts = {}
        self.log = open(log_path, "a", buffering=1) if log_path else None

    @staticmethod
    def _action(environ):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            svc, _, action = target.partition(".")
            svc = svc.lower()
            return "%s:%s" % (svc, action)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        service = "unsigned"
        if "Credential=" in auth:
            scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
            if len(scope) >= 4:
                service = scope[3]
        path = environ.get("PATH_INFO", "/")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if service == "s3" and environ.get("REQUEST_METHOD") == "GET" and path == "/":
            return "s3:ListBuckets"
        action = query.get("Action") or environ.get("bucketlist.form_action")
        if action:
            return "%s:%s" % (service, action)
        return "%s:%s %s" % (service, environ.get("REQUEST_METHOD"), "/" if path == "/" else "/…")

    # moto answers auth failures of JSON-protocol services (Secrets Manager)
    # with query-protocol XML and 403; the real services send JSON and 400.
    JSON_AUTH_ERRORS = {"AccessDenied": "AccessDeniedException",
                        "SignatureDoesNotMatch": "InvalidSignatureException",
                        "InvalidClientTokenId": "UnrecognizedClientException"}

    def _json_auth_error(self, status, headers, body):
        text = body.decode("utf-8", "replace")
        if "<ErrorResponse>" in text and "<Code>" in text:
            code = text.split("<Code>", 1)[1].split("</Code>", 1)[0]
            msg = text.split("<Message>", 1)[1].split("</Message>", 1)[0] if "<Message>" in text else ""
            if code in self.JSON_AUTH_ERRORS:
                body = json.dumps({"__type": self.JSON_AUTH_ERRORS[code], "Message": msg}).encode()
                return "400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                           ("Content-Length", str(len(body)))], body
        return status, headers, body

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/__bucketlist/calls":
            with self.lock:
                body = json.dumps(self.counts, sort_keys=True).encode()
            start_response("200 OK", [("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        action = self._action(environ)
        status_holder = {}
        json_target = bool(environ.get("HTTP_X_AMZ_TARGET"))

        def sr(status, headers, exc_info=None):
            status_holder["s"] = status.split(" ", 1)[0]
            if json_target:
                status_holder["full"] = (status, headers)
                return lambda data: None
            return start_response(status, headers, exc_info)

        result = self.app(environ, sr)
        if json_target:
            body = b"".join(result)
            if hasattr(result, "close"):
                result.close()
            status, headers = status_holder["full"]
            if status.startswith("4"):
                status, headers, body = self._json_auth_error(status, headers, body)
                status_holder["s"] = status.split(" ", 1)[0]
            start_response(status, headers)
            result = [body]
        with self.lock:
            self.counts[action] = self.counts.get(action, 0) + 1
        if self.log:
            self.log.write("%s %s %s %s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), environ.get("REQUEST_METHOD"),
                                                 environ.get("PATH_INFO"), action, status_holder.get("s", "?")))
        return result


class FormPeek:
    """Reads a form-encoded POST body (IAM/STS query protocol) to learn the
    Action, then hands moto an identical body."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        import io
        ctype = environ.get("CONTENT_TYPE", "")
        if environ.get("REQUEST_METHOD") == "POST" and ctype.startswith("application/x-www-form-urlencoded"):
            try:
                n = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                n = 0
            if 0 < n <= 1 << 20:
                body = environ["wsgi.input"].read(n)
                environ["wsgi.input"] = io.BytesIO(body)
                for k, v in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                    if k == "Action":
                        environ["bucketlist.form_action"] = v
                        break
        return self.app(environ, start_response)


def main(argv):
    args = parse_args(argv)
    # Must be set before moto.settings is imported.
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(args.no_auth_calls)
    os.environ.setdefault("MOTO_PORT", str(args.port))
    from moto import settings
    if settings.INITIAL_NO_AUTH_ACTION_COUNT != float(args.no_auth_calls):
        print("moto-server: moto did not take INITIAL_NO_AUTH_ACTION_COUNT", file=sys.stderr)
        return 1
    apply_patches()
    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    wrapped = FormPeek(CallCounter(app, args.request_log))
    try:
        server = make_server(args.host, args.port, wrapped, threaded=True)
    except OSError as exc:
        print("moto-server: cannot listen on %s:%d: %s (is another server using the port? "
              "set MOTO_PORT)" % (args.host, args.port, exc.strerror or exc), file=sys.stderr)
        return 1

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.lifetime > 0:
        timer = threading.Timer(args.lifetime, lambda: os.kill(os.getpid(), signal.SIGTERM))
        timer.daemon = True
        timer.start()
    print("READY http://%s:%d" % (args.host, server.server_port), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

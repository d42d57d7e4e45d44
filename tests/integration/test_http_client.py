"""The HTTP client (src/http.c) over real loopback sockets, driven by
tests/tools/http_probe: retries, timeouts, the deadline, the size cap,
clock-skew correction, connection reuse (against tests/fakes/fault_server.py),
and SigV4-signed calls that moto accepts with signature checks on."""
import json
import os
import secrets
import subprocess
import time
import unittest
import urllib.request
import uuid

import harness

PROBE = harness.tool("http_probe")
FAULT_SERVER = os.path.join(harness.FAKES, "fault_server.py")

# Small timeouts keep the file fast; the bounds below are derived from them.
ATTEMPT_MS = 800
CONNECT_MS = 500
SLACK_S = 2.5  # process start, scheduling, a loaded CI machine


def start_fault_server(name):
    port = harness.free_port()
    log = os.path.join(harness.tmp_dir("http_client"), "%s.log" % name)
    srv = harness.Server([harness.PYTHON, FAULT_SERVER, str(port), "--lifetime", "150"], log_path=log)
    harness.wait_port(port, proc=srv.proc)
    return srv, "http://127.0.0.1:%d" % port


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read().decode())


def parse_calls(stdout):
    """http_probe prints call=N then key=value lines; one dict per call."""
    calls = []
    for line in stdout.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key == "call":
            calls.append({})
        if calls:
            calls[-1][key] = value
        else:
            calls.append({key: value})
    return calls


def fake_credentials():
    """Keys generated per run, shaped like AWS's documented examples."""
    return {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE" + secrets.token_hex(4).upper(),
            "AWS_SECRET_ACCESS_KEY": secrets.token_urlsafe(30)}


class Probe:
    def probe(self, *args, env=None, timeout=60, **env_extra):
        base = dict(BUCKETLIST_ATTEMPT_TIMEOUT_MS=ATTEMPT_MS, BUCKETLIST_CONNECT_TIMEOUT_MS=CONNECT_MS,
                    AWS_MAX_ATTEMPTS=3)
        base.update(env_extra)
        e = harness.clean_env(**base)
        if env:
            e.update(env)
        t0 = time.monotonic()
        p = harness.run([PROBE] + list(args), env=e, timeout=timeout)
        wall = time.monotonic() - t0
        calls = parse_calls(p.stdout)
        if not calls:
            raise AssertionError("http_probe printed nothing (exit %d): %s" % (p.returncode, p.stderr))
        return p.returncode, calls, wall, p.stdout


class FaultServerTests(unittest.TestCase, Probe):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROBE, os.X_OK):
            raise RuntimeError("%s is not built: run make BUILD=%s tools" % (PROBE, os.environ.get("BUILD", "build")))
        cls.server, cls.url = start_fault_server("fault")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def path(self, scenario):
        return "/seq/%s/%s" % (scenario, uuid.uuid4().hex[:12])

    def count(self, path):
        return fetch_json(self.url + "/_count" + path)["count"]

    def assertCall(self, call, **want):
        for k, v in want.items():
            self.assertEqual(call.get(k), str(v), "%s: %r" % (k, call))

    # ---- retried, then success ----
    def test_500_then_200_retried_once(self):
        p = self.path("500-200")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 0)
        self.assertCall(calls[0], status=200, attempts=2, error="ok", body="ok", call_count=2)
        self.assertEqual(self.count(p), 2)

    def test_throttling_xml_retried(self):
        p = self.path("503-slowdown-200")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 0)
        self.assertCall(calls[0], status=200, attempts=2, error="ok")
        self.assertEqual(self.count(p), 2)

    def test_throttling_json_retried(self):
        p = self.path("throttle-json-200")
        rc, calls, _, _ = self.probe("--errors", "json", self.url + p)
        self.assertEqual(rc, 0)
        self.assertCall(calls[0], status=200, attempts=2, error="ok")

    def test_throttling_json_header_only_retried(self):
        p = self.path("throttle-header-200")
        rc, calls, _, _ = self.probe("--errors", "json", self.url + p)
        self.assertEqual(rc, 0)
        self.assertCall(calls[0], status=200, attempts=2)

    def test_transient_code_on_400_retried(self):
        p = self.path("reqtimeout-200")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 0)
        self.assertCall(calls[0], status=200, attempts=2)

    def test_connection_reset_retried(self):
        p = self.path("reset-200")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 0)
        self.assertCall(calls[0], status=200, attempts=2, error="ok")
        self.assertEqual(self.count(p), 2)

    # ---- never retried ----
    def test_access_denied_not_retried(self):
        p = self.path("denied")
        rc, calls, _, _ = self.probe("--what", "S3 ListBuckets", self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], status=403, attempts=1, error="denied", aws_code="AccessDenied", http_status=403)
        self.assertIn("S3 ListBuckets failed: AccessDenied (HTTP 403): Access Denied.", calls[0]["message"])
        self.assertEqual(self.count(p), 1)

    def test_json_access_denied_not_retried(self):
        p = self.path("denied-json")
        rc, calls, _, _ = self.probe("--errors", "json", self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], attempts=1, error="denied", aws_code="AccessDeniedException")
        self.assertEqual(self.count(p), 1)

    def test_expired_token_is_auth_not_retried(self):
        p = self.path("expired-token")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], status=400, attempts=1, error="auth", aws_code="ExpiredToken")
        self.assertEqual(self.count(p), 1)

    def test_sts_error_response_parsed(self):
        p = self.path("sts-invalid")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], attempts=1, error="auth", aws_code="InvalidClientTokenId")

    def test_oversized_body_rejected_not_retried(self):
        p = self.path("big")  # 5 MiB against the default 4 MiB cap
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], attempts=1, error="too-large")
        self.assertIn("BUCKETLIST_MAX_RESPONSE_BYTES", calls[0]["message"])
        self.assertLess(len(calls[0]["body"]), 4 * 1024 * 1024 + 1)
        self.assertEqual(self.count(p), 1)

    def test_size_cap_from_env(self):
        rc, calls, _, _ = self.probe(self.url + self.path("big") + "?size=5000", BUCKETLIST_MAX_RESPONSE_BYTES=4096)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], error="too-large", attempts=1)
        rc, calls, _, _ = self.probe(self.url + self.path("big") + "?size=4096", BUCKETLIST_MAX_RESPONSE_BYTES=4096)
        self.assertEqual(rc, 0)
        self.assertEqual(len(calls[0]["body"]), 4096)

    # ---- giving up ----
    def test_persistent_503_gives_up_after_max_attempts(self):
        p = self.path("always-503")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], status=503, attempts=3, error="server", aws_code="ServiceUnavailable")
        self.assertIn("gave up after 3 attempts", calls[0]["message"])
        self.assertEqual(self.count(p), 3)
        p = self.path("always-503")
        rc, calls, _, _ = self.probe(self.url + p, AWS_MAX_ATTEMPTS=1)
        self.assertCall(calls[0], attempts=1, error="server")
        self.assertEqual(self.count(p), 1)

    def test_hang_times_out_after_all_attempts(self):
        p = self.path("hang") + "?sleep=6"
        rc, calls, wall, _ = self.probe(self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], attempts=3, error="timeout", status=0)
        self.assertIn("BUCKETLIST_ATTEMPT_TIMEOUT_MS", calls[0]["message"])
        # Three attempts of 0.8 s plus at most 1 s + 2 s of backoff.
        self.assertGreaterEqual(wall, 3 * ATTEMPT_MS / 1000.0 - 0.1)
        self.assertLess(wall, 3 * ATTEMPT_MS / 1000.0 + 1 + 2 + SLACK_S)
        self.assertEqual(self.count(p.split("?")[0]), 3)

    def test_drip_feed_cut_at_attempt_timeout(self):
        # 100 bytes at one per 0.5 s would take 50 s; the attempt timeout must stop it.
        rc, calls, wall, _ = self.probe(self.url + self.path("drip"), AWS_MAX_ATTEMPTS=1,
                                      BUCKETLIST_ATTEMPT_TIMEOUT_MS=1500)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], attempts=1, error="timeout")
        self.assertLess(wall, 1.5 + SLACK_S)

    def test_deadline_clamps_total_time(self):
        # Attempts of 0.8 s would take 2.4 s plus backoff; the 1.2 s deadline cuts in first.
        p = self.path("hang") + "?sleep=6"
        rc, calls, wall, _ = self.probe(self.url + p, BUCKETLIST_DEADLINE_MS=1200)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], error="timeout")
        self.assertIn("1200 ms deadline", calls[0]["message"])
        self.assertIn("BUCKETLIST_DEADLINE_MS", calls[0]["message"])
        self.assertLess(wall, 1.2 + SLACK_S)
        self.assertLess(int(calls[0]["elapsed_ms"]), 1200 + 300)

    def test_deadline_started_per_page_request(self):
        # http_client_start_deadline (--deadline-ms) overrides the configured deadline.
        p = self.path("always-503")
        rc, calls, _, _ = self.probe("--deadline-ms", "300", self.url + p, AWS_MAX_ATTEMPTS=10,
                                   BUCKETLIST_DEADLINE_MS=60000)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], error="timeout", aws_code="ServiceUnavailable")
        self.assertLess(int(calls[0]["elapsed_ms"]), 300 + 300)
        self.assertLess(int(calls[0]["attempts"]), 10)

    def test_connection_refused_retried_then_network_error(self):
        port = harness.free_port()  # nothing listens there
        rc, calls, _, _ = self.probe("http://127.0.0.1:%d/x" % port)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], attempts=3, error="network", status=0)
        self.assertIn("could not connect after 3 attempts", calls[0]["message"])
        self.assertIn("AWS_ENDPOINT_URL", calls[0]["message"])

    def test_connection_reset_every_time(self):
        p = self.path("reset")
        rc, calls, _, _ = self.probe(self.url + p)
        self.assertEqual(rc, 1)
        self.assertCall(calls[0], attempts=3, error="network")
        self.assertEqual(self.count(p), 3)

    # ---- configuration ----
    def test_invalid_env_is_config_error(self):
        for name, value in (("AWS_MAX_ATTEMPTS", "0"), ("BUCKETLIST_ATTEMPT_TIMEOUT_MS", "fast"),
                            ("AWS_CA_BUNDLE", "/nonexistent/ca.pem")):
            rc, calls, _, _ = self.probe(self.url + self.path("ok"), **{name: value})
            self.assertEqual(rc, 1)
            self.assertEqual(calls[0]["error"], "config")
            self.assertIn(name, calls[0]["message"])

    # ---- what goes on the wire ----
    def test_signed_request_headers(self):
        creds = fake_credentials()
        rc, calls, _, out = self.probe("--method", "POST", "--sign", "secretsmanager", "us-east-1",
                                     "--header", "Content-Type: application/x-amz-json-1.1",
                                     "--header", "X-Amz-Target: secretsmanager.ListSecrets",
                                     "--data", '{"MaxResults": 1}', self.url + self.path("echo") + "?b=2&a=1",
                                     env=dict(creds, AWS_SESSION_TOKEN="tok-" + secrets.token_hex(8)))
        self.assertEqual(rc, 0, out)
        echo = json.loads(calls[0]["body"])
        port = self.url.rsplit(":", 1)[1]
        self.assertEqual(echo["method"], "POST")
        self.assertEqual(echo["headers"]["host"], "127.0.0.1:" + port)
        self.assertEqual(echo["headers"]["content-type"], "application/x-amz-json-1.1")
        self.assertNotIn("expect", echo["header_names"])
        self.assertTrue(echo["authorization_present"])
        signed = echo["signed_headers"].split(";")
        for h in ("host", "x-amz-date", "x-amz-security-token", "content-type", "x-amz-target"):
            self.assertIn(h, signed)
        for h in ("accept", "user-agent", "expect", "content-length"):
            self.assertNotIn(h, signed)
        self.assertEqual(echo["body_len"], len('{"MaxResults": 1}'))
        # The probe never prints credentials.
        self.assertNotIn(creds["AWS_SECRET_ACCESS_KEY"], out)

    def test_body_without_content_type_gets_no_form_type(self):
        rc, calls, _, _ = self.probe("--method", "POST", "--data", "a=1", self.url + self.path("echo"))
        self.assertEqual(rc, 0)
        echo = json.loads(calls[0]["body"])
        self.assertNotIn("content-type", echo["header_names"])

    def test_s3_signing_adds_content_sha256(self):
        rc, calls, _, _ = self.probe("--sign", "s3", "us-east-1", "--s3", self.url + self.path("echo"),
                                   env=fake_credentials())
        self.assertEqual(rc, 0)
        echo = json.loads(calls[0]["body"])
        self.assertEqual(echo["headers"]["x-amz-content-sha256"],
                         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        self.assertIn("x-amz-content-sha256", echo["signed_headers"].split(";"))


class SkewAndReuseTests(unittest.TestCase, Probe):
    """Each test gets its own server, so connection counts are exact."""

    def setUp(self):
        self.server, self.url = start_fault_server(self.id().rsplit(".", 1)[1])

    def tearDown(self):
        self.server.stop()

    def skew_case(self, scenario, errors):
        path = "/seq/%s/%s" % (scenario, uuid.uuid4().hex[:8])
        rc, calls, _, out = self.probe("--sign", "s3", "us-east-1", "--s3", "--errors", errors, "--repeat", "2",
                                     self.url + path, env=fake_credentials())
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(calls), 2)
        first, second = calls
        # Exactly one corrected retry, then success; the offset is the server's 20 minutes.
        self.assertEqual(first["attempts"], "2")
        self.assertEqual(first["error"], "ok")
        self.assertLessEqual(abs(int(first["clock_offset"]) - 1200), 5)
        # The offset is kept: the next request on the same client needs no correction.
        self.assertEqual(second["attempts"], "1")
        self.assertEqual(second["error"], "ok")
        self.assertEqual(second["clock_offset"], first["clock_offset"])
        self.assertEqual(fetch_json(self.url + "/_count" + path)["count"], 3)

    def test_skew_s3_xml_corrected_once(self):
        self.skew_case("skew", "xml")

    def test_skew_json_signature_expired_corrected_once(self):
        self.skew_case("skew-json", "json")

    def test_skew_correction_not_repeated_when_still_rejected(self):
        # Unsigned requests carry no X-Amz-Date: the server keeps refusing after the correction.
        path = "/seq/skew/%s" % uuid.uuid4().hex[:8]
        rc, calls, _, _ = self.probe(self.url + path)
        self.assertEqual(rc, 1)
        self.assertEqual(calls[0]["attempts"], "2")  # one corrected retry, never more
        self.assertEqual(calls[0]["error"], "auth")
        self.assertEqual(calls[0]["aws_code"], "RequestTimeTooSkewed")

    def test_connection_reused_across_requests(self):
        before = fetch_json(self.url + "/_connections")["connections"]
        path = "/seq/ok/%s" % uuid.uuid4().hex[:8]
        rc, calls, _, _ = self.probe("--repeat", "3", self.url + path)
        self.assertEqual(rc, 0)
        self.assertEqual([c["status"] for c in calls], ["200"] * 3)
        after = fetch_json(self.url + "/_connections")["connections"]
        # after counts its own connection: 3 requests travelled over exactly 1.
        self.assertEqual(after - before - 1, 1)
        self.assertEqual(fetch_json(self.url + "/_count" + path)["count"], 3)


class MotoSignedTests(unittest.TestCase, Probe):
    """A real SigV4 check: moto with signature and IAM enforcement on after 3 free setup calls."""

    FREE_CALLS = 3  # iam CreateUser, CreateAccessKey, PutUserPolicy

    @classmethod
    def setUpClass(cls):
        import boto3
        port = harness.free_port()
        env = harness.clean_env(INITIAL_NO_AUTH_ACTION_COUNT=cls.FREE_CALLS)
        log = os.path.join(harness.tmp_dir("http_client"), "moto.log")
        cls.moto = harness.Server([harness.PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                  env=env, log_path=log)
        try:
            harness.wait_port(port, timeout=30, proc=cls.moto.proc)
            cls.url = "http://127.0.0.1:%d/" % port
            iam = boto3.client("iam", endpoint_url=cls.url, region_name="us-east-1",
                               aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="unused-setup-secret")
            iam.create_user(UserName="http-probe")
            key = iam.create_access_key(UserName="http-probe")["AccessKey"]
            iam.put_user_policy(UserName="http-probe", PolicyName="probe", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "secretsmanager:ListSecrets"],
                               "Resource": "*"}]}))
            cls.creds = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        except Exception:
            cls.moto.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def list_secrets(self, creds):
        return self.probe("--method", "POST", "--sign", "secretsmanager", "us-east-1", "--errors", "json",
                        "--header", "Content-Type: application/x-amz-json-1.1",
                        "--header", "X-Amz-Target: secretsmanager.ListSecrets", "--data", "{}", self.url,
                        env=creds)

    def test_signed_json_call_accepted(self):
        rc, calls, _, out = self.list_secrets(self.creds)
        self.assertEqual(rc, 0, out)
        self.assertEqual(calls[0]["status"], "200")
        self.assertIn("SecretList", json.loads(calls[0]["body"]))
        self.assertNotIn(self.creds["AWS_SECRET_ACCESS_KEY"], out)

    def test_signed_query_call_accepted(self):
        rc, calls, _, out = self.probe("--method", "POST", "--sign", "sts", "us-east-1",
                                     "--header", "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                                     "--data", "Action=GetCallerIdentity&Version=2011-06-15", self.url,
                                     env=self.creds)
        self.assertEqual(rc, 0, out)
        self.assertIn("user/http-probe", calls[0]["body"])

    def test_wrong_secret_rejected_and_not_retried(self):
        wrong = dict(self.creds, AWS_SECRET_ACCESS_KEY=secrets.token_urlsafe(30))
        rc, calls, _, out = self.list_secrets(wrong)
        self.assertEqual(rc, 1, out)
        self.assertEqual(calls[0]["status"], "403")
        self.assertEqual(calls[0]["attempts"], "1")
        self.assertEqual(calls[0]["error"], "auth")
        self.assertEqual(calls[0]["aws_code"], "SignatureDoesNotMatch")
        self.assertNotIn(wrong["AWS_SECRET_ACCESS_KEY"], out)

    def test_unknown_key_rejected(self):
        rc, calls, _, out = self.list_secrets(fake_credentials())
        self.assertEqual(rc, 1, out)
        self.assertEqual(calls[0]["attempts"], "1")
        self.assertEqual(calls[0]["error"], "auth")


if __name__ == "__main__":
    unittest.main()

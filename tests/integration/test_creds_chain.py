"""The credential chain over real loopback sockets, through tests/tools/creds_probe:
IMDSv2 and container endpoints against the fakes in tests/fakes/, web identity
against moto_server (STS, no signature enforcement: the call is unsigned),
shared files under a temporary HOME, and the message when nothing is configured.
Every server listens on 127.0.0.1 and is stopped by PID."""
import json
import os
import re
import secrets
import shutil
import string
import time
import unittest

import harness as h

PROBE = h.tool("creds_probe")


def gen_key_id():
    # Generated at test time: never a real-looking key in a file.
    return "ASIATEST" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(12))


def sha12(s):
    import hashlib
    return hashlib.sha256(s.encode()).hexdigest()[:12]


def probe(env, timeout=30, args=()):
    """Runs creds_probe; returns (returncode, dict of key=value lines, raw output)."""
    r = h.run([PROBE, *args], env=env, timeout=timeout)
    out = r.stdout + r.stderr
    kv = {}
    for line in r.stdout.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            kv[k] = v
    return r.returncode, kv, out


def read_log(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class FakeCreds:
    def __init__(self):
        self.akid = gen_key_id()
        self.secret = secrets.token_urlsafe(30)
        self.token = secrets.token_urlsafe(60)

    def env(self):
        return {"FAKE_ACCESS_KEY_ID": self.akid, "FAKE_SECRET_ACCESS_KEY": self.secret,
                "FAKE_SESSION_TOKEN": self.token}


@unittest.skipUnless(os.path.exists(PROBE), "creds_probe not built")
class ImdsTests(unittest.TestCase):
    def start(self, mode="ok", delay=5.0):
        self.dir = h.tmp_dir("creds-imds-%s-%d" % (mode, os.getpid()))
        self.log = os.path.join(self.dir, "requests.log")
        if os.path.exists(self.log):
            os.unlink(self.log)
        self.creds = FakeCreds()
        self.port = h.free_port()
        env = dict(os.environ, **self.creds.env())
        self.server = h.Server([h.PYTHON, os.path.join(h.FAKES, "imds_fake.py"), "--port", str(self.port),
                                "--mode", mode, "--delay", str(delay), "--log", self.log, "--lifetime", "30"],
                               env=env, log_path=os.path.join(self.dir, "server.out"))
        self.addCleanup(self.server.stop)
        h.wait_port(self.port, proc=self.server.proc)

    def env(self, **extra):
        env = h.clean_env(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d/" % self.port, **extra)
        if "AWS_EC2_METADATA_DISABLED" not in extra:
            env.pop("AWS_EC2_METADATA_DISABLED")
        return env

    def test_imdsv2_token_flow(self):
        self.start()
        rc, kv, out = probe(self.env())
        self.assertEqual(rc, 0, out)
        self.assertEqual(kv["source"], "imds")
        self.assertEqual(kv["access_key_id"], self.creds.akid)
        self.assertEqual(kv["secret_sha256"], sha12(self.creds.secret))
        self.assertEqual(kv["has_session_token"], "yes")
        self.assertRegex(kv["expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")  # fractional seconds parsed
        self.assertNotIn(self.creds.secret, out)
        self.assertNotIn(self.creds.token, out)
        log = read_log(self.log)
        self.assertEqual([(e["method"], e["path"]) for e in log], [
            ("PUT", "/latest/api/token"),
            ("GET", "/latest/meta-data/iam/security-credentials/"),
            ("GET", "/latest/meta-data/iam/security-credentials/bucketlist-test-role"),
        ])
        self.assertEqual(log[0]["ttl"], "21600")
        self.assertFalse(log[0]["has_token"])
        self.assertTrue(all(e["token_ok"] for e in log[1:]))

    def test_metadata_never_goes_through_a_proxy(self):
        self.start()
        dead_proxy = "http://127.0.0.1:%d" % h.free_port()  # nothing listens there
        rc, kv, out = probe(self.env(http_proxy=dead_proxy, HTTP_PROXY=dead_proxy, ALL_PROXY=dead_proxy,
                                     NO_PROXY="", no_proxy=""))
        self.assertEqual(rc, 0, out)
        self.assertEqual(kv["source"], "imds")
        self.assertEqual(len(read_log(self.log)), 3)

    def test_disabled_beats_endpoint(self):
        self.start()
        rc, kv, out = probe(self.env(AWS_EC2_METADATA_DISABLED="true"))
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "no-credentials")
        self.assertIn("IMDS: disabled by AWS_EC2_METADATA_DISABLED", out)
        self.assertEqual(read_log(self.log), [])

    def test_no_role_attached(self):
        self.start("no-role")
        rc, kv, out = probe(self.env())
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "no-credentials")
        self.assertIn("no IAM role attached", out)

    def test_bad_json_is_an_error(self):
        self.start("bad-json")
        rc, kv, out = probe(self.env())
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "protocol")
        self.assertIn("IMDS", out)

    def test_v1_only_declines(self):
        self.start("v1-only")
        rc, kv, out = probe(self.env())
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "no-credentials")
        self.assertIn("HTTP 405", out)

    def test_slow_metadata_service_does_not_stall(self):
        self.start("slow", delay=4.0)
        t0 = time.monotonic()
        rc, kv, out = probe(self.env())
        elapsed = time.monotonic() - t0
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "no-credentials")
        self.assertIn("no instance metadata service", out)
        self.assertIn("HttpPutResponseHopLimit", out)  # the usual cause of a silent token request on EC2
        self.assertLess(elapsed, 3.0)


@unittest.skipUnless(os.path.exists(PROBE), "creds_probe not built")
class ContainerTests(unittest.TestCase):
    def setUp(self):
        self.dir = h.tmp_dir("creds-container-%d" % os.getpid())
        self.log = os.path.join(self.dir, "requests.log")
        self.expected = os.path.join(self.dir, "expected-token")
        self.client_token = os.path.join(self.dir, "client-token")
        for p in (self.log, self.client_token):
            if os.path.exists(p):
                os.unlink(p)
        self.token = "tok-" + secrets.token_urlsafe(24) + " with=spaces"
        self.write(self.expected, self.token + "\n")
        self.creds = FakeCreds()
        self.port = h.free_port()
        self.server = h.Server([h.PYTHON, os.path.join(h.FAKES, "container_fake.py"), "--port", str(self.port),
                                "--token-file", self.expected, "--log", self.log, "--lifetime", "30"],
                               env=dict(os.environ, **self.creds.env()),
                               log_path=os.path.join(self.dir, "server.out"))
        self.addCleanup(self.server.stop)
        h.wait_port(self.port, proc=self.server.proc)
        self.url = "http://127.0.0.1:%d/v1/credentials" % self.port

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def test_full_uri_with_token(self):
        rc, kv, out = probe(h.clean_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.url,
                                        AWS_CONTAINER_AUTHORIZATION_TOKEN=self.token))
        self.assertEqual(rc, 0, out)
        self.assertEqual(kv["source"], "container")
        self.assertEqual(kv["access_key_id"], self.creds.akid)
        self.assertEqual(kv["secret_sha256"], sha12(self.creds.secret))
        self.assertEqual(kv["has_session_token"], "yes")
        log = read_log(self.log)
        self.assertEqual(len(log), 1)
        self.assertEqual(log[0]["authorization"], self.token)  # exactly as given, no "Bearer"
        self.assertEqual(log[0]["accept"], "application/json")

    def test_token_file_wins_and_is_reread(self):
        self.write(self.client_token, self.token + "\n")
        env = h.clean_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.url,
                          AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong-token",
                          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=self.client_token)
        rc, kv, out = probe(env)
        self.assertEqual(rc, 0, out)
        rotated = "rotated-" + secrets.token_urlsafe(16)
        self.write(self.client_token, rotated + "\n")
        self.write(self.expected, rotated + "\n")
        rc, kv, out = probe(env)
        self.assertEqual(rc, 0, out)
        self.assertEqual([e["authorization"] for e in read_log(self.log)], [self.token, rotated])

    def test_wrong_token_is_an_error_without_the_token(self):
        bad = "bad-" + secrets.token_urlsafe(16)
        rc, kv, out = probe(h.clean_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.url,
                                        AWS_CONTAINER_AUTHORIZATION_TOKEN=bad))
        self.assertEqual(rc, 1, out)
        self.assertIn("401", out)
        self.assertIn("AccessDenied", out)
        self.assertIn("AWS_CONTAINER_AUTHORIZATION_TOKEN", out)
        self.assertNotIn(bad, out)
        self.assertNotIn(self.token, out)

    def test_localhost_name_is_allowed(self):
        rc, kv, out = probe(h.clean_env(
            AWS_CONTAINER_CREDENTIALS_FULL_URI="http://localhost:%d/v1/credentials" % self.port,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=self.token, NO_PROXY="*"))
        self.assertEqual(rc, 0, out)
        self.assertEqual(kv["source"], "container")

    def test_disallowed_http_hosts_rejected_without_connecting(self):
        for url in ("http://10.0.0.1:%d/v1/credentials" % self.port, "http://169.254.169.254/latest/creds",
                    "http://[fd00:ec2::24]/creds"):
            t0 = time.monotonic()
            rc, kv, out = probe(h.clean_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
                                            AWS_CONTAINER_AUTHORIZATION_TOKEN=self.token))
            self.assertEqual(rc, 1, out)
            self.assertEqual(kv["error"], "config")
            self.assertIn("not allowed", out)
            self.assertLess(time.monotonic() - t0, 1.5)
        self.assertEqual(read_log(self.log), [])

    def test_crlf_tokens_rejected(self):
        rc, kv, out = probe(h.clean_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.url,
                                        AWS_CONTAINER_AUTHORIZATION_TOKEN=self.token + "\r\nX-Injected: yes"))
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "config")
        self.assertIn("line break", out)
        self.write(self.client_token, "line-one\nline-two\n")
        rc, kv, out = probe(h.clean_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=self.url,
                                        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=self.client_token))
        self.assertEqual(rc, 1, out)
        self.assertIn("line break", out)
        self.assertNotIn("line-one", out)
        self.assertEqual(read_log(self.log), [])


@unittest.skipUnless(os.path.exists(PROBE) and shutil.which("moto_server"), "creds_probe or moto_server missing")
class WebIdentityTests(unittest.TestCase):
    ROLE = "arn:aws:iam::123456789012:role/bucketlist-irsa"

    @classmethod
    def setUpClass(cls):
        cls.dir = h.tmp_dir("creds-web-identity-%d" % os.getpid())
        cls.port = h.free_port()
        # No signature enforcement: real STS takes this call unsigned and so do we.
        cls.server = h.Server(["moto_server", "-H", "127.0.0.1", "-p", str(cls.port)],
                              env=h.clean_env(), log_path=os.path.join(cls.dir, "moto.log"))
        try:
            h.wait_port(cls.port, timeout=20, proc=cls.server.proc)
        except Exception:
            cls.server.stop()
            raise
        cls.token_file = os.path.join(cls.dir, "token")
        with open(cls.token_file, "w") as f:
            f.write("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpibCJ9.c2ln\n")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def env(self, **extra):
        return h.clean_env(AWS_WEB_IDENTITY_TOKEN_FILE=self.token_file, AWS_ROLE_ARN=self.ROLE,
                           AWS_ENDPOINT_URL_STS="http://127.0.0.1:%d" % self.port, AWS_REGION="eu-west-1",
                           **extra)

    def caller_arn(self, akid):
        import boto3
        sts = boto3.client("sts", endpoint_url="http://127.0.0.1:%d" % self.port, region_name="eu-west-1",
                           aws_access_key_id=akid, aws_secret_access_key="unused-by-moto")
        return sts.get_caller_identity()["Arn"]

    def test_assume_role_with_session_name(self):
        rc, kv, out = probe(self.env(AWS_ROLE_SESSION_NAME="bl-it-session"))
        self.assertEqual(rc, 0, out)
        self.assertEqual(kv["source"], "web-identity")
        self.assertTrue(kv["access_key_id"].startswith("ASIA"), out)
        self.assertEqual(kv["has_session_token"], "yes")
        self.assertRegex(kv["expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertTrue(self.caller_arn(kv["access_key_id"]).endswith("assumed-role/bucketlist-irsa/bl-it-session"))

    def test_assume_role_generates_session_name(self):
        rc, kv, out = probe(self.env())
        self.assertEqual(rc, 0, out)
        arn = self.caller_arn(kv["access_key_id"])
        m = re.search(r"assumed-role/bucketlist-irsa/(.+)$", arn)
        self.assertIsNotNone(m, arn)
        self.assertRegex(m.group(1), r"^bucketlist-\d+$")
        self.assertTrue(2 <= len(m.group(1)) <= 64)

    def test_sts_endpoint_down_is_an_error(self):
        env = self.env(AWS_MAX_ATTEMPTS="1")
        env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:%d" % h.free_port()
        rc, kv, out = probe(env)
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "network")
        self.assertIn("web identity", out)
        self.assertNotIn("eyJ", out)


@unittest.skipUnless(os.path.exists(PROBE), "creds_probe not built")
class SharedFilesAndNothingTests(unittest.TestCase):
    def test_shared_files_under_home(self):
        home = h.tmp_dir("creds-home-%d" % os.getpid())
        os.makedirs(os.path.join(home, ".aws"), exist_ok=True)
        akid, secret = gen_key_id(), secrets.token_urlsafe(30)
        with open(os.path.join(home, ".aws", "credentials"), "w") as f:
            f.write("[default]\r\naws_access_key_id = AKIDDEFAULTEXAMPLE\r\naws_secret_access_key = x\r\n"
                    "# comment\r\n[work]\r\naws_access_key_id = %s ; inline comment\r\n"
                    "aws_secret_access_key = %s\r\n" % (akid, secret))
        with open(os.path.join(home, ".aws", "config"), "w") as f:
            f.write("[profile work]\nregion = eu-west-1\naws_access_key_id = FROMCONFIGIGNORED\n")
        env = h.clean_env(HOME=home, AWS_PROFILE="work")
        env.pop("AWS_CONFIG_FILE")
        env.pop("AWS_SHARED_CREDENTIALS_FILE")
        rc, kv, out = probe(env)
        self.assertEqual(rc, 0, out)
        self.assertEqual(kv["source"], "shared-files")
        self.assertEqual(kv["access_key_id"], akid)
        self.assertEqual(kv["secret_sha256"], sha12(secret))
        self.assertEqual(kv["has_session_token"], "no")
        self.assertEqual(kv["expiration"], "never")
        self.assertNotIn(secret, out)

    def test_nothing_configured_lists_every_provider(self):
        secret = secrets.token_urlsafe(30)
        rc, kv, out = probe(h.clean_env())
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "no-credentials")
        for part in ("environment: AWS_ACCESS_KEY_ID not set", "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set",
                     "shared files: no profile 'default'", "container: AWS_CONTAINER_CREDENTIALS_",
                     "IMDS: disabled by AWS_EC2_METADATA_DISABLED", "set AWS_ACCESS_KEY_ID"):
            self.assertIn(part, out)
        # Half-configured environment: an error naming the missing variable, never the secret.
        rc, kv, out = probe(h.clean_env(AWS_SECRET_ACCESS_KEY=secret))
        self.assertEqual(rc, 1, out)
        self.assertEqual(kv["error"], "config")
        self.assertIn("AWS_ACCESS_KEY_ID", out)
        self.assertNotIn(secret, out)


if __name__ == "__main__":
    unittest.main()

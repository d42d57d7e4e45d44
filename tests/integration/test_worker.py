"""The worker process on its own (no nginx), over a real FastCGI socket,
against tests/fakes/aws_fake.py: start-up failures, transient retries, the
deadline, rotation re-fetch rate limiting, aborted clients, SIGTERM, and the
command line."""
import json
import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
import unittest
import urllib.request

import fcgi_client
from harness import FAKES, PYTHON, Server, clean_env, free_port, run, tmp_dir, wait_port, worker_binary


def new_key_pair():
    return "AKID" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)


class FakeAws:
    def __init__(self):
        self.port = free_port()
        self.server = Server([PYTHON, os.path.join(FAKES, "aws_fake.py"), str(self.port), "--lifetime", "240"])
        wait_port(self.port, proc=self.server.proc)
        self.url = "http://127.0.0.1:%d" % self.port

    def control(self, **settings):
        req = urllib.request.Request(self.url + "/_control", data=json.dumps(settings).encode(), method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def stats(self):
        return json.loads(urllib.request.urlopen(self.url + "/_stats", timeout=5).read())

    def stop(self):
        self.server.stop()


class WorkerTests(unittest.TestCase):
    def setUp(self):
        self.fake = FakeAws()
        self.addCleanup(self.fake.stop)
        self.s3_key, self.s3_secret = new_key_pair()
        self.boot_key, self.boot_secret = new_key_pair()
        self.fake.control(secret={"AWS_ACCESS_KEY_ID": self.s3_key, "AWS_SECRET_ACCESS_KEY": self.s3_secret,
                                  "AWS_REGION": "us-east-1"},
                          s3_keys=[self.s3_key], buckets=["alpha", "beta", "gamma"])
        self.dir = tmp_dir("worker-%s" % self._testMethodName)
        self.log = os.path.join(self.dir, "worker.log")
        if os.path.exists(self.log):
            os.unlink(self.log)

    def env(self, **extra):
        settings = dict(AWS_ACCESS_KEY_ID=self.boot_key, AWS_SECRET_ACCESS_KEY=self.boot_secret,
                        AWS_REGION="us-east-1", AWS_ENDPOINT_URL=self.fake.url,
                        BUCKETLIST_SECRET_ID="bucketlist/s3", BUCKETLIST_ATTEMPT_TIMEOUT_MS="2000",
                        AWS_MAX_ATTEMPTS="2")
        settings.update(extra)
        return clean_env(**settings)

    def start_worker(self, unix=False, **extra):
        if unix:
            # Unix sockets have small buffers: a big answer blocks the worker's writes quickly.
            # Socket paths are limited to 107 bytes: keep it short, outside the build tree.
            sock_dir = tempfile.mkdtemp(prefix="bl-fcgi-")
            self.addCleanup(shutil.rmtree, sock_dir, True)
            path = os.path.join(sock_dir, "fcgi.sock")
            w = Server([worker_binary(), "--socket", path, "--log-file", self.log], env=self.env(**extra))
            self.addCleanup(w.stop)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and w.proc.poll() is None:
                try:
                    fcgi_client.connect(path).close()
                    break
                except OSError:
                    time.sleep(0.05)
            return w, path
        port = free_port()
        w = Server([worker_binary(), "--socket", "127.0.0.1:%d" % port, "--log-file", self.log],
                   env=self.env(**extra))
        self.addCleanup(w.stop)
        wait_port(port, proc=w.proc)
        return w, ("127.0.0.1", port)

    def log_text(self):
        with open(self.log, encoding="utf-8") as f:
            return f.read()

    def assert_no_secret_values(self, *texts):
        for text in texts:
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            for value in (self.s3_secret, self.boot_secret):
                self.assertNotIn(value, text)

    def test_lists_buckets_and_logs_one_line_per_request(self):
        w, addr = self.start_worker()
        status, headers, body = fcgi_client.request(addr, headers={"Accept": "application/json"})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"buckets": ["alpha", "beta", "gamma"]})
        self.assertEqual(headers["content-type"], "application/json")
        status, headers, body = fcgi_client.request(addr)
        self.assertEqual(status, 200)
        self.assertIn(b'<span class="bucket-name">gamma</span>', body)
        lines = [l for l in self.log_text().splitlines() if "event=request" in l]
        self.assertEqual(len(lines), 2)
        self.assertIn('path="/buckets" status=200', lines[0])
        self.assertIn("upstream_calls=1", lines[0])
        self.assertIn("buckets=3", lines[1])
        self.assertEqual(self.fake.stats()["sm_calls"], 1)
        self.assert_no_secret_values(body, self.log_text())

    def test_keys_cannot_reach_a_core_file(self):
        w, addr = self.start_worker()
        with open("/proc/%d/limits" % w.pid) as f:
            core = [l for l in f if l.startswith("Max core file size")][0].split()
        self.assertEqual(core[4:6], ["0", "0"], core)

    def test_head_sends_headers_only(self):
        w, addr = self.start_worker()
        status, headers, body = fcgi_client.request(addr, method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertTrue(headers["content-type"].startswith("text/html"))

    def test_transient_startup_failure_serves_503_then_recovers(self):
        self.fake.control(sm="unavailable")
        w, addr = self.start_worker(BUCKETLIST_RETRY_MIN="1", BUCKETLIST_RETRY_MAX="1")
        status, _, body = fcgi_client.request(addr, uri="/healthz")
        self.assertEqual(status, 503)
        status, headers, body = fcgi_client.request(addr)
        self.assertEqual(status, 503)
        self.assertIn(b"not available yet", body)
        self.assertIn(b"ServiceUnavailable", body)
        self.assertIsNone(w.proc.poll(), "a transient failure must not stop the worker")
        calls = self.fake.stats()["sm_calls"]
        # Requests inside the backoff window do not call Secrets Manager again.
        fcgi_client.request(addr)
        self.assertEqual(self.fake.stats()["sm_calls"], calls)
        self.fake.control(sm="ok")
        time.sleep(1.2)
        status, _, body = fcgi_client.request(addr, headers={"Accept": "application/json"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["buckets"], ["alpha", "beta", "gamma"])
        self.assertEqual(fcgi_client.request(addr, uri="/healthz")[0], 200)

    def test_a_bare_429_at_start_up_is_transient(self):
        self.fake.control(sm="bare429")
        w, addr = self.start_worker(AWS_MAX_ATTEMPTS="1")
        status, _, body = fcgi_client.request(addr)
        self.assertEqual(status, 503)
        self.assertIsNone(w.proc.poll())

    def test_other_auth_errors_do_not_refetch_the_secret(self):
        w, addr = self.start_worker(BUCKETLIST_REFETCH_INTERVAL="0")
        self.fake.control(s3_error={"status": 400, "code": "InvalidToken",
                                    "message": "The provided token is malformed or otherwise invalid."})
        status, _, body = fcgi_client.request(addr)
        self.assertEqual(status, 502)
        self.assertIn(b"InvalidToken", body)
        self.assertEqual(self.fake.stats()["sm_calls"], 1)

    def test_a_live_socket_is_not_taken_over(self):
        w, path = self.start_worker(unix=True)
        r = run([worker_binary(), "--socket", path], env=self.env(), timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already accepting", r.stderr)
        status, _, _ = fcgi_client.request(path, uri="/healthz")
        self.assertEqual(status, 200)

    def test_permanent_startup_failures_exit_non_zero_with_the_reason(self):
        cases = {
            "notfound": "not found",
            "denied": "secretsmanager:GetSecretValue",
        }
        for mode, needle in cases.items():
            with self.subTest(mode=mode):
                self.fake.control(sm=mode)
                port = free_port()
                r = run([worker_binary(), "--socket", "127.0.0.1:%d" % port], env=self.env(), timeout=30)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(needle, r.stderr)
                self.assert_no_secret_values(r.stderr, r.stdout)
        self.fake.control(sm="bare404")
        r = run([worker_binary(), "--check"], env=self.env(), timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("probably not Secrets Manager", r.stdout)
        self.assertIn("AWS_ENDPOINT_URL", r.stdout)
        self.assertNotIn("not found", r.stdout)
        self.fake.control(sm="ok", secret={"AWS_ACCESS_KEY_ID": self.s3_key})
        r = run([worker_binary(), "--socket", "127.0.0.1:%d" % free_port()], env=self.env(), timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("AWS_SECRET_ACCESS_KEY", r.stderr)

    def test_upstream_hang_gives_504_within_the_deadline(self):
        w, addr = self.start_worker(BUCKETLIST_DEADLINE_MS="2500", BUCKETLIST_ATTEMPT_TIMEOUT_MS="1000")
        self.fake.control(s3_delay=8)
        t0 = time.monotonic()
        status, _, body = fcgi_client.request(addr, timeout=20)
        elapsed = time.monotonic() - t0
        self.assertEqual(status, 504, body)
        self.assertLess(elapsed, 7.0, "the worker must answer before the upstream does")
        # Whether the deadline or the attempts ran out first depends on the backoff's jitter; either way
        # the message names the setting to change.
        self.assertRegex(body, rb"BUCKETLIST_(DEADLINE|ATTEMPT_TIMEOUT)_MS")

    def test_rejected_key_refetches_once_and_is_rate_limited(self):
        w, addr = self.start_worker(BUCKETLIST_REFETCH_INTERVAL="300")
        self.assertEqual(self.fake.stats()["sm_calls"], 1)
        # Rotate: S3 now only knows a new key, and the secret holds it.
        new_key, new_secret = new_key_pair()
        self.fake.control(s3_keys=[new_key], secret={"AWS_ACCESS_KEY_ID": new_key,
                                                     "AWS_SECRET_ACCESS_KEY": new_secret})
        status, _, body = fcgi_client.request(addr, headers={"Accept": "application/json"})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.fake.stats()["sm_calls"], 2)
        # A secret that still holds a dead key: one more re-fetch is not allowed yet.
        self.fake.control(s3_keys=["AKIDNOBODYHASTHIS"])
        status, _, body = fcgi_client.request(addr)
        self.assertEqual(status, 502)
        self.assertIn(b"InvalidAccessKeyId", body)
        self.assertIn(b"BUCKETLIST_REFETCH_INTERVAL", body)
        self.assertEqual(self.fake.stats()["sm_calls"], 2)
        self.assert_no_secret_values(body, self.log_text())
        self.assertNotIn(new_secret, self.log_text())

    def test_visitors_see_no_arns_or_account_ids_but_the_log_has_them(self):
        arn = "arn:aws:iam::123456789012:user/s3-reader"
        self.fake.control(s3_error={"status": 403, "code": "AccessDenied",
                                    "message": "User: %s is not authorized to perform s3:ListAllMyBuckets" % arn})
        w, addr = self.start_worker()
        status, _, body = fcgi_client.request(addr)
        self.assertEqual(status, 502)
        self.assertIn(b"AccessDenied", body)
        self.assertIn(b"s3:ListAllMyBuckets", body)
        self.assertNotIn(b"123456789012", body)
        self.assertIn(b"[ARN]", body)
        self.assertIn(arn, self.log_text())

    def test_json_over_its_cap_is_a_clear_error_not_a_truncated_list(self):
        self.fake.control(buckets=["bucket-%05d" % i for i in range(2000)])
        w, addr = self.start_worker(BUCKETLIST_JSON_MAX_BYTES="8192", BUCKETLIST_S3_PAGE_SIZE="500")
        status, _, body = fcgi_client.request(addr, headers={"Accept": "application/json"})
        self.assertEqual(status, 500)
        self.assertIn("BUCKETLIST_JSON_MAX_BYTES", json.loads(body)["error"])
        line = [l for l in self.log_text().splitlines() if "event=request" in l][-1]
        self.assertIn('error="too-large"', line)
        # The HTML form streams and is not capped.
        status, _, body = fcgi_client.request(addr)
        self.assertEqual(status, 200)
        self.assertEqual(body.count(b'class="bucket-name"'), 2000)

    def test_client_that_goes_away_does_not_kill_the_worker(self):
        self.fake.control(buckets=["bucket-%05d" % i for i in range(3000)])
        w, addr = self.start_worker(BUCKETLIST_S3_PAGE_SIZE="500")
        for _ in range(3):
            s = fcgi_client.connect(addr)
            fcgi_client.send_request(s)
            s.recv(100)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        time.sleep(0.5)
        self.assertIsNone(w.proc.poll())
        status, _, body = fcgi_client.request(addr, headers={"Accept": "application/json"})
        self.assertEqual(status, 200)
        self.assertEqual(len(json.loads(body)["buckets"]), 3000)

    def test_sigterm_finishes_the_current_request_then_exits(self):
        w, addr = self.start_worker()
        self.fake.control(s3_delay=1.5)
        s = fcgi_client.connect(addr)
        fcgi_client.send_request(s, headers={"Accept": "application/json"})
        time.sleep(0.5)
        os.kill(w.pid, signal.SIGTERM)
        status, _, body = fcgi_client.read_response(s, timeout=10)
        s.close()
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["buckets"], ["alpha", "beta", "gamma"])
        self.assertEqual(w.proc.wait(timeout=10), 0)

    def test_sigterm_while_blocked_writing_still_completes_the_response(self):
        # 20,000 buckets is a few MiB of HTML: the worker blocks on the full Unix socket while the
        # client is not reading, and SIGTERM arrives then.
        self.fake.control(buckets=["bucket-%05d" % i for i in range(20000)])
        w, addr = self.start_worker(unix=True)
        s = fcgi_client.connect(addr)
        fcgi_client.send_request(s)
        time.sleep(1.0)
        os.kill(w.pid, signal.SIGTERM)
        time.sleep(0.3)
        status, _, body = fcgi_client.read_response(s, timeout=20)
        s.close()
        self.assertEqual(status, 200)
        self.assertEqual(body.count(b'class="bucket-name"'), 20000)
        self.assertRegex(body, rb"20,?000 buckets")
        self.assertEqual(w.proc.wait(timeout=10), 0)

    def test_routes_methods_and_bad_input(self):
        w, addr = self.start_worker()
        status, headers, body = fcgi_client.request(addr, method="POST")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET, HEAD")
        self.assertEqual(fcgi_client.request(addr, uri="/nope")[0], 404)
        status, _, body = fcgi_client.request(addr, uri="/buckets?prefix=Bad%21")
        self.assertEqual(status, 400)
        self.assertIn(b"prefix", body)
        status, _, body = fcgi_client.request(addr, uri="/buckets?prefix=%zz", headers={"Accept": "application/json"})
        self.assertEqual(status, 400)
        self.assertIn("prefix", json.loads(body)["error"])
        status, _, body = fcgi_client.request(addr, uri="/buckets?prefix=be", headers={"Accept": "application/json"})
        self.assertEqual(json.loads(body), {"buckets": ["beta"]})
        status, _, body = fcgi_client.request(addr, uri="/healthz")
        self.assertEqual((status, body), (200, b"ok\n"))


class CommandLineTests(unittest.TestCase):
    def test_help_version_and_usage_errors(self):
        r = run([worker_binary(), "--help"], env=clean_env())
        self.assertEqual(r.returncode, 0)
        self.assertIn("BUCKETLIST_SECRET_ID", r.stdout)
        r = run([worker_binary(), "--version"], env=clean_env())
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^bucketlist\.fcgi \d+\.\d+\.\d+")
        r = run([worker_binary(), "--bogus"], env=clean_env())
        self.assertEqual(r.returncode, 2)
        self.assertIn("--help", r.stderr)

    def test_missing_secret_id_is_a_clear_error(self):
        r = run([worker_binary(), "--socket", "127.0.0.1:%d" % free_port()], env=clean_env())
        self.assertEqual(r.returncode, 1)
        self.assertIn("BUCKETLIST_SECRET_ID is not set", r.stderr)

    def test_without_a_socket_on_fd0_it_says_how_to_run_it(self):
        r = run([worker_binary()], env=clean_env(BUCKETLIST_SECRET_ID="x", AWS_REGION="us-east-1"), input="")
        self.assertEqual(r.returncode, 2)
        self.assertIn("spawn-fcgi", r.stderr)

    def test_malformed_arn_is_named_as_such(self):
        r = run([worker_binary(), "--check"], env=clean_env(BUCKETLIST_SECRET_ID="arn:aws:s3:::mybucket",
                                                           AWS_REGION="us-east-1"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a Secrets Manager secret ARN", r.stdout)

    def test_check_reports_configuration_errors_in_its_summary(self):
        r = run([worker_binary(), "--check"], env=clean_env(BUCKETLIST_SECRET_ID="x", BUCKETLIST_S3_PAGE_SIZE="abc"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("result:          FAILED (config)", r.stdout)
        self.assertIn("BUCKETLIST_S3_PAGE_SIZE", r.stdout)

    def test_bad_socket_spec_and_bad_numbers(self):
        r = run([worker_binary(), "--socket", "nonsense"], env=clean_env(BUCKETLIST_SECRET_ID="x"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("HOST:PORT", r.stderr)
        r = run([worker_binary(), "--socket", "127.0.0.1:%d" % free_port()],
                env=clean_env(BUCKETLIST_SECRET_ID="x", BUCKETLIST_S3_PAGE_SIZE="0"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("BUCKETLIST_S3_PAGE_SIZE", r.stderr)


if __name__ == "__main__":
    unittest.main()

"""End to end over real sockets: patched moto (signature checks on) + the
worker under spawn-fcgi + the dev nginx. See stack.py."""
import html.parser
import json
import math
import os
import re
import time
import unittest

import harness
import fcgi_client
from stack import Stack

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def have_worker():
    return os.access(harness.worker_binary(), os.X_OK)


class Fragment(html.parser.HTMLParser):
    """Collects the structure of the worker's HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.elements = []     # (tag, attrs dict)
        self.text = {}         # class -> [text, ...]
        self.errors = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elements.append((tag, a))
        if tag not in ("br", "img", "hr", "meta", "link", "input", "wbr"):
            self.stack.append((tag, a.get("class", ""), []))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("unbalanced </%s>" % tag)
            return
        _, cls, parts = self.stack.pop()
        txt = "".join(parts).strip()
        for c in cls.split():
            self.text.setdefault(c, []).append(txt)
        if self.stack:
            self.stack[-1][2].append("".join(parts))

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def with_class(self, tag, cls):
        return [a for t, a in self.elements if t == tag and cls in a.get("class", "").split()]


def parse_fragment(body):
    p = Fragment()
    p.feed(body)
    p.close()
    return p


class StackCase(unittest.TestCase):
    """Starts one stack per class; records every response for the leak check."""
    stack_args = {}
    st = None

    @classmethod
    def setUpClass(cls):
        if not have_worker():
            raise unittest.SkipTest("no worker binary at %s (run make)" % harness.worker_binary())
        cls.responses = []
        cls.st = Stack(cls.__name__, **cls.stack_args).start()

    @classmethod
    def tearDownClass(cls):
        if cls.st is not None:
            cls.st.stop()

    def get(self, path, accept=None, method="GET", headers=None):
        h = dict(headers or {})
        if accept:
            h["Accept"] = accept
        status, hdrs, body = self.st.request(method, path, h)
        self.responses.append((path, status, hdrs, body))
        return status, hdrs, body

    def assert_no_secret_leak(self):
        secrets = self.st.secret_values()
        self.assertTrue(secrets and all(len(s) >= 16 for s in secrets))
        logs = self.st.all_logs()
        self.assertTrue(self.responses, "no response was recorded")
        for s in secrets:
            for path, status, hdrs, body in self.responses:
                self.assertNotIn(s, body, "a secret key appeared in the body of %s" % path)
                self.assertNotIn(s, json.dumps(hdrs), "a secret key appeared in a header of %s" % path)
            self.assertNotIn(s, logs, "a secret key appeared in a log file")


class TestThreeBuckets(StackCase):
    names = ["1st-bucket.data", "app-logs-2024", "example.com.assets"]
    stack_args = {"names": ["example.com.assets", "1st-bucket.data", "app-logs-2024"], "page_size": 2}

    def test_json_equals_boto3(self):
        status, hdrs, body = self.get("/buckets", accept="application/json")
        self.assertEqual(status, 200, body)
        self.assertTrue(hdrs["content-type"].startswith("application/json"), hdrs)
        got = json.loads(body)
        self.assertEqual(list(got.keys()), ["buckets"])
        self.assertEqual(got["buckets"], self.st.boto3_bucket_names())
        self.assertEqual(got["buckets"], self.names)

    def test_html_fragment(self):
        status, hdrs, body = self.get("/buckets", accept="text/html")
        self.assertEqual(status, 200, body)
        self.assertEqual(hdrs["content-type"].replace(" ", "").lower(), "text/html;charset=utf-8")
        frag = parse_fragment(body)
        self.assertEqual(frag.errors, [])
        self.assertEqual(len(frag.with_class("ul", "buckets")), 1, body)
        self.assertEqual(len(frag.with_class("li", "bucket")), 3, body)
        self.assertEqual(frag.text.get("bucket-name"), self.names)
        self.assertEqual(len(frag.with_class("time", "bucket-created")), 3)
        self.assertEqual(frag.text.get("bucket-region"), ["us-east-2"] * 3)
        count = frag.text.get("bucket-count")
        self.assertTrue(count and re.search(r"\b3\b", count[0]), count)
        self.assertNotIn("<script", body.lower())

    def test_default_is_html(self):
        status, hdrs, body = self.get("/buckets")
        self.assertEqual(status, 200, body)
        self.assertTrue(hdrs["content-type"].startswith("text/html"))
        self.assertIn('class="buckets"', body)

    def test_head(self):
        status, hdrs, body = self.get("/buckets", method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, "")

    def test_prefix(self):
        got = json.loads(self.get("/buckets?prefix=app", accept="application/json")[2])["buckets"]
        self.assertEqual(got, ["app-logs-2024"])
        s3 = self.st.client("s3", "s3_reader")
        self.assertEqual(got, [b["Name"] for b in s3.list_buckets(Prefix="app", MaxBuckets=10)["Buckets"]])

    def test_bad_prefix_is_escaped(self):
        status, hdrs, body = self.get("/buckets?prefix=%3Cscript%3Ealert(1)%3C%2Fscript%3E", accept="text/html")
        self.assertEqual(status, 400, body)
        self.assertNotIn("<script>", body)
        frag = parse_fragment(body)
        self.assertEqual(len(frag.with_class("div", "error")), 1, body)
        status, hdrs, body = self.get("/buckets?prefix=%3Cscript%3E", accept="application/json")
        self.assertEqual(status, 400, body)
        self.assertIn("error", json.loads(body))

    def test_healthz(self):
        status, hdrs, body = self.get("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(body.strip(), "ok")

    def test_post_is_405_with_allow(self):
        status, hdrs, body = self.get("/buckets", method="POST", headers={"Content-Length": "0"})
        self.assertEqual(status, 405, body)
        allow = [m.strip() for m in hdrs.get("allow", "").split(",")]
        self.assertIn("GET", allow)
        self.assertIn("HEAD", allow)

    def test_unknown_path_404(self):
        status, hdrs, body = self.get("/nope")
        self.assertEqual(status, 404)
        # The worker's own answer for a path nginx would never send it.
        status, hdrs, body = fcgi_client.request(self.st.socket, "GET", "/nope")
        self.assertEqual(status, 404, body)
        status, hdrs, body = fcgi_client.request(self.st.socket, "DELETE", "/buckets")
        self.assertEqual(status, 405, body)
        self.assertIn("GET", hdrs.get("allow", ""))

    def test_security_headers(self):
        for path in ("/", "/buckets", "/nope", "/static/app.js"):
            status, hdrs, body = self.get(path)
            self.assertEqual(hdrs.get("content-security-policy"), CSP, path)
            self.assertEqual(hdrs.get("x-content-type-options"), "nosniff", path)
            self.assertEqual(hdrs.get("referrer-policy"), "no-referrer", path)
            self.assertEqual(hdrs.get("x-frame-options"), "DENY", path)

    def test_pages_reach_moto(self):
        before = self.st.calls().get("s3:ListBuckets", 0)
        self.assertEqual(len(self.st.json_names()), 3)
        after = self.st.calls().get("s3:ListBuckets", 0)
        self.assertEqual(after - before, 2, "page size 2 and 3 buckets must take 2 ListBuckets pages")

    def test_zz_no_secret_in_responses_or_logs(self):
        self.get("/buckets")
        self.get("/buckets", accept="application/json")
        self.assertIn("/buckets", self.st.read(self.st.worker_log))
        self.assert_no_secret_leak()


class TestNoBuckets(StackCase):
    stack_args = {"names": []}

    def test_empty(self):
        status, hdrs, body = self.get("/buckets", accept="application/json")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"buckets": []})
        self.assertEqual(self.st.boto3_bucket_names(), [])
        status, hdrs, body = self.get("/buckets", accept="text/html")
        self.assertEqual(status, 200, body)
        frag = parse_fragment(body)
        self.assertEqual(len(frag.with_class("p", "empty")), 1, body)
        self.assertEqual(frag.with_class("li", "bucket"), [])


class TestManyBuckets(StackCase):
    stack_args = {"buckets": 1500, "page_size": 100}

    def test_1500_buckets_paginated(self):
        expected = self.st.boto3_bucket_names(page_size=1000)
        self.assertEqual(len(expected), 1500)
        before = self.st.calls().get("s3:ListBuckets", 0)
        got = self.st.json_names()
        after = self.st.calls().get("s3:ListBuckets", 0)
        self.assertEqual(got, expected)
        self.assertEqual(after - before, math.ceil(1500 / 100))
        status, hdrs, body = self.get("/buckets", accept="text/html")
        self.assertEqual(status, 200)
        frag = parse_fragment(body)
        self.assertEqual(frag.text.get("bucket-name"), expected)
        self.assertTrue(re.search(r"\b1,?500\b", frag.text["bucket-count"][0]), frag.text["bucket-count"])


class TestErrors(StackCase):
    stack_args = {"names": ["err-bucket-1", "err.bucket.2", "err-3"]}

    def admin_as_bootstrap(self):
        a = self.st.ids["admin"]
        return {"AWS_ACCESS_KEY_ID": a["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": a["SecretAccessKey"]}

    def make_secret(self, name, value):
        sm = self.st.admin("secretsmanager")
        try:
            return sm.create_secret(Name=name, SecretString=value)["ARN"]
        except sm.exceptions.ResourceExistsException:
            sm.put_secret_value(SecretId=name, SecretString=value)
            return sm.describe_secret(SecretId=name)["ARN"]

    def output(self, r):
        return (r.stdout or "") + (r.stderr or "")

    def test_check_ok(self):
        r = self.st.run_worker(["--check"])
        out = self.output(r)
        self.assertEqual(r.returncode, 0, out)
        self.assertIn(self.st.ids["secret_name"], out)
        self.assertIn("us-east-2", out)
        self.assertTrue(re.search(r"\b3\b", out), out)
        for s in self.st.secret_values():
            self.assertNotIn(s, out)
        self.assertNotIn(self.st.ids["s3_reader"]["AccessKeyId"], out)

    def test_check_wrong_secret_id_not_found(self):
        r = self.st.run_worker(["--check"], BUCKETLIST_SECRET_ID="bucketlist/no-such-secret", **self.admin_as_bootstrap())
        out = self.output(r)
        self.assertEqual(r.returncode, 1, out)
        self.assertRegex(out, r"(?i)not found|ResourceNotFound|can.t find")
        self.assertIn("bucketlist/no-such-secret", out)

    def test_check_wrong_secret_id_denied(self):
        # The bootstrap identity may read only its own secret: real AWS says AccessDenied.
        r = self.st.run_worker(["--check"], BUCKETLIST_SECRET_ID="bucketlist/other")
        out = self.output(r)
        self.assertEqual(r.returncode, 1, out)
        self.assertRegex(out, r"(?i)access ?denied|not authori[sz]ed")

    def test_startup_denied_exits(self):
        iam = self.st.admin("iam")
        iam.create_user(UserName="no-permissions")
        key = iam.create_access_key(UserName="no-permissions")["AccessKey"]
        self.st.extra_secrets.append(key["SecretAccessKey"])
        sock = os.path.join(self.st.dir, "denied.sock")
        r = self.st.run_worker(["--socket", sock], timeout=30, AWS_ACCESS_KEY_ID=key["AccessKeyId"],
                               AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
        out = self.output(r)
        self.assertNotEqual(r.returncode, 0, out)
        self.assertRegex(out, r"(?i)access ?denied|not authori[sz]ed")
        self.assertNotIn(key["SecretAccessKey"], out)

    def test_malformed_json_secret(self):
        marker = "MARKER-" + os.urandom(8).hex()
        self.st.extra_secrets.append(marker)
        self.make_secret("bucketlist/malformed", "{not json " + marker)
        env = dict(self.admin_as_bootstrap(), BUCKETLIST_SECRET_ID="bucketlist/malformed")
        r = self.st.run_worker(["--check"], **env)
        out = self.output(r)
        self.assertEqual(r.returncode, 1, out)
        self.assertRegex(out, r"(?i)json")
        self.assertNotIn(marker, out)
        sock = os.path.join(self.st.dir, "malformed.sock")
        r = self.st.run_worker(["--socket", sock], timeout=30, **env)
        self.assertNotEqual(r.returncode, 0, self.output(r))
        self.assertNotIn(marker, self.output(r))

    def test_missing_key_in_secret(self):
        marker = "AKIDEXAMPLE" + os.urandom(4).hex().upper()
        self.make_secret("bucketlist/missing-key", json.dumps({"AWS_ACCESS_KEY_ID": marker, "AWS_REGION": "us-east-2"}))
        r = self.st.run_worker(["--check"], BUCKETLIST_SECRET_ID="bucketlist/missing-key", **self.admin_as_bootstrap())
        out = self.output(r)
        self.assertEqual(r.returncode, 1, out)
        self.assertIn("AWS_SECRET_ACCESS_KEY", out)

    def test_s3_denied_is_502(self):
        iam = self.st.admin("iam")
        iam.create_user(UserName="s3-no-list")
        iam.put_user_policy(UserName="s3-no-list", PolicyName="wrong",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="s3-no-list")["AccessKey"]
        self.st.extra_secrets.append(key["SecretAccessKey"])
        self.make_secret("bucketlist/s3-no-list", json.dumps({"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                                                              "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
                                                              "AWS_REGION": "us-east-2"}))
        try:
            self.st.start_worker(BUCKETLIST_SECRET_ID="bucketlist/s3-no-list", **self.admin_as_bootstrap())
            self.st.wait_healthy()
            status, hdrs, body = self.get("/buckets", accept="text/html")
            self.assertEqual(status, 502, body)
            frag = parse_fragment(body)
            alerts = [a for a in frag.with_class("div", "error") if a.get("role") == "alert"]
            self.assertEqual(len(alerts), 1, body)
            self.assertRegex(body, r"(?i)AccessDenied|access denied|ListAllMyBuckets")
            status, hdrs, body = self.get("/buckets", accept="application/json")
            self.assertEqual(status, 502, body)
            self.assertRegex(json.loads(body)["error"], r"(?i)AccessDenied|access denied|ListAllMyBuckets")
        finally:
            self.st.start_worker()
            self.st.wait_healthy()

    def test_zz_no_secret_leak(self):
        self.get("/buckets")
        self.assert_no_secret_leak()


class TestRotation(StackCase):
    stack_args = {"names": ["rot-a", "rot-b.2"], "workers": 1, "env": {"BUCKETLIST_REFETCH_INTERVAL": "2"}}

    def gsv(self):
        return self.st.calls().get("secretsmanager:GetSecretValue", 0)

    def test_rotation_refetches_once(self):
        self.assertEqual(self.st.json_names(), ["rot-a", "rot-b.2"])
        iam = self.st.admin("iam")
        old = self.st.ids["s3_reader"]["AccessKeyId"]
        new = iam.create_access_key(UserName="bucketlist-s3-reader")["AccessKey"]
        self.st.extra_secrets.append(new["SecretAccessKey"])
        self.st.set_secret({"AWS_ACCESS_KEY_ID": new["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": new["SecretAccessKey"],
                            "AWS_REGION": "us-east-2"})
        iam.update_access_key(UserName="bucketlist-s3-reader", AccessKeyId=old, Status="Inactive")
        iam.delete_access_key(UserName="bucketlist-s3-reader", AccessKeyId=old)
        time.sleep(2.2)  # past BUCKETLIST_REFETCH_INTERVAL since the start-up fetch
        n0 = self.gsv()
        status, hdrs, body = self.get("/buckets", accept="application/json")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["buckets"], ["rot-a", "rot-b.2"])
        self.assertEqual(self.gsv() - n0, 1, "exactly one GetSecretValue after rotation")
        self.assertEqual(self.st.json_names(), ["rot-a", "rot-b.2"])
        self.assertEqual(self.gsv() - n0, 1, "no further GetSecretValue once the new key works")

        # A secret that stays bad must not cause a storm of GetSecretValue calls.
        self.st.set_secret({"AWS_ACCESS_KEY_ID": "AKIDEXAMPLEBADKEY000", "AWS_SECRET_ACCESS_KEY": "x" * 40,
                            "AWS_REGION": "us-east-2"})
        iam.delete_access_key(UserName="bucketlist-s3-reader", AccessKeyId=new["AccessKeyId"])
        time.sleep(2.2)
        n1 = self.gsv()
        statuses = [self.get("/buckets", accept="application/json")[0] for _ in range(5)]
        self.assertTrue(all(s == 502 for s in statuses), statuses)
        self.assertLessEqual(self.gsv() - n1, 1, "re-fetches must be rate-limited")

    def test_zz_no_secret_leak(self):
        self.get("/healthz")
        self.assert_no_secret_leak()


if __name__ == "__main__":
    unittest.main()

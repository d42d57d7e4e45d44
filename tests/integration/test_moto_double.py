"""The test double itself (scripts/moto-server.py + seed-moto.py): it must
enforce signatures and IAM like AWS and page ListBuckets like real S3, or
the end-to-end tests prove nothing."""
import json
import unittest
import urllib.request

import botocore.exceptions

from stack import Stack


class TestMotoDouble(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = Stack("moto-double", buckets=25)
        cls.st.start(worker=False, nginx=False)

    @classmethod
    def tearDownClass(cls):
        cls.st.stop()

    def test_pages_sorted_with_awkward_tokens(self):
        s3 = self.st.client("s3", "s3_reader")
        page = s3.list_buckets(MaxBuckets=4)
        token = page["ContinuationToken"]
        for ch in "+/=":
            self.assertIn(ch, token)
        self.assertEqual(len(page["Buckets"]), 4)
        self.assertEqual(page["Buckets"][0]["BucketRegion"], "us-east-2")
        names = []
        pages = 0
        for p in s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": 4}):
            names += [b["Name"] for b in p["Buckets"]]
            pages += 1
        self.assertEqual(pages, 7)
        self.assertEqual(names, sorted(self.st.ids["buckets"]))
        self.assertEqual(len(names), 25)

    def test_prefix_and_bad_token(self):
        s3 = self.st.client("s3", "s3_reader")
        got = s3.list_buckets(Prefix="bl.", MaxBuckets=100)
        self.assertEqual([b["Name"] for b in got["Buckets"]],
                         sorted(n for n in self.st.ids["buckets"] if n.startswith("bl.")))
        self.assertEqual(got["Prefix"], "bl.")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            s3.list_buckets(MaxBuckets=2, ContinuationToken="not-a-token")
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidArgument")

    def test_signatures_enforced(self):
        reader = self.st.ids["s3_reader"]
        bad = self.st.client("s3", {"AccessKeyId": reader["AccessKeyId"], "SecretAccessKey": "wrong" * 8})
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            bad.list_buckets(MaxBuckets=5)
        self.assertEqual(cm.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        unknown = self.st.client("iam", {"AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "x" * 40})
        with self.assertRaises(botocore.exceptions.ClientError):
            unknown.create_user(UserName="sneaky")  # the 3 free calls are used up by seeding

    def test_least_privilege(self):
        boot = self.st.client("secretsmanager", "bootstrap")
        value = json.loads(boot.get_secret_value(SecretId=self.st.ids["secret_name"])["SecretString"])
        self.assertEqual(sorted(value), ["AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_SECRET_ACCESS_KEY"])
        self.assertEqual(value["AWS_ACCESS_KEY_ID"], self.st.ids["s3_reader"]["AccessKeyId"])
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            boot.list_secrets()
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDeniedException")
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.st.client("s3", "bootstrap").list_buckets(MaxBuckets=5)
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")
        with self.assertRaises(botocore.exceptions.ClientError):
            self.st.client("s3", "s3_reader").list_objects_v2(Bucket=self.st.ids["buckets"][0])

    def test_call_counter(self):
        before = self.st.calls().get("s3:ListBuckets", 0)
        self.st.client("s3", "s3_reader").list_buckets(MaxBuckets=100)
        self.assertEqual(self.st.calls().get("s3:ListBuckets", 0), before + 1)
        with urllib.request.urlopen(self.st.endpoint + "/__bucketlist/calls", timeout=10) as r:
            self.assertIn("secretsmanager:CreateSecret", json.loads(r.read()))


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Runs every tests/integration/test_*.py with unittest and prints one closing
line "N passed, N failed" (errors count as failures, skips are reported).

Usage: python3 tests/integration/run.py [-k substring] [module ...]
The Python must have moto, boto3 and Flask (scripts/install-deps.sh checks).
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class CountingResult(unittest.TextTestResult):
    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        self.stream.flush()


def main(argv):
    pattern = None
    names = []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "-k" and args:
            pattern = args.pop(0)
        else:
            names.append(a)
    loader = unittest.TestLoader()
    if pattern:
        loader.testNamePatterns = ["*%s*" % pattern]
    if names:
        suite = unittest.TestSuite(loader.loadTestsFromName(n.replace(".py", "").replace("/", ".").split(".")[-1])
                                   for n in names)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult, stream=sys.stdout)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    line = "%d passed, %d failed" % (passed, failed)
    if result.skipped:
        line += ", %d skipped" % len(result.skipped)
    print(line)
    if result.testsRun == 0:
        print("no integration test ran", file=sys.stderr)
        return 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

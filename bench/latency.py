#!/usr/bin/env python3
"""Benchmark: page-request latency and throughput of the whole stack
(nginx -> spawn-fcgi workers -> patched moto), for a few account sizes.

Reports figures; asserts nothing. Every request goes to 127.0.0.1, the loop
is bounded in count, and the stack is stopped by PID at the end.

    python3 bench/latency.py [--requests 300] [--concurrency 4] [--workers 2] [--sizes 3,1500]

Columns: buckets in the account, page size, requests, concurrency, req/s,
latency p50/p95/p99/max in ms, upstream calls per request (from the worker's
log line), errors."""
import argparse
import http.client
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import stack  # noqa: E402


def percentile(values, p):
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * (len(values) - 1)))))
    return values[k]


def load(port, path, n, concurrency):
    latencies, errors = [], [0]
    lock = threading.Lock()
    counter = [0]

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if counter[0] >= n:
                    break
                counter[0] += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": "application/json"})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            dt = (time.perf_counter() - t0) * 1000.0
            with lock:
                latencies.append(dt)
                if not ok:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - t0


def upstream_calls_per_request(log_path, skip):
    calls = []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if "event=request" in line and 'path="/buckets"' in line:
                for field in line.split():
                    if field.startswith("upstream_calls="):
                        calls.append(int(field.split("=", 1)[1]))
    calls = calls[skip:]
    return statistics.mean(calls) if calls else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sizes", default="3,1500")
    ap.add_argument("--page-size", type=int, default=1000)
    args = ap.parse_args()
    print("%8s %6s %6s %5s %8s %8s %8s %8s %8s %9s %6s" % ("buckets", "page", "reqs", "conc", "req/s", "p50ms",
                                                           "p95ms", "p99ms", "maxms", "upstream", "errors"))
    for size in [int(s) for s in args.sizes.split(",")]:
        st = stack.Stack("bench-%d" % size, buckets=size, workers=args.workers, page_size=args.page_size)
        st.start()
        try:
            warm = 2 * args.workers
            load(st.port, "/buckets", warm, 1)
            lat, errors, elapsed = load(st.port, "/buckets", args.requests, args.concurrency)
            upstream = upstream_calls_per_request(st.worker_log, warm)
            print("%8d %6d %6d %5d %8.1f %8.1f %8.1f %8.1f %8.1f %9.2f %6d" % (
                size, args.page_size, len(lat), args.concurrency, len(lat) / elapsed, percentile(lat, 50),
                percentile(lat, 95), percentile(lat, 99), max(lat), upstream, errors), flush=True)
        finally:
            st.stop()


if __name__ == "__main__":
    main()

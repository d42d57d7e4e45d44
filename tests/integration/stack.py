#!/usr/bin/env python3
"""The whole bucketlist stack for tests, on 127.0.0.1 and free ports:
patched moto (scripts/moto-server.py, signature checks on), seeded by
scripts/seed-moto.py, the worker under spawn-fcgi (-F 2), and the dev nginx
(nginx/dev.conf.in). Everything is stopped by PID.

In a test:
    st = Stack("e2e-basic", names=["a-1", "b.2", "c-3"])
    st.start()                       # moto, seed, worker, nginx
    status, headers, body = st.get("/buckets", accept="application/json")
    st.admin("iam").create_access_key(...)
    st.calls()["secretsmanager:GetSecretValue"]
    st.stop()

Standalone (the browser test uses it):
    python3 tests/integration/stack.py --serve [--names a,b,c | --buckets N] [--lifetime 300]
prints one JSON line {"url": ..., "buckets": [...], ...} and stays up until
SIGTERM/SIGINT, stdin closing, or --lifetime seconds.
"""
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

ROOT = harness.ROOT
PYTHON = harness.PYTHON
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SPAWN_FCGI = shutil.which("spawn-fcgi") or "/usr/bin/spawn-fcgi"
FASTCGI_PARAMS = os.environ.get("FASTCGI_PARAMS", "/etc/nginx/fastcgi_params")
MOTO_LIFETIME = 1800  # seconds: a crashed test run cannot leave moto behind for long


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours counts as gone.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def stop_pids(pids, pattern, timeout=5.0):
    """TERM, then KILL, each PID that still runs `pattern`."""
    pids = [p for p in pids if _alive(p) and pattern in _cmdline(p)]
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    for p in pids:
        if _alive(p) and pattern in _cmdline(p):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Stack:
    def __init__(self, name, buckets=None, names=None, workers=2, page_size=None, env=None, secret_name=None):
        self.name = name
        self.dir = harness.tmp_dir("stack-" + name)
        self.buckets = buckets
        self.names = names
        self.workers = workers
        self.page_size = page_size
        self.extra_env = dict(env or {})
        self.secret_name = secret_name or "bucketlist/s3-credentials"
        self.moto = None
        self.nginx = None
        self.worker_pids = []
        self.ids = None
        self.moto_port = None
        self.port = None
        self.socket = os.path.join(self.dir, "fcgi.sock")
        self.worker_log = os.path.join(self.dir, "worker.log")
        self.nginx_error_log = os.path.join(self.dir, "nginx-error.log")
        self.nginx_access_log = os.path.join(self.dir, "nginx-access.log")
        self.moto_log = os.path.join(self.dir, "moto.log")
        self.moto_requests = os.path.join(self.dir, "moto-requests.log")
        self.bootstrap_env = os.path.join(self.dir, "bootstrap.env")
        self.ids_file = os.path.join(self.dir, "identities.json")
        self._clients = {}
        self.extra_secrets = []  # more generated secret keys a test wants leak-checked

    # ------------------------------------------------------------ lifecycle
    def start(self, worker=True, nginx=True):
        try:
            self.start_moto()
            self.seed()
            if worker:
                self.start_worker()
            if nginx:
                self.start_nginx()
            if worker and nginx:
                self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        self.stop_nginx()
        self.stop_worker()
        if self.moto is not None:
            self.moto.stop()
            self.moto = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ moto
    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.moto_port

    def start_moto(self):
        for f in (self.moto_requests,):
            if os.path.exists(f):
                os.unlink(f)
        self.moto_port = harness.free_port()
        self.moto = harness.Server([PYTHON, os.path.join(ROOT, "scripts", "moto-server.py"),
                                    "--port", str(self.moto_port), "--lifetime", str(MOTO_LIFETIME),
                                    "--request-log", self.moto_requests],
                                   env=harness.clean_env(), log_path=self.moto_log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "READY" in self.moto.output():
                return
            if self.moto.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("moto-server did not start:\n" + self.moto.output()[-2000:])

    def seed(self):
        argv = [PYTHON, os.path.join(ROOT, "scripts", "seed-moto.py"), "--endpoint", self.endpoint,
                "--out", self.bootstrap_env, "--json-out", self.ids_file, "--secret-name", self.secret_name,
                "--quiet"]
        if self.names is not None:
            argv += ["--names", ",".join(self.names)]
        elif self.buckets is not None:
            argv += ["--buckets", str(self.buckets)]
        r = harness.run(argv, env=harness.clean_env(), timeout=300)
        if r.returncode != 0:
            raise RuntimeError("seed-moto.py failed (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
        with open(self.ids_file) as f:
            self.ids = json.load(f)
        return self.ids

    def calls(self):
        """Counts of API calls moto has served, keyed "service:Action"."""
        with urllib.request.urlopen(self.endpoint + "/__bucketlist/calls", timeout=10) as r:
            return json.loads(r.read().decode())

    def client(self, service, who="admin", region=None):
        """A boto3 client for moto as one of the seeded identities
        ("admin", "s3_reader", "bootstrap") or an explicit {AccessKeyId, SecretAccessKey}."""
        import boto3
        import botocore.config
        key = self.ids[who] if isinstance(who, str) else who
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region or self.ids["region"],
                            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                            config=botocore.config.Config(retries={"max_attempts": 1},
                                                          s3={"addressing_style": "path"}))

    def admin(self, service):
        if service not in self._clients:
            self._clients[service] = self.client(service, "admin")
        return self._clients[service]

    def boto3_bucket_names(self, who="s3_reader", page_size=1000):
        s3 = self.client("s3", who)
        names = []
        for page in s3.get_paginator("list_buckets").paginate(PaginationConfig={"PageSize": page_size}):
            names += [b["Name"] for b in page.get("Buckets", [])]
        return names

    def set_secret(self, value):
        """Puts a new AWSCURRENT version of the secret (a dict is JSON-encoded)."""
        if not isinstance(value, str):
            value = json.dumps(value)
        self.admin("secretsmanager").put_secret_value(SecretId=self.ids["secret_arn"], SecretString=value)

    def secret_values(self):
        """Every secret string generated for this stack (for leak checks)."""
        out = []
        for who in ("admin", "s3_reader", "bootstrap"):
            out.append(self.ids[who]["SecretAccessKey"])
        return out + list(self.extra_secrets)

    # ------------------------------------------------------------ worker
    def worker_env(self, **overrides):
        env = harness.clean_env()
        with open(self.bootstrap_env) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = v
        env["BUCKETLIST_LOG_FILE"] = self.worker_log
        if self.page_size is not None:
            env["BUCKETLIST_S3_PAGE_SIZE"] = str(self.page_size)
        env.update({k: str(v) for k, v in self.extra_env.items()})
        for k, v in overrides.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
        return env

    def run_worker(self, args, timeout=60, **env_overrides):
        """Runs the worker binary to completion (e.g. --check); CompletedProcess."""
        return harness.run([harness.worker_binary()] + list(args), env=self.worker_env(**env_overrides),
                           timeout=timeout)

    def start_worker(self, workers=None, **env_overrides):
        self.stop_worker()
        pid_file = os.path.join(self.dir, "fcgi.pid")
        for f in (pid_file, self.socket):
            if os.path.exists(f):
                os.unlink(f)
        env = self.worker_env(**env_overrides)
        r = harness.run([SPAWN_FCGI, "-F", str(workers or self.workers), "-s", self.socket, "-M", "0600",
                         "-P", pid_file, "--", harness.worker_binary(), "--log-file", self.worker_log],
                        env=env, timeout=60)
        pids = []
        if os.path.exists(pid_file):
            with open(pid_file) as f:
                pids = [int(x) for x in f.read().split() if x.isdigit()]
        self.worker_pids = pids
        if r.returncode != 0 or not pids:
            raise RuntimeError("spawn-fcgi failed (%d): %s %s\nworker log:\n%s"
                               % (r.returncode, r.stdout, r.stderr, self.read(self.worker_log)[-2000:]))
        return pids

    def workers_alive(self):
        return [p for p in self.worker_pids if _alive(p)]

    def stop_worker(self):
        if self.worker_pids:
            stop_pids(self.worker_pids, "bucketlist.fcgi")
            self.worker_pids = []

    # ------------------------------------------------------------ nginx
    def start_nginx(self):
        self.stop_nginx()
        self.port = harness.free_port()
        os.makedirs(os.path.join(self.dir, "nginx-tmp"), exist_ok=True)
        with open(os.path.join(ROOT, "nginx", "dev.conf.in")) as f:
            conf = f.read()
        subst = {"@RUN@": self.dir, "@LISTEN@": "127.0.0.1:%d" % self.port, "@WWW@": os.path.join(ROOT, "www"),
                 "@FCGI@": "unix:" + self.socket, "@FASTCGI_PARAMS@": FASTCGI_PARAMS,
                 "@USER_LINE@": "user root root;" if os.geteuid() == 0 else ""}
        for k, v in subst.items():
            conf = conf.replace(k, v)
        conf_path = os.path.join(self.dir, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        argv = [NGINX, "-p", self.dir + "/", "-e", self.nginx_error_log, "-c", conf_path]
        t = harness.run(argv + ["-t", "-q"], timeout=30)
        if t.returncode != 0:
            raise RuntimeError("nginx -t failed: %s%s" % (t.stdout, t.stderr))
        self.nginx = harness.Server(argv, env=harness.clean_env(), log_path=os.path.join(self.dir, "nginx.out"))
        harness.wait_port(self.port, timeout=15, proc=self.nginx.proc)

    def stop_nginx(self):
        if self.nginx is not None:
            self.nginx.stop()
            self.nginx = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def wait_healthy(self, timeout=30):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.get("/healthz")
                if last[0] == 200:
                    return
            except OSError as exc:
                last = exc
            if self.worker_pids and not self.workers_alive():
                break
            time.sleep(0.1)
        raise RuntimeError("/healthz not 200 (last: %r)\nworker log:\n%s\nnginx:\n%s"
                           % (last, self.read(self.worker_log)[-2000:], self.read(self.nginx_error_log)[-1500:]))

    # ------------------------------------------------------------ HTTP
    def request(self, method, path, headers=None, timeout=70):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body.decode("utf-8", "replace")
        finally:
            conn.close()

    def get(self, path, accept=None, headers=None):
        h = dict(headers or {})
        if accept:
            h["Accept"] = accept
        return self.request("GET", path, h)

    def json_names(self, path="/buckets"):
        status, headers, body = self.get(path, accept="application/json")
        if status != 200:
            raise AssertionError("GET %s: %d %s" % (path, status, body[:500]))
        return json.loads(body)["buckets"]

    @staticmethod
    def read(path):
        try:
            with open(path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def all_logs(self):
        return "\n".join(self.read(p) for p in (self.worker_log, self.nginx_error_log, self.nginx_access_log))


def serve(argv):
    import argparse
    p = argparse.ArgumentParser(description="start the bucketlist stack and keep it up")
    p.add_argument("--serve", action="store_true")
    p.add_argument("--names", default=None)
    p.add_argument("--buckets", type=int, default=None)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--lifetime", type=float, default=300)
    p.add_argument("--name", default="serve")
    args = p.parse_args(argv)
    names = [n for n in args.names.split(",") if n] if args.names is not None else None
    st = Stack(args.name, buckets=args.buckets, names=names, workers=args.workers)

    stopping = {"v": False}

    def on_signal(signum, frame):
        stopping["v"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        st.start()
    except Exception as exc:
        print(json.dumps({"error": str(exc)[:4000]}), flush=True)
        return 1
    try:
        print(json.dumps({"url": st.url + "/", "buckets": st.ids["buckets"], "worker_log": st.worker_log,
                          "nginx_error_log": st.nginx_error_log, "dir": st.dir}), flush=True)
        deadline = time.monotonic() + args.lifetime
        import select
        import stat
        watch_stdin = stat.S_ISFIFO(os.fstat(0).st_mode)
        while not stopping["v"] and time.monotonic() < deadline:
            if watch_stdin:
                r, _, _ = select.select([0], [], [], 0.5)
                if r and not os.read(0, 4096):
                    break  # the parent closed our stdin: it is gone
            else:
                time.sleep(0.5)
    finally:
        st.stop()
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))

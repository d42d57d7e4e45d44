"""Shared helpers for the integration tests: paths, free ports, processes
started with a bounded lifetime and stopped by PID, waiting for a port.

Every server listens on 127.0.0.1 only."""
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.environ.get("BUCKETLIST_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
PYTHON = sys.executable
FAKES = os.path.join(ROOT, "tests", "fakes")


def tool(name):
    """Path of a C test tool built from tests/tools/<name>.c."""
    return os.path.join(BUILD, "tools", name)


def worker_binary():
    asan = os.path.join(BUILD, "bucketlist.fcgi")
    return asan if os.path.exists(asan) else os.path.join(ROOT, "cgi-bin", "bucketlist.fcgi")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited with %s before listening on %d" % (proc.returncode, port))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listening on 127.0.0.1:%d after %.0fs" % (port, timeout))


class Server:
    """A child process in its own process group, stopped (TERM, then KILL) by PID."""

    def __init__(self, argv, env=None, log_path=None, cwd=None):
        self.log_path = log_path
        self.log = open(log_path, "wb") if log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=cwd, start_new_session=True)
        self.pid = self.proc.pid

    def stop(self, timeout=5.0):
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        if self.log not in (None, subprocess.DEVNULL):
            self.log.close()

    def output(self):
        if not self.log_path:
            return ""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


def run(argv, env=None, timeout=60, input=None):
    """Runs a command to completion with a bounded time; returns CompletedProcess (text)."""
    return subprocess.run(argv, env=env, timeout=timeout, capture_output=True, text=True, input=input)


def clean_env(**extra):
    """An environment without any AWS_/BUCKETLIST_ setting of the caller, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BUCKETLIST_"))}
    env["HOME"] = env.get("HOME", "/tmp")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_CONFIG_FILE"] = "/nonexistent/config"
    env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(k, None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def tmp_dir(name):
    d = os.path.join(BUILD, "it-tmp", name)
    os.makedirs(d, exist_ok=True)
    return d

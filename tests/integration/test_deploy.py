"""Deployment pieces: the nginx server block passes `nginx -t`, the demo
script starts and stops the whole stack by PID, the run/container scripts
refuse to start without a secret id, the Dockerfile stays non-root and
secret-free."""
import json
import os
import re
import unittest
import urllib.request

import harness
from stack import NGINX

ROOT = harness.ROOT


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def header_lines(conf):
    return sorted(set(re.findall(r"add_header\s+(\S+)\s+(\"[^\"]*\"|\S+)\s+always;", conf)))


class TestNginxConfs(unittest.TestCase):
    def test_deployment_block_passes_nginx_t(self):
        d = harness.tmp_dir("deploy-nginx-t")
        link = os.path.join(d, "fastcgi_params")
        if not os.path.exists(link):
            os.symlink("/etc/nginx/fastcgi_params", link)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("pid %s/nginx.pid;\nevents {}\nhttp {\n  client_body_temp_path %s/cb;\n  fastcgi_temp_path %s/fc;\n"
                    "  proxy_temp_path %s/px;\n  include %s;\n}\n"
                    % (d, d, d, d, os.path.join(ROOT, "nginx", "bucketlist.conf")))
        r = harness.run([NGINX, "-t", "-p", d + "/", "-e", os.path.join(d, "error.log"), "-c", conf])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_same_security_headers_everywhere(self):
        deploy, dev = read("nginx", "bucketlist.conf"), read("nginx", "dev.conf.in")
        h = header_lines(deploy)
        self.assertEqual(h, header_lines(dev))
        names = [n for n, _ in h]
        for want in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
            self.assertIn(want, names)
        csp = dict(h)["Content-Security-Policy"]
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        for conf in (deploy, dev):
            # A location with its own add_header would drop the server-level headers.
            for block in re.findall(r"location[^{]*\{([^}]*)\}", conf):
                self.assertNotIn("add_header", block)
            self.assertEqual(len(re.findall(r"fastcgi_pass", conf)), 2, "only /buckets and /healthz are dynamic")
            self.assertIn('fastcgi_param        HTTP_PROXY "";', conf)

    def test_www_has_no_inline_script_or_style(self):
        page = read("www", "index.html")
        self.assertNotRegex(page, r"<script(?![^>]*\bsrc=)[^>]*>")
        self.assertNotRegex(page, r"\sstyle=|<style|\son[a-z]+=")
        self.assertIn('id="load-buckets"', page)
        self.assertIn('href="/buckets"', page)


class TestScripts(unittest.TestCase):
    def test_run_sh_needs_secret_id(self):
        r = harness.run([os.path.join(ROOT, "scripts", "run.sh")], env=harness.clean_env())
        self.assertEqual(r.returncode, 1)
        self.assertIn("BUCKETLIST_SECRET_ID", r.stderr)

    def test_entrypoint_needs_secret_id(self):
        r = harness.run(["sh", os.path.join(ROOT, "scripts", "container-entrypoint.sh")], env=harness.clean_env())
        self.assertEqual(r.returncode, 64)
        self.assertIn("BUCKETLIST_SECRET_ID", r.stderr)

    def test_dockerfile(self):
        df = read("Dockerfile")
        code = "\n".join(line for line in df.splitlines() if not line.lstrip().startswith("#"))
        self.assertEqual(len(re.findall(r"^FROM ", df, re.M)), 2, "multi-stage")
        users = re.findall(r"^USER\s+(\S+)", df, re.M)
        self.assertTrue(users and not users[-1].startswith(("root", "0")), users)
        self.assertRegex(df, r"HEALTHCHECK[\s\S]*?/healthz")
        self.assertNotRegex(code, r"(?i)AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|AWS_SESSION_TOKEN")
        ignore = read(".dockerignore")
        self.assertIn("run/", ignore)

    @unittest.skipUnless(os.access(harness.worker_binary(), os.X_OK), "no worker binary (run make)")
    def test_demo_starts_and_stops_by_pid(self):
        run_dir = harness.tmp_dir("demo-run")
        env = harness.clean_env(BUCKETLIST_PORT=harness.free_port(), MOTO_PORT=harness.free_port(),
                                BUCKETLIST_RUN_DIR=run_dir, BUCKETLIST_WORKERS=2,
                                BUCKETLIST_WORKER=harness.worker_binary(), PYTHON=harness.PYTHON)
        demo = os.path.join(ROOT, "scripts", "demo.sh")
        pids = []
        try:
            r = harness.run([demo, "--detach"], env=env, timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            url = "http://127.0.0.1:%s/" % env["BUCKETLIST_PORT"]
            self.assertIn(url, r.stdout)
            for name in ("nginx.pid", "fcgi.pid", "moto.pid"):
                with open(os.path.join(run_dir, name)) as f:
                    pids += [int(x) for x in f.read().split()]
            self.assertEqual(oct(os.stat(os.path.join(run_dir, "bootstrap.env")).st_mode & 0o777), "0o600")
            req = urllib.request.Request(url + "buckets", headers={"Accept": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                names = json.loads(resp.read())["buckets"]
            self.assertEqual(len(names), 5)
            self.assertEqual(names, sorted(names))
            # A second start must refuse: the ports and PID files are in use.
            again = harness.run([demo, "--detach"], env=env, timeout=60)
            self.assertNotEqual(again.returncode, 0)
            self.assertRegex(again.stderr, r"already running|already in use")
            stop = harness.run([demo, "--stop"], env=env, timeout=60)
            self.assertEqual(stop.returncode, 0, stop.stderr)
            alive = [p for p in pids if os.path.exists("/proc/%d" % p)
                     and open("/proc/%d/stat" % p).read().split(") ", 1)[1][0] not in "ZX"]
            self.assertEqual(alive, [], stop.stdout)
            for name in ("nginx.pid", "fcgi.pid", "moto.pid"):
                self.assertFalse(os.path.exists(os.path.join(run_dir, name)))
        finally:
            harness.run([demo, "--stop"], env=env, timeout=60)


if __name__ == "__main__":
    unittest.main()


class TestInstall(unittest.TestCase):
    def test_install_honours_destdir_and_prefix(self):
        dest = harness.tmp_dir("install-destdir")
        # The plain build tree, also when the suite runs against the sanitizer build (BUILD=build-asan).
        r = harness.run(["make", "-s", "-C", ROOT, "install", "BUILD=build", "DESTDIR=" + dest, "PREFIX=/opt/bl"],
                        timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        worker = os.path.join(dest, "opt/bl/lib/bucketlist/cgi-bin/bucketlist.fcgi")
        self.assertTrue(os.access(worker, os.X_OK))
        self.assertEqual(os.readlink(os.path.join(dest, "opt/bl/bin/bucketlist.fcgi")),
                         "../lib/bucketlist/cgi-bin/bucketlist.fcgi")
        for page in ("www/index.html", "www/static/app.js", "www/static/style.css"):
            self.assertTrue(os.path.isfile(os.path.join(dest, "opt/bl/share/bucketlist", page)), page)
        conf = read_file(os.path.join(dest, "opt/bl/share/bucketlist/nginx/bucketlist.conf"))
        self.assertIn("root  /opt/bl/share/bucketlist/www;", conf)
        self.assertNotIn("/usr/local/", conf)


def read_file(path):
    with open(path) as f:
        return f.read()

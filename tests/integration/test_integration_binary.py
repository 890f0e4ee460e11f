"""The binary on its own: flags, the metrics and probe endpoints, and a clean
shutdown on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import issuerproc  # noqa: E402

LOOPBACK = ["--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0"]
NO_CLUSTER = {"KUBECONFIG": "", "KUBERNETES_SERVICE_HOST": ""}

# A cluster that never answers: a closed loopback port.
UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster: {server: "https://127.0.0.1:%d"}
users:
- name: nobody
  user: {token: not-a-real-token}
contexts:
- name: gone
  context: {cluster: gone, user: nobody}
current-context: gone
"""


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


class BinaryTest(unittest.TestCase):
    def run_binary(self, *args, env=None):
        full = dict(os.environ)
        full.update(env or {})
        return subprocess.run(
            [issuerproc.binary()] + list(args),
            capture_output=True,
            text=True,
            timeout=30,
            env=full,
        )

    def test_version_and_help(self):
        r = self.run_binary("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^pca-issuer \d+\.\d+\.\d+\n$")
        r = self.run_binary("--help")
        self.assertEqual(r.returncode, 0)
        for flag in (
            "--metrics-bind-address",
            "--health-probe-bind-address",
            "--leader-elect",
            "--disable-approved-check",
            "--disable-client-side-rate-limiting",
            "--kubeconfig",
            "--config",
        ):
            self.assertIn(flag, r.stdout)

    def test_bad_flag_is_a_clear_error(self):
        r = self.run_binary("--metrics-bind-adress=:9090")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--metrics-bind-adress", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_broken_config_file_names_its_position(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("metricsBindAddress: \":9090\"\nleaderElection:\n  leaseDuration: soon\n")
        try:
            r = self.run_binary("--config", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 2)
        self.assertIn("%s:3:" % f.name, r.stderr)
        self.assertIn("leaseDuration", r.stderr)

    def test_print_config_round_trips(self):
        r = self.run_binary("--print-config", "--leader-elect", "--max-retry-duration=2h")
        self.assertEqual(r.returncode, 0, r.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(r.stdout)
        try:
            again = self.run_binary("--print-config", "--config", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stdout, r.stdout)

    def test_no_cluster_configuration_is_a_clear_error(self):
        p = issuerproc.IssuerProcess(LOOPBACK, env=dict(NO_CLUSTER, HOME="/nonexistent"))
        try:
            self.assertEqual(p.wait(30), 1)
            self.assertIn("kube", p.log_text().lower())
            line = p.wait_msg("cannot start", 5)
            self.assertTrue(line["error"])
        finally:
            p.stop()

    def test_serves_endpoints_and_stops_on_sigterm(self):
        """Without a reachable API server it serves its endpoints and is not ready."""
        with tempfile.NamedTemporaryFile("w", suffix=".kubeconfig", delete=False) as f:
            f.write(UNREACHABLE_KUBECONFIG % closed_port())
        self.addCleanup(os.unlink, f.name)
        p = issuerproc.IssuerProcess(LOOPBACK + ["--kubeconfig", f.name], env=NO_CLUSTER)
        try:
            mport, pport = p.ports()
            status, ctype, body = get(mport, "/metrics")
            self.assertEqual(status, 200)
            self.assertTrue(ctype.startswith("text/plain; version=0.0.4"))
            for name in (
                "process_cpu_seconds_total",
                "process_resident_memory_bytes",
                "process_open_fds",
                "process_start_time_seconds",
                "process_max_fds",
            ):
                self.assertIn("\n# TYPE %s " % name, "\n" + body)
            check = subprocess.run(
                ["promtool", "check", "metrics"], input=body, capture_output=True, text=True
            )
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            self.assertEqual(get(pport, "/healthz")[0], 200)
            status, _, body = get(pport, "/readyz")
            self.assertEqual(status, 503)
            self.assertIn("[-]informer-certificaterequests", body)
            self.assertEqual(get(pport, "/metrics")[0], 404)
            p.signal(signal.SIGTERM)
            self.assertEqual(p.wait(30), 0)
            p.wait_msg("shutdown complete", 5)
        finally:
            p.stop()

    def test_port_in_use_fails_with_the_address(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        try:
            p = issuerproc.IssuerProcess(
                ["--metrics-bind-address=127.0.0.1:%d" % port, "--health-probe-bind-address=0"],
                env=NO_CLUSTER,
            )
            rc = p.wait(30)
            self.assertNotEqual(rc, 0)
            self.assertIn("127.0.0.1:%d" % port, p.log_text())
            self.assertIn("Address already in use", p.log_text())
            p.stop()
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main()

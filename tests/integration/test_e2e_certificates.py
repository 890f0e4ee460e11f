"""Certificates end to end: issuance, renewal, overdue and expired, and their alerts.

Runs kube-apiserver + etcd, the Private CA test server, pca-issuer under the
shipped RBAC, and the cert-manager stand-in (tests/lib/certmanager.py, a
test fixture doing what cert-manager's Certificate controllers do: it
creates, approves and completes the CertificateRequests of Certificates and
renews them at their renewalTime). Durations are seconds long so that
renewal and expiry happen within the test; --renewal-grace is 3 s.

 - Certificates of both issuer kinds are issued and renewed at their
   renewalTime; the certificate metrics count them.
 - With the stand-in paused past a renewalTime, pca-issuer writes a
   RenewalOverdue event on the Certificate, then an Expired one at notAfter,
   and a real Prometheus (Debian's prometheus on loopback) scraping
   pca-issuer with the shipped alert rules fires the matching alerts.
 - The CA's NotAfter is exported; a request that would outlive its CA fails
   at once naming both dates; the issuer's Ready message warns while the CA
   has less life left than its longest Certificate's duration.
"""

import base64
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import yaml
from cryptography import x509

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import certmanager  # noqa: E402
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
RULES = os.path.join(e2e.SOURCE_DIR, "container", "overlays", "prometheus-operator",
                     "prometheusrule.yaml")


def parse_time(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    """Debian's Prometheus on loopback, scraping one target every second with
    the shipped alert rules evaluated every second."""

    def __init__(self, target_port):
        self.dir = tempfile.mkdtemp(prefix="pca-prometheus-")
        with open(RULES) as f:
            groups = yaml.safe_load(f)["spec"]["groups"]
        with open(os.path.join(self.dir, "rules.yaml"), "w") as f:
            yaml.safe_dump({"groups": groups}, f)
        with open(os.path.join(self.dir, "prometheus.yaml"), "w") as f:
            yaml.safe_dump({
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [os.path.join(self.dir, "rules.yaml")],
                "scrape_configs": [{"job_name": "pca-issuer", "static_configs": [
                    {"targets": ["127.0.0.1:%d" % target_port]}]}]}, f)
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + os.path.join(self.dir, "prometheus.yaml"),
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                    timeout=5) as r:
            return json.load(r)

    def firing(self):
        """Names and labels of the alerts firing now."""
        try:
            alerts = self.get("/api/v1/alerts")["data"]["alerts"]
        except OSError:
            return []
        return [a["labels"] for a in alerts if a["state"] == "firing"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Certificates(unittest.TestCase):
    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1"]).start()
        self.addCleanup(self.pca.stop)
        self.stack = e2e.Stack(pca_server=self.pca, issuer_args=[
            "--renewal-grace=3s", "--issuer-recheck-interval=2s"]).start()
        self.addCleanup(self.stack.stop)
        self.ns = e2e.unique("certs")
        self.stack.create_secret(self.ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                    "AWS_SECRET_ACCESS_KEY": SECRET})
        self.arn = self.pca.cas[0]["arn"]
        self.cm = certmanager.CertManager(self.stack.cluster, namespaces=[self.ns])
        self.addCleanup(self.cm.stop)
        self.cluster_issuer = "pca-" + self.ns
        self.stack.start_issuer()
        self.stack.create_issuer(self.cluster_issuer, self.arn, secret=(self.ns, "creds"))
        self.stack.create_issuer("team", self.arn, ns=self.ns, secret=(self.ns, "creds"))
        self.stack.wait_issuer("AWSPCAClusterIssuer", self.cluster_issuer)
        self.stack.wait_issuer("AWSPCAIssuer", "team", self.ns)
        self.cm.start()

    def tearDown(self):
        self.cm.assert_no_errors()

    def metric(self, name, **labels):
        return self.stack.metric_value(self.stack.metrics(), name, **labels)

    def events(self, name, reason):
        items = self.stack.api_ok("GET", "/apis/events.k8s.io/v1/namespaces/%s/events" %
                                  self.ns)["items"]
        return [e for e in items if e.get("reason") == reason and
                e.get("regarding", {}).get("kind") == "Certificate" and
                e["regarding"].get("name") == name]

    def test_issued_and_renewed_at_renewal_time(self):
        kinds = {"cluster": ("AWSPCAClusterIssuer", self.cluster_issuer, self.cluster_issuer),
                 "team": ("AWSPCAIssuer", "team", self.ns + "/team")}
        for name, (kind, issuer, _) in kinds.items():
            self.cm.create_certificate(self.ns, name, kind, issuer, duration="40s",
                                       renew_before="30s")
        first = {}
        for name in kinds:
            crt = self.cm.wait_ready(self.ns, name, revision=1, timeout=60)
            first[name] = crt["status"]
            secret = self.cm.get_secret(self.ns, name + "-tls")
            leaf = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
            self.assertEqual(leaf.not_valid_after_utc.timestamp(),
                             parse_time(crt["status"]["notAfter"]))
        # Both counted as valid, with their renewal coming within the hour.
        for name, (kind, _, label) in kinds.items():
            self.assertEqual(self.metric("pca_issuer_certificates", issuer_kind=kind,
                                         issuer=label, state="valid"), 1)
            self.assertEqual(self.metric("pca_issuer_certificates_renewing_within",
                                         issuer_kind=kind, issuer=label, window="1h"), 1)
            self.assertEqual(self.metric(
                "pca_issuer_certificates_earliest_not_after_timestamp_seconds",
                issuer_kind=kind, issuer=label), parse_time(first[name]["notAfter"]))
        # cert-manager renews at renewalTime; pca-issuer signs revision 2.
        for name in kinds:
            crt = self.cm.wait_ready(self.ns, name, revision=2, timeout=60)
            self.assertGreater(parse_time(crt["status"]["notAfter"]),
                               parse_time(first[name]["notAfter"]))
            self.assertGreaterEqual(time.time() + 1, parse_time(first[name]["renewalTime"]))
            names = [cr["metadata"]["name"] for cr in self.cm.list_requests(self.ns, name)]
            self.assertIn(name + "-2", names)
        self.assertEqual(self.metric("pca_issuer_certificates_tracking"), 1)
        self.assertGreaterEqual(self.pca.stats()["issuances"], 4)
        self.assertEqual(self.events("cluster", "RenewalOverdue"), [])

    def test_overdue_then_expired_with_alerts(self):
        prom = Prometheus(self.stack.metrics_port)
        self.addCleanup(prom.stop)
        self.cm.create_certificate(self.ns, "stuck", "AWSPCAClusterIssuer", self.cluster_issuer,
                                   duration="25s", renew_before="20s")
        crt = self.cm.wait_ready(self.ns, "stuck", revision=1, timeout=60)
        # cert-manager stops: nothing renews it.
        self.cm.pause()
        renewal, not_after = (parse_time(crt["status"]["renewalTime"]),
                              parse_time(crt["status"]["notAfter"]))
        ev = self.stack.wait(lambda: self.events("stuck", "RenewalOverdue"), 60,
                             "a RenewalOverdue event")
        self.assertGreaterEqual(time.time(), renewal + 3)
        self.assertLess(time.time(), not_after)
        self.assertEqual(ev[0]["type"], "Warning")
        self.assertIn("revision 1", ev[0]["note"])
        self.assertEqual(self.metric("pca_issuer_certificates", issuer=self.cluster_issuer,
                                     state="renewal_overdue"), 1)
        self.stack.wait(lambda: any(a["alertname"] == "PcaIssuerCertificateRenewalOverdue" and
                                    a["issuer"] == self.cluster_issuer for a in prom.firing()),
                        60, "the RenewalOverdue alert firing in Prometheus")
        ev = self.stack.wait(lambda: self.events("stuck", "Expired"), 60, "an Expired event")
        self.assertGreaterEqual(time.time(), not_after)
        self.assertEqual(self.metric("pca_issuer_certificates", issuer=self.cluster_issuer,
                                     state="expired"), 1)
        self.stack.wait(lambda: any(a["alertname"] == "PcaIssuerCertificateExpired" and
                                    a["issuer"] == self.cluster_issuer for a in prom.firing()),
                        60, "the Expired alert firing in Prometheus")
        # Each once: the events are not repeated at every deadline.
        self.assertEqual(len(self.events("stuck", "RenewalOverdue")), 1)
        self.assertEqual(len(self.events("stuck", "Expired")), 1)
        # cert-manager comes back and renews it: the state is valid again.
        self.cm.resume()
        self.cm.renew(self.ns, "stuck")
        self.cm.wait_ready(self.ns, "stuck", revision=2, timeout=60)
        self.stack.wait(lambda: self.metric("pca_issuer_certificates", state="valid",
                                            issuer=self.cluster_issuer) == 1, 30,
                        "the renewed Certificate counted valid")

    def test_ca_life(self):
        ca = x509.load_pem_x509_certificate(self.pca.cas[0]["certificate"].encode())
        ca_end = ca.not_valid_after_utc.timestamp()
        self.assertEqual(self.metric("pca_issuer_ca_not_after_timestamp_seconds",
                                     issuer_kind="AWSPCAClusterIssuer",
                                     issuer=self.cluster_issuer), ca_end)
        # A request for longer than the CA has left fails at once, both dates named.
        self.stack.create_cr(self.ns, "too-long", e2e.make_csr(e2e.make_key("ec")),
                             "AWSPCAClusterIssuer", self.cluster_issuer, duration="100000h")
        self.stack.approve(self.ns, "too-long")
        obj = self.stack.wait_cr_reason(self.ns, "too-long", "Failed", "False", timeout=30)
        msg = self.stack.condition(obj, "Ready")["message"]
        self.assertIn(datetime.datetime.fromtimestamp(ca_end, datetime.timezone.utc)
                      .strftime("%Y-%m-%dT%H:%M:%SZ"), msg)
        self.assertIn("NotAfter", msg)
        self.assertIn("failureTime", obj["status"])
        self.assertEqual(self.pca.stats()["issuances"], 0)
        # A Certificate asking for that much: the issuer's Ready message warns.
        self.cm.create_certificate(self.ns, "long", "AWSPCAIssuer", "team", duration="100000h")
        c = self.stack.wait(lambda: (lambda c: c if "warning" in c["message"] else None)(
            self.stack.issuer_ready("AWSPCAIssuer", "team", self.ns)), 30,
            "the issuer's warning about its CA's life")
        self.assertEqual((c["status"], c["reason"]), ("True", "Verified"))
        self.assertIn("100000 hours", c["message"])
        # The cluster issuer, with no such Certificate, does not warn.
        self.assertEqual(self.stack.issuer_ready("AWSPCAClusterIssuer",
                                                 self.cluster_issuer)["message"],
                         "Issuer verified")


if __name__ == "__main__":
    unittest.main()

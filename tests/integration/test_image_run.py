"""The image runs pca-issuer against a real API server and an AWS emulator.

The container is started as the Go Helm chart starts it, `/manager
--leader-elect`, under podman with a read-only root, no capabilities and
user 65532 (tests/lib/podman.py), on the host's network so that it reaches
kube-apiserver and moto on loopback. Its kubeconfig (the ServiceAccount's
token, bound to container/manifests/rbac.yaml) and its AWS settings (a
shared credentials file and config file) are mounted read-only; an
AWSPCAClusterIssuer without secretRef signs with those credentials. Checks:
the issuer turns Ready, requests are issued by moto's CA, /readyz answers,
and SIGTERM stops the container with exit code 0.
"""

import base64
import os
import socket
import sys
import shutil
import tempfile
import time
import unittest
import urllib.request

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import motoca  # noqa: E402
import podman as podmanlib  # noqa: E402
from cryptography import x509  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ImageRun(unittest.TestCase):
    def setUp(self):
        self.podman = podmanlib.Podman()
        self.addCleanup(self.podman.close)
        self.image = self.podman.load(podmanlib.image_archive())
        self.moto = motoca.Moto()
        self.addCleanup(self.moto.stop)
        self.arn = self.moto.create_root_ca()
        self.stack = e2e.Stack().start()
        self.addCleanup(self.stack.stop)
        self.ns = e2e.unique("image")
        self.config = tempfile.mkdtemp(prefix="pca-image-config-")
        self.addCleanup(shutil.rmtree, self.config, True)
        os.chmod(self.config, 0o755)
        self.write_config()

    def write_config(self):
        # The ServiceAccount's kubeconfig, its context in pca-issuer's own
        # namespace (where the leader-election Role lets it keep a Lease).
        with open(self.stack.kubeconfig) as f:
            kc = yaml.safe_load(f)
        for ctx in kc["contexts"]:
            ctx["context"]["namespace"] = e2e.ISSUER_NS
        files = {
            "kubeconfig": yaml.safe_dump(kc),
            "credentials": "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                           % (motoca.ACCESS_KEY, motoca.SECRET_KEY),
            "config": "[default]\nregion = %s\n" % motoca.REGION,
        }
        for name, text in files.items():
            path = os.path.join(self.config, name)
            with open(path, "w") as f:
                f.write(text)
            # Read by user 65532 inside the container.
            os.chmod(path, 0o644)

    def logs(self, name):
        p = self.podman("logs", name, check=False)
        return p.stdout + p.stderr

    def test_chart_command_issues_and_stops_cleanly(self):
        metrics, probe = free_port(), free_port()
        name = "pca-issuer-" + self.ns
        self.podman.run(
            self.image, "--leader-elect", entrypoint="/manager", network="host",
            detach=True, name=name, volumes=["%s:/config:ro" % self.config],
            env={"KUBECONFIG": "/config/kubeconfig",
                 "AWS_SHARED_CREDENTIALS_FILE": "/config/credentials",
                 "AWS_CONFIG_FILE": "/config/config",
                 "AWS_EC2_METADATA_DISABLED": "true",
                 "AWS_ENDPOINT_URL_ACM_PCA": self.moto.url,
                 "POD_NAMESPACE": e2e.ISSUER_NS,
                 # Loopback ports of the test's choosing instead of :8080/:8081,
                 # which the host network may already use.
                 "PCA_ISSUER_METRICS_BIND_ADDRESS": "127.0.0.1:%d" % metrics,
                 "PCA_ISSUER_HEALTH_PROBE_BIND_ADDRESS": "127.0.0.1:%d" % probe})
        try:
            cname = "image-" + self.ns
            self.stack.create_issuer(cname, self.arn)
            self.stack.wait_issuer("AWSPCAClusterIssuer", cname, timeout=90)
            key = e2e.make_key("ec")
            names = ["r%d" % i for i in range(3)]
            for n in names:
                self.stack.create_cr(self.ns, n, e2e.make_csr(key, dns=(n + ".example.test",)),
                                     "AWSPCAClusterIssuer", cname)
                self.stack.approve(self.ns, n)
            ca = x509.load_pem_x509_certificate(self.moto.client.get_certificate_authority_certificate(
                CertificateAuthorityArn=self.arn)["Certificate"].encode())
            for n in names:
                obj = self.stack.wait_cr_reason(self.ns, n, "Issued", "True", timeout=90)
                cert = x509.load_pem_x509_certificate(
                    base64.b64decode(obj["status"]["certificate"]))
                self.assertEqual(cert.issuer, ca.subject)
                san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
                self.assertEqual(san.value.get_values_for_type(x509.DNSName),
                                 [n + ".example.test"])
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % probe, timeout=10) as r:
                self.assertEqual(r.status, 200)
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics,
                                        timeout=10) as r:
                text = r.read().decode()
            self.assertEqual(self.stack.metric_value(
                text, "pca_issuer_certificaterequests_total", outcome="issued"), len(names))
            # The credentials came from the mounted files, through the chain.
            self.assertGreaterEqual(self.stack.metric_value(
                text, "pca_issuer_aws_credential_refreshes_total", source="profile",
                outcome="success"), 1)
        except Exception:
            print(self.logs(name)[-6000:], file=sys.stderr)
            raise
        # SIGTERM, as the kubelet stops a pod: a clean exit.
        t = time.monotonic()
        self.podman("kill", "--signal", "TERM", name)
        code = self.podman("wait", name, timeout=60).stdout.strip()
        self.assertEqual(code, "0", self.logs(name)[-4000:])
        self.assertLess(time.monotonic() - t, 30)


if __name__ == "__main__":
    unittest.main()

"""End to end: a real API server, the Private CA test server and pca-issuer
running as its ServiceAccount under the project's RBAC.

The Go project's end-to-end scenarios, ported, plus the failure cases a
drop-in replacement must get right.
"""

import base64
import datetime
import os
import signal
import sys
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
STACK = None
PCA = None


def setUpModule():
    global STACK, PCA
    PCA = pcaserver.PcaServer(cas=["RSA_2048", "EC_prime256v1:sub"]).start()
    STACK = e2e.Stack(pca_server=PCA).start()
    STACK.start_issuer(["--issuer-recheck-interval=30s"])


def tearDownModule():
    if STACK is not None:
        STACK.stop()
    if PCA is not None:
        PCA.stop()


def ca(key):
    return next(c for c in PCA.cas if c["key"] == key)


def pem_certs(data):
    return x509.load_pem_x509_certificates(data)


def public_bytes(k):
    return k.public_bytes(serialization.Encoding.DER,
                          serialization.PublicFormat.SubjectPublicKeyInfo)


class Issuance(unittest.TestCase):
    def check_issued(self, obj, key, ca_key, is_ca=False, max_days=None):
        """The certificate carries the CSR's key and chains to the CA."""
        status = obj["status"]
        certs = pem_certs(base64.b64decode(status["certificate"]))
        root = pem_certs(base64.b64decode(status["ca"]))
        self.assertEqual(len(root), 1)
        leaf = certs[0]
        self.assertEqual(public_bytes(leaf.public_key()), public_bytes(key.public_key()))
        chain = certs + root
        for child, parent in zip(chain, chain[1:]):
            child.verify_directly_issued_by(parent)
        # ca is the root: self-signed, and the end of the CA's own chain.
        self.assertEqual(root[0].issuer, root[0].subject)
        info = ca(ca_key)
        ca_chain = pem_certs(((info.get("chain") or "") + info["certificate"]).encode())
        self.assertIn(root[0], ca_chain)
        bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value \
            if any(isinstance(e.value, x509.BasicConstraints) for e in leaf.extensions) else None
        self.assertEqual(bool(bc and bc.ca), is_ca)
        if max_days is not None:
            left = leaf.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
            self.assertLessEqual(left.total_seconds(), max_days * 86400 + 120)
        ann = obj["metadata"].get("annotations", {})
        self.assertIn("aws-privateca-issuer/certificate-arn", ann)

    def test_matrix(self):
        """CA key x CSR kind x issuer kind x Secret key names, all at once."""
        ns = e2e.unique("matrix")
        custom = {"accessKeyIDSelector": "id", "secretAccessKeySelector": "key"}
        STACK.create_secret(ns, "default-keys", {"AWS_ACCESS_KEY_ID": AKID,
                                                 "AWS_SECRET_ACCESS_KEY": SECRET})
        STACK.create_secret(ns, "custom-keys", {"id": AKID, "key": SECRET})
        issuers = []
        for ca_key in ("RSA_2048", "EC_prime256v1"):
            for secret, sel in (("default-keys", None), ("custom-keys", custom)):
                short = ca_key[:2].lower() + "-" + secret[:6]
                kind = STACK.create_issuer(short, ca(ca_key)["arn"], ns=ns,
                                           secret=(ns, secret), selectors=sel)
                issuers.append((kind, short, ca_key))
                cname = e2e.unique("c" + short)
                kind = STACK.create_issuer(cname, ca(ca_key)["arn"], secret=(ns, secret),
                                           selectors=sel)
                issuers.append((kind, cname, ca_key))
        cases = []
        for kind, name, ca_key in issuers:
            for variant in ("rsa", "ecdsa", "short", "ca"):
                key = e2e.make_key("rsa" if variant in ("rsa", "ca") else "ec")
                is_ca = variant == "ca"
                crname = "%s-%s" % (name, variant)
                STACK.create_cr(ns, crname, e2e.make_csr(key, is_ca=is_ca), kind, name,
                                is_ca=is_ca, duration="1h" if variant == "short" else None)
                STACK.approve(ns, crname)
                cases.append((crname, key, ca_key, is_ca, variant))
        for crname, key, ca_key, is_ca, variant in cases:
            obj = STACK.wait_cr_reason(ns, crname, "Issued", "True", timeout=90)
            with self.subTest(cr=crname):
                self.check_issued(obj, key, ca_key, is_ca,
                                  max_days=1 / 24 if variant == "short" else 30)

    def test_default_template_override(self):
        ns = e2e.unique("tmpl")
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        kind = STACK.create_issuer("client-only", ca("RSA_2048")["arn"], ns=ns,
                                   secret=(ns, "creds"),
                                   template="EndEntityClientAuthCertificate_APIPassthrough/V1")
        key = e2e.make_key()
        STACK.create_cr(ns, "c", e2e.make_csr(key), kind, "client-only")
        STACK.approve(ns, "c")
        obj = STACK.wait_cr_reason(ns, "c", "Issued", "True")
        leaf = pem_certs(base64.b64decode(obj["status"]["certificate"]))[0]
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        self.assertEqual(list(eku), [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH])

    def test_request_before_issuer(self):
        ns = e2e.unique("early")
        key = e2e.make_key("ec")
        STACK.create_cr(ns, "early", e2e.make_csr(key), "AWSPCAIssuer", "later")
        STACK.approve(ns, "early")
        STACK.wait_cr_reason(ns, "early", "Pending", "False")
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        STACK.create_issuer("later", ca("EC_prime256v1")["arn"], ns=ns, secret=(ns, "creds"))
        obj = STACK.wait_cr_reason(ns, "early", "Issued", "True")
        self.check_issued(obj, key, "EC_prime256v1")

    def test_denied_and_unapproved(self):
        ns = e2e.unique("approval")
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        kind = STACK.create_issuer("pca", ca("RSA_2048")["arn"], ns=ns, secret=(ns, "creds"))
        before = PCA.stats()["calls"].get("IssueCertificate", 0)
        STACK.create_cr(ns, "denied", e2e.make_csr(e2e.make_key()), kind, "pca")
        STACK.deny(ns, "denied")
        STACK.create_cr(ns, "waiting", e2e.make_csr(e2e.make_key()), kind, "pca")
        obj = STACK.wait_cr_reason(ns, "denied", "Denied", "False")
        self.assertIn("failureTime", obj["status"])
        # The unapproved request gets one event and no status.
        STACK.wait(lambda: [e for e in STACK.api_ok(
            "GET", "/apis/events.k8s.io/v1/namespaces/%s/events" % ns)["items"]
            if e.get("reason") == "WaitingForApproval"], 30, "WaitingForApproval event")
        self.assertIsNone(STACK.condition(STACK.get_cr(ns, "waiting"), "Ready"))
        self.assertEqual(PCA.stats()["calls"].get("IssueCertificate", 0), before)

    def test_wrong_arn_makes_issuer_not_ready(self):
        ns = e2e.unique("badarn")
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        arn = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/" \
              "00000000-0000-0000-0000-000000000000"
        kind = STACK.create_issuer("nope", arn, ns=ns, secret=(ns, "creds"))
        cond = STACK.wait_issuer(kind, "nope", ns, status="False")
        self.assertEqual(cond["reason"], "CANotFound")
        self.assertIn("ResourceNotFoundException", cond["message"])
        STACK.create_cr(ns, "c", e2e.make_csr(e2e.make_key()), kind, "nope")
        STACK.approve(ns, "c")
        obj = STACK.wait_cr_reason(ns, "c", "Pending", "False")
        self.assertIn("CANotFound", STACK.condition(obj, "Ready")["message"])

    def test_bad_secret_makes_issuer_not_ready(self):
        ns = e2e.unique("badkeys")
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": "wrong"})
        kind = STACK.create_issuer("pca", ca("RSA_2048")["arn"], ns=ns, secret=(ns, "creds"))
        cond = STACK.wait_issuer(kind, "pca", ns, status="False")
        self.assertEqual(cond["reason"], "AuthFailed")
        # Fixing the Secret is enough: no restart.
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        STACK.wait_issuer(kind, "pca", ns, status="True", timeout=120)

    def test_malformed_csr_fails_with_reason(self):
        ns = e2e.unique("badcsr")
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        kind = STACK.create_issuer("pca", ca("RSA_2048")["arn"], ns=ns, secret=(ns, "creds"))
        STACK.create_cr(ns, "garbage", b"-----BEGIN CERTIFICATE REQUEST-----\nbm9wZQ==\n"
                        b"-----END CERTIFICATE REQUEST-----\n", kind, "pca")
        STACK.approve(ns, "garbage")
        STACK.create_cr(ns, "mismatch", e2e.make_csr(e2e.make_key(), is_ca=True), kind, "pca")
        STACK.approve(ns, "mismatch")
        obj = STACK.wait_cr_reason(ns, "garbage", "Failed", "False")
        self.assertIn("failureTime", obj["status"])
        self.assertIn("certificate signing request", STACK.condition(obj, "Ready")["message"])
        obj = STACK.wait_cr_reason(ns, "mismatch", "Failed", "False")
        self.assertIn("isCA", STACK.condition(obj, "Ready")["message"])

    def test_go_issuer_half_done_request_is_completed(self):
        """A request the Go issuer issued but never finished: annotation, no status."""
        ns = e2e.unique("migrate")
        STACK.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        kind = STACK.create_issuer("pca", ca("RSA_2048")["arn"], ns=ns, secret=(ns, "creds"))
        STACK.wait_issuer(kind, "pca", ns)
        key = e2e.make_key()
        csr = e2e.make_csr(key)
        import boto3
        from botocore.config import Config
        client = boto3.client("acm-pca", endpoint_url=PCA.url, region_name="us-east-1",
                              aws_access_key_id=AKID, aws_secret_access_key=SECRET,
                              config=Config(retries={"total_max_attempts": 1}))
        arn = client.issue_certificate(
            CertificateAuthorityArn=ca("RSA_2048")["arn"], Csr=csr,
            SigningAlgorithm="SHA256WITHRSA", Validity={"Value": 30, "Type": "DAYS"},
            IdempotencyToken="goissuer")["CertificateArn"]
        before = PCA.stats()["calls"].get("IssueCertificate", 0)
        STACK.create_cr(ns, "half", csr, kind, "pca",
                        annotations={"aws-privateca-issuer/certificate-arn": arn})
        STACK.approve(ns, "half")
        obj = STACK.wait_cr_reason(ns, "half", "Issued", "True")
        self.check_issued(obj, key, "RSA_2048")
        self.assertEqual(obj["metadata"]["annotations"]["aws-privateca-issuer/certificate-arn"],
                         arn)
        self.assertEqual(PCA.stats()["calls"].get("IssueCertificate", 0), before)

    def test_other_issuers_requests_are_ignored(self):
        ns = e2e.unique("other")
        STACK.create_cr(ns, "acme", e2e.make_csr(e2e.make_key()), "Issuer", "letsencrypt",
                        group="cert-manager.io")
        STACK.approve(ns, "acme")
        STACK.create_cr(ns, "mine", e2e.make_csr(e2e.make_key()), "AWSPCAIssuer", "absent")
        STACK.approve(ns, "mine")
        # Once ours has been looked at, the other one has been seen too.
        STACK.wait_cr_reason(ns, "mine", "Pending", "False")
        self.assertIsNone(STACK.condition(STACK.get_cr(ns, "acme"), "Ready"))


if __name__ == "__main__":
    unittest.main()

"""End to end: Kubernetes CertificateSigningRequests (certificates.k8s.io/v1)
signed by pca-issuer on a real API server with the CSR admission plugins
on, against the Private CA test server, under the project's RBAC.

CSRs are created as their requesters (impersonated users, the way kubectl
of that user would create them) and approved through the /approval
subresource by an identity allowed to approve the signer.
"""

import base64
import datetime
import os
import sys
import time
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
CSR_PATH = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
CLUSTER_SIGNER = "awspcaclusterissuers.awspca.cert-manager.io/"
NS_SIGNER = "awspcaissuers.awspca.cert-manager.io/"
NS = "csr-team"
STACK = None
PCA = None


def setUpModule():
    global STACK, PCA
    PCA = pcaserver.PcaServer(cas=["RSA_2048", "EC_prime256v1:sub"]).start()
    STACK = e2e.Stack(pca_server=PCA).start()
    STACK.create_secret(NS, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                      "AWS_SECRET_ACCESS_KEY": SECRET})
    # Requesters: anyone may create CSRs; alice may use the team's issuer.
    api = STACK.api_ok
    api("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", json={
        "metadata": {"name": "csr-requester"},
        "rules": [{"apiGroups": ["certificates.k8s.io"],
                   "resources": ["certificatesigningrequests"],
                   "verbs": ["create", "get", "list", "watch"]}]})
    api("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", json={
        "metadata": {"name": "csr-requester"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "csr-requester"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                      "name": "system:authenticated"}]})
    api("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/roles" % NS, json={
        "metadata": {"name": "use-team-ca"},
        "rules": [{"apiGroups": ["awspca.cert-manager.io"], "resources": ["signers"],
                   "resourceNames": ["team-ca"], "verbs": ["reference"]}]})
    api("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings" % NS, json={
        "metadata": {"name": "use-team-ca"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                    "name": "use-team-ca"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                      "name": "alice"}]})
    STACK.start_issuer(["--issuer-recheck-interval=30s"])
    STACK.create_issuer("shared-ca", PCA.cas[0]["arn"], secret=(NS, "creds"))
    STACK.create_issuer("team-ca", PCA.cas[1]["arn"], ns=NS, secret=(NS, "creds"))
    STACK.wait_issuer("AWSPCAClusterIssuer", "shared-ca")
    STACK.wait_issuer("AWSPCAIssuer", "team-ca", NS)


def tearDownModule():
    if STACK is not None:
        STACK.stop()
    if PCA is not None:
        PCA.stop()


def create_csr(name, signer, key, user="alice", usages=("digital signature", "server auth"),
               annotations=None, is_ca=False, dns=("csr.example.test",)):
    body = {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": name, "annotations": dict(annotations or {})},
            "spec": {"request": base64.b64encode(
                e2e.make_csr(key, cn=dns[0], dns=dns, is_ca=is_ca)).decode(),
                "signerName": signer, "usages": list(usages)}}
    headers = {"Impersonate-User": user, "Impersonate-Group": "system:authenticated"}
    r = STACK.api("POST", CSR_PATH, json=body, headers=headers)
    if r.status_code != 201:
        raise AssertionError("create %s as %s: HTTP %d %s" % (name, user, r.status_code,
                                                              r.text[:300]))
    return r.json()


def set_condition(name, ctype, reason):
    obj = STACK.api_ok("GET", CSR_PATH + "/" + name)
    obj["status"].setdefault("conditions", []).append({
        "type": ctype, "status": "True", "reason": reason,
        "message": "%s by the test" % ctype})
    STACK.api_ok("PUT", CSR_PATH + "/" + name + "/approval", json=obj)


def get(name):
    return STACK.api_ok("GET", CSR_PATH + "/" + name)


def condition(obj, ctype):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c["type"] == ctype:
            return c
    return None


def wait_done(name, timeout=60):
    def done():
        obj = get(name)
        st = obj.get("status") or {}
        return obj if st.get("certificate") or condition(obj, "Failed") else None
    return STACK.wait(done, timeout, "CSR %s signed or failed" % name)


def public_bytes(k):
    return k.public_bytes(serialization.Encoding.DER,
                          serialization.PublicFormat.SubjectPublicKeyInfo)


class Signing(unittest.TestCase):
    def check_signed(self, obj, key, ca_index):
        """Leaf + intermediates in status.certificate, the CA in the annotation."""
        self.assertIsNone(condition(obj, "Failed"), obj["status"])
        certs = x509.load_pem_x509_certificates(base64.b64decode(obj["status"]["certificate"]))
        ann = obj["metadata"]["annotations"]
        root = x509.load_pem_x509_certificates(
            base64.b64decode(ann["experimental.cert-manager.io/ca"]))
        self.assertEqual(len(root), 1)
        self.assertEqual(root[0].issuer, root[0].subject)
        leaf = certs[0]
        self.assertEqual(public_bytes(leaf.public_key()), public_bytes(key.public_key()))
        chain = certs + root
        for child, parent in zip(chain, chain[1:]):
            child.verify_directly_issued_by(parent)
        info = PCA.cas[ca_index]
        ca_chain = x509.load_pem_x509_certificates(
            ((info.get("chain") or "") + info["certificate"]).encode())
        self.assertIn(root[0], ca_chain)
        self.assertIn("aws-privateca-issuer/certificate-arn", ann)
        return leaf

    def test_cluster_issuer_ecdsa_server(self):
        key = e2e.make_key("ec")
        # One usage picks its template, as for CertificateRequests.
        create_csr("srv-ec", CLUSTER_SIGNER + "shared-ca", key, user="mallory",
                   usages=("server auth",))
        set_condition("srv-ec", "Approved", "TestApproved")
        leaf = self.check_signed(wait_done("srv-ec"), key, 0)
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        self.assertEqual(list(eku), [ExtendedKeyUsageOID.SERVER_AUTH])

    def test_namespaced_issuer_rsa_client_with_duration(self):
        key = e2e.make_key("rsa")
        create_csr("cli-rsa", NS_SIGNER + NS + ".team-ca", key,
                   usages=("client auth",),
                   annotations={"experimental.cert-manager.io/request-duration": "48h"})
        set_condition("cli-rsa", "Approved", "TestApproved")
        leaf = self.check_signed(wait_done("cli-rsa"), key, 1)
        eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        self.assertEqual(list(eku), [ExtendedKeyUsageOID.CLIENT_AUTH])
        left = leaf.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)
        self.assertLessEqual(left.total_seconds(), 48 * 3600 + 120)
        self.assertGreater(left.total_seconds(), 47 * 3600)

    def test_ca_by_annotation(self):
        key = e2e.make_key("ec")
        create_csr("sub-ca", CLUSTER_SIGNER + "shared-ca", key, is_ca=True,
                   usages=("digital signature", "cert sign", "crl sign"),
                   annotations={"experimental.cert-manager.io/request-is-ca": "true"})
        set_condition("sub-ca", "Approved", "TestApproved")
        leaf = self.check_signed(wait_done("sub-ca"), key, 0)
        bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        self.assertTrue(bc.ca)

    def test_requester_without_reference_fails_and_nothing_is_issued(self):
        before = PCA.stats()["issuances"]
        key = e2e.make_key("ec")
        create_csr("intruder", NS_SIGNER + NS + ".team-ca", key, user="mallory")
        set_condition("intruder", "Approved", "TestApproved")
        obj = wait_done("intruder")
        failed = condition(obj, "Failed")
        self.assertIsNotNone(failed, obj["status"])
        self.assertEqual(failed["status"], "True")
        self.assertIn("mallory", failed["message"])
        self.assertIn('"reference"', failed["message"])
        self.assertIn("team-ca", failed["message"])
        self.assertFalse(obj["status"].get("certificate"))
        self.assertNotIn("aws-privateca-issuer/certificate-arn",
                         obj["metadata"].get("annotations") or {})
        self.assertEqual(PCA.stats()["issuances"], before)

    def test_denied_unapproved_and_foreign_are_never_signed(self):
        key = e2e.make_key("ec")
        create_csr("denied", CLUSTER_SIGNER + "shared-ca", key)
        set_condition("denied", "Denied", "TestDenied")
        create_csr("unapproved", CLUSTER_SIGNER + "shared-ca", key)
        create_csr("foreign", "example.com/other-signer", key)
        set_condition("foreign", "Approved", "TestApproved")
        # A request made after them is signed: they had their turn.
        create_csr("after", CLUSTER_SIGNER + "shared-ca", key)
        set_condition("after", "Approved", "TestApproved")
        self.check_signed(wait_done("after"), key, 0)
        for name in ("denied", "unapproved", "foreign"):
            obj = get(name)
            self.assertFalse((obj.get("status") or {}).get("certificate"), name)
            self.assertIsNone(condition(obj, "Failed"), name)
            self.assertNotIn("awspca.cert-manager.io/issue-started",
                             obj["metadata"].get("annotations") or {}, name)
        # Approving the waiting one later signs it.
        set_condition("unapproved", "Approved", "TestApproved")
        self.check_signed(wait_done("unapproved"), key, 0)

    def test_metrics_tell_the_apis_apart(self):
        key = e2e.make_key("ec")
        create_csr("counted", CLUSTER_SIGNER + "shared-ca", key)
        set_condition("counted", "Approved", "TestApproved")
        wait_done("counted")
        m = STACK.metrics()
        self.assertGreaterEqual(STACK.metric_value(
            m, "pca_issuer_certificaterequests_total", api="certificatesigningrequests",
            outcome="issued", issuer_kind="AWSPCAClusterIssuer", issuer="shared-ca"), 1)
        self.assertIsNone(STACK.metric_value(
            m, "pca_issuer_permission_missing", resource="certificatesigningrequests"))


class Burst(unittest.TestCase):
    def test_sigkill_during_a_burst_of_200_issues_each_once(self):
        # 20 IssueCertificate/s: the burst takes ten seconds, long enough to cut.
        PCA.control(latency={"IssueCertificate": [0.05, 0.3]}, quota={"IssueCertificate": 20})
        self.addCleanup(PCA.control, latency=None, quota=None)
        before = dict(PCA.stats()["token_issuances"])
        key = e2e.make_key("ec")
        names = ["burst-%03d" % i for i in range(200)]
        for n in names:
            create_csr(n, CLUSTER_SIGNER + "shared-ca", key, user="bob")
            set_condition(n, "Approved", "TestApproved")
        STACK.wait(lambda: PCA.stats()["issuances"] - sum(before.values()) >= 40, 120,
                   "a fifth of the burst issued")
        STACK.issuer.kill()
        at_kill = PCA.stats()["issuances"] - sum(before.values())
        self.assertLess(at_kill, len(names) - 20, "the kill came too late to prove anything")
        STACK.start_issuer(["--issuer-recheck-interval=30s"])

        def all_signed():
            items = STACK.api_ok("GET", CSR_PATH)["items"]
            done = [o for o in items if o["metadata"]["name"].startswith("burst-") and
                    (o.get("status") or {}).get("certificate")]
            failed = [o["metadata"]["name"] for o in items
                      if o["metadata"]["name"].startswith("burst-") and
                      condition(o, "Failed")]
            self.assertEqual(failed, [])
            return len(done) == len(names)
        STACK.wait(all_signed, 300, "200 CSRs signed")
        ledger = {k: v for k, v in PCA.stats()["token_issuances"].items() if k not in before}
        self.assertEqual(len(ledger), len(names), "one idempotency token per CSR")
        self.assertTrue(all(v == 1 for v in ledger.values()), ledger)
        uids = {get(n)["metadata"]["uid"].replace("-", "") for n in names}
        self.assertEqual(set(ledger), uids)


if __name__ == "__main__":
    unittest.main()

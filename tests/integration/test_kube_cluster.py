"""The real test cluster behaves like a Kubernetes 1.20 control plane.

Later integration tests trust this cluster for RBAC, TokenRequest, custom
resources and resourceVersion expiry; these checks show each of those works
on the locally built kube-apiserver and etcd before anything else relies on
them.
"""

import base64
import sys
import time
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cluster import Cluster, FailureTracking

NS = "pca-test"
CR_PATH = "/apis/cert-manager.io/v1/namespaces/%s/certificaterequests" % NS


def make_csr_pem():
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(
               NameOID.COMMON_NAME, "test.example.com")]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM)


CSR_PEM = make_csr_pem()

CLUSTER = None


def setUpModule():
    global CLUSTER
    t = time.monotonic()
    CLUSTER = Cluster().start()
    CLUSTER.install_crds()
    print("cluster up in %.2fs: %s" % (time.monotonic() - t, CLUSTER.timings),
          file=sys.stderr)


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop(failed=FailureTracking.failed)


def certificate_request(name):
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "CertificateRequest",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "request": base64.b64encode(CSR_PEM).decode(),
            "issuerRef": {"group": "awspca.cert-manager.io",
                          "kind": "AWSPCAIssuer", "name": "pca"},
            "usages": ["digital signature", "server auth"],
        },
    }


class ClusterTest(FailureTracking, unittest.TestCase):


    def setUp(self):
        self.t0 = time.monotonic()
        CLUSTER.create_namespace(NS)

    def tearDown(self):
        print("  %s: %.2fs" % (self.id().rsplit(".", 1)[-1],
                                time.monotonic() - self.t0), file=sys.stderr)

    def test_version_is_1_20(self):
        v = CLUSTER.api_ok("GET", "/version")
        self.assertEqual(v["major"], "1")
        self.assertEqual(v["minor"], "20")
        self.assertTrue(v["gitVersion"].startswith("v1.20."), v)

    def test_certificate_request_round_trip(self):
        obj = CLUSTER.api_ok("POST", CR_PATH,
                             json=certificate_request("round-trip"))
        got = CLUSTER.api_ok("GET", CR_PATH + "/round-trip")
        self.assertEqual(got["metadata"]["uid"], obj["metadata"]["uid"])
        self.assertEqual(got["spec"]["issuerRef"]["kind"], "AWSPCAIssuer")
        self.assertEqual(got["spec"]["request"],
                         certificate_request("x")["spec"]["request"])
        # A status write goes through the status subresource, which the
        # reflect2 crash used to hit on the first custom-resource update.
        got["status"] = {"conditions": [{
            "type": "Ready", "status": "False", "reason": "Pending",
            "message": "waiting", "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
        upd = CLUSTER.api_ok("PUT", CR_PATH + "/round-trip/status", json=got)
        self.assertEqual(upd["status"]["conditions"][0]["reason"], "Pending")
        self.assertGreater(int(upd["metadata"]["resourceVersion"]),
                           int(obj["metadata"]["resourceVersion"]))

    def test_unknown_fields_are_dropped_and_bad_objects_rejected(self):
        bad = certificate_request("bad")
        bad["spec"].pop("request")
        r = CLUSTER.api("POST", CR_PATH, json=bad)
        self.assertEqual(r.status_code, 422, r.text)
        extra = certificate_request("extra")
        extra["spec"]["noSuchField"] = 1
        got = CLUSTER.api_ok("POST", CR_PATH, json=extra)
        self.assertNotIn("noSuchField", got["spec"])

    def test_rbac_for_service_account_token(self):
        token = CLUSTER.service_account_token(NS, "rbac-reader")
        r = CLUSTER.api("GET", CR_PATH, token=token)
        self.assertEqual(r.status_code, 403, r.text)
        CLUSTER.api_ok("POST", "/apis/rbac.authorization.k8s.io/v1/"
                       "namespaces/%s/roles" % NS, json={
                           "apiVersion": "rbac.authorization.k8s.io/v1",
                           "kind": "Role",
                           "metadata": {"name": "cr-list"},
                           "rules": [{"apiGroups": ["cert-manager.io"],
                                      "resources": ["certificaterequests"],
                                      "verbs": ["list"]}]})
        CLUSTER.api_ok("POST", "/apis/rbac.authorization.k8s.io/v1/"
                       "namespaces/%s/rolebindings" % NS, json={
                           "apiVersion": "rbac.authorization.k8s.io/v1",
                           "kind": "RoleBinding",
                           "metadata": {"name": "cr-list"},
                           "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                       "kind": "Role", "name": "cr-list"},
                           "subjects": [{"kind": "ServiceAccount",
                                         "name": "rbac-reader",
                                         "namespace": NS}]})
        # The authorizer learns of the binding through its informer, so the
        # grant becomes visible shortly after the create returns.
        deadline = time.monotonic() + 10
        while True:
            r = CLUSTER.api("GET", CR_PATH, token=token)
            if r.status_code != 403 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(r.status_code, 200, r.text)
        self.assertEqual(r.json()["kind"], "CertificateRequestList")
        # list was granted, get was not.
        r = CLUSTER.api("GET", CR_PATH + "/anything", token=token)
        self.assertEqual(r.status_code, 403, r.text)

    def test_token_kubeconfig(self):
        token = CLUSTER.service_account_token(NS, "kc-user")
        path = CLUSTER.kubeconfig_for_token(token)
        proc = CLUSTER.kubectl("auth", "can-i", "list",
                               "certificaterequests.cert-manager.io",
                               "-n", NS, check=False, kubeconfig=path)
        # Authenticated as the ServiceAccount (not anonymous, not admin),
        # which has no grants.
        self.assertEqual(proc.stdout.strip(), "no", proc.stderr)
        proc = CLUSTER.kubectl("auth", "can-i", "create",
                               "selfsubjectaccessreviews.authorization.k8s.io",
                               check=False, kubeconfig=path)
        self.assertEqual(proc.stdout.strip(), "yes", proc.stderr)
        tf = CLUSTER.write_token_file(token)
        path2 = CLUSTER.kubeconfig_for_token_file(tf)
        proc = CLUSTER.kubectl("get", "--raw", "/version",
                               kubeconfig=path2)
        self.assertIn('"minor": "20"', proc.stdout)

    def test_wrong_audience_token_is_unauthorized(self):
        token = CLUSTER.service_account_token(NS, "aud", audience="other")
        r = CLUSTER.api("GET", "/api/v1/namespaces/%s/pods" % NS,
                        token=token)
        self.assertEqual(r.status_code, 401, r.text)

    def test_restart_keeps_data(self):
        obj = CLUSTER.api_ok("POST", CR_PATH,
                             json=certificate_request("survives"))
        t = time.monotonic()
        CLUSTER.restart_apiserver()
        print("  apiserver restart: %.2fs" % (time.monotonic() - t),
              file=sys.stderr)
        got = CLUSTER.api_ok("GET", CR_PATH + "/survives")
        self.assertEqual(got["metadata"]["uid"], obj["metadata"]["uid"])

    def test_compaction_expires_old_resource_versions(self):
        obj = CLUSTER.api_ok("POST", CR_PATH,
                             json=certificate_request("compact"))
        old_rv = obj["metadata"]["resourceVersion"]
        for i in range(3):
            obj["metadata"]["labels"] = {"step": str(i)}
            obj = CLUSTER.api_ok("PUT", CR_PATH + "/compact", json=obj)
        # Before compaction the history is there to replay.
        status, events = CLUSTER.watch(CR_PATH, old_rv, timeout_seconds=5,
                                       max_events=3)
        self.assertEqual(status, 200)
        self.assertEqual([e["type"] for e in events], ["MODIFIED"] * 3)
        rev = CLUSTER.etcd_compact()
        self.assertGreaterEqual(rev, int(obj["metadata"]["resourceVersion"]))
        status, events = CLUSTER.watch(CR_PATH, old_rv, timeout_seconds=5)
        print("  watch after compaction: HTTP %d, %s" %
              (status, [e["type"] for e in events]), file=sys.stderr)
        if status == 200:
            self.assertTrue(events, "watch ended without an event")
            self.assertEqual(events[-1]["type"], "ERROR", events)
            self.assertEqual(events[-1]["object"]["code"], 410, events)
        else:
            self.assertEqual(status, 410)
        # The current resourceVersion is still watchable.
        status, events = CLUSTER.watch(
            CR_PATH, obj["metadata"]["resourceVersion"], timeout_seconds=1)
        self.assertEqual(status, 200)
        self.assertNotIn("ERROR", [e["type"] for e in events])


if __name__ == "__main__":
    unittest.main()

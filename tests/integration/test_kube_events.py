"""Kubernetes Events (kube/events.c) written to a real API server.

drv_events emits events through the recorder and prints its counters once
every write has finished; the tests then read what the API server holds.
Unless a test says otherwise the driver authenticates as pca-issuer's
ServiceAccount with the RBAC of container/manifests/rbac.yaml.

Checked: an Event about a real CertificateRequest carries the reason, note,
type, action, reporting controller and instance, and the object reference
(also as seen through the core/v1 API); 100 identical emits make one Event
whose series counts 100, in a handful of writes; a flood of events for 1,000
objects is paced by the global limit and bounded by the queue, the rest
dropped and counted; one object's events stop at its burst; a cluster-scoped
object's Events go to "default"; and the core/v1 fallback, both when the
group is not served and when RBAC grants only core Events (as the Go
issuer's chart does). Figures are printed.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cluster import Cluster, FailureTracking

RBAC = os.path.join(os.environ.get("PCA_SOURCE_DIR", "."), "container",
                    "manifests", "rbac.yaml")
DRIVER = os.path.join(os.environ.get("PCA_BUILD_DIR", "build"), "drivers",
                      "drv_events")
SA_NS = "aws-privateca-issuer"
CONTROLLER = "awspcaissuer-controller"
INSTANCE = "aws-privateca-issuer-7d9f8-x2v4q"

CLUSTER = None
KUBECONFIG = None     # pca-issuer's ServiceAccount, our RBAC
GO_KUBECONFIG = None  # a ServiceAccount with the Go chart's Event rights
LOGDIR = None


def setUpModule():
    global CLUSTER, KUBECONFIG, GO_KUBECONFIG, LOGDIR
    CLUSTER = Cluster().start()
    CLUSTER.install_crds()
    CLUSTER.install_manifests([RBAC])
    KUBECONFIG = CLUSTER.kubeconfig_for_token(
        CLUSTER.service_account_token(SA_NS, "aws-privateca-issuer"))
    CLUSTER.api_ok("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                   json={"metadata": {"name": "go-chart-events"},
                         "rules": [{"apiGroups": [""], "resources": ["events"],
                                    "verbs": ["create", "patch"]}]},
                   expect=(201, 409))
    CLUSTER.api_ok("POST",
                   "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                   json={"metadata": {"name": "go-chart-events"},
                         "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                     "kind": "ClusterRole",
                                     "name": "go-chart-events"},
                         "subjects": [{"kind": "ServiceAccount",
                                       "name": "go-issuer",
                                       "namespace": SA_NS}]},
                   expect=(201, 409))
    GO_KUBECONFIG = CLUSTER.kubeconfig_for_token(
        CLUSTER.service_account_token(SA_NS, "go-issuer"))
    LOGDIR = tempfile.mkdtemp(prefix="pca-events-")


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop(failed=FailureTracking.failed)
    if LOGDIR is not None:
        if FailureTracking.failed:
            sys.stderr.write("driver logs kept in %s\n" % LOGDIR)
        else:
            shutil.rmtree(LOGDIR, ignore_errors=True)


def csr_pem():
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(
               NameOID.COMMON_NAME, "www.example.com")]))
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM)


class EventsTest(FailureTracking, unittest.TestCase):


    def setUp(self):
        self.ns = CLUSTER.create_namespace(
            "ev-" + self._testMethodName[5:].replace("_", "-")[:50])

    def emit(self, *args, kubeconfig=None, name=None, uid=None, reason="Issued",
             namespace=None, timeout_ms=60000):
        """Runs drv_events; returns its summary and the metrics it wrote."""
        metrics = os.path.join(LOGDIR, self._testMethodName + ".prom")
        log = os.path.join(LOGDIR, self._testMethodName + ".log")
        argv = [DRIVER, "--kubeconfig", kubeconfig or KUBECONFIG,
                "--namespace", self.ns if namespace is None else namespace,
                "--api-version", "cert-manager.io/v1",
                "--kind", "CertificateRequest",
                "--name", name or "www", "--uid", uid or "uid-www",
                "--reason", reason, "--instance", INSTANCE,
                "--timeout-ms", str(timeout_ms), "--metrics", metrics]
        argv += [str(a) for a in args]
        with open(log, "ab") as err:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=err,
                                  text=True, timeout=timeout_ms / 1000 + 30)
        if proc.returncode != 0:
            with open(log, errors="replace") as f:
                tail = "".join(f.readlines()[-20:])
            self.fail("drv_events exited %d: %s\n%s" %
                      (proc.returncode, proc.stdout, tail))
        with open(metrics) as f:
            return json.loads(proc.stdout.strip().splitlines()[-1]), f.read()

    def events(self, core=False, namespace=None):
        path = ("/api/v1/namespaces/%s/events" if core else
                "/apis/events.k8s.io/v1/namespaces/%s/events") % \
            (namespace or self.ns)
        return CLUSTER.api_ok("GET", path)["items"]

    def create_cr(self, name):
        return CLUSTER.api_ok(
            "POST", "/apis/cert-manager.io/v1/namespaces/%s/"
            "certificaterequests" % self.ns,
            json={"apiVersion": "cert-manager.io/v1",
                  "kind": "CertificateRequest",
                  "metadata": {"name": name},
                  "spec": {"request": base64.b64encode(csr_pem()).decode(),
                           "issuerRef": {"group": "awspca.cert-manager.io",
                                         "kind": "AWSPCAIssuer",
                                         "name": "pca"}}})

    def test_event_about_a_certificate_request(self):
        cr = self.create_cr("www-example-com-1")
        meta = cr["metadata"]
        summary, _ = self.emit("--type", "Warning", "--action", "Sign",
                               "--note", "AccessDeniedException: not allowed",
                               "--resource-version", meta["resourceVersion"],
                               name=meta["name"], uid=meta["uid"],
                               reason="Failed")
        self.assertEqual(summary["posted"], 1, summary)
        items = self.events()
        self.assertEqual(len(items), 1)
        ev = items[0]
        self.assertEqual(ev["reason"], "Failed")
        self.assertEqual(ev["note"], "AccessDeniedException: not allowed")
        self.assertEqual(ev["type"], "Warning")
        self.assertEqual(ev["action"], "Sign")
        self.assertEqual(ev["reportingController"], CONTROLLER)
        self.assertEqual(ev["reportingInstance"], INSTANCE)
        self.assertRegex(ev["eventTime"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertEqual(ev["regarding"], {
            "apiVersion": "cert-manager.io/v1",
            "kind": "CertificateRequest", "namespace": self.ns,
            "name": meta["name"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"]})
        self.assertTrue(ev["metadata"]["name"].startswith(meta["name"] + "."))
        # What `kubectl describe` reads through the core API.
        core = self.events(core=True)
        self.assertEqual(len(core), 1)
        self.assertEqual(core[0]["involvedObject"]["uid"], meta["uid"])
        self.assertEqual(core[0]["message"], "AccessDeniedException: not allowed")

    def test_repeats_make_one_event_with_a_count(self):
        summary, metrics = self.emit("--count", 100, "--series-ms", 300)
        items = self.events()
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["series"]["count"], 100)
        self.assertEqual(summary["posted"], 1)
        self.assertEqual(summary["series"], 99)
        self.assertLessEqual(summary["patched"], 1)
        self.assertIn('pca_issuer_kube_events_total{type="Normal",'
                      'reason="Issued",outcome="posted"} 1\n', metrics)
        self.assertIn('pca_issuer_kube_events_total{type="Normal",'
                      'reason="Issued",outcome="series"} 99\n', metrics)
        print("\n100 emits at once: 1 POST + %d PATCH" % summary["patched"],
              file=sys.stderr)

    def test_spread_repeats_are_written_lazily(self):
        # 100 occurrences over 2 s, the count written at most every 500 ms.
        summary, _ = self.emit("--count", 100, "--spacing-ms", 20,
                               "--series-ms", 500, name="spread",
                               uid="uid-spread")
        items = self.events()
        self.assertEqual(len(items), 1)
        self.assertEqual(items[0]["series"]["count"], 100)
        self.assertEqual(summary["posted"], 1)
        self.assertGreaterEqual(summary["patched"], 2)
        self.assertLessEqual(summary["patched"], 2000 // 500 + 2)
        print("\n100 emits over %d ms: 1 POST + %d PATCH" %
              (summary["elapsed_ms"], summary["patched"]), file=sys.stderr)

    def test_flood_of_objects_is_paced_and_bounded(self):
        rate, burst, in_flight, queue = 50, 10, 4, 100
        summary, metrics = self.emit("--objects", 1000, "--rate", rate,
                                     "--burst", burst, "--in-flight", in_flight,
                                     "--max-queue", queue, name="cr",
                                     uid="uid-cr")
        posted = summary["posted"]
        self.assertEqual(posted, in_flight + queue, summary)
        self.assertEqual(summary["dropped"], 1000 - posted)
        self.assertEqual(summary["failed"], 0)
        self.assertEqual(len(self.events()), posted)
        # Past the burst, no faster than the rate.
        min_ms = (posted - burst) * 1000 // rate
        self.assertGreaterEqual(summary["elapsed_ms"], min_ms * 0.95)
        self.assertIn('outcome="dropped"} %d\n' % (1000 - posted), metrics)
        print("\n1000 objects: %d posted, %d dropped in %d ms (%.1f/s; cap "
              "%d/s after a burst of %d)" %
              (posted, summary["dropped"], summary["elapsed_ms"],
               posted * 1000.0 / summary["elapsed_ms"], rate, burst),
              file=sys.stderr)

    def test_one_object_stops_at_its_burst(self):
        summary, _ = self.emit("--count", 40, "--distinct-notes",
                               "--note", "attempt", "--type", "Warning",
                               reason="Failed")
        self.assertEqual(summary["posted"], 25)
        self.assertEqual(summary["throttled"], 15)
        self.assertEqual(len(self.events()), 25)

    def test_cluster_scoped_object(self):
        # events.k8s.io/v1 on a 1.20 server takes them in kube-system only;
        # core/v1 Events (the Go issuer's) go to default.
        for kubeconfig, namespace, core in ((KUBECONFIG, "kube-system", False),
                                            (GO_KUBECONFIG, "default", True)):
            summary, _ = self.emit(
                "--api-version", "awspca.cert-manager.io/v1beta1",
                "--kind", "AWSPCAClusterIssuer", name="root-ca",
                uid="uid-root-ca", reason="Verified", namespace="",
                kubeconfig=kubeconfig)
            self.assertEqual(summary["posted"], 1, summary)
            self.assertEqual(summary["core"], int(core))
            mine = [e for e in self.events(core=core, namespace=namespace)
                    if e["regarding" if not core else "involvedObject"]
                    ["uid"] == "uid-root-ca"]
            self.assertEqual(len(mine), 1)
            ref = mine[0]["involvedObject" if core else "regarding"]
            self.assertNotIn("namespace", ref)
            self.assertEqual(ref["kind"], "AWSPCAClusterIssuer")

    def test_core_events_when_group_not_served(self):
        summary, _ = self.emit("--group", "events.unserved.example",
                               "--count", 10, "--series-ms", 200,
                               "--type", "Warning", "--note", "denied",
                               kubeconfig=CLUSTER.admin_kubeconfig,
                               reason="Failed")
        self.assertEqual(summary["core"], 1)
        self.assertEqual(summary["failed"], 0)
        self.check_core_event(10)

    def test_core_events_when_rbac_grants_only_those(self):
        summary, _ = self.emit("--count", 10, "--series-ms", 200,
                               "--type", "Warning", "--note", "denied",
                               kubeconfig=GO_KUBECONFIG, reason="Failed")
        self.assertEqual(summary["core"], 1)
        self.assertEqual(summary["failed"], 0)
        self.check_core_event(10)

    def check_core_event(self, count):
        items = self.events(core=True)
        self.assertEqual(len(items), 1)
        ev = items[0]
        self.assertEqual(ev["involvedObject"]["uid"], "uid-www")
        self.assertEqual(ev["involvedObject"]["kind"], "CertificateRequest")
        self.assertEqual(ev["reason"], "Failed")
        self.assertEqual(ev["message"], "denied")
        self.assertEqual(ev["type"], "Warning")
        self.assertEqual(ev["source"]["component"], CONTROLLER)
        self.assertEqual(ev["count"], count)
        self.assertRegex(ev["firstTimestamp"], r"Z$")
        self.assertRegex(ev["lastTimestamp"], r"Z$")


if __name__ == "__main__":
    unittest.main()

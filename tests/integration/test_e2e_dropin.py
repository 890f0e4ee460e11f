"""End to end: pca-issuer in place of cert-manager/aws-privateca-issuer
v1.9.1, on the real API server, with what a cluster running the Go issuer
already has.

- The Go Helm chart with only the image changed: its ClusterRole (as data
  here, rule for rule), its ServiceAccount, and its exact arguments
  (`--leader-elect`, `-disable-approved-check`), the rest of the settings
  through the chart's `env` value.
- The Go CRDs (tests/integration/data/go-crds.yaml) and ours applied over
  each other, both ways, without losing a stored object; objects valid under
  the Go schema but odd are stored by ours unchanged, and reported by the
  controller (reason Validation) instead of refused.
- The Go issuer's behaviours: the issuer lookup with its fallback to the
  cluster issuer, spec.role with issuer names as long as the Go e2e suite's,
  secretRef.namespace behind a flag, AccessDenied on IssueCertificate
  failing the request at once.
- controller-runtime's metrics under their Go names, checked by promtool.
"""

import json
import os
import shutil
import subprocess
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import cluster as clusterlib  # noqa: E402
import e2e  # noqa: E402
import issuerproc  # noqa: E402
import motoca  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
HERE = os.path.dirname(os.path.abspath(__file__))
GO_CRDS = os.path.join(HERE, "data", "go-crds.yaml")
OUR_CRDS = os.path.join(e2e.MANIFESTS, "crds.yaml")
LEASE = "b858308c.awspca.cert-manager.io"

# The Go chart's ClusterRole (aws-pca-issuer v1.9.1, templates/rbac.yaml).
GO_CHART_RULES = [
    {"apiGroups": ["", "coordination.k8s.io"], "resources": ["configmaps", "leases"],
     "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["awspca.cert-manager.io"], "resources": ["awspcaclusterissuers"],
     "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]},
    {"apiGroups": ["awspca.cert-manager.io"], "resources": ["awspcaclusterissuers/finalizers"],
     "verbs": ["update"]},
    {"apiGroups": ["awspca.cert-manager.io"], "resources": ["awspcaclusterissuers/status"],
     "verbs": ["get", "patch", "update"]},
    {"apiGroups": ["awspca.cert-manager.io"], "resources": ["awspcaissuers"],
     "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]},
    {"apiGroups": ["awspca.cert-manager.io"], "resources": ["awspcaissuers/finalizers"],
     "verbs": ["update"]},
    {"apiGroups": ["awspca.cert-manager.io"], "resources": ["awspcaissuers/status"],
     "verbs": ["get", "patch", "update"]},
    {"apiGroups": ["cert-manager.io"], "resources": ["certificaterequests"],
     "verbs": ["get", "list", "update", "watch"]},
    {"apiGroups": ["cert-manager.io"], "resources": ["certificaterequests/status"],
     "verbs": ["get", "patch", "update"]},
]


def promtool_check(text):
    """promtool's own reading of an exposition: lint problems, or ""."""
    promtool = shutil.which("promtool")
    if promtool is None:
        raise unittest.SkipTest("promtool is not installed")
    proc = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60)
    # Lint advice (counter names, help text) is about style; errors are fatal.
    errors = [ln for ln in (proc.stdout + proc.stderr).splitlines()
              if "error" in ln.lower() and "lint" not in ln.lower()]
    return "\n".join(errors)


class GoChart(unittest.TestCase):
    """The Go chart's role and arguments, nothing else changed."""

    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1"]).start()
        self.stack = e2e.Stack(pca_server=self.pca).start()
        c = self.stack.cluster
        ns = e2e.ISSUER_NS
        c.api_ok("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                 json={"metadata": {"name": "aws-privateca-issuer-go"},
                       "rules": GO_CHART_RULES}, expect=(201,))
        c.api_ok("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                 json={"metadata": {"name": "aws-privateca-issuer-go"},
                       "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                   "kind": "ClusterRole", "name": "aws-privateca-issuer-go"},
                       "subjects": [{"kind": "ServiceAccount", "name": "go-chart",
                                     "namespace": ns}]}, expect=(201,))
        self.kubeconfig = c.kubeconfig_for_token(
            c.service_account_token(ns, "go-chart", expiration_seconds=86400))
        self.ns = e2e.unique("go-chart")
        self.stack.create_secret(self.ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                    "AWS_SECRET_ACCESS_KEY": SECRET})
        self.proc = None

    def tearDown(self):
        if self.proc is not None:
            self.proc.stop()
        self.stack.stop()
        self.pca.stop()

    def start(self, *args):
        """The chart's command line exactly; the rest as the chart's env value sets it."""
        env = {"KUBECONFIG": self.kubeconfig, "POD_NAMESPACE": e2e.ISSUER_NS,
               "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
               "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_ACM_PCA": self.pca.url,
               "PCA_ISSUER_METRICS_BIND_ADDRESS": "127.0.0.1:0",
               "PCA_ISSUER_HEALTH_PROBE_BIND_ADDRESS": "127.0.0.1:0"}
        self.proc = issuerproc.IssuerProcess(["--leader-elect"] + list(args), env=env)
        self.stack.metrics_port, self.stack.probe_port = self.proc.ports()
        self.stack.issuer = self.proc
        return self.proc

    def test_issues_under_the_go_chart_role(self):
        proc = self.start()
        kind = self.stack.create_issuer("pca", self.pca.cas[0]["arn"], ns=self.ns,
                                        secret=(self.ns, "creds"))
        self.stack.wait_issuer(kind, "pca", self.ns)
        key = e2e.make_key("ec")
        names = ["r%d" % i for i in range(5)]
        for n in names:
            self.stack.create_cr(self.ns, n, e2e.make_csr(key), kind, "pca")
            self.stack.approve(self.ns, n)
        for n in names:
            obj = self.stack.wait_cr_reason(self.ns, n, "Issued", "True", timeout=90)
            self.assertIn("aws-privateca-issuer/certificate-arn",
                          obj["metadata"]["annotations"])
        # What the role refuses is said once each, and shown.
        m = self.stack.metrics()
        self.assertEqual(self.stack.metric_value(
            m, "pca_issuer_permission_missing", resource="certificaterequests",
            verb="patch"), 1)
        self.assertEqual(self.stack.metric_value(
            m, "pca_issuer_permission_missing", resource="events.k8s.io/events",
            verb="create"), 1)
        # Each request's two annotations (issue started, certificate ARN) went by update.
        self.assertGreaterEqual(self.stack.metric_value(
            m, "pca_issuer_kube_write_fallbacks_total", resource="certificaterequests"),
            2 * len(names))
        said = [ln for ln in proc.lines if ln.get("resource") == "certificaterequests"
                and ln.get("verb") == "patch"]
        self.assertEqual(len(said), 1, said)
        # The chart's role cannot list Certificates: expiry tracking is off, said once.
        self.assertEqual(self.stack.metric_value(
            m, "pca_issuer_permission_missing", resource="certificates", verb="list"), 1)
        self.assertEqual(self.stack.metric_value(m, "pca_issuer_certificates_tracking"), 0)
        said = [ln for ln in proc.lines if ln.get("resource") == "certificates"]
        self.assertEqual(len(said), 1, said)
        # Nor CertificateSigningRequests: signing them is off, said once.
        self.assertEqual(self.stack.metric_value(
            m, "pca_issuer_permission_missing", resource="certificatesigningrequests",
            verb="list"), 1)
        said = [ln for ln in proc.lines if ln.get("resource") == "certificatesigningrequests"]
        self.assertEqual(len(said), 1, said)
        self.assertEqual(self.stack.metric_value(m, "leader_election_master_status",
                                                 **{"name": LEASE}), 1)
        # Core Events, as the role allows, on the requests.
        events = self.stack.api_ok("GET", "/api/v1/namespaces/%s/events" % self.ns)["items"]
        self.assertTrue(any(e["reason"] == "Issued" for e in events), events)
        # The chart probes /healthz on the probe port for both probes.
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % self.stack.probe_port,
                                    timeout=10) as r:
            self.assertEqual(r.status, 200)
        self.assertEqual(self.pca.stats()["issuances"], len(names))

    def test_disable_approved_check_single_dash(self):
        self.start("-disable-approved-check")
        kind = self.stack.create_issuer("pca", self.pca.cas[0]["arn"], ns=self.ns,
                                        secret=(self.ns, "creds"))
        self.stack.wait_issuer(kind, "pca", self.ns)
        self.stack.create_cr(self.ns, "unapproved", e2e.make_csr(e2e.make_key("ec")), kind,
                             "pca")
        self.stack.wait_cr_reason(self.ns, "unapproved", "Issued", "True", timeout=60)


class CrdSwap(unittest.TestCase):
    """Our CRDs over the Go CRDs and back, with objects stored all along."""

    def setUp(self):
        self.cluster = clusterlib.Cluster().start()

    def tearDown(self):
        self.cluster.stop()

    def apply(self, path):
        self.cluster.kubectl("apply", "--validate=false", "-f", path)
        for name in ("awspcaissuers", "awspcaclusterissuers"):
            self.cluster.wait_crd_established("%s.awspca.cert-manager.io" % name)

    def objects(self):
        out = {}
        for plural in ("awspcaissuers", "awspcaclusterissuers"):
            for o in self.cluster.api_ok(
                    "GET", "/apis/awspca.cert-manager.io/v1beta1/%s" % plural)["items"]:
                key = "%s/%s/%s" % (plural, o["metadata"].get("namespace", ""),
                                    o["metadata"]["name"])
                out[key] = (o["metadata"]["uid"], o["spec"])
        return out

    def create(self, plural, name, spec, ns=None):
        path = "/apis/awspca.cert-manager.io/v1beta1/%s%s" % (
            "namespaces/%s/" % ns if ns else "", plural)
        kind = "AWSPCAIssuer" if ns else "AWSPCAClusterIssuer"
        made = self.cluster.api_ok("POST", path, json={
            "apiVersion": "awspca.cert-manager.io/v1beta1", "kind": kind,
            "metadata": {"name": name}, "spec": spec})
        self.assertEqual(made["spec"], spec)

    # Valid under the Go schema, if odd: every field of it, values no rule there refuses.
    ODD = [
        {"arn": "not-an-arn"},
        {"arn": "arn:aws:acm-pca:us-east-1:123:certificate-authority/NOT_A_UUID",
         "region": "moon-1", "role": "x"},
        {},
        {"arn": "arn:aws-iso-f:acm-pca:us-isof-south-1:111122223333:certificate-authority/"
                "00000000-0000-0000-0000-000000000000",
         "pcaTemplate": {"defaultTemplateName": "no such template"},
         "secretRef": {"name": "s", "namespace": "elsewhere",
                       "accessKeyIDSelector": {"key": "id", "name": "ignored", "optional": True},
                       "secretAccessKeySelector": {"key": "secret"}}},
        {"arn": "a" * 2000, "pcaTemplate": {}},
    ]

    def test_apply_over_each_other_keeps_objects(self):
        self.cluster.create_namespace("team")
        self.apply(GO_CRDS)
        for i, spec in enumerate(self.ODD):
            self.create("awspcaissuers", "go-%d" % i, spec, ns="team")
            self.create("awspcaclusterissuers", "go-%d" % i, spec)
        before = self.objects()
        self.apply(OUR_CRDS)
        self.assertEqual(self.objects(), before)
        # Ours store the same odd objects, unchanged.
        for i, spec in enumerate(self.ODD):
            self.create("awspcaissuers", "ours-%d" % i, spec, ns="team")
            self.create("awspcaclusterissuers", "ours-%d" % i, spec)
        during = self.objects()
        self.assertEqual(len(during), 4 * len(self.ODD))
        # And back: the Go CRDs over ours, nothing lost.
        self.apply(GO_CRDS)
        self.assertEqual(self.objects(), during)
        # Printer columns are ours.
        crd = self.cluster.api_ok(
            "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
            "awspcaissuers.awspca.cert-manager.io")
        self.assertNotIn("additionalPrinterColumns", crd["spec"]["versions"][0])
        self.apply(OUR_CRDS)
        crd = self.cluster.api_ok(
            "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
            "awspcaissuers.awspca.cert-manager.io")
        cols = [c["name"] for c in crd["spec"]["versions"][0]["additionalPrinterColumns"]]
        self.assertIn("Ready", cols)


class Behaviours(unittest.TestCase):
    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1"]).start()
        self.stack = e2e.Stack(pca_server=self.pca).start()
        self.ns = e2e.unique("dropin")
        self.stack.create_secret(self.ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                    "AWS_SECRET_ACCESS_KEY": SECRET})
        self.arn = self.pca.cas[0]["arn"]

    def tearDown(self):
        self.stack.stop()
        self.pca.stop()

    def request(self, name, kind, issuer, ns=None):
        ns = ns or self.ns
        self.stack.create_cr(ns, name, e2e.make_csr(e2e.make_key("ec")), kind, issuer)
        self.stack.approve(ns, name)

    def test_issuer_lookup_falls_back_to_the_cluster_issuer(self):
        self.stack.start_issuer()
        cname = "shared-" + self.ns
        self.stack.create_issuer(cname, self.arn, secret=(self.ns, "creds"))
        self.stack.wait_issuer("AWSPCAClusterIssuer", cname)
        # Kind empty, and kind AWSPCAIssuer, naming an issuer that exists only cluster-wide.
        self.request("empty-kind", "", cname)
        self.request("namespaced-kind", "AWSPCAIssuer", cname)
        self.request("other-kind", "SomethingElse", cname)
        for n in ("empty-kind", "namespaced-kind", "other-kind"):
            self.stack.wait_cr_reason(self.ns, n, "Issued", "True")
        # A namespaced issuer of that name, where there is one, wins.
        self.stack.create_issuer(cname, self.arn, ns=self.ns, secret=(self.ns, "creds"))
        self.stack.wait_issuer("AWSPCAIssuer", cname, self.ns)
        self.request("own-namespace", "", cname)
        self.stack.wait_cr_reason(self.ns, "own-namespace", "Issued", "True")
        m = self.stack.metrics()
        self.assertGreaterEqual(self.stack.metric_value(
            m, "pca_issuer_certificaterequests_total", issuer_kind="AWSPCAClusterIssuer",
            outcome="issued"), 3)
        self.assertGreaterEqual(self.stack.metric_value(
            m, "pca_issuer_certificaterequests_total", issuer_kind="AWSPCAIssuer",
            outcome="issued"), 1)

    def test_role_with_long_issuer_names(self):
        moto = motoca.Moto()
        self.addCleanup(moto.stop)
        # STS from moto (which refuses a RoleSessionName over 64); the CA does not check
        # the assumed credentials' signatures.
        self.pca.control(verify=False)
        self.stack.start_issuer(env={"AWS_ENDPOINT_URL_STS": moto.url,
                                     "PCA_ISSUER_CLUSTER_ISSUER_AMBIENT_CREDENTIALS": "true"})
        role = "arn:aws:iam::123456789012:role/IssuerTestRole-test-us-east-1"
        # The Go e2e suite's names: a UUID, "--cluster-issuer--" and the CA type.
        names = [str(uuid.uuid4()) + "--cluster-issuer--ecdsa-sub",
                 str(uuid.uuid4()) + "--namespace-issuer--ecdsa"]
        self.assertEqual([len(n) for n in names], [63, 61])
        self.stack.create_issuer(names[0], self.arn, secret=(self.ns, "creds"), role=role)
        self.stack.create_issuer(names[1], self.arn, ns=self.ns, secret=(self.ns, "creds"),
                                 role=role)
        self.stack.wait_issuer("AWSPCAClusterIssuer", names[0], timeout=90)
        self.stack.wait_issuer("AWSPCAIssuer", names[1], self.ns, timeout=90)
        self.request("via-role", "AWSPCAIssuer", names[1])
        self.stack.wait_cr_reason(self.ns, "via-role", "Issued", "True")

    def test_secret_namespace_behind_a_flag(self):
        self.stack.start_issuer()
        other = e2e.unique("keys")
        self.stack.create_secret(other, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                  "AWS_SECRET_ACCESS_KEY": SECRET})
        body = {"apiVersion": "awspca.cert-manager.io/v1beta1", "kind": "AWSPCAIssuer",
                "metadata": {"name": "elsewhere"},
                "spec": {"arn": self.arn, "secretRef": {"name": "creds", "namespace": other}}}
        self.stack.api_ok("POST", "/apis/awspca.cert-manager.io/v1beta1/namespaces/%s/"
                          "awspcaissuers" % self.ns, json=body)
        c = self.stack.wait_issuer("AWSPCAIssuer", "elsewhere", self.ns, status="False")
        self.assertEqual(c["reason"], "SecretNamespaceForbidden")
        self.assertIn("--allow-issuer-secret-namespace=true", c["message"])
        self.stack.issuer.stop()
        self.stack.start_issuer(env={"PCA_ISSUER_ALLOW_ISSUER_SECRET_NAMESPACE": "true"})
        self.stack.wait_issuer("AWSPCAIssuer", "elsewhere", self.ns)

    def test_access_denied_on_issue_fails_the_request_at_once(self):
        self.stack.start_issuer()
        kind = self.stack.create_issuer("pca", self.arn, ns=self.ns, secret=(self.ns, "creds"))
        self.stack.wait_issuer(kind, "pca", self.ns)
        self.pca.control(fault={"kind": "503", "status": 400, "fraction": 1.0,
                                "code": "AccessDeniedException",
                                "message": "User is not authorized to use this template",
                                "ops": ["IssueCertificate"]})
        self.request("denied", kind, "pca")
        obj = self.stack.wait_cr_reason(self.ns, "denied", "Failed", "False", timeout=30)
        c = self.stack.condition(obj, "Ready")
        self.assertIn("AccessDeniedException", c["message"])
        self.assertIn("template", c["message"])
        self.assertIn("failureTime", obj["status"])
        # The issuer stays Ready: its credentials work.
        self.assertEqual(self.stack.issuer_ready(kind, "pca", self.ns)["status"], "True")

    def test_validation_reason_and_controller_runtime_metrics(self):
        self.stack.start_issuer(["--leader-elect",
                                 "--leader-election-namespace=" + e2e.ISSUER_NS])
        kind = self.stack.create_issuer("bad", "arn:aws:acm-pca:us-east-1:123:nope", ns=self.ns,
                                        secret=(self.ns, "creds"))
        c = self.stack.wait_issuer(kind, "bad", self.ns, status="False")
        self.assertEqual(c["reason"], "Validation")
        self.assertIn("spec.arn", c["message"])
        self.stack.create_issuer("bad-template", self.arn, ns=self.ns, secret=(self.ns, "creds"),
                                 template="EndEntityCertificate")
        c = self.stack.wait_issuer(kind, "bad-template", self.ns, status="False")
        self.assertEqual(c["reason"], "Validation")
        self.assertIn("defaultTemplateName", c["message"])
        kind = self.stack.create_issuer("pca", self.arn, ns=self.ns, secret=(self.ns, "creds"))
        self.stack.wait_issuer(kind, "pca", self.ns)
        self.request("one", kind, "pca")
        self.stack.wait_cr_reason(self.ns, "one", "Issued", "True")
        text = self.stack.metrics()
        self.assertEqual(promtool_check(text), "")
        v = self.stack.metric_value
        self.assertGreaterEqual(v(text, "controller_runtime_reconcile_total",
                                  controller="certificaterequest", result="success"), 1)
        # An issuer that checked out is looked at again after its re-check period.
        self.assertGreaterEqual(v(text, "controller_runtime_reconcile_total",
                                  controller="awspcaissuer", result="requeue_after"), 1)
        self.assertIsNotNone(v(text, "controller_runtime_reconcile_errors_total",
                               controller="awspcaclusterissuer"))
        self.assertGreaterEqual(v(text, "controller_runtime_reconcile_time_seconds_count",
                                  controller="certificaterequest"), 1)
        self.assertGreaterEqual(v(text, "controller_runtime_max_concurrent_reconciles",
                                  controller="certificaterequest"), 1)
        self.assertIsNotNone(v(text, "workqueue_depth", name="certificaterequest"))
        self.assertGreaterEqual(v(text, "workqueue_adds_total", name="certificaterequest"), 1)
        self.assertIsNotNone(v(text, "workqueue_retries_total", name="awspcaissuer"))
        self.assertGreaterEqual(v(text, "workqueue_queue_duration_seconds_count",
                                  name="certificaterequest"), 1)
        self.assertEqual(v(text, "leader_election_master_status", **{"name": LEASE}), 1)


if __name__ == "__main__":
    unittest.main()

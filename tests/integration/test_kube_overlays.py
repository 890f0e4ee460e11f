"""The kustomize base and its overlays, rendered, applied and run.

`kubectl kustomize` renders container/manifests (the base) and each overlay
in container/overlays, each inside a wrapper that puts it in a namespace of
its own; every rendering is applied to kube-apiserver 1.20 and the stored
objects are checked: the image, arguments pca-issuer accepts, the probes,
security context and resources, and what each overlay adds. Two
adjustments for this 1.20 server, and only here: the PodDisruptionBudget
is applied as policy/v1beta1 (1.20 does not serve policy/v1), and the
ServiceMonitor and PrometheusRule go through minimal monitoring.coreos.com
CRDs (a test fixture in tests/integration/data/; the Prometheus Operator's
CRDs are not available here).

The single-namespace overlay is also run: pca-issuer as its
ServiceAccount, with only that overlay's Role and cluster-issuer
ClusterRole, issues a request in its own namespace, leaves another
namespace's request alone, and is refused nothing it tries.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import issuerproc  # noqa: E402
import pcaserver  # noqa: E402
from cluster import Cluster, FailureTracking  # noqa: E402
import podman as podmanlib  # noqa: E402

SRC = e2e.SOURCE_DIR
BASE = os.path.join(SRC, "container", "manifests")
OVERLAYS = os.path.join(SRC, "container", "overlays")
FIXTURE_CRDS = os.path.join(os.path.dirname(__file__), "data", "prometheus-operator-crds.yaml")
VERSION = podmanlib.project_version()
NAME = "aws-privateca-issuer"
AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))

CLUSTER = None
RENDERED = {}  # overlay name -> (namespace, documents)


def render(path, namespace):
    """kubectl kustomize of path, wrapped to live in namespace."""
    wrap = tempfile.mkdtemp(prefix="pca-kustomize-")
    try:
        with open(os.path.join(wrap, "kustomization.yaml"), "w") as f:
            yaml.safe_dump({"apiVersion": "kustomize.config.k8s.io/v1beta1",
                            "kind": "Kustomization", "namespace": namespace,
                            "resources": [os.path.relpath(path, wrap)]}, f)
        out = subprocess.run(["kubectl", "kustomize", wrap], capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0:
            raise AssertionError("kubectl kustomize %s: %s" % (path, out.stderr))
        return [d for d in yaml.safe_load_all(out.stdout) if d]
    finally:
        shutil.rmtree(wrap, ignore_errors=True)


def for_this_server(docs):
    """The one change a 1.20 API server needs: PodDisruptionBudget v1beta1."""
    out = []
    for d in docs:
        if d["kind"] == "PodDisruptionBudget" and d["apiVersion"] == "policy/v1":
            d = dict(d, apiVersion="policy/v1beta1")
        out.append(d)
    return out


def setUpModule():
    global CLUSTER
    CLUSTER = Cluster(extra_apiserver_args=["--runtime-config=apps/v1=true,policy/v1beta1=true"])
    CLUSTER.start()
    CLUSTER.install_crds()
    CLUSTER.kubectl("apply", "-f", FIXTURE_CRDS)
    for crd in ("servicemonitors", "prometheusrules"):
        CLUSTER.wait_crd_established(crd + ".monitoring.coreos.com")
    for name, path in (("base", BASE),
                       ("ha", os.path.join(OVERLAYS, "ha")),
                       ("irsa", os.path.join(OVERLAYS, "irsa")),
                       ("single-namespace", os.path.join(OVERLAYS, "single-namespace")),
                       ("prometheus-operator", os.path.join(OVERLAYS, "prometheus-operator"))):
        ns = "ov-" + name
        docs = render(path, ns)
        RENDERED[name] = (ns, docs)
        CLUSTER.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(for_this_server(docs)))


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop(failed=FailureTracking.failed)


def stored(kind, name, ns=None):
    args = ["get", kind, name, "-o", "yaml"] + (["-n", ns] if ns else [])
    return yaml.safe_load(CLUSTER.kubectl(*args).stdout)


def expand(args, env):
    """$(VAR) in args, as the kubelet expands it from the container's env."""
    out = []
    for a in args:
        for k, v in env.items():
            a = a.replace("$(%s)" % k, v)
        out.append(a)
    return out


class Overlays(FailureTracking, unittest.TestCase):
    def deployment(self, overlay):
        ns, _ = RENDERED[overlay]
        return stored("deployment", NAME, ns)

    def test_every_overlay_runs_the_image_as_the_base_does(self):
        for overlay, (ns, docs) in RENDERED.items():
            with self.subTest(overlay=overlay):
                d = self.deployment(overlay)
                pod = d["spec"]["template"]["spec"]
                [c] = pod["containers"]
                self.assertEqual(c["name"], NAME)
                self.assertEqual(c["image"], "pca-issuer:%s" % VERSION)
                self.assertEqual(c["args"][0], "--leader-elect")
                env = {e["name"]: e for e in c["env"]}
                self.assertEqual(env["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"],
                                 "metadata.namespace")
                # The arguments as the kubelet passes them are ones the binary takes.
                argv = expand(c["args"], {"POD_NAMESPACE": ns})
                proc = subprocess.run([os.environ.get("PCA_ISSUER_BIN", "pca-issuer")] + argv +
                                      ["--print-config"], capture_output=True, text=True,
                                      timeout=30)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                cfg = yaml.safe_load(proc.stdout)
                ports = {p["name"]: p["containerPort"] for p in c["ports"]}
                self.assertEqual(ports, {"http": 8080, "healthz": 8081})
                self.assertEqual(cfg["healthProbeBindAddress"], ":8081")
                self.assertEqual(cfg["metricsBindAddress"], ":8080")
                self.assertEqual((c["livenessProbe"]["httpGet"]["path"],
                                  c["livenessProbe"]["httpGet"]["port"]), ("/healthz", "healthz"))
                self.assertEqual((c["readinessProbe"]["httpGet"]["path"],
                                  c["readinessProbe"]["httpGet"]["port"]), ("/readyz", "healthz"))
                psc, csc = pod["securityContext"], c["securityContext"]
                self.assertEqual((psc["runAsNonRoot"], psc["runAsUser"], psc["runAsGroup"]),
                                 (True, 65532, 65532))
                self.assertEqual(psc["seccompProfile"]["type"], "RuntimeDefault")
                self.assertEqual((csc["readOnlyRootFilesystem"], csc["allowPrivilegeEscalation"],
                                  csc["capabilities"]["drop"]), (True, False, ["ALL"]))
                # Sized from bench_memory.py's figures (see deployment.yaml).
                self.assertEqual(c["resources"], {"requests": {"cpu": "50m", "memory": "32Mi"},
                                                  "limits": {"memory": "128Mi"}})
                arch = pod["affinity"]["nodeAffinity"][
                    "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
                self.assertIn({"key": "kubernetes.io/arch", "operator": "In",
                               "values": ["amd64", "arm64"]}, arch["matchExpressions"])
                self.assertGreater(pod["terminationGracePeriodSeconds"],
                                   int(cfg["shutdownTimeout"].rstrip("s")))

    def test_base_is_one_replica(self):
        self.assertEqual(self.deployment("base")["spec"]["replicas"], 1)

    def test_ha(self):
        ns, docs = RENDERED["ha"]
        d = self.deployment("ha")
        self.assertEqual(d["spec"]["replicas"], 2)
        pod = d["spec"]["template"]["spec"]
        labels = d["spec"]["template"]["metadata"]["labels"]
        [anti] = pod["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"]
        self.assertEqual(anti["podAffinityTerm"]["topologyKey"], "kubernetes.io/hostname")
        self.assertLessEqual(anti["podAffinityTerm"]["labelSelector"]["matchLabels"].items(),
                             labels.items())
        [spread] = pod["topologySpreadConstraints"]
        self.assertEqual((spread["topologyKey"], spread["maxSkew"], spread["whenUnsatisfiable"]),
                         ("topology.kubernetes.io/zone", 1, "ScheduleAnyway"))
        [pdb] = [x for x in docs if x["kind"] == "PodDisruptionBudget"]
        self.assertEqual(pdb["apiVersion"], "policy/v1")
        got = stored("poddisruptionbudget", NAME, ns)
        self.assertEqual(got["spec"]["maxUnavailable"], 1)
        self.assertLessEqual(got["spec"]["selector"]["matchLabels"].items(), labels.items())

    def test_irsa(self):
        ns, _ = RENDERED["irsa"]
        sa = stored("serviceaccount", NAME, ns)
        self.assertRegex(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
                         r"^arn:aws:iam::\d{12}:role/")
        pod = self.deployment("irsa")["spec"]["template"]["spec"]
        self.assertEqual(pod["serviceAccountName"], NAME)
        self.assertEqual(pod["securityContext"]["fsGroup"], 65532)

    def test_prometheus_operator(self):
        ns, _ = RENDERED["prometheus-operator"]
        mon = stored("servicemonitor", NAME, ns)
        svc = stored("service", NAME, ns)
        self.assertLessEqual(mon["spec"]["selector"]["matchLabels"].items(),
                             svc["metadata"]["labels"].items())
        self.assertEqual([e["port"] for e in mon["spec"]["endpoints"]],
                         [p["name"] for p in svc["spec"]["ports"]])
        self.assertEqual(mon["spec"]["endpoints"][0]["path"], "/metrics")
        rule = stored("prometheusrule", NAME, ns)
        self.assertEqual(sorted(r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]),
                         ["PcaIssuerCAExpiresSoon", "PcaIssuerCertificateExpired",
                          "PcaIssuerCertificateRenewalOverdue"])

    def test_single_namespace_has_no_cluster_wide_grant_of_namespaced_things(self):
        ns, docs = RENDERED["single-namespace"]
        kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
        self.assertNotIn(("ClusterRole", NAME), kinds)
        self.assertNotIn(("ClusterRoleBinding", NAME), kinds)
        [cr] = [d for d in docs if d["kind"] == "ClusterRole" and
                d["metadata"]["name"] == NAME + ":cluster-issuers"]
        self.assertEqual({r for rule in cr["rules"] for r in rule["resources"]},
                         {"awspcaclusterissuers", "awspcaclusterissuers/status"})
        args = self.deployment("single-namespace")["spec"]["template"]["spec"][
            "containers"][0]["args"]
        self.assertIn("--namespace=$(POD_NAMESPACE)", args)


class SingleNamespaceRun(FailureTracking, unittest.TestCase):
    def test_issues_in_its_namespace_only(self):
        ns, _ = RENDERED["single-namespace"]
        pca = pcaserver.PcaServer(cas=["EC_prime256v1"]).start()
        self.addCleanup(pca.stop)
        stack = e2e.Stack(pca_server=pca)
        stack.cluster = CLUSTER
        token = CLUSTER.service_account_token(ns, NAME, expiration_seconds=3600)
        path = CLUSTER.kubeconfig_for_token(token)
        # In a pod the namespace comes from the service-account files; here
        # from the kubeconfig's context.
        with open(path) as f:
            kc = yaml.safe_load(f)
        for ctx in kc["contexts"]:
            ctx["context"]["namespace"] = ns
        with open(path, "w") as f:
            yaml.safe_dump(kc, f)
        [c] = self.deployment_container()
        argv = expand(c["args"], {"POD_NAMESPACE": ns}) + [
            "--kubeconfig", path, "--metrics-bind-address=127.0.0.1:0",
            "--health-probe-bind-address=127.0.0.1:0"]
        proc = issuerproc.IssuerProcess(argv, env={
            "KUBECONFIG": "", "POD_NAMESPACE": ns, "AWS_ACCESS_KEY_ID": "",
            "AWS_SECRET_ACCESS_KEY": "", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_ACM_PCA": pca.url})
        self.addCleanup(proc.stop)
        stack.metrics_port, stack.probe_port = proc.ports()

        other = "ov-elsewhere"
        for n in (ns, other):
            stack.create_secret(n, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                             "AWS_SECRET_ACCESS_KEY": SECRET})
            stack.create_issuer("pca", pca.cas[0]["arn"], ns=n, secret=(n, "creds"))
        key = e2e.make_key("ec")
        for n in (other, ns):
            stack.create_cr(n, "req", e2e.make_csr(key), "AWSPCAIssuer", "pca")
            stack.approve(n, "req")
        stack.wait_issuer("AWSPCAIssuer", "pca", ns, timeout=60)
        stack.wait_cr_reason(ns, "req", "Issued", "True", timeout=60)
        # The other namespace's issuer and request were never looked at.
        self.assertIsNone(stack.issuer_ready("AWSPCAIssuer", "pca", other))
        self.assertIsNone(stack.condition(stack.get_cr(other, "req"), "Ready"))
        text = stack.metrics()
        # No series at all: the role refused nothing.
        self.assertIsNone(stack.metric_value(text, "pca_issuer_permission_missing"),
                          [ln for ln in text.splitlines() if "permission_missing" in ln])
        self.assertEqual(stack.metric_value(text, "leader_election_master_status"), 1)
        self.assertEqual(pca.stats()["issuances"], 1)

    def deployment_container(self):
        ns, _ = RENDERED["single-namespace"]
        return stored("deployment", NAME, ns)["spec"]["template"]["spec"]["containers"]


if __name__ == "__main__":
    unittest.main()

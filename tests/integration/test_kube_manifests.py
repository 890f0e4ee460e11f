"""The manifests in container/manifests on a real Kubernetes 1.20 API server.

1.20 is the oldest server the CRDs promise to install on, and the strictest
about them. These tests apply the files the way a user does (kubectl apply),
check the CRDs are served with nothing silently dropped, that valid issuers
of both kinds are stored whole and bad ones refused, that kubectl shows the
printer columns, that the RBAC grants exactly what pca-issuer needs (read
with kubectl auth can-i as its ServiceAccount), that cert-manager may
approve requests for these issuers, and that the Deployment is accepted by
the server and agrees with the RBAC and with pca-issuer's own flags.
"""

import copy
import json
import os
import subprocess
import sys
import time
import unittest

import yaml

from cluster import Cluster, FailureTracking

SRC = os.environ.get("PCA_SOURCE_DIR") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
MANIFESTS = os.path.join(SRC, "container", "manifests")
CRDS = os.path.join(MANIFESTS, "crds.yaml")
RBAC = os.path.join(MANIFESTS, "rbac.yaml")
DEPLOYMENT = os.path.join(MANIFESTS, "deployment.yaml")
SERVICEMONITOR = os.path.join(SRC, "container", "overlays", "prometheus-operator",
                              "servicemonitor.yaml")

GROUP = "awspca.cert-manager.io"
ISSUER_NS = "aws-privateca-issuer"
ISSUER_SA = "system:serviceaccount:aws-privateca-issuer:aws-privateca-issuer"
CERT_MANAGER_SA = "system:serviceaccount:cert-manager:cert-manager"
TEAM = "team-a"
ARN = ("arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/"
       "12345678-1234-1234-1234-123456789012")
ISSUERS = "/apis/%s/v1beta1/namespaces/%s/awspcaissuers" % (GROUP, TEAM)
CLUSTER_ISSUERS = "/apis/%s/v1beta1/awspcaclusterissuers" % GROUP

CLUSTER = None


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def setUpModule():
    global CLUSTER
    t = time.monotonic()
    # apps/v1 on top of the cluster's usual groups, for the Deployment.
    CLUSTER = Cluster(extra_apiserver_args=["--runtime-config=apps/v1=true"])
    CLUSTER.start()
    CLUSTER.install_crds()  # cert-manager's, for certificaterequests
    CLUSTER.create_namespace(TEAM)
    print("cluster up in %.2fs: %s" % (time.monotonic() - t, CLUSTER.timings),
          file=sys.stderr)


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop(failed=FailureTracking.failed)


def wait_until(what, probe, timeout=15.0):
    """Polls probe() until it is true; RBAC changes reach the authorizer
    through an informer, shortly after the write returns."""
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError("%s: not true after %.0fs" % (what, timeout))
        time.sleep(0.05)


def can_i(user, *args):
    """kubectl auth can-i as user; returns True for yes, False for no."""
    proc = CLUSTER.kubectl("auth", "can-i", "--as=" + user, *args, check=False)
    answer = proc.stdout.strip()
    if answer not in ("yes", "no"):
        raise AssertionError("kubectl auth can-i %s: %r %r" %
                             (" ".join(args), proc.stdout, proc.stderr))
    return answer == "yes"


def may_approve(user, signer):
    """Whether user may approve for signer, asked as cert-manager's approver
    asks: a SubjectAccessReview for verb approve on cert-manager.io signers.
    (kubectl auth can-i cannot ask this: signers is not a served resource,
    so kubectl sends "signers.cert-manager.io" with an empty group.)"""
    ns, name = user.split(":")[2:4]
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": user,
            "groups": ["system:serviceaccounts",
                       "system:serviceaccounts:" + ns, "system:authenticated"],
            "resourceAttributes": {"group": "cert-manager.io",
                                   "resource": "signers", "verb": "approve",
                                   "name": signer},
        },
    }
    proc = CLUSTER.kubectl("create", "-f", "-", "-o", "json",
                           input=json.dumps(review))
    return json.loads(proc.stdout)["status"].get("allowed", False)


def issuer(name, arn=ARN, **spec):
    body = {"arn": arn, "region": "us-east-1"}
    body.update(spec)
    return {"apiVersion": GROUP + "/v1beta1", "kind": "AWSPCAIssuer",
            "metadata": {"name": name, "namespace": TEAM}, "spec": body}


def cluster_issuer(name, arn=ARN, **spec):
    obj = issuer(name, arn, **spec)
    obj["kind"] = "AWSPCAClusterIssuer"
    del obj["metadata"]["namespace"]
    return obj


class ManifestTest(FailureTracking, unittest.TestCase):


    def setUp(self):
        self.t0 = time.monotonic()

    def tearDown(self):
        print("  %s: %.2fs" % (self.id().rsplit(".", 1)[-1],
                                time.monotonic() - self.t0), file=sys.stderr)


class CRDTest(ManifestTest):

    @classmethod
    def setUpClass(cls):
        # As a user installs them: client-side apply, with kubectl checking
        # the file against the server's own OpenAPI document first.
        cls.apply = CLUSTER.kubectl("apply", "-f", CRDS, check=False)
        if cls.apply.returncode == 0:
            for doc in load(CRDS):
                CLUSTER.wait_crd_established(doc["metadata"]["name"])

    def setUp(self):
        super().setUp()
        self.assertEqual(self.apply.returncode, 0,
                         self.apply.stdout + self.apply.stderr)

    def post(self, path, obj):
        return CLUSTER.api("POST", path, json=obj)

    def test_served_with_nothing_dropped(self):
        docs = load(CRDS)
        self.assertEqual(sorted(d["spec"]["names"]["kind"] for d in docs),
                         ["AWSPCAClusterIssuer", "AWSPCAIssuer"])
        for doc in docs:
            got = CLUSTER.api_ok("GET", "/apis/apiextensions.k8s.io/v1/"
                                 "customresourcedefinitions/" +
                                 doc["metadata"]["name"])
            conds = {c["type"]: c["status"] for c in got["status"]["conditions"]}
            self.assertEqual(conds.get("Established"), "True", conds)
            self.assertEqual(conds.get("NamesAccepted"), "True", conds)
            self.assertEqual(got["status"]["acceptedNames"]["kind"],
                             doc["spec"]["names"]["kind"])
            [want] = doc["spec"]["versions"]
            [have] = got["spec"]["versions"]
            # A 1.20 server drops what it does not know without a word; the
            # stored version must be the file's, field for field.
            self.assertEqual(have, want)
            self.assertEqual((have["name"], have["served"], have["storage"]),
                             ("v1beta1", True, True))
            self.assertEqual(have["subresources"], {"status": {}})
        # Both kinds take the same spec and status.
        props = [d["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
                 ["properties"] for d in docs]
        self.assertEqual(props[0], props[1])
        self.assertEqual({d["spec"]["scope"] for d in docs},
                         {"Namespaced", "Cluster"})

    def test_issuer_stored_whole(self):
        obj = issuer(
            "full", role="arn:aws:iam::123456789012:role/pca-signer",
            secretRef={
                "name": "aws-creds",
                "accessKeyIDSelector": {"key": "id"},
                "secretAccessKeySelector": {"key": "secret"},
                "sessionTokenSelector": {"key": "token"},
            },
            pcaTemplate={"defaultTemplateName":
                         "SubordinateCACertificate_PathLen1/V1"})
        r = self.post(ISSUERS, obj)
        self.assertEqual(r.status_code, 201, r.text)
        got = CLUSTER.api_ok("GET", ISSUERS + "/full")
        self.assertEqual(got["spec"], obj["spec"])

    def test_cluster_issuer_stored_whole(self):
        obj = cluster_issuer(
            "full",
            secretRef={
                "name": "aws-creds", "namespace": TEAM,
                "accessKeyIDSelector": {"key": "AWS_ACCESS_KEY_ID"},
                "secretAccessKeySelector": {"key": "AWS_SECRET_ACCESS_KEY"},
                "sessionTokenSelector": {"key": "AWS_SESSION_TOKEN"},
            })
        r = self.post(CLUSTER_ISSUERS, obj)
        self.assertEqual(r.status_code, 201, r.text)
        got = CLUSTER.api_ok("GET", CLUSTER_ISSUERS + "/full")
        self.assertEqual(got["spec"], obj["spec"])
        self.assertNotIn("namespace", got["metadata"])

    def test_go_issuer_objects_still_accepted(self):
        # What the Go project's examples hold, selector name/optional included.
        obj = issuer("go-style", secretRef={
            "name": "example", "namespace": TEAM,
            "accessKeyIDSelector": {"key": "k", "name": "x", "optional": True},
        })
        r = self.post(ISSUERS, obj)
        self.assertEqual(r.status_code, 201, r.text)
        minimal = cluster_issuer("minimal")
        del minimal["spec"]["region"]
        r = self.post(CLUSTER_ISSUERS, minimal)
        self.assertEqual(r.status_code, 201, r.text)

    def test_every_partition_accepted(self):
        for i, arn in enumerate([
                "arn:aws-cn:acm-pca:cn-north-1:123456789012:"
                "certificate-authority/0123abcd-0000-4000-8000-00000000abcd",
                "arn:aws-us-gov:acm-pca:us-gov-west-1:123456789012:"
                "certificate-authority/0123ABCD-0000-4000-8000-00000000ABCD",
                "arn:aws-iso-b:acm-pca:us-isob-east-1:123456789012:"
                "certificate-authority/deadbeef"]):
            r = self.post(ISSUERS, issuer("partition-%d" % i, arn))
            self.assertEqual(r.status_code, 201, arn + ": " + r.text)

    def test_odd_arns_and_templates_are_stored(self):
        # The Go CRDs take any string for spec.arn and the template name, and
        # GitOps tools sync objects written for them: ours store them as they
        # are, and the issuer controller reports what is wrong with them
        # (Ready=False, reason Validation; see test_e2e_dropin).
        odd = [
            # (Not "": the test cluster's kube-apiserver, built from Debian's
            # source package, reads "" in any custom resource's string field as
            # null and refuses it, whatever the CRD says.)
            "<some-pca-arn>",
            "arn:aws:acm-pca:us-east-1:account:certificate-authority/"
            "12345678-1234-1234-1234-123456789012",
            "arn:aws:acm:us-east-1:123456789012:certificate/"
            "12345678-1234-1234-1234-123456789012",
            " " + ARN,
            "x" * 3000,
        ]
        for i, arn in enumerate(odd):
            for path, obj in ((ISSUERS, issuer("odd-%d" % i, arn)),
                              (CLUSTER_ISSUERS, cluster_issuer("odd-%d" % i, arn))):
                r = self.post(path, obj)
                self.assertEqual(r.status_code, 201, "%r: %s" % (arn, r.text))
                self.assertEqual(r.json()["spec"]["arn"], arn)
        r = self.post(ISSUERS, issuer("no-version", pcaTemplate={
            "defaultTemplateName": "EndEntityCertificate"}))
        self.assertEqual(r.status_code, 201, r.text)
        self.assertEqual(r.json()["spec"]["pcaTemplate"],
                         {"defaultTemplateName": "EndEntityCertificate"})

    def test_selector_without_key_rejected(self):
        # The Go CRDs require key in each selector; so do ours, and in the
        # session-token selector they do not have.
        for field in ("accessKeyIDSelector", "secretAccessKeySelector",
                      "sessionTokenSelector"):
            r = self.post(CLUSTER_ISSUERS, cluster_issuer("no-key-" + field.lower(),
                                                          secretRef={"name": "s", "namespace": TEAM,
                                                                     field: {}}))
            self.assertEqual(r.status_code, 422, r.text)
            self.assertIn("spec.secretRef.%s.key" % field, r.text)

    def test_status_conditions(self):
        path = ISSUERS + "/status-check"
        obj = CLUSTER.api_ok("POST", ISSUERS, json=issuer("status-check"))
        ready = {"type": "Ready", "status": "True", "reason": "Verified",
                 "message": "signing with " + ARN,
                 "lastTransitionTime": "2024-01-01T00:00:00Z",
                 "observedGeneration": obj["metadata"]["generation"]}
        obj["status"] = {"conditions": [ready]}
        got = CLUSTER.api_ok("PUT", path + "/status", json=obj)
        self.assertEqual(got["status"]["conditions"], [ready])
        # A condition's status is one of three words.
        maybe = copy.deepcopy(got)
        maybe["status"]["conditions"][0]["status"] = "Maybe"
        r = CLUSTER.api("PUT", path + "/status", json=maybe)
        self.assertEqual(r.status_code, 422, r.text)
        # The status subresource is on: a write of the object keeps status.
        got["status"] = {"conditions": []}
        got["spec"]["region"] = "eu-west-1"
        upd = CLUSTER.api_ok("PUT", path, json=got)
        self.assertEqual(upd["status"]["conditions"], [ready])
        self.assertEqual(upd["spec"]["region"], "eu-west-1")

    def check_columns(self, kind, path, name, namespace_args):
        obj = CLUSTER.api_ok("GET", path + "/" + name)
        obj["status"] = {"conditions": [{
            "type": "Ready", "status": "False", "reason": "CANotFound",
            "message": "DescribeCertificateAuthority: no such CA",
            "lastTransitionTime": "2024-01-01T00:00:00Z"}, {
            "type": "Renewing", "status": "True", "reason": "Renewing",
            "message": "12 of 40 renewed, 0 failed; 4 being renewed now",
            "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
        CLUSTER.api_ok("PUT", path + "/" + name + "/status", json=obj)
        out = CLUSTER.kubectl("get", kind, name, *namespace_args).stdout
        header, row = out.splitlines()[:2]
        self.assertEqual(header.split(),
                         ["NAME", "READY", "REASON", "CA", "ARN", "RENEWING", "AGE"], out)
        self.assertEqual(row.split()[:4], [name, "False", "CANotFound", ARN],
                         out)
        self.assertIn("12 of 40 renewed, 0 failed; 4 being renewed now", row)
        wide = CLUSTER.kubectl("get", kind, name, "-o", "wide",
                               *namespace_args).stdout
        self.assertIn("MESSAGE", wide.splitlines()[0])
        self.assertIn("DescribeCertificateAuthority: no such CA", wide)

    def test_printer_columns(self):
        CLUSTER.api_ok("POST", ISSUERS, json=issuer("columns"))
        CLUSTER.api_ok("POST", CLUSTER_ISSUERS, json=cluster_issuer("columns"))
        self.check_columns("awspcaissuers", ISSUERS, "columns", ["-n", TEAM])
        self.check_columns("awspcaclusterissuers", CLUSTER_ISSUERS, "columns",
                           [])


class RBACTest(ManifestTest):

    @classmethod
    def setUpClass(cls):
        CLUSTER.kubectl("apply", "-f", RBAC)
        # One grant from each binding must be visible before any "no" means
        # anything.
        wait_until("ClusterRoleBinding", lambda: can_i(
            ISSUER_SA, "get", "secrets", "-n", TEAM))
        wait_until("RoleBinding", lambda: can_i(
            ISSUER_SA, "create", "leases.coordination.k8s.io",
            "-n", ISSUER_NS))
        wait_until("approver binding", lambda: may_approve(
            CERT_MANAGER_SA, "awspcaissuers.awspca.cert-manager.io/*"))

    def assert_can(self, user, *args):
        self.assertTrue(can_i(user, *args), "cannot " + " ".join(args))

    def assert_cannot(self, user, *args):
        self.assertFalse(can_i(user, *args), "can " + " ".join(args))

    def test_secrets_get_only(self):
        for ns in (TEAM, "kube-system"):
            self.assert_can(ISSUER_SA, "get", "secrets", "-n", ns)
            self.assert_can(ISSUER_SA, "get", "secrets/aws-creds", "-n", ns)
            for verb in ("list", "watch", "create", "update", "patch",
                         "delete"):
                self.assert_cannot(ISSUER_SA, verb, "secrets", "-n", ns)
        self.assert_cannot(ISSUER_SA, "list", "secrets", "--all-namespaces")
        self.assert_cannot(ISSUER_SA, "watch", "secrets", "--all-namespaces")

    def test_certificate_requests(self):
        cr = "certificaterequests.cert-manager.io"
        for verb in ("get", "list", "watch", "patch"):
            self.assert_can(ISSUER_SA, verb, cr, "-n", TEAM)
        self.assert_can(ISSUER_SA, "list", cr, "--all-namespaces")
        for verb in ("patch", "update"):
            self.assert_can(ISSUER_SA, verb, cr, "--subresource=status",
                            "-n", TEAM)
        for verb in ("delete", "create", "update", "deletecollection"):
            self.assert_cannot(ISSUER_SA, verb, cr, "-n", TEAM)

    def test_certificates_read_and_renew_only(self):
        cert = "certificates.cert-manager.io"
        for verb in ("get", "list", "watch"):
            self.assert_can(ISSUER_SA, verb, cert, "-n", TEAM)
        self.assert_can(ISSUER_SA, "watch", cert, "--all-namespaces")
        for verb in ("create", "update", "patch", "delete"):
            self.assert_cannot(ISSUER_SA, verb, cert, "-n", TEAM)
        # Asking for a renewal as cmctl does: an update of the status.
        self.assert_can(ISSUER_SA, "update", cert, "--subresource=status", "-n", TEAM)
        self.assert_cannot(ISSUER_SA, "patch", cert, "--subresource=status", "-n", TEAM)

    def test_issuers(self):
        for res, ns in (("awspcaissuers." + GROUP, ["-n", TEAM]),
                        ("awspcaclusterissuers." + GROUP, [])):
            for verb in ("get", "list", "watch"):
                self.assert_can(ISSUER_SA, verb, res, *ns)
            for verb in ("patch", "update"):
                self.assert_can(ISSUER_SA, verb, res, "--subresource=status",
                                *ns)
            # patch: the annotations of --renew-on-ca-change only.
            self.assert_can(ISSUER_SA, "patch", res, *ns)
            for verb in ("create", "update", "delete"):
                self.assert_cannot(ISSUER_SA, verb, res, *ns)

    def test_events_and_leases(self):
        for res in ("events", "events.events.k8s.io"):
            for verb in ("create", "patch"):
                self.assert_can(ISSUER_SA, verb, res, "-n", TEAM)
            self.assert_cannot(ISSUER_SA, "delete", res, "-n", TEAM)
        lease = "leases.coordination.k8s.io"
        self.assert_can(ISSUER_SA, "create", lease, "-n", ISSUER_NS)
        for verb in ("get", "update"):
            self.assert_can(ISSUER_SA, verb,
                            lease + "/b858308c.awspca.cert-manager.io",
                            "-n", ISSUER_NS)
            self.assert_cannot(ISSUER_SA, verb, lease + "/someone-else",
                               "-n", ISSUER_NS)
        self.assert_cannot(ISSUER_SA, "delete",
                           lease + "/b858308c.awspca.cert-manager.io",
                           "-n", ISSUER_NS)
        self.assert_cannot(ISSUER_SA, "create", lease, "-n", TEAM)
        self.assert_cannot(ISSUER_SA, "get", "configmaps", "-n", ISSUER_NS)

    def test_cert_manager_may_approve(self):
        for signer in ("awspcaissuers.awspca.cert-manager.io/*",
                       "awspcaclusterissuers.awspca.cert-manager.io/*"):
            self.assertTrue(may_approve(CERT_MANAGER_SA, signer), signer)
            self.assertFalse(may_approve(ISSUER_SA, signer), signer)
            self.assertFalse(may_approve(
                "system:serviceaccount:%s:default" % TEAM, signer), signer)
        # Only these issuers: cert-manager's own stay with their approver.
        self.assertFalse(may_approve(CERT_MANAGER_SA,
                                     "issuers.cert-manager.io/*"))


class DeploymentTest(ManifestTest):

    @classmethod
    def setUpClass(cls):
        cls.docs = {(d["kind"], d["metadata"]["name"]): d
                    for d in load(DEPLOYMENT) + load(RBAC)}
        cls.deploy = cls.docs[("Deployment", "aws-privateca-issuer")]
        cls.pod = cls.deploy["spec"]["template"]["spec"]
        [cls.container] = cls.pod["containers"]

    def test_accepted_by_server(self):
        CLUSTER.kubectl("apply", "-f", RBAC)
        proc = CLUSTER.kubectl("apply", "--dry-run=server", "-f", DEPLOYMENT,
                               check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        for kind in ("serviceaccount", "deployment.apps", "service"):
            self.assertIn("%s/aws-privateca-issuer created (server dry run)"
                          % kind, proc.stdout)

    def test_service_account_is_the_bound_one(self):
        sa = self.pod["serviceAccountName"]
        ns = self.deploy["metadata"]["namespace"]
        self.assertIn(("ServiceAccount", sa), self.docs)
        for key in (("ClusterRoleBinding", "aws-privateca-issuer"),
                    ("RoleBinding", "aws-privateca-issuer:leader-election")):
            self.assertEqual(self.docs[key]["subjects"],
                             [{"kind": "ServiceAccount", "name": sa,
                               "namespace": ns}])
        role = self.docs[("Role", "aws-privateca-issuer:leader-election")]
        self.assertEqual(role["metadata"]["namespace"], ns)
        # The token is mounted by the pod spec, not by default.
        self.assertIs(self.pod["automountServiceAccountToken"], False)
        mounts = {m["mountPath"]: m["name"]
                  for m in self.container["volumeMounts"]}
        vol = mounts["/var/run/secrets/kubernetes.io/serviceaccount"]
        [volume] = [v for v in self.pod["volumes"] if v["name"] == vol]
        sources = volume["projected"]["sources"]
        self.assertEqual(sources[0]["serviceAccountToken"]["path"], "token")

    def test_args_agree_with_pca_issuer(self):
        binary = os.environ.get("PCA_ISSUER_BIN")
        if not binary:
            self.skipTest("PCA_ISSUER_BIN is not set (run through ctest)")
        proc = subprocess.run([binary] + self.container["args"] +
                              ["--print-config"], capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        cfg = yaml.safe_load(proc.stdout)
        self.assertIs(cfg["leaderElect"], True)
        role = self.docs[("Role", "aws-privateca-issuer:leader-election")]
        named = [r for r in role["rules"] if r.get("resourceNames")]
        self.assertEqual(named[0]["resourceNames"],
                         [cfg["leaderElection"]["id"]])
        ports = {p["name"]: p["containerPort"]
                 for p in self.container["ports"]}
        health = int(cfg["healthProbeBindAddress"].rsplit(":", 1)[1])
        metrics = int(cfg["metricsBindAddress"].rsplit(":", 1)[1])
        for probe, path in (("livenessProbe", "/healthz"),
                            ("readinessProbe", "/readyz")):
            get = self.container[probe]["httpGet"]
            self.assertEqual((ports[get["port"]], get["path"]), (health, path))
        self.assertEqual(ports["http"], metrics)
        grace = self.pod["terminationGracePeriodSeconds"]
        self.assertLess(int(cfg["shutdownTimeout"].rstrip("s")), grace)

    def test_resources_and_security(self):
        res = self.container["resources"]
        # The figures bench_memory.py measured, with room (see deployment.yaml).
        self.assertEqual(res["requests"], {"cpu": "50m", "memory": "32Mi"})
        self.assertEqual(res["limits"], {"memory": "128Mi"})
        sc = self.container["securityContext"]
        self.assertIs(sc["readOnlyRootFilesystem"], True)
        self.assertIs(sc["allowPrivilegeEscalation"], False)
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertIs(self.pod["securityContext"]["runAsNonRoot"], True)

    def test_service_and_monitor_select_the_pods(self):
        labels = self.deploy["spec"]["template"]["metadata"]["labels"]
        svc = self.docs[("Service", "aws-privateca-issuer")]
        self.assertLessEqual(svc["spec"]["selector"].items(), labels.items())
        self.assertEqual(svc["spec"]["ports"][0]["targetPort"], "http")
        [mon] = load(SERVICEMONITOR)
        self.assertEqual(mon["metadata"]["namespace"],
                         svc["metadata"]["namespace"])
        self.assertLessEqual(mon["spec"]["selector"]["matchLabels"].items(),
                             svc["metadata"]["labels"].items())
        self.assertEqual([e["port"] for e in mon["spec"]["endpoints"]],
                         [p["name"] for p in svc["spec"]["ports"]])


if __name__ == "__main__":
    unittest.main()

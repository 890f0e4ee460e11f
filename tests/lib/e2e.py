"""The whole stack for end-to-end tests, the demo and the benchmarks.

A real kube-apiserver and etcd (cluster.py) with cert-manager's CRDs and the
project's own CRDs and RBAC, a Private CA test server (pcaserver.py) or moto,
and pca-issuer itself running as the project's ServiceAccount, so a missing
permission in container/manifests/rbac.yaml fails a test.

CertificateRequests are created and approved the way cert-manager does it:
the request with a PEM CSR, then an Approved condition applied to /status by
cert-manager's own field manager.
"""

import base64
import json
import os
import sys
import time
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.dirname(__file__))
import cluster as clusterlib  # noqa: E402
import issuerproc  # noqa: E402

SOURCE_DIR = os.environ.get(
    "PCA_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
MANIFESTS = os.path.join(SOURCE_DIR, "container", "manifests")
ISSUER_NS = "aws-privateca-issuer"
ISSUER_SA = "aws-privateca-issuer"
CR_PATH = "/apis/cert-manager.io/v1/namespaces/%s/certificaterequests"
AWSPCA = "awspca.cert-manager.io"
APPLY = {"Content-Type": "application/apply-patch+yaml"}


def make_key(kind="rsa", bits=2048):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return ec.generate_private_key(ec.SECP256R1())


def make_csr(key, cn="example.test", dns=("example.test",), is_ca=False, usages=None):
    """A PEM CSR whose requested extensions agree with is_ca and usages."""
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    if dns:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), False)
    if is_ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


class Stack:
    """cluster + Private CA server + pca-issuer, torn down by stop()."""

    def __init__(self, pca_server=None, issuer_args=(), issuer_env=None):
        self.cluster = clusterlib.Cluster()
        self.pca = pca_server
        self.issuer_args = list(issuer_args)
        self.issuer_env = dict(issuer_env or {})
        self.issuer = None
        self.token = None

    def start(self):
        self.cluster.start()
        self.cluster.install_crds()
        self.cluster.install_manifests([os.path.join(MANIFESTS, "crds.yaml")])
        for name in ("awspcaissuers", "awspcaclusterissuers"):
            self.cluster.wait_crd_established("%s.%s" % (name, AWSPCA))
        self.cluster.install_manifests([os.path.join(MANIFESTS, "rbac.yaml")])
        self.token = self.cluster.service_account_token(ISSUER_NS, ISSUER_SA,
                                                        expiration_seconds=86400)
        self.kubeconfig = self.cluster.kubeconfig_for_token(self.token)
        return self

    def start_issuer(self, extra_args=(), env=None):
        full_env = {"KUBECONFIG": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                    "AWS_EC2_METADATA_DISABLED": "true", "POD_NAMESPACE": ISSUER_NS}
        if self.pca is not None:
            full_env["AWS_ENDPOINT_URL_ACM_PCA"] = self.pca.url
        full_env.update(self.issuer_env)
        full_env.update(env or {})
        args = ["--kubeconfig", self.kubeconfig,
                "--metrics-bind-address=127.0.0.1:0",
                "--health-probe-bind-address=127.0.0.1:0",
                "--log-level=info"] + self.issuer_args + list(extra_args)
        self.issuer = issuerproc.IssuerProcess(args, env=full_env)
        self.metrics_port, self.probe_port = self.issuer.ports()
        return self.issuer

    def stop(self):
        if self.issuer is not None:
            self.issuer.stop()
        self.cluster.stop()

    # -- objects ---------------------------------------------------------

    def api(self, *a, **kw):
        return self.cluster.api(*a, **kw)

    def api_ok(self, *a, **kw):
        return self.cluster.api_ok(*a, **kw)

    def ensure_namespace(self, ns):
        self.cluster.create_namespace(ns)

    def create_secret(self, ns, name, data):
        self.ensure_namespace(ns)
        body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}
        r = self.api("POST", "/api/v1/namespaces/%s/secrets" % ns, json=body)
        if r.status_code == 409:
            r = self.api("PUT", "/api/v1/namespaces/%s/secrets/%s" % (ns, name), json=body)
        assert r.status_code in (200, 201), r.text

    def create_issuer(self, name, arn, ns=None, secret=None, role=None, region=None,
                      template=None, selectors=None):
        """An AWSPCAIssuer in ns, or an AWSPCAClusterIssuer when ns is None."""
        spec = {"arn": arn}
        if region:
            spec["region"] = region
        if role:
            spec["role"] = role
        if template:
            spec["pcaTemplate"] = {"defaultTemplateName": template}
        if secret:
            ref = {"name": secret[1]}
            if ns is None:
                ref["namespace"] = secret[0]
            for field, key in (selectors or {}).items():
                ref[field] = {"key": key}
            spec["secretRef"] = ref
        kind = "AWSPCAIssuer" if ns else "AWSPCAClusterIssuer"
        plural = kind.lower() + "s"
        body = {"apiVersion": AWSPCA + "/v1beta1", "kind": kind,
                "metadata": {"name": name}, "spec": spec}
        if ns:
            self.ensure_namespace(ns)
            path = "/apis/%s/v1beta1/namespaces/%s/%s" % (AWSPCA, ns, plural)
        else:
            path = "/apis/%s/v1beta1/%s" % (AWSPCA, plural)
        self.api_ok("POST", path, json=body)
        return kind

    def issuer_path(self, kind, name, ns=None):
        plural = kind.lower() + "s"
        if kind == "AWSPCAIssuer":
            return "/apis/%s/v1beta1/namespaces/%s/%s/%s" % (AWSPCA, ns, plural, name)
        return "/apis/%s/v1beta1/%s/%s" % (AWSPCA, plural, name)

    def issuer_ready(self, kind, name, ns=None):
        obj = self.api_ok("GET", self.issuer_path(kind, name, ns))
        for c in obj.get("status", {}).get("conditions", []):
            if c["type"] == "Ready":
                return c
        return None

    def wait_issuer(self, kind, name, ns=None, status="True", timeout=60):
        return self.wait(lambda: (lambda c: c if c and c["status"] == status else None)(
            self.issuer_ready(kind, name, ns)), timeout,
            "%s %s Ready=%s" % (kind, name, status))

    def create_cr(self, ns, name, csr_pem, issuer_kind, issuer_name, is_ca=False,
                  usages=None, duration=None, annotations=None, group=AWSPCA):
        self.ensure_namespace(ns)
        spec = {"request": base64.b64encode(csr_pem).decode(),
                "issuerRef": {"group": group, "name": issuer_name}}
        if issuer_kind:
            spec["issuerRef"]["kind"] = issuer_kind
        if is_ca:
            spec["isCA"] = True
        if usages is not None:
            spec["usages"] = list(usages)
        if duration:
            spec["duration"] = duration
        meta = {"name": name}
        if annotations:
            meta["annotations"] = annotations
        return self.api_ok("POST", CR_PATH % ns, json={
            "apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
            "metadata": meta, "spec": spec})

    def set_cr_condition(self, ns, name, ctype, status="True", reason=None, message=""):
        """Applies a condition as cert-manager's approver would."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        body = {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
                "metadata": {"name": name, "namespace": ns},
                "status": {"conditions": [{
                    "type": ctype, "status": status, "reason": reason or "cert-manager.io",
                    "message": message or "Certificate request has been %s by cert-manager.io"
                    % ctype.lower(), "lastTransitionTime": now}]}}
        r = self.api("PATCH", CR_PATH % ns + "/" + name + "/status",
                     data=json.dumps(body), headers=APPLY,
                     params={"fieldManager": "cert-manager-certificaterequests-approver",
                             "force": "true"})
        assert r.status_code == 200, r.text

    def approve(self, ns, name):
        self.set_cr_condition(ns, name, "Approved")

    def deny(self, ns, name):
        self.set_cr_condition(ns, name, "Denied")

    def get_cr(self, ns, name):
        return self.api_ok("GET", CR_PATH % ns + "/" + name)

    @staticmethod
    def condition(obj, ctype):
        for c in obj.get("status", {}).get("conditions", []):
            if c["type"] == ctype:
                return c
        return None

    def wait_cr(self, ns, name, pred, timeout=60, what="condition"):
        return self.wait(lambda: (lambda o: o if pred(o) else None)(self.get_cr(ns, name)),
                         timeout, "%s/%s %s" % (ns, name, what))

    def wait_cr_reason(self, ns, name, reason, status=None, timeout=60):
        def pred(o):
            c = self.condition(o, "Ready")
            return c is not None and c.get("reason") == reason and (
                status is None or c["status"] == status)
        return self.wait_cr(ns, name, pred, timeout, "Ready reason %s" % reason)

    def list_crs(self, ns):
        return self.api_ok("GET", CR_PATH % ns)["items"]

    @staticmethod
    def wait(fn, timeout, what):
        """Polls fn until it returns something true or timeout passes."""
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            v = fn()
            if v:
                return v
            if time.monotonic() > deadline:
                raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    def metrics(self):
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port,
                                    timeout=10) as r:
            return r.read().decode()

    @staticmethod
    def metric_value(text, name, /, **labels):
        """Sum of the samples of name whose labels include the given ones."""
        total = 0.0
        found = False
        for line in text.splitlines():
            if line.startswith("#") or not line.startswith(name):
                continue
            head, _, value = line.rpartition(" ")
            metric, _, lab = head.partition("{")
            if metric != name:
                continue
            pairs = {}
            for part in lab.rstrip("}").split('",'):
                if "=" in part:
                    k, _, v = part.partition("=")
                    pairs[k.strip()] = v.strip().strip('"')
            if all(pairs.get(k) == v for k, v in labels.items()):
                total += float(value)
                found = True
        return total if found else None


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])

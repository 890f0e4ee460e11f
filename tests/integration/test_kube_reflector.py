"""The list+watch reflector and the request client against a real API server.

Runs kube/reflector.c and kube/client.c, through the C drivers
drv_kube_reflector and drv_kube_request, against kube-apiserver 1.20 + etcd
(tests/lib/cluster.py) and checks what a controller relies on:

- a list of 10,000 CertificateRequests in pages of 500 and the watch after
  it end with exactly the server's objects, and a continue token expired by
  etcd compaction in the middle of the list restarts the list without
  delivering any object twice;
- a watch cut by the API server being killed in the middle of a stream of
  events, and changes made while the reflector was cut off, end with
  exactly the server's final state, resumed from the last resourceVersion
  (no relist);
- a watch from a compacted resourceVersion relists, reports the objects
  deleted meanwhile and delivers only the objects that changed;
- only the owner's objects are tracked (pca_issuer_kube_objects_tracked);
  label and field selectors, cluster-wide and one namespace;
- a request RBAC forbids fails with the API server's Status message;
- server-side apply of /status by fieldManager pca-issuer leaves the
  conditions of other managers alone; PUT with a stale resourceVersion is a
  409 Conflict; merge and JSON patches;
- bookmarks move the resourceVersion forward without any event (this needs
  the watch cache, so it has a cluster of its own).

The drivers print one line per owner callback (UPSERT/DELETE/SYNCED); the
tests rebuild the owner's view from those lines and compare it with a LIST.
"""

import base64
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cluster import Cluster, FailureTracking

BUILD_DIR = os.environ.get("PCA_BUILD_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "build")
DRIVERS = os.path.join(BUILD_DIR, "drivers")
CR_API = "/apis/cert-manager.io/v1"

CLUSTER = None


def setUpModule():
    global CLUSTER
    t = time.monotonic()
    CLUSTER = Cluster().start()
    CLUSTER.install_crds()
    log("cluster up in %.1fs" % (time.monotonic() - t))


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop(failed=FailureTracking.failed)


def log(msg):
    print("  " + msg, file=sys.stderr, flush=True)


def make_csr_b64():
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(
               NameOID.COMMON_NAME, "reflector.example.com")]))
           .sign(key, hashes.SHA256()))
    return base64.b64encode(csr.public_bytes(serialization.Encoding.PEM)).decode()


CSR_B64 = make_csr_b64()


def cr_path(ns, name=None, sub=None):
    p = "%s/namespaces/%s/certificaterequests" % (CR_API, ns)
    if name:
        p += "/" + name
    if sub:
        p += "/" + sub
    return p


def cr_body(name, issuer="pca", labels=None):
    md = {"name": name}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
            "metadata": md,
            "spec": {"request": CSR_B64,
                     "issuerRef": {"group": "awspca.cert-manager.io",
                                   "kind": "AWSPCAIssuer", "name": issuer}}}


def server_state(cluster, ns=None, selector=None):
    """{"ns/name": resourceVersion} of every CertificateRequest, by LIST."""
    path = cr_path(ns) if ns else CR_API + "/certificaterequests"
    state, cont = {}, None
    while True:
        params = {"limit": "1000"}
        if cont:
            params["continue"] = cont
        if selector:
            params["labelSelector"] = selector
        page = cluster.api_ok("GET", path, params=params, expect=(200,))
        for it in page["items"]:
            md = it["metadata"]
            state["%s/%s" % (md["namespace"], md["name"])] = md["resourceVersion"]
        cont = page["metadata"].get("continue")
        if not cont:
            return state


def auth_args(cluster, token=None, kubeconfig=None):
    if kubeconfig is not None:
        return ["--kubeconfig", kubeconfig]
    args = ["--server", cluster.server, "--ca", cluster.ca_path]
    if token is not None:
        return args + ["--token", token]
    return args + ["--cert", cluster.admin_cert_path,
                   "--key", cluster.admin_key_path]


def request(cluster, method, path, body=None, token=None, field_manager=None,
            force=False, kubeconfig=None):
    """One request through kube/client.c; returns what its callback got."""
    argv = [os.path.join(DRIVERS, "drv_kube_request")] + \
        auth_args(cluster, token, kubeconfig) + ["--method", method,
                                                 "--path", path]
    if body is not None:
        argv += ["--body", body if isinstance(body, str) else json.dumps(body)]
    if field_manager:
        argv += ["--field-manager", field_manager]
    if force:
        argv.append("--force")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise AssertionError("drv_kube_request failed: %s" % proc.stderr)
    return json.loads(proc.stdout)


def bulk_create(cluster, ns, count, prefix="cr", issuer="pca", concurrency=32):
    """Creates prefix-00000.. through kube/client.c; returns the seconds taken."""
    cluster.create_namespace(ns)
    body = cr_body(prefix + "-{{N}}", issuer)
    argv = [os.path.join(DRIVERS, "drv_kube_request")] + auth_args(cluster) + [
        "--method", "POST", "--path", cr_path(ns), "--body", json.dumps(body),
        "--count", str(count), "--concurrency", str(concurrency)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=1200)
    summary = json.loads(proc.stdout)
    if summary["ok"] != count:
        raise AssertionError("bulk create: %s" % summary)
    return summary["seconds"]


class Driver:
    """drv_kube_reflector, and the owner's view rebuilt from its output."""

    def __init__(self, cluster, *args, token=None, kubeconfig=None):
        self.log = tempfile.NamedTemporaryFile(prefix="drv_kube_reflector-",
                                               suffix=".log", delete=False)
        argv = [os.path.join(DRIVERS, "drv_kube_reflector")] + \
            auth_args(cluster, token, kubeconfig) + list(args)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, bufsize=1)
        self.lines = queue.Queue()
        self.state = {}
        self.syncs = []
        self.upserts = []
        self.deletes = []
        self.rv = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _apply(self, line):
        if line is None:
            raise AssertionError("drv_kube_reflector exited (%s); log:\n%s" %
                                 (self.proc.poll(), self.log_text()[-3000:]))
        word = line.split(" ")
        if word[0] == "UPSERT":
            self.state[word[1]] = word[2]
            self.upserts.append((word[1], word[2]))
        elif word[0] == "DELETE":
            self.state.pop(word[1], None)
            self.deletes.append(word[1])
        elif word[0] == "SYNCED":
            self.syncs.append((int(word[1]), word[2]))
        elif word[0] == "RV":
            self.rv = word[1]
        return word

    def wait(self, pred, timeout, what):
        """Applies output lines until pred() holds; fails after timeout s."""
        deadline = time.monotonic() + timeout
        while not pred():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out after %.0fs waiting for %s" %
                                     (timeout, what))
            try:
                self._apply(self.lines.get(timeout=left))
            except queue.Empty:
                pass

    def wait_synced(self, n=1, timeout=120):
        self.wait(lambda: len(self.syncs) >= n, timeout, "SYNCED #%d" % n)

    def converge(self, cluster, ns=None, timeout=90, selector=None):
        """Waits until the owner's view equals the server's; returns it."""
        want = server_state(cluster, ns, selector)
        self.wait(lambda: self.state == want, timeout,
                  "the server's %d objects (driver has %d)" %
                  (len(want), len(self.state)))
        return want

    def wait_reply(self, cmd, last):
        """Sends cmd; returns its reply lines, up to one starting with last.
        Event lines arriving meanwhile are applied as usual."""
        out = []
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + 30
        while not (out and out[-1].startswith(last)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no reply to %s" % cmd)
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if self._apply(line)[0] not in ("UPSERT", "DELETE", "SYNCED", "RV"):
                out.append(line)
        return out

    def stats(self):
        line = self.wait_reply("stats", "STATS")[-1]
        return dict(kv.split("=", 1) for kv in line.split(" ")[1:])

    def metrics(self):
        """{'name{labels}': value} of the driver's registry."""
        out = {}
        for line in self.wait_reply("metrics", "END")[:-1]:
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                out[key] = float(value)
        return out

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        """Asks the driver to quit; fails unless it exits cleanly (under
        AddressSanitizer that includes no leaks)."""
        status = self.proc.poll()
        if status is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                status = self.proc.wait(30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.reader.join(5)
        text = self.log_text()
        os.unlink(self.log.name)
        if status != 0:
            raise AssertionError("drv_kube_reflector exited with %s:\n%s" %
                                 (status, text[-3000:]))


def metric(m, name, **labels):
    key = name + "{" + ",".join('%s="%s"' % kv for kv in labels.items()) + "}"
    return m.get(key, 0)


def metric_sum(m, name, **labels):
    total = 0
    for key, value in m.items():
        if key.startswith(name + "{") and all(
                '%s="%s"' % kv in key for kv in labels.items()):
            total += value
    return total


class ReflectorTest(FailureTracking, unittest.TestCase):


    def setUp(self):
        self.t0 = time.monotonic()
        self.drivers = []

    def tearDown(self):
        errors = []
        for d in self.drivers:
            try:
                d.stop()
            except AssertionError as e:
                errors.append(e)
        log("%s: %.1fs" % (self.id().rsplit(".", 1)[-1],
                           time.monotonic() - self.t0))
        if errors:
            raise errors[0]

    def driver(self, *args, token=None, kubeconfig=None):
        d = Driver(CLUSTER, *args, token=token, kubeconfig=kubeconfig)
        self.drivers.append(d)
        return d

    def api(self, method, path, body=None, **kw):
        return CLUSTER.api_ok(method, path, json=body, **kw)

    def relabel(self, ns, name, value):
        return CLUSTER.api_ok(
            "PATCH", cr_path(ns, name), data=json.dumps(
                {"metadata": {"labels": {"step": value}}}),
            headers={"Content-Type": "application/merge-patch+json"},
            expect=(200,))

    def assertNoRedelivery(self, d):
        seen = set()
        for pair in d.upserts:
            self.assertNotIn(pair, seen, "object delivered twice unchanged")
            seen.add(pair)

    def test_list_and_watch_10000_in_pages(self):
        ns = "big"
        secs = bulk_create(CLUSTER, ns, 10000)
        log("created 10,000 CertificateRequests in %.1fs (%.0f/s)" %
            (secs, 10000 / secs))
        # 5 QPS (burst 10) makes the 21 pages take a few seconds, so the
        # list is surely still going when etcd is compacted below.
        t = time.monotonic()
        d = self.driver("--namespace", ns, "--page-size", "500",
                        "--qps", "5")
        d.wait(lambda: d.upserts, 60, "the first page")
        d.signal(signal.SIGSTOP)
        for i in range(3):
            self.api("POST", cr_path(ns), cr_body("late-%d" % i))
        self.api("DELETE", cr_path(ns, "cr-00007"))
        self.api("DELETE", cr_path(ns, "cr-09999"))
        self.relabel(ns, "cr-00008", "1")
        CLUSTER.etcd_compact()
        d.signal(signal.SIGCONT)
        d.wait_synced()
        log("listed 10,000 in %.1fs" % (time.monotonic() - t))
        self.assertEqual(d.syncs[0][0], 10001)
        want = server_state(CLUSTER, ns)
        self.assertEqual(d.state, want)
        self.assertNoRedelivery(d)
        m = d.metrics()
        self.assertEqual(metric(m, "pca_issuer_kube_relists_total",
                                resource="certificaterequests",
                                reason="continue_expired"), 1)
        self.assertEqual(metric(m, "pca_issuer_kube_requests_total",
                                verb="LIST", resource="certificaterequests",
                                code="410"), 1)
        # 10,001 objects at 500 a page is 21 pages, plus the pages read
        # before the token expired.
        self.assertGreaterEqual(metric(
            m, "pca_issuer_kube_requests_total", verb="LIST",
            resource="certificaterequests", code="200"), 22)
        self.assertEqual(metric(m, "pca_issuer_kube_objects_tracked",
                                resource="certificaterequests"), 10001)

        # Then the watch: creations, changes and deletions as they happen.
        for i in range(50):
            self.api("POST", cr_path(ns), cr_body("watched-%02d" % i))
        for i in range(20):
            self.relabel(ns, "cr-%05d" % (100 + i), "2")
        for i in range(30):
            self.api("DELETE", cr_path(ns, "cr-%05d" % (200 + i)))
        d.converge(CLUSTER, ns)
        self.assertEqual(len(d.state), 10001 + 50 - 30)
        self.assertIn("big/cr-00203", d.deletes)
        self.assertNoRedelivery(d)

    def test_list_page_over_the_body_cap_asks_for_fewer(self):
        """40 requests of 20 KB each make a 500-object page of 800 KB; with
        a 256 KiB cap on answers the reflector halves its page size until
        the pages fit, and delivers everything once."""
        ns = "fat"
        CLUSTER.create_namespace(ns)
        for i in range(40):
            body = cr_body("fat-%02d" % i)
            body["metadata"]["annotations"] = {"padding": "p" * 20000}
            self.api("POST", cr_path(ns), body)
        d = self.driver("--namespace", ns, "--page-size", "500",
                        "--max-body", str(256 * 1024))
        d.wait_synced()
        self.assertEqual(d.syncs[0][0], 40)
        self.assertEqual(d.state, server_state(CLUSTER, ns))
        self.assertNoRedelivery(d)
        m = d.metrics()
        # 500 -> 250 -> 125 -> 62 -> 31 -> 15 (300 KB) -> 7: the 7-object
        # pages fit, so 6 pages of them after 6 refusals.
        self.assertEqual(metric(m, "pca_issuer_kube_requests_total", verb="LIST",
                                resource="certificaterequests", code="200"), 6 + 6)

    def test_watch_survives_apiserver_restart(self):
        ns = "restart"
        bulk_create(CLUSTER, ns, 200)
        d = self.driver("--namespace", ns)
        d.wait_synced()

        # Killed in the middle of a stream of events.
        stop = threading.Event()
        s = requests.Session()
        s.trust_env = False
        s.verify = CLUSTER.ca_path
        s.cert = (CLUSTER.admin_cert_path, CLUSTER.admin_key_path)

        def writer():
            i = 0
            while not stop.is_set():
                try:
                    s.post(CLUSTER.server + cr_path(ns),
                           json=cr_body("stream-%04d" % i), timeout=5)
                except requests.RequestException:
                    time.sleep(0.05)
                i += 1

        th = threading.Thread(target=writer)
        th.start()
        try:
            d.wait(lambda: sum(k.startswith(ns + "/stream-")
                               for k in d.state) >= 20, 60, "streamed events")
            CLUSTER.restart_apiserver(signal.SIGKILL)
            d.wait(lambda: sum(k.startswith(ns + "/stream-")
                               for k in d.state) >= 40, 120,
                   "events after the restart")
        finally:
            stop.set()
            th.join()
            s.close()
        d.converge(CLUSTER, ns)

        # Changes made while the reflector is cut off are seen afterwards.
        d.signal(signal.SIGSTOP)
        CLUSTER.restart_apiserver()
        for i in range(10):
            self.api("DELETE", cr_path(ns, "cr-%05d" % i))
            self.api("POST", cr_path(ns), cr_body("while-away-%d" % i))
        self.relabel(ns, "cr-00050", "away")
        d.signal(signal.SIGCONT)
        want = d.converge(CLUSTER, ns)
        self.assertIn(ns + "/while-away-9", want)
        self.assertNotIn(ns + "/cr-00000", want)
        m = d.metrics()
        # Resumed from the last resourceVersion both times, never relisted.
        self.assertEqual(metric_sum(m, "pca_issuer_kube_relists_total"), 0)
        self.assertGreaterEqual(metric_sum(
            m, "pca_issuer_kube_watch_restarts_total",
            resource="certificaterequests"), 2)
        self.assertEqual(len(d.syncs), 1)
        self.assertNoRedelivery(d)

    def test_compaction_relists_and_reports_deletions(self):
        ns = "compact"
        bulk_create(CLUSTER, ns, 100)
        d = self.driver("--namespace", ns)
        d.wait_synced()
        before = len(d.upserts)
        d.signal(signal.SIGSTOP)
        CLUSTER.restart_apiserver()
        changed = set()
        for i in range(5):
            self.api("POST", cr_path(ns), cr_body("new-%d" % i))
            changed.add("%s/new-%d" % (ns, i))
            self.api("DELETE", cr_path(ns, "cr-%05d" % i))
            self.relabel(ns, "cr-%05d" % (10 + i), "x")
            changed.add("%s/cr-%05d" % (ns, 10 + i))
        CLUSTER.etcd_compact()
        d.signal(signal.SIGCONT)
        d.wait_synced(2)
        d.converge(CLUSTER, ns)
        # Only what changed was delivered again; the deleted ones were
        # reported by the relist, which saw them missing.
        self.assertEqual({k for k, _ in d.upserts[before:]}, changed)
        self.assertEqual(sorted(d.deletes),
                         ["%s/cr-%05d" % (ns, i) for i in range(5)])
        m = d.metrics()
        self.assertEqual(metric(m, "pca_issuer_kube_relists_total",
                                resource="certificaterequests",
                                reason="expired"), 1)

    def test_only_owned_objects_are_tracked(self):
        ns = "mixed"
        bulk_create(CLUSTER, ns, 30, prefix="ours", issuer="pca")
        bulk_create(CLUSTER, ns, 70, prefix="theirs", issuer="other")
        for i in range(10):
            self.api("POST", cr_path(ns), cr_body("labelled-%d" % i,
                                                  labels={"team": "a"}))
        d = self.driver("--namespace", ns, "--issuer", "pca")
        d.wait_synced()
        self.assertEqual(d.syncs[0][0], 40)
        stats = d.stats()
        self.assertEqual(int(stats["offered"]), 110)
        self.assertEqual(int(stats["tracked"]), 40)
        self.assertEqual(metric(d.metrics(), "pca_issuer_kube_objects_tracked",
                                resource="certificaterequests"), 40)
        self.api("DELETE", cr_path(ns, "theirs-00001"))
        self.api("DELETE", cr_path(ns, "ours-00001"))
        d.wait(lambda: d.deletes, 30, "the DELETE of ours-00001")
        self.assertEqual(d.deletes, [ns + "/ours-00001"])

        # Selectors: a label, a field, cluster-wide.
        la = self.driver("--namespace", ns, "--label-selector", "team=a")
        la.wait_synced()
        self.assertEqual(la.syncs[0][0], 10)
        fa = self.driver("--field-selector",
                         "metadata.namespace=%s,metadata.name=ours-00002" % ns)
        fa.wait_synced()
        self.assertEqual(set(fa.state), {ns + "/ours-00002"})
        everywhere = self.driver("--quiet")
        everywhere.wait_synced()
        self.assertEqual(everywhere.syncs[0][0],
                         len(server_state(CLUSTER)))

    def test_forbidden_request_reports_status_message(self):
        ns = "rbac-none"
        token = CLUSTER.service_account_token(ns, "nobody")
        got = request(CLUSTER, "GET", cr_path(ns),
                      kubeconfig=CLUSTER.kubeconfig_for_token(token))
        self.assertEqual(got["status"], 403)
        self.assertEqual(got["reason"], "Forbidden")
        self.assertIn('User "system:serviceaccount:rbac-none:nobody" cannot '
                      'list resource "certificaterequests" in API group '
                      '"cert-manager.io" in the namespace "rbac-none"',
                      got["message"])
        # The reflector, reading its token from a file, says why it cannot
        # sync, backs off, and syncs once RBAC allows it.
        kubeconfig = CLUSTER.kubeconfig_for_token_file(
            CLUSTER.write_token_file(token))
        d = self.driver("--namespace", ns, kubeconfig=kubeconfig)
        deadline = time.monotonic() + 30
        while "cannot list resource" not in d.log_text():
            self.assertLess(time.monotonic(), deadline, d.log_text())
            time.sleep(0.1)
        self.assertIn("status=403", d.log_text())
        self.assertEqual(d.stats()["synced"], "0")
        self.assertEqual(d.syncs, [])
        self.assertEqual(d.wait_reply("health", "END")[:-1], [
            "[-]informer-certificaterequests failed: certificaterequests "
            "not listed yet"])
        self.api("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/"
                 "roles" % ns, {
                     "apiVersion": "rbac.authorization.k8s.io/v1",
                     "kind": "Role", "metadata": {"name": "read-crs"},
                     "rules": [{"apiGroups": ["cert-manager.io"],
                                "resources": ["certificaterequests"],
                                "verbs": ["list", "watch"]}]})
        self.api("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/%s/"
                 "rolebindings" % ns, {
                     "apiVersion": "rbac.authorization.k8s.io/v1",
                     "kind": "RoleBinding", "metadata": {"name": "read-crs"},
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                 "kind": "Role", "name": "read-crs"},
                     "subjects": [{"kind": "ServiceAccount", "name": "nobody",
                                   "namespace": ns}]})
        self.api("POST", cr_path(ns), cr_body("visible"))
        d.wait_synced(timeout=90)
        d.converge(CLUSTER, ns)
        self.assertEqual(set(d.state), {ns + "/visible"})
        self.assertEqual(d.wait_reply("health", "END")[:-1],
                         ["[+]informer-certificaterequests ok"])

    def test_server_side_apply_of_status_keeps_other_conditions(self):
        ns = "ssa"
        CLUSTER.create_namespace(ns)
        self.api("POST", cr_path(ns), cr_body("apply"))
        approved = {"type": "Approved", "status": "True",
                    "reason": "cert-manager.io",
                    "message": "Certificate request has been approved",
                    "lastTransitionTime": "2024-05-01T10:00:00Z"}
        r = CLUSTER.api("PATCH", cr_path(ns, "apply", "status"),
                        params={"fieldManager": "cert-manager-approver",
                                "force": "true"},
                        data=json.dumps({
                            "apiVersion": "cert-manager.io/v1",
                            "kind": "CertificateRequest",
                            "metadata": {"name": "apply", "namespace": ns},
                            "status": {"conditions": [approved]}}),
                        headers={"Content-Type": "application/apply-patch+yaml"})
        self.assertEqual(r.status_code, 200, r.text)
        for reason, status in (("Pending", "False"), ("Issued", "True")):
            ready = {"type": "Ready", "status": status, "reason": reason,
                     "message": "from pca-issuer",
                     "lastTransitionTime": "2024-05-01T10:00:05Z"}
            got = request(CLUSTER, "APPLY", cr_path(ns, "apply", "status"),
                          body={"apiVersion": "cert-manager.io/v1",
                                "kind": "CertificateRequest",
                                "metadata": {"name": "apply", "namespace": ns},
                                "status": {"conditions": [ready]}},
                          field_manager="pca-issuer", force=True)
            self.assertEqual(got["status"], 200, got)
            obj = CLUSTER.api_ok("GET", cr_path(ns, "apply"))
            conds = {c["type"]: c for c in obj["status"]["conditions"]}
            self.assertEqual(conds["Approved"], approved)
            self.assertEqual(conds["Ready"], ready)
        managers = {f["manager"] for f in obj["metadata"]["managedFields"]}
        self.assertIn("pca-issuer", managers)
        self.assertIn("cert-manager-approver", managers)
        # An apply without a field manager is refused, with the server's reason.
        got = request(CLUSTER, "APPLY", cr_path(ns, "apply", "status"),
                      body={"apiVersion": "cert-manager.io/v1",
                            "kind": "CertificateRequest",
                            "metadata": {"name": "apply"}})
        self.assertEqual((got["status"], got["reason"]), (422, "Invalid"), got)
        self.assertIn("fieldManager: Required value", got["message"])

    def test_put_conflict_and_patches(self):
        ns = "conflict"
        CLUSTER.create_namespace(ns)
        got = request(CLUSTER, "POST", cr_path(ns), body=cr_body("c"))
        self.assertEqual(got["status"], 201)
        stale = json.loads(got["body"])
        got = request(CLUSTER, "MERGE", cr_path(ns, "c"),
                      body={"metadata": {"labels": {"a": "1"}}})
        self.assertEqual(got["status"], 200, got)
        got = request(CLUSTER, "JSONPATCH", cr_path(ns, "c"),
                      body=[{"op": "add", "path": "/metadata/annotations",
                             "value": {"aws-privateca-issuer/certificate-arn":
                                       "arn:x"}}])
        self.assertEqual(got["status"], 200, got)
        stale["metadata"]["labels"] = {"b": "2"}
        got = request(CLUSTER, "PUT", cr_path(ns, "c"), body=stale)
        self.assertEqual(got["status"], 409, got)
        self.assertEqual(got["reason"], "Conflict")
        self.assertIn("the object has been modified", got["message"])
        fresh = CLUSTER.api_ok("GET", cr_path(ns, "c"))
        self.assertEqual(fresh["metadata"]["labels"], {"a": "1"})
        self.assertEqual(fresh["metadata"]["annotations"],
                         {"aws-privateca-issuer/certificate-arn": "arn:x"})
        fresh["metadata"]["labels"] = {"b": "2"}
        got = request(CLUSTER, "PUT", cr_path(ns, "c"), body=fresh)
        self.assertEqual(got["status"], 200, got)
        got = request(CLUSTER, "DELETE", cr_path(ns, "c"))
        self.assertEqual(got["status"], 200, got)
        got = request(CLUSTER, "GET", cr_path(ns, "c"))
        self.assertEqual((got["status"], got["reason"]), (404, "NotFound"))


class BookmarkTest(FailureTracking, unittest.TestCase):
    """Bookmarks come from the API server's watch cache, which the other
    tests keep off (it would hide etcd compaction); in 1.20 a bookmark is
    sent two seconds before the watch's timeoutSeconds, so a 5 s watch gets
    one after about 3 s."""

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(watch_cache=True).start()
        cls.cluster.install_crds()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop(failed=FailureTracking.failed)

    def test_bookmark_moves_resource_version(self):
        c = self.cluster
        c.create_namespace("quiet")
        c.create_namespace("busy")
        d = Driver(c, "--namespace", "quiet", "--print-rv",
                   "--watch-timeout", "5")
        try:
            d.wait_synced()
            listed = int(d.syncs[0][1])
            made = c.api_ok("POST", cr_path("busy"), json=cr_body("elsewhere"))
            rv = int(made["metadata"]["resourceVersion"])
            self.assertGreater(rv, listed)
            # No event concerns "quiet", yet its resourceVersion catches up.
            d.wait(lambda: d.rv is not None and int(d.rv) >= rv, 30,
                   "a bookmark at resourceVersion %d" % rv)
            self.assertEqual(d.upserts, [])
            # The watch ends cleanly at its timeout and goes on from there.
            deadline = time.monotonic() + 20
            while metric(d.metrics(), "pca_issuer_kube_watch_restarts_total",
                         resource="certificaterequests", reason="closed") < 1:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.2)
            self.assertEqual(len(d.syncs), 1)
        except BaseException:
            type(self).failed = True
            raise
        finally:
            d.stop()


if __name__ == "__main__":
    unittest.main()

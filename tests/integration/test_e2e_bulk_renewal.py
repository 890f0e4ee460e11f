"""Bulk renewal end to end: on demand, on CA rotation, and spreading a herd.

Runs kube-apiserver + etcd, the Private CA test server, pca-issuer under the
shipped RBAC, and the cert-manager stand-in (tests/lib/certmanager.py, a test
fixture doing what cert-manager's Certificate controllers do). A watch on the
Certificates records when pca-issuer asks for each renewal (Issuing=True with
a message beginning "pca-issuer:"), which is what its pace governs.

 - On demand: 300 Certificates of two issuers; the annotation on one renews
   each of its Certificates exactly once, at the configured rate, with
   progress in the Renewing condition, the metrics and events, through a
   SIGKILL of pca-issuer halfway; the other issuer's are untouched; removing
   the annotation from it stops a renewal that has started.
 - CA rotation: with --renew-on-ca-change, spec.arn moved to a second CA
   renews every Certificate once, and every Secret then chains to the new CA.
 - Spreading: 400 Certificates with one renewalTime and --renewal-spread are
   asked for early, at no more than --bulk-renewal-rate in any 5 s window,
   all before their renewalTime.
"""

import base64
import calendar
import concurrent.futures
import datetime
import json
import os
import sys
import threading
import time
import unittest

from cryptography import x509

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import certmanager  # noqa: E402
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
RENEW_BEFORE = "awspca.cert-manager.io/renew-certificates-issued-before"
FINGERPRINT = "awspca.cert-manager.io/ca-fingerprint"
CRT_PATH = "/apis/cert-manager.io/v1/namespaces/%s/certificates"


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_time(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def condition(obj, ctype):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


class Triggers:
    """Watches a namespace's Certificates and records, per name, the times
    (monotonic) at which pca-issuer's Issuing=True appeared."""

    def __init__(self, cluster, ns):
        self.cluster, self.ns = cluster, ns
        self.seen = {}       # name -> [times], one per renewal asked for
        self.messages = {}   # name -> last message
        self._issuing = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        if not self._ready.wait(30):
            raise AssertionError("the Certificate watch did not start")
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(70)

    def _run(self):
        path = CRT_PATH % self.ns
        rv = self.cluster.api_ok("GET", path)["metadata"]["resourceVersion"]
        while not self._stop.is_set():
            r = self.cluster.api("GET", path, stream=True, timeout=90, params={
                "watch": "1", "resourceVersion": rv, "timeoutSeconds": "60"})
            self._ready.set()
            try:
                for line in r.iter_lines():
                    if self._stop.is_set():
                        return
                    if not line:
                        continue
                    ev = json.loads(line)
                    if ev["type"] == "ERROR":
                        rv = self.cluster.api_ok("GET", path)["metadata"]["resourceVersion"]
                        break
                    rv = ev["object"]["metadata"]["resourceVersion"]
                    self._saw(ev["object"])
            finally:
                r.close()

    def _saw(self, obj):
        name = obj["metadata"]["name"]
        c = condition(obj, "Issuing")
        ours = c is not None and c.get("status") == "True" and \
            (c.get("message") or "").startswith("pca-issuer:")
        with self._lock:
            if ours and name not in self._issuing:
                self._issuing.add(name)
                self.seen.setdefault(name, []).append(time.monotonic())
                self.messages[name] = c["message"]
            elif not ours:
                self._issuing.discard(name)

    def times(self, prefix=""):
        with self._lock:
            return sorted(t for n, ts in self.seen.items() if n.startswith(prefix) for t in ts)

    def count(self, prefix=""):
        return len(self.times(prefix))


def max_in_window(times, window):
    """The most events in any window of that many seconds."""
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


class BulkRenewal(unittest.TestCase):
    RATE = 5
    ARGS = ()

    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1", "RSA_2048"], log=True).start()
        self.addCleanup(self.pca.stop)
        self.stack = e2e.Stack(pca_server=self.pca, issuer_args=[
            "--bulk-renewal-rate=%g" % self.RATE, "--issuer-recheck-interval=3s"] +
            list(self.ARGS)).start()
        self.addCleanup(self.stack.stop)
        self.ns = e2e.unique("bulk")
        self.stack.create_secret(self.ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                    "AWS_SECRET_ACCESS_KEY": SECRET})
        self.cm = certmanager.CertManager(self.stack.cluster, namespaces=[self.ns])
        self.addCleanup(self.cm.stop)
        self.pool = concurrent.futures.ThreadPoolExecutor(8)
        self.addCleanup(self.pool.shutdown)
        self.stack.start_issuer()

    def certificates(self, names, kind, issuer, **kw):
        list(self.pool.map(lambda n: self.cm.create_certificate(
            self.ns, n, kind, issuer, private_key={"algorithm": "ECDSA"}, **kw), names))

    def all_certs(self):
        return {c["metadata"]["name"]: c
                for c in self.stack.api_ok("GET", CRT_PATH % self.ns)["items"]}

    def wait_all_ready(self, names, revision, timeout):
        def done():
            certs = self.all_certs()
            return all(condition(certs[n], "Ready") and
                       condition(certs[n], "Ready")["status"] == "True" and
                       (certs[n].get("status") or {}).get("revision") == revision
                       for n in names)
        self.stack.wait(done, timeout, "%d Certificates Ready at revision %d" %
                        (len(names), revision))

    def annotate(self, kind, name, value, ns=None):
        path = self.stack.issuer_path(kind, name, ns)
        self.stack.api_ok("PATCH", path, json={"metadata": {"annotations": {RENEW_BEFORE: value}}},
                          headers={"Content-Type": "application/merge-patch+json"})

    def renewing(self, kind, name, ns=None):
        return condition(self.stack.api_ok("GET", self.stack.issuer_path(kind, name, ns)),
                         "Renewing")

    def events(self, name, reason):
        """Events about the object called name, in any namespace (a cluster
        issuer's go to kube-system or default)."""
        items = self.stack.api_ok("GET", "/api/v1/events", params={
            "fieldSelector": "involvedObject.name=%s,reason=%s" % (name, reason)})["items"]
        return items

    def metric(self, **labels):
        return self.stack.metric_value(self.stack.metrics(),
                                       "pca_issuer_bulk_renewal_certificates", **labels)


class OnDemand(BulkRenewal):
    RATE = 5
    N = 150

    def test_annotation_renews_one_issuer_once_each_at_the_rate(self):
        self.stack.create_issuer("a", self.pca.cas[0]["arn"], ns=self.ns,
                                 secret=(self.ns, "creds"))
        other = "b-" + self.ns
        self.stack.create_issuer(other, self.pca.cas[0]["arn"], secret=(self.ns, "creds"))
        self.stack.wait_issuer("AWSPCAIssuer", "a", ns=self.ns)
        self.stack.wait_issuer("AWSPCAClusterIssuer", other)
        a = ["a%03d" % i for i in range(self.N)]
        b = ["b%03d" % i for i in range(self.N)]
        self.certificates(a, "AWSPCAIssuer", "a")
        self.certificates(b, "AWSPCAClusterIssuer", other)
        self.cm.start()
        self.wait_all_ready(a + b, 1, 240)
        self.stack.wait(lambda: self.stack.metric_value(
            self.stack.metrics(), "pca_issuer_certificates_tracking") == 2 * self.N
            or self.stack.metric_value(self.stack.metrics(), "pca_issuer_certificates",
                                       issuer=self.ns + "/a") == self.N,
            60, "the Certificates tracked")
        issued_before = self.pca.stats()["issuances"]
        triggers = Triggers(self.stack.cluster, self.ns).start()
        self.addCleanup(triggers.stop)

        # Everything issued so far was issued before this time.
        time.sleep(1.1)
        before = rfc3339(time.time())
        self.annotate("AWSPCAIssuer", "a", before, ns=self.ns)
        c = self.stack.wait(lambda: (lambda c: c if c and c["status"] == "True" else None)(
            self.renewing("AWSPCAIssuer", "a", self.ns)), 30, "Renewing=True")
        self.assertIn("of %d renewed" % self.N, c["message"])
        self.stack.wait(lambda: self.events("a", "RenewalStarted"), 30, "RenewalStarted event")

        # Halfway: pca-issuer is killed and started again.
        self.stack.wait(lambda: triggers.count("a") >= self.N // 2, 120, "half asked for")
        self.assertGreater(self.metric(issuer=self.ns + "/a", state="remaining"), 0)
        self.stack.issuer.kill()
        first = triggers.times("a")
        self.stack.start_issuer()

        c = self.stack.wait(lambda: (lambda c: c if c and c["reason"] == "Completed" else None)(
            self.renewing("AWSPCAIssuer", "a", self.ns)), 180, "Renewing=False Completed")
        self.assertEqual(c["status"], "False")
        self.assertIn("%d of %d renewed, 0 failed" % (self.N, self.N), c["message"])
        self.wait_all_ready(a, 2, 120)
        self.stack.wait(lambda: self.events("a", "RenewalCompleted"), 30,
                        "RenewalCompleted event")
        self.assertEqual(self.metric(issuer=self.ns + "/a", state="renewed"), self.N)
        self.assertEqual(self.metric(issuer=self.ns + "/a", state="remaining"), 0)

        certs = self.all_certs()
        # Exactly once each: revision 2, one request for it, one trigger.
        for n in a:
            self.assertEqual(certs[n]["status"]["revision"], 2, n)
            self.assertEqual(len(triggers.seen.get(n, [])), 1, n)
        for n in b:
            self.assertEqual(certs[n]["status"]["revision"], 1, n)
            self.assertNotIn(n, triggers.seen)
        self.assertEqual(self.pca.stats()["issuances"] - issued_before, self.N)
        # At the configured rate, before the kill.
        rate = (len(first) - 1) / (first[-1] - first[0])
        print("bulk renewal: %d asked for before the kill at %.2f/s (configured %d/s), "
              "%d after" % (len(first), rate, self.RATE, self.N - len(first)), file=sys.stderr)
        self.assertLessEqual(rate, self.RATE * 1.05)
        self.assertGreater(rate, self.RATE * 0.7)
        self.assertLessEqual(max_in_window(triggers.times("a"), 5.0), 5 * self.RATE + 1)

        # Removing the annotation cancels what has not started.
        self.annotate("AWSPCAClusterIssuer", other, rfc3339(time.time()))
        self.stack.wait(lambda: triggers.count("b") >= 10, 60, "the other issuer's renewal")
        path = self.stack.issuer_path("AWSPCAClusterIssuer", other)
        self.stack.api_ok("PATCH", path, json={"metadata": {"annotations": {RENEW_BEFORE: None}}},
                          headers={"Content-Type": "application/merge-patch+json"})
        c = self.stack.wait(lambda: (lambda c: c if c and c["reason"] == "Cancelled" else None)(
            self.renewing("AWSPCAClusterIssuer", other)), 30, "Renewing=False Cancelled")
        asked = triggers.count("b")
        self.assertLess(asked, self.N)
        # At 5/s, three more seconds would have asked for 15 more.
        time.sleep(3)
        self.assertLessEqual(triggers.count("b"), asked + 1)
        self.cm.assert_no_errors()


class CARotation(BulkRenewal):
    RATE = 10
    ARGS = ("--renew-on-ca-change",)
    N = 40

    def test_new_arn_renews_everything_onto_the_new_ca(self):
        old, new = self.pca.cas[0], self.pca.cas[1]
        name = "rot-" + self.ns
        self.stack.create_issuer(name, old["arn"], secret=(self.ns, "creds"))
        self.stack.wait_issuer("AWSPCAClusterIssuer", name)
        path = self.stack.issuer_path("AWSPCAClusterIssuer", name)
        # The first CA seen is recorded, and nothing is renewed for it.
        self.stack.wait(lambda: FINGERPRINT in (self.stack.api_ok("GET", path)["metadata"]
                                                .get("annotations") or {}),
                        30, "the CA recorded")
        names = ["c%03d" % i for i in range(self.N)]
        self.certificates(names, "AWSPCAClusterIssuer", name)
        self.cm.start()
        self.wait_all_ready(names, 1, 120)
        self.assertNotIn(RENEW_BEFORE, self.stack.api_ok("GET", path)["metadata"]["annotations"])
        triggers = Triggers(self.stack.cluster, self.ns).start()
        self.addCleanup(triggers.stop)

        obj = self.stack.api_ok("GET", path)
        obj["spec"]["arn"] = new["arn"]
        self.stack.api_ok("PUT", path, json=obj)
        self.stack.wait(lambda: RENEW_BEFORE in (self.stack.api_ok("GET", path)["metadata"]
                                                 .get("annotations") or {}),
                        30, "the renewal asked for by the CA change")
        self.stack.wait(lambda: (lambda c: c if c and c["reason"] == "Completed" else None)(
            self.renewing("AWSPCAClusterIssuer", name)), 120, "Renewing=False Completed")
        self.wait_all_ready(names, 2, 60)
        new_ca = x509.load_pem_x509_certificate(new["certificate"].encode())
        for n in names:
            self.assertEqual(len(triggers.seen.get(n, [])), 1, n)
            secret = self.cm.get_secret(self.ns, n + "-tls")
            leaf = x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"]))
            self.assertEqual(leaf.issuer, new_ca.subject, n)
            leaf.verify_directly_issued_by(new_ca)
        self.stack.wait(lambda: self.events(name, "CAChanged"), 30, "CAChanged event")
        self.cm.assert_no_errors()


class Spread(BulkRenewal):
    RATE = 10
    ARGS = ("--renewal-spread=3m",)
    N = 400

    def test_herd_is_asked_for_early_at_the_rate(self):
        name = "spread-" + self.ns
        self.stack.create_issuer(name, self.pca.cas[0]["arn"], secret=(self.ns, "creds"))
        self.stack.wait_issuer("AWSPCAClusterIssuer", name)
        names = ["s%03d" % i for i in range(self.N)]
        self.certificates(names, "AWSPCAClusterIssuer", name)
        self.cm.start()
        self.wait_all_ready(names, 1, 300)
        triggers = Triggers(self.stack.cluster, self.ns).start()
        self.addCleanup(triggers.stop)

        # One renewalTime for all: each renewBefore is its notAfter minus that time.
        due = int(time.time()) + 100
        certs = self.all_certs()

        def set_renew_before(n):
            not_after = parse_time(certs[n]["status"]["notAfter"])
            obj = self.stack.api_ok("GET", CRT_PATH % self.ns + "/" + n)
            obj["spec"]["renewBefore"] = "%ds" % (not_after - due)
            self.stack.api_ok("PUT", CRT_PATH % self.ns + "/" + n, json=obj)
        list(self.pool.map(set_renew_before, names))
        self.stack.wait(lambda: all((c.get("status") or {}).get("renewalTime") == rfc3339(due)
                                    for c in self.all_certs().values()),
                        60, "one renewalTime for all")
        due_mono = time.monotonic() + (due - time.time())
        self.wait_all_ready(names, 2, 300)

        ours = triggers.times()
        asked_by_us = [n for n in names if n in triggers.seen]
        # When pca-issuer sent each one (its log, to the millisecond); the
        # watch above sees them later, with the API server's jitter.
        sent = sorted(datetime.datetime.strptime(ln["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
                      for ln in self.stack.issuer.lines
                      if ln.get("msg") == "asking cert-manager to renew" and
                      ln.get("reason") == "spread")
        window = max_in_window(sent, 5.0)
        issued = sorted(t for t, op, code in self.pca.stats()["log"]
                        if op == "IssueCertificate" and code == "OK")
        print("spread: %d of %d asked for early, from %.1f s to %.1f s before renewalTime; "
              "at most %d sent in any 5 s (%d seen by a watch; rate %d/s); IssueCertificate "
              "at most %d in any 5 s" % (
                  len(asked_by_us), self.N, due_mono - ours[0], due_mono - ours[-1], window,
                  max_in_window(ours, 5.0), self.RATE, max_in_window(issued, 5.0)),
              file=sys.stderr)
        # The latest of the herd keeps its renewalTime: that one is cert-manager's.
        self.assertEqual(len(asked_by_us), self.N - 1)
        self.assertEqual(len(sent), self.N - 1)
        # The pace's bucket holds one token: at most 5 x rate + 1 in any 5 s.
        self.assertLessEqual(window, 5 * self.RATE + 1)
        self.assertLess(ours[-1], due_mono)
        for n in asked_by_us:
            self.assertEqual(len(triggers.seen[n]), 1, n)
            self.assertIn("spread", triggers.messages[n])
        self.cm.assert_no_errors()


if __name__ == "__main__":
    unittest.main()

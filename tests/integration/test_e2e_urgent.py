"""Most urgent first: new certificates do not wait behind a renewal herd.

The Private CA test server enforces 10 IssueCertificate/s. 500 Certificates
hold valid certificates (notAfter a day or two away) and have renewal
requests (revision 2) queued, as cert-manager creates them when a herd
comes due at once. While the herd is being signed, 20 requests for new
Certificates (revision 1) arrive. First come first served, each would wait
for the rest of the herd, some 45 s at the quota; pca-issuer ranks by need,
so each is Ready within seconds and only a handful of renewals is signed
between its approval and its certificate. The herd is then finished, none
Failed.
"""

import concurrent.futures
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
HERD = 500
NEW = 20
QUOTA = 10
CRT_PATH = "/apis/cert-manager.io/v1/namespaces/%s/certificates"


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class MostUrgentFirst(unittest.TestCase):
    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1"],
                                       quota={"IssueCertificate": QUOTA}).start()
        self.addCleanup(self.pca.stop)
        self.stack = e2e.Stack(pca_server=self.pca).start()
        self.addCleanup(self.stack.stop)
        self.ns = e2e.unique("herd")
        self.stack.create_secret(self.ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                    "AWS_SECRET_ACCESS_KEY": SECRET})
        self.issuer = "pca-" + self.ns
        self.stack.start_issuer()
        self.stack.create_issuer(self.issuer, self.pca.cas[0]["arn"], secret=(self.ns, "creds"))
        self.stack.wait_issuer("AWSPCAClusterIssuer", self.issuer)
        self.pool = concurrent.futures.ThreadPoolExecutor(8)
        self.addCleanup(self.pool.shutdown)
        self.csr = e2e.make_csr(e2e.make_key("ec"))

    def certificate(self, name, not_after=None):
        """A Certificate as cert-manager leaves it once issued (status set), or new."""
        obj = self.stack.api_ok("POST", CRT_PATH % self.ns, json={
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": name},
            "spec": {"secretName": name + "-tls", "dnsNames": [name + ".example.test"],
                     "issuerRef": {"group": e2e.AWSPCA, "kind": "AWSPCAClusterIssuer",
                                   "name": self.issuer}}})
        if not_after is not None:
            obj["status"] = {"notBefore": rfc3339(not_after - 90 * 86400),
                             "notAfter": rfc3339(not_after),
                             "renewalTime": rfc3339(time.time() - 60), "revision": 1,
                             "conditions": [{"type": "Ready", "status": "True",
                                             "reason": "Ready", "message": "up to date",
                                             "lastTransitionTime": rfc3339(time.time())}]}
            self.stack.api_ok("PUT", CRT_PATH % self.ns + "/" + name + "/status", json=obj)

    def request(self, cert, revision):
        name = "%s-%d" % (cert, revision)
        self.stack.create_cr(self.ns, name, self.csr, "AWSPCAClusterIssuer", self.issuer,
                             annotations={"cert-manager.io/certificate-name": cert,
                                          "cert-manager.io/certificate-revision": str(revision)})
        self.stack.approve(self.ns, name)
        return name, time.monotonic()

    def ready_names(self):
        out = set()
        for cr in self.stack.list_crs(self.ns):
            c = self.stack.condition(cr, "Ready")
            if c is not None and c["status"] == "True":
                out.add(cr["metadata"]["name"])
            elif c is not None and c["reason"] == "Failed":
                raise AssertionError("%s failed: %s" % (cr["metadata"]["name"], c["message"]))
        return out

    def issued(self):
        """Requests issued so far, from the metric (cheaper than listing them all)."""
        return self.stack.metric_value(self.stack.metrics(),
                                       "pca_issuer_certificaterequests_total",
                                       outcome="issued") or 0

    def test_new_certificates_jump_the_renewal_herd(self):
        now = time.time()
        herd = ["r%03d" % i for i in range(HERD)]
        # Certificates valid for another day or two: their renewals can wait.
        list(self.pool.map(lambda i: self.certificate(herd[i], now + 86400 + 300 * i),
                           range(HERD)))
        self.stack.wait(lambda: self.stack.metric_value(
            self.stack.metrics(), "pca_issuer_certificates", issuer=self.issuer) == HERD,
            60, "the Certificates tracked")
        list(self.pool.map(lambda c: self.request(c, 2), herd))
        # The herd is being signed at the quota: a queue has formed.
        self.stack.wait(lambda: self.pca.stats()["issuances"] >= 30, 60,
                        "the first renewals signed")
        new = ["n%02d" % i for i in range(NEW)]
        for c in new:
            self.certificate(c)
        signed_before = self.pca.stats()["issuances"]
        started = {}
        for c in new:
            name, t = self.request(c, 1)
            started[name] = t
        waited = {}
        deadline = time.monotonic() + 90
        while len(waited) < NEW:
            signed = self.pca.stats()["issuances"]
            for name, t in started.items():
                if name in waited:
                    continue
                c = self.stack.condition(self.stack.get_cr(self.ns, name), "Ready")
                if c is not None and c["status"] == "True":
                    waited[name] = time.monotonic() - t
            self.assertLess(time.monotonic(), deadline, "new requests not Ready: %s" %
                            sorted(set(started) - set(waited)))
            time.sleep(0.2)
        renewals = self.pca.stats()["issuances"] - NEW
        # Renewals signed while the new requests waited, all of them together.
        overtaken = renewals - signed_before
        print("new requests Ready in %s s; %d renewals signed meanwhile, %d of %d by then" % (
            sorted(round(v, 1) for v in waited.values()), overtaken, renewals, HERD),
            file=sys.stderr)
        # Behind the herd, each would have waited for the rest of it.
        self.assertLess(renewals, HERD - 100)
        self.assertLess(overtaken, 60)
        self.assertLess(max(waited.values()), 10, waited)
        # The herd goes on and finishes.
        self.stack.wait(lambda: self.issued() == HERD + NEW, 180, "every request Ready")
        self.assertEqual(len(self.ready_names()), HERD + NEW)


if __name__ == "__main__":
    unittest.main()

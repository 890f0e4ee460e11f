"""End to end under stress: a throttling storm with in-progress answers and
server errors, and SIGKILL in the middle of a burst.

What must hold: every request ends Issued, none Failed, and the Private CA
issues exactly one certificate per request (its idempotency-token ledger).
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))


class Resilience(unittest.TestCase):
    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1"], cert_cache=True).start()
        self.stack = e2e.Stack(pca_server=self.pca).start()
        self.ns = e2e.unique("stress")
        self.stack.create_secret(self.ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                    "AWS_SECRET_ACCESS_KEY": SECRET})

    def tearDown(self):
        self.stack.stop()
        self.pca.stop()

    def issuer(self):
        arn = self.pca.cas[0]["arn"]
        kind = self.stack.create_issuer("pca", arn, ns=self.ns, secret=(self.ns, "creds"))
        self.stack.wait_issuer(kind, "pca", self.ns)
        return kind

    def burst(self, kind, n, prefix="cr"):
        """Creates and approves n requests; returns their names."""
        key = e2e.make_key("ec")
        csr = e2e.make_csr(key)
        names = []
        for i in range(n):
            name = "%s-%04d" % (prefix, i)
            self.stack.create_cr(self.ns, name, csr, kind, "pca")
            self.stack.approve(self.ns, name)
            names.append(name)
        return names

    def outcomes(self):
        counts = {}
        for obj in self.stack.list_crs(self.ns):
            c = self.stack.condition(obj, "Ready")
            reason = c["reason"] if c else "none"
            counts[reason] = counts.get(reason, 0) + 1
        return counts

    def wait_all_issued(self, n, timeout):
        def done():
            counts = self.outcomes()
            self.assertEqual(counts.get("Failed", 0), 0, counts)
            return counts.get("Issued", 0) == n and counts
        return self.stack.wait(done, timeout, "%d requests Issued" % n)

    def test_throttling_storm_ends_with_everything_issued(self):
        # The server allows 10 IssueCertificate/s while the client starts at
        # AWS's default 25/s; the first two polls of each certificate answer
        # RequestInProgressException; one call in ten fails with a 503.
        self.pca.control(quota={"IssueCertificate": 10}, in_progress=2,
                         fault={"kind": "503", "fraction": 0.1})
        self.stack.start_issuer()
        kind = self.issuer()
        n = 150
        self.burst(kind, n)
        self.wait_all_issued(n, 240)
        stats = self.pca.stats()
        self.assertGreater(stats["throttles"].get("IssueCertificate", 0), 0,
                           "the storm never throttled: the test proves nothing")
        issued = sum(stats["token_issuances"].values())
        self.assertEqual(issued, n)
        self.assertTrue(all(v == 1 for v in stats["token_issuances"].values()))
        metrics = self.stack.metrics()
        self.assertEqual(self.stack.metric_value(
            metrics, "pca_issuer_certificaterequests_total", outcome="issued"), n)

    def test_sigkill_during_a_burst_issues_each_request_once(self):
        self.pca.control(latency={"IssueCertificate": [0.05, 0.3]})
        proc = self.stack.start_issuer()
        kind = self.issuer()
        n = 500
        names = self.burst(kind, n)
        # Kill it once part of the burst has been issued, mid-flight.
        self.stack.wait(lambda: self.pca.stats()["issuances"] >= n // 5, 120,
                        "a fifth of the burst issued")
        proc.kill()
        self.stack.start_issuer()
        self.wait_all_issued(n, 300)
        stats = self.pca.stats()
        ledger = stats["token_issuances"]
        self.assertEqual(len(ledger), n, "one idempotency token per request")
        self.assertTrue(all(v == 1 for v in ledger.values()), ledger)
        arns = set()
        for obj in self.stack.list_crs(self.ns):
            arns.add(obj["metadata"]["annotations"]["aws-privateca-issuer/certificate-arn"])
        self.assertEqual(len(arns), len(names))


if __name__ == "__main__":
    unittest.main()

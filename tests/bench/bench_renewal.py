"""Benchmark: a renewal herd at the quota, new certificates in its middle, and
what tracking Certificates costs.

1. A herd: PCA_BENCH_HERD (default 3,000) Certificates holding certificates
   that expire in one to two days, and an approved renewal request
   (revision 2) for each, all written at once (straight into etcd, as a
   herd of cert-manager renewals lands), with the Private CA test server
   enforcing 25 IssueCertificate/s. Halfway through, 50 new Certificates'
   requests (revision 1) arrive through the API server. Prints
   approval-to-Ready p50/p99 of the new ones and of the renewals, the
   achieved IssueCertificate rate against the quota, and Failed requests.
2. Memory: pca-issuer's resident memory with no Certificates, then with
   PCA_BENCH_CERTS (default 100,000) Certificates in the cluster of which
   one in ten names one of its issuers, once it tracks them all; and the
   bytes per tracked Certificate.

The cost of the expiry timers themselves is bench_deadlines (C).
A benchmark prints numbers; it fails only if a request fails.
"""

import base64
import concurrent.futures
import json
import os
import sys
import threading
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

import bench_e2e  # noqa: E402
import e2e  # noqa: E402
import pcaserver  # noqa: E402

HERD = int(os.environ.get("PCA_BENCH_HERD", "3000"))
NEW = 50
QUOTA = 25.0
CERTS = int(os.environ.get("PCA_BENCH_CERTS", "100000"))
AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Etcd:
    """Writes objects straight into etcd (its JSON gateway), 100 per transaction,
    under the keys the API server reads; the API server serves and watches them
    like any other."""

    def __init__(self, cluster):
        self.url = cluster.etcd_url + "/v3/kv/txn"
        self.local = threading.local()

    def _session(self):
        if getattr(self.local, "s", None) is None:
            self.local.s = requests.Session()
            self.local.s.trust_env = False
        return self.local.s

    def _put(self, batch):
        ops = [{"requestPut": {"key": base64.b64encode(k.encode()).decode(),
                               "value": base64.b64encode(v.encode()).decode()}}
               for k, v in batch]
        r = self._session().post(self.url, json={"success": ops}, timeout=60)
        if r.status_code != 200:
            raise RuntimeError("etcd: HTTP %d %s" % (r.status_code, r.text[:200]))

    def put_all(self, items):
        batches = [items[i:i + 100] for i in range(0, len(items), 100)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(self._put, batches))


def certificate(ns, name, issuer_group, issuer, not_after):
    now = time.time()
    return ("/registry/cert-manager.io/certificates/%s/%s" % (ns, name), json.dumps({
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
                     "creationTimestamp": rfc3339(now - 86400 * 60), "generation": 1},
        "spec": {"secretName": name + "-tls", "dnsNames": [name + ".example.test"],
                 "duration": "2160h0m0s",
                 "issuerRef": {"group": issuer_group, "kind": "AWSPCAClusterIssuer",
                               "name": issuer}},
        "status": {"notBefore": rfc3339(not_after - 90 * 86400), "notAfter": rfc3339(not_after),
                   "renewalTime": rfc3339(not_after - 30 * 86400), "revision": 1,
                   "conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                                   "message": "Certificate is up to date and has not expired",
                                   "lastTransitionTime": rfc3339(now - 86400)}]}},
        separators=(",", ":")))


def renewal_request(ns, cert, issuer, csr_b64, approved_at):
    name = cert + "-2"
    return ("/registry/cert-manager.io/certificaterequests/%s/%s" % (ns, name), json.dumps({
        "apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
        "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
                     "creationTimestamp": rfc3339(approved_at), "generation": 1,
                     "annotations": {"cert-manager.io/certificate-name": cert,
                                     "cert-manager.io/certificate-revision": "2",
                                     "cert-manager.io/private-key-secret-name": cert + "-k"}},
        "spec": {"request": csr_b64, "duration": "2160h0m0s",
                 "usages": ["digital signature", "key encipherment"],
                 "issuerRef": {"group": e2e.AWSPCA, "kind": "AWSPCAClusterIssuer",
                               "name": issuer}},
        "status": {"conditions": [{
            "type": "Approved", "status": "True", "reason": "cert-manager.io",
            "message": "Certificate request has been approved by cert-manager.io",
            "lastTransitionTime": rfc3339(approved_at)}]}}, separators=(",", ":")))


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")


def herd():
    pca = pcaserver.PcaServer(cas=["EC_prime256v1"], cert_cache=True, log=True,
                              quota={"IssueCertificate": QUOTA}).start()
    stack = e2e.Stack(pca_server=pca).start()
    try:
        ns = "herd"
        stack.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        stack.start_issuer()
        stack.create_issuer("pca", pca.cas[0]["arn"], secret=(ns, "creds"))
        stack.wait_issuer("AWSPCAClusterIssuer", "pca")
        etcd = Etcd(stack.cluster)
        now = time.time()
        names = ["c%05d" % i for i in range(HERD)]
        etcd.put_all([certificate(ns, n, e2e.AWSPCA, "pca", now + 86400 + 30 * i)
                      for i, n in enumerate(names)])
        stack.wait(lambda: stack.metric_value(stack.metrics(), "pca_issuer_certificates",
                                              issuer="pca") == HERD, 300,
                   "the Certificates tracked")
        csr = base64.b64encode(e2e.make_csr(e2e.make_key("rsa"))).decode()
        watch = bench_e2e.ReadyWatch(stack, ns)
        watch.start()
        t0 = time.time()
        etcd.put_all([renewal_request(ns, n, "pca", csr, t0) for n in names])
        # Halfway through the herd at the quota, new Certificates' first requests.
        stack.wait(lambda: len(watch.ready_at) >= HERD // 2, 3 * HERD / QUOTA,
                   "half the herd signed")
        new_csr = e2e.make_csr(e2e.make_key("ec"))
        approved = {}
        for i in range(NEW):
            name = "new%02d-1" % i
            stack.create_cr(ns, name, new_csr, "AWSPCAClusterIssuer", "pca",
                            annotations={"cert-manager.io/certificate-name": "new%02d" % i,
                                         "cert-manager.io/certificate-revision": "1"})
            stack.approve(ns, name)
            approved[name] = time.time()
        stack.wait(lambda: len(watch.ready_at) + len(watch.failed) >= HERD + NEW,
                   3 * HERD / QUOTA + 120, "every request done")
        watch.stopped = True
        new_lat = [watch.ready_at[n] - approved[n] for n in approved if n in watch.ready_at]
        ren_lat = [t - t0 for n, t in watch.ready_at.items() if n not in approved]
        issued = sorted(t for (t, op, outcome) in (tuple(x[:3]) for x in pca.stats()["log"])
                        if op == "IssueCertificate" and outcome == "OK")
        rate = (len(issued) - 1) / (issued[-1] - issued[0])
        print("renewal herd of %d at %g IssueCertificate/s, %d new requests halfway:" % (
            HERD, QUOTA, NEW))
        print("  new requests: approval-to-Ready p50 %.2fs p99 %.2fs" % (
            pct(new_lat, 0.5), pct(new_lat, 0.99)))
        print("  renewals:     approval-to-Ready p50 %.1fs p99 %.1fs" % (
            pct(ren_lat, 0.5), pct(ren_lat, 0.99)))
        print("  achieved %.2f IssueCertificate/s = %.3f of the quota; failed %d" % (
            rate, rate / QUOTA, len(watch.failed)))
        return len(watch.failed)
    finally:
        stack.stop()
        pca.stop()


def memory():
    pca = pcaserver.PcaServer(cas=["EC_prime256v1"]).start()
    stack = e2e.Stack(pca_server=pca).start()
    try:
        proc = stack.start_issuer()
        stack.wait(lambda: stack.metric_value(stack.metrics(),
                                              "pca_issuer_certificates_tracking") == 1, 60,
                   "tracking on")
        rss_empty = rss_now(proc.proc.pid)
        ours = (CERTS + 9) // 10
        items = []
        for i in range(CERTS):
            group = e2e.AWSPCA if i % 10 == 0 else "cert-manager.io"
            items.append(certificate("mem-%d" % (i % 20), "m%06d" % i, group,
                                     "pca" if i % 10 == 0 else "letsencrypt",
                                     time.time() + 86400 * (1 + i % 80)))
        t = time.time()
        Etcd(stack.cluster).put_all(items)
        stack.wait(lambda: stack.metric_value(stack.metrics(), "pca_issuer_certificates") ==
                   ours, 600, "every Certificate of ours tracked")
        took = time.time() - t
        rss_full = rss_now(proc.proc.pid)
        _, hwm = bench_e2e.proc_figures(proc.proc.pid)
        print("memory, %d Certificates of which %d ours (tracked in %.0fs):" % (CERTS, ours, took))
        print("  RSS none %.1f MiB, with them %.1f MiB (peak %.1f MiB): %.0f bytes per "
              "tracked Certificate" % (rss_empty / 1048576, rss_full / 1048576, hwm / 1048576,
                                       (rss_full - rss_empty) / ours))
    finally:
        stack.stop()
        pca.stop()


def rss_now(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    failed = herd()
    memory()
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

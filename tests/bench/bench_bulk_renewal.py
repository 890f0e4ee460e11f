"""Benchmark: a CA rotation of PCA_BENCH_ROTATION (default 5,000) Certificates.

The Private CA test server enforces 25 IssueCertificate/s; pca-issuer runs
with --renew-on-ca-change and --bulk-renewal-rate 20. The Certificates are
written straight into etcd holding certificates of the first CA; then the
AWSPCAClusterIssuer's spec.arn moves to the second CA, and pca-issuer renews
them all. Halfway through, 50 new Certificates' requests (revision 1)
arrive in another namespace. Prints the time to renew all, the achieved rate of renewals against
the configured one, Failed requests, approval-to-Ready p50/p99 of the new
requests, and pca-issuer's CPU seconds and peak RSS.

cert-manager's part (tests/lib/certmanager.py is a polling test fixture,
too slow for thousands) is played here by a watch-driven bench fixture that
does what cert-manager does for a triggered renewal and nothing else: on
Issuing=True it creates and approves CertificateRequest <name>-<revision+1>
(with cert-manager's certificate-name and certificate-revision annotations);
when that request is Ready it writes the Certificate's status (revision,
notBefore, notAfter, renewalTime from the certificate; Issuing removed), or
Issuing=False with lastFailureTime when it failed.
A benchmark prints numbers; it fails only if a request fails.
"""

import base64
import concurrent.futures
import json
import os
import queue
import sys
import threading
import time

from cryptography import x509

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)

import bench_e2e  # noqa: E402
import bench_renewal  # noqa: E402
import e2e  # noqa: E402
import pcaserver  # noqa: E402

N = int(os.environ.get("PCA_BENCH_ROTATION", "5000"))
NEW = 50
QUOTA = 25.0
RATE = 20.0
KUBE_QPS = float(os.environ.get("PCA_BENCH_KUBE_QPS", "300"))
CRT_PATH = "/apis/cert-manager.io/v1/namespaces/%s/certificates"
AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Renewer:
    """The bench fixture: cert-manager's issuing path for triggered renewals."""

    def __init__(self, stack, ns, issuer, csr_pem):
        self.stack, self.ns, self.issuer, self.csr = stack, ns, issuer, csr_pem
        self.todo = queue.Queue()
        self.started = {}     # "name-rev" -> time the request was approved
        self.triggered = []   # times Issuing=True appeared
        self.done = {}        # certificate name -> (revision, leaf)
        self.failed = set()
        self.lock = threading.Lock()
        self.stopped = False
        self.pool = concurrent.futures.ThreadPoolExecutor(6)

    def start(self):
        for target in (self.watch_certs, self.watch_requests):
            threading.Thread(target=target, daemon=True).start()
        for _ in range(6):
            self.pool.submit(self.work)
        return self

    def stop(self):
        self.stopped = True
        for _ in range(6):
            self.todo.put(None)
        self.pool.shutdown(wait=True)

    def _watch(self, path, note):
        rv = self.stack.api_ok("GET", path, params={"limit": "1"})["metadata"]["resourceVersion"]
        while not self.stopped:
            try:
                r = self.stack.api("GET", path, params={"watch": "1", "resourceVersion": rv,
                                                        "timeoutSeconds": "30"},
                                   stream=True, timeout=60)
                for line in r.iter_lines():
                    if not line:
                        continue
                    ev = json.loads(line)
                    if ev.get("type") == "ERROR":
                        rv = self.stack.api_ok("GET", path, params={"limit": "1"})[
                            "metadata"]["resourceVersion"]
                        break
                    rv = ev["object"]["metadata"].get("resourceVersion", rv)
                    note(ev["object"])
                    if self.stopped:
                        return
            except Exception:  # noqa: BLE001 - a cut stream: carry on
                if self.stopped:
                    return

    def watch_certs(self):
        seen = set()

        def note(obj):
            c = e2e.Stack.condition(obj, "Issuing")
            rev = (obj.get("status") or {}).get("revision") or 0
            key = (obj["metadata"]["name"], rev)
            if c and c["status"] == "True" and key not in seen:
                seen.add(key)
                with self.lock:
                    self.triggered.append(time.time())
                self.todo.put(("request", key))
        self._watch(CRT_PATH % self.ns, note)

    def watch_requests(self):
        finished = set()

        def note(obj):
            name = obj["metadata"]["name"]
            ann = obj["metadata"].get("annotations") or {}
            c = e2e.Stack.condition(obj, "Ready")
            if name in finished or c is None or c["reason"] not in ("Issued", "Failed") or \
                    "cert-manager.io/certificate-name" not in ann:
                return
            finished.add(name)
            self.todo.put(("finish", obj))
        self._watch(e2e.CR_PATH % self.ns, note)

    def work(self):
        while True:
            item = self.todo.get()
            if item is None:
                return
            try:
                if item[0] == "request":
                    self.request(*item[1])
                else:
                    self.finish(item[1])
            except Exception as e:  # noqa: BLE001
                print("bench fixture: %s: %s" % (item[0], e), file=sys.stderr)

    def request(self, cert, rev):
        name = "%s-%d" % (cert, rev + 1)
        self.stack.create_cr(self.ns, name, self.csr, "AWSPCAClusterIssuer", self.issuer,
                             annotations={"cert-manager.io/certificate-name": cert,
                                          "cert-manager.io/certificate-revision": str(rev + 1)})
        self.stack.approve(self.ns, name)

    def finish(self, cr):
        cert = cr["metadata"]["annotations"]["cert-manager.io/certificate-name"]
        rev = int(cr["metadata"]["annotations"]["cert-manager.io/certificate-revision"])
        ready = e2e.Stack.condition(cr, "Ready")
        leaf = None
        if ready["reason"] == "Issued":
            leaf = x509.load_pem_x509_certificate(base64.b64decode(cr["status"]["certificate"]))
        path = CRT_PATH % self.ns + "/" + cert
        for _ in range(20):
            obj = self.stack.api_ok("GET", path)
            st = obj.setdefault("status", {})
            conds = [c for c in st.get("conditions") or [] if c["type"] != "Issuing"]
            if leaf is not None:
                nb = leaf.not_valid_before_utc.timestamp()
                na = leaf.not_valid_after_utc.timestamp()
                st.update({"revision": rev, "notBefore": rfc3339(nb), "notAfter": rfc3339(na),
                           "renewalTime": rfc3339(na - (na - nb) / 3)})
            else:
                st["lastFailureTime"] = rfc3339(time.time())
                conds.append({"type": "Issuing", "status": "False", "reason": "Failed",
                              "message": ready["message"][:200],
                              "lastTransitionTime": rfc3339(time.time())})
            st["conditions"] = conds
            r = self.stack.api("PUT", path + "/status", json=obj)
            if r.status_code == 200:
                break
            if r.status_code != 409:
                raise RuntimeError("status of %s: HTTP %d %s" % (cert, r.status_code, r.text))
        with self.lock:
            if leaf is None:
                self.failed.add(cert)
            else:
                self.done[cert] = (rev, leaf)


def renewing(stack, name):
    obj = stack.api_ok("GET", stack.issuer_path("AWSPCAClusterIssuer", name))
    return e2e.Stack.condition(obj, "Renewing")


def main():
    pca = pcaserver.PcaServer(cas=["EC_prime256v1", "RSA_2048"], cert_cache=True,
                              quota={"IssueCertificate": QUOTA}).start()
    stack = e2e.Stack(pca_server=pca, issuer_args=[
        "--renew-on-ca-change", "--bulk-renewal-rate=%g" % RATE,
        # About six API requests per renewal (README): 120 a second at 20/s.
        "--kube-api-qps=%g" % KUBE_QPS,
        "--issuer-recheck-interval=5s"]).start()
    renewer = None
    try:
        ns = "rotation"
        stack.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        proc = stack.start_issuer()
        old, new = pca.cas[0], pca.cas[1]
        stack.create_issuer("pca", old["arn"], secret=(ns, "creds"))
        stack.wait_issuer("AWSPCAClusterIssuer", "pca")
        path = stack.issuer_path("AWSPCAClusterIssuer", "pca")
        stack.wait(lambda: "awspca.cert-manager.io/ca-fingerprint" in (
            stack.api_ok("GET", path)["metadata"].get("annotations") or {}), 60,
            "the first CA recorded")
        now = time.time()
        names = ["c%05d" % i for i in range(N)]
        bench_renewal.Etcd(stack.cluster).put_all(
            [bench_renewal.certificate(ns, n, e2e.AWSPCA, "pca", now + 86400 * (2 + i % 80))
             for i, n in enumerate(names)])
        stack.wait(lambda: stack.metric_value(stack.metrics(), "pca_issuer_certificates",
                                              issuer="pca") == N, 300,
                   "the Certificates tracked")
        csr = e2e.make_csr(e2e.make_key("ec"))
        renewer = Renewer(stack, ns, "pca", csr).start()
        # The new requests live in a namespace of their own, so that the watch
        # timing them does not also parse every renewal's request.
        fresh = "fresh"
        stack.ensure_namespace(fresh)
        news = bench_e2e.ReadyWatch(stack, fresh)
        news.start()
        cpu0, _ = bench_e2e.proc_figures(proc.proc.pid)
        kube0 = stack.metric_value(stack.metrics(), "pca_issuer_kube_requests_total")

        t0 = time.time()
        obj = stack.api_ok("GET", path)
        obj["spec"]["arn"] = new["arn"]
        stack.api_ok("PUT", path, json=obj)
        stack.wait(lambda: len(renewer.done) >= N // 2, 3 * N / RATE, "half renewed")
        approved = {}
        for i in range(NEW):
            name = "new%02d-1" % i
            stack.create_cr(fresh, name, csr, "AWSPCAClusterIssuer", "pca",
                            annotations={"cert-manager.io/certificate-name": "new%02d" % i,
                                         "cert-manager.io/certificate-revision": "1"})
            stack.approve(fresh, name)
            approved[name] = time.time()
        stack.wait(lambda: (lambda c: c and c["reason"] == "Completed")(renewing(stack, "pca")),
                   3 * N / RATE + 120, "the rotation completed")
        took = time.time() - t0
        stack.wait(lambda: all(n in news.ready_at for n in approved) or news.failed, 120,
                   "the new requests Ready")
        cpu1, hwm = bench_e2e.proc_figures(proc.proc.pid)
        kube1 = stack.metric_value(stack.metrics(), "pca_issuer_kube_requests_total")
        new_ca = x509.load_pem_x509_certificate(new["certificate"].encode())
        moved = sum(1 for _, leaf in renewer.done.values() if leaf.issuer == new_ca.subject)
        trig = sorted(renewer.triggered)
        rate = (len(trig) - 1) / (trig[-1] - trig[0]) if len(trig) > 1 else 0.0
        lat = [news.ready_at[n] - approved[n] for n in approved if n in news.ready_at]
        failed = len(renewer.failed) + len(news.failed)
        print("CA rotation of %d Certificates, quota %g IssueCertificate/s, "
              "--bulk-renewal-rate %g, --kube-api-qps %g:" % (N, QUOTA, RATE, KUBE_QPS))
        print("  renewed %d (%d onto the new CA) in %.1f s; renewals asked for at %.2f/s = "
              "%.3f of the configured rate; failed %d" % (
                  len(renewer.done), moved, took, rate, rate / RATE, failed))
        print("  %d new requests halfway: approval-to-Ready p50 %.2f s p99 %.2f s" % (
            len(lat), bench_renewal.pct(lat, 0.5), bench_renewal.pct(lat, 0.99)))
        print("  pca-issuer: %.1f CPU s during the rotation (%.0f us per renewal), "
              "peak RSS %.1f MiB, %.1f Kubernetes API requests per renewal" % (
                  cpu1 - cpu0, (cpu1 - cpu0) / max(1, len(renewer.done)) * 1e6, hwm / 1048576,
                  (kube1 - kube0) / max(1, len(renewer.done))))
        news.stopped = True
        return 0 if failed == 0 and len(renewer.done) == N else 1
    finally:
        if renewer is not None:
            renewer.stop()
        stack.stop()
        pca.stop()


if __name__ == "__main__":
    sys.exit(main())

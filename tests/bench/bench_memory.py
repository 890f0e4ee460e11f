"""Benchmark: pca-issuer's memory with many CertificateRequests in the cluster.

What the Deployment's memory request and limit are sized from. Starts
kube-apiserver + etcd with the project's CRDs and RBAC, the Private CA test
server and one AWSPCAClusterIssuer, writes PCA_BENCH_MEM_OBJECTS
CertificateRequests (default 50,000; one in PCA_BENCH_OURS_EVERY, default
2, for our issuer) straight into etcd, shaped as cert-manager leaves them
once issued (managedFields of three managers, a 2048-bit RSA CSR, the
certificate and CA, Approved and Ready=True), then starts pca-issuer as its
ServiceAccount and prints, once /readyz says the lists are read:

- its resident memory (VmRSS) and peak (VmHWM) with an empty cluster, and
  with all those objects;
- then with PCA_BENCH_MEM_PENDING (default 2,000) new approved requests
  for our issuer issued at the test server's pace, its peak while they are
  in flight.

A benchmark prints numbers; it does not pass or fail on them.
"""

import base64
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
os.environ.setdefault("PCA_BENCH_OURS_EVERY", "2")
sys.path.insert(0, HERE)

import bench_kube_watch as seed  # noqa: E402
import e2e  # noqa: E402
import pcaserver  # noqa: E402

N = int(os.environ.get("PCA_BENCH_MEM_OBJECTS", "50000"))
PENDING = int(os.environ.get("PCA_BENCH_MEM_PENDING", "2000"))
AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))


def memory(pid):
    """(VmRSS, VmHWM) in MiB."""
    rss = hwm = 0.0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


def issued_template(pca):
    """bench_kube_watch's object, as it is once the certificate is written."""
    obj = json.loads(seed.template(seed.csr_b64()))
    ca_arn = pca.cas[0]["arn"]
    # The CA's own certificate stands in for the leaf: the same size class.
    pem = pca.cas[0]["certificate"].encode()
    obj["metadata"]["annotations"]["aws-privateca-issuer/certificate-arn"] = \
        ca_arn + "/certificate/0123456789abcdef0123456789abcdef"
    obj["status"] = {
        "certificate": base64.b64encode(pem).decode(),
        "ca": base64.b64encode(pem).decode(),
        "conditions": [
            {"lastTransitionTime": "2024-05-01T10:00:00Z",
             "message": "Certificate request has been approved by cert-manager.io",
             "reason": "cert-manager.io", "status": "True", "type": "Approved"},
            {"lastTransitionTime": "2024-05-01T10:00:02Z", "message": "certificate issued",
             "reason": "Issued", "status": "True", "type": "Ready"}]}
    return json.dumps(obj, separators=(",", ":"))


def wait_ready(stack, timeout=600):
    import urllib.error
    import urllib.request
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % stack.probe_port,
                                        timeout=10) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("pca-issuer not ready after %ds" % timeout)
        time.sleep(0.2)


def main():
    pca = pcaserver.PcaServer(cas=["EC_prime256v1"], quota={"IssueCertificate": 50}).start()
    stack = e2e.Stack(pca_server=pca).start()
    try:
        ns = "bench-issuer"
        stack.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        stack.create_issuer("pca", pca.cas[0]["arn"], secret=(ns, "creds"))

        proc = stack.start_issuer()
        wait_ready(stack)
        stack.wait_issuer("AWSPCAClusterIssuer", "pca", timeout=60)
        empty = memory(proc.proc.pid)
        proc.stop()

        t = time.monotonic()
        seed.Seeder(stack.cluster, issued_template(pca)).write("done", N)
        print("wrote %d issued requests (%d for our issuer) into etcd in %.0fs" % (
            N, (N + seed.OURS_EVERY - 1) // seed.OURS_EVERY, time.monotonic() - t))

        t = time.monotonic()
        proc = stack.start_issuer()
        wait_ready(stack)
        listed = time.monotonic() - t
        full = memory(proc.proc.pid)

        key = e2e.make_key("ec")
        csr = e2e.make_csr(key)
        names = ["p%05d" % i for i in range(PENDING)]
        for n in names:
            stack.create_cr(ns, n, csr, "AWSPCAClusterIssuer", "pca")
            stack.approve(ns, n)
        peak = 0.0
        while True:
            rss, _ = memory(proc.proc.pid)
            peak = max(peak, rss)
            done = stack.metric_value(stack.metrics(), "pca_issuer_certificaterequests_total",
                                      outcome="issued")
            if done >= PENDING:
                break
            time.sleep(0.5)
        after = memory(proc.proc.pid)

        print("pca-issuer memory (MiB):")
        print("  empty cluster:                  RSS %5.1f  peak %5.1f" % empty)
        print("  %6d requests, %6d ours:    RSS %5.1f  peak %5.1f  (lists read in %.1fs)" % (
            N, (N + seed.OURS_EVERY - 1) // seed.OURS_EVERY, full[0], full[1], listed))
        print("  + %d issued at 50/s:          RSS %5.1f  peak %5.1f" % (
            PENDING, after[0], after[1]))
    finally:
        stack.stop()
        pca.stop()


if __name__ == "__main__":
    main()

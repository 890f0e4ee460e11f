"""Benchmark: CertificateRequests through the real API server.

1. 2,000 requests with the Private CA test server enforcing 25
   IssueCertificate/s: achieved rate / quota, Failed count, throttling
   answers, approval-to-Ready p50/p99, pca-issuer CPU seconds and peak RSS.
2. The same without a quota, on either side: requests per second and CPU
   per request.

Prints figures; fails only if a request fails or the run does not finish.
Set PCA_BENCH_E2E_N to change the number of requests.
"""

import concurrent.futures
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import pcaserver  # noqa: E402

N = int(os.environ.get("PCA_BENCH_E2E_N", "2000"))
QUOTA = 25.0
AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))


def proc_figures(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return cpu, hwm


class ReadyWatch(threading.Thread):
    """Watches the namespace's requests and notes when each turns Ready."""

    def __init__(self, stack, ns):
        super().__init__(daemon=True)
        self.stack, self.ns = stack, ns
        self.ready_at = {}
        self.failed = set()
        self.stopped = False

    def note(self, obj):
        c = e2e.Stack.condition(obj, "Ready")
        name = obj["metadata"].get("name")
        if c and c["reason"] == "Issued" and name not in self.ready_at:
            self.ready_at[name] = time.time()
        elif c and c["reason"] == "Failed":
            self.failed.add(name)

    def relist(self, path):
        reply = self.stack.api_ok("GET", path)
        for obj in reply["items"]:
            self.note(obj)
        return reply["metadata"]["resourceVersion"]

    def run(self):
        path = e2e.CR_PATH % self.ns
        rv = self.relist(path)
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
                        rv = self.relist(path)
                        break
                    rv = ev["object"]["metadata"].get("resourceVersion", rv)
                    self.note(ev["object"])
                    if self.stopped:
                        break
            except Exception:  # a cut stream: carry on from what was seen
                if self.stopped:
                    return
                rv = self.relist(path)


def run(quota):
    pca = pcaserver.PcaServer(cas=["EC_prime256v1"], cert_cache=True, verify=quota > 0,
                              log=True, quota={"IssueCertificate": quota} if quota else None)
    pca.start()
    stack = e2e.Stack(pca_server=pca).start()
    try:
        # Without a server quota the client's own (AWS's default 25/s) is lifted too.
        proc = stack.start_issuer([] if quota else [
            "--aws-rate-limit=IssueCertificate=1000,GetCertificate=1000"])
        ns = e2e.unique("bench")
        stack.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                          "AWS_SECRET_ACCESS_KEY": SECRET})
        kind = stack.create_issuer("pca", pca.cas[0]["arn"], ns=ns, secret=(ns, "creds"))
        stack.wait_issuer(kind, "pca", ns)
        csr = e2e.make_csr(e2e.make_key("ec"))
        watch = ReadyWatch(stack, ns)
        watch.start()
        cpu0, _ = proc_figures(proc.proc.pid)
        approved_at = {}

        def one(i):
            name = "b-%05d" % i
            stack.create_cr(ns, name, csr, kind, "pca", duration="24h")
            stack.approve(ns, name)
            approved_at[name] = time.time()

        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(one, range(N)))
        created = time.time() - t0
        deadline = time.time() + max(600, 4 * N / (quota or 100))
        while len(watch.ready_at) + len(watch.failed) < N and time.time() < deadline:
            time.sleep(0.2)
        elapsed = time.time() - t0
        watch.stopped = True
        cpu1, rss = proc_figures(proc.proc.pid)
        stats = pca.stats()
        lat = sorted(watch.ready_at[n] - approved_at[n] for n in watch.ready_at
                     if n in approved_at)
        issued = [t for (t, op, outcome) in (tuple(x[:3]) for x in stats["log"])
                  if op == "IssueCertificate" and outcome == "OK"] if stats.get("log") else []
        return {
            "quota": quota, "n": N, "issued": len(watch.ready_at), "failed": len(watch.failed),
            "created_s": created, "elapsed_s": elapsed,
            "throttles": stats["throttles"].get("IssueCertificate", 0),
            "p50": lat[len(lat) // 2] if lat else float("nan"),
            "p99": lat[int(len(lat) * 0.99) - 1] if lat else float("nan"),
            "cpu_s": cpu1 - cpu0, "rss": rss,
            "rate": ((len(issued) - 1) / (max(issued) - min(issued))) if len(issued) > 1
            else len(watch.ready_at) / elapsed,
        }
    finally:
        stack.stop()
        pca.stop()


def main():
    q = run(QUOTA)
    print("e2e with quota %g IssueCertificate/s, %d requests:" % (QUOTA, q["n"]))
    print("  issued %d, failed %d, throttling answers %d" % (q["issued"], q["failed"],
                                                            q["throttles"]))
    print("  achieved %.2f IssueCertificate/s = %.3f of the quota" % (q["rate"],
                                                                      q["rate"] / QUOTA))
    print("  approval-to-Ready p50 %.2fs p99 %.2fs (requests created over %.1fs)" % (
        q["p50"], q["p99"], q["created_s"]))
    print("  pca-issuer CPU %.2fs, peak RSS %.1f MiB" % (q["cpu_s"], q["rss"] / 1048576))
    u = run(0)
    print("e2e without a quota, %d requests:" % u["n"])
    print("  issued %d, failed %d in %.1fs: %.1f requests/s (creation took %.1fs)" % (
        u["issued"], u["failed"], u["elapsed_s"], u["issued"] / u["elapsed_s"], u["created_s"]))
    print("  pca-issuer CPU %.2fs = %.0f us per request, peak RSS %.1f MiB" % (
        u["cpu_s"], 1e6 * u["cpu_s"] / max(u["issued"], 1), u["rss"] / 1048576))
    return 0 if q["failed"] == 0 and u["failed"] == 0 and q["issued"] == N and \
        u["issued"] == N else 1


if __name__ == "__main__":
    sys.exit(main())

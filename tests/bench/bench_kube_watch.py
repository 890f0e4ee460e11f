"""Benchmark: what listing and watching many CertificateRequests costs.

Starts kube-apiserver 1.20 + etcd (tests/lib/cluster.py), fills it with
PCA_BENCH_OBJECTS CertificateRequests (default 100,000) shaped like the ones
cert-manager writes (managedFields of three managers, a 2048-bit RSA CSR,
Approved and Ready conditions, about 4 KB each), of which one in
PCA_BENCH_OURS_EVERY (default 50) names our issuer, then runs the reflector
(drv_kube_reflector --issuer pca, cluster-wide, pages of 500) and prints:

- the peak RSS and CPU seconds of the reflector's process to list them all,
  next to the API server's own CPU seconds and RSS over the same interval
  (from /proc/<pid>);
- the watch: PCA_BENCH_WATCH_EVENTS (default 20,000) further objects are
  written into etcd while it watches; the events per second it handled and
  its CPU time per event.

Creating 100,000 objects through the API server takes minutes on a small
machine, so by default they are written straight into etcd, in
transactions of 100, under the keys the API server uses (it serves them
like any other, the watch cache being off). The POST rate through the API
server is measured on a sample and printed with the time the same count
would have taken; PCA_BENCH_CREATE=api creates them all through the API
server instead (kube/client.c POSTs, 32 at a time; no managedFields or
status then).

A benchmark prints numbers; it does not pass or fail on them.
"""

import base64
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import requests  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from cluster import Cluster  # noqa: E402

N = int(os.environ.get("PCA_BENCH_OBJECTS", "100000"))
OURS_EVERY = int(os.environ.get("PCA_BENCH_OURS_EVERY", "50"))
WATCH_EVENTS = int(os.environ.get("PCA_BENCH_WATCH_EVENTS", "20000"))
POST_SAMPLE = int(os.environ.get("PCA_BENCH_POST_SAMPLE", "1000"))
CREATE = os.environ.get("PCA_BENCH_CREATE", "etcd")
NAMESPACES = 10
BATCH = 100
BUILD_DIR = os.environ.get("PCA_BUILD_DIR") or os.path.join(HERE, "..", "..",
                                                             "build")
DRIVERS = os.path.join(BUILD_DIR, "drivers")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def csr_b64():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names = [x509.DNSName("app%d.example.com" % i) for i in range(3)]
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                       "app0.example.com")]))
           .add_extension(x509.SubjectAlternativeName(names), critical=False)
           .sign(key, hashes.SHA256()))
    return base64.b64encode(csr.public_bytes(serialization.Encoding.PEM)).decode()


def template(request_b64):
    """One stored object as JSON, with @NS@ @NAME@ @UID@ @ISSUER@ to fill."""
    t = "2024-05-01T10:00:00Z"
    fields = {"f:status": {"f:conditions": {
        'k:{"type":"Ready"}': {".": {}, "f:lastTransitionTime": {},
                               "f:message": {}, "f:reason": {},
                               "f:status": {}, "f:type": {}}}}}
    approved = {"f:status": {"f:conditions": {
        'k:{"type":"Approved"}': {".": {}, "f:lastTransitionTime": {},
                                  "f:message": {}, "f:reason": {},
                                  "f:status": {}, "f:type": {}}}}}
    spec_fields = {"f:metadata": {"f:annotations": {
        ".": {}, "f:cert-manager.io/certificate-name": {},
        "f:cert-manager.io/certificate-revision": {},
        "f:cert-manager.io/private-key-secret-name": {}},
        "f:ownerReferences": {".": {}, 'k:{"uid":"@UID@"}': {}}},
        "f:spec": {".": {}, "f:duration": {}, "f:issuerRef": {
            ".": {}, "f:group": {}, "f:kind": {}, "f:name": {}},
            "f:request": {}, "f:usages": {}}}
    obj = {
        "apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
        "metadata": {
            "annotations": {
                "cert-manager.io/certificate-name": "@NAME@",
                "cert-manager.io/certificate-revision": "1",
                "cert-manager.io/private-key-secret-name": "@NAME@-key"},
            "creationTimestamp": t, "generation": 1,
            "managedFields": [
                {"apiVersion": "cert-manager.io/v1", "fieldsType": "FieldsV1",
                 "fieldsV1": spec_fields,
                 "manager": "cert-manager-certificates-request-manager",
                 "operation": "Update", "time": t},
                {"apiVersion": "cert-manager.io/v1", "fieldsType": "FieldsV1",
                 "fieldsV1": approved,
                 "manager": "cert-manager-certificaterequests-approver",
                 "operation": "Apply", "time": t},
                {"apiVersion": "cert-manager.io/v1", "fieldsType": "FieldsV1",
                 "fieldsV1": fields, "manager": "pca-issuer",
                 "operation": "Apply", "time": t}],
            "name": "@NAME@", "namespace": "@NS@",
            "ownerReferences": [{"apiVersion": "cert-manager.io/v1",
                                 "blockOwnerDeletion": True,
                                 "controller": True, "kind": "Certificate",
                                 "name": "@NAME@", "uid": "@UID@"}],
            "uid": "@UID@"},
        "spec": {"duration": "2160h0m0s",
                 "issuerRef": {"group": "awspca.cert-manager.io",
                               "kind": "AWSPCAClusterIssuer",
                               "name": "@ISSUER@"},
                 "request": request_b64,
                 "usages": ["digital signature", "key encipherment",
                            "server auth"]},
        "status": {"conditions": [
            {"lastTransitionTime": t, "message": "Certificate request has "
             "been approved by cert-manager.io", "reason": "cert-manager.io",
             "status": "True", "type": "Approved"},
            {"lastTransitionTime": t, "message": "Waiting on certificate "
             "issuance", "reason": "Pending", "status": "False",
             "type": "Ready"}]}}
    return json.dumps(obj, separators=(",", ":"))


class Seeder:
    """Writes objects straight into etcd through its JSON gateway."""

    def __init__(self, cluster, tmpl):
        self.url = cluster.etcd_url + "/v3/kv/txn"
        self.tmpl = tmpl
        self.local = threading.local()

    def _session(self):
        s = getattr(self.local, "s", None)
        if s is None:
            s = requests.Session()
            s.trust_env = False
            self.local.s = s
        return s

    def _batch(self, args):
        prefix, start, count = args
        ops = []
        for i in range(start, start + count):
            ns = "bench-%d" % (i % NAMESPACES)
            name = "%s-%06d" % (prefix, i)
            issuer = "pca" if i % OURS_EVERY == 0 else "other-issuer"
            value = (self.tmpl.replace("@NS@", ns).replace("@NAME@", name)
                     .replace("@UID@", str(uuid.uuid4()))
                     .replace("@ISSUER@", issuer))
            key = "/registry/cert-manager.io/certificaterequests/%s/%s" % (
                ns, name)
            ops.append({"requestPut": {
                "key": base64.b64encode(key.encode()).decode(),
                "value": base64.b64encode(value.encode()).decode()}})
        r = self._session().post(self.url, json={"success": ops}, timeout=60)
        if r.status_code != 200:
            raise RuntimeError("etcd txn: HTTP %d %s" % (r.status_code,
                                                         r.text[:200]))

    def write(self, prefix, count, workers=4):
        jobs = [(prefix, s, min(BATCH, count - s))
                for s in range(0, count, BATCH)]
        t = time.monotonic()
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(self._batch, jobs))
        return time.monotonic() - t


def proc_usage(pid):
    """(CPU seconds, RSS MiB, peak RSS MiB) of a process."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    rss = hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return cpu, rss, hwm


class Reflector:
    def __init__(self, cluster):
        argv = [os.path.join(DRIVERS, "drv_kube_reflector"),
                "--server", cluster.server, "--ca", cluster.ca_path,
                "--cert", cluster.admin_cert_path,
                "--key", cluster.admin_key_path,
                "--issuer", "pca", "--quiet", "--page-size", "500"]
        self.log = open(os.devnull, "w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, bufsize=1)

    def line(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("drv_kube_reflector exited")
        return line.rstrip("\n")

    def wait_prefix(self, prefix):
        while True:
            line = self.line()
            if line.startswith(prefix):
                return line

    def stats(self):
        self.proc.stdin.write("stats\n")
        self.proc.stdin.flush()
        line = self.wait_prefix("STATS")
        return dict(kv.split("=", 1) for kv in line.split(" ")[1:])

    def stop(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(30)
        self.log.close()


def post(cluster, ns, body, count):
    """POSTs count objects through kube/client.c; returns (ok, seconds)."""
    cluster.create_namespace(ns)
    argv = [os.path.join(DRIVERS, "drv_kube_request"), "--server",
            cluster.server, "--ca", cluster.ca_path, "--cert",
            cluster.admin_cert_path, "--key", cluster.admin_key_path,
            "--method", "POST",
            "--path", "/apis/cert-manager.io/v1/namespaces/%s/"
            "certificaterequests" % ns,
            "--body", body, "--count", str(count), "--concurrency", "32"]
    out = json.loads(subprocess.run(argv, capture_output=True, text=True,
                                    check=True).stdout)
    return out["ok"], out["seconds"]


def post_body(request_b64, prefix, issuer="other-issuer"):
    return json.dumps({
        "apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
        "metadata": {"name": prefix + "-{{N}}"},
        "spec": {"request": request_b64, "duration": "2160h0m0s",
                 "issuerRef": {"group": "awspca.cert-manager.io",
                               "kind": "AWSPCAClusterIssuer",
                               "name": issuer},
                 "usages": ["digital signature", "server auth"]}})


def create_via_api(cluster, req):
    """N objects through the API server, one in OURS_EVERY ours; seconds."""
    ours = (N + OURS_EVERY - 1) // OURS_EVERY
    per_ns = (N - ours + NAMESPACES - 1) // NAMESPACES
    t = time.monotonic()
    post(cluster, "bench-0", post_body(req, "ours", "pca"), ours)
    left = N - ours
    for i in range(NAMESPACES):
        n = min(per_ns, left)
        if n > 0:
            post(cluster, "bench-%d" % i, post_body(req, "cr"), n)
        left -= n
    return time.monotonic() - t


def main():
    req = csr_b64()
    tmpl = template(req)
    with Cluster() as cluster:
        cluster.install_crds()
        for i in range(NAMESPACES):
            cluster.create_namespace("bench-%d" % i)
        api_pid = cluster.apiserver.pid
        ok, secs = post(cluster, "bench-post", post_body(req, "post"),
                        POST_SAMPLE)
        rate = ok / secs if secs > 0 else 0
        seeder = Seeder(cluster, tmpl)
        if CREATE == "api":
            seed_s = create_via_api(cluster, req)
        else:
            seed_s = seeder.write("cr", N)
        total = N + POST_SAMPLE
        ours = (N + OURS_EVERY - 1) // OURS_EVERY

        api0 = proc_usage(api_pid)
        t0 = time.monotonic()
        refl = Reflector(cluster)
        synced = refl.wait_prefix("SYNCED")
        list_s = time.monotonic() - t0
        api1 = proc_usage(api_pid)
        st = refl.stats()
        drv1 = proc_usage(refl.proc.pid)

        # The watch: more objects written while it watches.
        done = threading.Event()
        writer = threading.Thread(
            target=lambda: (seeder.write("w", WATCH_EVENTS), done.set()))
        t1 = time.monotonic()
        writer.start()
        want = int(st["offered"]) + WATCH_EVENTS
        last_seen, last_t = int(st["offered"]), t1
        deadline = t1 + 600
        while time.monotonic() < deadline:
            st2 = refl.stats()
            if int(st2["offered"]) != last_seen:
                last_seen, last_t = int(st2["offered"]), time.monotonic()
            if last_seen >= want:
                break
            time.sleep(0.05)
        writer.join()
        watch_s = last_t - t1
        api2 = proc_usage(api_pid)
        drv2 = proc_usage(refl.proc.pid)
        got = last_seen - int(st["offered"])
        refl.stop()

    # Stored size: the etcd template, or the POSTed body (the server then
    # adds metadata and a managedFields entry).
    size_kb = len(tmpl if CREATE != "api" else post_body(req, "cr")) / 1024
    print("objects: %d CertificateRequests of %.1f KB in %d namespaces "
          "(+%d POSTed), %d ours (1 in %d)" % (N, size_kb, NAMESPACES,
                                              POST_SAMPLE, ours, OURS_EVERY))
    print("creation: through the API server %.0f objects/s (%d would take "
          "%.0f s); %d %s in %.1f s" % (
              rate, N, N / rate if rate else 0, N,
              "POSTed" if CREATE == "api" else "written into etcd", seed_s))
    print("list: %d objects in %.1f s (%s), tracked %s, kept %s" %
          (total, list_s, synced, st["tracked"], st["kept"]))
    print("  reflector: peak RSS %.1f MiB, CPU %.2f s" %
          (int(st["maxrss_kb"]) / 1024, float(st["cpu_s"])))
    print("  kube-apiserver over the list: CPU %.2f s, RSS %.0f MiB "
          "(peak %.0f MiB)" % (api1[0] - api0[0], api1[1], api1[2]))
    print("watch: %d of %d events in %.1f s = %.0f events/s" %
          (got, WATCH_EVENTS, watch_s, got / watch_s if watch_s > 0 else 0))
    print("  reflector: CPU %.2f s (%.1f us/event), peak RSS %.1f MiB" %
          (drv2[0] - drv1[0], (drv2[0] - drv1[0]) * 1e6 / max(got, 1),
           drv2[2]))
    print("  kube-apiserver over the watch: CPU %.2f s, RSS %.0f MiB" %
          (api2[0] - api1[0], api2[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

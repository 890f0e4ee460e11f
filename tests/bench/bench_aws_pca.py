"""Benchmark of the AWS Private CA client (aws/pca.c) through drv_pca
against tests/lib/pcaserver.py.

1. Throughput: no quota anywhere and no signature checks on the server, a
   fixed number of calls kept in flight; prints calls per second and the
   client's CPU microseconds per call (the server, in Python, is usually
   the limit on calls per second; the CPU figure is the client's own).
2. Quota: the server enforces 25 IssueCertificate/s with signature checks on;
   the client starts at its default quota of 25/s. Prints the achieved rate
   over the quota (server timestamps after the first second, and overall)
   and the throttling answers seen.

Environment: PCA_BENCH_CALLS (default 5000) and PCA_BENCH_QUOTA_CALLS
(default 2000; 80 s at 25/s) size the runs. Prints numbers; never fails on
a time.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SOURCE = os.environ.get("PCA_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("PCA_BUILD_DIR", os.path.join(SOURCE, "build"))
DRIVER = os.path.join(BUILD, "drivers", "drv_pca")
PCASERVER = os.path.join(SOURCE, "tests", "lib", "pcaserver.py")
AKID, SECRET = "AKIDPCABENCH00000001", "bench-secret"


def http_json(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def write_csr(path):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(
               NameOID.COMMON_NAME, "bench.example.com")]))
           .sign(key, hashes.SHA256()))
    with open(path, "wb") as f:
        f.write(csr.public_bytes(serialization.Encoding.PEM))


def drive(url, ca_arn, csr, *args):
    cmd = [DRIVER, "--endpoint", url, "--ca-arn", ca_arn, "--akid", AKID,
           "--secret", SECRET, "--quiet", *args, "--csr", csr,
           "--signing-algorithm", "SHA256WITHECDSA"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1700)
    if proc.returncode != 0:
        raise SystemExit("drv_pca failed: %s" % proc.stderr)
    return json.loads(proc.stdout.splitlines()[-1])


def throughput(url, ca_arn, csr, calls):
    http_json(url + "/_control", "POST", {"reset_stats": True})
    for op, extra in (("IssueCertificate", ["issue"]),
                      ("DescribeCertificateAuthority", ["describe"])):
        for conc in (8, 32):
            cpu0 = http_json(url + "/_stats")["cpu_seconds"]
            s = drive(url, ca_arn, csr, *extra, "--count", str(calls),
                      "--concurrency", str(conc), "--quota", "*=1000000")
            ok = s["outcomes"]["success"]
            server = http_json(url + "/_stats")["cpu_seconds"] - cpu0
            print("%-28s concurrency %2d: %7.0f calls/s, %5.1f us client "
                  "CPU per call (%d ok of %d; server CPU %.2f s)" %
                  (op, conc, s["calls"] / s["elapsed_s"],
                   s["cpu_s"] * 1e6 / s["calls"], ok, s["calls"],
                   server), flush=True)


def quota(url, ca_arn, csr, calls):
    http_json(url + "/_control", "POST",
              {"quota": {"IssueCertificate": 25}, "verify": True, "log": True,
               "reset_stats": True})
    s = drive(url, ca_arn, csr, "issue", "--count", str(calls))
    stats = http_json(url + "/_stats")
    times = [t for t, op, code in stats["log"] if code == "OK"]
    steady = [t for t in times if t - times[0] >= 1.0]
    rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 \
        else 0.0
    overall = len(times) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    print("IssueCertificate quota 25/s, %d calls: achieved %.3f/s steady "
          "(%.4f of quota), %.3f/s overall with the initial burst; "
          "%d throttling answers, %d signature failures, %.1f us client CPU "
          "per call" %
          (calls, rate, rate / 25, overall,
           sum(stats["throttles"].values()), stats["signature_failures"],
           s["cpu_s"] * 1e6 / max(s["calls"], 1)), flush=True)


def main():
    calls = int(os.environ.get("PCA_BENCH_CALLS", "5000"))
    qcalls = int(os.environ.get("PCA_BENCH_QUOTA_CALLS", "2000"))
    srv = subprocess.Popen(
        [sys.executable, PCASERVER, "--port", "0", "--ca", "EC_prime256v1",
         "--credential", "%s:%s" % (AKID, SECRET), "--no-verify",
         "--cert-cache"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(srv.stdout.readline())
        url, ca_arn = info["url"], info["cas"][0]["arn"]
        with tempfile.TemporaryDirectory() as tmp:
            csr = os.path.join(tmp, "bench.csr")
            write_csr(csr)
            throughput(url, ca_arn, csr, calls)
            quota(url, ca_arn, csr, qcalls)
    finally:
        os.kill(srv.pid, signal.SIGTERM)
        srv.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""./build.sh demo: the main job, on this machine.

Starts a real kube-apiserver and etcd on loopback, an AWS emulator with a
Private CA (moto, or with --quota the project's Private CA test server, which
enforces an IssueCertificate quota and answers ThrottlingException), and
pca-issuer; creates an AWSPCAIssuer and a few hundred approved
CertificateRequests as cert-manager would; shows them turning Ready; prints
the metrics that matter; and stops everything on Ctrl-C.
"""

import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
os.environ.setdefault("PCA_SOURCE_DIR", os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")))
os.environ.setdefault("PCA_SHARED_TESTDATA", os.path.abspath(
    os.path.join(os.environ["PCA_SOURCE_DIR"], "..", "shared", "testdata")))
os.environ.setdefault("PCA_ISSUER_BIN", os.path.join(
    os.environ["PCA_SOURCE_DIR"], "build", "pca-issuer"))

import e2e  # noqa: E402

METRICS = [
    ("pca_issuer_certificaterequests_total", "requests finished, by outcome"),
    ("pca_issuer_certificaterequest_approval_to_ready_seconds_count", "approval-to-Ready samples"),
    ("pca_issuer_aws_calls_total", "AWS calls, by operation and outcome"),
    ("pca_issuer_aws_throttles_total", "throttling answers"),
    ("pca_issuer_aws_rate_limit", "client-side rate now (calls/s)"),
    ("pca_issuer_issuer_ready", "issuer ready"),
    ("process_resident_memory_bytes", "resident memory"),
    ("process_cpu_seconds_total", "CPU seconds"),
]


def say(msg):
    print(msg, flush=True)


def show_metrics(stack):
    text = stack.metrics()
    say("\nMetrics (http://127.0.0.1:%d/metrics):" % stack.metrics_port)
    for name, what in METRICS:
        for line in text.splitlines():
            if line.startswith(name) and (line[len(name)] in " {"):
                say("  %-90s  # %s" % (line, what))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--requests", type=int, default=300)
    ap.add_argument("--quota", type=float, default=0,
                    help="use the Private CA test server enforcing this IssueCertificate/s")
    ap.add_argument("--exit", action="store_true", help="stop once every request is Ready")
    args = ap.parse_args()

    backend = None
    stack = None
    stopping = []
    signal.signal(signal.SIGINT, lambda *a: stopping.append(1))
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(1))
    try:
        if args.quota > 0:
            import pcaserver
            backend = pcaserver.PcaServer(cas=["EC_prime256v1"], cert_cache=True,
                                          quota={"IssueCertificate": args.quota}).start()
            arn = backend.cas[0]["arn"]
            akid, secret = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
            url = backend.url
            say("Private CA test server at %s enforcing %g IssueCertificate/s" %
                (url, args.quota))
        else:
            import motoca
            backend = motoca.Moto()
            arn = backend.create_root_ca()
            akid, secret, url = motoca.ACCESS_KEY, motoca.SECRET_KEY, backend.url
            say("AWS emulator (moto) at %s with root CA %s" % (url, arn))
        say("Starting kube-apiserver and etcd on loopback ...")
        stack = e2e.Stack(issuer_env={"AWS_ENDPOINT_URL_ACM_PCA": url}).start()
        say("API server %s; starting pca-issuer as ServiceAccount %s/%s" %
            (stack.cluster.server, e2e.ISSUER_NS, e2e.ISSUER_SA))
        stack.start_issuer()
        ns = "demo"
        stack.create_secret(ns, "aws-credentials", {"AWS_ACCESS_KEY_ID": akid,
                                                    "AWS_SECRET_ACCESS_KEY": secret})
        kind = stack.create_issuer("demo-ca", arn, ns=ns, secret=(ns, "aws-credentials"))
        stack.wait_issuer(kind, "demo-ca", ns)
        say("AWSPCAIssuer %s/demo-ca is Ready" % ns)
        key = e2e.make_key("ec")
        csr = e2e.make_csr(key, cn="demo.example.com", dns=("demo.example.com",))
        say("Creating and approving %d CertificateRequests ..." % args.requests)
        t0 = time.monotonic()
        for i in range(args.requests):
            if stopping:
                break
            name = "demo-%04d" % i
            stack.create_cr(ns, name, csr, kind, "demo-ca", duration="24h")
            stack.approve(ns, name)
        created = time.monotonic() - t0
        done = 0
        while not stopping:
            counts = {}
            for obj in stack.list_crs(ns):
                c = stack.condition(obj, "Ready")
                r = c["reason"] if c else "Waiting"
                counts[r] = counts.get(r, 0) + 1
            done = counts.get("Issued", 0)
            sys.stdout.write("\r%5.1fs  Issued %d/%d  %s   " % (
                time.monotonic() - t0, done, args.requests,
                " ".join("%s=%d" % kv for kv in sorted(counts.items()) if kv[0] != "Issued")))
            sys.stdout.flush()
            if done + counts.get("Failed", 0) >= args.requests:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
        say("\nAll %d requests Ready in %.1fs (%.1fs of it creating them)." %
            (done, elapsed, created))
        show_metrics(stack)
        if not args.exit:
            say("\nEverything keeps running: try kubectl --kubeconfig %s get "
                "certificaterequests -n demo, or Ctrl-C to stop." % stack.cluster.admin_kubeconfig)
            while not stopping:
                signal.pause()
    finally:
        say("\nStopping ...")
        if stack is not None:
            stack.stop()
        if backend is not None:
            backend.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Leader election (kube/lease.c) between real processes on a real API server.

Each candidate is a drv_lease process that prints what it sees as JSON lines
with wall-clock times; the processes authenticate as pca-issuer's
ServiceAccount with the RBAC of container/manifests/rbac.yaml, so the Lease
is the one the manifests name and the verbs are the ones they grant.

Checked: two candidates elect exactly one leader and the Lease names it; a
leader killed with SIGKILL is replaced within lease duration + retry period
(and not before the lease could have expired); a leader stopped with SIGTERM
releases the Lease and is replaced within about one retry period; a leader
that cannot renew (the API server is down) stops leading at the renew
deadline and leads again once the server is back. Timings are printed.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from cluster import Cluster, FailureTracking

NS = "aws-privateca-issuer"
LEASE = "b858308c.awspca.cert-manager.io"
LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s" % (NS, LEASE)
RBAC = os.path.join(os.environ.get("PCA_SOURCE_DIR", "."), "container",
                    "manifests", "rbac.yaml")
DRIVER = os.path.join(os.environ.get("PCA_BUILD_DIR", "build"), "drivers",
                      "drv_lease")

CLUSTER = None
KUBECONFIG = None
LOGDIR = None


def setUpModule():
    global CLUSTER, KUBECONFIG, LOGDIR
    CLUSTER = Cluster().start()
    CLUSTER.install_manifests([RBAC])
    token = CLUSTER.service_account_token(NS, "aws-privateca-issuer")
    KUBECONFIG = CLUSTER.kubeconfig_for_token(token)
    LOGDIR = tempfile.mkdtemp(prefix="pca-lease-")


def tearDownModule():
    if CLUSTER is not None:
        CLUSTER.stop(failed=FailureTracking.failed)
    if LOGDIR is not None:
        if FailureTracking.failed:
            sys.stderr.write("driver logs kept in %s\n" % LOGDIR)
        else:
            shutil.rmtree(LOGDIR, ignore_errors=True)


class Candidate:
    """One drv_lease process; a thread collects its JSON lines."""

    def __init__(self, name, identity=None, lease_ms=None, renew_ms=None,
                 retry_ms=None):
        argv = [DRIVER, "--kubeconfig", KUBECONFIG, "--namespace", NS,
                "--name", LEASE]
        if identity is not None:
            argv += ["--identity", identity]
        for flag, v in (("--lease-ms", lease_ms), ("--renew-ms", renew_ms),
                        ("--retry-ms", retry_ms)):
            if v is not None:
                argv += [flag, str(v)]
        self.name = name
        self.log_path = os.path.join(LOGDIR, name + ".log")
        self.lines = []
        self.cond = threading.Condition()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                         stderr=log, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.identity = self.wait_for("ready")["identity"]

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(json.loads(line))
                self.cond.notify_all()
        with self.cond:
            self.lines.append({"event": "exit"})
            self.cond.notify_all()

    def events(self, event):
        with self.cond:
            return [ln for ln in self.lines if ln["event"] == event]

    def wait_for(self, event, timeout=30, after=0, **match):
        """The first line of that event (the after-th one onwards) matching
        match, waiting up to timeout seconds for it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [ln for ln in self.lines if ln["event"] == event and
                         all(ln.get(k) == v for k, v in match.items())]
                if len(found) > after:
                    return found[after]
                if any(ln["event"] == "exit" for ln in self.lines):
                    raise AssertionError("%s exited before %s; log:\n%s" %
                                         (self.name, event, self.log()))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s: no %s within %ss; log:\n%s" %
                                         (self.name, event, timeout,
                                          self.log()))
                self.cond.wait(left)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-30:])

    def signal(self, sig):
        t = time.time()
        os.kill(self.proc.pid, sig)
        return int(t * 1000)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(5)


class LeaseTest(FailureTracking, unittest.TestCase):


    def setUp(self):
        self.candidates = []
        if not CLUSTER.apiserver.alive():
            CLUSTER.start_apiserver()
        r = CLUSTER.api("DELETE", LEASE_PATH)
        self.assertIn(r.status_code, (200, 404), r.text)

    def tearDown(self):
        for c in self.candidates:
            c.stop()

    def candidate(self, name, **kw):
        c = Candidate(name, **kw)
        self.candidates.append(c)
        return c

    def lease_spec(self):
        return CLUSTER.api_ok("GET", LEASE_PATH)["spec"]

    def wait_renewals(self, n, timeout=30):
        """Waits (by reading the Lease) until its renewTime has changed n times."""
        seen = set()
        deadline = time.monotonic() + timeout
        while len(seen) <= n:
            self.assertLess(time.monotonic(), deadline, "the Lease is not renewed")
            r = CLUSTER.api("GET", LEASE_PATH)
            if r.status_code == 200:
                seen.add(r.json()["spec"].get("renewTime"))
            time.sleep(0.2)

    def test_one_leader_of_two(self):
        a = self.candidate("one-a")
        b = self.candidate("one-b")
        # Default identities: client-go's "<hostname>_<random>".
        self.assertNotEqual(a.identity, b.identity)
        self.assertRegex(a.identity, r"^.+_[0-9a-f]{16}$")
        leader = None
        deadline = time.monotonic() + 10
        while leader is None:
            self.assertLess(time.monotonic(), deadline, "no leader elected")
            for c in (a, b):
                if c.events("started"):
                    leader = c
            if leader is None:
                with a.cond:
                    a.cond.wait(0.1)
        follower = b if leader is a else a
        follower.wait_for("new_leader", holder=leader.identity)
        # Several renewals later, the follower still has not taken over.
        self.wait_renewals(3)
        self.assertEqual(follower.events("started"), [])
        self.assertEqual(len(leader.events("started")), 1)
        self.assertEqual(leader.events("stopped"), [])
        spec = self.lease_spec()
        self.assertEqual(spec["holderIdentity"], leader.identity)
        self.assertEqual(spec["leaseDurationSeconds"], 15)
        self.assertEqual(spec["leaseTransitions"], 0)

    def test_takeover_after_sigkill(self):
        lease_ms, retry_ms = 15000, 2000
        a = self.candidate("kill-a", identity="replica-a")
        a.wait_for("started")
        b = self.candidate("kill-b", identity="replica-b")
        b.wait_for("new_leader", holder="replica-a")
        # Kill at a random point of the renew cycle, as a crash would.
        self.wait_renewals(1)
        killed_ms = a.signal(signal.SIGKILL)
        started = b.wait_for("started", timeout=(lease_ms + 2 * retry_ms) / 1000 + 5)
        takeover = started["wall_ms"] - killed_ms
        print("\nSIGKILL takeover: %d ms (lease %d ms, retry %d ms)" %
              (takeover, lease_ms, retry_ms), file=sys.stderr)
        self.assertLessEqual(takeover, lease_ms + retry_ms + 250)
        # Not before the dead leader's lease could have run out.
        self.assertGreaterEqual(takeover, lease_ms - retry_ms)
        spec = self.lease_spec()
        self.assertEqual(spec["holderIdentity"], "replica-b")
        self.assertEqual(spec["leaseTransitions"], 1)

    def test_release_on_sigterm(self):
        retry_ms = 2000
        a = self.candidate("term-a", identity="replica-a")
        a.wait_for("started")
        b = self.candidate("term-b", identity="replica-b")
        b.wait_for("new_leader", holder="replica-a")
        self.wait_renewals(1)
        term_ms = a.signal(signal.SIGTERM)
        released = a.wait_for("released", timeout=10)
        self.assertEqual(a.proc.wait(10), 0)
        # Writers stop before the Lease is handed back.
        self.assertLessEqual(a.events("stopped")[0]["wall_ms"],
                             released["wall_ms"])
        started = b.wait_for("started", timeout=10)
        takeover = started["wall_ms"] - term_ms
        print("\nSIGTERM takeover: %d ms (release written %d ms after the "
              "signal; retry %d ms)" % (takeover, released["wall_ms"] - term_ms,
                                        retry_ms), file=sys.stderr)
        self.assertLessEqual(takeover, retry_ms + 500)
        spec = self.lease_spec()
        self.assertEqual(spec["holderIdentity"], "replica-b")
        self.assertEqual(spec["leaseDurationSeconds"], 15)
        self.assertEqual(spec["leaseTransitions"], 1)

    def test_renew_deadline_without_api_server(self):
        lease_ms, renew_ms, retry_ms = 6000, 4000, 1000
        a = self.candidate("deadline-a", identity="replica-a",
                           lease_ms=lease_ms, renew_ms=renew_ms,
                           retry_ms=retry_ms)
        a.wait_for("started")
        self.wait_renewals(1)
        t = time.time()
        CLUSTER.kill_apiserver(signal.SIGKILL)
        down_ms = int(t * 1000)
        stopped = a.wait_for("stopped", timeout=renew_ms / 1000 + 5)
        lost = stopped["wall_ms"] - down_ms
        print("\nstopped leading %d ms after the API server died (renew "
              "deadline %d ms, retry %d ms)" % (lost, renew_ms, retry_ms),
              file=sys.stderr)
        # The last renewal was at most one retry period before the crash.
        self.assertLessEqual(lost, renew_ms + 250)
        self.assertGreaterEqual(lost, renew_ms - retry_ms - 250)
        # Before anyone else could have taken the Lease over.
        self.assertLess(lost, lease_ms)
        CLUSTER.start_apiserver()
        a.wait_for("started", after=1, timeout=30)
        self.assertEqual(self.lease_spec()["holderIdentity"], "replica-a")


if __name__ == "__main__":
    unittest.main()

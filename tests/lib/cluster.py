"""A real Kubernetes control plane (etcd + kube-apiserver 1.20) on loopback.

Integration tests run pca-issuer against this instead of a fake API server so
that watch semantics, RBAC, TokenRequest, resourceVersion expiry and custom
resource validation behave exactly as on a cluster.  There is no
controller-manager, scheduler or kubelet: nothing here needs pods, and the
flags are chosen so that the API server does not expect them.

    with Cluster() as c:
        c.install_crds()
        token = c.service_account_token("ns", "issuer")
        kubeconfig = c.kubeconfig_for_token(token)

Every process is started with a parent-death signal and stopped by its pid in
stop(), which also runs at interpreter exit, so a failing or killed test leaves
nothing running.

Environment:
    PCA_KUBE_APISERVER      kube-apiserver binary (default: the cached build)
    PCA_ETCD                etcd binary (default: etcd on PATH)
    PCA_CACHE_DIR           cache used by tests/cluster/build-kube-apiserver.sh
    PCA_SHARED_TESTDATA     holds crds/*.yaml for install_crds()
    PCA_KEEP_CLUSTER_LOGS=1 keep the temporary directory (logs, certificates,
                            kubeconfigs); it is also kept after a failure
"""

import atexit
import base64
import ctypes
import datetime
import glob
import ipaddress
import json as jsonlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KUBE_VERSION = "1.20.2"
SA_ISSUER = "https://kubernetes.default.svc"
SERVICE_CIDR = "10.0.0.0/24"

# Admission plugins that 1.20 enables by default but which either act only on
# pods, nodes, volumes and CSRs, or call webhooks; none of those exist here.
_DISABLED_ADMISSION = (
    "LimitRanger,TaintNodesByCondition,Priority,DefaultTolerationSeconds,"
    "DefaultStorageClass,StorageObjectInUseProtection,"
    "PersistentVolumeClaimResize,RuntimeClass,DefaultIngressClass,"
    "MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota"
)

# The pure-Python parser needs seconds for the large cert-manager CRDs.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Core v1 (Secrets, Events, ServiceAccount tokens), what RBAC and kubectl
# auth need, CRDs, Leases for leader election, events.k8s.io, the CSR API, and the groups
# the API server itself relies on (APIServices, priority-and-fairness).
_RUNTIME_CONFIG = ",".join([
    "api/all=false",
    "api/v1=true",
    "authentication.k8s.io/v1=true",
    "authorization.k8s.io/v1=true",
    "rbac.authorization.k8s.io/v1=true",
    "apiextensions.k8s.io/v1=true",
    "apiregistration.k8s.io/v1=true",
    "coordination.k8s.io/v1=true",
    "events.k8s.io/v1=true",
    "certificates.k8s.io/v1=true",
    "flowcontrol.apiserver.k8s.io/v1beta1=true",
])

_HERE = os.path.dirname(os.path.abspath(__file__))
BUILD_SCRIPT = os.path.join(os.path.dirname(_HERE), "cluster",
                            "build-kube-apiserver.sh")


class ClusterError(Exception):
    pass


def _require_empty_default_map_keys(node):
    """Make list-map keys that default to "" required instead, in place.

    A 1.20 API server reads an empty-string default as null and rejects the
    whole CRD, yet also insists that a list-map key has a default or is
    required.  cert-manager's Issuer and ClusterIssuer have such keys only in
    ACME solver pod templates (imagePullSecrets[].name), which these tests
    never use; later servers accept the files unchanged.
    """
    if isinstance(node, dict):
        keys = node.get("x-kubernetes-list-map-keys") or []
        items = node.get("items")
        props = items.get("properties", {}) if isinstance(items, dict) else {}
        for k in keys:
            if k in props and props[k].get("default") == "":
                del props[k]["default"]
                required = items.setdefault("required", [])
                if k not in required:
                    required.append(k)
        for v in node.values():
            _require_empty_default_map_keys(v)
    elif isinstance(node, list):
        for v in node:
            _require_empty_default_map_keys(v)


def _cache_dir():
    return os.environ.get("PCA_CACHE_DIR", "/var/cache/pca-issuer")


def find_apiserver():
    """Path of kube-apiserver, building it if it is not cached yet."""
    path = os.environ.get("PCA_KUBE_APISERVER")
    if path:
        if not os.access(path, os.X_OK):
            raise ClusterError("PCA_KUBE_APISERVER=%s is not executable" % path)
        return path
    path = os.path.join(_cache_dir(), "kubernetes-" + KUBE_VERSION,
                        "kube-apiserver")
    if os.access(path, os.X_OK):
        return path
    sys.stderr.write("cluster: %s missing, running %s\n" % (path, BUILD_SCRIPT))
    proc = subprocess.run(["bash", BUILD_SCRIPT], stdout=subprocess.PIPE,
                          text=True)
    built = proc.stdout.strip().splitlines()[-1:] if proc.stdout else []
    if proc.returncode != 0 or not built or not os.access(built[0], os.X_OK):
        raise ClusterError("%s failed (exit %d); see its output above" %
                           (BUILD_SCRIPT, proc.returncode))
    return built[0]


def find_etcd():
    path = os.environ.get("PCA_ETCD") or shutil.which("etcd") or "/usr/bin/etcd"
    if not os.access(path, os.X_OK):
        raise ClusterError("etcd not found; install the etcd-server package "
                           "or run %s" % BUILD_SCRIPT)
    return path


def free_ports(n):
    """n distinct TCP ports on 127.0.0.1 that nothing listens on right now."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port():
    return free_ports(1)[0]


def _set_parent_death_signal():
    # Runs in the child between fork and exec: if the test process dies
    # without running stop() (SIGKILL, ctest timeout), the kernel sends
    # SIGTERM to the server instead of leaving it orphaned.
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def _sweep_orphaned_etcd_dirs(parent):
    """Remove etcd data left in memory by test processes that were killed
    before stop() could run."""
    for d in glob.glob(os.path.join(parent, "pca-etcd-*")):
        try:
            with open(os.path.join(d, "owner")) as f:
                pid = int(f.read().strip())
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (OSError, ValueError):
            pass


def _tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    return "\n".join(text.splitlines()[-lines:])


class _Server:
    """One child process whose output goes to a log file."""

    def __init__(self, name, argv, log_path):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True, preexec_fn=_set_parent_death_signal)
        finally:
            log.close()

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise ClusterError("%s exited with status %s; last log lines:\n%s" %
                               (self.name, self.proc.returncode,
                                _tail(self.log_path)))

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after timeout seconds; returns exit status."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode


class Cluster:
    """etcd + kube-apiserver on 127.0.0.1 with a test CA and an admin user.

    all_apis=False (the default) serves only the API groups a certificate
    controller talks to (see _RUNTIME_CONFIG); building the OpenAPI document
    of all built-in groups triples the API server's start-up time.

    watch_cache=False (the default) makes the API server serve watches straight
    from etcd, so etcd_compact() reliably expires old resourceVersions (410
    Gone) the way a long-running cluster eventually does.
    """

    def __init__(self, watch_cache=False, all_apis=False, extra_audiences=(),
                 extra_apiserver_args=(), start_timeout=120.0):
        self.watch_cache = watch_cache
        self.all_apis = all_apis
        self.audiences = [SA_ISSUER] + list(extra_audiences)
        self.extra_apiserver_args = list(extra_apiserver_args)
        self.start_timeout = start_timeout
        self.timings = {}
        self.tmpdir = None
        self.etcd = None
        self.apiserver = None
        self.failed = False
        self._etcd_data = None
        self._sessions = {}
        self._counter = 0
        self._started = False

    # -- life cycle ------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop(failed=exc_type is not None)
        return False

    def start(self):
        if self._started:
            return self
        self._started = True
        atexit.register(self.stop)
        try:
            self._start()
        except BaseException:
            self.stop(failed=True)
            raise
        return self

    def _start(self):
        t0 = time.monotonic()
        self.apiserver_bin = find_apiserver()
        self.etcd_bin = find_etcd()
        self.tmpdir = tempfile.mkdtemp(prefix="pca-cluster-")
        # etcd fsyncs every write; tmpfs keeps the API server's bootstrap
        # writes from dominating start-up time.
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        if shm:
            _sweep_orphaned_etcd_dirs(shm)
        self._etcd_data = tempfile.mkdtemp(prefix="pca-etcd-", dir=shm)
        self._write(os.path.join(self._etcd_data, "owner"), str(os.getpid()))
        self.host = "127.0.0.1"
        self.etcd_port, self.etcd_peer_port, self.port = free_ports(3)
        self.server = "https://%s:%d" % (self.host, self.port)
        self.etcd_url = "http://%s:%d" % (self.host, self.etcd_port)
        self._mark("binaries", t0)

        t = time.monotonic()
        self._start_etcd()
        self._mark("etcd", t)
        t = time.monotonic()
        self._write_pki()
        self._mark("pki", t)
        t = time.monotonic()
        self.start_apiserver()
        self._mark("apiserver", t)
        self._write_admin_kubeconfig()
        self._mark("total", t0)

    def _mark(self, phase, since):
        self.timings[phase] = round(time.monotonic() - since, 3)

    def stop(self, failed=False):
        """Stop both servers by pid and remove the temporary directory.

        With failed=True (or after a server died), the tails of the logs are
        printed and the directory is kept; PCA_KEEP_CLUSTER_LOGS=1 always
        keeps it.  The etcd data directory is always removed.
        """
        failed = failed or self.failed
        for srv in (self.apiserver, self.etcd):
            if srv is not None and srv.proc is not None \
                    and srv.proc.poll() is not None:
                failed = True
        if failed and self.tmpdir:
            self._print_log_tails()
        if self.apiserver is not None:
            self.apiserver.stop()
        if self.etcd is not None:
            self.etcd.stop()
        for s in self._sessions.values():
            s.close()
        self._sessions = {}
        if self._etcd_data:
            shutil.rmtree(self._etcd_data, ignore_errors=True)
            self._etcd_data = None
        if self.tmpdir:
            if failed or os.environ.get("PCA_KEEP_CLUSTER_LOGS") == "1":
                sys.stderr.write("cluster: logs, certificates and kubeconfigs "
                                 "kept in %s\n" % self.tmpdir)
            else:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
        self._started = False
        atexit.unregister(self.stop)

    def _print_log_tails(self):
        for srv in (self.etcd, self.apiserver):
            if srv is not None:
                sys.stderr.write("---- %s log tail (%s) ----\n%s\n" %
                                 (srv.name, srv.log_path,
                                  _tail(srv.log_path)))

    def _path(self, name):
        return os.path.join(self.tmpdir, name)

    def _wait(self, what, probe, server, timeout):
        """Poll probe() until it returns true, the server dies, or timeout."""
        deadline = time.monotonic() + timeout
        delay = 0.02
        last = None
        while True:
            server.check_alive()
            try:
                if probe():
                    return
            except (requests.RequestException, OSError, ValueError) as e:
                last = e
            if time.monotonic() > deadline:
                raise ClusterError("%s not ready after %.0fs (last error: %s); "
                                   "log tail:\n%s" % (what, timeout, last,
                                                      _tail(server.log_path)))
            time.sleep(delay)
            delay = min(delay * 2, 0.25)

    # -- etcd ------------------------------------------------------------

    def _start_etcd(self):
        peer = "http://%s:%d" % (self.host, self.etcd_peer_port)
        argv = [
            self.etcd_bin,
            "--name=pca-test",
            "--data-dir=" + os.path.join(self._etcd_data, "data"),
            "--listen-client-urls=" + self.etcd_url,
            "--advertise-client-urls=" + self.etcd_url,
            "--listen-peer-urls=" + peer,
            "--initial-advertise-peer-urls=" + peer,
            "--initial-cluster=pca-test=" + peer,
            "--initial-cluster-state=new",
            # A single member still waits one election timeout before it
            # leads; shorter timers cut start-up from ~1s.
            "--heartbeat-interval=10",
            "--election-timeout=100",
            "--quota-backend-bytes=%d" % (4 << 30),
            # Tests decide when history is compacted (etcd_compact()).
            "--auto-compaction-retention=0",
            "--logger=zap",
            "--log-outputs=stderr",
        ]
        self.etcd = _Server("etcd", argv, self._path("etcd.log"))
        self.etcd.start()
        plain = self._plain_session()

        def healthy():
            r = plain.get(self.etcd_url + "/health", timeout=2)
            return r.status_code == 200 and r.json().get("health") == "true"

        self._wait("etcd", healthy, self.etcd, 30)

    def _plain_session(self):
        if "plain" not in self._sessions:
            s = requests.Session()
            s.trust_env = False
            self._sessions["plain"] = s
        return self._sessions["plain"]

    def _etcd_call(self, method, body):
        r = self._plain_session().post(self.etcd_url + "/v3/" + method,
                                       json=body, timeout=10)
        if r.status_code != 200:
            raise ClusterError("etcd %s: HTTP %d %s" %
                               (method, r.status_code, r.text[:200]))
        return r.json()

    def etcd_revision(self):
        """The current etcd revision (the newest resourceVersion)."""
        key = base64.b64encode(b"/").decode()
        reply = self._etcd_call("kv/range", {"key": key, "count_only": True})
        return int(reply["header"]["revision"])

    def etcd_compact(self, revision=None):
        """Compact etcd history up to revision (default: the current one).

        Afterwards a watch from any older resourceVersion fails with 410.
        Returns the revision compacted to.
        """
        if revision is None:
            revision = self.etcd_revision()
        self._etcd_call("kv/compaction",
                        {"revision": str(revision), "physical": True})
        return revision

    # -- PKI -------------------------------------------------------------

    def _write_pki(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        self._not_before = now - datetime.timedelta(hours=1)
        self._not_after = now + datetime.timedelta(days=7)
        self._ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                "pca-issuer test CA")])
        self._ca_cert = (
            self._builder(ca_name, ca_name, self._ca_key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False), critical=True)
            .sign(self._ca_key, hashes.SHA256()))
        self.ca_path = self._path("ca.crt")
        self._write(self.ca_path, self._pem(self._ca_cert))

        sans = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("10.0.0.1")),
                x509.DNSName("localhost"), x509.DNSName("kubernetes"),
                x509.DNSName("kubernetes.default"),
                x509.DNSName("kubernetes.default.svc"),
                x509.DNSName("kubernetes.default.svc.cluster.local")]
        self.serving_cert_path, self.serving_key_path = self._leaf(
            "apiserver", "kube-apiserver", None, ExtendedKeyUsageOID.SERVER_AUTH,
            sans)
        self.admin_cert_path, self.admin_key_path = self._leaf(
            "admin", "pca-test-admin", "system:masters",
            ExtendedKeyUsageOID.CLIENT_AUTH, None)

        sa_key = ec.generate_private_key(ec.SECP256R1())
        self.sa_key_path = self._path("sa.key")
        self.sa_pub_path = self._path("sa.pub")
        self._write(self.sa_key_path, self._key_pem(sa_key))
        self._write(self.sa_pub_path, sa_key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo))

    def _builder(self, subject, issuer, public_key):
        return (x509.CertificateBuilder()
                .subject_name(subject).issuer_name(issuer)
                .public_key(public_key)
                .serial_number(x509.random_serial_number())
                .not_valid_before(self._not_before)
                .not_valid_after(self._not_after))

    def _leaf(self, stem, cn, org, usage, sans):
        """Writes <stem>.crt/.key signed by the test CA; returns both paths."""
        key = ec.generate_private_key(ec.SECP256R1())
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        if org:
            attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
        b = (self._builder(x509.Name(attrs), self._ca_cert.subject,
                           key.public_key())
             .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                            critical=True)
             .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName(sans),
                                critical=False)
        cert = b.sign(self._ca_key, hashes.SHA256())
        crt, keyp = self._path(stem + ".crt"), self._path(stem + ".key")
        self._write(crt, self._pem(cert))
        self._write(keyp, self._key_pem(key))
        return crt, keyp

    @staticmethod
    def _pem(cert):
        return cert.public_bytes(serialization.Encoding.PEM)

    @staticmethod
    def _key_pem(key):
        return key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())

    @staticmethod
    def _write(path, data):
        if isinstance(data, str):
            data = data.encode()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)

    @property
    def ca_pem(self):
        with open(self.ca_path, "rb") as f:
            return f.read()

    # -- kube-apiserver --------------------------------------------------

    def _apiserver_argv(self):
        return [
            self.apiserver_bin,
            "--etcd-servers=" + self.etcd_url,
            "--etcd-compaction-interval=0",  # only etcd_compact() compacts
            "--watch-cache=%s" % ("true" if self.watch_cache else "false"),
            "--bind-address=" + self.host,
            "--advertise-address=" + self.host,
            "--secure-port=%d" % self.port,
            "--cert-dir=" + self._path("cert-dir"),
            "--tls-cert-file=" + self.serving_cert_path,
            "--tls-private-key-file=" + self.serving_key_path,
            "--client-ca-file=" + self.ca_path,
            "--authorization-mode=RBAC",
            "--service-account-issuer=" + SA_ISSUER,
            "--service-account-key-file=" + self.sa_pub_path,
            "--service-account-signing-key-file=" + self.sa_key_path,
            "--api-audiences=" + ",".join(self.audiences),
            "--service-cluster-ip-range=" + SERVICE_CIDR,
            # No kubelet or endpoints to reconcile: nothing runs pods.
            "--endpoint-reconciler-type=none",
            # The CSR API's own checks: approving and signing need
            # `approve` and `sign` on the signer.
            "--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,"
            "CertificateApproval,CertificateSigning,CertificateSubjectRestriction",
            "--disable-admission-plugins=" + _DISABLED_ADMISSION,
            "--profiling=false",
            "--v=1",
        ] + ([] if self.all_apis else ["--runtime-config=" + _RUNTIME_CONFIG]) \
            + self.extra_apiserver_args

    def start_apiserver(self):
        """Start kube-apiserver (same port, certs and etcd) and wait for /readyz."""
        if self.apiserver is not None and self.apiserver.alive():
            raise ClusterError("kube-apiserver already running (pid %d)" %
                               self.apiserver.pid)
        self.apiserver = _Server("kube-apiserver", self._apiserver_argv(),
                                 self._path("kube-apiserver.log"))
        self.apiserver.start()
        admin = self.session()

        def ready():
            return admin.get(self.server + "/readyz", timeout=5).status_code \
                == 200

        self._wait("kube-apiserver", ready, self.apiserver, self.start_timeout)

    def kill_apiserver(self, sig=signal.SIGTERM):
        """Stop kube-apiserver by pid; with SIGKILL it gets no chance to close
        watches cleanly, as in a crash."""
        if self.apiserver is None or not self.apiserver.alive():
            return
        if sig != signal.SIGTERM:
            os.kill(self.apiserver.pid, sig)
        self.apiserver.stop()
        # Pooled keep-alive connections point at the dead process.
        for s in self._sessions.values():
            s.close()
        self._sessions = {}

    def restart_apiserver(self, sig=signal.SIGTERM):
        t = time.monotonic()
        self.kill_apiserver(sig)
        self.start_apiserver()
        self._mark("restart", t)

    # -- clients ---------------------------------------------------------

    def session(self, token=None):
        """A requests.Session trusting only the test CA.

        Without token it authenticates with the admin client certificate
        (system:masters); with a token it sends only that bearer token.
        trust_env is off so REQUESTS_CA_BUNDLE and proxies are ignored.
        """
        key = ("token", token) if token is not None else "admin"
        s = self._sessions.get(key)
        if s is None:
            s = requests.Session()
            s.trust_env = False
            s.verify = self.ca_path
            if token is None:
                s.cert = (self.admin_cert_path, self.admin_key_path)
            else:
                s.headers["Authorization"] = "Bearer " + token
            self._sessions[key] = s
        return s

    def api(self, method, path, json=None, token=None, params=None,
            headers=None, data=None, stream=False, timeout=30):
        """One request to the API server; returns the requests.Response."""
        return self.session(token).request(
            method, self.server + path, json=json, params=params,
            headers=headers, data=data, stream=stream, timeout=timeout)

    def api_ok(self, method, path, json=None, expect=(200, 201), **kw):
        """api() that raises unless the status is in expect; returns JSON."""
        r = self.api(method, path, json=json, **kw)
        if r.status_code not in expect:
            raise ClusterError("%s %s: HTTP %d %s" %
                               (method, path, r.status_code, r.text[:500]))
        return r.json()

    def watch(self, path, resource_version, token=None, timeout_seconds=10,
              max_events=None):
        """Events of a watch on path from resource_version, as a list.

        Returns (http_status, events).  Stops after max_events events, when
        the server ends the watch (timeout_seconds or an ERROR event), or
        on an HTTP error status (then events is empty).
        """
        params = {"watch": "1", "resourceVersion": str(resource_version),
                  "timeoutSeconds": str(timeout_seconds),
                  "allowWatchBookmarks": "false"}
        r = self.api("GET", path, token=token, params=params, stream=True,
                     timeout=timeout_seconds + 10)
        events = []
        try:
            if r.status_code != 200:
                return r.status_code, events
            for line in r.iter_lines():
                if not line:
                    continue
                events.append(jsonlib.loads(line))
                if events[-1].get("type") == "ERROR":
                    break
                if max_events is not None and len(events) >= max_events:
                    break
        finally:
            r.close()
        return r.status_code, events

    def _write_admin_kubeconfig(self):
        self.admin_kubeconfig = self._path("admin.kubeconfig")
        with open(self.admin_cert_path, "rb") as f:
            crt = f.read()
        with open(self.admin_key_path, "rb") as f:
            key = f.read()
        user = {"client-certificate-data": base64.b64encode(crt).decode(),
                "client-key-data": base64.b64encode(key).decode()}
        self._write_kubeconfig(self.admin_kubeconfig, "admin", user, False)

    def _write_kubeconfig(self, path, user_name, user, ca_file):
        cluster = {"server": self.server}
        if ca_file:
            cluster["certificate-authority"] = self.ca_path
        else:
            cluster["certificate-authority-data"] = \
                base64.b64encode(self.ca_pem).decode()
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "pca-test", "cluster": cluster}],
            "users": [{"name": user_name, "user": user}],
            "contexts": [{"name": "pca-test",
                          "context": {"cluster": "pca-test",
                                      "user": user_name}}],
            "current-context": "pca-test",
        }
        self._write(path, yaml.safe_dump(doc, sort_keys=False))
        return path

    def _new_path(self, stem):
        self._counter += 1
        return self._path("%s-%d" % (stem, self._counter))

    def kubeconfig_for_token(self, token, path=None, ca_file=False):
        """Write a kubeconfig that authenticates with token; returns its path.

        The CA is embedded (certificate-authority-data) unless ca_file is
        true, in which case the kubeconfig names the CA file instead.
        """
        return self._write_kubeconfig(
            path or self._new_path("token.kubeconfig"), "token-user",
            {"token": token}, ca_file)

    def kubeconfig_for_token_file(self, token_file_path, path=None,
                                  ca_file=False):
        """Write a kubeconfig whose user reads its token from a file."""
        return self._write_kubeconfig(
            path or self._new_path("tokenfile.kubeconfig"), "token-file-user",
            {"tokenFile": token_file_path}, ca_file)

    def kubectl(self, *args, input=None, check=True, timeout=120,
                kubeconfig=None):
        """Run the machine's kubectl (as admin unless another kubeconfig is
        given); returns the CompletedProcess."""
        kubeconfig = kubeconfig or self.admin_kubeconfig
        argv = ["kubectl", "--kubeconfig=" + kubeconfig,
                # A fresh discovery cache: ports are reused between clusters.
                "--cache-dir=" + self._path("kubectl-cache")] + list(args)
        env = dict(os.environ, KUBECONFIG=kubeconfig)
        proc = subprocess.run(argv, input=input, capture_output=True,
                              text=True, env=env, timeout=timeout)
        if check and proc.returncode != 0:
            raise ClusterError("kubectl %s failed (%d): %s%s" %
                               (" ".join(args), proc.returncode, proc.stdout,
                                proc.stderr))
        return proc

    # -- resources -------------------------------------------------------

    def install_manifests(self, paths):
        """kubectl create every file in paths (objects already present are
        left as they are)."""
        for p in paths:
            # Client-side validation would reject fields that the newer
            # kubectl knows but a 1.20 server does not; the server drops them.
            proc = self.kubectl("create", "--validate=false", "-f", p,
                                check=False)
            if proc.returncode == 0:
                continue
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            if not lines or any("(AlreadyExists)" not in ln for ln in lines):
                raise ClusterError("kubectl create -f %s failed: %s" %
                                   (p, proc.stderr))

    def install_crds(self, crd_dir=None, timeout=60):
        """Create the cert-manager CRDs and wait until they are served.

        Each CRD is POSTed as `kubectl create` would (without kubectl's
        discovery round trips), not server-side applied: a 1.20 API server
        rejects SSA of CRDs carrying fields added after 1.20
        (selectableFields), while a create drops them.  CRDs that already
        exist are left as they are.  Returns the CRD names.
        """
        if crd_dir is None:
            shared = os.environ.get("PCA_SHARED_TESTDATA") or os.path.join(
                os.path.dirname(os.path.dirname(os.path.dirname(_HERE))),
                "shared", "testdata")
            crd_dir = os.path.join(shared, "crds")
        files = sorted(glob.glob(os.path.join(crd_dir, "*.yaml")))
        if not files:
            raise ClusterError("no CRD files in %s" % crd_dir)
        t = time.monotonic()
        names = []
        for f in files:
            with open(f) as fh:
                docs = [d for d in yaml.load_all(fh, Loader=_YAML_LOADER) if d]
            for doc in docs:
                if doc.get("kind") != "CustomResourceDefinition":
                    continue
                _require_empty_default_map_keys(doc)
                self.api_ok("POST", "/apis/apiextensions.k8s.io/v1/"
                            "customresourcedefinitions", json=doc,
                            expect=(201, 409))
                names.append(doc["metadata"]["name"])
        for name in names:
            self.wait_crd_established(name, timeout)
        self._mark("crds", t)
        return names

    def wait_crd_established(self, name, timeout=60):
        path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name

        def established():
            r = self.api("GET", path)
            if r.status_code != 200:
                return False
            conds = r.json().get("status", {}).get("conditions") or []
            return any(c.get("type") == "Established" and
                       c.get("status") == "True" for c in conds)

        self._wait("CRD " + name, established, self.apiserver, timeout)

    def create_namespace(self, name):
        r = self.api("POST", "/api/v1/namespaces",
                     json={"apiVersion": "v1", "kind": "Namespace",
                           "metadata": {"name": name}})
        if r.status_code not in (201, 409):
            raise ClusterError("create namespace %s: HTTP %d %s" %
                               (name, r.status_code, r.text[:300]))
        return name

    def ensure_service_account(self, namespace, name):
        self.create_namespace(namespace)
        r = self.api("POST", "/api/v1/namespaces/%s/serviceaccounts" %
                     namespace,
                     json={"apiVersion": "v1", "kind": "ServiceAccount",
                           "metadata": {"name": name}})
        if r.status_code not in (201, 409):
            raise ClusterError("create serviceaccount %s/%s: HTTP %d %s" %
                               (namespace, name, r.status_code, r.text[:300]))

    def service_account_token(self, namespace, name, audience=None,
                              expiration_seconds=3600):
        """A bound token for namespace/name from the TokenRequest API.

        The ServiceAccount (and namespace) are created when missing.  An
        audience not in the server's --api-audiences is accepted here but
        rejected (401) when the token is used against this API server.
        """
        self.ensure_service_account(namespace, name)
        spec = {"expirationSeconds": int(expiration_seconds)}
        if audience is not None:
            spec["audiences"] = [audience] if isinstance(audience, str) \
                else list(audience)
        reply = self.api_ok(
            "POST", "/api/v1/namespaces/%s/serviceaccounts/%s/token" %
            (namespace, name),
            json={"apiVersion": "authentication.k8s.io/v1",
                  "kind": "TokenRequest", "spec": spec})
        return reply["status"]["token"]

    def write_token_file(self, token, path=None):
        path = path or self._new_path("token")
        self._write(path, token)
        return path


class FailureTracking:
    """A mixin for unittest.TestCase that notes when one of its tests
    fails, so that a module's tearDownModule can stop its cluster with
    stop(failed=FailureTracking.failed) and keep the server logs."""

    failed = False

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            FailureTracking.failed = True
        return out

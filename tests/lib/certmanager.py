"""A test fixture standing in for cert-manager's Certificate controllers.

cert-manager itself cannot run on this machine (there is no kubelet or
container runtime behind the test API server), so end-to-end tests that need
Certificates rather than hand-made CertificateRequests start this instead.  It
is a test fixture, not a reimplementation: it follows what cert-manager v1.21
does closely enough that pca-issuer sees the same objects, written in the same
way, but it is one polling thread driven through the cluster's admin client.

    cm = CertManager(cluster, namespaces=["ns"]).start()
    cm.create_certificate("ns", "web", "AWSPCAClusterIssuer", "pca",
                          duration="1h", renew_before="20m")
    crt = cm.wait_ready("ns", "web")
    cm.renew("ns", "web")                    # as `cmctl renew`
    cm.wait_ready("ns", "web", revision=2)
    cm.stop(); cm.assert_no_errors()

What the thread does for every Certificate (cert-manager.io/v1), as
cert-manager's controllers do:

  trigger      sets Issuing=True when the Secret is missing, incomplete or
               does not match the spec, or the renewal time has come (from the
               certificate in the Secret, as cert-manager computes it); backs
               off after a failure (1 h, doubling, at most 32 h).
  keymanager   keeps the next private key in a Secret "<name>-xxxxx" labelled
               cert-manager.io/next-private-key, owned by the Certificate, and
               names it in status.nextPrivateKeySecretName while issuing.
  requestmanager
               creates CertificateRequest "<name>-<revision+1>" with the PEM CSR,
               issuerRef, duration, isCA and usages of the spec, the
               certificate-name / certificate-revision / private-key-secret-name
               annotations and a controller ownerReference; deletes a request
               that no longer matches the spec or key, or that failed in an
               earlier issuance of the same revision.
  approver     applies Approved=True (reason cert-manager.io) to /status with
               the field manager cert-manager-certificaterequests-approver.
  issuing      on Ready=True/Issued writes the Secret (tls.crt, tls.key,
               ca.crt) and status (revision, Ready, notBefore, notAfter,
               renewalTime; Issuing removed); on Denied, InvalidRequest or
               Ready=False/Failed sets Issuing=False, lastFailureTime and
               failedIssuanceAttempts.
  readiness    keeps Ready, notBefore, notAfter and renewalTime in step with
               the Secret.
  revisionmanager
               deletes owned CertificateRequests beyond
               spec.revisionHistoryLimit (default 1) while Ready=True.

Status writes are PUTs of /status carrying the resourceVersion read, retried on
409 after a fresh read.  Only Certificates are acted on; CertificateRequests a
test creates itself are never approved.  There is no garbage collector in the
test cluster, so deleting a Certificate leaves its requests and Secrets behind;
delete_certificate() removes them too.

Not modelled: events, additional output formats and keystores, literalSubject,
otherNames, nameConstraints, renewal windows (spec.renewal.policy Disabled is
honoured), the fuzzy Secret-versus-spec check used when the current request is
gone, and Secrets shared by several Certificates.
"""

import base64
import copy
import datetime
import functools
import hashlib
import ipaddress
import json
import os
import re
import sys
import threading
import time
import traceback

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

GROUP = "cert-manager.io"
CRT_PATH = "/apis/cert-manager.io/v1/namespaces/%s/certificates"
CRT_ALL = "/apis/cert-manager.io/v1/certificates"
CR_PATH = e2e.CR_PATH
SECRET_PATH = "/api/v1/namespaces/%s/secrets"

CERT_NAME_KEY = "cert-manager.io/certificate-name"
REVISION_KEY = "cert-manager.io/certificate-revision"
PRIVATE_KEY_KEY = "cert-manager.io/private-key-secret-name"
NEXT_KEY_LABEL = "cert-manager.io/next-private-key"
FAO_LABEL = "controller.cert-manager.io/fao"
APPROVER = "cert-manager-certificaterequests-approver"
APPROVED_MESSAGE = "Certificate request has been approved by cert-manager.io"
READY_MESSAGE = "Certificate is up to date and has not expired"
MANUAL_MESSAGE = "Certificate re-issuance manually triggered"

DEFAULT_USAGES = ("digital signature", "key encipherment")
# Annotation prefixes cert-manager does not copy from a Certificate onto its
# CertificateRequests (the default of --copied-annotation-prefixes).
_NOT_COPIED = ("kubectl.kubernetes.io/", "fluxcd.io/", "argocd.argoproj.io/")
_MAX_BACKOFF = 32 * 3600.0

_KEY_USAGE_BITS = {
    "signing": "digital_signature",
    "digital signature": "digital_signature",
    "content commitment": "content_commitment",
    "key encipherment": "key_encipherment",
    "key agreement": "key_agreement",
    "data encipherment": "data_encipherment",
    "cert sign": "key_cert_sign",
    "crl sign": "crl_sign",
    "encipher only": "encipher_only",
    "decipher only": "decipher_only",
}
_EXT_KEY_USAGES = {
    "any": ObjectIdentifier("2.5.29.37.0"),
    "server auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "s/mime": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "ipsec end system": ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    "ipsec tunnel": ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
    "ipsec user": ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp signing": ExtendedKeyUsageOID.OCSP_SIGNING,
    "microsoft sgc": ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    "netscape sgc": ObjectIdentifier("2.16.840.1.113730.4.1"),
}


class CertManagerError(Exception):
    pass


# -- small helpers ------------------------------------------------------------

_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6,
             "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_go_duration(text):
    """Seconds in a Go duration string ("1h30m", "2160h0m0s", "90s")."""
    s = text.strip()
    sign = 1.0
    if s[:1] in "+-":
        sign, s = (-1.0 if s[0] == "-" else 1.0), s[1:]
    if s == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(s):
        m = _GO_PART.match(s, pos)
        if m is None:
            raise ValueError("invalid duration %r" % text)
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise ValueError("invalid duration %r" % text)
    return sign * total


def rfc3339(t):
    """A metav1.Time as the API stores it: UTC, whole seconds, 'Z'."""
    if isinstance(t, (int, float)):
        t = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    """A metav1.Time string as an aware datetime."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _go_time(dt):
    # What fmt's %s prints for a metav1.Time.
    return dt.astimezone(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S +0000 UTC")


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def condition(obj, ctype):
    """The condition of type ctype in obj's status, or None."""
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def _is_true(obj, ctype):
    c = condition(obj, ctype)
    return c is not None and c.get("status") == "True"


def set_condition(obj, ctype, status, reason, message, generation=True):
    """cert-manager's SetCertificateCondition: replace or append the
    condition, keeping lastTransitionTime when the status is unchanged."""
    st = obj.setdefault("status", {})
    conds = st.setdefault("conditions", [])
    now = rfc3339(_now())
    new = {"type": ctype, "status": status, "reason": reason,
           "message": message, "lastTransitionTime": now}
    if generation:
        new["observedGeneration"] = obj["metadata"].get("generation", 0)
    for i, c in enumerate(conds):
        if c.get("type") == ctype:
            if c.get("status") == status and c.get("lastTransitionTime"):
                new["lastTransitionTime"] = c["lastTransitionTime"]
            conds[i] = new
            return
    conds.append(new)


def remove_condition(obj, ctype):
    st = obj.get("status") or {}
    if st.get("conditions"):
        st["conditions"] = [c for c in st["conditions"] if c.get("type") != ctype]


def _controlled_by(obj, owner):
    uid = owner["metadata"]["uid"]
    return any(r.get("controller") and r.get("uid") == uid
               for r in obj["metadata"].get("ownerReferences") or [])


def _revision_of(cr):
    v = (cr["metadata"].get("annotations") or {}).get(REVISION_KEY, "")
    try:
        return int(v)
    except ValueError:
        return None


def request_name(crt_name, revision):
    """The stable CertificateRequest name cert-manager uses by default."""
    base = crt_name
    if len(base) > 233:
        digest = hashlib.sha256(base.encode()).hexdigest()
        prefix = base[:233 - 64 - 1]
        while prefix and not prefix[-1].isalnum():
            prefix = prefix[:-1]
        base = "%s-%s" % (prefix, digest) if prefix else digest
    return "%s-%d" % (base, revision)


def _b64(data):
    return base64.b64encode(data).decode()


def _pub_der(key_or_pub):
    pub = key_or_pub.public_key() if hasattr(key_or_pub, "public_key") else key_or_pub
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def first_certificate(pem):
    certs = x509.load_pem_x509_certificates(pem)
    if not certs:
        raise ValueError("no certificate in PEM data")
    return certs[0]


@functools.lru_cache(maxsize=256)
def load_key(pem):
    """A PEM private key; cached, as checking an RSA key costs ~40 ms and
    every poll looks at every Secret's key."""
    return serialization.load_pem_private_key(pem, password=None)


# -- keys and CSRs ------------------------------------------------------------

def _key_spec(spec):
    pk = spec.get("privateKey") or {}
    alg = pk.get("algorithm") or "RSA"
    size = pk.get("size")
    if alg == "RSA":
        size = size or 2048
    elif alg == "ECDSA":
        size = size or 256
    else:
        size = None
    return alg, size


def generate_key(spec):
    """A private key for a Certificate spec (RSA 2048 by default)."""
    alg, size = _key_spec(spec)
    if alg == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    if alg == "ECDSA":
        curve = {256: ec.SECP256R1, 384: ec.SECP384R1, 521: ec.SECP521R1}.get(size)
        if curve is None:
            raise CertManagerError("unsupported ECDSA key size %s" % size)
        return ec.generate_private_key(curve())
    if alg == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise CertManagerError("unsupported private key algorithm %r" % alg)


def key_violations(key, spec):
    """cert-manager's PrivateKeyMatchesSpec: what about key the spec rejects."""
    alg, size = _key_spec(spec)
    if alg == "RSA":
        if not isinstance(key, rsa.RSAPrivateKey):
            return ["spec.privateKey.algorithm"]
        return [] if key.key_size == size else ["spec.privateKey.size"]
    if alg == "ECDSA":
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            return ["spec.privateKey.algorithm"]
        return [] if key.curve.key_size == size else ["spec.privateKey.size"]
    if alg == "Ed25519":
        return [] if isinstance(key, ed25519.Ed25519PrivateKey) \
            else ["spec.privateKey.algorithm"]
    return ["spec.privateKey.algorithm"]


def encode_key(key, encoding="PKCS1"):
    """PEM of key: PKCS#1 (RSA) / SEC 1 (EC) unless encoding is PKCS8."""
    fmt = serialization.PrivateFormat.PKCS8
    if encoding != "PKCS8" and not isinstance(key, ed25519.Ed25519PrivateKey):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, fmt,
                             serialization.NoEncryption())


def _csr_hash(key, spec):
    alg = spec.get("signatureAlgorithm")
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return None
    if alg:
        for name, h in (("SHA512", hashes.SHA512), ("SHA384", hashes.SHA384),
                        ("SHA256", hashes.SHA256)):
            if name in alg:
                return h()
    if isinstance(key, rsa.RSAPrivateKey):
        bits = key.key_size
        return hashes.SHA256() if bits < 3072 else \
            hashes.SHA384() if bits < 4096 else hashes.SHA512()
    return {256: hashes.SHA256, 384: hashes.SHA384,
            521: hashes.SHA512}.get(key.curve.key_size, hashes.SHA256)()


def usages_for(usages, is_ca):
    """cert-manager's KeyUsagesForCertificateOrCertificateRequest: the key
    usage bit names and extended key usage OIDs a spec asks for."""
    bits = {"key_cert_sign"} if is_ca else set()
    ekus = []
    unknown = []
    for u in usages or DEFAULT_USAGES:
        if u in _KEY_USAGE_BITS:
            bits.add(_KEY_USAGE_BITS[u])
        elif u in _EXT_KEY_USAGES:
            ekus.append(_EXT_KEY_USAGES[u])
        else:
            unknown.append(u)
    if unknown:
        raise CertManagerError("unknown key usages: %s" % unknown)
    return bits, ekus


def build_csr(key, spec, basic_constraints=True):
    """The PEM CSR cert-manager's requestmanager would send for spec.

    Subject from commonName and spec.subject; SANs from dnsNames,
    emailAddresses, ipAddresses and uris (critical when the subject is
    empty); key usage (critical) and extended key usage from spec.usages and
    spec.isCA unless spec.encodeUsagesInRequest is false; basic constraints
    (critical, CA = spec.isCA) when basic_constraints is true, as cert-manager
    does with its UseCertificateRequestBasicConstraints feature gate.
    """
    subj = spec.get("subject") or {}
    attrs = []
    for field, oid in (("countries", NameOID.COUNTRY_NAME),
                       ("provinces", NameOID.STATE_OR_PROVINCE_NAME),
                       ("localities", NameOID.LOCALITY_NAME),
                       ("streetAddresses", NameOID.STREET_ADDRESS),
                       ("postalCodes", NameOID.POSTAL_CODE),
                       ("organizations", NameOID.ORGANIZATION_NAME),
                       ("organizationalUnits", NameOID.ORGANIZATIONAL_UNIT_NAME)):
        attrs += [x509.NameAttribute(oid, v) for v in subj.get(field) or []]
    if spec.get("commonName"):
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, spec["commonName"]))
    if subj.get("serialNumber"):
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, subj["serialNumber"]))
    b = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))

    sans = [x509.DNSName(d) for d in spec.get("dnsNames") or []]
    sans += [x509.RFC822Name(e) for e in spec.get("emailAddresses") or []]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in spec.get("ipAddresses") or []]
    sans += [x509.UniformResourceIdentifier(u) for u in spec.get("uris") or []]
    if not attrs and not sans:
        raise CertManagerError(
            "at least one of commonName, dnsNames, emailAddresses, "
            "ipAddresses or uris must be set")
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=not attrs)

    if spec.get("encodeUsagesInRequest", True):
        bits, ekus = usages_for(spec.get("usages"), spec.get("isCA", False))
        if bits:
            names = ("digital_signature", "content_commitment", "key_encipherment",
                     "data_encipherment", "key_agreement", "key_cert_sign",
                     "crl_sign", "encipher_only", "decipher_only")
            b = b.add_extension(x509.KeyUsage(**{n: n in bits for n in names}),
                                critical=True)
        if ekus:
            b = b.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
    if basic_constraints:
        b = b.add_extension(x509.BasicConstraints(ca=bool(spec.get("isCA")),
                                                  path_length=None), critical=True)
    return b.sign(key, _csr_hash(key, spec)).public_bytes(serialization.Encoding.PEM)


def request_violations(cr, spec):
    """cert-manager's RequestMatchesSpec (without otherNames and
    literalSubject): which spec fields the CertificateRequest does not match."""
    csr = x509.load_pem_x509_csr(base64.b64decode(cr["spec"]["request"]))
    out = []
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = x509.SubjectAlternativeName([])

    def same(a, b):
        return sorted(a) == sorted(b)

    ips = [ipaddress.ip_address(i) for i in spec.get("ipAddresses") or []]
    if not same(map(str, san.get_values_for_type(x509.IPAddress)), map(str, ips)):
        out.append("spec.ipAddresses")
    if not same(san.get_values_for_type(x509.UniformResourceIdentifier), spec.get("uris") or []):
        out.append("spec.uris")
    if not same(san.get_values_for_type(x509.RFC822Name), spec.get("emailAddresses") or []):
        out.append("spec.emailAddresses")
    if not same(san.get_values_for_type(x509.DNSName), spec.get("dnsNames") or []):
        out.append("spec.dnsNames")
    subj = spec.get("subject") or {}

    def attr(oid):
        return [a.value for a in csr.subject.get_attributes_for_oid(oid)]

    if (attr(NameOID.COMMON_NAME) or [""])[0] != spec.get("commonName", ""):
        out.append("spec.commonName")
    if (attr(NameOID.SERIAL_NUMBER) or [""])[0] != subj.get("serialNumber", ""):
        out.append("spec.subject.serialNumber")
    for field, oid in (("organizations", NameOID.ORGANIZATION_NAME),
                       ("countries", NameOID.COUNTRY_NAME),
                       ("localities", NameOID.LOCALITY_NAME),
                       ("organizationalUnits", NameOID.ORGANIZATIONAL_UNIT_NAME),
                       ("postalCodes", NameOID.POSTAL_CODE),
                       ("provinces", NameOID.STATE_OR_PROVINCE_NAME),
                       ("streetAddresses", NameOID.STREET_ADDRESS)):
        if not same(attr(oid), subj.get(field) or []):
            out.append("spec.subject." + ("postCodes" if field == "postalCodes" else field))
    crs = cr["spec"]
    if bool(crs.get("isCA")) != bool(spec.get("isCA")):
        out.append("spec.isCA")
    if not same(crs.get("usages") or [], spec.get("usages") or []):
        out.append("spec.usages")
    if crs.get("duration") and spec.get("duration") and \
            parse_go_duration(crs["duration"]) != parse_go_duration(spec["duration"]):
        out.append("spec.duration")
    a, b = crs.get("issuerRef") or {}, spec.get("issuerRef") or {}
    if a.get("name") != b.get("name") or \
            (a.get("kind") or "Issuer") != (b.get("kind") or "Issuer") or \
            (a.get("group") or GROUP) != (b.get("group") or GROUP):
        out.append("spec.issuerRef")
    return out


def renewal_time(not_before, not_after, spec):
    """cert-manager's RenewalTime: notAfter minus renewBefore (if shorter than
    the lifetime), else minus renewBeforePercentage of the lifetime, else
    minus a third of it; truncated to the second.  None when
    spec.renewal.policy is Disabled."""
    if (spec.get("renewal") or {}).get("policy") == "Disabled":
        return None
    lifetime = (not_after - not_before).total_seconds()
    before = None
    if spec.get("renewBefore"):
        rb = parse_go_duration(spec["renewBefore"])
        if 0 < rb < lifetime:
            before = rb
    pct = spec.get("renewBeforePercentage")
    if before is None and pct is not None and 0 < pct < 100:
        before = lifetime * pct / 100.0
    if before is None:
        before = lifetime / 3.0
    t = not_after - datetime.timedelta(seconds=before)
    return t.replace(microsecond=0)


# -- the fixture --------------------------------------------------------------

class CertManager:
    """cert-manager's Certificate controllers, as one polling thread.

    cluster     a started cluster.Cluster (its admin client is used)
    namespaces  namespaces to act in; None for all
    interval    seconds between polls
    failure_backoff
                first back-off after a failed issuance, doubling per failure
                up to 32 h (cert-manager: 1 h); renew() is not subject to it
    basic_constraints
                put basic constraints in CSRs (cert-manager's
                UseCertificateRequestBasicConstraints gate); off = cert-manager's
                default, which leaves them to the issuer
    verbose     print every action to stderr (also PCA_CM_VERBOSE=1)
    """

    def __init__(self, cluster, namespaces=None, interval=0.2,
                 failure_backoff=3600.0, basic_constraints=True, verbose=None):
        self.cluster = cluster
        self.namespaces = None if namespaces is None else list(namespaces)
        self.interval = interval
        self.failure_backoff = failure_backoff
        self.basic_constraints = basic_constraints
        self.verbose = verbose if verbose is not None else \
            os.environ.get("PCA_CM_VERBOSE") == "1"
        self.errors = []             # unexpected failures, each message once
        self.actions = []            # (time, "ns/name", what), newest last
        self.connection_errors = 0   # API server unreachable (e.g. restarted)
        self._seen_errors = set()
        self._failed_uids = set()    # requests whose failure was recorded
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._paused = False
        self._thread = None

    # -- life cycle --------------------------------------------------------

    def start(self):
        if self._thread is not None:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="certmanager",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=30.0):
        """Stop the thread; returns once it has ended."""
        self._stop.set()
        t, self._thread = self._thread, None
        if t is not None:
            t.join(timeout)
            if t.is_alive():
                raise CertManagerError("certmanager thread did not stop")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def pause(self):
        """Stop acting until resume(); returns after any pass in progress."""
        self._paused = True
        with self._lock:
            pass

    def resume(self):
        self._paused = False

    @property
    def paused(self):
        return self._paused

    def assert_no_errors(self):
        if self.errors:
            raise AssertionError("certmanager fixture errors:\n" + "\n".join(self.errors))

    def _run(self):
        while not self._stop.is_set():
            with self._lock:
                if not self._paused:
                    try:
                        self._tick()
                    except requests.ConnectionError as e:
                        self._connection_error(e)
                    except Exception as e:  # noqa: BLE001 - recorded, not lost
                        self._error("poll", e)
            self._stop.wait(self.interval)

    def _error(self, where, exc):
        if isinstance(exc, requests.ConnectionError):
            self._connection_error(exc)
            return
        msg = "%s: %s" % (where, exc if isinstance(exc, (CertManagerError,))
                          else "".join(traceback.format_exception_only(type(exc), exc)).strip())
        if msg in self._seen_errors:
            return
        self._seen_errors.add(msg)
        self.errors.append(msg)
        sys.stderr.write("certmanager: ERROR %s\n" % msg)
        if not isinstance(exc, CertManagerError):
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)

    def _connection_error(self, exc):
        self.connection_errors += 1
        if self.connection_errors == 1 or self.verbose:
            sys.stderr.write("certmanager: API server unreachable: %s\n" % exc)

    def _act(self, crt, what):
        key = "%s/%s" % (crt["metadata"]["namespace"], crt["metadata"]["name"])
        self.actions.append((time.time(), key, what))
        del self.actions[:-1000]
        if self.verbose:
            sys.stderr.write("certmanager: %s: %s\n" % (key, what))

    # -- API ---------------------------------------------------------------

    def _api(self, method, path, **kw):
        return self.cluster.api(method, path, **kw)

    def _ok(self, r, what, expect=(200, 201)):
        if r.status_code not in expect:
            raise CertManagerError("%s: HTTP %d %s" % (what, r.status_code, r.text[:300]))
        return r.json()

    def _list(self, path):
        return self._ok(self._api("GET", path), "list " + path).get("items") or []

    def _delete(self, path):
        r = self._api("DELETE", path)
        if r.status_code not in (200, 202, 404):
            raise CertManagerError("delete %s: HTTP %d %s" % (path, r.status_code, r.text[:300]))

    def _crt_path(self, ns, name):
        return CRT_PATH % ns + "/" + name

    def update_status(self, crt, mutate, attempts=20):
        """PUT /status of crt after mutate(obj) changed it; on 409 re-read and
        call mutate again.  mutate returns False when nothing is to be written.
        Returns the object written (or left unchanged), None if it is gone."""
        ns, name = crt["metadata"]["namespace"], crt["metadata"]["name"]
        obj = copy.deepcopy(crt)
        for _ in range(attempts):
            if not mutate(obj):
                return obj
            r = self._api("PUT", self._crt_path(ns, name) + "/status", json=obj)
            if r.status_code == 200:
                return r.json()
            if r.status_code == 404:
                return None
            if r.status_code != 409:
                raise CertManagerError("update status of Certificate %s/%s: HTTP %d %s" %
                                       (ns, name, r.status_code, r.text[:300]))
            r = self._api("GET", self._crt_path(ns, name))
            if r.status_code == 404:
                return None
            obj = self._ok(r, "get Certificate %s/%s" % (ns, name))
        raise CertManagerError("update status of Certificate %s/%s: still conflicting "
                               "after %d attempts" % (ns, name, attempts))

    # -- one pass ----------------------------------------------------------

    def _tick(self):
        if self.namespaces is None:
            certs = self._list(CRT_ALL)
        else:
            certs = []
            for ns in self.namespaces:
                certs += self._list(CRT_PATH % ns)
        by_ns = {}
        for c in certs:
            by_ns.setdefault(c["metadata"]["namespace"], []).append(c)
        for ns, items in sorted(by_ns.items()):
            secrets = {s["metadata"]["name"]: s for s in self._list(SECRET_PATH % ns)}
            crs = self._list(CR_PATH % ns)
            for crt in items:
                if self._stop.is_set():
                    return
                try:
                    self._sync(crt, secrets, crs)
                except requests.ConnectionError as e:
                    self._connection_error(e)
                except Exception as e:  # noqa: BLE001
                    if "because it is being terminated" in str(e):
                        continue  # the test is deleting the namespace
                    self._error("Certificate %s/%s" % (ns, crt["metadata"]["name"]), e)

    def _sync(self, crt, secrets, crs):
        if crt["metadata"].get("deletionTimestamp"):
            return
        spec = crt["spec"]
        secret = secrets.get(spec["secretName"])
        owned = [cr for cr in crs if _controlled_by(cr, crt)]
        key_secrets = [s for s in secrets.values()
                       if (s["metadata"].get("labels") or {}).get(NEXT_KEY_LABEL) == "true"
                       and _controlled_by(s, crt)]
        status = crt.get("status") or {}
        rev = status.get("revision") or 0
        current = self._one_with_revision(owned, rev)

        if not _is_true(crt, "Issuing"):
            crt = self._trigger(crt, secret, current, owned, key_secrets)
            if crt is None:
                return
            key_secrets = []
        if _is_true(crt, "Issuing"):
            crt, secret, owned = self._issue(crt, secret, owned, key_secrets)
            if crt is None:
                return
        # readiness, for whatever this pass left behind
        status = crt.get("status") or {}
        current = self._one_with_revision(owned, status.get("revision") or 0)
        crt = self.update_status(crt, lambda o: self._readiness(o, secret, current))
        if crt is not None and _is_true(crt, "Ready"):
            self._prune_revisions(crt, owned)

    @staticmethod
    def _one_with_revision(owned, rev):
        reqs = [cr for cr in owned if _revision_of(cr) == rev]
        return reqs[0] if len(reqs) == 1 else None

    # -- policies (trigger and readiness) ----------------------------------

    def _policy(self, crt, secret, current, readiness):
        """(reason, message) of the first policy the Secret violates, else None."""
        spec = crt["spec"]
        if secret is None:
            return "DoesNotExist", "Issuing certificate as Secret does not exist"
        data = secret.get("data") or {}
        if not data:
            return "MissingData", "Issuing certificate as Secret does not contain any data"
        if not data.get("tls.key"):
            return "MissingData", "Issuing certificate as Secret does not contain a private key"
        if not data.get("tls.crt"):
            return "MissingData", "Issuing certificate as Secret does not contain a certificate"
        try:
            key = load_key(base64.b64decode(data["tls.key"]))
        except Exception as e:  # noqa: BLE001
            return "InvalidKeyPair", \
                "Issuing certificate as Secret contains invalid private key data: %s" % e
        try:
            cert = first_certificate(base64.b64decode(data["tls.crt"]))
        except Exception as e:  # noqa: BLE001
            return "InvalidCertificate", \
                "Issuing certificate as Secret contains an invalid certificate: %s" % e
        if _pub_der(cert.public_key()) != _pub_der(key):
            return "InvalidKeyPair", ("Issuing certificate as Secret contains a private "
                                      "key that does not match the certificate")
        ann = secret["metadata"].get("annotations") or {}
        ref = spec.get("issuerRef") or {}
        name = ann.get("cert-manager.io/issuer-name")
        kind = ann.get("cert-manager.io/issuer-kind")
        group = ann.get("cert-manager.io/issuer-group")
        # Go's precedence: (any present && name differs) || kind differs || group differs
        if ((name is not None or kind is not None or group is not None)
                and (name or "") != ref.get("name")) \
                or (kind or "Issuer") != (ref.get("kind") or "Issuer") \
                or (group or GROUP) != (ref.get("group") or GROUP):
            return "IncorrectIssuer", \
                "Issuing certificate as Secret was previously issued by %s" % json.dumps(
                    "%s.%s/%s" % (kind or "Issuer", group or GROUP, name or ""))
        owner = ann.get(CERT_NAME_KEY)
        if owner is not None and owner != crt["metadata"]["name"]:
            return "IncorrectCertificate", (
                "Secret was issued for %s. If this message is not transient, you might "
                "have two conflicting Certificates pointing to the same secret." %
                json.dumps(owner))
        violations = key_violations(key, spec)
        if violations:
            return "SecretMismatch", "Existing private key is not up to date for spec: [%s]" \
                % " ".join(violations)
        if current is not None:
            try:
                csr = x509.load_pem_x509_csr(base64.b64decode(current["spec"]["request"]))
                if _pub_der(csr.public_key()) != _pub_der(key):
                    return "SecretMismatch", ("Secret contains a private key that does not "
                                              "match the current CertificateRequest")
                violations = request_violations(current, spec)
            except Exception:  # noqa: BLE001 - as cert-manager: no re-issue
                violations = []
            if violations:
                return "RequestChanged", \
                    "Fields on existing CertificateRequest resource not up to date: [%s]" \
                    % " ".join(violations)
        now = _now()
        if readiness:
            if now > cert.not_valid_after_utc:
                return "Expired", "Certificate expired on %s" % \
                    cert.not_valid_after_utc.strftime("%a, %d %b %Y %H:%M:%S UTC")
            return None
        rt = renewal_time(cert.not_valid_before_utc, cert.not_valid_after_utc, spec)
        if rt is not None and rt <= now:
            st = (crt.get("status") or {}).get("renewalTime")
            return "Renewing", "Renewing certificate as renewal was scheduled at %s" % (
                _go_time(parse_time(st)) if st else "<nil>")
        return None

    def _backing_off(self, crt, next_cr):
        st = crt.get("status") or {}
        if not st.get("lastFailureTime"):
            return False
        if next_cr is not None:
            try:
                if request_violations(next_cr, crt["spec"]):
                    return False
            except Exception:  # noqa: BLE001
                return False
        n = st.get("failedIssuanceAttempts") or 1
        delay = min(self.failure_backoff * (2 ** (n - 1)), _MAX_BACKOFF)
        since = (_now() - parse_time(st["lastFailureTime"])).total_seconds()
        return since < delay

    def _readiness(self, obj, secret, current):
        """Set Ready, notBefore, notAfter and renewalTime from the Secret;
        returns whether anything changed."""
        before = json.dumps(obj.get("status") or {}, sort_keys=True)
        st = obj.setdefault("status", {})
        violation = self._policy(obj, secret, current, readiness=True)
        if violation is None:
            set_condition(obj, "Ready", "True", "Ready", READY_MESSAGE)
        else:
            set_condition(obj, "Ready", "False", *violation)
        cert = None
        if secret is not None and (secret.get("data") or {}).get("tls.crt"):
            try:
                cert = first_certificate(base64.b64decode(secret["data"]["tls.crt"]))
            except Exception:  # noqa: BLE001
                cert = None
        if cert is None:
            for k in ("notBefore", "notAfter", "renewalTime"):
                st.pop(k, None)
        else:
            st["notBefore"] = rfc3339(cert.not_valid_before_utc)
            st["notAfter"] = rfc3339(cert.not_valid_after_utc)
            rt = renewal_time(cert.not_valid_before_utc, cert.not_valid_after_utc, obj["spec"])
            if rt is None:
                st.pop("renewalTime", None)
            else:
                st["renewalTime"] = rfc3339(rt)
        after = json.dumps(st, sort_keys=True)
        if before == after:
            # set_condition refreshed nothing that matters; keep obj as read
            return False
        return True

    # -- trigger -----------------------------------------------------------

    def _trigger(self, crt, secret, current, owned, key_secrets):
        for s in key_secrets:
            self._delete(SECRET_PATH % s["metadata"]["namespace"] + "/" + s["metadata"]["name"])
        rev = (crt.get("status") or {}).get("revision") or 0
        next_cr = self._one_with_revision(owned, rev + 1)
        violation = None
        if not self._backing_off(crt, next_cr):
            violation = self._policy(crt, secret, current, readiness=False)

        def mutate(o):
            changed = False
            st = o.setdefault("status", {})
            if "nextPrivateKeySecretName" in st:
                del st["nextPrivateKeySecretName"]
                changed = True
            if violation is not None and not _is_true(o, "Issuing"):
                set_condition(o, "Issuing", "True", *violation)
                changed = True
            return changed

        out = self.update_status(crt, mutate)
        if violation is not None and out is not None:
            self._act(crt, "Issuing: %s: %s" % violation)
        return out

    # -- keymanager, requestmanager, approver, issuing ---------------------

    def _issue(self, crt, secret, owned, key_secrets):
        """Drive an issuance in progress as far as it goes in this pass.
        Returns (crt, secret, owned) as they are afterwards."""
        crt, key = self._next_key(crt, secret, key_secrets)
        if crt is None or key is None or not _is_true(crt, "Issuing"):
            return crt, secret, owned
        ns, name = crt["metadata"]["namespace"], crt["metadata"]["name"]
        next_rev = ((crt.get("status") or {}).get("revision") or 0) + 1
        issuing = condition(crt, "Issuing")
        keep, candidates = [], []
        for cr in owned:
            r = _revision_of(cr)
            if r is None:
                self._delete(CR_PATH % ns + "/" + cr["metadata"]["name"])
                continue
            (candidates if r == next_rev else keep).append(cr)
        remaining = []
        for cr in candidates:
            why = None
            try:
                csr = x509.load_pem_x509_csr(base64.b64decode(cr["spec"]["request"]))
                if _pub_der(csr.public_key()) != _pub_der(key):
                    why = "its CSR is not for the next private key"
                else:
                    v = request_violations(cr, crt["spec"])
                    if v:
                        why = "it does not match %s" % ", ".join(v)
            except Exception as e:  # noqa: BLE001
                why = "its CSR cannot be read (%s)" % e
            if why is None and self._stale_failure(cr, issuing):
                why = "it failed in an earlier issuance"
            if why:
                self._delete(CR_PATH % ns + "/" + cr["metadata"]["name"])
                self._act(crt, "deleted CertificateRequest %s: %s" % (cr["metadata"]["name"], why))
                continue
            remaining.append(cr)
        if len(remaining) > 1:
            raise CertManagerError("%d CertificateRequests for revision %d of %s/%s" %
                                   (len(remaining), next_rev, ns, name))
        cr = remaining[0] if remaining else self._create_request(crt, key, next_rev)
        if cr is None:
            return crt, secret, keep
        owned = keep + [cr]
        cr = self._approve(crt, cr)
        return self._finish(crt, cr, key, next_rev, secret, owned)

    def _next_key(self, crt, secret, key_secrets):
        """The next private key from its Secret, creating it as needed;
        returns (crt, key or None)."""
        ns = crt["metadata"]["namespace"]
        st = crt.get("status") or {}
        want = st.get("nextPrivateKeySecretName")
        if len(key_secrets) > 1:
            for s in key_secrets:
                if s["metadata"]["name"] != want:
                    self._delete(SECRET_PATH % ns + "/" + s["metadata"]["name"])
            key_secrets = [s for s in key_secrets if s["metadata"]["name"] == want]
        if key_secrets:
            s = key_secrets[0]
            sname = s["metadata"]["name"]
            key = None
            if want is None or want == sname:
                try:
                    key = load_key(base64.b64decode((s.get("data") or {}).get("tls.key", "")))
                    if key_violations(key, crt["spec"]):
                        key = None
                except Exception:  # noqa: BLE001
                    key = None
            if key is None:
                self._delete(SECRET_PATH % ns + "/" + sname)
            else:
                if want != sname:
                    crt = self._set_next_key_name(crt, sname)
                return crt, key
        key = None
        spec = crt["spec"]
        if (spec.get("privateKey") or {}).get("rotationPolicy") == "Never" and secret:
            try:
                key = load_key(base64.b64decode((secret.get("data") or {}).get("tls.key", "")))
                if key_violations(key, spec):
                    raise CertManagerError(
                        "the private key in Secret %s/%s does not match the spec and "
                        "spec.privateKey.rotationPolicy is Never" % (ns, spec["secretName"]))
            except CertManagerError:
                raise
            except Exception:  # noqa: BLE001 - unreadable: a new key, as cert-manager
                key = None
        if key is None:
            key = generate_key(spec)
        body = {
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"generateName": crt["metadata"]["name"] + "-",
                         "labels": {NEXT_KEY_LABEL: "true", FAO_LABEL: "true"},
                         "ownerReferences": [self._owner_ref(crt)]},
            "type": "Opaque",
            "data": {"tls.key": _b64(encode_key(key, "PKCS8"))},
        }
        made = self._ok(self._api("POST", SECRET_PATH % ns, json=body),
                        "create next private key Secret")
        self._act(crt, "stored the next private key in Secret %s" % made["metadata"]["name"])
        crt = self._set_next_key_name(crt, made["metadata"]["name"])
        return crt, key

    def _set_next_key_name(self, crt, sname):
        def mutate(o):
            if not _is_true(o, "Issuing"):
                return False
            st = o.setdefault("status", {})
            if st.get("nextPrivateKeySecretName") == sname:
                return False
            st["nextPrivateKeySecretName"] = sname
            return True
        return self.update_status(crt, mutate)

    @staticmethod
    def _owner_ref(crt):
        return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                "name": crt["metadata"]["name"], "uid": crt["metadata"]["uid"],
                "controller": True, "blockOwnerDeletion": True}

    def _stale_failure(self, cr, issuing):
        """A request that failed in an earlier issuance of this revision."""
        ready = condition(cr, "Ready")
        if ready is None or ready.get("status") != "False" or ready.get("reason") != "Failed":
            return False
        if cr["metadata"].get("uid") in self._failed_uids:
            return True
        ft = (cr.get("status") or {}).get("failureTime")
        ltt = (issuing or {}).get("lastTransitionTime")
        return bool(ft and ltt and parse_time(ft) < parse_time(ltt))

    def _create_request(self, crt, key, next_rev):
        ns, name = crt["metadata"]["namespace"], crt["metadata"]["name"]
        spec = crt["spec"]
        csr = build_csr(key, spec, self.basic_constraints)
        ann = {k: v for k, v in (crt["metadata"].get("annotations") or {}).items()
               if not k.startswith(_NOT_COPIED)}
        ann[REVISION_KEY] = str(next_rev)
        ann[PRIVATE_KEY_KEY] = (crt.get("status") or {}).get("nextPrivateKeySecretName", "")
        ann[CERT_NAME_KEY] = name
        meta = {"name": request_name(name, next_rev), "namespace": ns,
                "annotations": ann, "ownerReferences": [self._owner_ref(crt)]}
        if crt["metadata"].get("labels"):
            meta["labels"] = dict(crt["metadata"]["labels"])
        cr_spec = {"request": _b64(csr), "issuerRef": dict(spec["issuerRef"])}
        if spec.get("duration"):
            cr_spec["duration"] = spec["duration"]
        if spec.get("isCA"):
            cr_spec["isCA"] = True
        if spec.get("usages"):
            cr_spec["usages"] = list(spec["usages"])
        body = {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
                "metadata": meta, "spec": cr_spec}
        r = self._api("POST", CR_PATH % ns, json=body)
        if r.status_code == 409:
            # Still being deleted, or left by someone else: look next pass.
            r2 = self._api("GET", CR_PATH % ns + "/" + meta["name"])
            if r2.status_code == 200 and not _controlled_by(r2.json(), crt):
                raise CertManagerError("CertificateRequest %s/%s exists and is not owned by "
                                       "Certificate %s" % (ns, meta["name"], name))
            return None
        cr = self._ok(r, "create CertificateRequest %s/%s" % (ns, meta["name"]))
        self._act(crt, "created CertificateRequest %s" % meta["name"])
        return cr

    def _approve(self, crt, cr):
        if condition(cr, "Approved") or condition(cr, "Denied"):
            return cr
        ready = condition(cr, "Ready")
        if ready is not None and ready.get("reason") in ("Failed", "Issued"):
            return cr
        ns, name = cr["metadata"]["namespace"], cr["metadata"]["name"]
        body = {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
                "metadata": {"name": name, "namespace": ns},
                "status": {"conditions": [{
                    "type": "Approved", "status": "True", "reason": "cert-manager.io",
                    "message": APPROVED_MESSAGE, "lastTransitionTime": rfc3339(_now())}]}}
        r = self._api("PATCH", CR_PATH % ns + "/" + name + "/status",
                      data=json.dumps(body), headers=e2e.APPLY,
                      params={"fieldManager": APPROVER, "force": "true"})
        if r.status_code == 404:
            return cr
        cr = self._ok(r, "approve CertificateRequest %s/%s" % (ns, name))
        self._act(crt, "approved CertificateRequest %s" % name)
        return cr

    def _finish(self, crt, cr, key, next_rev, secret, owned):
        """The issuing controller: complete the issuance if cr is done."""
        issuing = condition(crt, "Issuing")
        ready = condition(cr, "Ready")
        if self._stale_failure(cr, issuing):
            return crt, secret, owned
        for ctype in ("Denied", "InvalidRequest"):
            if _is_true(cr, ctype):
                return self._fail(crt, cr, condition(cr, ctype), next_rev), secret, owned
        if ready is None:
            return crt, secret, owned
        if ready.get("reason") == "Failed":
            return self._fail(crt, cr, ready, next_rev), secret, owned
        if ready.get("reason") != "Issued":
            return crt, secret, owned
        bad = None
        try:
            chain = base64.b64decode((cr.get("status") or {}).get("certificate", ""))
            leaf = first_certificate(chain)
        except Exception as e:  # noqa: BLE001
            bad = "Issuer returned an invalid certificate: failed to decode: %s" % e
        else:
            if _pub_der(leaf.public_key()) != _pub_der(key):
                bad = ("Issuer returned a certificate with a public key that does not match "
                       "the CSR. This usually indicates a misconfigured issuer.")
            elif _now() > leaf.not_valid_after_utc:
                bad = ("Issuer returned an already expired certificate (notAfter: %s). This "
                       "usually indicates an expired CA certificate in the issuer." %
                       rfc3339(leaf.not_valid_after_utc))
        if bad:
            return self._fail(crt, cr, {"reason": "InvalidCertificate", "message": bad},
                              next_rev), secret, owned
        secret = self._write_secret(crt, cr, key, leaf, secret)

        def mutate(o):
            st = o.setdefault("status", {})
            if (st.get("revision") or 0) + 1 != next_rev or not _is_true(o, "Issuing"):
                return False
            st["revision"] = next_rev
            remove_condition(o, "Issuing")
            for k in ("failedIssuanceAttempts", "lastFailureTime", "nextPrivateKeySecretName"):
                st.pop(k, None)
            self._readiness(o, secret, cr)
            return True

        out = self.update_status(crt, mutate)
        if out is not None:
            self._act(crt, "issued revision %d from %s" % (next_rev, cr["metadata"]["name"]))
            kname = (crt.get("status") or {}).get("nextPrivateKeySecretName")
            if kname:
                self._delete(SECRET_PATH % crt["metadata"]["namespace"] + "/" + kname)
        return out, secret, owned

    def _fail(self, crt, cr, cond, next_rev):
        reason = cond.get("reason") or "Failed"
        message = ("The certificate request has failed to complete and will be retried: %s"
                   % cond.get("message", ""))

        def mutate(o):
            st = o.setdefault("status", {})
            if (st.get("revision") or 0) + 1 != next_rev or not _is_true(o, "Issuing"):
                return False
            st["lastFailureTime"] = rfc3339(_now())
            st["failedIssuanceAttempts"] = (st.get("failedIssuanceAttempts") or 0) + 1
            set_condition(o, "Issuing", "False", reason, message)
            return True

        out = self.update_status(crt, mutate)
        if out is not None:
            self._failed_uids.add(cr["metadata"].get("uid"))
            self._act(crt, "issuance failed (%s): %s" % (reason, cond.get("message", "")))
        return out

    def _write_secret(self, crt, cr, key, leaf, secret):
        ns = crt["metadata"]["namespace"]
        spec = crt["spec"]
        sname = spec["secretName"]
        ref = cr["spec"]["issuerRef"]
        status = cr.get("status") or {}

        def names(values):
            return ",".join(values)

        try:
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            san = x509.SubjectAlternativeName([])
        cn = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        ann = {
            "cert-manager.io/common-name": cn[0].value if cn else "",
            "cert-manager.io/alt-names": names(san.get_values_for_type(x509.DNSName)),
            "cert-manager.io/ip-sans":
                names(str(i) for i in san.get_values_for_type(x509.IPAddress)),
            "cert-manager.io/uri-sans":
                names(san.get_values_for_type(x509.UniformResourceIdentifier)),
            CERT_NAME_KEY: crt["metadata"]["name"],
            "cert-manager.io/issuer-name": ref.get("name", ""),
            "cert-manager.io/issuer-kind": ref.get("kind", ""),
            "cert-manager.io/issuer-group": ref.get("group", ""),
        }
        emails = san.get_values_for_type(x509.RFC822Name)
        if emails:
            ann["cert-manager.io/email-sans"] = names(emails)
        tmpl = spec.get("secretTemplate") or {}
        data = {"tls.crt": status.get("certificate", ""),
                "tls.key": _b64(encode_key(key, (spec.get("privateKey") or {}).get("encoding")
                                           or "PKCS1"))}
        if status.get("ca"):
            data["ca.crt"] = status["ca"]
        for _ in range(20):
            if secret is None:
                body = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                        "metadata": {"name": sname, "namespace": ns,
                                     "annotations": {**(tmpl.get("annotations") or {}), **ann},
                                     "labels": {**(tmpl.get("labels") or {}),
                                                FAO_LABEL: "true"}},
                        "data": data}
                r = self._api("POST", SECRET_PATH % ns, json=body)
                if r.status_code == 201:
                    return r.json()
            else:
                body = copy.deepcopy(secret)
                md = body["metadata"]
                md["annotations"] = {**(md.get("annotations") or {}),
                                     **(tmpl.get("annotations") or {}), **ann}
                md["labels"] = {**(md.get("labels") or {}),
                                **(tmpl.get("labels") or {}), FAO_LABEL: "true"}
                d = dict(body.get("data") or {})
                if "ca.crt" not in data:
                    d.pop("ca.crt", None)
                d.update(data)
                body["data"] = d
                r = self._api("PUT", SECRET_PATH % ns + "/" + sname, json=body)
                if r.status_code == 200:
                    return r.json()
            if r.status_code not in (404, 409):
                raise CertManagerError("write Secret %s/%s: HTTP %d %s" %
                                       (ns, sname, r.status_code, r.text[:300]))
            r = self._api("GET", SECRET_PATH % ns + "/" + sname)
            secret = r.json() if r.status_code == 200 else None
        raise CertManagerError("write Secret %s/%s: still conflicting" % (ns, sname))

    def _prune_revisions(self, crt, owned):
        limit = crt["spec"].get("revisionHistoryLimit")
        limit = 1 if limit is None else limit
        revs = sorted((r, cr) for cr in owned
                      for r in [_revision_of(cr)] if r is not None)
        for r, cr in revs[:max(0, len(revs) - limit)]:
            self._delete(CR_PATH % cr["metadata"]["namespace"] + "/" + cr["metadata"]["name"])
            self._act(crt, "deleted CertificateRequest %s (revision history)" %
                      cr["metadata"]["name"])

    # -- for tests (test thread only) --------------------------------------

    def renew(self, ns, name, attempts=20):
        """What `cmctl renew` does: Issuing=True, reason ManuallyTriggered, by
        an update of /status (retried on 409, unlike cmctl).  Returns the
        Certificate written."""
        for _ in range(attempts):
            crt = self.get(ns, name)
            set_condition(crt, "Issuing", "True", "ManuallyTriggered", MANUAL_MESSAGE)
            r = self.cluster.api("PUT", self._crt_path(ns, name) + "/status", json=crt)
            if r.status_code == 200:
                return r.json()
            if r.status_code != 409:
                raise CertManagerError("renew %s/%s: HTTP %d %s" %
                                       (ns, name, r.status_code, r.text[:300]))
        raise CertManagerError("renew %s/%s: still conflicting" % (ns, name))

    def create_certificate(self, ns, name, issuer_kind, issuer_name, duration=None,
                           renew_before=None, dns_names=("example.test",), secret_name=None,
                           is_ca=False, usages=None, common_name=None, private_key=None,
                           renew_before_percentage=None, revision_history_limit=None,
                           labels=None, annotations=None, extra_spec=None,
                           group=e2e.AWSPCA):
        """POST a Certificate (creating ns); secret_name defaults to
        "<name>-tls", usages to unset (cert-manager then asks for its default).
        private_key is spec.privateKey, e.g. {"algorithm": "ECDSA"}."""
        self.cluster.create_namespace(ns)
        spec = {"secretName": secret_name or name + "-tls",
                "issuerRef": {"group": group, "kind": issuer_kind, "name": issuer_name}}
        if common_name:
            spec["commonName"] = common_name
        if dns_names:
            spec["dnsNames"] = list(dns_names)
        if duration:
            spec["duration"] = duration
        if renew_before:
            spec["renewBefore"] = renew_before
        if renew_before_percentage is not None:
            spec["renewBeforePercentage"] = renew_before_percentage
        if is_ca:
            spec["isCA"] = True
        if usages is not None:
            spec["usages"] = list(usages)
        if private_key:
            spec["privateKey"] = dict(private_key)
        if revision_history_limit is not None:
            spec["revisionHistoryLimit"] = revision_history_limit
        spec.update(extra_spec or {})
        meta = {"name": name, "namespace": ns}
        if labels:
            meta["labels"] = dict(labels)
        if annotations:
            meta["annotations"] = dict(annotations)
        return self.cluster.api_ok("POST", CRT_PATH % ns, json={
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta, "spec": spec})

    def get(self, ns, name):
        """The Certificate, or CertManagerError if it cannot be read."""
        r = self.cluster.api("GET", self._crt_path(ns, name))
        return self._ok(r, "get Certificate %s/%s" % (ns, name))

    def get_secret(self, ns, name):
        """The Secret ns/name, or None when it does not exist."""
        r = self.cluster.api("GET", SECRET_PATH % ns + "/" + name)
        return None if r.status_code == 404 else self._ok(r, "get Secret %s/%s" % (ns, name))

    def list_requests(self, ns, name):
        """The CertificateRequests of Certificate ns/name, by revision."""
        items = [cr for cr in self.cluster.api_ok("GET", CR_PATH % ns)["items"]
                 if (cr["metadata"].get("annotations") or {}).get(CERT_NAME_KEY) == name]
        return sorted(items, key=lambda cr: _revision_of(cr) or 0)

    def delete_certificate(self, ns, name, delete_secret=True):
        """Delete the Certificate with what its owner references would have
        garbage-collected (no GC runs here), and its Secret unless told not."""
        try:
            crt = self.get(ns, name)
        except CertManagerError:
            return
        self._delete(self._crt_path(ns, name))
        for cr in self.cluster.api_ok("GET", CR_PATH % ns)["items"]:
            if _controlled_by(cr, crt):
                self._delete(CR_PATH % ns + "/" + cr["metadata"]["name"])
        for s in self.cluster.api_ok("GET", SECRET_PATH % ns)["items"]:
            if _controlled_by(s, crt) or (delete_secret and
                                          s["metadata"]["name"] == crt["spec"]["secretName"]):
                self._delete(SECRET_PATH % ns + "/" + s["metadata"]["name"])

    condition = staticmethod(condition)

    def wait_for(self, ns, name, pred, timeout=60.0, what="condition"):
        """Poll Certificate ns/name until pred(obj) is true; returns obj."""
        deadline = time.monotonic() + timeout
        obj = None
        while True:
            r = self.cluster.api("GET", self._crt_path(ns, name))
            obj = r.json() if r.status_code == 200 else None
            if obj is not None and pred(obj):
                return obj
            if time.monotonic() > deadline:
                raise AssertionError(
                    "timed out after %.0fs waiting for Certificate %s/%s: %s\nstatus: %s%s" %
                    (timeout, ns, name, what,
                     json.dumps((obj or {}).get("status"), indent=1),
                     ("\nfixture errors:\n" + "\n".join(self.errors)) if self.errors else ""))
            time.sleep(0.1)

    def wait_ready(self, ns, name, revision=None, timeout=60.0):
        """The Certificate once Ready=True (and status.revision >= revision)."""
        def ok(o):
            return _is_true(o, "Ready") and (
                revision is None or ((o.get("status") or {}).get("revision") or 0) >= revision)
        return self.wait_for(ns, name, ok, timeout,
                             "Ready=True" + ("" if revision is None else
                                             " at revision >= %d" % revision))

    def wait_failed(self, ns, name, attempts=1, timeout=60.0):
        """The Certificate once Issuing=False after >= attempts failures."""
        def ok(o):
            c = condition(o, "Issuing")
            st = o.get("status") or {}
            return c is not None and c.get("status") == "False" and \
                st.get("lastFailureTime") and (st.get("failedIssuanceAttempts") or 0) >= attempts
        return self.wait_for(ns, name, ok, timeout, "Issuing=False after a failure")

"""A small, fast AWS Private CA (acm-pca) server for tests and benchmarks.

It speaks the AWS JSON 1.1 protocol of the real service (POST /, X-Amz-Target:
ACMPrivateCA.<Operation>, SigV4-signed), holds certificate authorities it
creates itself with `cryptography`, and issues real X.509 certificates that
honour Validity, ValidityNotBefore, SigningAlgorithm and TemplateArn.  Unlike
moto it can throttle, delay, answer RequestInProgressException, inject faults
and check every signature with botocore's own SigV4 signer, so a client meets
the failure modes of the real service.

Operations: IssueCertificate, GetCertificate, DescribeCertificateAuthority,
GetCertificateAuthorityCertificate, RevokeCertificate.  Answers and errors
follow botocore's service model (errors: HTTP 4xx/5xx, x-amzn-ErrorType and
{"__type", "message"}).  CSRs must be PEM.  ApiPassthrough is accepted and
not applied; *_CSRPassthrough templates copy the CSR's extensions.

Knobs, as PcaServer(...) arguments, control(**knobs) or POST /_control with
a JSON object (a bad knob changes nothing and answers 400):
  quota        {op|"*": requests/s}  token bucket per operation, answering
               400 ThrottlingException "Rate exceeded"; None removes one,
               quota=None all.  burst: {op|"*": tokens}, default 1 s worth.
  latency      {op|"*": seconds | [min, max]}  delay of the answer; the work
               is done on arrival and other connections are not held up.
  in_progress  N: the first N GetCertificate of each certificate answer
               RequestInProgressException (in_progress_seconds: also while
               the certificate is younger than that).
  fault        {"kind": "500"|"503"|"html"|"reset"|"close"|"hang",
               "count": K, "fraction": F, "ops": [...], "status": S,
               "code": C, "message": M} for the next K (or a fraction F of)
               AWS requests: a JSON 500/503, an HTML page (status S, default
               500), an RST, a FIN, or silence until the client leaves.  A
               list of such faults (fractions only) splits one draw per
               request among them.
  verify       check SigV4 (default on); credentials: {akid: secret |
               [secret, token]}; clock_skew: seconds allowed (300).
  ca_status    {ca_arn: "DISABLED"|"ACTIVE"|...}
  idempotency_window  seconds an IdempotencyToken (per CA and CSR) is kept.
  cert_cache   reuse the certificate signed for an identical request (same
               serial under a new ARN): for benchmarks that are not about
               signing.
  log          keep (time, op, outcome) per AWS request; reset_stats.

GET /_stats: requests, connections, calls/ok/throttles per op, errors per
code (and per op), faults per kind, issuances, signatures, token_issuances
{token: real issuances}, signature_failures, max_rps and max_accepted_rps
per op (busiest sliding second), certificates, cpu_seconds, log, config.
GET /_cas: the CAs with their PEM certificate and chain.

In-process use:
    srv = PcaServer(cas=["RSA_2048", "EC_prime256v1:sub"]).start()
    boto3.client("acm-pca", endpoint_url=srv.url, ...)
    srv.control(quota={"IssueCertificate": 50}); srv.stats(); srv.stop()

Command line (prints one JSON line with port, CAs and credentials once
listening; stops on SIGTERM):
    python3 pcaserver.py --port 0 --ca RSA_2048 --ca EC_prime256v1:sub
    python3 pcaserver.py bench --spawn --op IssueCertificate --duration 5
"""

import argparse
import asyncio
import base64
import calendar
import collections
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import uuid

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVICE = "acm-pca"
TARGET_PREFIX = "ACMPrivateCA."
JSON_TYPE = "application/x-amz-json-1.1"
OPERATIONS = (
    "IssueCertificate",
    "GetCertificate",
    "DescribeCertificateAuthority",
    "GetCertificateAuthorityCertificate",
    "RevokeCertificate",
)
DEFAULT_CREDENTIALS = {"AKIAPCATESTSERVER000": "pca-test-server-secret"}
MAX_BODY = 1 << 20
LOG_CAP = 200000

SIGNING = {
    "SHA256WITHRSA": ("RSA", hashes.SHA256),
    "SHA384WITHRSA": ("RSA", hashes.SHA384),
    "SHA512WITHRSA": ("RSA", hashes.SHA512),
    "SHA256WITHECDSA": ("EC", hashes.SHA256),
    "SHA384WITHECDSA": ("EC", hashes.SHA384),
    "SHA512WITHECDSA": ("EC", hashes.SHA512),
}
# Enum values the model knows but this server cannot sign with.
OTHER_SIGNING = ("SM3WITHSM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87")
KEY_ALGORITHMS = {
    "RSA_2048": ("RSA", 2048, "SHA256WITHRSA"),
    "RSA_3072": ("RSA", 3072, "SHA384WITHRSA"),
    "RSA_4096": ("RSA", 4096, "SHA512WITHRSA"),
    "EC_prime256v1": ("EC", ec.SECP256R1, "SHA256WITHECDSA"),
    "EC_secp384r1": ("EC", ec.SECP384R1, "SHA384WITHECDSA"),
}
VALIDITY_TYPES = ("END_DATE", "ABSOLUTE", "DAYS", "MONTHS", "YEARS")
REVOCATION_REASONS = (
    "UNSPECIFIED", "KEY_COMPROMISE", "CERTIFICATE_AUTHORITY_COMPROMISE",
    "AFFILIATION_CHANGED", "SUPERSEDED", "CESSATION_OF_OPERATION",
    "PRIVILEGE_WITHDRAWN", "A_A_COMPROMISE",
)
CA_STATUSES = ("CREATING", "PENDING_CERTIFICATE", "ACTIVE", "DELETED",
               "DISABLED", "EXPIRED", "FAILED")

_KU_EE = dict(digital_signature=True, key_encipherment=True)
_KU_SIGN = dict(digital_signature=True)
_KU_CA = dict(digital_signature=True, key_cert_sign=True, crl_sign=True)
_EKU = ExtendedKeyUsageOID
# Base template name -> (is CA, path length, key usage, extended key usage).
TEMPLATES = {
    "EndEntityCertificate": (False, None, _KU_EE,
                             [_EKU.SERVER_AUTH, _EKU.CLIENT_AUTH]),
    "EndEntityServerAuthCertificate": (False, None, _KU_EE,
                                       [_EKU.SERVER_AUTH]),
    "EndEntityClientAuthCertificate": (False, None, _KU_SIGN,
                                       [_EKU.CLIENT_AUTH]),
    "CodeSigningCertificate": (False, None, _KU_SIGN, [_EKU.CODE_SIGNING]),
    "OCSPSigningCertificate": (False, None, _KU_SIGN, [_EKU.OCSP_SIGNING]),
    "BlankEndEntityCertificate": (False, None, None, None),
}
for _n in range(4):
    TEMPLATES["SubordinateCACertificate_PathLen%d" % _n] = (True, _n, _KU_CA,
                                                            None)
TEMPLATE_RE = re.compile(
    r"^arn:[\w-]+:acm-pca:::template/([A-Za-z0-9_]+)/V(\d+)$")
CA_ARN_RE = re.compile(
    r"^arn:([\w-]+):acm-pca:([a-z0-9-]+):(\d{12}):certificate-authority/"
    r"([\w-]+)$")
CERT_ARN_RE = re.compile(r"^(arn:.*:certificate-authority/[\w-]+)"
                         r"/certificate/([0-9a-f]+)$")
AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*"
                     r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\s*$")

STATUS_TEXT = {100: "Continue", 200: "OK", 400: "Bad Request",
               403: "Forbidden", 404: "Not Found",
               413: "Payload Too Large", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable"}


class PcaError(Exception):
    """An AWS error answer: HTTP status, __type code and message."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _validation(message):
    return PcaError("ValidationException",
                    "1 validation error detected: " + message)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _add_months(when, months):
    """Calendar month arithmetic, clamping the day (Jan 31 + 1 = Feb 28)."""
    index = when.year * 12 + (when.month - 1) + months
    year, month = divmod(index, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def _end_date(value):
    """END_DATE values are UTCTime YYMMDDHHMMSS or GeneralizedTime digits."""
    text = str(value)
    if len(text) == 11:
        # A long drops the leading zero of YY in 0001..0912.
        text = "0" + text
    if len(text) == 12:
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    if len(text) != 14:
        raise _validation("END_DATE Value %s is not YYYYMMDDHHMMSS" % value)
    try:
        return datetime.datetime.strptime(text, "%Y%m%d%H%M%S").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        raise _validation("END_DATE Value %s is not a valid date" % value)


def validity_time(validity, now, field="validity"):
    """Turn a Validity structure into an absolute UTC datetime."""
    if not isinstance(validity, dict):
        raise PcaError("SerializationException",
                       "%s must be a structure" % field)
    vtype, value = validity.get("Type"), validity.get("Value")
    if value is None or vtype is None:
        raise _validation("Value null at '%s.%s' failed to satisfy "
                          "constraint: Member must not be null" %
                          (field, "value" if value is None else "type"))
    if isinstance(value, bool) or not isinstance(value, int):
        raise PcaError("SerializationException",
                       "%s.Value must be an integer" % field)
    if vtype not in VALIDITY_TYPES:
        raise _validation("Value '%s' at '%s.type' failed to satisfy "
                          "constraint: Member must satisfy enum value set: "
                          "[%s]" % (vtype, field, ", ".join(VALIDITY_TYPES)))
    if value < 1:
        raise _validation("Value '%d' at '%s.value' failed to satisfy "
                          "constraint: Member must have value greater than "
                          "or equal to 1" % (value, field))
    try:
        if vtype == "END_DATE":
            return _end_date(value)
        if vtype == "ABSOLUTE":
            return datetime.datetime.fromtimestamp(value,
                                                   datetime.timezone.utc)
        if vtype == "DAYS":
            return now + datetime.timedelta(days=value)
        return _add_months(now, value * (1 if vtype == "MONTHS" else 12))
    except (OverflowError, ValueError, OSError):
        raise _validation("Validity %s %d is out of range" % (vtype, value))


def _new_key(key_algorithm):
    family, size, _ = KEY_ALGORITHMS[key_algorithm]
    if family == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    return ec.generate_private_key(size())


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode().strip()


class Authority:
    """One certificate authority: its key, certificate, chain and certs."""

    def __init__(self, arn, key_algorithm, subordinate=False):
        if key_algorithm not in KEY_ALGORITHMS:
            raise ValueError("unsupported CA key algorithm %r (have %s)" %
                             (key_algorithm, ", ".join(KEY_ALGORITHMS)))
        self.arn = arn
        self.key_algorithm = key_algorithm
        self.family, _, self.signing_algorithm = KEY_ALGORITHMS[key_algorithm]
        self.type = "SUBORDINATE" if subordinate else "ROOT"
        # A subordinate may sign one more level of CAs, a root any number.
        self.pathlen = 1 if subordinate else None
        self.status = "ACTIVE"
        self.created_at = self.state_changed_at = time.time()
        self.certs = {}
        self.by_serial = collections.defaultdict(list)
        tag = arn.rsplit("/", 1)[1][:8]
        self.subject = {"Country": "US", "Organization": "pca-issuer tests",
                        "CommonName": "PCA Test %s CA %s %s" %
                        ("Issuing" if subordinate else "Root",
                         key_algorithm, tag)}
        now = _now()
        self.not_before = now - datetime.timedelta(days=1)
        self.not_after = now + datetime.timedelta(days=3650)
        self.key = _new_key(key_algorithm)
        parents = []
        if subordinate:
            root_key = _new_key(key_algorithm)
            root_name = self._name(dict(self.subject, CommonName="PCA Test "
                                        "Root CA %s %s" % (key_algorithm,
                                                           tag)))
            root = self._ca_cert(root_name, root_key, root_name, root_key,
                                 None, None)
            self.cert = self._ca_cert(self._name(self.subject), self.key,
                                      root_name, root_key, root,
                                      self.pathlen)
            parents = [root]
        else:
            name = self._name(self.subject)
            self.cert = self._ca_cert(name, self.key, name, self.key, None,
                                      None)
        self.name = self.cert.subject
        self.aki = x509.AuthorityKeyIdentifier.\
            from_issuer_subject_key_identifier(
                self.cert.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier).value)
        self.cert_pem = _pem(self.cert)
        self.parents_pem = "\n".join(_pem(c) for c in parents) or None
        # GetCertificate's chain: the issuing CA first, the root last.
        self.chain_pem = "\n".join([self.cert_pem] +
                                   [_pem(c) for c in parents])

    @staticmethod
    def _name(subject):
        oids = (("Country", NameOID.COUNTRY_NAME),
                ("Organization", NameOID.ORGANIZATION_NAME),
                ("CommonName", NameOID.COMMON_NAME))
        return x509.Name([x509.NameAttribute(oid, subject[k])
                          for k, oid in oids if k in subject])

    def _ca_cert(self, name, key, issuer, issuer_key, issuer_cert, pathlen):
        builder = (x509.CertificateBuilder().subject_name(name)
                   .issuer_name(issuer).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(self.not_before)
                   .not_valid_after(self.not_after)
                   .add_extension(x509.BasicConstraints(True, pathlen), True)
                   .add_extension(x509.KeyUsage(
                       True, False, False, False, False, True, True, False,
                       False), True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                       key.public_key()), False))
        if issuer_cert is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    issuer_key.public_key()), False)
        _, digest = SIGNING[KEY_ALGORITHMS[self.key_algorithm][2]]
        return builder.sign(issuer_key, digest())

    def describe(self):
        return {
            "Arn": self.arn,
            "OwnerAccount": CA_ARN_RE.match(self.arn).group(3),
            "CreatedAt": round(self.created_at, 3),
            "LastStateChangeAt": round(self.state_changed_at, 3),
            "Type": self.type,
            "Serial": format(self.cert.serial_number, "x"),
            "Status": self.status,
            "NotBefore": self.not_before.timestamp(),
            "NotAfter": self.not_after.timestamp(),
            "CertificateAuthorityConfiguration": {
                "KeyAlgorithm": self.key_algorithm,
                "SigningAlgorithm": self.signing_algorithm,
                "Subject": dict(self.subject),
            },
            "RevocationConfiguration": {
                "CrlConfiguration": {"Enabled": False},
                "OcspConfiguration": {"Enabled": False},
            },
            "KeyStorageSecurityStandard": "FIPS_140_2_LEVEL_3_OR_HIGHER",
            "UsageMode": "GENERAL_PURPOSE",
        }

    def info(self):
        return {"arn": self.arn, "key": self.key_algorithm, "type": self.type,
                "signing_algorithm": self.signing_algorithm,
                "certificate": self.cert_pem, "chain": self.chain_pem}

    def sign(self, csr, digest, template, not_before, not_after, serial):
        """Build and sign a certificate for a CsrInfo: subject and SANs (or
        with a CSRPassthrough template every extension) from the CSR, the
        template's extensions over them."""
        is_ca, pathlen, ku, eku, csr_pass = template
        if is_ca and self.pathlen is not None and pathlen >= self.pathlen:
            raise PcaError("ValidationException", "The path length %d of "
                           "the template exceeds what the certificate "
                           "authority %s allows." % (pathlen, self.arn))
        exts = {}
        for value, critical in (csr.extensions if csr_pass else csr.san):
            exts[value.oid] = (value, critical)
        for value, critical in _template_extensions(is_ca, pathlen, ku, eku):
            exts[value.oid] = (value, critical)
        exts[x509.SubjectKeyIdentifier.oid] = (csr.ski, False)
        exts[x509.AuthorityKeyIdentifier.oid] = (self.aki, False)
        builder = (x509.CertificateBuilder().subject_name(csr.subject)
                   .issuer_name(self.name).public_key(csr.public_key)
                   .serial_number(serial)
                   .not_valid_before(not_before).not_valid_after(not_after))
        for value, critical in exts.values():
            builder = builder.add_extension(value, critical)
        return builder.sign(self.key, digest())


class CsrInfo:
    """A parsed, signature-checked CSR and what certificates take from it."""

    __slots__ = ("subject", "public_key", "ski", "san", "extensions")

    def __init__(self, csr):
        self.subject = csr.subject
        self.public_key = csr.public_key()
        self.ski = x509.SubjectKeyIdentifier.from_public_key(self.public_key)
        self.extensions = [(e.value, e.critical) for e in csr.extensions]
        self.san = [(e.value, e.critical) for e in csr.extensions
                    if isinstance(e.value, x509.SubjectAlternativeName)]


def _template_extensions(is_ca, pathlen, ku, eku):
    out = [(x509.BasicConstraints(is_ca, pathlen if is_ca else None),
            is_ca)]
    if ku is not None:
        flags = dict(digital_signature=False, content_commitment=False,
                     key_encipherment=False, data_encipherment=False,
                     key_agreement=False, key_cert_sign=False,
                     crl_sign=False, encipher_only=False,
                     decipher_only=False)
        flags.update(ku)
        out.append((x509.KeyUsage(**flags), True))
    if eku:
        out.append((x509.ExtendedKeyUsage(eku), False))
    return out


def parse_template(arn):
    """TemplateArn -> (is_ca, pathlen, ku, eku, csr_pass).  ApiPassthrough
    is not applied: the API part of a passthrough template is ignored."""
    if arn is None:
        arn = "arn:aws:acm-pca:::template/EndEntityCertificate/V1"
    match = TEMPLATE_RE.match(arn)
    if not match:
        raise PcaError("InvalidArnException",
                       "The template ARN %s is invalid." % arn)
    name = match.group(1)
    csr_pass = False
    for suffix in ("_APICSRPassthrough", "_CSRPassthrough", "_APIPassthrough"):
        if name.endswith(suffix):
            name, csr_pass = name[:-len(suffix)], "CSR" in suffix
            break
    if name not in TEMPLATES:
        raise PcaError("ResourceNotFoundException",
                       "Template %s could not be found." % arn)
    return TEMPLATES[name] + (csr_pass,)


class Bucket:
    """Token bucket: `rate` tokens a second, at most `burst` saved up."""

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate, burst, now):
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(rate, 1))
        self.tokens = self.burst
        self.stamp = now

    def take(self, now):
        self.tokens = min(self.burst,
                          self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Window:
    """Highest number of events seen in any sliding one-second window."""

    __slots__ = ("times", "peak")

    def __init__(self):
        self.times = collections.deque()
        self.peak = 0

    def add(self, now):
        times = self.times
        times.append(now)
        edge = now - 1.0
        while times[0] <= edge:
            times.popleft()
        if len(times) > self.peak:
            self.peak = len(times)


class Stats:
    """Counters kept by the server; snapshot() is what /_stats returns."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.requests = 0
        self.connections = 0
        self.calls = collections.Counter()
        self.ok = collections.Counter()
        self.errors = collections.Counter()
        self.errors_by_op = collections.defaultdict(collections.Counter)
        self.throttles = collections.Counter()
        self.faults = collections.Counter()
        self.issuances = 0
        self.signatures = 0
        self.token_issuances = collections.Counter()
        self.signature_failures = 0
        self.windows = collections.defaultdict(Window)
        self.accepted_windows = collections.defaultdict(Window)
        self.log = []

    def outcome(self, op, code, logging):
        if code == "OK":
            self.ok[op] += 1
        else:
            self.errors[code] += 1
            self.errors_by_op[op][code] += 1
        if logging and len(self.log) < LOG_CAP:
            self.log.append((round(time.time(), 6), op, code))

    def snapshot(self):
        return {
            "requests": self.requests,
            "connections": self.connections,
            "calls": dict(self.calls),
            "ok": dict(self.ok),
            "errors": dict(self.errors),
            "errors_by_op": {k: dict(v) for k, v in self.errors_by_op.items()},
            "throttles": dict(self.throttles),
            "faults": dict(self.faults),
            "issuances": self.issuances,
            "signatures": self.signatures,
            "token_issuances": dict(self.token_issuances),
            "signature_failures": self.signature_failures,
            "max_rps": {k: w.peak for k, w in self.windows.items()},
            "max_accepted_rps": {k: w.peak for k, w in
                                 self.accepted_windows.items()},
            "log": list(self.log),
        }


class Request:
    """One parsed HTTP request; header names in `headers` are lower case,
    `raw` keeps every (name, value) pair in arrival order for SigV4."""

    __slots__ = ("method", "target", "version", "headers", "raw", "body")

    def __init__(self, method, target, version, headers, raw, body):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.raw = raw
        self.body = body


class _Verifier(SigV4Auth):
    """botocore's SigV4 signer restricted to the headers the client signed,
    so that the server recomputes exactly the client's canonical request."""

    def __init__(self, credentials, region, signed):
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request):
        out = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._signed:
                out[name.lower()] = value
        return out

    def payload(self, request):
        # The base class gets the body through AWSRequest.prepare(), which
        # copies every header once more; over http it is the same hash.
        return hashlib.sha256(request.data or b"").hexdigest()


class _Pairs:
    """(name, value) pairs that AWSRequest can copy, duplicates included."""

    __slots__ = ("pairs",)

    def __init__(self, pairs):
        self.pairs = pairs

    def items(self):
        return self.pairs


def _amz_time(text):
    """Seconds since the epoch of an X-Amz-Date (strptime is slow)."""
    if len(text) != 16 or text[8] != "T" or text[15] != "Z" or \
            not (text[:8] + text[9:15]).isdigit():
        raise ValueError(text)
    fields = (int(text[0:4]), int(text[4:6]), int(text[6:8]),
              int(text[9:11]), int(text[11:13]), int(text[13:15]))
    if not (1 <= fields[1] <= 12 and 1 <= fields[2] <= 31 and
            fields[3] < 24 and fields[4] < 60 and fields[5] < 61):
        raise ValueError(text)
    return calendar.timegm(fields + (0, 0, 0))


def _denied(code, message):
    return PcaError(code, message, 403)


class _Reset(Exception):
    """Fault injection asked to drop the connection without an answer."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


def _keep_alive(req):
    conn = req.headers.get("connection", "").lower()
    if req.version == "HTTP/1.0":
        return conn == "keep-alive"
    return conn != "close"


def _parse_head(head):
    """Request line and headers -> Request without body, or None if bad."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return None
    headers, raw = {}, []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            return None
        value = value.strip()
        lname = name.lower()
        raw.append((name, value))
        headers[lname] = (headers[lname] + "," + value
                          if lname in headers else value)
    return Request(parts[0], parts[1], parts[2], headers, raw, b"")


class _Connection(asyncio.BufferedProtocol):
    """One client connection: a minimal HTTP/1.1 parser (Content-Length
    bodies, keep-alive, pipelining, Expect: 100-continue) that hands each
    request to the server and writes the answers back in request order,
    each after its own delay, without holding up other connections.

    It receives into one buffer of its own: a plain Protocol gets a fresh
    256 KiB bytes object per read, which costs an mmap, mremap and munmap
    per request, the largest cost of all on a virtual machine."""

    def __init__(self, server):
        self.server = server
        self.transport = None
        self.view = memoryview(bytearray(65536))
        self.buf = bytearray()
        self.req = None
        self.length = 0
        self.pending = collections.deque()
        self.timers = set()
        self.done = False

    def connection_made(self, transport):
        self.transport = transport
        self.server._conns.add(self)
        self.server.stats_data.connections += 1

    def connection_lost(self, exc):
        self.done = True
        self.server._conns.discard(self)
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    def get_buffer(self, sizehint):
        return self.view

    def buffer_updated(self, nbytes):
        if self.done:
            return
        buf = self.buf
        buf += self.view[:nbytes]
        while not self.done:
            if self.req is None and not self._head():
                return
            if len(buf) < self.length:
                return
            req, self.req = self.req, None
            req.body = bytes(buf[:self.length])
            del buf[:self.length]
            self.server._handle(self, req)

    def _head(self):
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > 65536:
                self._refuse()
            return False
        req = _parse_head(bytes(self.buf[:end]))
        del self.buf[:end + 4]
        length = req.headers.get("content-length", "0") if req else ""
        if req is None or "transfer-encoding" in req.headers or \
                not length.isdigit() or int(length) > MAX_BODY:
            self._refuse()
            return False
        self.req, self.length = req, int(length)
        if req.headers.get("expect", "").lower() == "100-continue" and \
                len(self.buf) < self.length:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def _refuse(self):
        self.queue(self.server._response(400, "text/plain",
                                         b"unsupported request framing\n",
                                         False), 0.0, False)
        self.done = True

    def queue(self, data, delay, keep):
        slot = [None if delay > 0 else data, keep]
        self.pending.append(slot)
        if delay > 0:
            timer = self.server._loop.call_later(delay, self._ready, slot,
                                                 data)
            self.timers.add(timer)
            slot.append(timer)
        self._flush()

    def _ready(self, slot, data):
        self.timers.discard(slot[2])
        slot[0] = data
        self._flush()

    def _flush(self):
        while self.pending and self.pending[0][0] is not None:
            data, keep = self.pending.popleft()[:2]
            if self.transport.is_closing():
                return
            self.transport.write(data)
            if not keep:
                self.done = True
                self.transport.close()
                return

    def drop(self, kind):
        """End the connection without answering: "reset" sends an RST,
        "close" a FIN, "hang" keeps it open and silent until the peer
        leaves."""
        self.done = True
        if kind == "hang":
            return
        if kind == "reset":
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack("ii", 1, 0))
            self.transport.abort()
        else:
            self.transport.close()


class CertRecord:
    """An issued certificate as GetCertificate and RevokeCertificate see it."""

    __slots__ = ("arn", "serial", "pem", "issued", "polls", "revoked")

    def __init__(self, arn, serial, pem, issued):
        self.arn = arn
        self.serial = serial
        self.pem = pem
        self.issued = issued
        self.polls = 0
        self.revoked = None


def _ca_specs(cas):
    """Accept "RSA_2048", "EC_prime256v1:sub" or {"key":..,"subordinate":..,
    "id":..} and return (key, subordinate, id) triples."""
    out = []
    for spec in cas:
        if isinstance(spec, str):
            key, _, kind = spec.partition(":")
            if kind not in ("", "root", "sub", "subordinate"):
                raise ValueError("CA spec %r: use KEY, KEY:root or KEY:sub" %
                                 spec)
            out.append((key, kind.startswith("sub"), None))
        else:
            out.append((spec["key"], bool(spec.get("subordinate")),
                        spec.get("id")))
    return out


def _credential_table(credentials):
    """{akid: secret | (secret, token) | {"secret":.., "token":..}} or a list
    of (akid, secret[, token]) -> {akid: (secret, token or None)}."""
    if credentials is None:
        credentials = DEFAULT_CREDENTIALS
    if isinstance(credentials, dict):
        items = list(credentials.items())
    else:
        items = [(c[0], tuple(c[1:])) for c in credentials]
    table = {}
    for akid, value in items:
        if isinstance(value, str):
            value = (value, None)
        elif isinstance(value, dict):
            value = (value["secret"], value.get("token"))
        else:
            value = (value[0], value[1] if len(value) > 1 else None)
        table[akid] = value
    return table


def _per_op(current, update, check):
    """Merge a {op or "*": value} update; a None value removes the entry,
    update=None clears everything."""
    if update is None:
        return {}
    if not isinstance(update, dict):
        raise ValueError("expected an object of operation -> value")
    merged = dict(current)
    for op, value in update.items():
        if op != "*" and op not in OPERATIONS:
            raise ValueError("unknown operation %r" % op)
        if value is None:
            merged.pop(op, None)
        else:
            merged[op] = check(value)
    return merged


def _rate(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or value <= 0:
        raise ValueError("a rate must be a positive number, not %r" % value)
    return float(value)


def _latency(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and value >= 0:
        return (float(value), float(value))
    if isinstance(value, (list, tuple)) and len(value) == 2 \
            and 0 <= value[0] <= value[1]:
        return (float(value[0]), float(value[1]))
    raise ValueError("latency is seconds or [min, max] seconds, not %r" %
                     (value,))


FAULT_KINDS = ("500", "503", "html", "reset", "close", "hang")


def _fault(value):
    """One fault, or a list of them drawn from one random number each
    request (their fractions add up: [{throttle 0.3}, {500 0.1}] throttles
    30% and fails 10% of the requests)."""
    if value is None:
        return None
    if isinstance(value, list):
        faults = [_fault_one(v) for v in value]
        if sum(f["fraction"] for f in faults) > 1.0:
            raise ValueError("the faults' fractions add up to more than 1")
        return faults
    return _fault_one(value)


def _fault_one(value):
    if not isinstance(value, dict) or value.get("kind") not in FAULT_KINDS:
        raise ValueError("fault needs kind in %s" % (FAULT_KINDS,))
    fault = {"kind": value["kind"], "count": value.get("count"),
             "fraction": float(_number(0)(value.get("fraction", 1.0))),
             "ops": list(value.get("ops") or []),
             "status": value.get("status"), "code": value.get("code"),
             "message": value.get("message")}
    if fault["count"] is None and "fraction" not in value:
        raise ValueError("fault needs a count, a fraction or both")
    if fault["count"] is not None:
        fault["count"] = int(_number(1)(fault["count"]))
    for op in fault["ops"]:
        if op not in OPERATIONS:
            raise ValueError("unknown operation %r" % op)
    return fault


def _number(low):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value < low:
            raise ValueError("expected a number >= %s, not %r" % (low, value))
        return value
    return check


# Knobs accepted by control() and POST /_control, with their validators.
_KNOB_CHECKS = {
    "quota": lambda srv, v: _per_op(srv._quota, v, _rate),
    "burst": lambda srv, v: _per_op(srv._burst, v, _rate),
    "latency": lambda srv, v: _per_op(srv._latency, v, _latency),
    "fault": lambda srv, v: _fault(v),
    "credentials": lambda srv, v: _credential_table(v),
    "ca_status": lambda srv, v: srv._check_ca_status(v),
    "in_progress": lambda srv, v: int(_number(0)(v)),
    "in_progress_seconds": lambda srv, v: float(_number(0)(v)),
    "idempotency_window": lambda srv, v: float(_number(0)(v)),
    "clock_skew": lambda srv, v: float(_number(0)(v)),
    "verify": lambda srv, v: bool(v),
    "log": lambda srv, v: bool(v),
    "cert_cache": lambda srv, v: bool(v),
    "reset_stats": lambda srv, v: bool(v),
}
CONTROL_KEYS = tuple(_KNOB_CHECKS)


class PcaServer:
    """The server.  Construct, then start() it in a thread of its own, or
    run it on the caller's loop with `await open()` / `await close()`."""

    def __init__(self, host="127.0.0.1", port=0,
                 cas=("RSA_2048", "EC_prime256v1"), region="us-east-1",
                 account="123456789012", partition="aws", credentials=None,
                 verify=True, quota=None, burst=None, latency=None,
                 in_progress=0, in_progress_seconds=0.0, fault=None,
                 log=False, cert_cache=False, idempotency_window=300.0,
                 clock_skew=300.0, seed=None):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the test server listens on loopback only")
        self.host, self.port = host, port
        self.region, self.account, self.partition = region, account, partition
        self.stats_data = Stats()
        self.authorities = {}
        for key, sub, ident in _ca_specs(cas):
            arn = "arn:%s:acm-pca:%s:%s:certificate-authority/%s" % (
                partition, region, account, ident or uuid.uuid4())
            self.authorities[arn] = Authority(arn, key, sub)
        self._quota, self._burst, self._latency = {}, {}, {}
        self._buckets = {}
        self._rng = random.Random(seed)
        # Request ids, ARNs and serials: os.urandom would cost a syscall
        # each; uniqueness is all they need.
        self._ids = random.Random()
        self._tokens = collections.OrderedDict()
        self._cache = {}
        self._csrs = {}
        self._loop = self._server = self._thread = None
        self._conns = set()
        self._date = (0, "")
        self._apply({"credentials": credentials, "verify": verify,
                     "quota": quota, "burst": burst, "latency": latency,
                     "in_progress": in_progress,
                     "in_progress_seconds": in_progress_seconds,
                     "fault": fault, "log": log, "cert_cache": cert_cache,
                     "idempotency_window": idempotency_window,
                     "clock_skew": clock_skew})

    # ---- public API -----------------------------------------------------

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    @property
    def cas(self):
        return [ca.info() for ca in self.authorities.values()]

    def start(self):
        """Listen in a background thread with its own event loop."""
        ready = threading.Event()
        failure = []

        def run():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.open())
            except BaseException as exc:  # handed to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.close())
            loop.close()

        self._thread = threading.Thread(target=run, name="pcaserver",
                                        daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def stop(self):
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def stats(self):
        """A snapshot of the counters (see Stats.snapshot) plus config."""
        return self._in_loop(self._stats_body)

    def control(self, **knobs):
        """Change knobs while running; returns the resulting config."""
        return self._in_loop(lambda: self._apply(knobs))

    def config(self):
        return {"quota": dict(self._quota), "burst": dict(self._burst),
                "latency": {k: list(v) for k, v in self._latency.items()},
                "in_progress": self._in_progress,
                "in_progress_seconds": self._in_progress_seconds,
                "fault": (list(self._fault) if isinstance(self._fault, list)
                          else dict(self._fault) if self._fault else None),
                "verify": self._verify, "log": self._log,
                "cert_cache": self._cert_cache,
                "idempotency_window": self._idempotency_window,
                "clock_skew": self._clock_skew,
                "ca_status": {a: ca.status for a, ca in
                              self.authorities.items()},
                "credentials": sorted(self._credentials)}

    async def open(self):
        self._loop = asyncio.get_running_loop()
        self._server = await self._loop.create_server(
            lambda: _Connection(self), self.host, self.port,
            reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self):
        self._server.close()
        for conn in list(self._conns):
            conn.drop("close")
        await self._server.wait_closed()

    # ---- knobs ----------------------------------------------------------

    def _in_loop(self, fn):
        if self._loop is None or self._thread is None or \
                threading.current_thread() is self._thread:
            return fn()
        import concurrent.futures
        done = concurrent.futures.Future()

        def call():
            try:
                done.set_result(fn())
            except BaseException as exc:  # re-raised in the caller's thread
                done.set_exception(exc)
        self._loop.call_soon_threadsafe(call)
        return done.result(timeout=30)

    def _stats_body(self):
        snap = self.stats_data.snapshot()
        snap["config"] = self.config()
        snap["certificates"] = sum(len(ca.certs) for ca in
                                   self.authorities.values())
        # CPU time of the whole process: on a shared machine requests per
        # CPU second says more about capacity than requests per second.
        snap["cpu_seconds"] = round(time.process_time(), 3)
        return snap

    def _apply(self, knobs):
        """Validate every knob (see CONTROL_KEYS), then apply them all, so
        a bad request changes nothing; ValueError says what was wrong."""
        new = {}
        for key, value in knobs.items():
            if key not in CONTROL_KEYS:
                raise ValueError("unknown control key %r (have %s)" %
                                 (key, ", ".join(CONTROL_KEYS)))
            new[key] = _KNOB_CHECKS[key](self, value)
        for key in ("quota", "burst", "latency", "fault", "credentials"):
            if key in new:
                setattr(self, "_" + key, new[key])
        if "quota" in new or "burst" in new:
            self._buckets = {}
        for arn, status in new.get("ca_status", {}).items():
            self.authorities[arn].status = status
            self.authorities[arn].state_changed_at = time.time()
        for key in ("in_progress", "in_progress_seconds", "verify", "log",
                    "cert_cache", "idempotency_window", "clock_skew"):
            if key in new:
                setattr(self, "_" + key, new[key])
        if new.get("reset_stats"):
            self.stats_data.reset()
        return self.config()

    def _check_ca_status(self, value):
        for arn, status in (value or {}).items():
            if arn not in self.authorities or status not in CA_STATUSES:
                raise ValueError("ca_status: unknown CA %r or status %r" %
                                 (arn, status))
        return dict(value or {})

    # ---- requests -------------------------------------------------------

    def _handle(self, conn, req):
        """Answer one parsed request on conn (answers keep request order)."""
        keep = _keep_alive(req)
        try:
            delay, status, ctype, body, extra = self._dispatch(req)
        except _Reset as reset:
            conn.drop(reset.kind)
            return
        conn.queue(self._response(status, ctype, body, keep, extra), delay,
                   keep)

    def _response(self, status, ctype, body, keep, extra=""):
        now = int(time.time())
        if self._date[0] != now:
            self._date = (now, time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                             time.gmtime(now)))
        head = ("HTTP/1.1 %d %s\r\nx-amzn-RequestId: %s\r\nDate: %s\r\n"
                "Content-Type: %s\r\nContent-Length: %d\r\n%s%s\r\n" %
                (status, STATUS_TEXT.get(status, "Error"),
                 uuid.UUID(int=self._ids.getrandbits(128), version=4),
                 self._date[1], ctype, len(body), extra,
                 "" if keep else "Connection: close\r\n"))
        return head.encode() + body

    def _dispatch(self, req):
        """(delay, status, content type, body, extra header lines) for one
        request, or _Reset to drop the connection."""
        if req.target.startswith("/_"):
            return (0.0,) + self._internal(req)
        st = self.stats_data
        st.requests += 1
        target = req.headers.get("x-amz-target", "")
        op = target[len(TARGET_PREFIX):] if target.startswith(
            TARGET_PREFIX) else ""
        name = op if op in OPERATIONS else (op or "-")
        now = self._loop.time()
        st.calls[name] += 1
        st.windows[name].add(now)
        fault = self._take_fault(name)
        if fault is not None:
            return (0.0,) + self._inject(fault, name)
        try:
            delay, body = self._aws(req, op, now)
            code, status = "OK", 200
        except PcaError as err:
            delay = getattr(err, "delay", 0.0)
            code, status = err.code, err.status
            body = json.dumps({"__type": err.code, "message": err.message},
                              separators=(",", ":")).encode()
        st.outcome(name, code, self._log)
        if status != 200:
            return (delay, status, JSON_TYPE, body,
                    "x-amzn-ErrorType: %s\r\n" % code)
        return delay, 200, JSON_TYPE, body, ""

    def _internal(self, req):
        path = req.target.split("?", 1)[0]
        try:
            if path == "/_stats" and req.method == "GET":
                out = self._stats_body()
            elif path == "/_cas" and req.method == "GET":
                out = {"cas": self.cas}
            elif path == "/_control" and req.method == "POST":
                knobs = json.loads(req.body or b"{}")
                if not isinstance(knobs, dict):
                    raise ValueError("the body must be a JSON object")
                out = {"config": self._apply(knobs)}
            else:
                return 404, "application/json", b'{"error":"not found"}', ""
        except ValueError as exc:
            out = json.dumps({"error": str(exc)}).encode()
            return 400, "application/json", out, ""
        return 200, "application/json", json.dumps(out).encode(), ""

    # ---- fault injection ------------------------------------------------

    def _take_fault(self, op):
        if isinstance(self._fault, list):
            draw = self._rng.random()
            for fault in self._fault:
                if fault["ops"] and op not in fault["ops"]:
                    continue
                if draw < fault["fraction"]:
                    return fault
                draw -= fault["fraction"]
            return None
        fault = self._fault
        if fault is None or (fault["ops"] and op not in fault["ops"]):
            return None
        if fault["fraction"] < 1.0 and self._rng.random() >= fault["fraction"]:
            return None
        if fault["count"] is not None:
            fault["count"] -= 1
            if fault["count"] <= 0:
                self._fault = None
        return fault

    def _inject(self, fault, op):
        kind = fault["kind"]
        self.stats_data.faults[kind] += 1
        self.stats_data.outcome(op, "Fault:" + kind, self._log)
        if kind in ("reset", "close", "hang"):
            raise _Reset(kind)
        if kind == "html":
            body = (b"<html><head><title>Internal Server Error</title></head>"
                    b"<body><h1>Internal Server Error</h1></body></html>\n")
            return fault["status"] or 500, "text/html", body, ""
        status = fault["status"] or int(kind)
        code = fault["code"] or ("InternalFailure" if status == 500
                                 else "ServiceUnavailable")
        message = fault["message"] or (
            "We encountered an internal error. Please try again."
            if status == 500 else "Service Unavailable")
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, JSON_TYPE, body, "x-amzn-ErrorType: %s\r\n" % code

    # ---- the AWS protocol -----------------------------------------------

    def _aws(self, req, op, now):
        """Authenticate, throttle and run op: (delay, JSON answer bytes), or
        PcaError.  The work happens now; the answer waits `delay`."""
        if req.method != "POST" or req.target.split("?", 1)[0] != "/":
            raise PcaError("UnknownOperationException",
                           "Only POST / is served", 404)
        if self._verify:
            self._check_signature(req)
        handler = getattr(self, "_op_" + op, None) if op in OPERATIONS \
            else None
        if handler is None:
            raise PcaError("UnknownOperationException",
                           "Unknown operation %r" % op)
        ctype = req.headers.get("content-type", "").split(";")[0].strip()
        if ctype != JSON_TYPE:
            raise PcaError("UnknownOperationException",
                           "Content-Type must be " + JSON_TYPE)
        rate = self._quota.get(op, self._quota.get("*"))
        if rate is not None:
            bucket = self._buckets.get(op)
            if bucket is None:
                bucket = self._buckets[op] = Bucket(
                    rate, self._burst.get(op, self._burst.get("*")), now)
            if not bucket.take(now):
                self.stats_data.throttles[op] += 1
                raise PcaError("ThrottlingException", "Rate exceeded")
        self.stats_data.accepted_windows[op].add(now)
        span = self._latency.get(op, self._latency.get("*"))
        delay = self._rng.uniform(*span) if span is not None else 0.0
        try:
            params = json.loads(req.body) if req.body.strip() else {}
        except ValueError:
            raise PcaError("SerializationException",
                           "The request body is not valid JSON")
        if not isinstance(params, dict):
            raise PcaError("SerializationException",
                           "The request body must be a JSON object")
        try:
            result = handler(params)
        except PcaError as err:
            err.delay = delay
            raise
        body = json.dumps(result, separators=(",", ":")).encode() \
            if result else b""
        return delay, body

    def _check_signature(self, req):
        """Verify SigV4 as AWS does; raise PcaError on every failure."""
        try:
            self._signature_checks(req)
        except PcaError:
            self.stats_data.signature_failures += 1
            raise

    def _signature_checks(self, req):
        auth = req.headers.get("authorization")
        if not auth:
            raise _denied("MissingAuthenticationTokenException",
                          "Missing Authentication Token")
        match = AUTH_RE.match(auth)
        scope = match.group(1).split("/") if match else []
        if len(scope) != 5 or scope[4] != "aws4_request":
            raise _denied("IncompleteSignatureException",
                          "Authorization header requires 'Credential', "
                          "'Signature' and 'SignedHeaders' parameters "
                          "in AWS4-HMAC-SHA256 form. Authorization=" +
                          auth)
        akid, day, region, service, _ = scope
        signed = match.group(2).split(";")
        amzdate = req.headers.get("x-amz-date", "")
        try:
            stamp = _amz_time(amzdate)
        except ValueError:
            raise _denied("IncompleteSignatureException",
                          "Authorization header requires existence of "
                          "either a 'X-Amz-Date' or a 'Date' header.")
        if "host" not in signed:
            raise _denied("IncompleteSignatureException",
                          "'Host' or ':authority' must be a "
                          "'SignedHeader' in the AWS Authorization.")
        entry = self._credentials.get(akid)
        if entry is None or (entry[1] is not None and
                             req.headers.get("x-amz-security-token")
                             != entry[1]):
            raise _denied("UnrecognizedClientException",
                          "The security token included in the request "
                          "is invalid.")
        self._check_scope(day, region, service, amzdate, stamp)
        self._check_hmac(req, akid, entry, region, signed, amzdate,
                         match.group(3))

    def _check_scope(self, day, region, service, amzdate, stamp):
        if day != amzdate[:8]:
            raise _denied(
                "InvalidSignatureException",
                "Date in Credential scope does not match YYYYMMDD from "
                "ISO-8601 version of date from HTTP: '%s' != '%s', from "
                "'%s'." % (day, amzdate[:8], amzdate))
        if region != self.region:
            raise _denied("InvalidSignatureException",
                          "Credential should be scoped to a valid "
                          "region. ")
        if service != SERVICE:
            raise _denied("InvalidSignatureException",
                          "Credential should be scoped to correct "
                          "service: '%s'. " % SERVICE)
        now = time.time()
        fmt = "%Y%m%dT%H%M%SZ"
        if abs(now - stamp) > self._clock_skew:
            early = stamp < now
            edge = now - self._clock_skew if early else now + self._clock_skew
            raise _denied(
                "InvalidSignatureException",
                "Signature %s: %s is %s %s (%s %s %d min.)" % (
                    "expired" if early else "not yet current", amzdate,
                    "now earlier than" if early else "still later than",
                    time.strftime(fmt, time.gmtime(edge)),
                    time.strftime(fmt, time.gmtime(now)),
                    "-" if early else "+", self._clock_skew // 60))

    def _check_hmac(self, req, akid, entry, region, signed, amzdate, sig):
        declared = req.headers.get("x-amz-content-sha256")
        if declared is not None and declared != \
                hashlib.sha256(req.body).hexdigest():
            raise _denied("InvalidSignatureException",
                          "The provided 'x-amz-content-sha256' header "
                          "does not match what was computed.")
        wanted = set(signed)
        headers = _Pairs([(n, v) for n, v in req.raw if n.lower() in wanted])
        signer = _Verifier(Credentials(akid, entry[0], entry[1]), region,
                           wanted)
        aws_req = AWSRequest(method=req.method, url="http://localhost" +
                             req.target, headers=headers, data=req.body)
        aws_req.context["timestamp"] = amzdate
        canonical = signer.canonical_request(aws_req)
        to_sign = signer.string_to_sign(aws_req, canonical)
        expected = signer.signature(to_sign, aws_req)
        if not hmac.compare_digest(expected, sig):
            raise _denied(
                "InvalidSignatureException",
                "The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key "
                "and signing method. Consult the service documentation for "
                "details.\n\nThe Canonical String for this request should "
                "have been\n'%s'\n\nThe String-to-Sign should have been\n"
                "'%s'\n" % (canonical, to_sign))

    # ---- operations -----------------------------------------------------

    @staticmethod
    def _require(params, names, strings=()):
        missing = [n for n in names if params.get(n) is None]
        if missing:
            raise PcaError("ValidationException", "%d validation error%s "
                           "detected: %s" % (
                               len(missing), "s" if len(missing) > 1 else "",
                               "; ".join("Value null at '%s' failed to "
                                         "satisfy constraint: Member must "
                                         "not be null" % (n[0].lower() +
                                                          n[1:])
                                         for n in missing)))
        for n in strings:
            if n in params and not isinstance(params[n], str):
                raise PcaError("SerializationException",
                               "%s must be a string" % n)

    def _authority(self, arn):
        if not CA_ARN_RE.match(arn):
            raise PcaError("InvalidArnException",
                           "The ARN %s is not valid." % arn)
        ca = self.authorities.get(arn)
        if ca is None:
            raise PcaError("ResourceNotFoundException",
                           "Could not find certificate authority %s." % arn)
        if ca.status == "DELETED":
            raise PcaError("InvalidStateException", "The certificate "
                           "authority %s has been deleted." % arn)
        return ca

    @staticmethod
    def _active(ca):
        if ca.status != "ACTIVE":
            raise PcaError("InvalidStateException",
                           "The certificate authority %s is not in the "
                           "correct state to issue certificates. Its "
                           "current state is %s." % (ca.arn, ca.status))

    def _op_IssueCertificate(self, p):
        self._require(p, ("CertificateAuthorityArn", "Csr",
                          "SigningAlgorithm", "Validity"),
                      ("CertificateAuthorityArn", "Csr", "SigningAlgorithm",
                       "TemplateArn", "IdempotencyToken"))
        ca = self._authority(p["CertificateAuthorityArn"])
        self._active(ca)
        algorithm = p["SigningAlgorithm"]
        if algorithm not in SIGNING:
            raise _validation(
                "Value '%s' at 'signingAlgorithm' failed to satisfy "
                "constraint: Member must satisfy enum value set: [%s]" %
                (algorithm, ", ".join(list(SIGNING) + list(OTHER_SIGNING))))
        family, digest = SIGNING[algorithm]
        if family != ca.family:
            raise PcaError("ValidationException",
                           "The signing algorithm %s is not compatible with "
                           "the key algorithm %s of the certificate "
                           "authority." % (algorithm, ca.key_algorithm))
        template = parse_template(p.get("TemplateArn"))
        try:
            csr_bytes = base64.b64decode(p["Csr"], validate=True)
        except ValueError:
            raise PcaError("SerializationException",
                           "Csr is not valid base64")
        token = p.get("IdempotencyToken")
        if token is not None and not 1 <= len(token) <= 36:
            raise _validation("Value at 'idempotencyToken' failed to "
                              "satisfy constraint: Member must have length "
                              "between 1 and 36")
        key = None
        if token is not None:
            key = (ca.arn, token, hashlib.sha256(csr_bytes).digest())
            hit = self._recall(key)
            if hit is not None:
                return {"CertificateArn": hit}
        pem, serial = self._certificate(ca, p, csr_bytes, digest, template)
        arn = "%s/certificate/%032x" % (ca.arn, self._ids.getrandbits(128))
        record = CertRecord(arn, serial, pem, self._loop_time())
        ca.certs[arn] = record
        ca.by_serial[serial].append(record)
        self.stats_data.issuances += 1
        if key is not None:
            self.stats_data.token_issuances[token] += 1
            self._tokens[key] = (arn, self._loop_time())
        return {"CertificateArn": arn}

    def _loop_time(self):
        return self._loop.time() if self._loop is not None else \
            time.monotonic()

    def _recall(self, key):
        """The ARN issued for an idempotency key within the window."""
        now = self._loop_time()
        tokens = self._tokens
        while tokens:
            oldest = next(iter(tokens.values()))
            if now - oldest[1] < self._idempotency_window:
                break
            tokens.popitem(last=False)
        hit = tokens.get(key)
        return hit[0] if hit is not None else None

    def _certificate(self, ca, p, csr_bytes, digest, template):
        """(PEM, serial) for this request, signed now or from the cache."""
        cache_key = None
        if self._cert_cache:
            cache_key = (ca.arn, csr_bytes, p["SigningAlgorithm"],
                         p.get("TemplateArn"),
                         json.dumps([p["Validity"], p.get("ValidityNotBefore"),
                                     p.get("ApiPassthrough")],
                                    sort_keys=True))
            hit = self._cache.get(cache_key)
            if hit is not None:
                return hit
        csr = self._load_csr(csr_bytes)
        now = _now()
        not_after = validity_time(p["Validity"], now)
        if p.get("ValidityNotBefore") is not None:
            nb = p["ValidityNotBefore"]
            if isinstance(nb, dict) and nb.get("Type") not in (
                    "ABSOLUTE", "END_DATE"):
                raise PcaError("ValidationException", "ValidityNotBefore "
                               "Type must be ABSOLUTE or END_DATE")
            not_before = validity_time(nb, now, "validityNotBefore")
        else:
            # AWS back-dates by an hour to absorb clock skew.
            not_before = now - datetime.timedelta(hours=1)
        if not_after <= now or not_after <= not_before:
            raise PcaError("ValidationException", "The validity period "
                           "ends before it starts or is already over.")
        if not_after > ca.not_after:
            raise PcaError("ValidationException", "The certificate validity "
                           "exceeds the validity of the issuing "
                           "certificate authority.")
        cert = ca.sign(csr, digest, template, not_before, not_after,
                       self._ids.getrandbits(127) + 1)
        self.stats_data.signatures += 1
        result = (_pem(cert), cert.serial_number)
        if cache_key is not None:
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[cache_key] = result
        return result

    def _load_csr(self, data):
        """Parse and check a PEM CSR.  Parsed CSRs are kept by their bytes:
        verifying the CSR's signature costs as much as signing the
        certificate, and benchmarks send the same CSR again and again."""
        csr = self._csrs.get(data)
        if csr is not None:
            return csr
        bad = PcaError("MalformedCSRException",
                       "The certificate signing request is malformed.")
        if not data.lstrip().startswith(b"-----BEGIN"):
            raise bad
        try:
            csr = x509.load_pem_x509_csr(data)
            if not csr.is_signature_valid:
                raise bad
            csr = CsrInfo(csr)
        except (ValueError, UnsupportedAlgorithm):
            raise bad
        if len(self._csrs) >= 4096:
            self._csrs.clear()
        self._csrs[data] = csr
        return csr

    def _cert_record(self, ca, arn):
        match = CERT_ARN_RE.match(arn)
        if not match:
            raise PcaError("InvalidArnException",
                           "The ARN %s is not valid." % arn)
        record = ca.certs.get(arn)
        if record is None:
            raise PcaError("ResourceNotFoundException",
                           "Could not find certificate %s." % arn)
        return record

    def _op_GetCertificate(self, p):
        self._require(p, ("CertificateAuthorityArn", "CertificateArn"),
                      ("CertificateAuthorityArn", "CertificateArn"))
        ca = self._authority(p["CertificateAuthorityArn"])
        record = self._cert_record(ca, p["CertificateArn"])
        record.polls += 1
        if record.polls <= self._in_progress or \
                self._loop_time() - record.issued < self._in_progress_seconds:
            raise PcaError("RequestInProgressException",
                           "The request to issue certificate %s is still in "
                           "progress." % record.arn)
        return {"Certificate": record.pem, "CertificateChain": ca.chain_pem}

    def _op_DescribeCertificateAuthority(self, p):
        self._require(p, ("CertificateAuthorityArn",),
                      ("CertificateAuthorityArn",))
        ca = self._authority(p["CertificateAuthorityArn"])
        return {"CertificateAuthority": ca.describe()}

    def _op_GetCertificateAuthorityCertificate(self, p):
        self._require(p, ("CertificateAuthorityArn",),
                      ("CertificateAuthorityArn",))
        ca = self._authority(p["CertificateAuthorityArn"])
        if ca.status in ("CREATING", "PENDING_CERTIFICATE", "FAILED"):
            raise PcaError("InvalidStateException", "The certificate "
                           "authority %s has no certificate yet." % ca.arn)
        out = {"Certificate": ca.cert_pem}
        if ca.parents_pem:
            out["CertificateChain"] = ca.parents_pem
        return out

    def _op_RevokeCertificate(self, p):
        self._require(p, ("CertificateAuthorityArn", "CertificateSerial",
                          "RevocationReason"),
                      ("CertificateAuthorityArn", "CertificateSerial",
                       "RevocationReason"))
        ca = self._authority(p["CertificateAuthorityArn"])
        self._active(ca)
        if p["RevocationReason"] not in REVOCATION_REASONS:
            raise _validation("Value '%s' at 'revocationReason' failed to "
                              "satisfy constraint: Member must satisfy enum "
                              "value set: [%s]" % (p["RevocationReason"],
                                                   ", ".join(
                                                       REVOCATION_REASONS)))
        try:
            serial = int(p["CertificateSerial"].replace(":", ""), 16)
        except ValueError:
            raise PcaError("InvalidRequestException", "The certificate "
                           "serial must be hexadecimal.")
        records = ca.by_serial.get(serial)
        if not records:
            raise PcaError("ResourceNotFoundException", "Could not find a "
                           "certificate with serial %s." %
                           p["CertificateSerial"])
        if records[0].revoked is not None:
            raise PcaError("RequestAlreadyProcessedException",
                           "The certificate has already been revoked.")
        for record in records:
            record.revoked = p["RevocationReason"]
        return None


# ---- command line -------------------------------------------------------

def _pairs(values, convert):
    out = {}
    for item in values or []:
        op, sep, value = item.partition("=")
        if not sep:
            raise SystemExit("expected OP=VALUE, got %r" % item)
        out[op] = convert(value)
    return out


def _latency_arg(text):
    lo, _, hi = text.partition(":")
    return [float(lo), float(hi or lo)]


def _serve_parser():
    ap = argparse.ArgumentParser(
        prog="pcaserver", description="AWS Private CA test server. Prints "
        "one JSON line (port, CAs, credentials) once listening.")
    ap.add_argument("--host", default="127.0.0.1",
                    choices=("127.0.0.1", "localhost", "::1"))
    ap.add_argument("--port", type=int, default=0, help="0 picks a port")
    ap.add_argument("--ca", action="append", metavar="KEY[:sub]",
                    help="CA key algorithm (%s); ':sub' adds a root above "
                    "it. Repeatable. Default RSA_2048 and EC_prime256v1" %
                    ", ".join(KEY_ALGORITHMS))
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--credential", action="append",
                    metavar="AKID:SECRET[:TOKEN]")
    ap.add_argument("--no-verify", action="store_true",
                    help="accept any request without checking SigV4")
    ap.add_argument("--quota", action="append", metavar="OP=RPS",
                    help="token-bucket quota per operation ('*' = each op)")
    ap.add_argument("--burst", action="append", metavar="OP=N")
    ap.add_argument("--latency", action="append", metavar="OP=S[:MAX]")
    ap.add_argument("--in-progress", type=int, default=0, metavar="N",
                    help="first N GetCertificate of each cert answer "
                    "RequestInProgressException")
    ap.add_argument("--in-progress-seconds", type=float, default=0.0)
    ap.add_argument("--fault", metavar="JSON",
                    help='e.g. {"kind": "503", "count": 3}')
    ap.add_argument("--log", action="store_true")
    ap.add_argument("--cert-cache", action="store_true",
                    help="reuse the certificate signed for an identical "
                    "request (benchmarks)")
    ap.add_argument("--idempotency-window", type=float, default=300.0)
    ap.add_argument("--clock-skew", type=float, default=300.0)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--exit-on-eof", action="store_true",
                    help="stop when standard input closes")
    return ap


def _server_from_args(args):
    creds = None
    if args.credential:
        creds = [tuple(c.split(":", 2)) for c in args.credential]
    return PcaServer(
        host=args.host, port=args.port,
        cas=args.ca or ("RSA_2048", "EC_prime256v1"), region=args.region,
        account=args.account, credentials=creds, verify=not args.no_verify,
        quota=_pairs(args.quota, float), burst=_pairs(args.burst, float),
        latency=_pairs(args.latency, _latency_arg),
        in_progress=args.in_progress,
        in_progress_seconds=args.in_progress_seconds,
        fault=json.loads(args.fault) if args.fault else None, log=args.log,
        cert_cache=args.cert_cache,
        idempotency_window=args.idempotency_window,
        clock_skew=args.clock_skew, seed=args.seed)


async def _serve(args):
    srv = _server_from_args(args)
    await srv.open()
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    if args.exit_on_eof:
        def on_stdin():
            if not os.read(sys.stdin.fileno(), 4096):
                done.set()
        loop.add_reader(sys.stdin.fileno(), on_stdin)
    creds = [{"access_key_id": k, "secret_access_key": v[0],
              "session_token": v[1]} for k, v in srv._credentials.items()]
    print(json.dumps({"port": srv.port, "url": srv.url, "pid": os.getpid(),
                      "region": srv.region, "account": srv.account,
                      "verify": srv._verify, "cas": srv.cas,
                      "credentials": creds}), flush=True)
    await done.wait()
    await srv.close()


# ---- load generator -----------------------------------------------------

def _bench_parser():
    ap = argparse.ArgumentParser(
        prog="pcaserver bench", description="Drive a pcaserver over "
        "keep-alive connections, one call in flight on each, and print the "
        "achieved rate as one JSON line.")
    ap.add_argument("--url", help="server to drive (or --spawn one)")
    ap.add_argument("--ca-arn", help="CA to use (default: the first)")
    ap.add_argument("--credential", default="%s:%s" % next(
        iter(DEFAULT_CREDENTIALS.items())), metavar="AKID:SECRET[:TOKEN]")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--spawn", action="store_true",
                    help="start a server process for the run")
    ap.add_argument("--ca", default="EC_prime256v1",
                    help="CA key of the spawned server")
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--cert-cache", action="store_true")
    ap.add_argument("--op", default="IssueCertificate",
                    choices=("IssueCertificate", "GetCertificate",
                             "DescribeCertificateAuthority"))
    ap.add_argument("--csr-key", default="ec", choices=("ec", "rsa"))
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--duration", type=float, default=5.0)
    return ap


def _make_csr(kind):
    key = ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else \
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(
               NameOID.COMMON_NAME, "bench.example.com")]))
           .add_extension(x509.SubjectAlternativeName(
               [x509.DNSName("bench.example.com")]), False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM)


def signed_request(host, port, op, params, credential, region):
    """Raw HTTP/1.1 bytes of a SigV4-signed acm-pca call, signed now."""
    body = json.dumps(params).encode()
    req = AWSRequest(method="POST", url="http://%s:%d/" % (host, port),
                     data=body, headers={
                         "Content-Type": JSON_TYPE,
                         "X-Amz-Target": TARGET_PREFIX + op,
                         "Host": "%s:%d" % (host, port)})
    SigV4Auth(Credentials(*credential), SERVICE, region).add_auth(req)
    lines = ["POST / HTTP/1.1"] + ["%s: %s" % kv for kv in
                                   req.headers.items()]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _split_answer(buf):
    """(status, body, bytes used) of the first whole answer in buf, or
    None while it is incomplete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    length = int(re.search(rb"(?i)\r\ncontent-length: *(\d+)",
                           buf[:end]).group(1))
    if len(buf) < end + 4 + length:
        return None
    return int(buf[9:12]), bytes(buf[end + 4:end + 4 + length]), \
        end + 4 + length


def roundtrip(host, port, raw):
    """Send one request on a new connection: (status, body)."""
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(raw)
        buf = b""
        while _split_answer(buf) is None:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            buf += chunk
        return _split_answer(buf)[:2]


def _http_json(host, port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    status, answer = roundtrip(host, port, (
        "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n" %
        (method, path, host, len(data))).encode() + data)
    if status != 200:
        raise RuntimeError("%s %s: HTTP %d %r" % (method, path, status,
                                                  answer))
    return json.loads(answer)


class _BenchClient(asyncio.BufferedProtocol):
    """One keep-alive connection that sends the next request as soon as
    the previous answer is complete, until the deadline."""

    def __init__(self, request, deadline, tally, done):
        self.request, self.deadline = request, deadline
        self.tally, self.done = tally, done
        self.view = memoryview(bytearray(65536))
        self.buf = bytearray()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self._send()

    def _send(self):
        if asyncio.get_running_loop().time() >= self.deadline:
            self.transport.close()
        else:
            self.transport.write(self.request[0])

    def get_buffer(self, sizehint):
        return self.view

    def buffer_updated(self, nbytes):
        self.buf += self.view[:nbytes]
        answer = _split_answer(self.buf)
        if answer is None:
            return
        status, body, used = answer
        del self.buf[:used]
        code = re.search(rb'"__type":"([^"]+)"', body)
        self.tally["OK" if status == 200 else code.group(1).decode()
                   if code else "HTTP %d" % status] += 1
        self._send()

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(None)


def _bench_params(args, host, port, credential):
    if args.op == "DescribeCertificateAuthority":
        return {"CertificateAuthorityArn": args.ca_arn}
    cas = {c["arn"]: c for c in _http_json(host, port, "GET", "/_cas")["cas"]}
    issue = {"CertificateAuthorityArn": args.ca_arn,
             "Csr": base64.b64encode(_make_csr(args.csr_key)).decode(),
             "SigningAlgorithm": cas[args.ca_arn]["signing_algorithm"],
             "Validity": {"Type": "DAYS", "Value": 7}}
    if args.op == "IssueCertificate":
        return issue
    status, body = roundtrip(host, port, signed_request(
        host, port, "IssueCertificate", issue, credential, args.region))
    if status != 200:
        raise RuntimeError("IssueCertificate: HTTP %d %r" % (status, body))
    return {"CertificateAuthorityArn": args.ca_arn,
            "CertificateArn": json.loads(body)["CertificateArn"]}


def _drive(args, host, port, params, credential, tally):
    """Run the connections until the deadline.  The one request they all
    send is signed again every minute so long runs stay within the
    server's clock skew."""
    request = [None]

    def sign():
        request[0] = signed_request(host, port, args.op, params, credential,
                                    args.region)

    async def run():
        loop = asyncio.get_running_loop()
        deadline = loop.time() + args.duration
        timer = [None]

        def refresh():
            sign()
            timer[0] = loop.call_later(60, refresh)
        refresh()
        waits = []
        for _ in range(args.connections):
            done = loop.create_future()
            await loop.create_connection(
                lambda done=done: _BenchClient(request, deadline, tally,
                                               done), host, port)
            waits.append(done)
        await asyncio.gather(*waits)
        timer[0].cancel()
    asyncio.run(run())


def bench(argv):
    """Run the load generator; returns the result dict it prints."""
    args = _bench_parser().parse_args(argv)
    credential = tuple(args.credential.split(":", 2))
    proc = None
    if args.spawn:
        import subprocess
        cmd = [sys.executable, os.path.abspath(__file__), "--port", "0",
               "--ca", args.ca, "--credential", args.credential,
               "--region", args.region, "--exit-on-eof"]
        cmd += ["--no-verify"] if args.no_verify else []
        cmd += ["--cert-cache"] if args.cert_cache else []
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        args.url = json.loads(proc.stdout.readline())["url"]
    try:
        host, port = args.url.split("//", 1)[1].rsplit(":", 1)
        port = int(port)
        args.ca_arn = args.ca_arn or \
            _http_json(host, port, "GET", "/_cas")["cas"][0]["arn"]
        params = _bench_params(args, host, port, credential)
        _http_json(host, port, "POST", "/_control", {"reset_stats": True})
        cpu0 = _http_json(host, port, "GET", "/_stats")["cpu_seconds"]
        tally = collections.Counter()
        start, cpu = time.monotonic(), time.process_time()
        _drive(args, host, port, params, credential, tally)
        elapsed = time.monotonic() - start
        stats = _http_json(host, port, "GET", "/_stats")
        server_cpu = max(stats["cpu_seconds"] - cpu0, 1e-3)
        calls = sum(tally.values())
        result = {"op": args.op, "connections": args.connections,
                  "verify": stats["config"]["verify"],
                  "cert_cache": stats["config"]["cert_cache"],
                  "seconds": round(elapsed, 3), "answers": dict(tally),
                  "rate": round(calls / elapsed, 1),
                  "ok_rate": round(tally["OK"] / elapsed, 1),
                  "server_max_rps": stats["max_rps"].get(args.op),
                  "signatures": stats["signatures"],
                  "server_cpu_seconds": round(server_cpu, 3),
                  "calls_per_server_cpu_second": round(calls / server_cpu),
                  "client_cpu_seconds": round(time.process_time() - cpu, 3)}
        print(json.dumps(result), flush=True)
        return result
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "bench":
        bench(argv[1:])
        return 0
    args = _serve_parser().parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except ValueError as exc:
        print("pcaserver: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The certificate authorities of the Private CA test server (pcaserver.py)
and what its AWS operations do: the CA model (keys, certificates,
templates, validity), SigV4 verification as the service does it, and the
operations themselves (IssueCertificate, GetCertificate,
DescribeCertificateAuthority, GetCertificateAuthorityCertificate,
RevokeCertificate) as a mixin of PcaServer, which holds the state.
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



class PcaOperations:
    """The AWS side of PcaServer: authentication, quotas and operations.
    Mixed into PcaServer, whose state (CAs, certificates, knobs, stats) it
    works on."""


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



"""The AWS Private CA test server (tests/lib/pcaserver.py) as boto3 sees it.

Every other AWS test trusts this server to behave like the real service, so
here the real AWS SDK talks to it: the answers must parse against botocore's
service model, certificates must be real and honour what was asked, and the
knobs (quota, latency, RequestInProgress, faults, SigV4 checks, idempotency)
must show up to a client exactly as the real service's answers would.
"""

import base64
import datetime
import json
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

import boto3
import botocore.exceptions
import botocore.session
from botocore.config import Config
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import pcaserver

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
TEMPLATE = "arn:aws:acm-pca:::template/%s/V1"


def make_csr(kind, name="app.example.com"):
    """A PEM CSR for a fresh RSA-2048 or P-256 key, with one DNS SAN."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) \
        if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                       name)]))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]),
                          False)
           .sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.PEM), key


def spki(public_key):
    return public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def client(url, secret=SECRET, akid=AKID, token=None):
    # total_max_attempts=1: no retries, so every answer reaches the test.
    # (Config(retries={'max_attempts': 1}) would still allow one retry.)
    return boto3.client(
        "acm-pca", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(retries={"total_max_attempts": 1},
                      connect_timeout=5, read_timeout=10))


def check_shape(test, value, shape, path):
    """Assert that a parsed JSON answer uses only the members the service
    model has, with the model's types (botocore ignores the others)."""
    kind = shape.type_name
    if kind == "structure":
        test.assertIsInstance(value, dict, path)
        for name in shape.required_members:
            test.assertIn(name, value, path)
        for name, member in value.items():
            test.assertIn(name, shape.members, path)
            check_shape(test, member, shape.members[name], path + "." + name)
    elif kind == "list":
        test.assertIsInstance(value, list, path)
        for item in value:
            check_shape(test, item, shape.member, path + "[]")
    elif kind in ("string", "blob"):
        test.assertIsInstance(value, str, path)
        if shape.enum:
            test.assertIn(value, shape.enum, path)
    elif kind == "boolean":
        test.assertIsInstance(value, bool, path)
    else:
        test.assertIn(kind, ("integer", "long", "timestamp"), path)
        test.assertIsInstance(value, (int, float), path)
        test.assertNotIsInstance(value, bool, path)


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as exc:
        return exc.response["Error"]["Code"]
    raise AssertionError("the call succeeded")


class PcaServerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.srv = pcaserver.PcaServer(
            cas=["RSA_2048", "EC_prime256v1:sub"]).start()
        cls.rsa_ca, cls.ec_ca = cls.srv.cas
        cls.pca = client(cls.srv.url)
        cls.rsa_csr, cls.rsa_key = make_csr("rsa")
        cls.ec_csr, cls.ec_key = make_csr("ec")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.control(quota=None, burst=None, latency=None, in_progress=0,
                         fault=None, idempotency_window=300,
                         ca_status={ca["arn"]: "ACTIVE"
                                    for ca in self.srv.cas},
                         reset_stats=True)

    def issue(self, ca, csr, **kw):
        kw.setdefault("SigningAlgorithm", ca["signing_algorithm"])
        kw.setdefault("Validity", {"Type": "DAYS", "Value": 10})
        arn = self.pca.issue_certificate(CertificateAuthorityArn=ca["arn"],
                                         Csr=csr, **kw)["CertificateArn"]
        got = self.pca.get_certificate(CertificateAuthorityArn=ca["arn"],
                                       CertificateArn=arn)
        cert = x509.load_pem_x509_certificate(got["Certificate"].encode())
        chain = x509.load_pem_x509_certificates(
            got["CertificateChain"].encode())
        return arn, cert, chain

    def test_issued_certificates_carry_csr_key_and_chain_to_the_ca(self):
        for ca, chain_len in ((self.rsa_ca, 1), (self.ec_ca, 2)):
            for csr, key in ((self.rsa_csr, self.rsa_key),
                             (self.ec_csr, self.ec_key)):
                with self.subTest(ca=ca["key"], type=ca["type"],
                                  csr=type(key).__name__):
                    before = datetime.datetime.now(datetime.timezone.utc)
                    arn, cert, chain = self.issue(ca, csr)
                    self.assertTrue(arn.startswith(ca["arn"] +
                                                   "/certificate/"))
                    self.assertEqual(spki(cert.public_key()),
                                     spki(key.public_key()))
                    self.assertEqual(len(chain), chain_len)
                    cert.verify_directly_issued_by(chain[0])
                    for child, parent in zip(chain, chain[1:]):
                        child.verify_directly_issued_by(parent)
                    chain[-1].verify_directly_issued_by(chain[-1])
                    self.assertEqual(
                        chain[0].public_bytes(serialization.Encoding.PEM)
                        .decode().strip(), ca["certificate"])
                    expected = before + datetime.timedelta(days=10)
                    self.assertLess(abs((cert.not_valid_after_utc -
                                         expected).total_seconds()), 5)
                    self.assertEqual(
                        cert.extensions.get_extension_for_class(
                            x509.SubjectAlternativeName).value
                        .get_values_for_type(x509.DNSName),
                        ["app.example.com"])
                    bc = cert.extensions.get_extension_for_class(
                        x509.BasicConstraints).value
                    self.assertFalse(bc.ca)

    def test_ca_description_and_certificate_parse(self):
        desc = self.pca.describe_certificate_authority(
            CertificateAuthorityArn=self.ec_ca["arn"])["CertificateAuthority"]
        self.assertEqual(desc["Arn"], self.ec_ca["arn"])
        self.assertEqual(desc["Status"], "ACTIVE")
        self.assertEqual(desc["Type"], "SUBORDINATE")
        conf = desc["CertificateAuthorityConfiguration"]
        self.assertEqual(conf["KeyAlgorithm"], "EC_prime256v1")
        self.assertEqual(conf["SigningAlgorithm"], "SHA256WITHECDSA")
        self.assertIn("CommonName", conf["Subject"])
        self.assertIsInstance(desc["NotAfter"], datetime.datetime)
        got = self.pca.get_certificate_authority_certificate(
            CertificateAuthorityArn=self.ec_ca["arn"])
        root = x509.load_pem_x509_certificate(
            got["CertificateChain"].encode())
        x509.load_pem_x509_certificate(
            got["Certificate"].encode()).verify_directly_issued_by(root)
        got = self.pca.get_certificate_authority_certificate(
            CertificateAuthorityArn=self.rsa_ca["arn"])
        self.assertNotIn("CertificateChain", got)

    def test_answers_match_the_service_model(self):
        model = botocore.session.get_session().get_service_model("acm-pca")
        host, port = "127.0.0.1", self.srv.port
        ca = self.ec_ca["arn"]
        csr = base64.b64encode(self.ec_csr).decode()

        def call(op, params, status=200):
            got, body = pcaserver.roundtrip(host, port, pcaserver.
                                            signed_request(
                                                host, port, op, params,
                                                (AKID, SECRET), "us-east-1"))
            self.assertEqual(got, status, body)
            return json.loads(body) if body else {}
        issue = {"CertificateAuthorityArn": ca, "Csr": csr,
                 "SigningAlgorithm": "SHA256WITHECDSA",
                 "Validity": {"Type": "DAYS", "Value": 1}}
        answers = {"IssueCertificate": call("IssueCertificate", issue)}
        arn = answers["IssueCertificate"]["CertificateArn"]
        for op, params in (
                ("GetCertificate", {"CertificateAuthorityArn": ca,
                                    "CertificateArn": arn}),
                ("DescribeCertificateAuthority",
                 {"CertificateAuthorityArn": ca}),
                ("GetCertificateAuthorityCertificate",
                 {"CertificateAuthorityArn": ca})):
            answers[op] = call(op, params)
        for op, answer in answers.items():
            check_shape(self, answer, model.operation_model(op).output_shape,
                        op)
        error = call("IssueCertificate", dict(issue, Csr="AAAA"), 400)
        self.assertEqual(error, {"__type": "MalformedCSRException",
                                 "message": error["message"]})
        self.assertIn("MalformedCSRException",
                      [s.name for s in model.operation_model(
                          "IssueCertificate").error_shapes])

    def test_validity_types_and_signing_algorithm_are_honoured(self):
        end = int(time.time()) + 3 * 86400
        _, cert, _ = self.issue(self.ec_ca, self.ec_csr,
                                Validity={"Type": "ABSOLUTE", "Value": end},
                                SigningAlgorithm="SHA384WITHECDSA")
        self.assertEqual(int(cert.not_valid_after_utc.timestamp()), end)
        self.assertIsInstance(cert.signature_hash_algorithm, hashes.SHA384)
        _, cert, _ = self.issue(self.rsa_ca, self.ec_csr, Validity={
            "Type": "END_DATE", "Value": 20300102030405},
            ValidityNotBefore={"Type": "ABSOLUTE", "Value": 1700000000})
        self.assertEqual(cert.not_valid_after_utc, datetime.datetime(
            2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc))
        self.assertEqual(int(cert.not_valid_before_utc.timestamp()),
                         1700000000)
        self.assertIsInstance(cert.signature_hash_algorithm, hashes.SHA256)
        now = datetime.datetime.now(datetime.timezone.utc)
        _, cert, _ = self.issue(self.rsa_ca, self.ec_csr,
                                Validity={"Type": "MONTHS", "Value": 2})
        days = (cert.not_valid_after_utc - now).days
        self.assertTrue(58 <= days <= 62, days)
        code = error_code(lambda: self.issue(
            self.ec_ca, self.ec_csr, SigningAlgorithm="SHA256WITHRSA"))
        self.assertEqual(code, "ValidationException")
        code = error_code(lambda: self.issue(
            self.ec_ca, self.ec_csr,
            Validity={"Type": "ABSOLUTE", "Value": int(time.time()) - 60}))
        self.assertEqual(code, "ValidationException")

    def test_templates_shape_the_extensions(self):
        _, cert, _ = self.issue(self.rsa_ca, self.rsa_csr, TemplateArn=(
            TEMPLATE % "SubordinateCACertificate_PathLen0"))
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
        self.assertTrue(bc.critical)
        self.assertTrue(bc.value.ca)
        self.assertEqual(bc.value.path_length, 0)
        self.assertTrue(cert.extensions.get_extension_for_class(
            x509.KeyUsage).value.key_cert_sign)
        _, cert, _ = self.issue(self.rsa_ca, self.rsa_csr, TemplateArn=(
            TEMPLATE % "EndEntityClientAuthCertificate"))
        eku = cert.extensions.get_extension_for_class(
            x509.ExtendedKeyUsage).value
        self.assertEqual(list(eku), [ExtendedKeyUsageOID.CLIENT_AUTH])
        _, cert, _ = self.issue(self.rsa_ca, self.rsa_csr)
        eku = cert.extensions.get_extension_for_class(
            x509.ExtendedKeyUsage).value
        self.assertEqual(set(eku), {ExtendedKeyUsageOID.SERVER_AUTH,
                                    ExtendedKeyUsageOID.CLIENT_AUTH})

    def test_bad_requests_get_the_services_error_codes(self):
        ca = self.rsa_ca
        csr = self.rsa_csr
        self.assertEqual(error_code(lambda: self.issue(
            ca, b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
            b"-----END CERTIFICATE REQUEST-----\n")), "MalformedCSRException")
        unknown = dict(ca, arn=ca["arn"][:-4] + "0000")
        self.assertEqual(error_code(lambda: self.issue(unknown, csr)),
                         "ResourceNotFoundException")
        bad = dict(ca, arn="arn:aws:acm-pca:us-east-1:1:bogus/x")
        self.assertEqual(error_code(lambda: self.issue(bad, csr)),
                         "InvalidArnException")
        self.assertEqual(error_code(lambda: self.pca.get_certificate(
            CertificateAuthorityArn=ca["arn"],
            CertificateArn=ca["arn"] + "/certificate/00ff")),
            "ResourceNotFoundException")
        self.srv.control(ca_status={ca["arn"]: "DISABLED"})
        self.assertEqual(error_code(lambda: self.issue(ca, csr)),
                         "InvalidStateException")
        self.assertEqual(self.pca.describe_certificate_authority(
            CertificateAuthorityArn=ca["arn"])["CertificateAuthority"][
                "Status"], "DISABLED")

    def test_signatures_are_checked(self):
        arn = self.ec_ca["arn"]
        wrong = client(self.srv.url, secret="not-the-secret")
        try:
            wrong.get_certificate_authority_certificate(
                CertificateAuthorityArn=arn)
            self.fail("a wrong secret was accepted")
        except botocore.exceptions.ClientError as exc:
            self.assertEqual(exc.response["Error"]["Code"],
                             "InvalidSignatureException")
            self.assertEqual(
                exc.response["ResponseMetadata"]["HTTPStatusCode"], 403)
            self.assertIn("The Canonical String for this request should "
                          "have been", exc.response["Error"]["Message"])
        stranger = client(self.srv.url, akid="AKIAUNKNOWN")
        self.assertEqual(error_code(
            lambda: stranger.get_certificate_authority_certificate(
                CertificateAuthorityArn=arn)), "UnrecognizedClientException")
        self.srv.control(credentials={AKID: SECRET,
                                      "ASIATEMP": ["tsecret", "ttoken"]})
        try:
            self.assertEqual(error_code(lambda: client(
                self.srv.url, akid="ASIATEMP", secret="tsecret")
                .get_certificate_authority_certificate(
                    CertificateAuthorityArn=arn)),
                "UnrecognizedClientException")
            client(self.srv.url, akid="ASIATEMP", secret="tsecret",
                   token="ttoken").get_certificate_authority_certificate(
                       CertificateAuthorityArn=arn)
        finally:
            self.srv.control(credentials={AKID: SECRET})
        with socket.create_connection(("127.0.0.1", self.srv.port),
                                      timeout=5) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/x-amz-json-1.1\r\nX-Amz-Target: "
                         b"ACMPrivateCA.DescribeCertificateAuthority\r\n"
                         b"Content-Length: 2\r\n\r\n{}")
            answer = sock.recv(65536)
        self.assertTrue(answer.startswith(b"HTTP/1.1 403 "))
        self.assertIn(b"x-amzn-ErrorType: "
                      b"MissingAuthenticationTokenException\r\n", answer)
        self.assertEqual(self.srv.stats()["signature_failures"], 4)
        self.srv.control(verify=False)
        try:
            wrong.get_certificate_authority_certificate(
                CertificateAuthorityArn=arn)
        finally:
            self.srv.control(verify=True)

    def test_quota_throttles_to_the_configured_rate(self):
        op = "DescribeCertificateAuthority"
        rate = 40.0
        # The default burst (one second's worth) keeps the tokens that a
        # slow client would otherwise lose between two calls, so between
        # the first call and the last accepted one exactly burst + rate *
        # elapsed get through, as long as the clients offer more than the
        # quota; the server's log gives the times without client jitter.
        self.srv.control(quota={op: rate}, log=True)
        arn = self.rsa_ca["arn"]
        clients = [client(self.srv.url) for _ in range(3)]
        accepted, throttled = [], []
        lock = threading.Lock()
        deadline = time.monotonic() + 2.5

        def hammer(pca):
            while time.monotonic() < deadline:
                try:
                    pca.describe_certificate_authority(
                        CertificateAuthorityArn=arn)
                    with lock:
                        accepted.append(1)
                except botocore.exceptions.ClientError as exc:
                    with lock:
                        throttled.append(exc.response["Error"]["Code"])
        threads = [threading.Thread(target=hammer, args=(c,))
                   for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = self.srv.stats()
        self.srv.control(log=False)
        self.assertTrue(throttled)
        self.assertEqual(set(throttled), {"ThrottlingException"})
        self.assertEqual(stats["throttles"][op], len(throttled))
        self.assertEqual(stats["ok"][op], len(accepted))
        log = [(t, outcome) for t, name, outcome in stats["log"]
               if name == op]
        first = log[0][0]
        last = max(t for t, outcome in log if outcome == "OK")
        achieved = (len(accepted) - rate) / (last - first)
        self.assertLess(abs(achieved - rate) / rate, 0.05,
                        "%d accepted, %d throttled in %.2fs: %.1f/s for a "
                        "quota of %.0f/s" % (len(accepted), len(throttled),
                                             last - first, achieved, rate))
        self.assertGreater(stats["max_rps"][op], rate)

    def test_first_polls_answer_request_in_progress(self):
        self.srv.control(in_progress=2)
        arn = self.pca.issue_certificate(
            CertificateAuthorityArn=self.ec_ca["arn"], Csr=self.ec_csr,
            SigningAlgorithm="SHA256WITHECDSA",
            Validity={"Type": "DAYS", "Value": 1})["CertificateArn"]

        def poll():
            return self.pca.get_certificate(
                CertificateAuthorityArn=self.ec_ca["arn"], CertificateArn=arn)
        self.assertEqual(error_code(poll), "RequestInProgressException")
        self.assertEqual(error_code(poll), "RequestInProgressException")
        self.assertIn("BEGIN CERTIFICATE", poll()["Certificate"])
        self.assertEqual(self.srv.stats()["errors_by_op"]["GetCertificate"],
                         {"RequestInProgressException": 2})

    def test_faults_reach_botocore_as_errors(self):
        arn = self.ec_ca["arn"]

        def describe():
            return self.pca.describe_certificate_authority(
                CertificateAuthorityArn=arn)
        self.srv.control(fault={"kind": "html", "count": 1})
        try:
            describe()
            self.fail("the HTML 500 was taken for an answer")
        except botocore.exceptions.ClientError as exc:
            self.assertEqual(
                exc.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.srv.control(fault={"kind": "503", "count": 1})
        self.assertEqual(error_code(describe), "ServiceUnavailable")
        self.srv.control(fault={"kind": "reset", "count": 1})
        with self.assertRaises(botocore.exceptions.HTTPClientError):
            describe()
        describe()
        self.assertEqual(self.srv.stats()["faults"],
                         {"html": 1, "503": 1, "reset": 1})

    def test_idempotency_token_reuse_issues_once(self):
        kw = dict(CertificateAuthorityArn=self.ec_ca["arn"],
                  SigningAlgorithm="SHA256WITHECDSA",
                  Validity={"Type": "DAYS", "Value": 1},
                  IdempotencyToken="ns/cert-1")
        first = self.pca.issue_certificate(Csr=self.ec_csr, **kw)
        again = self.pca.issue_certificate(Csr=self.ec_csr, **kw)
        self.assertEqual(first["CertificateArn"], again["CertificateArn"])
        stats = self.srv.stats()
        self.assertEqual(stats["token_issuances"], {"ns/cert-1": 1})
        self.assertEqual(stats["issuances"], 1)
        other = self.pca.issue_certificate(Csr=self.rsa_csr, **kw)
        self.assertNotEqual(other["CertificateArn"], first["CertificateArn"])
        self.srv.control(idempotency_window=0)
        late = self.pca.issue_certificate(Csr=self.ec_csr, **kw)
        self.assertNotEqual(late["CertificateArn"], first["CertificateArn"])
        self.assertEqual(self.srv.stats()["token_issuances"],
                         {"ns/cert-1": 3})

    def test_latency_delays_one_call_without_blocking_others(self):
        self.srv.control(latency={"DescribeCertificateAuthority": 3.0})
        arn = self.ec_ca["arn"]
        slow = {}

        def describe():
            start = time.monotonic()
            client(self.srv.url).describe_certificate_authority(
                CertificateAuthorityArn=arn)
            slow["took"] = time.monotonic() - start
        thread = threading.Thread(target=describe)
        thread.start()
        deadline = time.monotonic() + 10
        while self.srv.stats()["calls"].get(
                "DescribeCertificateAuthority", 0) < 1:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        self.pca.get_certificate_authority_certificate(
            CertificateAuthorityArn=arn)
        self.assertTrue(thread.is_alive(),
                        "the delayed call held up another connection")
        thread.join()
        self.assertGreaterEqual(slow["took"], 3.0)

    def test_revocation(self):
        _, cert, _ = self.issue(self.ec_ca, self.ec_csr)
        serial = format(cert.serial_number, "x")
        kw = dict(CertificateAuthorityArn=self.ec_ca["arn"],
                  CertificateSerial=serial, RevocationReason="SUPERSEDED")
        self.pca.revoke_certificate(**kw)
        self.assertEqual(error_code(lambda: self.pca.revoke_certificate(
            **kw)), "RequestAlreadyProcessedException")

    def test_expect_continue_and_control_over_http(self):
        body = json.dumps({"quota": {"GetCertificate": 7}}).encode()
        with socket.create_connection(("127.0.0.1", self.srv.port),
                                      timeout=5) as sock:
            sock.sendall(b"POST /_control HTTP/1.1\r\nHost: x\r\n"
                         b"Expect: 100-continue\r\nContent-Length: %d\r\n"
                         b"\r\n" % len(body))
            self.assertEqual(sock.recv(100), b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(body)
            sock.sendall(b"GET /_stats HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n")
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        answers = data.split(b"HTTP/1.1 ")[1:]
        self.assertEqual(len(answers), 2)
        self.assertTrue(answers[0].startswith(b"200"))
        stats = json.loads(answers[1].split(b"\r\n\r\n", 1)[1])
        self.assertEqual(stats["config"]["quota"], {"GetCertificate": 7})
        with socket.create_connection(("127.0.0.1", self.srv.port),
                                      timeout=5) as sock:
            sock.sendall(b"POST /_control HTTP/1.1\r\nContent-Length: 12\r\n"
                         b"\r\n{\"nope\": 1}\n")
            self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 400"))

    def test_command_line_prints_its_port_and_cas(self):
        lib = os.path.dirname(os.path.abspath(pcaserver.__file__))
        proc = subprocess.Popen(
            [sys.executable, "-m", "pcaserver", "--port", "0", "--ca",
             "EC_prime256v1", "--no-verify", "--quota",
             "IssueCertificate=1000"],
            stdout=subprocess.PIPE, cwd=lib,
            env=dict(os.environ, PYTHONPATH=lib))
        try:
            info = json.loads(proc.stdout.readline())
            self.assertEqual([c["key"] for c in info["cas"]],
                             ["EC_prime256v1"])
            pca = client("http://127.0.0.1:%d" % info["port"],
                         secret="anything")
            arn = pca.issue_certificate(
                CertificateAuthorityArn=info["cas"][0]["arn"],
                Csr=self.ec_csr, SigningAlgorithm="SHA256WITHECDSA",
                Validity={"Type": "DAYS", "Value": 1})["CertificateArn"]
            self.assertTrue(arn.startswith(info["cas"][0]["arn"]))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()
        self.assertEqual(proc.returncode, 0)


if __name__ == "__main__":
    unittest.main()

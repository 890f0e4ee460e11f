"""End to end: faults found by trying to break pca-issuer as a hostile tenant
and a flaky network would, each against the real API server.

- a request deleted and re-created under its name while its IssueCertificate
  is in flight gets its own certificate, across a restart; the same for an
  issuer re-created while it is being checked;
- no credential value leaves the process (status, events, logs, metrics);
- namespaced issuers may not use the controller's own credentials unless a
  flag (or its environment variable) says so;
- waiting for an issuer does not count towards --max-retry-duration;
- a watch event over the line cap does not stop the signing of the rest;
- a request of ours that cannot be decoded fails with the reason;
- CSRs asking for what the request does not (CA key usages, unknown
  critical extensions) are refused;
- a request found with IssueCertificate sent but no ARN recorded is counted
  and logged, and issued once.
"""

import base64
import datetime
import json
import os
import signal
import sys
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))
ARN_ANNOTATION = "aws-privateca-issuer/certificate-arn"
STARTED_ANNOTATION = "awspca.cert-manager.io/issue-started"


def dns_names(pem_b64):
    cert = x509.load_pem_x509_certificates(base64.b64decode(pem_b64))[0]
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return ext.value.get_values_for_type(x509.DNSName)


class Faults(unittest.TestCase):
    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1"]).start()
        self.stack = e2e.Stack(pca_server=self.pca).start()
        self.ns = e2e.unique("faults")
        self.stack.create_secret(self.ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                                    "AWS_SECRET_ACCESS_KEY": SECRET})
        self.arn = self.pca.cas[0]["arn"]

    def tearDown(self):
        self.stack.stop()
        self.pca.stop()

    def issuer(self, name="pca", secret="creds"):
        kind = self.stack.create_issuer(name, self.arn, ns=self.ns,
                                        secret=(self.ns, secret) if secret else None)
        return kind

    def ready_issuer(self, name="pca"):
        kind = self.issuer(name)
        self.stack.wait_issuer(kind, name, self.ns)
        return kind

    def request(self, name, dns="example.test", key=None, csr=None, kind="AWSPCAIssuer",
                issuer="pca", **kw):
        key = key or e2e.make_key("ec")
        csr = csr or e2e.make_csr(key, cn=dns, dns=(dns,))
        obj = self.stack.create_cr(self.ns, name, csr, kind, issuer, **kw)
        self.stack.approve(self.ns, name)
        return obj

    def events(self):
        core = self.stack.api_ok("GET", "/api/v1/namespaces/%s/events" % self.ns)["items"]
        new = self.stack.api_ok("GET", "/apis/events.k8s.io/v1/namespaces/%s/events"
                                % self.ns)["items"]
        return core + new

    # -- 1: a namesake never gets another object's certificate --------------

    def test_recreated_request_gets_its_own_certificate(self):
        self.pca.control(latency={"IssueCertificate": 3.0})
        self.stack.start_issuer()
        self.ready_issuer()
        key = e2e.make_key("ec")
        old = self.request("web", dns="old.example", key=key)
        # IssueCertificate for the old object has reached AWS and is in flight.
        self.stack.wait(lambda: self.pca.stats()["issuances"] >= 1, 30,
                        "IssueCertificate for the old request")
        self.stack.api_ok("DELETE", e2e.CR_PATH % self.ns + "/web")
        self.stack.wait(lambda: self.stack.api("GET", e2e.CR_PATH % self.ns + "/web")
                        .status_code == 404, 30, "the old request gone")
        new = self.request("web", dns="new.example", key=key)
        self.assertNotEqual(old["metadata"]["uid"], new["metadata"]["uid"])
        # Let the old call's answer come back, then crash and come back.
        self.stack.wait(lambda: self.pca.stats()["issuances"] >= 2, 30,
                        "IssueCertificate for the new request")
        self.stack.issuer.kill()
        self.pca.control(latency={"IssueCertificate": 0})
        self.stack.start_issuer()
        obj = self.stack.wait_cr_reason(self.ns, "web", "Issued", "True", timeout=60)
        self.assertEqual(obj["metadata"]["uid"], new["metadata"]["uid"])
        self.assertEqual(dns_names(obj["status"]["certificate"]), ["new.example"])
        # One certificate per object: the new one's token was used once.
        ledger = self.pca.stats()["token_issuances"]
        self.assertEqual(ledger.get(new["metadata"]["uid"].replace("-", "")), 1, ledger)

    def test_recreated_issuer_is_judged_on_its_own_spec(self):
        self.pca.control(latency={"DescribeCertificateAuthority": 3.0})
        self.stack.start_issuer()
        wrong = self.arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
        self.stack.create_issuer("pca", wrong, ns=self.ns, secret=(self.ns, "creds"))
        self.stack.wait(lambda: self.pca.stats()["calls"].get(
            "DescribeCertificateAuthority", 0) >= 1, 30, "the first check in flight")
        path = self.stack.issuer_path("AWSPCAIssuer", "pca", self.ns)
        self.stack.api_ok("DELETE", path)
        self.stack.wait(lambda: self.stack.api("GET", path).status_code == 404, 30,
                        "the old issuer gone")
        self.stack.create_issuer("pca", self.arn, ns=self.ns, secret=(self.ns, "creds"))
        c = self.stack.wait_issuer("AWSPCAIssuer", "pca", self.ns, timeout=60)
        self.assertEqual(c["reason"], "Verified")
        # The old object's verdict never lands on the new one.
        self.pca.control(latency={"DescribeCertificateAuthority": 0})
        obj = self.stack.api_ok("GET", path)
        self.assertEqual(self.stack.condition(obj, "Ready")["status"], "True")

    # -- 2: secrets -----------------------------------------------------------

    def test_no_credential_value_leaves_the_process(self):
        token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN" + "x" * 120
        wrong = "wrongSecretKeyEXAMPLEEXAMPLEEXAMPLE0000"
        self.pca.control(credentials={AKID: [SECRET, token]})
        self.stack.create_secret(self.ns, "badkey", {"AWS_ACCESS_KEY_ID": AKID,
                                                     "AWS_SECRET_ACCESS_KEY": wrong,
                                                     "AWS_SESSION_TOKEN": token})
        self.stack.create_secret(self.ns, "good", {"AWS_ACCESS_KEY_ID": AKID,
                                                   "AWS_SECRET_ACCESS_KEY": SECRET,
                                                   "AWS_SESSION_TOKEN": token})
        self.stack.start_issuer(["--issuer-recheck-interval=2s", "--log-level=debug"])
        # An issuer whose signature AWS refuses, quoting the canonical request.
        kind = self.issuer("bad", secret="badkey")
        c = self.stack.wait_issuer(kind, "bad", self.ns, status="False")
        self.assertIn("InvalidSignatureException", c["message"])
        # A request signed with a key AWS stops accepting mid-way.
        self.issuer("pca", secret="good")
        self.stack.wait_issuer(kind, "pca", self.ns)
        self.pca.control(credentials={AKID: [SECRET + "rotated", token]})
        self.request("victim")
        self.stack.wait(lambda: self.pca.stats()["signature_failures"] >= 4, 60,
                        "signatures refused")
        self.stack.wait_cr_reason(self.ns, "victim", "Pending", timeout=60)
        self.stack.wait(lambda: any("InvalidSignatureException" in (e.get("message") or e.get(
            "note") or "") for e in self.events()), 60, "an event quoting AWS")
        written = [json.dumps(self.stack.api_ok("GET", self.stack.issuer_path(
                       kind, n, self.ns))) for n in ("bad", "pca")]
        written.append(json.dumps(self.stack.get_cr(self.ns, "victim")))
        written.append(json.dumps(self.events()))
        written.append(self.stack.metrics())
        written.append(self.stack.issuer.log_text())
        everything = "\n".join(written)
        self.assertIn("InvalidSignatureException", everything)
        self.assertIn("canonical request AWS quoted is left out", everything)
        for secret in (token, wrong, SECRET, SECRET + "rotated", token[:40]):
            self.assertNotIn(secret, everything)

    # -- 3: ambient credentials -------------------------------------------------

    def test_namespaced_issuers_may_not_use_ambient_credentials(self):
        ambient = {"AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET}
        self.stack.start_issuer(env=ambient)
        kind = self.issuer("ambient", secret=None)
        c = self.stack.wait_issuer(kind, "ambient", self.ns, status="False")
        self.assertEqual(c["reason"], "AmbientCredentialsDisabled")
        self.assertIn("--issuer-ambient-credentials=true", c["message"])
        self.assertIn("PCA_ISSUER_ISSUER_AMBIENT_CREDENTIALS", c["message"])
        self.request("r1", issuer="ambient")
        self.stack.wait_cr_reason(self.ns, "r1", "Pending")
        self.assertEqual(self.pca.stats()["issuances"], 0)
        # A cluster issuer may, by default.
        ckind = self.stack.create_issuer("ambient-" + self.ns, self.arn)
        self.stack.wait_issuer(ckind, "ambient-" + self.ns)
        # The environment variable turns it on for namespaced issuers too.
        self.stack.issuer.stop()
        env = dict(ambient, PCA_ISSUER_ISSUER_AMBIENT_CREDENTIALS="true")
        self.stack.start_issuer(env=env)
        self.stack.wait_issuer(kind, "ambient", self.ns)
        self.stack.wait_cr_reason(self.ns, "r1", "Issued", "True")

    # -- 4: the retry clock -------------------------------------------------------

    def test_waiting_for_the_issuer_does_not_count_as_retrying(self):
        self.stack.start_issuer(["--max-retry-duration=15s", "--issuer-recheck-interval=2s"])
        self.ready_issuer()
        # A first retryable error starts the clock...
        self.pca.control(fault={"kind": "503", "fraction": 1.0, "ops": ["IssueCertificate"]})
        self.request("slow")
        self.stack.wait_cr(self.ns, "slow", lambda o: "ServiceUnavailable" in json.dumps(
            o.get("status", {})), 60, "a retryable error")
        # ...then AWS refuses the keys: the issuer is not ready for longer than the limit.
        self.pca.control(fault=None, credentials={AKID: SECRET + "x"})
        self.stack.wait_issuer("AWSPCAIssuer", "pca", self.ns, status="False", timeout=60)
        self.stack.wait_cr(self.ns, "slow", lambda o: "Waiting for" in json.dumps(
            o.get("status", {})), 60, "waiting for the issuer")
        outage_until = datetime.datetime.now() + datetime.timedelta(seconds=25)
        self.stack.wait(lambda: datetime.datetime.now() >= outage_until, 40,
                        "an issuer outage longer than --max-retry-duration")
        self.pca.control(credentials={AKID: SECRET},
                         fault={"kind": "503", "status": 400, "count": 3,
                                "code": "ThrottlingException", "ops": ["IssueCertificate"]})
        obj = self.stack.wait_cr(self.ns, "slow", lambda o: (self.stack.condition(
            o, "Ready") or {}).get("reason") in ("Issued", "Failed"), 90, "an outcome")
        self.assertEqual(self.stack.condition(obj, "Ready")["reason"], "Issued",
                         self.stack.condition(obj, "Ready"))

    # -- 5: a watch line over the cap ----------------------------------------------

    def test_one_oversized_request_does_not_stop_signing(self):
        self.stack.start_issuer(["--max-watch-line-bytes=64KiB"])
        self.ready_issuer()
        self.request("before")
        self.stack.wait_cr_reason(self.ns, "before", "Issued", "True")
        # Someone else's request, 100 KB of annotation, through the watch.
        big = {"note": "x" * 100000}
        self.stack.create_cr(self.ns, "foreign-big", e2e.make_csr(e2e.make_key("ec")),
                             "Issuer", "other", annotations=big, group="cert-manager.io")
        names = ["after-%d" % i for i in range(5)]
        for n in names:
            self.request(n)
        for n in names:
            self.stack.wait_cr_reason(self.ns, n, "Issued", "True", timeout=90)
        line = self.stack.issuer.wait_msg("object cannot be read; passed over",
                                          object="%s/foreign-big" % self.ns)
        self.assertIn("line cap", line["error"])
        m = self.stack.metrics()
        self.assertGreaterEqual(self.stack.metric_value(
            m, "pca_issuer_kube_objects_skipped_total", resource="certificaterequests",
            reason="too_long"), 1)

    # -- 6: requests of ours that cannot be decoded -----------------------------

    def test_undecodable_request_fails_with_the_reason(self):
        self.stack.start_issuer()
        self.ready_issuer()
        for name, duration in (("neg", "-1h"), ("days", "90d")):
            self.request(name, duration=duration)
            obj = self.stack.wait_cr_reason(self.ns, name, "Failed", "False")
            c = self.stack.condition(obj, "Ready")
            self.assertIn("spec.duration", c["message"])
            self.assertIn(duration, c["message"])
            self.assertIn("failureTime", obj["status"])
        self.stack.wait(lambda: sum(1 for e in self.events() if e.get("reason") == "Failed")
                        >= 2, 30, "Failed events")
        self.assertEqual(self.pca.stats()["issuances"], 0)

    # -- 7: CSRs asking for more than the request ---------------------------------

    def test_csr_extensions_the_request_does_not_ask_for(self):
        self.stack.start_issuer()
        self.ready_issuer()
        key = e2e.make_key("ec")
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sneaky.example")])
        san = x509.SubjectAlternativeName([x509.DNSName("sneaky.example")])
        ku = x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                           content_commitment=False, key_encipherment=False,
                           data_encipherment=False, key_agreement=False,
                           encipher_only=False, decipher_only=False)
        pem = lambda b: b.sign(key, hashes.SHA256()).public_bytes(  # noqa: E731
            e2e.serialization.Encoding.PEM)
        certsign = pem(x509.CertificateSigningRequestBuilder().subject_name(name)
                       .add_extension(san, False).add_extension(ku, True))
        crit = pem(x509.CertificateSigningRequestBuilder().subject_name(name)
                   .add_extension(san, False)
                   .add_extension(x509.UnrecognizedExtension(
                       x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00"), True))
        self.request("certsign", csr=certsign)
        self.request("critical", csr=crit)
        c = self.stack.condition(self.stack.wait_cr_reason(self.ns, "certsign", "Failed"),
                                 "Ready")
        self.assertIn("cert sign", c["message"])
        self.assertIn("spec.isCA is false", c["message"])
        c = self.stack.condition(self.stack.wait_cr_reason(self.ns, "critical", "Failed"),
                                 "Ready")
        self.assertIn("1.3.6.1.4.1.99999.1", c["message"])
        self.assertEqual(self.pca.stats()["issuances"], 0)

    # -- 9: the idempotency window --------------------------------------------------

    def test_issue_started_without_an_arn_is_counted_and_issued_once(self):
        self.pca.control(latency={"IssueCertificate": 3.0})
        self.stack.start_issuer()
        self.ready_issuer()
        obj = self.request("crash")
        self.stack.wait(lambda: self.pca.stats()["issuances"] >= 1, 30,
                        "IssueCertificate in flight")
        marked = self.stack.get_cr(self.ns, "crash")
        self.assertIn(STARTED_ANNOTATION, marked["metadata"]["annotations"])
        self.assertNotIn(ARN_ANNOTATION, marked["metadata"]["annotations"])
        self.stack.issuer.kill()
        self.pca.control(latency={"IssueCertificate": 0})
        self.stack.start_issuer()
        line = self.stack.issuer.wait_msg(
            "IssueCertificate may have been sent before a restart; sending it again with "
            "the same idempotency token", cr="%s/crash" % self.ns)
        self.assertIn("started", line)
        self.stack.wait_cr_reason(self.ns, "crash", "Issued", "True")
        ledger = self.pca.stats()["token_issuances"]
        self.assertEqual(ledger[obj["metadata"]["uid"].replace("-", "")], 1, ledger)
        self.assertEqual(self.stack.metric_value(
            self.stack.metrics(), "pca_issuer_certificaterequests_resumed_total",
            window="inside"), 1)
        # Marked longer ago than AWS honours the token: said so, and counted apart.
        old = (datetime.datetime.now(datetime.timezone.utc) -
               datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.request("stale", annotations={STARTED_ANNOTATION: old})
        line = self.stack.issuer.wait_log(
            lambda l: l.get("cr") == "%s/stale" % self.ns and "second certificate"
            in l.get("msg", ""))
        self.assertEqual(line["level"], "warn")
        self.stack.wait_cr_reason(self.ns, "stale", "Issued", "True")
        self.assertEqual(self.stack.metric_value(
            self.stack.metrics(), "pca_issuer_certificaterequests_resumed_total",
            window="outside"), 1)


if __name__ == "__main__":
    unittest.main()

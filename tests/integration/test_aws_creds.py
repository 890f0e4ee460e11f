"""AWS credential sources end to end, through the C library.

A small driver program (tests/integration/drivers/drv_aws_creds.c) builds
credential sources exactly as the issuer does and answers one JSON line per
command. Its peers here are real processes and servers on 127.0.0.1:
  - moto_server for STS: AssumeRole, AssumeRoleWithWebIdentity and
    GetCallerIdentity, reached through AWS_ENDPOINT_URL_STS;
  - CredServer, a server of our own that plays the container credentials
    endpoint, IMDSv2 and a minimal STS, hands out short-lived credentials
    (ASIA0001, ASIA0002, ...), verifies SigV4 signatures with botocore, and
    can fail on demand. It is what lets these tests watch refreshes happen
    and count them from the server's side.
The driver prints key ids and a SHA-256 of the secret, never the secret.
"""

import datetime
import hashlib
import hmac
import http.server
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

BUILD = os.environ.get("PCA_BUILD_DIR", "")
DRIVER = os.path.join(BUILD, "drivers", "drv_aws_creds")
ROLE = "arn:aws:iam::123456789012:role/pca-issuer"
BASE_ID, BASE_SECRET = "AKIAINTEGRATION00001", "integration-base-secret"


def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, deadline_s=30):
    """Polls until something accepts on port; the process must stay alive."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server on port %d never listened" % port)


class Driver:
    """The C driver as a subprocess speaking JSON lines."""

    def __init__(self, env, tmp):
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp,
                "LANG": "C"}
        full.update(env)
        self.stderr = open(os.path.join(tmp, "driver.stderr"), "w+")
        self.proc = subprocess.Popen([DRIVER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr,
                                     env=full)
        self.pending = b""

    def readline(self, timeout=30):
        end = time.monotonic() + timeout
        while b"\n" not in self.pending:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("driver silent for %ss" % timeout)
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise AssertionError("driver exited: %s" % self.log())
                self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, line, timeout=30):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        return self.readline(timeout)

    def gets(self, n, interval_ms):
        self.proc.stdin.write(("gets %d %d\n" % (n, interval_ms)).encode())
        self.proc.stdin.flush()
        out = [self.readline() for _ in range(n)]
        self.readline()  # {"done": n}
        return out

    def log(self):
        self.stderr.seek(0)
        return self.stderr.read()

    def close(self):
        """Stops the driver; returns its exit status and its stderr."""
        try:
            self.proc.stdin.write(b"quit\n")
            self.proc.stdin.close()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            os.kill(self.proc.pid, 9)
            self.proc.wait()
        self.proc.stdout.close()
        log = self.log()
        self.stderr.close()
        return self.proc.returncode, log


class _Verifier(SigV4Auth):
    """botocore's signer limited to the headers the client signed."""

    def __init__(self, creds, region, signed):
        super().__init__(creds, "sts", region)
        self.signed = signed

    def headers_to_sign(self, request):
        out = HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self.signed:
                out[name.lower()] = value
        return out

    def payload(self, request):
        return hashlib.sha256(request.data or b"").hexdigest()


class CredServer:
    """Container credentials, IMDSv2 and a minimal STS on one port."""

    def __init__(self):
        self.lock = threading.Lock()
        self.lifetime = 3600.0
        self.fail_next = []       # statuses to answer instead of credentials
        self.delay = 0.0          # seconds before answering credentials
        self.want_auth = None     # container Authorization expected
        self.secrets = {BASE_ID: BASE_SECRET}
        self.issued = 0
        self.fetches = 0          # credential requests: container, IMDS role creds, STS assume
        self.failures = 0
        self.auths = []
        self.imds = {"token_puts": 0, "ttl": [], "unauthorized": 0}
        self.sts_actions = []
        self.bad_signatures = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body, ctype="application/json"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                outer.on_get(self)

            def do_PUT(self):
                outer.on_put(self)

            def do_POST(self):
                outer.on_post(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def next_creds(self):
        """(status, dict) for one credential fetch, failures included."""
        with self.lock:
            self.fetches += 1
            if self.fail_next:
                self.failures += 1
                return self.fail_next.pop(0), None
            self.issued += 1
            n = self.issued
            exp = datetime.datetime.now(datetime.timezone.utc) + \
                datetime.timedelta(seconds=self.lifetime)
            key = "ASIA%04d" % n
            self.secrets[key] = "secret-%d" % n
            return 200, {"AccessKeyId": key, "SecretAccessKey": "secret-%d" % n,
                         "Token": "token-%d" % n,
                         "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%S.") +
                         "%03dZ" % (exp.microsecond // 1000)}

    def answer_creds(self, h, as_xml):
        status, c = self.next_creds()
        if self.delay:
            time.sleep(self.delay)  # the peer being slow is what is under test
        if c is None:
            return h.reply(status, '{"message":"injected failure"}')
        if not as_xml:
            c = dict(c, Code="Success", Type="AWS-HMAC")
            return h.reply(200, json.dumps(c))
        h.reply(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                "<AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
                "<SessionToken>%s</SessionToken><Expiration>%s</Expiration>"
                "</Credentials></AssumeRoleResult></AssumeRoleResponse>" % (
                    c["AccessKeyId"], c["SecretAccessKey"], c["Token"],
                    c["Expiration"]), "text/xml")

    def on_put(self, h):
        if h.path != "/latest/api/token":
            return h.reply(404, "")
        ttl = h.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        with self.lock:
            self.imds["token_puts"] += 1
            self.imds["ttl"].append(ttl)
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return h.reply(400, "")
        h.reply(200, "imds-token-%s" % ttl, "text/plain")

    def on_get(self, h):
        if h.path == "/creds":
            auth = h.headers.get("Authorization")
            with self.lock:
                self.auths.append(auth)
            if self.want_auth is not None and auth != self.want_auth:
                return h.reply(401, '{"message":"bad authorization"}')
            return self.answer_creds(h, False)
        prefix = "/latest/meta-data/iam/security-credentials/"
        if not h.path.startswith(prefix):
            return h.reply(404, "")
        if h.headers.get("X-aws-ec2-metadata-token") != "imds-token-21600":
            with self.lock:
                self.imds["unauthorized"] += 1
            return h.reply(401, "")
        if h.path == prefix:
            return h.reply(200, "pca-node-role", "text/plain")
        if h.path == prefix + "pca-node-role":
            return self.answer_creds(h, False)
        h.reply(404, "")

    def verify(self, h, body):
        """Checks the SigV4 signature of an STS request; True when valid."""
        auth = h.headers.get("Authorization", "")
        try:
            fields = dict(p.strip().split("=", 1) for p in
                          auth[len("AWS4-HMAC-SHA256 "):].split(","))
            akid, date, region, service, _ = fields["Credential"].split("/")
            secret = self.secrets[akid]
        except (KeyError, ValueError):
            return False
        signed = set(fields["SignedHeaders"].split(";"))
        headers = HTTPHeaders()
        for n, v in h.headers.items():
            if n.lower() in signed:
                headers[n] = v
        req = AWSRequest(method="POST", url="http://localhost" + h.path,
                         headers=headers, data=body)
        req.context["timestamp"] = h.headers.get("X-Amz-Date", "")
        v = _Verifier(Credentials(akid, secret), region, signed)
        want = v.signature(v.string_to_sign(req, v.canonical_request(req)), req)
        return service == "sts" and hmac.compare_digest(want, fields["Signature"])

    def on_post(self, h):
        body = h.rfile.read(int(h.headers.get("Content-Length", "0")))
        form = urllib.parse.parse_qs(body.decode())
        action = form.get("Action", [""])[0]
        with self.lock:
            self.sts_actions.append(action)
        if action == "AssumeRole" and not self.verify(h, body):
            with self.lock:
                self.bad_signatures += 1
            return h.reply(403, "<ErrorResponse><Error><Type>Sender</Type><Code>"
                           "SignatureDoesNotMatch</Code><Message>bad signature"
                           "</Message></Error></ErrorResponse>", "text/xml")
        if action != "AssumeRole":
            return h.reply(400, "<ErrorResponse><Error><Code>InvalidAction</Code>"
                           "</Error></ErrorResponse>", "text/xml")
        self.answer_creds(h, True)


class MotoServer:
    def __init__(self, tmp):
        self.port = free_port()
        self.log = open(os.path.join(tmp, "moto.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
             str(self.port)], stdout=self.log, stderr=subprocess.STDOUT)
        self.url = "http://127.0.0.1:%d" % self.port
        wait_listening(self.port, self.proc)

    def stop(self):
        os.kill(self.proc.pid, 15)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, 9)
            self.proc.wait()
        self.log.close()


MOTO = None
TMP = None


def setUpModule():
    global MOTO, TMP
    if not os.path.exists(DRIVER):
        raise RuntimeError("driver %s is not built (target drv_aws_creds)" % DRIVER)
    TMP = tempfile.mkdtemp(prefix="pca-aws-creds-")
    MOTO = MotoServer(TMP)


def tearDownModule():
    if MOTO is not None:
        MOTO.stop()
    if TMP is not None:
        shutil.rmtree(TMP, ignore_errors=True)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(dir=TMP)
        self.drivers = []

    def tearDown(self):
        # A clean exit also means no leak or memory error in sanitizer builds.
        for d in self.drivers:
            rc, log = d.close()
            self.assertEqual(rc, 0, log[-4000:])

    def driver(self, **env):
        d = Driver(env, self.tmp)
        self.drivers.append(d)
        return d

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def assert_creds(self, got, source, key=None):
        self.assertNotIn("error", got, got)
        self.assertEqual(got["source"], source)
        if key is not None:
            self.assertEqual(got["access_key_id"], key)
        return got


class MotoSts(Base):
    """STS through moto_server, with AWS_ENDPOINT_URL_STS."""

    def env(self, **more):
        e = {"AWS_ENDPOINT_URL_STS": MOTO.url, "AWS_REGION": "us-east-1"}
        e.update(more)
        return e

    def test_caller_identity_with_env_keys(self):
        d = self.driver(**self.env(AWS_ACCESS_KEY_ID=BASE_ID,
                                   AWS_SECRET_ACCESS_KEY=BASE_SECRET))
        self.assertEqual(d.cmd("chain"), {"ok": True, "source": "env"})
        got = self.assert_creds(d.cmd("get"), "env", BASE_ID)
        self.assertEqual(got["secret_sha256"], sha256(BASE_SECRET))
        self.assertFalse(got["has_token"])
        self.assertEqual(got["expires"], 0)
        ident = d.cmd("identity us-east-1")
        self.assertEqual(ident.get("account"), "123456789012", ident)
        self.assertTrue(ident["arn"].startswith("arn:aws:"), ident)

    def test_assume_role(self):
        d = self.driver(**self.env(AWS_ACCESS_KEY_ID=BASE_ID,
                                   AWS_SECRET_ACCESS_KEY=BASE_SECRET))
        d.cmd("chain")
        self.assertEqual(d.cmd("assume %s issuer-session us-east-1" % ROLE),
                         {"ok": True, "source": "assume-role"})
        before = time.time() * 1000
        got = self.assert_creds(d.cmd("get"), "assume-role")
        self.assertTrue(got["access_key_id"].startswith("ASIA"), got)
        self.assertTrue(got["has_token"])
        self.assertAlmostEqual(got["expires"], before + 3600000, delta=120000)
        ident = d.cmd("identity us-east-1")
        self.assertEqual(ident.get("arn"), "arn:aws:sts::123456789012:assumed-role/"
                         "pca-issuer/issuer-session", ident)
        # A second get is served from the cache: same keys.
        self.assertEqual(d.cmd("get")["access_key_id"], got["access_key_id"])

    def test_web_identity(self):
        token = self.write("token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2ln\n")
        d = self.driver(**self.env(AWS_ROLE_ARN=ROLE, AWS_WEB_IDENTITY_TOKEN_FILE=token,
                                   AWS_ROLE_SESSION_NAME="irsa-session"))
        self.assertEqual(d.cmd("chain"), {"ok": True, "source": "web-identity"})
        got = self.assert_creds(d.cmd("get"), "web-identity")
        self.assertTrue(got["access_key_id"].startswith("ASIA"), got)
        self.assertTrue(got["has_token"])
        ident = d.cmd("identity us-east-1")
        self.assertIn("assumed-role/pca-issuer/irsa-session", ident.get("arn", ""), ident)

    def test_web_identity_missing_token_file(self):
        d = self.driver(**self.env(AWS_ROLE_ARN=ROLE,
                                   AWS_WEB_IDENTITY_TOKEN_FILE=self.tmp + "/nope"))
        d.cmd("chain")
        got = d.cmd("get")
        self.assertIn("cannot read token file", got.get("error", ""), got)

    def test_profile_role_chain(self):
        config = self.write("config", "[profile app]\nrole_arn = %s\nsource_profile = keys\n"
                            "role_session_name = from-profile\nregion = us-east-1\n" % ROLE)
        creds = self.write("credentials", "[keys]\naws_access_key_id = %s\n"
                           "aws_secret_access_key = %s\n" % (BASE_ID, BASE_SECRET))
        d = self.driver(AWS_ENDPOINT_URL_STS=MOTO.url, AWS_CONFIG_FILE=config,
                        AWS_SHARED_CREDENTIALS_FILE=creds, AWS_PROFILE="app")
        self.assertEqual(d.cmd("chain"), {"ok": True, "source": "assume-role"})
        self.assert_creds(d.cmd("get"), "assume-role")
        ident = d.cmd("identity us-east-1")
        self.assertEqual(ident.get("arn"), "arn:aws:sts::123456789012:assumed-role/"
                         "pca-issuer/from-profile", ident)

    def test_profile_errors_name_file_and_line(self):
        config = self.write("config", "[profile app]\nrole_arn = %s\n"
                            "source_profile = missing\n" % ROLE)
        d = self.driver(AWS_CONFIG_FILE=config, AWS_PROFILE="app")
        got = d.cmd("chain")
        self.assertEqual(got.get("error"), "%s:3: profile \"app\": source_profile "
                         "\"missing\" does not exist" % config)


class LocalPeers(Base):
    """Container credentials and IMDSv2 from CredServer; refresh timing."""

    def setUp(self):
        super().setUp()
        self.srv = CredServer()

    def tearDown(self):
        try:
            super().tearDown()
        finally:
            self.srv.stop()

    def container(self, **env):
        e = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.srv.url + "/creds"}
        e.update(env)
        d = self.driver(**e)
        self.assertEqual(d.cmd("chain"), {"ok": True, "source": "container"})
        return d

    def test_imds_v2(self):
        d = self.driver(AWS_EC2_METADATA_SERVICE_ENDPOINT=self.srv.url)
        self.assertEqual(d.cmd("chain"), {"ok": True, "source": "imds"})
        got = self.assert_creds(d.cmd("get"), "imds", "ASIA0001")
        self.assertEqual(got["secret_sha256"], sha256("secret-1"))
        self.assertTrue(got["has_token"])
        self.assertEqual(self.srv.imds["ttl"], ["21600"])
        self.assertEqual(self.srv.imds["unauthorized"], 0)
        self.assertEqual(self.srv.fetches, 1)

    def test_imds_disabled(self):
        d = self.driver(AWS_EC2_METADATA_DISABLED="true")
        self.assertIn("AWS_EC2_METADATA_DISABLED=true", d.cmd("chain").get("error", ""))

    def test_imds_silent_peer_fails_fast(self):
        # Accepts connections and never answers, like a filtered metadata address.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(16)
            d = self.driver(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d" %
                            s.getsockname()[1])
            d.cmd("chain")
            got = d.cmd("get")
        self.assertIn("(token step)", got.get("error", ""), got)
        self.assertLess(got["waited_ms"], 2500, got)
        print("IMDS silent peer: failed after %d ms" % got["waited_ms"], file=sys.stderr)

    def test_container_authorization(self):
        self.srv.want_auth = "Bearer pod-identity-token"
        d = self.container(AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer pod-identity-token")
        got = self.assert_creds(d.cmd("get"), "container", "ASIA0001")
        self.assertEqual(got["secret_sha256"], sha256("secret-1"))

    def test_container_refuses_plain_http_elsewhere(self):
        d = self.driver(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.10/creds")
        self.assertIn("must use https or a loopback", d.cmd("chain").get("error", ""))

    def test_container_token_file_rotation(self):
        path = self.write("pod-token", "token-one\n")
        self.srv.want_auth = "token-one"
        self.srv.lifetime = 6
        d = self.container(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=path)
        d.cmd("windows 3000 1000")
        self.assert_creds(d.cmd("get"), "container", "ASIA0001")
        self.write("pod-token", "token-two\n")
        self.srv.want_auth = "token-two"
        out = d.gets(30, 150)  # 4.5 s: the refresh at ~3 s must use the new token
        self.assertEqual([g.get("error") for g in out if "error" in g], [])
        self.assertEqual(out[-1]["access_key_id"], "ASIA0002")
        self.assertEqual(self.srv.auths, ["token-one", "token-two"])

    def test_one_refresh_per_window(self):
        self.srv.lifetime = 10
        d = self.container()
        d.cmd("windows 5000 1000")
        t0 = time.monotonic()
        out = d.gets(50, 150)
        elapsed = time.monotonic() - t0
        keys = [g["access_key_id"] for g in out]
        self.assertEqual([g.get("error") for g in out if "error" in g], [])
        # One fetch to start, one when the advisory window opened at ~5 s.
        self.assertEqual(self.srv.fetches, 2, keys)
        self.assertEqual(sorted(set(keys)), ["ASIA0001", "ASIA0002"])
        switch = keys.index("ASIA0002")
        self.assertEqual(keys[:switch], ["ASIA0001"] * switch)
        self.assertEqual(keys[switch:], ["ASIA0002"] * (50 - switch))
        held = [g["waited_ms"] for g in out[1:]]
        self.assertLess(max(held), 100, held)
        print("50 gets in %.2f s: %d fetches, switched at get %d, max wait %d ms" %
              (elapsed, self.srv.fetches, switch, max(held)), file=sys.stderr)

    def test_one_assume_role_per_window(self):
        """The same through our STS: AssumeRole signed with the base keys."""
        self.srv.lifetime = 10
        d = self.driver(AWS_ENDPOINT_URL_STS=self.srv.url)
        d.cmd("static %s %s" % (BASE_ID, BASE_SECRET))
        d.cmd("assume %s s1 eu-west-1" % ROLE)
        d.cmd("windows 5000 1000")
        out = d.gets(50, 150)
        self.assertEqual([g.get("error") for g in out if "error" in g], [])
        self.assertEqual(self.srv.sts_actions, ["AssumeRole", "AssumeRole"])
        self.assertEqual(self.srv.bad_signatures, 0)
        self.assertEqual(sorted(set(g["access_key_id"] for g in out)),
                         ["ASIA0001", "ASIA0002"])

    def test_assume_role_with_wrong_secret_is_refused(self):
        d = self.driver(AWS_ENDPOINT_URL_STS=self.srv.url)
        d.cmd("static %s not-the-secret" % BASE_ID)
        d.cmd("assume %s s1 eu-west-1" % ROLE)
        got = d.cmd("get")
        self.assertIn("SignatureDoesNotMatch", got.get("error", ""), got)
        self.assertEqual(self.srv.bad_signatures, 1)

    def test_failed_refresh_keeps_old_credentials(self):
        self.srv.lifetime = 10
        d = self.container()
        d.cmd("windows 6000 1000")
        self.assert_creds(d.cmd("get"), "container", "ASIA0001")
        self.srv.fail_next = [500]
        # The advisory window shrinks to half the 10 s lifetime, so the refresh
        # fails at ~5 s and is retried within ~1 s; 9 s of gets see both.
        out = d.gets(60, 150)
        keys = [g.get("access_key_id") for g in out]
        self.assertEqual([g.get("error") for g in out if "error" in g], [])
        self.assertEqual(self.srv.failures, 1)
        self.assertEqual(self.srv.fetches, 3, keys)
        switch = keys.index("ASIA0002")
        self.assertEqual(keys[:switch], ["ASIA0001"] * switch)
        self.assertEqual(keys[switch:], ["ASIA0002"] * (len(keys) - switch))

    def test_mandatory_window_holds_callers(self):
        self.srv.lifetime = 4
        d = self.container()
        d.cmd("windows 1500 1000")
        self.assert_creds(d.cmd("get"), "container", "ASIA0001")
        self.srv.delay = 1.5  # the background refresh at ~2.5 s lands at ~4 s
        out = d.gets(2, 3200)
        self.assertEqual(out[0]["access_key_id"], "ASIA0001")
        self.assertEqual(out[1]["access_key_id"], "ASIA0002")
        self.assertGreater(out[1]["waited_ms"], 300, out)
        self.assertEqual(self.srv.fetches, 2)
        print("held in the mandatory window for %d ms" % out[1]["waited_ms"],
              file=sys.stderr)

    def test_no_credentials_error_without_retry_storm(self):
        self.srv.fail_next = [500] * 10
        d = self.container()
        first = d.cmd("get")
        self.assertIn("answered HTTP 500", first.get("error", ""), first)
        again = [d.cmd("get") for _ in range(5)]
        self.assertTrue(all("HTTP 500" in g.get("error", "") for g in again), again)
        self.assertEqual(self.srv.fetches, 1)


if __name__ == "__main__":
    unittest.main()

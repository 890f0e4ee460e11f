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

The server is this file (HTTP, knobs, command line); what the operations
do is pca_operations.py, fault injection pca_faults.py, and a load
generator for it tests/bench/pca_load.py:
    python3 tests/bench/pca_load.py --spawn --op IssueCertificate --duration 5
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

from pca_faults import FAULT_KINDS, PcaFaults, _fault, _number, _Reset  # noqa: F401
from pca_operations import (CA_STATUSES, DEFAULT_CREDENTIALS, JSON_TYPE,  # noqa: F401
                            KEY_ALGORITHMS, LOG_CAP, MAX_BODY, OPERATIONS, SERVICE,
                            STATUS_TEXT, TARGET_PREFIX, Authority, Bucket, PcaError, PcaOperations,
                            _ca_specs, _denied)

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


def _number_local(low):
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


class PcaServer(PcaOperations, PcaFaults):
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


# ---- a raw client, for tests that check the wire ---------------------------

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



def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = _serve_parser().parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except ValueError as exc:
        print("pcaserver: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

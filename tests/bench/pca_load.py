"""A load generator for the Private CA test server (tests/lib/pcaserver.py):
drives it over keep-alive connections, one call in flight on each, and
prints the achieved rate as one JSON line.

    python3 tests/bench/pca_load.py --spawn --op IssueCertificate --duration 5
"""

import argparse
import asyncio
import base64
import collections
import json
import os
import re
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
PCASERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib",
                         "pcaserver.py")

from pcaserver import (DEFAULT_CREDENTIALS, _http_json, _split_answer,  # noqa: E402
                       roundtrip, signed_request)


def _bench_parser():
    ap = argparse.ArgumentParser(
        prog="pca_load", description="Drive a pcaserver over "
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
        cmd = [sys.executable, PCASERVER, "--port", "0",
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



if __name__ == "__main__":
    bench(sys.argv[1:])

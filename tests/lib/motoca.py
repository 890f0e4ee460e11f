"""moto's AWS emulator on loopback, with a Private CA set up the way a user
sets one up: create it, fetch its CSR, issue its own certificate from the
RootCACertificate template, import that certificate.
"""

import os
import signal
import socket
import subprocess
import sys
import time

import boto3
from botocore.config import Config

ACCESS_KEY = "AKIAMOTODEMO00000000"
SECRET_KEY = "moto-demo-secret"
REGION = "us-east-1"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    def __init__(self):
        self.port = _free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto_server did not start")
                time.sleep(0.1)
        self.client = boto3.client(
            "acm-pca", endpoint_url=self.url, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(retries={"total_max_attempts": 1}))

    def create_root_ca(self, key_algorithm="RSA_2048", signing="SHA256WITHRSA", cn="Demo Root CA"):
        c = self.client
        arn = c.create_certificate_authority(
            CertificateAuthorityConfiguration={
                "KeyAlgorithm": key_algorithm, "SigningAlgorithm": signing,
                "Subject": {"CommonName": cn, "Organization": "pca-issuer"}},
            CertificateAuthorityType="ROOT")["CertificateAuthorityArn"]
        csr = c.get_certificate_authority_csr(CertificateAuthorityArn=arn)["Csr"]
        cert_arn = c.issue_certificate(
            CertificateAuthorityArn=arn, Csr=csr.encode(), SigningAlgorithm=signing,
            TemplateArn="arn:aws:acm-pca:::template/RootCACertificate/V1",
            Validity={"Value": 3650, "Type": "DAYS"})["CertificateArn"]
        cert = c.get_certificate(CertificateAuthorityArn=arn, CertificateArn=cert_arn)
        c.import_certificate_authority_certificate(
            CertificateAuthorityArn=arn, Certificate=cert["Certificate"].encode())
        return arn

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

"""A rotated service-account token file is picked up.

pca-issuer reads its bearer token from a file, as a projected
service-account token in a pod. The first token is bound to a Secret, so
deleting that Secret revokes it, as the kubelet's rotation retires old
tokens. Once the file holds a new token and the old one is revoked, the
next request gets 401, the file is read again, and the work carries on.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import e2e  # noqa: E402
import pcaserver  # noqa: E402

AKID, SECRET = next(iter(pcaserver.DEFAULT_CREDENTIALS.items()))


class TokenRotation(unittest.TestCase):
    def setUp(self):
        self.pca = pcaserver.PcaServer(cas=["EC_prime256v1"]).start()
        self.stack = e2e.Stack(pca_server=self.pca).start()

    def tearDown(self):
        self.stack.stop()
        self.pca.stop()

    def bound_token(self, secret_name):
        """A token for the issuer's ServiceAccount that dies with a Secret."""
        c = self.stack.cluster
        holder = c.api_ok("POST", "/api/v1/namespaces/%s/secrets" % e2e.ISSUER_NS, json={
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": secret_name}})
        reply = c.api_ok(
            "POST", "/api/v1/namespaces/%s/serviceaccounts/%s/token" % (e2e.ISSUER_NS,
                                                                       e2e.ISSUER_SA),
            json={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                  "spec": {"expirationSeconds": 3600,
                           "boundObjectRef": {"apiVersion": "v1", "kind": "Secret",
                                              "name": secret_name,
                                              "uid": holder["metadata"]["uid"]}}})
        return reply["status"]["token"]

    def test_rotated_token_file_is_picked_up(self):
        c = self.stack.cluster
        old = self.bound_token("token-holder")
        path = c.write_token_file(old)
        kubeconfig = c.kubeconfig_for_token_file(path)
        self.stack.kubeconfig = kubeconfig
        proc = self.stack.start_issuer()
        ns = e2e.unique("rotate")
        self.stack.create_secret(ns, "creds", {"AWS_ACCESS_KEY_ID": AKID,
                                               "AWS_SECRET_ACCESS_KEY": SECRET})
        kind = self.stack.create_issuer("before", self.pca.cas[0]["arn"], ns=ns,
                                        secret=(ns, "creds"))
        self.stack.wait_issuer(kind, "before", ns)

        # Rotate: a new token in the file, the old one revoked.
        new = self.stack.cluster.service_account_token(e2e.ISSUER_NS, e2e.ISSUER_SA)
        tmp = path + ".new"
        with open(tmp, "w") as f:
            f.write(new)
        os.rename(tmp, path)
        c.api_ok("DELETE", "/api/v1/namespaces/%s/secrets/token-holder" % e2e.ISSUER_NS)
        # The API server caches successful token reviews for a few seconds.
        self.stack.wait(lambda: c.api("GET", "/api/v1/namespaces", token=old).status_code == 401,
                        60, "the old token to be refused")

        # The issuer check reads its Secret with the new token; a request is issued.
        kind = self.stack.create_issuer("after", self.pca.cas[0]["arn"], ns=ns,
                                        secret=(ns, "creds"))
        self.stack.wait_issuer(kind, "after", ns, timeout=90)
        key = e2e.make_key("ec")
        self.stack.create_cr(ns, "c", e2e.make_csr(key), kind, "after")
        self.stack.approve(ns, "c")
        self.stack.wait_cr_reason(ns, "c", "Issued", "True", timeout=90)
        # The old token was refused once, and nothing failed because of it.
        refused = self.stack.metric_value(self.stack.metrics(),
                                          "pca_issuer_kube_requests_total", code="401")
        self.assertGreaterEqual(refused or 0, 1)
        self.assertIsNone(proc.proc.poll())


if __name__ == "__main__":
    unittest.main()

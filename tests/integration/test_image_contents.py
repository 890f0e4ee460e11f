"""The image `./build.sh image` builds: what is in it, and that it runs.

Reads build/pca-issuer-<version>.oci.tar, loads it into a private podman
store (tests/lib/podman.py) and checks what a user and a security review
expect of it: both architectures in one index, the binary at
/usr/local/bin/pca-issuer and /manager, every shared library resolved,
the Mozilla CA bundle, user 65532, no shell and no package manager, the
dpkg status of every package for scanners, a read-only root filesystem,
the arm64 binary running under qemu, and the same digest when built again
from the same commit.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import podman as podmanlib  # noqa: E402

from cryptography import x509  # noqa: E402

VERSION = podmanlib.project_version()
PODMAN = None
IMAGE = None
ARCHIVE = None
TREE = None  # the amd64 image's files, exported once


def setUpModule():
    global PODMAN, IMAGE, ARCHIVE, TREE
    ARCHIVE = podmanlib.image_archive()
    PODMAN = podmanlib.Podman()
    IMAGE = PODMAN.load(ARCHIVE)
    TREE = PODMAN.export(IMAGE, os.path.join(PODMAN.dir, "amd64.tar"))


def tearDownModule():
    if PODMAN is not None:
        PODMAN.close()


def oci_blobs(path):
    """(index, {platform: (manifest digest, manifest, config)}) of an OCI archive."""
    with tarfile.open(path) as tar:
        def blob(digest):
            return json.load(tar.extractfile("blobs/sha256/" + digest.split(":", 1)[1]))
        top = json.load(tar.extractfile("index.json"))
        index = blob(top["manifests"][0]["digest"])
        images = {}
        for m in index["manifests"]:
            man = blob(m["digest"])
            plat = "%s/%s" % (m["platform"]["os"], m["platform"]["architecture"])
            images[plat] = (m["digest"], man, blob(man["config"]["digest"]))
        return top["manifests"][0]["digest"], images


def extract_layers(path, platform, dest):
    """Unpacks one platform's layers from the archive into dest."""
    with tarfile.open(path) as tar:
        _, images = oci_blobs(path)
        _, man, _ = images[platform]
        for layer in man["layers"]:
            f = tar.extractfile("blobs/sha256/" + layer["digest"].split(":", 1)[1])
            with tarfile.open(fileobj=f, mode="r:*") as lt:
                lt.extractall(dest, filter="tar")


class Index(unittest.TestCase):
    def test_both_architectures_with_the_same_config(self):
        _, images = oci_blobs(ARCHIVE)
        self.assertEqual(sorted(images), ["linux/amd64", "linux/arm64"])
        for plat, (_, man, cfg) in images.items():
            self.assertEqual(cfg["architecture"], plat.split("/")[1])
            c = cfg["config"]
            self.assertEqual(c["User"], "65532:65532", plat)
            self.assertEqual(c["Entrypoint"], ["/usr/local/bin/pca-issuer"], plat)
            self.assertEqual(sorted(c["ExposedPorts"]), ["8080/tcp", "8081/tcp"], plat)
            labels = c["Labels"]
            self.assertEqual(labels["org.opencontainers.image.version"], VERSION)
            self.assertEqual(labels["org.opencontainers.image.licenses"], "Apache-2.0")
            self.assertRegex(labels["org.opencontainers.image.revision"],
                             r"^([0-9a-f]{40}(-dirty)?|unknown)$")
            # No base image: the layers are the root filesystem alone.
            self.assertEqual(len(man["layers"]), 1, plat)
            size = man["config"]["size"] + sum(x["size"] for x in man["layers"])
            self.assertLess(size, 25e6, "%s: %d bytes compressed" % (plat, size))


class Runs(unittest.TestCase):
    def test_version_and_help_through_both_entrypoints(self):
        for entrypoint in (None, "/manager"):
            out = PODMAN.run(IMAGE, "--version", entrypoint=entrypoint).stdout
            self.assertEqual(out.strip(), "pca-issuer %s" % VERSION, entrypoint)
        proc = PODMAN.run(IMAGE, "--help", entrypoint="/manager")
        self.assertIn("--leader-elect", proc.stdout + proc.stderr)

    def test_every_shared_library_resolves(self):
        # The image's own loader lists what it loads, as ldd would (there is
        # no ldd, and no shell to run it with).
        out = PODMAN.run(IMAGE, "--list", "/usr/local/bin/pca-issuer",
                         entrypoint="/lib64/ld-linux-x86-64.so.2").stdout
        libs = [ln.strip() for ln in out.splitlines() if "=>" in ln]
        self.assertNotIn("not found", out)
        for want in ("libcurl.so.4", "libssl.so.3", "libcrypto.so.3", "libevent-2.1.so.7",
                     "libyaml-0.so.2", "libexpat.so.1", "libc.so.6"):
            self.assertTrue(any(ln.startswith(want + " => /") for ln in libs), (want, out))
        # Every symbol bound at start, not on first use.
        out = PODMAN.run(IMAGE, "--version", env={"LD_BIND_NOW": "1"}).stdout
        self.assertIn(VERSION, out)

    def test_no_shell_to_run(self):
        proc = PODMAN.run(IMAGE, "-c", "true", entrypoint="/bin/sh", check=False)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("/bin/sh", proc.stderr)

    def test_runs_as_65532_on_a_read_only_root(self):
        # --print-config runs config loading, which reads nothing it may not;
        # the root filesystem is read-only (podmanlib.RESTRICTED).
        proc = PODMAN.run(IMAGE, "--print-config")
        self.assertIn("leaderElect", proc.stdout)
        self.assertEqual(PODMAN.inspect_image(IMAGE)["Config"]["User"], "65532:65532")


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with tarfile.open(TREE) as t:
            cls.members = {m.name.lstrip("./").rstrip("/"): m for m in t.getmembers()}
            cls.read = {}
            for name in ("etc/passwd", "etc/group", "etc/ssl/certs/ca-certificates.crt",
                         "etc/os-release"):
                cls.read[name] = t.extractfile(cls.members[name]).read()
            cls.status = {}
            for name, m in cls.members.items():
                if name.startswith("var/lib/dpkg/status.d/") and m.isfile():
                    cls.status[name.rsplit("/", 1)[1]] = t.extractfile(m).read().decode()

    def test_binary_at_both_paths(self):
        self.assertTrue(self.members["usr/local/bin/pca-issuer"].isfile())
        self.assertEqual(self.members["usr/local/bin/pca-issuer"].mode & 0o777, 0o755)
        m = self.members["manager"]
        self.assertTrue(m.issym())
        self.assertEqual(m.linkname, "usr/local/bin/pca-issuer")

    def test_no_shell_no_package_manager_no_perl(self):
        names = set(self.members)
        for d in ("bin", "sbin", "usr/bin", "usr/sbin", "usr/share/perl5", "etc/apt",
                  "var/lib/apt", "usr/share/debconf"):
            self.assertFalse(any(n == d or n.startswith(d + "/") for n in names), d)
        for n in names:
            if self.members[n].isdir():
                continue
            base = n.rsplit("/", 1)[-1]
            self.assertNotIn(base, ("sh", "bash", "dash", "busybox", "perl", "apt-get",
                                    "dpkg"), n)
        docs = [n for n in names if n.startswith("usr/share/doc/") and
                self.members[n].isfile()]
        self.assertTrue(docs)
        self.assertEqual([n for n in docs if not n.endswith("/copyright")], [])

    def test_user_65532(self):
        self.assertIn(b"nonroot:x:65532:65532:", self.read["etc/passwd"])
        self.assertIn(b"nonroot:x:65532:", self.read["etc/group"])
        self.assertIn(b"Debian", self.read["etc/os-release"])

    def test_ca_bundle_is_mozillas(self):
        with warnings.catch_warnings():
            # One Mozilla root has a serial number of 0, which RFC 5280 forbids.
            warnings.simplefilter("ignore")
            certs = x509.load_pem_x509_certificates(
                self.read["etc/ssl/certs/ca-certificates.crt"])
        self.assertGreater(len(certs), 100)
        mozilla = [n for n in self.members
                   if n.startswith("usr/share/ca-certificates/mozilla/") and n.endswith(".crt")]
        # Exactly the certificates the package ships, nothing from the host.
        self.assertEqual(len(certs), len(mozilla))

    def test_dpkg_status_for_scanners(self):
        for pkg in ("libc6", "libcurl4", "libssl3", "libevent-2.1-7", "libyaml-0-2",
                    "libexpat1", "ca-certificates", "base-files"):
            self.assertIn(pkg, self.status)
            st = self.status[pkg]
            self.assertIn("Package: %s\nStatus: install ok installed\n" % pkg, st)
            self.assertRegex(st, r"\nVersion: \S+")
        self.assertNotIn("debconf", self.status)
        self.assertNotIn("mawk", self.status)
        # The list next to the archive names the same packages and versions.
        listed = {}
        with open(os.path.join(os.path.dirname(ARCHIVE),
                               "pca-issuer-%s-amd64.packages.txt" % VERSION)) as f:
            for line in f:
                if not line.startswith("#"):
                    pkg, ver, _ = line.split(" ", 2)
                    listed[pkg] = ver
        self.assertEqual(sorted(listed), sorted(self.status))
        for pkg, st in self.status.items():
            self.assertIn("\nVersion: %s\n" % listed[pkg], st, pkg)


class Arm64(unittest.TestCase):
    def test_arm64_binary_runs_under_qemu(self):
        qemu = shutil.which("qemu-aarch64-static")
        self.assertIsNotNone(qemu, "qemu-user-static is not installed")
        root = tempfile.mkdtemp(prefix="pca-arm64-")
        self.addCleanup(shutil.rmtree, root, True)
        extract_layers(ARCHIVE, "linux/arm64", root)
        binary = os.path.join(root, "usr/local/bin/pca-issuer")
        self.assertIn("AArch64", subprocess.run(["readelf", "-h", binary], capture_output=True,
                                                text=True, check=True).stdout)
        # No binfmt here: qemu runs the binary with the image as its root for
        # the loader and the libraries.
        out = subprocess.run([qemu, "-L", root, binary, "--version"], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "pca-issuer %s" % VERSION)


class Reproducible(unittest.TestCase):
    def test_same_commit_same_digest(self):
        # The amd64 image again, from the same binary and commit, elsewhere.
        out = tempfile.mkdtemp(prefix="pca-image-again-")
        self.addCleanup(shutil.rmtree, out, True)
        binary = os.environ.get("PCA_ISSUER_BIN",
                                os.path.join(podmanlib.BUILD_DIR, "pca-issuer"))
        proc = subprocess.run(
            [os.path.join(podmanlib.SOURCE_DIR, "container", "image.sh"), "amd64=" + binary],
            env=dict(os.environ, PCA_IMAGE_OUT=out), capture_output=True, text=True,
            timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        _, first = oci_blobs(ARCHIVE)
        _, again = oci_blobs(os.path.join(out, "pca-issuer-%s.oci.tar" % VERSION))
        self.assertEqual(again["linux/amd64"][0], first["linux/amd64"][0],
                         "the amd64 image changed between two builds; if Debian published "
                         "an update in between, the package lists say so:\n" + proc.stderr)
        self.assertIn(again["linux/amd64"][0], proc.stdout)


if __name__ == "__main__":
    unittest.main()

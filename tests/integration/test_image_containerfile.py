"""container/Containerfile builds, and gives the image `./build.sh image` gives.

The Containerfile is the recipe for machines that can pull debian:12 from
a registry; none is reachable here. So a debian:12 is made the way Docker's
is, from Debian's own packages (mmdebstrap --variant=minbase), imported
under the name docker.io/library/debian:12 into a private store, and the
Containerfile is built with buildah against it (--pull=never, host network
for apt). The result must run, and hold the same files as the image in
build/pca-issuer-<version>.oci.tar.
"""

import os
import subprocess
import sys
import tarfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import podman as podmanlib  # noqa: E402

VERSION = podmanlib.project_version()


def names(tar_path):
    with tarfile.open(tar_path) as t:
        return {m.name.lstrip("./").rstrip("/") for m in t.getmembers()} - {""}


class Containerfile(unittest.TestCase):
    def test_builds_the_same_image(self):
        pm = podmanlib.Podman()
        self.addCleanup(pm.close)
        base = os.path.join(pm.dir, "debian12.tar")
        sources = subprocess.run(
            ["bash", "-c", ". %s/container/debian.sh && debian_sources" % podmanlib.SOURCE_DIR],
            capture_output=True, text=True, check=True).stdout.splitlines()
        subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", "bookworm", base] + sources,
                       check=True, timeout=600)
        pm("import", base, "docker.io/library/debian:12")
        proc = subprocess.run(
            ["buildah"] + pm.storage + ["bud", "--pull=never", "--network", "host",
                                   "--isolation", "chroot", "-f", "container/Containerfile",
                                   "-t", "localhost/pca-issuer:containerfile", "."],
            cwd=podmanlib.SOURCE_DIR, capture_output=True, text=True, timeout=1200)
        self.assertEqual(proc.returncode, 0, proc.stdout[-4000:] + proc.stderr[-4000:])
        image = "localhost/pca-issuer:containerfile"
        out = pm.run(image, "--version").stdout
        self.assertEqual(out.strip(), "pca-issuer %s" % VERSION)
        self.assertEqual(pm.inspect_image(image)["Config"]["User"], "65532:65532")

        built = names(pm.export(image, os.path.join(pm.dir, "containerfile.tar")))
        reference = names(pm.export(pm.load(podmanlib.image_archive()),
                                    os.path.join(pm.dir, "reference.tar")))
        self.assertEqual(sorted(built ^ reference), [])


if __name__ == "__main__":
    unittest.main()

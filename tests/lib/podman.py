"""podman as this machine runs it, with a store of the test's own.

The image tests load build/pca-issuer-<version>.oci.tar (what
`./build.sh image` writes) into a private store under a temporary
directory, so that nothing they do touches the machine's own images, and
run it the way a restricted pod runs: read-only root filesystem, no
capabilities, no new privileges. Runtime and storage are set for this
sandbox: runc (crun does not work here), vfs storage, cgroupfs, events to
a file, and fixed rlimits (it cannot raise them). The network is `none` or
`host`, never podman's default network, which rewrites the host firewall.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

SOURCE_DIR = os.environ.get(
    "PCA_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BUILD_DIR = os.environ.get("PCA_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))

RESTRICTED = ["--read-only", "--cap-drop=all", "--security-opt", "no-new-privileges",
              "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]


def project_version():
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        m = re.search(r"^project\(pca-issuer VERSION ([0-9.]+)", f.read(), re.M)
    return m.group(1)


def image_archive():
    """The archive `./build.sh image` wrote; fails clearly when it is missing
    or older than the binary the other tests run."""
    path = os.path.join(BUILD_DIR, "pca-issuer-%s.oci.tar" % project_version())
    binary = os.environ.get("PCA_ISSUER_BIN", os.path.join(BUILD_DIR, "pca-issuer"))
    if not os.path.exists(path):
        raise AssertionError("%s is missing: run ./build.sh image (./build.sh test does)" % path)
    if os.path.exists(binary) and os.path.getmtime(path) < os.path.getmtime(binary):
        raise AssertionError("%s is older than %s: run ./build.sh image again" % (path, binary))
    return path


class PodmanError(Exception):
    pass


class Podman:
    def __init__(self):
        if shutil.which("podman") is None:
            raise PodmanError("podman is not installed (./build.sh test installs it)")
        self.dir = tempfile.mkdtemp(prefix="pca-podman-")
        # The store, as buildah takes it too.
        self.storage = ["--root", os.path.join(self.dir, "root"),
                        "--runroot", os.path.join(self.dir, "run"), "--storage-driver", "vfs"]
        self.base = ["podman"] + self.storage + [
            "--tmpdir", os.path.join(self.dir, "tmp"), "--events-backend", "file",
            "--cgroup-manager", "cgroupfs", "--runtime", "runc"]
        self.containers = []

    def __call__(self, *args, check=True, timeout=120, input=None):
        proc = subprocess.run(self.base + list(args), capture_output=True, text=True,
                              timeout=timeout, input=input)
        if check and proc.returncode != 0:
            raise PodmanError("podman %s: exit %d: %s%s" % (
                " ".join(args), proc.returncode, proc.stdout, proc.stderr))
        return proc

    def load(self, archive):
        """Loads an OCI archive; returns the image name it holds."""
        out = self("load", "-i", archive).stdout
        m = re.search(r"Loaded image(?:\(s\))?: (\S+)", out)
        if not m:
            raise PodmanError("podman load printed no image name: %r" % out)
        return m.group(1)

    def inspect_image(self, image):
        return json.loads(self("image", "inspect", image).stdout)[0]

    def run(self, image, *args, entrypoint=None, network="none", env=None, volumes=(),
            detach=False, name=None, check=True, timeout=120, extra=()):
        """podman run under RESTRICTED; returns the CompletedProcess (with
        detach, stdout holds the container id)."""
        argv = ["run", "--network=" + network] + RESTRICTED + list(extra)
        if not detach:
            argv.append("--rm")
        else:
            argv.append("-d")
        if name:
            argv += ["--name", name]
        if entrypoint:
            argv += ["--entrypoint", entrypoint]
        for k, v in sorted((env or {}).items()):
            argv += ["--env", "%s=%s" % (k, v)]
        for v in volumes:
            argv += ["--volume", v]
        proc = self(*(argv + [image] + list(args)), check=check, timeout=timeout)
        if detach and proc.returncode == 0:
            self.containers.append(proc.stdout.strip())
        return proc

    def export(self, image, dest):
        """The image's file tree, as a tar file at dest."""
        cid = self("create", image).stdout.strip()
        try:
            self("export", "-o", dest, cid)
        finally:
            self("rm", cid, check=False)
        return dest

    def close(self):
        for cid in self.containers:
            self("rm", "-f", "-t", "0", cid, check=False)
        # vfs layers are plain directories; the store is ours alone.
        shutil.rmtree(self.dir, ignore_errors=True)

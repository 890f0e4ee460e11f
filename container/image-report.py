#!/usr/bin/env python3
"""Prints what an OCI archive written by container/image.sh holds.

    image-report.py ARCHIVE INDEX_DIGEST

For the index and each image in it: the digest, the platform and the
compressed size (config and layers, as a registry stores them).
"""
import json
import os
import sys
import tarfile


def main():
    archive, index_digest = sys.argv[1], sys.argv[2].strip()
    with tarfile.open(archive) as tar:
        def blob(digest):
            algo, hexdigest = digest.split(":", 1)
            return json.load(tar.extractfile("blobs/%s/%s" % (algo, hexdigest)))

        top = json.load(tar.extractfile("index.json"))
        index = blob(top["manifests"][0]["digest"])
        print("image: %s (%.1f MB)" % (archive, os.path.getsize(archive) / 1e6))
        print("index digest: %s" % index_digest)
        if top["manifests"][0]["digest"] != index_digest:
            sys.exit("image-report.py: the archive's index is %s, not %s"
                     % (top["manifests"][0]["digest"], index_digest))
        for m in index["manifests"]:
            man = blob(m["digest"])
            size = man["config"]["size"] + sum(layer["size"] for layer in man["layers"])
            plat = m.get("platform", {})
            print("%s/%s: %s, %.1f MB compressed in %d layer(s)"
                  % (plat.get("os", "?"), plat.get("architecture", "?"), m["digest"],
                     size / 1e6, len(man["layers"])))


if __name__ == "__main__":
    main()

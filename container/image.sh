#!/usr/bin/env bash
# Builds the pca-issuer OCI image from Debian's packages and the binaries
# given, pulling no base image from any registry.
#
#   container/image.sh ARCH=BINARY...
#       e.g. container/image.sh amd64=build/pca-issuer arm64=build-arm64/pca-issuer
#
# `./build.sh image` builds the binaries and calls this. For each ARCH,
# container/rootfs.sh assembles the root filesystem from Debian's packages
# and the binary (and writes the package and library lists next to the
# image), then buildah builds container/Containerfile.scratch (FROM
# scratch) from a staging directory holding only that tree, with every
# timestamp set to SOURCE_DATE_EPOCH (the commit's time).
# The images go into one OCI index, written to
# build/pca-issuer-<version>.oci.tar, and its digest and sizes are printed.
# Two runs from the same commit give the same digest as long as Debian's
# mirror serves the same package versions (it keeps only current ones).
#
# Needs root (mmdebstrap and buildah run without user namespaces here), and
# mmdebstrap, buildah and, for arm64, qemu-user-static.
# PCA_IMAGE_MIRROR replaces the Debian archive URL (default deb.debian.org);
# PCA_IMAGE_OUT replaces build/ as where the results go.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where the archive, the package and library lists and the work files go.
dest=${PCA_IMAGE_OUT:-$top/build}
out=$dest/image
store=(--root "$out/storage" --runroot "$out/run" --storage-driver vfs)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'image.sh: %s\n' "$*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: image.sh ARCH=BINARY..."
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap and buildah build the image as root)"
for tool in mmdebstrap buildah dpkg-deb readelf python3; do
	command -v "$tool" >/dev/null || die "$tool is not installed (./build.sh image installs it)"
done

version=$(sed -nE 's/^project\(pca-issuer VERSION ([0-9.]+).*/\1/p' "$top/CMakeLists.txt")
[ -n "$version" ] || die "no version in CMakeLists.txt"
revision=$(git -C "$top" rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	revision=$revision-dirty
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git -C "$top" log -1 --format=%ct 2>/dev/null) ||
		die "not a git checkout: set SOURCE_DATE_EPOCH to the release's time"
fi
export SOURCE_DATE_EPOCH
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
source_url=${PCA_IMAGE_SOURCE:-$(git -C "$top" remote get-url origin 2>/dev/null || echo "")}

build_one() {
	local arch=$1 bin=$2 stage=$out/$1
	rm -rf "$stage"
	mkdir -p "$stage"
	say "$arch: root filesystem from Debian's packages (mmdebstrap)"
	"$top/container/rootfs.sh" "$arch" "$bin" "$stage/rootfs" "$dest"
	cp "$top/container/Containerfile.scratch" "$stage/Containerfile"
	say "$arch: building the image (buildah, FROM scratch)"
	buildah "${store[@]}" bud --quiet --isolation chroot --timestamp "$SOURCE_DATE_EPOCH" \
		--platform "linux/$arch" --build-arg VERSION="$version" \
		--build-arg REVISION="$revision" --build-arg SOURCE="$source_url" \
		--build-arg CREATED="$created" -f "$stage/Containerfile" \
		-t "localhost/pca-issuer:$version-$arch" "$stage" >/dev/null
}

# A fresh store each run: vfs keeps whole copies, and nothing is reused.
rm -rf "$out/storage" "$out/run"
mkdir -p "$out"
archs=()
for spec in "$@"; do
	arch=${spec%%=*}
	bin=${spec#*=}
	[ "$arch" != "$spec" ] || die "$spec: expected ARCH=BINARY"
	build_one "$arch" "$bin"
	archs+=("$arch")
done

index=localhost/pca-issuer:$version
archive=$dest/pca-issuer-$version.oci.tar
say "one OCI index for ${archs[*]}"
buildah "${store[@]}" manifest create "$index" >/dev/null
for arch in "${archs[@]}"; do
	buildah "${store[@]}" manifest add --arch "$arch" --os linux "$index" \
		"containers-storage:localhost/pca-issuer:$version-$arch" >/dev/null
done
rm -f "$archive"
buildah "${store[@]}" manifest push --quiet --all --format oci \
	--digestfile "$out/index.digest" "$index" "oci-archive:$archive:pca-issuer:$version"
python3 "$top/container/image-report.py" "$archive" "$(cat "$out/index.digest")"

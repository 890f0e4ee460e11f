#!/usr/bin/env bash
# Unpacks Debian's -dev packages of another architecture into a sysroot for
# cross-compiling pca-issuer, and prints its path.
#
#   container/sysroot.sh ARCH DIR
#
# mmdebstrap --variant=extract unpacks the packages and their dependencies
# without running anything, so the host's own packages are left alone
# (bookworm's libevent-dev is not Multi-Arch: same and cannot be installed
# for two architectures at once). Absolute symbolic links are pointed into
# DIR, so that the linker finds what they name there. A finished sysroot is
# kept and reused; delete DIR to fetch it again. Needs root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/debian.sh"
arch=${1:?usage: sysroot.sh ARCH DIR}
dir=${2:?usage: sysroot.sh ARCH DIR}
packages=libc6-dev,libevent-dev,libssl-dev,libcurl4-openssl-dev,libyaml-dev,libexpat1-dev,libjsmn-dev

if [ ! -f "$dir/.pca-sysroot" ] || [ "$(cat "$dir/.pca-sysroot")" != "$packages" ]; then
	rm -rf "$dir"
	mkdir -p "$(dirname "$dir")"
	printf '==> %s sysroot from Debian'"'"'s packages (mmdebstrap)\n' "$arch" >&2
	mapfile -t sources < <(debian_sources)
	mmdebstrap --quiet --variant=extract --architectures="$arch" --include="$packages" \
		"$debian_suite" "$dir" "${sources[@]}"
	find "$dir" -type l -lname '/*' ! -path "$dir/dev/*" -print0 |
		while IFS= read -r -d '' link; do
			ln -sfnr "$dir$(readlink "$link")" "$link"
		done
	echo "$packages" >"$dir/.pca-sysroot"
fi
echo "$dir"

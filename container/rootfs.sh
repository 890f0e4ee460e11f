#!/usr/bin/env bash
# Assembles the pca-issuer image's root filesystem from Debian's packages
# and a pca-issuer binary.
#
#   container/rootfs.sh ARCH BINARY DIR [LISTS]
#
# 1. mmdebstrap --variant=extract unpacks the runtime packages (the
#    libraries pca-issuer loads and ca-certificates, with their
#    dependencies) for ARCH into DIR; nothing from them runs.
#    container/rootfs-hook.sh writes the CA bundle, passwd/group and the
#    dpkg status of each package.
# 2. The tree is trimmed: no shell, no package manager, no perl, no
#    debconf, no docs but the copyright files.
# 3. BINARY, stripped, goes to /usr/local/bin/pca-issuer, with /manager (the
#    Go image's entrypoint) a link to it.
# 4. It runs once (--version), natively or under qemu-aarch64-static, and
#    what the loader resolves is checked: a missing library fails here.
# With LISTS, the package list (package, version, licence) and the
# library list are written there as pca-issuer-<version>-ARCH.packages.txt
# and .libs.txt. Used by container/image.sh and container/Containerfile.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/debian.sh"
packages=libc6,libevent-2.1-7,libssl3,libcurl4,libyaml-0-2,libexpat1,ca-certificates,base-files

die() { printf 'rootfs.sh: %s\n' "$*" >&2; exit 1; }

arch=${1:?usage: rootfs.sh ARCH BINARY DIR [LISTS]}
bin=${2:?usage: rootfs.sh ARCH BINARY DIR [LISTS]}
r=${3:?usage: rootfs.sh ARCH BINARY DIR [LISTS]}
lists=${4:-}
version=$(sed -nE 's/^project\(pca-issuer VERSION ([0-9.]+).*/\1/p' "$here/../CMakeLists.txt")
host_arch=$(dpkg --print-architecture)

case $arch in
amd64) machine="Advanced Micro Devices X86-64" strip=strip loader=/lib64/ld-linux-x86-64.so.2 ;;
arm64) machine=AArch64 strip=aarch64-linux-gnu-strip loader=/lib/ld-linux-aarch64.so.1 ;;
*) die "unsupported architecture $arch (amd64 and arm64 are)" ;;
esac
[ "$arch" != "$host_arch" ] || strip=strip
[ -x "$bin" ] || die "$bin: no such binary"
readelf -h "$bin" | grep -q "Machine: *$machine" || die "$bin is not an $arch binary"

# Runs a program of the rootfs with the rootfs as its root.
in_rootfs() {
	if [ "$arch" = "$host_arch" ]; then
		chroot "$r" "$@"
	elif [ "$arch" = arm64 ]; then
		command -v qemu-aarch64-static >/dev/null ||
			die "qemu-aarch64-static is needed to run the arm64 binary (package qemu-user-static)"
		qemu-aarch64-static -L "$r" "$r$1" "${@:2}"
	else
		die "cannot run $arch programs on $host_arch"
	fi
}

trim() {
	rm -rf "$r"/etc/apt "$r"/etc/dpkg "$r"/etc/debconf.conf "$r"/etc/ca-certificates \
		"$r"/etc/ca-certificates.conf "$r"/var/cache "$r"/var/log "$r"/var/lib/apt \
		"$r"/bin "$r"/sbin "$r"/usr/bin "$r"/usr/sbin "$r"/usr/games "$r"/usr/local \
		"$r"/usr/share/bash-completion "$r"/usr/share/debconf "$r"/usr/share/lintian \
		"$r"/usr/share/locale "$r"/usr/share/man "$r"/usr/share/info "$r"/usr/share/perl5 \
		"$r"/usr/share/pixmaps "$r"/usr/share/menu "$r"/usr/share/base-files \
		"$r"/usr/lib/x86_64-linux-gnu/gconv "$r"/usr/lib/aarch64-linux-gnu/gconv \
		"$r"/etc/update-motd.d "$r"/etc/profile* "$r"/etc/skel "$r"/root "$r"/home \
		"$r"/var/mail "$r"/var/spool "$r"/var/backups "$r"/var/opt "$r"/var/local "$r"/srv \
		"$r"/opt "$r"/mnt "$r"/media "$r"/boot "$r"/run "$r"/var/run "$r"/var/lock
	find "$r"/var/lib/dpkg -mindepth 1 -maxdepth 1 ! -name status.d -exec rm -rf {} +
	find "$r"/usr/share/doc -mindepth 2 ! -type d ! -name copyright -delete
	find "$r"/usr/share/doc -mindepth 1 -depth -type d -empty -delete
	# Packages there only for maintainer scripts that never run.
	rm -rf "$r"/usr/share/doc/debconf "$r"/usr/share/doc/mawk "$r"/var/lib/dpkg/status.d/mawk
	rmdir "$r"/usr/include "$r"/usr/src 2>/dev/null || true
	find "$r"/etc -name '*.dpkg-*' -delete
	# The runtime mounts these; they exist so that it can with a read-only root.
	rm -rf "$r"/dev "$r"/proc "$r"/sys "$r"/tmp
	mkdir -p "$r"/dev "$r"/proc "$r"/sys "$r"/tmp "$r"/run
	chmod 1777 "$r"/tmp
	local bad
	bad=$(find "$r" ! -type d \( -name sh -o -name bash -o -name dash -o -name perl \
		-o -name dpkg -o -name apt -o -name apt-get -o -name busybox \) -print)
	[ -z "$bad" ] || die "left in the rootfs: $bad"
}

# "package version licence" for every package in status.d.
package_list() {
	local f pkg ver lic
	echo "# Debian packages in the pca-issuer $version image ($arch), as the mirror served"
	echo "# them when it was built. The mirror keeps only each package's current version,"
	echo "# so a rebuild after a Debian update installs newer ones and gets another digest;"
	echo "# this list says which. Licences are from /usr/share/doc/<package>/copyright."
	echo "# package version licence"
	for f in "$r"/var/lib/dpkg/status.d/*; do
		pkg=$(sed -n 's/^Package: //p' "$f")
		ver=$(sed -n 's/^Version: //p' "$f")
		lic=$(sed -n 's/^License: *\([^ ][^ ]*\).*/\1/p' "$r/usr/share/doc/$pkg/copyright" \
			2>/dev/null | sort -u | paste -sd, -)
		echo "$pkg $ver ${lic:-see-copyright-file}"
	done
}

rm -rf "$r"
mapfile -t sources < <(debian_sources)
mmdebstrap --quiet --variant=extract --architectures="$arch" --include="$packages" \
	--extract-hook="$here/rootfs-hook.sh \"\$1\"" "$debian_suite" "$r" "${sources[@]}"
trim
install -d -m 0755 "$r"/usr/local/bin
"$strip" --strip-unneeded -o "$r"/usr/local/bin/pca-issuer "$bin"
chmod 0755 "$r"/usr/local/bin/pca-issuer
ln -s usr/local/bin/pca-issuer "$r"/manager
install -D -m 0644 "$here/../LICENSE" "$r"/usr/share/doc/pca-issuer/copyright

libs=$(in_rootfs "$loader" --list /usr/local/bin/pca-issuer | sed -e 's/ (0x[0-9a-f]*)$//' \
	-e '/^[[:space:]]*$/d')
if grep -q 'not found' <<<"$libs"; then
	printf '%s\n' "$libs" >&2
	die "$arch: a shared library is missing from the image"
fi
printf '==> %s: %s\n' "$arch" "$(in_rootfs /usr/local/bin/pca-issuer --version)" >&2
if [ -n "$lists" ]; then
	package_list >"$lists/pca-issuer-$version-$arch.packages.txt"
	printf '%s\n' "$libs" >"$lists/pca-issuer-$version-$arch.libs.txt"
fi

#!/bin/sh
# mmdebstrap --extract-hook for the pca-issuer image's root filesystem.
#
#   rootfs-hook.sh ROOT
#
# Runs on the host after mmdebstrap --variant=extract has unpacked the
# packages into ROOT and before it cleans up. Package scripts never run in
# that variant, so this does the little they would have done that the image
# needs, from the packages' own files only:
#   - /etc/ssl/certs/ca-certificates.crt from the Mozilla certificates that
#     the ca-certificates package ships (never the host's bundle, which may
#     hold local CAs);
#   - /etc/passwd and /etc/group with root and the unprivileged user 65532;
#   - /var/lib/dpkg/status.d/<package>, one control stanza per package, the
#     layout image scanners read for images without dpkg.
# The .deb files are still in ROOT/var/cache/apt/archives at this point.
# Trimming (shells, docs, perl, debconf, apt's files) happens after
# mmdebstrap has finished, in container/image.sh: removing /etc/apt here
# breaks mmdebstrap.
set -eu

root=${1:?usage: rootfs-hook.sh ROOT}
export LC_ALL=C

# The CA bundle, in a fixed order so that two builds give the same file.
mkdir -p "$root/etc/ssl/certs"
find "$root/usr/share/ca-certificates/mozilla" -name '*.crt' | sort |
	while read -r crt; do
		cat "$crt"
		# A certificate file may lack its final newline.
		[ -z "$(tail -c1 "$crt")" ] || echo
	done >"$root/etc/ssl/certs/ca-certificates.crt"
[ -s "$root/etc/ssl/certs/ca-certificates.crt" ] || {
	echo "rootfs-hook.sh: no certificates in usr/share/ca-certificates/mozilla" >&2
	exit 1
}

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
# Name resolution through files, then DNS, as glibc does without the file.
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"

# One status stanza per package, as dpkg would have written it.
mkdir -p "$root/var/lib/dpkg/status.d"
for deb in "$root"/var/cache/apt/archives/*.deb; do
	pkg=$(dpkg-deb --field "$deb" Package)
	# debconf is there only as a dependency of ca-certificates' scripts,
	# which never run; its files are removed with the rest of perl.
	[ "$pkg" = debconf ] && continue
	dpkg-deb --field "$deb" |
		awk '/^Package:/ { print; print "Status: install ok installed"; next } { print }' \
			>"$root/var/lib/dpkg/status.d/$pkg"
done

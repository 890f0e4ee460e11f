# Sourced by container/image.sh and container/sysroot.sh: where Debian's
# packages come from. PCA_IMAGE_MIRROR replaces the archive's URL.
debian_suite=bookworm
debian_mirror=${PCA_IMAGE_MIRROR:-http://deb.debian.org}

# mmdebstrap's source lines: the release, its updates and security updates.
debian_sources() {
	printf '%s\n' \
		"deb $debian_mirror/debian $debian_suite main" \
		"deb $debian_mirror/debian $debian_suite-updates main" \
		"deb $debian_mirror/debian-security $debian_suite-security main"
}

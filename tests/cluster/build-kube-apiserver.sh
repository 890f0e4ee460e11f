#!/usr/bin/env bash
# Builds (once) the kube-apiserver binary that the integration tests run
# against, and makes sure etcd is installed.
#
# Debian 12 ships the Kubernetes 1.20 sources (package "kubernetes", with its
# dependencies vendored) but no binary package of the API server, so it is
# compiled here from those sources and cached.  When the cached binary exists
# and runs, the script prints its path and exits at once; it is meant to be
# called at the start of every test run.
#
# Output: the path of the binary on stdout; progress goes to stderr.
# Also installed when missing: etcd (etcd-server) and kubectl
# (kubernetes-client).
# Environment: PCA_CACHE_DIR (default /var/cache/pca-issuer).
set -euo pipefail

KUBE_VERSION=1.20.2
CACHE="${PCA_CACHE_DIR:-/var/cache/pca-issuer}"
DEST_DIR="$CACHE/kubernetes-$KUBE_VERSION"
DEST="$DEST_DIR/kube-apiserver"
WORK="$CACHE/work"
REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2

log() { printf 'build-kube-apiserver: %s\n' "$*" >&2; }
die() {
	printf 'build-kube-apiserver: ERROR: %s\n' "$*" >&2
	exit 1
}

# Everything else needs root for apt; the fast path below does not.
have_binary() { [ -x "$DEST" ] && "$DEST" --version >/dev/null 2>&1; }
have_tools() { command -v etcd >/dev/null 2>&1 && command -v kubectl >/dev/null 2>&1; }

if have_binary && have_tools; then
	echo "$DEST"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "not cached at $DEST and installing needs root"

APT_UPDATED=0
apt_update_soft() {
	if [ "$APT_UPDATED" -eq 0 ]; then
		log "apt-get update"
		apt-get update -qq >&2 || return 1
		APT_UPDATED=1
	fi
}
apt_update() { apt_update_soft || die "apt-get update failed"; }

# Packages are checked one by one so a run with everything present never
# touches the network.
apt_install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	apt_update
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}

# The deb-src entry mirrors the URI and signing key of the binary archive
# already configured: that is the only archive this machine can reach, and apt
# refuses two entries for one URI and suite with different Signed-By values.
SRC_LIST_OLD=/etc/apt/sources.list.d/pca-issuer-src.list
SRC_LIST=/etc/apt/sources.list.d/pca-issuer-src.sources
DEB822=/etc/apt/sources.list.d/debian.sources

deb822_field() { # $1 field name; first stanza whose URI ends in /debian
	awk -v f="$1" '
		/^[[:space:]]*$/ { if (ok && v != "") { print v; exit } ok = 0; v = ""; next }
		/^URIs:/ && $2 ~ /\/debian\/?$/ { ok = 1 }
		$1 == f ":" { v = $2 }
		END { if (ok && v != "") print v }' "$DEB822" | head -n1
}

write_deb_src() {
	local uri="" key=""
	if [ -f "$DEB822" ]; then
		uri=$(deb822_field URIs)
		key=$(deb822_field Signed-By)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && /bookworm/ && !/security/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit }
		}' /etc/apt/sources.list)
	fi
	uri="${uri:-http://deb.debian.org/debian}"
	log "adding deb-src $uri bookworm main"
	{
		echo "Types: deb-src"
		echo "URIs: $uri"
		echo "Suites: bookworm"
		echo "Components: main"
		[ -z "$key" ] || echo "Signed-By: $key"
	} >"$SRC_LIST"
}

ensure_deb_src() {
	local need=0
	rm -f "$SRC_LIST_OLD"
	if ! grep -rqsE '^(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		write_deb_src
		need=1
	fi
	ls /var/lib/apt/lists/*_Sources* >/dev/null 2>&1 || need=1
	[ "$need" -eq 1 ] || return 0
	APT_UPDATED=0
	if ! apt_update_soft; then
		# Never leave apt unusable for the rest of the machine.
		rm -f "$SRC_LIST"
		die "apt-get update failed with the deb-src entry in $SRC_LIST (removed)"
	fi
}

# Two test runs starting at once must not build into one tree.
mkdir -p "$CACHE"
exec 9>"$CACHE/.build.lock"
flock 9 || die "cannot lock $CACHE/.build.lock"

apt_install_missing etcd-server
# The tests run the machine's kubectl when there is one; Debian's 1.20 client
# matches the server otherwise.
command -v kubectl >/dev/null 2>&1 || apt_install_missing kubernetes-client
if have_binary; then
	echo "$DEST"
	exit 0
fi

START=$(date +%s)
apt_install_missing golang-go rsync dpkg-dev make golang-github-modern-go-reflect2-dev
ensure_deb_src
[ -d "$REFLECT2_SRC" ] || die "$REFLECT2_SRC missing after install"

mkdir -p "$WORK" "$DEST_DIR"
# A previous run may have died half-way; start the source tree afresh.
rm -rf "$WORK/src"
mkdir -p "$WORK/src"
log "apt-get source kubernetes"
fetch_source() { (cd "$WORK/src" && apt-get source -qq kubernetes >&2); }
if ! fetch_source; then
	# A stale index names a version the archive no longer has.
	[ "$APT_UPDATED" -eq 0 ] || die "apt-get source kubernetes failed"
	apt_update
	rm -rf "$WORK/src" && mkdir -p "$WORK/src"
	fetch_source || die "apt-get source kubernetes failed"
fi
SRC=$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)
if [ -z "$SRC" ] || [ ! -f "$SRC/Makefile" ]; then
	die "no kubernetes source tree under $WORK/src"
fi
log "source tree $SRC"

# The vendored reflect2 1.0.1 reads Go map internals at fixed offsets that
# changed in Go 1.18; with Debian's Go 1.19 the server dies ("fatal error:
# fault" in mapiternext) on the first custom-resource write.  1.0.2 fixes it.
log "replacing vendored reflect2 with $REFLECT2_SRC"
rm -rf "$SRC/vendor/github.com/modern-go/reflect2"
cp -r "$REFLECT2_SRC" "$SRC/vendor/github.com/modern-go/reflect2"
rm -f "$SRC/vendor/github.com/modern-go/reflect2/go.mod" "$SRC/vendor/github.com/modern-go/reflect2/go.sum"

# The 1.20 build scripts expect a GOPATH layout containing k8s.io/kubernetes.
mkdir -p "$SRC/.go/src/k8s.io"
ln -sfn "$SRC" "$SRC/.go/src/k8s.io/kubernetes"

log "make WHAT=cmd/kube-apiserver (takes several minutes)"
(
	cd "$SRC/.go/src/k8s.io/kubernetes"
	export GOPATH="$SRC/.go" CGO_ENABLED=0
	unset GOFLAGS
	# Without a .git directory the version would read v0.0.0.
	export KUBE_GIT_VERSION="v$KUBE_VERSION"
	make WHAT=cmd/kube-apiserver >&2
) || die "make WHAT=cmd/kube-apiserver failed (see output above)"

BUILT="$SRC/_output/bin/kube-apiserver"
[ -x "$BUILT" ] || BUILT=$(find "$SRC/_output" -type f -name kube-apiserver -perm -u+x | head -n1)
if [ -z "$BUILT" ] || [ ! -x "$BUILT" ]; then
	die "build finished but no kube-apiserver binary in $SRC/_output"
fi
"$BUILT" --version >/dev/null 2>&1 || die "$BUILT does not run"

cp "$BUILT" "$DEST.tmp.$$"
mv -f "$DEST.tmp.$$" "$DEST"
log "installed $DEST ($("$DEST" --version)) in $(($(date +%s) - START))s"

# The checkout (about 1 GiB with the Go build cache that the Kubernetes build
# keeps under _output) is of no further use once the binary is cached.
case "$SRC" in
"$WORK"/src/kubernetes-*)
	log "removing $WORK"
	rm -rf "$WORK/src"
	rmdir "$WORK" 2>/dev/null || true
	;;
esac

echo "$DEST"

#!/usr/bin/env bash
# Builds pca-issuer and runs its tests, installing whatever is missing.
#
#   ./build.sh          install build dependencies, build build/pca-issuer (release)
#   ./build.sh test     build the binary and the image, and run every test:
#                       ctest (unit, integration, aws, kube, e2e, image), the
#                       unit tests again under ASan+UBSan, and a short run of
#                       every fuzz target
#   ./build.sh bench    build and run the benchmarks; they print their figures
#   ./build.sh image    build the OCI image (amd64 and arm64, FROM scratch,
#                       from Debian's packages; no registry needed) into
#                       build/pca-issuer-<version>.oci.tar; needs root
#   ./build.sh demo     start a local API server, an AWS emulator and pca-issuer
#                       and issue a few hundred certificates (Ctrl-C stops it)
#   ./build.sh format   reformat the C sources with clang-format
#   ./build.sh fuzz [SECONDS]
#                       run every fuzz target for SECONDS (default 600) each,
#                       print inputs/s, inputs, coverage and peak RSS, and
#                       merge what grew the coverage into tests/fuzz/corpus;
#                       stops at the first crash with its input and stack
#
# Every step is idempotent: a second run installs nothing and rebuilds only
# what changed. Set PCA_CACHE_DIR to move the cache of test binaries
# (default /var/cache/pca-issuer).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

build_pkgs=(cmake make gcc pkg-config libevent-dev libssl-dev libcurl4-openssl-dev
	libyaml-dev libjsmn-dev libexpat1-dev)
test_pkgs=(prometheus clang libclang-rt-14-dev etcd-server)
# The image: its root filesystem (mmdebstrap), its build (buildah), running
# it (podman with runc), and the arm64 binary (cross compiler, qemu).
image_pkgs=(mmdebstrap buildah podman runc conmon qemu-user-static gcc-aarch64-linux-gnu
	binutils-aarch64-linux-gnu)
cache_dir=${PCA_CACHE_DIR:-/var/cache/pca-issuer}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

# Installs the named Debian packages that are not installed yet.
ensure_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
		sudo=(sudo)
	fi
	say "installing ${missing[*]}"
	# The package lists are fetched only when something is missing.
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

python_bin() {
	command -v python3 || die "python3 is needed for the tests"
}

check_python_modules() {
	local py
	py=$(python_bin)
	"$py" -c 'import moto, boto3, botocore, cryptography, requests, yaml' 2>/dev/null ||
		die "the tests need Python modules moto (5.x), boto3, cryptography, requests and PyYAML for $py"
}

configure_and_build() {
	local dir=$1
	shift
	if [ ! -f "$dir/CMakeCache.txt" ]; then
		cmake -S "$top" -B "$dir" -DPython3_EXECUTABLE="$(python_bin)" "$@" >/dev/null
	fi
	cmake --build "$dir" -j"$jobs"
}

cmd_build() {
	ensure_pkgs "${build_pkgs[@]}"
	say "building build/pca-issuer"
	configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPCA_WERROR=ON
	"$top/build/pca-issuer" --version
}

# The image for amd64 and arm64, from the native build and a cross build
# against an arm64 sysroot of Debian's -dev packages.
cmd_image() {
	[ "$(id -u)" -eq 0 ] || die "./build.sh image needs root (mmdebstrap and buildah run as root)"
	ensure_pkgs "${build_pkgs[@]}" "${image_pkgs[@]}"
	cmd_build
	local sysroot
	sysroot=$(container/sysroot.sh arm64 "$cache_dir/sysroot-arm64")
	say "building build-arm64/pca-issuer (cross, warnings are errors)"
	configure_and_build build-arm64 -DCMAKE_TOOLCHAIN_FILE="$top/container/aarch64-linux-gnu.cmake" \
		-DPCA_SYSROOT="$sysroot" -DPCA_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPCA_WERROR=ON
	container/image.sh amd64=build/pca-issuer arm64=build-arm64/pca-issuer
}

# Counts of what ran, for the closing summary line.
passed=0
failed=0

# Runs ctest with the given arguments and adds its counts to the summary.
run_ctest() {
	local dir=$1 log rc=0
	shift
	log=$(mktemp)
	(cd "$dir" && "$@") 2>&1 | tee "$log" || rc=$?
	local line total nfail
	line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
	rm -f "$log"
	if [ -n "$line" ]; then
		total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
		nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
		passed=$((passed + total - nfail))
		failed=$((failed + nfail))
	fi
	return "$rc"
}

cmd_fuzz_smoke() {
	local t runs=${PCA_FUZZ_RUNS:-20000}
	say "building the fuzz targets with clang"
	CC=clang configure_and_build build-fuzz -DPCA_FUZZ=ON -DPCA_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=Debug
	for t in build-fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		local name corpus
		name=$(basename "$t")
		corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
		mkdir -p build-fuzz/corpus-"$name"
		say "fuzzing $name for $runs runs"
		"$t" -runs="$runs" -max_len=65536 build-fuzz/corpus-"$name" \
			$( [ -d "$corpus" ] && echo "$corpus" ) >build-fuzz/"$name".log 2>&1 ||
			{ tail -40 build-fuzz/"$name".log; die "fuzz target $name failed"; }
		passed=$((passed + 1))
	done
}

# Long fuzzing runs, not part of CI: each target for the given seconds on a
# working copy of its corpus; what covers new code is merged back.
cmd_fuzz() {
	local secs=${1:-600} t name corpus work log units cov rss
	[[ "$secs" =~ ^[0-9]+$ ]] || die "fuzz: SECONDS must be a whole number, not '$secs'"
	ensure_pkgs "${build_pkgs[@]}" clang libclang-rt-14-dev
	say "building the fuzz targets with clang"
	CC=clang configure_and_build build-fuzz -DPCA_FUZZ=ON -DPCA_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=Debug
	printf '%-20s %12s %14s %8s %10s\n' target inputs/s inputs coverage "peak RSS"
	for t in build-fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
		work=build-fuzz/long-"$name"
		log=build-fuzz/long-"$name".log
		mkdir -p "$work" "$corpus"
		(cd build-fuzz && "../$t" -max_total_time="$secs" -max_len=65536 \
			-print_final_stats=1 "../$work" "$corpus") >"$log" 2>&1 || {
			tail -60 "$log"
			ls -1 build-fuzz/crash-* build-fuzz/leak-* build-fuzz/timeout-* 2>/dev/null || true
			die "fuzz target $name found a problem: its input and stack are above"
		}
		units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
		printf '%-20s %12d %14d %8s %8s MB\n' "$name" $((units / (secs > 0 ? secs : 1))) \
			"$units" "${cov:-?}" "${rss:-?}"
		# Only inputs that reach new code go back into the repository's corpus.
		"$t" -merge=1 "$corpus" "$work" >>"$log" 2>&1 ||
			die "merging $name's corpus failed; see $log"
	done
	say "corpus changes, to commit: git status tests/fuzz/corpus"
}

cmd_test() {
	ensure_pkgs "${build_pkgs[@]}" "${test_pkgs[@]}"
	check_python_modules
	if [ -x tests/cluster/build-kube-apiserver.sh ]; then
		say "making sure the test kube-apiserver is built (cached)"
		tests/cluster/build-kube-apiserver.sh >/dev/null
	fi
	say "building (warnings are errors)"
	configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPCA_WERROR=ON
	# The image tests (label image) run what this builds.
	cmd_image
	say "running the tests"
	run_ctest build ctest --output-on-failure -LE bench -j"$jobs"
	say "running the unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
	configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DPCA_WERROR=ON -DPCA_SANITIZE=ON
	run_ctest build-asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -L unit -j"$jobs"
	cmd_fuzz_smoke
	# ctest, the sanitizer run and the fuzz targets together.
	echo "total: $passed passed, $failed failed"
}

cmd_bench() {
	ensure_pkgs "${build_pkgs[@]}" "${test_pkgs[@]}"
	check_python_modules
	[ -x tests/cluster/build-kube-apiserver.sh ] && tests/cluster/build-kube-apiserver.sh >/dev/null
	configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPCA_WERROR=ON
	(cd build && ctest -L bench -V --output-on-failure) |
		grep -vE '^(UpdateCTestConfiguration|Parse Config|Constructing|Checking test|Test project|Updating test list|Added test|Test command|Environment variables|Test timeout|test [0-9]+$| *PCA_|PYTHON)' 
}

cmd_demo() {
	ensure_pkgs "${build_pkgs[@]}" "${test_pkgs[@]}"
	check_python_modules
	tests/cluster/build-kube-apiserver.sh >/dev/null
	configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPCA_WERROR=ON
	exec "$(python_bin)" tests/demo/demo.py "$@"
}

cmd_format() {
	find core aws kube config handlers tests -name '*.[ch]' -print0 | xargs -0 clang-format -i
}

case "${1:-build}" in
build) cmd_build ;;
test) cmd_test ;;
image) cmd_image ;;
bench) cmd_bench ;;
demo) shift; cmd_demo "$@" ;;
format) cmd_format ;;
fuzz) shift; cmd_fuzz "$@" ;;
-h | --help | help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown command '$1' (try ./build.sh help)" ;;
esac

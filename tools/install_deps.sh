#!/usr/bin/env bash
# Install, idempotently, every Debian package ember's build, tests and
# benchmarks need. Safe to run again: apt skips what is already there.
set -euo pipefail

PKGS=(make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev libncurses-dev
      libcmocka-dev binutils elfutils python3 linux-perf bpftrace clang-format
      heaptrack tmux chromium protobuf-compiler htop libfuzzer-14-dev)

# The tests' second independent pprof decoder (tests/integration/test_output.py),
# from npm into a cache outside the repository; skipped without npm.
PPROF_FORMAT=pprof-format@2.3.2
NPM_DIR="${EMBER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ember}/npm"

npm_deps() {
	if [ -d "$NPM_DIR/node_modules/pprof-format" ]; then
		return
	fi
	if ! command -v npm >/dev/null; then
		echo "deps: no npm: the pprof-format decoder test will be skipped"
		return
	fi
	echo "deps: installing $PPROF_FORMAT into $NPM_DIR"
	mkdir -p "$NPM_DIR"
	npm install --prefix "$NPM_DIR" --no-audit --no-fund --silent "$PPROF_FORMAT" ||
		echo "deps: warning: npm could not install $PPROF_FORMAT: its test will be skipped" >&2
}

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	npm_deps
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run 'sudo make deps'" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_deps

#!/usr/bin/env bash
# Install, idempotently, every Debian package ember's build, tests and
# benchmarks need. Safe to run again: apt skips what is already there.
set -euo pipefail

PKGS=(make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev libncurses-dev
      libcmocka-dev binutils elfutils python3 linux-perf bpftrace clang-format
      heaptrack tmux chromium)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
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

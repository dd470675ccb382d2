#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Cost per malloc+free pair of ember -e alloc / -e leak (with and without
# --sample-bytes) against bare uprobes, bpftrace and heaptrack; see
# tools/bench_alloc.py.
#
#   tools/bench_alloc.sh [EMBER [WORKLOADS [OPTIONS]]]   e.g. build/ember build/workloads
#                                                 (OPTIONS: bench_alloc.py's, e.g. --rounds 7)
#   QUICK=1 tools/bench_alloc.sh ...             shorter, noisier run
#
# Prints a plain table, then the same results as markdown for the README.
set -euo pipefail

ember=${1:-build/ember}
workloads=${2:-build/workloads}
shift $(($# < 2 ? $# : 2))
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (uprobes, BPF)" >&2
	exit 1
fi
for f in "$ember" "$workloads/alloc_bench"; do
	[ -x "$f" ] || { echo "bench: $f missing; run make first" >&2; exit 1; }
done
for t in readelf ldd; do
	command -v "$t" >/dev/null || { echo "bench: $t missing (binutils, libc-bin)" >&2; exit 1; }
done
command -v bpftrace >/dev/null || echo "bench: bpftrace not installed; skipping bpftrace" >&2
command -v heaptrack >/dev/null ||
	echo "bench: heaptrack not installed (apt-get install heaptrack); skipping heaptrack" >&2

args=(--ember "$ember" --workloads "$workloads")
case "${QUICK:-0}" in
	0|"") ;;
	*) args+=(--quick) ;;
esac
exec python3 "$here/bench_alloc.py" "${args[@]}" "$@"

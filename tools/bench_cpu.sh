#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# CPU overhead of ember against perf; see tools/bench_cpu.py.
#
#   tools/bench_cpu.sh [EMBER [WORKLOADS]]     (make bench)
#   QUICK=1 tools/bench_cpu.sh ...             shorter, noisier run
#
# Prints a plain table, then the same results as markdown for the README.
set -euo pipefail

ember=${1:-build/ember}
workloads=${2:-build/workloads}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (ember and perf -a load BPF / system-wide events)" >&2
	exit 1
fi
for f in "$ember" "$workloads/bench_work" "$workloads/spinner"; do
	[ -x "$f" ] || { echo "bench: $f missing; run make first" >&2; exit 1; }
done
command -v perf >/dev/null || echo "bench: perf not installed; measuring ember only" >&2

args=(--ember "$ember" --workloads "$workloads")
case "${QUICK:-0}" in
	0|"") ;;
	*) args+=(--quick) ;;
esac
exec python3 "$here/bench_cpu.py" "${args[@]}"

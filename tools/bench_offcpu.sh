#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Cost per context switch of ember -e offcpu against bcc's offcputime,
# bpftrace and perf; see tools/bench_offcpu.py.
#
#   tools/bench_offcpu.sh [EMBER [WORKLOADS]]     e.g. build/ember build/workloads
#   QUICK=1 tools/bench_offcpu.sh ...             shorter, noisier run
#
# Prints a plain table, then the same results as markdown for the README.
set -euo pipefail

ember=${1:-build/ember}
workloads=${2:-build/workloads}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (every tool attaches system-wide)" >&2
	exit 1
fi
for f in "$ember" "$workloads/offcpu_work"; do
	[ -x "$f" ] || { echo "bench: $f missing; run make first" >&2; exit 1; }
done
command -v taskset >/dev/null || { echo "bench: taskset (util-linux) missing" >&2; exit 1; }
[ -x /usr/sbin/offcputime-bpfcc ] ||
	echo "bench: /usr/sbin/offcputime-bpfcc missing (apt-get install bpfcc-tools); skipping bcc" >&2
command -v perf >/dev/null || echo "bench: perf not installed; skipping perf" >&2

args=(--ember "$ember" --workloads "$workloads")
case "${QUICK:-0}" in
	0|"") ;;
	*) args+=(--quick) ;;
esac
exec python3 "$here/bench_offcpu.py" "${args[@]}"

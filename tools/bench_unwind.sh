#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# User-stack walks side by side; see tools/bench_unwind.py.
#
#   tools/bench_unwind.sh [EMBER [WORKLOADS]]     (make bench-unwind)
set -euo pipefail

ember=${1:-build/ember}
workloads=${2:-build/workloads}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (ember loads BPF; bpf_stats)" >&2
	exit 1
fi
for f in "$ember" "$workloads/nofp_work"; do
	[ -x "$f" ] || { echo "bench: $f missing; run make first" >&2; exit 1; }
done
command -v bpftool >/dev/null || { echo "bench: bpftool missing" >&2; exit 1; }
exec python3 "$here/bench_unwind.py" --ember "$ember" --workloads "$workloads"

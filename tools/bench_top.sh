#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The cost of ember top's live view at one refresh a second (its own CPU
# and its BPF programs' run time) side by side with procps top and htop;
# see tools/bench_top.py.
#
#   tools/bench_top.sh [EMBER [WORKLOADS]]     e.g. build/ember build/workloads
#   QUICK=1 tools/bench_top.sh ...             15 s per tool instead of 60 s
#   tools/bench_top.sh EMBER WORKLOADS --trend 25 --churn 5 --step 60
#                                              one long run of ember top -b
#
# Prints a plain table, then the same results as markdown for the README.
set -euo pipefail

ember=${1:-build/ember}
workloads=${2:-build/workloads}
shift $(($# < 2 ? $# : 2))
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs root (ember top attaches system-wide)" >&2
	exit 1
fi
for f in "$ember" "$workloads/spinner"; do
	[ -x "$f" ] || { echo "bench: $f missing; run make first" >&2; exit 1; }
done
command -v top >/dev/null || echo "bench: top (procps) not installed; skipping procps top" >&2
command -v htop >/dev/null || echo "bench: htop not installed; skipping htop" >&2
command -v tmux >/dev/null ||
	echo "bench: tmux not installed; skipping htop and the live view (they need a terminal)" >&2

args=(--ember "$ember" --workloads "$workloads")
case "${QUICK:-0}" in
	0|"") ;;
	*) args+=(--quick) ;;
esac
exec python3 "$here/bench_top.py" "${args[@]}" "$@"

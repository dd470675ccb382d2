#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Time and peak memory of `ember flamegraph` on a generated folded file of
# 100 000 unique stacks, side by side with flamegraph.pl when it is on the
# PATH or can be cloned (needs network; skipped with a message otherwise);
# see tools/bench_flamegraph.py.
#
#   tools/bench_flamegraph.sh [EMBER [OPTIONS]]   e.g. build/ember --rounds 9
#
# Needs no root. Prints a plain table, then the same as markdown.
set -euo pipefail

ember=${1:-build/ember}
shift $(($# < 1 ? $# : 1))
here=$(cd "$(dirname "$0")" && pwd)

[ -x "$ember" ] || { echo "bench: $ember missing; run make first" >&2; exit 1; }
exec python3 "$here/bench_flamegraph.py" --ember "$ember" "$@"

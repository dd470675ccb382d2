#!/usr/bin/env bash
# Unwind table builds (user/unwind/) on this machine: every distinct
# executable file mapped by a process (/proc/*/maps, opened through
# map_files as ember will), then libc, ld.so, python3.11 and pyenv's
# libpython with their rule census; best of 5 builds each.
#   bench_unwind_tables.sh DRIVER    (make bench-unwind-tables)
set -euo pipefail
drv=$1
echo "== every executable file mapped on this machine (best of 3)"
"$drv" -r 3 --maps
files=(/lib/x86_64-linux-gnu/libc.so.6 /lib64/ld-linux-x86-64.so.2)
[ -x /usr/bin/python3.11 ] && files+=(/usr/bin/python3.11)
if command -v pyenv >/dev/null 2>&1; then
	for f in "$(pyenv root)"/versions/*/lib/libpython3.*.so.1.0; do
		[ -f "$f" ] && [ ! -L "$f" ] && files+=("$f")
	done
fi
echo "== named files (best of 5), with their rule census"
"$drv" -r 5 --classes "${files[@]}"

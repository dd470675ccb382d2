#!/usr/bin/env bash
# Regenerate vmlinux/vmlinux.h from the running kernel's BTF (or a BTF file
# given as $1). The header is checked in so that builds need no BTF; CO-RE
# relocates field offsets at load time on whatever kernel runs ember.
set -euo pipefail
btf=${1:-/sys/kernel/btf/vmlinux}
out=$(dirname "$0")/../vmlinux/vmlinux.h
[ -r "$btf" ] || { echo "gen_vmlinux_h: cannot read $btf: pass a BTF file or boot a kernel with CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $btf"

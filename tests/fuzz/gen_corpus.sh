#!/usr/bin/env bash
# Seed corpora for the fuzz harnesses, generated, never committed:
#   gen_corpus.sh GEN_SEEDS OUT   writes OUT/NAME/ for each harness fuzz_NAME
# From ember's own writers (GEN_SEEDS: pprof and folded), small ELF files
# compiled here like the ELF unit tests' fixtures, and this machine's /proc.
set -euo pipefail
gen=$1
out=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ember-seeds.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"
"$gen" "$tmp/gen"

# ---- folded stacks and pprof: the writers' output, and hand-written text
mkdir -p "$out/folded" "$out/pprof" "$out/protobuf"
cp "$tmp/gen/folded/"* "$out/folded/"
cp "$tmp/gen/pprof/"* "$out/pprof/"
cp "$tmp/gen/protobuf/"* "$out/protobuf/"
# perf's stackcollapse-perf, kernel frames suffixed
printf 'swapper;secondary_startup_64_[k];cpu_startup_entry_[k];do_idle_[k] 310\nbash;main;execute_command;__GI___fork;entry_SYSCALL_64_[k] 7\n' \
	>"$out/folded/perf.folded"
# py-spy --format raw; a tab before the count; CRLF line ends; markers
printf 'process 1234:"python3 app.py";<module> (app.py:10);run (app.py:5);work (lib/x.py:77)\t12\r\n' \
	>"$out/folded/pyspy.folded"
printf '# ember: event wall, values in microseconds\nsleeper;main;nanosleep;[off-cpu] 1000000\nsleeper;main;spin;[runnable] 2500\n\nsleeper;main;spin 999\n' \
	>"$out/folded/wall.folded"
printf 'a;b;c 1\na;b 2\na 3\nb;a 9223372036854775000\n' >"$out/folded/large.folded"

# ---- protobuf: also a message of every wire type
printf '\x08\x96\x01\x11\x01\x02\x03\x04\x05\x06\x07\x08\x1a\x03abc\x25\x01\x02\x03\x04\x22\x04\x01\x82\x01\x03' \
	>"$out/protobuf/wire_types"

# ---- ELF files: a program, a library, debug files split off, by
# debuglink and by build id (the harness's input is A, SEP, then B: see
# fuzz_elf.c), compressed debug sections, an object file, /bin/true, the vDSO
mkdir -p "$out/elf" "$out/alloc_sites"
cat >"$tmp/src.c" <<'EOF'
#include <stdlib.h>
volatile int sink;
int data_var = 42;
__attribute__((noinline)) int func_small(int x) { return x + 1; }
__attribute__((noinline)) int func_medium(int x)
{ int s = 0; for (int i = 0; i < x; i++) s += i * func_small(i); return s; }
__attribute__((noinline)) static int static_func(int x)
{ for (int i = 0; i < x; i++) sink += i * 7 + x; return sink; }
__attribute__((noinline, weak)) int weak_func(int x) { sink = x; return x * 3; }
#ifdef VARIANT
__attribute__((noinline)) int variant_only(int x) { return x * 5 + sink; }
#endif
#ifndef LIB
int main(int argc, char **argv)
{ (void)argv; return func_medium(argc) + weak_func(argc) + static_func(argc) + data_var; }
#endif
EOF
cc="gcc -O1 -fno-inline -fno-omit-frame-pointer -Wl,--build-id"
# SEP then the place of B (fuzz_elf.c): 0-2 by debuglink, 3 by build id
sep() { printf '\n--ember-fuzz: debug file %s--\n' "$1"; }
$cc "$tmp/src.c" -o "$tmp/prog"
$cc -DLIB -shared -fPIC "$tmp/src.c" -o "$tmp/lib.so"
gcc -O1 -c "$tmp/src.c" -o "$tmp/src.o"
$cc -g -gz=zlib "$tmp/src.c" -o "$tmp/prog_gz"
cp "$tmp/prog" "$out/elf/prog"
cp "$tmp/lib.so" "$out/elf/lib.so"
cp "$tmp/src.o" "$out/elf/src.o"
cp "$tmp/prog_gz" "$out/elf/prog_gz"
cp "$tmp/gen/elf/vdso" "$out/elf/vdso" 2>/dev/null || true
cp /bin/true "$out/elf/true"
# stripped with a debuglink to a.debug (the name fuzz_elf.c places B at)
(cd "$tmp" && objcopy --only-keep-debug prog a.debug &&
	objcopy --strip-all --add-gnu-debuglink=a.debug prog prog.stripped)
for p in 0 1 2 3; do
	{ cat "$tmp/prog.stripped"; sep $p; cat "$tmp/a.debug"; } >"$out/elf/debug_$p"
done
(cd "$tmp" && objcopy --only-keep-debug lib.so a.debug &&
	objcopy --strip-all --add-gnu-debuglink=a.debug lib.so lib.stripped)
{ cat "$tmp/lib.stripped"; sep 0; cat "$tmp/a.debug"; } >"$out/elf/debug_lib"
# a debug file of another build (rejected: its CRC, its build id)
$cc -DVARIANT "$tmp/src.c" -o "$tmp/prog2"
(cd "$tmp" && objcopy --only-keep-debug prog2 b.debug)
{ cat "$tmp/prog.stripped"; sep 1; cat "$tmp/b.debug"; } >"$out/elf/debug_other"
{ cat "$tmp/prog.stripped"; sep 3; cat "$tmp/b.debug"; } >"$out/elf/debug_other_id"

# allocator entry points: a tiny allocator library and the files above
cat >"$tmp/alloc.c" <<'EOF'
#include <stddef.h>
#include <sys/types.h>
static char heap[1 << 16];
static size_t used;
void *malloc(size_t n) { void *p = heap + used; used += (n + 15) & ~15UL; return p; }
void free(void *p) { if (!p) return; used -= 0; }
void *calloc(size_t a, size_t b) { return malloc(a * b); }
void *realloc(void *p, size_t n) { (void)p; return malloc(n); }
void *reallocarray(void *p, size_t a, size_t b) { return realloc(p, a * b); }
void *memalign(size_t a, size_t n) { (void)a; return malloc(n); }
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **r, size_t a, size_t n) { *r = memalign(a, n); return 0; }
void *valloc(size_t n) { return malloc(n); }
void *_Znwm(size_t n) { return malloc(n); }
void _ZdlPv(void *p) { free(p); }
void *je_malloc(size_t n) { return malloc(n); }
void *mallocx(size_t n, int f) { (void)f; return malloc(n); }
EOF
gcc -O1 -fcf-protection -shared -fPIC -Wl,--build-id "$tmp/alloc.c" -o "$out/alloc_sites/liballoc.so"
gcc -O2 -shared -fPIC -Wl,-z,now "$tmp/alloc.c" -o "$out/alloc_sites/liballoc_now.so"
cp "$tmp/prog" "$tmp/lib.so" /bin/true "$out/alloc_sites/"
# a library calling malloc through its PLT (wrappers follow the stub)
printf '#include <stdlib.h>\nvoid *_Znwm(size_t n) { return malloc(n); }\nvoid *tc_malloc(size_t n) { return malloc(n + 1); }\n' >"$tmp/wrap.c"
gcc -O1 -shared -fPIC "$tmp/wrap.c" -o "$out/alloc_sites/libwrap.so"

# ---- unwind tables: ELF files with .eh_frame (PLT, S CIE in a static
# glibc, realigned frames), .debug_frame only, and the vDSO
mkdir -p "$out/unwind_table"
cat >"$tmp/unw.c" <<'EOF2'
#include <signal.h>
volatile int sink;
__attribute__((noinline)) int leaf(int x) { return x * 3 + sink; }
__attribute__((noinline)) int aligned(int x)
{ volatile char buf[64] __attribute__((aligned(64))); char *p = __builtin_alloca(x + 1);
  p[0] = (char)x; buf[x & 63] = p[0]; sink = buf[1]; return leaf(x) + buf[2]; }
static void handler(int sig) { sink = sig; }
int main(int argc, char **argv) { (void)argv; signal(SIGUSR1, handler); return aligned(argc); }
EOF2
gcc -O1 -fno-inline "$tmp/unw.c" -o "$out/unwind_table/prog"
gcc -O2 -fno-omit-frame-pointer -shared -fPIC -DLIB "$tmp/unw.c" -o "$out/unwind_table/fp.so"
gcc -O1 -fno-asynchronous-unwind-tables -fno-unwind-tables -g "$tmp/unw.c" -o "$out/unwind_table/debug_frame"
gcc -O1 -static "$tmp/unw.c" -o "$tmp/unw_static" && strip -o "$out/unwind_table/static" "$tmp/unw_static"
cp "$tmp/gen/elf/vdso" "$out/unwind_table/vdso" 2>/dev/null || true
cp /bin/true "$out/unwind_table/true"

# ---- x86-64 machine code: the .text of the files above, raw
mkdir -p "$out/x86_insn"
for f in prog lib.so; do
	objcopy -O binary --only-section=.text "$tmp/$f" "$out/x86_insn/$f.text"
done
objcopy -O binary --only-section=.text "$out/alloc_sites/liballoc.so" "$out/x86_insn/liballoc.text"

# ---- /proc/PID/maps: a shell's own (small files), and odd lines
mkdir -p "$out/proc_maps"
cat /proc/self/maps >"$out/proc_maps/cat"
printf '%s\n' \
	'55d0c0a00000-55d0c0a21000 r-xp 00002000 08:01 1311 /bin/true (deleted)' \
	'7f0000000000-7f0000001000 r-xp 00000000 00:00 0 ' \
	'7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]' \
	'7ffc000fe000-7ffc00100000 r-xp 00000000 00:00 0                          [vdso]' \
	'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]' \
	'7f1000000000-7f1000010000 r-xp 00001000 fd:00 99 /tmp/a path with spaces' \
	'not a maps line' \
	>"$out/proc_maps/odd"

# ---- /proc/kallsyms: the start, module symbols, and kptr_restrict's zeros
mkdir -p "$out/ksyms"
head -200 /proc/kallsyms >"$out/ksyms/head"
grep -m 100 '\[' /proc/kallsyms >"$out/ksyms/modules" || true
head -50 /proc/kallsyms | sed 's/^[0-9a-f]*/0000000000000000/' >"$out/ksyms/zeros"

# ---- procfs: the first byte picks the parser (enum which in fuzz_procfs.c)
mkdir -p "$out/procfs"
seed() { # seed INDEX NAME FILE...
	local i=$1 name=$2
	shift 2
	{ printf "\\x$(printf %02x "$i")"; cat "$@" 2>/dev/null || true; } >"$out/procfs/$name"
}
seed 0 stat /proc/stat
seed 1 meminfo /proc/meminfo
seed 2 loadavg /proc/loadavg
seed 3 diskstats /proc/diskstats
seed 4 net_dev /proc/net/dev
seed 5 pid_stat /proc/self/stat
seed 6 pid_status /proc/self/status
seed 7 pid_io /proc/self/io
seed 8 smaps_rollup /proc/self/smaps_rollup
seed 9 cpulist /sys/devices/system/cpu/online
seed 10 schedstat /proc/self/schedstat
printf '\x05' >"$tmp/odd_stat"
printf '1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 777 10000000 250 18446744073709551615\n' >>"$tmp/odd_stat"
cp "$tmp/odd_stat" "$out/procfs/pid_stat_comm"
printf '\x090-3,5,7-11\n' >"$out/procfs/cpulist_ranges"

echo "fuzz corpus: $(find "$out" -type f | wc -l) seeds in $out"

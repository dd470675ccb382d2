# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Robustness checks of issue 12 kept as tests, run by run.py (-k Robust).

- accounting: one profile's samples are F x the workload's own CPU time
  (getrusage), and every output (folded, pprof, JSON, SVG, report, the
  summary line) sums to the same number;
- kill -9: twenty recordings with uprobes SIGKILLed once attached leave no
  BPF program or link behind, and no breakpoint in the target's libc;
- SIGINT during -e leak writes the exact outstanding bytes, promptly;
- corrupt ELF files mapped executable by a running process, and a mapped
  library truncated and rewritten while ember reads it: no crash and no
  sanitizer report (ASan/UBSan build, build-san/ember, when there is one);
- hostile process and function names (</script>, ;, ", <, &, ]]>, invalid
  UTF-8, spaces) come out valid in every format.

The programs are compiled here. Each burns until it has had a given amount
of its own CPU time, or until killed; expectations come from what it got,
never from wall time.
"""
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
import zlib

import run  # run.py (registered under this name by its main())
from run import EMBER, EmberTest, SUMMARY, folded_problems, kill, start, summary_lines, wl
from test_alloc import BIG, Folded, LEAK_SUMMARY, Workload, truths
from test_flamegraph import Svg
from test_output import SCHEMA, Pprof

CC = shutil.which("gcc") or shutil.which("cc")
CFLAGS = ["-O1", "-fno-omit-frame-pointer", "-fno-inline"]
SANITIZER = re.compile(r"runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer"
                       r"|ERROR: .*Sanitizer")


def compile_c(src, out, extra=()):
    path = out + ".c"
    with open(path, "w") as f:
        f.write(src)
    subprocess.run([CC] + CFLAGS + list(extra) + ["-o", out, path], check=True, timeout=60)
    return out


def san_ember():
    """(path, is_san): the ASan/UBSan build: $EMBER_SAN, EMBER itself when it
    is one, else build-san/ember beside EMBER's build directory."""
    env = os.environ.get("EMBER_SAN")
    if env:
        return env, True
    if os.sep + "build-san" + os.sep in EMBER:
        return EMBER, True
    cand = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(EMBER))),
                        "build-san", "ember")
    if os.access(cand, os.X_OK):
        return cand, True
    return EMBER, False


_noted = set()


def note_no_san(test):
    if test not in _noted:
        _noted.add(test)
        sys.stdout.write("\nnote: %s: no build-san/ember (make SAN=1 build-san/ember), "
                         "ran %s\n" % (test, EMBER))


# ----------------------------------------------------------------- workloads

# K threads burn until each has had SECONDS of its own CPU time; then the
# process prints its CPU time (user + system, all threads) in microseconds.
BUSY_SRC = r"""
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double secs;
volatile unsigned long sink;

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void robust_burn(void)
{
	for (unsigned long i = 0; i < 100000; i++)
		sink += i * i;
}

static void *burner(void *arg)
{
	time_t cap = time(NULL) + (time_t)(secs * 30) + 10;

	(void)arg;
	while (thread_cpu() < secs && time(NULL) < cap)
		robust_burn();
	return NULL;
}

int main(int argc, char **argv)
{
	int k = atoi(argv[1]);
	pthread_t th[64];
	struct rusage ru;

	secs = atof(argv[2]);
	for (int i = 0; i < k && i < 64; i++)
		if (pthread_create(&th[i], NULL, burner, NULL))
			return 1;
	for (int i = 0; i < k && i < 64; i++)
		pthread_join(th[i], NULL);
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_us %ld\n", (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	return 0;
}
"""

# The library every corrupt variant is made from. lib_spin touches no memory
# (a loop in registers behind a frame-pointer prologue), so it runs wherever
# the file is mapped, loader or not.
SPIN_LIB_SRC = r"""
__attribute__((noinline)) unsigned long lib_spin(unsigned long n)
{
	unsigned long x = 0;

	for (unsigned long i = 0; i < n; i++)
		__asm__ volatile("" : "+r"(x) : "r"(i));
	return x;
}

volatile unsigned long lib_data = 1;

unsigned long lib_other(void)
{
	return lib_data * 3;
}
"""

# Usage: host SPIN_OFFSET FILE...: maps every FILE whole with
# mmap(PROT_READ|PROT_EXEC, MAP_PRIVATE) (dlopen would refuse most), prints
# "ready PID N" (N: the files whose bytes at SPIN_OFFSET are there to run),
# then calls lib_spin inside each of those mappings in turn until killed
# (at most 300 s). Stacks: main;host_loop;<the mapping's frame>.
HOST_SRC = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef unsigned long (*spin_fn)(unsigned long);
volatile unsigned long sink;

__attribute__((noinline)) void host_loop(spin_fn *fns, int n)
{
	time_t cap = time(NULL) + 300;

	while (time(NULL) < cap)
		for (int i = 0; i < n; i++)
			sink += fns[i](20000);
}

int main(int argc, char **argv)
{
	unsigned long off = strtoul(argv[1], NULL, 0);
	spin_fn *fns = calloc(argc, sizeof(*fns));
	int n = 0;

	for (int i = 2; i < argc; i++) {
		struct stat st;
		int fd = open(argv[i], O_RDONLY);
		char *p;

		if (fd < 0 || fstat(fd, &st) || !st.st_size) {
			perror(argv[i]);
			return 1;
		}
		p = mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		close(fd);
		if ((unsigned long)st.st_size >= off + 64)
			fns[n++] = (spin_fn)(p + off);
	}
	printf("ready %d %d\n", getpid(), n);
	fflush(stdout);
	host_loop(fns, n);
	return 0;
}
"""

# Usage: victim LIB SECONDS: dlopens LIB, waits for a line on stdin, burns
# SECONDS of its own CPU time in LIB's lib_work, prints "phase2" and from
# then on burns in its own victim_burn, never touching LIB again, until
# killed (at most 300 s); it leaves by _exit, so not even LIB's destructors
# run.
VICTIM_SRC = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long sink;

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void victim_burn(void)
{
	for (unsigned long i = 0; i < 100000; i++)
		sink += i * i;
}

int main(int argc, char **argv)
{
	void *h = dlopen(argv[1], RTLD_NOW);
	void (*work)(void);
	double want = atof(argv[2]), t0;
	time_t cap = time(NULL) + 300;
	char line[16];

	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	work = (void (*)(void))dlsym(h, "lib_work");
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	t0 = cpu_seconds();
	while (cpu_seconds() - t0 < want && time(NULL) < cap)
		work();
	printf("phase2\n");
	fflush(stdout);
	while (time(NULL) < cap)
		victim_burn();
	_exit(0);
}
"""

VICTIM_LIB_SRC = r"""
volatile unsigned long lib_sink;

__attribute__((noinline)) void lib_work(void)
{
	for (unsigned long i = 0; i < 200000; i++)
		lib_sink += i * i;
}
"""

# Hostile names: (placeholder C name, bytes patched over it in the binary).
# Same length, no NUL: the string tables keep their layout.
HOSTILE = [
    b"evil</script><script>alert(1)</script>",
    b"semi;colon;name",
    b"quote\"apos'amp&lt<gt>",
    b"bad\xff\xfeutf8",
    b"with spaces in it",
    b"cdata]]>end",
]
HOSTILE_COMM = b"</script> ;\"&\xff"  # 14 bytes: a comm holds 15
PLACEHOLDERS = [("hostile%d_" % i).encode().ljust(len(n), b"Q") for i, n in enumerate(HOSTILE)]


def hostile_src():
    fns = []
    for p in PLACEHOLDERS:
        fns.append("""
__attribute__((noinline)) void %s(void)
{
	for (unsigned long i = 0; i < 100000; i++)
		sink += i * i;
}
""" % p.decode())
    calls = "\n".join("\t\t%s();" % p.decode() for p in PLACEHOLDERS)
    return r"""
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

volatile unsigned long sink;
static const char comm[] = "COMM";
%s
/* Renames itself, prints "ready PID", burns in every function in turn
 * until killed (at most 300 s). */
int main(void)
{
	time_t cap = time(NULL) + 300;

	prctl(PR_SET_NAME, comm);
	printf("ready %%d\n", getpid());
	fflush(stdout);
	while (time(NULL) < cap) {
%s
	}
	return 0;
}
""" % ("".join(fns), calls)


def c_string(b):
    return "".join(chr(c) if 0x20 <= c < 0x7f and c not in b'"\\?' else "\\%03o" % c for c in b)


# ----------------------------------------------------------------- ELF surgery

SHF_COMPRESSED = 0x800
SHT_NOTE = 7


class Elf:
    """An ELF64 little-endian file as bytes, with its headers' fields
    readable and writable by name."""

    EH = {"phoff": (0x20, "Q"), "shoff": (0x28, "Q"), "phnum": (0x38, "H"),
          "shnum": (0x3c, "H"), "shstrndx": (0x3e, "H")}
    SH = {"name": (0, "I"), "type": (4, "I"), "flags": (8, "Q"), "addr": (16, "Q"),
          "offset": (24, "Q"), "size": (32, "Q"), "link": (40, "I"), "info": (44, "I"),
          "entsize": (56, "Q")}
    PH = {"type": (0, "I"), "offset": (8, "Q"), "vaddr": (16, "Q"), "paddr": (24, "Q"),
          "filesz": (32, "Q"), "memsz": (40, "Q")}

    def __init__(self, data):
        self.b = bytearray(data)
        self.shoff0, self.shnum0 = self.eh("shoff"), self.eh("shnum")
        self.phoff0, self.phnum0 = self.eh("phoff"), self.eh("phnum")
        strndx = self.eh("shstrndx")
        stroff = self.sh(strndx, "offset")
        self.names = {}
        for i in range(self.shnum0):
            n = self.sh(i, "name")
            end = self.b.index(b"\0", stroff + n)
            self.names[self.b[stroff + n:end].decode()] = i

    def _get(self, off, fmt):
        return struct.unpack_from("<" + fmt, self.b, off)[0]

    def _set(self, off, fmt, v):
        struct.pack_into("<" + fmt, self.b, off, v)

    def eh(self, f, v=None):
        off, fmt = self.EH[f]
        if v is None:
            return self._get(off, fmt)
        self._set(off, fmt, v)

    def sh(self, i, f, v=None):
        off, fmt = self.SH[f]
        off += self.shoff0 + 64 * i
        if v is None:
            return self._get(off, fmt)
        self._set(off, fmt, v)

    def ph(self, i, f, v=None):
        off, fmt = self.PH[f]
        off += self.phoff0 + 56 * i
        if v is None:
            return self._get(off, fmt)
        self._set(off, fmt, v)

    def idx(self, name):
        return self.names[name]

    def content(self, name):
        i = self.idx(name)
        return self.sh(i, "offset"), self.sh(i, "size")

    def loads(self):
        return [i for i in range(self.phnum0) if self.ph(i, "type") == 1]

    def notes(self):
        return [i for i in range(self.shnum0) if self.sh(i, "type") == SHT_NOTE]

    def symbols(self, name):
        off, size = self.content(name)
        return [off + 24 * k for k in range(1, size // 24)]


def corrupt_variants(base, stripped, debuglink_name):
    """{kind: (bytes, extra files {name: bytes})} of 34 corrupt copies of
    base (an unstripped library) and stripped (the same without .symtab,
    with a .gnu_debuglink naming debuglink_name)."""
    rnd = random.Random(12)
    out = {}

    def tag_build_id(e, tag):
        """A build id of its own: files of one build id share the symbols
        of whichever was read first, and each variant must be read."""
        off = e.sh(e.idx(".note.gnu.build-id"), "offset") + 16  # namesz, descsz, type, "GNU"
        struct.pack_into("<H", e.b, off + 18, tag)

    def make(kind, src=base, extra=None, tag=None):
        def deco(fn):
            e = Elf(src)
            tag_build_id(e, 0x8000 + len(out) if tag is None else tag)
            res = fn(e)
            out[kind] = (bytes(res if res is not None else e.b), extra or {})
            return fn
        return deco

    e0 = Elf(base)
    sym_off, sym_size = e0.content(".symtab")

    @make("truncated_in_ident")
    def _(e):
        return e.b[:10]

    @make("truncated_in_ehdr")
    def _(e):
        return e.b[:40]

    @make("truncated_in_phdrs")
    def _(e):
        return e.b[:e.phoff0 + 56 * 2 + 20]

    @make("truncated_after_text")
    def _(e):
        # the rest of the code page stays (lib_spin may end .text), the
        # other segments, the symbols and the section headers go
        text_off, text_size = e.content(".text")
        return e.b[:(text_off + text_size + 4095) & ~4095]

    @make("truncated_in_symtab")
    def _(e):
        return e.b[:sym_off + sym_size // 2 + 5]

    @make("truncated_in_shdrs")
    def _(e):
        return e.b[:-1]

    @make("shoff_huge")
    def _(e):
        e.eh("shoff", 2 ** 64 - 64)

    @make("shnum_huge")
    def _(e):
        e.eh("shnum", 0xfeff)

    @make("shoff_into_code")
    def _(e):
        e.eh("shoff", e.content(".text")[0] & ~7)

    @make("shnum_extended_huge")
    def _(e):
        e.eh("shnum", 0)
        e.sh(0, "size", 2 ** 32 + 7)

    @make("shstrndx_out_of_range")
    def _(e):
        e.eh("shstrndx", e.shnum0 + 10)

    @make("shstrndx_xindex_garbage")
    def _(e):
        e.eh("shstrndx", 0xffff)
        e.sh(0, "link", 0xfffffff0)

    @make("symtab_link_out_of_range")
    def _(e):
        e.sh(e.idx(".symtab"), "link", 0xfff0)

    @make("symtab_link_wrong_strtab")
    def _(e):
        e.sh(e.idx(".symtab"), "link", e.eh("shstrndx"))

    @make("symtab_size_huge")
    def _(e):
        e.sh(e.idx(".symtab"), "size", 2 ** 62)

    @make("symtab_past_eof")
    def _(e):
        e.sh(e.idx(".symtab"), "offset", len(e.b) + 8192)

    @make("strtab_without_nul")
    def _(e):
        off, size = e.content(".strtab")
        e.b[off:off + size] = e.b[off:off + size].replace(b"\0", b"A")

    @make("strtab_size_huge")
    def _(e):
        e.sh(e.idx(".strtab"), "size", 2 ** 40)

    @make("zero_size_sections")
    def _(e):
        for i in range(1, e.shnum0):
            e.sh(i, "size", 0)

    @make("symbol_names_out_of_range")
    def _(e):
        for s in e.symbols(".symtab") + e.symbols(".dynsym"):
            struct.pack_into("<I", e.b, s, 0xfffffff0 - rnd.randrange(64))

    @make("symbol_values_garbage")
    def _(e):
        for s in e.symbols(".symtab") + e.symbols(".dynsym"):
            # st_info FUNC GLOBAL, st_shndx, st_value, st_size
            struct.pack_into("<BBHQQ", e.b, s + 4, 0x12, 0, rnd.randrange(1, 0xff00),
                             rnd.getrandbits(64), 2 ** 64 - 1 - rnd.randrange(2))

    @make("phnum_huge")
    def _(e):
        e.eh("phnum", 0xfffe)

    @make("phoff_huge")
    def _(e):
        e.eh("phoff", 2 ** 63)

    @make("pt_load_huge_overlapping")
    def _(e):
        for i in e.loads():
            e.ph(i, "offset", 0)
            e.ph(i, "vaddr", 0)
            e.ph(i, "filesz", 2 ** 63)
            e.ph(i, "memsz", 2 ** 64 - 1)

    @make("pt_load_wrapping")
    def _(e):
        for i in e.loads():
            e.ph(i, "offset", 2 ** 64 - 4096)
            e.ph(i, "vaddr", 2 ** 64 - 8192)
            e.ph(i, "filesz", 2 ** 20)
            e.ph(i, "memsz", 2 ** 20)

    @make("note_sizes_huge")
    def _(e):
        for i in e.notes():
            struct.pack_into("<II", e.b, e.sh(i, "offset"), 0xffffffff, 0xffffffff)
        for i in range(e.phnum0):
            if e.ph(i, "type") == 4:  # PT_NOTE
                e.ph(i, "filesz", 2 ** 40)

    @make("build_id_note_overlong")
    def _(e):
        i = e.idx(".note.gnu.build-id")
        struct.pack_into("<I", e.b, e.sh(i, "offset") + 4, 0x1000)  # n_descsz
        e.sh(i, "size", 2 ** 40)

    @make("compressed_flag_bad_header")
    def _(e):
        for name in (".symtab", ".strtab"):
            i = e.idx(name)
            e.sh(i, "flags", e.sh(i, "flags") | SHF_COMPRESSED)

    @make("compressed_size_huge")
    def _(e):
        i = e.idx(".symtab")
        e.sh(i, "flags", e.sh(i, "flags") | SHF_COMPRESSED)
        # Elf64_Chdr: ELFCOMPRESS_ZLIB, 2^62 bytes, then not a zlib stream
        struct.pack_into("<IIQQ", e.b, sym_off, 1, 0, 2 ** 62, 8)
        e.b[sym_off + 24:sym_off + 64] = bytes(rnd.getrandbits(8) for _ in range(40))

    @make("ident_class32")
    def _(e):
        e.b[4] = 1  # ELFCLASS32: every header read as 32-bit garbage

    @make("ident_big_endian")
    def _(e):
        e.b[5] = 2  # ELFDATA2MSB: every number byte-swapped

    # stripped copies with a .gnu_debuglink
    s0 = Elf(stripped)
    link_off, link_size = s0.content(".gnu_debuglink")

    @make("debuglink_without_nul", src=stripped)
    def _(e):
        e.b[link_off:link_off + link_size] = b"A" * link_size

    @make("debuglink_names_itself", src=stripped)
    def _(e):
        # filled in by the caller: the variant's own file name
        return e.b

    # the debug file the link names: base with its symbols made garbage,
    # with the right CRC so it is read
    dbg = Elf(base)
    tag_build_id(dbg, 0x7fff)
    for s in dbg.symbols(".symtab"):
        struct.pack_into("<IBBHQQ", dbg.b, s, rnd.getrandbits(32), 0x12, 0,
                         rnd.randrange(1, 0xff00), rnd.getrandbits(64), rnd.getrandbits(64))
    dbg_bytes = bytes(dbg.b)

    @make("debuglink_to_corrupt_debug_file", src=stripped,
          extra={debuglink_name: dbg_bytes}, tag=0x7fff)
    def _(e):
        struct.pack_into("<I", e.b, link_off + link_size - 4, zlib.crc32(dbg_bytes))

    return out, (link_off, link_size)


# ----------------------------------------------------------------- BPF state

def bpftool(what):
    r = subprocess.run(["bpftool", what, "show", "-j"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    if r.returncode:
        raise AssertionError("bpftool %s show: %s" % (what, r.stderr.decode(errors="replace")))
    return json.loads(r.stdout or b"[]")


def bpf_state():
    """({prog id: name}, {link id: (type, prog id)})."""
    progs = {p["id"]: p.get("name", "") for p in bpftool("prog")}
    links = {l["id"]: (l.get("type"), l.get("prog_id")) for l in bpftool("link")}
    return progs, links


def bpf_holders(pids=None):
    """(prog ids, link ids) some live process holds a descriptor of (a
    program's fd, or a link's, which holds its program)."""
    progs, links = set(), set()
    for pid in pids or [d for d in os.listdir("/proc") if d.isdigit()]:
        fddir = "/proc/%s/fd" % pid
        try:
            fds = os.listdir(fddir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fddir, fd))
                if not target.startswith("anon_inode:bpf"):
                    continue
                with open("/proc/%s/fdinfo/%s" % (pid, fd)) as f:
                    info = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
            except OSError:
                continue
            if "prog_id" in info:
                progs.add(int(info["prog_id"]))
            if "link_id" in info:
                links.add(int(info["link_id"]))
    return progs, links


def libc_symbol_offset(path, name):
    """File offset of a dynamic symbol of path (readelf), None if absent."""
    r = subprocess.run(["readelf", "-W", "--dyn-syms", path], stdout=subprocess.PIPE,
                       timeout=30, check=True)
    for line in r.stdout.decode().splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] in ("FUNC", "IFUNC") and f[7].split("@")[0] == name:
            return run.vaddr_to_offset(path, int(f[1], 16))
    return None


def mapped_bytes(pid, path, offset, n):
    """n bytes at file offset of path as the process sees them now."""
    st = os.stat(path)
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 6:
                continue
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            pgoff, inode = int(parts[2], 16), int(parts[4])
            if inode != st.st_ino or not pgoff <= offset < pgoff + (hi - lo):
                continue
            with open("/proc/%d/mem" % pid, "rb") as mem:
                mem.seek(lo + offset - pgoff)
                return mem.read(n)
    return None


# ----------------------------------------------------------------- tests

class TestRobust(EmberTest):
    @classmethod
    def setUpClass(cls):
        cls.bin = os.path.join(run.TMP, "robust-bin")
        os.makedirs(cls.bin, exist_ok=True)

    def build(self, name, src, extra=()):
        out = os.path.join(self.bin, name)
        if not os.path.exists(out):
            compile_c(src, out, extra)
        return out

    def ready(self, p, what):
        line = run.read_line(p, 20)
        self.assertTrue(line and line.startswith("ready"), "%s not ready: %r" % (what, line))
        return line.split()

    # ------------------------------------------------------- accounting

    def test_accounting_identity(self):
        """2 threads x 1.5 s of their own CPU at 999 Hz: samples = F x the
        process's getrusage CPU time within 3%; and the pprof file's samples,
        the SVG drawn from it (root frame), ember report of it, and the
        summary line give one number; the folded, JSON and SVG files that
        record writes directly (a run each) equal their own summary lines,
        and each run's samples are F x its own CPU time."""
        busy = self.build("busy", BUSY_SRC, ["-pthread"])
        F = 999  # at 99 Hz a 3 s run under load varies by +-4% (sampled slices of a few ms)
        schema = os.path.join(self.dir, "profile.proto")
        with open(schema, "w") as f:
            f.write(SCHEMA)

        def record(ext):
            out = os.path.join(self.dir, "acct." + ext)
            st0 = run.machine_steal_s()
            r = run.run([EMBER, "record", "-F", str(F), "-o", out, "--", busy, "2", "1.5"], 120)
            stolen = run.machine_steal_s() - st0
            self.assertEqual(r.rc, 0, "ember failed\n%s\nstdout: %s" % (r, r.out))
            m = re.search(r"^cpu_us (\d+)$", r.out, re.M)
            self.assertTrue(m, "the workload printed no CPU time\n%s\nstdout: %r" % (r, r.out))
            cpu = int(m.group(1)) / 1e6
            s = summary_lines(r.err)
            self.assertEqual(len(s), 1, "want one summary line\n%s" % r)
            n = int(SUMMARY.search(s[0]).group(1))
            want = F * cpu
            ctx = "%s\nworkload CPU %.3f s, F x CPU = %.0f, summary %d, steal %.3f s" % (
                r, cpu, want, n, stolen)
            self.assertGreater(cpu, 2.9, ctx)
            # within 3% of F x CPU; above it by at most the samples that
            # the stolen time can hold (none on a host that steals nothing)
            self.assertGreaterEqual(n, 0.97 * want, "%s: %d samples, F x CPU %.0f (%+.1f%%)\n%s" % (
                ext, n, want, 100.0 * (n - want) / want, ctx))
            self.assertLessEqual(n, 1.03 * (want + F * stolen),
                                 "%s: %d samples, F x (CPU + steal) %.0f (%+.1f%%)\n%s" % (
                                     ext, n, F * (cpu + stolen),
                                     100.0 * (n - want) / want, ctx))
            return out, n, ctx

        # one run: pprof, the SVG drawn from it, report of it
        out, n, ctx = record("pb.gz")
        p = Pprof(self, out, self.dir)
        self.assertEqual(p.total("samples"), n, "pprof samples vs summary\n" + ctx)
        # the command's process: before its exec it is ember's child, named so
        roots = {}
        for fr, v, _ in p.samples:
            roots[fr[0][0]] = roots.get(fr[0][0], 0) + v[0]
        self.assertLessEqual(set(roots), {"busy", "ember"}, ctx)
        self.assertGreater(roots.get("busy", 0), 0.99 * n, "%s\n%s" % (roots, ctx))
        svg_out = os.path.join(self.dir, "from-pprof.svg")
        r = run.run([EMBER, "flamegraph", out, "-o", svg_out], 60)
        self.assertEqual(r.rc, 0, r)
        with open(svg_out, encoding="utf-8") as f:
            svg = Svg(f.read())
        self.assertEqual(svg.by_path[()].value, n, "SVG root (from the pprof) vs summary\n" + ctx)
        self.assertEqual(svg.by_path[("busy",)].value, roots["busy"], ctx)
        r = run.run([EMBER, "report", "--type", "samples", out], 60)
        self.assertEqual(r.rc, 0, r)
        m = re.search(r"^total:\s+(\d+) samples", r.out, re.M)
        self.assertTrue(m, "no total line\n%s" % r.out)
        self.assertEqual(int(m.group(1)), n, "report total vs summary\n%s\n%s" % (r.out, ctx))

        # folded, JSON and SVG written by record itself
        out, n, ctx = record("folded")
        prof = Folded(out)
        self.assertEqual(prof.problems, [], ctx)
        self.assertEqual(prof.total(), n, "folded sum vs summary\n" + ctx)
        r = run.run([EMBER, "report", out], 60)
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out, r"(?m)^total:\s+%d samples" % n, ctx)

        out, n, ctx = record("json")
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["totals"][0], n, "JSON totals vs summary\n" + ctx)
        self.assertEqual(sum(s["values"][0] for s in doc["stacks"]), n,
                         "JSON stacks' sum vs summary\n" + ctx)

        out, n, ctx = record("svg")
        with open(out, encoding="utf-8") as f:
            svg = Svg(f.read())
        self.assertEqual(svg.by_path[()].value, n, "SVG root vs summary\n" + ctx)

    # ------------------------------------------------------- kill -9

    def test_kill9_leaves_nothing(self):
        """20 x record -e cpu,offcpu,alloc -p W, SIGKILLed once attached:
        afterwards no program named as ember's (the names its BPF objects
        loaded in the first round) and no link of them exists that was not
        there before and that no live process holds; W's libc has no
        breakpoint left at any probed site (there was one while attached);
        and one normal run leaves exactly its three outputs in the
        directory, no temporaries."""
        if not shutil.which("bpftool"):
            self.skipTest("bpftool not installed")
        target = start([wl("spinner"), "300"], stdout=subprocess.DEVNULL)
        threading.Thread(target=target.wait, daemon=True).start()
        time.sleep(0.2)
        progs0, links0 = bpf_state()
        out = os.path.join(self.dir, "x.folded")
        argv = [EMBER, "record", "-v", "-q", "-e", "cpu,offcpu,alloc", "-p", str(target.pid),
                "-o", out]
        names, sites, killed = set(), {}, []
        for i in range(20):
            w = run.Watched(argv)
            att = w.wait_line(r"attached", 30)
            if att is None:
                self.fail("round %d: no 'attached' line\n%s" % (i, w.finish(30)))
            if i == 0:
                # what ember has loaded and holds, and where it put breakpoints
                held_progs, held_links = bpf_holders([w.p.pid])
                progs, links = bpf_state()
                names = {progs[p] for p in held_progs if p in progs and p not in progs0}
                self.assertIn("on_sample", names, "ember's programs: %s" % names)
                self.assertIn("malloc_enter", names, "ember's programs: %s" % names)
                self.assertTrue(held_links - set(links0), "ember holds no links")
                for fn, off, path in re.findall(r"alloc: (\w+)\+0x([0-9a-f]+) \((/[^)]+)\)",
                                                w.stderr()):
                    sym = libc_symbol_offset(path, fn)
                    if sym is not None:
                        sites[(fn, path)] = sym + int(off, 16)
                self.assertGreaterEqual(len(sites), 5, "probe sites from -v\n%s" % w.stderr())
                with_bp = [k for k, o in sites.items()
                           if mapped_bytes(target.pid, k[1], o, 1) == b"\xcc"]
                self.assertTrue(with_bp, "no breakpoint seen at any probed site while "
                                "attached (the check below would prove nothing): %s" % sites)
            os.killpg(w.p.pid, signal.SIGKILL)
            # reaped below: the next round attaches while the kernel still
            # removes this one's uprobes (about 1.5 s for 16)
            killed.append(w)
        for i, w in enumerate(killed):
            r = w.finish(60)
            self.assertEqual(r.rc, -signal.SIGKILL, "round %d\n%s" % (i, r))
        killed = [w.p.pid for w in killed]
        self.assertIsNone(target.poll(), "the target died")

        def leftovers():
            progs, links = bpf_state()
            held_progs, held_links = bpf_holders()
            ours = {p for p, n in progs.items() if n in names and p not in progs0}
            bad_progs = {p: progs[p] for p in ours if p not in held_progs}
            bad_links = {l: t for l, t in links.items()
                         if l not in links0 and t[1] in ours and l not in held_links}
            bps = {k: mapped_bytes(target.pid, k[1], o, 1) for k, o in sites.items()}
            orig = {}
            for (fn, path), o in sites.items():
                with open(path, "rb") as f:
                    f.seek(o)
                    orig[(fn, path)] = f.read(1)
            bad_bps = {k: (v, orig[k]) for k, v in bps.items() if v != orig[k]}
            return bad_progs, bad_links, bad_bps

        end = time.monotonic() + 15  # the kernel frees them after the last close
        while True:
            left = leftovers()
            if not any(left) or time.monotonic() > end:
                break
            time.sleep(0.5)
        self.assertEqual(left[0], {}, "ember's programs left loaded, held by no process "
                         "(killed: %s)" % killed)
        self.assertEqual(left[1], {}, "ember's links left, held by no process")
        self.assertEqual(left[2], {}, "breakpoints left in the target's libc (now, file)")

        # one normal run: only its outputs, the killed runs' temporaries swept
        temps = [n for n in os.listdir(self.dir) if n.startswith(".x.")]
        self.assertEqual(len(temps), 3 * 20, "each killed run leaves its 3 temporaries: %s"
                         % sorted(temps))
        r = run.run(argv[:1] + ["record", "-q", "-e", "cpu,offcpu,alloc", "-p",
                                str(target.pid), "-d", "1", "-o", out], 60)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(sorted(os.listdir(self.dir)),
                         ["x.alloc.folded", "x.cpu.folded", "x.offcpu.folded"], r)
        kill(target)

    # ------------------------------------------------------- SIGINT, leak

    def test_sigint_leak_exact(self):
        """-e leak -p PID, SIGINT once the workload has allocated, printed
        its truth and waits: every function's outstanding bytes exact,
        exit 0 within 15 s of the signal."""
        wk = Workload(["-w", 60, "-W", 120, "leak_small:100:400", "leak_big:3:%d" % BIG,
                       "calloc_realloc:200", "churn:3000:256"])
        w = run.Watched([EMBER, "record", "-v", "-e", "leak", "-p", str(wk.pid), "-o", self.out])
        if w.wait_line(r"attached", 30) is None:
            self.fail("no 'attached' line\n%s" % w.finish(30))
        wk.signal()
        self.assertTrue(wk.wait_line(r"^done", 60), "workload not done: %r" % wk.out())
        time.sleep(0.5)
        os.kill(w.p.pid, signal.SIGINT)
        t0 = time.monotonic()
        r = w.finish(60)
        took = time.monotonic() - t0
        alive = wk.p.poll() is None
        wk.signal()
        t = truths(wk.finish(60))
        self.assertTrue(alive, "the workload exited before the SIGINT\n%s" % r)
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        self.assertLess(took, 15, "exit %.1f s after SIGINT\n%s" % (took, r))
        prof = Folded(self.out)
        self.assertEqual(prof.problems, [], r)
        ctx = "%s\ntruth %s\n%s" % (r, t, prof.summary())
        self.assertEqual(t["leak_small"]["leaked_bytes"], 40000, ctx)
        for fn in ("leak_small", "leak_big", "calloc_realloc"):
            want = t[fn]["leaked_bytes"]
            self.assertEqual(prof.leaf(fn), want, "%s: %d bytes, truth %d\n%s" % (
                fn, prof.leaf(fn), want, ctx))
            self.assertEqual(prof.anywhere(fn), want, "%s not only the leaf\n%s" % (fn, ctx))
        self.assertEqual(prof.anywhere("churn"), 0, "freed blocks reported\n" + ctx)
        s = LEAK_SUMMARY.findall(r.err)
        self.assertEqual(len(s), 1, ctx)
        self.assertEqual(int(s[0][0]), prof.total(), "summary bytes vs the file\n" + ctx)

    # ------------------------------------------------------- corrupt ELF

    def test_corrupt_elf_mapped(self):
        """34 kinds of corrupt copies of a small library (truncated at six
        places, section and program header tables, string and symbol
        tables, notes, compressed sections, debuglinks, ELF class and byte
        order) mapped executable by one process, which runs lib_spin at the
        same file offset in each copy whose bytes are still there (the
        ELF's own layout is the corrupt part, the code is intact): record
        -p and -a by the sanitizer build exit 0 with no sanitizer report;
        every one of those mappings is in the profile (so its file was
        opened and parsed), named lib_spin or module+0xOFF (any name only
        where the corruption is of the names themselves); an intact copy
        beside them is named lib_spin."""
        if not shutil.which("objcopy"):
            self.skipTest("objcopy not installed")
        ember, is_san = san_ember()
        if not is_san:
            note_no_san("test_corrupt_elf_mapped")
        d = os.path.join(self.dir, "elves")
        os.mkdir(d)
        base = self.build("libspin.so", SPIN_LIB_SRC,
                          ["-shared", "-fPIC", "-Wl,--build-id"])
        link = "libspin.so.debug"
        stripped = os.path.join(self.bin, "libspin-stripped.so")
        subprocess.run(["objcopy", "--strip-debug", "--strip-unneeded", base, stripped],
                       check=True, timeout=30)
        shutil.copy(base, os.path.join(self.bin, link))  # for --add-gnu-debuglink's CRC
        subprocess.run(["objcopy", "--add-gnu-debuglink=" + link, stripped], check=True,
                       timeout=30, cwd=self.bin)
        os.remove(os.path.join(self.bin, link))
        with open(base, "rb") as f:
            base_b = f.read()
        with open(stripped, "rb") as f:
            stripped_b = f.read()
        self.assertEqual(Elf(stripped_b).names.get(".symtab"), None, "not stripped")
        nm = subprocess.run(["nm", base], stdout=subprocess.PIPE, timeout=30, check=True)
        m = re.search(r"^([0-9a-f]+) T lib_spin$", nm.stdout.decode(), re.M)
        spin = run.vaddr_to_offset(base, int(m.group(1), 16))
        self.assertEqual(run.vaddr_to_offset(stripped, int(m.group(1), 16)), spin)

        variants, (link_off, link_size) = corrupt_variants(base_b, stripped_b, link)
        self.assertEqual(len(variants), 34)
        files = {}
        for n, (kind, (data, extra)) in enumerate(sorted(variants.items())):
            name = "k%02d.so" % n
            if kind == "debuglink_names_itself":
                b = bytearray(data)
                b[link_off:link_off + link_size] = name.encode().ljust(link_size, b"\0")
                data = bytes(b)
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            for xname, xdata in extra.items():
                with open(os.path.join(d, xname), "wb") as f:
                    f.write(xdata)
            files[os.path.join(d, name)] = kind
        intact = os.path.join(d, "intact.so")
        shutil.copy(base, intact)
        host = self.build("host", HOST_SRC)
        paths = sorted(files) + [intact]
        p = start([host, hex(spin)] + paths, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, pid, ncall = self.ready(p, "host")
        runnable = [f for f in paths if os.path.getsize(f) >= spin + 64]
        self.assertEqual(int(ncall), len(runnable))
        self.assertEqual(len(runnable), 32, "variants with code at lib_spin, and the intact one")
        any_name = {"symtab_link_wrong_strtab", "strtab_without_nul", "symbol_values_garbage",
                    "debuglink_to_corrupt_debug_file", "ident_class32", "ident_big_endian",
                    "shoff_into_code"}
        for target in (["-p", pid], ["-a"]):
            out = os.path.join(self.dir, "corrupt.json")
            r = run.run([ember, "record", "--stats", "-F", "999", "-d", "2", "-o", out] + target,
                        180)
            ctx = "%s\n%s" % (" ".join(target), r)
            self.assertEqual(r.rc, 0, "ember failed\n" + ctx)
            self.assertIsNone(SANITIZER.search(r.err), "sanitizer report\n" + ctx)
            self.assertIsNone(p.poll(), "the host died")
            with open(out, encoding="utf-8") as f:
                doc = json.load(f)
            seen = {}
            for s in doc["stacks"]:
                if s["frames"][0]["name"] != "host":
                    continue
                for fr in s["frames"]:
                    if fr.get("module") in files or fr.get("module") == intact:
                        seen.setdefault(fr["module"], {})
                        seen[fr["module"]][fr["name"]] = \
                            seen[fr["module"]].get(fr["name"], 0) + s["values"][0]
            missing = [files.get(f, f) for f in runnable if f not in seen]
            self.assertEqual(missing, [], "mappings never in a stack\n" + ctx)
            self.assertEqual(list(seen[intact]), ["lib_spin"], "intact copy\n" + ctx)
            wrong = {}
            for f, byname in seen.items():
                for name in byname:
                    base_name = os.path.basename(f)
                    if name == "lib_spin" or name.startswith(base_name + "+0x") or \
                            name.startswith(f + "+0x") or files.get(f) in any_name:
                        continue
                    wrong.setdefault(files[f], []).append(name)
            self.assertEqual(wrong, {}, "frames in corrupt mappings given other names\n" + ctx)
            # the symbolizer read every one of them (a build id each): loaded or failed
            c = dict(re.findall(r"^\s+(dsos_opened|dsos_failed)\s+(\d+)", r.err, re.M))
            self.assertEqual(len(c), 2, "--stats without dsos_opened, dsos_failed\n" + ctx)
            self.assertGreaterEqual(int(c["dsos_opened"]) + int(c["dsos_failed"]),
                                    len(runnable), ctx)
        kill(p)

    # ------------------------------------------------------- rewritten file

    def test_library_rewritten_while_read(self):
        """A process dlopens a copy of a library, runs in it (samples there
        to symbolize), then only in its own code; from then until ember
        exits the test truncates and rewrites the file in a loop (O_TRUNC,
        garbage, the original, a part of it...): record -a -d 3 by the
        sanitizer build exits 0 with no sanitizer report, the victim is in
        the profile."""
        ember, is_san = san_ember()
        if not is_san:
            note_no_san("test_library_rewritten_while_read")
        lib = self.build("libvictim.so", VICTIM_LIB_SRC, ["-shared", "-fPIC", "-Wl,--build-id"])
        victim = self.build("victim", VICTIM_SRC, ["-ldl"])
        copy = os.path.join(self.dir, "libvictim.so")
        shutil.copy(lib, copy)
        with open(lib, "rb") as f:
            orig = f.read()
        out = os.path.join(self.dir, "rewrite.folded")
        w = run.Watched([ember, "record", "-v", "-a", "-d", "3", "-F", "499", "-o", out])
        if w.wait_line(r"attached", 60) is None:
            self.fail("no 'attached' line\n%s" % w.finish(30))
        p = start([victim, copy, "0.5"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                  stderr=subprocess.DEVNULL)
        self.ready(p, "victim")
        p.stdin.write(b"go\n")
        p.stdin.flush()
        line = run.read_line(p, 30)
        self.assertEqual((line or "").strip(), "phase2", "victim: %r" % line)
        rnd = random.Random(5)
        rounds = 0
        deadline = time.monotonic() + 120
        while w.p.poll() is None and time.monotonic() < deadline:
            with open(copy, "r+b") as f:
                f.truncate(0)
                f.write(rnd.randbytes(rnd.randrange(1, 4096)))
                f.truncate(0)
                f.seek(0)
                f.write(orig[:rnd.randrange(len(orig) + 1)])
                if rnd.random() < 0.5:
                    f.seek(0)
                    f.write(orig)
            rounds += 1
        r = w.finish(60)
        ctx = "%s\n%d rewrites, victim %s" % (r, rounds, "alive" if p.poll() is None
                                              else "exited %s" % p.returncode)
        self.assertGreater(rounds, 50, ctx)
        self.assertEqual(r.rc, 0, "ember failed\n" + ctx)
        self.assertIsNone(SANITIZER.search(r.err), "sanitizer report\n" + ctx)
        prof = self.profile(r, out)
        self.assertGreater(prof.with_frame("victim_burn", root="victim"), 0,
                           "victim's own code not in the profile\n%s\n%s" % (ctx, prof.summary()))
        kill(p)

    # ------------------------------------------------------- hostile names

    def test_hostile_names_every_format(self):
        """A process named '</script> ;"&\\xff' burning in functions named
        with </script>, ;, ", ', <, &, ]]>, invalid UTF-8 and spaces, recorded
        -p into .folded, .json, .pb.gz and .svg: the folded file is valid
        (ember report reads it) with ';' as ':' and invalid bytes as '?';
        JSON loads, pprof decodes (both UTF-8, invalid bytes as U+FFFD); the
        SVG parses as XML, has no '</script' or ']]>' but its own, and its
        frames carry the names; every name and the comm in every format."""
        exe = os.path.join(self.bin, "hostile")
        if not os.path.exists(exe):
            src = hostile_src().replace("COMM", c_string(HOSTILE_COMM))
            compile_c(src, exe + ".tmp", ["-Wl,--build-id=none"])
            with open(exe + ".tmp", "rb") as f:
                data = f.read()
            for ph, name in zip(PLACEHOLDERS, HOSTILE):
                self.assertGreaterEqual(data.count(ph), 1, ph)
                data = data.replace(ph, name)
            with open(exe, "wb") as f:
                f.write(data)
            os.chmod(exe, 0o755)
        nm = subprocess.run(["nm", exe], stdout=subprocess.PIPE, timeout=30, check=True).stdout
        for name in HOSTILE:
            self.assertIn(b" T " + name + b"\n", nm, "patched symbol %r" % name)
        p = start([exe], stdout=subprocess.PIPE)
        self.ready(p, "hostile")
        with open("/proc/%d/comm" % p.pid, "rb") as f:
            self.assertEqual(f.read().rstrip(b"\n"), HOSTILE_COMM)
        with open(os.path.join(self.dir, "profile.proto"), "w") as f:
            f.write(SCHEMA)

        def as_utf8(b):  # what the UTF-8 formats must hold
            return b.decode("utf-8", errors="replace")

        def as_folded(b):
            s = b.decode("utf-8", errors="replace").replace("\ufffd", "?")
            return s.replace(";", ":")

        want_names = [as_utf8(n) for n in HOSTILE]
        results = {}
        for ext in ("folded", "json", "pb.gz", "svg"):
            out = os.path.join(self.dir, "hostile." + ext)
            r = run.run([EMBER, "record", "-q", "-F", "999", "-d", "1.5", "-p", str(p.pid),
                         "-o", out], 60)
            self.assertEqual(r.rc, 0, "%s\n%s" % (ext, r))
            with open(out, "rb") as f:
                results[ext] = (r, f.read())

        r, raw = results["folded"]
        text = raw.decode("utf-8")  # strict: must be UTF-8
        self.assertEqual(folded_problems(text), [], text[:3000])
        path = os.path.join(self.dir, "hostile.folded")
        prof = Folded(path)
        self.assertEqual(set(fr[0] for fr, _ in prof.stacks), {as_folded(HOSTILE_COMM)},
                         prof.summary())
        for name in HOSTILE:
            self.assertGreater(prof.anywhere(as_folded(name)), 0,
                               "%r not in the folded file\n%s" % (as_folded(name), prof.summary()))
        rep = run.run([EMBER, "report", "--wide", "-n", "50", path], 60)
        self.assertEqual(rep.rc, 0, rep)
        for name in HOSTILE:
            self.assertIn(as_folded(name), rep.out, "ember report of the folded file")

        r, raw = results["json"]
        doc = json.loads(raw.decode("utf-8"))
        names = {f["name"] for s in doc["stacks"] for f in s["frames"]}
        roots = {s["frames"][0]["name"] for s in doc["stacks"]}
        self.assertEqual(roots, {as_utf8(HOSTILE_COMM)})
        for name in want_names:
            self.assertIn(name, names, "JSON")

        r, raw = results["pb.gz"]
        pp = Pprof(self, os.path.join(self.dir, "hostile.pb.gz"), self.dir)
        names = {n for fr, _, _ in pp.samples for n, _ in fr}
        self.assertEqual({fr[0][0] for fr, _, _ in pp.samples}, {as_utf8(HOSTILE_COMM)})
        for name in want_names:
            self.assertIn(name, names, "pprof")
        self.assertTrue(all(lb.get("process") == as_utf8(HOSTILE_COMM)
                            for _, _, lb in pp.samples), "process labels")

        r, raw = results["svg"]
        text = raw.decode("utf-8")
        root = ET.fromstring(raw)
        scripts = [e for e in root.iter() if e.tag.endswith("}script") or e.tag == "script"]
        self.assertGreaterEqual(len(scripts), 1)
        for sc in scripts:
            self.assertNotIn("</script", (sc.text or "").lower())
        self.assertEqual(text.lower().count("</script"), len(scripts),
                         "a raw </script> besides the script elements' own")
        self.assertEqual(text.count("]]>"), text.count("<![CDATA["), "a raw ]]> in the SVG")
        svg = Svg(text)
        frames = {f.name for f in svg.frames}
        self.assertIn(as_utf8(HOSTILE_COMM), frames, "SVG root frame")
        for name in want_names:
            self.assertIn(name, frames, "SVG")
        kill(p)

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Cost per malloc+free pair of allocation profiling: ember against a bare
uprobe counter and heaptrack.

    bench_alloc.py --ember build/ember --workloads build/workloads [--quick]

Workload: `alloc_bench -n N -s S -c CPU -w 60`: N malloc(S)+free pairs from a
function four frames below main, pinned to one CPU (the last one; --cpu -1
for no pinning). It runs 1000 pairs, prints "ready PID" and waits for
SIGUSR1, which it gets --settle seconds after the tool in front of it is
attached (so first-time work for the stack, like heaptrack's interpreter
symbolizing it, is done), then times the loop itself (CLOCK_MONOTONIC) and
prints ns per pair and its CPU time.

Configurations, each in every round, in a rotating order:
  baseline         nothing attached
  bpftrace         bpftrace -p PID, count() on uprobes at libc's malloc and
                   free (offset 0: free's first instruction, `test %rdi,%rdi`,
                   is one the kernel cannot emulate, so every free hit is
                   single-stepped out of line). bpftrace cannot probe free+9:
                   Debian's 0.17 is built without the instruction-boundary
                   check it requires for func+offset (and for addresses).
                   Its -p does not restrict uprobes to the process either
                   (its counts include every process's calls).
  uprobe free      the same two uprobes with a minimal BPF counting program
                   loaded by this script (bpf(2) through ctypes): the bare
                   cost of the probes, without bpftrace
  uprobe free+9    the same at malloc and free+9 (--free-offset), the first
                   instruction after free's NULL check, which the kernel
                   emulates: the floor for a profiler that must see malloc
                   and free
  uprobe free+9 ret   the same plus a return probe on malloc (to read the
                   pointer): the floor for leak tracking
  ember alloc      ember record -e alloc -o FILE -- alloc_bench ...
  ember leak       ember record -e leak -o FILE -- alloc_bench ...
  ember alloc/sampled, ember leak/sampled   the same with --sample-bytes B
  heaptrack        heaptrack -o FILE alloc_bench ... (LD_PRELOAD launcher)

ns added per pair = the configuration's median ns/pair minus the baseline's
median (not paired per round: the tools add microseconds to a pair that
takes nanoseconds, so a round's baseline carries no useful pairing, and a
stray system-wide uprobe from another process would spoil one). Also printed: each tool's own CPU during the loop
(all its processes except the workload; ns per pair; not for heaptrack,
whose interpreter lags behind the workload), its CPU for the whole run
(start, loop, output), and, from one more run per tool with
kernel.bpf_stats_enabled=1, the time its BPF programs ran per pair (the
rest of a BPF tool's cost is the uprobe trap, the single-step and the
return-probe trampoline).

A benchmark, not a test: no pass/fail.
"""
import argparse
import ctypes
import json
import os
import re
import resource
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (NCPU, Bg, bpf_prog_stats, enable_bpf_stats, fmt, kill_group, log,
                          markdown, proc_cpu, restore_bpf_stats, table)

DEFAULT_LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
BPFTRACE_SCRIPT = """
uprobe:%(libc)s:malloc { @m = count(); }
uprobe:%(libc)s:free { @f = count(); }
"""

# ------------------------------------------------------------------ ELF
def elf_symbols(path, names):
    """{name: file offset} of these dynamic symbols (readelf, PT_LOAD
    translation), and {name: vaddr}."""
    r = subprocess.run(["readelf", "-lW", "--dyn-syms", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, check=True)
    text = r.stdout.decode(errors="replace")
    loads = [(int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16))
             for m in re.finditer(r"^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+"
                                  r"\s+0x([0-9a-f]+)", text, re.M)]
    vaddrs = {}
    for m in re.finditer(r"^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+FUNC\s+\w+\s+\w+\s+\d+\s+(\S+)",
                         text, re.M):
        name = m.group(2).split("@")[0]
        if name in names and ("@@" in m.group(2) or name not in vaddrs):
            vaddrs[name] = int(m.group(1), 16)  # the default version wins
    offs = {}
    for name, va in vaddrs.items():
        for off, seg_va, filesz in loads:
            if seg_va <= va < seg_va + filesz:
                offs[name] = va - seg_va + off
    return offs, vaddrs


def insn_at(path, vaddr, off):
    """The instruction starting at vaddr+off (objdump), None if no
    instruction starts there."""
    if not shutil.which("objdump"):
        return "?"
    r = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "--start-address=%#x" % vaddr,
                        "--stop-address=%#x" % (vaddr + off + 16), path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    for l in r.stdout.decode(errors="replace").splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", l)
        if m and int(m.group(1), 16) == vaddr + off:
            return re.sub(r"\s+", " ", m.group(2).split("#")[0]).strip()
    return None


# ------------------------------------------------------------------ bare uprobes
class RawUprobes:
    """Uprobes with a minimal BPF program each (one per-CPU array slot += 1),
    attached to one process through the uprobe PMU: what any BPF allocation
    profiler pays at least, without its own work. bpf(2) and
    perf_event_open(2) through ctypes, so nothing needs compiling."""

    NR_BPF, NR_PERF_EVENT_OPEN = 321, 298  # x86_64
    BPF_MAP_CREATE, BPF_MAP_LOOKUP_ELEM, BPF_PROG_LOAD = 0, 1, 5
    PERCPU_ARRAY, PROG_KPROBE = 6, 2
    IOC_ENABLE, IOC_SET_BPF = 0x2400, 0x40042408

    def __init__(self, libc_path, probes):
        """probes: [(file offset, is a return probe)]."""
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.libc.syscall.restype = ctypes.c_long
        self.path = libc_path.encode()
        self.probes = probes
        self.fds = []
        self.ncpu = possible_cpus()
        with open("/sys/bus/event_source/devices/uprobe/type") as f:
            self.pmu = int(f.read())
        self.map_fd = self._bpf(self.BPF_MAP_CREATE,
                                struct.pack("<IIII", self.PERCPU_ARRAY, 4, 8, len(probes)))
        self.fds.append(self.map_fd)
        self.progs = [self._load(i) for i in range(len(probes))]

    def _sys(self, nr, *args):
        r = self.libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        if r < 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        return r

    def _bpf(self, cmd, attr, keep=None):
        buf = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
        return self._sys(self.NR_BPF, cmd, ctypes.addressof(buf), 128)

    @staticmethod
    def _insn(code, dst=0, src=0, off=0, imm=0):
        return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)

    def _load(self, slot):
        i = self._insn
        prog = b"".join([
            i(0x62, dst=10, off=-4, imm=slot),  # *(u32 *)(r10 - 4) = slot
            i(0xbf, dst=2, src=10),             # r2 = r10
            i(0x07, dst=2, imm=-4),             # r2 += -4
            i(0x18, dst=1, src=1, imm=self.map_fd), i(0),  # r1 = map (pseudo map fd)
            i(0x85, imm=1),                     # call bpf_map_lookup_elem
            i(0x15, dst=0, off=3),              # if r0 == 0 goto exit
            i(0x79, dst=1, src=0),              # r1 = *(u64 *)(r0 + 0)
            i(0x07, dst=1, imm=1),              # r1 += 1
            i(0x7b, dst=0, src=1),              # *(u64 *)(r0 + 0) = r1
            i(0xb7, dst=0),                     # r0 = 0
            i(0x95),                            # exit
        ])
        insns = ctypes.create_string_buffer(prog, len(prog))
        lic = ctypes.create_string_buffer(b"GPL")
        log_buf = ctypes.create_string_buffer(65536)
        attr = struct.pack("<IIQQIIQII16s", self.PROG_KPROBE, len(prog) // 8,
                           ctypes.addressof(insns), ctypes.addressof(lic), 1, len(log_buf),
                           ctypes.addressof(log_buf), 0, 0, b"bench_count")
        try:
            fd = self._bpf(self.BPF_PROG_LOAD, attr)
        except OSError as e:
            raise OSError(e.errno, "%s; verifier: %s" % (e.strerror,
                                                          log_buf.value.decode()[-300:]))
        self.fds.append(fd)
        return fd

    def attach(self, pid):
        path = ctypes.create_string_buffer(self.path)
        for slot, (off, ret) in enumerate(self.probes):
            # perf_event_attr: type, size, config (bit 0: return probe), sample_period,
            # sample_type, read_format, flags, wakeup_events, bp_type,
            # config1 (uprobe path), config2 (file offset)
            attr = struct.pack("<IIQQQQQIIQQ", self.pmu, 128, int(ret), 1, 0, 0, 0, 1, 0,
                               ctypes.addressof(path), off).ljust(128, b"\0")
            buf = ctypes.create_string_buffer(attr, 128)
            fd = self._sys(self.NR_PERF_EVENT_OPEN, ctypes.addressof(buf), pid, -1, -1, 8)
            self.fds.append(fd)
            self._ioctl(fd, self.IOC_SET_BPF, self.progs[slot])
            self._ioctl(fd, self.IOC_ENABLE, 0)

    def _ioctl(self, fd, req, arg):
        if self.libc.ioctl(ctypes.c_int(fd), ctypes.c_ulong(req), ctypes.c_long(arg)) < 0:
            e = ctypes.get_errno()
            raise OSError(e, "ioctl %#x: %s" % (req, os.strerror(e)))

    def counts(self):
        out = []
        for slot in range(len(self.probes)):
            key = ctypes.c_uint32(slot)
            val = ctypes.create_string_buffer(8 * self.ncpu)
            self._bpf(self.BPF_MAP_LOOKUP_ELEM, struct.pack(
                "<IIQQQ", self.map_fd, 0, ctypes.addressof(key), ctypes.addressof(val), 0))
            out.append(sum(struct.unpack("<%dQ" % self.ncpu, val.raw)))
        return out

    def close(self):
        for fd in reversed(self.fds):
            os.close(fd)
        self.fds = []


def possible_cpus():
    with open("/sys/devices/system/cpu/possible") as f:
        n = 0
        for part in f.read().strip().split(","):
            a, _, b = part.partition("-")
            n = max(n, int(b or a) + 1)
    return n


# ------------------------------------------------------------------ processes
def descendants(root):
    """pids of root and all its descendants."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def tree_cpu(root, exclude):
    """CPU seconds of root's process tree, without the exclude pid."""
    total = 0.0
    for p in descendants(root):
        if p != exclude:
            total += proc_cpu(p) or 0.0
    return total


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Lines:
    """stdout of a process, line by line, in a thread."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        self.t = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.t.start()

    def _read(self, stream):
        for raw in stream:
            with self.cond:
                self.lines.append(raw.decode(errors="replace"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cond:
            while time.monotonic() < end:
                for l in self.lines:
                    if l is None:
                        return None
                    m = rx.search(l)
                    if m:
                        return m
                self.cond.wait(0.1)
        return None

    def text(self):
        with self.cond:
            return "".join(l for l in self.lines if l)


RESULT = (r"alloc_bench n=(\d+) size=\d+ ns_per_pair=([\d.]+) elapsed_ns=(\d+) "
          r"loop_cpu_ns=(\d+) cpu_ns=(\d+)")


# ------------------------------------------------------------------ bench
class Bench:
    def __init__(self, a):
        self.a = a
        self.ember = os.path.abspath(a.ember)
        self.work = os.path.join(os.path.abspath(a.workloads), "alloc_bench")
        self.bpftrace = shutil.which("bpftrace")
        self.heaptrack = shutil.which("heaptrack")
        self.tmp = tempfile.mkdtemp(prefix="ember-bench-alloc.")
        self.notes = []
        self.wait_left = 60.0
        self.libc = find_libc(self.work)
        self.offs, self.vaddrs = elf_symbols(self.libc, ("malloc", "free"))
        self.bt_script = os.path.join(self.tmp, "count.bt")
        with open(self.bt_script, "w") as f:
            f.write(BPFTRACE_SCRIPT % {"libc": self.libc})
        self.cfgs = {
            "baseline": None,
            "bpftrace": "bpftrace",
            "uprobe free": ("raw", 0),
            "uprobe free+%d" % a.free_offset: ("raw", a.free_offset),
            "uprobe free+%d ret" % a.free_offset: ("raw", a.free_offset, "ret"),
            "ember alloc": ["-e", "alloc"],
            "ember leak": ["-e", "leak"],
            "ember alloc sampled": ["-e", "alloc", "--sample-bytes", str(a.sample_bytes)],
            "ember leak sampled": ["-e", "leak", "--sample-bytes", str(a.sample_bytes)],
            "heaptrack": "heaptrack",
        }

    def work_argv(self):
        argv = [self.work, "-n", str(self.a.pairs), "-s", str(self.a.size), "-w", "60"]
        if self.a.cpu >= 0:
            argv += ["-c", str(self.a.cpu)]
        return argv

    def tool_argv(self, name, out):
        spec = self.cfgs[name]
        if spec is None or isinstance(spec, tuple):
            return self.work_argv()
        if spec == "heaptrack":
            return [self.heaptrack, "-o", out] + self.work_argv()
        if spec == "bpftrace":
            return self.work_argv()  # bpftrace attaches with -p
        return [self.ember, "record"] + spec + ["-o", out, "--"] + self.work_argv()

    def quiet(self):
        """Wait (5 s at most, 60 s over the whole bench) while other
        processes hold uprobes on libc: a system-wide one would slow this
        run's workload too. The processes seen, if any."""
        start = time.monotonic()
        while True:
            seen = foreign_uprobes(self.libc)
            if not seen or time.monotonic() - start >= min(5.0, self.wait_left):
                break
            time.sleep(0.25)
        self.wait_left = max(0.0, self.wait_left - (time.monotonic() - start))
        return seen

    def measure(self, name, bpf_stats=False):
        """One run: the workload's figures, the tool's CPU during the loop
        and for the whole run, what the tool said."""
        spec = self.cfgs[name]
        foreign = self.quiet()
        out = os.path.join(self.tmp, re.sub(r"\W+", "_", name) + ".out")
        c_start = children_cpu()
        p = subprocess.Popen(self.tool_argv(name, out), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        lines = Lines(p.stdout)
        errs = Lines(p.stderr)
        side = raw = None
        res = {}
        done = False
        try:
            m = lines.wait_for(r"^ready (\d+)", 120)
            if not m:
                raise RuntimeError("%s: no 'ready' from the workload:\n%s%s" % (
                    name, lines.text()[-1500:], errs.text()[-1500:]))
            wpid = int(m.group(1))
            if spec == "bpftrace":
                # bpftrace says on stderr when every probe is attached
                env = dict(os.environ, __BPFTRACE_NOTIFY_PROBES_ATTACHED="1")
                side = BgEnv([self.bpftrace, "-p", str(wpid), self.bt_script], env)
                if not side.wait_for("__BPFTRACE_NOTIFY_PROBES_ATTACHED", 60):
                    raise RuntimeError("bpftrace did not attach:\n" + side.err()[-1500:])
            elif isinstance(spec, tuple):
                probes = [(self.offs["malloc"], False), (self.offs["free"] + spec[1], False)]
                if "ret" in spec:
                    probes.append((self.offs["malloc"], True))
                raw = RawUprobes(self.libc, probes)
                raw.attach(wpid)
            tool_root = side.p.pid if side else (None if spec is None or raw else p.pid)
            b0 = self.bpf_snapshot(spec, p, side) if bpf_stats else None
            t0 = tree_cpu(tool_root, wpid) if tool_root else None
            time.sleep(self.a.settle)
            os.kill(wpid, signal.SIGUSR1)
            m = lines.wait_for(RESULT, 600)
            if not m:
                raise RuntimeError("%s: no result from the workload:\n%s%s" % (
                    name, lines.text()[-1500:], errs.text()[-1500:]))
            t1 = tree_cpu(tool_root, wpid) if tool_root else None
            foreign |= foreign_uprobes(self.libc)
            b1 = self.bpf_snapshot(spec, p, side) if bpf_stats else None
            n = int(m.group(1))
            res = {"ns": float(m.group(2)), "n": n, "loop_cpu": int(m.group(4)) / 1e9,
                   "work_cpu": int(m.group(5)) / 1e9, "foreign": foreign}
            if t0 is not None and t1 is not None and spec != "heaptrack":
                # (heaptrack's interpreter works through the pipe behind the
                # workload: its CPU in the loop's window is not the loop's)
                res["tool_loop_cpu"] = t1 - t0
            if b0 is not None and b1 is not None:
                ns = sum(b1.get(k, (0, 0))[0] - v[0] for k, v in b0.items())
                runs = sum(b1.get(k, (0, 0))[1] - v[1] for k, v in b0.items())
                if runs:
                    res["bpf_runs_pair"] = runs / n
                    res["bpf_ns_pair"] = ns / n
                    if spec == "bpftrace":  # its probes also ran in other processes
                        res["bpf_ns_pair"] = ns / runs * 2
            done = True
            if raw:
                cnt = raw.counts()
                res["said"] = "malloc %d, free+%d %d%s hits" % (
                    cnt[0], spec[1], cnt[1], ", malloc ret %d" % cnt[2] if len(cnt) > 2 else "")
        finally:
            if raw:
                raw.close()
            if not done:
                kill_group(p)
            rc = wait_or_kill(p, 120)
            lines.t.join(5)
            errs.t.join(5)
            if side:
                side.stop()
        if spec is not None and not isinstance(spec, tuple):  # the raw probes run in here
            res["tool_cpu"] = children_cpu() - c_start - res.get("work_cpu", 0)
        err = errs.text()
        if rc != 0:
            raise RuntimeError("%s exited %s:\n%s" % (name, rc, (lines.text() + err)[-2000:]))
        if spec == "bpftrace":
            res["said"] = bpftrace_said(side.out_text()) + " (workload: %d)" % n
        elif spec == "heaptrack":
            res["said"] = heaptrack_said(lines.text())
        elif isinstance(spec, list):
            res["said"] = ember_said(err, out, n)
            res["err"] = err
        for f in os.listdir(self.tmp):
            if f.startswith(os.path.basename(out)):
                os.unlink(os.path.join(self.tmp, f))
        return res

    def bpf_snapshot(self, spec, p, side):
        if isinstance(spec, list):
            return bpf_prog_stats(p.pid)
        if spec == "bpftrace":
            return bpf_prog_stats(side.p.pid)
        if isinstance(spec, tuple):
            return bpf_prog_stats(os.getpid())
        return None

    def probe(self, name):
        """Can this configuration run here? None if yes, else why not."""
        spec = self.cfgs[name]
        if spec == "bpftrace" and not self.bpftrace:
            return "bpftrace not installed (apt-get install bpftrace)"
        if spec == "heaptrack" and not self.heaptrack:
            return "heaptrack not installed (apt-get install heaptrack)"
        if isinstance(spec, tuple):
            if not os.path.exists("/sys/bus/event_source/devices/uprobe/type"):
                return "no uprobe PMU (/sys/bus/event_source/devices/uprobe)"
            if "malloc" not in self.offs or "free" not in self.offs:
                return "malloc/free not found in %s" % self.libc
            ins = insn_at(self.libc, self.vaddrs["free"], spec[1])
            if ins is None:
                return "free+%d is not an instruction boundary in %s" % (spec[1], self.libc)
        old = self.a.pairs
        self.a.pairs = 2000
        try:
            self.measure(name)
        except (RuntimeError, OSError) as e:
            return reason(str(e))
        finally:
            self.a.pairs = old
        return None

    def rounds(self, cfgs):
        res = {c: [] for c in cfgs}
        for rnd in range(self.a.rounds):
            k = rnd % len(cfgs)
            for c in cfgs[k:] + cfgs[:k]:
                try:
                    res[c].append(self.measure(c))
                except (RuntimeError, OSError) as e:  # keep going; the row says so
                    log("bench: %s failed in round %d: %s" % (c, rnd + 1, str(e)[-1500:]))
                    self.notes.append("%s: failed in round %d: %s" % (c, rnd + 1, reason(str(e))))
                    res[c].append(None)
            log("bench: round %d/%d: %s" % (rnd + 1, self.a.rounds, "  ".join(
                "%s %s" % (c, "%.0f" % res[c][-1]["ns"] if res[c][-1] else "failed")
                for c in cfgs)))
        return res


class BgEnv(Bg):
    """Bg with an environment, stdout collected too (bpftrace prints its maps there)."""

    def __init__(self, argv, env, stop_timeout=60):
        self.argv = argv
        self.lines = []
        self.cond = threading.Condition()
        self.stop_timeout = stop_timeout
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True, env=env)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()
        self.outl = Lines(self.p.stdout)

    def out_text(self):
        self.outl.t.join(5)
        return self.outl.text()


def foreign_uprobes(libc):
    """{'comm[pid]'} of processes outside this bench holding uprobes on
    libc (bpftool perf list; empty without bpftool). Per-process ones do
    not touch the workload, but they cannot be told apart from system-wide
    ones here."""
    bpftool = shutil.which("bpftool")
    if not bpftool:
        return set()
    r = subprocess.run([bpftool, "-j", "perf", "list"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    try:
        recs = json.loads(r.stdout or b"[]")
    except ValueError:
        return set()
    mine = set(descendants(os.getpid()))
    out = set()
    for x in recs:
        if x.get("fd_type") in ("uprobe", "uretprobe") and x.get("pid") not in mine and \
                os.path.realpath(x.get("filename", "")) == libc:
            try:
                with open("/proc/%d/comm" % x["pid"]) as f:
                    out.add("%s[%d]" % (f.read().strip(), x["pid"]))
            except OSError:
                pass
    return out


def wait_or_kill(p, timeout):
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        return p.wait()


def find_libc(work):
    r = subprocess.run(["ldd", work], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    m = re.search(r"libc\.so\.6 => (\S+)", r.stdout.decode(errors="replace"))
    return os.path.realpath(m.group(1)) if m else DEFAULT_LIBC


def bpftrace_version(bpftrace):
    r = subprocess.run([bpftrace, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return r.stdout.decode(errors="replace").strip().replace("bpftrace ", "")


def bpftrace_said(out):
    m = re.search(r"@m: (\d+)", out)
    f = re.search(r"@f: (\d+)", out)
    return "malloc %s, free %s hits" % (m.group(1) if m else "?", f.group(1) if f else "?")


def heaptrack_said(out):
    m = re.search(r"allocations:\s+(\d+)", out)
    return "%s allocations" % m.group(1) if m else "-"


def ember_said(err, out, n):
    """From ember's summary line: what it counted and lost; and the bytes
    its output puts on the workload's allocating function."""
    line = next((l for l in err.splitlines() if re.match(r"ember: (alloc|leak)", l)), "")
    said = []
    for rx, fmt_ in ((r"(\d+) allocations", "%s allocs"),
                     (r"(\d+) blocks outstanding", "%s blocks left"),
                     (r"\((\d+) allocations sampled", "%s sampled"),
                     (r"(\d+) lost", "%s lost")):
        m = re.search(rx, line)
        if m:
            said.append(fmt_ % m.group(1))
    try:
        with open(out) as f:
            folded = f.read()
        b = sum(int(l.rsplit(" ", 1)[1]) for l in folded.splitlines()
                if "ember_alloc_pair" in l and not l.startswith("#"))
        said.append("%d B on ember_alloc_pair" % b)
    except (OSError, ValueError, IndexError):
        said.append("no output")
    return ", ".join(said) if said else "?"


def reason(err):
    lines = [l.strip() for l in err.splitlines() if l.strip()]
    for key in ("rror:", "No such file", "invalid", "unknown"):
        for l in lines:
            if key in l and "RLIMIT_MEMLOCK" not in l:
                return l[:200]
    return lines[-1][:200] if lines else "failed without output"


def tracefs_ok():
    if os.path.exists("/sys/kernel/tracing/uprobe_events"):
        return True
    log("bench: mounting tracefs on /sys/kernel/tracing (bpftrace looks there)")
    subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"],
                   stderr=subprocess.DEVNULL)
    return os.path.exists("/sys/kernel/tracing/uprobe_events")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ember", default="build/ember")
    ap.add_argument("--workloads", default="build/workloads")
    ap.add_argument("--quick", action="store_true", help="3 rounds of 50000 pairs")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--pairs", type=int, help="malloc+free pairs per run")
    ap.add_argument("--size", type=int, default=64, help="bytes per malloc")
    ap.add_argument("--sample-bytes", type=int, default=524288)
    ap.add_argument("--free-offset", type=int, default=9,
                    help="offset into free of the floor probe (an emulated instruction)")
    ap.add_argument("--cpu", type=int, default=NCPU - 1,
                    help="pin the workload to this CPU (-1: do not pin)")
    ap.add_argument("--settle", type=float, default=0.5,
                    help="seconds between a tool being ready and the timed loop")
    ap.add_argument("--only", help="comma-separated configurations to run (besides baseline)")
    a = ap.parse_args()
    a.rounds = a.rounds or (3 if a.quick else 7)
    a.pairs = a.pairs or (50000 if a.quick else 200000)
    if os.geteuid() != 0:
        log("bench: needs root")
        return 1
    b = Bench(a)
    t_start = time.monotonic()
    try:
        if b.bpftrace:
            tracefs_ok()
        names = [c for c in b.cfgs if c != "baseline"]
        if a.only:
            want = set(x.strip() for x in a.only.split(","))
            names = [c for c in names if c in want]
        cfgs = ["baseline"]
        for c in names:
            why = b.probe(c)
            if why:
                log("bench: %s cannot run here: %s" % (c, why))
                b.notes.append("%s: not measured: %s" % (c, why))
            else:
                cfgs.append(c)
        if "bpftrace" in cfgs:
            b.notes.append("bpftrace %s probes free at offset 0: it cannot probe free+%d (built "
                           "without the instruction-boundary check it requires for func+offset "
                           "and addresses), and its -p does not restrict uprobes to the process "
                           "(its counts include other processes' calls; its BPF time per pair is "
                           "2 x its mean per run)" % (bpftrace_version(b.bpftrace), a.free_offset))
        res = b.rounds(cfgs)
        bpf = {}
        old = enable_bpf_stats()
        if old is not None:
            try:
                for c in cfgs:
                    if c != "baseline" and c != "heaptrack":
                        try:
                            bpf[c] = b.measure(c, bpf_stats=True)
                        except (RuntimeError, OSError) as e:
                            log("bench: %s failed in the bpf_stats run: %s" % (c, e))
            finally:
                restore_bpf_stats(old)
    finally:
        shutil.rmtree(b.tmp, ignore_errors=True)

    for c in cfgs:
        res[c] = [x for x in res[c] if x]
    if not res["baseline"]:
        log("bench: no baseline run succeeded")
        return 1
    runs = [x for c in cfgs for x in res[c]]
    hit = [x for x in runs if x["foreign"]]
    if hit:
        b.notes.append("%d of %d timed runs had other processes' uprobes on libc attached "
                       "(%s): system-wide ones slow the workload too, so those runs may read "
                       "high; the medians resist a few" % (
                           len(hit), len(runs), ", ".join(sorted(set().union(
                               *[x["foreign"] for x in hit]))[:6])))
    base_med = statistics.median(x["ns"] for x in res["baseline"])
    per = {}
    rows = []
    for c in cfgs:
        if not res[c]:
            continue
        ns = [x["ns"] for x in res[c]]
        med = statistics.median(ns)
        added = None
        if c != "baseline":
            added = per[c] = med - base_med
        tl = [x["tool_loop_cpu"] / x["n"] * 1e9 for x in res[c] if "tool_loop_cpu" in x]
        tw = [x["tool_cpu"] * 1e3 for x in res[c] if "tool_cpu" in x]
        wl = [x["loop_cpu"] / x["n"] * 1e9 for x in res[c]]
        rows.append({"cfg": c, "med": med, "spread": (max(ns) - min(ns)) / med * 100,
                     "added": added, "work_cpu": statistics.median(wl),
                     "tool_loop": statistics.median(tl) if tl else None,
                     "tool_run": statistics.median(tw) if tw else None,
                     "bpf": bpf.get(c, {}).get("bpf_ns_pair"),
                     "runs": bpf.get(c, {}).get("bpf_runs_pair"),
                     "said": res[c][-1].get("said", "-")})
    ref_bt = per.get("bpftrace")
    ref_floor = per.get("uprobe free+%d" % a.free_offset)
    for r in rows:
        r["vs_bt"] = r["added"] / ref_bt if r["added"] is not None and ref_bt else None
        r["vs_floor"] = r["added"] / ref_floor if r["added"] is not None and ref_floor else None

    free0 = insn_at(b.libc, b.vaddrs["free"], 0) if "free" in b.vaddrs else "?"
    freeo = insn_at(b.libc, b.vaddrs["free"], a.free_offset) if "free" in b.vaddrs else "?"
    print("\nallocation profiling cost: `alloc_bench -n %d -s %d`%s, %d rounds; ns/pair = the "
          "workload's own loop time per malloc+free; added = median ns/pair - median "
          "baseline ns/pair; libc %s: free+0 `%s`, free+%d `%s`" % (
              a.pairs, a.size, ", pinned to CPU %d" % a.cpu if a.cpu >= 0 else "", a.rounds,
              b.libc, free0, a.free_offset, freeo))
    heads = ["config", "ns/pair", "spread %", "added ns", "vs bpftrace", "vs floor",
             "workload CPU ns/pair", "tool CPU ns/pair (loop)", "tool CPU ms (run)",
             "BPF ns/pair", "BPF runs/pair", "tool said"]
    print(table(heads, [[r["cfg"], "%.1f" % r["med"], "%.1f" % r["spread"],
                         fmt(r["added"], ".0f", "-"), fmt(r["vs_bt"], ".2f", "-"),
                         fmt(r["vs_floor"], ".2f", "-"), "%.0f" % r["work_cpu"],
                         fmt(r["tool_loop"], ".0f", "-"), fmt(r["tool_run"], ".0f", "-"),
                         fmt(r["bpf"], ".0f", "-"), fmt(r["runs"], ".1f", "-"), r["said"]]
                        for r in rows]))
    for n in b.notes:
        print("note: " + n)
    print("\nmarkdown:\n")
    print("Allocation profiling cost per malloc+free pair (`tools/bench_alloc.sh`): "
          "`alloc_bench` runs %d malloc(%d)+free pairs four frames below main%s and times "
          "the loop itself; kernel %s, %d CPUs; %d alternating rounds; added = median "
          "ns per pair minus the median with nothing attached. "
          "ember and heaptrack launch the workload; the uprobe rows attach to it by pid. "
          "free+0 is `%s` (single-stepped), free+%d `%s` (emulated).\n" % (
              a.pairs, a.size, ", pinned to one CPU" if a.cpu >= 0 else "",
              os.uname().release, NCPU, a.rounds, free0, a.free_offset, freeo))
    labels = {"baseline": "nothing",
              "bpftrace": "bpftrace, count() at malloc and free",
              "uprobe free": "bare uprobes at malloc and free (minimal BPF counter)",
              "uprobe free+%d" % a.free_offset:
                  "bare uprobes at malloc and free+%d (minimal BPF counter)" % a.free_offset,
              "uprobe free+%d ret" % a.free_offset:
                  "the same plus a return probe on malloc",
              "ember alloc": "`ember record -e alloc`",
              "ember leak": "`ember record -e leak`",
              "ember alloc sampled": "`ember record -e alloc --sample-bytes %d`" % a.sample_bytes,
              "ember leak sampled": "`ember record -e leak --sample-bytes %d`" % a.sample_bytes,
              "heaptrack": "`heaptrack` (launcher)"}
    print(markdown(["attached", "ns per pair", "added per pair", "vs bpftrace",
                    "vs bare uprobes (free+%d)" % a.free_offset, "BPF program per pair",
                    "profiler CPU per pair (loop)", "profiler CPU, whole run"],
                   [[labels[r["cfg"]], "%.0f ns" % r["med"],
                     fmt(r["added"], ".0f", "-") + (" ns" if r["added"] is not None else ""),
                     fmt(r["vs_bt"], ".2f", "-"), fmt(r["vs_floor"], ".2f", "-"),
                     fmt(r["bpf"], ".0f", "-") + (" ns" if r["bpf"] is not None else ""),
                     fmt(r["tool_loop"], ".0f", "-") + (" ns" if r["tool_loop"] is not None
                                                        else ""),
                     fmt(r["tool_run"], ".0f", "-") + (" ms" if r["tool_run"] is not None
                                                       else "")]
                    for r in rows]))
    if b.notes:
        print()
    for n in b.notes:
        print("- " + n)
    log("bench: done in %.0f s" % (time.monotonic() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())

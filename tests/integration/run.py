#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember integration tests: run the real binary against the test workloads.

    EMBER=/abs/build/ember WORKLOADS=/abs/build/workloads \
        python3 tests/integration/run.py [-v] [-k PATTERN]... [--busy N]

Needs root (ember loads BPF programs). Every subprocess runs in its own
session with a timeout; on timeout its whole process group is killed and
the test fails, and whatever is still running when the run ends (or is
interrupted) is killed. --busy N keeps N CPU hogs running for the whole
run: the suite must hold on a loaded machine, so the ground truth of
every sample count is the CPU time the workload really got (its own
accounts, tests/workloads/burn.h, or its threads' schedstat), never the
wall time it ran for. The last line printed is always
"integration: N passed, N failed[, N skipped]"; the exit status is non-zero
if anything failed.
"""
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
EMBER = os.environ.get("EMBER") or os.path.join(TOP, "build", "ember")
WORKLOADS = os.environ.get("WORKLOADS") or os.path.join(TOP, "build", "workloads")
NCPU = os.cpu_count() or 1
TMP = None  # per-run scratch directory, created in main()

FOLDED_LINE = re.compile(r"^[^ ].* \d+$")
SUMMARY = re.compile(r"(\d+) samples")


# ----------------------------------------------------------------- processes

_live = []


def wl(name):
    return os.path.join(WORKLOADS, name)


def start(argv, **kw):
    """Popen in a new session (pgid == pid), remembered for cleanup."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, start_new_session=True, **kw)
    _live.append(p)
    return p


def kill(p):
    """SIGKILL the process group we created for p, then reap p."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def kill_all():
    while _live:
        kill(_live.pop())


# ----------------------------------------------------------------- ground truth

def task_cpu(pid, tid=None):
    """Seconds on CPU so far of thread TID of PID, or of every live thread
    of PID (/proc/.../schedstat, ns); None if it is gone."""
    tids = [tid] if tid else None
    try:
        if tids is None:
            tids = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
        total = 0
        for t in tids:
            with open("/proc/%d/task/%d/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None
    return total / 1e9


class CpuTruth:
    """What the workloads' own accounts say they got (tests/workloads/burn.h):
    "cpu PID FUNC NS" and "process PID NS" lines in $EMBER_CPU_REPORT."""

    def __init__(self, path):
        self.fns = {}    # (pid, func) -> s
        self.procs = {}  # pid -> s
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        for kind, pid, rest in re.findall(r"^(cpu|process) (\d+) (.*)$", text, re.M):
            if kind == "cpu":
                fn, ns = rest.split()
                self.fns[(int(pid), fn)] = self.fns.get((int(pid), fn), 0) + int(ns) / 1e9
            else:
                self.procs[int(pid)] = int(rest) / 1e9

    def fn(self, name, pid=None):
        """Seconds in burn function NAME, in every process or in PID."""
        return sum(v for (p, f), v in self.fns.items() if f == name and pid in (None, p))

    def process(self, pid):
        return self.procs.get(pid, 0.0)

    def __str__(self):
        return "cpu truth: %s; processes %s" % (
            ", ".join("%s[%d] %.3fs" % (f, p, v) for (p, f), v in sorted(self.fns.items())),
            ", ".join("%d %.3fs" % kv for kv in sorted(self.procs.items())))


_hogs = []


def machine_steal_s():
    """Seconds the host has stolen from this guest's vCPUs, all CPUs summed
    (/proc/stat's cpu line, 8th value). The guest's cpu-clock timer runs on
    while the host holds a vCPU, but a task's CPU time (getrusage, schedstat,
    sum_exec_runtime) leaves steal out: a sample taken in stolen time is a
    real sample of a running task that its CPU time does not show. So the
    steal over a run bounds how far samples may exceed F x CPU time."""
    with open("/proc/stat") as f:
        cols = f.readline().split()
    return int(cols[8]) / os.sysconf("SC_CLK_TCK")


def start_hogs(n):
    """N busy loops, each its own session, for the whole run (--busy)."""
    for _ in range(n):
        _hogs.append(subprocess.Popen(["yes"], stdout=subprocess.DEVNULL,
                                      stdin=subprocess.DEVNULL, start_new_session=True))


def stop_hogs():
    while _hogs:
        kill(_hogs.pop())


def start_bg(argv, **kw):
    """A background workload, reaped as soon as it exits (so a -p target
    does not linger as a zombie of ours)."""
    kw.setdefault("stdout", subprocess.DEVNULL)
    p = start(argv, **kw)
    threading.Thread(target=p.wait, daemon=True).start()
    return p


class Result:
    def __init__(self, argv, rc, out, err, elapsed):
        self.argv, self.rc, self.out, self.err, self.elapsed = argv, rc, out, err, elapsed

    def __str__(self):
        return "$ %s\nexit %s after %.2fs\n--- stderr:\n%s" % (
            " ".join(self.argv), self.rc, self.elapsed, self.err[-3000:])


def run(argv, timeout, env=None):
    t0 = time.monotonic()
    p = start(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(p)
        out, err = p.communicate()
        raise AssertionError("timed out after %ss: %s\nstderr:\n%s" % (
            timeout, " ".join(argv), err.decode(errors="replace")[-3000:]))
    return Result(argv, p.returncode, out.decode(errors="replace"),
                  err.decode(errors="replace"), time.monotonic() - t0)


class Watched:
    """A running process whose stderr is collected line by line by a thread
    (so we can wait for ember's -v "attached" line) and that is reaped."""

    def __init__(self, argv):
        self.argv = argv
        self.lines = []
        self.cond = threading.Condition()
        self.t0 = time.monotonic()
        self.p = start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.p.stderr:
            with self.cond:
                self.lines.append(raw.decode(errors="replace"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # EOF
            self.cond.notify_all()

    def wait_line(self, pattern, timeout):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if line is not None and rx.search(line):
                        return line
                if None in self.lines or time.monotonic() >= end:
                    return None
                self.cond.wait(max(0.05, end - time.monotonic()))

    def finish(self, timeout):
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(self.p)
            self.reader.join(5)
            raise AssertionError("timed out after %ss: %s\nstderr:\n%s" % (
                timeout, " ".join(self.argv), self.stderr()[-3000:]))
        self.reader.join(10)
        return Result(self.argv, self.p.returncode, "", self.stderr(),
                      time.monotonic() - self.t0)

    def stderr(self):
        with self.cond:
            return "".join(l for l in self.lines if l is not None)


def read_line(p, timeout):
    """One line from p.stdout, or None after timeout."""
    r, _, _ = select.select([p.stdout], [], [], timeout)
    if not r:
        return None
    return p.stdout.readline().decode(errors="replace")


# ----------------------------------------------------------------- profiles

def folded_problems(text):
    """Everything wrong with a folded-stacks file; [] if it is valid. "# "
    comment lines may come first (ember's names the event and unit)."""
    problems = []
    keys = []
    if text and not text.endswith("\n"):
        problems.append("missing final newline")
    lines = text.splitlines()
    first = 0
    while first < len(lines) and lines[first].startswith("# "):
        first += 1
    for n, line in enumerate(lines[first:], first + 1):
        if not FOLDED_LINE.match(line):
            problems.append("line %d malformed: %r" % (n, line))
            continue
        stack, count = line.rsplit(" ", 1)
        frames = stack.split(";")
        if int(count) <= 0:
            problems.append("line %d count %s <= 0" % (n, count))
        if any(f == "" for f in frames):
            problems.append("line %d has an empty frame: %r" % (n, line))
        # Order: the stack text, byte by byte (LC_ALL=C sort); equal stacks merged.
        keys.append((n, stack.encode()))
    seen = set()
    for n, k in keys:
        if k in seen:
            problems.append("line %d repeats a stack" % n)
        seen.add(k)
    for (n1, a), (n2, b) in zip(keys, keys[1:]):
        if not a < b:
            problems.append("lines %d,%d not in byte order: %r >= %r" % (n1, n2, a, b))
            break
    return problems


class Profile:
    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8", errors="replace") as f:
            self.text = f.read()
        self.problems = folded_problems(self.text)
        self.stacks = []
        for line in self.text.splitlines():
            if FOLDED_LINE.match(line):
                stack, count = line.rsplit(" ", 1)
                self.stacks.append((stack.split(";"), int(count)))

    def total(self):
        return sum(c for _, c in self.stacks)

    def count(self, pred):
        return sum(c for fr, c in self.stacks if pred(fr))

    def with_frame(self, name, root=None):
        return self.count(lambda fr: name in fr[1:] and (root is None or fr[0] == root))

    def roots(self):
        r = {}
        for fr, c in self.stacks:
            r[fr[0]] = r.get(fr[0], 0) + c
        return r

    def summary(self, n=12):
        top = sorted(self.stacks, key=lambda s: -s[1])[:n]
        return "\n".join("%6d %s" % (c, ";".join(fr)) for fr, c in top)


def vaddr_to_offset(path, vaddr):
    """File offset of a virtual address in an ELF64 little-endian file."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_vaddr <= vaddr < p_vaddr + p_filesz:
            return vaddr - p_vaddr + p_offset
    raise ValueError("%#x not in a PT_LOAD of %s" % (vaddr, path))


def is_kernel(frame):
    return frame.endswith("_[k]")


def summary_lines(err):
    return [l for l in err.splitlines() if l.startswith("ember: ") and SUMMARY.search(l)
            and not l.startswith("ember: error:")]


def error_lines(err):
    return [l for l in err.splitlines() if l.strip()]


# ----------------------------------------------------------------- base

class EmberTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix=self._testMethodName + ".", dir=TMP)
        self.out = os.path.join(self.dir, "out.folded")
        # every workload this test starts (directly or as ember's command)
        # appends its CPU accounts here
        self.cpu_report = self.dir + ".cpu"  # beside: tests list their dir
        os.environ["EMBER_CPU_REPORT"] = self.cpu_report
        self.steal0 = machine_steal_s()

    def stolen(self):
        """Seconds stolen from this machine's vCPUs since the test began."""
        return machine_steal_s() - self.steal0

    def truth(self, path=None):
        return CpuTruth(path or self.cpu_report)

    def watch(self, args, out=None):
        """ember record -v -o OUT ARGS, started; waits for its attached line."""
        w = Watched([EMBER, "record", "-v", "-o", out or self.out] + args)
        self.assertIsNotNone(w.wait_line(r"attached", 60), "ember never attached\n%s" % (
            w.finish(30) if w.p.poll() is not None else w.stderr()))
        return w

    def tearDown(self):
        kill_all()

    def during(self, args, workloads, out=None):
        """ember record -v ARGS, and once it is attached the workloads, run to
        their end inside the recording; (result, their CPU truth)."""
        w = self.watch(args, out=out)
        ps = [start(argv, stdout=subprocess.DEVNULL) for argv in workloads]
        for p in ps:
            p.wait(timeout=60)
        self.assertIsNone(w.p.poll(), "the recording ended before its workloads\n%s" % (
            w.finish(30)))
        return w.finish(60), self.truth(), [p.pid for p in ps]

    def ember(self, args, timeout=60, env=None):
        return run([EMBER, "record", "-o", self.out] + args, timeout, env=env)

    def ok(self, r):
        """Assert a successful run wrote a valid profile; return it."""
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        return self.profile(r)

    def profile(self, r, path=None):
        path = path or self.out
        self.assertTrue(os.path.exists(path), "no output file %s\n%s" % (path, r))
        prof = Profile(path)
        self.assertEqual(prof.problems[:10], [], "invalid folded output\n%s" % r)
        self.assertGreater(len(prof.stacks), 0, "empty profile\n%s" % r)
        s = summary_lines(r.err)
        self.assertEqual(len(s), 1, "want exactly one 'ember: ... N samples' line\n%s" % r)
        return prof

    def assertAbout(self, got, want, lo, hi, what, ctx):
        self.assertTrue(lo * want <= got <= hi * want,
                        "%s: %d samples, expected %.0f (%.0f%%..%.0f%%)\n%s" % (
                            what, got, want, lo * 100, hi * 100, ctx))

    def assertSamples(self, got, hz, secs, what, ctx, tol=0.10):
        """GOT samples at HZ for SECS of CPU the workload really got:
        within TOL, or 2/sqrt(expected) for small counts (a timer that
        samples whoever runs is in phase with the scheduler's tick over a
        short run), and two samples for the window's two ends."""
        want = hz * secs
        self.assertGreater(secs, 0, "%s: no CPU time in the ground truth\n%s" % (what, ctx))
        tol = max(tol, 2 / want ** 0.5)
        # above the truth by at most what the machine's steal can hold
        # (nothing on a host that steals nothing; see machine_steal_s)
        stolen = self.stolen()
        msg = ("%s: %d samples, truth %.3f s of CPU at %d Hz = %.0f "
               "(%+.1f%%, allowed +-%.0f%%, +%.3f s stolen)\n%s" % (
                   what, got, secs, hz, want, 100.0 * (got - want) / want,
                   100 * tol, stolen, ctx))
        self.assertGreaterEqual(got - want, -(tol * want + 2), msg)
        self.assertLessEqual(got - want, tol * want + 2 + hz * stolen, msg)

    def assertError(self, r, code, keywords, out_path=None):
        lines = error_lines(r.err)
        self.assertEqual(r.rc, code, "want exit %d\n%s" % (code, r))
        self.assertEqual(len(lines), 1, "want exactly one stderr line\n%s" % r)
        self.assertTrue(lines[0].startswith("ember: error: "), "bad error line\n%s" % r)
        for kw in keywords:
            alts = kw if isinstance(kw, tuple) else (kw,)
            self.assertTrue(any(a.lower() in lines[0].lower() for a in alts),
                            "error line should mention %s\n%s" % (" or ".join(alts), r))
        if out_path:
            self.assertFalse(os.path.exists(out_path), "output file created on error\n%s" % r)


# ----------------------------------------------------------------- CMD mode

class TestCommand(EmberTest):
    def test_ab_ratio_cmd(self):
        """A does 3x B's work: samples A/B = 3 +- 10%, and ~F*T samples."""
        r = self.ember(["-F", "999", "-d", "6", "--", wl("burn_ab"), "5"], timeout=40)
        prof = self.ok(r)
        a = prof.with_frame("ember_burn_a", root="burn_ab")
        b = prof.with_frame("ember_burn_b", root="burn_ab")
        t = self.truth()
        ctx = "%s\n%s\n%s" % (r, t, prof.summary())
        self.assertGreater(b, 0, "no ember_burn_b samples\n" + ctx)
        self.assertTrue(2.7 <= a / b <= 3.3, "A/B = %d/%d = %.3f, want 3 +- 0.3\n%s" % (
            a, b, a / b, ctx))
        self.assertSamples(a, 999, t.fn("ember_burn_a"), "ember_burn_a", ctx)
        self.assertSamples(b, 999, t.fn("ember_burn_b"), "ember_burn_b", ctx)

    def test_short_lived_exit_status(self):
        """-- CMD: exit status propagated, function and comm named, start not missed."""
        r = self.ember(["-F", "999", "--", wl("short_lived")], timeout=30)
        self.assertEqual(r.rc, 7, "CMD's exit status 7 not propagated\n%s" % r)
        prof = self.profile(r)
        ctx = "%s\n%s" % (r, prof.summary())
        short = prof.with_frame("ember_short_burn", root="short_lived")
        early = prof.with_frame("ember_early_burn", root="short_lived")
        t = self.truth()
        ctx += "\n%s" % t
        self.assertSamples(short, 999, t.fn("ember_short_burn"), "ember_short_burn (0.35 s)", ctx,
                           tol=0.15)
        # The first 50 ms: a profiler that attaches late loses these.
        self.assertSamples(early, 999, t.fn("ember_early_burn"),
                           "start of CMD (ember_early_burn, ~50 ms)", ctx, tol=0.25)
        self.assertEqual(prof.with_frame("ember_short_burn"), short,
                         "ember_short_burn under another root\n" + ctx)

    def test_forker_follows_children(self):
        """-- CMD follows fork (no exec) and fork+exec children."""
        pidfile = os.path.join(self.dir, "pids")
        # "cpu": each burns 0.5 s of CPU, as many samples on a busy machine
        r = self.ember(["-F", "999", "--", wl("forker"), pidfile, "cpu"], timeout=60)
        prof = self.ok(r)
        t = self.truth()
        ctx = "%s\n%s\n%s" % (r, t, prof.summary())
        # three 0.5 s burners share the CPUs: each is held to what it got
        for fn, root in (("ember_parent_burn", "forker"), ("ember_child_burn", "forker"),
                         ("ember_spin", "spinner")):
            self.assertSamples(prof.with_frame(fn, root=root), 999, t.fn(fn),
                               "%s under %s" % (fn, root), ctx)

    def test_per_pid_forker(self):
        """--per-pid: root is name-PID, with the right PIDs for parent and children."""
        pidfile = os.path.join(self.dir, "pids")
        r = self.ember(["--per-pid", "-F", "499", "--", wl("forker"), pidfile, "cpu"],
                       timeout=60)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        with open(pidfile) as f:
            pids = dict(l.split() for l in f)
        t = self.truth()
        ctx += "\n%s" % t
        for func, name, key in (("ember_parent_burn", "forker", "parent"),
                                ("ember_child_burn", "forker", "child"),
                                ("ember_spin", "spinner", "exec")):
            root = "%s-%s" % (name, pids[key])
            n = prof.with_frame(func)
            self.assertSamples(prof.with_frame(func, root=root), 499,
                               t.fn(func, pid=int(pids[key])), "%s under %s" % (func, root), ctx)
            self.assertEqual(prof.with_frame(func, root=root), n,
                             "%s not (only) under root %s\n%s" % (func, root, ctx))
        for root in prof.roots():
            self.assertRegex(root, r"^.+-\d+$", "root without -PID\n" + ctx)


    def test_stdout_output(self):
        """Without -o the profile goes to stdout."""
        r = run([EMBER, "record", "-F", "499", "--", wl("spinner"), "0.5"], 30)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(folded_problems(r.out), [], r)
        path = os.path.join(self.dir, "stdout.folded")
        with open(path, "w") as f:
            f.write(r.out)
        prof = self.profile(r, path)
        t = self.truth()
        self.assertSamples(prof.with_frame("ember_spin", root="spinner"), 499, t.fn("ember_spin"),
                           "ember_spin", "%s\n%s\n%s" % (r, t, prof.summary()))

    def test_unnamed_frames(self):
        """A stripped binary: frames are module+0xOFF, and the leaf offset is ember_spin's."""
        strip, nm = shutil.which("strip"), shutil.which("nm")
        if not strip or not nm:
            self.skipTest("binutils not installed")
        exe = os.path.join(self.dir, "stripped_spin")
        shutil.copy(wl("spinner"), exe)
        subprocess.run([strip, "--strip-all", exe], check=True, timeout=30)
        sym = subprocess.run([nm, "-S", wl("spinner")], stdout=subprocess.PIPE, timeout=30,
                             check=True).stdout.decode()
        m = re.search(r"^([0-9a-f]+) ([0-9a-f]+) T ember_spin$", sym, re.M)
        self.assertTrue(m, "ember_spin not in nm output")
        lo = vaddr_to_offset(exe, int(m.group(1), 16))
        hi = lo + int(m.group(2), 16)
        r = self.ember(["-F", "499", "--", exe, "0.5"], timeout=30)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        rx = re.compile(r"^(?:.*/)?stripped_spin\+0x([0-9a-f]+)$")

        def leaf_in_spin(fr):
            user = [f for f in fr[1:] if not is_kernel(f)]
            m = rx.match(user[-1]) if user else None
            return bool(m) and lo <= int(m.group(1), 16) < hi

        t = self.truth()
        self.assertSamples(prof.count(lambda fr: fr[0] == "stripped_spin" and leaf_in_spin(fr)),
                           499, t.fn("ember_spin"),
                           "leaf stripped_spin+0xOFF inside ember_spin [%#x, %#x)" % (lo, hi),
                           "%s\n%s" % (ctx, t))
        self.assertRegex(summary_lines(r.err)[0], r"[1-9]\d* unnamed frames", ctx)


# ----------------------------------------------------------------- -p / -t

class TestAttach(EmberTest):
    def test_pid_ends_when_target_exits(self):
        """-p PID: function named; recording ends by itself after the target exits."""
        sp = start_bg([wl("spinner"), "3"])
        t0 = time.monotonic()
        w = self.watch(["-p", str(sp.pid)])
        before = task_cpu(sp.pid)  # what it burnt before ember looked
        r = w.finish(30)
        elapsed = time.monotonic() - t0
        prof = self.ok(r)
        t = self.truth()
        ctx = "%s\n%s (%.3f s before attach)\n%s" % (r, t, before or 0, prof.summary())
        self.assertIsNotNone(sp.poll(), "ember returned while the spinner runs\n" + ctx)
        self.assertGreaterEqual(elapsed, 2.8, "ember ended before its target\n" + ctx)
        self.assertLess(elapsed, 3 + 3, "ember did not end soon after its target exited\n" + ctx)
        self.assertEqual(set(prof.roots()), {"spinner"}, "other processes recorded\n" + ctx)
        self.assertIsNotNone(before, "spinner gone at attach\n" + ctx)
        self.assertSamples(prof.with_frame("ember_spin"), 99, t.fn("ember_spin") - before,
                           "ember_spin after attach", ctx)

    def test_two_pids(self):
        """-p A,B: both recorded; recording lasts until the last one exits."""
        a = start_bg([wl("spinner"), "2"])
        b = start_bg([wl("burn_ab"), "4"])
        t0 = time.monotonic()
        w = self.watch(["-F", "199", "-p", "%d,%d" % (a.pid, b.pid)])
        before = {p.pid: task_cpu(p.pid) for p in (a, b)}
        r = w.finish(30)
        elapsed = time.monotonic() - t0
        prof = self.ok(r)
        t = self.truth()
        ctx = "%s\n%s (before attach %s)\n%s" % (r, t, before, prof.summary())
        self.assertEqual(set(prof.roots()), {"spinner", "burn_ab"}, ctx)
        self.assertNotIn(None, before.values(), "a target gone at attach\n" + ctx)
        self.assertSamples(prof.with_frame("ember_spin", root="spinner"), 199,
                           t.fn("ember_spin") - before[a.pid], "ember_spin", ctx)
        ab = prof.with_frame("ember_burn_a") + prof.with_frame("ember_burn_b")
        self.assertSamples(ab, 199, t.fn("ember_burn_a") + t.fn("ember_burn_b") - before[b.pid],
                           "burn_ab", ctx)
        self.assertGreaterEqual(elapsed, 3.8, "ended when the first target exited\n" + ctx)
        self.assertLess(elapsed, 4 + 3, "did not end after the last target exited\n" + ctx)

    def test_ab_ratio_pid(self):
        """-p on a waiting burn_ab, started after attach: A/B = 3 +- 10%."""
        p = start([wl("burn_ab"), "4", "wait"], stdout=subprocess.PIPE)
        line = read_line(p, 10)
        self.assertTrue(line and line.startswith("ready"), "burn_ab not ready: %r" % line)
        threading.Thread(target=p.wait, daemon=True).start()
        w = Watched([EMBER, "record", "-v", "-F", "999", "-o", self.out, "-p", str(p.pid)])
        att = w.wait_line(r"attached", 20)
        os.kill(p.pid, signal.SIGUSR1)
        r = w.finish(30)
        self.assertIsNotNone(att, "no 'attached' line with -v\n%s" % r)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        a, b = prof.with_frame("ember_burn_a"), prof.with_frame("ember_burn_b")
        t = self.truth()
        ctx += "\n%s" % t
        self.assertGreater(b, 0, ctx)
        self.assertTrue(2.7 <= a / b <= 3.3, "A/B = %d/%d = %.3f\n%s" % (a, b, a / b, ctx))
        # it burns only after the attach
        self.assertSamples(a, 999, t.fn("ember_burn_a"), "ember_burn_a", ctx)
        self.assertSamples(b, 999, t.fn("ember_burn_b"), "ember_burn_b", ctx)


class TestThreads(EmberTest):
    _pid_run = None

    def threads(self, secs):
        p = start([wl("threads"), str(secs)], stdout=subprocess.PIPE)
        line = read_line(p, 10)
        m = re.match(r"tids (\d+) (\d+)", line or "")
        self.assertTrue(m, "threads workload printed %r" % line)
        threading.Thread(target=p.wait, daemon=True).start()
        return p, int(m.group(1)), int(m.group(2))

    def pid_run(self):
        """One shared -p run on the threads workload: (result, profile, the
        CPU seconds each function got after the attach)."""
        if TestThreads._pid_run is None:
            p, one, two = self.threads(3)
            w = self.watch(["-F", "199", "-p", str(p.pid)])
            before = {"ember_thread_one": task_cpu(p.pid, one),
                      "ember_thread_two": task_cpu(p.pid, two)}
            r = w.finish(30)
            prof = self.ok(r)
            t = self.truth()
            got = {fn: t.fn(fn) - (c or 0) for fn, c in before.items()}
            TestThreads._pid_run = (r, prof, got, "%s (before attach %s)" % (t, before))
        return TestThreads._pid_run

    def test_pid_all_threads(self):
        """-p PID records every thread of the process."""
        r, prof, got, t = self.pid_run()
        ctx = "%s\n%s\n%s" % (r, t, prof.summary())
        for fn in ("ember_thread_one", "ember_thread_two"):
            self.assertSamples(prof.with_frame(fn), 199, got[fn], fn, ctx)

    def test_root_is_process_comm(self):
        """Threads named thr-one/thr-two: the root frame is still the process comm."""
        r, prof, _, _ = self.pid_run()
        self.assertEqual(set(prof.roots()), {"threads"},
                         "root should be /proc/PID/comm\n%s\n%s" % (r, prof.summary()))

    def test_tid_only_that_thread(self):
        """-t TID records only that thread."""
        p, one, two = self.threads(4)
        w = self.watch(["-F", "199", "-d", "2", "-t", str(one)])
        c0 = task_cpu(p.pid, one)
        stopped = w.wait_line(r"stopped after", 30)
        c1 = task_cpu(p.pid, one)
        r = w.finish(30)
        prof = self.ok(r)
        ctx = "%s\nthread one on CPU %s s at attach, %s s at stop\n%s" % (
            r, c0, c1, prof.summary())
        self.assertTrue(stopped and c0 is not None and c1 is not None,
                        "thread gone or no 'stopped' line\n" + ctx)
        self.assertSamples(prof.with_frame("ember_thread_one"), 199, c1 - c0,
                           "ember_thread_one", ctx)
        self.assertEqual(prof.with_frame("ember_thread_two"), 0, "other thread recorded\n" + ctx)
        self.assertGreaterEqual(prof.with_frame("ember_thread_one"), 0.95 * prof.total(),
                                "samples from elsewhere\n" + ctx)
        self.assertEqual(set(prof.roots()), {"threads"}, ctx)


# ----------------------------------------------------------------- whole machine

class TestSystemWide(EmberTest):
    _run = None

    def all_run(self):
        """One shared `-a -d 3 --per-pid` recording with a user and a syscall
        spinner (by PID: the machine may run other spinners)."""
        if TestSystemWide._run is None:
            out = os.path.join(TMP, "all.folded")
            r, t, pids = self.during(["-a", "-d", "3", "--per-pid"], [[wl("spinner"), "1.5"],
                                                         [wl("spinner"), "1.5", "sys"]], out=out)
            TestSystemWide._run = (r, out, t, pids)
            kill_all()
        r, out, t, pids = TestSystemWide._run
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        return r, self.profile(r, out), t, pids

    def test_all_sees_spinner(self):
        """-a -d 3: the spinner's process name and function are there; -d honoured."""
        r, prof, t, pids = self.all_run()
        ctx = "%s\n%s\n%s" % (r, t, prof.summary())
        root = "spinner-%d" % pids[0]
        self.assertIn(root, prof.roots(), ctx)
        self.assertSamples(prof.with_frame("ember_spin", root=root), 99, t.fn("ember_spin"),
                           "ember_spin", ctx, tol=0.15)
        self.assertGreaterEqual(r.elapsed, 2.9, "-d 3 ended early\n" + ctx)
        self.assertLess(r.elapsed, 3 + 20, ctx)

    def test_kernel_frames_after_user_frames(self):
        """Syscall samples: user frames (root to leaf) then kernel frames with _[k]."""
        r, prof, t, pids = self.all_run()
        ctx = "%s\n%s\n%s" % (r, t, prof.summary(20))

        def good(fr):
            if fr[0] != "spinner-%d" % pids[1]:
                return False
            if "ember_sys_spin" not in fr or not is_kernel(fr[-1]):
                return False
            k = next(i for i, f in enumerate(fr) if is_kernel(f))
            return k > fr.index("ember_sys_spin") and all(is_kernel(f) for f in fr[k:])

        # most of its time is in the kernel (clearing the read buffer)
        self.assertGreater(prof.count(good), 0.5 * 99 * t.fn("ember_sys_spin"),
                           "too few user;...;kernel_[k] stacks\n" + ctx)
        bad = [fr for fr, _ in prof.stacks if "ember_sys_spin" in fr and any(
            is_kernel(f) for f in fr[:fr.index("ember_sys_spin")])]
        self.assertEqual(bad, [], "kernel frame before a user frame\n" + ctx)

    def test_format_and_summary(self):
        """Folded lines valid, sorted, unique, counts > 0; summary line matches the file."""
        r, prof, _, _ = self.all_run()
        self.assertEqual(folded_problems(prof.text), [])
        line = summary_lines(r.err)[0]
        n = int(SUMMARY.search(line).group(1))
        self.assertIn("cpu-clock", line)
        self.assertEqual(n, prof.total(), "summary says %d samples, file sums to %d\n%s" % (
            n, prof.total(), r))

    def test_default_target_is_all(self):
        """No target means -a."""
        r, t, pids = self.during(["-F", "499", "-d", "3", "--per-pid"],
                                 [[wl("spinner"), "1.2"], [wl("burn_ab"), "1.2"]])
        prof = self.ok(r)
        ctx = "%s\n%s\n%s" % (r, t, prof.summary())
        self.assertSamples(prof.with_frame("ember_spin", root="spinner-%d" % pids[0]), 499,
                           t.fn("ember_spin"), "ember_spin", ctx)
        ab = prof.with_frame("ember_burn_a", root="burn_ab-%d" % pids[1])
        ab += prof.with_frame("ember_burn_b", root="burn_ab-%d" % pids[1])
        self.assertSamples(ab, 499, t.fn("ember_burn_a") + t.fn("ember_burn_b"), "burn_ab", ctx)

    def test_user_only(self):
        """--user-only: no _[k] frames at all."""
        start_bg([wl("spinner"), "5", "sys"])
        time.sleep(0.2)
        r = self.ember(["-a", "-d", "2", "--user-only"], timeout=60)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertEqual([fr for fr, _ in prof.stacks if any(map(is_kernel, fr))][:5], [], ctx)
        self.assertGreater(prof.with_frame("ember_sys_spin", root="spinner"), 50, ctx)

    def test_kernel_only(self):
        """--kernel-only: every frame after the root is a kernel frame."""
        start_bg([wl("spinner"), "5", "sys"])
        start_bg([wl("spinner"), "5"])
        time.sleep(0.2)
        r = self.ember(["-a", "-d", "2", "--kernel-only"], timeout=60)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertEqual([fr for fr, _ in prof.stacks
                          if not all(map(is_kernel, fr[1:]))][:5], [], ctx)
        self.assertGreater(prof.count(lambda fr: fr[0] == "spinner" and len(fr) > 1), 50,
                           "no kernel stacks for the syscall spinner\n" + ctx)

    def test_cpu_list(self):
        """-C 1: only what runs on CPU 1."""
        if NCPU < 2:
            self.skipTest("needs 2 CPUs")
        taskset = shutil.which("taskset")
        if not taskset:
            self.skipTest("taskset not installed")
        r, t, pids = self.during(["-a", "-C", "1", "-F", "499", "-d", "3", "--per-pid"],
                           [[taskset, "-c", "0", wl("spinner"), "1.2"],
                            [taskset, "-c", "1", wl("burn_ab"), "1.2"]])
        prof = self.ok(r)
        ctx = "%s\n%s\n%s" % (r, t, prof.summary())
        self.assertGreater(t.fn("ember_spin"), 0.1, "the spinner did not run\n" + ctx)
        self.assertNotIn("spinner-%d" % pids[0], prof.roots(), "CPU 0's spinner recorded\n" + ctx)
        root = "burn_ab-%d" % pids[1]
        self.assertSamples(prof.with_frame("ember_burn_a", root=root)
                           + prof.with_frame("ember_burn_b", root=root),
                           499, t.fn("ember_burn_a") + t.fn("ember_burn_b"), "burn_ab on CPU 1",
                           ctx)

    def signal_test(self, sig):
        start_bg([wl("spinner"), "15"])
        w = Watched([EMBER, "record", "-v", "-a", "-o", self.out])
        att = w.wait_line(r"attached", 20)
        time.sleep(1.0)
        os.kill(w.p.pid, sig)
        r = w.finish(60)
        self.assertIsNotNone(att, "no 'attached' line\n%s" % r)
        prof = self.ok(r)
        self.assertGreater(prof.with_frame("ember_spin"), 30, "%s\n%s" % (r, prof.summary()))
        self.assertLess(r.elapsed, 30, r)

    def test_sigint(self):
        """SIGINT: profile so far written, exit 0."""
        self.signal_test(signal.SIGINT)

    def test_sigterm(self):
        """SIGTERM: profile so far written, exit 0."""
        self.signal_test(signal.SIGTERM)


# ----------------------------------------------------------------- errors

class TestErrors(EmberTest):
    def test_unknown_option(self):
        r = self.ember(["--no-such-option"], timeout=20)
        self.assertError(r, 2, ["--no-such-option"], self.out)

    def test_bad_frequency(self):
        for bad in ("0", "-5", "abc", "1000000"):
            with self.subTest(F=bad):
                r = self.ember(["-F", bad, "-d", "1"], timeout=20)
                self.assertError(r, 2, [("-F", "freq")], self.out)

    def test_not_root(self):
        """Without capabilities: exit 1 naming the capabilities."""
        setpriv = shutil.which("setpriv")
        if not setpriv:
            self.skipTest("setpriv not installed")
        os.chmod(self.dir, 0o777)
        r = run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                 "--inh-caps=-all", EMBER, "record", "-d", "1", "-o", self.out], 20)
        self.assertError(r, 1, [("CAP_BPF", "CAP_PERFMON", "CAP_SYS_ADMIN")], self.out)

    def test_no_btf(self):
        env = dict(os.environ, EMBER_BTF_PATH="/nonexistent")
        r = self.ember(["-d", "1"], timeout=20, env=env)
        self.assertError(r, 1, ["BTF"], self.out)

    def test_no_such_pid(self):
        pid_max = int(open("/proc/sys/kernel/pid_max").read())
        pid = next(p for p in range(pid_max - 1, 1, -1) if not os.path.exists("/proc/%d" % p))
        r = self.ember(["-p", str(pid), "-d", "1"], timeout=20)
        self.assertError(r, 1, [str(pid)], self.out)

    def test_output_unwritable(self):
        path = "/nonexistent-dir/x.folded"
        r = run([EMBER, "record", "-d", "1", "-o", path], 20)
        self.assertError(r, 1, [path], path)


# ----------------------------------------------------------------- misc CLI

class TestCli(EmberTest):
    def test_version(self):
        r = run([EMBER, "--version"], 10)
        self.assertEqual(r.rc, 0, r)
        self.assertRegex(r.out + r.err, r"\d+\.\d+\.\d+")

    def test_help(self):
        r = run([EMBER, "--help"], 10)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("record", r.out + r.err)
        r = run([EMBER, "record", "--help"], 10)
        self.assertEqual(r.rc, 0, r)
        for opt in ("-p", "-t", "-a", "-F", "-d", "-o", "--user-only", "--kernel-only", "-C",
                    "--per-pid", "--stats", "-v"):
            self.assertRegex(r.out + r.err, r"(?<![\w-])%s\b" % re.escape(opt),
                             "record --help does not mention %s" % opt)

    def test_stats(self):
        """--stats: per-cause counters ("  name  N  what") on stderr, on top of the summary."""
        r = self.ember(["--stats", "-F", "499", "--", wl("spinner"), "0.5"], timeout=30)
        prof = self.ok(r)
        counters = dict(re.findall(r"^\s+(\w+)\s+(\d+)\b", r.err, re.M))
        self.assertGreaterEqual(len(counters), 5, "no counters printed with --stats\n%s" % r)
        if "recorded" in counters:
            self.assertEqual(int(counters["recorded"]), prof.total(), r)
        plain = self.ember(["-F", "499", "--", wl("spinner"), "0.2"], timeout=30)
        self.assertEqual(re.findall(r"^\s+(\w+)\s+(\d+)\b", plain.err, re.M), [],
                         "counters printed without --stats\n%s" % plain)

    def test_verbose_timings(self):
        """-v: 'attached in X ms' and 'output written in Y ms'."""
        r = self.ember(["-v", "-F", "499", "--", wl("spinner"), "0.5"], timeout=30)
        self.ok(r)
        m1 = re.search(r"^ember: .*attached in ([\d.]+) ms", r.err, re.M)
        m2 = re.search(r"^ember: .*output written in ([\d.]+) ms", r.err, re.M)
        self.assertTrue(m1 and m2, "missing -v timing lines\n%s" % r)
        self.assertLess(float(m1.group(1)), 10000, r)


# ----------------------------------------------------------------- main

def _test_id(t):
    return getattr(t, "test_case", t).id()  # a failed subTest counts as its test


def _interrupted(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main():
    global TMP
    argv = sys.argv[1:]
    verbosity = 2 if "-v" in argv else 1
    loader = unittest.TestLoader()
    pats = ["*%s*" % argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-k"]
    if pats:
        loader.testNamePatterns = pats
    busy = int(argv[argv.index("--busy") + 1]) if "--busy" in argv[:-1] else 0
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    sys.modules.setdefault("run", sys.modules[__name__])  # test_offcpu imports run's helpers
    import test_offcpu
    suite.addTests(loader.loadTestsFromModule(test_offcpu))
    import test_alloc
    suite.addTests(loader.loadTestsFromModule(test_alloc))
    import test_resources
    suite.addTests(loader.loadTestsFromModule(test_resources))
    import test_top
    suite.addTests(loader.loadTestsFromModule(test_top))
    import test_flamegraph
    suite.addTests(loader.loadTestsFromModule(test_flamegraph))
    import test_report
    suite.addTests(loader.loadTestsFromModule(test_report))
    import test_output
    suite.addTests(loader.loadTestsFromModule(test_output))
    import test_hostile
    suite.addTests(loader.loadTestsFromModule(test_hostile))
    import test_robust
    suite.addTests(loader.loadTestsFromModule(test_robust))
    import test_unwind
    suite.addTests(loader.loadTestsFromModule(test_unwind))
    if os.geteuid() != 0:
        print("SKIP: every integration test: not root (ember needs CAP_BPF and CAP_PERFMON)")
        print("integration: 0 passed, 0 failed, %d skipped" % suite.countTestCases())
        return 0
    missing = [p for p in [EMBER] + [wl(n) for n in ("burn_ab", "short_lived", "forker",
                                                     "spinner", "threads", "nofp_work")]
               if not os.access(p, os.X_OK)]
    if missing:
        print("FAIL: missing executables (run make): %s" % " ".join(missing))
        print("integration: 0 passed, %d failed" % suite.countTestCases())
        return 1
    TMP = tempfile.mkdtemp(prefix="ember-it.")
    os.chmod(TMP, 0o755)
    # SIGTERM or SIGHUP (a CI timeout, a closed terminal) ends the run
    # through the finally below, as Ctrl-C does: nothing is left running
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    try:
        if busy:
            start_hogs(busy)
            print("integration: %d CPU hogs running on %d CPUs" % (busy, NCPU))
        res = unittest.TextTestRunner(stream=sys.stdout, verbosity=verbosity).run(suite)
    finally:
        kill_all()
        stop_hogs()
        if os.environ.get("KEEP_TMP"):
            print("scratch files kept in %s" % TMP)
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    failed = {_test_id(t) for t, _ in res.failures + res.errors}
    failed |= {_test_id(t) for t in res.unexpectedSuccesses}
    skipped = {_test_id(t) for t, _ in res.skipped} - failed
    passed = res.testsRun - len(failed) - len(skipped)
    line = "integration: %d passed, %d failed" % (passed, len(failed))
    if skipped:
        line += ", %d skipped" % len(skipped)
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

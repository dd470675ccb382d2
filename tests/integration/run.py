#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember integration tests: run the real binary against the test workloads.

    EMBER=/abs/build/ember WORKLOADS=/abs/build/workloads python3 tests/integration/run.py [-v] [-k PATTERN]

Needs root (ember loads BPF programs). Every subprocess runs in its own
session with a timeout; on timeout its whole process group is killed and
the test fails. The last line printed is always
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

    def tearDown(self):
        kill_all()

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
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertGreater(b, 0, "no ember_burn_b samples\n" + ctx)
        self.assertTrue(2.7 <= a / b <= 3.3, "A/B = %d/%d = %.3f, want 3 +- 0.3\n%s" % (
            a, b, a / b, ctx))
        self.assertAbout(a + b, 999 * 5, 0.8, 1.1, "A+B at 999 Hz for 5 s", ctx)

    def test_short_lived_exit_status(self):
        """-- CMD: exit status propagated, function and comm named, start not missed."""
        r = self.ember(["-F", "999", "--", wl("short_lived")], timeout=30)
        self.assertEqual(r.rc, 7, "CMD's exit status 7 not propagated\n%s" % r)
        prof = self.profile(r)
        ctx = "%s\n%s" % (r, prof.summary())
        short = prof.with_frame("ember_short_burn", root="short_lived")
        early = prof.with_frame("ember_early_burn", root="short_lived")
        self.assertAbout(short, 999 * 0.35, 0.7, 1.15, "ember_short_burn (0.35 s)", ctx)
        # The first 50 ms: a profiler that attaches late loses these.
        self.assertGreaterEqual(early, 35, "start of CMD missed (ember_early_burn, ~50 ms)\n" + ctx)
        self.assertEqual(prof.with_frame("ember_short_burn"), short,
                         "ember_short_burn under another root\n" + ctx)

    def test_forker_follows_children(self):
        """-- CMD follows fork (no exec) and fork+exec children."""
        pidfile = os.path.join(self.dir, "pids")
        r = self.ember(["-F", "999", "--", wl("forker"), pidfile], timeout=30)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        lo = 999 * 0.5 * 0.3  # three 0.5 s burners share the CPUs
        self.assertGreater(prof.with_frame("ember_parent_burn", root="forker"), lo, ctx)
        self.assertGreater(prof.with_frame("ember_child_burn", root="forker"), lo, ctx)
        self.assertGreater(prof.with_frame("ember_spin", root="spinner"), lo,
                           "exec'd child (spinner) missing\n" + ctx)

    def test_per_pid_forker(self):
        """--per-pid: root is name-PID, with the right PIDs for parent and children."""
        pidfile = os.path.join(self.dir, "pids")
        r = self.ember(["--per-pid", "-F", "499", "--", wl("forker"), pidfile], timeout=30)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        with open(pidfile) as f:
            pids = dict(l.split() for l in f)
        for func, root in (("ember_parent_burn", "forker-" + pids["parent"]),
                           ("ember_child_burn", "forker-" + pids["child"])):
            n = prof.with_frame(func)
            self.assertGreater(n, 20, "%s missing\n%s" % (func, ctx))
            self.assertEqual(prof.with_frame(func, root=root), n,
                             "%s not (only) under root %s\n%s" % (func, root, ctx))
        self.assertGreater(prof.roots().get("spinner-" + pids["exec"], 0), 20,
                           "exec'd child spinner-%s missing\n%s" % (pids["exec"], ctx))
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
        self.assertAbout(prof.with_frame("ember_spin", root="spinner"), 499 * 0.5, 0.7, 1.15,
                         "ember_spin", "%s\n%s" % (r, prof.summary()))

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

        self.assertAbout(prof.count(lambda fr: fr[0] == "stripped_spin" and leaf_in_spin(fr)),
                         499 * 0.5, 0.7, 1.15,
                         "leaf stripped_spin+0xOFF inside ember_spin [%#x, %#x)" % (lo, hi), ctx)
        self.assertRegex(summary_lines(r.err)[0], r"[1-9]\d* unnamed frames", ctx)


# ----------------------------------------------------------------- -p / -t

class TestAttach(EmberTest):
    def test_pid_ends_when_target_exits(self):
        """-p PID: function named; recording ends by itself after the target exits."""
        sp = start_bg([wl("spinner"), "3"])
        t0 = time.monotonic()
        r = self.ember(["-p", str(sp.pid)], timeout=30)
        elapsed = time.monotonic() - t0
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertIsNotNone(sp.poll(), "ember returned while the spinner runs\n" + ctx)
        self.assertGreaterEqual(elapsed, 2.8, "ember ended before its target\n" + ctx)
        self.assertLess(elapsed, 3 + 3, "ember did not end soon after its target exited\n" + ctx)
        self.assertEqual(set(prof.roots()), {"spinner"}, "other processes recorded\n" + ctx)
        self.assertAbout(prof.with_frame("ember_spin"), 99 * 2.5, 0.6, 1.3, "ember_spin", ctx)

    def test_two_pids(self):
        """-p A,B: both recorded; recording lasts until the last one exits."""
        a = start_bg([wl("spinner"), "2"])
        b = start_bg([wl("burn_ab"), "4"])
        t0 = time.monotonic()
        r = self.ember(["-F", "199", "-p", "%d,%d" % (a.pid, b.pid)], timeout=30)
        elapsed = time.monotonic() - t0
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertEqual(set(prof.roots()), {"spinner", "burn_ab"}, ctx)
        self.assertAbout(prof.with_frame("ember_spin", root="spinner"), 199 * 1.5, 0.5, 1.4,
                         "ember_spin", ctx)
        ab = prof.with_frame("ember_burn_a") + prof.with_frame("ember_burn_b")
        self.assertAbout(ab, 199 * 3.5, 0.5, 1.4, "burn_ab", ctx)
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
        self.assertGreater(b, 0, ctx)
        self.assertTrue(2.7 <= a / b <= 3.3, "A/B = %d/%d = %.3f\n%s" % (a, b, a / b, ctx))
        self.assertAbout(a + b, 999 * 4, 0.8, 1.1, "A+B at 999 Hz for 4 s", ctx)


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
        if TestThreads._pid_run is None:
            p, _, _ = self.threads(3)
            r = self.ember(["-F", "199", "-p", str(p.pid)], timeout=30)
            prof = self.ok(r)
            TestThreads._pid_run = (r, prof)
        return TestThreads._pid_run

    def test_pid_all_threads(self):
        """-p PID records every thread of the process."""
        r, prof = self.pid_run()
        ctx = "%s\n%s" % (r, prof.summary())
        for fn in ("ember_thread_one", "ember_thread_two"):
            self.assertAbout(prof.with_frame(fn), 199 * 2.5, 0.5, 1.3, fn, ctx)

    def test_root_is_process_comm(self):
        """Threads named thr-one/thr-two: the root frame is still the process comm."""
        r, prof = self.pid_run()
        self.assertEqual(set(prof.roots()), {"threads"},
                         "root should be /proc/PID/comm\n%s\n%s" % (r, prof.summary()))

    def test_tid_only_that_thread(self):
        """-t TID records only that thread."""
        _, one, two = self.threads(4)
        r = self.ember(["-F", "199", "-d", "2", "-t", str(one)], timeout=30)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertAbout(prof.with_frame("ember_thread_one"), 199 * 2, 0.5, 1.3,
                         "ember_thread_one", ctx)
        self.assertEqual(prof.with_frame("ember_thread_two"), 0, "other thread recorded\n" + ctx)
        self.assertGreaterEqual(prof.with_frame("ember_thread_one"), 0.95 * prof.total(),
                                "samples from elsewhere\n" + ctx)
        self.assertEqual(set(prof.roots()), {"threads"}, ctx)


# ----------------------------------------------------------------- whole machine

class TestSystemWide(EmberTest):
    _run = None

    def all_run(self):
        """One shared `-a -d 3` recording with a user and a syscall spinner."""
        if TestSystemWide._run is None:
            start_bg([wl("spinner"), "6"])
            start_bg([wl("spinner"), "6", "sys"])
            time.sleep(0.2)
            out = os.path.join(TMP, "all.folded")
            r = run([EMBER, "record", "-a", "-d", "3", "-o", out], 60)
            TestSystemWide._run = (r, out)
            kill_all()
        r, out = TestSystemWide._run
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        return r, self.profile(r, out)

    def test_all_sees_spinner(self):
        """-a -d 3: the spinner's process name and function are there; -d honoured."""
        r, prof = self.all_run()
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertIn("spinner", prof.roots(), ctx)
        self.assertAbout(prof.with_frame("ember_spin", root="spinner"), 99 * 3, 0.4, 1.3,
                         "ember_spin", ctx)
        self.assertGreaterEqual(r.elapsed, 2.9, "-d 3 ended early\n" + ctx)
        self.assertLess(r.elapsed, 3 + 20, ctx)

    def test_kernel_frames_after_user_frames(self):
        """Syscall samples: user frames (root to leaf) then kernel frames with _[k]."""
        r, prof = self.all_run()
        ctx = "%s\n%s" % (r, prof.summary(20))

        def good(fr):
            if "ember_sys_spin" not in fr or not is_kernel(fr[-1]):
                return False
            k = next(i for i, f in enumerate(fr) if is_kernel(f))
            return k > fr.index("ember_sys_spin") and all(is_kernel(f) for f in fr[k:])

        self.assertGreater(prof.count(good), 50, "no user;...;kernel_[k] stacks\n" + ctx)
        bad = [fr for fr, _ in prof.stacks if "ember_sys_spin" in fr and any(
            is_kernel(f) for f in fr[:fr.index("ember_sys_spin")])]
        self.assertEqual(bad, [], "kernel frame before a user frame\n" + ctx)

    def test_format_and_summary(self):
        """Folded lines valid, sorted, unique, counts > 0; summary line matches the file."""
        r, prof = self.all_run()
        self.assertEqual(folded_problems(prof.text), [])
        line = summary_lines(r.err)[0]
        n = int(SUMMARY.search(line).group(1))
        self.assertIn("cpu-clock", line)
        self.assertEqual(n, prof.total(), "summary says %d samples, file sums to %d\n%s" % (
            n, prof.total(), r))

    def test_default_target_is_all(self):
        """No target means -a."""
        start_bg([wl("spinner"), "4"])
        start_bg([wl("burn_ab"), "4"])
        r = self.ember(["-d", "2"], timeout=60)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertAbout(prof.with_frame("ember_spin", root="spinner"), 99 * 2, 0.4, 1.3,
                         "ember_spin", ctx)
        ab = prof.with_frame("ember_burn_a", root="burn_ab")
        ab += prof.with_frame("ember_burn_b", root="burn_ab")
        self.assertAbout(ab, 99 * 2, 0.4, 1.3, "burn_ab", ctx)

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
        start_bg([taskset, "-c", "0", wl("spinner"), "5"])
        start_bg([taskset, "-c", "1", wl("burn_ab"), "5"])
        time.sleep(0.2)
        r = self.ember(["-a", "-C", "1", "-d", "2"], timeout=60)
        prof = self.ok(r)
        ctx = "%s\n%s" % (r, prof.summary())
        self.assertEqual(prof.with_frame("ember_spin"), 0, "CPU 0's spinner recorded\n" + ctx)
        self.assertAbout(prof.with_frame("ember_burn_a") + prof.with_frame("ember_burn_b"),
                         99 * 2, 0.6, 1.3, "burn_ab on CPU 1", ctx)

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


def main():
    global TMP
    argv = sys.argv[1:]
    verbosity = 2 if "-v" in argv else 1
    loader = unittest.TestLoader()
    if "-k" in argv:
        loader.testNamePatterns = ["*%s*" % argv[argv.index("-k") + 1]]
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
    if os.geteuid() != 0:
        print("SKIP: every integration test: not root (ember needs CAP_BPF and CAP_PERFMON)")
        print("integration: 0 passed, 0 failed, %d skipped" % suite.countTestCases())
        return 0
    missing = [p for p in [EMBER] + [wl(n) for n in ("burn_ab", "short_lived", "forker",
                                                     "spinner", "threads")]
               if not os.access(p, os.X_OK)]
    if missing:
        print("FAIL: missing executables (run make): %s" % " ".join(missing))
        print("integration: 0 passed, %d failed" % suite.countTestCases())
        return 1
    TMP = tempfile.mkdtemp(prefix="ember-it.")
    os.chmod(TMP, 0o755)
    try:
        res = unittest.TextTestRunner(stream=sys.stdout, verbosity=verbosity).run(suite)
    finally:
        kill_all()
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

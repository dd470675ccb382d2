# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember integration tests for -e alloc and -e leak, run by run.py (-k Alloc).

The workload (tests/workloads/alloc_work.c) calls the allocator directly from
known functions, so each is the leaf frame of its allocations' stacks, and
prints the exact ground truth of every step:

    truth FUNC bytes=B count=C leaked_bytes=LB leaked_count=LC

-e alloc counts bytes requested per stack, -e leak bytes still allocated at
the end; both are compared with that truth exactly, except the sampled
(--sample-bytes) estimates.
"""
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import run  # run.py (registered under this name by its main())
from run import EmberTest, folded_problems, is_kernel, start, wl

ALLOC_SUMMARY = re.compile(r"^ember: alloc\b[^\n]*?(\d+) allocations?, (\d+) bytes in ([\d.]+) ?s",
                           re.M)
LEAK_SUMMARY = re.compile(r"^ember: leak\b[^\n]*?(\d+) bytes in (\d+) blocks? outstanding", re.M)

# Bytes a process may allocate outside the workload's functions: stdio's
# buffer, thread start-up (TLS), libc's own bookkeeping. Anything near the
# size of a test's blocks (4 MiB, 64 MiB heaps) is a bug.
SLACK = 256 * 1024
BIG = 4 * 1024 * 1024


def truths(out):
    """{"FUNC": {"bytes": B, "count": C, "leaked_bytes": LB, "leaked_count": LC}}, summed
    over steps."""
    t = {}
    for fn, rest in re.findall(r"^truth (\w+) (.*)$", out, re.M):
        d = t.setdefault(fn, {})
        for k, v in re.findall(r"(\w+)=(\d+)", rest):
            d[k] = d.get(k, 0) + int(v)
    return t


def user_leaf(fr):
    user = [f for f in fr[1:] if not is_kernel(f)]
    return user[-1] if user else None


class Folded:
    """A folded file: ember's "# ember: event E, values in U" line, then maybe
    "# " comments (sampled estimates), then the stacks."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding="utf-8", errors="replace") as f:
            self.text = f.read()
        lines = self.text.splitlines(keepends=True)
        n = 0
        while n < len(lines) and lines[n].startswith("# "):
            n += 1
        self.header = lines[0].rstrip("\n") if n and lines[0].startswith("# ember: event ") \
            else None
        self.comments = [l.rstrip("\n") for l in lines[1 if self.header else 0:n]]
        body = "".join(lines[n:])
        self.problems = folded_problems(body)
        if any(l.startswith("#") for l in lines[n:]):
            self.problems.append("'#' line after the first stack line")
        self.stacks = []
        for line in body.splitlines():
            if run.FOLDED_LINE.match(line):
                stack, count = line.rsplit(" ", 1)
                self.stacks.append((stack.split(";"), int(count)))

    def total(self, root=None):
        return sum(c for fr, c in self.stacks if root is None or fr[0] == root)

    def leaf(self, fn, root=None):
        """Bytes in stacks whose user leaf is fn (fn called the allocator)."""
        return sum(c for fr, c in self.stacks
                   if user_leaf(fr) == fn and (root is None or fr[0] == root))

    def anywhere(self, fn):
        return sum(c for fr, c in self.stacks if fn in fr[1:])

    def summary(self, n=15):
        top = sorted(self.stacks, key=lambda s: -s[1])[:n]
        head = "".join(c + "\n" for c in self.comments)
        return head + "\n".join("%10d %s" % (c, ";".join(fr)) for fr, c in top)


class Workload:
    """alloc_work started by the test (for -p/-t/-a): stdout collected by a
    thread, the process reaped as soon as it exits."""

    def __init__(self, args, env=None):
        self.argv = [wl("alloc_work")] + [str(a) for a in args]
        self.p = start(self.argv, stdout=subprocess.PIPE, env=env)
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_line(r"^ready \d+", 20)
        if not line:
            raise AssertionError("alloc_work not ready: %s\nstdout: %r" % (
                " ".join(self.argv), self.out()))
        self.pid = self.p.pid

    def _read(self):
        for raw in self.p.stdout:
            with self.cond:
                self.lines.append(raw.decode(errors="replace"))
                self.cond.notify_all()
        self.p.wait()
        with self.cond:
            self.lines.append(None)
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

    def signal(self):
        os.kill(self.pid, signal.SIGUSR1)

    def finish(self, timeout=60):
        """Wait for the exit; the whole stdout."""
        end = time.monotonic() + timeout
        with self.cond:
            while None not in self.lines and time.monotonic() < end:
                self.cond.wait(max(0.05, end - time.monotonic()))
        if None not in self.lines:
            run.kill(self.p)
            raise AssertionError("alloc_work did not exit: %s" % " ".join(self.argv))
        return self.out()

    def out(self):
        with self.cond:
            return "".join(l for l in self.lines if l is not None)


class AllocTest(EmberTest):
    def setUp(self):
        super().setUp()
        if not os.access(wl("alloc_work"), os.X_OK):
            self.fail("missing %s (run make)" % wl("alloc_work"))

    def record(self, args, work, timeout=180, out=None, rc=0):
        """ember record -o OUT ARGS -- alloc_work WORK...; (result, truth)."""
        argv = [run.EMBER, "record", "-o", out or self.out] + args + ["--", wl("alloc_work")]
        r = run.run(argv + [str(w) for w in work], timeout)
        self.assertEqual(r.rc, rc, "ember: want exit %d\n%s\nstdout:\n%s" % (rc, r, r.out))
        t = truths(r.out)
        self.assertTrue(t, "no truth lines from the workload\n%s\nstdout: %r" % (r, r.out))
        return r, t

    def load(self, r, path=None, sampled=False):
        path = path or self.out
        self.assertTrue(os.path.exists(path), "no output file %s\n%s" % (path, r))
        prof = Folded(path)
        self.assertEqual(prof.problems[:10], [], "invalid folded output %s\n%s\n%s" % (
            path, r, prof.text[:3000]))
        self.assertRegex(prof.header or "", r"^# ember: event (alloc|leak), values in bytes$",
                         "first line should name the event and unit\n%s" % r)
        if sampled:
            self.assertTrue(prof.comments, "sampled profile without a '# ' comment line\n%s\n%s"
                            % (r, prof.summary()))
            self.assertRegex(" ".join(prof.comments).lower(), r"estimat",
                             "the '# ' comment should say the values are estimates\n%s" % r)
        else:
            self.assertEqual(prof.comments, [], "'# ' comment in an unsampled profile\n%s" % r)
        return prof

    def ctx(self, r, t, *profs):
        return "%s\ntruth %s\n%s" % (r, t, "\n".join(
            "--- %s\n%s" % (os.path.basename(p.path), p.summary()) for p in profs))

    def alloc_summary(self, r):
        s = ALLOC_SUMMARY.findall(r.err)
        self.assertEqual(len(s), 1, "want one 'ember: alloc (...): N allocations, B bytes in T s'"
                         " line\n%s" % r)
        return {"allocs": int(s[0][0]), "bytes": int(s[0][1]), "secs": float(s[0][2])}

    def leak_summary(self, r):
        s = LEAK_SUMMARY.findall(r.err)
        self.assertEqual(len(s), 1, "want one 'ember: leak (...): B bytes in N blocks outstanding'"
                         " line\n%s" % r)
        return {"bytes": int(s[0][0]), "blocks": int(s[0][1])}

    def assertExact(self, prof, fn, want, ctx, root=None):
        """fn's bytes (fn the leaf) == want, and fn never anywhere but the leaf."""
        got = prof.leaf(fn, root)
        self.assertEqual(got, want, "%s: %d bytes, truth %d (%+d)\n%s" % (
            fn, got, want, got - want, ctx))
        self.assertEqual(prof.anywhere(fn), got,
                         "%s appears as a non-leaf frame (allocator frames after it?)\n%s" % (
                             fn, ctx))

    def assertAbsent(self, prof, fn, ctx):
        self.assertEqual(prof.anywhere(fn), 0, "%s should not be in the profile\n%s" % (fn, ctx))

    def assertNear(self, got, want, tol, what, ctx):
        self.assertGreater(want, 0, "%s: no ground truth\n%s" % (what, ctx))
        err = (got - want) / want
        self.assertLessEqual(abs(err), tol, "%s: %d bytes, truth %d (%+.2f%%, allowed +-%.0f%%)\n%s"
                             % (what, got, want, 100 * err, 100 * tol, ctx))

    def assertBounded(self, got, want, what, ctx):
        """want <= got <= want + SLACK (the rest of the process allocates a little)."""
        self.assertGreaterEqual(got, want, "%s: %d < %d\n%s" % (what, got, want, ctx))
        self.assertLessEqual(got, want + SLACK, "%s: %d, more than %d over the workload's %d "
                             "(counted twice? allocator-internal mmaps?)\n%s" % (
                                 what, got, SLACK, want, ctx))


def sum_truth(t, key, fns=None):
    return sum(v[key] for fn, v in t.items() if fns is None or fn in fns)


# ----------------------------------------------------------------- leak

BASIC = ["leak_small:100:400", "leak_big:3:%d" % BIG, "churn:5000:256"]
ALLOCATORS = ("use_reallocarray", "use_posix_memalign", "use_aligned_alloc", "use_memalign",
              "use_valloc", "use_pvalloc", "use_realloc_null")


class AllocLeak(AllocTest):
    def test_leak_exact(self):
        """-e leak: leak_small 40000 and leak_big 3 x 4 MiB exactly, churn's freed blocks 0."""
        r, t = self.record(["-e", "leak"], BASIC)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertEqual(t["leak_small"]["leaked_bytes"], 40000, ctx)
        self.assertExact(prof, "leak_small", 40000, ctx)
        self.assertExact(prof, "leak_big", 3 * BIG, ctx)
        self.assertAbsent(prof, "churn", ctx)
        want = 40000 + 3 * BIG
        s = self.leak_summary(r)
        self.assertBounded(s["bytes"], want, "leak summary bytes", ctx)
        self.assertGreaterEqual(s["blocks"], 103, "leak summary blocks\n" + ctx)
        self.assertLessEqual(s["blocks"], 103 + 200, "leak summary blocks\n" + ctx)
        self.assertBounded(prof.total("alloc_work"), want, "alloc_work's leaked bytes in the file",
                           ctx)
        self.assertEqual(s["bytes"], prof.total(), "summary bytes vs the file's total\n" + ctx)

    def test_leak_calloc_realloc(self):
        """-e leak: calloc then realloc (grow, shrink in place, moved), odd ones kept: exact."""
        r, t = self.record(["-e", "leak"], ["calloc_realloc:400"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "calloc_realloc", t["calloc_realloc"]["leaked_bytes"], ctx)
        s = self.leak_summary(r)
        self.assertBounded(s["bytes"], t["calloc_realloc"]["leaked_bytes"], "leak summary bytes",
                           ctx)
        self.assertGreaterEqual(s["blocks"], t["calloc_realloc"]["leaked_count"], ctx)

    def test_realloc_moves_ownership(self):
        """malloc in grow_alloc, realloc in grow_realloc: the new block is grow_realloc's
        (alloc: both requests counted where made; leak: all under grow_realloc)."""
        base = os.path.join(self.dir, "X.folded")
        r, t = self.record(["-e", "alloc,leak"], ["realloc_move:300"], out=base)
        a = self.load(r, os.path.join(self.dir, "X.alloc.folded"))
        l = self.load(r, os.path.join(self.dir, "X.leak.folded"))
        ctx = self.ctx(r, t, a, l)
        self.assertExact(a, "grow_alloc", t["grow_alloc"]["bytes"], ctx)
        self.assertExact(a, "grow_realloc", t["grow_realloc"]["bytes"], ctx)
        self.assertExact(l, "grow_realloc", t["grow_realloc"]["leaked_bytes"], ctx)
        self.assertAbsent(l, "grow_alloc", ctx)

    def test_leak_allocators(self):
        """-e leak: reallocarray, posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
        realloc(NULL): each function's leaked bytes exact."""
        r, t = self.record(["-e", "leak"], ["misc:20", "realloc_zero:30:500"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        bad = {fn: (prof.leaf(fn), t[fn]["leaked_bytes"]) for fn in ALLOCATORS
               if prof.leaf(fn) != t[fn]["leaked_bytes"]}
        self.assertEqual(bad, {}, "leaked bytes (got, truth) differ\n" + ctx)
        for fn in ALLOCATORS:
            self.assertExact(prof, fn, t[fn]["leaked_bytes"], ctx)
        # realloc(p, 0) frees p
        self.assertAbsent(prof, "realloc_zero", ctx)
        want = sum_truth(t, "leaked_bytes", ALLOCATORS)
        self.assertBounded(self.leak_summary(r)["bytes"], want, "leak summary bytes", ctx)

    def test_leak_threads(self):
        """-e leak: 4 threads each leak 200 x 3000 in thread_leak: exactly 2400000."""
        r, t = self.record(["-e", "leak"], ["threads:4:200:3000"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertEqual(t["thread_leak"]["leaked_bytes"], 4 * 200 * 3000, ctx)
        self.assertExact(prof, "thread_leak", 4 * 200 * 3000, ctx)
        # new threads get malloc arenas (64 MiB mmaps inside glibc): not the program's
        self.assertBounded(prof.total("alloc_work"), 4 * 200 * 3000,
                           "alloc_work's leaked bytes in the file", ctx)
        self.assertBounded(self.leak_summary(r)["bytes"], 4 * 200 * 3000, "leak summary bytes",
                           ctx)

    def test_leak_mmap(self):
        """-e leak: anonymous mmaps never unmapped exact; munmapped, MAP_STACK, file maps 0."""
        mb = 1 << 20
        r, t = self.record(["-e", "leak"], ["mmap_leak:3:%d" % mb, "mmap_churn:5:%d" % mb,
                                            "mmap_partial:3:%d" % mb, "mmap_stack:2:%d" % mb,
                                            "mmap_file:2:8192"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "mmap_leak", 3 * mb, ctx)
        # first and last quarter unmapped: half of each mapping left
        self.assertExact(prof, "mmap_partial", 3 * mb // 2, ctx)
        for fn in ("mmap_churn", "mmap_stack_leak", "mmap_file_leak"):
            self.assertAbsent(prof, fn, ctx)
        self.assertBounded(self.leak_summary(r)["bytes"], 3 * mb + 3 * mb // 2,
                           "leak summary bytes", ctx)

    def test_cross_thread_free(self):
        """Blocks malloc'd in one thread, freed in another: allocated exactly, not leaked."""
        base = os.path.join(self.dir, "X.folded")
        r, t = self.record(["-e", "alloc,leak"], ["xthread:500:300", "leak_small:10:100"],
                           out=base)
        a = self.load(r, os.path.join(self.dir, "X.alloc.folded"))
        l = self.load(r, os.path.join(self.dir, "X.leak.folded"))
        ctx = self.ctx(r, t, a, l)
        self.assertExact(a, "xthread_alloc", 500 * 300, ctx)
        self.assertAbsent(l, "xthread_alloc", ctx)
        self.assertExact(l, "leak_small", 1000, ctx)

    def test_fork_child(self):
        """-- CMD follows a forked child: its allocations counted exactly; its blocks, gone
        when it exited before the end, are not outstanding; the parent's are."""
        base = os.path.join(self.dir, "X.folded")
        r, t = self.record(["-e", "alloc,leak"], ["fork_leak:20:1000", "leak_small:10:100"],
                           out=base)
        a = self.load(r, os.path.join(self.dir, "X.alloc.folded"))
        l = self.load(r, os.path.join(self.dir, "X.leak.folded"))
        ctx = self.ctx(r, t, a, l)
        self.assertExact(a, "leak_small", 1000, ctx)
        self.assertAbsent(l, "child_leak", ctx)
        self.assertExact(l, "leak_small", 1000, ctx)
        if a.anywhere("child_leak") == 0:
            self.skipTest("a command's forked children are not probed (README)")
        self.assertExact(a, "child_leak", 20000, ctx)

    def test_exec(self):
        """A command that execs: what the old image leaked is gone, the new image's is exact;
        -e alloc counts both."""
        base = os.path.join(self.dir, "X.folded")
        r, t = self.record(["-e", "alloc,leak"], ["leak_small:10:1000", "exec", "leak_old:5:100"],
                           out=base)
        a = self.load(r, os.path.join(self.dir, "X.alloc.folded"))
        l = self.load(r, os.path.join(self.dir, "X.leak.folded"))
        ctx = self.ctx(r, t, a, l)
        self.assertEqual(r.out.count("ready "), 2, "the workload did not exec\n" + ctx)
        self.assertExact(a, "leak_small", 10000, ctx)
        self.assertExact(a, "leak_old", 500, ctx)
        self.assertAbsent(l, "leak_small", ctx)
        self.assertExact(l, "leak_old", 500, ctx)

    def test_min_age(self):
        """--min-age 1: blocks 2.5 s old kept exactly, blocks allocated at the end left out."""
        r, t = self.record(["-e", "leak", "--min-age", "1"],
                           ["leak_old:50:1000", "sleep:2.5", "leak_young:70:1000"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "leak_old", 50000, ctx)
        self.assertAbsent(prof, "leak_young", ctx)
        s = self.leak_summary(r)
        self.assertGreaterEqual(s["bytes"], 50000, ctx)
        self.assertLess(s["bytes"], 50000 + 70000, "young blocks in the summary's bytes\n" + ctx)
        m = re.search(r"(\d+) blocks? \((\d+) bytes\)[^,;]*younger", r.err)
        self.assertTrue(m, "the summary should say how many blocks --min-age left out\n" + ctx)
        self.assertEqual((int(m.group(1)), int(m.group(2))), (70, 70000),
                         "blocks (bytes) left out by --min-age\n" + ctx)
        # without it both are there
        out = os.path.join(self.dir, "all.folded")
        r, t = self.record(["-e", "leak"], ["leak_old:50:1000", "sleep:0.5", "leak_young:70:1000"],
                           out=out)
        prof = self.load(r, out)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "leak_old", 50000, ctx)
        self.assertExact(prof, "leak_young", 70000, ctx)


# ----------------------------------------------------------------- alloc

class AllocBytes(AllocTest):
    def test_alloc_exact(self):
        """-e alloc: churn 5000 x 256, leak_small 40000, leak_big 3 x 4 MiB, all exact."""
        r, t = self.record(["-e", "alloc"], BASIC)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "churn", 5000 * 256, ctx)
        self.assertExact(prof, "leak_small", 40000, ctx)
        self.assertExact(prof, "leak_big", 3 * BIG, ctx)
        want = 5000 * 256 + 40000 + 3 * BIG
        s = self.alloc_summary(r)
        # malloc's own mmap of a 4 MiB block is not a second allocation
        self.assertBounded(s["bytes"], want, "alloc summary bytes", ctx)
        self.assertGreaterEqual(s["allocs"], 5103, "alloc summary allocations\n" + ctx)
        self.assertLessEqual(s["allocs"], 5103 + 200, "alloc summary allocations\n" + ctx)
        self.assertBounded(prof.total("alloc_work"), want, "alloc_work's bytes in the file", ctx)
        self.assertEqual(s["bytes"], prof.total(), "summary bytes vs the file's total\n" + ctx)

    def test_alloc_calloc_realloc(self):
        """-e alloc: calloc n*size plus realloc's new sizes, exact."""
        r, t = self.record(["-e", "alloc"], ["calloc_realloc:400"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "calloc_realloc", t["calloc_realloc"]["bytes"], ctx)
        s = self.alloc_summary(r)
        self.assertBounded(s["bytes"], t["calloc_realloc"]["bytes"], "alloc summary bytes", ctx)
        self.assertGreaterEqual(s["allocs"], t["calloc_realloc"]["count"], ctx)
        self.assertLessEqual(s["allocs"], t["calloc_realloc"]["count"] + 200, ctx)

    def test_alloc_allocators(self):
        """-e alloc: every allocator entry point counted once with its requested size."""
        r, t = self.record(["-e", "alloc"], ["misc:20", "realloc_zero:30:500"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        bad = {fn: (prof.leaf(fn), t[fn]["bytes"]) for fn in ALLOCATORS
               if prof.leaf(fn) != t[fn]["bytes"]}
        self.assertEqual(bad, {}, "allocated bytes (got, truth) differ\n" + ctx)
        for fn in ALLOCATORS:
            self.assertExact(prof, fn, t[fn]["bytes"], ctx)
        # the malloc(500)s; realloc(p, 0) requests nothing (and no 0-byte line: load checks)
        self.assertExact(prof, "realloc_zero", 30 * 500, ctx)
        fns = ALLOCATORS + ("realloc_zero",)
        s = self.alloc_summary(r)
        self.assertBounded(s["bytes"], sum_truth(t, "bytes", fns), "alloc summary bytes", ctx)
        n = sum_truth(t, "count", fns)
        self.assertGreaterEqual(s["allocs"], n, ctx)
        self.assertLessEqual(s["allocs"], n + 30 + 200, ctx)

    def test_alloc_mmap(self):
        """-e alloc: anonymous mmaps (kept or unmapped) by length; MAP_STACK and file maps not."""
        mb = 1 << 20
        r, t = self.record(["-e", "alloc"], ["mmap_leak:3:%d" % mb, "mmap_churn:5:%d" % mb,
                                             "mmap_partial:3:%d" % mb, "mmap_stack:2:%d" % mb,
                                             "mmap_file:2:8192"])
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "mmap_leak", 3 * mb, ctx)
        self.assertExact(prof, "mmap_churn", 5 * mb, ctx)
        self.assertExact(prof, "mmap_partial", 3 * mb, ctx)
        self.assertAbsent(prof, "mmap_stack_leak", ctx)
        self.assertAbsent(prof, "mmap_file_leak", ctx)

    def test_alloc_and_leak_files(self):
        """-e alloc,leak -o X.folded: X.alloc.folded and X.leak.folded, both exact, one run."""
        base = os.path.join(self.dir, "X.folded")
        r, t = self.record(["-e", "alloc,leak"], BASIC + ["threads:2:50:1000"], out=base)
        a = self.load(r, os.path.join(self.dir, "X.alloc.folded"))
        l = self.load(r, os.path.join(self.dir, "X.leak.folded"))
        ctx = self.ctx(r, t, a, l)
        self.assertFalse(os.path.exists(base), "X.folded itself written\n" + ctx)
        for fn in ("churn", "leak_small", "leak_big", "thread_leak"):
            self.assertExact(a, fn, t[fn]["bytes"], ctx)
        for fn in ("leak_small", "leak_big", "thread_leak"):
            self.assertExact(l, fn, t[fn]["leaked_bytes"], ctx)
        self.assertAbsent(l, "churn", ctx)
        self.alloc_summary(r)
        self.leak_summary(r)

    def test_several_events_need_output(self):
        """-e alloc,leak without -o: usage error, exit 2."""
        r = run.run([run.EMBER, "record", "-e", "alloc,leak", "-d", "1"], 30)
        self.assertEqual(r.rc, 2, "want exit 2\n%s" % r)
        self.assertRegex(r.err, r"^ember: error: ", r)

    def test_exit_status(self):
        """-e alloc -- CMD: CMD's exit status (7) is ember's; the profile is still written."""
        r, t = self.record(["-e", "alloc"], ["leak_small:10:100", "exit:7"], rc=7)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "leak_small", 1000, ctx)

    def test_stdout_output(self):
        """-e leak without -o: the profile on stdout (after the workload's own lines)."""
        r = run.run([run.EMBER, "record", "-e", "leak", "--", wl("alloc_work"),
                     "leak_small:10:100"], 60)
        self.assertEqual(r.rc, 0, r)
        m = re.search(r"(?ms)^# ember: event leak, .*\Z", r.out)
        self.assertTrue(m, "no profile on stdout\n%s\nstdout:\n%s" % (r, r.out))
        path = os.path.join(self.dir, "stdout.folded")
        with open(path, "w") as f:
            f.write(m.group(0))
        prof = self.load(r, path)
        self.assertExact(prof, "leak_small", 1000, "%s\n%s" % (r, prof.summary()))


# ----------------------------------------------------------------- -p / -t / -a

class AllocAttach(AllocTest):
    def watch(self, args):
        return run.Watched([run.EMBER, "record", "-v", "-o", self.out] + args)

    def attached(self, w):
        att = w.wait_line(r"attached", 30)
        if att is None:
            r = w.finish(30)
            self.fail("no 'attached' line with -v\n%s" % r)

    def test_pid_until_exit(self):
        """-p on a waiting process, released after attach, recorded until it exits: exact."""
        wk = Workload(["-w", 60, "calloc_realloc:300", "leak_small:50:1000", "churn:2000:100"])
        w = self.watch(["-e", "leak", "-p", str(wk.pid)])
        self.attached(w)
        wk.signal()
        out = wk.finish(120)
        r = w.finish(60)
        t = truths(out)
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "calloc_realloc", t["calloc_realloc"]["leaked_bytes"], ctx)
        self.assertExact(prof, "leak_small", 50000, ctx)
        self.assertAbsent(prof, "churn", ctx)
        self.assertBounded(self.leak_summary(r)["bytes"],
                           t["calloc_realloc"]["leaked_bytes"] + 50000, "leak summary bytes", ctx)

    def test_pid_duration_alloc_leak(self):
        """-e alloc,leak -p -d 3 on a process that is still alive at the end: both exact."""
        wk = Workload(["-w", 60, "-W", 60, "calloc_realloc:300", "leak_big:2:%d" % BIG,
                       "churn:1000:300"])
        base = os.path.join(self.dir, "P.folded")
        w = run.Watched([run.EMBER, "record", "-v", "-o", base, "-e", "alloc,leak",
                         "-p", str(wk.pid), "-d", "3"])
        self.attached(w)
        wk.signal()
        done = wk.wait_line(r"^done", 60)
        r = w.finish(60)
        alive = wk.p.poll() is None
        wk.signal()
        out = wk.finish(60)
        t = truths(out)
        self.assertTrue(done, "workload not done\n%s\nstdout: %r" % (r, out))
        self.assertTrue(alive, "workload exited before ember\n%s" % r)
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        a = self.load(r, os.path.join(self.dir, "P.alloc.folded"))
        l = self.load(r, os.path.join(self.dir, "P.leak.folded"))
        ctx = self.ctx(r, t, a, l)
        for fn in ("calloc_realloc", "leak_big", "churn"):
            self.assertExact(a, fn, t[fn]["bytes"], ctx)
        for fn in ("calloc_realloc", "leak_big"):
            self.assertExact(l, fn, t[fn]["leaked_bytes"], ctx)
        self.assertAbsent(l, "churn", ctx)
        self.assertGreaterEqual(r.elapsed, 2.9, "-d 3 ended early\n" + ctx)

    def test_pid_unseen_frees(self):
        """Blocks allocated before the attach and freed after: ignored, nothing else disturbed."""
        wk = Workload(["prealloc:300:100", "pause:60", "free_pre", "leak_small:10:1000",
                       "churn:100:100"])
        self.assertTrue(wk.wait_line(r"^paused", 30), "workload did not pause: %r" % wk.out())
        w = self.watch(["-e", "leak", "-p", str(wk.pid)])
        self.attached(w)
        wk.signal()
        out = wk.finish(60)
        r = w.finish(60)
        t = truths(out)
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        self.assertIn("freed 300", out)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "leak_small", 10000, ctx)
        self.assertAbsent(prof, "prealloc", ctx)
        self.assertAbsent(prof, "churn", ctx)
        self.assertBounded(self.leak_summary(r)["bytes"], 10000, "leak summary bytes", ctx)
        # ignored, and counted
        m = re.search(r"(\d+) frees?\b[^,;]*(not seen|never seen|unknown|untracked)", r.err)
        self.assertTrue(m, "the summary should count the frees of unseen blocks\n" + ctx)
        self.assertGreaterEqual(int(m.group(1)), 300, "frees of unseen blocks\n" + ctx)

    def test_tid(self):
        """-t TID: the main thread's leaks exactly, none of the other threads'."""
        wk = Workload(["-w", 60, "-W", 60, "leak_small:10:1000", "threads:2:10:500"])
        w = self.watch(["-e", "leak", "-t", str(wk.pid), "-d", "3"])
        self.attached(w)
        wk.signal()
        r = w.finish(60)
        wk.signal()
        t = truths(wk.finish(60))
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "leak_small", 10000, ctx)
        self.assertAbsent(prof, "thread_leak", ctx)

    def test_all(self):
        """-a -d 3: the workload's leaks under its name, exact."""
        wk = Workload(["-w", 60, "-W", 60, "leak_small:20:1000", "churn:500:100"])
        w = self.watch(["-e", "leak", "-a", "-d", "3"])
        self.attached(w)
        wk.signal()
        r = w.finish(90)
        wk.signal()
        t = truths(wk.finish(60))
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertEqual(prof.leaf("leak_small", root="alloc_work"), 20000, ctx)
        self.assertExact(prof, "leak_small", 20000, ctx)
        self.assertAbsent(prof, "churn", ctx)


# ----------------------------------------------------------------- --sample-bytes

class AllocSampling(AllocTest):
    def test_sample_alloc(self):
        """--sample-bytes 65536, -e alloc: ~500 MB of 16..4096-byte blocks estimated within 10%,
        sample_a/sample_b ~3; blocks >= 65536 exact."""
        r, t = self.record(["-e", "alloc", "--sample-bytes", "65536"],
                           ["mixed:64000:free", "leak_big:3:%d" % BIG, "leak_small:10:65536"],
                           timeout=300)
        prof = self.load(r, sampled=True)
        ctx = self.ctx(r, t, prof)
        a, b = prof.leaf("sample_a"), prof.leaf("sample_b")
        self.assertNear(a, t["sample_a"]["bytes"], 0.10, "sample_a", ctx)
        self.assertNear(b, t["sample_b"]["bytes"], 0.10, "sample_b", ctx)
        self.assertTrue(2.7 <= a / b <= 3.3, "sample_a/sample_b = %d/%d = %.3f, want 3 +- 10%%\n%s"
                        % (a, b, a / b, ctx))
        self.assertExact(prof, "leak_big", 3 * BIG, ctx)
        self.assertExact(prof, "leak_small", 10 * 65536, ctx)
        s = self.alloc_summary(r)
        want = sum_truth(t, "bytes")
        self.assertNear(s["bytes"], want, 0.10, "alloc summary bytes", ctx)
        self.assertNear(s["allocs"], sum_truth(t, "count"), 0.15, "alloc summary allocations",
                        ctx)

    def test_sample_leak(self):
        """--sample-bytes 65536, -e leak: ~160 MB leaked in small blocks estimated (+-30%),
        ratio ~3; 4 MiB blocks exact. (About 2500 samples: sample_b's ~600 put the ratio's
        standard deviation near 5%, so the +-25% bound is no coin toss; with 8000 rounds
        it failed about once in several hundred runs.)"""
        r, t = self.record(["-e", "leak", "--sample-bytes", "65536"],
                           ["mixed:20000:leak", "leak_big:3:%d" % BIG, "churn:20000:1000"],
                           timeout=300)
        prof = self.load(r, sampled=True)
        ctx = self.ctx(r, t, prof)
        a, b = prof.leaf("sample_a"), prof.leaf("sample_b")
        self.assertNear(a, t["sample_a"]["leaked_bytes"], 0.30, "sample_a", ctx)
        self.assertNear(b, t["sample_b"]["leaked_bytes"], 0.30, "sample_b", ctx)
        self.assertTrue(2.25 <= a / b <= 3.75, "sample_a/sample_b = %d/%d = %.3f, want ~3\n%s"
                        % (a, b, a / b, ctx))
        self.assertExact(prof, "leak_big", 3 * BIG, ctx)
        self.assertAbsent(prof, "churn", ctx)


# ----------------------------------------------------------------- --alloc-lib

PRELOAD_SRC = r"""
/* A bump allocator for LD_PRELOAD: never reuses memory, never calls mmap. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#define ARENA (256ul << 20)
static char arena[ARENA] __attribute__((aligned(4096)));
static size_t used;
static int lock;

static void *bump(size_t align, size_t n)
{
	size_t start;
	char *p;

	if (align < 16)
		align = 16;
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		;
	start = (used + 16 + align - 1) & ~(align - 1);
	if (start + n > ARENA) {
		__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
		errno = ENOMEM;
		return NULL;
	}
	used = start + n;
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	p = arena + start;
	((size_t *)p)[-1] = n;
	return p;
}

void *malloc(size_t n) { return bump(16, n); }
void free(void *p) { (void)p; }
void *calloc(size_t n, size_t s)
{
	size_t t;

	if (__builtin_mul_overflow(n, s, &t)) {
		errno = ENOMEM;
		return NULL;
	}
	return bump(16, t); /* never reused: still zero */
}
void *realloc(void *p, size_t n)
{
	void *q = bump(16, n);

	if (p && q) {
		size_t old = ((size_t *)p)[-1];
		memcpy(q, p, old < n ? old : n);
	}
	return q;
}
void *memalign(size_t a, size_t n) { return bump(a, n); }
void *aligned_alloc(size_t a, size_t n) { return bump(a, n); }
void *valloc(size_t n) { return bump(4096, n); }
void *pvalloc(size_t n) { return bump(4096, (n + 4095) & ~4095ul); }
int posix_memalign(void **out, size_t a, size_t n)
{
	void *p = bump(a, n);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
size_t malloc_usable_size(void *p) { return p ? ((size_t *)p)[-1] : 0; }
"""


class AllocLib(AllocTest):
    def build_preload(self):
        gcc = shutil.which("gcc") or shutil.which("cc")
        if not gcc:
            self.skipTest("no C compiler to build the LD_PRELOAD allocator")
        src = os.path.join(self.dir, "bumpalloc.c")
        lib = os.path.join(self.dir, "libbumpalloc.so")
        with open(src, "w") as f:
            f.write(PRELOAD_SRC)
        subprocess.run([gcc, "-shared", "-fPIC", "-O1", "-fno-omit-frame-pointer", "-o", lib, src],
                       check=True, timeout=60)
        os.chmod(self.dir, 0o755)
        return lib

    def test_alloc_lib_preload(self):
        """--alloc-lib LIB: a preloaded allocator's malloc/free are probed; leaks exact."""
        lib = self.build_preload()
        env = dict(os.environ, LD_PRELOAD=lib)
        wk = Workload(["-w", 60, "leak_small:100:400", "churn:1000:256", "calloc_realloc:100"],
                      env=env)
        with open("/proc/%d/maps" % wk.pid) as f:
            self.assertIn(lib, f.read(), "the preload library is not mapped")
        w = run.Watched([run.EMBER, "record", "-v", "-o", self.out, "-e", "leak",
                         "--alloc-lib", lib, "-p", str(wk.pid)])
        att = w.wait_line(r"attached", 30)
        wk.signal()
        out = wk.finish(60)
        r = w.finish(60)
        self.assertIsNotNone(att, "no 'attached' line\n%s" % r)
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        t = truths(out)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "leak_small", 40000, ctx)
        self.assertExact(prof, "calloc_realloc", t["calloc_realloc"]["leaked_bytes"], ctx)
        self.assertAbsent(prof, "churn", ctx)

    def test_alloc_lib_libc_twice(self):
        """--alloc-lib naming libc itself (already probed): nothing counted twice."""
        libc = None
        with open("/proc/self/maps") as f:
            for line in f:
                m = re.search(r"(/\S*/libc\.so\.6)$", line.strip())
                if m:
                    libc = m.group(1)
                    break
        if not libc:
            self.skipTest("libc.so.6 not found in /proc/self/maps")
        r, t = self.record(["-e", "alloc", "--alloc-lib", libc], BASIC)
        prof = self.load(r)
        ctx = self.ctx(r, t, prof)
        self.assertExact(prof, "leak_small", 40000, ctx)
        self.assertExact(prof, "churn", 5000 * 256, ctx)


# ----------------------------------------------------------------- errors

class AllocErrors(AllocTest):
    def test_bad_sample_bytes(self):
        for bad in ("0", "-5", "abc", "12x", ""):
            with self.subTest(sample_bytes=bad):
                r = self.ember(["-e", "leak", "--sample-bytes", bad, "-d", "1"], timeout=30)
                self.assertError(r, 2, [("sample-bytes", "sample")], self.out)

    def test_bad_min_age(self):
        for bad in ("-1", "abc", "1x"):
            with self.subTest(min_age=bad):
                r = self.ember(["-e", "leak", "--min-age", bad, "-d", "1"], timeout=30)
                self.assertError(r, 2, [("min-age", "age")], self.out)

    def test_alloc_lib_missing(self):
        r = self.ember(["-e", "alloc", "--alloc-lib", "/nonexistent/libfoo.so", "-d", "1"],
                       timeout=30)
        lines = run.error_lines(r.err)
        self.assertNotEqual(r.rc, 0, "want a failure\n%s" % r)
        self.assertEqual(len(lines), 1, "want exactly one stderr line\n%s" % r)
        self.assertTrue(lines[0].startswith("ember: error: "), "bad error line\n%s" % r)
        self.assertIn("/nonexistent/libfoo.so", lines[0], r)
        self.assertFalse(os.path.exists(self.out), "output file created on error\n%s" % r)

    def test_dead_pid(self):
        pid_max = int(open("/proc/sys/kernel/pid_max").read())
        pid = next(p for p in range(pid_max - 1, 1, -1) if not os.path.exists("/proc/%d" % p))
        for ev in ("alloc", "leak"):
            with self.subTest(event=ev):
                r = self.ember(["-e", ev, "-p", str(pid), "-d", "1"], timeout=30)
                self.assertError(r, 1, [str(pid)], self.out)

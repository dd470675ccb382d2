# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember integration tests for the .eh_frame unwinder, run by run.py (-k Unwind).

The workload (tests/workloads/nofp_work.c) is built -O2 without frame
pointers, as distribution code is: its call chains are known by
construction (every function on them is noinline and works after its
call, so each frame is really on the stack), and only the unwind tables
can recover them. Completeness is asserted on the share of samples (or
off-CPU time, or bytes) whose stack holds the whole known chain down to
the program's entry.
"""
import os
import re
import shutil

from run import EmberTest, Profile, is_kernel, wl

MARKERS = ("[off-cpu]", "[runnable]")
PARTIAL = "[partial]"


def base(name):
    """A function's name without gcc's clone suffixes (.constprop.0, .part.1,
    .isra.0, .cold): the workload's functions by their source names."""
    return name.split(".", 1)[0] if not name.startswith(".") else name


def user_frames(fr):
    """The user frames of a folded stack, root (outermost) first, without the
    process root, kernel frames or markers, by source name."""
    return [base(f) for f in fr[1:] if not is_kernel(f) and f not in MARKERS]


def in_order(frames, chain):
    """Whether chain's names appear in frames in this order (others may lie
    between)."""
    i = 0
    for f in frames:
        if i < len(chain) and f == chain[i]:
            i += 1
    return i == len(chain)


class UnwindTest(EmberTest):
    def recorded(self, r):
        """The profile of a run that must succeed (any event's summary)."""
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        self.assertTrue(os.path.exists(self.out), "no output\n%s" % r)
        prof = Profile(self.out)
        self.assertEqual(prof.problems[:10], [], "invalid folded output\n%s" % r)
        return prof

    def share(self, prof, select, good):
        """(good, selected) sample counts: among stacks select() takes, those
        good() accepts."""
        sel = [(fr, c) for fr, c in prof.stacks if select(fr)]
        return sum(c for fr, c in sel if good(fr)), sum(c for _, c in sel)

    def assertShare(self, prof, select, good, at_least, what, r):
        g, n = self.share(prof, select, good)
        self.assertGreater(n, 20, "%s: too few samples to judge\n%s\n%s" % (
            what, prof.summary(), r))
        self.assertGreaterEqual(g / n, at_least, "%s: %d of %d (%.1f%%), want >= %.0f%%\n%s\n%s"
                                % (what, g, n, 100.0 * g / n, 100 * at_least, prof.summary(), r))

    def test_chain_without_frame_pointers(self):
        """main -> run_chain -> chain_a -> chain_b -> chain_c, all frameless:
        the whole chain, from _start, in >= 95% of chain_c's samples."""
        r = self.ember(["-F", "499", "--", wl("nofp_work"), "chain", "2"])
        prof = self.ok(r)
        chain = ["main", "run_chain", "chain_a", "chain_b", "chain_c"]
        self.assertShare(prof, lambda fr: user_frames(fr)[-1:] == ["chain_c"],
                         lambda fr: user_frames(fr)[0] == "_start"
                         and user_frames(fr)[-5:] == chain,
                         0.95, "chain_c samples with the whole chain from _start", r)

    def test_frame_pointers_alone_lose_the_chain(self):
        """The same workload walked by frame pointers (--unwind fp) loses it:
        what the tables add is real."""
        r = self.ember(["-F", "499", "--unwind", "fp", "--", wl("nofp_work"), "chain", "1"])
        prof = self.ok(r)
        g, n = self.share(prof, lambda fr: user_frames(fr)[-1:] == ["chain_c"],
                          lambda fr: in_order(user_frames(fr), ["main", "chain_a", "chain_b"]))
        self.assertGreater(n, 20, prof.summary())
        self.assertLess(g / n, 0.5, "frame pointers found the chain in %d of %d\n%s" % (
            g, n, prof.summary()))

    def test_callback_through_qsort(self):
        """sort_caller -> qsort (libc, no frame pointers) -> ... -> cmp_ints ->
        cmp_leaf: the libc frames between caller and callback are walked."""
        r = self.ember(["-F", "499", "--", wl("nofp_work"), "qsort", "2"])
        prof = self.ok(r)

        def good(fr):
            u = user_frames(fr)
            if u[0] != "_start" or u[-2:] != ["cmp_ints", "cmp_leaf"]:
                return False
            try:
                i = u.index("sort_caller")
            except ValueError:
                return False
            return any("qsort" in f or "msort" in f for f in u[i + 1:-2])

        self.assertShare(prof, lambda fr: user_frames(fr)[-1:] == ["cmp_leaf"], good, 0.95,
                         "cmp_leaf samples as _start;...;sort_caller;qsort...;cmp_ints;cmp_leaf",
                         r)

    def test_threads_end_at_clone3(self):
        r = self.ember(["-F", "499", "--", wl("nofp_work"), "threads", "1"])
        prof = self.ok(r)
        self.assertShare(prof, lambda fr: user_frames(fr)[-1:] == ["chain_c"],
                         lambda fr: user_frames(fr)[0] in ("clone3", "__clone3")
                         and in_order(user_frames(fr), ["thread_main", "chain_a", "chain_b"]),
                         0.95, "thread samples from clone3 to chain_c", r)

    def test_signal_handler_over_interrupted_code(self):
        """A SIGPROF handler's samples show the code it interrupted below it
        (through the signal frame's saved registers)."""
        r = self.ember(["-F", "499", "--", wl("nofp_work"), "signal", "2"])
        prof = self.ok(r)
        self.assertShare(prof, lambda fr: user_frames(fr)[-1:] == ["handler_burn"],
                         lambda fr: user_frames(fr)[0] == "_start" and in_order(
                             user_frames(fr), ["main", "run_signal", "interrupted_loop",
                                               "on_prof", "handler_burn"]),
                         0.90, "handler samples above interrupted_loop", r)

    def offcpu_share(self, mode, calls, caller, n):
        r = self.ember(["-e", "offcpu", "--", wl("nofp_work"), mode, str(n)])
        prof = self.recorded(r)
        # the blocking calls of the main thread (read's feeder thread
        # sleeps too, under start_thread): the leaf user frame is libc's
        self.assertShare(prof, lambda fr: user_frames(fr)[-1:] and user_frames(fr)[-1] in calls
                         and "start_thread" not in fr,
                         lambda fr: user_frames(fr)[0] == "_start" and caller in user_frames(fr),
                         0.95, "off-CPU time in %s through libc under %s" % (mode, caller), r)

    def test_offcpu_sleep_shows_caller(self):
        self.offcpu_share("sleep", ("nanosleep", "clock_nanosleep", "__nanosleep"), "sleeper",
                          30)

    def test_offcpu_read_shows_caller(self):
        self.offcpu_share("read", ("read", "__libc_read"), "reader", 30)

    def test_alloc_through_libc_wrappers(self):
        """strdup and fopen allocate inside libc: their callers are named,
        from the command's first allocation on (its table is built before
        it starts)."""
        r = self.ember(["-e", "alloc", "--", wl("nofp_work"), "alloc", "2000"])
        prof = self.recorded(r)
        for wrapper, caller in (("strdup", "dup_names"), ("fopen", "open_files")):
            # glibc's names: __strdup, __fopen_internal
            g, n = self.share(prof, lambda fr: fr[0] == "nofp_work"
                              and any(wrapper in f for f in fr),
                              lambda fr: user_frames(fr)[0] == "_start" and caller in fr)
            self.assertGreater(n, 0, "no %s stack\n%s\n%s" % (wrapper, prof.summary(), r))
            self.assertEqual(g, n, "%s bytes without %s\n%s" % (wrapper, caller, prof.summary()))

    def test_short_lived_processes_of_known_binaries(self):
        """200 short-lived processes of a binary seen once before: none of
        their stacks waits for a table (tables are per file, and a new
        process's mappings are known from its exec). Only the first sight
        of sh and of true may find a table not built yet."""
        true = shutil.which("true") or "/bin/true"
        script = ("%s; sleep 0.5; i=0; while [ $i -lt 200 ]; do %s; i=$((i+1)); done"
                  % (true, true))
        r = self.ember(["-F", "999", "--stats", "--", "sh", "-c", script], timeout=120)
        prof = self.recorded(r)
        m = re.search(r"^\s*unwind_no_table\s+(\d+)", r.err, re.M)
        self.assertIsNotNone(m, "no unwind_no_table counter\n%s" % r)
        self.assertLessEqual(int(m.group(1)), 3, "walks that found no table\n%s" % r)
        name = os.path.basename(os.path.realpath(true))[:15]
        n = prof.count(lambda fr: fr[0] == name)
        partial = prof.count(lambda fr: fr[0] == name and PARTIAL in fr)
        self.assertGreater(n, 20, prof.summary())
        # what is left is code without CFI (crt's exit path, ld.so's
        # lazy-binding trampolines), counted as invalid, not no_table: a
        # few percent of a process that lives a millisecond
        self.assertLessEqual(partial, max(3, n // 20), "%d of %d samples of %s partial\n%s\n%s"
                             % (partial, n, name, prof.summary(), r))

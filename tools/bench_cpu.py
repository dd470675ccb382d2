#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""CPU overhead of `ember record -a` against `perf record -g -a`.

    bench_cpu.py --ember build/ember --workloads build/workloads [--quick]

1. Slowdown: a fixed amount of CPU-bound work (bench_work, one thread per
   CPU, so the machine is saturated and the profiler's own user-space work
   competes with it) is timed with nothing running, under ember -F 99 / 999
   and under perf -g -F 99 / 999 (both on the cpu-clock software event).
   The configurations alternate, round after round, in a rotating order;
   medians are reported. Cost per sample = (median wall - baseline wall) /
   samples that landed on the workload.
2. Resources: ember -a -F 99 for 10 s with every CPU busy: its CPU time
   (utime+stime, total and steady-state) as % of one CPU, peak RSS, BPF
   program run time per sample (kernel.bpf_stats_enabled), and the attach
   and stop-to-output times from its -v lines. perf measured alike.

A benchmark, not a test: no pass/fail, targets are printed alongside.
"""
import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (NCPU, Bg, bpf_prog_stats, enable_bpf_stats, fmt, kill_group, log,
                          machine, markdown, proc_cpu, proc_status, restore_bpf_stats, table,
                          wait_file)

TCK = os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, a):
        self.a = a
        self.ember = os.path.abspath(a.ember)
        self.work = os.path.join(os.path.abspath(a.workloads), "bench_work")
        self.spinner = os.path.join(os.path.abspath(a.workloads), "spinner")
        self.perf = shutil.which("perf")
        self.tmp = tempfile.mkdtemp(prefix="ember-bench.")
        self.iters = None

    # ------------------------------------------------------------ workload
    def run_work(self):
        """(wall seconds, workload cpu seconds) of one bench_work run."""
        before = os.times()
        r = subprocess.run([self.work, str(NCPU), str(self.iters)], stdout=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=600, check=True)
        after = os.times()
        wall = float(re.search(rb"elapsed ([\d.]+)", r.stdout).group(1))
        cpu = (after.children_user - before.children_user) + \
              (after.children_system - before.children_system)
        return wall, cpu

    def calibrate(self):
        self.iters = 100_000_000
        self.run_work()
        wall, _ = self.run_work()
        self.iters = int(self.iters * self.a.seconds / wall)
        wall, _ = self.run_work()
        log("bench: bench_work %d threads x %d iterations = %.2f s" % (NCPU, self.iters, wall))

    # ------------------------------------------------------------ profilers
    def start_profiler(self, tool, hz, out):
        if tool == "ember":
            bg = Bg([self.ember, "record", "-v", "-a", "-F", str(hz), "-o", out])
            if not bg.wait_for(r"attached in", 60):
                bg.stop()
                raise RuntimeError("ember did not attach:\n" + bg.err())
        else:
            bg = Bg([self.perf, "record", "-e", "cpu-clock", "-g", "-a", "-F", str(hz),
                     "-o", out])
            if not wait_file(out, 60):
                bg.stop()
                raise RuntimeError("perf did not start:\n" + bg.err())
        time.sleep(self.a.settle)
        return bg

    def samples_on_work(self, tool, out):
        if tool == "ember":
            n = 0
            with open(out, errors="replace") as f:
                for line in f:
                    stack, _, count = line.rstrip("\n").rpartition(" ")
                    if stack.split(";", 1)[0] == "bench_work":
                        n += int(count)
            return n
        r = subprocess.run([self.perf, "script", "-i", out, "-F", "comm"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=600)
        return sum(1 for l in r.stdout.split(b"\n") if l.strip() == b"bench_work")

    def measure(self, cfg):
        tool, hz = cfg
        if tool is None:
            wall, cpu = self.run_work()
            return wall, cpu, 0
        out = os.path.join(self.tmp, "%s-%d.%s" % (tool, hz, "folded" if tool == "ember" else "data"))
        bg = self.start_profiler(tool, hz, out)
        try:
            wall, cpu = self.run_work()
        finally:
            rc = bg.stop()
        if rc != 0 and not (tool == "perf" and rc in (-signal.SIGINT, 128 + signal.SIGINT)):
            raise RuntimeError("%s exited %s:\n%s" % (tool, rc, bg.err()[-2000:]))
        n = self.samples_on_work(tool, out)
        os.unlink(out)
        return wall, cpu, n

    def slowdown(self):
        cfgs = [(None, 0), ("ember", 99)]
        if self.perf:
            cfgs.append(("perf", 99))
        cfgs.append(("ember", 999))
        if self.perf:
            cfgs.append(("perf", 999))
        res = {c: [] for c in cfgs}
        for rnd in range(self.a.rounds):
            order = cfgs[rnd % len(cfgs):] + cfgs[:rnd % len(cfgs)]
            for c in order:
                res[c].append(self.measure(c))
            log("bench: round %d/%d: %s" % (rnd + 1, self.a.rounds, "  ".join(
                "%s %.3fs" % (name(c), res[c][-1][0]) for c in cfgs)))
        return cfgs, res

    # ------------------------------------------------------------ resources
    def resources(self, tool, secs):
        """CPU time and peak RSS of one profiler over a secs-long -a run at 99 Hz,
        with every CPU kept busy by spinners."""
        spinners = [subprocess.Popen([self.spinner, "0"], start_new_session=True)
                    for _ in range(NCPU)]
        old_stats = None
        out = os.path.join(self.tmp, "res-%s" % tool)
        r = {"tool": tool}
        try:
            if tool == "ember":
                old_stats = enable_bpf_stats()
                argv = [self.ember, "record", "-v", "-a", "-F", "99", "-d", str(secs), "-o", out]
            else:
                argv = [self.perf, "record", "-e", "cpu-clock", "-g", "-a", "-F", "99",
                        "-o", out]
            t0 = time.monotonic()
            bg = Bg(argv)
            if tool == "ember":
                bg.wait_for(r"attached in", 60)
            else:
                wait_file(out, 60)
            t_att = time.monotonic()
            time.sleep(1.0)
            s1, m1 = proc_cpu(bg.p.pid), time.monotonic()
            time.sleep(max(1.0, secs - 2.5))
            s2, m2 = proc_cpu(bg.p.pid), time.monotonic()
            if s1 is not None and s2 is not None:
                r["steady_pct"] = 100.0 * (s2 - s1) / (m2 - m1)
            if tool == "ember" and old_stats is not None:
                r.update(bpf_perf_event_stats(bg.p.pid))
            r["rss_now_kb"] = proc_status(bg.p.pid, "VmRSS")
            if tool == "perf":
                time.sleep(max(0.0, secs - (time.monotonic() - t_att)))
                bg.p.send_signal(signal.SIGINT)
            t_stop = t_att + secs  # ember: when -d expires (roughly)
            if tool == "perf":
                t_stop = time.monotonic()
            _, status, ru = os.wait4(bg.p.pid, 0)
            r["stop_exit_ms"] = (time.monotonic() - t_stop) * 1000
            bg.p.returncode = os.waitstatus_to_exitcode(status)
            bg.t.join(5)
            r["wall"] = time.monotonic() - t0
            r["cpu_s"] = ru.ru_utime + ru.ru_stime
            r["cpu_pct"] = 100.0 * r["cpu_s"] / secs
            r["maxrss_kb"] = ru.ru_maxrss
            err = bg.err()
            m = re.search(r"attached in ([\d.]+) ms", err)
            r["attach_ms"] = float(m.group(1)) if m else (t_att - t0) * 1000
            m = re.search(r"output written in ([\d.]+) ms", err)
            if m:
                r["output_ms"] = float(m.group(1))
            m = re.search(r"(\d+) samples", err)
            if m:
                r["samples"] = int(m.group(1))
            r["rc"] = bg.p.returncode
        finally:
            for s in spinners:
                kill_group(s)
            if old_stats is not None:
                restore_bpf_stats(old_stats)
            if os.path.exists(out):
                os.unlink(out)
        return r


def bpf_perf_event_stats(pid):
    """run_time_ns / run_cnt of the perf_event BPF programs pid holds (needs
    kernel.bpf_stats_enabled=1)."""
    progs = bpf_prog_stats(pid, "7")  # BPF_PROG_TYPE_PERF_EVENT
    ns = sum(v[0] for v in progs.values())
    cnt = sum(v[1] for v in progs.values())
    return {"bpf_ns_per_run": ns / cnt, "bpf_runs": cnt} if cnt else {}


def ratio(a, b):
    """a/b where both are real, positive measurements; else None (n/a)."""
    return a / b if a is not None and b is not None and a > 0 and b > 0 else None


def name(cfg):
    tool, hz = cfg
    return "baseline" if tool is None else "%s -F %d" % (tool, hz)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ember", default="build/ember")
    ap.add_argument("--workloads", default="build/workloads")
    ap.add_argument("--quick", action="store_true", help="3 rounds of ~1 s, 5 s resource runs")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seconds", type=float, help="baseline duration of the fixed work")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="seconds between a profiler being ready and the work starting")
    a = ap.parse_args()
    a.rounds = a.rounds or (3 if a.quick else 11)
    a.seconds = a.seconds or (1.0 if a.quick else 3.0)
    res_secs = 5 if a.quick else 10
    if os.geteuid() != 0:
        log("bench: needs root")
        return 1
    b = Bench(a)
    if not b.perf:
        log("bench: perf not found; ember only")
    t_start = time.monotonic()
    try:
        b.calibrate()
        cfgs, res = b.slowdown()
        log("bench: resource runs (%d s each)" % res_secs)
        rs = [b.resources("ember", res_secs)]
        if b.perf:
            rs.append(b.resources("perf", res_secs))
    finally:
        shutil.rmtree(b.tmp, ignore_errors=True)

    med = {c: (statistics.median(x[0] for x in res[c]), statistics.median(x[1] for x in res[c]),
               statistics.median(x[2] for x in res[c])) for c in cfgs}
    base_wall, base_cpu, _ = med[(None, 0)]
    # Paired differences: each round's run against the same round's
    # baseline cancels slow drift of the machine. Two estimators of the
    # cost: added wall time and added workload CPU time (the sampling
    # interrupt is charged to the task it interrupts).
    base = res[(None, 0)]
    added = {c: statistics.median(x[0] - b[0] for x, b in zip(res[c], base)) for c in cfgs}
    added_cpu = {c: statistics.median(x[1] - b[1] for x, b in zip(res[c], base)) for c in cfgs}
    # Below the baseline's own round-to-round spread (median absolute
    # deviation of the paired differences) an added time means nothing:
    # say "noise" rather than print a per-sample figure. At 99 Hz the cost
    # is ~0.3% of a run, inside wall-clock jitter; 999 Hz measures it.
    def mad(c, k):
        d = [x[k] - b[k] for x, b in zip(res[c], base)]
        m = statistics.median(d)
        return statistics.median(abs(v - m) for v in d)
    noise = statistics.median(mad(c, 0) for c in cfgs if c[0]) if len(cfgs) > 1 else 0
    per_sample = {c: (added[c] / med[c][2] * 1e6 if med[c][2] and abs(added[c]) > noise
                      else None) for c in cfgs}
    noise_cpu = statistics.median(mad(c, 1) for c in cfgs if c[0]) if len(cfgs) > 1 else 0
    # CPU times come in 10 ms ticks: one tick of noise at least
    noise_cpu = max(noise_cpu, 0.01)
    per_sample_cpu = {c: (added_cpu[c] / med[c][2] * 1e6
                          if med[c][2] and abs(added_cpu[c]) > noise_cpu else None)
                      for c in cfgs}

    hdr1 = ["config", "median wall s", "min..max s", "vs baseline", "added ms (paired)",
            "workload CPU s", "samples on workload", "cost/sample us (wall)",
            "cost/sample us (CPU)"]
    rows1 = []
    for c in cfgs:
        walls = [x[0] for x in res[c]]
        rows1.append([name(c), "%.3f" % med[c][0], "%.3f..%.3f" % (min(walls), max(walls)),
                      "%.4f" % (med[c][0] / base_wall),
                      "-" if c[0] is None else "%+.1f" % (added[c] * 1000),
                      "%.2f" % med[c][1], "-" if c[0] is None else "%d" % med[c][2],
                      "-" if c[0] is None else
                      fmt(per_sample[c], ".1f", "noise (+-%.0f ms)" % (noise * 1000)),
                      "-" if c[0] is None else fmt(per_sample_cpu[c], ".1f", "noise")])

    hdr2 = ["ember vs perf", "ember", "perf", "ember/perf", "target"]
    rows2 = []
    for hz in (99, 999):
        e, p = ("ember", hz), ("perf", hz)
        if p not in med:
            continue
        rows2.append(["added wall ms, -F %d" % hz, "%+.1f" % (added[e] * 1000),
                      "%+.1f" % (added[p] * 1000),
                      fmt(ratio(added[e], added[p]) if per_sample[e] and per_sample[p] else None,
                          ".2f"), "<= 1"])
        rows2.append(["cost per sample us, -F %d" % hz, fmt(per_sample[e], ".1f", "noise"),
                      fmt(per_sample[p], ".1f", "noise"),
                      fmt(ratio(per_sample[e], per_sample[p]), ".2f"),
                      "<= 1"])
        rows2.append(["cost per sample us (CPU), -F %d" % hz, fmt(per_sample_cpu[e], ".1f", "noise"),
                      fmt(per_sample_cpu[p], ".1f", "noise"),
                      fmt(ratio(per_sample_cpu[e], per_sample_cpu[p]), ".2f"), "<= 1"])

    hdr3 = ["resources, -a -F 99, %d s, %d CPUs busy" % (res_secs, NCPU)] + \
           [r["tool"] for r in rs] + ["target (ember)"]
    get = lambda k, f, scale=1: [fmt(r[k] * scale if r.get(k) is not None else None, f)
                                 for r in rs]
    rows3 = [
        ["CPU, steady state, % of one CPU"] + get("steady_pct", ".3f") + ["< 0.05"],
        ["CPU, whole run incl. start and output, %"] + get("cpu_pct", ".3f") + ["-"],
        ["CPU time, whole run, ms"] + get("cpu_s", ".1f", 1000) + ["-"],
        ["peak RSS, MB"] + get("maxrss_kb", ".1f", 1 / 1024) + ["< 20"],
        ["attach, ms"] + get("attach_ms", ".1f") + ["< 500"],
        ["stop to output written (-v), ms"] + get("output_ms", ".1f") + ["-"],
        ["stop to exit (measured), ms"] + get("stop_exit_ms", ".0f") + ["-"],
        ["BPF program, ns per sample"] + get("bpf_ns_per_run", ".0f") + ["-"],
        ["samples in the run"] + get("samples", "d") + ["-"],
    ]

    print()
    print("CPU overhead: %d rounds x %d configs, bench_work on %d threads, baseline %.2f s"
          % (a.rounds, len(cfgs), NCPU, base_wall))
    print(table(hdr1, rows1))
    print()
    print(table(hdr2, rows2))
    print()
    print(table(hdr3, rows3))
    print()
    print("(steady CPU: from 1 s after attach to 1.5 s before the end; whole run: start,")
    print(" BTF/symbol loading, output and perf's build-id pass included. ember's stop is")
    print(" its -d expiry, perf's the SIGINT. perf's attach: until its data file appears.)")
    print()
    print("----- markdown -----")
    print("### CPU overhead (`make bench`%s)" % (", QUICK=1" if a.quick else ""))
    print()
    print("%s, kernel %s, %d CPUs, cpu-clock software event. Fixed work on %d threads; "
          "%d alternating rounds, medians; baseline %.3f s." % (
              machine(), os.uname().release, NCPU, NCPU, a.rounds, base_wall))
    print()
    print(markdown(hdr1, rows1))
    print()
    print(markdown(hdr2, rows2))
    print()
    print(markdown(hdr3, rows3))
    print()
    log("bench: done in %.0f s" % (time.monotonic() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())

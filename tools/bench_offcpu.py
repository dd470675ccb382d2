#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Cost per context switch of off-CPU profiling: ember against bcc, bpftrace, perf.

    bench_offcpu.py --ember build/ember --workloads build/workloads [--quick]

Workload: `offcpu_work pingpong N`, two threads bouncing a byte over two
pipes N times with raw read/write system calls, both pinned to one CPU
(the last one; --cpu to change, --cpu -1 for no pinning). Pinned, every
round trip is exactly 2 context switches between the two threads: A writes
(waking B, which usually preempts A at once: an involuntary switch) and
blocks reading the answer (voluntary), or the other way round. The workload
reports its threads' voluntary + involuntary switches (getrusage), and
"switches" below means those: each is one sched_switch event, on the
workload's CPU, that every tool here handles in the kernel (a BPF program or
a perf sample with a kernel+user callchain) while the workload waits for it.

Configurations, each attached system-wide (-a) before the workload starts:
  baseline   nothing attached
  ember      ember record -e offcpu -a
  bcc        offcputime-bpfcc (bpfcc-tools), if it can run here
  bpftrace   a sched_switch offcputime equivalent (ustack+kstack per
             switch-out, time per switch-in), if bpftrace is installed
  perf       perf record -e sched:sched_switch -g -a
  perf-off   perf record --off-cpu -a (probed: needs perf built with BPF skeletons)

They alternate round after round in a rotating order; each round's run is
paired with the same round's baseline, and the median of the paired
differences divided by the switches is the added cost per switch. Also
printed: the profiler's own CPU time while the workload ran (mostly on the
other CPU), per 1000 switches, and what it reported (lost events).

A benchmark, not a test: no pass/fail.
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
from bench_common import (NCPU, Bg, bpf_prog_stats, enable_bpf_stats, fmt, log, markdown,
                          proc_cpu, restore_bpf_stats, table, wait_file)

BCC = "/usr/sbin/offcputime-bpfcc"

# The bcc offcputime logic with bpftrace's tracepoint (no kprobes needed):
# at switch-out remember when and where (both stacks) the task left the
# CPU; at switch-in add the elapsed time to that stack. Unlike ember it
# counts preemptions as well (no state filter).
BPFTRACE_SCRIPT = r"""
tracepoint:sched:sched_switch
{
	@start[args->prev_pid] = nsecs;
	@ks[args->prev_pid] = kstack;
	@uks[args->prev_pid] = ustack;
	$last = @start[args->next_pid];
	if ($last != 0) {
		@us[@ks[args->next_pid], @uks[args->next_pid], args->next_comm] =
			sum((nsecs - $last) / 1000);
		delete(@start[args->next_pid]);
	}
}
END { clear(@start); clear(@ks); clear(@uks); }
"""


def tracefs_ok():
    if os.path.exists("/sys/kernel/tracing/events/sched/sched_switch"):
        return True
    log("bench: mounting tracefs on /sys/kernel/tracing (perf needs sched:sched_switch)")
    subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"],
                   stderr=subprocess.DEVNULL)
    return os.path.exists("/sys/kernel/tracing/events/sched/sched_switch")


class Bench:
    def __init__(self, a):
        self.a = a
        self.ember = os.path.abspath(a.ember)
        self.work = os.path.join(os.path.abspath(a.workloads), "offcpu_work")
        self.perf = shutil.which("perf")
        self.bpftrace = shutil.which("bpftrace")
        self.tmp = tempfile.mkdtemp(prefix="ember-bench-offcpu.")
        self.n = None
        self.notes = []
        self.bt_script = os.path.join(self.tmp, "offcpu.bt")
        with open(self.bt_script, "w") as f:
            f.write(BPFTRACE_SCRIPT)

    # ------------------------------------------------------------ workload
    def run_work(self, n=None):
        argv = [self.work, "pingpong", str(n or self.n)]
        if self.a.cpu >= 0:
            argv = ["taskset", "-c", str(self.a.cpu)] + argv
        r = subprocess.run(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           timeout=600, check=True)
        m = re.search(rb"elapsed_ns=(\d+) nvcsw=(\d+) nivcsw=(\d+)", r.stdout)
        return int(m.group(1)) / 1e9, int(m.group(2)) + int(m.group(3))

    def calibrate(self):
        self.run_work(20000)
        wall, _ = self.run_work(100000)
        self.n = max(10000, int(100000 * self.a.seconds / wall))
        wall, sw = self.run_work()
        log("bench: pingpong %d round trips = %.2f s, %d switches (%.2f per round trip)%s" % (
            self.n, wall, sw, sw / self.n,
            ", pinned to CPU %d" % self.a.cpu if self.a.cpu >= 0 else ", not pinned"))

    # ------------------------------------------------------------ profilers
    def argv(self, tool, out):
        if tool == "ember":
            return [self.ember, "record", "-v", "-e", "offcpu", "-a", "-o", out]
        if tool == "bcc":
            return [BCC, "-f", "-d"]
        if tool == "bpftrace":
            return [self.bpftrace, "-o", out, self.bt_script]
        if tool == "perf":
            return [self.perf, "record", "-e", "sched:sched_switch", "-g", "-a", "-o", out]
        if tool == "perf-off":
            return [self.perf, "record", "--off-cpu", "-a", "-o", out]
        raise ValueError(tool)

    def start(self, tool, out):
        if tool == "bcc":
            bg = Bg(self.argv(tool, out), stdout=open(out, "wb"), stop_timeout=120)
        else:
            bg = Bg(self.argv(tool, out), stop_timeout=120)
        if tool == "ember":
            ok = bg.wait_for(r"attached in", 60)
        elif tool == "bpftrace":
            ok = wait_file(out, 60)  # "Attaching 1 probe..." goes to -o
        elif tool == "bcc":
            # bcc prints nothing when ready; give the compile time and check it lives
            ok = bg.wait_for(r"(?i)error|exception", 8) is None and bg.p.poll() is None
        else:
            ok = wait_file(out, 60)
        if not ok:
            bg.stop()
            raise RuntimeError("%s did not start:\n%s" % (tool, bg.err()[-1500:]))
        time.sleep(self.a.settle)
        return bg

    def probe(self, tool):
        """Can this tool run here? (None if yes, else the reason.)"""
        out = os.path.join(self.tmp, "probe-" + tool)
        if tool == "bcc" and not os.access(BCC, os.X_OK):
            return "%s not installed (apt-get install bpfcc-tools)" % BCC
        if tool == "bpftrace" and not self.bpftrace:
            return "bpftrace not installed"
        if tool.startswith("perf") and not self.perf:
            return "perf not installed"
        if tool == "perf-off":
            r = subprocess.run([self.perf, "record", "--off-cpu", "-o", out, "--", "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
            err = r.stderr.decode(errors="replace")
            if "off-cpu" in err and ("ignored" in err or "unknown" in err.lower()):
                line = re.sub(r"\s*\[ perf record:.*", "", first_line(err, "off-cpu"))
                return "perf %s: %s" % (perf_version(self.perf), line)
            if r.returncode:
                return "perf record --off-cpu failed: " + err.strip()[-200:]
        try:
            bg = self.start(tool, out)
        except RuntimeError as e:
            return reason(str(e) + read_text(out)) + kprobes_note(tool)
        rc = bg.stop()
        if tool == "bcc" and rc not in (0, -signal.SIGINT):
            return reason(bg.err() + read_text(out)) + kprobes_note(tool)
        return None

    def measure(self, tool):
        if tool is None:
            wall, sw = self.run_work()
            return {"wall": wall, "switches": sw}
        out = os.path.join(self.tmp, "%s.out" % tool)
        bg = self.start(tool, out)
        try:
            c0, b0 = proc_cpu(bg.p.pid), bpf_prog_stats(bg.p.pid)
            wall, sw = self.run_work()
            c1, b1 = proc_cpu(bg.p.pid), bpf_prog_stats(bg.p.pid)
        finally:
            rc = bg.stop()
        if rc not in (0, -signal.SIGINT, 128 + signal.SIGINT):
            raise RuntimeError("%s exited %s:\n%s" % (tool, rc, bg.err()[-2000:]))
        res = {"wall": wall, "switches": sw,
               "tool_cpu": c1 - c0 if c0 is not None and c1 is not None else None,
               "err": bg.err()}
        runs = sum(b1.get(k, (0, 0))[1] - v[1] for k, v in b0.items())
        if runs > 0:
            res["bpf_ns"] = sum(b1.get(k, (0, 0))[0] - v[0] for k, v in b0.items()) / runs
        if os.path.exists(out):
            res["out_bytes"] = os.path.getsize(out)
            os.unlink(out)
        return res

    def rounds(self, tools):
        cfgs = [None] + tools
        res = {c: [] for c in cfgs}
        for rnd in range(self.a.rounds):
            k = rnd % len(cfgs)
            for c in cfgs[k:] + cfgs[:k]:
                res[c].append(self.measure(c))
            log("bench: round %d/%d: %s" % (rnd + 1, self.a.rounds, "  ".join(
                "%s %.3fs" % (c or "baseline", res[c][-1]["wall"]) for c in cfgs)))
        return cfgs, res

    def bpf_cost(self, tool):
        """One more run with kernel.bpf_stats_enabled=1 (which itself adds two
        clock reads per program run, so not during the timed rounds): the
        mean run time of the tool's BPF programs."""
        old = enable_bpf_stats()
        if old is None:
            return None
        try:
            return self.measure(tool).get("bpf_ns")
        finally:
            restore_bpf_stats(old)


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return "\n" + f.read(20000)
    except OSError:
        return ""


def kprobes_note(tool):
    """bcc's offcputime needs a kprobe on finish_task_switch."""
    if tool != "bcc" or os.path.exists("/sys/bus/event_source/devices/kprobe"):
        return ""
    return "; and this kernel has no kprobes (no kprobe PMU, CONFIG_KPROBES off?), " \
           "which offcputime needs for finish_task_switch"


def perf_version(perf):
    r = subprocess.run([perf, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return r.stdout.decode().strip().replace("perf version ", "")


def first_line(text, key):
    for l in text.splitlines():
        if key in l:
            return l.strip()[:160]
    return text.strip().splitlines()[0][:160]


def reason(err):
    """The telling line of a tool's failure output."""
    lines = [l.strip() for l in err.splitlines() if l.strip()]
    for key in ("Unable to find kernel headers", "not traceable", "No such file", "rror:"):
        for l in lines:
            if key in l:
                return l[:200]
    return lines[-1][:200] if lines else "failed without output"


def lost_note(tool, errs):
    """What the tool said it lost, from its last run."""
    e = errs[-1]
    if tool == "ember":
        m = re.search(r"offcpu \(sched_switch\): (\d+) intervals, [\d.]+ s off CPU in [\d.]+ s, "
                      r"(\d+) lost", e)
        return "%s intervals, %s lost" % m.groups() if m else "?"
    if tool.startswith("perf"):
        m = re.search(r"Captured and wrote ([\d.]+ MB)[^(]*\((\d+) samples\)", e)
        lost = re.search(r"lost (\d+) chunks", e)
        s = "%s, %s samples" % m.groups() if m else "?"
        return s + (", lost %s chunks" % lost.group(1) if lost else "")
    if tool == "bpftrace":
        m = re.search(r"(\d+) (?:events )?lost", e)
        return "%s lost" % m.group(1) if m else "-"
    return "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ember", default="build/ember")
    ap.add_argument("--workloads", default="build/workloads")
    ap.add_argument("--quick", action="store_true", help="3 rounds of ~0.5 s")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seconds", type=float, help="baseline duration of one workload run")
    ap.add_argument("--cpu", type=int, default=NCPU - 1,
                    help="pin the workload to this CPU (-1: do not pin)")
    ap.add_argument("--settle", type=float, default=0.5,
                    help="seconds between a profiler being ready and the workload starting")
    a = ap.parse_args()
    a.rounds = a.rounds or (3 if a.quick else 7)
    a.seconds = a.seconds or (0.5 if a.quick else 1.5)
    if os.geteuid() != 0:
        log("bench: needs root")
        return 1
    b = Bench(a)
    t_start = time.monotonic()
    try:
        b.calibrate()
        candidates = ["ember", "bcc", "bpftrace"]
        if b.perf and tracefs_ok():
            candidates += ["perf", "perf-off"]
        elif b.perf:
            b.notes.append("perf: tracefs could not be mounted; sched:sched_switch unavailable")
        else:
            b.notes.append("perf: not installed")
        tools = []
        for t in candidates:
            why = b.probe(t)
            if why:
                log("bench: %s cannot run here: %s" % (t, why))
                b.notes.append("%s: not measured: %s" % (t, why))
            else:
                tools.append(t)
        if "ember" not in tools:
            log("bench: ember cannot run; nothing to compare")
            return 1
        cfgs, res = b.rounds(tools)
        bpf_ns = {t: b.bpf_cost(t) for t in tools if t in ("ember", "bcc", "bpftrace")}
    finally:
        shutil.rmtree(b.tmp, ignore_errors=True)

    base = res[None]
    sw = statistics.median(x["switches"] for x in base)
    base_wall = statistics.median(x["wall"] for x in base)
    rows = []
    per = {}
    for c in cfgs:
        walls = [x["wall"] for x in res[c]]
        med = statistics.median(walls)
        added = per[c] = cpu_k = None
        if c is not None:
            added = statistics.median(x["wall"] - y["wall"] for x, y in zip(res[c], base))
            per[c] = added / statistics.median(x["switches"] for x in res[c]) * 1e9
            cpu = [x["tool_cpu"] for x in res[c] if x.get("tool_cpu") is not None]
            cpu_k = statistics.median(cpu) / sw * 1e9 if cpu else None  # us per 1000 switches
        rows.append({"cfg": c, "med": med, "spread": (max(walls) - min(walls)) / med * 100,
                     "added": added, "per": per[c], "cpu_k": cpu_k,
                     "bpf": bpf_ns.get(c), "said": lost_note(c, [x["err"] for x in res[c]])
                     if c else "-"})
    for r in rows:
        r["ratio"] = (r["per"] / per["ember"] if r["per"] is not None and per["ember"]
                      and per["ember"] > 0 else None)
    heads = ["config", "median s", "spread %", "added ms", "ns/switch", "vs ember",
             "BPF ns/run", "tool CPU us/1k sw", "tool said"]
    print("\noff-CPU profiling cost: `offcpu_work pingpong %d`, %d switches per run "
          "(%.2f per round trip)%s, %d rounds. ns/switch = median over rounds of (run - "
          "same round's baseline) / the run's switches; switches = voluntary + involuntary "
          "context switches of the two workload threads" % (
              b.n, sw, sw / b.n, ", pinned to CPU %d" % a.cpu if a.cpu >= 0 else "",
              a.rounds))
    print(table(heads, [[r["cfg"] or "baseline", "%.3f" % r["med"], "%.1f" % r["spread"],
                         fmt(r["added"] and r["added"] * 1000, ".0f", "-"),
                         fmt(r["per"], ".0f", "-"), fmt(r["ratio"], ".2f", "-"),
                         fmt(r["bpf"], ".0f", "-"), fmt(r["cpu_k"], ".1f", "-"), r["said"]]
                        for r in rows]))
    for n in b.notes:
        print("note: " + n)
    print("\nmarkdown:\n")
    print("Off-CPU profiling cost per context switch (`tools/bench_offcpu.sh`): two threads "
          "ping-pong a byte over two pipes%s, %d round trips = %d context switches (%.2f per "
          "round trip: each thread blocks in read once per round trip, or is preempted by "
          "the thread it wakes); kernel %s, %d CPUs; %d alternating rounds; added time = "
          "median of each run minus the same round's run with nothing attached, divided by "
          "the switches. Every tool attached with -a.\n" % (
              ", pinned to one CPU" if a.cpu >= 0 else "", b.n, sw, sw / b.n,
              os.uname().release, NCPU, a.rounds))
    labels = {None: "nothing", "ember": "`ember record -e offcpu -a`",
              "bcc": "bcc `offcputime-bpfcc`", "bpftrace": "bpftrace sched_switch script",
              "perf": "`perf record -e sched:sched_switch -g -a`",
              "perf-off": "`perf record --off-cpu -a`"}
    print(markdown(["attached", "run time", "added per switch", "vs ember",
                    "BPF program per run", "profiler CPU per 1k switches"],
                   [[labels[r["cfg"]], "%.3f s" % r["med"],
                     fmt(r["per"], ".0f", "-") + (" ns" if r["per"] is not None else ""),
                     fmt(r["ratio"], ".2f", "-"),
                     fmt(r["bpf"], ".0f", "-") + (" ns" if r["bpf"] is not None else ""),
                     fmt(r["cpu_k"], ".1f", "-") + (" us" if r["cpu_k"] is not None else "")]
                    for r in rows]))
    if b.notes:
        print()
    for n in b.notes:
        print("- " + n)
    log("bench: done in %.0f s (baseline %.3f s)" % (time.monotonic() - t_start, base_wall))
    return 0


if __name__ == "__main__":
    sys.exit(main())

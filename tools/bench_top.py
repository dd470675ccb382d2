#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The cost of ember top at one refresh a second, side by side with procps top and htop.

    bench_top.py --ember build/ember --workloads build/workloads [--quick]
    bench_top.py ... --trend MINUTES [--churn N] [--step SECONDS] [--args '...']

Background load, started by the script and the same for every tool: one
CPU spinner (`spinner 0`) and a pipe ping-pong between two processes at
2500 round trips a second (--rate; a small Python pair, paced in 10 ms
bursts), so the machine switches context a few thousand times a second:
ember top's sched_switch program runs at every switch, whoever switches.

Side-by-side mode (default): each tool runs alone over the load for
--settle seconds (6) and then --seconds (60; --quick: 15) measured:
  procps `top -b -d 1`, `htop -d 10` in a 50x160 tmux pane,
  `ember top -b -i 1 --no-panel`, `ember top -b -i 1` (CPU panel),
  `ember top -b -i 1 --panel offcpu`, `ember top -i 1` in a 50x160 tmux pane.
For each: its CPU over the window (all its threads, ns-precise schedstat;
utime+stime from /proc/PID/stat instead when threads that exited in the
window used more), the run time of its BPF programs over the window
(kernel.bpf_stats_enabled=1, restored at the end; the kernel charges it
to whichever task the program interrupted, so it is part of the cost),
their sum as % of one CPU and against top's and htop's, BPF program runs
a second, peak RSS (VmHWM) and start-up CPU (what it used from launch to
the end of the settling). Batch tools write to a file; the terminal
tools' tmux server CPU is shown apart (the plain table's "tmux %").

Trend mode (--trend MINUTES): one long run of `ember top -b -i 1` (plus
--args) over the same load and --churn new processes a second (each a
fresh `spinner 0.05`: a new pid exec'ing a real binary, 50 ms of work),
printing every --step seconds ember top's CPU and BPF time over the step,
its RSS, the entries of its panel collector's counts map (read with
bpftool, if installed; "renewed" when a fresh collector replaced it) and
what its batch output reported: processes exited per second, the panel's
samples, stacks lost to full maps and truncated.

A tool that exits before it is stopped is reported with its exit status
and stderr (and the script exits 1). Every process it starts (load,
churn, tools, tmux server) is stopped on exit, Ctrl-C and errors.

A benchmark, not a test: no pass/fail.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import (NCPU, Bg, bpf_prog_stats, enable_bpf_stats, fmt, kill_group, log,
                          machine, markdown, proc_cpu, proc_status, restore_bpf_stats, table)

CLK_TCK = os.sysconf("SC_CLK_TCK")
ROWS, COLS = 50, 160

# Two processes bounce a byte over two pipes, RATE round trips a second in
# 10 ms bursts (catching up after a late wake-up, at most a second's worth);
# the total so far goes to stderr every second.
PINGPONG = r"""
import os, sys, time
rate = float(sys.argv[1])
a_r, a_w = os.pipe()
b_r, b_w = os.pipe()
if os.fork() == 0:
    os.close(a_w); os.close(b_r)
    while os.read(a_r, 1):
        os.write(b_w, b"x")
    os._exit(0)
os.close(a_r); os.close(b_w)
t0 = last = time.monotonic()
n = 0
while True:
    now = time.monotonic()
    due = int((now - t0) * rate)
    if due - n > rate:
        n = due - int(rate)
    for _ in range(due - n):
        os.write(a_w, b"x")
        os.read(b_r, 1)
    n = due
    if now - last >= 1:
        print("rt %d" % n, file=sys.stderr, flush=True)
        last = now
    time.sleep(0.01)
"""

# N new processes a second running argv (each a new pid and a fresh exec),
# reaped as they end; the number started goes to stderr every second.
CHURN = r"""
import subprocess, sys, time
n = float(sys.argv[1])
argv = sys.argv[2:]
t0 = last = time.monotonic()
k = started = 0
kids = []
while True:
    k += 1
    now = time.monotonic()
    due = t0 + k / n
    if due > now:
        time.sleep(due - now)
    elif now - due > 1:
        t0 += now - due
    kids.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL))
    started += 1
    kids = [p for p in kids if p.poll() is None]
    if time.monotonic() - last >= 1:
        print("started %d" % started, file=sys.stderr, flush=True)
        last = time.monotonic()
"""


def on_signal(sig, frame):
    raise KeyboardInterrupt


# ------------------------------------------------------------------ /proc readers
def stat_cpu(pid):
    """utime+stime of the whole process (threads that exited included), s."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return None


def cpu_now(pid):
    return (proc_cpu(pid), stat_cpu(pid))


def cpu_delta(a, b):
    """CPU used between two cpu_now() samples: schedstat's ns-precise sum
    over the live threads, unless utime+stime (which keeps what exited
    threads used, in clock ticks) says clearly more."""
    ns = b[0] - a[0] if a[0] is not None and b[0] is not None else None
    st = b[1] - a[1] if a[1] is not None and b[1] is not None else None
    if ns is None:
        return st
    if st is not None and st - ns > 3.0 / CLK_TCK:
        return st
    return ns


def bpf_delta(b0, b1):
    """(run time s, runs) of the BPF programs between two bpf_prog_stats();
    a program that appeared in between counts from zero (one that went away
    loses its last stretch: fdinfo is gone with it)."""
    ns = runs = 0
    for k, (t, c) in b1.items():
        t0, c0 = b0.get(k, (0, 0))
        ns += t - t0
        runs += c - c0
    return ns / 1e9, runs


def sys_stat():
    """(context switches, busy jiffies, all jiffies) of the machine."""
    ctxt = busy = total = 0
    with open("/proc/stat") as f:
        for l in f:
            if l.startswith("cpu "):
                v = [int(x) for x in l.split()[1:9]]
                total = sum(v)
                busy = total - v[3] - v[4]  # idle, iowait
            elif l.startswith("ctxt "):
                ctxt = int(l.split()[1])
    return ctxt, busy, total


def nr_processes():
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def group_pids(pgid):
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                if int(f.read().rsplit(")", 1)[1].split()[2]) == pgid:
                    pids.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return pids


def switches_of(pids):
    """Voluntary + involuntary context switches of every thread of pids."""
    n = 0
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                    for l in f:
                        if l.startswith(("voluntary_ctxt_switches:",
                                         "nonvoluntary_ctxt_switches:")):
                            n += int(l.split()[1])
            except (OSError, ValueError):
                pass
    return n


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def start_time(pid):
    """When pid started (clock ticks since boot): with the pid, names a
    process that a reused pid cannot be taken for."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def tail(text, n=1500):
    text = text.strip()
    return text[-n:] if text else "(nothing on stderr)"


def rc_text(rc):
    if rc is None:
        return "?"
    if rc < 0:
        return "signal %d" % -rc
    return str(rc)


# ------------------------------------------------------------------ background
class Load:
    """The spinner and the ping-pong pair, each in its own process group."""

    def __init__(self, workloads, rate):
        self.rate = rate
        self.spin = Bg([os.path.join(workloads, "spinner"), "0"], stop_timeout=10)
        self.pp = Bg([sys.executable, "-c", PINGPONG, str(rate)], stop_timeout=10)

    def check(self):
        for name, bg in (("spinner", self.spin), ("ping-pong", self.pp)):
            if bg.p.poll() is not None:
                raise RuntimeError("the background %s exited %s:\n%s" % (
                    name, rc_text(bg.p.returncode), tail(bg.err())))

    def round_trips(self):
        with self.pp.cond:
            for l in reversed(self.pp.lines):
                if l.startswith("rt "):
                    return int(l.split()[1])
        return 0

    def sample(self):
        ctxt, busy, total = sys_stat()
        pids = group_pids(self.spin.p.pid) + group_pids(self.pp.p.pid)
        return {"t": time.monotonic(), "ctxt": ctxt, "busy": busy, "total": total,
                "load_sw": switches_of(pids), "rt": self.round_trips()}

    @staticmethod
    def rates(a, b):
        dt = max(b["t"] - a["t"], 1e-3)
        jif = b["total"] - a["total"]
        return {"sw": (b["ctxt"] - a["ctxt"]) / dt,
                "busy": 100.0 * NCPU * (b["busy"] - a["busy"]) / jif if jif else 0.0,
                "load_sw": (b["load_sw"] - a["load_sw"]) / dt,
                "rt": (b["rt"] - a["rt"]) / dt}

    def stop(self):
        for bg in (self.pp, self.spin):
            kill_group(bg.p)
            bg.t.join(5)


# ------------------------------------------------------------------ tmux
class Tmux:
    """A private tmux server (own socket and config) for the tools that need
    a terminal: one detached 50x160 session per tool, its command run
    directly as the pane's process (sh -c 'exec ...' to send stderr to a
    file), kept after it exits (remain-on-exit) so its status can be read."""

    def __init__(self, tmp):
        self.sock = "benchtop%d" % os.getpid()
        self.conf = os.path.join(tmp, "tmux.conf")
        with open(self.conf, "w") as f:
            f.write("set -g exit-empty off\nset -g remain-on-exit on\nset -g status off\n"
                    "set -g history-limit 0\n")
        self.server_pid = None
        self.procs = set()  # (pid, start time) of the servers and pane processes
        self.socket = None

    def cmd(self, *args, check=True):
        r = subprocess.run(["tmux", "-L", self.sock, "-f", self.conf] + list(args),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        if check and r.returncode:
            raise RuntimeError("tmux %s: %s" % (" ".join(args), r.stderr.decode().strip()))
        return r.stdout.decode().strip()

    def start(self, name, argv, errfile, env=None):
        script = 'exec "$@" 2>%s' % shlex.quote(errfile)
        pre = ["env"] + ["%s=%s" % kv for kv in (env or {}).items()] if env else []
        self.cmd("new-session", "-d", "-s", name, "-x", str(COLS), "-y", str(ROWS), "--",
                 "/bin/sh", "-c", script, "sh", *(pre + argv))
        self.server_pid = int(self.cmd("display-message", "-p", "-t", name, "#{pid}"))
        self.socket = self.cmd("display-message", "-p", "-t", name, "#{socket_path}")
        self.procs.add((self.server_pid, start_time(self.server_pid)))
        pid = int(self.cmd("list-panes", "-t", name, "-F", "#{pane_pid}").split()[0])
        self.procs.add((pid, start_time(pid)))
        size = self.cmd("display-message", "-p", "-t", name, "#{pane_width}x#{pane_height}")
        if size != "%dx%d" % (COLS, ROWS):
            log("bench: tmux pane is %s, not %dx%d" % (size, COLS, ROWS))
        return pid

    def dead(self, name):
        """The pane process's exit status (negative: signal), None while it runs."""
        out = self.cmd("display-message", "-p", "-t", name,
                       "#{pane_dead} #{pane_dead_status} #{pane_dead_signal}", check=False)
        f = out.split()
        if not f or f[0] != "1":
            return None
        if len(f) > 2 and f[2] not in ("", "0"):
            return -int(f[2])
        return int(f[1]) if len(f) > 1 and f[1] else 0

    def reap(self, name):
        """The status of a pane whose process ended by itself; closes it."""
        rc = None
        end = time.monotonic() + 5
        while rc is None and time.monotonic() < end:
            rc = self.dead(name)
            if rc is None:
                time.sleep(0.1)
        self.cmd("kill-session", "-t", name, check=False)
        return rc

    def quit(self, name, pid, keys):
        """Quit the tool as a user would (keys), then SIGINT, then SIGKILL."""
        if self.dead(name) is None:
            self.cmd("send-keys", "-t", name, *keys, check=False)
        for sig in (None, signal.SIGINT, signal.SIGKILL):
            if sig is not None and self.dead(name) is None:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            end = time.monotonic() + 10
            while time.monotonic() < end:
                rc = self.dead(name)
                if rc is not None:
                    self.cmd("kill-session", "-t", name, check=False)
                    return rc
                time.sleep(0.1)
        return None

    def stop(self):
        if not self.procs:
            return
        self.cmd("kill-server", check=False)
        for pid, started in sorted(self.procs):
            if started is None:
                continue
            end = time.monotonic() + 5
            while time.monotonic() < end and start_time(pid) == started:
                time.sleep(0.05)
            if start_time(pid) == started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.procs = set()
        if self.socket and os.path.basename(self.socket) == self.sock:
            try:  # the server leaves it behind
                os.unlink(self.socket)
            except OSError:
                pass


# ------------------------------------------------------------------ side by side
def tools(ember):
    """(key, label for the markdown table, kind, argv, keys that quit it)"""
    e = [ember, "top"]
    return [
        ("top", "procps `top -b -d 1`", "batch", ["top", "-b", "-d", "1"], None),
        ("htop", "`htop -d 10` (in a %dx%d terminal)" % (ROWS, COLS), "tmux",
         ["htop", "-d", "10"], ["q"]),
        ("ember-nopanel", "`ember top -b -i 1 --no-panel`", "batch",
         e + ["-b", "-i", "1", "--no-panel"], None),
        ("ember", "`ember top -b -i 1` (CPU panel, whole machine)", "batch",
         e + ["-b", "-i", "1"], None),
        ("ember-offcpu", "`ember top -b -i 1 --panel offcpu`", "batch",
         e + ["-b", "-i", "1", "--panel", "offcpu"], None),
        ("ember-live", "`ember top -i 1` live view (in a %dx%d terminal)" % (ROWS, COLS),
         "tmux", e + ["-i", "1"], ["q"]),
    ]


class Bench:
    def __init__(self, a):
        self.a = a
        self.ember = os.path.abspath(a.ember)
        self.workloads = os.path.abspath(a.workloads)
        self.tmp = tempfile.mkdtemp(prefix="ember-bench-top.")
        self.load = None
        self.tmux = None
        self.live = []  # Bg of the tools running now
        self.notes = []
        self.died = False

    def cleanup(self):
        for bg in self.live:
            if bg.p.poll() is None:
                bg.stop_timeout = 10
                bg.stop()
            try:  # what the group leader left behind (churn's children)
                os.killpg(bg.p.pid, signal.SIGKILL)
            except OSError:
                pass
        self.live = []
        if self.tmux:
            self.tmux.stop()
        if self.load:
            self.load.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_load(self):
        self.load = Load(self.workloads, self.a.rate)
        time.sleep(2)
        self.load.check()
        s0 = self.load.sample()
        time.sleep(self.a.load_seconds)
        self.load.check()
        s1 = self.load.sample()
        self.bg = dict(Load.rates(s0, s1), procs=nr_processes())
        log("bench: background alone: %.0f round trips/s, its %.0f switches/s, the machine "
            "%.0f switches/s, %.0f%% busy (100 = one CPU), %d processes" % (
                self.bg["rt"], self.bg["load_sw"], self.bg["sw"], self.bg["busy"],
                self.bg["procs"]))

    # -------------------------------------------------------------- one tool
    def measure(self, key, kind, argv, keys):
        a = self.a
        res = {"key": key}
        errfile = os.path.join(self.tmp, key + ".err")
        out = os.path.join(self.tmp, key + ".out")
        env = {"HOME": self.tmp, "XDG_CONFIG_HOME": self.tmp} if key in ("top", "htop") else {}
        if kind == "batch":
            with open(out, "wb") as f:
                bg = Bg(argv, stdout=f, stop_timeout=30, env=dict(os.environ, **env))
            self.live.append(bg)
            pid = bg.p.pid
            running = lambda: bg.p.poll() is None
        else:
            if not self.tmux:
                self.tmux = Tmux(self.tmp)
            pid = self.tmux.start(key, argv, errfile, env)
            # not by asking tmux every second: that would wake its server
            running = lambda: pid_alive(pid)
        launched = time.monotonic()
        end = launched + a.settle
        while running() and time.monotonic() < end:
            time.sleep(0.2)
        s0 = self.load.sample()
        c0, b0 = cpu_now(pid), bpf_prog_stats(pid)
        m0 = cpu_now(self.tmux.server_pid) if kind == "tmux" else None
        t0 = time.monotonic()
        end = t0 + a.seconds
        while running() and time.monotonic() < end:
            time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        alive = running()
        s1 = self.load.sample()
        c1, b1 = cpu_now(pid), bpf_prog_stats(pid)
        m1 = cpu_now(self.tmux.server_pid) if kind == "tmux" else None
        hwm = proc_status(pid, "VmHWM")
        dt = time.monotonic() - t0
        if kind == "batch":
            rc = bg.stop()
            self.live.remove(bg)
            err = bg.err()
        else:
            rc = self.tmux.quit(key, pid, keys) if alive else self.tmux.reap(key)
            try:
                with open(errfile, errors="replace") as f:
                    err = f.read()
            except OSError:
                err = ""
        self.load.check()
        res.update(rc=rc, err=err, died=not alive, window=dt,
                   startup=c0[0] if c0[0] is not None else c0[1],
                   cpu=cpu_delta(c0, c1), hwm=hwm, machine=Load.rates(s0, s1))
        res["bpf"], res["runs"] = bpf_delta(b0, b1)
        res["tmux"] = cpu_delta(m0, m1) if m0 else None
        if kind == "batch" and os.path.exists(out):
            with open(out, "rb") as f:
                text = f.read()
            head = b"ember top - up" if key.startswith("ember") else b"top - "
            res["refreshes"] = sum(1 for l in text.split(b"\n") if l.startswith(head))
            os.unlink(out)
        if not alive:
            self.died = True
            log("bench: !!! %s DIED during the run (exit status %s) after %.0f s; stderr:\n%s"
                % (key, rc_text(rc), time.monotonic() - launched, tail(err)))
        elif rc not in (0, -signal.SIGINT, 128 + signal.SIGINT):
            log("bench: %s exited %s when stopped; stderr:\n%s" % (key, rc_text(rc), tail(err)))
        elif err.strip():
            log("bench: %s said on stderr:\n%s" % (key, tail(err, 600)))
        return res

    # -------------------------------------------------------------- all tools
    def side_by_side(self):
        a = self.a
        todo = []
        for key, label, kind, argv, keys in tools(self.ember):
            if a.tools and key not in a.tools:
                continue
            if kind == "tmux" and not shutil.which("tmux"):
                self.notes.append("%s: not measured: tmux not installed" % key)
                continue
            if not shutil.which(argv[0]):
                self.notes.append("%s: not measured: %s not installed" % (key, argv[0]))
                continue
            todo.append((key, label, kind, argv, keys))
        for n in self.notes:
            log("bench: " + n)
        res = {t[0]: [] for t in todo}
        for rnd in range(a.rounds):
            k = rnd % len(todo)
            for key, label, kind, argv, keys in todo[k:] + todo[:k]:
                log("bench: round %d/%d: %s (%.0f s + %.0f s settling)" % (
                    rnd + 1, a.rounds, key, a.seconds, a.settle))
                r = self.measure(key, kind, argv, keys)
                res[key].append(r)
                log("bench:   CPU %s%%, BPF %.3f%%, %d BPF runs/s, machine %.0f switches/s" % (
                    fmt(r["cpu"] and 100 * r["cpu"] / r["window"], ".2f"),
                    100 * r["bpf"] / r["window"], r["runs"] / r["window"],
                    r["machine"]["sw"]))
        self.report(todo, res)

    def report(self, todo, res):
        a = self.a
        med = lambda xs: statistics.median(xs) if xs else None
        rows = {}
        for key, label, kind, argv, keys in todo:
            rs = res[key]
            ok = [r for r in rs if not r["died"] and r["cpu"] is not None]
            pct = lambda f: med([100 * f(r) / r["window"] for r in ok])
            rows[key] = {
                "label": label, "kind": kind,
                "cpu": pct(lambda r: r["cpu"]), "bpf": pct(lambda r: r["bpf"]),
                "total": pct(lambda r: r["cpu"] + r["bpf"]),
                "runs": med([r["runs"] / r["window"] for r in ok]),
                "hwm": max([r["hwm"] for r in ok if r["hwm"]], default=None),
                "startup": med([r["startup"] for r in ok if r["startup"] is not None]),
                "sw": med([r["machine"]["sw"] for r in rs]),
                "tmux": med([100 * r["tmux"] / r["window"] for r in ok if r["tmux"] is not None]),
                "refreshes": med([r["refreshes"] for r in ok if "refreshes" in r]),
                "exit": ", ".join(("died " if r["died"] else "") + rc_text(r["rc"]) for r in rs),
                "died": any(r["died"] for r in rs),
            }
        for row in rows.values():
            for ref in ("top", "htop"):
                base = rows.get(ref, {}).get("total")
                row["vs " + ref] = row["total"] / base if row["total"] is not None and base \
                    else None
        bg = self.bg
        print("\nember top's cost at one refresh a second: %s, kernel %s, %d CPUs; background: "
              "1 spinner + pipe ping-pong at %.0f round trips/s (its %.0f switches/s; machine "
              "%.0f switches/s, %.0f%% busy, 100 = one CPU, %d processes); %.0f s measured per "
              "run after %.0f s settling, %d round%s; %% of one CPU" % (
                  machine(), os.uname().release, NCPU, bg["rt"], bg["load_sw"], bg["sw"],
                  bg["busy"], bg["procs"], a.seconds, a.settle, a.rounds,
                  "" if a.rounds == 1 else "s (medians)"))
        heads = ["tool", "CPU %", "BPF %", "total %", "vs top", "vs htop", "BPF runs/s",
                 "peak RSS MB", "start-up CPU s", "machine sw/s", "tmux %", "refreshes", "exit"]
        print(table(heads, [[k, fmt(r["cpu"], ".3f"), fmt(r["bpf"], ".3f"),
                             fmt(r["total"], ".3f"), fmt(r["vs top"], ".2f", "-"),
                             fmt(r["vs htop"], ".2f", "-"),
                             fmt(r["runs"], ".0f", "-") if r["runs"] else "-",
                             fmt(r["hwm"] and r["hwm"] / 1024, ".1f"),
                             fmt(r["startup"], ".2f"), fmt(r["sw"], ".0f"),
                             fmt(r["tmux"], ".3f", "-"), fmt(r["refreshes"], ".0f", "-"),
                             r["exit"]] for k, r in rows.items()]))
        for k, r in rows.items():
            if r["died"]:
                print("!!! %s died during a run (exit status: %s; its stderr above)" % (
                    k, r["exit"]))
        for n in self.notes:
            print("note: " + n)
        print("\nmarkdown:\n")
        print("Cost of a live view at one refresh a second (`tools/bench_top.sh`): kernel %s, "
              "%s, %d CPUs; background: 1 spinner and a pipe ping-pong at %.0f round trips/s "
              "(%.0f switches/s; the machine %.0f switches/s, %.0f%% busy with the load alone, "
              "100 = one CPU, %d processes); %.0f s measured per run after %.0f s settling, "
              "%d round%s. CPU = the tool's utime+stime; BPF = its programs' run time "
              "(`kernel.bpf_stats_enabled`), charged to the tasks they interrupt; both as %% "
              "of one CPU.\n" % (
                  os.uname().release, short_model(machine()), NCPU, a.rate, bg["load_sw"],
                  bg["sw"], bg["busy"], bg["procs"], a.seconds, a.settle, a.rounds,
                  "" if a.rounds == 1 else "s (medians)"))
        pc = lambda v, spec: "-" if v is None else format(v, spec) + "%"
        md = []
        for k, r in rows.items():
            total = pc(r["total"], ".2f")
            if k.startswith("ember") and r["total"] is not None:
                total = "**%s**" % total
            md.append([r["label"] + (" (died)" if r["died"] else ""), pc(r["cpu"], ".2f"),
                       pc(r["bpf"], ".3f"), total, fmt(r["vs top"], ".2f", "-"),
                       fmt(r["vs htop"], ".2f", "-"),
                       fmt(r["runs"], ".0f", "-") if r["runs"] else "-",
                       "-" if r["hwm"] is None else "%.1f MB" % (r["hwm"] / 1024),
                       "-" if r["startup"] is None else "%.2f s" % r["startup"]])
        print(markdown(["tool", "CPU (user+sys)", "BPF programs", "total", "vs top", "vs htop",
                        "BPF runs/s", "peak RSS", "start-up CPU"], md))
        if self.notes:
            print()
        for n in self.notes:
            print("- " + n)

    # -------------------------------------------------------------- trend
    def trend(self):
        a = self.a
        churn = None
        if a.churn > 0:
            churn = Bg([sys.executable, "-c", CHURN, str(a.churn),
                        os.path.join(self.workloads, "spinner"), str(a.churn_seconds)],
                       stop_timeout=10)
            self.live.append(churn)
        argv = [self.ember, "top", "-b", "-i", "1"] + shlex.split(a.args)
        out = os.path.join(self.tmp, "trend.out")
        with open(out, "wb") as f:
            bg = Bg(argv, stdout=f, stop_timeout=60)
        self.live.append(bg)
        pid = bg.p.pid
        log("bench: trend: %s for %g minutes, %g new processes/s (spinner %g s each), a line "
            "every %g s" % (" ".join(shlex.quote(x) for x in ["ember"] + argv[1:]), a.trend,
                            a.churn, a.churn_seconds, a.step))
        parser = BatchParser(out)
        maps = MapWatch()
        launched = time.monotonic()
        prev = {"t": launched, "cpu": cpu_now(pid), "bpf": {}, "load": self.load.sample(),
                "churn": 0}
        steps = []
        heads = ["minute", "CPU %", "BPF %", "total %", "BPF runs/s", "RSS MB",
                 "counts entries", "machine sw/s", "exited/s", "started/s", "panel",
                 "lost", "truncated", "renewals"]
        print("\nember top trend: %s; background: 1 spinner + ping-pong at %.0f round trips/s "
              "+ %g new processes/s; %s, kernel %s, %d CPUs. Step 1 includes start-up." % (
                  " ".join(["ember"] + argv[1:]), a.rate, a.churn, machine(),
                  os.uname().release, NCPU))
        n_steps = max(1, int(round(a.trend * 60 / a.step)))
        died = None
        for k in range(1, n_steps + 1):
            end = launched + k * a.step
            while bg.p.poll() is None and time.monotonic() < end:
                time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            if bg.p.poll() is not None:
                died = time.monotonic() - launched
                break
            self.load.check()
            cur = {"t": time.monotonic(), "cpu": cpu_now(pid), "bpf": bpf_prog_stats(pid),
                   "load": self.load.sample(), "churn": churn_started(churn)}
            dt = cur["t"] - prev["t"]
            cpu = cpu_delta(prev["cpu"], cur["cpu"])
            bpf_s, runs = bpf_delta(prev["bpf"], cur["bpf"])
            entries, renewed = maps.entries(pid)
            snap = parser.update()
            st = {"minute": (cur["t"] - launched) / 60, "cpu": 100 * cpu / dt,
                  "bpf": 100 * bpf_s / dt, "runs": runs / dt,
                  "rss": proc_status(pid, "VmRSS"), "entries": entries, "renewed": renewed,
                  "sw": Load.rates(prev["load"], cur["load"])["sw"],
                  "started": (cur["churn"] - prev["churn"]) / dt if churn else 0.0,
                  "exited": snap["exited"] / dt, "panel": snap["panel"], "lost": snap["lost"],
                  "truncated": snap["truncated"], "renewals": snap["renewals"], "snapshots": snap["snapshots"],
                  "cpu_s": cpu, "bpf_s": bpf_s, "dt": dt, "step": a.step}
            st["total"] = st["cpu"] + st["bpf"]
            steps.append(st)
            log("bench: " + ", ".join("%s %s" % (h, v) for h, v in zip(heads, trend_row(st))))
            prev = cur
        rc = None
        if died is None:
            rc = bg.stop()
            self.live.remove(bg)
        else:
            rc = bg.p.returncode
            self.live.remove(bg)
            bg.t.join(5)
            self.died = True
        if churn:
            kill_group(churn.p)
            self.live.remove(churn)
        err = bg.err()
        print("\n" + table(heads, [trend_row(s) for s in steps]))
        if steps:
            run_s = sum(s["dt"] for s in steps)
            tot = [s["total"] for s in steps]
            print("over %.1f minutes: ember top CPU %.2f%%, BPF %.3f%%, total %.2f%% of one CPU "
                  "on average (steps %.2f..%.2f%%); RSS %s -> %s MB; %d snapshots" % (
                      run_s / 60, 100 * sum(s["cpu_s"] for s in steps) / run_s,
                      100 * sum(s["bpf_s"] for s in steps) / run_s,
                      100 * sum(s["cpu_s"] + s["bpf_s"] for s in steps) / run_s, min(tot),
                      max(tot), fmt(steps[0]["rss"] and steps[0]["rss"] / 1024, ".1f"),
                      fmt(steps[-1]["rss"] and steps[-1]["rss"] / 1024, ".1f"),
                      sum(s["snapshots"] for s in steps)))
        if maps.why:
            print("note: counts entries: %s" % maps.why)
        if died is not None:
            log("bench: !!! ember top DIED after %.1f minutes: exit status %s" % (
                died / 60, rc_text(rc)))
            print("\n!!! ember top DIED after %.1f minutes: exit status %s; stderr:\n%s\n" % (
                died / 60, rc_text(rc), tail(err, 4000)))
        elif rc not in (0, -signal.SIGINT, 128 + signal.SIGINT):
            self.died = True
            print("\n!!! ember top exited %s when stopped; stderr:\n%s" % (rc_text(rc),
                                                                           tail(err, 4000)))
        else:
            print("ember top exited %s when stopped%s" % (
                rc_text(rc), "; stderr:\n" + tail(err, 2000) if err.strip() else
                ", nothing on stderr"))
        print("\nmarkdown:\n")
        print(markdown(heads, [trend_row(s) for s in steps]))


def churn_started(churn):
    if churn is None:
        return 0
    with churn.cond:
        for l in reversed(churn.lines):
            if l.startswith("started "):
                return int(l.split()[1])
    return 0


def trend_row(s):
    minute = "%.1f" % s["minute"] if s["step"] % 6 == 0 else "%.2f" % s["minute"]
    return [minute + (" (renewed)" if s["renewed"] else ""), "%.2f" % s["cpu"],
            "%.3f" % s["bpf"], "%.2f" % s["total"], "%.0f" % s["runs"],
            fmt(s["rss"] and s["rss"] / 1024, ".1f"), fmt(s["entries"], "d", "-"),
            "%.0f" % s["sw"], "%.1f" % s["exited"], "%.1f" % s["started"],
            s["panel"] or "-", fmt(s["lost"], "d", "-"), fmt(s["truncated"], "d", "-"),
            fmt(s["renewals"], "d", "-")]


def short_model(m):
    """"AMD EPYC 7B13 64-Core Processor" -> "AMD EPYC" as in the README."""
    for pre in ("AMD EPYC", "AMD Ryzen", "Intel(R) Xeon(R)", "Intel(R) Core(TM)"):
        if m.startswith(pre):
            return pre.replace("(R)", "").replace("(TM)", "")
    return m


class BatchParser:
    """What ember top -b printed since the last update(): snapshots, processes
    exited (the header's "N exited since the last refresh"), and from the
    last snapshot the panel's amount ("N samples", "X s blocked") and its
    losses ("(N stacks lost to full maps, M truncated, R collector renewals)",
    printed only when not all zero)."""

    TASKS = re.compile(r"^Tasks \d+ processes \(\d+ running, (\d+) exited")
    PANEL = re.compile(r"Hot functions: .*, last [\d.]+ s, (.*)$")
    LOST = re.compile(r"^\s+\((\d+) stacks lost to full maps, (\d+) truncated"
                      r"(?:, (\d+) collector renewals)?\)")

    def __init__(self, path):
        self.path = path
        self.off = 0
        self.panel = self.lost = self.truncated = self.renewals = None

    def update(self):
        snaps = exited = 0
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except OSError:
            data = b""
        end = data.rfind(b"\n") + 1
        self.off += end
        for l in data[:end].decode(errors="replace").split("\n"):
            if l.startswith("ember top - up"):
                snaps += 1
            m = self.TASKS.match(l)
            if m:
                exited += int(m.group(1))
                continue
            m = self.PANEL.search(l)
            if m:
                self.panel = m.group(1)
                self.lost = self.truncated = self.renewals = 0
                continue
            m = self.LOST.match(l)
            if m:
                self.lost, self.truncated = int(m.group(1)), int(m.group(2))
                self.renewals = int(m.group(3) or 0)
        return {"snapshots": snaps, "exited": exited, "panel": self.panel, "lost": self.lost,
                "truncated": self.truncated, "renewals": self.renewals}


class MapWatch:
    """Entries of the panel collector's counts map (counts, offcpu_counts,
    alloc_counts) held by ember top, with bpftool; the newest if a retired
    collector's is still there. "renewed" when its id changed since the
    last look."""

    def __init__(self):
        self.bpftool = shutil.which("bpftool")
        self.ok = self.bpftool is not None
        self.why = "bpftool not installed" if not self.ok else ""
        self.names = {}
        self.last_id = None

    def entries(self, pid):
        if not self.ok:
            return None, False
        ids = []
        fddir = "/proc/%d/fdinfo" % pid
        try:
            fds = os.listdir(fddir)
        except OSError:
            return None, False
        for fd in fds:
            try:
                with open(os.path.join(fddir, fd)) as f:
                    m = re.search(r"^map_id:\s*(\d+)", f.read(), re.M)
            except OSError:
                continue
            if m:
                ids.append(int(m.group(1)))
        best = None
        for i in sorted(set(ids)):
            if i not in self.names:
                r = subprocess.run([self.bpftool, "map", "show", "id", str(i)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                m = re.search(rb"\bname (\S+)", r.stdout)
                self.names[i] = m.group(1).decode() if m else ""
            if self.names[i].endswith("counts"):
                best = i
        if best is None:
            return None, False
        r = subprocess.run([self.bpftool, "-j", "map", "dump", "id", str(best)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            n = len(json.loads(r.stdout))
        except ValueError:
            self.why = "bpftool -j map dump id %d: %s" % (
                best, (r.stdout + r.stderr)[-200:].decode(errors="replace"))
            return None, False
        renewed = self.last_id is not None and best != self.last_id
        self.last_id = best
        return n, renewed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ember", default="build/ember")
    ap.add_argument("--workloads", default="build/workloads")
    ap.add_argument("--quick", action="store_true", help="15 s per tool")
    ap.add_argument("--seconds", type=float, help="measured seconds per run (60; quick: 15)")
    ap.add_argument("--settle", type=float, default=6.0,
                    help="seconds from a tool's launch to the measured window")
    ap.add_argument("--rounds", type=int, default=1, help="runs per tool, alternating (medians)")
    ap.add_argument("--tools", type=lambda s: s.split(","),
                    help="comma-separated subset of: top,htop,ember-nopanel,ember,"
                         "ember-offcpu,ember-live")
    ap.add_argument("--rate", type=float, default=2500, help="ping-pong round trips a second")
    ap.add_argument("--load-seconds", type=float,
                    help="seconds the background is measured alone (10; quick: 5)")
    ap.add_argument("--trend", type=float, metavar="MINUTES",
                    help="one long run of ember top -b -i 1 instead")
    ap.add_argument("--churn", type=float, default=0, help="trend: new processes a second")
    ap.add_argument("--churn-seconds", type=float, default=0.05,
                    help="trend: how long each new process spins (spinner SECONDS)")
    ap.add_argument("--step", type=float, default=60, help="trend: seconds per line")
    ap.add_argument("--args", default="", help="trend: more ember top options, e.g. "
                                               "'--panel offcpu'")
    a = ap.parse_args()
    a.seconds = a.seconds or (15.0 if a.quick else 60.0)
    a.load_seconds = a.load_seconds or (5.0 if a.quick else 10.0)
    if os.geteuid() != 0:
        log("bench: needs root")
        return 1
    for f in (a.ember, os.path.join(a.workloads, "spinner")):
        if not os.access(f, os.X_OK):
            log("bench: %s missing; run make first" % f)
            return 1
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    b = Bench(a)
    old = None
    t_start = time.monotonic()
    rc = 0
    try:
        old = enable_bpf_stats()
        if old is None:
            b.notes.append("kernel.bpf_stats_enabled cannot be set: BPF times are 0")
        b.start_load()
        if a.trend:
            b.trend()
        else:
            b.side_by_side()
        rc = 1 if b.died else 0
    except KeyboardInterrupt:
        log("bench: interrupted; stopping everything")
        rc = 130
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        log("bench: error: %s" % e)
        rc = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        b.cleanup()
        if old is not None:
            restore_bpf_stats(old)
    log("bench: done in %.0f s" % (time.monotonic() - t_start))
    return rc


if __name__ == "__main__":
    sys.exit(main())

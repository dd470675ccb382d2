# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Helpers shared by tools/bench_*.py: background
processes, /proc readers, BPF program statistics, and output tables."""
import os
import re
import signal
import subprocess
import sys
import threading
import time

NCPU = os.cpu_count() or 1
BPF_STATS = "/proc/sys/kernel/bpf_stats_enabled"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Bg:
    """A background process (own session) whose stderr is collected."""

    def __init__(self, argv, stdout=subprocess.DEVNULL, stop_timeout=180, env=None):
        self.argv = argv
        self.lines = []
        self.cond = threading.Condition()
        self.stop_timeout = stop_timeout
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                  stderr=subprocess.PIPE, start_new_session=True, env=env)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in self.p.stderr:
            with self.cond:
                self.lines.append(raw.decode(errors="replace"))
                self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        with self.cond:
            while time.monotonic() < end:
                for l in self.lines:
                    if rx.search(l):
                        return l
                if self.p.poll() is not None:
                    return None
                self.cond.wait(0.1)
        return None

    def stop(self, sig=signal.SIGINT):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            self.p.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
        self.t.join(5)
        return self.p.returncode

    def err(self):
        with self.cond:
            return "".join(self.lines)


def kill_group(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait()


def wait_file(path, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.05)
    return False


def proc_cpu(pid):
    """CPU time of pid, all threads, in seconds (ns-precise schedstat), None if gone."""
    total = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return total / 1e9


def proc_status(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for l in f:
                if l.startswith(key + ":"):
                    return int(l.split()[1])
    except OSError:
        pass
    return None


def enable_bpf_stats():
    """Set kernel.bpf_stats_enabled=1; the old value to restore_bpf_stats(),
    or None if it cannot be set."""
    try:
        with open(BPF_STATS) as f:
            old = f.read().strip()
        with open(BPF_STATS, "w") as f:
            f.write("1")
    except OSError:
        return None
    return old


def restore_bpf_stats(old):
    with open(BPF_STATS, "w") as f:
        f.write(old)


def bpf_prog_stats(pid, prog_type=None):
    """{prog_id: (run_time_ns, run_cnt)} of the BPF programs pid holds (fdinfo
    of its program fds; counts only while kernel.bpf_stats_enabled=1), only
    those of prog_type (the number, as a string) if given."""
    progs = {}
    fddir = "/proc/%d/fdinfo" % pid
    try:
        fds = os.listdir(fddir)
    except OSError:
        return progs
    for fd in fds:
        try:
            with open(os.path.join(fddir, fd)) as f:
                info = dict(l.split(":", 1) for l in f if ":" in l)
        except OSError:
            continue
        info = {k.strip(): v.strip() for k, v in info.items()}
        if prog_type is not None and info.get("prog_type") != prog_type:
            continue
        if "prog_id" in info and "run_cnt" in info:
            progs[info["prog_id"]] = (int(info["run_time_ns"]), int(info["run_cnt"]))
    return progs


def fmt(v, spec, none="n/a"):
    return none if v is None else format(v, spec)


def table(headers, rows):
    w = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = lambda r: "  ".join(str(x).rjust(w[i]) if i else str(x).ljust(w[i])
                               for i, x in enumerate(r))
    return "\n".join([line(headers), "  ".join("-" * x for x in w)] + [line(r) for r in rows])


def markdown(headers, rows):
    out = ["| " + " | ".join(headers) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


def machine():
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return os.uname().machine

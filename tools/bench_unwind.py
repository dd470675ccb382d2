#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The user-stack walks side by side, in one run: ember's .eh_frame table
walk (--unwind cfi) against its frame-pointer path (--unwind fp, the
kernel's bpf_get_stack walk), and perf's -g and --call-graph dwarf, on the
same workloads built without frame pointers.

    tools/bench_unwind.py --ember build/ember --workloads build/workloads [--secs N]

Per walker: BPF time per sample (bpf_stats run_time_ns / run_cnt of the
sampling program, read while it runs), user frames per sample, and the
share of samples whose stack reaches the program's entry (_start, or
clone3 for threads): a stack that stops short is not a complete one.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ENTRIES = ("_start", "clone3", "__clone3")


def bpf_prog_stats(name):
    """(run_time_ns, run_cnt) summed over the loaded programs called name."""
    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True).stdout
    ns = cnt = 0
    for p in json.loads(out or "[]"):
        if p.get("name") == name:
            ns += p.get("run_time_ns", 0)
            cnt += p.get("run_cnt", 0)
    return ns, cnt


def folded_stats(path, comm):
    n = frames = complete = 0
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            stack, c = line.rsplit(" ", 1)
            fr = stack.split(";")
            if fr[0] != comm:
                continue
            c = int(c)
            user = [x for x in fr[1:] if not x.endswith("_[k]") and not x.startswith("[")]
            n += c
            frames += c * len(user)
            if "[partial]" not in fr and user and user[0] in ENTRIES:
                complete += c
    return n, frames, complete


def run_ember(ember, mode, argv, comm, secs, tmp):
    out = os.path.join(tmp, "ember-%s.folded" % mode)
    p = subprocess.Popen([ember, "record", "-F", "999", "--unwind", mode, "-o", out, "--"] + argv,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(secs * 0.8)
    ns, cnt = bpf_prog_stats("on_sample")
    p.wait(timeout=secs * 10 + 60)
    n, frames, complete = folded_stats(out, comm)
    return {"ns": ns / cnt if cnt else 0, "n": n, "frames": frames / n if n else 0,
            "complete": complete / n if n else 0}


def run_perf(mode, argv, comm, tmp):
    data = os.path.join(tmp, "perf-%s.data" % mode.replace(",", "_"))
    cg = ["-g"] if mode == "fp" else ["--call-graph", "dwarf"]
    subprocess.run(["perf", "record", "-F", "999", "-o", data, "-q"] + cg + ["--"] + argv,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym"],
                         capture_output=True, text=True).stdout
    n = frames = complete = 0
    for sample in out.split("\n\n"):
        lines = [l.strip() for l in sample.strip().splitlines()]
        if not lines or not lines[0].startswith(comm[:15]):
            continue
        syms = [l.split(None, 1)[1] if " " in l else "" for l in lines[1:]]
        user = [s for s in syms if s and "[unknown]" not in s]
        n += 1
        frames += len(syms)
        if syms and syms[-1].split("+")[0] in ENTRIES:
            complete += 1
    return {"n": n, "frames": frames / n if n else 0, "complete": complete / n if n else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ember", required=True)
    ap.add_argument("--workloads", required=True)
    ap.add_argument("--secs", type=float, default=4)
    a = ap.parse_args()
    work = [("C, -O2, no frame pointers (nofp_work chain)", "nofp_work",
             [os.path.join(a.workloads, "nofp_work"), "chain", str(a.secs)])]
    if os.access("/usr/bin/python3.11", os.X_OK):
        src = os.path.join(tempfile.gettempdir(), "bench_unwind_rec.py")
        with open(src, "w") as f:
            f.write("import time\n"
                    "def f(n):\n"
                    "    if n == 0:\n"
                    "        t = time.process_time() + 0.002\n"
                    "        while time.process_time() < t: pass\n"
                    "        return 0\n"
                    "    return f(n - 1) + 1\n"
                    "end = time.process_time() + %f\n"
                    "while time.process_time() < end:\n"
                    "    sorted(range(50), key=lambda x: f(12))\n" % a.secs)
        work.append(("Debian python3.11, recursion through sorted()", "python3.11",
                     ["/usr/bin/python3.11", src]))
    subprocess.run(["sysctl", "-q", "kernel.bpf_stats_enabled=1"], check=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for title, comm, argv in work:
                cfi = run_ember(a.ember, "cfi", argv, comm, a.secs, tmp)
                fp = run_ember(a.ember, "fp", argv, comm, a.secs, tmp)
                row = [title, cfi, fp]
                if shutil.which("perf"):
                    row += [run_perf("fp", argv, comm, tmp), run_perf("dwarf", argv, comm, tmp)]
                rows.append(row)
        finally:
            subprocess.run(["sysctl", "-q", "kernel.bpf_stats_enabled=0"])
    print("| workload | walker | BPF ns/sample | user frames | complete |")
    print("|---|---|---:|---:|---:|")
    for row in rows:
        title, cfi, fp = row[:3]
        print("| %s | ember --unwind cfi | %.0f (%.2fx fp) | %.1f | %.1f%% |" % (
            title, cfi["ns"], cfi["ns"] / fp["ns"] if fp["ns"] else 0, cfi["frames"],
            100 * cfi["complete"]))
        print("| | ember --unwind fp | %.0f | %.1f | %.1f%% |" % (
            fp["ns"], fp["frames"], 100 * fp["complete"]))
        for name, r in zip(("perf -g", "perf --call-graph dwarf"), row[3:]):
            print("| | %s | - | %.1f | %.1f%% |" % (name, r["frames"], 100 * r["complete"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

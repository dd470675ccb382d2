#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Time and peak memory to draw an SVG flame graph from a folded file of
N unique stacks (default 100 000): `ember flamegraph` against Brendan
Gregg's flamegraph.pl when it can be found or fetched. Run through
tools/bench_flamegraph.sh."""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Rng:
    """xorshift64*: the same stacks on every machine and Python version."""

    def __init__(self, seed):
        self.s = seed or 1

    def next(self):
        s = self.s
        s ^= (s >> 12)
        s ^= (s << 25) & 0xffffffffffffffff
        s ^= (s >> 27)
        self.s = s
        return (s * 0x2545F4914F6CDD1D) & 0xffffffffffffffff

    def below(self, n):
        return (self.next() >> 11) % n


def generate(path, nstacks, seed=1):
    """Folded stacks shaped like a real profile: a few processes, call
    paths that share their roots and fan out with depth (4 to 40 frames),
    kernel frames at some leaves, heavy-tailed counts."""
    rng = Rng(seed)
    procs = ["proc%02d" % i for i in range(16)]
    seen = set()
    lines = []
    total = 0
    while len(lines) < nstacks:
        depth = 4 + rng.below(37)
        fn = rng.below(16)
        frames = [procs[fn]]
        for level in range(depth):
            # few choices near the root, more further up: shared prefixes
            fanout = 2 + level * 3
            fn = (fn * 31 + 7 + rng.below(fanout)) % 20000
            frames.append("func_%05d" % fn)
        for _ in range(rng.below(6) if rng.below(3) == 0 else 0):
            frames.append("ksym_%04d_[k]" % rng.below(3000))
        stack = ";".join(frames)
        if stack in seen:
            continue
        seen.add(stack)
        count = 1 + 10000 // (1 + rng.below(10000))
        total += count
        lines.append("%s %d\n" % (stack, count))
    lines.sort()
    with open(path, "w") as f:
        f.writelines(lines)
    return total


def measure(argv, out_path, rounds):
    """Median wall time, CPU time and the largest peak RSS of `rounds` runs
    (stdout to out_path)."""
    walls, cpus, rss = [], [], 0
    for _ in range(rounds):
        with open(out_path, "wb") as out:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
            _, status, ru = os.wait4(p.pid, 0)
            walls.append(time.perf_counter() - t0)
            err = p.stderr.read().decode(errors="replace")
            p.stderr.close()
            p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), p.returncode, err[-2000:]))
        cpus.append(ru.ru_utime + ru.ru_stime)
        rss = max(rss, ru.ru_maxrss)  # KiB
    return {"wall": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls),
            "cpu": statistics.median(cpus), "rss_mb": rss / 1024.0,
            "size_mb": os.path.getsize(out_path) / 1e6, "frames": count_frames(out_path)}


def count_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    # both writers put each frame's <title> inside its own <g>
    return data.count(b"<title>")


def find_flamegraph_pl(cache):
    """flamegraph.pl on PATH, in the cache, or cloned into it; None if none
    can be had (no network)."""
    for name in ("flamegraph.pl", "flamegraph"):
        exe = shutil.which(name)
        if exe:
            return exe
    script = os.path.join(cache, "FlameGraph", "flamegraph.pl")
    if os.path.exists(script):
        return script
    if not shutil.which("git"):
        log("bench: git not installed; cannot fetch flamegraph.pl")
        return None
    os.makedirs(cache, exist_ok=True)
    log("bench: cloning flamegraph.pl into %s" % cache)
    try:
        r = subprocess.run(["git", "clone", "--depth", "1", "-q",
                            "https://github.com/brendangregg/FlameGraph",
                            os.path.join(cache, "FlameGraph")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        log("bench: cloning flamegraph.pl timed out")
        return None
    if r.returncode != 0:
        log("bench: cannot fetch flamegraph.pl (%s)" %
            r.stderr.decode(errors="replace").strip().splitlines()[-1:])
        return None
    return script if os.path.exists(script) else None


def fmt(v, nd=2):
    return "%.*f" % (nd, v)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ember", default="build/ember")
    ap.add_argument("--stacks", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cache", default=os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ember-bench"))
    ap.add_argument("--workdir", default=None, help="keep the files here")
    a = ap.parse_args()

    work = a.workdir or os.path.join(a.cache, "flamegraph")
    os.makedirs(work, exist_ok=True)
    folded = os.path.join(work, "stacks-%d.folded" % a.stacks)
    log("bench: generating %d unique stacks" % a.stacks)
    total = generate(folded, a.stacks)
    in_mb = os.path.getsize(folded) / 1e6

    results = {}
    log("bench: ember flamegraph, %d rounds" % a.rounds)
    results["ember flamegraph"] = measure([a.ember, "flamegraph", folded],
                                          os.path.join(work, "ember.svg"), a.rounds)
    pl = find_flamegraph_pl(a.cache)
    if pl and shutil.which("perl"):
        log("bench: flamegraph.pl, %d rounds" % a.rounds)
        argv = ([pl] if os.access(pl, os.X_OK) else ["perl", pl]) + [folded]
        results["flamegraph.pl"] = measure(argv, os.path.join(work, "flamegraph-pl.svg"),
                                           a.rounds)
    else:
        log("bench: flamegraph.pl not available (no package, no network): "
            "ember measured alone")

    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    head = ("%s, %d CPUs, kernel %s. Input: %d unique stacks, %.1f MB, %d samples in all; "
            "%d rounds, median wall time, largest peak RSS (getrusage of the child), "
            "default options (1200 px, 0.1 px minimum frame width)." %
            (cpu, os.cpu_count() or 1, platform.release(), a.stacks, in_mb, total, a.rounds))
    print(head)
    print()
    cols = ["tool", "wall s", "min..max s", "CPU s", "peak RSS MB", "SVG MB", "frames drawn"]
    rows = []
    for name, r in results.items():
        rows.append([name, fmt(r["wall"], 3), "%s..%s" % (fmt(r["wall_min"], 3),
                                                            fmt(r["wall_max"], 3)),
                     fmt(r["cpu"], 3), fmt(r["rss_mb"], 1), fmt(r["size_mb"], 2),
                     str(r["frames"])])
    if len(results) == 2:
        e, p = results["ember flamegraph"], results["flamegraph.pl"]
        rows.append(["ember / flamegraph.pl", fmt(e["wall"] / p["wall"], 3), "",
                     fmt(e["cpu"] / p["cpu"], 3) if p["cpu"] else "n/a",
                     fmt(e["rss_mb"] / p["rss_mb"], 3), fmt(e["size_mb"] / p["size_mb"], 3),
                     ""])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))
    print()
    print("| " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * (len(cols) - 1))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if len(results) < 2:
        print()
        print("flamegraph.pl: not measured (not installed, and it could not be fetched).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

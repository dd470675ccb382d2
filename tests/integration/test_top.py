# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember top, run by run.py (-k Top): batch snapshots parsed against
workloads with known CPU and blocked time, and the live view driven in tmux
(send-keys, capture-pane)."""
import os
import re
import shutil
import subprocess
import time

import run  # run.py (registered under this name by its main())
from run import EmberTest, wl

HEAD = "    PID COMMAND"


def parse_snapshots(text):
    """Batch output -> [{"title", "interval", "rows": [row], "panel": [(self, total, name)]}]."""
    snaps = []
    for block in text.split("\nember top - ")[0:]:
        if not block.strip():
            continue
        lines = block.splitlines()
        m = re.search(r"every ([\d.]+) s", lines[0])
        snap = {"title": lines[0], "interval": float(m.group(1)) if m else None,
                "rows": [], "panel": [], "panel_title": None}
        section = None
        for line in lines[1:]:
            if line.startswith(HEAD):
                section = "table"
                continue
            if "Hot functions:" in line:
                section = "panel"
                snap["panel_title"] = line
                continue
            if section == "table" and line.strip():
                rest = line[25:].split()
                snap["rows"].append({
                    "pid": int(line[:7]), "focus": line[7] == "*", "comm": line[8:23].rstrip(),
                    "state": line[24], "cpu": float(rest[0]), "off": float(rest[1]),
                    "rss": rest[2], "threads": int(rest[3])})
            elif section == "panel" and line.strip():
                m = re.match(r"^\s+([\d.]+)\s+([\d.]+)\s+(\S+)", line)
                if m:
                    snap["panel"].append((float(m.group(1)), float(m.group(2)), m.group(3)))
        snaps.append(snap)
    return snaps


def rss_bytes(text):
    units = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return float(text[:-1]) * units[text[-1]]


class TopTest(EmberTest):
    def top(self, args, timeout=60):
        r = run.run([run.EMBER, "top", "-b"] + args, timeout)
        self.assertEqual(r.rc, 0, "ember top failed\n%s\n%s" % (r, r.out[-2000:]))
        snaps = parse_snapshots(r.out)
        return r, snaps

    def row(self, snap, pid):
        rows = [x for x in snap["rows"] if x["pid"] == pid]
        return rows[0] if rows else None

    def test_batch_busy_process_on_top(self):
        """A process burning one core: at the top of the table, 100 +- 10 %
        CPU, in every snapshot; N snapshots exactly, one per interval."""
        sp = run.start_bg([wl("spinner"), "30"])
        r, snaps = self.top(["-n", "3", "-i", "1", "--no-panel"])
        self.assertEqual(len(snaps), 3, r.out[-3000:])
        self.assertGreater(r.elapsed, 2.9, r)
        for s in snaps:
            self.assertEqual(s["interval"], 1.0)
            pids = [x["pid"] for x in s["rows"]]
            self.assertIn(sp.pid, pids)
            x = s["rows"][pids.index(sp.pid)]
            self.assertEqual(x["comm"], "spinner")
            self.assertAlmostEqual(x["cpu"], 100, delta=10, msg=s["rows"][:3])
            self.assertEqual(x["state"], "R")
            # on top: only processes as busy (another full core) before it
            self.assertTrue(all(y["cpu"] >= 90 for y in s["rows"][:pids.index(sp.pid)]),
                            s["rows"][:3])
            # the rows are sorted by CPU
            cpus = [y["cpu"] for y in s["rows"]]
            self.assertEqual(cpus, sorted(cpus, reverse=True))

    def test_short_lived_processes_count(self):
        """forker's two children live 0.5 s each, less than one refresh:
        their CPU still shows, as exited rows (X), and the tree's CPU over
        the snapshots adds up to what the kernel says it used (wait4)."""
        pidfile = os.path.join(self.dir, "pids")
        p = subprocess.Popen([run.EMBER, "top", "-b", "-n", "4", "-i", "1", "--no-panel"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.3)
        child = subprocess.Popen([wl("forker"), pidfile], stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(child.pid, 0)
        child.returncode = 0
        self.assertEqual(status, 0)
        used = ru.ru_utime + ru.ru_stime
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err.decode())
        with open(pidfile) as f:
            pids = {int(l.split()[1]): l.split()[0] for l in f if l.strip()}
        snaps = parse_snapshots(out.decode())
        self.assertEqual(len(snaps), 4)
        seen = {}
        exited = set()
        for s in snaps:
            for x in s["rows"]:
                if x["pid"] in pids:
                    seen[x["pid"]] = seen.get(x["pid"], 0) + x["cpu"] / 100 * s["interval"]
                    if x["state"] == "X":
                        exited.add(pids[x["pid"]])
        self.assertEqual(set(seen), set(pids), (seen, pids))
        self.assertAlmostEqual(sum(seen.values()), used, delta=0.1 * used + 0.03,
                               msg=(seen, pids, used))
        # the children surely exited between two refreshes (the parent
        # waits for them, then may exit before the last snapshot too)
        self.assertTrue({"child", "exec"} <= exited, (exited, out.decode()[-3000:]))

    def test_offcpu_time(self):
        """A thread that sleeps nearly all the time: OFF% ~ 100 (one
        thread blocked the whole interval), CPU% ~ 0."""
        sl = run.start_bg([wl("offcpu_work"), "ab", "400"])
        r, snaps = self.top(["-n", "3", "-i", "1", "--no-panel", "-s", "OFF%"])
        for s in snaps[1:]:
            x = self.row(s, sl.pid)
            self.assertIsNotNone(x, "offcpu_work missing\n%s" % s["rows"][:5])
            self.assertAlmostEqual(x["off"], 100, delta=10, msg=x)
            self.assertLess(x["cpu"], 5, x)
        self.assertIn("sort OFF%", snaps[0]["title"])

    def test_rss_and_threads(self):
        """RSS and threads come from /proc: 200 MiB touched -> 200 MiB +-5%;
        the threads workload's thread count."""
        mem = run.start_bg([wl("resource_work"), "touch", "200", "20"])
        time.sleep(1.0)
        r, snaps = self.top(["-n", "1", "-i", "1", "--no-panel", "-s", "RSS"])
        x = self.row(snaps[-1], mem.pid)
        self.assertIsNotNone(x, snaps[-1]["rows"][:5])
        self.assertAlmostEqual(rss_bytes(x["rss"]), 200 << 20, delta=10 << 20, msg=x)
        self.assertEqual(x["threads"], 1)

    def test_panel_hot_functions_of_a_process(self):
        """-p PID: the panel follows burn_ab, whose ember_burn_a does 3x
        the work of ember_burn_b: about 3x the self share (75%/25%)."""
        b = run.start_bg([wl("burn_ab"), "30"])
        r, snaps = self.top(["-n", "3", "-i", "1", "-p", str(b.pid), "-F", "499"])
        last = snaps[-1]
        self.assertIn("process %d" % b.pid, last["panel_title"])
        self.assertIn("CPU", last["panel_title"])
        funcs = {name: (s, t) for s, t, name in last["panel"]}
        self.assertIn("ember_burn_a", funcs, last["panel"])
        self.assertIn("ember_burn_b", funcs, last["panel"])
        a, bb = funcs["ember_burn_a"][0], funcs["ember_burn_b"][0]
        self.assertAlmostEqual(a / bb, 3.0, delta=0.45, msg=funcs)
        self.assertAlmostEqual(a + bb, 100, delta=5, msg=funcs)
        self.assertAlmostEqual(funcs["main"][1], 100, delta=5, msg=funcs)
        # the focused process is marked in the table
        self.assertTrue(self.row(last, b.pid)["focus"])

    def test_panel_offcpu(self):
        """--panel offcpu: blocked time by the user function that blocked."""
        w = run.start_bg([wl("offcpu_work"), "ab", "400"])
        r, snaps = self.top(["-n", "3", "-i", "1", "-p", str(w.pid), "--panel", "offcpu"])
        last = snaps[-1]
        self.assertIn("off-CPU", last["panel_title"])
        names = [n for _, _, n in last["panel"]]
        self.assertTrue(any(n.startswith("ember_sleep") or "sleep" in n for n in names),
                        last["panel"])
        m = re.search(r"([\d.]+) s blocked", last["panel_title"])
        # a single thread sleeping: about as much blocked time as window
        w_s = float(re.search(r"last ([\d.]+) s", last["panel_title"]).group(1))
        self.assertAlmostEqual(float(m.group(1)), w_s, delta=0.15 * w_s, msg=last["panel_title"])

    def test_panel_renews_before_stacks_fill(self):
        """New processes keep bringing new stacks (new addresses): with
        room for only 512 stacks, the panel's collector is renewed before
        its stacks map fills, again and again, and no stack is lost; the
        panel keeps showing what runs. (A refresh can bring up to two new
        stacks per sample, ~400 at 99 Hz on 2 busy CPUs: 512 holds one.)"""
        stop = time.monotonic() + 16
        kids = []
        # to a file: a pipe nobody reads before the end would stall it
        outf = open(os.path.join(self.dir, "top.out"), "w+b")
        p = subprocess.Popen([run.EMBER, "top", "-b", "-n", "14", "-i", "1",
                              "--stack-storage", "512", "--panel-rows", "5"],
                             stdout=outf, stderr=subprocess.PIPE)
        try:
            while time.monotonic() < stop and p.poll() is None:
                kids.append(subprocess.Popen([wl("spinner"), "0.05"]))
                time.sleep(0.04)
                kids = [k for k in kids if k.poll() is None]
            _, err = p.communicate(timeout=30)
        finally:
            for k in kids:
                k.wait()
        self.assertEqual(p.returncode, 0, err.decode())
        outf.seek(0)
        text = outf.read().decode()
        outf.close()
        snaps = parse_snapshots(text)
        self.assertEqual(len(snaps), 14, text[-3000:])
        losses = re.findall(r"\((\d+) stacks lost to full maps, (\d+) truncated, "
                            r"(\d+) collector renewals\)", text)
        self.assertTrue(losses, text[-3000:])
        lost, _, renewals = (int(x) for x in losses[-1])
        self.assertGreaterEqual(renewals, 2, losses)
        self.assertEqual(lost, 0, losses)
        for s in snaps[1:]:
            m = re.search(r"(\d+) samples", s["panel_title"])
            self.assertGreater(int(m.group(1)), 0, text)
            self.assertIn("ember_spin", [n for _, _, n in s["panel"]], s["panel"])

    def test_bad_options(self):
        for args, what in ((["-b", "-i", "0"], "interval"), (["-b", "-n", "x"], "-n"),
                           (["-b", "--panel", "alloc"], "needs -p"),
                           (["-b", "-s", "nope"], "sort"),
                           (["-b", "--stack-storage", "10"], "stack-storage"), (["-b", "--bogus"], "unknown option"),
                           (["-b", "-p", "999999999"], "no process"),
                           ([], "terminal")):
            r = run.run([run.EMBER, "top"] + args, 20)
            self.assertNotEqual(r.rc, 0, r)
            lines = run.error_lines(r.err)
            self.assertEqual(len(lines), 1, r)
            self.assertIn(what, lines[0], r)


class TopTmuxTest(EmberTest):
    """The live view in a real terminal: tmux at 80x24."""

    def setUp(self):
        super().setUp()
        if not shutil.which("tmux"):
            self.skipTest("tmux not installed (make deps installs it)")
        self.session = "ember-top-%d" % os.getpid()
        subprocess.run(["tmux", "kill-session", "-t", self.session], stderr=subprocess.DEVNULL)

    def tearDown(self):
        subprocess.run(["tmux", "kill-session", "-t", self.session], stderr=subprocess.DEVNULL)
        super().tearDown()

    def tmux(self, *args):
        return subprocess.run(["tmux"] + list(args), capture_output=True, text=True, timeout=10)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.session).stdout.split("\n")

    def wait_screen(self, pred, timeout=8):
        end = time.monotonic() + timeout
        lines = []
        while time.monotonic() < end:
            lines = self.screen()
            if pred(lines):
                return lines
            time.sleep(0.2)
        self.fail("screen never matched:\n%s" % "\n".join(lines))

    def table(self, lines):
        heads = [i for i, l in enumerate(lines) if l.startswith(HEAD)]
        self.assertTrue(heads, "\n".join(lines))
        return lines[heads[0] + 1:]

    def test_live_view_keys_and_quit(self):
        sp = run.start_bg([wl("spinner"), "60"])
        r = self.tmux("new-session", "-d", "-s", self.session, "-x", "80", "-y", "24",
                      "%s top -i 0.5" % run.EMBER)
        self.assertEqual(r.returncode, 0, r.stderr)
        # keep the pane after ember exits, to read how it exited
        self.tmux("set-option", "-t", self.session, "remain-on-exit", "on")
        # the busy process on top of the table
        lines = self.wait_screen(lambda ls: any(l.startswith(HEAD) for l in ls) and
                                 str(sp.pid) in self.table(ls)[0])
        self.assertEqual(len(lines[:24]), 24)
        self.assertIn("spinner", self.table(lines)[0])
        self.assertTrue(all(len(l) <= 80 for l in lines), lines)
        # s: next sort column, named in the title
        self.tmux("send-keys", "-t", self.session, "s")
        self.wait_screen(lambda ls: "sort OFF%" in ls[0])
        self.tmux("send-keys", "-t", self.session, "s", "s", "s", "s", "s", "s")
        self.wait_screen(lambda ls: "sort CPU%" in ls[0])
        # h: help, any key closes it
        self.tmux("send-keys", "-t", self.session, "h")
        self.wait_screen(lambda ls: any("q, Ctrl-C" in l for l in ls))
        self.tmux("send-keys", "-t", self.session, "x")
        self.wait_screen(lambda ls: not any("q, Ctrl-C" in l for l in ls))
        # Enter: the panel follows the selected (top) process; its hot
        # function shows
        self.tmux("send-keys", "-t", self.session, "Home", "Enter")
        lines = self.wait_screen(lambda ls: any("process %d" % sp.pid in l for l in ls) and
                                 any("ember_spin" in l for l in ls))
        # o: off-CPU panel; c: back to CPU
        self.tmux("send-keys", "-t", self.session, "o")
        self.wait_screen(lambda ls: any("Hot functions: off-CPU" in l for l in ls))
        self.tmux("send-keys", "-t", self.session, "c")
        self.wait_screen(lambda ls: any("Hot functions: CPU" in l for l in ls))
        # follows a resize
        self.tmux("resize-window", "-t", self.session, "-x", "120", "-y", "40")
        self.wait_screen(lambda ls: len([l for l in ls if l.strip()]) > 24 and
                         any(len(l.rstrip()) > 80 for l in ls))
        # Down moves the selection; q quits
        self.tmux("send-keys", "-t", self.session, "Down")
        self.tmux("send-keys", "-t", self.session, "q")
        end = time.monotonic() + 5
        dead = ""
        while time.monotonic() < end:
            dead = self.tmux("display-message", "-p", "-t", self.session,
                             "#{pane_dead} #{pane_dead_status}").stdout.strip()
            if dead.startswith("1"):
                break
            time.sleep(0.1)
        # tmux 3.3 leaves the status empty for a clean exit
        self.assertIn(dead, ("1", "1 0"), "ember top did not exit cleanly on q")

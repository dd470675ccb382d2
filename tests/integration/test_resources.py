# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""ember record's resource summary (--summary JSON, stderr summary, -q),
run by run.py (-k Resource). Ground truth from tests/workloads/resource_work.c:
a process burning one core, one writing a known number of MiB, one holding a
known amount of touched memory."""
import json
import os
import re

import run  # run.py (registered under this name by its main())
from run import EmberTest, wl

STAT_KEYS = {"current", "avg", "min", "max"}


class ResourceTest(EmberTest):
    def record(self, work, extra=(), timeout=60, cmd=None):
        """ember record --summary JSON -- resource_work WORK (or CMD); (result, summary)."""
        js = self.out + ".json"
        argv = [run.EMBER, "record", "-o", self.out, "--summary", js] + list(extra) + \
            ["--"] + (cmd or [wl("resource_work")] + [str(w) for w in work])
        r = run.run(argv, timeout)
        self.assertEqual(r.rc, 0, "ember failed\n%s" % r)
        self.assertTrue(os.path.exists(js), "no summary file\n%s" % r)
        with open(js) as f:
            return r, json.load(f)

    def proc(self, summary, comm="resource_work"):
        procs = [p for p in summary["processes"] if p["comm"] == comm]
        self.assertTrue(procs, "no %s in processes: %s" % (comm, [p["comm"] for p in summary["processes"]]))
        return procs[0]

    def test_shape(self):
        r, s = self.record(["burn", "1.5"])
        for key in ("system", "processes", "samples"):
            self.assertIn(key, s)
        for name in ("cpu_percent", "memory_used_bytes", "memory_available_bytes", "load_1",
                     "context_switches_per_sec", "cpu0_percent", "swap_used_bytes"):
            self.assertIn(name, s["system"])
            self.assertEqual(set(s["system"][name]), STAT_KEYS, name)
        p = self.proc(s)
        for name in ("cpu_percent", "rss_bytes", "vms_bytes", "threads", "open_fds",
                     "read_bytes", "write_bytes", "ctx_switches_voluntary",
                     "ctx_switches_involuntary", "minor_faults", "major_faults"):
            self.assertIn(name, p)
            self.assertEqual(set(p[name]), STAT_KEYS, name)
        self.assertIsInstance(p["pid"], int)
        self.assertGreaterEqual(len(s["samples"]), 2)
        st = s["system"]["cpu_percent"]
        self.assertLessEqual(st["min"], st["avg"])
        self.assertLessEqual(st["avg"], st["max"])
        # the readable summary is on stderr
        self.assertRegex(r.err, r"(?m)^ember: system resources, \d+ readings")
        self.assertRegex(r.err, r"(?m)^ember: processes by average CPU")

    def test_burn_one_core(self):
        """A process burning CPU for 3 s: its average CPU% within 10 points of the CPU
        it really got over those 3 s (100 on an idle machine, what is left under load):
        spinner's own account (CLOCK_PROCESS_CPUTIME_ID at exit), as resource_work
        keeps none."""
        _, s = self.record([], cmd=[wl("spinner"), "3"])
        p = self.proc(s, "spinner")
        cpu = p["cpu_percent"]
        real = 100 * self.truth().process(p["pid"]) / 3
        self.assertGreater(real, 0, "no CPU report from spinner %d" % p["pid"])
        self.assertAlmostEqual(cpu["avg"], real, delta=10, msg="%s; really %.1f%%" % (cpu, real))
        self.assertGreaterEqual(s["system"]["cpu_percent"]["max"], 40)

    def test_write_megabytes(self):
        # /var/tmp: usually on a block device, where writes reach storage
        base = "/var/tmp" if os.path.isdir("/var/tmp") else run.TMP
        path = os.path.join(base, "ember-written-%d.bin" % os.getpid())
        try:
            _, s = self.record(["write", "64", path])
        finally:
            if os.path.exists(path):
                os.unlink(path)
        p = self.proc(s)
        mib = 64 << 20
        # written to the file: at least that many bytes passed to write()
        self.assertGreaterEqual(p["write_chars"]["current"], mib, p)
        # and, on a filesystem backed by a block device, to storage
        if os.major(os.stat(base).st_dev) != 0:
            self.assertGreaterEqual(p["write_bytes"]["current"], mib, p)

    def test_touch_rss(self):
        _, s = self.record(["touch", "200", "2.5"])
        rss = self.proc(s)["rss_bytes"]
        self.assertAlmostEqual(rss["max"] / float(200 << 20), 1.0, delta=0.05, msg=rss)

    def test_quiet_and_interval(self):
        r, s = self.record(["burn", "1.2"], extra=["-q", "--interval", "0.2"])
        self.assertNotRegex(r.err, r"(?m)^ember: system resources")
        self.assertGreaterEqual(len(s["samples"]), 5)

    def test_bad_options(self):
        for bad in (["--interval", "0"], ["--interval", "x"], ["--summary", ""]):
            r = run.run([run.EMBER, "record", "-d", "1"] + bad, 20)
            self.assertEqual(r.rc, 2, r)
            self.assertEqual(len(run.error_lines(r.err)), 1, r)
        r = run.run([run.EMBER, "record", "-d", "1", "--summary", "/nonexistent/dir/s.json"], 20)
        self.assertNotEqual(r.rc, 0, r)
        self.assertEqual(len(run.error_lines(r.err)), 1, r)

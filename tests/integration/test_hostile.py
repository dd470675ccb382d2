# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Hostile targets (issue 12), run by run.py (-k Hostile).

ember runs as root on other people's processes. What those processes do to
their own files must never hang it or lend a frame a name that is not
provably its own: a mapped library replaced by a FIFO, a binary replaced on
disk while it runs (no build ids), a same-path decoy outside a mount
namespace, a PID reused by a new process, deleted, memfd-backed and
longer-than-PATH_MAX mappings.

The programs are compiled here, without GNU build ids (the identity check
must not lean on them). Each burns until it has had a given amount of its
own CPU time (not wall time), so a loaded machine only makes it run longer.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import time

import run  # run.py (registered under this name by its main())
from run import EMBER, EmberTest, Profile, kill, start

APP_SRC = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if V == 2
#define WORK beta_work
#else
#define WORK alpha_work
#endif

volatile unsigned long sink;

__attribute__((noinline)) void WORK(void)
{
	for (unsigned long i = 0; i < 200000; i++)
		sink += i * i;
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Copy file src into a new file dst (fd). */
static void copy_into(const char *src, int dst)
{
	char buf[65536];
	int in = open(src, O_RDONLY);
	ssize_t n;

	if (in < 0) {
		perror(src);
		exit(1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(dst, buf, n) != n)
			exit(1);
	close(in);
}

/* Usage: app SECONDS [lib PATH | memfd PATH NAME | deep PATH DEPTH]
 * Burns SECONDS of its own CPU time (capped at 20x in wall time) in WORK,
 * or in the library's lib_work, after printing "ready". Then waits for a
 * line on stdin if WAIT is set in the environment. */
int main(int argc, char **argv)
{
	double want = atof(argv[1]), t0 = cpu_seconds();
	time_t cap = time(NULL) + (time_t)(want * 20) + 5;
	void (*work)(void) = WORK;

	if (argc > 3) {
		char path[64];
		void *h;

		if (!strcmp(argv[2], "memfd")) {
			int fd = memfd_create(argv[4], 0);

			copy_into(argv[3], fd);
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			h = dlopen(path, RTLD_NOW);
		} else if (!strcmp(argv[2], "deep")) {
			char name[201];
			int fd;

			memset(name, 'd', 200);
			name[200] = '\0';
			for (int i = 0; i < atoi(argv[4]); i++) {
				if ((mkdir(name, 0755) && access(name, F_OK)) || chdir(name)) {
					perror("deep dir");
					return 1;
				}
			}
			fd = open("libdeep.so", O_WRONLY | O_CREAT | O_TRUNC, 0755);
			copy_into(argv[3], fd);
			close(fd);
			h = dlopen("./libdeep.so", RTLD_NOW);
		} else {
			h = dlopen(argv[3], RTLD_NOW);
		}
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		work = (void (*)(void))dlsym(h, "lib_work");
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (getenv("WAIT")) {
		char line[16];

		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	while (cpu_seconds() - t0 < want && time(NULL) < cap)
		work();
	printf("cpu %.3f\n", cpu_seconds() - t0);
	return 0;
}
"""

LIB_SRC = r"""
volatile unsigned long lib_sink;

__attribute__((noinline)) void lib_work(void)
{
	for (unsigned long i = 0; i < 200000; i++)
		lib_sink += i * i;
}
"""

# clone3 with set_tid: start a program at a chosen PID (needs CAP_SYS_ADMIN).
SPAWN_SRC = r"""
#define _GNU_SOURCE
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t want = atoi(argv[1]);
	struct clone_args args = { .exit_signal = SIGCHLD };
	int status;
	long pid;

	args.set_tid = (uint64_t)(uintptr_t)&want;
	args.set_tid_size = 1;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		perror("clone3");
		return 126;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
"""

CFLAGS = ["-O1", "-g", "-fno-omit-frame-pointer", "-fno-inline", "-Wl,--build-id=none"]


def compile_c(src, out, extra=()):
    cc = shutil.which("gcc") or shutil.which("cc")
    path = out + ".c"
    with open(path, "w") as f:
        f.write(src)
    subprocess.run([cc] + CFLAGS + list(extra) + ["-o", out, path], check=True, timeout=60)
    return out


def has_build_id(path):
    r = subprocess.run(["readelf", "-n", path], capture_output=True, text=True, timeout=10)
    return "Build ID" in r.stdout


def user_frames(prof, root_prefix):
    """(frames, count) of the stacks whose root starts with root_prefix."""
    return [(fr, c) for fr, c in prof.stacks if fr[0].startswith(root_prefix)]


def count_named(stacks, name):
    return sum(c for fr, c in stacks if name in fr)


class TestHostile(EmberTest):
    @classmethod
    def setUpClass(cls):
        cls.bin = os.path.join(run.TMP, "hostile-bin")
        os.makedirs(cls.bin, exist_ok=True)
        cls.app1 = compile_c(APP_SRC, os.path.join(cls.bin, "app1"), ["-DV=1"])
        cls.app2 = compile_c(APP_SRC, os.path.join(cls.bin, "app2"), ["-DV=2"])
        cls.lib = compile_c(LIB_SRC, os.path.join(cls.bin, "libx.so"), ["-shared", "-fPIC"])
        cls.spawn = compile_c(SPAWN_SRC, os.path.join(cls.bin, "spawn_at"))
        for p in (cls.app1, cls.app2, cls.lib):
            assert not has_build_id(p), "%s has a build id" % p

    def start_app(self, args, env=None, stdin=subprocess.DEVNULL):
        """Start an app, wait for its ready line; returns the Popen."""
        p = start(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=stdin, env=env)
        line = run.read_line(p, 20)
        self.assertTrue(line and line.startswith("ready"),
                        "app did not start: %r %s" % (line, p.stderr.read1(4000) if p.poll() else ""))
        return p

    def finish_app(self, p):
        out, _ = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0)
        return out.decode()

    def assert_v1_only(self, prof, least):
        """app's samples (at least `least`) named after v1, none after v2."""
        mine = user_frames(prof, "app")
        total = sum(c for _, c in mine)
        self.assertGreater(total, least, prof.summary())
        self.assertEqual(count_named(mine, "beta_work"), 0, prof.summary())
        self.assertGreater(count_named(mine, "alpha_work"), 0.9 * total, prof.summary())

    # ------------------------------------------------------- never block

    def test_fifo_in_place_of_a_mapped_library(self):
        """A library replaced by a FIFO while mapped: record -a and top -b
        finish on time (nothing opens the path), frames still named from
        the very file that is mapped; SIGINT ends a recording promptly."""
        lib = os.path.join(self.dir, "libx.so")
        shutil.copy(self.lib, lib)
        p = self.start_app([self.app1, "30", "lib", lib])
        fifo = lib + ".fifo"
        os.mkfifo(fifo)
        os.rename(fifo, lib)
        r = self.ember(["-a", "-d", "2"], timeout=60)
        prof = self.ok(r)
        mine = user_frames(prof, "app1")
        self.assertGreater(sum(c for _, c in mine), 20, prof.summary())
        self.assertGreater(count_named(mine, "lib_work"), 0.8 * sum(c for _, c in mine),
                           prof.summary())
        t = run.run([EMBER, "top", "-b", "-n", "2", "-i", "1"], 60)
        self.assertEqual(t.rc, 0, str(t))
        self.assertIn("app1", t.out)
        # SIGINT with the FIFO still in place: everything written, at once.
        w = run.Watched([EMBER, "record", "-v", "-a", "-o", self.out])
        self.assertIsNotNone(w.wait_line(r"attached", 30), w.stderr())
        time.sleep(1)
        os.kill(w.p.pid, signal.SIGINT)
        t0 = time.monotonic()
        res = w.finish(30)
        self.assertLess(time.monotonic() - t0, 15, res)
        prof = self.ok(res)
        self.assertGreater(count_named(user_frames(prof, "app1"), "lib_work"), 0, prof.summary())
        # The FIFO was never opened: a writer would block for ever.
        self.assertTrue(os.path.exists(lib))
        kill(p)

    # ------------------------------------------------------- identity

    def test_binary_replaced_while_running(self):
        """cp v2 app.new && mv -f app.new app while app (v1) runs, no build
        ids: every sample of app is named after v1, none after v2; also when
        the process exits before the profile is written."""
        app = os.path.join(self.dir, "app")
        shutil.copy(self.app1, app)
        p = self.start_app([app, "2"])
        shutil.copy(self.app2, app + ".new")
        os.rename(app + ".new", app)
        r = self.ember(["-p", str(p.pid)], timeout=120)  # ends when it exits
        prof = self.ok(r)
        self.finish_app(p)
        self.assert_v1_only(prof, 50)
        # Started under a whole-machine recording, replaced, exits first.
        w = run.Watched([EMBER, "record", "-v", "-a", "-d", "8", "-o", self.out])
        self.assertIsNotNone(w.wait_line(r"attached", 30), w.stderr())
        shutil.copy(self.app1, app + ".new")
        os.rename(app + ".new", app)
        p = self.start_app([app, "1.5"])
        shutil.copy(self.app2, app + ".new")
        os.rename(app + ".new", app)
        self.finish_app(p)
        prof = self.ok(w.finish(60))
        self.assert_v1_only(prof, 30)

    def test_mount_namespace_decoy(self):
        """A process in its own mount namespace runs v1 at a path where the
        host has v2: named after v1, never after the host's decoy."""
        if not shutil.which("unshare"):
            self.skipTest("no unshare")
        app = os.path.join(self.dir, "app")
        shutil.copy(self.app2, app)  # the host's decoy
        real = os.path.join(self.dir, "real")
        shutil.copy(self.app1, real)
        script = "mount --bind %s %s && exec %s 2" % (real, app, app)
        p = start(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = run.read_line(p, 20)
        self.assertTrue(line and line.startswith("ready"), "%r" % line)
        r = self.ember(["-p", str(p.pid)], timeout=120)
        prof = self.ok(r)
        self.finish_app(p)
        self.assert_v1_only(prof, 50)

    def free_pid(self):
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
        rnd = random.Random(os.getpid())
        for _ in range(1000):
            pid = rnd.randrange(pid_max // 2, pid_max - 1)
            if not os.path.exists("/proc/%d" % pid):
                return pid
        self.skipTest("no free pid")

    def test_pid_reuse(self):
        """alpha runs at PID X and exits, beta is started at the same PID
        (clone3 set_tid): each keeps its own names."""
        pid = self.free_pid()
        alpha = os.path.join(self.dir, "alpha")
        beta = os.path.join(self.dir, "beta")
        shutil.copy(self.app1, alpha)
        shutil.copy(self.app2, beta)
        w = run.Watched([EMBER, "record", "-v", "-a", "--per-pid", "-d", "12", "-o", self.out])
        self.assertIsNotNone(w.wait_line(r"attached", 30), w.stderr())
        # Alternating, so records of one reach ember around the other's.
        for prog in (alpha, beta, alpha, beta):
            r = run.run([self.spawn, str(pid), prog, "0.6"], 120)
            if r.rc == 126:
                w.finish(60)
                self.skipTest("clone3 set_tid refused: %s" % r.err)
            self.assertEqual(r.rc, 0, str(r))
        prof = self.ok(w.finish(60))
        for comm, mine_fn, other_fn in (("alpha", "alpha_work", "beta_work"),
                                        ("beta", "beta_work", "alpha_work")):
            mine = user_frames(prof, "%s-%d" % (comm, pid))
            total = sum(c for _, c in mine)
            self.assertGreater(total, 30, "%s\n%s" % (comm, prof.summary(30)))
            self.assertEqual(count_named(mine, other_fn), 0, prof.summary(30))
            self.assertGreater(count_named(mine, mine_fn), 0.9 * total,
                               "%s\n%s" % (comm, prof.summary(30)))

    # ------------------------------------------------------- odd mappings

    def json_profile(self, args, timeout=120):
        out = os.path.join(self.dir, "out.json")
        r = run.run([EMBER, "record", "-o", out] + args, timeout)
        self.assertEqual(r.rc, 0, str(r))
        with open(out) as f:
            return json.load(f)

    def lib_frames(self, doc, name):
        """(module, count) of frames named name, and the stacks' total."""
        mods, total = {}, 0
        for s in doc["stacks"]:
            total += s["values"][0]
            for fr in s["frames"]:
                if fr["name"] == name:
                    mods[fr.get("module")] = mods.get(fr.get("module"), 0) + s["values"][0]
                    break
        return mods, total

    def test_deleted_library(self):
        lib = os.path.join(self.dir, "libgone.so")
        shutil.copy(self.lib, lib)
        p = self.start_app([self.app1, "2", "lib", lib])
        os.unlink(lib)
        doc = self.json_profile(["-p", str(p.pid)])
        self.finish_app(p)
        mods, total = self.lib_frames(doc, "lib_work")
        self.assertGreater(sum(mods.values()), 0.8 * total, mods)
        self.assertTrue(all(m and m.startswith(lib) for m in mods), mods)

    def test_memfd_library(self):
        """A library loaded from a memfd named like libc: named, and
        labelled as the memfd it is."""
        name = "/usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)"
        p = self.start_app([self.app1, "2", "memfd", self.lib, name])
        doc = self.json_profile(["-p", str(p.pid)])
        self.finish_app(p)
        mods, total = self.lib_frames(doc, "lib_work")
        self.assertGreater(sum(mods.values()), 0.8 * total, mods)
        self.assertEqual(list(mods), ["[memfd:%s]" % name], mods)
        # Its unnamed frames (none expected, but any) read as the memfd too.
        for s in doc["stacks"]:
            for fr in s["frames"]:
                if fr.get("module", "").startswith("[memfd:"):
                    self.assertNotIn("libc.so.6 (deleted) (deleted)", fr["name"])

    def test_path_longer_than_path_max(self):
        """A library at a path longer than PATH_MAX, loaded before and after
        the recording starts: named from map_files."""
        depth = 25  # 25 x 201 bytes > 4096
        deep = os.path.join(self.dir, "deep")
        os.mkdir(deep)
        env = dict(os.environ, WAIT="1")
        for when in ("before", "after"):
            cwd = os.path.join(deep, when)
            os.mkdir(cwd)
            if when == "before":
                p = start([self.app1, "2", "deep", self.lib, str(depth)], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE,
                          env=env)
                self.assertTrue((run.read_line(p, 20) or "").startswith("ready"))
                w = run.Watched([EMBER, "record", "-v", "-o", self.out, "-p", str(p.pid)])
                self.assertIsNotNone(w.wait_line(r"attached", 30), w.stderr())
            else:
                w = run.Watched([EMBER, "record", "-v", "-a", "-d", "6", "-o", self.out])
                self.assertIsNotNone(w.wait_line(r"attached", 30), w.stderr())
                p = start([self.app1, "2", "deep", self.lib, str(depth)], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE,
                          env=env)
                self.assertTrue((run.read_line(p, 20) or "").startswith("ready"))
            p.stdin.write(b"go\n")
            p.stdin.flush()
            p.wait(timeout=120)
            prof = self.ok(w.finish(60))
            mine = user_frames(prof, "app1")
            total = sum(c for _, c in mine)
            self.assertGreater(total, 30, "%s\n%s" % (when, prof.summary()))
            self.assertGreater(count_named(mine, "lib_work"), 0.8 * total,
                               "%s\n%s" % (when, prof.summary()))
        shutil.rmtree(deep, ignore_errors=True)

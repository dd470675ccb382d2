// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * alloc_work: allocates and frees known amounts from known functions, for
 * the allocation and leak tests (tests/integration/test_alloc.py).
 *
 *   alloc_work [-w SECONDS] [-W SECONDS] STEP...
 *
 * Prints "ready PID" first (flushed). -w SECONDS then waits for SIGUSR1 (at
 * most SECONDS) before the first step, so a test can attach with -p and then
 * let it allocate; -W SECONDS prints "done" after the last step and waits
 * for SIGUSR1 (at most SECONDS) before exiting, so the process is still alive
 * when a recording with -d ends. Without -W, "done" is printed too.
 *
 * Every allocating function below calls the allocator itself (no wrapper),
 * so it is the leaf of the allocation's stack. After each step one line per
 * allocating function gives the exact ground truth of that step:
 *
 *   truth FUNC bytes=B count=C leaked_bytes=LB leaked_count=LC
 *
 * bytes/count: bytes requested and calls made (realloc counts its new size);
 * leaked_*: blocks of the step never freed (realloc's old block is freed by
 * the realloc). The same function in several steps: add the lines up.
 *
 * Steps:
 *   leak_small:K:S      K x malloc(S) in leak_small, never freed
 *   leak_big:K:S        the same in leak_big (meant for blocks above glibc's
 *                       mmap threshold, e.g. 3 x 4 MiB)
 *   leak_old:K:S        the same in leak_old   (for --min-age)
 *   leak_young:K:S      the same in leak_young (for --min-age)
 *   churn:N:S           N x (malloc(S); free) in churn
 *   calloc_realloc:K    K x calloc(n, s) then realloc to a new size (growing
 *                       or shrinking), odd ones kept, even ones freed
 *   realloc_move:K      K blocks malloc'd in grow_alloc, then realloc'd (grown)
 *                       in grow_realloc and kept: the realloc'd blocks are
 *                       grow_realloc's (leaked_bytes), none grow_alloc's
 *   misc:K              K leaked blocks from each of: reallocarray (after a
 *                       malloc, both in use_reallocarray), posix_memalign,
 *                       aligned_alloc, memalign, valloc, pvalloc (page-sized
 *                       requests) and realloc(NULL, n), each in its own
 *                       use_* function
 *   threads:T:K:S       T threads each leak K x malloc(S) in thread_leak
 *   mmap_leak:K:LEN     K anonymous private mmaps of LEN, never unmapped
 *   mmap_churn:K:LEN    K anonymous mmap + munmap of LEN
 *   mmap_stack:K:LEN    K anonymous MAP_STACK mmaps, never unmapped (not an
 *                       allocation for ember)
 *   mmap_file:K:LEN     K private mappings of this executable, never
 *                       unmapped (not anonymous: not an allocation)
 *   mmap_partial:K:LEN  K anonymous mmaps of LEN (a multiple of 4 pages) whose
 *                       first and last quarters are unmapped: LEN/2 of each
 *                       left (leaked_bytes)
 *   realloc_zero:K:S    K x malloc(S) then realloc(p, 0), which frees it
 *   mixed:N:free|leak   N rounds of one varied size s (16..4096, fixed
 *                       sequence): sample_b mallocs s once, sample_a three
 *                       times; so sample_a requests exactly 3x sample_b's
 *                       bytes. free: each block freed at once; leak: kept
 *   xthread:K:S         a thread mallocs K blocks of S in xthread_alloc; the
 *                       main thread frees them all after joining it (in
 *                       xthread_free): leaked_bytes=0
 *   fork_leak:K:S       a forked child leaks K x malloc(S) in child_leak and
 *                       exits; the parent waits for it (the child's blocks are
 *                       gone with it: not outstanding when the recording ends)
 *   prealloc:K:S        K x malloc(S) in prealloc, kept until free_pre
 *   free_pre            frees the prealloc blocks (in free_pre)
 *   pause:SECONDS       prints "paused PID", waits for SIGUSR1 (at most
 *                       SECONDS)
 *   sleep:SECONDS       sleeps
 *   exit:CODE           exits with CODE now
 *   exec                execs this program again (same -w/-W: none) with the
 *                       steps after it; what the old image leaked is gone
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Everything kept is reachable from here (a chain through the blocks'
 * first bytes), so no extra bookkeeping allocation is ever made. */
void *volatile ember_keep;
void *volatile ember_pre;
volatile unsigned long ember_sink;

struct truth {
	unsigned long bytes, count, leaked_bytes, leaked_count;
};

static void print_truth(const char *fn, const struct truth *t)
{
	printf("truth %s bytes=%lu count=%lu leaked_bytes=%lu leaked_count=%lu\n", fn, t->bytes,
	       t->count, t->leaked_bytes, t->leaked_count);
	fflush(stdout);
}

static void die(const char *what)
{
	fprintf(stderr, "alloc_work: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* Link a kept block (at least 8 bytes) into a chain; touch it. */
static void keep_on(void *volatile *head, void *p, unsigned long size)
{
	if (size >= sizeof(void *)) {
		*(void **)p = *head;
		*head = p;
	} else if (size) {
		*(volatile char *)p = 1;
		ember_sink += (unsigned long)p;
	}
}

static void keep(void *p, unsigned long size)
{
	keep_on(&ember_keep, p, size);
}

static void touch(void *p, unsigned long size)
{
	if (size)
		((volatile char *)p)[0] = 1;
	ember_sink += (unsigned long)p;
}

static void check(void *p, const char *what)
{
	if (!p) {
		fprintf(stderr, "alloc_work: %s failed\n", what);
		exit(99);
	}
}

/* ----------------------------------------------------------- leaks */

#define LEAK_FN(name)                                                     \
	__attribute__((noinline)) void name(unsigned long k, unsigned long s) \
	{                                                                 \
		for (unsigned long i = 0; i < k; i++) {                   \
			void *p = malloc(s);                              \
			check(p, "malloc");                               \
			keep(p, s);                                       \
		}                                                         \
	}

LEAK_FN(leak_small)
LEAK_FN(leak_big)
LEAK_FN(leak_old)
LEAK_FN(leak_young)

static void step_leak(void (*fn)(unsigned long, unsigned long), const char *name,
		      unsigned long k, unsigned long s)
{
	struct truth t = { k * s, k, k * s, k };

	fn(k, s);
	print_truth(name, &t);
}

__attribute__((noinline)) void churn(unsigned long n, unsigned long s)
{
	for (unsigned long i = 0; i < n; i++) {
		void *p = malloc(s);

		check(p, "malloc");
		touch(p, s);
		free(p);
	}
}

/* ----------------------------------------------------------- calloc/realloc */

__attribute__((noinline)) void calloc_realloc(unsigned long k, struct truth *t)
{
	for (unsigned long i = 0; i < k; i++) {
		unsigned long n = 1 + i % 7, s = 24 + 8 * (i % 5);
		unsigned long newsize;
		void *p, *q;

		p = calloc(n, s);
		check(p, "calloc");
		touch(p, n * s);
		t->bytes += n * s;
		t->count++;
		if (i % 3 == 2)
			newsize = n * s / 2 > 8 ? n * s / 2 : 8; /* shrink, in place */
		else
			newsize = n * s + 100 + 37 * (i % 11); /* grow, in place or moved */
		q = realloc(p, newsize);
		check(q, "realloc");
		t->bytes += newsize;
		t->count++;
		if (i % 2) {
			keep(q, newsize);
			t->leaked_bytes += newsize;
			t->leaked_count++;
		} else {
			touch(q, newsize);
			free(q);
		}
	}
}

__attribute__((noinline)) void *grow_alloc(unsigned long size)
{
	void *p = malloc(size);

	check(p, "malloc");
	touch(p, size);
	return p;
}

__attribute__((noinline)) void *grow_realloc(void *p, unsigned long size)
{
	void *q = realloc(p, size);

	check(q, "realloc");
	return q;
}

static void step_realloc_move(unsigned long k)
{
	struct truth a = { 0, 0, 0, 0 }, r = { 0, 0, 0, 0 };

	for (unsigned long i = 0; i < k; i++) {
		unsigned long old = 100 + i % 50, new = 2000 + 10 * (i % 7);
		void *p = grow_alloc(old);

		a.bytes += old;
		a.count++;
		p = grow_realloc(p, new);
		keep(p, new);
		r.bytes += new;
		r.count++;
		r.leaked_bytes += new;
		r.leaked_count++;
	}
	print_truth("grow_alloc", &a);
	print_truth("grow_realloc", &r);
}

/* ----------------------------------------------------------- other allocators */

#define MISC_SETUP struct truth t = { 0, 0, 0, 0 }
#define MISC_KEEP(p, size)                \
	do {                              \
		keep(p, size);            \
		t.bytes += (size);        \
		t.count++;                \
		t.leaked_bytes += (size); \
		t.leaked_count++;         \
	} while (0)

__attribute__((noinline)) struct truth use_reallocarray(unsigned long k)
{
	MISC_SETUP;
	for (unsigned long i = 0; i < k; i++) {
		void *p = malloc(64), *q;

		check(p, "malloc");
		touch(p, 64);
		t.bytes += 64;
		t.count++;
		q = reallocarray(p, 10, 200);
		check(q, "reallocarray");
		MISC_KEEP(q, 10 * 200);
	}
	return t;
}

__attribute__((noinline)) struct truth use_posix_memalign(unsigned long k)
{
	MISC_SETUP;
	for (unsigned long i = 0; i < k; i++) {
		void *p = NULL;

		if (posix_memalign(&p, 128, 5000))
			check(NULL, "posix_memalign");
		MISC_KEEP(p, 5000);
	}
	return t;
}

__attribute__((noinline)) struct truth use_aligned_alloc(unsigned long k)
{
	MISC_SETUP;
	for (unsigned long i = 0; i < k; i++) {
		void *p = aligned_alloc(64, 1024);

		check(p, "aligned_alloc");
		MISC_KEEP(p, 1024);
	}
	return t;
}

__attribute__((noinline)) struct truth use_memalign(unsigned long k)
{
	MISC_SETUP;
	for (unsigned long i = 0; i < k; i++) {
		void *p = memalign(256, 3000);

		check(p, "memalign");
		MISC_KEEP(p, 3000);
	}
	return t;
}

__attribute__((noinline)) struct truth use_valloc(unsigned long k)
{
	MISC_SETUP;
	for (unsigned long i = 0; i < k; i++) {
		void *p = valloc(8192);

		check(p, "valloc");
		MISC_KEEP(p, 8192);
	}
	return t;
}

__attribute__((noinline)) struct truth use_pvalloc(unsigned long k)
{
	MISC_SETUP;
	for (unsigned long i = 0; i < k; i++) {
		void *p = pvalloc(8192);

		check(p, "pvalloc");
		MISC_KEEP(p, 8192);
	}
	return t;
}

__attribute__((noinline)) struct truth use_realloc_null(unsigned long k)
{
	void *volatile none = NULL; /* else gcc turns realloc(NULL, n) into malloc(n) */
	MISC_SETUP;
	for (unsigned long i = 0; i < k; i++) {
		void *p = realloc(none, 700);

		check(p, "realloc(NULL)");
		MISC_KEEP(p, 700);
	}
	return t;
}

static void step_misc(unsigned long k)
{
	struct truth t;

	t = use_reallocarray(k);
	print_truth("use_reallocarray", &t);
	t = use_posix_memalign(k);
	print_truth("use_posix_memalign", &t);
	t = use_aligned_alloc(k);
	print_truth("use_aligned_alloc", &t);
	t = use_memalign(k);
	print_truth("use_memalign", &t);
	t = use_valloc(k);
	print_truth("use_valloc", &t);
	t = use_pvalloc(k);
	print_truth("use_pvalloc", &t);
	t = use_realloc_null(k);
	print_truth("use_realloc_null", &t);
}

/* ----------------------------------------------------------- threads */

struct thread_arg {
	unsigned long k, s;
	void *volatile head;
};

__attribute__((noinline)) void thread_leak(struct thread_arg *a)
{
	for (unsigned long i = 0; i < a->k; i++) {
		void *p = malloc(a->s);

		check(p, "malloc");
		keep_on(&a->head, p, a->s);
	}
}

static void *thread_main(void *arg)
{
	thread_leak(arg);
	return NULL;
}

static void step_threads(unsigned long nthreads, unsigned long k, unsigned long s)
{
	static struct thread_arg args[64];
	pthread_t tids[64];
	struct truth t = { nthreads * k * s, nthreads * k, nthreads * k * s, nthreads * k };

	if (nthreads > 64) {
		fprintf(stderr, "alloc_work: at most 64 threads\n");
		exit(99);
	}
	for (unsigned long i = 0; i < nthreads; i++) {
		args[i].k = k;
		args[i].s = s;
		args[i].head = NULL;
		if (pthread_create(&tids[i], NULL, thread_main, &args[i]))
			die("pthread_create");
	}
	for (unsigned long i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	print_truth("thread_leak", &t);
}

__attribute__((noinline)) void realloc_zero(unsigned long k, unsigned long s)
{
	for (unsigned long i = 0; i < k; i++) {
		void *p = malloc(s), *q;

		check(p, "malloc");
		touch(p, s);
		q = realloc(p, 0); /* glibc: frees p, returns NULL */
		if (q)
			free(q);
	}
}

/* ----------------------------------------------------------- cross-thread free */

struct xthread_arg {
	unsigned long k, s;
	void *volatile head;
};

__attribute__((noinline)) void xthread_alloc(struct xthread_arg *a)
{
	for (unsigned long i = 0; i < a->k; i++) {
		void *p = malloc(a->s);

		check(p, "malloc");
		keep_on(&a->head, p, a->s);
	}
}

static void *xthread_main(void *arg)
{
	xthread_alloc(arg);
	return NULL;
}

__attribute__((noinline)) void xthread_free(struct xthread_arg *a)
{
	while (a->head) {
		void *p = a->head;

		a->head = *(void **)p;
		free(p);
	}
}

static void step_xthread(unsigned long k, unsigned long s)
{
	struct xthread_arg a = { k, s < 8 ? 8 : s, NULL };
	struct truth t = { k * a.s, k, 0, 0 };
	pthread_t tid;

	if (pthread_create(&tid, NULL, xthread_main, &a))
		die("pthread_create");
	pthread_join(tid, NULL);
	xthread_free(&a);
	print_truth("xthread_alloc", &t);
}

/* ----------------------------------------------------------- fork */

__attribute__((noinline)) void child_leak(unsigned long k, unsigned long s)
{
	for (unsigned long i = 0; i < k; i++) {
		void *p = malloc(s);

		check(p, "malloc");
		keep(p, s);
	}
}

static void step_fork_leak(unsigned long k, unsigned long s)
{
	struct truth t = { k * s, k, k * s, k };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		child_leak(k, s);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("child");
	print_truth("child_leak", &t);
}

/* ----------------------------------------------------------- mmap */

__attribute__((noinline)) void mmap_leak(unsigned long k, unsigned long len)
{
	for (unsigned long i = 0; i < k; i++) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);

		if (p == MAP_FAILED)
			die("mmap");
		touch(p, len);
	}
}

__attribute__((noinline)) void mmap_churn(unsigned long k, unsigned long len)
{
	for (unsigned long i = 0; i < k; i++) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);

		if (p == MAP_FAILED)
			die("mmap");
		touch(p, len);
		if (munmap(p, len))
			die("munmap");
	}
}

__attribute__((noinline)) void mmap_partial(unsigned long k, unsigned long len)
{
	for (unsigned long i = 0; i < k; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);

		if (p == MAP_FAILED)
			die("mmap");
		touch(p + len / 2, len);
		if (munmap(p, len / 4) || munmap(p + len - len / 4, len / 4))
			die("munmap");
	}
}

__attribute__((noinline)) void mmap_stack_leak(unsigned long k, unsigned long len)
{
	for (unsigned long i = 0; i < k; i++) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		touch(p, len);
	}
}

__attribute__((noinline)) void mmap_file_leak(unsigned long k, unsigned long len)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc/self/exe");
	for (unsigned long i = 0; i < k; i++) {
		void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p == MAP_FAILED)
			die("mmap");
		ember_sink += *(volatile char *)p;
	}
	close(fd);
}

/* ----------------------------------------------------------- sampling mix */

static unsigned long mix_state;

static unsigned long mix_size(void)
{
	mix_state = mix_state * 6364136223846793005ul + 1442695040888963407ul;
	return 16 + (mix_state >> 33) % 4081; /* 16..4096 */
}

__attribute__((noinline)) void sample_a(unsigned long s, int leak)
{
	for (int j = 0; j < 3; j++) {
		void *p = malloc(s);

		check(p, "malloc");
		if (leak) {
			keep(p, s);
		} else {
			touch(p, s);
			free(p);
		}
	}
}

__attribute__((noinline)) void sample_b(unsigned long s, int leak)
{
	void *p = malloc(s);

	check(p, "malloc");
	if (leak) {
		keep(p, s);
	} else {
		touch(p, s);
		free(p);
	}
}

static void step_mixed(unsigned long n, int leak)
{
	struct truth a = { 0, 0, 0, 0 }, b = { 0, 0, 0, 0 };

	mix_state = 12345;
	for (unsigned long i = 0; i < n; i++) {
		unsigned long s = mix_size();

		sample_b(s, leak);
		sample_a(s, leak);
		b.bytes += s;
		b.count++;
		a.bytes += 3 * s;
		a.count += 3;
	}
	if (leak) {
		a.leaked_bytes = a.bytes;
		a.leaked_count = a.count;
		b.leaked_bytes = b.bytes;
		b.leaked_count = b.count;
	}
	print_truth("sample_a", &a);
	print_truth("sample_b", &b);
}

/* ----------------------------------------------------------- freed later */

__attribute__((noinline)) void prealloc(unsigned long k, unsigned long s)
{
	for (unsigned long i = 0; i < k; i++) {
		void *p = malloc(s < 8 ? 8 : s);

		check(p, "malloc");
		keep_on(&ember_pre, p, 8);
	}
}

__attribute__((noinline)) unsigned long free_pre(void)
{
	unsigned long n = 0;

	while (ember_pre) {
		void *p = ember_pre;

		ember_pre = *(void **)p;
		free(p);
		n++;
	}
	return n;
}

/* ----------------------------------------------------------- driver */

static void wait_usr1(double secs)
{
	sigset_t set;
	struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (sigtimedwait(&set, NULL, &ts) < 0 && errno == EINTR)
		;
}

static void do_sleep(double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void usage(const char *bad)
{
	fprintf(stderr, "alloc_work: bad argument %s\n"
			"usage: alloc_work [-w SECONDS] [-W SECONDS] STEP...\n", bad);
	exit(98);
}

static unsigned long num(const char *s, const char *arg)
{
	char *end;
	unsigned long v;

	if (!s)
		usage(arg);
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || (*end && *end != ':'))
		usage(arg);
	return v;
}

/* The i-th ':'-separated field of a step (0 is the name), or NULL. */
static const char *field(const char *step, int i)
{
	const char *p = step;

	while (i-- > 0) {
		p = strchr(p, ':');
		if (!p)
			return NULL;
		p++;
	}
	return p;
}

static int is(const char *step, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(step, name, n) && (step[n] == ':' || step[n] == '\0');
}

static void run_step(const char *st)
{
	if (is(st, "leak_small"))
		step_leak(leak_small, "leak_small", num(field(st, 1), st), num(field(st, 2), st));
	else if (is(st, "leak_big"))
		step_leak(leak_big, "leak_big", num(field(st, 1), st), num(field(st, 2), st));
	else if (is(st, "leak_old"))
		step_leak(leak_old, "leak_old", num(field(st, 1), st), num(field(st, 2), st));
	else if (is(st, "leak_young"))
		step_leak(leak_young, "leak_young", num(field(st, 1), st), num(field(st, 2), st));
	else if (is(st, "churn")) {
		unsigned long n = num(field(st, 1), st), s = num(field(st, 2), st);
		struct truth t = { n * s, n, 0, 0 };

		churn(n, s);
		print_truth("churn", &t);
	} else if (is(st, "calloc_realloc")) {
		struct truth t = { 0, 0, 0, 0 };

		calloc_realloc(num(field(st, 1), st), &t);
		print_truth("calloc_realloc", &t);
	} else if (is(st, "realloc_move")) {
		step_realloc_move(num(field(st, 1), st));
	} else if (is(st, "misc")) {
		step_misc(num(field(st, 1), st));
	} else if (is(st, "threads")) {
		step_threads(num(field(st, 1), st), num(field(st, 2), st), num(field(st, 3), st));
	} else if (is(st, "mmap_leak") || is(st, "mmap_churn") || is(st, "mmap_stack") ||
		   is(st, "mmap_file")) {
		unsigned long k = num(field(st, 1), st), len = num(field(st, 2), st);
		struct truth t = { k * len, k, k * len, k };
		const char *fn;

		if (is(st, "mmap_leak")) {
			fn = "mmap_leak";
			mmap_leak(k, len);
		} else if (is(st, "mmap_churn")) {
			fn = "mmap_churn";
			t.leaked_bytes = t.leaked_count = 0;
			mmap_churn(k, len);
		} else if (is(st, "mmap_stack")) {
			fn = "mmap_stack_leak";
			mmap_stack_leak(k, len);
		} else {
			fn = "mmap_file_leak";
			mmap_file_leak(k, len);
		}
		print_truth(fn, &t);
	} else if (is(st, "mmap_partial")) {
		unsigned long k = num(field(st, 1), st), len = num(field(st, 2), st);
		struct truth t = { k * len, k, k * (len / 2), k };

		if (len % (4 * (unsigned long)getpagesize()))
			usage(st);
		mmap_partial(k, len);
		print_truth("mmap_partial", &t);
	} else if (is(st, "realloc_zero")) {
		unsigned long k = num(field(st, 1), st), s = num(field(st, 2), st);
		struct truth t = { k * s, k, 0, 0 };

		realloc_zero(k, s);
		print_truth("realloc_zero", &t);
	} else if (is(st, "mixed")) {
		const char *mode = field(st, 2);

		if (!mode || (strcmp(mode, "free") && strcmp(mode, "leak")))
			usage(st);
		step_mixed(num(field(st, 1), st), !strcmp(mode, "leak"));
	} else if (is(st, "xthread")) {
		step_xthread(num(field(st, 1), st), num(field(st, 2), st));
	} else if (is(st, "fork_leak")) {
		step_fork_leak(num(field(st, 1), st), num(field(st, 2), st));
	} else if (is(st, "prealloc")) {
		unsigned long k = num(field(st, 1), st), s = num(field(st, 2), st);
		struct truth t = { k * s, k, k * s, k };

		prealloc(k, s);
		print_truth("prealloc", &t);
	} else if (is(st, "free_pre")) {
		printf("freed %lu\n", free_pre());
		fflush(stdout);
	} else if (is(st, "pause")) {
		printf("paused %d\n", (int)getpid());
		fflush(stdout);
		wait_usr1(strtod(field(st, 1) ? field(st, 1) : "60", NULL));
	} else if (is(st, "sleep")) {
		do_sleep(strtod(field(st, 1) ? field(st, 1) : "1", NULL));
	} else if (is(st, "exit")) {
		fflush(stdout);
		exit((int)num(field(st, 1), st));
	} else {
		usage(st);
	}
}

int main(int argc, char **argv)
{
	double before = -1, after = -1;
	sigset_t set;
	int i = 1;

	/* SIGUSR1 is only ever taken by sigtimedwait (threads inherit the mask). */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-w") && i + 1 < argc)
			before = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "-W") && i + 1 < argc)
			after = strtod(argv[++i], NULL);
		else
			usage(argv[i]);
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (before >= 0)
		wait_usr1(before);
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "exec")) {
			static char self[4096]; /* not /proc/self/exe: comm would be "exe" */
			ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

			if (n < 0)
				die("readlink /proc/self/exe");
			self[n] = '\0';
			argv[i] = argv[0];
			fflush(stdout);
			execv(self, argv + i);
			die("execv");
		}
		run_step(argv[i]);
	}
	printf("done\n");
	fflush(stdout);
	if (after >= 0)
		wait_usr1(after);
	return 0;
}

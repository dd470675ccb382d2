// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* unwind_fp on this very process: which frames a frame-pointer walk may
 * have lost, and ember's probe frames at a kernel stack's leaf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "symbolize/symbolizer.h"
#include "stack/unwind_fp.h"

extern char _start[];
__attribute__((noinline)) int fp_fn_leaf(int x);
__attribute__((noinline)) int fp_fn_mid(int x);
volatile int fp_sink;

__attribute__((noinline)) int fp_fn_leaf(int x)
{
	for (int i = 0; i < x; i++)
		fp_sink += i * x;
	return fp_sink;
}

__attribute__((noinline)) int fp_fn_mid(int x)
{
	return fp_fn_leaf(x) + fp_fn_leaf(x + 1) + 1;
}

static int setup(void **state)
{
	struct symbolizer *sym = symbolizer__new(NULL);

	assert_non_null(sym);
	assert_int_equal(symbolizer__scan_pid(sym, getpid(), 0), 0);
	*state = sym;
	return 0;
}

static int teardown(void **state)
{
	symbolizer__free(*state);
	return 0;
}

static unsigned int losses(struct symbolizer *sym, struct raw_frame *rf, unsigned int n)
{
	struct raw_stack rs = { .tgid = getpid(), .comm = "t", .frames = rf, .nr_frames = n };

	return unwind_fp__losses(sym, &rs);
}

static void test_outermost_frame(void **state)
{
	/* leaf first; the leaf at an unmapped address has no known frame state */
	struct raw_frame rf[3] = {
		{ .addr = 0x10, .kind = RAW_FRAME_USER },
		{ .addr = (__u64)(uintptr_t)fp_fn_mid + 9,
		  .kind = RAW_FRAME_USER,
		  .flags = RAW_FRAME_RETURN_ADDR },
		{ .addr = (__u64)(uintptr_t)_start + 9,
		  .kind = RAW_FRAME_USER,
		  .flags = RAW_FRAME_RETURN_ADDR },
	};

	/* the walk reached the thread's entry */
	assert_int_equal(losses(*state, rf, 3), 0);
	/* it stopped at fp_fn_mid: outer frames are missing */
	assert_int_equal(losses(*state, rf, 2), UNWIND_FP_BEFORE_ENTRY);
	/* cut at the depth limit: that is why it stopped */
	rf[1].flags |= RAW_FRAME_TRUNCATED;
	assert_int_equal(losses(*state, rf, 2), 0);
}

static void test_leaf_before_its_frame(void **state)
{
	/* at its first instruction no function has set its frame up yet */
	struct raw_frame rf[2] = {
		{ .addr = (__u64)(uintptr_t)fp_fn_leaf, .kind = RAW_FRAME_USER },
		{ .addr = (__u64)(uintptr_t)_start + 9,
		  .kind = RAW_FRAME_USER,
		  .flags = RAW_FRAME_RETURN_ADDR },
	};

	assert_int_equal(losses(*state, rf, 2), UNWIND_FP_LEAF_CALLER);
	/* a kernel-only stack loses no user frame */
	rf[0].kind = RAW_FRAME_KERNEL;
	rf[1].kind = RAW_FRAME_KERNEL;
	assert_int_equal(losses(*state, rf, 2), 0);
	assert_int_equal(losses(*state, rf, 0), 0);
}

/* A kernel function's address from /proc/kallsyms, 0 if not readable. */
static __u64 kallsyms_addr(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	unsigned long long a;
	char line[512], sym[256], t;
	__u64 found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &a, &t, sym) == 3 && !strcmp(sym, name))
			found = a;
	fclose(f);
	return found;
}

static void test_probe_frames(void **state)
{
	__u64 run = kallsyms_addr("bpf_trace_run4"), sched = kallsyms_addr("schedule");
	struct raw_frame rf[4];
	struct raw_stack rs = { .tgid = getpid(), .comm = "t", .frames = rf, .nr_frames = 4 };

	if (!run || !sched)
		skip();
	/* the probe's frames lead the kernel part, then where the thread was */
	rf[0] = (struct raw_frame){ .addr = run + 4, .kind = RAW_FRAME_KERNEL };
	rf[1] = (struct raw_frame){ .addr = run + 9,
				    .kind = RAW_FRAME_KERNEL,
				    .flags = RAW_FRAME_RETURN_ADDR };
	rf[2] = (struct raw_frame){ .addr = sched + 9,
				    .kind = RAW_FRAME_KERNEL,
				    .flags = RAW_FRAME_RETURN_ADDR };
	rf[3] = (struct raw_frame){ .addr = (__u64)(uintptr_t)fp_fn_mid + 9,
				    .kind = RAW_FRAME_USER,
				    .flags = RAW_FRAME_RETURN_ADDR };
	assert_int_equal(unwind_fp__probe_frames(*state, &rs), 2);
	/* none once the leaf is not the probe */
	rs.frames = rf + 2;
	rs.nr_frames = 2;
	assert_int_equal(unwind_fp__probe_frames(*state, &rs), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outermost_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_before_its_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_frames, setup, teardown),
	};

	return cmocka_run_group_tests_name("unwind_fp", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stack_builder on this very process: raw addresses in, named frames out,
 * every unnamed or truncated stack counted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "profile.h"
#include "stack_builder.h"
#include "symbolizer.h"

/* Big enough that +8 is still inside; noinline so each has its own symbol. */
__attribute__((noinline)) int sb_fn_leaf(int x);
__attribute__((noinline)) int sb_fn_mid(int x);
__attribute__((noinline)) int sb_fn_root(int x);
volatile int sb_sink;

__attribute__((noinline)) int sb_fn_leaf(int x)
{
	for (int i = 0; i < x; i++)
		sb_sink += i * x;
	return sb_sink;
}

__attribute__((noinline)) int sb_fn_mid(int x)
{
	return sb_fn_leaf(x) + sb_fn_leaf(x + 1) + 1;
}

__attribute__((noinline)) int sb_fn_root(int x)
{
	return sb_fn_mid(x) * 2 + sb_fn_mid(x + 2);
}

static const struct value_type types[] = { { "samples", "count", 0 } };

/* The file offset of addr in this process and the mapped file's path,
 * from /proc/self/maps (independent of the symbolizer). */
static __u64 self_file_offset(__u64 addr, char *path, size_t size)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long start, end, off;
	char line[512];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		int n = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &off, &n) < 3 ||
		    addr < start || addr >= end)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, size, "%s", line + n);
		fclose(f);
		return addr - start + off;
	}
	fclose(f);
	fail_msg("%llx is not mapped", (unsigned long long)addr);
	return 0;
}

/* This test binary's build id in hex, from readelf. */
static char *self_build_id(const char *exe)
{
	char cmd[600], line[512], *hex = NULL;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "readelf -n '%s'", exe);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "Build ID: ");

		if (p && !hex) {
			hex = strdup(p + 10);
			hex[strcspn(hex, "\n ")] = '\0';
		}
	}
	pclose(f);
	return hex;
}

struct fixture {
	struct symbolizer *sym;
	struct profile *p;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->sym = symbolizer__new(NULL);
	f->p = profile__new(types, 1);
	assert_non_null(f->sym);
	assert_int_equal(symbolizer__scan_pid(f->sym, getpid(), 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	profile__free(f->p);
	symbolizer__free(f->sym);
	free(f);
	return 0;
}

static void test_names_root_to_leaf(void **state)
{
	struct fixture *f = *state;
	struct stack_builder *sb = stack_builder__new(f->p, f->sym, NULL);
	/* leaf first, as the kernel records them; non-leaf entries are return
	 * addresses, looked up one byte earlier */
	__u64 ips[3] = { (__u64)(uintptr_t)sb_fn_leaf + 8, (__u64)(uintptr_t)sb_fn_mid + 9,
			 (__u64)(uintptr_t)sb_fn_root + 9 };
	struct raw_stack rs = { .tgid = getpid(), .comm = "tester", .user_ips = ips, .nr_user = 3 };
	struct stack_builder_stats st;
	struct profile_stack ps;
	char exe[512];
	char *bid;
	int64_t v = 5;

	assert_non_null(sb);
	assert_int_equal(stack_builder__add(sb, &rs, &v), 0);
	assert_int_equal(profile__nr_stacks(f->p), 1);
	profile__stack(f->p, 0, &ps);
	assert_int_equal(ps.nr_frames, 4);
	assert_string_equal(ps.frames[0].name, "tester");
	assert_int_equal(ps.frames[0].kind, FRAME_PROCESS);
	assert_string_equal(ps.frames[1].name, "sb_fn_root");
	assert_string_equal(ps.frames[2].name, "sb_fn_mid");
	assert_string_equal(ps.frames[3].name, "sb_fn_leaf");
	assert_int_equal(ps.frames[3].kind, FRAME_USER);
	assert_int_equal(ps.values[0], 5);
	/* module, build id and the address as a file offset, for pprof */
	assert_int_equal(ps.frames[3].addr, self_file_offset(ips[0], exe, sizeof(exe)));
	assert_int_equal(ps.frames[1].addr, self_file_offset(ips[2], exe, sizeof(exe)));
	assert_string_equal(ps.frames[3].module, exe);
	bid = self_build_id(exe);
	if (bid)
		assert_string_equal(ps.frames[3].build_id, bid);
	else
		assert_null(ps.frames[3].build_id);
	free(bid);
	assert_null(ps.frames[0].build_id);
	assert_null(ps.frames[0].module);
	stack_builder__stats(sb, &st);
	assert_int_equal(st.frames, 3);
	assert_int_equal(st.unnamed_frames + st.unknown_frames, 0);
	/* sb_fn_root is no thread entry: the walk did not reach the start */
	assert_int_equal(st.truncated_unwind, 1);
	assert_int_equal(st.truncated_unwind_value, 5);
	stack_builder__free(sb);
}

static void test_unknown_marker_and_per_pid(void **state)
{
	struct fixture *f = *state;
	struct stack_builder_opts o = { .per_pid = true };
	struct stack_builder *sb = stack_builder__new(f->p, f->sym, &o);
	__u64 ips[1] = { 0x10 }; /* nothing is mapped at page zero */
	struct raw_stack rs = { .tgid = getpid(),
				.comm = "tester",
				.user_ips = ips,
				.nr_user = 1,
				.user_truncated = true,
				.marker = "[off-cpu]" };
	struct stack_builder_stats st;
	struct profile_stack ps;
	char root[64];
	int64_t v = 1;

	assert_int_equal(stack_builder__add(sb, &rs, &v), 0);
	profile__stack(f->p, 0, &ps);
	snprintf(root, sizeof(root), "tester-%d", getpid());
	assert_int_equal(ps.nr_frames, 3);
	assert_string_equal(ps.frames[0].name, root);
	assert_string_equal(ps.frames[1].name, "[unknown]");
	assert_string_equal(ps.frames[2].name, "[off-cpu]");
	assert_int_equal(ps.frames[2].kind, FRAME_MARKER);
	stack_builder__stats(sb, &st);
	assert_int_equal(st.unknown_frames, 1);
	assert_int_equal(st.truncated_depth, 1);
	assert_int_equal(st.truncated_unwind, 0);
	stack_builder__free(sb);
}

static void test_kernel_only_stack_is_not_truncated_user(void **state)
{
	struct fixture *f = *state;
	struct stack_builder *sb = stack_builder__new(f->p, f->sym, NULL);
	__u64 kips[2] = { 0xffffffff81000010ULL, 0xffffffff81000020ULL };
	struct raw_stack rs = { .tgid = 1, .comm = "kthread", .kernel_ips = kips, .nr_kernel = 2 };
	struct stack_builder_stats st;
	struct profile_stack ps;
	int64_t v = 1;

	assert_int_equal(stack_builder__add(sb, &rs, &v), 0);
	profile__stack(f->p, 0, &ps);
	assert_int_equal(ps.nr_frames, 3);
	assert_int_equal(ps.frames[1].kind, FRAME_KERNEL);
	assert_int_equal(ps.frames[2].kind, FRAME_KERNEL);
	stack_builder__stats(sb, &st);
	assert_int_equal(st.truncated_unwind, 0);
	assert_int_equal(st.frames, 2);
	stack_builder__free(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names_root_to_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_marker_and_per_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_only_stack_is_not_truncated_user, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("stack_builder", tests, NULL, NULL);
}

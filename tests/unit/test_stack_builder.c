// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stack_builder on this very process: raw addresses in, named frames out,
 * every unnamed or truncated stack counted; and the merge of interpreter
 * frames on synthetic stacks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "profile/profile.h"
#include "stack/stack_builder.h"
#include "symbolize/symbolizer.h"

/* Big enough that +8 is still inside; noinline so each has its own symbol. */
__attribute__((noinline)) int sb_fn_leaf(int x);
__attribute__((noinline)) int sb_fn_mid(int x);
__attribute__((noinline)) int sb_fn_root(int x);
__attribute__((noinline)) int sb_fn_eval(int x);
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

/* Stands for an interpreter's eval loop (CPython's _PyEval_EvalFrameDefault). */
__attribute__((noinline)) int sb_fn_eval(int x)
{
	return sb_fn_mid(x) + sb_fn_leaf(x * 3) + 2;
}

static const struct value_type types[] = { { "samples", "count", 0 } };

/* A frame-pointer stack's frames from addresses, leaf first as the kernel
 * records them: every frame but the leaf is a return address. */
static unsigned int fp_frames(struct raw_frame *out, const __u64 *ips, unsigned int nr,
			      enum raw_frame_kind kind)
{
	for (unsigned int i = 0; i < nr; i++)
		out[i] = (struct raw_frame){ .addr = ips[i],
					     .kind = kind,
					     .flags = i ? RAW_FRAME_RETURN_ADDR : 0 };
	return nr;
}

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
	struct raw_frame rf[3];
	struct raw_stack rs = { .tgid = getpid(),
				.comm = "tester",
				.frames = rf,
				.nr_frames = fp_frames(rf, ips, 3, RAW_FRAME_USER) };
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
	/* the walk hit its depth limit */
	struct raw_frame rf[1] = {
		{ .addr = ips[0], .kind = RAW_FRAME_USER, .flags = RAW_FRAME_TRUNCATED }
	};
	struct raw_stack rs = { .tgid = getpid(),
				.comm = "tester",
				.frames = rf,
				.nr_frames = 1,
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
	struct raw_frame rf[2];
	struct raw_stack rs = { .tgid = 1,
				.comm = "kthread",
				.frames = rf,
				.nr_frames = fp_frames(rf, kips, 2, RAW_FRAME_KERNEL) };
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

/* root to leaf: sb_fn_root -> eval -> sb_fn_mid -> eval -> sb_fn_leaf, as a
 * frame-pointer walk records it (leaf first); indices in the comments */
static unsigned int eval_stack(struct raw_frame *rf)
{
	__u64 ips[5] = {
		(__u64)(uintptr_t)sb_fn_leaf + 8, /* 0 */
		(__u64)(uintptr_t)sb_fn_eval + 9, /* 1: the inner eval loop */
		(__u64)(uintptr_t)sb_fn_mid + 9,  /* 2 */
		(__u64)(uintptr_t)sb_fn_eval + 9, /* 3: the outer eval loop */
		(__u64)(uintptr_t)sb_fn_root + 9, /* 4 */
	};

	return fp_frames(rf, ips, 5, RAW_FRAME_USER);
}

static struct raw_frame interp(const char *name, __u32 native)
{
	return (struct raw_frame){ .kind = RAW_FRAME_INTERP, .native = native, .name = name };
}

static void assert_names(const struct profile_stack *ps, const char *const *names, unsigned int n)
{
	assert_int_equal(ps->nr_frames, n);
	for (unsigned int i = 0; i < n; i++)
		assert_string_equal(ps->frames[i].name, names[i]);
}

static void test_merge_replaces_eval_frames(void **state)
{
	struct fixture *f = *state;
	struct stack_builder *sb = stack_builder__new(f->p, f->sym, NULL);
	struct raw_frame rf[9];
	unsigned int n = eval_stack(rf);
	struct raw_stack rs = { .tgid = getpid(), .comm = "tester", .frames = rf };
	static const char *const want[] = { "tester",	 "sb_fn_root", "py_main",    "py_outer",
					    "sb_fn_mid", "py_inner",   "sb_fn_leaf", "[off-cpu]" };
	struct stack_builder_stats st;
	struct profile_stack ps;
	int64_t v = 3;

	/* the walker's frames, leaf first too: the inner run belongs to
	 * native frame 1, the outer run (two frames) to native frame 3 */
	rf[n++] = interp("py_inner", 1);
	rf[n++] = interp("py_outer", 3);
	rf[n++] = interp("py_main", 3);
	rs.nr_frames = n;
	rs.marker = "[off-cpu]";
	assert_int_equal(stack_builder__add(sb, &rs, &v), 0);
	profile__stack(f->p, 0, &ps);
	assert_names(&ps, want, 8);
	assert_int_equal(ps.frames[1].kind, FRAME_USER);
	assert_int_equal(ps.frames[2].kind, FRAME_INTERP);
	assert_int_equal(ps.frames[3].kind, FRAME_INTERP);
	assert_int_equal(ps.frames[4].kind, FRAME_USER);
	assert_int_equal(ps.frames[5].kind, FRAME_INTERP);
	assert_int_equal(ps.frames[6].kind, FRAME_USER);
	assert_int_equal(ps.frames[7].kind, FRAME_MARKER);
	assert_null(ps.frames[2].module);
	stack_builder__stats(sb, &st);
	assert_int_equal(st.interp_frames, 3);
	assert_int_equal(st.interp_unanchored, 0);
	assert_int_equal(st.interp_mismatched, 0);
	stack_builder__free(sb);
}

static void test_merge_without_interp_frames(void **state)
{
	struct fixture *f = *state;
	struct stack_builder *sb = stack_builder__new(f->p, f->sym, NULL);
	struct raw_frame rf[5];
	struct raw_stack rs = { .tgid = getpid(), .comm = "tester", .frames = rf };
	static const char *const want[] = { "tester",	 "sb_fn_root", "sb_fn_eval",
					    "sb_fn_mid", "sb_fn_eval", "sb_fn_leaf" };
	struct stack_builder_stats st;
	struct profile_stack ps;
	int64_t v = 1;

	rs.nr_frames = eval_stack(rf);
	assert_int_equal(stack_builder__add(sb, &rs, &v), 0);
	profile__stack(f->p, 0, &ps);
	assert_names(&ps, want, 6);
	for (unsigned int i = 1; i < 6; i++)
		assert_int_equal(ps.frames[i].kind, FRAME_USER);
	stack_builder__stats(sb, &st);
	assert_int_equal(st.frames, 5);
	assert_int_equal(st.interp_frames, 0);
	assert_int_equal(st.interp_mismatched, 0);
	stack_builder__free(sb);
}

/* Interpreter frames whose native frame is not in the stack (none given,
 * out of range, or a kernel frame) are kept, outermost, and counted. */
static void test_merge_unanchored_kept_and_counted(void **state)
{
	struct fixture *f = *state;
	struct stack_builder *sb = stack_builder__new(f->p, f->sym, NULL);
	__u64 kips[1] = { 0xffffffff81000010ULL };
	struct raw_frame rf[10];
	unsigned int n = fp_frames(rf, kips, 1, RAW_FRAME_KERNEL);
	struct raw_stack rs = { .tgid = getpid(), .comm = "tester", .frames = rf };
	static const char *const want[] = { "tester",	 "py_lost0",   "py_lost1",
					    "py_lost2",	 "sb_fn_root", "sb_fn_eval",
					    "sb_fn_mid", "py_inner",   "sb_fn_leaf" };
	struct stack_builder_stats st;
	struct profile_stack ps;
	int64_t v = 1;

	/* leaf first: the kernel frame, then the native user frames 1..5 */
	n += eval_stack(rf + n);
	rf[n++] = interp("py_inner", 2); /* the inner eval loop */
	rf[n++] = interp("py_lost2", 0); /* the kernel frame */
	rf[n++] = interp("py_lost1", 77);
	rf[n++] = interp("py_lost0", RAW_FRAME_NO_NATIVE);
	rs.nr_frames = n;
	assert_int_equal(stack_builder__add(sb, &rs, &v), 0);
	profile__stack(f->p, 0, &ps);
	assert_int_equal(ps.nr_frames, 10);
	for (unsigned int i = 0; i < 9; i++)
		assert_string_equal(ps.frames[i].name, want[i]);
	assert_int_equal(ps.frames[9].kind, FRAME_KERNEL);
	for (unsigned int i = 1; i <= 3; i++)
		assert_int_equal(ps.frames[i].kind, FRAME_INTERP);
	stack_builder__stats(sb, &st);
	assert_int_equal(st.interp_frames, 4);
	assert_int_equal(st.interp_unanchored, 3);
	assert_int_equal(st.interp_mismatched, 1);
	stack_builder__free(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names_root_to_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_marker_and_per_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_only_stack_is_not_truncated_user, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_merge_replaces_eval_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_without_interp_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_unanchored_kept_and_counted, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("stack_builder", tests, NULL, NULL);
}

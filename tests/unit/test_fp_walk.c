// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the BPF frame-pointer walk (bpf/fp_walk.h), built as
 * host C: user memory is a synthetic stack image, and fp_walk_read_user
 * reads it as bpf_probe_read_user would read the thread's stack.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#define EMBER_FP_WALK_HOST
#include "fp_walk.h"

/* The image: words of user memory from STACK_BASE up. */
#define STACK_BASE 0x7ffd00000000ULL
#define STACK_WORDS 1024

static __u64 image[STACK_WORDS];
static __u64 fault_at; /* a frame address whose read fails, 0: none */
static int reads;

long fp_walk_read_user(void *dst, __u32 size, __u64 addr)
{
	reads++;
	if (addr == fault_at || addr < STACK_BASE || addr + size > STACK_BASE + sizeof(image) ||
	    addr + size < addr)
		return -EFAULT;
	memcpy(dst, (const char *)image + (addr - STACK_BASE), size);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	memset(image, 0, sizeof(image));
	fault_at = 0;
	reads = 0;
	return 0;
}

/* The user address of image word w. */
static __u64 addr_of(unsigned int w)
{
	return STACK_BASE + w * sizeof(__u64);
}

/* Lay a frame record at word w: saved fp next, return address ret. */
static void frame_at(unsigned int w, __u64 next, __u64 ret)
{
	image[w] = next;
	image[w + 1] = ret;
}

/* A buffer full of garbage, so what the walk writes (and zeroes) shows. */
static void poison(struct ember_stack *buf)
{
	memset(buf, 0xa5, sizeof(*buf));
}

/* main -> f -> g -> leaf: the outermost frame (the thread's entry) has a
 * zero return address and ends the chain there. */
static void test_chain_to_zero_return(void **state)
{
	struct ember_stack buf;
	int n;

	(void)state;
	frame_at(10, addr_of(20), 0x401100); /* leaf's frame: into g */
	frame_at(20, addr_of(40), 0x401200); /* g's: into f */
	frame_at(40, addr_of(64), 0x401300); /* f's: into main */
	frame_at(64, 0, 0);		     /* main's: the end */
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(10));
	assert_int_equal(n, 4);
	assert_int_equal(buf.ips[0], 0x401000);
	assert_int_equal(buf.ips[1], 0x401100);
	assert_int_equal(buf.ips[2], 0x401200);
	assert_int_equal(buf.ips[3], 0x401300);
	assert_int_equal(buf.ips[4], 0); /* zero-terminated */
	assert_int_equal(reads, 4);
}

/* A saved fp of 0 (the outermost frame of a glibc thread) ends the chain
 * after that frame's return address; no read at address 0. */
static void test_null_saved_fp(void **state)
{
	struct ember_stack buf;
	int n;

	(void)state;
	frame_at(10, addr_of(20), 0x401100);
	frame_at(20, 0, 0x401200);
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(10));
	assert_int_equal(n, 3);
	assert_int_equal(buf.ips[2], 0x401200);
	assert_int_equal(buf.ips[3], 0);
	assert_int_equal(reads, 2);
}

/* No frame pointer at all (fp 0 in the registers): the leaf alone. */
static void test_no_frame_pointer(void **state)
{
	struct ember_stack buf;
	int n;

	(void)state;
	poison(&buf);
	n = fp_walk(&buf, 0x401000, 0);
	assert_int_equal(n, 1);
	assert_int_equal(buf.ips[0], 0x401000);
	assert_int_equal(buf.ips[1], 0);
	assert_int_equal(reads, 0);
}

/* A misaligned fp is not a frame: from the registers, the leaf alone;
 * saved in a frame, the chain ends after that frame, without reading. */
static void test_misaligned_fp(void **state)
{
	struct ember_stack buf;
	int n;

	(void)state;
	frame_at(10, addr_of(20), 0x401100);
	frame_at(20, addr_of(30) + 4, 0x401200); /* rises, but not 8-aligned */
	frame_at(30, addr_of(40), 0x401300);
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(10) + 1);
	assert_int_equal(n, 1);
	assert_int_equal(buf.ips[1], 0);
	assert_int_equal(reads, 0);

	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(10));
	assert_int_equal(n, 3);
	assert_int_equal(buf.ips[1], 0x401100);
	assert_int_equal(buf.ips[2], 0x401200);
	assert_int_equal(buf.ips[3], 0);
	assert_int_equal(reads, 2);
}

/* A frame that cannot be read (not mapped, paged out) ends the chain
 * before it: nothing of it is recorded. */
static void test_read_error(void **state)
{
	struct ember_stack buf;
	int n;

	(void)state;
	frame_at(10, addr_of(20), 0x401100);
	frame_at(20, addr_of(30), 0x401200);
	frame_at(30, addr_of(40), 0x401300);
	fault_at = addr_of(20);
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(10));
	assert_int_equal(n, 2);
	assert_int_equal(buf.ips[0], 0x401000);
	assert_int_equal(buf.ips[1], 0x401100);
	assert_int_equal(buf.ips[2], 0);

	/* outside the stack altogether: the leaf alone */
	fault_at = 0;
	poison(&buf);
	n = fp_walk(&buf, 0x401000, 0x1000);
	assert_int_equal(n, 1);
	assert_int_equal(buf.ips[1], 0);
}

/* A saved fp that does not rise is not a frame pointer (a frameless
 * function's rbp used for data, or a loop): the return address of the
 * frame holding it is kept, and the walk stops. */
static void test_non_rising_fp_stops(void **state)
{
	struct ember_stack buf;
	int n;

	(void)state;
	/* a loop: 10 -> 20 -> 10 -> ... */
	frame_at(10, addr_of(20), 0x401100);
	frame_at(20, addr_of(10), 0x401200);
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(10));
	assert_int_equal(n, 3);
	assert_int_equal(buf.ips[1], 0x401100);
	assert_int_equal(buf.ips[2], 0x401200);
	assert_int_equal(buf.ips[3], 0);
	assert_int_equal(reads, 2);

	/* a frame pointing at itself */
	reset(NULL);
	frame_at(10, addr_of(10), 0x401100);
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(10));
	assert_int_equal(n, 2);
	assert_int_equal(buf.ips[1], 0x401100);
	assert_int_equal(buf.ips[2], 0);
	assert_int_equal(reads, 1);
}

/* A chain deeper than EMBER_MAX_STACK_DEPTH is cut there: the buffer is
 * full, with no terminator (the stacks map stores exactly the array). */
static void test_depth_limit(void **state)
{
	struct ember_stack buf;
	unsigned int w;
	int n;

	(void)state;
	for (w = 0; w < 400; w += 2)
		frame_at(w, addr_of(w + 2), 0x500000 + w);
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(0));
	assert_int_equal(n, EMBER_MAX_STACK_DEPTH);
	assert_int_equal(buf.ips[0], 0x401000);
	for (int i = 1; i < EMBER_MAX_STACK_DEPTH; i++)
		assert_int_equal(buf.ips[i], 0x500000 + 2 * (i - 1));
	assert_int_equal(reads, EMBER_MAX_STACK_DEPTH - 1);

	/* exactly the limit: the last frame ends the chain by its zero return */
	reset(NULL);
	for (w = 0; w < 2 * (EMBER_MAX_STACK_DEPTH - 1); w += 2)
		frame_at(w, addr_of(w + 2), 0x500000 + w);
	frame_at(2 * (EMBER_MAX_STACK_DEPTH - 1), 0, 0);
	poison(&buf);
	n = fp_walk(&buf, 0x401000, addr_of(0));
	assert_int_equal(n, EMBER_MAX_STACK_DEPTH);
	assert_int_equal(reads, EMBER_MAX_STACK_DEPTH - 1); /* the last is not read */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_chain_to_zero_return, reset),
		cmocka_unit_test_setup(test_null_saved_fp, reset),
		cmocka_unit_test_setup(test_no_frame_pointer, reset),
		cmocka_unit_test_setup(test_misaligned_fp, reset),
		cmocka_unit_test_setup(test_read_error, reset),
		cmocka_unit_test_setup(test_non_rising_fp_stops, reset),
		cmocka_unit_test_setup(test_depth_limit, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

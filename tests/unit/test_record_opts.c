// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* ember record's option parser and per-event output names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ember_abi.h"
#include "cmd/record_opts.h"

/* Parse a NULL-terminated list; stderr noise from errors is expected.
 * argv outlives the call: o->cmd points into it. */
static int parse(struct record_opts *o, ...)
{
	static char *argv[32];
	int argc = 0;
	va_list ap;

	memset(o, 0, sizeof(*o));
	argv[argc++] = (char *)"record";
	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return record_opts__parse(argc, argv, o);
}

static void test_defaults(void **state)
{
	struct record_opts o;

	(void)state;
	assert_int_equal(parse(&o, NULL), 0);
	assert_true(o.all);
	assert_int_equal(o.events, 1u << EVENT_CPU);
	assert_int_equal(o.freq, 99);
	assert_int_equal(o.state_mask, EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE);
	assert_false(o.include_preempted);
	record_opts__free(&o);
}

static void test_events(void **state)
{
	struct record_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-e", "offcpu", NULL), 0);
	assert_int_equal(o.events, 1u << EVENT_OFFCPU);
	assert_int_equal(parse(&o, "-e", "cpu,wall", "-o", "x.folded", NULL), 0);
	assert_int_equal(o.events, (1u << EVENT_CPU) | (1u << EVENT_WALL));
	assert_true(record_opts__has(&o, EVENT_WALL));
	assert_false(record_opts__has(&o, EVENT_OFFCPU));
	/* bad lists */
	assert_int_equal(parse(&o, "-e", "cpu,cpu", "-o", "x", NULL), -22);
	assert_int_equal(parse(&o, "-e", "disk", NULL), -22);
	assert_int_equal(parse(&o, "-e", "", NULL), -22);
	assert_int_equal(parse(&o, "-e", "cpu,", NULL), -22);
	assert_int_equal(parse(&o, "-e", ",cpu", NULL), -22);
	/* several events need a file to derive names from */
	assert_int_equal(parse(&o, "-e", "cpu,offcpu", NULL), -22);
	assert_int_equal(parse(&o, "-e", "cpu,offcpu", "-o", "-", NULL), -22);
	/* and a regular one: FILE.EVENT beside /dev/null would be files in /dev */
	assert_int_equal(parse(&o, "-e", "cpu,offcpu", "-o", "/dev/null", NULL), -22);
	assert_int_equal(parse(&o, "-e", "cpu,offcpu", "-o", "/dev", NULL), -22);
	assert_int_equal(parse(&o, "-e", "cpu", "-o", "/dev/null", NULL), 0);
}

static void test_offcpu_options(void **state)
{
	struct record_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-e", "offcpu", "--min-block", "1000", "--max-block", "50000",
			       "--state", "D", "--include-preempted", NULL), 0);
	assert_int_equal(o.min_block_us, 1000);
	assert_int_equal(o.max_block_us, 50000);
	assert_int_equal(o.state_mask, EMBER_STATE_UNINTERRUPTIBLE);
	assert_true(o.include_preempted);
	assert_int_equal(parse(&o, "--state", "interruptible", NULL), 0);
	assert_int_equal(o.state_mask, EMBER_STATE_INTERRUPTIBLE);
	assert_int_equal(parse(&o, "--state", "both", NULL), 0);
	assert_int_equal(o.state_mask, EMBER_STATE_INTERRUPTIBLE | EMBER_STATE_UNINTERRUPTIBLE);
	assert_int_equal(parse(&o, "--state", "R", NULL), -22);
	assert_int_equal(parse(&o, "--min-block", "-1", NULL), -22);
	assert_int_equal(parse(&o, "--min-block", "10", "--max-block", "5", NULL), -22);
}

static void test_targets_and_command(void **state)
{
	struct record_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-p", "1,2", "-F", "999", NULL), 0);
	assert_int_equal(o.nr_pids, 2);
	assert_false(o.all);
	assert_int_equal(o.freq, 999);
	record_opts__free(&o);
	/* options after -- belong to the command */
	assert_int_equal(parse(&o, "-d", "1.5", "--", "ls", "-l", "-F", NULL), 0);
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "ls");
	assert_string_equal(o.cmd[2], "-F");
	assert_true(o.duration > 1.49 && o.duration < 1.51);
	assert_int_equal(parse(&o, "-p", "1", "-t", "2", NULL), -22);
	record_opts__free(&o);
	assert_int_equal(parse(&o, "-F", "0", NULL), -22);
	assert_int_equal(parse(&o, "-d", "0", NULL), -22);
	assert_int_equal(parse(&o, "--user-only", "--kernel-only", NULL), -22);
	assert_int_equal(parse(&o, "stray", NULL), -22);
}

static void test_event_path(void **state)
{
	char *p;

	(void)state;
	assert_null(record_opts__event_path(NULL, "cpu", true));
	assert_null(record_opts__event_path("-", "cpu", false));
	p = record_opts__event_path("out.folded", "cpu", false);
	assert_string_equal(p, "out.folded");
	free(p);
	p = record_opts__event_path("out.folded", "offcpu", true);
	assert_string_equal(p, "out.offcpu.folded");
	free(p);
	p = record_opts__event_path("dir.v2/out", "wall", true);
	assert_string_equal(p, "dir.v2/out.wall");
	free(p);
	p = record_opts__event_path("/tmp/.folded", "cpu", true);
	assert_string_equal(p, "/tmp/.folded.cpu");
	free(p);
	p = record_opts__event_path("a.b.txt", "cpu", true);
	assert_string_equal(p, "a.b.cpu.txt");
	free(p);
	/* a compression suffix stays with its extension */
	p = record_opts__event_path("prof.pb.gz", "cpu", true);
	assert_string_equal(p, "prof.cpu.pb.gz");
	free(p);
	p = record_opts__event_path("d.1/prof.pprof.gz", "leak", true);
	assert_string_equal(p, "d.1/prof.leak.pprof.gz");
	free(p);
	p = record_opts__event_path("prof.gz", "cpu", true);
	assert_string_equal(p, "prof.cpu.gz");
	free(p);
	p = record_opts__event_path("/tmp/.pb.gz", "cpu", true);
	assert_string_equal(p, "/tmp/.pb.cpu.gz");
	free(p);
	p = record_opts__event_path("prof.pb.gz", "cpu", false);
	assert_string_equal(p, "prof.pb.gz");
	free(p);
}

/* -f FORMAT, else the -o extension, else folded. */
static void test_format(void **state)
{
	struct record_opts o;

	(void)state;
	assert_int_equal(parse(&o, NULL), 0);
	assert_int_equal(o.format, OUTPUT_FOLDED);
	assert_int_equal(parse(&o, "-o", "x.pb.gz", NULL), 0);
	assert_int_equal(o.format, OUTPUT_PPROF);
	assert_int_equal(parse(&o, "-o", "x.JSON", NULL), 0);
	assert_int_equal(o.format, OUTPUT_JSON);
	assert_int_equal(parse(&o, "-o", "x.svg", NULL), 0);
	assert_int_equal(o.format, OUTPUT_SVG);
	assert_int_equal(parse(&o, "-o", "x.data", NULL), 0);
	assert_int_equal(o.format, OUTPUT_FOLDED);
	/* -f wins over the extension, in either order */
	assert_int_equal(parse(&o, "-f", "json", "-o", "x.folded", NULL), 0);
	assert_int_equal(o.format, OUTPUT_JSON);
	assert_int_equal(parse(&o, "-o", "x.json", "--format", "pprof", NULL), 0);
	assert_int_equal(o.format, OUTPUT_PPROF);
	assert_int_equal(parse(&o, "-f", "folded", NULL), 0);
	assert_int_equal(o.format, OUTPUT_FOLDED);
	assert_int_equal(parse(&o, "-f", "pb", NULL), -22);
	assert_int_equal(parse(&o, "-f", "", NULL), -22);
	assert_int_equal(parse(&o, "-f", NULL), -22);
}

static void test_alloc_options(void **state)
{
	struct record_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-e", "alloc,leak", "-o", "m.folded", "--min-age", "2.5",
			       "--sample-bytes", "524288", "--alloc-lib", "/a.so", "--alloc-lib",
			       "/b.so", "--max-live", "4096", NULL),
			 0);
	assert_true(record_opts__allocs(&o));
	assert_true(record_opts__has(&o, EVENT_ALLOC) && record_opts__has(&o, EVENT_LEAK));
	assert_true(o.min_age == 2.5);
	assert_int_equal(o.sample_bytes, 524288);
	assert_int_equal(o.nr_alloc_libs, 2);
	assert_string_equal(o.alloc_libs[1], "/b.so");
	assert_int_equal(o.max_live, 4096);
	record_opts__free(&o);
	assert_int_equal(parse(&o, "-e", "leak", NULL), 0);
	assert_int_equal(o.max_live, 1u << 20);
	assert_int_equal(o.sample_bytes, 0);
	record_opts__free(&o);
	/* bad values */
	assert_int_equal(parse(&o, "-e", "leak", "--sample-bytes", "0", NULL), -22);
	record_opts__free(&o);
	assert_int_equal(parse(&o, "-e", "leak", "--sample-bytes", "12k", NULL), -22);
	record_opts__free(&o);
	assert_int_equal(parse(&o, "-e", "leak", "--min-age", "-1", NULL), -22);
	record_opts__free(&o);
	assert_int_equal(parse(&o, "-e", "leak", "--max-live", "10", NULL), -22);
	record_opts__free(&o);
	/* allocation options without an allocation event, kernel stacks */
	assert_int_equal(parse(&o, "--sample-bytes", "4096", NULL), -22);
	record_opts__free(&o);
	assert_int_equal(parse(&o, "-e", "cpu", "--alloc-lib", "/a.so", NULL), -22);
	record_opts__free(&o);
	assert_int_equal(parse(&o, "-e", "alloc", "--kernel-only", NULL), -22);
	record_opts__free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_options),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_offcpu_options),
		cmocka_unit_test(test_targets_and_command),
		cmocka_unit_test(test_event_path),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("record_opts", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The loss table's expansion: from one fake recording, each output (the
 * summary lines, --stats, the profiles' counters, JSON "losses", pprof
 * comments) lists the same counters with the same sums, the sums are the
 * ones written out here by hand, and the summary lines read as before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "collect/loss_table.h"
#include "format/pprof.h"
#include "profile/profile.h"
#include "format/profile_json.h"
#include "cmd/record_summary.h"

static const struct value_type one_type[] = { { "samples", "count", 0 } };

/* Every source a loss sums a different power of two, so a sum names its
 * sources. There are more sources than bits in a __u64 (--stats prints
 * counters no loss sums); those read 0. */
static int rank[SRC_MAX];

static void rank_sources(void)
{
	int next = 0;

	for (int i = 0; i < SRC_MAX; i++)
		rank[i] = -1;
	for (int l = 0; l < LOSS_MAX; l++)
		for (unsigned int k = 0; k < loss_table[l].nr_src; k++)
			if (rank[loss_table[l].src[k]] < 0)
				rank[loss_table[l].src[k]] = next++;
	/* also the ones fake() sets by hand */
	for (int i = 0; i < SRC_MAX && next < 64; i++)
		if (rank[i] < 0)
			rank[i] = next++;
}

static __u64 bit(int i)
{
	return rank[i] < 0 ? 0 : 1ull << rank[i];
}

static struct record_summary *fake(void)
{
	struct record_summary *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	for (int i = 0; i < EMBER_STAT_MAX; i++)
		s->bpf[i] = bit(i);
	s->ts.lost_records = bit(SRC_SIDEBAND_LOST);
	s->ts.mmaps = bit(SRC_MMAP_RECORDS);
	s->ls.young_blocks = bit(SRC_YOUNG_BLOCKS);
	s->ls.young_bytes = bit(SRC_YOUNG_BYTES);
	s->ls.exited_blocks = bit(SRC_EXITED_BLOCKS);
	s->ss.dsos_opened = bit(SRC_DSOS_OPENED);
	for (int e = 0; e < EVENT_MAX; e++) {
		struct stack_builder_stats *sb = &s->ev[e].sb;

		s->ev[e].prof = profile__new(one_type, 1);
		assert_non_null(s->ev[e].prof);
		s->ev[e].desc = "fake";
		/* each event its own stack figures: the powers times e + 1 */
		sb->unnamed_frames = bit(SRC_UNNAMED_FRAMES) * (e + 1);
		sb->unknown_frames = bit(SRC_UNKNOWN_FRAMES) * (e + 1);
		sb->truncated_depth = bit(SRC_TRUNCATED_DEPTH) * (e + 1);
		sb->truncated_unwind = bit(SRC_TRUNCATED_UNWIND) * (e + 1);
		sb->truncated_unwind_value = 7000 * (e + 1);
		sb->leaf_caller_missing = bit(SRC_LEAF_NO_FRAME) * (e + 1);
		sb->leaf_caller_missing_value = 11000 * (e + 1);
	}
	s->secs = 1;
	s->freq = 99;
	return s;
}

static void fake_free(struct record_summary *s)
{
	for (int e = 0; e < EVENT_MAX; e++)
		profile__free(s->ev[e].prof);
	free(s);
}

static bool time_event(int e)
{
	return e == EVENT_CPU || e == EVENT_OFFCPU || e == EVENT_WALL;
}

#define B(id) bit(EMBER_STAT_##id)

/* The sums, written out again (not from the table). */
static __u64 want_stack_errors(void)
{
	/* kernel stack errors count on every line, memory events' too */
	return B(USTACK_ERROR) + B(KSTACK_ERROR) + B(STACK_MISSING);
}

static __u64 want_lost(int e)
{
	if (time_event(e))
		return B(STACKS_FULL) + B(COUNTS_FULL) + want_stack_errors() +
		       bit(SRC_SIDEBAND_LOST) + B(PROG_MISSES) + B(START_FULL) + B(START_STALE);
	return B(STACKS_FULL) + B(COUNTS_FULL) + B(LIVE_FULL) + B(PENDING_FULL) +
	       want_stack_errors() + B(PROG_MISSES);
}

/* The names each event's profile carries, in order (README's list). */
static const char *const want_names[EVENT_MAX][24] = {
	[EVENT_CPU] = { "stacks_map_full", "counts_map_full", "stack_errors", "sideband_lost",
			"prog_runs_skipped", "offcpu_intervals_lost", "truncated_stacks",
			"truncated_value", "leaf_caller_missing", "leaf_caller_missing_value",
			"unnamed_frames" },
	[EVENT_OFFCPU] = { "stacks_map_full", "counts_map_full", "stack_errors", "sideband_lost",
			   "prog_runs_skipped", "offcpu_intervals_lost", "shorter_than_min_block",
			   "longer_than_max_block", "truncated_stacks", "truncated_value",
			   "leaf_caller_missing", "leaf_caller_missing_value", "unnamed_frames" },
	[EVENT_WALL] = { "stacks_map_full", "counts_map_full", "stack_errors", "sideband_lost",
			 "prog_runs_skipped", "offcpu_intervals_lost", "truncated_stacks",
			 "truncated_value", "leaf_caller_missing", "leaf_caller_missing_value",
			 "unnamed_frames" },
	[EVENT_ALLOC] = { "stacks_map_full", "counts_map_full", "live_map_full",
			  "allocator_calls_untracked", "stack_errors", "prog_runs_skipped",
			  "returns_never_seen", "alloc_failed", "truncated_stacks",
			  "truncated_value", "leaf_caller_missing", "leaf_caller_missing_value",
			  "unnamed_frames" },
	[EVENT_LEAK] = { "stacks_map_full", "counts_map_full", "live_map_full",
			 "allocator_calls_untracked", "stack_errors", "prog_runs_skipped",
			 "returns_never_seen", "younger_than_min_age_blocks",
			 "younger_than_min_age_bytes", "exited_process_blocks",
			 "frees_not_seen_allocated", "munmaps_untracked", "truncated_stacks",
			 "truncated_value", "leaf_caller_missing", "leaf_caller_missing_value",
			 "unnamed_frames" },
};

static int64_t counter(const struct profile *p, const char *name, bool *found)
{
	int64_t v;

	*found = false;
	for (unsigned int i = 0; i < profile__nr_counters(p); i++)
		if (!strcmp(profile__counter(p, i, &v), name)) {
			*found = true;
			return v;
		}
	return 0;
}

static void test_table_is_sound(void **state)
{
	(void)state;
	for (int l = 0; l < LOSS_MAX; l++) {
		const struct loss_info *x = &loss_table[l];

		assert_non_null(x->name);
		assert_non_null(x->phrase);
		assert_true(x->nr_src >= 1);
		assert_true(x->events != 0);
		for (unsigned int i = 0; i < x->nr_src; i++)
			assert_true((unsigned int)x->src[i] < SRC_MAX);
		for (int m = 0; m < l; m++)
			assert_string_not_equal(loss_table[m].name, x->name);
		/* a value goes in parentheses after its count: the loss before
		 * it, on the same events */
		if (x->place == LOSS_AT_VALUE) {
			assert_true(l > 0);
			assert_int_equal(loss_table[l - 1].place, LOSS_AT_STACKS);
			assert_int_equal(loss_table[l - 1].events, x->events);
		}
	}
	for (int i = 0; i < SRC_MAX; i++) {
		assert_non_null(stat_src__name(i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(stat_src__name(j), stat_src__name(i));
	}
	assert_string_equal(stat_src__name(SRC_KSTACK_ERROR), "kstack_error");
	assert_string_equal(stat_src__name(SRC_SIDEBAND_LOST), "sideband_lost");
}

/* The sums by hand, and each event's counter names in their order. */
static void test_sums(void **state)
{
	struct record_summary *s = fake();
	__u64 src[SRC_MAX];

	(void)state;
	assert_int_equal(record_summary__set_counters(s), 0);
	for (int e = 0; e < EVENT_MAX; e++) {
		const struct profile *p = s->ev[e].prof;
		unsigned int n = 0;
		bool found;
		int64_t v;

		record_summary__sources(s, e, src);
		while (want_names[e][n])
			n++;
		assert_int_equal(profile__nr_counters(p), n);
		for (unsigned int i = 0; i < n; i++)
			assert_string_equal(profile__counter(p, i, &v), want_names[e][i]);
		assert_int_equal(counter(p, "stack_errors", &found), want_stack_errors());
		assert_true(found);
		assert_int_equal(loss__lost(LOSS_EV(e), src), want_lost(e));
		assert_int_equal(counter(p, "stacks_map_full", &found), B(STACKS_FULL));
		assert_int_equal(counter(p, "prog_runs_skipped", &found), B(PROG_MISSES));
		assert_int_equal(counter(p, "unnamed_frames", &found),
				 (bit(SRC_UNNAMED_FRAMES) + bit(SRC_UNKNOWN_FRAMES)) * (e + 1));
		assert_int_equal(counter(p, "truncated_stacks", &found),
				 (bit(SRC_TRUNCATED_DEPTH) + bit(SRC_TRUNCATED_UNWIND)) * (e + 1));
		assert_int_equal(counter(p, "truncated_value", &found), 7000 * (e + 1));
		if (time_event(e)) {
			assert_int_equal(counter(p, "offcpu_intervals_lost", &found),
					 B(START_FULL) + B(START_STALE));
			assert_int_equal(counter(p, "sideband_lost", &found),
					 bit(SRC_SIDEBAND_LOST));
		} else {
			assert_int_equal(counter(p, "live_map_full", &found), B(LIVE_FULL));
			assert_int_equal(counter(p, "returns_never_seen", &found),
					 B(PENDING_STALE));
		}
	}
	assert_int_equal(
	    counter(s->ev[EVENT_LEAK].prof, "younger_than_min_age_bytes", &(bool){ 0 }),
	    bit(SRC_YOUNG_BYTES));
	assert_int_equal(counter(s->ev[EVENT_ALLOC].prof, "alloc_failed", &(bool){ 0 }),
			 B(ALLOC_FAILED));
	fake_free(s);
}

/* "losses":{...} of a JSON profile as name/value pairs. */
static int json_losses(const char *json, char names[][64], int64_t *values, int max)
{
	const char *p = strstr(json, "\"losses\":{");
	int n = 0;

	assert_non_null(p);
	p += strlen("\"losses\":{");
	while (*p == '"' && n < max) {
		const char *end = strchr(p + 1, '"');

		assert_non_null(end);
		snprintf(names[n], 64, "%.*s", (int)(end - p - 1), p + 1);
		assert_int_equal(end[1], ':');
		values[n++] = strtoll(end + 2, (char **)&p, 10);
		if (*p == ',')
			p++;
	}
	assert_int_equal(*p, '}');
	return n;
}

/* The row of loss name in --stats' table: its value in column col. */
static __u64 stats_cell(const char *stats, const char *name, int col, bool *dash)
{
	char key[80];
	const char *p;
	char *end;
	__u64 v = 0;

	snprintf(key, sizeof(key), "\n  %s ", name);
	/* the losses table comes after the per-cause counters */
	p = strstr(stats, "ember: stats (losses");
	assert_non_null(p);
	p = strstr(p, key);
	assert_non_null(p);
	p += strlen(key);
	for (int c = 0; c <= col; c++) {
		while (*p == ' ')
			p++;
		*dash = *p == '-';
		if (*dash) {
			p++;
			continue;
		}
		v = strtoull(p, &end, 10);
		assert_true(end != p);
		p = end;
	}
	return v;
}

/* Every output of every event: the same counters, the same values. */
static void test_outputs_agree(void **state)
{
	struct record_summary *s = fake();
	char *stats = NULL, *json = NULL;
	size_t stats_len = 0, json_len = 0;
	FILE *f;
	__u64 src[SRC_MAX];

	(void)state;
	assert_int_equal(record_summary__set_counters(s), 0);
	f = open_memstream(&stats, &stats_len);
	assert_non_null(f);
	record_summary__print_stats(s, f);
	fclose(f);
	for (int e = 0; e < EVENT_MAX; e++) {
		const struct profile *p = s->ev[e].prof;
		bool ns = e == EVENT_OFFCPU || e == EVENT_WALL;
		const char *unit = ns ? "us" : e == EVENT_CPU ? "samples" : "bytes";
		char line[4096], want[256], names[32][64];
		int64_t values[32];
		struct profile *back;
		unsigned char *gz = NULL;
		size_t gz_len = 0;
		int n;

		record_summary__sources(s, e, src);
		assert_true(record_summary__line(s, e, line, sizeof(line)) < (int)sizeof(line));
		snprintf(want, sizeof(want), ", %llu lost (", (unsigned long long)want_lost(e));
		assert_non_null(strstr(line, want));

		/* JSON */
		f = open_memstream(&json, &json_len);
		assert_non_null(f);
		assert_int_equal(profile_json__write(p, NULL, f), 0);
		fclose(f);
		n = json_losses(json, names, values, 32);
		assert_int_equal(n, profile__nr_counters(p));
		free(json);
		json = NULL;

		/* pprof: "ember counter NAME=N" comments, read back */
		f = open_memstream((char **)&gz, &gz_len);
		assert_non_null(f);
		assert_int_equal(pprof__write(p, &(struct pprof_opts){}, f), 0);
		fclose(f);
		back = pprof__read_mem(gz, gz_len, "mem.pb.gz", NULL);
		assert_non_null(back);
		assert_int_equal(profile__nr_counters(back), profile__nr_counters(p));
		free(gz);

		for (unsigned int i = 0; i < profile__nr_counters(p); i++) {
			int64_t v, bv;
			const char *name = profile__counter(p, i, &v);
			const struct loss_info *x = NULL;
			bool dash;

			for (int l = 0; l < LOSS_MAX; l++)
				if (!strcmp(loss_table[l].name, name))
					x = &loss_table[l];
			assert_non_null(x);
			assert_int_equal(v, loss__value(x - loss_table, src));
			assert_string_equal(names[i], name);
			assert_int_equal(values[i], v);
			assert_string_equal(profile__counter(back, i, &bv), name);
			assert_int_equal(bv, v);
			/* every event recorded: event e is column e */
			assert_int_equal(stats_cell(stats, name, e, &dash), (__u64)v);
			assert_false(dash);
			/* on the summary line where the table places it */
			switch (x->place) {
			case LOSS_AT_LOST:
			case LOSS_AT_AFTER:
			case LOSS_AT_STACKS:
				snprintf(want, sizeof(want), "%lld %s", (long long)v, x->phrase);
				break;
			case LOSS_AT_VALUE:
				snprintf(want, sizeof(want), " (%lld %s)",
					 (long long)(ns ? v / 1000 : v), unit);
				break;
			default:
				snprintf(want, sizeof(want), "%lld ", (long long)v);
				break;
			}
			if (!strstr(line, want))
				fail_msg("%s: no '%s' in: %s", name, want, line);
		}
		profile__free(back);
	}
	/* memory-only losses are "-" for the time events, and back */
	{
		bool dash;

		stats_cell(stats, "live_map_full", EVENT_CPU, &dash);
		assert_true(dash);
		stats_cell(stats, "sideband_lost", EVENT_LEAK, &dash);
		assert_true(dash);
		/* the per-cause counters, before the table */
		assert_non_null(strstr(stats, "\n  kstack_error "));
		assert_non_null(strstr(stats, "\n  dsos_opened "));
		assert_non_null(strstr(stats, "\n  young_bytes "));
	}
	free(stats);
	fake_free(s);
}

/* The lines read as before the table, word for word (README's examples
 * with numbers). */
static void test_lines_unchanged(void **state)
{
	struct record_summary *s = calloc(1, sizeof(*s));
	char line[4096];

	(void)state;
	assert_non_null(s);
	s->bpf[EMBER_STAT_STACKS_FULL] = 1;
	s->bpf[EMBER_STAT_COUNTS_FULL] = 2;
	s->bpf[EMBER_STAT_USTACK_ERROR] = 3;
	s->bpf[EMBER_STAT_STACK_MISSING] = 4;
	s->bpf[EMBER_STAT_PROG_MISSES] = 5;
	s->bpf[EMBER_STAT_START_STALE] = 6;
	s->bpf[EMBER_STAT_BLOCK_SHORT] = 7;
	s->bpf[EMBER_STAT_BLOCK_LONG] = 8;
	s->bpf[EMBER_STAT_LIVE_FULL] = 9;
	s->bpf[EMBER_STAT_PENDING_FULL] = 10;
	s->bpf[EMBER_STAT_PENDING_STALE] = 11;
	s->bpf[EMBER_STAT_ALLOC_FAILED] = 12;
	s->bpf[EMBER_STAT_FREE_UNKNOWN] = 13;
	s->bpf[EMBER_STAT_MUNMAP_UNTRACKED] = 14;
	s->ts.lost_records = 15;
	s->ls.young_blocks = 16;
	s->ls.young_bytes = 17;
	s->ls.exited_blocks = 18;
	for (int e = 0; e < EVENT_MAX; e++) {
		s->ev[e].prof = profile__new(one_type, 1);
		s->ev[e].sb.truncated_depth = 30;
		s->ev[e].sb.truncated_unwind = 2;
		s->ev[e].sb.truncated_unwind_value = 50000;
		s->ev[e].sb.leaf_caller_missing = 55;
		s->ev[e].sb.leaf_caller_missing_value = 123000;
		s->ev[e].sb.unnamed_frames = 100;
		s->ev[e].sb.unknown_frames = 27;
	}
	s->ev[EVENT_CPU].desc = "cpu-clock at 99 Hz (software event; no hardware PMU)";
	s->ev[EVENT_OFFCPU].desc = "sched_switch";
	s->ev[EVENT_ALLOC].desc = s->ev[EVENT_LEAK].desc = "uprobes";
	s->secs = 3;
	s->freq = 99;
	s->cpu_samples = 213;
	s->offcpu_intervals = 101;
	s->offcpu_ns = 2010774000;
	s->runnable_ns = 1000000;

	record_summary__line(s, EVENT_CPU, line, sizeof(line));
	assert_string_equal(line,
			    "cpu-clock at 99 Hz (software event; no hardware PMU): 213 samples in "
			    "3.0 s, 36 lost (1 stacks-map full, 2 counts-map full, 7 stack errors, "
			    "15 side-band records, 5 program runs skipped by the kernel, 6 off-CPU "
			    "intervals), 32 truncated stacks (50000 samples), 55 missing a "
			    "frameless leaf's caller (123000 samples), 127 unnamed frames");
	record_summary__line(s, EVENT_OFFCPU, line, sizeof(line));
	assert_string_equal(
	    line, "offcpu (sched_switch): 101 intervals, 2.010774 s off CPU in 3.0 s, 36 "
		  "lost (1 stacks-map full, 2 counts-map full, 7 stack errors, 15 "
		  "side-band records, 5 program runs skipped by the kernel, 6 off-CPU "
		  "intervals), 7 shorter than --min-block, 8 longer than --max-block left "
		  "out, 32 truncated stacks (50 us), 55 missing a frameless leaf's caller "
		  "(123 us), 127 unnamed frames");
	record_summary__line(s, EVENT_WALL, line, sizeof(line));
	assert_string_equal(
	    line, "wall: 0.000000 s in 3.0 s: 2.151515 s on CPU (213 cpu samples at 99 "
		  "Hz), 2.010774 s off CPU, 0.001000 s runnable, 36 lost (1 stacks-map "
		  "full, 2 counts-map full, 7 stack errors, 15 side-band records, 5 "
		  "program runs skipped by the kernel, 6 off-CPU intervals), 32 truncated "
		  "stacks (50 us), 55 missing a frameless leaf's caller (123 us), 127 "
		  "unnamed frames");
	record_summary__line(s, EVENT_ALLOC, line, sizeof(line));
	assert_string_equal(line,
			    "alloc (uprobes): 0 allocations, 0 bytes in 3.00 s, 12 failed, 34 lost "
			    "(1 stacks-map full, 2 counts-map full, 9 live-map full, 10 allocator "
			    "calls untracked (no memory for a thread's state), 7 stack errors, 5 "
			    "program runs skipped by the kernel), 11 returns never seen, 32 "
			    "truncated stacks (50000 bytes), 55 missing a frameless leaf's caller "
			    "(123000 bytes), 127 unnamed frames");
	s->sample_bytes = 4096;
	s->bpf[EMBER_STAT_ALLOCS] = 19;
	s->bpf[EMBER_STAT_SAMPLED_OUT] = 20;
	record_summary__line(s, EVENT_LEAK, line, sizeof(line));
	assert_string_equal(
	    line,
	    "leak (uprobes): 0 bytes in 0 blocks outstanding at the end in 0 stacks, oldest "
	    "0.0 s, estimated from --sample-bytes 4096 (19 allocations sampled, 20 "
	    "skipped); left out: 16 blocks (17 bytes) younger than --min-age, 18 of "
	    "processes that exited or exec'd since; 13 frees of blocks not seen allocated "
	    "(mostly unsampled ones) and 14 munmaps of untracked ranges ignored, 34 lost (1 "
	    "stacks-map full, 2 counts-map full, 9 live-map full, 10 allocator calls "
	    "untracked (no memory for a thread's state), 7 stack errors, 5 program runs "
	    "skipped by the kernel), 11 returns never seen, 32 truncated stacks (50000 "
	    "bytes), 55 missing a frameless leaf's caller (123000 bytes), 127 unnamed frames");

	/* a kernel stack error is a stack error on every line */
	s->bpf[EMBER_STAT_KSTACK_ERROR] = 100;
	record_summary__line(s, EVENT_CPU, line, sizeof(line));
	assert_non_null(
	    strstr(line, " 136 lost (1 stacks-map full, 2 counts-map full, 107 stack errors,"));
	record_summary__line(s, EVENT_ALLOC, line, sizeof(line));
	assert_non_null(strstr(line, " 134 lost (1 stacks-map full, 2 counts-map full, 9 live-map "
				     "full, 10 allocator calls untracked (no memory for a "
				     "thread's state), 107 stack errors,"));

	/* short buffers: cut, terminated, the length needed returned */
	{
		char small[40];
		int need = record_summary__line(s, EVENT_LEAK, line, sizeof(line));

		assert_int_equal(record_summary__line(s, EVENT_LEAK, small, sizeof(small)), need);
		assert_int_equal(strlen(small), sizeof(small) - 1);
		assert_int_equal(strncmp(small, line, sizeof(small) - 1), 0);
	}
	for (int e = 0; e < EVENT_MAX; e++)
		profile__free(s->ev[e].prof);
	free(s);
}

/* ember top's line: its own losses, none of record's. */
static void test_top_line(void **state)
{
	__u64 bpf[EMBER_STAT_MAX] = {}, src[SRC_MAX];
	struct stat_inputs in = { .bpf = bpf };
	char buf[256];
	int n;

	(void)state;
	stat_src__fill(src, &in);
	assert_int_equal(loss__lost(LOSS_EV_TOP, src), 0);
	bpf[EMBER_STAT_TOP_PROCS_FULL] = 3;
	bpf[EMBER_STAT_TOP_BLOCKS_FULL] = 4;
	bpf[EMBER_STAT_PROG_MISSES] = 5;
	bpf[EMBER_STAT_STACKS_FULL] = 1000; /* the panel's: not the process figures' */
	stat_src__fill(src, &in);
	assert_int_equal(loss__lost(LOSS_EV_TOP, src), 12);
	n = loss__format(buf, sizeof(buf), LOSS_EV_TOP, src, false, NULL, 1);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "12 lost (3 process-map full, 4 blocked-threads-map full, 5 "
				 "program runs skipped by the kernel)");
	/* and record's lines never list them */
	for (int e = 0; e < EVENT_MAX; e++) {
		assert_false(loss__applies(LOSS_TOP_PROCS_FULL, LOSS_EV(e)));
		assert_false(loss__applies(LOSS_TOP_BLOCKS_FULL, LOSS_EV(e)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_sound), cmocka_unit_test(test_sums),
		cmocka_unit_test(test_outputs_agree),  cmocka_unit_test(test_lines_unchanged),
		cmocka_unit_test(test_top_line),
	};

	rank_sources();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

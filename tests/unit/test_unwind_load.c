// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The BPF .eh_frame walk (bpf/unwind.bpf.h) against the real verifier
 * and a real stack: bpf/unwind_check.bpf.c's programs load in every kind
 * of context that will take stacks with it (their verified instruction
 * counts are printed), and its uprobe program, set on a function of this
 * test, walks the test's own stack through tables written here, across
 * a return address that a uretprobe hijacked. Needs CAP_BPF and
 * CAP_PERFMON: skipped without.
 *
 * The functions walked are written in assembly, so their CFA rules are
 * known without a table builder: call_outer -> outer -> target.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <endian.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/perf_event.h>
#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ember_abi.h"
#include "unwind_check.skel.h"

/*
 * The functions walked. Each caller: sub $8,%rsp (4 bytes) then the
 * call, so from its 5th byte CFA = rsp + 16; the callees are frameless
 * (CFA = rsp + 8). The outermost ones (call_*) get STOP rows: the walks
 * end cleanly there, whatever C code called them.
 *   call_outer -> outer -> target   (the uprobe, under a uretprobe)
 *   call_spin -> spin               (perf samples)
 *   call_sleep -> sleep             (nanosleep: sched_switch)
 */
asm(".text\n"
    /* target at a 256-byte block's first byte, the others in the block
     * before: the lookup crosses the block index */
    ".p2align 8\n"
    ".skip 0xe0, 0xcc\n"
    ".globl unw_t_call_outer\n"
    ".type unw_t_call_outer, @function\n"
    "unw_t_call_outer:\n"
    "	sub $8, %rsp\n"
    "	call unw_t_outer\n"
    "unw_t_call_outer_ret:\n"
    "	add $8, %rsp\n"
    "	ret\n"
    ".p2align 4\n"
    "unw_t_outer:\n"
    "	sub $8, %rsp\n"
    "	call unw_t_target\n"
    "unw_t_outer_ret:\n"
    "	add $8, %rsp\n"
    "	ret\n"
    ".p2align 4\n"
    "unw_t_target:\n"
    "	ret\n"
    ".p2align 4\n"
    ".globl unw_t_call_spin\n"
    ".type unw_t_call_spin, @function\n"
    "unw_t_call_spin:\n" /* (loops) */
    "	sub $8, %rsp\n"
    "	call unw_t_spin\n"
    "unw_t_call_spin_ret:\n"
    "	add $8, %rsp\n"
    "	ret\n"
    ".p2align 4\n"
    "unw_t_spin:\n"
    "1:	dec %rdi\n"
    "	jnz 1b\n"
    "	ret\n"
    "unw_t_spin_end:\n"
    ".p2align 4\n"
    ".globl unw_t_call_sleep\n"
    ".type unw_t_call_sleep, @function\n"
    "unw_t_call_sleep:\n" /* (const struct timespec *) */
    "	sub $8, %rsp\n"
    "	call unw_t_sleep\n"
    "unw_t_call_sleep_ret:\n"
    "	add $8, %rsp\n"
    "	ret\n"
    ".p2align 4\n"
    "unw_t_sleep:\n"
    "	xor %esi, %esi\n"
    "	mov $35, %eax\n" /* nanosleep(rdi, NULL) */
    "	syscall\n"
    "unw_t_sleep_ret:\n"
    "	ret\n"
    ".p2align 4\n"
    "unw_t_end:\n"
    "	ret\n"
    ".section .data.rel.ro, \"aw\"\n"
    ".p2align 3\n"
    ".globl unw_t_addrs\n"
    "unw_t_addrs:\n"
    "	.quad unw_t_call_outer, unw_t_call_outer_ret, unw_t_outer, unw_t_outer_ret\n"
    "	.quad unw_t_target\n"
    "	.quad unw_t_call_spin, unw_t_call_spin_ret, unw_t_spin, unw_t_spin_end\n"
    "	.quad unw_t_call_sleep, unw_t_call_sleep_ret, unw_t_sleep, unw_t_sleep_ret\n"
    "	.quad unw_t_end\n"
    ".text\n");

void unw_t_call_outer(void);
void unw_t_call_spin(unsigned long loops);
void unw_t_call_sleep(const struct timespec *ts);
enum {
	CALL_OUTER,
	CALL_OUTER_RET,
	OUTER,
	OUTER_RET,
	TARGET,
	CALL_SPIN,
	CALL_SPIN_RET,
	SPIN,
	SPIN_END,
	CALL_SLEEP,
	CALL_SLEEP_RET,
	SLEEP,
	SLEEP_RET,
	END,
	NR_ADDRS
};
extern const __u64 unw_t_addrs[NR_ADDRS];

/* The table of those functions: the first row of each, in address
 * order (where, kind, CFA / 8). */
static const struct {
	int at;
	__u32 plus;
	__u8 kind;
	__s16 cfa8;
} table[] = {
	{ CALL_OUTER, 0, EMBER_UNW_STOP, 0 }, { OUTER, 0, EMBER_UNW_RSP, 1 },
	{ OUTER, 4, EMBER_UNW_RSP, 2 },	      { TARGET, 0, EMBER_UNW_RSP, 1 },
	{ CALL_SPIN, 0, EMBER_UNW_STOP, 0 },  { SPIN, 0, EMBER_UNW_RSP, 1 },
	{ CALL_SLEEP, 0, EMBER_UNW_STOP, 0 }, { SLEEP, 0, EMBER_UNW_RSP, 1 },
	{ END, 0, EMBER_UNW_INVALID, 0 },
};
#define NR_ROWS (sizeof(table) / sizeof(table[0]))

static struct unwind_check_bpf *skel;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int setup(void **state)
{
	int err;

	(void)state;
	libbpf_set_print(print_libbpf);
	skel = unwind_check_bpf__open();
	assert_non_null(skel);
	skel->rodata->only_tgid = getpid();
	assert_int_equal(bpf_map__set_max_entries(skel->maps.unw_rows, 1024), 0);
	/* two index entries per element (unwind.bpf.h): 512 entries */
	assert_int_equal(bpf_map__set_max_entries(skel->maps.unw_index, 256), 0);
	/* unwind_maps.bpf.h leaves the owner to size these */
	assert_int_equal(bpf_map__set_max_entries(skel->maps.unw_maps, 256), 0);
	assert_int_equal(bpf_map__set_max_entries(skel->maps.unw_files, 16), 0);
	err = unwind_check_bpf__load(skel);
	if (err == -EPERM || err == -EACCES) {
		unwind_check_bpf__destroy(skel);
		skel = NULL;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unwind_check_bpf__destroy(skel);
	return 0;
}

/* Every program was accepted; how much verifying it took. */
static void test_programs_load(void **state)
{
	struct bpf_program *prog;
	int nprogs = 0;

	(void)state;
	if (!skel)
		skip();
	bpf_object__for_each_program(prog, skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		assert_true(bpf_program__fd(prog) >= 0);
		assert_int_equal(bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len), 0);
		print_message("%-18s %6u instructions verified, %5u translated\n",
			      bpf_program__name(prog), info.verified_insns,
			      info.xlated_prog_len / 8);
		/* the anchor's acceptance bound: well inside the 1M budget */
		assert_true(info.verified_insns < 200000);
		nprogs++;
	}
	assert_int_equal(nprogs, 4);
}

/* The mapping of this executable that holds addr, from /proc/self/maps. */
static void mapping_of(__u64 addr, __u64 *start, __u64 *end, __u64 *pgoff)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long s, e, o;

		if (sscanf(line, "%llx-%llx %*s %llx", &s, &e, &o) == 3 && addr >= s && addr < e) {
			*start = s;
			*end = e;
			*pgoff = o;
			found = 1;
		}
	}
	fclose(f);
	assert_true(found);
}

static int has_uprobes_page(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[uprobes]"))
			found = 1;
	fclose(f);
	return found;
}

/* Add [start, end) to the LPM trie as the aligned power-of-two blocks
 * that make it up. */
static void add_mapping(int fd, __u64 start, __u64 end, __u64 pgoff, __u32 file_idx)
{
	struct ember_unw_mapping v = {
		.start = start, .end = end, .pgoff = pgoff, .file_idx = file_idx
	};

	for (__u64 a = start; a < end;) {
		struct ember_unw_map_key k;
		int bits = a ? __builtin_ctzll(a) : 63;

		while (bits > 0 && a + (1ULL << bits) > end)
			bits--;
		k.prefixlen = 32 + 64 - bits;
		k.tgid_be = htonl(getpid());
		k.addr_be = htobe64(a);
		assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
		a += 1ULL << bits;
	}
}

static size_t map_size(struct bpf_map *m)
{
	return (size_t)bpf_map__max_entries(m) * bpf_map__value_size(m);
}

static void *map_mem(struct bpf_map *m)
{
	void *p = mmap(NULL, map_size(m), PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* What unwind_check.bpf.c keeps of each program kind's last walk. */
struct last_walk {
	__u32 n, end, cls, fp_steps, uretprobe_fixes, pad;
	struct ember_stack ips;
};

enum {
	SLOT_SAMPLE,
	SLOT_SWITCH,
	SLOT_PROBE
};

static __u64 off[NR_ADDRS]; /* file offsets of unw_t_addrs */
static char exe[4096];

/* Write the table of the functions above, as the table manager will:
 * rows and index through mmap, the file info, the LPM prefixes of this
 * executable's text mapping. */
static void load_tables(void)
{
	__u64 start = 0, end = 0, pgoff = 0;
	struct ember_unw_row *rows;
	struct ember_unw_file file;
	__u32 *idx, zero = 0;
	ssize_t len;

	assert_int_equal(unw_t_addrs[TARGET] & 0xff, 0);
	mapping_of(unw_t_addrs[TARGET], &start, &end, &pgoff);
	for (int i = 0; i < NR_ADDRS; i++) {
		assert_true(unw_t_addrs[i] >= start && unw_t_addrs[i] < end);
		off[i] = unw_t_addrs[i] - start + pgoff;
	}
	rows = map_mem(skel->maps.unw_rows);
	idx = map_mem(skel->maps.unw_index);
	for (__u32 i = 0; i < NR_ROWS; i++) {
		rows[i].off = off[table[i].at] + table[i].plus;
		rows[i].kind = table[i].kind;
		rows[i].cfa8 = table[i].cfa8;
		rows[i].rbp8 = 0;
		if (i)
			assert_true(rows[i].off > rows[i - 1].off);
	}
	memset(&file, 0, sizeof(file));
	file.nr_rows = NR_ROWS;
	file.flags = EMBER_UNW_FILE_READY;
	file.off_lo = off[CALL_OUTER] & ~((1ULL << EMBER_UNW_BLOCK_SHIFT) - 1);
	file.nr_blocks = ((off[END] - file.off_lo) >> EMBER_UNW_BLOCK_SHIFT) + 2;
	for (__u32 b = 0; b < file.nr_blocks; b++) {
		__u64 first = file.off_lo + ((__u64)b << EMBER_UNW_BLOCK_SHIFT);

		idx[b] = 0;
		for (__u32 i = 0; i < file.nr_rows; i++)
			if (rows[i].off <= first)
				idx[b] = i;
	}
	munmap(rows, map_size(skel->maps.unw_rows));
	munmap(idx, map_size(skel->maps.unw_index));
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.unw_files), &zero, &file, 0),
			 0);
	add_mapping(bpf_map__fd(skel->maps.unw_maps), start, end, pgoff, 0);

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(len > 0);
	exe[len] = 0;
}

static void read_last(__u32 slot, struct last_walk *last)
{
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.unw_last), &slot, last), 0);
}

/* Walks that ended for reason end so far, over every CPU. */
static __u64 ends(__u32 end)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v, sum = 0;

	assert_true(ncpu > 0);
	v = calloc(ncpu, sizeof(*v));
	assert_non_null(v);
	end = EMBER_STAT_UNW_FIRST + end - 1;
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &end, v), 0);
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	free(v);
	return sum;
}

static void run_and_check(const char *what, __u32 fixes)
{
	struct last_walk last;
	__u32 slot = SLOT_PROBE;

	memset(&last, 0, sizeof(last));
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.unw_last), &slot, &last, 0), 0);
	unw_t_call_outer();
	read_last(slot, &last);
	print_message("%s: %u frames, end %u\n", what, last.n, last.end);
	assert_int_equal(last.end, EMBER_UNW_END_STOP_ROW);
	assert_int_equal(last.cls, EMBER_UNW_COMPLETE);
	assert_int_equal(last.n, 3);
	assert_int_equal(last.ips.ips[0], unw_t_addrs[TARGET]);
	assert_int_equal(last.ips.ips[1], unw_t_addrs[OUTER_RET]);
	assert_int_equal(last.ips.ips[2], unw_t_addrs[CALL_OUTER_RET]);
	assert_int_equal(last.ips.ips[3], 0);
	assert_int_equal(last.fp_steps, 0);
	assert_int_equal(last.uretprobe_fixes, fixes);
}

/* The uprobe walk of this thread's stack: target's frame, outer's, and
 * call_outer's STOP row; the same once a uretprobe on outer has swapped
 * outer's return address for its trampoline (in the uprobes page). */
static void test_uprobe_walk(void **state)
{
	struct bpf_link *probe, *ret;

	(void)state;
	if (!skel)
		skip();
	load_tables();
	probe = bpf_program__attach_uprobe(skel->progs.unw_check_probe, false, getpid(), exe,
					   off[TARGET]);
	assert_non_null(probe);
	run_and_check("uprobe", 0);

	ret =
	    bpf_program__attach_uprobe(skel->progs.unw_check_nop, true, getpid(), exe, off[OUTER]);
	assert_non_null(ret);
	run_and_check("uprobe under a uretprobe", 1);
	assert_true(has_uprobes_page());
	bpf_link__destroy(ret);
	bpf_link__destroy(probe);
}

/* cpu-clock samples of this thread while it spins: the samples that
 * interrupt the spin loop in user mode walk spin -> call_spin's STOP row
 * (the perf context's registers); any other sample (in the C code
 * around, or in the kernel) ends otherwise. */
static void test_perf_sample_walk(void **state)
{
	struct perf_event_attr attr;
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	struct bpf_link *link;
	int stats;
	struct last_walk last;
	__u64 before;
	int fd;

	(void)state;
	if (!skel)
		skip();
	load_tables();
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 100000; /* ns: 10 kHz */
	fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	assert_true(fd >= 0);
	link = bpf_program__attach_perf_event(skel->progs.unw_check_sample, fd);
	assert_non_null(link);
	/* run time per sample (2-frame walks, mostly): for the record only */
	stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	before = ends(EMBER_UNW_END_STOP_ROW);
	unw_t_call_spin(300000000);
	bpf_link__destroy(link);
	close(fd);
	memset(&info, 0, sizeof(info));
	assert_int_equal(
	    bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.unw_check_sample), &info, &len), 0);
	if (stats >= 0)
		close(stats);
	print_message("perf: %llu complete walks in spin; %llu runs, %llu ns each\n",
		      (unsigned long long)(ends(EMBER_UNW_END_STOP_ROW) - before),
		      (unsigned long long)info.run_cnt,
		      (unsigned long long)(info.run_cnt ? info.run_time_ns / info.run_cnt : 0));
	assert_true(ends(EMBER_UNW_END_STOP_ROW) > before);
	read_last(SLOT_SAMPLE, &last);
	assert_true(last.n >= 1);
	if (last.ips.ips[0] >= unw_t_addrs[SPIN] && last.ips.ips[0] < unw_t_addrs[SPIN_END]) {
		assert_int_equal(last.end, EMBER_UNW_END_STOP_ROW);
		assert_int_equal(last.n, 2);
		assert_int_equal(last.ips.ips[1], unw_t_addrs[CALL_SPIN_RET]);
	}
}

/* Switched out in nanosleep: the walk starts from the user registers
 * the syscall saved (bpf_task_pt_regs), at the instruction after it. */
static void test_sched_switch_walk(void **state)
{
	const struct timespec ts = { 0, 2000000 };
	struct bpf_link *link;
	struct last_walk last;
	__u64 before;

	(void)state;
	if (!skel)
		skip();
	load_tables();
	link = bpf_program__attach_raw_tracepoint(skel->progs.unw_check_switch, "sched_switch");
	assert_non_null(link);
	before = ends(EMBER_UNW_END_STOP_ROW);
	for (int i = 0; i < 5; i++)
		unw_t_call_sleep(&ts);
	read_last(SLOT_SWITCH, &last);
	bpf_link__destroy(link);
	print_message("sched_switch: %llu complete walks, last %u frames, end %u\n",
		      (unsigned long long)(ends(EMBER_UNW_END_STOP_ROW) - before), last.n,
		      last.end);
	assert_true(ends(EMBER_UNW_END_STOP_ROW) >= before + 5);
	/* nothing ran between the last sleep and the read that could block */
	assert_int_equal(last.end, EMBER_UNW_END_STOP_ROW);
	assert_int_equal(last.n, 2);
	assert_int_equal(last.ips.ips[0], unw_t_addrs[SLEEP_RET]);
	assert_int_equal(last.ips.ips[1], unw_t_addrs[CALL_SLEEP_RET]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_programs_load),
		cmocka_unit_test(test_uprobe_walk),
		cmocka_unit_test(test_perf_sample_walk),
		cmocka_unit_test(test_sched_switch_walk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

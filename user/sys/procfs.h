/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * procfs: system and process resource figures from /proc, as psutil and
 * htop show them.
 *
 * The parsers are pure: text in, struct out, no I/O. They take the whole
 * file as one NUL-terminated string, never write past their output, and
 * treat the text as hostile: a number that does not fit its field makes
 * its line malformed, malformed and unknown lines are skipped, and a
 * parser returns -EINVAL only when what it must have is missing (listed
 * with each one). Sizes are converted to bytes (kB * 1024, pages * page
 * size, sectors * 512), saturating at U64_MAX instead of wrapping; CPU
 * times stay in clock ticks (USER_HZ) as the kernel prints them.
 *
 * The readers are thin: one file or directory of a proc tree whose root
 * is a parameter (NULL for "/proc"), so tests can use a fake tree.
 */
#ifndef EMBER_PROCFS_H
#define EMBER_PROCFS_H

#include <stdbool.h>
#include <linux/types.h>

/* --- /proc/stat -------------------------------------------------------- */

struct cpu_times {
	__u64 user, nice, system, idle, iowait, irq, softirq, steal; /* ticks */
};

struct sys_stat {
	struct cpu_times total;
	/* Per CPU, indexed by CPU number, malloc'd; the CPUs missing from
	 * the file (offline) are zeroed. */
	struct cpu_times *cpu;
	int nr_cpu;	 /* highest cpuN + 1; 0 (cpu NULL) when no cpuN line */
	__u64 ctxt;	 /* context switches since boot */
	__u64 processes; /* forks since boot */
	__u64 procs_running, procs_blocked;
	__u64 btime; /* boot time, seconds since the epoch */
};

/* /proc/stat. Needs the "cpu " line (at least user nice system idle;
 * fields a kernel does not print are 0, guest and guest_nice are ignored
 * as they are already counted in user and nice). A cpuN line with N >=
 * 65536 or bad numbers is skipped. The other lines are optional (0 when
 * absent). *out is overwritten (not freed); on success free it with
 * procfs__sys_stat_free, on error it holds nothing to free. */
int procfs__parse_stat(const char *text, struct sys_stat *out);
void procfs__sys_stat_free(struct sys_stat *s);

/* All eight fields; and the same minus idle and iowait, as psutil's
 * cpu_percent() counts busy time. Saturating. */
__u64 cpu_times__total(const struct cpu_times *t);
__u64 cpu_times__busy(const struct cpu_times *t);

/* --- /proc/meminfo ----------------------------------------------------- */

struct meminfo {
	__u64 total, free, available, buffers, cached, sreclaimable, shmem, swap_total, swap_free,
	    swap_cached; /* bytes; cached is the kernel's "Cached:" alone */
};

/* Needs MemTotal and MemFree (in kB); the rest is 0 when absent, except
 * that a missing or zero MemAvailable (kernels before 3.14) becomes
 * free + cached, psutil's fallback estimate. */
int procfs__parse_meminfo(const char *text, struct meminfo *out);
/* "used" exactly as psutil's virtual_memory() on Linux computes it
 * (psutil/_pslinux.py): total - free - buffers - (cached + sreclaimable),
 * or total - free when that is negative (containers); Shmem is not
 * involved. 0 if free > total. */
__u64 meminfo__used(const struct meminfo *m);

/* --- /proc/loadavg ----------------------------------------------------- */

struct loadavg {
	double one, five, fifteen;
	__u32 running, total; /* runnable entities / all threads */
};

/* Needs the three averages and running/total; the last PID is ignored.
 * Locale-independent (no strtod). */
int procfs__parse_loadavg(const char *text, struct loadavg *out);

/* --- /proc/diskstats --------------------------------------------------- */

struct disk_stat {
	char name[32];
	__u64 reads, read_bytes, writes, write_bytes; /* completed I/Os, bytes (sectors * 512) */
	__u64 busy_ms;				      /* time with I/O in flight (io_ticks) */
};

/* Every line that parses, in file order: 14 fields (before 4.18), 18
 * (4.18: discards), 20 (5.5: flushes) or more, and the 7-field partition
 * lines of 2.6 kernels (busy_ms 0). Other lines, and names of 32 bytes
 * or more, are skipped. *out is malloc'd (NULL when *n is 0). Returns 0
 * (also for an empty text: no devices) or -ENOMEM. */
int procfs__parse_diskstats(const char *text, struct disk_stat **out, int *n);
/* True for a whole device worth showing: SYSFS_ROOT/block/NAME exists
 * (sysfs_root NULL = "/sys"; '/' in a name is '!' there, as in
 * "cciss!c0d0"), and a loop*, ram* or zram* device only if it did I/O.
 * Device-mapper and md devices count as disks too, so totals over every
 * disk can count the same I/O twice (dm-0 and the sda under it). */
bool procfs__is_disk(const char *sysfs_root, const struct disk_stat *d);

/* --- /proc/net/dev ----------------------------------------------------- */

struct net_stat {
	char name[32];
	__u64 rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop;
};

/* Every "NAME: 16 numbers" line, in file order (the name may touch the
 * colon and the first number, as older kernels print it); the two header
 * lines and malformed lines are skipped. *out is malloc'd (NULL when *n
 * is 0). Returns 0 or -ENOMEM. */
int procfs__parse_net_dev(const char *text, struct net_stat **out, int *n);

/* --- /proc/PID/... ----------------------------------------------------- */

struct pid_stat { /* /proc/PID/stat */
	__u32 pid, ppid;
	char comm[17]; /* truncated: kernel threads can show longer names */
	char state;
	__u64 utime, stime; /* ticks */
	__u64 minflt, majflt;
	__u32 num_threads;
	__u64 starttime; /* ticks after boot */
	__u64 vsize;	 /* bytes */
	__u64 rss;	 /* bytes (pages * page_size) */
};

/* Needs every field up to rss (the 24th). comm is what lies between the
 * first '(' and the LAST ')' of the text, so it may contain spaces,
 * parentheses and even newlines. page_size must be > 0. */
int procfs__parse_pid_stat(const char *text, long page_size, struct pid_stat *out);

struct pid_status {
	__u64 vol_ctxt, nonvol_ctxt;
	__u32 tgid; /* 0 when absent */
	__u32 threads;
	__u64 vm_rss, vm_size, vm_swap; /* bytes; 0 for kernel threads */
};

/* /proc/PID/status. Needs Threads:; the rest is 0 when absent. */
int procfs__parse_pid_status(const char *text, struct pid_status *out);

struct pid_io {
	__u64 rchar, wchar, syscr, syscw, read_bytes, write_bytes, cancelled_write_bytes;
};

/* /proc/PID/io. Needs all seven lines (the kernel always prints them). */
int procfs__parse_pid_io(const char *text, struct pid_io *out);

/* /proc/PID/smaps_rollup (4.14+). Needs the "Pss:" line (kB). Reading
 * the file of a kernel thread fails with ESRCH (no mm). */
int procfs__parse_smaps_rollup(const char *text, __u64 *pss_bytes);

/* /proc/PID/task/TID/schedstat: the first figure, the thread's run time so
 * far in ns (se.sum_exec_runtime). Needs all three figures. */
int procfs__parse_schedstat(const char *text, __u64 *run_ns);

/* --- readers ----------------------------------------------------------- */

/* Read PROC_ROOT/REL_PATH whole (proc files report size 0, so read until
 * EOF; at most 64 MiB, -EFBIG beyond) into a malloc'd NUL-terminated
 * buffer. Returns 0 or -errno (-ENOENT/-ESRCH: the process is gone). */
int procfs__read(const char *proc_root, const char *rel_path, char **text);
/* Whether thread tid of process tgid still runs: false once it is gone, a
 * zombie or dead (its address space released). */
bool procfs__alive(__u32 tgid, __u32 tid);
/* Entries in PROC_ROOT/PID/fd, or -errno (-EACCES when not permitted). */
int procfs__count_fds(const char *proc_root, __u32 pid);
/* Every descendant of pid (children, their children...), from the ppid
 * of each PROC_ROOT/P/stat, in breadth-first order; processes that vanish
 * during the scan are left out. *out is malloc'd (NULL when none).
 * Returns the count, or -errno if PROC_ROOT cannot be listed. */
int procfs__descendants(const char *proc_root, __u32 pid, __u32 **out);
/* When the process now at pid started: its start time's tick in
 * PROC_ROOT/PID/stat, as ns of the boot clock in [*lo, *hi] (the kernel's
 * task start_boottime lies there). 0 or -errno (-ENOENT: gone). */
int procfs__pid_start(const char *proc_root, __u32 pid, __u64 *lo, __u64 *hi);
/* sysconf(_SC_CLK_TCK) (USER_HZ), 100 if that fails. */
long procfs__ticks_per_sec(void);
/* ticks / procfs__ticks_per_sec(), in seconds. */
double procfs__ticks_to_sec(__u64 ticks);

#endif

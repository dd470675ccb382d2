// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * procfs: parsers for /proc resource files and thin readers.
 *
 * Formats (fs/proc/ sources, Documentation/filesystems/proc.rst,
 * Documentation/admin-guide/iostats.rst, man 5 proc):
 *   stat       "cpu  u n s i iow irq sirq steal guest guest_nice", "cpuN ...",
 *              "ctxt N", "btime N", "processes N", "procs_running N", ...
 *   meminfo    "Key:   N kB"
 *   loadavg    "1.08 2.80 3.34 2/87 16331"
 *   diskstats  "major minor name" and 4, 11, 15 or 17 numbers
 *   net/dev    two header lines, then "NAME: 8 rx numbers 8 tx numbers"
 *   PID/stat   "pid (comm) state ppid ..." where comm is raw: any bytes
 *   PID/status, PID/io, PID/smaps_rollup: "Key: N [kB]"
 *
 * Everything is parsed with the strict scanners below: fields are
 * separated by spaces or tabs, a number is only decimal digits (no sign,
 * no "0x", no leading blanks inside the field) and must fit 64 bits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/procfs.h"

#define U64_MAX (~0ULL)
#define U32_MAX 0xffffffffULL
#define MAX_CPUS 65536	     /* above any NR_CPUS */
#define READ_MAX (64u << 20) /* procfs__read limit */
#define SECTOR_SIZE 512	     /* diskstats sectors, whatever the device's */
#define NET_DEV_FIELDS 16

/* --- scanners ---------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void skip_blanks(const char **p, const char *end)
{
	while (*p < end && is_blank(**p))
		(*p)++;
}

/* Decimal digits at *p (at least one); -EINVAL if none or on overflow. */
static int take_u64(const char **p, const char *end, __u64 *out)
{
	const char *s = *p;
	__u64 v = 0;

	if (s >= end || !is_digit(*s))
		return -EINVAL;
	for (; s < end && is_digit(*s); s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (U64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

/* The next blank-separated field, which must be all digits. */
static int next_u64(const char **p, const char *end, __u64 *out)
{
	skip_blanks(p, end);
	if (take_u64(p, end, out))
		return -EINVAL;
	if (*p < end && !is_blank(**p))
		return -EINVAL;
	return 0;
}

static int next_u32(const char **p, const char *end, __u32 *out)
{
	__u64 v;

	if (next_u64(p, end, &v) || v > U32_MAX)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

/* The next blank-separated field, whatever it holds. */
static int next_token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s;

	skip_blanks(p, end);
	s = *p;
	while (*p < end && !is_blank(**p))
		(*p)++;
	if (*p == s)
		return -EINVAL;
	*tok = s;
	*len = (size_t)(*p - s);
	return 0;
}

static int token_u64(const char *tok, size_t len, __u64 *out)
{
	const char *p = tok;

	if (take_u64(&p, tok + len, out) || p != tok + len)
		return -EINVAL;
	return 0;
}

static bool token_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(tok, word, len);
}

static bool at_end(const char **p, const char *end)
{
	skip_blanks(p, end);
	return *p == end;
}

static const char *line_end(const char *line)
{
	return strchrnul(line, '\n');
}

static __u64 mul_sat(__u64 a, __u64 b)
{
	return b && a > U64_MAX / b ? U64_MAX : a * b;
}

static __u64 add_sat(__u64 a, __u64 b)
{
	return a > U64_MAX - b ? U64_MAX : a + b;
}

/* Room for one more element in a malloc'd array of *nr used of *cap. */
static int grow(void **arr, int *cap, int nr, size_t size)
{
	void *n;
	int c;

	if (nr < *cap)
		return 0;
	if (*cap > (1 << 28))
		return -ENOMEM;
	c = *cap ? *cap * 2 : 16;
	n = realloc(*arr, (size_t)c * size);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = c;
	return 0;
}

/*
 * "Key: value [kB]" files. For each line whose key is one of keys[],
 * stores the value in vals[i] (times 1024 when the field is in kB) and
 * sets bit i of the returned mask. A line of a known key whose unit is
 * not the expected one ("kB" or nothing) is malformed and skipped.
 */
struct kv_key {
	const char *name;
	bool kb;
};

static unsigned int parse_kv(const char *text, const struct kv_key *keys, int nr, __u64 *vals)
{
	unsigned int found = 0;

	for (const char *line = text, *end, *next; *line; line = next) {
		const char *p, *colon;
		__u64 v;
		int i;

		end = line_end(line);
		next = *end ? end + 1 : end;
		colon = memchr(line, ':', (size_t)(end - line));
		if (!colon)
			continue;
		for (i = 0; i < nr; i++)
			if (token_is(line, (size_t)(colon - line), keys[i].name))
				break;
		if (i == nr)
			continue;
		p = colon + 1;
		if (next_u64(&p, end, &v))
			continue;
		if (keys[i].kb) {
			const char *unit;
			size_t len;

			if (next_token(&p, end, &unit, &len) || !token_is(unit, len, "kB"))
				continue;
			v = mul_sat(v, 1024);
		}
		if (!at_end(&p, end))
			continue;
		vals[i] = v;
		found |= 1u << i;
	}
	return found;
}

/* --- /proc/stat -------------------------------------------------------- */

static int parse_cpu_times(const char *p, const char *end, struct cpu_times *t)
{
	__u64 v[8] = { 0 };
	int i;

	/* user nice system idle since always; iowait irq softirq 2.6;
	 * steal 2.6.11; guest 2.6.24 and guest_nice 2.6.33 ignored. */
	for (i = 0; i < 8 && !at_end(&p, end); i++)
		if (next_u64(&p, end, &v[i]))
			return -EINVAL;
	if (i < 4)
		return -EINVAL;
	t->user = v[0];
	t->nice = v[1];
	t->system = v[2];
	t->idle = v[3];
	t->iowait = v[4];
	t->irq = v[5];
	t->softirq = v[6];
	t->steal = v[7];
	return 0;
}

/* Store times for CPU n, growing s->cpu with zeroed gaps. */
static int stat_set_cpu(struct sys_stat *s, int *cap, int n, const struct cpu_times *t)
{
	if (n >= *cap) {
		int c = *cap ? *cap : 16;
		struct cpu_times *a;

		while (c <= n)
			c *= 2;
		a = realloc(s->cpu, (size_t)c * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memset(a + *cap, 0, (size_t)(c - *cap) * sizeof(*a));
		s->cpu = a;
		*cap = c;
	}
	s->cpu[n] = *t;
	if (n >= s->nr_cpu)
		s->nr_cpu = n + 1;
	return 0;
}

int procfs__parse_stat(const char *text, struct sys_stat *out)
{
	static const struct {
		const char *name;
		size_t off;
	} singles[] = {
		{ "ctxt", offsetof(struct sys_stat, ctxt) },
		{ "btime", offsetof(struct sys_stat, btime) },
		{ "processes", offsetof(struct sys_stat, processes) },
		{ "procs_running", offsetof(struct sys_stat, procs_running) },
		{ "procs_blocked", offsetof(struct sys_stat, procs_blocked) },
	};
	bool have_total = false;
	int cap = 0, err;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	for (const char *line = text, *end, *next; *line; line = next) {
		const char *p = line, *tok;
		struct cpu_times t;
		size_t len, i;
		__u64 v;

		end = line_end(line);
		next = *end ? end + 1 : end;
		if (next_token(&p, end, &tok, &len))
			continue;
		if (token_is(tok, len, "cpu")) {
			if (!parse_cpu_times(p, end, &out->total))
				have_total = true;
			continue;
		}
		if (len > 3 && !memcmp(tok, "cpu", 3)) {
			if (token_u64(tok + 3, len - 3, &v) || v >= MAX_CPUS ||
			    parse_cpu_times(p, end, &t))
				continue;
			err = stat_set_cpu(out, &cap, (int)v, &t);
			if (err)
				goto fail;
			continue;
		}
		for (i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
			if (!token_is(tok, len, singles[i].name))
				continue;
			if (!next_u64(&p, end, &v) && at_end(&p, end))
				*(__u64 *)((char *)out + singles[i].off) = v;
			break;
		}
	}
	if (have_total)
		return 0;
	err = -EINVAL;
fail:
	procfs__sys_stat_free(out);
	return err;
}

void procfs__sys_stat_free(struct sys_stat *s)
{
	if (!s)
		return;
	free(s->cpu);
	s->cpu = NULL;
	s->nr_cpu = 0;
}

__u64 cpu_times__total(const struct cpu_times *t)
{
	__u64 sum = t->user;

	sum = add_sat(sum, t->nice);
	sum = add_sat(sum, t->system);
	sum = add_sat(sum, t->idle);
	sum = add_sat(sum, t->iowait);
	sum = add_sat(sum, t->irq);
	sum = add_sat(sum, t->softirq);
	return add_sat(sum, t->steal);
}

__u64 cpu_times__busy(const struct cpu_times *t)
{
	__u64 total = cpu_times__total(t), idle = add_sat(t->idle, t->iowait);

	return total > idle ? total - idle : 0;
}

/* --- /proc/meminfo ----------------------------------------------------- */

int procfs__parse_meminfo(const char *text, struct meminfo *out)
{
	enum {
		TOTAL,
		FREE,
		AVAIL,
		BUFFERS,
		CACHED,
		SRECL,
		SHMEM,
		STOTAL,
		SFREE,
		SCACHED,
		NR
	};
	static const struct kv_key keys[NR] = {
		[TOTAL] = { "MemTotal", true },	    [FREE] = { "MemFree", true },
		[AVAIL] = { "MemAvailable", true }, [BUFFERS] = { "Buffers", true },
		[CACHED] = { "Cached", true },	    [SRECL] = { "SReclaimable", true },
		[SHMEM] = { "Shmem", true },	    [STOTAL] = { "SwapTotal", true },
		[SFREE] = { "SwapFree", true },	    [SCACHED] = { "SwapCached", true },
	};
	__u64 v[NR] = { 0 };
	unsigned int found;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	found = parse_kv(text, keys, NR, v);
	if (!(found & (1u << TOTAL)) || !(found & (1u << FREE)))
		return -EINVAL;
	out->total = v[TOTAL];
	out->free = v[FREE];
	out->buffers = v[BUFFERS];
	out->cached = v[CACHED];
	out->sreclaimable = v[SRECL];
	out->shmem = v[SHMEM];
	out->swap_total = v[STOTAL];
	out->swap_free = v[SFREE];
	out->swap_cached = v[SCACHED];
	/* psutil's calculate_avail_vmem() falls back to free + Cached when
	 * it cannot estimate from /proc/zoneinfo; a parser cannot read it. */
	out->available = v[AVAIL] ? v[AVAIL] : add_sat(v[FREE], v[CACHED]);
	return 0;
}

/*
 * psutil/_pslinux.py, virtual_memory():
 *     cached = mems[b"Cached:"] + mems.get(b"SReclaimable:", 0)
 *     used = total - free - cached - buffers
 *     if used < 0:
 *         used = total - free
 * (procps-ng free 3.3.12's formula; Shmem only feeds the "shared" field.)
 */
__u64 meminfo__used(const struct meminfo *m)
{
	__u64 unused = add_sat(add_sat(m->free, m->buffers), add_sat(m->cached, m->sreclaimable));

	if (unused <= m->total)
		return m->total - unused;
	return m->free <= m->total ? m->total - m->free : 0;
}

/* --- /proc/loadavg ----------------------------------------------------- */

/* "I.FF": what the kernel prints with "%lu.%02lu". */
static int next_avg(const char **p, const char *end, double *out)
{
	__u64 ip, frac = 0, scale = 1;

	skip_blanks(p, end);
	if (take_u64(p, end, &ip))
		return -EINVAL;
	if (*p < end && **p == '.') {
		const char *s = ++(*p);

		for (; *p < end && is_digit(**p); (*p)++) {
			if (scale >= 1000000000000000000ULL)
				continue; /* beyond a double's precision */
			frac = frac * 10 + (__u64)(**p - '0');
			scale *= 10;
		}
		if (*p == s)
			return -EINVAL;
	}
	if (*p < end && !is_blank(**p))
		return -EINVAL;
	*out = (double)ip + (double)frac / (double)scale;
	return 0;
}

int procfs__parse_loadavg(const char *text, struct loadavg *out)
{
	const char *p = text, *end;
	__u64 running, total;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	end = line_end(text);
	if (next_avg(&p, end, &out->one) || next_avg(&p, end, &out->five) ||
	    next_avg(&p, end, &out->fifteen))
		goto fail;
	skip_blanks(&p, end);
	if (take_u64(&p, end, &running) || p == end || *p++ != '/' || take_u64(&p, end, &total) ||
	    (p < end && !is_blank(*p)) || running > U32_MAX || total > U32_MAX)
		goto fail;
	out->running = (__u32)running;
	out->total = (__u32)total;
	return 0;
fail:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* --- /proc/diskstats --------------------------------------------------- */

static int parse_diskstats_line(const char *p, const char *end, struct disk_stat *d)
{
	__u64 v[11] = { 0 }, x;
	const char *name;
	size_t len;
	int nf = 0;

	memset(d, 0, sizeof(*d));
	if (next_u64(&p, end, &x) || next_u64(&p, end, &x) || next_token(&p, end, &name, &len) ||
	    len >= sizeof(d->name))
		return -EINVAL;
	while (!at_end(&p, end)) {
		if (next_u64(&p, end, &x))
			return -EINVAL;
		if (nf < 11)
			v[nf] = x;
		nf++;
	}
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	if (nf == 4) {
		/* 2.6 partition: reads, sectors read, writes, sectors written */
		d->reads = v[0];
		d->read_bytes = mul_sat(v[1], SECTOR_SIZE);
		d->writes = v[2];
		d->write_bytes = mul_sat(v[3], SECTOR_SIZE);
		return 0;
	}
	/* 11 fields; 15 since 4.18 (discards), 17 since 5.5 (flushes). */
	if (nf != 11 && nf < 15)
		return -EINVAL;
	d->reads = v[0];
	d->read_bytes = mul_sat(v[2], SECTOR_SIZE);
	d->writes = v[4];
	d->write_bytes = mul_sat(v[6], SECTOR_SIZE);
	d->busy_ms = v[9];
	return 0;
}

typedef int (*line_parser)(const char *line, const char *end, void *elem);

/* One element per line that parses; lines that do not are skipped. */
static int parse_lines(const char *text, size_t size, line_parser fn, void **out, int *n)
{
	char *arr = NULL;
	int nr = 0, cap = 0;

	if (!out || !n)
		return -EINVAL;
	*out = NULL;
	*n = 0;
	if (!text)
		return -EINVAL;
	for (const char *line = text, *end, *next; *line; line = next) {
		char elem[256];

		end = line_end(line);
		next = *end ? end + 1 : end;
		if (size > sizeof(elem) || fn(line, end, elem))
			continue;
		if (grow((void **)&arr, &cap, nr, size)) {
			free(arr);
			return -ENOMEM;
		}
		memcpy(arr + (size_t)nr++ * size, elem, size);
	}
	*out = arr;
	*n = nr;
	return 0;
}

_Static_assert(sizeof(struct disk_stat) <= 256 && sizeof(struct net_stat) <= 256,
	       "parse_lines parses into a 256-byte element");

static int disk_line(const char *line, const char *end, void *elem)
{
	return parse_diskstats_line(line, end, elem);
}

int procfs__parse_diskstats(const char *text, struct disk_stat **out, int *n)
{
	return parse_lines(text, sizeof(**out), disk_line, (void **)out, n);
}

bool procfs__is_disk(const char *sysfs_root, const struct disk_stat *d)
{
	static const char *const virt[] = { "loop", "ram", "zram" };
	char path[4096], name[sizeof(d->name)];
	size_t i;
	int len;

	if (!d || !d->name[0] || !strcmp(d->name, ".") || !strcmp(d->name, ".."))
		return false;
	for (i = 0; i < sizeof(virt) / sizeof(virt[0]); i++)
		if (!strncmp(d->name, virt[i], strlen(virt[i])) && !d->reads && !d->writes)
			return false;
	/* sysfs spells the '/' of "cciss/c0d0" as '!' (block/genhd.c). */
	memcpy(name, d->name, sizeof(name));
	name[sizeof(name) - 1] = '\0';
	for (i = 0; name[i]; i++)
		if (name[i] == '/')
			name[i] = '!';
	len = snprintf(path, sizeof(path), "%s/block/%s", sysfs_root ? sysfs_root : "/sys", name);
	if (len < 0 || (size_t)len >= sizeof(path))
		return false;
	return access(path, F_OK) == 0;
}

/* --- /proc/net/dev ----------------------------------------------------- */

static int parse_net_dev_line(const char *line, const char *end, struct net_stat *s)
{
	const char *colon, *name = line, *p;
	__u64 v[NET_DEV_FIELDS];
	size_t len;
	int i;

	memset(s, 0, sizeof(*s));
	/* Interface names never hold ':' or blanks (dev_valid_name). */
	colon = memchr(line, ':', (size_t)(end - line));
	if (!colon)
		return -EINVAL;
	skip_blanks(&name, colon);
	len = (size_t)(colon - name);
	if (!len || len >= sizeof(s->name) || memchr(name, ' ', len) || memchr(name, '\t', len))
		return -EINVAL;
	p = colon + 1;
	for (i = 0; i < NET_DEV_FIELDS; i++)
		if (next_u64(&p, end, &v[i]))
			return -EINVAL;
	memcpy(s->name, name, len);
	s->name[len] = '\0';
	/* rx: bytes packets errs drop fifo frame compressed multicast,
	 * tx: bytes packets errs drop fifo colls carrier compressed */
	s->rx_bytes = v[0];
	s->rx_packets = v[1];
	s->rx_errs = v[2];
	s->rx_drop = v[3];
	s->tx_bytes = v[8];
	s->tx_packets = v[9];
	s->tx_errs = v[10];
	s->tx_drop = v[11];
	return 0;
}

static int net_line(const char *line, const char *end, void *elem)
{
	return parse_net_dev_line(line, end, elem);
}

int procfs__parse_net_dev(const char *text, struct net_stat **out, int *n)
{
	return parse_lines(text, sizeof(**out), net_line, (void **)out, n);
}

/* --- /proc/PID/stat ---------------------------------------------------- */

/*
 * "pid (comm) state ppid": comm is printed raw (fs/proc/array.c,
 * proc_task_name(..., false)), so it can hold spaces, parentheses and
 * newlines; nothing after it holds a ')', so it ends at the last one.
 * Leaves *p after ppid, *end at the end of that line.
 */
struct stat_head {
	__u32 pid, ppid;
	const char *comm;
	size_t comm_len;
	char state;
	const char *p, *end;
};

static int parse_stat_head(const char *text, struct stat_head *h)
{
	const char *p = text, *end = text + strlen(text), *rp, *tok;
	size_t len;

	if (next_u32(&p, end, &h->pid))
		return -EINVAL;
	skip_blanks(&p, end);
	if (p == end || *p++ != '(')
		return -EINVAL;
	rp = memrchr(p, ')', (size_t)(end - p));
	if (!rp)
		return -EINVAL;
	h->comm = p;
	h->comm_len = (size_t)(rp - p);
	p = rp + 1;
	end = line_end(p);
	if (p == end || !is_blank(*p) || next_token(&p, end, &tok, &len) || len != 1)
		return -EINVAL;
	h->state = tok[0];
	if (next_u32(&p, end, &h->ppid))
		return -EINVAL;
	h->p = p;
	h->end = end;
	return 0;
}

int procfs__parse_pid_stat(const char *text, long page_size, struct pid_stat *out)
{
	struct stat_head h;
	__u64 f[25] = { 0 }; /* f[i]: field i of man 5 proc, 1-based */
	const char *tok;
	size_t len, n;
	int i;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!text || page_size <= 0 || parse_stat_head(text, &h))
		return -EINVAL;
	for (i = 5; i <= 24; i++) {
		if (next_token(&h.p, h.end, &tok, &len))
			return -EINVAL;
		switch (i) {
		case 10: /* minflt */
		case 12: /* majflt */
		case 14: /* utime */
		case 15: /* stime */
		case 20: /* num_threads */
		case 22: /* starttime */
		case 23: /* vsize */
		case 24: /* rss, pages */
			if (token_u64(tok, len, &f[i]))
				return -EINVAL;
			break;
		default: /* may be negative (tty_nr, tpgid, priority...) */
			break;
		}
	}
	if (f[20] > U32_MAX)
		return -EINVAL;
	out->pid = h.pid;
	out->ppid = h.ppid;
	n = h.comm_len < sizeof(out->comm) - 1 ? h.comm_len : sizeof(out->comm) - 1;
	memcpy(out->comm, h.comm, n);
	out->comm[n] = '\0';
	out->state = h.state;
	out->minflt = f[10];
	out->majflt = f[12];
	out->utime = f[14];
	out->stime = f[15];
	out->num_threads = (__u32)f[20];
	out->starttime = f[22];
	out->vsize = f[23];
	out->rss = mul_sat(f[24], (__u64)page_size);
	return 0;
}

/* --- /proc/PID/status, io, smaps_rollup -------------------------------- */

int procfs__parse_pid_status(const char *text, struct pid_status *out)
{
	enum {
		VOL,
		NONVOL,
		THREADS,
		TGID,
		RSS,
		SIZE,
		SWAP,
		NR
	};
	static const struct kv_key keys[NR] = {
		[VOL] = { "voluntary_ctxt_switches", false },
		[NONVOL] = { "nonvoluntary_ctxt_switches", false },
		[THREADS] = { "Threads", false },
		[TGID] = { "Tgid", false },
		[RSS] = { "VmRSS", true },
		[SIZE] = { "VmSize", true },
		[SWAP] = { "VmSwap", true },
	};
	__u64 v[NR] = { 0 };
	unsigned int found;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	found = parse_kv(text, keys, NR, v);
	if (!(found & (1u << THREADS)) || v[THREADS] > U32_MAX || v[TGID] > U32_MAX)
		return -EINVAL;
	out->tgid = (__u32)v[TGID];
	out->vol_ctxt = v[VOL];
	out->nonvol_ctxt = v[NONVOL];
	out->threads = (__u32)v[THREADS];
	out->vm_rss = v[RSS];
	out->vm_size = v[SIZE];
	out->vm_swap = v[SWAP];
	return 0;
}

int procfs__parse_pid_io(const char *text, struct pid_io *out)
{
	static const struct kv_key keys[] = {
		{ "rchar", false },
		{ "wchar", false },
		{ "syscr", false },
		{ "syscw", false },
		{ "read_bytes", false },
		{ "write_bytes", false },
		{ "cancelled_write_bytes", false },
	};
	enum {
		NR = sizeof(keys) / sizeof(keys[0])
	};
	__u64 v[NR] = { 0 };

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!text || parse_kv(text, keys, NR, v) != (1u << NR) - 1)
		return -EINVAL;
	out->rchar = v[0];
	out->wchar = v[1];
	out->syscr = v[2];
	out->syscw = v[3];
	out->read_bytes = v[4];
	out->write_bytes = v[5];
	out->cancelled_write_bytes = v[6];
	return 0;
}

int procfs__parse_smaps_rollup(const char *text, __u64 *pss_bytes)
{
	static const struct kv_key keys[] = { { "Pss", true } };
	__u64 v = 0;

	if (!pss_bytes)
		return -EINVAL;
	*pss_bytes = 0;
	if (!text || !parse_kv(text, keys, 1, &v))
		return -EINVAL;
	*pss_bytes = v;
	return 0;
}

int procfs__parse_schedstat(const char *text, __u64 *run_ns)
{
	const char *p = text, *end;
	__u64 run, wait, slices;

	if (!run_ns)
		return -EINVAL;
	*run_ns = 0;
	if (!text)
		return -EINVAL;
	end = line_end(text);
	if (next_u64(&p, end, &run) || next_u64(&p, end, &wait) || next_u64(&p, end, &slices) ||
	    !at_end(&p, end))
		return -EINVAL;
	*run_ns = run;
	return 0;
}

/* --- readers ----------------------------------------------------------- */

static int proc_path(char *buf, size_t size, const char *root, const char *rel)
{
	int n = snprintf(buf, size, "%s/%s", root ? root : "/proc", rel);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int procfs__pid_start(const char *proc_root, __u32 pid, __u64 *lo, __u64 *hi)
{
	__u64 tick = 1000000000ULL / (__u64)procfs__ticks_per_sec();
	struct pid_stat ps;
	char rel[32], *text = NULL;
	int err;

	snprintf(rel, sizeof(rel), "%u/stat", pid);
	err = procfs__read(proc_root, rel, &text);
	if (!err)
		err = procfs__parse_pid_stat(text, 4096, &ps);
	free(text);
	if (err)
		return err;
	*lo = ps.starttime * tick;
	*hi = *lo + tick - 1;
	return 0;
}

int procfs__read(const char *proc_root, const char *rel_path, char **text)
{
	size_t len = 0, cap = 4096;
	char path[4096], *buf, *n;
	int fd, err = 0;

	if (!text)
		return -EINVAL;
	*text = NULL;
	if (!rel_path)
		return -EINVAL;
	err = proc_path(path, sizeof(path), proc_root, rel_path);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (cap - len < 2) {
			if (cap >= READ_MAX) {
				err = -EFBIG;
				break;
			}
			n = realloc(buf, cap * 2);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			buf = n;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

int procfs__count_fds(const char *proc_root, __u32 pid)
{
	char rel[32], path[4096];
	struct dirent *de;
	int n = 0, err;
	DIR *d;

	snprintf(rel, sizeof(rel), "%u/fd", pid);
	err = proc_path(path, sizeof(path), proc_root, rel);
	if (err)
		return err;
	d = opendir(path);
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	}
	err = errno ? -errno : 0;
	closedir(d);
	return err ? err : n;
}

struct pid_ppid {
	__u32 pid, ppid;
	bool taken;
};

static int cmp_ppid(const void *a, const void *b)
{
	const struct pid_ppid *x = a, *y = b;

	if (x->ppid != y->ppid)
		return x->ppid < y->ppid ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Every numeric entry of proc_root with a readable stat, as (pid, ppid). */
static int scan_ppids(const char *proc_root, struct pid_ppid **out, int *nr)
{
	struct pid_ppid *arr = NULL;
	int n = 0, cap = 0, err = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(proc_root ? proc_root : "/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat_head h;
		char rel[300], *text;
		__u64 pid;

		if (token_u64(de->d_name, strlen(de->d_name), &pid) || !pid || pid > U32_MAX)
			continue;
		snprintf(rel, sizeof(rel), "%s/stat", de->d_name);
		if (procfs__read(proc_root, rel, &text))
			continue; /* exited meanwhile */
		err = parse_stat_head(text, &h);
		free(text);
		if (err) {
			err = 0;
			continue;
		}
		err = grow((void **)&arr, &cap, n, sizeof(*arr));
		if (err)
			break;
		arr[n].pid = (__u32)pid;
		arr[n].ppid = h.ppid;
		arr[n].taken = false;
		n++;
	}
	closedir(d);
	if (err) {
		free(arr);
		return err;
	}
	*out = arr;
	*nr = n;
	return 0;
}

/* Append the untaken children of parent (all sorted by ppid) to res. */
static int take_children(struct pid_ppid *all, int nr, __u32 parent, __u32 root, __u32 *res, int n)
{
	int lo = 0, hi = nr;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (all[mid].ppid < parent)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < nr && all[lo].ppid == parent; lo++) {
		if (all[lo].taken || all[lo].pid == root)
			continue;
		all[lo].taken = true;
		res[n++] = all[lo].pid;
	}
	return n;
}

int procfs__descendants(const char *proc_root, __u32 pid, __u32 **out)
{
	struct pid_ppid *all = NULL;
	int nr = 0, n, head, err;
	__u32 *res;

	if (!out)
		return -EINVAL;
	*out = NULL;
	err = scan_ppids(proc_root, &all, &nr);
	if (err)
		return err;
	if (!nr) {
		free(all);
		return 0;
	}
	qsort(all, (size_t)nr, sizeof(*all), cmp_ppid);
	res = malloc((size_t)nr * sizeof(*res));
	if (!res) {
		free(all);
		return -ENOMEM;
	}
	/* Breadth first, res doubling as the queue. Each process is taken at
	 * most once and pid itself never, so a ppid cycle (only a fake tree
	 * can have one) cannot loop. */
	n = take_children(all, nr, pid, pid, res, 0);
	for (head = 0; head < n; head++)
		n = take_children(all, nr, res[head], pid, res, n);
	free(all);
	if (!n) {
		free(res);
		return 0;
	}
	*out = res;
	return n;
}

long procfs__ticks_per_sec(void)
{
	long hz = sysconf(_SC_CLK_TCK);

	return hz > 0 ? hz : 100;
}

double procfs__ticks_to_sec(__u64 ticks)
{
	return (double)ticks / (double)procfs__ticks_per_sec();
}

bool procfs__alive(__u32 tgid, __u32 tid)
{
	struct pid_stat st;
	char rel[48], *text = NULL;
	bool alive;

	snprintf(rel, sizeof(rel), "%u/task/%u/stat", tgid, tid);
	if (procfs__read("/proc", rel, &text))
		return false;
	alive = !procfs__parse_pid_stat(text, 4096, &st) && st.state != 'Z' && st.state != 'X';
	free(text);
	return alive;
}

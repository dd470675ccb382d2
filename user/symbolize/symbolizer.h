/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * symbolizer: turns kernel and user addresses into function names.
 *
 * It keeps, per process incarnation (a PID and the start time of the
 * process that had it: a PID reused by a new process is another
 * incarnation), the history of its executable mappings, fed from
 * /proc/PID/maps (processes that exist when recording starts) and from
 * perf MMAP2/FORK/COMM-exec/EXIT records (processes and libraries that
 * appear later). Because the mappings are captured while the process is
 * alive, processes that have exited by the time a profile is symbolized
 * resolve like any other.
 *
 * A frame gets a name only from the very file that was mapped. Each
 * mapping carries the identity of its file (device, inode and inode
 * generation, from the record or the maps line); the file is opened
 * through /proc/PID/map_files at first sight, while the process lives, and
 * held open, so a binary replaced or deleted later, or a same-path decoy
 * in another mount namespace, cannot lend its names. A file opened any
 * other way (inside the process's root, or by path once it has exited) is
 * used only when its identity equals the mapping's; otherwise the frame
 * is module+0xOFF.
 */
#ifndef EMBER_SYMBOLIZER_H
#define EMBER_SYMBOLIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "symbolize/mmap_tracker.h"

struct symbolizer;

struct symbolizer_opts {
	const char *proc_dir;	   /* default "/proc" (tests point it at fixtures) */
	const char *kallsyms_path; /* default "/proc/kallsyms" */
	const char *debug_dir;	   /* default "/usr/lib/debug" */
};

enum sym_status {
	SYM_OK = 0,	/* name is set */
	SYM_NO_SYMBOL,	/* mapping known, no symbol covers the address: module+offset */
	SYM_NO_MAPPING, /* no mapping covers the address: [unknown] */
};

struct sym_result {
	enum sym_status status;
	const char *name;   /* symbol name (SYM_OK), owned by the symbolizer */
	const char *module; /* path of the mapped file ("[vdso]", ...), NULL for SYM_NO_MAPPING */
	__u64 offset;	    /* SYM_OK: addr - symbol start; SYM_NO_SYMBOL: file offset in module */
	/* user: file offset of addr in module (whatever the status, if mapped);
	 * kernel: addr */
	__u64 file_offset;
	/* GNU build id of module in lowercase hex, NULL if unknown; owned by
	 * the symbolizer. From the mmap record, else read from the file. */
	const char *build_id;
};

struct symbolizer_stats {
	__u64 dsos_opened;	    /* ELF files loaded */
	__u64 dsos_failed;	    /* could not be opened or parsed */
	__u64 build_id_mismatch;    /* file on disk differs from the mapped one */
	__u64 files_held;	    /* mapped files opened at first sight and held */
	__u64 files_unverified;	    /* mapped files never opened as provably themselves */
	__u64 debug_files_used;	    /* symbols came from a debuglink / .build-id file */
	__u64 debug_files_rejected; /* debug file candidates with a wrong build id or CRC */
	__u64 kernel_unavailable;   /* 1 if kallsyms is unreadable or all zero (kptr_restrict) */
};

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts);
void symbolizer__free(struct symbolizer *s);

/* CLOCK_BOOTTIME in ns: the clock of the side-band records and of the
 * start times in /proc/PID/stat, so incarnations match both. */
__u64 symbolizer__now(void);

/* One executable mapping, from a MMAP2 record (or a test). */
struct sym_mmap {
	__u32 tgid;
	__u64 start, len, pgoff;
	/* identity of the mapped file: ino 0 if unknown (then build_id, if
	 * any, is the only identity; with neither the file is never read) */
	__u32 dev_major, dev_minor;
	__u64 ino, ino_generation;
	const __u8 *build_id;
	unsigned int build_id_size;
	const char *path;
	__u64 time;
};

/* Address-space tracking. time is symbolizer__now()'s clock; records may arrive
 * slightly out of order across CPUs, so every record is placed by its
 * time, in the incarnation of the PID that lived then. */
int symbolizer__scan_pid(struct symbolizer *s, __u32 tgid, __u64 time);
void symbolizer__mmap(struct symbolizer *s, const struct sym_mmap *m);
void symbolizer__fork(struct symbolizer *s, __u32 parent_tgid, __u32 child_tgid, __u64 time);
void symbolizer__exec(struct symbolizer *s, __u32 tgid, __u64 time);
/* The process exited (PERF_RECORD_EXIT of its leader). Its mappings stay
 * (stacks it left are still to be named) until a long-running view, once
 * it has named every stack taken before `before`, forgets the processes
 * that exited earlier; the number forgotten. Files no process maps any
 * more are closed then. */
void symbolizer__exit(struct symbolizer *s, __u32 tgid, __u64 time);
size_t symbolizer__forget_exited(struct symbolizer *s, __u64 before);
/* The four above as an mmap tracker's listener, its ctx the symbolizer. */
extern const struct mmap_listener symbolizer__listener;

/*
 * Lookups name the process by PID and start time (the kernel's
 * task->group_leader->start_boottime, ns, as the BPF programs record it);
 * start 0 means the newest incarnation known.
 */
bool symbolizer__knows(const struct symbolizer *s, __u32 tgid, __u64 start);
/* Scan /proc/PID/maps if this incarnation is unknown and the PID was not
 * scanned for it before (a PID whose process is gone is scanned once). */
void symbolizer__ensure(struct symbolizer *s, __u32 tgid, __u64 start, __u64 time);

/* Callers pass a return address minus one (raw_frame__lookup_addr). */
int symbolizer__user(struct symbolizer *s, __u32 tgid, __u64 start, __u64 addr,
		     struct sym_result *res);
int symbolizer__kernel(struct symbolizer *s, __u64 addr, struct sym_result *res);
/* Whether the function at a user address had set up its frame pointer
 * there (see elf_dso__frame_state): 1 yes, 0 no, -1 unknown. */
int symbolizer__user_frame(struct symbolizer *s, __u32 tgid, __u64 start, __u64 addr);

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *st);

#endif

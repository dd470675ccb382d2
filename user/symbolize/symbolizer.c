// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * symbolizer: per-incarnation mapping history plus shared ELF symbol tables.
 *
 * A mapping points at an "obj": the mapped file as the record named it
 * (path, and its identity: device, inode and inode generation, or a build
 * id). An obj is named from a "held file": a descriptor opened through
 * /proc/PID/map_files while the mapping existed (so it is the very file),
 * or opened another way and found to have the obj's identity. Held files
 * are kept open: an inode cannot be reused while we hold it, so a later
 * mapping with the same device and inode is provably the same file
 * without opening anything. ELF symbols are loaded once per held file and
 * shared between files with the same build id, so libc is parsed once
 * however many processes and containers map it.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "lib/array.h"
#include "symbolize/elf_dso.h"
#include "lib/file_open.h"
#include "lib/hash.h"
#include "lib/hashmap.h"
#include "symbolize/ksyms.h"
#include "sys/proc_maps.h"
#include "sys/procfs.h"
#include "symbolize/symbolizer.h"

/* Far more than any real vDSO; bounds what we trust from its headers. */
#define VDSO_MAX_SIZE (1024 * 1024)
/* The kernel stamps a process's start time early in fork and its FORK
 * record at the end of it: the start lies at most this much before. */
#define FORK_SLACK_NS (2ULL * 1000000000ULL)

static const char kernel_module[] = "[kernel.kallsyms]";
static const char anon_module[] = "[anon]";
static const char vdso_path[] = "[vdso]";
static const char memfd_prefix[] = "/memfd:";
static const char deleted_suffix[] = " (deleted)";

enum obj_state {
	OBJ_UNLOADED,
	OBJ_LOADED,
	OBJ_FAILED,
};

/* A mapped file we opened and hold. */
struct held_file {
	struct file_identity id;
	int fd;
	__u64 opened_at;     /* record clock: mappings seen after it are this file */
	struct elf_dso *elf; /* owned by symbolizer.dsos; NULL until loaded */
	bool load_failed;
	bool mark;
};

struct obj {
	char *path;  /* as mapped: where debuglinks are looked for */
	char *label; /* module shown: the path, or [memfd:NAME], [anon]... */
	__u8 build_id[ELF_DSO_BUILD_ID_MAX];
	unsigned int build_id_size;
	bool has_inode;
	__u64 dev;
	__u64 inode;
	__u32 gen;
	bool has_gen;
	enum obj_state state;
	struct held_file *file; /* NULL until proven */
	struct elf_dso *elf;	/* owned by symbolizer.dsos */
	char *build_id_hex;	/* made on first use; NULL if none known */
	bool mark;
};

/* What an obj is looked up by: get_obj's arguments. */
struct obj_key {
	const char *path;
	const __u8 *build_id;
	unsigned int build_id_size;
	bool has_inode;
	__u64 dev;
	__u64 inode;
	bool has_gen;
	__u32 gen;
};

struct map {
	__u64 start;
	__u64 end;
	__u64 pgoff; /* file offset of start */
	__u64 time;
	struct obj *obj;
};

/* One process that had this PID: born (its start time, record clock)
 * somewhere in [born_lo, born_hi]. A provisional one was seen in records
 * before its FORK record arrived: only born_hi is known. */
struct proc {
	__u32 tgid;
	__u64 born_lo, born_hi;
	bool provisional;
	bool has_exec;
	__u64 last_exec;
	struct map *maps; /* sorted by start, non-overlapping */
	size_t nr;
	size_t cap;
	/* The images before exec: stacks taken then (an allocation counted
	 * before the exec) are still named, by the newest image holding the
	 * address when the current one does not. Newest last. */
	struct map *old;
	size_t nr_old;
	__u64 exited;	    /* when it exited (PERF_RECORD_EXIT), 0 while alive */
	struct proc *older; /* the incarnation made before, same PID */
};

/* A (PID, start) whose scan found another process or none. */
struct miss {
	__u32 tgid;
	__u64 start;
};

struct symbolizer {
	char *proc_dir;
	char *kallsyms_path;
	char *debug_dir;
	/* Each table an array found through a hashmap of its positions;
	 * removing entries compacts the array and renumbers the map. */
	struct proc **pids; /* per PID its newest incarnation, older behind it */
	size_t nr_pids, cap_pids;
	struct hashmap *pid_index;
	struct obj **objs;
	size_t nr_objs, cap_objs;
	struct hashmap *obj_index;
	struct held_file **files;
	size_t nr_files, cap_files;
	struct hashmap *file_index;
	struct miss *misses;
	size_t nr_misses, cap_misses;
	struct hashmap *miss_index;
	size_t nr_held, max_held;
	struct elf_dso **dsos;
	size_t nr_dsos;
	struct elf_dso *vdso;
	bool vdso_tried;
	struct ksyms *ksyms;
	bool ksyms_tried;
	/* the kernel's internal shmem mount (memfds, shared anonymous
	 * memory): a mapping on it is no file on any disk */
	__u64 shm_dev;
	bool has_shm_dev;
	struct symbolizer_stats stats;
};

static uint64_t pid_hash(__u32 tgid)
{
	return fnv1a_bytes(FNV1A_SEED, &tgid, sizeof(tgid));
}

static bool pid_equal(uint32_t id, const void *key, void *ctx)
{
	return ((const struct symbolizer *)ctx)->pids[id]->tgid == *(const __u32 *)key;
}

/* Objs hash by path alone: the rest of the key rarely tells apart two
 * objs of one path. */
static uint64_t obj_hash(const char *path)
{
	return fnv1a_str(FNV1A_SEED, path);
}

static bool obj_equal(uint32_t id, const void *key, void *ctx)
{
	const struct obj *o = ((const struct symbolizer *)ctx)->objs[id];
	const struct obj_key *k = key;

	return !strcmp(o->path, k->path) && o->build_id_size == k->build_id_size &&
	       !memcmp(o->build_id, k->build_id ? k->build_id : o->build_id, k->build_id_size) &&
	       o->has_inode == k->has_inode &&
	       (!k->has_inode || (o->dev == k->dev && o->inode == k->inode)) &&
	       o->has_gen == k->has_gen && (!k->has_gen || o->gen == k->gen);
}

/* Held files are one per (device, inode). */
static uint64_t file_hash(__u64 dev, __u64 ino)
{
	return fnv1a_u64(fnv1a_u64(FNV1A_SEED, dev), ino);
}

static bool file_equal(uint32_t id, const void *key, void *ctx)
{
	const struct held_file *f = ((const struct symbolizer *)ctx)->files[id];
	const __u64 *dev_ino = key;

	return f->id.dev == dev_ino[0] && f->id.ino == dev_ino[1];
}

static uint64_t miss_hash(__u32 tgid, __u64 start)
{
	return fnv1a_u64(fnv1a_bytes(FNV1A_SEED, &tgid, sizeof(tgid)), start);
}

static bool miss_equal(uint32_t id, const void *key, void *ctx)
{
	const struct miss *m = &((const struct symbolizer *)ctx)->misses[id];
	const struct miss *k = key;

	return m->tgid == k->tgid && m->start == k->start;
}

__u64 symbolizer__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The device of memfds, from one of our own. */
static void find_shm_dev(struct symbolizer *s)
{
	struct stat st;
	int fd = memfd_create("ember-shm-probe", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (!fstat(fd, &st)) {
		s->shm_dev = st.st_dev;
		s->has_shm_dev = true;
	}
	close(fd);
}

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *s;
	struct rlimit rl;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->proc_dir = strdup(opts && opts->proc_dir ? opts->proc_dir : "/proc");
	s->kallsyms_path =
	    strdup(opts && opts->kallsyms_path ? opts->kallsyms_path : "/proc/kallsyms");
	s->debug_dir = strdup(opts && opts->debug_dir ? opts->debug_dir : "/usr/lib/debug");
	s->pid_index = hashmap__new(pid_equal, s);
	s->obj_index = hashmap__new(obj_equal, s);
	s->file_index = hashmap__new(file_equal, s);
	s->miss_index = hashmap__new(miss_equal, s);
	if (!s->proc_dir || !s->kallsyms_path || !s->debug_dir || !s->pid_index || !s->obj_index ||
	    !s->file_index || !s->miss_index) {
		symbolizer__free(s);
		return NULL;
	}
	/* Half the descriptors we may have, the rest for everything else;
	 * past that, files are opened when named and not held. */
	s->max_held = 128;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur > 512)
		s->max_held = rl.rlim_cur == RLIM_INFINITY ? 65536 : (rl.rlim_cur - 256) / 2;
	find_shm_dev(s);
	return s;
}

static void free_proc(struct proc *p)
{
	free(p->maps);
	free(p->old);
	free(p);
}

static void free_obj(struct obj *o)
{
	free(o->path);
	free(o->label);
	free(o->build_id_hex);
	free(o);
}

static void free_file(struct symbolizer *s, struct held_file *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		s->nr_held--;
	}
	free(f);
}

void symbolizer__free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_pids; i++) {
		struct proc *p = s->pids[i], *n;

		for (; p; p = n) {
			n = p->older;
			free_proc(p);
		}
	}
	free(s->pids);
	hashmap__free(s->pid_index);
	for (i = 0; i < s->nr_objs; i++)
		free_obj(s->objs[i]);
	free(s->objs);
	hashmap__free(s->obj_index);
	for (i = 0; i < s->nr_files; i++)
		free_file(s, s->files[i]);
	free(s->files);
	hashmap__free(s->file_index);
	free(s->misses);
	hashmap__free(s->miss_index);
	for (i = 0; i < s->nr_dsos; i++)
		elf_dso__free(s->dsos[i]);
	free(s->dsos);
	elf_dso__free(s->vdso);
	ksyms__free(s->ksyms);
	free(s->proc_dir);
	free(s->kallsyms_path);
	free(s->debug_dir);
	free(s);
}

/* ---- incarnations ---- */

/* Where tgid's incarnations are in s->pids, if it has any. */
static bool pid_pos(const struct symbolizer *s, __u32 tgid, uint32_t *pos)
{
	return hashmap__find(s->pid_index, pid_hash(tgid), &tgid, pos);
}

/* tgid's newest incarnation, the others behind it; NULL if none. */
static struct proc *incarnations(const struct symbolizer *s, __u32 tgid)
{
	uint32_t pos;

	return pid_pos(s, tgid, &pos) ? s->pids[pos] : NULL;
}

static struct proc *new_proc(struct symbolizer *s, __u32 tgid, __u64 lo, __u64 hi, bool provisional)
{
	struct proc *p = calloc(1, sizeof(*p));
	uint32_t pos;

	if (!p)
		return NULL;
	p->tgid = tgid;
	p->born_lo = lo;
	p->born_hi = hi;
	p->provisional = provisional;
	if (pid_pos(s, tgid, &pos)) {
		p->older = s->pids[pos];
		s->pids[pos] = p;
		return p;
	}
	if (array__grow((void **)&s->pids, &s->cap_pids, s->nr_pids + 1, sizeof(*s->pids), 64) ||
	    hashmap__add(s->pid_index, pid_hash(tgid), (uint32_t)s->nr_pids)) {
		free_proc(p);
		return NULL;
	}
	s->pids[s->nr_pids++] = p;
	return p;
}

/* The incarnation whose process started at start (0: the newest one):
 * of those whose birth range holds it, the one born earliest, so that a
 * process whose exit record was lost does not claim its successor's. */
static struct proc *find_proc(const struct symbolizer *s, __u32 tgid, __u64 start)
{
	struct proc *p, *best = NULL;

	for (p = incarnations(s, tgid); p; p = p->older) {
		if (!start) {
			if (!best || p->born_hi > best->born_hi)
				best = p;
			continue;
		}
		if (start < p->born_lo || start > p->born_hi || (p->exited && p->exited < start))
			continue;
		if (!best || p->born_hi < best->born_hi)
			best = p;
	}
	return best;
}

/* The incarnation that lived at time t (a record's stamp): the newest born
 * by then that had not exited before. Out-of-order records of a process
 * whose FORK record is still to come make a provisional one. */
static struct proc *proc_at(struct symbolizer *s, __u32 tgid, __u64 t, bool create)
{
	struct proc *p, *best = NULL, *prov = NULL;

	for (p = incarnations(s, tgid); p; p = p->older) {
		if (p->provisional && !p->exited && (!prov || p->born_hi > prov->born_hi))
			prov = p;
		if (p->born_hi > t || (p->exited && p->exited < t))
			continue;
		if (!best || p->born_hi > best->born_hi)
			best = p;
	}
	if (best)
		return best;
	if (prov) {
		/* an even earlier record of the same unborn process */
		prov->born_hi = t;
		return prov;
	}
	return create ? new_proc(s, tgid, 0, t, true) : NULL;
}

void symbolizer__exit(struct symbolizer *s, __u32 tgid, __u64 time)
{
	struct proc *p = s ? proc_at(s, tgid, time, false) : NULL;

	if (p && (!p->exited || time < p->exited))
		p->exited = time ? time : 1;
}

static void sweep_files(struct symbolizer *s);

size_t symbolizer__forget_exited(struct symbolizer *s, __u64 before)
{
	size_t n = 0, kept = 0;

	for (size_t i = 0; s && i < s->nr_pids; i++) {
		struct proc **pp = &s->pids[i];

		while (*pp) {
			struct proc *p = *pp;

			if (p->exited && p->exited < before) {
				*pp = p->older;
				free_proc(p);
				n++;
				continue;
			}
			pp = &p->older;
		}
		if (s->pids[i])
			s->pids[kept++] = s->pids[i];
	}
	if (s && kept < s->nr_pids) {
		s->nr_pids = kept;
		hashmap__clear(s->pid_index);
		/* cannot fail: clearing kept the slots, and fewer go back */
		for (size_t i = 0; i < kept; i++)
			hashmap__add(s->pid_index, pid_hash(s->pids[i]->tgid), (uint32_t)i);
	}
	if (n)
		sweep_files(s);
	return n;
}

bool symbolizer__knows(const struct symbolizer *s, __u32 tgid, __u64 start)
{
	return s && find_proc(s, tgid, start);
}

void symbolizer__ensure(struct symbolizer *s, __u32 tgid, __u64 start, __u64 time)
{
	struct miss key = { .tgid = tgid, .start = start };
	uint64_t h = miss_hash(tgid, start);
	uint32_t id;

	if (!s || symbolizer__knows(s, tgid, start))
		return;
	if (hashmap__find(s->miss_index, h, &key, &id))
		return;
	symbolizer__scan_pid(s, tgid, time);
	if (symbolizer__knows(s, tgid, start))
		return;
	/* out of memory: the next sample of it scans again */
	if (array__grow((void **)&s->misses, &s->cap_misses, s->nr_misses + 1, sizeof(*s->misses),
			64) ||
	    hashmap__add(s->miss_index, h, (uint32_t)s->nr_misses))
		return;
	s->misses[s->nr_misses++] = key;
}

/* ---- files ---- */

static bool same_identity(const struct obj *o, const struct file_identity *id)
{
	if (!o->has_inode || o->dev != id->dev || o->inode != id->ino)
		return false;
	/* Where both know the generation, a reused inode number shows. */
	return !o->has_gen || !id->has_gen || o->gen == id->gen;
}

/* The held file of (dev, ino), open or closed; NULL if none. */
static struct held_file *file_at(const struct symbolizer *s, __u64 dev, __u64 ino)
{
	const __u64 key[2] = { dev, ino };
	uint32_t id;

	return hashmap__find(s->file_index, file_hash(dev, ino), key, &id) ? s->files[id] : NULL;
}

/* A held file that is provably o's without opening anything: same device
 * and inode, and either the mapping was seen while we held the file (its
 * inode could not be reused meanwhile) or the generations agree. */
static struct held_file *held_for(struct symbolizer *s, const struct obj *o, __u64 seen)
{
	struct held_file *f;

	if (!o->has_inode)
		return NULL;
	f = file_at(s, o->dev, o->inode);
	if (!f || f->fd < 0)
		return NULL;
	if (seen >= f->opened_at || (o->has_gen && f->id.has_gen && o->gen == f->id.gen))
		return f;
	return NULL;
}

/* Take fd (a regular file just opened) as o's file if its identity is
 * o's; fd is closed unless it is kept. */
static struct held_file *adopt_fd(struct symbolizer *s, struct obj *o, int fd)
{
	struct file_identity id;
	struct held_file *f;

	if (file_identity__of_fd(fd, &id) || !same_identity(o, &id)) {
		close(fd);
		return NULL;
	}
	f = file_at(s, id.dev, id.ino);
	if (f && f->fd >= 0) {
		/* both open now: the same inode */
		close(fd);
		return f;
	}
	if (!f) {
		f = calloc(1, sizeof(*f));
		if (!f ||
		    array__grow((void **)&s->files, &s->cap_files, s->nr_files + 1,
				sizeof(*s->files), 64) ||
		    hashmap__add(s->file_index, file_hash(id.dev, id.ino), (uint32_t)s->nr_files)) {
			free(f);
			close(fd);
			return NULL;
		}
		s->files[s->nr_files++] = f;
	}
	f->id = id;
	f->fd = fd;
	f->opened_at = symbolizer__now();
	s->nr_held++;
	s->stats.files_held++;
	return f;
}

static int open_map_file(struct symbolizer *s, __u32 tgid, __u64 start, __u64 end)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%u/map_files/%llx-%llx", s->proc_dir, tgid,
		 (unsigned long long)start, (unsigned long long)end);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return file_check_regular(fd < 0 ? -errno : fd);
}

/* At first sight of a mapping, while its process most likely lives: open
 * the very file through map_files and hold it. */
static void hold_at_sight(struct symbolizer *s, struct obj *o, __u32 tgid, const struct map *m)
{
	int fd;

	if (o->file || o->elf || !o->has_inode)
		return;
	o->file = held_for(s, o, m->time);
	if (o->file || s->nr_held >= s->max_held)
		return;
	fd = open_map_file(s, tgid, m->start, m->end);
	if (fd >= 0)
		o->file = adopt_fd(s, o, fd);
}

/* Close the held files no process maps any more, and forget the objs
 * nobody maps (their identity is then no longer pinned: a new file could
 * get the inode). Loaded symbols stay cached by build id. */
static void sweep_files(struct symbolizer *s)
{
	size_t i, j, kept;

	for (i = 0; i < s->nr_pids; i++) {
		for (struct proc *p = s->pids[i]; p; p = p->older) {
			for (j = 0; j < p->nr; j++)
				p->maps[j].obj->mark = true;
			for (j = 0; j < p->nr_old; j++)
				p->old[j].obj->mark = true;
		}
	}
	for (i = 0, kept = 0; i < s->nr_objs; i++) {
		struct obj *o = s->objs[i];

		if (!o->mark) {
			free_obj(o);
			continue;
		}
		o->mark = false;
		if (o->file)
			o->file->mark = true;
		s->objs[kept++] = o;
	}
	if (kept < s->nr_objs) {
		s->nr_objs = kept;
		hashmap__clear(s->obj_index);
		/* cannot fail: clearing kept the slots, and fewer go back */
		for (i = 0; i < kept; i++)
			hashmap__add(s->obj_index, obj_hash(s->objs[i]->path), (uint32_t)i);
	}
	for (i = 0, kept = 0; i < s->nr_files; i++) {
		struct held_file *f = s->files[i];

		if (!f->mark) {
			free_file(s, f);
			continue;
		}
		f->mark = false;
		s->files[kept++] = f;
	}
	if (kept < s->nr_files) {
		s->nr_files = kept;
		hashmap__clear(s->file_index);
		for (i = 0; i < kept; i++)
			hashmap__add(s->file_index,
				     file_hash(s->files[i]->id.dev, s->files[i]->id.ino),
				     (uint32_t)i);
	}
}

/* What the module of a mapping is called: its path, unless it is no file
 * on any disk (a memfd, shared anonymous memory) or has no usable path. */
static char *make_label(const struct symbolizer *s, const char *path, bool has_inode, __u64 dev)
{
	size_t len = strlen(path);
	char *l;

	if (!path[0] || !strcmp(path, "//anon"))
		return strdup(anon_module);
	if (!strcmp(path, "//toolong"))
		return strdup("[path too long]");
	if (has_inode && s->has_shm_dev && dev == s->shm_dev) {
		if (strncmp(path, memfd_prefix, sizeof(memfd_prefix) - 1))
			return strdup("[anon:shared]");
		path += sizeof(memfd_prefix) - 1;
		len -= sizeof(memfd_prefix) - 1;
		/* the kernel adds one " (deleted)": a memfd has no name on disk */
		if (len >= sizeof(deleted_suffix) - 1 &&
		    !strcmp(path + len - (sizeof(deleted_suffix) - 1), deleted_suffix))
			len -= sizeof(deleted_suffix) - 1;
		if (asprintf(&l, "[memfd:%.*s]", (int)len, path) < 0)
			return NULL;
		return l;
	}
	return strdup(path);
}

static struct obj *get_obj(struct symbolizer *s, const char *path, const __u8 *build_id,
			   unsigned int build_id_size, bool has_inode, __u64 dev, __u64 inode,
			   bool has_gen, __u32 gen)
{
	uint64_t h = obj_hash(path);
	struct obj_key key;
	struct obj *o;
	uint32_t id;

	if (build_id_size > ELF_DSO_BUILD_ID_MAX)
		build_id_size = 0; /* not a GNU build id we could compare */
	if (!build_id)
		build_id_size = 0;
	key = (struct obj_key){ .path = path,
				.build_id = build_id,
				.build_id_size = build_id_size,
				.has_inode = has_inode,
				.dev = dev,
				.inode = inode,
				.has_gen = has_gen,
				.gen = gen };
	if (hashmap__find(s->obj_index, h, &key, &id))
		return s->objs[id];
	if (array__grow((void **)&s->objs, &s->cap_objs, s->nr_objs + 1, sizeof(*s->objs), 64))
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->path = strdup(path);
	o->label = make_label(s, path, has_inode, dev);
	if (!o->path || !o->label) {
		free_obj(o);
		return NULL;
	}
	if (build_id_size)
		memcpy(o->build_id, build_id, build_id_size);
	o->build_id_size = build_id_size;
	o->has_inode = has_inode;
	o->dev = dev;
	o->inode = inode;
	o->has_gen = has_gen;
	o->gen = gen;
	if (hashmap__add(s->obj_index, h, (uint32_t)s->nr_objs)) {
		free_obj(o);
		return NULL;
	}
	s->objs[s->nr_objs++] = o;
	return o;
}

static int reserve_maps(struct proc *p, size_t extra)
{
	struct map *n;
	size_t cap;

	if (p->nr + extra <= p->cap)
		return 0;
	cap = p->cap ? p->cap : 16;
	while (cap < p->nr + extra)
		cap *= 2;
	n = realloc(p->maps, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->maps = n;
	p->cap = cap;
	return 0;
}

/* Put m in place, cutting whatever it overlaps out of older maps. */
static int replace_range(struct proc *p, const struct map *m)
{
	size_t i, pos;

	if (reserve_maps(p, 2))
		return -ENOMEM;
	for (i = 0; i < p->nr;) {
		struct map *o = &p->maps[i];

		if (o->end <= m->start || o->start >= m->end) {
			i++;
			continue;
		}
		if (o->start < m->start && o->end > m->end) {
			/* m punches a hole: split o in two. */
			struct map right = *o;

			right.pgoff += m->end - o->start;
			right.start = m->end;
			o->end = m->start;
			memmove(&p->maps[i + 2], &p->maps[i + 1], (p->nr - i - 1) * sizeof(*o));
			p->maps[i + 1] = right;
			p->nr++;
			i += 2;
		} else if (o->start < m->start) {
			o->end = m->start;
			i++;
		} else if (o->end > m->end) {
			o->pgoff += m->end - o->start;
			o->start = m->end;
			i++;
		} else {
			memmove(o, o + 1, (p->nr - i - 1) * sizeof(*o));
			p->nr--;
		}
	}
	for (pos = 0; pos < p->nr && p->maps[pos].start < m->start; pos++)
		;
	memmove(&p->maps[pos + 1], &p->maps[pos], (p->nr - pos) * sizeof(*m));
	p->maps[pos] = *m;
	p->nr++;
	return 0;
}

/* Records can arrive out of order across CPUs: a map only replaces maps
 * that are not newer than itself, so it goes into the gaps left by newer
 * ones. Maps older than the last exec belong to the previous image. */
static int insert_map(struct proc *p, const struct map *m)
{
	__u64 cur = m->start;
	size_t i;

	if (m->end <= m->start || (p->has_exec && m->time < p->last_exec))
		return 0;
	while (cur < m->end) {
		struct map piece = *m;
		__u64 next_newer_start = m->end, skip_to = m->end;

		/* First newer map overlapping [cur, end). */
		for (i = 0; i < p->nr; i++) {
			const struct map *o = &p->maps[i];

			if (o->time > m->time && o->end > cur && o->start < m->end) {
				next_newer_start = o->start > cur ? o->start : cur;
				skip_to = o->end;
				break;
			}
		}
		if (next_newer_start > cur) {
			piece.start = cur;
			piece.end = next_newer_start;
			piece.pgoff = m->pgoff + (cur - m->start);
			if (replace_range(p, &piece))
				return -ENOMEM;
		}
		cur = skip_to;
	}
	return 0;
}

static const struct map *find_current_map(const struct proc *p, __u64 addr)
{
	size_t lo = 0, hi = p->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < p->maps[lo - 1].end)
		return &p->maps[lo - 1];
	return NULL;
}

/* The current image's map of addr, else the newest older image's. */
static const struct map *find_map(const struct proc *p, __u64 addr)
{
	const struct map *m = find_current_map(p, addr);

	for (size_t i = p->nr_old; !m && i-- > 0;)
		if (p->old[i].start <= addr && addr < p->old[i].end)
			m = &p->old[i];
	return m;
}

/* Birth range of the process now at tgid (procfs__pid_start: the boot
 * clock, the records' clock too). */
static int read_birth(struct symbolizer *s, __u32 tgid, __u64 *lo, __u64 *hi)
{
	return procfs__pid_start(s->proc_dir, tgid, lo, hi);
}

/* The incarnation a scan found alive, born in [lo, hi]. */
static struct proc *scanned_proc(struct symbolizer *s, __u32 tgid, __u64 lo, __u64 hi)
{
	struct proc *p;

	for (p = incarnations(s, tgid); p; p = p->older) {
		if (p->exited && p->exited < lo)
			continue;
		if (p->provisional && p->born_hi >= lo) {
			p->provisional = false;
			p->born_lo = lo;
			p->born_hi = hi > p->born_hi ? p->born_hi : hi;
			return p;
		}
		if (!p->provisional && p->born_lo <= hi && lo <= p->born_hi)
			return p;
	}
	return new_proc(s, tgid, lo, hi, false);
}

int symbolizer__scan_pid(struct symbolizer *s, __u32 tgid, __u64 time)
{
	struct proc_maps *pm = NULL;
	__u64 lo, hi, lo2, hi2;
	struct proc *p;
	char *path, *raw = NULL;
	bool born_known;
	size_t i;
	int err = 0;

	if (!s)
		return -EINVAL;
	if (asprintf(&path, "%s/%u/maps", s->proc_dir, tgid) < 0)
		return -ENOMEM;
	born_known = !read_birth(s, tgid, &lo, &hi);
	pm = proc_maps__read(path);
	if (!pm) {
		err = errno ? -errno : -EIO;
		goto cleanup;
	}
	if (!born_known) {
		/* no start time to be read (fixtures): born before now */
		lo = 0;
		hi = time;
	} else if (read_birth(s, tgid, &lo2, &hi2) || lo2 != lo) {
		err = -ESRCH; /* the PID changed hands while we read */
		goto cleanup;
	}
	p = scanned_proc(s, tgid, lo, hi);
	if (!p) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < proc_maps__nr(pm); i++) {
		const struct proc_map *e = proc_maps__entry(pm, i);
		const char *name = e->path;
		struct map m;

		/* Only code is ever looked up. */
		if (e->perms[2] != 'x')
			continue;
		/* A memfd's own name may end in " (deleted)": give it back the
		 * suffix the parser took, so the label drops only the kernel's. */
		if (e->deleted && !strncmp(name, memfd_prefix, sizeof(memfd_prefix) - 1)) {
			free(raw);
			if (asprintf(&raw, "%s%s", name, deleted_suffix) < 0) {
				raw = NULL;
				err = -ENOMEM;
				goto cleanup;
			}
			name = raw;
		}
		m.start = e->start;
		m.end = e->end;
		m.pgoff = e->offset;
		m.time = time;
		m.obj = get_obj(s, name, NULL, 0, e->inode != 0,
				makedev(e->dev_major, e->dev_minor), e->inode, false, 0);
		if (!m.obj || insert_map(p, &m)) {
			err = -ENOMEM;
			goto cleanup;
		}
		hold_at_sight(s, m.obj, tgid, &m);
	}
cleanup:
	proc_maps__free(pm);
	free(raw);
	free(path);
	return err;
}

/* Whether the process now at p's PID is p (its start time in p's range). */
static bool still_alive(struct symbolizer *s, const struct proc *p)
{
	__u64 lo, hi;

	return !p->exited && !read_birth(s, p->tgid, &lo, &hi) && lo <= p->born_hi &&
	       (p->provisional || p->born_lo <= hi);
}

/* The kernel names a file whose path is longer than PATH_MAX "//toolong"
 * and gives no device or inode with it. While the very process that
 * mapped it lives, map_files still opens the file: take the identity from
 * there, as if the record had carried it. */
static void too_long(struct symbolizer *s, struct proc *p, struct map *m)
{
	struct file_identity id;
	int fd;

	fd = still_alive(s, p) ? open_map_file(s, p->tgid, m->start, m->end) : -ESRCH;
	if (fd >= 0 && file_identity__of_fd(fd, &id)) {
		close(fd);
		fd = -EIO;
	}
	m->obj = fd < 0
		     ? get_obj(s, "//toolong", NULL, 0, false, 0, 0, false, 0)
		     : get_obj(s, "//toolong", NULL, 0, true, id.dev, id.ino, id.has_gen, id.gen);
	if (!m->obj || insert_map(p, m)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (fd >= 0 && !m->obj->file)
		m->obj->file = adopt_fd(s, m->obj, fd);
	else if (fd >= 0)
		close(fd);
}

void symbolizer__mmap(struct symbolizer *s, const struct sym_mmap *r)
{
	struct proc *p;
	struct map m;

	if (!s || !r->len || r->start + r->len < r->start)
		return;
	p = proc_at(s, r->tgid, r->time, true);
	if (!p)
		return;
	m.start = r->start;
	m.end = r->start + r->len;
	m.pgoff = r->pgoff;
	m.time = r->time;
	if (!r->ino && r->path && !strcmp(r->path, "//toolong")) {
		too_long(s, p, &m);
		return;
	}
	m.obj = get_obj(s, r->path ? r->path : "", r->build_id, r->build_id_size, r->ino != 0,
			makedev(r->dev_major, r->dev_minor), r->ino, r->ino != 0,
			(__u32)r->ino_generation);
	if (!m.obj || insert_map(p, &m))
		return;
	hold_at_sight(s, m.obj, r->tgid, &m);
}

/* The child's incarnation for a FORK record at time: the provisional one
 * its own earlier-arriving records made, else a new one; whatever had
 * the PID before has exited by now. */
/* The child's incarnation for a FORK record at time: the provisional one
 * its own earlier-arriving records made, else a new one. Whatever had the
 * PID before had exited by then: records placed there that are newer
 * than the fork (an exit, maps: they reached us before the FORK record)
 * are the child's. */
static struct proc *forked_proc(struct symbolizer *s, __u32 tgid, __u64 time)
{
	__u64 lo = time > FORK_SLACK_NS ? time - FORK_SLACK_NS : 0;
	struct proc *p, *child = NULL;

	for (p = incarnations(s, tgid); p; p = p->older) {
		/* its exit record too may have beaten the FORK record */
		if ((p->provisional && p->born_hi >= time && (!p->exited || p->exited >= time)) ||
		    (!p->provisional && p->born_hi == time))
			child = p;
	}
	/* a PID is free again only once its last process has exited */
	for (p = incarnations(s, tgid); p; p = p->older)
		if (p != child && p->exited && p->exited <= time && p->exited > lo)
			lo = p->exited;
	if (child) {
		child->provisional = false;
		child->born_lo = lo;
		child->born_hi = time;
		return child;
	}
	child = new_proc(s, tgid, lo, time, false);
	if (!child)
		return NULL;
	for (p = incarnations(s, tgid); p; p = p->older) {
		size_t i, j;

		if (p == child || p->born_hi >= time || (p->exited && p->exited <= time))
			continue;
		if (p->exited > time && (!child->exited || p->exited < child->exited))
			child->exited = p->exited;
		p->exited = time;
		if (p->has_exec && p->last_exec > time) {
			child->has_exec = true;
			child->last_exec = p->last_exec;
		}
		for (i = 0, j = 0; i < p->nr; i++) {
			if (p->maps[i].time > time)
				insert_map(child, &p->maps[i]);
			else
				p->maps[j++] = p->maps[i];
		}
		p->nr = j;
	}
	return child;
}

void symbolizer__fork(struct symbolizer *s, __u32 parent_tgid, __u32 child_tgid, __u64 time)
{
	struct proc *parent, *child;
	struct map *own;
	size_t i, nr_own;

	if (!s || parent_tgid == child_tgid)
		return;
	parent = proc_at(s, parent_tgid, time, false);
	if (!parent)
		return;
	child = forked_proc(s, child_tgid, time);
	if (!child)
		return;
	/* The child's own maps (records that beat the fork record here) go
	 * back on top of the inherited ones. */
	own = child->maps;
	nr_own = child->nr;
	child->maps = NULL;
	child->nr = 0;
	child->cap = 0;
	if (reserve_maps(child, parent->nr))
		goto cleanup;
	for (i = 0; i < parent->nr; i++) {
		/* Parent maps made after the fork are not the child's. */
		if (parent->maps[i].time <= time && insert_map(child, &parent->maps[i]))
			goto cleanup;
	}
	for (i = 0; i < nr_own; i++) {
		if (insert_map(child, &own[i]))
			goto cleanup;
	}
cleanup:
	free(own);
}

void symbolizer__exec(struct symbolizer *s, __u32 tgid, __u64 time)
{
	struct proc *p;
	size_t i, j;

	if (!s)
		return;
	p = proc_at(s, tgid, time, true);
	if (!p)
		return;
	if (!p->has_exec || time > p->last_exec)
		p->last_exec = time;
	p->has_exec = true;
	for (i = 0, j = 0; i < p->nr; i++) {
		if (p->maps[i].time >= p->last_exec) {
			p->maps[j++] = p->maps[i];
			continue;
		}
		/* kept for stacks of the old image; dropped if out of memory */
		if (p->nr_old < 4096) {
			struct map *n = realloc(p->old, (p->nr_old + 1) * sizeof(*n));

			if (n) {
				p->old = n;
				p->old[p->nr_old++] = p->maps[i];
			}
		}
	}
	p->nr = j;
}

/* Size of the in-memory vDSO: the furthest byte its headers refer to. */
static size_t vdso_size(const ElfW(Ehdr) * eh)
{
	const ElfW(Phdr) * ph;
	size_t size, i;

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > VDSO_MAX_SIZE || eh->e_phnum > 64)
		return 0;
	size = (size_t)eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	}
	return size <= VDSO_MAX_SIZE ? size : 0;
}

static struct elf_dso *load_vdso(struct symbolizer *s)
{
	unsigned long base;
	size_t size;

	if (s->vdso_tried)
		return s->vdso;
	s->vdso_tried = true;
	/* Every process of our architecture maps the same vDSO image as we
	 * do; our own copy is readable without touching theirs. */
	base = getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return NULL;
	size = vdso_size((const ElfW(Ehdr) *)base);
	if (size)
		s->vdso = elf_dso__open_mem((const void *)base, size, vdso_path);
	if (s->vdso)
		s->stats.dsos_opened++;
	else
		s->stats.dsos_failed++;
	return s->vdso;
}

static struct elf_dso *find_loaded(struct symbolizer *s, const __u8 *id, unsigned int id_size)
{
	for (size_t i = 0; id_size && i < s->nr_dsos; i++) {
		const __u8 *bid;
		unsigned int bid_size;

		bid = elf_dso__build_id(s->dsos[i], &bid_size);
		if (bid && bid_size == id_size && !memcmp(bid, id, id_size))
			return s->dsos[i];
	}
	return NULL;
}

static int keep_loaded(struct symbolizer *s, struct elf_dso *elf)
{
	struct elf_dso **n;

	n = realloc(s->dsos, (s->nr_dsos + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->dsos = n;
	s->dsos[s->nr_dsos++] = elf;
	s->stats.dsos_opened++;
	if (elf_dso__debug_path(elf))
		s->stats.debug_files_used++;
	s->stats.debug_files_rejected += elf_dso__debug_rejected(elf);
	return 0;
}

/* Symbols of an open file: shared with any loaded file of the same build
 * id (the same build has the same symbols), else read from fd. */
static struct elf_dso *load_fd(struct symbolizer *s, int fd, const char *name)
{
	__u8 id[ELF_DSO_BUILD_ID_MAX];
	struct elf_dso *elf;
	int n;

	n = elf_dso__read_build_id_fd(fd, id, sizeof(id));
	if (n < 0)
		return NULL;
	elf = find_loaded(s, id, (unsigned int)n);
	if (elf)
		return elf;
	elf = elf_dso__open_fd(fd, name, s->debug_dir);
	if (elf && keep_loaded(s, elf)) {
		elf_dso__free(elf);
		return NULL;
	}
	return elf;
}

static int open_in_proc_root(struct symbolizer *s, __u32 tgid, const char *path)
{
	char root[64];
	int dfd, fd;

	snprintf(root, sizeof(root), "%s/%u/root", s->proc_dir, tgid);
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = file_open_in_root(dfd, path);
	close(dfd);
	return fd;
}

/* The file of o found after its first sight: through the process's
 * map_files while it may still live, inside its root, then by path; each
 * only if its identity is o's. */
static struct held_file *find_file(struct symbolizer *s, struct obj *o, const struct proc *p,
				   const struct map *m)
{
	struct held_file *f = NULL;
	bool tried = false;
	int fd;

	for (int how = 0; how < 3 && !f; how++) {
		if (how == 0)
			fd = p->exited ? -ESRCH : open_map_file(s, p->tgid, m->start, m->end);
		else if (how == 1)
			fd = p->exited ? -ESRCH : open_in_proc_root(s, p->tgid, o->path);
		else
			fd = file_open_regular(o->path);
		if (fd < 0)
			continue;
		tried = true;
		f = adopt_fd(s, o, fd);
	}
	if (!f && tried)
		s->stats.build_id_mismatch++;
	else if (!f)
		s->stats.dsos_failed++;
	return f;
}

/* A mapping known by build id alone (no inode): any file with that build
 * id has its symbols. First inside the process's root, then by path. */
static struct elf_dso *load_by_build_id(struct symbolizer *s, struct obj *o, const struct proc *p)
{
	bool mismatch = false;

	for (int how = 0; how < 2; how++) {
		__u8 id[ELF_DSO_BUILD_ID_MAX];
		struct elf_dso *elf;
		int fd, n;

		fd = how == 0 ? open_in_proc_root(s, p->tgid, o->path) : file_open_regular(o->path);
		if (fd < 0)
			continue;
		n = elf_dso__read_build_id_fd(fd, id, sizeof(id));
		if (n < 0 || (unsigned int)n != o->build_id_size ||
		    memcmp(id, o->build_id, (size_t)n)) {
			mismatch = true;
			close(fd);
			continue;
		}
		elf = load_fd(s, fd, o->path);
		close(fd);
		if (elf)
			return elf;
	}
	if (mismatch)
		s->stats.build_id_mismatch++;
	return NULL;
}

static void load_obj(struct symbolizer *s, struct obj *o, const struct proc *p, const struct map *m)
{
	o->state = OBJ_FAILED;
	if (!strcmp(o->path, vdso_path)) {
		o->elf = load_vdso(s);
		if (o->elf)
			o->state = OBJ_LOADED;
		return;
	}
	/* Anonymous memory, [vsyscall], "anon_inode:..."; nothing to read. */
	if (o->path[0] != '/')
		return;
	if (!o->has_inode) {
		/* without an identity no file is provably the mapped one */
		if (o->build_id_size)
			o->elf = load_by_build_id(s, o, p);
		else
			s->stats.files_unverified++;
		if (o->elf)
			o->state = OBJ_LOADED;
		return;
	}
	if (!o->file)
		o->file = held_for(s, o, m->time);
	if (!o->file)
		o->file = find_file(s, o, p, m);
	if (!o->file) {
		s->stats.files_unverified++;
		return;
	}
	if (!o->file->elf && !o->file->load_failed) {
		o->file->elf = load_fd(s, o->file->fd, o->path);
		o->file->load_failed = !o->file->elf;
		if (!o->file->elf)
			s->stats.dsos_failed++;
	}
	o->elf = o->file->elf;
	if (o->elf)
		o->state = OBJ_LOADED;
}

/* The build id as the writers want it: the recorded one (MMAP2), else the
 * loaded file's. NULL if neither is known, or out of memory. */
static const char *obj_build_id(struct obj *o)
{
	const __u8 *id = o->build_id;
	unsigned int size = o->build_id_size;

	if (o->build_id_hex)
		return o->build_id_hex;
	if (!size && o->elf)
		id = elf_dso__build_id(o->elf, &size);
	if (!id || !size)
		return NULL;
	o->build_id_hex = malloc(2 * size + 1);
	if (!o->build_id_hex)
		return NULL;
	for (unsigned int i = 0; i < size; i++)
		sprintf(o->build_id_hex + 2 * i, "%02x", id[i]);
	return o->build_id_hex;
}

int symbolizer__user(struct symbolizer *s, __u32 tgid, __u64 start, __u64 addr,
		     struct sym_result *res)
{
	const struct map *m;
	struct proc *p;
	struct obj *o;
	__u64 off, vaddr, sym_off;
	const char *name;

	if (!s || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	res->status = SYM_NO_MAPPING;
	p = find_proc(s, tgid, start);
	m = p ? find_map(p, addr) : NULL;
	if (!m)
		return 0;
	o = m->obj;
	off = addr - m->start + m->pgoff;
	res->status = SYM_NO_SYMBOL;
	res->module = o->label;
	res->offset = off;
	res->file_offset = off;
	if (o->state == OBJ_UNLOADED)
		load_obj(s, o, p, m);
	res->build_id = obj_build_id(o);
	if (!o->elf || elf_dso__offset_to_vaddr(o->elf, off, &vaddr))
		return 0;
	name = elf_dso__lookup(o->elf, vaddr, &sym_off);
	if (!name)
		return 0;
	res->status = SYM_OK;
	res->name = name;
	res->offset = sym_off;
	return 0;
}

int symbolizer__user_frame(struct symbolizer *s, __u32 tgid, __u64 start, __u64 addr)
{
	const struct map *m;
	struct proc *p;
	struct obj *o;
	__u64 vaddr;

	p = s ? find_proc(s, tgid, start) : NULL;
	m = p ? find_map(p, addr) : NULL;
	if (!m)
		return -1;
	o = m->obj;
	if (o->state == OBJ_UNLOADED)
		load_obj(s, o, p, m);
	/* code is read only from the file proven to be the mapped one */
	if (!o->elf || (!o->file && o->elf != s->vdso) ||
	    elf_dso__offset_to_vaddr(o->elf, addr - m->start + m->pgoff, &vaddr))
		return -1;
	return elf_dso__frame_state(o->elf, o->file ? o->file->fd : -1, vaddr);
}

int symbolizer__kernel(struct symbolizer *s, __u64 addr, struct sym_result *res)
{
	const struct ksym *k;

	if (!s || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if (!s->ksyms_tried) {
		s->ksyms_tried = true;
		s->ksyms = ksyms__load(s->kallsyms_path);
		s->stats.kernel_unavailable = !ksyms__available(s->ksyms);
	}
	/* Without symbols the address is still worth showing. */
	res->status = SYM_NO_SYMBOL;
	res->module = kernel_module;
	res->offset = addr;
	res->file_offset = addr;
	k = ksyms__find(s->ksyms, addr);
	if (!k)
		return 0;
	res->status = SYM_OK;
	res->name = k->name;
	res->module = k->module;
	res->offset = addr - k->addr;
	return 0;
}

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *st)
{
	if (!st)
		return;
	if (!s) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = s->stats;
}

static void listen_mmap(void *s, const struct sym_mmap *m)
{
	symbolizer__mmap(s, m);
}

static void listen_fork(void *s, __u32 parent_tgid, __u32 child_tgid, __u64 time)
{
	symbolizer__fork(s, parent_tgid, child_tgid, time);
}

static void listen_exec(void *s, __u32 tgid, __u64 time)
{
	symbolizer__exec(s, tgid, time);
}

static void listen_exit(void *s, __u32 tgid, __u64 time)
{
	symbolizer__exit(s, tgid, time);
}

const struct mmap_listener symbolizer__listener = {
	.mmap = listen_mmap,
	.fork = listen_fork,
	.exec = listen_exec,
	.exit = listen_exit,
};

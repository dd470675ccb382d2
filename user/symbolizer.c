// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * symbolizer: per-process mapping history plus shared ELF symbol tables.
 *
 * A mapping points at an "obj": the identity of a mapped file as far as we
 * know it (path, plus build id from MMAP2 or dev/inode from /proc maps).
 * Objs are loaded lazily into elf_dsos, which are shared between objs that
 * turn out to be the same file (same path and build id), so libc is parsed
 * once however many processes map it and whichever way we learnt of them.
 */
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/sysmacros.h>

#include "elf_dso.h"
#include "ksyms.h"
#include "proc_maps.h"
#include "symbolizer.h"

#define PROC_BUCKETS 1024
#define OBJ_BUCKETS 256
/* Far more than any real vDSO; bounds what we trust from its headers. */
#define VDSO_MAX_SIZE (1024 * 1024)

static const char kernel_module[] = "[kernel.kallsyms]";
static const char anon_module[] = "[anon]";
static const char vdso_path[] = "[vdso]";

enum obj_state {
	OBJ_UNLOADED,
	OBJ_LOADED,
	OBJ_FAILED,
};

struct obj {
	char *path;
	__u8 build_id[ELF_DSO_BUILD_ID_MAX];
	unsigned int build_id_size;
	bool has_inode;
	__u64 dev;
	__u64 inode;
	enum obj_state state;
	struct elf_dso *elf; /* owned by symbolizer.dsos */
	char *build_id_hex;  /* made on first use; NULL if none known */
	struct obj *next;
};

struct map {
	__u64 start;
	__u64 end;
	__u64 pgoff; /* file offset of start */
	__u64 time;
	struct obj *obj;
};

struct proc {
	__u32 tgid;
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
	__u64 exited; /* when it exited (PERF_RECORD_EXIT), 0 while alive */
	struct proc *next;
};

struct loaded_dso {
	char *path; /* path as mapped (not as opened), the sharing key */
	struct elf_dso *elf;
};

struct symbolizer {
	char *proc_dir;
	char *kallsyms_path;
	char *debug_dir;
	struct proc *procs[PROC_BUCKETS];
	struct obj *objs[OBJ_BUCKETS];
	struct loaded_dso *dsos;
	size_t nr_dsos;
	struct elf_dso *vdso;
	bool vdso_tried;
	struct ksyms *ksyms;
	bool ksyms_tried;
	struct symbolizer_stats stats;
};

static __u32 hash_str(const char *s)
{
	__u32 h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	struct symbolizer *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->proc_dir = strdup(opts && opts->proc_dir ? opts->proc_dir : "/proc");
	s->kallsyms_path =
	    strdup(opts && opts->kallsyms_path ? opts->kallsyms_path : "/proc/kallsyms");
	s->debug_dir = strdup(opts && opts->debug_dir ? opts->debug_dir : "/usr/lib/debug");
	if (!s->proc_dir || !s->kallsyms_path || !s->debug_dir) {
		symbolizer__free(s);
		return NULL;
	}
	return s;
}

static void free_proc(struct proc *p)
{
	free(p->maps);
	free(p->old);
	free(p);
}

void symbolizer__free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < PROC_BUCKETS; i++) {
		struct proc *p = s->procs[i], *n;

		for (; p; p = n) {
			n = p->next;
			free_proc(p);
		}
	}
	for (i = 0; i < OBJ_BUCKETS; i++) {
		struct obj *o = s->objs[i], *n;

		for (; o; o = n) {
			n = o->next;
			free(o->path);
			free(o->build_id_hex);
			free(o);
		}
	}
	for (i = 0; i < s->nr_dsos; i++) {
		elf_dso__free(s->dsos[i].elf);
		free(s->dsos[i].path);
	}
	free(s->dsos);
	elf_dso__free(s->vdso);
	ksyms__free(s->ksyms);
	free(s->proc_dir);
	free(s->kallsyms_path);
	free(s->debug_dir);
	free(s);
}

static struct proc *find_proc(const struct symbolizer *s, __u32 tgid)
{
	struct proc *p;

	for (p = s->procs[tgid % PROC_BUCKETS]; p; p = p->next) {
		if (p->tgid == tgid)
			return p;
	}
	return NULL;
}

static struct proc *get_proc(struct symbolizer *s, __u32 tgid)
{
	struct proc *p = find_proc(s, tgid);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tgid = tgid;
	p->next = s->procs[tgid % PROC_BUCKETS];
	s->procs[tgid % PROC_BUCKETS] = p;
	return p;
}

/* A process seen exited appears again at time (a fork or a scan after
 * its exit): its pid was reused, and what is kept is the dead process's.
 * Records reach us out of order across CPUs, so an exit record may come
 * before the fork record of the same process: then the fork is older. */
static void reborn(struct proc *p, __u64 time)
{
	if (!p->exited || time <= p->exited)
		return;
	p->nr = 0;
	p->nr_old = 0;
	p->has_exec = false;
	p->exited = 0;
}

void symbolizer__exit(struct symbolizer *s, __u32 tgid, __u64 time)
{
	struct proc *p = s ? find_proc(s, tgid) : NULL;

	if (p)
		p->exited = time ? time : 1;
}

size_t symbolizer__forget_exited(struct symbolizer *s, __u64 before)
{
	size_t n = 0;

	for (size_t i = 0; s && i < PROC_BUCKETS; i++) {
		struct proc **pp = &s->procs[i];

		while (*pp) {
			struct proc *p = *pp;

			if (p->exited && p->exited < before) {
				*pp = p->next;
				free_proc(p);
				n++;
				continue;
			}
			pp = &p->next;
		}
	}
	return n;
}

bool symbolizer__knows(const struct symbolizer *s, __u32 tgid)
{
	return s && find_proc(s, tgid);
}

static struct obj *get_obj(struct symbolizer *s, const char *path, const __u8 *build_id,
			   unsigned int build_id_size, bool has_inode, __u64 dev, __u64 inode)
{
	__u32 b = hash_str(path) % OBJ_BUCKETS;
	struct obj *o;

	if (build_id_size > ELF_DSO_BUILD_ID_MAX)
		build_id_size = 0; /* not a GNU build id we could compare */
	if (!build_id)
		build_id_size = 0;
	for (o = s->objs[b]; o; o = o->next) {
		if (!strcmp(o->path, path) && o->build_id_size == build_id_size &&
		    !memcmp(o->build_id, build_id ? build_id : o->build_id, build_id_size) &&
		    o->has_inode == has_inode &&
		    (!has_inode || (o->dev == dev && o->inode == inode)))
			return o;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->path = strdup(path);
	if (!o->path) {
		free(o);
		return NULL;
	}
	if (build_id_size)
		memcpy(o->build_id, build_id, build_id_size);
	o->build_id_size = build_id_size;
	o->has_inode = has_inode;
	o->dev = dev;
	o->inode = inode;
	o->next = s->objs[b];
	s->objs[b] = o;
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

int symbolizer__scan_pid(struct symbolizer *s, __u32 tgid, __u64 time)
{
	struct proc_maps *pm;
	struct proc *p;
	char *path;
	size_t i;
	int err = 0;

	if (!s)
		return -EINVAL;
	if (asprintf(&path, "%s/%u/maps", s->proc_dir, tgid) < 0)
		return -ENOMEM;
	pm = proc_maps__read(path);
	if (!pm) {
		err = errno ? -errno : -EIO;
		goto cleanup;
	}
	p = get_proc(s, tgid);
	if (!p) {
		err = -ENOMEM;
		goto cleanup;
	}
	reborn(p, time);
	for (i = 0; i < proc_maps__nr(pm); i++) {
		const struct proc_map *e = proc_maps__entry(pm, i);
		struct map m;

		/* Only code is ever looked up. */
		if (e->perms[2] != 'x')
			continue;
		m.start = e->start;
		m.end = e->end;
		m.pgoff = e->offset;
		m.time = time;
		m.obj = get_obj(s, e->path, NULL, 0, e->inode != 0,
				makedev(e->dev_major, e->dev_minor), e->inode);
		if (!m.obj || insert_map(p, &m)) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
cleanup:
	proc_maps__free(pm);
	free(path);
	return err;
}

void symbolizer__mmap(struct symbolizer *s, __u32 tgid, __u64 start, __u64 len, __u64 pgoff,
		      const __u8 *build_id, unsigned int build_id_size, const char *path,
		      __u64 time)
{
	struct proc *p;
	struct map m;

	if (!s || !len || start + len < start)
		return;
	p = get_proc(s, tgid);
	if (!p)
		return;
	m.start = start;
	m.end = start + len;
	m.pgoff = pgoff;
	m.time = time;
	m.obj = get_obj(s, path ? path : "", build_id, build_id_size, false, 0, 0);
	if (m.obj)
		insert_map(p, &m);
}

void symbolizer__fork(struct symbolizer *s, __u32 parent_tgid, __u32 child_tgid, __u64 time)
{
	struct proc *parent, *child;
	struct map *own;
	size_t i, nr_own;

	if (!s || parent_tgid == child_tgid)
		return;
	parent = find_proc(s, parent_tgid);
	if (!parent)
		return;
	child = get_proc(s, child_tgid);
	if (!child)
		return;
	reborn(child, time);
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
	p = get_proc(s, tgid);
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

static struct elf_dso *find_loaded(struct symbolizer *s, const char *path, const __u8 *id,
				   unsigned int id_size)
{
	size_t i;

	for (i = 0; i < s->nr_dsos; i++) {
		const __u8 *bid;
		unsigned int bid_size;

		if (strcmp(s->dsos[i].path, path))
			continue;
		bid = elf_dso__build_id(s->dsos[i].elf, &bid_size);
		if (bid && bid_size == id_size && !memcmp(bid, id, id_size))
			return s->dsos[i].elf;
	}
	return NULL;
}

static int keep_loaded(struct symbolizer *s, const char *path, struct elf_dso *elf)
{
	struct loaded_dso *n;
	char *p;

	n = realloc(s->dsos, (s->nr_dsos + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->dsos = n;
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	s->dsos[s->nr_dsos].path = p;
	s->dsos[s->nr_dsos].elf = elf;
	s->nr_dsos++;
	s->stats.dsos_opened++;
	if (elf_dso__debug_path(elf))
		s->stats.debug_files_used++;
	s->stats.debug_files_rejected += elf_dso__debug_rejected(elf);
	return 0;
}

/* Opens the file behind o: first through the process's root (containers;
 * also right for us), then the path as is (the process may be gone).
 * A candidate whose build id differs from the recorded one is skipped. */
static void load_obj(struct symbolizer *s, struct obj *o, __u32 tgid)
{
	char *cands[2] = { NULL, NULL };
	bool mismatch = false;
	unsigned int i;

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
	if (asprintf(&cands[0], "%s/%u/root%s", s->proc_dir, tgid, o->path) < 0) {
		cands[0] = NULL;
		goto cleanup;
	}
	cands[1] = strdup(o->path);
	if (!cands[1])
		goto cleanup;
	for (i = 0; i < 2; i++) {
		__u8 id[ELF_DSO_BUILD_ID_MAX];
		struct elf_dso *elf;
		int n;

		n = elf_dso__read_build_id(cands[i], id, sizeof(id));
		if (n < 0)
			continue;
		if (o->build_id_size &&
		    ((unsigned int)n != o->build_id_size || memcmp(id, o->build_id, (size_t)n))) {
			mismatch = true;
			continue;
		}
		/* Without a build id, equal paths (say in two containers) do
		 * not prove equal files: load it again. */
		elf = n > 0 ? find_loaded(s, o->path, id, (unsigned int)n) : NULL;
		if (!elf) {
			elf = elf_dso__open(cands[i], s->debug_dir);
			if (!elf)
				continue;
			if (keep_loaded(s, o->path, elf)) {
				elf_dso__free(elf);
				goto cleanup;
			}
		}
		o->elf = elf;
		o->state = OBJ_LOADED;
		goto cleanup;
	}
	if (mismatch)
		s->stats.build_id_mismatch++;
	else
		s->stats.dsos_failed++;
cleanup:
	free(cands[0]);
	free(cands[1]);
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

int symbolizer__user(struct symbolizer *s, __u32 tgid, __u64 addr, struct sym_result *res)
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
	p = find_proc(s, tgid);
	m = p ? find_map(p, addr) : NULL;
	if (!m)
		return 0;
	o = m->obj;
	off = addr - m->start + m->pgoff;
	res->status = SYM_NO_SYMBOL;
	res->module = o->path[0] ? o->path : anon_module;
	res->offset = off;
	res->file_offset = off;
	if (o->state == OBJ_UNLOADED)
		load_obj(s, o, tgid);
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

int symbolizer__user_frame(struct symbolizer *s, __u32 tgid, __u64 addr)
{
	const struct map *m;
	struct proc *p;
	__u64 vaddr;

	p = s ? find_proc(s, tgid) : NULL;
	m = p ? find_map(p, addr) : NULL;
	if (!m)
		return -1;
	if (m->obj->state == OBJ_UNLOADED)
		load_obj(s, m->obj, tgid);
	if (!m->obj->elf ||
	    elf_dso__offset_to_vaddr(m->obj->elf, addr - m->start + m->pgoff, &vaddr))
		return -1;
	return elf_dso__frame_state(m->obj->elf, vaddr);
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

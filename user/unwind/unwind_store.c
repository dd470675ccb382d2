// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Extents are handed out from the front of each area (a bump pointer):
 * nothing is freed while the maps live, so there is nothing to fit.
 * A placed table is remembered by build id, its extents and flags, so a
 * copy of the file costs one files entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "unwind/unwind_store.h"
#include "lib/hash.h"
#include "lib/hashmap.h"

#define MAX_BUILD_ID 64

struct placed {
	__u8 build_id[MAX_BUILD_ID];
	unsigned int build_id_size;
	struct ember_unw_file info; /* as given to the first file */
};

struct unwind_store {
	struct unwind_store_maps m;
	struct ember_unw_row *rows; /* the rows array, mapped */
	__u32 *index;		    /* the index array, mapped (dense, see .h) */
	size_t rows_len, index_len; /* bytes mapped */
	__u32 next_row, next_index;
	struct placed *placed;
	size_t nr_placed, cap_placed;
	struct hashmap *by_build_id;
	struct unwind_store_stats stats;
};

struct build_id_key {
	const __u8 *id;
	unsigned int size;
};

static bool placed_equal(uint32_t i, const void *key, void *ctx)
{
	const struct placed *p = &((const struct unwind_store *)ctx)->placed[i];
	const struct build_id_key *k = key;

	return p->build_id_size == k->size && memcmp(p->build_id, k->id, k->size) == 0;
}

static void *map_array(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* What an array of n entries of size bytes maps: whole pages. */
static size_t mapped_len(size_t n, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (n * size + page - 1) / page * page;
}

struct unwind_store *unwind_store__new(const struct unwind_store_maps *m)
{
	struct unwind_store *s = calloc(1, sizeof(*s));
	int err = ENOMEM;

	if (!s)
		goto fail;
	s->m = *m;
	s->rows_len = mapped_len(m->max_rows, sizeof(*s->rows));
	s->index_len = mapped_len((m->max_index + 1) / 2, 2 * sizeof(*s->index));
	s->rows = map_array(m->rows_fd, s->rows_len);
	s->index = map_array(m->index_fd, s->index_len);
	if (!s->rows || !s->index) {
		err = errno ? errno : EINVAL;
		goto fail;
	}
	s->by_build_id = hashmap__new(placed_equal, s);
	if (!s->by_build_id)
		goto fail;
	return s;
fail:
	unwind_store__free(s);
	errno = err;
	return NULL;
}

void unwind_store__free(struct unwind_store *s)
{
	if (!s)
		return;
	if (s->rows)
		munmap(s->rows, s->rows_len);
	if (s->index)
		munmap(s->index, s->index_len);
	hashmap__free(s->by_build_id);
	free(s->placed);
	free(s);
}

/*
 * Publish a file's entry. BPF may read it while the update copies it in,
 * so it goes in twice: first not READY (the walker reads "no table yet",
 * whatever else it sees), then READY, when the only bytes that change are
 * the flags'.
 */
static int publish(struct unwind_store *s, __u32 file_idx, const struct ember_unw_file *info)
{
	struct ember_unw_file f = *info;

	f.flags &= ~EMBER_UNW_FILE_READY;
	if (bpf_map_update_elem(s->m.files_fd, &file_idx, &f, BPF_ANY))
		return -errno;
	f.flags |= EMBER_UNW_FILE_READY;
	if (bpf_map_update_elem(s->m.files_fd, &file_idx, &f, BPF_ANY))
		return -errno;
	return 0;
}

static int remember(struct unwind_store *s, const __u8 *id, unsigned int size,
		    const struct ember_unw_file *info)
{
	struct placed *p;

	if (!id || !size || size > MAX_BUILD_ID)
		return 0; /* nothing to know a copy by */
	if (s->nr_placed == s->cap_placed) {
		size_t ncap = s->cap_placed ? 2 * s->cap_placed : 64;
		struct placed *np = realloc(s->placed, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		s->placed = np;
		s->cap_placed = ncap;
	}
	p = &s->placed[s->nr_placed];
	memcpy(p->build_id, id, size);
	p->build_id_size = size;
	p->info = *info;
	if (hashmap__add(s->by_build_id, fnv1a_bytes(FNV1A_SEED, id, size), (uint32_t)s->nr_placed))
		return -ENOMEM;
	s->nr_placed++;
	return 0;
}

int unwind_store__place(struct unwind_store *s, __u32 file_idx, const struct unwind_table *t)
{
	struct build_id_key key;
	struct ember_unw_file info;
	const struct ember_unw_row *rows;
	const __u32 *index;
	__u32 nr_rows, nr_index;
	uint32_t id;
	int err;

	if (file_idx >= s->m.max_files)
		return -EINVAL;
	key.id = unwind_table__build_id(t, &key.size);
	if (key.id && key.size &&
	    hashmap__find(s->by_build_id, fnv1a_bytes(FNV1A_SEED, key.id, key.size), &key, &id)) {
		err = publish(s, file_idx, &s->placed[id].info);
		if (!err)
			s->stats.shared++;
		return err;
	}
	rows = unwind_table__rows(t, &nr_rows);
	index = unwind_table__index(t, &nr_index);
	if (!nr_rows) {
		/* no CFI: an entry with no rows, which the walker reads as a
		 * file without a table (its FP_ONLY flag still counts) */
		unwind_table__file_info(t, 0, 0, &info);
		s->stats.empty++;
		return publish(s, file_idx, &info);
	}
	if (nr_rows > s->m.max_rows - s->next_row || nr_index > s->m.max_index - s->next_index) {
		s->stats.full++;
		return -ENOSPC;
	}
	memcpy(&s->rows[s->next_row], rows, (size_t)nr_rows * sizeof(*rows));
	memcpy(&s->index[s->next_index], index, (size_t)nr_index * sizeof(*index));
	unwind_table__file_info(t, s->next_row, s->next_index, &info);
	s->next_row += nr_rows;
	s->next_index += nr_index;
	/* the rows must be visible before the entry that points at them;
	 * the map update is a syscall, a full barrier, but say so */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	err = publish(s, file_idx, &info);
	if (err)
		return err;
	s->stats.tables++;
	s->stats.rows = s->next_row;
	s->stats.index = s->next_index;
	s->stats.bytes = (__u64)s->next_row * sizeof(*rows) + (__u64)s->next_index * sizeof(*index);
	return remember(s, key.id, key.size, &info);
}

const struct unwind_store_stats *unwind_store__stats(const struct unwind_store *s)
{
	return &s->stats;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "collect/map_batch.h"

/* Entries asked for per call; the buffers grow as needed. */
#define CHUNK 1024

struct map_batch {
	int fd;
	__u32 key_size, value_size;
	char *keys, *values;
	size_t cap;
	bool no_batch; /* the kernel has no batch operations */
	/* Where the next call resumes: a bucket number for hash maps, a key
	 * for others; as large as either. */
	__u64 token[2][8];
	void *key_buf;
};

struct map_batch *map_batch__new(int fd, __u32 key_size, __u32 value_size)
{
	struct map_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->fd = fd;
	b->key_size = key_size;
	b->value_size = value_size;
	b->key_buf = malloc(key_size);
	if (!b->key_buf || key_size > sizeof(b->token[0])) {
		map_batch__free(b);
		errno = key_size > sizeof(b->token[0]) ? EINVAL : ENOMEM;
		return NULL;
	}
	return b;
}

void map_batch__free(struct map_batch *b)
{
	if (!b)
		return;
	free(b->keys);
	free(b->values);
	free(b->key_buf);
	free(b);
}

static int reserve(struct map_batch *b, size_t need)
{
	size_t cap = b->cap ? b->cap : CHUNK;
	char *k, *v;

	if (need <= b->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	k = realloc(b->keys, cap * b->key_size);
	if (!k)
		return -ENOMEM;
	b->keys = k;
	v = realloc(b->values, cap * b->value_size);
	if (!v)
		return -ENOMEM;
	b->values = v;
	b->cap = cap;
	return 0;
}

/* One entry at a time: get_next_key and lookup (and delete). Taking
 * restarts from the first key each time (the last one is gone); reading
 * goes on from the last key read. */
static long read_each(struct map_batch *b, bool take)
{
	size_t n = 0;
	int err;

	while (bpf_map_get_next_key(b->fd, take || !n ? NULL : b->keys + (n - 1) * b->key_size,
				    b->key_buf) == 0) {
		void *key;

		err = reserve(b, n + 1);
		if (err)
			return err;
		key = b->keys + n * b->key_size;
		memcpy(key, b->key_buf, b->key_size);
		if (bpf_map_lookup_elem(b->fd, key, b->values + n * b->value_size))
			continue; /* deleted meanwhile */
		if (take && bpf_map_delete_elem(b->fd, key))
			return -errno;
		n++;
	}
	return (long)n;
}

void map_batch__per_entry(struct map_batch *b)
{
	b->no_batch = true;
}

static int batch_call(struct map_batch *b, bool take, void *in, void *out, size_t at, __u32 *count)
{
	void *keys = b->keys + at * b->key_size, *values = b->values + at * b->value_size;

	if (take)
		return bpf_map_lookup_and_delete_batch(b->fd, in, out, keys, values, count, NULL);
	return bpf_map_lookup_batch(b->fd, in, out, keys, values, count, NULL);
}

long map_batch__read(struct map_batch *b, bool take)
{
	void *in = NULL;
	size_t n = 0;
	int err;

	if (b->no_batch)
		return read_each(b, take);
	for (int t = 0;; t ^= 1) {
		__u32 count;

		err = reserve(b, n + CHUNK);
		if (err)
			return err;
		count = (__u32)(b->cap - n);
		err = batch_call(b, take, in, b->token[t], n, &count);
		if (err == -ENOSPC) {
			/* one bucket holds more than the room left */
			err = reserve(b, b->cap * 2);
			if (err)
				return err;
			t ^= 1; /* resume from the same place */
			continue;
		}
		if (err && err != -ENOENT) {
			if (n == 0 && (err == -EINVAL || err == -ENOTSUP || err == -524)) {
				/* -524: ENOTSUPP, the kernel's "no such operation" */
				b->no_batch = true;
				return read_each(b, take);
			}
			return err;
		}
		n += count;
		if (err == -ENOENT)
			return (long)n;
		in = b->token[t];
	}
}

const void *map_batch__key(const struct map_batch *b, size_t i)
{
	return b->keys + i * b->key_size;
}

const void *map_batch__value(const struct map_batch *b, size_t i)
{
	return b->values + i * b->value_size;
}

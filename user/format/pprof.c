// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pprof writer: one pass over the stacks fills the tables (strings,
 * mappings, functions, locations, each deduplicated through a hash table)
 * and each stack's location ids; then the message is encoded in memory and
 * gzip-compressed onto the stream.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "lib/hash.h"
#include "lib/hashmap.h"
#include "format/pprof.h"
#include "format/pprof_proto.h"
#include "lib/protobuf.h"
#include "lib/utf8.h"

/* Entries with a key of three numbers, ids 1, 2... in order of first use. */
struct table {
	struct entry {
		uint64_t k[3];
		uint64_t max_addr; /* mappings: the largest address seen */
	} * e;
	size_t nr, cap;
	struct hashmap *index; /* entry index, made on first use */
};

static uint64_t hash_key(const uint64_t *k)
{
	return fnv1a_u64(fnv1a_u64(fnv1a_u64(FNV1A_SEED, k[0]), k[1]), k[2]);
}

static bool entry_equal(uint32_t id, const void *key, void *ctx)
{
	const struct table *t = ctx;
	const uint64_t *a = t->e[id].k, *b = key;

	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

/* The id of key (a, b, c), added if new; 0 when out of memory. */
static uint64_t table_id(struct table *t, uint64_t a, uint64_t b, uint64_t c)
{
	const uint64_t k[3] = { a, b, c };
	uint64_t h = hash_key(k);
	uint32_t i;

	if (!t->index) {
		t->index = hashmap__new(entry_equal, t);
		if (!t->index)
			return 0;
	}
	if (hashmap__find(t->index, h, k, &i))
		return (uint64_t)i + 1;
	if (t->nr >= UINT32_MAX - 1)
		return 0;
	if (t->nr == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		struct entry *n = realloc(t->e, ncap * sizeof(*n));

		if (!n)
			return 0;
		t->e = n;
		t->cap = ncap;
	}
	if (hashmap__add(t->index, h, (uint32_t)t->nr))
		return 0;
	t->e[t->nr] = (struct entry){ { a, b, c }, 0 };
	return ++t->nr;
}

static void table_free(struct table *t)
{
	free(t->e);
	hashmap__free(t->index);
}

/* The string table: index 0 is "". Strings are stored as valid UTF-8. */
struct strtab {
	char **s;
	size_t nr, cap;
	struct hashmap *index; /* string index, made on first use */
};

static bool str_equal(uint32_t id, const void *key, void *ctx)
{
	const struct strtab *t = ctx;

	return !strcmp(t->s[id], key);
}

/* Invalid UTF-8 bytes become U+FFFD: protobuf strings must be UTF-8, and
 * process and symbol names are only bytes. */
static char *utf8_copy(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *d;

	if (utf8__valid(s))
		return strdup(s);
	d = malloc(3 * len + 1);
	if (!d)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int n = *p < 0x80 ? 1 : (int)utf8__seq_len(p, 4);

		if (!n) {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
			continue;
		}
		memcpy(d + o, p, n);
		o += n;
		p += n;
	}
	d[o] = '\0';
	return d;
}

/* The index of s (NULL: ""), added if new; -1 when out of memory. */
static int64_t strtab_index(struct strtab *t, const char *s)
{
	char *copy;
	uint64_t h;
	uint32_t i;

	if (!s)
		s = "";
	copy = utf8_copy(s);
	if (!copy)
		return -1;
	if (!t->index) {
		t->index = hashmap__new(str_equal, t);
		if (!t->index)
			goto oom;
	}
	h = fnv1a_str(FNV1A_SEED, copy);
	if (hashmap__find(t->index, h, copy, &i)) {
		free(copy);
		return i;
	}
	if (t->nr >= UINT32_MAX - 1)
		goto oom;
	if (t->nr == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		char **n = realloc(t->s, ncap * sizeof(*n));

		if (!n)
			goto oom;
		t->s = n;
		t->cap = ncap;
	}
	if (hashmap__add(t->index, h, (uint32_t)t->nr))
		goto oom;
	t->s[t->nr] = copy;
	return (int64_t)t->nr++;
oom:
	free(copy);
	return -1;
}

static void strtab_free(struct strtab *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->s[i]);
	free(t->s);
	hashmap__free(t->index);
}

struct writer {
	const struct profile *p;
	const struct pprof_opts *o;
	struct strtab strs;
	struct table mappings;	/* (filename, build id, 0) */
	struct table functions; /* (name, filename, 0) */
	struct table locations; /* (mapping id, address, function id) */
	uint64_t *loc_ids;	/* every stack's location ids, leaf first */
	size_t nr_loc_ids;
	size_t *first; /* per stack: its first entry in loc_ids */
	bool oom;
};

static uint64_t str_id(struct writer *w, const char *s)
{
	int64_t i = strtab_index(&w->strs, s);

	if (i < 0) {
		w->oom = true;
		return 0;
	}
	return (uint64_t)i;
}

static uint64_t location_of(struct writer *w, const struct frame *f)
{
	uint64_t mapping = 0, function, addr = f->addr, id;
	const char *file = NULL;

	switch (f->kind) {
	case FRAME_KERNEL:
		mapping = table_id(&w->mappings, str_id(w, PPROF_KERNEL_MAPPING),
				   str_id(w, f->build_id), 0);
		file = f->module ? f->module : PPROF_KERNEL_MAPPING;
		break;
	case FRAME_USER:
		if (f->module)
			mapping =
			    table_id(&w->mappings, str_id(w, f->module), str_id(w, f->build_id), 0);
		file = f->module;
		break;
	case FRAME_INTERP:
		file = f->module;
		break;
	default: /* process, markers: a name only */
		addr = 0;
		break;
	}
	if ((f->kind == FRAME_KERNEL || (f->kind == FRAME_USER && f->module)) && !mapping)
		goto oom;
	function = table_id(&w->functions, str_id(w, f->name), str_id(w, file), 0);
	if (!function)
		goto oom;
	id = table_id(&w->locations, mapping, addr, function);
	if (!id)
		goto oom;
	if (mapping && addr > w->mappings.e[mapping - 1].max_addr)
		w->mappings.e[mapping - 1].max_addr = addr;
	return id;
oom:
	w->oom = true;
	return 0;
}

/* Pass one: every table, and each stack's location ids leaf first. */
static int build_tables(struct writer *w)
{
	size_t n = profile__nr_stacks(w->p), total = 0;
	struct profile_stack st;

	for (size_t i = 0; i < n; i++) {
		profile__stack(w->p, i, &st);
		total += st.nr_frames;
	}
	w->loc_ids = malloc((total ? total : 1) * sizeof(*w->loc_ids));
	w->first = malloc((n + 1) * sizeof(*w->first));
	if (!w->loc_ids || !w->first)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		profile__stack(w->p, i, &st);
		w->first[i] = w->nr_loc_ids;
		for (unsigned int f = st.nr_frames; f-- > 0;)
			w->loc_ids[w->nr_loc_ids++] = location_of(w, &st.frames[f]);
		if (w->oom)
			return -ENOMEM;
	}
	w->first[n] = w->nr_loc_ids;
	return 0;
}

static int64_t cpu_nanos(int64_t samples, unsigned int frequency)
{
	__int128 ns = (__int128)samples * 1000000000 / frequency;

	return ns > INT64_MAX ? INT64_MAX : ns < INT64_MIN ? INT64_MIN : (int64_t)ns;
}

static void value_type(struct writer *w, struct pb_buf *m, unsigned int field, const char *type,
		       const char *unit)
{
	struct pb_buf sub = {};

	pb__int(&sub, VALUE_TYPE_TYPE, (int64_t)str_id(w, type));
	pb__int(&sub, VALUE_TYPE_UNIT, (int64_t)str_id(w, unit));
	pb__msg(m, field, &sub);
	pb_buf__free(&sub);
}

/* Index of the "samples" type that gets cpu nanoseconds, or -1. */
static int samples_type(const struct writer *w)
{
	if (!w->o->frequency)
		return -1;
	for (unsigned int t = 0; t < profile__nr_types(w->p); t++)
		if (!strcmp(profile__type(w->p, t)->type, "samples"))
			return (int)t;
	return -1;
}

static void encode_samples(struct writer *w, struct pb_buf *m, int cpu_after)
{
	unsigned int nt = profile__nr_types(w->p), nv = nt + (cpu_after >= 0);
	uint64_t vals[64], *v = vals;
	struct pb_buf sub = {}, label = {};
	uint64_t key = str_id(w, PPROF_PROCESS_LABEL);
	struct profile_stack st;

	if (nv > 64 && !(v = malloc(nv * sizeof(*v)))) {
		w->oom = true;
		return;
	}
	for (size_t i = 0; i < profile__nr_stacks(w->p); i++) {
		unsigned int k = 0;

		profile__stack(w->p, i, &st);
		sub.len = 0;
		pb__packed(&sub, SAMPLE_LOCATION_ID, &w->loc_ids[w->first[i]],
			   w->first[i + 1] - w->first[i]);
		for (unsigned int t = 0; t < nt; t++) {
			v[k++] = (uint64_t)st.values[t];
			if ((int)t == cpu_after)
				v[k++] = (uint64_t)cpu_nanos(st.values[t], w->o->frequency);
		}
		pb__packed(&sub, SAMPLE_VALUE, v, nv);
		if (st.nr_frames && st.frames[0].kind == FRAME_PROCESS) {
			label.len = 0;
			pb__int(&label, LABEL_KEY, (int64_t)key);
			pb__int(&label, LABEL_STR, (int64_t)str_id(w, st.frames[0].name));
			pb__msg(&sub, SAMPLE_LABEL, &label);
		}
		pb__msg(m, PROFILE_SAMPLE, &sub);
	}
	if (v != vals)
		free(v);
	pb_buf__free(&sub);
	pb_buf__free(&label);
}

static void encode_tables(struct writer *w, struct pb_buf *m)
{
	struct pb_buf sub = {}, line = {};

	for (size_t i = 0; i < w->mappings.nr; i++) {
		const struct entry *e = &w->mappings.e[i];

		/* Addresses are file offsets: the mapping starts at 0 with
		 * offset 0, so address == file offset for every reader. */
		sub.len = 0;
		pb__uint(&sub, MAPPING_ID, i + 1);
		pb__uint(&sub, MAPPING_MEMORY_LIMIT, e->max_addr + 1);
		pb__int(&sub, MAPPING_FILENAME, (int64_t)e->k[0]);
		pb__int(&sub, MAPPING_BUILD_ID, (int64_t)e->k[1]);
		/* named already: pprof must not symbolize again */
		pb__uint(&sub, MAPPING_HAS_FUNCTIONS, 1);
		pb__msg(m, PROFILE_MAPPING, &sub);
	}
	for (size_t i = 0; i < w->locations.nr; i++) {
		const struct entry *e = &w->locations.e[i];

		sub.len = 0;
		line.len = 0;
		pb__uint(&sub, LOCATION_ID, i + 1);
		pb__uint(&sub, LOCATION_MAPPING_ID, e->k[0]);
		pb__uint(&sub, LOCATION_ADDRESS, e->k[1]);
		pb__uint(&line, LINE_FUNCTION_ID, e->k[2]);
		pb__msg(&sub, LOCATION_LINE, &line);
		pb__msg(m, PROFILE_LOCATION, &sub);
	}
	for (size_t i = 0; i < w->functions.nr; i++) {
		const struct entry *e = &w->functions.e[i];

		sub.len = 0;
		pb__uint(&sub, FUNCTION_ID, i + 1);
		pb__int(&sub, FUNCTION_NAME, (int64_t)e->k[0]);
		pb__int(&sub, FUNCTION_SYSTEM_NAME, (int64_t)e->k[0]);
		pb__int(&sub, FUNCTION_FILENAME, (int64_t)e->k[1]);
		pb__msg(m, PROFILE_FUNCTION, &sub);
	}
	pb_buf__free(&sub);
	pb_buf__free(&line);
}

/* Comments: the profile's, then its counters as "ember counter NAME=N". */
static void encode_comments(struct writer *w, struct pb_buf *m)
{
	unsigned int nc = profile__nr_comments(w->p), nk = profile__nr_counters(w->p);
	uint64_t *ids = malloc((nc + nk + 1) * sizeof(*ids));
	char *text;

	if (!ids) {
		w->oom = true;
		return;
	}
	for (unsigned int i = 0; i < nc; i++)
		ids[i] = str_id(w, profile__comment(w->p, i));
	for (unsigned int i = 0; i < nk; i++) {
		int64_t v;
		const char *name = profile__counter(w->p, i, &v);

		if (asprintf(&text, PPROF_COUNTER_PREFIX "%s=%" PRId64, name, v) < 0) {
			w->oom = true;
			text = NULL;
		}
		ids[nc + i] = text ? str_id(w, text) : 0;
		free(text);
	}
	pb__packed(m, PROFILE_COMMENT, ids, nc + nk);
	free(ids);
}

static int encode(struct writer *w, struct pb_buf *m)
{
	int cpu_after = samples_type(w);

	str_id(w, ""); /* index 0 */
	for (unsigned int t = 0; t < profile__nr_types(w->p); t++) {
		const struct value_type *vt = profile__type(w->p, t);

		value_type(w, m, PROFILE_SAMPLE_TYPE, vt->type, vt->unit);
		if ((int)t == cpu_after)
			value_type(w, m, PROFILE_SAMPLE_TYPE, "cpu", "nanoseconds");
	}
	if (build_tables(w))
		return -ENOMEM;
	encode_samples(w, m, cpu_after);
	encode_tables(w, m);
	encode_comments(w, m);
	pb__int(m, PROFILE_TIME_NANOS, w->o->time_nanos);
	pb__int(m, PROFILE_DURATION_NANOS, w->o->duration_nanos);
	if (w->o->period_type)
		value_type(w, m, PROFILE_PERIOD_TYPE, w->o->period_type, w->o->period_unit);
	pb__int(m, PROFILE_PERIOD, w->o->period);
	/* folded files show type 0: so should pprof by default */
	pb__int(m, PROFILE_DEFAULT_SAMPLE_TYPE, (int64_t)str_id(w, profile__type(w->p, 0)->type));
	/* the string table last: everything above added to it */
	for (size_t i = 0; i < w->strs.nr; i++)
		pb__bytes(m, PROFILE_STRING_TABLE, w->strs.s[i], strlen(w->strs.s[i]));
	return w->oom || m->oom ? -ENOMEM : 0;
}

static int gzip_to(const struct pb_buf *m, FILE *out)
{
	unsigned char chunk[65536];
	z_stream zs = {};
	size_t left = m->len;
	int flush, ret, err = 0;

	/* windowBits 15 + 16: a gzip header and trailer, not zlib's */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -ENOMEM;
	zs.next_in = m->data;
	do {
		uInt n = left > (1u << 30) ? 1u << 30 : (uInt)left;

		zs.avail_in = n;
		left -= n;
		flush = left ? Z_NO_FLUSH : Z_FINISH;
		do {
			zs.next_out = chunk;
			zs.avail_out = sizeof(chunk);
			ret = deflate(&zs, flush);
			if (ret == Z_STREAM_ERROR) {
				err = -EIO;
				goto out;
			}
			if (fwrite(chunk, 1, sizeof(chunk) - zs.avail_out, out) !=
			    sizeof(chunk) - zs.avail_out) {
				err = errno ? -errno : -EIO;
				goto out;
			}
		} while (zs.avail_out == 0);
	} while (flush != Z_FINISH);
	if (ret != Z_STREAM_END)
		err = -EIO;
out:
	deflateEnd(&zs);
	return err;
}

int pprof__write(const struct profile *p, const struct pprof_opts *o, FILE *out)
{
	static const struct pprof_opts none;
	struct writer w = { .p = p, .o = o ? o : &none };
	struct pb_buf m = {};
	int err;

	err = encode(&w, &m);
	if (!err)
		err = gzip_to(&m, out);
	if (!err && fflush(out))
		err = errno ? -errno : -EIO;
	pb_buf__free(&m);
	strtab_free(&w.strs);
	table_free(&w.mappings);
	table_free(&w.functions);
	table_free(&w.locations);
	free(w.loc_ids);
	free(w.first);
	return err;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pprof reader: inflate if gzip, decode every top-level field into tables
 * (samples are kept as byte ranges until the tables are complete), check
 * every index and id, then build the profile sample by sample.
 *
 * The input is untrusted: every length, index and id is checked, sizes are
 * capped (what inflates past PPROF_MAX_BYTES, samples deeper than
 * MAX_DEPTH frames), and value sums that would overflow are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "lib/array.h"
#include "lib/log.h"
#include "format/pprof.h"
#include "format/pprof_proto.h"
#include "lib/protobuf.h"
#include "lib/utf8.h"

#define PPROF_MAX_BYTES (1ULL << 30) /* file or inflated */
#define MAX_DEPTH 65536		     /* frames in one sample */
#define MAX_FRAMES (32ULL << 20)     /* frames in all samples */

/* Value types kept as the largest of equal stacks, not summed (struct
 * value_type.merge_max); pprof has no such notion, ember writes these. */
static const char *const max_types[] = { "oldest_age" };

struct vt {
	uint64_t type, unit;
};

struct rmapping {
	uint64_t id; /* first: sorted and searched by id */
	uint64_t start, offset, file, build_id;
};

struct rlocation {
	uint64_t id;
	uint64_t mapping_id, address;
	size_t first_line, nr_lines; /* function ids in lines[] */
	size_t first_frame;	     /* its frames in frames[], innermost first */
};

struct rfunction {
	uint64_t id;
	uint64_t name, system_name, file;
};

struct span {
	const uint8_t *p;
	size_t len;
};

struct rd {
	const char *name;
	const uint8_t *base; /* the decoded message, for byte offsets */
	char err[256];
	bool nomem;

	struct span *strtab;
	size_t nr_strtab, cap_strtab;
	char **strs; /* NUL-terminated copies */

	struct vt *types;
	size_t nr_types, cap_types;
	struct span *samples;
	size_t nr_samples, cap_samples;
	struct rmapping *maps;
	size_t nr_maps, cap_maps;
	struct rlocation *locs;
	size_t nr_locs, cap_locs;
	uint64_t *lines;
	size_t nr_lines, cap_lines;
	struct rfunction *funcs;
	size_t nr_funcs, cap_funcs;
	uint64_t *comments;
	size_t nr_comments, cap_comments;
	struct vt period_type;
	int64_t time_nanos, duration_nanos, period, default_type;

	/* each location's frames, innermost first; names made for unnamed
	 * locations are owned here */
	struct frame *frames;
	size_t nr_frames;
	char **made;
	size_t nr_made, cap_made;
};

static __printf(2, 3) int fail(struct rd *rd, const char *fmt, ...)
{
	va_list ap;

	if (!rd->err[0]) {
		va_start(ap, fmt);
		vsnprintf(rd->err, sizeof(rd->err), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int oom(struct rd *rd)
{
	snprintf(rd->err, sizeof(rd->err), "out of memory");
	rd->nomem = true;
	return -ENOMEM;
}

static int malformed(struct rd *rd, const uint8_t *at, const char *what)
{
	return fail(rd,
		    "malformed protobuf in %s at byte %zu: not a pprof profile, or a damaged one",
		    what, (size_t)(at - rd->base));
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	return array__grow(arr, cap, need, elem, 16);
}

static int push(struct rd *rd, void **arr, size_t *nr, size_t *cap, const void *val, size_t elem)
{
	if (grow(arr, cap, *nr + 1, elem))
		return oom(rd);
	memcpy((char *)*arr + *nr * elem, val, elem);
	++*nr;
	return 0;
}

/* Append val (an lvalue) to rd->arr. */
#define PUSH(rd, arr, val)                                                                         \
	push(rd, (void **)&(rd)->arr, &(rd)->nr_##arr, &(rd)->cap_##arr, &(val), sizeof(*(rd)->arr))

/* A scalar field must be a varint. */
static int want_varint(struct rd *rd, const struct pb_field *f, const uint8_t *at, const char *what)
{
	return f->wire == PB_VARINT ? 0 : malformed(rd, at, what);
}

static int want_len(struct rd *rd, const struct pb_field *f, const uint8_t *at, const char *what)
{
	return f->wire == PB_LEN ? 0 : malformed(rd, at, what);
}

/* Repeated varints, packed or not: call add for each. */
static int each_varint(struct rd *rd, const struct pb_field *f, const uint8_t *at, const char *what,
		       int (*add)(struct rd *, uint64_t, void *), void *arg)
{
	struct pb_reader r;
	uint64_t v;
	int err;

	if (f->wire == PB_VARINT)
		return add(rd, f->v, arg);
	if (f->wire != PB_LEN)
		return malformed(rd, at, what);
	r = pb_reader(f->data, f->len);
	while (!pb__done(&r)) {
		if (pb__read_varint(&r, &v))
			return malformed(rd, r.p, what);
		err = add(rd, v, arg);
		if (err)
			return err;
	}
	return 0;
}

static int parse_value_type(struct rd *rd, const struct pb_field *f, struct vt *out)
{
	struct pb_reader r = pb_reader(f->data, f->len);
	struct pb_field g;

	memset(out, 0, sizeof(*out));
	while (!pb__done(&r)) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &g))
			return malformed(rd, at, "a value type");
		if (g.num != VALUE_TYPE_TYPE && g.num != VALUE_TYPE_UNIT)
			continue;
		if (want_varint(rd, &g, at, "a value type"))
			return -EINVAL;
		if (g.num == VALUE_TYPE_TYPE)
			out->type = g.v;
		else
			out->unit = g.v;
	}
	return 0;
}

static int parse_mapping(struct rd *rd, const struct pb_field *f)
{
	struct pb_reader r = pb_reader(f->data, f->len);
	struct rmapping m = {};
	struct pb_field g;

	while (!pb__done(&r)) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &g))
			return malformed(rd, at, "a mapping");
		if (g.num > MAPPING_BUILD_ID)
			continue; /* the has_* flags */
		if (want_varint(rd, &g, at, "a mapping"))
			return -EINVAL;
		switch (g.num) {
		case MAPPING_ID:
			m.id = g.v;
			break;
		case MAPPING_MEMORY_START:
			m.start = g.v;
			break;
		case MAPPING_FILE_OFFSET:
			m.offset = g.v;
			break;
		case MAPPING_FILENAME:
			m.file = g.v;
			break;
		case MAPPING_BUILD_ID:
			m.build_id = g.v;
			break;
		default:
			break;
		}
	}
	return PUSH(rd, maps, m);
}

static int parse_line(struct rd *rd, const struct pb_field *f)
{
	struct pb_reader r = pb_reader(f->data, f->len);
	struct pb_field g;
	uint64_t function = 0;

	while (!pb__done(&r)) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &g))
			return malformed(rd, at, "a line");
		if (g.num != LINE_FUNCTION_ID)
			continue;
		if (want_varint(rd, &g, at, "a line"))
			return -EINVAL;
		function = g.v;
	}
	return PUSH(rd, lines, function);
}

static int parse_location(struct rd *rd, const struct pb_field *f)
{
	struct pb_reader r = pb_reader(f->data, f->len);
	struct rlocation l = { .first_line = rd->nr_lines };
	struct pb_field g;
	int err;

	while (!pb__done(&r)) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &g))
			return malformed(rd, at, "a location");
		switch (g.num) {
		case LOCATION_ID:
		case LOCATION_MAPPING_ID:
		case LOCATION_ADDRESS:
			if (want_varint(rd, &g, at, "a location"))
				return -EINVAL;
			if (g.num == LOCATION_ID)
				l.id = g.v;
			else if (g.num == LOCATION_MAPPING_ID)
				l.mapping_id = g.v;
			else
				l.address = g.v;
			break;
		case LOCATION_LINE:
			if (want_len(rd, &g, at, "a location"))
				return -EINVAL;
			err = parse_line(rd, &g);
			if (err)
				return err;
			break;
		default:
			break;
		}
	}
	l.nr_lines = rd->nr_lines - l.first_line;
	return PUSH(rd, locs, l);
}

static int parse_function(struct rd *rd, const struct pb_field *f)
{
	struct pb_reader r = pb_reader(f->data, f->len);
	struct rfunction fn = {};
	struct pb_field g;

	while (!pb__done(&r)) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &g))
			return malformed(rd, at, "a function");
		if (g.num > FUNCTION_FILENAME)
			continue; /* start_line */
		if (want_varint(rd, &g, at, "a function"))
			return -EINVAL;
		if (g.num == FUNCTION_ID)
			fn.id = g.v;
		else if (g.num == FUNCTION_NAME)
			fn.name = g.v;
		else if (g.num == FUNCTION_SYSTEM_NAME)
			fn.system_name = g.v;
		else
			fn.file = g.v;
	}
	return PUSH(rd, funcs, fn);
}

static int add_comment(struct rd *rd, uint64_t v, void *arg)
{
	(void)arg;
	return PUSH(rd, comments, v);
}

static bool profile_field_ok(const struct pb_field *f);

static int parse_profile(struct rd *rd, const uint8_t *data, size_t len)
{
	struct pb_reader r = pb_reader(data, len);
	struct pb_field f;
	struct vt t;
	int err = 0;

	rd->base = data;
	while (!pb__done(&r) && !err) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &f) || (f.num <= 15 && !profile_field_ok(&f)))
			return malformed(rd, at, "the profile");
		switch (f.num) {
		case PROFILE_SAMPLE_TYPE:
			err = parse_value_type(rd, &f, &t);
			if (!err)
				err = PUSH(rd, types, t);
			break;
		case PROFILE_PERIOD_TYPE:
			err = parse_value_type(rd, &f, &rd->period_type);
			break;
		case PROFILE_SAMPLE:
			err = PUSH(rd, samples, ((struct span){ f.data, f.len }));
			break;
		case PROFILE_MAPPING:
			err = parse_mapping(rd, &f);
			break;
		case PROFILE_LOCATION:
			err = parse_location(rd, &f);
			break;
		case PROFILE_FUNCTION:
			err = parse_function(rd, &f);
			break;
		case PROFILE_STRING_TABLE:
			err = PUSH(rd, strtab, ((struct span){ f.data, f.len }));
			break;
		case PROFILE_TIME_NANOS:
			rd->time_nanos = (int64_t)f.v;
			break;
		case PROFILE_DURATION_NANOS:
			rd->duration_nanos = (int64_t)f.v;
			break;
		case PROFILE_PERIOD:
			rd->period = (int64_t)f.v;
			break;
		case PROFILE_DEFAULT_SAMPLE_TYPE:
			rd->default_type = (int64_t)f.v;
			break;
		case PROFILE_COMMENT:
			err = each_varint(rd, &f, at, "the comments", add_comment, NULL);
			break;
		default: /* drop_frames, keep_frames, doc_url, newer fields */
			break;
		}
	}
	return err;
}

/* The strings as C strings: no NUL inside, valid UTF-8, "" first. */
static int check_strings(struct rd *rd)
{
	if (!rd->nr_strtab)
		return fail(rd, "no string table: not a pprof profile");
	if (rd->strtab[0].len)
		return fail(rd, "the string table does not start with \"\": not a pprof profile");
	rd->strs = calloc(rd->nr_strtab, sizeof(*rd->strs));
	if (!rd->strs)
		return oom(rd);
	for (size_t i = 0; i < rd->nr_strtab; i++) {
		const struct span *s = &rd->strtab[i];

		if (memchr(s->p, '\0', s->len))
			return fail(rd, "string %zu holds a NUL byte", i);
		rd->strs[i] = strndup((const char *)s->p, s->len);
		if (!rd->strs[i])
			return oom(rd);
		if (!utf8__valid(rd->strs[i]))
			return fail(rd, "string %zu is not valid UTF-8", i);
	}
	return 0;
}

/* String idx; NULL (and the error set) when out of range. */
static const char *str_at(struct rd *rd, uint64_t idx, const char *what)
{
	if (idx < rd->nr_strtab)
		return rd->strs[idx];
	fail(rd, "%s refers to string %" PRIu64 " of %zu", what, idx, rd->nr_strtab);
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort a table of structs that start with their id; ids must be unique
 * and not 0. */
static int sort_ids(struct rd *rd, void *arr, size_t n, size_t elem, const char *what)
{
	if (n)
		qsort(arr, n, elem, cmp_id);
	for (size_t i = 0; i < n; i++) {
		uint64_t id = *(const uint64_t *)((const char *)arr + i * elem);

		if (!id)
			return fail(rd, "a %s has id 0", what);
		if (i && id == *(const uint64_t *)((const char *)arr + (i - 1) * elem))
			return fail(rd, "two %ss have id %" PRIu64, what, id);
	}
	return 0;
}

static void *find_id(void *arr, size_t n, size_t elem, uint64_t id)
{
	return n ? bsearch(&id, arr, n, elem, cmp_id) : NULL;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* One frame for a location without lines (not symbolized): named as ember
 * names frames it could not name. */
static int unnamed_frame(struct rd *rd, const struct rmapping *m, struct frame *f)
{
	char *name;

	if (!m) {
		f->name = "[unknown]";
		return 0;
	}
	if (asprintf(&name, "%s+0x%" PRIx64, basename_of(f->module ? f->module : "?"), f->addr) < 0)
		return oom(rd);
	if (PUSH(rd, made, name)) {
		free(name);
		return -ENOMEM;
	}
	f->name = name;
	return 0;
}

/* Every location's frames, innermost first: kernel by its mapping, others
 * user frames (the process and markers are told apart per sample). */
static int build_frames(struct rd *rd)
{
	size_t total = 0;

	for (size_t i = 0; i < rd->nr_locs; i++)
		total += rd->locs[i].nr_lines ? rd->locs[i].nr_lines : 1;
	rd->frames = calloc(total + 1, sizeof(*rd->frames));
	if (!rd->frames)
		return oom(rd);
	for (size_t i = 0; i < rd->nr_locs; i++) {
		struct rlocation *l = &rd->locs[i];
		const struct rmapping *m = NULL;
		struct frame base = { .kind = FRAME_USER, .addr = l->address };
		const char *file;

		if (l->mapping_id) {
			m = find_id(rd->maps, rd->nr_maps, sizeof(*m), l->mapping_id);
			if (!m)
				return fail(rd,
					    "location %" PRIu64 " refers to mapping %" PRIu64
					    ", which the file does not define",
					    l->id, l->mapping_id);
			if (!(file = str_at(rd, m->file, "a mapping")) ||
			    !(base.build_id = str_at(rd, m->build_id, "a mapping")))
				return -EINVAL;
			base.module = *file ? file : NULL;
			if (!*base.build_id)
				base.build_id = NULL;
			if (!strcmp(file, PPROF_KERNEL_MAPPING))
				base.kind = FRAME_KERNEL;
			else
				base.addr = l->address - m->start + m->offset;
		}
		l->first_frame = rd->nr_frames;
		if (!l->nr_lines) {
			struct frame *f = &rd->frames[rd->nr_frames++];

			*f = base;
			if (unnamed_frame(rd, m, f))
				return -ENOMEM;
			continue;
		}
		for (size_t k = 0; k < l->nr_lines; k++) {
			uint64_t fid = rd->lines[l->first_line + k];
			const struct rfunction *fn =
			    find_id(rd->funcs, rd->nr_funcs, sizeof(*fn), fid);
			struct frame *f = &rd->frames[rd->nr_frames++];
			const char *name, *sys;

			if (!fn)
				return fail(rd,
					    "location %" PRIu64 " refers to function %" PRIu64
					    ", which the file does not define",
					    l->id, fid);
			*f = base;
			if (!(name = str_at(rd, fn->name, "a function")) ||
			    !(sys = str_at(rd, fn->system_name, "a function")) ||
			    !(file = str_at(rd, fn->file, "a function")))
				return -EINVAL;
			f->name = *name ? name : *sys ? sys : "[unknown]";
			/* the kernel module ([ext4]); an unmapped frame's file,
			 * which makes it a kernel frame if it is the kernel's
			 * (ember writes those in the kernel's mapping: read
			 * back, they would be kernel frames) */
			if (*file && (f->kind == FRAME_KERNEL || !m))
				f->module = file;
			if (!m && !strcmp(file, PPROF_KERNEL_MAPPING))
				f->kind = FRAME_KERNEL;
		}
	}
	return 0;
}

static bool is_marker(const struct frame *f)
{
	size_t n = strlen(f->name);

	return f->kind == FRAME_USER && !f->module && n > 2 && f->name[0] == '[' &&
	       f->name[n - 1] == ']' && strcmp(f->name, "[unknown]");
}

struct sample {
	uint64_t *locs;
	size_t nr_locs, cap_locs;
	int64_t *vals;
	size_t nr_vals, cap_vals;
	const char *process;
};

static int add_loc(struct rd *rd, uint64_t v, void *arg)
{
	struct sample *s = arg;

	if (grow((void **)&s->locs, &s->cap_locs, s->nr_locs + 1, sizeof(*s->locs)))
		return oom(rd);
	s->locs[s->nr_locs++] = v;
	return 0;
}

static int add_val(struct rd *rd, uint64_t v, void *arg)
{
	struct sample *s = arg;

	if (grow((void **)&s->vals, &s->cap_vals, s->nr_vals + 1, sizeof(*s->vals)))
		return oom(rd);
	s->vals[s->nr_vals++] = (int64_t)v;
	return 0;
}

static int parse_label(struct rd *rd, const struct pb_field *f, struct sample *s)
{
	struct pb_reader r = pb_reader(f->data, f->len);
	uint64_t key = 0, str = 0;
	struct pb_field g;
	const char *k, *v;

	while (!pb__done(&r)) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &g))
			return malformed(rd, at, "a label");
		if (g.num > LABEL_NUM_UNIT)
			continue;
		if (want_varint(rd, &g, at, "a label"))
			return -EINVAL;
		if (g.num == LABEL_KEY)
			key = g.v;
		else if (g.num == LABEL_STR)
			str = g.v;
	}
	if (!(k = str_at(rd, key, "a label")) || !(v = str_at(rd, str, "a label")))
		return -EINVAL;
	if (!strcmp(k, PPROF_PROCESS_LABEL) && *v)
		s->process = v;
	return 0;
}

static int parse_sample(struct rd *rd, const struct span *sp, struct sample *s)
{
	struct pb_reader r = pb_reader(sp->p, sp->len);
	struct pb_field f;
	int err = 0;

	s->nr_locs = s->nr_vals = 0;
	s->process = NULL;
	while (!pb__done(&r) && !err) {
		const uint8_t *at = r.p;

		if (pb__read_field(&r, &f))
			return malformed(rd, at, "a sample");
		if (f.num == SAMPLE_LOCATION_ID)
			err = each_varint(rd, &f, at, "a sample", add_loc, s);
		else if (f.num == SAMPLE_VALUE)
			err = each_varint(rd, &f, at, "a sample", add_val, s);
		else if (f.num == SAMPLE_LABEL && !(err = want_len(rd, &f, at, "a sample")))
			err = parse_label(rd, &f, s);
	}
	return err;
}

/* A name for a sample type the file leaves unnamed: its index in the
 * file, as go tool pprof -sample_index counts. */
#define UNNAMED_TYPE "value"
#define UNNAMED_SIZE (sizeof(UNNAMED_TYPE) + 20)

/* order[i]: the file's sample type shown as type i (the default first).
 * An empty type name becomes "valueN" (N: its index in the file), an
 * empty unit "count" (a number of things, as pprof takes it), so that
 * every reader shows and selects it by a name. */
static struct profile *new_profile(struct rd *rd, unsigned int *order)
{
	struct value_type *vt = calloc(rd->nr_types, sizeof(*vt));
	char(*unnamed)[UNNAMED_SIZE] = calloc(rd->nr_types, sizeof(*unnamed));
	struct profile *p = NULL;
	size_t first = 0;

	if (!vt || !unnamed) {
		oom(rd);
		goto out;
	}
	/* the first type of that name, as go tool pprof picks one by name
	 * (and ember's writer names type 0, which may share its name) */
	for (size_t i = rd->nr_types; i-- > 0;)
		if (rd->default_type && rd->types[i].type == (uint64_t)rd->default_type)
			first = i;
	order[0] = (unsigned int)first;
	for (size_t i = 0, k = 1; i < rd->nr_types; i++)
		if (i != first)
			order[k++] = (unsigned int)i;
	for (size_t i = 0; i < rd->nr_types; i++) {
		const struct vt *t = &rd->types[order[i]];

		if (!(vt[i].type = str_at(rd, t->type, "a sample type")) ||
		    !(vt[i].unit = str_at(rd, t->unit, "a sample type")))
			goto out;
		if (!*vt[i].type) {
			snprintf(unnamed[i], sizeof(unnamed[i]), UNNAMED_TYPE "%u", order[i]);
			vt[i].type = unnamed[i];
		}
		if (!*vt[i].unit)
			vt[i].unit = "count";
		for (size_t m = 0; m < sizeof(max_types) / sizeof(max_types[0]); m++)
			if (!strcmp(vt[i].type, max_types[m]))
				vt[i].merge_max = 1;
	}
	p = profile__new(vt, (unsigned int)rd->nr_types);
	if (!p)
		oom(rd);
out:
	free(unnamed);
	free(vt);
	return p;
}

static int add_samples(struct rd *rd, struct profile *p, const unsigned int *order)
{
	struct sample s = {};
	struct frame *frames = NULL;
	size_t cap = 0;
	int64_t *vals = NULL, *sums = NULL;
	uint64_t total = 0;
	int err = -ENOMEM;

	vals = calloc(rd->nr_types, sizeof(*vals));
	sums = calloc(rd->nr_types, sizeof(*sums));
	if (!vals || !sums) {
		oom(rd);
		goto out;
	}
	for (size_t i = 0; i < rd->nr_samples; i++) {
		size_t n = 0;

		err = parse_sample(rd, &rd->samples[i], &s);
		if (err)
			goto out;
		err = -EINVAL;
		if (s.nr_vals != rd->nr_types) {
			fail(rd, "sample %zu has %zu values for %zu sample types", i, s.nr_vals,
			     rd->nr_types);
			goto out;
		}
		for (size_t k = 0; k < rd->nr_types; k++) {
			int64_t v = s.vals[order[k]], a;

			/* sums of magnitudes bound every partial sum */
			if (v == INT64_MIN || __builtin_add_overflow(sums[k], v < 0 ? -v : v, &a)) {
				fail(rd, "sample %zu: the values of %s add up past 64 bits", i,
				     profile__type(p, (unsigned int)k)->type);
				goto out;
			}
			sums[k] = a;
			vals[k] = v;
		}
		/* frames root first: the last location, its outermost line first */
		for (size_t k = s.nr_locs; k-- > 0;) {
			const struct rlocation *l =
			    find_id(rd->locs, rd->nr_locs, sizeof(*l), s.locs[k]);
			size_t nf;

			if (!l) {
				fail(rd,
				     "sample %zu refers to location %" PRIu64
				     ", which the file does not define",
				     i, s.locs[k]);
				goto out;
			}
			nf = l->nr_lines ? l->nr_lines : 1;
			if (n + nf > MAX_DEPTH || (total += nf) > MAX_FRAMES) {
				fail(rd,
				     "sample %zu: more frames than ember reads (%d a stack, %llu "
				     "in all)",
				     i, MAX_DEPTH, MAX_FRAMES);
				goto out;
			}
			if (grow((void **)&frames, &cap, n + nf, sizeof(*frames))) {
				err = oom(rd);
				goto out;
			}
			for (size_t j = nf; j-- > 0;)
				frames[n++] = rd->frames[l->first_frame + j];
		}
		if (n && s.process && frames[0].kind == FRAME_USER && !frames[0].module &&
		    !strcmp(frames[0].name, s.process)) {
			frames[0].kind = FRAME_PROCESS;
			frames[0].addr = 0;
		}
		if (n && is_marker(&frames[n - 1])) {
			frames[n - 1].kind = FRAME_MARKER;
			frames[n - 1].addr = 0;
		}
		err = profile__add(p, frames, (unsigned int)n, vals);
		if (err) {
			oom(rd);
			goto out;
		}
	}
	err = 0;
out:
	free(s.locs);
	free(s.vals);
	free(frames);
	free(vals);
	free(sums);
	return err;
}

/* "ember counter NAME=VALUE" back into a counter; other comments as is. */
static int add_comments(struct rd *rd, struct profile *p)
{
	size_t plen = strlen(PPROF_COUNTER_PREFIX);

	for (size_t i = 0; i < rd->nr_comments; i++) {
		const char *c = str_at(rd, rd->comments[i], "a comment"), *eq;
		char *end, name[128];
		long long v;
		int err;

		if (!c)
			return -EINVAL;
		eq = strchr(c, '=');
		if (!strncmp(c, PPROF_COUNTER_PREFIX, plen) && eq && eq > c + plen &&
		    (size_t)(eq - c - plen) < sizeof(name) && eq[1]) {
			errno = 0;
			v = strtoll(eq + 1, &end, 10);
			if (!errno && !*end) {
				snprintf(name, sizeof(name), "%.*s", (int)(eq - c - plen),
					 c + plen);
				if (profile__set_counter(p, name, v))
					return oom(rd);
				continue;
			}
		}
		err = profile__add_comment(p, c);
		if (err)
			return oom(rd);
	}
	return 0;
}

static int fill_info(struct rd *rd, struct pprof_info *info)
{
	const char *t = str_at(rd, rd->period_type.type, "the period type");
	const char *u = str_at(rd, rd->period_type.unit, "the period type");

	if (!t || !u)
		return -EINVAL;
	if (!info)
		return 0;
	memset(info, 0, sizeof(*info));
	info->time_nanos = rd->time_nanos;
	info->duration_nanos = rd->duration_nanos;
	info->period = rd->period;
	snprintf(info->period_type, sizeof(info->period_type), "%s", t);
	snprintf(info->period_unit, sizeof(info->period_unit), "%s", u);
	return 0;
}

static void rd_free(struct rd *rd)
{
	for (size_t i = 0; rd->strs && i < rd->nr_strtab; i++)
		free(rd->strs[i]);
	for (size_t i = 0; i < rd->nr_made; i++)
		free(rd->made[i]);
	free(rd->strs);
	free(rd->strtab);
	free(rd->types);
	free(rd->samples);
	free(rd->maps);
	free(rd->locs);
	free(rd->lines);
	free(rd->funcs);
	free(rd->comments);
	free(rd->frames);
	free(rd->made);
}

static struct profile *decode(struct rd *rd, const uint8_t *data, size_t len,
			      struct pprof_info *info)
{
	struct profile *p = NULL;
	unsigned int *order = NULL;

	if (parse_profile(rd, data, len))
		return NULL;
	if (!rd->nr_types) {
		fail(rd, "no sample types: not a pprof profile");
		return NULL;
	}
	if (check_strings(rd) ||
	    sort_ids(rd, rd->maps, rd->nr_maps, sizeof(*rd->maps), "mapping") ||
	    sort_ids(rd, rd->locs, rd->nr_locs, sizeof(*rd->locs), "location") ||
	    sort_ids(rd, rd->funcs, rd->nr_funcs, sizeof(*rd->funcs), "function") ||
	    build_frames(rd))
		return NULL;
	order = calloc(rd->nr_types, sizeof(*order));
	if (!order) {
		oom(rd);
		return NULL;
	}
	p = new_profile(rd, order);
	if (!p || add_samples(rd, p, order) || add_comments(rd, p) || fill_info(rd, info))
		goto fail;
	free(order);
	return p;
fail:
	free(order);
	profile__free(p);
	return NULL;
}

/* Inflate a gzip file (members one after another, as gzip allows). */
static int gunzip(struct rd *rd, const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	z_stream zs = {};
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	int ret = Z_OK, err = 0;

	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return oom(rd);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len; /* len is at most PPROF_MAX_BYTES */
	for (;;) {
		if (n == cap) {
			if (cap >= PPROF_MAX_BYTES) {
				err = fail(rd,
					   "inflates to more than %llu bytes: too large for ember",
					   PPROF_MAX_BYTES);
				goto out;
			}
			if (grow((void **)&buf, &cap, cap ? cap * 2 : len * 4 + 4096, 1)) {
				err = oom(rd);
				goto out;
			}
		}
		zs.next_out = buf + n;
		zs.avail_out = (uInt)(cap - n);
		ret = inflate(&zs, Z_NO_FLUSH);
		n = cap - zs.avail_out;
		if (ret == Z_STREAM_END) {
			if (!zs.avail_in)
				break;
			inflateReset(&zs); /* another member follows */
			continue;
		}
		if (ret == Z_BUF_ERROR && !zs.avail_in) {
			err = fail(rd, "truncated gzip data: the file is incomplete");
			goto out;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			err = ret == Z_MEM_ERROR ? oom(rd)
						 : fail(rd, "corrupt gzip data (%s)",
							zs.msg ? zs.msg : "bad stream");
			goto out;
		}
	}
	*out = buf;
	*out_len = n;
	buf = NULL;
out:
	inflateEnd(&zs);
	free(buf);
	return err;
}

struct profile *pprof__read_mem(const void *data, size_t size, const char *name,
				struct pprof_info *info)
{
	struct rd rd = { .name = name };
	const uint8_t *d = data;
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	struct profile *p = NULL;
	int err = 0;

	if (!size) {
		fail(&rd, "empty file: not a pprof profile");
	} else if (size > PPROF_MAX_BYTES) {
		fail(&rd, "larger than %llu bytes: too large for ember", PPROF_MAX_BYTES);
	} else if (size >= 2 && d[0] == 0x1f && d[1] == 0x8b) {
		err = gunzip(&rd, d, size, &plain, &plain_len);
		if (!err)
			p = decode(&rd, plain, plain_len, info);
	} else {
		p = decode(&rd, d, size, info);
	}
	if (!p) {
		p_err("%s: %s", name, rd.err[0] ? rd.err : "cannot read the profile");
		errno = rd.nomem ? ENOMEM : EINVAL;
	}
	free(plain);
	rd_free(&rd);
	return p;
}

struct profile *pprof__read(const char *path, struct pprof_info *info)
{
	struct profile *p = NULL;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		err = errno;
		p_err("%s: %s", path, strerror(err));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = EISDIR;
		p_err("%s: is a directory: give a pprof file", path);
		goto out;
	}
	for (;;) {
		if (len == cap && grow((void **)&buf, &cap, cap ? cap * 2 : 65536, 1)) {
			err = ENOMEM;
			p_err("%s: out of memory", path);
			goto out;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			p_err("%s: cannot read: %s", path, strerror(err));
			goto out;
		}
		if (!n)
			break;
		len += n;
		if (len > PPROF_MAX_BYTES) {
			err = EFBIG;
			p_err("%s: larger than %llu bytes: too large for ember", path,
			      PPROF_MAX_BYTES);
			goto out;
		}
	}
	p = pprof__read_mem(buf, len, path, info);
	err = p ? 0 : errno;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (!p)
		errno = err;
	return p;
}

/* Fields of Profile and the wire type each must have. */
static bool profile_field_ok(const struct pb_field *f)
{
	switch (f->num) {
	case PROFILE_SAMPLE_TYPE:
	case PROFILE_SAMPLE:
	case PROFILE_MAPPING:
	case PROFILE_LOCATION:
	case PROFILE_FUNCTION:
	case PROFILE_STRING_TABLE:
	case PROFILE_PERIOD_TYPE:
	case 15: /* doc_url */
		return f->wire == PB_LEN;
	case PROFILE_COMMENT:
		return f->wire == PB_LEN || f->wire == PB_VARINT;
	case PROFILE_DROP_FRAMES:
	case PROFILE_KEEP_FRAMES:
	case PROFILE_TIME_NANOS:
	case PROFILE_DURATION_NANOS:
	case PROFILE_PERIOD:
	case PROFILE_DEFAULT_SAMPLE_TYPE:
		return f->wire == PB_VARINT;
	default:
		return false;
	}
}

/* A message whose every field is well-formed (any numbers). */
static bool well_formed(const uint8_t *p, size_t len)
{
	struct pb_reader r = pb_reader(p, len);
	struct pb_field f;

	while (!pb__done(&r))
		if (pb__read_field(&r, &f))
			return false;
	return true;
}

bool pprof__sniff(const void *data, size_t size)
{
	const uint8_t *d = data;
	struct pb_reader r = pb_reader(data, size);
	struct pb_field f;
	unsigned int fields = 0;

	if (size >= 2 && d[0] == 0x1f && d[1] == 0x8b)
		return true;
	/* data may be the file's first bytes only: the last field may run
	 * past them, every complete one must fit Profile */
	while (!pb__done(&r)) {
		if (pb__read_field(&r, &f)) {
			struct pb_reader t = r;
			uint64_t key;

			/* a Profile field cut off by the end of data */
			if (pb__read_varint(&t, &key))
				return fields > 0;
			f.num = key >> 3 > 15 ? 0 : (unsigned int)(key >> 3);
			f.wire = (enum pb_wire)(key & 7);
			return fields > 0 && profile_field_ok(&f);
		}
		if (!profile_field_ok(&f))
			return false;
		if (f.wire == PB_LEN && f.num != PROFILE_STRING_TABLE && f.num != 15 &&
		    f.num != PROFILE_COMMENT && !well_formed(f.data, f.len))
			return false;
		if (f.num == PROFILE_STRING_TABLE) {
			char *s = strndup((const char *)f.data, f.len);
			bool ok = s && strlen(s) == f.len && utf8__valid(s);

			free(s);
			if (!ok)
				return false;
		}
		fields++;
	}
	return fields > 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include "lib/json_writer.h"
#include "format/profile_json.h"

static const char *const kind_names[] = {
	[FRAME_PROCESS] = "process", [FRAME_USER] = "user",	[FRAME_KERNEL] = "kernel",
	[FRAME_INTERP] = "interp",   [FRAME_MARKER] = "marker",
};

static void write_frame(struct json_writer *w, const struct frame *f)
{
	unsigned int k = f->kind;

	json__object_begin(w);
	json__key(w, "name");
	json__string(w, f->name);
	json__key(w, "kind");
	json__string(w, k < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[k]
			    ? kind_names[k]
			    : "user");
	if (f->module) {
		json__key(w, "module");
		json__string(w, f->module);
	}
	if (f->build_id) {
		json__key(w, "build_id");
		json__string(w, f->build_id);
	}
	json__object_end(w);
}

static void write_header(struct json_writer *w, const struct profile *p,
			 const struct profile_json_opts *o)
{
	unsigned int nt = profile__nr_types(p);

	json__key(w, "version");
	json__int(w, PROFILE_JSON_VERSION);
	if (o->event) {
		json__key(w, "event");
		json__string(w, o->event);
	}
	if (o->duration_nanos) {
		json__key(w, "duration_ns");
		json__int(w, o->duration_nanos);
	}
	json__key(w, "value_types");
	json__array_begin(w);
	for (unsigned int t = 0; t < nt; t++) {
		json__object_begin(w);
		json__key(w, "type");
		json__string(w, profile__type(p, t)->type);
		json__key(w, "unit");
		json__string(w, profile__type(p, t)->unit);
		json__object_end(w);
	}
	json__array_end(w);
	json__key(w, "comments");
	json__array_begin(w);
	for (unsigned int c = 0; c < profile__nr_comments(p); c++)
		json__string(w, profile__comment(p, c));
	json__array_end(w);
	json__key(w, "totals");
	json__array_begin(w);
	for (unsigned int t = 0; t < nt; t++)
		json__int(w, profile__total(p, t));
	json__array_end(w);
	json__key(w, "losses");
	json__object_begin(w);
	for (unsigned int i = 0; i < profile__nr_counters(p); i++) {
		int64_t v;

		json__key(w, profile__counter(p, i, &v));
		json__int(w, v);
	}
	json__object_end(w);
}

int profile_json__write(const struct profile *p, const struct profile_json_opts *o, FILE *out)
{
	static const struct profile_json_opts none;
	struct json_writer *w = json_writer__new(out, false);
	struct profile_stack st;

	if (!w)
		return -ENOMEM;
	if (!o)
		o = &none;
	json__object_begin(w);
	write_header(w, p, o);
	json__key(w, "stacks");
	json__array_begin(w);
	for (size_t i = 0; i < profile__nr_stacks(p); i++) {
		profile__stack(p, i, &st);
		json__object_begin(w);
		json__key(w, "frames");
		json__array_begin(w);
		for (unsigned int f = 0; f < st.nr_frames; f++)
			write_frame(w, &st.frames[f]);
		json__array_end(w);
		json__key(w, "values");
		json__array_begin(w);
		for (unsigned int t = 0; t < profile__nr_types(p); t++)
			json__int(w, st.values[t]);
		json__array_end(w);
		json__object_end(w);
	}
	json__array_end(w);
	json__object_end(w);
	fputc('\n', out);
	return json_writer__free(w);
}

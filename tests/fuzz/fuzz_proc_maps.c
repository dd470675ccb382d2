// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * /proc/PID/maps (user/sys/proc_maps.c): the input parsed whole as the maps
 * file of a fake proc tree, line by line with proc_maps__parse_line, and
 * read by the symbolizer (user/symbolize/symbolizer.c) as it scans a process at the
 * start of a recording, then asked for the addresses of every mapping.
 * Paths in the input name files of this machine, which the symbolizer
 * opens: the seeds' are small ones (a shell's maps). The symbolizer and
 * the ELF files it loaded are kept for 256 inputs, as in a recording, so
 * that libc is not loaded again for every input.
 */
#include <sys/stat.h>
#include "fuzz.h"
#include "sys/proc_maps.h"
#include "symbolize/symbolizer.h"

#define TGID 4242
#define KEEP_INPUTS 256

static struct symbolizer *sym;
static unsigned int inputs;
static char maps_path[128];
static struct symbolizer_opts opts;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char proc[96], ksyms[96], debug[96];
	const char *tmp = fuzz_tmpdir();
	char dir[128];

	(void)argc;
	(void)argv;
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	snprintf(ksyms, sizeof(ksyms), "%s/kallsyms", tmp); /* none: no kernel symbols */
	snprintf(debug, sizeof(debug), "%s/debug", tmp);    /* empty */
	snprintf(dir, sizeof(dir), "%s/%d", proc, TGID);
	if (mkdir(proc, 0700) || mkdir(dir, 0700) || mkdir(debug, 0700))
		fuzz_die("fuzz_proc_maps: temporary directories");
	snprintf(maps_path, sizeof(maps_path), "%s/maps", dir);
	opts.proc_dir = proc;
	opts.kallsyms_path = ksyms;
	opts.debug_dir = debug;
	return 0;
}

static void lines(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *line, *save = NULL;
	struct proc_map e;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!proc_maps__parse_line(line, &e) && !e.path)
			abort();
	free(text);
}

static void symbolize(const struct proc_maps *m, const uint8_t *data, size_t size)
{
	struct sym_result r;
	__u64 t = inputs + 1;

	if (!sym) {
		sym = symbolizer__new(&opts);
		if (!sym)
			fuzz_die("symbolizer__new");
	}
	if (symbolizer__scan_pid(sym, TGID, t))
		goto out;
	for (size_t i = 0; i < proc_maps__nr(m) && i < 64; i++) {
		const struct proc_map *e = proc_maps__entry(m, i);
		__u64 a[] = { e->start, e->end - 1, e->start + (e->end - e->start) / 2,
			      e->start + fuzz_u64(data, size, i * 8) % 65536 };

		for (size_t k = 0; k < sizeof(a) / sizeof(a[0]); k++) {
			symbolizer__user(sym, TGID, 0, a[k], &r);
			symbolizer__user_frame(sym, TGID, 0, a[k]);
		}
	}
	/* an mmap record on top, then an exec, as the side band sends */
	if (proc_maps__nr(m)) {
		const struct proc_map *e = proc_maps__entry(m, 0);

		struct sym_mmap mm = {
			.tgid = TGID,
			.start = e->start + 4096,
			.len = 8192,
			.pgoff = e->offset,
			.ino = fuzz_u64(data, size, 0) % 4, /* mostly none, then no file */
			.path = e->path,
			.time = t,
		};

		symbolizer__mmap(sym, &mm);
		symbolizer__user(sym, TGID, 0, e->start + 4096, &r);
		symbolizer__exec(sym, TGID, t);
		symbolizer__user(sym, TGID, 0, e->start, &r);
	}
out:
	symbolizer__exit(sym, TGID, t);
	symbolizer__forget_exited(sym, t + 1);
	if (++inputs % KEEP_INPUTS == 0) {
		symbolizer__free(sym);
		sym = NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_maps *m;

	lines(data, size);
	fuzz_write_file(maps_path, data, size);
	m = proc_maps__read(maps_path);
	if (!m)
		return 0;
	for (size_t i = 0; i < proc_maps__nr(m); i++) {
		const struct proc_map *e = proc_maps__entry(m, i);

		proc_maps__is_pseudo(e->path);
	}
	proc_maps__malformed(m);
	symbolize(m, data, size);
	proc_maps__free(m);
	return 0;
}

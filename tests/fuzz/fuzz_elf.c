// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ELF symbol loader (user/symbolize/elf_dso.c) on a file of the input, as the
 * symbolizer opens the files processes map, and from memory, as it reads
 * the vDSO; then the queries the symbolizer makes (file offset to address,
 * symbol lookup, frame-pointer state from the code bytes); then the file
 * opened for its tables, as alloc_sites opens it (every symbol and
 * relocation walked, code read at each symbol).
 *
 * The input is a file A, optionally followed by SEP, a byte P, "--\n" and
 * a second file B, the separate debug file: A is written to TMP/bin/target
 * and, if it has no .symtab of its own, the loader looks for B, which this
 * harness puts at one of the places find_debug_file() searches, picked by
 * (P - '0') % 5 (the input's size % 5 without SEP): for A's .gnu_debuglink
 * "a.debug" (the seeds' name) 0 beside A, 1 in .debug/ beside A, 2 under
 * the debug directory TMP/debug; 3 TMP/debug/.build-id/xx/yyyy.debug for
 * A's build id; 4 nowhere. Without SEP, B is A again.
 */
#include <sys/stat.h>
#include "fuzz.h"
#include "symbolize/elf_dso.h"

#define SEP "\n--ember-fuzz: debug file "
#define SEP_END "--\n"
#define LINK "a.debug"

static char target[128], debug_dir[128], cands[3][256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = fuzz_tmpdir();
	char dir[256];

	(void)argc;
	(void)argv;
	snprintf(target, sizeof(target), "%s/bin/target", tmp);
	snprintf(debug_dir, sizeof(debug_dir), "%s/debug", tmp);
	snprintf(cands[0], sizeof(cands[0]), "%s/bin/" LINK, tmp);
	snprintf(cands[1], sizeof(cands[1]), "%s/bin/.debug/" LINK, tmp);
	snprintf(cands[2], sizeof(cands[2]), "%s%s/bin/" LINK, debug_dir, tmp);
	snprintf(dir, sizeof(dir), "%s/bin", tmp);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/bin/.debug", tmp);
	mkdir(dir, 0700);
	mkdir(debug_dir, 0700);
	snprintf(dir, sizeof(dir), "%s/.build-id", debug_dir);
	mkdir(dir, 0700);
	/* TMP/debug + TMP + /bin, every level */
	for (char *s = strchr(cands[2] + strlen(debug_dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(cands[2], 0700);
		*s = '/';
	}
	snprintf(dir, sizeof(dir), "%s/bin", tmp);
	if (access(dir, W_OK) || access(debug_dir, W_OK))
		fuzz_die("fuzz_elf: temporary directories");
	return 0;
}

/* What the symbolizer asks of an open file (frame states read the code
 * from the file's path: fd -1). */
static void query(struct elf_dso *d, const uint8_t *data, size_t size)
{
	unsigned int n;
	__u64 vaddr, off;

	elf_dso__build_id(d, &n);
	elf_dso__nr_symbols(d);
	elf_dso__debug_path(d);
	elf_dso__debug_rejected(d);
	for (unsigned int i = 0; i < 16; i++) {
		/* file offsets across the file, as map offsets are */
		if (elf_dso__offset_to_vaddr(d, size / 16 * i, &vaddr))
			continue;
		if (elf_dso__lookup(d, vaddr, &off))
			elf_dso__frame_state(d, -1, vaddr);
		elf_dso__frame_state(d, -1, vaddr + 1);
	}
	/* and addresses out of the input itself */
	for (unsigned int i = 0; i < 4; i++) {
		vaddr = fuzz_u64(data, size, size > 64 ? size - 64 + 8 * i : 8 * i);
		elf_dso__lookup(d, vaddr, &off);
		elf_dso__frame_state(d, -1, vaddr);
	}
}

static int walk_symbol(const struct elf_dso_symbol *sym, void *arg)
{
	__u8 code[64];
	__u64 off;

	if (!sym->name || !sym->name[0])
		abort();
	elf_dso__vaddr_to_offset(arg, sym->value, &off);
	if (elf_dso__read(arg, -1, sym->value, code, sizeof(code)) > (ssize_t)sizeof(code))
		abort();
	return 0;
}

static int walk_rela(const struct elf_dso_rela *rela, void *arg)
{
	(void)arg;
	if (rela->name && !rela->name[0])
		abort();
	return 0;
}

/* B at the place the input's size picks; returns its path or NULL. */
static const char *place_debug_file(const uint8_t *b, size_t blen, unsigned int pick, char *buf,
				    size_t bufsz)
{
	__u8 id[ELF_DSO_BUILD_ID_MAX];

	char hex[2 * ELF_DSO_BUILD_ID_MAX + 1];
	int n;

	if (pick == 4)
		return NULL;
	if (pick < 3) {
		fuzz_write_file(cands[pick], b, blen);
		return cands[pick];
	}
	n = elf_dso__read_build_id(target, id, sizeof(id));
	if (n < 2)
		return NULL;
	for (int i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", id[i]);
	snprintf(buf, bufsz, "%s/.build-id/%.2s", debug_dir, hex);
	mkdir(buf, 0700);
	snprintf(buf, bufsz, "%s/.build-id/%.2s/%s.debug", debug_dir, hex, hex + 2);
	fuzz_write_file(buf, b, blen);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *b = data;
	size_t alen = size, blen = size, seplen = sizeof(SEP) - 1 + 1 + sizeof(SEP_END) - 1;
	unsigned int pick = size % 5;
	const char *placed;
	char path[512];
	struct elf_dso *d;

	for (size_t i = 0; i + seplen <= size; i++) {
		if (data[i] == SEP[0] && !memcmp(data + i, SEP, sizeof(SEP) - 1) &&
		    !memcmp(data + i + sizeof(SEP), SEP_END, sizeof(SEP_END) - 1)) {
			alen = i;
			pick = (uint8_t)(data[i + sizeof(SEP) - 1] - '0') % 5;
			b = data + i + seplen;
			blen = size - alen - seplen;
			break;
		}
	}
	d = elf_dso__open_mem(data, alen, "[vdso]");
	if (d) {
		query(d, data, alen);
		elf_dso__free(d);
	}
	fuzz_write_file(target, data, alen);
	placed = place_debug_file(b, blen, pick, path, sizeof(path));
	d = elf_dso__open(target, debug_dir);
	if (d) {
		query(d, data, alen);
		elf_dso__free(d);
	}
	if (placed)
		unlink(placed);
	d = elf_dso__open_tables(target);
	if (d) {
		elf_dso__is_x86_64(d);
		elf_dso__for_each_symbol(d, walk_symbol, d);
		elf_dso__for_each_rela(d, walk_rela, NULL);
		elf_dso__free(d);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * alloc_sites: allocator entry points of one ELF file and where to probe
 * them (see alloc_sites.h for which names count).
 *
 * What the x86-64 kernel emulates at a uprobe instead of single-stepping
 * a copy of the instruction out of line (arch/x86/kernel/uprobes.c):
 * - branch_setup_xol_ops: jmp rel8/rel32 (eb, e9), call rel32 (e8), jcc
 *   rel8/rel32 (70-7f, 0f 80-8f), an 0x90 opcode after any prefixes
 *   (nop, pause, 66 90), and the exact byte sequences of x86_nops[1..8]
 *   (the canonical multi-byte nops, 0f 1f ...). A branch with a 66 prefix
 *   is refused.
 * - push_setup_xol_ops: push %r64, 50-57 alone or after exactly the REX
 *   prefix 41 (push %r8-%r15).
 * Nothing else: endbr64 (f3 0f 1e fa), mov, test, cmp, sub, syscall are
 * single-stepped. And uprobe_init_insn() refuses outright any instruction
 * with a lock or an es/cs/ss/ds segment prefix.
 * This file recognises a subset of those (no REX.B before 0x90, which the
 * kernel would wrongly treat as a nop; no 67 prefix on a branch): saying
 * "not emulated" of an emulated instruction only costs speed. The
 * instructions are decoded by x86_insn.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "collect/alloc_sites.h"
#include "lib/log.h"
#include "symbolize/elf_dso.h"
#include "arch/x86/x86_insn.h"

#define CODE_BYTES 32	 /* read at each function start */
#define WRAPPER_BYTES 64 /* searched for a call to another allocator function */

/* Name flags. */
#define N_ALLOCATOR 0x1 /* defining it makes the file an allocator */
#define N_CXX 0x2	/* C++ operator: only in an allocator */
#define N_WRAPPER 0x4	/* left out when it calls another allocator function */

struct alloc_name {
	const char *name;
	enum ember_alloc_kind kind;
	unsigned int flags;
};

/* Order matters: of names sharing an address, the first is kept. */
static const struct alloc_name names[] = {
	/* C, POSIX, glibc, musl */
	{ "malloc", EMBER_ALLOC_MALLOC, N_ALLOCATOR },
	{ "calloc", EMBER_ALLOC_CALLOC, 0 },
	{ "realloc", EMBER_ALLOC_REALLOC, 0 },
	{ "reallocarray", EMBER_ALLOC_REALLOCARRAY, N_WRAPPER },
	{ "posix_memalign", EMBER_ALLOC_POSIX_MEMALIGN, 0 },
	{ "aligned_alloc", EMBER_ALLOC_MEMALIGN, 0 },
	{ "memalign", EMBER_ALLOC_MEMALIGN, 0 },
	{ "valloc", EMBER_ALLOC_MALLOC, 0 },
	{ "pvalloc", EMBER_ALLOC_MALLOC, 0 },
	{ "free", EMBER_ALLOC_FREE, 0 },
	{ "mmap", EMBER_ALLOC_MMAP, 0 },
	{ "mmap64", EMBER_ALLOC_MMAP, 0 },
	{ "munmap", EMBER_ALLOC_MUNMAP, 0 },
	/* jemalloc built with the je_ prefix */
	{ "je_malloc", EMBER_ALLOC_MALLOC, N_ALLOCATOR },
	{ "je_calloc", EMBER_ALLOC_CALLOC, 0 },
	{ "je_realloc", EMBER_ALLOC_REALLOC, 0 },
	{ "je_posix_memalign", EMBER_ALLOC_POSIX_MEMALIGN, 0 },
	{ "je_aligned_alloc", EMBER_ALLOC_MEMALIGN, 0 },
	{ "je_memalign", EMBER_ALLOC_MEMALIGN, 0 },
	{ "je_valloc", EMBER_ALLOC_MALLOC, 0 },
	{ "je_free", EMBER_ALLOC_FREE, 0 },
	/* jemalloc's own API (xallocx resizes in place: left out) */
	{ "mallocx", EMBER_ALLOC_MALLOCX, N_ALLOCATOR },
	{ "rallocx", EMBER_ALLOC_RALLOCX, 0 },
	{ "dallocx", EMBER_ALLOC_FREE, 0 },
	{ "sdallocx", EMBER_ALLOC_FREE, 0 },
	{ "je_mallocx", EMBER_ALLOC_MALLOCX, N_ALLOCATOR },
	{ "je_rallocx", EMBER_ALLOC_RALLOCX, 0 },
	{ "je_dallocx", EMBER_ALLOC_FREE, 0 },
	{ "je_sdallocx", EMBER_ALLOC_FREE, 0 },
	/* tcmalloc (gperftools) */
	{ "tc_malloc", EMBER_ALLOC_MALLOC, N_ALLOCATOR },
	{ "tc_calloc", EMBER_ALLOC_CALLOC, 0 },
	{ "tc_realloc", EMBER_ALLOC_REALLOC, 0 },
	{ "tc_memalign", EMBER_ALLOC_MEMALIGN, 0 },
	{ "tc_posix_memalign", EMBER_ALLOC_POSIX_MEMALIGN, 0 },
	{ "tc_valloc", EMBER_ALLOC_MALLOC, 0 },
	{ "tc_pvalloc", EMBER_ALLOC_MALLOC, 0 },
	{ "tc_free", EMBER_ALLOC_FREE, 0 },
	{ "tc_cfree", EMBER_ALLOC_FREE, 0 },
	{ "tc_free_sized", EMBER_ALLOC_FREE, 0 },
	{ "tc_new", EMBER_ALLOC_MALLOC, 0 },
	{ "tc_newarray", EMBER_ALLOC_MALLOC, 0 },
	{ "tc_delete", EMBER_ALLOC_FREE, 0 },
	{ "tc_deletearray", EMBER_ALLOC_FREE, 0 },
	/* C++: new, new[], their nothrow forms, delete, delete[], sized */
	{ "_Znwm", EMBER_ALLOC_MALLOC, N_CXX | N_WRAPPER },
	{ "_Znam", EMBER_ALLOC_MALLOC, N_CXX | N_WRAPPER },
	{ "_ZnwmRKSt9nothrow_t", EMBER_ALLOC_MALLOC, N_CXX | N_WRAPPER },
	{ "_ZnamRKSt9nothrow_t", EMBER_ALLOC_MALLOC, N_CXX | N_WRAPPER },
	{ "_ZdlPv", EMBER_ALLOC_FREE, N_CXX | N_WRAPPER },
	{ "_ZdaPv", EMBER_ALLOC_FREE, N_CXX | N_WRAPPER },
	{ "_ZdlPvm", EMBER_ALLOC_FREE, N_CXX | N_WRAPPER },
	{ "_ZdaPvm", EMBER_ALLOC_FREE, N_CXX | N_WRAPPER },
};

#define NR_NAMES (sizeof(names) / sizeof(names[0]))

/* How good a symbol is as the definition of a name: lower wins, ties go
 * to the first seen. */
enum rank {
	RANK_DEFAULT = 0,     /* global or weak, default version or unversioned */
	RANK_LOCAL = 1,	      /* local (.symtab; hidden symbols end up local) */
	RANK_OLD_VERSION = 2, /* non-default version only */
	RANK_NONE = 3,	      /* not defined */
};

struct cand {
	__u64 vaddr;
	__u64 size; /* st_size, 0 if unknown */
	enum rank rank;
};

/* An imported table function, by the GOT slot its PLT stub jumps through. */
struct got_slot {
	__u64 addr;
	int idx; /* into names[] */
};

/* One open file while it is scanned. */
struct scan {
	const char *path;
	struct elf_dso *dso; /* its tables (elf_dso__open_tables) */
	bool x86_64;
	struct cand cands[NR_NAMES];
	struct got_slot *slots;
	size_t nr_slots;
	bool slots_loaded;
};

struct alloc_sites {
	char *path;
	struct alloc_site *v;
	unsigned int n;
	bool allocator;
};

/* ---- x86-64 instructions ---- */

/* x86_nops[] of arch/x86/kernel/alternative.c for 64-bit, by length. */
static const __u8 x86_nops[9][8] = {
	{ 0 },
	{ 0x90 },
	{ 0x66, 0x90 },
	{ 0x0f, 0x1f, 0x00 },
	{ 0x0f, 0x1f, 0x40, 0x00 },
	{ 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	{ 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

/* The lock and es/cs/ss/ds prefixes, on which the kernel refuses a uprobe. */
#define REFUSED_PREFIXES (X86_PFX_LOCK | X86_PFX_ES | X86_PFX_CS | X86_PFX_SS | X86_PFX_DS)

int alloc_sites__emulated_insn(const __u8 *code, size_t len)
{
	struct x86_insn in;
	size_t n;

	if (!code)
		return 0;
	for (n = 1; n <= 8; n++) {
		if (len >= n && !memcmp(code, x86_nops[n], n))
			return (int)n;
	}
	if (!x86_insn__decode(&in, code, len) || (in.prefixes & REFUSED_PREFIXES))
		return 0;
	if (x86_insn__is(&in, X86_MAP_ONE_BYTE, 0x90)) /* nop, pause, 66 90 */
		return in.rex & 1 ? 0 : (int)in.len;   /* REX.B makes it xchg %r8 */
	if (in.enc == X86_ENC_LEGACY && in.map == X86_MAP_ONE_BYTE && in.opcode >= 0x50 &&
	    in.opcode <= 0x57)
		return in.len == 1 || (in.len == 2 && in.rex == 0x41) ? (int)in.len : 0;
	if (in.prefixes & (X86_PFX_OPSIZE | X86_PFX_ADDRSIZE))
		return 0;
	/* jmp, call, jcc; not loop/jrcxz */
	if (x86_insn__is_jcc(&in) || x86_insn__is(&in, X86_MAP_ONE_BYTE, 0xeb) ||
	    x86_insn__is(&in, X86_MAP_ONE_BYTE, 0xe8) || x86_insn__is(&in, X86_MAP_ONE_BYTE, 0xe9))
		return (int)in.len;
	return 0;
}

/*
 * Length of an instruction that writes nothing but the flags, 0 if code
 * does not start with one: endbr64, test, cmp (memory operands included:
 * reading memory the function reads anyway changes nothing). *test_rdi
 * tells whether it is `test %rdi,%rdi`.
 */
static size_t flags_only_insn(const __u8 *code, size_t len, bool *test_rdi)
{
	struct x86_insn in;
	unsigned int reg;

	*test_rdi = false;
	if (!x86_insn__decode(&in, code, len))
		return 0;
	if (x86_insn__is_endbr64(&in))
		return in.len;
	if ((in.prefixes & REFUSED_PREFIXES) || in.enc != X86_ENC_LEGACY ||
	    in.map != X86_MAP_ONE_BYTE)
		return 0;
	reg = x86_insn__reg(&in);
	switch (in.opcode) {
	case 0x3c: /* cmp $imm,%al/%eax */
	case 0x3d:
	case 0xa8: /* test $imm,%al/%eax */
	case 0xa9:
	case 0x38: /* cmp r, r/m */
	case 0x39:
	case 0x3a:
	case 0x3b:
	case 0x84: /* test r, r/m */
		return in.len;
	case 0x85:
		*test_rdi = in.rex == 0x48 && !in.nr_prefixes && in.modrm == 0xff;
		return in.len;
	case 0x80: /* group 1: only /7 is cmp */
	case 0x81:
	case 0x83:
		return reg == 7 ? in.len : 0;
	case 0xf6: /* group 3: only /0 and /1 are test */
	case 0xf7:
		return reg <= 1 ? in.len : 0;
	default:
		return 0;
	}
}

/* je/jz, rel8 or rel32, after any prefixes. */
static bool is_je(const __u8 *code, size_t len)
{
	struct x86_insn in;

	return x86_insn__decode(&in, code, len) &&
	       (x86_insn__is(&in, X86_MAP_ONE_BYTE, 0x74) || x86_insn__is(&in, X86_MAP_0F, 0x84));
}

int alloc_sites__free_probe_offset(const __u8 *code, size_t len)
{
	bool null_check = false;
	size_t off = 0;

	if (!code)
		return -1;
	if (len > CODE_BYTES)
		len = CODE_BYTES;
	while (off < len) {
		int n = alloc_sites__emulated_insn(code + off, len - off);
		size_t f;

		if (n > 0) {
			/* The NULL check's jump leaves only for free(NULL). */
			if (!null_check || !is_je(code + off, (size_t)n))
				return (int)off;
			off += (size_t)n;
			null_check = false;
			continue;
		}
		f = flags_only_insn(code + off, len - off, &null_check);
		if (!f)
			return -1;
		off += f;
	}
	return -1;
}

/* ---- the ELF file ---- */

static int name_index(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NR_NAMES; i++) {
		if (names[i].name[0] == name[0] && !strncmp(names[i].name, name, len) &&
		    !names[i].name[len])
			return (int)i;
	}
	return -1;
}

/* Takes a symbol defining a table name (elf_dso__for_each_symbol). */
static int take_symbol(const struct elf_dso_symbol *sym, void *arg)
{
	struct scan *sc = arg;
	const char *name = sym->name;
	enum rank rank;
	size_t len;
	int idx;

	if (sym->type != STT_FUNC && sym->type != STT_GNU_IFUNC)
		return 0;
	/* .symtab spells versions into the name: name@@DEFAULT, name@OLD */
	len = strcspn(name, "@");
	idx = name_index(name, len);
	if (idx < 0)
		return 0;
	if (sym->type == STT_GNU_IFUNC) {
		p_debug(1, "%s: %s is an IFUNC: not probed", sc->path, names[idx].name);
		return 0;
	}
	rank = sym->bind == STB_LOCAL ? RANK_LOCAL : RANK_DEFAULT;
	if ((name[len] == '@' && name[len + 1] != '@') || sym->hidden)
		rank = RANK_OLD_VERSION;
	if (rank < sc->cands[idx].rank) {
		sc->cands[idx].vaddr = sym->value;
		sc->cands[idx].size = sym->size;
		sc->cands[idx].rank = rank;
	}
	return 0;
}

/* Up to size bytes of code at vaddr, not past its segment nor past
 * limit when limit is not 0. Returns the number read. */
static size_t read_code(const struct scan *sc, __u64 vaddr, __u64 limit, __u8 *buf, size_t size)
{
	ssize_t n;

	if (limit && limit < size)
		size = (size_t)limit;
	n = elf_dso__read(sc->dso, -1, vaddr, buf, size);
	return n > 0 ? (size_t)n : 0;
}

/* Keeps a GOT slot through which the file calls a table function it
 * imports (elf_dso__for_each_rela): JUMP_SLOT for PLT stubs, GLOB_DAT for
 * -fno-plt calls. */
static int take_got_slot(const struct elf_dso_rela *r, void *arg)
{
	struct scan *sc = arg;
	struct got_slot *v;
	int idx;

	if ((r->type != R_X86_64_JUMP_SLOT && r->type != R_X86_64_GLOB_DAT) || !r->name ||
	    (idx = name_index(r->name, strlen(r->name))) < 0)
		return 0;
	v = realloc(sc->slots, (sc->nr_slots + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	sc->slots = v;
	v[sc->nr_slots].addr = r->offset;
	v[sc->nr_slots++].idx = idx;
	return 0;
}

static int load_got_slots(struct scan *sc)
{
	sc->slots_loaded = true;
	return elf_dso__for_each_rela(sc->dso, take_got_slot, sc);
}

static int got_index(const struct scan *sc, __u64 addr)
{
	size_t i;

	for (i = 0; i < sc->nr_slots; i++) {
		if (sc->slots[i].addr == addr)
			return sc->slots[i].idx;
	}
	return -1;
}

/* The table function a call or jump to target reaches: one defined in
 * the file, or one imported through a PLT stub ([endbr64] [bnd] jmp
 * *slot(%rip)). -1 if none. */
static int target_index(const struct scan *sc, __u64 target)
{
	struct x86_insn in;
	__u8 stub[12];
	size_t i, n;
	__u64 slot;

	for (i = 0; i < NR_NAMES; i++) {
		if (sc->cands[i].rank != RANK_NONE && sc->cands[i].vaddr == target)
			return (int)i;
	}
	if (!sc->nr_slots)
		return -1;
	n = read_code(sc, target, 0, stub, sizeof(stub));
	i = x86_insn__decode(&in, stub, n) && x86_insn__is_endbr64(&in) ? in.len : 0;
	if (!x86_insn__decode(&in, stub + i, n - i) || !x86_insn__is_rip_call_jmp(&in) ||
	    x86_insn__reg(&in) != 4 || in.rex || (in.prefixes & ~X86_PFX_REPNE))
		return -1;
	x86_insn__rip_target(&in, target + i, &slot);
	return got_index(sc, slot);
}

/* Another table function that table function idx calls or jumps to in
 * its first bytes, or -1: a call or jmp rel32, or one through a GOT slot
 * (call/jmp *slot(%rip)). */
static int wrapped(struct scan *sc, int idx)
{
	const struct cand *c = &sc->cands[idx];
	__u8 code[WRAPPER_BYTES];
	struct x86_insn in;
	size_t i, n;

	if (!sc->slots_loaded && load_got_slots(sc))
		return -1;
	n = read_code(sc, c->vaddr, c->size, code, sizeof(code));
	for (i = 0; i < n && x86_insn__decode(&in, code + i, n - i); i += in.len) {
		__u64 to;
		int t = -1;

		if ((x86_insn__is(&in, X86_MAP_ONE_BYTE, 0xe8) ||
		     x86_insn__is(&in, X86_MAP_ONE_BYTE, 0xe9)) &&
		    x86_insn__rel_target(&in, c->vaddr + i, &to))
			t = target_index(sc, to);
		else if (x86_insn__is_rip_call_jmp(&in) &&
			 x86_insn__rip_target(&in, c->vaddr + i, &to))
			t = got_index(sc, to);
		if (t >= 0 && t != idx &&
		    (sc->cands[t].rank == RANK_NONE || sc->cands[t].vaddr != c->vaddr))
			return t;
	}
	return -1;
}

static bool kept_at(const struct alloc_sites *s, __u64 vaddr, const char **name)
{
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i].vaddr == vaddr) {
			*name = s->v[i].func;
			return true;
		}
	}
	return false;
}

static void set_site(const struct scan *sc, int idx, __u64 off, struct alloc_site *site)
{
	const struct cand *c = &sc->cands[idx];
	__u8 code[CODE_BYTES];
	size_t n;
	int first, later;

	memset(site, 0, sizeof(*site));
	site->func = names[idx].name;
	site->kind = names[idx].kind;
	site->vaddr = c->vaddr;
	site->entry_offset = off;
	site->probe_offset = off;
	site->has_return = site->kind != EMBER_ALLOC_FREE && site->kind != EMBER_ALLOC_MUNMAP;
	if (!sc->x86_64)
		return;
	/* Not past the function's end: a later site must stay inside it. */
	n = read_code(sc, c->vaddr, c->size, code, sizeof(code));
	first = alloc_sites__emulated_insn(code, n);
	site->emulated = first > 0;
	if (site->has_return)
		return;
	later = alloc_sites__free_probe_offset(code, n);
	if (later >= 0) {
		site->probe_offset = off + (__u64)later;
		site->emulated = true;
	}
}

static int collect_sites(struct alloc_sites *s, struct scan *sc)
{
	size_t i;

	/* A local malloc (ld.so's minimal one in older glibc) is the file's
	 * private business, not what the process allocates with. */
	for (i = 0; i < NR_NAMES; i++) {
		s->allocator |= (names[i].flags & N_ALLOCATOR) && sc->cands[i].rank != RANK_NONE &&
				sc->cands[i].rank != RANK_LOCAL;
	}
	s->v = calloc(NR_NAMES, sizeof(*s->v));
	if (!s->v)
		return -ENOMEM;
	for (i = 0; i < NR_NAMES; i++) {
		const struct cand *c = &sc->cands[i];
		const char *other;
		__u64 off;
		int w;

		if (c->rank == RANK_NONE)
			continue;
		if ((names[i].flags & N_CXX) && !s->allocator) {
			p_debug(2, "%s: %s left out: not an allocator's own", sc->path,
				names[i].name);
			continue;
		}
		if (kept_at(s, c->vaddr, &other)) {
			p_debug(2, "%s: %s left out: same function as %s", sc->path, names[i].name,
				other);
			continue;
		}
		if ((names[i].flags & N_WRAPPER) && sc->x86_64 && (w = wrapped(sc, (int)i)) >= 0) {
			p_debug(2, "%s: %s left out: it calls %s", sc->path, names[i].name,
				names[w].name);
			continue;
		}
		if (elf_dso__vaddr_to_offset(sc->dso, c->vaddr, &off)) {
			p_debug(1, "%s: %s at 0x%llx is in no loadable segment", sc->path,
				names[i].name, (unsigned long long)c->vaddr);
			continue;
		}
		set_site(sc, (int)i, off, &s->v[s->n++]);
	}
	return 0;
}

static int scan_file(struct alloc_sites *s, struct scan *sc)
{
	size_t i;
	int tables;

	for (i = 0; i < NR_NAMES; i++)
		sc->cands[i].rank = RANK_NONE;
	/* regular files only: never block on a FIFO or read a device */
	sc->dso = elf_dso__open_tables(sc->path);
	if (!sc->dso)
		return errno == EINVAL ? -ENOEXEC : -errno;
	sc->x86_64 = elf_dso__is_x86_64(sc->dso);
	tables = elf_dso__for_each_symbol(sc->dso, take_symbol, sc);
	if (tables < 0)
		return tables;
	if (!tables)
		return -ENOEXEC;
	return collect_sites(s, sc);
}

struct alloc_sites *alloc_sites__find(const char *path)
{
	struct scan sc = { .path = path };
	struct alloc_sites *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->path = strdup(path);
	if (!s->path) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = scan_file(s, &sc);
	if (!err)
		p_debug(2, "%s: %u allocator functions", path, s->n);
cleanup:
	elf_dso__free(sc.dso);
	free(sc.slots);
	if (err) {
		alloc_sites__free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

void alloc_sites__free(struct alloc_sites *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->path);
	free(s);
}

unsigned int alloc_sites__count(const struct alloc_sites *s)
{
	return s ? s->n : 0;
}

const struct alloc_site *alloc_sites__get(const struct alloc_sites *s, unsigned int i)
{
	return s && i < s->n ? &s->v[i] : NULL;
}

const char *alloc_sites__path(const struct alloc_sites *s)
{
	return s ? s->path : NULL;
}

bool alloc_sites__is_allocator(const struct alloc_sites *s)
{
	return s && s->allocator;
}

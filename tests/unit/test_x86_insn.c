// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for x86_insn against objdump. Fixtures are compiled at run
 * time with gcc (-O0 and -O2, PIE and shared, PLT and -fno-plt, CET's
 * endbr64 and .plt.sec, SSE, AVX2 and AVX-512, and an inline-asm block of
 * rarer encodings) and disassembled with `objdump -d`; for every
 * instruction of every executable section the decoder must find objdump's
 * length, and the branch targets and rip-relative addresses objdump
 * prints. Raw byte strings that objdump refuses (or shows a stray REX of
 * as an instruction of its own) the decoder must refuse too.
 */
#include <ctype.h>
#include <inttypes.h>
#include "elf_fixtures.h"
#include "arch/x86/x86_insn.h"

static char *dir;

/* One instruction as objdump shows it. */
struct od_insn {
	__u64 addr;
	__u8 bytes[16];
	unsigned int n;
	bool run_start; /* not contiguous with the one before (new section, "...") */
	char text[200]; /* the mnemonic and operands */
};

struct od_list {
	struct od_insn *v;
	size_t n;
};

/* What the comparison met, to show the fixtures cover each class. */
struct seen {
	unsigned long insns, rel_branches, rip, rip_call_jmp, endbr64, jcc, vex, evex, xop, rex;
};

/* `objdump -d` (args) into out: one entry per instruction line. */
static void objdump_read(const char *args, struct od_list *out)
{
	char *cmd, line[512];
	__u64 next = 0;
	FILE *p;

	memset(out, 0, sizeof(*out));
	assert_true(asprintf(&cmd, "objdump -d -w --insn-width=16 %s", args) > 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		struct od_insn *in;
		char *s = line, *end, *tab;
		unsigned long long addr;

		if (strstr(line, "Disassembly of section") || !strcmp(line, "\t...\n")) {
			next = 0;
			continue;
		}
		while (*s == ' ')
			s++;
		addr = strtoull(s, &end, 16);
		if (end == s || end[0] != ':' || end[1] != '\t')
			continue;
		out->v = realloc(out->v, (out->n + 1) * sizeof(*out->v));
		assert_non_null(out->v);
		in = &out->v[out->n++];
		memset(in, 0, sizeof(*in));
		in->addr = addr;
		in->run_start = addr != next;
		s = end + 2;
		tab = strchr(s, '\t');
		while (s < (tab ? tab : s + strlen(s)) && isxdigit((unsigned char)s[0]) &&
		       isxdigit((unsigned char)s[1])) {
			assert_true(in->n < sizeof(in->bytes));
			in->bytes[in->n++] = (__u8)strtoul((char[3]){ s[0], s[1], 0 }, NULL, 16);
			s += 3;
		}
		assert_true(in->n > 0);
		if (tab)
			snprintf(in->text, sizeof(in->text), "%s", tab + 1);
		in->text[strcspn(in->text, "\n")] = 0;
		next = addr + in->n;
	}
	assert_int_equal(pclose(p), 0);
	free(cmd);
}

/* objdump's mnemonic, past the prefixes it spells out. */
static const char *mnemonic(const char *text)
{
	static const char *const pfx[] = { "bnd ",  "notrack ", "data16 ", "addr32 ", "cs ",
					   "ds ",   "es ",	"fs ",	   "gs ",     "ss ",
					   "lock ", "rep ",	"repz ",   "repnz " };
	bool more = true;

	while (more) {
		more = false;
		if (!strncmp(text, "rex", 3) && strchr(text, ' ')) {
			text = strchr(text, ' ') + 1; /* rex, rex.W, rex.RXB... */
			more = true;
		}
		for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
			if (!strncmp(text, pfx[i], strlen(pfx[i]))) {
				text += strlen(pfx[i]);
				more = true;
			}
		}
	}
	return text;
}

/* The hex address objdump gives as a direct branch's operand. */
static bool od_branch_target(const char *text, __u64 *target)
{
	const char *m = mnemonic(text), *op;
	char *end;

	if (m[0] != 'j' && strncmp(m, "call", 4) && strncmp(m, "loop", 4))
		return false;
	op = m + strcspn(m, " ");
	while (*op == ' ')
		op++;
	*target = strtoull(op, &end, 16);
	return end != op && (*end == ' ' || !*end);
}

/* The address objdump comments a rip-relative operand with: "# 4018 <x>". */
static bool od_rip_target(const char *text, __u64 *target)
{
	const char *c = strstr(text, "(%rip)");

	if (!c)
		return false;
	c = strstr(c, "# ");
	assert_non_null(c);
	*target = strtoull(c + 2, NULL, 16);
	return true;
}

static void check_one(const struct od_list *l, size_t k, struct seen *seen)
{
	const struct od_insn *o = &l->v[k];
	const char *m = mnemonic(o->text);
	__u8 buf[64];
	struct x86_insn in, tr;
	size_t len = 0, j;
	__u64 t, want;

	/* the bytes that follow in the section: the decoder must stop at o->n */
	for (j = k; j < l->n && (j == k || !l->v[j].run_start) && len + 16 <= sizeof(buf); j++) {
		memcpy(buf + len, l->v[j].bytes, l->v[j].n);
		len += l->v[j].n;
	}
	if (o->n > 2 && o->bytes[0] == 0x9b && (o->bytes[1] & 0xf8) == 0xd8) {
		/* objdump's fstcw...: fwait, then the x87 instruction */
		assert_int_equal(x86_insn__decode(&in, buf, len), 1);
		assert_int_equal(x86_insn__decode(&in, buf + 1, len - 1), o->n - 1);
		seen->insns++;
		return;
	}
	if (x86_insn__decode(&in, buf, len) != o->n)
		fail_msg("0x%" PRIx64 " %s (%u bytes): decoded %u", (uint64_t)o->addr, o->text,
			 o->n, in.len);
	/* exactly its bytes decode the same; one fewer does not */
	assert_int_equal(x86_insn__decode(&tr, o->bytes, o->n), o->n);
	assert_int_equal(x86_insn__decode(&tr, o->bytes, o->n - 1), 0);

	if (x86_insn__rel_target(&in, o->addr, &t)) {
		if (!od_branch_target(o->text, &want) || t != want)
			fail_msg("0x%" PRIx64 " %s: branch target 0x%" PRIx64, (uint64_t)o->addr,
				 o->text, (uint64_t)t);
		seen->rel_branches++;
	} else if (od_branch_target(o->text, &want)) {
		fail_msg("0x%" PRIx64 " %s: no branch decoded", (uint64_t)o->addr, o->text);
	}
	if (od_rip_target(o->text, &want)) {
		if (!x86_insn__rip_target(&in, o->addr, &t) || t != want)
			fail_msg("0x%" PRIx64 " %s: rip target", (uint64_t)o->addr, o->text);
		seen->rip++;
	} else {
		assert_false(in.rip_relative);
	}
	/* call/jmp *disp(%rip) */
	assert_int_equal(x86_insn__is_rip_call_jmp(&in),
			 (!strncmp(m, "call", 4) || !strncmp(m, "jmp", 3)) &&
			     strstr(o->text, "*0x") && strstr(o->text, "(%rip)"));
	seen->rip_call_jmp += x86_insn__is_rip_call_jmp(&in);
	assert_int_equal(x86_insn__is_endbr64(&in), !strcmp(m, "endbr64"));
	seen->endbr64 += x86_insn__is_endbr64(&in);
	assert_int_equal(x86_insn__is_jcc(&in), m[0] == 'j' && strncmp(m, "jmp", 3) &&
						    strncmp(m, "jrcxz", 5) &&
						    strncmp(m, "jecxz", 5));
	seen->jcc += x86_insn__is_jcc(&in);
	seen->vex += in.enc == X86_ENC_VEX;
	seen->evex += in.enc == X86_ENC_EVEX;
	seen->xop += in.enc == X86_ENC_XOP;
	seen->rex += in.rex != 0;
	seen->insns++;
}

/* Every instruction objdump shows in file's executable sections. */
static void check_file(const char *name, struct seen *seen)
{
	char *file = fpath(dir, "%s", name);
	struct od_list l;
	size_t k;

	objdump_read(file, &l);
	assert_true(l.n > 50);
	for (k = 0; k < l.n; k++) {
		if (strstr(l.v[k].text, "(bad)"))
			fail_msg("%s: objdump cannot decode 0x%" PRIx64, name,
				 (uint64_t)l.v[k].addr);
		check_one(&l, k, seen);
	}
	free(l.v);
	free(file);
}

static const char fixture_src[] =
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "volatile int sink;\n"
    "long counter;\n"
    "double weights[256];\n"
    "float vec_a[1024], vec_b[1024];\n"
    "extern int ext_func(int);\n"
    "int leaf(int x) { return x * 3 + sink; }\n"
    "long wide(long a, long b, long c, long d, long e, long f, long g, long h)\n"
    "{ return (a * b) ^ (c >> 3) ^ (d << 5) ^ (e / (f | 1)) ^ (g % (h | 1)) ^ counter; }\n"
    "unsigned __int128 mul128(unsigned long a, unsigned long b)\n"
    "{ return (unsigned __int128)a * b; }\n"
    "int calls(int x) { return ext_func(x) + abs(x) + (int)strlen(\"abc\" + (x & 1)); }\n"
    "void *alloc(size_t n) { void *p = malloc(n); if (p) memset(p, 0, n); return p; }\n"
    "double dot(int n) { double s = 0; for (int i = 0; i < n; i++) s += weights[i] * i;\n"
    "  return s; }\n"
    "void saxpy(float a) { for (int i = 0; i < 1024; i++) vec_a[i] = a * vec_a[i] + vec_b[i];\n"
    "}\n"
    "int sw(int x) {\n"
    "  switch (x) { case 0: return leaf(1); case 1: return 7; case 2: return sink;\n"
    "  case 3: return x * 9; case 4: return leaf(x); case 5: return 11; case 6: return 2;\n"
    "  default: return -1; }\n"
    "}\n"
    "short narrow(short a, unsigned char b) { return (short)(a * 1000 + b + 0x1234); }\n"
    "int bits(unsigned long v) { return __builtin_popcountl(v) + __builtin_ctzl(v | 1); }\n"
    "int big_frame(int i) { volatile char buf[4096]; buf[i & 4095] = 1; return buf[0]; }\n"
    "int main(int argc, char **argv) { (void)argv; saxpy(1); return sw(argc) + calls(argc);\n"
    "}\n";

/* Encodings compilers rarely emit, as gas spells them; never run. */
static const char asm_src[] =
    "void rare(void) {\n"
    "  __asm__ volatile(\n"
    "    \"movabs $0x1122334455667788, %%rax\\n movabs 0x1122334455667788, %%al\\n\"\n"
    "    \"movabs %%eax, 0x1122334455667788\\n mov $0x1234, %%r9w\\n add $0x7f, %%r12b\\n\"\n"
    "    \"enter $16, $1\\n leave\\n pushw $0x1234\\n push $-5\\n push $0x12345678\\n\"\n"
    "    \"ret $8\\n lock cmpxchg %%rcx, 8(%%rdx)\\n rep movsb\\n repnz scasb\\n\"\n"
    "    \"mov %%fs:0x28, %%rax\\n mov %%gs:(%%rax), %%ebx\\n addr32 mov (%%eax), %%ecx\\n\"\n"
    "    \"lea 0x10(%%rip), %%rsi\\n lea 0x10(,%%rax,8), %%rsi\\n lea (%%r13), %%rsi\\n\"\n"
    "    \"mov 0x12345678(%%rsp,%%r14,4), %%r15\\n testw $0x1234, (%%rbx)\\n\"\n"
    "    \"testb $1, %%al\\n test $0x12345678, %%eax\\n testq $-1, 0x10(%%rip)\\n\"\n"
    "    \"jrcxz 1f\\n loop 1f\\n 1: int3\\n int $0x80\\n cpuid\\n rdtsc\\n syscall\\n\"\n"
    "    \"fldl 8(%%rsp)\\n faddp\\n fnstsw %%ax\\n fstcw 2(%%rsp)\\n fstsw %%ax\\n shld $3, "
    "%%rax, %%rbx\\n bt $5, %%ecx\\n\"\n"
    "    \"shufps $0x1b, %%xmm1, %%xmm2\\n pshufd $0x1b, 0x10(%%rip), %%xmm3\\n\"\n"
    "    \"pextrw $2, %%xmm1, %%eax\\n pinsrw $1, %%eax, %%xmm5\\n psrlq $4, %%xmm6\\n\"\n"
    "    \"crc32q %%rax, %%rbx\\n movbe (%%rdi), %%eax\\n palignr $3, %%xmm1, %%xmm2\\n\"\n"
    "    \"roundsd $1, %%xmm0, %%xmm1\\n pclmulqdq $0x11, %%xmm3, %%xmm4\\n\"\n"
    "    \"vpermq $0x4e, %%ymm1, %%ymm2\\n vzeroupper\\n vzeroall\\n vmovdqu (%%r8), %%ymm9\\n\"\n"
    "    \"vpshufd $1, %%xmm1, %%xmm2\\n vaddps %%zmm1, %%zmm2, %%zmm3\\n\"\n"
    "    \"vpternlogd $0x96, 0x40(%%rax), %%zmm1, %%zmm2\\n vcmpps $1, %%zmm1, %%zmm2, %%k1\\n\"\n"
    "    \"vprotd $5, %%xmm1, %%xmm2\\n vpcmov %%xmm1, %%xmm2, %%xmm3, %%xmm4\\n\"\n"
    "    \"bextr $0x1234, %%eax, %%ebx\\n extrq $4, $8, %%xmm1\\n insertq $4, $8, %%xmm2, "
    "%%xmm1\\n\"\n"
    "    \"xbegin 2f\\n 2: xabort $1\\n ud2\\n pause\\n nopw 0x0(%%rax,%%rax,1)\\n\"\n"
    "    \".byte 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0\\n prefetcht0 (%%rax)\\n "
    "cmpxchg16b (%%rsi)\\n\"\n"
    "    \"mov %%cr0, %%rax\\n pop 8(%%rsp)\\n notrack jmp *%%rax\\n bnd jmp *0x20(%%rip)\\n\"\n"
    "    \"call *0x30(%%rip)\\n jmp *(%%rax,%%rbx,8)\\n mov %%rsp, %%rbp\\n\"\n"
    "    ::: \"memory\");\n"
    "}\n";

static int group_setup(void **state)
{
	char *src, *asm_c;

	(void)state;
	dir = strdup("/tmp/ember-x86-XXXXXX");
	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	src = fpath(dir, "src.c");
	asm_c = fpath(dir, "rare.c");
	write_text(src, fixture_src);
	write_text(asm_c, asm_src);
	run("cd %s && printf 'int ext_func(int x) { return x + 1; }\\n' > ext.c && "
	    "gcc -O2 -shared -fPIC -o libext.so ext.c",
	    dir);
	/* -O0 frame-pointer prologues, PLT calls */
	run("cd %s && gcc -O0 -fno-omit-frame-pointer -fPIE -pie -o o0 src.c -L. -lext", dir);
	/* -O2, no frame pointer, a shared library with calls through its PLT */
	run("cd %s && gcc -O2 -fPIC -shared -o o2.so src.c -L. -lext", dir);
	/* CET: endbr64, notrack jumps, .plt.sec stubs */
	run("cd %s && gcc -O2 -fcf-protection -fPIE -pie -Wl,-z,ibtplt -o cet src.c -L. -lext",
	    dir);
	/* -fno-plt: call *slot(%%rip) */
	run("cd %s && gcc -O2 -fno-plt -fPIC -shared -o noplt.so src.c -L. -lext", dir);
	/* vectorized: VEX (AVX2) and EVEX (AVX-512) */
	run("cd %s && gcc -O3 -mavx2 -mfma -fPIC -shared -o avx2.so src.c -L. -lext", dir);
	run("cd %s && gcc -O3 -mavx512f -mavx512bw -mprefer-vector-width=512 -fPIC -shared -o "
	    "avx512.so src.c -L. -lext",
	    dir);
	run("cd %s && gcc -O1 -c -o rare.o rare.c", dir);
	free(src);
	free(asm_c);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	fixture_dir_free(dir);
	return 0;
}

static void test_compiled(void **state)
{
	static const char *const files[] = { "o0",	"o2.so",     "cet",	 "noplt.so",
					     "avx2.so", "avx512.so", "libext.so" };
	struct seen seen = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		check_file(files[i], &seen);
	print_message("%lu instructions: %lu relative branches, %lu rip-relative, %lu call/jmp "
		      "through rip, %lu endbr64, %lu jcc, %lu VEX, %lu EVEX, %lu with REX\n",
		      seen.insns, seen.rel_branches, seen.rip, seen.rip_call_jmp, seen.endbr64,
		      seen.jcc, seen.vex, seen.evex, seen.rex);
	/* the fixtures hold each kind the callers look for */
	assert_true(seen.insns > 1000);
	assert_true(seen.rel_branches > 50);
	assert_true(seen.rip > 50);
	assert_true(seen.rip_call_jmp > 10); /* PLT stubs, -fno-plt calls */
	assert_true(seen.endbr64 > 5);
	assert_true(seen.jcc > 20);
	assert_true(seen.vex > 10);
	assert_true(seen.evex > 2);
	assert_true(seen.rex > 200);
}

static void test_rare(void **state)
{
	struct seen seen = { 0 };

	(void)state;
	check_file("rare.o", &seen);
	assert_true(seen.insns > 60);
	assert_true(seen.xop >= 2);
	assert_true(seen.evex >= 3);
}

/* Byte strings objdump shows as something other than one instruction: a
 * REX before a prefix or another REX, opcodes 64-bit mode lacks, 8f /1.
 * Each must decode to 0, and each objdump agrees on, by (bad) or by
 * showing fewer bytes. */
static void test_refused(void **state)
{
	static const struct {
		__u8 b[16];
		unsigned int n;
	} cases[] = {
		{ { 0x48, 0x66, 0x90 }, 3 },
		{ { 0x48, 0x48, 0x90 }, 3 },
		{ { 0x41, 0xf2, 0xe9, 0, 0, 0, 0 }, 7 },
		{ { 0x06 }, 1 },
		{ { 0x60 }, 1 },
		{ { 0x9a, 1, 2, 3, 4, 5, 6 }, 7 },
		{ { 0xd4, 0x0a }, 2 },
		{ { 0xea, 1, 2, 3, 4, 5, 6 }, 7 },
		{ { 0x8f, 0x20 }, 2 },
		{ { 0x0f, 0x04 }, 2 },
		{ { 0x0f, 0x0a }, 2 },
		/* 15 bytes of prefixes before a nop: 16 in all */
		{ { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		    0x66, 0x66, 0x90 },
		  16 },
	};
	struct x86_insn in;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *bin = fpath(dir, "bad%zu.bin", i), *args;
		struct od_list l;
		FILE *f = fopen(bin, "w");

		assert_non_null(f);
		assert_int_equal(fwrite(cases[i].b, 1, cases[i].n, f), cases[i].n);
		assert_int_equal(fclose(f), 0);
		assert_true(asprintf(&args, "-D -b binary -m i386:x86-64 %s", bin) > 0);
		objdump_read(args, &l);
		assert_true(l.n > 0);
		if (!strstr(l.v[0].text, "(bad)") && l.v[0].n == cases[i].n)
			fail_msg("case %zu: objdump decodes %s", i, l.v[0].text);
		if (x86_insn__decode(&in, cases[i].b, cases[i].n))
			fail_msg("case %zu: decoded %u bytes", i, in.len);
		free(l.v);
		free(args);
		free(bin);
	}
	assert_int_equal(x86_insn__decode(&in, NULL, 4), 0);
	assert_int_equal(x86_insn__decode(&in, cases[0].b, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled),
		cmocka_unit_test(test_rare),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

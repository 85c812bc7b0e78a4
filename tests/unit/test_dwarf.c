// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_dwarf.c - symbols/dwarf.h: signatures, parameter types and locations, members,
 * bit-fields, elements and shapes, debug files, MiniDebugInfo.
 *
 * The fixtures (tests/fixtures/dw_*.c, built by fixtures.mk into $UPTRACE_FIXTURES, default
 * build/fixtures) are one program built -O0 and -O2, and stripped copies whose DWARF lives
 * in debug files found by .gnu_debuglink, .debug/, a --debuginfo directory and build-id.
 * Every expectation is independent of symbols/:
 *  - addresses come from `nm`; declaration lines from the fixture source text;
 *  - -O2 locations at the entry are the x86-64 SysV ABI's argument registers and stack
 *    slots (rdi rsi rdx rcx r8 r9 = DWARF 5 4 1 2 8 9; then rsp+8, rsp+16);
 *  - -O0 locations are the frame slots the prologue stores each argument register into,
 *    read from `objdump -d`, and the probe address is the instruction after those stores;
 *  - member offsets are offsetof() of the same struct definitions (dw_types.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dwarfinfo.h"
#include "symbols.h"
#include "../fixtures/dw_types.h"

#define MEM  SYM_LOC_MEM
#define REG  SYM_LOC_REG
#define NONE SYM_LOC_NONE

/* x86-64 DWARF register numbers. */
enum {
	RAX = 0,
	RDX = 1,
	RCX = 2,
	RBX = 3,
	RSI = 4,
	RDI = 5,
	RBP = 6,
	RSP = 7,
	R8 = 8,
	R9 = 9,
	XMM0 = 17
};

static const char *fixture_dir;

/* ---- captured messages ---------------------------------------------------------------- */

#include "capture.h"

/* ---- fixtures and independent expectations -------------------------------------------- */

static const char *fx(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", fixture_dir, name);
	return buf[i];
}

static struct sym_dwarf *open_dw(const char *name, const char *const *extra)
{
	struct sym_dwarf *d = NULL;

	msg_reset();
	assert_int_equal(sym_dwarf__open(fx(name), extra, &d), 0);
	assert_non_null(d);
	assert_no_msg();
	return d;
}

/* Address of `name` from nm; with `src`, the one whose `nm -l` line is in that file. */
static uint64_t nm_addr(const char *fixture, const char *name, const char *src)
{
	char cmd[PATH_MAX + 64], line[1024], sym[512], type;
	unsigned long long addr, found = 0;
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm -l --defined-only '%s'", fx(fixture));
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %511s", &addr, &type, sym) != 3 || strcmp(sym, name))
			continue;
		if (src && !strstr(line, src))
			continue;
		found = addr;
		n++;
	}
	pclose(f);
	if (n != 1)
		fail_msg("nm: %d matches of %s in %s", n, name, fixture);
	return found;
}

static bool nm_has(const char *fixture, const char *name)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "nm --defined-only '%s' 2>/dev/null | grep -qw '%s'",
		 fx(fixture), name);
	return system(cmd) == 0;
}

/* The line of the fixture source where `decl` (e.g. "int dw_eight(") first appears. */
static int source_line(const char *path, const char *decl)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		fail_msg("cannot read %s (run the tests from the source tree)", path);
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, decl)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	fail_msg("%s: no '%s'", path, decl);
	return 0;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

/* Two names of one file. */
static void assert_same_file(const char *got, const char *want)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (!realpath(got, a) || !realpath(want, b) || strcmp(a, b))
		fail_msg("file %s is not %s", got, want);
}

static void get_func(struct sym_dwarf *d, const char *fixture, const char *name, const char *src,
		     struct sym_fn_info *f)
{
	uint64_t addr = nm_addr(fixture, name, src);

	msg_reset();
	assert_int_equal(sym_dwarf__func(d, name, addr, f), 0);
	assert_no_msg();
	assert_string_equal(f->name, name);
	assert_int_equal(f->addr, addr);
}

static void assert_decl(const struct sym_fn_info *f, const char *src, const char *decl)
{
	assert_non_null(f->decl_file);
	if (!ends_with(f->decl_file, src))
		fail_msg("decl_file %s is not %s", f->decl_file, src);
	assert_int_equal(f->decl_line, source_line(src, decl));
}

static void assert_param(const struct sym_param *p, const char *name, const char *type,
			 enum sym_type_kind kind, uint32_t size, bool is_signed)
{
	assert_string_equal(p->name, name);
	assert_string_equal(p->type.name, type);
	assert_int_equal(p->type.kind, kind);
	assert_int_equal(p->type.size, size);
	assert_int_equal(p->type.is_signed, is_signed);
}

static void assert_loc(const struct sym_param *p, enum sym_loc_kind kind, int reg, int64_t off)
{
	if (p->loc.kind != kind || (kind != NONE && (p->loc.reg != reg || p->loc.off != off)))
		fail_msg("%s: location kind %d reg %d off %lld (%s), expected kind %d reg %d off "
			 "%lld",
			 p->name, p->loc.kind, p->loc.reg, (long long)p->loc.off,
			 p->loc.why ? p->loc.why : "", kind, reg, (long long)off);
}

/* ---- the -O0 prologue, from objdump ---------------------------------------------------- */

struct store {
	int reg;  /* DWARF number of the argument register stored */
	long off; /* to off(%rbp) */
};

struct prologue {
	bool push_rbp, mov_rsp_rbp;
	struct store st[16];
	int nst;
	uint64_t after_last_store; /* the instruction after the last argument store */
};

static int reg_number(const char *r)
{
	static const struct {
		int dw;
		const char *names[4];
	} regs[] = {
		{RAX, {"rax", "eax", "ax", "al"}},
		{RDX, {"rdx", "edx", "dx", "dl"}},
		{RCX, {"rcx", "ecx", "cx", "cl"}},
		{RSI, {"rsi", "esi", "si", "sil"}},
		{RDI, {"rdi", "edi", "di", "dil"}},
		{R8, {"r8", "r8d", "r8w", "r8b"}},
		{R9, {"r9", "r9d", "r9w", "r9b"}},
		{XMM0, {"xmm0", "xmm0", "xmm0", "xmm0"}},
		{XMM0 + 1, {"xmm1", "xmm1", "xmm1", "xmm1"}},
	};
	size_t i, j;

	if (*r == '%')
		r++;
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (j = 0; j < 4; j++)
			if (!strcmp(r, regs[i].names[j]))
				return regs[i].dw;
	return -1;
}

/*
 * The argument-register stores of the prologue, at [addr, end): every `mov %reg,-N(%rbp)`,
 * following register copies (`mov %ecx,%eax; mov %al,-0x24(%rbp)`).
 */
static void read_prologue(const char *fixture, uint64_t addr, uint64_t end, struct prologue *p)
{
	char cmd[PATH_MAX + 128], line[512], mn[32], src[32], dst[64];
	unsigned long long a;
	bool pending = false;
	int alias[64], r, s;
	long off;
	FILE *f;

	memset(p, 0, sizeof(*p));
	for (r = 0; r < 64; r++)
		alias[r] = r;
	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn --start-address=0x%llx --stop-address=0x%llx '%s'",
		 (unsigned long long)addr, (unsigned long long)end, fx(fixture));
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %llx: %31s", &a, mn) != 2)
			continue;
		if (pending)
			p->after_last_store = a;
		pending = false;
		if (!strcmp(mn, "push") && strstr(line, "%rbp"))
			p->push_rbp = true;
		if (sscanf(line, " %llx: %31s %31[^,],%63s", &a, mn, src, dst) != 4)
			continue;
		if (!strcmp(mn, "mov") && !strcmp(src, "%rsp") && !strcmp(dst, "%rbp"))
			p->mov_rsp_rbp = true;
		r = reg_number(src);
		if (r < 0)
			continue;
		if (sscanf(dst, "-0x%lx(%%rbp)", &off) == 1) {
			assert_true(p->nst < 16);
			p->st[p->nst++] = (struct store){.reg = alias[r], .off = -off};
			pending = true;
		} else if ((s = reg_number(dst)) >= 0) {
			alias[s] = alias[r];
		}
	}
	pclose(f);
	if (pending)
		p->after_last_store = end;
}

static long stored_at(const struct prologue *p, int reg)
{
	int i;

	for (i = 0; i < p->nst; i++)
		if (p->st[i].reg == reg)
			return p->st[i].off;
	fail_msg("the prologue stores no register %d", reg);
	return 0;
}

/* ---- opening ----------------------------------------------------------------------------- */

static void test_open_errors(void **state)
{
	struct sym_dwarf *d = (void *)1;

	msg_reset();
	assert_int_equal(sym_dwarf__open(fx("no-such-file"), NULL, &d), -ENOENT);
	assert_null(d);
	assert_one_msg("no-such-file", "No such file", NULL);

	msg_reset();
	assert_int_equal(sym_dwarf__open(fixture_dir, NULL, &d), -EISDIR);
	assert_one_msg(fixture_dir, "directory", NULL);

	msg_reset();
	assert_int_equal(sym_dwarf__open(fx("not-elf.txt"), NULL, &d), -ENOEXEC);
	assert_one_msg("not-elf.txt", "not an ELF file", NULL);

	msg_reset();
	assert_int_equal(sym_dwarf__open(fx("symfix.o"), NULL, &d), -ENOEXEC);
	assert_one_msg("symfix.o", "not an executable or shared object", NULL);

	sym_dwarf__close(NULL);
}

static void test_no_dwarf(void **state)
{
	struct sym_dwarf *d = (void *)1;

	msg_reset();
	assert_int_equal(sym_dwarf__open(fx("dw-nodebug"), NULL, &d), -ENODATA);
	assert_null(d);
	assert_no_msg();
	/* MiniDebugInfo has symbols, not DWARF. */
	assert_int_equal(sym_dwarf__open(fx("dw-mini"), NULL, &d), -ENODATA);
	assert_no_msg();
}

static void test_in_object(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);

	assert_same_file(sym_dwarf__file(d), fx("dw-O2"));
	assert_string_equal(sym_dwarf__object(d), fx("dw-O2"));
	sym_dwarf__close(d);
}

/* ---- -O2: locations at the entry ------------------------------------------------------ */

static void test_o2_eight(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_eight", NULL, &f);
	assert_string_equal(f.signature, "int dw_eight(int a, long int b, short int c, "
					 "unsigned char d, char *e, void *f, long int g, int h)");
	assert_decl(&f, "tests/fixtures/dw_funcs.c", "DW_FN int dw_eight(");
	assert_int_equal(f.probe_addr, f.addr);
	assert_null(f.moved_why);
	assert_false(f.variadic);
	assert_false(f.inlined_everywhere);
	assert_false(f.partly_inlined);
	assert_int_equal(f.ret.kind, SYM_T_INT);
	assert_string_equal(f.ret.name, "int");

	assert_int_equal(f.nparams, 8);
	assert_param(&f.params[0], "a", "int", SYM_T_INT, 4, true);
	assert_param(&f.params[1], "b", "long int", SYM_T_INT, 8, true);
	assert_param(&f.params[2], "c", "short int", SYM_T_INT, 2, true);
	assert_param(&f.params[3], "d", "unsigned char", SYM_T_INT, 1, false);
	assert_param(&f.params[4], "e", "char *", SYM_T_CHAR_PTR, 8, false);
	assert_param(&f.params[5], "f", "void *", SYM_T_VOID_PTR, 8, false);
	assert_param(&f.params[6], "g", "long int", SYM_T_INT, 8, true);
	assert_param(&f.params[7], "h", "int", SYM_T_INT, 4, true);

	/* The SysV ABI at the first instruction: six registers, then the caller's stack. */
	assert_loc(&f.params[0], REG, RDI, 0);
	assert_loc(&f.params[1], REG, RSI, 0);
	assert_loc(&f.params[2], REG, RDX, 0);
	assert_loc(&f.params[3], REG, RCX, 0);
	assert_loc(&f.params[4], REG, R8, 0);
	assert_loc(&f.params[5], REG, R9, 0);
	assert_loc(&f.params[6], MEM, RSP, 8);
	assert_loc(&f.params[7], MEM, RSP, 16);
	sym_fn_info__free(&f);
	sym_fn_info__free(&f); /* cleared: a second free is harmless */
	sym_dwarf__close(d);
}

/* -O2 keeps the parameters used after a call in location lists, not in one expression. */
static void test_o2_location_lists(void **state)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd),
		 "readelf --debug-dump=info '%s' | grep -A40 ': dw_eight$' | "
		 "grep -q 'DW_AT_location.*location list'",
		 fx("dw-O2"));
	assert_int_equal(system(cmd), 0);
}

static void test_o2_struct_args(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_append", NULL, &f);
	assert_string_equal(f.signature, "int dw_append(struct dw_ins *ins, const char *tag, "
					 "size_t tag_len, const void *buf, size_t buf_size)");
	assert_int_equal(f.nparams, 5);
	assert_param(&f.params[0], "ins", "struct dw_ins *", SYM_T_PTR, 8, false);
	assert_param(&f.params[1], "tag", "const char *", SYM_T_CHAR_PTR, 8, false);
	assert_param(&f.params[2], "tag_len", "size_t", SYM_T_INT, 8, false);
	assert_param(&f.params[3], "buf", "const void *", SYM_T_VOID_PTR, 8, false);
	assert_param(&f.params[4], "buf_size", "size_t", SYM_T_INT, 8, false);
	assert_true(f.params[0].type.pointee != 0);
	assert_true(f.params[1].type.pointee != 0);
	assert_int_equal(f.params[3].type.pointee, 0);
	assert_loc(&f.params[0], REG, RDI, 0);
	assert_loc(&f.params[1], REG, RSI, 0);
	assert_loc(&f.params[2], REG, RDX, 0);
	assert_loc(&f.params[3], REG, RCX, 0);
	assert_loc(&f.params[4], REG, R8, 0);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_enum_bool(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	const struct sym_type *c, *m;
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_color_name", NULL, &f);
	assert_string_equal(f.signature, "const char *dw_color_name(enum dw_color color, "
					 "_Bool on, enum dw_mode mode)");
	assert_int_equal(f.ret.kind, SYM_T_CHAR_PTR);
	assert_int_equal(f.nparams, 3);
	assert_param(&f.params[0], "color", "enum dw_color", SYM_T_ENUM, sizeof(enum dw_color),
		     true);
	assert_param(&f.params[1], "on", "_Bool", SYM_T_BOOL, 1, false);
	assert_param(&f.params[2], "mode", "enum dw_mode", SYM_T_ENUM, sizeof(enum dw_mode), false);

	c = &f.params[0].type;
	assert_int_equal(c->nenums, 4);
	assert_string_equal(c->enums[0].name, "DW_RED");
	assert_int_equal(c->enums[0].value, DW_RED);
	assert_string_equal(c->enums[1].name, "DW_GREEN");
	assert_int_equal(c->enums[1].value, DW_GREEN);
	assert_string_equal(c->enums[2].name, "DW_BLUE");
	assert_int_equal(c->enums[2].value, DW_BLUE);
	assert_string_equal(c->enums[3].name, "DW_BLACK");
	assert_int_equal(c->enums[3].value, -2);

	m = &f.params[2].type;
	assert_int_equal(m->nenums, 3);
	assert_string_equal(m->enums[2].name, "DW_MODE_BIG");
	assert_int_equal(m->enums[2].value, 0x80000000LL);

	assert_loc(&f.params[0], REG, RDI, 0);
	assert_loc(&f.params[1], REG, RSI, 0);
	assert_loc(&f.params[2], REG, RDX, 0);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_recursive(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_fact", NULL, &f);
	assert_string_equal(f.signature, "long unsigned int dw_fact(unsigned int n)");
	assert_int_equal(f.ret.kind, SYM_T_INT);
	assert_int_equal(f.ret.size, 8);
	assert_false(f.ret.is_signed);
	assert_int_equal(f.nparams, 1);
	assert_param(&f.params[0], "n", "unsigned int", SYM_T_INT, 4, false);
	assert_loc(&f.params[0], REG, RDI, 0);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_static_in_two_files(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f1, f2;

	get_func(d, "dw-O2", "dw_dup", "dw_funcs.c", &f1);
	get_func(d, "dw-O2", "dw_dup", "dw_funcs2.c", &f2);
	assert_true(f1.addr != f2.addr);
	assert_decl(&f1, "tests/fixtures/dw_funcs.c", "static DW_FN int dw_dup(");
	assert_decl(&f2, "tests/fixtures/dw_funcs2.c", "static DW_FN int dw_dup(");
	assert_string_equal(f1.signature, "int dw_dup(int x)");
	assert_string_equal(f2.signature, "int dw_dup(int x)");
	assert_loc(&f1.params[0], REG, RDI, 0);
	assert_loc(&f2.params[0], REG, RDI, 0);
	sym_fn_info__free(&f1);
	sym_fn_info__free(&f2);
	sym_dwarf__close(d);
}

static void test_variadic(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_variadic", NULL, &f);
	assert_true(f.variadic);
	assert_string_equal(f.signature, "int dw_variadic(const char *fmt, ...)");
	assert_int_equal(f.nparams, 1);
	assert_param(&f.params[0], "fmt", "const char *", SYM_T_CHAR_PTR, 8, false);
	assert_loc(&f.params[0], REG, RDI, 0);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_double_in_xmm(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_scale", NULL, &f);
	assert_string_equal(f.signature, "double dw_scale(double x, int n)");
	assert_int_equal(f.ret.kind, SYM_T_FLOAT);
	assert_param(&f.params[0], "x", "double", SYM_T_FLOAT, 8, false);
	assert_loc(&f.params[0], NONE, 0, 0);
	assert_string_equal(f.params[0].loc.why, "in %xmm0");
	/* The integer after it still takes the first integer register. */
	assert_loc(&f.params[1], REG, RDI, 0);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_no_params(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_noargs", NULL, &f);
	assert_string_equal(f.signature, "void dw_noargs(void)");
	assert_int_equal(f.ret.kind, SYM_T_VOID);
	assert_string_equal(f.ret.name, "void");
	assert_int_equal(f.nparams, 0);
	assert_int_equal(f.probe_addr, f.addr);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_type_spelling(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f, g;

	get_func(d, "dw-O2", "dw_typed", NULL, &f);
	assert_string_equal(f.signature,
			    "void dw_typed(dw_ins_t *t, const unsigned char *u, char **argv, "
			    "dw_cb_t cb, volatile const long int cv, char *const pc, "
			    "int (*fp)(void *, size_t))");
	assert_int_equal(f.nparams, 7);
	assert_param(&f.params[0], "t", "dw_ins_t *", SYM_T_PTR, 8, false);
	assert_param(&f.params[1], "u", "const unsigned char *", SYM_T_CHAR_PTR, 8, false);
	assert_param(&f.params[2], "argv", "char **", SYM_T_PTR, 8, false);
	assert_param(&f.params[3], "cb", "dw_cb_t", SYM_T_PTR, 8, false);
	assert_param(&f.params[4], "cv", "volatile const long int", SYM_T_INT, 8, true);
	assert_param(&f.params[5], "pc", "char *const", SYM_T_CHAR_PTR, 8, false);
	assert_param(&f.params[6], "fp", "int (*)(void *, size_t)", SYM_T_PTR, 8, false);
	assert_loc(&f.params[6], MEM, RSP, 8);

	/* The typedef'd pointer leads to the same struct as dw_append's struct dw_ins *. */
	get_func(d, "dw-O2", "dw_append", NULL, &g);
	assert_int_equal(f.params[0].type.pointee, g.params[0].type.pointee);
	sym_fn_info__free(&g);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* ---- -O0: after the prologue ------------------------------------------------------------ */

static void check_o0(struct sym_dwarf *d, const char *name, const int *abi, size_t nabi, int nstack)
{
	struct sym_fn_info f;
	struct prologue p;
	size_t i;

	get_func(d, "dw-O0", name, NULL, &f);
	assert_true(f.probe_addr > f.addr);
	assert_non_null(f.moved_why);
	assert_non_null(strstr(f.moved_why, "prologue"));
	read_prologue("dw-O0", f.addr, f.probe_addr, &p);
	assert_true(p.push_rbp && p.mov_rsp_rbp);
	/* The probe is on the instruction right after the prologue's last argument store. */
	assert_int_equal(f.probe_addr, p.after_last_store);
	assert_int_equal(f.nparams, nabi + nstack);
	for (i = 0; i < nabi; i++)
		assert_loc(&f.params[i], MEM, RBP, stored_at(&p, abi[i]));
	/* push %rbp; mov %rsp,%rbp: the caller's stack arguments are at rbp+16, rbp+24. */
	for (i = 0; i < (size_t)nstack; i++)
		assert_loc(&f.params[nabi + i], MEM, RBP, 16 + 8 * i);
	sym_fn_info__free(&f);
}

static void test_o0_after_prologue(void **state)
{
	static const int eight[] = {RDI, RSI, RDX, RCX, R8, R9};
	static const int append[] = {RDI, RSI, RDX, RCX, R8};
	static const int color[] = {RDI, RSI, RDX};
	static const int scale[] = {XMM0, RDI};
	static const int typed[] = {RDI, RSI, RDX, RCX, R8, R9};
	struct sym_dwarf *d = open_dw("dw-O0", NULL);
	struct sym_fn_info f;

	check_o0(d, "dw_eight", eight, 6, 2);
	check_o0(d, "dw_append", append, 5, 0);
	check_o0(d, "dw_color_name", color, 3, 0);
	check_o0(d, "dw_scale", scale, 2, 0); /* a double is in the frame once stored */
	check_o0(d, "dw_typed", typed, 6, 1);

	/* Nothing to wait for without parameters: the probe stays at the entry. */
	get_func(d, "dw-O0", "dw_noargs", NULL, &f);
	assert_int_equal(f.probe_addr, f.addr);
	assert_null(f.moved_why);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* ---- function+offset -------------------------------------------------------------------- */

static void test_func_at(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f, g;
	size_t i;

	get_func(d, "dw-O2", "dw_eight", NULL, &f);
	/* At the entry: the same as sym_dwarf__func(). */
	assert_int_equal(sym_dwarf__func_at(d, "dw_eight", f.addr, f.addr, &g), 0);
	assert_int_equal(g.probe_addr, f.addr);
	for (i = 0; i < 8; i++)
		assert_loc(&g.params[i], f.params[i].loc.kind, f.params[i].loc.reg,
			   f.params[i].loc.off);
	sym_fn_info__free(&g);

	/* Outside the function no list entry covers the pc: nothing is claimed. */
	assert_int_equal(sym_dwarf__func_at(d, "dw_eight", f.addr, 1, &g), 0);
	for (i = 0; i < 6; i++) {
		assert_loc(&g.params[i], NONE, 0, 0);
		assert_non_null(g.params[i].loc.why);
	}
	sym_fn_info__free(&g);
	assert_int_equal(sym_dwarf__func_at(d, "dw_eight", 0, f.addr, &g), -EINVAL);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* One location list entry, from objdump --dwarf=loc. */
struct lle {
	int list;
	unsigned long long begin, end;
	char expr[160];
};

/*
 * The entries of the first `nlists` location lists whose base address is `base`: gcc emits
 * a function's lists in the order of its DIEs, parameters first.
 */
static int read_loclists(const char *fixture, uint64_t base, int nlists, struct lle *v, int max)
{
	char cmd[PATH_MAX + 64], line[512];
	unsigned long long a, b;
	int list = -1, n = 0;
	bool in = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "objdump --dwarf=loc '%s'", fx(fixture));
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "(base address)")) {
			in = sscanf(line, " %*x %llx", &a) == 1 && a == base && list + 1 < nlists;
			list += in;
			continue;
		}
		if (strstr(line, "<End of list>"))
			in = false;
		if (in && strchr(line, '(') && sscanf(line, " %llx %llx (", &a, &b) == 2 &&
		    n < max) {
			v[n] = (struct lle){.list = list, .begin = a, .end = b};
			snprintf(v[n].expr, sizeof(v[n].expr), "%s", strchr(line, '('));
			n++;
		}
	}
	pclose(f);
	return n;
}

/* Inside the function, each parameter is where its location list says at that pc. */
static void test_func_at_location_lists(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	uint64_t addr = nm_addr("dw-O2", "dw_eight", NULL), pc = 0;
	struct lle v[64];
	struct sym_fn_info f;
	int n, i, reg, entry_values = 0, regs = 0;

	n = read_loclists("dw-O2", addr, 6, v, 64);
	/* The pc where a (list 0) moves out of rdi: after the first call. */
	for (i = 0; i < n && !pc; i++)
		if (v[i].list == 0 && v[i].begin > addr)
			pc = v[i].begin;
	assert_true(pc > addr);
	assert_int_equal(sym_dwarf__func_at(d, "dw_eight", addr, pc, &f), 0);
	assert_int_equal(f.probe_addr, pc);
	for (i = 0; i < n; i++) {
		if (pc < v[i].begin || pc >= v[i].end)
			continue;
		if (sscanf(v[i].expr, "(DW_OP_reg%d", &reg) == 1 && reg < 16) {
			assert_loc(&f.params[v[i].list], REG, reg, 0);
			regs++;
		} else if (strstr(v[i].expr, "DW_OP_entry_value")) {
			assert_loc(&f.params[v[i].list], NONE, 0, 0);
			assert_string_equal(f.params[v[i].list].loc.why,
					    "only its value at the function's entry is known");
			entry_values++;
		}
	}
	/* gcc keeps some parameters in callee-saved registers, and forgets others. */
	assert_true(regs > 0);
	assert_true(entry_values > 0);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_not_described(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;
	uint64_t addr = nm_addr("dw-O2", "dw_eight", NULL);

	msg_reset();
	/* Inside a function, not at an entry. */
	assert_int_equal(sym_dwarf__func(d, "dw_eight", addr + 1, &f), -ENOENT);
	assert_int_equal(sym_dwarf__func(d, "no_such_function", 0, &f), -ENOENT);
	assert_no_msg();
	sym_dwarf__close(d);
}

/* ---- inlining ------------------------------------------------------------------------- */

static void test_inlined_everywhere(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	assert_false(nm_has("dw-O2", "dw_inl"));
	msg_reset();
	assert_int_equal(sym_dwarf__func(d, "dw_inl", 0, &f), 0);
	assert_no_msg();
	assert_true(f.inlined_everywhere);
	assert_int_equal(f.addr, 0);
	assert_string_equal(f.signature, "int dw_inl(int x)");
	assert_decl(&f, "tests/fixtures/dw_funcs.c", "static inline int dw_inl(");
	assert_int_equal(f.nparams, 1);
	assert_loc(&f.params[0], NONE, 0, 0);
	assert_non_null(strstr(f.params[0].loc.why, "inlined"));
	sym_fn_info__free(&f);
	sym_dwarf__close(d);

	/* -O0 keeps it out of line. */
	d = open_dw("dw-O0", NULL);
	assert_int_equal(sym_dwarf__func(d, "dw_inl", 0, &f), 0);
	assert_false(f.inlined_everywhere);
	assert_int_equal(f.addr, nm_addr("dw-O0", "dw_inl", NULL));
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* Out of line for a pointer, inlined into a direct call: DW_AT_abstract_origin. */
static void test_partly_inlined(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_fn_info f;

	get_func(d, "dw-O2", "dw_twice", NULL, &f);
	assert_true(f.partly_inlined);
	assert_false(f.inlined_everywhere);
	assert_string_equal(f.signature, "int dw_twice(int x)");
	assert_decl(&f, "tests/fixtures/dw_funcs.c", "static int dw_twice(");
	assert_int_equal(f.nparams, 1);
	assert_param(&f.params[0], "x", "int", SYM_T_INT, 4, true);
	assert_loc(&f.params[0], REG, RDI, 0);
	sym_fn_info__free(&f);

	get_func(d, "dw-O2", "dw_eight", NULL, &f);
	assert_false(f.partly_inlined);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* ---- members -------------------------------------------------------------------------- */

static void check_member(struct sym_dwarf *d, const struct sym_type *base, const char *name,
			 bool arrow, int64_t off, const char *type, enum sym_type_kind kind,
			 uint32_t size, struct sym_type *out)
{
	int64_t got = -1;

	msg_reset();
	assert_int_equal(sym_dwarf__member(d, base, name, arrow, &got, out), 0);
	assert_no_msg();
	assert_int_equal(got, off);
	assert_string_equal(out->name, type);
	assert_int_equal(out->kind, kind);
	assert_int_equal(out->size, size);
}

static void test_members(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_type t, p_ins, u;
	struct sym_fn_info f, g;
	int64_t off;

	get_func(d, "dw-O2", "dw_append", NULL, &f);
	const struct sym_type *ins = &f.params[0].type;

	check_member(d, ins, "id", true, offsetof(struct dw_ins, id), "int", SYM_T_INT, 4, &t);
	sym_type__free(&t);
	check_member(d, ins, "name", true, offsetof(struct dw_ins, name), "char *", SYM_T_CHAR_PTR,
		     8, &t);
	sym_type__free(&t);
	check_member(d, ins, "p_ins", true, offsetof(struct dw_ins, p_ins), "struct dw_props",
		     SYM_T_STRUCT, sizeof(struct dw_props), &p_ins);
	check_member(d, &p_ins, "flags", false, offsetof(struct dw_props, flags), "unsigned int",
		     SYM_T_INT, 4, &t);
	sym_type__free(&t);
	check_member(d, &p_ins, "kind", false, offsetof(struct dw_props, kind), "uint16_t",
		     SYM_T_INT, 2, &t);
	assert_false(t.is_signed);
	sym_type__free(&t);
	check_member(d, &p_ins, "label", false, offsetof(struct dw_props, label), "const char *",
		     SYM_T_CHAR_PTR, 8, &t);
	sym_type__free(&t);
	/* Members of an anonymous union and an anonymous struct. */
	check_member(d, ins, "u_long", true, offsetof(struct dw_ins, u_long), "long int", SYM_T_INT,
		     8, &t);
	sym_type__free(&t);
	check_member(d, ins, "u_bytes", true, offsetof(struct dw_ins, u_bytes), "char [12]",
		     SYM_T_CHAR_ARRAY, 12, &t);
	sym_type__free(&t);
	check_member(d, ins, "anon_b", true, offsetof(struct dw_ins, anon_b), "int", SYM_T_INT, 4,
		     &t);
	sym_type__free(&t);
	check_member(d, ins, "color", true, offsetof(struct dw_ins, color), "enum dw_color",
		     SYM_T_ENUM, 4, &t);
	assert_int_equal(t.nenums, 4);
	sym_type__free(&t);
	check_member(d, ins, "enabled", true, offsetof(struct dw_ins, enabled), "_Bool", SYM_T_BOOL,
		     1, &t);
	sym_type__free(&t);
	check_member(d, ins, "cb", true, offsetof(struct dw_ins, cb), "dw_cb_t", SYM_T_PTR, 8, &t);
	sym_type__free(&t);
	check_member(d, ins, "tag", true, offsetof(struct dw_ins, tag), "char [16]",
		     SYM_T_CHAR_ARRAY, 16, &t);
	sym_type__free(&t);
	/* ins->next->name: the pointer member leads on. */
	check_member(d, ins, "next", true, offsetof(struct dw_ins, next), "struct dw_ins *",
		     SYM_T_PTR, 8, &t);
	check_member(d, &t, "name", true, offsetof(struct dw_ins, name), "char *", SYM_T_CHAR_PTR,
		     8, &u);
	sym_type__free(&u);
	sym_type__free(&t);

	/* Through a typedef of the pointer. */
	get_func(d, "dw-O2", "dw_typed", NULL, &g);
	check_member(d, &g.params[0].type, "tag", true, offsetof(dw_ins_t, tag), "char [16]",
		     SYM_T_CHAR_ARRAY, 16, &t);
	sym_type__free(&t);

	/* Errors: one message each. */
	msg_reset();
	assert_int_equal(sym_dwarf__member(d, ins, "nope", true, &off, &t), -ENOENT);
	assert_one_msg("dw-O2", "struct dw_ins *", "no member 'nope'",
		       "id, name, p_ins, u_long, u_bytes, anon_a, anon_b, color", NULL);
	msg_reset();
	assert_int_equal(sym_dwarf__member(d, ins, "name", false, &off, &t), -EINVAL);
	assert_one_msg("'struct dw_ins *' is not a struct or union", NULL);
	msg_reset();
	assert_int_equal(sym_dwarf__member(d, &p_ins, "flags", true, &off, &t), -EINVAL);
	assert_one_msg("'struct dw_props' is not a pointer to a struct", NULL);
	msg_reset();
	assert_int_equal(sym_dwarf__member(d, &f.params[1].type, "x", true, &off, &t), -EINVAL);
	assert_one_msg("'const char *'", NULL);

	sym_type__free(&p_ins);
	sym_fn_info__free(&g);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* ---- bit-fields, elements, shapes ----------------------------------------------------- */

/*
 * The bit-fields of struct dw_ins, independently of DWARF: the value a real instance holds,
 * and an instance that is zero but for that field, all ones (where its bits are).
 */
enum { BF_FLAG, BF_KIND, BF_SBITS, BF_BIG, BF_N };

static const struct {
	const char *name;
	int64_t value;
	bool is_signed;
} bitfields[BF_N] = {
	[BF_FLAG] = {"flag", 1, false},
	[BF_KIND] = {"kind", 5, false},
	[BF_SBITS] = {"sbits", -3, true},
	[BF_BIG] = {"big", 0x123456789a, false},
};

static void bitfield_instances(struct dw_ins *val, struct dw_ins ones[BF_N])
{
	memset(val, 0xa5, sizeof(*val)); /* the bits around the fields are not theirs */
	val->flag = 1;
	val->kind = 5;
	val->sbits = -3;
	val->big = 0x123456789a;
	memset(ones, 0, BF_N * sizeof(*ones));
	ones[BF_FLAG].flag = 1;
	ones[BF_KIND].kind = 7;
	ones[BF_SBITS].sbits = -1;
	ones[BF_BIG].big = 0xffffffffffULL;
}

/* Read as the loader does: `size` bytes at off, little-endian, >> bit_off, bit_size bits. */
static int64_t read_bits(const void *base, uint32_t off, uint32_t size, uint8_t bit_off,
			 uint8_t bit_size, bool is_signed)
{
	const uint8_t *p = (const uint8_t *)base + off;
	uint64_t v = 0;
	uint32_t k;

	for (k = size; k-- > 0;)
		v = v << 8 | p[k];
	v >>= bit_off;
	if (bit_size < 64)
		v &= (1ULL << bit_size) - 1;
	if (is_signed && bit_size < 64 && (v >> (bit_size - 1)) & 1)
		v |= ~0ULL << bit_size;
	return (int64_t)v;
}

/* A bit-field's place, as symbols/ said it, against bit-field b of the real instances. */
static void check_bits(int b, uint32_t off, uint32_t size, uint8_t bit_off, uint8_t bit_size,
		       bool is_signed)
{
	const uint8_t *ones;
	struct dw_ins val, one[BF_N];
	size_t k, lo = (size_t)off * 8 + bit_off;

	bitfield_instances(&val, one);
	ones = (const uint8_t *)&one[b];
	assert_int_equal(is_signed, bitfields[b].is_signed);
	assert_int_equal(size, (bit_off + bit_size + 7) / 8);
	assert_true(bit_off < 8 && size <= 8);
	/* exactly these bits are the field's */
	for (k = 0; k < sizeof(val) * 8; k++)
		if (((ones[k / 8] >> (k % 8)) & 1) != (k >= lo && k < lo + bit_size))
			fail_msg("%s: bit %zu of struct dw_ins, said off %u bit_off %u bit_size %u",
				 bitfields[b].name, k, off, bit_off, bit_size);
	assert_int_equal(read_bits(&val, off, size, bit_off, bit_size, is_signed),
			 bitfields[b].value);
}

static void check_member_bits(struct sym_dwarf *d, const struct sym_type *ins, int b,
			      const char *type)
{
	struct sym_type t;
	int64_t off = -1;

	msg_reset();
	assert_int_equal(sym_dwarf__member(d, ins, bitfields[b].name, true, &off, &t), 0);
	assert_no_msg();
	assert_string_equal(t.name, type);
	assert_int_equal(t.kind, SYM_T_INT);
	assert_true(off >= 0);
	check_bits(b, (uint32_t)off, t.size, t.bit_off, t.bit_size, t.is_signed);
	sym_type__free(&t);
}

/* A fixture that may not be built (dw-clang-O2 without clang): skipped, saying why. */
static bool have_fixture(const char *name)
{
	if (!access(fx(name), R_OK))
		return true;
	print_message("%s: not built (no clang when the fixtures were made): skipped\n", name);
	return false;
}

static void members_bits(const char *fixture)
{
	struct sym_dwarf *d;
	struct sym_fn_info f;
	struct sym_type t;

	if (!have_fixture(fixture))
		skip();
	d = open_dw(fixture, NULL);
	get_func(d, fixture, "dw_append", NULL, &f);
	check_member_bits(d, &f.params[0].type, BF_FLAG, "unsigned int");
	check_member_bits(d, &f.params[0].type, BF_KIND, "unsigned int");
	check_member_bits(d, &f.params[0].type, BF_SBITS, "int");
	check_member_bits(d, &f.params[0].type, BF_BIG, "uint64_t");
	/* not bit-fields */
	check_member(d, &f.params[0].type, "vals", true, offsetof(struct dw_ins, vals), "int [4]",
		     SYM_T_ARRAY, 16, &t);
	assert_int_equal(t.bit_size, 0);
	sym_type__free(&t);
	check_member(d, &f.params[0].type, "pair", true, offsetof(struct dw_ins, pair), "dw_pair_t",
		     SYM_T_STRUCT, 8, &t);
	assert_int_equal(t.bit_size, 0);
	sym_type__free(&t);
	check_member(d, &f.params[0].type, "grid", true, offsetof(struct dw_ins, grid),
		     strstr(fixture, "clang") ? "short [2][3]" : "short int [2][3]", SYM_T_ARRAY,
		     12, &t);
	sym_type__free(&t);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_member_bitfields(void **state)
{
	members_bits("dw-O0");
	members_bits("dw-O2");
	members_bits("dw-dwarf3");
}

static void test_member_bitfields_clang(void **state)
{
	members_bits("dw-clang-O2");
}

/* The bit-field forms: DWARF 5 from gcc by default, the DWARF 2/3 one with -gdwarf-3. */
static void test_bitfield_forms(void **state)
{
	char cmd[PATH_MAX + 128];

	snprintf(cmd, sizeof(cmd),
		 "readelf --debug-dump=info '%s' | grep -A8 ': sbits$' | "
		 "grep -q 'DW_AT_data_bit_offset'",
		 fx("dw-O2"));
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "readelf --debug-dump=info '%s' | grep -q 'DW_AT_bit_offset'",
		 fx("dw-O2"));
	assert_int_not_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "readelf --debug-dump=info '%s' | grep -A8 ': sbits$' | "
		 "grep -q 'DW_AT_bit_offset  *: 23'",
		 fx("dw-dwarf3"));
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd),
		 "readelf --debug-dump=info '%s' | grep -q 'DW_AT_data_bit_offset'",
		 fx("dw-dwarf3"));
	assert_int_not_equal(system(cmd), 0);
}

/* sym_dwarf__element() that succeeds, no message. */
static void check_element(struct sym_dwarf *d, const struct sym_type *arr, const char *name,
			  enum sym_type_kind kind, uint32_t size, uint64_t count,
			  struct sym_type *out)
{
	uint64_t n = 99;

	msg_reset();
	assert_int_equal(sym_dwarf__element(d, arr, &n, out), 0);
	assert_no_msg();
	assert_string_equal(out->name, name);
	assert_int_equal(out->kind, kind);
	assert_int_equal(out->size, size);
	assert_int_equal(n, count);
}

static void test_element(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct sym_type m, e, e2;
	struct sym_shapes sh;
	struct sym_fn_info f, g;
	uint64_t n;
	int64_t off;

	get_func(d, "dw-O2", "dw_append", NULL, &f);
	const struct sym_type *ins = &f.params[0].type;

	assert_int_equal(sym_dwarf__member(d, ins, "vals", true, &off, &m), 0);
	check_element(d, &m, "int", SYM_T_INT, 4, 4, &e);
	assert_true(e.is_signed);
	sym_type__free(&e);
	sym_type__free(&m);

	/* short grid[2][3]: grid[i] is a short[3], DWARF has no DIE of its own for it */
	assert_int_equal(sym_dwarf__member(d, ins, "grid", true, &off, &m), 0);
	check_element(d, &m, "short int [3]", SYM_T_ARRAY, 6, 2, &e);
	check_element(d, &e, "short int", SYM_T_INT, 2, 3, &e2);
	assert_true(e2.is_signed);
	sym_type__free(&e2);
	assert_int_equal(sym_dwarf__shape(d, e.die, &sh), 0);
	assert_int_equal(sh.n, 2);
	assert_int_equal(sh.nodes[0].kind, SYM_S_ARRAY);
	assert_int_equal(sh.nodes[0].count, 3);
	assert_int_equal(sh.nodes[0].size, 6);
	assert_int_equal(sh.nodes[0].child, 1);
	assert_int_equal(sh.nodes[1].kind, SYM_S_INT);
	assert_int_equal(sh.nodes[1].size, 2);
	sym_shapes__free(&sh);
	/* not a struct, whatever its DIE offset says */
	msg_reset();
	assert_int_equal(sym_dwarf__member(d, &e, "x", false, &off, &e2), -EINVAL);
	assert_one_msg("'short int [3]' is not a struct or union", NULL);
	sym_type__free(&e);
	sym_type__free(&m);

	assert_int_equal(sym_dwarf__member(d, ins, "tag", true, &off, &m), 0);
	check_element(d, &m, "char", SYM_T_INT, 1, 16, &e);
	sym_type__free(&e);
	sym_type__free(&m);

	/* *ins, and *tag */
	check_element(d, ins, "struct dw_ins", SYM_T_STRUCT, sizeof(struct dw_ins), 0, &e);
	assert_int_equal(e.die, ins->pointee);
	sym_type__free(&e);
	check_element(d, &f.params[1].type, "const char", SYM_T_INT, 1, 0, &e);
	sym_type__free(&e);

	/* Nothing to index: one message each, naming the type. */
	msg_reset();
	assert_int_equal(sym_dwarf__element(d, &f.params[3].type, &n, &e), -EINVAL);
	assert_one_msg("dw-O2", "'const void *' points to void", NULL);
	assert_int_equal(n, 0);
	msg_reset();
	assert_int_equal(sym_dwarf__element(d, &f.params[2].type, &n, &e), -EINVAL);
	assert_one_msg("'size_t' is not an array or a pointer", NULL);
	get_func(d, "dw-O2", "dw_typed", NULL, &g);
	msg_reset();
	assert_int_equal(sym_dwarf__element(d, &g.params[3].type, &n, &e), -EINVAL);
	assert_one_msg("'dw_cb_t' is a function pointer", NULL);
	/* dw_ins_t *: through the typedef of the pointer, the typedef name stays */
	check_element(d, &g.params[0].type, "dw_ins_t", SYM_T_STRUCT, sizeof(struct dw_ins), 0, &e);
	sym_type__free(&e);
	sym_fn_info__free(&g);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* Member `name` of struct/union node i, checked to be on its chain of count members. */
static const struct sym_shape *shape_member(const struct sym_shapes *sh, int32_t i,
					    const char *name)
{
	const struct sym_shape *found = NULL;
	uint32_t k = 0;
	int32_t m;

	assert_true(sh->nodes[i].kind == SYM_S_STRUCT || sh->nodes[i].kind == SYM_S_UNION);
	for (m = sh->nodes[i].child; m >= 0; m = sh->nodes[m].next, k++) {
		assert_true((size_t)m < sh->n);
		if (!strcmp(sh->nodes[m].name, name))
			found = &sh->nodes[m];
	}
	assert_int_equal(k, sh->nodes[i].count);
	if (!found)
		fail_msg("no member %s in node %d", name, i);
	return found;
}

static int32_t node_index(const struct sym_shapes *sh, const struct sym_shape *n)
{
	return (int32_t)(n - sh->nodes);
}

static void assert_shape(const struct sym_shape *n, enum sym_shape_kind kind, uint32_t off,
			 uint32_t size, bool is_signed)
{
	if (n->kind != kind || n->off != off || n->size != size || n->is_signed != is_signed)
		fail_msg("%s: kind %d off %u size %u signed %d, expected kind %d off %u size %u "
			 "signed %d",
			 n->name ? n->name : "(element)", n->kind, n->off, n->size, n->is_signed,
			 kind, off, size, is_signed);
}

#define INS_OFF(m) offsetof(struct dw_ins, m)

static void ins_shape(const char *fixture)
{
	static const struct {
		const char *name;
		enum sym_shape_kind kind;
		size_t off; /* SIZE_MAX: a bit-field */
		uint32_t size;
		bool is_signed;
	} want[] = {
		{"id", SYM_S_INT, INS_OFF(id), 4, true},
		{"name", SYM_S_PTR, INS_OFF(name), 8, false},
		{"p_ins", SYM_S_STRUCT, INS_OFF(p_ins), sizeof(struct dw_props), false},
		{"u_long", SYM_S_INT, INS_OFF(u_long), 8, true},
		{"u_bytes", SYM_S_CHARS, INS_OFF(u_bytes), 12, false},
		{"anon_a", SYM_S_INT, INS_OFF(anon_a), 2, true},
		{"anon_b", SYM_S_INT, INS_OFF(anon_b), 4, true},
		{"color", SYM_S_ENUM, INS_OFF(color), 4, true},
		{"enabled", SYM_S_BOOL, INS_OFF(enabled), 1, false},
		{"cb", SYM_S_PTR, INS_OFF(cb), 8, false},
		{"next", SYM_S_PTR, INS_OFF(next), 8, false},
		{"tag", SYM_S_CHARS, INS_OFF(tag), 16, false},
		{"ratio", SYM_S_FLOAT, INS_OFF(ratio), 8, false},
		{"frac", SYM_S_FLOAT, INS_OFF(frac), 4, false},
		{"wide", SYM_S_OPAQUE, INS_OFF(wide), 16, false},
		{"vals", SYM_S_ARRAY, INS_OFF(vals), 16, false},
		{"flag", SYM_S_INT, SIZE_MAX, 0, false},
		{"kind", SYM_S_INT, SIZE_MAX, 0, false},
		{"sbits", SYM_S_INT, SIZE_MAX, 0, true},
		{"pair", SYM_S_STRUCT, INS_OFF(pair), 8, false},
		{"grid", SYM_S_ARRAY, INS_OFF(grid), 12, false},
		{"big", SYM_S_INT, SIZE_MAX, 0, false},
	};
	const struct sym_shape *r, *n, *e;
	struct sym_dwarf *d;
	struct sym_fn_info f;
	struct sym_shapes sh;
	int32_t m;
	size_t k;
	int b;

	if (!have_fixture(fixture))
		skip();
	d = open_dw(fixture, NULL);
	get_func(d, fixture, "dw_append", NULL, &f);
	msg_reset();
	assert_int_equal(sym_dwarf__shape(d, f.params[0].type.pointee, &sh), 0);
	assert_no_msg();
	r = &sh.nodes[0];
	assert_shape(r, SYM_S_STRUCT, 0, sizeof(struct dw_ins), false);
	assert_null(r->name);
	assert_int_equal(r->next, -1);
	assert_int_equal(r->count, sizeof(want) / sizeof(want[0]));
	/* the members in declaration order, the anonymous ones' flattened */
	for (m = r->child, k = 0; m >= 0; m = sh.nodes[m].next, k++) {
		n = &sh.nodes[m];
		assert_string_equal(n->name, want[k].name);
		if (want[k].off == SIZE_MAX) {
			for (b = 0; strcmp(bitfields[b].name, n->name); b++)
				;
			assert_int_equal(n->kind, want[k].kind);
			assert_true(n->bit_size > 0);
			check_bits(b, n->off, n->size, n->bit_off, n->bit_size, n->is_signed);
			continue;
		}
		assert_shape(n, want[k].kind, want[k].off, want[k].size, want[k].is_signed);
		assert_int_equal(n->bit_size, 0);
	}
	assert_int_equal(k, r->count);
	assert_int_equal(INS_OFF(u_bytes), INS_OFF(u_long));

	n = shape_member(&sh, 0, "p_ins");
	assert_shape(shape_member(&sh, node_index(&sh, n), "kind"), SYM_S_INT,
		     offsetof(struct dw_props, kind), 2, false);
	assert_shape(shape_member(&sh, node_index(&sh, n), "flags"), SYM_S_INT,
		     offsetof(struct dw_props, flags), 4, false);
	assert_shape(shape_member(&sh, node_index(&sh, n), "label"), SYM_S_PTR,
		     offsetof(struct dw_props, label), 8, false);

	n = shape_member(&sh, 0, "vals");
	assert_int_equal(n->count, 4);
	e = &sh.nodes[n->child];
	assert_null(e->name);
	assert_shape(e, SYM_S_INT, 0, 4, true);

	n = shape_member(&sh, 0, "grid");
	assert_int_equal(n->count, 2);
	e = &sh.nodes[n->child];
	assert_shape(e, SYM_S_ARRAY, 0, 6, false);
	assert_int_equal(e->count, 3);
	assert_null(e->name);
	assert_shape(&sh.nodes[e->child], SYM_S_INT, 0, 2, true);

	n = shape_member(&sh, 0, "wide");
	assert_non_null(n->why);
	assert_non_null(strstr(n->why, "long double"));

	n = shape_member(&sh, 0, "color");
	assert_int_equal(n->nenums, 4);
	assert_string_equal(n->enums[0].name, "DW_RED");
	assert_int_equal(n->enums[0].value, DW_RED);
	assert_string_equal(n->enums[1].name, "DW_GREEN");
	assert_int_equal(n->enums[1].value, DW_GREEN);
	assert_string_equal(n->enums[2].name, "DW_BLUE");
	assert_int_equal(n->enums[2].value, DW_BLUE);
	assert_string_equal(n->enums[3].name, "DW_BLACK");
	assert_int_equal(n->enums[3].value, DW_BLACK);

	n = shape_member(&sh, 0, "pair");
	assert_int_equal(n->kind, SYM_S_STRUCT);
	assert_shape(shape_member(&sh, node_index(&sh, n), "a"), SYM_S_INT,
		     offsetof(struct dw_pair, a), 4, false);
	assert_shape(shape_member(&sh, node_index(&sh, n), "b"), SYM_S_INT,
		     offsetof(struct dw_pair, b), 4, false);

	/* the root, its 22 members, p_ins' 3, pair's 2, one element of vals, two of grid:
	 * next is a pointer, never followed */
	assert_int_equal(sh.n, 1 + 22 + 3 + 2 + 1 + 2);
	sym_shapes__free(&sh);
	sym_shapes__free(&sh); /* cleared: a second free is harmless */
	assert_null(sh.nodes);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_shape_ins(void **state)
{
	ins_shape("dw-O0");
	ins_shape("dw-O2");
	ins_shape("dw-dwarf3"); /* DW_AT_bit_offset: test_bitfield_forms */
}

static void test_shape_ins_clang(void **state)
{
	ins_shape("dw-clang-O2");
}

/* dw_nested(struct dw_n1 *n, struct dw_wide *w): the depth and node limits. */
static void test_shape_limits(void **state)
{
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	const struct sym_shape *n;
	struct sym_shapes sh;
	struct sym_fn_info f;
	struct dw_n1 v;
	char name[8];
	int32_t i;
	int depth;

	get_func(d, "dw-O2", "dw_nested", NULL, &f);
	assert_int_equal(sym_dwarf__shape(d, f.params[0].type.pointee, &sh), 0);
	assert_shape(&sh.nodes[0], SYM_S_STRUCT, 0, sizeof(struct dw_n1), false);
	/* an enum and a bool bit-field */
	memset(&v, 0x5a, sizeof(v));
	v.c = DW_BLACK;
	v.on = true;
	n = shape_member(&sh, 0, "c");
	assert_int_equal(n->kind, SYM_S_ENUM);
	assert_int_equal(n->bit_size, 4);
	assert_true(n->is_signed);
	assert_int_equal(n->nenums, 4);
	assert_int_equal(read_bits(&v, n->off, n->size, n->bit_off, n->bit_size, true), DW_BLACK);
	n = shape_member(&sh, 0, "on");
	assert_int_equal(n->kind, SYM_S_BOOL);
	assert_int_equal(n->bit_size, 1);
	assert_int_equal(read_bits(&v, n->off, n->size, n->bit_off, n->bit_size, false), 1);
	/* n2 at depth 1 ... n7 at depth 6 are structs; n8, at depth 7, is not shown */
	for (i = 0, depth = 2; depth <= 8; depth++) {
		snprintf(name, sizeof(name), "n%d", depth);
		n = shape_member(&sh, i, name);
		assert_int_equal(n->off, depth == 2 ? offsetof(struct dw_n1, n2) : 0);
		assert_int_equal(n->size, sizeof(int));
		i = node_index(&sh, n);
		if (depth - 1 <= SYM_SHAPE_MAX_DEPTH)
			continue;
		assert_int_equal(n->kind, SYM_S_OPAQUE);
		assert_string_equal(n->why, "nested deeper than 6 levels");
		assert_int_equal(n->child, -1);
	}
	assert_int_equal(sh.n, 1 + 2 + 7); /* the root; c, on; n2 ... n8 */
	sym_shapes__free(&sh);

	/* 30 structs of 40 ints: the first that fit are shown, the others are not */
	assert_int_equal(sym_dwarf__shape(d, f.params[1].type.pointee, &sh), 0);
	assert_int_equal(sh.nodes[0].count, 30);
	for (i = sh.nodes[0].child, depth = 0; i >= 0; i = sh.nodes[i].next, depth++) {
		n = &sh.nodes[i];
		assert_int_equal(n->size, sizeof(struct dw_forty));
		if (31 + (depth + 1) * 40 <= SYM_SHAPE_MAX_NODES) {
			assert_int_equal(n->kind, SYM_S_STRUCT);
			assert_int_equal(n->count, 40);
		} else {
			assert_int_equal(n->kind, SYM_S_OPAQUE);
			assert_string_equal(n->why, "more than 1024 nodes");
		}
	}
	assert_int_equal(sh.n, 31 + (SYM_SHAPE_MAX_NODES - 31) / 40 * 40);
	assert_true(sh.n <= SYM_SHAPE_MAX_NODES);
	sym_shapes__free(&sh);

	/* no type, or void */
	assert_int_equal(sym_dwarf__shape(d, 0, &sh), -EINVAL);
	assert_null(sh.nodes);
	assert_int_equal(sh.n, 0);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* ---- listing -------------------------------------------------------------------------- */

struct list_ctx {
	char names[32][64];
	uint64_t addrs[32];
	int n, stop_at;
};

static int list_cb(const struct sym_fn_info *f, void *ctx)
{
	struct list_ctx *l = ctx;

	assert_true(l->n < 32);
	snprintf(l->names[l->n], sizeof(l->names[0]), "%s", f->name);
	l->addrs[l->n] = f->addr;
	assert_non_null(f->signature);
	return ++l->n == l->stop_at ? 42 : 0;
}

static void test_for_each(void **state)
{
	static const char *const want[] = {
		"dw_append",	"dw_big_next", "dw_call_dup2",	"dw_color_name", "dw_dup",
		"dw_dup",	"dw_eight",    "dw_fact",	"dw_nested",	 "dw_next_color",
		"dw_noargs",	"dw_pair_swap", "dw_scale",	"dw_sink",	 "dw_twice",
		"dw_typed",	"dw_uses_inl", "dw_uses_twice", "dw_variadic",
	};
	struct sym_dwarf *d = open_dw("dw-O2", NULL);
	struct list_ctx l = {0};
	int i;

	assert_int_equal(sym_dwarf__for_each_func(d, "dw_*", list_cb, &l), 0);
	assert_int_equal(l.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < l.n; i++) {
		assert_string_equal(l.names[i], want[i]);
		if (strcmp(want[i], "dw_dup"))
			assert_int_equal(l.addrs[i], nm_addr("dw-O2", want[i], NULL));
	}
	assert_true(l.addrs[4] < l.addrs[5]); /* the two dw_dup */

	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	assert_int_equal(sym_dwarf__for_each_func(d, "dw_*", list_cb, &l), 42);
	assert_int_equal(l.n, 2);

	memset(&l, 0, sizeof(l));
	assert_int_equal(sym_dwarf__for_each_func(d, "nothing*", list_cb, &l), 0);
	assert_int_equal(l.n, 0);
	sym_dwarf__close(d);
}

/* ---- separate debug files ------------------------------------------------------------- */

/* A stripped copy of dw-O2 whose DWARF is found elsewhere describes dw_eight as dw-O2 does. */
static void check_split(const char *fixture, const char *const *extra, const char *dbg)
{
	struct sym_dwarf *d = open_dw(fixture, extra);
	struct sym_fn_info f;
	uint64_t addr = nm_addr("dw-O2", "dw_eight", NULL);

	assert_same_file(sym_dwarf__file(d), fx(dbg));
	assert_string_equal(sym_dwarf__object(d), fx(fixture));
	assert_int_equal(sym_dwarf__func(d, "dw_eight", addr, &f), 0);
	assert_int_equal(f.addr, addr);
	assert_int_equal(f.probe_addr, addr);
	assert_int_equal(f.nparams, 8);
	assert_loc(&f.params[0], REG, RDI, 0);
	assert_loc(&f.params[7], MEM, RSP, 16);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static void test_debuglink(void **state)
{
	assert_false(nm_has("dw-link", "dw_eight")); /* really stripped */
	check_split("dw-link", NULL, "dw-link.debug");
	check_split("dw-dotdebug", NULL, ".debug/dw-dotdebug.debug");
}

static void test_extra_dirs(void **state)
{
	char rel[PATH_MAX], cwd[PATH_MAX], none[PATH_MAX], dir[PATH_MAX];
	const char *extra[] = {none, dir, NULL};
	struct sym_dwarf *d = (void *)1;

	snprintf(none, sizeof(none), "%s", fx("no-such-dir"));
	snprintf(dir, sizeof(dir), "%s", fx("extra-debug"));

	msg_reset();
	assert_int_equal(sym_dwarf__open(fx("dw-extra"), NULL, &d), -ENODATA);
	assert_no_msg();
	check_split("dw-extra", extra, "extra-debug/dw-extra.debug");

	/* A relative directory is taken from the current one. */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	if (fixture_dir[0] != '/') {
		snprintf(rel, sizeof(rel), "%s/extra-debug", fixture_dir);
		extra[0] = rel;
		extra[1] = NULL;
		d = open_dw("dw-extra", extra);
		assert_non_null(strstr(sym_dwarf__file(d), "extra-debug/dw-extra.debug"));
		sym_dwarf__close(d);
	}

	msg_reset();
	extra[0] = "a:b";
	assert_int_equal(sym_dwarf__open(fx("dw-extra"), extra, &d), -EINVAL);
	assert_one_msg("dw-extra", "a:b", NULL);
}

static void build_id(const char *fixture, char *out, size_t len)
{
	char cmd[PATH_MAX + 64];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "readelf -n '%s' | sed -n 's/^ *Build ID: *//p'", fx(fixture));
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(out, len, f));
	out[strcspn(out, "\n")] = '\0';
	pclose(f);
	assert_true(strlen(out) > 2);
}

static void test_build_id(void **state)
{
	char id[128], want[256], root[PATH_MAX];
	const char *extra[] = {root, NULL};
	struct sym_dwarf *d = (void *)1;
	struct sym_fn_info f;
	uint64_t addr = nm_addr("dw-O0", "dw_eight", NULL);

	snprintf(root, sizeof(root), "%s", fx("debugroot"));
	msg_reset();
	assert_int_equal(sym_dwarf__open(fx("dw-buildid"), NULL, &d), -ENODATA);
	assert_no_msg();

	build_id("dw-buildid", id, sizeof(id));
	snprintf(want, sizeof(want), "debugroot/.build-id/%.2s/%s.debug", id, id + 2);
	d = open_dw("dw-buildid", extra);
	assert_same_file(sym_dwarf__file(d), fx(want));
	/* -O0 code: the CFI that finds the frame comes from the executed object. */
	assert_int_equal(sym_dwarf__func(d, "dw_eight", addr, &f), 0);
	assert_true(f.probe_addr > addr);
	assert_loc(&f.params[6], MEM, RBP, 16);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

/* ---- MiniDebugInfo -------------------------------------------------------------------- */

/* File offset of addr from the PT_LOAD lines of readelf -lW. */
static uint64_t readelf_offset(const char *fixture, uint64_t addr)
{
	unsigned long long off, vaddr, paddr, filesz, memsz, res = 0;
	char cmd[PATH_MAX + 32], line[1024];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", fx(fixture));
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " LOAD 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx", &off, &vaddr, &paddr,
			   &filesz, &memsz) == 5 &&
		    addr >= vaddr && addr < vaddr + filesz) {
			res = addr - vaddr + off;
			n++;
		}
	}
	pclose(f);
	assert_int_equal(n, 1);
	return res;
}

static void test_minidebug(void **state)
{
	struct sym_elf *e = (void *)1;
	struct sym_func fn;

	msg_reset();
	assert_int_equal(sym_minidebug__open(fx("dw-mini"), &e), 0);
	assert_no_msg();
	assert_non_null(strstr(sym_elf__path(e), "dw-mini [.gnu_debugdata]"));
	assert_int_equal(sym_elf__resolve(e, "dw_eight", &fn), 0);
	assert_int_equal(fn.addr, nm_addr("dw-O2", "dw_eight", NULL));
	/* The offset is that of the executed object. */
	assert_int_equal(fn.offset, readelf_offset("dw-mini", fn.addr));
	sym_func__clear(&fn);
	assert_int_equal(sym_elf__resolve(e, "dw_twice", &fn), 0);
	assert_int_equal(fn.addr, nm_addr("dw-O2", "dw_twice", NULL));
	sym_func__clear(&fn);
	/* Two static dw_dup and no STT_FILE to tell them apart. */
	msg_reset();
	assert_int_equal(sym_elf__resolve(e, "dw_dup", &fn), -ENOTUNIQ);
	assert_non_null(strstr(msg, "[.gnu_debugdata]"));
	sym_elf__close(e);

	msg_reset();
	assert_int_equal(sym_minidebug__open(fx("dw-O2"), &e), -ENODATA);
	assert_null(e);
	assert_no_msg();
	assert_int_equal(sym_minidebug__open(fx("no-such-file"), &e), -ENOENT);
	assert_one_msg("no-such-file", NULL);
	msg_reset();
	assert_int_equal(sym_minidebug__open(fx("not-elf.txt"), &e), -ENOEXEC);
	assert_one_msg("not-elf.txt", "not an ELF file", NULL);
}

/* ---- a big binary --------------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * One lookup must read only the unit that holds the function, whatever the size of the
 * DWARF: this prints the time and fails only far above it (make bench holds the budget).
 */
static void test_big_lookup(void **state)
{
	uint64_t addr = nm_addr("dw-big/dw-big", "big_fn_19999", NULL);
	struct sym_dwarf *d = NULL;
	struct sym_fn_info f;
	double t0, t1;

	t0 = now_ms();
	assert_int_equal(sym_dwarf__open(fx("dw-big/dw-big"), NULL, &d), 0);
	assert_int_equal(sym_dwarf__func(d, "big_fn_19999", addr, &f), 0);
	t1 = now_ms();
	print_message("dw-big: open + lookup of big_fn_19999 in %.1f ms\n", t1 - t0);
	assert_string_equal(f.signature, "int big_fn_19999(struct big_s199 *p, const char *name, "
					 "long unsigned int len, int k)");
	assert_true(t1 - t0 < 1000);
	sym_fn_info__free(&f);
	sym_dwarf__close(d);
}

static int setup(void **state)
{
	return capture_setup("test_dwarf", &fixture_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_in_object),
		cmocka_unit_test(test_o2_eight),
		cmocka_unit_test(test_o2_location_lists),
		cmocka_unit_test(test_o2_struct_args),
		cmocka_unit_test(test_enum_bool),
		cmocka_unit_test(test_recursive),
		cmocka_unit_test(test_static_in_two_files),
		cmocka_unit_test(test_variadic),
		cmocka_unit_test(test_double_in_xmm),
		cmocka_unit_test(test_no_params),
		cmocka_unit_test(test_type_spelling),
		cmocka_unit_test(test_o0_after_prologue),
		cmocka_unit_test(test_func_at),
		cmocka_unit_test(test_func_at_location_lists),
		cmocka_unit_test(test_not_described),
		cmocka_unit_test(test_inlined_everywhere),
		cmocka_unit_test(test_partly_inlined),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_member_bitfields),
		cmocka_unit_test(test_member_bitfields_clang),
		cmocka_unit_test(test_bitfield_forms),
		cmocka_unit_test(test_element),
		cmocka_unit_test(test_shape_ins),
		cmocka_unit_test(test_shape_ins_clang),
		cmocka_unit_test(test_shape_limits),
		cmocka_unit_test(test_for_each),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_extra_dirs),
		cmocka_unit_test(test_build_id),
		cmocka_unit_test(test_minidebug),
		cmocka_unit_test(test_big_lookup),
	};

	return cmocka_run_group_tests_name("dwarf", tests, setup, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_placement.c - symbols/placement.c: where a function's entry uprobe goes.
 *
 * The fixture (tests/fixtures/placement_fix.S, built by tests/bench/bench.mk into
 * $UPTRACE_FIXTURES/libplacefix.so) is assembly, so each function's first instructions
 * are exactly what the test says they are.  Each case names a function, how many bytes
 * the probe must move (0: stays at the entry), and words its explanation must contain.
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

#include "placement.h"
#include "symbols.h"

static struct sym_elf *elf;

struct pcase {
	const char *func;
	uint32_t skipped;   /* expected bytes moved */
	bool emulated;	    /* the instruction probed is one the kernel emulates */
	const char *insn;   /* the instruction probed, as capstone prints it */
	const char *why;    /* a piece of the explanation */
};

static const struct pcase cases[] = {
	{ "pf_push", 0, true, "pushq %r14", "the kernel emulates 'pushq %r14'" },
	{ "pf_endbr_push", 4, true, "pushq %rbp", "'endbr64' is single-stepped" },
	{ "pf_mov_push", 3, true, "pushq %rbx", "+3:" },
	{ "pf_cmp_push", 7, true, "pushq %r12", "cmpl $0" },
	{ "pf_endbr_canary_push", 13, true, "pushq %rbx", "+13:" },
	{ "pf_mov_rdi", 0, false, "movl %edi, %edi", "writes %edi" },
	{ "pf_sub_rsp", 0, false, "subq $8, %rsp", "writes %rsp" },
	{ "pf_store", 0, false, "movq $0", "writes memory" },
	{ "pf_xmm", 0, false, "pxor %xmm0, %xmm0", "not a plain move" },
	{ "pf_rep_stos", 0, false, "endbr64", "'rep stosb" },
	{ "pf_far", 0, false, "endbr64", "within 4 instructions" },
	{ "pf_loop", 0, false, "endbr64", "lands at +7" },
	{ "pf_endbr_jmp", 4, true, "jmp ", "the kernel emulates 'jmp" },
	{ "pf_nop5", 0, true, "nopl", "the kernel emulates" },
	{ "pf_short", 0, false, "endbr64", "'retq' at +4 cannot be stepped over: it is a branch" },
	{ "pf_ends", 0, false, "endbr64", "no whole instruction at +7" },
	{ "pf_nosize", 0, false, "endbr64", "no size" },
};

static int setup(void **state)
{
	const char *dir = getenv("UPTRACE_FIXTURES");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/libplacefix.so", dir ? dir : "build/fixtures");
	return sym_elf__open(path, &elf);
}

static int teardown(void **state)
{
	sym_elf__close(elf);
	return 0;
}

static void check_case(const struct pcase *c)
{
	struct sym_placement pl;
	struct sym_func f = {};

	assert_int_equal(sym_elf__resolve(elf, c->func, &f), 0);
	assert_int_equal(sym_place_probe(elf, &f, &pl), 0);
	if (pl.skipped != c->skipped || pl.emulated != c->emulated || !strstr(pl.insn, c->insn) ||
	    !strstr(pl.why, c->why))
		fail_msg("%s: +%u emulated=%d insn '%s' why '%s'; want +%u emulated=%d '%s' '%s'",
			 c->func, pl.skipped, pl.emulated, pl.insn, pl.why, c->skipped, c->emulated,
			 c->insn, c->why);
	assert_int_equal(pl.addr, f.addr + c->skipped);
	assert_int_equal(pl.offset, f.offset + c->skipped);
	if (c->skipped)
		assert_string_not_equal(pl.first_insn, pl.insn);
	else
		assert_string_equal(pl.first_insn, pl.insn);
	sym_func__clear(&f);
}

static void test_cases(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* The placed probe must be inside the function, at an instruction boundary it decoded. */
static void test_stays_inside(void **state)
{
	struct sym_func *fs = NULL;
	struct sym_placement pl;
	size_t n = 0, i;

	assert_int_equal(sym_elf__find(elf, "pf_*", &fs, &n), 0);
	assert_true(n >= sizeof(cases) / sizeof(cases[0]));
	for (i = 0; i < n; i++) {
		assert_int_equal(sym_place_probe(elf, &fs[i], &pl), 0);
		assert_true(pl.skipped <= SYM_PLACE_MAX_BYTES);
		if (fs[i].size)
			assert_true(pl.skipped < fs[i].size);
		assert_true(pl.why[0] != '\0');
	}
	sym_funcs__free(fs, n);
}

/* Code that is not in the file (a separate debug file's NOBITS text): the entry, -ENOENT. */
static void test_no_code(void **state)
{
	struct sym_placement pl;
	struct sym_func f = {};

	assert_int_equal(sym_elf__resolve(elf, "pf_endbr_push", &f), 0);
	f.addr = 0x7fff0000; /* in no segment */
	assert_int_equal(sym_place_probe(elf, &f, &pl), -ENOENT);
	assert_int_equal(pl.skipped, 0);
	assert_int_equal(pl.offset, f.offset);
	assert_non_null(strstr(pl.why, "no code bytes"));
	sym_func__clear(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_stays_inside),
		cmocka_unit_test(test_no_code),
	};

	return cmocka_run_group_tests_name("placement", tests, setup, teardown);
}

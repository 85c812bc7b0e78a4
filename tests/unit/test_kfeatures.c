// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_kfeatures.c - what uptrace makes of a kernel's answers without a kernel: the one line
 * for a missing feature, the path taken, a program's deepest call chain from its
 * instructions and the verifier's statistics, and the reason in a verifier log.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/bpf.h>

#include "kfeatures.h"
#include "util.h"

/* ---- instructions ------------------------------------------------------------------------ */

#define CALL(to_rel) ((struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, \
					 .imm = (to_rel) })
#define HELPER(id)   ((struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = (id) })
#define EXIT	     ((struct bpf_insn){ .code = BPF_JMP | BPF_EXIT })
#define MOV0	     ((struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K })
/* a callback passed by address: ld_imm64 takes two slots */
#define FUNC(to_rel) ((struct bpf_insn){ .code = BPF_LD | BPF_IMM | BPF_DW, \
					 .src_reg = BPF_PSEUDO_FUNC, .imm = (to_rel) })
#define FUNC_HI	     ((struct bpf_insn){ 0 })

/*
 *  0 main:  call A (3); call C (7); exit
 *  3 A:     call B (5); exit
 *  5 B:     mov; exit
 *  7 C:     helper; exit
 */
static const struct bpf_insn nested[] = {
	CALL(2), CALL(5), EXIT,	  /* main */
	CALL(1), EXIT,		  /* A at 3 */
	MOV0,	 EXIT,		  /* B at 5 */
	HELPER(1), EXIT,	  /* C at 7 */
};

static void test_chain_follows_the_deepest_calls(void **state)
{
	char frames[64];

	(void)state;
	/* main 100 -> 128, A 40 -> 64, B 0 -> 32 (one slot at least), C 200 -> 224 */
	assert_int_equal(kfeatures_chain_stack(nested, 9, "stack depth 100+40+0+200\n", frames,
					       sizeof(frames)),
			 128 + 224);
	assert_string_equal(frames, "128+224");
	assert_int_equal(kfeatures_chain_stack(nested, 9, "stack depth 100+300+8+16\n", frames,
					       sizeof(frames)),
			 128 + 320 + 32);
	assert_string_equal(frames, "128+320+32");
}

static void test_chain_counts_callbacks(void **state)
{
	/* main passes a callback (at 4) by address, then calls a helper (bpf_loop) */
	static const struct bpf_insn cb[] = {
		FUNC(3), FUNC_HI, HELPER(181), EXIT, /* main */
		MOV0,	 EXIT,			     /* the callback at 4 */
	};
	char frames[64];

	(void)state;
	assert_int_equal(kfeatures_chain_stack(cb, 6, "stack depth 384+64", frames,
					       sizeof(frames)),
			 448);
	assert_string_equal(frames, "384+64");
}

static void test_chain_uses_the_last_statistics_line(void **state)
{
	const char *log = "func#0 @0\nstack depth 1+2+3+4\nprocessed 12 insns\n"
			  "verification time 5 usec\nstack depth 512+0+0+0\n";
	char frames[64];

	(void)state;
	assert_int_equal(kfeatures_chain_stack(nested, 9, log, frames, sizeof(frames)),
			 512 + 32 + 32);
}

static void test_chain_refuses_what_does_not_add_up(void **state)
{
	char frames[64];

	(void)state;
	/* no statistics, fewer or more numbers than subprograms */
	assert_int_equal(kfeatures_chain_stack(nested, 9, "processed 9 insns\n", frames,
					       sizeof(frames)),
			 -ENOENT);
	assert_int_equal(kfeatures_chain_stack(nested, 9, "stack depth 8+8+8\n", frames,
					       sizeof(frames)),
			 -EINVAL);
	assert_int_equal(kfeatures_chain_stack(nested, 9, "stack depth 8+8+8+8+8\n", frames,
					       sizeof(frames)),
			 -EINVAL);
	assert_int_equal(kfeatures_chain_stack(nested, 0, "stack depth 8\n", frames,
					       sizeof(frames)),
			 -ENOENT);
}

/* ---- verifier logs ----------------------------------------------------------------------- */

static void test_refusal_is_the_last_line_before_the_statistics(void **state)
{
	char why[128];

	(void)state;
	assert_true(kfeatures_refusal("0: (85) call foo\ncombined stack size of 2 calls is 528. "
				      "Too large\nverification time 12 usec\nstack depth 496+32\n"
				      "processed 10312 insns (limit 1000000)\n",
				      why, sizeof(why)));
	assert_string_equal(why, "combined stack size of 2 calls is 528. Too large");
	assert_true(kfeatures_refusal("BPF program is too large. Processed 1000001 insn\n"
				      "processed 1000001 insns (limit 1000000)\n\n",
				      why, sizeof(why)));
	assert_string_equal(why, "BPF program is too large. Processed 1000001 insn");
	/* an accepted program's log has only the statistics */
	assert_false(kfeatures_refusal("verification time 7 usec\nstack depth 8\n"
				       "processed 9 insns (limit 1000000)\n",
				       why, sizeof(why)));
	assert_false(kfeatures_refusal("", why, sizeof(why)));
}

/* ---- features --------------------------------------------------------------------------- */

static char *msgs;
static size_t msgs_len;

static int capture_start(void **state)
{
	(void)state;
	upt_errf = open_memstream(&msgs, &msgs_len);
	return upt_errf ? 0 : -1;
}

static int capture_end(void **state)
{
	(void)state;
	fclose(upt_errf);
	upt_errf = NULL;
	free(msgs);
	msgs = NULL;
	return 0;
}

static void all_features(struct kfeatures *f, const char *release)
{
	int i;

	memset(f, 0, sizeof(*f));
	snprintf(f->release, sizeof(f->release), "%s", release);
	for (i = 0; i < KF_COUNT; i++)
		f->has[i] = true;
}

static void test_require_names_the_first_missing_feature(void **state)
{
	struct kfeatures f;

	(void)state;
	all_features(&f, "5.15.0-91-generic");
	f.has[KF_RB_DYNPTR] = false;
	f.has[KF_DYNPTR_DATA] = false;
	f.has[KF_READ_DYNPTR] = false;
	assert_int_equal(features__require(&f), -EOPNOTSUPP);
	fflush(upt_errf);
	assert_string_equal(msgs, "uptrace: this kernel (5.15.0-91-generic) lacks "
				  "bpf_ringbuf_reserve_dynptr(), which uptrace needs: Linux 5.19 "
				  "is the first to have it\n");
}

static void test_require_no_btf(void **state)
{
	struct kfeatures f;

	(void)state;
	all_features(&f, "6.1.0-custom");
	f.has[KF_BTF] = false;
	assert_int_equal(features__require(&f), -EOPNOTSUPP);
	fflush(upt_errf);
	assert_string_equal(msgs, "uptrace: this kernel (6.1.0-custom) lacks kernel BTF "
				  "(/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF), which uptrace "
				  "needs: Linux 5.5 is the first to have it\n");
}

static void test_kfuncs_are_optional_and_choose_the_path(void **state)
{
	struct kfeatures f;

	(void)state;
	all_features(&f, "6.18.0");
	assert_int_equal(features__require(&f), 0);
	assert_int_equal(features__path(&f, false), COPY_KFUNC);
	assert_int_equal(features__path(&f, true), COPY_PORTABLE);
	f.has[KF_READ_DYNPTR] = false;
	assert_int_equal(features__require(&f), 0);
	assert_int_equal(features__path(&f, false), COPY_PORTABLE);
	fflush(upt_errf);
	assert_int_equal(msgs_len, 0);
	assert_string_equal(features__path_name(COPY_KFUNC), "kfunc");
	assert_string_equal(features__path_name(COPY_PORTABLE), "portable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_follows_the_deepest_calls),
		cmocka_unit_test(test_chain_counts_callbacks),
		cmocka_unit_test(test_chain_uses_the_last_statistics_line),
		cmocka_unit_test(test_chain_refuses_what_does_not_add_up),
		cmocka_unit_test(test_refusal_is_the_last_line_before_the_statistics),
		cmocka_unit_test_setup_teardown(test_require_names_the_first_missing_feature,
						capture_start, capture_end),
		cmocka_unit_test_setup_teardown(test_require_no_btf, capture_start, capture_end),
		cmocka_unit_test_setup_teardown(test_kfuncs_are_optional_and_choose_the_path,
						capture_start, capture_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_spec.c - the probe-spec parser, the prototype parser and the spec builder.
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

#include "probe.h"
#include "spec.h"
#include "util.h"

static char *errbuf;
static size_t errlen;

static int setup_err(void **state)
{
	upt_errf = open_memstream(&errbuf, &errlen);
	return upt_errf ? 0 : -1;
}

static int teardown_err(void **state)
{
	fclose(upt_errf);
	upt_errf = NULL;
	free(errbuf);
	errbuf = NULL;
	return 0;
}

/* Forget what was printed so far. */
static void reset_err(void)
{
	teardown_err(NULL);
	assert_int_equal(setup_err(NULL), 0);
}

static const char *errors(void)
{
	fflush(upt_errf);
	return errbuf;
}

static void test_plain_function(void **state)
{
	struct probe_def d;

	assert_int_equal(probe_def__parse("flb_input_log_append", &d), 0);
	assert_null(d.obj);
	assert_string_equal(d.func, "flb_input_log_append");
	assert_false(d.ret);
	assert_false(d.has_list);
	assert_int_equal(d.nfetches, 0);
	probe_def__free(&d);
}

static void test_full_spec(void **state)
{
	struct probe_def d;

	assert_int_equal(probe_def__parse("libc:malloc%return( arg0:u64 , tag:str[tag_len],"
					  "buf:msgpack[4096], ins->p_ins.flags:x64)",
					  &d),
			 0);
	assert_string_equal(d.obj, "libc");
	assert_string_equal(d.func, "malloc");
	assert_true(d.ret);
	assert_int_equal(d.nfetches, 4);
	assert_string_equal(d.fetches[0].text, "arg0");
	assert_int_equal(d.fetches[0].type, FT_U64);
	assert_false(d.fetches[0].has_len);
	assert_int_equal(d.fetches[0].pos, 20);
	assert_string_equal(d.fetches[1].base, "tag");
	assert_int_equal(d.fetches[1].type, FT_STR);
	assert_string_equal(d.fetches[1].len_expr, "tag_len");
	assert_int_equal(d.fetches[2].type, FT_MSGPACK);
	assert_true(d.fetches[2].has_len);
	assert_null(d.fetches[2].len_expr);
	assert_int_equal(d.fetches[2].len_num, 4096);
	assert_string_equal(d.fetches[3].text, "ins->p_ins.flags");
	assert_string_equal(d.fetches[3].base, "ins");
	assert_int_equal(d.fetches[3].nmembers, 2);
	assert_string_equal(d.fetches[3].members[0], "p_ins");
	assert_true(d.fetches[3].arrow[0]);
	assert_string_equal(d.fetches[3].members[1], "flags");
	assert_false(d.fetches[3].arrow[1]);
	assert_int_equal(d.fetches[3].type, FT_X64);
	probe_def__free(&d);
}

/* [N] between steps indexes; a trailing [N] stays a LEN; *x is x[0] after everything. */
static void test_indexes_and_deref(void **state)
{
	struct probe_def d;
	const struct fetch *f;

	assert_int_equal(probe_def__parse("f(ins->vals[2], g[1][0x2].a, *ins->next, buf[16], *p)",
					  &d),
			 0);
	assert_int_equal(d.nfetches, 5);
	f = &d.fetches[0]; /* the trailing [2] is a LEN here; probe.c makes it an index */
	assert_string_equal(f->text, "ins->vals");
	assert_int_equal(f->nmembers, 1);
	assert_true(f->has_len);
	assert_int_equal(f->len_num, 2);
	f = &d.fetches[1];
	assert_string_equal(f->text, "g[1][0x2].a");
	assert_int_equal(f->nmembers, 3);
	assert_null(f->members[0]);
	assert_int_equal(f->index[0], 1);
	assert_null(f->members[1]);
	assert_int_equal(f->index[1], 2);
	assert_string_equal(f->members[2], "a");
	assert_false(f->arrow[2]);
	assert_false(f->has_len);
	f = &d.fetches[2];
	assert_string_equal(f->text, "*ins->next");
	assert_string_equal(f->base, "ins");
	assert_int_equal(f->nmembers, 2);
	assert_string_equal(f->members[0], "next");
	assert_null(f->members[1]);
	assert_int_equal(f->index[1], 0);
	f = &d.fetches[3];
	assert_int_equal(f->nmembers, 0);
	assert_int_equal(f->len_num, 16);
	f = &d.fetches[4];
	assert_string_equal(f->text, "*p");
	assert_int_equal(f->nmembers, 1);
	assert_null(f->members[0]);
	probe_def__free(&d);
}

static void test_object_path_and_cxx_name(void **state)
{
	struct probe_def d;

	assert_int_equal(probe_def__parse("/usr/lib/libfoo.so:ns::fn", &d), 0);
	assert_string_equal(d.obj, "/usr/lib/libfoo.so");
	assert_string_equal(d.func, "ns::fn");
	probe_def__free(&d);
	assert_int_equal(probe_def__parse("ns::fn", &d), 0);
	assert_null(d.obj);
	assert_string_equal(d.func, "ns::fn");
	probe_def__free(&d);
	assert_int_equal(probe_def__parse("flb_input_*()", &d), 0);
	assert_string_equal(d.func, "flb_input_*");
	assert_true(d.has_list);
	assert_int_equal(d.nfetches, 0);
	probe_def__free(&d);
}

/* Each bad spec: the message, and the caret under the right column. */
static void check_bad(const char *spec, const char *msg, int col)
{
	struct probe_def d;
	char want[512];

	reset_err();
	assert_int_equal(probe_def__parse(spec, &d), -EINVAL);
	snprintf(want, sizeof(want), "uptrace: bad probe: %s\n    %s\n    %*s^\n", msg, spec,
		 col, "");
	assert_string_equal(errors(), want);
}

static void test_errors_with_caret(void **state)
{
	check_bad("f(tag:strr)", "unknown type 'strr' (s8..s64, u8..u64, x64, ptr, str, bytes, "
				 "msgpack, auto)", 6);
	check_bad("f(a:u32[4])", "a length needs a buffer type (str, bytes, msgpack or auto), not u32",
		  7);
	check_bad("f(a, b", "missing ')'", 6);
	check_bad("f(a b)", "expected ',' or ')'", 4);
	check_bad("f(a:)", "expected a type after ':'", 4);
	check_bad("f(a:str[0])", "a length must be at least 1", 8);
	check_bad("f(a:str[x->y])", "a length must be a number or an argument name", 9);
	check_bad("f%ret", "expected %return", 1);
	check_bad("f(1a)", "expected an argument name, argN or $retval", 2);
	check_bad("f($ret)", "unknown special name (only $retval exists)", 2);
	check_bad(":f", "empty object name before ':'", 0);
	check_bad("f() x", "unexpected text after the probe", 4);
	check_bad("f(a->b->c->d->e->f)", "more than 4 member accesses and indexes", 15);
	check_bad("f(a[1][2][3][4].b)", "more than 4 member accesses and indexes", 15);
	check_bad("f(a[x].b)", "expected ',' or ')'", 6);
}

static void test_proto_parse(void **state)
{
	struct proto p;

	assert_int_equal(proto_parse(proto_builtin("flb_input_chunk_append_raw"), &p), 0);
	assert_string_equal(p.name, "flb_input_chunk_append_raw");
	assert_int_equal(p.nparams, 7);
	assert_string_equal(p.params[0].name, "in");
	assert_int_equal(p.params[0].cls, CT_PTR);
	assert_string_equal(p.params[0].ctype, "struct flb_input_instance *");
	assert_string_equal(p.params[1].name, "event_type");
	assert_int_equal(p.params[1].cls, CT_INT);
	assert_int_equal(p.params[1].size, 4);
	assert_true(p.params[1].is_signed);
	assert_int_equal(p.params[3].cls, CT_CHAR_PTR);
	assert_string_equal(p.params[3].ctype, "const char *");
	assert_int_equal(p.params[4].size, 8);
	assert_false(p.params[4].is_signed);
	assert_int_equal(p.params[5].cls, CT_VOID_PTR);
	proto__free(&p);

	assert_int_equal(proto_parse("unsigned f(unsigned short a, bool b, double c, char **v)",
				     &p),
			 0);
	assert_int_equal(p.params[0].size, 2);
	assert_false(p.params[0].is_signed);
	assert_int_equal(p.params[1].cls, CT_BOOL);
	assert_int_equal(p.params[2].cls, CT_FLOAT);
	assert_int_equal(p.params[2].size, 8);
	assert_int_equal(p.params[3].cls, CT_PTR);
	proto__free(&p);
	assert_int_equal(proto_parse("void f(float a, long double b, struct s c)", &p), 0);
	assert_int_equal(p.params[0].cls, CT_FLOAT);
	assert_int_equal(p.params[0].size, 4);
	assert_int_equal(p.params[1].cls, CT_UNSUPPORTED);
	assert_int_equal(p.params[2].cls, CT_UNSUPPORTED);
	proto__free(&p);
	assert_int_equal(proto_parse("int f(void)", &p), 0);
	assert_int_equal(p.nparams, 0);
	proto__free(&p);
	assert_int_equal(proto_parse("int f(int)", &p), -EINVAL);
	assert_null(proto_builtin("flb_input_log"));
	assert_null(proto_builtin("log_append"));
	assert_non_null(proto_builtin("malloc"));
}

static void test_size_like(void **state)
{
	assert_true(param_is_size_like("tag_len"));
	assert_true(param_is_size_like("buf_size"));
	assert_true(param_is_size_like("count"));
	assert_true(param_is_size_like("n"));
	assert_true(param_is_size_like("bufsize"));
	assert_false(param_is_size_like("records"));
	assert_false(param_is_size_like("nmemb"));
	assert_false(param_is_size_like("flags"));
}

static void build(const char *spec, const char *decl, struct probe *p, int want)
{
	struct probe_def d;
	struct proto proto;

	memset(p, 0, sizeof(*p));
	assert_int_equal(probe_def__parse(spec, &d), 0);
	if (decl)
		assert_int_equal(proto_parse(decl, &proto), 0);
	assert_int_equal(probe__build(p, &d, decl ? &proto : NULL, NULL, 4096), want);
	if (decl)
		proto__free(&proto);
	probe_def__free(&d);
}

/* pt_regs word numbers of rdi, rsi, rdx, rcx, r8, r9 */
enum { DI = 14, SI = 13, DX = 12, CX = 11, R8 = 9, R9 = 8 };

static void test_build_from_builtin_proto(void **state)
{
	struct probe p;

	build("flb_input_log_append", proto_builtin("flb_input_log_append"), &p, 0);
	assert_int_equal(p.spec.nargs, 5);
	assert_int_equal(p.spec.max_bytes, 4096);
	assert_string_equal(p.out[0].name, "ins");
	assert_int_equal(p.out[0].rd, RD_PTR);
	assert_int_equal(p.spec.args[0].loc, UPT_LOC_REG);
	assert_int_equal(p.spec.args[0].reg, DI);
	assert_int_equal(p.out[1].rd, RD_AUTO); /* tag followed by tag_len */
	assert_int_equal(p.spec.args[1].cap, UPT_CAP_BYTES);
	assert_int_equal(p.spec.args[1].len_kind, UPT_LEN_ARG);
	assert_int_equal(p.spec.args[1].len_val, 2);
	assert_int_equal(p.out[2].rd, RD_UNSIGNED);
	assert_int_equal(p.spec.args[2].reg, DX);
	assert_int_equal(p.out[3].rd, RD_AUTO);
	assert_int_equal(p.spec.args[3].reg, CX);
	assert_int_equal(p.spec.args[3].len_val, 4);
	assert_int_equal(p.spec.args[4].reg, R8);
	probe__free(&p);

	build("flb_input_chunk_append_raw", proto_builtin("flb_input_chunk_append_raw"), &p, 0);
	assert_int_equal(p.spec.nargs, 7);
	assert_int_equal(p.spec.args[5].reg, R9);
	assert_int_equal(p.spec.args[6].loc, UPT_LOC_STACK);
	assert_int_equal(p.spec.args[6].off, 8);
	assert_int_equal(p.spec.args[1].size, 4);
	assert_int_equal(p.out[1].rd, RD_SIGNED);
	probe__free(&p);

	build("puts", proto_builtin("puts"), &p, 0);
	assert_int_equal(p.out[0].rd, RD_STR);
	assert_int_equal(p.spec.args[0].cap, UPT_CAP_STR);
	assert_int_equal(p.spec.args[0].len_kind, UPT_LEN_NONE);
	probe__free(&p);
}

static void test_build_explicit(void **state)
{
	const char *flb = proto_builtin("flb_input_log_append");
	struct probe p;

	/* buf_size is not asked for: fetched hidden, as the length */
	build("f(tag:str[tag_len], buf:msgpack[buf_size])", flb, &p, 0);
	assert_int_equal(p.spec.nargs, 4);
	assert_string_equal(p.out[0].name, "tag");
	assert_int_equal(p.out[0].rd, RD_STR);
	assert_int_equal(p.spec.args[0].cap, UPT_CAP_BYTES);
	assert_int_equal(p.spec.args[0].len_val, 1);
	assert_string_equal(p.out[1].name, "tag_len");
	assert_int_equal(p.out[1].rd, RD_HIDDEN);
	assert_int_equal(p.spec.args[1].reg, DX);
	assert_string_equal(p.out[2].name, "buf");
	assert_int_equal(p.out[2].rd, RD_MSGPACK);
	assert_int_equal(p.spec.args[2].len_val, 3);
	assert_string_equal(p.out[3].name, "buf_size");
	assert_int_equal(p.out[3].rd, RD_HIDDEN);
	probe__free(&p);

	build("f(arg7:s16, arg0, arg1[32])", NULL, &p, 0);
	assert_int_equal(p.spec.args[0].loc, UPT_LOC_STACK);
	assert_int_equal(p.spec.args[0].off, 16);
	assert_int_equal(p.spec.args[0].size, 2);
	assert_int_equal(p.out[1].rd, RD_HEX);
	assert_int_equal(p.out[2].rd, RD_AUTO);
	assert_int_equal(p.spec.args[2].len_kind, UPT_LEN_FIXED);
	assert_int_equal(p.spec.args[2].len_val, 32);
	probe__free(&p);
}

static void test_build_defaults_without_proto(void **state)
{
	struct probe p;
	int i;

	build("main", NULL, &p, 0);
	assert_int_equal(p.spec.nargs, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(p.out[i].rd, RD_HEX);
	assert_string_equal(p.out[5].name, "arg5");
	assert_int_equal(p.spec.args[5].reg, R9);
	probe__free(&p);
}

static void test_build_return(void **state)
{
	struct probe p;

	build("readline%return", proto_builtin("readline"), &p, 0);
	assert_int_equal(p.kind, PROBE_RETURN);
	assert_int_equal(p.spec.flags, UPT_SPEC_RET);
	assert_int_equal(p.spec.nargs, 1);
	assert_string_equal(p.out[0].name, "retval");
	assert_int_equal(p.out[0].rd, RD_STR);
	assert_int_equal(p.spec.args[0].loc, UPT_LOC_REG);
	assert_int_equal(p.spec.args[0].reg, 10); /* rax */
	assert_int_equal(p.spec.args[0].cap, UPT_CAP_STR);
	probe__free(&p);

	build("flb_input_log_append%return", proto_builtin("flb_input_log_append"), &p, 0);
	assert_int_equal(p.out[0].rd, RD_SIGNED);
	assert_int_equal(p.spec.args[0].size, 4);
	probe__free(&p);

	build("free%return", proto_builtin("free"), &p, 0); /* void: the raw register */
	assert_int_equal(p.out[0].rd, RD_SIGNED);
	assert_int_equal(p.spec.args[0].size, 8);
	probe__free(&p);

	build("f%return($retval:bytes[16])", NULL, &p, 0);
	assert_int_equal(p.out[0].rd, RD_BYTES);
	assert_int_equal(p.spec.args[0].len_kind, UPT_LEN_FIXED);
	assert_int_equal(p.spec.args[0].len_val, 16);
	probe__free(&p);
}

static void test_build_errors(void **state)
{
	struct probe p;

	build("f(nope)", proto_builtin("flb_input_log_append"), &p, -EINVAL);
	probe__free(&p);
	assert_non_null(strstr(errors(), "no parameter 'nope' (see uptrace -l)"));
	build("f(tag)", NULL, &p, -EINVAL);
	probe__free(&p);
	assert_non_null(strstr(errors(), "no parameter 'tag': without debug info or a built-in "
					 "prototype use arg0..argN"));
	build("f(arg1:bytes)", NULL, &p, -EINVAL);
	probe__free(&p);
	assert_non_null(strstr(errors(), "'arg1' needs a length"));
	build("f(ins->name)", proto_builtin("flb_input_log_append"), &p, -EINVAL);
	probe__free(&p);
	assert_non_null(strstr(errors(), "member access in 'ins->name' needs DWARF"));
	build("f($retval)", NULL, &p, -EINVAL);
	probe__free(&p);
	assert_non_null(strstr(errors(), "'$retval' exists only in a %return probe"));
	build("f%return(arg0)", NULL, &p, -EINVAL);
	probe__free(&p);
	assert_non_null(strstr(errors(), "'arg0': a %return probe can fetch only $retval"));
	build("f%return($retval:str[arg1])", NULL, &p, -EINVAL);
	probe__free(&p);
	assert_non_null(strstr(errors(), "at return only a number can be a length"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_function),
		cmocka_unit_test(test_full_spec),
		cmocka_unit_test(test_indexes_and_deref),
		cmocka_unit_test(test_object_path_and_cxx_name),
		cmocka_unit_test_setup_teardown(test_errors_with_caret, setup_err, teardown_err),
		cmocka_unit_test(test_proto_parse),
		cmocka_unit_test(test_size_like),
		cmocka_unit_test(test_build_from_builtin_proto),
		cmocka_unit_test(test_build_explicit),
		cmocka_unit_test(test_build_defaults_without_proto),
		cmocka_unit_test(test_build_return),
		cmocka_unit_test_setup_teardown(test_build_errors, setup_err, teardown_err),
	};

	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}

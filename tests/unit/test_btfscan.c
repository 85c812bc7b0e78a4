// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_btfscan.c - kfeatures_btf_has_funcs(), the walk that tells whether the kernel's BTF
 * has the copy path's kfuncs without parsing it: on BTF built here with libbpf (every kind
 * the walk must step over), on bad input, and against libbpf's own answer on this kernel's
 * BTF when there is one.
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
#include <bpf/btf.h>
#include <linux/btf.h>

#include "kfeatures.h"
#include "util.h"

/* BTF with a type of every kind before and between the funcs "f_one" and "f_two". */
static struct btf *sample_btf(void)
{
	struct btf *b = btf__new_empty();
	int i32, s, proto;

	assert_non_null(b);
	i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	assert_true(i32 > 0);
	assert_true(btf__add_ptr(b, i32) > 0);
	assert_true(btf__add_array(b, i32, i32, 4) > 0);
	s = btf__add_struct(b, "f_three", 8); /* a name no func has */
	assert_true(s > 0);
	assert_int_equal(btf__add_field(b, "a", i32, 0, 0), 0);
	assert_int_equal(btf__add_field(b, "b", i32, 32, 0), 0);
	assert_true(btf__add_union(b, "u", 4) > 0);
	assert_int_equal(btf__add_field(b, "x", i32, 0, 0), 0);
	assert_true(btf__add_enum(b, "e", 4) > 0);
	assert_int_equal(btf__add_enum_value(b, "E1", 1), 0);
	assert_true(btf__add_fwd(b, "fw", BTF_FWD_STRUCT) > 0);
	assert_true(btf__add_typedef(b, "td", i32) > 0);
	assert_true(btf__add_volatile(b, i32) > 0);
	assert_true(btf__add_const(b, i32) > 0);
	assert_true(btf__add_restrict(b, i32) > 0);
	proto = btf__add_func_proto(b, i32);
	assert_true(proto > 0);
	assert_int_equal(btf__add_func_param(b, "p", i32), 0);
	assert_int_equal(btf__add_func_param(b, "q", i32), 0);
	assert_true(btf__add_func(b, "f_one", BTF_FUNC_GLOBAL, proto) > 0);
	assert_true(btf__add_var(b, "v", BTF_VAR_GLOBAL_ALLOCATED, i32) > 0);
	assert_true(btf__add_datasec(b, ".data", 4) > 0);
	assert_int_equal(btf__add_datasec_var_info(b, i32 + 16, 0, 4), 0);
	assert_true(btf__add_float(b, "float", 4) > 0);
	assert_true(btf__add_decl_tag(b, "tag", s, -1) > 0);
	assert_true(btf__add_type_tag(b, "ttag", i32) > 0);
	assert_true(btf__add_enum64(b, "e64", 8, false) > 0);
	assert_int_equal(btf__add_enum64_value(b, "E64", 1ULL << 40), 0);
	assert_true(btf__add_func(b, "f_two", BTF_FUNC_GLOBAL, proto) > 0);
	return b;
}

static int has(const struct btf *b, const char *const *names, size_t n)
{
	uint32_t size;
	const void *raw = btf__raw_data(b, &size);

	assert_non_null(raw);
	return kfeatures_btf_has_funcs(raw, size, names, n);
}

static void test_finds_funcs_past_every_kind(void **state)
{
	const char *const both[] = { "f_two", "f_one" };
	const char *const one[] = { "f_one" };
	const char *const struct_name[] = { "f_one", "f_three" };
	const char *const absent[] = { "f_four" };
	const char *const prefix[] = { "f_on" }; /* a string, but only inside another */
	struct btf *b = sample_btf();

	assert_int_equal(has(b, both, 2), 1);
	assert_int_equal(has(b, one, 1), 1);
	assert_int_equal(has(b, struct_name, 2), 0);
	assert_int_equal(has(b, absent, 1), 0);
	assert_int_equal(has(b, prefix, 1), 0);
	btf__free(b);
}

static void test_refuses_what_it_cannot_walk(void **state)
{
	const char *const one[] = { "f_one" };
	struct btf *b = sample_btf();
	uint32_t size;
	const void *raw = btf__raw_data(b, &size);
	char *copy = malloc(size);
	struct btf_header *h = (struct btf_header *)copy;
	struct btf_type *t;

	assert_non_null(copy);
	memcpy(copy, raw, size);
	assert_int_equal(kfeatures_btf_has_funcs(copy, sizeof(*h) - 1, one, 1), -EINVAL);
	assert_int_equal(kfeatures_btf_has_funcs(copy, size - 1, one, 1), -EINVAL);
	/* a kind from the future, first: the walk cannot know its size */
	t = (struct btf_type *)(copy + h->hdr_len + h->type_off);
	t->info = (t->info & ~(0x1fu << 24)) | (31u << 24);
	assert_int_equal(kfeatures_btf_has_funcs(copy, size, one, 1), -EPROTO);
	h->magic = 0x9feb; /* the other byte order */
	assert_int_equal(kfeatures_btf_has_funcs(copy, size, one, 1), -EINVAL);
	free(copy);
	btf__free(b);
}

/* On this kernel's BTF, the walk and libbpf's parse agree. */
static void test_agrees_with_libbpf_on_this_kernel(void **state)
{
	static const char *const names[] = { "bpf_probe_read_user_dynptr", "schedule",
					     "task_struct", "bpf_loop", "no_such_function_xyz" };
	struct btf *vm = btf__load_vmlinux_btf();
	const char *const *one;
	uint32_t size;
	const void *raw;
	size_t i;

	if (!vm)
		skip();
	raw = btf__raw_data(vm, &size);
	assert_non_null(raw);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		one = &names[i];
		assert_int_equal(kfeatures_btf_has_funcs(raw, size, one, 1),
				 btf__find_by_name_kind(vm, names[i], BTF_KIND_FUNC) > 0);
	}
	btf__free(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_funcs_past_every_kind),
		cmocka_unit_test(test_refuses_what_it_cannot_walk),
		cmocka_unit_test(test_agrees_with_libbpf_on_this_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

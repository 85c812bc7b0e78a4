// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_addrsym.c - addresses of a live process to function names (loader/addrsym.c), on
 * this test's own process: its functions, one of libc's, and what no function holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "addrsym.h"

/* Two functions of our own, kept out of line and apart. */
__attribute__((noinline, used)) int addrsym_target_one(int x)
{
	__asm__ volatile("" : : "r"(x) : "memory");
	return x + 1;
}

__attribute__((noinline, used)) int addrsym_target_two(int x)
{
	__asm__ volatile("" : : "r"(x) : "memory");
	return x * 3;
}

static void test_own_functions(void **state)
{
	struct addrsym *a;
	char buf[128];

	(void)state;
	assert_int_equal(addrsym__new(&a), 0);
	addrsym__prefetch(a, getpid());
	assert_true(addrsym__lookup(a, getpid(), (uintptr_t)addrsym_target_one, buf, sizeof(buf)));
	assert_string_equal(buf, "addrsym_target_one");
	assert_true(addrsym__lookup(a, getpid(), (uintptr_t)addrsym_target_two + 2, buf,
				    sizeof(buf)));
	assert_string_equal(buf, "addrsym_target_two+0x2");
	/* a function of a library: libc's, however it was linked */
	assert_true(addrsym__lookup(a, getpid(), (uintptr_t)getpid, buf, sizeof(buf)));
	assert_non_null(strstr(buf, "getpid"));
	/* the heap and the stack hold no function; buf is left alone */
	strcpy(buf, "untouched");
	assert_false(addrsym__lookup(a, getpid(), (uintptr_t)a, buf, sizeof(buf)));
	assert_false(addrsym__lookup(a, getpid(), (uintptr_t)&buf, buf, sizeof(buf)));
	assert_string_equal(buf, "untouched");
	/* no such process, no table */
	assert_false(addrsym__lookup(a, 0, (uintptr_t)addrsym_target_one, buf, sizeof(buf)));
	assert_false(addrsym__lookup(NULL, getpid(), (uintptr_t)addrsym_target_one, buf,
				     sizeof(buf)));
	addrsym__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_functions),
	};

	return cmocka_run_group_tests_name("addrsym", tests, NULL, NULL);
}

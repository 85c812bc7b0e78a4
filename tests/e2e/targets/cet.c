// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cet.c - built with -fcf-protection: cet_fn starts with endbr64 (single-stepped by the
 * kernel) and then pushes (emulated): uptrace places its probe on the push, and the
 * arguments must read the same as at the entry.
 */
#include <stdio.h>

__attribute__((noinline, noipa)) int cet_fn(int x, const char *s)
{
	int n = puts(s); /* a call: x must survive it in a callee-saved register, pushed first */

	return x + n;
}

int main(void)
{
	char s[8] = "cet"; /* on the stack: a page that is surely present */

	return cet_fn(41, s) == 45 ? 0 : 1;
}

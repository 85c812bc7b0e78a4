// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * clone.c - built -O2 without debug info: gcc drops work()'s constant first parameter and
 * keeps only the clone work.constprop.0.  `uptrace ... work` must probe the clone, saying so.
 */
#include <stdio.h>

static __attribute__((noinline)) int work(int unused, const char *s, int n)
{
	(void)unused;
	return printf("%s %d\n", s, n);
}

int main(int argc, char **argv)
{
	return work(0, argv[0], argc) < 0;
}

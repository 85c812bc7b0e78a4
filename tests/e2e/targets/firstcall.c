// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * firstcall.c - calls first_fn() as the very first statement of main, then exits 3: a probe
 * attached by `uptrace -c` must see that call (CMD must not run before attach).
 */
__attribute__((noinline, noipa)) int first_fn(int x)
{
	return x + 1;
}

int main(void)
{
	first_fn(42);
	return 3;
}

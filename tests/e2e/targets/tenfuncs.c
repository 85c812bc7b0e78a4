// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tenfuncs.c - nine ordinary functions and one the kernel refuses to probe (it starts with
 * int3), for all-or-nothing attach: attaching to all ten fails at the tenth, and the nine
 * before it must be gone.  After a line on stdin the nine are called; the exit status says
 * whether they all returned what they should (0) - a stray breakpoint would kill us first.
 */
#include <stdio.h>

#define F(n) \
	__attribute__((noinline, noipa)) int f##n(int x) \
	{ \
		return x + n; \
	}
F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8)

/* never called: its first instruction is a breakpoint, which uprobes cannot single-step */
__asm__(".text\n.globl bad_fn\n.type bad_fn,@function\nbad_fn:\n\tint3\n\tret\n"
	".size bad_fn, .-bad_fn\n");

int main(void)
{
	int (*const fs[])(int) = { f0, f1, f2, f3, f4, f5, f6, f7, f8 };
	char line[16];
	int i, bad = 0;

	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	for (i = 0; i < 9; i++)
		bad |= fs[i](100) != 100 + i;
	return bad;
}

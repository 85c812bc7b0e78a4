// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libdltest.c - a library that is only ever dlopen()ed (see dlopener.c). */
__attribute__((noinline, noipa)) int dl_fn(int x)
{
	return x + 1;
}

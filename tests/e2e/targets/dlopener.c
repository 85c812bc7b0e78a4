// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dlopener.c - dlopen(LIB) only now, call its dl_fn(5), exit.   dlopener LIB
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	int (*fn)(int);
	void *h;

	if (argc != 2)
		return 2;
	h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	fn = (int (*)(int))dlsym(h, "dl_fn");
	return fn && fn(5) == 6 ? 0 : 1;
}

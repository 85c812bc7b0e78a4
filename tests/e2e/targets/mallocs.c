// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mallocs.c - after a line on stdin, malloc(SIZE) and free it N times: a target for
 * libc:malloc with a pid filter.   mallocs N SIZE
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	volatile char *p;
	char line[16];
	int n, i;
	size_t size;

	if (argc != 3)
		return 2;
	n = atoi(argv[1]);
	size = strtoul(argv[2], NULL, 10);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	for (i = 0; i < n; i++) {
		p = malloc(size);
		if (p)
			p[0] = 1;
		free((void *)p);
	}
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * recurse.c - an e2e target for return probes: T threads each call a recursive function
 * to depth D, after a line on stdin, so the tracer can attach first.
 *
 *   recurse THREADS DEPTH
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline, noipa)) int rec_depth(int n)
{
	if (n == 0)
		return 0;
	return rec_depth(n - 1) + 1; /* not a tail call: every level returns */
}

static int depth;

static void *worker(void *arg)
{
	(void)arg;
	return (void *)(long)rec_depth(depth);
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	int n, i;
	char line[16];

	if (argc != 3 || (n = atoi(argv[1])) < 1 || n > 64 || (depth = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: recurse THREADS DEPTH\n");
		return 2;
	}
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	for (i = 0; i < n; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}

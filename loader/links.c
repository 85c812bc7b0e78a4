// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * links.c - detaching many BPF links at once (see links.h for why threads).
 */
#include <pthread.h>
#include <stdbool.h>

#include <bpf/libbpf.h>

#include "links.h"

#define LINKS_MAX_THREADS 16

struct slice {
	struct bpf_link **links;
	size_t n;
};

static void destroy_slice(struct slice *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
}

static void *destroy_thread(void *arg)
{
	destroy_slice(arg);
	return NULL;
}

void links_destroy_all(struct bpf_link **links, size_t n)
{
	struct slice slices[LINKS_MAX_THREADS];
	pthread_t tids[LINKS_MAX_THREADS];
	bool started[LINKS_MAX_THREADS] = {};
	size_t nthreads = n < LINKS_MAX_THREADS ? n : LINKS_MAX_THREADS, i, at = 0, per;

	if (n < 2) {
		destroy_slice(&(struct slice){ links, n });
		return;
	}
	for (i = 0; i < nthreads; i++) {
		per = (n - at) / (nthreads - i);
		slices[i] = (struct slice){ links + at, per };
		at += per;
		/* a thread that cannot start: its slice is closed here, one by one */
		started[i] = !pthread_create(&tids[i], NULL, destroy_thread, &slices[i]);
		if (!started[i])
			destroy_slice(&slices[i]);
	}
	for (i = 0; i < nthreads; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tracer.h - the BPF side of a tracing session, staged like a mass attacher:
 * tracer__new() -> tracer__add() per probe -> tracer__load() -> tracer__attach() ->
 * tracer__poll() until done -> tracer__free().  Attach is all-or-nothing; free detaches.
 */
#ifndef UPTRACE_TRACER_H
#define UPTRACE_TRACER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probe.h"

typedef int (*tracer_sample_fn)(void *ctx, const void *data, size_t size);

struct tracer_opts {
	uint32_t ringbuf_size;	  /* power of two, >= page size */
	uint32_t wake_interval_ms; /* longest a record waits for the consumer; 0: per record */
	pid_t pid;		  /* attach only in this process; -1: every process */
	tracer_sample_fn sample;  /* called for every record, in ring order */
	void *ctx;
};

struct tracer;

int tracer__new(const struct tracer_opts *opts, struct tracer **out);
/* Hand a built probe over; the tracer owns it from now on (even on error). */
int tracer__add(struct tracer *t, struct probe *p);
int tracer__load(struct tracer *t);
int tracer__attach(struct tracer *t);
/* Wait up to timeout_ms for records and hand them to the sample callback; count or -errno. */
int tracer__poll(struct tracer *t, int timeout_ms);
/* Records the BPF side could not reserve, all probes; per probe into probe->drops. */
uint64_t tracer__drops_total(struct tracer *t);
void tracer__update_drops(struct tracer *t);
struct probe **tracer__probes(struct tracer *t, uint32_t *n);
void tracer__free(struct tracer *t);

#endif /* UPTRACE_TRACER_H */

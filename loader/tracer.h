/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tracer.h - the BPF side of a tracing session, staged like a mass attacher:
 * tracer__new() -> tracer__add() per probe -> tracer__load() -> tracer__attach() ->
 * tracer__consume() whenever tracer__wait_fd() polls readable -> tracer__free().  Attach is
 * all-or-nothing; free detaches.
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
	/*
	 * --follow: uprobes attach in every process and BPF filters on a set of traced
	 * processes, seeded with `pids` and grown by fork in the kernel (no race with a child
	 * that calls the function at once).  Otherwise each probe attaches in probe->pid only.
	 */
	bool follow;
	const pid_t *pids;
	size_t npids;
	/*
	 * Kernel traces (-t): UPT_TRACE_BIT()s.  They report every process with trace_all
	 * (--all); else the `pids` and, always, their children (the set grows at fork in
	 * BPF); else the processes running `exe` (BINARY).  With cmd_pending, pids[0] is a -c
	 * child that counts only from its execve of the command on.  Each enabled trace gets
	 * a probe of kind PROBE_TRACE in tracer__probes() that counts its events and
	 * lost records.
	 */
	uint32_t traces;
	bool trace_all;
	const char *exe;
	bool cmd_pending;
	bool portable;		  /* --portable: the copy path every kernel has */
	/*
	 * One perf-event link per probe even where the kernel has uprobe_multi links (as on
	 * kernels before 6.6; for comparing the two).  UPTRACE_NO_UPROBE_MULTI=1 in the
	 * environment does the same.
	 */
	bool no_uprobe_multi;
	tracer_sample_fn sample;  /* called for every record, in ring order */
	void *ctx;
};

struct tracer;

int tracer__new(const struct tracer_opts *opts, struct tracer **out);
/* Hand a built probe over; the tracer owns it from now on (even on error). */
int tracer__add(struct tracer *t, struct probe *p);
int tracer__load(struct tracer *t);
int tracer__attach(struct tracer *t);
/*
 * Hand over the records that are there now, without waiting, up to TRACER_BATCH_BYTES of
 * them: a producer faster than the consumer would otherwise keep one call going (libbpf
 * reads on while new records come), with nothing written out and every record held in
 * the meantime.  Returns the count, or -errno; *more (may be NULL) says whether the batch
 * stopped at the limit, so records are waiting.
 */
#define TRACER_BATCH_BYTES (1u << 20)
int tracer__consume(struct tracer *t, bool *more);
/* An fd that polls readable when the ring buffer has woken us. */
int tracer__wait_fd(struct tracer *t);
/* Records the BPF side could not reserve, all probes; per probe into probe->drops. */
uint64_t tracer__drops_total(struct tracer *t);
void tracer__update_drops(struct tracer *t);
struct probe **tracer__probes(struct tracer *t, uint32_t *n);
void tracer__free(struct tracer *t);

#endif /* UPTRACE_TRACER_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * reorder.h - deliver ring-buffer records in time order across CPUs.
 *
 * The BPF programs stamp a record (bpf_ktime_get_boot_ns()) just before they reserve it,
 * and the ring hands records over in reservation order, so two CPUs can hand over a later
 * stamp before an earlier one.  The gap is the time from the stamp to the commit: short
 * (microseconds) and bounded in practice.  A reorder buffer holds each record until its
 * stamp is `window` older than now, then emits the held records in stamp order (arrival
 * order for equal stamps).  Memory is bounded: past max_bytes the oldest records go out
 * early (counted as forced); a record older than one already emitted goes out at once
 * (counted as late).  Nothing is dropped.
 */
#ifndef UPTRACE_REORDER_H
#define UPTRACE_REORDER_H

#include <stddef.h>
#include <stdint.h>

#define REORDER_DEF_WINDOW_NS	(10ULL * 1000000) /* 10 ms */
#define REORDER_DEF_MAX_BYTES	(64u << 20)

/* Called for each record, in time order; data is valid only during the call. */
typedef void (*reorder_emit_fn)(void *ctx, const void *data, size_t size);

struct reorder_opts {
	uint64_t window_ns; /* hold a record until now >= its stamp + window_ns */
	size_t max_bytes;   /* records (and their bookkeeping) held at most */
	reorder_emit_fn emit;
	void *ctx;
};

struct reorder;

int reorder__new(const struct reorder_opts *o, struct reorder **out);
/*
 * Take a copy of a record (struct upt_rec_hdr first; a record too short for one has no
 * stamp and goes out with the next release).  When the copy cannot be made, the record
 * is emitted at once (-ENOMEM returned): late, never lost.
 */
int reorder__push(struct reorder *r, const void *data, size_t size);
/* Emit every held record whose stamp is at least a window older than now_ns. */
void reorder__release(struct reorder *r, uint64_t now_ns);
/* Emit everything held, in order (at exit). */
void reorder__flush(struct reorder *r);
/* Milliseconds until the oldest held record is due (rounded up; 0: due now); -1: none. */
int reorder__timeout_ms(const struct reorder *r, uint64_t now_ns);
size_t reorder__held(const struct reorder *r);
uint64_t reorder__forced(const struct reorder *r); /* emitted early for lack of memory */
uint64_t reorder__late(const struct reorder *r);	  /* arrived after a later one went out */
void reorder__free(struct reorder *r);

/* CLOCK_BOOTTIME in ns: the clock of the stamps. */
uint64_t reorder_now_ns(void);

#endif /* UPTRACE_REORDER_H */

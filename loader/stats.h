/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stats.h - summaries people read at a glance (--stats) and the same numbers as events
 * (--stats-json).
 *
 * The counters live in struct probe and are bumped by output.c as records are rendered:
 * events, bytes of records, truncations, read faults, and for a %return probe the negative
 * returns and a log2 histogram of duration_ns.  Lost records come from the tracer
 * (probe->drops).  A struct stats keeps the snapshot of the last interval per probe and the
 * tick schedule; it formats the periodic line, the exit table with its histograms, and the
 * JSON events.  Nothing here allocates after stats__new().
 */
#ifndef UPTRACE_STATS_H
#define UPTRACE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "emit.h"
#include "json.h"
#include "probe.h"

/* The log2 bucket of v: 0 -> 0, 1 -> 1, [2^(k-1), 2^k) -> k, up to UINT64_MAX -> 64. */
static inline unsigned int stats_bucket(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/* Bucket b holds [lo, lo * 2) (b >= 1) or exactly 0 (b == 0). */
static inline uint64_t stats_bucket_lo(unsigned int b)
{
	return b ? 1ULL << (b - 1) : 0;
}

/*
 * A return value is an error when it is negative read as a signed integer of its width
 * (an int is 32 bits; without a type, the 64-bit register), Netdata's "return" mode.
 * Pointers, booleans, strings and buffers are never errors, nor a value that was not read.
 */
static inline bool stats_ret_negative(const struct arg_out *o, const struct upt_arg_val *v)
{
	unsigned int shift;

	if (v->flags & (UPT_ARG_FAULT | UPT_ARG_LOC_FAULT | UPT_ARG_NOLOC))
		return false;
	if (o->rd != RD_SIGNED && o->rd != RD_UNSIGNED && o->rd != RD_HEX && o->rd != RD_ENUM)
		return false;
	shift = o->size && o->size < 8 ? 64 - o->size * 8 : 0;
	return (int64_t)(v->raw << shift) < 0;
}

/* The hot path: a checked return record of probe p (output.c). */
static inline void stats_count_return(struct probe *p, const struct upt_call_rec *rec)
{
	const struct upt_arg_val *v = (const void *)(rec + 1);

	if (rec->nargs && stats_ret_negative(&p->out[0], v))
		p->errors++;
	if (rec->call_id)
		p->lat_hist[stats_bucket(rec->duration_ns)]++;
}

struct stats;
struct stats_event;

/*
 * Statistics over `probes` (the hidden entry halves of %return probes, PROBE_RETURN_ENTRY,
 * are left out), ticking every interval_ns from start_ns (CLOCK_MONOTONIC).
 */
int stats__new(struct probe **probes, uint32_t nprobes, uint64_t interval_ns, uint64_t start_ns,
	       struct stats **out);
void stats__free(struct stats *st);
/* Milliseconds until the next tick (0 when due). */
int stats__timeout_ms(const struct stats *st, uint64_t now_ns);
bool stats__due(const struct stats *st, uint64_t now_ns);
/*
 * One interval ends at now_ns: a line per active probe on `text` (one "idle" line when no
 * probe did anything) and/or a stats event in `ev` (with every probe), each when not NULL.
 * The next tick is the next one on the grid after now_ns.
 */
void stats__tick(struct stats *st, uint64_t now_ns, FILE *text, struct stats_event *ev);
/* The session ends at now_ns: the table and histograms on `text`, the final event in `ev`. */
void stats__final(struct stats *st, uint64_t now_ns, FILE *text, struct stats_event *ev);

/*
 * A stats event: the interval (or, final, the whole run) a tick or the end computed.  It
 * points into the struct stats, valid until the next tick.
 */
struct stats_event {
	const struct stats *st;
	uint64_t ns;
	bool final;
};

/* Its fields after the common ones: "final", "interval_s", "probes": [...]. */
void stats_render(const struct stats_event *se, struct emit *e);

/* Draw a log2 histogram like bpftrace's hist(); nothing when every count is 0. */
void stats_print_hist(FILE *f, const uint64_t *hist);
/* "1.5K"-style size: bytes with a K/M/G/T/P/E (1024-based) suffix. */
void stats_human(char *buf, size_t size, double v);

#endif /* UPTRACE_STATS_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output.h - BPF records to events, and events to JSON or msgpack.
 *
 * Two steps, so that a record is checked and counted once however many sinks it goes to:
 * event_from_record() validates an untrusted record, finds its probe and counts it
 * (events, bytes, truncations, faults, return latencies); event_render() writes the event
 * with a struct emit, in the format of whichever sink asks (emit.h).  The schema is
 * docs/events.md.
 */
#ifndef UPTRACE_OUTPUT_H
#define UPTRACE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "emit.h"
#include "json.h"
#include "probe.h"

struct addrsym;

struct render_ctx {
	struct probe **probes;
	uint32_t nprobes;
	struct addrsym *syms; /* function pointers' symbols (NULL: addresses only) */
	int64_t boot_to_real_ns; /* add to a bpf_ktime_get_boot_ns() stamp for wall time */
	uint64_t bad_records;	 /* records that failed validation */
};

enum event_kind {
	EV_CALL,   /* a probe's entry: its arguments */
	EV_RETURN, /* a return probe: the return value and the duration */
	EV_KERNEL, /* a kernel trace's record */
	EV_LOST,   /* records the ring buffer could not take */
	EV_STATS,  /* --stats-json */
};

struct stats_event;

/* One event, as the event loop hands it to the sinks. */
struct event {
	enum event_kind kind;
	const char *type;	/* its "event_type": "uprobe", "exec", "listen", "lost", ... */
	int64_t sec;		/* wall-clock time, the record's own stamp */
	uint32_t nsec;
	struct probe *probe;	/* EV_LOST: NULL when not one probe's; EV_STATS: NULL */
	const void *rec;	/* EV_CALL, EV_RETURN, EV_KERNEL: the record, checked */
	size_t size;
	uint64_t count;		/* EV_LOST */
	const struct stats_event *stats; /* EV_STATS */
	struct addrsym *syms;	/* the render_ctx's, for function pointers */
};

/* Where an argument's value comes from, for what it points at: its process, and the
 * symbols to name a function pointer with (NULL: none). */
struct arg_env {
	struct addrsym *syms;
	pid_t pid;
};

/*
 * Check the record [data, data + size) and count it against its probe.  The record is
 * untrusted: sizes, counts and ids are checked against each other and against the probes.
 * 0 with *ev filled (it points into data), or -EINVAL for a record that does not add up
 * (counted in ctx->bad_records).
 */
int event_from_record(struct render_ctx *ctx, const void *data, size_t size, struct event *ev);
/* A lost event for probe p (NULL: all), stamped now. */
void event_lost(struct probe *p, uint64_t count, struct event *ev);
/* Write the event as one map. */
void event_render(const struct event *ev, struct emit *e);
/* Append the event to ob in fmt as a sink writes it: one map, and '\n' after it in JSON. */
void event_render_line(const struct event *ev, struct obuf *ob, enum emit_format fmt);

/* One record as one NDJSON line in ob (for tests and benchmarks); its probe, or NULL. */
struct probe *render_record(struct render_ctx *ctx, struct obuf *ob, const void *data,
			    size_t size);
/* One captured value as JSON (exposed for the unit tests). */
void render_arg(struct obuf *ob, const struct arg_out *o, const struct upt_arg_val *v,
		const uint8_t *data);
/* The same with any writer. */
void render_arg_emit(struct emit *e, const struct arg_out *o, const struct upt_arg_val *v,
		     const uint8_t *data, const struct arg_env *env);

/* boot-time stamp -> wall-clock offset, sampled now. */
int64_t boot_to_real_offset(void);

#endif /* UPTRACE_OUTPUT_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output.h - BPF records to NDJSON events.
 */
#ifndef UPTRACE_OUTPUT_H
#define UPTRACE_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "probe.h"

struct render_ctx {
	struct probe **probes;
	uint32_t nprobes;
	int64_t boot_to_real_ns; /* add to a bpf_ktime_get_boot_ns() stamp for wall time */
	uint64_t bad_records;	 /* records that failed validation */
};

/*
 * Append one event line (with its '\n') for the record [data, data + size) to ob.  The
 * record is untrusted: sizes, counts and ids are checked against each other and against
 * the probes; a record that does not add up is counted in ctx->bad_records and yields no
 * output.  Returns the probe the record belongs to, or NULL for a bad record.
 */
struct probe *render_record(struct render_ctx *ctx, struct obuf *ob, const void *data,
			    size_t size);

/* {"time":...,"event_type":"lost","count":N} plus "function" when known. */
void render_lost(struct render_ctx *ctx, struct obuf *ob, const struct probe *p, uint64_t count);

/* Render one captured value (exposed for the unit tests). */
void render_arg(struct obuf *ob, const struct arg_out *o, const struct upt_arg_val *v,
		const uint8_t *data);

/* boot-time stamp -> wall-clock offset, sampled now. */
int64_t boot_to_real_offset(void);

#endif /* UPTRACE_OUTPUT_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mpjson.h - captured msgpack bytes -> JSON, with Fluent Bit log events understood.
 *
 * The input is untrusted: a capture may be cut at --max-bytes, may be hostile, may not be
 * msgpack at all.  The decoder never reads outside [data, data + len), bounds nesting depth,
 * and says precisely how far the bytes were valid.
 */
#ifndef UPTRACE_MPJSON_H
#define UPTRACE_MPJSON_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

#define MPJ_MAX_DEPTH 64

enum mpj_status {
	MPJ_OK = 0,	    /* the whole input is a sequence of complete msgpack objects */
	MPJ_INCOMPLETE = 1, /* complete objects, then one cut short by the end of the input */
	MPJ_INVALID = 2,    /* bytes that are not msgpack (or nested deeper than the limit) */
};

struct mpj_scan {
	enum mpj_status status;
	size_t nobjs;	  /* complete top-level objects */
	size_t valid_len; /* bytes covered by those complete objects */
	bool containers;  /* every complete top-level object is an array or a map */
	bool events;	  /* ... and every one is a Fluent Bit log event (see below) */
};

/* Walk the stream without producing output (used to choose how to decode `auto`). */
void mpj_scan(const void *data, size_t len, struct mpj_scan *scan);

/*
 * Write the complete top-level objects of the stream as one JSON value:
 *  - when every complete object is a Fluent Bit log event (legacy [ts, map] or v2
 *    [[ts, metadata], map], ts as ext type 0 flb_time, float or integer), a JSON array of
 *    {"timestamp": RFC3339, "metadata": {...}, "body": {...}}; group markers (ts seconds
 *    0xFFFFFFFF / 0xFFFFFFFE, or -1 / -2) become {"group":"start"|"end","metadata":..,"body":..};
 *  - otherwise one object is written as itself, several as a JSON array of them.
 * Natural JSON for other msgpack: bin -> base64 string, ext -> {"ext":type,"data":base64},
 * non-string map keys stringified, floats shortest round-trip.
 * Returns the scan of the input (status, how many bytes were decoded).  Zero complete
 * objects write `[]` for an empty input and `null` otherwise.
 */
void mpj_stream_to_json(struct obuf *ob, const void *data, size_t len, struct mpj_scan *scan);

/* True when the object starting the buffer is a Fluent Bit log event (see above). */
bool mpj_is_flb_event(const void *data, size_t len);

#endif /* UPTRACE_MPJSON_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * jsonmp.h - one rendered event (a JSON text) to the same value in msgpack, for
 * --format msgpack and the Fluent forward output.
 */
#ifndef UPTRACE_JSONMP_H
#define UPTRACE_JSONMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* What a sink needs to know of an event besides its body. */
struct jsonmp_meta {
	char event_type[32]; /* the top-level "event_type" string; "" if none */
	int64_t sec;	     /* the top-level "time" as Unix seconds ... */
	uint32_t nsec;	     /* ... and nanoseconds, */
	bool has_time;	     /* when it is there and reads as an RFC 3339 UTC time */
};

/*
 * Append to `out` the msgpack encoding of the JSON value in json[0..len) (surrounding
 * white space allowed); fill `meta` (may be NULL) from it when it is an object.  Returns 0,
 * -EINVAL for text that is not one JSON value (nothing is appended), -ENOMEM.
 */
int jsonmp_event(const char *json, size_t len, struct obuf *out, struct jsonmp_meta *meta);

#endif /* UPTRACE_JSONMP_H */

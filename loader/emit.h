/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * emit.h - one event, written as JSON text or as msgpack by the same calls.
 *
 * The renderers (output.c, ktrace.c, stats.c) describe an event once - open a map, a key, a
 * value, ... - and struct emit writes it in the format of the sink it is for: NDJSON text,
 * or msgpack through msgpack-c's packer for --format msgpack and --forward.  Neither format
 * is made from the other.  The schema is docs/events.md; where the formats differ it is
 * because msgpack can say more:
 *  - bytes are {"encoding":"base64","data":"..."} in JSON and a bin in msgpack
 *    (emit_bytes_value()), or a base64 string / bin inside a larger object (emit_bin());
 *  - captured msgpack (a Fluent Bit buffer) becomes JSON, and in msgpack passes through as
 *    the objects the traced program made, byte for byte (emit_msgpack_objects());
 *  - everything else - strings, numbers, addresses as "0x..." text, times as RFC 3339 text,
 *    null, booleans - is the same value in both.
 * A container's length need not be known when it is opened: msgpack gets the smallest
 * header for its count when it is closed.
 *
 * Writes go to an obuf (json.h), so an allocation failure is sticky there and checked once
 * per event.
 */
#ifndef UPTRACE_EMIT_H
#define UPTRACE_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "json.h"

enum emit_format {
	EMIT_JSON,
	EMIT_MSGPACK,
};

#define EMIT_MAX_DEPTH 16 /* an event, its args, a cut value, and a shape (SYM_SHAPE_MAX_DEPTH) */

struct emit {
	struct obuf *ob;
	enum emit_format fmt;
	unsigned int depth;		    /* containers open */
	uint32_t items[EMIT_MAX_DEPTH];	    /* in each: values, and keys of maps */
	size_t header[EMIT_MAX_DEPTH];	    /* msgpack: where its header is */
	bool is_map[EMIT_MAX_DEPTH];
	msgpack_packer pk;
};

/* A msgpack-c packer that appends to ob (for framing that is not an event: forward.c). */
void emit_packer_init(msgpack_packer *pk, struct obuf *ob);

/* Start writing to ob (appending) in format fmt. */
void emit_init(struct emit *e, struct obuf *ob, enum emit_format fmt);

void emit_map(struct emit *e);
void emit_array(struct emit *e);
/* Close the innermost container. */
void emit_end(struct emit *e);

/* A map key (any bytes); EMIT_KEY() for a literal of ours, which needs no escaping. */
void emit_key(struct emit *e, const char *k, size_t n);
void emit_key_plain(struct emit *e, const char *k, size_t n);
#define EMIT_KEY(e, lit) emit_key_plain((e), "" lit, sizeof(lit) - 1)

/* Text of n bytes (any bytes: JSON escapes what is not valid UTF-8, see ob_json_str()). */
void emit_str(struct emit *e, const void *s, size_t n);
void emit_cstr(struct emit *e, const char *s);
#define EMIT_STR(e, lit) emit_str((e), "" lit, sizeof(lit) - 1)
void emit_u64(struct emit *e, uint64_t v);
void emit_s64(struct emit *e, int64_t v);
void emit_double(struct emit *e, double v);
void emit_float(struct emit *e, float v);
void emit_bool(struct emit *e, bool v);
void emit_null(struct emit *e);
/* An address, "0x..." in both formats (JSON readers keep 53 bits of a number). */
void emit_hex(struct emit *e, uint64_t v);
/* A time, RFC 3339 UTC with nanoseconds ("...T03:04:05.123456789Z"), in both formats. */
void emit_time(struct emit *e, int64_t sec, uint32_t nsec);
/* Bytes inside a larger object: a base64 string in JSON, a bin in msgpack. */
void emit_bin(struct emit *e, const void *d, size_t n);
/* Bytes as a value of their own: {"encoding":"base64","data":...} in JSON, a bin in msgpack. */
void emit_bytes_value(struct emit *e, const void *d, size_t n);
/*
 * msgpack only: `count` complete msgpack objects, [d, d + n), that the caller has checked,
 * written as they are: one value, or items of an array the caller has opened.
 */
void emit_msgpack_raw(struct emit *e, const void *d, size_t n, uint32_t count);
/*
 * Items rendered once and written many times (the fields an event shares with others of
 * its probe): emit_items_init() starts writing to ob as if inside an open map, in format
 * fmt; emit_items() then appends what was written there - `count` items, keys and values
 * counted apart - into e's innermost container, which must be of the same format.
 */
void emit_items_init(struct emit *e, struct obuf *ob, enum emit_format fmt);
static inline uint32_t emit_items_count(const struct emit *e)
{
	return e->depth ? e->items[0] : 0;
}
void emit_items(struct emit *e, const void *d, size_t n, uint32_t count);
/*
 * JSON only: the caller writes one JSON value straight into the returned buffer (a decoder
 * with its own JSON writer, mpjson.c); the separator before it is written here.
 */
struct obuf *emit_json_value(struct emit *e);

#endif /* UPTRACE_EMIT_H */

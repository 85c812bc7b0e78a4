// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * emit.c - the JSON and msgpack writers behind emit.h.
 *
 * JSON: the separators (',' between items, ':' after a key) come from the count of items in
 * the innermost open container, so the renderers never write punctuation themselves.
 * msgpack: msgpack-c's packer, whose write callback appends to the same obuf; a container is
 * opened with a 1-byte (fixmap/fixarray) header, and when it closes its count goes into
 * the smallest header that holds it, as msgpack-c writes them (the body moves down by 2 or
 * 4 bytes only for a container of 16 items or more: the records of a Fluent Bit chunk, not
 * an event's own maps).
 */
#include <string.h>

#include "emit.h"

static int pk_write(void *data, const char *buf, size_t len)
{
	ob_write(data, buf, len);
	return 0;
}

void emit_packer_init(msgpack_packer *pk, struct obuf *ob)
{
	msgpack_packer_init(pk, ob, pk_write);
}

void emit_init(struct emit *e, struct obuf *ob, enum emit_format fmt)
{
	e->ob = ob;
	e->fmt = fmt;
	e->depth = 0;
	emit_packer_init(&e->pk, ob);
}

/* Before an item: JSON's separator, and the count either way. */
static inline __attribute__((always_inline)) void item(struct emit *e)
{
	unsigned int d = e->depth;

	if (!d)
		return;
	d--;
	if (e->fmt == EMIT_JSON && e->items[d] && !(e->is_map[d] && (e->items[d] & 1)))
		ob_putc(e->ob, ',');
	e->items[d]++;
}

static void open_container(struct emit *e, bool map)
{
	item(e);
	if (e->depth == EMIT_MAX_DEPTH) { /* a renderer bug: say so in the output */
		e->ob->oom = true;
		return;
	}
	e->is_map[e->depth] = map;
	e->items[e->depth] = 0;
	e->header[e->depth] = e->ob->len;
	e->depth++;
	if (e->fmt == EMIT_JSON)
		ob_putc(e->ob, map ? '{' : '[');
	else /* a fixmap/fixarray header, for now: most containers hold fewer than 16 */
		ob_putc(e->ob, map ? 0x80 : 0x90);
}

void emit_map(struct emit *e)
{
	open_container(e, true);
}

void emit_array(struct emit *e)
{
	open_container(e, false);
}

/*
 * msgpack: the container opened at `at` with a 1-byte header holds n items: write the
 * smallest header that says so (as msgpack-c would), moving the body down when it needs
 * the 3- or 5-byte one.
 */
static void close_msgpack(struct emit *e, size_t at, bool map, uint32_t n)
{
	struct obuf *ob = e->ob;
	unsigned char h[5];
	size_t hl;

	if (!ob_ok(ob))
		return;
	if (n < 16) {
		ob->buf[at] = (char)((map ? 0x80 : 0x90) | n);
		return;
	}
	if (n < 65536) {
		h[0] = map ? 0xde : 0xdc;
		h[1] = n >> 8;
		h[2] = n;
		hl = 3;
	} else {
		h[0] = map ? 0xdf : 0xdd;
		h[1] = n >> 24;
		h[2] = n >> 16;
		h[3] = n >> 8;
		h[4] = n;
		hl = 5;
	}
	if (!ob_reserve(ob, hl - 1))
		return;
	memmove(ob->buf + at + hl, ob->buf + at + 1, ob->len - at - 1);
	memcpy(ob->buf + at, h, hl);
	ob->len += hl - 1;
}

void emit_end(struct emit *e)
{
	unsigned int d;

	if (!e->depth)
		return;
	d = --e->depth;
	if (e->fmt == EMIT_JSON)
		ob_putc(e->ob, e->is_map[d] ? '}' : ']');
	else
		close_msgpack(e, e->header[d], e->is_map[d],
			      e->is_map[d] ? e->items[d] / 2 : e->items[d]);
}

void emit_key(struct emit *e, const char *k, size_t n)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK) {
		msgpack_pack_str_with_body(&e->pk, k, n);
		return;
	}
	ob_json_str(e->ob, k, n);
	ob_putc(e->ob, ':');
}

void emit_key_plain(struct emit *e, const char *k, size_t n)
{
	char *o;

	item(e);
	if (e->fmt == EMIT_MSGPACK) {
		msgpack_pack_str_with_body(&e->pk, k, n);
		return;
	}
	if (!ob_reserve(e->ob, n + 3))
		return;
	o = e->ob->buf + e->ob->len;
	*o++ = '"';
	memcpy(o, k, n);
	o[n] = '"';
	o[n + 1] = ':';
	e->ob->len += n + 3;
}

void emit_str(struct emit *e, const void *s, size_t n)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK)
		msgpack_pack_str_with_body(&e->pk, s, n);
	else
		ob_json_str(e->ob, s, n);
}

void emit_cstr(struct emit *e, const char *s)
{
	emit_str(e, s, strlen(s));
}

void emit_u64(struct emit *e, uint64_t v)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK)
		msgpack_pack_uint64(&e->pk, v);
	else
		ob_json_u64(e->ob, v);
}

void emit_s64(struct emit *e, int64_t v)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK)
		msgpack_pack_int64(&e->pk, v);
	else
		ob_json_s64(e->ob, v);
}

void emit_double(struct emit *e, double v)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK)
		msgpack_pack_double(&e->pk, v);
	else
		ob_json_double(e->ob, v);
}

void emit_float(struct emit *e, float v)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK)
		msgpack_pack_float(&e->pk, v);
	else
		ob_json_float(e->ob, v);
}

void emit_bool(struct emit *e, bool v)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK)
		(v ? msgpack_pack_true : msgpack_pack_false)(&e->pk);
	else
		ob_write(e->ob, v ? "true" : "false", v ? 4 : 5);
}

void emit_null(struct emit *e)
{
	item(e);
	if (e->fmt == EMIT_MSGPACK)
		msgpack_pack_nil(&e->pk);
	else
		ob_write(e->ob, "null", 4);
}

void emit_hex(struct emit *e, uint64_t v)
{
	char tmp[JSON_HEX_MAX];

	item(e);
	if (e->fmt == EMIT_JSON)
		ob_json_hex(e->ob, v);
	else
		msgpack_pack_str_with_body(&e->pk, tmp, json_format_hex(tmp, v));
}

void emit_time(struct emit *e, int64_t sec, uint32_t nsec)
{
	char tmp[JSON_TIME_MAX];

	item(e);
	if (e->fmt == EMIT_JSON)
		ob_json_time(e->ob, sec, nsec);
	else
		msgpack_pack_str_with_body(&e->pk, tmp, json_format_time(tmp, sec, nsec));
}

void emit_bin(struct emit *e, const void *d, size_t n)
{
	item(e);
	if (e->fmt == EMIT_JSON)
		ob_json_base64(e->ob, d, n);
	else
		msgpack_pack_bin_with_body(&e->pk, d, n);
}

void emit_bytes_value(struct emit *e, const void *d, size_t n)
{
	if (e->fmt == EMIT_MSGPACK) {
		emit_bin(e, d, n);
		return;
	}
	emit_map(e);
	EMIT_KEY(e, "encoding");
	EMIT_STR(e, "base64");
	EMIT_KEY(e, "data");
	emit_bin(e, d, n);
	emit_end(e);
}

void emit_items(struct emit *e, const void *d, size_t n, uint32_t count)
{
	if (!count)
		return;
	item(e); /* the separator before the first; the text has those between the rest */
	if (e->depth)
		e->items[e->depth - 1] += count - 1;
	ob_write(e->ob, d, n);
}

void emit_msgpack_raw(struct emit *e, const void *d, size_t n, uint32_t count)
{
	if (e->fmt != EMIT_MSGPACK || !count) {
		e->ob->oom = true; /* a renderer bug: the event is dropped and counted */
		return;
	}
	emit_items(e, d, n, count);
}

void emit_items_init(struct emit *e, struct obuf *ob, enum emit_format fmt)
{
	emit_init(e, ob, fmt);
	e->depth = 1;
	e->is_map[0] = true;
	e->items[0] = 0;
	e->header[0] = 0;
}

struct obuf *emit_json_value(struct emit *e)
{
	item(e);
	return e->ob;
}

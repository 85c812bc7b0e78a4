// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mpjson.c - captured msgpack bytes -> JSON, Fluent Bit log events understood.
 *
 * Design:
 *  - A bounded walker written directly over the bytes.  mp_next() decodes one header into a
 *    struct mp_item; every length it reads is checked against the bytes that remain before
 *    anything is touched, so a lying length is "cut short", never a read past the end.
 *    Counts of containers are not trusted either: each element takes at least one byte, so
 *    walking a 0xFFFFFFFF-element array in a 10-byte buffer stops at the end of the input
 *    after a few steps.  Work is linear in the input whatever the headers claim.
 *  - Nesting is limited to MPJ_MAX_DEPTH containers, which also bounds the recursion.
 *  - Two passes.  scan_stream() walks the whole stream, counts complete top-level objects,
 *    classifies how the stream ends (OK / INCOMPLETE / INVALID) and whether every complete
 *    object is a Fluent Bit log event.  The writer then renders only [data, valid_len), which
 *    is known to be well formed, so it never has to undo half-written output.
 *  - Fluent Bit events: legacy [ts, body] and v2 [[ts, metadata], body], ts an EventTime
 *    (ext 0, big-endian u32 seconds + u32 nanoseconds), a float or an integer.  Group
 *    markers (seconds 0xFFFFFFFF / 0xFFFFFFFE in an EventTime, -1 / -2 otherwise) print as
 *    {"group":"start"|"end","metadata":..,"body":..}.  A stream is printed as events only
 *    when every complete object is one; anything else is plain msgpack -> JSON.
 *  - Plain msgpack: bin -> base64 string, ext -> {"ext":type,"data":base64}, float32 and
 *    float64 shortest round-trip, a map key that is not a string -> its JSON text as a
 *    string (see write_key() for the one limit on that).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mpjson.h"

/* mp_next()/mp_skip() errors: the input ends inside an object, or is not msgpack. */
#define MP_SHORT (-ENODATA)
#define MP_BAD	 (-EINVAL)

enum mp_kind {
	MP_NIL,
	MP_BOOL,
	MP_UINT,
	MP_INT,
	MP_F32,
	MP_F64,
	MP_STR,
	MP_BIN,
	MP_EXT,
	MP_ARRAY,
	MP_MAP,
};

struct mp_item {
	enum mp_kind kind;
	int8_t ext_type;
	uint32_t len;	     /* str/bin/ext: payload bytes; array: elements; map: pairs */
	const uint8_t *data; /* str/bin/ext payload */
	union {
		bool b;
		uint64_t u;
		int64_t i;
		float f32;
		double f64;
	};
};

struct mp_rd {
	const uint8_t *p;
	const uint8_t *end;
};

static inline size_t rd_left(const struct mp_rd *r)
{
	return (size_t)(r->end - r->p);
}

static inline uint64_t be_read(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Consume an n-byte big-endian field. */
static inline int rd_be(struct mp_rd *r, unsigned n, uint64_t *v)
{
	if (rd_left(r) < n)
		return MP_SHORT;
	*v = be_read(r->p, n);
	r->p += n;
	return 0;
}

/* A payload of it->len bytes follows (after an ext type byte when ext). */
static int rd_payload(struct mp_rd *r, struct mp_item *it, enum mp_kind kind, uint64_t len)
{
	it->kind = kind;
	if (kind == MP_EXT) {
		if (!rd_left(r))
			return MP_SHORT;
		it->ext_type = (int8_t)*r->p++;
	}
	if (rd_left(r) < len)
		return MP_SHORT;
	it->len = (uint32_t)len;
	it->data = r->p;
	r->p += len;
	return 0;
}

/* Scalars and container headers of the 0xc0..0xdf range. */
static int mp_next_c(struct mp_rd *r, uint8_t b, struct mp_item *it)
{
	unsigned sh;
	uint64_t v;
	int err;

	switch (b) {
	case 0xc0:
		it->kind = MP_NIL;
		return 0;
	case 0xc2:
	case 0xc3:
		it->kind = MP_BOOL;
		it->b = b == 0xc3;
		return 0;
	case 0xc4 ... 0xc6: /* bin 8/16/32 */
		err = rd_be(r, 1u << (b - 0xc4), &v);
		return err ?: rd_payload(r, it, MP_BIN, v);
	case 0xc7 ... 0xc9: /* ext 8/16/32 */
		err = rd_be(r, 1u << (b - 0xc7), &v);
		return err ?: rd_payload(r, it, MP_EXT, v);
	case 0xca:
		if (rd_left(r) < 4)
			return MP_SHORT;
		it->kind = MP_F32;
		memcpy(&it->f32, &(uint32_t){(uint32_t)be_read(r->p, 4)}, 4);
		r->p += 4;
		return 0;
	case 0xcb:
		if (rd_left(r) < 8)
			return MP_SHORT;
		it->kind = MP_F64;
		memcpy(&it->f64, &(uint64_t){be_read(r->p, 8)}, 8);
		r->p += 8;
		return 0;
	case 0xcc ... 0xcf: /* uint 8..64 */
		it->kind = MP_UINT;
		return rd_be(r, 1u << (b - 0xcc), &it->u);
	case 0xd0 ... 0xd3: /* int 8..64: sign-extend */
		err = rd_be(r, 1u << (b - 0xd0), &v);
		if (err)
			return err;
		it->kind = MP_INT;
		sh = 64 - (8u << (b - 0xd0));
		it->i = (int64_t)(v << sh) >> sh;
		return 0;
	case 0xd4 ... 0xd8: /* fixext 1..16 */
		return rd_payload(r, it, MP_EXT, 1u << (b - 0xd4));
	case 0xd9 ... 0xdb: /* str 8/16/32 */
		err = rd_be(r, 1u << (b - 0xd9), &v);
		return err ?: rd_payload(r, it, MP_STR, v);
	case 0xdc ... 0xdf: /* array 16/32, map 16/32 */
		err = rd_be(r, b & 1 ? 4 : 2, &v);
		if (err)
			return err;
		it->kind = b < 0xde ? MP_ARRAY : MP_MAP;
		it->len = (uint32_t)v;
		return 0;
	default: /* 0xc1: never used */
		return MP_BAD;
	}
}

/* Decode one header at r->p; 0, MP_SHORT or MP_BAD. */
static int mp_next(struct mp_rd *r, struct mp_item *it)
{
	uint8_t b;

	if (!rd_left(r))
		return MP_SHORT;
	b = *r->p++;
	if (b <= 0x7f) {
		it->kind = MP_UINT;
		it->u = b;
	} else if (b <= 0x8f) {
		it->kind = MP_MAP;
		it->len = b & 0x0f;
	} else if (b <= 0x9f) {
		it->kind = MP_ARRAY;
		it->len = b & 0x0f;
	} else if (b <= 0xbf) {
		return rd_payload(r, it, MP_STR, b & 0x1f);
	} else if (b >= 0xe0) {
		it->kind = MP_INT;
		it->i = (int8_t)b;
	} else {
		return mp_next_c(r, b, it);
	}
	return 0;
}

static inline bool is_container(const struct mp_item *it)
{
	return it->kind == MP_ARRAY || it->kind == MP_MAP;
}

/* Elements that follow a container header (keys and values of a map). */
static inline uint64_t n_children(const struct mp_item *it)
{
	return it->kind == MP_MAP ? 2 * (uint64_t)it->len : it->len;
}

/* Skip the rest of an item whose header is read; depth = containers around it. */
static int mp_skip_body(struct mp_rd *r, const struct mp_item *it, int depth)
{
	struct mp_item c;
	uint64_t n;
	int err;

	if (!is_container(it))
		return 0;
	if (depth >= MPJ_MAX_DEPTH)
		return MP_BAD;
	for (n = n_children(it); n; n--) {
		err = mp_next(r, &c);
		if (!err)
			err = mp_skip_body(r, &c, depth + 1);
		if (err)
			return err;
	}
	return 0;
}

static int mp_skip(struct mp_rd *r, int depth)
{
	struct mp_item it;
	int err = mp_next(r, &it);

	return err ?: mp_skip_body(r, &it, depth);
}

/* ---- Fluent Bit log events ---- */

enum flb_group { FLB_NORMAL, FLB_GROUP_START, FLB_GROUP_END };

struct flb_event {
	int64_t sec;
	uint32_t nsec;
	enum flb_group group;
	const uint8_t *meta; /* metadata map, NULL for the legacy format */
	const uint8_t *body; /* body map */
};

static enum flb_group group_of(int64_t sec)
{
	return sec == -1 ? FLB_GROUP_START : sec == -2 ? FLB_GROUP_END : FLB_NORMAL;
}

/* Seconds with a fraction -> (sec, nsec) rounded to the nanosecond. */
static bool ts_from_real(double v, struct flb_event *ev)
{
	double s, ns;

	if (!isfinite(v) || fabs(v) >= 0x1p62)
		return false;
	s = floor(v);
	ns = nearbyint((v - s) * 1e9);
	if (ns >= 1e9) {
		s += 1;
		ns -= 1e9;
	}
	ev->sec = (int64_t)s;
	ev->nsec = (uint32_t)ns;
	ev->group = ev->nsec ? FLB_NORMAL : group_of(ev->sec);
	return true;
}

static bool ts_parse(const struct mp_item *it, struct flb_event *ev)
{
	ev->nsec = 0;
	switch (it->kind) {
	case MP_EXT:
		if (it->ext_type != 0 || it->len != 8)
			return false;
		ev->sec = (int64_t)be_read(it->data, 4);
		ev->nsec = (uint32_t)be_read(it->data + 4, 4);
		ev->group = ev->sec == 0xffffffff   ? FLB_GROUP_START
			    : ev->sec == 0xfffffffe ? FLB_GROUP_END
						    : FLB_NORMAL;
		return true;
	case MP_UINT:
		if (it->u > INT64_MAX)
			return false;
		ev->sec = (int64_t)it->u;
		ev->group = FLB_NORMAL;
		return true;
	case MP_INT:
		ev->sec = it->i;
		ev->group = group_of(it->i);
		return true;
	case MP_F32:
		return ts_from_real(it->f32, ev);
	case MP_F64:
		return ts_from_real(it->f64, ev);
	default:
		return false;
	}
}

static bool next_is(struct mp_rd *r, struct mp_item *it, enum mp_kind kind)
{
	return !mp_next(r, it) && it->kind == kind;
}

/*
 * The shape of an event at r->p: [ts, {body}] or [[ts, {meta}], {body}].  Reads up to the
 * body map's header; the body itself is not walked.
 */
static bool flb_event_parse(struct mp_rd r, struct flb_event *ev)
{
	struct mp_item it;

	if (!next_is(&r, &it, MP_ARRAY) || it.len != 2 || mp_next(&r, &it))
		return false;
	ev->meta = NULL;
	if (it.kind == MP_ARRAY) {
		if (it.len != 2 || mp_next(&r, &it) || !ts_parse(&it, ev))
			return false;
		ev->meta = r.p;
		if (!next_is(&r, &it, MP_MAP) || mp_skip_body(&r, &it, 2))
			return false;
	} else if (!ts_parse(&it, ev)) {
		return false;
	}
	ev->body = r.p;
	return next_is(&r, &it, MP_MAP);
}

bool mpj_is_flb_event(const void *data, size_t len)
{
	struct mp_rd r = {data, len ? (const uint8_t *)data + len : data};
	struct flb_event ev;

	return flb_event_parse(r, &ev) && !mp_skip(&r, 0);
}

/* ---- scanning ---- */

/* Walk the stream; *events says whether every complete object is a Fluent Bit event. */
static void scan_stream(const uint8_t *data, size_t len, struct mpj_scan *s, bool *events)
{
	struct mp_rd r = {data, len ? data + len : data}, obj; /* NULL + 0 is UB */
	struct flb_event ev;
	int err = 0;

	s->nobjs = 0;
	s->valid_len = 0;
	s->containers = len > 0;
	*events = true;
	while (rd_left(&r)) {
		obj = r;
		err = mp_skip(&r, 0);
		if (err)
			break;
		s->nobjs++;
		s->valid_len = (size_t)(r.p - data);
		if (!(*obj.p >= 0x80 && *obj.p <= 0x9f) && !(*obj.p >= 0xdc && *obj.p <= 0xdf))
			s->containers = false;
		if (*events && !flb_event_parse(obj, &ev))
			*events = false;
	}
	s->status = !err ? MPJ_OK : err == MP_SHORT ? MPJ_INCOMPLETE : MPJ_INVALID;
	if (!s->nobjs) {
		s->containers = false;
		*events = false;
	}
	s->events = *events;
}

void mpj_scan(const void *data, size_t len, struct mpj_scan *scan)
{
	bool events;

	scan_stream(data, len, scan, &events);
}

/* ---- writing (only over bytes scan_stream() found complete) ---- */

/*
 * kn counts the non-string keys being stringified around the value.  Each level escapes
 * the text of the levels inside it again, doubling its backslashes, so a container key
 * nested MPJ_MAX_KEY_NEST deep in other keys is written as the base64 of its msgpack bytes
 * instead: without that, 64 nested map keys would need 2^64 bytes.
 */
#define MPJ_MAX_KEY_NEST 3

static void write_item(struct obuf *ob, struct mp_rd *r, const struct mp_item *it, int kn);

static void write_value(struct obuf *ob, struct mp_rd *r, int kn)
{
	struct mp_item it;

	if (mp_next(r, &it)) {
		ob_write(ob, "null", 4);
		return;
	}
	write_item(ob, r, &it, kn);
}

/*
 * A key that is not a string: render its JSON, then make that text a string in place
 * (1 -> "1", nil -> "null", [1,2] -> "[1,2]").  The room reserved first keeps ob->buf from
 * moving while ob_json_str() reads from it.
 */
static void write_key(struct obuf *ob, struct mp_rd *r, int kn)
{
	const uint8_t *start = r->p;
	size_t mark = ob->len, t;
	struct mp_item it;

	if (mp_next(r, &it)) {
		ob_write(ob, "\"\"", 2);
		return;
	}
	if (it.kind == MP_STR || it.kind == MP_BIN) {
		write_item(ob, r, &it, kn);
		return;
	}
	if (is_container(&it) && kn >= MPJ_MAX_KEY_NEST) {
		mp_skip_body(r, &it, 0);
		ob_json_base64(ob, start, (size_t)(r->p - start));
		return;
	}
	write_item(ob, r, &it, kn + 1);
	t = ob->len - mark;
	if (!ob_ok(ob) || t > (SIZE_MAX - 2) / 6 || !ob_reserve(ob, t * 6 + 2))
		return;
	ob_json_str(ob, ob->buf + mark, t);
	memmove(ob->buf + mark, ob->buf + mark + t, ob->len - mark - t);
	ob->len -= t;
}

static void write_array(struct obuf *ob, struct mp_rd *r, uint32_t n, int kn)
{
	uint32_t i;

	ob_putc(ob, '[');
	for (i = 0; i < n; i++) {
		if (i)
			ob_putc(ob, ',');
		write_value(ob, r, kn);
	}
	ob_putc(ob, ']');
}

static void write_map(struct obuf *ob, struct mp_rd *r, uint32_t n, int kn)
{
	uint32_t i;

	ob_putc(ob, '{');
	for (i = 0; i < n; i++) {
		if (i)
			ob_putc(ob, ',');
		write_key(ob, r, kn);
		ob_putc(ob, ':');
		write_value(ob, r, kn);
	}
	ob_putc(ob, '}');
}

static void write_ext(struct obuf *ob, const struct mp_item *it)
{
	ob_write(ob, "{\"ext\":", 7);
	ob_json_s64(ob, it->ext_type);
	ob_write(ob, ",\"data\":", 8);
	ob_json_base64(ob, it->data, it->len);
	ob_putc(ob, '}');
}

static void write_item(struct obuf *ob, struct mp_rd *r, const struct mp_item *it, int kn)
{
	switch (it->kind) {
	case MP_NIL:
		ob_write(ob, "null", 4);
		break;
	case MP_BOOL:
		ob_puts(ob, it->b ? "true" : "false");
		break;
	case MP_UINT:
		ob_json_u64(ob, it->u);
		break;
	case MP_INT:
		ob_json_s64(ob, it->i);
		break;
	case MP_F32:
		ob_json_float(ob, it->f32);
		break;
	case MP_F64:
		ob_json_double(ob, it->f64);
		break;
	case MP_STR:
		ob_json_str(ob, it->data, it->len);
		break;
	case MP_BIN:
		ob_json_base64(ob, it->data, it->len);
		break;
	case MP_EXT:
		write_ext(ob, it);
		break;
	case MP_ARRAY:
		write_array(ob, r, it->len, kn);
		break;
	case MP_MAP:
		write_map(ob, r, it->len, kn);
		break;
	}
}

/* One event; r->p is at its start and is left after it. */
static void write_event(struct obuf *ob, struct mp_rd *r)
{
	static const char *const group_name[] = {"", "start", "end"};
	struct flb_event ev;

	flb_event_parse(*r, &ev);
	if (ev.group == FLB_NORMAL) {
		ob_write(ob, "{\"timestamp\":", 13);
		ob_json_time(ob, ev.sec, ev.nsec);
	} else {
		ob_write(ob, "{\"group\":", 9);
		ob_json_cstr(ob, group_name[ev.group]);
	}
	ob_write(ob, ",\"metadata\":", 12);
	if (ev.meta) {
		r->p = ev.meta;
		write_value(ob, r, 0);
	} else {
		ob_write(ob, "{}", 2);
	}
	ob_write(ob, ",\"body\":", 8);
	r->p = ev.body;
	write_value(ob, r, 0);
	ob_putc(ob, '}');
}

void mpj_stream_to_json(struct obuf *ob, const void *data, size_t len, struct mpj_scan *scan)
{
	const uint8_t *p = data;
	struct mp_rd r;
	bool events;
	size_t i;

	scan_stream(p, len, scan, &events);
	if (!scan->nobjs) {
		ob_puts(ob, len ? "null" : "[]");
		return;
	}
	r.p = p;
	r.end = p + scan->valid_len;
	if (scan->nobjs == 1 && !events) {
		write_value(ob, &r, 0);
		return;
	}
	ob_putc(ob, '[');
	for (i = 0; i < scan->nobjs; i++) {
		if (i)
			ob_putc(ob, ',');
		if (events)
			write_event(ob, &r);
		else
			write_value(ob, &r, 0);
	}
	ob_putc(ob, ']');
}

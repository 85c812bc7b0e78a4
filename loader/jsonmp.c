// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * jsonmp.c - a rendered event, as JSON text, to the same value in msgpack.
 *
 * Design:
 *  - There is one renderer of events (output.c, ktrace.c), and it writes JSON.  The msgpack
 *    sinks (--format msgpack, --forward) transcode each rendered line instead of owning a
 *    second renderer, so the two encodings cannot drift apart: the msgpack stream is the JSON
 *    stream value for value.  The cost is one linear pass over the event, paid only by the
 *    msgpack sinks.
 *  - Mapping: object -> map, array -> array, string -> str (escapes resolved to UTF-8),
 *    integer -> the smallest msgpack int that holds it (uint64 above INT64_MAX), a number
 *    with a fraction or exponent (or an integer beyond 64 bits) -> float64, true/false/null
 *    -> bool/nil.  JSON has no byte strings: bytes stay the base64 text they are in JSON.
 *  - Lengths are not known until a container or string ends, so each gets a 5-byte
 *    placeholder header, and when it ends the smallest header is written and the body moved
 *    down.  The move is O(size) per nesting level; events are shallow.
 *  - The input is treated as untrusted all the same: full JSON grammar, nesting bounded by
 *    JSONMP_MAX_DEPTH (which also bounds the recursion), nothing read past len.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonmp.h"

#define JSONMP_MAX_DEPTH 64
#define JSONMP_MAX_NUMBER 350 /* longest number text read as a double */

struct jp {
	const char *p, *end;
	struct obuf *out;
	int depth;
};

enum hdr { HDR_STR, HDR_ARRAY, HDR_MAP };

static void put_be(struct obuf *ob, uint64_t v, int bytes)
{
	char b[8];
	int i;

	for (i = bytes - 1; i >= 0; i--, v >>= 8)
		b[i] = (char)(v & 0xff);
	ob_write(ob, b, bytes);
}

static void put_uint(struct obuf *ob, uint64_t v)
{
	if (v < 0x80) {
		ob_putc(ob, (char)v);
	} else if (v <= 0xff) {
		ob_putc(ob, (char)0xcc);
		put_be(ob, v, 1);
	} else if (v <= 0xffff) {
		ob_putc(ob, (char)0xcd);
		put_be(ob, v, 2);
	} else if (v <= 0xffffffffu) {
		ob_putc(ob, (char)0xce);
		put_be(ob, v, 4);
	} else {
		ob_putc(ob, (char)0xcf);
		put_be(ob, v, 8);
	}
}

static void put_int(struct obuf *ob, int64_t v)
{
	if (v >= 0) {
		put_uint(ob, (uint64_t)v);
	} else if (v >= -32) {
		ob_putc(ob, (char)(0xe0 | (v + 32)));
	} else if (v >= INT8_MIN) {
		ob_putc(ob, (char)0xd0);
		put_be(ob, (uint64_t)v, 1);
	} else if (v >= INT16_MIN) {
		ob_putc(ob, (char)0xd1);
		put_be(ob, (uint64_t)v, 2);
	} else if (v >= INT32_MIN) {
		ob_putc(ob, (char)0xd2);
		put_be(ob, (uint64_t)v, 4);
	} else {
		ob_putc(ob, (char)0xd3);
		put_be(ob, (uint64_t)v, 8);
	}
}

static void put_double(struct obuf *ob, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	ob_putc(ob, (char)0xcb);
	put_be(ob, bits, 8);
}

/*
 * The value whose 5-byte placeholder header is at `at` has ended with `n` elements (or
 * bytes): write the smallest header that holds n and move the body down to it.
 */
static void end_header(struct obuf *ob, size_t at, enum hdr kind, uint64_t n)
{
	static const unsigned char fix[] = { [HDR_STR] = 0xa0, [HDR_ARRAY] = 0x90,
					     [HDR_MAP] = 0x80 };
	static const unsigned char fixmax[] = { [HDR_STR] = 32, [HDR_ARRAY] = 16,
						[HDR_MAP] = 16 };
	unsigned char h[5];
	size_t hl, body = at + 5;

	if (!ob_ok(ob))
		return;
	if (n < fixmax[kind]) {
		h[0] = (unsigned char)(fix[kind] | n);
		hl = 1;
	} else if (kind == HDR_STR && n <= 0xff) {
		h[0] = 0xd9;
		h[1] = (unsigned char)n;
		hl = 2;
	} else if (n <= 0xffff) {
		h[0] = kind == HDR_STR ? 0xda : kind == HDR_ARRAY ? 0xdc : 0xde;
		h[1] = (unsigned char)(n >> 8);
		h[2] = (unsigned char)n;
		hl = 3;
	} else {
		h[0] = kind == HDR_STR ? 0xdb : kind == HDR_ARRAY ? 0xdd : 0xdf;
		h[1] = (unsigned char)(n >> 24);
		h[2] = (unsigned char)(n >> 16);
		h[3] = (unsigned char)(n >> 8);
		h[4] = (unsigned char)n;
		hl = 5;
	}
	memcpy(ob->buf + at, h, hl);
	if (hl < 5) {
		memmove(ob->buf + at + hl, ob->buf + body, ob->len - body);
		ob->len -= 5 - hl;
	}
}

static size_t begin_header(struct obuf *ob)
{
	size_t at = ob->len;

	ob_write(ob, "\0\0\0\0\0", 5);
	return at;
}

static void skip_ws(struct jp *j)
{
	while (j->p < j->end &&
	       (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hex4(const char *p, const char *end, unsigned *v)
{
	int i;

	if (end - p < 4)
		return -EINVAL;
	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			*v |= (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -EINVAL;
	}
	return 0;
}

static void put_utf8(struct obuf *ob, unsigned cp)
{
	char b[4];
	int n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	ob_write(ob, b, n);
}

/* \uXXXX, a surrogate pair joined; a lone surrogate becomes U+FFFD. */
static int unescape_u(struct jp *j)
{
	unsigned cp, lo;

	if (hex4(j->p, j->end, &cp))
		return -EINVAL;
	j->p += 4;
	if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
	    j->p[1] == 'u' && !hex4(j->p + 2, j->end, &lo) && lo >= 0xdc00 && lo < 0xe000) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		j->p += 6;
	} else if (cp >= 0xd800 && cp < 0xe000) {
		cp = 0xfffd;
	}
	put_utf8(j->out, cp);
	return 0;
}

/* A string at j->p (on its opening quote); *body is where its bytes start in out. */
static int parse_string(struct jp *j, size_t *body, size_t *n)
{
	static const char esc_from[] = "\"\\/bfnrt", esc_to[] = "\"\\/\b\f\n\r\t";
	size_t at = begin_header(j->out), start = j->out->len;
	const char *run, *e;

	j->p++;
	for (;;) {
		run = j->p;
		while (j->p < j->end && *j->p != '"' && *j->p != '\\' &&
		       (unsigned char)*j->p >= 0x20)
			j->p++;
		ob_write(j->out, run, j->p - run);
		if (j->p >= j->end || (unsigned char)*j->p < 0x20)
			return -EINVAL;
		if (*j->p++ == '"')
			break;
		if (j->p >= j->end)
			return -EINVAL;
		if (*j->p == 'u') {
			j->p++;
			if (unescape_u(j))
				return -EINVAL;
			continue;
		}
		e = memchr(esc_from, *j->p, sizeof(esc_from) - 1);
		if (!e)
			return -EINVAL;
		ob_putc(j->out, esc_to[e - esc_from]);
		j->p++;
	}
	*n = j->out->len - start;
	end_header(j->out, at, HDR_STR, *n);
	*body = j->out->len - *n;
	return 0;
}

static int parse_number(struct jp *j)
{
	const char *s = j->p;
	bool neg = false, integral = true;
	uint64_t v = 0;
	bool overflow = false;
	char text[JSONMP_MAX_NUMBER + 1];

	if (j->p < j->end && *j->p == '-') {
		neg = true;
		j->p++;
	}
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return -EINVAL;
	if (*j->p == '0') {
		j->p++;
	} else {
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
			unsigned d = (unsigned)(*j->p++ - '0');

			if (v > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				v = v * 10 + d;
		}
	}
	if (j->p < j->end && *j->p == '.') {
		integral = false;
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return -EINVAL;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		integral = false;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return -EINVAL;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (integral && !overflow && !neg) {
		put_uint(j->out, v);
		return 0;
	}
	if (integral && !overflow && v <= (uint64_t)INT64_MAX + 1) {
		put_int(j->out, v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v);
		return 0;
	}
	if (j->p - s > JSONMP_MAX_NUMBER)
		return -EINVAL;
	memcpy(text, s, j->p - s);
	text[j->p - s] = 0;
	put_double(j->out, strtod(text, NULL));
	return 0;
}

static int parse_value(struct jp *j, struct jsonmp_meta *meta);

static bool literal(struct jp *j, const char *word, size_t n)
{
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return false;
	j->p += n;
	return true;
}

/* The top-level "event_type" and "time" strings, for the sinks. */
static void note_meta(struct jp *j, struct jsonmp_meta *meta, const char *key, size_t klen,
		      size_t vbody, size_t vlen)
{
	const char *v = j->out->buf + vbody;

	if (klen == 10 && !memcmp(key, "event_type", 10) && vlen < sizeof(meta->event_type)) {
		memcpy(meta->event_type, v, vlen);
		meta->event_type[vlen] = 0;
	} else if (klen == 4 && !memcmp(key, "time", 4)) {
		meta->has_time = !json_parse_time(v, vlen, &meta->sec, &meta->nsec);
	}
}

static int parse_container(struct jp *j, bool object, struct jsonmp_meta *meta)
{
	size_t at = begin_header(j->out), kbody, klen, vbody, vlen;
	uint64_t n = 0;
	int err;

	if (++j->depth > JSONMP_MAX_DEPTH)
		return -EINVAL;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == (object ? '}' : ']')) {
		j->p++;
		goto done;
	}
	for (;;) {
		skip_ws(j);
		if (object) {
			if (j->p >= j->end || *j->p != '"')
				return -EINVAL;
			err = parse_string(j, &kbody, &klen);
			if (err)
				return err;
			skip_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -EINVAL;
			skip_ws(j);
			if (meta && j->p < j->end && *j->p == '"') {
				/* keys and values may move as headers shrink: copy the key */
				char key[16];
				size_t kl = klen < sizeof(key) ? klen : 0;

				memcpy(key, j->out->buf + kbody, kl);
				err = parse_string(j, &vbody, &vlen);
				if (err)
					return err;
				if (ob_ok(j->out))
					note_meta(j, meta, key, kl, vbody, vlen);
				goto next;
			}
		}
		err = parse_value(j, NULL);
		if (err)
			return err;
next:
		n++;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == (object ? '}' : ']')) {
			j->p++;
			break;
		}
		return -EINVAL;
	}
done:
	end_header(j->out, at, object ? HDR_MAP : HDR_ARRAY, n);
	j->depth--;
	return 0;
}

static int parse_value(struct jp *j, struct jsonmp_meta *meta)
{
	size_t body, n;

	skip_ws(j);
	if (j->p >= j->end)
		return -EINVAL;
	switch (*j->p) {
	case '{':
		return parse_container(j, true, meta);
	case '[':
		return parse_container(j, false, NULL);
	case '"':
		return parse_string(j, &body, &n);
	case 't':
		if (!literal(j, "true", 4))
			return -EINVAL;
		ob_putc(j->out, (char)0xc3);
		return 0;
	case 'f':
		if (!literal(j, "false", 5))
			return -EINVAL;
		ob_putc(j->out, (char)0xc2);
		return 0;
	case 'n':
		if (!literal(j, "null", 4))
			return -EINVAL;
		ob_putc(j->out, (char)0xc0);
		return 0;
	default:
		return parse_number(j);
	}
}

int jsonmp_event(const char *json, size_t len, struct obuf *out, struct jsonmp_meta *meta)
{
	struct jp j = { .p = json, .end = json + len, .out = out };
	size_t mark = out->len;
	int err;

	if (meta)
		*meta = (struct jsonmp_meta){};
	err = parse_value(&j, meta);
	skip_ws(&j);
	if (!err && j.p != j.end)
		err = -EINVAL;
	if (!err && !ob_ok(out))
		err = -ENOMEM;
	if (err) {
		ob_truncate(out, mark);
		if (meta)
			*meta = (struct jsonmp_meta){};
	}
	return err;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json.h - the output buffer every event is formatted into, and JSON primitives.
 *
 * Events are built in one growing buffer and written with large write(2)s; nothing here
 * allocates per event once the buffer has grown to its working size.  Every function that
 * takes bytes treats them as untrusted: any byte sequence produces valid JSON.
 */
#ifndef UPTRACE_JSON_H
#define UPTRACE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct obuf {
	char *buf;
	size_t len;
	size_t cap;
	bool oom; /* an allocation failed: contents are incomplete, ob_ok() says so */
};

void ob_init(struct obuf *ob);
void ob_free(struct obuf *ob);
static inline void ob_reset(struct obuf *ob)
{
	ob->len = 0;
}
static inline bool ob_ok(const struct obuf *ob)
{
	return !ob->oom;
}
bool ob_grow(struct obuf *ob, size_t n);
/* Make room for n more bytes; false (and ob->oom set) when memory ran out. */
static inline bool ob_reserve(struct obuf *ob, size_t n)
{
	if (__builtin_expect(!ob->oom && n <= ob->cap - ob->len, 1))
		return true;
	return ob_grow(ob, n);
}
static inline void ob_putc(struct obuf *ob, char c)
{
	if (!ob->oom && (ob->len < ob->cap || ob_reserve(ob, 1)))
		ob->buf[ob->len++] = c;
}
/*
 * Append n bytes.  Inline, because the msgpack packer hands its output over in pieces of 1
 * to 9 bytes (a header, a number): those are copied with fixed-size moves that overlap,
 * not a call to memcpy each.
 */
static inline void ob_write(struct obuf *ob, const void *p, size_t n)
{
	const char *s = p;
	char *o;

	if (!n || !ob_reserve(ob, n))
		return;
	o = ob->buf + ob->len;
	ob->len += n;
	if (n > 16) {
		memcpy(o, s, n);
	} else if (n >= 8) {
		memcpy(o, s, 8);
		memcpy(o + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(o, s, 4);
		memcpy(o + n - 4, s + n - 4, 4);
	} else {
		o[0] = s[0];
		o[n - 1] = s[n - 1];
		o[n / 2] = s[n / 2];
	}
}
void ob_puts(struct obuf *ob, const char *s);
void ob_printf(struct obuf *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop everything from offset `mark` on (to undo a partly written value). */
void ob_truncate(struct obuf *ob, size_t mark);

/*
 * A JSON string with quotes.  Valid UTF-8 is copied as is (U+2028/U+2029 escaped), control
 * characters are escaped, and each byte that is not part of valid UTF-8 is written as
 * \u00XX (its Latin-1 reading), so nothing is dropped.
 */
void ob_json_str(struct obuf *ob, const void *s, size_t n);
static inline void ob_json_cstr(struct obuf *ob, const char *s);
/*
 * A JSON number for a double: shortest text that reads back equal, with ".0" added when it
 * would otherwise read as an integer (42.0); NaN/Inf -> null.  ob_json_float() is the same
 * for a float (shortest text that reads back as the same float: 0.1f -> 0.1).
 */
void ob_json_double(struct obuf *ob, double v);
void ob_json_float(struct obuf *ob, float v);
void ob_json_u64(struct obuf *ob, uint64_t v);
void ob_json_s64(struct obuf *ob, int64_t v);
/* "0x..." lower-case hex address string. */
void ob_json_hex(struct obuf *ob, uint64_t v);
/* The same text without quotes into out[JSON_HEX_MAX]; its length. */
#define JSON_HEX_MAX 20
size_t json_format_hex(char *out, uint64_t v);
/* Standard base64 (RFC 4648, with padding) inside quotes. */
void ob_json_base64(struct obuf *ob, const void *p, size_t n);
/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" inside quotes; sec may be negative (before 1970). */
void ob_json_time(struct obuf *ob, int64_t sec, uint32_t nsec);
/* The same text without quotes into out[JSON_TIME_MAX]; its length. */
#define JSON_TIME_MAX 48
size_t json_format_time(char *out, int64_t sec, uint32_t nsec);
/*
 * The inverse for the times we write: "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" (n bytes, no quotes)
 * to Unix seconds and nanoseconds.  0 or -EINVAL.
 */
int json_parse_time(const char *s, size_t n, int64_t *sec, uint32_t *nsec);

/* True when the n bytes are valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const void *s, size_t n);

static inline void ob_json_cstr(struct obuf *ob, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	ob_json_str(ob, s, n);
}

#endif /* UPTRACE_JSON_H */

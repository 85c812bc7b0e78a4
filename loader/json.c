// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * json.c - the output buffer and the JSON primitives every event is written with.
 *
 * Design:
 *  - One struct obuf per output stream.  It grows by doubling and is reset, not freed,
 *    between events, so once it has reached the size of the largest event nothing here
 *    allocates again.  An allocation failure is sticky (ob->oom): later writes are dropped
 *    and the caller checks ob_ok() once per event instead of after every call.
 *  - Writers that know an upper bound of their output (strings, numbers, times) reserve it
 *    once and then store bytes through a plain pointer; only ob_printf() formats twice.
 *  - Everything that takes bytes treats them as untrusted.  ob_json_str() always produces a
 *    valid JSON string: valid UTF-8 passes through, each byte that is not part of a valid
 *    sequence is written as \u00XX (its Latin-1 reading), so no byte is lost or merged.
 *  - Times are formatted from integer seconds with our own days -> civil date conversion, so
 *    the output never depends on TZ, the C library's gmtime() or the range of time_t.
 *  - Numbers are formatted with the C library (printf uses the "C" locale unless the
 *    program calls setlocale(), which uptrace does not).
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define OB_MIN_CAP 4096

void ob_init(struct obuf *ob)
{
	ob->buf = NULL;
	ob->len = 0;
	ob->cap = 0;
	ob->oom = false;
}

void ob_free(struct obuf *ob)
{
	if (!ob)
		return;
	free(ob->buf);
	ob_init(ob);
}

/* ob_reserve()'s slow path: grow, or say why not. */
bool ob_grow(struct obuf *ob, size_t n)
{
	size_t cap;
	char *buf;

	if (ob->oom)
		return false;
	if (n <= ob->cap - ob->len)
		return true;
	if (n > SIZE_MAX / 2 - ob->len)
		goto oom;
	cap = ob->cap ? ob->cap : OB_MIN_CAP;
	while (cap - ob->len < n)
		cap *= 2;
	buf = realloc(ob->buf, cap);
	if (!buf)
		goto oom;
	ob->buf = buf;
	ob->cap = cap;
	return true;
oom:
	ob->oom = true;
	return false;
}

void ob_puts(struct obuf *ob, const char *s)
{
	ob_write(ob, s, strlen(s));
}

void ob_printf(struct obuf *ob, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (!ob_reserve(ob, 64))
		return;
	room = ob->cap - ob->len;
	va_start(ap, fmt);
	n = vsnprintf(ob->buf + ob->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		if (!ob_reserve(ob, (size_t)n + 1))
			return;
		va_start(ap, fmt);
		vsnprintf(ob->buf + ob->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	ob->len += (size_t)n;
}

void ob_truncate(struct obuf *ob, size_t mark)
{
	if (mark < ob->len)
		ob->len = mark;
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when s[0] does not start one.
 * The second byte's range is what excludes overlongs (E0, F0), surrogates (ED) and code
 * points above U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
 */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (b < 0x80)
		return 1;
	if (b < 0xc2 || b > 0xf4)
		return 0;
	len = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

bool utf8_valid(const void *s, size_t n)
{
	const uint8_t *p = s, *end = p + n;
	size_t k;

	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		k = utf8_seq(p, (size_t)(end - p));
		if (!k)
			return false;
		p += k;
	}
	return true;
}

static const char hexdig[] = "0123456789abcdef";

static char *put_u00(char *o, uint8_t b)
{
	memcpy(o, "\\u00", 4);
	o[4] = hexdig[b >> 4];
	o[5] = hexdig[b & 0xf];
	return o + 6;
}

/* plain[b]: byte b stands for itself in a JSON string (printable ASCII but '"' and '\\'). */
static const bool plain[256] = {
	[0x20 ... 0x21] = true, /* '"' is 0x22 */
	[0x23 ... 0x5b] = true, /* '\\' is 0x5c */
	[0x5d ... 0x7e] = true,
};

/* One byte below 0x80: copied, or escaped when JSON requires it. */
static char *put_ascii(char *o, uint8_t b)
{
	static const char short_esc[32] = {
		['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	};

	if (b >= 0x20 && b != '"' && b != '\\') {
		*o++ = (char)b;
	} else if (b == '"' || b == '\\') {
		*o++ = '\\';
		*o++ = (char)b;
	} else if (short_esc[b]) {
		*o++ = '\\';
		*o++ = short_esc[b];
	} else {
		o = put_u00(o, b);
	}
	return o;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * Copy the bytes from *pp on that stand for themselves, up to the first that does not (or
 * end).  SSE2 (every x86-64) checks 16 a time: a signed compare with 0x20 finds both the
 * control characters and the bytes >= 0x80.  The caller has room for 16 bytes at *po
 * whenever 16 are left to read.
 */
static inline void copy_plain(const uint8_t **pp, char **po, const uint8_t *end)
{
	const uint8_t *p = *pp;
	char *o = *po;

#if defined(__SSE2__)
	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
				     _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
						  _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')))));

		_mm_storeu_si128((void *)o, x);
		if (m) {
			m = (unsigned)__builtin_ctz(m);
			*pp = p + m;
			*po = o + m;
			return;
		}
		p += 16;
		o += 16;
	}
#endif
	while (p < end && plain[*p])
		*o++ = (char)*p++;
	*pp = p;
	*po = o;
}

void ob_json_str(struct obuf *ob, const void *s, size_t n)
{
	const uint8_t *p = s, *end = p + n;
	size_t k;
	char *o;

	/* Worst case: every byte becomes \u00XX. */
	if (n > (SIZE_MAX - 2) / 6 || !ob_reserve(ob, n * 6 + 2)) {
		ob->oom = true;
		return;
	}
	o = ob->buf + ob->len;
	*o++ = '"';
	while (p < end) {
		/* bytes that need nothing (most text), copied as they are found */
		copy_plain(&p, &o, end);
		if (p == end)
			break;
		if (*p < 0x80) {
			o = put_ascii(o, *p++);
			continue;
		}
		k = utf8_seq(p, (size_t)(end - p));
		if (!k) {
			o = put_u00(o, *p++);
		} else if (k == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] & 0xfe) == 0xa8) {
			/* U+2028/U+2029: valid JSON, but line breaks to JavaScript. */
			memcpy(o, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			o += 6;
			p += 3;
		} else {
			memcpy(o, p, k);
			o += k;
			p += k;
		}
	}
	*o++ = '"';
	ob->len = (size_t)(o - ob->buf);
}

/*
 * Shortest of %.{lo..hi}g that reads back equal, with ".0" added to integral values so a
 * float stays a float for the reader (42.0, not 42).  %g never yields ".5" or "1." and its
 * exponent form ("1e+300", "1e-07") is valid JSON.
 */
static void put_real(struct obuf *ob, double v, bool single)
{
	char tmp[40];
	int prec = single ? 6 : 15, last = single ? 9 : 17;

	if (!isfinite(v)) {
		ob_write(ob, "null", 4);
		return;
	}
	for (;; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (prec == last)
			break;
		if (single ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
			break;
	}
	if (!strpbrk(tmp, ".e"))
		strcat(tmp, ".0");
	ob_puts(ob, tmp);
}

void ob_json_double(struct obuf *ob, double v)
{
	put_real(ob, v, false);
}

void ob_json_float(struct obuf *ob, float v)
{
	put_real(ob, v, true);
}

/* "00".."99" */
#define D2(t) #t "0" #t "1" #t "2" #t "3" #t "4" #t "5" #t "6" #t "7" #t "8" #t "9"
static const char digit_pairs[201] = D2(0) D2(1) D2(2) D2(3) D2(4) D2(5) D2(6) D2(7) D2(8) D2(9);

/* Decimal digits of v, written backwards ending at `end`, two a step; the first digit. */
static char *fmt_u64(char *end, uint64_t v)
{
	while (v >= 100) {
		end -= 2;
		memcpy(end, &digit_pairs[v % 100 * 2], 2);
		v /= 100;
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, &digit_pairs[v * 2], 2);
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

void ob_json_u64(struct obuf *ob, uint64_t v)
{
	char tmp[24], *s = fmt_u64(tmp + sizeof(tmp), v);

	ob_write(ob, s, (size_t)(tmp + sizeof(tmp) - s));
}

void ob_json_s64(struct obuf *ob, int64_t v)
{
	char tmp[24], *s;

	if (v >= 0) {
		ob_json_u64(ob, (uint64_t)v);
		return;
	}
	s = fmt_u64(tmp + sizeof(tmp), -(uint64_t)v);
	*--s = '-';
	ob_write(ob, s, (size_t)(tmp + sizeof(tmp) - s));
}

size_t json_format_hex(char *out, uint64_t v)
{
	char tmp[JSON_HEX_MAX], *s = tmp + sizeof(tmp);
	size_t n;

	do {
		*--s = hexdig[v & 0xf];
		v >>= 4;
	} while (v);
	*--s = 'x';
	*--s = '0';
	n = (size_t)(tmp + sizeof(tmp) - s);
	memcpy(out, s, n);
	return n;
}

void ob_json_hex(struct obuf *ob, uint64_t v)
{
	char *o;

	if (!ob_reserve(ob, JSON_HEX_MAX + 2))
		return;
	o = ob->buf + ob->len;
	*o++ = '"';
	o += json_format_hex(o, v);
	*o++ = '"';
	ob->len = (size_t)(o - ob->buf);
}

/*
 * base64, 12 bits at a time: b64_pairs[v] is the two characters of the 12-bit value v, so
 * three input bytes take two table loads and two 2-byte stores.  The table is built by the
 * compiler (8 KiB, in .rodata) from the 64-character alphabet.
 */
#define B64C(x)                                                                            \
	((x) < 26 ? 'A' + (x) : (x) < 52 ? 'a' + (x)-26 : (x) < 62 ? '0' + (x)-52 : (x) == 62 ? '+' : '/')
#define B64P(v)	   { B64C(((v) >> 6) & 63), B64C((v)&63) }
#define B64P4(v)   B64P(v), B64P((v) + 1), B64P((v) + 2), B64P((v) + 3)
#define B64P16(v)  B64P4(v), B64P4((v) + 4), B64P4((v) + 8), B64P4((v) + 12)
#define B64P64(v)  B64P16(v), B64P16((v) + 16), B64P16((v) + 32), B64P16((v) + 48)
#define B64P256(v) B64P64(v), B64P64((v) + 64), B64P64((v) + 128), B64P64((v) + 192)
#define B64P1K(v)  B64P256(v), B64P256((v) + 256), B64P256((v) + 512), B64P256((v) + 768)

static const char b64_pairs[4096][2] = { B64P1K(0), B64P1K(1024), B64P1K(2048), B64P1K(3072) };

/* Three bytes, as two pairs of characters. */
static inline char *b64_three(char *o, uint32_t w)
{
	memcpy(o, b64_pairs[w >> 12], 2);
	memcpy(o + 2, b64_pairs[w & 0xfff], 2);
	return o + 4;
}

/* The table way, for the n bytes at s (n a multiple of 3 up to the last group). */
static char *b64_scalar(char *o, const uint8_t *s, size_t n)
{
	size_t i = 0;
	uint32_t w;
	uint64_t x;

	/* 6 bytes a round from one 8-byte big-endian load (the 2 bytes beyond are not used) */
	for (; i + 8 <= n; i += 6) {
		memcpy(&x, s + i, 8);
		x = be64toh(x);
		o = b64_three(o, x >> 40);
		o = b64_three(o, (x >> 16) & 0xffffff);
	}
	for (; i + 3 <= n; i += 3)
		o = b64_three(o, (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2]);
	if (i < n) {
		w = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
		o = b64_three(o, w);
		o[-1] = '=';
		if (i + 1 == n)
			o[-2] = '=';
	}
	return o;
}

#if defined(__x86_64__)
#include <immintrin.h>

/*
 * AVX2: 24 bytes to 32 characters a round, the method of Mula and Lemire ("Faster Base64
 * Encoding and Decoding Using AVX2 Instructions", 2018).  Each 128-bit lane takes 12 bytes;
 * a byte shuffle makes every 3-byte group b,a,c,b so that the four 6-bit fields sit in the
 * 16-bit halves at known bits, two multiplies move them to the bottom of their bytes, and
 * the field values become characters by adding an offset picked from a 16-entry table by
 * their range (A-Z, a-z, 0-9, '+', '/').  Reads 28 bytes a round (16 at +0 and at +12).
 */
__attribute__((target("avx2"))) static size_t b64_avx2(char *o, const uint8_t *s, size_t n)
{
	const __m256i shuf = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
					      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
	const __m256i lut = _mm256_setr_epi8(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19,
					     -16, 65, 0, 0, 71, -4, -4, -4, -4, -4, -4, -4, -4,
					     -4, -4, -19, -16, 65, 0, 0);
	size_t i = 0;

	for (; i + 28 <= n; i += 24, o += 32) {
		__m256i in = _mm256_inserti128_si256(
			_mm256_castsi128_si256(_mm_loadu_si128((const void *)(s + i))),
			_mm_loadu_si128((const void *)(s + i + 12)), 1);
		__m256i t, idx, off;

		in = _mm256_shuffle_epi8(in, shuf);
		/* fields 0 and 2 (bits 15..10 of the low half, 11..6 of the high) to bits 5..0 */
		t = _mm256_mulhi_epu16(_mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00)),
				       _mm256_set1_epi32(0x04000040));
		/* fields 1 and 3 (bits 9..4, 5..0) to bits 13..8 */
		idx = _mm256_or_si256(t, _mm256_mullo_epi16(
						 _mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0)),
						 _mm256_set1_epi32(0x01000010)));
		/* 0..25 -> 13, 26..51 -> 0, 52..63 -> 1..12: the offset's entry in lut */
		off = _mm256_or_si256(_mm256_subs_epu8(idx, _mm256_set1_epi8(51)),
				      _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(26), idx),
						       _mm256_set1_epi8(13)));
		_mm256_storeu_si256((void *)o,
				    _mm256_add_epi8(idx, _mm256_shuffle_epi8(lut, off)));
	}
	return i;
}

static bool have_avx2(void)
{
	static int have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("avx2") ? 1 : 0;
	return have;
}
#endif

void ob_json_base64(struct obuf *ob, const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t done = 0;
	char *o;

	if (n / 3 >= (SIZE_MAX - 8) / 4 || !ob_reserve(ob, (n + 2) / 3 * 4 + 2)) {
		ob->oom = true;
		return;
	}
	o = ob->buf + ob->len;
	*o++ = '"';
#if defined(__x86_64__)
	if (n >= 28 && have_avx2()) {
		done = b64_avx2(o, s, n);
		o += done / 3 * 4;
	}
#endif
	o = b64_scalar(o, s + done, n - done);
	*o++ = '"';
	ob->len = (size_t)(o - ob->buf);
}

/*
 * Days since 1970-01-01 -> proleptic Gregorian year/month/day.  Counting from 0000-03-01
 * puts the leap day at the end of the year, so a 400-year era is 146097 days and the
 * month lengths from March on follow (153 * m + 2) / 5.
 */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468; /* days from 0000-03-01 to 1970-01-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);			      /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		      /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;				      /* March = 0 */

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* The inverse: days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* v in exactly `width` digits, zero-padded (v < 10^width). */
static char *put_dec(char *o, unsigned v, int width)
{
	int i = width;

	for (; i >= 2; i -= 2, v /= 100)
		memcpy(o + i - 2, &digit_pairs[v % 100 * 2], 2);
	if (i)
		o[0] = (char)('0' + v % 10);
	return o + width;
}

/*
 * The calendar part of a time depends on its second only: events come many to a second, so
 * the last one's "YYYY-MM-DDTHH:MM:SS" is kept (per thread) and reused.
 */
static __thread struct {
	int64_t sec;
	bool valid;
	char text[20];
} time_cache;

size_t json_format_time(char *out, int64_t sec, uint32_t nsec)
{
	int64_t days, rem, y;
	unsigned mon, day;
	char *o = out;

	/* Hostile nanoseconds (>= 1 s) carry into the seconds rather than print 10 digits. */
	if (nsec >= 1000000000u) {
		if (sec <= INT64_MAX - nsec / 1000000000u)
			sec += nsec / 1000000000u;
		nsec %= 1000000000u;
	}
	if (time_cache.valid && time_cache.sec == sec) {
		memcpy(o, time_cache.text, 19);
		o += 19;
		goto frac;
	}
	days = sec / 86400;
	rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &mon, &day);
	if (y < 0 || y > 9999) /* outside RFC 3339; still text a reader can make sense of */
		return (size_t)snprintf(out, JSON_TIME_MAX,
					"%" PRId64 "-%02u-%02uT%02u:%02u:%02u.%09uZ", y, mon, day,
					(unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
					(unsigned)(rem % 60), nsec);
	o = put_dec(o, (unsigned)y, 4);
	*o++ = '-';
	o = put_dec(o, mon, 2);
	*o++ = '-';
	o = put_dec(o, day, 2);
	*o++ = 'T';
	o = put_dec(o, (unsigned)(rem / 3600), 2);
	*o++ = ':';
	o = put_dec(o, (unsigned)(rem / 60 % 60), 2);
	*o++ = ':';
	o = put_dec(o, (unsigned)(rem % 60), 2);
	memcpy(time_cache.text, out, 19);
	time_cache.sec = sec;
	time_cache.valid = true;
frac:
	*o++ = '.';
	o = put_dec(o, nsec, 9);
	*o++ = 'Z';
	return (size_t)(o - out);
}

void ob_json_time(struct obuf *ob, int64_t sec, uint32_t nsec)
{
	char *o;

	if (!ob_reserve(ob, JSON_TIME_MAX + 2))
		return;
	o = ob->buf + ob->len;
	*o++ = '"';
	o += json_format_time(o, sec, nsec);
	*o++ = '"';
	ob->len = (size_t)(o - ob->buf);
}

/* Read N digits at s as a number; false if one is not a digit. */
static bool get_dec(const char *s, int n, unsigned *v)
{
	*v = 0;
	while (n--) {
		if (*s < '0' || *s > '9')
			return false;
		*v = *v * 10 + (unsigned)(*s++ - '0');
	}
	return true;
}

int json_parse_time(const char *s, size_t n, int64_t *sec, uint32_t *nsec)
{
	unsigned y, mon, day, h, min, sc, frac = 0;
	size_t i, digits = 0;

	if (n < 20 || s[n - 1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return -EINVAL;
	if (!get_dec(s, 4, &y) || !get_dec(s + 5, 2, &mon) || !get_dec(s + 8, 2, &day) ||
	    !get_dec(s + 11, 2, &h) || !get_dec(s + 14, 2, &min) || !get_dec(s + 17, 2, &sc))
		return -EINVAL;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 || min > 59 || sc > 60)
		return -EINVAL;
	if (n > 20) {
		/* ".d" up to nanoseconds: ".5Z" is 500000000 ns */
		if (s[19] != '.' || n - 21 < 1 || n - 21 > 9)
			return -EINVAL;
		for (i = 20; i < n - 1; i++, digits++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			frac = frac * 10 + (unsigned)(s[i] - '0');
		}
		while (digits++ < 9)
			frac *= 10;
	}
	*sec = days_from_civil(y, mon, day) * 86400 + h * 3600 + min * 60 + sc;
	*nsec = frac;
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_json.c - the output buffer and the JSON primitives of loader/json.c.
 *
 * Every case compares the exact text written.  Bytes under test are copied into a heap
 * block of exactly their size so ASan catches any read past them.
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "json.h"

struct fx {
	struct obuf ob;
	char *str; /* NUL-terminated copy of ob for assert_string_equal() */
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	ob_init(&fx->ob);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	ob_free(&fx->ob);
	free(fx->str);
	free(fx);
	return 0;
}

/* The buffer as a C string; resets it for the next step of the test. */
static const char *take(struct fx *fx)
{
	assert_true(ob_ok(&fx->ob));
	free(fx->str);
	fx->str = strndup(fx->ob.buf ? fx->ob.buf : "", fx->ob.len);
	assert_non_null(fx->str);
	ob_reset(&fx->ob);
	return fx->str;
}

/* ob_json_str() over an exact-size heap copy of n bytes. */
static const char *jstr(struct fx *fx, const void *s, size_t n)
{
	void *copy = malloc(n ? n : 1);

	assert_non_null(copy);
	memcpy(copy, s, n);
	ob_json_str(&fx->ob, copy, n);
	free(copy);
	return take(fx);
}

#define JSTR(fx, lit) jstr(fx, lit, sizeof(lit) - 1)

static void test_obuf_basic(void **state)
{
	struct fx *fx = *state;
	struct obuf *ob = &fx->ob;

	assert_null(ob->buf);
	assert_int_equal(ob->len, 0);
	ob_putc(ob, 'a');
	ob_write(ob, "bcd", 3);
	ob_write(ob, NULL, 0);
	ob_puts(ob, "ef");
	ob_printf(ob, "<%d|%s>", 42, "x");
	assert_string_equal(take(fx), "abcdef<42|x>");
	ob_puts(ob, "hello world");
	ob_truncate(ob, 5);
	assert_string_equal(take(fx), "hello");
	ob_puts(ob, "abc");
	ob_truncate(ob, 10); /* past the end: no effect */
	assert_string_equal(take(fx), "abc");
}

static void test_obuf_growth(void **state)
{
	struct fx *fx = *state;
	struct obuf *ob = &fx->ob;
	char big[10000];
	size_t i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* A printf longer than the first allocation takes the second formatting pass. */
	ob_printf(ob, "[%s]", big);
	assert_true(ob_ok(ob));
	assert_int_equal(ob->len, sizeof(big) + 1);
	assert_true(ob->cap >= ob->len);
	assert_int_equal(ob->cap & (ob->cap - 1), 0); /* doubled from a power of two */
	assert_int_equal(ob->buf[0], '[');
	assert_int_equal(ob->buf[ob->len - 1], ']');
	for (i = 1; i < ob->len - 1; i++)
		assert_int_equal(ob->buf[i], 'x');
	ob_reset(ob);
	for (i = 0; i < 100000; i++)
		ob_putc(ob, (char)('a' + i % 26));
	assert_int_equal(ob->len, 100000);
	for (i = 0; i < 100000; i++)
		assert_int_equal(ob->buf[i], 'a' + i % 26);
	assert_true(ob_reserve(ob, 1 << 20));
	assert_true(ob->cap - ob->len >= 1 << 20);
	/* An impossible reservation fails cleanly and is sticky. */
	assert_false(ob_reserve(ob, SIZE_MAX - 10));
	assert_false(ob_ok(ob));
	ob_putc(ob, 'z');
	assert_int_equal(ob->len, 100000);
	ob->oom = false;
	ob_reset(ob);
}

static void test_str_plain(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(JSTR(fx, ""), "\"\"");
	assert_string_equal(JSTR(fx, "hello"), "\"hello\"");
	assert_string_equal(JSTR(fx, "a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
	assert_string_equal(JSTR(fx, "del\x7f"), "\"del\x7f\"");
	assert_string_equal(JSTR(fx, "nul\0after"), "\"nul\\u0000after\"");
	ob_json_cstr(&fx->ob, "c\tstr");
	assert_string_equal(take(fx), "\"c\\tstr\"");
}

static void test_str_control_chars(void **state)
{
	struct fx *fx = *state;
	char in[32];
	int i;

	for (i = 0; i < 32; i++)
		in[i] = (char)i;
	assert_string_equal(jstr(fx, in, sizeof(in)),
			    "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
			    "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
			    "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
			    "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"");
}

static void test_str_valid_utf8(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(JSTR(fx, "caf\xc3\xa9"), "\"caf\xc3\xa9\"");	     /* U+00E9 */
	assert_string_equal(JSTR(fx, "\xe2\x82\xac"), "\"\xe2\x82\xac\"");	     /* U+20AC */
	assert_string_equal(JSTR(fx, "\xf0\x9f\x98\x80!"), "\"\xf0\x9f\x98\x80!\""); /* U+1F600 */
	assert_string_equal(JSTR(fx, "\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");   /* U+10FFFF */
	assert_string_equal(JSTR(fx, "\xed\x9f\xbf"), "\"\xed\x9f\xbf\"");	     /* U+D7FF */
	assert_string_equal(JSTR(fx, "\xee\x80\x80"), "\"\xee\x80\x80\"");	     /* U+E000 */
	assert_string_equal(JSTR(fx, "\xc2\x80"), "\"\xc2\x80\"");		     /* U+0080 */
	assert_string_equal(JSTR(fx, "a\xe2\x80\xa8z"), "\"a\\u2028z\"");
	assert_string_equal(JSTR(fx, "\xe2\x80\xa9"), "\"\\u2029\"");
	assert_string_equal(JSTR(fx, "\xe2\x80\xa7\xe2\x80\xaa"), "\"\xe2\x80\xa7\xe2\x80\xaa\"");
}

static void test_str_invalid_utf8(void **state)
{
	struct fx *fx = *state;

	/* lone continuation bytes */
	assert_string_equal(JSTR(fx, "a\x80z"), "\"a\\u0080z\"");
	assert_string_equal(JSTR(fx, "\xbf\xbf"), "\"\\u00bf\\u00bf\"");
	/* overlongs: C0 80 (NUL), E0 80 80, F0 80 80 80 */
	assert_string_equal(JSTR(fx, "\xc0\x80"), "\"\\u00c0\\u0080\"");
	assert_string_equal(JSTR(fx, "\xc1\xbf"), "\"\\u00c1\\u00bf\"");
	assert_string_equal(JSTR(fx, "\xe0\x80\x80"), "\"\\u00e0\\u0080\\u0080\"");
	assert_string_equal(JSTR(fx, "\xf0\x80\x80\x80"), "\"\\u00f0\\u0080\\u0080\\u0080\"");
	/* surrogates U+D800, U+DFFF */
	assert_string_equal(JSTR(fx, "\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");
	assert_string_equal(JSTR(fx, "\xed\xbf\xbf"), "\"\\u00ed\\u00bf\\u00bf\"");
	/* above U+10FFFF, and lead bytes F5..FF */
	assert_string_equal(JSTR(fx, "\xf4\x90\x80\x80"), "\"\\u00f4\\u0090\\u0080\\u0080\"");
	assert_string_equal(JSTR(fx, "\xf5\x80\x80\x80"), "\"\\u00f5\\u0080\\u0080\\u0080\"");
	assert_string_equal(JSTR(fx, "\xfe\xff"), "\"\\u00fe\\u00ff\"");
	/* a sequence cut by the end of the input, and one cut by an ASCII byte */
	assert_string_equal(JSTR(fx, "x\xe2\x82"), "\"x\\u00e2\\u0082\"");
	assert_string_equal(JSTR(fx, "\xf0\x9f\x98"), "\"\\u00f0\\u009f\\u0098\"");
	assert_string_equal(JSTR(fx, "\xe2\x82z\xc3\xa9"), "\"\\u00e2\\u0082z\xc3\xa9\"");
	/* an invalid byte does not swallow the valid sequence after it */
	assert_string_equal(JSTR(fx, "\xff\xf0\x9f\x98\x80"), "\"\\u00ff\xf0\x9f\x98\x80\"");
}

/*
 * Long strings take 16 bytes a round: one byte of every value at every position of a
 * 40-byte line (before, inside and after a round), and a 2-byte sequence across a round's
 * end, come out as in a short string.
 */
static void test_str_long(void **state)
{
	static const char *const esc[32] = {
		['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n", ['\f'] = "\\f", ['\r'] = "\\r",
	};
	struct fx *fx = *state;
	char in[40], want[64 + 16];
	unsigned b, k;

	for (b = 0; b < 256; b++) {
		for (k = 0; k < sizeof(in); k++) {
			char mid[8];

			memset(in, 'a', sizeof(in));
			in[k] = (char)b;
			if (b == '"' || b == '\\')
				snprintf(mid, sizeof(mid), "\\%c", b);
			else if (b < 0x20 && esc[b])
				snprintf(mid, sizeof(mid), "%s", esc[b]);
			else if (b < 0x20 || b >= 0x80)
				snprintf(mid, sizeof(mid), "\\u%04x", b);
			else
				snprintf(mid, sizeof(mid), "%c", b);
			snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)k, in, mid,
				 (int)(sizeof(in) - k - 1), in + k + 1);
			assert_string_equal(jstr(fx, in, sizeof(in)), want);
		}
	}
	for (k = 0; k + 2 <= sizeof(in); k++) {
		memset(in, 'z', sizeof(in));
		memcpy(in + k, "\xc3\xa9", 2);
		memcpy(want, "\"", 1);
		memcpy(want + 1, in, sizeof(in));
		memcpy(want + 1 + sizeof(in), "\"", 2);
		assert_string_equal(jstr(fx, in, sizeof(in)), want);
	}
}

static void test_utf8_valid(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain ascii\n", 12));
	assert_true(utf8_valid("\0", 1));
	assert_true(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));
	assert_true(utf8_valid("\xe2\x80\xa8", 3));
	assert_false(utf8_valid("\x80", 1));
	assert_false(utf8_valid("\xc0\x80", 2));
	assert_false(utf8_valid("\xc1\xbf", 2));
	assert_false(utf8_valid("\xe0\x9f\xbf", 3));
	assert_false(utf8_valid("\xed\xa0\x80", 3));
	assert_false(utf8_valid("\xf0\x8f\xbf\xbf", 4));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(utf8_valid("\xf5\x80\x80\x80", 4));
	assert_false(utf8_valid("\xff", 1));
	assert_false(utf8_valid("\xc3", 1));
	assert_false(utf8_valid("ok\xe2\x82", 4));
	assert_false(utf8_valid("\xe2\x28\xa1", 3));
}

/* A JSON number: -? int frac? exp? */
static bool json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

static const char *jdouble(struct fx *fx, double v)
{
	const char *s;

	ob_json_double(&fx->ob, v);
	s = take(fx);
	assert_true(json_number(s));
	assert_true(strtod(s, NULL) == v);
	return s;
}

static void test_double(void **state)
{
	struct fx *fx = *state;
	static const double round_trip[] = {
		0.0,
		1.0,
		-1.0,
		0.5,
		1e-7,
		1e21,
		1e22,
		1.7976931348623157e308,
		2.2250738585072014e-308,
		4.9406564584124654e-324,
		3.141592653589793,
		-2.718281828459045,
		1234567.0,
		9007199254740993.0,
		1e-300,
	};
	size_t i;

	assert_string_equal(jdouble(fx, 2.5), "2.5");
	assert_string_equal(jdouble(fx, 0.1), "0.1");
	assert_string_equal(jdouble(fx, -0.1), "-0.1");
	assert_string_equal(jdouble(fx, 1e300), "1e+300");
	assert_string_equal(jdouble(fx, 1e-5), "1e-05");
	assert_string_equal(jdouble(fx, 42.0), "42.0");
	assert_string_equal(jdouble(fx, 0.0), "0.0");
	assert_string_equal(jdouble(fx, -0.0), "-0.0");
	assert_string_equal(jdouble(fx, 1.0 / 3), "0.3333333333333333");
	assert_string_equal(jdouble(fx, 0.1 + 0.2), "0.30000000000000004");
	assert_string_equal(jdouble(fx, 123456789012345680.0), "1.2345678901234568e+17");
	assert_string_equal(jdouble(fx, 9007199254740992.0), "9007199254740992.0");
	for (i = 0; i < sizeof(round_trip) / sizeof(round_trip[0]); i++) {
		jdouble(fx, round_trip[i]);
		jdouble(fx, -round_trip[i]);
	}
	ob_json_double(&fx->ob, NAN);
	assert_string_equal(take(fx), "null");
	ob_json_double(&fx->ob, INFINITY);
	assert_string_equal(take(fx), "null");
	ob_json_double(&fx->ob, -INFINITY);
	assert_string_equal(take(fx), "null");
}

static const char *jfloat(struct fx *fx, float v)
{
	const char *s;

	ob_json_float(&fx->ob, v);
	s = take(fx);
	assert_true(json_number(s));
	assert_true(strtof(s, NULL) == v);
	return s;
}

static void test_float(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(jfloat(fx, 0.1f), "0.1");
	assert_string_equal(jfloat(fx, 1.0f), "1.0");
	assert_string_equal(jfloat(fx, 2.5f), "2.5");
	assert_string_equal(jfloat(fx, -1.5f), "-1.5");
	assert_string_equal(jfloat(fx, 16777216.0f), "16777216.0");
	assert_string_equal(jfloat(fx, 3.4028235e38f), "3.4028235e+38");
	assert_string_equal(jfloat(fx, 1e-45f), "1.4013e-45"); /* %.6g is enough */
	ob_json_float(&fx->ob, NAN);
	assert_string_equal(take(fx), "null");
	ob_json_float(&fx->ob, -INFINITY);
	assert_string_equal(take(fx), "null");
}

static void test_integers_and_hex(void **state)
{
	struct fx *fx = *state;
	struct obuf *ob = &fx->ob;

	ob_json_u64(ob, 0);
	assert_string_equal(take(fx), "0");
	ob_json_u64(ob, 42);
	assert_string_equal(take(fx), "42");
	{
		/* every digit count, and the ends of the two-digit steps */
		static const uint64_t v[] = {9, 10, 99, 100, 101, 999, 1000, 10203, 123456,
					     9999999, 10000000, 4294967295u, 1000000000000000000u};
		char want[32];
		size_t i;

		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			snprintf(want, sizeof(want), "%" PRIu64, v[i]);
			ob_json_u64(ob, v[i]);
			assert_string_equal(take(fx), want);
		}
	}
	ob_json_u64(ob, UINT64_MAX);
	assert_string_equal(take(fx), "18446744073709551615");
	ob_json_s64(ob, 0);
	assert_string_equal(take(fx), "0");
	ob_json_s64(ob, -1);
	assert_string_equal(take(fx), "-1");
	ob_json_s64(ob, INT64_MAX);
	assert_string_equal(take(fx), "9223372036854775807");
	ob_json_s64(ob, INT64_MIN);
	assert_string_equal(take(fx), "-9223372036854775808");
	ob_json_hex(ob, 0);
	assert_string_equal(take(fx), "\"0x0\"");
	ob_json_hex(ob, 0x1a2b);
	assert_string_equal(take(fx), "\"0x1a2b\"");
	ob_json_hex(ob, 0x55d0c2a3e000ull);
	assert_string_equal(take(fx), "\"0x55d0c2a3e000\"");
	ob_json_hex(ob, UINT64_MAX);
	assert_string_equal(take(fx), "\"0xffffffffffffffff\"");
}

static void test_base64(void **state)
{
	struct fx *fx = *state;
	static const char *const want[] = {
		"\"\"",		"\"Zg==\"",	"\"Zm8=\"",	"\"Zm9v\"",
		"\"Zm9vYg==\"", "\"Zm9vYmE=\"", "\"Zm9vYmFy\"",
	};
	static const uint8_t hi[] = {0xff, 0xfe, 0xfd, 0x00, 0x10};
	size_t n;
	void *copy;

	/* RFC 4648 section 10 vectors, lengths 0..6 */
	for (n = 0; n <= 6; n++) {
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, "foobar", n);
		ob_json_base64(&fx->ob, copy, n);
		free(copy);
		assert_string_equal(take(fx), want[n]);
	}
	ob_json_base64(&fx->ob, hi, 1);
	assert_string_equal(take(fx), "\"/w==\"");
	ob_json_base64(&fx->ob, hi, 2);
	assert_string_equal(take(fx), "\"//4=\"");
	ob_json_base64(&fx->ob, hi, 3);
	assert_string_equal(take(fx), "\"//79\"");
	ob_json_base64(&fx->ob, hi, 5);
	assert_string_equal(take(fx), "\"//79ABA=\"");
}

/* base64 the slow, obvious way: 6 bits at a time. */
static char *ref_base64(const uint8_t *s, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 3), *o = out;
	size_t bit;

	assert_non_null(out);
	*o++ = '"';
	for (bit = 0; bit < n * 8; bit += 6) {
		unsigned v = 0, k;

		for (k = 0; k < 6; k++) {
			size_t b = bit + k;

			v = v << 1 | (b < n * 8 ? (s[b / 8] >> (7 - b % 8)) & 1 : 0);
		}
		*o++ = abc[v];
	}
	while ((o - out - 1) % 4)
		*o++ = '=';
	*o++ = '"';
	*o = '\0';
	return out;
}

/*
 * Every length from 0 to 300 at every start offset 0..3, of bytes covering all 256 values:
 * the long rounds (24 bytes with AVX2, 6 without) and every tail, against the obvious way.
 */
static void test_base64_long(void **state)
{
	struct fx *fx = *state;
	uint8_t src[304 + 3];
	size_t n, off, i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 167 + 13);
	for (off = 0; off < 4; off++) {
		for (n = 0; n <= 300; n++) {
			uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees any overread */
			char *want;

			assert_non_null(copy);
			memcpy(copy, src + off, n);
			want = ref_base64(copy, n);
			ob_json_base64(&fx->ob, copy, n);
			assert_string_equal(take(fx), want);
			free(want);
			free(copy);
		}
	}
}

static const char *jtime(struct fx *fx, int64_t sec, uint32_t nsec)
{
	ob_json_time(&fx->ob, sec, nsec);
	return take(fx);
}

static void test_time_fixed(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(jtime(fx, 0, 0), "\"1970-01-01T00:00:00.000000000Z\"");
	assert_string_equal(jtime(fx, 0x6b02626e, 288720838), "\"2026-11-22T03:33:02.288720838Z\"");
	assert_string_equal(jtime(fx, 1709164800, 0), "\"2024-02-29T00:00:00.000000000Z\"");
	assert_string_equal(jtime(fx, 1709251199, 999999999), "\"2024-02-29T23:59:59.999999999Z\"");
	assert_string_equal(jtime(fx, 1709251200, 1), "\"2024-03-01T00:00:00.000000001Z\"");
	assert_string_equal(jtime(fx, 951782400, 0), "\"2000-02-29T00:00:00.000000000Z\"");
	assert_string_equal(jtime(fx, -2203891200, 0), "\"1900-03-01T00:00:00.000000000Z\"");
	assert_string_equal(jtime(fx, -2203891201, 0), "\"1900-02-28T23:59:59.000000000Z\"");
	assert_string_equal(jtime(fx, 1700000000, 5), "\"2023-11-14T22:13:20.000000005Z\"");
	assert_string_equal(jtime(fx, 253402300799, 999999999),
			    "\"9999-12-31T23:59:59.999999999Z\"");
	assert_string_equal(jtime(fx, -62135596800, 0), "\"0001-01-01T00:00:00.000000000Z\"");
}

static void test_time_negative(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(jtime(fx, -1, 0), "\"1969-12-31T23:59:59.000000000Z\"");
	assert_string_equal(jtime(fx, -1, 500000000), "\"1969-12-31T23:59:59.500000000Z\"");
	assert_string_equal(jtime(fx, -86400, 0), "\"1969-12-31T00:00:00.000000000Z\"");
	assert_string_equal(jtime(fx, -86401, 0), "\"1969-12-30T23:59:59.000000000Z\"");
	assert_string_equal(jtime(fx, -31536000, 0), "\"1969-01-01T00:00:00.000000000Z\"");
}

static void test_time_out_of_range(void **state)
{
	struct fx *fx = *state;
	const char *s;

	/* nanoseconds >= 1 s carry into the seconds */
	assert_string_equal(jtime(fx, 0, 1500000000), "\"1970-01-01T00:00:01.500000000Z\"");
	assert_string_equal(jtime(fx, -1, 4294967295u), "\"1970-01-01T00:00:03.294967295Z\"");
	/* beyond year 9999: not RFC 3339 any more, still one JSON string */
	assert_string_equal(jtime(fx, 253402300800, 0), "\"10000-01-01T00:00:00.000000000Z\"");
	s = jtime(fx, INT64_MIN, 0);
	assert_int_equal(s[0], '"');
	assert_string_equal(s + strlen(s) - 2, "Z\"");
	s = jtime(fx, INT64_MAX, 4294967295u);
	assert_int_equal(s[0], '"');
	assert_string_equal(s + strlen(s) - 2, "Z\"");
}

/* Our date arithmetic against the C library over +-300 years, at odd steps. */
static void test_time_vs_gmtime(void **state)
{
	struct fx *fx = *state;
	char want[64];
	struct tm tm;
	int64_t sec;
	time_t t;

	for (sec = -9467280000; sec < 9467280000; sec += 86400 * 7 + 3607) {
		t = (time_t)sec;
		assert_non_null(gmtime_r(&t, &tm));
		snprintf(want, sizeof(want), "\"%04d-%02d-%02dT%02d:%02d:%02d.000000123Z\"",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
		assert_string_equal(jtime(fx, sec, 123), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_obuf_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_obuf_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_str_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_str_control_chars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_str_valid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_str_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_str_long, setup, teardown),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test_setup_teardown(test_double, setup, teardown),
		cmocka_unit_test_setup_teardown(test_float, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integers_and_hex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base64_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_fixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_negative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_vs_gmtime, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

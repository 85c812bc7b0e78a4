// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_jsonmp.c - JSON event text to msgpack (loader/jsonmp.c).
 *
 * Scalars and headers are compared byte for byte against the msgpack spec; whole events
 * are decoded back with mpjson (msgpack -> JSON) and must read as the text they came from.
 * Inputs are copied into heap blocks of exactly their size so ASan sees any over-read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonmp.h"
#include "mpjson.h"

static int to_mp(const char *json, struct obuf *ob, struct jsonmp_meta *meta)
{
	size_t n = strlen(json);
	char *copy = malloc(n ? n : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, json, n);
	ob_init(ob);
	err = jsonmp_event(copy, n, ob, meta);
	free(copy);
	return err;
}

/* JSON -> msgpack must give exactly the bytes `want` (n of them). */
static void expect_bytes(const char *json, const char *want, size_t n)
{
	struct obuf ob;

	assert_int_equal(to_mp(json, &ob, NULL), 0);
	assert_int_equal(ob.len, n);
	assert_memory_equal(ob.buf, want, n);
	ob_free(&ob);
}

#define EXPECT(json, lit) expect_bytes(json, lit, sizeof(lit) - 1)

static void test_scalars(void **state)
{
	EXPECT("null", "\xc0");
	EXPECT("true", "\xc3");
	EXPECT("false", "\xc2");
	EXPECT("0", "\x00");
	EXPECT("127", "\x7f");
	EXPECT("128", "\xcc\x80");
	EXPECT("255", "\xcc\xff");
	EXPECT("256", "\xcd\x01\x00");
	EXPECT("65536", "\xce\x00\x01\x00\x00");
	EXPECT("4294967296", "\xcf\x00\x00\x00\x01\x00\x00\x00\x00");
	EXPECT("18446744073709551615", "\xcf\xff\xff\xff\xff\xff\xff\xff\xff");
	EXPECT("-1", "\xff");
	EXPECT("-32", "\xe0");
	EXPECT("-33", "\xd0\xdf");
	EXPECT("-129", "\xd1\xff\x7f");
	EXPECT("-32769", "\xd2\xff\xff\x7f\xff");
	EXPECT("-2147483649", "\xd3\xff\xff\xff\xff\x7f\xff\xff\xff");
	EXPECT("-9223372036854775808", "\xd3\x80\x00\x00\x00\x00\x00\x00\x00");
	EXPECT("1.5", "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00");
	EXPECT("42.0", "\xcb\x40\x45\x00\x00\x00\x00\x00\x00");
	EXPECT("-2e3", "\xcb\xc0\x9f\x40\x00\x00\x00\x00\x00");
	/* beyond 64 bits: a double, not a wrapped integer */
	EXPECT("18446744073709551616", "\xcb\x43\xf0\x00\x00\x00\x00\x00\x00");
	EXPECT("-9223372036854775809", "\xcb\xc3\xe0\x00\x00\x00\x00\x00\x00");
}

static void test_strings(void **state)
{
	char json[80000], want[80000];
	size_t i;

	EXPECT("\"\"", "\xa0");
	EXPECT("\"abc\"", "\xa3" "abc");
	EXPECT("\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\"", "\xac" "a\"b\\c/d\n\t\r\b\f");
	EXPECT("\"\\u00e9\\u2028\"", "\xa5" "\xc3\xa9\xe2\x80\xa8");
	EXPECT("\"\\ud83d\\ude00\"", "\xa4" "\xf0\x9f\x98\x80"); /* a surrogate pair */
	EXPECT("\"\\ud83dx\"", "\xa4" "\xef\xbf\xbd" "x");	 /* a lone one: U+FFFD */
	EXPECT("\"h\xc3\xa9\"", "\xa3" "h\xc3\xa9");		 /* UTF-8 passes through */
	/* every header width: fixstr up to 31, str8, str16, str32 */
	static const size_t lens[] = { 31, 32, 255, 256, 65535, 65536 };
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i], h;
		struct obuf ob;

		json[0] = '"';
		memset(json + 1, 'x', n);
		json[n + 1] = '"';
		json[n + 2] = 0;
		if (n < 32) {
			want[0] = (char)(0xa0 | n);
			h = 1;
		} else if (n < 256) {
			want[0] = (char)0xd9;
			want[1] = (char)n;
			h = 2;
		} else if (n < 65536) {
			want[0] = (char)0xda;
			want[1] = (char)(n >> 8);
			want[2] = (char)n;
			h = 3;
		} else {
			memcpy(want, "\xdb\x00\x01\x00\x00", 5);
			h = 5;
		}
		memset(want + h, 'x', n);
		assert_int_equal(to_mp(json, &ob, NULL), 0);
		assert_int_equal(ob.len, h + n);
		assert_memory_equal(ob.buf, want, h + n);
		ob_free(&ob);
	}
}

static void test_containers(void **state)
{
	EXPECT("[]", "\x90");
	EXPECT("{}", "\x80");
	EXPECT(" [ 1 , [ ] , { \"a\" : null } ] ", "\x93\x01\x90\x81\xa1" "a\xc0");
	EXPECT("{\"k\":[true,false]}", "\x81\xa1k\x92\xc3\xc2");
	/* 16 elements: array16; 16 pairs: map16 */
	EXPECT("[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]",
	       "\xdc\x00\x10\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f");
	EXPECT("{\"a\":0,\"b\":0,\"c\":0,\"d\":0,\"e\":0,\"f\":0,\"g\":0,\"h\":0,"
	       "\"i\":0,\"j\":0,\"k\":0,\"l\":0,\"m\":0,\"n\":0,\"o\":0,\"p\":0}",
	       "\xde\x00\x10\xa1" "a\x00\xa1" "b\x00\xa1" "c\x00\xa1" "d\x00\xa1" "e\x00\xa1"
	       "f\x00\xa1" "g\x00\xa1" "h\x00\xa1" "i\x00\xa1" "j\x00\xa1" "k\x00\xa1" "l\x00"
	       "\xa1" "m\x00\xa1" "n\x00\xa1" "o\x00\xa1" "p\x00");
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"",	  " ",	   "[",	       "[1,]",	   "{\"a\"}", "{\"a\":1,}", "{1:2}",
		"nul",	  "tru",   "01x",      "1.",	   "1e",      "-",	    "\"abc",
		"\"\\x\"", "\"\\u12\"", "\"a\nb\"", "[1] [2]", "1 2",    "+1",	    ".5",
	};
	struct obuf ob;
	size_t i;
	char deep[200];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(to_mp(bad[i], &ob, NULL), -EINVAL);
		assert_int_equal(ob.len, 0); /* nothing appended */
		ob_free(&ob);
	}
	/* nesting deeper than the limit is refused, not recursed into */
	memset(deep, '[', 100);
	memset(deep + 100, ']', 99);
	deep[199] = 0;
	assert_int_equal(to_mp(deep, &ob, NULL), -EINVAL);
	ob_free(&ob);
}

static void test_meta(void **state)
{
	struct jsonmp_meta m;
	struct obuf ob;

	assert_int_equal(to_mp("{\"time\":\"2026-11-22T03:04:05.123456789Z\",\"event_type\":"
			       "\"uretprobe\",\"args\":{\"event_type\":\"x\",\"time\":\"y\"}}",
			       &ob, &m),
			 0);
	assert_string_equal(m.event_type, "uretprobe");
	assert_true(m.has_time);
	assert_int_equal(m.sec, 1795316645);
	assert_int_equal(m.nsec, 123456789);
	ob_free(&ob);

	/* no time, a time that is not one: has_time false; a nested event_type is not ours */
	assert_int_equal(to_mp("{\"a\":{\"event_type\":\"x\"},\"time\":\"yesterday\"}", &ob, &m),
			 0);
	assert_string_equal(m.event_type, "");
	assert_false(m.has_time);
	ob_free(&ob);

	assert_int_equal(to_mp("{\"time\":\"1969-12-31T23:59:59Z\"}", &ob, &m), 0);
	assert_true(m.has_time);
	assert_int_equal(m.sec, -1);
	assert_int_equal(m.nsec, 0);
	ob_free(&ob);
}

/* A whole event and back: mpjson renders the msgpack as the JSON it came from. */
static void test_round_trip(void **state)
{
	static const char *const events[] = {
		"{\"time\":\"2026-11-22T03:04:05.123456789Z\",\"event_type\":\"uprobe\",\"pid\":812,"
		"\"tid\":815,\"comm\":\"flb-pipeline\",\"binary\":\"/opt/fluent-bit/bin/fluent-bit\","
		"\"function\":\"flb_input_log_append\",\"args\":{\"ins\":\"0x55d0c2a3e000\","
		"\"tag\":null,\"tag_len\":0,\"buf\":[{\"timestamp\":\"2026-11-22T03:04:05.120000000Z\","
		"\"metadata\":{},\"body\":{\"message\":\"h\xc3\xa9llo \\\"q\\\"\\n\"}}],"
		"\"buf_size\":55}}",
		"{\"event_type\":\"uretprobe\",\"retval\":-22,\"duration_ns\":18446744073709551615,"
		"\"ratio\":0.25,\"ok\":true,\"list\":[1,-1,[],{}]}",
	};
	struct obuf mp, back;
	struct mpj_scan scan;
	size_t i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		assert_int_equal(to_mp(events[i], &mp, NULL), 0);
		ob_init(&back);
		mpj_stream_to_json(&back, mp.buf, mp.len, &scan);
		assert_int_equal(scan.status, MPJ_OK);
		assert_int_equal(scan.nobjs, 1);
		ob_putc(&back, 0);
		assert_string_equal(back.buf, events[i]);
		ob_free(&back);
		ob_free(&mp);
	}
}

/* Appends after what the buffer holds; a failure leaves it as it was. */
static void test_appends(void **state)
{
	struct obuf ob;

	ob_init(&ob);
	ob_write(&ob, "AB", 2);
	assert_int_equal(jsonmp_event("[1]", 3, &ob, NULL), 0);
	assert_int_equal(jsonmp_event("[1,", 3, &ob, NULL), -EINVAL);
	assert_int_equal(ob.len, 4);
	assert_memory_equal(ob.buf, "AB\x91\x01", 4);
	ob_free(&ob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),	    cmocka_unit_test(test_strings),
		cmocka_unit_test(test_containers),  cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_meta),	    cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_stats.c - --stats and --stats-json: log2 bucket boundaries, negative returns, the
 * exact text of a drawn histogram, of the periodic lines and of the exit table, the exact
 * JSON events, and the tick grid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ktrace.h"
#include "output.h"
#include "stats.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static void test_bucket_boundaries(void **state)
{
	unsigned int k;

	assert_int_equal(stats_bucket(0), 0);
	assert_int_equal(stats_bucket(1), 1);
	assert_int_equal(stats_bucket(2), 2);
	assert_int_equal(stats_bucket(3), 2);
	for (k = 1; k < 64; k++) {
		/* 2^k - 1 is the last value of bucket k, 2^k the first of bucket k + 1 */
		assert_int_equal(stats_bucket((1ULL << k) - 1), k);
		assert_int_equal(stats_bucket(1ULL << k), k + 1);
		assert_int_equal(stats_bucket_lo(k + 1), 1ULL << k);
	}
	assert_int_equal(stats_bucket(UINT64_MAX), 64);
	assert_int_equal(PROBE_HIST_BUCKETS, 65);
	assert_int_equal(stats_bucket_lo(0), 0);
	assert_int_equal(stats_bucket_lo(1), 1);
	assert_int_equal(stats_bucket_lo(64), 1ULL << 63);
}

static void test_negative_returns(void **state)
{
	struct arg_out o = { .rd = RD_SIGNED, .size = 4 };
	struct upt_arg_val v = { .raw = 0xffffffff }; /* int -1, upper half of rax clear */

	assert_true(stats_ret_negative(&o, &v));
	v.raw = 0x7fffffff;
	assert_false(stats_ret_negative(&o, &v));
	v.raw = 0xffffffff00000000ULL; /* int 0 with garbage above: not an error */
	assert_false(stats_ret_negative(&o, &v));
	o.size = 8;
	assert_true(stats_ret_negative(&o, &v));
	o.size = 1;
	v.raw = 0x80;
	assert_true(stats_ret_negative(&o, &v));
	o = (struct arg_out){ .rd = RD_SIGNED, .size = 8 };
	v.raw = UINT64_MAX;
	assert_true(stats_ret_negative(&o, &v));
	v.flags = UPT_ARG_LOC_FAULT; /* not read: not an error */
	assert_false(stats_ret_negative(&o, &v));
	v.flags = 0;
	o.rd = RD_PTR;
	assert_false(stats_ret_negative(&o, &v));
	o.rd = RD_BOOL;
	assert_false(stats_ret_negative(&o, &v));
	o.rd = RD_STR;
	assert_false(stats_ret_negative(&o, &v));
}

/* The hot path on a real record: errors and the histogram; an unpaired return has no time. */
static void test_count_return(void **state)
{
	struct {
		struct upt_call_rec rec;
		struct upt_arg_val v;
	} r = { .rec = { .nargs = 1, .call_id = 7, .duration_ns = 4096 },
		.v = { .raw = 0xfffffff2 } };
	struct probe p = { .kind = PROBE_RETURN };

	p.out[0] = (struct arg_out){ .rd = RD_SIGNED, .size = 4 };
	stats_count_return(&p, &r.rec);
	r.v.raw = 0;
	r.rec.duration_ns = 8191;
	stats_count_return(&p, &r.rec);
	r.rec.call_id = 0;
	stats_count_return(&p, &r.rec);
	assert_int_equal(p.errors, 1);
	assert_int_equal(p.lat_hist[13], 2);
	for (int b = 0; b < PROBE_HIST_BUCKETS; b++)
		if (b != 13)
			assert_int_equal(p.lat_hist[b], 0);
}

static char *drawn(const uint64_t *hist)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	stats_print_hist(f, hist);
	fclose(f);
	return text;
}

static void test_hist_text(void **state)
{
	uint64_t hist[PROBE_HIST_BUCKETS] = { [0] = 1, [1] = 2, [3] = 4 };
	char *t;

	t = drawn(hist);
	assert_string_equal(
		t,
		"[0]                    1 |@@@@@@@@@@@@@                                       |\n"
		"[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[2, 4)                 0 |                                                    |\n"
		"[4, 8)                 4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
	free(t);

	/* the top of the range: 2^63 and UINT64_MAX */
	memset(hist, 0, sizeof(hist));
	hist[stats_bucket(1ULL << 62)] = 3;
	hist[stats_bucket(UINT64_MAX)] = 1;
	t = drawn(hist);
	assert_string_equal(
		t,
		"[4E, 8E)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[8E, 16E)              1 |@@@@@@@@@@@@@@@@@                                   |\n");
	free(t);

	/* K/M/G suffixes at the decades; one bucket alone is a full bar */
	memset(hist, 0, sizeof(hist));
	hist[stats_bucket(1023)] = 5;
	t = drawn(hist);
	assert_string_equal(
		t, "[512, 1K)              5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n");
	free(t);
	memset(hist, 0, sizeof(hist));
	hist[stats_bucket(1ULL << 20)] = 1;
	hist[stats_bucket(3ULL << 30)] = 1;
	t = drawn(hist);
	assert_non_null(strstr(t, "[1M, 2M)               1 |"));
	assert_non_null(strstr(t, "[512M, 1G)             0 |"));
	assert_non_null(strstr(t, "[2G, 4G)               1 |"));
	free(t);

	memset(hist, 0, sizeof(hist));
	t = drawn(hist);
	assert_string_equal(t, "");
	free(t);
}

static void test_human(void **state)
{
	char b[32];

	stats_human(b, sizeof(b), 0);
	assert_string_equal(b, "0");
	stats_human(b, sizeof(b), 1023);
	assert_string_equal(b, "1023");
	stats_human(b, sizeof(b), 1536);
	assert_string_equal(b, "1.5K");
	stats_human(b, sizeof(b), 17600);
	assert_string_equal(b, "17K");
	stats_human(b, sizeof(b), 3.0 * 1024 * 1024 * 1024);
	assert_string_equal(b, "3.0G");
}

/* A session: the entry half of a %return probe (not shown), the return, and a trace. */
struct fixture {
	struct probe entry, ret, exec;
	struct probe *probes[3];
	struct stats *st;
	struct obuf ob;
	char *text;
	size_t len;
	FILE *f;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->entry = (struct probe){ .binary = "/opt/x/flb", .func = "flb_input_log_append",
				    .kind = PROBE_RETURN_ENTRY };
	fx->ret = (struct probe){ .binary = "/opt/x/flb", .func = "flb_input_log_append",
				  .kind = PROBE_RETURN };
	fx->ret.out[0] = (struct arg_out){ .rd = RD_SIGNED, .size = 4 };
	fx->exec = (struct probe){ .binary = "trace", .func = "exec",
				   .kind = PROBE_TRACE };
	fx->probes[0] = &fx->entry;
	fx->probes[1] = &fx->ret;
	fx->probes[2] = &fx->exec;
	ob_init(&fx->ob);
	fx->f = open_memstream(&fx->text, &fx->len);
	assert_int_equal(stats__new(fx->probes, 3, 500 * MS, 1 * SEC, &fx->st), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	stats__free(fx->st);
	fclose(fx->f);
	free(fx->text);
	ob_free(&fx->ob);
	free(fx);
	return 0;
}

/* What was written since the last look, as strings. */
static const char *json(struct fixture *fx)
{
	ob_putc(&fx->ob, 0);
	fx->ob.len = 0;
	return fx->ob.buf;
}

static const char *text(struct fixture *fx)
{
	static char copy[8192];

	fclose(fx->f);
	snprintf(copy, sizeof(copy), "%s", fx->text);
	free(fx->text);
	fx->f = open_memstream(&fx->text, &fx->len);
	return copy;
}

static const struct timespec wall = { 1700000000, 5 };

/* The stats event a tick or the end made, rendered as the JSON sink does. */
static void render_event(struct fixture *fx, const struct stats_event *se, enum emit_format fmt)
{
	struct event ev = { .kind = EV_STATS, .type = "stats", .sec = wall.tv_sec,
			    .nsec = wall.tv_nsec, .stats = se };
	struct emit e;

	emit_init(&e, &fx->ob, fmt);
	event_render(&ev, &e);
	if (fmt == EMIT_JSON)
		ob_putc(&fx->ob, '\n');
}

static void tick(struct fixture *fx, uint64_t now, FILE *f, bool event)
{
	struct stats_event se;

	stats__tick(fx->st, now, f, event ? &se : NULL);
	if (event)
		render_event(fx, &se, EMIT_JSON);
}

static void final(struct fixture *fx, uint64_t now, FILE *f, enum emit_format fmt)
{
	struct stats_event se;

	stats__final(fx->st, now, f, &se);
	render_event(fx, &se, fmt);
}

static void test_grid(void **state)
{
	struct fixture *fx = *state;

	assert_false(stats__due(fx->st, 1 * SEC + 500 * MS - 1));
	assert_true(stats__due(fx->st, 1 * SEC + 500 * MS));
	assert_int_equal(stats__timeout_ms(fx->st, 1 * SEC + 200 * MS), 300);
	assert_int_equal(stats__timeout_ms(fx->st, 1 * SEC + 500 * MS - 1), 1);
	assert_int_equal(stats__timeout_ms(fx->st, 1 * SEC + 700 * MS), 0);
	/* a late tick (1.75 s past start) covers the time since the last; the grid resumes */
	tick(fx, 2 * SEC + 750 * MS, NULL, false);
	assert_false(stats__due(fx->st, 2 * SEC + 999 * MS));
	assert_true(stats__due(fx->st, 3 * SEC));
	assert_int_equal(stats__timeout_ms(fx->st, 2 * SEC + 750 * MS), 250);
}

static void test_ticks_and_final(void **state)
{
	struct fixture *fx = *state;

	fx->ret.events = 100;
	fx->ret.bytes = 8800;
	fx->ret.errors = 3;
	fx->ret.drops = 2;
	fx->ret.faults = 1;
	tick(fx, 1 * SEC + 500 * MS, fx->f, true);
	assert_string_equal(text(fx), "uptrace: stats +0.500s flb:flb_input_log_append%return "
				      "     200 calls/s     17KB/s      2 lost      1 faults\n");
	assert_string_equal(
		json(fx),
		"{\"time\":\"2023-11-14T22:13:20.000000005Z\",\"event_type\":\"stats\","
		"\"final\":false,\"interval_s\":0.5,\"probes\":["
		"{\"binary\":\"/opt/x/flb\",\"function\":\"flb_input_log_append\",\"return\":true,"
		"\"calls\":100,\"calls_per_s\":200.0,\"bytes\":8800,\"bytes_per_s\":17600.0,"
		"\"lost\":2,\"truncated\":0,\"faults\":1,\"errors\":3},"
		"{\"trace\":\"exec\",\"calls\":0,\"calls_per_s\":0.0,\"bytes\":0,"
		"\"bytes_per_s\":0.0,\"lost\":0,\"truncated\":0,\"faults\":0}]}\n");

	/* nothing happened for 0.75 s: one line says so; every probe is in the event */
	tick(fx, 2 * SEC + 250 * MS, fx->f, true);
	assert_string_equal(text(fx), "uptrace: stats +1.250s no calls\n");
	assert_non_null(strstr(json(fx), "\"interval_s\":0.75,\"probes\":[{\"binary\""));

	fx->ret.events = 150;
	fx->ret.bytes = 13200;
	fx->ret.lat_hist[stats_bucket(4096)] = 12;
	fx->ret.lat_hist[stats_bucket(20000)] = 6;
	fx->exec.events = 2;
	fx->exec.bytes = 512;
	final(fx, 3 * SEC, fx->f, EMIT_JSON);
	assert_string_equal(
		json(fx),
		"{\"time\":\"2023-11-14T22:13:20.000000005Z\",\"event_type\":\"stats\","
		"\"final\":true,\"interval_s\":2.0,\"probes\":["
		"{\"binary\":\"/opt/x/flb\",\"function\":\"flb_input_log_append\",\"return\":true,"
		"\"calls\":150,\"calls_per_s\":75.0,\"bytes\":13200,\"bytes_per_s\":6600.0,"
		"\"lost\":2,\"truncated\":0,\"faults\":1,\"errors\":3,"
		"\"latency_ns\":{\"count\":18,\"hist\":[{\"lo\":4096,\"hi\":8192,\"count\":12},"
		"{\"lo\":16384,\"hi\":32768,\"count\":6}]}},"
		"{\"trace\":\"exec\",\"calls\":2,\"calls_per_s\":1.0,\"bytes\":512,"
		"\"bytes_per_s\":256.0,\"lost\":0,\"truncated\":0,\"faults\":0}]}\n");
	assert_string_equal(
		text(fx),
		"uptrace: stats over 2.000 s\n"
		"probe                                calls        bytes    lost truncated  faults  errors\n"
		"flb:flb_input_log_append%return        150        13200       2         0       1       3\n"
		"trace:exec                               2          512       0         0       0       -\n"
		"\n"
		"@duration_ns[flb:flb_input_log_append%return]: 18 paired returns\n"
		"[4K, 8K)              12 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[8K, 16K)              0 |                                                    |\n"
		"[16K, 32K)             6 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n");
}

/* The last bucket's upper bound is 2^64, which no u64 holds: written out as digits. */
static void test_json_top_bucket(void **state)
{
	struct fixture *fx = *state;

	static const char mp_hist[] =
		/* "hist": [ {"lo": 2^63, "hi": 2^64 as a double, "count": 1} ] */
		"\xa4hist\x91\x83"
		"\xa2lo\xcf\x80\x00\x00\x00\x00\x00\x00\x00"
		"\xa2hi\xcb\x43\xf0\x00\x00\x00\x00\x00\x00"
		"\xa5" "count\x01";

	fx->ret.lat_hist[64] = 1;
	final(fx, 2 * SEC, NULL, EMIT_JSON);
	assert_non_null(strstr(json(fx), "\"latency_ns\":{\"count\":1,\"hist\":[{\"lo\":"
					 "9223372036854775808,\"hi\":18446744073709551616,"
					 "\"count\":1}]}"));
	/* msgpack has no integer of 2^64: the same value as a double */
	final(fx, 2 * SEC, NULL, EMIT_MSGPACK);
	assert_non_null(memmem(fx->ob.buf, fx->ob.len, mp_hist, sizeof(mp_hist) - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_boundaries),
		cmocka_unit_test(test_negative_returns),
		cmocka_unit_test(test_count_return),
		cmocka_unit_test(test_hist_text),
		cmocka_unit_test(test_human),
		cmocka_unit_test_setup_teardown(test_grid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ticks_and_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_top_bucket, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_reorder.c - the reorder buffer: time order across CPUs, the window, bounded memory,
 * late and bogus stamps, the flush.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reorder.h"
#include "uptrace.h"

#define MS 1000000ULL

/* What came out, in order: each record's stamp and its tag (hdr.tid). */
struct sink {
	uint64_t ts[8192];
	uint32_t tag[8192];
	size_t sizes[8192];
	size_t n;
};

static void collect(void *ctx, const void *data, size_t size)
{
	struct sink *s = ctx;
	const struct upt_rec_hdr *h = data;

	assert_true(s->n < 8192);
	s->sizes[s->n] = size;
	s->ts[s->n] = size >= sizeof(*h) ? h->ts_ns : 0;
	s->tag[s->n] = size >= sizeof(*h) ? h->tid : 0;
	s->n++;
}

static struct reorder *make(struct sink *s, uint64_t window, size_t max_bytes)
{
	struct reorder_opts o = { .window_ns = window, .max_bytes = max_bytes, .emit = collect,
				  .ctx = s };
	struct reorder *r;

	memset(s, 0, sizeof(*s));
	assert_int_equal(reorder__new(&o, &r), 0);
	return r;
}

static void push(struct reorder *r, uint64_t ts, uint32_t tag, size_t extra)
{
	unsigned char buf[sizeof(struct upt_rec_hdr) + 256] = { 0 };
	struct upt_rec_hdr *h = (void *)buf;

	assert_true(extra <= 256);
	h->type = UPT_REC_SIGNAL;
	h->size = sizeof(*h) + extra;
	h->ts_ns = ts;
	h->tid = tag;
	memset(buf + sizeof(*h), 0xab, extra);
	reorder__push(r, buf, sizeof(*h) + extra);
}

static void test_orders_across_cpus(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 10 * MS, 0);

	/* two CPUs hand over 30 before 10 and 20 */
	push(r, 30 * MS, 3, 0);
	push(r, 10 * MS, 1, 0);
	push(r, 20 * MS, 2, 8);
	assert_int_equal(reorder__held(r), 3);
	reorder__release(r, 100 * MS);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.tag[0], 1);
	assert_int_equal(s.tag[1], 2);
	assert_int_equal(s.tag[2], 3);
	assert_int_equal(s.sizes[1], sizeof(struct upt_rec_hdr) + 8);
	assert_int_equal(reorder__late(r), 0);
	assert_int_equal(reorder__forced(r), 0);
	reorder__free(r);
}

static void test_holds_for_the_window(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 10 * MS, 0);

	push(r, 100 * MS, 1, 0);
	push(r, 105 * MS, 2, 0);
	assert_int_equal(reorder__timeout_ms(r, 100 * MS), 10);
	assert_int_equal(reorder__timeout_ms(r, 109 * MS + 1), 1); /* rounded up */
	reorder__release(r, 109 * MS);
	assert_int_equal(s.n, 0);
	reorder__release(r, 110 * MS);
	assert_int_equal(s.n, 1);
	assert_int_equal(reorder__timeout_ms(r, 110 * MS), 5);
	reorder__release(r, 200 * MS);
	assert_int_equal(s.n, 2);
	assert_int_equal(reorder__timeout_ms(r, 200 * MS), -1);
	reorder__free(r);
}

static void test_equal_stamps_keep_arrival_order(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 1 * MS, 0);
	uint32_t i;

	for (i = 0; i < 100; i++)
		push(r, 5 * MS, i, 0);
	reorder__release(r, 10 * MS);
	assert_int_equal(s.n, 100);
	for (i = 0; i < 100; i++)
		assert_int_equal(s.tag[i], i);
	reorder__free(r);
}

static void test_random_shuffle_comes_out_sorted(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 10 * MS, 0);
	uint64_t base = 1000 * MS, ts;
	size_t i, out = 0;

	srand(7);
	/* a record a millisecond, stamps up to 5 ms off arrival, like CPUs racing to reserve;
	 * a release now and then, as the event loop does */
	for (i = 0; i < 2000; i++) {
		ts = base + i * MS + (uint64_t)(rand() % 5000) * 1000;
		push(r, ts, i, rand() % 64);
		if (i % 10 == 9) {
			reorder__release(r, base + i * MS);
			assert_true(s.n >= out);
			out = s.n;
		}
	}
	assert_true(out > 1900); /* most went out before the flush */
	reorder__flush(r);
	assert_int_equal(s.n, 2000);
	for (i = 1; i < s.n; i++)
		assert_true(s.ts[i - 1] <= s.ts[i]);
	assert_int_equal(reorder__late(r), 0);
	assert_int_equal(reorder__held(r), 0);
	reorder__free(r);
}

static void test_memory_is_bounded(void **state)
{
	struct sink s;
	/* room for about three small records */
	struct reorder *r = make(&s, 1000 * MS, 3 * (sizeof(struct upt_rec_hdr) + 64));
	uint32_t i;

	for (i = 0; i < 10; i++)
		push(r, (10 + i) * MS, i, 0);
	/* the oldest went out early, still in order; nothing was dropped */
	assert_true(reorder__held(r) <= 3);
	assert_int_equal(reorder__forced(r), 10 - reorder__held(r));
	reorder__flush(r);
	assert_int_equal(s.n, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(s.tag[i], i);
	reorder__free(r);
}

static void test_late_record_goes_out_and_is_counted(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 1 * MS, 0);

	push(r, 50 * MS, 1, 0);
	reorder__release(r, 60 * MS);
	push(r, 10 * MS, 2, 0); /* older than what already went out */
	reorder__release(r, 60 * MS);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.tag[1], 2);
	assert_int_equal(reorder__late(r), 1);
	reorder__free(r);
}

static void test_short_and_bogus_stamps(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 10 * MS, 0);
	unsigned char tiny[3] = { 1, 2, 3 };

	/* too short for a header: no stamp, out with the next release */
	reorder__push(r, tiny, sizeof(tiny));
	reorder__push(r, tiny, 0);
	/* a stamp at the end of time does not wrap round: it waits for the flush */
	push(r, UINT64_MAX - 1, 9, 0);
	reorder__release(r, 20 * MS);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.sizes[0], 3);
	assert_int_equal(s.sizes[1], 0);
	assert_int_equal(reorder__timeout_ms(r, 20 * MS), 60000);
	reorder__release(r, UINT64_MAX - 2);
	assert_int_equal(s.n, 2);
	reorder__flush(r);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.tag[2], 9);
	reorder__free(r);
}

/*
 * A record earlier than more than 4096 held ones (a stamp no BPF program writes) goes out at
 * once, ahead of them all, instead of moving them; one earlier than a few takes its place.
 */
static void test_far_earlier_record_goes_out_first(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 10 * MS, 0);
	uint32_t i;

	for (i = 0; i < 5000; i++)
		push(r, 100 * MS + i, i, 0);
	push(r, 5, 99999, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.tag[0], 99999);
	assert_int_equal(reorder__held(r), 5000);
	/* a few positions back: held, in its place */
	push(r, 100 * MS + 4997, 88888, 0);
	assert_int_equal(reorder__held(r), 5001);
	reorder__flush(r);
	assert_int_equal(s.n, 5002);
	assert_int_equal(s.tag[4998], 4997);
	assert_int_equal(s.tag[4999], 88888);
	assert_int_equal(s.tag[5000], 4998);
	for (i = 1; i < 4998; i++)
		assert_int_equal(s.tag[i], i - 1);
	assert_int_equal(reorder__late(r), 0);
	reorder__free(r);
}

/* Blocks are reused: a long run of records, each freed when emitted, grows nothing. */
static void test_blocks_are_reused(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 1 * MS, 0);
	uint32_t i;

	for (i = 0; i < 4000; i++) {
		push(r, (uint64_t)i * MS, i % 4096, (i * 37) % 200);
		reorder__release(r, (uint64_t)i * MS); /* one held at a time */
		if (s.n == 4000)
			s.n = 0;
	}
	reorder__flush(r);
	assert_int_equal(reorder__held(r), 0);
	assert_int_equal(reorder__late(r), 0);
	reorder__free(r); /* ASan: every block freed, from the ring and the free lists */
}

static void test_free_with_records_held(void **state)
{
	struct sink s;
	struct reorder *r = make(&s, 10 * MS, 0);

	push(r, 1, 1, 100);
	push(r, 2, 2, 200);
	reorder__free(r); /* ASan: no leak */
	reorder__free(NULL);
	assert_int_equal(s.n, 0);
	assert_true(reorder_now_ns() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders_across_cpus),
		cmocka_unit_test(test_holds_for_the_window),
		cmocka_unit_test(test_equal_stamps_keep_arrival_order),
		cmocka_unit_test(test_random_shuffle_comes_out_sorted),
		cmocka_unit_test(test_memory_is_bounded),
		cmocka_unit_test(test_late_record_goes_out_and_is_counted),
		cmocka_unit_test(test_short_and_bogus_stamps),
		cmocka_unit_test(test_far_earlier_record_goes_out_first),
		cmocka_unit_test(test_blocks_are_reused),
		cmocka_unit_test(test_free_with_records_held),
	};

	return cmocka_run_group_tests_name("reorder", tests, NULL, NULL);
}

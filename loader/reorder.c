// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reorder.c - a time-ordered hold of ring-buffer records (see reorder.h for why).
 *
 * Records come nearly sorted: a record is out of order only by the little time between a
 * stamp and a reservation on another CPU.  So the held records are a ring kept sorted by
 * (stamp, arrival number): a push appends, and only a record that is earlier than the last
 * one moves back past the few it overtook (found by binary search); a pop takes the head.
 * Both are O(1) for records in order.
 *
 * The copies live in blocks of power-of-two sizes (64 bytes to the largest record) that go
 * back to a free list of their size when their record has been emitted, so once the hold has
 * seen its largest burst nothing is allocated per record.  The free lists keep at most
 * max_bytes, so a burst's memory is not held for ever.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reorder.h"
#include "uptrace.h"

#define MIN_CLASS 6  /* 64-byte blocks */
#define MAX_SHIFT 4096 /* held records a record earlier than them all may move */
#define NCLASSES  32 /* up to 2^37: beyond any ring-buffer record */

struct held {
	uint64_t ts;
	uint64_t seq;
	size_t size;
	void *data; /* a block of class_of(size) */
};

struct reorder {
	struct reorder_opts opts;
	struct held *ring; /* held records, sorted; ring[(head + i) & (cap - 1)] is the i-th */
	size_t cap, head, n;
	size_t bytes;	   /* held, with bookkeeping */
	void *free_blocks[NCLASSES]; /* each block's first word links to the next */
	size_t free_bytes;
	uint64_t seq;
	uint64_t last_ts; /* stamp of the last record emitted */
	uint64_t forced, late;
};

#define HELD_OVERHEAD 64 /* bookkeeping charged per record against max_bytes */

uint64_t reorder_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int reorder__new(const struct reorder_opts *o, struct reorder **out)
{
	struct reorder *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->opts = *o;
	if (!r->opts.max_bytes)
		r->opts.max_bytes = REORDER_DEF_MAX_BYTES;
	*out = r;
	return 0;
}

static unsigned int class_of(size_t size)
{
	unsigned int c = MIN_CLASS;

	while (c < NCLASSES - 1 && ((size_t)1 << c) < size)
		c++;
	return c;
}

static void *block_get(struct reorder *r, size_t size)
{
	unsigned int c = class_of(size);
	void *b = r->free_blocks[c];

	if (!b)
		return malloc((size_t)1 << c);
	memcpy(&r->free_blocks[c], b, sizeof(void *));
	r->free_bytes -= (size_t)1 << c;
	return b;
}

static void block_put(struct reorder *r, void *b, size_t size)
{
	unsigned int c = class_of(size);

	if (r->free_bytes + ((size_t)1 << c) > r->opts.max_bytes) {
		free(b);
		return;
	}
	memcpy(b, &r->free_blocks[c], sizeof(void *));
	r->free_blocks[c] = b;
	r->free_bytes += (size_t)1 << c;
}

static struct held *at(const struct reorder *r, size_t i)
{
	return &r->ring[(r->head + i) & (r->cap - 1)];
}

static bool before(const struct held *a, const struct held *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static void emit(struct reorder *r, uint64_t ts, const void *data, size_t size)
{
	if (ts < r->last_ts)
		r->late++;
	else
		r->last_ts = ts;
	r->opts.emit(r->opts.ctx, data, size);
}

/* Emit and free the oldest held record. */
static void pop(struct reorder *r)
{
	struct held top = *at(r, 0);

	r->head = (r->head + 1) & (r->cap - 1);
	r->n--;
	r->bytes -= top.size + HELD_OVERHEAD;
	emit(r, top.ts, top.data, top.size);
	block_put(r, top.data, top.size);
}

/* Room for one more record in the ring: twice the room, the held ones unwrapped. */
static int grow(struct reorder *r)
{
	size_t cap = r->cap ? r->cap * 2 : 256, i;
	struct held *ring = malloc(cap * sizeof(*ring));

	if (!ring)
		return -ENOMEM;
	for (i = 0; i < r->n; i++)
		ring[i] = *at(r, i);
	free(r->ring);
	r->ring = ring;
	r->cap = cap;
	r->head = 0;
	return 0;
}

/* Where x goes: after the last held record not later than it. */
static size_t place_of(const struct reorder *r, const struct held *x)
{
	size_t lo = 0, hi = r->n, mid;

	if (!r->n || !before(x, at(r, r->n - 1)))
		return r->n; /* in order: the common case */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (before(x, at(r, mid)))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void insert(struct reorder *r, const struct held *x, size_t place)
{
	size_t i;

	for (i = r->n; i > place; i--)
		*at(r, i) = *at(r, i - 1);
	*at(r, place) = *x;
	r->n++;
}

static uint64_t stamp_of(const void *data, size_t size)
{
	const struct upt_rec_hdr *h = data;

	return size >= sizeof(*h) ? h->ts_ns : 0;
}

int reorder__push(struct reorder *r, const void *data, size_t size)
{
	struct held x = { .ts = stamp_of(data, size), .seq = r->seq++, .size = size };
	size_t place;

	/* keep within max_bytes: what is oldest goes out first, even if early */
	while (r->n && r->bytes + size + HELD_OVERHEAD > r->opts.max_bytes) {
		r->forced++;
		pop(r);
	}
	place = place_of(r, &x);
	/* earlier than a great many held records (a stamp the BPF side did not write, or a
	 * record too short for one): it goes out now, ahead of them all, rather than moving
	 * every one of them */
	if (!place && r->n > MAX_SHIFT) {
		emit(r, x.ts, data, size);
		return 0;
	}
	if (r->n == r->cap && grow(r))
		goto now;
	x.data = block_get(r, size ?: 1);
	if (!x.data)
		goto now;
	memcpy(x.data, data, size);
	insert(r, &x, place);
	r->bytes += size + HELD_OVERHEAD;
	return 0;
now:
	r->forced++;
	emit(r, x.ts, data, size);
	return -ENOMEM;
}

/* When a record stamped ts may go out; a bogus stamp near the end of time waits for the
 * flush (or for memory to run short) instead of wrapping round. */
static uint64_t due_of(const struct reorder *r, uint64_t ts)
{
	return ts > UINT64_MAX - r->opts.window_ns ? UINT64_MAX : ts + r->opts.window_ns;
}

void reorder__release(struct reorder *r, uint64_t now_ns)
{
	while (r->n && due_of(r, at(r, 0)->ts) <= now_ns)
		pop(r);
}

void reorder__flush(struct reorder *r)
{
	while (r->n)
		pop(r);
}

int reorder__timeout_ms(const struct reorder *r, uint64_t now_ns)
{
	uint64_t due, ms;

	if (!r->n)
		return -1;
	due = due_of(r, at(r, 0)->ts);
	if (due <= now_ns)
		return 0;
	ms = (due - now_ns + 999999) / 1000000;
	return ms > 60000 ? 60000 : (int)ms;
}

size_t reorder__held(const struct reorder *r)
{
	return r->n;
}

uint64_t reorder__forced(const struct reorder *r)
{
	return r->forced;
}

uint64_t reorder__late(const struct reorder *r)
{
	return r->late;
}

void reorder__free(struct reorder *r)
{
	unsigned int c;
	size_t i;
	void *b;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(at(r, i)->data);
	for (c = 0; c < NCLASSES; c++) {
		while ((b = r->free_blocks[c])) {
			memcpy(&r->free_blocks[c], b, sizeof(void *));
			free(b);
		}
	}
	free(r->ring);
	free(r);
}

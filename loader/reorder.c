// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reorder.c - a time-ordered hold of ring-buffer records (see reorder.h for why).
 *
 * A binary min-heap of copies keyed by (stamp, arrival number): records come nearly
 * sorted, so a push is usually one comparison and a pop log(n).  Each copy is one
 * allocation that the emit callback reads in place and that is freed right after.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reorder.h"
#include "uptrace.h"

struct held {
	uint64_t ts;
	uint64_t seq;
	size_t size;
	void *data;
};

struct reorder {
	struct reorder_opts opts;
	struct held *heap;
	size_t n, cap;
	size_t bytes; /* held, with bookkeeping */
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

static bool before(const struct held *a, const struct held *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static void sift_up(struct held *h, size_t i)
{
	struct held x = h[i];

	while (i > 0 && before(&x, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

static void sift_down(struct held *h, size_t n, size_t i)
{
	struct held x = h[i];
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
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
	struct held top = r->heap[0];

	r->heap[0] = r->heap[--r->n];
	if (r->n)
		sift_down(r->heap, r->n, 0);
	r->bytes -= top.size + HELD_OVERHEAD;
	emit(r, top.ts, top.data, top.size);
	free(top.data);
}

static uint64_t stamp_of(const void *data, size_t size)
{
	const struct upt_rec_hdr *h = data;

	return size >= sizeof(*h) ? h->ts_ns : 0;
}

int reorder__push(struct reorder *r, const void *data, size_t size)
{
	struct held x = { .ts = stamp_of(data, size), .seq = r->seq++, .size = size };
	struct held *tmp;

	/* keep within max_bytes: what is oldest goes out first, even if early */
	while (r->n && r->bytes + size + HELD_OVERHEAD > r->opts.max_bytes) {
		r->forced++;
		pop(r);
	}
	if (r->n == r->cap) {
		tmp = realloc(r->heap, (r->cap * 2 + 64) * sizeof(*tmp));
		if (!tmp)
			goto now;
		r->heap = tmp;
		r->cap = r->cap * 2 + 64;
	}
	x.data = malloc(size ?: 1);
	if (!x.data)
		goto now;
	memcpy(x.data, data, size);
	r->heap[r->n] = x;
	sift_up(r->heap, r->n++);
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
	while (r->n && due_of(r, r->heap[0].ts) <= now_ns)
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
	due = due_of(r, r->heap[0].ts);
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
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		free(r->heap[i].data);
	free(r->heap);
	free(r);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stats.c - --stats and --stats-json: per-probe rates while tracing, a table and latency
 * histograms at the end, and the same numbers as "stats" events in the output stream.
 *
 * The counting happens elsewhere (output.c bumps struct probe's counters per record, the
 * tracer fills probe->drops); this module only takes differences against the snapshot of
 * the previous tick and formats.  Ticks sit on a grid, start + k * interval, so lines do not
 * drift; a tick that comes late covers the time since the previous one (rates use the time
 * that really passed) and the grid resumes after it.
 *
 * Text goes to stderr: for people.  Every probe's line names it briefly (the binary's base
 * name, the function, %return), probes idle in an interval are left out, and an interval in
 * which nothing happened still gets one "no calls" line so the reader sees time pass.  The
 * histograms are drawn the way bpftrace draws hist(): a row [lo, hi) per bucket from the
 * lowest to the highest non-empty one, the count, and a bar of '@' scaled to the largest.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"
#include "util.h"

#define HIST_BAR_WIDTH 52
#define NAME_MAX_WIDTH 60

struct stats_snap {
	uint64_t events, bytes, drops, truncated, faults, errors;
};

struct stats {
	struct probe **probes; /* the probes shown: no PROBE_RETURN_ENTRY */
	uint32_t n;
	struct stats_snap *prev;
	struct stats_snap *delta; /* the last interval's (or the totals), for its event */
	int name_width;
	uint64_t interval_ns, start_ns, last_ns, next_ns;
};

/* "flb-mini:flb_input_log_append%return", "trace:exec" */
static void probe_label(char *buf, size_t size, const struct probe *p)
{
	const char *base = strrchr(p->binary, '/');

	snprintf(buf, size, "%s:%s%s", base ? base + 1 : p->binary, p->func,
		 probe_is_return(p) ? "%return" : "");
}

static void snap(struct stats_snap *s, const struct probe *p)
{
	*s = (struct stats_snap){ p->events, p->bytes, p->drops, p->truncated, p->faults,
				  p->errors };
}

int stats__new(struct probe **probes, uint32_t nprobes, uint64_t interval_ns, uint64_t start_ns,
	       struct stats **out)
{
	struct stats *st;
	char name[256];
	uint32_t i;
	int w;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st) {
		st->probes = calloc(nprobes ?: 1, sizeof(*st->probes));
		st->prev = calloc(nprobes ?: 1, sizeof(*st->prev));
		st->delta = calloc(nprobes ?: 1, sizeof(*st->delta));
	}
	if (!st || !st->probes || !st->prev || !st->delta) {
		stats__free(st);
		upt_err("stats: out of memory");
		return -ENOMEM;
	}
	st->name_width = 5; /* "probe" */
	for (i = 0; i < nprobes; i++) {
		if (!probe_is_shown(probes[i]))
			continue;
		probe_label(name, sizeof(name), probes[i]);
		w = strlen(name);
		if (w > st->name_width)
			st->name_width = w > NAME_MAX_WIDTH ? NAME_MAX_WIDTH : w;
		snap(&st->prev[st->n], probes[i]);
		st->probes[st->n++] = probes[i];
	}
	st->interval_ns = interval_ns ?: 1;
	st->start_ns = st->last_ns = start_ns;
	st->next_ns = start_ns + st->interval_ns;
	*out = st;
	return 0;
}

void stats__free(struct stats *st)
{
	if (!st)
		return;
	free(st->probes);
	free(st->prev);
	free(st->delta);
	free(st);
}

int stats__timeout_ms(const struct stats *st, uint64_t now_ns)
{
	uint64_t ms;

	if (now_ns >= st->next_ns)
		return 0;
	ms = (st->next_ns - now_ns + 999999) / 1000000;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

bool stats__due(const struct stats *st, uint64_t now_ns)
{
	return now_ns >= st->next_ns;
}

void stats_human(char *buf, size_t size, double v)
{
	static const char suffix[] = "\0KMGTPE";
	int i = 0;

	while (v >= 1024 && i < 6) {
		v /= 1024;
		i++;
	}
	if (!i)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, v < 10 ? "%.1f%c" : "%.0f%c", v, suffix[i]);
}

static void rate_text(char *buf, size_t size, double v)
{
	snprintf(buf, size, v < 10 ? "%.1f" : "%.0f", v);
}

/* Seconds with millisecond precision, for JSON and rates that read back cleanly. */
static double secs(uint64_t ns)
{
	return round(ns / 1e6) / 1e3;
}

static double per_s(uint64_t n, uint64_t ns)
{
	return ns ? round(n * 1e12 / ns) / 1e3 : 0;
}

static void put_probe_id(struct emit *e, const struct probe *p)
{
	if (probe_is_trace(p)) {
		EMIT_KEY(e, "trace");
		emit_cstr(e, p->func);
		return;
	}
	EMIT_KEY(e, "binary");
	emit_cstr(e, p->binary);
	EMIT_KEY(e, "function");
	emit_cstr(e, p->func);
	EMIT_KEY(e, "return");
	emit_bool(e, probe_is_return(p));
}

/* The counts of one probe over ns: since the last tick, or totals. */
static void put_probe_counts(struct emit *e, const struct probe *p, const struct stats_snap *d,
			     uint64_t ns)
{
	put_probe_id(e, p);
	EMIT_KEY(e, "calls");
	emit_u64(e, d->events);
	EMIT_KEY(e, "calls_per_s");
	emit_double(e, per_s(d->events, ns));
	EMIT_KEY(e, "bytes");
	emit_u64(e, d->bytes);
	EMIT_KEY(e, "bytes_per_s");
	emit_double(e, per_s(d->bytes, ns));
	EMIT_KEY(e, "lost");
	emit_u64(e, d->drops);
	EMIT_KEY(e, "truncated");
	emit_u64(e, d->truncated);
	EMIT_KEY(e, "faults");
	emit_u64(e, d->faults);
	if (probe_is_return(p)) {
		EMIT_KEY(e, "errors");
		emit_u64(e, d->errors);
	}
}

/* "latency_ns": {"count": N, "hist": [{"lo","hi","count"}...]}, non-empty buckets only. */
static void put_hist(struct emit *e, const uint64_t *hist)
{
	uint64_t total = 0;
	unsigned int b;

	for (b = 0; b < PROBE_HIST_BUCKETS; b++)
		total += hist[b];
	EMIT_KEY(e, "latency_ns");
	emit_map(e);
	EMIT_KEY(e, "count");
	emit_u64(e, total);
	EMIT_KEY(e, "hist");
	emit_array(e);
	for (b = 0; b < PROBE_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		emit_map(e);
		EMIT_KEY(e, "lo");
		emit_u64(e, stats_bucket_lo(b));
		EMIT_KEY(e, "hi");
		/* 2^64 for the last bucket, which no u64 holds: JSON writes the number's
		 * digits, msgpack a double (2^64 exactly) */
		if (b == PROBE_HIST_BUCKETS - 1 && e->fmt == EMIT_JSON)
			ob_puts(emit_json_value(e), "18446744073709551616");
		else if (b == PROBE_HIST_BUCKETS - 1)
			emit_double(e, 18446744073709551616.0);
		else
			emit_u64(e, b ? 1ULL << b : 1);
		EMIT_KEY(e, "count");
		emit_u64(e, hist[b]);
		emit_end(e);
	}
	emit_end(e);
	emit_end(e);
}

void stats_render(const struct stats_event *se, struct emit *e)
{
	const struct stats *st = se->st;
	uint32_t i;

	EMIT_KEY(e, "final");
	emit_bool(e, se->final);
	EMIT_KEY(e, "interval_s");
	emit_double(e, secs(se->ns));
	EMIT_KEY(e, "probes");
	emit_array(e);
	for (i = 0; i < st->n; i++) {
		emit_map(e);
		put_probe_counts(e, st->probes[i], &st->delta[i], se->ns);
		if (se->final && probe_is_return(st->probes[i]))
			put_hist(e, st->probes[i]->lat_hist);
		emit_end(e);
	}
	emit_end(e);
}

static void print_line(FILE *f, const struct stats *st, const struct probe *p,
		       const struct stats_snap *d, uint64_t elapsed_ns, uint64_t ns)
{
	char name[256], calls[32], bytes[32];

	probe_label(name, sizeof(name), p);
	rate_text(calls, sizeof(calls), per_s(d->events, ns));
	stats_human(bytes, sizeof(bytes), per_s(d->bytes, ns));
	fprintf(f, "uptrace: stats +%.3fs %-*s %8s calls/s %7sB/s %6llu lost %6llu faults\n",
		elapsed_ns / 1e9, st->name_width, name, calls, bytes,
		(unsigned long long)d->drops, (unsigned long long)d->faults);
}

void stats__tick(struct stats *st, uint64_t now_ns, FILE *text, struct stats_event *ev)
{
	uint64_t ns = now_ns > st->last_ns ? now_ns - st->last_ns : 0;
	struct stats_snap now, *d;
	bool active = false;
	uint32_t i;

	for (i = 0; i < st->n; i++) {
		const struct probe *p = st->probes[i];
		const struct stats_snap *o = &st->prev[i];

		snap(&now, p);
		d = &st->delta[i];
		*d = (struct stats_snap){ now.events - o->events, now.bytes - o->bytes,
					  now.drops - o->drops, now.truncated - o->truncated,
					  now.faults - o->faults, now.errors - o->errors };
		if (text && (d->events || d->drops || d->faults)) {
			print_line(text, st, p, d, now_ns - st->start_ns, ns);
			active = true;
		}
		st->prev[i] = now;
	}
	if (text && !active)
		fprintf(text, "uptrace: stats +%.3fs no calls\n", (now_ns - st->start_ns) / 1e9);
	if (ev)
		*ev = (struct stats_event){ .st = st, .ns = ns, .final = false };
	st->last_ns = now_ns;
	while (st->next_ns <= now_ns)
		st->next_ns += st->interval_ns;
}

/* bpftrace's label of 2^power: 512, 1K, 2K, ..., 16E */
static int pow2_label(char *buf, size_t size, unsigned int power)
{
	static const char suffix[] = "\0KMGTPE";
	unsigned int decade = power / 10;

	if (!decade)
		return snprintf(buf, size, "%llu", 1ULL << power);
	return snprintf(buf, size, "%llu%c", 1ULL << (power - 10 * decade), suffix[decade]);
}

void stats_print_hist(FILE *f, const uint64_t *hist)
{
	int lo = -1, hi = -1, b, width;
	uint64_t max = 0;
	char label[48], a[16], z[16];

	for (b = 0; b < PROBE_HIST_BUCKETS; b++) {
		if (!hist[b])
			continue;
		if (lo < 0)
			lo = b;
		hi = b;
		if (hist[b] > max)
			max = hist[b];
	}
	for (b = lo; lo >= 0 && b <= hi; b++) {
		if (b < 2) {
			snprintf(label, sizeof(label), "[%d]", b);
		} else {
			pow2_label(a, sizeof(a), b - 1);
			pow2_label(z, sizeof(z), b);
			snprintf(label, sizeof(label), "[%s, %s)", a, z);
		}
		width = (int)((long double)hist[b] * HIST_BAR_WIDTH / max);
		fprintf(f, "%-16s%8llu |", label, (unsigned long long)hist[b]);
		for (int k = 0; k < HIST_BAR_WIDTH; k++)
			fputc(k < width ? '@' : ' ', f);
		fputs("|\n", f);
	}
}

static void print_table(FILE *f, const struct stats *st, uint64_t ns)
{
	char name[256];
	uint32_t i;

	fprintf(f, "uptrace: stats over %.3f s\n", ns / 1e9);
	fprintf(f, "%-*s %10s %12s %7s %9s %7s %7s\n", st->name_width, "probe", "calls",
		"bytes", "lost", "truncated", "faults", "errors");
	for (i = 0; i < st->n; i++) {
		const struct probe *p = st->probes[i];

		probe_label(name, sizeof(name), p);
		fprintf(f, "%-*s %10llu %12llu %7llu %9llu %7llu ", st->name_width, name,
			(unsigned long long)p->events, (unsigned long long)p->bytes,
			(unsigned long long)p->drops, (unsigned long long)p->truncated,
			(unsigned long long)p->faults);
		if (probe_is_return(p))
			fprintf(f, "%7llu\n", (unsigned long long)p->errors);
		else
			fprintf(f, "%7s\n", "-");
	}
	for (i = 0; i < st->n; i++) {
		const struct probe *p = st->probes[i];
		uint64_t total = 0;

		if (!probe_is_return(p))
			continue;
		for (int b = 0; b < PROBE_HIST_BUCKETS; b++)
			total += p->lat_hist[b];
		probe_label(name, sizeof(name), p);
		fprintf(f, "\n@duration_ns[%s]: %llu paired returns\n", name,
			(unsigned long long)total);
		stats_print_hist(f, p->lat_hist);
	}
}

void stats__final(struct stats *st, uint64_t now_ns, FILE *text, struct stats_event *ev)
{
	uint64_t ns = now_ns > st->start_ns ? now_ns - st->start_ns : 0;
	uint32_t i;

	if (ev) {
		for (i = 0; i < st->n; i++)
			snap(&st->delta[i], st->probes[i]);
		*ev = (struct stats_event){ .st = st, .ns = ns, .final = true };
	}
	if (text)
		print_table(text, st, ns);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * output.c - BPF records to NDJSON events.
 *
 * The record comes from the kernel, but uptrace treats it like any other untrusted input:
 * the header's size must match what the ring buffer handed over, the argument count must
 * match the probe's spec, and every data slot must lie inside the record before a byte of
 * it is read.  Values are printed as DESIGN.md says: NULL pointers are null, addresses are
 * hex strings, a capture cut at --max-bytes is {"value":...,"truncated":true,"length":N},
 * a read that faulted is {"error":...,"errno":N,"address":...}.
 *
 * Kernel trace records (exec, signal, ...) are checked and their fields written by
 * ktrace.c; they share the common fields written here and count on the trace's
 * pseudo-probe (tracer.h).
 */
#include <string.h>
#include <time.h>

#include "dwarfinfo.h"
#include "ktrace.h"
#include "mpjson.h"
#include "output.h"
#include "stats.h"

#define NSEC_PER_SEC 1000000000LL

int64_t boot_to_real_offset(void)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return (real.tv_sec - boot.tv_sec) * NSEC_PER_SEC + (real.tv_nsec - boot.tv_nsec);
}

/* The stamp is untrusted: add seconds and nanoseconds apart, so no sum can overflow. */
static void put_time(struct obuf *ob, const struct render_ctx *ctx, uint64_t ts)
{
	int64_t sec = (int64_t)(ts / NSEC_PER_SEC) + ctx->boot_to_real_ns / NSEC_PER_SEC;
	int64_t nsec = (int64_t)(ts % NSEC_PER_SEC) + ctx->boot_to_real_ns % NSEC_PER_SEC;

	if (nsec < 0)
		sec--, nsec += NSEC_PER_SEC;
	else if (nsec >= NSEC_PER_SEC)
		sec++, nsec -= NSEC_PER_SEC;
	ob_json_time(ob, sec, nsec);
}

static int64_t sign_extend(uint64_t v, uint8_t size)
{
	int shift;

	if (size == 0 || size >= 8)
		return (int64_t)v;
	shift = 64 - size * 8;
	return (int64_t)(v << shift) >> shift;
}

static void put_scalar(struct obuf *ob, const struct arg_out *o, uint64_t raw)
{
	switch (o->rd) {
	case RD_SIGNED:
		ob_json_s64(ob, sign_extend(raw, o->size));
		break;
	case RD_UNSIGNED:
		ob_json_u64(ob, raw);
		break;
	case RD_BOOL:
		ob_puts(ob, raw ? "true" : "false");
		break;
	case RD_PTR:
		if (!raw) {
			ob_puts(ob, "null");
			break;
		}
		/* fallthrough */
	default:
		ob_json_hex(ob, raw);
		break;
	}
}

/* An enum: its enumerator's name, or the number when no enumerator has that value. */
static void put_enum(struct obuf *ob, const struct arg_out *o, uint64_t raw)
{
	int64_t v = sign_extend(raw, o->size);
	size_t i;

	for (i = 0; i < o->nenums; i++) {
		if (o->enums[i].value == v) {
			ob_json_cstr(ob, o->enums[i].name);
			return;
		}
	}
	ob_json_s64(ob, v);
}

static void put_base64(struct obuf *ob, const uint8_t *d, size_t n)
{
	ob_puts(ob, "{\"encoding\":\"base64\",\"data\":");
	ob_json_base64(ob, d, n);
	ob_putc(ob, '}');
}

/* Length of valid UTF-8 text, allowing a multi-byte sequence cut by the end of a capture. */
static bool text_like(const uint8_t *d, size_t n, bool cut)
{
	size_t k;

	if (utf8_valid(d, n))
		return true;
	if (!cut)
		return false;
	for (k = 1; k <= 3 && k <= n; k++)
		if ((d[n - k] & 0xc0) != 0x80)
			return (d[n - k] & 0xc0) == 0xc0 && utf8_valid(d, n - k);
	return false;
}

/*
 * A msgpack capture: the complete objects as JSON.  When the bytes end mid-object because
 * the capture was cut, that is the truncation the caller reports; anything else that is
 * not msgpack is an error that carries the raw bytes.
 */
static void put_msgpack(struct obuf *ob, const uint8_t *d, size_t n, bool cut)
{
	struct mpj_scan scan;
	size_t mark = ob->len;

	mpj_stream_to_json(ob, d, n, &scan);
	if (scan.status == MPJ_OK || (scan.status == MPJ_INCOMPLETE && cut))
		return;
	ob_truncate(ob, mark);
	ob_printf(ob, "{\"error\":\"%s msgpack at byte %zu\",\"value\":",
		  scan.status == MPJ_INCOMPLETE ? "incomplete" : "invalid", scan.valid_len);
	mpj_stream_to_json(ob, d, n, &scan);
	ob_puts(ob, ",\"encoding\":\"base64\",\"data\":");
	ob_json_base64(ob, d, n);
	ob_putc(ob, '}');
}

static void put_auto(struct obuf *ob, const uint8_t *d, size_t n, bool cut)
{
	struct mpj_scan scan;

	mpj_scan(d, n, &scan);
	if (scan.nobjs && scan.containers &&
	    (scan.status == MPJ_OK || (scan.status == MPJ_INCOMPLETE && cut)))
		put_msgpack(ob, d, n, cut);
	else if (text_like(d, n, cut))
		ob_json_str(ob, d, n);
	else
		put_base64(ob, d, n);
}

static void put_buffer(struct obuf *ob, const struct arg_out *o, const uint8_t *d, size_t n,
		       bool cut)
{
	switch (o->rd) {
	case RD_STR:
		ob_json_str(ob, d, strnlen((const char *)d, n));
		break;
	case RD_MSGPACK:
		put_msgpack(ob, d, n, cut);
		break;
	case RD_AUTO:
		put_auto(ob, d, n, cut);
		break;
	default:
		put_base64(ob, d, n);
		break;
	}
}

void render_arg(struct obuf *ob, const struct arg_out *o, const struct upt_arg_val *v,
		const uint8_t *data)
{
	bool cut = v->flags & UPT_ARG_TRUNC;

	if (o->rd == RD_UNSUPPORTED || (v->flags & UPT_ARG_NOLOC)) {
		ob_puts(ob, "\"<optimized out>\"");
		return;
	}
	if (v->flags & (UPT_ARG_FAULT | UPT_ARG_LOC_FAULT)) {
		ob_printf(ob, "{\"error\":\"%s\",\"errno\":%d,\"address\":",
			  v->flags & UPT_ARG_LOC_FAULT ? "cannot read the argument"
						       : "cannot read user memory",
			  -v->err);
		ob_json_hex(ob, v->raw);
		ob_putc(ob, '}');
		return;
	}
	if (o->rd == RD_ENUM) {
		put_enum(ob, o, v->raw);
		return;
	}
	if (o->rd < RD_STR) {
		put_scalar(ob, o, v->raw);
		return;
	}
	if (v->flags & UPT_ARG_NULL) {
		ob_puts(ob, "null");
		return;
	}
	if (cut)
		ob_puts(ob, "{\"value\":");
	put_buffer(ob, o, data, v->len, cut);
	if (cut)
		ob_printf(ob, ",\"truncated\":true,\"length\":%u}", v->full_len);
}

static void put_common(struct obuf *ob, const struct render_ctx *ctx,
		       const struct upt_rec_hdr *h, const char *type)
{
	ob_puts(ob, "{\"time\":");
	put_time(ob, ctx, h->ts_ns);
	ob_printf(ob, ",\"event_type\":\"%s\",\"pid\":%u,\"tid\":%u,\"comm\":", type, h->pid,
		  h->tid);
	ob_json_str(ob, h->comm, strnlen(h->comm, sizeof(h->comm)));
}

/* Check a call record against its probe; NULL when it does not add up. */
static struct probe *check_call(struct render_ctx *ctx, const struct upt_call_rec *rec,
				size_t size)
{
	const struct upt_arg_val *v = (const void *)(rec + 1);
	struct probe *p;
	uint64_t need;
	uint32_t i;

	if (size < sizeof(*rec) || rec->hdr.size != size || rec->probe_id >= ctx->nprobes)
		return NULL;
	p = ctx->probes[rec->probe_id];
	if ((p->spec.flags & KTRACE_SPEC_FLAG) || rec->nargs != p->spec.nargs)
		return NULL;
	need = sizeof(*rec) + (uint64_t)rec->nargs * sizeof(*v);
	if (need > size)
		return NULL;
	for (i = 0; i < rec->nargs; i++) {
		if (v[i].len > v[i].slot)
			return NULL;
		need += v[i].slot;
	}
	return need <= size ? p : NULL;
}

static void put_args(struct obuf *ob, struct probe *p, const struct upt_call_rec *rec)
{
	const struct upt_arg_val *v = (const void *)(rec + 1);
	const uint8_t *d = (const uint8_t *)(v + rec->nargs);
	bool first = true;
	uint32_t i;

	for (i = 0; i < rec->nargs; i++) {
		if (v[i].flags & UPT_ARG_TRUNC)
			p->truncated++;
		if (v[i].flags & (UPT_ARG_FAULT | UPT_ARG_LOC_FAULT))
			p->faults++;
		if (p->out[i].rd != RD_HIDDEN) {
			if (!first)
				ob_putc(ob, ',');
			first = false;
			ob_json_cstr(ob, p->out[i].name);
			ob_putc(ob, ':');
			render_arg(ob, &p->out[i], &v[i], d);
		}
		d += v[i].slot;
	}
}

/* The pseudo-probe that counts kernel trace `trace`; NULL when that trace is not on. */
static struct probe *trace_probe(const struct render_ctx *ctx, unsigned int trace)
{
	uint32_t i;

	for (i = ctx->nprobes; i-- > 0;) {
		struct probe *p = ctx->probes[i];

		if (!(p->spec.flags & KTRACE_SPEC_FLAG))
			break;
		if (p->spec.pair == trace)
			return p;
	}
	return NULL;
}

static struct probe *render_kernel(struct render_ctx *ctx, struct obuf *ob, const void *data,
				   size_t size)
{
	const char *type;
	unsigned int trace;
	struct probe *p;

	type = ktrace_event_type(data, size, &trace);
	if (!type || !(p = trace_probe(ctx, trace))) {
		ctx->bad_records++;
		return NULL;
	}
	put_common(ob, ctx, data, type);
	ktrace_put_fields(ob, data, size);
	ob_puts(ob, "}\n");
	p->events++;
	p->bytes += size;
	return p;
}

struct probe *render_record(struct render_ctx *ctx, struct obuf *ob, const void *data,
			    size_t size)
{
	const struct upt_call_rec *rec = data;
	struct probe *p;
	bool ret;

	if (ktrace_is_record(data, size))
		return render_kernel(ctx, ob, data, size);
	if (size < sizeof(rec->hdr) ||
	    (rec->hdr.type != UPT_REC_CALL && rec->hdr.type != UPT_REC_RET) ||
	    !(p = check_call(ctx, rec, size)) || p->silent ||
	    (rec->hdr.type == UPT_REC_RET) != p->ret) {
		ctx->bad_records++;
		return NULL;
	}
	ret = p->ret;
	put_common(ob, ctx, &rec->hdr, ret ? "uretprobe" : "uprobe");
	ob_puts(ob, ",\"binary\":");
	ob_json_cstr(ob, p->binary);
	ob_puts(ob, ",\"function\":");
	ob_json_cstr(ob, p->func);
	if (ret) {
		/* "retval":..., then the pairing with the entry (null when it was not seen) */
		ob_putc(ob, ',');
		put_args(ob, p, rec);
		stats_count_return(p, rec);
		if (rec->call_id)
			ob_printf(ob, ",\"duration_ns\":%llu,\"call_id\":%llu",
				  (unsigned long long)rec->duration_ns,
				  (unsigned long long)rec->call_id);
		else
			ob_puts(ob, ",\"duration_ns\":null,\"call_id\":null");
	} else {
		if (rec->call_id)
			ob_printf(ob, ",\"call_id\":%llu", (unsigned long long)rec->call_id);
		ob_puts(ob, ",\"args\":{");
		put_args(ob, p, rec);
		ob_putc(ob, '}');
	}
	ob_puts(ob, "}\n");
	p->events++;
	p->bytes += size;
	return p;
}

void render_lost(struct render_ctx *ctx, struct obuf *ob, const struct probe *p, uint64_t count)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	ob_puts(ob, "{\"time\":");
	ob_json_time(ob, now.tv_sec, now.tv_nsec);
	ob_puts(ob, ",\"event_type\":\"lost\"");
	if (p && (p->spec.flags & KTRACE_SPEC_FLAG)) {
		ob_puts(ob, ",\"trace\":");
		ob_json_cstr(ob, p->func);
	} else if (p) {
		ob_puts(ob, ",\"binary\":");
		ob_json_cstr(ob, p->binary);
		ob_puts(ob, ",\"function\":");
		ob_json_cstr(ob, p->func);
	}
	ob_printf(ob, ",\"count\":%llu}\n", (unsigned long long)count);
	(void)ctx;
}

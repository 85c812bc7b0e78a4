// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * output.c - BPF records to events, and events to JSON or msgpack (see output.h).
 *
 * The record comes from the kernel, but uptrace treats it like any other untrusted input:
 * the header's size must match what the ring buffer handed over, the argument count must
 * match the probe's spec, and every data slot must lie inside the record before a byte of
 * it is read.  Values are written as docs/events.md says: NULL pointers are null, addresses
 * are hex strings, a capture cut at --max-bytes is {"value":...,"truncated":true,
 * "length":N}, a read that faulted is {"error":...,"errno":N,"address":...}.  Captured
 * msgpack becomes JSON for the JSON sinks and stays the traced program's own bytes for the
 * msgpack ones.
 *
 * Kernel trace records (exec, signal, ...) are checked and their fields written by
 * ktrace.c; they share the common fields written here and count on the trace's
 * pseudo-probe (tracer.h).  Stats events' fields are stats.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addrsym.h"
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
static void wall_time(const struct render_ctx *ctx, uint64_t ts, int64_t *psec, uint32_t *pnsec)
{
	int64_t sec = (int64_t)(ts / NSEC_PER_SEC) + ctx->boot_to_real_ns / NSEC_PER_SEC;
	int64_t nsec = (int64_t)(ts % NSEC_PER_SEC) + ctx->boot_to_real_ns % NSEC_PER_SEC;

	if (nsec < 0)
		sec--, nsec += NSEC_PER_SEC;
	else if (nsec >= NSEC_PER_SEC)
		sec++, nsec -= NSEC_PER_SEC;
	*psec = sec;
	*pnsec = (uint32_t)nsec;
}

static int64_t sign_extend(uint64_t v, uint8_t size)
{
	int shift;

	if (size == 0 || size >= 8)
		return (int64_t)v;
	shift = 64 - size * 8;
	return (int64_t)(v << shift) >> shift;
}

/*
 * A function pointer as gdb prints one: "0x55d0c2a3e189 <on_event>", the address alone
 * when no function of the process's objects holds it.
 */
static void put_func_ptr(struct emit *e, uint64_t addr, const struct arg_env *env)
{
	char sym[256], text[JSON_HEX_MAX + sizeof(sym) + 4];
	size_t n;

	if (!env || !addrsym__lookup(env->syms, env->pid, addr, sym, sizeof(sym))) {
		emit_hex(e, addr);
		return;
	}
	n = json_format_hex(text, addr);
	n += (size_t)snprintf(text + n, sizeof(text) - n, " <%s>", sym);
	emit_str(e, text, n < sizeof(text) ? n : sizeof(text) - 1);
}

static void put_scalar(struct emit *e, const struct arg_out *o, uint64_t raw,
		       const struct arg_env *env)
{
	switch (o->rd) {
	case RD_SIGNED:
		emit_s64(e, sign_extend(raw, o->size));
		break;
	case RD_UNSIGNED:
		emit_u64(e, raw);
		break;
	case RD_BOOL:
		emit_bool(e, raw);
		break;
	case RD_PTR:
		if (!raw) {
			emit_null(e);
			break;
		}
		if (o->func_ptr) {
			put_func_ptr(e, raw, env);
			break;
		}
		/* fallthrough */
	default:
		emit_hex(e, raw);
		break;
	}
}

/*
 * An enum's value v (sign-extended when the enum is signed): its enumerator's name, or the
 * number when no enumerator has that value.
 */
static void put_enumerator(struct emit *e, const struct sym_enumerator *en, size_t n, uint64_t v,
			   bool is_signed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((uint64_t)en[i].value == v) {
			emit_cstr(e, en[i].name);
			return;
		}
	}
	if (is_signed)
		emit_s64(e, (int64_t)v);
	else
		emit_u64(e, v);
}

static void put_enum(struct emit *e, const struct arg_out *o, uint64_t raw)
{
	uint64_t v = o->size && o->size < 8 ? raw & ((1ULL << o->size * 8) - 1) : raw;

	if (o->enum_signed)
		v = (uint64_t)sign_extend(raw, o->size);
	put_enumerator(e, o->enums, o->nenums, v, o->enum_signed);
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
 * The complete objects of a scanned msgpack stream, in msgpack: as the traced program made
 * them, byte for byte - one object as itself, several (or Fluent Bit log events, however
 * many) as an array of them, none as [] for no bytes and null otherwise, the shapes
 * mpj_stream_to_json() gives the JSON sinks.
 */
static void put_msgpack_objects(struct emit *e, const uint8_t *d, size_t n,
				const struct mpj_scan *scan)
{
	if (!scan->nobjs) {
		if (n)
			emit_null(e);
		else {
			emit_array(e);
			emit_end(e);
		}
		return;
	}
	if (scan->nobjs == 1 && !scan->events) {
		emit_msgpack_raw(e, d, scan->valid_len, 1);
		return;
	}
	emit_array(e);
	emit_msgpack_raw(e, d, scan->valid_len, scan->nobjs);
	emit_end(e);
}

/*
 * A msgpack capture: the complete objects.  When the bytes end mid-object because the
 * capture was cut, that is the truncation the caller reports; anything else that is not
 * msgpack is an error that carries the raw bytes.
 */
static void put_msgpack(struct emit *e, const uint8_t *d, size_t n, bool cut)
{
	struct mpj_scan scan;
	struct obuf *ob;
	char why[64];
	size_t mark;

	if (e->fmt == EMIT_JSON) {
		ob = emit_json_value(e);
		mark = ob->len;
		mpj_stream_to_json(ob, d, n, &scan);
		if (scan.status == MPJ_OK || (scan.status == MPJ_INCOMPLETE && cut))
			return;
		/* the value is the error object instead: written whole, in its place */
		ob_truncate(ob, mark);
		ob_printf(ob, "{\"error\":\"%s msgpack at byte %zu\",\"value\":",
			  scan.status == MPJ_INCOMPLETE ? "incomplete" : "invalid",
			  scan.valid_len);
		mpj_stream_to_json(ob, d, n, &scan);
		ob_puts(ob, ",\"encoding\":\"base64\",\"data\":");
		ob_json_base64(ob, d, n);
		ob_putc(ob, '}');
		return;
	}
	mpj_scan(d, n, &scan);
	if (scan.status == MPJ_OK || (scan.status == MPJ_INCOMPLETE && cut)) {
		put_msgpack_objects(e, d, n, &scan);
		return;
	}
	emit_map(e);
	EMIT_KEY(e, "error");
	emit_str(e, why, (size_t)snprintf(why, sizeof(why), "%s msgpack at byte %zu",
					  scan.status == MPJ_INCOMPLETE ? "incomplete" : "invalid",
					  scan.valid_len));
	EMIT_KEY(e, "value");
	put_msgpack_objects(e, d, n, &scan);
	EMIT_KEY(e, "data");
	emit_bin(e, d, n);
	emit_end(e);
}

static void put_auto(struct emit *e, const uint8_t *d, size_t n, bool cut)
{
	struct mpj_scan scan;

	mpj_scan(d, n, &scan);
	if (scan.nobjs && scan.containers &&
	    (scan.status == MPJ_OK || (scan.status == MPJ_INCOMPLETE && cut)))
		put_msgpack(e, d, n, cut);
	else if (text_like(d, n, cut))
		emit_str(e, d, n);
	else
		emit_bytes_value(e, d, n);
}

static void put_buffer(struct emit *e, const struct arg_out *o, const uint8_t *d, size_t n,
		       bool cut)
{
	switch (o->rd) {
	case RD_STR:
		emit_str(e, d, strnlen((const char *)d, n));
		break;
	case RD_MSGPACK:
		put_msgpack(e, d, n, cut);
		break;
	case RD_AUTO:
		put_auto(e, d, n, cut);
		break;
	default:
		emit_bytes_value(e, d, n);
		break;
	}
}

/* A float or double from its bits; JSON has no NaN or infinity: those are null. */
static void put_float(struct emit *e, uint8_t size, uint64_t raw)
{
	uint32_t u32 = (uint32_t)raw;
	double d;
	float f;

	if (size == 4) {
		memcpy(&f, &u32, sizeof(f));
		emit_float(e, f);
	} else {
		memcpy(&d, &raw, sizeof(d));
		emit_double(e, d);
	}
}

/*
 * A char array of `full` bytes, the first n captured: the text up to its first NUL, as C
 * reads it; with none there, the n bytes, "truncated" and the array's length.
 */
static void put_chars(struct emit *e, const uint8_t *d, size_t n, uint64_t full)
{
	size_t k = strnlen((const char *)d, n);

	if (k < n) {
		emit_str(e, d, k);
		return;
	}
	emit_map(e);
	EMIT_KEY(e, "value");
	emit_str(e, d, n);
	EMIT_KEY(e, "truncated");
	emit_bool(e, true);
	EMIT_KEY(e, "length");
	emit_u64(e, full);
	emit_end(e);
}

/* ---- C aggregates and bit-fields, by their DWARF shape ---------------------------------- */

/* n (1..8) bytes at d, little-endian. */
static uint64_t load_le(const uint8_t *d, uint32_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | d[n];
	return v;
}

/* An integer node's value: its bytes, or its bits for a bit-field, sign-extended. */
static uint64_t shape_int(const struct sym_shape *s, const uint8_t *d, bool *neg)
{
	uint32_t width = s->bit_size ? s->bit_size : s->size * 8;
	uint64_t v = load_le(d, s->size > 8 ? 8 : s->size);

	*neg = false;
	if (!width)
		return 0;
	if (s->bit_size) {
		/* the bits past 64 of a 9-byte unit are never asked for: symbols/ caps at 8 */
		v >>= s->bit_off;
		if (width < 64)
			v &= (1ULL << width) - 1;
	}
	if (width < 64 && s->is_signed && (v >> (width - 1)) & 1)
		v |= ~0ULL << width; /* sign-extend */
	*neg = s->is_signed && (int64_t)v < 0;
	return v;
}

static void put_shape(struct emit *e, const struct sym_shapes *sh, int32_t i, const uint8_t *d,
		      size_t n, const struct arg_env *env);

/* The members of a struct or union that were captured whole (a cut capture has fewer). */
static void put_members(struct emit *e, const struct sym_shapes *sh, const struct sym_shape *s,
			const uint8_t *d, size_t n, const struct arg_env *env)
{
	int32_t m;

	emit_map(e);
	for (m = s->child; m >= 0 && (size_t)m < sh->n; m = sh->nodes[m].next) {
		const struct sym_shape *ms = &sh->nodes[m];

		if ((uint64_t)ms->off + ms->size > n)
			continue;
		emit_key(e, ms->name ? ms->name : "?", ms->name ? strlen(ms->name) : 1);
		put_shape(e, sh, m, d + ms->off, n - ms->off, env);
	}
	emit_end(e);
}

/* The elements captured whole: as many as fit in n bytes. */
static void put_elements(struct emit *e, const struct sym_shapes *sh, const struct sym_shape *s,
			 const uint8_t *d, size_t n, const struct arg_env *env)
{
	const struct sym_shape *el;
	uint64_t k, fit;

	emit_array(e);
	if (s->child >= 0 && (size_t)s->child < sh->n) {
		el = &sh->nodes[s->child];
		fit = el->size ? n / el->size : 0;
		for (k = 0; k < s->count && k < fit; k++)
			put_shape(e, sh, s->child, d + k * el->size, n - k * el->size, env);
	}
	emit_end(e);
}

/* Bytes shown as they are: "0x" and the little-endian number they make (long double ...). */
static void put_opaque(struct emit *e, const uint8_t *d, uint32_t size)
{
	static const char hexdig[] = "0123456789abcdef";
	char tmp[2 + 2 * 64];
	uint32_t k, len = 2;

	if (size > 64)
		size = 64;
	memcpy(tmp, "0x", 2);
	for (k = size; k-- > 0;) {
		tmp[len++] = hexdig[d[k] >> 4];
		tmp[len++] = hexdig[d[k] & 0xf];
	}
	emit_str(e, tmp, len);
}

/*
 * Node i of a shape over its n bytes at d, as gdb would print it and JSON can say it:
 * structs and unions as objects, arrays as arrays, char arrays as text, pointers as
 * addresses, enums by name; a bit-field as its value.
 */
static void put_shape(struct emit *e, const struct sym_shapes *sh, int32_t i, const uint8_t *d,
		      size_t n, const struct arg_env *env)
{
	const struct sym_shape *s = &sh->nodes[i];
	bool neg;
	uint64_t v;
	size_t k;

	/* a scalar (INT .. PTR) cut short (a capture cut at --max-bytes, a record that lies)
	 * has no value */
	if (s->kind <= SYM_S_PTR && (s->size > n || s->size > 8)) {
		emit_null(e);
		return;
	}
	switch (s->kind) {
	case SYM_S_INT:
		v = shape_int(s, d, &neg);
		if (neg)
			emit_s64(e, (int64_t)v);
		else
			emit_u64(e, v);
		break;
	case SYM_S_BOOL:
		emit_bool(e, shape_int(s, d, &neg) != 0);
		break;
	case SYM_S_ENUM:
		put_enumerator(e, s->enums, s->nenums, shape_int(s, d, &neg), s->is_signed);
		break;
	case SYM_S_FLOAT:
		put_float(e, (uint8_t)s->size, load_le(d, s->size == 4 ? 4 : 8));
		break;
	case SYM_S_PTR:
		v = load_le(d, 8);
		if (!v)
			emit_null(e);
		else if (s->func)
			put_func_ptr(e, v, env);
		else
			emit_hex(e, v);
		break;
	case SYM_S_CHARS:
		emit_str(e, d, strnlen((const char *)d, s->size < n ? s->size : n));
		break;
	case SYM_S_ARRAY:
		put_elements(e, sh, s, d, s->size && s->size < n ? s->size : n, env);
		break;
	case SYM_S_STRUCT:
	case SYM_S_UNION:
		put_members(e, sh, s, d, s->size < n ? s->size : n, env);
		break;
	default:
		k = s->size < n ? s->size : n;
		/* an x87 long double is 10 bytes of its 16: the rest is padding */
		if (s->why && strstr(s->why, "long double") && k > 10)
			k = 10;
		put_opaque(e, d, (uint32_t)k);
		break;
	}
}

void render_arg_emit(struct emit *e, const struct arg_out *o, const struct upt_arg_val *v,
		     const uint8_t *data, const struct arg_env *env)
{
	bool cut = v->flags & UPT_ARG_TRUNC;

	if (o->unreadable) {
		char what[64];
		int n = snprintf(what, sizeof(what), "<%s: not readable by a uprobe>", o->unreadable);

		emit_str(e, what, (size_t)n < sizeof(what) ? (size_t)n : sizeof(what) - 1);
		return;
	}
	if (o->rd == RD_UNSUPPORTED || (v->flags & UPT_ARG_NOLOC)) {
		EMIT_STR(e, "<optimized out>");
		return;
	}
	if (v->flags & (UPT_ARG_FAULT | UPT_ARG_LOC_FAULT)) {
		emit_map(e);
		EMIT_KEY(e, "error");
		if (v->flags & UPT_ARG_LOC_FAULT)
			EMIT_STR(e, "cannot read the argument");
		else
			EMIT_STR(e, "cannot read user memory");
		EMIT_KEY(e, "errno");
		emit_s64(e, -v->err);
		EMIT_KEY(e, "address");
		emit_hex(e, v->raw);
		emit_end(e);
		return;
	}
	if (o->rd == RD_ENUM) {
		put_enum(e, o, v->raw);
		return;
	}
	if (o->rd == RD_FLOAT) {
		put_float(e, o->size, v->raw);
		return;
	}
	if (o->rd < RD_STR) {
		put_scalar(e, o, v->raw, env);
		return;
	}
	if (o->rd == RD_SHAPE && o->shape_in_raw) {
		/* a struct of at most 8 bytes passed or returned in a register */
		uint8_t raw[8];

		memcpy(raw, &v->raw, sizeof(raw));
		put_shape(e, o->shape, 0, raw, sizeof(raw), env);
		return;
	}
	if (v->flags & UPT_ARG_NULL) {
		emit_null(e);
		return;
	}
	if (o->rd == RD_SHAPE && !cut) {
		put_shape(e, o->shape, 0, data, v->len, env);
		return;
	}
	if (o->rd == RD_SHAPE) {
		/* what was captured whole, and how large the value is */
		emit_map(e);
		EMIT_KEY(e, "value");
		put_shape(e, o->shape, 0, data, v->len, env);
		EMIT_KEY(e, "truncated");
		emit_bool(e, true);
		EMIT_KEY(e, "length");
		emit_u64(e, v->full_len);
		emit_end(e);
		return;
	}
	if (o->rd == RD_CHARS) {
		put_chars(e, data, v->len, cut ? v->full_len : v->len);
		return;
	}
	if (!cut) {
		put_buffer(e, o, data, v->len, false);
		return;
	}
	emit_map(e);
	EMIT_KEY(e, "value");
	put_buffer(e, o, data, v->len, true);
	EMIT_KEY(e, "truncated");
	emit_bool(e, true);
	EMIT_KEY(e, "length");
	emit_u64(e, v->full_len);
	emit_end(e);
}

void render_arg(struct obuf *ob, const struct arg_out *o, const struct upt_arg_val *v,
		const uint8_t *data)
{
	struct emit e;

	emit_init(&e, ob, EMIT_JSON);
	render_arg_emit(&e, o, v, data, NULL);
}

/* ---- records to events ---------------------------------------------------------------- */

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
	if (probe_is_trace(p) || rec->nargs != p->spec.nargs)
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

/* The pseudo-probe that counts kernel trace `trace`; NULL when that trace is not on. */
static struct probe *trace_probe(const struct render_ctx *ctx, unsigned int trace)
{
	uint32_t i;

	for (i = ctx->nprobes; i-- > 0;) {
		struct probe *p = ctx->probes[i];

		if (!probe_is_trace(p))
			break;
		if (p->trace == trace)
			return p;
	}
	return NULL;
}

static int bad_record(struct render_ctx *ctx)
{
	ctx->bad_records++;
	return -EINVAL;
}

int event_from_record(struct render_ctx *ctx, const void *data, size_t size, struct event *ev)
{
	const struct upt_call_rec *rec = data;
	const struct upt_arg_val *v = (const void *)(rec + 1);
	unsigned int trace;
	struct probe *p;
	uint32_t i;

	memset(ev, 0, sizeof(*ev));
	ev->rec = data;
	ev->size = size;
	if (ktrace_is_record(data, size)) {
		ev->type = ktrace_event_type(data, size, &trace);
		if (!ev->type || !(p = trace_probe(ctx, trace)))
			return bad_record(ctx);
		ev->kind = EV_KERNEL;
	} else {
		if (size < sizeof(rec->hdr) ||
		    (rec->hdr.type != UPT_REC_CALL && rec->hdr.type != UPT_REC_RET) ||
		    !(p = check_call(ctx, rec, size)) || !probe_is_shown(p) ||
		    (rec->hdr.type == UPT_REC_RET) != probe_is_return(p))
			return bad_record(ctx);
		ev->kind = probe_is_return(p) ? EV_RETURN : EV_CALL;
		ev->type = probe_is_return(p) ? "uretprobe" : "uprobe";
		for (i = 0; i < rec->nargs; i++) {
			if (v[i].flags & UPT_ARG_TRUNC)
				p->truncated++;
			if (v[i].flags & (UPT_ARG_FAULT | UPT_ARG_LOC_FAULT))
				p->faults++;
		}
		if (probe_is_return(p))
			stats_count_return(p, rec);
	}
	ev->probe = p;
	ev->syms = ctx->syms;
	wall_time(ctx, rec->hdr.ts_ns, &ev->sec, &ev->nsec);
	p->events++;
	p->bytes += size;
	return 0;
}

void event_lost(struct probe *p, uint64_t count, struct event *ev)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	memset(ev, 0, sizeof(*ev));
	ev->kind = EV_LOST;
	ev->type = "lost";
	ev->sec = now.tv_sec;
	ev->nsec = now.tv_nsec;
	ev->probe = p;
	ev->count = count;
}

/* ---- events to JSON or msgpack -------------------------------------------------------- */

static void put_head(struct emit *e, const struct event *ev)
{
	emit_map(e);
	EMIT_KEY(e, "time");
	emit_time(e, ev->sec, ev->nsec);
	EMIT_KEY(e, "event_type");
	emit_cstr(e, ev->type);
}

/* The thread a record is from. */
static void put_task(struct emit *e, const struct upt_rec_hdr *h)
{
	EMIT_KEY(e, "pid");
	emit_u64(e, h->pid);
	EMIT_KEY(e, "tid");
	emit_u64(e, h->tid);
	EMIT_KEY(e, "comm");
	emit_str(e, h->comm, strnlen(h->comm, sizeof(h->comm)));
}

static void put_common(struct emit *e, const struct event *ev)
{
	put_head(e, ev);
	put_task(e, ev->rec);
}

/* "name": value for every shown argument; returns write "retval" this way too. */
static void put_args(struct emit *e, const struct event *ev)
{
	const struct upt_call_rec *rec = ev->rec;
	const struct probe *p = ev->probe;
	const struct upt_arg_val *v = (const void *)(rec + 1);
	const uint8_t *d = (const uint8_t *)(v + rec->nargs);
	const struct arg_env env = { .syms = ev->syms, .pid = (pid_t)rec->hdr.pid };
	uint32_t i;

	for (i = 0; i < rec->nargs; i++) {
		if (p->out[i].rd != RD_HIDDEN) {
			emit_key(e, p->out[i].name, strlen(p->out[i].name));
			render_arg_emit(e, &p->out[i], &v[i], d, &env);
		}
		d += v[i].slot;
	}
}

static void put_call_fields(struct emit *e, const struct event *ev)
{
	const struct probe *p = ev->probe;

	EMIT_KEY(e, "event_type");
	emit_cstr(e, ev->type);
	put_task(e, ev->rec);
	EMIT_KEY(e, "binary");
	emit_cstr(e, p->binary);
	EMIT_KEY(e, "function");
	emit_cstr(e, p->func);
}

/*
 * put_call_fields() as the probe's head cache has them for this thread, rendering them
 * there first when it has another's (or none).  Without memory for the cache they are
 * written straight.
 */
static void put_call_head(struct emit *e, const struct event *ev)
{
	const struct upt_rec_hdr *h = ev->rec;
	struct probe_head *c = &ev->probe->head[e->fmt == EMIT_MSGPACK];
	struct emit f;

	if (!c->valid || c->pid != h->pid || c->tid != h->tid ||
	    memcmp(c->comm, h->comm, sizeof(c->comm))) {
		ob_reset(&c->ob);
		c->ob.oom = false;
		emit_items_init(&f, &c->ob, e->fmt);
		put_call_fields(&f, ev);
		c->valid = ob_ok(&c->ob);
		if (!c->valid) {
			put_call_fields(e, ev);
			return;
		}
		c->items = emit_items_count(&f);
		c->pid = h->pid;
		c->tid = h->tid;
		memcpy(c->comm, h->comm, sizeof(c->comm));
	}
	emit_items(e, c->ob.buf, c->ob.len, c->items);
}

static void put_call(struct emit *e, const struct event *ev)
{
	const struct upt_call_rec *rec = ev->rec;

	emit_map(e);
	EMIT_KEY(e, "time");
	emit_time(e, ev->sec, ev->nsec);
	put_call_head(e, ev);
	if (ev->kind == EV_RETURN) {
		/* "retval":..., then the pairing with the entry (null when it was not seen) */
		put_args(e, ev);
		EMIT_KEY(e, "duration_ns");
		if (rec->call_id)
			emit_u64(e, rec->duration_ns);
		else
			emit_null(e);
		EMIT_KEY(e, "call_id");
		if (rec->call_id)
			emit_u64(e, rec->call_id);
		else
			emit_null(e);
	} else {
		if (rec->call_id) {
			EMIT_KEY(e, "call_id");
			emit_u64(e, rec->call_id);
		}
		EMIT_KEY(e, "args");
		emit_map(e);
		put_args(e, ev);
		emit_end(e);
	}
	emit_end(e);
}

static void put_lost(struct emit *e, const struct event *ev)
{
	const struct probe *p = ev->probe;

	put_head(e, ev);
	if (p && probe_is_trace(p)) {
		EMIT_KEY(e, "trace");
		emit_cstr(e, p->func);
	} else if (p) {
		EMIT_KEY(e, "binary");
		emit_cstr(e, p->binary);
		EMIT_KEY(e, "function");
		emit_cstr(e, p->func);
	}
	EMIT_KEY(e, "count");
	emit_u64(e, ev->count);
	emit_end(e);
}

void event_render(const struct event *ev, struct emit *e)
{
	switch (ev->kind) {
	case EV_CALL:
	case EV_RETURN:
		put_call(e, ev);
		break;
	case EV_KERNEL:
		put_common(e, ev);
		ktrace_put_fields(e, ev->rec, ev->size);
		emit_end(e);
		break;
	case EV_LOST:
		put_lost(e, ev);
		break;
	case EV_STATS:
		put_head(e, ev);
		stats_render(ev->stats, e);
		emit_end(e);
		break;
	}
}

void event_render_line(const struct event *ev, struct obuf *ob, enum emit_format fmt)
{
	struct emit e;

	emit_init(&e, ob, fmt);
	event_render(ev, &e);
	if (fmt == EMIT_JSON)
		ob_putc(ob, '\n');
}

struct probe *render_record(struct render_ctx *ctx, struct obuf *ob, const void *data,
			    size_t size)
{
	struct event ev;

	if (event_from_record(ctx, data, size, &ev))
		return NULL;
	event_render_line(&ev, ob, EMIT_JSON);
	return ev.probe;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_record.c - libFuzzer target: one BPF ring-buffer record -> one NDJSON event and one
 * msgpack event (event_from_record() and event_render() of loader/output.c).
 *
 * The input is the record, exactly as the ring buffer would hand it over: header, argument
 * values, data slots; its size is the size the ring buffer reports.  The probes it is
 * checked against are the fixed set of fuzz_probes.h.  Each run checks what output.h
 * promises on top of what ASan and UBSan catch:
 *  - a record that does not add up yields NULL, no output, and one more bad_records;
 *  - otherwise the probe its probe_id names (an entry probe for a call record, a return
 *    probe for a return record, never a hidden entry half), one line ending in '\n' and no other
 *    newline, and that line is one valid JSON object;
 *  - and in msgpack, exactly one whole object, a map, as msgpack-c reads it.
 * The output buffer is reused across runs, as uptrace reuses it across events.
 */
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "fuzz_common.h"
#include "fuzz_probes.h"
#include "output.h"

/* The event of a record already accepted, in msgpack: one whole map, nothing after it. */
static void check_msgpack(struct render_ctx *ctx, const uint8_t *data, size_t size)
{
	static struct obuf mp;
	msgpack_unpacked u;
	struct event ev;
	struct emit e;
	size_t off = 0;
	int ret;

	FUZZ_CHECK(!event_from_record(ctx, data, size, &ev), "accepted once, refused again");
	ob_reset(&mp);
	emit_init(&e, &mp, EMIT_MSGPACK);
	event_render(&ev, &e);
	FUZZ_CHECK(ob_ok(&mp), "out of memory rendering msgpack");
	msgpack_unpacked_init(&u);
	ret = msgpack_unpack_next(&u, mp.buf, mp.len, &off);
	FUZZ_CHECK(ret == MSGPACK_UNPACK_SUCCESS && off == mp.len &&
			   u.data.type == MSGPACK_OBJECT_MAP,
		   "msgpack event: status %d, %zu of %zu bytes, type %d", ret, off, mp.len,
		   (int)u.data.type);
	msgpack_unpacked_destroy(&u);
}

int fuzz_record_one(const uint8_t *data, size_t size)
{
	static struct probe *probes[FP_COUNT];
	static struct render_ctx ctx;
	static struct obuf ob;
	struct upt_call_rec rec;
	uint64_t bad;
	struct probe *p;
	size_t i;

	if (!ctx.probes) {
		for (i = 0; i < FP_COUNT; i++)
			probes[i] = &fuzz_probes[i];
		ctx.probes = probes;
		ctx.nprobes = FP_COUNT;
		ctx.boot_to_real_ns = FUZZ_BOOT_TO_REAL_NS;
	}
	ob_reset(&ob);
	bad = ctx.bad_records;

	p = render_record(&ctx, &ob, data, size);
	if (!p) {
		FUZZ_CHECK(ctx.bad_records == bad + 1, "bad record not counted");
		FUZZ_CHECK(ob.len == 0, "bad record, but %zu bytes of output: %.*s", ob.len,
			   (int)ob.len, ob.buf);
		return 0;
	}

	FUZZ_CHECK(ctx.bad_records == bad, "good record counted as bad");
	FUZZ_CHECK(size >= sizeof(rec), "a %zu-byte record accepted", size);
	memcpy(&rec, data, sizeof(rec));
	FUZZ_CHECK(rec.probe_id < FP_COUNT && p == probes[rec.probe_id],
		   "record of probe %u rendered as another probe", rec.probe_id);
	FUZZ_CHECK(probe_is_shown(p), "a record of a hidden entry half was rendered");
	FUZZ_CHECK((rec.hdr.type == UPT_REC_RET) == probe_is_return(p) &&
			   (rec.hdr.type == UPT_REC_RET || rec.hdr.type == UPT_REC_CALL),
		   "record type %u rendered for a%s probe", rec.hdr.type,
		   probe_is_return(p) ? " return" : "n entry");
	FUZZ_CHECK(ob_ok(&ob), "out of memory rendering a %zu-byte record", size);
	FUZZ_CHECK(ob.len >= 2 && ob.buf[0] == '{' && ob.buf[ob.len - 1] == '\n',
		   "an event is not one '{...}\\n' line: %.*s", (int)ob.len, ob.buf);
	FUZZ_CHECK(!memchr(ob.buf, '\n', ob.len - 1), "a newline inside an event line: %.*s",
		   (int)ob.len, ob.buf);
	FUZZ_CHECK_JSON(ob.buf, ob.len - 1, "render_record");
	check_msgpack(&ctx, data, size);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_record_one(data, size);
}
#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * decode_bench.c - how fast uptrace turns ring-buffer records into NDJSON, with no kernel.
 *
 * It builds uptrace's own probe for flb_input_log_append (the built-in prototype, so the
 * same argument specs and typing as `uptrace fluent-bit flb_input_log_append`), then
 * records laid out exactly as probes/uptrace.bpf.c writes them, whose buf is a Fluent Bit
 * msgpack stream of v2 log events [[EventTime, {}], {"message": "hello N", "counter": N}]
 * packed with msgpack-c, like examples/flb-mini.  Each record goes through render_record()
 * into the output buffer, written to /dev/null in 1 MiB writes as uptrace writes a file.
 * Timed with the thread's CPU clock: one core.  Prints, per batch size,
 *
 *   1 record per event: N records/s, M events/s, X MB/s of NDJSON
 *
 * and the same rendered as --format msgpack and --forward render it (the emit.h writer in
 * msgpack, Fluent Bit's records passed through as their bytes):
 *
 *   1 record per event, msgpack: N records/s, M events/s, X MB/s of msgpack
 *
 * `decode-bench -s` prints one rendered event instead, to see what is being measured.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "emit.h"
#include "json.h"
#include "output.h"
#include "probe.h"
#include "spec.h"

#define NVARIANTS 256	     /* distinct records, cycled */
#define RUN_NS	  700000000LL /* CPU time per measurement */

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* A Fluent Bit v2 log event stream of `n` records, counters from `first`. */
static void pack_events(msgpack_sbuffer *sb, unsigned int first, unsigned int n)
{
	msgpack_packer pk;
	unsigned int i;
	char msg[32], ts[8];
	uint32_t sec = htobe32(1795000000u), nsec;
	int len;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	for (i = 0; i < n; i++) {
		nsec = htobe32((first + i) * 1000u % 1000000000u);
		memcpy(ts, &sec, 4);
		memcpy(ts + 4, &nsec, 4);
		msgpack_pack_array(&pk, 2);
		msgpack_pack_array(&pk, 2);
		msgpack_pack_ext(&pk, 8, 0);
		msgpack_pack_ext_body(&pk, ts, 8);
		msgpack_pack_map(&pk, 0);
		msgpack_pack_map(&pk, 2);
		msgpack_pack_str_with_body(&pk, "message", 7);
		len = snprintf(msg, sizeof(msg), "hello %u", first + i);
		msgpack_pack_str_with_body(&pk, msg, len);
		msgpack_pack_str_with_body(&pk, "counter", 7);
		msgpack_pack_unsigned_int(&pk, first + i);
	}
}

/*
 * One call record for probe p: header, one upt_arg_val per argument, then the data of each
 * buffer argument; scalars get plausible values by name.  Returns its size.
 */
static size_t build_record(const struct probe *p, uint8_t *rec, const void *buf, size_t buf_len)
{
	struct upt_call_rec *h = (void *)rec;
	struct upt_arg_val *v = (void *)(h + 1);
	uint8_t *d = (uint8_t *)(v + p->spec.nargs);
	static const char tag[] = "app.log";
	const void *src;
	size_t n;
	uint32_t i;

	memset(h, 0, sizeof(*h) + p->spec.nargs * sizeof(*v));
	h->hdr.type = UPT_REC_CALL;
	h->hdr.ts_ns = 123456789012ULL;
	h->hdr.pid = 4242;
	h->hdr.tid = 4243;
	memcpy(h->hdr.comm, "flb-pipeline", 13);
	h->nargs = p->spec.nargs;
	for (i = 0; i < p->spec.nargs; i++) {
		const char *name = p->out[i].name ? p->out[i].name : "";

		if (p->spec.args[i].cap == UPT_CAP_SCALAR) {
			v[i].raw = !strcmp(name, "tag_len")    ? sizeof(tag) - 1 :
				   !strcmp(name, "buf_size") ? buf_len :
							       0x55aa2de6f218ULL;
			continue;
		}
		src = strcmp(name, "tag") ? buf : tag;
		n = strcmp(name, "tag") ? buf_len : sizeof(tag) - 1;
		v[i].raw = 0x7f0000001000ULL;
		v[i].full_len = v[i].len = v[i].slot = n;
		memcpy(d, src, n);
		d += n;
	}
	h->hdr.size = d - rec;
	return h->hdr.size;
}

static int build_probe(struct probe *p)
{
	const char *decl = proto_builtin("flb_input_log_append");
	struct probe_def def;
	struct proto proto;
	int err;

	if (!decl || proto_parse(decl, &proto))
		return -ENOENT;
	err = probe_def__parse("flb_input_log_append", &def);
	if (!err) {
		p->func = strdup("flb_input_log_append");
		p->binary = strdup("/opt/fluent-bit/bin/fluent-bit");
		err = probe__build(p, &def, &proto, NULL, UPT_DEF_MAX_BYTES);
		probe_def__free(&def);
	}
	proto__free(&proto);
	return err;
}

/* One record as an event in `fmt` at the end of ob, as a sink renders it. */
static bool render(struct render_ctx *ctx, struct obuf *ob, enum emit_format fmt,
		   const void *rec, size_t size)
{
	struct event ev;

	if (event_from_record(ctx, rec, size, &ev))
		return false;
	event_render_line(&ev, ob, fmt);
	return ob_ok(ob);
}

/* Render records of `per_event` log events each for RUN_NS of CPU; print the rates. */
static int run(struct probe *p, unsigned int per_event, enum emit_format fmt, int out_fd,
	       bool sample)
{
	static uint8_t recs[NVARIANTS][UPT_DEF_MAX_BYTES + 1024];
	size_t sizes[NVARIANTS], bytes = 0;
	struct render_ctx ctx = { .probes = &p, .nprobes = 1 };
	struct obuf ob;
	unsigned long events = 0;
	double t0, t;
	int i;

	for (i = 0; i < NVARIANTS; i++) {
		msgpack_sbuffer sb;

		msgpack_sbuffer_init(&sb);
		pack_events(&sb, i * per_event, per_event);
		if (sb.size > UPT_DEF_MAX_BYTES) {
			msgpack_sbuffer_destroy(&sb);
			return -E2BIG;
		}
		sizes[i] = build_record(p, recs[i], sb.data, sb.size);
		msgpack_sbuffer_destroy(&sb);
	}
	ctx.boot_to_real_ns = boot_to_real_offset();
	ob_init(&ob);
	if (sample) {
		if (!render_record(&ctx, &ob, recs[0], sizes[0]))
			return -EINVAL;
		fwrite(ob.buf, 1, ob.len, stdout);
		ob_free(&ob);
		return 0;
	}
	t0 = cpu_ns();
	do {
		for (i = 0; i < NVARIANTS; i++) {
			if (!render(&ctx, &ob, fmt, recs[i], sizes[i]))
				return -EINVAL;
			if (ob.len >= (1u << 20)) {
				if (write(out_fd, ob.buf, ob.len) < 0)
					return -errno;
				bytes += ob.len;
				ob_reset(&ob);
			}
		}
		events += NVARIANTS;
		t = cpu_ns() - t0;
	} while (t < RUN_NS);
	bytes += ob.len;
	ob_free(&ob);
	printf("%u record%s per event%s: %.0f records/s, %.0f events/s, %.0f MB/s of %s\n",
	       per_event, per_event == 1 ? "" : "s", fmt == EMIT_JSON ? "" : ", msgpack",
	       events * per_event / t * 1e9, events / t * 1e9, bytes / t * 1e3,
	       fmt == EMIT_JSON ? "NDJSON" : "msgpack");
	return 0;
}

/* ob_json_base64() alone, 4 KiB buffers of random bytes: GB/s of input on one core. */
static void base64_rate(void)
{
	static unsigned char in[4096];
	struct obuf ob;
	double t0, bytes = 0;
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (i * 2654435761u) >> 13;
	ob_init(&ob);
	t0 = cpu_ns();
	while (cpu_ns() - t0 < RUN_NS / 2) {
		for (i = 0; i < 100; i++) {
			ob.len = 0;
			ob_json_base64(&ob, in, sizeof(in));
		}
		bytes += 100.0 * sizeof(in);
	}
	printf("base64 of 4 KiB buffers: %.2f GB/s of input\n", bytes / (cpu_ns() - t0));
	ob_free(&ob);
}

int main(int argc, char **argv)
{
	bool sample = argc > 1 && !strcmp(argv[1], "-s");
	static const unsigned int batches[] = { 1, 10 };
	struct probe p = {};
	int fd, err = 0;
	size_t i;

	fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || build_probe(&p)) {
		fprintf(stderr, "decode-bench: cannot set up the flb_input_log_append probe\n");
		return 1;
	}
	for (i = 0; !err && i < sizeof(batches) / sizeof(batches[0]); i++)
		err = run(&p, batches[i], EMIT_JSON, fd, sample);
	for (i = 0; !err && !sample && i < sizeof(batches) / sizeof(batches[0]); i++)
		err = run(&p, batches[i], EMIT_MSGPACK, fd, false);
	if (!err && !sample)
		base64_rate();
	if (err)
		fprintf(stderr, "decode-bench: %s\n", strerror(-err));
	probe__free(&p);
	close(fd);
	return err ? 1 : 0;
}

/*
 * flb-mini - a small stand-in for Fluent Bit's input path, used as the trace target of
 * uptrace's end-to-end tests and benchmarks.
 *
 * Design
 * ------
 * A worker thread named "flb-pipeline" (as in Fluent Bit) builds real Fluent Bit log events
 * with msgpack-c and hands each batch to one of Fluent Bit's ingestion entry points, with
 * Fluent Bit's exact prototypes:
 *
 *   flb_input_log_append(ins, tag, tag_len, buf, buf_size)
 *   flb_input_log_append_records(ins, records, tag, tag_len, buf, buf_size)
 *   flb_input_log_append_skip_processor_stages(ins, stage, tag, tag_len, buf, buf_size)
 *   flb_input_log_append_processed(ins, records, tag, tag_len, buf, buf_size)
 *   flb_input_chunk_append_raw(in, event_type, records, tag, tag_len, buf, buf_size)
 *
 * The last one has seven arguments, so on x86-64 buf_size is passed on the stack.  Each entry
 * point is noinline + noipa + used and really reads the whole buffer (a byte sum into a
 * volatile sink), so at -O2 it is a real out-of-line function, called with a real call, that
 * a uprobe can hit; noipa also keeps GCC from cloning it or folding identical bodies.
 *
 * A buffer is a msgpack *stream* of records packed back to back (no outer array):
 *
 *   v2 (default)  [[EventTime, metadata-map], body-map]
 *   --legacy      [EventTime, body-map]
 *
 * EventTime is ext type 0 with 8 bytes: big-endian uint32 seconds, uint32 nanoseconds,
 * taken from CLOCK_REALTIME per record.  The body is {"message":"hello N","counter":N}
 * where N counts records over the whole run from 0.  --map32 writes every map and array
 * header in its 32-bit form, as Fluent Bit's encoder does for maps; --group brackets the
 * records of each call with Fluent Bit's group-start (seconds 0xFFFFFFFF) and group-end
 * (seconds 0xFFFFFFFE) marker records.
 *
 * Checking a tracer: --expect FILE writes one JSON line per call with what a correct
 * tracer must decode from the arguments; --dump FILE writes the raw buffers back to back,
 * so a test can decode them independently (buf_size in the expect lines splits them).
 *
 * Per-call cost with -r 0 is kept low for benchmarks: one msgpack_sbuffer reused for every
 * call, no JSON formatting unless --expect is given, no syscalls besides the vDSO clock.
 *
 * stdout carries exactly one line, "calls=N records=M bytes=B", printed when the calls are
 * done (records counts log records, not group markers; bytes sums buf_size).  Bad usage is
 * one line on stderr and exit status 2; runtime failures exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

/* Keep the entry points real: not inlined, not cloned, not folded, not dropped. */
#if defined(__has_attribute)
#if __has_attribute(noipa)
#define FLB_NOIPA __attribute__((noipa))
#endif
#endif
#ifndef FLB_NOIPA
#define FLB_NOIPA
#endif
#define FLB_ENTRY __attribute__((noinline, used)) FLB_NOIPA

#define FLB_INPUT_LOGS 0 /* Fluent Bit's event_type for logs */

#define GROUP_START_SEC 0xFFFFFFFFu /* FLB_LOG_EVENT_GROUP_START, (int32_t)-1 */
#define GROUP_END_SEC	0xFFFFFFFEu /* FLB_LOG_EVENT_GROUP_END, (int32_t)-2 */

#define MAX_RECORD_SIZE	 65536u
#define MAX_RECORDS	 1000000ul
#define MAX_RATE	 1000000000ul
#define MAX_MS		 (24ul * 3600 * 1000)
#define NSEC_PER_SEC	 1000000000ull
#define MSG_PREFIX_MAX	 32 /* "hello " + 20 digits + ' ' fits */

/* As in Fluent Bit, the instance's name is an array in place: "dummy.0", "tail.0". */
struct flb_input_instance {
	int id;
	char name[32];
	uint64_t calls;
};

enum flb_func {
	FUNC_LOG_APPEND,
	FUNC_LOG_APPEND_RECORDS,
	FUNC_LOG_APPEND_SKIP_PROCESSOR_STAGES,
	FUNC_LOG_APPEND_PROCESSED,
	FUNC_CHUNK_APPEND_RAW,
	FUNC_COUNT,
};

static const char *const func_names[FUNC_COUNT] = {
	[FUNC_LOG_APPEND]			= "flb_input_log_append",
	[FUNC_LOG_APPEND_RECORDS]		= "flb_input_log_append_records",
	[FUNC_LOG_APPEND_SKIP_PROCESSOR_STAGES] = "flb_input_log_append_skip_processor_stages",
	[FUNC_LOG_APPEND_PROCESSED]		= "flb_input_log_append_processed",
	[FUNC_CHUNK_APPEND_RAW]			= "flb_input_chunk_append_raw",
};

struct options {
	uint64_t count;		/* calls; 0 = until SIGINT/SIGTERM */
	uint64_t rate;		/* calls per second; 0 = as fast as possible */
	uint64_t records;	/* records per call */
	uint64_t size;		/* target record size in bytes; 0 = natural */
	uint64_t delay_ms;
	uint64_t pause_ms;
	uint64_t fail_every;	/* every Nth call passes ins = NULL and fails with -1; 0 = never */
	enum flb_func func;
	const char *tag;	/* NULL = tag NULL, tag_len 0 */
	const char *expect_path;
	const char *dump_path;
	bool legacy;
	bool map32;
	bool group;
	bool metadata;
	bool wait_stdin;
};

/* What --expect needs to describe one packed record. */
struct rec_info {
	uint32_t sec;
	uint32_t nsec;
	uint64_t counter;
	size_t msg_len;
};

struct ctx {
	struct options opt;
	struct flb_input_instance ins;
	msgpack_sbuffer sbuf;
	msgpack_packer pk;
	char *msg;		/* message scratch, MAX_RECORD_SIZE bytes */
	struct rec_info *recs;	/* opt.records entries, only with --expect */
	FILE *expect;
	FILE *dump;
	uint64_t counter;	/* next record number */
	uint64_t calls;
	uint64_t nrecords;
	uint64_t bytes;
	int status;		/* worker's exit status */
};

static volatile sig_atomic_t stop_requested;
static volatile uint64_t flb_mini_sink;

/* ------------------------------------------------------------------------------------------ */
/* The traced entry points                                                                    */
/* ------------------------------------------------------------------------------------------ */

/*
 * The shared body: read every byte of the buffer and the tag, as Fluent Bit would when it
 * copies them into a chunk.  Always inlined, so each entry point owns a real body.
 */
static inline __attribute__((always_inline)) int ingest(struct flb_input_instance *ins,
							 uint64_t salt, const char *tag,
							 size_t tag_len, const void *buf,
							 size_t buf_size)
{
	const unsigned char *p = buf;
	uint64_t sum = salt;
	size_t i;

	if (ins == NULL || (buf == NULL && buf_size != 0) || (tag == NULL && tag_len != 0))
		return -1;
	for (i = 0; i < buf_size; i++)
		sum += p[i];
	for (i = 0; i < tag_len; i++)
		sum += (unsigned char)tag[i];
	flb_mini_sink += sum;
	ins->calls++;
	return 0;
}

FLB_ENTRY int flb_input_log_append(struct flb_input_instance *ins, const char *tag,
				   size_t tag_len, const void *buf, size_t buf_size)
{
	return ingest(ins, 1, tag, tag_len, buf, buf_size);
}

FLB_ENTRY int flb_input_log_append_records(struct flb_input_instance *ins, size_t records,
					   const char *tag, size_t tag_len, const void *buf,
					   size_t buf_size)
{
	return ingest(ins, 2 + records, tag, tag_len, buf, buf_size);
}

FLB_ENTRY int flb_input_log_append_skip_processor_stages(struct flb_input_instance *ins,
							 size_t processor_starting_stage,
							 const char *tag, size_t tag_len,
							 const void *buf, size_t buf_size)
{
	return ingest(ins, 3 ^ processor_starting_stage, tag, tag_len, buf, buf_size);
}

FLB_ENTRY int flb_input_log_append_processed(struct flb_input_instance *ins, size_t records,
					     const char *tag, size_t tag_len, const void *buf,
					     size_t buf_size)
{
	return ingest(ins, 4 * records, tag, tag_len, buf, buf_size);
}

FLB_ENTRY int flb_input_chunk_append_raw(struct flb_input_instance *in, int event_type,
					 size_t records, const char *tag, size_t tag_len,
					 const void *buf, size_t buf_size)
{
	if (event_type != FLB_INPUT_LOGS)
		return -1;
	return ingest(in, 5 + records, tag, tag_len, buf, buf_size);
}

/* ------------------------------------------------------------------------------------------ */
/* Diagnostics and argument parsing                                                           */
/* ------------------------------------------------------------------------------------------ */

static __attribute__((format(printf, 1, 2), noreturn)) void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("flb-mini: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try --help)\n", stderr);
	exit(2);
}

static __attribute__((format(printf, 1, 2))) void error_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("flb-mini: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t parse_num(const char *s, const char *what, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts leading blanks and a sign; a count does not. */
	if (s[0] < '0' || s[0] > '9')
		usage_error("%s: '%s' is not a non-negative number", what, s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		usage_error("%s: '%s' is not a number", what, s);
	if (errno == ERANGE || v < min || v > max)
		usage_error("%s: %s is out of range [%" PRIu64 ", %" PRIu64 "]", what, s, min, max);
	return v;
}

static void print_help(void)
{
	printf("Usage: flb-mini [OPTION]...\n"
	       "Build Fluent Bit log events with msgpack-c and pass them to flb_input_log_append()\n"
	       "(or --func) from a thread named \"flb-pipeline\".\n"
	       "\n"
	       "  -n, --count N        calls to make (default 10; 0 = until SIGINT/SIGTERM)\n"
	       "  -r, --rate R         calls per second (default 0 = as fast as possible)\n"
	       "  -k, --records K      records per call (default 1, at most %lu)\n"
	       "  -s, --size SIZE      pad the message so each record is about SIZE bytes\n"
	       "                       (at most %u)\n"
	       "      --func NAME      entry point to call (default flb_input_log_append):\n"
	       "                       flb_input_log_append, flb_input_log_append_records,\n"
	       "                       flb_input_log_append_skip_processor_stages,\n"
	       "                       flb_input_log_append_processed, flb_input_chunk_append_raw\n"
	       "      --legacy         legacy records [EventTime, body] instead of v2\n"
	       "                       [[EventTime, metadata], body]\n"
	       "      --map32          write all map/array headers as map32/array32\n"
	       "      --group          wrap each call's records in group start/end markers\n"
	       "      --metadata       metadata {\"source\":\"flb-mini\"} instead of {}\n"
	       "      --tag TAG        pass tag=TAG, tag_len=strlen(TAG)\n"
	       "      --null-tag       pass tag=NULL, tag_len=0 (the default)\n"
	       "      --expect FILE    write one JSON line per call: what a tracer must decode\n"
	       "      --dump FILE      write every call's raw buffer to FILE, back to back\n"
	       "      --delay-ms MS    sleep MS before the first call\n"
	       "      --wait-stdin     before the first call, wait for a line (or EOF) on stdin\n"
	       "      --pause-ms MS    sleep MS after the last call, before exiting\n"
	       "      --exit-after-calls  exit after the calls (the default)\n"
	       "      --fail-every N   every Nth call passes ins = NULL, so it returns -1\n"
	       "  -h, --help           show this help\n"
	       "\n"
	       "stdout gets one line when the calls are done: calls=N records=M bytes=B\n",
	       MAX_RECORDS, MAX_RECORD_SIZE);
}

enum {
	OPT_FUNC = 256,
	OPT_LEGACY,
	OPT_MAP32,
	OPT_GROUP,
	OPT_METADATA,
	OPT_TAG,
	OPT_NULL_TAG,
	OPT_EXPECT,
	OPT_DUMP,
	OPT_DELAY_MS,
	OPT_WAIT_STDIN,
	OPT_PAUSE_MS,
	OPT_EXIT_AFTER_CALLS,
	OPT_FAIL_EVERY,
};

static void parse_args(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{"count", required_argument, NULL, 'n'},
		{"rate", required_argument, NULL, 'r'},
		{"records", required_argument, NULL, 'k'},
		{"size", required_argument, NULL, 's'},
		{"func", required_argument, NULL, OPT_FUNC},
		{"legacy", no_argument, NULL, OPT_LEGACY},
		{"map32", no_argument, NULL, OPT_MAP32},
		{"group", no_argument, NULL, OPT_GROUP},
		{"metadata", no_argument, NULL, OPT_METADATA},
		{"tag", required_argument, NULL, OPT_TAG},
		{"null-tag", no_argument, NULL, OPT_NULL_TAG},
		{"expect", required_argument, NULL, OPT_EXPECT},
		{"dump", required_argument, NULL, OPT_DUMP},
		{"delay-ms", required_argument, NULL, OPT_DELAY_MS},
		{"wait-stdin", no_argument, NULL, OPT_WAIT_STDIN},
		{"pause-ms", required_argument, NULL, OPT_PAUSE_MS},
		{"exit-after-calls", no_argument, NULL, OPT_EXIT_AFTER_CALLS},
		{"fail-every", required_argument, NULL, OPT_FAIL_EVERY},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, i;

	*opt = (struct options){.count = 10, .records = 1, .func = FUNC_LOG_APPEND};

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:r:k:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			opt->count = parse_num(optarg, "--count", 0, UINT64_MAX);
			break;
		case 'r':
			opt->rate = parse_num(optarg, "--rate", 0, MAX_RATE);
			break;
		case 'k':
			opt->records = parse_num(optarg, "--records", 1, MAX_RECORDS);
			break;
		case 's':
			opt->size = parse_num(optarg, "--size", 0, MAX_RECORD_SIZE);
			break;
		case OPT_FUNC:
			for (i = 0; i < FUNC_COUNT; i++)
				if (strcmp(optarg, func_names[i]) == 0)
					break;
			if (i == FUNC_COUNT)
				usage_error("--func: unknown function '%s'", optarg);
			opt->func = i;
			break;
		case OPT_LEGACY:
			opt->legacy = true;
			break;
		case OPT_MAP32:
			opt->map32 = true;
			break;
		case OPT_GROUP:
			opt->group = true;
			break;
		case OPT_METADATA:
			opt->metadata = true;
			break;
		case OPT_TAG:
			opt->tag = optarg;
			break;
		case OPT_NULL_TAG:
			opt->tag = NULL;
			break;
		case OPT_EXPECT:
			opt->expect_path = optarg;
			break;
		case OPT_DUMP:
			opt->dump_path = optarg;
			break;
		case OPT_DELAY_MS:
			opt->delay_ms = parse_num(optarg, "--delay-ms", 0, MAX_MS);
			break;
		case OPT_WAIT_STDIN:
			opt->wait_stdin = true;
			break;
		case OPT_PAUSE_MS:
			opt->pause_ms = parse_num(optarg, "--pause-ms", 0, MAX_MS);
			break;
		case OPT_EXIT_AFTER_CALLS:
			break;
		case OPT_FAIL_EVERY:
			opt->fail_every = parse_num(optarg, "--fail-every", 1, UINT64_MAX);
			break;
		case 'h':
			print_help();
			exit(0);
		case ':':
			/* optopt names short options; long ones are still in argv. */
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				usage_error("option '%s' needs an argument", argv[optind - 1]);
			usage_error("option '-%c' needs an argument", optopt);
		default:
			if (strncmp(argv[optind - 1], "--", 2) == 0 && optopt)
				usage_error("option '%s' takes no argument", argv[optind - 1]);
			if (optopt == 0 || strncmp(argv[optind - 1], "--", 2) == 0)
				usage_error("unknown option '%s'", argv[optind - 1]);
			usage_error("unknown option '-%c'", optopt);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (opt->legacy && opt->group)
		usage_error("--group needs the v2 format (group markers carry metadata)");
	if (opt->legacy && opt->metadata)
		usage_error("--metadata needs the v2 format (legacy records have no metadata)");
}

/* ------------------------------------------------------------------------------------------ */
/* Packing                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Encoded sizes, matching what msgpack-c's packer picks. */
static size_t size_container(const struct ctx *c, uint32_t n)
{
	return c->opt.map32 ? 5 : n < 16 ? 1 : n < 65536 ? 3 : 5;
}

static size_t size_str(size_t len)
{
	return len + (len < 32 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 5);
}

static size_t size_uint(uint64_t v)
{
	return v < 128 ? 1 : v < 256 ? 2 : v < 65536 ? 3 : v <= UINT32_MAX ? 5 : 9;
}

#define SIZE_EVENT_TIME 10 /* fixext 8: 0xd7, type, 8 bytes */

/* "hello N", padded with " xxx..." so that the record comes to opt.size bytes. */
static size_t message_len(const struct ctx *c, uint64_t counter)
{
	char prefix[MSG_PREFIX_MAX];
	size_t plen, fixed, len;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "hello %" PRIu64, counter);
	if (c->opt.size == 0)
		return plen;

	/* Everything in the record but the message string. */
	fixed = size_container(c, 2) + SIZE_EVENT_TIME + size_container(c, 2) +
		size_str(7) + size_str(7) + size_uint(counter);
	if (!c->opt.legacy) {
		fixed += size_container(c, 2);
		fixed += size_container(c, c->opt.metadata ? 1 : 0);
		if (c->opt.metadata)
			fixed += size_str(6) + size_str(8);
	}
	if (fixed + size_str(plen) >= c->opt.size)
		return plen;
	/* The longest message that fits; header widths make a few sizes unreachable. */
	len = c->opt.size - fixed - 1;
	while (len > plen && fixed + size_str(len) > c->opt.size)
		len--;
	return len;
}

static const char *make_message(struct ctx *c, uint64_t counter, size_t len)
{
	int plen = snprintf(c->msg, MSG_PREFIX_MAX, "hello %" PRIu64, counter);

	if (len > (size_t)plen) {
		c->msg[plen] = ' ';
		memset(c->msg + plen + 1, 'x', len - plen - 1);
	}
	return c->msg;
}

static int pack_hdr32(struct ctx *c, unsigned char type, uint32_t n)
{
	unsigned char hdr[5] = {type, n >> 24, n >> 16, n >> 8, n};

	return msgpack_sbuffer_write(&c->sbuf, (const char *)hdr, sizeof(hdr));
}

static int pack_array(struct ctx *c, uint32_t n)
{
	return c->opt.map32 ? pack_hdr32(c, 0xdd, n) : msgpack_pack_array(&c->pk, n);
}

static int pack_map(struct ctx *c, uint32_t n)
{
	return c->opt.map32 ? pack_hdr32(c, 0xdf, n) : msgpack_pack_map(&c->pk, n);
}

static int pack_strn(struct ctx *c, const char *s, size_t n)
{
	return msgpack_pack_str(&c->pk, n) | msgpack_pack_str_body(&c->pk, s, n);
}

static int pack_cstr(struct ctx *c, const char *s)
{
	return pack_strn(c, s, strlen(s));
}

/* Fluent Bit's EventTime: ext type 0, big-endian uint32 seconds then uint32 nanoseconds. */
static int pack_event_time(struct ctx *c, uint32_t sec, uint32_t nsec)
{
	unsigned char b[8] = {sec >> 24, sec >> 16, sec >> 8, sec,
			      nsec >> 24, nsec >> 16, nsec >> 8, nsec};

	return msgpack_pack_ext(&c->pk, 8, 0) | msgpack_pack_ext_body(&c->pk, b, sizeof(b));
}

/* Group markers, as flb_log_event_encoder_group_init / _group_end write them. */
static int pack_group_start(struct ctx *c, uint64_t call)
{
	return pack_array(c, 2) | pack_array(c, 2) | pack_event_time(c, GROUP_START_SEC, 0) |
	       pack_map(c, 1) | pack_cstr(c, "group_meta") | pack_cstr(c, "g") |
	       pack_map(c, 1) | pack_cstr(c, "group_body") | msgpack_pack_uint64(&c->pk, call);
}

static int pack_group_end(struct ctx *c)
{
	return pack_array(c, 2) | pack_array(c, 2) | pack_event_time(c, GROUP_END_SEC, 0) |
	       pack_map(c, 0) | pack_map(c, 0);
}

static int pack_record(struct ctx *c, struct rec_info *ri)
{
	struct timespec ts;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ri->sec = (uint32_t)ts.tv_sec;
	ri->nsec = (uint32_t)ts.tv_nsec;
	ri->counter = c->counter++;
	ri->msg_len = message_len(c, ri->counter);

	err |= pack_array(c, 2);
	if (c->opt.legacy) {
		err |= pack_event_time(c, ri->sec, ri->nsec);
	} else {
		err |= pack_array(c, 2) | pack_event_time(c, ri->sec, ri->nsec);
		if (c->opt.metadata)
			err |= pack_map(c, 1) | pack_cstr(c, "source") | pack_cstr(c, "flb-mini");
		else
			err |= pack_map(c, 0);
	}
	err |= pack_map(c, 2);
	err |= pack_cstr(c, "message");
	err |= pack_strn(c, make_message(c, ri->counter, ri->msg_len), ri->msg_len);
	err |= pack_cstr(c, "counter") | msgpack_pack_uint64(&c->pk, ri->counter);
	return err;
}

/* ------------------------------------------------------------------------------------------ */
/* --expect                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s, size_t n)
{
	size_t i, run = 0;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];

		if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != 0x7f)
			continue;
		fwrite(s + run, 1, i - run, f);
		run = i + 1;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else
			fprintf(f, "\\u%04x", ch);
	}
	fwrite(s + run, 1, n - run, f);
	fputc('"', f);
}

static void json_time(FILE *f, uint32_t sec, uint32_t nsec)
{
	time_t t = sec;
	struct tm tm;
	char date[32];

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "\"%s.%09" PRIu32 "Z\"", date, nsec);
}

static void write_expect(struct ctx *c, uint64_t call, size_t buf_size)
{
	FILE *f = c->expect;
	uint64_t i;

	fputs("{\"tag\":", f);
	if (c->opt.tag)
		json_str(f, c->opt.tag, strlen(c->opt.tag));
	else
		fputs("null", f);
	fprintf(f, ",\"tag_len\":%zu,\"buf_size\":%zu,\"buf\":[",
		c->opt.tag ? strlen(c->opt.tag) : 0, buf_size);
	if (c->opt.group)
		fprintf(f, "{\"group\":\"start\",\"metadata\":{\"group_meta\":\"g\"},"
			   "\"body\":{\"group_body\":%" PRIu64 "}},", call);
	for (i = 0; i < c->opt.records; i++) {
		const struct rec_info *ri = &c->recs[i];

		fputs(i ? ",{\"timestamp\":" : "{\"timestamp\":", f);
		json_time(f, ri->sec, ri->nsec);
		fputs(c->opt.metadata ? ",\"metadata\":{\"source\":\"flb-mini\"}" : ",\"metadata\":{}",
		      f);
		fputs(",\"body\":{\"message\":", f);
		json_str(f, make_message(c, ri->counter, ri->msg_len), ri->msg_len);
		fprintf(f, ",\"counter\":%" PRIu64 "}}", ri->counter);
	}
	if (c->opt.group)
		fputs(",{\"group\":\"end\",\"metadata\":{},\"body\":{}}", f);
	fputs("]}\n", f);
}

/* ------------------------------------------------------------------------------------------ */
/* The pipeline thread                                                                        */
/* ------------------------------------------------------------------------------------------ */

static int do_call(struct ctx *c, struct flb_input_instance *ins, const void *buf, size_t size)
{
	const char *tag = c->opt.tag;
	size_t tag_len = tag ? strlen(tag) : 0;
	size_t records = c->opt.records;

	switch (c->opt.func) {
	case FUNC_LOG_APPEND:
		return flb_input_log_append(ins, tag, tag_len, buf, size);
	case FUNC_LOG_APPEND_RECORDS:
		return flb_input_log_append_records(ins, records, tag, tag_len, buf, size);
	case FUNC_LOG_APPEND_SKIP_PROCESSOR_STAGES:
		return flb_input_log_append_skip_processor_stages(ins, 0, tag, tag_len, buf,
								  size);
	case FUNC_LOG_APPEND_PROCESSED:
		return flb_input_log_append_processed(ins, records, tag, tag_len, buf, size);
	case FUNC_CHUNK_APPEND_RAW:
		return flb_input_chunk_append_raw(ins, FLB_INPUT_LOGS, records, tag, tag_len,
						  buf, size);
	default:
		return -1;
	}
}

/* Sleep until an absolute CLOCK_MONOTONIC deadline; false if asked to stop. */
static bool sleep_until(const struct timespec *deadline)
{
	while (!stop_requested) {
		int err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, deadline, NULL);

		if (err == 0)
			return true;
		if (err != EINTR)
			return false;
	}
	return false;
}

static void timespec_add_ns(struct timespec *ts, uint64_t ns)
{
	uint64_t nsec = (uint64_t)ts->tv_nsec + ns % NSEC_PER_SEC;

	ts->tv_sec += ns / NSEC_PER_SEC + nsec / NSEC_PER_SEC;
	ts->tv_nsec = nsec % NSEC_PER_SEC;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec deadline;

	if (ms == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	timespec_add_ns(&deadline, ms * 1000000ull);
	sleep_until(&deadline);
}

static int run_calls(struct ctx *c)
{
	struct rec_info scratch;
	struct timespec start, deadline;
	uint64_t period_ns = c->opt.rate ? NSEC_PER_SEC / c->opt.rate : 0;
	uint64_t call, i;
	int err, fail;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (call = 0; !stop_requested && (c->opt.count == 0 || call < c->opt.count); call++) {
		if (period_ns && call) {
			/* Absolute deadlines: no drift, and a late call is not made up for
			 * by sleeping less than zero. */
			deadline = start;
			timespec_add_ns(&deadline, call * period_ns);
			if (!sleep_until(&deadline))
				break;
		}

		msgpack_sbuffer_clear(&c->sbuf);
		err = c->opt.group ? pack_group_start(c, call) : 0;
		for (i = 0; i < c->opt.records; i++)
			err |= pack_record(c, c->recs ? &c->recs[i] : &scratch);
		if (c->opt.group)
			err |= pack_group_end(c);
		if (err) {
			error_msg("packing call %" PRIu64 " failed (out of memory?)", call);
			return 1;
		}

		/* --fail-every: this call fails on purpose (ins = NULL), as a return to count */
		fail = c->opt.fail_every && (call + 1) % c->opt.fail_every == 0;
		if (do_call(c, fail ? NULL : &c->ins, c->sbuf.data, c->sbuf.size) != -fail) {
			error_msg("%s returned an error", func_names[c->opt.func]);
			return 1;
		}
		c->calls++;
		c->nrecords += c->opt.records;
		c->bytes += c->sbuf.size;

		if (c->dump)
			fwrite(c->sbuf.data, 1, c->sbuf.size, c->dump);
		if (c->expect)
			write_expect(c, call, c->sbuf.size);
	}
	return 0;
}

static void wait_for_stdin(void)
{
	char line[256];

	fprintf(stderr, "flb-mini: pid %d waiting for a line on stdin\n", (int)getpid());
	/* A line or EOF releases; a long line is read to its end. */
	while (fgets(line, sizeof(line), stdin) && !strchr(line, '\n'))
		;
}

static void *pipeline_thread(void *arg)
{
	struct ctx *c = arg;

	pthread_setname_np(pthread_self(), "flb-pipeline");
	if (c->opt.wait_stdin)
		wait_for_stdin();
	sleep_ms(c->opt.delay_ms);
	c->status = run_calls(c);
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */

static void on_signal(int sig)
{
	stop_requested = 1;
}

static FILE *open_out(const char *path, const char *what)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		error_msg("%s: cannot open '%s': %s", what, path, strerror(errno));
		exit(1);
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static int close_out(FILE *f, const char *path)
{
	if (f && (ferror(f) | fclose(f))) {
		error_msg("write to '%s' failed", path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct ctx ctx;
	struct ctx *c = &ctx;
	struct sigaction sa = {.sa_handler = on_signal};
	pthread_t thread;
	int err, status;

	parse_args(argc, argv, &c->opt);

	c->ins = (struct flb_input_instance){.id = 0, .name = "dummy.0"};
	msgpack_sbuffer_init(&c->sbuf);
	msgpack_packer_init(&c->pk, &c->sbuf, msgpack_sbuffer_write);
	c->msg = malloc(MAX_RECORD_SIZE);
	if (c->msg == NULL) {
		error_msg("out of memory");
		return 1;
	}
	if (c->opt.expect_path) {
		c->recs = calloc(c->opt.records, sizeof(*c->recs));
		if (c->recs == NULL) {
			error_msg("out of memory");
			return 1;
		}
		c->expect = open_out(c->opt.expect_path, "--expect");
	}
	if (c->opt.dump_path)
		c->dump = open_out(c->opt.dump_path, "--dump");

	/* No SA_RESTART: a signal cuts the pacing sleeps short. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	err = pthread_create(&thread, NULL, pipeline_thread, c);
	if (err) {
		error_msg("pthread_create: %s", strerror(err));
		return 1;
	}
	pthread_join(thread, NULL);
	status = c->status;

	status |= close_out(c->expect, c->opt.expect_path);
	status |= close_out(c->dump, c->opt.dump_path);
	printf("calls=%" PRIu64 " records=%" PRIu64 " bytes=%" PRIu64 "\n", c->calls, c->nrecords,
	       c->bytes);
	fflush(stdout);

	if (!stop_requested)
		sleep_ms(c->opt.pause_ms);

	msgpack_sbuffer_destroy(&c->sbuf);
	free(c->recs);
	free(c->msg);
	return status;
}

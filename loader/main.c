// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - the uptrace command: options, probe resolution, the event loop, the summary.
 *
 * Everything that can be wrong with the user's input is found before anything is attached:
 * the object, every probe spec, every function.  Then the tracer loads and attaches all
 * probes (and kernel traces, -t) or none, and the loop drains the ring buffer into NDJSON
 * until a signal, the count, the duration, the end of the traced processes or a closed
 * stdout ends it.  Records pass through a reorder buffer on the way, so events come out in
 * time order even when CPUs hand them over out of order.
 * Exit status: 0 after tracing (with -c: CMD's status), 2 for bad input or a failure to set
 * up (nothing is left attached), 1 for an error while tracing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <sys/pidfd.h>
#include <sys/syscall.h>

#include <bpf/libbpf.h>

#include "command.h"
#include "kfeatures.h"
#include "forward.h"
#include "json.h"
#include "ktrace.h"
#include "listing.h"
#include "output.h"
#include "probe.h"
#include "reorder.h"
#include "resolve.h"
#include "sink.h"
#include "spec.h"
#include "stats.h"
#include "symbols.h"
#include "target.h"
#include "tracer.h"
#include "util.h"

#define EXIT_USAGE 2
#define MAX_PIDS 64
#define MAX_DEBUG_DIRS 16

struct options {
	const char *binary; /* NULL with -p/-c when no BINARY is given */
	char **probes;
	int nprobes;
	pid_t pids[MAX_PIDS];
	int npids;
	const char *command;
	bool follow;
	bool run_as_root;
	bool exact_entry;
	enum { MODE_TRACE, MODE_LIST, MODE_EXPLAIN, MODE_CHECK, MODE_VERSION } mode;
	bool portable;	    /* --portable: the copy path of kernels without the 6.16 kfuncs */
	bool names_only; /* --names */
	const char *debug_dirs[MAX_DEBUG_DIRS + 1]; /* NULL-terminated */
	int ndebug_dirs;
	uint64_t count;		/* stop after this many events; 0: no limit */
	uint64_t duration_ms;	/* stop after this long; 0: no limit */
	const char *output;
	uint32_t max_bytes;
	uint32_t ringbuf_size;
	uint32_t wake_ms;
	uint32_t poll_ms;	/* longest idle wait; a wakeup still delivers at once */
	uint32_t traces;	/* -t: UPT_TRACE_BIT()s */
	bool trace_all;		/* --all: kernel traces of every process */
	enum { FORMAT_JSON, FORMAT_MSGPACK } format;
	bool quiet;		/* -q: no banner, no colour, a summary only if something was lost */
	bool stats_text;	/* --stats: rates on stderr, a table at exit */
	bool stats_json;	/* --stats-json: the same as "stats" events */
	uint64_t stats_ms;	/* their interval */
	struct forward_addr fwd_addr; /* --forward */
	bool forward;
	const char *tag;	/* --tag: one tag for every event; else uptrace.<event_type> */
	uint64_t fwd_buffer;
	uint64_t fwd_timeout_ms;
};

struct session {
	struct options opts;
	struct command cmd;
	int pidfds[MAX_PIDS]; /* of -p pids; -1 once the process has exited */
	int alive;	      /* -p pids still running */
	int cmd_status;	      /* -c: CMD's exit status, -1 while it runs */
	struct tracer *tracer;
	struct reorder *reorder;
	struct render_ctx rctx;
	struct sinks *sinks; /* where events go: stdout or -o FILE, --forward */
	struct forward *fwd; /* --forward: the sender the Forward sink hands events to */
	int out_fd;	     /* -1: no file sink (--forward without -o) */
	uint64_t events;
	uint64_t drops_seen;
	bool out_closed;
	struct stats *stats; /* --stats, --stats-json */
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

static const char usage_text[] =
	"Usage: uptrace [OPTIONS] BINARY PROBE...\n"
	"       uptrace [OPTIONS] -p PID [BINARY] PROBE...\n"
	"       uptrace [OPTIONS] -c 'CMD ARGS' [BINARY] PROBE...\n"
	"       uptrace [OPTIONS] {-p PID | -c 'CMD' | BINARY | --all} -t TRACE... [PROBE...]\n"
	"       uptrace -l [-v] [-p PID | BINARY] [GLOB]\n"
	"       uptrace --explain [-p PID | BINARY] FUNC\n"
	"Trace calls of functions in BINARY with uprobes; print one JSON event per call.\n"
	"BINARY is a path or a library name (libc, libssl.so.3) found like the dynamic loader\n"
	"would; without -p, probes fire in every process that maps it.\n"
	"\n"
	"PROBE  := [OBJ:]FUNC[%%return][(FETCH, ...)]    FUNC may be a glob: 'flb_input_*'\n"
	"FETCH  := EXPR[:TYPE][[LEN]]\n"
	"EXPR   := param-name | argN | $retval | EXPR->member | EXPR.member\n"
	"TYPE   := s8..s64 | u8..u64 | x64 | ptr | str | bytes | msgpack | auto\n"
	"LEN    := number | param-name | argN   (bytes to copy)\n"
	"Without a fetch list, every parameter is captured by name, typed and located from DWARF\n"
	"(in the object or a separate debug file), else from uptrace's built-in prototype\n"
	"(Fluent Bit's flb_input_log_append*, flb_input_chunk_append_raw, libc's malloc family,\n"
	"SSL_write, readline, sqlite3_prepare_v2, ...), else arg0..arg5 as hex.  Buffers decode\n"
	"as msgpack (Fluent Bit log events become {timestamp, metadata, body}), UTF-8 text or\n"
	"base64.  Member access (ins->name) needs DWARF.\n"
	"\n"
	"Options:\n"
	"  -p, --pid PID           trace this process only (repeatable): its executable and\n"
	"                          every object it maps, through /proc/PID/root (containers\n"
	"                          work); a bare FUNC is looked for in the executable first,\n"
	"                          then its libraries; uptrace exits when the process does\n"
	"  -c, --command 'CMD'     run CMD once every probe is attached, trace it, exit with\n"
	"                          its status; under sudo CMD runs as SUDO_UID/SUDO_GID;\n"
	"                          CMD's stdout goes to stderr while events go to stdout\n"
	"      --run-as-root       with -c under sudo: keep root for CMD\n"
	"      --follow            with -p/-c: trace children (fork/clone) too, from their\n"
	"                          first instruction, and across exec\n"
	"  -l, --list              list the functions of BINARY (or -p PID) matching [GLOB]\n"
	"                          with their signatures; -v adds argument locations\n"
	"      --names             like -l, but only the names, one a line (for scripts)\n"
	"      --explain           say how BINARY FUNC resolves: table, address, offset,\n"
	"                          debug file, source line, where each argument is read\n"
	"      --debuginfo DIR     look for separate debug files in DIR first (repeatable)\n"
	"      --exact-entry       probe each function's first instruction, even when a later\n"
	"                          one (past endbr64 and the like) is cheaper for the kernel\n"
	"  -t, --trace TRACE       kernel events of the same processes, in the same stream\n"
	"                          (repeatable): exec, signal, malloc, bind, tcp, vfs or all\n"
	"                          (trace_exec ... accepted); Fluent Bit in_ebpf's fields.\n"
	"                          With -p/-c they follow children; with BINARY they cover\n"
	"                          the processes running it\n"
	"      --all               kernel traces of every process, not only the target's\n"
	"  -n, --count N           stop after N events\n"
	"  -d, --duration SECONDS  stop after SECONDS (fractions allowed)\n"
	"  -o, --output FILE       write events to FILE instead of stdout\n"
	"      --format FORMAT     json (NDJSON, the default) or msgpack (the same events as\n"
	"                          a msgpack stream, one map per event)\n"
	"      --stats[=SECONDS]   every SECONDS (default 1, fractions allowed) a line per\n"
	"                          active probe on stderr: calls/s, bytes/s, lost, read\n"
	"                          faults; at exit a table per probe and, for %%return\n"
	"                          probes, negative returns and a log2 histogram of\n"
	"                          duration_ns\n"
	"      --stats-json[=SECONDS]  the same numbers as {\"event_type\":\"stats\"} events\n"
	"                          in the output, every SECONDS and at exit (one interval\n"
	"                          for both options)\n"
	"      --forward ADDR      send events to Fluent Bit's or Fluentd's in_forward at\n"
	"                          HOST:PORT, [IPV6]:PORT or unix:PATH (Forward protocol,\n"
	"                          acknowledged batches, resent after a reconnect) instead of\n"
	"                          stdout; with -o they are written to FILE too\n"
	"      --tag TAG           the tag of every forwarded event (default\n"
	"                          uptrace.<event_type>: uptrace.uprobe, uptrace.exec, ...)\n"
	"      --forward-buffer N  bytes held while the receiver is away or has not acked\n"
	"                          (default 64 MiB); events beyond are dropped and counted\n"
	"      --forward-timeout SECONDS  at exit, longest wait for the last acks (default 5)\n"
	"      --max-bytes N       capture at most N bytes per argument (default %u, max %u)\n"
	"      --ringbuf-size N    ring buffer bytes, a power of two (default %u)\n"
	"      --wake-ms MS        longest an event waits in the ring buffer (default 10;\n"
	"                          0 wakes uptrace for every event, costing the target more)\n"
	"      --poll-ms MS        longest idle wait between looks at the ring buffer\n"
	"                          (default 1000); events still come out when they arrive\n"
	"  -q, --quiet             no banner, no colour; the summary only when events were lost\n"
	"  -v, --verbose           say what is resolved and attached (twice: libbpf debug)\n"
	"      --check             say what this kernel offers, load every BPF program on it\n"
	"                          and report its stack; the last line is the copy path\n"
	"                          taken (kfunc on 6.16+, else portable); status 2 when\n"
	"                          uptrace cannot run here, with the reason\n"
	"      --portable          copy arguments the way every supported kernel can, even\n"
	"                          where the 6.16 dynptr kfuncs are there (same output)\n"
	"  -V, --version           print the version (with -v, also what --check says)\n"
	"  -h, --help              this help\n"
	"\n"
	"Output: NDJSON on stdout, one event per line:\n"
	"  {\"time\":\"...Z\",\"event_type\":\"uprobe\",\"pid\":N,\"tid\":N,\"comm\":\"...\",\n"
	"   \"binary\":\"...\",\"function\":\"...\",\"args\":{...}}\n"
	"FUNC%%return gives {\"event_type\":\"uretprobe\",...,\"retval\":...,\"duration_ns\":N,\"call_id\":N}.\n"
	"A capture cut at --max-bytes is {\"value\":...,\"truncated\":true,\"length\":N}; lost events\n"
	"are reported as {\"event_type\":\"lost\",\"count\":N}; a summary goes to stderr at exit.\n"
	"When stderr is a terminal, a banner says what is attached, and messages have colour\n"
	"(NO_COLOR=1 turns it off); stdout never carries either.\n"
	"\n"
	"Examples:\n"
	"  uptrace /opt/fluent-bit/bin/fluent-bit flb_input_log_append | jq .\n"
	"  uptrace ./flb-mini 'flb_input_log_append(tag:str[tag_len], buf:msgpack[buf_size])'\n"
	"  uptrace -n 10 libc 'malloc(arg0:u64)'\n"
	"  uptrace -p \"$(pidof fluent-bit)\" flb_input_log_append libc:malloc\n"
	"  uptrace -c './flb-mini -n 5' flb_input_log_append\n"
	"  uptrace -p \"$(pidof fluent-bit)\" -t tcp -t vfs\n"
	"  uptrace -c './flb-mini -n 5' -t all flb_input_log_append\n"
	"  uptrace /bin/bash 'readline%%return($retval:str)'\n"
	"  uptrace --max-bytes 65536 ./flb-mini 'flb_input_*' > events.ndjson\n"
	"  uptrace --stats -c './flb-mini -n 1000' 'flb_input_log_append%%return' -o /dev/null\n"
	"  uptrace --forward 127.0.0.1:24224 -p \"$(pidof fluent-bit)\" flb_input_log_append\n";

static void usage(FILE *f)
{
	fprintf(f, usage_text, UPT_DEF_MAX_BYTES, UPT_MAX_MAX_BYTES, UPT_DEF_RINGBUF_SZ);
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *out < min || *out > max) {
		upt_err("%s: '%s' is not a number from %llu to %llu", opt, s,
			(unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	return 0;
}

static int parse_seconds(const char *opt, const char *s, uint64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 1e9) {
		upt_err("%s: '%s' is not a positive number of seconds", opt, s);
		return -EINVAL;
	}
	*ms = v * 1000 < 1 ? 1 : v * 1000;
	return 0;
}

enum {
	OPT_MAX_BYTES = 256,
	OPT_RINGBUF,
	OPT_WAKE,
	OPT_FOLLOW,
	OPT_RUN_AS_ROOT,
	OPT_EXPLAIN,
	OPT_DEBUGINFO,
	OPT_EXACT_ENTRY,
	OPT_ALL,
	OPT_POLL,
	OPT_FORMAT,
	OPT_STATS,
	OPT_STATS_JSON,
	OPT_NAMES,
	OPT_FORWARD,
	OPT_TAG,
	OPT_FWD_BUFFER,
	OPT_FWD_TIMEOUT,
	OPT_CHECK,
	OPT_PORTABLE,
};

/* With -p/-c BINARY is optional: the first word is BINARY when it is a path or a library
 * name that resolves, and probes follow it. */
static bool names_binary(const char *word, int nwords, pid_t pid)
{
	char *path = NULL;
	sym_print_fn prev;
	int err;

	if (nwords < 2)
		return false;
	if (strchr(word, '/'))
		return true;
	if (strncmp(word, "lib", 3) || strpbrk(word, "(%*?["))
		return false;
	prev = sym_set_print(NULL);
	err = sym_find_library(word, pid, &path);
	sym_set_print(prev);
	free(path);
	return !err;
}

/* -l [-p PID | BINARY] [GLOB]; --explain [-p PID | BINARY] FUNC */
static int parse_query_args(int argc, char **argv, struct options *o)
{
	int left = argc - optind, want_bin = o->npids ? 0 : 1;

	if (o->command || o->npids > 1 || left < want_bin ||
	    left > want_bin + 1 || (o->mode == MODE_EXPLAIN && left != want_bin + 1)) {
		upt_err(o->mode == MODE_LIST ? "usage: uptrace -l [-p PID | BINARY] [GLOB]"
					     : "usage: uptrace --explain [-p PID | BINARY] FUNC");
		return -EINVAL;
	}
	o->binary = want_bin ? argv[optind++] : NULL;
	o->probes = argv + optind;
	o->nprobes = argc - optind;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "command", required_argument, NULL, 'c' },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "list", no_argument, NULL, 'l' },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "names", no_argument, NULL, OPT_NAMES },
		{ "debuginfo", required_argument, NULL, OPT_DEBUGINFO },
		{ "exact-entry", no_argument, NULL, OPT_EXACT_ENTRY },
		{ "run-as-root", no_argument, NULL, OPT_RUN_AS_ROOT },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
		{ "wake-ms", required_argument, NULL, OPT_WAKE },
		{ "trace", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "poll-ms", required_argument, NULL, OPT_POLL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "forward", required_argument, NULL, OPT_FORWARD },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "forward-buffer", required_argument, NULL, OPT_FWD_BUFFER },
		{ "forward-timeout", required_argument, NULL, OPT_FWD_TIMEOUT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "stats", optional_argument, NULL, OPT_STATS },
		{ "stats-json", optional_argument, NULL, OPT_STATS_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "portable", no_argument, NULL, OPT_PORTABLE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	o->max_bytes = UPT_DEF_MAX_BYTES;
	o->ringbuf_size = UPT_DEF_RINGBUF_SZ;
	o->wake_ms = 10;
	o->poll_ms = 1000;
	o->stats_ms = 1000;
	/* options may follow the probes (uptrace -p PID FUNC -n 5); probes never start with '-' */
	while ((c = getopt_long(argc, argv, "p:c:n:d:o:lt:qvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o->mode = MODE_LIST;
			break;
		case OPT_EXPLAIN:
			o->mode = MODE_EXPLAIN;
			break;
		case OPT_NAMES:
			o->mode = MODE_LIST;
			o->names_only = true;
			break;
		case OPT_EXACT_ENTRY:
			o->exact_entry = true;
			break;
		case OPT_DEBUGINFO:
			if (o->ndebug_dirs == MAX_DEBUG_DIRS) {
				upt_err("--debuginfo: at most %d directories", MAX_DEBUG_DIRS);
				return -EINVAL;
			}
			o->debug_dirs[o->ndebug_dirs++] = optarg;
			break;
		case 'p':
			if (o->npids == MAX_PIDS) {
				upt_err("-p: at most %d processes", MAX_PIDS);
				return -EINVAL;
			}
			if (parse_u64("--pid", optarg, 1, INT32_MAX, &v))
				return -EINVAL;
			o->pids[o->npids++] = v;
			break;
		case 'c':
			o->command = optarg;
			break;
		case OPT_FOLLOW:
			o->follow = true;
			break;
		case OPT_RUN_AS_ROOT:
			o->run_as_root = true;
			break;
		case 'n':
			if (parse_u64("--count", optarg, 1, UINT64_MAX, &o->count))
				return -EINVAL;
			break;
		case 'd':
			if (parse_seconds("--duration", optarg, &o->duration_ms))
				return -EINVAL;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_MAX_BYTES:
			if (parse_u64("--max-bytes", optarg, 1, UPT_MAX_MAX_BYTES, &v))
				return -EINVAL;
			o->max_bytes = v;
			break;
		case OPT_RINGBUF:
			if (parse_u64("--ringbuf-size", optarg, 4096, 1u << 30, &v))
				return -EINVAL;
			if (v & (v - 1)) {
				upt_err("--ringbuf-size: %llu is not a power of two",
					(unsigned long long)v);
				return -EINVAL;
			}
			o->ringbuf_size = v;
			break;
		case OPT_WAKE:
			if (parse_u64("--wake-ms", optarg, 0, 10000, &v))
				return -EINVAL;
			o->wake_ms = v;
			break;
		case 't':
			if (ktrace_parse(optarg, &o->traces))
				return -EINVAL;
			break;
		case OPT_ALL:
			o->trace_all = true;
			break;
		case OPT_POLL:
			if (parse_u64("--poll-ms", optarg, 1, 3600000, &v))
				return -EINVAL;
			o->poll_ms = v;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "json")) {
				o->format = FORMAT_JSON;
			} else if (!strcmp(optarg, "msgpack")) {
				o->format = FORMAT_MSGPACK;
			} else {
				upt_err("--format: '%s' is not json or msgpack", optarg);
				return -EINVAL;
			}
			break;
		case OPT_FORWARD:
			if (forward_parse_addr(optarg, &o->fwd_addr))
				return -EINVAL;
			o->forward = true;
			break;
		case OPT_TAG:
			if (!*optarg || strlen(optarg) > FWD_MAX_TAG) {
				upt_err("--tag: a tag is 1 to %d characters", FWD_MAX_TAG);
				return -EINVAL;
			}
			o->tag = optarg;
			break;
		case OPT_FWD_BUFFER:
			if (parse_u64("--forward-buffer", optarg, 1024, 1ULL << 40, &o->fwd_buffer))
				return -EINVAL;
			break;
		case OPT_FWD_TIMEOUT:
			if (parse_seconds("--forward-timeout", optarg, &o->fwd_timeout_ms))
				return -EINVAL;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_STATS:
		case OPT_STATS_JSON:
			/* an optional argument needs '=': `--stats 0.5` would take 0.5 as BINARY */
			if (!optarg && optind < argc && strspn(argv[optind], "0123456789.") &&
			    !argv[optind][strspn(argv[optind], "0123456789.")]) {
				upt_err("%s takes its interval after '=': %s=%s", argv[optind - 1],
					argv[optind - 1], argv[optind]);
				return -EINVAL;
			}
			if (optarg && parse_seconds(c == OPT_STATS ? "--stats" : "--stats-json",
						    optarg, &o->stats_ms))
				return -EINVAL;
			*(c == OPT_STATS ? &o->stats_text : &o->stats_json) = true;
			break;
		case 'v':
			upt_verbose++;
			break;
		case 'V':
			o->mode = MODE_VERSION;
			break;
		case OPT_CHECK:
			o->mode = MODE_CHECK;
			break;
		case OPT_PORTABLE:
			o->portable = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'uptrace --help'.\n");
			return -EINVAL;
		}
	}
	if (o->mode == MODE_VERSION || o->mode == MODE_CHECK) {
		if (optind < argc) {
			upt_err("%s takes no arguments", o->mode == MODE_CHECK ? "--check"
									     : "--version");
			return -EINVAL;
		}
		return 0;
	}
	if (o->mode != MODE_TRACE)
		return parse_query_args(argc, argv, o);
	if (!o->forward && (o->tag || o->fwd_buffer || o->fwd_timeout_ms)) {
		upt_err("%s applies to --forward", o->tag ? "--tag" : o->fwd_buffer
					       ? "--forward-buffer" : "--forward-timeout");
		return -EINVAL;
	}
	if (!o->fwd_timeout_ms)
		o->fwd_timeout_ms = FWD_DEF_TIMEOUT_MS;
	if (o->command && o->npids) {
		upt_err("-c and -p do not go together: -c traces the command it starts");
		return -EINVAL;
	}
	if (o->follow && !o->command && !o->npids) {
		upt_err("--follow needs -p or -c: it follows the children of those processes");
		return -EINVAL;
	}
	if (o->trace_all && !o->traces) {
		upt_err("--all applies to kernel traces: add -t TRACE");
		return -EINVAL;
	}
	if ((o->command || o->npids) &&
	    names_binary(argv[optind], argc - optind, o->npids ? o->pids[0] : 0))
		o->binary = argv[optind++];
	else if (!o->command && !o->npids)
		o->binary = argc > optind ? argv[optind++] : NULL;
	o->probes = argv + optind;
	o->nprobes = argc - optind;
	if (o->traces && !o->trace_all && !o->command && !o->npids) {
		/* kernel traces follow the processes running BINARY: it must be an executable */
		if (!o->binary) {
			upt_err("kernel traces need a target: -p PID, -c CMD, BINARY or --all");
			return -EINVAL;
		}
		if (sym_is_libname(o->binary)) {
			upt_err("kernel traces follow the processes running BINARY, and %s is a "
				"library: use -p, -c or --all", o->binary);
			return -EINVAL;
		}
	}
	if (!o->nprobes && o->traces)
		return 0;
	if (!o->nprobes) {
		upt_err(o->binary ? "no probe given after %s" : "no binary and no probe given%s",
			o->binary ?: "");
		fprintf(stderr, "Try 'uptrace --help'.\n");
		return -EINVAL;
	}
	return 0;
}

/* libbpf speaks only with -v (warnings, the verifier log) or -vv (debug): uptrace itself
 * says what failed, once, naming the object. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && upt_verbose < 2)
		return 0;
	if (level != LIBBPF_DEBUG && !upt_verbose)
		return 0;
	return vfprintf(upt_errf ? upt_errf : stderr, fmt, ap);
}

/* symbols/ messages are whole lines: print each once, with our prefix, made harmless. */
static void sym_print(const char *fmt, va_list ap)
{
	char line[4 * 4096];

	upt_vformat_line(line, sizeof(line), fmt, ap);
	upt_err("%s", line);
}

/* Write out what the sinks hold; a closed reader ends the session. */
static void flush_output(struct session *s)
{
	if (sinks__flush(s->sinks) == -EPIPE)
		s->out_closed = true;
}

/* A record out of the reorder buffer, in time order: checked, counted, to every sink. */
static void on_record(void *ctx, const void *data, size_t size)
{
	struct session *s = ctx;
	struct event ev;

	if (s->out_closed || (s->opts.count && s->events >= s->opts.count))
		return;
	if (event_from_record(&s->rctx, data, size, &ev))
		return; /* counted as malformed, said in the summary */
	s->events++;
	sinks__event(s->sinks, &ev);
}

/* A record from the ring buffer, in reservation order: held until its time comes. */
static int on_sample(void *ctx, const void *data, size_t size)
{
	struct session *s = ctx;

	if (s->out_closed || (s->opts.count && s->events >= s->opts.count))
		return 0;
	reorder__push(s->reorder, data, size);
	return 0;
}

/* Report records the BPF side could not reserve since the last look, per probe. */
static void report_drops(struct session *s)
{
	uint64_t total = tracer__drops_total(s->tracer);
	struct probe **probes;
	struct event ev;
	uint32_t n, i;

	if (total == s->drops_seen)
		return;
	s->drops_seen = total;
	tracer__update_drops(s->tracer);
	probes = tracer__probes(s->tracer, &n);
	for (i = 0; i < n; i++) {
		if (probes[i]->drops == probes[i]->drops_reported)
			continue;
		event_lost(probes[i], probes[i]->drops - probes[i]->drops_reported, &ev);
		sinks__event(s->sinks, &ev);
		probes[i]->drops_reported = probes[i]->drops;
	}
}

static uint64_t now_ms(void)
{
	return upt_mono_ns() / 1000000;
}

/*
 * --stats lines on stderr and --stats-json events in the output, each when asked for and
 * allowed (`text`, `json`); at the end (end_ns) the table and the final event.
 */
static void stats_report(struct session *s, uint64_t end_ns, bool text, bool json)
{
	FILE *f = text && s->opts.stats_text ? stderr : NULL;
	bool event = json && s->opts.stats_json && !s->out_closed;
	struct stats_event se;
	struct timespec wall;
	struct event ev;

	if (end_ns)
		stats__final(s->stats, end_ns, f, event ? &se : NULL);
	else
		stats__tick(s->stats, upt_mono_ns(), f, event ? &se : NULL);
	if (!event)
		return;
	clock_gettime(CLOCK_REALTIME, &wall);
	ev = (struct event){ .kind = EV_STATS, .type = "stats", .sec = wall.tv_sec,
			     .nsec = wall.tv_nsec, .stats = &se };
	sinks__event(s->sinks, &ev);
}

/* Has the reader of our output gone away (a pipe whose read end is closed)? */
static bool output_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

/*
 * Wait for the ring buffer's wakeup, a traced process's exit, or the timeout.  Returns
 * false when every traced process (-p) or the command (-c) has exited.
 */
static bool wait_events(struct session *s, int timeout)
{
	struct pollfd pfd[MAX_PIDS + 3];
	int n = 0, i;

	pfd[n++] = (struct pollfd){ .fd = tracer__wait_fd(s->tracer), .events = POLLIN };
	/* a pipe whose reader left polls POLLERR: leave at once, even with a long --poll-ms */
	pfd[n++] = (struct pollfd){ .fd = s->out_fd, .events = 0 };
	if (s->cmd.pidfd >= 0)
		pfd[n++] = (struct pollfd){ .fd = s->cmd.pidfd, .events = POLLIN };
	for (i = 0; i < s->opts.npids; i++)
		if (s->pidfds[i] >= 0)
			pfd[n++] = (struct pollfd){ .fd = s->pidfds[i], .events = POLLIN };
	if (poll(pfd, n, timeout) <= 0)
		return true;
	if (pfd[1].revents & (POLLERR | POLLHUP))
		s->out_closed = true;
	for (i = 2; i < n; i++) {
		if (!(pfd[i].revents & POLLIN))
			continue;
		if (pfd[i].fd == s->cmd.pidfd) {
			s->cmd_status = command__wait(&s->cmd);
			return false;
		}
		for (int k = 0; k < s->opts.npids; k++) {
			if (s->pidfds[k] != pfd[i].fd)
				continue;
			upt_info("pid %d exited", (int)s->opts.pids[k]);
			close(s->pidfds[k]);
			s->pidfds[k] = -1;
			s->alive--;
		}
	}
	return !s->opts.npids || s->alive > 0;
}

static int event_loop(struct session *s)
{
	uint64_t deadline = s->opts.duration_ms ? now_ms() + s->opts.duration_ms : 0, now;
	int timeout, n, held, idle_ms = s->opts.poll_ms;
	bool running = true;

	while (running && !exiting && !s->out_closed) {
		timeout = idle_ms;
		/* come back when the oldest held record is due */
		held = reorder__timeout_ms(s->reorder, reorder_now_ns());
		if (held >= 0 && held < timeout)
			timeout = held;
		held = s->stats ? stats__timeout_ms(s->stats, upt_mono_ns()) : -1;
		if (held >= 0 && held < timeout)
			timeout = held;
		if (deadline) {
			now = now_ms();
			if (now >= deadline)
				break;
			if (deadline - now < (uint64_t)timeout)
				timeout = deadline - now;
		}
		running = wait_events(s, timeout);
		s->rctx.boot_to_real_ns = boot_to_real_offset();
		/* records committed without a wakeup are there too: consume, not epoll */
		n = tracer__consume(s->tracer);
		if (n < 0 && n != -EINTR) {
			upt_err("reading the ring buffer failed: %s", strerror(-n));
			return n;
		}
		reorder__release(s->reorder, reorder_now_ns());
		/* after a batch, look again within the wake interval: records committed
		 * without a wakeup are waiting */
		idle_ms = n > 0 && s->opts.wake_ms ? (int)s->opts.wake_ms : (int)s->opts.poll_ms;
		report_drops(s);
		if (s->stats && stats__due(s->stats, upt_mono_ns()))
			stats_report(s, 0, true, true);
		flush_output(s);
		if (s->opts.count && s->events >= s->opts.count)
			break;
		/* `uptrace ... | head -1`: leave when the reader does, even if idle */
		if (s->out_fd >= 0 && output_gone(s->out_fd))
			s->out_closed = true;
	}
	return 0;
}

/* For a person at a terminal: what is attached where, how long it took, how to stop. */
static void banner(struct session *s, uint64_t ms)
{
	uint32_t n, i, uprobes = 0, traces = __builtin_popcount(s->opts.traces);
	struct probe **probes = tracer__probes(s->tracer, &n);
	char what[160] = "", where[64];
	const char *target = where;

	for (i = 0; i < n; i++)
		uprobes += !probes[i]->silent && !(probes[i]->spec.flags & KTRACE_SPEC_FLAG);
	if (uprobes)
		snprintf(what, sizeof(what), "%u probe%s", uprobes, uprobes == 1 ? "" : "s");
	if (traces)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%u kernel trace%s",
			 uprobes ? " and " : "", traces, traces == 1 ? "" : "s");
	if (s->opts.command)
		target = s->cmd.exe;
	else if (s->opts.npids)
		snprintf(where, sizeof(where), "pid %d%s", (int)s->opts.pids[0],
			 s->opts.npids > 1 ? " and others" : "");
	else if (s->opts.binary)
		target = s->opts.binary;
	else
		target = "every process";
	upt_note("attached %s to %s (%llu ms); %sCtrl-C%s to stop", what, target,
		 (unsigned long long)ms, upt_sgr("1"), upt_sgr(NULL));
}

/* What became of the forwarded events: one line, after forward__close(). */
static void print_forward_summary(struct session *s, int close_err)
{
	struct forward_stats st;

	forward__stats(s->fwd, &st);
	if (s->opts.quiet && !st.dropped && !st.unacked)
		return;
	fprintf(stderr, "uptrace: forward to %s: %llu events in %llu batch%s, %llu acked, "
			"%llu resent, %s%llu dropped%s (buffer full), %s%llu unacked%s",
		s->opts.fwd_addr.text, (unsigned long long)st.events,
		(unsigned long long)st.batches, st.batches == 1 ? "" : "es",
		(unsigned long long)st.acked,
		(unsigned long long)st.resent, st.dropped ? upt_sgr("1;33") : "",
		(unsigned long long)st.dropped, st.dropped ? upt_sgr(NULL) : "",
		st.unacked ? upt_sgr("1;33") : "", (unsigned long long)st.unacked,
		st.unacked ? upt_sgr(NULL) : "");
	if (close_err == -ETIMEDOUT)
		fprintf(stderr, " (no ack within %.3g s)", s->opts.fwd_timeout_ms / 1000.0);
	fputc('\n', stderr);
}

static void print_summary(struct session *s)
{
	uint64_t ev = 0, lost = 0, tr = 0, fa = 0;
	struct probe **probes;
	uint32_t n, i;

	tracer__update_drops(s->tracer);
	probes = tracer__probes(s->tracer, &n);
	for (i = 0; i < n; i++) {
		ev += probes[i]->events;
		lost += probes[i]->drops;
		tr += probes[i]->truncated;
		fa += probes[i]->faults;
	}
	/* -q: nothing to say unless something was lost */
	if (s->opts.quiet && !lost && !s->rctx.bad_records && !sinks__failed(s->sinks))
		return;
	fprintf(stderr, "uptrace: %llu events, %s%llu lost%s, %llu truncated, %llu read faults",
		(unsigned long long)ev, lost ? upt_sgr("1;33") : "", (unsigned long long)lost,
		lost ? upt_sgr(NULL) : "", (unsigned long long)tr, (unsigned long long)fa);
	if (s->rctx.bad_records)
		fprintf(stderr, ", %llu malformed records",
			(unsigned long long)s->rctx.bad_records);
	if (sinks__failed(s->sinks))
		fprintf(stderr, ", %llu not rendered for lack of memory (dropped)",
			(unsigned long long)sinks__failed(s->sinks));
	/* a record that came more than the reorder window late went out as it came */
	if (reorder__late(s->reorder))
		fprintf(stderr, ", %llu out of time order",
			(unsigned long long)reorder__late(s->reorder));
	fputc('\n', stderr);
	for (i = 0; n > 1 && i < n; i++) {
		if (probes[i]->silent)
			continue;
		fprintf(stderr, "uptrace:   %s:%s%s  %llu events, %llu lost, %llu truncated, "
				"%llu read faults\n",
			probes[i]->binary, probes[i]->func, probes[i]->ret ? "%return" : "",
			(unsigned long long)probes[i]->events,
			(unsigned long long)probes[i]->drops,
			(unsigned long long)probes[i]->truncated,
			(unsigned long long)probes[i]->faults);
	}
}

/* Resolve every probe in one target (BINARY, a -p process, or -c's command). */
static int add_target_probes(struct session *s, const char *binary, pid_t pid, pid_t attach_pid)
{
	struct target t = { .max_bytes = s->opts.max_bytes, .debug_dirs = s->opts.debug_dirs,
			    .exact_entry = s->opts.exact_entry };
	int err, i;

	err = binary ? target__init_binary(&t, binary, pid) : target__init_pid(&t, pid);
	t.pid = attach_pid;
	for (i = 0; !err && i < s->opts.nprobes; i++)
		err = target__add_probe(&t, s->tracer, s->opts.probes[i]);
	target__free(&t);
	return err;
}

static int add_all_probes(struct session *s)
{
	int err = 0, i;

	if (s->opts.command)
		return s->opts.nprobes ? add_target_probes(s, s->opts.binary ?: s->cmd.exe, 0,
							   s->cmd.pid)
				       : 0;
	if (!s->opts.npids)
		return s->opts.nprobes ? add_target_probes(s, s->opts.binary, 0, -1) : 0;
	for (i = 0; !err && i < s->opts.npids; i++) {
		s->pidfds[i] = pidfd_open(s->opts.pids[i], 0);
		if (s->pidfds[i] < 0) {
			err = -errno;
			upt_err("pid %d: %s", (int)s->opts.pids[i],
				err == -ESRCH ? "no such process" : strerror(-err));
			return err;
		}
		s->alive++;
		if (s->opts.nprobes)
			err = add_target_probes(s, s->opts.binary, s->opts.pids[i],
						s->opts.pids[i]);
	}
	return err;
}

/*
 * Loading tracing programs needs CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN covers both on
 * kernels that predate them); say which one is missing before anything else is tried.
 */
static int check_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	char missing[64] = "";

	if (syscall(SYS_capget, &hdr, data))
		return 0; /* cannot tell: let the kernel say */
#define HAS(cap) (data[(cap) / 32].effective & (1u << ((cap) % 32)))
	if (HAS(CAP_SYS_ADMIN))
		return 0;
	if (!HAS(CAP_BPF))
		strcat(missing, "CAP_BPF");
	if (!HAS(CAP_PERFMON))
		strcat(missing, *missing ? " and CAP_PERFMON" : "CAP_PERFMON");
#undef HAS
	if (!*missing)
		return 0;
	upt_err("missing %s: run uptrace as root, or grant it %s", missing, missing);
	return -EPERM;
}

/* The sinks: the events' file (stdout or -o) in --format, and --forward's sender. */
static int setup_sinks(struct session *s)
{
	int err = sinks__new(&s->sinks);

	if (!err && s->out_fd >= 0)
		err = sinks__add_fd(s->sinks, s->out_fd, s->opts.output ?: "stdout",
				    s->opts.format == FORMAT_MSGPACK ? EMIT_MSGPACK : EMIT_JSON);
	if (!err && s->fwd)
		err = sinks__add_forward(s->sinks, s->fwd, s->opts.tag);
	if (err)
		upt_err("cannot set up the output: %s", strerror(-err));
	return err;
}

static int setup(struct session *s)
{
	struct tracer_opts topts = {
		.ringbuf_size = s->opts.ringbuf_size,
		.wake_interval_ms = s->opts.wake_ms,
		.follow = s->opts.follow,
		.pids = s->opts.pids,
		.npids = s->opts.npids,
		.traces = s->opts.traces,
		.trace_all = s->opts.trace_all,
		.exe = s->opts.command || s->opts.npids ? NULL : s->opts.binary,
		.cmd_pending = s->opts.command != NULL,
		.portable = s->opts.portable,
		.sample = on_sample,
		.ctx = s,
	};
	struct reorder_opts ropts = {
		.window_ns = REORDER_DEF_WINDOW_NS,
		.max_bytes = REORDER_DEF_MAX_BYTES,
		.emit = on_record,
		.ctx = s,
	};
	int err;

	err = check_capabilities();
	err = err ?: reorder__new(&ropts, &s->reorder);
	if (err)
		return err;
	if (s->opts.command) {
		/* events on stdout: CMD's output must not land among them */
		err = command__start(&s->cmd, s->opts.command, s->opts.run_as_root,
				     !s->opts.output && !s->opts.forward);
		if (err)
			return err;
		topts.pids = &s->cmd.pid;
		topts.npids = 1;
	}
	err = tracer__new(&topts, &s->tracer);
	err = err ?: add_all_probes(s);
	if (err)
		return err;
	if (s->opts.forward) {
		struct forward_opts fo = { .addr = s->opts.fwd_addr,
					   .buffer_bytes = s->opts.fwd_buffer };

		err = forward__new(&fo, &s->fwd);
		if (err)
			return err;
		if (!s->opts.output)
			s->out_fd = -1; /* events go to the receiver, stdout stays empty */
	}
	if (s->opts.output) {
		s->out_fd = open(s->opts.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->out_fd < 0) {
			err = -errno;
			upt_err("%s: cannot open for writing: %s", s->opts.output, strerror(errno));
			return err;
		}
	}
	err = setup_sinks(s);
	err = err ?: tracer__load(s->tracer);
	err = err ?: tracer__attach(s->tracer);
	if (err)
		return err;
	s->rctx.probes = tracer__probes(s->tracer, &s->rctx.nprobes);
	return 0;
}

int main(int argc, char **argv)
{
	struct session s = { .out_fd = STDOUT_FILENO, .cmd_status = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int err, status = 0, i;
	uint64_t t0;
	uint64_t end_ns;

	for (i = 0; i < MAX_PIDS; i++)
		s.pidfds[i] = -1;
	s.cmd.pidfd = s.cmd.go_fd = -1;
	upt_term_init(true);
	if (parse_args(argc, argv, &s.opts))
		return EXIT_USAGE;
	upt_term_init(s.opts.quiet);
	sym_set_print(sym_print);
	libbpf_set_print(libbpf_print);
	/* debug info comes from this machine; a debuginfod download is not ours to start */
	unsetenv("DEBUGINFOD_URLS");
	if (s.opts.mode == MODE_VERSION) {
		printf("uptrace %s\n", UPTRACE_VERSION);
		if (!upt_verbose)
			return 0;
		/* -v: the libbpf it runs with, what this kernel offers and the path taken */
		printf("libbpf %s\n", libbpf_version_string());
		return features__check(stdout, s.opts.portable) ? EXIT_USAGE : 0;
	}
	if (s.opts.mode == MODE_CHECK)
		return features__check(stdout, s.opts.portable) ? EXIT_USAGE : 0;
	if (s.opts.mode == MODE_LIST)
		return list_functions(s.opts.binary, s.opts.npids ? s.opts.pids[0] : 0,
				      s.opts.nprobes ? s.opts.probes[0] : NULL, s.opts.debug_dirs,
				      s.opts.names_only ? LIST_NAMES
				      : upt_verbose	? LIST_LOCATIONS
							: LIST_SIGNATURES)
			       ? EXIT_USAGE
			       : 0;
	if (s.opts.mode == MODE_EXPLAIN)
		return explain_function(s.opts.binary, s.opts.npids ? s.opts.pids[0] : 0,
					s.opts.probes[0], s.opts.debug_dirs)
			       ? EXIT_USAGE
			       : 0;
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	t0 = now_ms();
	err = setup(&s);
	if (err) {
		command__abort(&s.cmd);
		status = EXIT_USAGE;
		goto cleanup;
	}
	upt_info("tracing %u probe(s) and trace(s); Ctrl-C to stop", s.rctx.nprobes);
	banner(&s, now_ms() - t0);
	if (s.opts.command && command__release(&s.cmd)) {
		upt_err("cannot start %s", s.cmd.exe);
		command__abort(&s.cmd);
		status = 1;
		goto cleanup;
	}
	if ((s.opts.stats_text || s.opts.stats_json) &&
	    stats__new(s.rctx.probes, s.rctx.nprobes, s.opts.stats_ms * 1000000, upt_mono_ns(),
		       &s.stats)) {
		status = 1;
		goto cleanup;
	}
	if (event_loop(&s))
		status = 1;
	/* what is still in the ring was recorded before we stopped: deliver it, in order */
	if (!s.out_closed) {
		tracer__consume(s.tracer);
		reorder__flush(s.reorder);
	}
	report_drops(&s);
	end_ns = upt_mono_ns();
	if (s.stats)
		stats_report(&s, end_ns, false, true);
	flush_output(&s);
	err = s.fwd ? forward__close(s.fwd, s.opts.fwd_timeout_ms) : 0;
	print_summary(&s);
	if (s.stats)
		stats_report(&s, end_ns, true, false);
	if (s.fwd)
		print_forward_summary(&s, err);
	if (s.opts.command) {
		if (s.cmd_status < 0) /* stopped before CMD ended (signal, count): CMD goes on */
			upt_info("%s still runs as pid %d", s.cmd.exe, (int)s.cmd.pid);
		else {
			if (!s.opts.quiet)
				fprintf(stderr, "uptrace: %s exited with status %d\n", s.cmd.exe,
					s.cmd_status);
			if (!status)
				status = s.cmd_status;
		}
	}
cleanup:
	stats__free(s.stats);
	tracer__free(s.tracer);
	forward__free(s.fwd);
	reorder__free(s.reorder);
	for (i = 0; i < MAX_PIDS; i++)
		if (s.pidfds[i] >= 0)
			close(s.pidfds[i]);
	command__free(&s.cmd);
	if (s.out_fd != STDOUT_FILENO && s.out_fd >= 0)
		close(s.out_fd);
	sinks__free(s.sinks);
	return status;
}

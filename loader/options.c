// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * options.c - uptrace's options: one table, the parse, the checks of how they go together,
 * and --help.
 *
 * Each option is one entry of options_table[] with its help text beside it (the shape of
 * retsnoop's src/env.c): what it is called, what it takes, what it sets.  getopt_long's
 * option array and short-option string are made from the table, and so is the option part
 * of --help: an option cannot be parsed without being documented, nor documented without
 * being parsed.
 *
 * The work is in two steps.  options_parse() takes each option on its own: a number is
 * parsed with strtoull() and checked against the entry's range, a name against the names it
 * may be, a repeatable option collected; the words that are not options are kept in order.
 * options_validate() then looks at the whole: options that need or exclude others, what the
 * modes (-l, --explain, --check, -V) take, and which word is BINARY and which are probes.
 * Every complaint is one line through upt_err() and makes the caller exit with status 2.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ktrace.h"
#include "options.h"
#include "symbols.h"
#include "target.h"
#include "uptrace.h"
#include "util.h"

/* The column the help text of every option starts in. */
#define HELP_COL 26
/* getopt_long's value for an option with no letter: its index in the table, past chars. */
#define LONG_ONLY 256

/* ---- the text around the options ---------------------------------------------------------- */

static const char usage_head[] =
	"Usage: uptrace [OPTIONS] BINARY PROBE...\n"
	"       uptrace [OPTIONS] -p PID [BINARY] PROBE...\n"
	"       uptrace [OPTIONS] -c 'CMD ARGS' [BINARY] PROBE...\n"
	"       uptrace [OPTIONS] {-p PID | -c 'CMD' | BINARY | --all} -t TRACE... [PROBE...]\n"
	"       uptrace -l [-v] [-p PID | BINARY] [GLOB]\n"
	"       uptrace --explain [-p PID | BINARY] FUNC\n"
	"Trace calls of functions in BINARY with uprobes; print one JSON event per call.\n"
	"BINARY is a path or a library name (libc, libssl.so.3) found like the dynamic loader\n"
	"would, or a file of that name here; without -p, probes fire in every process that\n"
	"maps it.  BINARY:PROBE in one word (bpftrace's way: libssl:SSL_write) is the same.\n"
	"\n"
	"PROBE  := [OBJ:]FUNC[%return][(FETCH, ...)]    FUNC may be a glob: 'flb_input_*'\n"
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
	"Options:\n";

static const char usage_tail[] =
	"\n"
	"Output: NDJSON on stdout, one event per line:\n"
	"  {\"time\":\"...Z\",\"event_type\":\"uprobe\",\"pid\":N,\"tid\":N,\"comm\":\"...\",\n"
	"   \"binary\":\"...\",\"function\":\"...\",\"args\":{...}}\n"
	"FUNC%return gives "
	"{\"event_type\":\"uretprobe\",...,\"retval\":...,\"duration_ns\":N,\"call_id\":N}.\n"
	"A capture cut at --max-bytes is {\"value\":...,\"truncated\":true,\"length\":N}; "
	"lost events\n"
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
	"  uptrace /bin/bash 'readline%return($retval:str)'\n"
	"  uptrace ./flb-mini 'flb_input_*' > events.ndjson\n"
	"  uptrace --stats -c './flb-mini -n 1000' 'flb_input_log_append%return' -o /dev/null\n"
	"  uptrace --forward 127.0.0.1:24224 -p \"$(pidof fluent-bit)\" flb_input_log_append\n";

/* ---- parsing one value -------------------------------------------------------------------- */

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

/* Seconds, fractions allowed, into milliseconds (at least 1). */
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

/* ---- what an option sets ------------------------------------------------------------------ */

static void *field(const struct opt_def *d, struct options *o)
{
	return (char *)o + d->off;
}

/* "--name", for messages */
static const char *dashed(const struct opt_def *d)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "--%s", d->name);
	return buf;
}

static void store_num(const struct opt_def *d, struct options *o, uint64_t v)
{
	if (d->size == sizeof(uint32_t))
		*(uint32_t *)field(d, o) = v;
	else
		*(uint64_t *)field(d, o) = v;
}

static int set_flag(const struct opt_def *d, const char *arg, struct options *o)
{
	*(bool *)field(d, o) = true;
	return 0;
}

static int set_counter(const struct opt_def *d, const char *arg, struct options *o)
{
	(*(int *)field(d, o))++;
	return 0;
}

static int set_mode(const struct opt_def *d, const char *arg, struct options *o)
{
	o->mode = d->value;
	return 0;
}

/* --names: -l, names only */
static int set_names(const struct opt_def *d, const char *arg, struct options *o)
{
	o->mode = MODE_LIST;
	o->names_only = true;
	return 0;
}

static int set_string(const struct opt_def *d, const char *arg, struct options *o)
{
	*(const char **)field(d, o) = arg;
	return 0;
}

static int set_number(const struct opt_def *d, const char *arg, struct options *o)
{
	uint64_t v;

	if (parse_u64(dashed(d), arg, d->min, d->max, &v))
		return -EINVAL;
	store_num(d, o, v);
	return 0;
}

static int set_power_of_two(const struct opt_def *d, const char *arg, struct options *o)
{
	uint64_t v;

	if (parse_u64(dashed(d), arg, d->min, d->max, &v))
		return -EINVAL;
	if (v & (v - 1)) {
		upt_err("%s: %llu is not a power of two", dashed(d), (unsigned long long)v);
		return -EINVAL;
	}
	store_num(d, o, v);
	return 0;
}

/* seconds on the command line, milliseconds in struct options */
static int set_seconds(const struct opt_def *d, const char *arg, struct options *o)
{
	return parse_seconds(dashed(d), arg, (uint64_t *)field(d, o));
}

/* --stats[=SECONDS], --stats-json[=SECONDS]: one interval for both; value picks the output */
static int set_stats(const struct opt_def *d, const char *arg, struct options *o)
{
	if (arg && set_seconds(d, arg, o))
		return -EINVAL;
	*(d->value ? &o->stats_json : &o->stats_text) = true;
	return 0;
}

static int set_pid(const struct opt_def *d, const char *arg, struct options *o)
{
	uint64_t v;

	if (o->npids == MAX_PIDS) {
		upt_err("-p: at most %d processes", MAX_PIDS);
		return -EINVAL;
	}
	if (parse_u64(dashed(d), arg, d->min, d->max, &v))
		return -EINVAL;
	o->pids[o->npids++] = v;
	return 0;
}

static int set_debuginfo(const struct opt_def *d, const char *arg, struct options *o)
{
	if (o->ndebug_dirs == MAX_DEBUG_DIRS) {
		upt_err("--debuginfo: at most %d directories", MAX_DEBUG_DIRS);
		return -EINVAL;
	}
	o->debug_dirs[o->ndebug_dirs++] = arg;
	return 0;
}

static int set_trace(const struct opt_def *d, const char *arg, struct options *o)
{
	return ktrace_parse(arg, &o->traces);
}

static int set_format(const struct opt_def *d, const char *arg, struct options *o)
{
	if (!strcmp(arg, "json")) {
		o->format = FORMAT_JSON;
	} else if (!strcmp(arg, "msgpack")) {
		o->format = FORMAT_MSGPACK;
	} else {
		upt_err("--format: '%s' is not json or msgpack", arg);
		return -EINVAL;
	}
	return 0;
}

static int set_forward(const struct opt_def *d, const char *arg, struct options *o)
{
	if (forward_parse_addr(arg, &o->fwd_addr))
		return -EINVAL;
	o->forward = true;
	return 0;
}

static int set_tag(const struct opt_def *d, const char *arg, struct options *o)
{
	if (!*arg || strlen(arg) > FWD_MAX_TAG) {
		upt_err("--tag: a tag is 1 to %d characters", FWD_MAX_TAG);
		return -EINVAL;
	}
	o->tag = arg;
	return 0;
}

/* ---- the table ---------------------------------------------------------------------------- */

#define AT(f) .off = offsetof(struct options, f), .size = sizeof(((struct options *)0)->f)

const struct opt_def options_table[] = {
	{ "pid", 'p', "PID", required_argument, set_pid, .min = 1, .max = INT32_MAX,
	  .help = "trace this process only (repeatable): its executable and\n"
		  "every object it maps, through /proc/PID/root (containers\n"
		  "work); a bare FUNC is looked for in the executable first,\n"
		  "then its libraries; uptrace exits when the process does" },
	{ "command", 'c', "'CMD'", required_argument, set_string, AT(command),
	  .help = "run CMD once every probe is attached, trace it, exit with\n"
		  "its status; under sudo CMD runs as SUDO_UID/SUDO_GID;\n"
		  "CMD's stdout goes to stderr while events go to stdout" },
	{ "run-as-root", 0, NULL, no_argument, set_flag, AT(run_as_root),
	  .help = "with -c under sudo: keep root for CMD" },
	{ "follow", 0, NULL, no_argument, set_flag, AT(follow),
	  .help = "with -p/-c: trace children (fork/clone) too, from their\n"
		  "first instruction, and across exec" },
	{ "list", 'l', NULL, no_argument, set_mode, .value = MODE_LIST,
	  .help = "list the functions of BINARY (or -p PID) matching [GLOB]\n"
		  "with their signatures; -v adds argument locations" },
	{ "names", 0, NULL, no_argument, set_names,
	  .help = "like -l, but only the names, one a line (for scripts)" },
	{ "explain", 0, NULL, no_argument, set_mode, .value = MODE_EXPLAIN,
	  .help = "say how BINARY FUNC resolves: table, address, offset,\n"
		  "debug file, source line, where each argument is read" },
	{ "debuginfo", 0, "DIR", required_argument, set_debuginfo,
	  .help = "look for separate debug files in DIR first (repeatable)" },
	{ "exact-entry", 0, NULL, no_argument, set_flag, AT(exact_entry),
	  .help = "probe each function's first instruction, even when a later\n"
		  "one (past endbr64 and the like) is cheaper for the kernel" },
	{ "trace", 't', "TRACE", required_argument, set_trace,
	  .help = "kernel events of the same processes, in the same stream\n"
		  "(repeatable): exec, signal, malloc, bind, tcp, vfs or all\n"
		  "(trace_exec ... accepted); Fluent Bit in_ebpf's fields.\n"
		  "With -p/-c they follow children; with BINARY they cover\n"
		  "the processes running it" },
	{ "all", 0, NULL, no_argument, set_flag, AT(trace_all),
	  .help = "kernel traces of every process, not only the target's" },
	{ "count", 'n', "N", required_argument, set_number, AT(count), .min = 1,
	  .max = UINT64_MAX, .help = "stop after N events" },
	{ "duration", 'd', "SECONDS", required_argument, set_seconds, AT(duration_ms),
	  .help = "stop after SECONDS (fractions allowed)" },
	{ "output", 'o', "FILE", required_argument, set_string, AT(output),
	  .help = "write events to FILE instead of stdout" },
	{ "format", 0, "FORMAT", required_argument, set_format,
	  .help = "json (NDJSON, the default) or msgpack (the same events as\n"
		  "a msgpack stream, one map per event)" },
	{ "stats", 0, "SECONDS", optional_argument, set_stats, AT(stats_ms), .dflt = 1000,
	  .value = 0,
	  .help = "every SECONDS (default {default}, fractions allowed) a line per\n"
		  "active probe on stderr: calls/s, bytes/s, lost, read\n"
		  "faults; at exit a table per probe and, for %return\n"
		  "probes, negative returns and a log2 histogram of\n"
		  "duration_ns" },
	{ "stats-json", 0, "SECONDS", optional_argument, set_stats, AT(stats_ms), .dflt = 1000,
	  .value = 1,
	  .help = "the same numbers as {\"event_type\":\"stats\"} events\n"
		  "in the output, every SECONDS and at exit (one interval\n"
		  "for both options)" },
	{ "forward", 0, "ADDR", required_argument, set_forward,
	  .help = "send events to Fluent Bit's or Fluentd's in_forward at\n"
		  "HOST:PORT, [IPV6]:PORT or unix:PATH (Forward protocol,\n"
		  "acknowledged batches, resent after a reconnect) instead of\n"
		  "stdout; with -o they are written to FILE too" },
	{ "tag", 0, "TAG", required_argument, set_tag,
	  .help = "the tag of every forwarded event (default\n"
		  "uptrace.<event_type>: uptrace.uprobe, uptrace.exec, ...)" },
	{ "forward-buffer", 0, "N", required_argument, set_number, AT(fwd_buffer), .min = 1024,
	  .max = 1ULL << 40,
	  .help = "bytes held while the receiver is away or has not acked\n"
		  "(default 64 MiB); events beyond are dropped and counted" },
	/* its default is set by options_validate(): 0 here says it was not given */
	{ "forward-timeout", 0, "SECONDS", required_argument, set_seconds, AT(fwd_timeout_ms),
	  .help = "at exit, longest wait for the last acks (default 5)" },
	/* 0 (not given) lets each argument have its default: see probe__build() */
	{ "max-bytes", 0, "N", required_argument, set_number, AT(max_bytes), .min = 1,
	  .max = UPT_MAX_MAX_BYTES,
	  .help = "capture at most N bytes per argument (default 4096, and\n"
		  "65536 for msgpack and auto buffers; at most {max})" },
	{ "ringbuf-size", 0, "N", required_argument, set_power_of_two, AT(ringbuf_size),
	  .min = 4096, .max = 1u << 30, .dflt = UPT_DEF_RINGBUF_SZ,
	  .help = "ring buffer bytes, a power of two (default {default})" },
	{ "wake-ms", 0, "MS", required_argument, set_number, AT(wake_ms), .min = 0, .max = 10000,
	  .dflt = 10,
	  .help = "longest an event waits in the ring buffer (default {default};\n"
		  "0 wakes uptrace for every event, costing the target more)" },
	{ "poll-ms", 0, "MS", required_argument, set_number, AT(poll_ms), .min = 1,
	  .max = 3600000, .dflt = 1000,
	  .help = "longest idle wait between looks at the ring buffer\n"
		  "(default {default}); events still come out when they arrive" },
	{ "quiet", 'q', NULL, no_argument, set_flag, AT(quiet),
	  .help = "no readiness line, no colour; the summary only when\n"
		  "events were lost" },
	{ "verbose", 'v', NULL, no_argument, set_counter, AT(verbose),
	  .help = "say what is resolved and attached (twice: libbpf debug)" },
	{ "check", 0, NULL, no_argument, set_mode, .value = MODE_CHECK,
	  .help = "say what this kernel offers, load every BPF program on it\n"
		  "and report its stack; the last line is the copy path\n"
		  "taken (kfunc on 6.16+, else portable); status 2 when\n"
		  "uptrace cannot run here, with the reason" },
	{ "portable", 0, NULL, no_argument, set_flag, AT(portable),
	  .help = "copy arguments the way every supported kernel can, even\n"
		  "where the 6.16 dynptr kfuncs are there (same output)" },
	{ "version", 'V', NULL, no_argument, set_mode, .value = MODE_VERSION,
	  .help = "print the version (with -v, also what --check says)" },
	{ "help", 'h', NULL, no_argument, set_mode, .value = MODE_HELP, .help = "this help" },
};

const unsigned int options_count = ARRAY_SIZE(options_table);

/* ---- --help ------------------------------------------------------------------------------- */

/* One line of an option's help, {default} and {max} filled in. */
static void put_help_line(FILE *f, const struct opt_def *d, const char *s, size_t len)
{
	bool secs = d->set == set_seconds || d->set == set_stats;
	const char *end = s + len, *p;
	uint64_t v;

	while (s < end) {
		p = memchr(s, '{', end - s) ?: end;
		fwrite(s, 1, p - s, f);
		if (p == end)
			break;
		if (!strncmp(p, "{default}", 9) || !strncmp(p, "{max}", 5)) {
			v = p[1] == 'd' ? d->dflt : d->max;
			if (secs)
				fprintf(f, "%g", v / 1000.0);
			else
				fprintf(f, "%llu", (unsigned long long)v);
			s = p + (p[1] == 'd' ? 9 : 5);
		} else {
			fputc('{', f);
			s = p + 1;
		}
	}
}

static void put_option(FILE *f, const struct opt_def *d)
{
	const char *line = d->help, *nl;
	char head[64];
	int n;

	if (d->letter)
		n = snprintf(head, sizeof(head), "-%c, --%s", d->letter, d->name);
	else
		n = snprintf(head, sizeof(head), "    --%s", d->name);
	if (d->arg)
		n += snprintf(head + n, sizeof(head) - n, d->has_arg == optional_argument ? "[=%s]"
											  : " %s",
			      d->arg);
	/* the help begins at HELP_COL, or two spaces after an option that reaches past it */
	fprintf(f, "  %-*s", HELP_COL - 2 > n + 2 ? HELP_COL - 2 : n + 2, head);
	for (;; line = nl + 1) {
		nl = strchr(line, '\n');
		put_help_line(f, d, line, nl ? (size_t)(nl - line) : strlen(line));
		fputc('\n', f);
		if (!nl)
			break;
		fprintf(f, "%*s", HELP_COL, "");
	}
}

void options_usage(FILE *f)
{
	unsigned int i;

	fputs(usage_head, f);
	for (i = 0; i < options_count; i++)
		put_option(f, &options_table[i]);
	fputs(usage_tail, f);
}

/* ---- options_parse() ---------------------------------------------------------------------- */

/* getopt_long's arrays, from the table. */
static void getopt_arrays(struct option *longopts, char *shortopts)
{
	const struct opt_def *d;
	unsigned int i;

	for (i = 0; i < options_count; i++) {
		d = &options_table[i];
		longopts[i] = (struct option){ d->name, d->has_arg, NULL,
					       d->letter ? d->letter : LONG_ONLY + (int)i };
		if (!d->letter)
			continue;
		*shortopts++ = d->letter;
		if (d->has_arg == required_argument)
			*shortopts++ = ':';
		else if (d->has_arg == optional_argument)
			shortopts += sprintf(shortopts, "::");
	}
	longopts[i] = (struct option){};
	*shortopts = '\0';
}

static const struct opt_def *option_of(int c)
{
	unsigned int i;

	if (c >= LONG_ONLY)
		return c - LONG_ONLY < (int)options_count ? &options_table[c - LONG_ONLY] : NULL;
	for (i = 0; i < options_count; i++)
		if (options_table[i].letter == c)
			return &options_table[i];
	return NULL;
}

/* A word the user may have meant as the optional argument: digits and dots only. */
static bool looks_like_seconds(const char *s)
{
	size_t n = strspn(s, "0123456789.");

	return n && !s[n];
}

int options_parse(int argc, char **argv, struct options *o)
{
	struct option longopts[ARRAY_SIZE(options_table) + 1];
	char shortopts[3 * ARRAY_SIZE(options_table) + 1];
	const struct opt_def *d;
	unsigned int i;
	int c;

	*o = (struct options){};
	for (i = 0; i < options_count; i++)
		if (options_table[i].dflt)
			store_num(&options_table[i], o, options_table[i].dflt);
	getopt_arrays(longopts, shortopts);
	optind = 0; /* a fresh scan, permuting again: options may follow the probes */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		d = option_of(c);
		if (!d) { /* getopt_long said what was wrong */
			fprintf(stderr, "Try 'uptrace --help'.\n");
			return -EINVAL;
		}
		/* an optional argument needs '=': `--stats 0.5` would take 0.5 as BINARY */
		if (d->has_arg == optional_argument && !optarg && optind < argc &&
		    looks_like_seconds(argv[optind])) {
			upt_err("%s takes its interval after '=': %s=%s", argv[optind - 1],
				argv[optind - 1], argv[optind]);
			return -EINVAL;
		}
		if (d->set(d, optarg, o))
			return -EINVAL;
		if (o->mode == MODE_HELP)
			return 0;
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

/* ---- options_validate() ------------------------------------------------------------------- */

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
static int validate_query(struct options *o)
{
	int want_bin = o->npids ? 0 : 1;

	if (o->command || o->npids > 1 || o->nargs < want_bin || o->nargs > want_bin + 1 ||
	    (o->mode == MODE_EXPLAIN && o->nargs != want_bin + 1)) {
		upt_err(o->mode == MODE_LIST ? "usage: uptrace -l [-p PID | BINARY] [GLOB]"
					     : "usage: uptrace --explain [-p PID | BINARY] FUNC");
		return -EINVAL;
	}
	o->binary = want_bin ? o->args[0] : NULL;
	o->probes = o->args + want_bin;
	o->nprobes = o->nargs - want_bin;
	return 0;
}

/* Options that need another one, or exclude one. */
static int validate_combinations(struct options *o)
{
	if (!o->forward && (o->tag || o->fwd_buffer || o->fwd_timeout_ms)) {
		upt_err("%s applies to --forward", o->tag ? "--tag" : o->fwd_buffer
					       ? "--forward-buffer" : "--forward-timeout");
		return -EINVAL;
	}
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
	return 0;
}

/*
 * bpftrace's habit, the object and the function in one word with no BINARY before it
 * (`uptrace libssl:SSL_write`): when the word is no file, it is BINARY:PROBE where a probe
 * would be OBJ:FUNC, split at the last single ':' before '(' or '%' ("::" is C++'s, as in
 * docs/probes.md), with something on both sides.  Split in place: w becomes BINARY; the
 * PROBE is returned.
 */
static char *split_binary_probe(char *w)
{
	size_t end = strcspn(w, "(%"), i, colon = 0;
	struct stat st;

	for (i = 0; i < end; i++) {
		if (w[i] != ':')
			continue;
		if (w[i + 1] == ':') {
			i++;
			continue;
		}
		colon = i;
	}
	if (!colon || !w[colon + 1] || !stat(w, &st))
		return NULL;
	w[colon] = '\0';
	return w + colon + 1;
}

/* Which word is BINARY, which are probes; what kernel traces need of the target. */
static int validate_words(struct options *o)
{
	char **w = o->args, *probe;

	if (!o->command && !o->npids && o->nargs && (probe = split_binary_probe(w[0]))) {
		o->binary = w[0];
		w[0] = probe;
	} else if (o->command || o->npids) {
		if (names_binary(w[0], o->nargs, o->npids ? o->pids[0] : 0))
			o->binary = *w++;
	} else {
		o->binary = o->nargs ? *w++ : NULL;
	}
	o->probes = w;
	o->nprobes = o->nargs - (w - o->args);
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
	if (!o->nprobes && !o->traces) {
		upt_err(o->binary ? "no probe given after %s" : "no binary and no probe given%s",
			o->binary ?: "");
		fprintf(upt_errf ?: stderr, "Try 'uptrace --help'.\n");
		return -EINVAL;
	}
	return 0;
}

int options_validate(struct options *o)
{
	switch (o->mode) {
	case MODE_HELP:
		return 0;
	case MODE_VERSION:
	case MODE_CHECK:
		if (o->nargs) {
			upt_err("%s takes no arguments", o->mode == MODE_CHECK ? "--check"
									     : "--version");
			return -EINVAL;
		}
		return 0;
	case MODE_LIST:
	case MODE_EXPLAIN:
		return validate_query(o);
	case MODE_TRACE:
		break;
	}
	if (validate_combinations(o))
		return -EINVAL;
	if (!o->fwd_timeout_ms)
		o->fwd_timeout_ms = FWD_DEF_TIMEOUT_MS;
	return validate_words(o);
}

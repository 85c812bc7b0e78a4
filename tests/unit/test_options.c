// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_options.c - the command line: every option of the table parses and sets what it
 * should (long, short, with '='), repeatable options collect, numbers are range-checked,
 * each validation error has its exact text and is said once, the words after the options
 * become BINARY and probes, and --help lists every option of the table exactly once.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"
#include "uptrace.h"
#include "util.h"

/* ---- running a command line --------------------------------------------------------------- */

static char *argv_buf[256]; /* getopt_long permutes it; struct options points into it */
static char *msgs;	    /* what the last run said through upt_errf */
static size_t msgs_len;
static char stderr_text[4096]; /* what getopt_long itself printed on stderr */

/* Parse WORDS (NULL-terminated; "uptrace" is put before them), and validate when asked. */
static int run_words(struct options *o, bool validate, const char **words)
{
	FILE *saved = upt_errf;
	int argc = 0, err, fd, saved_fd;
	FILE *tmp = tmpfile();
	ssize_t n;

	/* writable copies, as a real argv is: BINARY:PROBE is split in place */
	static char word_buf[ARRAY_SIZE(argv_buf)][1024];

	argv_buf[argc++] = "uptrace";
	while (*words && argc < (int)ARRAY_SIZE(argv_buf) - 1) {
		snprintf(word_buf[argc], sizeof(word_buf[argc]), "%s", *words++);
		argv_buf[argc] = word_buf[argc];
		argc++;
	}
	argv_buf[argc] = NULL;
	free(msgs);
	msgs = NULL;
	upt_errf = open_memstream(&msgs, &msgs_len);
	/* getopt_long complains on stderr: catch that too */
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	fd = fileno(tmp);
	dup2(fd, STDERR_FILENO);
	err = options_parse(argc, argv_buf, o);
	if (!err && validate)
		err = options_validate(o);
	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	n = pread(fd, stderr_text, sizeof(stderr_text) - 1, 0);
	stderr_text[n > 0 ? n : 0] = '\0';
	fclose(tmp);
	fclose(upt_errf);
	upt_errf = saved;
	return err;
}

#define WORDS(...) ((const char *[]){ __VA_ARGS__, NULL })
/* parse only; parse and validate */
#define PARSE(o, ...) run_words(o, false, WORDS(__VA_ARGS__))
#define RUN(o, ...)   run_words(o, true, WORDS(__VA_ARGS__))

/* Parsed and validated without a word said. */
#define assert_ok(...)                                                                   \
	do {                                                                             \
		int err_ = RUN(__VA_ARGS__);                                             \
		if (err_ || *msgs || *stderr_text)                                       \
			fail_msg("%s: %d, said: %s%s", #__VA_ARGS__, err_, msgs, stderr_text); \
	} while (0)

/* Refused, with exactly this one line (and nothing more). */
#define assert_refused(line, ...) assert_said(RUN(__VA_ARGS__), "uptrace: " line "\n")

static void assert_said(int err, const char *want)
{
	assert_int_equal(err, -EINVAL);
	assert_string_equal(msgs, want);
	assert_string_equal(stderr_text, "");
}

static void free_msgs(void)
{
	free(msgs);
	msgs = NULL;
}

static const struct opt_def *find(const char *name)
{
	unsigned int i;

	for (i = 0; i < options_count; i++)
		if (!strcmp(options_table[i].name, name))
			return &options_table[i];
	return NULL;
}

/* ---- every option ------------------------------------------------------------------------- */

/* An argument each option accepts, and what it must then have set. */
static const struct {
	const char *name, *arg;
} samples[] = {
	{ "pid", "123" },	     { "command", "true x" },	 { "run-as-root", NULL },
	{ "follow", NULL },	     { "list", NULL },		 { "names", NULL },
	{ "explain", NULL },	     { "debuginfo", "/dbg" },	 { "exact-entry", NULL },
	{ "trace", "vfs" },	     { "all", NULL },		 { "count", "7" },
	{ "duration", "2.5" },	     { "output", "out.json" },	 { "format", "msgpack" },
	{ "stats", "0.25" },	     { "stats-json", "3" },	 { "forward", "[::1]:24224" },
	{ "tag", "my.tag" },	     { "forward-buffer", "4096" }, { "forward-timeout", "0.5" },
	{ "max-bytes", "65536" },    { "ringbuf-size", "65536" }, { "wake-ms", "0" },
	{ "poll-ms", "20" },	     { "quiet", NULL },		 { "verbose", NULL },
	{ "check", NULL },	     { "portable", NULL },	 { "version", NULL },
	{ "help", NULL },
};

static bool set_as_sampled(const char *name, const struct options *o)
{
#define IS(n) (!strcmp(name, n))
	if (IS("pid"))
		return o->npids == 1 && o->pids[0] == 123;
	if (IS("command"))
		return o->command && !strcmp(o->command, "true x");
	if (IS("run-as-root"))
		return o->run_as_root;
	if (IS("follow"))
		return o->follow;
	if (IS("list"))
		return o->mode == MODE_LIST && !o->names_only;
	if (IS("names"))
		return o->mode == MODE_LIST && o->names_only;
	if (IS("explain"))
		return o->mode == MODE_EXPLAIN;
	if (IS("debuginfo"))
		return o->ndebug_dirs == 1 && !strcmp(o->debug_dirs[0], "/dbg") &&
		       !o->debug_dirs[1];
	if (IS("exact-entry"))
		return o->exact_entry;
	if (IS("trace"))
		return o->traces == UPT_TRACE_BIT(UPT_TRACE_VFS);
	if (IS("all"))
		return o->trace_all;
	if (IS("count"))
		return o->count == 7;
	if (IS("duration"))
		return o->duration_ms == 2500;
	if (IS("output"))
		return o->output && !strcmp(o->output, "out.json");
	if (IS("format"))
		return o->format == FORMAT_MSGPACK;
	if (IS("stats"))
		return o->stats_text && !o->stats_json && o->stats_ms == 250;
	if (IS("stats-json"))
		return o->stats_json && !o->stats_text && o->stats_ms == 3000;
	if (IS("forward"))
		return o->forward && !strcmp(o->fwd_addr.host, "::1") &&
		       !strcmp(o->fwd_addr.port, "24224");
	if (IS("tag"))
		return o->tag && !strcmp(o->tag, "my.tag");
	if (IS("forward-buffer"))
		return o->fwd_buffer == 4096;
	if (IS("forward-timeout"))
		return o->fwd_timeout_ms == 500;
	if (IS("max-bytes"))
		return o->max_bytes == 65536;
	if (IS("ringbuf-size"))
		return o->ringbuf_size == 65536;
	if (IS("wake-ms"))
		return o->wake_ms == 0;
	if (IS("poll-ms"))
		return o->poll_ms == 20;
	if (IS("quiet"))
		return o->quiet;
	if (IS("verbose"))
		return o->verbose == 1;
	if (IS("check"))
		return o->mode == MODE_CHECK;
	if (IS("portable"))
		return o->portable;
	if (IS("version"))
		return o->mode == MODE_VERSION;
	if (IS("help"))
		return o->mode == MODE_HELP;
#undef IS
	fail_msg("no check for --%s", name);
	return false;
}

static void check_parsed(const char *how, const char *name, int err, const struct options *o)
{
	if (err || *msgs || *stderr_text)
		fail_msg("%s: %d, said: %s%s", how, err, msgs, stderr_text);
	if (!set_as_sampled(name, o))
		fail_msg("%s did not set what it should", how);
}

/* Each option of the table, as --name ARG, --name=ARG and -L ARG, sets what it should. */
static void test_every_option_parses(void **state)
{
	char eq[128], shortopt[3];
	const struct opt_def *d;
	struct options o;
	unsigned int i, k;

	assert_int_equal(options_count, ARRAY_SIZE(samples));
	for (i = 0; i < options_count; i++) {
		d = &options_table[i];
		for (k = 0; k < ARRAY_SIZE(samples) && strcmp(samples[k].name, d->name); k++)
			;
		if (k == ARRAY_SIZE(samples))
			fail_msg("--%s has no sample in this test", d->name);
		if (!samples[k].arg != !d->arg)
			fail_msg("--%s: the help says its argument is '%s'", d->name, d->arg);
		snprintf(eq, sizeof(eq), "--%s%s%s", d->name, d->arg ? "=" : "",
			 d->arg ? samples[k].arg : "");
		check_parsed(eq, d->name, PARSE(&o, eq), &o);
		if (d->has_arg == required_argument) {
			snprintf(eq, sizeof(eq), "--%s", d->name);
			check_parsed(eq, d->name, PARSE(&o, eq, samples[k].arg), &o);
		}
		if (d->letter) {
			snprintf(shortopt, sizeof(shortopt), "-%c", d->letter);
			check_parsed(shortopt, d->name,
				     d->arg ? PARSE(&o, shortopt, samples[k].arg) : PARSE(&o, shortopt),
				     &o);
		}
	}
	free_msgs();
}

/* What nothing is given sets; the forward timeout's default comes with validation. */
static void test_defaults(void **state)
{
	struct options o;

	assert_ok(&o, "./bin", "f");
	assert_int_equal(o.mode, MODE_TRACE);
	/* not given: each argument gets its own default (probe__build) */
	assert_int_equal(o.max_bytes, 0);
	assert_int_equal(o.ringbuf_size, UPT_DEF_RINGBUF_SZ);
	assert_int_equal(o.wake_ms, 10);
	assert_int_equal(o.poll_ms, 1000);
	assert_int_equal(o.stats_ms, 1000);
	assert_false(o.stats_text || o.stats_json || o.forward || o.quiet || o.follow);
	assert_int_equal(o.format, FORMAT_JSON);
	assert_int_equal(o.count, 0);
	assert_int_equal(o.duration_ms, 0);
	assert_int_equal(o.fwd_buffer, 0);
	assert_int_equal(o.fwd_timeout_ms, FWD_DEF_TIMEOUT_MS);
	assert_null(o.debug_dirs[0]);
	assert_int_equal(o.verbose, 0);
	free_msgs();
}

/* Short options cluster; options come before, between and after the other words. */
static void test_clusters_and_order(void **state)
{
	struct options o;

	assert_ok(&o, "./bin", "-qvvn", "3", "f", "--max-bytes", "64", "g%return", "-d1");
	assert_true(o.quiet);
	assert_int_equal(o.verbose, 2);
	assert_int_equal(o.count, 3);
	assert_int_equal(o.max_bytes, 64);
	assert_int_equal(o.duration_ms, 1000);
	assert_string_equal(o.binary, "./bin");
	assert_int_equal(o.nprobes, 2);
	assert_string_equal(o.probes[0], "f");
	assert_string_equal(o.probes[1], "g%return");
	/* a unique prefix of a long option is the option */
	assert_ok(&o, "--max-b=128", "--exact", "./bin", "f");
	assert_int_equal(o.max_bytes, 128);
	assert_true(o.exact_entry);
	free_msgs();
}

/* ---- repeated options --------------------------------------------------------------------- */

static void test_repeated_options(void **state)
{
	const char *words[2 * MAX_PIDS + 8];
	struct options o;
	int i, n;

	assert_ok(&o, "-p", "1", "-p", "0x10", "--pid=010", "f");
	assert_int_equal(o.npids, 3);
	assert_int_equal(o.pids[0], 1);
	assert_int_equal(o.pids[1], 16);
	assert_int_equal(o.pids[2], 8); /* strtoull base 0: octal */
	assert_ok(&o, "--debuginfo", "/a", "--debuginfo=/b", "-l", "./bin");
	assert_int_equal(o.ndebug_dirs, 2);
	assert_string_equal(o.debug_dirs[0], "/a");
	assert_string_equal(o.debug_dirs[1], "/b");
	assert_null(o.debug_dirs[2]);
	assert_ok(&o, "-t", "exec", "--trace", "trace_vfs", "-ttcp", "-p", "1");
	assert_int_equal(o.traces, UPT_TRACE_BIT(UPT_TRACE_EXEC) | UPT_TRACE_BIT(UPT_TRACE_VFS) |
					   UPT_TRACE_BIT(UPT_TRACE_TCP));
	assert_ok(&o, "-t", "all", "-t", "exec", "-p", "1");
	assert_int_equal(o.traces, UPT_TRACE_ALL);
	assert_ok(&o, "-v", "--verbose", "-vv", "./bin", "f");
	assert_int_equal(o.verbose, 4);
	/* a value given twice: the last one counts */
	assert_ok(&o, "-n", "5", "--count", "7", "--format", "msgpack", "--format", "json",
		  "-o", "a", "-o", "b", "./bin", "f");
	assert_int_equal(o.count, 7);
	assert_int_equal(o.format, FORMAT_JSON);
	assert_string_equal(o.output, "b");
	/* --stats and --stats-json share one interval: the last one given */
	assert_ok(&o, "--stats=2", "--stats-json=0.5", "./bin", "f");
	assert_true(o.stats_text && o.stats_json);
	assert_int_equal(o.stats_ms, 500);
	/* a mode given twice: the last one */
	assert_ok(&o, "--explain", "-l", "./bin");
	assert_int_equal(o.mode, MODE_LIST);

	/* at most MAX_PIDS processes, MAX_DEBUG_DIRS directories */
	for (n = 0, i = 0; i <= MAX_PIDS; i++) {
		words[n++] = "-p";
		words[n++] = "1";
	}
	words[n++] = "f";
	words[n] = NULL;
	assert_said(run_words(&o, true, words), "uptrace: -p: at most 64 processes\n");
	for (n = 0, i = 0; i <= MAX_DEBUG_DIRS; i++)
		words[n++] = "--debuginfo=/d";
	words[n++] = "./bin";
	words[n++] = "f";
	words[n] = NULL;
	assert_said(run_words(&o, true, words), "uptrace: --debuginfo: at most 16 directories\n");
	free_msgs();
}

/* ---- numbers ------------------------------------------------------------------------------ */

/* Every ranged option refuses one below its least and one above its most, in these words. */
static void test_numbers_out_of_range(void **state)
{
	char below[32], above[32], want[256];
	const struct opt_def *d;
	struct options o;
	unsigned int i, n = 0;

	for (i = 0; i < options_count; i++) {
		d = &options_table[i];
		if (!d->max)
			continue;
		n++;
		if (d->max < UINT64_MAX) {
			snprintf(above, sizeof(above), "%llu", (unsigned long long)d->max + 1);
			snprintf(want, sizeof(want), "uptrace: --%s: '%s' is not a number from %llu "
				 "to %llu\n", d->name, above, (unsigned long long)d->min,
				 (unsigned long long)d->max);
			/* by its letter when it has one: the same message */
			if (d->letter)
				snprintf(below, sizeof(below), "-%c", d->letter);
			else
				snprintf(below, sizeof(below), "--%s", d->name);
			assert_said(PARSE(&o, below, above), want);
		}
		if (d->min > 0) {
			snprintf(below, sizeof(below), "--%s=%llu", d->name,
				 (unsigned long long)d->min - 1);
			snprintf(want, sizeof(want), "uptrace: --%s: '%llu' is not a number from "
				 "%llu to %llu\n", d->name, (unsigned long long)d->min - 1,
				 (unsigned long long)d->min, (unsigned long long)d->max);
			assert_said(PARSE(&o, below), want);
		}
	}
	assert_int_equal(n, 7); /* pid, count, forward-buffer, max-bytes, ringbuf, wake, poll */

	/* the exact lines the end-to-end tests and the README quote */
	assert_refused("--max-bytes: '0' is not a number from 1 to 1048576",
		       &o, "--max-bytes", "0", "./bin", "f");
	assert_refused("--max-bytes: '2000000' is not a number from 1 to 1048576",
		       &o, "--max-bytes", "2000000", "./bin", "f");
	assert_refused("--ringbuf-size: '1024' is not a number from 4096 to 1073741824",
		       &o, "--ringbuf-size", "1024", "./bin", "f");
	assert_refused("--ringbuf-size: 5000 is not a power of two",
		       &o, "--ringbuf-size", "5000", "./bin", "f");
	assert_refused("--poll-ms: '0' is not a number from 1 to 3600000",
		       &o, "--poll-ms", "0", "-p", "1", "-t", "vfs");
	assert_refused("--forward-buffer: '10' is not a number from 1024 to 1099511627776",
		       &o, "--forward", "127.0.0.1:1", "--forward-buffer", "10", "./bin", "f");
	/* what is not a number */
	assert_refused("--count: '18446744073709551616' is not a number from 1 to "
		       "18446744073709551615", &o, "-n", "18446744073709551616", "./bin", "f");
	assert_refused("--count: '-1' is not a number from 1 to 18446744073709551615",
		       &o, "-n", "-1", "./bin", "f");
	assert_refused("--count: '' is not a number from 1 to 18446744073709551615",
		       &o, "-n", "", "./bin", "f");
	assert_refused("--count: '5x' is not a number from 1 to 18446744073709551615",
		       &o, "-n", "5x", "./bin", "f");
	assert_refused("--pid: 'abc' is not a number from 1 to 2147483647", &o, "-p", "abc", "f");
	assert_refused("--pid: '-1' is not a number from 1 to 2147483647", &o, "-p-1", "f");
	/* the largest of each is fine */
	assert_ok(&o, "-n", "18446744073709551615", "--ringbuf-size", "1073741824",
		  "--max-bytes", "1048576", "--wake-ms", "10000", "./bin", "f");
	assert_int_equal(o.count, UINT64_MAX);
	assert_int_equal(o.ringbuf_size, 1u << 30);
	assert_int_equal(o.max_bytes, UPT_MAX_MAX_BYTES);
	assert_int_equal(o.wake_ms, 10000);
	free_msgs();
}

static void test_seconds(void **state)
{
	struct options o;

	assert_ok(&o, "-d", "0.0001", "./bin", "f"); /* less than a millisecond: one */
	assert_int_equal(o.duration_ms, 1);
	assert_ok(&o, "--duration=1e3", "./bin", "f");
	assert_int_equal(o.duration_ms, 1000000);
	assert_refused("--duration: '0' is not a positive number of seconds",
		       &o, "-d", "0", "./bin", "f");
	assert_refused("--duration: '-1' is not a positive number of seconds",
		       &o, "-d", "-1", "./bin", "f");
	assert_refused("--duration: 'nan' is not a positive number of seconds",
		       &o, "-d", "nan", "./bin", "f");
	assert_refused("--duration: '1e10' is not a positive number of seconds",
		       &o, "-d", "1e10", "./bin", "f");
	assert_refused("--forward-timeout: '0' is not a positive number of seconds",
		       &o, "--forward", "127.0.0.1:1", "--forward-timeout", "0", "./bin", "f");
	assert_refused("--stats: '0' is not a positive number of seconds",
		       &o, "--stats=0", "./bin", "f");
	assert_refused("--stats: '' is not a positive number of seconds",
		       &o, "--stats=", "./bin", "f");
	assert_refused("--stats-json: 'abc' is not a positive number of seconds",
		       &o, "--stats-json=abc", "./bin", "f");
	free_msgs();
}

/* An optional argument needs '=': `--stats 0.5` would make 0.5 the BINARY. */
static void test_stats_interval_needs_equals(void **state)
{
	struct options o;

	assert_refused("--stats takes its interval after '=': --stats=0.5",
		       &o, "--stats", "0.5", "./bin", "f");
	assert_refused("--stats-json takes its interval after '=': --stats-json=1",
		       &o, "--stats-json", "1", "./bin", "f");
	/* as the user wrote the option */
	assert_refused("--stats-j takes its interval after '=': --stats-j=2",
		       &o, "--stats-j", "2", "./bin", "f");
	/* a word that is not a number is the next word, not the interval */
	assert_ok(&o, "--stats", "./bin", "f");
	assert_true(o.stats_text);
	assert_int_equal(o.stats_ms, 1000);
	assert_string_equal(o.binary, "./bin");
	free_msgs();
}

/* ---- names and addresses ------------------------------------------------------------------ */

static void test_names_refused(void **state)
{
	char tag[FWD_MAX_TAG + 2];
	struct options o;

	assert_refused("-t: no trace 'bogus' (exec, signal, malloc, bind, tcp, vfs or all)",
		       &o, "-p", "1", "-t", "bogus");
	assert_refused("--format: 'xml' is not json or msgpack", &o, "--format", "xml", "./b", "f");
	assert_refused("--forward: 'nohostport' is not HOST:PORT or unix:PATH (no port)",
		       &o, "--forward", "nohostport", "./bin", "f");
	assert_refused("--tag: a tag is 1 to 256 characters",
		       &o, "--forward", "127.0.0.1:1", "--tag", "", "./bin", "f");
	memset(tag, 'x', FWD_MAX_TAG + 1);
	tag[FWD_MAX_TAG + 1] = '\0';
	assert_refused("--tag: a tag is 1 to 256 characters",
		       &o, "--forward", "127.0.0.1:1", "--tag", tag, "./bin", "f");
	tag[FWD_MAX_TAG] = '\0';
	assert_ok(&o, "--forward", "127.0.0.1:1", "--tag", tag, "./bin", "f");
	free_msgs();
}

/* getopt_long's own complaints, then one line pointing at --help. */
static void test_unknown_and_missing(void **state)
{
	struct options o;

	assert_int_equal(PARSE(&o, "--bogus", "./bin", "f"), -EINVAL);
	assert_string_equal(msgs, "");
	assert_string_equal(stderr_text, "uptrace: unrecognized option '--bogus'\n"
					 "Try 'uptrace --help'.\n");
	assert_int_equal(PARSE(&o, "-x"), -EINVAL);
	assert_string_equal(stderr_text, "uptrace: invalid option -- 'x'\nTry 'uptrace --help'.\n");
	assert_int_equal(PARSE(&o, "./bin", "f", "--max-bytes"), -EINVAL);
	assert_string_equal(stderr_text, "uptrace: option '--max-bytes' requires an argument\n"
					 "Try 'uptrace --help'.\n");
	assert_int_equal(PARSE(&o, "--stat", "./bin", "f"), -EINVAL);
	assert_non_null(strstr(stderr_text, "option '--stat' is ambiguous"));
	assert_int_equal(PARSE(&o, "--list=x"), -EINVAL);
	assert_string_equal(stderr_text, "uptrace: option '--list' doesn't allow an argument\n"
					 "Try 'uptrace --help'.\n");
	free_msgs();
}

/* -h ends the parse: what follows is not looked at; what came before is. */
static void test_help_stops_parsing(void **state)
{
	struct options o;

	assert_ok(&o, "-h", "--bogus", "--max-bytes", "0");
	assert_int_equal(o.mode, MODE_HELP);
	assert_ok(&o, "--version", "--help");
	assert_int_equal(o.mode, MODE_HELP);
	assert_refused("--max-bytes: '0' is not a number from 1 to 1048576",
		       &o, "--max-bytes", "0", "-h");
	free_msgs();
}

/* ---- how options go together -------------------------------------------------------------- */

static void test_combinations(void **state)
{
	struct options o;

	assert_refused("-c and -p do not go together: -c traces the command it starts",
		       &o, "-p", "1", "-c", "true", "f");
	assert_refused("--follow needs -p or -c: it follows the children of those processes",
		       &o, "--follow", "./bin", "f");
	assert_refused("--follow needs -p or -c: it follows the children of those processes",
		       &o, "--all", "-t", "vfs", "--follow");
	assert_refused("--all applies to kernel traces: add -t TRACE", &o, "--all", "./bin", "f");
	assert_refused("--tag applies to --forward", &o, "--tag", "x", "./bin", "f");
	assert_refused("--forward-buffer applies to --forward",
		       &o, "--forward-buffer", "2048", "./bin", "f");
	assert_refused("--forward-timeout applies to --forward",
		       &o, "--forward-timeout", "1", "./bin", "f");
	/* several: the first of --tag, --forward-buffer, --forward-timeout is named */
	assert_refused("--tag applies to --forward",
		       &o, "--forward-timeout", "1", "--forward-buffer", "2048", "--tag", "x",
		       "./bin", "f");
	assert_refused("--forward-buffer applies to --forward",
		       &o, "--forward-timeout", "1", "--forward-buffer", "2048", "./bin", "f");
	/* with --forward they are fine, and the timeout given stays */
	assert_ok(&o, "--forward", "unix:/run/x.sock", "--tag", "t", "--forward-buffer", "2048",
		  "--forward-timeout", "2", "./bin", "f");
	assert_true(o.fwd_addr.is_unix);
	assert_int_equal(o.fwd_timeout_ms, 2000);
	assert_ok(&o, "--follow", "-c", "./cmd", "f");
	assert_ok(&o, "--follow", "-p", "1", "f");
	assert_ok(&o, "--all", "-t", "exec");
	free_msgs();
}

/* What kernel traces need of the target. */
static void test_kernel_trace_targets(void **state)
{
	struct options o;

	assert_refused("kernel traces need a target: -p PID, -c CMD, BINARY or --all",
		       &o, "-t", "vfs");
	assert_refused("kernel traces follow the processes running BINARY, and libc is a "
		       "library: use -p, -c or --all", &o, "libc", "-t", "vfs");
	assert_refused("kernel traces follow the processes running BINARY, and libc.so.6 is a "
		       "library: use -p, -c or --all", &o, "-t", "exec", "libc.so.6", "malloc");
	/* traces alone need no probe */
	assert_ok(&o, "-t", "vfs", "./bin");
	assert_string_equal(o.binary, "./bin");
	assert_int_equal(o.nprobes, 0);
	assert_ok(&o, "-t", "vfs", "-p", "1");
	assert_null(o.binary);
	assert_ok(&o, "-t", "vfs", "-c", "./cmd");
	assert_ok(&o, "-t", "vfs", "--all");
	assert_null(o.binary);
	/* --all: a library is fine, every process is traced */
	assert_ok(&o, "-t", "malloc", "--all", "libc", "malloc");
	free_msgs();
}

/* BINARY and the probes from the words that are not options. */
static void test_binary_and_probes(void **state)
{
	struct options o;

	assert_ok(&o, "./bin", "f", "g");
	assert_string_equal(o.binary, "./bin");
	assert_int_equal(o.nprobes, 2);
	assert_ok(&o, "libc", "malloc");
	assert_string_equal(o.binary, "libc");
	/* -p/-c: BINARY only when the first of two or more words is a path or a library */
	assert_ok(&o, "-p", "1", "/bin/true", "f");
	assert_string_equal(o.binary, "/bin/true");
	assert_int_equal(o.nprobes, 1);
	assert_string_equal(o.probes[0], "f");
	assert_ok(&o, "-p", "1", "f", "g");
	assert_null(o.binary);
	assert_int_equal(o.nprobes, 2);
	assert_ok(&o, "-c", "./cmd", "libc", "malloc");
	assert_string_equal(o.binary, "libc");
	assert_string_equal(o.probes[0], "malloc");
	assert_ok(&o, "-c", "./cmd", "libnosuchlibrary", "malloc");
	assert_null(o.binary);
	assert_int_equal(o.nprobes, 2);
	assert_ok(&o, "-c", "./cmd", "libc*", "malloc"); /* a glob is a probe */
	assert_null(o.binary);
	assert_ok(&o, "-p", "1", "./one-word");
	assert_null(o.binary);
	assert_string_equal(o.probes[0], "./one-word");
	/* BINARY:PROBE in one word, as bpftrace writes it */
	assert_ok(&o, "libssl:SSL_write");
	assert_string_equal(o.binary, "libssl");
	assert_int_equal(o.nprobes, 1);
	assert_string_equal(o.probes[0], "SSL_write");
	assert_ok(&o, "/bin/true:f(a:str)", "g");
	assert_string_equal(o.binary, "/bin/true");
	assert_int_equal(o.nprobes, 2);
	assert_string_equal(o.probes[0], "f(a:str)");
	assert_string_equal(o.probes[1], "g");
	assert_ok(&o, "libx.so:ns::Conn::send%return"); /* C++'s "::" is no separator */
	assert_string_equal(o.binary, "libx.so");
	assert_string_equal(o.probes[0], "ns::Conn::send%return");
	assert_said(RUN(&o, "ns::fn"), "uptrace: no probe given after ns::fn\n"
				       "Try 'uptrace --help'.\n");
	assert_ok(&o, "-p", "1", "libc:malloc"); /* with -p or -c, OBJ:FUNC as before */
	assert_null(o.binary);
	assert_string_equal(o.probes[0], "libc:malloc");
	assert_said(RUN(&o, "f(a:str)"), /* a ':' after '(' is the probe's */
		    "uptrace: no probe given after f(a:str)\n"
		    "Try 'uptrace --help'.\n");

	assert_said(RUN(&o, "./bin"), "uptrace: no probe given after ./bin\n"
				      "Try 'uptrace --help'.\n");
	assert_said(RUN(&o, "-p", "1"), "uptrace: no binary and no probe given\n"
					"Try 'uptrace --help'.\n");
	assert_said(RUN(&o, "-c", "true", "--follow"), "uptrace: no binary and no probe given\n"
						       "Try 'uptrace --help'.\n");
	assert_said(RUN(&o, "-q"), "uptrace: no binary and no probe given\n"
				   "Try 'uptrace --help'.\n");
	free_msgs();
}

/* -l, --names, --explain, --check, -V: what each takes. */
static void test_modes(void **state)
{
	struct options o;

	assert_ok(&o, "-l", "./bin");
	assert_string_equal(o.binary, "./bin");
	assert_int_equal(o.nprobes, 0);
	assert_ok(&o, "./bin", "-l", "f*");
	assert_string_equal(o.probes[0], "f*");
	assert_ok(&o, "-l", "-p", "5", "f*");
	assert_null(o.binary);
	assert_int_equal(o.pids[0], 5);
	assert_string_equal(o.probes[0], "f*");
	assert_ok(&o, "--names", "-p", "5");
	assert_true(o.names_only);
	assert_ok(&o, "--explain", "./bin", "f");
	assert_int_equal(o.mode, MODE_EXPLAIN);
	assert_string_equal(o.probes[0], "f");
	assert_ok(&o, "--explain", "-p", "5", "f");
	assert_ok(&o, "--check");
	assert_int_equal(o.mode, MODE_CHECK);
	assert_ok(&o, "-V", "-v");
	assert_int_equal(o.mode, MODE_VERSION);
	assert_ok(&o, "--portable", "--check");

#define LIST_USAGE    "usage: uptrace -l [-p PID | BINARY] [GLOB]"
#define EXPLAIN_USAGE "usage: uptrace --explain [-p PID | BINARY] FUNC"
	assert_refused(LIST_USAGE, &o, "-l");
	assert_refused(LIST_USAGE, &o, "-l", "a", "b", "c");
	assert_refused(LIST_USAGE, &o, "-l", "-c", "x", "./bin");
	assert_refused(LIST_USAGE, &o, "-l", "-p", "1", "-p", "2");
	assert_refused(LIST_USAGE, &o, "--names", "-c", "true");
	assert_refused(LIST_USAGE, &o, "-l", "-p", "1", "a", "b");
	assert_refused(EXPLAIN_USAGE, &o, "--explain");
	assert_refused(EXPLAIN_USAGE, &o, "--explain", "./bin");
	assert_refused(EXPLAIN_USAGE, &o, "--explain", "./bin", "a", "b");
	assert_refused(EXPLAIN_USAGE, &o, "--explain", "-p", "1");
	assert_refused("--check takes no arguments", &o, "--check", "/bin/true");
	assert_refused("--version takes no arguments", &o, "--version", "extra");
	assert_refused("--version takes no arguments", &o, "-V", "x");
	assert_refused("--check takes no arguments", &o, "-V", "--check", "x");
	free_msgs();
}

/* ---- --help ------------------------------------------------------------------------------- */

/* The --help line that introduces --NAME, or NULL; *count: how many there are. */
static const char *option_line(const char *help, const char *name, int *count)
{
	const char *p, *found = NULL;
	size_t len = strlen(name);

	*count = 0;
	for (p = help; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p;

		if (strncmp(q, "  ", 2))
			continue;
		q += 2;
		if (q[0] == '-' && q[1] != '-' && q[2] == ',' && q[3] == ' ')
			q += 4;
		else if (!strncmp(q, "    ", 4))
			q += 4;
		else
			continue;
		if (strncmp(q, "--", 2) || strncmp(q + 2, name, len) ||
		    !strchr(" [\n", q[2 + len]))
			continue;
		(*count)++;
		found = p;
	}
	return found;
}

static void test_help_lists_every_option_once(void **state)
{
	const struct opt_def *d;
	char *help = NULL, head[64], want[256];
	size_t len = 0, n;
	const char *line;
	FILE *f = open_memstream(&help, &len);
	unsigned int i, lines = 0;
	int count;

	options_usage(f);
	fclose(f);
	assert_true(!strncmp(help, "Usage: uptrace [OPTIONS] BINARY PROBE...\n", 41));
	assert_non_null(strstr(help, "\nOptions:\n"));
	assert_non_null(strstr(help, "\nOutput: NDJSON on stdout"));
	assert_non_null(strstr(help, "\nExamples:\n"));
	assert_non_null(strstr(help, "PROBE  := [OBJ:]FUNC[%return][(FETCH, ...)]"));
	assert_null(strstr(help, "{default}"));
	assert_null(strstr(help, "{max}"));
	assert_null(strstr(help, "%%"));
	for (i = 0; i < options_count; i++) {
		d = &options_table[i];
		line = option_line(help, d->name, &count);
		if (count != 1)
			fail_msg("--%s heads %d lines of --help", d->name, count);
		/* as the table says: letter, name, argument */
		if (d->letter)
			n = snprintf(head, sizeof(head), "  -%c, --%s", d->letter, d->name);
		else
			n = snprintf(head, sizeof(head), "      --%s", d->name);
		if (d->arg)
			snprintf(head + n, sizeof(head) - n, d->has_arg == optional_argument ? "[=%s]"
												: " %s",
				 d->arg);
		if (strncmp(line, head, strlen(head)))
			fail_msg("--help has '%.*s', the table says '%s'",
				 (int)(strchr(line, '\n') - line), line, head);
	}
	/* and no option line that is not in the table */
	for (line = strstr(help, "\nOptions:\n") + 10; strncmp(line, "\n", 1);
	     line = strchr(line, '\n') + 1)
		lines += !strncmp(line, "  -", 3) || !strncmp(line, "      --", 8);
	assert_int_equal(lines, options_count);
	/* the defaults and limits the parser uses */
	snprintf(want, sizeof(want),
		 "      --max-bytes N       capture at most N bytes per argument (default %u, and\n"
		 "                          %u for msgpack and auto buffers; at most %u)\n",
		 UPT_DEF_MAX_BYTES, UPT_DEF_MAX_BUFFER, UPT_MAX_MAX_BYTES);
	assert_non_null(strstr(help, want));
	assert_non_null(strstr(help, "      --ringbuf-size N    ring buffer bytes, a power of two "
				     "(default 8388608)\n"));
	assert_non_null(strstr(help, "      --stats[=SECONDS]   every SECONDS (default 1, "));
	assert_non_null(strstr(help, "      --stats-json[=SECONDS]  the same numbers"));
	assert_non_null(strstr(help, "(default 10;\n"));
	assert_non_null(strstr(help, "(default 1000); events still come out"));
	/* a help line of an option never runs past 90 columns */
	for (line = help; *line; line = strchr(line, '\n') + 1)
		if (strchr(line, '\n') - line > 90)
			fail_msg("too long: %.*s", (int)(strchr(line, '\n') - line), line);
	assert_non_null(find("help"));
	free(help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option_parses),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_clusters_and_order),
		cmocka_unit_test(test_repeated_options),
		cmocka_unit_test(test_numbers_out_of_range),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_stats_interval_needs_equals),
		cmocka_unit_test(test_names_refused),
		cmocka_unit_test(test_unknown_and_missing),
		cmocka_unit_test(test_help_stops_parsing),
		cmocka_unit_test(test_combinations),
		cmocka_unit_test(test_kernel_trace_targets),
		cmocka_unit_test(test_binary_and_probes),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_help_lists_every_option_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

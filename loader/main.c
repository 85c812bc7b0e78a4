// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - the uptrace command: options, probe resolution, the event loop, the summary.
 *
 * Everything that can be wrong with the user's input is found before anything is attached:
 * the object, every probe spec, every function.  Then the tracer loads and attaches all
 * probes or none, and the loop drains the ring buffer into NDJSON until a signal, the
 * count, the duration or a closed stdout ends it.  Exit status: 0 after tracing, 2 for bad
 * input or a failure to set up (nothing is left attached), 1 for an error while tracing.
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

#include "json.h"
#include "output.h"
#include "probe.h"
#include "spec.h"
#include "symbols.h"
#include "tracer.h"
#include "util.h"

#define EXIT_USAGE 2
#define FLUSH_BYTES (1u << 20)

struct options {
	const char *binary;
	char **probes;
	int nprobes;
	uint64_t count;		/* stop after this many events; 0: no limit */
	uint64_t duration_ms;	/* stop after this long; 0: no limit */
	const char *output;
	uint32_t max_bytes;
	uint32_t ringbuf_size;
	uint32_t wake_ms;
};

struct session {
	struct options opts;
	struct tracer *tracer;
	struct render_ctx rctx;
	struct obuf ob;
	int out_fd;
	uint64_t events;
	uint64_t drops_seen;
	bool out_closed;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

static const char usage_text[] =
	"Usage: uptrace [OPTIONS] BINARY PROBE...\n"
	"Trace calls of functions in BINARY with uprobes; print one JSON event per call.\n"
	"\n"
	"PROBE  := [OBJ:]FUNC[%%return][(FETCH, ...)]    FUNC may be a glob: 'flb_input_*'\n"
	"FETCH  := EXPR[:TYPE][[LEN]]\n"
	"EXPR   := param-name | argN | $retval\n"
	"TYPE   := s8..s64 | u8..u64 | x64 | ptr | str | bytes | msgpack | auto\n"
	"LEN    := number | param-name | argN   (bytes to copy)\n"
	"Without a fetch list, uptrace uses its built-in prototype of the function (Fluent Bit's\n"
	"flb_input_log_append*, flb_input_chunk_append_raw, libc's malloc family, SSL_write,\n"
	"readline, sqlite3_prepare_v2, ...), else arg0..arg5 as hex.  Buffers decode as msgpack\n"
	"(Fluent Bit log events become {timestamp, metadata, body}), UTF-8 text or base64.\n"
	"\n"
	"Options:\n"
	"  -n, --count N           stop after N events\n"
	"  -d, --duration SECONDS  stop after SECONDS (fractions allowed)\n"
	"  -o, --output FILE       write events to FILE instead of stdout\n"
	"      --max-bytes N       capture at most N bytes per argument (default %u, max %u)\n"
	"      --ringbuf-size N    ring buffer bytes, a power of two (default %u)\n"
	"      --wake-ms MS        longest an event waits in the ring buffer (default 10;\n"
	"                          0 wakes uptrace for every event, costing the target more)\n"
	"  -v, --verbose           say what is resolved and attached (twice: libbpf debug)\n"
	"  -V, --version           print the version\n"
	"  -h, --help              this help\n"
	"\n"
	"Output: NDJSON on stdout, one event per line:\n"
	"  {\"time\":\"...Z\",\"event_type\":\"uprobe\",\"pid\":N,\"tid\":N,\"comm\":\"...\",\n"
	"   \"binary\":\"...\",\"function\":\"...\",\"args\":{...}}\n"
	"FUNC%%return gives {\"event_type\":\"uretprobe\",...,\"retval\":...,\"duration_ns\":N,\"call_id\":N}.\n"
	"A capture cut at --max-bytes is {\"value\":...,\"truncated\":true,\"length\":N}; lost events\n"
	"are reported as {\"event_type\":\"lost\",\"count\":N}; a summary goes to stderr at exit.\n"
	"\n"
	"Examples:\n"
	"  uptrace /opt/fluent-bit/bin/fluent-bit flb_input_log_append | jq .\n"
	"  uptrace ./flb-mini 'flb_input_log_append(tag:str[tag_len], buf:msgpack[buf_size])'\n"
	"  uptrace -n 10 /usr/lib/x86_64-linux-gnu/libc.so.6 'malloc(arg0:u64)'\n"
	"  uptrace /bin/bash 'readline%%return($retval:str)'\n"
	"  uptrace --max-bytes 65536 ./flb-mini 'flb_input_*' > events.ndjson\n";

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

enum { OPT_MAX_BYTES = 256, OPT_RINGBUF, OPT_WAKE };

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
		{ "wake-ms", required_argument, NULL, OPT_WAKE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	o->max_bytes = UPT_DEF_MAX_BYTES;
	o->ringbuf_size = UPT_DEF_RINGBUF_SZ;
	o->wake_ms = 10;
	/* '+': options end at BINARY, so probe text is never taken for an option */
	while ((c = getopt_long(argc, argv, "+n:d:o:vVh", longopts, NULL)) != -1) {
		switch (c) {
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
		case 'v':
			upt_verbose++;
			break;
		case 'V':
			printf("uptrace %s\n", UPTRACE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'uptrace --help'.\n");
			return -EINVAL;
		}
	}
	if (argc - optind < 2) {
		upt_err(argc - optind ? "no probe given after %s" : "no binary and no probe given%s",
			argc - optind ? argv[optind] : "");
		fprintf(stderr, "Try 'uptrace --help'.\n");
		return -EINVAL;
	}
	o->binary = argv[optind];
	o->probes = argv + optind + 1;
	o->nprobes = argc - optind - 1;
	return 0;
}

static void sym_print(const char *fmt, va_list ap)
{
	upt_verr(fmt, ap);
}

/* Build one probe for function f of definition def and hand it to the tracer. */
static int add_probe(struct session *s, struct sym_elf *elf, const struct probe_def *def,
		     const struct sym_func *f)
{
	const char *decl = proto_builtin(f->name);
	struct probe *p = calloc(1, sizeof(*p));
	struct proto proto = {};
	char path[PATH_MAX];
	int err;

	if (!p)
		return -ENOMEM;
	if (decl && proto_parse(decl, &proto))
		decl = NULL;
	p->func = strdup(f->name);
	p->binary = strdup(realpath(sym_elf__path(elf), path) ? path : sym_elf__path(elf));
	p->addr = f->addr;
	p->offset = f->offset;
	err = p->func && p->binary ? 0 : -ENOMEM;
	if (!err)
		err = probe__build(p, def, decl ? &proto : NULL, s->opts.max_bytes);
	proto__free(&proto);
	if (err) {
		probe__free(p);
		free(p);
		return err;
	}
	upt_info("probe %s:%s: addr 0x%llx, file offset 0x%llx, %u argument(s)%s", p->binary,
		 p->func, (unsigned long long)p->addr, (unsigned long long)p->offset,
		 p->spec.nargs, decl ? " from the built-in prototype" : "");
	return tracer__add(s->tracer, p);
}

/* Resolve one PROBE argument to functions and add a probe for each. */
static int add_probe_def(struct session *s, struct sym_elf *main_elf, const char *text)
{
	struct sym_elf *elf = main_elf, *own = NULL;
	struct sym_func *funcs = NULL, one = {};
	struct probe_def def;
	size_t n = 0, i;
	int err;

	err = probe_def__parse(text, &def);
	if (err)
		return err;
	if (def.obj) {
		err = sym_elf__open(def.obj, &own);
		if (err)
			goto out;
		elf = own;
	}
	if (sym_is_glob(def.func)) {
		err = sym_elf__find(elf, def.func, &funcs, &n);
		if (!err && !n) {
			upt_err("%s: no function matches '%s'", sym_elf__path(elf), def.func);
			err = -ENOENT;
		}
		for (i = 0; !err && i < n; i++)
			err = add_probe(s, elf, &def, &funcs[i]);
		sym_funcs__free(funcs, n);
	} else {
		err = sym_elf__resolve(elf, def.func, &one);
		if (!err)
			err = add_probe(s, elf, &def, &one);
		sym_func__clear(&one);
	}
out:
	sym_elf__close(own);
	probe_def__free(&def);
	return err;
}

/* Write out what is buffered; a closed reader ends the session. */
static void flush_output(struct session *s)
{
	size_t off = 0;
	ssize_t w;

	while (off < s->ob.len && !s->out_closed) {
		w = write(s->out_fd, s->ob.buf + off, s->ob.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (errno != EPIPE)
				upt_err("%s: write failed: %s",
					s->opts.output ? s->opts.output : "stdout", strerror(errno));
			s->out_closed = true;
			break;
		}
		off += w;
	}
	ob_reset(&s->ob);
}

static int on_sample(void *ctx, const void *data, size_t size)
{
	struct session *s = ctx;

	if (s->out_closed || (s->opts.count && s->events >= s->opts.count))
		return 0;
	if (render_record(&s->rctx, &s->ob, data, size))
		s->events++;
	if (s->ob.len >= FLUSH_BYTES)
		flush_output(s);
	return 0;
}

/* Report records the BPF side could not reserve since the last look, per probe. */
static void report_drops(struct session *s)
{
	uint64_t total = tracer__drops_total(s->tracer);
	struct probe **probes;
	uint32_t n, i;

	if (total == s->drops_seen)
		return;
	s->drops_seen = total;
	tracer__update_drops(s->tracer);
	probes = tracer__probes(s->tracer, &n);
	for (i = 0; i < n; i++) {
		if (probes[i]->drops == probes[i]->drops_reported)
			continue;
		render_lost(&s->rctx, &s->ob, probes[i],
			    probes[i]->drops - probes[i]->drops_reported);
		probes[i]->drops_reported = probes[i]->drops;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Has the reader of our output gone away (a pipe whose read end is closed)? */
static bool output_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

static int event_loop(struct session *s)
{
	uint64_t deadline = s->opts.duration_ms ? now_ms() + s->opts.duration_ms : 0, now;
	int timeout, n, idle_ms = 200;

	while (!exiting && !s->out_closed) {
		timeout = idle_ms;
		if (deadline) {
			now = now_ms();
			if (now >= deadline)
				break;
			if (deadline - now < (uint64_t)timeout)
				timeout = deadline - now;
		}
		s->rctx.boot_to_real_ns = boot_to_real_offset();
		n = tracer__poll(s->tracer, timeout);
		if (n < 0 && n != -EINTR) {
			upt_err("polling the ring buffer failed: %s", strerror(-n));
			return n;
		}
		/* after a batch, look again within the wake interval: records committed
		 * without a wakeup are waiting */
		idle_ms = n > 0 && s->opts.wake_ms ? (int)s->opts.wake_ms : 200;
		report_drops(s);
		flush_output(s);
		if (s->opts.count && s->events >= s->opts.count)
			break;
		/* `uptrace ... | head -1`: leave when the reader does, even if idle */
		if (output_gone(s->out_fd))
			s->out_closed = true;
	}
	return 0;
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
	fprintf(stderr, "uptrace: %llu events, %llu lost, %llu truncated, %llu read faults",
		(unsigned long long)ev, (unsigned long long)lost, (unsigned long long)tr,
		(unsigned long long)fa);
	if (s->rctx.bad_records)
		fprintf(stderr, ", %llu malformed records",
			(unsigned long long)s->rctx.bad_records);
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

static int setup(struct session *s)
{
	struct tracer_opts topts = {
		.ringbuf_size = s->opts.ringbuf_size,
		.wake_interval_ms = s->opts.wake_ms,
		.pid = -1,
		.sample = on_sample,
		.ctx = s,
	};
	struct sym_elf *elf = NULL;
	int err, i;

	err = sym_elf__open(s->opts.binary, &elf);
	if (err)
		return err;
	err = tracer__new(&topts, &s->tracer);
	for (i = 0; !err && i < s->opts.nprobes; i++)
		err = add_probe_def(s, elf, s->opts.probes[i]);
	sym_elf__close(elf);
	if (err)
		return err;
	if (s->opts.output) {
		s->out_fd = open(s->opts.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->out_fd < 0) {
			err = -errno;
			upt_err("%s: cannot open for writing: %s", s->opts.output, strerror(errno));
			return err;
		}
	}
	err = tracer__load(s->tracer);
	err = err ?: tracer__attach(s->tracer);
	if (err)
		return err;
	s->rctx.probes = tracer__probes(s->tracer, &s->rctx.nprobes);
	return 0;
}

int main(int argc, char **argv)
{
	struct session s = { .out_fd = STDOUT_FILENO };
	struct sigaction sa = { .sa_handler = on_signal };
	int err, status = 0;

	if (parse_args(argc, argv, &s.opts))
		return EXIT_USAGE;
	sym_set_print(sym_print);
	ob_init(&s.ob);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	err = setup(&s);
	if (err) {
		status = EXIT_USAGE;
		goto cleanup;
	}
	upt_info("tracing %u probe(s); Ctrl-C to stop", s.rctx.nprobes);
	if (event_loop(&s))
		status = 1;
	/* what is still in the ring was recorded before we stopped: deliver it */
	if (!s.out_closed)
		tracer__poll(s.tracer, 0);
	report_drops(&s);
	flush_output(&s);
	print_summary(&s);
cleanup:
	tracer__free(s.tracer);
	if (s.out_fd != STDOUT_FILENO && s.out_fd >= 0)
		close(s.out_fd);
	ob_free(&s.ob);
	return status;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * main.c - the uptrace command: the modes, probe resolution, the event loop, the summary
 * (the options are parsed and checked in options.c).
 *
 * Everything that can be wrong with the user's input is found before anything is attached:
 * the object, every probe spec, every function.  Then the tracer loads and attaches all
 * probes (and kernel traces, -t) or none, and the loop drains the ring buffer until a
 * signal, the count, the duration, the end of the traced processes or a closed stdout ends
 * it.  The event path, top to bottom: on_sample() takes each ring-buffer record into the
 * reorder buffer (reorder.c), which hands them back in time order even when CPUs committed
 * them out of order; on_record() makes each one an event (output.c: the record, its probe,
 * its time in ns) and gives it to the sinks (sink.c), which render it from the record: JSON
 * or msgpack to stdout or -o, msgpack to --forward.  Lost records and --stats-json are
 * events too, on the same path.
 * Exit status: 0 after tracing (with -c: CMD's status), 2 for bad input or a failure to set
 * up (nothing is left attached), 1 for an error while tracing.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "addrsym.h"
#include "command.h"
#include "kfeatures.h"
#include "forward.h"
#include "json.h"
#include "ktrace.h"
#include "listing.h"
#include "options.h"
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

struct session {
	struct options opts;
	struct command cmd;
	int pidfds[MAX_PIDS]; /* of -p pids; -1 once the process has exited */
	int alive;	      /* -p pids still running */
	int cmd_status;	      /* -c: CMD's exit status, -1 while it runs */
	bool func_ptrs;	      /* some argument is (or holds) a function pointer to name */
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
	/* a process may be gone by the time its event is printed: its mappings, now */
	if (s->func_ptrs && size >= sizeof(struct upt_rec_hdr))
		addrsym__prefetch(s->rctx.syms, (pid_t)((const struct upt_rec_hdr *)data)->pid);
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
	bool running = true, more;

	while (running && !exiting && !s->out_closed) {
		timeout = idle_ms;
		/*
		 * come back when the oldest held record is due, but not sooner than in 1 ms:
		 * under a steady flow one is always about due, and waking for each would take
		 * the records a few at a time (the release after this wait takes the overdue)
		 */
		held = reorder__timeout_ms(s->reorder, reorder_now_ns());
		if (held >= 0 && held < timeout)
			timeout = held > 1 ? held : 1;
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
		n = tracer__consume(s->tracer, &more);
		if (n < 0 && n != -EINTR) {
			upt_err("reading the ring buffer failed: %s", strerror(-n));
			return n;
		}
		reorder__release(s->reorder, reorder_now_ns());
		/* a batch cut at its limit: more are waiting, come straight back; after a
		 * batch, look again within the wake interval: records committed without a
		 * wakeup are waiting */
		if (more)
			idle_ms = 0;
		else if (n > 0 && s->opts.wake_ms)
			idle_ms = (int)s->opts.wake_ms;
		else
			idle_ms = (int)s->opts.poll_ms;
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

/* The probes the user asked for: a %return is one, its hidden entry half none. */
static uint32_t shown_probes(struct session *s)
{
	uint32_t n, i, count = 0;
	struct probe **probes = tracer__probes(s->tracer, &n);

	for (i = 0; i < n; i++)
		count += probes[i]->kind == PROBE_ENTRY || probes[i]->kind == PROBE_RETURN;
	return count;
}

/*
 * The readiness line, stable for scripts (docs: README "Scripts"): once every probe is
 * attached, "uptrace: tracing N probe(s) and M trace(s)" on stderr, unless -q.  At a
 * terminal the same line also says where, how long it took and how to stop.
 */
static void say_ready(struct session *s, uint64_t ms)
{
	uint32_t traces = __builtin_popcount(s->opts.traces);
	char where[64];
	const char *target = where;

	if (s->opts.quiet)
		return;
	if (!upt_tty) {
		fprintf(stderr, "uptrace: tracing %u probe(s) and %u trace(s)\n", shown_probes(s),
			traces);
		return;
	}
	if (s->opts.command)
		target = s->cmd.exe;
	else if (s->opts.npids)
		snprintf(where, sizeof(where), "pid %d%s", (int)s->opts.pids[0],
			 s->opts.npids > 1 ? " and others" : "");
	else if (s->opts.binary)
		target = s->opts.binary;
	else
		target = "every process";
	upt_note("tracing %u probe(s) and %u trace(s) in %s (%llu ms); %sCtrl-C%s to stop",
		 shown_probes(s), traces, target, (unsigned long long)ms, upt_sgr("1"),
		 upt_sgr(NULL));
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
		if (!probe_is_shown(probes[i]))
			continue;
		fprintf(stderr, "uptrace:   %s:%s%s  %llu events, %llu lost, %llu truncated, "
				"%llu read faults\n",
			probes[i]->binary, probes[i]->func,
			probe_is_return(probes[i]) ? "%return" : "",
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

static bool probes_have_func_ptrs(struct probe **probes, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (probe__has_func_ptrs(probes[i]))
			return true;
	return false;
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
	s->func_ptrs = probes_have_func_ptrs(s->rctx.probes, s->rctx.nprobes);
	return addrsym__new(&s->rctx.syms);
}

/* The modes that answer a question and exit: -V, --check, -l/--names, --explain. */
static int run_query(const struct options *o)
{
	switch (o->mode) {
	case MODE_VERSION:
		printf("uptrace %s\n", UPTRACE_VERSION);
		if (!upt_verbose)
			return 0;
		/* -v: the libbpf it runs with, what this kernel offers and the path taken */
		printf("libbpf %s\n", libbpf_version_string());
		return features__check(stdout, o->portable) ? EXIT_USAGE : 0;
	case MODE_CHECK:
		return features__check(stdout, o->portable) ? EXIT_USAGE : 0;
	case MODE_LIST:
		return list_functions(o->binary, o->npids ? o->pids[0] : 0,
				      o->nprobes ? o->probes[0] : NULL, o->debug_dirs,
				      o->names_only ? LIST_NAMES
				      : upt_verbose ? LIST_LOCATIONS
						    : LIST_SIGNATURES)
			       ? EXIT_USAGE
			       : 0;
	case MODE_EXPLAIN:
		return explain_function(o->binary, o->npids ? o->pids[0] : 0, o->probes[0],
					o->debug_dirs)
			       ? EXIT_USAGE
			       : 0;
	default:
		return EXIT_USAGE;
	}
}

int main(int argc, char **argv)
{
	struct session s = { .out_fd = STDOUT_FILENO, .cmd_status = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int err, status = 0, i;
	bool more;
	uint64_t t0;
	uint64_t end_ns;

	for (i = 0; i < MAX_PIDS; i++)
		s.pidfds[i] = -1;
	s.cmd.pidfd = s.cmd.go_fd = -1;
	upt_term_init(true);
	err = options_parse(argc, argv, &s.opts);
	upt_verbose = s.opts.verbose;
	if (err || options_validate(&s.opts))
		return EXIT_USAGE;
	if (s.opts.mode == MODE_HELP) {
		options_usage(stdout);
		return 0;
	}
	upt_term_init(s.opts.quiet);
	sym_set_print(sym_print);
	libbpf_set_print(libbpf_print);
	/* debug info comes from this machine; a debuginfod download is not ours to start */
	unsetenv("DEBUGINFOD_URLS");
	if (s.opts.mode != MODE_TRACE)
		return run_query(&s.opts);
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
	say_ready(&s, now_ms() - t0);
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
	/* What is still in the ring was recorded before we stopped: deliver it, in order.  One
	 * ring's worth at most: a process still running keeps adding. */
	more = !s.out_closed;
	for (i = 0; more && (uint32_t)i <= s.opts.ringbuf_size / TRACER_BATCH_BYTES; i++) {
		tracer__consume(s.tracer, &more);
		reorder__release(s.reorder, reorder_now_ns());
		flush_output(&s);
	}
	if (!s.out_closed)
		reorder__flush(s.reorder);
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
	addrsym__free(s.rctx.syms);
	for (i = 0; i < MAX_PIDS; i++)
		if (s.pidfds[i] >= 0)
			close(s.pidfds[i]);
	command__free(&s.cmd);
	if (s.out_fd != STDOUT_FILENO && s.out_fd >= 0)
		close(s.out_fd);
	sinks__free(s.sinks);
	return status;
}

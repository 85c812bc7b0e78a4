// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * runwrap.c - run a tracer for the bench and measure what it costs: time to attach, CPU
 * while tracing, peak RSS.
 *
 *   runwrap -s STATS -l LOG -R READY [-p PATTERN] [-f FILE] [-t SECS] -- CMD ARGS...
 *
 * CMD's stdout and stderr go to LOG.  CMD is ready when PATTERN shows up in LOG, or in
 * FILE when -f is given (bpftrace prints its BEGIN line to its -o file); then the READY
 * file is created and the CPU time CMD has used so far is sampled.  SIGINT or SIGTERM to
 * runwrap is passed on to CMD as SIGINT; when CMD exits, STATS gets key=value lines:
 *
 *   ready=1 attach_ms=.. total_ms=.. cpu_ms=.. cpu_after_ready_ms=.. maxrss_kb=.. status=..
 *
 * total_ms is from the start of CMD to its exit, as waitpid() sees it (within 5 ms).
 * cpu_after_ready_ms is what CMD used from ready to exit (tracing, draining, detaching):
 * the total from wait4() minus the sum of /proc/PID/task/ * /schedstat at ready.  A CMD
 * that is not ready within SECS (default 30) is stopped and reported with ready=0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig __attribute__((unused)))
{
	got_signal = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of every thread of pid so far, in ms, from the scheduler's own counters. */
static double task_cpu_ms(pid_t pid)
{
	unsigned long long ns, sum = 0;
	char path[64];
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/schedstat", pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(dir);
	return sum / 1e6;
}

/*
 * Has the pattern shown up in the file yet?  Reads only what was added since the last look
 * (a tracer's -v log can be megabytes before its ready line), keeping the last bytes of the
 * previous read so that a pattern cut in two by a read is found.
 */
struct scan {
	const char *path;
	int fd;
	size_t keep; /* bytes carried over, at the start of buf */
	char buf[65536];
};

static bool scan_has(struct scan *sc, const char *pattern)
{
	size_t plen = strlen(pattern);
	ssize_t n;

	if (sc->fd < 0)
		sc->fd = open(sc->path, O_RDONLY | O_CLOEXEC);
	if (sc->fd < 0 || plen >= sizeof(sc->buf) / 2)
		return false;
	while ((n = read(sc->fd, sc->buf + sc->keep, sizeof(sc->buf) - 1 - sc->keep)) > 0) {
		size_t len = sc->keep + n;

		sc->buf[len] = '\0';
		if (memmem(sc->buf, len, pattern, plen))
			return true;
		sc->keep = len < plen ? len : plen - 1;
		memmove(sc->buf, sc->buf + len - sc->keep, sc->keep);
	}
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: runwrap -s STATS -l LOG -R READY [-p PATTERN] [-f FILE] "
			"[-t SECS] -- CMD ARGS...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *stats = NULL, *log = NULL, *ready_path = NULL, *pattern = "ready";
	const char *watch = NULL;
	double t0, attach_ms = 0, total_ms, cpu_ready = 0, timeout_ms = 30000;
	struct scan sc = { .fd = -1 };
	bool ready = false, stopped = false;
	struct rusage ru;
	int c, logfd, status = 0;
	pid_t pid;
	FILE *out;

	while ((c = getopt(argc, argv, "s:l:R:p:f:t:")) != -1) {
		switch (c) {
		case 's': stats = optarg; break;
		case 'l': log = optarg; break;
		case 'R': ready_path = optarg; break;
		case 'p': pattern = optarg; break;
		case 'f': watch = optarg; break;
		case 't': timeout_ms = atof(optarg) * 1000; break;
		default: usage();
		}
	}
	if (!stats || !log || !ready_path || optind >= argc)
		usage();
	logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0) {
		perror(log);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sc.path = watch ? watch : log;

	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (!pid) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "runwrap: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (got_signal && !stopped) {
			kill(pid, SIGINT);
			stopped = true;
		}
		if (!ready && !stopped) {
			if (scan_has(&sc, pattern)) {
				ready = true;
				attach_ms = now_ms() - t0;
				cpu_ready = task_cpu_ms(pid);
				close(open(ready_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
			} else if (now_ms() - t0 > timeout_ms) {
				kill(pid, SIGINT);
				stopped = true;
			}
		}
		poll(NULL, 0, ready ? 5 : 1);
	}
	total_ms = now_ms() - t0;
	getrusage(RUSAGE_CHILDREN, &ru);
	/* CMD may have got ready and exited between two looks (uptrace -d 0.001) */
	if (!ready && !stopped && scan_has(&sc, pattern)) {
		ready = true;
		attach_ms = now_ms() - t0; /* an upper bound */
	}

	out = fopen(stats, "w");
	if (!out) {
		perror(stats);
		return 2;
	}
	{
		double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
			     ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;

		fprintf(out, "ready=%d\nattach_ms=%.1f\ntotal_ms=%.1f\ncpu_ms=%.3f\n"
			     "cpu_after_ready_ms=%.3f\nmaxrss_kb=%ld\nstatus=%d\n",
			ready, attach_ms, total_ms, cpu, ready ? cpu - cpu_ready : 0, ru.ru_maxrss,
			WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	fclose(out);
	return 0;
}

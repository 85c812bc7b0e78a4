// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscalls-demo - does, on command, one of each thing uptrace's kernel traces report, and
 * writes down what it did so a test can hold the trace against it.
 *
 *   syscalls-demo [--wait] [--hold] [--dir DIR] [--expect FILE] [STEP...]
 *   STEP: exec signal malloc bind tcp vfs all churn (none: all)
 *
 * exec    forks twice: one child execs /bin/true with 5 arguments, the other a path that
 *         does not exist (ENOENT); waits for both
 * signal  SIGUSR1 to itself with kill(), SIGUSR2 with tgkill(), SIGWINCH with tkill(); forks
 *         a child and kills it with SIGTERM (its death sends this process SIGCHLD)
 * malloc  malloc(12345), calloc(7, 1000), realloc(to 23456), free, free
 * bind    127.0.0.1 port 0 (on device lo when allowed), the same port again (EADDRINUSE),
 *         ::1 port 0
 * tcp     listens, connects and accepts over 127.0.0.1 (accept) and ::1 (non-blocking
 *         connect: EINPROGRESS; accept4); a refused connect; an accept with nothing
 *         pending on a non-blocking socket (EAGAIN)
 * vfs     creates, writes, closes, opens (openat2), reads, preads, closes and unlinks
 *         DIR/syscalls-demo.PID.txt; makes and removes a directory; opens a missing file
 *         and, with a bad pointer (1), a path nobody can read (EFAULT)
 * churn   (not part of "all") 20000 malloc(100)/free pairs as fast as it can: a burst
 *
 * With --expect FILE, one JSON line per step says what it did (pids, fds, ports,
 * addresses, errnos).  Progress goes to stderr; stdout is left alone (under uptrace -c it
 * is uptrace's).  --wait reads a line from stdin first (so a tracer can attach by pid);
 * --hold reads stdin to its end before exiting (so uptrace -p stays until the test says).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEP __attribute__((noinline))

static FILE *expect;
static const char *dir = "/tmp";

static void die(const char *what)
{
	fprintf(stderr, "syscalls-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* ---- exec ------------------------------------------------------------------------------- */

static pid_t spawn(const char *path, char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return status;
}

/* noinline and global: a uprobe target for the interleaving tests */
STEP void step_exec(void)
{
	char *const ok_argv[] = { "true", "one", "two", "three", "four", "five", NULL };
	char *const bad_argv[] = { "no-such-program", "x", NULL };
	pid_t ok, bad;

	ok = spawn("/bin/true", ok_argv);
	reap(ok);
	bad = spawn("/nonexistent/no-such-program", bad_argv);
	reap(bad);
	if (expect)
		fprintf(expect, "{\"step\":\"exec\",\"pid\":%d,\"ok\":%d,\"bad\":%d}\n", getpid(),
			ok, bad);
}

/* ---- signal ------------------------------------------------------------------------------- */

STEP void step_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	pid_t me = getpid(), tid = syscall(SYS_gettid), child;

	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	kill(me, SIGUSR1);
	syscall(SYS_tgkill, me, tid, SIGUSR2);
	syscall(SYS_tkill, tid, SIGWINCH);
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		for (;;)
			pause();
	}
	kill(child, SIGTERM);
	reap(child);
	if (expect)
		fprintf(expect, "{\"step\":\"signal\",\"pid\":%d,\"tid\":%d,\"child\":%d}\n", me,
			tid, child);
}

/* ---- malloc ------------------------------------------------------------------------------- */

STEP void step_malloc(void)
{
	char *p, *q, *r, before[32];

	p = malloc(12345);
	q = calloc(7, 1000);
	if (!p || !q)
		die("malloc");
	memset(p, 1, 12345);
	snprintf(before, sizeof(before), "%p", (void *)p); /* p is not to be used after realloc */
	r = realloc(p, 23456);
	if (!r)
		die("realloc");
	if (expect)
		fprintf(expect,
			"{\"step\":\"malloc\",\"pid\":%d,\"malloc\":\"%s\",\"calloc\":\"%p\","
			"\"realloc\":\"%p\"}\n",
			getpid(), before, (void *)q, (void *)r);
	free(r);
	free(q);
}

STEP void step_churn(void)
{
	volatile char *p;
	int i;

	for (i = 0; i < 20000; i++) {
		p = malloc(100);
		if (!p)
			die("malloc");
		p[0] = 1;
		free((void *)p);
	}
	if (expect)
		fprintf(expect, "{\"step\":\"churn\",\"pid\":%d,\"pairs\":20000}\n", getpid());
}

/* ---- bind and tcp ------------------------------------------------------------------------- */

static int tcp_socket(int family, int flags)
{
	int fd = socket(family, SOCK_STREAM | flags, 0);

	if (fd < 0)
		die("socket");
	return fd;
}

static int bind_loopback(int fd, int family, int port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (family == AF_INET6)
		return bind(fd, (struct sockaddr *)&s6, sizeof(s6)) ? -errno : 0;
	return bind(fd, (struct sockaddr *)&s4, sizeof(s4)) ? -errno : 0;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		die("getsockname");
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static int connect_loopback(int fd, int family, int port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (family == AF_INET6)
		return connect(fd, (struct sockaddr *)&s6, sizeof(s6)) ? errno : 0;
	return connect(fd, (struct sockaddr *)&s4, sizeof(s4)) ? errno : 0;
}

STEP void step_bind(void)
{
	int s4 = tcp_socket(AF_INET, 0), s4b = tcp_socket(AF_INET, 0), s6 = tcp_socket(AF_INET6, 0);
	int dev = 0, port4, port6, err4b;

	/* SO_BINDTODEVICE needs CAP_NET_RAW: bound_dev_if is lo's index when it works */
	if (!setsockopt(s4, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3))
		dev = if_nametoindex("lo");
	if (bind_loopback(s4, AF_INET, 0))
		die("bind 127.0.0.1");
	port4 = local_port(s4);
	err4b = -bind_loopback(s4b, AF_INET, port4);
	if (bind_loopback(s6, AF_INET6, 0))
		die("bind ::1");
	port6 = local_port(s6);
	if (expect)
		fprintf(expect,
			"{\"step\":\"bind\",\"pid\":%d,\"uid\":%u,\"gid\":%u,\"fd4\":%d,"
			"\"port4\":%d,\"dev\":%d,"
			"\"fd4b\":%d,\"err4b\":%d,\"fd6\":%d,\"port6\":%d}\n",
			getpid(), getuid(), getgid(), s4, port4, dev, s4b, err4b, s6, port6);
	close(s4);
	close(s4b);
	close(s6);
}

STEP void step_tcp(void)
{
	int l4 = tcp_socket(AF_INET, 0), c4 = tcp_socket(AF_INET, 0), a4, port4;
	int l6 = tcp_socket(AF_INET6, 0), c6 = tcp_socket(AF_INET6, SOCK_NONBLOCK), a6, port6;
	int r = tcp_socket(AF_INET, 0), gone = tcp_socket(AF_INET, 0), port_gone, err6, errr, erra;
	struct sockaddr_in6 peer6;
	socklen_t len = sizeof(peer6);
	struct pollfd pfd;

	/* IPv4: listen, connect, accept with no address buffer */
	if (bind_loopback(l4, AF_INET, 0) || listen(l4, 16))
		die("listen 127.0.0.1");
	port4 = local_port(l4);
	if (connect_loopback(c4, AF_INET, port4))
		die("connect 127.0.0.1");
	a4 = accept(l4, NULL, NULL);
	if (a4 < 0)
		die("accept");
	/* IPv6: a non-blocking connect that completes later, accept4 */
	if (bind_loopback(l6, AF_INET6, 0) || listen(l6, 8))
		die("listen ::1");
	port6 = local_port(l6);
	err6 = connect_loopback(c6, AF_INET6, port6);
	pfd = (struct pollfd){ .fd = c6, .events = POLLOUT };
	if (poll(&pfd, 1, 5000) != 1)
		die("poll");
	a6 = accept4(l6, (struct sockaddr *)&peer6, &len, SOCK_CLOEXEC);
	if (a6 < 0)
		die("accept4");
	/* refused: a port that was bound a moment ago and is free again */
	if (bind_loopback(gone, AF_INET, 0))
		die("bind");
	port_gone = local_port(gone);
	close(gone);
	errr = connect_loopback(r, AF_INET, port_gone);
	/* nothing to accept on a non-blocking socket */
	fcntl(l4, F_SETFL, O_NONBLOCK);
	erra = accept(l4, NULL, NULL) < 0 ? errno : 0;
	if (expect)
		fprintf(expect,
			"{\"step\":\"tcp\",\"pid\":%d,\"l4\":%d,\"port4\":%d,\"c4\":%d,"
			"\"c4port\":%d,\"a4\":%d,\"l6\":%d,\"port6\":%d,\"c6\":%d,\"c6port\":%d,"
			"\"err6\":%d,\"a6\":%d,\"r\":%d,\"port_gone\":%d,\"errr\":%d,\"erra\":%d}\n",
			getpid(), l4, port4, c4, local_port(c4), a4, l6, port6, c6, local_port(c6),
			err6, a6, r, port_gone, errr, erra);
	close(a4);
	close(a6);
	close(c4);
	close(c6);
	close(r);
	close(l4);
	close(l6);
}

/* ---- vfs -------------------------------------------------------------------------------- */

STEP void step_vfs(void)
{
	static const char text[] = "hello, uptrace\n";
	struct open_how how = { .flags = O_RDONLY };
	char path[4096], missing[4096], sub[4096], buf[64];
	int fd, fd2, nread, npread, err_missing, err_fault;

	snprintf(path, sizeof(path), "%s/syscalls-demo.%d.txt", dir, getpid());
	snprintf(missing, sizeof(missing), "%s/syscalls-demo.%d.missing", dir, getpid());
	snprintf(sub, sizeof(sub), "%s/syscalls-demo.%d.d", dir, getpid());
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0640);
	if (fd < 0)
		die(path);
	if (write(fd, text, sizeof(text) - 1) != sizeof(text) - 1)
		die("write");
	close(fd);
	fd2 = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd2 < 0)
		die("openat2");
	nread = read(fd2, buf, sizeof(buf));
	npread = pread(fd2, buf, 5, 7);
	close(fd2);
	unlink(path);
	if (mkdir(sub, 0750) || rmdir(sub))
		die(sub);
	err_missing = open(missing, O_RDONLY) < 0 ? errno : 0;
	/* a path the kernel cannot read either: EFAULT, and a path uptrace cannot read */
	err_fault = syscall(SYS_openat, AT_FDCWD, (const char *)1, O_RDONLY, 0) < 0 ? errno : 0;
	if (expect)
		fprintf(expect,
			"{\"step\":\"vfs\",\"pid\":%d,\"path\":\"%s\",\"fd\":%d,\"written\":%zu,"
			"\"fd2\":%d,"
			"\"read\":%d,\"pread\":%d,\"dir\":\"%s\",\"missing\":\"%s\","
			"\"err_missing\":%d,\"err_fault\":%d}\n",
			getpid(), path, fd, sizeof(text) - 1, fd2, nread, npread, sub, missing,
			err_missing, err_fault);
}

/* ---- main ------------------------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*run)(void);
	bool in_all;
} steps[] = {
	{ "exec", step_exec, true },	 { "signal", step_signal, true },
	{ "malloc", step_malloc, true }, { "bind", step_bind, true },
	{ "tcp", step_tcp, true },	 { "vfs", step_vfs, true },
	{ "churn", step_churn, false },
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static bool step_matches(const char *arg, size_t k)
{
	return !strcmp(arg, steps[k].name) || (!strcmp(arg, "all") && steps[k].in_all);
}

static void usage(void)
{
	fprintf(stderr, "usage: syscalls-demo [--wait] [--hold] [--dir DIR] [--expect FILE] "
			"[exec|signal|malloc|bind|tcp|vfs|all|churn]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *const all[] = { "all" };
	const char *const *run;
	bool wait = false, hold = false;
	int i, j, nrun;
	char line[16];
	size_t k;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--wait"))
			wait = true;
		else if (!strcmp(argv[i], "--hold"))
			hold = true;
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			expect = fopen(argv[++i], "w");
			if (!expect)
				die(argv[i]);
			setvbuf(expect, NULL, _IOLBF, 0);
		} else
			usage();
	}
	/* no step: all of them */
	run = i < argc ? (const char *const *)argv + i : all;
	nrun = i < argc ? argc - i : 1;
	for (j = 0; j < nrun; j++) {
		for (k = 0; k < NSTEPS && !step_matches(run[j], k); k++)
			;
		if (k == NSTEPS)
			usage();
	}
	if (wait && !fgets(line, sizeof(line), stdin) && ferror(stdin))
		die("stdin");
	for (j = 0; j < nrun; j++)
		for (k = 0; k < NSTEPS; k++)
			if (step_matches(run[j], k))
				steps[k].run();
	if (expect)
		fclose(expect);
	while (hold && fgets(line, sizeof(line), stdin))
		;
	return 0;
}

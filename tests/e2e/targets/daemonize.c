// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * daemonize.c - run CMD ARGS as a daemon does: fork, setsid, fork again (the middle
 * process exits, so the daemon's parent is init), chdir /, stdio on /dev/null.  Prints
 * the daemon's pid on stdout once it has exec'd CMD, and exits 0.  A target for the
 * harness's isolation check: a process that left its test's process group and session.
 * Usage: daemonize CMD [ARGS...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fds[2], null;
	pid_t mid, pid = 0;
	char c;

	if (argc < 2) {
		fprintf(stderr, "usage: daemonize CMD [ARGS...]\n");
		return 2;
	}
	/* fds[1] is close-on-exec: the parent's read returns 0 once the daemon has exec'd */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return 1;
	mid = fork();
	if (mid < 0)
		return 1;
	if (mid == 0) {
		close(fds[0]);
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid < 0)
			_exit(1);
		if (pid > 0) {
			if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
				_exit(1);
			_exit(0);
		}
		if (chdir("/") < 0)
			_exit(1);
		null = open("/dev/null", O_RDWR);
		if (null < 0)
			_exit(1);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
		execvp(argv[1], argv + 1);
		c = 1;	/* tell the parent: no exec */
		if (write(fds[1], &c, 1) != 1)
			_exit(127);
		_exit(127);
	}
	close(fds[1]);
	waitpid(mid, NULL, 0);
	if (read(fds[0], &pid, sizeof(pid)) != sizeof(pid) || pid <= 0)
		return 1;
	/* the end of the pipe: the daemon exec'd (or wrote the one byte of a failed exec) */
	if (read(fds[0], &c, 1) != 0)
		return 1;
	printf("%d\n", (int)pid);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forker.c - after a line on stdin, fork; the child calls child_fn(7) at once and exits;
 * the parent waits and prints the child's pid on stderr.  A target for --follow.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline, noipa)) int child_fn(int x)
{
	return x * 2;
}

int main(void)
{
	char line[16];
	pid_t pid;

	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	pid = fork();
	if (pid == 0)
		_exit(child_fn(7) == 14 ? 0 : 1);
	waitpid(pid, NULL, 0);
	fprintf(stderr, "child %d\n", (int)pid);
	return 0;
}

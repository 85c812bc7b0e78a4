/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * command.h - `-c CMD`: a child that runs CMD only once every probe is attached.
 */
#ifndef UPTRACE_COMMAND_H
#define UPTRACE_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>

struct command {
	pid_t pid;
	char *exe;    /* CMD's executable, found on PATH like execvp would */
	char **argv;  /* CMD split like a shell would split it (no expansion of $(...)) */
	int go_fd;    /* writing a byte here lets the child exec */
	int pidfd;    /* polls readable when the child has exited */
};

/*
 * Split and find CMD, fork, and leave the child waiting before execve.  Under sudo the
 * child drops to SUDO_UID/SUDO_GID unless run_as_root.  With stdout_to_stderr, CMD's
 * stdout is uptrace's stderr.  -ENOENT when CMD is not found.
 */
int command__start(struct command *c, const char *cmdline, bool run_as_root,
		   bool stdout_to_stderr);
/* Let the child exec CMD. */
int command__release(struct command *c);
/* Reap the child; its exit status the way a shell reports it (128 + signal when killed). */
int command__wait(struct command *c);
/* Kill a child that never ran (setup failed) and reap it. */
void command__abort(struct command *c);
void command__free(struct command *c);

#endif /* UPTRACE_COMMAND_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * command.c - `-c CMD`: start CMD only after all probes are attached.
 *
 * The child is forked first (its pid is what the probes are filtered on) and blocks on a
 * pipe before execve, so not one instruction of CMD runs before uptrace is ready.  A uprobe
 * is tied to a file and, with a pid, to that process: the exec replaces the process image
 * but not the process, so probes attached to the child's pid fire in CMD.  If uptrace goes
 * away without releasing the child, the pipe closes and the child exits without running CMD.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "command.h"
#include "util.h"

/* CMD's executable: as given when it has a '/', else the first match on PATH. */
static char *find_exe(const char *name)
{
	const char *path = getenv("PATH") ?: "/usr/local/bin:/usr/bin:/bin";
	const char *p, *end;
	char *cand;

	if (strchr(name, '/'))
		return access(name, X_OK) ? NULL : strdup(name);
	for (p = path; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		if (asprintf(&cand, "%.*s/%s", (int)(end - p), end == p ? "." : p, name) < 0)
			return NULL;
		if (!access(cand, X_OK))
			return cand;
		free(cand);
	}
	return NULL;
}

static int split(const char *cmdline, char ***argv)
{
	wordexp_t we;
	size_t i;

	if (wordexp(cmdline, &we, WRDE_NOCMD | WRDE_UNDEF) || !we.we_wordc)
		return -EINVAL;
	*argv = calloc(we.we_wordc + 1, sizeof(char *));
	for (i = 0; *argv && i < we.we_wordc; i++)
		(*argv)[i] = strdup(we.we_wordv[i]);
	wordfree(&we);
	return *argv ? 0 : -ENOMEM;
}

/* Under sudo, become the user who ran it, unless told to stay root. */
static int drop_privileges(void)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	uid_t uid;
	gid_t gid;

	if (!u || !g)
		return 0;
	uid = strtoul(u, NULL, 10);
	gid = strtoul(g, NULL, 10);
	if (setgroups(1, &gid) || setgid(gid) || setuid(uid))
		return -errno;
	return 0;
}

static void child(struct command *c, int go_rd, bool run_as_root, bool stdout_to_stderr)
{
	char b;

	/* uptrace's stdout carries events only: CMD's own output goes to stderr then */
	if (stdout_to_stderr && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(126);
	/* if uptrace dies before releasing us, the read sees EOF and we never run CMD */
	if (read(go_rd, &b, 1) != 1)
		_exit(127);
	close(go_rd);
	if (!run_as_root && drop_privileges()) {
		fprintf(stderr, "uptrace: cannot drop to SUDO_UID/SUDO_GID: %s\n",
			strerror(errno));
		_exit(126);
	}
	execv(c->exe, c->argv);
	fprintf(stderr, "uptrace: cannot run %s: %s\n", c->exe, strerror(errno));
	_exit(127);
}

int command__start(struct command *c, const char *cmdline, bool run_as_root,
		   bool stdout_to_stderr)
{
	int pfd[2], err;

	memset(c, 0, sizeof(*c));
	c->go_fd = c->pidfd = -1;
	err = split(cmdline, &c->argv);
	if (err) {
		upt_err("-c '%s': not a command", cmdline);
		return err;
	}
	c->exe = find_exe(c->argv[0]);
	if (!c->exe) {
		upt_err("-c: %s: command not found", c->argv[0]);
		return -ENOENT;
	}
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (c->pid == 0) {
		close(pfd[1]);
		child(c, pfd[0], run_as_root, stdout_to_stderr);
	}
	close(pfd[0]);
	c->go_fd = pfd[1];
	c->pidfd = pidfd_open(c->pid, 0);
	if (c->pidfd < 0) {
		err = -errno;
		command__abort(c);
		return err;
	}
	return 0;
}

int command__release(struct command *c)
{
	int err = write(c->go_fd, "g", 1) == 1 ? 0 : -errno;

	close(c->go_fd);
	c->go_fd = -1;
	return err;
}

int command__wait(struct command *c)
{
	int status;

	if (c->pid <= 0)
		return -ECHILD;
	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	c->pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void command__abort(struct command *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
}

void command__free(struct command *c)
{
	size_t i;

	if (c->go_fd >= 0)
		close(c->go_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	for (i = 0; c->argv && c->argv[i]; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->exe);
	memset(c, 0, sizeof(*c));
	c->go_fd = c->pidfd = -1;
}

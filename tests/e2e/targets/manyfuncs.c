// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * manyfuncs.c - 2,000 noinline functions fn_0000 .. fn_1999, each called exactly once, for
 * attaching and detaching many probes (tests/e2e/attach.sh, make bench).  fn_N(x) returns
 * x + 10000 + N; the exit status says whether every one returned what it should (0).
 *
 *   manyfuncs [-w] [-t] [-f]
 *     -w  wait for a line on stdin first (attach to a running process)
 *     -t  make the calls from a second thread, not the main one
 *     -f  make them in a forked child, which the parent waits for
 *
 * bad_fn is never called: its first instruction is a breakpoint, which uprobes cannot
 * single-step, so attaching to it fails while the process runs (all-or-nothing attach).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NFUNCS 2000

volatile long sink;

/* fn_PNNN for P in 0, 1 and NNN from 000 to 999: the constant 1PNNN is 10000 + PNNN */
#define F(n) \
	__attribute__((noinline, noipa)) int fn_##n(int x) \
	{ \
		sink += x; \
		return x + 1##n; \
	}
#define D10(p) F(p##0) F(p##1) F(p##2) F(p##3) F(p##4) F(p##5) F(p##6) F(p##7) F(p##8) F(p##9)
#define D100(p) \
	D10(p##0) D10(p##1) D10(p##2) D10(p##3) D10(p##4) \
	D10(p##5) D10(p##6) D10(p##7) D10(p##8) D10(p##9)
#define D1000(p) \
	D100(p##0) D100(p##1) D100(p##2) D100(p##3) D100(p##4) \
	D100(p##5) D100(p##6) D100(p##7) D100(p##8) D100(p##9)

D1000(0)
D1000(1)

#undef F
#define F(n) fn_##n,
static int (*const fns[NFUNCS])(int) = { D1000(0) D1000(1) };

__asm__(".text\n.globl bad_fn\n.type bad_fn,@function\nbad_fn:\n\tint3\n\tret\n"
	".size bad_fn, .-bad_fn\n");

static void *call_all(void *arg)
{
	int i, *bad = arg;

	for (i = 0; i < NFUNCS; i++)
		*bad |= fns[i](1) != 1 + 10000 + i;
	return NULL;
}

int main(int argc, char **argv)
{
	int bad = 0, i, status;
	pthread_t th;
	char line[16];
	pid_t child;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-w") && !fgets(line, sizeof(line), stdin))
			line[0] = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t")) {
			if (pthread_create(&th, NULL, call_all, &bad) || pthread_join(th, NULL))
				return 2;
			return bad;
		}
		if (!strcmp(argv[i], "-f")) {
			child = fork();
			if (child < 0)
				return 2;
			if (!child) {
				call_all(&bad);
				_exit(bad);
			}
			if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
				return 2;
			return WEXITSTATUS(status);
		}
	}
	call_all(&bad);
	return bad;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * capture.h - the symbols/ print hook for unit tests: messages are collected, then checked.
 *
 * Include after <cmocka.h>; install with sym_set_print(capture).
 */
#ifndef UPTRACE_TEST_CAPTURE_H
#define UPTRACE_TEST_CAPTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols.h"

static char msg[8192];
static int msg_count;

static void capture(const char *fmt, va_list ap)
{
	size_t len = strlen(msg);

	vsnprintf(msg + len, sizeof(msg) - len, fmt, ap);
	msg_count++;
}

static void msg_reset(void)
{
	msg[0] = '\0';
	msg_count = 0;
}

/* Exactly one message, one line, containing every string given. */
static void __attribute__((unused)) assert_one_msg(const char *first, ...)
{
	const char *s;
	va_list ap;

	if (msg_count != 1 || !strchr(msg, '\n') || strchr(msg, '\n') != msg + strlen(msg) - 1)
		fail_msg("expected one one-line message, got %d: %s", msg_count, msg);
	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *))
		if (!strstr(msg, s))
			fail_msg("message lacks '%s': %s", s, msg);
	va_end(ap);
}

static void __attribute__((unused)) assert_no_msg(void)
{
	if (msg_count)
		fail_msg("unexpected message: %s", msg);
}

/*
 * The fixture directory (UPTRACE_FIXTURES, else build/fixtures) into *dir, and the capture
 * hook installed: a group setup for the tests that read fixture ELFs.
 */
static int __attribute__((unused)) capture_setup(const char *test, const char **dir)
{
	*dir = getenv("UPTRACE_FIXTURES");
	if (!*dir || !**dir)
		*dir = "build/fixtures";
	if (access(*dir, R_OK)) {
		fprintf(stderr, "%s: no fixtures in %s (make fixtures)\n", test, *dir);
		return -1;
	}
	sym_set_print(capture);
	return 0;
}

#endif /* UPTRACE_TEST_CAPTURE_H */

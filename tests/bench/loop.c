// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * loop.c - the bench's trace target: one thread calls consume(id, buf, len) N times in a
 * tight loop and reports its own cost per call.
 *
 *   loop [-n CALLS] [-l LEN] [-w FILE]
 *
 * consume() is in consume.S, built once per first instruction (see there).  The buffer is
 * LEN bytes of printable text, so a string capture and a byte capture copy the same bytes.
 * With -w the loop starts only once FILE exists (a tracer is attached), polling every
 * millisecond.  The loop is timed with CLOCK_MONOTONIC; stdout gets exactly one line:
 *
 *   calls=N ns_per_call=X.Y
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void consume(int id, const char *buf, size_t len);
void consume_body(int id, const char *buf, size_t len);

static volatile unsigned long sink;

/* Called by consume(): touch both ends of the buffer so it is really used. */
__attribute__((noinline, used)) void consume_body(int id, const char *buf, size_t len)
{
	sink += (unsigned long)id + (unsigned char)buf[0] + (len ? (unsigned char)buf[len - 1] : 0);
}

static long parse_num(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < 0) {
		fprintf(stderr, "loop: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long calls = 1000000, len = 256, i;
	const char *wait_file = NULL;
	double t0, t1;
	char *buf;
	int c;

	while ((c = getopt(argc, argv, "n:l:w:")) != -1) {
		switch (c) {
		case 'n':
			calls = parse_num(optarg, "call count");
			break;
		case 'l':
			len = parse_num(optarg, "length");
			break;
		case 'w':
			wait_file = optarg;
			break;
		default:
			fprintf(stderr, "usage: loop [-n CALLS] [-l LEN] [-w FILE]\n");
			return 2;
		}
	}
	buf = malloc(len + 1);
	if (!buf)
		return 1;
	for (i = 0; i < len; i++)
		buf[i] = 'a' + i % 26;
	buf[len] = '\0';
	while (wait_file && access(wait_file, F_OK))
		usleep(1000);

	t0 = now_ns();
	for (i = 0; i < calls; i++)
		consume((int)i, buf, len);
	t1 = now_ns();

	printf("calls=%ld ns_per_call=%.1f\n", calls, calls ? (t1 - t0) / calls : 0.0);
	free(buf);
	return 0;
}

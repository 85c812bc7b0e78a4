// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * copysizes.c - one call of take(str, buf, len) per length in a fixed list, around every
 * power of two from 1 to 65536, for the tests of the two copy paths (kfunc, portable): each
 * argument's bytes must arrive whole, in place, whatever its length.  buf holds the pattern
 * byte(i) = (i * 131 + 7) & 0xff; str is `len` times the letter 'a' + len % 26.  Then a call
 * with NULL pointers and one with unreadable ones.  With a FILE argument, buf's first
 * 131072 bytes are written there first.  After a line on stdin the calls are made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXLEN 131072

__attribute__((noinline, noipa)) int take(const char *str, const unsigned char *buf,
					  unsigned long len)
{
	__asm__ volatile("" ::: "memory");
	return (int)(len & 0x7fffffff);
}

int main(int argc, char **argv)
{
	static const unsigned long lens[] = {
		0,    1,    2,    3,    4,    5,    7,     8,     9,     15,    16,    17,
		31,   32,   33,   63,   64,   65,   127,   128,   129,   255,   256,   257,
		1000, 4095, 4096, 4097, 8191, 8192, 8193,  65535, 65536, 65537, 100000,
	};
	unsigned char *buf = malloc(MAXLEN);
	char *str = malloc(MAXLEN + 1), line[16];
	unsigned long i;
	FILE *f;

	if (!buf || !str)
		return 1;
	for (i = 0; i < MAXLEN; i++)
		buf[i] = (i * 131 + 7) & 0xff;
	if (argc > 1) {
		f = fopen(argv[1], "w");
		if (!f || fwrite(buf, 1, MAXLEN, f) != MAXLEN || fclose(f))
			return 1;
	}
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(str, 'a' + lens[i] % 26, lens[i]);
		str[lens[i]] = 0;
		take(str, buf, lens[i]);
	}
	take(NULL, NULL, 5);
	take((const char *)8, (const unsigned char *)8, 5);
	free(buf);
	free(str);
	return 0;
}

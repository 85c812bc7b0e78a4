// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mpcat - a msgpack stream on stdin (uptrace --format msgpack) to one JSON line per object
 * on stdout, rendered by uptrace's own msgpack decoder.  A stream that does not end on an
 * object boundary, or bytes that are not msgpack, exit 1 with the offset on stderr, so
 * the tests see a broken stream instead of a short one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "json.h"
#include "mpjson.h"

int main(void)
{
	size_t len = 0, cap = 1 << 16, off = 0, start;
	char *buf = malloc(cap);
	msgpack_unpacked u;
	struct mpj_scan scan;
	struct obuf ob;
	size_t n;
	int ret = 0;

	if (!buf)
		return 1;
	while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len == cap && !(buf = realloc(buf, cap *= 2)))
			return 1;
	}
	msgpack_unpacked_init(&u);
	ob_init(&ob);
	while (off < len) {
		start = off;
		if (msgpack_unpack_next(&u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS) {
			fprintf(stderr, "mpcat: not a whole msgpack object at offset %zu\n", start);
			ret = 1;
			break;
		}
		ob_reset(&ob);
		mpj_stream_to_json(&ob, buf + start, off - start, &scan);
		ob_putc(&ob, '\n');
		fwrite(ob.buf, 1, ob.len, stdout);
	}
	msgpack_unpacked_destroy(&u);
	ob_free(&ob);
	free(buf);
	return ret;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_jsonmp.c - libFuzzer target: a rendered JSON event -> msgpack (loader/jsonmp.c).
 *
 * The input is the JSON text.  Besides what ASan and UBSan catch, each run checks the
 * promises of jsonmp.h:
 *  - text that is one RFC 8259 value (our own validator, fuzz_common.h) nested no deeper
 *    than the limit is accepted;
 *  - what is accepted is one whole msgpack object: mpjson decodes it as exactly one,
 *    status OK, to valid JSON;
 *  - what is refused appends nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "jsonmp.h"
#include "mpjson.h"

/* Containers opened anywhere in the text: an upper bound of the nesting depth. */
static size_t fuzz_jsonmp_opens(const uint8_t *data, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < size; i++)
		n += data[i] == '[' || data[i] == '{';
	return n;
}

int fuzz_jsonmp_one(const uint8_t *data, size_t size)
{
	static struct obuf mp, back;
	struct jsonmp_meta meta;
	struct mpj_scan scan;
	const char *why;
	size_t at;
	int err;

	ob_reset(&mp);
	ob_reset(&back);
	err = jsonmp_event((const char *)data, size, &mp, &meta);
	FUZZ_CHECK(err == 0 || err == -EINVAL, "jsonmp_event returned %d", err);
	if (json_one_value(data, size, &why, &at) && fuzz_jsonmp_opens(data, size) <= 64)
		FUZZ_CHECK(!err, "valid JSON refused");
	if (err) {
		FUZZ_CHECK(mp.len == 0, "a refused text appended %zu bytes", mp.len);
		FUZZ_CHECK(!meta.event_type[0] && !meta.has_time, "a refused text left meta");
		return 0;
	}
	FUZZ_CHECK(strlen(meta.event_type) < sizeof(meta.event_type), "event_type unterminated");
	FUZZ_CHECK(!meta.has_time || meta.nsec < 1000000000u, "nsec %u", meta.nsec);
	mpj_stream_to_json(&back, mp.buf, mp.len, &scan);
	FUZZ_CHECK(scan.status == MPJ_OK && scan.nobjs == 1 && scan.valid_len == mp.len,
		   "msgpack of %zu bytes scans as status %d, %zu objects, %zu valid", mp.len,
		   (int)scan.status, scan.nobjs, scan.valid_len);
	FUZZ_CHECK(json_one_value(back.buf, back.len, &why, &at),
		   "decoded back, not JSON at byte %zu: %s", at, why);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_jsonmp_one(data, size);
}
#endif

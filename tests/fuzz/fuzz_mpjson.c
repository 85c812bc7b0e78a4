// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_mpjson.c - libFuzzer target: captured msgpack bytes -> JSON (loader/mpjson.c).
 *
 * The input is the capture.  Besides what ASan and UBSan catch, each run checks the promises
 * of mpjson.h:
 *  - mpj_scan(): valid_len <= len; OK means every byte was consumed; no complete object
 *    means valid_len 0 and no "containers"; mpj_stream_to_json() reports the same scan;
 *  - the JSON written is exactly one valid value, without running out of memory, `[]` for
 *    an empty input and `null` when no object is complete;
 *  - only [0, valid_len) matters: decoding that prefix alone gives status OK, the same
 *    objects and byte-for-byte the same JSON;
 *  - mpj_is_flb_event() on the input, for its own bounds.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "mpjson.h"

static void fuzz_mpjson_check_scan(const struct mpj_scan *s, size_t size)
{
	FUZZ_CHECK(s->valid_len <= size, "valid_len %zu > len %zu", s->valid_len, size);
	FUZZ_CHECK(s->status == MPJ_OK || s->status == MPJ_INCOMPLETE ||
			   s->status == MPJ_INVALID,
		   "status %d", (int)s->status);
	FUZZ_CHECK(s->status != MPJ_OK || s->valid_len == size,
		   "status OK but valid_len %zu of %zu", s->valid_len, size);
	FUZZ_CHECK(s->nobjs || (!s->valid_len && !s->containers),
		   "no object but valid_len %zu, containers %d", s->valid_len, s->containers);
	FUZZ_CHECK(s->nobjs <= s->valid_len, "%zu objects in %zu bytes", s->nobjs, s->valid_len);
}

static bool fuzz_mpjson_same_scan(const struct mpj_scan *a, const struct mpj_scan *b)
{
	return a->status == b->status && a->nobjs == b->nobjs && a->valid_len == b->valid_len &&
	       a->containers == b->containers;
}

int fuzz_mpjson_one(const uint8_t *data, size_t size)
{
	static struct obuf ob, prefix;
	struct mpj_scan scan, scan2, scan3;

	ob_reset(&ob);
	ob_reset(&prefix);

	mpj_scan(data, size, &scan);
	fuzz_mpjson_check_scan(&scan, size);

	mpj_stream_to_json(&ob, data, size, &scan2);
	FUZZ_CHECK(fuzz_mpjson_same_scan(&scan, &scan2),
		   "mpj_scan and mpj_stream_to_json disagree: status %d/%d, %zu/%zu objects, "
		   "valid_len %zu/%zu, containers %d/%d",
		   scan.status, scan2.status, scan.nobjs, scan2.nobjs, scan.valid_len,
		   scan2.valid_len, scan.containers, scan2.containers);
	FUZZ_CHECK(ob_ok(&ob), "out of memory writing %zu input bytes as JSON", size);
	FUZZ_CHECK_JSON(ob.buf, ob.len, "mpj_stream_to_json");
	if (!scan.nobjs) {
		const char *want = size ? "null" : "[]";

		FUZZ_CHECK(ob.len == strlen(want) && !memcmp(ob.buf, want, ob.len),
			   "no complete object: wrote '%.*s', not %s", (int)ob.len, ob.buf, want);
	} else {
		mpj_stream_to_json(&prefix, data, scan.valid_len, &scan3);
		FUZZ_CHECK(scan3.status == MPJ_OK && scan3.nobjs == scan.nobjs &&
				   scan3.valid_len == scan.valid_len,
			   "the valid prefix (%zu bytes, %zu objects) rescans as status %d, %zu "
			   "objects, valid_len %zu",
			   scan.valid_len, scan.nobjs, scan3.status, scan3.nobjs, scan3.valid_len);
		FUZZ_CHECK(prefix.len == ob.len && !memcmp(prefix.buf, ob.buf, ob.len),
			   "the valid prefix decodes to other JSON");
	}

	mpj_is_flb_event(data, size);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_mpjson_one(data, size);
}
#endif

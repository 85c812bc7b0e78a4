// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fwd-recv - a Forward protocol v1 receiver for the tests: what Fluent Bit's in_forward
 * does, reduced to what a test needs to see.
 *
 * It listens on TCP 127.0.0.1:PORT or on a unix socket, accepts Message, Forward and
 * PackedForward mode, and writes every entry as one JSON line
 *
 *     {"tag":"...","time":[SEC,NSEC],"record":{...}}
 *
 * to the output file, flushes it, and only then answers {"ack": CHUNK} when the message
 * carried a chunk option: write-then-ack, so that a receiver that dies before its ack has
 * kept nothing of that chunk.  --die-after N simulates a crash: when message N+1 arrives,
 * it exits at once, without writing or acknowledging it.
 * The msgpack -> JSON conversion here is its own, independent of uptrace's.
 *
 * --count-only: entries are checked and counted, not written (make bench's receiver, whose
 * JSON writing must not compete with the tracer for the CPU); the counts go to stderr at
 * exit, as always.
 *
 * --raw-buf FILE: for every entry whose record has "args": {"buf": [...]} (an uptrace
 * event of a msgpack capture), the raw bytes of each element of that array are appended to
 * FILE, exactly as they came over the wire - found by walking the message's bytes with a
 * reader of the format of our own, not by decoding and encoding again (which would change
 * the widths of headers: Fluent Bit writes map32 for small maps).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MAX_CONNS 32

struct conn {
	int fd;
	msgpack_unpacker unp;
};

static FILE *out; /* NULL with --count-only */
static FILE *raw_out; /* --raw-buf */
static long die_after = -1;
static bool no_ack;
static unsigned long messages, entries;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static void die(const char *what)
{
	fprintf(stderr, "fwd-recv: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put_b64(FILE *f, const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	fputc('"', f);
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = p[i] << 16 | p[i + 1] << 8 | p[i + 2];

		fprintf(f, "%c%c%c%c", t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]);
	}
	if (n - i == 1)
		fprintf(f, "%c%c==", t[p[i] >> 2], t[(p[i] & 3) << 4]);
	else if (n - i == 2)
		fprintf(f, "%c%c%c=", t[p[i] >> 2], t[(p[i] & 3) << 4 | p[i + 1] >> 4],
			t[(p[i + 1] & 15) << 2]);
	fputc('"', f);
}

static void put_str(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_json(FILE *f, const msgpack_object *o);

static void put_key(FILE *f, const msgpack_object *k)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m;

	if (k->type == MSGPACK_OBJECT_STR) {
		put_str(f, k->via.str.ptr, k->via.str.size);
		return;
	}
	m = open_memstream(&buf, &n);
	if (!m)
		die("open_memstream");
	put_json(m, k);
	fclose(m);
	put_str(f, buf, n);
	free(buf);
}

static void put_json(FILE *f, const msgpack_object *o)
{
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", f);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", f);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%llu", (unsigned long long)o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%lld", (long long)o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (isfinite(o->via.f64))
			fprintf(f, "%.17g", o->via.f64);
		else
			fputs("null", f);
		break;
	case MSGPACK_OBJECT_STR:
		put_str(f, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		put_b64(f, (const unsigned char *)o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		fprintf(f, "{\"ext\":%d,\"data\":", o->via.ext.type);
		put_b64(f, (const unsigned char *)o->via.ext.ptr, o->via.ext.size);
		fputc('}', f);
		break;
	case MSGPACK_OBJECT_ARRAY:
		fputc('[', f);
		for (i = 0; i < o->via.array.size; i++) {
			if (i)
				fputc(',', f);
			put_json(f, &o->via.array.ptr[i]);
		}
		fputc(']', f);
		break;
	case MSGPACK_OBJECT_MAP:
		fputc('{', f);
		for (i = 0; i < o->via.map.size; i++) {
			if (i)
				fputc(',', f);
			put_key(f, &o->via.map.ptr[i].key);
			fputc(':', f);
			put_json(f, &o->via.map.ptr[i].val);
		}
		fputc('}', f);
		break;
	}
}

/* EventTime (ext 0), an integer or a float -> seconds and nanoseconds. */
static bool get_time(const msgpack_object *t, long long *sec, long *nsec)
{
	const unsigned char *p;

	switch (t->type) {
	case MSGPACK_OBJECT_EXT:
		if (t->via.ext.type != 0 || t->via.ext.size != 8)
			return false;
		p = (const unsigned char *)t->via.ext.ptr;
		*sec = (unsigned long)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
		*nsec = (unsigned long)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7];
		return true;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*sec = t->via.u64;
		*nsec = 0;
		return true;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*sec = floor(t->via.f64);
		*nsec = (t->via.f64 - *sec) * 1e9;
		return true;
	default:
		return false;
	}
}

static bool put_entry(const msgpack_object_str *tag, const msgpack_object *time,
		      const msgpack_object *record)
{
	long long sec;
	long nsec;

	if (!get_time(time, &sec, &nsec) || record->type != MSGPACK_OBJECT_MAP)
		return false;
	entries++;
	if (!out)
		return true;
	fputs("{\"tag\":", out);
	put_str(out, tag->ptr, tag->size);
	fprintf(out, ",\"time\":[%lld,%ld],\"record\":", sec, nsec);
	put_json(out, record);
	fputs("}\n", out);
	return true;
}

static bool put_entry_pair(const msgpack_object_str *tag, const msgpack_object *e)
{
	if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2)
		return false;
	return put_entry(tag, &e->via.array.ptr[0], &e->via.array.ptr[1]);
}

/* PackedForward: the entries back to back in a bin (or str). */
static bool put_packed(const msgpack_object_str *tag, const char *p, size_t n)
{
	msgpack_unpacked up;
	size_t off = 0;
	bool ok = true;

	msgpack_unpacked_init(&up);
	while (ok && off < n) {
		if (msgpack_unpack_next(&up, p, n, &off) != MSGPACK_UNPACK_SUCCESS)
			ok = false;
		else
			ok = put_entry_pair(tag, &up.data);
	}
	msgpack_unpacked_destroy(&up);
	return ok;
}

static const msgpack_object *option(const msgpack_object *opts, const char *key)
{
	uint32_t i;

	if (!opts || opts->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (i = 0; i < opts->via.map.size; i++) {
		const msgpack_object *k = &opts->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
		    !memcmp(k->via.str.ptr, key, k->via.str.size))
			return &opts->via.map.ptr[i].val;
	}
	return NULL;
}

static void send_ack(int fd, const msgpack_object *chunk)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t off = 0;
	ssize_t w;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "ack", 3);
	msgpack_pack_object(&pk, *chunk);
	while (off < sb.size) {
		w = send(fd, sb.data + off, sb.size - off, MSG_NOSIGNAL);
		if (w <= 0)
			break; /* the sender went away: it resends what it did not see acked */
		off += w;
	}
	msgpack_sbuffer_destroy(&sb);
}

/* ---- raw walking (--raw-buf) ------------------------------------------------------------ */

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

/*
 * The value at *p: its kind (0 scalar, 'a' array, 'm' map, 's' str) and count (items, or
 * the str's length); *p moves past its header (a scalar: past the whole value).  False when
 * the bytes end first or are not msgpack.
 */
static bool raw_head(const unsigned char **p, const unsigned char *end, int *kind, uint64_t *n)
{
	const unsigned char *q = *p;
	unsigned char b;
	uint64_t len = 0;
	int hl = 1;

	if (q >= end)
		return false;
	b = *q;
	*kind = 0;
	*n = 0;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
		len = 0;
	} else if ((b & 0xf0) == 0x80 || (b & 0xf0) == 0x90) {
		*kind = (b & 0xf0) == 0x80 ? 'm' : 'a';
		*n = b & 0x0f;
	} else if ((b & 0xe0) == 0xa0) {
		*kind = 's';
		len = *n = b & 0x1f;
	} else {
		switch (b) {
		case 0xcc: case 0xd0: len = 1; break;
		case 0xcd: case 0xd1: len = 2; break;
		case 0xca: case 0xce: case 0xd2: len = 4; break;
		case 0xcb: case 0xcf: case 0xd3: len = 8; break;
		case 0xd4: len = 2; break;
		case 0xd5: len = 3; break;
		case 0xd6: len = 5; break;
		case 0xd7: len = 9; break;
		case 0xd8: len = 17; break;
		case 0xc4: case 0xd9: hl = 2; break;
		case 0xc5: case 0xda: hl = 3; break;
		case 0xc6: case 0xdb: hl = 5; break;
		case 0xc7: hl = 3; break; /* ext 8: size, type */
		case 0xc8: hl = 4; break;
		case 0xc9: hl = 6; break;
		case 0xdc: case 0xde: hl = 3; break;
		case 0xdd: case 0xdf: hl = 5; break;
		default: return false; /* 0xc1 */
		}
		if (end - q < hl)
			return false;
		if (b == 0xdc || b == 0xdd || b == 0xde || b == 0xdf) {
			*kind = b == 0xdc || b == 0xdd ? 'a' : 'm';
			*n = be(q + 1, hl - 1);
		} else if (hl > 1) {
			/* ext 8/16/32: the type byte ends the header */
			len = be(q + 1, b >= 0xc7 && b <= 0xc9 ? hl - 2 : hl - 1);
			if (b >= 0xd9 && b <= 0xdb) {
				*kind = 's';
				*n = len;
			}
		}
	}
	if ((uint64_t)(end - q) < hl + len)
		return false;
	*p = q + hl + (*kind == 'a' || *kind == 'm' ? 0 : len);
	return true;
}

/* Past the whole value at *p (nested up to 64 deep). */
static bool raw_skip(const unsigned char **p, const unsigned char *end, int depth)
{
	uint64_t n, i;
	int kind;

	if (depth > 64 || !raw_head(p, end, &kind, &n))
		return false;
	if (kind == 'm')
		n *= 2;
	else if (kind != 'a')
		return true;
	for (i = 0; i < n; i++)
		if (!raw_skip(p, end, depth + 1))
			return false;
	return true;
}

/* In the map at *p, the value of key `key`: *p at it, true; or false (and *p past the map). */
static bool raw_find(const unsigned char **p, const unsigned char *end, const char *key)
{
	const unsigned char *k;
	uint64_t n, i, kn;
	int kind;

	if (!raw_head(p, end, &kind, &n) || kind != 'm')
		return false;
	for (i = 0; i < n; i++) {
		k = *p;
		if (!raw_head(p, end, &kind, &kn))
			return false;
		if (kind == 's' && kn == strlen(key) && !memcmp(*p - kn, key, kn))
			return true;
		if (kind == 'a' || kind == 'm') {
			*p = k;
			if (!raw_skip(p, end, 0))
				return false;
		}
		if (!raw_skip(p, end, 0)) /* the value */
			return false;
	}
	return false;
}

/* The record at p: its "args"."buf" array's elements, raw, to raw_out. */
static bool raw_buf(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *el;
	uint64_t n, i;
	int kind;

	if (!raw_find(&p, end, "args") || !raw_find(&p, end, "buf"))
		return true; /* not an event of a msgpack capture */
	if (!raw_head(&p, end, &kind, &n) || kind != 'a')
		return true;
	for (i = 0; i < n; i++) {
		el = p;
		if (!raw_skip(&p, end, 0))
			return false;
		if (fwrite(el, 1, p - el, raw_out) != (size_t)(p - el))
			die("--raw-buf");
	}
	return true;
}

/* A Forward-mode message's bytes: every entry's record to raw_buf(). */
static bool raw_message(const unsigned char *p, const unsigned char *end)
{
	uint64_t n, ne, i, two;
	int kind;

	if (!raw_head(&p, end, &kind, &n) || kind != 'a' || n < 2 || !raw_skip(&p, end, 0))
		return false;
	if (!raw_head(&p, end, &kind, &ne) || kind != 'a')
		return true; /* PackedForward or Message: uptrace sends Forward mode */
	for (i = 0; i < ne; i++) {
		if (!raw_head(&p, end, &kind, &two) || kind != 'a' || two != 2 ||
		    !raw_skip(&p, end, 0) || !raw_buf(p, end) || !raw_skip(&p, end, 0))
			return false;
	}
	return true;
}

/* One message; false when it is not Forward protocol. */
static bool on_message(int fd, const msgpack_object *m, const unsigned char *raw, size_t len)
{
	const msgpack_object *a, *opts = NULL, *chunk;
	const msgpack_object_str *tag;
	bool ok;
	uint32_t i, n;

	if (m->type != MSGPACK_OBJECT_ARRAY || m->via.array.size < 2 || m->via.array.size > 4 ||
	    m->via.array.ptr[0].type != MSGPACK_OBJECT_STR)
		return false;
	messages++;
	if (die_after >= 0 && messages > (unsigned long)die_after) {
		fprintf(stderr, "fwd-recv: message %lu arrived: dying without a word, as asked\n",
			messages);
		_exit(0);
	}
	a = m->via.array.ptr;
	n = m->via.array.size;
	tag = &a[0].via.str;
	if (a[1].type == MSGPACK_OBJECT_ARRAY) { /* Forward */
		opts = n == 3 ? &a[2] : NULL;
		for (i = 0, ok = n <= 3; ok && i < a[1].via.array.size; i++)
			ok = put_entry_pair(tag, &a[1].via.array.ptr[i]);
	} else if (a[1].type == MSGPACK_OBJECT_BIN || a[1].type == MSGPACK_OBJECT_STR) {
		opts = n == 3 ? &a[2] : NULL; /* PackedForward */
		ok = n <= 3 && !option(opts, "compressed") &&
		     put_packed(tag, a[1].via.bin.ptr, a[1].via.bin.size);
	} else { /* Message: [tag, time, record, option?] */
		opts = n == 4 ? &a[3] : NULL;
		ok = n >= 3 && put_entry(tag, &a[1], &a[2]);
	}
	if (ok && raw_out) {
		ok = raw_message(raw, raw + len);
		if (fflush(raw_out))
			die("--raw-buf");
	}
	if (out && fflush(out))
		die("writing the output");
	if (!ok)
		return false;
	chunk = option(opts, "chunk");
	if (chunk && !no_ack)
		send_ack(fd, chunk);
	return true;
}

/* Read what is there; false when the connection is over. */
static bool on_readable(struct conn *c)
{
	msgpack_unpacked up;
	msgpack_unpack_return ret;
	size_t at;
	ssize_t r;
	bool ok = true;

	if (!msgpack_unpacker_reserve_buffer(&c->unp, 65536))
		die("memory");
	r = recv(c->fd, msgpack_unpacker_buffer(&c->unp), msgpack_unpacker_buffer_capacity(&c->unp),
		 0);
	if (r <= 0)
		return false;
	msgpack_unpacker_buffer_consumed(&c->unp, r);
	msgpack_unpacked_init(&up);
	/* the message's bytes are [at, off) of the unpacker's buffer once it is parsed */
	for (at = c->unp.off;
	     ok && (ret = msgpack_unpacker_next(&c->unp, &up)) == MSGPACK_UNPACK_SUCCESS;
	     at = c->unp.off) {
		ok = on_message(c->fd, &up.data, (const unsigned char *)c->unp.buffer + at,
				c->unp.off - at);
		if (!ok)
			fprintf(stderr, "fwd-recv: a message that is not Forward protocol\n");
	}
	if (ret == MSGPACK_UNPACK_PARSE_ERROR) {
		fprintf(stderr, "fwd-recv: bytes that are not msgpack\n");
		ok = false;
	}
	msgpack_unpacked_destroy(&up);
	return ok;
}

static int listen_on(int port, const char *path, int *bound_port)
{
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	socklen_t len = sizeof(in);
	int fd, one = 1;

	fd = socket(path ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (path) {
		if (strlen(path) >= sizeof(un.sun_path)) {
			errno = ENAMETOOLONG;
			die(path);
		}
		strcpy(un.sun_path, path);
		unlink(path);
		if (bind(fd, (struct sockaddr *)&un, sizeof(un)))
			die(path);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&in, sizeof(in)))
			die("bind");
	}
	if (listen(fd, 16))
		die("listen");
	*bound_port = 0;
	if (!path && !getsockname(fd, (struct sockaddr *)&in, &len))
		*bound_port = ntohs(in.sin_port);
	return fd;
}

static void usage(FILE *f)
{
	fputs("Usage: fwd-recv [--port N | --unix PATH] {-o FILE | --count-only} [OPTION]...\n"
	      "Receive Forward protocol v1 (in_forward) on 127.0.0.1:N (0: any free port) or a\n"
	      "unix socket; write each entry as {\"tag\",\"time\":[sec,nsec],\"record\"} to FILE,\n"
	      "then acknowledge the chunk.\n"
	      "  -p, --port N        TCP port on 127.0.0.1 (default 0)\n"
	      "  -u, --unix PATH     listen on a unix socket instead\n"
	      "  -o, --output FILE   where entries go (appended to)\n"
	      "      --count-only    check and count the entries, write none\n"
	      "      --port-file F   write the port to F once listening (0 for a unix socket)\n"
	      "      --die-after N   exit at once, without writing or acking, when message N+1\n"
	      "                      arrives\n"
	      "      --no-ack        never acknowledge\n"
	      "      --raw-buf FILE  append the raw bytes of each element of every record's\n"
	      "                      args.buf array to FILE\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"port", required_argument, NULL, 'p'},
		{"unix", required_argument, NULL, 'u'},
		{"output", required_argument, NULL, 'o'},
		{"port-file", required_argument, NULL, 'P'},
		{"die-after", required_argument, NULL, 'D'},
		{"no-ack", no_argument, NULL, 'N'},
		{"raw-buf", required_argument, NULL, 'R'},
		{"count-only", no_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *path = NULL, *output = NULL, *port_file = NULL;
	struct sigaction sa = {.sa_handler = on_signal};
	struct pollfd pfd[MAX_CONNS + 1];
	struct conn conns[MAX_CONNS];
	int c, lfd, port = 0, bound, nconns = 0, i;
	bool count_only = false;
	FILE *pf;

	while ((c = getopt_long(argc, argv, "p:u:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'u':
			path = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'P':
			port_file = optarg;
			break;
		case 'D':
			die_after = atol(optarg);
			break;
		case 'N':
			no_ack = true;
			break;
		case 'R':
			raw_out = fopen(optarg, "a");
			if (!raw_out)
				die(optarg);
			break;
		case 'C':
			count_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!output == !count_only || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (output) {
		out = fopen(output, "a");
		if (!out)
			die(output);
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	lfd = listen_on(port, path, &bound);
	if (port_file) {
		pf = fopen(port_file, "w");
		if (!pf || fprintf(pf, "%d\n", bound) < 0 || fclose(pf))
			die(port_file);
	}
	while (!stop) {
		pfd[0] = (struct pollfd){.fd = lfd, .events = nconns < MAX_CONNS ? POLLIN : 0};
		for (i = 0; i < nconns; i++)
			pfd[i + 1] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
		if (poll(pfd, nconns + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = nconns - 1; i >= 0; i--) {
			if (!pfd[i + 1].revents || on_readable(&conns[i]))
				continue;
			close(conns[i].fd);
			msgpack_unpacker_destroy(&conns[i].unp);
			conns[i] = conns[--nconns];
		}
		if (pfd[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd < 0)
				continue;
			conns[nconns].fd = fd;
			msgpack_unpacker_init(&conns[nconns].unp, 65536);
			nconns++;
		}
	}
	fprintf(stderr, "fwd-recv: %lu messages, %lu entries\n", messages, entries);
	for (i = 0; i < nconns; i++) {
		close(conns[i].fd);
		msgpack_unpacker_destroy(&conns[i].unp);
	}
	if (path)
		unlink(path);
	if (out)
		fclose(out);
	if (raw_out)
		fclose(raw_out);
	return 0;
}

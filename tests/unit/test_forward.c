// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_forward.c - the Forward protocol sender: addresses, the exact bytes of a batch,
 * batching per tag, acks, resending after a lost connection, the buffer bound.
 * A receiver thread in this file listens on 127.0.0.1 and answers like in_forward.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "forward.h"
#include "util.h"

static void test_parse_addr(void **state)
{
	struct forward_addr a;
	FILE *saved = upt_errf;
	char *msgs = NULL;
	size_t n = 0;

	assert_int_equal(forward_parse_addr("127.0.0.1:24224", &a), 0);
	assert_false(a.is_unix);
	assert_string_equal(a.host, "127.0.0.1");
	assert_string_equal(a.port, "24224");
	assert_int_equal(forward_parse_addr("localhost:1", &a), 0);
	assert_string_equal(a.host, "localhost");
	assert_int_equal(forward_parse_addr("[::1]:65535", &a), 0);
	assert_string_equal(a.host, "::1");
	assert_string_equal(a.port, "65535");
	assert_int_equal(forward_parse_addr("unix:/run/fluent.sock", &a), 0);
	assert_true(a.is_unix);
	assert_string_equal(a.path, "/run/fluent.sock");

	upt_errf = open_memstream(&msgs, &n);
	assert_int_equal(forward_parse_addr("nohostport", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("host:", &a), -EINVAL);
	assert_int_equal(forward_parse_addr(":24224", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("host:0", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("host:65536", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("host:-1", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("host:24x", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("::1:24224", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("[::1]24224", &a), -EINVAL);
	assert_int_equal(forward_parse_addr("unix:", &a), -EINVAL);
	fclose(upt_errf);
	upt_errf = saved;
	/* one line each */
	assert_int_equal(strlen(msgs) - strlen(strrchr(msgs, '\n')) + 1, strlen(msgs));
	assert_non_null(strstr(msgs, "uptrace: --forward: 'nohostport' is not HOST:PORT or "
				     "unix:PATH (no port)\n"));
	assert_non_null(strstr(msgs, "'unix:' is not HOST:PORT or unix:PATH (the path is "
				     "empty)\n"));
	free(msgs);
}

/* ---- a receiver ---------------------------------------------------------------------------- */

struct recv {
	int lfd;
	int port;
	/* close the first connection after this many messages, unacked */
	int drop_first;
	msgpack_sbuffer raw; /* every message, as received, on the connection that acked */
	int messages, entries, connections;
	char tags[64][16];
	uint32_t sizes[64];
	pthread_t thread;
};

static void ack(int fd, const msgpack_object *chunk)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_str_with_body(&pk, "ack", 3);
	msgpack_pack_object(&pk, *chunk);
	assert_int_equal(send(fd, sb.data, sb.size, MSG_NOSIGNAL), (ssize_t)sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* Serve connections until the sender closes one that had everything acked. */
static void *serve(void *arg)
{
	struct recv *r = arg;
	msgpack_unpacker unp;
	msgpack_unpacked up;
	ssize_t n;
	int fd, on_conn;

	for (;;) {
		fd = accept(r->lfd, NULL, NULL);
		if (fd < 0)
			return NULL;
		r->connections++;
		on_conn = 0;
		msgpack_unpacker_init(&unp, 4096);
		msgpack_unpacked_init(&up);
		for (;;) {
			msgpack_unpacker_reserve_buffer(&unp, 4096);
			n = recv(fd, msgpack_unpacker_buffer(&unp), 4096, 0);
			if (n <= 0)
				break;
			msgpack_unpacker_buffer_consumed(&unp, n);
			while (msgpack_unpacker_next(&unp, &up) == MSGPACK_UNPACK_SUCCESS) {
				const msgpack_object *a = up.data.via.array.ptr;

				if (r->connections == 1 && on_conn == r->drop_first &&
				    r->drop_first)
					goto drop;
				on_conn++;
				msgpack_pack_object(
					&(msgpack_packer){&r->raw, msgpack_sbuffer_write}, up.data);
				snprintf(r->tags[r->messages], 16, "%.*s", (int)a[0].via.str.size,
					 a[0].via.str.ptr);
				r->sizes[r->messages] = a[1].via.array.size;
				r->entries += a[1].via.array.size;
				r->messages++;
				ack(fd, &a[2].via.map.ptr[0].val);
			}
		}
	drop:
		msgpack_unpacked_destroy(&up);
		msgpack_unpacker_destroy(&unp);
		close(fd);
		if (n == 0)
			return NULL;
	}
}

/* A TCP socket listening on a free port of 127.0.0.1; its port in *port. */
static int listen_local(int backlog, int *port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(in);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(listen(lfd, backlog), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&in, &len), 0);
	*port = ntohs(in.sin_port);
	return lfd;
}

static void recv_start(struct recv *r, int drop_first)
{
	memset(r, 0, sizeof(*r));
	r->drop_first = drop_first;
	msgpack_sbuffer_init(&r->raw);
	r->lfd = listen_local(4, &r->port);
	assert_int_equal(pthread_create(&r->thread, NULL, serve, r), 0);
}

static void recv_stop(struct recv *r)
{
	shutdown(r->lfd, SHUT_RDWR);
	pthread_join(r->thread, NULL);
	close(r->lfd);
	msgpack_sbuffer_destroy(&r->raw);
}

static struct forward *sender(const char *addr, size_t buffer, uint32_t entries)
{
	struct forward_opts o = {.buffer_bytes = buffer, .batch_entries = entries};
	struct forward *f;

	assert_int_equal(forward_parse_addr(addr, &o.addr), 0);
	assert_int_equal(forward__new(&o, &f), 0);
	return f;
}

/* {"a":N}: fixmap 1, fixstr "a", positive fixint */
static void push_n(struct forward *f, const char *tag, uint8_t n)
{
	uint8_t rec[4] = {0x81, 0xa1, 'a', n};

	assert_int_equal(forward__push(f, tag, 1700000000 + n, 123456789, rec, sizeof(rec)), 0);
}

static void test_wire_bytes_and_acks(void **state)
{
	struct forward_stats st;
	struct forward *f;
	struct recv r;
	char addr[32];

	recv_start(&r, 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", r.port);
	f = sender(addr, 0, 0);
	/* two tags interleaved: two batches, each in its own order */
	push_n(f, "u1", 0);
	push_n(f, "u2", 1);
	push_n(f, "u1", 2);
	push_n(f, "u2", 3);
	push_n(f, "u2", 5);
	assert_int_equal(forward__close(f, 5000), 0);
	forward__stats(f, &st);
	assert_int_equal(st.events, 5);
	assert_int_equal(st.sent, 5);
	assert_int_equal(st.acked, 5);
	assert_int_equal(st.unacked, 0);
	assert_int_equal(st.resent, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.batches, 2);
	assert_int_equal(st.acked_batches, 2);
	forward__free(f);
	recv_stop(&r);
	assert_int_equal(r.messages, 2);
	assert_string_equal(r.tags[0], "u1");
	assert_string_equal(r.tags[1], "u2");
	assert_int_equal(r.sizes[0], 2);
	assert_int_equal(r.sizes[1], 3);
}

/* The exact bytes: a raw socket, no msgpack-c in between. */
static void test_exact_bytes(void **state)
{
	/* clang-format off */
	static const uint8_t want_head[] = {
		0x93, 0xa2, 'u', '1', 0xdd, 0, 0, 0, 2,		/* [tag, array32 of 2 */
		0x92, 0xd7, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x07, 0x5b, 0xcd, 0x15, /* [EventTime */
		0x81, 0xa1, 'a', 0,					/* {"a":0}] */
		0x92, 0xd7, 0x00, 0x65, 0x53, 0xf1, 0x02, 0x07, 0x5b, 0xcd, 0x15,
		0x81, 0xa1, 'a', 2,
		0x82, 0xa5, 'c', 'h', 'u', 'n', 'k', 0xb8,		/* {"chunk": str 24 */
	};
	/* clang-format on */
	static const uint8_t want_tail[] = {0xa4, 's', 'i', 'z', 'e', 0xce, 0, 0, 0, 2};
	size_t total = sizeof(want_head) + 24 + sizeof(want_tail), got = 0;
	struct forward_stats st;
	uint8_t buf[256];
	struct forward *f;
	char addr[32];
	int lfd, fd, i, port;
	ssize_t n;

	lfd = listen_local(1, &port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	f = sender(addr, 0, 0);
	push_n(f, "u1", 0);
	push_n(f, "u1", 2);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	while (got < total) {
		n = recv(fd, buf + got, sizeof(buf) - got, 0);
		assert_true(n > 0);
		got += n;
	}
	assert_int_equal(got, total);
	assert_memory_equal(buf, want_head, sizeof(want_head));
	assert_memory_equal(buf + sizeof(want_head) + 24, want_tail, sizeof(want_tail));
	/* the chunk id: base64 of 16 bytes */
	for (i = 0; i < 22; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789+/",
				       buf[sizeof(want_head) + i]));
	assert_memory_equal(buf + sizeof(want_head) + 22, "==", 2);
	/* not acked yet: close waits, then says so */
	assert_int_equal(forward__close(f, 200), -ETIMEDOUT);
	forward__stats(f, &st);
	assert_int_equal(st.sent, 2);
	assert_int_equal(st.acked, 0);
	assert_int_equal(st.unacked, 2);
	forward__free(f);
	close(fd);
	close(lfd);
}

/* The first connection closes after one message, unacked: everything comes again. */
static void test_resend_after_lost_connection(void **state)
{
	struct forward_stats st;
	struct forward *f;
	FILE *saved = upt_errf;
	char *msgs = NULL, want[256];
	size_t n = 0;
	struct recv r;
	char addr[32];
	int i;

	upt_errf = open_memstream(&msgs, &n);
	recv_start(&r, 1);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", r.port);
	f = sender(addr, 0, 3); /* three entries a batch */
	for (i = 0; i < 10; i++)
		push_n(f, "t", i);
	assert_int_equal(forward__close(f, 5000), 0);
	forward__stats(f, &st);
	forward__free(f);
	recv_stop(&r);
	fclose(upt_errf);
	upt_errf = saved;
	/* one line when the connection goes (why: an orderly close, a reset or a broken
	 * pipe, as the kernel saw it), one when it is back */
	snprintf(want, sizeof(want), "uptrace: forward: connection to %s lost (", addr);
	assert_memory_equal(msgs, want, strlen(want));
	assert_non_null(strstr(msgs, "); buffering and retrying\n"));
	snprintf(want, sizeof(want), "\nuptrace: forward: connected to %s; resending ", addr);
	assert_non_null(strstr(msgs, want));
	assert_non_null(strstr(msgs, " unacknowledged events\n"));
	assert_int_equal(strchr(strchr(msgs, '\n') + 1, '\n')[1], 0);
	free(msgs);
	assert_int_equal(st.events, 10);
	assert_int_equal(st.acked, 10);
	assert_int_equal(st.unacked, 0);
	assert_int_equal(st.batches, 4);
	assert_int_equal(st.acked_batches, 4);
	assert_int_equal(st.connects, 2);
	assert_true(st.resent >= 1);
	assert_int_equal(st.sent, 10);
	/* the receiver kept only what it acked: each entry exactly once */
	assert_int_equal(r.entries, 10);
	assert_int_equal(r.messages, 4);
	assert_int_equal(r.connections, 2);
}

/* Nobody listens and the buffer is tiny: what does not fit is dropped and counted. */
static void test_bounded_buffer_drops_and_counts(void **state)
{
	uint8_t rec[200] = {0x81, 0xa1, 'a', 0xc5, 0, 192}; /* {"a": bin16 of 192} */
	struct forward_stats st;
	struct forward *f;
	FILE *saved = upt_errf;
	char *msgs = NULL;
	size_t n = 0;
	int i, ok = 0, full = 0, err;

	upt_errf = open_memstream(&msgs, &n);
	f = sender("unix:/nonexistent/uptrace-forward-test.sock", 4096, 0);
	for (i = 0; i < 100; i++) {
		err = forward__push(f, "t", 1, 2, rec, sizeof(rec));
		if (!err)
			ok++;
		else if (err == -ENOBUFS)
			full++;
	}
	assert_int_equal(ok + full, 100);
	/* 4096 bytes: the batch header and room for its options (72), then 211 bytes an entry
	 * (11 of [EventTime, and the record's 200) */
	assert_int_equal(ok, 19);
	assert_int_equal(forward__close(f, 300), -ETIMEDOUT);
	forward__stats(f, &st);
	forward__free(f);
	fclose(upt_errf);
	upt_errf = saved;
	assert_int_equal(st.events, 19);
	assert_int_equal(st.dropped, 81);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.unacked, 19);
	/* said once, however many retries */
	assert_string_equal(msgs, "uptrace: forward: unix:/nonexistent/uptrace-forward-test.sock "
				  "is not reachable yet (No such file or directory); buffering "
				  "and retrying\n");
	free(msgs);
}

/* Accept every connection and close it at once: one outage, said once, with backoff. */
static void *reject(void *arg)
{
	int lfd = *(int *)arg, fd;

	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		close(fd);
	return NULL;
}

static void test_rejecting_receiver_said_once(void **state)
{
	struct forward_stats st;
	FILE *saved = upt_errf;
	char *msgs = NULL, addr[32], want[160];
	struct forward *f;
	pthread_t t;
	size_t n = 0;
	int lfd, port;

	lfd = listen_local(4, &port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	assert_int_equal(pthread_create(&t, NULL, reject, &lfd), 0);
	upt_errf = open_memstream(&msgs, &n);
	f = sender(addr, 0, 1);
	push_n(f, "t", 1);
	usleep(1000 * 1000);
	assert_int_equal(forward__close(f, 0), -ETIMEDOUT);
	forward__stats(f, &st);
	forward__free(f);
	fclose(upt_errf);
	upt_errf = saved;
	shutdown(lfd, SHUT_RDWR);
	pthread_join(t, NULL);
	close(lfd);
	/* 100, 200, 400 ms apart: four or five connections in a second, not ten */
	assert_true(st.connects >= 3 && st.connects <= 5);
	assert_int_equal(st.acked, 0);
	assert_int_equal(st.unacked, 1);
	snprintf(want, sizeof(want), "uptrace: forward: connection to %s lost (", addr);
	assert_memory_equal(msgs, want, strlen(want));
	assert_non_null(strstr(msgs, "); buffering and retrying\n"));
	assert_int_equal(strchr(msgs, '\n')[1], 0); /* one line */
	free(msgs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_wire_bytes_and_acks),
		cmocka_unit_test(test_exact_bytes),
		cmocka_unit_test(test_resend_after_lost_connection),
		cmocka_unit_test(test_bounded_buffer_drops_and_counts),
		cmocka_unit_test(test_rejecting_receiver_said_once),
	};

	return cmocka_run_group_tests_name("forward", tests, NULL, NULL);
}

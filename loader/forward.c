// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forward.c - events to Fluent Bit's / Fluentd's in_forward, Forward protocol v1.
 *
 * The wire: one msgpack array per batch, in Forward mode,
 *
 *     [TAG, [[EventTime, RECORD], ...], {"chunk": ID, "size": N}]
 *
 * EventTime is ext type 0 (big-endian uint32 seconds, uint32 nanoseconds), the event's own
 * time.  The entries array is written with an array32 header so that events can be appended
 * to an open batch in place and the count patched when the batch is sealed; the finished
 * bytes are exactly what goes on the wire, built once.  ID is 16 bytes in base64 (8 random
 * bytes for this process, then a counter), and the receiver answers {"ack": ID} once it has
 * taken the batch.  A batch is held until that ack: after a lost connection every unacked
 * batch is sent again, in order, on the next one (at-least-once; exactly-once for a receiver
 * that acks only what it kept and whose acks arrive).
 *
 * Threads.  The event loop must never wait for the network, so it only appends: push()
 * takes the mutex, copies the entry into the open batch of its tag, and returns.  One
 * sender thread owns the socket: it connects (non-blocking, so a dead host cannot hold it
 * past the exit deadline), writes sealed batches, reads acks, and reconnects with backoff
 * (100 ms doubling to 5 s).  A thread rather than a non-blocking socket in the event loop
 * because the loop sleeps in poll() for up to --poll-ms and would have to learn about a
 * socket, timers for batches, backoff and acks; here all of that stays in this file and the
 * loop's cost per event is one memcpy under an uncontended lock.  An eventfd wakes the
 * thread when a batch is opened (its flush timer starts) or sealed.
 *
 * Batches: one open batch per tag (up to FWD_MAX_OPEN tags at once), so that alternating
 * uprobe/uretprobe events still make large batches; each holds its tag's events in their
 * order.  A batch is sealed at FWD_DEF_BATCH_BYTES or _ENTRIES, FWD_DEF_FLUSH_MS after its
 * first event, or at close.  Sealed batches wait in one queue, in sealing order; the ones
 * written on the current connection are a prefix of it (up to `last_written`).
 *
 * Memory is bounded by buffer_bytes, counting every byte of open, queued and unacked
 * batches: a batch's header (1 + the tag as a msgpack string + 5), its options (64 while it
 * is open, their real 42 once sealed), and each entry, 11 bytes + its record.  An event is
 * accepted when everything held after it still fits; otherwise it is dropped and counted,
 * never silently.  Only the
 * sender thread frees batches (on their ack), and a sealed batch is never written to again,
 * so the thread reads its bytes without the lock.
 */
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "emit.h"
#include "forward.h"
#include "json.h"
#include "util.h"

#define FWD_MAX_OPEN	       8
#define FWD_BACKOFF_MIN_MS     100
#define FWD_BACKOFF_MAX_MS     5000
#define FWD_CONNECT_TIMEOUT_MS 5000
#define FWD_ACK_TIMEOUT_MS     30000
#define FWD_CHUNK_LEN	       24 /* base64 of 16 bytes */
/* {"chunk":ID,"size":N} (42 bytes) and slack, counted while a batch is open */
#define FWD_OPTS_BYTES 64
#define FWD_ENTRY_HDR  11 /* an entry's [EventTime, ...]: fixarray 1, fixext8 2 + 8 */
#define NS_PER_MS      1000000ULL

struct batch {
	struct batch *next;
	struct obuf wire; /* the whole message once sealed */
	size_t count_off; /* where the entries' array32 count goes */
	uint32_t entries;
	bool sent; /* written whole on some connection */
	uint64_t opened_ns;
	uint64_t written_ns;
	char chunk[FWD_CHUNK_LEN + 1];
	char tag[FWD_MAX_TAG + 1];
};

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP };

struct forward {
	struct forward_opts opts;
	pthread_t thread;
	bool thread_started;
	int wake_fd;
	uint8_t chunk_prefix[8];

	pthread_mutex_t lock; /* guards everything down to `st` */
	struct batch *open[FWD_MAX_OPEN];
	int nopen;
	struct batch *head, *tail;  /* sealed, in order, until acked */
	struct batch *last_written; /* the last of the prefix written on this connection */
	size_t held;		    /* bytes of every batch above */
	uint64_t chunk_seq;
	bool closing;
	uint64_t deadline_ns;
	struct forward_stats st;

	/* the sender thread's own */
	enum conn_state state;
	int fd;
	struct addrinfo *ai_list, *ai_cur;
	uint64_t connect_start_ns;
	uint64_t next_try_ns;
	uint32_t backoff_ms;
	bool outage; /* a "not reachable"/"lost" line was printed, no ack since */
	bool ever_up;
	uint64_t resending; /* events sent before and unacked when this connection came */
	struct batch *cur;  /* being written on this connection, cur_off bytes done */
	size_t cur_off;
	msgpack_unpacker unp;
};

/* One line from the sender thread, not interleaved with another thread's. */
static void fwd_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fwd_say(const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	va_start(ap, fmt);
	upt_verr(fmt, ap);
	va_end(ap);
	funlockfile(stderr);
}

/* ---- addresses --------------------------------------------------------------------------- */

static int bad_addr(const char *s, const char *why)
{
	upt_err("--forward: '%s' is not HOST:PORT or unix:PATH (%s)", s, why);
	return -EINVAL;
}

int forward_parse_addr(const char *s, struct forward_addr *a)
{
	const char *colon, *host = s, *port;
	size_t hlen;
	char *end;
	unsigned long p;

	memset(a, 0, sizeof(*a));
	snprintf(a->text, sizeof(a->text), "%s", s);
	if (!strncmp(s, "unix:", 5)) {
		if (!s[5])
			return bad_addr(s, "the path is empty");
		if (strlen(s + 5) >= sizeof(a->path))
			return bad_addr(s, "the path is too long for a unix socket");
		a->is_unix = true;
		strcpy(a->path, s + 5);
		return 0;
	}
	if (*s == '[') {
		colon = strchr(s, ']');
		if (!colon || colon[1] != ':')
			return bad_addr(s, "expected [IPV6]:PORT");
		host = s + 1;
		hlen = colon - host;
		port = colon + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return bad_addr(s, "no port");
		hlen = colon - s;
		port = colon + 1;
		if (memchr(s, ':', hlen))
			return bad_addr(s, "write an IPv6 address as [ADDR]:PORT");
	}
	if (!hlen)
		return bad_addr(s, "no host");
	if (hlen >= sizeof(a->host))
		return bad_addr(s, "the host name is too long");
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || *port == '-' || *port == '+' || p < 1 || p > 65535)
		return bad_addr(s, "the port is not a number from 1 to 65535");
	memcpy(a->host, host, hlen);
	a->host[hlen] = 0;
	snprintf(a->port, sizeof(a->port), "%lu", p);
	return 0;
}

/* ---- batches (under the lock) ------------------------------------------------------------ */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void free_batch(struct batch *b)
{
	if (b)
		ob_free(&b->wire);
	free(b);
}

/* [TAG, [ (array32): msgpack-c's str header for the tag (fixstr, str8, str16) */
static size_t batch_header_len(size_t tlen)
{
	return 1 + (tlen < 32 ? 1 : tlen < 256 ? 2 : 3) + tlen + 5;
}

static struct batch *open_batch(struct forward *f, const char *tag, size_t tlen)
{
	struct batch *b = calloc(1, sizeof(*b));
	msgpack_packer pk;

	if (!b)
		return NULL;
	memcpy(b->tag, tag, tlen);
	ob_init(&b->wire);
	emit_packer_init(&pk, &b->wire);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_str_with_body(&pk, tag, tlen);
	/* the entries' count is not known yet: an array32 header, patched by seal() */
	b->count_off = b->wire.len + 1;
	msgpack_pack_array(&pk, UINT32_MAX);
	if (!ob_ok(&b->wire)) {
		free_batch(b);
		return NULL;
	}
	assert(b->wire.len == batch_header_len(tlen));
	b->opened_ns = upt_mono_ns();
	f->held += b->wire.len + FWD_OPTS_BYTES;
	return b;
}

static void make_chunk_id(struct forward *f, char out[FWD_CHUNK_LEN + 1])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t id[18] = {};
	uint64_t seq = ++f->chunk_seq;
	int i;

	memcpy(id, f->chunk_prefix, 8);
	for (i = 0; i < 8; i++)
		id[8 + i] = seq >> (56 - 8 * i);
	/* 16 bytes: five groups of three, then one byte with "==" */
	for (i = 0; i < 6; i++) {
		uint32_t v = id[3 * i] << 16 | id[3 * i + 1] << 8 | id[3 * i + 2];

		out[4 * i] = b64[v >> 18];
		out[4 * i + 1] = b64[(v >> 12) & 63];
		out[4 * i + 2] = b64[(v >> 6) & 63];
		out[4 * i + 3] = b64[v & 63];
	}
	out[22] = out[23] = '=';
	out[FWD_CHUNK_LEN] = 0;
}

/* Close open batch I: patch the count, add the options, move it to the queue. */
static void seal(struct forward *f, int i)
{
	struct batch *b = f->open[i];
	size_t before = b->wire.len;
	msgpack_packer pk;

	put_be32((uint8_t *)b->wire.buf + b->count_off, b->entries);
	make_chunk_id(f, b->chunk);
	emit_packer_init(&pk, &b->wire);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str_with_body(&pk, "chunk", 5);
	msgpack_pack_str_with_body(&pk, b->chunk, FWD_CHUNK_LEN);
	msgpack_pack_str_with_body(&pk, "size", 4);
	msgpack_pack_fix_uint32(&pk, b->entries); /* a fixed width: FWD_OPTS_BYTES holds it */
	/* the options were counted when the batch opened: FWD_OPTS_BYTES */
	f->held += b->wire.len - before;
	f->held -= FWD_OPTS_BYTES;
	f->open[i] = f->open[--f->nopen];
	f->open[f->nopen] = NULL;
	if (f->tail)
		f->tail->next = b;
	else
		f->head = b;
	f->tail = b;
	f->st.batches++;
}

/* Seal the open batch that was opened first (keeps sealing order = opening order). */
static int oldest_open(struct forward *f)
{
	int i, o = 0;

	for (i = 1; i < f->nopen; i++)
		if (f->open[i]->opened_ns < f->open[o]->opened_ns)
			o = i;
	return o;
}

static void wake(struct forward *f)
{
	uint64_t one = 1;

	if (write(f->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow in practice; the thread also wakes on timers */
	}
}

int forward__push(struct forward *f, const char *tag, int64_t sec, uint32_t nsec,
		  const void *record, size_t len)
{
	uint8_t t[8]; /* EventTime: ext 0, big-endian seconds and nanoseconds */
	size_t tlen = strlen(tag), need = FWD_ENTRY_HDR + len;
	msgpack_packer pk;
	bool poke = false;
	struct batch *b = NULL;
	int i, err = 0;

	if (tlen > FWD_MAX_TAG)
		return -EINVAL;
	put_be32(t, (uint32_t)sec);
	put_be32(t + 4, nsec);
	pthread_mutex_lock(&f->lock);
	for (i = 0; i < f->nopen; i++) {
		if (!strcmp(f->open[i]->tag, tag)) {
			b = f->open[i];
			break;
		}
	}
	/* accepted when every byte held after it, a new batch's header included, fits */
	if (f->held + need + (b ? 0 : batch_header_len(tlen) + FWD_OPTS_BYTES) >
	    f->opts.buffer_bytes) {
		f->st.dropped++;
		err = -ENOBUFS;
		goto out;
	}
	if (!b) {
		if (f->nopen == FWD_MAX_OPEN) {
			seal(f, oldest_open(f));
			poke = true;
		}
		b = open_batch(f, tag, tlen);
		if (!b) {
			f->st.dropped++;
			err = -ENOMEM;
			goto out;
		}
		i = f->nopen;
		f->open[f->nopen++] = b;
		poke = true; /* its flush timer starts */
	}
	/* room for the entry and the options seal() adds: seal() never allocates */
	if (!ob_reserve(&b->wire, need + FWD_OPTS_BYTES)) {
		b->wire.oom = false; /* what the batch holds is intact */
		f->st.dropped++;
		err = -ENOMEM;
		goto out;
	}
	/* [EventTime, RECORD]: fixarray, fixext8, and the record's own bytes */
	emit_packer_init(&pk, &b->wire);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_ext_with_body(&pk, t, sizeof(t), 0);
	ob_write(&b->wire, record, len);
	f->held += need;
	b->entries++;
	f->st.events++;
	if (b->wire.len >= f->opts.batch_bytes || b->entries >= f->opts.batch_entries) {
		seal(f, i);
		poke = true;
	}
out:
	pthread_mutex_unlock(&f->lock);
	if (poke)
		wake(f);
	return err;
}

/* ---- the connection (sender thread) ------------------------------------------------------- */

static void conn_close(struct forward *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->state = CONN_DOWN;
	f->cur = NULL;
	f->cur_off = 0;
	pthread_mutex_lock(&f->lock);
	f->last_written = NULL;
	pthread_mutex_unlock(&f->lock);
	msgpack_unpacker_destroy(&f->unp);
	msgpack_unpacker_init(&f->unp, 4096);
}

/*
 * The connection failed or broke: try again later.  One line when an outage starts; it
 * ends with the first ack after a reconnect (a receiver that accepts and then drops every
 * connection is still an outage, backing off, said once).
 */
static void backoff(struct forward *f, const char *why)
{
	if (!f->outage) {
		fwd_say(f->ever_up
				? "forward: connection to %s lost (%s); buffering and retrying"
				: "forward: %s is not reachable yet (%s); buffering and retrying",
			f->opts.addr.text, why);
		f->outage = true;
	}
	conn_close(f);
	if (f->ai_list)
		freeaddrinfo(f->ai_list);
	f->ai_list = f->ai_cur = NULL;
	f->next_try_ns = upt_mono_ns() + f->backoff_ms * NS_PER_MS;
	f->backoff_ms =
		f->backoff_ms * 2 > FWD_BACKOFF_MAX_MS ? FWD_BACKOFF_MAX_MS : f->backoff_ms * 2;
}

/* An outage is over: the receiver took a batch (or there is nothing to give it). */
static void outage_over(struct forward *f)
{
	if (!f->outage)
		return;
	if (f->resending)
		fwd_say("forward: connected to %s; resending %llu unacknowledged events",
			f->opts.addr.text, (unsigned long long)f->resending);
	else
		fwd_say("forward: connected to %s", f->opts.addr.text);
	f->outage = false;
	f->backoff_ms = FWD_BACKOFF_MIN_MS;
}

static void conn_up(struct forward *f)
{
	struct batch *b;
	bool idle;

	f->state = CONN_UP;
	if (f->ai_list)
		freeaddrinfo(f->ai_list);
	f->ai_list = f->ai_cur = NULL;
	pthread_mutex_lock(&f->lock);
	f->st.connects++;
	f->resending = 0;
	for (b = f->head; b; b = b->next)
		f->resending += b->sent ? b->entries : 0;
	idle = !f->head;
	pthread_mutex_unlock(&f->lock);
	if (!f->outage)
		upt_info("forward: connected to %s", f->opts.addr.text);
	else if (idle)
		outage_over(f);
	f->ever_up = true;
}

/* Start a connection to the current address; 0, or -errno when it failed at once. */
static int conn_start(struct forward *f, const struct sockaddr *sa, socklen_t salen, int family)
{
	f->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0)
		return -errno;
	f->connect_start_ns = upt_mono_ns();
	if (!connect(f->fd, sa, salen)) {
		conn_up(f);
		return 0;
	}
	if (errno == EINPROGRESS || errno == EAGAIN) {
		f->state = CONN_CONNECTING;
		return 0;
	}
	return -errno;
}

static void try_connect(struct forward *f)
{
	const struct forward_addr *a = &f->opts.addr;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int err;

	if (a->is_unix) {
		memcpy(sun.sun_path, a->path, sizeof(a->path));
		err = conn_start(f, (struct sockaddr *)&sun, sizeof(sun), AF_UNIX);
		if (err)
			backoff(f, strerror(-err));
		return;
	}
	if (!f->ai_list) {
		err = getaddrinfo(a->host, a->port, &hints, &f->ai_list);
		if (err) {
			f->ai_list = NULL;
			backoff(f, gai_strerror(err));
			return;
		}
		f->ai_cur = f->ai_list;
	}
	/* each address in turn; back off only when all of them failed */
	while (f->ai_cur) {
		err = conn_start(f, f->ai_cur->ai_addr, f->ai_cur->ai_addrlen,
				 f->ai_cur->ai_family);
		if (!err)
			return;
		conn_close(f);
		f->ai_cur = f->ai_cur->ai_next;
		if (!f->ai_cur)
			backoff(f, strerror(-err));
	}
}

static void connect_done(struct forward *f)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (!err) {
		conn_up(f);
		return;
	}
	conn_close(f);
	if (f->ai_cur)
		f->ai_cur = f->ai_cur->ai_next;
	if (f->ai_cur)
		try_connect(f);
	else
		backoff(f, strerror(err));
}

/* The next batch to write on this connection, or NULL. */
static struct batch *next_to_write(struct forward *f)
{
	struct batch *b;

	if (f->cur)
		return f->cur;
	pthread_mutex_lock(&f->lock);
	b = f->last_written ? f->last_written->next : f->head;
	pthread_mutex_unlock(&f->lock);
	f->cur = b;
	f->cur_off = 0;
	return b;
}

/* Write what can be written without blocking; -errno when the connection broke. */
static int send_batches(struct forward *f)
{
	struct batch *b;
	ssize_t w;

	while ((b = next_to_write(f))) {
		w = send(f->fd, b->wire.buf + f->cur_off, b->wire.len - f->cur_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		f->cur_off += w;
		if (f->cur_off < b->wire.len)
			continue;
		pthread_mutex_lock(&f->lock);
		if (b->sent)
			f->st.resent += b->entries;
		else
			f->st.sent += b->entries;
		b->sent = true;
		b->written_ns = upt_mono_ns();
		f->last_written = b;
		pthread_mutex_unlock(&f->lock);
		f->cur = NULL;
	}
	return 0;
}

/* {"ack": ID}: drop the batch with that chunk id. */
static void on_ack(struct forward *f, const msgpack_object *o)
{
	const msgpack_object_kv *kv;
	struct batch *b, *prev = NULL;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_MAP)
		return;
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == 3 &&
		    !memcmp(kv->key.via.str.ptr, "ack", 3) && kv->val.type == MSGPACK_OBJECT_STR &&
		    kv->val.via.str.size == FWD_CHUNK_LEN)
			break;
	}
	if (i == o->via.map.size)
		return;
	pthread_mutex_lock(&f->lock);
	/* only batches written on this connection can be acked on it */
	for (b = f->last_written ? f->head : NULL; b; prev = b, b = b->next) {
		if (!memcmp(b->chunk, kv->val.via.str.ptr, FWD_CHUNK_LEN))
			break;
		if (b == f->last_written) {
			b = NULL;
			break;
		}
	}
	if (b) {
		if (prev)
			prev->next = b->next;
		else
			f->head = b->next;
		if (f->tail == b)
			f->tail = prev;
		if (f->last_written == b)
			f->last_written = prev;
		f->held -= b->wire.len;
		f->st.acked += b->entries;
		f->st.acked_batches++;
	}
	pthread_mutex_unlock(&f->lock);
	if (b)
		outage_over(f);
	free_batch(b);
}

/* Read acks; -errno (or -EPIPE for an orderly close) when the connection is gone. */
static int read_acks(struct forward *f)
{
	msgpack_unpacked up;
	ssize_t r;
	int ret;

	for (;;) {
		if (!msgpack_unpacker_reserve_buffer(&f->unp, 4096))
			return -ENOMEM;
		r = recv(f->fd, msgpack_unpacker_buffer(&f->unp),
			 msgpack_unpacker_buffer_capacity(&f->unp), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		if (r == 0)
			return -EPIPE;
		msgpack_unpacker_buffer_consumed(&f->unp, r);
		msgpack_unpacked_init(&up);
		while ((ret = msgpack_unpacker_next(&f->unp, &up)) == MSGPACK_UNPACK_SUCCESS)
			on_ack(f, &up.data);
		msgpack_unpacked_destroy(&up);
		if (ret == MSGPACK_UNPACK_PARSE_ERROR)
			return -EPROTO;
	}
}

/* ---- the sender thread ------------------------------------------------------------------- */

struct tick {
	bool done;
	uint64_t wait_ns; /* until the next timer */
};

/* Seal batches that are due; decide whether the thread is done. Under the lock. */
static void tick(struct forward *f, uint64_t now, struct tick *t)
{
	uint64_t flush = f->opts.flush_ms * NS_PER_MS, due;
	int i;

	t->wait_ns = UINT64_MAX;
	/* oldest first, so that batches are sealed (and sent) in the order they were opened */
	while (f->nopen) {
		i = oldest_open(f);
		due = f->open[i]->opened_ns + flush;
		if (!f->closing && due > now) {
			t->wait_ns = due - now;
			break;
		}
		seal(f, i);
	}
	t->done = f->closing && (!f->head || now >= f->deadline_ns);
	if (f->closing && !t->done && f->deadline_ns - now < t->wait_ns)
		t->wait_ns = f->deadline_ns - now;
	/* an acknowledgement that never comes: the receiver is stuck, reconnect */
	if (f->last_written && now - f->head->written_ns > FWD_ACK_TIMEOUT_MS * NS_PER_MS)
		t->wait_ns = 0;
}

static bool ack_overdue(struct forward *f, uint64_t now)
{
	bool late;

	pthread_mutex_lock(&f->lock);
	late = f->last_written && now - f->head->written_ns > FWD_ACK_TIMEOUT_MS * NS_PER_MS;
	pthread_mutex_unlock(&f->lock);
	return late;
}

static void min_wait(uint64_t *w, uint64_t at, uint64_t now)
{
	uint64_t d = at > now ? at - now : 0;

	if (d < *w)
		*w = d;
}

static void *sender(void *arg)
{
	struct forward *f = arg;
	struct pollfd pfd[2];
	struct tick t;
	uint64_t now, v;
	int n, err, timeout;

	for (;;) {
		now = upt_mono_ns();
		pthread_mutex_lock(&f->lock);
		tick(f, now, &t);
		pthread_mutex_unlock(&f->lock);
		if (t.done)
			break;
		if (f->state == CONN_DOWN && now >= f->next_try_ns)
			try_connect(f);
		if (f->state == CONN_UP && ack_overdue(f, now))
			backoff(f, "no acknowledgement in 30 s");
		if (f->state == CONN_UP) {
			err = send_batches(f);
			if (err) {
				/* acks that came before the receiver went may still be readable */
				read_acks(f);
				backoff(f, strerror(-err));
				continue;
			}
		}
		if (f->state == CONN_DOWN)
			min_wait(&t.wait_ns, f->next_try_ns, now);
		if (f->state == CONN_CONNECTING)
			min_wait(&t.wait_ns,
				 f->connect_start_ns + FWD_CONNECT_TIMEOUT_MS * NS_PER_MS, now);
		n = 0;
		pfd[n++] = (struct pollfd){.fd = f->wake_fd, .events = POLLIN};
		if (f->state == CONN_CONNECTING)
			pfd[n++] = (struct pollfd){.fd = f->fd, .events = POLLOUT};
		else if (f->state == CONN_UP)
			pfd[n++] = (struct pollfd){.fd = f->fd,
						   .events = POLLIN | (f->cur ? POLLOUT : 0)};
		timeout = t.wait_ns == UINT64_MAX ? -1
						  : (int)((t.wait_ns + NS_PER_MS - 1) / NS_PER_MS);
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			if (read(f->wake_fd, &v, sizeof(v)) < 0) {
				/* EAGAIN: someone else's wakeup was already read */
			}
		}
		if (f->state == CONN_CONNECTING) {
			if (pfd[1].revents)
				connect_done(f);
			else if (upt_mono_ns() - f->connect_start_ns >
				 FWD_CONNECT_TIMEOUT_MS * NS_PER_MS)
				backoff(f, "connect timed out");
		} else if (f->state == CONN_UP && pfd[1].revents) {
			/* acks first: a receiver that closed may have acked before it did */
			err = read_acks(f);
			if (err)
				backoff(f,
					err == -EPIPE ? "closed by the receiver" : strerror(-err));
		}
	}
	return NULL;
}

/* ---- the object ---------------------------------------------------------------------------- */

int forward__new(const struct forward_opts *opts, struct forward **fp)
{
	struct forward *f = calloc(1, sizeof(*f));
	sigset_t all, old;
	int err;

	*fp = NULL;
	if (!f)
		return -ENOMEM;
	f->opts = *opts;
	if (!f->opts.buffer_bytes)
		f->opts.buffer_bytes = FWD_DEF_BUFFER;
	if (!f->opts.flush_ms)
		f->opts.flush_ms = FWD_DEF_FLUSH_MS;
	if (!f->opts.batch_bytes)
		f->opts.batch_bytes = FWD_DEF_BATCH_BYTES;
	if (!f->opts.batch_entries)
		f->opts.batch_entries = FWD_DEF_BATCH_ENTRIES;
	f->fd = -1;
	f->wake_fd = -1;
	f->backoff_ms = FWD_BACKOFF_MIN_MS;
	msgpack_unpacker_init(&f->unp, 4096);
	pthread_mutex_init(&f->lock, NULL);
	if (getrandom(f->chunk_prefix, sizeof(f->chunk_prefix), GRND_NONBLOCK) !=
	    sizeof(f->chunk_prefix)) {
		/* no entropy yet this early after boot: time and pid still make ids unique */
		uint64_t x = upt_mono_ns() ^ ((uint64_t)getpid() << 32);

		memcpy(f->chunk_prefix, &x, sizeof(x));
	}
	f->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->wake_fd < 0) {
		err = -errno;
		upt_err("forward: eventfd: %s", strerror(errno));
		goto fail;
	}
	/* signals stay with the event loop, whose poll() they must interrupt */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&f->thread, NULL, sender, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		upt_err("forward: cannot start the sender thread: %s", strerror(-err));
		goto fail;
	}
	f->thread_started = true;
	*fp = f;
	return 0;
fail:
	forward__free(f);
	return err;
}

static void stop_thread(struct forward *f, uint32_t timeout_ms)
{
	if (!f->thread_started)
		return;
	pthread_mutex_lock(&f->lock);
	f->closing = true;
	f->deadline_ns = upt_mono_ns() + timeout_ms * NS_PER_MS;
	pthread_mutex_unlock(&f->lock);
	wake(f);
	pthread_join(f->thread, NULL);
	f->thread_started = false;
}

int forward__close(struct forward *f, uint32_t timeout_ms)
{
	bool all;

	stop_thread(f, timeout_ms);
	pthread_mutex_lock(&f->lock);
	all = !f->head && !f->nopen;
	pthread_mutex_unlock(&f->lock);
	return all ? 0 : -ETIMEDOUT;
}

void forward__stats(struct forward *f, struct forward_stats *st)
{
	pthread_mutex_lock(&f->lock);
	*st = f->st;
	st->unacked = st->events - st->acked;
	pthread_mutex_unlock(&f->lock);
}

void forward__free(struct forward *f)
{
	struct batch *b;
	int i;

	if (!f)
		return;
	stop_thread(f, 0);
	for (i = 0; i < f->nopen; i++)
		free_batch(f->open[i]);
	while ((b = f->head)) {
		f->head = b->next;
		free_batch(b);
	}
	if (f->fd >= 0)
		close(f->fd);
	if (f->ai_list)
		freeaddrinfo(f->ai_list);
	if (f->wake_fd >= 0)
		close(f->wake_fd);
	msgpack_unpacker_destroy(&f->unp);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

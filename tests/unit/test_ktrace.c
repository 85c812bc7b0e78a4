// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_ktrace.c - kernel traces: names, the syscall table, every record type to JSON with
 * in_ebpf's field names, and records that lie (sizes, lengths, enums), fuzzed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "ktrace.h"
#include "output.h"
#include "util.h"

static struct obuf ob;
static struct probe tp[UPT_TRACE_MAX];
static struct probe *tps[UPT_TRACE_MAX];
static struct render_ctx ctx;

static int setup(void **state)
{
	unsigned int i;

	ob_init(&ob);
	memset(tp, 0, sizeof(tp));
	for (i = 0; i < UPT_TRACE_MAX; i++) {
		tp[i].binary = "trace";
		tp[i].func = (char *)ktrace_name(i);
		tp[i].pid = -1;
		tp[i].kind = PROBE_TRACE;
		tp[i].trace = i;
		tps[i] = &tp[i];
	}
	ctx = (struct render_ctx){ .probes = tps, .nprobes = UPT_TRACE_MAX };
	return 0;
}

static int teardown(void **state)
{
	ob_free(&ob);
	return 0;
}

static void hdr(void *rec, uint16_t type, size_t size, const char *comm)
{
	struct upt_rec_hdr *h = rec;

	h->type = type;
	h->size = size;
	h->ts_ns = 1000000123;
	h->pid = 100;
	h->tid = 101;
	memset(h->comm, 0, sizeof(h->comm));
	memcpy(h->comm, comm, strnlen(comm, sizeof(h->comm)));
}

/* The event line for a record, or NULL when it was refused (and counted). */
static const char *render(const void *data, size_t size)
{
	uint64_t bad = ctx.bad_records;

	ob_reset(&ob);
	if (!render_record(&ctx, &ob, data, size)) {
		assert_int_equal(ctx.bad_records, bad + 1);
		assert_int_equal(ob.len, 0);
		return NULL;
	}
	ob_putc(&ob, 0);
	return ob.buf;
}

#define COMMON(type, comm)                                                                      \
	"{\"time\":\"1970-01-01T00:00:01.000000123Z\",\"event_type\":\"" type "\",\"pid\":100,"  \
	"\"tid\":101,\"comm\":\"" comm "\""

/* ---- names and the syscall table ------------------------------------------------------- */

static void test_names(void **state)
{
	uint32_t m = 0;
	char *msg = NULL;
	size_t len;
	FILE *f = open_memstream(&msg, &len);

	assert_int_equal(ktrace_parse("exec", &m), 0);
	assert_int_equal(m, UPT_TRACE_BIT(UPT_TRACE_EXEC));
	assert_int_equal(ktrace_parse("trace_exec", &m), 0);
	assert_int_equal(ktrace_parse("trace_vfs", &m), 0);
	assert_int_equal(ktrace_parse("tcp", &m), 0);
	assert_int_equal(m, UPT_TRACE_BIT(UPT_TRACE_EXEC) | UPT_TRACE_BIT(UPT_TRACE_VFS) |
				    UPT_TRACE_BIT(UPT_TRACE_TCP));
	assert_int_equal(ktrace_parse("all", &m), 0);
	assert_int_equal(m, UPT_TRACE_ALL);
	upt_errf = f;
	assert_int_equal(ktrace_parse("bogus", &m), -EINVAL);
	assert_int_equal(ktrace_parse("trace_", &m), -EINVAL);
	upt_errf = NULL;
	fclose(f);
	assert_non_null(strstr(msg, "no trace 'bogus'"));
	free(msg);
	assert_string_equal(ktrace_name(UPT_TRACE_SIGNAL), "signal");
	assert_null(ktrace_name(UPT_TRACE_MAX));
	assert_string_equal(ktrace_vfs_op_name(UPT_VFS_OPENAT), "openat");
	assert_string_equal(ktrace_vfs_op_name(UPT_VFS_RMDIR), "rmdir");
	assert_null(ktrace_vfs_op_name(UPT_VFS_NOPS));
	assert_string_equal(ktrace_mem_op_name(UPT_MEM_REALLOC), "realloc");
	assert_null(ktrace_mem_op_name(UPT_MEM_NOPS));
}

static void test_syscall_table(void **state)
{
	uint8_t t[UPT_NSYSCALLS];
	unsigned int i, n = 0;

	ktrace_syscall_table(UPT_TRACE_BIT(UPT_TRACE_VFS), t);
	assert_int_equal(t[SYS_openat], UPT_KSYS_VFS + UPT_VFS_OPENAT);
	assert_int_equal(t[SYS_openat2], UPT_KSYS_VFS + UPT_VFS_OPENAT2);
	assert_int_equal(t[SYS_read], UPT_KSYS_VFS + UPT_VFS_READ);
	assert_int_equal(t[SYS_close], UPT_KSYS_VFS + UPT_VFS_CLOSE);
	assert_int_equal(t[SYS_unlinkat], UPT_KSYS_VFS + UPT_VFS_UNLINKAT);
	assert_int_equal(t[SYS_execve], 0);
	assert_int_equal(t[SYS_connect], 0);
	for (i = 0; i < UPT_NSYSCALLS; i++)
		n += t[i] != 0;
	assert_int_equal(n, UPT_VFS_NOPS); /* x86-64 has every one of them */

	ktrace_syscall_table(UPT_TRACE_BIT(UPT_TRACE_EXEC) | UPT_TRACE_BIT(UPT_TRACE_TCP) |
				     UPT_TRACE_BIT(UPT_TRACE_BIND),
			     t);
	assert_int_equal(t[SYS_execve], UPT_KSYS_EXECVE);
	assert_int_equal(t[SYS_execveat], UPT_KSYS_EXECVEAT);
	assert_int_equal(t[SYS_bind], UPT_KSYS_BIND);
	assert_int_equal(t[SYS_listen], UPT_KSYS_LISTEN);
	assert_int_equal(t[SYS_accept], UPT_KSYS_ACCEPT);
	assert_int_equal(t[SYS_accept4], UPT_KSYS_ACCEPT4);
	assert_int_equal(t[SYS_connect], UPT_KSYS_CONNECT);
	assert_int_equal(t[SYS_openat], 0);

	/* signal and malloc need no syscall */
	ktrace_syscall_table(UPT_TRACE_BIT(UPT_TRACE_SIGNAL) | UPT_TRACE_BIT(UPT_TRACE_MALLOC), t);
	for (i = 0; i < UPT_NSYSCALLS; i++)
		assert_int_equal(t[i], 0);
}

/* ---- records to JSON ------------------------------------------------------------------- */

static size_t exec_rec(unsigned char *buf, const char *const s[UPT_EXEC_NSTR], uint32_t argc,
		       uint16_t stage, int32_t err, uint16_t unread)
{
	struct upt_exec_rec *r = (void *)buf;
	size_t off = sizeof(*r);
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->ppid = 1;
	r->argc = argc;
	r->stage = stage;
	r->error = err;
	r->unread = unread;
	for (i = 0; i < UPT_EXEC_NSTR; i++) {
		r->len[i] = strlen(s[i]);
		memcpy(buf + off, s[i], r->len[i]);
		off += r->len[i];
	}
	hdr(r, UPT_REC_EXEC, off, "bash");
	return off;
}

static void test_exec(void **state)
{
	const char *const s[UPT_EXEC_NSTR] = { "/usr/bin/bash", "bash", "-lc", "echo hello",
					       "echo hello" };
	const char *const one[UPT_EXEC_NSTR] = { "/bin/true", "true", "", "", "true" };
	unsigned char buf[512];
	size_t n;

	n = exec_rec(buf, s, 3, UPT_EXEC_EXIT, 0, 0);
	assert_string_equal(render(buf, n),
			    COMMON("exec", "bash") ",\"stage\":\"exit\",\"ppid\":1,"
			    "\"filename\":\"/usr/bin/bash\",\"argv\":\"bash\",\"argv1\":\"-lc\","
			    "\"argv2\":\"echo hello\",\"argv_last\":\"echo hello\",\"argc\":3,"
			    "\"error_raw\":0}\n");
	/* the arguments that are not there are null, not "" */
	n = exec_rec(buf, one, 1, UPT_EXEC_ENTER, 0, 0);
	assert_string_equal(render(buf, n),
			    COMMON("exec", "bash") ",\"stage\":\"enter\",\"ppid\":1,"
			    "\"filename\":\"/bin/true\",\"argv\":\"true\",\"argv1\":null,"
			    "\"argv2\":null,\"argv_last\":\"true\",\"argc\":1,\"error_raw\":0}\n");
	/* a string that could not be read is null too; error_raw is a positive errno */
	n = exec_rec(buf, (const char *const[]){ "/x", "", "", "", "" }, 2, UPT_EXEC_EXIT, 2,
		     1u << 1 | 1u << 4);
	assert_string_equal(render(buf, n),
			    COMMON("exec", "bash") ",\"stage\":\"exit\",\"ppid\":1,"
			    "\"filename\":\"/x\",\"argv\":null,\"argv1\":\"\",\"argv2\":null,"
			    "\"argv_last\":null,\"argc\":2,\"error_raw\":2}\n");
	assert_int_equal(tp[UPT_TRACE_EXEC].events, 3);
}

static void test_signal_and_comm(void **state)
{
	struct upt_signal_rec r = { .sig = 17, .tpid = 4242 };

	/* a full 16-byte comm has no NUL: still no padding, no overrun */
	hdr(&r, UPT_REC_SIGNAL, sizeof(r), "0123456789abcdefXYZ");
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("signal", "0123456789abcdef") ",\"signal\":17,\"tpid\":4242}\n");
	hdr(&r, UPT_REC_SIGNAL, sizeof(r), "a\"b");
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("signal", "a\\\"b") ",\"signal\":17,\"tpid\":4242}\n");
}

static void test_malloc_rec(void **state)
{
	struct upt_malloc_rec r = { .op = UPT_MEM_CALLOC, .addr = 0x55d0c2a3e000, .size = 7000 };

	hdr(&r, UPT_REC_MALLOC, sizeof(r), "demo");
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("malloc", "demo") ",\"operation\":2,"
			    "\"operation_name\":\"calloc\",\"address\":\"0x55d0c2a3e000\","
			    "\"size\":7000}\n");
	r.op = UPT_MEM_REALLOC;
	r.old = 0x1000;
	r.addr = 0xffffffffffffff00ULL; /* above 2^53: a string, as every address */
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("malloc", "demo") ",\"operation\":3,"
			    "\"operation_name\":\"realloc\",\"address\":\"0xffffffffffffff00\","
			    "\"size\":7000,"
			    "\"old_address\":\"0x1000\"}\n");
	r.op = UPT_MEM_FREE;
	r.addr = 0;
	r.size = 0;
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("malloc", "demo") ",\"operation\":1,\"operation_name\":\"free\","
			    "\"address\":null,\"size\":0}\n");
}

static void addr4(struct upt_kaddr *a, uint16_t port, const char *v4)
{
	a->family = AF_INET;
	a->port = port;
	assert_int_equal(inet_pton(AF_INET, v4, a->addr), 1);
}

static void addr6(struct upt_kaddr *a, uint16_t port, const char *v6)
{
	a->family = AF_INET6;
	a->port = port;
	assert_int_equal(inet_pton(AF_INET6, v6, a->addr), 1);
}

static void test_bind(void **state)
{
	struct upt_bind_rec r = { .uid = 1000, .gid = 100, .fd = 3, .bound_dev_if = 1 };

	hdr(&r, UPT_REC_BIND, sizeof(r), "srv");
	addr4(&r.local, 24224, "10.0.0.5");
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("bind", "srv") ",\"uid\":1000,\"gid\":100,\"port\":24224,"
			    "\"bound_dev_if\":1,\"error_raw\":0,\"addr\":\"10.0.0.5\",\"fd\":3}\n");
	addr6(&r.local, 0, "::1");
	r.error = 98;
	r.bound_dev_if = 0;
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("bind", "srv") ",\"uid\":1000,\"gid\":100,\"port\":0,"
			    "\"bound_dev_if\":0,\"error_raw\":98,\"addr\":\"::1\",\"fd\":3}\n");
	memset(&r.local, 0, sizeof(r.local));
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("bind", "srv") ",\"uid\":1000,\"gid\":100,\"port\":null,"
			    "\"bound_dev_if\":0,\"error_raw\":98,\"addr\":null,\"fd\":3}\n");
}

static void test_tcp(void **state)
{
	struct upt_tcp_rec r = { .kind = UPT_TCP_LISTEN, .fd = 4, .backlog = 128, .new_fd = -1 };

	hdr(&r, UPT_REC_TCP, sizeof(r), "srv");
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("listen", "srv") ",\"fd\":4,\"backlog\":128,\"error_raw\":0}\n");
	r.kind = UPT_TCP_ACCEPT;
	r.new_fd = 7;
	addr6(&r.peer, 40000, "::ffff:127.0.0.1");
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("accept", "srv") ",\"fd\":4,\"new_fd\":7,\"peer_port\":40000,"
			    "\"peer_addr\":\"::ffff:127.0.0.1\",\"error_raw\":0}\n");
	r.error = 11;
	r.new_fd = -1;
	memset(&r.peer, 0, sizeof(r.peer));
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("accept", "srv") ",\"fd\":4,\"new_fd\":null,\"peer_port\":null,"
			    "\"peer_addr\":null,\"error_raw\":11}\n");
	r.kind = UPT_TCP_CONNECT;
	r.error = 115;
	addr4(&r.peer, 24224, "10.0.0.5");
	assert_string_equal(render(&r, sizeof(r)),
			    COMMON("connect", "srv") ",\"fd\":4,\"remote_port\":24224,"
			    "\"remote_addr\":\"10.0.0.5\",\"error_raw\":115}\n");
	assert_int_equal(tp[UPT_TRACE_TCP].events, 4);
}

static size_t vfs_rec(unsigned char *buf, uint16_t op, uint8_t kind, const char *path,
		      uint32_t off)
{
	struct upt_vfs_rec *r = (void *)buf;
	size_t n = strlen(path);

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->kind = kind;
	r->path_len = n;
	r->path_off = off;
	memset(buf + sizeof(*r), 'Z', off);
	memcpy(buf + sizeof(*r) + off, path, n);
	hdr(r, UPT_REC_VFS, sizeof(*r) + off + n, "app");
	return sizeof(*r) + off + n;
}

static void test_vfs(void **state)
{
	unsigned char buf[512];
	struct upt_vfs_rec *r = (void *)buf;
	size_t n;

	n = vfs_rec(buf, UPT_VFS_OPENAT, UPT_VFS_PATH_USER, "/var/log/app.log", 0);
	r->flags = 0x241;
	r->mode = 0640;
	r->fd = 5;
	r->flags2 = UPT_VFS_HAS_FD;
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":0,\"operation_name\":\"openat\","
			    "\"path\":\"/var/log/app.log\",\"flags\":577,\"mode\":416,\"fd\":5,"
			    "\"error_raw\":0}\n");
	/* a walked path sits at the end of its slot; a failed read has bytes null */
	n = vfs_rec(buf, UPT_VFS_READ, UPT_VFS_PATH_FILE, "/etc/hostname", 3);
	r->fd = 3;
	r->error = 9;
	r->flags2 = UPT_VFS_HAS_FD | UPT_VFS_HAS_BYTES | UPT_VFS_CUT;
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":4,\"operation_name\":\"read\","
			    "\"path\":\"/etc/hostname\",\"flags\":0,\"mode\":0,\"fd\":3,"
			    "\"error_raw\":9,\"bytes\":null,\"path_truncated\":true}\n");
	/* a caller's path that could not be read: null, and why, flat */
	n = vfs_rec(buf, UPT_VFS_UNLINK, UPT_VFS_PATH_USER, "", 0);
	r->error = 14;
	r->flags2 = UPT_VFS_PATH_FAULT;
	r->path_err = -14;
	r->ino = 0x7ffd1000;
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":11,\"operation_name\":\"unlink\","
			    "\"path\":null,\"flags\":0,\"mode\":0,\"fd\":null,\"error_raw\":14,"
			    "\"path_errno\":14,\"path_address\":\"0x7ffd1000\"}\n");
	n = vfs_rec(buf, UPT_VFS_WRITE, UPT_VFS_PATH_PIPE, "", 0);
	r->ino = 90481;
	r->bytes = 3;
	r->flags2 = UPT_VFS_HAS_FD | UPT_VFS_HAS_BYTES;
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":5,\"operation_name\":\"write\","
			    "\"path\":\"pipe:[90481]\",\"flags\":0,\"mode\":0,\"fd\":0,"
			    "\"error_raw\":0,\"bytes\":3}\n");
	n = vfs_rec(buf, UPT_VFS_CLOSE, UPT_VFS_PATH_SOCKET, "", 0);
	r->ino = 7;
	r->flags2 = UPT_VFS_HAS_FD;
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":10,\"operation_name\":\"close\","
			    "\"path\":\"socket:[7]\",\"flags\":0,\"mode\":0,\"fd\":0,"
			    "\"error_raw\":0}\n");
	n = vfs_rec(buf, UPT_VFS_READ, UPT_VFS_PATH_ANON, "[eventfd]", 0);
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":4,\"operation_name\":\"read\","
			    "\"path\":\"anon_inode:[eventfd]\",\"flags\":0,\"mode\":0,\"fd\":null,"
			    "\"error_raw\":0}\n");
	n = vfs_rec(buf, UPT_VFS_UNLINKAT, UPT_VFS_PATH_NONE, "", 0);
	r->error = 2;
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":12,"
			    "\"operation_name\":\"unlinkat\",\"path\":null,\"flags\":0,\"mode\":0,"
			    "\"fd\":null,\"error_raw\":2}\n");
	/* a path with a NUL stops there; bytes that are not UTF-8 are kept, escaped */
	n = vfs_rec(buf, UPT_VFS_OPEN, UPT_VFS_PATH_USER, "/a\xff" "b", 0);
	assert_string_equal(render(buf, n),
			    COMMON("vfs", "app") ",\"operation\":1,\"operation_name\":\"open\","
			    "\"path\":\"/a\\u00ffb\",\"flags\":0,\"mode\":0,\"fd\":null,"
			    "\"error_raw\":0}\n");
}

/* ---- records that lie --------------------------------------------------------------------- */

static void test_lying_records(void **state)
{
	const char *const s[UPT_EXEC_NSTR] = { "/bin/sh", "sh", "-c", "x", "x" };
	unsigned char buf[512];
	struct upt_exec_rec *e = (void *)buf;
	struct upt_vfs_rec *v = (void *)buf;
	struct upt_signal_rec sig = { .sig = 1 };
	struct upt_tcp_rec tcp = {};
	struct upt_bind_rec bind = {};
	struct upt_malloc_rec m = { .op = UPT_MEM_NOPS };
	size_t n;

	/* header size against the ring's size, and a fixed record's exact size */
	hdr(&sig, UPT_REC_SIGNAL, sizeof(sig), "x");
	assert_null(render(&sig, sizeof(sig) - 1));
	sig.hdr.size = sizeof(sig) + 8;
	assert_null(render(&sig, sizeof(sig)));
	assert_null(render(&sig, sizeof(sig.hdr) - 1));
	/* exec: lengths that do not add up, too long, unread bits out of range */
	n = exec_rec(buf, s, 3, UPT_EXEC_ENTER, 0, 0);
	e->len[2]++;
	assert_null(render(buf, n));
	n = exec_rec(buf, s, 3, UPT_EXEC_ENTER, 0, 1u << UPT_EXEC_NSTR);
	assert_null(render(buf, n));
	n = exec_rec(buf, s, 3, 7, 0, 0);
	assert_null(render(buf, n));
	n = exec_rec(buf, s, 3, UPT_EXEC_ENTER, 0, 0);
	e->len[0] = UPT_EXEC_FN_MAX;
	e->len[1] = 0;
	assert_null(render(buf, n));
	/* vfs: the path outside the record, unknown operation or path kind */
	n = vfs_rec(buf, UPT_VFS_OPEN, UPT_VFS_PATH_USER, "/x", 0);
	v->path_off = 1;
	assert_null(render(buf, n));
	v->path_off = UINT32_MAX;
	v->path_len = 2;
	assert_null(render(buf, n));
	n = vfs_rec(buf, UPT_VFS_NOPS, UPT_VFS_PATH_USER, "/x", 0);
	assert_null(render(buf, n));
	n = vfs_rec(buf, UPT_VFS_OPEN, UPT_VFS_PATH_ANON + 1, "/x", 0);
	assert_null(render(buf, n));
	/* tcp/bind: unknown kind or address family; malloc: unknown operation */
	hdr(&tcp, UPT_REC_TCP, sizeof(tcp), "x");
	tcp.kind = 3;
	assert_null(render(&tcp, sizeof(tcp)));
	tcp.kind = UPT_TCP_CONNECT;
	tcp.peer.family = AF_UNIX;
	assert_null(render(&tcp, sizeof(tcp)));
	hdr(&bind, UPT_REC_BIND, sizeof(bind), "x");
	bind.local.family = 99;
	assert_null(render(&bind, sizeof(bind)));
	hdr(&m, UPT_REC_MALLOC, sizeof(m), "x");
	assert_null(render(&m, sizeof(m)));
	/* a trace that is not on has no pseudo-probe: refused */
	sig.hdr.size = sizeof(sig);
	ctx.nprobes = UPT_TRACE_SIGNAL;
	assert_null(render(&sig, sizeof(sig)));
	ctx.nprobes = UPT_TRACE_MAX;
	assert_non_null(render(&sig, sizeof(sig)));
	/* a uprobe record may not name a pseudo-probe */
	{
		struct upt_call_rec c = { .probe_id = UPT_TRACE_VFS };

		c.hdr.type = UPT_REC_CALL;
		c.hdr.size = sizeof(c);
		assert_null(render(&c, sizeof(c)));
	}
}

static void test_fuzz(void **state)
{
	unsigned char buf[256];
	unsigned int i, k, ok = 0;
	size_t n;

	srand(1);
	for (i = 0; i < 200000; i++) {
		n = sizeof(struct upt_rec_hdr);
		n += rand() % (sizeof(buf) - n);
		for (k = 0; k < n; k++)
			buf[k] = rand();
		/* a valid type and size, so the checks past the header are what is exercised */
		((struct upt_rec_hdr *)buf)->type = UPT_REC_EXEC + rand() % 6;
		((struct upt_rec_hdr *)buf)->size = n;
		if (rand() % 2) {
			struct upt_vfs_rec *v = (void *)buf;

			if (n >= sizeof(*v)) {
				v->path_off %= 16;
				v->path_len %= 64;
				v->op %= UPT_VFS_NOPS + 1;
				v->kind %= 7;
			}
		}
		ob_reset(&ob);
		if (render_record(&ctx, &ob, buf, n)) {
			ok++;
			assert_true(ob.len > 0 && ob.buf[ob.len - 1] == '\n');
			assert_non_null(memchr(ob.buf, '}', ob.len));
		}
	}
	/* some random records are well-formed (signals, mostly): rendered, never overrun */
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_syscall_table),
		cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal_and_comm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malloc_rec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lying_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
	};

	return cmocka_run_group_tests_name("ktrace", tests, NULL, NULL);
}

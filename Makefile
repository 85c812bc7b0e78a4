# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The one build of uptrace: the BPF object and its skeleton, the uptrace binary, the
# examples, the test fixtures and the tests.  `make V=1` shows the commands.
#
#   make deps      install the Debian packages the build and the tests need (as root)
#   make           build/uptrace and the examples
#   make test      unit tests and end-to-end tests, plain and under ASan+UBSan
#   make test-kernels  the e2e suites inside Debian's 6.1 and 6.12 kernels, each booted in
#                  QEMU (root; KERNELS='6.1 6.12', or a vmlinuz path): tests/kernels/run.sh
#   make install   the binary, uptrace(1) and the bash completion under $(DESTDIR)$(PREFIX)
#                  (PREFIX=/usr/local, DESTDIR= by default); make uninstall removes them
#   make deb       build/uptrace_VERSION_ARCH.deb (dpkg-deb; Depends from dpkg-shlibdeps)
#   make deb-check the package installed with apt on a fresh Debian 12 (debootstrap), run there
#   make version   print the version uptrace --version will say
#   make dist-version  write it to VERSION, for a source tree without .git

OUTPUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')

# From git in a clone; from the VERSION file in a source tree without .git (make dist-version
# writes it); else "0.0.0" rather than another repository's describe.
VERSION := $(or $(if $(wildcard .git),$(shell git describe --tags --always --dirty 2>/dev/null)),\
	$(shell cat VERSION 2>/dev/null),0.0.0)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 $(WARN) -MMD -MP -I$(OUTPUT) -Iprobes -Iloader -Isymbols \
	-DUPTRACE_VERSION='"$(VERSION)"' -D_GNU_SOURCE
LIBS := -lbpf -lelf -ldw -lcapstone -lmsgpackc -lz -lm -lpthread -lstdc++

# ASan+UBSan flavour of everything, in its own tree: make SAN=1
ifeq ($(SAN),1)
OUTPUT := build-san
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# vmlinux.h from the running kernel's BTF, or the committed copy when it has none.
VMLINUX_BTF := $(wildcard /sys/kernel/btf/vmlinux)
# System include dirs for the BPF target (asm/types.h and friends live in multiarch dirs).
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_SRCS := $(wildcard probes/*.bpf.c)
BPF_OBJS := $(patsubst probes/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst probes/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

LIB_SRCS := $(wildcard symbols/*.c) $(filter-out loader/main.c,$(wildcard loader/*.c))
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(LIB_SRCS))
MAIN_OBJ := $(OUTPUT)/loader/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

EXAMPLES := examples/flb-mini/flb-mini examples/flb-mini/flb-mini.stripped \
	examples/syscalls-demo/syscalls-demo

.SECONDARY:

.PHONY: all
all: $(OUTPUT)/uptrace examples

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
ifneq ($(VMLINUX_BTF),)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@
else
	$(call msg,CP,$@)
	$(Q)cp probes/vmlinux_$(ARCH).h $@
endif

$(OUTPUT)/%.bpf.o: probes/%.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -MMD -MP \
		-I$(OUTPUT) -Iprobes $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# Only loader/ sees the skeletons; symbols/ and the unit tests build without BPF.
$(patsubst %.c,$(OUTPUT)/%.o,$(wildcard loader/*.c)): $(SKELS)

$(OUTPUT)/%.o: %.c
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/libuptrace.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# main.o has the version in it: rebuild it when the version changes.
VERSION_STAMP := $(OUTPUT)/version
$(shell mkdir -p $(OUTPUT); [ "$$(cat $(VERSION_STAMP) 2>/dev/null)" = '$(VERSION)' ] || \
	echo '$(VERSION)' >$(VERSION_STAMP))
$(MAIN_OBJ): $(VERSION_STAMP)

$(OUTPUT)/uptrace: $(MAIN_OBJ) $(OUTPUT)/libuptrace.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS) -o $@

# ---- examples -----------------------------------------------------------------------------

.PHONY: examples
examples: $(EXAMPLES)

examples/flb-mini/flb-mini: examples/flb-mini/flb-mini.c
	$(call msg,EXAMPLE,$@)
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) -fno-omit-frame-pointer -rdynamic $< -o $@ \
		-lmsgpackc -lpthread

examples/syscalls-demo/syscalls-demo: examples/syscalls-demo/syscalls-demo.c
	$(call msg,EXAMPLE,$@)
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) $< -o $@

# As a distribution ships it: no debug info, no .symtab; functions only in .dynsym.
examples/flb-mini/flb-mini.stripped: examples/flb-mini/flb-mini
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all -o $@ $<

# ---- tests ----------------------------------------------------------------------------------

# Small programs the end-to-end tests trace; lib*.c become shared objects.
E2E_LIBS := $(wildcard tests/e2e/targets/lib*.c)
E2E_PROGS := $(filter-out $(E2E_LIBS),$(wildcard tests/e2e/targets/*.c))
E2E_TARGETS := $(patsubst tests/e2e/targets/%.c,$(OUTPUT)/e2e/%,$(E2E_PROGS)) \
	$(patsubst tests/e2e/targets/%.c,$(OUTPUT)/e2e/%.so,$(E2E_LIBS))
E2E_CFLAGS := -std=gnu11 -O1 -g -fno-optimize-sibling-calls $(WARN)

$(OUTPUT)/e2e/cet: E2E_CFLAGS += -fcf-protection=full
$(OUTPUT)/e2e/clone: E2E_CFLAGS += -O2 -g0

$(OUTPUT)/e2e/lib%.so: tests/e2e/targets/lib%.c
	$(Q)mkdir -p $(@D)
	$(call msg,TARGET,$@)
	$(Q)$(CC) $(E2E_CFLAGS) -shared -fPIC $< -o $@

$(OUTPUT)/e2e/%: tests/e2e/targets/%.c
	$(Q)mkdir -p $(@D)
	$(call msg,TARGET,$@)
	$(Q)$(CC) $(E2E_CFLAGS) $< -o $@ -lpthread -ldl

-include tests/fixtures/fixtures.mk
-include tests/bench/bench.mk
-include tests/fuzz/fuzz.mk

$(OUTPUT)/tests/%: $(OUTPUT)/tests/unit/%.o $(OUTPUT)/libuptrace.a | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LIBS) -lcmocka -o $@

# The Forward protocol receiver the --forward tests send to.
$(OUTPUT)/tests/fwd-recv: tests/forward/fwd-recv.c | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@ -lmsgpackc -lm

# helpers of the e2e tests
$(OUTPUT)/tools/%: tests/tools/%.c $(OUTPUT)/libuptrace.a
	$(Q)mkdir -p $(@D)
	$(call msg,TOOL,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@
TOOLS := $(patsubst tests/tools/%.c,$(OUTPUT)/tools/%,$(wildcard tests/tools/*.c))

.PHONY: unit e2e test test-plain test-san
unit: $(UNIT_BINS) $(FIXTURES)
	$(Q)set -e; for t in $(UNIT_BINS); do \
		UPTRACE_FIXTURES=$(OUTPUT)/fixtures UPTRACE_VECTORS=$(CURDIR)/../shared/vectors $$t; \
	done

# every suite runs, and the target fails at the end if one of them failed
E2E_SUITES := run ktrace kernel stats forward install recipes attach
e2e: all $(OUTPUT)/uptrace $(FIXTURES) $(E2E_TARGETS) $(TOOLS) $(OUTPUT)/tests/fwd-recv
	$(Q)status=0; for s in $(E2E_SUITES); do \
		echo "e2e suite $$s:"; \
		UPTRACE=$(CURDIR)/$(OUTPUT)/uptrace TARGETS=$(CURDIR)/$(OUTPUT)/e2e \
		TOOLS=$(CURDIR)/$(OUTPUT)/tools FWD_RECV=$(CURDIR)/$(OUTPUT)/tests/fwd-recv SANITIZED=$(SAN) \
		bash tests/e2e/$$s.sh || status=1; \
	done; exit $$status

test-plain: unit e2e

test-san:
	$(Q)SOAK_SECONDS=10 $(MAKE) --no-print-directory SAN=1 test-plain

test: test-plain test-san

# Debian's kernel packages (fetched once into $(OUTPUT)/kernels/, never installed) booted in
# QEMU with an initramfs of this machine's binaries and the built tree: tests/kernels/run.sh
KERNELS ?= 6.1 6.12
.PHONY: test-kernels
test-kernels: all $(OUTPUT)/uptrace $(FIXTURES) $(E2E_TARGETS) $(TOOLS) $(OUTPUT)/tests/fwd-recv
	$(Q)OUTPUT=$(OUTPUT) tests/kernels/run.sh $(KERNELS)

# ---- install, deb, clean --------------------------------------------------------------------

.PHONY: install uninstall deb deb-check version dist-version clean deps

$(OUTPUT)/uptrace.1: dist/uptrace.1 $(VERSION_STAMP)
	$(call msg,GEN,$@)
	$(Q)sed 's/@VERSION@/$(VERSION)/' $< >$@

install: $(OUTPUT)/uptrace $(OUTPUT)/uptrace.1
	install -D -m 0755 $(OUTPUT)/uptrace $(DESTDIR)$(BINDIR)/uptrace
	install -D -m 0644 $(OUTPUT)/uptrace.1 $(DESTDIR)$(MANDIR)/man1/uptrace.1
	install -D -m 0644 dist/uptrace.bash-completion $(DESTDIR)$(BASHCOMPDIR)/uptrace

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/uptrace $(DESTDIR)$(MANDIR)/man1/uptrace.1 \
		$(DESTDIR)$(BASHCOMPDIR)/uptrace

# A package carries the plain build.
ifeq ($(SAN),1)
deb:
	@echo 'make deb: not with SAN=1 (a package carries the plain build)' >&2; exit 2
else
deb: $(OUTPUT)/uptrace $(OUTPUT)/uptrace.1
	$(Q)rm -rf $(OUTPUT)/deb $(OUTPUT)/uptrace_*.deb
	$(Q)$(MAKE) --no-print-directory -s install DESTDIR=$(CURDIR)/$(OUTPUT)/deb/debian/uptrace \
		PREFIX=/usr BINDIR=/usr/bin MANDIR=/usr/share/man \
		BASHCOMPDIR=/usr/share/bash-completion/completions
	$(call msg,DEB,$(OUTPUT)/uptrace_*.deb)
	$(Q)dist/mkdeb.sh $(OUTPUT)/deb '$(VERSION)' $(OUTPUT) >/dev/null
endif

# the package on a fresh Debian 12 (debootstrap, network; about a minute): not part of make test
deb-check: deb
	$(Q)dist/check-clean-install.sh $(OUTPUT)/uptrace_*.deb

version:
	@echo '$(VERSION)'

# For a source tarball without .git: `make dist-version && tar ...` keeps the version.
dist-version:
	echo '$(VERSION)' >VERSION

DEB_PKGS := make gcc g++ clang llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev \
	libmsgpack-dev libcmocka-dev pkg-config jq binutils bpftrace libcapstone-dev xz-utils \
	util-linux libclang-rt-14-dev groff-base man-db dpkg-dev debootstrap bsdutils sqlite3 openssl iproute2 \
	qemu-system-x86 busybox-static

deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_PKGS)

clean:
	rm -rf build build-san $(EXAMPLES)

-include $(shell find $(OUTPUT) -name '*.d' -type f 2>/dev/null)

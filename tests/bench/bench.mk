# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `make bench` (issue #6): what tests/bench/bench.sh needs, built into $(OUTPUT)/bench/, and
# the fixture of tests/unit/test_placement.c.  Included by the top Makefile, which provides
# OUTPUT, CC, CLANG, BPFTOOL, ARCH, CLANG_BPF_SYS_INCLUDES, Q, msg, CFLAGS, LIBS and the
# rules for $(OUTPUT)/uptrace and $(OUTPUT)/libuptrace.a.
#
#   make bench                       the table (needs root; about 6 minutes, 4 of them
#                                    bpftrace detaching 2,000 probes; plus about 45 s to
#                                    build build/bench/big the first time)
#   make bench BENCH_CALLS=20000     quicker, noisier
#   make bench BENCH_BEFORE=/path/to/an/older/uptrace
#                                    its rows are the "before" of issue #13's CPU target;
#                                    without it, a git checkout builds uptrace as it was
#                                    before that issue's work (BENCH_BEFORE_REV) into
#                                    build/bench/before/ once (about a minute)
#   make bench BENCH_MANY=quick      without bpftrace's 2,000 probes (BENCH_MANY=all adds
#                                    uptrace's own with one perf-event link per probe)
#
# The loop targets and fixtures are built with their own flags, never the project's CFLAGS:
# they must not carry sanitizers, and their first instructions are the point.

BENCH_DIR := $(OUTPUT)/bench
BENCH_SRC := tests/bench
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror

# consume() starting with push, mov (writes an argument: never moved), endbr64, RIP-rel cmp
BENCH_VARIANTS := push mov endbr cmp
BENCH_LOOPS := $(addprefix $(BENCH_DIR)/loop-,$(BENCH_VARIANTS))
FIRST_push := PUSH
FIRST_mov := MOV
FIRST_endbr := ENDBR
FIRST_cmp := CMP

BENCH_TOOLS := $(BENCH_LOOPS) $(BENCH_DIR)/empty-uprobe $(BENCH_DIR)/decode-bench \
	$(BENCH_DIR)/runwrap $(BENCH_DIR)/big

# The "before" of issue #13's CPU target: uptrace before the one event path.
BENCH_BEFORE_REV ?= 02ffee4
ifeq ($(BENCH_BEFORE),)
ifneq ($(shell git rev-parse -q --verify '$(BENCH_BEFORE_REV)^{commit}' 2>/dev/null),)
BENCH_BEFORE := $(BENCH_DIR)/before/build/uptrace
BENCH_TOOLS += $(BENCH_BEFORE)
endif
endif

.PHONY: bench bench-tools
# the many-probes target is the e2e one (tests/e2e/targets/manyfuncs.c)
bench: $(OUTPUT)/uptrace $(BENCH_TOOLS) $(OUTPUT)/e2e/manyfuncs examples/flb-mini/flb-mini \
		$(OUTPUT)/tools/mpcat $(OUTPUT)/tests/fwd-recv
	$(Q)UPTRACE=$(OUTPUT)/uptrace BENCH_DIR=$(BENCH_DIR) MANY=$(OUTPUT)/e2e/manyfuncs \
		FLB=examples/flb-mini/flb-mini MPCAT=$(OUTPUT)/tools/mpcat \
		FWD_RECV=$(OUTPUT)/tests/fwd-recv BENCH_MANY=$(BENCH_MANY) \
		BENCH_BEFORE=$(BENCH_BEFORE) bash $(BENCH_SRC)/bench.sh

bench-tools: $(BENCH_TOOLS)

$(BENCH_DIR):
	$(Q)mkdir -p $@

$(BENCH_DIR)/loop-%: $(BENCH_SRC)/loop.c $(BENCH_SRC)/consume.S | $(BENCH_DIR)
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -DFIRST_$(FIRST_$*) $^ -o $@

$(BENCH_DIR)/empty.bpf.o: $(BENCH_SRC)/empty.bpf.c | $(BENCH_DIR)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		$(CLANG_BPF_SYS_INCLUDES) -c $< -o $@

$(BENCH_DIR)/empty.skel.h: $(BENCH_DIR)/empty.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BENCH_DIR)/empty-uprobe: $(BENCH_SRC)/empty_uprobe.c $(BENCH_DIR)/empty.skel.h \
		$(OUTPUT)/libuptrace.a
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -I$(BENCH_DIR) $< $(OUTPUT)/libuptrace.a $(LIBS) -o $@

$(BENCH_DIR)/decode-bench: $(BENCH_SRC)/decode_bench.c $(OUTPUT)/libuptrace.a | $(BENCH_DIR)
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(OUTPUT)/libuptrace.a $(LIBS) -o $@

# its own tree, its own make: none of this build's variables but the compiler's flags
$(BENCH_DIR)/before/build/uptrace:
	$(call msg,BENCH,$@ (uptrace at $(BENCH_BEFORE_REV)))
	$(Q)rm -rf $(BENCH_DIR)/before && mkdir -p $(BENCH_DIR)/before
	$(Q)git archive $(BENCH_BEFORE_REV) | tar -x -C $(BENCH_DIR)/before
	$(Q)$(MAKE) -C $(BENCH_DIR)/before --no-print-directory OUTPUT=build SAN=0 build/uptrace

$(BENCH_DIR)/runwrap: $(BENCH_SRC)/runwrap.c | $(BENCH_DIR)
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(BENCH_CFLAGS) -D_GNU_SOURCE $< -o $@

# A large ELF with DWARF for the attach-time benchmark: BIG_FUNCS functions, -O0 -g,
# about 45 MB with 50000 (built once, in parallel, in about 40 s on 2 cores).
BIG_FUNCS ?= 50000
$(BENCH_DIR)/big: $(BENCH_SRC)/gen_big.sh | $(BENCH_DIR)
	$(call msg,BENCH,$@ ($(BIG_FUNCS) functions))
	$(Q)CC="$(CC)" bash $< $@ $(BIG_FUNCS)

# ---- the fixture of tests/unit/test_placement.c ---------------------------------------------

$(OUTPUT)/fixtures/libplacefix.so: tests/fixtures/placement_fix.S
	$(call msg,FIXTURE,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -shared -nostdlib -Wl,-z,noexecstack $< -o $@

unit: $(OUTPUT)/fixtures/libplacefix.so

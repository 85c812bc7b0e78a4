# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# libFuzzer targets for the decoders of untrusted bytes (docs/events.md; README "Reliability").
# Included by the top Makefile; to use it alone: make -f Makefile -f tests/fuzz/fuzz.mk fuzz
#
#   make fuzz          build every fuzzer into $(OUTPUT)/fuzz/ and run each FUZZ_SECONDS
#                      (default 60); `make -j2 fuzz` runs two at once
#   make fuzz-smoke    the same, 10 s each (CI)
#   make fuzz-mpjson   one target (also fuzz-record, fuzz-spec, fuzz-elf),
#                      FUZZ_SECONDS long
#   make fuzz-seeds    regenerate the binary seeds in tests/fuzz/corpus/ (record, mpjson, elf)
#
# Each fuzzer is built with clang -fsanitize=fuzzer,address,undefined from the few sources
# it exercises (no BPF skeleton needed), compiled here with coverage instrumentation rather
# than taken from libuptrace.a.  A run starts from the committed seeds (tests/fuzz/corpus/T),
# replays the committed reproducers (tests/fuzz/crashes/T), and keeps what it finds in
# $(OUTPUT)/fuzz/corpus/T; a crash is written to $(OUTPUT)/fuzz/crashes/T/ and fails make.
# tests/unit/test_fuzz_regress.c replays both committed directories in `make unit`.

FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS := mpjson record spec elf
FUZZ_DIR := $(OUTPUT)/fuzz
FUZZ_SRC := tests/fuzz

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	-Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP -D_GNU_SOURCE \
	-I$(OUTPUT) -Iprobes -Iloader -Isymbols -I$(FUZZ_SRC)
FUZZ_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer
FUZZ_LIBS := -lbpf -lelf -ldw -lcapstone -lmsgpackc -lz -lm -lstdc++

# The sources each target exercises, besides its own fuzz_T.c.
FUZZ_SRCS_mpjson := loader/json.c loader/mpjson.c
# output.c hands kernel records to ktrace.c, which brings the skeleton and symbols/ along,
# and function pointers to addrsym.c
FUZZ_SRCS_record := loader/json.c loader/emit.c loader/mpjson.c loader/output.c loader/ktrace.c \
	loader/links.c loader/stats.c loader/util.c loader/addrsym.c \
	$(wildcard symbols/*.c)
FUZZ_SRCS_spec := loader/spec.c loader/util.c
FUZZ_SRCS_elf := symbols/elf.c symbols/lookup.c

# Per-target libFuzzer options.
FUZZ_OPTS := -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_OPTS_mpjson := -max_len=4096
FUZZ_OPTS_record := -max_len=8192
FUZZ_OPTS_spec := -max_len=512 -dict=$(FUZZ_SRC)/spec.dict
FUZZ_OPTS_elf := -max_len=65536

FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_RUNS := $(addprefix fuzz-,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-seeds $(FUZZ_RUNS)

fuzz: $(FUZZ_RUNS)

fuzz-smoke: FUZZ_SECONDS := $(FUZZ_SMOKE_SECONDS)
fuzz-smoke: $(FUZZ_RUNS)

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/obj/loader/%.o: $(SKELS)

$(FUZZ_DIR)/obj/%.o: %.c
	$(Q)mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

# $(call fuzz_bin,T): fuzz_T from its own source and the sources it exercises.
define fuzz_bin
$(FUZZ_DIR)/fuzz_$(1): $(FUZZ_DIR)/obj/$(FUZZ_SRC)/fuzz_$(1).o \
		$(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_SRCS_$(1)))
	$$(call msg,FUZZER,$$@)
	$$(Q)$$(CLANG) $$(FUZZ_LDFLAGS) $$^ $$(FUZZ_LIBS) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_bin,$(t))))

$(FUZZ_RUNS): fuzz-%: $(FUZZ_DIR)/fuzz_%
	$(Q)mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/crashes/$*
	$(call msg,FUZZ,$* for $(FUZZ_SECONDS) s)
	$(Q)$< $(FUZZ_OPTS) $(FUZZ_OPTS_$*) -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=$(FUZZ_DIR)/crashes/$*/ $(FUZZ_DIR)/corpus/$* \
		$(FUZZ_SRC)/corpus/$* $(wildcard $(FUZZ_SRC)/crashes/$*) \
		2> $(FUZZ_DIR)/$*.log || { tail -n 60 $(FUZZ_DIR)/$*.log; exit 1; }
	$(Q)grep -E '^stat::number_of_executed_units|^Done' $(FUZZ_DIR)/$*.log | tr '\n' ' '; echo

# ---- seeds ----------------------------------------------------------------------------------

$(FUZZ_DIR)/mkseeds: $(FUZZ_SRC)/mkseeds.c $(FUZZ_SRC)/fuzz_probes.h
	$(Q)mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CLANG) -std=gnu11 -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -Iprobes -Iloader \
		-Isymbols -I$(FUZZ_SRC) $< -o $@

# ELF seeds: fixtures as they are (small), plus compact builds of the same sources
# (-z noseparate-code -z norelro: no page padding) to keep each seed a few KiB.
FUZZ_FIX := $(OUTPUT)/fixtures
FUZZ_TINY := -std=gnu11 -O0 -fno-inline -fno-asynchronous-unwind-tables -Wl,-z,noseparate-code \
	-Wl,-z,norelro -Wl,--build-id=none

fuzz-seeds: $(FUZZ_DIR)/mkseeds $(FUZZ_FIX)/symfix-pie $(FUZZ_FIX)/symfix-stripped \
		$(FUZZ_FIX)/symfix.debug $(FUZZ_FIX)/truncated.elf
	$(call msg,SEEDS,$(FUZZ_SRC)/corpus)
	$(Q)$(FUZZ_DIR)/mkseeds $(FUZZ_SRC)/corpus
	$(Q)mkdir -p $(FUZZ_SRC)/corpus/elf
	$(Q)strip -g -o $(FUZZ_SRC)/corpus/elf/symfix-pie $(FUZZ_FIX)/symfix-pie
	$(Q)cp $(FUZZ_FIX)/symfix-stripped $(FUZZ_FIX)/symfix.debug $(FUZZ_FIX)/truncated.elf \
		$(FUZZ_SRC)/corpus/elf/
	$(Q)$(CC) $(FUZZ_TINY) -fno-pie -no-pie tests/fixtures/symfix.c tests/fixtures/symfix2.c \
		-o $(FUZZ_SRC)/corpus/elf/tiny-nopie
	$(Q)$(CC) $(FUZZ_TINY) -fPIC -shared -Wl,--version-script=tests/fixtures/symver.map \
		tests/fixtures/symver.c -o $(FUZZ_SRC)/corpus/elf/tiny-ver.so

-include $(wildcard $(FUZZ_DIR)/obj/*/*.d $(FUZZ_DIR)/obj/*/*/*.d)

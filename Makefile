# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# ember: build, test and install.
#
#   make            build build/ember
#   make V=1        show every command
#   make SAN=1      ASan+UBSan build in build-san/
#   make test       unit + integration tests, plain and sanitizer builds
#   make test-busy  integration tests with two CPU hogs running (BUSY=N)
#   make bench      CPU profiling overhead against perf (bench-offcpu: off-CPU,
#                   bench-alloc: allocations, bench-top: ember top's own cost)
#   make bench-flamegraph  SVG flame-graph drawing time against flamegraph.pl
#   make bench-unwind-tables  unwind table builds: every mapped file, libc,
#                   ld.so, python3.11, libpython (rows, bytes, ms)
#   make fuzz       libFuzzer harnesses (tests/fuzz/) over the parsers, built
#                   with clang in build-fuzz/, FUZZ_SECONDS=30 each on seeds
#                   from fuzz-corpus
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX=/usr/local DESTDIR=

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin

CLANG      ?= clang
# gcc unless CC is given (make's built-in default is cc)
ifeq ($(origin CC),default)
CC         := gcc
endif
BPFTOOL    ?= bpftool
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
		-e 's/ppc64le/powerpc/' -e 's/riscv64/riscv/' -e 's/s390x/s390/')
# vmlinux/ holds x86's vmlinux.h only, and the frame checks decode x86
ifneq ($(ARCH),x86)
$(error ember builds for x86_64 only (uname -m: $(shell uname -m)))
endif

ifeq ($(SAN),1)
OUTPUT     ?= build-san
SANFLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
OUTPUT     ?= build
SANFLAGS   :=
endif

ifeq ($(V),1)
Q   :=
msg :=
else
Q   := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

WARNINGS := -Wall -Wextra -Wformat=2 -Wformat-signedness -Wmissing-prototypes \
	    -Wstrict-prototypes -Wshadow -Wundef -Wvla -Wwrite-strings
CFLAGS   ?= -g -O2
ALL_CFLAGS := $(CFLAGS) $(SANFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE \
	      -Iinclude -Iuser -I$(OUTPUT) -DEMBER_VERSION='"$(VERSION)"' \
	      $(shell $(PKG_CONFIG) --cflags libbpf libelf zlib ncursesw 2>/dev/null) $(EXTRA_CFLAGS)
LIBS     := $(shell $(PKG_CONFIG) --libs libbpf libelf zlib ncursesw 2>/dev/null || echo -lbpf -lelf -lz -lncursesw -ltinfo)
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) $(EXTRA_LDFLAGS)

# clang -target bpf does not search the host's multiarch include dir
# (asm/types.h); borrow clang's own system include list.
CLANG_BPF_SYS_INCLUDES ?= $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
	      -Ivmlinux -Iinclude -Ibpf $(CLANG_BPF_SYS_INCLUDES)

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
# user/LAYER/*.c, user/arch/x86/*.c: see tools/check_layers.py
USER_SRCS := $(sort $(wildcard user/*/*.c user/*/*/*.c))
USER_HDRS := $(sort $(wildcard user/*/*.h user/*/*/*.h))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(OUTPUT)/user/cmd/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOAD_BINS := $(patsubst tests/workloads/%.c,$(OUTPUT)/workloads/%,$(WORKLOAD_SRCS))

.PHONY: all clean install uninstall test test-unit test-integration test-busy test-plain \
	test-san deps vmlinux bench bench-offcpu bench-alloc bench-top bench-flamegraph \
	format-check check-layers fuzz fuzz-build fuzz-corpus bench-unwind-tables
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/ember

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/tests $(OUTPUT)/workloads:
	$(Q)mkdir -p $@

# -MF/-MT: the object is first written to a temporary name, so name the
# dependency target explicitly or a header change would not rebuild it.
$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MMD -MP -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

# The unwinder's map owner allocates ids and slots with fetching atomics
# (__sync_fetch_and_add's result), which need BPF ISA v3 (kernel 5.12+).
$(OUTPUT)/bpf/unwind_maps.bpf.o: BPF_CFLAGS += -mcpu=v3

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# The skeletons must exist before the first compile; after that -MMD
# records which object really includes which header.
$(OUTPUT)/user/%.o: user/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(OUTPUT)/libember.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/ember: $(OUTPUT)/user/cmd/main.o $(OUTPUT)/libember.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@

# -Ibpf: BPF code written to build as host C too (bpf/fp_walk.h) is
# tested as such. A test may load a skeleton no user/ object includes
# (unwind_check), so the skeletons come first here too.
$(OUTPUT)/tests/%: tests/unit/%.c $(OUTPUT)/libember.a | $(OUTPUT)/tests $(SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -Ibpf -MMD -MP $(ALL_LDFLAGS) $< $(OUTPUT)/libember.a \
		$(LIBS) -lcmocka -o $@

# The unwinding workloads are built as distributions build: -O2, no
# frame pointers, so only the .eh_frame tables give their stacks.
$(OUTPUT)/workloads/nofp_%: tests/workloads/nofp_%.c | $(OUTPUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -fomit-frame-pointer -Wall -Wextra -MMD -MP $< -o $@ -lpthread -lm

# The other workloads keep frame pointers so user stacks unwind through them
# with --unwind fp too.
$(OUTPUT)/workloads/%: tests/workloads/%.c | $(OUTPUT)/workloads
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O1 -fno-omit-frame-pointer -fno-inline -Wall -Wextra -MMD -MP \
		$< -o $@ -lpthread -lm

test: test-plain test-san

test-plain:
	$(Q)$(MAKE) test-unit test-integration

test-san:
	$(Q)$(MAKE) SAN=1 test-unit test-integration

test-unit: $(UNIT_BINS)
	$(Q)tests/run_unit.sh $(UNIT_BINS)

test-integration: $(OUTPUT)/ember $(WORKLOAD_BINS)
	$(Q)EMBER=$(abspath $(OUTPUT)/ember) WORKLOADS=$(abspath $(OUTPUT)/workloads) \
		python3 tests/integration/run.py

# The suite must hold on a loaded machine: BUSY CPU hogs for the whole run.
BUSY ?= 2
test-busy: $(OUTPUT)/ember $(WORKLOAD_BINS)
	$(Q)EMBER=$(abspath $(OUTPUT)/ember) WORKLOADS=$(abspath $(OUTPUT)/workloads) \
		python3 tests/integration/run.py --busy $(BUSY)

bench: $(OUTPUT)/ember $(WORKLOAD_BINS)
	$(Q)tools/bench_cpu.sh $(OUTPUT)/ember $(OUTPUT)/workloads

bench-offcpu: $(OUTPUT)/ember $(WORKLOAD_BINS)
	$(Q)tools/bench_offcpu.sh $(OUTPUT)/ember $(OUTPUT)/workloads

bench-alloc: $(OUTPUT)/ember $(WORKLOAD_BINS)
	$(Q)tools/bench_alloc.sh $(OUTPUT)/ember $(OUTPUT)/workloads

bench-unwind: $(OUTPUT)/ember $(WORKLOAD_BINS)
	$(Q)tools/bench_unwind.sh $(OUTPUT)/ember $(OUTPUT)/workloads

bench-flamegraph: $(OUTPUT)/ember
	$(Q)tools/bench_flamegraph.sh $(OUTPUT)/ember

# a dev driver over the library, not installed
$(OUTPUT)/tools/bench_unwind_tables: tools/bench_unwind_tables.c $(OUTPUT)/libember.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP $(ALL_LDFLAGS) $< $(OUTPUT)/libember.a $(LIBS) -o $@

bench-unwind-tables: $(OUTPUT)/tools/bench_unwind_tables
	$(Q)tools/bench_unwind_tables.sh $(OUTPUT)/tools/bench_unwind_tables

bench-top: $(OUTPUT)/ember $(WORKLOAD_BINS)
	$(Q)tools/bench_top.sh $(OUTPUT)/ember $(OUTPUT)/workloads

# ---- fuzzing ---------------------------------------------------------------
# libFuzzer harnesses, one per parser (tests/fuzz/fuzz_NAME.c), linked with
# their own clang-built, coverage-instrumented objects of user/*.c in
# build-fuzz/: libFuzzer needs clang, and the gcc objects above have no
# coverage. The BPF loaders (the users of skeletons) and main.c parse no
# input and are left out.
FUZZ_OUT     := build-fuzz
FUZZ_CC      ?= $(CLANG)
FUZZ_SECONDS ?= 30
FUZZ_OPT     ?= -g -O1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang has no -Wformat-signedness
FUZZ_CFLAGS  := $(FUZZ_OPT) $(FUZZ_SAN) $(filter-out -Wformat-signedness,$(WARNINGS)) \
		-std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -DEMBER_VERSION='"$(VERSION)"' \
		$(shell $(PKG_CONFIG) --cflags libbpf libelf zlib ncursesw 2>/dev/null) $(EXTRA_CFLAGS)
FUZZ_LIB_SRCS := $(filter-out user/cmd/main.c $(shell grep -l '\.skel\.h"' $(USER_SRCS)),$(USER_SRCS))
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(FUZZ_OUT)/user/%.o,$(FUZZ_LIB_SRCS))
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/fuzz/%,$(FUZZ_SRCS))

$(FUZZ_OUT)/fuzz:
	$(Q)mkdir -p $@

$(FUZZ_OUT)/user/%.o: user/%.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_OUT)/libember.a: $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OUT)/libember.a | $(FUZZ_OUT)/fuzz
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -MMD -MP $< \
		$(FUZZ_OUT)/libember.a $(LIBS) -o $@

# The seed generator: ember's own writers (pprof, folded) and test
# objects; the same instrumented objects, without libFuzzer's main.
$(FUZZ_OUT)/fuzz/gen_seeds: tests/fuzz/gen_seeds.c $(FUZZ_OUT)/libember.a | $(FUZZ_OUT)/fuzz
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/fuzz -MMD -MP $< $(FUZZ_OUT)/libember.a $(LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# Seeds are generated, never committed: build-fuzz/corpus/NAME/.
$(FUZZ_OUT)/corpus/.stamp: tests/fuzz/gen_corpus.sh $(FUZZ_OUT)/fuzz/gen_seeds
	$(call msg,GEN,$(FUZZ_OUT)/corpus)
	$(Q)tests/fuzz/gen_corpus.sh $(FUZZ_OUT)/fuzz/gen_seeds $(FUZZ_OUT)/corpus
	$(Q)touch $@

fuzz-corpus: $(FUZZ_OUT)/corpus/.stamp

fuzz: $(FUZZ_BINS) fuzz-corpus
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_OUT) $(FUZZ_BINS)

deps:
	$(Q)tools/install_deps.sh

vmlinux:
	$(Q)tools/gen_vmlinux_h.sh

format-check:
	$(Q)clang-format --dry-run -Werror bpf/*.c bpf/*.h $(USER_SRCS) $(USER_HDRS) include/*.h \
		tests/fuzz/*.c tests/fuzz/*.h

# A file includes only its own layer and those below (tools/check_layers.py);
# the self-test shows a violation is caught.
check-layers:
	$(Q)tools/check_layers.py --self-test
	$(Q)tools/check_layers.py

install: $(OUTPUT)/ember
	$(Q)install -d $(DESTDIR)$(BINDIR)
	$(Q)install -m 0755 $(OUTPUT)/ember $(DESTDIR)$(BINDIR)/ember

uninstall:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/ember

clean:
	$(Q)rm -rf build build-san $(OUTPUT) $(FUZZ_OUT)

-include $(wildcard $(OUTPUT)/bpf/*.d $(USER_OBJS:.o=.d) $(OUTPUT)/tests/*.d \
	$(OUTPUT)/workloads/*.d $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_OUT)/fuzz/*.d $(OUTPUT)/tools/*.d)

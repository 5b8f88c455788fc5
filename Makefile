# SPDX-License-Identifier: GPL-2.0
#
# slmq top-level build.  `make` builds slmqctl; the kernel module is built by
# Kbuild (see Kbuild and kmod/) through `make kmod`.
#
#   make deps     install build dependencies (apt) when missing
#   make check    every test: unit, integration, fuzz smoke, Kbuild, VM kselftests
#   make check-debug  the VM kselftests under the debug kernel (KASAN, kmemleak,
#                 lockdep, fault injection); builds that kernel once per machine
#   make debug-kernel just build (or find cached) that kernel
#   make demo     the whole story on the bundled pcilm-tiny model
#   make bench    speed benchmarks (never part of check)
#   make fuzz     every fuzz target for FUZZ_SECONDS (default 300) with a fresh seed
#   make install  slmqctl, man page, completion, Python module, DKMS source into DESTDIR
#   make dkms-install / dkms-build / dkms-remove   slmq.ko through DKMS (DKMS_ARGS: e.g. -k VER --kernelsourcedir DIR)
#   make deb      the Debian packages (slmqctl, slmq-dkms, python3-slmq) into build/deb/
#   make check-deb  build them, lintian, install, DKMS build, purge
#   make V=1      print every command in full (default: "  CC      file.o", as Kbuild does)

CC ?= gcc
O := build

# Kbuild-style output: one "  CC      build/engine/forward.o" line per step;
# V=1 prints the full commands instead.
ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif

# The one place the version lives: VERSION (debian/changelog is checked
# against it); a tree without it falls back to git describe.
SLMQ_VERSION := $(shell cat VERSION 2>/dev/null || git describe --tags --always --dirty 2>/dev/null || echo unknown)
ENGINE := kmod/engine
# The engine's SIMD files are those of the target: CC=aarch64-linux-gnu-gcc
# builds arm64's (see engine.mk and `make xengine`).
SLMQ_ENGINE_ARCH := $(shell $(CC) -dumpmachine 2>/dev/null | sed -e 's/^x86_64-.*/x86/' -e 's/^aarch64-.*/arm64/' -e 's/-.*//')
include $(ENGINE)/engine.mk
SIMD_SRCS := $(SLMQ_ENGINE_AVX2_SRCS) $(SLMQ_ENGINE_NEON_SRCS)

PKGS := libnl-genl-3.0 json-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

PREFIX ?= /usr
PYDIR ?= $(PREFIX)/lib/python3/dist-packages
DKMS_SRC = /usr/src/slmq-$(SLMQ_VERSION)

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wmissing-prototypes
CFLAGS ?= -O2 -g
BASE_CFLAGS := $(CPPFLAGS) $(CFLAGS) $(WARN) -std=gnu11 -fno-strict-aliasing -D_GNU_SOURCE -pthread
LDLIBS := $(PKG_LIBS) -llapacke -lopenblas -lm -pthread

ENGINE_OBJS := $(patsubst %.c,$(O)/engine/%.o,$(SLMQ_ENGINE_SRCS) $(SLMQ_ENGINE_FPU_SRCS) $(SIMD_SRCS))
CTL_SRCS := $(filter-out tools/slmqctl/main.c,$(wildcard tools/slmqctl/*.c tools/slmqctl/*/*.c))
CTL_SRCS := $(filter-out tools/slmqctl/tests/% tools/slmqctl/fuzz/%,$(CTL_SRCS))
CTL_OBJS := $(patsubst tools/slmqctl/%.c,$(O)/ctl/%.o,$(CTL_SRCS))
LIB := $(O)/libslmq.a

TEST_SRCS := $(wildcard tools/slmqctl/tests/test_*.c)
TEST_BINS := $(patsubst tools/slmqctl/tests/%.c,$(O)/tests/%,$(TEST_SRCS))

SLMQCTL := tools/slmqctl/slmqctl

all: $(SLMQCTL)

$(O)/engine/%.o: $(ENGINE)/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(if $(filter $*.c,$(SLMQ_ENGINE_FPU_SRCS) $(SIMD_SRCS)),$(SLMQ_ENGINE_FPU_FLAGS)) $(if $(filter $*.c,$(SLMQ_ENGINE_AVX2_SRCS)),$(SLMQ_ENGINE_AVX2_FLAGS)) $(if $(filter $*.c,$(SLMQ_ENGINE_AVX512VNNI_SRCS)),$(SLMQ_ENGINE_AVX512VNNI_FLAGS)) $(if $(filter $*.c,$(SLMQ_ENGINE_AVXVNNI_SRCS)),$(SLMQ_ENGINE_AVXVNNI_FLAGS)) $(if $(filter $*.c,$(SLMQ_ENGINE_DOTPROD_SRCS)),$(SLMQ_ENGINE_DOTPROD_FLAGS)) -MMD -MP -c -o $@ $<

$(O)/ctl/%.o: tools/slmqctl/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(ENGINE_OBJS) $(CTL_OBJS)
	@rm -f $@
	$(call msg,AR,$@)
	$(Q)ar rcs $@ $^

# Commands register themselves in a linker section, so link every object
# directly (an archive would drop command files nothing references).
$(SLMQCTL): $(O)/ctl/main.o $(ENGINE_OBJS) $(CTL_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: tools/slmqctl/tests/%.c $(LIB)
	@mkdir -p $(@D)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -Itools/slmqctl -o $@ $< $(TEST_OBJS) $(LIB) $(LDLIBS)

# test_vnni also runs dot_avxvnni.c EVEX-encoded (AVX512VL+VNNI instead of
# AVX-VNNI): its arithmetic is then tested on AVX-512 VNNI CPUs too.
$(O)/tests/avxvnni_evex.o: $(ENGINE)/dot_avxvnni.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(SLMQ_ENGINE_FPU_FLAGS) $(SLMQ_ENGINE_AVX2_FLAGS) $(SLMQ_ENGINE_AVX512VNNI_FLAGS) -DSLMQ_AVXVNNI_EVEX -MMD -MP -c -o $@ $<
$(O)/tests/test_vnni: TEST_OBJS := $(O)/tests/avxvnni_evex.o
$(O)/tests/test_vnni: $(O)/tests/avxvnni_evex.o

$(O)/ctl/main.o: BASE_CFLAGS += -DSLMQ_VERSION='"$(SLMQ_VERSION)"'
$(O)/ctl/main.o: $(wildcard VERSION)

# make bench's memory-bandwidth probe: built for this machine (-march=native),
# as it only measures the machine it runs on; never installed.
STREAM_READ := $(O)/bench/stream-read
$(STREAM_READ): tools/bench/stream_read.c
	@mkdir -p $(@D)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(CPPFLAGS) -O3 -march=native $(WARN) -std=gnu11 -D_GNU_SOURCE -o $@ $<

tests: $(SLMQCTL) $(TEST_BINS) $(STREAM_READ)

# The engine alone (no json-c, libnl, LAPACK) with its cross-architecture
# check, tools/slmqctl/tests/xengine.c: what scripts/checks/cross.sh builds
# natively and with each cross compiler (O=build/cross-ARCH CC=...-gcc
# XENGINE_LDFLAGS=-static) and runs under qemu-user.
XENGINE := $(O)/xengine
$(XENGINE): tools/slmqctl/tests/xengine.c $(O)/ctl/cpu.o $(ENGINE_OBJS)
	$(call msg,CCLD,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(SLMQ_ENGINE_FPU_FLAGS) $(XENGINE_LDFLAGS) -o $@ $^ -lm

xengine: $(XENGINE)

deps:
	@scripts/deps.sh

# slmq.ko (and selftests/ test modules) against the Debian 6.12 headers that
# scripts/kernel/fetch.sh caches in .cache/kernel/.  W=1, C=2 pass through.
# SLMQ_KERNEL_ENV=FILE: another kernel's env.sh, sourced after ours (the
# debug kernel's, from scripts/kernel/debug-kernel.sh).
# ARCH=arm64: cross-built against Debian's arm64 headers of the same version
# (scripts/kernel/fetch-cross.sh) with aarch64-linux-gnu-gcc; ARCH=riscv64:
# against trixie's 6.12 riscv64 headers with riscv64-linux-gnu-gcc (the
# kernel's ARCH is riscv: env.sh's KARCH).
ifneq ($(filter arm64 riscv64,$(ARCH)),)
kmod:
	@scripts/kernel/fetch-cross.sh $(ARCH) >/dev/null
	@. .cache/kernel-$(ARCH)/env.sh && \
	$(MAKE) -C "$$KDIR" ARCH="$$KARCH" CROSS_COMPILE="$$CROSS_COMPILE" M=$(CURDIR) modules
else
kmod:
	@scripts/kernel/fetch.sh >/dev/null
	@. .cache/kernel/env.sh && \
	if [ -n "$$SLMQ_KERNEL_ENV" ]; then . "$$SLMQ_KERNEL_ENV"; fi && \
	$(MAKE) -C "$$KDIR" M=$(CURDIR) modules
endif

# The debug kernel (scripts/kernel/debug.config), cached in
# /var/cache/slmq/debug-kernel/ for every clone on the machine.
debug-kernel:
	@scripts/kernel/debug-kernel.sh >/dev/null

check-debug: deps debug-kernel
	@$(MAKE) --no-print-directory all tests
	@SLMQ_SUITES=scripts/checks-extra/vm-debug.sh scripts/run-checks.sh

check: deps
	@$(MAKE) --no-print-directory all tests
	@scripts/run-checks.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all $(STREAM_READ)
	@scripts/bench.sh

fuzz: deps
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} FUZZ_SEED=$${FUZZ_SEED:-0} scripts/checks/fuzz.sh

bench-quant: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench-quant.sh

# The files of each package (debian/*.install picks them from DESTDIR).
install: $(SLMQCTL)
	install -Dm755 $(SLMQCTL) $(DESTDIR)$(PREFIX)/bin/slmqctl
	install -Dm644 Documentation/man/slmqctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/slmqctl.8
	install -Dm644 tools/slmqctl/completion/slmqctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/slmqctl
	install -Dm644 -t $(DESTDIR)$(PYDIR)/slmq python/slmq/__init__.py python/slmq/tools.json
	install -Dm644 -t $(DESTDIR)$(PYDIR)/slmq/schemas Documentation/schemas/*.schema.json
	$(MAKE) --no-print-directory dkms-src DESTDIR=$(DESTDIR)

# slmq.ko's sources, as DKMS builds them: the top Kbuild, kmod/, uapi/.
DKMS_FILES = Kbuild $(wildcard kmod/Kbuild kmod/*.[ch] kmod/engine/*.[ch]) kmod/engine/engine.mk \
	     $(wildcard uapi/linux/*.h)
dkms-src:
	@for f in $(DKMS_FILES); do install -Dm644 $$f $(DESTDIR)$(DKMS_SRC)/$$f || exit; done

# DKMS_ARGS: e.g. "-k 6.12.118+deb12-amd64 --kernelsourcedir DIR" (default: the running kernel).
# dkms-build stops before installing (for a kernel this machine does not run).
dkms-build: dkms-src
	sed 's/#MODULE_VERSION#/$(SLMQ_VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	dkms add -m slmq -v $(SLMQ_VERSION)
	dkms build -m slmq -v $(SLMQ_VERSION) $(DKMS_ARGS)

dkms-install: dkms-build
	dkms install -m slmq -v $(SLMQ_VERSION) $(DKMS_ARGS)

dkms-remove:
	-dkms remove -m slmq -v $(SLMQ_VERSION) --all
	rm -rf $(DKMS_SRC)

deb:
	@scripts/deps.sh deb
	@scripts/deb.sh build

check-deb: deb
	@scripts/deb.sh check

clean:
	rm -rf $(O) $(SLMQCTL)
	-[ -f .cache/kernel/env.sh ] && . .cache/kernel/env.sh && $(MAKE) -C "$$KDIR" M=$(CURDIR) clean >/dev/null

.PHONY: all tests xengine deps check check-debug debug-kernel demo bench bench-quant fuzz clean kmod install dkms-src dkms-build dkms-install dkms-remove deb check-deb
-include $(shell find $(O) -name '*.d' 2>/dev/null)

# bsbox — confine cargo build scripts and proc macros.
#   make               build ./bsbox (O=DIR puts objects elsewhere)
#   make check         build, then run the whole test suite (tests/run.sh)
#   make deps          install the Debian packages needed to build (root)
#   make print-deps    print the Debian packages that build bsbox (the CI recipes use it)
#   make test-deps     also the test corpus of real crates (root)
#   make bench         benchmarks against the unconfined baseline
#   make install       PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined   sanitizer build;  V=1 verbose
#   make fuzz          Fuzzing: each libFuzzer target in tests/fuzz/ for FUZZ_SECONDS
#                      (60) from its seed corpus, ASan+UBSan, fails on any crash
#                      (clang; make fuzz-build only builds; FUZZ_SECONDS=0 replays the seeds)
VERSION := 0.1.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
O ?= build

CC ?= cc
PKGS := libseccomp libcap libcjson libbpf
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lseccomp -lcap -lcjson -lbpf)

# cc-option FLAG: FLAG if $(CC) accepts it (clang rejects GCC-only warnings)
cc-option = $(shell $(CC) -Werror $(1) -c -x c /dev/null -o /dev/null 2>/dev/null && echo $(1))

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wimplicit-fallthrough -Wvla -Wundef -Werror
# Messages and paths are bounded on purpose: truncation is handled, not
# warned (GCC only; clang 14 has no such warning).
WARN += $(call cc-option,-Wno-format-truncation)

# The user's CFLAGS, CPPFLAGS and LDFLAGS come after bsbox's own flags
# (BSBOX_*), so `make CFLAGS=-O1` changes the optimisation and keeps -Iinclude.
CFLAGS ?= -O2 -g
BSBOX_CFLAGS := -std=gnu11 $(WARN) -fstack-protector-strong -Iinclude $(PKG_CFLAGS) \
	-DBSBOX_VERSION='"$(VERSION)"' -DBSBOX_DATADIR='"$(DATADIR)/bsbox"' -MMD -MP
BSBOX_LDFLAGS :=
# glibc's fortify checks need an optimising build
ifneq ($(filter -O1 -O2 -O3 -Os -Og -Ofast,$(CFLAGS)),)
BSBOX_CFLAGS += -D_FORTIFY_SOURCE=2
endif
ifdef SANITIZE
BSBOX_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
BSBOX_LDFLAGS += -fsanitize=$(SANITIZE)
endif
COMPILE = $(CC) $(BSBOX_CFLAGS) $(CPPFLAGS) $(CFLAGS)
LINK = $(CC) $(BSBOX_LDFLAGS) $(LDFLAGS)
ifndef V
Q := @
endif

SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:src/%.c=$(O)/%.o)
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNITS := $(UNIT_SRCS:tests/unit/%.c=$(O)/unit/%)
# The unit tests of the pure modules (no kernel interface: policies, cargo
# directives, versions, learning, the supervisor's path decision) link with
# cJSON alone. This is the check that those modules stay pure: one that starts
# calling libseccomp, libcap or libbpf, or pulls in a module that does, fails
# to link here.
PURE_UNITS := $(O)/unit/directives_test $(O)/unit/policy_test $(O)/unit/semver_test \
	$(O)/unit/syscalls_test $(O)/unit/creds_test $(O)/unit/syslinks_test \
	$(O)/unit/util_test $(O)/unit/settings_test $(O)/unit/policystore_test \
	$(O)/unit/envpaths_test $(O)/unit/ns_plan_test $(O)/unit/pathdecide_test
PURE_LIBS := $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)

all: bsbox

bsbox: $(O)/bsbox
	$(Q)cp -f $< $@

$(O)/bsbox: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(LINK) -o $@ $^ $(PKG_LIBS)

$(O)/%.o: src/%.c | $(O)
	@echo "  CC      $<"
	$(Q)$(COMPILE) -c -o $@ $<

$(O) $(O)/unit:
	$(Q)mkdir -p $@

# Every module but main, as an archive: a unit test links only the objects
# it uses. ($^ of a unit test also holds the headers its .d file lists.)
$(O)/libbsbox.a: $(filter-out $(O)/main.o,$(OBJS))
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(PURE_UNITS): $(O)/unit/%: tests/unit/%.c $(O)/libbsbox.a | $(O)/unit
	@echo "  UNIT    $@ (pure: cJSON only)"
	$(Q)$(COMPILE) $(BSBOX_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(PURE_LIBS)

$(O)/unit/%: tests/unit/%.c $(O)/libbsbox.a | $(O)/unit
	@echo "  UNIT    $@"
	$(Q)$(COMPILE) $(BSBOX_LDFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $(PKG_LIBS)

$(O)/probe: tests/probe.c | $(O)
	$(Q)$(CC) -O1 -g -std=gnu11 -Wall -o $@ $<

units: $(UNITS)

# ---- The BPF trace backend (src/bpf/, src/ebpf.c) ----------------------------
# Built when clang, bpftool and the running kernel's BTF are present (CO-RE:
# vmlinux.h is dumped from /sys/kernel/btf/vmlinux, the loader includes a
# `bpftool gen skeleton` header); otherwise bsbox is built without it, says
# so here and in `bsbox doctor`, and traces through the supervisor.
# BPF=0 / BPF=1 overrides the probe.
BPFTOOL ?= $(firstword $(shell command -v bpftool 2>/dev/null) $(wildcard /usr/sbin/bpftool))
BPF_CLANG ?= $(shell command -v clang 2>/dev/null)
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ifeq ($(BPF),)
BPF := $(if $(and $(BPFTOOL),$(BPF_CLANG),$(wildcard $(VMLINUX_BTF))),1,0)
endif
ifeq ($(BPF),1)
BPF_ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64.*/powerpc/;s/s390x/s390/;s/riscv64/riscv/')
$(O)/bpf:
	$(Q)mkdir -p $@
$(O)/bpf/vmlinux.h: | $(O)/bpf
	@echo "  BTF     $@"
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@
$(O)/bpf/trace.bpf.o: src/bpf/trace.bpf.c src/bpf/trace_event.h src/bpf/follow.bpf.h \
		src/bpf/walk.bpf.h $(O)/bpf/vmlinux.h
	@echo "  BPF     $<"
	$(Q)$(BPF_CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(O)/bpf -Isrc/bpf -c $< -o $@
$(O)/bpf/trace.skel.h: $(O)/bpf/trace.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name trace_bpf > $@.tmp && mv $@.tmp $@
# root's refused read-only opens (src/bpfread.c)
$(O)/bpf/read.bpf.o: src/bpf/read.bpf.c src/bpf/read_event.h src/bpf/trace_event.h \
		src/bpf/follow.bpf.h src/bpf/walk.bpf.h $(O)/bpf/vmlinux.h
	@echo "  BPF     $<"
	$(Q)$(BPF_CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(O)/bpf -Isrc/bpf -c $< -o $@
$(O)/bpf/read.skel.h: $(O)/bpf/read.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name read_bpf > $@.tmp && mv $@.tmp $@
# The BTF of just the types the programs use, for the kernel bsbox was built
# on (with that kernel's build id): loading it instead of parsing the whole
# /sys/kernel/btf/vmlinux saves ~0.1 s per sandbox.  Another kernel gets the
# full parse (ebpf.c compares the build id).
$(O)/bpf/all.min.btf: $(O)/bpf/trace.bpf.o $(O)/bpf/read.bpf.o $(O)/bpf/deny.bpf.o
	$(Q)$(BPFTOOL) gen min_core_btf $(VMLINUX_BTF) $@ $^
$(O)/bpf/trace_btf.h: $(O)/bpf/all.min.btf
	@echo "  GEN     $@"
	$(Q){ echo '/* generated: bpftool gen min_core_btf; /sys/kernel/notes at build time */'; \
	  echo 'static const unsigned char trace_min_btf[] = {'; \
	  od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; \
	  echo 'static const unsigned char trace_btf_kernel_notes[] = {'; \
	  od -An -v -tx1 /sys/kernel/notes | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; \
	} > $@.tmp && mv $@.tmp $@
$(O)/ebpf.o: $(O)/bpf/trace.skel.h $(O)/bpf/trace_btf.h
# the kernel-side deny layer (src/bpfdeny.c)
$(O)/bpf/deny.bpf.o: src/bpf/deny.bpf.c src/bpf/deny_event.h $(O)/bpf/vmlinux.h
	@echo "  BPF     $<"
	$(Q)$(BPF_CLANG) -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(O)/bpf -Isrc/bpf -c $< -o $@
$(O)/bpf/deny.skel.h: $(O)/bpf/deny.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name deny_bpf > $@.tmp && mv $@.tmp $@
$(O)/bpfdeny.o: $(O)/bpf/deny.skel.h $(O)/bpf/trace_btf.h
$(O)/bpfdeny.o: BSBOX_CFLAGS += -DBSBOX_HAVE_BPF -I$(O)/bpf -Isrc
$(O)/bpfread.o: $(O)/bpf/read.skel.h
$(O)/bpfread.o: BSBOX_CFLAGS += -DBSBOX_HAVE_BPF -I$(O)/bpf -Isrc
$(O)/ebpf.o: BSBOX_CFLAGS += -DBSBOX_HAVE_BPF -I$(O)/bpf -Isrc
else
$(info bsbox: building without the BPF trace backend (needs clang, bpftool and $(VMLINUX_BTF)); tracing falls back to the supervisor)
endif
# what --trace costs, BPF and supervisor backends side by side
bench-trace: bsbox
	bash bench/trace.sh
# clang and bpftool for the BPF programs (part of `make deps`; a machine
# without them still builds bsbox, without the BPF backend)
deps-bpf:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang llvm bpftool || \
		echo "deps-bpf: clang/bpftool not installed: bsbox builds without the BPF trace backend" >&2
deps: deps-bpf
.PHONY: bench-trace deps-bpf

# Everything the test suite needs besides deps: the offline crate corpus
# (Debian's librust-*-dev packages, tests/corpus/setup.sh), yamllint,
# man, clang (CI builds with both compilers) and Debian's cargo.
CORPUS ?= /tmp/bsbox-corpus
test-deps: deps
	# clang: CI builds with both compilers, and make fuzz (libFuzzer, sanitizers)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends yamllint man-db clang
	# bubblewrap: make bench sets bsbox's launch next to bwrap's (issues 13, 16)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap
	# Debian's cargo, for the unprivileged test user (root's rustup is not
	# readable to it); root's own toolchain stays first on root's PATH
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cargo
	bash tests/corpus/setup.sh $(CORPUS)

# The README's first command: a crate whose build script misbehaves, caught.
demo: bsbox
	bash contrib/demo/run.sh $(CURDIR)/bsbox

# The one list of Debian/Ubuntu packages that build bsbox: `make deps`
# installs it, the CI recipes (contrib/github-actions, contrib/gitlab-ci)
# install `make print-deps`, and tests/ci.sh checks they agree.
BUILD_DEBS := build-essential pkg-config libseccomp-dev libcap-dev libcjson-dev libbpf-dev
# what the test suite and `make demo` run besides
RUN_DEBS := iproute2 util-linux procps python3 strace

print-deps:
	@echo $(BUILD_DEBS)

deps:
	apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$(BUILD_DEBS) $(RUN_DEBS)
	command -v cargo >/dev/null || [ -x "$$HOME/.cargo/bin/cargo" ] || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cargo

check: bsbox units $(O)/probe
	BSBOX=$(CURDIR)/bsbox BSBOX_BUILD=$(CURDIR)/$(O) bash tests/run.sh

bench: bsbox
	bash bench/run.sh

install: bsbox
	install -Dm755 bsbox $(DESTDIR)$(BINDIR)/bsbox
	ln -sf bsbox $(DESTDIR)$(BINDIR)/bsbox-rustdoc  # build.rustdoc (bsbox setup)
	install -d $(DESTDIR)$(DATADIR)/bsbox/policies
	cp -r policies/. $(DESTDIR)$(DATADIR)/bsbox/policies/
	install -Dm644 docs/bsbox.1 $(DESTDIR)$(MANDIR)/man1/bsbox.1
	install -Dm755 contrib/editors/bsbox-proc-macro-srv $(DESTDIR)$(DATADIR)/bsbox/bsbox-proc-macro-srv
	install -Dm644 contrib/apparmor/bsbox $(DESTDIR)$(DATADIR)/bsbox/apparmor/bsbox

# A Debian package (binary, policies, man page, AppArmor profile).
deb: bsbox
	bash contrib/debian/build-deb.sh $(CURDIR)


# ---- fuzzing (tests/fuzz/README.md) ----------------------------------------
# Its own objects, compiler and flags: clang-only options never reach the
# normal build (the sources' warnings are the gcc build's business; the
# harnesses get the full list).  Every target links all objects but main.o (as the unit tests
# do), so moving code between modules does not break it.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := policy directives report fusefs notify
FUZZ_O := $(O)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# No _FORTIFY_SOURCE: the notify target's fakes must see the plain libc calls.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Iinclude $(PKG_CFLAGS) \
	-DBSBOX_VERSION='"$(VERSION)"' -DBSBOX_DATADIR='"$(DATADIR)/bsbox"' $(FUZZ_SAN) -MMD -MP
FUZZ_WARN := $(filter-out -Wno-format-truncation,$(WARN))
FUZZ_OBJS := $(filter-out $(FUZZ_O)/obj/main.o,$(SRCS:src/%.c=$(FUZZ_O)/obj/%.o))
# The notify target's seam: in its copy of the objects these calls go to the
# harness's fakes of the target process and the notify fd (tests/fuzz/notify.c).
FUZZ_FAKES := process_vm_readv readlink ioctl poll
FUZZ_STUB_OBJS := $(FUZZ_OBJS:$(FUZZ_O)/obj/%=$(FUZZ_O)/stub/%)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz-%)
# Per-target options: the report target prints; libFuzzer keeps its own output.
FUZZ_ARGS_report := -close_fd_mask=3
.SECONDARY: $(FUZZ_BINS) $(FUZZ_OBJS) $(FUZZ_STUB_OBJS)

$(FUZZ_O)/obj $(FUZZ_O)/stub:
	$(Q)mkdir -p $@

$(FUZZ_O)/obj/%.o: src/%.c | $(FUZZ_O)/obj fuzz-cc
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -w -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_O)/stub/%.o: $(FUZZ_O)/obj/%.o | $(FUZZ_O)/stub
	$(Q)objcopy $(foreach f,$(FUZZ_FAKES),--redefine-sym $(f)=fuzz_$(f)) $< $@

$(FUZZ_O)/fuzz-notify: tests/fuzz/notify.c tests/fuzz/fuzz.h $(FUZZ_STUB_OBJS)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -fsanitize=fuzzer -o $@ $< $(FUZZ_STUB_OBJS) $(PKG_LIBS)

$(FUZZ_O)/fuzz-%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_OBJS)
	@echo "  FUZZLD  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -DFUZZ_SRCDIR='"$(CURDIR)"' -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_OBJS) $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz-cc:
	@command -v $(FUZZ_CC) >/dev/null || { echo "fuzz: $(FUZZ_CC) not found (apt-get install clang)" >&2; exit 1; }

# Each target from its seed corpus (new inputs go to $(FUZZ_O)/corpus, never
# into the tree); a crash, leak, UB or timeout fails with the reproducer's
# path.  `make fuzz-run-policy FUZZ_SECONDS=600` runs one target.
fuzz: $(FUZZ_TARGETS:%=fuzz-run-%)

fuzz-run-%: $(FUZZ_O)/fuzz-%
	$(Q)mkdir -p $(FUZZ_O)/corpus/$* $(FUZZ_O)/crash
	@echo "  FUZZ    $* ($(if $(filter 0,$(FUZZ_SECONDS)),the seeds only,$(FUZZ_SECONDS) s))"
	$(Q)if ! $< $(if $(filter 0,$(FUZZ_SECONDS)),-runs=0,-max_total_time=$(FUZZ_SECONDS)) \
		-timeout=10 -rss_limit_mb=2048 $(FUZZ_ARGS_$*) \
		$(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
		-artifact_prefix=$(FUZZ_O)/crash/$*- $(FUZZ_O)/corpus/$* tests/fuzz/corpus/$* \
		>$(FUZZ_O)/$*.log 2>&1; then \
		tail -n 80 $(FUZZ_O)/$*.log; \
		echo "fuzz: $* failed; log $(FUZZ_O)/$*.log, reproducer $(FUZZ_O)/crash/$*-*" >&2; \
		exit 1; \
	fi; grep -E '^#[0-9]+.*(DONE|INITED)' $(FUZZ_O)/$*.log | tail -n 1

clean:
	rm -rf $(O) bsbox

.PHONY: all deps print-deps test-deps check bench install clean units demo deb fuzz fuzz-build fuzz-cc
-include $(OBJS:.o=.d) $(UNITS:=.d)
-include $(wildcard $(FUZZ_O)/obj/*.d)

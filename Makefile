# bsbox — confine cargo build scripts and proc macros.
#   make               build ./bsbox (O=DIR puts objects elsewhere)
#   make check         build, then run the whole test suite (tests/run.sh)
#   make deps          install the Debian packages needed to build (root)
#   make test-deps     also the test corpus of real crates (root)
#   make bench         benchmarks against the unconfined baseline
#   make install       PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined   sanitizer build;  V=1 verbose
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

# Messages and paths are bounded on purpose: truncation is handled, not warned.
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wimplicit-fallthrough -Wvla -Wundef -Werror \
	-Wno-format-truncation
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -fstack-protector-strong -Iinclude $(PKG_CFLAGS) \
	-DBSBOX_VERSION='"$(VERSION)"' -DBSBOX_DATADIR='"$(DATADIR)/bsbox"' -MMD -MP
ifeq ($(findstring -O0,$(CFLAGS)),)
CFLAGS += -D_FORTIFY_SOURCE=2
endif
ifdef SANITIZE
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif
ifndef V
Q := @
endif

SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:src/%.c=$(O)/%.o)
PURE := $(O)/policy.o $(O)/err.o $(O)/env.o $(O)/directives.o $(O)/jsonpos.o
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNITS := $(UNIT_SRCS:tests/unit/%.c=$(O)/unit/%)

all: bsbox

bsbox: $(O)/bsbox
	$(Q)cp -f $< $@

$(O)/bsbox: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/%.o: src/%.c | $(O)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(O) $(O)/unit:
	$(Q)mkdir -p $@

$(O)/unit/%: tests/unit/%.c $(filter-out $(O)/main.o,$(OBJS)) | $(O)/unit
	@echo "  UNIT    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/probe: tests/probe.c | $(O)
	$(Q)$(CC) -O1 -g -std=gnu11 -Wall -o $@ $<

units: $(UNITS)

# Everything the test suite needs besides deps: the offline crate corpus
# (Debian's librust-*-dev packages, ../shared/corpus/setup.sh), yamllint,
# man and Debian's cargo.
CORPUS ?= /tmp/bsbox-corpus
test-deps: deps
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends yamllint man-db
	# Debian's cargo, for the unprivileged test user (root's rustup is not
	# readable to it); root's own toolchain stays first on root's PATH
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cargo
	if [ -f ../shared/corpus/setup.sh ]; then bash ../shared/corpus/setup.sh $(CORPUS); \
	else echo "test-deps: ../shared/corpus/setup.sh not found: corpus tests will skip" >&2; fi

# The README's first command: a crate whose build script misbehaves, caught.
demo: bsbox
	bash contrib/demo/run.sh $(CURDIR)/bsbox

deps:
	apt-get update -qq || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		build-essential pkg-config libseccomp-dev libcap-dev libcjson-dev libbpf-dev \
		iproute2 util-linux procps python3 strace
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

clean:
	rm -rf $(O) bsbox

.PHONY: all deps test-deps check bench install clean units demo deb
-include $(OBJS:.o=.d)

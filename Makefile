# stemrot: small Unix filters that learn nanoparticle orientation from stereo pairs.
# GNU make.  `make` builds, `make check` tests, `make demo` runs the short 2D experiment.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
PKG_CONFIG ?= pkg-config
CC         ?= cc
CFLAGS     ?= -O2 -g
# OMP=0 builds without OpenMP (the engine then runs on one thread, same results).
OMP        ?= 1
# MPI=1 builds with mpicc for data-parallel training under mpirun (lib/learn/ranks.h), in
# build/mpi with its programs in build/mpi/bin, beside the plain build (which never needs MPI).
MPI        ?= 0
ifeq ($(MPI),1)
CC         := mpicc
MPI_FLAGS  := -DSR_MPI
BUILD      ?= build/mpi
BIN        ?= build/mpi/bin
endif
BUILD      ?= build
BIN        ?= bin

DEB_PACKAGES = build-essential pkg-config libnetpbm-dev netpbm zlib1g-dev check libsubunit-dev \
               libopenblas-dev mandoc libtiff-dev libhdf5-dev gnuplot-nox
# for the MPI tests (make check-mpi) and the GNU parallel recipe (tests/sh/parallel.sh),
# which skip without them
DEB_PACKAGES += libopenmpi-dev openmpi-bin parallel

# Without OpenMP the parallel-for pragmas are simply ignored, so silence that one warning.
OMP_FLAGS  = $(if $(filter 1,$(OMP)),-fopenmp,-Wno-unknown-pragmas)
PKGS       = netpbm zlib openblas libtiff-4 hdf5
# A missing package must stop the build with its name, not leave the flags silently empty;
# `make deps` (and the targets that call it) runs before anything needs them.
ifeq ($(filter deps clean uninstall,$(MAKECMDGOALS)),)
PKG_OK    := $(shell $(PKG_CONFIG) --exists $(PKGS) && echo yes)
ifneq ($(PKG_OK),yes)
ifeq ($(filter check demo,$(MAKECMDGOALS)),)
$(error pkg-config cannot find all of: $(PKGS) (run `make deps`, or see the README))
endif
endif
endif
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
ALL_CFLAGS = $(CFLAGS) -std=c11 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
             -Ilib $(PKG_CFLAGS) $(OMP_FLAGS) -MMD -MP $(MPI_FLAGS)
LDLIBS     = $(PKG_LIBS) $(OMP_FLAGS) -lm

# The library: one folder a layer (lib/README.md); the command-line helpers, which print and
# exit, are the filters' own (filters/cli/).
LIB_SRC    = $(wildcard lib/*/*.c lib/*/*/*.c)
LIB_OBJ    = $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRC))
LIBA       = $(BUILD)/libstemrot.a
CLI_SRC    = $(wildcard filters/cli/*.c)
CLI_OBJ    = $(patsubst filters/%.c,$(BUILD)/filters/%.o,$(CLI_SRC))
CLIA       = $(BUILD)/libstemrot-cli.a
PROG_SRC   = $(wildcard filters/*.c)
PROG_OBJ   = $(patsubst filters/%.c,$(BUILD)/filters/%.o,$(PROG_SRC))
PROGS      = $(patsubst filters/%.c,$(BIN)/%,$(PROG_SRC))
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNITS      = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
CHECK_MAIN = $(BUILD)/tests/check_main.o
MAN_PAGES  = $(wildcard man/man1/*.1 man/man5/*.5 man/man7/*.7)

.PHONY: all deps check unit shtest lint check-noomp check-mpi demo models bench install uninstall \
        clean fuzz fuzz-build fuzz-smoke sanitize

all: $(PROGS)

$(BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/filters/%.o: filters/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(CLIA): $(CLI_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: $(BUILD)/filters/%.o $(CLIA) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CLIA) $(LIBA) $(LDLIBS)

# The filters' objects are intermediate files of the pattern rule above; keep them, so that a
# second `make` rebuilds nothing.
.SECONDARY: $(PROG_OBJ) $(CLI_OBJ)

# Every unit test program is its test file (which exports its suite) linked with the one
# runner, tests/unit/check_main.c.
$(CHECK_MAIN): tests/unit/check_main.c
	@$(PKG_CONFIG) --exists check || { echo "pkg-config cannot find check (run make deps)"; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(CHECK_MAIN) $(LIBA)
	@$(PKG_CONFIG) --exists check || { echo "pkg-config cannot find check (run make deps)"; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -o $@ $< $(CHECK_MAIN) $(LIBA) $(LDLIBS) $(CHECK_LIBS)

# Install the Debian packages the build and the tests need, only those missing, without
# their Recommends: as root with apt-get, else through sudo; when neither can, say exactly
# what to install and fail.  (A minbase Debian also lacks `make` itself: the README says so.)
DPKG_QUERY ?= dpkg-query
SUDO       ?= sudo
DEPS_UID   ?= $(shell id -u)
APT_INSTALL = env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  $(DPKG_QUERY) -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	[ -n "$$missing" ] || exit 0; \
	echo "make deps: installing$$missing"; \
	if [ "$(DEPS_UID)" = 0 ]; then \
	  apt-get update -qq && $(APT_INSTALL) $$missing && exit 0; \
	  echo "make deps: apt-get failed to install them." >&2; \
	elif command -v $(SUDO) > /dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && $(SUDO) $(APT_INSTALL) $$missing && exit 0; \
	  echo "make deps: $(SUDO) apt-get failed to install them." >&2; \
	else \
	  echo "make deps: cannot install them: not root, and no $(SUDO)." >&2; \
	fi; \
	echo "As root, run:  apt-get install --no-install-recommends$$missing" >&2; \
	exit 1

# The whole suite: unit tests (Check), shell pipeline tests, man page lint, and the engine
# tests again in a build without OpenMP.
check: deps
	$(MAKE) all $(UNITS)
	$(MAKE) unit shtest lint
	$(MAKE) check-noomp
	$(MAKE) check-mpi
	$(MAKE) fuzz-smoke

unit: $(UNITS)
	@fail=0; for t in $(UNITS); do echo "== $$t"; CK_DEFAULT_TIMEOUT=600 $$t || fail=1; done; exit $$fail

shtest: $(PROGS)
	@BIN=$(abspath $(BIN)) sh tests/run-sh.sh tests/sh/*.sh

lint:
	@out=$$(mandoc -T lint -W warning $(MAN_PAGES) 2>&1 | grep -v 'referenced manual not found'); \
	if [ -n "$$out" ]; then echo "$$out"; echo "mandoc lint: FAILED"; exit 1; fi; \
	echo "mandoc lint: $(words $(MAN_PAGES)) pages clean"

check-noomp:
	$(MAKE) OMP=0 BUILD=$(BUILD)/noomp BIN=$(BUILD)/noomp/bin unit-nn

# Data-parallel training under mpirun, where mpicc and mpirun exist (make deps installs
# them); without them the tests are skipped, saying so.
check-mpi: $(BIN)/train
	@if command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1; then \
	  $(MAKE) MPI=1 build/mpi/bin/train && \
	  BIN=$(abspath $(BIN)) MPIBIN=$(abspath build/mpi/bin) sh tests/run-sh.sh tests/mpi/*.sh; \
	else echo "check-mpi: skipped (no mpicc or mpirun; make deps installs openmpi-bin)"; fi

unit-nn: $(filter $(BUILD)/tests/test_nn%,$(UNITS))
	@fail=0; for t in $^; do echo "== $$t (OMP=$(OMP))"; CK_DEFAULT_TIMEOUT=600 $$t || fail=1; done; exit $$fail

# ---- hostile input: the fuzzers and the sanitizers (clang; not needed to build or check) ----
# make fuzz: every libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS each, under ASan and UBSan,
# seeds made by our own programs (tests/fuzz/seeds.sh), corpora kept in build/fuzz/corpus/.
# make sanitize: the whole make check built with ASan + UBSan, leak detection on.
# On Debian: apt-get install clang libclang-rt-14-dev (libFuzzer and the sanitizer runtimes).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_BUILD    = build/fuzz
FUZZERS       = record meta spec model tsv
SAN_FLAGS     = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined
HAVE_FUZZER   = printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' | \
                $(FUZZ_CC) -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null

# A harness links the library built with the fuzzer's instrumentation (a sub-make, BUILD=build/fuzz).
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(CLIA) $(LIBA)
	$(CC) $(ALL_CFLAGS) -D_GNU_SOURCE -Ifilters -fsanitize=fuzzer -o $@ $< $(CLIA) $(LIBA) $(LDLIBS)

fuzz-build:
	@$(HAVE_FUZZER) || { echo "make fuzz needs $(FUZZ_CC) with libFuzzer (apt-get install clang libclang-rt-14-dev)"; exit 1; }
	$(MAKE) CC=$(FUZZ_CC) CFLAGS="$(SAN_FLAGS) -fsanitize=fuzzer-no-link" OMP=0 \
	  BUILD=$(FUZZ_BUILD) BIN=$(FUZZ_BUILD)/bin $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZERS))

fuzz: all fuzz-build
	sh tests/fuzz/seeds.sh $(abspath $(BIN)) $(FUZZ_BUILD)/seeds
	nice sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZERS)

# In make check: a few seconds of each harness when clang with libFuzzer is there.
fuzz-smoke: all
	@if $(HAVE_FUZZER); then \
	  $(MAKE) fuzz-build && sh tests/fuzz/seeds.sh $(abspath $(BIN)) $(FUZZ_BUILD)/seeds && \
	  sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZERS); \
	else echo "fuzz smoke: skipped ($(FUZZ_CC) with libFuzzer not found; see make fuzz)"; fi

sanitize:
	@$(HAVE_FUZZER) || { echo "make sanitize needs $(FUZZ_CC) with the sanitizer runtimes (apt-get install clang libclang-rt-14-dev)"; exit 1; }
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 CK_TIMEOUT_MULTIPLIER=4 \
	  $(MAKE) check CC=$(FUZZ_CC) CFLAGS="$(SAN_FLAGS)" BUILD=build/san BIN=build/san/bin


# The demo tests the shipped models (examples/models/) against the baseline on fresh test
# images and draws its pictures, into $(DEMO_OUT).
DEMO_OUT ?= demo.out
demo: deps
	$(MAKE) all
	BIN=$(abspath $(BIN)) sh pipelines/demo.sh $(DEMO_OUT)

# The shipped models, trained again by the 2D experiment's own pipeline with the settings
# examples/models/README gives (hours on 2 cores), tested there, and copied into
# examples/models/ with their training logs and results tables.
MODELS_OUT ?= models.out
models: all
	NTRAIN=12000 EPOCHS=6 NTEST=500 SETS=sq METHODS=siamese BIN=$(abspath $(BIN)) \
		sh pipelines/exp2d.sh $(MODELS_OUT)/sq
	NTRAIN=30000 EPOCHS=12 NTEST=500 SETS=mix METHODS=siamese BIN=$(abspath $(BIN)) \
		sh pipelines/exp2d.sh $(MODELS_OUT)/mix
	for s in sq mix; do \
	  cp $(MODELS_OUT)/$$s/$$s.siamese.model $(MODELS_OUT)/$$s/$$s.siamese.log.tsv examples/models/ && \
	  cp $(MODELS_OUT)/$$s/results.tsv examples/models/$$s.results.tsv || exit 1; \
	done

bench: all
	sh bench/run.sh

# install: programs stripped (install -s), man pages; the directories it had to make are
# listed in $(STAMP_DIRS), so that uninstall removes those (when empty) and no others.
INSTALL    ?= install
SHAREDIR   ?= $(PREFIX)/share/stemrot
STAMP_DIRS  = $(SHAREDIR)/made-dirs
INST_DIRS   = $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5 $(MANDIR)/man7 $(SHAREDIR)
install: $(PROGS)
	@made=""; for d in $(INST_DIRS); do \
	  while [ ! -d "$(DESTDIR)$$d" ]; do made="$$made $$d"; d=$$(dirname "$$d"); done; \
	done; \
	$(INSTALL) -d $(addprefix $(DESTDIR),$(INST_DIRS)); \
	touch "$(DESTDIR)$(STAMP_DIRS)"; \
	for d in $$made; do echo "$$d"; done | cat "$(DESTDIR)$(STAMP_DIRS)" - | sort -u > "$(DESTDIR)$(STAMP_DIRS).new"; \
	mv "$(DESTDIR)$(STAMP_DIRS).new" "$(DESTDIR)$(STAMP_DIRS)"
	$(INSTALL) -s -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	for m in $(MAN_PAGES); do $(INSTALL) -m 644 $$m $(DESTDIR)$(MANDIR)/$$(basename $$(dirname $$m))/ || exit 1; done

uninstall:
	for p in $(PROGS); do rm -f $(DESTDIR)$(BINDIR)/$$(basename $$p); done
	for m in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/$$(basename $$(dirname $$m))/$$(basename $$m); done
	@if [ -f "$(DESTDIR)$(STAMP_DIRS)" ]; then \
	  dirs=$$(awk '{ print length($$0) "\t" $$0 }' "$(DESTDIR)$(STAMP_DIRS)" | sort -rn | cut -f2-); \
	  rm -f "$(DESTDIR)$(STAMP_DIRS)"; \
	  for d in $$dirs; do rmdir "$(DESTDIR)$$d" 2>/dev/null || true; done; \
	fi

clean:
	rm -rf build bin

-include $(LIB_OBJ:.o=.d) $(PROG_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(CHECK_MAIN:.o=.d) $(UNITS:=.d)

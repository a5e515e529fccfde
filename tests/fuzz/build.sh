#!/bin/bash
# build.sh - build the libFuzzer harnesses of tests/fuzz/ and their seeds.
#
# Compiles every capture/*.c dissect/*.c report/*.c except capture/main.c
# with clang, ASan + UBSan (no recovery) and libFuzzer coverage
# (-fsanitize=fuzzer-no-link), with the Makefile's warning flags and
# pkg-config flags, into $FUZZ_BUILD/obj/ (only what changed since the
# last build), then links each tests/fuzz/fuzz_<name>.c into
# $FUZZ_BUILD/fuzz_<name>.  A harness whose source has a line
#     fuzz-requires: path/a.c path/b.c
# is built only when those project files exist (the QUIC, DTLS and
# entities harnesses wait for their modules); the others are listed as
# skipped.  Seeds are regenerated from pcaps/ into $FUZZ_BUILD/seeds/.
#
# Environment: FUZZ_BUILD (default build-libfuzzer), FUZZ_CC (default clang),
# SRC_ROOT (the tree to build, default this repository; the harnesses
# themselves always come from this repository's tests/fuzz/).
# Exit status: 0 when every buildable harness was built, 1 otherwise,
# 77 when clang's libFuzzer is not installed.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SRC_ROOT=$(cd "${SRC_ROOT:-$REPO}" && pwd)
FUZZ_BUILD=${FUZZ_BUILD:-build-libfuzzer}
case $FUZZ_BUILD in /*) ;; *) FUZZ_BUILD=$REPO/$FUZZ_BUILD ;; esac
CC=${FUZZ_CC:-clang}

PKGS="libndpi libpcap openssl sqlite3 yaml-0.1 libpsl libmaxminddb"
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2
    exit 77
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){(void)d;(void)n;return 0;}' |
     "$CC" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
    echo "build.sh: $CC cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)" >&2
    exit 77
fi
PKG_CFLAGS=$(pkg-config --cflags $PKGS) || exit 1
PKG_LIBS=$(pkg-config --libs $PKGS) || exit 1
VERSION=$(sed -n 's/^VERSION *:= *//p' "$SRC_ROOT/Makefile" 2>/dev/null)
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-std=c11 -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer $SAN
        $PKG_CFLAGS -DMEETAUDIT_VERSION=\"${VERSION:-fuzz}\""

mkdir -p "$FUZZ_BUILD/obj" || exit 1
cd "$SRC_ROOT" || exit 1

# stale OBJ SRC: true when OBJ is missing or older than SRC or than any
# header its dependency file (written by -MMD) names; without a
# dependency file, older than the newest header of the tree.
newest_hdr=$(ls -t capture/*.h dissect/*.h report/*.h 2>/dev/null | head -1)
stale() {
    local obj=$1 src=$2 dep
    [ -f "$obj" ] && [ ! "$src" -nt "$obj" ] || return 0
    if [ -f "$obj.d" ]; then
        for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d"); do
            [ -e "$dep" ] || return 0
            [ "$dep" -nt "$obj" ] && return 0
        done
        return 1
    fi
    [ -n "$newest_hdr" ] && [ "$newest_hdr" -nt "$obj" ]
}
objs=()
fail=0
for src in capture/*.c dissect/*.c report/*.c; do
    [ -f "$src" ] || continue
    [ "$src" = capture/main.c ] && continue
    obj=$FUZZ_BUILD/obj/${src//\//_}.o
    objs+=("$obj")
    if stale "$obj" "$src"; then
        echo "  CC $src"
        # shellcheck disable=SC2086
        "$CC" $CFLAGS -fsanitize=fuzzer-no-link -MMD -MF "$obj.d" -c -o "$obj" "$src" ||
            { fail=1; rm -f "$obj" "$obj.d"; }
    fi
done
[ "$fail" -eq 0 ] || { echo "build.sh: project sources did not compile" >&2; exit 1; }

built=() skipped=()
for h in "$HERE"/fuzz_*.c; do
    name=$(basename "$h" .c)
    req=$(sed -n 's/.*fuzz-requires: *//p' "$h" | head -1)
    missing=
    for r in $req; do [ -f "$SRC_ROOT/$r" ] || missing="$missing $r"; done
    if [ -n "$missing" ]; then
        skipped+=("$name (missing$missing)")
        rm -f "$FUZZ_BUILD/$name"
        continue
    fi
    bin=$FUZZ_BUILD/$name
    stale=0
    [ -f "$bin" ] || stale=1
    for dep in "$h" "$HERE/fuzz.h" "${objs[@]}"; do
        [ "$dep" -nt "$bin" ] && stale=1
    done
    if [ "$stale" -eq 1 ]; then
        echo "  LD $name"
        # shellcheck disable=SC2086
        if ! "$CC" $CFLAGS -fsanitize=fuzzer -I"$SRC_ROOT" \
               -DFUZZ_ROOT="\"$SRC_ROOT\"" -o "$bin" "$h" "${objs[@]}" \
               $PKG_LIBS -lm; then
            fail=1
            rm -f "$bin"
            continue
        fi
    fi
    built+=("$name")
done

rm -rf "$FUZZ_BUILD/seeds"
python3 "$HERE/mkseeds.py" "$FUZZ_BUILD/seeds" >/dev/null || fail=1

echo "build.sh: built ${built[*]:-nothing} in $FUZZ_BUILD"
for s in "${skipped[@]}"; do echo "build.sh: not built: $s"; done
exit $fail

#!/bin/bash
# asan-corpus.sh - every capture of the shared corpus through the sanitizer
# build of meetaudit: no AddressSanitizer / UndefinedBehaviorSanitizer /
# LeakSanitizer report, ever.  Run by `make asan` after the suite.
#
# Each *.pcap, *.pcapng and *.cap file of CORPUS_DIR (default
# ../shared/pcaps/corpus beside the repository) is analysed on its own into
# a fresh database (`meetaudit analyze -q -o DB FILE`), ASAN_CORPUS_JOBS at
# a time (default 2), at most ASAN_CORPUS_TIMEOUT seconds each (default
# 300).  A file passes when the run ends with exit status 0 or 1 (1: the
# file is not a capture we read, with a message naming it), no signal, no
# timeout, no sanitizer report on stderr, and the database passes PRAGMA
# integrity_check with no input left 'analysing'.
# Prints one "FAIL asan-corpus:<file>: why" line per failing file (with the
# start of the report) and one "PASS asan-corpus (N files, ...)" line when
# all passed; "SKIP asan-corpus: why" when the corpus is absent or the
# binary is not a sanitizer build.  ASAN_CORPUS_VERBOSE=1 prints a PASS
# line per file as well.
#
# Environment: MEETAUDIT (the sanitizer binary; default ./meetaudit-asan),
# CORPUS_DIR, ASAN_CORPUS_JOBS, ASAN_CORPUS_TIMEOUT, ASAN_CORPUS_VERBOSE.
# ASAN_OPTIONS / UBSAN_OPTIONS default to halt_on_error (no recovery).

MEETAUDIT=${MEETAUDIT:-./meetaudit-asan}
. "$(dirname "$0")/lib.sh"
t_require_bin asan-corpus

DIR=${CORPUS_DIR:-$T_ROOT/../shared/pcaps/corpus}
JOBS=${ASAN_CORPUS_JOBS:-2}
TMO=${ASAN_CORPUS_TIMEOUT:-300}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

if [ ! -d "$DIR" ]; then
    t_skip asan-corpus "no corpus directory $DIR (the shared capture corpus is not present here)"
    exit 0
fi
if ! grep -q -a -e __asan_init "$T_BIN"; then
    t_skip asan-corpus "$T_BIN is not an AddressSanitizer build (run it through make asan)"
    exit 0
fi
shopt -s nullglob
files=("$DIR"/*.pcap "$DIR"/*.pcapng "$DIR"/*.cap)
if [ ${#files[@]} -eq 0 ]; then
    t_skip asan-corpus "no capture files in $DIR"
    exit 0
fi

# one FILE: analyse FILE, write "ok|fail<TAB>why" to $T_TMP/res/<name>.
one() {
    local f=$1 name=${1##*/} d rc why ic
    d=$(mktemp -d "$T_TMP/run.XXXXXX")
    timeout -k 10 "$TMO" "$T_BIN" analyze -q -o "$d/e.db" "$f" >"$d/out" 2>"$d/err"
    rc=$?
    why=
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        why="timed out after $TMO s"
    elif t_sanitizer_report "$d/err" >/dev/null; then
        why="sanitizer report: $(t_sanitizer_report "$d/err" | head -n 1 | cut -c1-200)"
    elif [ "$rc" -gt 128 ]; then
        why="killed by signal $((rc - 128))"
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        why="exit status $rc: $(head -n 1 "$d/err" | cut -c1-200)"
    elif [ "$rc" -eq 1 ] && ! grep -q -F "$name" "$d/err"; then
        why="exit 1 without a message naming the file: $(head -n 1 "$d/err" | cut -c1-200)"
    elif [ -f "$d/e.db" ]; then
        ic=$(sqlite3 -readonly -batch -noheader "$d/e.db" "PRAGMA integrity_check;
              SELECT count(*) FROM inputs WHERE status = 'analysing';" 2>&1 | tr '\n' ' ')
        [ "$ic" = "ok 0 " ] || why="database: integrity_check / inputs left analysing: $ic"
    fi
    if [ -n "$why" ]; then
        {
            printf 'fail\t%s\n' "$why"
            grep -E '^ *#[0-9]+ |ERROR|runtime error|SUMMARY' "$d/err" | head -n 25
        } >"$T_TMP/res/$name"
    else
        printf 'ok\texit %s\n' "$rc" >"$T_TMP/res/$name"
    fi
    rm -rf "$d"
}

mkdir -p "$T_TMP/res"
t0=$SECONDS
running=0
for f in "${files[@]}"; do
    one "$f" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

nok=0 nexit1=0
for f in "${files[@]}"; do
    name=${f##*/}
    res=$T_TMP/res/$name
    if [ ! -f "$res" ]; then
        t_fail "asan-corpus:$name" "no result (the runner died)"
        continue
    fi
    IFS=$'\t' read -r st why <"$res"
    if [ "$st" = ok ]; then
        nok=$((nok + 1))
        [ "$why" = "exit 1" ] && nexit1=$((nexit1 + 1))
        [ -n "${ASAN_CORPUS_VERBOSE:-}" ] && t_pass "asan-corpus:$name ($why)"
    else
        t_fail "asan-corpus:$name" "$why"
        tail -n +2 "$res" | t_indent 25
    fi
done
if [ "$T_FAILS" -eq 0 ]; then
    t_pass "asan-corpus (${#files[@]} files in $((SECONDS - t0)) s, no sanitizer report; $nexit1 refused with a message, exit 1)"
fi
echo "asan-corpus: $nok of ${#files[@]} files passed"
t_exit

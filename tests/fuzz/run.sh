#!/bin/bash
# run.sh - run every libFuzzer harness of tests/fuzz/ for a while.
#
# Builds the harnesses first (tests/fuzz/build.sh, incremental) unless
# FUZZ_NO_BUILD=1, then runs each built harness for FUZZ_SECONDS seconds
# (default 20) over three corpus directories: a working corpus kept in
# $FUZZ_BUILD/corpus/<name>/ (it grows from run to run), the seeds cut
# from pcaps/ ($FUZZ_BUILD/seeds/<name>/) and the committed corpus
# tests/fuzz/corpus/<name>/ when present.  Per-harness libFuzzer options
# come from a "fuzz-options:" line in the harness source.
#
# Prints one line per harness: "PASS fuzz:<name> (N runs, cov C, ft F)",
# "FAIL fuzz:<name>: why" with the start of the sanitizer report and the
# saved crash input ($FUZZ_BUILD/artifacts/<name>/crash-*; minimise it
# with `<binary> -minimize_crash=1 -runs=10000 FILE` and keep it as
# tests/regress/<name>-<what>), or "SKIP fuzz:<name>: why" when a harness
# cannot be built here (no clang/libFuzzer, module not written yet).
#
# Environment: FUZZ_BUILD (default: <build>-libfuzzer beside the UNIT_DIR
# build tree, else build-libfuzzer), FUZZ_SECONDS,
# FUZZ_ONLY (space-separated harness names to run), FUZZ_JOBS (harnesses
# run at once, default 1), FUZZ_RUNS (stop a harness after this many
# executions, if FUZZ_SECONDS has not run out first), FUZZ_LOGS (a
# directory that keeps each harness's libFuzzer log as <name>.log).

. "$(dirname "$0")/../lib.sh"

# Default: beside the build tree of the run (UNIT_DIR=build-x/tests/unit
# -> build-x-libfuzzer), so helpers testing their own trees do not share it.
if [ -z "${FUZZ_BUILD:-}" ]; then
    case ${UNIT_DIR:-} in
        */tests/unit) FUZZ_BUILD=${UNIT_DIR%/tests/unit}-libfuzzer ;;
        *) FUZZ_BUILD=build-libfuzzer ;;
    esac
fi
case $FUZZ_BUILD in /*) ;; *) FUZZ_BUILD=$T_ROOT/$FUZZ_BUILD ;; esac
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_JOBS=${FUZZ_JOBS:-1}

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    FUZZ_BUILD=$FUZZ_BUILD bash tests/fuzz/build.sh >"$T_TMP/build.log" 2>&1
    rc=$?
    if [ "$rc" -eq 77 ]; then
        t_skip fuzz "$(tail -n 1 "$T_TMP/build.log")"
        exit 0
    fi
    if [ "$rc" -ne 0 ]; then
        t_fail fuzz:build "tests/fuzz/build.sh failed"
        t_indent 30 <"$T_TMP/build.log"
        exit 1
    fi
fi

# run_one NAME: one harness; writes its result line to $T_TMP/NAME.res.
run_one() {
    local name=$1 bin=$FUZZ_BUILD/fuzz_$1 src=tests/fuzz/fuzz_$1.c
    local log=$T_TMP/$name.log res=$T_TMP/$name.res opts work art dirs rc
    opts=$(sed -n 's/.*fuzz-options: *//p' "$src" | head -1)
    work=$FUZZ_BUILD/corpus/$name
    art=$FUZZ_BUILD/artifacts/$name
    mkdir -p "$work" "$art"
    dirs=("$work")
    [ -d "$FUZZ_BUILD/seeds/$name" ] && dirs+=("$FUZZ_BUILD/seeds/$name")
    [ -d "tests/fuzz/corpus/$name" ] && dirs+=("tests/fuzz/corpus/$name")
    # shellcheck disable=SC2086
    [ -n "${FUZZ_RUNS:-}" ] && opts="$opts -runs=$FUZZ_RUNS"
    local t0=$SECONDS
    timeout -k 10 $((FUZZ_SECONDS + 120)) "$bin" -max_total_time="$FUZZ_SECONDS" \
        -timeout=25 -rss_limit_mb=2560 -print_final_stats=1 \
        -artifact_prefix="$art/" $opts "${dirs[@]}" >"$log" 2>&1
    rc=$?
    [ -n "${FUZZ_LOGS:-}" ] && mkdir -p "$FUZZ_LOGS" && cp "$log" "$FUZZ_LOGS/$name.log"
    local runs cov
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 | sed 's/: /=/g')
    if [ "$rc" -eq 0 ] && ! t_sanitizer_report "$log" >/dev/null; then
        printf 'PASS fuzz:%s (%s runs in %s s, %s)\n' "$name" "${runs:-?}" \
            "$((SECONDS - t0))" "${cov:-no coverage line}" >"$res"
        return
    fi
    local why artifact
    why=$(grep -m1 -E '^==[0-9]+==ERROR|runtime error:|^SUMMARY|ALARM|out-of-memory|deadly signal' "$log")
    artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
    {
        printf 'FAIL fuzz:%s: exit %s: %s; input saved as %s\n' "$name" "$rc" \
            "${why:-see log}" "${artifact:-(none)}"
        grep -E '^ *#[0-9]+ |ERROR|runtime error|SUMMARY' "$log" | t_indent 25
    } >"$res"
}

names=()
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    name=${name#fuzz_}
    if [ -n "${FUZZ_ONLY:-}" ]; then
        case " $FUZZ_ONLY " in *" $name "*) ;; *) continue ;; esac
    fi
    if [ ! -x "$FUZZ_BUILD/fuzz_$name" ]; then
        req=$(sed -n 's/.*fuzz-requires: *//p' "$src" | head -1)
        t_skip "fuzz:$name" "not built (needs ${req:-a successful build})"
        continue
    fi
    names+=("$name")
done

running=0
for name in "${names[@]}"; do
    run_one "$name" &
    running=$((running + 1))
    if [ "$running" -ge "$FUZZ_JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
for name in "${names[@]}"; do
    if [ -f "$T_TMP/$name.res" ]; then
        cat "$T_TMP/$name.res"
        grep -q '^FAIL' "$T_TMP/$name.res" && T_FAILS=$((T_FAILS + 1))
    else
        t_fail "fuzz:$name" "no result (runner died)"
    fi
done
t_exit

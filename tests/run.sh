#!/bin/bash
# run.sh - the `make check` driver: runs every test suite and totals them.
#
# Suites, in order: each unit-test binary $UNIT_DIR/test_* (default
# build/tests/unit; whichever are built),
# then tests/golden.sh (byte-for-byte flows output of the fixtures),
# tests/oracle.py (per-flow TLS/DNS facts against tshark) and
# tests/badinput.sh (hostile and broken inputs).  Every suite prints
# "PASS name", "FAIL name: why" or "SKIP name: why" lines; they are echoed
# and counted.  A suite that exits non-zero without printing any FAIL line
# (a crash, a missing interpreter) is itself counted as one failure.
#
# The last line is exactly "N passed, N failed"; when something was skipped a
# line "N skipped (...)" comes just before it.  Exit status is non-zero when anything failed or
# when no test ran at all.
#
# Environment: MEETAUDIT = binary under test (default ./meetaudit, relative
# to the repository root); UNIT_DIR = where the unit-test binaries are;
# TZ is forced to UTC.
#
# Usage: tests/run.sh [SUITE...]   SUITE = unit, golden, oracle, badinput, rules, live,
#                                   regress, sqlcheck, synth, audit, extract,
#                                   sign, report, chromium, fuzz, mutate, flood,
#                                   crashsafe

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
export TZ=UTC LC_ALL=C
MEETAUDIT=${MEETAUDIT:-./meetaudit}
case $MEETAUDIT in
    /*) ;;
    */*) MEETAUDIT=$ROOT/$MEETAUDIT ;;
esac
export MEETAUDIT

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

npass=0 nfail=0 nskip=0

# run_suite NAME CMD...: run one suite, echo and count its result lines.
run_suite() {
    local name=$1 out rc nf_before=$nfail line
    shift
    echo "== $name"
    out=$(mktemp "${TMPDIR:-/tmp}/meetaudit-run.XXXXXX")
    "$@" >"$out" 2>&1
    rc=$?
    while IFS= read -r line || [ -n "$line" ]; do
        printf '%s\n' "$line"
        case $line in
            "PASS "*) npass=$((npass + 1)) ;;
            "FAIL "*) nfail=$((nfail + 1)) ;;
            "SKIP "*) nskip=$((nskip + 1)) ;;
        esac
    done <"$out"
    rm -f "$out"
    if [ "$rc" -ne 0 ] && [ "$nfail" -eq "$nf_before" ]; then
        echo "FAIL $name: exited with status $rc without reporting a failure"
        nfail=$((nfail + 1))
    fi
}

want() {
    [ ${#SUITES[@]} -eq 0 ] && return 0
    local s
    for s in "${SUITES[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
SUITES=("$@")

if want unit; then
    found=0
    for t in "${UNIT_DIR:-build/tests/unit}"/test_*; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        found=1
        run_suite "unit/${t##*/}" timeout -k 5 300 "$t"
    done
    [ "$found" -eq 1 ] || { echo "SKIP unit: no unit-test binaries in ${UNIT_DIR:-build/tests/unit}/"; nskip=$((nskip + 1)); }
fi
want golden   && run_suite golden   bash tests/golden.sh
want oracle   && run_suite oracle   "$PY" tests/oracle.py
want badinput && run_suite badinput bash tests/badinput.sh
want rules    && run_suite rules    bash tests/rules.sh
want live     && run_suite live     bash tests/live.sh
want fuzz      && run_suite fuzz      env FUZZ_SECONDS="${FUZZ_SECONDS:-20}" FUZZ_JOBS="${FUZZ_JOBS:-2}" bash tests/fuzz/run.sh
want mutate    && run_suite mutate    bash tests/mutate.sh
want flood     && run_suite flood     bash tests/flood.sh
want crashsafe && run_suite crashsafe bash tests/crashsafe.sh
want regress  && run_suite regress  bash tests/regress.sh
want sqlcheck && run_suite sqlcheck bash tests/sqlcheck.sh
want synth    && run_suite synth    bash tests/synth.sh
want audit    && run_suite audit    bash tests/audit.sh
want extract  && run_suite extract  bash tests/extract.sh
want sign     && run_suite sign     bash tests/sign.sh
want report   && run_suite report   bash tests/report.sh
want chromium && run_suite chromium bash tests/chromium.sh

[ "$nskip" -gt 0 ] && echo "$nskip skipped (each SKIP line above says why)"
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ] && [ $((npass + nfail)) -gt 0 ]

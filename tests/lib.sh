# lib.sh - shell helpers shared by tests/*.sh (sourced, never run).
#
# Every suite prints one line per check: "PASS name", "FAIL name: why" or
# "SKIP name: why"; tests/run.sh counts those lines.  Anything else a suite
# prints (diffs, stderr excerpts) is indented so that it can never be
# mistaken for a result line.
#
# After sourcing:
#   T_ROOT   repository root (absolute); the suite has cd'ed there
#   T_BIN    absolute path of the meetaudit binary ($MEETAUDIT, default
#            ./meetaudit)
#   T_TMP    a private temporary directory, removed on exit
#   T_FAILS  number of FAIL lines this suite printed so far

T_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$T_ROOT" || exit 2
export TZ=UTC LC_ALL=C
# Golden outputs must not depend on whether `make data` ran: the optional
# enrichment data (ASN, country, Ghostery) is switched off for the suites
# that compare bytes; tests/unit/test_attrib.c covers it when present.
export MEETAUDIT_DATA=/nonexistent/meetaudit-data

T_BIN=${MEETAUDIT:-./meetaudit}
case $T_BIN in
    /*) ;;
    */*) T_BIN=$T_ROOT/$T_BIN ;;
    *) T_BIN=$(command -v "$T_BIN" 2>/dev/null || echo "$T_ROOT/$T_BIN") ;;
esac

T_FAILS=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/meetaudit-test.XXXXXX") || exit 2
trap 'rm -rf "$T_TMP"' EXIT

# t_pass NAME / t_fail NAME WHY / t_skip NAME WHY: print one result line.
t_pass() { printf 'PASS %s\n' "$1"; }
t_fail() { printf 'FAIL %s: %s\n' "$1" "$2"; T_FAILS=$((T_FAILS + 1)); }
t_skip() { printf 'SKIP %s: %s\n' "$1" "$2"; }

# t_indent [N]: copy stdin to stdout indented by four spaces, at most N
# lines (default 40), saying how many were cut.
t_indent() {
    awk -v max="${1:-40}" '
        NR <= max { print "    " $0 }
        END { if (NR > max) printf "    ... (%d more lines)\n", NR - max }'
}

# t_require_bin SUITE: print a FAIL and exit 1 when the binary is missing.
t_require_bin() {
    if [ ! -x "$T_BIN" ]; then
        t_fail "$1" "meetaudit binary $T_BIN not found or not executable (build with make, or set MEETAUDIT)"
        exit 1
    fi
}

# t_sanitizer_report FILE: succeed (and print the offending lines) when FILE
# holds AddressSanitizer / UndefinedBehaviorSanitizer / LeakSanitizer output.
t_sanitizer_report() {
    grep -E 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)' "$1" 2>/dev/null
}

# t_run OUT ERR CMD...: run CMD with stdout to OUT and stderr to ERR, at most
# 60 s; sets T_RC to its exit status (124 = timeout, >128 = signal).
t_run() {
    local out=$1 err=$2
    shift 2
    timeout -k 5 60 "$@" >"$out" 2>"$err"
    T_RC=$?
}

# t_crashed NAME ERR: FAIL NAME and succeed when the last t_run timed out,
# died of a signal or printed sanitizer output.
t_crashed() {
    if [ "$T_RC" -eq 124 ] || [ "$T_RC" -eq 137 ]; then
        t_fail "$1" "timed out after 60 s"
        return 0
    fi
    if [ "$T_RC" -gt 128 ]; then
        t_fail "$1" "killed by signal $((T_RC - 128))"
        t_indent 20 <"$2"
        return 0
    fi
    if t_sanitizer_report "$2" >/dev/null; then
        t_fail "$1" "sanitizer report on stderr"
        t_indent 40 <"$2"
        return 0
    fi
    return 1
}

# t_sql DB SQL: run one query with the sqlite3 CLI, read-only.
t_sql() { sqlite3 -readonly -batch -noheader "$1" "$2" 2>&1; }

# t_exit T_FAILS-based status for the end of a suite.
t_exit() { [ "$T_FAILS" -eq 0 ]; exit $?; }

#!/bin/bash
# regress.sh - replay every input in tests/regress/ that once crashed a
# fuzzing harness (or meetaudit), so the bug stays fixed.
#
# File names are <harness>-<short-name>: <harness> is a harness of
# tests/fuzz/ (pipeline, tls, dns, http, pcap, quic, dtls, entities) and the
# file is an input in that harness's format.  Each file is:
#   - run once through $FUZZ_BUILD/fuzz_<harness> (built by
#     tests/fuzz/build.sh with clang, ASan + UBSan), which must exit 0 with
#     no sanitizer report;
#   - for pcap-* (a capture file) and pipeline-* (converted to a pcapng file by
#     tests/fuzz/topcap.py), also analysed by $MEETAUDIT into a fresh
#     database: exit 0 or 1, no signal, no sanitizer report, within 60 s,
#     and PRAGMA integrity_check ok.  Under `make asan` this is the
#     sanitizer build of the real binary.
# Prints "PASS regress:<file>:<how>", "FAIL ...: why" or "SKIP ...: why"
# (harness not buildable here: no clang, or its module is not written yet).
#
# Environment: MEETAUDIT (binary), FUZZ_BUILD (default: <build>-libfuzzer
# beside the UNIT_DIR build tree, else build-libfuzzer),
# REGRESS_NO_BUILD=1 to use already-built harnesses as they are.

. "$(dirname "$0")/lib.sh"
t_require_bin regress

# Default: beside the build tree of the run (UNIT_DIR=build-x/tests/unit
# -> build-x-libfuzzer), so helpers testing their own trees do not share it.
if [ -z "${FUZZ_BUILD:-}" ]; then
    case ${UNIT_DIR:-} in
        */tests/unit) FUZZ_BUILD=${UNIT_DIR%/tests/unit}-libfuzzer ;;
        *) FUZZ_BUILD=build-libfuzzer ;;
    esac
fi
case $FUZZ_BUILD in /*) ;; *) FUZZ_BUILD=$T_ROOT/$FUZZ_BUILD ;; esac

shopt -s nullglob
files=(tests/regress/*)
if [ ${#files[@]} -eq 0 ]; then
    t_skip regress "no inputs in tests/regress/"
    exit 0
fi

have_fuzz=1
if [ "${REGRESS_NO_BUILD:-0}" != 1 ]; then
    FUZZ_BUILD=$FUZZ_BUILD bash tests/fuzz/build.sh >"$T_TMP/build.log" 2>&1
    case $? in
        0) ;;
        77) have_fuzz=0; why=$(tail -n 1 "$T_TMP/build.log") ;;
        *) t_fail regress:build "tests/fuzz/build.sh failed"
           t_indent 30 <"$T_TMP/build.log"
           have_fuzz=0; why="harness build failed" ;;
    esac
fi

# analyse NAME CAPTURE [ARGS...]: the real binary on a capture.
analyse() {
    local name=$1 cap=$2 db=$T_TMP/r.db ic
    shift 2
    rm -f "$db" "$db-wal" "$db-shm"
    t_run "$T_TMP/a.out" "$T_TMP/a.err" "$T_BIN" analyze -q -o "$db" "$@" "$cap"
    t_crashed "$name" "$T_TMP/a.err" && return
    if [ "$T_RC" -ne 0 ] && [ "$T_RC" -ne 1 ]; then
        t_fail "$name" "exit status $T_RC (want 0 or 1)"
        t_indent 10 <"$T_TMP/a.err"
        return
    fi
    if [ -f "$db" ]; then
        ic=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$db" 2>&1)
        if [ "$ic" != ok ]; then
            t_fail "$name" "integrity_check: $ic"
            return
        fi
    fi
    t_pass "$name (exit $T_RC)"
}

for f in "${files[@]}"; do
    base=${f##*/}
    harness=${base%%-*}
    case $base in *.md|*.txt|README*) continue ;; esac
    bin=$FUZZ_BUILD/fuzz_$harness
    if [ ! -f tests/fuzz/fuzz_$harness.c ]; then
        t_fail "regress:$base" "no harness tests/fuzz/fuzz_$harness.c for this name"
        continue
    fi
    if [ "$have_fuzz" -eq 0 ]; then
        t_skip "regress:$base:harness" "$why"
    elif [ ! -x "$bin" ]; then
        req=$(sed -n 's/.*fuzz-requires: *//p' tests/fuzz/fuzz_$harness.c | head -1)
        t_skip "regress:$base:harness" "fuzz_$harness not built (needs ${req:-a build})"
    else
        t_run "$T_TMP/h.out" "$T_TMP/h.err" "$bin" -runs=1 "$f"
        if ! t_crashed "regress:$base:harness" "$T_TMP/h.err"; then
            if [ "$T_RC" -eq 0 ]; then
                t_pass "regress:$base:harness"
            else
                t_fail "regress:$base:harness" "exit status $T_RC"
                grep -E '^ *#[0-9]+ |ERROR|runtime error|SUMMARY' "$T_TMP/h.err" | t_indent 20
            fi
        fi
    fi
    case $harness in
        pcap) analyse "regress:$base:analyze" "$f" ;;
        pipeline)
            if maxf=$(python3 tests/fuzz/topcap.py "$f" "$T_TMP/p.pcapng"); then
                analyse "regress:$base:analyze" "$T_TMP/p.pcapng" --max-flows "$maxf"
                # The nDPI 4.2 DTLS guard says what it kept from nDPI.
                if [ "$base" = pipeline-ndpi42-dtls-cert-null-tcp ]; then
                    if grep -q "p.pcapng: warning: 1 DTLS datagram(s) carrying a certificate were not given to nDPI" "$T_TMP/a.err"; then
                        t_pass "regress:$base:analyze-warns"
                    else
                        t_fail "regress:$base:analyze-warns" "no warning on stderr"
                        t_indent 10 <"$T_TMP/a.err"
                    fi
                fi
            else
                t_fail "regress:$base:analyze" "topcap.py could not convert it"
            fi ;;
    esac
done
t_exit

#!/bin/bash
# corpus.sh - the `make check-corpus` driver: meetaudit over the shared corpus.
#
# If ../shared/pcaps/corpus exists (relative to the repository root; override
# with CORPUS=DIR), every capture in it is analysed into its own database
# under `timeout 60`, recording per file the exit status, the time taken and
# whether it crashed (signal), timed out or printed sanitizer output.  Then
# tests/oracle.py --corpus compares the per-flow facts with tshark and prints
# the agreement rate per field.  Without the corpus it prints a SKIP line.
#
# Output: a summary, the list of crashes/timeouts/sanitizer reports and
# inputs that failed, the oracle's agreement rates; details in build/corpus/
# (status.tsv: file, exit status, seconds, verdict; FILE.err: stderr of
# every run that was not clean; oracle-disagreements.txt).
# Exit status 1 when anything crashed, timed out or tripped a sanitizer
# (failed inputs, exit 1, and oracle disagreements are reported, not fatal).

. "$(dirname "$0")/lib.sh"

CORPUS=${CORPUS:-$T_ROOT/../shared/pcaps/corpus}
if [ ! -d "$CORPUS" ]; then
    t_skip corpus "no corpus directory at $CORPUS"
    exit 0
fi
t_require_bin corpus
CORPUS=$(cd "$CORPUS" && pwd)
OUT=$T_ROOT/build/corpus
rm -rf "$OUT"
mkdir -p "$OUT"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

n=0 ok=0 failed=0 bad=0
: >"$OUT/status.tsv"
shopt -s nullglob
for f in "$CORPUS"/*.pcap "$CORPUS"/*.pcapng "$CORPUS"/*.cap; do
    n=$((n + 1))
    name=${f##*/}
    db=$T_TMP/corpus.db
    rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
    start=$EPOCHREALTIME
    t_run "$T_TMP/out" "$T_TMP/err" "$T_BIN" analyze -q -o "$db" "$f"
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    verdict=ok
    if [ "$T_RC" -eq 124 ] || [ "$T_RC" -eq 137 ]; then
        verdict=TIMEOUT
    elif [ "$T_RC" -gt 128 ]; then
        verdict="SIGNAL-$((T_RC - 128))"
    elif t_sanitizer_report "$T_TMP/err" >/dev/null; then
        verdict=SANITIZER
    elif [ "$T_RC" -ne 0 ]; then
        verdict=failed
    fi
    # A database that analyze left behind must still be sound and readable.
    if [ "$verdict" = ok ] || [ "$verdict" = failed ]; then
        if [ -f "$db" ]; then
            ic=$(t_sql "$db" "PRAGMA integrity_check;")
            if [ "$ic" != ok ]; then
                verdict=DB-CORRUPT
                echo "integrity_check: $ic" >>"$T_TMP/err"
            elif ! timeout 60 "$T_BIN" flows --json "$db" >/dev/null 2>>"$T_TMP/err"; then
                verdict=FLOWS-FAILED
            fi
        fi
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$T_RC" "$secs" "$verdict" >>"$OUT/status.tsv"
    case $verdict in
        ok) ok=$((ok + 1)) ;;
        failed) failed=$((failed + 1)); cp "$T_TMP/err" "$OUT/$name.err" ;;
        *) bad=$((bad + 1)); cp "$T_TMP/err" "$OUT/$name.err" ;;
    esac
    [ "$verdict" = ok ] && [ -s "$T_TMP/err" ] && cp "$T_TMP/err" "$OUT/$name.err"
done

echo "corpus: $n captures in $CORPUS"
echo "analyze: $ok ok, $failed failed (exit 1), $bad crashed/timed out/sanitizer/corrupt"
if [ "$failed" -gt 0 ]; then
    echo "failed inputs (first stderr line):"
    awk -F'\t' '$4 == "failed" { print $1 }' "$OUT/status.tsv" | while read -r name; do
        printf '    %s: %s\n' "$name" "$(head -n 1 "$OUT/$name.err")"
    done
fi
if [ "$bad" -gt 0 ]; then
    echo "CRASHES, TIMEOUTS, SANITIZER REPORTS:"
    awk -F'\t' '$4 != "ok" && $4 != "failed" { printf "    %s: %s (exit %s)\n", $1, $4, $2 }' "$OUT/status.tsv"
fi
echo "slowest:"
sort -t"$(printf '\t')" -k3,3 -rn "$OUT/status.tsv" | head -n 5 | awk -F'\t' '{ printf "    %s %ss\n", $1, $3 }'

echo "oracle (tshark agreement per field):"
"$PY" tests/oracle.py --corpus "$CORPUS" --out "$OUT/oracle-disagreements.txt" | sed 's/^/    /'

if [ "$bad" -gt 0 ]; then
    t_fail corpus "$bad captures crashed, timed out, tripped a sanitizer or left a corrupt database"
    exit 1
fi
t_pass "corpus ($n captures, none crashed)"
exit 0

#!/bin/bash
# corpus.sh - the `make check-corpus` driver: meetaudit over the shared corpus.
#
# If ../shared/pcaps/corpus exists (relative to the repository root; override
# with CORPUS=DIR), every capture in it (names ending .pcap, .pcapng, .cap,
# .pcap.gz, .pcapng.gz: the set tests/oracle.py --corpus reads; other files
# are counted and ignored) is analysed into its own database under a per-file
# timeout (CORPUS_TIMEOUT seconds, default 60; the oracle runs CORPUS_JOBS
# captures at a time, default one per CPU).  Per file we record the exit
# status, the time taken and a verdict:
#
#   ok            exit 0 and a sound database that `flows --json` can read
#   failed        exit 1 (an input meetaudit refused: reported, not fatal)
#   TIMEOUT       still running after CORPUS_TIMEOUT seconds
#   SIGNAL-n      killed by signal n (a crash)
#   SANITIZER     ASan/UBSan/LSan output on stderr
#   DB-CORRUPT    PRAGMA integrity_check of the database is not "ok"
#   FLOWS-FAILED  `flows --json` on the database failed or timed out
#
# Then tests/oracle.py --corpus analyses every capture again and compares the
# per-flow facts with tshark; its "check: agree/total (pct%)" lines become
# "check: agree/total agree (pct%)", one per oracle check (match, schema,
# frames, tls.sni, tls.ja3, tls.ja3s, tls.version, quic.sni, dns.query,
# dns.answers).  Disagreements are reported, never fatal: the corpus holds
# odd captures on purpose.  Without the corpus it prints a SKIP line.
#
# Output: a summary, the failed inputs, the list of crashes/timeouts, the
# slowest files and the agreement rates; details in $CORPUS_OUT (default
# $BUILD/corpus, BUILD defaulting to build): status.tsv (file, exit status,
# seconds, verdict), FILE.err (stderr of every run that printed anything),
# oracle.txt (the oracle's own output) and oracle-disagreements.txt.
#
# The oracle's own analyze runs are checked too: a timeout, signal or
# sanitizer report there is listed and counted like one here; captures
# tshark cannot read are listed (they are not compared).
#
# Exit status 1 only when a capture crashed, timed out, tripped a sanitizer,
# left a corrupt/unreadable database, or the oracle itself could not run to
# the end (then there would be no agreement report); 0 otherwise.

. "$(dirname "$0")/lib.sh"

CORPUS=${CORPUS:-$T_ROOT/../shared/pcaps/corpus}
TMO=${CORPUS_TIMEOUT:-60}
if [ ! -d "$CORPUS" ]; then
    t_skip corpus "no corpus directory at $CORPUS"
    exit 0
fi
t_require_bin corpus
CORPUS=$(cd "$CORPUS" && pwd)
OUT=${CORPUS_OUT:-$T_ROOT/${BUILD:-build}/corpus}
rm -rf "$OUT"
mkdir -p "$OUT" || exit 2
OUT=$(cd "$OUT" && pwd)
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

n=0 ok=0 failed=0 bad=0 ignored=0
: >"$OUT/status.tsv"
for f in "$CORPUS"/*; do
    [ -f "$f" ] || continue
    case $f in
        *.pcap | *.pcapng | *.cap | *.pcap.gz | *.pcapng.gz) ;;
        *) ignored=$((ignored + 1)); continue ;;
    esac
    n=$((n + 1))
    name=${f##*/}
    db=$T_TMP/corpus.db
    rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
    start=$EPOCHREALTIME
    timeout -k 5 "$TMO" "$T_BIN" analyze -q -o "$db" "$f" >"$T_TMP/out" 2>"$T_TMP/err"
    rc=$?
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    verdict=ok
    if [ "$rc" -eq 124 ]; then
        verdict=TIMEOUT
    elif [ "$rc" -eq 137 ] && awk -v s="$secs" -v t="$TMO" 'BEGIN { exit !(s >= t) }'; then
        verdict=TIMEOUT # ignored TERM, killed 5 s later
    elif [ "$rc" -gt 128 ]; then
        verdict="SIGNAL-$((rc - 128))"
    elif t_sanitizer_report "$T_TMP/err" >/dev/null; then
        verdict=SANITIZER
    elif [ "$rc" -ne 0 ]; then
        verdict=failed
    fi
    # A database that analyze left behind must still be sound and readable.
    if { [ "$verdict" = ok ] || [ "$verdict" = failed ]; } && [ -f "$db" ]; then
        ic=$(t_sql "$db" "PRAGMA integrity_check;")
        if [ "$ic" != ok ]; then
            verdict=DB-CORRUPT
            echo "integrity_check: $ic" >>"$T_TMP/err"
        elif ! timeout -k 5 "$TMO" "$T_BIN" flows --json "$db" >/dev/null 2>>"$T_TMP/err"; then
            verdict=FLOWS-FAILED
        elif t_sanitizer_report "$T_TMP/err" >/dev/null; then
            verdict=SANITIZER
        fi
    fi
    printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$secs" "$verdict" >>"$OUT/status.tsv"
    case $verdict in
        ok) ok=$((ok + 1)) ;;
        failed) failed=$((failed + 1)) ;;
        *) bad=$((bad + 1)) ;;
    esac
    [ -s "$T_TMP/err" ] && cp "$T_TMP/err" "$OUT/$name.err"
done
rm -f "$T_TMP/corpus.db" "$T_TMP/corpus.db-wal" "$T_TMP/corpus.db-shm"

echo "corpus: $n captures in $CORPUS ($ignored other files ignored), timeout ${TMO}s per file"
echo "analyze: $ok ok, $failed failed (exit 1), $bad crashed/timed out/sanitizer/corrupt"
if [ "$failed" -gt 0 ]; then
    echo "failed inputs (first stderr line):"
    awk -F'\t' '$4 == "failed" { print $1 }' "$OUT/status.tsv" | while IFS= read -r name; do
        printf '    %s: %s\n' "$name" "$(head -n 1 "$OUT/$name.err" 2>/dev/null)"
    done
fi
if [ "$bad" -gt 0 ]; then
    echo "CRASHES, TIMEOUTS, SANITIZER REPORTS, BAD DATABASES:"
    awk -F'\t' '$4 != "ok" && $4 != "failed" { printf "    %s: %s (exit %s, %ss)\n", $1, $4, $2, $3 }' "$OUT/status.tsv"
else
    echo "crashed or timed out: none"
fi
echo "slowest:"
sort -t"$(printf '\t')" -k3,3 -rn "$OUT/status.tsv" | head -n 5 | awk -F'\t' '{ printf "    %s %ss\n", $1, $3 }'

# The oracle: its corpus mode analyses every capture again (with its own 60 s
# limit per analyze and 300 s per tshark run) and always exits 0 unless it
# broke itself.
oracle_ok=1
if ! command -v tshark >/dev/null 2>&1; then
    t_skip corpus-oracle "tshark is not installed: no agreement rates"
else
    echo "oracle (tshark agreement per check, over every capture tshark reads):"
    "$PY" tests/oracle.py --bin "$T_BIN" --corpus "$CORPUS" \
        ${CORPUS_JOBS:+--jobs "$CORPUS_JOBS"} \
        --out "$OUT/oracle-disagreements.txt" >"$OUT/oracle.txt" 2>&1
    orc=$?
    # "check: agree/total (pct%)" -> "check: agree/total agree (pct%)"
    sed -E 's#^([a-z0-9_.]+): ([0-9]+)/([0-9]+) \(#\1: \2/\3 agree (#; s/^/    /' "$OUT/oracle.txt"
    nrates=$(grep -cE '^[a-z0-9_.]+: [0-9]+/[0-9]+ \(' "$OUT/oracle.txt")
    if [ "$orc" -ne 0 ] || [ "$nrates" -eq 0 ]; then
        oracle_ok=0
        t_fail corpus-oracle "tests/oracle.py exited with status $orc after printing $nrates agreement lines (see $OUT/oracle.txt)"
    fi
    # The oracle analyses every capture again: a crash or timeout there
    # counts like one here.  Captures tshark itself cannot read are listed.
    dis=$OUT/oracle-disagreements.txt
    grep -E '^[^ ]+ analyze: (analyze timed out|analyze killed by signal|sanitizer report)' "$dis" 2>/dev/null >"$T_TMP/obad"
    if [ -s "$T_TMP/obad" ]; then
        echo "CRASHES/TIMEOUTS in the oracle's own analyze runs:"
        sed 's/^/    /' "$T_TMP/obad"
        bad=$((bad + $(wc -l <"$T_TMP/obad")))
    fi
    ntshark=$(grep -cE '^[^ ]+ tshark: ' "$dis" 2>/dev/null)
    if [ "${ntshark:-0}" -gt 0 ]; then
        echo "captures tshark could not read (not compared): $ntshark"
        grep -E '^[^ ]+ tshark: ' "$dis" | cut -c1-160 | sed 's/^/    /'
    fi
fi

if [ "$bad" -gt 0 ]; then
    t_fail corpus "$bad runs over $n captures crashed, timed out, tripped a sanitizer or left a bad database"
    exit 1
fi
[ "$oracle_ok" -eq 1 ] || exit 1
t_pass "corpus ($n captures, none crashed or timed out)"
exit 0

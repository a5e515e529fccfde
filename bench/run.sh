#!/usr/bin/env bash
# run.sh - the benchmark of issue #9: meetaudit analyze against ndpiReader
# (same nDPI 4.2) and a bare libpcap read loop, on captures built from the
# fixtures (bench/build-captures.sh).  Run by `make bench`.
#
# Usage: bench/run.sh [big] [scale] [short] [media]      (default: all four)
#   big    big.pcap (about 1 M packets, 45,000 flows): rawloop, ndpiReader
#          -q, meetaudit analyze; median wall time, packets/s, peak RSS, and
#          the ratios meetaudit/ndpiReader and meetaudit/raw.
#   scale  meetaudit on big.pcap and big4.pcap (4x the packets over 4x the
#          time): time should grow linearly, peak RSS stay flat.
#   short  1 M one-packet flows (flow table and SQLite inserts).
#   media  a few long media flows (the per-packet cost once classified).
#
# Environment:
#   MEETAUDIT    binary to measure (default ./meetaudit)
#   RAWLOOP      the read-loop program (default build/bench/rawloop)
#   NDPIREADER   default ndpiReader
#   BENCH_RUNS   runs of each program per benchmark (default 5); runs are
#                alternated (raw, ndpiReader, meetaudit, raw, ...) so that a
#                burst of load on the machine hits every program alike
#   BENCH_DB     evidence database (default /tmp/meetaudit-bench-$USER.db;
#                removed before every run)
#   BENCH_NICE   prefix for every measured command (e.g. "nice -n 10"); empty
#                by default
#   BENCH_CACHE  where the captures are cached (default bench/cache)
#   BENCH_RULES  rules directory given to meetaudit (default rules/)
#   BENCH_COMPARE  a second meetaudit binary (e.g. the last release, or a
#                build without a change) measured alternately with the
#                others in big/short/media, shown as "meetaudit (compare)"
#
# Times are wall-clock medians from /usr/bin/time -v (1/100 s resolution);
# CPU (user + sys) medians are shown beside them because they suffer less
# from other load on the machine.  Peak RSS is "Maximum resident set size".
# The wall ratio meetaudit/ndpiReader is given twice: the ratio of the two
# medians and the median of the per-round ratios (each meetaudit run over
# the ndpiReader run just before it); the target is met only when both are.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MEETAUDIT=${MEETAUDIT:-./meetaudit}
RAWLOOP=${RAWLOOP:-build/bench/rawloop}
NDPIREADER=${NDPIREADER:-ndpiReader}
RUNS=${BENCH_RUNS:-5}
DB=${BENCH_DB:-/tmp/meetaudit-bench-${USER:-$(id -u)}.db}
NICE=${BENCH_NICE:-}
COMPARE=${BENCH_COMPARE:-}
export BENCH_CACHE=${BENCH_CACHE:-$ROOT/bench/cache}
CACHE=$BENCH_CACHE
TIME=/usr/bin/time
RULES=${BENCH_RULES:-$ROOT/rules}   # so that a copied binary finds them too

for x in "$MEETAUDIT" "$RAWLOOP" ${COMPARE:+"$COMPARE"}; do
    if [ ! -x "$x" ]; then
        echo "bench: $x not built (make bench builds it)" >&2
        exit 1
    fi
done
if ! command -v "$NDPIREADER" >/dev/null 2>&1; then
    echo "bench: $NDPIREADER not found (apt-get install libndpi-bin)" >&2
    exit 1
fi
if [ ! -x $TIME ]; then
    echo "bench: $TIME not found (apt-get install time)" >&2
    exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; rm -f "$DB" "$DB-wal" "$DB-shm"' EXIT

# measure TAG CMD...: run CMD once under /usr/bin/time -v, append
# "wall cpu rss_kb" to $TMP/TAG; stop the benchmark if CMD fails.
measure() {
    local tag=$1
    shift
    rm -f "$DB" "$DB-wal" "$DB-shm"
    if ! $TIME -v -o "$TMP/time.txt" $NICE "$@" >"$TMP/out.txt" 2>"$TMP/err.txt"; then
        echo "bench: failed: $*" >&2
        tail -5 "$TMP/err.txt" "$TMP/time.txt" >&2
        exit 1
    fi
    awk -F': ' '
        /Elapsed \(wall clock\)/ {
            n = split($2, p, ":"); w = 0
            for (i = 1; i <= n; i++) w = w * 60 + p[i]
        }
        /User time/ { u = $2 }
        /System time/ { s = $2 }
        /Maximum resident set size/ { r = $2 }
        END { printf "%.2f %.2f %d\n", w, u + s, r }' "$TMP/time.txt" >>"$TMP/$tag"
}

# median TAG COLUMN: the median of column COLUMN (1 wall, 2 cpu, 3 rss).
median() {
    awk -v c="$2" '{ print $c }' "$TMP/$1" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                   else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

packets() {
    capinfos -c -M "$1" | awk -F': *' '/Number of packets/ { print $2 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# paired A B COLUMN: the ratios A/B of the runs made in the same round (line
# i of $TMP/A over line i of $TMP/B, column COLUMN), as "median min max".
# Runs of one round are seconds apart, so a drift of the machine's speed
# over the benchmark (it happens on shared VMs) cancels out of each ratio;
# the ratio of the two medians can pair a fast run with a slow one.
paired() {
    paste -d' ' "$TMP/$1" "$TMP/$2" |
        awk -v c="$3" -v n=3 '{ b = $(c + n); if (b > 0) print $c / b }' | sort -g |
        awk '{ v[NR] = $1 }
             END { if (NR == 0) { print "n/a n/a n/a"; exit }
                   m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                   printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}

# row TAG LABEL PACKETS: one line of the table.
row() {
    local w c r
    w=$(median "$1" 1); c=$(median "$1" 2); r=$(median "$1" 3)
    printf "  %-22s %8.2f s %8.2f s %12.0f %9.1f MB\n" "$2" "$w" "$c" \
        "$(awk -v p="$3" -v w="$w" 'BEGIN { print (w > 0 ? p / w : 0) }')" \
        "$(awk -v r="$r" 'BEGIN { print r / 1024 }')"
}

header() {
    echo
    echo "== $1"
    printf "  %-22s %10s %10s %12s %12s\n" program "wall" "cpu" "packets/s" "peak RSS"
}

# check LABEL VALUE LIMIT: "met" when VALUE <= LIMIT.
check() {
    local v=$2 l=$3
    if awk -v v="$v" -v l="$l" 'BEGIN { exit !(v <= l) }'; then
        printf "  target %-40s %6s <= %-5s met\n" "$1" "$v" "$l"
    else
        printf "  target %-40s %6s <= %-5s NOT met\n" "$1" "$v" "$l"
    fi
}

# three_way NAME FILE: rawloop, ndpiReader, meetaudit alternated.
three_way() {
    local name=$1 f=$2 n i
    n=$(packets "$f")
    : >"$TMP/$name.raw"; : >"$TMP/$name.ndpi"; : >"$TMP/$name.ma"; : >"$TMP/$name.cmp"
    for ((i = 1; i <= RUNS; i++)); do
        measure "$name.raw" "$RAWLOOP" "$f"
        measure "$name.ndpi" "$NDPIREADER" -i "$f" -q
        measure "$name.ma" "$MEETAUDIT" analyze -q --rules "$RULES" -o "$DB" "$f"
        if [ -n "$COMPARE" ]; then
            measure "$name.cmp" "$COMPARE" analyze -q --rules "$RULES" -o "$DB" "$f"
        fi
        echo "bench: $name run $i/$RUNS done" >&2
    done
    header "$name: $(basename "$f"), $n packets, median of $RUNS runs"
    row "$name.raw" "rawloop (libpcap)" "$n"
    row "$name.ndpi" "ndpiReader -q" "$n"
    row "$name.ma" "meetaudit analyze" "$n"
    [ -n "$COMPARE" ] && row "$name.cmp" "meetaudit (compare)" "$n"
    local mw nw rw mr nr
    mw=$(median "$name.ma" 1); nw=$(median "$name.ndpi" 1); rw=$(median "$name.raw" 1)
    mr=$(median "$name.ma" 3); nr=$(median "$name.ndpi" 3)
    echo "  meetaudit/ndpiReader: wall $(ratio "$mw" "$nw"), cpu $(ratio "$(median "$name.ma" 2)" "$(median "$name.ndpi" 2)"), peak RSS $(ratio "$mr" "$nr")"
    local pw
    read -r -a pw <<<"$(paired "$name.ma" "$name.ndpi" 1)"
    echo "  meetaudit/ndpiReader, run by run: wall median ${pw[0]} (${pw[1]}-${pw[2]})"
    echo "  meetaudit/raw:        wall $(ratio "$mw" "$rw")"
    if [ "$name" = big ]; then
        check "wall meetaudit/ndpiReader" "$(ratio "$mw" "$nw")" 0.50
        check "wall meetaudit/ndpiReader, run by run" "${pw[0]}" 0.50
        check "peak RSS meetaudit/ndpiReader" "$(ratio "$mr" "$nr")" 0.50
    fi
}

scale() {
    local f1=$CACHE/big.pcap f4=$CACHE/big4.pcap n1 n4 i
    n1=$(packets "$f1"); n4=$(packets "$f4")
    : >"$TMP/s1"; : >"$TMP/s4"
    for ((i = 1; i <= RUNS; i++)); do
        measure s1 "$MEETAUDIT" analyze -q --rules "$RULES" -o "$DB" "$f1"
        measure s4 "$MEETAUDIT" analyze -q --rules "$RULES" -o "$DB" "$f4"
        echo "bench: scale run $i/$RUNS done" >&2
    done
    header "scale: meetaudit on 1x ($n1 packets) and 4x ($n4 packets), median of $RUNS runs"
    row s1 "meetaudit 1x" "$n1"
    row s4 "meetaudit 4x" "$n4"
    local tw tc tr
    tw=$(ratio "$(median s4 1)" "$(median s1 1)")
    tc=$(ratio "$(median s4 2)" "$(median s1 2)")
    tr=$(ratio "$(median s4 3)" "$(median s1 3)")
    echo "  4x/1x: packets $(ratio "$n4" "$n1"), wall $tw, cpu $tc, peak RSS $tr"
    check "4x wall / 1x wall" "$tw" 4.20
    check "4x peak RSS / 1x peak RSS" "$tr" 1.10
}

what=("$@")
[ ${#what[@]} -eq 0 ] && what=(big scale short media)
for w in "${what[@]}"; do
    case $w in
        big|scale|short|media) ;;
        *) echo "usage: $0 [big] [scale] [short] [media]" >&2; exit 2 ;;
    esac
done

echo "bench: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg);" \
     "$("$NDPIREADER" -h 2>&1 | head -1 | sed 's/^ *//')"
for w in "${what[@]}"; do
    case $w in
        big) bash bench/build-captures.sh big; three_way big "$CACHE/big.pcap" ;;
        scale) bash bench/build-captures.sh big4; scale ;;
        short) bash bench/build-captures.sh short; three_way short "$CACHE/short.pcap" ;;
        media) bash bench/build-captures.sh media; three_way media "$CACHE/media.pcap" ;;
    esac
done
echo "bench: load at the end $(cut -d' ' -f1-3 /proc/loadavg)"

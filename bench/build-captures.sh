#!/usr/bin/env bash
# build-captures.sh - the benchmark captures of issue #9, built from the
# videoconferencing fixtures in pcaps/ with tcprewrite, editcap and mergecap.
#
# Usage: bench/build-captures.sh [big|big4|short|media|all]   (default all)
#
# Every capture is cached in $BENCH_CACHE (default bench/cache/, ignored by
# git) and only rebuilt when missing: delete a file to rebuild it.  Built
# files are written under a temporary name and renamed when complete, so an
# interrupted build never leaves a half capture behind.
#
#   big.pcap    the "call set" (below) copied $BENCH_COPIES times (default
#               367: about 1.0 M packets and 45,000 flows).  Copy k gets its
#               addresses rewritten by `tcprewrite --seed=k` and starts
#               k * 0.1 s after the first, as if 367 calls started within a
#               minute; mergecap merges the copies by time.
#   big4.pcap   4x the packets over 4x the time: big.pcap, then three more
#               segments built the same way with other seeds, each one hour
#               after the previous (past every idle timeout), so the number
#               of concurrent flows stays that of big.pcap.
#   short.pcap  1,000,000 flows of one packet each (tests/flood.py): the
#               flow table and SQLite insert cost.
#   media.pcap  a few long media flows: skype-conference-call.pcap (one RTP
#               flow) and stun_zoom.pcapng (two STUN/media flows) repeated
#               back to back in time 1024 times under each of 4 seeds: about
#               1.1 M packets in 12 flows.
#
# The call set is: zoom.pcap frames 1-700 (its GTP-tunnelled tail, 81
# frames from another year, is left out: tcprewrite does not rewrite
# addresses inside tunnels, so every copy would fall into the same inner
# flows), teams.pcap, google_meet.pcapng, skype-conference-call.pcap twice
# (the second copy with other addresses, one second later) and
# stun_zoom.pcapng: 2,722 packets, 122 flows, every fixture moved to start
# at the same instant.  DNS answers inside the packets keep their original
# addresses (tcprewrite rewrites headers, not payloads).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${BENCH_CACHE:-$ROOT/bench/cache}
COPIES=${BENCH_COPIES:-367}
T0=1700000000            # every copy's time base (2023-11-14T22:13:20Z)
SPACING=0.1              # seconds between the starts of two copies
SEGMENT_GAP=3600         # seconds between the segments of big4.pcap
MEDIA_REPS_LOG2=10       # media: 2^10 repetitions per seed
MEDIA_SEEDS=4

for tool in tcprewrite editcap mergecap capinfos python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-captures: $tool is missing (apt-get install tcpreplay" \
             "wireshark-common python3)" >&2
        exit 1
    fi
done

mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/tmp.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

log() { echo "build-captures: $*" >&2; }

# first_ts FILE: the first packet's time (seconds, with fraction).
first_ts() {
    capinfos -a -T -r -S "$1" | awk -F'\t' 'NR==1 { print $2 }'
}

# retime IN OUT START: OUT is IN (as classic pcap) moved so that its first
# packet is at START seconds.
retime() {
    local in=$1 out=$2 start=$3 t
    t=$(first_ts "$in")
    editcap -F pcap -t "$(awk -v s="$start" -v t="$t" 'BEGIN { printf "%.6f", s - t }')" \
        "$in" "$out"
}

# The call set, once per cache.
call_set() {
    local set=$CACHE/callset.pcap
    [ -s "$set" ] && return 0
    local P=$ROOT/pcaps d=$WORK/set
    mkdir -p "$d"
    editcap -F pcap -r "$P/zoom.pcap" "$d/zoom-all.pcap" 1-700
    retime "$d/zoom-all.pcap" "$d/1.pcap" $T0
    retime "$P/teams.pcap" "$d/2.pcap" $T0
    retime "$P/google_meet.pcapng" "$d/3.pcap" $T0
    retime "$P/skype-conference-call.pcap" "$d/4.pcap" $T0
    retime "$P/stun_zoom.pcapng" "$d/5.pcap" $T0
    tcprewrite --seed=999983 -i "$d/4.pcap" -o "$d/6a.pcap"
    retime "$d/6a.pcap" "$d/6.pcap" $((T0 + 1))
    mergecap -F pcap -w "$WORK/callset.pcap" "$d"/[1-6].pcap
    mv "$WORK/callset.pcap" "$set"
}

# segment SEG OUT: COPIES copies of the call set, seeds SEG*100000+1..,
# starting at T0 + SEG*SEGMENT_GAP.
segment() {
    local seg=$1 out=$2 d=$WORK/seg$1
    mkdir -p "$d"
    log "segment $seg: $COPIES copies"
    local k
    for ((k = 0; k < COPIES; k++)); do
        local seed=$((seg * 100000 + k + 1))
        local start
        start=$(awk -v t=$T0 -v g=$SEGMENT_GAP -v s="$seg" -v k="$k" \
                    -v sp=$SPACING 'BEGIN { printf "%.6f", t + s * g + k * sp }')
        tcprewrite --seed=$seed -i "$CACHE/callset.pcap" -o "$d/r.pcap"
        editcap -t "$(awk -v s="$start" -v t=$T0 'BEGIN { printf "%.6f", s - t }')" \
            "$d/r.pcap" "$d/c$(printf %05d "$k").pcap"
    done
    rm -f "$d/r.pcap"
    mergecap -F pcap -w "$out" "$d"/c*.pcap
    rm -rf "$d"
}

build_big() {
    local out=$CACHE/big.pcap
    [ -s "$out" ] && return 0
    call_set
    segment 0 "$WORK/big.pcap"
    mv "$WORK/big.pcap" "$out"
    log "$out: $(capinfos -c -M "$out" | awk -F': *' '/Number of packets/ { print $2 }') packets"
}

build_big4() {
    local out=$CACHE/big4.pcap
    [ -s "$out" ] && return 0
    build_big
    local s
    for s in 1 2 3; do
        [ -s "$CACHE/seg$s.pcap" ] && continue
        segment $s "$WORK/seg$s.pcap"
        mv "$WORK/seg$s.pcap" "$CACHE/seg$s.pcap"
    done
    mergecap -F pcap -a -w "$WORK/big4.pcap" "$CACHE/big.pcap" \
        "$CACHE/seg1.pcap" "$CACHE/seg2.pcap" "$CACHE/seg3.pcap"
    mv "$WORK/big4.pcap" "$out"
    rm -f "$CACHE"/seg[123].pcap
    log "$out: built"
}

build_short() {
    local out=$CACHE/short.pcap
    [ -s "$out" ] && return 0
    log "short: 1,000,000 one-packet flows (tests/flood.py)"
    python3 "$ROOT/tests/flood.py" 1000000 "$WORK/short.pcap"
    mv "$WORK/short.pcap" "$out"
}

build_media() {
    local out=$CACHE/media.pcap
    [ -s "$out" ] && return 0
    local P=$ROOT/pcaps d=$WORK/media
    mkdir -p "$d"
    retime "$P/skype-conference-call.pcap" "$d/a.pcap" $T0
    retime "$P/stun_zoom.pcapng" "$d/b.pcap" $T0
    mergecap -F pcap -w "$d/r0.pcap" "$d/a.pcap" "$d/b.pcap"
    # Double the repetitions MEDIA_REPS_LOG2 times: r(i+1) = r(i), then r(i)
    # moved 2^i * 2 s later (each repetition lasts under 2 s; the gaps stay
    # far below the 60 s UDP idle timeout, so the flows never end).
    local i shift
    for ((i = 0; i < MEDIA_REPS_LOG2; i++)); do
        shift=$((2 * (1 << i)))
        editcap -t $shift "$d/r$i.pcap" "$d/s.pcap"
        mergecap -F pcap -a -w "$d/r$((i + 1)).pcap" "$d/r$i.pcap" "$d/s.pcap"
        rm -f "$d/r$i.pcap" "$d/s.pcap"
    done
    local s
    for ((s = 1; s <= MEDIA_SEEDS; s++))
    do
        tcprewrite --seed=$((700000 + s)) -i "$d/r$MEDIA_REPS_LOG2.pcap" \
            -o "$d/m$s.pcap"
    done
    mergecap -F pcap -w "$WORK/media.pcap" "$d"/m*.pcap
    mv "$WORK/media.pcap" "$out"
    rm -rf "$d"
}

what=${1:-all}
case $what in
    big) build_big ;;
    big4) build_big4 ;;
    short) build_short ;;
    media) build_media ;;
    all) build_big; build_big4; build_short; build_media ;;
    *) echo "usage: $0 [big|big4|short|media|all]" >&2; exit 2 ;;
esac

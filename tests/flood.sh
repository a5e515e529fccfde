#!/bin/bash
# flood.sh - the flow table stays bounded under a flood of distinct flows.
#
# Generates (tests/flood.py) a capture of FLOOD_FLOWS distinct 5-tuples
# (default 1,000,000; alternating TCP SYNs and small UDP datagrams, all
# within one second, so no flow idles out) and analyses it twice under
# /usr/bin/time -v:
#   default  the default --max-flows (1,000,000): exit 0, every flow stored,
#            evicted = max(0, flows - 1,000,000);
#   capped   --max-flows FLOOD_CAP (default 10,000): exit 0, every flow
#            stored, inputs.evicted = flows - cap (the table never held
#            more than the cap: one early flush per flow beyond it),
#            exactly that many flows with end_reason 'evict'.
# Each run's peak RSS (GNU time's "Maximum resident set size") must be at
# most FLOOD_RSS_BASE_MB + FLOOD_FLOW_BYTES per flow the table may hold;
# the bound is stated in the test name (flood:default:rss<=2489MB).
# Measured on the development machine (Debian 12, nDPI 4.2, gcc -O2):
# 2092 MB peak for 1,000,000 flows held and 39 MB for 10,000, i.e. about
# 2.1 KiB per flow (our flow plus nDPI's flow state) over a ~18 MB base;
# the defaults, 48 MB + 2560 bytes per flow (2489 MB and 72 MB), leave
# about 20 % margin on the large run.
# With a sanitizer build the RSS bounds are not judged (SKIP line) and the
# flood is 200,000 flows unless FLOOD_FLOWS says otherwise (ASan's shadow
# memory would need several GB for a million).
# Needs GNU time (/usr/bin/time, Debian package "time") and python3.
#
# Environment: MEETAUDIT, FLOOD_FLOWS, FLOOD_CAP, FLOOD_RSS_BASE_MB,
# FLOOD_FLOW_BYTES, FLOOD_TIMEOUT (seconds per run, default 900),
# FLOOD_RUNS (which runs, default "default capped").

. "$(dirname "$0")/lib.sh"
t_require_bin flood

sanitized=0
grep -q -a -e __asan_init -e __ubsan_handle "$T_BIN" && sanitized=1
if [ "$sanitized" -eq 1 ]; then N=${FLOOD_FLOWS:-200000}; else N=${FLOOD_FLOWS:-1000000}; fi
CAP=${FLOOD_CAP:-10000}
BASE_MB=${FLOOD_RSS_BASE_MB:-48}
FLOW_BYTES=${FLOOD_FLOW_BYTES:-2560}
TMO=${FLOOD_TIMEOUT:-900}
RUNS=${FLOOD_RUNS:-default capped}
DEFAULT_CAP=1000000

if [ ! -x /usr/bin/time ]; then
    t_skip flood "GNU time is not installed (apt-get install time)"
    exit 0
fi

CAPF=$T_TMP/flood-$N.pcap
if ! python3 tests/flood.py "$N" "$CAPF" 2>"$T_TMP/gen.err"; then
    t_fail flood:generate "tests/flood.py failed: $(head -c 300 "$T_TMP/gen.err")"
    exit 1
fi

q() { python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print("|".join(str(x) for x in r))' "$@" 2>&1; }

# run NAME HELD ARGS...: analyse the flood; HELD = flows the table may hold.
run() {
    local name=$1 held=$2 db=$T_TMP/$1.db rss secs bound
    shift 2
    timeout -k 10 "$TMO" /usr/bin/time -v -o "$T_TMP/$name.time" \
        "$T_BIN" analyze -q -o "$db" "$@" "$CAPF" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err"
    T_RC=$?
    if [ "$T_RC" -eq 124 ] || [ "$T_RC" -eq 137 ]; then
        t_fail "flood:$name" "timed out after $TMO s"
        return 1
    fi
    if [ "$T_RC" -ne 0 ] || t_sanitizer_report "$T_TMP/$name.err" >/dev/null; then
        t_fail "flood:$name" "exit status $T_RC"
        t_indent 20 <"$T_TMP/$name.err"
        return 1
    fi
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$T_TMP/$name.time")
    secs=$(sed -n "s/.*Elapsed (wall clock) time (h:mm:ss or m:ss): *//p" "$T_TMP/$name.time")
    bound=$(( BASE_MB * 1024 + FLOW_BYTES * held / 1024 ))   # KiB
    local got want
    got=$(q "$db" "SELECT i.flows, i.evicted, (SELECT count(*) FROM flows),
                          (SELECT count(*) FROM flows WHERE end_reason='evict'), i.status
                   FROM inputs i")
    local ev=$(( N > held ? N - held : 0 ))
    want="$N|$ev|$N|$ev|complete"
    if [ "$got" = "$want" ]; then
        t_pass "flood:$name:flows ($N flows stored, $ev flushed early and counted in inputs.evicted; $secs wall)"
    else
        t_fail "flood:$name:flows" "inputs.flows|evicted|rows|evict rows|status = $got, want $want"
    fi
    local tn="flood:$name:rss<=$((bound / 1024))MB"
    if [ "$sanitized" -eq 1 ]; then
        t_skip "$tn" "sanitizer build (peak RSS $((rss / 1024)) MB not judged)"
    elif [ -z "$rss" ]; then
        t_fail "$tn" "no RSS figure from /usr/bin/time"
    elif [ "$rss" -le "$bound" ]; then
        t_pass "$tn (peak $((rss / 1024)) MB; $BASE_MB MB + $FLOW_BYTES bytes x $held flows held)"
    else
        t_fail "$tn" "peak RSS $((rss / 1024)) MB > bound $((bound / 1024)) MB ($BASE_MB MB + $FLOW_BYTES bytes x $held flows held)"
    fi
}

case " $RUNS " in *" default "*)
    held=$(( N < DEFAULT_CAP ? N : DEFAULT_CAP ))
    run default "$held" ;;
esac
case " $RUNS " in *" capped "*)
    held=$(( N < CAP ? N : CAP ))
    run capped "$held" --max-flows "$CAP" ;;
esac
t_exit

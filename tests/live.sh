#!/bin/bash
# live.sh - `meetaudit capture` on a veth pair between two network namespaces.
#
# Two namespaces (capture side and replay side) are joined by a veth pair;
# they have no other interface, no IPv4 address, IPv6 off on the veth ends,
# and local routes for the test prefixes, so nothing leaves them.  Fixture
# pcaps are rewritten first: tcprewrite --pnat maps every IPv4 address into
# 198.18.0.0/15 (benchmarking space, RFC 2544) and every IPv6 address into
# 2001:db8::/32 (documentation space, RFC 3849) and sets the MAC addresses to
# the veth ends; frames that would still carry another address (tunnelled
# or ICMP-quoted inner headers, which --pnat does not reach) are removed, and
# the result is checked to hold no address outside the prefixes.  Then:
#
#   original/top speed  tcpreplay on the replay side (top speed also without
#                       immediate mode); the written pcap holds
#                       every replayed frame (count and bytes, in order); the
#                       evidence DB's `flows --json` is byte-identical to
#                       `analyze` of the written file, and has the same flows
#                       (5-tuples, packet counts) and host names as `analyze`
#                       of the rewritten fixture; one log line per
#                       counterparty; audit options and kernel counters stored.
#   privileges          uid/gid (real, effective, saved, fs) of the running
#                       capture are -Z's (default nobody), no capabilities;
#                       -Z root keeps root; an output directory the user
#                       cannot write is refused before capturing.
#   signals / -G        SIGINT mid-replay (with -Z daemon and -G rotation):
#                       integrity_check ok, flows a subset of the full run's,
#                       every file an input with its SHA-256, the DB equals
#                       analyze of the files one by one; a second SIGINT
#                       exits at once (130) and the DB stays consistent.
#   -C / -c / --duration rotation by size named as tcpdump's (FILE, FILE1,
#                       ...), packet count limit, empty captures.
#   guard               a DTLS datagram kept from nDPI 4.2 (its crash
#                       guard) is reported by capture as by analyze.
#   drops               a tiny ring at top speed reports non-zero kernel
#                       drops on stderr and in capture_stats.
#
# Needs root, ip netns, tcpreplay, tcprewrite, tshark, capinfos, sqlite3 and
# python3; each missing piece is a SKIP line with the reason.  Namespaces and
# processes are removed on every exit (trap).
#
# Usage: tests/live.sh   (from tests/run.sh: run_suite live bash tests/live.sh)

. "$(dirname "$0")/lib.sh"

t_require_bin live

for tool in ip tcpreplay tcprewrite tshark capinfos sqlite3 python3 sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        t_skip live "$tool is not installed (scripts/install-deps.sh installs it)"
        exit 0
    fi
done
if [ "$(id -u)" -ne 0 ]; then
    t_skip live "needs root for network namespaces and packet capture (run make check as root)"
    exit 0
fi

NS_CAP=meetaudit-cap-$$
NS_REP=meetaudit-rep-$$
IF_CAP=mcap$$
IF_REP=mrep$$
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$NS_CAP" 2>/dev/null
    ip netns del "$NS_REP" 2>/dev/null
    rm -rf "$T_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if ! ip netns add "$NS_CAP" 2>"$T_TMP/netns.err"; then
    t_skip live "cannot create a network namespace ($(head -c 200 "$T_TMP/netns.err"))"
    exit 0
fi
ns_setup() {
    ip netns add "$NS_REP" &&
    ip link add "$IF_CAP" type veth peer name "$IF_REP" &&
    ip link set "$IF_CAP" netns "$NS_CAP" &&
    ip link set "$IF_REP" netns "$NS_REP" || return 1
    local ns ifc
    for ns in "$NS_CAP" "$NS_REP"; do
        ifc=$IF_CAP
        [ "$ns" = "$NS_REP" ] && ifc=$IF_REP
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" &&
        ip netns exec "$ns" ip link set lo up &&
        ip netns exec "$ns" ip route add local 198.18.0.0/15 dev lo &&
        ip netns exec "$ns" ip -6 route add local 2001:db8::/32 dev lo &&
        ip netns exec "$ns" ip link set "$ifc" mtu 9000 up || return 1
    done
}
if ! ns_setup 2>"$T_TMP/netns.err"; then
    t_skip live "cannot set up the veth pair ($(head -c 200 "$T_TMP/netns.err"))"
    exit 0
fi
MAC_CAP=$(ip netns exec "$NS_CAP" cat "/sys/class/net/$IF_CAP/address")
MAC_REP=$(ip netns exec "$NS_REP" cat "/sys/class/net/$IF_REP/address")

# The capturing users must reach their output directories.
chmod 0711 "$T_TMP"
NOBODY_UID=$(id -u nobody) NOBODY_GID=$(id -g nobody)
DAEMON_UID=$(id -u daemon) DAEMON_GID=$(id -g daemon)
OUT=$T_TMP/out
mkdir -p "$OUT" "$T_TMP/root-only"
chown nobody "$OUT"
chmod 0755 "$T_TMP/root-only"

# python helpers: pcap record digest, flow comparisons.
PY=$T_TMP/live.py
cat >"$PY" <<'EOF'
import hashlib, json, struct, sys

def records(path):
    """(caplen, data) of every record of a pcap file, in order."""
    with open(path, 'rb') as f:
        hdr = f.read(24)
        magic = hdr[:4]
        if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
            e = '<'
        elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
            e = '>'
        else:
            raise SystemExit('%s: not a pcap file' % path)
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                return
            _, _, incl, orig = struct.unpack(e + 'IIII', rh)
            yield incl, orig, f.read(incl)

def digest(path):
    h = hashlib.sha256()
    n = 0
    for incl, orig, data in records(path):
        h.update(struct.pack('<II', incl, orig) + data)
        n += 1
    return '%d %s' % (n, h.hexdigest())

def flows(path):
    out = []
    for line in open(path):
        f = json.loads(line)
        out.append((f['proto'], f['src_ip'], f['src_port'], f['dest_ip'],
                    f['dest_port'], f['pkts_toserver'], f['pkts_toclient'],
                    f['hostname'] or ''))
    return sorted(out, key=lambda t: tuple(str(x) for x in t))

def show(t):
    return '%s %s:%s -> %s:%s pkts %s/%s host %s' % t

cmd = sys.argv[1]
if cmd == 'digest':
    print(digest(sys.argv[2]))
elif cmd == 'sameflows':      # A B: the same multiset of flows
    a, b = flows(sys.argv[2]), flows(sys.argv[3])
    if a != b:
        sa, sb = set(a), set(b)
        for t in sorted(sa - sb, key=str)[:10]:
            print('only live:    ' + show(t))
        for t in sorted(sb - sa, key=str)[:10]:
            print('only analyze: ' + show(t))
        sys.exit(1)
    print(len(a))
elif cmd == 'subset':         # PART FULL: every flow of PART is in FULL
    full = {}
    for t in flows(sys.argv[3]):
        full.setdefault(t[:5], []).append(t[5:7])
    bad = 0
    for t in flows(sys.argv[2]):
        if not any(p[0] >= t[5] and p[1] >= t[6] for p in full.get(t[:5], [])):
            print('not in the full run: ' + show(t))
            bad += 1
    sys.exit(1 if bad else 0)
elif cmd == 'counterparties': # FLOWS.jsonl: one key per flow, distinct
    keys = set()
    for line in open(sys.argv[2]):
        f = json.loads(line)
        keys.add((f['hostname'] or f['dest_ip']).lower())
    print('\n'.join(sorted(keys)))
EOF

# rewrite NAME FIXTURE: test-prefix copy in $T_TMP/NAME.pcap; sets EXPECT
# (its frame count).
rewrite() {
    local name=$1 in=$2 tmp=$T_TMP/$1.pnat.pcap out=$T_TMP/$1.pcap
    local outside='(ip.addr ~= 198.18.0.0/15) || (ipv6.addr ~= 2001:db8::/32) || (arp.src.proto_ipv4 ~= 198.18.0.0/15) || (arp.dst.proto_ipv4 ~= 198.18.0.0/15)'
    if ! tcprewrite --pnat='0.0.0.0/0:198.18.0.0/15,[::/0]:[2001:db8::/32]' \
            --enet-dmac="$MAC_CAP" --enet-smac="$MAC_REP" \
            -i "$in" -o "$tmp" >"$T_TMP/$name.rw.err" 2>&1 ||
       ! tshark -r "$tmp" -Y "!($outside)" -F pcap -w "$out" \
            >>"$T_TMP/$name.rw.err" 2>&1; then
        t_fail "$name:rewrite" "tcprewrite/tshark failed"
        t_indent 10 <"$T_TMP/$name.rw.err"
        return 1
    fi
    local n_out
    n_out=$(tshark -r "$out" -Y "$outside" 2>/dev/null | wc -l)
    EXPECT=$(capinfos -c -M "$out" 2>/dev/null | awk '/Number of packets/ { print $NF }')
    if [ "$n_out" -ne 0 ] || [ -z "$EXPECT" ] || [ "$EXPECT" -eq 0 ]; then
        t_fail "$name:rewrite" "$n_out frames still carry an address outside the test prefixes ($EXPECT frames)"
        return 1
    fi
    t_pass "$name:rewrite ($EXPECT frames, all addresses in 198.18.0.0/15 and 2001:db8::/32)"
}

# start_capture NAME ARGS...: capture in the background; sets CAP_PID.  The
# capture is ready when it prints its "capturing on" line.  CAP_CMD is the
# command (the binary, or the binary under setpriv).
CAP_CMD=("$T_BIN")
start_capture() {
    local name=$1 i
    shift
    ip netns exec "$NS_CAP" "${CAP_CMD[@]}" capture -i "$IF_CAP" "$@" \
        >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" </dev/null &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    for i in $(seq 1 300); do
        grep -q '^meetaudit: capturing on' "$T_TMP/$name.err" && return 0
        kill -0 "$CAP_PID" 2>/dev/null || break
        sleep 0.1
    done
    t_fail "$name" "capture did not start"
    t_indent 20 <"$T_TMP/$name.err"
    kill -KILL "$CAP_PID" 2>/dev/null
    return 1
}

# wait_capture NAME [SECONDS]: wait for the capture to exit; sets CAP_RC.
wait_capture() {
    local name=$1 i max=$(( ${2:-60} * 10 ))
    for i in $(seq 1 "$max"); do
        kill -0 "$CAP_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$CAP_PID" 2>/dev/null; then
        kill -KILL "$CAP_PID" 2>/dev/null
        wait "$CAP_PID" 2>/dev/null
        CAP_RC=124
        t_fail "$name" "capture did not exit"
        return 1
    fi
    wait "$CAP_PID"
    CAP_RC=$?
    if t_sanitizer_report "$T_TMP/$name.err" >/dev/null; then
        t_fail "$name" "sanitizer report on stderr"
        t_indent 40 <"$T_TMP/$name.err"
        return 1
    fi
    return 0
}

# stop_capture NAME: SIGINT, then wait; status must be 0.
stop_capture() {
    sleep 0.5
    kill -INT "$CAP_PID" 2>/dev/null
    wait_capture "$1" || return 1
    if [ "$CAP_RC" -ne 0 ]; then
        t_fail "$1" "capture exited with status $CAP_RC"
        t_indent 20 <"$T_TMP/$1.err"
        return 1
    fi
}

# replay NAME PCAP TCPREPLAY-ARGS...: replay on the replay side, every frame.
replay() {
    local name=$1 file=$2 log=$T_TMP/$1.replay
    shift 2
    ip netns exec "$NS_REP" tcpreplay -i "$IF_REP" "$@" "$file" >"$log" 2>&1
    local sent failed
    sent=$(awk '/Actual:/ { print $2; exit }' "$log")
    failed=$(awk '/Failed packets:/ { print $3; exit }' "$log")
    if [ "$failed" != 0 ] || [ -z "$sent" ]; then
        t_fail "$name:replay" "tcpreplay did not send every frame"
        t_indent 10 <"$log"
        return 1
    fi
    REPLAYED=$sent
}

# analyze_json NAME FILE...: analyze into a fresh DB; flows --json to
# $T_TMP/NAME.a.json.
analyze_json() {
    local name=$1
    shift
    rm -f "$T_TMP/$name.a.db"
    if ! "$T_BIN" analyze -q -o "$T_TMP/$name.a.db" "$@" >/dev/null 2>"$T_TMP/$name.a.err" ||
       ! "$T_BIN" flows --json "$T_TMP/$name.a.db" >"$T_TMP/$name.a.json" 2>>"$T_TMP/$name.a.err"; then
        t_fail "$name" "analyze of $* failed"
        t_indent 10 <"$T_TMP/$name.a.err"
        return 1
    fi
}

# check_written NAME PCAP EXPECTED-PCAP: same frames, in order.
check_written() {
    local a b
    a=$(python3 "$PY" digest "$2") b=$(python3 "$PY" digest "$3")
    if [ "$a" = "$b" ]; then
        t_pass "$1:every-frame-written (${a%% *} frames)"
    else
        t_fail "$1:every-frame-written" "written $a, replayed $b"
    fi
}

# check_db NAME DB FILE...: flows --json of the live DB equals analyze of the
# written files one by one; every input has its file's SHA-256 and size.
check_db() {
    local name=$1 db=$2 f
    shift 2
    "$T_BIN" flows --json "$db" >"$T_TMP/$name.live.json" 2>"$T_TMP/$name.flows.err" ||
        { t_fail "$name:db" "flows --json failed"; t_indent 10 <"$T_TMP/$name.flows.err"; return 1; }
    analyze_json "$name" "$@" || return 1
    if cmp -s "$T_TMP/$name.live.json" "$T_TMP/$name.a.json"; then
        t_pass "$name:db-equals-analyze-of-written ($(wc -l <"$T_TMP/$name.live.json") flows)"
    else
        t_fail "$name:db-equals-analyze-of-written" "flows --json differ"
        diff "$T_TMP/$name.live.json" "$T_TMP/$name.a.json" | t_indent 10
    fi
    local want got
    want=$(for f in "$@"; do printf '%s|%s|%s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"; done)
    got=$(t_sql "$db" "SELECT path || '|' || size || '|' || sha256 FROM inputs WHERE status = 'complete' ORDER BY id")
    if [ "$want" = "$got" ]; then
        t_pass "$name:inputs-have-file-sha256 ($# files)"
    else
        t_fail "$name:inputs-have-file-sha256" "inputs differ from the files"
        printf 'want:\n%s\ngot:\n%s\n' "$want" "$got" | t_indent 20
    fi
}

# check_fixture NAME LIVE-JSON FIXTURE: same flows and host names as analyze
# of the rewritten fixture itself.
check_fixture() {
    analyze_json "$1.fixture" "$3" || return 1
    if python3 "$PY" sameflows "$2" "$T_TMP/$1.fixture.a.json" >"$T_TMP/$1.cmp" 2>&1; then
        t_pass "$1:same-flows-and-hostnames-as-analyze-of-fixture ($(cat "$T_TMP/$1.cmp") flows)"
    else
        t_fail "$1:same-flows-and-hostnames-as-analyze-of-fixture" "flows differ"
        t_indent 20 <"$T_TMP/$1.cmp"
    fi
}

# check_log NAME LIVE-JSON: one log line per counterparty, the DB's set.
check_log() {
    python3 "$PY" counterparties "$2" >"$T_TMP/$1.cp.want"
    sed -n 's/^[0-9TZ:-]* counterparty \([^ ]*\) .*/\1/p' "$T_TMP/$1.err" | sort >"$T_TMP/$1.cp.got"
    local dups
    dups=$(uniq -d "$T_TMP/$1.cp.got" | head -3)
    if [ -z "$dups" ] && cmp -s "$T_TMP/$1.cp.want" "$T_TMP/$1.cp.got"; then
        t_pass "$1:one-log-line-per-counterparty ($(wc -l <"$T_TMP/$1.cp.got"))"
    else
        t_fail "$1:one-log-line-per-counterparty" "logged set differs from the flows' host names/addresses${dups:+ (duplicates: $dups)}"
        diff "$T_TMP/$1.cp.want" "$T_TMP/$1.cp.got" | t_indent 20
    fi
}

# check_ids NAME UID GID: the running capture's ids and capabilities.
check_ids() {
    local st=/proc/$CAP_PID/status uids gids capeff
    uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$st")
    gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$st")
    capeff=$(awk '/^CapEff:/ { print $2 }' "$st")
    if [ "$uids" = "$2 $2 $2 $2" ] && [ "$gids" = "$3 $3 $3 $3" ] &&
       [ "$capeff" = 0000000000000000 ]; then
        t_pass "$1:uid-gid-after-start ($2/$3, no capabilities)"
    else
        t_fail "$1:uid-gid-after-start" "Uid $uids, Gid $gids, CapEff $capeff; want $2/$3 and none"
    fi
}

rewrite zoom pcaps/zoom.pcap && ZOOM_N=$EXPECT || ZOOM_N=
rewrite teams pcaps/teams.pcap && TEAMS_N=$EXPECT || TEAMS_N=
rewrite http6 pcaps/http_ipv6.pcap && HTTP6_N=$EXPECT || HTTP6_N=

# 1. zoom at original speed (gaps over 200 ms shortened: zoom.pcap joins two
# captures years apart), default user (nobody), audit options stored.
if [ -n "$ZOOM_N" ] && start_capture zoom-orig -w "$OUT/zoom-orig.pcap" \
        -o "$OUT/zoom-orig.db" --service zoom --client 198.18.1.117 \
        --client 2001:db8::1 --context os=linux --canary email=canary@example.org; then
    check_ids zoom-orig:default-user "$NOBODY_UID" "$NOBODY_GID"
    replay zoom-orig "$T_TMP/zoom.pcap" --maxsleep=200
    if stop_capture zoom-orig; then
        check_written zoom-orig "$OUT/zoom-orig.pcap" "$T_TMP/zoom.pcap"
        check_db zoom-orig "$OUT/zoom-orig.db" "$OUT/zoom-orig.pcap"
        check_fixture zoom-orig "$T_TMP/zoom-orig.live.json" "$T_TMP/zoom.pcap"
        check_log zoom-orig "$T_TMP/zoom-orig.live.json"
        # --service zoom: every log line names the counterparty's party, the
        # one `flows --service zoom` gives its flows in the live database (the
        # replayed addresses are test prefixes, so most parties are "local").
        "$T_BIN" flows --json --service zoom "$OUT/zoom-orig.db" >"$T_TMP/zoom-orig.party.json" 2>/dev/null
        if python3 - "$T_TMP/zoom-orig.err" "$T_TMP/zoom-orig.party.json" >"$T_TMP/zoom-orig.party.out" <<'PYEOF'
import json, re, sys
want = {}
for line in open(sys.argv[2]):
    f = json.loads(line)
    key = (f.get("hostname") or f["dest_ip"]).lower()
    want.setdefault(key, set()).add(f.get("party"))
n = bad = 0
for line in open(sys.argv[1]):
    m = re.match(r"^\S+ counterparty (\S+)(?: \[.*?\])? party ([a-z]+) (via|\(no name\))", line)
    if " counterparty " not in line:
        continue
    if not m:
        print("no party in: " + line.strip()); bad += 1; continue
    n += 1
    if m.group(2) not in want.get(m.group(1), set()):
        print("%s: logged %s, flows say %s" % (m.group(1), m.group(2), sorted(want.get(m.group(1), []))))
        bad += 1
print(n)
sys.exit(1 if bad or not n else 0)
PYEOF
        then t_pass "zoom-orig:log-lines-name-the-party ($(tail -1 "$T_TMP/zoom-orig.party.out") lines agree with flows --service zoom)"
        else t_fail "zoom-orig:log-lines-name-the-party" "see below"; t_indent 20 <"$T_TMP/zoom-orig.party.out"; fi
        got=$(t_sql "$OUT/zoom-orig.db" "SELECT group_concat(option || ':' || ifnull(name, '') || ':' || value, ' ') FROM (SELECT * FROM run_options ORDER BY seq)")
        want="service::zoom client::198.18.1.117 client::2001:db8::1 context:os:linux canary:email:canary@example.org"
        if [ "$got" = "$want" ]; then t_pass "zoom-orig:audit-options-stored"
        else t_fail "zoom-orig:audit-options-stored" "got '$got'"; fi
        # Stopping audited the written file: the same findings as `audit`
        # with the same options on that file.  (The replayed addresses are
        # reserved test prefixes, so every party is "local" and both find
        # nothing to charge: the check is that the audit ran on stop - its
        # run row and summary - and agrees with `audit`.)
        "$T_BIN" findings --json "$OUT/zoom-orig.db" >"$T_TMP/zoom-orig.findings" 2>&1
        "$T_BIN" audit -q --service zoom --client 198.18.1.117 --client 2001:db8::1 \
            --context os=linux --canary email=canary@example.org \
            -o "$T_TMP/zoom-orig.audit.db" "$OUT/zoom-orig.pcap" >/dev/null 2>&1
        "$T_BIN" findings --json "$T_TMP/zoom-orig.audit.db" >"$T_TMP/zoom-orig.findings.want" 2>&1
        nf=$(grep -c '"finding_id"' "$T_TMP/zoom-orig.findings")
        runs=$(t_sql "$OUT/zoom-orig.db" "SELECT count(*) || ' ' || group_concat(service) FROM audit_runs" 2>/dev/null)
        if [ "$runs" = "1 zoom" ] && cmp -s "$T_TMP/zoom-orig.findings" "$T_TMP/zoom-orig.findings.want" &&
           grep -q '^findings: ' "$T_TMP/zoom-orig.out"; then
            t_pass "zoom-orig:findings-on-stop-equal-audit-of-written-file ($nf findings, summary printed)"
        else
            t_fail "zoom-orig:findings-on-stop-equal-audit-of-written-file" "audit runs '$runs', $nf findings; live vs audit:"
            diff "$T_TMP/zoom-orig.findings" "$T_TMP/zoom-orig.findings.want" | t_indent 20
            t_indent 10 <"$T_TMP/zoom-orig.out"
        fi
        got=$(t_sql "$OUT/zoom-orig.db" "SELECT interface || ' ' || user || ' ' || captured || ' ' || (ps_recv >= captured) || ' ' || end_reason FROM capture_stats")
        if [ "$got" = "$IF_CAP nobody $ZOOM_N 1 interrupt" ]; then t_pass "zoom-orig:capture-stats-stored"
        else t_fail "zoom-orig:capture-stats-stored" "got '$got'"; fi
    fi
fi

# 2. top speed: teams, zoom and an IPv6 capture, one capture each.  In
# immediate mode every ring slot fits a 64 KiB packet, so the ring is made
# big enough for the whole burst (-B 256); zoom runs without immediate mode
# (packets packed by size: the default 32 MiB is plenty).
for name in teams zoom http6; do
    case $name in
        teams) n=$TEAMS_N ;; zoom) n=$ZOOM_N ;; http6) n=$HTTP6_N ;;
    esac
    [ -n "$n" ] || continue
    ring=(-B 256)
    [ "$name" = zoom ] && ring=(--no-immediate)
    start_capture "$name-top" "${ring[@]}" -w "$OUT/$name-top.pcap" -o "$OUT/$name-top.db" || continue
    replay "$name-top" "$T_TMP/$name.pcap" --topspeed
    stop_capture "$name-top" || continue
    check_written "$name-top" "$OUT/$name-top.pcap" "$T_TMP/$name.pcap"
    check_db "$name-top" "$OUT/$name-top.db" "$OUT/$name-top.pcap"
    check_fixture "$name-top" "$T_TMP/$name-top.live.json" "$T_TMP/$name.pcap"
    check_log "$name-top" "$T_TMP/$name-top.live.json"
done

# 3. privileges: -Z root keeps root; an unwritable directory is refused
# before capturing; an existing -w file is never overwritten; usage errors.
if start_capture zroot -Z root -w "$T_TMP/root-only/z.pcap" -o "$T_TMP/root-only/z.db"; then
    if [ "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$CAP_PID/status")" = "0 0 0 0" ]; then
        t_pass "zroot:-Z-root-keeps-root"
    else t_fail "zroot:-Z-root-keeps-root" "uid changed"; fi
    stop_capture zroot &&
        if [ "$(t_sql "$T_TMP/root-only/z.db" "SELECT user FROM capture_stats")" = root ]; then
            t_pass "zroot:user-recorded"
        else t_fail "zroot:user-recorded" "capture_stats.user is not root"; fi
fi
ip netns exec "$NS_CAP" "$T_BIN" capture -i "$IF_CAP" -w "$T_TMP/root-only/n.pcap" \
    -o "$T_TMP/root-only/n.db" >/dev/null 2>"$T_TMP/refuse.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'user nobody (uid [0-9]*) cannot create files in' "$T_TMP/refuse.err" &&
   [ ! -e "$T_TMP/root-only/n.pcap" ] && [ ! -e "$T_TMP/root-only/n.db" ]; then
    t_pass "refuse-unwritable-dir"
else
    t_fail "refuse-unwritable-dir" "status $rc"
    t_indent 10 <"$T_TMP/refuse.err"
fi
ip netns exec "$NS_CAP" "$T_BIN" capture -i "$IF_CAP" -w "$OUT/zoom-orig.pcap" \
    -o "$OUT/other.db" >/dev/null 2>"$T_TMP/exists.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'already exists; meetaudit never overwrites evidence' "$T_TMP/exists.err"; then
    t_pass "refuse-existing-file"
else
    t_fail "refuse-existing-file" "status $rc"
    t_indent 10 <"$T_TMP/exists.err"
fi
"$T_BIN" capture -i lo >/dev/null 2>"$T_TMP/usage.err"
rc=$?
"$T_BIN" capture -i lo -w x.pcap --client not-an-ip >/dev/null 2>>"$T_TMP/usage.err"
rc2=$?
if [ "$rc" -eq 2 ] && [ "$rc2" -eq 2 ] && grep -q 'needs -w' "$T_TMP/usage.err" &&
   grep -q "bad --client 'not-an-ip'" "$T_TMP/usage.err"; then
    t_pass "usage-errors"
else
    t_fail "usage-errors" "status $rc/$rc2"
    t_indent 10 <"$T_TMP/usage.err"
fi

# Started as an ordinary user with file capabilities: nothing to drop but
# the capabilities, which must be gone once capturing.
if command -v setcap >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
    cp "$T_BIN" "$T_TMP/capbin" && cp -r rules "$T_TMP/rules" &&
        chmod -R a+rX "$T_TMP/capbin" "$T_TMP/rules" &&
        setcap cap_net_raw,cap_net_admin=eip "$T_TMP/capbin" 2>"$T_TMP/setcap.err"
    if [ $? -ne 0 ]; then
        t_skip setcap-user "setcap failed: $(head -c 200 "$T_TMP/setcap.err")"
    else
        CAP_CMD=(setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups -- "$T_TMP/capbin")
        if start_capture setcap-user -w "$OUT/cap.pcap" -o "$OUT/cap.db" --rules "$T_TMP/rules" --duration 3; then
            st=/proc/$CAP_PID/status
            got="$(awk '/^Uid:/ { print $2 }' "$st") $(awk '/^CapEff:/ { print $2 }' "$st") $(awk '/^CapPrm:/ { print $2 }' "$st")"
            if [ "$got" = "$NOBODY_UID 0000000000000000 0000000000000000" ]; then
                t_pass "setcap-user:capabilities-dropped"
            else
                t_fail "setcap-user:capabilities-dropped" "Uid CapEff CapPrm: $got"
            fi
            wait_capture setcap-user 20
        fi
        CAP_CMD=("$T_BIN")
    fi
else
    t_skip setcap-user "setcap (libcap2-bin) or setpriv (util-linux) is not installed"
fi

# 4. SIGINT mid-replay, as -Z daemon, with -G rotation.
SIG=$T_TMP/sig
mkdir -p "$SIG" && chown daemon "$SIG"
if [ -n "$TEAMS_N" ] && start_capture sig -Z daemon -G 1 -w "$SIG/s.pcap" -o "$SIG/s.db"; then
    check_ids sig:-Z-daemon "$DAEMON_UID" "$DAEMON_GID"
    ip netns exec "$NS_REP" tcpreplay -i "$IF_REP" --maxsleep=200 "$T_TMP/teams.pcap" \
        >"$T_TMP/sig.replay" 2>&1 &
    RPID=$!
    PIDS+=("$RPID")
    sleep 3.5
    if stop_capture sig; then
        if kill -0 "$RPID" 2>/dev/null; then t_pass "sig:stopped-mid-replay"
        else t_fail "sig:stopped-mid-replay" "the replay had already ended"; fi
        ic=$(t_sql "$SIG/s.db" "PRAGMA integrity_check")
        if [ "$ic" = ok ]; then t_pass "sig:integrity-check"
        else t_fail "sig:integrity-check" "$ic"; fi
        files=("$SIG/s.pcap")
        i=1
        while [ -e "$SIG/s.pcap$i" ]; do files+=("$SIG/s.pcap$i"); i=$((i + 1)); done
        if [ "${#files[@]}" -ge 2 ]; then t_pass "sig:-G-rotated (${#files[@]} files)"
        else t_fail "sig:-G-rotated" "only ${#files[@]} file"; fi
        check_db sig "$SIG/s.db" "${files[@]}"
        if [ -n "$TEAMS_N" ] && analyze_json sig.full "$T_TMP/teams.pcap" &&
           python3 "$PY" subset "$T_TMP/sig.live.json" "$T_TMP/sig.full.a.json" >"$T_TMP/sig.sub" 2>&1; then
            t_pass "sig:flows-subset-of-full-run ($(wc -l <"$T_TMP/sig.live.json") flows)"
        else
            t_fail "sig:flows-subset-of-full-run" "a flow is not part of the full run"
            t_indent 10 <"$T_TMP/sig.sub"
        fi
    fi
    kill "$RPID" 2>/dev/null
    wait "$RPID" 2>/dev/null
fi

# 5. A second interrupt exits at once; the DB stays consistent.  The
# capture is stopped (SIGSTOP) while SIGTERM and then SIGINT are queued, so
# on SIGCONT both handlers run back to back, before the main loop resumes.
if [ -n "$TEAMS_N" ] && start_capture sig2 -w "$OUT/sig2.pcap" -o "$OUT/sig2.db" -B 64; then
    ip netns exec "$NS_REP" tcpreplay -i "$IF_REP" --topspeed --loop=30 "$T_TMP/teams.pcap" \
        >"$T_TMP/sig2.replay" 2>&1 &
    RPID=$!
    PIDS+=("$RPID")
    sleep 0.3
    kill -STOP "$CAP_PID"
    kill -TERM "$CAP_PID"
    kill -INT "$CAP_PID"
    kill -CONT "$CAP_PID"
    if wait_capture sig2; then
        ic=$(t_sql "$OUT/sig2.db" "PRAGMA integrity_check")
        st=$(t_sql "$OUT/sig2.db" "SELECT status FROM inputs")
        if [ "$CAP_RC" -eq 130 ] && [ "$ic" = ok ] && [ "$st" = analysing ] &&
           grep -q 'second interrupt: exiting now' "$T_TMP/sig2.err"; then
            t_pass "sig2:second-interrupt-exits-130 (integrity ok, input left analysing)"
        else
            t_fail "sig2:second-interrupt-exits-130" "status $CAP_RC, integrity_check $ic, input $st"
            t_indent 10 <"$T_TMP/sig2.err"
        fi
    fi
    wait "$RPID" 2>/dev/null
fi

# 6. -C rotation named as tcpdump's, -c, --duration and empty captures.
if [ -n "$TEAMS_N" ] && start_capture rot -B 256 -C 0.2 -w "$OUT/r.pcap" -o "$OUT/r.db"; then
    replay rot "$T_TMP/teams.pcap" --topspeed
    if stop_capture rot; then
        files=("$OUT/r.pcap")
        i=1
        while [ -e "$OUT/r.pcap$i" ]; do files+=("$OUT/r.pcap$i"); i=$((i + 1)); done
        ok=1
        for f in "${files[@]:0:${#files[@]}-1}"; do
            [ "$(stat -c %s "$f")" -gt 200000 ] || ok=0
        done
        total=0
        for f in "${files[@]}"; do
            total=$((total + $(capinfos -c -M "$f" | awk '/Number of packets/ { print $NF }')))
        done
        if [ "${#files[@]}" -ge 3 ] && [ "$ok" -eq 1 ] && [ "$total" -eq "$TEAMS_N" ]; then
            t_pass "rot:-C-files-like-tcpdump (${#files[@]} files, $total frames)"
        else
            t_fail "rot:-C-files-like-tcpdump" "${#files[@]} files, sizes ok=$ok, $total of $TEAMS_N frames"
        fi
        check_db rot "$OUT/r.db" "${files[@]}"
    fi
fi
if [ -n "$TEAMS_N" ] && start_capture count -B 256 -c 100 -w "$OUT/c.pcap" -o "$OUT/c.db"; then
    replay count "$T_TMP/teams.pcap" --topspeed
    wait_capture count 30 &&
        if [ "$CAP_RC" -eq 0 ] && [ "$(t_sql "$OUT/c.db" "SELECT packets || ' ' || (SELECT end_reason FROM capture_stats) FROM inputs")" = "100 count" ]; then
            t_pass "count:-c-stops-after-100"
        else
            t_fail "count:-c-stops-after-100" "status $CAP_RC"
            t_indent 10 <"$T_TMP/count.err"
        fi
fi
for k in 1 2; do
    if start_capture "dur$k" --duration 1 -w "$OUT/d$k.pcap" -o "$OUT/d.db"; then
        wait_capture "dur$k" 20 &&
            if [ "$CAP_RC" -eq 0 ] && grep -q 'capture stopped (duration)' "$T_TMP/dur$k.err"; then
                t_pass "dur$k:--duration-stops"
            else
                t_fail "dur$k:--duration-stops" "status $CAP_RC"
                t_indent 10 <"$T_TMP/dur$k.err"
            fi
    fi
done
got=$(t_sql "$OUT/d.db" "SELECT count(*) || ' ' || sum(packets) || ' ' || (SELECT count(*) FROM capture_stats) FROM inputs WHERE status = 'complete'")
if [ "$got" = "1 0 1" ] && grep -q 'not recorded again' "$T_TMP/dur2.err"; then
    t_pass "dur:empty-capture-recorded-once"
else
    t_fail "dur:empty-capture-recorded-once" "inputs/packets/stats: $got"
fi

# 6b. The nDPI 4.2 DTLS guard (dissect/ndpi_guard.c): capture says, as analyze
# does, how many datagrams it kept from nDPI.  The datagram is the regression
# input that crashed nDPI 4.2, as a capture (tests/fuzz/topcap.py).
if python3 tests/fuzz/topcap.py tests/regress/pipeline-ndpi42-dtls-cert-null-tcp \
        "$T_TMP/guard.pcapng" >/dev/null 2>&1 &&
   rewrite guard "$T_TMP/guard.pcapng" &&
   start_capture guard -c "$EXPECT" -w "$OUT/g.pcap" -o "$OUT/g.db"; then
    replay guard "$T_TMP/guard.pcap"
    wait_capture guard 30 &&
        if [ "$CAP_RC" -eq 0 ] && grep -q "g.pcap: warning: 1 DTLS datagram(s) carrying a certificate were not given to nDPI" "$T_TMP/guard.err"; then
            t_pass "guard:capture-warns-ndpi-withheld"
        else
            t_fail "guard:capture-warns-ndpi-withheld" "status $CAP_RC"
            t_indent 10 <"$T_TMP/guard.err"
        fi
fi

# 7. Drops: a ring of a few slots at top speed.
if [ -n "$TEAMS_N" ] && start_capture drop -B 0.1 -w "$OUT/drop.pcap" -o "$OUT/drop.db"; then
    replay drop "$T_TMP/teams.pcap" --topspeed --loop=20
    if stop_capture drop; then
        shown=$(sed -n 's/^meetaudit: kernel: [0-9]* packets received by the filter, \([0-9]*\) dropped by the kernel.*/\1/p' "$T_TMP/drop.err")
        stored=$(t_sql "$OUT/drop.db" "SELECT sum(ps_drop) FROM capture_stats")
        written=$(t_sql "$OUT/drop.db" "SELECT sum(packets) FROM inputs")
        if [ "${shown:-0}" -gt 0 ] && [ "$shown" = "$stored" ] &&
           grep -q 'warning: [0-9]* packets were dropped' "$T_TMP/drop.err" &&
           [ "$written" -lt "$REPLAYED" ]; then
            t_pass "drop:kernel-drops-reported ($shown dropped, $written of $REPLAYED written)"
        else
            t_fail "drop:kernel-drops-reported" "shown '$shown', stored '$stored', written $written of $REPLAYED"
            t_indent 10 <"$T_TMP/drop.err"
        fi
    fi
fi

t_exit

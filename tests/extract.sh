#!/bin/bash
# extract.sh - `meetaudit extract` and the display filters (report/dfilter.c)
# against tshark and against a second `analyze` of the extracted packets.
#
#   MEETAUDIT=./meetaudit-extract bash tests/extract.sh
#
# - dfilter_<pcap>: the display filter of every flow of the fixture
#   (`extract --flow N --filter`), applied by tshark to the fixture, selects
#   as many frames as the flow has packets, and the same first and last
#   frame (one tshark run per fixture: -z io,stat with COUNT/MIN/MAX
#   columns, one triple per flow).
# - extract_*: the evidence pcap of a flow / an organisation / a finding
#   holds the flow's packets with their original timestamps, tshark finds
#   the same SNI in it, and re-analysing it gives the same organisation for
#   every flow; DNS answers for the names come along.
# - errors: an existing output, a changed input, a missing input (each
#   with its own message), then the same inputs given as INPUT arguments.
# Needs tshark and sqlite3 (SKIP lines otherwise) and python3.
source "$(dirname "$0")/lib.sh"
t_require_bin extract

if ! command -v sqlite3 >/dev/null 2>&1; then
    t_skip extract "sqlite3 command not installed"
    exit 0
fi
HAVE_TSHARK=1
command -v tshark >/dev/null 2>&1 || HAVE_TSHARK=0
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

D=$T_TMP
cp pcaps/zoom.pcap pcaps/teams.pcap pcaps/dns_fragmented.pcap \
    pcaps/selfsigned.pcap "$D/" || exit 2
for p in zoom teams dns_fragmented; do
    t_run "$D/an.out" "$D/an.err" "$T_BIN" analyze -q -o "$D/$p.db" "$D/$p.pcap"
    if [ "$T_RC" -ne 0 ]; then
        t_fail "extract_setup_$p" "analyze exited $T_RC"
        t_indent 10 <"$D/an.err"
        t_exit
    fi
done

# ---- display filters against tshark ------------------------------------------
dfilter_check() {   # NAME DB PCAP
    local name=$1 db=$2 pcap=$3 args="io,stat,0" id f
    for id in $(t_sql "$db" "SELECT id FROM flows ORDER BY id"); do
        f=$("$T_BIN" extract --flow "$id" --filter "$db" 2>"$D/df.err" | cut -f3)
        if [ -z "$f" ]; then
            t_fail "$name" "no filter for flow $id"
            t_indent 5 <"$D/df.err"
            return
        fi
        args="$args,COUNT(frame.number)$f,MIN(frame.number)$f,MAX(frame.number)$f"
    done
    tshark -r "$pcap" -q -z "$args" 2>"$D/ts.err" |
        awk -F'|' '/<>/ { for (i = 3; i < NF; i++) { gsub(/ /, "", $i); print $i } }' \
            >"$D/got.txt"
    t_sql "$db" "SELECT pkts_toserver + pkts_toclient, first_frame, last_frame
                 FROM flows ORDER BY id" | tr '|' '\n' >"$D/want.txt"
    local n
    n=$(t_sql "$db" "SELECT count(*) FROM flows")
    if [ "$n" -gt 0 ] && cmp -s "$D/got.txt" "$D/want.txt"; then
        t_pass "$name ($n flows: frame count, first and last frame)"
    else
        t_fail "$name" "tshark's selection differs from the flow table (count min max per flow: got, want)"
        paste "$D/got.txt" "$D/want.txt" | paste - - - | awk '$1 != $2 || $3 != $4 || $5 != $6' | t_indent 10
        t_indent 5 <"$D/ts.err"
    fi
}
if [ "$HAVE_TSHARK" -eq 1 ]; then
    dfilter_check dfilter_zoom "$D/zoom.db" "$D/zoom.pcap"
    dfilter_check dfilter_teams "$D/teams.db" "$D/teams.pcap"
    dfilter_check dfilter_ip_fragments "$D/dns_fragmented.db" "$D/dns_fragmented.pcap"
else
    t_skip dfilter "tshark not installed"
fi

# ---- helpers ------------------------------------------------------------------
# same_orgs NAME ORIG_DB NEW_DB IDS: every flow id of IDS (comma separated,
# in ORIG_DB) is in NEW_DB (matched by protocol and both address:port ends)
# with the same organisation, as `flows --json` gives it.
same_orgs() {
    local name=$1 orig=$2 new=$3 ids=$4 out
    "$T_BIN" flows --json "$orig" >"$D/j1.txt" 2>/dev/null
    "$T_BIN" flows --json "$new" >"$D/j2.txt" 2>/dev/null
    out=$("$PY" - "$D/j1.txt" "$D/j2.txt" "$ids" <<'PYEOF'
import json, sys
def load(p):
    return [json.loads(l) for l in open(p)]
def key(f):
    return (f["proto"], f["src_ip"], f["src_port"], f["dest_ip"], f["dest_port"])
want = {int(i) for i in sys.argv[3].split(",") if i}
orig = {f["flow_id"]: f for f in load(sys.argv[1])}
new = {}
for f in load(sys.argv[2]):
    new.setdefault(key(f), f)
bad = []
for i in sorted(want):
    o = orig.get(i)
    n = new.get(key(o)) if o else None
    if not o or not n or n["org"] != o["org"]:
        bad.append("flow %d: %r -> %r" % (i, o and o["org"], n and n["org"]))
print("%d %d" % (len(want), len(bad)))
for b in bad[:5]:
    print(b)
PYEOF
)
    local n nbad
    read -r n nbad <<<"$(printf '%s\n' "$out" | head -1)"
    if [ "${nbad:-1}" = 0 ] && [ "${n:-0}" -gt 0 ]; then
        t_pass "$name ($n flows, same organisation after re-analysis)"
    else
        t_fail "$name" "flows whose organisation differs or is missing after re-analysis"
        printf '%s\n' "$out" | tail -n +2 | t_indent 5
    fi
}

# ---- every flow of a fixture: the same flows after re-analysis --------------------------
# All flows of the capture extracted (no DNS extras), analysed again: the same
# flows (5-tuple, packets and bytes each way, name, organisation, JA4) must come
# back; only ids and frame numbers may differ.  Covers IP fragments
# (dns_fragmented), GTP tunnels (ipv6_in_gtp) and a whole call (teams).
cp pcaps/ipv6_in_gtp.pcap "$D/" || exit 2
"$T_BIN" analyze -q -o "$D/ipv6_in_gtp.db" "$D/ipv6_in_gtp.pcap" 2>/dev/null
flow_facts() {
    "$T_BIN" flows --json "$1" 2>/dev/null | "$PY" -c '
import json, sys
for line in sys.stdin:
    f = json.loads(line)
    t = f.get("tls") or {}
    print(f["proto"], f["src_ip"], f["src_port"], f["dest_ip"], f["dest_port"],
          f["pkts_toserver"], f["pkts_toclient"], f["bytes_toserver"],
          f["bytes_toclient"], f["hostname"], f["org"], t.get("ja4"))' | sort
}
for p in dns_fragmented ipv6_in_gtp teams; do
    ids=$(t_sql "$D/$p.db" "SELECT '--flow ' || id FROM flows" | tr '\n' ' ')
    # shellcheck disable=SC2086
    t_run "$D/x.out" "$D/x.err" "$T_BIN" extract $ids --no-dns -w "$D/all_$p.pcap" "$D/$p.db"
    if t_crashed "extract_all_flows_$p" "$D/x.err"; then continue; fi
    if [ "$T_RC" -ne 0 ]; then
        t_fail "extract_all_flows_$p" "exit $T_RC"
        t_indent 5 <"$D/x.err"
        continue
    fi
    "$T_BIN" analyze -q -o "$D/all_$p.db" "$D/all_$p.pcap" 2>/dev/null
    flow_facts "$D/$p.db" >"$D/ff1.txt"
    flow_facts "$D/all_$p.db" >"$D/ff2.txt"
    if [ -s "$D/ff1.txt" ] && cmp -s "$D/ff1.txt" "$D/ff2.txt"; then
        t_pass "extract_all_flows_$p ($(wc -l <"$D/ff1.txt") flows identical after re-analysis)"
    else
        t_fail "extract_all_flows_$p" "flows differ after re-analysis"
        diff "$D/ff1.txt" "$D/ff2.txt" | t_indent 10
    fi
done

# ---- --flow ----------------------------------------------------------------------
FID=$(t_sql "$D/zoom.db" "SELECT id FROM flows WHERE hostname = 'log.zoom.us'")
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --flow "$FID" -w "$D/flow.pcap" "$D/zoom.db"
if t_crashed extract_flow "$D/x.err"; then :
elif [ "$T_RC" -ne 0 ]; then
    t_fail extract_flow "exit $T_RC"
    t_indent 10 <"$D/x.err"
else
    want=$(t_sql "$D/zoom.db" "SELECT pkts_toserver + pkts_toclient FROM flows WHERE id = $FID")
    if [ "$HAVE_TSHARK" -eq 1 ]; then
        got=$(tshark -r "$D/flow.pcap" -Y "tcp" 2>/dev/null | wc -l)
        sni=$(tshark -r "$D/flow.pcap" -Y tls.handshake.type==1 -T fields \
            -e tls.handshake.extensions_server_name 2>/dev/null | sort -u)
        dnsq=$(tshark -r "$D/flow.pcap" -Y "dns.flags.response==1" -T fields -e dns.qry.name 2>/dev/null | sort -u)
        # original timestamps: the flow's frames in the fixture
        f=$("$T_BIN" extract --flow "$FID" --filter "$D/zoom.db" | cut -f3)
        tshark -r "$D/zoom.pcap" -Y "$f" -T fields -e frame.time_epoch -e frame.len 2>/dev/null >"$D/t1.txt"
        tshark -r "$D/flow.pcap" -Y tcp -T fields -e frame.time_epoch -e frame.len 2>/dev/null >"$D/t2.txt"
        if [ "$got" = "$want" ] && [ "$sni" = "log.zoom.us" ] && [ "$dnsq" = "log.zoom.us" ] &&
            cmp -s "$D/t1.txt" "$D/t2.txt"; then
            t_pass "extract_flow ($want TCP packets, SNI log.zoom.us, its DNS answer, original timestamps and lengths)"
        else
            t_fail extract_flow "got $got TCP packets (want $want), SNI '$sni', DNS '$dnsq'"
            diff "$D/t1.txt" "$D/t2.txt" | t_indent 6
        fi
    else
        t_skip extract_flow "tshark not installed"
    fi
    "$T_BIN" analyze -q -o "$D/flow.db" "$D/flow.pcap" 2>/dev/null
    same_orgs extract_flow_reanalysed "$D/zoom.db" "$D/flow.db" "$FID"
fi

# ---- --org ------------------------------------------------------------------------
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --org ZOOM -w "$D/org.pcap" "$D/zoom.db"
if t_crashed extract_org "$D/x.err"; then :
elif [ "$T_RC" -ne 0 ]; then
    t_fail extract_org "exit $T_RC"
    t_indent 10 <"$D/x.err"
else
    "$T_BIN" analyze -q -o "$D/org.db" "$D/org.pcap" 2>/dev/null
    ids=$(t_sql "$D/zoom.db" "SELECT group_concat(id) FROM flows WHERE hostname LIKE '%zoom.us'")
    same_orgs extract_org_reanalysed "$D/zoom.db" "$D/org.db" "$ids"
    if [ "$HAVE_TSHARK" -eq 1 ]; then
        tshark -r "$D/org.pcap" -Y tls.handshake.type==1 -T fields \
            -e tls.handshake.extensions_server_name 2>/dev/null | sort -u >"$D/s2.txt"
        tshark -r "$D/zoom.pcap" -Y tls.handshake.type==1 -T fields \
            -e tls.handshake.extensions_server_name 2>/dev/null | grep 'zoom\.us$' | sort -u >"$D/s1.txt"
        tshark -r "$D/org.pcap" -Y "dns.flags.response==1" -T fields -e dns.qry.name 2>/dev/null |
            sort -u >"$D/d2.txt"
        if [ -s "$D/s1.txt" ] && cmp -s "$D/s1.txt" "$D/s2.txt" && grep -qx 'log.zoom.us' "$D/d2.txt" &&
            ! grep -v 'zoom\.us$' "$D/d2.txt" >/dev/null; then
            t_pass "extract_org ($(wc -l <"$D/s2.txt") SNIs, all the fixture's *.zoom.us; DNS answers for zoom names only)"
        else
            t_fail extract_org "SNIs or DNS names differ"
            diff "$D/s1.txt" "$D/s2.txt" | t_indent 10
            t_indent 10 <"$D/d2.txt"
        fi
    fi
fi
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --org 'google llc' --no-dns -w "$D/google.pcap" "$D/zoom.db"
n=$(grep -o '[0-9]* packets' "$D/x.out" | head -1)
if [ "$T_RC" -eq 0 ] && [ "$n" = "4 packets" ]; then
    t_pass "extract_org_case_insensitive (Google LLC: 4 packets, no DNS)"
else
    t_fail extract_org_case_insensitive "exit $T_RC, '$n'"
    t_indent 5 <"$D/x.err"
fi
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --org 'No Such Org' -w "$D/none.pcap" "$D/zoom.db"
if [ "$T_RC" -eq 1 ] && grep -q "no flow is attributed to 'No Such Org'" "$D/x.err" && [ ! -e "$D/none.pcap" ]; then
    t_pass extract_org_unknown
else
    t_fail extract_org_unknown "exit $T_RC"
    t_indent 5 <"$D/x.err"
fi

# ---- --finding ---------------------------------------------------------------------
# With the audit engine in the tree, an audit of zoom.pcap gives findings; else
# a finding row is written by hand with the design's columns.
cp "$D/zoom.db" "$D/find.db"
sqlite3 "$D/find.db" "
CREATE TABLE IF NOT EXISTS audit_runs(id INTEGER PRIMARY KEY, created_at TEXT, service TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_inputs(run_id, input_id, PRIMARY KEY(run_id, input_id));
CREATE TABLE IF NOT EXISTS findings(id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,
  finding_key TEXT NOT NULL, service TEXT NOT NULL, kind TEXT NOT NULL, verdict TEXT NOT NULL,
  severity TEXT NOT NULL, scope TEXT NOT NULL, attribution TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS finding_flows(finding_id, flow_id, PRIMARY KEY(finding_id, flow_id));
INSERT INTO audit_runs(id, service) VALUES (900, 'zoom'), (901, 'zoom');
INSERT INTO audit_inputs VALUES (900, 1), (901, 1);
INSERT INTO findings(id, run_id, finding_key, service, kind, verdict, severity, scope, attribution, reason)
  VALUES (900, 900, 'third_party|google', 'zoom', 'third_party', 'omitted', 'medium', 'session', 'session', 'test');
INSERT INTO finding_flows SELECT 900, id FROM flows WHERE hostname = 'www.googletagmanager.com';
" 2>"$D/x.err" || t_indent 5 <"$D/x.err"
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --finding 900 -w "$D/finding.pcap" "$D/find.db"
if [ "$T_RC" -eq 0 ] && grep -q 'note: finding 900 is from run 900 (the newest run is 901)' "$D/x.err" &&
    grep -q '1 flows' "$D/x.out"; then
    if [ "$HAVE_TSHARK" -eq 1 ]; then
        sni=$(tshark -r "$D/finding.pcap" -Y tls.handshake.type==1 -T fields \
            -e tls.handshake.extensions_server_name 2>/dev/null)
        [ "$sni" = "www.googletagmanager.com" ] && t_pass "extract_finding (SNI $sni)" ||
            t_fail extract_finding "SNI '$sni'"
    else
        t_pass extract_finding
    fi
else
    t_fail extract_finding "exit $T_RC"
    t_indent 5 <"$D/x.err"
fi
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --finding 900 --run 901 -w "$D/f2.pcap" "$D/find.db"
if [ "$T_RC" -eq 1 ] && grep -q 'finding 900 belongs to run 900, not to run 901' "$D/x.err"; then
    t_pass extract_finding_wrong_run
else
    t_fail extract_finding_wrong_run "exit $T_RC"
    t_indent 5 <"$D/x.err"
fi
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --finding 77 -w "$D/f3.pcap" "$D/find.db"
if [ "$T_RC" -eq 1 ] && grep -q 'no finding 77' "$D/x.err"; then
    t_pass extract_finding_unknown
else
    t_fail extract_finding_unknown "exit $T_RC"
fi

# ---- --finding on a real audit (when the audit engine is built) ---------------------
cp pcaps/zoom.pcap "$D/audit.pcap"
t_run "$D/a.out" "$D/a.err" "$T_BIN" audit --service zoom -q -o "$D/audit.db" "$D/audit.pcap"
nf=0
[ "$T_RC" -eq 0 ] && nf=$(t_sql "$D/audit.db" "SELECT count(*) FROM findings WHERE flows > 0")
if [ "$T_RC" -ne 0 ] || [ "${nf:-0}" -eq 0 ]; then
    t_skip extract_audit_findings "no audit findings with flows (audit exit $T_RC)"
else
    for fid in $(t_sql "$D/audit.db" "SELECT id FROM findings WHERE flows > 0 ORDER BY id"); do
        t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --finding "$fid" -w "$D/af$fid.pcap" "$D/audit.db"
        if t_crashed "extract_audit_finding_$fid" "$D/x.err"; then continue; fi
        if [ "$T_RC" -ne 0 ]; then
            t_fail "extract_audit_finding_$fid" "exit $T_RC"
            t_indent 5 <"$D/x.err"
            continue
        fi
        "$T_BIN" analyze -q -o "$D/af$fid.db" "$D/af$fid.pcap" 2>/dev/null
        ids=$(t_sql "$D/audit.db" "SELECT group_concat(flow_id) FROM finding_flows WHERE finding_id = $fid")
        same_orgs "extract_audit_finding_${fid}_reanalysed" "$D/audit.db" "$D/af$fid.db" "$ids"
        [ "$HAVE_TSHARK" -eq 1 ] || continue
        t_sql "$D/audit.db" "SELECT DISTINCT f.hostname FROM finding_flows ff JOIN flows f ON f.id = ff.flow_id
                             WHERE ff.finding_id = $fid AND f.hostname_source = 'sni'" | sort >"$D/s1.txt"
        tshark -r "$D/af$fid.pcap" -Y tls.handshake.type==1 -T fields \
            -e tls.handshake.extensions_server_name 2>/dev/null | sort -u >"$D/s2.txt"
        if cmp -s "$D/s1.txt" "$D/s2.txt"; then
            t_pass "extract_audit_finding_${fid}_sni ($(paste -sd' ' "$D/s2.txt"))"
        else
            t_fail "extract_audit_finding_${fid}_sni" "SNIs differ"
            diff "$D/s1.txt" "$D/s2.txt" | t_indent 10
        fi
        # the finding's display filter selects at least its evidence frames
        ok=1
        while IFS="$(printf '\t')" read -r _name sha filter; do
            iid=$(t_sql "$D/audit.db" "SELECT id FROM inputs WHERE sha256 = '$sha'")
            path=$(t_sql "$D/audit.db" "SELECT path FROM inputs WHERE id = $iid")
            tshark -r "$path" -Y "$filter" -T fields -e frame.number 2>/dev/null | sort >"$D/sel.txt"
            t_sql "$D/audit.db" "SELECT frame FROM finding_evidence WHERE finding_id = $fid AND input_id = $iid" |
                sort >"$D/ev.txt"
            [ -s "$D/ev.txt" ] || { ok=0; echo "    finding $fid: no evidence frames in input $iid"; }
            if [ -n "$(comm -23 "$D/ev.txt" "$D/sel.txt")" ]; then
                ok=0
                echo "    finding $fid: evidence frames outside the filter: $(comm -23 "$D/ev.txt" "$D/sel.txt" | head -5 | tr '\n' ' ')"
            fi
        done < <("$T_BIN" extract --finding "$fid" --filter "$D/audit.db")
        [ $ok -eq 1 ] && t_pass "dfilter_audit_finding_${fid}_covers_evidence" ||
            t_fail "dfilter_audit_finding_${fid}_covers_evidence" "see above"
    done
fi

# ---- mixed link types: one file per link type ----------------------------------------
"$T_BIN" analyze -q -o "$D/mixed.db" "$D/zoom.pcap" "$D/selfsigned.pcap" 2>/dev/null
a=$(t_sql "$D/mixed.db" "SELECT min(id) FROM flows WHERE input_id = 1")
b=$(t_sql "$D/mixed.db" "SELECT min(id) FROM flows WHERE input_id = 2")
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --flow "$a" --flow "$b" -w "$D/mixed.pcap" "$D/mixed.db"
lt1=$(capinfos -T -E "$D/mixed.pcap" 2>/dev/null | tail -1 | cut -f2)
lt2=$(capinfos -T -E "$D/mixed.NULL.pcap" 2>/dev/null | tail -1 | cut -f2)
if [ "$T_RC" -eq 0 ] && [ "$lt1" = ether ] && [ "$lt2" = null ]; then
    t_pass "extract_mixed_link_types (mixed.pcap ether, mixed.NULL.pcap null)"
else
    t_fail extract_mixed_link_types "exit $T_RC, link types '$lt1' '$lt2'"
    t_indent 5 <"$D/x.err"
fi

# ---- refusals and inputs ------------------------------------------------------------
sum1=$(sha256sum "$D/flow.pcap" | cut -c1-64)
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --flow "$FID" -w "$D/flow.pcap" "$D/zoom.db"
if [ "$T_RC" -eq 1 ] && grep -q 'never overwrites' "$D/x.err" &&
    [ "$(sha256sum "$D/flow.pcap" | cut -c1-64)" = "$sum1" ]; then
    t_pass extract_refuses_overwrite
else
    t_fail extract_refuses_overwrite "exit $T_RC"
    t_indent 5 <"$D/x.err"
fi

mkdir -p "$D/moved"
cp "$D/zoom.pcap" "$D/moved/zoom.pcap"
printf 'x' >>"$D/zoom.pcap"
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --flow "$FID" -w "$D/c.pcap" "$D/zoom.db"
if [ "$T_RC" -eq 1 ] && grep -q "zoom.pcap has changed since it was analysed" "$D/x.err" && [ ! -e "$D/c.pcap" ]; then
    t_pass extract_changed_input
else
    t_fail extract_changed_input "exit $T_RC"
    t_indent 5 <"$D/x.err"
fi
rm -f "$D/zoom.pcap"
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --flow "$FID" -w "$D/c.pcap" "$D/zoom.db"
if [ "$T_RC" -eq 1 ] && grep -q "(zoom.pcap, SHA-256 952f9aa0.*) is missing" "$D/x.err" && [ ! -e "$D/c.pcap" ]; then
    t_pass extract_missing_input
else
    t_fail extract_missing_input "exit $T_RC"
    t_indent 5 <"$D/x.err"
fi
t_run "$D/x.out" "$D/x.err" "$T_BIN" extract --flow "$FID" -w "$D/c.pcap" "$D/zoom.db" "$D/teams.pcap" "$D/moved/zoom.pcap"
if [ "$T_RC" -eq 0 ] && cmp -s "$D/c.pcap" "$D/flow.pcap"; then
    t_pass "extract_input_argument (moved input found by SHA-256, same bytes out)"
else
    t_fail extract_input_argument "exit $T_RC"
    t_indent 5 <"$D/x.err"
fi

# ---- usage ---------------------------------------------------------------------------
bad=0
for args in "" "--flow 1" "--flow 1 --org x -w o.pcap db" "--flow x -w o.pcap db" \
            "--flow 1 db" "--flow 1 --filter -w o.pcap db"; do
    # shellcheck disable=SC2086
    "$T_BIN" extract $args >/dev/null 2>&1
    [ $? -eq 2 ] || { bad=1; echo "    'extract $args' did not exit 2"; }
done
[ $bad -eq 0 ] && t_pass extract_usage_errors || t_fail extract_usage_errors "see above"

t_exit

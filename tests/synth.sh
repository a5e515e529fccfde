#!/bin/bash
# synth.sh - checks the synthetic audit fixtures of tests/synth/gen.py.
#
# Generates the fixtures twice into $T_TMP (must be byte-identical), then
# checks each capture with tshark (decodes cleanly with checksum
# validation on; the expected TLS SNIs, HTTP hosts/URIs and DNS names; the
# frame numbers MANIFEST.json promises), the test data (the MMDB through
# tests/synth/mkmmdb.py's reader, mmdblookup when installed, and meetaudit
# itself; the ASN CSV through meetaudit), and what `meetaudit analyze` +
# `flows --json --service zoom` make of each fixture: hostnames,
# organisations, parties, countries.
#
# Usage: MEETAUDIT=./meetaudit bash tests/synth.sh
. "$(dirname "$0")/lib.sh"
t_require_bin synth

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
GEN=tests/synth/gen.py
A=$T_TMP/a B=$T_TMP/b
FIX="fb_sdk canary_http baseline_idle session_bg excluded_country verdicts transport"

# ---- generation ------------------------------------------------------------
if $PY "$GEN" "$A" >"$T_TMP/gen.err" 2>&1 && $PY "$GEN" "$B" >>"$T_TMP/gen.err" 2>&1; then
    t_pass synth_generate
else
    t_fail synth_generate "gen.py failed"
    t_indent <"$T_TMP/gen.err"
    exit 1
fi
missing=
for f in $FIX; do [ -s "$A/$f.pcap" ] || missing="$missing $f.pcap"; done
for f in data/geo-whois-asn-country.mmdb data/asn-ipv4-num.csv MANIFEST.json; do
    [ -s "$A/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then t_pass synth_files; else t_fail synth_files "missing:$missing"; fi
if diff -r "$A" "$B" >"$T_TMP/diff" 2>&1; then
    t_pass synth_deterministic
else
    t_fail synth_deterministic "two runs differ"
    t_indent <"$T_TMP/diff"
fi

# ---- tshark ------------------------------------------------------------------
# One tshark pass per capture (tshark starts slowly): a '|'-separated table,
# multiple values of a field joined with ';'.  Columns:
#  1 frame.number  2 _ws.expert.severity  3 _ws.malformed  4 tls.handshake.type
#  5 SNI  6 tls.handshake.version  7 tls.handshake.ciphersuite  8 http.request
#  9 http.host  10 http.request.full_uri  11 http.request.uri  12 dns.qry.name
#  13 tcp.flags.syn  14 tcp.flags.ack  15 urlencoded-form.key  16 urlencoded-form.value
#  17 dns.flags.response
TS_OPTS=(-o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE
         -o tcp.analyze_sequence_numbers:TRUE)
dump() {
    tshark -n -r "$1" "${TS_OPTS[@]}" -T fields -E separator='|' -E occurrence=a -E aggregator=';' \
        -e frame.number -e _ws.expert.severity -e _ws.malformed -e tls.handshake.type \
        -e tls.handshake.extensions_server_name -e tls.handshake.version \
        -e tls.handshake.ciphersuite -e http.request -e http.host -e http.request.full_uri \
        -e http.request.uri -e dns.qry.name -e tcp.flags.syn -e tcp.flags.ack \
        -e urlencoded-form.key -e urlencoded-form.value -e dns.flags.response 2>/dev/null
}
# col FIX OUT [TESTCOL VALUE]: distinct values of column OUT (sorted), in the
# rows whose column TESTCOL has VALUE among its ';'-separated values.
col() {
    awk -F'|' -v o="$2" -v t="${3:-0}" -v v="$4" '
        { if (t > 0) { n = split($t, a, ";"); ok = 0
                       for (i = 1; i <= n; i++) if (a[i] == v) ok = 1
                       if (!ok) next }
          n = split($o, b, ";"); for (i = 1; i <= n; i++) if (b[i] != "") print b[i] }' \
        "$T_TMP/$1.tsv" | sort -u
}
# frames FIX COND: frame numbers (space-separated) of rows where the awk
# condition COND holds.
frames() { awk -F'|' "$2 { printf \"%s \", \$1 }" "$T_TMP/$1.tsv"; }
# expect NAME GOT WANT: compare two texts.
expect() {
    if [ "$2" = "$3" ]; then
        t_pass "$1"
    else
        t_fail "$1" "got [$(printf '%s' "$2" | tr '\n' ' ')], want [$(printf '%s' "$3" | tr '\n' ' ')]"
    fi
}

if ! command -v tshark >/dev/null 2>&1; then
    t_skip synth_tshark "tshark not installed"
else
    for f in $FIX; do
        dump "$A/$f.pcap" >"$T_TMP/$f.tsv"
        # Expert infos above Note (Warning 0x600000, Error 0x800000) or malformed.
        bad=$(awk -F'|' '{ n = split($2, s, ";"); for (i = 1; i <= n; i++) if (s[i] + 0 >= 6291456) { print $1; next }
                           if ($3 != "") print $1 }' "$T_TMP/$f.tsv" | head -5 | tr '\n' ' ')
        if [ ! -s "$T_TMP/$f.tsv" ]; then
            t_fail "synth_tshark_clean_$f" "tshark printed nothing"
        elif [ -z "$bad" ]; then
            t_pass "synth_tshark_clean_$f"
        else
            t_fail "synth_tshark_clean_$f" "expert warnings/errors or malformed in frames $bad"
        fi
    done

    expect synth_tshark_sni_fb_sdk "$(col fb_sdk 5 4 1)" "$(printf 'graph.facebook.com\nus04web.zoom.us')"
    expect synth_tshark_dns_fb_sdk "$(col fb_sdk 12)" "$(printf 'graph.facebook.com\nus04web.zoom.us')"
    expect synth_tshark_http_fb_sdk "$(col fb_sdk 10)" "http://graph.facebook.com/v2.0/113289095462482/activities"
    # The app-event form: tshark's urlencoded-form dissector splits it.
    form=$(awk -F'|' '$15 != "" { print $15 "|" $16 }' "$T_TMP/fb_sdk.tsv")
    want_idfa=$($PY -c 'import json,sys; m=json.load(open(sys.argv[1])); print([f for f in m["fixtures"][0]["flows"] if "advertiser_id" in f][0]["advertiser_id"])' "$A/MANIFEST.json")
    case $form in
        "event;advertiser_id;advertiser_tracking_enabled;application_tracking_enabled;anon_id;extinfo;"*"|MOBILE_APP_INSTALL;$want_idfa;1;1;"*'["i2","us.zoom.videomeetings"'*iPhone11*)
            t_pass synth_tshark_fb_form ;;
        *) t_fail synth_tshark_fb_form "form fields not as expected: $(printf '%s' "$form" | head -c 300)" ;;
    esac

    expect synth_tshark_sni_canary "$(col canary_http 5 4 1)" "us04web.zoom.us"
    expect synth_tshark_http_canary "$(col canary_http 9)" "api.segment.io"
    hash=$(printf '%s' tester@example.org | sha256sum | cut -d' ' -f1)
    uri=$(col canary_http 11)
    case $uri in
        *"em=$hash&"*) t_pass synth_tshark_canary_sha256 ;;
        *) t_fail synth_tshark_canary_sha256 "URI does not carry sha256(tester@example.org)=$hash: $uri" ;;
    esac

    expect synth_tshark_sni_baseline "$(col baseline_idle 5 4 1)" "mesu.apple.com"
    expect synth_tshark_sni_session "$(col session_bg 5 4 1)" \
        "$(printf 'mesu.apple.com\nsettings.crashlytics.com\nus04web.zoom.us')"
    expect synth_tshark_sni_country "$(col excluded_country 5 4 1)" \
        "$(printf 'us05mmr.zoom.us\nzmcn-key1.zoom.us')"
    expect synth_tshark_sni_verdicts "$(col verdicts 5 4 1)" \
        "$(printf 'api.openai.com\nus04web.zoom.us\nzoom-general.s3.amazonaws.com')"
    expect synth_tshark_tls_version "$(for f in $FIX; do [ "$f" = transport ] || col "$f" 6 4 2; done | sort -u)" \
        "0x0303"
    expect synth_tshark_tls10 "$(awk -F'|' '$4 == "2" { print $6, $7 }' "$T_TMP/transport.tsv"; col transport 5 4 1)" \
        "$(printf '0x0303 0xc02f\n0x0301 0xc013\nus04logfiles.zoom.us\nus04web.zoom.us')"
    expect synth_tshark_http_transport "$(col transport 10)" \
        "http://us04web.zoom.us/wc/join/93700000001?pwd=synthetic"

    # MANIFEST.json frame numbers: ClientHello, ServerHello, HTTP request,
    # SYN and DNS query frames are what tshark finds at those numbers.
    for f in $FIX; do
        # shellcheck disable=SC2016 # awk conditions, expanded by awk
        got=$(printf 'ch %s\nsh %s\nhttp %s\nsyn %s\ndns %s\n' \
            "$(frames "$f" '$4 ~ /(^|;)1(;|$)/')" "$(frames "$f" '$4 ~ /(^|;)2(;|$)/')" \
            "$(frames "$f" '$8 != ""')" "$(frames "$f" '$13 == "1" && $14 == "0"')" \
            "$(frames "$f" '$17 == "0"')")
        want=$($PY - "$A/MANIFEST.json" "$f.pcap" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
fx = [x for x in m["fixtures"] if x["file"] == sys.argv[2]][0]
def col(k):
    return "".join("%d " % fl[k] for fl in fx["flows"] if k in fl)
print("ch " + col("client_hello_frame"))
print("sh " + col("server_hello_frame"))
print("http " + col("http_request_frame"))
print("syn " + col("syn_frame"))
print("dns " + col("dns_query_frame"))
EOF
)
        expect "synth_manifest_frames_$f" "$got" "$want"
    done
fi

# ---- test data ---------------------------------------------------------------
MMDB=$A/data/geo-whois-asn-country.mmdb
got=$(for ip in 209.9.211.77 170.114.10.71 157.240.22.19 192.0.2.1; do
          $PY tests/synth/mkmmdb.py --lookup "$MMDB" "$ip"; done | tr '\n' ' ')
expect synth_mmdb_reader "$got" "{'country_code': 'CN'} {'country_code': 'US'} {'country_code': 'US'} None "
# The writer on its own: a longer prefix overrides a shorter one, in either
# argument order, and IPv6 networks work.
$PY tests/synth/mkmmdb.py "$T_TMP/o.mmdb" 10.1.0.0/16=FR 10.0.0.0/8=DE 2001:db8::/32=NL
got=$(for ip in 10.1.2.3 10.2.2.3 2001:db8::1 11.0.0.1; do
          $PY tests/synth/mkmmdb.py --lookup "$T_TMP/o.mmdb" "$ip"; done | tr '\n' ' ')
expect synth_mmdb_override "$got" "{'country_code': 'FR'} {'country_code': 'DE'} {'country_code': 'NL'} None "
if command -v mmdblookup >/dev/null 2>&1; then
    got=$(for ip in 10.1.2.3 10.2.2.3 2001:db8::1; do
              mmdblookup --file "$T_TMP/o.mmdb" --ip "$ip" country_code 2>&1; done | tr -d ' \n')
    expect synth_mmdblookup_override "$got" '"FR"<utf8_string>"DE"<utf8_string>"NL"<utf8_string>'

    got=$(mmdblookup --file "$MMDB" --ip 209.9.211.77 country_code 2>&1 | tr -d ' \n')
    got2=$(mmdblookup --file "$MMDB" --ip 170.114.10.71 country_code 2>&1 | tr -d ' \n')
    expect synth_mmdblookup "$got $got2" '"CN"<utf8_string> "US"<utf8_string>'
    if mmdblookup --file "$MMDB" --ip 192.0.2.1 2>&1 | grep -q 'Could not find an entry'; then
        t_pass synth_mmdblookup_miss
    else
        t_fail synth_mmdblookup_miss "192.0.2.1 should not be in the test mmdb"
    fi
else
    t_skip synth_mmdblookup "mmdblookup not installed (Debian package mmdb-bin)"
fi

# ---- meetaudit -----------------------------------------------------------------
DB=$T_TMP/synth.db
pcaps=""
for f in $FIX; do pcaps="$pcaps $A/$f.pcap"; done
# shellcheck disable=SC2086
t_run "$T_TMP/an.out" "$T_TMP/an.err" env MEETAUDIT_DATA="$A/data" "$T_BIN" analyze -q -o "$DB" $pcaps
if t_crashed synth_analyze "$T_TMP/an.err"; then
    :
elif [ "$T_RC" -ne 0 ]; then
    t_fail synth_analyze "analyze exited $T_RC"
    t_indent 20 <"$T_TMP/an.err"
else
    t_pass synth_analyze
fi

# One line per non-DNS flow: input host org_id-ish party country asn
flowsum() {
    env MEETAUDIT_DATA="$1" "$T_BIN" flows --json --service zoom "$DB" 2>"$T_TMP/flows.err" |
        $PY -c '
import json, sys
for l in sys.stdin:
    j = json.loads(l)
    if j["dest_port"] == 53:
        print(j["input"], "dns", (j.get("dns") or {}).get("query"), j["party"])
        continue
    names = ",".join(h["name"] + ":" + h["source"] for h in j.get("hostnames") or [])
    print(j["input"], j["dest_ip"], j["dest_port"], j["hostname"], names, j["org"], j["party"],
          ",".join(j["categories"]), j["country"], j["asn"],
          (j.get("tls") or {}).get("version"), (j.get("http") or {}).get("method"))'
}
flowsum /nonexistent >"$T_TMP/flows.nodata"
flowsum "$A/data" >"$T_TMP/flows.data"

# check_flow NAME FILE PATTERN: a flow line matching the extended regexp.
check_flow() {
    if grep -Eq "$3" "$2"; then
        t_pass "$1"
    else
        t_fail "$1" "no flow matches /$3/"
        t_indent 20 <"$2"
    fi
}
N=$T_TMP/flows.nodata D=$T_TMP/flows.data
check_flow synth_attrib_fb_zoom "$N" '^fb_sdk.pcap 170\.114\.52\.2 443 us04web\.zoom\.us us04web\.zoom\.us:sni Zoom Video Communications, Inc\. first first_party_service None None TLSv1\.2 None$'
check_flow synth_attrib_fb_graph_tls "$N" '^fb_sdk.pcap 157\.240\.22\.19 443 graph\.facebook\.com graph\.facebook\.com:sni Facebook \(Meta\) third advertising,analytics None None TLSv1\.2 None$'
check_flow synth_attrib_fb_graph_http "$N" '^fb_sdk.pcap 157\.240\.22\.19 80 graph\.facebook\.com graph\.facebook\.com:http Facebook \(Meta\) third advertising,analytics None None None POST$'
check_flow synth_attrib_canary_zoom "$N" '^canary_http.pcap 170\.114\.52\.2 443 us04web\.zoom\.us .* first '
check_flow synth_attrib_canary_segment "$N" '^canary_http.pcap 54\.192\.11\.58 80 api\.segment\.io [^ ]+ Segment \(Twilio\) third analytics None None None GET$'
check_flow synth_attrib_baseline_apple "$N" '^baseline_idle.pcap 17\.253\.53\.207 443 mesu\.apple\.com [^ ]+ Apple Inc\. third os_services '
check_flow synth_attrib_session_apple "$N" '^session_bg.pcap 17\.253\.53\.207 443 mesu\.apple\.com [^ ]+ Apple Inc\. third os_services '
check_flow synth_attrib_session_crash "$N" '^session_bg.pcap 142\.251\.32\.99 443 settings\.crashlytics\.com [^ ]+ Crashlytics \(Firebase, Google\) third crash_reporting '
check_flow synth_attrib_session_zoom "$N" '^session_bg.pcap 170\.114\.52\.2 443 us04web\.zoom\.us .* first '
check_flow synth_attrib_verdicts_aws "$N" '^verdicts.pcap 52\.216\.8\.40 443 zoom-general\.s3\.amazonaws\.com [^ ]+ Amazon Web Services third cloud '
check_flow synth_attrib_verdicts_openai "$N" '^verdicts.pcap 104\.18\.6\.192 443 api\.openai\.com [^ ]+ OpenAI third ai_service '
check_flow synth_attrib_transport_tls10 "$N" '^transport.pcap 170\.114\.52\.9 443 us04logfiles\.zoom\.us [^ ]+ Zoom Video Communications, Inc\. first first_party_service None None TLSv1\.0 None$'
check_flow synth_attrib_transport_http "$N" '^transport.pcap 170\.114\.52\.2 80 us04web\.zoom\.us us04web\.zoom\.us:http Zoom Video Communications, Inc\. first first_party_service None None None GET$'
n=$(grep -vc ' dns ' "$N")
expect synth_attrib_flow_count "$n" 17
# Every DNS query MANIFEST.json lists is a DNS flow of the same input, party local.
got=$(grep ' dns ' "$N" | sort -u)
want=$($PY - "$A/MANIFEST.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
out = set()
for fx in m["fixtures"]:
    for fl in fx["flows"]:
        out.add("%s dns %s local" % (fx["file"], fl.get("sni") or fl.get("host")))
print("\n".join(sorted(out)))
EOF
)
expect synth_attrib_dns "$got" "$want"
check_flow synth_country_cn "$D" '^excluded_country.pcap 209\.9\.211\.77 443 zmcn-key1\.zoom\.us .* Zoom Video Communications, Inc\. first first_party_service CN 30103 TLSv1\.2 None$'
check_flow synth_country_us "$D" '^excluded_country.pcap 170\.114\.10\.71 443 us05mmr\.zoom\.us .* Zoom Video Communications, Inc\. first first_party_service US 30103 TLSv1\.2 None$'
check_flow synth_asn_facebook "$D" '^fb_sdk.pcap 157\.240\.22\.19 443 .* US 32934 '
check_flow synth_asn_segment "$D" '^canary_http.pcap 54\.192\.11\.58 80 .* US 16509 '
n=$(grep -v ' dns ' "$D" | grep -c ' None None [^ ]* [^ ]*$')
expect synth_data_covers_all "$n" 0

t_exit

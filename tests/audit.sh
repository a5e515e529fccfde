#!/usr/bin/env bash
# audit.sh - `meetaudit audit`, `findings` and `diff` end to end (issue #5):
# the proofs on pcaps/zoom.pcap and pcaps/teams.pcap, byte-for-byte goldens
# of the summary and `findings --json`, every verdict class through the
# rule sets of tests/rules-audit/, baselines, the synthetic fixtures of
# tests/synth/gen.py, and exit codes.
#
#   MEETAUDIT=./meetaudit-audit bash tests/audit.sh [--update]
#
# --update rewrites tests/golden/audit-*.{txt,jsonl} from the current
# binary (review the diff before committing).
source "$(dirname "$0")/lib.sh"
t_require_bin audit

UPDATE=0
[ "${1:-}" = "--update" ] && UPDATE=1
export SOURCE_DATE_EPOCH=1700000000
export TMPDIR="$T_TMP/tmp"
mkdir -p "$TMPDIR"
G=tests/golden

# ma NAME OUT ERR ARGS...: run meetaudit; FAIL on a crash.  T_RC is set.
ma() {
    local name=$1 out=$2 err=$3
    shift 3
    t_run "$out" "$err" "$T_BIN" "$@"
    if t_crashed "$name" "$err"; then
        return 1
    fi
    return 0
}

# golden NAME FILE GOLDEN: compare byte for byte (or rewrite with --update).
golden() {
    if [ "$UPDATE" = 1 ]; then
        cp "$2" "$3"
        t_pass "$1 (golden updated)"
    elif cmp -s "$2" "$3"; then
        t_pass "$1"
    else
        t_fail "$1" "output differs from $3"
        diff -u "$3" "$2" | t_indent 30
    fi
}

# check NAME ACTUAL EXPECTED
check() {
    if [ "$2" = "$3" ]; then
        t_pass "$1"
    else
        t_fail "$1" "got '$2', expected '$3'"
    fi
}

# A data directory with only the AS range of teams.pcap's Dropbox server
# (162.125.19.131, in ip-location-db's numeric form; report/ipinfo.h).
DATA="$T_TMP/data"
mkdir -p "$DATA"
printf '2726100992,2726166527,19679,"Dropbox, Inc."\n' >"$DATA/asn-ipv4-num.csv"

# ---- zoom.pcap ------------------------------------------------------------
Z="$T_TMP/zoom.db"
if ma audit_zoom_runs "$T_TMP/zoom.txt" "$T_TMP/zoom.err" audit -q \
    --service zoom --rules rules -o "$Z" pcaps/zoom.pcap; then
    check audit_zoom_exit "$T_RC" 0
    golden audit_zoom_summary_golden "$T_TMP/zoom.txt" "$G/audit-zoom.txt"
    ma audit_zoom_findings "$T_TMP/zoom.jsonl" "$T_TMP/zf.err" \
        findings --json "$Z" &&
        golden audit_zoom_findings_golden "$T_TMP/zoom.jsonl" \
            "$G/audit-zoom.jsonl"
    check audit_zoom_gtm_not_clear "$(t_sql "$Z" "SELECT verdict FROM findings f JOIN finding_names n ON n.finding_id=f.id WHERE f.kind='third_party' AND n.hostname='www.googletagmanager.com' AND f.verdict<>'clear'")" ambiguous
    check audit_zoom_tls10_contradicts_e2ee "$(t_sql "$Z" "SELECT f.verdict || ' ' || f.claim_id || ' ' || ff.flow_id FROM findings f JOIN finding_flows ff ON ff.finding_id=f.id WHERE f.subtype='tls_below_min'")" "contradicted e2ee-aes-gcm 7"
    check audit_zoom_tls10_flow_is_tls10 "$(t_sql "$Z" "SELECT client_version FROM tls WHERE flow_id=7")" TLSv1.0
    check audit_zoom_zoom_us_raises_nothing "$(t_sql "$Z" "SELECT count(*) FROM finding_names n JOIN findings f ON f.id=n.finding_id WHERE n.hostname LIKE '%zoom.us' OR f.org_id='zoom'")" 0
    check audit_zoom_evidence_frames "$(t_sql "$Z" "SELECT group_concat(e.what || ':' || e.frame) FROM finding_evidence e JOIN findings f ON f.id=e.finding_id WHERE f.finding_key='third_party|google'")" "first_frame:1"
    check audit_zoom_created_at "$(t_sql "$Z" "SELECT created_at FROM audit_runs")" 2023-11-14T22:13:20Z
    check audit_zoom_rules_hashed "$(t_sql "$Z" "SELECT count(*) FROM audit_rules WHERE length(sha256)=64")" 5
fi

# The same database as INPUT (recognised by its header): a second run,
# same findings; `findings` shows the newest unless --run.
if ma audit_db_input "$T_TMP/zoom2.txt" "$T_TMP/zoom2.err" audit -q \
    --service zoom --rules rules "$Z"; then
    check audit_db_input_exit "$T_RC" 0
    check audit_db_input_run2 "$(head -1 "$T_TMP/zoom2.txt")" "audit run 2: Zoom (zoom)"
    "$T_BIN" findings --json "$Z" | sed 's/"finding_id":[0-9]*,//' >"$T_TMP/a"
    "$T_BIN" findings --json --run 1 "$Z" | sed 's/"finding_id":[0-9]*,//' >"$T_TMP/b"
    if [ -s "$T_TMP/a" ] && cmp -s "$T_TMP/a" "$T_TMP/b"; then
        t_pass audit_rerun_same_findings
    else
        t_fail audit_rerun_same_findings "run 2 differs from run 1"
    fi
    check audit_findings_newest "$("$T_BIN" findings --json "$Z" | head -1 | cut -c1-16)" '{"finding_id":3,'
fi

# ---- teams.pcap -------------------------------------------------------------
T="$T_TMP/teams.db"
if MEETAUDIT_DATA="$DATA" ma audit_teams_runs "$T_TMP/teams.txt" \
    "$T_TMP/teams.err" audit -q --service teams --rules rules -o "$T" \
    pcaps/teams.pcap; then
    check audit_teams_exit "$T_RC" 0
    golden audit_teams_summary_golden "$T_TMP/teams.txt" "$G/audit-teams.txt"
    ma audit_teams_findings "$T_TMP/teams.jsonl" "$T_TMP/tf.err" \
        findings --json "$T" &&
        golden audit_teams_findings_golden "$T_TMP/teams.jsonl" \
            "$G/audit-teams.jsonl"
    check audit_teams_dropbox_third "$(t_sql "$T" "SELECT kind || ' ' || party || ' ' || attribution FROM findings WHERE finding_key='third_party|dropbox'")" "third_party third session"
    check audit_teams_dropbox_observed "$(t_sql "$T" "SELECT count(*) FROM findings WHERE finding_key='third_party|dropbox' AND reason LIKE '%observed during the session%' AND reason NOT LIKE '%sent by the app%'")" 1
    check audit_teams_microsoft_first "$(t_sql "$T" "SELECT count(*) FROM findings WHERE kind='third_party' AND (org_id IN ('microsoft','aria','hockeyapp','skype') OR org LIKE '%Microsoft%')")" 0
fi

# ---- verdict classes (tests/rules-audit) -------------------------------------
verdict_of() { # RULES [ARGS...] -> verdict of third_party|google, newest run
    local rules=$1
    shift
    "$T_BIN" audit -q --service zoom --rules "$rules" "$@" "$Z" >/dev/null 2>"$T_TMP/v.err" || {
        echo "exit $?"
        return
    }
    t_sql "$Z" "SELECT verdict FROM findings WHERE finding_key='third_party|google' AND run_id=(SELECT max(id) FROM audit_runs)"
}
for v in clear vague omitted contradicted; do
    check "audit_verdict_$v" "$(verdict_of tests/rules-audit/$v)" "$v"
done
check audit_verdict_ambiguous "$(verdict_of rules)" ambiguous
check audit_verdict_when_context "$(verdict_of tests/rules-audit/clear --context ai_features=off)" ambiguous
check audit_verdict_when_other_context "$(verdict_of tests/rules-audit/clear --context ai_features=on)" clear
check audit_verdict_min_tls_10_ok "$(t_sql "$Z" "SELECT count(*) FROM findings WHERE subtype='tls_below_min' AND run_id=(SELECT max(id) FROM audit_runs)")" 0

# First-party check: a (test) denial of telemetry catches Microsoft's own
# Aria telemetry as kind first_party, never as a third party (Dropbox, a
# real third party, is omitted by this one-claim rule set).
if [ -f "$T" ]; then
    MEETAUDIT_DATA="$DATA" "$T_BIN" audit -q --service teams --rules tests/rules-audit/first-party "$T" >/dev/null 2>&1
    check audit_first_party_denial "$(t_sql "$T" "SELECT group_concat(kind || ' ' || verdict || ' ' || party || ' ' || org_id) FROM findings WHERE run_id=(SELECT max(id) FROM audit_runs) AND org_id<>'dropbox'")" "first_party contradicted first aria"
fi

# ---- findings / diff ------------------------------------------------------------
"$T_BIN" audit -q --service zoom --rules rules -o "$T_TMP/real.db" pcaps/zoom.pcap >/dev/null 2>&1
"$T_BIN" audit -q --service zoom --rules tests/rules-audit/omitted -o "$T_TMP/omitted.db" pcaps/zoom.pcap >/dev/null 2>&1
ma audit_diff_runs "$T_TMP/diff.txt" "$T_TMP/diff.err" diff "$T_TMP/real.db" "$T_TMP/omitted.db" --json &&
    check audit_diff_verdict_changed "$(grep -c '"change":"verdict_changed","what":"finding","key":"third_party|google","a":"ambiguous","b":"omitted"' "$T_TMP/diff.txt")" 1
ma audit_diff_counterparties "$T_TMP/diff2.txt" "$T_TMP/diff2.err" diff "$Z" "$T" &&
    check audit_diff_counterparties_text "$(sed -n '/^counterparties only in A:/,/^counterparties only in B:/p' "$T_TMP/diff2.txt" | grep -c -e '^  Google LLC (third party)$' -e '^  Zoom Video Communications, Inc. (first party)$') $(sed -n '/^counterparties only in B:/,/^findings/p' "$T_TMP/diff2.txt" | grep -c -e '^  Dropbox, Inc. (third party)$' -e '^  Microsoft Corporation (first party)$')" "2 2"
( cd "$T_TMP" && cp zoom.db evidence.db && "$T_BIN" findings >table.txt 2>table.err )
check audit_findings_default_db "$(grep -c 'third_party' "$T_TMP/table.txt")" 1

# ---- baseline, synthetic fixtures ----------------------------------------------
if [ -f tests/synth/gen.py ] && python3 tests/synth/gen.py "$T_TMP/syn" >/dev/null 2>&1; then
    S="$T_TMP/syn"
    SD="$S/data"
    MEETAUDIT_DATA="$SD" "$T_BIN" audit -q --service zoom --rules rules --baseline "$S/baseline_idle.pcap" -o "$T_TMP/bg.db" "$S/session_bg.pcap" >"$T_TMP/bg.txt" 2>"$T_TMP/bg.err"
    check audit_baseline_exit "$?" 0
    check audit_baseline_apple_background "$(t_sql "$T_TMP/bg.db" "SELECT scope || ' ' || severity || ' ' || attribution FROM findings WHERE finding_key='third_party|apple'")" "background info background"
    check audit_baseline_crashlytics_app "$(t_sql "$T_TMP/bg.db" "SELECT attribution FROM findings WHERE finding_key='third_party|crashlytics' AND reason LIKE '%sent by the app%'")" app
    check audit_baseline_tempdb_removed "$(ls "$TMPDIR" | grep -c meetaudit-baseline)" 0
    check audit_baseline_summary "$(grep -c '^background (also seen in the baseline' "$T_TMP/bg.txt")" 1
    check audit_baseline_sha256 "$(t_sql "$T_TMP/bg.db" "SELECT baseline_sha256 FROM audit_runs")" "$(sha256sum "$S/baseline_idle.pcap" | cut -d' ' -f1)"
    MEETAUDIT_DATA="$SD" "$T_BIN" audit -q --service zoom --rules rules -o "$T_TMP/nobg.db" "$S/session_bg.pcap" >/dev/null 2>&1
    check audit_no_baseline_session "$(t_sql "$T_TMP/nobg.db" "SELECT group_concat(org_id || ':' || attribution) FROM (SELECT org_id, attribution FROM findings WHERE kind='third_party' ORDER BY org_id)")" "apple:session,crashlytics:session"

    MEETAUDIT_DATA="$SD" "$T_BIN" audit -q --service zoom --rules rules -o "$T_TMP/fb.db" "$S/fb_sdk.pcap" >/dev/null 2>&1
    check audit_synth_facebook_third "$(t_sql "$T_TMP/fb.db" "SELECT count(*) FROM findings WHERE finding_key='third_party|facebook' AND verdict<>'clear'")" 1
    check audit_synth_facebook_ad_id "$(t_sql "$T_TMP/fb.db" "SELECT count(*) FROM findings WHERE kind='pii' AND subtype='ad_id' AND org_id='facebook' AND severity='high'")" 1
    fbframe=$(python3 -c "import json;m=json.load(open('$S/MANIFEST.json'));print([f for x in m['fixtures'] if x['file']=='fb_sdk.pcap' for f in x['flows'] if 'http_request_frame' in f][0]['http_request_frame'])")
    check audit_synth_facebook_evidence "$(t_sql "$T_TMP/fb.db" "SELECT count(*) FROM finding_evidence e JOIN findings f ON f.id=e.finding_id WHERE f.subtype='ad_id' AND e.frame=$fbframe")" 1

    MEETAUDIT_DATA="$SD" "$T_BIN" audit -q --service zoom --rules rules --canary email=tester@example.org -o "$T_TMP/can.db" "$S/canary_http.pcap" >/dev/null 2>&1
    check audit_synth_canary_sha256 "$(t_sql "$T_TMP/can.db" "SELECT json_extract(detail, '$.encoding') FROM findings WHERE subtype='canary:email'")" sha256
    "$T_BIN" audit -q --service zoom --rules rules -o "$T_TMP/can2.db" "$S/canary_http.pcap" >/dev/null 2>&1
    check audit_synth_canary_needs_option "$(t_sql "$T_TMP/can2.db" "SELECT count(*) FROM findings WHERE subtype LIKE 'canary:%'")" 0

    MEETAUDIT_DATA="$SD" "$T_BIN" audit -q --service zoom --rules rules -o "$T_TMP/cc.db" "$S/excluded_country.pcap" >/dev/null 2>&1
    check audit_synth_excluded_country "$(t_sql "$T_TMP/cc.db" "SELECT verdict || ' ' || country || ' ' || claim_id FROM findings WHERE kind='location'")" "contradicted CN china-dc-opted-out"
    "$T_BIN" audit -q --service zoom --rules rules -o "$T_TMP/cc2.db" "$S/excluded_country.pcap" >/dev/null 2>&1
    check audit_synth_no_country_data "$(t_sql "$T_TMP/cc2.db" "SELECT count(*) FROM findings WHERE kind='location'")" 0
else
    t_skip audit_synth "tests/synth/gen.py missing or failed"
fi

# A database without the cleartext table (analysed before schema 3): the
# audit runs and says what it could not do.
cp "$T_TMP/real.db" "$T_TMP/old.db" && sqlite3 "$T_TMP/old.db" "DROP TABLE cleartext" 2>/dev/null
ma audit_old_db "$T_TMP/old.txt" "$T_TMP/old.err" audit -q --service zoom --rules rules "$T_TMP/old.db" &&
    check audit_old_db_note "$T_RC $(grep -c '^note: pii: no cleartext table' "$T_TMP/old.txt")" "0 1"

# ---- --service auto ------------------------------------------------------------------
ma audit_auto_meet "$T_TMP/meet.txt" "$T_TMP/meet.err" audit -q --rules rules -o "$T_TMP/meet.db" pcaps/google_meet.pcapng &&
    check audit_auto_meet_says_so "$T_RC $(head -1 "$T_TMP/meet.txt")" "0 audit run 1: Google Meet (meet), chosen with --service auto: the service with the most first-party flows"
ma audit_auto_none "$T_TMP/o" "$T_TMP/e" audit -q --rules rules -o "$T_TMP/iphone.db" pcaps/iphone.pcap &&
    check audit_auto_none_msg "$T_RC $(grep -c 'iphone.db: --service auto: no flow of any known service' "$T_TMP/e")" "1 1"

# ---- exit codes and messages -------------------------------------------------------
ma audit_usage_noargs "$T_TMP/o" "$T_TMP/e" audit && check audit_usage_noargs_exit "$T_RC" 2
ma audit_usage_service "$T_TMP/o" "$T_TMP/e" audit --service skype pcaps/zoom.pcap && check audit_usage_service_exit "$T_RC" 2
ma audit_usage_context "$T_TMP/o" "$T_TMP/e" audit --context nokey pcaps/zoom.pcap && check audit_usage_context_exit "$T_RC" 2
ma audit_usage_mixed "$T_TMP/o" "$T_TMP/e" audit "$Z" pcaps/zoom.pcap && check audit_usage_mixed_exit "$T_RC" 2
ma audit_missing_input "$T_TMP/o" "$T_TMP/e" audit -o "$T_TMP/x.db" "$T_TMP/nope.pcap" &&
    check audit_missing_input_msg "$T_RC $(grep -c 'nope.pcap' "$T_TMP/e")" "1 1"
ma audit_no_client "$T_TMP/o" "$T_TMP/e" audit -q --service webex --rules rules "$Z" &&
    check audit_no_client_msg "$T_RC $(grep -c -- "zoom.db: .*--client" "$T_TMP/e")" "1 1"
ma audit_bad_baseline "$T_TMP/o" "$T_TMP/e" audit -q --service zoom --rules rules --baseline "$T_TMP/nope.db" "$Z" &&
    check audit_bad_baseline_exit "$T_RC $(grep -c nope.db "$T_TMP/e")" "1 1"
ma findings_missing_db "$T_TMP/o" "$T_TMP/e" findings "$T_TMP/nope.db" && check findings_missing_db_exit "$T_RC" 1
"$T_BIN" analyze -q -o "$T_TMP/plain.db" pcaps/dns.pcap >/dev/null 2>&1
ma findings_no_audit "$T_TMP/o" "$T_TMP/e" findings "$T_TMP/plain.db" &&
    check findings_no_audit_msg "$T_RC $(grep -c 'plain.db: no audit runs' "$T_TMP/e")" "1 1"
ma findings_bad_run "$T_TMP/o" "$T_TMP/e" findings --run 99 "$Z" && check findings_bad_run_exit "$T_RC" 1
ma findings_usage "$T_TMP/o" "$T_TMP/e" findings --bogus && check findings_usage_exit "$T_RC" 2
ma diff_usage "$T_TMP/o" "$T_TMP/e" diff "$Z" && check diff_usage_exit "$T_RC" 2

t_exit

#!/bin/bash
# report.sh - `meetaudit report`: Markdown, HTML, JSON and CSV reports of an
# audit run (issue #6).
#
# Checks:
#   - golden reports: the audits of pcaps/zoom.pcap (--service zoom),
#     pcaps/teams.pcap (--service teams) and of the synthetic fixtures of
#     tests/synth/gen.py (every kind of finding, a baseline, a canary, a
#     context label, country data) rendered as Markdown and JSON are
#     byte-identical to tests/golden/report-{zoom,teams,synth}.{md,json}, and
#     every format is byte-identical across two runs (SOURCE_DATE_EPOCH set);
#     REPORT_UPDATE_GOLDEN=1 rewrites the goldens instead (needed whenever
#     the audit, the rules files or the version change: the manifest holds
#     the rules files' SHA-256);
#   - the HTML is self-contained (no src=, <link>, url(), only in-page and
#     document links) and carries a CSP allowing only our script's hash;
#   - JSON: valid, top-level keys {manifest, summary, findings, endpoints,
#     tls, certificate_issues, countries, kernel_drops, flows_ref}; each
#     finding has the `findings --json` keys in contract order, then
#     display_filter and community_ids; one finding per findings row;
#   - CSV: RFC 4180 (CRLF records, parsed back by Python's csv module), one
#     row per finding on stdout; -o DIR writes one file per table;
#   - honesty wording: without a baseline the summary says "observed during
#     the session"; a secondary quote is labelled as not the policy's text;
#   - every display filter, applied with tshark to the input, selects at
#     least the finding's evidence frames (SKIP without tshark);
#   - hostile strings (a host name with HTML, script and a formula, a quote
#     closing the blockquote, invalid JSON in detail) cannot inject markup,
#     script or formulas into any format;
#   - kernel drops from capture_stats are shown ("Drops are evidence");
#   - --run N, format from -o's extension, usage errors (exit 2), a missing
#     database or one without an audit (exit 1);
#   - --sign writes REPORT.sig that `meetaudit verify` accepts (SKIP without
#     openssl).
# No check may leave sanitizer output on stderr.

. "$(dirname "$0")/lib.sh"
t_require_bin report

export SOURCE_DATE_EPOCH=1700000000
OUT=$T_TMP/out ERR=$T_TMP/err
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# check_rc NAME WANT_RC CMD...: run, FAIL on crash or wrong status.
check_rc() {
    local name=$1 want=$2
    shift 2
    t_run "$OUT" "$ERR" "$@"
    if t_crashed "$name" "$ERR"; then
        return 1
    fi
    if [ "$T_RC" -ne "$want" ]; then
        t_fail "$name" "exit status $T_RC, expected $want"
        t_indent 20 <"$ERR"
        return 1
    fi
    return 0
}

# audit SERVICE PCAP DB: analyse and audit one fixture (rules given
# relative to the repository root, so the manifest is the same anywhere).
audit() {
    check_rc "report_audit_$1" 0 "$T_BIN" audit -q --rules rules \
        --service "$1" -o "$3" "$2"
}

mkdir -p "$T_TMP/zoom" "$T_TMP/teams"
ZDB=$T_TMP/zoom/zoom.db TDB=$T_TMP/teams/teams.db
audit zoom pcaps/zoom.pcap "$ZDB" || exit 1
audit teams pcaps/teams.pcap "$TDB" || exit 1

# The synthetic fixtures (tests/synth/gen.py): every kind of finding (pii,
# location, transport, third-party verdicts), a baseline, a canary, a
# context label and country data.  Audited from inside the fixture
# directory with relative names, so the manifest does not depend on where
# the test runs.
SYN=$T_TMP/synth
if "$PY" tests/synth/gen.py "$SYN" >/dev/null 2>"$ERR"; then
    ln -s "$T_ROOT/rules" "$SYN/rules"
    if (cd "$SYN" && MEETAUDIT_DATA=data check_rc report_audit_synth 0 "$T_BIN" audit -q \
            --rules rules --service zoom --baseline baseline_idle.pcap \
            --canary email=tester@example.org --context ai_features=off -o synth.db \
            fb_sdk.pcap canary_http.pcap session_bg.pcap excluded_country.pcap \
            verdicts.pcap transport.pcap); then
        SYNTH=1
    else
        SYNTH=0
    fi
else
    t_fail report_synth_fixtures "tests/synth/gen.py failed"
    t_indent 10 <"$ERR"
    SYNTH=0
fi

# ---- goldens and determinism ------------------------------------------------
SVCS="zoom teams"
[ "$SYNTH" -eq 1 ] && SVCS="$SVCS synth"
for svc in $SVCS; do
    db=$T_TMP/$svc/$svc.db
    for fmt in md json html csv; do
        ok=1
        for run in 1 2; do
            if [ "$svc" = synth ]; then
                (cd "$SYN" && MEETAUDIT_DATA=data check_rc "report_${svc}_$fmt" 0 "$T_BIN" report --format "$fmt" synth.db) || { ok=0; break; }
            else
                check_rc "report_${svc}_$fmt" 0 "$T_BIN" report --format "$fmt" "$db" || { ok=0; break; }
            fi
            cp "$OUT" "$T_TMP/$svc/report$run.$fmt"
        done
        [ "$ok" -eq 1 ] || continue
        if cmp -s "$T_TMP/$svc/report1.$fmt" "$T_TMP/$svc/report2.$fmt"; then
            t_pass "report_${svc}_${fmt}_deterministic"
        else
            t_fail "report_${svc}_${fmt}_deterministic" "two runs differ"
            diff "$T_TMP/$svc/report1.$fmt" "$T_TMP/$svc/report2.$fmt" | cut -c1-300 | t_indent 10
        fi
        case $fmt in md | json) ;; *) continue ;; esac
        golden=tests/golden/report-$svc.$fmt
        if [ -n "$REPORT_UPDATE_GOLDEN" ]; then
            cp "$T_TMP/$svc/report1.$fmt" "$golden"
            t_skip "report_${svc}_${fmt}_golden" "golden rewritten (REPORT_UPDATE_GOLDEN)"
        elif [ ! -f "$golden" ]; then
            t_fail "report_${svc}_${fmt}_golden" "$golden missing (REPORT_UPDATE_GOLDEN=1 writes it)"
        elif cmp -s "$golden" "$T_TMP/$svc/report1.$fmt"; then
            t_pass "report_${svc}_${fmt}_golden"
        else
            t_fail "report_${svc}_${fmt}_golden" "differs from $golden"
            diff "$golden" "$T_TMP/$svc/report1.$fmt" | cut -c1-300 | t_indent 30
        fi
    done
done

# ---- JSON structure and CSV --------------------------------------------------
for svc in $SVCS; do
    db=$T_TMP/$svc/$svc.db
    nf=$(t_sql "$db" "SELECT count(*) FROM findings WHERE run_id = (SELECT max(id) FROM audit_runs)")
    if msg=$("$PY" - "$T_TMP/$svc/report1.json" "$nf" <<'EOF' 2>&1
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
top = ["manifest", "summary", "findings", "endpoints", "tls",
       "certificate_issues", "countries", "kernel_drops", "flows_ref"]
assert list(doc) == top, "top-level keys %r" % list(doc)
want = ["finding_id", "service", "kind", "subtype", "verdict", "severity",
        "scope", "attribution", "claim_id", "quote", "source", "claim_status",
        "reason", "org", "org_id", "party", "categories", "hostnames",
        "country", "bytes_toserver", "bytes_toclient", "first_ts", "last_ts",
        "flows", "evidence", "detail", "display_filter", "community_ids"]
assert len(doc["findings"]) == int(sys.argv[2]), "%d findings, db has %s" % (
    len(doc["findings"]), sys.argv[2])
for f in doc["findings"]:
    keys = list(f)[:len(want)]
    assert keys == want, "finding %s keys %r" % (f.get("finding_id"), keys)
    assert len(f["community_ids"]) == len(f["flows"]), "community ids"
    for e in f["evidence"]:
        assert len(e["input_sha256"]) == 64 and e["frames"], "evidence"
m = doc["manifest"]
for k in ("meetaudit_version", "ndpi_version", "rules", "inputs",
          "capture_range", "context", "clients", "baseline", "generated_at"):
    assert k in m, "manifest lacks " + k
assert m["generated_at"] == "2023-11-14T22:13:20Z", "SOURCE_DATE_EPOCH"
assert all(len(r["sha256"]) == 64 for r in m["rules"]) and m["rules"]
assert all(len(i["sha256"]) == 64 for i in m["inputs"]) and m["inputs"]
assert doc["summary"]["text"].startswith("During a")
ids = sorted({i for f in doc["findings"] for i in f["flows"]})
assert doc["flows_ref"]["flow_ids"] == ids, "flows_ref"
EOF
    ); then
        t_pass "report_${svc}_json_schema"
    else
        t_fail "report_${svc}_json_schema" "$(printf '%s' "$msg" | tail -1)"
    fi
    if msg=$("$PY" - "$T_TMP/$svc/report1.csv" "$nf" <<'EOF' 2>&1
import csv, sys
raw = open(sys.argv[1], "rb").read()
assert raw.endswith(b"\r\n"), "records must end in CRLF"
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF outside a quoted cell"
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0][0] == "finding_id", rows[0]
assert len(rows) == int(sys.argv[2]) + 1, "%d rows" % len(rows)
assert all(len(r) == len(rows[0]) for r in rows), "ragged rows"
for r in rows:
    for c in r:
        assert not c or c[0] not in "=+-@", "formula cell %r" % c
EOF
    ); then
        t_pass "report_${svc}_csv_rfc4180"
    else
        t_fail "report_${svc}_csv_rfc4180" "$(printf '%s' "$msg" | tail -1)"
    fi
done

if check_rc report_csv_dir 0 "$T_BIN" report -o "$T_TMP/csvdir/" "$ZDB"; then
    missing=
    for t in findings evidence endpoints tls certificates countries manifest; do
        [ -s "$T_TMP/csvdir/$t.csv" ] || missing="$missing $t"
    done
    if [ -z "$missing" ] && [ ! -e "$T_TMP/csvdir/drops.csv" ]; then
        t_pass report_csv_dir
    else
        t_fail report_csv_dir "missing:$missing (drops.csv only with capture_stats)"
    fi
fi

# ---- the HTML is self-contained ------------------------------------------------
# Nothing to fetch: no src= attribute, no <link>, no CSS url()/@import, no
# <iframe>/<object>/<embed>; the only hrefs are in-page anchors and document
# links; the CSP allows only our script by hash.
if msg=$("$PY" - "$T_TMP/zoom/report1.html" <<'EOF2' 2>&1
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
for bad in (r"\ssrc\s*=", r"<link\b", r"url\(", r"@import", r"<iframe",
            r"<object", r"<embed", r"<img"):
    assert not re.search(bad, h, re.I), "found " + bad
for href in re.findall(r'href="([^"]*)"', h):
    assert href.startswith("#") or href.startswith("https://"), "href " + href
csp = re.search(r'Content-Security-Policy" content="([^"]*)"', h)
assert csp and "default-src 'none'" in csp.group(1), "CSP"
assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]{44}'", csp.group(1)), "CSP hash"
assert h.count("<script>") == 1 and h.count("<svg") == 3, "script/svg count"
EOF2
); then
    t_pass report_html_self_contained
else
    t_fail report_html_self_contained "$(printf '%s' "$msg" | tail -1)"
fi

# ---- honesty wording -----------------------------------------------------------
# Without a baseline: "observed during the session"; a secondary or
# unverified quote is labelled so in its finding and is never called the
# service's statement.  With a baseline: traffic is charged to the app.
honesty() {
    "$PY" - "$1" "$2" "$3" <<'EOF2' 2>&1
import json, re, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
md = open(sys.argv[2], encoding="utf-8").read()
baseline = sys.argv[3] == "1"
text = doc["summary"]["text"]
if baseline:
    assert "charged to the app only when" in text, "baseline wording"
    assert "observed during the session" not in text, "no-baseline wording"
else:
    assert "observed during the session" in text, "no-baseline wording"
sections = re.split(r"^### Finding ", md, flags=re.M)[1:]
assert len(sections) == len(doc["findings"]), "one section per finding"
for f, sec in zip(doc["findings"], sections):
    assert sec.startswith("%d:" % f["finding_id"]), "section order"
    if f["quote"] and f["claim_status"] != "verbatim":
        assert "not the policy's own text" in sec, \
            "finding %d: secondary quote not labelled" % f["finding_id"]
        assert 'the statement "%s"' % f["quote"] not in text, \
            "summary calls a secondary quote the statement"
    want = "sent by the app" if f["attribution"] == "app" else \
        "observed during the session" if f["attribution"] == "session" else \
        "background traffic"
    assert want in sec, "finding %d: attribution wording" % f["finding_id"]
EOF2
}
if msg=$(honesty "$T_TMP/zoom/report1.json" "$T_TMP/zoom/report1.md" 0); then
    t_pass report_honesty_no_baseline
else
    t_fail report_honesty_no_baseline "$(printf '%s' "$msg" | tail -1)"
fi
if [ "$SYNTH" -eq 1 ]; then
    if msg=$(honesty "$T_TMP/synth/report1.json" "$T_TMP/synth/report1.md" 1); then
        t_pass report_honesty_synth_baseline
    else
        t_fail report_honesty_synth_baseline "$(printf '%s' "$msg" | tail -1)"
    fi
fi
mkdir -p "$T_TMP/base"
if check_rc report_audit_baseline 0 "$T_BIN" audit -q --rules rules --service zoom \
        --baseline pcaps/443-chrome.pcap -o "$T_TMP/base/zoom.db" pcaps/zoom.pcap &&
    "$T_BIN" report --format json "$T_TMP/base/zoom.db" >"$T_TMP/base/r.json" 2>/dev/null &&
    "$T_BIN" report "$T_TMP/base/zoom.db" >"$T_TMP/base/r.md" 2>/dev/null; then
    if msg=$(honesty "$T_TMP/base/r.json" "$T_TMP/base/r.md" 1); then
        t_pass report_honesty_baseline
    else
        t_fail report_honesty_baseline "$(printf '%s' "$msg" | tail -1)"
    fi
fi

# ---- display filters select the evidence frames -------------------------------
# dfcheck REPORT.json DIR: every finding's display filter, applied with tshark
# to each input holding its evidence (found in DIR by SHA-256), selects at
# least the evidence frames.
dfcheck() {
    "$PY" - "$1" "$2" <<'EOF2' 2>&1
import hashlib, json, os, subprocess, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
files = {}
for n in os.listdir(sys.argv[2]):
    p = os.path.join(sys.argv[2], n)
    if n.endswith(".pcap") and os.path.isfile(p):
        files[hashlib.sha256(open(p, "rb").read()).hexdigest()] = p
n = 0
for f in doc["findings"]:
    flt = f["display_filter"]
    assert flt, "finding %d has no display filter" % f["finding_id"]
    for e in f["evidence"]:
        path = files[e["input_sha256"]]
        out = subprocess.run(["tshark", "-n", "-r", path, "-Y", flt, "-T",
                              "fields", "-e", "frame.number"],
                             capture_output=True, text=True,
                             check=True).stdout.split()
        missing = set(e["frames"]) - {int(x) for x in out}
        assert not missing, "finding %d: frames %s of %s not selected" % (
            f["finding_id"], sorted(missing), os.path.basename(path))
        n += 1
assert n, "no evidence checked"
EOF2
}
if command -v tshark >/dev/null 2>&1; then
    if msg=$(dfcheck "$T_TMP/zoom/report1.json" pcaps); then
        t_pass report_display_filters_tshark
    else
        t_fail report_display_filters_tshark "$(printf '%s' "$msg" | tail -1)"
    fi
    if [ "$SYNTH" -eq 1 ]; then
        if msg=$(dfcheck "$T_TMP/synth/report1.json" "$SYN"); then
            t_pass report_synth_display_filters_tshark
        else
            t_fail report_synth_display_filters_tshark "$(printf '%s' "$msg" | tail -1)"
        fi
    fi
else
    t_skip report_display_filters_tshark "tshark not installed"
fi

# ---- hostile strings -------------------------------------------------------------
HDB=$T_TMP/hostile/zoom.db
mkdir -p "$T_TMP/hostile"
cp "$ZDB" "$HDB"
"$PY" - "$HDB" <<'EOF'
import sqlite3, sys
H = 'x"><img src=x onerror=alert(1)><script>alert(2)</script>`|`.evil.example'
ORG = '=HYPERLINK("http://evil.example","click")'
Q = "</blockquote><script>alert(3)</script>'\"&[x](javascript:alert(4))"
db = sqlite3.connect(sys.argv[1])
fid, flow = db.execute("SELECT f.id, ff.flow_id FROM findings f JOIN "
                       "finding_flows ff ON ff.finding_id = f.id "
                       "WHERE f.kind = 'third_party' ORDER BY f.id").fetchone()
db.execute("UPDATE findings SET org = ?, reason = ?, quote = ?, detail = ? "
           "WHERE id = ?", (ORG, "+" + H, Q, '{"x": </script>', fid))
db.execute("UPDATE finding_names SET hostname = ? WHERE finding_id = ?", (H, fid))
db.execute("UPDATE flows SET hostname = ? WHERE id = ?", (H, flow))
db.execute("UPDATE flow_names SET name = ? WHERE flow_id = ?", (H, flow))
db.commit()
EOF
for fmt in html md json csv; do
    check_rc "report_hostile_$fmt" 0 "$T_BIN" report --format "$fmt" -o "$T_TMP/hostile/report.$fmt" "$HDB" || continue
done
hh=$T_TMP/hostile/report.html
if [ -f "$hh" ] && [ "$(grep -o '<script' "$hh" | wc -l)" -eq 1 ] &&
    ! grep -q '<img' "$hh" && ! grep -q '</blockquote><script' "$hh" &&
    grep -q 'x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;' "$hh"; then
    t_pass report_hostile_html_escaped
else
    t_fail report_hostile_html_escaped "hostile host name or quote reached the HTML unescaped"
    grep -n 'evil.example' "$hh" 2>/dev/null | head -3 | cut -c1-300 | t_indent 5
fi
hm=$T_TMP/hostile/report.md
if [ -f "$hm" ] && ! grep -Pq '(?<!\\)<(img|script|/blockquote)' "$hm" &&
    ! grep -Pq '(?<!\\)\[x(?<!\\)\]' "$hm"; then
    t_pass report_hostile_md_escaped
else
    t_fail report_hostile_md_escaped "markup reached the Markdown unescaped"
fi
if msg=$("$PY" - "$T_TMP/hostile/report.json" "$T_TMP/hostile/report.csv" <<'EOF' 2>&1
import csv, json, sys
H = 'x"><img src=x onerror=alert(1)><script>alert(2)</script>`|`.evil.example'
ORG = '=HYPERLINK("http://evil.example","click")'
doc = json.load(open(sys.argv[1], encoding="utf-8"))
f = [f for f in doc["findings"] if f["org"] == ORG]
assert len(f) == 1, "hostile finding not found verbatim in JSON"
assert H in f[0]["hostnames"], "host name not kept verbatim"
assert f[0]["detail"] == '{"x": </script>', "invalid detail must be a string"
rows = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
cells = [c for r in rows for c in r]
assert "'" + ORG in cells, "formula organisation not prefixed"
assert "'+" + H in cells, "formula reason not prefixed"
for c in cells:
    assert not c or c[0] not in "=+-@", "formula cell %r" % c
EOF
); then
    t_pass report_hostile_json_csv
else
    t_fail report_hostile_json_csv "$(printf '%s' "$msg" | tail -1)"
fi

# ---- kernel drops ------------------------------------------------------------------
DDB=$T_TMP/drops/zoom.db
mkdir -p "$T_TMP/drops"
cp "$ZDB" "$DDB"
sqlite3 "$DDB" "CREATE TABLE IF NOT EXISTS capture_stats(input_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, interface TEXT, filter TEXT, snaplen INTEGER, buffer_bytes INTEGER, promisc INTEGER, user TEXT, captured INTEGER, ps_recv INTEGER, ps_drop INTEGER, ps_ifdrop INTEGER, started_at TEXT, ended_at TEXT, end_reason TEXT); INSERT INTO capture_stats(input_id, run_id, interface, captured, ps_recv, ps_drop, ps_ifdrop) VALUES(1, 1, 'wlan0', 781, 800, 19, 0);"
if check_rc report_drops 0 "$T_BIN" report "$DDB"; then
    if grep -q 'Drops are evidence' "$OUT" && grep -q '| zoom.pcap | wlan0 | 781 | 800 | 19 | 0 |' "$OUT" &&
        "$T_BIN" report --format json "$DDB" 2>/dev/null | grep -q '"kernel_drops":\[{"input":"zoom.pcap","interface":"wlan0","captured":781,"ps_recv":800,"ps_drop":19,"ps_ifdrop":0}\]'; then
        t_pass report_drops
    else
        t_fail report_drops "kernel drops not shown"
    fi
fi

# ---- options, runs and errors ---------------------------------------------------------
if check_rc report_format_from_ext 0 "$T_BIN" report -o "$T_TMP/x.html" "$ZDB" &&
    head -c 15 "$T_TMP/x.html" | grep -q '<!DOCTYPE html>'; then
    t_pass report_format_from_ext
fi
check_rc report_unknown_ext 2 "$T_BIN" report -o "$T_TMP/x.docx" "$ZDB" && t_pass report_unknown_ext
check_rc report_bad_format 2 "$T_BIN" report --format pdf "$ZDB" && t_pass report_bad_format
check_rc report_no_db_arg 2 "$T_BIN" report && t_pass report_no_db_arg
check_rc report_missing_db 1 "$T_BIN" report "$T_TMP/nonexistent.db" && t_pass report_missing_db
"$T_BIN" analyze -q -o "$T_TMP/plain.db" pcaps/dns.pcap >/dev/null 2>&1
if check_rc report_no_audit 1 "$T_BIN" report "$T_TMP/plain.db"; then
    if grep -q 'meetaudit audit' "$ERR"; then t_pass report_no_audit; else t_fail report_no_audit "message does not say to run meetaudit audit"; fi
fi
# a second run of the audit: --run picks either
"$T_BIN" audit -q --rules rules --service zoom --context platform=desktop \
    -o "$ZDB" "$ZDB" >/dev/null 2>&1
if check_rc report_run_1 0 "$T_BIN" report --format json --run 1 "$ZDB" &&
    grep -q '"run_id":1,' "$OUT" && ! grep -q '"name":"platform"' "$OUT" &&
    check_rc report_run_newest 0 "$T_BIN" report --format json "$ZDB" &&
    grep -q '"run_id":2,' "$OUT" && grep -q '"context":\[{"name":"platform","value":"desktop"}\]' "$OUT"; then
    t_pass report_run_select
else
    t_fail report_run_select "--run 1 / newest run not selected (second audit run missing?)"
fi
check_rc report_run_missing 1 "$T_BIN" report --run 99 "$ZDB" && t_pass report_run_missing
check_rc report_run_bad 2 "$T_BIN" report --run x "$ZDB" && t_pass report_run_bad
# no partial file is left behind when the output cannot be written
check_rc report_unwritable 1 "$T_BIN" report -o "$T_TMP/no/such/dir/r.md" "$ZDB" && t_pass report_unwritable

# ---- signing ------------------------------------------------------------------------------
if command -v openssl >/dev/null 2>&1 &&
    openssl genpkey -algorithm ed25519 -out "$T_TMP/k.pem" 2>/dev/null &&
    openssl pkey -in "$T_TMP/k.pem" -pubout -out "$T_TMP/k.pub" 2>/dev/null; then
    if check_rc report_sign 0 "$T_BIN" report --sign "$T_TMP/k.pem" -o "$T_TMP/s.md" "$ZDB" &&
        [ -s "$T_TMP/s.md.sig" ] &&
        check_rc report_sign_verify 0 "$T_BIN" verify "$T_TMP/s.md" "$T_TMP/k.pub"; then
        t_pass report_sign_verify
        echo tampered >>"$T_TMP/s.md"
        check_rc report_sign_tampered 1 "$T_BIN" verify "$T_TMP/s.md" "$T_TMP/k.pub" && t_pass report_sign_tampered
    fi
    check_rc report_sign_needs_file 2 "$T_BIN" report --sign "$T_TMP/k.pem" "$ZDB" && t_pass report_sign_needs_file
else
    t_skip report_sign_verify "openssl cannot make an Ed25519 key here"
fi

t_exit

#!/bin/bash
# chromium.sh - the HTML report in headless Chromium (issue #6).
#
# Checks, for the report of the audit of pcaps/zoom.pcap and for the same
# report with hostile host names, organisation and quote:
#   - Chromium (--headless --no-sandbox --disable-gpu
#     --disable-background-networking, logging to stderr) loads the file
#     and writes a screenshot: a PNG of the requested size;
#   - no console message at all in Chromium's log (errors, uncaught
#     exceptions, Content-Security-Policy refusals, failed loads all are
#     console messages): the page makes no fetch and runs only our script;
#   - the DOM after load holds the summary text and the attribute our
#     sorting script sets (so the script ran under the page's CSP);
#   - the hostile report's DOM has no <img> element and one <script>;
#   - clicking a table header sorts the rows (numerically by data-v),
#     ascending then descending (in a copy of the page with a test script);
#   - the checker itself fails on a page with a console error (a check that
#     cannot fail is no check).
# SKIP with the reason when no Chromium is installed (scripts/install-deps.sh
# installs Debian's chromium).

. "$(dirname "$0")/lib.sh"
t_require_bin chromium

CHROME=
for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then CHROME=$(command -v "$c"); break; fi
done
if [ -z "$CHROME" ]; then
    t_skip chromium_report "chromium is not installed (apt-get install chromium, or make deps)"
    exit 0
fi
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
export SOURCE_DATE_EPOCH=1700000000

# chrome_run NAME URL WHAT...: run headless Chromium once (dump-dom or
# screenshot) with a private profile; stdout to $T_TMP/NAME.dom, stderr to
# $T_TMP/NAME.log.
chrome_run() {
    local name=$1 url=$2
    shift 2
    timeout -k 5 90 "$CHROME" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --no-first-run \
        --disable-extensions --disable-sync --enable-logging=stderr --v=0 \
        --user-data-dir="$T_TMP/profile-$name" "$@" "$url" \
        >"$T_TMP/$name.dom" 2>"$T_TMP/$name.log"
}

# console_errors NAME: print the console lines of a run's log (none: ok).
console_errors() {
    grep -E ':CONSOLE[(:]|Uncaught|Refused to|Failed to load resource' "$T_TMP/$1.log"
}

# The checker must be able to fail: a page with a console error.
printf '<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction();</script></body></html>\n' >"$T_TMP/bad.html"
chrome_run selftest "file://$T_TMP/bad.html" --dump-dom
if console_errors selftest >/dev/null; then
    t_pass chromium_checker_sees_errors
else
    t_fail chromium_checker_sees_errors "a page with an uncaught error produced no console line: the check below cannot fail"
    t_indent 10 <"$T_TMP/selftest.log"
fi

DB=$T_TMP/zoom.db
if ! "$T_BIN" audit -q --rules rules --service zoom -o "$DB" pcaps/zoom.pcap >/dev/null 2>"$T_TMP/audit.err"; then
    t_fail chromium_report "audit of pcaps/zoom.pcap failed"
    t_indent 10 <"$T_TMP/audit.err"
    t_exit
fi
"$T_BIN" report -o "$T_TMP/report.html" "$DB" 2>"$T_TMP/report.err" ||
    { t_fail chromium_report "report failed"; t_indent 10 <"$T_TMP/report.err"; t_exit; }

cp "$DB" "$T_TMP/hostile.db"
"$PY" - "$T_TMP/hostile.db" <<'EOF'
import sqlite3, sys
H = 'x"><img src=x onerror=alert(1)><script>alert(2)</script>.evil.example'
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE finding_names SET hostname = ?", (H,))
db.execute("UPDATE findings SET org = ?, quote = ?", (
    "<img src=x onerror=alert(5)>",
    "</blockquote><script>alert(3)</script><img src=http://evil.example/x>"))
db.execute("UPDATE flows SET hostname = ?", (H,))
db.execute("UPDATE flow_names SET name = ?", (H,))
db.commit()
EOF
"$T_BIN" report -o "$T_TMP/hostile.html" "$T_TMP/hostile.db" 2>"$T_TMP/report.err" ||
    { t_fail chromium_report "hostile report failed"; t_indent 10 <"$T_TMP/report.err"; t_exit; }

for page in report hostile; do
    url="file://$T_TMP/$page.html"
    chrome_run "$page-dom" "$url" --dump-dom
    chrome_run "$page-shot" "$url" --window-size=1200,1600 \
        --screenshot="$T_TMP/$page.png"
    errs=$( { console_errors "$page-dom"; console_errors "$page-shot"; } )
    if [ -n "$errs" ]; then
        t_fail "chromium_${page}_console" "console messages while loading"
        printf '%s\n' "$errs" | t_indent 10
    else
        t_pass "chromium_${page}_console"
    fi
    if msg=$("$PY" - "$T_TMP/$page.png" <<'EOF' 2>&1
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1200, 1600), "size %dx%d" % (w, h)
assert len(b) > 20000, "suspiciously small (%d bytes): blank page?" % len(b)
EOF
    ); then
        t_pass "chromium_${page}_screenshot"
    else
        t_fail "chromium_${page}_screenshot" "$(printf '%s' "$msg" | tail -1)"
    fi
    dom=$T_TMP/$page-dom.dom
    if grep -q 'data-sortable="ready"' "$dom" &&
        grep -q '<p class="summary" id="summary">During a [0-9]' "$dom" &&
        grep -q "Zoom session the client contacted [0-9]* organisation" "$dom"; then
        t_pass "chromium_${page}_summary_and_script"
    else
        t_fail "chromium_${page}_summary_and_script" "summary text missing or our script did not run"
    fi
done
hd=$T_TMP/hostile-dom.dom
if [ -s "$hd" ] && ! grep -q '<img' "$hd" && [ "$(grep -o '<script' "$hd" | wc -l)" -eq 1 ] &&
    grep -q 'evil.example' "$hd"; then
    t_pass chromium_hostile_dom_inert
else
    t_fail chromium_hostile_dom_inert "the hostile strings created elements in the DOM"
    grep -o '.\{40\}<img.\{40\}' "$hd" | head -3 | t_indent 5
fi
# Sorting: a test copy of the report (CSP removed so that a test script may
# run after ours) clicks the "flows" header of the endpoint table twice and
# records whether the rows came out ascending, then descending, by number.
"$PY" - "$T_TMP/report.html" "$T_TMP/sorttest.html" <<'EOF'
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
h, n = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", h)
assert n == 1
test = """<script>(function(){
var t=document.querySelector('#endpoints + table'),th=t.querySelectorAll('th')[4];
function col(){return [].map.call(t.tBodies[0].rows,function(r){
 return Number(r.cells[4].getAttribute('data-v'));});}
th.click();var a=col();th.click();var d=col();
var up=a.every(function(x,i){return !i||a[i-1]<=x;}),
    down=d.every(function(x,i){return !i||d[i-1]>=x;});
document.documentElement.setAttribute('data-sort-test',
 up&&down&&a.length>2&&a[0]<a[a.length-1]?'ok':'bad '+a.join(',')+' / '+d.join(','));
})();</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(h.replace("</body>", test + "</body>"))
EOF
chrome_run sort "file://$T_TMP/sorttest.html" --dump-dom
if grep -q 'data-sort-test="ok"' "$T_TMP/sort.dom" && ! console_errors sort >/dev/null; then
    t_pass chromium_tables_sort
else
    t_fail chromium_tables_sort "clicking a header did not sort the rows by number: $(grep -o 'data-sort-test="[^"]*"' "$T_TMP/sort.dom")"
    console_errors sort | t_indent 5
fi
if [ -n "$REPORT_KEEP_SCREENSHOT" ]; then
    cp "$T_TMP/report.png" "$REPORT_KEEP_SCREENSHOT"
fi
t_exit

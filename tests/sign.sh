#!/bin/bash
# sign.sh - report signatures (report/sign.c) through the command line:
# `meetaudit report --sign KEY.pem` and `meetaudit verify REPORT KEY.pub`,
# with keys made by `openssl genpkey -algorithm ed25519` (as README says),
# and the signature checked independently by `openssl pkeyutl -verify
# -rawin` over the signed bytes.
#
#   MEETAUDIT=./meetaudit-extract UNIT_DIR=build-extract/tests/unit bash tests/sign.sh
#
# Cases, each failing with its own message: round trip, tampered report,
# tampered .sig line, wrong key, changed input, missing input.  When
# `report --sign` cannot produce a report (no audit engine), the signed set
# comes from the unit test (MEETAUDIT_SIGN_KEEP) instead.
source "$(dirname "$0")/lib.sh"
t_require_bin sign

if ! command -v openssl >/dev/null 2>&1; then
    t_skip sign "openssl command not installed"
    exit 0
fi
D=$T_TMP
UNIT_DIR=${UNIT_DIR:-build/tests/unit}
case $UNIT_DIR in /*) ;; *) UNIT_DIR=$T_ROOT/$UNIT_DIR ;; esac

openssl genpkey -algorithm ed25519 -out "$D/key.pem" 2>/dev/null &&
    openssl pkey -in "$D/key.pem" -pubout -out "$D/key.pub" 2>/dev/null &&
    openssl genpkey -algorithm ed25519 -out "$D/other.pem" 2>/dev/null &&
    openssl pkey -in "$D/other.pem" -pubout -out "$D/other.pub" 2>/dev/null || {
    t_skip sign "openssl cannot make Ed25519 keys"
    exit 0
}

# The signed set: an audit of a copy of zoom.pcap, its report, signed.
cp pcaps/zoom.pcap "$D/in.pcap"
INPUT=$D/in.pcap
REPORT=$D/report.md
VIA=report
t_run "$D/a.out" "$D/a.err" "$T_BIN" audit --service zoom -q -o "$D/evidence.db" "$D/in.pcap"
if [ "$T_RC" -eq 0 ]; then
    t_run "$D/r.out" "$D/r.err" "$T_BIN" report --sign "$D/key.pem" -o "$REPORT" "$D/evidence.db"
fi
if [ "$T_RC" -ne 0 ] || [ ! -s "$REPORT.sig" ]; then
    VIA=unit
    echo "    (audit or report --sign unavailable: exit $T_RC; using the unit test's signed files)"
    [ -f "$D/r.err" ] && t_indent 5 <"$D/r.err"
    rm -rf "$D/keep"
    mkdir -p "$D/keep"
    if [ ! -x "$UNIT_DIR/test_sign" ] ||
        ! MEETAUDIT_SIGN_KEEP="$D/keep" "$UNIT_DIR/test_sign" >"$D/u.out" 2>&1; then
        t_fail sign_setup "neither report --sign nor $UNIT_DIR/test_sign produced a signed report"
        t_indent 10 <"$D/u.out" 2>/dev/null
        t_exit
    fi
    cp "$D/keep/key.pem" "$D/key.pem"
    cp "$D/keep/key.pub" "$D/key.pub"
    REPORT=$D/keep/report.md
    INPUT=$D/keep/in.pcap
fi
SIG=$REPORT.sig
cp "$REPORT" "$D/report.orig"
cp "$SIG" "$D/sig.orig"
restore() { cp "$D/report.orig" "$REPORT"; cp "$D/sig.orig" "$SIG"; }

# verify_case NAME WANT_RC STDERR_PATTERN [KEY]
verify_case() {
    local name=$1 want=$2 pat=$3 key=${4:-$D/key.pub}
    t_run "$D/v.out" "$D/v.err" "$T_BIN" verify "$REPORT" "$key"
    if t_crashed "$name" "$D/v.err"; then return; fi
    if [ "$T_RC" -eq "$want" ] && grep -q -- "$pat" "$D/v.err" "$D/v.out"; then
        t_pass "$name"
    else
        t_fail "$name" "exit $T_RC (want $want), no '$pat'"
        t_indent 10 <"$D/v.out"
        t_indent 5 <"$D/v.err"
    fi
}

verify_case "sign_round_trip (via $VIA)" 0 "^verified: "
if grep -q '^ok      input .*in.pcap: SHA-256 952f9aa0' "$D/v.out" &&
    grep -q '^ok      signature: Ed25519' "$D/v.out" &&
    grep -q "^ok      report .*: SHA-256 $(sha256sum "$REPORT" | cut -c1-64)" "$D/v.out"; then
    t_pass "verify_prints_checks (signature, report SHA-256 as sha256sum, input)"
else
    t_fail verify_prints_checks "missing check lines"
    t_indent 10 <"$D/v.out"
fi

# The signature as the openssl command sees it: Ed25519 over every byte
# before the "signature " line.
n=$(grep -n '^signature ' "$SIG" | cut -d: -f1)
head -n $((n - 1)) "$SIG" >"$D/signed.bin"
sed -n "${n}p" "$SIG" | cut -d' ' -f2 | openssl base64 -d -A >"$D/sig.bin"
if [ "$(stat -c %s "$D/sig.bin")" = 64 ] &&
    openssl pkeyutl -verify -pubin -inkey "$D/key.pub" -rawin -in "$D/signed.bin" \
        -sigfile "$D/sig.bin" >/dev/null 2>&1; then
    t_pass "sign_openssl_pkeyutl_verifies"
else
    t_fail sign_openssl_pkeyutl_verifies "openssl pkeyutl -verify -rawin refused the signature"
fi
printf 'x' >>"$D/signed.bin"
if openssl pkeyutl -verify -pubin -inkey "$D/key.pub" -rawin -in "$D/signed.bin" \
    -sigfile "$D/sig.bin" >/dev/null 2>&1; then
    t_fail sign_openssl_pkeyutl_detects_change "a changed text still verified"
else
    t_pass sign_openssl_pkeyutl_detects_change
fi

printf '\n' >>"$REPORT"
verify_case verify_tampered_report 1 "the report was changed after signing"
restore

sed -i '2s/^report /report X/' "$SIG"   # the report's name, signed
verify_case verify_tampered_sig_line 1 "signature does not verify"
restore

verify_case verify_wrong_key 1 "signed with another key" "$D/other.pub"

cp "$INPUT" "$D/in.keep"
printf 'x' >>"$INPUT"
verify_case verify_changed_input 1 "the input file changed"
rm -f "$INPUT"
verify_case verify_missing_input 1 "in.pcap: missing or unreadable"
mv "$D/in.keep" "$INPUT"
verify_case verify_restored_input 0 "^verified: "

t_run "$D/v.out" "$D/v.err" "$T_BIN" verify "$REPORT"
[ "$T_RC" -eq 2 ] && t_pass verify_usage_error || t_fail verify_usage_error "exit $T_RC"

t_exit

#!/bin/bash
# rules.sh - `meetaudit rules check|list` exit codes and messages.
#
# Checks:
#   - the shipped rules/ directory passes: exit 0 and the one-line summary
#     "rules/entities.yaml: N organisations, N domains, N prefixes, N ASNs: ok";
#   - $MEETAUDIT_RULES is the default directory;
#   - a directory whose entities.yaml has problems: exit 1, every problem on
#     stderr as "file:line:column: message" sorted by line, then "N problems";
#   - service rule files (services/*.yaml) are validated too: the shipped
#     ones pass ("rules/services: N services: ok"); a YAML syntax error is
#     reported with its position and fails the check;
#   - a missing entities.yaml exits 1; usage errors exit 2;
#   - `rules list` prints one line per organisation plus a header.
# No check may leave sanitizer output on stderr.

. "$(dirname "$0")/lib.sh"
t_require_bin rules

OUT=$T_TMP/out ERR=$T_TMP/err

# check NAME WANT_RC CMD...: run, FAIL on crash or wrong status.
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

# The shipped rules.
if check_rc rules_check_shipped 0 "$T_BIN" rules check rules; then
    if grep -Eqx 'rules/entities\.yaml: [0-9]+ organisations, [0-9]+ domains, [0-9]+ prefixes, [0-9]+ ASNs: ok' "$OUT" &&
        { [ ! -d rules/services ] || grep -Eqx 'rules/services: [0-9]+ services: ok' "$OUT"; }; then
        t_pass rules_check_shipped
    else
        t_fail rules_check_shipped "no summary line"
        t_indent 10 <"$OUT"
    fi
fi

if check_rc rules_check_env_default 0 env MEETAUDIT_RULES="$T_ROOT/rules" "$T_BIN" rules check; then
    if grep -q "^$T_ROOT/rules/entities.yaml: .*: ok$" "$OUT"; then
        t_pass rules_check_env_default
    else
        t_fail rules_check_env_default "summary does not name \$MEETAUDIT_RULES/entities.yaml"
        t_indent 10 <"$OUT"
    fi
fi

# A broken entities.yaml: two problems, sorted by line.
BAD=$T_TMP/bad
mkdir -p "$BAD"
cat >"$BAD/entities.yaml" <<'EOF'
version: 1
organisations:
  - id: a
    name: A
    country: US
    categories: [cloud]
    domains: [example.com]
    source: test
  - id: b
    name: B
    country: UK
    categories: [cloud]
    domains: [example.com]
    source: test
EOF
if check_rc rules_check_problems 1 "$T_BIN" rules check "$BAD"; then
    want="$BAD/entities.yaml:11:14: 'UK' is not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB)
$BAD/entities.yaml:13:15: domain 'example.com' is already claimed by 'a' (line 7)
2 problems"
    if [ "$(cat "$ERR")" = "$want" ] && [ ! -s "$OUT" ]; then
        t_pass rules_check_problems
    else
        t_fail rules_check_problems "unexpected output"
        t_indent 20 <"$ERR"
    fi
fi

# `rules list` refuses a broken map and names the first problem.
if check_rc rules_list_problems 1 "$T_BIN" rules list "$BAD"; then
    if head -1 "$ERR" | grep -q "^$BAD/entities.yaml:11:14: "; then
        t_pass rules_list_problems
    else
        t_fail rules_list_problems "first problem not shown"
        t_indent 10 <"$ERR"
    fi
fi

# A service rule file with a YAML syntax error.
SVC=$T_TMP/svc
mkdir -p "$SVC/services"
cp rules/entities.yaml "$SVC/entities.yaml"
printf 'service: zoom\nhosts: [a, b\n' >"$SVC/services/zoom.yaml"
if check_rc rules_check_service_syntax 1 "$T_BIN" rules check "$SVC"; then
    if grep -q "^$SVC/services/zoom.yaml:3:1: .*syntax error" "$ERR" &&
        grep -q ": ok$" "$OUT"; then
        t_pass rules_check_service_syntax
    else
        t_fail rules_check_service_syntax "syntax error not reported with its position"
        t_indent 10 <"$ERR"
    fi
fi

# Missing file, usage errors.
mkdir -p "$T_TMP/emptydir"
check_rc rules_check_missing 1 "$T_BIN" rules check "$T_TMP/emptydir" &&
    t_pass rules_check_missing
check_rc rules_usage_none 2 "$T_BIN" rules && t_pass rules_usage_none
check_rc rules_usage_unknown 2 "$T_BIN" rules frobnicate && t_pass rules_usage_unknown
check_rc rules_usage_extra 2 "$T_BIN" rules check a b && t_pass rules_usage_extra
check_rc rules_help 0 "$T_BIN" rules --help && t_pass rules_help

# rules list: a header and one line per organisation.
if check_rc rules_list 0 "$T_BIN" rules list rules; then
    n=$(grep -c '^  - id: ' rules/entities.yaml)
    lines=$(wc -l <"$OUT")
    if [ "$lines" -eq $((n + 1)) ] &&
        grep -Eq '^hockeyapp +HockeyApp .* microsoft +analytics,crash_reporting$' "$OUT"; then
        t_pass rules_list
    else
        t_fail rules_list "$lines lines for $n organisations, or no hockeyapp line"
        t_indent 10 <"$OUT"
    fi
fi

t_exit

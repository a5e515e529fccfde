#!/bin/bash
# golden.sh - byte-for-byte regression tests of `meetaudit flows` output.
#
# Each line of tests/TESTLIST names a case (tcpdump style):
#     NAME  INPUT[,INPUT...]  EXPECTED  [extra analyze options...]
# INPUTs are paths relative to the repository root (several inputs, comma-
# separated, are analysed by one command into one database).  EXPECTED is a
# file under tests/golden/: NAME.jsonl is compared with `flows --json`, a
# .txt file with the table printed by plain `flows`.  Every case analyses
# into a fresh temporary database, requires exit status 0 and no crash, and
# compares the output byte for byte (first 40 lines of the diff shown on
# failure).  Every capture in pcaps/ must be the input of at least one case.
#
# Usage: tests/golden.sh [--update] [NAME...]
#   --update  rewrite the expected files from the current binary (review
#             them by eye before keeping them: git diff tests/golden).

. "$(dirname "$0")/lib.sh"

UPDATE=0
if [ "${1:-}" = --update ]; then UPDATE=1; shift; fi
ONLY=("$@")

t_require_bin golden
LIST=tests/TESTLIST
GOLD=tests/golden
if [ ! -f "$LIST" ]; then
    t_fail golden "$LIST not found"
    exit 1
fi

selected() {
    [ ${#ONLY[@]} -eq 0 ] && return 0
    local n
    for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done
    return 1
}

# run_case NAME INPUTS EXPECTED [OPTIONS...]
run_case() {
    local name=$1 inputs=$2 expected=$3 mode=json
    shift 3
    local db=$T_TMP/$name.db out=$T_TMP/$name.out err=$T_TMP/$name.err
    local -a files
    IFS=, read -r -a files <<<"$inputs"
    case $expected in *.txt) mode=table ;; esac

    local f
    for f in "${files[@]}"; do
        if [ ! -f "$f" ]; then
            t_fail "$name" "input $f does not exist"
            return
        fi
    done

    t_run "$out" "$err" "$T_BIN" analyze -o "$db" "$@" "${files[@]}"
    t_crashed "$name: analyze" "$err" && return
    if [ "$T_RC" -ne 0 ]; then
        t_fail "$name" "analyze exited with status $T_RC"
        t_indent 20 <"$err"
        return
    fi

    if [ "$mode" = json ]; then
        t_run "$out" "$err" "$T_BIN" flows --json "$db"
    else
        t_run "$out" "$err" "$T_BIN" flows "$db"
    fi
    t_crashed "$name: flows" "$err" && return
    if [ "$T_RC" -ne 0 ]; then
        t_fail "$name" "flows exited with status $T_RC"
        t_indent 20 <"$err"
        return
    fi
    if [ ! -s "$out" ]; then
        t_fail "$name" "flows printed nothing (a fixture without flows tests nothing)"
        return
    fi

    if [ "$UPDATE" -eq 1 ]; then
        mkdir -p "$GOLD"
        cp "$out" "$GOLD/$expected"
        t_pass "$name (updated $GOLD/$expected, $(wc -l <"$out") lines)"
        return
    fi
    if [ ! -f "$GOLD/$expected" ]; then
        t_fail "$name" "no expected file $GOLD/$expected (create it with tests/golden.sh --update $name)"
        return
    fi
    if cmp -s "$GOLD/$expected" "$out"; then
        t_pass "$name"
    else
        t_fail "$name" "output differs from $GOLD/$expected"
        diff -u "$GOLD/$expected" "$out" | t_indent 40
    fi
}

declare -A covered
ncases=0
lineno=0
while read -r name inputs expected opts <&3; do
    lineno=$((lineno + 1))
    case $name in ''|'#'*) continue ;; esac
    if [ -z "$expected" ]; then
        t_fail "testlist:$lineno" "malformed line (need NAME INPUT EXPECTED [OPTIONS])"
        continue
    fi
    IFS=, read -r -a ins <<<"$inputs"
    for f in "${ins[@]}"; do covered[$f]=1; done
    selected "$name" || continue
    ncases=$((ncases + 1))
    # shellcheck disable=SC2086  # options are deliberately word-split
    run_case "$name" "$inputs" "$expected" $opts
done 3<"$LIST"

# Coverage: one golden case (at least) per fixture.
if [ ${#ONLY[@]} -eq 0 ]; then
    missing=
    nfix=0
    for f in pcaps/*.pcap pcaps/*.pcapng pcaps/*.cap; do
        [ -f "$f" ] || continue
        nfix=$((nfix + 1))
        [ -n "${covered[$f]:-}" ] || missing="$missing $f"
    done
    if [ "$nfix" -eq 0 ]; then
        t_fail "golden:coverage" "no fixtures in pcaps/"
    elif [ -n "$missing" ]; then
        t_fail "golden:coverage" "fixtures without a TESTLIST case:$missing"
    else
        t_pass "golden:coverage ($nfix fixtures)"
    fi
fi
[ "$ncases" -gt 0 ] || t_fail golden "no case selected from $LIST"
t_exit

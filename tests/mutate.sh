#!/bin/bash
# mutate.sh - `meetaudit analyze` on truncated, bit-flipped and length-
# corrupted copies of fixture captures (generator: tests/mutate.py).
#
# Every case must end with exit status 0 or 1 (1 with a message naming the
# file), no crash, no hang (MUTATE_TIMEOUT s), no sanitizer report, and a
# database that passes PRAGMA integrity_check.  The cases are reproducible:
# MUTATE_SEED (default 1) and the fixture name seed the generator.
#
# A self-test first runs the generator against four fake binaries (one
# that dies of SIGSEGV, one that prints an AddressSanitizer report, one
# that hangs, one that leaves a corrupt database): each must be caught,
# so this test can fail.
#
# Environment: MEETAUDIT (binary), MUTATE_SEED, MUTATE_CASES (cases per
# fixture and kind, default 6), MUTATE_JOBS (parallel runs, default 2),
# MUTATE_TIMEOUT (seconds per run, default 30, 120 for a sanitizer
# build), MUTATE_KEEP (where failing inputs are kept; default
# build-mutate-failures/, ignored by git).
# Arguments: fixture paths (default: tests/mutate.py's list).

. "$(dirname "$0")/lib.sh"
t_require_bin mutate
if ! command -v python3 >/dev/null 2>&1; then
    t_skip mutate "python3 not installed"
    exit 0
fi
tmo=30
grep -q -a -e __asan_init -e __ubsan_handle "$T_BIN" && tmo=120

# Self-test: fake binaries "analyze -q -o DB FILE" that misbehave.
st_ok=1
for fake in segv asan hang corrupt; do
    f=$T_TMP/fake-$fake
    case $fake in
        segv)    printf '#!/bin/sh\nkill -SEGV $$\n' ;;
        asan)    printf '#!/bin/sh\necho "==1==ERROR: AddressSanitizer: heap-buffer-overflow" >&2\necho "meetaudit: $5: bad" >&2\nexit 1\n' ;;
        hang)    printf '#!/bin/sh\nexec sleep 30\n' ;;
        corrupt) printf '#!/bin/sh\nhead -c 8192 /dev/urandom >"$4"\nexit 0\n' ;;
    esac >"$f"
    chmod +x "$f"
    python3 tests/mutate.py --bin "$f" --seed 1 --cases 1 --jobs 2 --timeout 2 \
        --keep "$T_TMP/keep" pcaps/dns.pcap >"$T_TMP/st-$fake.out" 2>&1
    rc=$?
    if [ "$rc" -ne 1 ] || grep -q '^PASS' "$T_TMP/st-$fake.out" ||
       ! grep -q '^FAIL' "$T_TMP/st-$fake.out"; then
        st_ok=0
        t_fail mutate:selftest "a fake binary that misbehaves ($fake) was not caught (exit $rc)"
        t_indent 10 <"$T_TMP/st-$fake.out"
    fi
done
[ "$st_ok" -eq 1 ] &&
    t_pass "mutate:selftest (crash, sanitizer report, hang and corrupt database of fake binaries caught)"

python3 tests/mutate.py --bin "$T_BIN" --seed "${MUTATE_SEED:-1}" \
    --cases "${MUTATE_CASES:-6}" --jobs "${MUTATE_JOBS:-2}" \
    --timeout "${MUTATE_TIMEOUT:-$tmo}" \
    --keep "${MUTATE_KEEP:-$T_ROOT/build-mutate-failures}" "$@" || T_FAILS=$((T_FAILS + 1))
t_exit

#!/bin/bash
# mutate.sh - `meetaudit analyze` on truncated, bit-flipped and length-
# corrupted copies of fixture captures (generator: tests/mutate.py).
#
# Every case must end with exit status 0 or 1 (1 with a message naming the
# file), no crash, no hang (MUTATE_TIMEOUT s), no sanitizer report, and a
# database that passes PRAGMA integrity_check.  The cases are reproducible:
# MUTATE_SEED (default 1) and the fixture name seed the generator.
#
# Environment: MEETAUDIT (binary), MUTATE_SEED, MUTATE_CASES (cases per
# fixture and kind, default 10), MUTATE_JOBS (parallel runs, default 2),
# MUTATE_TIMEOUT (seconds per run, default 30; 120 for sanitizer builds
# is sensible), MUTATE_KEEP (where failing inputs are kept; default
# build-mutate-failures/, ignored by git).
# Arguments: fixture paths (default: tests/mutate.py's list).

. "$(dirname "$0")/lib.sh"
t_require_bin mutate
if ! command -v python3 >/dev/null 2>&1; then
    t_skip mutate "python3 not installed"
    exit 0
fi
python3 tests/mutate.py --bin "$T_BIN" --seed "${MUTATE_SEED:-1}" \
    --cases "${MUTATE_CASES:-10}" --jobs "${MUTATE_JOBS:-2}" \
    --timeout "${MUTATE_TIMEOUT:-30}" \
    --keep "${MUTATE_KEEP:-$T_ROOT/build-mutate-failures}" "$@"

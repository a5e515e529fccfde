#!/bin/bash
# crashsafe.sh - SIGKILL during analysis leaves a sound database, and a
# re-run finishes the job without duplicates.
#
# The workload is one `meetaudit analyze --max-flows 2000` over six inputs:
# fixtures and two generated floods of CRASH_FLOWS/2 distinct flows each
# (tests/flood.py; the small flow cap makes flows leave the table, and
# batches commit, all through a flood), one early and one late in the list,
# so kills land in different inputs with finished inputs before them.  A clean
# run into a reference database gives the expected content and the run
# time T.  Then CRASH_KILLS times (default 4), each into a fresh database:
#   1. start the workload, SIGKILL it at a random moment in [0.05 T, 0.95 T]
#      (seeded by CRASH_SEED, so the kill points are reproducible);
#   2. the database opens, PRAGMA integrity_check is ok,
#      PRAGMA foreign_key_check finds nothing, at most one input is
#      'analysing' and it holds whole batches only (its flow count is a
#      multiple of RPT_BATCH = 2000), every finished input holds exactly
#      the reference's flows;
#   3. start again and SIGKILL once more, earlier (a crash during the
#      recovery), check 2. again; when that re-run finishes before its kill
#      (the first kill left little to redo), it is started again from the
#      files the first kill left (kept aside) with half the delay, up to
#      five times, and only then said SKIP;
#   4. run to the end: exit 0, and the database equals the reference: one
#      input row per SHA-256, all 'complete', and for every input the same
#      flows (flow_seq, community id, frames, counters) and the same number
#      of tls/dns/http rows.
# Prints PASS/FAIL lines per kill and per recovery.
#
# Environment: MEETAUDIT, CRASH_FLOWS (default 120000), CRASH_KILLS (default 4),
# CRASH_SEED (default 1).

. "$(dirname "$0")/lib.sh"
t_require_bin crashsafe

FLOWS=${CRASH_FLOWS:-120000}
KILLS=${CRASH_KILLS:-4}
RANDOM=${CRASH_SEED:-1}
BATCH=2000

python3 tests/flood.py $((FLOWS / 2)) "$T_TMP/flood-a.pcap" &&
python3 tests/flood.py $((FLOWS / 2)) "$T_TMP/flood-b.pcap" --offset 8388608 ||
    { t_fail crashsafe:generate "tests/flood.py failed"; exit 1; }
INPUTS=(pcaps/zoom.pcap "$T_TMP/flood-a.pcap" pcaps/tls_long_cert.pcap pcaps/teams.pcap
        "$T_TMP/flood-b.pcap" pcaps/dns.pcap)
for f in "${INPUTS[@]}"; do
    [ -f "$f" ] || { t_fail crashsafe:setup "input $f missing"; exit 1; }
done
ARGS=(analyze -q --max-flows 2000)

CHK=$T_TMP/chk.py
cat >"$CHK" <<'EOF'
# chk.py MODE DB [REF]: MODE "killed" checks a database left by SIGKILL,
# "final" compares a finished database with the reference; prints problems,
# exit 1 if any.
import sqlite3, sys
mode, db = sys.argv[1], sys.argv[2]
batch = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
bad = []
try:
    c = sqlite3.connect(db)
    ic = c.execute("PRAGMA integrity_check").fetchone()[0]
    if ic != "ok":
        bad.append("integrity_check: " + ic)
    fk = c.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        bad.append("foreign_key_check: %d rows point nowhere, e.g. %r" % (len(fk), fk[0]))
except sqlite3.Error as e:
    print("database does not open: %s" % e)
    sys.exit(1)

def flows(conn, sha):
    return conn.execute(
        "SELECT f.flow_seq, f.community_id, f.first_frame, f.last_frame, f.pkts_toserver,"
        " f.pkts_toclient, f.bytes_toserver, f.bytes_toclient, f.end_reason"
        " FROM flows f JOIN inputs i ON i.id = f.input_id WHERE i.sha256 = ?"
        " ORDER BY f.flow_seq", (sha,)).fetchall()

def side(conn, sha):
    q = lambda t: conn.execute(
        "SELECT count(*) FROM %s t JOIN flows f ON f.id = t.flow_id"
        " JOIN inputs i ON i.id = f.input_id WHERE i.sha256 = ?" % t, (sha,)).fetchone()[0]
    return {t: q(t) for t in ("tls", "tls_certs", "dns", "dns_answers", "http")}

try:
    names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "inputs" not in names:
        if mode == "final":
            bad.append("no inputs table")
        print("\n".join(bad)); sys.exit(1 if bad else 0)
    rows = c.execute("SELECT sha256, name, status FROM inputs").fetchall()
    shas = [r[0] for r in rows]
    if len(shas) != len(set(shas)):
        bad.append("duplicate input rows: %r" % rows)
    ref = sqlite3.connect(sys.argv[3])
    ref_rows = {r[0]: r for r in ref.execute("SELECT sha256, name, status FROM inputs")}
    analysing = [r for r in rows if r[2] == "analysing"]
    if mode == "killed":
        if len(analysing) > 1:
            bad.append("%d inputs 'analysing' at once" % len(analysing))
        for sha, name, st in rows:
            n = len(flows(c, sha))
            if st == "analysing":
                if n % batch:
                    bad.append("%s: %d flows stored, not a whole number of %d-flow batches" % (name, n, batch))
            elif flows(c, sha) != flows(ref, sha):
                bad.append("%s: finished input (%s) differs from the reference" % (name, st))
    else:
        if sorted(shas) != sorted(ref_rows):
            bad.append("inputs %r, reference has %r" % (sorted(r[1] for r in rows),
                                                       sorted(r[1] for r in ref_rows.values())))
        for sha, name, st in rows:
            if st != ref_rows.get(sha, (0, 0, None))[2]:
                bad.append("%s: status %s, reference %s" % (name, st, ref_rows.get(sha)))
            a, b = flows(c, sha), flows(ref, sha)
            if a != b:
                bad.append("%s: %d flows, reference %d (or their contents differ)" % (name, len(a), len(b)))
            if side(c, sha) != side(ref, sha):
                bad.append("%s: tls/dns/http rows %r, reference %r" % (name, side(c, sha), side(ref, sha)))
except sqlite3.Error as e:
    bad.append("query failed: %s" % e)
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF

# Reference run, timed.
REF=$T_TMP/ref.db
t0=$(date +%s%N)
timeout -k 10 900 "$T_BIN" "${ARGS[@]}" -o "$REF" "${INPUTS[@]}" >"$T_TMP/ref.out" 2>"$T_TMP/ref.err"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$rc" -ne 0 ]; then
    t_fail crashsafe:reference "clean run exited with $rc"
    t_indent 10 <"$T_TMP/ref.err"
    exit 1
fi
nref=$(t_sql "$REF" "SELECT count(*) FROM flows;")
t_pass "crashsafe:reference (clean run: ${#INPUTS[@]} inputs, $nref flows, ${ms} ms)"

# kill_at DB MS: start the workload on DB, SIGKILL it after MS ms.
kill_at() {
    local db=$1 ms=$2 pid
    "$T_BIN" "${ARGS[@]}" -o "$db" "${INPUTS[@]}" >/dev/null 2>"$T_TMP/k.err" &
    pid=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"
        wait "$pid" 2>/dev/null
        return 0
    fi
    wait "$pid" 2>/dev/null
    return 1    # it finished before the kill
}

# checked NAME DB MODE: run chk.py, PASS/FAIL.
checked() {
    if python3 "$CHK" "$3" "$2" "$REF" "$BATCH" >"$T_TMP/c.out" 2>&1; then
        t_pass "$1"
    else
        t_fail "$1" "$(head -n 1 "$T_TMP/c.out")"
        t_indent 10 <"$T_TMP/c.out"
    fi
}

for k in $(seq 1 "$KILLS"); do
    db=$T_TMP/kill$k.db
    at=$(( ms * 5 / 100 + (RANDOM * 32768 + RANDOM) % (ms * 90 / 100 + 1) ))
    # A run faster than the reference may end before the kill: start again
    # on a fresh database with half the delay (a kill that kills nothing
    # would test nothing).
    tries=0
    while ! kill_at "$db" "$at"; do
        rm -f "$db" "$db-wal" "$db-shm"
        tries=$((tries + 1))
        if [ "$tries" -ge 5 ]; then
            break
        fi
        at=$(( at / 2 + 1 ))
    done
    if [ "$tries" -ge 5 ]; then
        t_fail "crashsafe:kill$k:after-kill" "the workload finished before every kill time (last ${at} ms)"
        continue
    fi
    st=$(t_sql "$db" "SELECT group_concat(name || '=' || status || '/' ||
          (SELECT count(*) FROM flows WHERE input_id = inputs.id), ' ') FROM inputs;")
    checked "crashsafe:kill$k:after-kill (SIGKILL at ${at} ms: ${st:-no input row yet})" "$db" killed
    # Kill the re-run too.  When it finishes first (the first kill left
    # little to redo), start it again from the state the first kill left,
    # kept aside, with half the delay.
    at2=$(( at / 3 + 1 ))
    for f in "$db" "$db-wal" "$db-shm"; do
        if [ -e "$f" ]; then cp "$f" "$f.kept"; else rm -f "$f.kept"; fi
    done
    tries2=0
    while ! kill_at "$db" "$at2"; do
        tries2=$((tries2 + 1))
        [ "$tries2" -ge 5 ] && break
        for f in "$db" "$db-wal" "$db-shm"; do
            rm -f "$f"
            if [ -e "$f.kept" ]; then cp "$f.kept" "$f"; fi
        done
        at2=$(( at2 / 2 + 1 ))
    done
    rm -f "$db.kept" "$db-wal.kept" "$db-shm.kept"
    if [ "$tries2" -lt 5 ]; then
        checked "crashsafe:kill$k:kill-during-rerun (SIGKILL at ${at2} ms)" "$db" killed
    else
        t_skip "crashsafe:kill$k:kill-during-rerun" "the re-run finished before ${at2} ms five times (the first kill left little to redo: ${st:-no input row})"
    fi
    timeout -k 10 900 "$T_BIN" "${ARGS[@]}" -o "$db" "${INPUTS[@]}" >"$T_TMP/r.out" 2>"$T_TMP/r.err"
    rc=$?
    if [ "$rc" -ne 0 ] || t_sanitizer_report "$T_TMP/r.err" >/dev/null; then
        t_fail "crashsafe:kill$k:rerun" "re-run exited with $rc"
        t_indent 10 <"$T_TMP/r.err"
        continue
    fi
    checked "crashsafe:kill$k:rerun-equals-reference" "$db" final
    rm -f "$db" "$db-wal" "$db-shm"
done
t_exit

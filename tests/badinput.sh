#!/bin/bash
# badinput.sh - meetaudit analyze against broken, hostile and repeated inputs.
#
# Checks, each case into a database that already holds a good capture
# (pcaps/zoom.pcap):
#   - usage errors exit 2 with a message;
#   - unreadable inputs (empty file, text file, nonexistent path, directory,
#     pcap cut inside its global header, pcapng whose block length is
#     corrupt) exit 1 with a message on stderr naming the file;
#   - a capture cut after its global header (no records) is a valid empty
#     capture: exit 0;
#   - pcap/pcapng cut inside the last record's header or data: exit 0, a
#     warning naming the file, and exactly the flows of the same capture cut
#     cleanly before that record;
#   - pcapng with an unknown block type inserted: exit 0 and the same flows
#     as the original (readers must skip unknown blocks);
#   - after every case the good capture's flows are unchanged and
#     PRAGMA integrity_check says ok;
#   - a bad file between two good ones does not stop them (exit 1, both good
#     captures stored with the flows they get alone);
#   - the same capture twice (again, under another name, twice on one
#     command line) adds no row to any table.
# Broken files are built in a temporary directory with head -c and python3.

. "$(dirname "$0")/lib.sh"
t_require_bin badinput

GOOD=pcaps/zoom.pcap
if [ ! -f "$GOOD" ]; then
    t_fail badinput "fixture $GOOD is missing"
    exit 1
fi
# A second good capture, different content, for the "among good ones" case.
GOOD2=
for f in pcaps/*.pcap pcaps/*.pcapng; do
    [ -f "$f" ] && ! cmp -s "$f" "$GOOD" && { GOOD2=$f; break; }
done

H=$T_TMP/helper.py
cat >"$H" <<'EOF'
# Small capture-file surgery for badinput.sh.
import struct, sys

def pcap_records(data):
    """[(offset, caplen)] of the records of a classic pcap."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit("not a classic pcap")
    out, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if off + 16 + caplen > len(data):
            break
        out.append((off, caplen))
        off += 16 + caplen
    return out

def pcapng_blocks(data):
    """[(offset, type, length)] of a pcapng file, and its byte order."""
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        sys.exit("not a pcapng")
    e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    out, off = [], 0
    while off + 12 <= len(data):
        t, n = struct.unpack(e + "II", data[off:off + 8])
        if n < 12 or off + n > len(data):
            break
        out.append((off, t, n))
        off += n
    return out, e

def pcap_to_pcapng(data):
    recs = pcap_records(data)
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    snap, link = struct.unpack(e + "II", data[16:24])
    def block(t, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", t, n) + body + struct.pack("<I", n)
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if nano:        # if_tsresol = 9
        opts = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)
    out += block(1, struct.pack("<HHI", link & 0xFFFF, 0, snap) + opts)
    for off, caplen in recs:
        sec, frac, cl, ol = struct.unpack(e + "IIII", data[off:off + 16])
        ts = sec * (10**9 if nano else 10**6) + frac
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, cl, ol)
                     + data[off + 16:off + 16 + caplen])
    return out

def pcapng_to_pcap(data):
    """Classic pcap of the packets of interface 0 (microseconds)."""
    blocks, e = pcapng_blocks(data)
    link, res, out = None, 10**6, []
    for off, t, n in blocks:
        b = data[off + 8:off + n - 4]
        if t == 1 and link is None:
            link = struct.unpack(e + "H", b[:2])[0]
            o = 8
            while o + 4 <= len(b):
                code, ln = struct.unpack(e + "HH", b[o:o + 4])
                if code == 0:
                    break
                if code == 9 and ln >= 1:
                    v = b[o + 4]
                    res = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                o += 4 + ln + (-ln % 4)
        elif t == 6:
            iface, hi, lo, cl, ol = struct.unpack(e + "IIIII", b[:20])
            if iface != 0:
                continue
            ts = (hi << 32 | lo) * 10**6 // res
            out.append(struct.pack("<IIII", ts // 10**6, ts % 10**6, cl, ol) + b[20:20 + cl])
    hdr = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, link or 1)
    return hdr + b"".join(out)

cmd, args = sys.argv[1], sys.argv[2:]
data = open(args[0], "rb").read()
if cmd == "kind":
    print("pcapng" if data[:4] == b"\x0a\x0d\x0d\x0a" else "pcap")
elif cmd == "cuts":
    # Offsets: end of the headers (no packet yet); start of the record in
    # the middle (a clean cut), inside its header, inside its data.
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        blocks, e = pcapng_blocks(data)
        epbs = [b for b in blocks if b[1] in (3, 6)]
        off, _, n = epbs[len(epbs) // 2]
        print(epbs[0][0], off, off + 4, off + n // 2)
    else:
        recs = pcap_records(data)
        off, caplen = recs[len(recs) // 2]
        print(24, off, off + 8, off + 16 + caplen // 2)
elif cmd == "topcap":
    open(args[1], "wb").write(pcapng_to_pcap(data))
elif cmd == "topcapng":
    open(args[1], "wb").write(pcap_to_pcapng(data))
elif cmd == "unknown":
    blocks, e = pcapng_blocks(data)
    at = blocks[1][0]
    body = b"meetaudit-test\0\0"
    n = 12 + len(body)
    unk = struct.pack(e + "II", 0x0BAD0BAD, n) + body + struct.pack(e + "I", n)
    open(args[1], "wb").write(data[:at] + unk + data[at:])
elif cmd == "setlen":
    # setlen IN OUT INDEX LEN: overwrite the length of block INDEX (both
    # copies, so that only the value is wrong).
    blocks, e = pcapng_blocks(data)
    off, t, n = blocks[int(args[2])]
    new = int(args[3], 0)
    b = bytearray(data)
    b[off + 4:off + 8] = struct.pack(e + "I", new)
    b[off + n - 4:off + n] = struct.pack(e + "I", new)
    open(args[1], "wb").write(bytes(b))
elif cmd == "flows":
    # flows JSONL INPUT-NAME: that input's flows without the fields that
    # depend on the file name or the database (flow_id, input, sha256).
    import json
    out = []
    for line in data.decode().splitlines():
        fl = json.loads(line)
        if fl.get("input") != args[1]:
            continue
        for k in ("flow_id", "input", "input_sha256"):
            fl.pop(k, None)
        out.append(json.dumps(fl, sort_keys=True))
    print("\n".join(sorted(out)))
EOF
hp() { python3 "$H" "$@"; }

# analyze DB ARGS...: run analyze into DB; output in $T_TMP/a.out/a.err.
analyze() {
    local db=$1
    shift
    t_run "$T_TMP/a.out" "$T_TMP/a.err" "$T_BIN" analyze -o "$db" "$@"
}

# flows_of DB INPUT-NAME > FILE: that input's flows, normalised.
flows_of() {
    "$T_BIN" flows --json "$1" >"$T_TMP/f.jsonl" 2>"$T_TMP/f.err" || return 1
    hp flows "$T_TMP/f.jsonl" "$2"
}

integrity() { t_sql "$1" "PRAGMA integrity_check;"; }

# Reference: the good captures analysed alone.
REF=$T_TMP/ref.db
analyze "$REF" "$GOOD"
if t_crashed "badinput:setup" "$T_TMP/a.err" || [ "$T_RC" -ne 0 ]; then
    t_fail badinput:setup "analyze $GOOD exited with status $T_RC"
    t_indent 20 <"$T_TMP/a.err"
    exit 1
fi
flows_of "$REF" "${GOOD##*/}" >"$T_TMP/ref.flows"
if [ ! -s "$T_TMP/ref.flows" ]; then
    t_fail badinput:setup "$GOOD gives no flows"
    exit 1
fi

# fresh_db NAME: a new database already holding $GOOD.
fresh_db() {
    local db=$T_TMP/$1.db
    rm -f "$db"
    "$T_BIN" analyze -q -o "$db" "$GOOD" >/dev/null 2>&1
    printf '%s\n' "$db"
}

# kept CASE DB: $GOOD's flows intact and the database sound.
kept() {
    local ic
    ic=$(integrity "$2")
    if [ "$ic" != ok ]; then
        t_fail "$1:db" "PRAGMA integrity_check: $ic"
    elif ! flows_of "$2" "${GOOD##*/}" >"$T_TMP/k.flows"; then
        t_fail "$1:db" "flows --json failed afterwards: $(head -c 300 "$T_TMP/f.err")"
    elif ! cmp -s "$T_TMP/ref.flows" "$T_TMP/k.flows"; then
        t_fail "$1:db" "flows of ${GOOD##*/} changed"
        diff "$T_TMP/ref.flows" "$T_TMP/k.flows" | t_indent 10
    else
        t_pass "$1:db"
    fi
}

# names_file CASE FILE: stderr of the last run names FILE.
names_file() {
    if [ ! -s "$T_TMP/a.err" ]; then
        t_fail "$1:message" "nothing on stderr"
    elif grep -qF -- "${2##*/}" "$T_TMP/a.err"; then
        t_pass "$1:message"
    else
        t_fail "$1:message" "stderr does not name ${2##*/}: $(head -c 300 "$T_TMP/a.err" | tr '\n' ' ')"
    fi
}

# expect_status CASE WANT: the last run exited with WANT.
expect_status() {
    t_crashed "$1:status" "$T_TMP/a.err" && return
    if [ "$T_RC" -eq "$2" ]; then
        t_pass "$1:status"
    else
        t_fail "$1:status" "exit status $T_RC, want $2"
        t_indent 10 <"$T_TMP/a.err"
    fi
}

# unreadable CASE FILE: a file that cannot be analysed at all.
unreadable() {
    local db
    db=$(fresh_db "$1")
    analyze "$db" "$2"
    expect_status "$1" 1
    names_file "$1" "$2"
    kept "$1" "$db"
}

# ---------------------------------------------------------------- usage
usage() {
    local name=$1
    shift
    t_run "$T_TMP/a.out" "$T_TMP/a.err" "$T_BIN" "$@"
    t_crashed "usage:$name" "$T_TMP/a.err" && return
    if [ "$T_RC" -ne 2 ]; then
        t_fail "usage:$name" "exit status $T_RC, want 2"
    elif [ ! -s "$T_TMP/a.err" ]; then
        t_fail "usage:$name" "exit status 2 but no message on stderr"
    else
        t_pass "usage:$name"
    fi
}
usage no-args
usage unknown-command frobnicate
usage analyze-no-file analyze -o "$T_TMP/u.db"
usage analyze-bad-option analyze --no-such-option "$GOOD"
usage flows-two-dbs flows "$T_TMP/a.db" "$T_TMP/b.db"

# `flows` without a database reads ./evidence.db, like analyze writes it.
mkdir -p "$T_TMP/nodb"
t_run "$T_TMP/a.out" "$T_TMP/a.err" sh -c 'cd "$1" && exec "$2" flows' sh "$T_TMP/nodb" "$T_BIN"
if ! t_crashed "flows-default-db:missing" "$T_TMP/a.err"; then
    if [ "$T_RC" -eq 1 ] && grep -q "evidence.db" "$T_TMP/a.err"; then
        t_pass "flows-default-db:missing"
    else
        t_fail "flows-default-db:missing" "exit $T_RC, stderr: $(head -c 200 "$T_TMP/a.err")"
    fi
fi
t_run "$T_TMP/a.out" "$T_TMP/a.err" sh -c 'cd "$1" && "$2" analyze -q "$3" && exec "$2" flows --json' sh "$T_TMP/nodb" "$T_BIN" "$PWD/$GOOD"
if ! t_crashed "flows-default-db:present" "$T_TMP/a.err"; then
    if [ "$T_RC" -eq 0 ] && [ -s "$T_TMP/a.out" ] && [ -f "$T_TMP/nodb/evidence.db" ]; then
        t_pass "flows-default-db:present ($(wc -l <"$T_TMP/a.out") flows)"
    else
        t_fail "flows-default-db:present" "exit $T_RC, stderr: $(head -c 200 "$T_TMP/a.err")"
    fi
fi

# ---------------------------------------------------------------- unreadable
D=$T_TMP/in
mkdir -p "$D"
: >"$D/empty.pcap"
unreadable empty "$D/empty.pcap"
printf 'This is not a capture file.\nJust text.\n' >"$D/notes.pcap"
unreadable text "$D/notes.pcap"
unreadable nonexistent "$D/no-such-file.pcap"
mkdir -p "$D/adir.pcap"
unreadable directory "$D/adir.pcap"
# -q silences progress, not errors.
db=$(fresh_db quiet)
analyze "$db" -q "$D/notes.pcap"
expect_status quiet-error 1
names_file quiet-error "$D/notes.pcap"

# ---------------------------------------------------------------- truncation
# truncated CASE CUTFILE CLEANFILE: CUTFILE ends inside a record; CLEANFILE
# is the same capture cut just before that record.
truncated() {
    local db clean_db name=$1 cut=$2 clean=$3
    db=$(fresh_db "$name")
    analyze "$db" "$cut"
    expect_status "$name" 0
    names_file "$name" "$cut"
    kept "$name" "$db"
    clean_db=$T_TMP/$name-clean.db
    analyze "$clean_db" "$clean"
    if [ "$T_RC" -ne 0 ]; then
        t_fail "$name:flows" "the cleanly cut capture $(basename "$clean") exited with $T_RC"
        return
    fi
    flows_of "$db" "${cut##*/}" >"$T_TMP/t1"
    flows_of "$clean_db" "${clean##*/}" >"$T_TMP/t2"
    if [ ! -s "$T_TMP/t2" ]; then
        t_fail "$name:flows" "the records before the cut give no flows"
    elif cmp -s "$T_TMP/t1" "$T_TMP/t2"; then
        t_pass "$name:flows ($(wc -l <"$T_TMP/t2") flows from the complete records)"
    else
        t_fail "$name:flows" "flows differ from the same capture cut before the broken record"
        diff "$T_TMP/t2" "$T_TMP/t1" | t_indent 10
    fi
}

# truncation_cases PREFIX CAPTURE: the capture cut inside its first header,
# after its headers, and inside the header and the data of a middle record.
truncation_cases() {
    local p=$1 cap=$2 ext hdr rec mid_hdr mid_data db n
    ext=${cap##*.}
    read -r hdr rec mid_hdr mid_data < <(hp cuts "$cap")
    if [ -z "$mid_data" ]; then
        t_fail "$p-truncation" "cannot find the records of $cap"
        return
    fi

    head -c 12 "$cap" >"$D/$p-cut-file-header.$ext"
    unreadable "$p-cut-file-header" "$D/$p-cut-file-header.$ext"

    # Headers and no record: a valid empty capture.
    head -c "$hdr" "$cap" >"$D/$p-header-only.$ext"
    db=$(fresh_db "$p-header-only")
    analyze "$db" "$D/$p-header-only.$ext"
    expect_status "$p-header-only" 0
    n=$(flows_of "$db" "$p-header-only.$ext" | grep -c .)
    if [ "$n" = 0 ]; then t_pass "$p-header-only:no-flows"
    else t_fail "$p-header-only:no-flows" "$n flows from a capture without packets"; fi
    kept "$p-header-only" "$db"

    head -c "$rec" "$cap" >"$D/$p-clean-cut.$ext"
    head -c "$mid_hdr" "$cap" >"$D/$p-cut-record-header.$ext"
    head -c "$mid_data" "$cap" >"$D/$p-cut-record-data.$ext"
    truncated "$p-cut-record-header" "$D/$p-cut-record-header.$ext" "$D/$p-clean-cut.$ext"
    truncated "$p-cut-record-data" "$D/$p-cut-record-data.$ext" "$D/$p-clean-cut.$ext"
}

# One classic pcap and one pcapng holding the same packets: $GOOD and its
# conversion to the other format.  Both must give the same flows.
if [ "$(hp kind "$GOOD")" = pcap ]; then
    PCAP=$GOOD NG=$D/converted.pcapng
    hp topcapng "$GOOD" "$NG"
else
    NG=$GOOD PCAP=$D/converted.pcap
    hp topcap "$GOOD" "$PCAP"
fi
[ -s "$PCAP" ] && [ -s "$NG" ] || t_fail converted "could not convert ${GOOD##*/}"
[ "$PCAP" = "$GOOD" ] && conv=$NG || conv=$PCAP
analyze "$T_TMP/conv.db" "$conv"
flows_of "$T_TMP/conv.db" "${conv##*/}" >"$T_TMP/conv.flows"
if [ "$T_RC" -ne 0 ]; then
    t_fail converted "analyze of ${GOOD##*/} converted to ${conv##*.} exited with $T_RC"
elif cmp -s "$T_TMP/ref.flows" "$T_TMP/conv.flows"; then
    t_pass "converted:flows (${GOOD##*/} as ${conv##*.} gives the same flows)"
else
    t_fail converted:flows "${GOOD##*/} converted to ${conv##*.} gives other flows"
    diff "$T_TMP/ref.flows" "$T_TMP/conv.flows" | t_indent 10
fi

truncation_cases pcap "$PCAP"
truncation_cases pcapng "$NG"

# ---------------------------------------------------------------- pcapng blocks
ng_db=$T_TMP/ng.db
analyze "$ng_db" "$NG"
if [ "$T_RC" -ne 0 ]; then
    t_fail pcapng:setup "analyze $NG exited with status $T_RC"
    t_indent 10 <"$T_TMP/a.err"
else
    flows_of "$ng_db" "${NG##*/}" >"$T_TMP/ng.flows"

    # Unknown block type before the second block: skipped.
    hp unknown "$NG" "$D/unknown-block.pcapng"
    db=$(fresh_db unknown-block)
    analyze "$db" "$D/unknown-block.pcapng"
    expect_status pcapng-unknown-block 0
    kept pcapng-unknown-block "$db"
    flows_of "$db" unknown-block.pcapng >"$T_TMP/u.flows"
    if [ ! -s "$T_TMP/ng.flows" ]; then
        t_fail pcapng-unknown-block:flows "${NG##*/} gives no flows"
    elif cmp -s "$T_TMP/ng.flows" "$T_TMP/u.flows"; then
        t_pass "pcapng-unknown-block:flows ($(wc -l <"$T_TMP/u.flows") flows)"
    else
        t_fail pcapng-unknown-block:flows "flows differ from ${NG##*/}"
        diff "$T_TMP/ng.flows" "$T_TMP/u.flows" | t_indent 10
    fi

    # Block total length below the 12-byte minimum in the second block.
    hp setlen "$NG" "$D/bad-length.pcapng" 1 8
    unreadable pcapng-bad-length "$D/bad-length.pcapng"
fi

# ---------------------------------------------------------------- bad among good
if [ -z "$GOOD2" ]; then
    t_fail among-good "needs a second fixture in pcaps/"
else
    analyze "$T_TMP/ref2.db" "$GOOD2"
    flows_of "$T_TMP/ref2.db" "${GOOD2##*/}" >"$T_TMP/ref2.flows"
    db=$T_TMP/among.db
    analyze "$db" "$GOOD" "$D/notes.pcap" "$GOOD2"
    expect_status among-good 1
    names_file among-good "$D/notes.pcap"
    flows_of "$db" "${GOOD##*/}" >"$T_TMP/m1"
    flows_of "$db" "${GOOD2##*/}" >"$T_TMP/m2"
    if ! cmp -s "$T_TMP/ref.flows" "$T_TMP/m1"; then
        t_fail among-good:first "flows of ${GOOD##*/} differ from analysing it alone"
    elif [ ! -s "$T_TMP/ref2.flows" ]; then
        t_fail among-good:second "${GOOD2##*/} gives no flows alone"
    elif ! cmp -s "$T_TMP/ref2.flows" "$T_TMP/m2"; then
        t_fail among-good:second "flows of ${GOOD2##*/} after the bad file differ from analysing it alone"
        diff "$T_TMP/ref2.flows" "$T_TMP/m2" | t_indent 10
    else
        t_pass among-good:both-stored
    fi
fi

# ---------------------------------------------------------------- duplicates
# counts DB: "table=count ..." for every table.
counts() {
    local t out=
    for t in $(t_sql "$1" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name;"); do
        out="$out $t=$(t_sql "$1" "SELECT count(*) FROM \"$t\";")"
    done
    printf '%s\n' "$out"
}
db=$(fresh_db dup)
before=$(counts "$db")
case $before in
    *" flows=0"*|"") t_fail duplicate "no flows after the first analysis ($before)" ;;
    *)
        analyze "$db" "$GOOD"
        expect_status duplicate-again 0
        after=$(counts "$db")
        if [ "$before" = "$after" ]; then t_pass duplicate-again:rows
        else t_fail duplicate-again:rows "before:$before; after:$after"; fi

        cp "$GOOD" "$D/renamed-copy.pcap"
        analyze "$db" "$D/renamed-copy.pcap"
        expect_status duplicate-renamed 0
        after=$(counts "$db")
        if [ "$before" = "$after" ]; then t_pass duplicate-renamed:rows
        else t_fail duplicate-renamed:rows "before:$before; after:$after"; fi

        db2=$T_TMP/dup2.db
        analyze "$db2" "$GOOD" "$GOOD"
        expect_status duplicate-one-command 0
        after=$(counts "$db2")
        if [ "$before" = "$after" ]; then t_pass duplicate-one-command:rows
        else t_fail duplicate-one-command:rows "once:$before; twice:$after"; fi
        ;;
esac

t_exit

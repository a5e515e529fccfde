#!/usr/bin/env python3
"""mutate.py - seeded mutation test of `meetaudit analyze` on broken captures.

Usage: mutate.py --bin MEETAUDIT [--seed N] [--cases N] [--jobs N]
                 [--keep DIR] [--timeout S] [FIXTURE...]

For each fixture (default: a handful of small captures in pcaps/, both
formats, several link types) it derives mutated copies, reproducibly from
--seed and the fixture's name:

  trunc   the file cut at N offsets: every record/block boundary of the
          first records plus and minus one byte, inside the file header,
          and random offsets;
  flip    1, 2, 8 or 32 random bit flips anywhere, or only in the first
          64 bytes (file, section and interface headers);
  reclen  one length field set to a hostile value (0, 1, off by one,
          snaplen+1, 65535, 262145, 2^31-1, 2^32-1, random): a record's
          caplen or len and the global snaplen (pcap); a block's total
          length in its first, second or both copies, an EPB's captured
          length, an IDB's snaplen (pcapng);
  link    the link type field set to another supported or unsupported type.

Each copy is analysed by MEETAUDIT into a fresh database, under a timeout.
A case passes when the exit status is 0 or 1 (1 only with a message on
stderr naming the file), there is no sanitizer report, no signal and no
timeout, and the database passes PRAGMA integrity_check with no input left
"analysing".  Output: one "PASS mutate:<fixture>:<kind> (N cases)" line per
fixture and kind, or one "FAIL mutate:<fixture>:<kind>#<i>: why" line per
failing case with the command that reproduces it; failing inputs are kept
in --keep.  Exit status 1 when anything failed.
"""
import argparse
import concurrent.futures as cf
import os
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FIXTURES = ["443-chrome.pcap", "dns.pcap", "selfsigned.pcap",
                    "ipv6_in_gtp.pcap", "google_meet.pcapng",
                    "dtls_certificate.pcapng", "tls_ech.pcapng",
                    "BGP_Cisco_hdlc_slarp.pcap"]
SANITIZER = re.compile(r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:|"
                       r"SUMMARY: (Address|Undefined|Leak)")
LINKTYPES = [0, 1, 9, 12, 101, 104, 105, 108, 113, 127, 147, 228, 229, 276, 65535]


def pcap_layout(data):
    """('pcap', endian, [(offset, size)] of records) or ('pcapng', endian,
    [(offset, type, size)] of blocks)."""
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        out, off = [], 0
        while off + 12 <= len(data):
            t, n = struct.unpack(e + "II", data[off:off + 8])
            if n < 12 or off + n > len(data):
                break
            out.append((off, t, n))
            off += n
        return "pcapng", e, out
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out, off = [], 24
    while off + 16 <= len(data):
        cl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if off + 16 + cl > len(data):
            break
        out.append((off, 16 + cl))
        off += 16 + cl
    return "pcap", e, out


def hostile(rng, cur, snap):
    return rng.choice([0, 1, max(cur - 1, 0), cur + 1, snap, snap + 1, 65535,
                       65536, 262144, 262145, 0x7FFFFFFF, 0xFFFFFFFF,
                       rng.getrandbits(32), rng.randrange(0, 4096)])


def cases_for(data, rng, n):
    """[(kind, bytes)] of mutated copies of one capture."""
    fmt, e, recs = pcap_layout(data)
    out = []
    # trunc: structural offsets first, then random ones.
    offs = {1, 4, 8, 12, 23, 24, 25}
    for r in recs[:6]:
        o = r[0]
        offs.update((o - 1, o + 1, o + 4, o + 8, o + 12, o + 16, o + 20))
    offs = sorted(x for x in offs if 0 < x < len(data))
    rng.shuffle(offs)
    offs = offs[:n // 2]
    while len(offs) < n:
        offs.append(rng.randrange(1, len(data)))
    out += [("trunc", data[:o]) for o in offs]
    # flip
    for i in range(n):
        b = bytearray(data)
        k = rng.choice([1, 2, 8, 32])
        span = 64 if i % 3 == 0 else len(b)
        for _ in range(k):
            p = rng.randrange(0, min(span, len(b)))
            b[p] ^= 1 << rng.randrange(8)
        out.append(("flip", bytes(b)))
    # reclen
    for i in range(n):
        b = bytearray(data)
        if fmt == "pcap":
            snap = struct.unpack(e + "I", b[16:20])[0]
            if i % 5 == 0 or not recs:
                b[16:20] = struct.pack(e + "I", hostile(rng, snap, snap))
            else:
                off, size = rng.choice(recs)
                field = off + rng.choice([8, 12])
                cur = struct.unpack(e + "I", b[field:field + 4])[0]
                b[field:field + 4] = struct.pack(e + "I", hostile(rng, cur, snap))
        else:
            off, t, size = rng.choice(recs)
            what = rng.randrange(4)
            if what == 3 and t == 6 and size >= 32:
                cur = struct.unpack(e + "I", b[off + 20:off + 24])[0]
                b[off + 20:off + 24] = struct.pack(e + "I", hostile(rng, cur, 65535))
            elif what == 3 and t == 1 and size >= 20:
                cur = struct.unpack(e + "I", b[off + 12:off + 16])[0]
                b[off + 12:off + 16] = struct.pack(e + "I", hostile(rng, cur, 65535))
            else:
                v = rng.choice([0, 4, 8, 11, 12, 13, size - 4, size + 4, size + 1,
                                0xFFFFFFFF, 0x7FFFFFFC, rng.getrandbits(32)])
                v &= 0xFFFFFFFF
                if what in (0, 2):
                    b[off + 4:off + 8] = struct.pack(e + "I", v)
                if what in (1, 2):
                    b[off + size - 4:off + size] = struct.pack(e + "I", v)
        out.append(("reclen", bytes(b)))
    # link
    for i in range(max(2, n // 4)):
        b = bytearray(data)
        lt = rng.choice(LINKTYPES)
        if fmt == "pcap":
            b[20:24] = struct.pack(e + "I", lt)
        else:
            idbs = [r for r in recs if r[1] == 1]
            if not idbs:
                continue
            off = idbs[0][0]
            b[off + 8:off + 10] = struct.pack(e + "H", lt)
        out.append(("link", bytes(b)))
    return out


def check_db(db):
    """None when the database is sound, else a reason."""
    if not os.path.exists(db):
        return None
    try:
        con = sqlite3.connect(db)
        ic = con.execute("PRAGMA integrity_check").fetchone()[0]
        if ic != "ok":
            return "integrity_check: %s" % ic
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        if "inputs" in names:
            n = con.execute("SELECT count(*) FROM inputs WHERE status='analysing'").fetchone()[0]
            if n:
                return "%d input(s) left 'analysing' after a normal exit" % n
        con.close()
    except sqlite3.Error as ex:
        return "database unreadable: %s" % ex
    return None


def run_case(binpath, path, timeout):
    """(ok, why) for one mutated capture."""
    d = tempfile.mkdtemp(prefix="mut-db.")
    db = os.path.join(d, "e.db")
    try:
        p = subprocess.run([binpath, "analyze", "-q", "-o", db, path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        err = p.stderr.decode("utf-8", "replace")
        rc = p.returncode
    except subprocess.TimeoutExpired:
        shutil.rmtree(d, ignore_errors=True)
        return False, "timeout after %d s (hang?)" % timeout
    try:
        if SANITIZER.search(err):
            line = next((l for l in err.splitlines() if SANITIZER.search(l)), "")
            return False, "sanitizer report: %s" % line.strip()[:300]
        if rc < 0:
            return False, "killed by signal %d" % -rc
        if rc not in (0, 1):
            return False, "exit status %d (want 0 or 1): %s" % (rc, err.strip()[:200])
        if rc == 1 and os.path.basename(path) not in err:
            return False, "exit 1 without a message naming the file: %r" % err.strip()[:200]
        why = check_db(db)
        if why:
            return False, why
        return True, "exit %d" % rc
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=10, help="cases per kind and fixture")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=30)
    ap.add_argument("--keep", default=None, help="directory for failing inputs")
    ap.add_argument("fixtures", nargs="*")
    a = ap.parse_args()
    fixtures = a.fixtures or [os.path.join(ROOT, "pcaps", f) for f in DEFAULT_FIXTURES]
    work = tempfile.mkdtemp(prefix="meetaudit-mutate.")
    keep = a.keep or os.path.join(tempfile.gettempdir(), "meetaudit-mutate-failures")
    jobs, fails = [], 0
    try:
        for fx in fixtures:
            if not os.path.exists(fx):
                print("FAIL mutate:%s: fixture missing" % os.path.basename(fx))
                fails += 1
                continue
            name = os.path.basename(fx)
            ext = name.rsplit(".", 1)[-1]
            rng = random.Random(a.seed * 1000003 + zlib.crc32(name.encode()))
            for i, (kind, data) in enumerate(cases_for(open(fx, "rb").read(), rng, a.cases)):
                path = os.path.join(work, "%s-%s-%d.%s" % (name.rsplit(".", 1)[0], kind, i, ext))
                with open(path, "wb") as fp:
                    fp.write(data)
                jobs.append((name, kind, i, path))
        results = {}
        with cf.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            futs = {ex.submit(run_case, a.bin, j[3], a.timeout): j for j in jobs}
            for f in cf.as_completed(futs):
                results[futs[f]] = f.result()
        groups = {}
        for j in jobs:
            groups.setdefault((j[0], j[1]), []).append(j)
        for (name, kind), js in groups.items():
            bad = [(j, results[j][1]) for j in js if not results[j][0]]
            if not bad:
                print("PASS mutate:%s:%s (%d cases, seed %d)" % (name, kind, len(js), a.seed))
                continue
            os.makedirs(keep, exist_ok=True)
            for j, why in bad:
                kept = os.path.join(keep, os.path.basename(j[3]))
                shutil.copy(j[3], kept)
                print("FAIL mutate:%s:%s#%d: %s" % (name, kind, j[2], why))
                print("    reproduce: %s analyze -o /tmp/m.db %s" % (a.bin, kept))
                fails += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

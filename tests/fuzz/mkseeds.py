#!/usr/bin/env python3
"""mkseeds.py - seed corpora for the libFuzzer harnesses, cut from pcaps/.

Usage: mkseeds.py OUTDIR [PCAP...]   (default: every file in pcaps/)

Writes OUTDIR/<harness>/<fixture>-<n> in the input format each harness in
tests/fuzz/ documents at its top:

  pipeline  link(1) options(1) then len(2) dt(1) frame   (windows of frames)
  tls       mode(1) isn0(4) isn1(4) then flags(1) delta(2) len(2) payload
            (one TCP connection whose payload starts with a TLS record; and
            its handshake messages as whole messages, QUIC/DTLS style)
  dns       one DNS message (UDP/TCP port 53, 5353, 5355)
  http      selector(1) + the first payload of an HTTP request/response
  pcap      the fixture cut after its 1st, 8th and 24th frame
  quic      flags(1) len(2) datagram   (UDP flows with long-header packets;
            and records the harness seals into Initial packets, carrying the
            ClientHello/ServerHello of a TLS fixture in CRYPTO frames)
  dtls      flags(1) len(2) datagram   (UDP flows carrying DTLS records)
  entities  selector(1) + rules/entities.yaml, rules/services/*.yaml and a
            few small YAML documents, for each loader that reads them
  cleartext sel(1) then flags(1) rel_seq(2) len(2) payload: the client side
            of HTTP flows, and UDP flows that are neither DNS, QUIC nor DTLS
  pii       selector(1) canaries, then text: HTTP requests of the fixtures
            and a few documents full of e-mail addresses, ids, numbers

The output is deterministic (same fixtures -> same files), small (each seed
at most 64 KiB, a few per fixture) and is regenerated at build time by
tests/fuzz/build.sh, so nothing here needs to be committed.
"""
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_SEED = 64 * 1024

# File link type -> index into LINKS[] of fuzz_pipeline.c.
LINK_INDEX = {1: 0, 101: 1, 228: 4, 229: 5, 113: 6, 276: 7, 0: 8, 108: 9,
              9: 10, 50: 11, 51: 12, 104: 13}


def read_capture(data):
    """(format, linktype, [(ts_us, frame)]) of a pcap or pcapng file."""
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data)
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, cl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        if off + 16 + cl > len(data):
            break
        us = sec * 1000000 + (frac // 1000 if nano else frac)
        out.append((us, data[off + 16:off + 16 + cl], off, 16 + cl))
        off += 16 + cl
    return "pcap", link, out


def read_pcapng(data):
    e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    out, off, links, res = [], 0, [], []
    while off + 12 <= len(data):
        t, n = struct.unpack(e + "II", data[off:off + 8])
        if n < 12 or off + n > len(data):
            break
        body = data[off + 8:off + n - 4]
        if t == 1:
            links.append(struct.unpack(e + "H", body[:2])[0])
            r, o = 10 ** 6, 8
            while o + 4 <= len(body):
                code, ln = struct.unpack(e + "HH", body[o:o + 4])
                if code == 0:
                    break
                if code == 9 and ln >= 1:
                    v = body[o + 4]
                    r = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                o += 4 + ln + (-ln % 4)
            res.append(r)
        elif t == 6 and len(body) >= 20:
            iface, hi, lo, cl, _ = struct.unpack(e + "IIIII", body[:20])
            if iface < len(links) and iface == 0:
                us = (hi << 32 | lo) * 10 ** 6 // res[iface]
                out.append((us, body[20:20 + cl], off, n))
        elif t == 3 and links:
            cl = struct.unpack(e + "I", body[:4])[0]
            out.append((0, body[4:4 + cl], off, n))
        off += n
    return "pcapng", links[0] if links else 1, out


def ip_of(link, f):
    """The IP packet inside a frame of this link type, or None."""
    if link == 1:
        o, et = 12, None
        while o + 2 <= len(f):
            et = struct.unpack(">H", f[o:o + 2])[0]
            if et in (0x8100, 0x88A8, 0x9100):
                o += 4
                continue
            break
        return f[o + 2:] if et in (0x0800, 0x86DD) else None
    if link == 113:
        return f[16:] if f[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if link == 276:
        return f[20:] if f[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if link in (0, 108):
        return f[4:]
    if link in (101, 228, 229, 12, 14):
        return f
    return None


def transport(ip):
    """(proto, src, dst, sport, dport, seq, flags, payload) or None."""
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        if struct.unpack(">H", ip[6:8])[0] & 0x1FFF:
            return None
        tot = struct.unpack(">H", ip[2:4])[0]
        proto, src, dst, l4 = ip[9], ip[12:16], ip[16:20], ip[ihl:max(tot, ihl)]
    elif v == 6 and len(ip) >= 40:
        proto, src, dst, o = ip[6], ip[8:24], ip[24:40], 40
        while proto in (0, 43, 60) and o + 8 <= len(ip):
            proto, o = ip[o], o + 8 * (ip[o + 1] + 1)
        l4 = ip[o:40 + struct.unpack(">H", ip[4:6])[0]]
    else:
        return None
    if proto == 6 and len(l4) >= 20:
        sp, dp, seq = struct.unpack(">HHI", l4[:8])
        return 6, src, dst, sp, dp, seq, l4[13], l4[(l4[12] >> 4) * 4:]
    if proto == 17 and len(l4) >= 8:
        sp, dp = struct.unpack(">HH", l4[:4])
        return 17, src, dst, sp, dp, 0, 0, l4[8:]
    return None


class Writer:
    def __init__(self, outdir):
        self.outdir, self.seen, self.count = outdir, set(), {}

    def put(self, harness, name, data):
        if not data or len(data) > (4 if harness == "entities" else 1) * MAX_SEED:
            return
        h = hashlib.sha1(harness.encode() + data).digest()
        if h in self.seen:
            return
        self.seen.add(h)
        d = os.path.join(self.outdir, harness)
        os.makedirs(d, exist_ok=True)
        n = self.count.get((harness, name), 0)
        self.count[(harness, name)] = n + 1
        with open(os.path.join(d, "%s-%d" % (name, n)), "wb") as fp:
            fp.write(data)


def pipeline_seeds(w, name, link, frames):
    li = LINK_INDEX.get(link, 14)
    for win in range(4):
        chunk = frames[win * 48:(win + 1) * 48]
        if not chunk:
            break
        out, last = bytearray([li, 7 if win % 2 == 0 else 8 + 3]), chunk[0][0]
        for ts, f, _, _ in chunk:
            f = f[:4096]
            if len(out) + 3 + len(f) > MAX_SEED:
                break
            dt = min(max((ts - last) // 1000000, 0), 255)
            last = ts
            out += struct.pack(">HB", len(f), dt) + f
        w.put("pipeline", name, bytes(out))


def flows_of(link, frames):
    """{key: [(dir, seq, flags, payload)]} per TCP/UDP 5-tuple."""
    flows, order = {}, []
    for _, f, _, _ in frames:
        t = transport(ip_of(link, f))
        if not t:
            continue
        proto, src, dst, sp, dp, seq, fl, pl = t
        k1, k2 = (proto, src, sp, dst, dp), (proto, dst, dp, src, sp)
        if k1 in flows:
            flows[k1].append((0, seq, fl, pl))
        elif k2 in flows:
            flows[k2].append((1, seq, fl, pl))
        else:
            flows[k1] = [(0, seq, fl, pl)]
            order.append(k1)
    return [(k, flows[k]) for k in order]


def tls_seed(pkts, mode=0):
    nxt = [None, None]
    for d, seq, fl, pl in pkts:
        if nxt[d] is None:
            nxt[d] = seq
    nxt = [nxt[0] or 0, nxt[1] or 0]
    out = bytearray(struct.pack(">BII", mode, nxt[0], nxt[1]))
    for d, seq, fl, pl in pkts:
        syn = 1 if fl & 2 else 0
        if not pl and not syn:
            continue
        delta = (seq - nxt[d] + 2 ** 31) % 2 ** 32 - 2 ** 31
        if not -32768 <= delta <= 32767:
            delta = 0           # a jump the format cannot say: keep in order
        if len(out) + 5 + len(pl) > MAX_SEED:
            break
        out += struct.pack(">BhH", d | syn << 1, delta, len(pl)) + pl
        nxt[d] = (nxt[d] + delta + len(pl) + syn) % 2 ** 32
    return bytes(out)

def hs_messages(stream):
    """Handshake messages (type, len, body) of the clear-text start of a TLS
    byte stream: the bodies of handshake records until anything else."""
    hs, off = b"", 0
    while off + 5 <= len(stream):
        ct, ln = stream[off], struct.unpack(">H", stream[off + 3:off + 5])[0]
        if ct != 22 or off + 5 + ln > len(stream):
            break
        hs += stream[off + 5:off + 5 + ln]
        off += 5 + ln
    out, off = [], 0
    while off + 4 <= len(hs):
        ln = int.from_bytes(hs[off + 1:off + 4], "big")
        if off + 4 + ln > len(hs):
            break
        out.append(hs[off:off + 4 + ln])
        off += 4 + ln
    return out


def hs_seed(hs):
    """fuzz_tls input feeding whole messages through dis_tls_handshake."""
    out = bytearray(struct.pack(">BII", 1, 0, 0))
    for d in (0, 1):
        for m in hs[d][:4]:
            out += struct.pack(">BhH", d | 4, 0, len(m)) + m
    return bytes(out)


def qvarint(v):
    if v < 64:
        return bytes([v])
    if v < 16384:
        return struct.pack(">H", 0x4000 | v)
    return struct.pack(">I", 0x80000000 | v)


def crypto_frame(off, data):
    return b"\x06" + qvarint(off) + qvarint(len(data)) + data


def quic_sealed_seed(hs, vsel, split=False):
    """fuzz_quic input: a sealed client Initial carrying the ClientHello in
    CRYPTO frames (split: two packets, second half first) and a sealed
    server Initial with an ACK and the ServerHello."""
    dcid, scid = bytes(range(0x83, 0x8b)), bytes(range(0xf0, 0xf8))
    ch = hs[0][0]

    def rec(flags, dcid_, scid_, pn, pt):
        body = bytes([vsel, len(dcid_)]) + dcid_ + bytes([len(scid_)]) + scid_ \
            + bytes([0, pn]) + pt
        return struct.pack(">BH", flags, len(body)) + body
    out = b""
    if split:
        h = len(ch) // 2
        out += rec(2, dcid, scid, 1, crypto_frame(h, ch[h:]))
        out += rec(2, dcid, scid, 0, crypto_frame(0, ch[:h]) + b"\x01" + b"\x00" * 8)
    else:
        out += rec(2, dcid, scid, 0, crypto_frame(0, ch) + b"\x00" * 16)
    if hs[1]:
        out += rec(3, scid, bytes(range(0x10, 0x18)), 0,
                   b"\x02\x00\x00\x00\x00" + crypto_frame(0, hs[1][0]))
    return out


def dgram_seed(pkts):
    out = bytearray()
    for d, _, _, pl in pkts[:32]:
        if len(out) + 3 + len(pl) > MAX_SEED:
            break
        out += struct.pack(">BH", d, len(pl)) + pl
    return bytes(out)


HTTP_METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"OPTIONS ", b"DELETE ",
                b"CONNECT ", b"PATCH ")


def flow_seeds(w, name, link, frames):
    ntls = nq = nd = 0
    for k, pkts in flows_of(link, frames):
        proto, sp, dp = k[0], k[2], k[4]
        pls = [p for p in pkts if p[3]]
        if proto == 6:
            if ntls < 3 and any(p[3][:1] == b"\x16" and p[3][1:2] == b"\x03" for p in pls):
                w.put("tls", name, tls_seed(pkts, 4 if ntls == 1 else 0))
                hs = [hs_messages(b"".join(p[3] for p in pls if p[0] == d)) for d in (0, 1)]
                if ntls == 0 and hs[0]:
                    w.put("tls", name + "-msgs", hs_seed(hs))
                    w.put("quic", name + "-sealed", quic_sealed_seed(hs, 0))
                    w.put("quic", name + "-sealed-v2", quic_sealed_seed(hs, 1))
                    w.put("quic", name + "-sealed-split", quic_sealed_seed(hs, 2, split=True))
                ntls += 1
            for d, _, _, pl in pls[:4]:
                if d == 0 and pl.startswith(HTTP_METHODS):
                    w.put("http", name, b"\x01" + pl[:8192])
                    w.put("pii", name, pii_seed(pl[:8192], PII_CANARIES[:2]))
                    w.put("cleartext", name, cleartext_seed(pls))
                elif d == 1 and pl.startswith(b"HTTP/"):
                    w.put("http", name, b"\x02" + pl[:8192])
        if sp in (53, 5353, 5355) or dp in (53, 5353, 5355):
            for d, _, _, pl in pls[:8]:
                w.put("dns", name, pl if proto == 17 else pl[2:])
        if proto == 17 and pls and sp not in (53, 5353, 5355) and dp not in (53, 5353, 5355) \
                and not any(p[3][:1] and (p[3][0] & 0x80 or 20 <= p[3][0] <= 63) for p in pls[:1]):
            w.put("cleartext", name + "-udp", cleartext_seed(pls, udp=True))
        if proto == 17 and pls:
            if nq < 4 and any(p[3][0] & 0xC0 == 0xC0 and len(p[3]) >= 1200 for p in pls):
                w.put("quic", name, dgram_seed(pls))
                nq += 1
            if nd < 4 and any(20 <= p[3][0] <= 63 and p[3][1:3] in (b"\xfe\xfd", b"\xfe\xff")
                              for p in pls if len(p[3]) > 3):
                w.put("dtls", name, dgram_seed(pls))
                nd += 1


def pcap_seeds(w, name, data, fmt, frames):
    if not frames:
        return
    for n in (1, 8, 24):
        if len(frames) < n:
            break
        end = frames[n - 1][2] + frames[n - 1][3]
        w.put("pcap", name, data[:min(end, MAX_SEED)])


# pii: selector(1) then canaries nlen(1) name vlen(1) value, then the text.
PII_CANARIES = [(b"email", b"tester@example.org"), (b"name", b"Alice Tester"),
                (b"phone", b"+15555550123"), (b"id", b"6f1c2a9e-3b7d-4c55-9e01-0b5c8d2f7a41")]
PII_TEXTS = [
    b"POST /v1/track HTTP/1.1\r\nHost: t.example.com\r\nContent-Type: application/json\r\n\r\n"
    b'{"advertising_id":"38400000-8cf0-11bd-b23e-10b96e40000d","email":"tester@example.org",'
    b'"imei":"490154203237518","phone":"+1 555 555 0123","mac":"00:1a:2b:3c:4d:5e"}',
    b"GET /c?u=tester%40example.org&n=Alice+Tester&idfa=6D92078A-8246-4BA4-AE5B-76104861E7DC HTTP/1.1\r\n"
    b"Host: a.example.net\r\n\r\n",
    b"user=dGVzdGVyQGV4YW1wbGUub3Jn&h=5d41402abc4b2a76b9719d911017c592"
    b"&s=2aae6c35c94fcfb415dbe95f408b9ce91ee846ed&device_key=AbCdEf0123456789",
    b"a@b.c x@y..z @@@ ..@.. user.name+tag@sub.example.co.uk 0123456789012345678 +44(0)20 7946 0958",
]


def cleartext_seed(pls, udp=False):
    """fuzz_cleartext: sel(1), then flags(1) rel_seq(2) len(2) payload for
    the client's packets (rel_seq 1 = the byte after the SYN)."""
    out, rel = bytearray([1 if udp else 0]), 1
    for d, _, _, pl in pls[:16]:
        if d != 0:
            continue
        pl = pl[:4096]
        out += struct.pack(">BHH", 0, rel & 0xFFFF, len(pl)) + pl
        rel += len(pl)
    return bytes(out)


def pii_seed(text, canaries):
    out = bytearray([len(canaries) | (3 << 3)])
    for n, v in canaries:
        out += bytes([len(n)]) + n + bytes([len(v)]) + v
    return bytes(out + text)


YAML_SEEDS = [
    b"version: 1\norganisations:\n  - id: example\n    name: Example Inc.\n"
    b"    country: US\n    categories: [analytics]\n    domains: [example.com]\n"
    b"    ips: [192.0.2.0/24, '2001:db8::/32']\n    asns: [64496]\n"
    b"    hosts:\n      '*.cdn.example.com': [cdn]\n    source: test\n",
    b"- a: &x [1, 2, {b: *x}]\n",
    b"%YAML 1.2\n---\n{a: [b, c], d: !!str e}\n...\n",
]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: mkseeds.py OUTDIR [PCAP...]")
    outdir = sys.argv[1]
    paths = sys.argv[2:]
    if not paths:
        pdir = os.path.join(ROOT, "pcaps")
        paths = sorted(os.path.join(pdir, f) for f in os.listdir(pdir)
                       if f.endswith((".pcap", ".pcapng")))
    w = Writer(outdir)
    for path in paths:
        data = open(path, "rb").read()
        cap = read_capture(data)
        if not cap:
            continue
        fmt, link, frames = cap
        name = os.path.basename(path).rsplit(".", 1)[0]
        pipeline_seeds(w, name, link, frames)
        flow_seeds(w, name, link, frames)
        pcap_seeds(w, name, data, fmt, frames)
    rdir = os.path.join(ROOT, "rules")
    svc = ["zoom", "meet", "webex", "teams"]
    for dp, _, files in sorted(os.walk(rdir)):
        for f in sorted(files):
            if not f.endswith((".yaml", ".yml")):
                continue
            text = open(os.path.join(dp, f), "rb").read()
            base = f.rsplit(".", 1)[0]
            w.put("entities", base + "-tree", b"\x00" + text)
            if base == "entities":
                w.put("entities", base, b"\x01" + text)
            elif base in svc:
                sel = svc.index(base) << 2
                w.put("entities", base, bytes([sel | 2]) + text)
                w.put("entities", base + "-ids", bytes([sel | 3]) + text)
    for i, y in enumerate(YAML_SEEDS):
        w.put("entities", "small%d" % i, b"\x00" + y)
        w.put("entities", "small%d-ent" % i, b"\x01" + y)
    for i, t in enumerate(PII_TEXTS):
        w.put("pii", "text%d" % i, pii_seed(t, []))
        w.put("pii", "text%d-canaries" % i, pii_seed(t, PII_CANARIES))
    for h in sorted({k[0] for k in w.count}):
        n = sum(v for k, v in w.count.items() if k[0] == h)
        print("mkseeds: %-9s %4d seeds" % (h, n))


if __name__ == "__main__":
    main()

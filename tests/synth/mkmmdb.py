#!/usr/bin/env python3
"""mkmmdb.py - a minimal MaxMind DB (MMDB) writer for test data.

Usage: mkmmdb.py OUT.mmdb CIDR=CC [CIDR=CC ...]
       (as a module: write_mmdb(path, [("170.114.0.0/16", "US"), ...]))

Writes a country database shaped like ip-location-db's
geo-whois-asn-country.mmdb: every network maps to the data-section map
{"country_code": "CC"}, which is the first key path report/ipinfo.c asks
libmaxminddb for.  Written from the MaxMind DB File Format Specification
2.0 (maxmind.github.io/MaxMind-DB/), nothing else:

- Search tree: ip_version 6, 24-bit records (6 bytes per node: left record
  then right record, big-endian).  IPv4 networks live under ::/96, where
  libmaxminddb starts IPv4 lookups in an IPv6 database.  A record below
  node_count points to a node, node_count means "no data", a larger value
  v points into the data section at offset v - node_count - 16.
- 16 zero bytes separate the tree from the data section.
- Data fields: a control byte (type in the top 3 bits, size in the low 5,
  extended types 8.. through a following type byte), then the payload.
- Metadata: "\\xAB\\xCD\\xEFMaxMind.com" then a map with node_count,
  record_size, ip_version, database_type, languages, description,
  binary_format_major_version 2, binary_format_minor_version 0, build_epoch
  (fixed, so the file is byte-identical on every run).

Longer prefixes override shorter ones, whatever the argument order.
Deterministic: same arguments, same bytes.  Python 3 standard library only.
"""
import ipaddress
import struct
import sys

BUILD_EPOCH = 1585216800  # 2020-03-26T10:00:00Z, the fixtures' clock
RECORD_SIZE = 24


# ---- data section encoding (spec: "Output Data Section") ------------------

def _ctrl(typ, size):
    """Control byte(s) for a field of type typ with payload size size."""
    if size < 29:
        first, ext = size, b""
    elif size < 29 + 256:
        first, ext = 29, bytes([size - 29])
    elif size < 285 + 65536:
        first, ext = 30, struct.pack(">H", size - 285)
    else:
        first, ext = 31, struct.pack(">I", size - 65821)[1:]
    if typ <= 7:
        return bytes([(typ << 5) | first]) + ext
    return bytes([first, typ - 7]) + ext  # extended type: type byte first


def enc(v):
    """Encode a Python value: str -> utf8_string, int -> uint16/uint32/
    uint64 (by magnitude; ("u16", n) etc. force a type), dict -> map,
    list -> array."""
    if isinstance(v, tuple):
        kind, n = v
        typ = {"u16": 5, "u32": 6, "u64": 9}[kind]
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
        return _ctrl(typ, len(raw)) + raw
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _ctrl(2, len(b)) + b
    if isinstance(v, int):
        kind = "u16" if v < 1 << 16 else "u32" if v < 1 << 32 else "u64"
        return enc((kind, v))
    if isinstance(v, dict):
        out = _ctrl(7, len(v))
        for k, x in v.items():
            out += enc(str(k)) + enc(x)
        return out
    if isinstance(v, list):
        return _ctrl(11, len(v)) + b"".join(enc(x) for x in v)
    raise TypeError("cannot encode %r" % (v,))


# ---- search tree ------------------------------------------------------------

def _bits(net):
    """The prefix bits of net in the IPv6 tree (IPv4 under ::/96)."""
    if net.version == 4:
        v, plen = int(net.network_address), 96 + net.prefixlen
    else:
        v, plen = int(net.network_address), net.prefixlen
    return [(v >> (127 - i)) & 1 for i in range(plen)]


def build(networks):
    """networks: [(cidr text, country code)].  Returns the file bytes."""
    nets = []
    for cidr, cc in networks:
        if len(cc) != 2 or not cc.isupper():
            raise ValueError("bad country code %r" % cc)
        nets.append((ipaddress.ip_network(cidr, strict=True), cc))
    # Data section: one map per distinct country, in first-use order.
    data, offsets = bytearray(), {}
    for _, cc in nets:
        if cc not in offsets:
            offsets[cc] = len(data)
            data += enc({"country_code": cc})
    # Trie: nodes[i] = [left, right]; a record is None (empty),
    # ("n", index) or ("d", country).  Shorter prefixes first, so a longer
    # one splits the data record it lands in.
    nodes = [[None, None]]
    for net, cc in sorted(nets, key=lambda t: (t[0].prefixlen + (96 if t[0].version == 4 else 0),
                                                t[0].version, int(t[0].network_address))):
        bits = _bits(net)
        if not bits:
            raise ValueError("a /0 network cannot be stored")
        cur = 0
        for b in bits[:-1]:
            rec = nodes[cur][b]
            if rec is None or rec[0] == "d":
                nodes.append([rec, rec])  # split: both halves keep the old data
                nodes[cur][b] = ("n", len(nodes) - 1)
            cur = nodes[cur][b][1]
        last = nodes[cur][bits[-1]]
        if last is not None and last[0] == "n":
            # A longer prefix was inserted earlier (cannot happen: sorted).
            raise ValueError("overlap order error at %s" % net)
        nodes[cur][bits[-1]] = ("d", cc)
    node_count = len(nodes)
    tree = bytearray()
    for left, right in nodes:
        for rec in (left, right):
            if rec is None:
                val = node_count
            elif rec[0] == "n":
                val = rec[1]
            else:
                val = node_count + 16 + offsets[rec[1]]
            if val >= 1 << RECORD_SIZE:
                raise ValueError("database too large for 24-bit records")
            tree += val.to_bytes(3, "big")
    meta = {
        "binary_format_major_version": ("u16", 2),
        "binary_format_minor_version": ("u16", 0),
        "build_epoch": ("u64", BUILD_EPOCH),
        "database_type": "meetaudit-synth-country",
        "description": {"en": "meetaudit synthetic test data (tests/synth/mkmmdb.py), not real locations"},
        "ip_version": ("u16", 6),
        "languages": ["en"],
        "node_count": ("u32", node_count),
        "record_size": ("u16", RECORD_SIZE),
    }
    return bytes(tree) + bytes(16) + bytes(data) + b"\xab\xcd\xefMaxMind.com" + enc(meta)


def write_mmdb(path, networks):
    blob = build(networks)
    with open(path, "wb") as fp:
        fp.write(blob)
    return len(blob)


# ---- a reader, for the self-check in tests/synth.sh ------------------------

def _dec(buf, off):
    """Decode the field at off (no pointers: the writer emits none)."""
    c = buf[off]
    off += 1
    typ, size = c >> 5, c & 31
    if typ == 0:
        typ = buf[off] + 7
        off += 1
    if size >= 29:
        n = size - 28
        extra = int.from_bytes(buf[off:off + n], "big")
        off += n
        size = {29: 29, 30: 285, 31: 65821}[c & 31] + extra
    if typ == 2:
        return buf[off:off + size].decode("utf-8"), off + size
    if typ in (5, 6, 9, 10):
        return int.from_bytes(buf[off:off + size], "big"), off + size
    if typ == 7:
        m = {}
        for _ in range(size):
            k, off = _dec(buf, off)
            m[k], off = _dec(buf, off)
        return m, off
    if typ == 11:
        a = []
        for _ in range(size):
            x, off = _dec(buf, off)
            a.append(x)
        return a, off
    raise ValueError("type %d not supported by this reader" % typ)


def lookup(path, addr):
    """Return the data map for addr, or None."""
    buf = open(path, "rb").read()
    meta, _ = _dec(buf, buf.rfind(b"\xab\xcd\xefMaxMind.com") + 14)
    nc, rs = meta["node_count"], meta["record_size"]
    assert rs == 24
    ip = ipaddress.ip_address(addr)
    v = int(ip)
    bits = [(v >> (127 - i)) & 1 for i in range(128)] if ip.version == 6 else \
        [0] * 96 + [(v >> (31 - i)) & 1 for i in range(32)]
    node = 0
    for b in bits:
        off = node * 6 + b * 3
        node = int.from_bytes(buf[off:off + 3], "big")
        if node >= nc:
            break
    if node <= nc:
        return None
    val, _ = _dec(buf, nc * 6 + 16 + (node - nc - 16))
    return val


def main(argv):
    if len(argv) == 4 and argv[1] == "--lookup":
        print(lookup(argv[2], argv[3]))
        return 0
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    nets = []
    for a in argv[2:]:
        cidr, _, cc = a.partition("=")
        nets.append((cidr, cc))
    write_mmdb(argv[1], nets)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""pkt.py - packet building blocks for gen.py: a classic pcap writer,
Ethernet/IPv4/UDP/TCP with correct lengths and checksums, TCP connections
with consistent sequence numbers, DNS A queries/answers and TLS 1.2 records.

References: pcap file format (tcpdump.org pcap-savefile / the IETF
opsawg pcap draft), RFC 791 (IPv4), RFC 768 (UDP), RFC 9293 (TCP),
RFC 1071 (Internet checksum), RFC 1035 (DNS), RFC 5246 (TLS 1.2),
RFC 6066 (server_name), RFC 7301 (ALPN), RFC 7627 (extended master
secret), RFC 5746 (renegotiation_info), RFC 8422 (EC groups).

Invariants: everything is a pure function of its arguments and of the
Capture's own counters, so a scenario replayed gives the same bytes.  No
wall clock, no os.urandom: "random" bytes come from SHA-256 of a label.
Every TCP segment carries the sequence and acknowledgement numbers the
connection state says; each data burst is acknowledged by the peer; FIN
consumes one sequence number.
"""
import hashlib
import struct

CLIENT_MAC = bytes.fromhex("02005e100023")   # locally administered
GATEWAY_MAC = bytes.fromhex("02005e100001")
MSS = 1460


def prand(label, n):
    """n deterministic pseudo-random bytes derived from label."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (label, i)).encode()).digest()
        i += 1
    return bytes(out[:n])


def csum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


class Capture:
    """Frames of one pcap file, with a clock in microseconds."""

    def __init__(self, start_s, client_ip):
        self.t = start_s * 1000000
        self.frames = []          # (ts_us, bytes)
        self.client_ip = client_ip
        self.ip_id = {}           # per source address
        self.next_port = 50100
        self.dns_id = 0x1a00

    def tick(self, us):
        self.t += us

    def frame_no(self):
        """1-based number the next frame will get."""
        return len(self.frames) + 1

    def port(self):
        self.next_port += 1
        return self.next_port

    def ipv4(self, src, dst, proto, payload, ttl=None):
        ident = self.ip_id.get(src, 0x3000 if src == self.client_ip else 0x7100)
        self.ip_id[src] = (ident + 1) & 0xFFFF
        if ttl is None:
            ttl = 64 if src == self.client_ip else 54
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                          0x4000, ttl, proto, 0, ip4(src), ip4(dst))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        if src == self.client_ip:
            eth = GATEWAY_MAC + CLIENT_MAC
        else:
            eth = CLIENT_MAC + GATEWAY_MAC
        self.frames.append((self.t, eth + b"\x08\x00" + hdr + payload))
        return len(self.frames)

    def l4sum(self, src, dst, proto, seg):
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
        return csum(pseudo + seg)

    def udp(self, src, sport, dst, dport, payload):
        seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        c = self.l4sum(src, dst, 17, seg) or 0xFFFF
        seg = seg[:6] + struct.pack("!H", c) + seg[8:]
        return self.ipv4(src, dst, 17, seg)

    def write(self, path):
        with open(path, "wb") as fp:
            fp.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, b in self.frames:
                fp.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(b), len(b)))
                fp.write(b)

    # ---- DNS (RFC 1035) -----------------------------------------------------

    def dns_a(self, name, addr, resolver="192.168.1.1", ttl=60):
        """One A query and its answer; returns (query frame, answer frame)."""
        self.dns_id += 0x101
        qid = self.dns_id & 0xFFFF
        qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
        q = qname + struct.pack("!HH", 1, 1)
        query = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q
        ans = struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + ip4(addr)
        resp = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + ans
        sport = self.port()
        f1 = self.udp(self.client_ip, sport, resolver, 53, query)
        self.tick(18000)
        f2 = self.udp(resolver, 53, self.client_ip, sport, resp)
        self.tick(2000)
        return f1, f2


class Tcp:
    """One TCP connection from the capture's client to server:port."""

    def __init__(self, cap, server, dport, label):
        self.cap, self.server, self.dport = cap, server, dport
        self.sport = cap.port()
        self.cseq = struct.unpack("!I", prand(label + "/cisn", 4))[0]
        self.sseq = struct.unpack("!I", prand(label + "/sisn", 4))[0]
        self.rtt = 24000  # us

    def _seg(self, from_client, flags, payload=b"", opts=b""):
        cap = self.cap
        if from_client:
            src, dst, sp, dp = cap.client_ip, self.server, self.sport, self.dport
            seq, ack = self.cseq, self.sseq
        else:
            src, dst, sp, dp = self.server, cap.client_ip, self.dport, self.sport
            seq, ack = self.sseq, self.cseq
        if not flags & 0x10:
            ack = 0
        off = (20 + len(opts)) // 4
        hdr = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, off << 4, flags,
                          65535 if from_client else 64240, 0, 0) + opts
        seg = hdr + payload
        c = cap.l4sum(src, dst, 6, seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        n = cap.ipv4(src, dst, 6, seg)
        adv = len(payload) + (1 if flags & 0x03 else 0)  # SYN/FIN count one
        if from_client:
            self.cseq = (self.cseq + adv) & 0xFFFFFFFF
        else:
            self.sseq = (self.sseq + adv) & 0xFFFFFFFF
        return n

    def handshake(self):
        mss = struct.pack("!BBH", 2, 4, MSS)
        f = self._seg(True, 0x02, opts=mss)
        self.cap.tick(self.rtt)
        self._seg(False, 0x12, opts=mss)
        self.cap.tick(300)
        self._seg(True, 0x10)
        self.cap.tick(1000)
        return f

    def send(self, from_client, data, ack=True):
        """Send data in MSS-sized segments (PSH on the last), then the peer
        acknowledges.  Returns the frame number of the first segment."""
        first = None
        for i in range(0, len(data), MSS):
            chunk = data[i:i + MSS]
            last = i + MSS >= len(data)
            n = self._seg(from_client, 0x18 if last else 0x10, chunk)
            first = first or n
            self.cap.tick(200)
        if ack:
            self.cap.tick(self.rtt // 2)
            self._seg(not from_client, 0x10)
            self.cap.tick(500)
        return first

    def close(self):
        """Client FIN, server FIN, client ACK."""
        self._seg(True, 0x11)
        self.cap.tick(self.rtt)
        self._seg(False, 0x11)
        self.cap.tick(300)
        n = self._seg(True, 0x10)
        self.cap.tick(5000)
        return n


# ---- TLS 1.2 (RFC 5246) -------------------------------------------------------

def _vec(n, data):
    return len(data).to_bytes(n, "big") + data


def _ext(typ, body):
    return struct.pack("!H", typ) + _vec(2, body)


def tls_record(ctype, body, version=0x0303):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def client_hello(sni, label, session_id, alpn=("http/1.1",), version=0x0303):
    """A TLS 1.2 ClientHello record (record version 0x0301 as browsers
    send); version 0x0301 makes a TLS 1.0 one (no GCM suites, no
    signature_algorithms: RFC 5246 s.7.4.1.4.1 is 1.2 only)."""
    suites = [0xC02F, 0xC030, 0xC02B, 0xC02C, 0xCCA8, 0xCCA9, 0x009C, 0x009D, 0x002F, 0x0035]
    if version < 0x0303:
        suites = [0xC013, 0xC014, 0x002F, 0x0035]
    name = sni.encode()
    exts = _ext(0x0000, _vec(2, b"\x00" + _vec(2, name)))            # server_name
    exts += _ext(0x0017, b"")                                       # extended_master_secret
    exts += _ext(0xFF01, b"\x00")                                   # renegotiation_info
    exts += _ext(0x000A, _vec(2, struct.pack("!HHH", 0x001D, 0x0017, 0x0018)))  # groups
    exts += _ext(0x000B, _vec(1, b"\x00"))                          # ec_point_formats
    exts += _ext(0x0023, b"")                                       # session_ticket
    exts += _ext(0x0010, _vec(2, b"".join(_vec(1, a.encode()) for a in alpn)))  # ALPN
    if version >= 0x0303:
        exts += _ext(0x000D, _vec(2, struct.pack("!8H", 0x0403, 0x0804, 0x0401, 0x0503,
                                                 0x0805, 0x0501, 0x0806, 0x0601)))  # sig algs
    body = struct.pack("!H", version) + prand(label + "/crandom", 32) + _vec(1, session_id)
    body += _vec(2, b"".join(struct.pack("!H", s) for s in suites)) + _vec(1, b"\x00")
    body += _vec(2, exts)
    hs = b"\x01" + _vec(3, body)
    return struct.pack("!BHH", 22, 0x0301, len(hs)) + hs


def server_hello_resumed(label, session_id, alpn="http/1.1", version=0x0303):
    """ServerHello resuming session_id (abbreviated handshake, RFC 5246
    s.7.3), then ChangeCipherSpec and the encrypted Finished: no
    certificate is sent, so the fixture needs no X.509."""
    exts = _ext(0xFF01, b"\x00") + _ext(0x0017, b"")
    exts += _ext(0x0010, _vec(2, _vec(1, alpn.encode())))
    body = struct.pack("!H", version) + prand(label + "/srandom", 32) + _vec(1, session_id)
    body += struct.pack("!HB", 0xC02F if version >= 0x0303 else 0xC013, 0) + _vec(2, exts)
    hs = b"\x02" + _vec(3, body)
    fin = 40 if version >= 0x0303 else 48  # GCM nonce+12+tag / CBC IV-less 12+MAC20+pad
    return tls_record(22, hs, version) + tls_record(20, b"\x01", version) + \
        tls_record(22, prand(label + "/sfin", fin), version)


def client_finished(label, version=0x0303):
    fin = 40 if version >= 0x0303 else 48
    return tls_record(20, b"\x01", version) + tls_record(22, prand(label + "/cfin", fin), version)


def app_data(label, n, version=0x0303):
    """One application_data record with n bytes of (fake) ciphertext."""
    return tls_record(23, prand(label, n), version)


def tls_session(cap, server, sni, label, up=(517,), down=(1200, 300), port=443,
                version=0x0303):
    """A whole TLS 1.2 connection: TCP handshake, ClientHello, resumed
    ServerHello + CCS + Finished, client CCS + Finished, application data
    records of the given ciphertext sizes each way, FIN close.  Returns a
    dict of frame numbers and byte counts."""
    t = Tcp(cap, server, port, label)
    syn = t.handshake()
    sid = prand(label + "/sid", 32)
    ch = t.send(True, client_hello(sni, label, sid, version=version))
    sh = t.send(False, server_hello_resumed(label, sid, version=version))
    t.send(True, client_finished(label, version))
    first_app = None
    app_up = 0
    for i, n in enumerate(up):
        f = t.send(True, app_data("%s/up%d" % (label, i), n, version))
        first_app = first_app or f
        app_up += n + 5
    for i, n in enumerate(down):
        t.send(False, app_data("%s/down%d" % (label, i), n, version))
    last = t.close()
    return {"sport": t.sport, "syn": syn, "client_hello": ch, "server_hello": sh,
            "first_app_data": first_app, "app_data_up_bytes": app_up, "last": last}

#!/usr/bin/python3
"""oracle.py - check meetaudit's per-flow facts against tshark 4.0.

For every capture (the fixtures in pcaps/, or with --corpus DIR every capture
in DIR) this analyses the file into a fresh database, loads `flows --json`
and asks tshark, independently, for:

  tls.sni      server_name (host_name) of TLS ClientHellos over TCP
  tls.ja3      tls.handshake.ja3 of those ClientHellos
  tls.ja3s     tls.handshake.ja3s of ServerHellos
  tls.version  negotiated version of ServerHellos (supported_versions
               extension if present, else the legacy version field)
  tls.cert_sha256  SHA-256 of the first tls.handshake.certificate (the
               leaf) of the server's Certificate message, against our
               tls.certs[0].sha256
  tls.alerts   alerts tshark decodes in the clear (tls.alert_message.level
               / .desc; encrypted alerts have neither), as the set of
               (sender, level name, description name), against our
               tls.alerts
  tls.ja4, quic.ja4  JA4 of TLS / QUIC ClientHellos, computed in this file
               from tshark's decoded ClientHello fields by the public JA4
               specification (tshark 4.0 has no JA4), against our tls.ja4
  quic.sni     server_name of ClientHellos carried in QUIC CRYPTO frames,
               compared with our tls.sni, or with our hostname when the flow
               has no tls object and hostname_source is "quic"
  dns.query    dns.qry.name of the flow's DNS messages
  dns.answers  the set of A/AAAA/CNAME records in the Answers sections of
               the flow's DNS responses, against the set dns.answers

tshark frames are matched to our flows by (proto, unordered address/port
pair, frame number within [first_frame, last_frame]).  Comparisons are made
only where tshark has the field, plus every flow where we claim the field
and tshark has nothing (reported as "extra").  Per capture it also checks:

  match   every tshark frame carrying one of the facts above lies in one
          of our flows (and we printed at least one flow)
  schema  the JSON keys and their order, types, input name and SHA-256,
          frame ranges, RFC 3339 timestamps, Community ID v1 (tcp/udp)
  frames  for every flow, tshark's frame first_frame/last_frame carries
          the flow's addresses (and ports) and the flow's first_ts/last_ts

Fixture mode prints one "PASS/FAIL/SKIP fixture:check" line per capture and
check; a check with nothing to compare is a SKIP saying so (e.g. "no TLS in
this fixture"), never a silent PASS.  Exit status 1 when anything failed.

Not compared: our JA3 against nDPI's.  The evidence store does not keep
nDPI's JA3 (dissect/classify.c records nDPI's verdict, risks and host
name only), so there is nothing of nDPI's to show beside ours.

Corpus mode prints per check "field: agree/total (pct%)", writes every
disagreement to a file (--out) and always exits 0.

Usage: oracle.py [--bin PATH] [FILE...]
       oracle.py --corpus DIR [--out FILE] [--jobs N]
The binary is $MEETAUDIT (default ./meetaudit, relative to the repo root).
Only the Python standard library is used.
"""

import argparse
import base64
import concurrent.futures
import datetime
import hashlib
import ipaddress
import json
import os
import sqlite3
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 60
TSHARK_TIMEOUT = 300
TSHARK_OPTS = [
    "-o", "tcp.desegment_tcp_streams:TRUE",
    "-o", "tcp.reassemble_out_of_order:TRUE",
    "-o", "tls.desegment_ssl_records:TRUE",
    "-o", "tls.desegment_ssl_application_data:TRUE",
]
FIELDS = ["tls.sni", "tls.ja3", "tls.ja3s", "tls.version", "tls.cert_sha256",
          "tls.alerts", "tls.ja4", "quic.sni", "quic.ja4",
          "dns.query", "dns.answers"]
CHECKS = ["match", "schema", "frames"] + FIELDS
TLS_VERSIONS = {"0x0300": "SSLv3", "0x0301": "TLSv1.0", "0x0302": "TLSv1.1",
                "0x0303": "TLSv1.2", "0x0304": "TLSv1.3"}
REQUIRED_KEYS = [
    "flow_id", "community_id", "input", "input_sha256", "first_frame",
    "last_frame", "first_ts", "last_ts", "proto", "src_ip", "src_port",
    "dest_ip", "dest_port", "pkts_toserver", "pkts_toclient",
    "bytes_toserver", "bytes_toclient", "app_proto", "master_proto",
    "category", "confidence", "risks", "hostname", "hostname_source",
    "hostnames", "domain", "org", "parent_org", "org_by", "categories",
    "party", "asn", "as_org", "country"]
OPTIONAL_KEYS = ["tls", "dns", "http"]
HOSTNAME_SOURCES = {None, "sni", "quic", "http", "dns", "cert"}
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
PROTO_NUM = {"tcp": 6, "udp": 17, "sctp": 132}
# RFC 8446 section 6 and the TLS Alerts registry: tshark's numeric
# tls.alert_message.desc -> the names our export uses.
ALERT_LEVELS = {"1": "warning", "2": "fatal"}
ALERT_NAMES = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
    21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
    40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
    43: "unsupported_certificate", 44: "certificate_revoked",
    45: "certificate_expired", 46: "certificate_unknown",
    47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
    50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
    70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
    86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
    109: "missing_extension", 110: "unsupported_extension",
    111: "certificate_unobtainable", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
    115: "unknown_psk_identity", 116: "certificate_required",
    120: "no_application_protocol", 121: "ech_required"}
CAPTURE_EXT = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")


# ---------------------------------------------------------------- helpers

def norm_addr(a):
    """Canonical text of an IP address; other strings unchanged."""
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return a


def norm_name(n):
    return n.lower().rstrip(".") if isinstance(n, str) else n


def norm_answer(a):
    """An answer of ours: a string, or an object with the record data."""
    if isinstance(a, dict):
        for k in ("data", "rdata", "value", "address", "answer"):
            if k in a:
                a = a[k]
                break
    if not isinstance(a, str):
        return json.dumps(a)
    try:
        return str(ipaddress.ip_address(a))
    except ValueError:
        return norm_name(a)


def as_list(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def walk(node, key):
    """Every value of `key` anywhere under node (lists flattened)."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                out.extend(as_list(v))
            else:
                out.extend(walk(v, key))
    elif isinstance(node, list):
        for v in node:
            out.extend(walk(v, key))
    return out


def dicts_with(node, key, out=None):
    """Every dict under node that has `key` (not descending into them)."""
    if out is None:
        out = []
    if isinstance(node, dict):
        if key in node:
            out.append(node)
            return out
        for v in node.values():
            dicts_with(v, key, out)
    elif isinstance(node, list):
        for v in node:
            dicts_with(v, key, out)
    return out


def epoch_to_rfc3339(s):
    """tshark's frame.time_epoch "1569520466.080774000" -> RFC 3339 with
    microseconds (truncated), UTC."""
    sec, _, frac = s.partition(".")
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=int(sec))
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "." + (frac + "000000")[:6] + "Z"


def community_id(proto, sip, sport, dip, dport, seed=0):
    """Community ID v1 of a tcp/udp/sctp flow, written from the published
    spec: SHA-1 over seed, ordered addresses, protocol, a zero pad byte and
    the ports, base64-encoded, prefixed "1:"."""
    a = ipaddress.ip_address(sip).packed
    b = ipaddress.ip_address(dip).packed
    if (a, sport) > (b, dport):
        a, b, sport, dport = b, a, dport, sport
    h = hashlib.sha1()
    h.update(struct.pack("!H", seed) + a + b)
    h.update(struct.pack("!BBHH", PROTO_NUM[proto], 0, sport, dport))
    return "1:" + base64.b64encode(h.digest()).decode()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def flow_desc(fl):
    return "%s %s:%s -> %s:%s frames %s-%s" % (
        fl.get("proto"), fl.get("src_ip"), fl.get("src_port"),
        fl.get("dest_ip"), fl.get("dest_port"), fl.get("first_frame"),
        fl.get("last_frame"))


def run(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return 124, e.stdout or b"", e.stderr or b""


SANITIZER_RE = re.compile(rb"ERROR: \w+Sanitizer|runtime error:")


# ---------------------------------------------------------------- meetaudit

def analyse(binary, path, tmpdir):
    """Analyse one capture; returns (problem or None, flows, stderr text).
    problem is a short string when analysis crashed, timed out or failed."""
    db = os.path.join(tmpdir, "evidence.db")
    rc, _, err = run([binary, "analyze", "-q", "-o", db, path], TIMEOUT)
    problem = None
    if rc == 124:
        problem = "analyze timed out after %d s" % TIMEOUT
    elif rc < 0 or rc > 128:
        problem = "analyze killed by signal %d" % (-rc if rc < 0 else rc - 128)
    elif SANITIZER_RE.search(err):
        problem = "sanitizer report from analyze"
    elif rc != 0:
        problem = "analyze exited with status %d" % rc
    if not os.path.exists(db):
        return problem or "analyze created no database", [], err.decode("utf-8", "replace")
    rc2, out, err2 = run([binary, "flows", "--json", db], TIMEOUT)
    err = (err + err2).decode("utf-8", "replace")
    if rc2 != 0 or SANITIZER_RE.search(err2):
        return (problem or "flows --json exited with status %d" % rc2), [], err
    NDPI_JA3.clear()
    NDPI_JA3.update(ndpi_ja3_of(db))
    flows = []
    for n, line in enumerate(out.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            flows.append(json.loads(line, object_pairs_hook=KeyOrder))
        except ValueError as e:
            return "flows --json line %d is not JSON: %s" % (n, e), flows, err
    return problem, flows, err


# nDPI's own JA3/JA3S per flow id of the capture being checked (table
# ndpi_tls of the evidence database): where ours differs from nDPI's, the
# tls.ja3/tls.ja3s lines show both beside tshark's (tshark decides).
NDPI_JA3 = {}


def ndpi_ja3_of(db):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            rows = con.execute(
                "SELECT flow_id, ja3_client, ja3_server FROM ndpi_tls").fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return {}
    return {fid: {"tls.ja3": c, "tls.ja3s": sv} for fid, c, sv in rows}


class KeyOrder(dict):
    """A dict that remembers the key order as written (json pairs hook)."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.order = [k for k, _ in pairs]


# ---------------------------------------------------------------- tshark

def tshark_json(path, extra):
    rc, out, err = run(["tshark", "-n", "-r", path] + TSHARK_OPTS + extra,
                       TSHARK_TIMEOUT)
    txt = out.decode("utf-8", "replace").strip()
    if not txt:
        return None, rc, err
    try:
        return json.loads(txt), rc, err
    except ValueError:
        # tshark stopped mid-file (cut-short capture): close the array.
        cut = txt.rfind("\n  }")
        try:
            return json.loads(txt[:cut + 4] + "\n]"), rc, err
        except ValueError:
            return None, rc, err


def innermost(protos, names, before=None):
    """Index in frame.protocols of the last protocol in names (before
    position `before`), and which occurrence of that protocol it is."""
    end = len(protos) if before is None else before
    for i in range(end - 1, -1, -1):
        if protos[i] in names:
            return i, protos[:i].count(protos[i])
    return None, None


def pick(layers, name, nth):
    lst = as_list(layers.get(name))
    if not lst:
        return None
    return lst[nth] if nth < len(lst) else lst[-1]


def frame_endpoints(layers):
    """(frame number, proto, ((ip, port), (ip, port))) of the innermost
    tcp/udp of a frame from the tree JSON, or None for frames we do not
    match (no tcp/udp, or an ICMP error quoting another packet)."""
    fr = layers.get("frame", {})
    num = int(fr.get("frame.number", "0"))
    protos = fr.get("frame.protocols", "").split(":")
    if "icmp" in protos or "icmpv6" in protos:
        return None
    ti, tn = innermost(protos, ("tcp", "udp"))
    if ti is None:
        return None
    tp = protos[ti]
    ai, an = innermost(protos, ("ip", "ipv6"), ti)
    if ai is None:
        return None
    al = pick(layers, protos[ai], an)
    tl = pick(layers, tp, tn)
    if not isinstance(al, dict) or not isinstance(tl, dict):
        return None
    v = protos[ai]
    try:
        ends = ((norm_addr(al[v + ".src"]), int(tl[tp + ".srcport"])),
                (norm_addr(al[v + ".dst"]), int(tl[tp + ".dstport"])))
    except (KeyError, ValueError, TypeError):
        return None
    return num, tp, ends


def first_str(lst):
    for v in lst:
        if isinstance(v, str):
            return v
    return None


def _hexcodes(vals):
    out = []
    for v in vals:
        if isinstance(v, str):
            try:
                out.append(int(v, 0))
            except ValueError:
                pass
    return out


def ja4_of(hm, proto):
    """JA4 (FoxIO's JA4 specification, technical_details/JA4.md) computed
    here, independently of our C code, from the ClientHello fields tshark
    decoded: an oracle for tls.ja4 / quic.ja4 (tshark 4.0 has no JA4)."""
    def grease(v):
        return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)
    ciphers = [c for c in _hexcodes(walk(hm, "tls.handshake.ciphersuite"))
               if not grease(c)]
    exts = []
    sigalgs = []
    for ed in dicts_with(hm, "tls.handshake.extension.type"):
        t = _hexcodes(as_list(ed["tls.handshake.extension.type"]))
        if not t:
            continue
        if grease(t[0]):
            continue
        exts.append(t[0])
        if t[0] == 13:
            sigalgs = _hexcodes(walk(ed, "tls.handshake.sig_hash_alg"))
    if not ciphers and not exts:
        return None
    svs = [v for v in _hexcodes(walk(hm, "tls.handshake.extensions.supported_version"))
           if not grease(v)]
    leg = _hexcodes(as_list(hm.get("tls.handshake.version")))
    ver = max(svs) if svs else (leg[0] if leg else 0)
    vname = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
             0x0300: "s3", 0x0002: "s2", 0xfeff: "d1", 0xfefd: "d2",
             0xfefc: "d3"}.get(ver, "00")
    sni = "d" if 0 in exts else "i"
    alpns = [a for a in walk(hm, "tls.handshake.extensions_alpn_str")
             if isinstance(a, str)]
    if alpns and alpns[0]:
        a = alpns[0]
        if a[0].isascii() and a[0].isalnum() and a[-1].isascii() and a[-1].isalnum():
            al = a[0] + a[-1]
        else:
            h = a.encode("latin-1", "replace").hex()
            al = h[0] + h[-1]
    else:
        al = "00"
    head = "%s%s%s%02d%02d%s" % (proto, vname, sni, min(len(ciphers), 99),
                                 min(len(exts), 99), al)

    def h12(text):
        return hashlib.sha256(text.encode()).hexdigest()[:12] if text else "000000000000"
    b = h12(",".join("%04x" % c for c in sorted(ciphers)))
    ce = ",".join("%04x" % e for e in sorted(e for e in exts if e not in (0, 16)))
    if ce and sigalgs:
        ce += "_" + ",".join("%04x" % v for v in sigalgs)
    c = h12(ce)
    return "%s_%s_%s" % (head, b, c)


def tshark_facts(path):
    """List of facts (frame, proto, endpoints, field, value) from tshark, or
    (None, why) when tshark could not read the capture."""
    data, rc, err = tshark_json(path, [
        "-Y", "tls.handshake.type or tls.alert_message.desc or dns or mdns or "
        "gquic.tag.sni", "-T", "json",
        "--no-duplicate-keys", "-J", "frame ip ipv6 tcp udp tls dns mdns quic gquic"])
    if data is None:
        msg = err.decode("utf-8", "replace")
        if rc != 0 and re.search(r"understands|couldn't be opened|doesn't exist|"
                                 r"isn't a capture file", msg):
            return None, "tshark could not read it (status %d): %s" % (
                rc, " ".join(msg.split())[-200:])
        return [], None         # nothing matched the filter
    facts = []
    for pkt in data:
        layers = pkt.get("_source", {}).get("layers", {})
        ep = frame_endpoints(layers)
        if ep is None:
            continue
        num, proto, ends = ep

        def add(field, value):
            facts.append((num, proto, ends, field, value))

        for top in ("tls", "quic"):
            for hm in dicts_with(layers.get(top), "tls.handshake.type"):
                htype = first_str(as_list(hm["tls.handshake.type"]))
                if htype == "1":
                    names = [n for n in walk(hm, "tls.handshake.extensions_server_name")
                             if isinstance(n, str)]
                    j4 = ja4_of(hm, "q" if top == "quic" else "t")
                    if j4:
                        add("quic.ja4" if top == "quic" else "tls.ja4", j4)
                    if top == "quic":
                        if names:
                            add("quic.sni", names[0])
                        continue
                    if names:
                        add("tls.sni", names[0])
                    ja3 = first_str(walk(hm, "tls.handshake.ja3"))
                    if ja3:
                        add("tls.ja3", ja3)
                elif htype == "2" and top == "tls":
                    sv = first_str(walk(hm, "tls.handshake.extensions.supported_version"))
                    ver = sv or first_str(as_list(hm.get("tls.handshake.version")))
                    if ver:
                        add("tls.version", TLS_VERSIONS.get(ver, ver))
                    ja3s = first_str(walk(hm, "tls.handshake.ja3s"))
                    if ja3s:
                        add("tls.ja3s", ja3s)
                elif htype == "11" and top == "tls":
                    der = first_str(walk(hm, "tls.handshake.certificate"))
                    if der:
                        try:
                            raw = bytes.fromhex(der.replace(":", ""))
                        except ValueError:
                            continue
                        # The sender: only the server's chain is ours.
                        add("tls.cert_sha256",
                            (hashlib.sha256(raw).hexdigest(), ends[0]))
        for am in dicts_with(layers.get("tls"), "tls.alert_message.desc"):
            lvl = first_str(as_list(am.get("tls.alert_message.level")))
            desc = first_str(as_list(am["tls.alert_message.desc"]))
            if lvl is not None and desc is not None and desc.isdigit():
                add("tls.alerts", (ends[0], ALERT_LEVELS.get(lvl, lvl),
                                   ALERT_NAMES.get(int(desc), desc)))
        # Google QUIC (Q0xx) carries the SNI in the clear in its CHLO.
        for sni in walk(layers.get("gquic"), "gquic.tag.sni"):
            if isinstance(sni, str):
                add("quic.sni", sni)
                break
        # tshark names DNS on port 5353 "mdns" but uses the dns.* fields.
        for dm in (dicts_with(layers.get("dns"), "dns.flags") +
                   dicts_with(layers.get("mdns"), "dns.flags")):
            for q in walk(dm.get("Queries"), "dns.qry.name"):
                add("dns.query", q)
            resp = first_str(walk(dm.get("dns.flags_tree"), "dns.flags.response"))
            if resp == "1":
                ans = dm.get("Answers")
                vals = (walk(ans, "dns.a") + walk(ans, "dns.aaaa") +
                        walk(ans, "dns.cname"))
                add("dns.response", None)
                for v in vals:
                    add("dns.answers", v)
    return facts, None


def tshark_frames(path):
    """{frame number: (epoch string, set of addresses, set of ports)}."""
    rc, out, err = run(["tshark", "-n", "-r", path, "-T", "fields",
                        "-E", "occurrence=a", "-E", "aggregator=,",
                        "-e", "frame.number", "-e", "frame.time_epoch",
                        "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src",
                        "-e", "ipv6.dst", "-e", "tcp.srcport",
                        "-e", "tcp.dstport", "-e", "udp.srcport",
                        "-e", "udp.dstport"], TSHARK_TIMEOUT)
    frames = {}
    for line in out.decode("utf-8", "replace").splitlines():
        f = line.split("\t")
        if len(f) < 10 or not f[0].isdigit():
            continue
        addrs = {norm_addr(a) for x in f[2:6] for a in x.split(",") if a}
        ports = {int(p) for x in f[6:10] for p in x.split(",") if p.isdigit()}
        frames[int(f[0])] = (f[1], addrs, ports)
    return frames


# ---------------------------------------------------------------- checks

class Result:
    """Outcome of one check on one capture."""

    def __init__(self, check):
        self.check = check
        self.agree = 0
        self.bad = []           # disagreement descriptions
        self.skip = None        # reason when nothing was compared
        self.error = None       # reason the check could not run
        self.notes = []         # facts shown beside the verdict (not failures)

    def total(self):
        return self.agree + len(self.bad)


def check_schema(flows, path):
    r = Result("schema")
    name = os.path.basename(path)
    digest = sha256_file(path)
    for fl in flows:
        why = []
        keys = getattr(fl, "order", list(fl))
        if keys[:len(REQUIRED_KEYS)] != REQUIRED_KEYS:
            why.append("keys %s" % ",".join(keys))
        tail = keys[len(REQUIRED_KEYS):]
        if tail != [k for k in OPTIONAL_KEYS if k in tail]:
            why.append("optional objects %s" % ",".join(tail))
        if fl.get("input") != name:
            why.append("input %r, want %r" % (fl.get("input"), name))
        if fl.get("input_sha256") != digest:
            why.append("input_sha256 %r, want %s" % (fl.get("input_sha256"), digest))
        ff, lf = fl.get("first_frame"), fl.get("last_frame")
        if not (isinstance(ff, int) and isinstance(lf, int) and 1 <= ff <= lf):
            why.append("frames %r-%r" % (ff, lf))
        for k in ("first_ts", "last_ts"):
            if not isinstance(fl.get(k), str) or not TS_RE.match(fl[k]):
                why.append("%s %r" % (k, fl.get(k)))
        if isinstance(fl.get("first_ts"), str) and isinstance(fl.get("last_ts"), str) \
                and fl["first_ts"] > fl["last_ts"]:
            why.append("first_ts after last_ts")
        if not isinstance(fl.get("risks"), list):
            why.append("risks %r is not an array" % fl.get("risks"))
        if fl.get("hostname_source") not in HOSTNAME_SOURCES:
            why.append("hostname_source %r" % fl.get("hostname_source"))
        for k in ("pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"):
            if not isinstance(fl.get(k), int) or fl[k] < 0:
                why.append("%s %r" % (k, fl.get(k)))
        if isinstance(fl.get("pkts_toserver"), int) and isinstance(fl.get("pkts_toclient"), int) \
                and fl["pkts_toserver"] + fl["pkts_toclient"] < 1:
            why.append("no packets")
        cid = fl.get("community_id")
        if not isinstance(cid, str) or not cid.startswith("1:"):
            why.append("community_id %r" % cid)
        elif fl.get("proto") in PROTO_NUM:
            try:
                want = community_id(fl["proto"], fl["src_ip"], int(fl["src_port"]),
                                    fl["dest_ip"], int(fl["dest_port"]))
                if cid != want:
                    why.append("community_id %s, want %s" % (cid, want))
            except (ValueError, TypeError, KeyError) as e:
                why.append("cannot compute community_id: %s" % e)
        if why:
            r.bad.append("%s: %s" % (flow_desc(fl), "; ".join(why)))
        else:
            r.agree += 1
    if not flows:
        r.skip = "no flows"
    return r


def check_frames(flows, frames):
    r = Result("frames")
    if not frames:
        r.skip = "tshark listed no frames"
        return r
    for fl in flows:
        why = []
        for k, tk in (("first_frame", "first_ts"), ("last_frame", "last_ts")):
            fr = frames.get(fl.get(k))
            if fr is None:
                why.append("tshark has no frame %r" % fl.get(k))
                continue
            ts, addrs, ports = fr
            if fl.get(tk) != epoch_to_rfc3339(ts):
                why.append("%s %s, tshark frame %d at %s" % (
                    tk, fl.get(tk), fl[k], epoch_to_rfc3339(ts)))
            want = {norm_addr(str(fl.get("src_ip"))), norm_addr(str(fl.get("dest_ip")))}
            if not want <= addrs:
                why.append("frame %d addresses %s" % (fl[k], sorted(addrs)))
            # No ports at all: tshark did not dissect the transport header
            # (a first IP fragment whose reassembly never completed); the
            # addresses and the time are still compared.
            if fl.get("proto") in ("tcp", "udp") and ports and \
                    not {fl.get("src_port"), fl.get("dest_port")} <= ports:
                why.append("frame %d ports %s" % (fl[k], sorted(ports)))
        if why:
            r.bad.append("%s: %s" % (flow_desc(fl), "; ".join(why)))
        else:
            r.agree += 1
    if not flows:
        r.skip = "no flows"
    return r


def flow_key(proto, ends):
    return proto, frozenset(ends)


def ours(fl, field):
    """Our value of a field for one flow (a set for dns.answers), or None."""
    tls, dns = fl.get("tls"), fl.get("dns")
    if field in ("tls.cert_sha256", "tls.alerts"):
        if not isinstance(tls, dict) or fl.get("proto") != "tcp":
            return None
        if field == "tls.cert_sha256":
            certs = tls.get("certs") or []
            return certs[0].get("sha256") if certs else None
        got = {(a.get("from"), a.get("level"), a.get("description"))
               for a in tls.get("alerts") or [] if isinstance(a, dict)}
        return frozenset(got) or None
    if field == "quic.ja4":
        if fl.get("proto") != "udp" or not isinstance(tls, dict):
            return None
        j4 = tls.get("ja4") or ""
        return j4 if j4.startswith("q") else None   # DTLS ("d") not here
    if field == "quic.sni":
        if fl.get("proto") != "udp":
            return None
        if isinstance(tls, dict):
            return tls.get("sni") or None
        if fl.get("hostname_source") == "quic":
            return fl.get("hostname") or None
        return None
    if field.startswith("tls."):
        if not isinstance(tls, dict) or fl.get("proto") != "tcp":
            return None
        return tls.get(field[4:]) or None
    if not isinstance(dns, dict):
        return None
    if field == "dns.query":
        return norm_name(dns.get("query")) or None
    if field == "dns.answers":
        return {norm_answer(a) for a in as_list(dns.get("answers"))}
    return None


def compare(flows, facts):
    """Results for "match" and every FIELDS check."""
    index = {}
    for fl in flows:
        try:
            ends = ((norm_addr(fl["src_ip"]), int(fl["src_port"])),
                    (norm_addr(fl["dest_ip"]), int(fl["dest_port"])))
        except (KeyError, ValueError, TypeError):
            continue
        index.setdefault(flow_key(fl.get("proto"), ends), []).append(fl)

    match = Result("match")
    theirs = {}                 # (flow id, field) -> set of values
    unmatched = {}
    responded = set()           # flows where tshark saw a DNS response
    byid = {}
    for num, proto, ends, field, value in facts:
        fl = None
        for cand in index.get(flow_key(proto, ends), []):
            if isinstance(cand.get("first_frame"), int) and \
                    cand["first_frame"] <= num <= cand.get("last_frame", -1):
                fl = cand
                break
        if fl is None:
            k = (proto, ends)
            unmatched.setdefault(k, []).append((num, field))
            continue
        fid = id(fl)
        byid[fid] = fl
        if field == "dns.response":
            responded.add(fid)
            continue
        theirs.setdefault((fid, field), set()).add(value)
    nframes = len({f[0] for f in facts})
    for (proto, ends), lst in sorted(unmatched.items(), key=lambda x: x[1][0]):
        match.bad.append("tshark %s %s:%d <-> %s:%d frames %s (%s) in no flow of ours" % (
            proto, ends[0][0], ends[0][1], ends[1][0], ends[1][1],
            ",".join(str(n) for n in sorted({n for n, _ in lst})[:10]),
            ",".join(sorted({f for _, f in lst}))))
    match.agree = nframes - len({n for lst in unmatched.values() for n, _ in lst})
    if not flows:
        match.bad.append("we printed no flows")
    elif not facts:
        match.skip = "tshark found no TLS handshake or DNS message to match"

    results = [match]
    for field in FIELDS:
        r = Result(field)
        tfield = field
        for fl in flows:
            fid = id(fl)
            mine = ours(fl, field)
            if field == "dns.answers":
                if fid not in responded:
                    if mine:
                        r.bad.append("%s: we have %s, tshark saw no DNS response (extra)"
                                     % (flow_desc(fl), sorted(mine)))
                    continue
                want = {norm_answer(v) for v in theirs.get((fid, tfield), set())}
                if mine is None:
                    mine = set()
                if mine == want:
                    r.agree += 1
                else:
                    r.bad.append("%s: ours %s, tshark %s" % (
                        flow_desc(fl), sorted(mine), sorted(want)))
                continue
            tv = theirs.get((fid, tfield))
            if tv is not None and field in ("tls.cert_sha256", "tls.alerts"):
                tv = sender_view(fl, field, tv)
            if tv is None:
                if mine is not None:
                    r.bad.append("%s: ours %r, tshark has none (extra)" % (flow_desc(fl), mine))
                continue
            cmpv = {norm_name(v) for v in tv} if field in ("dns.query", "tls.sni", "quic.sni") else tv
            mv = norm_name(mine) if field in ("tls.sni", "quic.sni") else mine
            nrow = NDPI_JA3.get(fl.get("flow_id"))
            nd = (nrow or {}).get(field) or None
            if field in ("tls.ja3", "tls.ja3s") and nrow is not None and nd != mine:
                r.notes.append("%s: nDPI's %s %s, ours %s (tshark %s)" % (
                    flow_desc(fl), field.split(".")[1], nd or "(none)", mine or "(none)",
                    " | ".join(sorted(repr(v) for v in tv))))
            if mv is not None and mv in cmpv:
                r.agree += 1
            else:
                r.bad.append("%s: ours %r, tshark %s" % (
                    flow_desc(fl), mine, " | ".join(sorted(repr(v) for v in tv))))
        if r.total() == 0:
            r.skip = skip_reason(field, facts)
        results.append(r)
    return results


def sender_view(fl, field, tv):
    """tshark's values of a sender-tagged field for one flow: leaf hashes
    of the server's chain only; alerts as sets of (sender, level, name)."""
    try:
        server = (norm_addr(fl["dest_ip"]), int(fl["dest_port"]))
    except (KeyError, ValueError, TypeError):
        return None
    if field == "tls.cert_sha256":
        got = {d for d, src in tv if src == server}
        return got or None
    alerts = frozenset(("server" if src == server else "client", lvl, name)
                       for src, lvl, name in tv)
    return {alerts}


def skip_reason(field, facts):
    have = {f[3] for f in facts}
    if field.startswith("tls."):
        if not have & {"tls.sni", "tls.ja3", "tls.ja3s", "tls.version",
                       "tls.cert_sha256", "tls.alerts", "tls.ja4"}:
            return "no TLS (over TCP) in this fixture"
        return "no TLS handshake with %s in this fixture" % field
    if field == "quic.sni":
        return "no QUIC ClientHello with an SNI in this fixture"
    if field == "quic.ja4":
        return "no QUIC ClientHello in this fixture"
    if not have & {"dns.query", "dns.response"}:
        return "no DNS in this fixture"
    return "no DNS response in this fixture"


def check_capture(binary, path):
    """All Results for one capture, plus a top-level problem string."""
    with tempfile.TemporaryDirectory(prefix="meetaudit-oracle.") as tmp:
        problem, flows, err = analyse(binary, path, tmp)
    results = []
    facts, why = tshark_facts(path)
    if facts is None:
        return problem, flows, err, [], why
    results.append(check_schema(flows, path))
    results.append(check_frames(flows, tshark_frames(path)))
    results.extend(compare(flows, facts))
    return problem, flows, err, results, None


# ---------------------------------------------------------------- modes

def fixture_mode(binary, files):
    nfail = 0
    if not files:
        print("FAIL oracle: no fixtures in pcaps/")
        return 1
    for path in files:
        name = os.path.basename(path)
        problem, flows, err, results, why = check_capture(binary, path)
        if problem:
            print("FAIL %s:analyze: %s" % (name, problem))
            for line in err.splitlines()[:20]:
                print("    " + line)
            nfail += 1
        if why:
            print("FAIL %s:tshark: %s" % (name, why))
            nfail += 1
            continue
        for r in results:
            label = "%s:%s" % (name, r.check)
            if r.bad:
                nfail += 1
                print("FAIL %s: %d of %d disagree" % (label, len(r.bad), r.total()))
                for b in r.bad[:20]:
                    print("    " + b)
                if len(r.bad) > 20:
                    print("    ... (%d more)" % (len(r.bad) - 20))
            elif r.skip:
                print("SKIP %s: %s" % (label, r.skip))
            else:
                print("PASS %s (%d compared)" % (label, r.agree))
            for n in r.notes[:20]:
                print("    " + n)
    return 1 if nfail else 0


def corpus_mode(binary, directory, out_path, jobs):
    files = sorted(os.path.join(directory, f) for f in os.listdir(directory)
                   if f.endswith(CAPTURE_EXT))
    if not files:
        print("corpus: no captures in %s" % directory)
        return 0
    agree = {c: 0 for c in CHECKS}
    total = {c: 0 for c in CHECKS}
    problems = []
    lines = []

    def one(path):
        try:
            return path, check_capture(binary, path)
        except Exception as e:          # a bug in the oracle, not the binary
            return path, ("oracle error: %r" % e, [], "", [], None)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for path, (problem, flows, err, results, why) in ex.map(one, files):
            name = os.path.basename(path)
            if problem:
                problems.append("%s: %s" % (name, problem))
                lines.append("%s analyze: %s" % (name, problem))
            if why:
                lines.append("%s tshark: %s" % (name, why))
            for r in results:
                agree[r.check] += r.agree
                total[r.check] += r.total()
                for b in r.bad:
                    lines.append("%s %s: %s" % (name, r.check, b))
    print("corpus: %d captures, %d with analyze problems" % (len(files), len(problems)))
    for c in CHECKS:
        pct = 100.0 * agree[c] / total[c] if total[c] else 0.0
        print("%s: %d/%d (%.1f%%)" % (c, agree[c], total[c], pct))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        for line in lines:
            f.write(line + "\n")
    print("disagreements: %d lines in %s" % (len(lines), out_path))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("MEETAUDIT", "./meetaudit"))
    ap.add_argument("--corpus", metavar="DIR")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "oracle-corpus-disagreements.txt"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    os.environ["TZ"] = "UTC"
    binary = a.bin if os.path.isabs(a.bin) else os.path.join(ROOT, a.bin)
    if not os.access(binary, os.X_OK):
        print("FAIL oracle: meetaudit binary %s not found or not executable" % binary)
        return 0 if a.corpus else 1
    try:
        ok = subprocess.run(["tshark", "-v"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        ok = False
    if not ok:
        print("FAIL oracle: tshark is not installed")
        return 0 if a.corpus else 1
    if a.corpus:
        return corpus_mode(binary, a.corpus, a.out, a.jobs)
    files = a.files or sorted(
        os.path.join(ROOT, "pcaps", f) for f in os.listdir(os.path.join(ROOT, "pcaps"))
        if f.endswith(CAPTURE_EXT))
    return fixture_mode(binary, files)


if __name__ == "__main__":
    sys.exit(main())

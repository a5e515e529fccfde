#!/usr/bin/env python3
"""gen.py - synthetic capture fixtures for the audit (issue #5).

Usage: gen.py OUTDIR

Writes into OUTDIR (created if needed), byte-identical on every run:
  fb_sdk.pcap            Zoom iOS 2020 case: Zoom TLS + graph.facebook.com
                         TLS + a cleartext Facebook-SDK-like app-event POST
  canary_http.pcap       Zoom TLS + cleartext HTTP GET to api.segment.io
                         whose query carries sha256("tester@example.org")
  baseline_idle.pcap     the device idle: TLS to mesu.apple.com (Apple)
  session_bg.pcap        Zoom TLS + the same Apple flow + settings.crashlytics.com
  excluded_country.pcap  Zoom TLS to a server the test data puts in CN, and
                         another to one it puts in US
  verdicts.pcap          Zoom TLS + TLS to zoom-general.s3.amazonaws.com
                         (AWS, named by Zoom) + TLS to api.openai.com
  transport.pcap         Zoom TLS 1.2 + Zoom TLS 1.0 (us04logfiles.zoom.us)
                         + cleartext HTTP GET to us04web.zoom.us
  data/                  a MEETAUDIT_DATA directory for those addresses:
                         geo-whois-asn-country.mmdb (tests/synth/mkmmdb.py)
                         and asn-ipv4-num.csv
  MANIFEST.json          the facts each fixture holds (frames, names, ...)

Every file is classic pcap, Ethernet, microsecond timestamps from
2020-03-26T10:00:00Z; the client is 192.168.1.23 (RFC 1918), the resolver
192.168.1.1.  Server addresses are inside the prefixes rules/entities.yaml
and rules/services/zoom.yaml use (that is how attribution works); in these
files they are synthetic.  tests/synth/README.md documents each fixture.
Python 3 standard library only.
"""
import hashlib
import json
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkmmdb  # noqa: E402
import pkt     # noqa: E402

T0 = 1585216800          # 2020-03-26T10:00:00Z
CLIENT = "192.168.1.23"
RESOLVER = "192.168.1.1"

# Servers: (name, address).  Zoom addresses are in 170.114.0.0/16 and
# 209.9.211.0/24 (Zoom's published ranges), Facebook's in 157.240.0.0/16
# (AS32934), Apple's in 17.0.0.0/8, the rest in their owners' AS space.
ZOOM_WEB = ("us04web.zoom.us", "170.114.52.2")
ZOOM_CN = ("zmcn-key1.zoom.us", "209.9.211.77")      # placed in CN by data/
ZOOM_US = ("us05mmr.zoom.us", "170.114.10.71")       # placed in US by data/
FB_GRAPH = ("graph.facebook.com", "157.240.22.19")
SEGMENT = ("api.segment.io", "54.192.11.58")         # Amazon CloudFront space
APPLE_UPD = ("mesu.apple.com", "17.253.53.207")
CRASHLYTICS = ("settings.crashlytics.com", "142.251.32.99")
AWS_S3 = ("zoom-general.s3.amazonaws.com", "52.216.8.40")  # AWS S3 (AS16509)
OPENAI = ("api.openai.com", "104.18.6.192")          # Cloudflare (AS13335)
ZOOM_OLD = ("us04logfiles.zoom.us", "170.114.52.9")  # TLS 1.0 in transport.pcap

CANARY_EMAIL = "tester@example.org"
CANARY_SHA256 = hashlib.sha256(CANARY_EMAIL.encode()).hexdigest()
FB_APP_ID = "113289095462482"        # synthetic
IDFA = "6D92078A-8246-4BA4-AE5B-76104861E7DC"  # synthetic advertising id
ANON_ID = "XZ0C4F7A1E-2B3D-4E5F-8A9B-0C1D2E3F4A5B"


def zoom_tls(cap, server, label, facts):
    """DNS A + TLS 1.2 to a Zoom server; records the facts."""
    name, addr = server
    q, a = cap.dns_a(name, addr, RESOLVER)
    cap.tick(3000)
    s = pkt.tls_session(cap, addr, name, label, up=(517, 96), down=(1320, 288))
    facts["flows"].append({"what": "zoom first-party TLS", "sni": name, "dst": addr,
                           "dport": 443, "sport": s["sport"], "dns_query_frame": q,
                           "dns_answer_frame": a, "syn_frame": s["syn"],
                           "client_hello_frame": s["client_hello"],
                           "server_hello_frame": s["server_hello"],
                           "last_frame": s["last"], "tls_version": "TLSv1.2",
                           "app_data_up_bytes": s["app_data_up_bytes"],
                           "org": "zoom", "party_zoom": "first"})
    cap.tick(40000)


def other_tls(cap, server, label, facts, what, org, party, up=(517,), down=(900,),
              version=0x0303):
    name, addr = server
    q, a = cap.dns_a(name, addr, RESOLVER)
    cap.tick(3000)
    s = pkt.tls_session(cap, addr, name, label, up=up, down=down, version=version)
    facts["flows"].append({"what": what, "sni": name, "dst": addr, "dport": 443,
                           "sport": s["sport"], "dns_query_frame": q,
                           "dns_answer_frame": a, "syn_frame": s["syn"],
                           "client_hello_frame": s["client_hello"],
                           "server_hello_frame": s["server_hello"],
                           "last_frame": s["last"],
                           "tls_version": "TLSv1.2" if version == 0x0303 else "TLSv1.0",
                           "app_data_up_bytes": s["app_data_up_bytes"],
                           "org": org, "party_zoom": party})
    cap.tick(40000)


def http_exchange(cap, server, label, request, response, facts, what, org, party):
    """Cleartext HTTP/1.1 on port 80: one request, one response, close."""
    name, addr = server
    q, a = cap.dns_a(name, addr, RESOLVER)
    cap.tick(3000)
    t = pkt.Tcp(cap, addr, 80, label)
    syn = t.handshake()
    req = t.send(True, request)
    cap.tick(30000)
    t.send(False, response)
    last = t.close()
    facts["flows"].append({"what": what, "host": name, "dst": addr, "dport": 80,
                           "sport": t.sport, "dns_query_frame": q, "dns_answer_frame": a,
                           "syn_frame": syn,
                           "http_request_frame": req, "request_bytes": len(request),
                           "last_frame": last,
                           "org": org, "party_zoom": party})
    cap.tick(40000)


def fb_app_event_body():
    """A Facebook-SDK-like app-event form body (graph API /activities)."""
    extinfo = json.dumps(["i2", "us.zoom.videomeetings", "4.6.8", "4.6.8 (19178.0323)",
                          "13.3.1", "iPhone11,8", "en_US", "PDT", "ExampleTel",
                          828, 1792, "2.00", 6, 64, 23, "America/Los_Angeles"],
                         separators=(",", ":"))
    fields = [("event", "MOBILE_APP_INSTALL"), ("advertiser_id", IDFA),
              ("advertiser_tracking_enabled", "1"), ("application_tracking_enabled", "1"),
              ("anon_id", ANON_ID), ("extinfo", extinfo), ("format", "json"),
              ("sdk", "ios"), ("include_headers", "false")]
    return "&".join("%s=%s" % (k, urllib.parse.quote(v, safe="")) for k, v in fields).encode()


def http_response(body):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body


def gen_fb_sdk(out):
    cap = pkt.Capture(T0, CLIENT)
    facts = {"file": "fb_sdk.pcap", "client": CLIENT, "flows": []}
    zoom_tls(cap, ZOOM_WEB, "fb/zoom", facts)
    # (b) graph.facebook.com over TLS, ~1.2 kB of application data sent
    other_tls(cap, FB_GRAPH, "fb/graph", facts, "facebook graph API TLS", "facebook",
              "third", up=(1180,), down=(420,))
    # (c) the same app event in cleartext (port 80), for the ad-id detector
    body = fb_app_event_body()
    path = "/v2.0/%s/activities" % FB_APP_ID
    req = ("POST %s HTTP/1.1\r\nHost: graph.facebook.com\r\n"
           "Content-Type: application/x-www-form-urlencoded\r\n"
           "User-Agent: FBiOSSDK.5.15.1\r\nAccept: */*\r\nAccept-Language: en-us\r\n"
           "Content-Length: %d\r\n\r\n" % (path, len(body))).encode() + body
    http_exchange(cap, FB_GRAPH, "fb/http", req, http_response(b'{"success":true}'),
                  facts, "facebook app event, cleartext HTTP", "facebook", "third")
    facts["flows"][-1].update({"method": "POST", "uri": path, "advertiser_id": IDFA,
                               "body_fields": ["event=MOBILE_APP_INSTALL",
                                               "advertiser_id", "advertiser_tracking_enabled=1",
                                               "application_tracking_enabled=1", "anon_id",
                                               "extinfo (url-encoded JSON array)"]})
    facts["expect"] = {"third_party_orgs": ["facebook"], "pii": [{"type": "ad_id", "value": IDFA,
                                                                  "encoding": "plain"}]}
    cap.write(os.path.join(out, "fb_sdk.pcap"))
    return facts


def gen_canary(out):
    cap = pkt.Capture(T0, CLIENT)
    facts = {"file": "canary_http.pcap", "client": CLIENT, "flows": []}
    zoom_tls(cap, ZOOM_WEB, "canary/zoom", facts)
    qs = urllib.parse.urlencode([("writeKey", "synthWK0001"), ("event", "Meeting Joined"),
                                 ("userId", "u-1001"), ("em", CANARY_SHA256),
                                 ("plan", "free"), ("os", "iOS 13.3.1")])
    path = "/v1/t?" + qs
    req = ("GET %s HTTP/1.1\r\nHost: api.segment.io\r\nUser-Agent: zoom.us/4.6.8 "
           "(iPhone; iOS 13.3.1)\r\nAccept: */*\r\n\r\n" % path).encode()
    http_exchange(cap, SEGMENT, "canary/http", req, http_response(b'{"success":true}'),
                  facts, "analytics GET with hashed e-mail", "segment", "third")
    facts["flows"][-1].update({"method": "GET", "uri": path})
    facts["expect"] = {"third_party_orgs": ["segment"],
                       "pii": [{"type": "canary:email", "canary": "email=" + CANARY_EMAIL,
                                "value": CANARY_SHA256, "encoding": "sha256"}]}
    cap.write(os.path.join(out, "canary_http.pcap"))
    return facts


def gen_baseline(out):
    cap = pkt.Capture(T0, CLIENT)
    facts = {"file": "baseline_idle.pcap", "client": CLIENT, "flows": []}
    other_tls(cap, APPLE_UPD, "bg/apple", facts, "OS update check (background)", "apple",
              "third")
    cap.write(os.path.join(out, "baseline_idle.pcap"))
    facts["expect"] = {"counterparties": ["apple"]}
    return facts


def gen_session(out):
    cap = pkt.Capture(T0 + 600, CLIENT)
    facts = {"file": "session_bg.pcap", "client": CLIENT, "flows": []}
    zoom_tls(cap, ZOOM_WEB, "sess/zoom", facts)
    other_tls(cap, APPLE_UPD, "sess/apple", facts, "OS update check (background)", "apple",
              "third")
    other_tls(cap, CRASHLYTICS, "sess/crash", facts, "crash reporting (not in baseline)",
              "crashlytics", "third", up=(640,), down=(350,))
    facts["expect"] = {"with_baseline": {"background": ["apple"], "app": ["crashlytics"]},
                       "without_baseline": {"session": ["apple", "crashlytics"]}}
    cap.write(os.path.join(out, "session_bg.pcap"))
    return facts


def gen_country(out):
    cap = pkt.Capture(T0, CLIENT)
    facts = {"file": "excluded_country.pcap", "client": CLIENT, "flows": []}
    zoom_tls(cap, ZOOM_US, "cc/us", facts)
    facts["flows"][-1]["country"] = "US"
    zoom_tls(cap, ZOOM_CN, "cc/cn", facts)
    facts["flows"][-1]["country"] = "CN"
    facts["expect"] = {"location": [{"sni": ZOOM_CN[0], "dst": ZOOM_CN[1], "country": "CN",
                                     "claim": "china-dc-opted-out"}]}
    cap.write(os.path.join(out, "excluded_country.pcap"))
    return facts


def gen_verdicts(out):
    cap = pkt.Capture(T0, CLIENT)
    facts = {"file": "verdicts.pcap", "client": CLIENT, "flows": []}
    zoom_tls(cap, ZOOM_WEB, "verd/zoom", facts)
    other_tls(cap, AWS_S3, "verd/s3", facts, "Zoom's named AWS host (sub-processor)", "aws",
              "third", up=(700,), down=(2400,))
    other_tls(cap, OPENAI, "verd/openai", facts, "an AI service", "openai", "third",
              up=(1500,), down=(600,))
    facts["expect"] = {"verdicts": {"aws": "clear", "openai": "omitted; contradicted with "
                                    "--context ai_features=off (claim ai-training-2023-08-11)"}}
    cap.write(os.path.join(out, "verdicts.pcap"))
    return facts


def gen_transport(out):
    cap = pkt.Capture(T0, CLIENT)
    facts = {"file": "transport.pcap", "client": CLIENT, "flows": []}
    zoom_tls(cap, ZOOM_WEB, "tr/zoom", facts)
    other_tls(cap, ZOOM_OLD, "tr/tls10", facts, "zoom first-party TLS 1.0", "zoom", "first",
              up=(512,), down=(1312,), version=0x0301)
    path = "/wc/join/93700000001?pwd=synthetic"
    req = ("GET %s HTTP/1.1\r\nHost: us04web.zoom.us\r\nUser-Agent: zoom.us/4.6.8 "
           "(iPhone; iOS 13.3.1)\r\nAccept: */*\r\n\r\n" % path).encode()
    http_exchange(cap, ZOOM_WEB, "tr/http", req, http_response(b'{"status":"ok"}'), facts,
                  "zoom first-party cleartext HTTP", "zoom", "first")
    facts["flows"][-1].update({"method": "GET", "uri": path})
    facts["expect"] = {"transport": [
        {"sni": ZOOM_OLD[0], "subtype": "tls_below_min", "claim": "e2ee-aes-gcm"},
        {"host": ZOOM_WEB[0], "subtype": "cleartext", "claim": "e2ee-aes-gcm / mesh-media-aes"}]}
    cap.write(os.path.join(out, "transport.pcap"))
    return facts


# Test data for MEETAUDIT_DATA: every server address of every fixture.
# (CIDR, first, last, ASN, AS organisation, country)
DATA_ROWS = [
    ("17.0.0.0/8", "17.0.0.0", "17.255.255.255", 714, "Apple Inc.", "US"),
    ("54.192.0.0/16", "54.192.0.0", "54.192.255.255", 16509, "Amazon.com, Inc.", "US"),
    ("52.216.0.0/15", "52.216.0.0", "52.217.255.255", 16509, "Amazon.com, Inc.", "US"),
    ("104.16.0.0/13", "104.16.0.0", "104.23.255.255", 13335, "Cloudflare, Inc.", "US"),
    ("142.251.0.0/16", "142.251.0.0", "142.251.255.255", 15169, "Google LLC", "US"),
    ("157.240.0.0/16", "157.240.0.0", "157.240.255.255", 32934, "Facebook, Inc.", "US"),
    ("170.114.0.0/16", "170.114.0.0", "170.114.255.255", 30103,
     "Zoom Video Communications, Inc", "US"),
    ("209.9.211.0/24", "209.9.211.0", "209.9.211.255", 30103,
     "Zoom Video Communications, Inc", "CN"),
]


def ip_num(a):
    p = [int(x) for x in a.split(".")]
    return (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]


def gen_data(out):
    d = os.path.join(out, "data")
    os.makedirs(d, exist_ok=True)
    mkmmdb.write_mmdb(os.path.join(d, "geo-whois-asn-country.mmdb"),
                      [(r[0], r[5]) for r in DATA_ROWS])
    with open(os.path.join(d, "asn-ipv4-num.csv"), "w", newline="\n") as fp:
        for _, lo, hi, asn, org, _cc in DATA_ROWS:
            o = '"%s"' % org if "," in org else org
            fp.write("%d,%d,%d,%s\n" % (ip_num(lo), ip_num(hi), asn, o))
    return {"dir": "data", "files": ["geo-whois-asn-country.mmdb", "asn-ipv4-num.csv"],
            "rows": [{"cidr": r[0], "asn": r[3], "as_org": r[4], "country": r[5]}
                     for r in DATA_ROWS]}


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: gen.py OUTDIR\n")
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = {"generator": "tests/synth/gen.py", "start": "2020-03-26T10:00:00Z",
                "client": CLIENT, "resolver": RESOLVER,
                "canary": {"email": CANARY_EMAIL, "sha256": CANARY_SHA256},
                "fixtures": [gen_fb_sdk(out), gen_canary(out), gen_baseline(out),
                             gen_session(out), gen_country(out), gen_verdicts(out),
                             gen_transport(out)],
                "data": gen_data(out)}
    with open(os.path.join(out, "MANIFEST.json"), "w") as fp:
        json.dump(manifest, fp, indent=1, sort_keys=False)
        fp.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

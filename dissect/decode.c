/* decode.c - link layers, IPv4/IPv6, TCP/UDP/ICMP header decoding.
 * RFC 791 (IPv4), RFC 8200 (IPv6 and extension headers), RFC 9293 (TCP),
 * RFC 768 (UDP), RFC 792/4443 (ICMP), IEEE 802.1Q/802.1ad (VLAN, QinQ),
 * RFC 2516 (PPPoE), RFC 1661 (PPP), Cisco HDLC, 3GPP TS 29.281 (GTP-U), RFC 2003/4213
 * (IP-in-IP, 6in4).
 *
 * Invariants
 * ----------
 * Every byte is fetched through dis_rd (rd.h).  Each layer narrows the reader
 * to the bytes its header says it owns, so Ethernet padding never becomes
 * payload and a length field can never widen what we may read.  Tunnels are
 * followed at most DIS_MAX_TUNNEL levels deep; the innermost IP header is the
 * one reported (and handed to nDPI), as flow-level tools do for GTP-U.
 * Non-first fragments carry no transport header: they are flagged so the
 * flow table can attribute them to the flow of their first fragment.
 */
#define _DEFAULT_SOURCE
#include "decode.h"
#include "rd.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define DIS_MAX_TUNNEL 3
#define GTPU_PORT 2152

static int decode_ip(dis_rd *r, dis_pkt *p, int depth);

static int decode_l4(dis_rd *r, dis_pkt *p, int depth)
{
    p->payload = dis_rd_cur(r);
    p->payload_len = dis_rd_left(r);
    if (p->frag == DIS_FRAG_LATER)
        return DIS_OK;
    switch (p->l4) {
    case 6: { /* TCP */
        p->sport = dis_rd_be16(r);
        p->dport = dis_rd_be16(r);
        p->seq = dis_rd_be32(r);
        p->ack = dis_rd_be32(r);
        uint8_t off = dis_rd_u8(r);
        p->tcp_flags = dis_rd_u8(r);
        dis_rd_skip(r, 6); /* window, checksum, urgent pointer */
        size_t hlen = (size_t)(off >> 4) * 4;
        if (!dis_rd_ok(r) || hlen < 20)
            return DIS_MALFORMED;
        if (!dis_rd_skip(r, hlen - 20))
            return DIS_MALFORMED;
        p->has_ports = 1;
        break;
    }
    case 17: { /* UDP */
        p->sport = dis_rd_be16(r);
        p->dport = dis_rd_be16(r);
        uint16_t ulen = dis_rd_be16(r);
        dis_rd_skip(r, 2);
        if (!dis_rd_ok(r))
            return DIS_MALFORMED;
        p->has_ports = 1;
        /* Honour the UDP length when it is sane and shorter than what we
         * have (padding); a larger one means the capture was cut. */
        if (ulen >= 8 && (size_t)(ulen - 8) < dis_rd_left(r))
            r->len = r->off + (ulen - 8);
        if (depth < DIS_MAX_TUNNEL && p->frag == DIS_FRAG_NONE &&
            (p->sport == GTPU_PORT || p->dport == GTPU_PORT)) {
            /* GTP-U: version 1, T-PDU carrying an IP packet. */
            dis_rd g = *r;
            uint8_t flags = dis_rd_u8(&g);
            uint8_t type = dis_rd_u8(&g);
            dis_rd_skip(&g, 6); /* length, TEID */
            if ((flags >> 5) == 1 && (flags & 0x10) && type == 0xff) {
                if (flags & 0x07) {
                    dis_rd_skip(&g, 3); /* sequence, N-PDU */
                    uint8_t next = dis_rd_u8(&g);
                    int guard = 0;
                    while (next && dis_rd_ok(&g) && guard++ < 8) {
                        uint8_t elen = dis_rd_u8(&g);
                        if (!dis_rd_ok(&g))
                            break; /* cut short: keep the outer packet */
                        if (elen == 0)
                            return DIS_MALFORMED;
                        dis_rd_skip(&g, (size_t)elen * 4 - 2);
                        next = dis_rd_u8(&g);
                    }
                }
                uint8_t v;
                if (dis_rd_ok(&g) && dis_rd_peek_u8(&g, 0, &v) &&
                    ((v >> 4) == 4 || (v >> 4) == 6)) {
                    dis_pkt save = *p;
                    int rc = decode_ip(&g, p, depth + 1);
                    if (rc == DIS_OK)
                        return rc;
                    *p = save; /* not a clean inner packet: keep outer */
                }
            }
        }
        break;
    }
    case 132: /* SCTP */
        p->sport = dis_rd_be16(r);
        p->dport = dis_rd_be16(r);
        dis_rd_skip(r, 8);
        if (!dis_rd_ok(r))
            return DIS_MALFORMED;
        p->has_ports = 1;
        break;
    case 1:
    case 58: /* ICMP, ICMPv6 */
        p->icmp_type = dis_rd_u8(r);
        p->icmp_code = dis_rd_u8(r);
        dis_rd_skip(r, 2);
        if (!dis_rd_ok(r))
            return DIS_MALFORMED;
        break;
    case 4:
    case 41: /* IP in IP, IPv6 in IP */
        if (depth < DIS_MAX_TUNNEL && p->frag == DIS_FRAG_NONE) {
            dis_pkt save = *p;
            int rc = decode_ip(r, p, depth + 1);
            if (rc == DIS_OK)
                return rc;
            *p = save;
        }
        return DIS_OK;
    default:
        return DIS_OK;
    }
    p->payload = dis_rd_cur(r);
    p->payload_len = dis_rd_left(r);
    return DIS_OK;
}

static int decode_ipv4(dis_rd *r, dis_pkt *p, int depth)
{
    const uint8_t *start = dis_rd_cur(r);
    size_t avail = dis_rd_left(r);
    uint8_t vihl = dis_rd_u8(r);
    dis_rd_skip(r, 1); /* TOS */
    uint16_t tot = dis_rd_be16(r);
    uint16_t id = dis_rd_be16(r);
    uint16_t fo = dis_rd_be16(r);
    dis_rd_skip(r, 1); /* TTL */
    uint8_t proto = dis_rd_u8(r);
    dis_rd_skip(r, 2); /* checksum */
    dis_rd_copy(r, p->src, 4);
    dis_rd_copy(r, p->dst, 4);
    size_t ihl = (size_t)(vihl & 0x0f) * 4;
    if (!dis_rd_ok(r) || (vihl >> 4) != 4 || ihl < 20)
        return DIS_MALFORMED;
    /* A zero total length occurs with TCP segmentation offload captures:
     * take what was captured. */
    size_t dlen = tot ? tot : avail;
    if (dlen < ihl)
        return DIS_MALFORMED;
    if (!dis_rd_skip(r, ihl - 20)) /* options */
        return DIS_MALFORMED;
    memset(p->src + 4, 0, 12);
    memset(p->dst + 4, 0, 12);
    p->ipver = 4;
    p->l4 = proto;
    p->ip = start;
    p->ip_len = (uint32_t)dlen;
    p->ip_caplen = dlen < avail ? dlen : avail;
    p->frag_id = id;
    uint16_t off = fo & 0x1fff;
    int more = (fo & 0x2000) != 0;
    p->frag = off ? DIS_FRAG_LATER : (more ? DIS_FRAG_FIRST : DIS_FRAG_NONE);
    dis_rd body;
    dis_rd_init(&body, dis_rd_cur(r), p->ip_caplen - ihl);
    return decode_l4(&body, p, depth);
}

static int decode_ipv6(dis_rd *r, dis_pkt *p, int depth)
{
    const uint8_t *start = dis_rd_cur(r);
    size_t avail = dis_rd_left(r);
    uint32_t vtf = dis_rd_be32(r);
    uint16_t plen = dis_rd_be16(r);
    uint8_t next = dis_rd_u8(r);
    dis_rd_skip(r, 1); /* hop limit */
    dis_rd_copy(r, p->src, 16);
    dis_rd_copy(r, p->dst, 16);
    if (!dis_rd_ok(r) || (vtf >> 28) != 6)
        return DIS_MALFORMED;
    size_t dlen = 40 + (size_t)plen;
    if (plen == 0) /* jumbogram or TSO: take what was captured */
        dlen = avail;
    p->ipver = 6;
    p->ip = start;
    p->ip_len = (uint32_t)dlen;
    p->ip_caplen = dlen < avail ? dlen : avail;
    p->frag = DIS_FRAG_NONE;
    dis_rd body;
    dis_rd_init(&body, dis_rd_cur(r), p->ip_caplen - 40);
    for (int guard = 0; guard < 16; guard++) {
        switch (next) {
        case 0: case 43: case 60: case 135: case 139: case 140: {
            uint8_t nn = dis_rd_u8(&body);
            uint8_t hl = dis_rd_u8(&body);
            dis_rd_skip(&body, (size_t)hl * 8 + 6);
            if (!dis_rd_ok(&body))
                return DIS_MALFORMED;
            next = nn;
            continue;
        }
        case 44: { /* fragment */
            uint8_t nn = dis_rd_u8(&body);
            dis_rd_skip(&body, 1);
            uint16_t fo = dis_rd_be16(&body);
            p->frag_id = dis_rd_be32(&body);
            if (!dis_rd_ok(&body))
                return DIS_MALFORMED;
            uint16_t off = fo >> 3;
            p->frag = off ? DIS_FRAG_LATER
                          : ((fo & 1) ? DIS_FRAG_FIRST : DIS_FRAG_NONE);
            next = nn;
            if (off) {
                p->l4 = next;
                return decode_l4(&body, p, depth);
            }
            continue;
        }
        case 51: { /* AH */
            uint8_t nn = dis_rd_u8(&body);
            uint8_t hl = dis_rd_u8(&body);
            dis_rd_skip(&body, (size_t)hl * 4 + 6);
            if (!dis_rd_ok(&body))
                return DIS_MALFORMED;
            next = nn;
            continue;
        }
        default:
            break;
        }
        break;
    }
    p->l4 = next;
    return decode_l4(&body, p, depth);
}

static int decode_ip(dis_rd *r, dis_pkt *p, int depth)
{
    uint8_t v;
    if (!dis_rd_peek_u8(r, 0, &v))
        return DIS_MALFORMED;
    p->sport = p->dport = 0;
    p->has_ports = 0;
    p->tcp_flags = 0;
    p->seq = p->ack = 0;
    p->icmp_type = p->icmp_code = 0;
    p->payload = NULL;
    p->payload_len = 0;
    if ((v >> 4) == 4)
        return decode_ipv4(r, p, depth);
    if ((v >> 4) == 6)
        return decode_ipv6(r, p, depth);
    return DIS_MALFORMED;
}

/* Dispatch on an EtherType (or PPP protocol mapped to one). */
static int decode_ethertype(dis_rd *r, uint16_t type, dis_pkt *p)
{
    for (int guard = 0; guard < 8; guard++) {
        switch (type) {
        case 0x0800:
        case 0x86dd:
            return decode_ip(r, p, 0);
        case 0x8100: case 0x88a8: case 0x9100: { /* 802.1Q / QinQ */
            uint16_t tci = dis_rd_be16(r);
            type = dis_rd_be16(r);
            if (!dis_rd_ok(r))
                return DIS_MALFORMED;
            if (!p->vlan)
                p->vlan = tci & 0x0fff;
            continue;
        }
        case 0x8864: { /* PPPoE session */
            dis_rd_skip(r, 6);
            uint16_t proto = dis_rd_be16(r);
            if (!dis_rd_ok(r))
                return DIS_MALFORMED;
            if (proto == 0x0021)
                type = 0x0800;
            else if (proto == 0x0057)
                type = 0x86dd;
            else
                return DIS_NOT_IP;
            continue;
        }
        case 0x8847: case 0x8848: { /* MPLS: skip the label stack */
            uint32_t lbl;
            do {
                lbl = dis_rd_be32(r);
            } while (dis_rd_ok(r) && !(lbl & 0x100));
            if (!dis_rd_ok(r))
                return DIS_MALFORMED;
            return decode_ip(r, p, 0);
        }
        default:
            return DIS_NOT_IP;
        }
    }
    return DIS_MALFORMED;
}

static int decode_ppp(dis_rd *r, dis_pkt *p)
{
    uint8_t b0, b1;
    if (!dis_rd_peek_u8(r, 0, &b0) || !dis_rd_peek_u8(r, 1, &b1))
        return DIS_MALFORMED;
    if ((b0 == 0x0f || b0 == 0x8f) && b1 == 0x00) {
        /* Cisco HDLC framing on a PPP link type, as some routers write. */
        dis_rd_skip(r, 2);
        uint16_t type = dis_rd_be16(r);
        if (!dis_rd_ok(r))
            return DIS_MALFORMED;
        return decode_ethertype(r, type, p);
    }
    if (b0 == 0xff && b1 == 0x03)
        dis_rd_skip(r, 2);
    uint16_t proto = dis_rd_u8(r);
    if (!(proto & 1))
        proto = (uint16_t)((proto << 8) | dis_rd_u8(r));
    if (!dis_rd_ok(r))
        return DIS_MALFORMED;
    if (proto == 0x0021)
        return decode_ip(r, p, 0);
    if (proto == 0x0057)
        return decode_ip(r, p, 0);
    return DIS_NOT_IP;
}

int dis_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_NULL: case DLT_LOOP: case DLT_EN10MB: case DLT_RAW:
    case DLT_IPV4: case DLT_IPV6: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
    case DLT_PPP: case DLT_PPP_SERIAL: case DLT_PPP_ETHER: case DLT_C_HDLC:
#if DLT_RAW != 12
    case 12:
#endif
#if DLT_RAW != 14
    case 14:
#endif
        return 1;
    default:
        return 0;
    }
}

int dis_decode(int dlt, const uint8_t *data, size_t caplen, dis_pkt *p)
{
    dis_rd r;
    dis_rd_init(&r, data, caplen);
    uint64_t frame = p->frame;
    int64_t ts = p->ts_us;
    memset(p, 0, sizeof(*p));
    p->frame = frame;
    p->ts_us = ts;
    p->caplen = (uint32_t)caplen;

    switch (dlt) {
    case DLT_EN10MB: {
        dis_rd_skip(&r, 12);
        uint16_t type = dis_rd_be16(&r);
        if (!dis_rd_ok(&r))
            return DIS_MALFORMED;
        if (type <= 1500) { /* 802.3 length: LLC/SNAP */
            uint8_t dsap = dis_rd_u8(&r), ssap = dis_rd_u8(&r);
            uint8_t ctl = dis_rd_u8(&r);
            if (dsap == 0xaa && ssap == 0xaa && ctl == 0x03) {
                dis_rd_skip(&r, 3);
                type = dis_rd_be16(&r);
                if (!dis_rd_ok(&r))
                    return DIS_MALFORMED;
            } else {
                return DIS_NOT_IP;
            }
        }
        return decode_ethertype(&r, type, p);
    }
    case DLT_NULL:
    case DLT_LOOP: {
        const uint8_t *q = dis_rd_ptr(&r, 4);
        if (!q)
            return DIS_MALFORMED;
        /* DLT_NULL holds the family in the capturing host's byte order,
         * DLT_LOOP in network order: accept either. */
        uint32_t be = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) |
                      ((uint32_t)q[2] << 8) | q[3];
        uint32_t le = ((uint32_t)q[3] << 24) | ((uint32_t)q[2] << 16) |
                      ((uint32_t)q[1] << 8) | q[0];
        uint32_t fam = be <= 0xffff ? be : le;
        if (fam == 2 || fam == 10 || fam == 24 || fam == 28 || fam == 30)
            return decode_ip(&r, p, 0);
        return DIS_NOT_IP;
    }
    case DLT_LINUX_SLL: {
        dis_rd_skip(&r, 14);
        uint16_t type = dis_rd_be16(&r);
        if (!dis_rd_ok(&r))
            return DIS_MALFORMED;
        return decode_ethertype(&r, type, p);
    }
    case DLT_LINUX_SLL2: {
        uint16_t type = dis_rd_be16(&r);
        dis_rd_skip(&r, 18);
        if (!dis_rd_ok(&r))
            return DIS_MALFORMED;
        return decode_ethertype(&r, type, p);
    }
    case DLT_PPP:
    case DLT_PPP_SERIAL:
        return decode_ppp(&r, p);
    case DLT_C_HDLC: { /* Cisco HDLC: address, control, EtherType */
        dis_rd_skip(&r, 2);
        uint16_t type = dis_rd_be16(&r);
        if (!dis_rd_ok(&r))
            return DIS_MALFORMED;
        return decode_ethertype(&r, type, p);
    }
    case DLT_PPP_ETHER: { /* PPPoE header without Ethernet */
        dis_rd_skip(&r, 6);
        return decode_ppp(&r, p);
    }
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
#if DLT_RAW != 12
    case 12:
#endif
#if DLT_RAW != 14
    case 14:
#endif
        return decode_ip(&r, p, 0);
    default:
        return DIS_LINK_UNSUPPORTED;
    }
}

/* Dotted quad of a[0..4) into buf (at least 16 bytes).  By hand because
 * glibc's inet_ntop() formats IPv4 with sprintf: 1,900 instructions an
 * address, two a stored flow.  The unit test holds it to inet_ntop(). */
static void ipv4_str(const uint8_t *a, char *buf)
{
    char *o = buf;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100)
            *o++ = (char)('0' + v / 100);
        if (v >= 10)
            *o++ = (char)('0' + v / 10 % 10);
        *o++ = (char)('0' + v % 10);
        *o++ = i < 3 ? '.' : '\0';
    }
}

const char *dis_addr_str(int ipver, const uint8_t *a, char *buf, size_t len)
{
    if (ipver != 6 && len >= 16) {
        ipv4_str(a, buf);
        return buf;
    }
    if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
        snprintf(buf, len, "?");
    return buf;
}

const char *dis_l4_name(uint8_t l4, char *buf, size_t len)
{
    switch (l4) {
    case 1: return "icmp";
    case 2: return "igmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 51: return "ah";
    case 58: return "icmpv6";
    case 89: return "ospf";
    case 103: return "pim";
    case 112: return "vrrp";
    case 132: return "sctp";
    default:
        snprintf(buf, len, "%u", l4);
        return buf;
    }
}

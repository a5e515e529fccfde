/* test_decode.c - unit tests for dissect/decode.c (link, IP, transport).
 *
 * Frames are assembled inside out by the small builder below: payload first,
 * then each header is pushed in front of what is already there, so length
 * fields are computed from the bytes they cover.  Nothing is pasted from a
 * capture.  Every decode runs on an exact-size heap copy of the frame so
 * ASan reports a read one byte past the end, and the truncation cases decode
 * every prefix of each frame shape.
 */
#define _DEFAULT_SOURCE
#include "../../dissect/decode.h"
#include "tu.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- frame builder ---------------------------------------------------- */

typedef struct fb {
    uint8_t m[8192];
    size_t start, end; /* the frame is m[start, end) */
} fb;

static void fb_init(fb *b)
{
    b->start = b->end = 1024; /* headroom for headers, room for payload */
}

static size_t fb_len(const fb *b) { return b->end - b->start; }
static uint8_t *fb_data(fb *b) { return b->m + b->start; }

/* Make room for n bytes in front; returns where they go. */
static uint8_t *fb_push(fb *b, size_t n)
{
    if (n > b->start)
        abort(); /* a test bug, not a decoder one */
    b->start -= n;
    memset(b->m + b->start, 0, n);
    return b->m + b->start;
}

/* Append n bytes (payload, padding). */
static void fb_append(fb *b, const void *p, size_t n)
{
    if (n > sizeof(b->m) - b->end)
        abort();
    if (p)
        memcpy(b->m + b->end, p, n);
    else
        memset(b->m + b->end, 0, n);
    b->end += n;
}

static void w16(uint8_t *o, unsigned v)
{
    o[0] = (uint8_t)(v >> 8);
    o[1] = (uint8_t)v;
}

static void w32(uint8_t *o, uint32_t v)
{
    w16(o, v >> 16);
    w16(o + 2, v & 0xffff);
}

static const uint8_t A4[4] = { 192, 0, 2, 1 };
static const uint8_t B4[4] = { 198, 51, 100, 7 };
static const uint8_t C4[4] = { 10, 1, 2, 3 };
static const uint8_t D4[4] = { 10, 9, 8, 7 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t B6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                0, 0, 0, 0, 0, 0, 0, 0x02 };

/* TCP header (20 + optlen bytes; options are NOPs) before the payload. */
static void push_tcp(fb *b, uint16_t sp, uint16_t dp, uint32_t seq,
                     uint32_t ack, uint8_t flags, size_t optlen)
{
    uint8_t *h = fb_push(b, 20 + optlen);
    w16(h, sp);
    w16(h + 2, dp);
    w32(h + 4, seq);
    w32(h + 8, ack);
    h[12] = (uint8_t)(((20 + optlen) / 4) << 4);
    h[13] = flags;
    w16(h + 14, 65535);
    memset(h + 20, 1, optlen);
}

/* UDP header; the length field covers what follows unless ulen != 0. */
static void push_udp(fb *b, uint16_t sp, uint16_t dp, unsigned ulen)
{
    size_t n = fb_len(b) + 8;
    uint8_t *h = fb_push(b, 8);
    w16(h, sp);
    w16(h + 2, dp);
    w16(h + 4, ulen ? ulen : (unsigned)n);
}

static void push_icmp(fb *b, uint8_t type, uint8_t code)
{
    uint8_t *h = fb_push(b, 8);
    h[0] = type;
    h[1] = code;
}

/* IPv4 header with optlen bytes of options (NOP... EOL); total length is
 * computed unless tot_override >= 0. */
static void push_ipv4(fb *b, uint8_t proto, const uint8_t *src,
                      const uint8_t *dst, size_t optlen, uint16_t id,
                      uint16_t frag, long tot_override)
{
    size_t ihl = 20 + optlen;
    size_t tot = fb_len(b) + ihl;
    uint8_t *h = fb_push(b, ihl);
    h[0] = (uint8_t)(0x40 | (ihl / 4));
    w16(h + 2, tot_override >= 0 ? (unsigned)tot_override : (unsigned)tot);
    w16(h + 4, id);
    w16(h + 6, frag);
    h[8] = 64;
    h[9] = proto;
    memcpy(h + 12, src, 4);
    memcpy(h + 16, dst, 4);
    if (optlen) {
        memset(h + 20, 1, optlen - 1); /* NOP */
        h[ihl - 1] = 0;                /* EOL */
    }
}

/* IPv6 header; payload length covers what follows. */
static void push_ipv6(fb *b, uint8_t next, const uint8_t *src,
                      const uint8_t *dst)
{
    size_t plen = fb_len(b);
    uint8_t *h = fb_push(b, 40);
    w32(h, 0x60000000u);
    w16(h + 4, (unsigned)plen);
    h[6] = next;
    h[7] = 64;
    memcpy(h + 8, src, 16);
    memcpy(h + 24, dst, 16);
}

/* Hop-by-hop / destination options header of (hl + 1) * 8 bytes (PadN). */
static void push_ext_opts(fb *b, uint8_t next, uint8_t hl)
{
    size_t n = ((size_t)hl + 1) * 8;
    uint8_t *h = fb_push(b, n);
    h[0] = next;
    h[1] = hl;
    h[2] = 1; /* PadN */
    h[3] = (uint8_t)(n - 4);
}

static void push_ext_frag(fb *b, uint8_t next, uint16_t off8, int more,
                          uint32_t id)
{
    uint8_t *h = fb_push(b, 8);
    h[0] = next;
    w16(h + 2, (unsigned)((off8 << 3) | (more ? 1 : 0)));
    w32(h + 4, id);
}

static void push_eth(fb *b, uint16_t type)
{
    uint8_t *h = fb_push(b, 14);
    static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
    memcpy(h, dmac, 6);
    memcpy(h + 6, smac, 6);
    w16(h + 12, type);
}

/* An 802.1Q/802.1ad tag body: TCI then the inner EtherType. */
static void push_tag(fb *b, uint16_t tci, uint16_t inner)
{
    uint8_t *h = fb_push(b, 4);
    w16(h, tci);
    w16(h + 2, inner);
}

/* ---- decoding helpers ------------------------------------------------- */

/* Decode an exact-size heap copy of the first n bytes of the frame. */
static int dec_n(int dlt, fb *b, size_t n, dis_pkt *p, uint8_t **copy)
{
    uint8_t *c = malloc(n ? n : 1);
    if (!c)
        return -1;
    if (n)
        memcpy(c, fb_data(b), n);
    memset(p, 0, sizeof(*p));
    int rc = dis_decode(dlt, c, n, p);
    if (copy)
        *copy = c;
    else
        free(c);
    return rc;
}

static int dec(int dlt, fb *b, dis_pkt *p, uint8_t **copy)
{
    return dec_n(dlt, b, fb_len(b), p, copy);
}

/* An Ethernet/IPv4/TCP frame carrying "hello". */
static void build_eth_v4_tcp(fb *b)
{
    fb_init(b);
    fb_append(b, "hello", 5);
    push_tcp(b, 40000, 443, 1000, 2000, DIS_TH_PSH | DIS_TH_ACK, 0);
    push_ipv4(b, 6, A4, B4, 0, 0x1234, 0x4000, -1);
    push_eth(b, 0x0800);
}

/* ---- tests ------------------------------------------------------------ */

TU_TEST(eth_ipv4_tcp)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    build_eth_v4_tcp(&b);
    p.frame = 7;
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.ipver, 4);
    TU_CHECK_INT(p.l4, 6);
    TU_CHECK(memcmp(p.src, A4, 4) == 0);
    TU_CHECK(memcmp(p.dst, B4, 4) == 0);
    static const uint8_t zero[12] = { 0 };
    TU_CHECK(memcmp(p.src + 4, zero, 12) == 0);
    TU_CHECK(memcmp(p.dst + 4, zero, 12) == 0);
    TU_CHECK_INT(p.sport, 40000);
    TU_CHECK_INT(p.dport, 443);
    TU_CHECK(p.has_ports);
    TU_CHECK_INT(p.seq, 1000);
    TU_CHECK_INT(p.ack, 2000);
    TU_CHECK_INT(p.tcp_flags, DIS_TH_PSH | DIS_TH_ACK);
    TU_CHECK_INT(p.ip_len, 45);
    TU_CHECK(p.ip == c + 14);
    TU_CHECK_INT(p.ip_caplen, 45);
    TU_CHECK(p.payload == c + 54);
    TU_CHECK_INT(p.payload_len, 5);
    TU_CHECK(p.payload && memcmp(p.payload, "hello", 5) == 0);
    TU_CHECK_INT(p.vlan, 0);
    TU_CHECK_INT(p.frag, DIS_FRAG_NONE);
    TU_CHECK_INT(p.caplen, 59);
    free(c);
}

TU_TEST(frame_and_ts_preserved)
{
    fb b;
    dis_pkt p;
    build_eth_v4_tcp(&b);
    memset(&p, 0xee, sizeof p);
    p.frame = 42;
    p.ts_us = 1585224000123456LL;
    TU_CHECK_INT(dis_decode(DLT_EN10MB, fb_data(&b), fb_len(&b), &p), DIS_OK);
    TU_CHECK_INT(p.frame, 42);
    TU_CHECK_INT(p.ts_us, 1585224000123456LL);
    TU_CHECK_INT(p.vlan, 0);      /* the rest was cleared */
    TU_CHECK_INT(p.icmp_type, 0);
}

TU_TEST(eth_ipv4_udp)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    fb_append(&b, "abcdefgh", 8);
    push_udp(&b, 5353, 53, 0);
    push_ipv4(&b, 17, C4, D4, 0, 1, 0, -1);
    push_eth(&b, 0x0800);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.l4, 17);
    TU_CHECK_INT(p.sport, 5353);
    TU_CHECK_INT(p.dport, 53);
    TU_CHECK(p.has_ports);
    TU_CHECK_INT(p.ip_len, 36);
    TU_CHECK(p.payload == c + 14 + 28);
    TU_CHECK_INT(p.payload_len, 8);
    TU_CHECK_INT(p.tcp_flags, 0);
    free(c);
}

TU_TEST(eth_ipv4_icmp)
{
    fb b;
    dis_pkt p;
    fb_init(&b);
    push_icmp(&b, 8, 0);
    push_ipv4(&b, 1, C4, D4, 0, 1, 0, -1);
    push_eth(&b, 0x0800);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.l4, 1);
    TU_CHECK_INT(p.icmp_type, 8);
    TU_CHECK_INT(p.icmp_code, 0);
    TU_CHECK(!p.has_ports);
    TU_CHECK_INT(p.sport, 0);
}

TU_TEST(vlan_8021q)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    fb_append(&b, "x", 1);
    push_udp(&b, 50000, 3478, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    push_tag(&b, 0xa000 | 100, 0x0800); /* PCP 5, VID 100 */
    push_eth(&b, 0x8100);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.vlan, 100);
    TU_CHECK_INT(p.dport, 3478);
    TU_CHECK(p.ip == c + 18);
    TU_CHECK_INT(p.payload_len, 1);
    free(c);
}

TU_TEST(qinq_outer_vlan_kept)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    push_tcp(&b, 40001, 80, 1, 0, DIS_TH_SYN, 0);
    push_ipv6(&b, 6, A6, B6);
    push_tag(&b, 100, 0x86dd);          /* inner C-tag */
    push_tag(&b, 0x1000 | 200, 0x8100); /* outer S-tag, DEI set */
    push_eth(&b, 0x88a8);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.vlan, 200);
    TU_CHECK_INT(p.ipver, 6);
    TU_CHECK(memcmp(p.src, A6, 16) == 0);
    TU_CHECK(memcmp(p.dst, B6, 16) == 0);
    TU_CHECK_INT(p.dport, 80);
    TU_CHECK_INT(p.tcp_flags, DIS_TH_SYN);
    TU_CHECK(p.ip == c + 22);
    TU_CHECK_INT(p.ip_len, 60);
    /* 0x9100 as the outer tag too */
    fb_init(&b);
    push_tcp(&b, 40001, 80, 1, 0, DIS_TH_SYN, 0);
    push_ipv4(&b, 6, A4, B4, 0, 1, 0, -1);
    push_tag(&b, 7, 0x0800);
    push_tag(&b, 300, 0x8100);
    push_eth(&b, 0x9100);
    free(c);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.vlan, 300);
}

TU_TEST(linux_sll)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    fb_append(&b, "q", 1);
    push_udp(&b, 1234, 53, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    uint8_t *h = fb_push(&b, 16);
    w16(h, 4);       /* packet type: sent by us */
    w16(h + 2, 1);   /* ARPHRD_ETHER */
    w16(h + 4, 6);   /* address length */
    memset(h + 6, 0xab, 6);
    w16(h + 14, 0x0800);
    TU_CHECK_INT(dec(DLT_LINUX_SLL, &b, &p, &c), DIS_OK);
    TU_CHECK(p.ip == c + 16);
    TU_CHECK_INT(p.dport, 53);
    TU_CHECK_INT(p.payload_len, 1);
    free(c);
    /* a non-IP protocol (ARP) */
    w16(fb_data(&b) + 14, 0x0806);
    TU_CHECK_INT(dec(DLT_LINUX_SLL, &b, &p, NULL), DIS_NOT_IP);
}

TU_TEST(linux_sll2)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    push_tcp(&b, 443, 50000, 9, 10, DIS_TH_ACK, 0);
    push_ipv6(&b, 6, B6, A6);
    uint8_t *h = fb_push(&b, 20);
    w16(h, 0x86dd);  /* protocol */
    w32(h + 4, 3);   /* interface index */
    w16(h + 8, 1);   /* ARPHRD_ETHER */
    h[10] = 0;       /* packet type */
    h[11] = 6;       /* address length */
    memset(h + 12, 0xcd, 6);
    TU_CHECK_INT(dec(DLT_LINUX_SLL2, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
    TU_CHECK(p.ip == c + 20);
    TU_CHECK_INT(p.sport, 443);
    TU_CHECK(memcmp(p.src, B6, 16) == 0);
    free(c);
}

TU_TEST(dlt_raw_v4_v6)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, &c), DIS_OK);
    TU_CHECK(p.ip == c);
    TU_CHECK_INT(p.ipver, 4);
    free(c);
    TU_CHECK_INT(dec(DLT_IPV4, &b, &p, NULL), DIS_OK);
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv6(&b, 17, A6, B6);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
    TU_CHECK_INT(dec(DLT_IPV6, &b, &p, NULL), DIS_OK);
    /* not IP at all */
    fb_init(&b);
    fb_append(&b, "\x50\x00\x00\x00", 4);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_MALFORMED);
}

TU_TEST(dlt_null_both_orders)
{
    static const uint8_t le2[4] = { 2, 0, 0, 0 };
    static const uint8_t be2[4] = { 0, 0, 0, 2 };
    static const uint8_t le30[4] = { 30, 0, 0, 0 };
    static const uint8_t be24[4] = { 0, 0, 0, 24 };
    static const uint8_t le7[4] = { 7, 0, 0, 0 };
    fb b;
    dis_pkt p;
    uint8_t *c;

    fb_init(&b);
    push_udp(&b, 1000, 2000, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    memcpy(fb_push(&b, 4), le2, 4);
    TU_CHECK_INT(dec(DLT_NULL, &b, &p, &c), DIS_OK);
    TU_CHECK(p.ip == c + 4);
    TU_CHECK_INT(p.sport, 1000);
    free(c);
    memcpy(fb_data(&b), be2, 4);
    TU_CHECK_INT(dec(DLT_NULL, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(dec(DLT_LOOP, &b, &p, NULL), DIS_OK);
    memcpy(fb_data(&b), le7, 4);
    TU_CHECK_INT(dec(DLT_NULL, &b, &p, NULL), DIS_NOT_IP);

    fb_init(&b);
    push_udp(&b, 1000, 2000, 0);
    push_ipv6(&b, 17, A6, B6);
    memcpy(fb_push(&b, 4), le30, 4); /* AF_INET6 on macOS/FreeBSD */
    TU_CHECK_INT(dec(DLT_NULL, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
    memcpy(fb_data(&b), be24, 4);    /* AF_INET6 on NetBSD/OpenBSD */
    TU_CHECK_INT(dec(DLT_NULL, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
}

TU_TEST(ppp)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    /* HDLC-like framing: ff 03, protocol 0x0021 */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    uint8_t *h = fb_push(&b, 4);
    h[0] = 0xff;
    h[1] = 0x03;
    w16(h + 2, 0x0021);
    TU_CHECK_INT(dec(DLT_PPP, &b, &p, &c), DIS_OK);
    TU_CHECK(p.ip == c + 4);
    free(c);
    TU_CHECK_INT(dec(DLT_PPP_SERIAL, &b, &p, NULL), DIS_OK);
    /* no address/control, compressed protocol field 0x21 */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    fb_push(&b, 1)[0] = 0x21;
    TU_CHECK_INT(dec(DLT_PPP, &b, &p, &c), DIS_OK);
    TU_CHECK(p.ip == c + 1);
    free(c);
    /* IPv6 (0x0057) */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv6(&b, 17, A6, B6);
    w16(fb_push(&b, 2), 0x0057);
    TU_CHECK_INT(dec(DLT_PPP, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
    /* LCP is not IP */
    fb_init(&b);
    fb_append(&b, "\x01\x01\x00\x04", 4);
    h = fb_push(&b, 4);
    h[0] = 0xff;
    h[1] = 0x03;
    w16(h + 2, 0xc021);
    TU_CHECK_INT(dec(DLT_PPP, &b, &p, NULL), DIS_NOT_IP);
}

/* RFC 2516 session stage: ver/type 0x11, code 0, session id, length. */
static void push_pppoe(fb *b, uint16_t proto)
{
    size_t n = fb_len(b) + 2;
    uint8_t *h = fb_push(b, 8);
    h[0] = 0x11;
    w16(h + 2, 0x2a2a);
    w16(h + 4, (unsigned)n);
    w16(h + 6, proto);
}

TU_TEST(pppoe)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    fb_append(&b, "hi", 2);
    push_tcp(&b, 50000, 443, 1, 1, DIS_TH_ACK, 0);
    push_ipv4(&b, 6, A4, B4, 0, 1, 0, -1);
    push_pppoe(&b, 0x0021);
    push_eth(&b, 0x8864);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK(p.ip == c + 22);
    TU_CHECK_INT(p.dport, 443);
    TU_CHECK_INT(p.payload_len, 2);
    free(c);
    /* DLT_PPP_ETHER: the PPPoE header without Ethernet */
    b.start += 14;
    TU_CHECK_INT(dec(DLT_PPP_ETHER, &b, &p, &c), DIS_OK);
    TU_CHECK(p.ip == c + 8);
    free(c);
    /* IPv6 in PPPoE */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv6(&b, 17, A6, B6);
    push_pppoe(&b, 0x0057);
    push_eth(&b, 0x8864);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
    /* PPP control protocol (IPCP) inside PPPoE */
    fb_init(&b);
    fb_append(&b, "\x01\x01\x00\x04", 4);
    push_pppoe(&b, 0x8021);
    push_eth(&b, 0x8864);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_NOT_IP);
}

/* IPv6 + hop-by-hop + destination options + fragment header + UDP. */
static size_t build_v6_ext(fb *b, uint16_t off8, int more, int with_udp)
{
    fb_init(b);
    fb_append(b, "payload!", 8);
    if (with_udp)
        push_udp(b, 33000, 4500, 0);
    push_ext_frag(b, 17, off8, more, 0xdeadbeef);
    push_ext_opts(b, 44, 1); /* destination options, 16 bytes */
    push_ext_opts(b, 60, 0); /* hop-by-hop, 8 bytes */
    push_ipv6(b, 0, A6, B6);
    push_eth(b, 0x86dd);
    return 14 + 40 + 8 + 16 + 8 + (with_udp ? 8 : 0); /* header bytes */
}

TU_TEST(ipv6_ext_headers_and_fragment)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    size_t hl = build_v6_ext(&b, 0, 1, 1);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
    TU_CHECK_INT(p.l4, 17);
    TU_CHECK_INT(p.frag, DIS_FRAG_FIRST);
    TU_CHECK(p.frag_id == 0xdeadbeefu);
    TU_CHECK(p.has_ports);
    TU_CHECK_INT(p.sport, 33000);
    TU_CHECK_INT(p.dport, 4500);
    TU_CHECK(p.payload == c + hl);
    TU_CHECK_INT(p.payload_len, 8);
    TU_CHECK_INT(p.ip_len, 40 + 8 + 16 + 8 + 8 + 8);
    free(c);

    /* a later fragment: no transport header to read */
    hl = build_v6_ext(&b, 100, 0, 0);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.l4, 17);
    TU_CHECK_INT(p.frag, DIS_FRAG_LATER);
    TU_CHECK(p.frag_id == 0xdeadbeefu);
    TU_CHECK(!p.has_ports);
    TU_CHECK_INT(p.sport, 0);
    TU_CHECK(p.payload == c + hl);
    TU_CHECK_INT(p.payload_len, 8);
    free(c);

    /* an atomic fragment (offset 0, M clear) is a whole datagram */
    build_v6_ext(&b, 0, 0, 1);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.frag, DIS_FRAG_NONE);
    TU_CHECK_INT(p.dport, 4500);
}

TU_TEST(ipv6_ext_length_past_end)
{
    fb b;
    dis_pkt p;
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ext_opts(&b, 17, 0);
    push_ipv6(&b, 0, A6, B6);
    fb_data(&b)[41] = 200; /* hop-by-hop claims 1608 bytes */
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_MALFORMED);
}

TU_TEST(ipv4_with_options)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    fb_init(&b);
    fb_append(&b, "data", 4);
    push_tcp(&b, 40000, 8443, 5, 6, DIS_TH_ACK, 12);
    push_ipv4(&b, 6, A4, B4, 40, 9, 0, -1); /* IHL 15: the maximum */
    push_eth(&b, 0x0800);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.dport, 8443);
    TU_CHECK_INT(p.ip_len, 60 + 32 + 4);
    TU_CHECK(p.payload == c + 14 + 60 + 32);
    TU_CHECK_INT(p.payload_len, 4);
    TU_CHECK(p.payload && memcmp(p.payload, "data", 4) == 0);
    free(c);

    /* IHL 6 */
    fb_init(&b);
    push_udp(&b, 7, 9, 0);
    push_ipv4(&b, 17, A4, B4, 4, 9, 0, -1);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.sport, 7);
    TU_CHECK(p.payload == c + 32);
    free(c);
}

TU_TEST(ipv4_fragments)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    /* first fragment: MF set, offset 0; carries the UDP header */
    fb_init(&b);
    fb_append(&b, NULL, 32);
    push_udp(&b, 5004, 5006, 1400); /* UDP length is the whole datagram */
    push_ipv4(&b, 17, A4, B4, 0, 0xbeef, 0x2000, -1);
    push_eth(&b, 0x0800);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.frag, DIS_FRAG_FIRST);
    TU_CHECK_INT(p.frag_id, 0xbeef);
    TU_CHECK(p.has_ports);
    TU_CHECK_INT(p.sport, 5004);
    TU_CHECK_INT(p.payload_len, 32); /* bounded by this fragment */

    /* later fragment: offset 5 (40 bytes), MF set; bytes are not a header */
    fb_init(&b);
    fb_append(&b, "\x13\x8c\x13\x8e\x00\x10\x00\x00zzzzzzzz", 16);
    push_ipv4(&b, 17, A4, B4, 0, 0xbeef, 0x2000 | 5, -1);
    push_eth(&b, 0x0800);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.frag, DIS_FRAG_LATER);
    TU_CHECK_INT(p.frag_id, 0xbeef);
    TU_CHECK_INT(p.l4, 17);
    TU_CHECK(!p.has_ports);
    TU_CHECK_INT(p.sport, 0);
    TU_CHECK_INT(p.dport, 0);
    TU_CHECK(p.payload == c + 34);
    TU_CHECK_INT(p.payload_len, 16);
    free(c);

    /* last fragment: offset set, MF clear */
    fb_init(&b);
    fb_append(&b, NULL, 8);
    push_ipv4(&b, 17, A4, B4, 0, 0xbeef, 0x00b9, -1);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.frag, DIS_FRAG_LATER);

    /* DF alone is not a fragment */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0x4000, -1);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.frag, DIS_FRAG_NONE);
}

TU_TEST(ethernet_padding_not_payload)
{
    fb b;
    dis_pkt p;
    /* UDP with 2 payload bytes padded to the 60-byte Ethernet minimum */
    fb_init(&b);
    fb_append(&b, "ok", 2);
    push_udp(&b, 40000, 53, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    push_eth(&b, 0x0800);
    fb_append(&b, "\xee\xee\xee\xee\xee\xee\xee\xee\xee\xee\xee\xee\xee\xee", 14);
    TU_CHECK_INT(fb_len(&b), 58);
    fb_append(&b, "\xee\xee", 2);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ip_len, 30);
    TU_CHECK_INT(p.ip_caplen, 30);
    TU_CHECK_INT(p.payload_len, 2);
    TU_CHECK_INT(p.caplen, 60);

    /* a bare TCP ACK padded to 60 bytes has no payload */
    fb_init(&b);
    push_tcp(&b, 40000, 443, 1, 1, DIS_TH_ACK, 0);
    push_ipv4(&b, 6, A4, B4, 0, 1, 0, -1);
    push_eth(&b, 0x0800);
    fb_append(&b, "\0\0\0\0\0\0", 6);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ip_len, 40);
    TU_CHECK_INT(p.payload_len, 0);

    /* UDP length smaller than the IP datagram: the UDP length wins */
    fb_init(&b);
    fb_append(&b, "abcdefghij", 10);
    push_udp(&b, 40000, 5353, 8 + 3);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.payload_len, 3);
    TU_CHECK_INT(p.ip_len, 38);
}

TU_TEST(ip_total_length_larger_than_capture)
{
    fb b;
    dis_pkt p;
    fb_init(&b);
    fb_append(&b, NULL, 100);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    /* snaplen cut: keep 60 of the 128 bytes */
    TU_CHECK_INT(dec_n(DLT_RAW, &b, 60, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ip_len, 128);
    TU_CHECK_INT(p.ip_caplen, 60);
    TU_CHECK_INT(p.payload_len, 32);
}

TU_TEST(ipv4_total_length_zero_tso)
{
    fb b;
    dis_pkt p;
    fb_init(&b);
    fb_append(&b, NULL, 3000);
    push_tcp(&b, 40000, 443, 1, 1, DIS_TH_ACK, 0);
    push_ipv4(&b, 6, A4, B4, 0, 1, 0x4000, 0);
    push_eth(&b, 0x0800);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ip_len, 3040);
    TU_CHECK_INT(p.ip_caplen, 3040);
    TU_CHECK_INT(p.payload_len, 3000);
    TU_CHECK_INT(p.dport, 443);
}

TU_TEST(malformed_headers)
{
    fb b;
    dis_pkt p;
    /* IHL 4 (< 20 bytes) */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    fb_data(&b)[0] = 0x44;
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_MALFORMED);
    /* IHL larger than the total length */
    fb_data(&b)[0] = 0x4f;
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_MALFORMED);
    /* total length smaller than the header */
    fb_data(&b)[0] = 0x45;
    w16(fb_data(&b) + 2, 12);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_MALFORMED);
    /* IPv6 version nibble inside an IPv4 EtherType frame */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    fb_data(&b)[0] = 0x65;
    push_eth(&b, 0x0800);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_MALFORMED);
    /* TCP data offset 4 (< 20) and 15 (past the end) */
    fb_init(&b);
    push_tcp(&b, 1, 2, 0, 0, DIS_TH_SYN, 0);
    push_ipv4(&b, 6, A4, B4, 0, 1, 0, -1);
    fb_data(&b)[20 + 12] = 0x40;
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_MALFORMED);
    fb_data(&b)[20 + 12] = 0xf0;
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_MALFORMED);
}

TU_TEST(not_ip_frames)
{
    fb b;
    dis_pkt p;
    fb_init(&b);
    fb_append(&b, NULL, 28);
    push_eth(&b, 0x0806); /* ARP */
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_NOT_IP);
    fb_init(&b);
    fb_append(&b, "\x42\x42\x03\0\0\0\0\0\0\0\0\0\0\0\0\0", 16); /* STP LLC */
    push_eth(&b, 16);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_NOT_IP);
    /* LLC/SNAP carrying IPv4 is IP */
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    uint8_t *h = fb_push(&b, 8);
    h[0] = 0xaa;
    h[1] = 0xaa;
    h[2] = 0x03;
    w16(h + 6, 0x0800);
    push_eth(&b, (uint16_t)fb_len(&b));
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.dport, 2);
}

TU_TEST(mpls_and_ip_in_ip)
{
    fb b;
    dis_pkt p;
    fb_init(&b);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    w32(fb_push(&b, 4), (20u << 12) | 0x100 | 64); /* bottom of stack */
    w32(fb_push(&b, 4), (16u << 12) | 64);
    push_eth(&b, 0x8847);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.dport, 2);

    /* IPv6 inside IPv4 (6in4): the inner packet is reported */
    fb_init(&b);
    push_tcp(&b, 50000, 443, 1, 0, DIS_TH_SYN, 0);
    push_ipv6(&b, 6, A6, B6);
    push_ipv4(&b, 41, C4, D4, 0, 1, 0, -1);
    TU_CHECK_INT(dec(DLT_RAW, &b, &p, NULL), DIS_OK);
    TU_CHECK_INT(p.ipver, 6);
    TU_CHECK_INT(p.dport, 443);
    TU_CHECK(memcmp(p.src, A6, 16) == 0);
}

/* GTP-U (TS 29.281) T-PDU, optionally with one extension header. */
static size_t build_gtpu(fb *b, int with_ext)
{
    fb_init(b);
    fb_append(b, "inner", 5);
    push_tcp(b, 41000, 443, 77, 0, DIS_TH_SYN, 0);
    push_ipv4(b, 6, C4, D4, 0, 3, 0, -1);
    size_t inner = fb_len(b);
    if (with_ext) {
        /* seq(2), N-PDU(1), next ext 0x85; ext: len 1, 2 bytes, next 0 */
        uint8_t *e = fb_push(b, 8);
        w16(e, 0);
        e[2] = 0;
        e[3] = 0x85;
        e[4] = 1;
        e[5] = 0x10;
        e[6] = 0x09;
        e[7] = 0;
    }
    size_t glen = fb_len(b);
    uint8_t *g = fb_push(b, 8);
    g[0] = with_ext ? 0x34 : 0x30; /* version 1, PT, E */
    g[1] = 0xff;                   /* T-PDU */
    w16(g + 2, (unsigned)glen);
    w32(g + 4, 0x11223344);
    push_udp(b, 2152, 2152, 0);
    push_ipv4(b, 17, A4, B4, 0, 1, 0, -1);
    push_eth(b, 0x0800);
    (void)inner;
    return fb_len(b) - 5; /* header bytes */
}

TU_TEST(gtpu_inner_decoded)
{
    fb b;
    dis_pkt p;
    uint8_t *c;
    size_t hl = build_gtpu(&b, 0);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK_INT(p.ipver, 4);
    TU_CHECK(memcmp(p.src, C4, 4) == 0);
    TU_CHECK(memcmp(p.dst, D4, 4) == 0);
    TU_CHECK_INT(p.l4, 6);
    TU_CHECK_INT(p.sport, 41000);
    TU_CHECK_INT(p.dport, 443);
    TU_CHECK_INT(p.tcp_flags, DIS_TH_SYN);
    TU_CHECK(p.ip == c + 14 + 20 + 8 + 8);
    TU_CHECK_INT(p.ip_len, 45);
    TU_CHECK(p.payload == c + hl);
    TU_CHECK_INT(p.payload_len, 5);
    free(c);

    hl = build_gtpu(&b, 1);
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, &c), DIS_OK);
    TU_CHECK(memcmp(p.src, C4, 4) == 0);
    TU_CHECK_INT(p.dport, 443);
    TU_CHECK(p.ip == c + 14 + 20 + 8 + 8 + 8);
    TU_CHECK(p.payload == c + hl);
    free(c);

    /* an echo request (type 1) is not a T-PDU: the outer UDP is kept */
    build_gtpu(&b, 0);
    fb_data(&b)[14 + 20 + 8 + 1] = 1;
    TU_CHECK_INT(dec(DLT_EN10MB, &b, &p, NULL), DIS_OK);
    TU_CHECK(memcmp(p.src, A4, 4) == 0);
    TU_CHECK_INT(p.l4, 17);
    TU_CHECK_INT(p.dport, 2152);
}

TU_TEST(unsupported_dlt)
{
    fb b;
    dis_pkt p;
    build_eth_v4_tcp(&b);
    TU_CHECK_INT(dec(DLT_IEEE802_11, &b, &p, NULL), DIS_LINK_UNSUPPORTED);
    TU_CHECK_INT(dec(DLT_USB_LINUX, &b, &p, NULL), DIS_LINK_UNSUPPORTED);
    TU_CHECK_INT(dec(-1, &b, &p, NULL), DIS_LINK_UNSUPPORTED);
    TU_CHECK(!dis_link_supported(DLT_IEEE802_11));
    TU_CHECK(dis_link_supported(DLT_EN10MB));
    TU_CHECK(dis_link_supported(DLT_LINUX_SLL2));
    TU_CHECK(dis_link_supported(DLT_RAW));
    TU_CHECK(dis_link_supported(DLT_NULL));
}

/* Every prefix shorter than hdr bytes must be refused (MALFORMED or
 * NOT_IP); every longer prefix decodes with the captured part of the
 * payload.  Each prefix is an exact-size heap copy (ASan). */
static int trunc_sweep(int dlt, fb *b, size_t hdr, const char *what)
{
    int bad = 0;
    for (size_t n = 0; n <= fb_len(b); n++) {
        dis_pkt p;
        int rc = dec_n(dlt, b, n, &p, NULL);
        if (n < hdr) {
            if (rc != DIS_MALFORMED && rc != DIS_NOT_IP) {
                TU_FAILF("%s: prefix %zu of %zu decoded as %d", what, n,
                         fb_len(b), rc);
                bad = 1;
            }
        } else if (rc != DIS_OK || p.payload_len != n - hdr) {
            TU_FAILF("%s: prefix %zu: rc %d payload_len %zu, want %zu", what,
                     n, rc, p.payload_len, n - hdr);
            bad = 1;
        }
    }
    return bad;
}

TU_TEST(truncated_every_length)
{
    fb b;
    build_eth_v4_tcp(&b);
    trunc_sweep(DLT_EN10MB, &b, 54, "eth/ipv4/tcp");

    fb_init(&b);
    fb_append(&b, "abc", 3);
    push_tcp(&b, 1, 2, 3, 4, DIS_TH_ACK, 12);
    push_ipv4(&b, 6, A4, B4, 8, 1, 0, -1);
    push_eth(&b, 0x0800);
    trunc_sweep(DLT_EN10MB, &b, 14 + 28 + 32, "eth/ipv4+opts/tcp+opts");

    fb_init(&b);
    fb_append(&b, "abcd", 4);
    push_udp(&b, 1, 2, 0);
    push_ipv6(&b, 17, A6, B6);
    push_tag(&b, 5, 0x86dd);
    push_tag(&b, 6, 0x8100);
    push_eth(&b, 0x88a8);
    trunc_sweep(DLT_EN10MB, &b, 14 + 8 + 40 + 8, "qinq/ipv6/udp");

    size_t hl = build_v6_ext(&b, 0, 1, 1);
    trunc_sweep(DLT_EN10MB, &b, hl, "ipv6 hbh+dst+frag/udp");

    fb_init(&b);
    fb_append(&b, "z", 1);
    push_icmp(&b, 128, 0);
    push_ipv6(&b, 58, A6, B6);
    w32(fb_push(&b, 4), 24);
    /* the decoder's ICMP header is type, code, checksum */
    trunc_sweep(DLT_NULL, &b, 4 + 40 + 4, "null/ipv6/icmpv6");

    fb_init(&b);
    fb_append(&b, "zz", 2);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    uint8_t *h = fb_push(&b, 16);
    w16(h + 14, 0x0800);
    trunc_sweep(DLT_LINUX_SLL, &b, 16 + 28, "sll/ipv4/udp");

    fb_init(&b);
    fb_append(&b, "zz", 2);
    push_tcp(&b, 1, 2, 3, 4, DIS_TH_ACK, 0);
    push_ipv4(&b, 6, A4, B4, 0, 1, 0, -1);
    h = fb_push(&b, 20);
    w16(h, 0x0800);
    trunc_sweep(DLT_LINUX_SLL2, &b, 20 + 40, "sll2/ipv4/tcp");

    fb_init(&b);
    fb_append(&b, "zz", 2);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    h = fb_push(&b, 4);
    h[0] = 0xff;
    h[1] = 0x03;
    w16(h + 2, 0x0021);
    trunc_sweep(DLT_PPP, &b, 4 + 28, "ppp/ipv4/udp");

    fb_init(&b);
    fb_append(&b, "zz", 2);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    push_pppoe(&b, 0x0021);
    push_eth(&b, 0x8864);
    trunc_sweep(DLT_EN10MB, &b, 14 + 8 + 28, "pppoe/ipv4/udp");

    fb_init(&b);
    fb_append(&b, "zz", 2);
    push_udp(&b, 1, 2, 0);
    push_ipv4(&b, 17, A4, B4, 0, 1, 0, -1);
    w32(fb_push(&b, 4), 0x100);
    push_eth(&b, 0x8847);
    trunc_sweep(DLT_EN10MB, &b, 14 + 4 + 28, "mpls/ipv4/udp");

    fb_init(&b);
    fb_append(&b, "zz", 2);
    push_tcp(&b, 1, 2, 3, 4, DIS_TH_ACK, 0);
    push_ipv6(&b, 6, A6, B6);
    trunc_sweep(DLT_RAW, &b, 60, "raw/ipv6/tcp");
}

/* GTP-U prefixes: before the outer UDP header is complete the frame is
 * refused; while the inner packet is incomplete the outer UDP packet is
 * reported; once the inner headers are there the inner packet is. */
TU_TEST(gtpu_truncated_every_length)
{
    fb b;
    size_t hl = build_gtpu(&b, 1);
    size_t outer = 14 + 20 + 8;
    for (size_t n = 0; n <= fb_len(&b); n++) {
        dis_pkt p;
        int rc = dec_n(DLT_EN10MB, &b, n, &p, NULL);
        if (n < outer) {
            if (rc != DIS_MALFORMED)
                TU_FAILF("prefix %zu: rc %d", n, rc);
        } else if (n < hl) {
            if (rc != DIS_OK || p.l4 != 17 || p.dport != 2152 ||
                memcmp(p.src, A4, 4) != 0 || p.payload_len != n - outer)
                TU_FAILF("prefix %zu: rc %d l4 %u dport %u", n, rc, p.l4,
                         p.dport);
        } else if (rc != DIS_OK || p.l4 != 6 || p.dport != 443 ||
                   p.payload_len != n - hl) {
            TU_FAILF("prefix %zu: rc %d l4 %u dport %u", n, rc, p.l4, p.dport);
        }
    }
}

TU_TEST(addr_and_proto_names)
{
    char buf[64];
    TU_CHECK_STR(dis_addr_str(4, A4, buf, sizeof buf), "192.0.2.1");
    TU_CHECK_STR(dis_addr_str(6, B6, buf, sizeof buf), "2001:db8::2");
    /* The IPv4 formatter is ours: every octet value in every position,
     * and short buffers (inet_ntop's path), against inet_ntop(). */
    for (unsigned v = 0; v < 256; v++) {
        for (int pos = 0; pos < 4; pos++) {
            uint8_t a[4] = { 10, 0, 200, 99 };
            char want[INET_ADDRSTRLEN];
            a[pos] = (uint8_t)v;
            inet_ntop(AF_INET, a, want, sizeof want);
            TU_CHECK_STR(dis_addr_str(4, a, buf, sizeof buf), want);
            TU_CHECK_STR(dis_addr_str(4, a, buf, 16), want);
        }
    }
    {
        static const uint8_t top[4] = { 255, 255, 255, 255 };
        char small[15];
        TU_CHECK_STR(dis_addr_str(4, top, buf, 16), "255.255.255.255");
        TU_CHECK_STR(dis_addr_str(4, top, small, sizeof small), "?");
    }
    TU_CHECK_STR(dis_l4_name(6, buf, sizeof buf), "tcp");
    TU_CHECK_STR(dis_l4_name(17, buf, sizeof buf), "udp");
    TU_CHECK_STR(dis_l4_name(58, buf, sizeof buf), "icmpv6");
    TU_CHECK_STR(dis_l4_name(253, buf, sizeof buf), "253");
}

int main(void)
{
    TU_RUN(eth_ipv4_tcp);
    TU_RUN(frame_and_ts_preserved);
    TU_RUN(eth_ipv4_udp);
    TU_RUN(eth_ipv4_icmp);
    TU_RUN(vlan_8021q);
    TU_RUN(qinq_outer_vlan_kept);
    TU_RUN(linux_sll);
    TU_RUN(linux_sll2);
    TU_RUN(dlt_raw_v4_v6);
    TU_RUN(dlt_null_both_orders);
    TU_RUN(ppp);
    TU_RUN(pppoe);
    TU_RUN(ipv6_ext_headers_and_fragment);
    TU_RUN(ipv6_ext_length_past_end);
    TU_RUN(ipv4_with_options);
    TU_RUN(ipv4_fragments);
    TU_RUN(ethernet_padding_not_payload);
    TU_RUN(ip_total_length_larger_than_capture);
    TU_RUN(ipv4_total_length_zero_tso);
    TU_RUN(malformed_headers);
    TU_RUN(not_ip_frames);
    TU_RUN(mpls_and_ip_in_ip);
    TU_RUN(gtpu_inner_decoded);
    TU_RUN(unsupported_dlt);
    TU_RUN(truncated_every_length);
    TU_RUN(gtpu_truncated_every_length);
    TU_RUN(addr_and_proto_names);
    return tu_finish();
}

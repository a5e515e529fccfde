/* tls_build.h - byte builders and a pcap feeder shared by test_tls.c and
 * test_ja4.c (static functions: each test program gets its own copy).
 * RFC 8446 section 4 (handshake layouts), RFC 5246 section 6.2 (records).
 *
 * The builders write into a fixed buffer and never overflow it (extra
 * bytes are dropped, which a test then notices as a wrong answer).  The
 * feeder decodes a capture with the project's own dis_decode() and hands
 * the TCP segments of one connection to a dis_tls with their timestamps,
 * as dissect/applayer.c does.
 */
#ifndef MEETAUDIT_TLS_BUILD_H
#define MEETAUDIT_TLS_BUILD_H

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "../../dissect/decode.h"
#include "../../dissect/tls.h"

typedef struct buf {
    uint8_t b[80000];
    size_t n;
} buf;

static inline void put8(buf *o, unsigned v) { if (o->n < sizeof(o->b)) o->b[o->n++] = (uint8_t)v; }
static inline void put16(buf *o, unsigned v) { put8(o, v >> 8); put8(o, v); }
static inline void put24(buf *o, unsigned v) { put8(o, v >> 16); put16(o, v); }
static inline void putn(buf *o, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(o, ((const uint8_t *)p)[i]);
}

/* Patch a 16- or 24-bit length at off to cover everything after it. */
static inline void fix16(buf *o, size_t off) { size_t l = o->n - off - 2; o->b[off] = (uint8_t)(l >> 8); o->b[off + 1] = (uint8_t)l; }
static inline void fix24(buf *o, size_t off)
{
    size_t l = o->n - off - 3;
    o->b[off] = (uint8_t)(l >> 16);
    o->b[off + 1] = (uint8_t)(l >> 8);
    o->b[off + 2] = (uint8_t)l;
}

static inline void ext_raw(buf *e, unsigned type, const void *p, size_t n)
{
    put16(e, type);
    put16(e, (unsigned)n);
    putn(e, p, n);
}

static inline void ext_sni(buf *e, const char *host)
{
    size_t n = strlen(host);
    put16(e, 0);
    put16(e, (unsigned)n + 5);
    put16(e, (unsigned)n + 3);
    put8(e, 0);
    put16(e, (unsigned)n);
    putn(e, host, n);
}

/* ALPN with names given as (pointer, length) pairs so that binary values
 * can be tested; k names. */
static inline void ext_alpn_bin(buf *e, const uint8_t *const *names,
                         const size_t *lens, int k)
{
    size_t at;
    put16(e, 16);
    at = e->n;
    put16(e, 0);
    put16(e, 0);
    for (int i = 0; i < k; i++) {
        put8(e, (unsigned)lens[i]);
        putn(e, names[i], lens[i]);
    }
    fix16(e, at);
    fix16(e, at + 2);
}

static inline void ext_alpn(buf *e, const char *const *names, int k)
{
    const uint8_t *p[8];
    size_t l[8];
    for (int i = 0; i < k && i < 8; i++) {
        p[i] = (const uint8_t *)names[i];
        l[i] = strlen(names[i]);
    }
    ext_alpn_bin(e, p, l, k < 8 ? k : 8);
}

/* A 16-bit list extension: supported_groups / signature_algorithms
 * (16-bit length) or supported_versions (8-bit length). */
static inline void ext_list16(buf *e, unsigned type, const uint16_t *v, int k,
                       int len8)
{
    put16(e, type);
    put16(e, (unsigned)(2 * k + (len8 ? 1 : 2)));
    if (len8)
        put8(e, (unsigned)(2 * k));
    else
        put16(e, (unsigned)(2 * k));
    for (int i = 0; i < k; i++)
        put16(e, v[i]);
}

/* key_share (RFC 8446 4.2.8) with one 32-byte share per group. */
static inline void ext_key_share(buf *e, const uint16_t *g, int k)
{
    size_t at;
    put16(e, 51);
    at = e->n;
    put16(e, 0);
    put16(e, 0);
    for (int i = 0; i < k; i++) {
        put16(e, g[i]);
        put16(e, 32);
        for (int j = 0; j < 32; j++)
            put8(e, 0x20 + j);
    }
    fix16(e, at);
    fix16(e, at + 2);
}

/* ClientHello handshake message with a session id of sid_len bytes;
 * exts == NULL means no extensions block. */
static inline void client_hello_sid(buf *o, unsigned ver, const uint16_t *cs,
                             int ncs, int sid_len, const buf *exts)
{
    size_t at;
    put8(o, 1);
    at = o->n;
    put24(o, 0);
    put16(o, ver);
    for (int i = 0; i < 32; i++)
        put8(o, i);
    put8(o, (unsigned)sid_len);
    for (int i = 0; i < sid_len; i++)
        put8(o, 0x90 + i);
    put16(o, (unsigned)(2 * ncs));
    for (int i = 0; i < ncs; i++)
        put16(o, cs[i]);
    put8(o, 1);
    put8(o, 0);                         /* null compression */
    if (exts) {
        put16(o, (unsigned)exts->n);
        putn(o, exts->b, exts->n);
    }
    fix24(o, at);
}

static inline void client_hello(buf *o, unsigned ver, const uint16_t *cs, int ncs,
                         const buf *exts)
{
    client_hello_sid(o, ver, cs, ncs, 0, exts);
}

/* ServerHello with the given 32-byte random (NULL: an ordinary one). */
static inline void server_hello_rnd(buf *o, unsigned ver, unsigned cipher,
                             const uint8_t *random, const buf *exts)
{
    size_t at;
    put8(o, 2);
    at = o->n;
    put24(o, 0);
    put16(o, ver);
    for (int i = 0; i < 32; i++)
        put8(o, random ? random[i] : 0x40u + (unsigned)i);
    put8(o, 0);
    put16(o, cipher);
    put8(o, 0);
    if (exts) {
        put16(o, (unsigned)exts->n);
        putn(o, exts->b, exts->n);
    }
    fix24(o, at);
}

static inline void server_hello(buf *o, unsigned ver, unsigned cipher,
                         const buf *exts)
{
    server_hello_rnd(o, ver, cipher, NULL, exts);
}

/* Append one TLS record of the given type holding p[0..n). */
static inline void record(buf *o, unsigned type, const uint8_t *p, size_t n)
{
    put8(o, type);
    put16(o, 0x0303);
    put16(o, (unsigned)n);
    putn(o, p, n);
}

/* Feed a whole direction: a SYN at isn, then segments of seg bytes. */
static inline void feed(dis_tls *t, int dir, uint32_t isn, const uint8_t *p,
                 size_t n, size_t seg, uint64_t *frame)
{
    dis_tls_tcp_segment(t, dir, isn, 1, NULL, 0, ++*frame);
    for (size_t off = 0; off < n; off += seg) {
        size_t k = n - off < seg ? n - off : seg;
        dis_tls_tcp_segment(t, dir, isn + 1 + (uint32_t)off, 0, p + off, k,
                            ++*frame);
    }
}

static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* Feed every TCP segment of the connection on server port `port` in the
 * capture at path (relative to the repository root, where tests run) to t,
 * with its frame number and timestamp.  The client is the sender of the
 * first segment (a SYN in the fixtures used).  Returns the number of
 * segments fed, -1 when the capture cannot be read. */
static inline int feed_pcap(dis_tls *t, const char *path, uint16_t port)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        return -1;
    int dlt = pcap_datalink(pc), fed = 0, have_client = 0;
    uint16_t client_port = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        dis_pkt p;
        frame++;
        memset(&p, 0, sizeof(p));
        if (dis_decode(dlt, data, h->caplen, &p) != DIS_OK || p.l4 != 6 ||
            (p.sport != port && p.dport != port))
            continue;
        if (!have_client) {
            have_client = 1;
            client_port = p.sport;
        }
        int dir = p.sport == client_port ? 0 : 1;
        dis_tls_set_time(t, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec);
        dis_tls_tcp_segment(t, dir, p.seq, (p.tcp_flags & DIS_TH_SYN) != 0,
                            p.payload, p.payload_len, frame);
        fed++;
    }
    pcap_close(pc);
    return fed;
}

#endif

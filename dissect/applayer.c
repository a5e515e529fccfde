/* applayer.c - per-flow dispatch to our TLS, DNS and HTTP dissectors, and the
 * DNS-answer cache that names flows without SNI or Host.
 *
 * Invariants
 * ----------
 * - TLS state is created only for TCP flows whose first payload in either
 *   direction looks like a TLS record (content type 20-23, major version 3);
 *   the initial sequence numbers seen in SYNs are replayed to it so its
 *   reassembly starts at the right byte even when the first data segment
 *   arrives out of order.
 * - DNS is parsed on UDP/TCP port 53, 5353 (mDNS) and 5355 (LLMNR); every
 *   message of the flow is parsed, answers are logged with their frame (up to
 *   DIS_FLOW_MAX_DNS_ANS per flow, each answer's three names in one
 *   exact-size block, the log grown by doubling from 2) and A/AAAA answers
 *   feed the cache.
 * - HTTP heads are parsed from client segments that start with a request
 *   line and server segments that start with a status line (no reassembly:
 *   a head split across segments yields the fields in its first segment).
 * - Cleartext evidence (cleartext.c) sees every TCP/UDP packet that is not
 *   DNS, after the other dissectors, and drops its state as soon as the
 *   flow shows TLS, QUIC or DTLS.
 * - The cache maps an address to the CNAME chain of the answer that gave it
 *   (the name the client asked for first, the A/AAAA owner last) and the
 *   frame of that answer; it has a fixed number of slots (CACHE_SLOTS, in
 *   pages of CACHE_PAGE allocated when an answer first lands in them, so a
 *   capture with few answers never pays for the whole table) and a newer
 *   answer replaces an older one in its slot.  A flow copies the chains of its two
 *   addresses when it starts, so answers that arrive later do not rename it
 *   (they were not what the client resolved before connecting).
 */
#define _DEFAULT_SOURCE
#include "applayer.h"
#include "cleartext.h"
#include "flow.h"
#include "quic.h"
#include "dtls.h"
#include "fnv.h"
#include "rd.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CACHE_SLOTS 16384

typedef struct cache_slot {
    uint8_t used, ipver;
    uint8_t addr[16];
    dis_name_chain *chain; /* heap; owned by the slot */
} cache_slot;

#define CACHE_PAGE 256 /* slots per lazily allocated page of the cache */

struct dis_applayer {
    cache_slot *cache[CACHE_SLOTS / CACHE_PAGE]; /* pages, on first use */
    dis_dns_msg msg;   /* scratch, too large for the stack in fuzzers */
};

dis_applayer *dis_applayer_new(void)
{
    return calloc(1, sizeof(dis_applayer));
}

void dis_applayer_free(dis_applayer *a)
{
    if (!a)
        return;
    for (size_t p = 0; p < CACHE_SLOTS / CACHE_PAGE; p++) {
        if (!a->cache[p])
            continue;
        for (size_t i = 0; i < CACHE_PAGE; i++)
            free(a->cache[p][i].chain);
        free(a->cache[p]);
    }
    free(a);
}

const char *dis_name_chain_at(const dis_name_chain *c, int i)
{
    if (!c || i < 0 || i >= c->n)
        return NULL;
    const char *p = c->names;
    while (i-- > 0)
        p += strlen(p) + 1;
    return p;
}

static dis_name_chain *chain_copy(const dis_name_chain *c)
{
    dis_name_chain *n = malloc(sizeof(*c) + c->len);
    if (n)
        memcpy(n, c, sizeof(*c) + c->len);
    return n;
}

static unsigned cache_index(int ipver, const uint8_t *addr)
{
    return dis_fnv32(DIS_FNV32_INIT, addr, ipver == 6 ? 16 : 4) % CACHE_SLOTS;
}

static const cache_slot *cache_find(const dis_applayer *a, int ipver,
                                    const uint8_t *addr)
{
    unsigned ix = cache_index(ipver, addr);
    if (!a->cache[ix / CACHE_PAGE])
        return NULL;
    const cache_slot *s = &a->cache[ix / CACHE_PAGE][ix % CACHE_PAGE];
    if (s->used && s->ipver == ipver &&
        !memcmp(s->addr, addr, ipver == 6 ? 16 : 4))
        return s;
    return NULL;
}

/* The chain for answer k of msg: walk CNAME records backwards from the
 * owner of answer k (whose data names it) towards the question, at most
 * DIS_DNS_CHAIN_MAX names, never revisiting a record.  NULL when out of
 * memory. */
static dis_name_chain *build_chain(const dis_dns_msg *m, int k,
                                   const dis_pkt *p)
{
    const char *names[DIS_DNS_CHAIN_MAX];
    int used[DIS_DNS_MAX_ANS] = { 0 };
    int n = 0;
    names[n++] = m->ans[k].name;
    while (n < DIS_DNS_CHAIN_MAX) {
        int found = -1;
        for (int i = 0; i < m->n_ans && found < 0; i++)
            if (!used[i] && m->ans[i].type == 5 &&
                !strcmp(m->ans[i].data, names[n - 1]))
                found = i;
        if (found < 0)
            break;
        used[found] = 1;
        names[n++] = m->ans[found].name;
    }
    /* When the walk did not reach the question name (a server that left a
     * link out), put the question first: it is what the client asked. */
    if (m->qname[0] && strcmp(names[n - 1], m->qname) != 0 &&
        n < DIS_DNS_CHAIN_MAX)
        names[n++] = m->qname;
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    dis_name_chain *c = malloc(sizeof(*c) + len);
    if (!c)
        return NULL;
    c->frame = p->frame;
    c->ts_us = p->ts_us;
    c->n = n;
    c->len = len;
    char *o = c->names;
    for (int i = n - 1; i >= 0; i--) { /* asked-for name first */
        size_t l = strlen(names[i]) + 1;
        memcpy(o, names[i], l);
        o += l;
    }
    return c;
}

static int cache_put(dis_applayer *a, int ipver, const uint8_t *addr,
                     dis_name_chain *chain)
{
    unsigned ix = cache_index(ipver, addr);
    cache_slot **page = &a->cache[ix / CACHE_PAGE];
    if (!*page) {
        *page = calloc(CACHE_PAGE, sizeof(cache_slot));
        if (!*page) {
            free(chain);
            return -1;
        }
    }
    cache_slot *s = &(*page)[ix % CACHE_PAGE];
    free(s->chain);
    s->used = 1;
    s->ipver = (uint8_t)ipver;
    memset(s->addr, 0, sizeof(s->addr));
    memcpy(s->addr, addr, ipver == 6 ? 16 : 4);
    s->chain = chain;
    return 0;
}

void dis_applayer_flow_start(dis_applayer *a, dis_flow *f)
{
    const uint8_t *ip[2] = { f->cli_ip, f->srv_ip };
    for (int i = 0; i < 2; i++) {
        const cache_slot *s = cache_find(a, f->ipver, ip[i]);
        if (s && s->chain)
            f->dns_names[i] = chain_copy(s->chain); /* NULL if no memory */
    }
}

static int is_dns_port(uint16_t p)
{
    return p == 53 || p == 5353 || p == 5355;
}

/* Length of a DNS name as kept in a flow: at most DIS_DNS_NAME_MAX - 1
 * bytes, the bound of the fixed buffers the names come from. */
static size_t name_len(const char *s)
{
    return strnlen(s, DIS_DNS_NAME_MAX - 1);
}

/* Fill answer o from record rr of msg: its three names in one exact-size
 * block "query\0name\0data\0" owned by o (freed by dis_flow_free).
 * Returns 0, or -1 when out of memory (o untouched). */
static int ans_set(dis_dns_ans *o, const dis_pkt *p, const dis_dns_msg *msg,
                   const dis_dns_rr *rr)
{
    const char *src[3] = { msg->qname, rr->name, rr->data };
    size_t len[3], total = 0;
    for (int i = 0; i < 3; i++) {
        len[i] = name_len(src[i]);
        total += len[i] + 1;
    }
    char *b = malloc(total);
    if (!b)
        return -1;
    char *dst[3];
    char *w = b;
    for (int i = 0; i < 3; i++) {
        dst[i] = w;
        memcpy(w, src[i], len[i]);
        w[len[i]] = 0;
        w += len[i] + 1;
    }
    o->frame = p->frame;
    o->ts_us = p->ts_us;
    o->query = dst[0];
    o->name = dst[1];
    o->data = dst[2];
    o->qtype = msg->qtype;
    o->rcode = msg->rcode;
    o->rtype = rr->type;
    o->ttl = rr->ttl;
    return 0;
}

static int dns_message(dis_applayer *a, dis_flow *f, const dis_pkt *p,
                       const uint8_t *m, size_t len)
{
    dis_dns_msg *msg = &a->msg;
    if (dis_dns_parse(m, len, msg) != 0)
        return 0;
    if (!f->dns) {
        f->dns = calloc(1, sizeof(*f->dns));
        if (!f->dns)
            return -1;
    }
    dis_flow_dns *d = f->dns;
    if (!d->have_query && msg->qdcount) {
        size_t n = name_len(msg->qname);
        d->query = malloc(n + 1);
        if (!d->query)
            return -1;
        memcpy(d->query, msg->qname, n);
        d->query[n] = 0;
        d->have_query = 1;
        d->qtype = msg->qtype;
    }
    if (!msg->is_response)
        return 0;
    if (!d->have_rcode) {
        d->have_rcode = 1;
        d->rcode = msg->rcode;
    }
    d->ans_dropped += msg->ans_dropped;
    for (int i = 0; i < msg->n_ans; i++) {
        const dis_dns_rr *rr = &msg->ans[i];
        if (rr->type == 1 || rr->type == 28) {
            uint8_t addr[16] = { 0 };
            int ver = rr->type == 1 ? 4 : 6;
            if (inet_pton(ver == 4 ? AF_INET : AF_INET6, rr->data, addr) == 1) {
                dis_name_chain *c = build_chain(msg, i, p);
                if (!c || cache_put(a, ver, addr, c) < 0)
                    return -1;
            }
        }
        if (d->n_ans >= DIS_FLOW_MAX_DNS_ANS) {
            d->ans_dropped++;
            continue;
        }
        if (d->n_ans == d->cap_ans) {
            int nc = d->cap_ans ? d->cap_ans * 2 : 2;
            if (nc > DIS_FLOW_MAX_DNS_ANS)
                nc = DIS_FLOW_MAX_DNS_ANS;
            dis_dns_ans *na = realloc(d->ans, (size_t)nc * sizeof(*na));
            if (!na)
                return -1;
            d->ans = na;
            d->cap_ans = nc;
        }
        if (ans_set(&d->ans[d->n_ans], p, msg, rr) < 0)
            return -1;
        d->n_ans++;
    }
    return 0;
}

static int do_dns(dis_applayer *a, dis_flow *f, const dis_pkt *p)
{
    if (p->l4 == 17)
        return dns_message(a, f, p, p->payload, p->payload_len);
    /* DNS over TCP: 2-byte length prefix; messages within this segment. */
    dis_rd r;
    dis_rd_init(&r, p->payload, p->payload_len);
    while (dis_rd_left(&r) >= 2) {
        uint16_t mlen = dis_rd_be16(&r);
        const uint8_t *m = dis_rd_ptr(&r, mlen);
        if (!m)
            break;
        if (dns_message(a, f, p, m, mlen) < 0)
            return -1;
    }
    return 0;
}

static int do_http(dis_flow *f, const dis_pkt *p, int dir)
{
    if (dir == 0 && dis_http_is_request(p->payload, p->payload_len)) {
        if (f->n_http >= DIS_FLOW_MAX_HTTP)
            return 0;
        /* Grown 1, 2, 4, ... up to DIS_FLOW_MAX_HTTP entries (2.2 KB each):
         * a flow with one request holds one. */
        int n = f->n_http;
        if (n == 0 || (n >= 1 && (n & (n - 1)) == 0)) {
            size_t cap = n ? (size_t)n * 2 : 1;
            dis_http_txn *h = realloc(f->http, cap * sizeof(*h));
            if (!h)
                return -1;
            f->http = h;
        }
        dis_http_txn *t = &f->http[f->n_http];
        memset(t, 0, sizeof(*t));
        if (dis_http_parse_request(p->payload, p->payload_len, &t->req) == 0) {
            t->frame = p->frame;
            t->ts_us = p->ts_us;
            f->n_http++;
            f->http_state = 1;
        }
    } else if (dir == 1 && f->n_http > 0) {
        dis_http_txn *t = &f->http[f->n_http - 1];
        if (!t->have_resp &&
            dis_http_parse_response(p->payload, p->payload_len, &t->resp) == 0) {
            t->have_resp = 1;
            t->resp_frame = p->frame;
        }
    }
    return 0;
}

/* DTLS (WebRTC media, often multiplexed with STUN and RTP on one 5-tuple,
 * sometimes relayed inside TURN indications): every UDP datagram is offered
 * until one looks like a DTLS record; the flow then gets a dis_dtls whose
 * complete handshake messages go to the flow's dis_tls (transport 'd').  In
 * WebRTC either end may be the DTLS client, so the direction handed to the
 * TLS parser is the handshake's own: whoever sent the ClientHello (or did
 * not send the ServerHello) is its client. */
typedef struct dtls_ctx {
    dis_flow *f;
    int64_t ts_us;
    int oom;
} dtls_ctx;

static dis_tls *dtls_tls(dtls_ctx *c)
{
    dis_flow *f = c->f;
    if (!f->tls) {
        f->tls = dis_tls_new();
        if (!f->tls) {
            c->oom = 1;
            return NULL;
        }
        dis_tls_set_transport(f->tls, DIS_TLS_OVER_DTLS);
    }
    dis_tls_set_time(f->tls, c->ts_us);
    return f->tls;
}

static void dtls_on_handshake(void *ctx, int dir, const uint8_t *msg,
                              size_t len, uint64_t frame)
{
    dtls_ctx *c = ctx;
    dis_flow *f = c->f;
    uint8_t type;
    dis_rd r;
    dis_rd_init(&r, msg, len);
    if (f->dtls_swap < 0 && dis_rd_peek_u8(&r, 0, &type)) {
        if (type == 1) /* ClientHello */
            f->dtls_swap = dir == 1;
        else if (type == 2 || type == 3) /* ServerHello, HelloVerifyRequest */
            f->dtls_swap = dir == 0;
    }
    dis_tls *t = dtls_tls(c);
    if (t)
        dis_tls_handshake(t, f->dtls_swap > 0 ? !dir : dir, msg, len, frame);
}

static void dtls_on_alert(void *ctx, int dir, uint8_t level, uint8_t desc,
                          uint64_t frame)
{
    dtls_ctx *c = ctx;
    dis_tls *t = dtls_tls(c);
    if (t)
        dis_tls_alert(t, c->f->dtls_swap > 0 ? !dir : dir, level, desc,
                      frame);
}

static int do_dtls(dis_flow *f, const dis_pkt *p, int dir)
{
    if (!p->payload_len || f->dtls_over)
        return 0;
    const uint8_t *pl = p->payload;
    size_t n = p->payload_len;
    const uint8_t *inner;
    size_t inner_len;
    if (dis_dtls_turn_payload(pl, n, &inner, &inner_len) == 1) {
        pl = inner;
        n = inner_len;
    }
    if (!f->dtls) {
        if (!dis_dtls_looks_like(pl, n))
            return 0;
        f->dtls = dis_dtls_new();
        if (!f->dtls)
            return -1;
        f->dtls_swap = -1;
    }
    dtls_ctx c = { f, p->ts_us, 0 };
    dis_dtls_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.ctx = &c;
    sink.handshake = dtls_on_handshake;
    sink.alert = dtls_on_alert;
    int rc = dis_dtls_packet(f->dtls, dir, pl, n, p->frame, &sink);
    if (dis_dtls_done(f->dtls)) {
        dis_dtls_free(f->dtls);
        f->dtls = NULL;
        f->dtls_over = 1;
    }
    return rc < 0 || c.oom ? -1 : 0;
}

/* QUIC: a UDP flow whose first datagram has a long header (bit 0x80) gets a
 * dis_quic; every complete handshake message of the decrypted CRYPTO
 * streams goes to the flow's dis_tls (transport 'q').  The stream is read
 * after every datagram, whatever dis_quic_packet() returned, because it
 * may have grown even when memory later ran out. */
static int do_quic(dis_flow *f, const dis_pkt *p, int dir)
{
    if (!p->payload_len || f->quic_no)
        return 0;
    if (!f->quic) {
        uint8_t b0;
        dis_rd r;
        dis_rd_init(&r, p->payload, p->payload_len);
        if (!dis_rd_peek_u8(&r, 0, &b0) || !(b0 & 0x80)) {
            f->quic_no = 1;
            return 0;
        }
        f->quic = dis_quic_new();
        if (!f->quic)
            return -1;
    }
    if (dis_quic_done(f->quic))
        return 0;
    int rc = dis_quic_packet(f->quic, dir, p->payload, p->payload_len,
                             p->frame);
    size_t n;
    const uint8_t *s = dis_quic_crypto(f->quic, dir, &n);
    dis_rd r;
    dis_rd_init(&r, s, n);
    if (!dis_rd_skip(&r, f->quic_fed[dir]))
        return rc < 0 ? -1 : 0;
    for (;;) {
        dis_rd m = r;
        dis_rd_skip(&m, 1);
        uint32_t body = dis_rd_be24(&m);
        if (!dis_rd_ok(&m) || !dis_rd_has(&m, body))
            break;
        const uint8_t *msg = dis_rd_ptr(&r, 4 + (size_t)body);
        if (!f->tls) {
            f->tls = dis_tls_new();
            if (!f->tls)
                return -1;
            dis_tls_set_transport(f->tls, DIS_TLS_OVER_QUIC);
        }
        dis_tls_set_time(f->tls, p->ts_us);
        dis_tls_handshake(f->tls, dir, msg, 4 + (size_t)body, p->frame);
        f->quic_fed[dir] += 4 + (size_t)body;
    }
    return rc < 0 ? -1 : 0;
}

static int looks_like_tls(const uint8_t *b, size_t n)
{
    dis_rd r;
    dis_rd_init(&r, b, n);
    uint8_t ct = dis_rd_u8(&r);
    uint8_t major = dis_rd_u8(&r);
    return dis_rd_ok(&r) && ct >= 20 && ct <= 23 && major == 3;
}

int dis_applayer_packet(dis_applayer *a, dis_flow *f, const dis_pkt *p,
                        int dir)
{
    if (p->l4 != 6 && p->l4 != 17)
        return 0;
    if (is_dns_port(f->srv_port) || is_dns_port(f->cli_port)) {
        if (p->payload_len && do_dns(a, f, p) < 0)
            return -1;
        return 0;
    }
    if (p->l4 == 17) {
        if (do_dtls(f, p, dir) < 0 || do_quic(f, p, dir) < 0)
            return -1;
        return dis_clear_packet(f, p, dir);
    }
    if (p->l4 != 6)
        return 0;
    if (p->payload_len)
        f->payload_pkts[dir]++;
    if (!f->tls && p->payload_len && f->http_state <= 0 &&
        f->payload_pkts[0] + f->payload_pkts[1] <= 4 &&
        looks_like_tls(p->payload, p->payload_len)) {
        f->tls = dis_tls_new();
        if (!f->tls)
            return -1;
        for (int d = 0; d < 2; d++)
            if (f->isn_valid[d])
                dis_tls_tcp_segment(f->tls, d, f->isn[d], 1, NULL, 0,
                                    f->isn_frame[d]);
    }
    if (f->tls) {
        if (f->clear) {             /* it was not cleartext after all */
            dis_clear_free(f->clear);
            f->clear = NULL;
        }
        if (!dis_tls_done(f->tls)) {
            dis_tls_set_time(f->tls, p->ts_us);
            dis_tls_tcp_segment(f->tls, dir, p->seq,
                                (p->tcp_flags & DIS_TH_SYN) != 0, p->payload,
                                p->payload_len, p->frame);
        }
        return 0;
    }
    /* The last SYN before any payload gives the ISN (a retransmitted SYN
     * or a second SYN-ACK may carry a different one). */
    if ((p->tcp_flags & DIS_TH_SYN) &&
        f->payload_pkts[0] + f->payload_pkts[1] == 0) {
        f->isn_valid[dir] = 1;
        f->isn[dir] = p->seq;
        f->isn_frame[dir] = p->frame;
    }
    if (p->payload_len && f->http_state >= 0) {
        if (f->payload_pkts[0] + f->payload_pkts[1] == 1 && dir == 0 &&
            !dis_http_is_request(p->payload, p->payload_len))
            f->http_state = -1;
        else if (do_http(f, p, dir) < 0)
            return -1;
    }
    return dis_clear_packet(f, p, dir);
}

/* The CN of an RFC 2253 subject when it is a plain host name. */
static const char *leaf_cn(const dis_tls_info *ti, char *buf, size_t len)
{
    if (ti->n_certs < 1)
        return NULL;
    const char *s = ti->certs[0].subject;
    const char *cn = NULL;
    for (const char *p = s; *p; p++)
        if ((p == s || p[-1] == ',') && !strncmp(p, "CN=", 3)) {
            cn = p + 3;
            break;
        }
    if (!cn)
        return NULL;
    size_t n = 0;
    while (cn[n] && cn[n] != ',' && n + 1 < len) {
        char c = cn[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return NULL; /* wildcards, escapes, spaces: not a single name */
        buf[n] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        n++;
    }
    buf[n] = 0;
    return n && strchr(buf, '.') ? buf : NULL;
}

const char *dis_flow_hostname(const dis_flow *f, const char **source,
                              char *buf, size_t len)
{
    dis_flow_name nm[1];
    char cn[DIS_DNS_NAME_MAX];
    *source = NULL;
    if (dis_flow_names(f, nm, 1, cn, sizeof cn) < 1)
        return NULL;
    *source = nm[0].source;
    snprintf(buf, len, "%s", nm[0].name);
    return buf;
}

static int add_name(dis_flow_name *out, int n, int max, const char *name,
                    const char *source, uint64_t frame)
{
    if (!name || !name[0] || n >= max)
        return n;
    for (int i = 0; i < n; i++)
        if (!strcasecmp(out[i].name, name))
            return n;
    out[n].name = name;
    out[n].source = source;
    out[n].frame = frame;
    return n + 1;
}

int dis_flow_names(const dis_flow *f, dis_flow_name *out, int max,
                   char *cnbuf, size_t cnlen)
{
    const dis_tls_info *ti = f->tls ? dis_tls_get(f->tls) : NULL;
    int n = 0;
    if (ti)
        n = add_name(out, n, max, ti->sni,
                     ti->transport == DIS_TLS_OVER_QUIC ? "quic" : "sni",
                     ti->ch_frame);
    n = add_name(out, n, max, f->quic_sni, "quic", 0);
    for (int i = 0; i < f->n_http; i++)
        n = add_name(out, n, max, f->http[i].req.host, "http",
                     f->http[i].frame);
    const dis_name_chain *c = f->dns_names[1];
    for (int i = 0; c && i < c->n; i++)
        n = add_name(out, n, max, dis_name_chain_at(c, i),
                     i == 0 ? "dns" : "cname", c->frame);
    if (ti && ti->n_certs >= 1) {
        const dis_tls_cert *leaf = &ti->certs[0];
        if (leaf->n_san == 1 && !strchr(leaf->san[0], '*') &&
            !strchr(leaf->san[0], ':'))
            n = add_name(out, n, max, leaf->san[0], "cert", ti->sh_frame);
        else if (leaf->n_san == 0 && cnbuf && leaf_cn(ti, cnbuf, cnlen))
            n = add_name(out, n, max, cnbuf, "cert", ti->sh_frame);
    }
    return n;
}

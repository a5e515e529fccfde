/* flow.c - bidirectional 5-tuple flow table with idle expiry and a flow cap.
 *
 * Invariants
 * ----------
 * - A flow's key is (ip version, transport, VLAN, the two address/port
 *   endpoints); the hash is symmetric so both directions find one record.
 * - The client is the sender of the first SYN (or the receiver of a SYN-ACK
 *   seen first).  Without a SYN, the first packet's sender is the client
 *   unless its source port looks like a server port answering an ephemeral
 *   one (source < 1024 or a known service port, destination >= 1024 and not
 *   a service port): then the roles are swapped.  This rule is documented in
 *   README.md ("How flows are built").
 * - Every flow is on exactly one idle list (open TCP, closed TCP, other),
 *   ordered by last activity, so expiry only ever looks at list heads and
 *   flushing at end of input is oldest-first and deterministic.
 * - The table holds at most max_flows flows: creating one more flushes the
 *   least recently active flow first ("evict").
 * - Later IPv4/IPv6 fragments are attributed through a small fixed table of
 *   (addresses, protocol, fragment id) -> ports learnt from first fragments.
 * - Memory per flow is bounded: the record, nDPI's flow state until detection
 *   ends, TLS reassembly until the handshake ends, and capped DNS/HTTP logs.
 *   The record holds no fixed-size strings: nDPI's names are borrowed from
 *   the classifier, nDPI's host name and QUIC SNI and the DNS names are
 *   exact-size copies made only when non-empty (flow.h, "Strings of a
 *   dis_flow"); every flow is made by dis_flow_new() so that no name
 *   pointer is ever NULL.
 */
#define _DEFAULT_SOURCE
#include "flow.h"
#include "quic.h"
#include "dtls.h"
#include "applayer.h"
#include "cleartext.h"
#include "classify.h"
#include "fnv.h"

#include <stdlib.h>
#include <string.h>

enum { LIST_TCP_OPEN = 0, LIST_TCP_CLOSED = 1, LIST_OTHER = 2, NLISTS = 3 };

#define FRAG_SLOTS 512

typedef struct frag_slot {
    int used;
    uint8_t ipver, l4;
    uint8_t src[16], dst[16];
    uint32_t id;
    uint16_t sport, dport;
} frag_slot;

struct dis_flowtab {
    dis_flow *last;             /* flow of the last accounted packet */
    dis_flow_opts o;
    struct dis_classifier *cls;
    dis_flow_sink sink;
    void *ctx;
    dis_flow **buckets;
    size_t nbuckets;
    size_t count;
    struct { dis_flow *head, *tail; } lists[NLISTS];
    uint64_t seq;
    int err;
    int sink_owns;              /* the sink frees flows (dis_flowtab_sink_owns) */
    dis_flow_stats st;
    frag_slot frags[FRAG_SLOTS];
    dis_applayer *al;
};

void dis_flow_opts_default(dis_flow_opts *o)
{
    o->tcp_idle_us = 300LL * 1000000;
    o->tcp_closed_us = 10LL * 1000000;
    o->udp_idle_us = 60LL * 1000000;
    o->max_flows = 1000000;
}

/* Ports that identify a server when seen as a source port >= 1024. */
static int service_port(uint16_t p)
{
    if (p < 1024)
        return 1;
    switch (p) {
    case 1194: case 1433: case 1723: case 1900: case 3306: case 3478:
    case 3479: case 3480: case 3481: case 5004: case 5060: case 5061:
    case 5222: case 5228: case 5349: case 5353: case 5355: case 5432:
    case 8080: case 8443: case 8801: case 8802: case 8803: case 8804:
    case 8805: case 8806: case 8807: case 8808: case 8809: case 8810:
    case 9000: case 19302: case 19303: case 19304: case 19305: case 19306:
    case 19307: case 19308: case 19309:
        return 1;
    default:
        return 0;
    }
}

/* Order-independent hash of the endpoints plus the rest of the key. */
static uint32_t key_hash(uint8_t ipver, uint8_t l4, uint16_t vlan,
                         const uint8_t *a, uint16_t ap,
                         const uint8_t *b, uint16_t bp)
{
    size_t alen = ipver == 6 ? 16 : 4;
    uint32_t ha = dis_fnv32(DIS_FNV32_INIT, a, alen);
    uint8_t pa[2] = { (uint8_t)(ap >> 8), (uint8_t)ap };
    ha = dis_fnv32(ha, pa, 2);
    uint32_t hb = dis_fnv32(DIS_FNV32_INIT, b, alen);
    uint8_t pb[2] = { (uint8_t)(bp >> 8), (uint8_t)bp };
    hb = dis_fnv32(hb, pb, 2);
    uint32_t h = (ha ^ hb) + (ha & hb) * 2; /* commutative */
    uint8_t rest[4] = { ipver, l4, (uint8_t)(vlan >> 8), (uint8_t)vlan };
    h = dis_fnv32(h, rest, 4);
    h ^= h >> 15;
    h *= 0x2c1b3c6dU;
    h ^= h >> 12;
    return h;
}

static int flow_match(const dis_flow *f, uint8_t ipver, uint8_t l4,
                      uint16_t vlan, const uint8_t *a, uint16_t ap,
                      const uint8_t *b, uint16_t bp)
{
    if (f->ipver != ipver || f->l4 != l4 || f->vlan != vlan)
        return 0;
    size_t n = ipver == 6 ? 16 : 4;
    if (f->cli_port == ap && f->srv_port == bp &&
        !memcmp(f->cli_ip, a, n) && !memcmp(f->srv_ip, b, n))
        return 1;
    if (f->cli_port == bp && f->srv_port == ap &&
        !memcmp(f->cli_ip, b, n) && !memcmp(f->srv_ip, a, n))
        return 1;
    return 0;
}

dis_flowtab *dis_flowtab_new(const dis_flow_opts *o,
                             struct dis_classifier *cls,
                             dis_flow_sink sink, void *ctx)
{
    dis_flowtab *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->o = *o;
    if (t->o.max_flows == 0)
        t->o.max_flows = 1;
    t->cls = cls;
    t->sink = sink;
    t->ctx = ctx;
    t->nbuckets = 64;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    t->al = dis_applayer_new();
    if (!t->buckets || !t->al) {
        dis_flowtab_free(t);
        return NULL;
    }
    return t;
}

static void list_remove(dis_flowtab *t, dis_flow *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        t->lists[f->list].head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        t->lists[f->list].tail = f->prev;
    f->prev = f->next = NULL;
}

static void list_append(dis_flowtab *t, dis_flow *f, int list)
{
    f->list = list;
    f->next = NULL;
    f->prev = t->lists[list].tail;
    if (f->prev)
        f->prev->next = f;
    else
        t->lists[list].head = f;
    t->lists[list].tail = f;
}

static void hash_remove(dis_flowtab *t, dis_flow *f)
{
    dis_flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    f->hnext = NULL;
}

static void grow(dis_flowtab *t)
{
    size_t nb = t->nbuckets * 2;
    dis_flow **b = calloc(nb, sizeof(*b));
    if (!b)
        return; /* keep the old table: chains just get longer */
    for (size_t i = 0; i < t->nbuckets; i++) {
        dis_flow *f = t->buckets[i];
        while (f) {
            dis_flow *n = f->hnext;
            f->hnext = b[f->hash & (nb - 1)];
            b[f->hash & (nb - 1)] = f;
            f = n;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

/* The shared "" of quic_sni/ndpi_host: never freed. */
static const char no_str[1] = "";

dis_flow *dis_flow_new(void)
{
    dis_flow *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->app_proto = f->master_proto = no_str;
    f->category = f->confidence = no_str;
    f->quic_sni = f->ndpi_host = no_str;
    return f;
}

/* Free an owned string unless it is the shared "" (or NULL: a flow made
 * without dis_flow_new()). */
static void free_str(const char *s)
{
    if (s && s != no_str)
        free((void *)(uintptr_t)s);
}

int dis_flow_set_str(const char **slot, const char *src, size_t max)
{
    free_str(*slot);
    *slot = no_str;
    if (!src || !src[0] || max < 2)
        return 0;
    size_t n = strnlen(src, max - 1);
    char *c = malloc(n + 1);
    if (!c)
        return -1;
    memcpy(c, src, n);
    c[n] = 0;
    *slot = c;
    return 0;
}

void dis_flow_free(dis_flow *f)
{
    if (!f)
        return;
    dis_classify_release(f);
    dis_tls_free(f->tls);
    dis_quic_free(f->quic);
    dis_dtls_free(f->dtls);
    if (f->dns) {
        for (int i = 0; i < f->dns->n_ans; i++)
            free(f->dns->ans[i].query);
        free(f->dns->ans);
        free(f->dns->query);
        free(f->dns);
    }
    free_str(f->quic_sni);
    free_str(f->ndpi_host);
    free(f->http);
    free(f->dns_names[0]);
    free(f->dns_names[1]);
    dis_clear_free(f->clear);
    free(f);
}

/* Take f out of the table, hand it to the sink, free it (unless the sink
 * owns the flows it is given). */
static int flush_flow(dis_flowtab *t, dis_flow *f, const char *reason)
{
    if (t->last == f)
        t->last = NULL;
    list_remove(t, f);
    hash_remove(t, f);
    t->count--;
    if (f->rst)
        reason = "rst";
    else if (f->fin[0] && f->fin[1])
        reason = "fin";
    if (!f->end_reason)
        f->end_reason = reason;
    dis_classify_finish(t->cls, f);
    t->st.ndpi_withheld += f->ndpi_withheld;
    int rc = 0;
    if (t->sink)
        rc = t->sink(t->ctx, f);
    if (!t->sink || !t->sink_owns)
        dis_flow_free(f);
    if (rc && !t->err)
        t->err = rc;
    return rc;
}

static void expire(dis_flowtab *t, int64_t now)
{
    const int64_t tmo[NLISTS] = { t->o.tcp_idle_us, t->o.tcp_closed_us,
                                  t->o.udp_idle_us };
    for (int l = 0; l < NLISTS; l++) {
        dis_flow *f;
        while ((f = t->lists[l].head) && f->last_ts + tmo[l] < now)
            flush_flow(t, f, "idle");
    }
}

static void evict_oldest(dis_flowtab *t)
{
    dis_flow *victim = NULL;
    for (int l = 0; l < NLISTS; l++) {
        dis_flow *f = t->lists[l].head;
        if (f && (!victim || f->last_ts < victim->last_ts))
            victim = f;
    }
    if (victim) {
        t->st.evicted++;
        flush_flow(t, victim, "evict");
    }
}

static unsigned frag_index(const dis_pkt *p)
{
    uint32_t h = dis_fnv32(DIS_FNV32_INIT, p->src, p->ipver == 6 ? 16 : 4);
    h = dis_fnv32(h, p->dst, p->ipver == 6 ? 16 : 4);
    uint8_t id[5] = { (uint8_t)(p->frag_id >> 24), (uint8_t)(p->frag_id >> 16),
                      (uint8_t)(p->frag_id >> 8), (uint8_t)p->frag_id, p->l4 };
    h = dis_fnv32(h, id, 5);
    return h % FRAG_SLOTS;
}

static int frag_same(const frag_slot *s, const dis_pkt *p)
{
    return s->used && s->ipver == p->ipver && s->l4 == p->l4 &&
           s->id == p->frag_id && !memcmp(s->src, p->src, 16) &&
           !memcmp(s->dst, p->dst, 16);
}

static dis_flow *create_flow(dis_flowtab *t, const dis_pkt *p, uint16_t sport,
                             uint16_t dport, uint32_t h)
{
    if (t->count >= t->o.max_flows)
        evict_oldest(t);
    dis_flow *f = dis_flow_new();
    if (!f)
        return NULL;
    f->seq = ++t->seq;
    t->st.flows++;
    f->ipver = p->ipver;
    f->l4 = p->l4;
    f->vlan = p->vlan;
    f->hash = h;
    int swap = 0;
    if (p->l4 == 6 && (p->tcp_flags & DIS_TH_SYN))
        swap = (p->tcp_flags & DIS_TH_ACK) != 0;
    else if (p->has_ports)
        swap = service_port(sport) && dport >= 1024 && !service_port(dport);
    else if (p->l4 == 1 || p->l4 == 58) {
        /* ICMP: echo replies and errors are sent by the responder. */
        uint8_t ty = p->icmp_type;
        swap = p->l4 == 1 ? (ty == 0 || ty == 14 || ty == 16 || ty == 18 ||
                             ty == 3 || ty == 4 || ty == 5 || ty == 11 ||
                             ty == 12)
                          : (ty == 129 || ty < 128);
    }
    if (!swap) {
        memcpy(f->cli_ip, p->src, 16);
        memcpy(f->srv_ip, p->dst, 16);
        f->cli_port = sport;
        f->srv_port = dport;
    } else {
        memcpy(f->cli_ip, p->dst, 16);
        memcpy(f->srv_ip, p->src, 16);
        f->cli_port = dport;
        f->srv_port = sport;
    }
    f->icmp_type = p->icmp_type;
    f->icmp_code = p->icmp_code;
    f->hnext = t->buckets[h & (t->nbuckets - 1)];
    t->buckets[h & (t->nbuckets - 1)] = f;
    t->count++;
    list_append(t, f, p->l4 == 6 ? LIST_TCP_OPEN : LIST_OTHER);
    dis_applayer_flow_start(t->al, f);
    if (t->count > t->nbuckets)
        grow(t);
    return f;
}

int dis_flowtab_packet(dis_flowtab *t, const dis_pkt *p)
{
    t->last = NULL;
    if (t->err)
        return t->err;
    expire(t, p->ts_us);

    uint16_t sport = p->sport, dport = p->dport;
    if (p->frag == DIS_FRAG_FIRST) { /* ports 0 for ICMP and others */
        frag_slot *s = &t->frags[frag_index(p)];
        s->used = 1;
        s->ipver = p->ipver;
        s->l4 = p->l4;
        memcpy(s->src, p->src, 16);
        memcpy(s->dst, p->dst, 16);
        s->id = p->frag_id;
        s->sport = sport;
        s->dport = dport;
    } else if (p->frag == DIS_FRAG_LATER) {
        frag_slot *s = &t->frags[frag_index(p)];
        if (frag_same(s, p)) {
            sport = s->sport;
            dport = s->dport;
        } else {
            t->st.frag_unattributed++;
        }
    }
    if (!p->has_ports && p->frag != DIS_FRAG_LATER)
        t->st.no_ports++;

    uint32_t h = key_hash(p->ipver, p->l4, p->vlan, p->src, sport, p->dst,
                          dport);
    dis_flow *f = t->buckets[h & (t->nbuckets - 1)];
    while (f && !(f->hash == h && flow_match(f, p->ipver, p->l4, p->vlan,
                                             p->src, sport, p->dst, dport)))
        f = f->hnext;

    /* A new SYN on a finished connection starts a new flow. */
    if (f && p->l4 == 6 && (p->tcp_flags & (DIS_TH_SYN | DIS_TH_ACK)) ==
                               DIS_TH_SYN &&
        (f->rst || (f->fin[0] && f->fin[1]))) {
        flush_flow(t, f, f->rst ? "rst" : "fin");
        f = NULL;
    }
    if (!f) {
        f = create_flow(t, p, sport, dport, h);
        if (!f)
            return t->err ? t->err : -1;
    }

    size_t alen = p->ipver == 6 ? 16 : 4;
    int dir = (f->cli_port == sport && !memcmp(f->cli_ip, p->src, alen) &&
               (f->srv_port == dport && !memcmp(f->srv_ip, p->dst, alen)))
                  ? 0 : 1;
    dis_dir *d = &f->d[dir];
    if (!d->pkts) {
        d->first_frame = p->frame;
        d->first_ts = p->ts_us;
    }
    d->pkts++;
    d->bytes += p->ip_len;
    d->last_frame = p->frame;
    d->last_ts = p->ts_us;
    if (p->ts_us > f->last_ts || f->d[0].pkts + f->d[1].pkts == 1)
        f->last_ts = p->ts_us;

    if (p->l4 == 6 && p->frag != DIS_FRAG_LATER) {
        if (p->tcp_flags & DIS_TH_SYN)
            f->syn_seen = 1;
        if (p->tcp_flags & DIS_TH_FIN)
            f->fin[dir] = 1;
        if (p->tcp_flags & DIS_TH_RST)
            f->rst = 1;
    }

    if (p->frag != DIS_FRAG_LATER) {
        dis_classify_packet(t->cls, f, p);
        if (dis_applayer_packet(t->al, f, p, dir) < 0)
            return -1;
    }

    int list = LIST_OTHER;
    if (p->l4 == 6)
        list = (f->rst || (f->fin[0] && f->fin[1])) ? LIST_TCP_CLOSED
                                                      : LIST_TCP_OPEN;
    /* Already the newest of its list (a burst of one flow's packets): moving
     * it would give the same list and only touch its neighbours. */
    if (t->lists[list].tail != f) {
        list_remove(t, f);
        list_append(t, f, list);
    }
    t->last = f;
    return t->err;
}

void dis_flowtab_sink_owns(dis_flowtab *t)
{
    t->sink_owns = 1;
}

const dis_flow *dis_flowtab_last(const dis_flowtab *t)
{
    return t->last;
}

int dis_flowtab_flush_all(dis_flowtab *t, const char *reason)
{
    for (;;) {
        dis_flow *oldest = NULL;
        for (int l = 0; l < NLISTS; l++) {
            dis_flow *f = t->lists[l].head;
            if (f && (!oldest || f->last_ts < oldest->last_ts ||
                      (f->last_ts == oldest->last_ts && f->seq < oldest->seq)))
                oldest = f;
        }
        if (!oldest)
            break;
        flush_flow(t, oldest, reason);
    }
    return t->err;
}

void dis_flowtab_stats(const dis_flowtab *t, dis_flow_stats *out)
{
    *out = t->st;
}

void dis_flowtab_free(dis_flowtab *t)
{
    if (!t)
        return;
    for (int l = 0; l < NLISTS; l++) {
        dis_flow *f = t->lists[l].head;
        while (f) {
            dis_flow *n = f->next;
            dis_flow_free(f);
            f = n;
        }
    }
    free(t->buckets);
    dis_applayer_free(t->al);
    free(t);
}

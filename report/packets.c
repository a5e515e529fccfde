/* packets.c - the frames of stored flows, found again in their input and
 * copied to a pcap file (libpcap savefiles; DNS ids per RFC 1035 4.1.1).
 *
 * Invariants
 * ----------
 * - A frame belongs to a stored flow exactly when the flow table of
 *   dissect/flow.c, fed the file the way capture/pipeline.c feeds it (one
 *   frame number per record, dis_decode() with the file's link type),
 *   accounts the frame to a flow whose key (IP version, transport, VLAN,
 *   the two address:port ends in either order) is the stored flow's, and
 *   the frame lies in the stored [first_frame, last_frame].  Using the flow
 *   table itself, not a second decoder, gives tunnels, VLAN tags and IP
 *   fragments (later fragments carry no ports: the table gives them to the
 *   flow of their first fragment) exactly as `analyze` did.  The key is
 *   compared without client/server order and the frame range separates
 *   flows that reuse a key, so the result does not depend on the idle
 *   time-outs `analyze` ran with: the table never holds two flows with one
 *   key at the same time, so stored flows with the same key never overlap
 *   in frames.
 * - DNS keys (dns_frames set) take the listed response frames and, for
 *   each, the last earlier frame of the same flow that is a query with the
 *   same DNS id (over TCP the id follows the 2-byte length).  The id and
 *   QR bit are read through dis_rd; a packet too short for them is no
 *   query.
 * - Memory: the frame list (8 bytes per selected frame), one index entry
 *   per flow of the table (4 bytes) and, for DNS keys, 16 bytes per packet
 *   of those flows.
 * - Files are opened with nanosecond precision, so timestamps are copied
 *   exactly whatever the file's resolution.
 */
#define _DEFAULT_SOURCE
#include "packets.h"

#include "../dissect/decode.h"
#include "../dissect/flow.h"
#include "../dissect/fnv.h"
#include "../dissect/rd.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- keys ------------------------------------------------------------ */

static int l4_num(const char *p)
{
    static const struct { const char *n; int v; } T[] = {
        { "icmp", 1 },  { "igmp", 2 },   { "tcp", 6 },    { "udp", 17 },
        { "gre", 47 },  { "esp", 50 },   { "ah", 51 },    { "icmpv6", 58 },
        { "ospf", 89 }, { "pim", 103 },  { "vrrp", 112 }, { "sctp", 132 },
    };
    if (!p)
        return -1;
    for (size_t i = 0; i < sizeof(T) / sizeof(T[0]); i++)
        if (!strcmp(p, T[i].n))
            return T[i].v;
    char *end;
    long v = strtol(p, &end, 10);
    return end != p && !*end && v >= 0 && v <= 255 ? (int)v : -1;
}

/* Parse one flows row (see packets.h).  0 or -1. */
int rpt_pkt_key_parse(rpt_pkt_key *k, int ipver, const char *proto,
                      unsigned vlan, const char *src, unsigned sport,
                      const char *dst, unsigned dport, uint64_t first,
                      uint64_t last)
{
    memset(k, 0, sizeof(*k));
    int af = ipver == 6 ? AF_INET6 : AF_INET;
    k->ipver = ipver;
    k->l4 = l4_num(proto);
    k->vlan = vlan;
    k->ap = sport;
    k->bp = dport;
    k->first = first;
    k->last = last;
    if ((ipver != 4 && ipver != 6) || k->l4 < 0 || vlan > 4095 ||
        sport > 65535 || dport > 65535 || !src || !dst || first < 1 ||
        last < first || inet_pton(af, src, k->a) != 1 ||
        inet_pton(af, dst, k->b) != 1)
        return -1;
    return 0;
}

/* A key in canonical order: the smaller (address, port) end first. */
typedef struct nkey {
    uint8_t ipver, l4;
    uint16_t vlan;
    uint8_t lo[16], hi[16];
    uint16_t lop, hip;
} nkey;

static void nkey_make(nkey *n, int ipver, int l4, unsigned vlan,
                      const uint8_t *a, unsigned ap, const uint8_t *b,
                      unsigned bp)
{
    memset(n, 0, sizeof(*n));
    n->ipver = (uint8_t)ipver;
    n->l4 = (uint8_t)l4;
    n->vlan = (uint16_t)vlan;
    size_t al = ipver == 6 ? 16 : 4;
    int c = memcmp(a, b, al);
    int swap = c > 0 || (c == 0 && ap > bp);
    memcpy(n->lo, swap ? b : a, al);
    memcpy(n->hi, swap ? a : b, al);
    n->lop = (uint16_t)(swap ? bp : ap);
    n->hip = (uint16_t)(swap ? ap : bp);
}

static uint32_t nkey_hash(const nkey *n)
{
    return dis_fnv32(DIS_FNV32_INIT, n, sizeof(*n)); /* zero-padded */
}

/* ---- selection state -------------------------------------------------- */

typedef struct dnsrec {
    uint64_t frame;
    uint32_t key;   /* index into keys */
    uint16_t id;
    uint8_t qr;
} dnsrec;

typedef struct sel_ctx {
    const rpt_pkt_key *keys;
    size_t n;
    nkey *nk;           /* canonical key per keys[] entry */
    int32_t *slot;      /* hash slots -> first key index, -1 empty */
    int32_t *next;      /* chain of keys with equal hash slot */
    size_t nslot;
    dnsrec *dns;
    size_t n_dns, cap_dns;
} sel_ctx;

static int sink_ignore(void *ctx, dis_flow *f)
{
    (void)ctx;
    (void)f;
    return 0;
}

static int frames_add(rpt_pkt_sel *s, uint64_t frame)
{
    if (s->n && s->frames[s->n - 1] == frame)
        return 0;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        uint64_t *nf = realloc(s->frames, nc * sizeof(*nf));
        if (!nf)
            return -1;
        s->frames = nf;
        s->cap = nc;
    }
    s->frames[s->n++] = frame;
    return 0;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The DNS id and QR bit of a packet's payload; -1 when too short. */
static int dns_head(const dis_pkt *p, uint16_t *id, uint8_t *qr)
{
    dis_rd r;
    dis_rd_init(&r, p->payload, p->payload_len);
    if (p->l4 == 6)
        (void)dis_rd_be16(&r); /* RFC 1035 4.2.2 length prefix */
    *id = dis_rd_be16(&r);
    *qr = (uint8_t)(dis_rd_u8(&r) >> 7);
    return dis_rd_ok(&r) ? 0 : -1;
}

static int wanted_response(const rpt_pkt_key *k, uint64_t frame)
{
    for (size_t i = 0; i < k->n_dns; i++)
        if (k->dns_frames[i] == frame)
            return 1;
    return 0;
}

/* Account one decoded packet whose table flow is f. */
static int sel_packet(sel_ctx *c, rpt_pkt_sel *s, uint64_t *counts,
                      const dis_flow *f, const dis_pkt *p)
{
    nkey n;
    nkey_make(&n, f->ipver, f->l4, f->vlan, f->cli_ip, f->cli_port,
              f->srv_ip, f->srv_port);
    for (int32_t i = c->slot[nkey_hash(&n) & (c->nslot - 1)]; i >= 0;
         i = c->next[i]) {
        const rpt_pkt_key *k = &c->keys[i];
        if (memcmp(&c->nk[i], &n, sizeof(n)) || p->frame < k->first ||
            p->frame > k->last)
            continue;
        if (!k->dns_frames) {
            if (counts)
                counts[i]++;
            return frames_add(s, p->frame);
        }
        dnsrec d = { .frame = p->frame, .key = (uint32_t)i };
        if (dns_head(p, &d.id, &d.qr) != 0)
            return 0;
        if (c->n_dns == c->cap_dns) {
            size_t nc = c->cap_dns ? c->cap_dns * 2 : 64;
            dnsrec *nd = realloc(c->dns, nc * sizeof(*nd));
            if (!nd)
                return -1;
            c->dns = nd;
            c->cap_dns = nc;
        }
        c->dns[c->n_dns++] = d;
        return 0;
    }
    return 0;
}

/* After the pass: the wanted DNS responses and their queries. */
static int sel_dns(sel_ctx *c, rpt_pkt_sel *s, uint64_t *counts)
{
    for (size_t i = 0; i < c->n_dns; i++) {
        const dnsrec *r = &c->dns[i];
        const rpt_pkt_key *k = &c->keys[r->key];
        if (!r->qr || !wanted_response(k, r->frame))
            continue;
        if (frames_add(s, r->frame) != 0)
            return -1;
        if (counts)
            counts[r->key]++;
        for (size_t j = i; j-- > 0;) {
            const dnsrec *q = &c->dns[j];
            if (q->key == r->key && !q->qr && q->id == r->id) {
                if (frames_add(s, q->frame) != 0)
                    return -1;
                if (counts)
                    counts[r->key]++;
                break;
            }
        }
    }
    return 0;
}

/* Remove duplicates from the sorted frame list. */
static void frames_unique(rpt_pkt_sel *s)
{
    if (!s->n)
        return;
    qsort(s->frames, s->n, sizeof(*s->frames), u64_cmp);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++)
        if (s->frames[i] != s->frames[k - 1])
            s->frames[k++] = s->frames[i];
    s->n = k;
}

static pcap_t *open_nano(const char *path, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_open_offline_with_tstamp_precision(
        path, PCAP_TSTAMP_PRECISION_NANO, perr);
    if (!pc)
        snprintf(err, errlen, "%s: %s", path, perr);
    return pc;
}

/* Read the file and select the keys' frames (packets.h). */
int rpt_pkt_select(const char *path, const rpt_pkt_key *keys, size_t n,
                   rpt_pkt_sel *sel, uint64_t *counts, char *err,
                   size_t errlen)
{
    memset(sel, 0, sizeof(*sel));
    if (counts)
        memset(counts, 0, n * sizeof(*counts));
    if (n > (size_t)INT32_MAX) {
        snprintf(err, errlen, "too many flows");
        return -1;
    }
    int ret = -1;
    sel_ctx c = { .keys = keys, .n = n };
    dis_flowtab *ft = NULL;
    pcap_t *pc = NULL;
    c.nslot = 64;
    while (c.nslot < 2 * n)
        c.nslot *= 2;
    c.nk = calloc(n ? n : 1, sizeof(*c.nk));
    c.next = calloc(n ? n : 1, sizeof(*c.next));
    c.slot = malloc(c.nslot * sizeof(*c.slot));
    dis_flow_opts fo;
    dis_flow_opts_default(&fo);
    ft = dis_flowtab_new(&fo, NULL, sink_ignore, NULL);
    if (!c.nk || !c.next || !c.slot || !ft) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < c.nslot; i++)
        c.slot[i] = -1;
    /* chain in reverse so that each slot lists keys in keys[] order */
    for (size_t i = n; i-- > 0;) {
        const rpt_pkt_key *k = &keys[i];
        nkey_make(&c.nk[i], k->ipver, k->l4, k->vlan, k->a, k->ap, k->b,
                  k->bp);
        size_t h = nkey_hash(&c.nk[i]) & (c.nslot - 1);
        c.next[i] = c.slot[h];
        c.slot[h] = (int32_t)i;
    }
    if (!(pc = open_nano(path, err, errlen)))
        goto done;
    sel->linktype = pcap_datalink(pc);
    sel->snaplen = pcap_snapshot(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    uint64_t frame = 0;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        dis_pkt p;
        frame++;
        p.frame = frame;
        p.ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec / 1000;
        if (dis_decode(sel->linktype, data, h->caplen, &p) != DIS_OK)
            continue;
        p.wirelen = h->len;
        if (dis_flowtab_packet(ft, &p) != 0) {
            snprintf(err, errlen, "%s: out of memory in the flow table",
                     path);
            goto done;
        }
        const dis_flow *f = dis_flowtab_last(ft);
        if (f && sel_packet(&c, sel, counts, f, &p) != 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    sel->records = frame;
    /* A damaged tail (PCAP_ERROR) is accepted as analyze accepts it:
     * the frames before it are the evidence. */
    if (sel_dns(&c, sel, counts) != 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    frames_unique(sel);
    ret = 0;
done:
    if (pc)
        pcap_close(pc);
    dis_flowtab_free(ft);
    free(c.nk);
    free(c.next);
    free(c.slot);
    free(c.dns);
    if (ret != 0)
        rpt_pkt_sel_free(sel);
    return ret;
}

/* Copy sel's frames from path to d (packets.h). */
int rpt_pkt_write(const char *path, const rpt_pkt_sel *sel, pcap_dumper_t *d,
                  char *err, size_t errlen)
{
    pcap_t *pc = open_nano(path, err, errlen);
    if (!pc)
        return -1;
    int ret = -1;
    if (pcap_datalink(pc) != sel->linktype) {
        snprintf(err, errlen, "%s: link type changed since it was read",
                 path);
        goto done;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    size_t k = 0;
    while (k < sel->n && pcap_next_ex(pc, &h, &data) == 1) {
        frame++;
        if (frame == sel->frames[k]) {
            pcap_dump((u_char *)d, h, data);
            k++;
        }
    }
    if (k < sel->n) {
        snprintf(err, errlen, "%s: frame %llu is no longer in the file", path,
                 (unsigned long long)sel->frames[k]);
        goto done;
    }
    ret = 0;
done:
    pcap_close(pc);
    return ret;
}

/* Free sel's frame list and zero it (sel itself is the caller's). */
void rpt_pkt_sel_free(rpt_pkt_sel *sel)
{
    if (!sel)
        return;
    free(sel->frames);
    memset(sel, 0, sizeof(*sel));
}

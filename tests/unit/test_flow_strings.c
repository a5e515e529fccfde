/* test_flow_strings.c - ownership of a dis_flow's strings (dissect/flow.h,
 * "Strings of a dis_flow"): nDPI's names borrowed from the classifier, the
 * nDPI host name and QUIC SNI copied into the flow, and DNS questions and
 * answers kept as exact-size heap copies.
 * RFC 1035 sections 3.1 and 4.1 (names of at most 255 octets, message
 * layout, compression pointers).
 *
 * Packets are real: fixture captures from pcaps/ (nDPI's verdicts, the QUIC
 * SNIs that tshark also reads from them) or raw IPv4/UDP datagrams built here
 * and decoded with dis_decode(DLT_RAW) before they reach the flow table, as
 * the pipeline does.  The sink copies the strings it is shown and also
 * writes the flow to an in-memory evidence store, so the tests see what
 * reaches the sink and what the store keeps of it.  Run under the ASan
 * build, every test also checks that the copies are freed exactly once.
 */
#define _DEFAULT_SOURCE
#include "capture/pcapin.h"
#include "dissect/classify.h"
#include "dissect/decode.h"
#include "dissect/flow.h"
#include "report/store.h"
#include "tests/unit/tu.h"
#include "tests/unit/sqlq.h"
#include "tests/unit/feed_cap.h"

#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the sink ------------------------------------------------------------ */

#define MAX_REC 512

typedef struct rec {
    uint64_t seq;
    uint8_t l4;
    uint16_t cli_port, srv_port;
    char *app, *master, *cat, *conf, *sni, *host; /* copies, "" kept */
    int n_ans, ans_dropped;
} rec;

typedef struct sink_ctx {
    rec r[MAX_REC];
    int n;
    int null_names;          /* name pointers that were NULL at the sink */
    rpt_store *st;           /* optional: each flow is also stored */
    int64_t input_id;
    int store_errors;
    /* optional DNS check, run on the first flow with answers */
    void (*dns_check)(const dis_flow *f);
} sink_ctx;

static char *dup_or_die(const char *s)
{
    char *c = strdup(s);
    if (!c)
        abort();
    return c;
}

static int sink(void *ctx, dis_flow *f)
{
    sink_ctx *c = ctx;
    const char *s[6] = { f->app_proto, f->master_proto, f->category,
                         f->confidence, f->quic_sni, f->ndpi_host };
    for (int i = 0; i < 6; i++)
        if (!s[i])
            c->null_names++;
    if (c->n < MAX_REC && !c->null_names) {
        rec *r = &c->r[c->n++];
        r->seq = f->seq;
        r->l4 = f->l4;
        r->cli_port = f->cli_port;
        r->srv_port = f->srv_port;
        r->app = dup_or_die(s[0]);
        r->master = dup_or_die(s[1]);
        r->cat = dup_or_die(s[2]);
        r->conf = dup_or_die(s[3]);
        r->sni = dup_or_die(s[4]);
        r->host = dup_or_die(s[5]);
        r->n_ans = f->dns ? f->dns->n_ans : 0;
        r->ans_dropped = f->dns ? f->dns->ans_dropped : 0;
    }
    if (c->dns_check && f->dns && f->dns->n_ans) {
        c->dns_check(f);
        c->dns_check = NULL;
    }
    if (c->st && rpt_store_flow(c->st, c->input_id, f) != 0)
        c->store_errors++;
    return 0;
}

static void sink_free(sink_ctx *c)
{
    for (int i = 0; i < c->n; i++) {
        rec *r = &c->r[i];
        free(r->app);
        free(r->master);
        free(r->cat);
        free(r->conf);
        free(r->sni);
        free(r->host);
    }
    if (c->st)
        rpt_store_close(c->st);
    free(c);
}

static sink_ctx *sink_new(int with_store)
{
    sink_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    if (with_store) {
        char err[256];
        rpt_input_meta m = { "test", "test", 0,
                             "1111111111111111111111111111111111111111111111"
                             "111111111111111111",
                             DLT_RAW, "RAW", "pcap" };
        if (rpt_store_open(":memory:", &c->st, err, sizeof(err)) != 0 ||
            rpt_store_input_begin(c->st, &m, &c->input_id) != 0)
            abort();
    }
    return c;
}

static const rec *find_rec(const sink_ctx *c, uint16_t cli_port,
                           uint16_t srv_port)
{
    for (int i = 0; i < c->n; i++)
        if (c->r[i].cli_port == cli_port && c->r[i].srv_port == srv_port)
            return &c->r[i];
    return NULL;
}

static dis_flowtab *table(dis_classifier *cls, sink_ctx *c)
{
    dis_flow_opts o;
    dis_flow_opts_default(&o);
    dis_flowtab *t = dis_flowtab_new(&o, cls, sink, c);
    if (!t)
        abort();
    return t;
}

/* ---- packets ------------------------------------------------------------- */

static void w16(uint8_t *o, unsigned v)
{
    o[0] = (uint8_t)(v >> 8);
    o[1] = (uint8_t)v;
}

/* Decode a raw IPv4/UDP datagram carrying pl[0..n) and account it. */
static void feed_udp4(dis_flowtab *t, uint64_t frame, int64_t ts,
                      const char *src, uint16_t sp, const char *dst,
                      uint16_t dp, const uint8_t *pl, size_t n)
{
    static uint8_t b[65535];
    if (n > sizeof(b) - 28)
        abort();
    memset(b, 0, 28);
    b[0] = 0x45;
    w16(b + 2, (unsigned)(28 + n));
    b[8] = 64;
    b[9] = 17;
    if (inet_pton(AF_INET, src, b + 12) != 1 ||
        inet_pton(AF_INET, dst, b + 16) != 1)
        abort();
    w16(b + 20, sp);
    w16(b + 22, dp);
    w16(b + 24, (unsigned)(8 + n));
    memcpy(b + 28, pl, n);
    dis_pkt p;
    memset(&p, 0, sizeof(p));
    p.frame = frame;
    p.ts_us = ts;
    TU_CHECK_INT(dis_decode(DLT_RAW, b, 28 + n, &p), DIS_OK);
    p.wirelen = (uint32_t)(28 + n);
    TU_CHECK_INT(dis_flowtab_packet(t, &p), 0);
}

/* A DNS message writer (RFC 1035 4.1), with compression pointers. */
typedef struct msg {
    uint8_t b[4096];
    size_t n;
} msg;

static void put16(msg *m, unsigned v)
{
    w16(m->b + m->n, v);
    m->n += 2;
}

/* Write name uncompressed; returns its offset (for pointers to it). */
static size_t put_name(msg *m, const char *name)
{
    size_t at = m->n;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m->b[m->n++] = (uint8_t)l;
        memcpy(m->b + m->n, name, l);
        m->n += l;
        name += l + (dot ? 1 : 0);
    }
    m->b[m->n++] = 0;
    return at;
}

static void put_ptr(msg *m, size_t off)
{
    put16(m, 0xc000 | (unsigned)off);
}

/* Response header and question; returns the question name's offset. */
static size_t begin_resp(msg *m, const char *qname, unsigned an)
{
    m->n = 0;
    put16(m, 0x4242);
    put16(m, 0x8180);
    put16(m, 1);
    put16(m, an);
    put16(m, 0);
    put16(m, 0);
    size_t q = put_name(m, qname);
    put16(m, 1);  /* A */
    put16(m, 1);  /* IN */
    return q;
}

/* Fixed part of an answer after its owner name. */
static void rr_fixed(msg *m, unsigned type, uint32_t ttl, unsigned rdlen)
{
    put16(m, type);
    put16(m, 1);
    put16(m, ttl >> 16);
    put16(m, ttl & 0xffff);
    put16(m, rdlen);
}

/* A name of exactly len characters (labels of 63, dots between) made of
 * letter c: len 253 is the longest name RFC 1035's 255-octet wire limit
 * allows. */
static void long_name(char *out, size_t len, char c)
{
    size_t o = 0, in_label = 0;
    while (o < len) {
        if (in_label == 63 && o + 1 < len) {
            out[o++] = '.';
            in_label = 0;
            continue;
        }
        out[o++] = c;
        in_label++;
    }
    out[o] = 0;
}

/* ---- nDPI's names ---------------------------------------------------------- */

/* A new flow names nothing yet, and never with NULL. */
TU_TEST(new_flow_names_are_empty_not_null)
{
    dis_flow *f = dis_flow_new();
    TU_CHECK(f != NULL);
    if (!f)
        return;
    TU_CHECK_STR(f->app_proto, "");
    TU_CHECK_STR(f->master_proto, "");
    TU_CHECK_STR(f->category, "");
    TU_CHECK_STR(f->confidence, "");
    TU_CHECK_STR(f->quic_sni, "");
    TU_CHECK_STR(f->ndpi_host, "");
    /* dis_flow_set_str: exact copies, "" for NULL/empty, bounded. */
    char big[400];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    TU_CHECK_INT(dis_flow_set_str(&f->ndpi_host, big, 256), 0);
    TU_CHECK_INT(strlen(f->ndpi_host), 255);
    TU_CHECK_INT(dis_flow_set_str(&f->ndpi_host, "meet.google.com", 256), 0);
    TU_CHECK_STR(f->ndpi_host, "meet.google.com");
    TU_CHECK(f->ndpi_host != big);
    TU_CHECK_INT(dis_flow_set_str(&f->ndpi_host, NULL, 256), 0);
    TU_CHECK_STR(f->ndpi_host, "");
    TU_CHECK_INT(dis_flow_set_str(&f->quic_sni, "abcd", 256), 0);
    dis_flow_free(f);                 /* ASan: quic_sni freed, nothing else */
    dis_flow_free(NULL);
}

/* Over a whole capture: while nDPI is still deciding, every name of the
 * flow is ""; once it has decided, the application name is set; at the
 * sink no name is NULL. */
/* Per packet of names_follow_classification: the flow's names are all
 * empty until nDPI is done with it, and set from then on. */
typedef struct names_seen {
    int *seen_open, *seen_done;
    int bad_open, bad_done;
} names_seen;

static void names_after_packet(void *ctx, const dis_flow *f)
{
    names_seen *n = ctx;
    if (!f)
        return;
    if (!f->ndpi_done) {
        (*n->seen_open)++;
        if (!f->app_proto || !f->master_proto || !f->category ||
            !f->confidence || !f->quic_sni || !f->ndpi_host ||
            f->app_proto[0] || f->master_proto[0] || f->category[0] ||
            f->confidence[0] || f->quic_sni[0] || f->ndpi_host[0])
            n->bad_open++;
    } else {
        (*n->seen_done)++;
        if (!f->app_proto || !f->app_proto[0] || !f->category ||
            !f->category[0])
            n->bad_done++;
    }
}

static void names_follow_classification(const char *path, int *seen_open,
                                        int *seen_done)
{
    char err[256];
    dis_classifier *cls = dis_classifier_new(NULL, err, sizeof(err));
    TU_CHECK(cls != NULL);
    if (!cls)
        return;
    sink_ctx *c = sink_new(0);
    dis_flowtab *t = table(cls, c);
    names_seen n = { seen_open, seen_done, 0, 0 };
    int fed = tu_feed_capture(t, path, names_after_packet, &n);
    TU_CHECK_INT(dis_flowtab_flush_all(t, "eof"), 0);
    dis_flowtab_free(t);
    if (fed >= 0) {
        TU_CHECK_INT(n.bad_open, 0);
        TU_CHECK_INT(n.bad_done, 0);
        TU_CHECK_INT(c->null_names, 0);
        TU_CHECK(c->n > 0);
        for (int i = 0; i < c->n; i++)   /* every flow named at the sink */
            if (!c->r[i].app[0])
                TU_FAILF("flow %llu has no app_proto",
                         (unsigned long long)c->r[i].seq);
    }
    sink_free(c);
    dis_classifier_free(cls);      /* after the last flow was freed */
}

TU_TEST(names_empty_until_classified)
{
    int open = 0, done = 0;
    names_follow_classification("pcaps/teams.pcap", &open, &done);
    names_follow_classification("pcaps/quic_0RTT.pcap", &open, &done);
    TU_CHECK(open > 100);  /* both states were really observed */
    TU_CHECK(done > 100);
}

/* A UDP exchange nDPI cannot classify: its names are nDPI's "Unknown" and
 * "Unspecified", no master, host or SNI (as before the change: teams.pcap
 * flow 60 and 774 flows of the benchmark capture look exactly so). */
TU_TEST(unclassified_flow_names)
{
    char err[256];
    dis_classifier *cls = dis_classifier_new(NULL, err, sizeof(err));
    TU_CHECK(cls != NULL);
    if (!cls)
        return;
    sink_ctx *c = sink_new(1);
    dis_flowtab *t = table(cls, c);
    uint8_t pl[120];
    for (int i = 0; i < 8; i++) {
        for (size_t k = 0; k < sizeof(pl); k++)
            pl[k] = (uint8_t)(k * 73 + (size_t)i * 151 + 19);
        int back = i & 1;
        feed_udp4(t, (uint64_t)i + 1, 1600000000000000LL + i * 1000,
                  back ? "198.51.100.2" : "192.0.2.1", back ? 40001 : 40000,
                  back ? "192.0.2.1" : "198.51.100.2", back ? 40000 : 40001,
                  pl, sizeof(pl));
    }
    /* the same exchange in a table without a classifier: all names "" */
    sink_ctx *c0 = sink_new(0);
    dis_flowtab *t0 = table(NULL, c0);
    feed_udp4(t0, 1, 1600000000000000LL, "192.0.2.1", 40000, "198.51.100.2",
              40001, pl, sizeof(pl));
    TU_CHECK_INT(dis_flowtab_flush_all(t, "eof"), 0);
    TU_CHECK_INT(dis_flowtab_flush_all(t0, "eof"), 0);
    dis_flowtab_free(t);
    dis_flowtab_free(t0);
    TU_CHECK_INT(c->n, 1);
    TU_CHECK_INT(c->null_names + c0->null_names + c->store_errors, 0);
    if (c->n == 1) {
        const rec *r = &c->r[0];
        TU_CHECK_STR(r->app, "Unknown");
        TU_CHECK_STR(r->master, "");
        TU_CHECK_STR(r->cat, "Unspecified");
        TU_CHECK_STR(r->conf, "Unknown");
        TU_CHECK_STR(r->sni, "");
        TU_CHECK_STR(r->host, "");
    }
    char b[512];
    TU_CHECK_STR(qall(rpt_store_db(c->st),
                      "SELECT app_proto, master_proto, category, confidence, "
                      "ndpi_host FROM flows", b, sizeof(b)),
                 "Unknown|NULL|Unspecified|Unknown|NULL");
    TU_CHECK_INT(c0->n, 1);
    if (c0->n == 1) {
        const rec *r = &c0->r[0];
        TU_CHECK(!r->app[0] && !r->master[0] && !r->cat[0] && !r->conf[0] &&
                 !r->sni[0] && !r->host[0]);
    }
    sink_free(c);
    sink_free(c0);
    dis_classifier_free(cls);
}

/* nDPI's QUIC SNI and host name are copies that outlive nDPI's flow state
 * (freed as soon as detection ends) and reach the sink and the store.  The
 * SNIs are the ones tshark reads from the same ClientHellos:
 * quic-29.pcap frame 1 "localhost", quic_0RTT.pcap frame 1 "abcd". */
/* Per packet of quic_case: the client flow seen with nDPI finished. */
typedef struct quic_seen {
    uint16_t cport;
    int done_early;
} quic_seen;

static void quic_after_packet(void *ctx, const dis_flow *f)
{
    quic_seen *q = ctx;
    if (f && f->cli_port == q->cport && f->ndpi_done && !f->ndpi)
        q->done_early = 1;   /* nDPI's state is gone, the copies remain */
}

static void quic_case(const char *path, uint16_t cport, uint16_t sport,
                      const char *sni, const char *want_db)
{
    char err[256];
    dis_classifier *cls = dis_classifier_new(NULL, err, sizeof(err));
    TU_CHECK(cls != NULL);
    if (!cls)
        return;
    sink_ctx *c = sink_new(1);
    dis_flowtab *t = table(cls, c);
    quic_seen q = { cport, 0 };
    int fed = tu_feed_capture(t, path, quic_after_packet, &q);
    TU_CHECK_INT(dis_flowtab_flush_all(t, "eof"), 0);
    dis_flowtab_free(t);
    if (fed < 0) {
        sink_free(c);
        dis_classifier_free(cls);
        return;
    }
    TU_CHECK(q.done_early);
    const rec *r = find_rec(c, cport, sport);
    TU_CHECK(r != NULL);
    if (r) {
        TU_CHECK_STR(r->app, "QUIC");
        TU_CHECK_STR(r->sni, sni);
        TU_CHECK_STR(r->host, sni);
    }
    TU_CHECK_INT(c->store_errors, 0);
    char b[1024];
    TU_CHECK_STR(qall(rpt_store_db(c->st),
                      "SELECT f.src_port, f.app_proto, f.ndpi_host, "
                      "ifnull(group_concat(n.name || '/' || n.source), '') "
                      "FROM flows f LEFT JOIN flow_names n ON n.flow_id = "
                      "f.id GROUP BY f.id ORDER BY f.flow_seq",
                      b, sizeof(b)),
                 want_db);
    sink_free(c);
    dis_classifier_free(cls);
}

TU_TEST(quic_sni_and_ndpi_host_reach_sink)
{
    quic_case("pcaps/quic-29.pcap", 36588, 443, "localhost",
              "36588|QUIC|localhost|localhost/quic");
    /* flow 2: nDPI names Google by address, no host; our own QUIC parser
     * still finds the SNI. */
    quic_case("pcaps/quic_0RTT.pcap", 60459, 4443, "abcd",
              "60459|QUIC|abcd|abcd/quic; "
              "51972|Google|NULL|ssl.gstatic.com/quic");
}

/* ---- DNS ------------------------------------------------------------------- */

static char q253[254], t253[254];

static void check_longest(const dis_flow *f)
{
    const dis_flow_dns *d = f->dns;
    TU_CHECK(d->have_query);
    TU_CHECK_STR(d->query, q253);
    TU_CHECK_INT(d->n_ans, 2);
    if (d->n_ans != 2)
        return;
    TU_CHECK_STR(d->ans[0].query, q253);
    TU_CHECK_STR(d->ans[0].name, q253);
    TU_CHECK_STR(d->ans[0].data, t253);
    TU_CHECK_INT(d->ans[0].rtype, 5);
    TU_CHECK_INT(d->ans[0].ttl, 3600);
    TU_CHECK_STR(d->ans[1].query, q253);
    TU_CHECK_STR(d->ans[1].name, t253);
    TU_CHECK_STR(d->ans[1].data, "192.0.2.7");
    TU_CHECK_INT(d->ans[1].rtype, 1);
    TU_CHECK_INT(d->ans[1].qtype, 1);
    TU_CHECK_INT(d->ans[1].frame, 2);
}

/* Names of the longest length DNS allows (253 characters, 255 octets on
 * the wire) are kept whole in the flow and in the store. */
TU_TEST(dns_longest_names_kept_exactly)
{
    long_name(q253, 253, 'q');
    long_name(t253, 253, 't');
    TU_CHECK_INT(strlen(q253), 253);
    msg m;
    m.n = 0;
    /* the query */
    put16(&m, 0x4242);
    put16(&m, 0x0100);
    put16(&m, 1);
    put16(&m, 0);
    put16(&m, 0);
    put16(&m, 0);
    put_name(&m, q253);
    put16(&m, 1);
    put16(&m, 1);
    TU_CHECK_INT(m.n, 12 + 255 + 4);  /* the wire name is 255 octets */
    sink_ctx *c = sink_new(1);
    c->dns_check = check_longest;
    dis_flowtab *t = table(NULL, c);
    feed_udp4(t, 1, 1600000000000000LL, "192.0.2.1", 53000, "192.0.2.53", 53,
              m.b, m.n);
    /* the answer: CNAME q253 -> t253, A t253 192.0.2.7 */
    size_t qoff = begin_resp(&m, q253, 2);
    put_ptr(&m, qoff);
    rr_fixed(&m, 5, 3600, 255);
    size_t toff = put_name(&m, t253);
    put_ptr(&m, toff);
    rr_fixed(&m, 1, 60, 4);
    static const uint8_t a[4] = { 192, 0, 2, 7 };
    memcpy(m.b + m.n, a, 4);
    m.n += 4;
    feed_udp4(t, 2, 1600000000001000LL, "192.0.2.53", 53, "192.0.2.1", 53000,
              m.b, m.n);
    TU_CHECK_INT(dis_flowtab_flush_all(t, "eof"), 0);
    dis_flowtab_free(t);
    TU_CHECK(c->dns_check == NULL);   /* the check ran */
    TU_CHECK_INT(c->store_errors, 0);
    char b[4096], want[4096];
    snprintf(want, sizeof(want), "%s|1|0", q253);
    TU_CHECK_STR(qall(rpt_store_db(c->st),
                      "SELECT query, qtype, rcode FROM dns", b, sizeof(b)),
                 want);
    snprintf(want, sizeof(want),
             "2|%s|%s|5|3600|%s; 2|%s|%s|1|60|192.0.2.7", q253, q253, t253,
             q253, t253);
    TU_CHECK_STR(qall(rpt_store_db(c->st),
                      "SELECT frame, query, name, rtype, ttl, data FROM "
                      "dns_answers ORDER BY id", b, sizeof(b)),
                 want);
    sink_free(c);
}

/* The log keeps the first DIS_FLOW_MAX_DNS_ANS answers of a flow and counts
 * the rest; every answer keeps the question of its own message. */
TU_TEST(dns_answer_cap_and_per_answer_query)
{
    sink_ctx *c = sink_new(1);
    dis_flowtab *t = table(NULL, c);
    msg m;
    for (int k = 0; k < 9; k++) {          /* 9 x 32 = 288 answers */
        char qn[32];
        snprintf(qn, sizeof(qn), "q%d.example.net", k);
        size_t qoff = begin_resp(&m, qn, 32);
        for (int i = 0; i < 32; i++) {
            put_ptr(&m, qoff);
            rr_fixed(&m, 1, (uint32_t)(k * 100 + i), 4);
            m.b[m.n++] = 10;
            m.b[m.n++] = 0;
            m.b[m.n++] = (uint8_t)k;
            m.b[m.n++] = (uint8_t)i;
        }
        feed_udp4(t, (uint64_t)k + 1, 1600000000000000LL + k, "192.0.2.53",
                  53, "192.0.2.1", 53001, m.b, m.n);
    }
    TU_CHECK_INT(dis_flowtab_flush_all(t, "eof"), 0);
    dis_flowtab_free(t);
    TU_CHECK_INT(c->n, 1);
    if (c->n == 1) {
        TU_CHECK_INT(c->r[0].n_ans, DIS_FLOW_MAX_DNS_ANS);
        TU_CHECK_INT(c->r[0].ans_dropped, 288 - DIS_FLOW_MAX_DNS_ANS);
    }
    char b[512];
    sqlite3 *db = rpt_store_db(c->st);
    TU_CHECK_STR(qall(db, "SELECT count(*), count(DISTINCT query) FROM "
                          "dns_answers", b, sizeof(b)),
                 "256|8");
    TU_CHECK_STR(qall(db, "SELECT frame, query, name, ttl, data FROM "
                          "dns_answers ORDER BY id DESC LIMIT 1",
                      b, sizeof(b)),
                 "8|q7.example.net|q7.example.net|731|10.0.7.31");
    TU_CHECK_STR(qall(db, "SELECT query FROM dns", b, sizeof(b)),
                 "q0.example.net");
    sink_free(c);
}

int main(void)
{
    TU_RUN(new_flow_names_are_empty_not_null);
    TU_RUN(names_empty_until_classified);
    TU_RUN(unclassified_flow_names);
    TU_RUN(quic_sni_and_ndpi_host_reach_sink);
    TU_RUN(dns_longest_names_kept_exactly);
    TU_RUN(dns_answer_cap_and_per_answer_query);
    return tu_finish();
}

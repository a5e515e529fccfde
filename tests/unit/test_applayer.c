/* test_applayer.c - the DNS name cache of dissect/applayer.c: CNAME chains,
 * IPv6, answers arriving after a flow started, slot replacement, and the
 * hostname order of dis_flow_hostname().
 *
 * DNS responses are built here with a small writer (RFC 1035 4.1 layout,
 * no compression) and handed to dis_applayer_packet() as the server side of
 * a UDP port-53 flow, exactly as the flow table does.
 */
#include "tests/unit/tu.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/applayer.h"
#include "dissect/flow.h"

typedef struct msgbuf {
    uint8_t b[1500];
    size_t n;
} msgbuf;

static void put16(msgbuf *m, unsigned v)
{
    m->b[m->n++] = (uint8_t)(v >> 8);
    m->b[m->n++] = (uint8_t)v;
}

static void put32(msgbuf *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

static void put_name(msgbuf *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m->b[m->n++] = (uint8_t)l;
        memcpy(m->b + m->n, name, l);
        m->n += l;
        name += l + (dot ? 1 : 0);
    }
    m->b[m->n++] = 0;
}

/* Header of a response with one question and an answers. */
static void begin(msgbuf *m, const char *qname, unsigned qtype, unsigned an)
{
    m->n = 0;
    put16(m, 0x1234);
    put16(m, 0x8180); /* response, RD, RA, NOERROR */
    put16(m, 1);
    put16(m, an);
    put16(m, 0);
    put16(m, 0);
    put_name(m, qname);
    put16(m, qtype);
    put16(m, 1);
}

static void rr_cname(msgbuf *m, const char *owner, const char *target)
{
    put_name(m, owner);
    put16(m, 5);
    put16(m, 1);
    put32(m, 300);
    size_t at = m->n;
    put16(m, 0);
    size_t start = m->n;
    put_name(m, target);
    size_t l = m->n - start;
    m->b[at] = (uint8_t)(l >> 8);
    m->b[at + 1] = (uint8_t)l;
}

static void rr_addr(msgbuf *m, const char *owner, const char *addr)
{
    uint8_t a[16];
    int v6 = strchr(addr, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, a) != 1)
        abort();
    put_name(m, owner);
    put16(m, v6 ? 28 : 1);
    put16(m, 1);
    put32(m, 60);
    put16(m, v6 ? 16 : 4);
    memcpy(m->b + m->n, a, v6 ? 16 : 4);
    m->n += v6 ? 16 : 4;
}

static dis_flow *new_flow(int ipver, const char *srv, uint16_t sport,
                          uint8_t l4)
{
    dis_flow *f = dis_flow_new();
    if (!f)
        abort();
    f->ipver = (uint8_t)ipver;
    f->l4 = l4;
    inet_pton(ipver == 6 ? AF_INET6 : AF_INET, ipver == 6 ? "2001:db8::10"
              : "192.168.1.10", f->cli_ip);
    inet_pton(ipver == 6 ? AF_INET6 : AF_INET, srv, f->srv_ip);
    f->cli_port = 50000;
    f->srv_port = sport;
    return f;
}

/* Deliver m as the resolver's answer (server -> client) in frame `frame`. */
static void answer(dis_applayer *a, dis_flow *dnsf, const msgbuf *m,
                   uint64_t frame)
{
    dis_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = frame;
    p.ts_us = (int64_t)frame * 1000;
    p.ipver = dnsf->ipver;
    p.l4 = 17;
    p.payload = m->b;
    p.payload_len = m->n;
    TU_CHECK_INT(dis_applayer_packet(a, dnsf, &p, 1), 0);
}

static void chain_is(const dis_name_chain *c, const char **want, int n)
{
    TU_CHECK(c != NULL);
    if (!c)
        return;
    TU_CHECK_INT(c->n, n);
    for (int i = 0; i < n && i < c->n; i++)
        TU_CHECK_STR(dis_name_chain_at(c, i), want[i]);
    TU_CHECK(dis_name_chain_at(c, n) == NULL);
}

TU_TEST(cname_chain_kept_in_order)
{
    dis_applayer *a = dis_applayer_new();
    dis_flow *dnsf = new_flow(4, "192.168.1.1", 53, 17);
    msgbuf m;
    /* Answers deliberately out of chain order. */
    begin(&m, "www.example.com", 1, 3);
    rr_addr(&m, "e1.cdn.example.net", "192.0.2.7");
    rr_cname(&m, "edge.example.org", "e1.cdn.example.net");
    rr_cname(&m, "www.example.com", "edge.example.org");
    answer(a, dnsf, &m, 5);

    dis_flow *f = new_flow(4, "192.0.2.7", 443, 6);
    dis_applayer_flow_start(a, f);
    const char *want[] = { "www.example.com", "edge.example.org",
                           "e1.cdn.example.net" };
    chain_is(f->dns_names[1], want, 3);
    TU_CHECK(f->dns_names[1] && f->dns_names[1]->frame == 5);
    TU_CHECK(f->dns_names[0] == NULL); /* the client address has no name */

    const char *src;
    char buf[256];
    TU_CHECK_STR(dis_flow_hostname(f, &src, buf, sizeof buf),
                 "www.example.com");
    TU_CHECK_STR(src, "dns");
    dis_flow_free(f);
    dis_flow_free(dnsf);
    dis_applayer_free(a);
}

TU_TEST(ipv6_answer)
{
    dis_applayer *a = dis_applayer_new();
    dis_flow *dnsf = new_flow(6, "2001:db8::53", 53, 17);
    msgbuf m;
    begin(&m, "v6.example.com", 28, 1);
    rr_addr(&m, "v6.example.com", "2001:db8:aa::1");
    answer(a, dnsf, &m, 9);
    dis_flow *f = new_flow(6, "2001:db8:aa::1", 443, 6);
    dis_applayer_flow_start(a, f);
    const char *want[] = { "v6.example.com" };
    chain_is(f->dns_names[1], want, 1);
    dis_flow_free(f);
    dis_flow_free(dnsf);
    dis_applayer_free(a);
}

/* A flow keeps what was known when it started: a later answer for its
 * address neither names it nor renames it; the next flow gets the new one. */
TU_TEST(answer_after_flow_start)
{
    dis_applayer *a = dis_applayer_new();
    dis_flow *dnsf = new_flow(4, "192.168.1.1", 53, 17);
    dis_flow *early = new_flow(4, "198.51.100.4", 443, 6);
    dis_applayer_flow_start(a, early);
    msgbuf m;
    begin(&m, "late.example.com", 1, 1);
    rr_addr(&m, "late.example.com", "198.51.100.4");
    answer(a, dnsf, &m, 20);
    TU_CHECK(early->dns_names[1] == NULL);

    dis_flow *later = new_flow(4, "198.51.100.4", 443, 6);
    dis_applayer_flow_start(a, later);
    const char *want[] = { "late.example.com" };
    chain_is(later->dns_names[1], want, 1);

    begin(&m, "newer.example.com", 1, 1);
    rr_addr(&m, "newer.example.com", "198.51.100.4");
    answer(a, dnsf, &m, 30);
    const char *still[] = { "late.example.com" };
    chain_is(later->dns_names[1], still, 1);
    dis_flow *last = new_flow(4, "198.51.100.4", 443, 6);
    dis_applayer_flow_start(a, last);
    const char *newest[] = { "newer.example.com" };
    chain_is(last->dns_names[1], newest, 1);
    TU_CHECK(last->dns_names[1] && last->dns_names[1]->frame == 30);
    dis_flow_free(early);
    dis_flow_free(later);
    dis_flow_free(last);
    dis_flow_free(dnsf);
    dis_applayer_free(a);
}

/* A CNAME loop must end (each record used once) and still put the question
 * first. */
TU_TEST(cname_loop_bounded)
{
    dis_applayer *a = dis_applayer_new();
    dis_flow *dnsf = new_flow(4, "192.168.1.1", 53, 17);
    msgbuf m;
    begin(&m, "q.example", 1, 3);
    rr_cname(&m, "x.example", "y.example");
    rr_cname(&m, "y.example", "x.example");
    rr_addr(&m, "x.example", "203.0.113.9");
    answer(a, dnsf, &m, 3);
    dis_flow *f = new_flow(4, "203.0.113.9", 80, 6);
    dis_applayer_flow_start(a, f);
    const char *want[] = { "q.example", "x.example", "y.example",
                           "x.example" };
    chain_is(f->dns_names[1], want, 4);
    dis_flow_free(f);
    dis_flow_free(dnsf);
    dis_applayer_free(a);
}

/* SNI outranks DNS; without either, no name. */
/* HTTP/1.1 keep-alive: requests and responses alternate on one TCP flow.
 * The transaction array grows with the requests (1, 2, 4, ... entries) and
 * stops at DIS_FLOW_MAX_HTTP; each request keeps its own frame, URI and
 * response. */
TU_TEST(http_requests_grow_to_cap)
{
    dis_applayer *a = dis_applayer_new();
    dis_flow *f = new_flow(4, "192.0.2.80", 80, 6);
    char buf[256];
    for (int k = 0; k < DIS_FLOW_MAX_HTTP + 4; k++) {
        for (int dir = 0; dir < 2; dir++) {
            dis_pkt p;
            memset(&p, 0, sizeof p);
            p.frame = (uint64_t)(2 * k + 1 + dir);
            p.ts_us = (int64_t)p.frame * 1000;
            p.ipver = 4;
            p.l4 = 6;
            p.seq = 1000u + (uint32_t)k * 100u;
            int n = dir == 0
                ? snprintf(buf, sizeof buf, "GET /r%d HTTP/1.1\r\nHost: "
                           "www.example.com\r\n\r\n", k)
                : snprintf(buf, sizeof buf, "HTTP/1.1 %d OK\r\n"
                           "Content-Length: 0\r\n\r\n", 200 + k);
            p.payload = (const uint8_t *)buf;
            p.payload_len = (size_t)n;
            TU_CHECK_INT(dis_applayer_packet(a, f, &p, dir), 0);
        }
    }
    TU_CHECK_INT(f->n_http, DIS_FLOW_MAX_HTTP);
    for (int k = 0; k < f->n_http; k++) {
        char want[32];
        snprintf(want, sizeof want, "/r%d", k);
        TU_CHECK_STR(f->http[k].req.uri, want);
        TU_CHECK_STR(f->http[k].req.host, "www.example.com");
        TU_CHECK_INT(f->http[k].frame, 2 * k + 1);
        TU_CHECK_INT(f->http[k].have_resp, 1);
        TU_CHECK_INT(f->http[k].resp_frame, 2 * k + 2);
        TU_CHECK_INT(f->http[k].resp.status, 200 + k);
    }
    dis_flow_free(f);
    dis_applayer_free(a);
}

TU_TEST(hostname_without_names)
{
    dis_applayer *a = dis_applayer_new();
    dis_flow *f = new_flow(4, "203.0.113.50", 443, 6);
    dis_applayer_flow_start(a, f);
    const char *src = "x";
    char buf[64];
    TU_CHECK(dis_flow_hostname(f, &src, buf, sizeof buf) == NULL);
    TU_CHECK(src == NULL);
    dis_flow_free(f);
    dis_applayer_free(a);
}

int main(void)
{
    TU_RUN(cname_chain_kept_in_order);
    TU_RUN(ipv6_answer);
    TU_RUN(answer_after_flow_start);
    TU_RUN(cname_loop_bounded);
    TU_RUN(hostname_without_names);
    TU_RUN(http_requests_grow_to_cap);
    return tu_finish();
}

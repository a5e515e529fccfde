/* store_render.c - a flow written down as the rows of the evidence store
 * (rpt_store_render), and two encodings those rows use: the Community ID
 * of a flow (Community ID Flow Hashing, v1) and RFC 3339 timestamps.
 *
 * Invariants
 * ----------
 * - Rendering reads the flow and nothing else that changes: no database,
 *   no shared state (a thread's caches are its own), so any thread may
 *   render while another stores (capture/pipeline.c renders on the packet
 *   thread and on the writer at once).  report/store.c inserts the rows in
 *   the order they were written down.
 * - Empty text is stored as NULL.
 * - The Community ID is the specification's: endpoints in canonical order
 *   (ICMP types with a request/response counterpart stand in for ports),
 *   SHA-1 by OpenSSL through dis_digest(), base64 by OpenSSL.
 */
#define _DEFAULT_SOURCE
#include "store.h"
#include "attrib.h"
#include "store_tls.h"
#include "store_clear.h"

#include "../dissect/applayer.h"
#include "../dissect/classify.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Empty text is stored as NULL. */
void rpt_store_render(rpt_rows *r, const dis_flow *f)
{
    char cid[64], sip[64], dip[64], pbuf[8], risks[4096];
    const char *src;
    char hbuf[DIS_DNS_NAME_MAX];
    const char *host = dis_flow_hostname(f, &src, hbuf, sizeof(hbuf));
    rpt_community_id(f, cid, sizeof(cid));
    dis_classify_risks_json(f->risk, risks, sizeof(risks));
    const dis_dir *ts = &f->d[0], *tc = &f->d[1];
    /* The flow's first/last frame and the capture times of those frames. */
    const dis_dir *fd = !tc->pkts ? ts : !ts->pkts ? tc
                        : tc->first_frame < ts->first_frame ? tc : ts;
    const dis_dir *ld = !tc->pkts ? ts : !ts->pkts ? tc
                        : tc->last_frame > ts->last_frame ? tc : ts;
    uint64_t first = fd->first_frame, last = ld->last_frame;
    int64_t fts = fd->first_ts, lts = ld->last_ts;
    int ports = f->l4 == 6 || f->l4 == 17 || f->l4 == 132;

    rpt_rows_row(r, RPT_ROW_FLOW);
    rpt_rows_input_id(r, 1);
    rpt_rows_int(r, 2, (int64_t)f->seq);
    rpt_rows_text_nz(r, 3, cid);
    rpt_rows_text_nz(r, 4, dis_l4_name(f->l4, pbuf, sizeof(pbuf)));
    rpt_rows_int(r, 5, f->ipver);
    rpt_rows_int(r, 6, f->vlan);
    rpt_rows_text_nz(r, 7, dis_addr_str(f->ipver, f->cli_ip, sip, sizeof(sip)));
    if (ports)
        rpt_rows_int(r, 8, f->cli_port);
    rpt_rows_text_nz(r, 9, dis_addr_str(f->ipver, f->srv_ip, dip, sizeof(dip)));
    if (ports)
        rpt_rows_int(r, 10, f->srv_port);
    rpt_rows_int(r, 11, (int64_t)first);
    rpt_rows_int(r, 12, (int64_t)last);
    rpt_rows_int(r, 13, fts);
    rpt_rows_int(r, 14, lts);
    rpt_rows_int(r, 15, (int64_t)ts->pkts);
    rpt_rows_int(r, 16, (int64_t)tc->pkts);
    rpt_rows_int(r, 17, (int64_t)ts->bytes);
    rpt_rows_int(r, 18, (int64_t)tc->bytes);
    rpt_rows_text_nz(r, 19, f->app_proto);
    rpt_rows_text_nz(r, 20, f->master_proto);
    rpt_rows_text_nz(r, 21, f->category);
    rpt_rows_text_nz(r, 22, f->confidence);
    rpt_rows_text_nz(r, 23, risks);
    rpt_rows_text_nz(r, 24, host);
    rpt_rows_text_nz(r, 25, host ? src : NULL);
    rpt_rows_text_nz(r, 26, f->ndpi_host);
    rpt_rows_text_nz(r, 27, f->end_reason);
    if (f->l4 == 1 || f->l4 == 58) {
        rpt_rows_int(r, 28, f->icmp_type);
        rpt_rows_int(r, 29, f->icmp_code);
    }

    if (f->tls)
        rpt_tls_render(r, dis_tls_get(f->tls));
    rpt_clear_render(r, f);
    rpt_tls_render_ndpi(r, f->ndpi_ja3, f->ndpi_ja3s);
    dis_flow_name nm[RPT_MAX_NAMES];
    char cn[DIS_DNS_NAME_MAX];
    int nn = dis_flow_names(f, nm, RPT_MAX_NAMES, cn, sizeof cn);
    for (int i = 0; i < nn; i++) {
        rpt_rows_row(r, RPT_ROW_NAME);
        rpt_rows_flow_id(r, 1);
        rpt_rows_input_id(r, 2);
        rpt_rows_int(r, 3, i);
        rpt_rows_text_nz(r, 4, nm[i].name);
        rpt_rows_text_nz(r, 5, nm[i].source);
        if (nm[i].frame)
            rpt_rows_int(r, 6, (int64_t)nm[i].frame);
    }
    /* Name coverage: TCP/UDP flows to public addresses, DNS itself left
     * out (its server is the resolver, whose name nobody asks for; nDPI
     * reports the query there, which would inflate its count). */
    if ((f->l4 == 6 || f->l4 == 17) && f->srv_port != 53 &&
        f->srv_port != 5353 && f->srv_port != 5355 &&
        rpt_addr_scope(f->ipver, f->srv_ip) == RPT_SCOPE_PUBLIC) {
        r->cov_counted = 1;
        r->cov_bytes_toserver = ts->bytes;
        r->cov_ndpi_named = f->ndpi_host[0] != 0;
        r->cov_named = nn > 0;
    }
    if (f->dns && (f->dns->have_query || f->dns->n_ans)) {
        rpt_rows_row(r, RPT_ROW_DNS);
        rpt_rows_flow_id(r, 1);
        rpt_rows_text_nz(r, 2, f->dns->have_query ? f->dns->query : NULL);
        if (f->dns->have_query)
            rpt_rows_int(r, 3, f->dns->qtype);
        if (f->dns->have_rcode)
            rpt_rows_int(r, 4, f->dns->rcode);
        for (int i = 0; i < f->dns->n_ans; i++) {
            const dis_dns_ans *a = &f->dns->ans[i];
            rpt_rows_row(r, RPT_ROW_DNS_ANS);
            rpt_rows_flow_id(r, 1);
            rpt_rows_input_id(r, 2);
            rpt_rows_int(r, 3, (int64_t)a->frame);
            rpt_rows_int(r, 4, a->ts_us);
            rpt_rows_text(r, 5, a->query);
            rpt_rows_int(r, 6, a->qtype);
            rpt_rows_int(r, 7, a->rcode);
            rpt_rows_text(r, 8, a->name);
            rpt_rows_int(r, 9, a->rtype);
            rpt_rows_int(r, 10, a->ttl);
            rpt_rows_text(r, 11, a->data);
        }
    }
    for (int i = 0; i < f->n_http; i++) {
        const dis_http_txn *t = &f->http[i];
        rpt_rows_row(r, RPT_ROW_HTTP);
        rpt_rows_flow_id(r, 1);
        rpt_rows_input_id(r, 2);
        rpt_rows_int(r, 3, (int64_t)t->frame);
        rpt_rows_int(r, 4, t->ts_us);
        rpt_rows_text_nz(r, 5, t->req.method);
        rpt_rows_text_nz(r, 6, t->req.host);
        rpt_rows_text_nz(r, 7, t->req.uri);
        rpt_rows_text_nz(r, 8, t->req.version);
        rpt_rows_text_nz(r, 9, t->req.user_agent);
        rpt_rows_text_nz(r, 10, t->req.content_type);
        if (t->req.content_length >= 0)
            rpt_rows_int(r, 11, t->req.content_length);
        if (t->have_resp) {
            rpt_rows_int(r, 12, t->resp.status);
            rpt_rows_int(r, 13, (int64_t)t->resp_frame);
            rpt_rows_text_nz(r, 14, t->resp.content_type);
            rpt_rows_text_nz(r, 15, t->resp.server);
        }
    }
}


/* Community ID v1: ICMP types with a request/response counterpart. */
static int icmp_counterpart(int v6, uint8_t type, uint8_t *peer)
{
    static const uint8_t v4[][2] = { { 8, 0 }, { 0, 8 }, { 13, 14 },
                                     { 14, 13 }, { 15, 16 }, { 16, 15 },
                                     { 10, 9 }, { 9, 10 }, { 17, 18 },
                                     { 18, 17 } };
    static const uint8_t v6t[][2] = { { 128, 129 }, { 129, 128 },
                                      { 133, 134 }, { 134, 133 },
                                      { 135, 136 }, { 136, 135 },
                                      { 130, 131 }, { 131, 130 },
                                      { 139, 140 }, { 140, 139 },
                                      { 144, 145 }, { 145, 144 } };
    const uint8_t(*t)[2] = v6 ? v6t : v4;
    size_t n = v6 ? sizeof(v6t) / 2 : sizeof(v4) / 2;
    for (size_t i = 0; i < n; i++)
        if (t[i][0] == type) {
            *peer = t[i][1];
            return 1;
        }
    return 0;
}

void rpt_community_id(const dis_flow *f, char *out, size_t len)
{
    size_t alen = f->ipver == 6 ? 16 : 4;
    const uint8_t *a = f->cli_ip, *b = f->srv_ip;
    uint16_t ap = f->cli_port, bp = f->srv_port;
    int ports = f->l4 == 6 || f->l4 == 17 || f->l4 == 132;
    int one_way = 0;
    if (f->l4 == 1 || f->l4 == 58) {
        uint8_t peer;
        ports = 1;
        /* icmp_type is the flow's first message: pair it with its sender,
         * the server when the server's first frame came first. */
        if (f->d[1].pkts &&
            (!f->d[0].pkts || f->d[1].first_frame < f->d[0].first_frame)) {
            a = f->srv_ip;
            b = f->cli_ip;
        }
        ap = f->icmp_type;
        if (icmp_counterpart(f->l4 == 58, f->icmp_type, &peer))
            bp = peer;
        else {
            bp = f->icmp_code;
            one_way = 1;
        }
    }
    if (!one_way) {
        int c = memcmp(a, b, alen);
        if (c > 0 || (c == 0 && ports && ap > bp)) {
            const uint8_t *tp = a;
            a = b;
            b = tp;
            uint16_t t = ap;
            ap = bp;
            bp = t;
        }
    }
    uint8_t buf[2 + 32 + 2 + 4];
    size_t o = 0;
    buf[o++] = 0; /* seed 0, big-endian */
    buf[o++] = 0;
    memcpy(buf + o, a, alen);
    o += alen;
    memcpy(buf + o, b, alen);
    o += alen;
    buf[o++] = f->l4;
    buf[o++] = 0;
    if (ports) {
        buf[o++] = (uint8_t)(ap >> 8);
        buf[o++] = (uint8_t)ap;
        buf[o++] = (uint8_t)(bp >> 8);
        buf[o++] = (uint8_t)bp;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned char b64[64];
    if (dis_digest(DIS_MD_SHA1, buf, o, md, &mdlen) < 0) {
        snprintf(out, len, "%s", "");
        return;
    }
    EVP_EncodeBlock(b64, md, (int)mdlen);
    snprintf(out, len, "1:%s", (const char *)b64);
}

void rpt_fmt_ts(int64_t us, char *out, size_t len)
{
    int64_t sec = us / 1000000, frac = us % 1000000;
    if (frac < 0) { /* C truncates toward zero: floor instead */
        frac += 1000000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%06lldZ", base, (long long)frac);
}

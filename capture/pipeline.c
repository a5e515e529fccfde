/* pipeline.c - one input's packet pipeline, shared by `analyze` and `capture`.
 *
 * Invariants
 * ----------
 * - Frame numbers start at 1 for every input and count every record handed
 *   in, decodable or not, exactly as Wireshark numbers a file's frames; so a
 *   live capture written to a pcap and that pcap analysed later give the
 *   same frame numbers, flows and rows.
 * - Every frame is either an IP packet accounted to a flow or counted as
 *   skipped (malformed ones also as malformed); nothing is dropped silently.
 * - The observer sees each flow at most once as SEEN (while open) and
 *   exactly once as END (just before the store gets it).  Looking for an
 *   early name costs at most CAP_PIPE_NAME_PKTS calls of dis_flow_hostname()
 *   per flow; a bit per flow (by its creation number) remembers which flows
 *   were reported, so memory is one bit per flow of the input.
 * - Early names need the flow table to say which flow the last packet went
 *   to (dis_flowtab_last(), announced by DIS_FLOWTAB_HAS_LAST in flow.h).
 *   Without it flows are reported only when they end.
 */
#define _DEFAULT_SOURCE
#include "pipeline.h"

#include "../dissect/applayer.h"
#include "../dissect/decode.h"

#include <stdlib.h>
#include <string.h>

struct cap_pipeline {
    rpt_store *st;
    dis_flowtab *ft;
    int64_t id;
    int dlt;
    rpt_input_end e;
    uint64_t ended;           /* flows handed to the sink */
    cap_flow_fn obs;
    void *obs_ctx;
    uint64_t *seen;           /* bit per flow seq: SEEN reported */
    size_t seen_words;
};

static int sink(void *ctx, dis_flow *f)
{
    cap_pipeline *pl = ctx;
    pl->ended++;
    if (pl->obs) {
        char buf[DIS_DNS_NAME_MAX];
        const char *src = NULL;
        const char *name = dis_flow_hostname(f, &src, buf, sizeof(buf));
        pl->obs(pl->obs_ctx, CAP_FLOW_END, f, name, name ? src : NULL);
    }
    return rpt_store_flow(pl->st, pl->id, f);
}

int cap_pipeline_begin(rpt_store *st, dis_classifier *cls,
                       const dis_flow_opts *fo, const rpt_input_meta *m,
                       int dlt, cap_pipeline **out)
{
    *out = NULL;
    cap_pipeline *pl = calloc(1, sizeof(*pl));
    if (!pl)
        return CAP_PIPE_ENOMEM;
    pl->st = st;
    pl->dlt = dlt;
    pl->e.status = "complete";
    if (rpt_store_input_begin(st, m, &pl->id) != 0) {
        free(pl);
        return CAP_PIPE_ESTORE;
    }
    pl->ft = dis_flowtab_new(fo, cls, sink, pl);
    if (!pl->ft) {
        free(pl);
        return CAP_PIPE_ENOMEM;
    }
    *out = pl;
    return CAP_PIPE_OK;
}

void cap_pipeline_observe(cap_pipeline *pl, cap_flow_fn fn, void *ctx)
{
    pl->obs = fn;
    pl->obs_ctx = ctx;
}

int64_t cap_pipeline_input_id(const cap_pipeline *pl)
{
    return pl->id;
}

#ifdef DIS_FLOWTAB_HAS_LAST
/* Mark flow seq as reported; 1 if it already was, -1 when memory ran out
 * (then the flow is simply reported when it ends). */
static int seen_test_set(cap_pipeline *pl, uint64_t seq)
{
    size_t w = (size_t)(seq / 64);
    if (w >= pl->seen_words) {
        size_t n = pl->seen_words ? pl->seen_words : 64;
        while (n <= w)
            n *= 2;
        uint64_t *p = realloc(pl->seen, n * sizeof(*p));
        if (!p)
            return -1;
        memset(p + pl->seen_words, 0, (n - pl->seen_words) * sizeof(*p));
        pl->seen = p;
        pl->seen_words = n;
    }
    uint64_t bit = (uint64_t)1 << (seq % 64);
    int was = (pl->seen[w] & bit) != 0;
    pl->seen[w] |= bit;
    return was;
}

/* After a packet: report its flow as SEEN once it has a name, or once it
 * has carried CAP_PIPE_NAME_PKTS packets without one. */
static void notice(cap_pipeline *pl)
{
    const dis_flow *f = dis_flowtab_last(pl->ft);
    if (!f)
        return;
    uint64_t n = f->d[0].pkts + f->d[1].pkts;
    if (n > CAP_PIPE_NAME_PKTS)
        return;
    size_t w = (size_t)(f->seq / 64);
    if (w < pl->seen_words &&
        (pl->seen[w] & ((uint64_t)1 << (f->seq % 64))))
        return;
    char buf[DIS_DNS_NAME_MAX];
    const char *src = NULL;
    const char *name = dis_flow_hostname(f, &src, buf, sizeof(buf));
    if (!name && n < CAP_PIPE_NAME_PKTS)
        return;
    if (seen_test_set(pl, f->seq) != 0)
        return;
    pl->obs(pl->obs_ctx, CAP_FLOW_SEEN, f, name, name ? src : NULL);
}
#endif

int cap_pipeline_packet(cap_pipeline *pl, const uint8_t *data, size_t caplen,
                        size_t wirelen, int64_t ts_us)
{
    rpt_input_end *e = &pl->e;
    dis_pkt p;
    e->packets++;
    if (e->packets == 1 || ts_us < e->first_ts)
        e->first_ts = ts_us;
    if (e->packets == 1 || ts_us > e->last_ts)
        e->last_ts = ts_us;
    p.frame = e->packets;
    p.ts_us = ts_us;
    int d = dis_decode(pl->dlt, data, caplen, &p);
    p.wirelen = (uint32_t)wirelen;
    if (d != DIS_OK) {
        e->skipped++;
        if (d == DIS_MALFORMED)
            e->malformed++;
        return 0;
    }
    e->ip_packets++;
    int rc = dis_flowtab_packet(pl->ft, &p);
    if (rc != 0)
        return rc;
#ifdef DIS_FLOWTAB_HAS_LAST
    if (pl->obs)
        notice(pl);
#endif
    return 0;
}

const rpt_input_end *cap_pipeline_counts(cap_pipeline *pl)
{
    dis_flow_stats fs;
    dis_flowtab_stats(pl->ft, &fs);
    pl->e.flows = fs.flows;
    pl->e.evicted = fs.evicted;
    pl->e.frag_unattributed = fs.frag_unattributed;
    return &pl->e;
}

size_t cap_pipeline_open_flows(const cap_pipeline *pl)
{
    dis_flow_stats fs;
    dis_flowtab_stats(pl->ft, &fs);
    return fs.flows > pl->ended ? (size_t)(fs.flows - pl->ended) : 0;
}

int cap_pipeline_flush(cap_pipeline *pl)
{
    return dis_flowtab_flush_all(pl->ft, "eof");
}

int cap_pipeline_end(cap_pipeline *pl, const char *status, const char *error)
{
    cap_pipeline_counts(pl);
    pl->e.status = status;
    pl->e.error = error;
    dis_flowtab_free(pl->ft);
    pl->ft = NULL;
    int rc = rpt_store_input_end(pl->st, pl->id, &pl->e);
    cap_pipeline_free(pl);
    return rc;
}

void cap_pipeline_free(cap_pipeline *pl)
{
    if (!pl)
        return;
    dis_flowtab_free(pl->ft);
    free(pl->seen);
    free(pl);
}

/* test_classify_stop.c - when nDPI's flow state is let go (classify.c):
 * never more than DIS_NDPI_AFTER_TLS packets after our own TLS dissector
 * has finished a TCP flow that nDPI has classified, the fixtures do contain
 * flows where that rule, not nDPI, ends the dissection, and on every flow of
 * every fixture nDPI's record (names, confidence, risks, host, QUIC SNI, its
 * own JA3/JA3S) is the same as when nDPI is fed until it finishes by itself.
 * (The rest of the evidence is asserted by the golden outputs of the same
 * fixtures, not regenerated for the rule.)
 */
#include "dissect/classify.h"
#include "dissect/flow.h"
#include "tests/unit/tu.h"
#include "tests/unit/feed_cap.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What nDPI left in one flow, as the sink saw it. */
typedef struct verdict {
    uint64_t seq;
    char app[64], master[64], category[64], confidence[48];
    char host[256], quic_sni[256], ja3[33], ja3s[33];
    uint64_t risk;
    uint32_t after_tls;
} verdict;

typedef struct run_ctx {
    verdict *v;
    int n, cap;
} run_ctx;

static void put(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "(null)");
}

static int sink(void *ctx, dis_flow *f)
{
    run_ctx *c = ctx;
    if (c->n == c->cap) {
        int nc = c->cap ? 2 * c->cap : 64;
        verdict *nv = realloc(c->v, (size_t)nc * sizeof(*nv));
        if (!nv)
            abort();
        c->v = nv;
        c->cap = nc;
    }
    verdict *v = &c->v[c->n++];
    v->seq = f->seq;
    put(v->app, sizeof(v->app), f->app_proto);
    put(v->master, sizeof(v->master), f->master_proto);
    put(v->category, sizeof(v->category), f->category);
    put(v->confidence, sizeof(v->confidence), f->confidence);
    put(v->host, sizeof(v->host), f->ndpi_host);
    put(v->quic_sni, sizeof(v->quic_sni), f->quic_sni);
    put(v->ja3, sizeof(v->ja3), f->ndpi_ja3);
    put(v->ja3s, sizeof(v->ja3s), f->ndpi_ja3s);
    v->risk = f->risk;
    v->after_tls = f->ndpi_after_tls;
    return 0;
}

/* Per packet: a flow that still has nDPI state although the rule should
 * have released it. */
static void after_packet(void *ctx, const dis_flow *f)
{
    int *late = ctx;
    if (f && f->ndpi && f->ndpi_after_tls > DIS_NDPI_AFTER_TLS)
        (*late)++;
}

/* One capture through the flow table into c; late (may be NULL) counts
 * the packets at which a flow still had nDPI state although the rule
 * should have released it. */
static void run(dis_classifier *cls, const char *path, run_ctx *c,
                int *late)
{
    dis_flow_opts o;
    dis_flow_opts_default(&o);
    dis_flowtab *t = dis_flowtab_new(&o, cls, sink, c);
    TU_CHECK(t != NULL);
    if (!t)
        return;
    tu_feed_capture(t, path, late ? after_packet : NULL, late);
    TU_CHECK_INT(dis_flowtab_flush_all(t, "eof"), 0);
    dis_flowtab_free(t);
}

static int by_seq(const void *a, const void *b)
{
    uint64_t x = ((const verdict *)a)->seq, y = ((const verdict *)b)->seq;
    return x < y ? -1 : x > y;
}

/* nDPI's record of every flow of rule (the rule on) equals that of free
 * (nDPI fed until it finishes); returns the flows the rule let go. */
static int compare(const char *path, run_ctx *rule, run_ctx *free_run)
{
    int let_go = 0;
    TU_CHECK_INT(rule->n, free_run->n);
    if (rule->n != free_run->n)
        return 0;
    qsort(rule->v, (size_t)rule->n, sizeof(verdict), by_seq);
    qsort(free_run->v, (size_t)free_run->n, sizeof(verdict), by_seq);
    for (int i = 0; i < rule->n; i++) {
        const verdict *a = &rule->v[i], *b = &free_run->v[i];
        if (a->after_tls > DIS_NDPI_AFTER_TLS + 1)
            TU_FAILF("%s flow %llu: nDPI fed %u packets after our TLS was "
                     "done", path, (unsigned long long)a->seq,
                     (unsigned)a->after_tls);
        if (a->after_tls == DIS_NDPI_AFTER_TLS + 1 &&
            b->after_tls > DIS_NDPI_AFTER_TLS + 1)
            let_go++;           /* nDPI alone would have gone on */
        if (a->seq != b->seq || strcmp(a->app, b->app) ||
            strcmp(a->master, b->master) ||
            strcmp(a->category, b->category) ||
            strcmp(a->confidence, b->confidence) ||
            strcmp(a->host, b->host) || strcmp(a->quic_sni, b->quic_sni) ||
            strcmp(a->ja3, b->ja3) || strcmp(a->ja3s, b->ja3s) ||
            a->risk != b->risk)
            TU_FAILF("%s flow %llu: nDPI's record differs with the rule "
                     "(%s/%s %s %s risk %llx ja3s %s) and without it "
                     "(%s/%s %s %s risk %llx ja3s %s)", path,
                     (unsigned long long)a->seq, a->master, a->app,
                     a->confidence, a->host, (unsigned long long)a->risk,
                     a->ja3s, b->master, b->app, b->confidence, b->host,
                     (unsigned long long)b->risk, b->ja3s);
    }
    return let_go;
}

TU_TEST(ndpi_let_go_after_our_tls)
{
    char err[256];
    dis_classifier *cls = dis_classifier_new(NULL, err, sizeof(err));
    dis_classifier *unruled = dis_classifier_new(NULL, err, sizeof(err));
    TU_CHECK(cls != NULL && unruled != NULL);
    dis_classifier_set_after_tls(unruled, UINT32_MAX);
    glob_t g;
    memset(&g, 0, sizeof(g));
    TU_CHECK_INT(glob("pcaps/*.pcap*", 0, NULL, &g), 0);
    int flows = 0, let_go = 0, late = 0;
    for (size_t i = 0; cls && unruled && i < g.gl_pathc; i++) {
        run_ctx a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
        run(cls, g.gl_pathv[i], &a, &late);
        run(unruled, g.gl_pathv[i], &b, NULL);
        int k = compare(g.gl_pathv[i], &a, &b);
        flows += a.n;
        let_go += k;
        if (k)
            printf("  %s: %d of %d flows let go by the rule\n",
                   g.gl_pathv[i], k, a.n);
        free(a.v);
        free(b.v);
    }
    globfree(&g);
    TU_CHECK_INT(late, 0);
    TU_CHECK(flows > 100);
    /* The fixtures have flows where nDPI's TLS reassembly is stuck: the
     * rule is exercised, not just allowed. */
    TU_CHECK(let_go > 0);
    dis_classifier_free(cls);
    dis_classifier_free(unruled);
}

int main(void)
{
    TU_RUN(ndpi_let_go_after_our_tls);
    return tu_finish();
}

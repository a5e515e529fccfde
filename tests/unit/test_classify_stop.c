/* test_classify_stop.c - when nDPI's flow state is let go (classify.c):
 * never more than DIS_NDPI_AFTER_TLS packets after our own TLS dissector
 * has finished a TCP flow that nDPI has classified, and the fixtures do
 * contain flows where that rule, not nDPI, ends the dissection.  That the
 * evidence of those flows is what it was without the rule is asserted by
 * the golden outputs of the same fixtures (tests/golden, not regenerated
 * for the rule). */
#include "dissect/classify.h"
#include "dissect/flow.h"
#include "tests/unit/tu.h"
#include "tests/unit/feed_cap.h"

#include <glob.h>
#include <stdio.h>
#include <string.h>

typedef struct counts {
    int flows;      /* flows that reached the sink */
    int by_rule;    /* released on the packet the rule allows no more */
} counts;

static int sink(void *ctx, dis_flow *f)
{
    counts *c = ctx;
    c->flows++;
    if (f->ndpi_after_tls == DIS_NDPI_AFTER_TLS + 1)
        c->by_rule++;
    if (f->ndpi_after_tls > DIS_NDPI_AFTER_TLS + 1)
        TU_FAILF("flow %llu: nDPI fed %u packets after our TLS was done",
                 (unsigned long long)f->seq, (unsigned)f->ndpi_after_tls);
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

/* One capture through the flow table; returns the packets at which a flow
 * still had nDPI state although the rule should have released it. */
static int run(dis_classifier *cls, const char *path, counts *c)
{
    dis_flow_opts o;
    dis_flow_opts_default(&o);
    dis_flowtab *t = dis_flowtab_new(&o, cls, sink, c);
    TU_CHECK(t != NULL);
    if (!t)
        return 0;
    int late = 0;
    tu_feed_capture(t, path, after_packet, &late);
    TU_CHECK_INT(dis_flowtab_flush_all(t, "eof"), 0);
    dis_flowtab_free(t);
    return late;
}

TU_TEST(ndpi_let_go_after_our_tls)
{
    char err[256];
    dis_classifier *cls = dis_classifier_new(NULL, err, sizeof(err));
    TU_CHECK(cls != NULL);
    glob_t g;
    memset(&g, 0, sizeof(g));
    TU_CHECK_INT(glob("pcaps/*.pcap*", 0, NULL, &g), 0);
    counts all = { 0, 0 };
    int late = 0;
    for (size_t i = 0; cls && i < g.gl_pathc; i++) {
        counts c = { 0, 0 };
        late += run(cls, g.gl_pathv[i], &c);
        all.flows += c.flows;
        all.by_rule += c.by_rule;
        if (c.by_rule)
            printf("  %s: %d of %d flows let go by the rule\n",
                   g.gl_pathv[i], c.by_rule, c.flows);
    }
    globfree(&g);
    TU_CHECK_INT(late, 0);
    TU_CHECK(all.flows > 100);
    /* The fixtures have flows where nDPI's TLS reassembly is stuck: the
     * rule is exercised, not just allowed. */
    TU_CHECK(all.by_rule > 0);
    dis_classifier_free(cls);
}

int main(void)
{
    TU_RUN(ndpi_let_go_after_our_tls);
    return tu_finish();
}

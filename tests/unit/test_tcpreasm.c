/* test_tcpreasm.c - unit tests for dissect/tcpreasm.c (bounded in-order TCP
 * reassembly): ordering, first-arrival overlaps, wrap-around, bounds. */
#include <stdlib.h>

#include "../../dissect/tcpreasm.h"
#include "tu.h"

/* Consumer that appends everything to a buffer; stops when told to. */
typedef struct sink {
    uint8_t buf[4096];
    size_t len;
    int calls;
    size_t stop_after;  /* finish once this many bytes arrived (0: never) */
} sink;

static int sink_fn(void *ctx, const uint8_t *p, size_t n)
{
    sink *s = ctx;
    s->calls++;
    for (size_t i = 0; i < n && s->len < sizeof(s->buf); i++)
        s->buf[s->len++] = p[i];
    return s->stop_after && s->len >= s->stop_after;
}

static int feed(dis_tcpreasm *r, sink *s, uint32_t seq, int syn,
                const char *data)
{
    return dis_tcpreasm_segment(r, seq, syn, (const uint8_t *)data,
                                data ? strlen(data) : 0, sink_fn, s);
}

static int got(const sink *s, const char *want)
{
    return s->len == strlen(want) && memcmp(s->buf, want, s->len) == 0;
}

TU_TEST(in_order_from_syn)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 0);
    TU_CHECK_INT(feed(&r, &s, 1000, 1, NULL), DIS_TCPREASM_OK);
    TU_CHECK_INT(r.next_seq, 1001);
    feed(&r, &s, 1001, 0, "hello ");
    feed(&r, &s, 1007, 0, "world");
    TU_CHECK(got(&s, "hello world"));
    TU_CHECK_INT(r.delivered, 11);
    dis_tcpreasm_finish(&r);
    TU_CHECK_INT(r.state, DIS_TCPREASM_FINISHED);
}

TU_TEST(syn_with_payload)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 500, 1, "fast");       /* TFO: data at seq + 1 */
    feed(&r, &s, 505, 0, "open");
    TU_CHECK(got(&s, "fastopen"));
    dis_tcpreasm_finish(&r);
}

TU_TEST(out_of_order)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 99, 1, NULL);
    feed(&r, &s, 110, 0, "CCCCC");      /* 110..114 */
    feed(&r, &s, 105, 0, "BBBBB");      /* 105..109 */
    TU_CHECK_INT(s.len, 0);
    TU_CHECK(r.held > 0);
    feed(&r, &s, 100, 0, "AAAAA");      /* fills the gap */
    TU_CHECK(got(&s, "AAAAABBBBBCCCCC"));
    TU_CHECK_INT(r.held, 0);
    TU_CHECK(r.ooo == NULL);
    feed(&r, &s, 115, 0, "D");
    TU_CHECK(got(&s, "AAAAABBBBBCCCCCD"));
    dis_tcpreasm_finish(&r);
}

TU_TEST(retransmission_overlap_first_wins)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 0, 1, NULL);
    feed(&r, &s, 1, 0, "0123456789");
    feed(&r, &s, 1, 0, "xxxxxxxxxx");         /* pure retransmission */
    feed(&r, &s, 6, 0, "yyyyyAB");            /* overlaps 5 old bytes */
    TU_CHECK(got(&s, "0123456789AB"));
    /* Held piece [20, 24) arrives first; a later segment covering
     * [13, 27) must not replace its bytes. */
    feed(&r, &s, 21, 0, "HELD");
    feed(&r, &s, 24, 0, "zz");               /* overlaps the held tail */
    feed(&r, &s, 13, 0, "cdefghijklmnop");   /* 13..26 */
    TU_CHECK(got(&s, "0123456789ABcdefghijHELDzp"));
    TU_CHECK_INT(r.held, 0);
    dis_tcpreasm_finish(&r);
}

TU_TEST(ooo_overlaps_fill_gaps_only)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 0, 0, "a");                 /* no SYN: start at seq 0 */
    feed(&r, &s, 5, 0, "56");                /* 5..6 */
    feed(&r, &s, 9, 0, "90");                /* 9..10 */
    feed(&r, &s, 3, 0, "34##78##12");        /* 3..12, over both */
    TU_CHECK_INT(s.len, 1);
    feed(&r, &s, 1, 0, "12");
    TU_CHECK(got(&s, "a123456789012"));
    dis_tcpreasm_finish(&r);
}

TU_TEST(sequence_wrap)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 0xfffffff9u, 1, NULL);      /* next = 0xfffffffa */
    feed(&r, &s, 0x00000002u, 0, "WRAP");    /* after the wrap, early */
    feed(&r, &s, 0xfffffffau, 0, "abcd");    /* fa..fd */
    TU_CHECK(got(&s, "abcd"));
    feed(&r, &s, 0xfffffffeu, 0, "efgh");    /* fe, ff, 0, 1 */
    TU_CHECK(got(&s, "abcdefghWRAP"));
    TU_CHECK_INT(r.next_seq, 6);
    feed(&r, &s, 0xfffffff0u, 0, "old!");    /* behind: ignored */
    TU_CHECK(got(&s, "abcdefghWRAP"));
    dis_tcpreasm_finish(&r);
}

TU_TEST(first_payload_sets_start)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 7000, 0, NULL);             /* pure ACK: no start yet */
    TU_CHECK_INT(r.have_next, 0);
    feed(&r, &s, 8000, 0, "mid");
    feed(&r, &s, 7990, 0, "0123456789");     /* before the start: dropped */
    feed(&r, &s, 8003, 0, "stream");
    TU_CHECK(got(&s, "midstream"));
    dis_tcpreasm_finish(&r);
}

TU_TEST(bounded_gives_up)
{
    dis_tcpreasm r;
    sink s = {0};
    static uint8_t big[1400];
    memset(big, 'x', sizeof(big));
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 0, 1, NULL);
    int st = DIS_TCPREASM_OK;
    uint32_t seq = 1 + 1000;                 /* leave a hole at 1..1000 */
    for (int i = 0; i < 100 && st == DIS_TCPREASM_OK; i++) {
        st = dis_tcpreasm_segment(&r, seq, 0, big, sizeof(big), sink_fn, &s);
        TU_CHECK(r.held <= DIS_TCPREASM_DEFAULT_LIMIT);
        seq += sizeof(big);
    }
    TU_CHECK_INT(st, DIS_TCPREASM_FAILED);
    TU_CHECK_INT(r.held, 0);
    TU_CHECK(r.ooo == NULL);
    TU_CHECK_INT(feed(&r, &s, 1, 0, "late"), DIS_TCPREASM_FAILED);
    TU_CHECK_INT(s.len, 0);
    dis_tcpreasm_finish(&r);
    TU_CHECK_INT(r.state, DIS_TCPREASM_FAILED);
}

TU_TEST(small_limit_counts_headers)
{
    dis_tcpreasm r;
    sink s = {0};
    dis_tcpreasm_init(&r, 200);
    feed(&r, &s, 0, 1, NULL);
    int st = DIS_TCPREASM_OK;
    /* One-byte pieces: headers dominate; must fail long before 200 bytes
     * of payload are held. */
    int i;
    for (i = 0; i < 200 && st == DIS_TCPREASM_OK; i++)
        st = feed(&r, &s, (uint32_t)(10 + 2 * i), 0, "z");
    TU_CHECK_INT(st, DIS_TCPREASM_FAILED);
    TU_CHECK(i < 20);
}

TU_TEST(consumer_finishes)
{
    dis_tcpreasm r;
    sink s = {0};
    s.stop_after = 3;
    dis_tcpreasm_init(&r, 0);
    feed(&r, &s, 0, 1, NULL);
    feed(&r, &s, 4, 0, "later");             /* held */
    TU_CHECK(r.held > 0);
    TU_CHECK_INT(feed(&r, &s, 1, 0, "abc"), DIS_TCPREASM_FINISHED);
    TU_CHECK(got(&s, "abc"));
    TU_CHECK_INT(r.held, 0);
    TU_CHECK(r.ooo == NULL);
    TU_CHECK_INT(feed(&r, &s, 9, 0, "more"), DIS_TCPREASM_FINISHED);
    TU_CHECK(got(&s, "abc"));
    dis_tcpreasm_finish(&r);
}

int main(void)
{
    TU_RUN(in_order_from_syn);
    TU_RUN(syn_with_payload);
    TU_RUN(out_of_order);
    TU_RUN(retransmission_overlap_first_wins);
    TU_RUN(ooo_overlaps_fill_gaps_only);
    TU_RUN(sequence_wrap);
    TU_RUN(first_payload_sets_start);
    TU_RUN(bounded_gives_up);
    TU_RUN(small_limit_counts_headers);
    TU_RUN(consumer_finishes);
    return tu_finish();
}

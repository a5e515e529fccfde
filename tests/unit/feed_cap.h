/* feed_cap.h - every packet of a fixture capture through a flow table, read
 * and decoded as capture/analyze.c does (capture/pcapin.c, dis_decode(),
 * frame numbers from 1, capture time, wire length), for the unit tests that
 * watch the flow table packet by packet (test_flow_strings.c,
 * test_classify_stop.c).  A static function: each test program gets its own
 * copy.
 */
#ifndef MEETAUDIT_FEED_CAP_H
#define MEETAUDIT_FEED_CAP_H

#include <string.h>

#include "../../capture/pcapin.h"
#include "../../dissect/decode.h"
#include "../../dissect/flow.h"
#include "tu.h"

/* Called after each packet the table accepted, with the flow it went to
 * (dis_flowtab_last(); NULL when it went to none). */
typedef void (*tu_after_packet)(void *ctx, const dis_flow *last);

/* Feed path to t; after (may be NULL) sees each packet's flow.  Stops at
 * the end of the file or when the table reports an error; does not flush.
 * Returns the packets given to the table, or -1 (a test failure) when path
 * cannot be opened. */
static int tu_feed_capture(dis_flowtab *t, const char *path,
                           tu_after_packet after, void *ctx)
{
    char err[256];
    cap_file *cf = NULL;
    if (cap_open(path, &cf, err, sizeof(err)) != 0) {
        TU_FAILF("%s: %s", path, err);
        return -1;
    }
    int dlt = cap_linktype(cf), fed = 0;
    const uint8_t *d;
    size_t caplen, wirelen;
    int64_t ts;
    uint64_t frame = 0;
    while (cap_next(cf, &d, &caplen, &wirelen, &ts) == CAP_PACKET) {
        dis_pkt p;
        memset(&p, 0, sizeof(p));
        p.frame = ++frame;
        p.ts_us = ts;
        if (dis_decode(dlt, d, caplen, &p) != DIS_OK)
            continue;
        p.wirelen = (uint32_t)wirelen;
        if (dis_flowtab_packet(t, &p) != 0)
            break;
        fed++;
        if (after)
            after(ctx, dis_flowtab_last(t));
    }
    cap_close(cf);
    return fed;
}

#endif

/* classify.c - nDPI 4.2 glue: detection module set-up, per-flow feeding,
 * reduction of nDPI's verdict to names.
 *
 * Invariants
 * ----------
 * - nDPI is initialised once with every protocol enabled and our protocols
 *   file loaded before ndpi_finalize_initialization(), as its API requires.
 * - A flow is fed to nDPI only until detection is complete (a protocol found
 *   and no extra dissection possible) or DIS_NDPI_MAX_PKTS packets were seen;
 *   then its verdict is reduced to names in the dis_flow and nDPI's flow
 *   state freed, so long media flows cost nothing more.
 * - A TCP flow nDPI has classified as TLS is also finished DIS_NDPI_AFTER_TLS
 *   packets after our own TLS dissector has read everything the flow shows
 *   in clear (both directions stopped at encrypted data).  nDPI's extra TLS
 *   dissection waits for whole records; when it can finish, it does so
 *   within a packet or two of ours.  A flow where it has not by then is
 *   stuck on a record it will never complete (a gap, a cut capture) and
 *   would keep appending the flow's encrypted bytes to its reassembly
 *   buffer until DIS_NDPI_MAX_PKTS: on the benchmark capture about 13,000
 *   such buffers held 40 MB at the end.  Checked on every fixture and the
 *   504 corpus captures: the stored evidence (every row, nDPI's names,
 *   risks, host and JA3/JA3S included) is the same as without this rule.
 * - The protocol, category and confidence names are not copied: the flow
 *   points at nDPI's own strings.  nDPI 4.2 returns, for a protocol id, the
 *   name its detection module strdup()ed at initialisation or when our
 *   protocols file was loaded (stable for the module's life, freed by
 *   ndpi_exit_detection_module; an unknown id gives the module's "Unknown");
 *   for a category, a string of libndpi's static table or, for the custom
 *   categories, one inside the module; for a confidence, a string literal
 *   (NULL when out of range).  Hence the rule of flow.h: the dis_classifier
 *   must outlive every flow whose names point into it.  The one transient
 *   answer nDPI has - "Invalid category N", written into a static buffer
 *   that the next such call overwrites - is never kept: a category outside
 *   nDPI's range is recorded as "".
 * - nDPI's host name and QUIC SNI live in nDPI's flow state, which is freed
 *   here, so they are copied (dis_flow_set_str, exact size, owned by the
 *   flow); an allocation failure leaves them "".
 * - nDPI's label is kept as evidence, never rewritten here; later stages
 *   (attribution) may disagree with it and say so.
 */
#define _DEFAULT_SOURCE
#include "classify.h"
#include "flow.h"
#include "ndpi_guard.h"
#include "tls.h"

#include <ndpi/ndpi_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#define DIS_NDPI_MAX_PKTS 64
/* Bound on nDPI's host name and QUIC SNI copies (with the NUL): the size of
 * the buffers they used to be copied into. */
#define DIS_NAME_MAX 256

struct dis_classifier {
    struct ndpi_detection_module_struct *m;
    uint32_t after_tls;     /* DIS_NDPI_AFTER_TLS unless a test changed it */
};

dis_classifier *dis_classifier_new(const char *protos_path, char *err,
                                   size_t errlen)
{
    dis_classifier *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->after_tls = DIS_NDPI_AFTER_TLS;
    ndpi_init_prefs prefs = ndpi_no_prefs;
    c->m = ndpi_init_detection_module(prefs);
    if (!c->m) {
        snprintf(err, errlen, "nDPI initialisation failed");
        goto fail;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->m, &all);
    if (protos_path) {
        FILE *fp = fopen(protos_path, "r");
        if (!fp) {
            snprintf(err, errlen, "%s: cannot open nDPI protocols file",
                     protos_path);
            goto fail;
        }
        fclose(fp);
        if (ndpi_load_protocols_file(c->m, protos_path) != 0) {
            snprintf(err, errlen, "%s: nDPI rejected the protocols file",
                     protos_path);
            goto fail;
        }
    }
    ndpi_finalize_initialization(c->m);
    return c;
fail:
    dis_classifier_free(c);
    return NULL;
}

void dis_classifier_free(dis_classifier *c)
{
    if (!c)
        return;
    if (c->m)
        ndpi_exit_detection_module(c->m);
    free(c);
}

void dis_classifier_set_after_tls(dis_classifier *c, uint32_t packets)
{
    if (c)
        c->after_tls = packets;
}

const char *dis_classifier_version(void)
{
    return ndpi_revision();
}

/* nDPI's name, or "" when it has none. */
static const char *name_or_empty(const char *s)
{
    return s ? s : "";
}

/* Non-zero when nDPI dissected the flow as TLS, DTLS or QUIC (the only
 * protocols whose ndpi_flow_struct.protos member is tls_quic). */
static int is_tls_family(ndpi_protocol r)
{
    uint16_t p[2] = { r.master_protocol, r.app_protocol };
    for (int i = 0; i < 2; i++)
        if (p[i] == NDPI_PROTOCOL_TLS || p[i] == NDPI_PROTOCOL_DTLS ||
            p[i] == NDPI_PROTOCOL_QUIC)
            return 1;
    return 0;
}

/* Copy nDPI's JA3/JA3S when each is a 32-digit hex string, else "". */
static void copy_hex32(dis_flow *f, const char *c, const char *s)
{
    const char *src[2] = { c, s };
    char *dst[2] = { f->ndpi_ja3, f->ndpi_ja3s };
    for (int k = 0; k < 2; k++) {
        size_t i = 0;
        while (i < 32 && isxdigit((unsigned char)src[k][i]))
            i++;
        if (i == 32 && src[k][32] == 0)
            memcpy(dst[k], src[k], 33);
        else
            dst[k][0] = 0;
    }
}

static void record(dis_classifier *c, dis_flow *f, ndpi_protocol r)
{
    struct ndpi_flow_struct *nf = f->ndpi;
    uint16_t app = r.app_protocol, master = r.master_protocol;
    if (app == NDPI_PROTOCOL_UNKNOWN && master != NDPI_PROTOCOL_UNKNOWN) {
        app = master;
        master = NDPI_PROTOCOL_UNKNOWN;
    }
    f->app_proto = name_or_empty(ndpi_get_proto_name(c->m, app));
    if (master != NDPI_PROTOCOL_UNKNOWN && master != app)
        f->master_proto = name_or_empty(ndpi_get_proto_name(c->m, master));
    else
        f->master_proto = "";
    if ((unsigned)r.category < NDPI_PROTOCOL_NUM_CATEGORIES)
        f->category = name_or_empty(ndpi_category_get_name(c->m, r.category));
    else
        f->category = ""; /* nDPI would name it in a reused static buffer */
    if (nf) {
        f->confidence = name_or_empty(ndpi_confidence_get_name(nf->confidence));
        f->risk = nf->risk;
        dis_flow_set_str(&f->ndpi_host, nf->host_server_name, DIS_NAME_MAX);
        /* protos.tls_quic is only meaningful for the TLS family. */
        if (is_tls_family(r))
            copy_hex32(f, nf->protos.tls_quic.ja3_client,
                       nf->protos.tls_quic.ja3_server);
        if (app == NDPI_PROTOCOL_QUIC || master == NDPI_PROTOCOL_QUIC ||
            r.master_protocol == NDPI_PROTOCOL_QUIC)
            dis_flow_set_str(&f->quic_sni, nf->host_server_name,
                             DIS_NAME_MAX);
    }
}

void dis_classify_packet(dis_classifier *c, dis_flow *f, const dis_pkt *p)
{
    if (!c || f->ndpi_done || !p->ip)
        return;
    if (!f->ndpi) {
        f->ndpi = ndpi_calloc(1, SIZEOF_FLOW_STRUCT);
        if (!f->ndpi)
            return;
    }
    /* nDPI 4.2 crashes on some DTLS certificates (ndpi_guard.c). */
    if (dis_ndpi_dtls_cert_hazard(c->m, f->ndpi, p)) {
        f->ndpi_withheld++;
        return;
    }
    size_t len = p->ip_caplen > 65535 ? 65535 : p->ip_caplen;
    uint64_t ms = p->ts_us >= 0 ? (uint64_t)p->ts_us / 1000 : 0;
    ndpi_protocol r = ndpi_detection_process_packet(
        c->m, f->ndpi, p->ip, (unsigned short)len, ms);
    f->ndpi_pkts++;
    int found = r.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
                r.master_protocol != NDPI_PROTOCOL_UNKNOWN;
    int stuck = 0;
    if (found && is_tls_family(r) && f->tls && p->l4 == IPPROTO_TCP &&
        dis_tls_done(f->tls))
        stuck = ++f->ndpi_after_tls > c->after_tls;
    if ((found && (stuck || !ndpi_extra_dissection_possible(c->m, f->ndpi))) ||
        f->ndpi_pkts >= DIS_NDPI_MAX_PKTS) {
        if (!found) {
            uint8_t guessed = 0;
            r = ndpi_detection_giveup(c->m, f->ndpi, 1, &guessed);
        }
        record(c, f, r);
        f->ndpi_done = 1;
        dis_classify_release(f);
    }
}

void dis_classify_finish(dis_classifier *c, dis_flow *f)
{
    if (!c || f->ndpi_done)
        return;
    if (f->ndpi) {
        uint8_t guessed = 0;
        ndpi_protocol r = ndpi_detection_giveup(c->m, f->ndpi, 1, &guessed);
        record(c, f, r);
    } else {
        ndpi_protocol r;
        memset(&r, 0, sizeof(r));
        record(c, f, r);
    }
    f->ndpi_done = 1;
    dis_classify_release(f);
}

void dis_classify_release(dis_flow *f)
{
    if (f->ndpi) {
        ndpi_free_flow(f->ndpi);
        f->ndpi = NULL;
    }
}

void dis_classify_risks_json(uint64_t mask, char *buf, size_t len)
{
    size_t o = 0;
    int first = 1;
    if (len < 3) {
        if (len)
            buf[0] = 0;
        return;
    }
    buf[o++] = '[';
    for (int i = 1; i < 64 && i < NDPI_MAX_RISK; i++) {
        if (!(mask & (1ULL << i)))
            continue;
        const char *n = ndpi_risk2str((ndpi_risk_enum)i);
        int w = snprintf(buf + o, len - o, "%s\"", first ? "" : ",");
        if (w < 0 || (size_t)w >= len - o)
            break;
        o += (size_t)w;
        for (const char *s = n; *s && o + 3 < len; s++) {
            if (*s == '"' || *s == '\\')
                buf[o++] = '\\';
            buf[o++] = *s;
        }
        if (o + 2 >= len)
            break;
        buf[o++] = '"';
        first = 0;
    }
    if (o + 2 > len)
        o = len - 2;
    buf[o++] = ']';
    buf[o] = 0;
}

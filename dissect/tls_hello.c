/* tls_hello.c - ClientHello and ServerHello facts, JA3/JA3S and JA4.
 * RFC 8446 sections 4.1.2-4.1.4 (ClientHello, ServerHello,
 * HelloRetryRequest), 4.2 (supported_versions, signature_algorithms,
 * key_share, pre_shared_key), RFC 5077 (session_ticket), RFC 6066 section 3
 * (server_name), RFC 7301 (ALPN), RFC 8422 section 5.1 (supported_groups,
 * ec_point_formats), RFC 8701 (GREASE), draft-ietf-tls-esni (ECH, ESNI);
 * JA3/JA3S as defined by Salesforce; JA4 per FoxIO's JA4 specification
 * (technical_details/JA4.md).
 *
 * Invariants
 * ----------
 * - A hello is read once, front to back, through dis_rd.  What it says is
 *   recorded as it is read: numbers into dis_tls_info, strings and the
 *   bounded lists (wire order, GREASE kept, so the evidence is what was
 *   sent) into a scratch area with room for every bound (ch_text,
 *   sh_text); the fingerprints are computed afterwards from a scan of the
 *   whole hello held in heap vectors that are bounded by the message
 *   length.  When the hello is done, the scratch is copied into one
 *   exact-size block owned by the handle (ch_place, sh_place) and the
 *   scratch and vectors are freed before returning.  So the strings are
 *   cut exactly as the fixed arrays they replaced cut them, and a flow
 *   keeps only what its hellos carried.
 * - Facts are kept up to the first fault; a hello with any fault (a length
 *   that runs past its container, an odd list length) gets no JA3/JA3S/JA4:
 *   a fingerprint of part of a message would be a wrong fingerprint.
 * - Only the first ClientHello is fingerprinted.  After a HelloRetryRequest
 *   the second ClientHello is read into scratch facts and only adds the SNI
 *   (its own small block, t->sni2) when the first had none.  The
 *   ServerHello facts come from the last ServerHello up to and including
 *   the first one that is not a
 *   HelloRetryRequest (so an HRR's facts stand until the real one comes;
 *   the HRR's block is kept until the handle is freed, so no pointer read
 *   from the info ever dangles).
 * - JA3 strings follow the layout tshark 4.0 prints: "ver,ciphers," then,
 *   only when the hello has an extensions block, "exts,groups,formats"
 *   (JA3) or "exts" (JA3S); MD5 through EVP.
 * - JA4: GREASE ignored everywhere; counts capped at 99; the version is the
 *   highest supported_versions entry (DTLS codes ranked by what they mean,
 *   since 0xfefc DTLS 1.3 is numerically below 0xfefd DTLS 1.2), else the
 *   legacy version; ciphers and extensions (SNI 0x0000 and ALPN 0x0010
 *   removed from the hashed list but counted) sorted as 4-digit hex;
 *   signature algorithms appended in wire order after "_"; SHA-256 through
 *   EVP truncated to 12 hex digits, "000000000000" for an empty list.
 */
#include "tls_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "rd.h"

#define VEC_MAX 32768u          /* entries per vector: 64 KiB of codes */
#define SB_MAX (1u << 20)       /* bound on a fingerprint string */

enum { EXT_SNI = 0, EXT_GROUPS = 10, EXT_EC_FORMATS = 11, EXT_SIG_ALGS = 13,
       EXT_ALPN = 16, EXT_TICKET = 35, EXT_PSK = 41, EXT_VERSIONS = 43,
       EXT_KEY_SHARE = 51, EXT_ESNI = 0xffce, EXT_ECH = 0xfe0d };

/* RFC 8446 4.1.3: the Random of a HelloRetryRequest, SHA-256 of
 * "HelloRetryRequest". */
static const uint8_t HRR_RANDOM[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
    0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
    0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
};

/* ---- bounded growable vectors and strings ------------------------------ */

typedef struct u16v {
    uint16_t *v;
    size_t n, cap;
    int err;
} u16v;

static void v_add(u16v *a, uint16_t x)
{
    if (a->err)
        return;
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 32;
        uint16_t *q = cap <= VEC_MAX ? realloc(a->v, cap * sizeof(*q)) : NULL;
        if (!q) {
            a->err = 1;
            return;
        }
        a->v = q;
        a->cap = cap;
    }
    a->v[a->n++] = x;
}

static void v_free(u16v *a)
{
    free(a->v);
    memset(a, 0, sizeof(*a));
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int err;
} sbuf;

/* Room for n more bytes and the terminator; 0, or -1 (b->err set). */
static int sb_reserve(sbuf *b, size_t n)
{
    if (b->err)
        return -1;
    if (n + 1 > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = cap <= SB_MAX ? realloc(b->p, cap) : NULL;
        if (!q) {
            b->err = 1;
            return -1;
        }
        b->p = q;
        b->cap = cap;
    }
    return 0;
}

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (sb_reserve(b, n) < 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_free(sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}
/* b's text into dst[0..size), cut at size - 1 bytes, as snprintf "%s"
 * would cut it. */
static void sb_copy(char *dst, size_t size, const sbuf *b)
{
    size_t n = b->len < size - 1 ? b->len : size - 1;
    memcpy(dst, b->p, n);
    dst[n] = '\0';
}

/* Append v in decimal and then c. */
static void sb_num(sbuf *b, uint16_t v, char c)
{
    char tmp[8];
    size_t k = dis_tls_fmt_u16(tmp, v, 0);
    tmp[k++] = c;
    sb_add(b, tmp, k);
}

/* Append the non-GREASE entries of a as a list: decimal joined by '-'
 * (JA3) or 4-digit hex joined by ',' (JA4).  Room for the longest entry
 * ("-65535") is reserved once for the whole list, then written in place. */
static void sb_list(sbuf *b, const u16v *a, int hex)
{
    int first = 1;
    if (a->err)
        b->err = 1;
    if (a->n == 0 || sb_reserve(b, a->n * 6) < 0)
        return;
    char *o = b->p + b->len;
    for (size_t i = 0; i < a->n; i++) {
        if (dis_tls_is_grease(a->v[i]))
            continue;
        if (!first)
            *o++ = hex ? ',' : '-';
        o += dis_tls_fmt_u16(o, a->v[i], hex);
        first = 0;
    }
    *o = '\0';
    b->len = (size_t)(o - b->p);
}

/* ---- scratch facts of the hello being read ------------------------------ */

/* A list being collected: room for the bound. */
typedef struct xlist {
    uint16_t v[DIS_TLS_MAX_LIST];
    uint16_t n, total;
} xlist;

/* The strings and lists of one ClientHello while it is read; copied into
 * an exact-size block (ch_place) once it is. */
typedef struct ch_text {
    char sni[DIS_TLS_SNI_MAX];
    char alpn[DIS_TLS_MAX_ALPN][DIS_TLS_ALPN_MAX];
    int n_alpn;
    char ja3_raw[DIS_TLS_JA3_RAW_MAX];
    char ja4_raw[DIS_TLS_JA4_RAW_MAX];
    xlist ciphers, extensions, groups, sig_algs, key_share_groups;
} ch_text;

/* The same for a ServerHello (sh_place). */
typedef struct sh_text {
    char server_alpn[DIS_TLS_ALPN_MAX];
    char ja3s_raw[DIS_TLS_JA3S_RAW_MAX];
    xlist exts;
} sh_text;

static void list_put(xlist *l, uint16_t v)
{
    if (l->n < DIS_TLS_MAX_LIST)
        l->v[l->n++] = v;
    if (l->total < UINT16_MAX)
        l->total++;
}

/* ---- ClientHello -------------------------------------------------------- */

/* Everything the fingerprints need from one ClientHello. */
typedef struct ch_scan {
    ch_text *x;                 /* the hello's strings and kept lists */
    uint16_t legacy;
    u16v ciphers, exts, groups, formats, sigs, versions;
    int has_ext_block;
    int has_sni;                /* extension 0 present (JA4 'd') */
    const uint8_t *alpn0;       /* first ALPN value, borrowed */
    size_t alpn0_len;
    int has_alpn0;
} ch_scan;

static void scan_free(ch_scan *s)
{
    v_free(&s->ciphers);
    v_free(&s->exts);
    v_free(&s->groups);
    v_free(&s->formats);
    v_free(&s->sigs);
    v_free(&s->versions);
}

/* A list of 16-bit codes with a 1- or 2-byte length prefix into the scan
 * vector and (when given) the info list.  0, or -1 if malformed. */
static int read_u16_list(dis_tls_info *in, dis_rd *e, int len8, u16v *out,
                         xlist *keep)
{
    size_t n = len8 ? dis_rd_u8(e) : dis_rd_be16(e);
    dis_rd list = dis_rd_sub(e, n);
    if (!dis_rd_ok(e) || n % 2)
        return -1;
    while (dis_rd_left(&list) > 0) {
        uint16_t v = dis_rd_be16(&list);
        if (dis_tls_is_grease(v))
            in->grease = 1;
        v_add(out, v);
        if (keep)
            list_put(keep, v);
    }
    return 0;
}

/* server_name (RFC 6066 3): keep the first host_name. */
static int ext_sni(ch_text *x, dis_rd *e)
{
    dis_rd list = dis_rd_sub(e, dis_rd_be16(e));
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0) {
        uint8_t type = dis_rd_u8(&list);
        uint16_t n = dis_rd_be16(&list);
        const uint8_t *name = dis_rd_ptr(&list, n);
        if (!name)
            break;
        if (type == 0 && x->sni[0] == '\0')
            dis_tls_copy_name(x->sni, sizeof(x->sni), name, n);
    }
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* ALPN (RFC 7301 3.1): the client's protocol list, in order. */
static int ext_alpn(ch_scan *s, dis_rd *e)
{
    ch_text *x = s->x;
    dis_rd list = dis_rd_sub(e, dis_rd_be16(e));
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0) {
        uint8_t n = dis_rd_u8(&list);
        const uint8_t *name = dis_rd_ptr(&list, n);
        if (!name)
            break;
        if (!s->has_alpn0) {
            s->has_alpn0 = 1;
            s->alpn0 = name;
            s->alpn0_len = n;
        }
        if (x->n_alpn < DIS_TLS_MAX_ALPN) {
            dis_tls_copy_name(x->alpn[x->n_alpn], sizeof(x->alpn[0]), name,
                              n);
            x->n_alpn++;
        }
    }
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* ec_point_formats (RFC 8422 5.1.2): 8-bit list. */
static int ext_formats(ch_scan *s, dis_rd *e)
{
    dis_rd list = dis_rd_sub(e, dis_rd_u8(e));
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0)
        v_add(&s->formats, dis_rd_u8(&list));
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* key_share (RFC 8446 4.2.8): KeyShareEntry client_shares<0..2^16-1>. */
static int ext_key_share(dis_tls_info *in, ch_text *x, dis_rd *e)
{
    dis_rd list = dis_rd_sub(e, dis_rd_be16(e));
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0) {
        uint16_t g = dis_rd_be16(&list);
        dis_rd_skip(&list, dis_rd_be16(&list));
        if (!dis_rd_ok(&list))
            break;
        if (dis_tls_is_grease(g))
            in->grease = 1;
        list_put(&x->key_share_groups, g);
    }
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

static int offers_v13(const dis_tls_info *in)
{
    for (int i = 0; i < in->n_client_versions; i++)
        if (dis_tls_is_v13(in->client_versions[i]))
            return 1;
    return 0;
}

/* One ClientHello extension of the given type.  0, or -1 if malformed. */
static int ch_extension(dis_tls_info *in, ch_scan *s, uint16_t type,
                        dis_rd *e)
{
    switch (type) {
    case EXT_SNI:
        s->has_sni = 1;
        return ext_sni(s->x, e);
    case EXT_ALPN:
        return ext_alpn(s, e);
    case EXT_GROUPS:
        return read_u16_list(in, e, 0, &s->groups, &s->x->groups);
    case EXT_EC_FORMATS:
        return ext_formats(s, e);
    case EXT_SIG_ALGS:
        return read_u16_list(in, e, 0, &s->sigs, &s->x->sig_algs);
    case EXT_VERSIONS: {
        size_t before = s->versions.n;
        in->has_supported_versions = 1;
        if (read_u16_list(in, e, 1, &s->versions, NULL) < 0)
            return -1;
        for (size_t i = before; i < s->versions.n; i++)
            if (!dis_tls_is_grease(s->versions.v[i]) &&
                in->n_client_versions < DIS_TLS_MAX_VERSIONS)
                in->client_versions[in->n_client_versions++] =
                    s->versions.v[i];
        return 0;
    }
    case EXT_KEY_SHARE:
        return ext_key_share(in, s->x, e);
    case EXT_TICKET:
        in->session_ticket = dis_rd_left(e) > 0;
        return 0;
    case EXT_PSK:
        in->psk = 1;
        return 0;
    default:
        /* ECH (draft versions 0xfe08-0xfe0d) and the older ESNI. */
        if ((type >= 0xfe08 && type <= EXT_ECH) || type == EXT_ESNI)
            in->ech = type;
        return 0;
    }
}

/* Read a ClientHello body into in and s.  Returns 0 when the whole hello
 * was well formed, -1 on the first fault (facts before it are kept; when
 * the fixed part itself is short, nothing is recorded). */
static int scan_client_hello(dis_tls_info *in, ch_scan *s, const uint8_t *p,
                             size_t n)
{
    dis_rd r;
    dis_rd_init(&r, p, n);
    uint16_t ver = dis_rd_be16(&r);
    dis_rd_skip(&r, 32);                        /* random */
    uint8_t sid_len = dis_rd_u8(&r);
    dis_rd_skip(&r, sid_len);                   /* legacy_session_id */
    uint16_t cs_len = dis_rd_be16(&r);
    dis_rd cs = dis_rd_sub(&r, cs_len);
    dis_rd_skip(&r, dis_rd_u8(&r));             /* compression methods */
    if (!dis_rd_ok(&r) || cs_len % 2)
        return -2;
    in->client_hello = 1;
    in->client_legacy_version = ver;
    in->session_id_len = sid_len;
    s->legacy = ver;
    while (dis_rd_left(&cs) > 0) {
        uint16_t c = dis_rd_be16(&cs);
        if (dis_tls_is_grease(c))
            in->grease = 1;
        v_add(&s->ciphers, c);
        list_put(&s->x->ciphers, c);
    }
    if (dis_rd_left(&r) == 0)
        return 0;
    /* A block cut short is walked as far as it goes (facts up to the cut)
     * but makes the hello malformed. */
    uint16_t blen = dis_rd_be16(&r);
    size_t avail = dis_rd_left(&r);
    int cut = !dis_rd_ok(&r) || blen > avail;
    dis_rd blk = dis_rd_sub(&r, blen < avail ? blen : avail);
    s->has_ext_block = 1;
    while (dis_rd_left(&blk) > 0) {
        uint16_t type = dis_rd_be16(&blk);
        dis_rd e = dis_rd_sub(&blk, dis_rd_be16(&blk));
        if (!dis_rd_ok(&blk))
            return -1;
        if (dis_tls_is_grease(type))
            in->grease = 1;
        v_add(&s->exts, type);
        list_put(&s->x->extensions, type);
        if (ch_extension(in, s, type, &e) < 0)
            return -1;
    }
    return cut ? -1 : 0;
}

/* ---- JA3 ----------------------------------------------------------------- */

static void ja3(const ch_scan *s, dis_tls_info *in)
{
    ch_text *x = s->x;
    sbuf b = {0};
    sb_num(&b, s->legacy, ',');
    sb_list(&b, &s->ciphers, 0);
    sb_str(&b, ",");
    if (s->has_ext_block) {
        sb_list(&b, &s->exts, 0);
        sb_str(&b, ",");
        sb_list(&b, &s->groups, 0);
        sb_str(&b, ",");
        sb_list(&b, &s->formats, 0);
    }
    if (!b.err && b.p) {
        dis_tls_digest_hex(DIS_MD_MD5, b.p, b.len, in->ja3,
                           sizeof(in->ja3));
        sb_copy(x->ja3_raw, sizeof(x->ja3_raw), &b);
    }
    sb_free(&b);
}

/* ---- JA4 ----------------------------------------------------------------- */

/* Rank of a version code for "highest": DTLS codes count down. */
static unsigned version_rank(uint16_t v)
{
    if (v == 0xfeff || v == 0xfefd || v == 0xfefc)
        return 0x10000u + (0xffffu - v);
    return v;
}

static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: case 0x0200: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN value; when either end is
 * not alphanumeric, the first and last hex digit of the value instead. */
static void ja4_alpn(const ch_scan *s, char out[3])
{
    static const char hx[] = "0123456789abcdef";
    out[0] = out[1] = '0';
    out[2] = '\0';
    if (!s->has_alpn0 || s->alpn0_len == 0)
        return;
    dis_rd r;
    dis_rd_init(&r, s->alpn0, s->alpn0_len);
    uint8_t first = dis_rd_u8(&r), last = first;
    if (s->alpn0_len > 1) {
        dis_rd_skip(&r, s->alpn0_len - 2);
        last = dis_rd_u8(&r);
    }
    if (is_alnum(first) && is_alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        out[0] = hx[first >> 4];
        out[1] = hx[last & 0x0f];
    }
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Copy of a without GREASE (and without skip1/skip2 when skip is set),
 * sorted when sort is set.  -1 on allocation failure. */
static int filtered(const u16v *a, int skip, int sort, u16v *out)
{
    for (size_t i = 0; i < a->n; i++) {
        uint16_t v = a->v[i];
        if (dis_tls_is_grease(v) ||
            (skip && (v == EXT_SNI || v == EXT_ALPN)))
            continue;
        v_add(out, v);
    }
    if (sort && out->n > 64) {
        qsort(out->v, out->n, sizeof(out->v[0]), cmp_u16);
    } else if (sort) {
        /* Insertion sort: the usual lists have 10-50 entries, where
         * qsort()'s merge sort and its calls cost five times as much. */
        for (size_t i = 1; i < out->n; i++) {
            uint16_t v = out->v[i];
            size_t j = i;
            for (; j > 0 && out->v[j - 1] > v; j--)
                out->v[j] = out->v[j - 1];
            out->v[j] = v;
        }
    }
    return out->err || a->err ? -1 : 0;
}

static size_t count_non_grease(const u16v *a)
{
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++)
        k += !dis_tls_is_grease(a->v[i]);
    return k;
}

/* 12 hex digits of SHA-256 of b, or twelve zeros when the list is empty. */
static void hash12(const sbuf *b, char out[13])
{
    char full[65];
    if (!b->p || b->len == 0) {
        memcpy(out, "000000000000", 13);
        return;
    }
    dis_tls_digest_hex(DIS_MD_SHA256, b->p, b->len, full,
                       sizeof(full));
    memcpy(out, full, 12);
    out[12] = '\0';
}

static void ja4(const ch_scan *s, int transport, dis_tls_info *in)
{
    u16v cs = {0}, ex = {0};
    sbuf bc = {0}, bx = {0}, raw = {0};
    char a[16], alpn[3], hb[13], hc[13];

    uint16_t ver = s->legacy;
    unsigned best = 0;
    for (size_t i = 0; i < s->versions.n; i++) {
        uint16_t v = s->versions.v[i];
        if (!dis_tls_is_grease(v) && version_rank(v) >= best) {
            best = version_rank(v);
            ver = v;
        }
    }
    size_t nc = count_non_grease(&s->ciphers);
    size_t ne = count_non_grease(&s->exts);
    ja4_alpn(s, alpn);
    snprintf(a, sizeof(a), "%c%s%c%02u%02u%s",
             transport == DIS_TLS_OVER_QUIC ? 'q'
             : transport == DIS_TLS_OVER_DTLS ? 'd' : 't',
             ja4_version(ver), s->has_sni ? 'd' : 'i',
             (unsigned)(nc > 99 ? 99 : nc), (unsigned)(ne > 99 ? 99 : ne),
             alpn);

    if (filtered(&s->ciphers, 0, 1, &cs) < 0 ||
        filtered(&s->exts, 1, 1, &ex) < 0)
        goto out;
    sb_list(&bc, &cs, 1);
    sb_list(&bx, &ex, 1);
    if (count_non_grease(&s->sigs) > 0) {
        sb_str(&bx, "_");
        sb_list(&bx, &s->sigs, 1);
    }
    if (bc.err || bx.err)
        goto out;
    hash12(&bc, hb);
    if (ex.n == 0)
        memcpy(hc, "000000000000", 13);
    else
        hash12(&bx, hc);
    snprintf(in->ja4, sizeof(in->ja4), "%s_%s_%s", a, hb, hc);
    sb_str(&raw, a);
    sb_str(&raw, "_");
    if (bc.p)
        sb_str(&raw, bc.p);
    sb_str(&raw, "_");
    if (bx.p)
        sb_str(&raw, bx.p);
    if (!raw.err && raw.p)
        sb_copy(s->x->ja4_raw, sizeof(s->x->ja4_raw), &raw);
out:
    v_free(&cs);
    v_free(&ex);
    sb_free(&bc);
    sb_free(&bx);
    sb_free(&raw);
}

/* ---- compaction: scratch facts into exact-size blocks ------------------- */

static void list_fill(dis_tls_pk *k, dis_tls_list *dst, const xlist *src)
{
    dst->v = dis_tls_pk_codes(k, src->v, src->n);
    dst->n = src->n;
    dst->total = src->total;
}

/* Point dst's ClientHello strings and lists at copies made through k. */
static void ch_fill(dis_tls_pk *k, dis_tls_info *dst, const ch_text *x)
{
    const char **a = dis_tls_pk_ptrs(k, (size_t)x->n_alpn);
    dst->sni = dis_tls_pk_str(k, x->sni);
    for (int i = 0; i < x->n_alpn; i++) {
        const char *v = dis_tls_pk_str(k, x->alpn[i]);
        if (a)
            a[i] = v;
    }
    dst->alpn = a ? a : dis_tls_no_names;
    dst->n_alpn = a ? x->n_alpn : 0;
    dst->ja3_raw = dis_tls_pk_str(k, x->ja3_raw);
    dst->ja4_raw = dis_tls_pk_str(k, x->ja4_raw);
    list_fill(k, &dst->ciphers, &x->ciphers);
    list_fill(k, &dst->extensions, &x->extensions);
    list_fill(k, &dst->groups, &x->groups);
    list_fill(k, &dst->sig_algs, &x->sig_algs);
    list_fill(k, &dst->key_share_groups, &x->key_share_groups);
}

/* The first ClientHello's strings and lists into t->ch_blk.  Out of memory,
 * they stay empty (lists with n == total == 0). */
static void ch_place(dis_tls *t, const ch_text *x)
{
    dis_tls_info sizing;
    dis_tls_pk k;
    dis_tls_pk_init(&k);
    ch_fill(&k, &sizing, x);
    if (dis_tls_pk_alloc(&k, 0) < 0)
        return;
    ch_fill(&k, &t->info, x);
    t->ch_blk = k.base;
    t->hello_mem += k.size;
}

static void sh_fill(dis_tls_pk *k, dis_tls_info *dst, const sh_text *x)
{
    dst->server_alpn = dis_tls_pk_str(k, x->server_alpn);
    dst->ja3s_raw = dis_tls_pk_str(k, x->ja3s_raw);
    list_fill(k, &dst->sh_extensions, &x->exts);
}

/* A ServerHello's strings and list into t->sh_blk, replacing in the info
 * those of an earlier HelloRetryRequest, whose block moves to t->hrr_blk
 * (not freed: its pointers may have been read).  Out of memory, they are
 * empty. */
static void sh_place(dis_tls *t, const sh_text *x)
{
    dis_tls_info *in = &t->info, sizing;
    dis_tls_pk k;
    if (t->sh_blk) {
        free(t->hrr_blk);       /* NULL: at most one HRR (RFC 8446 4.1.4) */
        t->hrr_blk = t->sh_blk;
        t->sh_blk = NULL;
    }
    in->server_alpn = in->ja3s_raw = dis_tls_empty;
    in->sh_extensions.v = dis_tls_no_codes;
    in->sh_extensions.n = in->sh_extensions.total = 0;
    dis_tls_pk_init(&k);
    sh_fill(&k, &sizing, x);
    if (dis_tls_pk_alloc(&k, 0) < 0)
        return;
    sh_fill(&k, in, x);
    t->sh_blk = k.base;
    t->hello_mem += k.size;
}

/* ---- entry points ---------------------------------------------------------- */

/* This thread's ch_text, zeroed, for one ClientHello: kept from hello to
 * hello (reachable until the thread ends) because allocating and clearing
 * 5 KiB per hello cost more than clearing it.  NULL when out of memory. */
static ch_text *ch_scratch(void)
{
    static _Thread_local ch_text *x;
    if (!x)
        x = malloc(sizeof(*x));
    if (x)
        memset(x, 0, sizeof(*x));
    return x;
}

void dis_tls_client_hello(dis_tls *t, int dir, const uint8_t *body, size_t n)
{
    dis_tls_info *in = &t->info;
    ch_scan s;
    (void)dir;
    memset(&s, 0, sizeof(s));
    if (!in->client_hello) {
        s.x = ch_scratch();
        if (!s.x)
            return;
        int rc = scan_client_hello(in, &s, body, n);
        if (rc != -2)
            in->ch_frame = t->frame;
        in->resumption = in->session_ticket || in->psk ||
                         (in->session_id_len > 0 && !offers_v13(in));
        if (rc == 0) {
            in->ch_complete = 1;
            ja3(&s, in);
            ja4(&s, in->transport, in);
        }
        if (rc != -2)           /* else nothing was recorded */
            ch_place(t, s.x);
        s.x = NULL;             /* the thread's scratch, not ours */
    } else if (in->hrr && !in->ch2) {
        /* RFC 8446 4.1.2: the second ClientHello answers the HRR.  Its
         * facts go to scratch; only a missing SNI is taken over. */
        dis_tls_info *tmp = calloc(1, sizeof(*tmp));
        s.x = calloc(1, sizeof(*s.x));
        if (tmp && s.x && scan_client_hello(tmp, &s, body, n) != -2) {
            in->ch2 = 1;
            in->ch2_frame = t->frame;
            size_t k = strlen(s.x->sni);
            if (!in->sni[0] && k && (t->sni2 = malloc(k + 1)) != NULL) {
                memcpy(t->sni2, s.x->sni, k + 1);
                in->sni = t->sni2;
                t->hello_mem += k + 1;
            }
        }
        free(tmp);
    }
    free(s.x);
    scan_free(&s);
}

/* ServerHello extensions: supported_versions, ALPN, the HRR key_share. */
static int sh_extensions(dis_tls_info *in, sh_text *x, dis_rd *r, int is_hrr,
                         u16v *exts, int *has_block)
{
    dis_rd blk = dis_rd_sub(r, dis_rd_be16(r));
    if (!dis_rd_ok(r))
        return -1;
    *has_block = 1;
    while (dis_rd_left(&blk) > 0) {
        uint16_t type = dis_rd_be16(&blk);
        dis_rd e = dis_rd_sub(&blk, dis_rd_be16(&blk));
        if (!dis_rd_ok(&blk))
            return -1;
        v_add(exts, type);
        list_put(&x->exts, type);
        if (type == EXT_VERSIONS) {
            uint16_t v = dis_rd_be16(&e);
            if (!dis_rd_ok(&e))
                return -1;
            in->version = v;
        } else if (type == EXT_ALPN) {
            dis_rd list = dis_rd_sub(&e, dis_rd_be16(&e));
            uint8_t k = dis_rd_u8(&list);
            const uint8_t *name = dis_rd_ptr(&list, k);
            if (!name)
                return -1;
            dis_tls_copy_name(x->server_alpn, sizeof(x->server_alpn), name,
                              k);
        } else if (type == EXT_KEY_SHARE && is_hrr) {
            uint16_t g = dis_rd_be16(&e);
            if (!dis_rd_ok(&e))
                return -1;
            in->hrr_group = g;
        }
    }
    return 0;
}

void dis_tls_server_hello(dis_tls *t, int dir, const uint8_t *body, size_t n)
{
    dis_tls_info *in = &t->info;
    u16v exts = {0};
    sbuf b = {0};
    dis_rd r;
    uint8_t random[32];
    int has_block = 0;

    if (t->sh_final)
        return;
    dis_rd_init(&r, body, n);
    uint16_t ver = dis_rd_be16(&r);
    dis_rd_copy(&r, random, sizeof(random));
    dis_rd_skip(&r, dis_rd_u8(&r));             /* legacy_session_id_echo */
    uint16_t cipher = dis_rd_be16(&r);
    dis_rd_skip(&r, 1);                         /* compression method */
    if (!dis_rd_ok(&r))
        return;
    int is_hrr = !memcmp(random, HRR_RANDOM, sizeof(random));
    if (is_hrr && in->hrr)
        return;                                 /* at most one (4.1.4) */
    sh_text *x = calloc(1, sizeof(*x));
    if (!x)
        return;
    if (is_hrr) {
        in->hrr = 1;
        in->hrr_frame = t->frame;
    } else {
        t->sh_final = 1;
    }
    /* Facts of this hello replace those of an earlier HRR. */
    in->server_hello = 1;
    in->sh_frame = t->frame;
    in->version = ver;
    in->cipher = cipher;
    in->has_cipher = 1;
    in->ja3s[0] = '\0';
    t->server_dir = dir;
    if (dis_rd_left(&r) > 0 &&
        sh_extensions(in, x, &r, is_hrr, &exts, &has_block) < 0)
        goto out;

    sb_num(&b, ver, ',');
    sb_num(&b, cipher, ',');
    if (has_block)
        sb_list(&b, &exts, 0);
    if (!b.err && b.p) {
        dis_tls_digest_hex(DIS_MD_MD5, b.p, b.len, in->ja3s,
                           sizeof(in->ja3s));
        sb_copy(x->ja3s_raw, sizeof(x->ja3s_raw), &b);
    }
out:
    sh_place(t, x);
    free(x);
    v_free(&exts);
    sb_free(&b);
}

/* tls.c - TLS handshake dissector (ClientHello, ServerHello, Certificate,
 * JA3/JA3S) over bounded in-order TCP reassembly.
 * RFC 5246 (TLS 1.2 record layer, handshake, Certificate), RFC 8446 (TLS 1.3
 * supported_versions), RFC 6066 section 3 (server_name), RFC 7301 (ALPN),
 * RFC 8422 section 5.1 (supported_groups, ec_point_formats), RFC 8701
 * (GREASE); JA3/JA3S as defined by Salesforce.
 *
 * Invariants
 * ----------
 * - Each direction has its own reassembler and record parser.  The record
 *   parser is a two-state machine fed by the reassembler callback: collect a
 *   5-byte header (it may arrive a byte at a time), then stream the body.
 *   Handshake record bodies are appended to a per-direction handshake buffer
 *   and complete handshake messages are cut from its front, so messages may
 *   span records and records may span segments.  Other record bodies are
 *   skipped, never stored.
 * - A direction stops for good at a ChangeCipherSpec or application data
 *   record header, at an invalid record header, after 64 KiB of stream, or
 *   when its reassembler gives up.  Stopping frees that direction's buffers;
 *   dis_tls_done() is true once both have stopped.  Memory per direction is
 *   therefore bounded by 64 KiB of handshake buffer plus the reassembler's
 *   64 KiB out-of-order bound.
 * - Only the first ClientHello, ServerHello and server Certificate are
 *   parsed.  Facts are recorded as they parse; a message that turns out
 *   malformed keeps the facts read before the fault but gets no JA3/JA3S
 *   (a fingerprint of a partial message would be a wrong fingerprint).
 * - The JA3 strings follow the layout tshark 4.0 prints: "ver,ciphers," then,
 *   only when the hello has an extensions block, "exts,groups,formats" (JA3)
 *   or "exts" (JA3S).  The strings are built in bounded heap buffers, hashed
 *   whole with MD5 through EVP, and copied (truncated if need be) into info.
 * - Every packet byte is read through dis_rd; certificates are decoded by
 *   OpenSSL (d2i_X509) from bytes the reader has bounded.
 */
#define _POSIX_C_SOURCE 200809L
#include "tls.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "rd.h"
#include "tcpreasm.h"

#define DIR_LIMIT (64u * 1024u)         /* stream bytes examined per dir */
#define REC_MAX (16384u + 2048u)        /* largest record body accepted */
#define HS_INIT 2048u                   /* first handshake buffer size */
#define SB_MAX (1u << 20)               /* bound on a JA3 string */

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23,
       CT_HEARTBEAT = 24 };
enum { HT_CLIENT_HELLO = 1, HT_SERVER_HELLO = 2, HT_CERTIFICATE = 11 };
enum { EXT_SNI = 0, EXT_GROUPS = 10, EXT_EC_FORMATS = 11, EXT_ALPN = 16,
       EXT_VERSIONS = 43 };

typedef struct tls_dir {
    dis_tls *t;
    int dir;
    int stopped;
    dis_tcpreasm rs;
    size_t seen;            /* stream bytes consumed, <= DIR_LIMIT */
    uint8_t hdr[5];         /* record header being collected */
    size_t hdr_len;
    int in_body;            /* 1 while streaming a record body */
    uint8_t rtype;
    size_t rec_left;        /* body bytes still to come */
    uint8_t *hs;            /* handshake bytes not yet cut into messages */
    size_t hs_len, hs_cap;
} tls_dir;

struct dis_tls {
    dis_tls_info info;
    tls_dir d[2];
    uint64_t frame;         /* frame of the segment being processed */
    int server_dir;         /* direction that sent the ServerHello, or -1 */
    int certs_seen;         /* a server Certificate message was parsed */
};

/* ---- small helpers ---------------------------------------------------- */

/* RFC 8701: 0x0a0a, 0x1a1a, ..., 0xfafa. */
static int is_grease(uint16_t v)
{
    return (v & 0x0f0fu) == 0x0a0au && (v >> 8) == (v & 0xffu);
}

/* Copy a wire string into a C string, truncating, with every byte outside
 * printable ASCII replaced by '?' so output files stay clean. */
static void copy_name(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
    dis_rd r;
    size_t k = 0;
    dis_rd_init(&r, src, n);
    while (dis_rd_left(&r) > 0 && k + 1 < dstlen) {
        uint8_t c = dis_rd_u8(&r);
        dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[k] = '\0';
}

static void hex_lower(char *dst, const unsigned char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(dst + 2 * i, 3, "%02x", src[i]);
    dst[2 * n] = '\0';
}

/* dst (at least 2 * EVP_MAX_MD_SIZE + 1 or the digest size) gets the hex
 * digest of p[0..n), or "" on failure. */
static void digest_hex(const EVP_MD *md, const void *p, size_t n, char *dst,
                       size_t dstlen)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int olen = 0;
    dst[0] = '\0';
    if (!EVP_Digest(p, n, out, &olen, md, NULL) || 2 * (size_t)olen >= dstlen)
        return;
    hex_lower(dst, out, olen);
}

/* Growable, bounded string buffer for the JA3 strings. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int err;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->err)
        return;
    if (n + 1 > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *q = cap <= SB_MAX ? realloc(b->p, cap) : NULL;
        if (!q) {
            b->err = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_sb(sbuf *b, const sbuf *s)
{
    if (s->err)
        b->err = 1;
    else if (s->len)
        sb_add(b, s->p, s->len);
}

/* Append v to a '-'-separated list. */
static void sb_item(sbuf *b, unsigned v)
{
    char tmp[16];
    int k = snprintf(tmp, sizeof(tmp), "%s%u", b->len ? "-" : "", v);
    if (k > 0)
        sb_add(b, tmp, (size_t)k);
}

static void sb_free(sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* Hash a finished JA3/JA3S string into hash (33) and copy it into raw. */
static void fingerprint(const sbuf *s, char *hash, char *raw, size_t rawlen)
{
    if (s->err || !s->p)
        return;
    digest_hex(EVP_md5(), s->p, s->len, hash, 33);
    snprintf(raw, rawlen, "%s", s->p);
}

/* ---- ClientHello ------------------------------------------------------ */

/* The lists JA3 is built from, collected while a hello is parsed. */
typedef struct ja3_lists {
    sbuf ciphers, exts, groups, formats;
    int has_ext_block;
} ja3_lists;

static void ja3_lists_free(ja3_lists *l)
{
    sb_free(&l->ciphers);
    sb_free(&l->exts);
    sb_free(&l->groups);
    sb_free(&l->formats);
}

/* server_name (RFC 6066 3): keep the first host_name.  0 or -1 if bad. */
static int ext_sni(dis_tls_info *in, dis_rd *e)
{
    dis_rd list = dis_rd_sub(e, dis_rd_be16(e));
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0) {
        uint8_t type = dis_rd_u8(&list);
        uint16_t n = dis_rd_be16(&list);
        const uint8_t *name = dis_rd_ptr(&list, n);
        if (!name)
            break;
        if (type == 0 && in->sni[0] == '\0')
            copy_name(in->sni, sizeof(in->sni), name, n);
    }
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* ALPN (RFC 7301 3.1): the client's protocol list, in order. */
static int ext_alpn(dis_tls_info *in, dis_rd *e)
{
    dis_rd list = dis_rd_sub(e, dis_rd_be16(e));
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0) {
        uint8_t n = dis_rd_u8(&list);
        const uint8_t *name = dis_rd_ptr(&list, n);
        if (!name)
            break;
        if (in->n_alpn < DIS_TLS_MAX_ALPN) {
            copy_name(in->alpn[in->n_alpn], sizeof(in->alpn[0]), name, n);
            in->n_alpn++;
        }
    }
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* supported_groups (RFC 8422 5.1.1): 16-bit list into JA3 minus GREASE. */
static int ext_groups(sbuf *groups, dis_rd *e)
{
    uint16_t n = dis_rd_be16(e);
    dis_rd list = dis_rd_sub(e, n);
    if (n % 2)
        return -1;
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0) {
        uint16_t g = dis_rd_be16(&list);
        if (!is_grease(g))
            sb_item(groups, g);
    }
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* ec_point_formats (RFC 8422 5.1.2): 8-bit list into JA3. */
static int ext_formats(sbuf *formats, dis_rd *e)
{
    dis_rd list = dis_rd_sub(e, dis_rd_u8(e));
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0)
        sb_item(formats, dis_rd_u8(&list));
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* supported_versions in a ClientHello (RFC 8446 4.2.1). */
static int ext_client_versions(dis_tls_info *in, dis_rd *e)
{
    uint8_t n = dis_rd_u8(e);
    dis_rd list = dis_rd_sub(e, n);
    if (n % 2)
        return -1;
    while (dis_rd_ok(&list) && dis_rd_left(&list) > 0) {
        uint16_t v = dis_rd_be16(&list);
        if (!is_grease(v) && in->n_client_versions < DIS_TLS_MAX_VERSIONS)
            in->client_versions[in->n_client_versions++] = v;
    }
    return dis_rd_ok(&list) && dis_rd_ok(e) ? 0 : -1;
}

/* Walk the extensions block (the reader is positioned on its length).
 * Extension types go into l->exts; the ClientHello's contents are decoded
 * when ch is set, the ServerHello's supported_versions otherwise.  Returns
 * 0 when the block and every decoded extension were well formed. */
static int parse_extensions(dis_tls *t, dis_rd *r, ja3_lists *l, int ch)
{
    dis_tls_info *in = &t->info;
    int bad = 0;
    dis_rd blk = dis_rd_sub(r, dis_rd_be16(r));
    if (!dis_rd_ok(r))
        return -1;
    l->has_ext_block = 1;
    while (dis_rd_left(&blk) > 0) {
        uint16_t type = dis_rd_be16(&blk);
        dis_rd e = dis_rd_sub(&blk, dis_rd_be16(&blk));
        if (!dis_rd_ok(&blk))
            return -1;
        if (!is_grease(type))
            sb_item(&l->exts, type);
        if (ch) {
            switch (type) {
            case EXT_SNI: bad |= ext_sni(in, &e); break;
            case EXT_ALPN: bad |= ext_alpn(in, &e); break;
            case EXT_GROUPS: bad |= ext_groups(&l->groups, &e); break;
            case EXT_EC_FORMATS: bad |= ext_formats(&l->formats, &e); break;
            case EXT_VERSIONS: bad |= ext_client_versions(in, &e); break;
            default: break;
            }
        } else if (type == EXT_VERSIONS) {
            uint16_t v = dis_rd_be16(&e);
            if (dis_rd_ok(&e))
                in->version = v;
            else
                bad = -1;
        }
    }
    return bad ? -1 : 0;
}

static void parse_client_hello(dis_tls *t, const uint8_t *p, size_t n)
{
    dis_tls_info *in = &t->info;
    ja3_lists l;
    sbuf s = {0};
    dis_rd r;
    char tmp[16];

    memset(&l, 0, sizeof(l));
    dis_rd_init(&r, p, n);
    uint16_t ver = dis_rd_be16(&r);
    dis_rd_skip(&r, 32);                        /* random */
    dis_rd_skip(&r, dis_rd_u8(&r));             /* legacy_session_id */
    uint16_t cs_len = dis_rd_be16(&r);
    dis_rd cs = dis_rd_sub(&r, cs_len);
    dis_rd_skip(&r, dis_rd_u8(&r));             /* compression methods */
    if (!dis_rd_ok(&r) || cs_len % 2)
        goto fail;
    in->client_hello = 1;
    in->ch_frame = t->frame;
    in->client_legacy_version = ver;
    while (dis_rd_left(&cs) > 0) {
        uint16_t c = dis_rd_be16(&cs);
        if (!is_grease(c))
            sb_item(&l.ciphers, c);
    }
    if (dis_rd_left(&r) > 0 && parse_extensions(t, &r, &l, 1) < 0)
        goto fail;

    snprintf(tmp, sizeof(tmp), "%u,", ver);
    sb_str(&s, tmp);
    sb_sb(&s, &l.ciphers);
    sb_str(&s, ",");
    if (l.has_ext_block) {
        sb_sb(&s, &l.exts);
        sb_str(&s, ",");
        sb_sb(&s, &l.groups);
        sb_str(&s, ",");
        sb_sb(&s, &l.formats);
    }
    fingerprint(&s, in->ja3, in->ja3_raw, sizeof(in->ja3_raw));
fail:
    sb_free(&s);
    ja3_lists_free(&l);
}

/* ---- ServerHello ------------------------------------------------------ */

static void parse_server_hello(dis_tls *t, int dir, const uint8_t *p,
                               size_t n)
{
    dis_tls_info *in = &t->info;
    ja3_lists l;
    sbuf s = {0};
    dis_rd r;
    char tmp[32];

    memset(&l, 0, sizeof(l));
    dis_rd_init(&r, p, n);
    uint16_t ver = dis_rd_be16(&r);
    dis_rd_skip(&r, 32);                        /* random */
    dis_rd_skip(&r, dis_rd_u8(&r));             /* legacy_session_id */
    uint16_t cipher = dis_rd_be16(&r);
    dis_rd_skip(&r, 1);                         /* compression method */
    if (!dis_rd_ok(&r))
        goto fail;
    in->server_hello = 1;
    in->sh_frame = t->frame;
    in->version = ver;
    in->cipher = cipher;
    in->has_cipher = 1;
    t->server_dir = dir;
    if (dis_rd_left(&r) > 0 && parse_extensions(t, &r, &l, 0) < 0)
        goto fail;

    snprintf(tmp, sizeof(tmp), "%u,%u,", ver, cipher);
    sb_str(&s, tmp);
    if (l.has_ext_block)
        sb_sb(&s, &l.exts);
    fingerprint(&s, in->ja3s, in->ja3s_raw, sizeof(in->ja3s_raw));
fail:
    sb_free(&s);
    ja3_lists_free(&l);
}

/* ---- Certificate (TLS <= 1.2) ------------------------------------------ */

static void name_rfc2253(X509_NAME *name, char *dst, size_t dstlen)
{
    dst[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
        int k = BIO_read(b, dst, (int)dstlen - 1);
        dst[k > 0 ? k : 0] = '\0';
    }
    BIO_free(b);
}

static void one_cert(dis_tls_cert *c, const uint8_t *der, size_t n)
{
    const unsigned char *q = der;
    memset(c, 0, sizeof(*c));
    X509 *x = d2i_X509(NULL, &q, (long)n);
    if (x) {
        name_rfc2253(X509_get_subject_name(x), c->subject, sizeof(c->subject));
        name_rfc2253(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
        X509_free(x);
    }
    digest_hex(EVP_sha1(), der, n, c->sha1, sizeof(c->sha1));
    digest_hex(EVP_sha256(), der, n, c->sha256, sizeof(c->sha256));
}

/* RFC 5246 7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
 * Certificates that fail to decode keep their hashes with empty names. */
static void parse_certificate(dis_tls *t, const uint8_t *p, size_t n)
{
    dis_tls_info *in = &t->info;
    dis_rd r;
    dis_rd_init(&r, p, n);
    dis_rd list = dis_rd_sub(&r, dis_rd_be24(&r));
    t->certs_seen = 1;
    while (dis_rd_left(&list) > 0 && in->n_certs < DIS_TLS_MAX_CERTS) {
        uint32_t clen = dis_rd_be24(&list);
        const uint8_t *der = dis_rd_ptr(&list, clen);
        if (!der || clen == 0)
            break;
        one_cert(&in->certs[in->n_certs++], der, clen);
    }
}

/* ---- handshake and record layers -------------------------------------- */

static void handshake_message(tls_dir *d, uint8_t type, const uint8_t *body,
                              size_t n)
{
    dis_tls *t = d->t;
    switch (type) {
    case HT_CLIENT_HELLO:
        if (!t->info.client_hello)
            parse_client_hello(t, body, n);
        break;
    case HT_SERVER_HELLO:
        if (!t->info.server_hello)
            parse_server_hello(t, d->dir, body, n);
        break;
    case HT_CERTIFICATE:
        /* The server's chain only (a client may send one too), and only
         * while it travels in clear (TLS 1.3 encrypts it). */
        if (t->certs_seen || d->dir != (t->server_dir >= 0 ? t->server_dir : 1))
            break;
        if (t->info.server_hello && t->info.version >= 0x0304)
            break;
        parse_certificate(t, body, n);
        break;
    default:
        break;
    }
}

static void stop_dir(tls_dir *d)
{
    d->stopped = 1;
    free(d->hs);
    d->hs = NULL;
    d->hs_len = d->hs_cap = 0;
}

/* Append a handshake record fragment and cut out complete messages.
 * Returns -1 when the direction must stop (message over the bound or out of
 * memory). */
static int handshake_bytes(tls_dir *d, const uint8_t *p, size_t n)
{
    if (n > d->hs_cap - d->hs_len) {
        size_t cap = d->hs_cap ? d->hs_cap : HS_INIT;
        while (cap < d->hs_len + n)
            cap *= 2;
        if (cap > DIR_LIMIT)
            cap = DIR_LIMIT;
        if (d->hs_len + n > cap)
            return -1;
        uint8_t *q = realloc(d->hs, cap);
        if (!q)
            return -1;
        d->hs = q;
        d->hs_cap = cap;
    }
    memcpy(d->hs + d->hs_len, p, n);
    d->hs_len += n;

    dis_rd r;
    dis_rd_init(&r, d->hs, d->hs_len);
    for (;;) {
        dis_rd m = r;
        uint8_t type = dis_rd_u8(&m);
        uint32_t len = dis_rd_be24(&m);
        if (!dis_rd_ok(&m))
            break;
        if ((size_t)len + 4 > DIR_LIMIT)
            return -1;
        const uint8_t *body = dis_rd_ptr(&m, len);
        if (!body)
            break;                      /* wait for the rest */
        handshake_message(d, type, body, len);
        r = m;
    }
    size_t used = d->hs_len - dis_rd_left(&r);
    if (used) {
        memmove(d->hs, d->hs + used, d->hs_len - used);
        d->hs_len -= used;
    }
    return 0;
}

/* Check a complete record header; -1 when the direction must stop. */
static int record_header(tls_dir *d)
{
    dis_rd r;
    dis_rd_init(&r, d->hdr, sizeof(d->hdr));
    uint8_t type = dis_rd_u8(&r);
    uint8_t major = dis_rd_u8(&r);
    dis_rd_skip(&r, 1);                         /* minor version */
    uint16_t len = dis_rd_be16(&r);
    if (!dis_rd_ok(&r) || major != 3 || len > REC_MAX)
        return -1;
    if (type != CT_HANDSHAKE && type != CT_ALERT && type != CT_HEARTBEAT)
        return -1;                  /* CCS, application data or not TLS */
    d->rtype = type;
    d->rec_left = len;
    d->in_body = len > 0;
    d->hdr_len = 0;
    return 0;
}

/* Reassembler callback: n in-order stream bytes of one direction.  Returns
 * non-zero when the direction is finished. */
static int on_stream(void *ctx, const uint8_t *p, size_t n)
{
    tls_dir *d = ctx;
    dis_rd r;

    if (d->stopped)
        return 1;
    if (n > DIR_LIMIT - d->seen)
        n = DIR_LIMIT - d->seen;
    d->seen += n;
    dis_rd_init(&r, p, n);
    while (dis_rd_left(&r) > 0) {
        if (!d->in_body) {
            size_t k = sizeof(d->hdr) - d->hdr_len;
            if (k > dis_rd_left(&r))
                k = dis_rd_left(&r);
            dis_rd_copy(&r, d->hdr + d->hdr_len, k);
            d->hdr_len += k;
            if (d->hdr_len == sizeof(d->hdr) && record_header(d) < 0)
                goto stop;
            continue;
        }
        size_t k = d->rec_left < dis_rd_left(&r) ? d->rec_left
                                                  : dis_rd_left(&r);
        const uint8_t *q = dis_rd_ptr(&r, k);
        if (d->rtype == CT_HANDSHAKE && handshake_bytes(d, q, k) < 0)
            goto stop;
        d->rec_left -= k;
        if (d->rec_left == 0)
            d->in_body = 0;
    }
    if (d->seen < DIR_LIMIT)
        return 0;
stop:
    stop_dir(d);
    return 1;
}

/* ---- public API ------------------------------------------------------- */

dis_tls *dis_tls_new(void)
{
    dis_tls *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->server_dir = -1;
    for (int i = 0; i < 2; i++) {
        t->d[i].t = t;
        t->d[i].dir = i;
        dis_tcpreasm_init(&t->d[i].rs, DIS_TCPREASM_DEFAULT_LIMIT);
    }
    return t;
}

void dis_tls_free(dis_tls *t)
{
    if (!t)
        return;
    for (int i = 0; i < 2; i++) {
        dis_tcpreasm_finish(&t->d[i].rs);
        stop_dir(&t->d[i]);
    }
    free(t);
}

void dis_tls_tcp_segment(dis_tls *t, int dir, uint32_t seq, int syn,
                         const uint8_t *payload, size_t len, uint64_t frame)
{
    if (!t || (dir != 0 && dir != 1))
        return;
    tls_dir *d = &t->d[dir];
    if (d->stopped)
        return;
    t->frame = frame;
    if (dis_tcpreasm_segment(&d->rs, seq, syn, payload, len, on_stream, d) !=
        DIS_TCPREASM_OK) {
        dis_tcpreasm_finish(&d->rs);
        stop_dir(d);
    }
}

int dis_tls_done(const dis_tls *t)
{
    return t && t->d[0].stopped && t->d[1].stopped;
}

const dis_tls_info *dis_tls_get(const dis_tls *t)
{
    return t ? &t->info : NULL;
}

const char *dis_tls_version_name(uint16_t v, char *buf, size_t buflen)
{
    const char *s = NULL;
    switch (v) {
    case 0x0002: case 0x0200: s = "SSLv2"; break;
    case 0x0300: s = "SSLv3"; break;
    case 0x0301: s = "TLSv1.0"; break;
    case 0x0302: s = "TLSv1.1"; break;
    case 0x0303: s = "TLSv1.2"; break;
    case 0x0304: s = "TLSv1.3"; break;
    default: break;
    }
    if (s)
        snprintf(buf, buflen, "%s", s);
    else
        snprintf(buf, buflen, "0x%04x", v);
    return buf;
}

/* One SSL object, created once, used only as the handle SSL_CIPHER_find
 * needs to reach OpenSSL's static cipher tables (read-only afterwards). */
static pthread_once_t ssl_once = PTHREAD_ONCE_INIT;
static SSL *ssl_handle;

static void ssl_init(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (!ctx)
        return;
    ssl_handle = SSL_new(ctx);
    SSL_CTX_free(ctx);          /* the SSL keeps its own reference */
}

const char *dis_tls_cipher_name(uint16_t c, char *buf, size_t buflen)
{
    const unsigned char id[2] = { (unsigned char)(c >> 8),
                                  (unsigned char)(c & 0xff) };
    const SSL_CIPHER *sc = NULL;
    const char *name = NULL;

    pthread_once(&ssl_once, ssl_init);
    if (ssl_handle)
        sc = SSL_CIPHER_find(ssl_handle, id);
    if (sc)
        name = SSL_CIPHER_standard_name(sc);
    if (name && strcmp(name, "(NONE)") != 0)
        snprintf(buf, buflen, "%s", name);
    else
        snprintf(buf, buflen, "0x%04x", c);
    return buf;
}

/* tls.c - TLS record layer over bounded TCP reassembly, the handshake
 * message dispatcher shared with QUIC and DTLS, alerts, and the API.
 * RFC 5246 section 6.2 (records), 7.2 (alerts), 7.4 (handshake framing),
 * RFC 8446 sections 4 (handshake), 5.1 (records), 6 (alerts), D.4
 * (middlebox compatibility: the dummy change_cipher_spec).
 *
 * Invariants
 * ----------
 * - Each TCP direction has its own reassembler and record parser.  The
 *   record parser is a two-state machine fed by the reassembler callback:
 *   collect a 5-byte header (it may arrive a byte at a time), then stream
 *   the body.  Handshake record bodies are appended to a per-direction
 *   handshake buffer and complete handshake messages are cut from its
 *   front, so messages may span records and records may span segments.
 *   Alert bodies are read two bytes at a time; other bodies are skipped,
 *   never stored.  The handshake buffer is freed whenever no partial
 *   message is left in it, so between packets a direction holds one only
 *   while a message spans segments.
 * - A direction stops for good at an application data record, at a
 *   ChangeCipherSpec that ends the clear-text handshake (always in TLS
 *   <= 1.2; in TLS 1.3 it is the compatibility dummy and the plain
 *   ServerHello / second ClientHello after a HelloRetryRequest may still
 *   follow), at an invalid record header, after DIS_TLS_DIR_LIMIT bytes of
 *   stream, or when its reassembler gives up.  Stopping frees that
 *   direction's whole state (allocated at its first segment: QUIC, DTLS
 *   and finished flows hold none); over TCP dis_tls_done() is true once
 *   both have stopped.  Memory per direction is therefore bounded by
 *   DIS_TLS_DIR_LIMIT of handshake buffer plus the reassembler's
 *   out-of-order bound.
 * - Before a direction has delivered its first byte, a SYN with another
 *   ISN, or data before the announced ISN, restarts its reassembly from
 *   that segment: the earlier SYN was not the one the connection used.
 * - Every handshake message, from TCP or from dis_tls_handshake() (QUIC,
 *   DTLS), goes through handshake_message(): the same parsers, the same
 *   rules.  Only the server's first Certificate is parsed, and only when
 *   the negotiated version does not encrypt it.
 * - The facts are kept in exact-size blocks owned by the handle (see
 *   tls.h "Ownership of the facts" and struct dis_tls in tls_int.h),
 *   built with the two-pass dis_tls_pk helpers below; dis_tls_new points
 *   every string and list at a static empty, so none is ever NULL.
 * - Every packet byte is read through dis_rd.
 */
#define _POSIX_C_SOURCE 200809L
#include "tls_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "rd.h"

#define REC_MAX (16384u + 2048u)        /* largest record body accepted */
#define HS_INIT 2048u                   /* first handshake buffer size */
#define ALERT_REC_MAX 16u               /* longer alert records are not
                                           clear text (RFC 5246 7.2) */

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23,
       CT_HEARTBEAT = 24 };
enum { HT_CLIENT_HELLO = 1, HT_SERVER_HELLO = 2, HT_CERTIFICATE = 11 };

/* ---- helpers shared by tls*.c (declared in tls_int.h) ----------------- */

const char dis_tls_empty[1] = "";
const uint16_t dis_tls_no_codes[1] = { 0 };
const char *const dis_tls_no_names[1] = { dis_tls_empty };

int dis_tls_is_grease(uint16_t v)
{
    return (v & 0x0f0fu) == 0x0a0au && (v >> 8) == (v & 0xffu);
}

int dis_tls_is_v13(uint16_t v)
{
    return v == 0x0304 || v == 0xfefc || (v >> 8) == 0x7f;
}

void dis_tls_copy_name(char *dst, size_t dstlen, const uint8_t *src, size_t n)
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

void dis_tls_hex(char *dst, const unsigned char *src, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        dst[2 * i] = hx[src[i] >> 4];
        dst[2 * i + 1] = hx[src[i] & 0x0f];
    }
    dst[2 * n] = '\0';
}

/* Caller owns out (5 bytes or more). */
size_t dis_tls_fmt_u16(char *out, uint16_t v, int hex)
{
    static const char hx[] = "0123456789abcdef";
    if (hex) {
        for (int i = 0; i < 4; i++)
            out[i] = hx[(v >> (12 - 4 * i)) & 15];
        return 4;
    }
    char r[5];
    size_t n = 0;
    do {
        r[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = r[n - 1 - i];
    return n;
}

void dis_tls_digest_hex(dis_md_id id, const void *p, size_t n, char *dst,
                        size_t dstlen)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int olen = 0;
    dst[0] = '\0';
    if (dis_digest(id, p, n, out, &olen) < 0 || 2 * (size_t)olen >= dstlen)
        return;
    dis_tls_hex(dst, out, olen);
}

/* ---- exact-size fact blocks (declared in tls_int.h) ---------------------- */

void dis_tls_pk_init(dis_tls_pk *k)
{
    memset(k, 0, sizeof(*k));
}

int dis_tls_pk_alloc(dis_tls_pk *k, size_t head)
{
    size_t ptrs = k->nptr * sizeof(char *);
    size_t codes = k->ncode * sizeof(uint16_t);
    k->size = head + ptrs + codes + k->ntext;
    k->base = NULL;
    k->pp = NULL;
    k->cp = NULL;
    k->tp = NULL;
    if (k->size) {
        k->base = malloc(k->size);
        if (!k->base)
            return -1;
        k->pp = (const char **)(void *)(k->base + head);
        k->cp = (uint16_t *)(void *)(k->base + head + ptrs);
        k->tp = (char *)(k->base + head + ptrs + codes);
    }
    k->placing = 1;
    return 0;
}

const char *dis_tls_pk_str(dis_tls_pk *k, const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return dis_tls_empty;
    if (!k->placing) {
        k->ntext += n + 1;
        return dis_tls_empty;
    }
    char *d = k->tp;
    memcpy(d, s, n + 1);
    k->tp += n + 1;
    return d;
}

const uint16_t *dis_tls_pk_codes(dis_tls_pk *k, const uint16_t *v, size_t n)
{
    if (n == 0)
        return dis_tls_no_codes;
    if (!k->placing) {
        k->ncode += n;
        return dis_tls_no_codes;
    }
    uint16_t *d = k->cp;
    memcpy(d, v, n * sizeof(*v));
    k->cp += n;
    return d;
}

const char **dis_tls_pk_ptrs(dis_tls_pk *k, size_t n)
{
    if (n == 0)
        return NULL;
    if (!k->placing) {
        k->nptr += n;
        return NULL;
    }
    const char **d = k->pp;
    k->pp += n;
    return d;
}

/* ---- handshake messages and alerts ------------------------------------ */

static void handshake_message(dis_tls *t, int dir, uint8_t type,
                              const uint8_t *body, size_t n)
{
    dis_tls_info *in = &t->info;
    switch (type) {
    case HT_CLIENT_HELLO:
        dis_tls_client_hello(t, dir, body, n);
        break;
    case HT_SERVER_HELLO:
        dis_tls_server_hello(t, dir, body, n);
        break;
    case HT_CERTIFICATE:
        /* The server's chain only (a client may send one too), and only
         * while it travels in clear (TLS 1.3 encrypts it). */
        if (in->certs_seen || dir != (t->server_dir >= 0 ? t->server_dir : 1))
            break;
        if (in->server_hello && dis_tls_is_v13(in->version))
            break;
        dis_tls_certificate(t, body, n);
        break;
    default:
        break;
    }
}

static void add_alert(dis_tls *t, int dir, uint8_t level, uint8_t desc)
{
    dis_tls_info *in = &t->info;
    if (!t->alerts)             /* room for all, so it never moves */
        t->alerts = calloc(DIS_TLS_MAX_ALERTS, sizeof(*t->alerts));
    if (in->n_alerts >= DIS_TLS_MAX_ALERTS || !t->alerts) {
        in->alerts_dropped++;
        return;
    }
    in->alerts = t->alerts;
    dis_tls_alert_rec *a = &t->alerts[in->n_alerts++];
    a->frame = t->frame;
    a->dir = (uint8_t)dir;
    a->level = level;
    a->desc = desc;
}

/* ---- TCP record layer --------------------------------------------------- */

static void stop_dir(dis_tls_dir *d)
{
    d->stopped = 1;
    free(d->hs);
    d->hs = NULL;
    d->hs_len = d->hs_cap = 0;
}

/* Hand every complete handshake message at the start of *r to
 * handshake_message, leaving *r at the first incomplete one.  Returns -1 when
 * a message is over the bound. */
static int cut_messages(dis_tls_dir *d, dis_rd *r)
{
    for (;;) {
        dis_rd m = *r;
        uint8_t type = dis_rd_u8(&m);
        uint32_t len = dis_rd_be24(&m);
        if (!dis_rd_ok(&m))
            return 0;
        if ((size_t)len + 4 > DIS_TLS_DIR_LIMIT)
            return -1;
        const uint8_t *body = dis_rd_ptr(&m, len);
        if (!body)
            return 0;                   /* wait for the rest */
        handshake_message(d->t, d->dir, type, body, len);
        *r = m;
    }
}

/* Append a handshake record fragment and cut out complete messages.
 * Messages wholly inside a fragment that starts between messages (the
 * usual case: a ClientHello in one record) are read in place; only an
 * incomplete one is copied, into a buffer sized for the whole message
 * when its header is there (it is within DIS_TLS_DIR_LIMIT), so it is
 * not grown again and again.  Returns -1 when the direction must stop
 * (message over the bound or out of memory). */
static int handshake_bytes(dis_tls_dir *d, const uint8_t *p, size_t n)
{
    if (d->hs_len == 0) {
        dis_rd r;
        dis_rd_init(&r, p, n);
        if (cut_messages(d, &r) < 0)
            return -1;
        size_t left = dis_rd_left(&r);
        p += n - left;
        n = left;
        if (n == 0)
            return 0;
    }
    if (n > d->hs_cap - d->hs_len) {
        size_t want = d->hs_len + n;
        size_t cap = d->hs_cap ? d->hs_cap : HS_INIT;
        /* the message's own length, when its header is at hand */
        dis_rd hr;
        dis_rd_init(&hr, d->hs_len ? d->hs : p, d->hs_len ? d->hs_len : n);
        dis_rd_skip(&hr, 1);                    /* msg_type */
        size_t whole = 4 + (size_t)dis_rd_be24(&hr);
        if (dis_rd_ok(&hr) && whole > cap && whole <= DIS_TLS_DIR_LIMIT)
            cap = whole;
        while (cap < want)
            cap *= 2;
        if (cap > DIS_TLS_DIR_LIMIT)
            cap = DIS_TLS_DIR_LIMIT;
        if (want > cap)
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
    if (cut_messages(d, &r) < 0)
        return -1;
    size_t used = d->hs_len - dis_rd_left(&r);
    if (used) {
        memmove(d->hs, d->hs + used, d->hs_len - used);
        d->hs_len -= used;
    }
    if (d->hs_len == 0) {               /* hold nothing between messages */
        free(d->hs);
        d->hs = NULL;
        d->hs_cap = 0;
    }
    return 0;
}

/* Whether a ChangeCipherSpec leaves clear-text handshake to come: only the
 * TLS 1.3 compatibility dummy (RFC 8446 D.4) does.  The negotiated version
 * decides; before any ServerHello, a client offering TLS 1.3. */
static int ccs_continues(const dis_tls_dir *d)
{
    const dis_tls_info *in = &d->t->info;
    if (in->server_hello)
        return dis_tls_is_v13(in->version);
    if (d->dir != 0)
        return 0;
    for (int i = 0; i < in->n_client_versions; i++)
        if (dis_tls_is_v13(in->client_versions[i]))
            return 1;
    return 0;
}

/* Check a complete record header; -1 when the direction must stop. */
static int record_header(dis_tls_dir *d)
{
    dis_rd r;
    dis_rd_init(&r, d->hdr, sizeof(d->hdr));
    uint8_t type = dis_rd_u8(&r);
    uint8_t major = dis_rd_u8(&r);
    dis_rd_skip(&r, 1);                         /* minor version */
    uint16_t len = dis_rd_be16(&r);
    if (!dis_rd_ok(&r) || major != 3 || len > REC_MAX)
        return -1;
    switch (type) {
    case CT_HANDSHAKE:
        d->rec_skip = 0;
        break;
    case CT_ALERT:      /* level + description pairs, else encrypted */
        d->rec_skip = len % 2 || len > ALERT_REC_MAX;
        break;
    case CT_HEARTBEAT:
        d->rec_skip = 1;
        break;
    case CT_CCS:
        if (!ccs_continues(d))
            return -1;
        d->rec_skip = 1;
        break;
    default:
        return -1;                  /* application data or not TLS */
    }
    d->rtype = type;
    d->rec_left = len;
    d->in_body = len > 0;
    d->hdr_len = 0;
    d->al_len = 0;
    return 0;
}

/* Alert record bytes: each complete (level, description) pair is one. */
static void alert_bytes(dis_tls_dir *d, const uint8_t *p, size_t n)
{
    dis_rd r;
    dis_rd_init(&r, p, n);
    while (dis_rd_left(&r) > 0) {
        d->al[d->al_len++] = dis_rd_u8(&r);
        if (d->al_len == 2) {
            add_alert(d->t, d->dir, d->al[0], d->al[1]);
            d->al_len = 0;
        }
    }
}

/* Reassembler callback: n in-order stream bytes of one direction.  Returns
 * non-zero when the direction is finished. */
static int on_stream(void *ctx, const uint8_t *p, size_t n)
{
    dis_tls_dir *d = ctx;
    dis_rd r;

    if (d->stopped)
        return 1;
    if (n > DIS_TLS_DIR_LIMIT - d->seen)
        n = DIS_TLS_DIR_LIMIT - d->seen;
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
        if (!d->rec_skip) {
            if (d->rtype == CT_HANDSHAKE && handshake_bytes(d, q, k) < 0)
                goto stop;
            if (d->rtype == CT_ALERT)
                alert_bytes(d, q, k);
        }
        d->rec_left -= k;
        if (d->rec_left == 0)
            d->in_body = 0;
    }
    if (d->seen < DIS_TLS_DIR_LIMIT)
        return 0;
stop:
    stop_dir(d);
    return 1;
}

/* ---- public API --------------------------------------------------------- */

dis_tls *dis_tls_new(void)
{
    dis_tls *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->server_dir = -1;
    t->info.sni = t->info.ja3_raw = t->info.ja3s_raw = dis_tls_empty;
    t->info.ja4_raw = t->info.server_alpn = dis_tls_empty;
    t->info.alpn = dis_tls_no_names;
    t->info.ciphers.v = t->info.extensions.v = dis_tls_no_codes;
    t->info.groups.v = t->info.sig_algs.v = dis_tls_no_codes;
    t->info.key_share_groups.v = t->info.sh_extensions.v = dis_tls_no_codes;
    t->info.transport = DIS_TLS_OVER_TCP;
    t->info.cert_valid_at_capture = -1;
    t->info.sni_matches_cert = -1;
    return t;
}

/* The running state of a direction, allocated at its first segment; NULL
 * once it stopped (out of memory, it stops at once). */
static dis_tls_dir *dir_state(dis_tls *t, int dir)
{
    if (t->stopped[dir])
        return NULL;
    if (!t->d[dir]) {
        dis_tls_dir *d = calloc(1, sizeof(*d));
        if (!d) {
            t->stopped[dir] = 1;
            return NULL;
        }
        d->t = t;
        d->dir = dir;
        dis_tcpreasm_init(&d->rs, DIS_TCPREASM_DEFAULT_LIMIT);
        t->d[dir] = d;
    }
    return t->d[dir];
}

/* Stop a direction for good and free its state. */
static void release_dir(dis_tls *t, int dir)
{
    dis_tls_dir *d = t->d[dir];
    t->stopped[dir] = 1;
    if (!d)
        return;
    dis_tcpreasm_finish(&d->rs);
    stop_dir(d);
    free(d);
    t->d[dir] = NULL;
}

void dis_tls_free(dis_tls *t)
{
    if (!t)
        return;
    for (int i = 0; i < 2; i++)
        release_dir(t, i);
    dis_tls_certs_free(t);
    free(t->ch_blk);
    free(t->sh_blk);
    free(t->hrr_blk);
    free(t->sni2);
    free(t->alerts);
    free(t);
}

void dis_tls_tcp_segment(dis_tls *t, int dir, uint32_t seq, int syn,
                         const uint8_t *payload, size_t len, uint64_t frame)
{
    if (!t || (dir != 0 && dir != 1))
        return;
    dis_tls_dir *d = dir_state(t, dir);
    if (!d)
        return;
    t->frame = frame;
    /* Nothing delivered yet and a SYN with another ISN, or data before the
     * ISN a SYN announced: that SYN was not the one the connection used
     * (a server answering with several SYN-ACKs of different ISNs; the
     * client acknowledges the last).  Start again from this segment. */
    if (d->rs.have_next && d->rs.delivered == 0 &&
        d->rs.state == DIS_TCPREASM_OK) {
        uint32_t behind = d->rs.next_seq - seq;
        if ((syn && seq + 1 != d->rs.next_seq) ||
            (!syn && len && behind != 0 && behind < 0x80000000u)) {
            dis_tcpreasm_finish(&d->rs);
            dis_tcpreasm_init(&d->rs, DIS_TCPREASM_DEFAULT_LIMIT);
        }
    }
    if (dis_tcpreasm_segment(&d->rs, seq, syn, payload, len, on_stream, d) !=
        DIS_TCPREASM_OK)
        release_dir(t, dir);
}

void dis_tls_set_time(dis_tls *t, int64_t ts_usec)
{
    if (!t)
        return;
    t->ts_us = ts_usec;
    t->have_ts = 1;
}

void dis_tls_set_transport(dis_tls *t, int transport)
{
    if (t && (transport == DIS_TLS_OVER_TCP || transport == DIS_TLS_OVER_QUIC ||
              transport == DIS_TLS_OVER_DTLS))
        t->info.transport = transport;
}

void dis_tls_handshake(dis_tls *t, int dir, const uint8_t *msg, size_t len,
                       uint64_t frame)
{
    dis_rd r;
    if (!t || (dir != 0 && dir != 1))
        return;
    t->frame = frame;
    dis_rd_init(&r, msg, len);
    uint8_t type = dis_rd_u8(&r);
    uint32_t blen = dis_rd_be24(&r);
    if (!dis_rd_ok(&r))
        return;
    /* A body shorter than its header says is parsed as far as it goes:
     * facts up to the cut, no fingerprint. */
    size_t avail = dis_rd_left(&r);
    const uint8_t *body = dis_rd_ptr(&r, blen < avail ? blen : avail);
    if (body)
        handshake_message(t, dir, type, body, blen < avail ? blen : avail);
}

void dis_tls_alert(dis_tls *t, int dir, uint8_t level, uint8_t desc,
                   uint64_t frame)
{
    if (!t || (dir != 0 && dir != 1))
        return;
    t->frame = frame;
    add_alert(t, dir, level, desc);
}

int dis_tls_done(const dis_tls *t)
{
    if (!t)
        return 0;
    const dis_tls_info *in = &t->info;
    switch (in->transport) {
    case DIS_TLS_OVER_QUIC:
        return in->client_hello && t->sh_final;
    case DIS_TLS_OVER_DTLS:
        return in->client_hello && t->sh_final &&
               (in->certs_seen || dis_tls_is_v13(in->version));
    default:
        return t->stopped[0] && t->stopped[1];
    }
}

const dis_tls_info *dis_tls_get(const dis_tls *t)
{
    return t ? &t->info : NULL;
}

int dis_tls_certs_visible(const dis_tls_info *in)
{
    if (!in)
        return -1;
    if (in->certs_seen)
        return 1;
    if (in->transport == DIS_TLS_OVER_QUIC ||
        (in->server_hello && dis_tls_is_v13(in->version)))
        return 0;
    return -1;
}

size_t dis_tls_mem(const dis_tls *t)
{
    if (!t)
        return 0;
    size_t m = sizeof(*t) + t->cert_mem;
    if (t->alerts)
        m += DIS_TLS_MAX_ALERTS * sizeof(*t->alerts);
    for (int i = 0; i < 2; i++)
        if (t->d[i])
            m += sizeof(dis_tls_dir) + t->d[i]->hs_cap + t->d[i]->rs.held;
    return m;
}

size_t dis_tls_hello_mem(const dis_tls *t)
{
    return t ? t->hello_mem : 0;
}

/* ---- names ---------------------------------------------------------------- */

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
    case 0xfeff: s = "DTLSv1.0"; break;
    case 0xfefd: s = "DTLSv1.2"; break;
    case 0xfefc: s = "DTLSv1.3"; break;
    default: break;
    }
    if (s)
        snprintf(buf, buflen, "%s", s);
    else
        snprintf(buf, buflen, "0x%04x", v);
    return buf;
}

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_fetched[3]; /* by dis_md_id */

static void md_init(void)
{
    static const char *const names[3] = { "MD5", "SHA1", "SHA256" };
    for (int i = 0; i < 3; i++)
        md_fetched[i] = EVP_MD_fetch(NULL, names[i], NULL);
    ERR_clear_error(); /* a failed fetch leaves its reason queued */
}

const EVP_MD *dis_md(dis_md_id id)
{
    pthread_once(&md_once, md_init);
    if ((unsigned)id < 3 && md_fetched[id])
        return md_fetched[id];
    return id == DIS_MD_MD5 ? EVP_md5() : id == DIS_MD_SHA1 ? EVP_sha1()
                                                             : EVP_sha256();
}

/* Per-thread digest contexts, one per dis_md_id, reused from call to call:
 * EVP_Digest() creates and frees a context each time, a fifth of what a
 * short digest costs.  Freed by the key's destructor when a thread ends;
 * the main thread's stay reachable until exit. */
typedef struct md_ctxs {
    EVP_MD_CTX *c[3];
} md_ctxs;

static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static int ctx_key_ok;

static void ctx_free(void *v)
{
    md_ctxs *m = v;
    for (int i = 0; i < 3; i++)
        EVP_MD_CTX_free(m->c[i]);
    free(m);
}

static void ctx_key_init(void)
{
    ctx_key_ok = pthread_key_create(&ctx_key, ctx_free) == 0;
}

/* This thread's context for id, created on first use; NULL when out of
 * memory (the caller falls back to EVP_Digest). */
static EVP_MD_CTX *md_ctx(dis_md_id id)
{
    pthread_once(&ctx_once, ctx_key_init);
    if (!ctx_key_ok)
        return NULL;
    md_ctxs *m = pthread_getspecific(ctx_key);
    if (!m) {
        m = calloc(1, sizeof(*m));
        if (!m)
            return NULL;
        if (pthread_setspecific(ctx_key, m) != 0) {
            free(m);
            return NULL;
        }
    }
    if (!m->c[id])
        m->c[id] = EVP_MD_CTX_new();
    return m->c[id];
}

int dis_digest(dis_md_id id, const void *p, size_t n,
               unsigned char *out, unsigned int *olen)
{
    if ((unsigned)id >= 3)
        return -1;
    const EVP_MD *md = dis_md(id);
    EVP_MD_CTX *c = md_ctx(id);
    if (!c)
        return EVP_Digest(p, n, out, olen, md, NULL) ? 0 : -1;
    if (EVP_DigestInit_ex2(c, md, NULL) && EVP_DigestUpdate(c, p, n) &&
        EVP_DigestFinal_ex(c, out, olen))
        return 0;
    EVP_MD_CTX_reset(c);        /* a failed step leaves no half state */
    return -1;
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

const char *dis_tls_alert_level_name(uint8_t level, char *buf, size_t buflen)
{
    if (level == 1 || level == 2)
        snprintf(buf, buflen, "%s", level == 1 ? "warning" : "fatal");
    else
        snprintf(buf, buflen, "%u", level);
    return buf;
}

/* RFC 8446 section 6 and the TLS Alerts registry (RFC 5246 7.2 for the
 * ones TLS 1.3 retired). */
static const struct { uint8_t code; const char *name; } ALERTS[] = {
    { 0, "close_notify" }, { 10, "unexpected_message" },
    { 20, "bad_record_mac" }, { 21, "decryption_failed" },
    { 22, "record_overflow" }, { 30, "decompression_failure" },
    { 40, "handshake_failure" }, { 41, "no_certificate" },
    { 42, "bad_certificate" }, { 43, "unsupported_certificate" },
    { 44, "certificate_revoked" }, { 45, "certificate_expired" },
    { 46, "certificate_unknown" }, { 47, "illegal_parameter" },
    { 48, "unknown_ca" }, { 49, "access_denied" }, { 50, "decode_error" },
    { 51, "decrypt_error" }, { 60, "export_restriction" },
    { 70, "protocol_version" }, { 71, "insufficient_security" },
    { 80, "internal_error" }, { 86, "inappropriate_fallback" },
    { 90, "user_canceled" }, { 100, "no_renegotiation" },
    { 109, "missing_extension" }, { 110, "unsupported_extension" },
    { 111, "certificate_unobtainable" }, { 112, "unrecognized_name" },
    { 113, "bad_certificate_status_response" },
    { 114, "bad_certificate_hash_value" }, { 115, "unknown_psk_identity" },
    { 116, "certificate_required" }, { 120, "no_application_protocol" },
    { 121, "ech_required" },
};

const char *dis_tls_alert_desc_name(uint8_t desc, char *buf, size_t buflen)
{
    for (size_t i = 0; i < sizeof(ALERTS) / sizeof(ALERTS[0]); i++)
        if (ALERTS[i].code == desc) {
            snprintf(buf, buflen, "%s", ALERTS[i].name);
            return buf;
        }
    snprintf(buf, buflen, "%u", desc);
    return buf;
}

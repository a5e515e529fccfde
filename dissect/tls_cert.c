/* tls_cert.c - facts of the server's certificate chain, decoded by OpenSSL.
 * RFC 5246 section 7.4.2 (Certificate: certificate_list of ASN.1Cert),
 * RFC 5280 (X.509: serial, validity, subjectAltName, signature),
 * RFC 4514 (string form of names), RFC 3339 (timestamps), RFC 6125 via
 * OpenSSL's X509_check_host (server identity).
 *
 * Invariants
 * ----------
 * - The certificate_list is walked with dis_rd; each DER certificate is a
 *   slice the reader has bounded and is handed to d2i_X509 as such.  No
 *   ASN.1 is decoded here: subject, issuer, serial, validity, SANs,
 *   signature algorithm, key and the self-signature check all come from
 *   OpenSSL.  A certificate OpenSSL refuses keeps its hashes and length,
 *   with decoded = 0.
 * - A certificate is decoded into a scratch area with room for every bound
 *   (cert_scratch: the text fields at their DIS_TLS_*_MAX sizes, at most
 *   DIS_TLS_MAX_SAN SANs in DIS_TLS_SAN_BYTES of text), then copied into a
 *   one-certificate block of exact size.  When the message is done, the
 *   at most DIS_TLS_MAX_CERTS entries are copied into one exact-size block
 *   (certs_pack: the array, the SAN pointers, all the text), info.certs,
 *   which the handle holds a reference to (t->chain, below); t->cert_mem
 *   is its size.
 * - The per-flow verdicts are computed on the leaf (the first entry) while
 *   its X509 is alive: validity against the capture time of the packet
 *   that completed the message, and the SNI against the leaf's names.  An
 *   unknown input (no time, a time OpenSSL cannot compare, no SNI, leaf
 *   undecodable) leaves them -1.
 * - OpenSSL's error queue is cleared after every certificate, so hostile
 *   certificates cannot grow it.
 * - Decoding is the costly part (d2i_X509 builds the public key through
 *   OpenSSL's decoder framework: thousands of allocations per chain), and a
 *   capture carries the same few chains again and again, one per
 *   connection.  So each thread remembers, in CERT_SLOTS slots indexed by
 *   the SHA-256 of the DER, the last certificates decoded: a copy of the
 *   DER, OpenSSL's X509 (NULL when it refused the DER) and the facts (a
 *   one-certificate block of the slot's own).  A slot is used only when
 *   the DER is byte-for-byte the same, so a hit gives exactly what
 *   decoding would, as a copy; the per-flow verdicts are always computed
 *   again, on the remembered X509.  Only DER up to CERT_MAX_DER bytes is
 *   remembered, so the cache holds at most CERT_SLOTS * (that + one X509 +
 *   one certificate's facts) whatever the input.  The cache lives until
 *   the thread ends (reachable, never freed).
 * - Whole chains are shared.  The facts of a chain depend only on the bytes
 *   of its certificate_list, and a capture carries thousands of connections
 *   with the same few chains; so each thread also remembers, in CHAIN_SLOTS
 *   slots, the last lists it saw (a copy of the bytes, up to CHAIN_MAX_LIST)
 *   with their packed chain and the leaf's X509.  A list byte-for-byte equal
 *   to a remembered one gets that chain block, not a copy: the block lives
 *   in a dis_tls_chain with an atomic reference count (one reference per
 *   handle, one for the slot), because handles are freed on the thread that
 *   stores flows.  A shared block is never written after it is made.  The
 *   per-flow verdicts are computed for every handle, on the remembered leaf
 *   (the SNI check remembered per slot for its last CHAIN_SNI_MEMO names,
 *   X509_check_host being a pure function of certificate and name).
 *   t->cert_mem stays the block's size, shared or not.
 */
#define _POSIX_C_SOURCE 200809L
#include "tls_int.h"
#include "fnv.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "rd.h"

static void name_rfc2253(const X509_NAME *name, char *dst, size_t dstlen)
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

static void serial_hex(const X509 *x, char *dst, size_t dstlen)
{
    dst[0] = '\0';
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *h = bn ? BN_bn2hex(bn) : NULL;
    if (h) {
        size_t k = 0;
        for (const char *c = h; *c && k + 1 < dstlen; c++)
            dst[k++] = (*c >= 'A' && *c <= 'F') ? (char)(*c + 32) : *c;
        dst[k] = '\0';
    }
    OPENSSL_free(h);
    BN_free(bn);
}

static void time_rfc3339(const ASN1_TIME *a, char *dst, size_t dstlen)
{
    struct tm tm;
    dst[0] = '\0';
    memset(&tm, 0, sizeof(tm));
    if (!a || !ASN1_TIME_to_tm(a, &tm) || tm.tm_year < -1900 ||
        tm.tm_year > 9999 - 1900 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
        tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
        tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
        tm.tm_sec < 0 || tm.tm_sec > 60)
        return;
    /* The ranges are checked above; the modulos only tell the compiler. */
    snprintf(dst, dstlen, "%04u-%02u-%02uT%02u:%02u:%02uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
             (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
             (unsigned)tm.tm_sec % 100u);
}

static void sig_alg_name(const X509 *x, char *dst, size_t dstlen)
{
    const X509_ALGOR *alg = NULL;
    const ASN1_OBJECT *obj = NULL;
    dst[0] = '\0';
    X509_get0_signature(NULL, &alg, x);
    if (alg)
        X509_ALGOR_get0(&obj, NULL, NULL, alg);
    if (obj && OBJ_obj2txt(dst, (int)dstlen, obj, 0) < 0)
        dst[0] = '\0';
}

/* "RSA 2048", "EC P-256", "ED25519 256", or the key algorithm's OID. */
static void key_desc(X509 *x, char *dst, size_t dstlen)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    dst[0] = '\0';
    if (!pk) {
        ASN1_OBJECT *obj = NULL;
        X509_PUBKEY *xp = X509_get_X509_PUBKEY(x);
        if (xp && X509_PUBKEY_get0_param(&obj, NULL, NULL, NULL, xp) && obj &&
            OBJ_obj2txt(dst, (int)dstlen, obj, 0) < 0)
            dst[0] = '\0';
        return;
    }
    int id = EVP_PKEY_get_base_id(pk);
    int bits = EVP_PKEY_get_bits(pk);
    if (id == EVP_PKEY_EC) {
        char g[40];
        size_t glen = 0;
        if (EVP_PKEY_get_group_name(pk, g, sizeof(g), &glen) && glen) {
            const char *nist = EC_curve_nid2nist(OBJ_txt2nid(g));
            snprintf(dst, dstlen, "EC %s", nist ? nist : g);
            return;
        }
    }
    const char *name = id == EVP_PKEY_RSA ? "RSA"
                       : id == EVP_PKEY_RSA_PSS ? "RSA-PSS"
                       : id == EVP_PKEY_DSA ? "DSA"
                       : id == EVP_PKEY_EC ? "EC"
                       : id == EVP_PKEY_ED25519 ? "ED25519"
                       : id == EVP_PKEY_ED448 ? "ED448"
                       : OBJ_nid2sn(id);
    snprintf(dst, dstlen, "%s %d", name ? name : "unknown", bits);
}

/* A certificate's facts while it is decoded: c's strings point at the
 * arrays here (sized by the DIS_TLS_*_MAX bounds) and its SANs at san[],
 * whose strings share san_text.  One per Certificate message, on the heap,
 * freed when the message is done. */
typedef struct cert_scratch {
    dis_tls_cert c;
    char subject[DIS_TLS_NAME_MAX], issuer[DIS_TLS_NAME_MAX];
    char serial[DIS_TLS_SERIAL_MAX];
    char not_before[DIS_TLS_TIME_MAX], not_after[DIS_TLS_TIME_MAX];
    char sig_alg[DIS_TLS_SIG_ALG_MAX], key[DIS_TLS_KEY_MAX];
    const char *san[DIS_TLS_MAX_SAN];
    char san_text[DIS_TLS_SAN_BYTES];
} cert_scratch;

/* Empty facts, c pointing at x's arrays. */
static void scratch_reset(cert_scratch *x)
{
    memset(&x->c, 0, sizeof(x->c));
    x->subject[0] = x->issuer[0] = x->serial[0] = '\0';
    x->not_before[0] = x->not_after[0] = '\0';
    x->sig_alg[0] = x->key[0] = '\0';
    x->c.subject = x->subject;
    x->c.issuer = x->issuer;
    x->c.serial = x->serial;
    x->c.not_before = x->not_before;
    x->c.not_after = x->not_after;
    x->c.sig_alg = x->sig_alg;
    x->c.key = x->key;
}

/* The DNS and IP subjectAltNames into x->san / x->san_text.  Bounded by
 * DIS_TLS_MAX_SAN and DIS_TLS_SAN_BYTES. */
static void sans(cert_scratch *x, X509 *xx)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(xx, NID_subject_alt_name, NULL,
                                           NULL);
    if (!gens)
        return;
    size_t used = 0;
    int n = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(gens) && n < DIS_TLS_MAX_SAN;
         i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        char one[256];
        one[0] = '\0';
        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *s = g->d.dNSName;
            dis_tls_copy_name(one, sizeof(one), ASN1_STRING_get0_data(s),
                              (size_t)ASN1_STRING_length(s));
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = g->d.iPAddress;
            int len = ASN1_STRING_length(s);
            if (len == 4 || len == 16)
                inet_ntop(len == 4 ? AF_INET : AF_INET6,
                          ASN1_STRING_get0_data(s), one, sizeof(one));
        }
        size_t k = strlen(one);
        if (!k || used + k + 1 > DIS_TLS_SAN_BYTES)
            continue;
        memcpy(x->san_text + used, one, k + 1);
        x->san[n++] = x->san_text + used;
        used += k + 1;
    }
    GENERAL_NAMES_free(gens);
    if (n > 0) {
        x->c.san = x->san;
        x->c.n_san = n;
    }
}

static int is_ip_literal(const char *s)
{
    unsigned char a[16];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* X509_check_host (or _ip for an address) of sni against x: 1 or 0. */
static int sni_match(X509 *x, const char *sni)
{
    int m = is_ip_literal(sni)
                ? X509_check_ip_asc(x, sni, 0)
                : X509_check_host(x, sni, strlen(sni), 0, NULL);
    return m == 1;
}

typedef struct sni_memo sni_memo;
static int memo_match(sni_memo *mm, X509 *x, const char *sni);

/* Validity at the capture time and SNI match, from the leaf.  mm, when not
 * NULL, remembers SNI answers for x. */
static void leaf_verdicts(dis_tls *t, X509 *x, sni_memo *mm)
{
    dis_tls_info *in = &t->info;
    if (t->have_ts) {
        int64_t s = t->ts_us / 1000000;     /* floor, without negating */
        if (t->ts_us % 1000000 < 0)
            s -= 1;
        time_t now = (time_t)s, before = (time_t)(s - 1);
        /* notBefore <= now: -1 means "earlier than or equal to". */
        int nb = X509_cmp_time(X509_get0_notBefore(x), &now);
        /* notAfter >= now, i.e. notAfter > now - 1. */
        int na = X509_cmp_time(X509_get0_notAfter(x), &before);
        if (nb != 0 && na != 0)
            in->cert_valid_at_capture = nb < 0 && na > 0;
    }
    if (in->sni[0])
        in->sni_matches_cert = mm ? memo_match(mm, x, in->sni)
                                  : sni_match(x, in->sni);
}

/* Decode der into x (facts only); returns the X509 (caller frees) or NULL
 * when OpenSSL refused it.  x->c's sha1, sha256 and der_len are set by the
 * caller. */
static X509 *decode(cert_scratch *x, const uint8_t *der, size_t n)
{
    const unsigned char *q = der;
    X509 *xx = n <= 0x7fffffff ? d2i_X509(NULL, &q, (long)n) : NULL;
    if (xx) {
        x->c.decoded = 1;
        name_rfc2253(X509_get_subject_name(xx), x->subject,
                     sizeof(x->subject));
        name_rfc2253(X509_get_issuer_name(xx), x->issuer, sizeof(x->issuer));
        serial_hex(xx, x->serial, sizeof(x->serial));
        time_rfc3339(X509_get0_notBefore(xx), x->not_before,
                     sizeof(x->not_before));
        time_rfc3339(X509_get0_notAfter(xx), x->not_after,
                     sizeof(x->not_after));
        sig_alg_name(xx, x->sig_alg, sizeof(x->sig_alg));
        key_desc(xx, x->key, sizeof(x->key));
        EVP_PKEY *pk = X509_get0_pubkey(xx);
        x->c.self_signed = X509_NAME_cmp(X509_get_subject_name(xx),
                                         X509_get_issuer_name(xx)) == 0 &&
                           pk && X509_verify(xx, pk) == 1;
        sans(x, xx);
    }
    return xx;
}

/* ---- exact-size blocks of certificates ----------------------------------- */

_Static_assert(sizeof(dis_tls_cert) % sizeof(void *) == 0,
               "certificate array keeps the block's pointers aligned");

/* dst = src with its strings and SANs copied through k (dis_tls_pk). */
static void cert_fill(dis_tls_pk *k, dis_tls_cert *dst,
                      const dis_tls_cert *src)
{
    *dst = *src;
    dst->subject = dis_tls_pk_str(k, src->subject);
    dst->issuer = dis_tls_pk_str(k, src->issuer);
    dst->serial = dis_tls_pk_str(k, src->serial);
    dst->not_before = dis_tls_pk_str(k, src->not_before);
    dst->not_after = dis_tls_pk_str(k, src->not_after);
    dst->sig_alg = dis_tls_pk_str(k, src->sig_alg);
    dst->key = dis_tls_pk_str(k, src->key);
    const char **a = dis_tls_pk_ptrs(k, (size_t)src->n_san);
    for (int i = 0; i < src->n_san; i++) {
        const char *v = dis_tls_pk_str(k, src->san[i]);
        if (a)
            a[i] = v;
    }
    dst->san = a;
}

/* One heap block holding copies of src[0..n) (n >= 1): the array of n
 * certificates, then their SAN pointers, then all their text.  The caller
 * owns it (one free()); NULL when out of memory.  *size, when given, gets
 * its bytes. */
static dis_tls_cert *certs_pack(const dis_tls_cert *const *src, int n,
                                size_t *size)
{
    dis_tls_pk k;
    dis_tls_cert sizing;
    dis_tls_pk_init(&k);
    for (int i = 0; i < n; i++)
        cert_fill(&k, &sizing, src[i]);
    if (dis_tls_pk_alloc(&k, (size_t)n * sizeof(dis_tls_cert)) < 0)
        return NULL;
    dis_tls_cert *out = (dis_tls_cert *)(void *)k.base;
    for (int i = 0; i < n; i++)
        cert_fill(&k, &out[i], src[i]);
    if (size)
        *size = k.size;
    return out;
}

/* ---- the per-thread cache of decoded certificates ------------------------ */

#define CERT_SLOTS 256
#define CERT_MAX_DER 16384

typedef struct cert_slot {
    uint8_t *der;           /* copy of the DER; NULL: slot empty */
    size_t der_len;
    X509 *x;                /* NULL when OpenSSL refused the DER */
    dis_tls_cert *c;        /* the facts: a one-certificate block of
                               certs_pack, owned by the slot */
} cert_slot;

static _Thread_local cert_slot *cert_cache;

static unsigned slot_index(const char *sha256hex)
{
    unsigned v = 0;
    for (int i = 0; i < 8 && sha256hex[i]; i++) {
        char ch = sha256hex[i];
        v = v * 16 + (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
    }
    return v % CERT_SLOTS;
}

/* The slot holding exactly this DER, or NULL. */
static cert_slot *cache_get(const char *sha256hex, const uint8_t *der,
                            size_t n)
{
    if (!cert_cache || n > CERT_MAX_DER)
        return NULL;
    cert_slot *s = &cert_cache[slot_index(sha256hex)];
    if (s->der && s->der_len == n && !memcmp(s->der, der, n))
        return s;
    return NULL;
}

/* Remember der's facts (copied) and X509 (the cache takes x).  Returns 0
 * when the cache took x, -1 when the caller keeps it (too large, no
 * memory). */
static int cache_put(const dis_tls_cert *c, X509 *x, const uint8_t *der,
                     size_t n)
{
    if (n > CERT_MAX_DER || !c->sha256[0])
        return -1;
    if (!cert_cache) {
        cert_cache = calloc(CERT_SLOTS, sizeof(*cert_cache));
        if (!cert_cache)
            return -1;
    }
    uint8_t *copy = malloc(n ? n : 1);
    dis_tls_cert *facts = certs_pack(&c, 1, NULL);
    if (!copy || !facts) {
        free(copy);
        free(facts);
        return -1;
    }
    memcpy(copy, der, n);
    cert_slot *s = &cert_cache[slot_index(c->sha256)];
    free(s->der);
    X509_free(s->x);
    free(s->c);
    s->der = copy;
    s->der_len = n;
    s->x = x;
    s->c = facts;
    return 0;
}

/* ---- shared chains ------------------------------------------------------- */

#define CHAIN_SLOTS 64
#define CHAIN_MAX_LIST 65536
#define CHAIN_SNI_MEMO 4

/* A packed chain (certs_pack) shared by the handles that saw the same
 * certificate_list; freed when the last reference goes. */
struct dis_tls_chain {
    atomic_uint refs;
    dis_tls_cert *certs;
    int n;
    size_t size;            /* bytes of the certs block */
};

struct sni_memo {
    char sni[CHAIN_SNI_MEMO][DIS_TLS_SNI_MAX];
    signed char match[CHAIN_SNI_MEMO];
    int next;               /* entry the next new name replaces */
};

typedef struct chain_slot {
    uint8_t *list;          /* copy of the certificate_list; NULL: empty */
    size_t len;
    dis_tls_chain *ch;      /* the slot's reference */
    X509 *leaf;             /* up-referenced; NULL when undecodable */
    sni_memo memo;
} chain_slot;

static _Thread_local chain_slot *chain_cache;

static void chain_release(dis_tls_chain *ch)
{
    if (ch && atomic_fetch_sub_explicit(&ch->refs, 1,
                                        memory_order_acq_rel) == 1) {
        free(ch->certs);
        free(ch);
    }
}

static int memo_match(sni_memo *mm, X509 *x, const char *sni)
{
    for (int i = 0; i < CHAIN_SNI_MEMO; i++)
        if (mm->match[i] >= 0 && !strcmp(mm->sni[i], sni))
            return mm->match[i];
    int m = sni_match(x, sni);
    if (strlen(sni) < DIS_TLS_SNI_MAX) {
        int k = mm->next;
        memcpy(mm->sni[k], sni, strlen(sni) + 1);
        mm->match[k] = (signed char)m;
        mm->next = (k + 1) % CHAIN_SNI_MEMO;
    }
    return m;
}

/* Slot for a list of len bytes: its length and the bytes at both ends (the
 * leaf's start, the last certificate's signature). */
static unsigned chain_index(const uint8_t *p, size_t len)
{
    size_t k = len < 64 ? len : 64;
    uint64_t h = dis_fnv64(DIS_FNV64_INIT ^ len, p, k);
    h = dis_fnv64(h, p + (len - k), k);
    return (unsigned)(h % CHAIN_SLOTS);
}

static chain_slot *chain_get(const uint8_t *p, size_t len)
{
    if (!chain_cache || len > CHAIN_MAX_LIST)
        return NULL;
    chain_slot *s = &chain_cache[chain_index(p, len)];
    if (s->list && s->len == len && !memcmp(s->list, p, len))
        return s;
    return NULL;
}

/* Remember ch (one more reference) and leaf (up-referenced) for list p. */
static chain_slot *chain_put(const uint8_t *p, size_t len, dis_tls_chain *ch,
                             X509 *leaf)
{
    if (len > CHAIN_MAX_LIST)
        return NULL;
    if (!chain_cache) {
        chain_cache = calloc(CHAIN_SLOTS, sizeof(*chain_cache));
        if (!chain_cache)
            return NULL;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, p, len);
    chain_slot *s = &chain_cache[chain_index(p, len)];
    free(s->list);
    chain_release(s->ch);
    X509_free(s->leaf);
    memset(s, 0, sizeof(*s));
    memset(s->memo.match, -1, sizeof(s->memo.match));
    s->list = copy;
    s->len = len;
    atomic_fetch_add_explicit(&ch->refs, 1, memory_order_relaxed);
    s->ch = ch;
    if (leaf && X509_up_ref(leaf) == 1)
        s->leaf = leaf;
    return s;
}

/* ---- the Certificate message --------------------------------------------- */

/* The facts of one DER certificate as a one-certificate block (certs_pack;
 * the caller frees it), NULL when out of memory.  x is the caller's
 * scratch; leaf (not NULL for the chain's first certificate): compute the
 * flow's verdicts on it and set *leaf to its X509, up-referenced for the
 * caller (NULL when undecodable). */
static dis_tls_cert *one_cert(dis_tls *t, cert_scratch *x, const uint8_t *der,
                              size_t n, X509 **leaf)
{
    const dis_tls_cert *src = &x->c;
    dis_tls_cert *out;
    scratch_reset(x);
    x->c.der_len = (uint32_t)n;
    dis_tls_digest_hex(DIS_MD_SHA256, der, n, x->c.sha256,
                       sizeof(x->c.sha256));
    const cert_slot *s = cache_get(x->c.sha256, der, n);
    if (s) {
        src = s->c;
        out = certs_pack(&src, 1, NULL);
        if (leaf && s->x) {
            leaf_verdicts(t, s->x, NULL);
            if (X509_up_ref(s->x) == 1)
                *leaf = s->x;
        }
        ERR_clear_error();
        return out;
    }
    dis_tls_digest_hex(DIS_MD_SHA1, der, n, x->c.sha1,
                       sizeof(x->c.sha1));
    X509 *xx = decode(x, der, n);
    if (xx && leaf) {
        leaf_verdicts(t, xx, NULL);
        if (X509_up_ref(xx) == 1)
            *leaf = xx;
    }
    out = certs_pack(&src, 1, NULL);
    if (cache_put(src, xx, der, n) != 0)
        X509_free(xx);
    ERR_clear_error();
    return out;
}

/* The chain of a list no slot remembers: decoded certificate by
 * certificate, packed into one exact-size block, remembered (when it fits)
 * for the next handle. */
static void chain_decode(dis_tls *t, dis_rd list, int k, const uint8_t *lp,
                         size_t llen)
{
    dis_tls_info *in = &t->info;
    const dis_tls_cert *one[DIS_TLS_MAX_CERTS];
    int got = 0;
    size_t size = 0;
    X509 *leaf = NULL;
    dis_tls_chain *ch = calloc(1, sizeof(*ch));
    cert_scratch *x = malloc(sizeof(*x));
    if (!ch || !x)
        goto fail;
    /* Each certificate into a block of its own, then the chain into one
     * exact-size block (a later certificate of the chain may take the
     * cache slot an earlier one came from, so nothing borrowed from the
     * cache outlives one_cert). */
    for (int i = 0; i < k; i++) {
        uint32_t clen = dis_rd_be24(&list);
        const uint8_t *der = dis_rd_ptr(&list, clen);
        if (!der)
            break;
        dis_tls_cert *c = one_cert(t, x, der, clen, i == 0 ? &leaf : NULL);
        if (!c)
            break;
        one[got++] = c;
    }
    if (got > 0)
        ch->certs = certs_pack(one, got, &size);
    if (ch->certs) {
        atomic_init(&ch->refs, 1);
        ch->n = got;
        ch->size = size;
        in->certs = ch->certs;
        in->n_certs = got;
        t->cert_mem = size;
        t->chain = ch;
        ch = NULL;
        /* Only a list whose every certificate was read is remembered: a
         * shorter chain left by an allocation failure is not shared. */
        if (got == k && lp)
            chain_put(lp, llen, t->chain, leaf);
    }
fail:
    for (int i = 0; i < got; i++)
        free((void *)one[i]);
    X509_free(leaf);
    free(x);
    free(ch);
}

void dis_tls_certificate(dis_tls *t, const uint8_t *body, size_t n)
{
    dis_tls_info *in = &t->info;
    dis_rd r, walk;
    int k = 0;

    if (in->certs_seen)
        return;
    in->certs_seen = 1;
    in->cert_frame = t->frame;
    in->cert_ts_us = t->have_ts ? t->ts_us : 0;
    dis_rd_init(&r, body, n);
    uint32_t total = dis_rd_be24(&r);
    size_t avail = dis_rd_left(&r);     /* cut short: walk what is there */
    dis_rd list = dis_rd_sub(&r, total < avail ? total : avail);
    /* Count the entries first (a cut or empty entry ends the chain). */
    walk = list;
    while (dis_rd_left(&walk) > 0 && k < DIS_TLS_MAX_CERTS) {
        uint32_t clen = dis_rd_be24(&walk);
        if (!dis_rd_skip(&walk, clen) || clen == 0)
            break;
        k++;
    }
    if (k == 0)
        return;
    /* The facts are a function of the list's bytes: a remembered list
     * gives its chain (shared) and leaf; only the verdicts are per flow. */
    walk = list;
    size_t llen = dis_rd_left(&walk);
    const uint8_t *lp = dis_rd_ptr(&walk, llen);
    chain_slot *s = lp ? chain_get(lp, llen) : NULL;
    if (s) {
        atomic_fetch_add_explicit(&s->ch->refs, 1, memory_order_relaxed);
        t->chain = s->ch;
        in->certs = s->ch->certs;
        in->n_certs = s->ch->n;
        t->cert_mem = s->ch->size;
        if (s->leaf)
            leaf_verdicts(t, s->leaf, &s->memo);
        ERR_clear_error();
        return;
    }
    chain_decode(t, list, k, lp, llen);
}

void dis_tls_certs_free(dis_tls *t)
{
    dis_tls_info *in = &t->info;
    chain_release(t->chain);
    t->chain = NULL;
    in->certs = NULL;
    in->n_certs = 0;
    t->cert_mem = 0;
}

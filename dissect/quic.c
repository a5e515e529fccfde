/* quic.c - QUIC Initial packets to the TLS handshake byte stream.
 * RFC 9000 (16 variable-length integers, 17.2 long header, 19 frames, A.3
 * packet number decoding), RFC 9001 (5.2 Initial secrets, 5.3 AEAD usage,
 * 5.4 header protection, A sample packets), RFC 9369 (QUIC version 2: type
 * bits, salt, HKDF labels), draft-ietf-quic-tls-23..34 (draft salts).
 *
 * Invariants
 * ----------
 * - A datagram is walked packet by packet with one dis_rd: long headers of a
 *   known version are parsed, each packet's Length field bounds it and leads
 *   to the next coalesced packet; a short header, a Version Negotiation
 *   packet (version 0), an unknown version, a Retry (which runs to the end of
 *   the datagram) or any inconsistency ends the walk.  Only Initial packets
 *   are opened; 0-RTT and Handshake packets are skipped by their Length.
 * - Initial keys derive from one connection ID, the "key CID": the
 *   Destination Connection ID of the first client Initial that
 *   authenticated.  A packet is tried with the key CID's keys first; when
 *   that fails it is tried with the Source Connection ID of a Retry the
 *   server sent, and (client packets only) with the packet's own DCID.
 *   Whichever authenticates becomes the key CID, so a client that restarts
 *   after a Retry (new DCID, RFC 9001 5.2) is followed, and so are the
 *   server's Initials protected with the same keys.  Keys are adopted only
 *   from packets whose AEAD tag verified; a forged or damaged packet changes
 *   nothing.  The salt and labels follow the version field of each packet,
 *   so v1 -> v2 compatible negotiation is followed too.
 * - Packet numbers are rebuilt per RFC 9000 A.3 from the largest packet
 *   number authenticated so far in that direction (Initial number space).
 * - Header protection is removed on copies (first byte, packet number); the
 *   AAD is fed to AES-GCM in three parts straight from the reader, and the
 *   plaintext goes to one heap scratch buffer per packet, sized by the
 *   packet's Length and freed before returning (datagrams above 65535 bytes
 *   are refused, so the scratch never exceeds that).
 * - CRYPTO data is kept per direction in a buffer that grows in 4 KiB steps
 *   up to DIS_QUIC_STREAM_MAX, with a bitmap of bytes present.  The first
 *   copy of a byte wins (retransmissions and overlaps change nothing);
 *   bytes at or past the bound are dropped and mark the direction spent.
 *   The contiguous prefix from offset 0 is what dis_quic_crypto() exposes;
 *   it only grows.
 * - A direction is finished when its first handshake message is complete
 *   (4-byte header plus body) or it is spent: DIS_QUIC_DGRAM_BUDGET
 *   datagrams seen, or the stream bound reached.  The server side also
 *   counts as finished once the client side is spent without any Initial
 *   authenticating (no key CID: server Initials cannot be opened).  When
 *   both are finished the flow is done: bitmaps are freed, stream buffers
 *   shrink to their contiguous length, and later datagrams are ignored.
 * - Every packet byte is read through dis_rd; HKDF, AES-ECB and AES-GCM are
 *   OpenSSL 3 EVP.
 */
#include "quic.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "rd.h"

#define CID_MAX 20u             /* longest connection ID in v1 and v2 */
#define TAG_LEN 16u             /* AEAD_AES_128_GCM tag */
#define SAMPLE_LEN 16u          /* header protection sample */
#define PN_MAX_LEN 4u           /* sample starts 4 bytes after the PN field */
#define DGRAM_MAX 65535u        /* largest UDP payload accepted */
#define GROW_STEP 4096u         /* stream buffer growth (multiple of 8) */

/* Long header packet types in v1 numbering (RFC 9000 17.2). */
enum { PT_INITIAL = 0, PT_0RTT = 1, PT_HANDSHAKE = 2, PT_RETRY = 3 };

/* Frame types read in Initial packets (RFC 9000 19). */
enum { FT_PADDING = 0x00, FT_PING = 0x01, FT_ACK = 0x02, FT_ACK_ECN = 0x03,
       FT_CRYPTO = 0x06, FT_CLOSE = 0x1c };

/* RFC 9001 5.2. */
static const uint8_t salt_v1[20] = {
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
/* RFC 9369 3.3.1. */
static const uint8_t salt_v2[20] = {
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9 };
/* draft-ietf-quic-tls-29 5.2 (kept through draft-32). */
static const uint8_t salt_d29[20] = {
    0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
    0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99 };
/* draft-ietf-quic-tls-23 5.2 (kept through draft-28). */
static const uint8_t salt_d23[20] = {
    0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
    0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02 };

typedef struct qver {
    const uint8_t *salt;        /* 20 bytes */
    const char *key, *iv, *hp;  /* HKDF labels without "tls13 " */
    int v2;                     /* RFC 9369 long header type bits */
} qver;

typedef struct qcid {
    uint8_t b[CID_MAX];
    size_t len;
    int set;
} qcid;

typedef struct qdir {
    uint8_t *buf;               /* stream bytes [0, cap); owned */
    uint8_t *have;              /* bitmap of cap bits; NULL once done */
    size_t cap;                 /* multiple of 8, <= DIS_QUIC_STREAM_MAX */
    size_t contig;              /* bytes present from offset 0 */
    unsigned dgrams;            /* datagrams examined */
    int overflow;               /* CRYPTO data reached the stream bound */
    int have_pn;
    uint64_t largest_pn;        /* largest authenticated PN, if have_pn */
    uint64_t first_frame;
    int kc_ok;                  /* key cache: keys of (kc_ver, kc_cid) */
    uint32_t kc_ver;
    qcid kc_cid;
    dis_quic_keys kc;
} qdir;

struct dis_quic {
    qdir d[2];
    qcid key_cid;               /* CID the Initial keys derive from */
    qcid retry_cid;             /* SCID of a Retry seen from the server */
    uint32_t version;           /* of the last authenticated Initial */
    int is_quic;
    int done;
};

/* ---- versions and key schedule --------------------------------------- */

/* Fill *vi for a version we can open; -1 for any other. */
static int version_info(uint32_t v, qver *vi)
{
    vi->key = "quic key";
    vi->iv = "quic iv";
    vi->hp = "quic hp";
    vi->v2 = 0;
    if (v == DIS_QUIC_V1 || v == 0xff000021u || v == 0xff000022u)
        vi->salt = salt_v1;                     /* v1, draft-33, draft-34 */
    else if (v >= DIS_QUIC_DRAFT29 && v <= 0xff000020u)
        vi->salt = salt_d29;                    /* draft-29 .. draft-32 */
    else if (v == 0xff00001bu || v == 0xff00001cu)
        vi->salt = salt_d23;                    /* draft-27, draft-28 */
    else if (v == DIS_QUIC_V2) {
        vi->salt = salt_v2;
        vi->key = "quicv2 key";
        vi->iv = "quicv2 iv";
        vi->hp = "quicv2 hp";
        vi->v2 = 1;
    } else
        return -1;
    return 0;
}

/* The packet type of a long header first byte, in v1 numbering. */
static int long_type(uint8_t b0, const qver *vi)
{
    int t = (b0 >> 4) & 3;
    return vi->v2 ? (t + 3) & 3 : t;    /* v2: 1 Initial .. 0 Retry */
}

/* One HKDF step through EVP_KDF (mode EXTRACT_ONLY or EXPAND_ONLY).  salt
 * is used by extract, info by expand; inputs are copied so no const is cast
 * away.  Returns 0 or -1. */
static int hkdf(EVP_KDF *kdf, int mode, const uint8_t *key, size_t key_len,
                const uint8_t *salt, size_t salt_len, const uint8_t *info,
                size_t info_len, uint8_t *out, size_t out_len)
{
    static char digest[] = "SHA256";
    uint8_t kb[32], sb[20], ib[64];
    OSSL_PARAM prm[6], *p = prm;
    EVP_KDF_CTX *ctx = NULL;
    int rc = -1;

    if (key_len > sizeof(kb) || salt_len > sizeof(sb) ||
        info_len > sizeof(ib))
        goto fail;
    ctx = EVP_KDF_CTX_new(kdf);
    if (!ctx)
        goto fail;
    memcpy(kb, key, key_len);
    *p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, kb, key_len);
    if (salt) {
        memcpy(sb, salt, salt_len);
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, sb,
                                                 salt_len);
    }
    if (info) {
        memcpy(ib, info, info_len);
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ib,
                                                 info_len);
    }
    *p = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(ctx, out, out_len, prm) == 1)
        rc = 0;
fail:
    EVP_KDF_CTX_free(ctx);
    return rc;
}

/* HKDF-Expand-Label(secret, label, "", out_len) of RFC 8446 7.1. */
static int expand_label(EVP_KDF *kdf, const uint8_t secret[32],
                        const char *label, uint8_t *out, size_t out_len)
{
    uint8_t info[64];
    size_t n = strlen(label), k = 0;
    if (n + 10 > sizeof(info))
        return -1;
    info[k++] = (uint8_t)(out_len >> 8);
    info[k++] = (uint8_t)out_len;
    info[k++] = (uint8_t)(6 + n);
    memcpy(info + k, "tls13 ", 6);
    k += 6;
    memcpy(info + k, label, n);
    k += n;
    info[k++] = 0;                      /* empty context */
    return hkdf(kdf, EVP_KDF_HKDF_MODE_EXPAND_ONLY, secret, 32, NULL, 0,
                info, k, out, out_len);
}

/* Initial keys of direction dir for a version from the client's DCID
 * (RFC 9001 5.2, RFC 9369 3.3).  dcid is borrowed; *out is caller-owned and
 * zeroed on failure.  Returns 0, or -1 for an unknown version, a dcid_len
 * outside 1..20, a bad dir or an OpenSSL failure. */
int dis_quic_initial_keys(uint32_t version, const uint8_t *dcid,
                          size_t dcid_len, int dir, dis_quic_keys *out)
{
    qver vi;
    uint8_t initial[32];
    EVP_KDF *kdf = NULL;
    int rc = -1;

    if (!out)
        return -1;
    if (!dcid || dcid_len < 1 || dcid_len > CID_MAX || (dir != 0 && dir != 1)
        || version_info(version, &vi) != 0)
        goto fail;
    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (!kdf)
        goto fail;
    if (hkdf(kdf, EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dcid, dcid_len, vi.salt,
             sizeof(salt_v1), NULL, 0, initial, sizeof(initial)) != 0 ||
        expand_label(kdf, initial, dir ? "server in" : "client in",
                     out->secret, sizeof(out->secret)) != 0 ||
        expand_label(kdf, out->secret, vi.key, out->key,
                     sizeof(out->key)) != 0 ||
        expand_label(kdf, out->secret, vi.iv, out->iv, sizeof(out->iv)) != 0 ||
        expand_label(kdf, out->secret, vi.hp, out->hp, sizeof(out->hp)) != 0)
        goto fail;
    rc = 0;
fail:
    EVP_KDF_free(kdf);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* Keys of direction dir for (version, cid), from the one-entry cache of the
 * direction or freshly derived into it.  NULL on failure. */
static const dis_quic_keys *keys_for(qdir *d, int dir, uint32_t ver,
                                     const qcid *c)
{
    if (d->kc_ok && d->kc_ver == ver && d->kc_cid.len == c->len &&
        !memcmp(d->kc_cid.b, c->b, c->len))
        return &d->kc;
    d->kc_ok = 0;
    if (dis_quic_initial_keys(ver, c->b, c->len, dir, &d->kc) != 0)
        return NULL;
    d->kc_ok = 1;
    d->kc_ver = ver;
    d->kc_cid = *c;
    return &d->kc;
}

/* ---- packet protection ------------------------------------------------ */

/* Variable-length integer (RFC 9000 16); 0 and the error flag if short. */
static uint64_t varint(dis_rd *r)
{
    uint8_t b = dis_rd_u8(r);
    size_t extra = ((size_t)1 << (b >> 6)) - 1;
    uint64_t v = b & 0x3f;
    const uint8_t *q = dis_rd_ptr(r, extra);
    if (!q)
        return 0;
    for (size_t i = 0; i < extra; i++)
        v = (v << 8) | q[i];
    return v;
}

/* RFC 9000 A.3: the full packet number closest to largest + 1. */
static uint64_t decode_pn(int have, uint64_t largest, uint64_t truncated,
                          unsigned nbits)
{
    uint64_t expected = have ? largest + 1 : 0;
    uint64_t win = (uint64_t)1 << nbits, hwin = win / 2, mask = win - 1;
    uint64_t cand = (expected & ~mask) | truncated;
    if (cand + hwin <= expected && cand < ((uint64_t)1 << 62) - win)
        return cand + win;
    if (cand > expected + hwin && cand >= win)
        return cand - win;
    return cand;
}

/* AES-128-ECB of one block: the header protection mask (RFC 9001 5.4.3). */
static int hp_mask(const uint8_t hp[16], const uint8_t sample[16],
                   uint8_t mask[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, rc = -1;
    if (!c)
        return -1;
    if (EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, hp, NULL) == 1 &&
        EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
        EVP_EncryptUpdate(c, mask, &n, sample, (int)SAMPLE_LEN) == 1 &&
        n == (int)SAMPLE_LEN)
        rc = 0;
    EVP_CIPHER_CTX_free(c);
    return rc;
}

/* Remove header and packet protection from one Initial packet with keys k.
 * hdr covers the header from its first byte up to the packet number field;
 * body the Length bytes that follow (protected PN, payload, tag); both are
 * taken by value so a failed attempt leaves the caller's readers untouched.
 * The plaintext goes to out (capacity >= body length).  Returns 1 when the
 * tag verified (*out_len, *pn set), 0 when not, -1 on an OpenSSL failure. */
static int open_packet(const dis_quic_keys *k, dis_rd hdr, dis_rd body,
                       const qdir *d, uint8_t *out, size_t *out_len,
                       uint64_t *pn)
{
    uint8_t sample[SAMPLE_LEN], mask[SAMPLE_LEN], pnb[PN_MAX_LEN];
    uint8_t tag[TAG_LEN], nonce[12], b0;
    size_t hlen = dis_rd_left(&hdr), blen = dis_rd_left(&body), ct_len;
    const uint8_t *h, *ct;
    unsigned pn_len;
    uint64_t trunc = 0;
    EVP_CIPHER_CTX *c = NULL;
    int n = 0, rc = 0;

    if (hlen < 1 || blen < PN_MAX_LEN + SAMPLE_LEN)
        return 0;
    dis_rd s = body;
    dis_rd_skip(&s, PN_MAX_LEN);
    if (!dis_rd_copy(&s, sample, SAMPLE_LEN))
        return 0;
    if (hp_mask(k->hp, sample, mask) != 0)
        return -1;
    h = dis_rd_ptr(&hdr, hlen);
    if (!h)
        return 0;
    b0 = (uint8_t)(h[0] ^ (mask[0] & 0x0f));
    pn_len = (unsigned)(b0 & 3) + 1;
    if (!dis_rd_copy(&body, pnb, pn_len))
        return 0;
    for (unsigned i = 0; i < pn_len; i++) {
        pnb[i] ^= mask[1 + i];
        trunc = (trunc << 8) | pnb[i];
    }
    *pn = decode_pn(d->have_pn, d->largest_pn, trunc, 8 * pn_len);
    ct_len = blen - pn_len - TAG_LEN;
    ct = dis_rd_ptr(&body, ct_len);
    if (!ct || !dis_rd_copy(&body, tag, TAG_LEN))
        return 0;
    memcpy(nonce, k->iv, sizeof(nonce));
    for (unsigned i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(*pn >> (8 * i));

    c = EVP_CIPHER_CTX_new();
    if (!c)
        return -1;
    rc = -1;
    if (EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, sizeof(nonce),
                            NULL) != 1 ||
        EVP_DecryptInit_ex(c, NULL, NULL, k->key, nonce) != 1 ||
        EVP_DecryptUpdate(c, NULL, &n, &b0, 1) != 1 ||
        (hlen > 1 && EVP_DecryptUpdate(c, NULL, &n, h + 1,
                                       (int)(hlen - 1)) != 1) ||
        EVP_DecryptUpdate(c, NULL, &n, pnb, (int)pn_len) != 1 ||
        EVP_DecryptUpdate(c, out, &n, ct, (int)ct_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, (int)TAG_LEN, tag) != 1)
        goto out;
    *out_len = (size_t)n;
    rc = EVP_DecryptFinal_ex(c, out + n, &n) == 1 ? 1 : 0;
out:
    EVP_CIPHER_CTX_free(c);
    return rc;
}

/* ---- CRYPTO stream reassembly ----------------------------------------- */

static int bit_get(const uint8_t *m, size_t i) { return (m[i >> 3] >> (i & 7)) & 1; }
static void bit_set(uint8_t *m, size_t i) { m[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* Make room for stream offsets [0, need); need <= DIS_QUIC_STREAM_MAX.
 * On failure the direction keeps its old, consistent buffers. */
static int grow(qdir *d, size_t need)
{
    size_t cap;
    uint8_t *nb, *nh;
    if (need <= d->cap)
        return 0;
    cap = d->cap * 2;
    if (cap < need)
        cap = (need + GROW_STEP - 1) / GROW_STEP * GROW_STEP;
    if (cap > DIS_QUIC_STREAM_MAX)
        cap = DIS_QUIC_STREAM_MAX;
    nb = realloc(d->buf, cap);
    if (!nb)
        return -1;
    d->buf = nb;
    nh = realloc(d->have, cap / 8);
    if (!nh)
        return -1;
    memset(nh + d->cap / 8, 0, cap / 8 - d->cap / 8);
    d->have = nh;
    d->cap = cap;
    return 0;
}

/* Store one CRYPTO frame's data at stream offset off; data (n bytes) was
 * bounded by the reader.  Bytes already present are kept. */
static int store(qdir *d, uint64_t off, const uint8_t *data, size_t n,
                 uint64_t frame)
{
    size_t o;
    int fresh = 0;
    if (n == 0)
        return 0;
    if (off >= DIS_QUIC_STREAM_MAX) {
        d->overflow = 1;
        return 0;
    }
    o = (size_t)off;
    if (n > DIS_QUIC_STREAM_MAX - o) {
        n = DIS_QUIC_STREAM_MAX - o;
        d->overflow = 1;
    }
    if (grow(d, o + n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!bit_get(d->have, o + i)) {
            d->buf[o + i] = data[i];
            bit_set(d->have, o + i);
            fresh = 1;
        }
    }
    if (fresh && !d->first_frame)
        d->first_frame = frame;
    while (d->contig < d->cap && bit_get(d->have, d->contig))
        d->contig++;
    return 0;
}

/* Skip the body of an ACK frame (RFC 9000 19.3); the loop ends at the first
 * short read since every range takes at least two bytes. */
static void skip_ack(dis_rd *r, int ecn)
{
    uint64_t count;
    varint(r);                          /* Largest Acknowledged */
    varint(r);                          /* ACK Delay */
    count = varint(r);                  /* ACK Range Count */
    varint(r);                          /* First ACK Range */
    for (uint64_t i = 0; i < count && dis_rd_ok(r); i++) {
        varint(r);                      /* Gap */
        varint(r);                      /* ACK Range Length */
    }
    if (ecn) {
        varint(r);                      /* ECT0, ECT1, ECN-CE counts */
        varint(r);
        varint(r);
    }
}

/* Walk the frames of a decrypted Initial payload, storing CRYPTO data.
 * Stops at the first frame type not allowed or not understood. */
static int frames(qdir *d, const uint8_t *pt, size_t n, uint64_t frame)
{
    dis_rd r;
    int rc = 0;
    dis_rd_init(&r, pt, n);
    while (dis_rd_left(&r) > 0) {
        uint64_t t = varint(&r), a, b;
        const uint8_t *data;
        switch (t) {
        case FT_PADDING:
        case FT_PING:
            break;
        case FT_ACK:
        case FT_ACK_ECN:
            skip_ack(&r, t == FT_ACK_ECN);
            break;
        case FT_CRYPTO:
            a = varint(&r);             /* Offset */
            b = varint(&r);             /* Length */
            if (!dis_rd_ok(&r) || b > dis_rd_left(&r))
                return rc;
            data = dis_rd_ptr(&r, (size_t)b);
            if (data && store(d, a, data, (size_t)b, frame) != 0)
                rc = -1;
            break;
        case FT_CLOSE:
            varint(&r);                 /* Error Code */
            varint(&r);                 /* Frame Type */
            a = varint(&r);             /* Reason Phrase Length */
            if (!dis_rd_ok(&r) || a > dis_rd_left(&r))
                return rc;
            dis_rd_skip(&r, (size_t)a);
            break;
        default:
            return rc;
        }
        if (!dis_rd_ok(&r))
            break;
    }
    return rc;
}

/* ---- packets ---------------------------------------------------------- */

static int cid_eq(const qcid *a, const qcid *b)
{
    return a->set && b->set && a->len == b->len && !memcmp(a->b, b->b, a->len);
}

/* Open one Initial packet of direction dir and take its CRYPTO frames.
 * hdr/body as for open_packet(); dcid is the packet's DCID (from the
 * reader).  Returns 0, or -1 on allocation failure. */
static int initial(dis_quic *q, int dir, uint32_t ver, dis_rd hdr,
                   dis_rd body, const uint8_t *dcid, size_t dcil,
                   uint64_t frame)
{
    qdir *d = &q->d[dir];
    qcid pkt = { { 0 }, 0, 0 }, chosen = { { 0 }, 0, 0 };
    const qcid *cand[3];
    size_t blen = dis_rd_left(&body), out_len = 0;
    uint64_t pn = 0;
    uint8_t *out;
    int n = 0, ok = 0, rc = 0;

    if (blen < PN_MAX_LEN + SAMPLE_LEN)
        return 0;
    if (q->key_cid.set)
        cand[n++] = &q->key_cid;
    if (q->retry_cid.set && !cid_eq(&q->retry_cid, &q->key_cid))
        cand[n++] = &q->retry_cid;
    if (dir == 0 && dcil >= 1 && dcil <= CID_MAX) {
        memcpy(pkt.b, dcid, dcil);
        pkt.len = dcil;
        pkt.set = 1;
        if (!cid_eq(&pkt, &q->key_cid) && !cid_eq(&pkt, &q->retry_cid))
            cand[n++] = &pkt;
    }
    if (n == 0)
        return 0;
    out = malloc(blen);
    if (!out)
        return -1;
    for (int i = 0; i < n && !ok; i++) {
        const dis_quic_keys *k = keys_for(d, dir, ver, cand[i]);
        if (k && open_packet(k, hdr, body, d, out, &out_len, &pn) == 1) {
            ok = 1;
            chosen = *cand[i];
        }
    }
    if (ok) {
        q->key_cid = chosen;
        if (!d->have_pn || pn > d->largest_pn)
            d->largest_pn = pn;
        d->have_pn = 1;
        q->is_quic = 1;
        q->version = ver;
        rc = frames(d, out, out_len, frame);
    }
    free(out);
    return rc;
}

/* Walk the coalesced long header packets of one datagram. */
static int walk(dis_quic *q, int dir, const uint8_t *p, size_t len,
                uint64_t frame)
{
    dis_rd r;
    int rc = 0;
    dis_rd_init(&r, p, len);
    while (dis_rd_left(&r) > 0) {
        dis_rd start = r, hdr, body;
        size_t left0 = dis_rd_left(&r);
        uint8_t b0 = dis_rd_u8(&r), dcil, scil;
        const uint8_t *dcid, *scid;
        uint32_t ver;
        uint64_t v;
        qver vi;
        int type;

        if (!(b0 & 0x80))
            break;                      /* short header: 1-RTT to the end */
        ver = dis_rd_be32(&r);
        dcil = dis_rd_u8(&r);
        dcid = dis_rd_ptr(&r, dcil);
        scil = dis_rd_u8(&r);
        scid = dis_rd_ptr(&r, scil);
        if (!dis_rd_ok(&r) || ver == 0 || version_info(ver, &vi) != 0 ||
            dcil > CID_MAX || scil > CID_MAX)
            break;                      /* short, Version Negotiation, other */
        type = long_type(b0, &vi);
        if (type == PT_RETRY) {
            /* Runs to the end of the datagram: token, 16-byte tag. */
            if (dir == 1 && scil >= 1 && dis_rd_left(&r) >= TAG_LEN) {
                memcpy(q->retry_cid.b, scid, scil);
                q->retry_cid.len = scil;
                q->retry_cid.set = 1;
            }
            break;
        }
        if (type == PT_INITIAL) {
            v = varint(&r);             /* Token Length */
            if (!dis_rd_ok(&r) || v > dis_rd_left(&r))
                break;
            dis_rd_skip(&r, (size_t)v);
        }
        v = varint(&r);                 /* Length */
        if (!dis_rd_ok(&r) || v > dis_rd_left(&r))
            break;
        hdr = dis_rd_sub(&start, left0 - dis_rd_left(&r));
        body = dis_rd_sub(&r, (size_t)v);
        if (type == PT_INITIAL &&
            initial(q, dir, ver, hdr, body, dcid, dcil, frame) != 0)
            rc = -1;
    }
    return rc;
}

/* ---- life cycle ------------------------------------------------------- */

static int dir_complete(const qdir *d)
{
    dis_rd r;
    uint32_t n;
    dis_rd_init(&r, d->buf, d->contig);
    dis_rd_skip(&r, 1);                 /* msg_type */
    n = dis_rd_be24(&r);
    return dis_rd_ok(&r) && n <= dis_rd_left(&r);
}

static int dir_spent(const qdir *d)
{
    return d->dgrams >= DIS_QUIC_DGRAM_BUDGET || d->overflow ||
           d->contig >= DIS_QUIC_STREAM_MAX;
}

/* Decide whether the flow is done; if so free the reassembly bookkeeping. */
static void update_done(dis_quic *q)
{
    int fin[2];
    for (int i = 0; i < 2; i++)
        fin[i] = dir_complete(&q->d[i]) || dir_spent(&q->d[i]);
    if (dir_spent(&q->d[0]) && !q->key_cid.set)
        fin[1] = 1;
    if (!fin[0] || !fin[1])
        return;
    q->done = 1;
    for (int i = 0; i < 2; i++) {
        qdir *d = &q->d[i];
        free(d->have);
        d->have = NULL;
        if (d->contig == 0) {
            free(d->buf);
            d->buf = NULL;
            d->cap = 0;
        } else if (d->contig < d->cap) {
            uint8_t *nb = realloc(d->buf, d->contig);
            if (nb) {
                d->buf = nb;
                d->cap = d->contig;
            }
        }
    }
}

/* Per-flow state; the caller owns it and frees it with dis_quic_free(). */
dis_quic *dis_quic_new(void)
{
    return calloc(1, sizeof(dis_quic));
}

/* Free q, its streams and bookkeeping; NULL is accepted. */
void dis_quic_free(dis_quic *q)
{
    if (!q)
        return;
    for (int i = 0; i < 2; i++) {
        free(q->d[i].buf);
        free(q->d[i].have);
    }
    free(q);
}

/* One UDP payload of the flow (p/len borrowed for the call).  Returns 1
 * when direction dir's contiguous stream grew, 0 when not, -1 when an
 * allocation failed (the stream may still have grown; the state stays
 * consistent).  See quic.h. */
int dis_quic_packet(dis_quic *q, int dir, const uint8_t *p, size_t len,
                    uint64_t frame)
{
    qdir *d;
    size_t before;
    int rc = 0;

    if (!q || (dir != 0 && dir != 1) || q->done)
        return 0;
    d = &q->d[dir];
    if (d->dgrams >= DIS_QUIC_DGRAM_BUDGET)
        return 0;
    d->dgrams++;
    before = d->contig;
    if (p && len <= DGRAM_MAX)
        rc = walk(q, dir, p, len, frame);
    update_done(q);
    if (rc < 0)
        return -1;
    return d->contig > before;
}

/* The contiguous CRYPTO stream of dir; owned by q, valid until the next
 * dis_quic_packet() or dis_quic_free(). */
const uint8_t *dis_quic_crypto(const dis_quic *q, int dir, size_t *len)
{
    if (len)
        *len = 0;
    if (!q || (dir != 0 && dir != 1) || q->d[dir].contig == 0)
        return NULL;
    if (len)
        *len = q->d[dir].contig;
    return q->d[dir].buf;
}

/* Version of the last authenticated Initial, 0 if none. */
uint32_t dis_quic_version(const dis_quic *q)
{
    return q ? q->version : 0;
}

/* 1 once an Initial authenticated. */
int dis_quic_is_quic(const dis_quic *q)
{
    return q ? q->is_quic : 0;
}

/* Frame that first put CRYPTO bytes into dir's stream, 0 if none. */
uint64_t dis_quic_first_frame(const dis_quic *q, int dir)
{
    if (!q || (dir != 0 && dir != 1))
        return 0;
    return q->d[dir].first_frame;
}

/* Non-zero once nothing more will be learnt (see quic.h). */
int dis_quic_done(const dis_quic *q)
{
    return q ? q->done : 0;
}

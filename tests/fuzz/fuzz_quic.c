/* fuzz_quic.c - libFuzzer harness: QUIC Initial packets (dissect/quic.c) and
 * the TLS messages of their CRYPTO streams (dis_tls_handshake), as
 * dissect/applayer.c drives them for one UDP flow.
 * RFC 9000 (17.2 long header, 19 frames), RFC 9001 (5.2-5.4 Initial keys,
 * AEAD, header protection), RFC 9369 (QUIC v2).
 *
 * fuzz-requires: dissect/quic.c
 * fuzz-options: -max_len=16384
 *
 * Packets the fuzzer mutates blindly almost never authenticate, so most of
 * quic.c (frames, CRYPTO reassembly, key adoption) would stay unreached.
 * The harness therefore also *seals* packets itself: a sealed record holds
 * the header fields and the plaintext frames, and the harness builds the
 * Initial packet, encrypting and header-protecting it with the Initial
 * keys of RFC 9001 5.2 (derived by dis_quic_initial_keys(), which the RFC
 * 9001 appendix A vectors test; AES-GCM / AES-ECB through OpenSSL EVP).
 *
 * Input format (tests/fuzz/mkseeds.py writes seeds in it):
 *   records until the input ends: flags(1) len(2, BE) body(len)
 *     flags bit 0   direction (0 client -> server)
 *     flags bit 1   seal: body = vsel(1) dcil(1) dcid scil(1) scid pnl(1)
 *                   pn(pnl) plaintext...; vsel & 3 picks v1, v2,
 *                   draft-29, draft-27; dcil/scil are taken mod 21, pnl
 *                   mod 4 (+1).  Client packets are sealed with the keys
 *                   of the first sealed client packet's DCID (flags bit 4:
 *                   with their own DCID instead), server packets with the
 *                   same CID's server keys.  Without bit 1 the body is
 *                   sent as is (real captured datagrams).
 *     flags bit 5   coalesce: keep the packet and append the next record's
 *                   packet to the same datagram.
 *
 * Checks: dis_quic_crypto() never exceeds DIS_QUIC_STREAM_MAX and only
 * grows (the bytes already exposed never change); dis_quic_first_frame()
 * is a frame already fed; handshake messages cut from the stream go to a
 * dis_tls (transport 'q') exactly as applayer.c cuts them.  Datagrams are
 * fed even after dis_quic_done() (later ones must be ignored harmlessly).
 * With FUZZ_VERBOSE set in the environment the harness says what each
 * input achieved (decrypted or not, stream lengths, hellos parsed).
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "dissect/quic.h"
#include "dissect/tls.h"

#include <openssl/evp.h>

#define MAX_DGRAMS 64
#define DGRAM_MAX 65535u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t VERSIONS[4] = { DIS_QUIC_V1, DIS_QUIC_V2,
                                      DIS_QUIC_DRAFT29, 0xff00001bu };

typedef struct harness {
    dis_quic *q;
    dis_tls *tls;
    size_t fed[2];          /* stream bytes handed to the TLS parser */
    uint8_t *seen[2];       /* copy of the stream exposed so far */
    size_t seen_len[2];
    uint64_t frame;
    uint8_t kcid[20];       /* CID whose keys seal client/server packets */
    size_t kcid_len;
} harness;

static size_t put_varint(uint8_t *o, uint64_t v)
{
    if (v < 64) {
        o[0] = (uint8_t)v;
        return 1;
    }
    if (v < 16384) {
        o[0] = (uint8_t)(0x40 | (v >> 8));
        o[1] = (uint8_t)v;
        return 2;
    }
    o[0] = (uint8_t)(0x80 | (v >> 24));
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
    return 4;
}

/* Build one protected Initial packet into out (capacity cap); its length,
 * or 0 when the record cannot make one. */
static size_t seal(harness *h, int dir, int own_dcid, const uint8_t *b,
                   size_t n, uint8_t *out, size_t cap)
{
    fz_cur c;
    uint8_t vsel, dcil, scil, pnl;
    size_t got;
    fz_init(&c, b, n);
    if (!fz_u8(&c, &vsel) || !fz_u8(&c, &dcil))
        return 0;
    dcil %= 21;
    const uint8_t *dcid = fz_take(&c, dcil, &got);
    if (got != dcil || !fz_u8(&c, &scil))
        return 0;
    scil %= 21;
    const uint8_t *scid = fz_take(&c, scil, &got);
    if (got != scil || !fz_u8(&c, &pnl))
        return 0;
    pnl = (uint8_t)(pnl % 4 + 1);
    const uint8_t *pn = fz_take(&c, pnl, &got);
    if (got != pnl)
        return 0;
    size_t ptl;
    const uint8_t *pt = fz_take(&c, fz_left(&c), &ptl);
    uint32_t ver = VERSIONS[vsel & 3];

    /* Which CID's keys. */
    const uint8_t *kc = h->kcid;
    size_t kcl = h->kcid_len;
    if (dir == 0 && (own_dcid || !kcl) && dcil) {
        kc = dcid;
        kcl = dcil;
        if (!h->kcid_len) {
            memcpy(h->kcid, dcid, dcil);
            h->kcid_len = dcil;
        }
    }
    if (!kcl)
        return 0;
    dis_quic_keys k;
    if (dis_quic_initial_keys(ver, kc, kcl, dir, &k) != 0)
        return 0;

    size_t padded = ptl < 4 ? 4 : ptl; /* room for the HP sample */
    size_t body = pnl + padded + 16;
    size_t hl = 1 + 4 + 1 + dcil + 1 + scil + 1 + 4;
    if (hl + body > cap)
        return 0;
    size_t o = 0;
    int type = ver == DIS_QUIC_V2 ? 1 : 0; /* Initial */
    out[o++] = (uint8_t)(0xc0 | (type << 4) | (pnl - 1));
    out[o++] = (uint8_t)(ver >> 24);
    out[o++] = (uint8_t)(ver >> 16);
    out[o++] = (uint8_t)(ver >> 8);
    out[o++] = (uint8_t)ver;
    out[o++] = dcil;
    memcpy(out + o, dcid, dcil);
    o += dcil;
    out[o++] = scil;
    memcpy(out + o, scid, scil);
    o += scil;
    out[o++] = 0; /* token length */
    o += put_varint(out + o, body);
    size_t pn_off = o;
    memcpy(out + o, pn, pnl);
    o += pnl;
    uint8_t *ct = out + o;
    memset(ct, 0, padded);
    memcpy(ct, pt, ptl);

    uint64_t pnv = 0;
    for (int i = 0; i < pnl; i++)
        pnv = (pnv << 8) | pn[i];
    uint8_t nonce[12];
    memcpy(nonce, k.iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pnv >> (8 * i));
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l = 0, ok = x &&
        EVP_EncryptInit_ex(x, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
        EVP_EncryptInit_ex(x, NULL, NULL, k.key, nonce) == 1 &&
        EVP_EncryptUpdate(x, NULL, &l, out, (int)o) == 1 &&
        EVP_EncryptUpdate(x, ct, &l, ct, (int)padded) == 1 &&
        EVP_EncryptFinal_ex(x, ct + l, &l) == 1 &&
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, 16, ct + padded) == 1;
    EVP_CIPHER_CTX_free(x);
    if (!ok)
        abort();
    o += padded + 16;

    /* Header protection: sample 4 bytes after the start of the PN. */
    uint8_t mask[32];
    x = EVP_CIPHER_CTX_new();
    ok = x && EVP_EncryptInit_ex(x, EVP_aes_128_ecb(), NULL, k.hp, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
         EVP_EncryptUpdate(x, mask, &l, out + pn_off + 4, 16) == 1;
    EVP_CIPHER_CTX_free(x);
    if (!ok)
        abort();
    out[0] ^= mask[0] & 0x0f;
    for (int i = 0; i < pnl; i++)
        out[pn_off + i] ^= mask[1 + i];
    return o;
}

/* Feed one datagram and check/consume the streams as applayer.c does. */
static void feed(harness *h, int dir, const uint8_t *dg, size_t n)
{
    uint8_t *copy = fz_dup(dg, n);
    uint64_t frame = ++h->frame;
    (void)dis_quic_packet(h->q, dir, copy, n, frame);
    free(copy);
    for (int d = 0; d < 2; d++) {
        size_t len;
        const uint8_t *s = dis_quic_crypto(h->q, d, &len);
        if (len > DIS_QUIC_STREAM_MAX || (len && !s) || len < h->seen_len[d])
            abort();
        if (h->seen_len[d] && memcmp(s, h->seen[d], h->seen_len[d]) != 0) {
            fprintf(stderr, "fuzz_quic: exposed CRYPTO bytes changed\n");
            abort();
        }
        if (len > h->seen_len[d]) {
            uint8_t *ns = realloc(h->seen[d], len);
            if (!ns)
                abort();
            memcpy(ns, s, len);
            h->seen[d] = ns;
            h->seen_len[d] = len;
        }
        uint64_t ff = dis_quic_first_frame(h->q, d);
        if (ff > frame || (len && !ff))
            abort();
        /* Complete handshake messages, in TLS framing, to the TLS parser. */
        while (len - h->fed[d] >= 4) {
            const uint8_t *m = h->seen[d] + h->fed[d];
            size_t body = ((size_t)m[1] << 16) | ((size_t)m[2] << 8) | m[3];
            if (len - h->fed[d] - 4 < body)
                break;
            uint8_t *msg = fz_dup(m, 4 + body);
            dis_tls_handshake(h->tls, d, msg, 4 + body, frame);
            free(msg);
            h->fed[d] += 4 + body;
        }
    }
    (void)dis_quic_done(h->q);
    (void)dis_quic_version(h->q);
    (void)dis_quic_is_quic(h->q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t dgram[DGRAM_MAX + 1];
    harness h;
    memset(&h, 0, sizeof(h));
    h.q = dis_quic_new();
    h.tls = dis_tls_new();
    if (!h.q || !h.tls)
        abort();
    dis_tls_set_transport(h.tls, DIS_TLS_OVER_QUIC);
    fz_cur in;
    fz_init(&in, data, size);
    uint8_t flags;
    uint16_t len;
    size_t dl = 0;
    unsigned sent = 0;
    while (sent < MAX_DGRAMS && fz_u8(&in, &flags) && fz_be16(&in, &len)) {
        size_t got;
        const uint8_t *b = fz_take(&in, len, &got);
        int dir = flags & 1;
        if (flags & 2) {
            dl += seal(&h, dir, (flags & 16) != 0, b, got, dgram + dl,
                       sizeof(dgram) - dl);
        } else {
            size_t n = got < sizeof(dgram) - dl ? got : sizeof(dgram) - dl;
            memcpy(dgram + dl, b, n);
            dl += n;
        }
        if (flags & 32)
            continue; /* coalesce with the next record */
        feed(&h, dir, dgram, dl);
        dl = 0;
        sent++;
    }
    if (dl)
        feed(&h, 0, dgram, dl);
    const dis_tls_info *ti = dis_tls_get(h.tls);
    fz_check_str(ti->sni, DIS_TLS_SNI_MAX);
    fz_check_str(ti->ja4, sizeof(ti->ja4));
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr,
                "fuzz_quic: %llu datagrams, is_quic %d, version %08x, crypto "
                "%zu/%zu bytes, ClientHello %d ServerHello %d, sni \"%s\"\n",
                (unsigned long long)h.frame, dis_quic_is_quic(h.q),
                dis_quic_version(h.q), h.seen_len[0], h.seen_len[1],
                ti->client_hello, ti->server_hello, ti->sni);
    dis_quic_free(h.q);
    dis_tls_free(h.tls);
    free(h.seen[0]);
    free(h.seen[1]);
    return 0;
}

/* fuzz_tls.c - libFuzzer harness: the TLS handshake dissector (dissect/tls.c,
 * tls_hello.c, tls_cert.c) over TCP reassembly (dissect/tcpreasm.c), and
 * its message entry used by QUIC and DTLS (dis_tls_handshake, dis_tls_alert),
 * fed in any order, with any overlap, gap or sequence wrap.
 * RFC 9293 (sequence space), RFC 8446 / RFC 5246 (records, handshake).
 *
 * Input format (tests/fuzz/mkseeds.py writes seeds in it):
 *   mode(1)              bits 0-1 transport: 0/3 TCP 't', 1 QUIC 'q',
 *                        2 DTLS 'd' (dis_tls_set_transport when not 0);
 *                        bit 2: give each segment a capture time
 *   isn0(4) isn1(4)      initial sequence numbers of the two directions
 *   then segments, until the input ends:
 *     flags(1)  bit 0 direction (0 client->server), bit 1 SYN;
 *               bit 2: the payload is one handshake message for
 *               dis_tls_handshake() instead of TCP bytes; bit 3: the first
 *               two payload bytes are an alert for dis_tls_alert()
 *     delta(2)  signed big-endian offset of the segment from the next
 *               expected sequence number of its direction (0 = in order)
 *     len(2)    payload length, big-endian (fewer bytes at the very end)
 *     payload
 *   The expected number advances by len (+1 for a SYN) after every TCP
 *   segment, so a stream cut into segments has all deltas 0, and one
 *   mutated delta makes a gap, an overlap or a retransmission.
 *
 * After every segment the harness checks what dis_tls_get() says (strings
 * terminated inside their buffers, counts within their documented maxima,
 * certificate SAN strings present) and that dis_tls_mem() stays under a
 * coarse bound (MEM_BOUND); at the end it formats the names as the store
 * does.  Segments are fed even after dis_tls_done(): the API does not
 * forbid it, so it must be harmless.
 *
 * fuzz-options: -max_len=16384
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "dissect/tls.h"

#define MAX_SEGS 8192
/* Two directions of DIS_TLS_DIR_LIMIT handshake buffer plus 64 KiB of
 * out-of-order data each, DIS_TLS_MAX_CERTS certificates with their SAN
 * text: well under 2 MiB.  Above it, memory per flow is not bounded. */
#define MEM_BOUND (2u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const dis_tls_list *l)
{
    if (l->n > DIS_TLS_MAX_LIST || l->n > l->total)
        abort();
}

static void check_info(const dis_tls_info *ti)
{
    fz_check_str(ti->sni, DIS_TLS_SNI_MAX);
    fz_check_str(ti->ja3, sizeof(ti->ja3));
    fz_check_str(ti->ja3s, sizeof(ti->ja3s));
    fz_check_str(ti->ja3_raw, DIS_TLS_JA3_RAW_MAX);
    fz_check_str(ti->ja3s_raw, DIS_TLS_JA3S_RAW_MAX);
    fz_check_str(ti->ja4, sizeof(ti->ja4));
    fz_check_str(ti->ja4_raw, DIS_TLS_JA4_RAW_MAX);
    fz_check_str(ti->server_alpn, DIS_TLS_ALPN_MAX);
    if (ti->n_alpn < 0 || ti->n_alpn > DIS_TLS_MAX_ALPN ||
        ti->n_certs < 0 || ti->n_certs > DIS_TLS_MAX_CERTS ||
        (ti->n_certs > 0 && !ti->certs) ||
        ti->n_client_versions < 0 ||
        ti->n_client_versions > DIS_TLS_MAX_VERSIONS ||
        ti->n_alerts < 0 || ti->n_alerts > DIS_TLS_MAX_ALERTS ||
        ti->alerts_dropped < 0)
        abort();
    check_list(&ti->ciphers);
    check_list(&ti->extensions);
    check_list(&ti->groups);
    check_list(&ti->sig_algs);
    check_list(&ti->key_share_groups);
    check_list(&ti->sh_extensions);
    for (int i = 0; i < ti->n_alpn; i++)
        fz_check_str(ti->alpn[i], DIS_TLS_ALPN_MAX);
    for (int i = 0; i < ti->n_certs; i++) {
        const dis_tls_cert *c = &ti->certs[i];
        fz_check_str(c->subject, DIS_TLS_NAME_MAX);
        fz_check_str(c->issuer, DIS_TLS_NAME_MAX);
        fz_check_str(c->sha1, sizeof(c->sha1));
        fz_check_str(c->sha256, sizeof(c->sha256));
        fz_check_str(c->serial, DIS_TLS_SERIAL_MAX);
        fz_check_str(c->not_before, DIS_TLS_TIME_MAX);
        fz_check_str(c->not_after, DIS_TLS_TIME_MAX);
        fz_check_str(c->sig_alg, DIS_TLS_SIG_ALG_MAX);
        fz_check_str(c->key, DIS_TLS_KEY_MAX);
        if (c->n_san < 0 || c->n_san > DIS_TLS_MAX_SAN ||
            (c->n_san > 0 && !c->san))
            abort();
        size_t san_bytes = 0;
        for (int j = 0; j < c->n_san; j++) {
            if (!c->san[j])
                abort();
            san_bytes += strlen(c->san[j]) + 1;
        }
        if (san_bytes > DIS_TLS_SAN_BYTES + (size_t)DIS_TLS_MAX_SAN)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int transports[4] = { 0, DIS_TLS_OVER_QUIC,
                                       DIS_TLS_OVER_DTLS, 0 };
    fz_cur in;
    uint8_t mode;
    uint32_t next[2];
    fz_init(&in, data, size);
    if (!fz_u8(&in, &mode) || !fz_be32(&in, &next[0]) ||
        !fz_be32(&in, &next[1]))
        return 0;
    dis_tls *t = dis_tls_new();
    if (!t)
        abort();
    if (transports[mode & 3])
        dis_tls_set_transport(t, transports[mode & 3]);
    int64_t ts = 1600000000LL * 1000000;
    uint64_t frame = 0;
    uint8_t flags;
    uint16_t delta, len;
    while (frame < MAX_SEGS && fz_u8(&in, &flags) && fz_be16(&in, &delta) &&
           fz_be16(&in, &len)) {
        int dir = flags & 1, syn = (flags & 2) != 0;
        size_t got;
        const uint8_t *raw = fz_take(&in, len, &got);
        uint8_t *seg = fz_dup(raw, got);
        if (mode & 4) {
            ts += (int64_t)(int16_t)delta * 3600 * 1000000; /* hours */
            dis_tls_set_time(t, ts);
        }
        ++frame;
        if (flags & 8) {
            if (got >= 2)
                dis_tls_alert(t, dir, seg[0], seg[1], frame);
        } else if (flags & 4) {
            dis_tls_handshake(t, dir, seg, got, frame);
        } else {
            uint32_t seq = next[dir] + (uint32_t)(int32_t)(int16_t)delta;
            dis_tls_tcp_segment(t, dir, seq, syn, seg, got, frame);
            next[dir] = seq + (uint32_t)got + (syn ? 1u : 0u);
        }
        free(seg);
        (void)dis_tls_done(t);
        check_info(dis_tls_get(t));
        if (dis_tls_mem(t) > MEM_BOUND) {
            fprintf(stderr, "fuzz_tls: dis_tls_mem %zu > %u\n", dis_tls_mem(t),
                    MEM_BOUND);
            abort();
        }
    }
    const dis_tls_info *ti = dis_tls_get(t);
    char v[16], c[64];
    dis_tls_version_name(ti->version, v, sizeof(v));
    dis_tls_version_name(ti->client_legacy_version, v, sizeof(v));
    dis_tls_cipher_name(ti->cipher, c, sizeof(c));
    for (int i = 0; i < ti->n_alerts; i++) {
        dis_tls_alert_level_name(ti->alerts[i].level, c, sizeof(c));
        dis_tls_alert_desc_name(ti->alerts[i].desc, c, sizeof(c));
    }
    (void)dis_tls_certs_visible(ti);
    dis_tls_free(t);
    return 0;
}

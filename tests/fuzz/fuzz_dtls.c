/* fuzz_dtls.c - libFuzzer harness: DTLS records and handshake reassembly
 * (dissect/dtls.c) with TURN unwrapping, and the messages it emits fed to
 * the TLS parser (dis_tls_handshake / dis_tls_alert, transport 'd').
 * RFC 6347 (DTLS 1.2), RFC 9147 (DTLS 1.3), RFC 7983 / RFC 9443
 * (demultiplexing), RFC 8656 (TURN).
 *
 * fuzz-requires: dissect/dtls.c
 * fuzz-options: -max_len=16384
 *
 * Input format (tests/fuzz/mkseeds.py writes seeds in it):
 *   records until the input ends: flags(1) len(2, BE) datagram(len)
 *     flags bit 0   direction (0 client -> server)
 *     flags bit 1   unwrap TURN first (dis_dtls_turn_payload) and feed the
 *                   relayed datagram when there is one
 *
 * Checks: every emitted handshake message is in TLS framing (4-byte header
 * whose length matches); the version callback gives 0xfeff or 0xfefd, once
 * per direction; alert levels are whatever the wire said (not checked);
 * dis_dtls_mem() never exceeds the bound dtls.h documents
 * (sizeof(handle) + 2 * (64 KiB + 8 KiB + DIS_DTLS_MAX_INFLIGHT * 4));
 * dis_dtls_looks_like() true implies dis_dtls_packet() says DTLS (1) or
 * ran out of memory (-1); a TURN inner datagram lies inside the outer one.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "dissect/dtls.h"
#include "dissect/tls.h"

#define MAX_DGRAMS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct ctx {
    dis_tls *tls;
    int versions[2];
} ctx;

static void on_hs(void *c, int dir, const uint8_t *msg, size_t len,
                  uint64_t frame)
{
    ctx *x = c;
    if (len < 4 || !msg ||
        (((size_t)msg[1] << 16) | ((size_t)msg[2] << 8) | msg[3]) != len - 4) {
        fprintf(stderr, "fuzz_dtls: handshake message not in TLS framing\n");
        abort();
    }
    if (dir != 0 && dir != 1)
        abort();
    uint8_t *m = fz_dup(msg, len);
    dis_tls_handshake(x->tls, dir, m, len, frame);
    free(m);
}

static void on_alert(void *c, int dir, uint8_t level, uint8_t desc,
                     uint64_t frame)
{
    ctx *x = c;
    dis_tls_alert(x->tls, dir, level, desc, frame);
}

static void on_version(void *c, int dir, uint16_t v, uint64_t frame)
{
    ctx *x = c;
    (void)frame;
    if ((v != 0xfeff && v != 0xfefd) || dir < 0 || dir > 1 ||
        x->versions[dir]++) {
        fprintf(stderr, "fuzz_dtls: version callback %04x dir %d (#%d)\n", v,
                dir, x->versions[dir < 0 || dir > 1 ? 0 : dir]);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ctx x = { dis_tls_new(), { 0, 0 } };
    dis_dtls *d = dis_dtls_new();
    if (!d || !x.tls)
        abort();
    dis_tls_set_transport(x.tls, DIS_TLS_OVER_DTLS);
    const size_t bound = dis_dtls_mem(d) +
        2 * (64u * 1024u + 8u * 1024u + DIS_DTLS_MAX_INFLIGHT * 4u);
    const dis_dtls_sink sink = { &x, on_hs, on_alert, on_version };
    fz_cur in;
    fz_init(&in, data, size);
    uint8_t flags;
    uint16_t len;
    uint64_t frame = 0;
    while (frame < MAX_DGRAMS && fz_u8(&in, &flags) && fz_be16(&in, &len)) {
        size_t n;
        const uint8_t *raw = fz_take(&in, len, &n);
        uint8_t *dg = fz_dup(raw, n);
        const uint8_t *p = dg;
        int dir = flags & 1;
        (void)dis_dtls_mux_class(p, n);
        if (flags & 2) {
            const uint8_t *inner = NULL;
            size_t il = 0;
            if (dis_dtls_turn_payload(p, n, &inner, &il)) {
                if (!inner || inner < dg || il > n ||
                    (size_t)(inner - dg) > n - il)
                    abort();
                p = inner;
                n = il;
            }
        }
        int looks = dis_dtls_looks_like(p, n);
        int rc = dis_dtls_packet(d, dir, p, n, ++frame, &sink);
        if (rc < -1 || rc > 1 || (looks && rc == 0)) {
            fprintf(stderr, "fuzz_dtls: looks_like %d but packet %d\n", looks,
                    rc);
            abort();
        }
        free(dg);
        if (dis_dtls_mem(d) > bound) {
            fprintf(stderr, "fuzz_dtls: dis_dtls_mem %zu > %zu\n",
                    dis_dtls_mem(d), bound);
            abort();
        }
        (void)dis_dtls_done(d);
    }
    const dis_tls_info *ti = dis_tls_get(x.tls);
    fz_check_str(ti->sni, DIS_TLS_SNI_MAX);
    fz_check_str(ti->ja4, sizeof(ti->ja4));
    dis_dtls_free(d);
    dis_tls_free(x.tls);
    return 0;
}

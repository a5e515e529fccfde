/* test_dtls.c - unit tests for dissect/dtls.c: RFC 7983 demultiplexing, DTLS
 * record walk, handshake fragment reassembly and ordering, ClientHello cookie
 * removal, clear alerts, bounds; replays of the fixture captures in pcaps/
 * checked against tshark 4.0.17.  RFC 6347, RFC 9147, RFC 8656. */
#define _DEFAULT_SOURCE
#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../../dissect/decode.h"
#include "../../dissect/dtls.h"
#include "../../dissect/tls.h"
#include "tu.h"

/* ---- byte builders ---------------------------------------------------- */

typedef struct buf {
    uint8_t b[70000];
    size_t n;
} buf;

static void put8(buf *o, unsigned v) { if (o->n < sizeof(o->b)) o->b[o->n++] = (uint8_t)v; }
static void put16(buf *o, unsigned v) { put8(o, v >> 8); put8(o, v); }
static void put24(buf *o, unsigned v) { put8(o, v >> 16); put16(o, v); }
static void putn(buf *o, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(o, ((const uint8_t *)p)[i]);
}

/* One DTLSPlaintext record header (sequence_number = rseq). */
static void rec_hdr(buf *o, unsigned type, unsigned ver, unsigned epoch,
                    unsigned rseq, size_t len)
{
    put8(o, type);
    put16(o, ver);
    put16(o, epoch);
    put16(o, 0);                        /* sequence_number: 48 bits */
    put16(o, rseq >> 16);
    put16(o, rseq & 0xffff);
    put16(o, (unsigned)len);
}

/* Append a record of `type` holding one handshake fragment of message
 * (mtype, mlen, mseq): body[off, off+flen). */
static void frag_rec(buf *o, unsigned epoch, unsigned mtype, size_t mlen,
                     unsigned mseq, size_t off, size_t flen,
                     const uint8_t *body)
{
    rec_hdr(o, 22, 0xfefd, epoch, mseq, 12 + flen);
    put8(o, mtype);
    put24(o, (unsigned)mlen);
    put16(o, mseq);
    put24(o, (unsigned)off);
    put24(o, (unsigned)flen);
    putn(o, body + off, flen);
}

/* The same with the fragment bytes given directly (data[0..flen)). */
static void frag_raw(buf *o, unsigned mtype, size_t mlen, unsigned mseq,
                     size_t off, size_t flen, const uint8_t *data)
{
    rec_hdr(o, 22, 0xfefd, 0, mseq, 12 + flen);
    put8(o, mtype);
    put24(o, (unsigned)mlen);
    put16(o, mseq);
    put24(o, (unsigned)off);
    put24(o, (unsigned)flen);
    putn(o, data, flen);
}

static void whole_rec(buf *o, unsigned mtype, unsigned mseq, const buf *body)
{
    frag_rec(o, 0, mtype, body->n, mseq, 0, body->n, body->b);
}

/* A DTLS ClientHello body with session_id of sid bytes and cookie of ck
 * bytes; *tls gets the same body in TLS 1.2 layout (no cookie field). */
static void dtls_ch(buf *dtls, buf *tls, size_t sid, size_t ck)
{
    static const uint8_t ext[] = { 0x00, 0x10, 0x00, 0x09, 0x00, 0x07, 0x06,
                                   'w', 'e', 'b', 'r', 't', 'c' };
    buf *o[2] = { dtls, tls };
    for (int k = 0; k < 2; k++) {
        o[k]->n = 0;
        put16(o[k], 0xfefd);
        for (int i = 0; i < 32; i++)
            put8(o[k], 0xa0 + i);
        put8(o[k], (unsigned)sid);
        for (size_t i = 0; i < sid; i++)
            put8(o[k], 0x50 + (unsigned)i);
        if (k == 0) {
            put8(o[k], (unsigned)ck);
            for (size_t i = 0; i < ck; i++)
                put8(o[k], 0xc0 + (unsigned)i);
        }
        put16(o[k], 4);
        put16(o[k], 0xc02b);
        put16(o[k], 0xc02f);
        put8(o[k], 1);
        put8(o[k], 0);
        put16(o[k], sizeof(ext));
        putn(o[k], ext, sizeof(ext));
    }
}

/* ---- recording sink --------------------------------------------------- */

#define MAX_EMIT 64

typedef struct emitted {
    int flow, dir, type;
    size_t len;                 /* body length (after rewrite) */
    uint64_t frame;
    uint8_t *msg;               /* owned copy, header included */
} emitted;

typedef struct record {
    emitted e[MAX_EMIT];
    int n;
    int alerts, alert_dir[16];
    uint8_t alert_level[16], alert_desc[16];
    uint64_t alert_frame[16];
    uint16_t version[64][2];    /* per flow, per dir */
} record;

typedef struct tap {            /* sink context: which flow */
    record *r;
    int flow;
} tap;

static void on_hs(void *ctx, int dir, const uint8_t *m, size_t len,
                  uint64_t frame)
{
    tap *t = ctx;
    record *r = t->r;
    if (r->n >= MAX_EMIT || len < 4)
        return;
    emitted *e = &r->e[r->n++];
    e->flow = t->flow;
    e->dir = dir;
    e->type = m[0];
    e->len = len - 4;
    e->frame = frame;
    e->msg = malloc(len);
    if (e->msg)
        memcpy(e->msg, m, len);
}

static void on_alert(void *ctx, int dir, uint8_t level, uint8_t desc,
                     uint64_t frame)
{
    record *r = ((tap *)ctx)->r;
    if (r->alerts >= 16)
        return;
    r->alert_dir[r->alerts] = dir;
    r->alert_level[r->alerts] = level;
    r->alert_desc[r->alerts] = desc;
    r->alert_frame[r->alerts++] = frame;
}

static void on_version(void *ctx, int dir, uint16_t v, uint64_t frame)
{
    tap *t = ctx;
    (void)frame;
    if (t->flow < 64)
        t->r->version[t->flow][dir] = v;
}

static void record_free(record *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->e[i].msg);
    memset(r, 0, sizeof(*r));
}

static int feed(dis_dtls *d, int dir, const buf *b, uint64_t frame,
                tap *t)
{
    dis_dtls_sink s = { t, on_hs, on_alert, on_version };
    return dis_dtls_packet(d, dir, b->b, b->n, frame, &s);
}

/* Check emission i: flow, dir, type, body length, frame. */
#define CHECK_EMIT(r, i, fl, dr, ty, ln, fr)                                \
    do {                                                                    \
        TU_CHECK((r)->n > (i));                                             \
        if ((r)->n > (i)) {                                                 \
            TU_CHECK_INT((r)->e[i].flow, fl);                               \
            TU_CHECK_INT((r)->e[i].dir, dr);                                \
            TU_CHECK_INT((r)->e[i].type, ty);                               \
            TU_CHECK_INT((r)->e[i].len, ln);                                \
            TU_CHECK_INT((r)->e[i].frame, fr);                              \
        }                                                                   \
    } while (0)

/* ---- capture replay --------------------------------------------------- */

#define MAX_FLOWS 512

typedef struct replay {
    long dtls;                  /* datagrams dis_dtls_packet() called DTLS */
    long udp, mux[7];           /* UDP datagrams, by dis_dtls_mux_class */
    int nflows;
    uint8_t *frame_copy;        /* payload of frame `want` (owned) */
    size_t frame_len;
} replay;

/* Read a capture with libpcap, group UDP datagrams by 5-tuple (dir 0 = the
 * sender of the flow's first datagram), feed each flow's dis_dtls.  turn:
 * unwrap TURN Send/Data indications and ChannelData first.  Returns 0, or -1
 * when the file cannot be read. */
static int replay_file(const char *path, int turn, record *r, replay *out,
                       uint64_t want)
{
    static struct { uint8_t ipver, a[16], b[16]; uint16_t pa, pb; dis_dtls *d; tap t; } fl[MAX_FLOWS];
    char err[PCAP_ERRBUF_SIZE];
    memset(out, 0, sizeof(*out));
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        return -1;
    int dlt = pcap_datalink(pc), n = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t frame = 0;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        dis_pkt p;
        frame++;
        memset(&p, 0, sizeof(p));
        if (dis_decode(dlt, data, h->caplen, &p) != DIS_OK || p.l4 != 17 ||
            !p.has_ports || p.frag == DIS_FRAG_LATER)
            continue;
        size_t al = p.ipver == 6 ? 16 : 4;
        int i, dir = 0;
        for (i = 0; i < n; i++) {
            if (fl[i].ipver != p.ipver)
                continue;
            if (!memcmp(fl[i].a, p.src, al) && !memcmp(fl[i].b, p.dst, al) &&
                fl[i].pa == p.sport && fl[i].pb == p.dport)
                break;
            if (!memcmp(fl[i].b, p.src, al) && !memcmp(fl[i].a, p.dst, al) &&
                fl[i].pb == p.sport && fl[i].pa == p.dport) {
                dir = 1;
                break;
            }
        }
        if (i == n) {
            if (n == MAX_FLOWS)
                continue;
            memset(&fl[n], 0, sizeof(fl[n]));
            fl[n].ipver = p.ipver;
            memcpy(fl[n].a, p.src, al);
            memcpy(fl[n].b, p.dst, al);
            fl[n].pa = p.sport;
            fl[n].pb = p.dport;
            fl[n].d = dis_dtls_new();
            fl[n].t.r = r;
            fl[n].t.flow = n;
            n++;
        }
        const uint8_t *pl = p.payload;
        size_t len = p.payload_len;
        if (turn) {
            const uint8_t *in;
            size_t inl;
            if (dis_dtls_turn_payload(pl, len, &in, &inl)) {
                pl = in;
                len = inl;
            }
        }
        if (frame == want && !out->frame_copy && (out->frame_copy = malloc(len + 1))) {
            memcpy(out->frame_copy, pl, len);
            out->frame_len = len;
        }
        out->udp++;
        out->mux[dis_dtls_mux_class(pl, len)]++;
        dis_dtls_sink s = { &fl[i].t, on_hs, on_alert, on_version };
        if (dis_dtls_packet(fl[i].d, dir, pl, len, frame, &s) == 1)
            out->dtls++;
    }
    for (int i = 0; i < n; i++)
        dis_dtls_free(fl[i].d);
    out->nflows = n;
    pcap_close(pc);
    return 0;
}

/* SHA-256 hex of the k-th certificate of an emitted Certificate message
 * (TLS framing: type, length(3), certificate_list length(3), entries). */
static int cert_sha256(const emitted *e, int k, char *hex)
{
    size_t off = 7, len = e->len + 4;
    hex[0] = '\0';
    if (!e->msg || len < 7)
        return 0;
    for (int i = 0; off + 3 <= len; i++) {
        size_t cl = ((size_t)e->msg[off] << 16) | ((size_t)e->msg[off + 1] << 8) | e->msg[off + 2];
        off += 3;
        if (cl > len - off)
            return 0;
        if (i == k) {
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int ml = 0;
            if (!EVP_Digest(e->msg + off, cl, md, &ml, EVP_sha256(), NULL))
                return 0;
            for (unsigned j = 0; j < ml; j++)
                snprintf(hex + 2 * j, 3, "%02x", md[j]);
            return 1;
        }
        off += cl;
    }
    return 0;
}

#define CHECK_CERT(e, k, want)                                              \
    do {                                                                    \
        char tu_h[2 * EVP_MAX_MD_SIZE + 1];                                 \
        TU_CHECK(cert_sha256((e), (k), tu_h));                              \
        TU_CHECK_STR(tu_h, want);                                           \
    } while (0)

/* ---- fixtures --------------------------------------------------------- */

/* Expected values below come from tshark 4.0.17:
 *   tshark -r F -d udp.port==8801,dtls (stun_zoom) or --enable-heuristic
 *   dtls_stun (TURN-wrapped) -T fields -e frame.number
 *   -e dtls.handshake.type -e dtls.handshake.message_seq
 *   -e dtls.handshake.fragment_offset -e dtls.handshake.fragment_length
 *   -e dtls.handshake.length -e dtls.handshake.cookie_length
 * and the certificate digests from -e dtls.handshake.certificate piped
 * through xxd -r -p | sha256sum. */

TU_TEST(fixture_stun_zoom)
{
    record r;
    replay rp;
    memset(&r, 0, sizeof(r));
    TU_CHECK_INT(replay_file("pcaps/stun_zoom.pcapng", 0, &r, &rp, 5), 0);
    TU_CHECK_INT(rp.dtls, 46);          /* tshark: 46 frames with DTLS */
    TU_CHECK(rp.mux[DIS_DTLS_MUX_STUN] > 0);
    TU_CHECK_INT(r.n, 12);
    /* Client 48854 (flow 0): ClientHello (164 - 1 empty cookie byte) and,
     * after the server's flight, ClientKeyExchange; retransmissions of the
     * ClientHello (frames 9, 13) are not emitted again. */
    CHECK_EMIT(&r, 0, 0, 0, 1, 163, 5);
    CHECK_EMIT(&r, 1, 0, 1, 2, 89, 15);
    CHECK_EMIT(&r, 2, 0, 1, 11, 3961, 18);  /* 4 fragments, frames 15-18 */
    CHECK_EMIT(&r, 3, 0, 1, 12, 329, 19);   /* 2 fragments, frames 18-19 */
    CHECK_EMIT(&r, 4, 0, 1, 14, 0, 19);
    CHECK_EMIT(&r, 5, 0, 0, 16, 66, 20);
    /* Second client 53065 (flow 1), whose ClientHello is later resent in two
     * fragments (frames 38, 39): already emitted, ignored. */
    CHECK_EMIT(&r, 6, 1, 0, 1, 163, 23);
    CHECK_EMIT(&r, 7, 1, 1, 2, 89, 43);
    CHECK_EMIT(&r, 8, 1, 1, 11, 3961, 46);
    CHECK_EMIT(&r, 9, 1, 1, 12, 329, 47);
    CHECK_EMIT(&r, 10, 1, 1, 14, 0, 47);
    CHECK_EMIT(&r, 11, 1, 0, 16, 66, 48);
    if (r.n == 12) {
        static const char *const certs[3] = {
            "bf2af50bcc9945ec552ee2752718bdfa33e47fc84bc2d47aa9ba5a938afd1930",
            "25768713d3b459f9382d2a594f85f34709fd2a8930731542a4146ffb246bec69",
            "4348a0e9444c78cb265e058d5e8944b4d84f9662bd26db257f8934a443c70161" };
        for (int k = 0; k < 3; k++) {
            CHECK_CERT(&r.e[2], k, certs[k]);
            CHECK_CERT(&r.e[8], k, certs[k]);
        }
        /* The ClientHello rewrite, byte for byte against frame 5: record
         * header (13) + DTLS handshake header (12), then the body; the TLS
         * form drops the 1-byte empty cookie at body offset 35. */
        TU_CHECK(rp.frame_len == 13 + 12 + 164);
        if (rp.frame_len == 13 + 12 + 164 && r.e[0].msg) {
            const uint8_t *w = rp.frame_copy + 25, *m = r.e[0].msg;
            TU_CHECK(m[0] == 1 && m[1] == 0 && m[2] == 0 && m[3] == 163);
            TU_CHECK(w[34] == 0 && w[35] == 0);     /* sid len, cookie len */
            TU_CHECK(!memcmp(m + 4, w, 35));
            TU_CHECK(!memcmp(m + 4 + 35, w + 36, 164 - 36));
        }
        /* The lead's TLS parser reads the rewritten ClientHello. */
        dis_tls *t = dis_tls_new();
        TU_CHECK(t != NULL);
        if (t && r.e[0].msg) {
            dis_tls_handshake(t, 0, r.e[0].msg, r.e[0].len + 4, 5);
            const dis_tls_info *in = dis_tls_get(t);
            TU_CHECK_INT(in->client_hello, 1);
            TU_CHECK_INT(in->n_alpn, 2);
            TU_CHECK_STR(in->alpn[0], "webrtc");
            TU_CHECK_STR(in->alpn[1], "c-webrtc");
        }
        dis_tls_free(t);
    }
    TU_CHECK_INT(r.version[0][0], 0xfeff);
    TU_CHECK_INT(r.version[0][1], 0xfefd);
    TU_CHECK_INT(r.alerts, 0);
    free(rp.frame_copy);
    record_free(&r);
}

TU_TEST(fixture_dtls_certificate)
{
    record r;
    replay rp;
    memset(&r, 0, sizeof(r));
    TU_CHECK_INT(replay_file("pcaps/dtls_certificate.pcapng", 0, &r, &rp, 0), 0);
    TU_CHECK_INT(rp.dtls, 1);
    /* ServerHello, Certificate; the ServerKeyExchange is only its first
     * fragment (58 of 329 bytes): not emitted. */
    TU_CHECK_INT(r.n, 2);
    CHECK_EMIT(&r, 0, 0, 0, 2, 57, 1);
    CHECK_EMIT(&r, 1, 0, 0, 11, 1254, 1);
    if (r.n == 2)
        CHECK_CERT(&r.e[1], 0, "1073570f79136511ba45b44c923a55c69b97e91d3aaa2e06e5e657129ca809ff");
    record_free(&r);
}

TU_TEST(fixture_turn_relayed_dtls)
{
    record r;
    replay rp;
    memset(&r, 0, sizeof(r));
    /* Without unwrapping: every datagram is STUN, none is DTLS. */
    TU_CHECK_INT(replay_file("pcaps/stun_dtls_rtp_unidir.pcapng", 0, &r, &rp, 0), 0);
    TU_CHECK_INT(rp.dtls, 0);
    TU_CHECK_INT(rp.mux[DIS_DTLS_MUX_STUN], 43);
    TU_CHECK_INT(r.n, 0);
    record_free(&r);
    /* Unwrapped Send/Data indications: frames 22-34 carry DTLS (tshark with
     * the dtls_stun heuristic); RTP/RTCP follows in frames 35-43. */
    TU_CHECK_INT(replay_file("pcaps/stun_dtls_rtp_unidir.pcapng", 1, &r, &rp, 0), 0);
    TU_CHECK_INT(rp.dtls, 13);
    TU_CHECK_INT(rp.mux[DIS_DTLS_MUX_RTP], 9);
    TU_CHECK_INT(r.n, 9);
    CHECK_EMIT(&r, 0, 0, 0, 1, 173, 22);     /* 174 - empty cookie */
    CHECK_EMIT(&r, 1, 1, 0, 2, 92, 23);
    CHECK_EMIT(&r, 2, 1, 0, 11, 273, 23);
    CHECK_EMIT(&r, 3, 1, 0, 12, 142, 23);
    CHECK_EMIT(&r, 4, 1, 0, 13, 6, 23);
    CHECK_EMIT(&r, 5, 1, 0, 14, 0, 23);
    CHECK_EMIT(&r, 6, 0, 0, 11, 484, 32);    /* 3 fragments, frames 30-32 */
    CHECK_EMIT(&r, 7, 0, 0, 16, 66, 32);
    CHECK_EMIT(&r, 8, 0, 0, 15, 130, 33);    /* 2 fragments, frames 32-33 */
    if (r.n == 9) {
        CHECK_CERT(&r.e[2], 0, "f60b2c8abe0173cba77b6d19d023febc2dc6c402fabe8a786cd7ee5b27386ba0");
        CHECK_CERT(&r.e[6], 0, "f86714227edcef186127b612945e348d49764b52fba082e87d8484a3efeec60f");
    }
    TU_CHECK_INT(r.version[0][0], 0xfeff);
    record_free(&r);
}

TU_TEST(fixture_media_without_dtls)
{
    /* STUN, RTP/RTCP, QUIC and DNS flows: nothing is DTLS.  The mux counts
     * show the datagrams really were looked at. */
    static const char *const files[] = { "pcaps/google_meet.pcapng",
        "pcaps/skype-conference-call.pcap", "pcaps/teams.pcap" };
    long rtp = 0, stun = 0;
    for (int i = 0; i < 3; i++) {
        record r;
        replay rp;
        memset(&r, 0, sizeof(r));
        TU_CHECK_INT(replay_file(files[i], 0, &r, &rp, 0), 0);
        TU_CHECK(rp.udp > 0);
        TU_CHECK_INT(rp.dtls, 0);
        TU_CHECK_INT(r.n, 0);
        rtp += rp.mux[DIS_DTLS_MUX_RTP];
        stun += rp.mux[DIS_DTLS_MUX_STUN];
        /* teams.pcap has DNS ids whose first byte is 20..63: classified
         * DTLS by the first byte alone, rejected by the record check. */
        if (i == 2)
            TU_CHECK(rp.mux[DIS_DTLS_MUX_DTLS] >= 6);
        record_free(&r);
    }
    TU_CHECK(rtp > 100);
    TU_CHECK(stun > 50);
}

/* From the shared corpus (not yet a fixture in pcaps/; skipped when absent):
 * a ClientHello with a 32-byte session_id, a HelloVerifyRequest with a
 * 20-byte cookie, the ClientHello again with session_id and cookie. */
#define COOKIE_PCAP "/work/shared/pcaps/corpus/dtls_session_id_and_coockie_both.pcap"

TU_TEST(corpus_cookie_and_session_id)
{
    record r;
    replay rp;
    memset(&r, 0, sizeof(r));
    TU_CHECK_INT(replay_file(COOKIE_PCAP, 0, &r, &rp, 3), 0);
    TU_CHECK_INT(rp.dtls, 4);
    TU_CHECK_INT(r.n, 4);
    /* tshark: ClientHello length 74 (cookie 0), HVR 23, ClientHello 94
     * (cookie 20), ServerHello 70. */
    CHECK_EMIT(&r, 0, 0, 0, 1, 73, 1);
    CHECK_EMIT(&r, 1, 0, 1, 3, 23, 2);
    CHECK_EMIT(&r, 2, 0, 0, 1, 73, 3);
    CHECK_EMIT(&r, 3, 0, 1, 2, 70, 4);
    TU_CHECK(rp.frame_len == 25 + 94);
    if (r.n == 4 && rp.frame_len == 25 + 94 && r.e[2].msg) {
        /* body: version 2, random 32, sid len 1 + 32, cookie len 1 + 20 at
         * offset 67..88, then the rest. */
        const uint8_t *w = rp.frame_copy + 25, *m = r.e[2].msg + 4;
        TU_CHECK(w[34] == 32 && w[67] == 20);
        TU_CHECK(!memcmp(m, w, 67));
        TU_CHECK(!memcmp(m + 67, w + 88, 94 - 88));
        dis_tls *t = dis_tls_new();
        if (t) {
            dis_tls_handshake(t, 0, r.e[2].msg, r.e[2].len + 4, 3);
            TU_CHECK_INT(dis_tls_get(t)->client_hello, 1);
            TU_CHECK_INT(dis_tls_get(t)->client_legacy_version, 0xfefd);
        }
        dis_tls_free(t);
    }
    free(rp.frame_copy);
    record_free(&r);
}

/* ---- synthetic -------------------------------------------------------- */

TU_TEST(demux_and_non_dtls)
{
    const uint8_t stun[] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
                             1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
    const uint8_t rtp[] = { 0x80, 0x6f, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad,
                            0xbe, 0xef, 1, 2, 3 };
    const uint8_t dns[] = { 0x16, 0xfe, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0,
                            0, 0, 0, 0 };   /* DNS id 0x16fe: bad version */
    const uint8_t uni[] = { 0x2c, 0x01, 0x00, 0x02, 0xaa, 0xbb };
    struct { uint8_t b; int cls; } tab[] = {
        { 0, DIS_DTLS_MUX_STUN }, { 3, DIS_DTLS_MUX_STUN },
        { 4, DIS_DTLS_MUX_OTHER }, { 15, DIS_DTLS_MUX_OTHER },
        { 16, DIS_DTLS_MUX_ZRTP }, { 19, DIS_DTLS_MUX_ZRTP },
        { 20, DIS_DTLS_MUX_DTLS }, { 63, DIS_DTLS_MUX_DTLS },
        { 64, DIS_DTLS_MUX_TURN }, { 79, DIS_DTLS_MUX_TURN },
        { 80, DIS_DTLS_MUX_QUIC }, { 127, DIS_DTLS_MUX_QUIC },
        { 128, DIS_DTLS_MUX_RTP }, { 191, DIS_DTLS_MUX_RTP },
        { 192, DIS_DTLS_MUX_QUIC }, { 255, DIS_DTLS_MUX_QUIC } };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        TU_CHECK_INT(dis_dtls_mux_class(&tab[i].b, 1), tab[i].cls);
    TU_CHECK_INT(dis_dtls_mux_class(NULL, 0), DIS_DTLS_MUX_OTHER);

    dis_dtls *d = dis_dtls_new();
    TU_CHECK(d != NULL);
    if (!d)
        return;
    TU_CHECK_INT(dis_dtls_packet(d, 0, stun, sizeof(stun), 1, NULL), 0);
    TU_CHECK_INT(dis_dtls_packet(d, 1, rtp, sizeof(rtp), 2, NULL), 0);
    TU_CHECK_INT(dis_dtls_packet(d, 0, dns, sizeof(dns), 3, NULL), 0);
    TU_CHECK_INT(dis_dtls_packet(d, 0, NULL, 0, 4, NULL), 0);
    /* A unified header on a flow that never showed DTLSPlaintext is not
     * taken for DTLS (OpenVPN and others start with 0x20..0x3f too). */
    TU_CHECK_INT(dis_dtls_packet(d, 0, uni, sizeof(uni), 5, NULL), 0);
    TU_CHECK(!dis_dtls_looks_like(dns, sizeof(dns)));
    TU_CHECK(!dis_dtls_looks_like(uni, sizeof(uni)));
    dis_dtls_free(d);
    dis_dtls_free(NULL);
}

TU_TEST(fragments_out_of_order_with_duplicate)
{
    static buf ch, tls, f1, f2, f3;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    dtls_ch(&ch, &tls, 0, 0);
    size_t a = ch.n / 3, b = 2 * ch.n / 3;
    f1.n = f2.n = f3.n = 0;
    frag_rec(&f1, 0, 1, ch.n, 0, 0, a, ch.b);
    frag_rec(&f2, 0, 1, ch.n, 0, a, b - a, ch.b);
    frag_rec(&f3, 0, 1, ch.n, 0, b, ch.n - b, ch.b);
    TU_CHECK(dis_dtls_looks_like(f1.b, f1.n));
    dis_dtls *d = dis_dtls_new();
    size_t base = dis_dtls_mem(d);
    TU_CHECK_INT(feed(d, 0, &f3, 1, &t), 1);
    TU_CHECK_INT(feed(d, 0, &f1, 2, &t), 1);
    TU_CHECK_INT(feed(d, 0, &f3, 3, &t), 1);    /* duplicate */
    TU_CHECK_INT(r.n, 0);
    TU_CHECK(dis_dtls_mem(d) > base + ch.n);
    TU_CHECK_INT(feed(d, 0, &f2, 4, &t), 1);
    TU_CHECK_INT(r.n, 1);
    CHECK_EMIT(&r, 0, 0, 0, 1, tls.n, 4);
    if (r.n == 1 && r.e[0].msg)
        TU_CHECK(!memcmp(r.e[0].msg + 4, tls.b, tls.n));
    /* Retransmission of the whole flight after emission: nothing new. */
    TU_CHECK_INT(feed(d, 0, &f1, 5, &t), 1);
    TU_CHECK_INT(feed(d, 0, &f2, 6, &t), 1);
    TU_CHECK_INT(feed(d, 0, &f3, 7, &t), 1);
    TU_CHECK_INT(r.n, 1);
    TU_CHECK_INT(dis_dtls_mem(d), base);        /* slot freed once emitted */
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(overlapping_fragments_first_wins)
{
    static buf body, bad, dg;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    body.n = 0;
    for (int i = 0; i < 300; i++)
        put8(&body, i * 7);
    bad = body;
    for (int i = 100; i < 200; i++)
        bad.b[i] ^= 0xff;
    dis_dtls *d = dis_dtls_new();
    size_t base = dis_dtls_mem(d);
    /* [0,150) good; [100,250) with a corrupted overlap; [200,300) good;
     * all three in one datagram, the middle one first. */
    dg.n = 0;
    frag_rec(&dg, 0, 2, 300, 0, 100, 150, bad.b);
    frag_rec(&dg, 0, 2, 300, 0, 0, 150, body.b);
    TU_CHECK_INT(feed(d, 1, &dg, 1, &t), 1);
    TU_CHECK(dis_dtls_mem(d) > base);
    TU_CHECK_INT(r.n, 0);
    dg.n = 0;
    frag_rec(&dg, 0, 2, 300, 0, 200, 100, body.b);
    TU_CHECK_INT(feed(d, 1, &dg, 2, &t), 1);
    CHECK_EMIT(&r, 0, 0, 1, 2, 300, 2);
    if (r.n == 1 && r.e[0].msg) {
        /* The corrupted fragment [100,250) arrived first: its bytes stay,
         * the good overlap [100,150) that came later does not replace them. */
        TU_CHECK(!memcmp(r.e[0].msg + 4, body.b, 100));
        TU_CHECK(!memcmp(r.e[0].msg + 4 + 100, bad.b + 100, 150));
        TU_CHECK(!memcmp(r.e[0].msg + 4 + 250, body.b + 250, 50));
    }
    TU_CHECK_INT(dis_dtls_mem(d), base);
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(malformed_fragment_not_emitted)
{
    static buf body, dg;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    body.n = 0;
    for (int i = 0; i < 100; i++)
        put8(&body, i);
    dis_dtls *d = dis_dtls_new();
    /* offset + length beyond the message length: dropped. */
    dg.n = 0;
    frag_rec(&dg, 0, 2, 60, 0, 0, 100, body.b);
    TU_CHECK_INT(feed(d, 1, &dg, 1, &t), 1);
    dg.n = 0;
    frag_rec(&dg, 0, 2, 100, 0, 50, 60, body.b);
    TU_CHECK_INT(feed(d, 1, &dg, 2, &t), 1);
    /* fragment_length larger than the record holds: dropped. */
    dg.n = 0;
    frag_rec(&dg, 0, 2, 100, 0, 0, 100, body.b);
    dg.b[13 + 11] = 101;                /* fragment_length low byte */
    TU_CHECK_INT(feed(d, 1, &dg, 3, &t), 1);
    /* A fragment disagreeing with the first fragment on the length. */
    dg.n = 0;
    frag_rec(&dg, 0, 2, 100, 0, 0, 40, body.b);
    TU_CHECK_INT(feed(d, 1, &dg, 4, &t), 1);
    dg.n = 0;
    static buf other;
    other = body;
    for (int i = 0; i < 100; i++)
        other.b[i] ^= 0x5a;
    frag_rec(&dg, 0, 2, 99, 0, 40, 59, other.b);
    TU_CHECK_INT(feed(d, 1, &dg, 5, &t), 1);
    TU_CHECK_INT(r.n, 0);
    /* The rest of the real message completes it. */
    dg.n = 0;
    frag_rec(&dg, 0, 2, 100, 0, 40, 60, body.b);
    TU_CHECK_INT(feed(d, 1, &dg, 6, &t), 1);
    CHECK_EMIT(&r, 0, 0, 1, 2, 100, 6);
    if (r.n == 1 && r.e[0].msg)
        TU_CHECK(!memcmp(r.e[0].msg + 4, body.b, 100));
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(truncated_at_every_length)
{
    static buf ch, tls, dg;
    const uint8_t al[] = { 2, 40 };
    dtls_ch(&ch, &tls, 8, 16);
    dg.n = 0;
    whole_rec(&dg, 1, 0, &ch);
    size_t first = dg.n;
    rec_hdr(&dg, 21, 0xfefd, 0, 1, 2);
    putn(&dg, al, 2);
    for (size_t cut = 0; cut <= dg.n; cut++) {
        record r;
        tap t = { &r, 0 };
        memset(&r, 0, sizeof(r));
        dis_dtls *d = dis_dtls_new();
        dis_dtls_sink s = { &t, on_hs, on_alert, on_version };
        uint8_t *copy = malloc(cut ? cut : 1);  /* exact size for ASan */
        memcpy(copy, dg.b, cut);
        int rc = dis_dtls_packet(d, 0, copy, cut, 1, &s);
        TU_CHECK_INT(rc, cut >= 13 ? 1 : 0);
        TU_CHECK_INT(r.n, cut >= first ? 1 : 0);
        TU_CHECK_INT(r.alerts, cut == dg.n ? 1 : 0);
        free(copy);
        dis_dtls_free(d);
        record_free(&r);
    }
}

TU_TEST(cookie_removed_exact_bytes)
{
    static buf ch, tls, dg, hvr;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    dtls_ch(&ch, &tls, 4, 20);
    TU_CHECK_INT(ch.n, tls.n + 21);
    /* Hand-checked layout: 34 fixed bytes, sid len 4 + 4 bytes; the TLS
     * form continues with the cipher_suites length where the cookie was. */
    TU_CHECK(tls.b[34] == 4 && tls.b[39] == 0 && tls.b[40] == 4);
    TU_CHECK(ch.b[39] == 20 && ch.b[40] == 0xc0);
    dis_dtls *d = dis_dtls_new();
    dg.n = 0;
    whole_rec(&dg, 1, 0, &ch);
    TU_CHECK_INT(feed(d, 0, &dg, 1, &t), 1);
    /* HelloVerifyRequest: server_version, cookie<0..255>; emitted as is. */
    hvr.n = 0;
    put16(&hvr, 0xfefd);
    put8(&hvr, 3);
    put8(&hvr, 0xaa), put8(&hvr, 0xbb), put8(&hvr, 0xcc);
    dg.n = 0;
    whole_rec(&dg, 3, 0, &hvr);
    TU_CHECK_INT(feed(d, 1, &dg, 2, &t), 1);
    /* Second ClientHello (message_seq 1) with the cookie, empty session. */
    static buf ch2, tls2;
    dtls_ch(&ch2, &tls2, 0, 3);
    dg.n = 0;
    whole_rec(&dg, 1, 1, &ch2);
    TU_CHECK_INT(feed(d, 0, &dg, 3, &t), 1);
    TU_CHECK_INT(r.n, 3);
    CHECK_EMIT(&r, 0, 0, 0, 1, tls.n, 1);
    CHECK_EMIT(&r, 1, 0, 1, 3, 6, 2);
    CHECK_EMIT(&r, 2, 0, 0, 1, tls2.n, 3);
    if (r.n == 3 && r.e[0].msg && r.e[1].msg && r.e[2].msg) {
        const uint8_t h0[4] = { 1, 0, 0, (uint8_t)tls.n };
        const uint8_t h1[10] = { 3, 0, 0, 6, 0xfe, 0xfd, 3, 0xaa, 0xbb, 0xcc };
        TU_CHECK(tls.n < 256);
        TU_CHECK(!memcmp(r.e[0].msg, h0, 4));
        TU_CHECK(!memcmp(r.e[0].msg + 4, tls.b, tls.n));
        TU_CHECK(!memcmp(r.e[1].msg, h1, 10));
        TU_CHECK(!memcmp(r.e[2].msg + 4, tls2.b, tls2.n));
    }
    dis_dtls_free(d);
    record_free(&r);

    /* A ClientHello whose cookie runs past its end is not emitted, and the
     * next message of that direction still is. */
    memset(&r, 0, sizeof(r));
    d = dis_dtls_new();
    ch.n = 36;
    ch.b[34] = 0;
    ch.b[35] = 9;                       /* 9 cookie bytes announced, 0 there */
    dg.n = 0;
    whole_rec(&dg, 1, 0, &ch);
    whole_rec(&dg, 16, 1, &hvr);
    TU_CHECK_INT(feed(d, 0, &dg, 1, &t), 1);
    TU_CHECK_INT(r.n, 1);
    CHECK_EMIT(&r, 0, 0, 0, 16, hvr.n, 1);
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(alerts_in_the_clear)
{
    static buf dg, body;
    record r;
    tap t = { &r, 0 };
    const uint8_t two[] = { 1, 0, 2, 42 }, one[] = { 2, 40 }, ccs[] = { 1 };
    memset(&r, 0, sizeof(r));
    dis_dtls *d = dis_dtls_new();
    /* Two alerts in one epoch-0 record, then an epoch-1 (encrypted) alert. */
    dg.n = 0;
    rec_hdr(&dg, 21, 0xfeff, 0, 0, 4);
    putn(&dg, two, 4);
    rec_hdr(&dg, 21, 0xfeff, 1, 0, 2);
    putn(&dg, one, 2);
    TU_CHECK_INT(feed(d, 0, &dg, 7, &t), 1);
    TU_CHECK_INT(r.alerts, 2);
    TU_CHECK(r.alert_level[0] == 1 && r.alert_desc[0] == 0);
    TU_CHECK(r.alert_level[1] == 2 && r.alert_desc[1] == 42);
    TU_CHECK_INT(r.alert_frame[1], 7);
    TU_CHECK_INT(r.version[0][0], 0xfeff);
    /* Server: ServerHelloDone ends its handshake, a clear alert after it is
     * still reported; after its ChangeCipherSpec nothing is. */
    body.n = 0;
    dg.n = 0;
    whole_rec(&dg, 2, 0, &body);
    whole_rec(&dg, 14, 1, &body);
    rec_hdr(&dg, 21, 0xfefd, 0, 1, 2);
    putn(&dg, one, 2);
    TU_CHECK_INT(feed(d, 1, &dg, 8, &t), 1);
    TU_CHECK_INT(r.alerts, 3);
    TU_CHECK_INT(r.alert_dir[2], 1);
    TU_CHECK(r.alert_level[2] == 2 && r.alert_desc[2] == 40);
    TU_CHECK_INT(r.n, 2);
    CHECK_EMIT(&r, 1, 0, 1, 14, 0, 8);
    dg.n = 0;
    rec_hdr(&dg, 20, 0xfefd, 0, 2, 1);
    putn(&dg, ccs, 1);
    rec_hdr(&dg, 21, 0xfefd, 0, 3, 2);
    putn(&dg, one, 2);
    TU_CHECK_INT(feed(d, 1, &dg, 9, &t), 1);
    TU_CHECK_INT(r.alerts, 3);
    TU_CHECK(!dis_dtls_done(d));
    dg.n = 0;
    rec_hdr(&dg, 20, 0xfefd, 0, 2, 1);
    putn(&dg, ccs, 1);
    TU_CHECK_INT(feed(d, 0, &dg, 10, &t), 1);
    TU_CHECK(dis_dtls_done(d));
    /* Done: still classified, never parsed. */
    dg.n = 0;
    rec_hdr(&dg, 21, 0xfefd, 0, 4, 2);
    putn(&dg, one, 2);
    TU_CHECK_INT(feed(d, 0, &dg, 11, &t), 1);
    TU_CHECK_INT(r.alerts, 3);
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(message_seq_order_and_ccs_flush)
{
    static buf m0, m1, m2, m3, dg;
    record r;
    tap t = { &r, 0 };
    const uint8_t ccs[] = { 1 };
    memset(&r, 0, sizeof(r));
    m0.n = m1.n = m2.n = m3.n = 0;
    for (int i = 0; i < 50; i++)
        put8(&m0, i), put8(&m1, i + 1), put8(&m2, i + 2), put8(&m3, i + 3);
    dis_dtls *d = dis_dtls_new();
    /* seq 1 complete first, ahead of the ServerHello (seq 0): waits. */
    dg.n = 0;
    whole_rec(&dg, 11, 1, &m1);
    frag_rec(&dg, 0, 2, m0.n, 0, 0, 10, m0.b);
    TU_CHECK_INT(feed(d, 1, &dg, 1, &t), 1);
    TU_CHECK_INT(r.n, 0);
    dg.n = 0;
    frag_rec(&dg, 0, 2, m0.n, 0, 10, 40, m0.b);
    TU_CHECK_INT(feed(d, 1, &dg, 2, &t), 1);
    TU_CHECK_INT(r.n, 2);
    CHECK_EMIT(&r, 0, 0, 1, 2, 50, 2);
    CHECK_EMIT(&r, 1, 0, 1, 11, 50, 1);  /* its own completing frame */
    /* seq 2 incomplete, seq 3 complete: held until the CCS gives up 2. */
    dg.n = 0;
    frag_rec(&dg, 0, 12, m2.n, 2, 0, 20, m2.b);
    whole_rec(&dg, 13, 3, &m3);
    TU_CHECK_INT(feed(d, 1, &dg, 3, &t), 1);
    TU_CHECK_INT(r.n, 2);
    dg.n = 0;
    rec_hdr(&dg, 20, 0xfefd, 0, 9, 1);
    putn(&dg, ccs, 1);
    whole_rec(&dg, 14, 4, &m0);          /* after CCS: ignored */
    TU_CHECK_INT(feed(d, 1, &dg, 4, &t), 1);
    TU_CHECK_INT(r.n, 3);
    CHECK_EMIT(&r, 2, 0, 1, 13, 50, 3);
    dis_dtls_free(d);
    record_free(&r);

    /* A capture that starts after the hellos: no hello anchors the order,
     * so the messages wait and come out, in seq order, at the CCS. */
    memset(&r, 0, sizeof(r));
    d = dis_dtls_new();
    dg.n = 0;
    whole_rec(&dg, 15, 3, &m3);
    whole_rec(&dg, 16, 2, &m2);
    TU_CHECK_INT(feed(d, 0, &dg, 1, &t), 1);
    TU_CHECK_INT(r.n, 0);
    dg.n = 0;
    rec_hdr(&dg, 20, 0xfefd, 0, 9, 1);
    putn(&dg, ccs, 1);
    TU_CHECK_INT(feed(d, 0, &dg, 2, &t), 1);
    TU_CHECK_INT(r.n, 2);
    CHECK_EMIT(&r, 0, 0, 0, 16, 50, 1);
    CHECK_EMIT(&r, 1, 0, 0, 15, 50, 1);
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(oversized_message_and_hello_done)
{
    static buf sh, big, ske, dg;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    sh.n = ske.n = big.n = 0;
    for (int i = 0; i < 60; i++)
        put8(&sh, i), put8(&ske, 255 - i);
    for (int i = 0; i < 1000; i++)
        put8(&big, i);
    dis_dtls *d = dis_dtls_new();
    size_t base = dis_dtls_mem(d);
    /* seq 1 claims 70,000 bytes (> 64 KiB): given up without memory, so
     * seq 2 does not wait for it. */
    dg.n = 0;
    whole_rec(&dg, 2, 0, &sh);
    frag_raw(&dg, 11, 70000, 1, 0, 1000, big.b);
    whole_rec(&dg, 12, 2, &ske);
    TU_CHECK_INT(feed(d, 1, &dg, 1, &t), 1);
    TU_CHECK_INT(r.n, 2);
    CHECK_EMIT(&r, 0, 0, 1, 2, 60, 1);
    CHECK_EMIT(&r, 1, 0, 1, 12, 60, 1);
    TU_CHECK_INT(dis_dtls_mem(d), base);
    /* A partial seq 4 is buffered; ServerHelloDone (seq 3) ends the
     * handshake of the direction: seq 4 freed, never emitted, and neither
     * is a later complete message. */
    dg.n = 0;
    frag_rec(&dg, 0, 4, ske.n, 4, 0, 30, ske.b);
    TU_CHECK_INT(feed(d, 1, &dg, 2, &t), 1);
    TU_CHECK(dis_dtls_mem(d) > base);
    big.n = 0;
    dg.n = 0;
    whole_rec(&dg, 14, 3, &big);
    frag_rec(&dg, 0, 4, ske.n, 4, 30, 30, ske.b);
    whole_rec(&dg, 4, 5, &ske);
    TU_CHECK_INT(feed(d, 1, &dg, 3, &t), 1);
    TU_CHECK_INT(r.n, 3);
    CHECK_EMIT(&r, 2, 0, 1, 14, 0, 3);
    TU_CHECK_INT(dis_dtls_mem(d), base);
    TU_CHECK(!dis_dtls_done(d));
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(budget_per_direction)
{
    static buf ch, tls, dg, junk;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    dis_dtls *d = dis_dtls_new();
    junk.n = 0;
    rec_hdr(&junk, 23, 0xfefd, 1, 0, 3);
    put24(&junk, 0x123456);
    for (int i = 0; i < DIS_DTLS_BUDGET; i++)
        TU_CHECK_INT(feed(d, 0, &junk, (uint64_t)i + 1, &t), 1);
    dtls_ch(&ch, &tls, 0, 0);
    dg.n = 0;
    whole_rec(&dg, 1, 0, &ch);
    TU_CHECK_INT(feed(d, 0, &dg, 100, &t), 1);
    TU_CHECK_INT(r.n, 0);                   /* direction 0 exhausted */
    TU_CHECK_INT(feed(d, 1, &dg, 101, &t), 1);
    TU_CHECK_INT(r.n, 1);                   /* direction 1 still open */
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(memory_bounded)
{
    static buf dg, body;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    body.n = 0;
    for (int i = 0; i < 64; i++)
        put8(&body, i);
    const size_t bound = DIS_DTLS_MAX_BUFFER + DIS_DTLS_MAX_BUFFER / 8 +
                         5 * DIS_DTLS_MAX_INFLIGHT;
    /* 10,000 fragments of a 16 MiB message: refused without memory. */
    dis_dtls *d = dis_dtls_new();
    size_t base = dis_dtls_mem(d);
    int k = 0;
    for (int g = 0; g < 50; g++) {
        dg.n = 0;
        for (int j = 0; j < 200; j++, k++)
            frag_raw(&dg, 11, 0xffffff, 0, (size_t)k * 64, 64, body.b);
        TU_CHECK_INT(feed(d, 1, &dg, (uint64_t)g + 1, &t), 1);
        TU_CHECK_INT(dis_dtls_mem(d), base);
    }
    TU_CHECK_INT(k, 10000);
    dis_dtls_free(d);
    /* 10,000 fragments spread over 16 messages of 30,000 bytes, never
     * complete: bounded by 64 KiB of bodies per direction. */
    d = dis_dtls_new();
    size_t peak = 0;
    k = 0;
    for (int g = 0; g < 50; g++) {
        dg.n = 0;
        for (int j = 0; j < 200; j++, k++) {
            unsigned seq = (unsigned)(k % 16);
            size_t off = ((size_t)k * 97) % (30000 - 64);
            if (off == 0)
                off = 1;                /* byte 0 never sent */
            frag_raw(&dg, 11, 30000, seq, off, 64, body.b);
        }
        TU_CHECK_INT(feed(d, g & 1, &dg, (uint64_t)g + 1, &t), 1);
        size_t m = dis_dtls_mem(d);
        TU_CHECK(m <= base + 2 * bound);
        if (m > peak)
            peak = m;
    }
    TU_CHECK(peak > base + 2 * 30000);      /* it did buffer (both dirs) */
    TU_CHECK_INT(r.n, 0);
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(dtls13_unified_header_and_cid)
{
    static buf ch, tls, dg;
    record r;
    tap t = { &r, 0 };
    memset(&r, 0, sizeof(r));
    dtls_ch(&ch, &tls, 0, 0);
    dis_dtls *d = dis_dtls_new();
    dg.n = 0;
    whole_rec(&dg, 1, 0, &ch);              /* DTLS 1.3 ClientHello */
    TU_CHECK_INT(feed(d, 0, &dg, 1, &t), 1);
    TU_CHECK_INT(r.n, 1);
    /* Server: unified header (S=1 16-bit seq, L=1 length) then a clear
     * record in the same datagram: skipped, then parsed. */
    static buf sh;
    sh.n = 0;
    for (int i = 0; i < 40; i++)
        put8(&sh, i);
    dg.n = 0;
    put8(&dg, 0x2e);                        /* 001 C=0 S=1 L=1 epoch 2 */
    put16(&dg, 7);
    put16(&dg, 5);
    putn(&dg, "12345", 5);
    whole_rec(&dg, 2, 0, &sh);
    TU_CHECK_INT(feed(d, 1, &dg, 2, &t), 1);
    TU_CHECK_INT(r.n, 2);
    CHECK_EMIT(&r, 1, 0, 1, 2, 40, 2);
    /* Unified header without length runs to the end: the record that seems
     * to follow is inside it.  With a CID the walk stops.  In both, the bytes
     * after the sequence number would read as length 2 + "xy" + a record. */
    for (int v = 0; v < 2; v++) {
        dg.n = 0;
        if (v == 0) {
            put8(&dg, 0x22);                /* C=0 S=0 L=0 */
            put8(&dg, 1);
        } else {
            put8(&dg, 0x3c);                /* C=1 S=1 L=1 */
            put16(&dg, 1);
        }
        put16(&dg, 2);
        putn(&dg, "xy", 2);
        whole_rec(&dg, 12, 1, &sh);
        TU_CHECK_INT(feed(d, 1, &dg, 3, &t), 1);
        TU_CHECK_INT(r.n, 2);
    }
    /* tls12_cid record: classified, not walked. */
    dg.n = 0;
    rec_hdr(&dg, 25, 0xfefd, 1, 0, 0);
    whole_rec(&dg, 12, 1, &sh);
    TU_CHECK_INT(feed(d, 1, &dg, 4, &t), 1);
    TU_CHECK_INT(r.n, 2);
    dis_dtls_free(d);
    record_free(&r);
}

TU_TEST(turn_unwrap)
{
    static buf m;
    const uint8_t *in = NULL;
    size_t n = 0;
    const uint8_t dtls[] = { 0x16, 0xfe, 0xfd, 1, 2, 3 };
    /* ChannelData 0x4001, 6 bytes, padded to 8. */
    m.n = 0;
    put16(&m, 0x4001);
    put16(&m, 6);
    putn(&m, dtls, 6);
    put16(&m, 0);
    TU_CHECK_INT(dis_dtls_turn_payload(m.b, m.n, &in, &n), 1);
    TU_CHECK(n == 6 && in == m.b + 4);
    TU_CHECK_INT(dis_dtls_turn_payload(m.b, 9, &in, &n), 0);  /* cut */
    /* Send indication: XOR-PEER-ADDRESS (8 bytes) then DATA (6 + 2 pad). */
    m.n = 0;
    put16(&m, 0x0016);
    put16(&m, 12 + 12);
    put16(&m, 0x2112), put16(&m, 0xa442);
    for (int i = 0; i < 12; i++)
        put8(&m, i);
    put16(&m, 0x0012), put16(&m, 8);
    for (int i = 0; i < 8; i++)
        put8(&m, 0x77);
    put16(&m, 0x0013), put16(&m, 6);
    putn(&m, dtls, 6);
    put16(&m, 0);
    TU_CHECK_INT(dis_dtls_turn_payload(m.b, m.n, &in, &n), 1);
    TU_CHECK(n == 6 && in && !memcmp(in, dtls, 6));
    m.b[1] = 0x01;                          /* Binding request: no */
    TU_CHECK_INT(dis_dtls_turn_payload(m.b, m.n, &in, &n), 0);
    m.b[1] = 0x17;                          /* Data indication: yes */
    TU_CHECK_INT(dis_dtls_turn_payload(m.b, m.n, &in, &n), 1);
    m.b[4] ^= 1;                            /* bad magic cookie */
    TU_CHECK_INT(dis_dtls_turn_payload(m.b, m.n, &in, &n), 0);
    m.b[4] ^= 1;
    for (size_t cut = 0; cut < m.n - 2; cut++)  /* DATA cut short */
        TU_CHECK_INT(dis_dtls_turn_payload(m.b, cut, &in, &n), 0);
    TU_CHECK_INT(dis_dtls_turn_payload(dtls, 6, &in, &n), 0);
}

TU_TEST(hostile_bytes_no_crash)
{
    /* Every single-byte corruption and every truncation of a server flight
     * (ServerHello, fragmented Certificate, ServerHelloDone, alert, CCS):
     * no crash under ASan/UBSan, memory stays bounded. */
    static buf sh, cert, none, dg, bad;
    const uint8_t one[] = { 2, 10 }, ccs[] = { 1 };
    sh.n = cert.n = none.n = dg.n = 0;
    for (int i = 0; i < 70; i++)
        put8(&sh, i);
    for (int i = 0; i < 400; i++)
        put8(&cert, i * 3);
    whole_rec(&dg, 2, 0, &sh);
    frag_rec(&dg, 0, 11, cert.n, 1, 200, 200, cert.b);
    frag_rec(&dg, 0, 11, cert.n, 1, 0, 250, cert.b);
    whole_rec(&dg, 14, 2, &none);
    rec_hdr(&dg, 21, 0xfefd, 0, 7, 2);
    putn(&dg, one, 2);
    rec_hdr(&dg, 20, 0xfefd, 0, 8, 1);
    putn(&dg, ccs, 1);
    const size_t bound = DIS_DTLS_MAX_BUFFER + DIS_DTLS_MAX_BUFFER / 8 +
                         5 * DIS_DTLS_MAX_INFLIGHT;
    dis_dtls *d0 = dis_dtls_new();
    size_t base = dis_dtls_mem(d0);
    dis_dtls_free(d0);
    int full = 0;
    for (size_t i = 0; i < dg.n; i++) {
        for (int mode = 0; mode < 2; mode++) {
            record r;
            tap t = { &r, 0 };
            memset(&r, 0, sizeof(r));
            bad = dg;
            size_t len = dg.n;
            if (mode == 0)
                bad.b[i] ^= 0xff;
            else
                len = i;
            dis_dtls *d = dis_dtls_new();
            dis_dtls_sink s = { &t, on_hs, on_alert, on_version };
            dis_dtls_packet(d, 1, bad.b, len, 1, &s);
            dis_dtls_packet(d, 1, bad.b, len, 2, &s);
            TU_CHECK(dis_dtls_mem(d) <= base + 2 * bound);
            for (int j = 0; j < r.n; j++)
                TU_CHECK(r.e[j].len <= 400);
            full += r.n == 3;
            dis_dtls_free(d);
            record_free(&r);
        }
    }
    TU_CHECK(full > 100);
}

int main(void)
{
    TU_RUN(fixture_stun_zoom);
    TU_RUN(fixture_dtls_certificate);
    TU_RUN(fixture_turn_relayed_dtls);
    TU_RUN(fixture_media_without_dtls);
    if (access(COOKIE_PCAP, R_OK) == 0)
        TU_RUN(corpus_cookie_and_session_id);
    else
        printf("SKIP corpus_cookie_and_session_id: %s not readable\n",
               COOKIE_PCAP);
    TU_RUN(demux_and_non_dtls);
    TU_RUN(fragments_out_of_order_with_duplicate);
    TU_RUN(overlapping_fragments_first_wins);
    TU_RUN(malformed_fragment_not_emitted);
    TU_RUN(truncated_at_every_length);
    TU_RUN(cookie_removed_exact_bytes);
    TU_RUN(alerts_in_the_clear);
    TU_RUN(message_seq_order_and_ccs_flush);
    TU_RUN(oversized_message_and_hello_done);
    TU_RUN(budget_per_direction);
    TU_RUN(memory_bounded);
    TU_RUN(dtls13_unified_header_and_cid);
    TU_RUN(turn_unwrap);
    TU_RUN(hostile_bytes_no_crash);
    return tu_finish();
}

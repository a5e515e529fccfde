/* dtls.h - DTLS record parsing and handshake reassembly for WebRTC media flows.
 * RFC 6347 (DTLS 1.2: record layer 4.1, handshake header 4.2.2, ClientHello
 * cookie 4.2.1), RFC 4347 (DTLS 1.0), RFC 9147 (DTLS 1.3 unified header),
 * RFC 7983 and RFC 9443 (first-byte demultiplexing of STUN, ZRTP, DTLS, TURN
 * channels, RTP/RTCP and QUIC on one UDP 5-tuple), RFC 8656 (TURN Send/Data
 * indications and ChannelData).
 *
 * One dis_dtls per UDP flow, owned by the flow and freed with it.  Every UDP
 * datagram of the flow may be given to dis_dtls_packet(): STUN, RTP, RTCP and
 * anything else that is not DTLS costs one byte test.  Complete handshake
 * messages seen in the clear are handed out in TLS framing (msg_type(1),
 * length(3), body) -- the form dis_tls_handshake() in tls.h accepts -- and
 * alerts seen in the clear are handed out as (level, description).
 *
 * The ClientHello is the one message whose body is changed: DTLS inserts a
 * cookie<0..255> after session_id (RFC 6347 4.2.1; DTLS 1.3 keeps it as
 * legacy_cookie); the emitted ClientHello has that field removed, so its body
 * has exactly the TLS 1.2 layout (client_version, random, session_id,
 * cipher_suites, compression_methods, extensions) and its length field is
 * shortened accordingly.  client_version stays the DTLS code (0xfefd, 0xfeff).
 * Every other message, HelloVerifyRequest (3) included, is emitted as is.
 */
#ifndef MEETAUDIT_DTLS_H
#define MEETAUDIT_DTLS_H

#include <stddef.h>
#include <stdint.h>

#define DIS_DTLS_MAX_BUFFER (64u * 1024u) /* message body bytes held per dir */
#define DIS_DTLS_MAX_INFLIGHT 8           /* messages reassembled at once */
#define DIS_DTLS_BUDGET 64                /* DTLS datagrams examined per dir */

typedef struct dis_dtls dis_dtls;

/* Where the results go.  Any callback may be NULL.  Pointers passed to the
 * callbacks are borrowed for the duration of the call.  A callback must not
 * call dis_dtls_packet() or dis_dtls_free() on the same handle. */
typedef struct dis_dtls_sink {
    void *ctx;
    /* One complete handshake message in TLS framing (4-byte header + body);
     * dir as given to dis_dtls_packet(); frame = the datagram that supplied
     * the message's last missing byte. */
    void (*handshake)(void *ctx, int dir, const uint8_t *msg, size_t len,
                      uint64_t frame);
    /* An alert from an epoch-0 record (level 1 warning, 2 fatal; description
     * per RFC 8446 6), before ChangeCipherSpec in that direction. */
    void (*alert)(void *ctx, int dir, uint8_t level, uint8_t desc,
                  uint64_t frame);
    /* Once per direction: the record-layer version (0xfeff DTLS 1.0, 0xfefd
     * DTLS 1.2, also used by DTLS 1.3 hellos) of its first clear record. */
    void (*version)(void *ctx, int dir, uint16_t version, uint64_t frame);
} dis_dtls_sink;

/* Create per-flow state.  Returns NULL on allocation failure.  The caller
 * (the flow) owns the handle and frees it with dis_dtls_free(). */
dis_dtls *dis_dtls_new(void);

/* Free the handle and every buffer it holds; messages still incomplete are
 * dropped silently.  NULL is allowed. */
void dis_dtls_free(dis_dtls *d);

/* Feed one UDP datagram payload of the flow.  dir 0 = client to server, 1 =
 * server to client (any fixed convention works; it is passed back).  p/len
 * are borrowed for the call; frame is the 1-based frame number.  sink may be
 * NULL.  Returns 1 when the datagram starts with a DTLS record (DTLSPlaintext
 * with version 0xfeff/0xfefd, or -- once the flow has shown a DTLSPlaintext
 * record -- a DTLS 1.3 unified header), 0 when it is not DTLS (STUN, RTP,
 * RTCP, ZRTP, TURN channel, QUIC, other), -1 when memory ran out (the
 * fragment that needed it is dropped; the handle stays usable). */
int dis_dtls_packet(dis_dtls *d, int dir, const uint8_t *p, size_t len,
                    uint64_t frame, const dis_dtls_sink *sink);

/* Non-zero when both directions have finished (ChangeCipherSpec or datagram
 * budget): later datagrams are only classified, never parsed.  A direction
 * whose handshake ended at ServerHelloDone still watches for clear alerts
 * until its ChangeCipherSpec. */
int dis_dtls_done(const dis_dtls *d);

/* Heap bytes currently held by the handle (struct, message buffers and
 * their receive bitmaps).  Never exceeds sizeof(handle) + 2 * (64 KiB + 8 KiB
 * + DIS_DTLS_MAX_INFLIGHT * 5). */
size_t dis_dtls_mem(const dis_dtls *d);

/* RFC 7983 / RFC 9443 class of a datagram from its first byte. */
enum dis_dtls_mux {
    DIS_DTLS_MUX_OTHER = 0, /* empty, or 4..15 */
    DIS_DTLS_MUX_STUN,      /* 0..3 */
    DIS_DTLS_MUX_ZRTP,      /* 16..19 */
    DIS_DTLS_MUX_DTLS,      /* 20..63 */
    DIS_DTLS_MUX_TURN,      /* 64..79: TURN ChannelData */
    DIS_DTLS_MUX_QUIC,      /* 80..127 and 192..255 */
    DIS_DTLS_MUX_RTP        /* 128..191: RTP or RTCP */
};
int dis_dtls_mux_class(const uint8_t *p, size_t len);

/* Non-zero when p starts with a plausible DTLSPlaintext record header:
 * content type 20..26, version 0xfeff or 0xfefd, 13 header bytes present and
 * the record length within the datagram.  This is the test for creating a
 * dis_dtls on a UDP flow, whatever its ports.  p/len borrowed. */
int dis_dtls_looks_like(const uint8_t *p, size_t len);

/* TURN relaying (RFC 8656): when p is a STUN Send (0x0016) or Data (0x0017)
 * indication with a DATA attribute, or a ChannelData message (first byte
 * 64..79), set *inner and *inner_len to the relayed application datagram (a
 * pointer into p, borrowed like p) and return 1; otherwise return 0.  The
 * inner datagram can then be given to dis_dtls_packet() of the same flow. */
int dis_dtls_turn_payload(const uint8_t *p, size_t len, const uint8_t **inner,
                          size_t *inner_len);

#endif

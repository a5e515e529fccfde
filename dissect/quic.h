/* quic.h - QUIC Initial packets to the TLS handshake byte stream.
 * RFC 9000 (QUIC transport: long header, variable-length integers, frames),
 * RFC 9001 (QUIC-TLS: Initial secrets, packet and header protection),
 * RFC 9369 (QUIC version 2), draft-ietf-quic-tls-23..34 (draft salts).
 *
 * Versions opened: v1, v2, and the IETF drafts 27..34 (0xff00001b ..
 * 0xff000022) with the salt each draft specified: drafts 27-28 the
 * draft-23 salt, drafts 29-32 the draft-29 salt, drafts 33-34 the v1 salt.
 * Any other version (gQUIC, vendor versions) is left alone.
 *
 * One dis_quic per UDP flow, created by whoever decided the flow may be QUIC
 * and freed with the flow.  Every UDP payload of the flow is fed with its
 * direction; Initial packets are decrypted (their keys derive from public
 * values only) and the data of their CRYPTO frames is reassembled, per
 * direction, into the TLS handshake message stream (msg_type(1), length(3),
 * body...) that the TLS dissector parses: the client's holds the
 * ClientHello, the server's the ServerHello (the rest of the server's
 * handshake travels in Handshake packets, which cannot be decrypted by an
 * observer).  Memory per flow is bounded: 64 KiB of stream per direction
 * plus a bitmap of an eighth of that, and one packet's worth of scratch
 * during a call.
 */
#ifndef MEETAUDIT_QUIC_H
#define MEETAUDIT_QUIC_H

#include <stddef.h>
#include <stdint.h>

#define DIS_QUIC_STREAM_MAX (64u * 1024u) /* CRYPTO bytes kept per direction */
#define DIS_QUIC_DGRAM_BUDGET 8           /* datagrams examined per direction */

#define DIS_QUIC_V1 0x00000001u
#define DIS_QUIC_V2 0x6b3343cfu
#define DIS_QUIC_DRAFT29 0xff00001du

typedef struct dis_quic dis_quic;

/* Initial packet protection keys of one direction (RFC 9001 section 5). */
typedef struct dis_quic_keys {
    uint8_t secret[32];     /* client_initial_secret or server_initial_secret */
    uint8_t key[16];        /* AEAD_AES_128_GCM key */
    uint8_t iv[12];         /* AEAD IV; nonce = iv XOR packet number */
    uint8_t hp[16];         /* header protection key (AES-128-ECB) */
} dis_quic_keys;

/* Create per-flow state.  Returns NULL on allocation failure.  The caller
 * owns the handle and frees it with dis_quic_free() (NULL is accepted). */
dis_quic *dis_quic_new(void);
void dis_quic_free(dis_quic *q);

/* Feed one UDP payload of the flow; dir 0 = client to server, 1 = server to
 * client; frame is the 1-based frame number.  p/len are borrowed for the call
 * only.  Coalesced packets are walked; Initial packets of a known version are
 * decrypted and their CRYPTO frames reassembled.  Returns 1 if the contiguous
 * CRYPTO stream of direction dir grew (for dir 0: new contiguous ClientHello
 * bytes), 0 otherwise (nothing new, not QUIC, undecryptable, done, budget
 * used, len above 65535), -1 on allocation failure (the stream may still
 * have grown; the state stays consistent; later calls may work).  Keys come
 * from the DCID of the first client Initial that authenticates; after a
 * Retry, or when a client Initial only opens with its own new DCID, that
 * CID takes over for both directions (RFC 9001 5.2). */
int dis_quic_packet(dis_quic *q, int dir, const uint8_t *p, size_t len,
                    uint64_t frame);

/* The contiguous CRYPTO stream of direction dir from offset 0, as carried in
 * Initial packets; *len gets its length.  NULL (and *len 0) when empty.  The
 * bytes are owned by q and valid until the next dis_quic_packet() or
 * dis_quic_free(); the stream only ever grows, so a consumer may remember how
 * much it has already parsed. */
const uint8_t *dis_quic_crypto(const dis_quic *q, int dir, size_t *len);

/* Version field of the last Initial packet that decrypted and authenticated
 * (so the negotiated one once the server answered), 0 if none yet. */
uint32_t dis_quic_version(const dis_quic *q);

/* 1 once an Initial packet of the flow decrypted and authenticated (proof
 * that the flow is QUIC), else 0. */
int dis_quic_is_quic(const dis_quic *q);

/* Frame number of the first packet that contributed CRYPTO bytes to the
 * stream of direction dir (when its handshake data began), 0 if none. */
uint64_t dis_quic_first_frame(const dis_quic *q, int dir);

/* Non-zero when nothing more will be learnt: each direction has either its
 * first handshake message complete (ClientHello / ServerHello) or has used
 * its budget (DIS_QUIC_DGRAM_BUDGET datagrams, DIS_QUIC_STREAM_MAX bytes).
 * The server direction also counts as finished when the client direction
 * used its budget without any Initial authenticating (server Initials cannot
 * be opened without the client's DCID).  Reassembly bookkeeping is freed
 * then; the crypto streams are kept (shrunk to their contiguous length). */
int dis_quic_done(const dis_quic *q);

/* Derive the Initial keys of direction dir (0 client, 1 server) for a
 * version from the client's original Destination Connection ID (dcid_len
 * 1..20).  Fills *out and returns 0; -1 for an unknown version, a bad length
 * or a crypto library failure.  Nothing is retained. */
int dis_quic_initial_keys(uint32_t version, const uint8_t *dcid,
                          size_t dcid_len, int dir, dis_quic_keys *out);

#endif

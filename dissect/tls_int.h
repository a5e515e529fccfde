/* tls_int.h - private to dissect/tls*.c: the per-flow state and the entry
 * points the record layer (tls.c) calls in the message parsers
 * (tls_hello.c, tls_cert.c).  RFC 8446, RFC 5246.
 *
 * Nothing here is part of the dissector's interface; other modules include
 * tls.h only.  Functions with the dis_tls_ prefix below are external only
 * because they cross files of this one module.
 */
#ifndef MEETAUDIT_TLS_INT_H
#define MEETAUDIT_TLS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tcpreasm.h"
#include "tls.h"

/* One TCP direction: reassembler, record parser, handshake buffer. */
typedef struct dis_tls_dir {
    struct dis_tls *t;
    int dir;
    int stopped;
    dis_tcpreasm rs;
    size_t seen;            /* stream bytes consumed, <= DIS_TLS_DIR_LIMIT */
    uint8_t hdr[5];         /* record header being collected */
    size_t hdr_len;
    int in_body;            /* 1 while streaming a record body */
    uint8_t rtype;
    int rec_skip;           /* body is not parsed (CCS, encrypted alert) */
    size_t rec_left;        /* body bytes still to come */
    uint8_t al[2];          /* alert bytes being collected */
    size_t al_len;
    uint8_t *hs;            /* handshake bytes not yet cut into messages */
    size_t hs_len, hs_cap;
} dis_tls_dir;

struct dis_tls {
    dis_tls_info info;
    dis_tls_dir d[2];
    uint64_t frame;         /* frame of the packet being processed */
    int64_t ts_us;          /* its capture time, if have_ts */
    int have_ts;
    int server_dir;         /* direction that sent the ServerHello, or -1 */
    int sh_final;           /* a ServerHello that is not an HRR was parsed */
    size_t cert_mem;        /* heap held by info.certs and their SANs */
};

/* RFC 8701 GREASE value (0x0a0a, 0x1a1a, ..., 0xfafa). */
int dis_tls_is_grease(uint16_t v);

/* Non-zero for TLS 1.3 (and its drafts 0x7fxx) and DTLS 1.3. */
int dis_tls_is_v13(uint16_t v);

/* Lower-case hex of n bytes into dst (2n+1 bytes). */
void dis_tls_hex(char *dst, const unsigned char *src, size_t n);

/* Hex digest of p[0..n) with md into dst (dstlen >= 2*size+1), "" on
 * failure. */
void dis_tls_digest_hex(const EVP_MD *md, const void *p, size_t n,
                        char *dst, size_t dstlen);

/* Copy a wire string into a C string, truncating, every byte outside
 * printable ASCII replaced by '?'. */
void dis_tls_copy_name(char *dst, size_t dstlen, const uint8_t *src,
                       size_t n);

/* Message parsers (tls_hello.c).  body/n is the message body after the
 * 4-byte handshake header, borrowed; dir is the sender.  They record what
 * they read in t->info and t->frame is the completing frame. */
void dis_tls_client_hello(dis_tls *t, int dir, const uint8_t *body,
                          size_t n);
void dis_tls_server_hello(dis_tls *t, int dir, const uint8_t *body,
                          size_t n);

/* Certificate message (tls_cert.c): the TLS 1.2 / DTLS certificate_list. */
void dis_tls_certificate(dis_tls *t, const uint8_t *body, size_t n);

/* Free info.certs and everything they own (tls_cert.c). */
void dis_tls_certs_free(dis_tls *t);

#endif

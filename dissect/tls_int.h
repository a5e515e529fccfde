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

/* One TCP direction: reassembler, record parser, handshake buffer.  Heap,
 * allocated at the direction's first segment and freed when it stops (it
 * embeds its reassembler, so it is freed after the reassembler returns,
 * never from inside its callback). */
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

/* The handle.  info's strings and lists point at static empties or into
 * the blocks below, which the handle owns (freed by dis_tls_free):
 * ch_blk from the first ClientHello (tls_hello.c), sh_blk from the last
 * ServerHello and hrr_blk from a HelloRetryRequest it replaced (kept so that
 * no pointer handed out is ever freed before the handle), sni2 the SNI a
 * second ClientHello supplied, info.certs the chain (tls_cert.c). */
/* A chain of certificate facts, reference-counted (tls_cert.c). */
typedef struct dis_tls_chain dis_tls_chain;

struct dis_tls {
    dis_tls_info info;
    void *ch_blk, *sh_blk, *hrr_blk;
    char *sni2;
    size_t hello_mem;       /* bytes of ch_blk, sh_blk, hrr_blk and sni2 */
    dis_tls_dir *d[2];      /* running directions; NULL before the first
                               segment and once stopped */
    int stopped[2];         /* the direction stopped for good */
    uint64_t frame;         /* frame of the packet being processed */
    int64_t ts_us;          /* its capture time, if have_ts */
    int have_ts;
    int server_dir;         /* direction that sent the ServerHello, or -1 */
    int sh_final;           /* a ServerHello that is not an HRR was parsed */
    size_t cert_mem;        /* bytes of the info.certs block */
    dis_tls_chain *chain;   /* the block's owner: one reference (it may be
                               shared with other handles, tls_cert.c) */
    dis_tls_alert_rec *alerts;  /* info.alerts: DIS_TLS_MAX_ALERTS entries
                               allocated at the first alert, or NULL */
};

/* What an absent string, list or name array points at. */
extern const char dis_tls_empty[1];
extern const uint16_t dis_tls_no_codes[1];
extern const char *const dis_tls_no_names[1];

/* RFC 8701 GREASE value (0x0a0a, 0x1a1a, ..., 0xfafa). */
int dis_tls_is_grease(uint16_t v);

/* Non-zero for TLS 1.3 (and its drafts 0x7fxx) and DTLS 1.3. */
int dis_tls_is_v13(uint16_t v);

/* Hex digest of p[0..n) with digest id (dis_digest) into dst (dstlen >=
 * 2*size+1), "" on failure. */
void dis_tls_digest_hex(dis_md_id id, const void *p, size_t n,
                        char *dst, size_t dstlen);

/* Copy a wire string into a C string (dst of dstlen >= 1 bytes, the
 * caller's), truncating, every byte outside printable ASCII replaced by
 * '?'. */
void dis_tls_copy_name(char *dst, size_t dstlen, const uint8_t *src,
                       size_t n);

/* Exact-size blocks of facts, built by running the same fill code twice:
 * a sizing pass (after dis_tls_pk_init) in which the calls below only count
 * and return empties, then dis_tls_pk_alloc, then a placing pass in which
 * they copy into the block.  Layout: head bytes for the caller's structs
 * (a multiple of sizeof(void *)), then string pointer arrays, then 16-bit
 * codes, then text, so every part is aligned.  The block (pk.base, NULL
 * when all is empty) belongs to the caller once placed. */
typedef struct dis_tls_pk {
    int placing;            /* 0 sizing pass, 1 placing pass */
    size_t nptr, ncode, ntext;  /* counted by the sizing pass */
    size_t size;            /* bytes of the block */
    unsigned char *base;    /* the block, or NULL */
    const char **pp;        /* placing: next pointer slot */
    uint16_t *cp;           /* placing: next code */
    char *tp;               /* placing: next text byte */
} dis_tls_pk;

void dis_tls_pk_init(dis_tls_pk *k);
/* Allocate head + what the sizing pass counted; 0, or -1 when out of
 * memory (nothing allocated, k must not be used for placing). */
int dis_tls_pk_alloc(dis_tls_pk *k, size_t head);
/* A copy of the C string s (borrowed) in the block; dis_tls_empty when s is
 * empty or while sizing. */
const char *dis_tls_pk_str(dis_tls_pk *k, const char *s);
/* A copy of v[0..n) in the block; dis_tls_no_codes when n == 0 or while
 * sizing. */
const uint16_t *dis_tls_pk_codes(dis_tls_pk *k, const uint16_t *v, size_t n);
/* Room for n string pointers in the block, for the caller to fill; NULL
 * when n == 0 or while sizing. */
const char **dis_tls_pk_ptrs(dis_tls_pk *k, size_t n);

/* Message parsers (tls_hello.c).  body/n is the message body after the
 * 4-byte handshake header, borrowed; dir is the sender.  They record what
 * they read in t->info and t->frame is the completing frame.  The strings
 * and lists are collected in a scratch area freed before returning, then
 * copied into one exact-size block per hello that t owns (t->ch_blk,
 * t->sh_blk; see struct dis_tls). */
void dis_tls_client_hello(dis_tls *t, int dir, const uint8_t *body,
                          size_t n);
void dis_tls_server_hello(dis_tls *t, int dir, const uint8_t *body,
                          size_t n);

/* Certificate message (tls_cert.c): the TLS 1.2 / DTLS certificate_list.
 * The chain's facts go into one block, info.certs, owned by t. */
void dis_tls_certificate(dis_tls *t, const uint8_t *body, size_t n);

/* Free info.certs, the chain's block (tls_cert.c). */
void dis_tls_certs_free(dis_tls *t);

#endif

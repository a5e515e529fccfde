/* pii.h - personal-data detectors over cleartext bytes: e-mail addresses,
 * advertising / device ids, IMEI-like numbers, phone numbers, identifying
 * keys, and tester-chosen canaries in plain, URL-encoded, base64 and
 * hashed (MD5 / SHA-1 / SHA-256 hex) forms.
 *
 * Pure: no SQLite, no I/O.  The only allocation is rpt_pii_create(), which
 * compiles the canaries (every encoding precomputed); rpt_pii_scan() works
 * in the caller's hit array and on the stack, reads buf[0..len) only, and
 * does work roughly linear in len (hostile input is the normal case).
 *
 * Ownership: rpt_pii_create() copies names and values; the caller keeps its
 * arrays.  The handle is freed with rpt_pii_free() and is read-only during
 * scans, so several threads may scan with one handle.
 */
#ifndef MEETAUDIT_PII_H
#define MEETAUDIT_PII_H

#include <stddef.h>
#include <stdint.h>

typedef struct rpt_pii_hit {
    char type[48];      /* "email", "ad_id", "imei", "phone", "device_key", "canary:NAME" */
    char encoding[16];  /* "plain", "url", "base64", "md5", "sha1", "sha256" */
    size_t offset, len; /* in the scanned buffer */
    char excerpt[96];   /* printable excerpt around the hit, the value itself masked
                           except for canaries (tester-chosen values) */
} rpt_pii_hit;

typedef struct rpt_pii rpt_pii;  /* compiled canaries */

/* Compile n canaries NAME=VALUE (names[i], values[i], NUL-terminated; n may
 * be 0 and the arrays NULL then).  Empty values are ignored.  Returns a
 * handle the caller frees with rpt_pii_free(), or NULL on ENOMEM. */
rpt_pii *rpt_pii_create(const char *const *names, const char *const *values, size_t n);

/* Free a handle from rpt_pii_create().  NULL is fine. */
void rpt_pii_free(rpt_pii *p);

/* Scan buf[0..len) and write at most max hits into hits (caller-owned),
 * in increasing offset order.  p may be NULL (detectors only).  Returns
 * the number of hits written. */
size_t rpt_pii_scan(const rpt_pii *p, const uint8_t *buf, size_t len, rpt_pii_hit *hits, size_t max);

#endif

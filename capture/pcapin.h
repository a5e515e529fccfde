/* pcapin.h - capture files in: pcap and pcapng through libpcap, SHA-256.
 *
 * A cap_file wraps one libpcap offline handle.  Packet data returned by
 * cap_next() is owned by libpcap and valid until the next call.
 */
#ifndef MEETAUDIT_PCAPIN_H
#define MEETAUDIT_PCAPIN_H

#include <stddef.h>
#include <stdint.h>

typedef struct cap_file cap_file;

enum cap_rc {
    CAP_PACKET = 1,     /* a packet was read */
    CAP_EOF = 0,        /* clean end of file */
    CAP_ERROR = -1,     /* unreadable from here on (message in cap_error) */
    CAP_TRUNCATED = -2, /* the file ends inside a record */
};

/* Stream the file through SHA-256 (OpenSSL EVP).  hex gets 64 lower-case
 * digits and a NUL; *size the byte count.  0 on success, -1 with a message
 * (naming nothing: the caller names the file) in err. */
int cap_sha256_file(const char *path, char hex[65], int64_t *size, char *err,
                    size_t errlen);

/* The same hash a slice at a time, for a thread that has other work in
 * between (capture/pipeline.c's writer).  cap_hash_open: 0, or -1 with a
 * message in err; the caller frees *out with cap_hash_free.
 * cap_hash_step reads and hashes at most max bytes more: 0 while the file
 * goes on, 1 at its end (hex and *size filled as by cap_sha256_file), -1
 * with a message in err. */
typedef struct cap_hasher cap_hasher;
int cap_hash_open(const char *path, cap_hasher **out, char *err,
                  size_t errlen);
int cap_hash_step(cap_hasher *h, size_t max, char hex[65], int64_t *size,
                  char *err, size_t errlen);
void cap_hash_free(cap_hasher *h);

/* Open a pcap or pcapng file.  0 on success; -1 with libpcap's reason in
 * err.  The caller owns *out and closes it with cap_close(). */
int cap_open(const char *path, cap_file **out, char *err, size_t errlen);
void cap_close(cap_file *f);

int cap_linktype(const cap_file *f);
/* libpcap's name for the link type ("EN10MB") or "DLT_%d" (static). */
const char *cap_linktype_name(const cap_file *f);
/* "pcap" or "pcapng". */
const char *cap_format(const cap_file *f);

/* Read the next packet (timestamp in microseconds). */
int cap_next(cap_file *f, const uint8_t **data, size_t *caplen,
             size_t *wirelen, int64_t *ts_us);

/* Message for the last CAP_ERROR / CAP_TRUNCATED (owned by f). */
const char *cap_error(const cap_file *f);

/* Bytes of the file consumed so far (for progress), or -1. */
int64_t cap_offset(const cap_file *f);

#endif

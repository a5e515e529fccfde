/* pcapin.c - reading capture files with libpcap, hashing them with OpenSSL.
 *
 * Invariants
 * ----------
 * - libpcap does all format parsing (pcap, pcapng, byte orders, nanosecond
 *   files); timestamps are requested in microseconds.
 * - A read error whose libpcap message says the file was truncated is
 *   reported as CAP_TRUNCATED so callers can keep what came before and warn;
 *   every other error is CAP_ERROR.
 * - The SHA-256 is computed over the exact bytes on disk in one streaming
 *   pass, so it identifies the evidence file whatever its format.
 * - A cap_file is read by one thread at a time (its stdio stream is not
 *   locked per call) through a 256 KiB buffer of its own.
 */
#define _DEFAULT_SOURCE
#include "pcapin.h"

#include "../dissect/tls.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#define CAP_READ_BUF (256u * 1024u) /* stdio buffer of a capture file */

struct cap_file {
    pcap_t *p;
    FILE *fp;
    char *iobuf;            /* fp's stdio buffer, freed after fp closes */
    int dlt;
    int pcapng;
    char dltname[32];
    char err[PCAP_ERRBUF_SIZE + 64];
};

#define HASH_BUF (1u << 16)

struct cap_hasher {
    FILE *fp;
    EVP_MD_CTX *ctx;
    int64_t size;
    unsigned char buf[HASH_BUF];
};

void cap_hash_free(cap_hasher *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    if (h->fp)
        fclose(h->fp);
    free(h);
}

int cap_hash_open(const char *path, cap_hasher **out, char *err,
                  size_t errlen)
{
    *out = NULL;
    cap_hasher *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->fp = fopen(path, "rb");
    if (!h->fp) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto fail;
    }
    /* Reads are HASH_BUF at a time, straight into buf: no stdio buffer. */
    setvbuf(h->fp, NULL, _IONBF, 0);
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
        snprintf(err, errlen, "cannot set up SHA-256");
        goto fail;
    }
    *out = h;
    return 0;
fail:
    cap_hash_free(h);
    return -1;
}

int cap_hash_step(cap_hasher *h, size_t max, char hex[65], int64_t *size,
                  char *err, size_t errlen)
{
    size_t done = 0;
    while (done < max) {
        size_t want = max - done < HASH_BUF ? max - done : HASH_BUF;
        size_t n = fread(h->buf, 1, want, h->fp);
        if (n == 0)
            break;
        if (!EVP_DigestUpdate(h->ctx, h->buf, n)) {
            snprintf(err, errlen, "SHA-256 failed");
            return -1;
        }
        h->size += (int64_t)n;
        done += n;
    }
    if (done == max)
        return 0;
    if (ferror(h->fp)) {
        snprintf(err, errlen, "read error: %s", strerror(errno));
        return -1;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_DigestFinal_ex(h->ctx, md, &mdlen) || mdlen != 32) {
        snprintf(err, errlen, "SHA-256 failed");
        return -1;
    }
    dis_tls_hex(hex, md, 32);
    *size = h->size;
    return 1;
}

int cap_sha256_file(const char *path, char hex[65], int64_t *size, char *err,
                    size_t errlen)
{
    cap_hasher *h = NULL;
    if (cap_hash_open(path, &h, err, errlen) != 0)
        return -1;
    int rc;
    while ((rc = cap_hash_step(h, SIZE_MAX, hex, size, err, errlen)) == 0)
        ;
    cap_hash_free(h);
    return rc == 1 ? 0 : -1;
}

int cap_open(const char *path, cap_file **out, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    cap_file *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->fp = fopen(path, "rb");
    if (!f->fp) {
        snprintf(err, errlen, "%s", strerror(errno));
        goto fail;
    }
    /* libpcap reads a file record by record through stdio; with stdio's
     * default buffer (the file system's block, 4 KiB) that is a read()
     * per few packets, a measurable share of analyze's time.  glibc
     * ignores the size unless it is given the buffer. */
    f->iobuf = malloc(CAP_READ_BUF);
    if (f->iobuf)
        setvbuf(f->fp, f->iobuf, _IOFBF, CAP_READ_BUF);
    /* Only the thread that owns f reads it: no stdio lock per fread(),
     * of which libpcap makes two per packet. */
    __fsetlocking(f->fp, FSETLOCKING_BYCALLER);
    unsigned char magic[4] = { 0 };
    size_t got = fread(magic, 1, 4, f->fp);
    if (got == 0) {
        snprintf(err, errlen, "empty file, not a capture");
        goto fail;
    }
    f->pcapng = got == 4 && magic[0] == 0x0a && magic[1] == 0x0d &&
                magic[2] == 0x0d && magic[3] == 0x0a;
    rewind(f->fp);
    f->p = pcap_fopen_offline_with_tstamp_precision(
        f->fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    if (!f->p) {
        snprintf(err, errlen, "not a readable pcap/pcapng file (%s)", ebuf);
        goto fail;
    }
    f->fp = NULL; /* owned by libpcap now */
    f->dlt = pcap_datalink(f->p);
    const char *n = pcap_datalink_val_to_name(f->dlt);
    if (n)
        snprintf(f->dltname, sizeof(f->dltname), "%s", n);
    else
        snprintf(f->dltname, sizeof(f->dltname), "DLT_%d", f->dlt);
    *out = f;
    return 0;
fail:
    cap_close(f);
    return -1;
}

void cap_close(cap_file *f)
{
    if (!f)
        return;
    if (f->p)
        pcap_close(f->p);
    if (f->fp)
        fclose(f->fp);
    free(f->iobuf);
    free(f);
}

int cap_linktype(const cap_file *f) { return f->dlt; }
const char *cap_linktype_name(const cap_file *f) { return f->dltname; }
const char *cap_format(const cap_file *f) { return f->pcapng ? "pcapng" : "pcap"; }
const char *cap_error(const cap_file *f) { return f->err; }

int cap_next(cap_file *f, const uint8_t **data, size_t *caplen,
             size_t *wirelen, int64_t *ts_us)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc = pcap_next_ex(f->p, &h, &d);
    if (rc == 1) {
        *data = d;
        *caplen = h->caplen;
        *wirelen = h->len;
        /* A corrupt record can claim any time: clamp to +-1e12 s (about
         * +-31,700 years) so that microseconds, and later additions of idle
         * timeouts to them, cannot overflow int64_t. */
        int64_t sec = h->ts.tv_sec > 1000000000000LL ? 1000000000000LL
                      : h->ts.tv_sec < -1000000000000LL ? -1000000000000LL
                                                        : (int64_t)h->ts.tv_sec;
        *ts_us = sec * 1000000 + (int64_t)h->ts.tv_usec;
        return CAP_PACKET;
    }
    if (rc == PCAP_ERROR_BREAK)
        return CAP_EOF;
    snprintf(f->err, sizeof(f->err), "%s", pcap_geterr(f->p));
    if (strstr(f->err, "truncated"))
        return CAP_TRUNCATED;
    return CAP_ERROR;
}

int64_t cap_offset(const cap_file *f)
{
    FILE *fp = pcap_file(f->p);
    if (!fp)
        return -1;
    long o = ftell(fp);
    return o < 0 ? -1 : (int64_t)o;
}

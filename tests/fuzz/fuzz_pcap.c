/* fuzz_pcap.c - libFuzzer harness: the capture-file wrapper
 * (capture/pcapin.c, over libpcap) and the frame decoder behind it.
 *
 * Input format: a whole pcap or pcapng file, as the seeds (short prefixes
 * of the fixtures in pcaps/, in both formats) that tests/fuzz/mkseeds.py
 * writes.  The bytes go into a memfd that is opened by path
 * (/proc/self/fd/N) exactly as `meetaudit analyze` opens a file:
 * cap_sha256_file(), cap_open(), then cap_next() to the end, each frame
 * through dis_decode() on the file's link type.
 *
 * Checks beyond "no crash": the SHA-256 covers exactly the input; cap_next()
 * returns one of the enum cap_rc codes; a frame's caplen is at most the
 * file size (libpcap does not promise caplen <= wirelen for corrupt files,
 * so that is not required); after CAP_ERROR or CAP_TRUNCATED cap_error() is
 * a short terminated string; decoder lengths stay inside the frame.
 *
 * fuzz-options: -max_len=65536
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "capture/pcapin.h"
#include "dissect/decode.h"

#include <sys/mman.h>
#include <unistd.h>

#define MAX_PACKETS 100000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-pcap", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    char path[64], err[512], hex[65];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int64_t fsize = -1;
    if (cap_sha256_file(path, hex, &fsize, err, sizeof(err)) != 0 ||
        fsize != (int64_t)size || strlen(hex) != 64)
        abort();
    cap_file *cf = NULL;
    if (cap_open(path, &cf, err, sizeof(err)) != 0) {
        fz_check_str(err, sizeof(err));
        if (cf)
            abort();
        close(fd);
        return 0;
    }
    int dlt = cap_linktype(cf);
    const char *nm = cap_linktype_name(cf), *fmt = cap_format(cf);
    if (!nm || !fmt)
        abort();
    const uint8_t *pkt;
    size_t caplen, wirelen;
    int64_t ts;
    for (unsigned n = 0; n < MAX_PACKETS; n++) {
        int rc = cap_next(cf, &pkt, &caplen, &wirelen, &ts);
        if (rc == CAP_EOF)
            break;
        if (rc == CAP_ERROR || rc == CAP_TRUNCATED) {
            if (strlen(cap_error(cf)) > 4096)
                abort();
            break;
        }
        if (rc != CAP_PACKET || caplen > size)
            abort();
        (void)cap_offset(cf);
        dis_pkt p;
        uint8_t *frame = fz_dup(pkt, caplen);
        if (dis_decode(dlt, frame, caplen, &p) == DIS_OK &&
            (p.ip_caplen > caplen || p.payload_len > caplen))
            abort();
        free(frame);
    }
    cap_close(cf);
    close(fd);
    return 0;
}

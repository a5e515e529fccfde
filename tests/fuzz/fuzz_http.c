/* fuzz_http.c - libFuzzer harness: HTTP/1.x request and response heads
 * through dissect/http.c.  RFC 9112 (message syntax).
 *
 * Input format: byte 0 picks what is called (bit 0: request parser, bit 1:
 * response parser, both when neither), the rest is the first segment of a
 * direction, as the seeds tests/fuzz/mkseeds.py cuts from the fixtures.
 *
 * Checks beyond "no crash": the documented output contract of http.h --
 * whatever the return code, every field NUL-terminated inside its buffer
 * and printable ASCII only (control and 8-bit bytes replaced by '?'), the
 * host lower-case, content_length -1 or a non-negative number.  The output
 * structs are filled with 'A' first so an unwritten field is caught too.
 *
 * fuzz-options: -max_len=8192
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include "dissect/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_req(const dis_http_req *r)
{
    fz_check_str(r->method, sizeof(r->method));
    fz_check_str(r->uri, sizeof(r->uri));
    fz_check_str(r->version, sizeof(r->version));
    fz_check_str(r->host, sizeof(r->host));
    fz_check_str(r->user_agent, sizeof(r->user_agent));
    fz_check_str(r->content_type, sizeof(r->content_type));
    fz_check_printable("method", r->method);
    fz_check_printable("uri", r->uri);
    fz_check_printable("version", r->version);
    fz_check_printable("host", r->host);
    fz_check_printable("user_agent", r->user_agent);
    fz_check_printable("content_type", r->content_type);
    for (const char *c = r->host; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            abort();
    if (r->content_length < -1)
        abort();
}

static void check_resp(const dis_http_resp *r)
{
    fz_check_str(r->content_type, sizeof(r->content_type));
    fz_check_str(r->server, sizeof(r->server));
    fz_check_printable("content_type", r->content_type);
    fz_check_printable("server", r->server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t sel;
    fz_cur in;
    fz_init(&in, data, size);
    if (!fz_u8(&in, &sel))
        return 0;
    size_t n;
    const uint8_t *raw = fz_take(&in, fz_left(&in), &n);
    uint8_t *p = fz_dup(raw, n);
    if ((sel & 3) == 0)
        sel |= 3;
    if (sel & 1) {
        dis_http_req req;
        memset(&req, 0x41, sizeof(req)); /* no help from zeroed memory */
        (void)dis_http_is_request(p, n);
        (void)dis_http_parse_request(p, n, &req);
        check_req(&req);
    }
    if (sel & 2) {
        dis_http_resp resp;
        memset(&resp, 0x41, sizeof(resp));
        (void)dis_http_parse_response(p, n, &resp);
        check_resp(&resp);
    }
    free(p);
    return 0;
}

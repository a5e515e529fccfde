/* http.c - HTTP/1.x request and response head dissector (start line + a few
 * header fields).
 *
 * References: RFC 9112 (HTTP/1.1 message syntax: sections 2.2 line endings,
 * 3 request line, 4 status line, 5 field syntax, 5.2 obs-fold), RFC 9110
 * (semantics: 5.1 field names are case-insensitive, 7.2 Host, 8.3
 * Content-Type, 8.6 Content-Length, 9 methods, 10.1.5 User-Agent, 10.2.4
 * Server), RFC 3986 section 3.2.2 (IP-literal hosts), RFC 4918 and RFC 5789
 * (WebDAV and PATCH methods).
 *
 * Invariants
 * ----------
 * Every packet byte is read through dis_rd (rd.h).  The input is split into
 * lines with dis_rd_sub, so each line is its own bounds-checked reader and
 * nothing can read past the line or the buffer.  Outputs are fixed-size
 * strings in the caller's struct: every copy goes through http_copy(), which
 * bounds the length by the destination, always NUL-terminates and replaces
 * any byte outside printable ASCII (controls, DEL and 8-bit bytes) by '?',
 * so a value cut mid-UTF-8 sequence still yields a clean ASCII string.
 *
 * Prefix semantics: the caller hands in the first bytes of a direction,
 * which may stop anywhere.  A line is "complete" when its LF is present.
 * The request line may be incomplete (long URI cut by the segment end): the
 * method and the URI seen so far are reported and the version stays "".  A
 * complete request line must end in a valid "HTTP/d.d" version or the
 * request is rejected.  Header lines are used only when complete, so a value
 * cut short (a Content-Length of "12" out of "1234") is never reported.
 * Parsing stops at the blank line ending the head, or at the end of data.
 *
 * Header rules: names are matched case-insensitively with an ASCII-only
 * comparison (no locale); a line without ':' or with whitespace before the
 * colon is ignored (RFC 9112 section 5.1 says such lines are invalid); the
 * first occurrence of a field wins; obs-fold continuation lines (starting
 * with SP or HTAB) are ignored, not appended.  Bare LF line ends are
 * accepted as RFC 9112 section 2.2 allows.
 */
#define _POSIX_C_SOURCE 200809L

#include "http.h"
#include "rd.h"

#include <stdint.h>
#include <string.h>

static const char *const http_methods[] = {
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT",
    "TRACE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
    "UNLOCK", "REPORT", "SEARCH", "MKCALENDAR", "SUBSCRIBE", "NOTIFY",
};

static int http_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int http_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Copy n checked bytes into dst[dstsz], cleaned (see above). */
static void http_copy(char *dst, size_t dstsz, const uint8_t *src, size_t n,
                      int lower)
{
    size_t i;

    if (!dst || dstsz == 0)
        return;
    if (!src)
        n = 0;
    if (n > dstsz - 1)
        n = dstsz - 1;
    for (i = 0; i < n; i++) {
        int c = src[i];
        if (c < 0x20 || c > 0x7e)
            c = '?';
        dst[i] = (char)(lower ? http_lower(c) : c);
    }
    dst[i] = '\0';
}

/* Index of the method name the bytes at r's cursor start with, followed by
 * SP, or -1.  Does not advance r. */
static int http_method_at(const dis_rd *r)
{
    for (size_t m = 0; m < sizeof http_methods / sizeof http_methods[0]; m++) {
        const char *name = http_methods[m];
        size_t k;
        uint8_t c;

        for (k = 0; name[k]; k++)
            if (!dis_rd_peek_u8(r, k, &c) || c != (uint8_t)name[k])
                break;
        if (!name[k] && dis_rd_peek_u8(r, k, &c) && c == ' ')
            return (int)m;
    }
    return -1;
}

/* Split the next line off r into *line (without CR LF).  Returns 1 for a
 * complete line, 0 for an incomplete one (rest of the data), -1 when r is
 * exhausted. */
static int http_next_line(dis_rd *r, dis_rd *line)
{
    size_t left = dis_rd_left(r);
    size_t k;
    uint8_t c = 0;

    if (left == 0)
        return -1;
    for (k = 0; k < left; k++)
        if (dis_rd_peek_u8(r, k, &c) && c == '\n')
            break;
    if (k == left) {
        /* No LF yet; a CR at the very end is a line end cut in two. */
        if (dis_rd_peek_u8(r, left - 1, &c) && c == '\r')
            left--;
        *line = dis_rd_sub(r, left);
        dis_rd_skip(r, dis_rd_left(r));
        return 0;
    }
    size_t body = k;
    if (body > 0 && dis_rd_peek_u8(r, body - 1, &c) && c == '\r')
        body--;
    *line = dis_rd_sub(r, body);
    dis_rd_skip(r, k - body + 1); /* the optional CR and the LF */
    return 1;
}

/* Length of the run of bytes before the first SP at the cursor (or to the
 * end of the line). */
static size_t http_span_to_sp(const dis_rd *r)
{
    size_t k = 0;
    uint8_t c;

    while (dis_rd_peek_u8(r, k, &c) && c != ' ')
        k++;
    return k;
}

/* Non-zero when the whole of r is "HTTP/" DIGIT "." DIGIT. */
static int http_version_ok(const dis_rd *r)
{
    static const char pfx[] = "HTTP/";
    uint8_t c;
    size_t k;

    if (dis_rd_left(r) != 8)
        return 0;
    for (k = 0; k < 5; k++)
        if (!dis_rd_peek_u8(r, k, &c) || c != (uint8_t)pfx[k])
            return 0;
    return dis_rd_peek_u8(r, 5, &c) && http_is_digit(c) &&
           dis_rd_peek_u8(r, 6, &c) && c == '.' &&
           dis_rd_peek_u8(r, 7, &c) && http_is_digit(c);
}

/* Header fields we keep, in either direction. */
enum http_field {
    HF_NONE, HF_HOST, HF_USER_AGENT, HF_CONTENT_TYPE, HF_CONTENT_LENGTH,
    HF_SERVER
};

static const struct {
    const char *name;
    enum http_field f;
} http_fields[] = {
    {"host", HF_HOST},
    {"user-agent", HF_USER_AGENT},
    {"content-type", HF_CONTENT_TYPE},
    {"content-length", HF_CONTENT_LENGTH},
    {"server", HF_SERVER},
};

static enum http_field http_field_of(const uint8_t *name, size_t n)
{
    for (size_t i = 0; i < sizeof http_fields / sizeof http_fields[0]; i++) {
        const char *want = http_fields[i].name;
        size_t k;

        if (strlen(want) != n)
            continue;
        for (k = 0; k < n; k++)
            if (http_lower(name[k]) != want[k])
                break;
        if (k == n)
            return http_fields[i].f;
    }
    return HF_NONE;
}

/* Split a complete header line into a known field and its value (OWS
 * trimmed).  Returns HF_NONE for lines to ignore. */
static enum http_field http_header(dis_rd *line, const uint8_t **val,
                                   size_t *vlen)
{
    size_t k = 0;
    uint8_t c = 0;

    if (dis_rd_peek_u8(line, 0, &c) && (c == ' ' || c == '\t'))
        return HF_NONE;                   /* obs-fold: ignored */
    while (dis_rd_peek_u8(line, k, &c) && c != ':' && c != ' ' && c != '\t')
        k++;
    if (k == 0 || !dis_rd_peek_u8(line, k, &c) || c != ':')
        return HF_NONE;
    const uint8_t *name = dis_rd_ptr(line, k);
    dis_rd_skip(line, 1);
    enum http_field f = name ? http_field_of(name, k) : HF_NONE;
    if (f == HF_NONE)
        return HF_NONE;
    while (dis_rd_peek_u8(line, 0, &c) && (c == ' ' || c == '\t'))
        dis_rd_skip(line, 1);
    size_t n = dis_rd_left(line);
    const uint8_t *v = dis_rd_ptr(line, n);
    if (!v && n > 0)
        return HF_NONE;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    *val = v;
    *vlen = n;
    return f;
}

/* Host value: lower-case, "[v6]:port" -> "v6", "name:port" -> "name".  A
 * value with several colons and no brackets is kept whole. */
static void http_set_host(char *dst, size_t dstsz, const uint8_t *v, size_t n)
{
    size_t colons = 0, colon_at = 0;

    if (n > 0 && v[0] == '[') {
        for (size_t i = 1; i < n; i++)
            if (v[i] == ']') {
                http_copy(dst, dstsz, v + 1, i - 1, 1);
                return;
            }
        http_copy(dst, dstsz, v, n, 1); /* unterminated literal: as is */
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (v[i] == ':') {
            colons++;
            colon_at = i;
        }
    if (colons == 1)
        n = colon_at;
    http_copy(dst, dstsz, v, n, 1);
}

/* Content-Length: 1*DIGIT, else -1 (also on overflow). */
static int64_t http_content_length(const uint8_t *v, size_t n)
{
    int64_t x = 0;

    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!http_is_digit(v[i]))
            return -1;
        int d = v[i] - '0';
        if (x > (INT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    return x;
}

/* Walk header lines of r until the blank line or the end of data, handing
 * each kept field to one of the two output structs (the other is NULL). */
static void http_headers(dis_rd *r, dis_http_req *req, dis_http_resp *resp)
{
    int seen[HF_SERVER + 1] = {0};
    dis_rd line;
    int rc;

    while ((rc = http_next_line(r, &line)) >= 0) {
        const uint8_t *v = NULL;
        size_t n = 0;

        if (rc == 0)
            break;                        /* incomplete: not used */
        if (dis_rd_left(&line) == 0)
            break;                        /* blank line: end of head */
        enum http_field f = http_header(&line, &v, &n);
        if (f == HF_NONE || seen[f])
            continue;
        seen[f] = 1;
        if (req) {
            if (f == HF_HOST)
                http_set_host(req->host, sizeof req->host, v, n);
            else if (f == HF_USER_AGENT)
                http_copy(req->user_agent, sizeof req->user_agent, v, n, 0);
            else if (f == HF_CONTENT_TYPE)
                http_copy(req->content_type, sizeof req->content_type, v, n,
                          0);
            else if (f == HF_CONTENT_LENGTH)
                req->content_length = http_content_length(v, n);
        } else {
            if (f == HF_CONTENT_TYPE)
                http_copy(resp->content_type, sizeof resp->content_type, v,
                          n, 0);
            else if (f == HF_SERVER)
                http_copy(resp->server, sizeof resp->server, v, n, 0);
        }
    }
}

/* p is caller-owned, read only, not retained. */
int dis_http_is_request(const uint8_t *p, size_t len)
{
    dis_rd r;

    dis_rd_init(&r, p, len);
    return http_method_at(&r) >= 0;
}

/* p is caller-owned and not retained; out is caller-owned and fully
 * overwritten (all strings NUL-terminated, content_length -1 if absent). */
int dis_http_parse_request(const uint8_t *p, size_t len, dis_http_req *out)
{
    dis_rd r, line;
    int m, complete;

    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    out->content_length = -1;
    dis_rd_init(&r, p, len);
    if ((m = http_method_at(&r)) < 0)
        goto fail;
    complete = http_next_line(&r, &line);
    if (complete < 0)
        goto fail;

    size_t mlen = strlen(http_methods[m]);
    const uint8_t *q = dis_rd_ptr(&line, mlen);
    if (!q || !dis_rd_skip(&line, 1))
        goto fail;
    http_copy(out->method, sizeof out->method, q, mlen, 0);

    size_t ulen = http_span_to_sp(&line);
    q = dis_rd_ptr(&line, ulen);
    if (!q || ulen == 0)
        goto fail;                        /* "GET  /", "GET \r\n", "GET " */
    http_copy(out->uri, sizeof out->uri, q, ulen, 0);

    if (!complete) {
        /* Cut inside the request line: keep the version only if whole. */
        if (dis_rd_skip(&line, 1) && http_version_ok(&line))
            http_copy(out->version, sizeof out->version,
                      dis_rd_ptr(&line, 8), 8, 0);
        return 0;
    }
    if (!dis_rd_skip(&line, 1) || !http_version_ok(&line))
        goto fail;
    http_copy(out->version, sizeof out->version, dis_rd_ptr(&line, 8), 8, 0);

    http_headers(&r, out, NULL);
    return 0;
fail:
    memset(out, 0, sizeof *out);
    out->content_length = -1;
    return -1;
}

/* p is caller-owned and not retained; out is caller-owned and fully
 * overwritten (status 0 on failure). */
int dis_http_parse_response(const uint8_t *p, size_t len, dis_http_resp *out)
{
    dis_rd r, line, ver;
    int complete, status = 0;
    uint8_t c;

    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    dis_rd_init(&r, p, len);
    complete = http_next_line(&r, &line);
    if (complete < 0)
        goto fail;
    ver = dis_rd_sub(&line, 8);
    if (!dis_rd_ok(&ver) || !http_version_ok(&ver))
        goto fail;
    if (dis_rd_u8(&line) != ' ')
        goto fail;
    for (int i = 0; i < 3; i++) {
        c = dis_rd_u8(&line);
        if (!dis_rd_ok(&line) || !http_is_digit(c))
            goto fail;
        status = status * 10 + (c - '0');
    }
    /* After the code: end of line, or SP and an optional reason phrase. */
    if (dis_rd_peek_u8(&line, 0, &c) && c != ' ')
        goto fail;
    if (status < 100)
        goto fail;
    out->status = status;
    if (complete)
        http_headers(&r, NULL, out);
    return 0;
fail:
    memset(out, 0, sizeof *out);
    return -1;
}

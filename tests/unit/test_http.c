/* test_http.c - unit tests for dissect/http.c (HTTP/1.x heads, RFC 9112).
 *
 * Every input is copied into a heap buffer of exactly its length before
 * parsing, so a read one byte too far is caught by AddressSanitizer.
 */
#define _POSIX_C_SOURCE 200809L

#include "../../dissect/http.h"
#include "tu.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static dis_http_req req;
static dis_http_resp resp;

/* Parse the first n bytes of s (n = strlen(s) when (size_t)-1) from an
 * exact-size heap copy. */
static int req_n(const char *s, size_t n)
{
    if (n == (size_t)-1)
        n = strlen(s);
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return -2;
    memcpy(b, s, n);
    int rc = dis_http_parse_request(b, n, &req);
    free(b);
    return rc;
}

static int req_s(const char *s)
{
    return req_n(s, (size_t)-1);
}

static int resp_n(const char *s, size_t n)
{
    if (n == (size_t)-1)
        n = strlen(s);
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return -2;
    memcpy(b, s, n);
    int rc = dis_http_parse_response(b, n, &resp);
    free(b);
    return rc;
}

static int is_req(const char *s)
{
    size_t n = strlen(s);
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return -2;
    memcpy(b, s, n);
    int rc = dis_http_is_request(b, n);
    free(b);
    return rc;
}

static const char get_req[] =
    "GET /api/v1/meetings?id=42 HTTP/1.1\r\n"
    "Host: Zoom.US\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) ZoomClient/5.17\r\n"
    "Accept: */*\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

TU_TEST(get_normal)
{
    TU_CHECK_INT(req_s(get_req), 0);
    TU_CHECK_STR(req.method, "GET");
    TU_CHECK_STR(req.uri, "/api/v1/meetings?id=42");
    TU_CHECK_STR(req.version, "HTTP/1.1");
    TU_CHECK_STR(req.host, "zoom.us");
    TU_CHECK_STR(req.user_agent,
                 "Mozilla/5.0 (X11; Linux x86_64) ZoomClient/5.17");
    TU_CHECK_STR(req.content_type, "");
    TU_CHECK_INT(req.content_length, -1);
}

TU_TEST(post_with_body)
{
    const char *s =
        "POST /upload HTTP/1.0\r\n"
        "Content-Type: application/json; charset=utf-8  \r\n"
        "Content-Length: 1234\r\n"
        "Host: telemetry.example.com\r\n"
        "\r\n"
        "{\"Host: evil\": 1}\r\n";
    TU_CHECK_INT(req_s(s), 0);
    TU_CHECK_STR(req.method, "POST");
    TU_CHECK_STR(req.uri, "/upload");
    TU_CHECK_STR(req.version, "HTTP/1.0");
    TU_CHECK_STR(req.content_type, "application/json; charset=utf-8");
    TU_CHECK_INT(req.content_length, 1234);
    TU_CHECK_STR(req.host, "telemetry.example.com");
}

TU_TEST(stops_at_blank_line)
{
    const char *s =
        "GET / HTTP/1.1\r\n"
        "\r\n"
        "Host: body.example\r\n"
        "User-Agent: body\r\n";
    TU_CHECK_INT(req_s(s), 0);
    TU_CHECK_STR(req.host, "");
    TU_CHECK_STR(req.user_agent, "");
}

TU_TEST(lower_case_names_and_bare_lf)
{
    const char *s =
        "PUT /x HTTP/1.1\n"
        "host:\tExample.ORG:8443\t\n"
        "user-agent: curl/8.0\n"
        "content-type:text/plain\n"
        "CONTENT-LENGTH: 0\n"
        "\n";
    TU_CHECK_INT(req_s(s), 0);
    TU_CHECK_STR(req.method, "PUT");
    TU_CHECK_STR(req.host, "example.org");
    TU_CHECK_STR(req.user_agent, "curl/8.0");
    TU_CHECK_STR(req.content_type, "text/plain");
    TU_CHECK_INT(req.content_length, 0);
}

TU_TEST(header_split_prefix)
{
    /* Every prefix parses without overread; fields appear only once their
     * line is complete, and never with a partial value. */
    size_t full = strlen(get_req);
    size_t host_end = strstr(get_req, "Zoom.US\r\n") - get_req + 9;
    size_t line_end = strstr(get_req, "\r\n") - get_req;
    for (size_t n = 0; n <= full; n++) {
        int rc = req_n(get_req, n);
        if (n < 5) {                      /* "GET /" needs 5 bytes */
            TU_CHECK_INT(rc, -1);
            continue;
        }
        TU_CHECK_INT(rc, 0);
        TU_CHECK_STR(req.method, "GET");
        if (n < host_end)
            TU_CHECK_STR(req.host, "");
        else
            TU_CHECK_STR(req.host, "zoom.us");
        if (n >= line_end)
            TU_CHECK_STR(req.version, "HTTP/1.1");
    }
    /* Cut inside the URI: the part seen so far, no version. */
    TU_CHECK_INT(req_n(get_req, 11), 0);
    TU_CHECK_STR(req.uri, "/api/v1");
    TU_CHECK_STR(req.version, "");
    /* Cut inside the User-Agent value: not reported at all. */
    size_t ua = strstr(get_req, "ZoomClient") - get_req;
    TU_CHECK_INT(req_n(get_req, ua), 0);
    TU_CHECK_STR(req.host, "zoom.us");
    TU_CHECK_STR(req.user_agent, "");
    /* Content-Length cut short is not reported as a smaller number. */
    const char *s = "POST / HTTP/1.1\r\nContent-Length: 12345\r\n";
    TU_CHECK_INT(req_n(s, strlen(s) - 4), 0);
    TU_CHECK_INT(req.content_length, -1);
    TU_CHECK_INT(req_s(s), 0);
    TU_CHECK_INT(req.content_length, 12345);
}

TU_TEST(missing_host)
{
    TU_CHECK_INT(req_s("GET /index.html HTTP/1.0\r\nAccept: */*\r\n\r\n"), 0);
    TU_CHECK_STR(req.uri, "/index.html");
    TU_CHECK_STR(req.host, "");
    TU_CHECK_STR(req.user_agent, "");
    TU_CHECK_INT(req.content_length, -1);
}

TU_TEST(host_port_and_ipv6)
{
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"), 0);
    TU_CHECK_STR(req.host, "example.com");
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:443\r\n\r\n"), 0);
    TU_CHECK_STR(req.host, "2001:db8::1");
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n"), 0);
    TU_CHECK_STR(req.host, "::1");
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost: 192.0.2.7:80\r\n\r\n"), 0);
    TU_CHECK_STR(req.host, "192.0.2.7");
    /* Bare IPv6 without brackets (invalid): kept whole, not mangled. */
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost: fe80::1\r\n\r\n"), 0);
    TU_CHECK_STR(req.host, "fe80::1");
    /* Unterminated literal: kept as is. */
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), 0);
    TU_CHECK_STR(req.host, "[::1");
    /* Empty Host (allowed by RFC 9112 section 3.2). */
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0);
    TU_CHECK_STR(req.host, "");
    /* First Host wins. */
    TU_CHECK_INT(req_s("GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n"),
                 0);
    TU_CHECK_STR(req.host, "a.test");
}

TU_TEST(garbage_rejected)
{
    static const char *const bad[] = {
        "",
        "G",
        "GET",
        "GET ",
        "get / HTTP/1.1\r\n",             /* methods are case-sensitive */
        "GET  / HTTP/1.1\r\n",
        "GET / HTTP/1.1 extra\r\n",
        "GET / HTTX/1.1\r\n",
        "GET / HTTP/11\r\n",
        "GET /\r\n",                      /* HTTP/0.9 simple request */
        "FOO / HTTP/1.1\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        "\r\nGET / HTTP/1.1\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&req, 0x41, sizeof req);
        TU_CHECK_INT(req_s(bad[i]), -1);
        TU_CHECK_STR(req.method, "");
        TU_CHECK_STR(req.uri, "");
        TU_CHECK_INT(req.content_length, -1);
    }
    /* Binary bytes with embedded NULs. */
    static const uint8_t bin[] = {'G', 'E', 'T', ' ', 0, 0xff, '\n'};
    TU_CHECK_INT(dis_http_parse_request(bin, sizeof bin, &req), -1);
    TU_CHECK_INT(dis_http_parse_request(NULL, 0, &req), -1);
    TU_CHECK_INT(dis_http_parse_request(bin, sizeof bin, NULL), -1);
}

TU_TEST(bad_header_lines_ignored)
{
    const char *s =
        "GET / HTTP/1.1\r\n"
        "Host : wrong.example\r\n"        /* space before colon */
        "no colon here\r\n"
        ": empty name\r\n"
        "X-Host: not.this\r\n"
        "Host: right.example\r\n"
        " folded: continuation\r\n"       /* obs-fold: ignored */
        "User-Agent: first\r\n"
        "\tsecond part\r\n"
        "Content-Length: 12abc\r\n"
        "\r\n";
    TU_CHECK_INT(req_s(s), 0);
    TU_CHECK_STR(req.host, "right.example");
    TU_CHECK_STR(req.user_agent, "first");
    TU_CHECK_INT(req.content_length, -1);
}

TU_TEST(content_length_edges)
{
    TU_CHECK_INT(req_s("POST / HTTP/1.1\r\nContent-Length: "
                       "9223372036854775807\r\n"), 0);
    TU_CHECK_INT(req.content_length, INT64_MAX); /* parses exactly */
    TU_CHECK_INT(req_s("POST / HTTP/1.1\r\nContent-Length: "
                       "99999999999999999999\r\n"), 0);
    TU_CHECK_INT(req.content_length, -1);
    TU_CHECK_INT(req_s("POST / HTTP/1.1\r\nContent-Length: -5\r\n"), 0);
    TU_CHECK_INT(req.content_length, -1);
    TU_CHECK_INT(req_s("POST / HTTP/1.1\r\nContent-Length: 7, 7\r\n"), 0);
    TU_CHECK_INT(req.content_length, -1);
}

TU_TEST(huge_values_truncated)
{
    size_t big = 100000;
    char *s = malloc(2 * big + 400);
    TU_CHECK(s != NULL);
    if (!s)
        return;
    /* 100000-byte URI, User-Agent and Host. */
    size_t o = 0;
    memcpy(s + o, "GET /", 5);
    o += 5;
    memset(s + o, 'u', big);
    o += big;
    memcpy(s + o, " HTTP/1.1\r\nUser-Agent: ", 23);
    o += 23;
    memset(s + o, 'a', big);
    o += big;
    s[o] = '\0';
    TU_CHECK_INT(req_n(s, o), 0);         /* UA line incomplete */
    TU_CHECK_INT(strlen(req.uri), sizeof req.uri - 1);
    TU_CHECK(req.uri[0] == '/' && req.uri[1] == 'u');
    TU_CHECK_STR(req.version, "HTTP/1.1");
    TU_CHECK_STR(req.user_agent, "");
    free(s);

    s = malloc(2 * big + 400);
    TU_CHECK(s != NULL);
    if (!s)
        return;
    o = 0;
    memcpy(s + o, "GET / HTTP/1.1\r\nUser-Agent: ", 28);
    o += 28;
    memset(s + o, 'a', big);
    o += big;
    memcpy(s + o, "\r\nHost: ", 8);
    o += 8;
    memset(s + o, 'H', 300);
    o += 300;
    memcpy(s + o, "\r\n\r\n", 4);
    o += 4;
    TU_CHECK_INT(req_n(s, o), 0);
    TU_CHECK_INT(strlen(req.user_agent), sizeof req.user_agent - 1);
    TU_CHECK(req.user_agent[sizeof req.user_agent - 2] == 'a');
    TU_CHECK_INT(strlen(req.host), sizeof req.host - 1);
    TU_CHECK(req.host[0] == 'h');
    free(s);
}

TU_TEST(control_and_8bit_replaced)
{
    const char *s =
        "GET /a\x01" "b HTTP/1.1\r\n"
        "User-Agent: caf\xc3\xa9\x7f\x1b[0m\r\n"
        "Host: EX\x00" "AMPLE.com\r\n"
        "\r\n";
    size_t n = strlen(s);
    n += strlen(s + n + 1) + 1;           /* include the part after the NUL */
    TU_CHECK_INT(req_n(s, n), 0);
    TU_CHECK_STR(req.uri, "/a?b");
    TU_CHECK_STR(req.user_agent, "caf????[0m");
    TU_CHECK_STR(req.host, "ex?ample.com");
}

TU_TEST(methods)
{
    static const char *const ok[] = {
        "GET / HTTP/1.1\r\n", "POST / HTTP/1.1\r\n", "PUT / HTTP/1.1\r\n",
        "DELETE / HTTP/1.1\r\n", "HEAD / HTTP/1.1\r\n",
        "OPTIONS * HTTP/1.1\r\n", "PATCH / HTTP/1.1\r\n",
        "CONNECT meet.example:443 HTTP/1.1\r\n", "TRACE / HTTP/1.1\r\n",
        "PROPFIND /dav/ HTTP/1.1\r\n",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        TU_CHECK_INT(is_req(ok[i]), 1);
        TU_CHECK_INT(req_s(ok[i]), 0);
        TU_CHECK_INT(strncmp(ok[i], req.method, strlen(req.method)), 0);
    }
    TU_CHECK_STR(req.method, "PROPFIND");
    TU_CHECK_INT(req_s("CONNECT meet.example:443 HTTP/1.1\r\n"), 0);
    TU_CHECK_STR(req.uri, "meet.example:443");
    TU_CHECK_INT(is_req("GET"), 0);
    TU_CHECK_INT(is_req("GET/"), 0);
    TU_CHECK_INT(is_req("GETS /"), 0);
    TU_CHECK_INT(is_req("POS"), 0);
    TU_CHECK_INT(is_req("HTTP/1.1 200 OK\r\n"), 0);
    TU_CHECK_INT(is_req(""), 0);
    TU_CHECK_INT(dis_http_is_request(NULL, 0), 0);
}

TU_TEST(response_normal)
{
    const char *s =
        "HTTP/1.1 301 Moved Permanently\r\n"
        "server: nginx/1.25.3\r\n"
        "Content-Type: text/html; charset=UTF-8\r\n"
        "Location: https://example.com/\r\n"
        "\r\n"
        "Server: body\r\n";
    TU_CHECK_INT(resp_n(s, (size_t)-1), 0);
    TU_CHECK_INT(resp.status, 301);
    TU_CHECK_STR(resp.server, "nginx/1.25.3");
    TU_CHECK_STR(resp.content_type, "text/html; charset=UTF-8");

    TU_CHECK_INT(resp_n("HTTP/1.0 204\r\n\r\n", (size_t)-1), 0);
    TU_CHECK_INT(resp.status, 204);
    TU_CHECK_STR(resp.server, "");
    /* Prefix: status line only, cut before the reason. */
    TU_CHECK_INT(resp_n(s, 12), 0);
    TU_CHECK_INT(resp.status, 301);
    TU_CHECK_INT(resp_n(s, 11), -1);
    TU_CHECK_INT(resp.status, 0);
    /* Every prefix is safe. */
    for (size_t n = 0; n <= strlen(s); n++) {
        int rc = resp_n(s, n);
        TU_CHECK_INT(rc, n >= 12 ? 0 : -1);
    }
}

TU_TEST(response_garbage)
{
    static const char *const bad[] = {
        "", "HTTP/1.1", "HTTP/1.1 ", "HTTP/1.1 20", "HTTP/1.1 2000 OK\r\n",
        "HTTP/1.1 20x OK\r\n", "HTTP/1.1 099 Low\r\n", "http/1.1 200 OK\r\n",
        "HTTP/1.1  200 OK\r\n", "GET / HTTP/1.1\r\n", "SSH-2.0-OpenSSH_9.2\r\n",
        "HTTP/1.1 200OK\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&resp, 0x41, sizeof resp);
        TU_CHECK_INT(resp_n(bad[i], (size_t)-1), -1);
        TU_CHECK_INT(resp.status, 0);
        TU_CHECK_STR(resp.server, "");
    }
    TU_CHECK_INT(dis_http_parse_response(NULL, 0, &resp), -1);
}

int main(void)
{
    TU_RUN(get_normal);
    TU_RUN(post_with_body);
    TU_RUN(stops_at_blank_line);
    TU_RUN(lower_case_names_and_bare_lf);
    TU_RUN(header_split_prefix);
    TU_RUN(missing_host);
    TU_RUN(host_port_and_ipv6);
    TU_RUN(garbage_rejected);
    TU_RUN(bad_header_lines_ignored);
    TU_RUN(content_length_edges);
    TU_RUN(huge_values_truncated);
    TU_RUN(control_and_8bit_replaced);
    TU_RUN(methods);
    TU_RUN(response_normal);
    TU_RUN(response_garbage);
    return tu_finish();
}

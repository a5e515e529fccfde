/* http.h - our own HTTP/1.x request/response head dissector (RFC 9112).
 *
 * Parses the start line and the headers we keep from the first bytes of a
 * client or server direction.  Works on a prefix: a head cut short by the
 * segment end yields the fields seen so far.  Fixed-size output, nothing
 * allocated; values are truncated to their buffers and control characters
 * replaced by '?'.
 */
#ifndef MEETAUDIT_HTTP_H
#define MEETAUDIT_HTTP_H

#include <stddef.h>
#include <stdint.h>

typedef struct dis_http_req {
    char method[16];
    char uri[1024];
    char version[16];        /* "HTTP/1.1" */
    char host[256];          /* lower-case, port stripped */
    char user_agent[512];
    char content_type[128];
    int64_t content_length;  /* -1 if absent */
} dis_http_req;

typedef struct dis_http_resp {
    int status;              /* 0 if not parsed */
    char content_type[128];
    char server[128];
} dis_http_resp;

/* Non-zero when p looks like the start of an HTTP/1.x request
 * ("METHOD SP" with a known method). */
int dis_http_is_request(const uint8_t *p, size_t len);

/* Parse a request head.  Returns 0 if the request line parsed, -1 if not. */
int dis_http_parse_request(const uint8_t *p, size_t len, dis_http_req *out);

/* Parse a response head ("HTTP/1.x NNN ...").  0 on success, -1 if not. */
int dis_http_parse_response(const uint8_t *p, size_t len, dis_http_resp *out);

#endif

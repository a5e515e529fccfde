/* cleartext.c - per-flow cleartext evidence: HTTP/1.x requests as the client
 * sent them, and the first bytes of other unencrypted flows.
 * RFC 9112 sections 2.2 (empty lines before a request line), 6.1 (chunked
 * framing overrides Content-Length), 6.3 (message body length), 7.1
 * (chunked coding), 9.3.6 (CONNECT: a tunnel follows); RFC 9110 section
 * 7.8 (Upgrade); RFC 9293 (sequence order, through dissect/tcpreasm.c).
 *
 * Invariants
 * ----------
 * - Only the client direction is kept.  TCP bytes come out of a
 *   dis_tcpreasm (first arrival wins, out-of-order data held up to
 *   DIS_CLEAR_OOO_MAX), so a chunk is always a contiguous run of the
 *   client's byte stream in sequence order: retransmissions and
 *   out-of-order segments cannot corrupt it.  UDP datagrams are appended
 *   in capture order.
 * - The first client bytes decide the mode: a known HTTP method followed
 *   by a space makes the flow HTTP; anything else (or UDP) is 'payload'.
 * - HTTP: the stream is framed as RFC 9112 says (head to the empty line,
 *   then Content-Length bytes or the chunked coding), so each request gets
 *   one row: its head and body, plus empty lines that follow it, until
 *   the next request starts.  Bytes that do not start a request where one
 *   should start are appended to the previous row (framing is then lost
 *   for the rest of the flow and everything goes to that row); after a
 *   CONNECT head nothing more is kept (a tunnel, usually TLS), after an
 *   Upgrade head the rest goes to that row as well.
 * - Caps: a row keeps at most DIS_CLEAR_ROW_MAX bytes, a flow at most
 *   DIS_CLEAR_FLOW_MAX over at most DIS_CLEAR_MAX_ROWS rows, the payload
 *   chunk DIS_CLEAR_PAYLOAD_MAX.  A row that lost bytes to a cap (or to a
 *   reassembly gap that was given up) is marked truncated; when no row can
 *   be started any more, the last row is marked truncated and the
 *   reassembler is finished, which frees everything it held.
 * - Frames: a row's frame is the frame whose arrival made its first byte
 *   available in order (the frame carrying it, unless it came early and
 *   waited for a gap), last_frame the same for its last kept byte.
 * - Every packet byte is read through dis_rd (rd.h).
 */
#include "cleartext.h"

#include "flow.h"
#include "http.h"
#include "rd.h"
#include "tcpreasm.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { M_UNKNOWN, M_HTTP, M_PAYLOAD };
enum { H_START, H_HEAD, H_BODY, H_CHUNK_SIZE, H_CHUNK_DATA, H_CHUNK_END,
       H_TRAILER, H_LOST };

#define DECIDE_BYTES 12   /* "MKCALENDAR " + 1: enough to see any method */

typedef struct clear_row {
    size_t off, len;
    uint64_t frame, last_frame;
    int64_t ts_us;
    uint8_t truncated;
} clear_row;

struct dis_clear {
    int mode, stopped;
    dis_tcpreasm re;
    uint8_t *buf;              /* rows back to back */
    size_t len, cap;
    clear_row *rows;           /* n_rows used of cap_rows, grown on demand */
    int n_rows, cap_rows;
    uint64_t cur_frame;        /* the packet being fed */
    int64_t cur_ts;
    /* HTTP framing */
    int hs, line_no, verified, chunked, tunnel, upgrade, bad_len;
    uint64_t remain;
    int64_t content_length;
    char line[128];
    size_t line_len;
};

/* ---- rows ------------------------------------------------------------ */

static int grow(dis_clear *c, size_t need)
{
    if (need <= c->cap)
        return 0;
    /* The first size is what the first bytes need (most flows keep a
     * datagram or two of a hundred bytes), doubling from there. */
    size_t nc = c->cap ? c->cap * 2 : (need + 63) & ~(size_t)63;
    while (nc < need)
        nc *= 2;
    if (nc > DIS_CLEAR_FLOW_MAX)
        nc = DIS_CLEAR_FLOW_MAX;
    uint8_t *nb = realloc(c->buf, nc);
    if (!nb)
        return -1;
    c->buf = nb;
    c->cap = nc;
    return 0;
}

static void stop(dis_clear *c)
{
    if (c->n_rows > 0)
        c->rows[c->n_rows - 1].truncated = 1;
    c->stopped = 1;
}

/* Keep n bytes in the last row, within the caps.  -1 on ENOMEM. */
static int row_put(dis_clear *c, const uint8_t *p, size_t n, size_t row_max)
{
    clear_row *r = &c->rows[c->n_rows - 1];
    size_t take = n;
    if (take > row_max - r->len)
        take = row_max - r->len;
    if (take > DIS_CLEAR_FLOW_MAX - c->len)
        take = DIS_CLEAR_FLOW_MAX - c->len;
    if (take) {
        if (grow(c, c->len + take) < 0)
            return -1;
        memcpy(c->buf + c->len, p, take);
        c->len += take;
        r->len += take;
        r->last_frame = c->cur_frame;
    }
    if (take < n) {
        r->truncated = 1;
        if (c->len == DIS_CLEAR_FLOW_MAX)
            c->stopped = 1;           /* nothing more fits anywhere */
    }
    return 0;
}

/* Start a row at the end of buf; 0, or -1 when no row can be started. */
static int row_begin(dis_clear *c)
{
    if (c->n_rows >= DIS_CLEAR_MAX_ROWS ||
        c->len + DECIDE_BYTES > DIS_CLEAR_FLOW_MAX) {
        stop(c);
        return -1;
    }
    if (c->n_rows == c->cap_rows) {
        int nc = c->cap_rows ? c->cap_rows * 2 : 2;
        if (nc > DIS_CLEAR_MAX_ROWS)
            nc = DIS_CLEAR_MAX_ROWS;
        clear_row *nr = realloc(c->rows, (size_t)nc * sizeof(*nr));
        if (!nr) {
            stop(c);
            return -1;
        }
        c->rows = nr;
        c->cap_rows = nc;
    }
    clear_row *r = &c->rows[c->n_rows++];
    memset(r, 0, sizeof(*r));
    r->off = c->len;
    r->frame = r->last_frame = c->cur_frame;
    r->ts_us = c->cur_ts;
    return 0;
}

/* ---- HTTP framing ---------------------------------------------------- */

/* The row just begun does not start with a request: it joins the row
 * before it (adjacent in buf) and framing is lost. */
static void not_request(dis_clear *c)
{
    c->hs = H_LOST;
    if (c->n_rows < 2)
        return;
    clear_row *cur = &c->rows[c->n_rows - 1], *prev = cur - 1;
    size_t total = prev->len + cur->len;
    if (total > DIS_CLEAR_ROW_MAX) {
        c->len -= total - DIS_CLEAR_ROW_MAX;
        total = DIS_CLEAR_ROW_MAX;
        prev->truncated = 1;
    }
    prev->len = total;
    prev->last_frame = cur->last_frame;
    prev->truncated |= cur->truncated;
    c->n_rows--;
}

static int prefix_ci(const char *s, const char *pre)
{
    return !strncasecmp(s, pre, strlen(pre));
}

static void header_line(dis_clear *c)
{
    const char *l = c->line;
    if (c->line_no == 0) {
        c->tunnel = prefix_ci(l, "CONNECT ");
        return;
    }
    if (prefix_ci(l, "content-length:")) {
        const char *v = l + 15;
        while (*v == ' ' || *v == '\t')
            v++;
        int64_t n = 0;
        int digits = 0;
        while (*v >= '0' && *v <= '9' && digits < 18) {
            n = n * 10 + (*v++ - '0');
            digits++;
        }
        while (*v == ' ' || *v == '\t')
            v++;
        if (!digits || *v)
            c->bad_len = 1;
        else
            c->content_length = n;
    } else if (prefix_ci(l, "transfer-encoding:")) {
        for (const char *v = l + 18; *v; v++)
            if (prefix_ci(v, "chunked"))
                c->chunked = 1;
    } else if (prefix_ci(l, "upgrade:")) {
        c->upgrade = 1;
    }
}

static void head_end(dis_clear *c)
{
    if (c->tunnel) {
        c->stopped = 1;            /* CONNECT: a tunnel, nothing to keep */
    } else if (c->upgrade) {
        c->hs = H_LOST;
    } else if (c->chunked) {
        c->hs = H_CHUNK_SIZE;
    } else if (c->bad_len) {
        c->hs = H_LOST;
    } else if (c->content_length > 0) {
        c->hs = H_BODY;
        c->remain = (uint64_t)c->content_length;
    } else {
        c->hs = H_START;
    }
    c->line_len = 0;
}

/* Collect a line into c->line (cut at its size); 1 when b ended it. */
static int line_byte(dis_clear *c, uint8_t b)
{
    if (b == '\n') {
        if (c->line_len && c->line[c->line_len - 1] == '\r')
            c->line_len--;
        c->line[c->line_len] = 0;
        return 1;
    }
    if (c->line_len + 1 < sizeof(c->line))
        c->line[c->line_len++] = (char)b;
    return 0;
}

static void head_byte(dis_clear *c, uint8_t b)
{
    if (c->line_no == 0 && !c->verified &&
        (b == ' ' || c->line_len + 1 >= DECIDE_BYTES)) {
        const clear_row *r = &c->rows[c->n_rows - 1];
        c->verified = 1;
        if (!dis_http_is_request(c->buf + r->off, r->len)) {
            not_request(c);
            return;
        }
    }
    if (!line_byte(c, b))
        return;
    if (c->line_no > 0 && c->line_len == 0) {
        head_end(c);
        return;
    }
    header_line(c);
    c->line_no++;
    c->line_len = 0;
}

static void chunk_size_line(dis_clear *c)
{
    uint64_t n = 0;
    int digits = 0;
    const char *v = c->line;
    for (;; v++) {
        int d = *v >= '0' && *v <= '9' ? *v - '0'
              : (*v | 32) >= 'a' && (*v | 32) <= 'f' ? (*v | 32) - 'a' + 10
              : -1;
        if (d < 0 || digits >= 15)
            break;
        n = n * 16 + (uint64_t)d;
        digits++;
    }
    while (*v == ' ' || *v == '\t')
        v++;
    if (!digits || (*v && *v != ';')) {
        c->hs = H_LOST;
    } else if (n == 0) {
        c->hs = H_TRAILER;
    } else {
        c->hs = H_CHUNK_DATA;
        c->remain = n;
    }
    c->line_len = 0;
}

/* Frame n in-order client bytes into rows.  -1 on ENOMEM. */
static int http_feed(dis_clear *c, const uint8_t *p, size_t n)
{
    dis_rd r;
    dis_rd_init(&r, p, n);
    while (dis_rd_left(&r) > 0 && !c->stopped) {
        size_t left = dis_rd_left(&r);
        if (c->hs == H_START) {
            uint8_t b0 = 0;
            dis_rd_peek_u8(&r, 0, &b0);
            if ((b0 == '\r' || b0 == '\n') && c->n_rows > 0) {
                if (row_put(c, dis_rd_ptr(&r, 1), 1, DIS_CLEAR_ROW_MAX) < 0)
                    return -1;
                continue;
            }
            if (row_begin(c) < 0)
                break;
            c->hs = H_HEAD;
            c->line_no = c->verified = c->chunked = c->tunnel = 0;
            c->upgrade = c->bad_len = 0;
            c->content_length = -1;
            c->line_len = 0;
        }
        if (c->hs == H_BODY || c->hs == H_CHUNK_DATA || c->hs == H_LOST) {
            size_t m = left;
            if (c->hs != H_LOST && c->remain < m)
                m = (size_t)c->remain;
            if (row_put(c, dis_rd_ptr(&r, m), m, DIS_CLEAR_ROW_MAX) < 0)
                return -1;
            if (c->hs == H_LOST) {
                if (c->rows[c->n_rows - 1].truncated)
                    c->stopped = 1;   /* all later bytes go nowhere */
                continue;
            }
            c->remain -= m;
            if (c->remain == 0)
                c->hs = c->hs == H_BODY ? H_START : H_CHUNK_END;
            continue;
        }
        uint8_t b = dis_rd_u8(&r);
        if (row_put(c, &b, 1, DIS_CLEAR_ROW_MAX) < 0)
            return -1;
        switch (c->hs) {
        case H_HEAD:
            head_byte(c, b);
            break;
        case H_CHUNK_SIZE:
            if (line_byte(c, b))
                chunk_size_line(c);
            break;
        case H_CHUNK_END:             /* the CRLF after chunk data */
            if (b == '\n')
                c->hs = H_CHUNK_SIZE;
            else if (b != '\r')
                c->hs = H_LOST;
            break;
        case H_TRAILER:
            if (line_byte(c, b)) {
                if (c->line_len == 0)
                    c->hs = H_START;
                c->line_len = 0;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

/* ---- payload --------------------------------------------------------- */

static int payload_feed(dis_clear *c, const uint8_t *p, size_t n)
{
    if (c->n_rows == 0 && row_begin(c) < 0)
        return 0;
    if (row_put(c, p, n, DIS_CLEAR_PAYLOAD_MAX) < 0)
        return -1;
    if (c->rows[0].truncated)
        c->stopped = 1;
    return 0;
}

/* In-order client bytes.  Until the mode is known they are kept as a
 * payload row (the first DECIDE_BYTES are the same either way). */
static int clear_bytes(dis_clear *c, const uint8_t *p, size_t n)
{
    if (c->stopped || !n)
        return 0;
    if (c->mode != M_UNKNOWN)
        return c->mode == M_HTTP ? http_feed(c, p, n)
                                 : payload_feed(c, p, n);
    dis_rd r;
    dis_rd_init(&r, p, n);
    size_t seen = c->n_rows ? c->rows[0].len : 0;
    size_t take = DECIDE_BYTES - seen;
    if (take > n)
        take = n;
    const uint8_t *q = dis_rd_ptr(&r, take);
    if (payload_feed(c, q, take) < 0)
        return -1;
    seen += take;
    const uint8_t *sp = memchr(c->buf, ' ', seen);
    if (seen < DECIDE_BYTES && !sp)
        return 0;                     /* not enough to tell yet */
    if (dis_http_is_request(c->buf, seen)) {
        uint8_t first[DECIDE_BYTES];
        memcpy(first, c->buf, seen);
        c->len = 0;
        c->n_rows = 0;
        c->mode = M_HTTP;
        c->hs = H_START;
        if (http_feed(c, first, seen) < 0)
            return -1;
    } else {
        c->mode = M_PAYLOAD;
    }
    return clear_bytes(c, dis_rd_ptr(&r, n - take), n - take);
}

static int on_bytes(void *ctx, const uint8_t *p, size_t n)
{
    dis_clear *c = ctx;
    if (clear_bytes(c, p, n) < 0)
        stop(c);                      /* out of memory: keep what we have */
    return c->stopped;
}

/* ---- flow interface -------------------------------------------------- */

void dis_clear_free(dis_clear *c)
{
    if (!c)
        return;
    dis_tcpreasm_finish(&c->re);
    free(c->rows);
    free(c->buf);
    free(c);
}

static dis_clear *clear_new(void)
{
    dis_clear *c = calloc(1, sizeof(*c));
    if (c)
        dis_tcpreasm_init(&c->re, DIS_CLEAR_OOO_MAX);
    return c;
}

int dis_clear_packet(dis_flow *f, const dis_pkt *p, int dir)
{
    if (f->tls || f->quic || f->dtls || f->dtls_over) {
        dis_clear_free(f->clear);    /* encrypted after all */
        f->clear = NULL;
        return 0;
    }
    if (dir != 0 || !p->payload_len || (f->clear && f->clear->stopped))
        return 0;
    if (!f->clear) {
        f->clear = clear_new();
        if (!f->clear)
            return -1;
        if (p->l4 == 6 && f->isn_valid[0])
            dis_tcpreasm_segment(&f->clear->re, f->isn[0], 1, NULL, 0,
                                 on_bytes, f->clear);
    }
    dis_clear *c = f->clear;
    c->cur_frame = p->frame;
    c->cur_ts = p->ts_us;
    if (p->l4 == 17) {
        c->mode = M_PAYLOAD;
        if (clear_bytes(c, p->payload, p->payload_len) < 0)
            return -1;
        return 0;
    }
    if (p->l4 != 6)
        return 0;
    int st = dis_tcpreasm_segment(&c->re, p->seq,
                                  (p->tcp_flags & DIS_TH_SYN) != 0,
                                  p->payload, p->payload_len, on_bytes, c);
    if (st == DIS_TCPREASM_FAILED && !c->stopped)
        stop(c);                      /* a gap we gave up on */
    return 0;
}

/* nDPI 4.2's encrypted protocols: the names for which
 * ndpi_is_encrypted_proto() is true (queried from the library over every
 * protocol id; tests/unit/test_cleartext.c checks this list against the
 * installed libndpi). */
static const char *const ENCRYPTED[] = {
    "AVASTSecureDNS", "AccuWeather", "Alibaba", "Amazon", "AmazonAWS",
    "AmazonAlexa", "AmazonVideo", "Apple", "ApplePush", "AppleSiri",
    "AppleStore", "AppleiCloud", "AppleiTunes", "Azure", "Badoo", "CNN",
    "Citrix", "CiscoVPN", "Cloudflare", "Crashlytics", "DNScrypt", "DTLS",
    "DataSaver", "Deezer", "DisneyPlus", "Discord", "DoH_DoT", "FortiClient",
    "Facebook", "FacebookVoip", "Fuze", "GMail", "Github", "Google",
    "GoogleClassroom", "GoogleDocs", "GoogleDrive", "GoogleHangoutDuo",
    "GoogleMaps", "GooglePlus", "GoogleServices", "Hotmail", "HotspotShield",
    "Hulu", "IFLIX", "IMAPS", "IPsec", "Instagram", "KakaoTalk", "LastFM",
    "LinkedIn", "MS_OneDrive", "Messenger", "Microsoft", "Microsoft365",
    "Nats", "NetFlix", "OCS", "OpenDNS", "OpenVPN", "POPS", "Pandora",
    "Pastebin", "Pinterest", "PlayStore", "QQ", "QUIC", "Reddit", "SMTPS",
    "SSH", "Salesforce", "Signal", "SignalVoip", "Sina(Weibo)", "SkypeCall",
    "Skype_Teams", "Slack", "Snapchat", "SoundCloud", "Spotify", "Steam",
    "TLS", "TVUplayer", "Teams", "TeamViewer", "Telegram", "TikTok", "Tor",
    "Tuenti", "Twitch", "Twitter", "Vevo", "Viber", "Vimeo", "Waze", "WeChat",
    "Webex", "WhatsApp", "WhatsAppCall", "WhatsAppFiles", "Wikipedia",
    "WindowsUpdate", "WireGuard", "Yahoo", "YouTube", "YouTubeUpload",
    "Zoom", "eBay", "iCloudPrivateRelay",
};

int dis_clear_encrypted_name(const char *name)
{
    if (!name || !name[0])
        return 0;
    for (size_t i = 0; i < sizeof(ENCRYPTED) / sizeof(ENCRYPTED[0]); i++)
        if (!strcmp(name, ENCRYPTED[i]))
            return 1;
    return 0;
}

/* What nDPI said when the flow ended: the master protocol decides when
 * there is one (HTTP.Google is cleartext, TLS.Google is not). */
static int ndpi_encrypted(const dis_flow *f)
{
    if (f->master_proto[0] && strcmp(f->master_proto, "Unknown") != 0)
        return dis_clear_encrypted_name(f->master_proto);
    return dis_clear_encrypted_name(f->app_proto);
}

int dis_clear_chunks(const dis_flow *f, dis_clear_chunk *out, int max)
{
    const dis_clear *c = f->clear;
    if (!c || !c->n_rows || max <= 0 || f->tls || f->quic || f->dtls ||
        f->dtls_over)
        return 0;
    if (c->mode != M_HTTP && ndpi_encrypted(f))
        return 0;
    int n = 0;
    for (int i = 0; i < c->n_rows && n < max; i++) {
        const clear_row *r = &c->rows[i];
        if (!r->len)
            continue;
        dis_clear_chunk *o = &out[n++];
        o->kind = c->mode == M_HTTP ? "http_request" : "payload";
        o->data = c->buf + r->off;
        o->len = r->len;
        o->frame = r->frame;
        o->last_frame = r->last_frame;
        o->ts_us = r->ts_us;
        o->dir = 0;
        o->truncated = r->truncated;
    }
    return n;
}

/* json.c - minimal streaming JSON writer (RFC 8259).
 *
 * Invariant: every string goes through rpt_json_write_string(), which
 * escapes quotes, backslashes and control characters and replaces bytes that
 * are not well-formed UTF-8 with U+FFFD, so the output is always valid JSON
 * whatever bytes a packet put into a name.
 */
#include "json.h"

#include <inttypes.h>
#include <string.h>

void rpt_json_init(rpt_json *j, FILE *o)
{
    memset(j, 0, sizeof(*j));
    j->o = o;
}

/* Length of a well-formed UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (s[0] == 0xe0 && s[1] < 0xa0)
            return 0;
        if (s[0] == 0xed && s[1] > 0x9f)
            return 0;
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
            (s[3] & 0xc0) != 0x80)
            return 0;
        if (s[0] == 0xf0 && s[1] < 0x90)
            return 0;
        if (s[0] == 0xf4 && s[1] > 0x8f)
            return 0;
        return 4;
    }
    return 0;
}

void rpt_json_write_string(FILE *o, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', o);
    while (*s) {
        unsigned char c = *s;
        if (c == '"' || c == '\\') {
            fputc('\\', o);
            fputc(c, o);
            s++;
        } else if (c == '\n') {
            fputs("\\n", o);
            s++;
        } else if (c == '\r') {
            fputs("\\r", o);
            s++;
        } else if (c == '\t') {
            fputs("\\t", o);
            s++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(o, "\\u%04x", c);
            s++;
        } else if (c < 0x80) {
            fputc(c, o);
            s++;
        } else {
            int n = utf8_len(s);
            if (n) {
                fwrite(s, 1, (size_t)n, o);
                s += n;
            } else {
                fputs("\\ufffd", o);
                s++;
            }
        }
    }
    fputc('"', o);
}

static void sep(rpt_json *j, const char *key)
{
    if (j->depth > 0 && j->depth <= RPT_JSON_DEPTH &&
        j->count[j->depth - 1]++ > 0)
        fputc(',', j->o);
    if (key) {
        rpt_json_write_string(j->o, key);
        fputc(':', j->o);
    }
}

static void open_(rpt_json *j, const char *key, char ch)
{
    sep(j, key);
    fputc(ch, j->o);
    if (j->depth < RPT_JSON_DEPTH)
        j->count[j->depth] = 0;
    j->depth++;
}

static void close_(rpt_json *j, char ch)
{
    if (j->depth > 0)
        j->depth--;
    fputc(ch, j->o);
}

void rpt_json_obj_begin(rpt_json *j, const char *key) { open_(j, key, '{'); }
void rpt_json_obj_end(rpt_json *j) { close_(j, '}'); }
void rpt_json_arr_begin(rpt_json *j, const char *key) { open_(j, key, '['); }
void rpt_json_arr_end(rpt_json *j) { close_(j, ']'); }

void rpt_json_str(rpt_json *j, const char *key, const char *val)
{
    sep(j, key);
    if (val)
        rpt_json_write_string(j->o, val);
    else
        fputs("null", j->o);
}

void rpt_json_int(rpt_json *j, const char *key, int64_t val)
{
    sep(j, key);
    fprintf(j->o, "%" PRId64, val);
}

void rpt_json_null(rpt_json *j, const char *key)
{
    sep(j, key);
    fputs("null", j->o);
}

void rpt_json_bool(rpt_json *j, const char *key, int val)
{
    sep(j, key);
    fputs(val ? "true" : "false", j->o);
}

void rpt_json_raw(rpt_json *j, const char *key, const char *json)
{
    sep(j, key);
    fputs(json, j->o);
}

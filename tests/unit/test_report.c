/* test_report.c - the report's escapers and text helpers (report_*.c):
 * CSV (RFC 4180 quoting, formula-injection prefix), HTML, Markdown, the
 * JSON validity check (RFC 8259), frame ranges, durations.
 */
#define _DEFAULT_SOURCE
#include "tu.h"
#include "report/report_model.h"

#include <stdlib.h>
#include <string.h>

/* Run fn(o, in) into a memory buffer and compare with want. */
static int esc_is(void (*fn)(FILE *, const char *), const char *in,
                  const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return 0;
    fn(m, in);
    fclose(m);
    int ok = buf && !strcmp(buf, want);
    if (!ok)
        printf("    got [%s] want [%s]\n", buf ? buf : "(null)", want);
    free(buf);
    return ok;
}

TU_TEST(csv_quoting)
{
    TU_CHECK(esc_is(rpt_rep_csv_cell, "zoom.us", "zoom.us"));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "a,b", "\"a,b\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "say \"hi\"", "\"say \"\"hi\"\"\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "two\r\nlines", "\"two\r\nlines\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, " padded", "\" padded\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, NULL, ""));
}

TU_TEST(csv_formula_injection)
{
    TU_CHECK(esc_is(rpt_rep_csv_cell, "=1+1", "\"'=1+1\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "+cmd", "\"'+cmd\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "-2+3", "\"'-2+3\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "@SUM(A1)", "\"'@SUM(A1)\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "=HYPERLINK(\"http://x\")",
                    "\"'=HYPERLINK(\"\"http://x\"\")\""));
    TU_CHECK(esc_is(rpt_rep_csv_cell, "a=b", "a=b")); /* not at the start */
    /* control bytes become spaces, invalid UTF-8 becomes U+FFFD */
    TU_CHECK(esc_is(rpt_rep_csv_cell, "a\x01" "b\xff", "a b\xef\xbf\xbd"));
}

TU_TEST(html_escape)
{
    TU_CHECK(esc_is(rpt_rep_html_text, "<script>alert('x')</script>",
                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    TU_CHECK(esc_is(rpt_rep_html_text, "a\" onerror=\"x",
                    "a&quot; onerror=&quot;x"));
    TU_CHECK(esc_is(rpt_rep_html_text, "AT&T", "AT&amp;T"));
    TU_CHECK(esc_is(rpt_rep_html_text, "caf\xc3\xa9\n\xc0", "caf\xc3\xa9 "
                                                          "\xef\xbf\xbd"));
}

TU_TEST(md_escape)
{
    TU_CHECK(esc_is(rpt_rep_md_text, "a|b", "a\\|b"));
    TU_CHECK(esc_is(rpt_rep_md_text, "<img src=x>", "\\<img src=x\\>"));
    TU_CHECK(esc_is(rpt_rep_md_text, "[x](javascript:y)",
                    "\\[x\\](javascript:y)"));
    TU_CHECK(esc_is(rpt_rep_md_text, "*a*_b_`c`",
                    "\\*a\\*\\_b\\_\\`c\\`"));
    TU_CHECK(esc_is(rpt_rep_md_text, "line\nbreak", "line break"));
}

TU_TEST(json_valid)
{
    TU_CHECK(rpt_rep_json_valid("{\"a\":[1,2.5e3,-0,true,null,\"\\u00e9\"]}"));
    TU_CHECK(rpt_rep_json_valid(" {} "));
    TU_CHECK(!rpt_rep_json_valid("{\"a\":1,}"));
    TU_CHECK(!rpt_rep_json_valid("{\"a\":1} x"));
    TU_CHECK(!rpt_rep_json_valid("{\"a\":01}"));
    TU_CHECK(!rpt_rep_json_valid("\"unterminated"));
    TU_CHECK(!rpt_rep_json_valid("{\"a\":\"\\x\"}"));
    TU_CHECK(!rpt_rep_json_valid(NULL));
    /* nesting beyond 32 is refused, not recursed into */
    char deep[100];
    memset(deep, '[', 40);
    memset(deep + 40, ']', 40);
    deep[80] = 0;
    TU_CHECK(!rpt_rep_json_valid(deep));
}

TU_TEST(frames_and_durations)
{
    int64_t f[] = { 1, 2, 3, 5, 9, 10 };
    char *s = rpt_rep_frames(f, 6, 100);
    TU_CHECK(s && !strcmp(s, "1-3, 5, 9-10"));
    free(s);
    s = rpt_rep_frames(f, 6, 2);
    TU_CHECK(s && !strcmp(s, "1-3, 5, ... (6 frames in all)"));
    free(s);
    char b[64];
    rpt_rep_duration(14 * 60 * 1000000LL, b, sizeof(b));
    TU_CHECK(!strcmp(b, "14-minute"));
    rpt_rep_duration(42 * 1000000LL, b, sizeof(b));
    TU_CHECK(!strcmp(b, "42-second"));
    rpt_rep_bytes(1940, b, sizeof(b));
    TU_CHECK(!strcmp(b, "1.9 kB"));
    rpt_rep_ts(1569520466000000LL, b, sizeof(b));
    TU_CHECK(!strcmp(b, "2019-09-26T17:54:26Z"));
}

int main(void)
{
    TU_RUN(csv_quoting);
    TU_RUN(csv_formula_injection);
    TU_RUN(html_escape);
    TU_RUN(md_escape);
    TU_RUN(json_valid);
    TU_RUN(frames_and_durations);
    return tu_finish();
}

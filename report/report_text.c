/* report_text.c - the report's plain-language summary and the small text
 * helpers every renderer shares: sizes, durations, times, frame ranges, a
 * JSON validity check (RFC 8259).
 *
 * Invariants
 * ----------
 * - The summary is built from counts of the loaded model only, in fixed
 *   sentence templates; strings quoted into it (claims, organisations)
 *   are copied as they are and escaped by each renderer.
 * - Honesty: without a baseline every count is "observed during the
 *   session" (the device may have sent it for another reason); only with
 *   a baseline is traffic charged to the app.  A quote whose claim status
 *   is secondary or unverified is never called the service's statement.
 */
#define _DEFAULT_SOURCE
#include "report_model.h"
#include "strbuf.h"
#include "attrib.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rpt_rep_bytes(int64_t b, char *out, size_t len)
{
    if (b < 1000)
        snprintf(out, len, "%lld B", (long long)b);
    else if (b < 1000000)
        snprintf(out, len, "%.1f kB", b / 1e3);
    else if (b < 1000000000)
        snprintf(out, len, "%.1f MB", b / 1e6);
    else
        snprintf(out, len, "%.1f GB", b / 1e9);
}

void rpt_rep_duration(int64_t us, char *out, size_t len)
{
    int64_t s = us > 0 ? (us + 500000) / 1000000 : 0;
    if (s < 120)
        snprintf(out, len, "%lld-second", (long long)s);
    else if (s < 7200)
        snprintf(out, len, "%lld-minute", (long long)((s + 30) / 60));
    else if (s < 172800)
        snprintf(out, len, "%lld-hour %lld-minute", (long long)(s / 3600),
                 (long long)((s % 3600) / 60));
    else
        snprintf(out, len, "%lld-day", (long long)((s + 43200) / 86400));
}

void rpt_rep_ts(int64_t us, char *out, size_t len)
{
    int64_t sec = us / 1000000;
    if (us < 0 && us % 1000000)
        sec--;
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, len, "?");
        return;
    }
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

const char *rpt_rep_party_label(int party)
{
    switch (party) {
    case RPT_PARTY_FIRST: return "first party";
    case RPT_PARTY_SUPPORT: return "support (service's provider)";
    case RPT_PARTY_PEER: return "peer (other participant)";
    case RPT_PARTY_THIRD: return "third party";
    case RPT_PARTY_LOCAL: return "local network";
    case RPT_PARTY_UNKNOWN: return "unknown";
    default: return "-";
    }
}


char *rpt_rep_frames(const int64_t *f, size_t n, size_t max)
{
    rpt_sbuf b = { 0 };
    size_t ranges = 0, i = 0;
    rpt_sb_printf(&b, "%s", "");
    while (i < n) {
        size_t j = i;
        while (j + 1 < n && f[j + 1] == f[j] + 1)
            j++;
        if (ranges == max) {
            rpt_sb_printf(&b, ", ... (%zu frames in all)", n);
            break;
        }
        if (j > i)
            rpt_sb_printf(&b, "%s%lld-%lld", ranges ? ", " : "",
                      (long long)f[i], (long long)f[j]);
        else
            rpt_sb_printf(&b, "%s%lld", ranges ? ", " : "", (long long)f[i]);
        ranges++;
        i = j + 1;
    }
    if (b.err) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---- summary ----------------------------------------------------------- */

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

int rpt_rep_summarise(rpt_rep *r)
{
    const char *svc = r->service_name ? r->service_name : r->service;
    rpt_strv keys = { 0 };
    int ret = -1;
    for (size_t i = 0; i < r->n_eps; i++) {
        const rpt_rep_ep *e = &r->eps[i];
        if (e->party == RPT_PARTY_LOCAL)
            continue;
        /* one organisation counts once whatever its party */
        const char *k = e->org_id ? e->org_id : e->label;
        size_t before = keys.n;
        if (rpt_strv_add(&keys, k, 1))
            goto done;
        if (keys.n > before && !e->org)
            r->n_unattributed++;
    }
    r->n_orgs = (int64_t)keys.n;
    for (size_t i = 0; i < r->n_findings; i++) {
        const rpt_rep_finding *f = &r->findings[i];
        if (f->scope && !strcmp(f->scope, "background"))
            continue;
        for (int v = 0; v < 6; v++)
            if (f->verdict && !strcmp(f->verdict, RPT_REP_VERDICTS[v]))
                r->verdict_count[v]++;
        if (f->verdict && !strcmp(f->verdict, "contradicted"))
            r->n_contradicted++;
        if (!f->kind || strcmp(f->kind, "third_party") || !f->verdict)
            continue;
        r->n_third++;
        if (!strcmp(f->verdict, "omitted"))
            r->n_omitted++;
        else if (!strcmp(f->verdict, "vague"))
            r->n_vague++;
        else if (!strcmp(f->verdict, "clear"))
            r->n_clear++;
        else if (!strcmp(f->verdict, "ambiguous"))
            r->n_ambiguous++;
    }

    rpt_sbuf b = { 0 };
    char dur[48] = "";
    int baseline = r->baseline_path && r->baseline_path[0];
    if (r->have_range)
        rpt_rep_duration(r->last_ts - r->first_ts, dur, sizeof(dur));
    int64_t named = r->n_orgs - r->n_unattributed;
    rpt_sb_printf(&b, "During a%s %s %s session the client contacted %lld %s",
              dur[0] == '8' || !strncmp(dur, "11-", 3) ||
                      !strncmp(dur, "18-", 3)
                  ? "n"
                  : "",
              dur[0] ? dur : "(untimed)", svc, (long long)named,
              plural(named, "organisation", "organisations"));
    if (r->n_unattributed)
        rpt_sb_printf(&b, " and %lld other %s known only by domain or address",
                  (long long)r->n_unattributed,
                  plural(r->n_unattributed, "counterparty",
                         "counterparties"));
    rpt_sb_printf(&b, "; %lld third %s %s not named in %s's documents",
              (long long)r->n_omitted, plural(r->n_omitted, "party", "parties"),
              plural(r->n_omitted, "was", "were"), svc);
    if (r->n_vague)
        rpt_sb_printf(&b, ", %lld only by category", (long long)r->n_vague);
    if (r->n_ambiguous)
        rpt_sb_printf(&b, ", %lld ambiguously (disclosed and denied at once)",
                  (long long)r->n_ambiguous);
    /* The example quoted: a verbatim claim when one is contradicted. */
    const rpt_rep_finding *first_c = NULL;
    for (int pass = 0; pass < 2 && !first_c; pass++)
        for (size_t i = 0; i < r->n_findings && !first_c; i++) {
            const rpt_rep_finding *f = &r->findings[i];
            if (f->verdict && !strcmp(f->verdict, "contradicted") &&
                f->quote && !(f->scope && !strcmp(f->scope, "background")) &&
                (pass || (f->claim_status &&
                          !strcmp(f->claim_status, "verbatim"))))
                first_c = f;
        }
    if (r->n_contradicted) {
        rpt_sb_printf(&b, "; %lld %s what %s says", (long long)r->n_contradicted,
                  plural(r->n_contradicted, "finding contradicts",
                         "findings contradict"), svc);
        if (first_c) {
            const char *st = first_c->claim_status ? first_c->claim_status
                                                   : "";
            if (!strcmp(st, "verbatim"))
                rpt_sb_printf(&b, ", e.g. the statement \"%s\"", first_c->quote);
            else
                rpt_sb_printf(&b, ", e.g. a statement attributed to %s by a %s "
                              "source (not %s's own text): \"%s\"",
                          svc, !strcmp(st, "secondary") ? "secondary"
                                                        : "unverified",
                          svc, first_c->quote);
        }
    } else {
        rpt_sb_printf(&b, "; no finding contradicts a statement of %s", svc);
    }
    if (!b.err && !(b.len >= 2 && !strcmp(b.s + b.len - 2, ".\"")))
        rpt_sb_printf(&b, ".");
    if (baseline)
        rpt_sb_printf(&b, " Traffic is charged to the app only when it was not "
                      "also seen in the baseline capture without the app.");
    else
        rpt_sb_printf(&b, " No baseline capture was given: everything here was "
                      "observed during the session, and some of it may come "
                      "from other software on the same device.");
    if (b.err) {
        free(b.s);
        goto done;
    }
    r->summary = b.s;

    for (size_t i = 0; i < r->n_findings; i++) {
        const rpt_rep_finding *f = &r->findings[i];
        if (!f->verdict || (f->scope && !strcmp(f->scope, "background")))
            continue;
        int contra = !strcmp(f->verdict, "contradicted");
        int third = f->kind && !strcmp(f->kind, "third_party");
        if (!contra && !(third && (!strcmp(f->verdict, "omitted") ||
                                   !strcmp(f->verdict, "ambiguous"))))
            continue;
        rpt_sbuf p = { 0 };
        rpt_sb_printf(&p, "%s%s%s: %s", contra ? "Contradicted" : third &&
                      !strcmp(f->verdict, "omitted") ? "Not named"
                                                     : "Ambiguous",
                  f->org ? " - " : "", f->org ? f->org : "",
                  f->reason ? f->reason : "");
        if (p.err || rpt_strv_add(&r->summary_points, p.s, 0)) {
            free(p.s);
            goto done;
        }
        free(p.s);
    }
    ret = 0;
done:
    rpt_strv_free(&keys);
    return ret;
}

/* ---- JSON validity ------------------------------------------------------- */

static const char *jv_value(const char *s, int depth);

static const char *jv_ws(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return s;
}

static const char *jv_string(const char *s)
{
    if (*s++ != '"')
        return NULL;
    while (*s && *s != '"') {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            s++;
            if (*s == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
                        return NULL;
                s += 5;
                continue;
            }
            if (!*s || !strchr("\"\\/bfnrt", *s))
                return NULL;
        }
        s++;
    }
    return *s == '"' ? s + 1 : NULL;
}

static const char *jv_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return NULL;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return NULL;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return NULL;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return s;
}

static const char *jv_seq(const char *s, int depth, char close, int obj)
{
    s = jv_ws(s + 1);
    if (*s == close)
        return s + 1;
    for (;;) {
        if (obj) {
            if (!(s = jv_string(s)))
                return NULL;
            s = jv_ws(s);
            if (*s++ != ':')
                return NULL;
        }
        if (!(s = jv_value(s, depth + 1)))
            return NULL;
        s = jv_ws(s);
        if (*s == close)
            return s + 1;
        if (*s++ != ',')
            return NULL;
        s = jv_ws(s);
    }
}

static const char *jv_value(const char *s, int depth)
{
    if (depth > 32)
        return NULL;
    s = jv_ws(s);
    switch (*s) {
    case '{': return jv_seq(s, depth, '}', 1);
    case '[': return jv_seq(s, depth, ']', 0);
    case '"': return jv_string(s);
    case 't': return strncmp(s, "true", 4) ? NULL : s + 4;
    case 'f': return strncmp(s, "false", 5) ? NULL : s + 5;
    case 'n': return strncmp(s, "null", 4) ? NULL : s + 4;
    default: return jv_number(s);
    }
}

int rpt_rep_json_valid(const char *s)
{
    if (!s)
        return 0;
    const char *e = jv_value(s, 0);
    return e && !*jv_ws(e);
}

int rpt_rep_utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
            return 0;
        return 3;
    }
    if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
            (s[3] & 0xc0) != 0x80)
            return 0;
        if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
            return 0;
        return 4;
    }
    return 0;
}

const char *rpt_rep_status_label(const char *st)
{
    if (st && !strcmp(st, "verbatim"))
        return "verbatim quote of the document";
    if (st && !strcmp(st, "secondary"))
        return "secondary source: what others report the document says, "
               "not the policy's own text";
    return "unverified: not checked against the document, not the "
           "policy's own text";
}

const char *rpt_rep_attribution_label(const char *a)
{
    if (a && !strcmp(a, "app"))
        return "sent by the app (not seen in the baseline capture)";
    if (a && !strcmp(a, "background"))
        return "also seen in the baseline capture (background traffic, not "
               "charged to the app)";
    return "observed during the session (no baseline: other software on "
           "the device may have sent it)";
}

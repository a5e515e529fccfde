/* report_svg.c - the HTML report's charts, drawn by us as inline SVG 1.1
 * (no library, no script): bytes sent per organisation coloured by party,
 * a timeline of counterparties over the session, verdict counts.
 *
 * Invariants
 * ----------
 * - Every label comes from the model and goes through rpt_rep_html_text()
 *   (inline SVG is parsed by the HTML parser, so HTML escaping is the
 *   right one); long labels are cut at a UTF-8 character boundary.
 * - Geometry is integer or one-decimal arithmetic printed with "%.1f",
 *   so the output is a pure function of the model (byte-identical runs).
 * - Colour never carries meaning alone: bars are labelled with their
 *   values and the party legend is text.
 */
#include "report_model.h"
#include "attrib.h"

#include <stdlib.h>
#include <string.h>

#define SVG_W 760
#define LABEL_W 250
#define ROW_H 20
#define MAX_ROWS 20
#define LABEL_MAX 36 /* bytes of a label shown */

static const char *party_colour(int p)
{
    switch (p) {
    case RPT_PARTY_FIRST: return "#2b6cb0";
    case RPT_PARTY_SUPPORT: return "#4a90a4";
    case RPT_PARTY_PEER: return "#6b8e23";
    case RPT_PARTY_THIRD: return "#c53030";
    case RPT_PARTY_LOCAL: return "#a0a0a0";
    default: return "#7a7a7a";
    }
}

/* Write at most LABEL_MAX bytes of s, cut at a character boundary, with an
 * ellipsis when cut. */
static void label(FILE *o, const char *s)
{
    size_t n = strlen(s), cut = 0;
    if (n <= LABEL_MAX) {
        rpt_rep_html_text(o, s);
        return;
    }
    while (cut < LABEL_MAX) {
        int k = rpt_rep_utf8_len((const unsigned char *)s + cut);
        if (k <= 0)
            k = 1;
        if (cut + (size_t)k > LABEL_MAX)
            break;
        cut += (size_t)k;
    }
    char *b = malloc(cut + 4);
    if (!b)
        return;
    memcpy(b, s, cut);
    memcpy(b + cut, "...", 4);
    rpt_rep_html_text(o, b);
    free(b);
}

static void svg_open(FILE *o, int h, const char *title)
{
    fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
               "aria-label=\"%s\" font-family=\"sans-serif\" "
               "font-size=\"12\"><title>%s</title>\n",
            SVG_W, h, SVG_W, h, title, title);
}

/* Indices of the endpoints to chart (not local), most bytes first. */
static size_t pick(const rpt_rep *r, size_t *idx, int by_time)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_eps; i++)
        if (r->eps[i].party != RPT_PARTY_LOCAL)
            idx[n++] = i;
    /* insertion sort: n is the number of endpoints, small */
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0) {
            const rpt_rep_ep *a = &r->eps[idx[j - 1]], *b = &r->eps[v];
            int later = by_time ? a->first_ts > b->first_ts
                                : a->bts < b->bts;
            if (!later)
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
    return n;
}

static void legend(FILE *o, int y)
{
    static const int P[] = { RPT_PARTY_FIRST, RPT_PARTY_SUPPORT,
                             RPT_PARTY_PEER, RPT_PARTY_THIRD,
                             RPT_PARTY_UNKNOWN };
    int x = 10;
    for (size_t i = 0; i < sizeof(P) / sizeof(P[0]); i++) {
        const char *name = rpt_party_name(P[i]);
        fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
                   "fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>\n",
                x, y, party_colour(P[i]), x + 16, y + 10, name);
        x += 30 + 8 * (int)strlen(name);
    }
}

void rpt_rep_svg_bytes(const rpt_rep *r, FILE *o)
{
    size_t *idx = malloc((r->n_eps ? r->n_eps : 1) * sizeof(*idx));
    if (!idx)
        return;
    size_t n = pick(r, idx, 0), rows = n < MAX_ROWS ? n : MAX_ROWS;
    int64_t max = 1;
    for (size_t i = 0; i < rows; i++)
        if (r->eps[idx[i]].bts > max)
            max = r->eps[idx[i]].bts;
    int h = 40 + (int)rows * ROW_H + 10;
    svg_open(o, h, "Bytes sent per organisation, by party");
    legend(o, 8);
    const int bar_w = SVG_W - LABEL_W - 90;
    for (size_t i = 0; i < rows; i++) {
        const rpt_rep_ep *e = &r->eps[idx[i]];
        int y = 34 + (int)i * ROW_H;
        double w = (double)e->bts * bar_w / (double)max;
        char b[32];
        rpt_rep_bytes(e->bts, b, sizeof(b));
        fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
                LABEL_W - 6, y + 13);
        label(o, e->label);
        fprintf(o, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
                   "height=\"%d\" fill=\"%s\"><title>",
                LABEL_W, y + 2, w < 1 ? 1.0 : w, ROW_H - 4,
                party_colour(e->party));
        rpt_rep_html_text(o, e->label);
        fprintf(o, " (%s): %s</title></rect><text x=\"%.1f\" y=\"%d\">%s"
                   "</text>\n",
                rpt_party_name(e->party) ? rpt_party_name(e->party) : "-", b,
                LABEL_W + (w < 1 ? 1.0 : w) + 4, y + 13, b);
    }
    if (!rows)
        fputs("<text x=\"10\" y=\"50\">No counterparties.</text>\n", o);
    fputs("</svg>\n", o);
    free(idx);
}

void rpt_rep_svg_timeline(const rpt_rep *r, FILE *o)
{
    size_t *idx = malloc((r->n_eps ? r->n_eps : 1) * sizeof(*idx));
    if (!idx)
        return;
    size_t n = pick(r, idx, 1), rows = n < MAX_ROWS ? n : MAX_ROWS;
    int64_t t0 = r->have_range ? r->first_ts : 0;
    int64_t span = r->have_range ? r->last_ts - r->first_ts : 0;
    if (span <= 0)
        span = 1;
    int h = 46 + (int)rows * ROW_H + 10;
    const int x0 = LABEL_W, w = SVG_W - LABEL_W - 20;
    svg_open(o, h, "Counterparties over the session (first to last packet)");
    legend(o, 8);
    /* axis: five ticks from the start, in the unit that suits the span */
    double unit = 60e6;
    const char *uname = "min";
    if (span > 2 * 86400e6) {
        unit = 86400e6;
        uname = "days";
    } else if (span > 2 * 3600e6) {
        unit = 3600e6;
        uname = "h";
    } else if (span < 120e6) {
        unit = 1e6;
        uname = "s";
    }
    for (int t = 0; t <= 4; t++) {
        double x = x0 + (double)w * t / 4;
        fprintf(o, "<line x1=\"%.1f\" y1=\"28\" x2=\"%.1f\" y2=\"%d\" "
                   "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" "
                   "text-anchor=\"%s\">+%.1f %s</text>\n",
                x, x, h - 12, x, h - 1, t == 4 ? "end" : "middle",
                (double)span * t / 4 / unit, uname);
    }
    for (size_t i = 0; i < rows; i++) {
        const rpt_rep_ep *e = &r->eps[idx[i]];
        int y = 30 + (int)i * ROW_H;
        double a = (double)(e->first_ts - t0) * w / (double)span;
        double b = (double)(e->last_ts - t0) * w / (double)span;
        if (a < 0)
            a = 0;
        if (b > w)
            b = w;
        if (b - a < 2)
            b = a + 2;
        fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
                LABEL_W - 6, y + 13);
        label(o, e->label);
        fprintf(o, "</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                   "height=\"%d\" fill=\"%s\"><title>",
                x0 + a, y + 2, b - a, ROW_H - 4, party_colour(e->party));
        rpt_rep_html_text(o, e->label);
        fprintf(o, ": %lld flows</title></rect>\n", (long long)e->flows);
    }
    if (!rows)
        fputs("<text x=\"10\" y=\"50\">No counterparties.</text>\n", o);
    fputs("</svg>\n", o);
    free(idx);
}

void rpt_rep_svg_verdicts(const rpt_rep *r, FILE *o)
{
    static const char *const COL[6] = { "#c53030", "#d69e2e", "#dd6b20",
                                        "#b7791f", "#2f855a", "#4a5568" };
    int64_t max = 1;
    for (int v = 0; v < 6; v++)
        if (r->verdict_count[v] > max)
            max = r->verdict_count[v];
    const int h = 200, base = 165, bw = 80, gap = 40, top = 20;
    svg_open(o, h, "Findings per verdict");
    for (int v = 0; v < 6; v++) {
        int x = 40 + v * (bw + gap);
        double bh = (double)r->verdict_count[v] * (base - top) / (double)max;
        fprintf(o, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                   "fill=\"%s\"/><text x=\"%d\" y=\"%.1f\" "
                   "text-anchor=\"middle\">%lld</text><text x=\"%d\" "
                   "y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                x, base - bh, bw, bh, COL[v], x + bw / 2, base - bh - 4,
                (long long)r->verdict_count[v], x + bw / 2, base + 18,
                RPT_REP_VERDICTS[v]);
    }
    fputs("</svg>\n", o);
}

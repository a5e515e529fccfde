/* report_model.h - private to report/report_*.c: the report model, one
 * audit run of an evidence database read into memory, and the renderers
 * that turn it into Markdown, HTML (with inline SVG), JSON and CSV.
 *
 * Invariants
 * ----------
 * - The model is loaded once (report_load.c, report_load_ep.c) by prepared
 *   read-only SELECTs and is then only read by the renderers: every
 *   renderer is a pure function of the model, so two runs over the same
 *   database with the same SOURCE_DATE_EPOCH are byte-identical.
 * - Every string in the model is owned by the model (malloc'd copies) and
 *   may hold any bytes a packet put there: renderers never print a model
 *   string without their format's escaper (rpt_rep_md_text, the HTML
 *   escaper, rpt_json_write_string, rpt_rep_csv_cell).
 * - Lists keep database order made deterministic by ORDER BY on ids;
 *   aggregates are sorted by explicit keys before rendering.
 * - Memory is bounded by the database: at most RPT_REP_MAX_* items are kept
 *   per list (the JSON says when a list was cut).
 */
#ifndef MEETAUDIT_REPORT_MODEL_H
#define MEETAUDIT_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#define RPT_REP_MAX_LIST 100000  /* items per list (frames, flows, rows) */
#define RPT_REP_MAX_HOSTS 64     /* host names kept per endpoint row */

/* A growable vector of owned strings. */
typedef struct rpt_strv {
    char **v;
    size_t n, cap;
} rpt_strv;

/* Append a copy of s (NULL or "" skipped); uniq: skip when present.
 * 0, or -1 when out of memory. */
int rpt_strv_add(rpt_strv *sv, const char *s, int uniq);
void rpt_strv_free(rpt_strv *sv);

/* Evidence frames of one finding in one input. */
typedef struct rpt_rep_ev {
    int64_t input_id;
    char *input_name, *input_sha256;
    int64_t *frames;
    size_t n, cap;
    char *display_filter; /* this input's flows only; NULL when none */
} rpt_rep_ev;

typedef struct rpt_rep_finding {
    int64_t id;
    char *finding_key, *service, *kind, *subtype, *verdict, *severity,
        *scope, *attribution, *claim_id, *quote, *source, *source_doc,
        *doc_date, *doc_url, *claim_status, *other_claims, *reason, *org_id,
        *org, *parent_org, *party, *categories, *country, *detail;
    int64_t flows, bts, btc, first_ts, last_ts;
    int have_first, have_last;
    rpt_strv hostnames, community_ids;
    int64_t *flow_ids;
    size_t n_flow_ids;
    rpt_rep_ev *ev;
    size_t n_ev;
    char *display_filter; /* NULL when none could be made */
} rpt_rep_finding;

/* One counterparty: (party, organisation or domain or address). */
typedef struct rpt_rep_ep {
    int party;          /* RPT_PARTY_*, -1 without a service view */
    char *key;          /* grouping key */
    char *org;          /* organisation name, NULL when unknown */
    char *org_id;       /* NULL when unknown */
    char *label;        /* org, else registrable domain, else address */
    uint32_t categories;
    rpt_strv hostnames, countries;
    int64_t flows, bts, btc, first_ts, last_ts;
} rpt_rep_ep;

/* TLS posture: flows per (transport, version, cipher). */
typedef struct rpt_rep_tls {
    char *transport, *version, *cipher;
    int64_t flows;
    rpt_strv hosts;
} rpt_rep_tls;

/* One certificate problem seen on one flow. */
typedef struct rpt_rep_cert {
    int64_t flow_id, frame;
    char *host, *issue, *input_name, *subject, *issuer, *not_after;
} rpt_rep_cert;

typedef struct rpt_rep_country {
    char cc[3];
    int64_t flows, bts;
    rpt_strv orgs;
} rpt_rep_country;

typedef struct rpt_rep_drop {
    char *input_name, *interface;
    int64_t captured, recv, drop, ifdrop;
} rpt_rep_drop;

typedef struct rpt_rep_input {
    int64_t id, size, packets, first_ts, last_ts;
    int have_ts;
    char *name, *sha256, *status;
} rpt_rep_input;

/* A row of two or three strings (rules files, options, clients). */
typedef struct rpt_rep_row3 {
    char *a, *b, *c;
} rpt_rep_row3;

typedef struct rpt_rep {
    /* audit_runs */
    int64_t run_id;
    char *created_at, *service, *service_name, *service_how, *rules_dir,
        *baseline_path, *baseline_sha256, *meetaudit_version, *ndpi_version,
        *attribution_status;
    char generated_at[32];   /* report time, SOURCE_DATE_EPOCH honoured */
    char *db_name;           /* evidence database file name (no dirs) */
    rpt_rep_input *inputs;
    size_t n_inputs;
    rpt_rep_row3 *rules;     /* file, sha256 */
    size_t n_rules;
    rpt_rep_row3 *options;   /* option, name, value (all options) */
    size_t n_options;
    rpt_rep_row3 *clients;   /* ip, how, flows */
    size_t n_clients;
    int64_t first_ts, last_ts; /* capture time range over the inputs */
    int have_range;

    rpt_rep_finding *findings; /* severity, then id */
    size_t n_findings;
    rpt_rep_ep *eps;            /* party, bytes sent (most first), label */
    size_t n_eps;
    rpt_rep_tls *tls;
    size_t n_tls;
    rpt_rep_cert *certs;
    size_t n_certs;
    rpt_rep_country *countries;
    size_t n_countries;
    rpt_rep_drop *drops;
    size_t n_drops;
    int have_capture_stats;
    int have_country_data;

    /* summary */
    int64_t n_orgs, n_unattributed;  /* counterparties, not local */
    int64_t n_omitted, n_vague, n_clear, n_ambiguous, n_third;
    int64_t n_contradicted;          /* all kinds, scope session */
    int64_t verdict_count[6];        /* RPT_REP_VERDICTS order */
    char *summary;                   /* plain text, several sentences */
    rpt_strv summary_points;         /* bullet lines under it */
} rpt_rep;

/* The verdict names in display order. */
extern const char *const RPT_REP_VERDICTS[6];

/* Load run run_id (0: the newest) of the read-only database db.  rules_dir
 * overrides the run's rules directory for attribution (NULL: the run's,
 * else the default lookup); db_path gives the file name shown.  Returns a
 * new model (caller frees with rpt_rep_free()) or NULL with a message in
 * err. */
rpt_rep *rpt_rep_load(sqlite3 *db, const char *db_path, int64_t run_id,
                      const char *rules_dir, char *err, size_t errlen);
void rpt_rep_free(rpt_rep *r);

/* report_load.c's parts, for report_load_ep.c. */
int rpt_rep_load_endpoints(sqlite3 *db, rpt_rep *r, const char *rules_dir,
                           char *err, size_t errlen);
char *rpt_rep_col(sqlite3_stmt *q, int i); /* strdup of a column or NULL */

/* ---- text helpers (report_text.c) ------------------------------------- */

/* Build r->summary and r->summary_points from the loaded facts.  0 or -1
 * (out of memory). */
int rpt_rep_summarise(rpt_rep *r);

/* "1.9 kB" style sizes; "14 minutes" style durations (us microseconds). */
void rpt_rep_bytes(int64_t b, char *out, size_t len);
void rpt_rep_duration(int64_t us, char *out, size_t len);
/* RFC 3339 UTC, seconds precision ("2020-03-26T12:00:00Z"). */
void rpt_rep_ts(int64_t us, char *out, size_t len);

/* Frames as ranges "1-5, 9, 12-13" (caller frees); NULL on ENOMEM.  max:
 * at most that many ranges, then ", ... (N frames in all)". */
char *rpt_rep_frames(const int64_t *f, size_t n, size_t max);

/* Non-zero when s is one complete, valid JSON value (RFC 8259), nesting at
 * most 32 deep. */
int rpt_rep_json_valid(const char *s);


/* Length of the well-formed UTF-8 sequence at s (1 for ASCII), 0 when
 * s does not start one (s must be NUL-terminated). */
int rpt_rep_utf8_len(const unsigned char *s);

/* The claim's status as the reader must see it: "verbatim quote",
 * "secondary source - not the policy's own text", ... */
const char *rpt_rep_status_label(const char *claim_status);
/* How the traffic of a finding is attributed, in words. */
const char *rpt_rep_attribution_label(const char *attribution);

/* "Third party", "first party", ... and the category list "a, b". */
const char *rpt_rep_party_label(int party);

/* ---- renderers ---------------------------------------------------------- */

/* Render r to o (borrowed; r is only read).  Each returns 0, or -1 when
 * the stream reports an error or memory ran out. */
int rpt_rep_md(const rpt_rep *r, FILE *o);
int rpt_rep_html(const rpt_rep *r, FILE *o);
int rpt_rep_json(const rpt_rep *r, FILE *o);
/* The object {"manifest":{...}} alone, the text `report --sign` signs;
 * malloc'd, the caller frees it; NULL on ENOMEM. */
char *rpt_rep_manifest_json(const rpt_rep *r);
/* Write the "manifest" member into the open object of json_writer (an
 * rpt_json *, report/json.h; borrowed). */
void rpt_rep_json_manifest(const rpt_rep *r, void *json_writer);

/* CSV (RFC 4180, formula-safe).  table: "findings", "evidence",
 * "endpoints", "tls", "certificates", "countries", "drops", "manifest". */
extern const char *const RPT_REP_CSV_TABLES[];
int rpt_rep_csv(const rpt_rep *r, const char *table, FILE *o);
/* One CSV text cell (quoted when needed, formula prefix applied). */
void rpt_rep_csv_cell(FILE *o, const char *s);

/* Markdown-escape s for inline text (table cells included). */
void rpt_rep_md_text(FILE *o, const char *s);
/* HTML-escape s for element content and quoted attribute values. */
void rpt_rep_html_text(FILE *o, const char *s);

/* SVG charts (report_svg.c), written inline into HTML. */
void rpt_rep_svg_bytes(const rpt_rep *r, FILE *o);
void rpt_rep_svg_timeline(const rpt_rep *r, FILE *o);
void rpt_rep_svg_verdicts(const rpt_rep *r, FILE *o);

#endif

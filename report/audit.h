/* audit.h - the audit engine (issue #5): the flows a client sent during a
 * session, compared with the machine-checkable claims of rules/services,
 * stored as findings with packet evidence.  Verdict classes follow
 * PoliCheck (USENIX Security 2020): clear, vague, omitted, contradicted
 * ("incorrect" there), ambiguous; plus "observed" for facts no claim
 * covers.
 *
 * One run (rpt_audit_run) reads the flows of an evidence database, finds
 * the client(s), attributes every flow the client originated (attrib.h),
 * decides third-party verdicts per organisation (rpt_audit_verdict, a pure
 * function), checks transport, location and cleartext personal data, and
 * writes everything in one transaction into the audit_* / findings tables
 * (schema in DESIGN-audit.md, created on first use).  A run changes
 * nothing else in the database.
 *
 * Ownership: every pointer in rpt_audit_opts is the caller's and only read
 * during the call.  Nothing is kept between calls.
 */
#ifndef MEETAUDIT_AUDIT_H
#define MEETAUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Verdicts, worst first within a severity (enum order is the sort order of
 * the summary). */
enum {
    RPT_V_CONTRADICTED,
    RPT_V_AMBIGUOUS,
    RPT_V_OMITTED,
    RPT_V_VAGUE,
    RPT_V_CLEAR,
    RPT_V_OBSERVED,
    RPT_V_COUNT
};

/* "contradicted", ... ; NULL out of range.  rpt_verdict_index: -1 unknown. */
const char *rpt_verdict_name(int v);
int rpt_verdict_index(const char *name);
/* The design's severity of a third-party verdict: contradicted "high",
 * omitted and ambiguous "medium", vague "low", clear "info". */
const char *rpt_verdict_severity(int v);
/* 0 high, 1 medium, 2 low, 3 info, 4 unknown. */
int rpt_severity_rank(const char *sev);

/* One applicable discloses/denies claim as the verdict sees it (caller's
 * arrays, only read). */
typedef struct rpt_audit_claimref {
    const char *id;
    int denies;               /* 1: denies, 0: discloses */
    const char *const *orgs;  /* organisation ids it lists */
    size_t n_orgs;
    uint32_t categories;      /* RPT_CAT_BIT mask it lists */
} rpt_audit_claimref;

/* The verdict for one organisation and why (indexes into the claims array,
 * -1 when none). */
typedef struct rpt_audit_decision {
    int verdict;      /* RPT_V_* (never OBSERVED) */
    int named;        /* first discloses claim listing the org/an ancestor */
    int kind;         /* first discloses claim listing one of its categories */
    int denied;       /* first denies claim covering it */
    int denied_by_org;           /* 1: that claim lists the org/ancestor */
    uint32_t kind_cats, deny_cats; /* the categories that matched */
} rpt_audit_decision;

/* PoliCheck's decision for an organisation whose id and ancestors are
 * chain[0..n_chain) (any may be NULL) and whose categories are cats:
 * denied and (named or kind) -> ambiguous; denied -> contradicted; named ->
 * clear; kind -> vague; else omitted.  Pure.  Returns the verdict and
 * fills *out (may be NULL). */
int rpt_audit_verdict(const char *const *chain, size_t n_chain,
                      uint32_t cats, const rpt_audit_claimref *claims,
                      size_t n_claims, rpt_audit_decision *out);

/* Options of one run.  Arrays are parallel (keys/values) and in
 * command-line order. */
typedef struct rpt_audit_opts {
    const char *service;       /* "zoom", "meet", "webex", "teams", "auto" */
    const char *rules_dir;     /* NULL: cap_rules_path()'s directory */
    const char *data_dir;      /* NULL: rpt_data_dir(NULL) */
    const char *const *clients; /* --client IPs (text) */
    size_t n_clients;
    const char *baseline_db;   /* an evidence DB (already analysed) or NULL */
    const char *baseline_path; /* what the user gave (pcap or DB), recorded */
    const char *baseline_sha256; /* of baseline_path, or NULL: computed */
    const char *const *ctx_keys, *const *ctx_values;
    size_t n_ctx;
    const char *const *canary_names, *const *canary_values;
    size_t n_canaries;
    const int64_t *input_ids;  /* inputs to audit; n_inputs 0: all */
    size_t n_inputs;
} rpt_audit_opts;

/* Run an audit on the evidence database at db_path (opened read-write; the
 * audit tables are created when absent).  On success returns 0 and stores
 * the run id in *run_id.  Returns 1 on a problem of the inputs (no client
 * found, unknown service, unreadable baseline, ...) and -1 on an internal
 * failure, in both cases with a message in err naming the file. */
int rpt_audit_run(const char *db_path, const rpt_audit_opts *o,
                  int64_t *run_id, char *err, size_t errlen);

/* Print the concise summary of run run_id (0: the newest) of db_path to
 * out.  Returns 0, or -1 with a message in err. */
int rpt_audit_summary(const char *db_path, int64_t run_id, FILE *out,
                      char *err, size_t errlen);

#endif

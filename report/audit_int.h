/* audit_int.h - internals shared by report/audit*.c (not a public API).
 *
 * A run holds the client-originated flows in memory (au_flow, one per flow,
 * attribution already done) and builds findings (au_finding) keyed by
 * finding_key; audit_store.c writes them in one transaction.  Every string
 * in these structures is owned by the structure (malloc'd) and freed by
 * au_run_free().
 */
#ifndef MEETAUDIT_AUDIT_INT_H
#define MEETAUDIT_AUDIT_INT_H

#include "attrib.h"
#include "audit.h"
#include "pii.h"
#include "services.h"

#include <sqlite3.h>

#define AU_MAX_NAMES 16    /* candidate names read per flow */
#define AU_MAX_EVIDENCE 1000 /* frames kept per finding */
#define AU_MAX_SERVICES 8

typedef struct au_flow {
    int64_t id, input_id, first_frame, first_ts, last_ts, bts, btc;
    int ipver, ipproto;
    uint8_t cli[16], srv[16];
    char src_ip[48], dst_ip[48];
    unsigned cli_port, srv_port;
    char *app, *master;
    int n_names;
    char *names[AU_MAX_NAMES], *sources[AU_MAX_NAMES];
    int64_t name_frames[AU_MAX_NAMES];
    /* attribution (rpt_attrib_who on the far end) */
    char *org_id, *org, *parent_org, *domain, *name, *ckey;
    int org_known;            /* org_ref != NULL: our map */
    uint32_t categories, asn;
    char country[3];
    int64_t name_frame;       /* frame of the deciding name, 0 none */
    int party[AU_MAX_SERVICES];
    int inbound;              /* far end is the flow's client */
    int counted;              /* originated by a client of the run */
} au_flow;

typedef struct au_ev {
    int64_t input_id, frame;
    const char *what;         /* static string */
} au_ev;

typedef struct au_finding {
    char *key, *kind, *subtype;
    int verdict;
    const char *severity, *scope, *attribution; /* static strings */
    const rule_claim *claim;
    char *other_claims, *reason, *detail;
    char *org_id, *org, *parent_org, *ckey;
    const char *party;
    uint32_t categories;
    char country[3];
    int64_t bts, btc, first_ts, last_ts;
    int64_t *flows;
    size_t n_flows, cap_flows;
    char **names;
    size_t n_names, cap_names;
    au_ev *ev;
    size_t n_ev, cap_ev;
} au_finding;

typedef struct au_run {
    sqlite3 *db;
    const rpt_audit_opts *o;
    rpt_attrib_src *src;
    rule_services *rules;
    const rule_service *svc;
    int svc_idx;
    char rules_dir[4096];
    char service_how[8];      /* "option" | "auto" */
    char auto_note[256];
    au_flow *flows;
    size_t n_flows, cap_flows;
    /* clients */
    char **clients;
    const char **client_how;
    int64_t *client_flows;
    size_t n_clients;
    /* baseline counterparties */
    char **bg_keys, **bg_org_ids, **bg_orgs, **bg_domains;
    int64_t *bg_flows;
    size_t n_bg;
    /* applicable claims */
    const rule_claim **claims;
    size_t n_claims;
    /* findings */
    au_finding **fnd;
    size_t n_fnd, cap_fnd;
    /* notes recorded with the run ("pii: no cleartext table") */
    char notes[1024];
    sqlite3_stmt *q_tls, *q_http, *q_clear;
    int have_cleartext;
    int oom;
} au_run;

/* audit.c helpers.  Findings are owned by the run (freed with it).
 * au_finding_get: the finding with this key, created (scope session,
 *   attribution of the run, kind NULL) when absent (*created = 1); NULL
 *   and r->oom when memory runs out.
 * au_finding_add_flow: add a flow (id, bytes, times, names, evidence
 *   frames of the flow itself); fl is only read.  0 or -1 (memory).
 * au_finding_add_ev: one evidence frame (what: a static string); frames
 *   <= 0 and frames past AU_MAX_EVIDENCE are ignored.  0 or -1.
 * au_finding_set: kind/subtype (copied), verdict, severity (static).
 * au_strdup: a copy of s ("" for NULL) owned by the caller; NULL and
 *   r->oom when memory runs out.
 * au_attribution: "app" with a baseline, else "session" (static).
 * au_is_background: 1 when the baseline has counterparty ckey. */
au_finding *au_finding_get(au_run *r, const char *key, int *created);
int au_finding_add_flow(au_run *r, au_finding *f, const au_flow *fl);
int au_finding_add_ev(au_finding *f, int64_t input_id, int64_t frame,
                      const char *what);
void au_finding_set(au_finding *f, const char *kind, const char *subtype,
                    int verdict, const char *severity);
char *au_strdup(au_run *r, const char *s);
const char *au_attribution(const au_run *r);
int au_is_background(const au_run *r, const char *ckey);
/* "observed during the session", "sent by the app: not seen in the
 * baseline" or "also seen in the baseline without the app: background". */
const char *au_seen_text(const au_run *r, const char *ckey);

/* The checks, run in this order after the client and the applicable
 * claims are known; each adds findings to r and returns 0, or -1 when
 * memory (or a statement) failed. */
int au_check_third(au_run *r);
int au_check_transport(au_run *r);
int au_check_location(au_run *r);
int au_check_pii(au_run *r);

/* audit_store.c: create the audit tables (0, or -1 with err); write the
 * run in one transaction (0 and *run_id, or -1 with err, nothing
 * written). */
int au_store_schema(sqlite3 *db, char *err, size_t errlen);
int au_store_run(au_run *r, int64_t *run_id, char *err, size_t errlen);

#endif

/* extract_int.h - what extract_cmd.c and extract_sel.c share: the set of
 * flows an evidence pcap is made of.  Private to `meetaudit extract`.
 *
 * Ownership: a rpt_ex_set owns its flows and their DNS frame lists; free it
 * with rpt_ex_set_free().  The database handle is the caller's and only
 * read (prepared SELECTs).  Every function prints its own error message
 * ("meetaudit: ...") on stderr.
 */
#ifndef MEETAUDIT_EXTRACT_INT_H
#define MEETAUDIT_EXTRACT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "packets.h"

typedef struct rpt_ex_flow {
    int64_t id, input_id, pkts;  /* pkts: pkts_toserver + pkts_toclient */
    char src[64], dst[64];       /* addresses as stored */
    rpt_pkt_key key;
    int dns;             /* 1: a DNS flow taken for its answers only */
    uint64_t *dns_frames;        /* its wanted response frames */
    size_t n_dns, cap_dns;
} rpt_ex_flow;

typedef struct rpt_ex_set {
    rpt_ex_flow *v;
    size_t n, cap;
} rpt_ex_set;

void rpt_ex_set_free(rpt_ex_set *s);
/* The flow with this id in s, or NULL (pointer valid until s grows). */
rpt_ex_flow *rpt_ex_set_find(rpt_ex_set *s, int64_t id);


/* Add flow id to s, read from table flows (dns: taken for DNS answers
 * only).  1 added, 0 already there, -1 no such flow (not printed), -2
 * unreadable row or no memory (printed). */
int rpt_ex_add_flow(sqlite3 *db, rpt_ex_set *s, int64_t id, int dns);

/* Does input belong to audit run (audit_inputs)?  run 0: every input. */
int rpt_ex_input_in_run(sqlite3 *db, int64_t run, int64_t input);

/* The flows of finding fid (finding_flows); with run non-zero the finding
 * must belong to it.  0 or -1. */
int rpt_ex_select_finding(sqlite3 *db, int64_t fid, int64_t run,
                          rpt_ex_set *s);

/* The flows whose organisation (rpt_attrib_who(), as `endpoints`) has org
 * or org_id equal to name, case-insensitively, limited to run's inputs
 * when run is non-zero.  rules: the rules directory or NULL.  0 or -1. */
int rpt_ex_select_org(sqlite3 *db, const char *rules, const char *name,
                      int64_t run, rpt_ex_set *s);

/* Add to s the DNS flows (answers only, with their frames) of input that
 * resolved the names or addresses of s's first n_sel flows in that input.
 * 0 or -1. */
int rpt_ex_add_dns(sqlite3 *db, rpt_ex_set *s, size_t n_sel, int64_t input);

#endif

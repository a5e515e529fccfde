/* store_tls.h - private to report/store*.c: the TLS part of the evidence
 * store (tables tls, tls_certs, tls_alerts; schema version 2).
 *
 * store.c owns the database handle and the transaction; these functions
 * own the TLS statements kept in an rpt_tls_stmts that store.c embeds.
 * Every write is a prepared statement with bound parameters.
 */
#ifndef MEETAUDIT_STORE_TLS_H
#define MEETAUDIT_STORE_TLS_H

#include <stdint.h>
#include <sqlite3.h>

#include "../dissect/tls.h"
#include "rowrec.h"

/* CREATE TABLE IF NOT EXISTS for the TLS tables of the current schema. */
extern const char RPT_TLS_SCHEMA[];

typedef struct rpt_tls_stmts {
    sqlite3_stmt *ins_tls, *ins_cert, *ins_alert;
    sqlite3_stmt *del_alerts, *del_certs, *del_tls;
    sqlite3_stmt *ins_ndpi, *del_ndpi;
} rpt_tls_stmts;

/* Upgrade the TLS tables of a schema-version-1 database to version 2 (new
 * columns; new tables come from RPT_TLS_SCHEMA).  Rows stored by version 1
 * get NULL in the new columns: not observed.  0 or an SQLite code. */
int rpt_tls_migrate_v1(sqlite3 *db);

/* Prepare / finalize the statements (finalize accepts a zeroed struct). */
int rpt_tls_prepare(sqlite3 *db, rpt_tls_stmts *st);
void rpt_tls_finalize(rpt_tls_stmts *st);

/* Delete the TLS rows of every flow of an input (before its flows go). */
int rpt_tls_delete_input(rpt_tls_stmts *st, int64_t input_id);

/* Write down the TLS rows of one flow (tls, then tls_certs, tls_alerts;
 * their flow_id a placeholder); ti is only read.  Nothing when the flow
 * showed no hello, certificate or alert. */
void rpt_tls_render(rpt_rows *r, const dis_tls_info *ti);

/* Write down nDPI's own JA3 / JA3S of a flow (hex strings; NULL or "" when
 * nDPI gave none: no row when both are empty). */
void rpt_tls_render_ndpi(rpt_rows *r, const char *ja3, const char *ja3s);

/* The insert statement of a TLS row kind (RPT_ROW_TLS, _CERT, _ALERT,
 * _NDPI), NULL for another kind. */
sqlite3_stmt *rpt_tls_stmt(const rpt_tls_stmts *st, int kind);

#endif

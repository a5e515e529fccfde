/* store_clear.h - private to report/store*.c: the cleartext table of the
 * evidence store (schema version 3): the client's HTTP requests and first
 * payload bytes (dissect/cleartext.h).
 *
 * store.c owns the database handle and the transaction; these functions own
 * the statements kept in an rpt_clear_stmts that store.c embeds.  Every
 * write is a prepared statement with bound parameters.
 */
#ifndef MEETAUDIT_STORE_CLEAR_H
#define MEETAUDIT_STORE_CLEAR_H

#include <stdint.h>
#include <sqlite3.h>

#include "../dissect/flow.h"
#include "rowrec.h"

/* CREATE TABLE IF NOT EXISTS for the cleartext table and its index. */
extern const char RPT_CLEAR_SCHEMA[];

typedef struct rpt_clear_stmts {
    sqlite3_stmt *ins, *del_clear;
} rpt_clear_stmts;

/* Prepare / finalize the statements (finalize accepts a zeroed struct). */
int rpt_clear_prepare(sqlite3 *db, rpt_clear_stmts *st);
void rpt_clear_finalize(rpt_clear_stmts *st);

/* Delete the cleartext rows of an input (before its flows go).  0 or an
 * SQLite code. */
int rpt_clear_delete_input(rpt_clear_stmts *st, int64_t input_id);

/* Write down the cleartext rows of one flow (flow and input ids as
 * placeholders; the bytes copied); f is only read. */
void rpt_clear_render(rpt_rows *r, const dis_flow *f);

#endif

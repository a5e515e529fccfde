/* dbutil.h - small helpers over an evidence database handle, shared by
 * the commands of report/ (audit, endpoints, extract, report) and the
 * store's writers (store.c, store_tls.c, store_clear.c).
 *
 * Ownership: the caller owns the sqlite3 handle; nothing is kept.
 */
#ifndef MEETAUDIT_DBUTIL_H
#define MEETAUDIT_DBUTIL_H

#include <sqlite3.h>

/* Non-zero when the database has a table called name (optional tables:
 * capture_stats, cleartext, the audit tables of an older database). */
int rpt_db_has_table(sqlite3 *db, const char *name);

/* Step a bound write statement once, then reset it and clear its
 * bindings (so that no value is left for the next use): SQLITE_OK when it
 * ran to completion, else SQLite's code.  The statement stays the
 * caller's. */
int rpt_db_step_done(sqlite3_stmt *q);

#endif

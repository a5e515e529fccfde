/* dbutil.h - small read-only helpers over an evidence database handle,
 * shared by the commands of report/ (audit, endpoints, extract, report).
 *
 * Ownership: the caller owns the sqlite3 handle; nothing is kept.
 */
#ifndef MEETAUDIT_DBUTIL_H
#define MEETAUDIT_DBUTIL_H

#include <sqlite3.h>

/* Non-zero when the database has a table called name (optional tables:
 * capture_stats, cleartext, the audit tables of an older database). */
int rpt_db_has_table(sqlite3 *db, const char *name);

#endif

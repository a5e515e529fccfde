/* store_ckpt.h - checkpoints of an evidence store's write-ahead log from a
 * second connection, so that a thread other than the store's writer can
 * copy the log into the database file while the writer goes on inserting.
 *
 * Used by capture/pipeline.c at the end of an input: a checkpointer
 * thread, asked by the packet thread after every batch of flows it has
 * rendered (RPT_BATCH), checkpoints while the writer thread stores the
 * flows still open (about a quarter of the writer's time was its own
 * checkpoints).  The store's automatic checkpoints are switched off for
 * that time and on again after.
 *
 * Ownership: an rpt_ckpt owns its own sqlite3 connection to the store's
 * file and nothing else; it must be closed before the store is.  One
 * thread at a time uses it.
 */
#ifndef MEETAUDIT_STORE_CKPT_H
#define MEETAUDIT_STORE_CKPT_H

#include "store.h"

typedef struct rpt_ckpt rpt_ckpt;

/* Open a checkpointer on the file of s (the caller owns s at the time).
 * 0, or -1 when there is none to have (an in-memory or temporary store,
 * the file cannot be opened again): the caller then leaves checkpoints to
 * the store. */
int rpt_ckpt_open(rpt_store *s, rpt_ckpt **out);

/* Copy every committed frame of the log into the database file that no
 * reader still needs, without waiting for anyone (SQLite's PASSIVE
 * checkpoint).  0 (also when another checkpoint was running), or an
 * SQLite code.  log_frames and copied (each may be NULL) get the frames in
 * the log and those now in the file, as sqlite3_wal_checkpoint_v2 says. */
int rpt_ckpt_run(rpt_ckpt *c, int *log_frames, int *copied);

void rpt_ckpt_close(rpt_ckpt *c);

/* Switch the store's own automatic checkpoints off (0) or back on
 * (SQLite's default, every 1000 pages of log).  Called by the thread that
 * owns s at the time. */
void rpt_store_autocheckpoint(rpt_store *s, int on);

#endif

/* pipeline_int.h - the packet pipeline's state, shared by its two files:
 * pipeline.c (the packet thread's side and the API) and pipeline_writer.c
 * (the writer and checkpointer threads).  The invariants are pipeline.c's
 * essay; nothing outside capture/pipeline*.c includes this.
 */
#ifndef MEETAUDIT_PIPELINE_INT_H
#define MEETAUDIT_PIPELINE_INT_H

#include "pipeline.h"
#include "pcapin.h"
#include "prefault.h"

#include "../report/rowrec.h"
#include "../report/store.h"
#include "../report/store_ckpt.h"

#include <pthread.h>
#include <stdint.h>

#define QUEUE_MAX 4096   /* flows waiting for the writer */
#define TAKE_MAX 256     /* flows the writer takes per lock */
#define WAKE_MIN 64      /* queued flows that wake the writer at once */
#define WAKE_MS 100      /* longest a queued flow waits for the writer */
/* Rendered rows waiting, at most (about): the writer is the slower side
 * at the end, a megabyte keeps it fed, and every byte here is peak RSS. */
#define QUEUE_BYTES (1u << 20)
/* Flows stored between the writer's checkpoint requests: one of the
 * store's batches, since only committed batches can be copied.  Whatever
 * the last checkpoint left in the log is copied when the store closes,
 * after everything else, with its two syncs and the log's removal on the
 * clock: at the end of big.pcap, with a request every four batches that
 * took 0.20 s on this VM's disk, with one every batch 0.08-0.12 s. */
#define CKPT_EVERY RPT_BATCH

#define SPARE_BYTES (1u << 19) /* emptied row buffers kept for reuse */
#define PREFAULT_EVERY 64      /* packets between two heap prefault steps */
#define STEAL_RUN 16           /* flows steal() claims at a time */
/* Bytes of the input the writer hashes between two looks at the queue:
 * about 0.7 ms of SHA-256 on the benchmark machine. */
#define HASH_STEP (1u << 20)

/* A buffer of rendered rows; the writer hands emptied ones back (spare
 * list) for the packet thread to reuse, so every buffer is allocated and
 * freed on the packet thread (see "Memory is freed by ..." above). */
typedef struct rbuf {
    rpt_rows r;
    struct rbuf *next;
} rbuf;

/* A queued flow: the flow itself, or (end of input) its rendered rows. */
typedef struct qitem {
    dis_flow *f;
    rbuf *rows;
    int claimed;   /* the packet thread is rendering f (see steal()) */
} qitem;

struct cap_pipeline {
    rpt_store *st;
    dis_flowtab *ft;
    int64_t id;
    int dlt;
    rpt_input_end e;
    uint64_t ended;           /* flows handed to the sink */
    cap_flow_fn obs;
    void *obs_ctx;
    uint64_t *seen;           /* bit per flow seq: SEEN reported */
    size_t seen_words;
    cap_prefault pf;          /* packet thread's heap growth (prefault.c) */

    /* Input row begun by the writer (m->sha256 was NULL): copies of m. */
    char *path, *name, *ltname, *format;
    int64_t size;
    char sha[65];
    int64_t dup_id;           /* an input with that hash already finished */

    /* Writer thread and its queue (all under mu). */
    pthread_t th;
    int th_started;
    pthread_mutex_t mu;
    pthread_cond_t more, room, idle;
    qitem q[QUEUE_MAX];
    size_t q_head, q_len;
    size_t q_bytes;           /* buffers of the rendered rows queued */
    rbuf *spare;              /* emptied row buffers, for the packet thread */
    size_t spare_bytes;
    rbuf *next_rb;            /* packet thread: taken from spare, unused */
    dis_flow *dead;           /* flows the writer is done with, for the
                                 packet thread to free (linked by next) */
    int render;               /* end of input: the packet thread renders */
    int no_steal;             /* tests: steal() never renders */
    uint64_t stolen;          /* flows steal() rendered */
    rpt_ckpt *ckpt;           /* the checkpointer's connection, or NULL */
    uint64_t stored;          /* writer: flows stored (checkpoint requests) */
    /* The checkpointer thread: started and joined by the packet thread;
     * ck_want and ck_stop under ck_mu. */
    pthread_t ck_th;
    int ck_started;
    pthread_mutex_t ck_mu;
    pthread_cond_t ck_cv;
    int ck_want, ck_stop;
    int busy;                 /* flows taken off the queue, not yet done */
    int closing;              /* no more flows: the writer exits when done */
    int flushing;             /* drain() waits: take queued flows at once */
    int discard;              /* free queued flows without storing them */
    int ready;                /* the input row exists (pl->id valid) */
    int hashed;               /* ... and has its hash (pl->sha) */
    int werr;                 /* first writer error, CAP_PIPE_* */
    char wmsg[600];           /* its message when not the store's */
};

/* The writer's first error (CAP_PIPE_*), or 0; takes mu. */
int cap_pipe_writer_err(cap_pipeline *pl);

/* The writer thread (pthread start routine; arg is the pipeline). */
void *cap_pipe_writer(void *arg);

/* The checkpointer thread (arg is the pipeline; uses pl->ckpt alone). */
void *cap_pipe_checkpointer(void *arg);

#endif

/* pipeline_writer.c - the packet pipeline's writer thread (stores the flows
 * handed over, hashing the input in between when asked) and its
 * checkpointer thread.
 *
 * Invariants (the whole pipeline's are in pipeline.c's essay)
 * ----------
 * - The writer is the only thread that uses the store while it runs; the
 *   checkpointer only its own connection (pl->ckpt).
 * - Queue, dead list, spare buffers and flags are read and written under
 *   pl->mu; flows and row buffers taken off the queue are the writer's
 *   until it hands them back (dead list, spare list), and it frees none of
 *   the packet thread's memory but row buffers past SPARE_BYTES.
 * - A queued item the packet thread has claimed (it renders the flow) is
 *   never taken: the writer takes items from the head up to the first
 *   claimed one, and waits when the head is claimed.
 * - Until the input's hash is known (pl->hashed), every stored flow is in
 *   the store's open transaction; a hash naming a finished input, a failed
 *   hash or a pipeline dropped before the hash rolls all of it back.
 */
#define _GNU_SOURCE
#include "pipeline_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The writer's first error, or 0. */
int cap_pipe_writer_err(cap_pipeline *pl)
{
    pthread_mutex_lock(&pl->mu);
    int e = pl->werr;
    pthread_mutex_unlock(&pl->mu);
    return e;
}

static void set_err(cap_pipeline *pl, int e, const char *msg)
{
    pthread_mutex_lock(&pl->mu);
    if (!pl->werr) {
        pl->werr = e;
        if (msg)
            snprintf(pl->wmsg, sizeof(pl->wmsg), "%s", msg);
    }
    pthread_mutex_unlock(&pl->mu);
}

/* Checkpointer thread: runs a checkpoint of pl->ckpt each time it is asked,
 * until told to stop.  pl->ckpt is used by this thread alone while it runs
 * (opened before it starts, closed after it is joined). */
void *cap_pipe_checkpointer(void *arg)
{
    cap_pipeline *pl = arg;
    pthread_mutex_lock(&pl->ck_mu);
    for (;;) {
        while (!pl->ck_want && !pl->ck_stop)
            pthread_cond_wait(&pl->ck_cv, &pl->ck_mu);
        if (!pl->ck_want)
            break;
        pl->ck_want = 0;
        pthread_mutex_unlock(&pl->ck_mu);
        /* A failed checkpoint loses nothing: the frames stay in the log
         * and the store copies them later (at the latest when closed). */
        (void)rpt_ckpt_run(pl->ckpt, NULL, NULL);
        pthread_mutex_lock(&pl->ck_mu);
    }
    pthread_mutex_unlock(&pl->ck_mu);
    return NULL;
}

/* Ask the checkpointer for a checkpoint (writer, after a batch). */
static void want_checkpoint(cap_pipeline *pl)
{
    pthread_mutex_lock(&pl->ck_mu);
    pl->ck_want = 1;
    pthread_cond_signal(&pl->ck_cv);
    pthread_mutex_unlock(&pl->ck_mu);
}

/* Writer: the input's hash is known.  Duplicate or not (see
 * rpt_store_input_hashed); 0 when analysis goes on. */
static int hash_known(cap_pipeline *pl, int64_t size)
{
    int64_t old = 0;
    int rc = rpt_store_input_hashed(pl->st, pl->id, pl->sha, size, &old);
    if (!rc && old > 0) {
        pthread_mutex_lock(&pl->mu);
        pl->dup_id = old;
        pl->ready = 0;         /* the row was rolled back */
        pthread_mutex_unlock(&pl->mu);
        set_err(pl, CAP_PIPE_EDUP, NULL);
        return -1;
    }
    if (rc) {
        rpt_store_input_abandon(pl->st);
        pthread_mutex_lock(&pl->mu);
        pl->ready = 0;         /* rolled back too */
        pthread_mutex_unlock(&pl->mu);
        set_err(pl, CAP_PIPE_ESTORE, NULL);
        return -1;
    }
    pthread_mutex_lock(&pl->mu);
    pl->size = size;
    pl->hashed = 1;
    pthread_mutex_unlock(&pl->mu);
    return 0;
}

/* Writer: hash HASH_STEP more bytes of the input; at its end, settle the
 * input (hash_known).  Frees *h when done or failed. */
static void hash_step(cap_pipeline *pl, cap_hasher **h)
{
    char herr[512];
    int64_t size = 0;
    int r = cap_hash_step(*h, HASH_STEP, pl->sha, &size, herr, sizeof(herr));
    if (r == 0)
        return;
    cap_hash_free(*h);
    *h = NULL;
    if (r < 0) {
        pl->sha[0] = 0;
        rpt_store_input_abandon(pl->st);
        pthread_mutex_lock(&pl->mu);
        pl->ready = 0;
        pthread_mutex_unlock(&pl->mu);
        set_err(pl, CAP_PIPE_EHASH, herr);
        return;
    }
    (void)hash_known(pl, size);
}

/* Writer (under mu): something to do: flows at the head of the queue that
 * the packet thread is not rendering, the hash while the queue is not
 * behind, or the end. */
static int writer_has_work(const cap_pipeline *pl, const cap_hasher *h)
{
    if (pl->closing)
        return 1;
    if (pl->q_len && !pl->q[pl->q_head].claimed)
        return 1;
    return h && pl->q_len < QUEUE_MAX / 2;
}

/* Writer: begin the input if asked (unhashed, hashed between flows), then
 * store and free flows. */
void *cap_pipe_writer(void *arg)
{
    cap_pipeline *pl = arg;
    cap_hasher *h = NULL;
    if (!pl->ready) {
        char herr[512];
        rpt_input_meta m = { pl->path, pl->name, pl->size, NULL, pl->dlt,
                             pl->ltname, pl->format };
        int64_t id = 0;
        if (cap_hash_open(pl->path, &h, herr, sizeof(herr)) != 0) {
            set_err(pl, CAP_PIPE_EHASH, herr);
        } else if (rpt_store_input_begin_unhashed(pl->st, &m, &id) != 0) {
            cap_hash_free(h);
            h = NULL;
            rpt_store_input_abandon(pl->st);
            set_err(pl, CAP_PIPE_ESTORE, NULL);
        } else {
            pthread_mutex_lock(&pl->mu);
            pl->id = id;
            pl->ready = 1;
            pthread_mutex_unlock(&pl->mu);
        }
    }
    qitem take[TAKE_MAX];
    pthread_mutex_lock(&pl->mu);
    pthread_cond_broadcast(&pl->idle);  /* ready, or failed: drain() waits */
    for (;;) {
        if (h && (pl->werr || pl->discard)) {
            /* Nothing will be kept: no need for the hash. */
            cap_hash_free(h);
            h = NULL;
            pthread_mutex_unlock(&pl->mu);
            rpt_store_input_abandon(pl->st);
            pthread_mutex_lock(&pl->mu);
            pl->ready = 0;
        }
        while (!writer_has_work(pl, h))
            pthread_cond_wait(&pl->more, &pl->mu);
        if (!h && !pl->q_len)
            break;
        /* A run of flows, or WAKE_MS after the first one came. */
        if (!h && pl->q_len < WAKE_MIN && !pl->closing && !pl->flushing) {
            struct timespec dl;
            clock_gettime(CLOCK_MONOTONIC, &dl);
            dl.tv_nsec += WAKE_MS * 1000000L;
            if (dl.tv_nsec >= 1000000000L) {
                dl.tv_sec += dl.tv_nsec / 1000000000L;
                dl.tv_nsec %= 1000000000L;
            }
            while (pl->q_len < WAKE_MIN && !pl->closing && !pl->flushing &&
                   pthread_cond_timedwait(&pl->more, &pl->mu, &dl) == 0)
                ;
        }
        /* Still hashing: a slice of the file whenever the queue is not
         * behind (at the latest once the flows stop coming). */
        if (h && pl->q_len < QUEUE_MAX / 2) {
            pthread_mutex_unlock(&pl->mu);
            hash_step(pl, &h);
            pthread_mutex_lock(&pl->mu);
            if (!h)
                pthread_cond_broadcast(&pl->idle); /* drain() waits */
        }
        size_t n = 0;
        while (pl->q_len && n < TAKE_MAX && !pl->q[pl->q_head].claimed) {
            take[n] = pl->q[pl->q_head];
            if (take[n].rows)
                pl->q_bytes -= take[n].rows->r.cap;
            n++;
            pl->q_head = (pl->q_head + 1) % QUEUE_MAX;
            pl->q_len--;
        }
        if (!n)
            continue;
        pl->busy += (int)n;
        int failed = pl->werr != 0 || pl->discard;
        pthread_cond_signal(&pl->room);
        pthread_mutex_unlock(&pl->mu);
        rbuf *done = NULL;
        dis_flow *dead = NULL, *dead_last = NULL;
        for (size_t i = 0; i < n; i++) {
            int rc = 0;
            if (!failed)
                rc = take[i].rows
                         ? rpt_store_rows(pl->st, pl->id, &take[i].rows->r)
                         : rpt_store_flow(pl->st, pl->id, take[i].f);
            if (rc) {
                set_err(pl, CAP_PIPE_ESTORE, NULL);
                failed = 1;
            }
            if (take[i].rows) {
                take[i].rows->next = done;
                done = take[i].rows;
            }
            if (take[i].f) {            /* freed on the packet thread */
                take[i].f->next = NULL;
                if (dead_last)
                    dead_last->next = take[i].f;
                else
                    dead = take[i].f;
                dead_last = take[i].f;
            }
        }
        /* A batch committed: the checkpointer may copy it. */
        if (pl->ckpt && !failed &&
            (pl->stored + n) / CKPT_EVERY != pl->stored / CKPT_EVERY)
            want_checkpoint(pl);
        pl->stored += n;
        pthread_mutex_lock(&pl->mu);
        if (dead) {
            dead_last->next = pl->dead;
            pl->dead = dead;
        }
        while (done) {
            rbuf *b = done;
            done = b->next;
            if (pl->spare_bytes + b->r.cap > SPARE_BYTES) {
                rpt_rows_free(&b->r); /* rare: past the cap */
                free(b);
                continue;
            }
            rpt_rows_reset(&b->r);
            pl->spare_bytes += b->r.cap;
            b->next = pl->spare;
            pl->spare = b;
        }
        pl->busy -= (int)n;
        if (!pl->q_len && !pl->busy)
            pthread_cond_broadcast(&pl->idle);
    }
    pthread_cond_broadcast(&pl->idle);
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

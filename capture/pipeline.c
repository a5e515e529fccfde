/* pipeline.c - one input's packet pipeline, shared by `analyze` and `capture`.
 *
 * Invariants
 * ----------
 * - Frame numbers start at 1 for every input and count every record handed
 *   in, decodable or not, exactly as Wireshark numbers a file's frames; so a
 *   live capture written to a pcap and that pcap analysed later give the
 *   same frame numbers, flows and rows.
 * - Every frame is either an IP packet accounted to a flow or counted as
 *   skipped (malformed ones also as malformed); nothing is dropped silently.
 * - The observer sees each flow at most once as SEEN (while open) and
 *   exactly once as END (just before the store gets it).  Looking for an
 *   early name costs at most CAP_PIPE_NAME_PKTS calls of dis_flow_hostname()
 *   per flow; a bit per flow (by its creation number) remembers which flows
 *   were reported, so memory is one bit per flow of the input.
 * - Early names need the flow table to say which flow the last packet went
 *   to (dis_flowtab_last(), announced by DIS_FLOWTAB_HAS_LAST in flow.h).
 *   Without it flows are reported only when they end.
 *
 * Threads
 * -------
 * - The packet path (decode, flow table, nDPI, our dissectors, the
 *   observer) runs on the caller's thread.  Flows that leave the table are
 *   handed, in the order they leave it, to one writer thread that stores
 *   them (rpt_store_flow); so rows, ids and batches are exactly those of a
 *   single-threaded run.  The queue holds at most QUEUE_MAX flows: a
 *   producer faster than SQLite waits, memory stays bounded.
 * - Memory is freed by the thread that allocated it: the writer hands the
 *   flows it has stored back (the dead list) and the packet thread frees
 *   them the next time it hands a flow over or waits for the writer (a
 *   free() on the writer of the packet thread's memory waits on that
 *   thread's malloc arena, and the packet thread's next malloc then wakes
 *   it: a futex call on each side, a few percent of the packet thread on
 *   the benchmark capture).  The dead list holds at most the flows the
 *   writer took since the packet thread last looked: QUEUE_MAX + TAKE_MAX.
 * - The writer is woken when a flow lands in an empty queue and again when
 *   WAKE_MIN are waiting; between the two it sleeps at most WAKE_MS, so
 *   flows are taken in runs rather than one wake-up (a futex system call on
 *   each side) per flow, and a trickle of flows (live capture) is still
 *   stored within WAKE_MS.  drain() and the end of the input take whatever
 *   is queued at once.
 * - At the end of an input (cap_pipeline_flush) the packet thread has
 *   nothing left to do but hand over the flows still open, often most of
 *   them (a capture cut in the middle of calls).  It then renders each flow
 *   into its rows itself (rpt_store_render: names, Community ID, JSON
 *   lists, copies of the cleartext) and frees it, so the writer only binds
 *   and steps.  The log checkpoints run meanwhile from a second connection
 *   (report/store_ckpt.c) with the store's own switched off, on a third
 *   thread, the checkpointer: the packet thread asks for one every
 *   CKPT_EVERY flows (a request made while one runs is remembered, once)
 *   and does not wait for it.  A checkpoint reads the log, writes the file
 *   and syncs both, 10-60 ms each on the benchmark capture; run on the
 *   packet thread it stopped the rendering, and the writer, fed no more
 *   rows, went idle (about a sixth of big.pcap's end-of-file time).  If the
 *   checkpointer cannot be started, the packet thread runs the
 *   checkpoints itself.  Rendered rows are bounded too: the sink waits while
 *   QUEUE_BYTES of them are queued.  Rows and their order are those of the
 *   writer rendering itself; only one thread renders at a time (the queue
 *   is drained first).
 * - Every PREFAULT_EVERY IP packets the packet thread populates the pages
 *   its heap has grown by since the last time (capture/prefault.c), so
 *   that it does not fault on them one at a time.
 * - While the writer runs, the caller never touches the store: everything
 *   it does with it happens before the writer starts, or after
 *   cap_pipeline_flush() has drained the queue (the writer is then idle
 *   until more flows come, and the caller may use the store between
 *   flushes only when no packet is being processed: live.c's rotation).
 * - When the input has no hash yet (m->sha256 NULL), the writer first
 *   hashes the file and begins the input row itself, so the hash costs the
 *   packet path nothing; no flow is stored before the input row exists.
 *   If the hash names an input already finished in the store, nothing is
 *   written and cap_pipeline_duplicate() says so.
 * - The first error of the writer (hash, store) is kept; from then on flows
 *   are only freed, and the sink returns the error so the caller stops.
 * - The writer blocks every signal: handlers run on the caller's thread,
 *   where the capture loop expects them.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "pipeline.h"
#include "pcapin.h"
#include "prefault.h"

#include "../dissect/applayer.h"
#include "../dissect/decode.h"
#include "../report/store_ckpt.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_MAX 4096   /* flows waiting for the writer */
#define TAKE_MAX 256     /* flows the writer takes per lock */
#define WAKE_MIN 64      /* queued flows that wake the writer at once */
#define WAKE_MS 100      /* longest a queued flow waits for the writer */
/* Rendered rows waiting, at most (about): the writer is the slower side
 * at the end, a megabyte keeps it fed, and every byte here is peak RSS. */
#define QUEUE_BYTES (1u << 20)
/* Flows rendered between the packet thread's checkpoint requests (end of
 * input): one of the store's batches, since only committed batches can be
 * copied.  Whatever the last checkpoint left in the log is copied when the
 * store closes, after everything else, with its two syncs and the log's
 * removal on the clock: with a request every four batches that took 0.20
 * s of big.pcap's run on this VM's disk, with one every batch 0.08-0.12 s;
 * the checkpoints in between overlap the writer. */
#define CKPT_EVERY RPT_BATCH

#define SPARE_BYTES (1u << 19) /* emptied row buffers kept for reuse */
#define PREFAULT_EVERY 64      /* packets between two heap prefault steps */

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
    rpt_ckpt *ckpt;           /* ... and checkpoints (NULL: the writer does) */
    /* The checkpointer thread (end of input): started and joined by the
     * packet thread; ck_want and ck_stop under ck_mu. */
    pthread_t ck_th;
    int ck_started;
    pthread_mutex_t ck_mu;
    pthread_cond_t ck_cv;
    int ck_want, ck_stop;
    unsigned rendered;
    int busy;                 /* flows taken off the queue, not yet done */
    int closing;              /* no more flows: the writer exits when done */
    int flushing;             /* drain() waits: take queued flows at once */
    int discard;              /* free queued flows without storing them */
    int ready;                /* the input row exists (pl->id valid) */
    int werr;                 /* first writer error, CAP_PIPE_* */
    char wmsg[600];           /* its message when not the store's */
};

/* The writer's first error, or 0. */
static int writer_err(cap_pipeline *pl)
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

/* Writer: hash and begin the input if asked, then store and free flows. */
static void *writer(void *arg)
{
    cap_pipeline *pl = arg;
    int ok = 1;
    if (!pl->ready) {
        char herr[512];
        int64_t size = 0;
        if (cap_sha256_file(pl->path, pl->sha, &size, herr, sizeof(herr))) {
            set_err(pl, CAP_PIPE_EHASH, herr);
            ok = 0;
        }
        int64_t old = 0;
        char status[32];
        if (ok && rpt_store_input_find(pl->st, pl->sha, &old, status,
                                       sizeof(status)) == 1 &&
            strcmp(status, "analysing") != 0) {
            pl->dup_id = old;
            set_err(pl, CAP_PIPE_EDUP, NULL);
            ok = 0;
        }
        if (ok) {
            rpt_input_meta m = { pl->path, pl->name, size, pl->sha, pl->dlt,
                                 pl->ltname, pl->format };
            int64_t id = 0;
            if (rpt_store_input_begin(pl->st, &m, &id) != 0) {
                set_err(pl, CAP_PIPE_ESTORE, NULL);
                ok = 0;
            } else {
                pthread_mutex_lock(&pl->mu);
                pl->id = id;
                pl->size = size;
                pl->ready = 1;
                pthread_mutex_unlock(&pl->mu);
            }
        }
    }
    qitem take[TAKE_MAX];
    pthread_mutex_lock(&pl->mu);
    pthread_cond_broadcast(&pl->idle);  /* ready, or failed: drain() waits */
    for (;;) {
        while (!pl->q_len && !pl->closing)
            pthread_cond_wait(&pl->more, &pl->mu);
        if (!pl->q_len)
            break;
        /* A run of flows, or WAKE_MS after the first one came. */
        if (pl->q_len < WAKE_MIN && !pl->closing && !pl->flushing) {
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
        size_t n = 0;
        while (pl->q_len && n < TAKE_MAX) {
            take[n] = pl->q[pl->q_head];
            if (take[n].rows)
                pl->q_bytes -= take[n].rows->r.cap;
            n++;
            pl->q_head = (pl->q_head + 1) % QUEUE_MAX;
            pl->q_len--;
        }
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

/* Free a list of flows linked by next (packet thread). */
static void free_flows(dis_flow *f)
{
    while (f) {
        dis_flow *n = f->next;
        dis_flow_free(f);
        f = n;
    }
}

/* Free the spare row buffers (packet thread; the writer idle or gone). */
static void free_spares(cap_pipeline *pl)
{
    rbuf *b = pl->spare;
    if (pl->next_rb) {
        pl->next_rb->next = b;
        b = pl->next_rb;
    }
    while (b) {
        rbuf *n = b->next;
        rpt_rows_free(&b->r);
        free(b);
        b = n;
    }
    pl->spare = pl->next_rb = NULL;
    pl->spare_bytes = 0;
}

/* Start fn(arg) on a thread named name with every signal blocked (handlers
 * run on the caller's thread, where the capture loop expects them).
 * Returns pthread_create's result. */
static int spawn(pthread_t *th, void *(*fn)(void *), void *arg,
                 const char *name)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(th, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0)
        pthread_setname_np(*th, name); /* for top -H, perf */
    return rc;
}

/* Set *flag under mu, wake the thread waiting on cv and join it. */
static void tell_and_join(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag,
                          pthread_t th)
{
    pthread_mutex_lock(mu);
    *flag = 1;
    pthread_cond_signal(cv);
    pthread_mutex_unlock(mu);
    pthread_join(th, NULL);
}

/* Checkpointer thread: runs a checkpoint of pl->ckpt each time it is asked,
 * until told to stop.  pl->ckpt is used by this thread alone while it runs
 * (opened before it starts, closed after it is joined). */
static void *checkpointer(void *arg)
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

/* Ask for a checkpoint (packet thread, end of input): the checkpointer's,
 * or one run here when there is no checkpointer. */
static void want_checkpoint(cap_pipeline *pl)
{
    if (!pl->ck_started) {
        (void)rpt_ckpt_run(pl->ckpt, NULL, NULL);
        return;
    }
    pthread_mutex_lock(&pl->ck_mu);
    pl->ck_want = 1;
    pthread_cond_signal(&pl->ck_cv);
    pthread_mutex_unlock(&pl->ck_mu);
}

/* Start the checkpointer for pl->ckpt; on failure the packet thread runs
 * the checkpoints itself. */
static void start_checkpointer(cap_pipeline *pl)
{
    pl->ck_want = pl->ck_stop = 0;
    pl->ck_started = spawn(&pl->ck_th, checkpointer, pl, "meetaudit-ckpt") == 0;
}

/* Let the checkpointer finish what it was asked (at most one checkpoint
 * more) and join it. */
static void stop_checkpointer(cap_pipeline *pl)
{
    if (!pl->ck_started)
        return;
    tell_and_join(&pl->ck_mu, &pl->ck_cv, &pl->ck_stop, pl->ck_th);
    pl->ck_started = 0;
}

/* Flow table sink (packet thread): observer, then hand the flow over. */
static int sink(void *ctx, dis_flow *f)
{
    cap_pipeline *pl = ctx;
    pl->ended++;
    if (pl->obs) {
        char buf[DIS_DNS_NAME_MAX];
        const char *src = NULL;
        const char *name = dis_flow_hostname(f, &src, buf, sizeof(buf));
        pl->obs(pl->obs_ctx, CAP_FLOW_END, f, name, name ? src : NULL);
    }
    qitem it = { f, NULL };
    if (pl->render) {
        /* The writer only inserts; rendering and freeing happen here. */
        rbuf *b = pl->next_rb;
        pl->next_rb = NULL;
        if (!b && (b = malloc(sizeof(*b))) != NULL)
            rpt_rows_init(&b->r);
        if (b) {
            rpt_store_render(&b->r, f);
            dis_flow_free(f);
            it.f = NULL;
            it.rows = b;
        }
    }
    pthread_mutex_lock(&pl->mu);
    while (pl->q_len == QUEUE_MAX ||
           (it.rows && pl->q_len && pl->q_bytes > QUEUE_BYTES))
        pthread_cond_wait(&pl->room, &pl->mu);
    pl->q[(pl->q_head + pl->q_len) % QUEUE_MAX] = it;
    pl->q_len++;
    if (it.rows)
        pl->q_bytes += it.rows->r.cap;
    if (pl->render && !pl->next_rb && pl->spare) {
        pl->next_rb = pl->spare;
        pl->spare = pl->spare->next;
        pl->spare_bytes -= pl->next_rb->r.cap;
    }
    int e = pl->werr;
    if (pl->q_len == 1 || pl->q_len == WAKE_MIN)
        pthread_cond_signal(&pl->more);
    dis_flow *dead = pl->dead;
    pl->dead = NULL;
    pthread_mutex_unlock(&pl->mu);
    free_flows(dead);
    if (pl->ckpt && it.rows && ++pl->rendered % CKPT_EVERY == 0)
        want_checkpoint(pl);
    return e;
}

/* Wait until the writer has stored (or dropped) every queued flow. */
static void drain(cap_pipeline *pl)
{
    if (!pl->th_started)
        return;
    pthread_mutex_lock(&pl->mu);
    pl->flushing = 1;
    pthread_cond_signal(&pl->more);
    while (pl->q_len || pl->busy || (!pl->ready && !pl->werr))
        pthread_cond_wait(&pl->idle, &pl->mu);
    pl->flushing = 0;
    dis_flow *dead = pl->dead;
    pl->dead = NULL;
    pthread_mutex_unlock(&pl->mu);
    free_flows(dead);
}

/* Stop the writer (after it has handled every queued flow). */
static void stop_writer(cap_pipeline *pl)
{
    if (!pl->th_started)
        return;
    tell_and_join(&pl->mu, &pl->more, &pl->closing, pl->th);
    pl->th_started = 0;
}

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

int cap_pipeline_begin(rpt_store *st, dis_classifier *cls,
                       const dis_flow_opts *fo, const rpt_input_meta *m,
                       int dlt, cap_pipeline **out)
{
    *out = NULL;
    cap_pipeline *pl = calloc(1, sizeof(*pl));
    if (!pl)
        return CAP_PIPE_ENOMEM;
    pl->st = st;
    pl->dlt = dlt;
    pl->e.status = "complete";
    cap_prefault_init(&pl->pf);
    pthread_mutex_init(&pl->mu, NULL);
    pthread_mutex_init(&pl->ck_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pl->more, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&pl->room, NULL);
    pthread_cond_init(&pl->idle, NULL);
    pthread_cond_init(&pl->ck_cv, NULL);
    if (m->sha256) {
        if (rpt_store_input_begin(st, m, &pl->id) != 0) {
            cap_pipeline_free(pl);
            return CAP_PIPE_ESTORE;
        }
        pl->ready = 1;
    } else {
        pl->path = dup_str(m->path);
        pl->name = dup_str(m->name);
        pl->ltname = dup_str(m->linktype_name);
        pl->format = dup_str(m->format);
        pl->size = m->size;
        if (!pl->path || !pl->name || !pl->ltname || !pl->format) {
            cap_pipeline_free(pl);
            return CAP_PIPE_ENOMEM;
        }
    }
    pl->ft = dis_flowtab_new(fo, cls, sink, pl);
    if (!pl->ft) {
        cap_pipeline_free(pl);
        return CAP_PIPE_ENOMEM;
    }
    dis_flowtab_sink_owns(pl->ft);
    if (spawn(&pl->th, writer, pl, "meetaudit-store") != 0) {
        cap_pipeline_free(pl);
        return CAP_PIPE_ENOMEM;
    }
    pl->th_started = 1;
    *out = pl;
    return CAP_PIPE_OK;
}

void cap_pipeline_observe(cap_pipeline *pl, cap_flow_fn fn, void *ctx)
{
    pl->obs = fn;
    pl->obs_ctx = ctx;
}

int64_t cap_pipeline_input_id(const cap_pipeline *pl)
{
    return pl->id;
}

#ifdef DIS_FLOWTAB_HAS_LAST
/* Mark flow seq as reported; 1 if it already was, -1 when memory ran out
 * (then the flow is simply reported when it ends). */
static int seen_test_set(cap_pipeline *pl, uint64_t seq)
{
    size_t w = (size_t)(seq / 64);
    if (w >= pl->seen_words) {
        size_t n = pl->seen_words ? pl->seen_words : 64;
        while (n <= w)
            n *= 2;
        uint64_t *p = realloc(pl->seen, n * sizeof(*p));
        if (!p)
            return -1;
        memset(p + pl->seen_words, 0, (n - pl->seen_words) * sizeof(*p));
        pl->seen = p;
        pl->seen_words = n;
    }
    uint64_t bit = (uint64_t)1 << (seq % 64);
    int was = (pl->seen[w] & bit) != 0;
    pl->seen[w] |= bit;
    return was;
}

/* After a packet: report its flow as SEEN once it has a name, or once it
 * has carried CAP_PIPE_NAME_PKTS packets without one. */
static void notice(cap_pipeline *pl)
{
    const dis_flow *f = dis_flowtab_last(pl->ft);
    if (!f)
        return;
    uint64_t n = f->d[0].pkts + f->d[1].pkts;
    if (n > CAP_PIPE_NAME_PKTS)
        return;
    size_t w = (size_t)(f->seq / 64);
    if (w < pl->seen_words &&
        (pl->seen[w] & ((uint64_t)1 << (f->seq % 64))))
        return;
    char buf[DIS_DNS_NAME_MAX];
    const char *src = NULL;
    const char *name = dis_flow_hostname(f, &src, buf, sizeof(buf));
    if (!name && n < CAP_PIPE_NAME_PKTS)
        return;
    if (seen_test_set(pl, f->seq) != 0)
        return;
    pl->obs(pl->obs_ctx, CAP_FLOW_SEEN, f, name, name ? src : NULL);
}
#endif

int cap_pipeline_packet(cap_pipeline *pl, const uint8_t *data, size_t caplen,
                        size_t wirelen, int64_t ts_us)
{
    rpt_input_end *e = &pl->e;
    dis_pkt p;
    e->packets++;
    if (e->packets == 1 || ts_us < e->first_ts)
        e->first_ts = ts_us;
    if (e->packets == 1 || ts_us > e->last_ts)
        e->last_ts = ts_us;
    p.frame = e->packets;
    p.ts_us = ts_us;
    int d = dis_decode(pl->dlt, data, caplen, &p);
    p.wirelen = (uint32_t)wirelen;
    if (d != DIS_OK) {
        e->skipped++;
        if (d == DIS_MALFORMED)
            e->malformed++;
        return 0;
    }
    e->ip_packets++;
    int rc = dis_flowtab_packet(pl->ft, &p);
    if (rc != 0)
        return rc;
    if ((e->ip_packets % PREFAULT_EVERY) == 0)
        cap_prefault_step(&pl->pf);
    /* A writer failure (or a duplicate found by the hash) stops the input
     * even while no flow leaves the table. */
    if ((e->packets & 4095) == 0 && (rc = writer_err(pl)) != 0)
        return rc;
#ifdef DIS_FLOWTAB_HAS_LAST
    if (pl->obs)
        notice(pl);
#endif
    return 0;
}

const rpt_input_end *cap_pipeline_counts(cap_pipeline *pl)
{
    dis_flow_stats fs;
    dis_flowtab_stats(pl->ft, &fs);
    pl->e.flows = fs.flows;
    pl->e.evicted = fs.evicted;
    pl->e.frag_unattributed = fs.frag_unattributed;
    return &pl->e;
}

uint64_t cap_pipeline_ndpi_withheld(const cap_pipeline *pl)
{
    dis_flow_stats fs;
    dis_flowtab_stats(pl->ft, &fs);
    return fs.ndpi_withheld;
}

void cap_pipeline_warn_withheld(const cap_pipeline *pl, const char *path)
{
    uint64_t withheld = cap_pipeline_ndpi_withheld(pl);
    if (withheld)
        fprintf(stderr,
                "meetaudit: %s: warning: %llu DTLS datagram(s) carrying a "
                "certificate were not given to nDPI (nDPI 4.2 crashes on "
                "such datagrams of IPv4 flows; see README); nDPI's verdict "
                "for their flows is what it found without them\n",
                path, (unsigned long long)withheld);
}

size_t cap_pipeline_open_flows(const cap_pipeline *pl)
{
    dis_flow_stats fs;
    dis_flowtab_stats(pl->ft, &fs);
    return fs.flows > pl->ended ? (size_t)(fs.flows - pl->ended) : 0;
}

int cap_pipeline_flush(cap_pipeline *pl)
{
    /* The writer first stores what is queued (so only one thread renders
     * at a time), then takes the rendered rows of every flow still open. */
    drain(pl);
    pl->render = pl->th_started;
    /* The writer is idle: its store may be touched here. */
    if (pl->render && pl->ready && !pl->werr &&
        rpt_ckpt_open(pl->st, &pl->ckpt) == 0) {
        rpt_store_autocheckpoint(pl->st, 0);
        start_checkpointer(pl);
    }
    int rc = dis_flowtab_flush_all(pl->ft, "eof");
    drain(pl);
    if (pl->ckpt) {
        stop_checkpointer(pl);
        rpt_ckpt_close(pl->ckpt);
        pl->ckpt = NULL;
        rpt_store_autocheckpoint(pl->st, 1);
    }
    pl->render = 0;
    free_spares(pl);
    int w = writer_err(pl);
    return w ? w : rc;
}

int cap_pipeline_end(cap_pipeline *pl, const char *status, const char *error)
{
    cap_pipeline_counts(pl);
    pl->e.status = status;
    pl->e.error = error;
    dis_flowtab_free(pl->ft);
    pl->ft = NULL;
    stop_writer(pl);
    int rc = pl->ready ? rpt_store_input_end(pl->st, pl->id, &pl->e)
                       : (pl->werr ? pl->werr : CAP_PIPE_ESTORE);
    cap_pipeline_free(pl);
    return rc;
}

int cap_pipeline_duplicate(const cap_pipeline *pl, int64_t *id)
{
    if (pl->werr != CAP_PIPE_EDUP)
        return 0;
    if (id)
        *id = pl->dup_id;
    return 1;
}

const char *cap_pipeline_errmsg(const cap_pipeline *pl)
{
    if (pl->werr == CAP_PIPE_EHASH || pl->werr == CAP_PIPE_EDUP)
        return pl->wmsg[0] ? pl->wmsg : "already in the evidence store";
    return rpt_store_errmsg(pl->st);
}

const char *cap_pipeline_sha256(const cap_pipeline *pl)
{
    return pl->sha;
}

void cap_pipeline_free(cap_pipeline *pl)
{
    if (!pl)
        return;
    dis_flowtab_free(pl->ft);
    if (pl->th_started) {
        pthread_mutex_lock(&pl->mu);
        pl->discard = 1;
        pthread_mutex_unlock(&pl->mu);
        stop_writer(pl);
    }
    free_flows(pl->dead);
    free_spares(pl);
    pthread_mutex_destroy(&pl->mu);
    pthread_cond_destroy(&pl->more);
    pthread_cond_destroy(&pl->room);
    pthread_cond_destroy(&pl->idle);
    pthread_mutex_destroy(&pl->ck_mu);
    pthread_cond_destroy(&pl->ck_cv);
    free(pl->path);
    free(pl->name);
    free(pl->ltname);
    free(pl->format);
    free(pl->seen);
    free(pl);
}

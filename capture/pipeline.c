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
 *   them (rpt_store_flow); so rows, ids and batch boundaries are exactly
 *   those of a single-threaded run (the batches stored before the input's
 *   hash is known are committed together, below).  The queue holds at most QUEUE_MAX flows: a
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
 *   and steps.  Rendered rows are bounded: the sink waits while QUEUE_BYTES
 *   of them are queued.
 * - In the middle of an input, when the queue is full (a burst of flows
 *   ending at once: every flow of a capture segment timing out when the
 *   next one starts), the packet thread, which would only wait, renders
 *   the queued flows next in line for the writer (steal()), within the
 *   same QUEUE_BYTES.  Rendering reads nothing but the flow (a thread's
 *   caches are its own), so the two threads may render different flows at
 *   once.  Rows and their order are those of the writer rendering
 *   everything: the queue is first in, first out whoever rendered an item.
 * - The log checkpoints run from a second connection (report/store_ckpt.c)
 *   with the store's own switched off, on a third thread, the
 *   checkpointer, for the whole input: the writer asks for one after every
 *   CKPT_EVERY flows it stored (a request made while one runs is
 *   remembered, once) and does not wait for it.  A checkpoint reads the
 *   log, writes the file and syncs both, 10-60 ms each on the benchmark
 *   capture; run by the writer (the store's own, every 1000 pages) they
 *   made a burst of flows, or the end of the input, that much longer for
 *   the packet thread waiting on it.  If the checkpointer cannot be had,
 *   the store checkpoints itself.
 * - Every PREFAULT_EVERY IP packets the packet thread populates the pages
 *   its heap has grown by since the last time (capture/prefault.c), so
 *   that it does not fault on them one at a time.
 * - While the writer runs, the caller never touches the store: everything
 *   it does with it happens before the writer starts, or after
 *   cap_pipeline_flush() has drained the queue (the writer is then idle
 *   until more flows come, and the caller may use the store between
 *   flushes only when no packet is being processed: live.c's rotation).
 * - When the input has no hash yet (m->sha256 NULL), the writer begins
 *   the input row unhashed (rpt_store_input_begin_unhashed: nothing is
 *   committed until the hash is in) and hashes the file HASH_STEP bytes at
 *   a time whenever the queue is not behind, storing flows in between; so
 *   the hash costs the packet path nothing and does not hold the writer
 *   back while flows pile up (hashing first, it had big4.pcap's packet
 *   thread wait about a third of a second for room in the queue).  No flow
 *   is stored before the input row exists; cap_pipeline_flush() waits for
 *   the hash.  If the hash names an input already finished in the store,
 *   everything since the row is rolled back and cap_pipeline_duplicate()
 *   says so.
 * - The first error of the writer (hash, store) is kept; from then on flows
 *   are only freed, and the sink returns the error so the caller stops.
 * - The writer blocks every signal: handlers run on the caller's thread,
 *   where the capture loop expects them.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include "pipeline.h"
#include "pipeline_int.h"
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

/* Open the checkpointer's connection and start it (packet thread, before
 * the writer); when either fails the store checkpoints itself, as it does
 * by default. */
static void start_checkpoints(cap_pipeline *pl)
{
    if (rpt_ckpt_open(pl->st, &pl->ckpt) != 0)
        return;
    pl->ck_want = pl->ck_stop = 0;
    if (spawn(&pl->ck_th, cap_pipe_checkpointer, pl, "meetaudit-ckpt") != 0) {
        rpt_ckpt_close(pl->ckpt);
        pl->ckpt = NULL;
        return;
    }
    pl->ck_started = 1;
    rpt_store_autocheckpoint(pl->st, 0);
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

/* Packet thread, the writer idle or not started: no more checkpoints from
 * the second connection; the store's own again. */
static void stop_checkpoints(cap_pipeline *pl)
{
    if (!pl->ckpt)
        return;
    stop_checkpointer(pl);
    rpt_ckpt_close(pl->ckpt);
    pl->ckpt = NULL;
    rpt_store_autocheckpoint(pl->st, 1);
}

/* Packet thread, under mu, the queue full (in the middle of an input: a
 * burst of flows ending at once, such as every flow of a capture segment
 * timing out when the next one starts).  Instead of waiting for the
 * writer, render a run of the flows next in line for it (the first ones
 * from the head not rendered yet), so that the writer finds them ready and
 * only binds and steps: the burst then costs the writer's inserts instead
 * of its rendering plus inserts.  The flows are claimed (the writer takes
 * no item from a claimed one on), rendered and freed with mu released, and
 * their slots, which do not move, get the rows.  Rows stay bounded by
 * QUEUE_BYTES as at the end of an input.  Returns 1 when it rendered
 * (the caller looks at the queue again), 0 when there is nothing to do. */
static int steal(cap_pipeline *pl)
{
    if (pl->no_steal || pl->q_bytes > QUEUE_BYTES)
        return 0;
    size_t i = 0;
    while (i < pl->q_len) {
        const qitem *q = &pl->q[(pl->q_head + i) % QUEUE_MAX];
        if (q->f && !q->claimed)
            break;
        i++;
    }
    size_t slot[STEAL_RUN];
    rbuf *buf[STEAL_RUN];
    size_t n = 0;
    for (; i < pl->q_len && n < STEAL_RUN; i++, n++) {
        size_t k = (pl->q_head + i) % QUEUE_MAX;
        if (!pl->q[k].f || pl->q[k].claimed)
            break;
        pl->q[k].claimed = 1;
        slot[n] = k;
        buf[n] = pl->spare;
        if (buf[n]) {
            pl->spare = buf[n]->next;
            pl->spare_bytes -= buf[n]->r.cap;
        }
    }
    if (!n)
        return 0;
    pthread_mutex_unlock(&pl->mu);
    for (size_t j = 0; j < n; j++) {
        dis_flow *f = pl->q[slot[j]].f; /* claimed: ours until published */
        if (!buf[j] && (buf[j] = malloc(sizeof(*buf[j]))) != NULL)
            rpt_rows_init(&buf[j]->r);
        if (buf[j]) {
            rpt_store_render(&buf[j]->r, f);
            dis_flow_free(f);
        }
    }
    pthread_mutex_lock(&pl->mu);
    for (size_t j = 0; j < n; j++) {
        qitem *q = &pl->q[slot[j]];
        q->claimed = 0;
        if (!buf[j])
            continue; /* out of memory: the writer renders it */
        q->f = NULL;
        q->rows = buf[j];
        pl->q_bytes += buf[j]->r.cap;
        pl->stolen++;
    }
    pthread_cond_signal(&pl->more);
    return 1;
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
    qitem it = { f, NULL, 0 };
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
        if (pl->render || !steal(pl))
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
    while (pl->q_len || pl->busy || (!pl->hashed && !pl->werr))
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
        pl->ready = pl->hashed = 1;
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
    /* The log is checkpointed from a second connection on a thread of its
     * own (if both can be had), so the writer only appends to it. */
    start_checkpoints(pl);
    if (spawn(&pl->th, cap_pipe_writer, pl, "meetaudit-store") != 0) {
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
    if ((e->packets & 4095) == 0 && (rc = cap_pipe_writer_err(pl)) != 0)
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

void cap_pipeline_test_no_steal(cap_pipeline *pl)
{
    pthread_mutex_lock(&pl->mu);
    pl->no_steal = 1;
    pthread_mutex_unlock(&pl->mu);
}

uint64_t cap_pipeline_stolen(const cap_pipeline *pl)
{
    return pl->stolen;
}

size_t cap_pipeline_open_flows(const cap_pipeline *pl)
{
    dis_flow_stats fs;
    dis_flowtab_stats(pl->ft, &fs);
    return fs.flows > pl->ended ? (size_t)(fs.flows - pl->ended) : 0;
}

int cap_pipeline_flush(cap_pipeline *pl)
{
    /* The writer first stores what is queued, then takes the rendered
     * rows of every flow still open. */
    drain(pl);
    pl->render = pl->th_started;
    int rc = dis_flowtab_flush_all(pl->ft, "eof");
    drain(pl);
    /* The writer is idle: its store may be touched here. */
    stop_checkpoints(pl);
    pl->render = 0;
    free_spares(pl);
    int w = cap_pipe_writer_err(pl);
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
    stop_checkpoints(pl);
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

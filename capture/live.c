/* live.c - `meetaudit capture`: live capture with libpcap into pcap files and
 * the evidence store, with a live view of the counterparties.
 *
 * Invariants
 * ----------
 * - Privileges as tcpdump: the device is created, activated and its filter
 *   compiled and set with the starting privileges; then the process drops
 *   to the -Z user (default "nobody" when root) and verifies the drop
 *   (privdrop.c); only then are outputs checked and opened and packets
 *   read.  (The rules are loaded before, as trusted data; capture_cmd.c.)
 * - Every packet read is written to the current pcap file and fed to the
 *   current input's pipeline, in that order, before the next is read.  A
 *   pcap file is one input: when it is rotated (-C, -G) or the capture
 *   stops, its open flows are flushed ("eof"), the file is closed and
 *   hashed, and its input row gets the hash, size, kernel counters and
 *   status in one transaction.  So the evidence store equals `analyze` run
 *   on the written files one by one (capture_stats and run_options aside).
 * - Files are numbered as tcpdump -C numbers them (FILE, FILE1, FILE2, ...)
 *   and never overwritten: existing names are refused before the capture
 *   starts, and each file is created with O_EXCL.
 * - The first SIGINT/SIGTERM (or --duration) stops the loop (pcap_breakloop);
 *   the packets the kernel already holds were captured before the stop and
 *   are still taken (for at most 2 s), then the normal end runs; a second
 *   signal exits at once with status 130: the store keeps
 *   its committed batches (the open input stays "analysing").  The signal
 *   handler touches only the two file-scope variables below.
 */
#define _DEFAULT_SOURCE
#include "live.h"
#include "pcapin.h"
#include "pipeline.h"

#include "../report/store_capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The only state a signal handler may touch. */
static volatile sig_atomic_t g_signals;
static pcap_t *volatile g_pcap;

static void on_signal(int sig)
{
    (void)sig;
    if (g_signals++ > 0) {
        static const char m[] = "\nmeetaudit: second interrupt: exiting now "
                                "(committed batches are kept)\n";
        ssize_t w = write(STDERR_FILENO, m, sizeof(m) - 1);
        (void)w;
        _exit(130);
    }
    if (g_pcap)
        pcap_breakloop(g_pcap);
}

struct cap_live {
    const cap_live_opts *o;
    pcap_t *p;
    int dlt;
    rpt_store *st;
    dis_classifier *cls;
    cap_view *view;
    cap_identity id;
    /* the current file and input */
    pcap_dumper_t *dump;
    char path[PATH_MAX];
    unsigned file_no;
    uint64_t file_bytes, file_packets;
    double file_opened;
    char file_started[40];
    struct pcap_stat ps_file;   /* kernel counters when the file began */
    cap_pipeline *pl;
    int64_t run_id;
    int64_t *inputs;            /* every input recorded by this run */
    size_t n_inputs, cap_inputs;
    /* the run */
    uint64_t packets, flows_done, files;
    double started;
    const char *stop_reason;
    int count_reached;          /* -c reached: take no more packets */
    int failed;                 /* a fatal error was reported */
    int io_error;               /* the current file could not be written */
};

typedef struct cap_live live;

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void now_rfc3339(char *out, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rpt_fmt_ts((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, out, len);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The name of file number n as tcpdump -C numbers them. */
static void file_name(const char *w, unsigned n, char *out, size_t len)
{
    if (n == 0)
        snprintf(out, len, "%s", w);
    else
        snprintf(out, len, "%s%u", w, n);
}

int cap_live_list_devices(void)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, eb) != 0) {
        fprintf(stderr, "meetaudit: cannot list interfaces: %s\n", eb);
        return 1;
    }
    int n = 0;
    for (pcap_if_t *d = all; d; d = d->next) {
        printf("%d.%s", ++n, d->name);
        if (d->description)
            printf(" (%s)", d->description);
        const char *sep = " [";
        struct { bpf_u_int32 bit; const char *name; } fl[] = {
            { PCAP_IF_UP, "Up" }, { PCAP_IF_RUNNING, "Running" },
            { PCAP_IF_WIRELESS, "Wireless" }, { PCAP_IF_LOOPBACK, "Loopback" },
        };
        for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
            if (d->flags & fl[i].bit) {
                printf("%s%s", sep, fl[i].name);
                sep = ", ";
            }
        if ((d->flags & PCAP_IF_CONNECTION_STATUS) ==
            PCAP_IF_CONNECTION_STATUS_DISCONNECTED)
            printf("%sDisconnected", sep), sep = ", ";
        printf("%s\n", strcmp(sep, " [") ? "]" : "");
    }
    pcap_freealldevs(all);
    if (!n)
        fprintf(stderr, "meetaudit: no interface can be captured on (root "
                        "or CAP_NET_RAW is needed to see them)\n");
    return n ? 0 : 1;
}

/* Create, set up and activate the device and set its filter. */
static pcap_t *open_device(const cap_live_opts *o, char *err, size_t errlen)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(o->iface, eb);
    if (!p) {
        snprintf(err, errlen, "%s: %s", o->iface, eb);
        return NULL;
    }
    pcap_set_snaplen(p, o->snaplen);
    pcap_set_promisc(p, o->promisc);
    pcap_set_timeout(p, 200); /* without immediate mode: block delay */
    pcap_set_immediate_mode(p, o->immediate);
    if (o->buffer_mb > 0)
        pcap_set_buffer_size(p, (int)(o->buffer_mb * 1048576.0));
    int rc = pcap_activate(p);
    if (rc < 0) {
        const char *why = pcap_geterr(p);
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(err, errlen, "%s: no such interface (%s); `meetaudit "
                     "capture -D` lists them", o->iface, why);
        else if (rc == PCAP_ERROR_PERM_DENIED)
            snprintf(err, errlen, "%s: permission denied (%s): capturing "
                     "needs root or CAP_NET_RAW", o->iface, why);
        else
            snprintf(err, errlen, "%s: %s", o->iface,
                     why && *why ? why : pcap_statustostr(rc));
        pcap_close(p);
        return NULL;
    }
    if (rc > 0)
        fprintf(stderr, "meetaudit: %s: warning: %s\n", o->iface,
                rc == PCAP_WARNING_PROMISC_NOTSUP
                    ? "promiscuous mode is not supported"
                    : pcap_statustostr(rc));
    if (o->filter) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(p, &prog) != 0) {
            snprintf(err, errlen, "filter '%s': %s", o->filter,
                     pcap_geterr(p));
            pcap_close(p);
            return NULL;
        }
        pcap_freecode(&prog);
    }
    if (pcap_setnonblock(p, 1, eb) != 0) {
        snprintf(err, errlen, "%s: %s", o->iface, eb);
        pcap_close(p);
        return NULL;
    }
    return p;
}

/* Refuse -w names a rotation would reuse (FILE followed by digits). */
static int check_rotation_names(const char *w, char *err, size_t errlen)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof(copy), "%s", w);
    char *slash = strrchr(copy, '/');
    const char *dir = ".", *base = copy;
    if (slash) {
        *slash = 0;
        dir = slash == copy ? "/" : copy;
        base = slash + 1;
    }
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* cap_check_output reports the directory */
    size_t bl = strlen(base);
    struct dirent *e;
    int bad = 0;
    while (!bad && (e = readdir(d))) {
        if (strncmp(e->d_name, base, bl) != 0 || !e->d_name[bl])
            continue;
        bad = 1;
        for (const char *c = e->d_name + bl; *c; c++)
            if (*c < '0' || *c > '9')
                bad = 0;
        if (bad)
            snprintf(err, errlen,
                     "%s/%s exists and rotation would reuse its name; "
                     "meetaudit never overwrites evidence (move it away or "
                     "choose another -w)", dir, e->d_name);
    }
    closedir(d);
    return bad ? -1 : 0;
}

/* Open file number L->file_no and begin its input. */
static int begin_file(live *L)
{
    const cap_live_opts *o = L->o;
    char err[512];
    file_name(o->wfile, L->file_no, L->path, sizeof(L->path));
    int fd = open(L->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!fp) {
        fprintf(stderr, "meetaudit: %s: %s\n", L->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    L->dump = pcap_dump_fopen(L->p, fp);
    if (!L->dump) {
        fprintf(stderr, "meetaudit: %s: %s\n", L->path, pcap_geterr(L->p));
        fclose(fp);
        return -1;
    }
    pcap_dump_flush(L->dump); /* the header is on disk from the start */
    char pending[96];
    rpt_store_pending_sha(pending, sizeof(pending), L->file_no);
    const char *ln = pcap_datalink_val_to_name(L->dlt);
    char lbuf[32];
    if (!ln) {
        snprintf(lbuf, sizeof(lbuf), "DLT_%d", L->dlt);
        ln = lbuf;
    }
    rpt_input_meta m = { L->path, base_name(L->path), 0, pending, L->dlt, ln,
                         "pcap" };
    int rc = cap_pipeline_begin(L->st, L->cls, &o->fo, &m, L->dlt, &L->pl);
    if (rc != CAP_PIPE_OK) {
        fprintf(stderr, "meetaudit: %s: %s\n", o->db,
                rc == CAP_PIPE_ESTORE ? rpt_store_errmsg(L->st)
                                      : "out of memory");
        return -1;
    }
    cap_pipeline_observe(L->pl, cap_view_flow, L->view);
    if (L->file_no == 0) {
        L->run_id = cap_pipeline_input_id(L->pl);
        for (int i = 0; i < o->naudit; i++) {
            const cap_audit_opt *a = &o->audit[i];
            const char *eq = strchr(a->value, '=');
            char *name = NULL;
            const char *val = a->value;
            if (eq && (!strcmp(a->option, "context") ||
                       !strcmp(a->option, "canary"))) {
                name = strndup(a->value, (size_t)(eq - a->value));
                val = eq + 1;
                if (!name) {
                    fprintf(stderr, "meetaudit: out of memory\n");
                    return -1;
                }
            }
            int r = rpt_store_run_option(L->st, L->run_id, i, a->option,
                                         name, val);
            free(name);
            if (r != 0) {
                snprintf(err, sizeof(err), "%s", rpt_store_errmsg(L->st));
                fprintf(stderr, "meetaudit: %s: %s\n", o->db, err);
                return -1;
            }
        }
    }
    L->file_bytes = 24; /* the pcap file header */
    L->file_packets = 0;
    L->file_opened = mono();
    now_rfc3339(L->file_started, sizeof(L->file_started));
    pcap_stats(L->p, &L->ps_file);
    L->files++;
    return 0;
}

static uint64_t delta(u_int now, u_int then)
{
    return (uint64_t)(u_int)(now - then);
}

/* Close the current file and end its input; reason goes to capture_stats.
 * Returns 0, or -1 after reporting an error. */
static int end_file(live *L, const char *reason)
{
    const cap_live_opts *o = L->o;
    int ret = 0;
    const char *status = "complete";
    char msg[PATH_MAX + 600] = "";
    struct pcap_stat ps = L->ps_file;
    pcap_stats(L->p, &ps);
    cap_view_clear(L->view);
    if (pcap_dump_flush(L->dump) != 0 || ferror(pcap_dump_file(L->dump)))
        L->io_error = 1;
    pcap_dump_close(L->dump);
    L->dump = NULL;
    if (L->io_error) {
        snprintf(msg, sizeof(msg), "writing %s failed", L->path);
        status = "error";
    }
    if (cap_pipeline_flush(L->pl) != 0) {
        snprintf(msg, sizeof(msg), "evidence store: %s",
                 rpt_store_errmsg(L->st));
        status = "error";
    }
    const rpt_input_end *e = cap_pipeline_counts(L->pl);
    L->flows_done += e->flows;
    char sha[65], herr[256];
    int64_t size = 0;
    int dup = 0;
    if (cap_sha256_file(L->path, sha, &size, herr, sizeof(herr)) != 0) {
        snprintf(msg, sizeof(msg), "cannot hash %s: %s", L->path, herr);
        status = "error";
    } else {
        int rc = rpt_store_input_set_file(L->st, cap_pipeline_input_id(L->pl),
                                          sha, size);
        if (rc == 1 && e->packets == 0)
            dup = 1;
        else if (rc == 1) {
            snprintf(msg, sizeof(msg), "%s is identical to a file already "
                     "in the evidence store; its input keeps a placeholder "
                     "hash", L->path);
            status = "error";
        } else if (rc != 0) {
            snprintf(msg, sizeof(msg), "evidence store: %s",
                     rpt_store_errmsg(L->st));
            status = "error";
        }
    }
    char ended[40];
    now_rfc3339(ended, sizeof(ended));
    rpt_capture_stats cs = {
        cap_pipeline_input_id(L->pl), L->run_id, o->iface, o->filter,
        o->snaplen, (int64_t)(o->buffer_mb * 1048576.0), o->promisc,
        L->id.name, L->file_packets, delta(ps.ps_recv, L->ps_file.ps_recv),
        delta(ps.ps_drop, L->ps_file.ps_drop),
        delta(ps.ps_ifdrop, L->ps_file.ps_ifdrop), L->file_started, ended,
        strcmp(status, "complete") ? "error" : reason,
    };
    if (dup) {
        if (!o->quiet)
            fprintf(stderr, "meetaudit: %s: no packets; identical to an "
                    "empty capture already in %s, not recorded again\n",
                    L->path, o->db);
        if (rpt_store_input_forget_empty(L->st, cs.input_id) != 0)
            dup = 0; /* keep the row: it is still a true record */
    }
    if (!dup && L->n_inputs == L->cap_inputs) {
        size_t nc = L->cap_inputs ? L->cap_inputs * 2 : 8;
        int64_t *ni = realloc(L->inputs, nc * sizeof(*ni));
        if (ni) {
            L->inputs = ni;
            L->cap_inputs = nc;
        }
    }
    if (!dup && L->n_inputs < L->cap_inputs)
        L->inputs[L->n_inputs++] = cs.input_id;
    if (!dup && rpt_store_capture_stats(L->st, &cs) != 0 && !msg[0]) {
        snprintf(msg, sizeof(msg), "evidence store: %s",
                 rpt_store_errmsg(L->st));
        status = "error";
    }
    if (msg[0]) {
        fprintf(stderr, "meetaudit: %s: %s\n", L->path, msg);
        ret = -1;
    }
    uint64_t packets = e->packets, flows = e->flows;
    cap_pipeline_warn_withheld(L->pl, L->path);
    if (cap_pipeline_end(L->pl, status, msg[0] ? msg : NULL) != 0) {
        fprintf(stderr, "meetaudit: %s: evidence store: %s\n", o->db,
                rpt_store_errmsg(L->st));
        ret = -1;
    }
    L->pl = NULL;
    if (!o->quiet && !dup)
        fprintf(stderr, "%s: %llu packets, %llu flows, %lld bytes, sha256 "
                "%s\n", L->path, (unsigned long long)packets,
                (unsigned long long)flows, (long long)size,
                sha[0] && size ? sha : "?");
    return ret;
}

static void fail(live *L)
{
    L->failed = 1;
    pcap_breakloop(L->p);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h,
                      const u_char *bytes)
{
    live *L = (live *)user;
    const cap_live_opts *o = L->o;
    if (L->failed || L->count_reached)
        return;
    if (L->file_packets > 0 &&
        ((o->rotate_mb > 0 && (double)L->file_bytes > o->rotate_mb * 1e6) ||
         (o->rotate_s > 0 && mono() - L->file_opened >= o->rotate_s))) {
        int r = end_file(L, "rotate");
        L->file_no++;
        if (r != 0 || begin_file(L) != 0) {
            fail(L);
            return;
        }
    }
    pcap_dump((u_char *)L->dump, h, bytes);
    L->file_bytes += 16 + h->caplen;
    L->file_packets++;
    L->packets++;
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
    if (cap_pipeline_packet(L->pl, bytes, h->caplen, h->len, ts) != 0) {
        cap_view_clear(L->view);
        fprintf(stderr, "meetaudit: %s: evidence store: %s\n", o->db,
                rpt_store_errmsg(L->st));
        fail(L);
        return;
    }
    if (o->count && L->packets >= o->count) {
        L->stop_reason = "count";
        L->count_reached = 1;
        pcap_breakloop(L->p);
    }
}

static void status_of(live *L, cap_view_status *vs)
{
    struct pcap_stat ps;
    memset(vs, 0, sizeof(*vs));
    vs->iface = L->o->iface;
    vs->file = L->path;
    vs->elapsed = mono() - L->started;
    vs->packets = L->packets;
    if (pcap_stats(L->p, &ps) == 0)
        vs->kernel_drops = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
    if (L->pl) {
        vs->flows = L->flows_done + cap_pipeline_counts(L->pl)->flows;
        vs->open_flows = cap_pipeline_open_flows(L->pl);
    } else {
        vs->flows = L->flows_done;
    }
}

/* After a stop: take the packets the kernel already holds (captured before
 * the stop), for at most 2 seconds; a second signal exits meanwhile. */
static void drain(live *L)
{
    double t0 = mono();
    while (!L->failed && mono() - t0 < 2.0) {
        int n = pcap_dispatch(L->p, -1, on_packet, (u_char *)L);
        if (n == PCAP_ERROR_BREAK)
            continue; /* a breakloop request from before; it is cleared */
        if (n <= 0)
            break;
    }
}

/* The capture loop: until a signal, --duration, -c or an error. */
void cap_live_run(cap_live *L)
{
    const cap_live_opts *o = L->o;
    int fd = pcap_get_selectable_fd(L->p);
    double last_tick = L->started;
    while (!L->failed && !L->stop_reason) {
        if (g_signals) {
            L->stop_reason = "interrupt";
            break;
        }
        double now = mono();
        double wait = 1.0 - (now - last_tick);
        if (o->duration > 0 && o->duration - (now - L->started) < wait)
            wait = o->duration - (now - L->started);
        if (wait < 0)
            wait = 0;
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (fd >= 0 && poll(&pfd, 1, (int)(wait * 1000) + 1) < 0 &&
            errno != EINTR) {
            cap_view_clear(L->view);
            fprintf(stderr, "meetaudit: poll: %s\n", strerror(errno));
            L->failed = 1;
            break;
        }
        int n = pcap_dispatch(L->p, -1, on_packet, (u_char *)L);
        if (n == PCAP_ERROR) {
            cap_view_clear(L->view);
            fprintf(stderr, "meetaudit: %s: %s\n", o->iface,
                    pcap_geterr(L->p));
            L->failed = 1;
        }
        if (L->dump && (pcap_dump_flush(L->dump) != 0 ||
                        ferror(pcap_dump_file(L->dump)))) {
            cap_view_clear(L->view);
            fprintf(stderr, "meetaudit: writing %s: %s\n", L->path,
                    strerror(errno));
            L->io_error = 1;
            L->failed = 1;
        }
        now = mono();
        if (o->duration > 0 && now - L->started >= o->duration &&
            !L->stop_reason)
            L->stop_reason = "duration";
        if (now - last_tick >= 1.0) {
            cap_view_status vs;
            status_of(L, &vs);
            cap_view_tick(L->view, &vs);
            last_tick = now;
        }
    }
    if (!L->stop_reason)
        L->stop_reason = L->failed ? "error" : "interrupt";
    if (!L->failed && !L->count_reached)
        drain(L);
}

cap_live *cap_live_open(const cap_live_opts *o, char *err, size_t errlen)
{
    cap_live *L = calloc(1, sizeof(*L));
    if (!L) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    L->o = o;
    L->p = open_device(o, err, errlen);
    if (!L->p) {
        free(L);
        return NULL;
    }
    L->dlt = pcap_datalink(L->p);
    return L;
}

int cap_live_dlt(const cap_live *L)
{
    return L->dlt;
}

int cap_live_check_names(const cap_live *L, char *err, size_t errlen)
{
    if (L->o->rotate_mb <= 0 && L->o->rotate_s <= 0)
        return 0;
    return check_rotation_names(L->o->wfile, err, errlen);
}

void cap_live_signals(cap_live *L)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll() returns EINTR */
    g_pcap = L->p;
    g_signals = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cap_live_start(cap_live *L, rpt_store *st, dis_classifier *cls,
                   cap_view *view, const cap_identity *id)
{
    L->st = st;
    L->cls = cls;
    L->view = view;
    L->id = *id;
    L->started = mono();
    return begin_file(L);
}

int cap_live_finish(cap_live *L, cap_live_totals *t)
{
    memset(t, 0, sizeof(*t));
    struct pcap_stat ps;
    memset(&ps, 0, sizeof(ps));
    pcap_stats(L->p, &ps);
    if (L->pl && end_file(L, L->stop_reason ? L->stop_reason : "error"))
        L->failed = 1;
    if (L->view) {
        cap_view_status vs;
        status_of(L, &vs);
        cap_view_finish(L->view, &vs);
    }
    t->packets = L->packets;
    t->flows = L->flows_done;
    t->files = (unsigned)L->files;
    t->ps_recv = ps.ps_recv;
    t->ps_drop = ps.ps_drop;
    t->ps_ifdrop = ps.ps_ifdrop;
    t->seconds = mono() - L->started;
    t->stop_reason = L->stop_reason ? L->stop_reason : "error";
    t->failed = L->failed;
    t->input_ids = L->inputs;
    t->n_inputs = L->n_inputs;
    return L->failed ? -1 : 0;
}

void cap_live_free(cap_live *L)
{
    if (!L)
        return;
    if (g_pcap == L->p)
        g_pcap = NULL;
    cap_pipeline_free(L->pl);
    if (L->dump)
        pcap_dump_close(L->dump);
    pcap_close(L->p);
    free(L->inputs);
    free(L);
}

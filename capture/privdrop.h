/* privdrop.h - giving up root after the capture device is open (as tcpdump).
 *
 * `meetaudit capture` opens and activates the device and compiles and sets
 * its filter with the privileges it was started with, then becomes an
 * ordinary user before it opens any output file or reads a packet.  These
 * helpers do the drop, prove it cannot be undone, and check that the
 * outputs are writable by the user the capture now runs as.
 */
#ifndef MEETAUDIT_PRIVDROP_H
#define MEETAUDIT_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

typedef struct cap_identity {
    uid_t uid;
    gid_t gid;
    char name[64];       /* user name, or "uid N" when it has none */
    int dropped;         /* 1 when root was given up */
} cap_identity;

/* Become user (tcpdump's -Z).  As root: user NULL means "nobody"; "root" (or
 * any user with uid 0) keeps root.  The order is initgroups (the user's
 * supplementary groups), setgid, setuid; afterwards real, effective and
 * saved ids must all be the user's, setuid(0) must fail and the effective
 * and permitted capability sets must be empty, or the call fails.  Not
 * root: user must be NULL or the current user; capabilities the process
 * has (from setcap) are dropped and the sets verified empty.  Returns
 * 0 and fills *out, or -1 with a message in err. */
int cap_privdrop(const char *user, cap_identity *out, char *err,
                 size_t errlen);

/* Check, as the current user, that path can be written: its directory must
 * be writable and searchable; if path exists it must be a regular writable
 * file, unless must_be_new, when its existence is the error (evidence is
 * never overwritten).  what names the output in messages ("evidence
 * database").  Returns 0, or -1 with a message naming path, the user (id)
 * and the remedy in err. */
int cap_check_output(const char *path, const char *what, int must_be_new,
                     const cap_identity *id, char *err, size_t errlen);

#endif

/* dfilter.h - Wireshark display filters that select exactly the packets of
 * a set of flows of the evidence database (wireshark-filter(4) syntax).
 *
 * A flow's packets are described by its 5-tuple in both directions
 * (ip.addr / ipv6.addr pairs and tcp.port / udp.port pairs, VLAN when
 * tagged) plus the frame range guard "frame.number >= first_frame &&
 * frame.number <= last_frame".  Names (SNI, DNS) are never used: the SNI is
 * only in the ClientHello, so a name filter would miss most of a flow.
 * Frame numbers restart in every input file, so a filter is meant for one
 * input: rpt_display_filter_input() selects the flows of one input only;
 * the other two functions OR the clauses of every flow whatever its input
 * (fine when all flows are in one input, as is the common case).
 *
 * Ownership: every function returns a malloc'd NUL-terminated string the
 * caller frees with free(), or NULL on error (unknown finding or flow, an
 * address in the database that does not parse as IPv4/IPv6, SQLite error,
 * out of memory).  The database handle is only read.
 */
#ifndef MEETAUDIT_DFILTER_H
#define MEETAUDIT_DFILTER_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* The filter for the flows of finding finding_id (table finding_flows). */
char *rpt_display_filter(sqlite3 *db, int64_t finding_id);

/* The filter for the flows of finding finding_id that belong to input
 * input_id ("" when the finding has no flow in that input). */
char *rpt_display_filter_input(sqlite3 *db, int64_t finding_id,
                               int64_t input_id);

/* The filter for the n flows flow_ids (rows of table flows). */
char *rpt_display_filter_flows(sqlite3 *db, const int64_t *flow_ids,
                               size_t n);

#endif

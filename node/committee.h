/* A key's committee (DESIGN §2): the cluster nodes that hold shares of one
 * key, with the key's own threshold and ranks. Identifiers are x = node
 * index + 1 for every key, so the committee — member index j ↔ node index
 * x_j − 1 — follows from the key's public record and needs no storage of its
 * own. A key made for the whole cluster is the committee of every node, with
 * member index = node index.
 *
 * Protocol machines of one key speak in member indices (session parties,
 * presign signers, the record's X_j); the daemon speaks in node indices
 * (links, SessionStart parties, pooled signing sets, quorum choice). This is
 * the one place that maps between the two. Pure: no I/O. */
#ifndef WF_NODE_COMMITTEE_H
#define WF_NODE_COMMITTEE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/birkhoff.h"
#include "crypto/err.h"
#include "node/quorum.h"
#include "protocol/key_share.h"

#define WF_COMMITTEE_NONE UINT32_MAX /* a node outside the committee */

typedef struct wf_committee {
    uint32_t n, t;                     /* the key's members and threshold */
    uint32_t cluster_n;                /* nodes in the cluster */
    uint32_t node[WF_MAX_MEMBERS];     /* member index → node index */
    uint32_t member[WF_MAX_MEMBERS];   /* node index → member index, or WF_COMMITTEE_NONE */
    uint32_t rank[WF_MAX_MEMBERS];     /* by member index */
    wf_member by_node[WF_MAX_MEMBERS]; /* identifier and rank by node index (committee nodes only) */
    wf_member_set nodes;               /* the committee's node indices */
} wf_committee;

/* The committee of `nodes` (strictly ascending node indices < cluster_n)
 * with threshold t and ranks (by position). WF_ERR_ARG with *why for
 * indices out of range or not ascending, fewer than 2 members, a threshold
 * outside 1..n or a rank >= t; WF_ERR_UNAUTHORISED when no set of t members
 * is authorised. */
wf_err wf_committee_build(wf_committee *c, uint32_t cluster_n, const uint32_t *nodes, const uint32_t *ranks,
                          uint32_t n, uint32_t t, const char **why);

/* The committee a key's public record implies: every identifier must be
 * node index + 1 of a node of the cluster, in ascending order. */
wf_err wf_committee_of_key(wf_committee *c, uint32_t cluster_n, const wf_key_public *pub);

/* Identifiers and ranks by member index (keygen's and reshare's members). */
void wf_committee_members(const wf_committee *c, wf_member out[WF_MAX_MEMBERS]);

/* A set of node indices as member indices (nodes outside are dropped), and back. */
wf_member_set wf_committee_to_members(const wf_committee *c, wf_member_set nodes);
wf_member_set wf_committee_to_nodes(const wf_committee *c, wf_member_set members);
/* The member indices of a list of node indices; 0 when one is outside. */
int wf_committee_map_list(const wf_committee *c, const uint32_t *nodes, size_t n, uint32_t *members);

/* Every authorised signing set (node indices) of the committee that holds
 * `must` and lies in `usable`, at most max, as wf_quorum_list. */
size_t wf_committee_quorums(const wf_committee *c, wf_member_set must, wf_member_set usable,
                            wf_member_set *out, size_t max);

/* 1 when the node set s is an authorised signing set of the committee. */
int wf_committee_authorised(const wf_committee *c, wf_member_set s);

/* The committee's node indices and ranks as "0:0,2:1,4:1" (node:rank), for
 * logs and audit records. */
void wf_committee_nodes_str(const wf_committee *c, char *out, size_t cap);

#endif

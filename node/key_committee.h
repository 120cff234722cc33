/* The daemon's side of per-key committees (node/committee.h): the committee a
 * keygen request asks for, and protocol machine configurations in a key's
 * member indices. Internal to warifud (node/daemon_internal.h). */
#ifndef WF_NODE_KEY_COMMITTEE_H
#define WF_NODE_KEY_COMMITTEE_H

#include "node/committee.h"
#include "protocol/client_request.h"
#include "protocol/machine.h"

struct wf_daemon;

/* The committee of a keygen request: the one it names (node indices, with
 * its threshold and ranks), or the whole cluster with the cluster's
 * threshold and ranks when it names none. WF_ERR_ARG / WF_ERR_UNAUTHORISED
 * with *why when the named committee is not a valid one of this cluster. */
wf_err wf_keygen_committee(const struct wf_daemon *d, const wf_keygen_request *r, wf_committee *c,
                           const char **why);

/* wf_daemon_machine_cfg for a session of the key with committee c, whose
 * party ids are member indices: self is this node's member index (the node
 * must be in c) and identity_pk[j] is member j's node's key. */
void wf_key_machine_cfg(const struct wf_daemon *d, const wf_committee *c, wf_machine_cfg *out,
                        const uint8_t key_id[WF_ID_BYTES], const uint8_t session_id[WF_ID_BYTES],
                        const char *protocol);

/* The set of all member indices 0..c->n-1. */
wf_member_set wf_committee_all_members(const wf_committee *c);

/* /readyz for the keys: 1 when every key this node holds has an authorised
 * signing set of its committee with this node among `usable`; else 0 and
 * the first key that has none in reason. */
int wf_key_committees_ready(struct wf_daemon *d, wf_member_set usable, char *reason, size_t cap);

#endif

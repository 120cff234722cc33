/* The daemon's side of per-key committees (node/key_committee.h). */
#include "node/key_committee.h"

#include <stdio.h>
#include <string.h>

#include "node/daemon_internal.h"

wf_err wf_keygen_committee(const wf_daemon *d, const wf_keygen_request *r, wf_committee *c, const char **why)
{
    if (r->n_members == 0) {
        uint32_t nodes[WF_MAX_MEMBERS], ranks[WF_MAX_MEMBERS];
        for (uint32_t i = 0; i < d->n; i++) {
            nodes[i] = i;
            ranks[i] = d->members[i].rank;
        }
        return wf_committee_build(c, d->n, nodes, ranks, d->n, d->t, why);
    }
    return wf_committee_build(c, d->n, r->members, r->ranks, r->n_members, r->threshold, why);
}

void wf_key_machine_cfg(const wf_daemon *d, const wf_committee *c, wf_machine_cfg *out,
                        const uint8_t key_id[WF_ID_BYTES], const uint8_t session_id[WF_ID_BYTES],
                        const char *protocol)
{
    wf_daemon_machine_cfg(d, out, key_id, session_id, protocol);
    memset(out->identity_pk, 0, sizeof out->identity_pk);
    for (uint32_t j = 0; j < c->n; j++)
        memcpy(out->identity_pk[j], d->mcfg.identity_pk[c->node[j]], WF_IDENTITY_PK_BYTES);
    out->self = c->member[d->self];
}

wf_member_set wf_committee_all_members(const wf_committee *c)
{
    return c->n >= 64 ? ~(wf_member_set)0 : WF_SET_BIT(c->n) - 1;
}

int wf_key_committees_ready(wf_daemon *d, wf_member_set usable, char *reason, size_t cap)
{
    pthread_mutex_lock(&d->keys_mu);
    wf_node_key *first = d->keys;
    pthread_mutex_unlock(&d->keys_mu);
    wf_member_set q[1];
    for (wf_node_key *k = first; k != NULL; k = k->next) {
        if (wf_committee_quorums(&k->committee, WF_SET_BIT(d->self), usable, q, 1) == 0) {
            char kid[17];
            wf_hex(kid, k->key_id, 8);
            snprintf(reason, cap,
                     "key %s: no authorised set of its committee with this node among the "
                     "reachable peers",
                     kid);
            return 0;
        }
    }
    return 1;
}

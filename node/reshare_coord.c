/* Resharing a key as the coordinator (node/reshare_run.h): the client's
 * ReshareRequest is checked here as every party will check it; then
 *
 *   1. dealers: an authorised set of the key's current committee among the
 *      reachable nodes (this node among them when it can be); every member of
 *      the new committee must be reachable too, else CLIENT_UNAVAILABLE
 *      naming who is not;
 *   2. a "reshare" session among the dealers and the new committee (party ids
 *      are node indices, protocol/reshare.h): new members store their new
 *      shares, a dealer that leaves deletes its own;
 *   3. aux-info among the new committee, which needs it before it presigns;
 *   4. "retire" for the old members that neither dealt nor stay: each checks
 *      the client's request and every new member's attestation that it
 *      stored a share dealt from the retiring member's own current record
 *      (node/reshare_run.h), then deletes its share. One that cannot be
 *      reached keeps a share of a committee that no longer signs with it: the
 *      coordinator's log and audit log name it (the client's answer does not).
 *
 * A reshare is refused while a refresh of the key is unconfirmed (a
 * previous generation kept, node/refresh.h "Reshare"), here and on every
 * member holding the key; the start carries this node's key state.
 *
 * The coordinator must be in the key's current committee (it holds the
 * record the new members are sent) and in the new one (it takes part in
 * aux-info). Asking again with the same request after a success answers at
 * once; after a reshare whose aux-info failed it runs the aux-info. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/refresh.h"
#include "node/reshare_run.h"
#include "protocol/record.h"

static int same_committee(const wf_committee *a, const wf_committee *b)
{
    if (a->n != b->n || a->t != b->t || a->nodes != b->nodes)
        return 0;
    for (uint32_t j = 0; j < a->n; j++)
        if (a->rank[j] != b->rank[j])
            return 0;
    return 1;
}

static void start_of(wf_control_start *st, const char *protocol, wf_member_set parties, const uint8_t *req,
                     size_t req_len)
{
    memset(st, 0, sizeof *st);
    snprintf(st->protocol, sizeof st->protocol, "%s", protocol);
    st->n = wf_set_members(parties, st->parties);
    if (req_len > 0)
        memcpy(st->request, req, req_len);
    st->request_len = req_len;
}

/* After a failed run: a named culprit is left out of quorums for a while. */
static wf_client_code failed(wf_daemon *d, const wf_coord_outcome *o, const char *what, char *why, size_t cap)
{
    if (o->culprit != WF_CULPRIT_NONE && o->culprit < d->n && o->culprit != d->self)
        wf_daemon_exclude(d, o->culprit, WF_EXCLUDE_CULPRIT_MS, o->reason);
    for (uint32_t m = 0; m < d->n; m++)
        if (o->silent & WF_SET_BIT(m))
            wf_daemon_exclude(d, m, WF_EXCLUDE_SILENT_MS, "did not answer in time");
    if (o->culprit != WF_CULPRIT_NONE && o->culprit < d->n)
        return wf_client_fail(why, cap, WF_CLIENT_ABORTED, "%s aborted, culprit %s: %s", what,
                              d->cluster->members[o->culprit].pub.name, o->reason);
    /* our own part was stopped first: say whom the members named (their word only) */
    for (uint32_t m = 0; m < d->n; m++) {
        const wf_control_result *r = &o->results[m];
        if ((o->answered & WF_SET_BIT(m)) && r->outcome == WF_OUTCOME_ABORTED && r->culprit < d->n)
            return wf_client_fail(why, cap, WF_CLIENT_ABORTED, "%s aborted: %s names culprit %s: %s", what,
                                  d->cluster->members[m].pub.name, d->cluster->members[r->culprit].pub.name,
                                  r->reason);
    }
    /* nobody named: a member refused (busy with an earlier start, a key
     * state it does not hold) or did not answer — retryable, not an abort */
    if (o->refused != 0 || o->silent != 0 || o->local.outcome == WF_OUTCOME_REFUSED)
        return wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE, "%s did not finish: %s; retry", what, o->reason);
    return wf_client_fail(why, cap, WF_CLIENT_ABORTED, "%s failed: %s", what, o->reason);
}

/* Step 1: the dealers, or 0 (why written). */
static wf_member_set choose_dealers(wf_daemon *d, const wf_node_key *k, const wf_committee *nc, char *why,
                                    size_t cap, wf_client_code *code)
{
    wf_member_set usable = wf_daemon_usable(d), q[1];
    char names[256];
    if ((nc->nodes & ~usable) != 0) {
        wf_daemon_names(d, nc->nodes & ~usable, names, sizeof names);
        *code = wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE,
                               "every member of the new committee must be reachable; not reachable now: %s",
                               names);
        return 0;
    }
    if (wf_committee_quorums(&k->committee, WF_SET_BIT(d->self), usable, q, 1) == 1 ||
        wf_committee_quorums(&k->committee, 0, usable, q, 1) == 1)
        return q[0];
    wf_daemon_names(d, k->committee.nodes & ~usable, names, sizeof names);
    *code = wf_client_fail(
        why, cap, WF_CLIENT_UNAVAILABLE,
        "no authorised set of the key's committee is reachable to deal (not reachable: %s)", names);
    return 0;
}

/* Every new member's attestation of a finished reshare (node/reshare_run.h),
 * checked, as a retire start's record field; 0 when one is missing or bad. */
typedef struct attestations {
    size_t len;
    uint8_t bytes[WF_ID_BYTES + 1 + WF_MAX_MEMBERS * (1 + WF_RESHARE_ATTEST_BYTES)];
} attestations;

static int collect(wf_daemon *d, const wf_node_key *k, const wf_committee *nc, const uint8_t *req,
                   size_t req_len, const wf_coord_outcome *o, attestations *a)
{
    uint8_t msg[32];
    if (wf_key_public_digest(&k->share->pub, a->bytes) != WF_OK)
        return 0;
    wf_reshare_attest_msg(msg, k->key_id, a->bytes, req, req_len);
    a->bytes[WF_ID_BYTES] = (uint8_t)nc->n;
    uint8_t *p = a->bytes + WF_ID_BYTES + 1;
    for (uint32_t j = 0; j < nc->n; j++, p += 1 + WF_RESHARE_ATTEST_BYTES) {
        uint32_t m = nc->node[j];
        const wf_control_result *r = m == d->self ? &o->local : &o->results[m];
        if ((m != d->self && !(o->answered & WF_SET_BIT(m))) || !r->has_sig ||
            crypto_sign_verify_detached(r->sig, msg, sizeof msg, d->cluster->members[m].pub.identity_pk) != 0)
            return 0;
        p[0] = (uint8_t)m;
        memcpy(p + 1, r->sig, WF_RESHARE_ATTEST_BYTES);
    }
    a->len = (size_t)(p - a->bytes);
    return 1;
}

/* Step 2. */
static wf_client_code run_reshare(wf_daemon *d, const wf_node_key *k, const wf_committee *nc,
                                  wf_member_set dealers, const uint8_t *req, size_t req_len,
                                  attestations *att, char *why, size_t cap)
{
    wf_control_start *st = calloc(1, sizeof *st);
    uint8_t *rec = NULL;
    size_t rec_len = 0;
    wf_coord_outcome o;
    if (st == NULL || wf_record_key_public_encode(&k->share->pub, &rec, &rec_len) != WF_OK ||
        rec_len > sizeof st->record) {
        free(st);
        free(rec);
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "cannot encode the key's public record");
    }
    start_of(st, "reshare", dealers | nc->nodes, req, req_len);
    wf_refresh_stamp(d, k->key_id, st); /* dealers at another generation refuse, naming both */
    memcpy(st->record, rec, rec_len);
    st->record_len = rec_len;
    free(rec);
    st->n_dealers = wf_set_members(dealers, st->dealers);
    wf_coord_run(d, k->key_id, st, &o);
    free(st);
    if (o.outcome != WF_OUTCOME_DONE)
        return failed(d, &o, "reshare", why, cap);
    if (!collect(d, k, nc, req, req_len, &o, att))
        att->len = 0;
    return WF_CLIENT_OK;
}

/* Step 3. */
static wf_client_code run_aux(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_committee *nc,
                              char *why, size_t cap)
{
    wf_control_start *st = calloc(1, sizeof *st);
    wf_coord_outcome o;
    if (st == NULL)
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "out of memory");
    start_of(st, "aux-info", nc->nodes, NULL, 0);
    wf_coord_run(d, key_id, st, &o);
    free(st);
    if (o.outcome != WF_OUTCOME_DONE && o.outcome != WF_OUTCOME_ALREADY)
        return failed(d, &o, "aux-info of the new committee (ask again to retry it)", why, cap);
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL || k->aux == NULL)
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL,
                              "the new committee's aux-info left no record here");
    return WF_CLIENT_OK;
}

/* Step 4: the removed members that did not deal; returns those not retired. */
static wf_member_set run_retire(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_member_set removed,
                                const uint8_t *req, size_t req_len, const attestations *att)
{
    wf_member_set usable = wf_daemon_usable(d), left = removed & ~usable;
    if (att->len == 0)
        return removed; /* nothing to show them */
    if ((removed & usable) == 0)
        return left;
    wf_control_start *st = calloc(1, sizeof *st);
    wf_coord_outcome o;
    if (st == NULL)
        return removed;
    start_of(st, "retire", (removed & usable) | WF_SET_BIT(d->self), req, req_len);
    memcpy(st->record, att->bytes, att->len);
    st->record_len = att->len;
    wf_coord_run(d, key_id, st, &o);
    free(st);
    for (uint32_t m = 0; m < d->n; m++)
        if ((removed & usable & WF_SET_BIT(m)) &&
            (!(o.answered & WF_SET_BIT(m)) ||
             (o.results[m].outcome != WF_OUTCOME_DONE && o.results[m].outcome != WF_OUTCOME_ALREADY)))
            left |= WF_SET_BIT(m);
    return left;
}

static wf_client_code checked(wf_daemon *d, const wf_reshare_request *r, wf_committee *nc, char *why,
                              size_t cap)
{
    const char *bad = wf_member_reshare_denied(d, r, wf_daemon_now_ms());
    if (bad != NULL)
        return wf_client_denied(why, cap, bad);
    if (wf_committee_build(nc, d->n, r->members, r->ranks, r->n_members, r->threshold, &bad) != WF_OK)
        return wf_client_fail(why, cap, WF_CLIENT_BAD_REQUEST, "the new committee: %s", bad);
    return WF_CLIENT_OK;
}

wf_client_code wf_coord_reshare(wf_daemon *d, const wf_reshare_request *r, char *why, size_t cap)
{
    wf_committee nc;
    uint8_t *req = NULL;
    size_t req_len = 0;
    wf_client_code code = checked(d, r, &nc, why, cap);
    if (code != WF_CLIENT_OK)
        return code;
    wf_node_key *k = wf_node_key_find(d, r->key_id);
    if (k == NULL)
        return wf_client_fail(why, cap, WF_CLIENT_NOT_FOUND,
                              "no key with this id here; ask a node of the key's committee");
    if (nc.member[d->self] == WF_COMMITTEE_NONE)
        return wf_client_fail(
            why, cap, WF_CLIENT_BAD_REQUEST,
            "this node is not in the new committee; send the request to a node in both committees");
    if (same_committee(&k->committee, &nc)) /* done before (a retry), maybe without its aux-info */
        return k->aux != NULL ? WF_CLIENT_OK : run_aux(d, r->key_id, &nc, why, cap);
    int kept = wf_refresh_prev_kept(d, r->key_id);
    if (kept != 0) /* node/refresh.h, "Reshare" */
        return wf_client_fail(why, cap, kept < 0 ? WF_CLIENT_INTERNAL : WF_CLIENT_CONFLICT, "%s",
                              kept < 0 ? "the store cannot say whether a refresh of the key is unconfirmed"
                                       : WF_RESHARE_PREV_KEPT);
    if (wf_reshare_request_encode(r, &req, &req_len) != WF_OK || req_len > WF_CONTROL_REQUEST_MAX) {
        free(req);
        return wf_client_fail(why, cap, WF_CLIENT_BAD_REQUEST, "the reshare request does not encode");
    }
    wf_member_set old = k->committee.nodes, dealers = choose_dealers(d, k, &nc, why, cap, &code);
    uint64_t t0 = wf_daemon_now_ms(), t1 = t0;
    attestations *att = calloc(1, sizeof *att);
    if (att == NULL) {
        free(req);
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "out of memory");
    }
    if (dealers != 0)
        code = run_reshare(d, k, &nc, dealers, req, req_len, att, why, cap);
    if (code == WF_CLIENT_OK) {
        t1 = wf_daemon_now_ms();
        code = run_aux(d, r->key_id, &nc, why, cap);
    }
    if (code == WF_CLIENT_OK) {
        char kid[17];
        wf_hex(kid, r->key_id, 8);
        wf_daemon_log(d, "reshared key %s to %u-of-%u: reshare %llu ms, aux-info %llu ms", kid, nc.t, nc.n,
                      (unsigned long long)(t1 - t0), (unsigned long long)(wf_daemon_now_ms() - t1));
    }
    if (code == WF_CLIENT_OK) {
        wf_member_set left = run_retire(d, r->key_id, old & ~nc.nodes & ~dealers, req, req_len, att);
        if (left != 0) {
            char names[256], kid[17];
            wf_daemon_names(d, left, names, sizeof names);
            wf_hex(kid, r->key_id, 8);
            wf_daemon_audit(d, "reshare",
                            "key %s: removed member(s) %s could not be told to delete their old "
                            "shares (those no longer sign with the new committee)",
                            kid, names);
            wf_daemon_log(d, "reshare of key %s: %s still hold old shares", kid, names);
        }
    }
    free(att);
    free(req);
    return code;
}

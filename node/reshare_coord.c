/* Resharing a key as the coordinator (node/reshare_run.h): the client's
 * ReshareRequest is checked here as every party will check it; then
 *
 *   1. where this node stands on the request: nothing yet, a pending share
 *      of it, or committed (a retry); a pending share of another request, or
 *      the request id used for another request, refuses it;
 *   2. nothing yet: the dealers, an authorised set of the key's current
 *      committee among the reachable nodes (this node among them when it can
 *      be), and a "reshare" session among them and the new committee (every
 *      member of which must be reachable, else CLIENT_UNAVAILABLE naming who
 *      is not); every new member answers with its attestation of the run;
 *      pending or committed: "reshare-attest" asks the new committee for
 *      them again;
 *   3. all attestations of one run: "retire" (the commit) to every reachable
 *      node; not all: "reshare-drop" of the run (a pending one only) and the
 *      client is asked to retry (a retry deals again when some new member
 *      has nothing of the request; nothing has changed anywhere);
 *   4. aux-info among the new committee, which needs it before it presigns.
 * A removed member that cannot be reached keeps its old share (of a
 * committee that no longer signs with it) until a retry reaches it: the
 * coordinator's log and audit log name it.
 *
 * A reshare is refused while a refresh of the key is unconfirmed (a
 * previous generation kept, node/refresh.h "Reshare"), here and on every
 * member holding the key; the start carries this node's key state.
 *
 * The coordinator must be in the new committee (it takes part in aux-info
 * and its own pending share tells a retry whether a run finished), and for a
 * new run in the key's current committee too (it holds the record the new
 * members are sent). */
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
    /* a member stopped without naming anyone (it went down, or could not store its share) */
    for (uint32_t m = 0; m < d->n; m++) {
        const wf_control_result *r = &o->results[m];
        if ((o->answered & WF_SET_BIT(m)) && r->outcome == WF_OUTCOME_ABORTED)
            return wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE, "%s did not finish at %s: %s; retry", what,
                                  d->cluster->members[m].pub.name, r->reason);
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

/* A commit start's record field (node/reshare_run.h). */
typedef struct attestations {
    size_t len;
    uint8_t bytes[WF_RESHARE_RUN_BYTES + 1 + WF_MAX_MEMBERS * (1 + WF_RESHARE_ATTEST_BYTES)];
} attestations;

/* Collects every new member's attestation of run from a session's results
 * into a; returns the new members whose attestation is missing or bad. */
static wf_member_set collect(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_committee *nc,
                             const wf_reshare_digests *run, const uint8_t *req, size_t req_len,
                             const wf_coord_outcome *o, attestations *a)
{
    uint8_t msg[32];
    wf_member_set missing = 0;
    wf_reshare_attest_msg(msg, key_id, run->old, run->new, req, req_len);
    memcpy(a->bytes, run->old, WF_ID_BYTES);
    memcpy(a->bytes + WF_ID_BYTES, run->new, WF_ID_BYTES);
    a->bytes[WF_RESHARE_RUN_BYTES] = (uint8_t)nc->n;
    uint8_t *p = a->bytes + WF_RESHARE_RUN_BYTES + 1;
    for (uint32_t j = 0; j < nc->n; j++, p += 1 + WF_RESHARE_ATTEST_BYTES) {
        uint32_t m = nc->node[j];
        const wf_control_result *r = m == d->self ? &o->local : &o->results[m];
        if ((m != d->self && !(o->answered & WF_SET_BIT(m))) || !r->has_sig ||
            crypto_sign_verify_detached(r->sig, msg, sizeof msg, d->cluster->members[m].pub.identity_pk) !=
                0) {
            missing |= WF_SET_BIT(m);
            continue;
        }
        p[0] = (uint8_t)m;
        memcpy(p + 1, r->sig, WF_RESHARE_ATTEST_BYTES);
    }
    a->len = (size_t)(p - a->bytes);
    return missing;
}

/* A start carrying the request and the record field rec. */
static wf_control_start *start_with(const char *protocol, wf_member_set parties, const uint8_t *req,
                                    size_t req_len, const uint8_t *rec, size_t rec_len)
{
    wf_control_start *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    start_of(st, protocol, parties, req, req_len);
    if (rec_len > 0)
        memcpy(st->record, rec, rec_len);
    st->record_len = rec_len;
    return st;
}

/* Step 2, a new run: the session; its outcome in *o. */
static wf_client_code run_reshare(wf_daemon *d, const wf_node_key *k, const wf_committee *nc,
                                  wf_member_set dealers, const uint8_t *req, size_t req_len,
                                  wf_coord_outcome *o, char *why, size_t cap)
{
    uint8_t *rec = NULL;
    size_t rec_len = 0;
    if (wf_record_key_public_encode(&k->share->pub, &rec, &rec_len) != WF_OK ||
        rec_len > WF_CONTROL_RECORD_MAX) {
        free(rec);
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "cannot encode the key's public record");
    }
    wf_control_start *st = start_with("reshare", dealers | nc->nodes, req, req_len, rec, rec_len);
    free(rec);
    if (st == NULL)
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "out of memory");
    wf_refresh_stamp(d, k->key_id, st); /* dealers at another generation refuse, naming both */
    st->n_dealers = wf_set_members(dealers, st->dealers);
    wf_coord_run(d, k->key_id, st, o);
    free(st);
    if (o->outcome != WF_OUTCOME_DONE)
        return failed(d, o, "reshare", why, cap);
    return WF_CLIENT_OK;
}

/* Step 2, a retry: the new committee's attestations again, in *o. */
static void ask_attestations(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_committee *nc,
                             const uint8_t *req, size_t req_len, wf_coord_outcome *o)
{
    wf_control_start *st = start_with("reshare-attest", nc->nodes, req, req_len, NULL, 0);
    if (st == NULL) {
        memset(o, 0, sizeof *o);
        o->silent = nc->nodes;
        return;
    }
    wf_coord_run(d, key_id, st, o);
    free(st);
}

/* Step 3, no commit: the run's pending shares are dropped everywhere. */
static void drop_run(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_committee *nc,
                     const wf_reshare_digests *run, const uint8_t *req, size_t req_len)
{
    uint8_t rec[WF_RESHARE_RUN_BYTES];
    memcpy(rec, run->old, WF_ID_BYTES);
    memcpy(rec + WF_ID_BYTES, run->new, WF_ID_BYTES);
    wf_control_start *st =
        start_with("reshare-drop", nc->nodes & wf_daemon_usable(d), req, req_len, rec, sizeof rec);
    wf_coord_outcome o;
    if (st == NULL)
        return;
    wf_coord_run(d, key_id, st, &o);
    free(st);
    if (o.outcome != WF_OUTCOME_DONE && o.outcome != WF_OUTCOME_ALREADY)
        wf_daemon_log(d, "dropping an uncommitted reshare run: %s (a retry drops or overwrites the rest)",
                      o.reason);
}

/* Step 3: the commit to every reachable node. Returns the new members that
 * did not commit (retry); *removed_left: removed members not reached. */
static wf_member_set commit(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_committee *nc,
                            const uint8_t *req, size_t req_len, const attestations *att, wf_member_set *left)
{
    wf_member_set parties = wf_daemon_usable(d) | nc->nodes | WF_SET_BIT(d->self), behind = 0;
    wf_control_start *st = start_with("retire", parties, req, req_len, att->bytes, att->len);
    wf_coord_outcome o;
    *left = 0;
    if (st == NULL)
        return nc->nodes;
    wf_coord_run(d, key_id, st, &o);
    free(st);
    for (uint32_t m = 0; m < d->n; m++) {
        const wf_control_result *r = m == d->self ? &o.local : &o.results[m];
        int ok = (m == d->self || (o.answered & WF_SET_BIT(m))) &&
                 (r->outcome == WF_OUTCOME_DONE || r->outcome == WF_OUTCOME_ALREADY);
        if (!ok && (nc->nodes & WF_SET_BIT(m)))
            behind |= WF_SET_BIT(m);
        else if (!ok && m != d->self)
            *left |= WF_SET_BIT(m); /* removed, or never a member: logged when it held the key */
    }
    return behind;
}

/* Step 3's outcome for the client. */
static wf_client_code committed(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_member_set behind,
                                wf_member_set left, char *why, size_t cap)
{
    char names[256], kid[17];
    wf_hex(kid, key_id, 8);
    if (left != 0) {
        wf_daemon_names(d, left, names, sizeof names);
        wf_daemon_log(d,
                      "reshare of key %s: the commit did not reach %s (a removed member among them keeps "
                      "its old share until a retry reaches it)",
                      kid, names);
    }
    if (behind == 0)
        return WF_CLIENT_OK;
    wf_daemon_names(d, behind, names, sizeof names);
    wf_daemon_audit(d, "reshare",
                    "key %s: the commit did not reach new member(s) %s (they keep their old "
                    "and pending shares)",
                    kid, names);
    return wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE,
                          "the reshare's commit did not reach %s (they keep their pending shares); retry the "
                          "same request to finish it",
                          names);
}

/* Step 4. */
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

static wf_client_code checked(wf_daemon *d, const wf_reshare_request *r, wf_committee *nc, int finishing,
                              char *why, size_t cap)
{
    const char *bad = wf_member_reshare_denied(d, r, wf_reshare_check_time(r, wf_daemon_now_ms(), finishing));
    if (bad != NULL)
        return wf_client_denied(why, cap, bad);
    if (wf_committee_build(nc, d->n, r->members, r->ranks, r->n_members, r->threshold, &bad) != WF_OK)
        return wf_client_fail(why, cap, WF_CLIENT_BAD_REQUEST, "the new committee: %s", bad);
    return WF_CLIENT_OK;
}

/* Step 2, a new run from this node's current share. */
static wf_client_code new_run(wf_daemon *d, const wf_node_key *k, const wf_committee *nc, const uint8_t *req,
                              size_t req_len, wf_coord_outcome *o, char *why, size_t cap)
{
    wf_client_code code = WF_CLIENT_OK;
    int kept = wf_refresh_prev_kept(d, k->key_id);
    if (kept != 0) /* node/refresh.h, "Reshare" */
        return wf_client_fail(why, cap, kept < 0 ? WF_CLIENT_INTERNAL : WF_CLIENT_CONFLICT, "%s",
                              kept < 0 ? "the store cannot say whether a refresh of the key is unconfirmed"
                                       : WF_RESHARE_PREV_KEPT);
    wf_member_set dealers = choose_dealers(d, k, nc, why, cap, &code);
    if (dealers == 0)
        return code;
    uint64_t t0 = wf_daemon_now_ms();
    code = run_reshare(d, k, nc, dealers, req, req_len, o, why, cap);
    char kid[17];
    wf_hex(kid, k->key_id, 8);
    if (code == WF_CLIENT_OK)
        wf_daemon_log(d, "reshared key %s to %u-of-%u (pending until the commit): %llu ms", kid, nc->t, nc->n,
                      (unsigned long long)(wf_daemon_now_ms() - t0));
    return code;
}

/* 1 when every member of missing answered that it keeps nothing of the
 * request: then no run of it was ever attested by all, so none was committed
 * anywhere and this node's pending run may go. A member that was silent or
 * refused for another reason (busy) may keep a share of a committed run:
 * nothing is dropped then. */
static int holds_nothing(const wf_daemon *d, const wf_committee *nc, const wf_coord_outcome *o,
                         wf_member_set missing)
{
    int some = 0;
    for (uint32_t m = 0; m < d->n; m++) {
        if (!(missing & nc->nodes & WF_SET_BIT(m)))
            continue;
        const wf_control_result *r = m == d->self ? &o->local : &o->results[m];
        if ((m != d->self && !(o->answered & WF_SET_BIT(m))) || r->outcome != WF_OUTCOME_REFUSED ||
            (strcmp(r->reason, wf_reshare_state_str(WF_RESHARE_NONE)) != 0 &&
             strcmp(r->reason, WF_RESHARE_OTHER_PENDING) != 0))
            return 0;
        some = 1;
    }
    return some;
}

/* Steps 2 and 3 once the run's attestations are in *o (fresh: a run this
 * coordinator dealt just now, whose attestations nobody else holds): commit them, or
: commit
 * them, or drop the run when that is safe (*dropped: a new run may follow). */
static wf_client_code finish(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_committee *nc,
                             const wf_store_request *rq, const uint8_t *req, size_t req_len,
                             const wf_coord_outcome *o, int fresh, int *dropped, char *why, size_t cap)
{
    *dropped = 0;
    wf_reshare_digests run;
    wf_reshare_state mine = wf_reshare_local(d, key_id, rq, &run);
    if (mine != WF_RESHARE_PENDING && mine != WF_RESHARE_COMMITTED)
        return wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE, "reshare did not finish here: %s; retry",
                              mine == WF_RESHARE_NONE ? o->local.reason : wf_reshare_state_str(mine));
    attestations *att = calloc(1, sizeof *att);
    if (att == NULL)
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "out of memory");
    wf_member_set missing = collect(d, key_id, nc, &run, req, req_len, o, att), left = 0;
    wf_client_code code = WF_CLIENT_OK;
    char names[256];
    if (missing != 0) {
        wf_daemon_names(d, missing, names, sizeof names);
        if (mine == WF_RESHARE_PENDING && (fresh || holds_nothing(d, nc, o, missing))) {
            drop_run(d, key_id, nc, &run, req, req_len);
            *dropped = 1;
        }
        code = wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE,
                              "not every new member keeps a share of this reshare (missing: %s)%s; retry",
                              names, *dropped ? ": nothing changed" : "");
    } else {
        wf_member_set behind = commit(d, key_id, nc, req, req_len, att, &left);
        code = committed(d, key_id, behind, left, why, cap);
    }
    free(att);
    return code;
}

/* Why the coordinator does not go on with a request it stands at `mine`
 * on (k: its key, or NULL), or WF_CLIENT_OK. */
static wf_client_code refused(wf_daemon *d, wf_reshare_state mine, const wf_node_key *k,
                              const wf_committee *nc, char *why, size_t cap)
{
    if (nc->member[d->self] == WF_COMMITTEE_NONE)
        return wf_client_fail(
            why, cap, WF_CLIENT_BAD_REQUEST,
            "this node is not in the new committee; send the request to a node in both committees");
    if (mine == WF_RESHARE_REUSED || mine == WF_RESHARE_OTHER || mine == WF_RESHARE_UNREADABLE)
        return wf_client_fail(why, cap,
                              mine == WF_RESHARE_UNREADABLE ? WF_CLIENT_INTERNAL : WF_CLIENT_CONFLICT, "%s",
                              wf_reshare_state_str(mine));
    if (mine == WF_RESHARE_COMMITTED && (k == NULL || !same_committee(&k->committee, nc)))
        return wf_client_fail(why, cap, WF_CLIENT_CONFLICT, "%s, and the key was reshared again since",
                              wf_reshare_state_str(mine));
    if (mine == WF_RESHARE_NONE && k == NULL)
        return wf_client_fail(why, cap, WF_CLIENT_NOT_FOUND,
                              "no key with this id here; ask a node of the key's committee");
    return WF_CLIENT_OK;
}

/* Steps 2 and 3: a new run (or, retry, the run's attestations again) and
 * its commit; a retry that found nothing committed and dropped its run
 * deals once more at once. */
static wf_client_code deal_and_commit(wf_daemon *d, const wf_reshare_request *r, const wf_committee *nc,
                                      const wf_store_request *rq, const uint8_t *req, size_t req_len,
                                      int retry, wf_coord_outcome *o, char *why, size_t cap)
{
    wf_client_code code = WF_CLIENT_OK;
    wf_reshare_digests run;
    wf_node_key *k = wf_node_key_find(d, r->key_id);
    int dropped = 0;
    if (retry)
        ask_attestations(d, r->key_id, nc, req, req_len, o);
    else
        code = new_run(d, k, nc, req, req_len, o, why, cap);
    if (code != WF_CLIENT_OK) {
        if (wf_reshare_local(d, r->key_id, rq, &run) == WF_RESHARE_PENDING)
            drop_run(d, r->key_id, nc, &run, req, req_len); /* an abort: our own run's shares go */
        return code;
    }
    code = finish(d, r->key_id, nc, rq, req, req_len, o, !retry, &dropped, why, cap);
    if (code == WF_CLIENT_OK || !retry || !dropped || wf_node_key_find(d, r->key_id) == NULL ||
        wf_reshare_request_check(r, wf_daemon_now_ms()) != WF_REQUEST_OK)
        return code;
    return deal_and_commit(d, r, nc, rq, req, req_len, 0, o, why, cap); /* nothing committed: deal again */
}

wf_client_code wf_coord_reshare(wf_daemon *d, const wf_reshare_request *r, char *why, size_t cap)
{
    wf_committee nc;
    uint8_t *req = NULL;
    size_t req_len = 0;
    if (wf_reshare_request_encode(r, &req, &req_len) != WF_OK || req_len > WF_CONTROL_REQUEST_MAX) {
        free(req);
        return wf_client_fail(why, cap, WF_CLIENT_BAD_REQUEST, "the reshare request does not encode");
    }
    wf_store_request rq;
    wf_reshare_digests run;
    wf_reshare_request_record(&rq, r, req, req_len);
    wf_reshare_state mine = wf_reshare_local(d, r->key_id, &rq, &run);
    int retry = mine == WF_RESHARE_PENDING || mine == WF_RESHARE_COMMITTED;
    wf_client_code code = checked(d, r, &nc, retry, why, cap);
    wf_node_key *k = wf_node_key_find(d, r->key_id);
    wf_coord_outcome *o = calloc(1, sizeof *o);
    if (code == WF_CLIENT_OK)
        code = o == NULL ? wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "out of memory")
                         : refused(d, mine, k, &nc, why, cap);
    /* (a new request for the committee the key has already needs nothing dealt) */
    if (code == WF_CLIENT_OK && (retry || !same_committee(&k->committee, &nc)))
        code = deal_and_commit(d, r, &nc, &rq, req, req_len, retry, o, why, cap);
    if (code == WF_CLIENT_OK) {
        k = wf_node_key_find(d, r->key_id);
        if (k == NULL || !same_committee(&k->committee, &nc))
            code =
                wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "the key is not held here by the new committee");
        else if (k->aux == NULL)
            code = run_aux(d, r->key_id, &nc, why, cap);
    }
    free(o);
    free(req);
    return code;
}

/* The coordinator of a client's refresh request (node/refresh.h): every
 * member of the key's committee must be reachable (its node indices are the
 * session's parties; nodes outside it take no part); the session starts from this node's kept previous
 * generation when it has one (a rerun after members did not all commit), else
 * from its current one; when every member reported DONE a refresh-confirm
 * lets them erase the generation they kept.
 *
 * Repeating a request id: every member records the id when it commits. A
 * coordinator that has it recorded and keeps no previous generation (the
 * refresh was confirmed) answers with the key as it is — no second refresh.
 * One that still keeps a previous generation runs again from it: the first
 * run was not confirmed, so some member may be behind, and a rerun brings
 * every member to one new generation (refreshing twice costs time, never
 * safety). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/refresh.h"
#include "store/keys.h"
#include "store/requests.h"

/* A refresh or refresh-confirm start: the parties are every node of the
 * key's committee (node indices, ascending), not the whole cluster. */
static void start_for(const wf_node_key *k, wf_control_start *st, const char *protocol, const uint8_t *req,
                      size_t req_len, const uint8_t state[WF_ID_BYTES], uint64_t generation)
{
    memset(st, 0, sizeof *st);
    snprintf(st->protocol, sizeof st->protocol, "%s", protocol);
    st->n = wf_set_members(k->committee.nodes, st->parties);
    memcpy(st->request, req, req_len);
    st->request_len = req_len;
    st->has_key_state = 1;
    memcpy(st->key_state, state, WF_ID_BYTES);
    st->key_generation = generation;
}

/* The states to refresh from, in order: the kept previous generation (if
 * any), then the current one. Returns how many. */
static size_t bases(wf_daemon *d, wf_node_key *k, uint8_t state[2][WF_ID_BYTES], uint64_t gen[2])
{
    size_t n = 0;
    wf_store_key *sk = NULL;
    wf_store_blob aux;
    if (wf_store_key_prev_get(d->store, k->key_id, &sk, &aux) == WF_OK) {
        wf_store_blob_clear(&aux);
        if (wf_store_key_commitments_hash(sk, state[n]) == WF_OK)
            gen[n++] = sk->generation;
        wf_store_key_free(sk);
    }
    pthread_mutex_lock(&d->keys_mu);
    if (wf_refresh_key_state(&k->share->pub, state[n]) == WF_OK)
        gen[n++] = k->generation;
    pthread_mutex_unlock(&d->keys_mu);
    return n;
}

/* 1 when some member refused because it holds neither this state. */
static int state_refused(const wf_daemon *d, const wf_coord_outcome *o)
{
    if (o->local.outcome == WF_OUTCOME_REFUSED && strstr(o->local.reason, "key state mismatch") != NULL)
        return 1;
    for (uint32_t m = 0; m < d->n; m++)
        if ((o->refused & WF_SET_BIT(m)) && strstr(o->results[m].reason, "key state mismatch") != NULL)
            return 1;
    return 0;
}

static wf_client_code failed(wf_daemon *d, const wf_coord_outcome *o, char *why, size_t cap)
{
    if (o->culprit != WF_CULPRIT_NONE && o->culprit < d->n) {
        if (o->culprit != d->self)
            wf_daemon_exclude(d, o->culprit, WF_EXCLUDE_CULPRIT_MS, o->reason);
        return wf_client_fail(why, cap, WF_CLIENT_ABORTED, "refresh aborted: node %u (%s) cheated: %s",
                              o->culprit, d->cluster->members[o->culprit].pub.name, o->reason);
    }
    /* a refusal (a member still draining the key's presign sessions, or
     * running an earlier start) is the cause; members left waiting for the
     * refuser are only its consequence, and neither is misbehaving */
    if (o->refused != 0 || o->local.outcome == WF_OUTCOME_REFUSED)
        return wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE, "refresh did not start (retry): %s",
                              o->reason);
    if (o->silent != 0) {
        char who[256];
        wf_daemon_names(d, o->silent, who, sizeof who);
        return wf_client_fail(
            why, cap, WF_CLIENT_UNAVAILABLE,
            "refresh did not finish: no answer in time from %s (members that committed keep "
            "the old generation sealed; rerun the refresh with every member up)",
            who);
    }
    for (uint32_t m = 0; m < d->n; m++) {
        const wf_control_result *r = m == d->self ? &o->local : &o->results[m];
        if ((m == d->self || (o->answered & WF_SET_BIT(m))) && r->outcome == WF_OUTCOME_ABORTED)
            return wf_client_fail(
                why, cap, WF_CLIENT_ABORTED,
                "refresh failed: %.40s aborted: %.120s (members that committed keep the old "
                "generation sealed; rerun the refresh)",
                d->cluster->members[m].pub.name, r->reason);
    }
    return wf_client_fail(why, cap, WF_CLIENT_ABORTED, "refresh failed: %s", o->reason);
}

#define CONFIRM_ATTEMPTS 3

/* Asks every member to erase its kept previous generation, up to
 * CONFIRM_ATTEMPTS times (every member committed: a confirm can only fail
 * on a link). A member that never answers keeps it — its old share stays
 * sealed on disk, shown by warifu_key_previous_generation_kept — until the
 * next refresh, which starts from it, then falls back to the current
 * generation. */
static void confirm(wf_daemon *d, wf_node_key *k, const uint8_t *req, size_t req_len)
{
    uint8_t state[WF_ID_BYTES];
    pthread_mutex_lock(&d->keys_mu);
    wf_err err = wf_refresh_key_state(&k->share->pub, state);
    uint64_t gen = k->generation;
    pthread_mutex_unlock(&d->keys_mu);
    if (err != WF_OK)
        return;
    wf_control_start st;
    wf_coord_outcome o;
    start_for(k, &st, "refresh-confirm", req, req_len, state, gen);
    for (int attempt = 0; attempt < CONFIRM_ATTEMPTS; attempt++) {
        if (attempt > 0) {
            struct timespec ts = {attempt, 0}; /* 1 s, then 2 s: a link coming back */
            nanosleep(&ts, NULL);
        }
        wf_coord_run(d, k->key_id, &st, &o);
        if (o.outcome == WF_OUTCOME_DONE)
            return;
    }
    wf_daemon_log(d,
                  "refresh confirmation incomplete after %d attempts (%s): previous generations stay kept "
                  "(warifu_key_previous_generation_kept); rerun the refresh",
                  CONFIRM_ATTEMPTS, o.reason);
}

static wf_client_code refresh_rounds(wf_daemon *d, wf_node_key *k, const uint8_t *req, size_t req_len,
                                     char *why, size_t cap)
{
    uint8_t state[2][WF_ID_BYTES];
    uint64_t gen[2];
    size_t nb = bases(d, k, state, gen);
    if (nb == 0)
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "the key's state cannot be computed");
    wf_coord_outcome o;
    for (size_t i = 0; i < nb; i++) {
        wf_control_start st;
        start_for(k, &st, "refresh", req, req_len, state[i], gen[i]);
        wf_coord_run(d, k->key_id, &st, &o);
        if (o.outcome == WF_OUTCOME_DONE) {
            confirm(d, k, req, req_len);
            return WF_CLIENT_OK;
        }
        if (!state_refused(d, &o))
            break;
    }
    return failed(d, &o, why, cap);
}

wf_client_code wf_coord_refresh(wf_daemon *d, const wf_refresh_request *r, char *why, size_t cap)
{
    const char *denied = wf_refresh_denied(d, r, wf_daemon_now_ms());
    if (denied != NULL)
        return wf_client_denied(why, cap, denied);
    wf_node_key *k = wf_node_key_find(d, r->key_id);
    if (k == NULL)
        return wf_client_fail(why, cap, WF_CLIENT_NOT_FOUND, "no key with this id");
    if (k->aux == NULL)
        return wf_client_fail(
            why, cap, WF_CLIENT_UNAVAILABLE,
            "the key's aux-info has not finished; repeat the keygen or reshare request that made it");
    wf_store_request req;
    wf_store_request_state state;
    wf_refresh_request_record(&req, r);
    wf_err err = wf_store_request_lookup(d->store, &req, &state, NULL, NULL);
    if (err == WF_ERR_CONFLICT)
        return wf_client_fail(why, cap, WF_CLIENT_CONFLICT, "this request id was used for another request");
    if (err != WF_OK)
        return wf_client_fail(why, cap, WF_CLIENT_INTERNAL, "the request store cannot be read");
    if (state == WF_REQUEST_DONE) {
        wf_store_key *sk = NULL;
        wf_store_blob aux;
        err = wf_store_key_prev_get(d->store, r->key_id, &sk, &aux);
        if (err == WF_OK) {
            wf_store_blob_clear(&aux);
            wf_store_key_free(sk);
        }
        if (err == WF_ERR_NOT_FOUND)
            return WF_CLIENT_OK; /* refreshed and confirmed: the key as it is now */
    }
    /* every member of the key's committee (node/committee.h), including one
     * left out of quorums for a while (a refusal, a named abort): a refresh is
     * also how members of different generations are brought together again,
     * and a member that cheats again is named again. Nodes outside the
     * committee hold nothing of the key and take no part. */
    wf_member_set down = 0;
    for (uint32_t m = 0; m < d->n; m++)
        if ((k->committee.nodes & WF_SET_BIT(m)) && m != d->self && !wf_daemon_peer_up(d, m))
            down |= WF_SET_BIT(m);
    if (down != 0) {
        char who[256];
        wf_daemon_names(d, down, who, sizeof who);
        return wf_client_fail(why, cap, WF_CLIENT_UNAVAILABLE,
                              "refresh needs every member of the key's committee; not reachable now: %s",
                              who);
    }
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    if (wf_refresh_request_encode(r, &enc, &enc_len) != WF_OK || enc_len > WF_CONTROL_REQUEST_MAX) {
        free(enc);
        return wf_client_fail(why, cap, WF_CLIENT_BAD_REQUEST, "the refresh request does not encode");
    }
    /* a second refresh of the key here is refused by our own member part
     * (wf_member_run's lifecycle claim) */
    wf_client_code code = refresh_rounds(d, k, enc, enc_len, why, cap);
    free(enc);
    return code;
}

/* A node's part in a refresh (node/refresh.h): checks the SessionStart and
 * the client's request, picks the generation to refresh from (current, or the
 * kept previous one), holds off presign and sign of the key here, runs
 * protocol/refresh.c and commits the result atomically; and the
 * refresh-confirm that erases the kept previous generation. Also the key-state
 * stamp that keeps shares of different generations out of one session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hash.h"
#include "node/refresh.h"
#include "protocol/record.h"
#include "protocol/refresh.h"
#include "store/keys.h"
#include "store/presig_pool.h"

wf_err wf_refresh_key_state(const wf_key_public *pub, uint8_t out[WF_ID_BYTES])
{
    uint8_t buf[WF_MAX_MEMBERS * WF_POINT_BYTES];
    if (pub->t == 0 || pub->t > WF_MAX_MEMBERS)
        return WF_ERR_ARG;
    for (uint32_t i = 0; i < pub->t; i++)
        if (wf_point_serialize(buf + i * WF_POINT_BYTES, &pub->commitments[i]) != WF_OK)
            return WF_ERR_INFINITY;
    return wf_sha256(out, buf, (size_t)pub->t * WF_POINT_BYTES);
}

int wf_refresh_is_protocol(const char *protocol)
{
    return strcmp(protocol, "refresh") == 0 || strcmp(protocol, "refresh-confirm") == 0;
}

void wf_refresh_stamp(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_control_start *st)
{
    if (strcmp(st->protocol, "presign") != 0 && strcmp(st->protocol, "sign") != 0 &&
        strcmp(st->protocol, "reshare") != 0)
        return;
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return;
    pthread_mutex_lock(&d->keys_mu);
    st->has_key_state = wf_refresh_key_state(&k->share->pub, st->key_state) == WF_OK;
    st->key_generation = k->generation;
    pthread_mutex_unlock(&d->keys_mu);
}

const char *wf_refresh_stamp_mismatch(const wf_node_key *k, const wf_control_start *st, char *buf, size_t cap)
{
    uint8_t mine[WF_ID_BYTES];
    if (!st->has_key_state)
        return NULL; /* a node without the stamp: its session simply never matches ours if generations differ
                      */
    if (wf_refresh_key_state(&k->share->pub, mine) != WF_OK)
        return "this node's key state cannot be computed";
    if (memcmp(mine, st->key_state, WF_ID_BYTES) == 0)
        return NULL;
    char a[9], b[9];
    wf_hex(a, st->key_state, 4);
    wf_hex(b, mine, 4);
    snprintf(buf, cap,
             WF_REFRESH_MISMATCH ": coordinator at %llu (%s), this node at %llu (%s); refresh the key",
             (unsigned long long)st->key_generation, a, (unsigned long long)k->generation, b);
    return buf;
}

void wf_refresh_wait(wf_daemon *d, wf_node_key *k, uint64_t until_ms)
{
    uint64_t cap = wf_daemon_now_ms() + WF_REFRESH_SIGN_WAIT_MS;
    if (until_ms > cap)
        until_ms = cap;
    for (;;) {
        pthread_mutex_lock(&d->keys_mu);
        int busy = k->refreshing;
        pthread_mutex_unlock(&d->keys_mu);
        if (!busy || wf_daemon_now_ms() >= until_ms || atomic_load(&d->stopping) != 0)
            return;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int wf_refresh_prev_kept(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES])
{
    wf_store_key *sk = NULL;
    wf_store_blob aux;
    wf_err err = wf_store_key_prev_get(d->store, key_id, &sk, &aux);
    if (err == WF_ERR_NOT_FOUND)
        return 0;
    if (err == WF_OK) {
        wf_store_blob_clear(&aux);
        wf_store_key_free(sk);
        return 1;
    }
    return -1;
}

void wf_refresh_prev_gauge(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES])
{
    int kept = 0;
    if (wf_store_key_prev_kept(d->store, key_id, &kept) != WF_OK)
        return;
    char kid[2 * WF_ID_BYTES + 1];
    wf_hex(kid, key_id, WF_ID_BYTES);
    const char *labels[] = {kid};
    wf_metric_set(d->nm.prev_kept, labels, kept);
}

int wf_refresh_refusal(const wf_coord_outcome *o, uint32_t m)
{
    return (o->refused & WF_SET_BIT(m)) &&
           (strcmp(o->results[m].reason, WF_REFRESH_RUNNING) == 0 ||
            strncmp(o->results[m].reason, WF_REFRESH_MISMATCH, sizeof WF_REFRESH_MISMATCH - 1) == 0);
}

const char *wf_refresh_denied(const wf_daemon *d, const wf_refresh_request *r, uint64_t now)
{
    wf_request_verdict v = wf_refresh_request_check(r, now);
    if (v != WF_REQUEST_OK)
        return wf_request_verdict_str(v);
    return wf_member_any_key_denied(d, r->client_id, "the policy does not allow this client to refresh keys");
}

static void refuse(wf_control_result *res, const char *why)
{
    res->outcome = WF_OUTCOME_REFUSED;
    res->culprit = WF_CULPRIT_NONE;
    snprintf(res->reason, sizeof res->reason, "%s", why);
}

/* The generation to refresh from: the current one when its state is the
 * start's (*from_prev = 0), else the kept previous one when its state is
 * (*from_prev = 1, *prev its decoded share). NULL, or why neither. */
static const char *pick_base(wf_daemon *d, wf_node_key *k, const wf_control_start *st, int *from_prev,
                             wf_key_share **prev, char *buf, size_t cap)
{
    uint8_t state[WF_ID_BYTES];
    *from_prev = 0;
    *prev = NULL;
    if (wf_refresh_key_state(&k->share->pub, state) == WF_OK &&
        memcmp(state, st->key_state, WF_ID_BYTES) == 0)
        return NULL;
    wf_store_key *sk = NULL;
    wf_store_blob aux;
    wf_err err = wf_store_key_prev_get(d->store, k->key_id, &sk, &aux);
    if (err == WF_OK) {
        wf_store_blob_clear(&aux);
        err = wf_record_key_decode(prev, sk->record.pub, sk->record.pub_len, sk->record.sec,
                                   sk->record.sec_len);
        wf_store_key_free(sk);
        uint8_t ps[WF_ID_BYTES];
        if (err == WF_OK && wf_refresh_key_state(&(*prev)->pub, ps) == WF_OK &&
            memcmp(ps, st->key_state, WF_ID_BYTES) == 0) {
            *from_prev = 1;
            return NULL;
        }
        wf_key_share_free(*prev);
        *prev = NULL;
    } else if (err != WF_ERR_NOT_FOUND) {
        return "the kept previous generation cannot be read";
    }
    char a[9], b[9];
    wf_hex(a, st->key_state, 4);
    wf_hex(b, state, 4);
    snprintf(buf, cap,
             "key state mismatch: asked to refresh from generation %llu (%s), this node holds %llu (%s)",
             (unsigned long long)st->key_generation, a, (unsigned long long)k->generation, b);
    return buf;
}

/* What the store keeps of a refresh request: its id, bound to the key. */
void wf_refresh_request_record(wf_store_request *req, const wf_refresh_request *r)
{
    memset(req, 0, sizeof *req);
    memcpy(req->id, r->request_id, r->request_id_len);
    req->id_len = r->request_id_len;
    uint8_t buf[22 + WF_ID_BYTES];
    memcpy(buf, "warifu/refresh-ctx/v1", 22);
    memcpy(buf + 22, r->key_id, WF_ID_BYTES);
    wf_sha256(req->context, buf, sizeof buf);
    memcpy(req->digest, req->context, sizeof req->digest);
}

static void audit_refresh(wf_daemon *d, const wf_refresh_request *r, uint64_t generation, int from_prev)
{
    char kid[2 * WF_ID_BYTES + 1], rid[2 * WF_REQUEST_ID_MAX + 1];
    wf_hex(kid, r->key_id, WF_ID_BYTES);
    wf_hex(rid, r->request_id, r->request_id_len);
    wf_daemon_audit(d, "refresh", "key=%s generation=%llu request=%s from=%s", kid,
                    (unsigned long long)generation, rid, from_prev ? "previous" : "current");
}

/* 1 when the node-level test fault `name` (node/daemon.h) is set. */
static int test_fault(const wf_daemon *d, const char *name)
{
    return d->cfg.allow_test_faults && d->cfg.fault_protocol != NULL &&
           strcmp(d->cfg.fault_protocol, name) == 0;
}

/* The test fault WF_REFRESH_CRASH_BEFORE_COMMIT (node/daemon.h): this node
 * ends a refresh its peers finished as if it died just before its commit. */
static int crash_before_commit(const wf_daemon *d)
{
    return test_fault(d, WF_REFRESH_CRASH_BEFORE_COMMIT);
}

#define WF_REFRESH_POOLS_MAX 64

/* The key's signing sets with a pool (for the gauges); 0 if unreadable. */
static size_t pools_of(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_store_pool_depth *out)
{
    size_t n = 0;
    return wf_store_presig_pools(d->store, key_id, out, WF_REFRESH_POOLS_MAX, &n) == WF_OK ? n : 0;
}

/* A refresh waits for every member, and its timeout is long (prime search
 * when no Paillier pool is configured): a member whose link stays down
 * WF_REFRESH_PEER_DOWN_MS (killed, partitioned) ends the run here at once
 * instead, so every member answers within seconds and nobody commits what a
 * dead member may not have. */
typedef struct watchdog {
    wf_daemon *d;
    uint8_t start_id[WF_ID_BYTES];
    wf_member_set parties;
    atomic_int stop;
} watchdog;

static void *watch_main(void *arg)
{
    watchdog *w = arg;
    wf_daemon *d = w->d;
    uint64_t down_since[WF_MAX_MEMBERS] = {0};
    char reason[WF_CONTROL_REASON_MAX] = "";
    while (!atomic_load(&w->stop)) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        uint64_t now = wf_daemon_now_ms();
        for (uint32_t m = 0; m < d->n && reason[0] == '\0'; m++) {
            if (!(w->parties & WF_SET_BIT(m)) || m == d->self || wf_daemon_peer_up(d, m)) {
                down_since[m] = 0;
                continue;
            }
            if (down_since[m] == 0)
                down_since[m] = now;
            else if (now - down_since[m] >= WF_REFRESH_PEER_DOWN_MS)
                snprintf(reason, sizeof reason, "%.40s went down mid-refresh",
                         d->cluster->members[m].pub.name);
        }
        if (reason[0] != '\0') /* again each tick: the session may not be registered yet */
            wf_session_cancel(d, w->start_id, WF_CULPRIT_NONE, reason);
    }
    return NULL;
}

/* Stores a DONE machine's result (or, under the test fault, does not),
 * records the request id and writes the audit record. */
static void commit(wf_daemon *d, wf_node_key *k, wf_machine *m, const wf_refresh_request *r, int from_prev,
                   wf_control_result *res)
{
    wf_key_share *share = NULL;
    wf_aux *aux = NULL;
    uint64_t generation = 0;
    wf_store_pool_depth pools[WF_REFRESH_POOLS_MAX];
    size_t n_pools = pools_of(d, k->key_id, pools);
    if (wf_refresh_result(m, &share, &aux) != WF_OK)
        return refuse(res, "refresh finished without a result");
    if (crash_before_commit(d)) {
        wf_key_share_free(share);
        wf_aux_free(aux);
        struct timespec ts = {2, 0}; /* silent, as a dead node is, while the others commit */
        nanosleep(&ts, NULL);
        res->outcome = WF_OUTCOME_ABORTED;
        snprintf(res->reason, sizeof res->reason,
                 "test fault: stopped before committing the refreshed share");
        return;
    }
    if (wf_node_key_refresh_commit(d, k, share, aux, from_prev, &generation) != WF_OK) {
        wf_daemon_log(d, "storing a refreshed share failed: %s", wf_store_last_error());
        return refuse(res, "the refreshed share could not be stored; this node keeps the old one");
    }
    wf_store_request req;
    uint8_t rec[WF_STORE_SIG_BYTES] = {0}; /* no signature: the id is what counts */
    wf_refresh_request_record(&req, r);
    if (wf_store_request_finish(d->store, &req, rec) != WF_OK)
        wf_daemon_log(d, "recording a refresh request failed: %s", wf_store_last_error());
    audit_refresh(d, r, generation, from_prev);
    wf_refresh_prev_gauge(d, k->key_id);
    for (size_t i = 0; i < n_pools; i++) /* the commit emptied them */
        wf_member_pool_gauge(d, k->key_id, pools[i].signers);
}

/* Runs the machine from base (k's share, or prev) and commits its result. */
static void run_machine(wf_daemon *d, wf_node_key *k, const wf_refresh_request *r,
                        const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st, int from_prev,
                        const wf_key_share *base, wf_control_result *res, wf_member_extra *extra)
{
    wf_refresh_params p = {.key = base, .bits = d->cfg.paillier_bits, .pooled = NULL};
    if (p.bits == 0)
        p.bits = WF_PAILLIER_BITS_DEFAULT;
    if (d->cfg.paillier_source != NULL)
        p.pooled = d->cfg.paillier_source(d->cfg.paillier_ctx, p.bits);
    /* party ids are the key's member indices, mapped to committee nodes */
    const wf_committee *c = &k->committee;
    wf_machine_cfg mc;
    wf_key_machine_cfg(d, c, &mc, k->key_id, start_id, WF_REFRESH_PROTOCOL);
    wf_machine *m = NULL;
    if (wf_refresh_new(&m, &mc, &p) != WF_OK) {
        wf_paillier_sk_free(p.pooled);
        return refuse(res, "refresh could not start");
    }
    wf_run_result rr;
    watchdog w = {.d = d, .parties = wf_set_of(st->parties, st->n)};
    memcpy(w.start_id, start_id, WF_ID_BYTES);
    atomic_init(&w.stop, 0);
    pthread_t th;
    int watching = pthread_create(&th, NULL, watch_main, &w) == 0;
    wf_session_drive_mapped(d, m, start_id, wf_committee_all_members(c), c->node, d->cfg.keygen_timeout_ms,
                            &rr);
    atomic_store(&w.stop, 1);
    if (watching)
        pthread_join(th, NULL);
    if (extra != NULL)
        extra->silent = rr.silent;
    res->outcome = rr.status == WF_SESSION_DONE ? WF_OUTCOME_DONE : WF_OUTCOME_ABORTED;
    res->culprit = rr.culprit;
    snprintf(res->reason, sizeof res->reason, "%s", rr.reason);
    if (rr.status == WF_SESSION_DONE)
        commit(d, k, m, r, from_prev, res);
    wf_machine_free(m);
}

static void run_refresh(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                        const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    wf_refresh_request r;
    const char *why;
    char buf[WF_CONTROL_REASON_MAX];
    if (test_fault(d, WF_REFRESH_REFUSE))
        return refuse(res, "test fault: refuses every refresh");
    if (wf_refresh_request_decode(&r, st->request, st->request_len) != WF_OK)
        return refuse(res, "malformed refresh request");
    if ((why = wf_refresh_denied(d, &r, wf_daemon_now_ms())) != NULL)
        return refuse(res, why);
    if (memcmp(r.key_id, key_id, WF_ID_BYTES) != 0)
        return refuse(res, "the refresh request names another key");
    if (!st->has_key_state)
        return refuse(res, "the refresh start names no generation to refresh from");
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return refuse(res, "no such key here");
    if (wf_set_of(st->parties, st->n) != k->committee.nodes)
        return refuse(res, "refresh needs every member of the key's committee, and no other node");
    if (k->aux == NULL)
        return refuse(res, "the key has no aux info yet");
    if (!wf_node_key_refresh_begin(d, k, WF_REFRESH_DRAIN_MS))
        return refuse(res, "presign or sign sessions of this key did not end in time; retry");
    int from_prev = 0;
    wf_key_share *prev = NULL;
    if ((why = pick_base(d, k, st, &from_prev, &prev, buf, sizeof buf)) != NULL)
        refuse(res, why);
    else
        run_machine(d, k, &r, start_id, st, from_prev, from_prev ? prev : k->share, res, extra);
    wf_key_share_free(prev);
    wf_node_key_refresh_end(d, k);
}

/* Every member committed the state st names: the kept previous generation
 * is no longer needed for a rerun, so it is erased. A member whose current
 * state is another keeps its previous generation. Any authenticated member
 * may send this (the client's request is not checked again): the worst a
 * rogue one can do is erase the way back early, which is what a successful
 * refresh does anyway; the current share is never touched here. */
static void run_confirm(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_control_start *st,
                        wf_control_result *res)
{
    uint8_t state[WF_ID_BYTES];
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return refuse(res, "no such key here");
    if (!st->has_key_state)
        return refuse(res, "the confirmation names no generation");
    if (wf_set_of(st->parties, st->n) != k->committee.nodes)
        return refuse(res, "the confirmation's parties are not the key's committee");
    pthread_mutex_lock(&d->keys_mu);
    wf_err err = wf_refresh_key_state(&k->share->pub, state);
    pthread_mutex_unlock(&d->keys_mu);
    if (err != WF_OK || memcmp(state, st->key_state, WF_ID_BYTES) != 0)
        return refuse(res, "this node does not hold the confirmed generation");
    if (wf_store_key_prev_drop(d->store, key_id) != WF_OK) {
        wf_daemon_log(d, "erasing a previous generation failed: %s", wf_store_last_error());
        return refuse(res, "the previous generation could not be erased");
    }
    wf_refresh_prev_gauge(d, key_id);
    res->outcome = WF_OUTCOME_DONE;
}

void wf_refresh_member_run(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st,
                           wf_control_result *res, wf_member_extra *extra)
{
    (void)coordinator;
    if (strcmp(st->protocol, "refresh") == 0)
        run_refresh(d, key_id, start_id, st, res, extra);
    else
        run_confirm(d, key_id, st, res);
}

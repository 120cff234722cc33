/* A node's part in a session (node/daemon_internal.h): checks a coordinator's
 * SessionStart, then runs keygen, aux-info, presign or sign with the key and
 * store, and reports the outcome. Every member checks a sign request itself —
 * the client's signature, expiry and the policy — so a compromised
 * coordinator cannot sign what no client asked for; and it consumes its
 * presignature in a synced write before its partial signature leaves. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ecdsa.h"
#include "node/daemon_internal.h"
#include "node/monotonic.h"
#include "node/refresh.h"
#include "node/reshare_run.h"
#include "protocol/aux_info.h"
#include "protocol/client_request.h"
#include "protocol/keygen.h"
#include "protocol/presign.h"
#include "protocol/record.h"
#include "protocol/sign.h"
#include "store/audit.h"
#include "store/presig_pool.h"
#include "store/requests.h"

static void refuse(wf_control_result *res, const char *why)
{
    res->outcome = WF_OUTCOME_REFUSED;
    res->culprit = WF_CULPRIT_NONE;
    snprintf(res->reason, sizeof res->reason, "%s", why);
}

static void from_run(wf_control_result *res, const wf_run_result *rr, wf_member_extra *extra)
{
    if (extra != NULL)
        extra->silent = rr->silent;
    res->outcome = rr->status == WF_SESSION_DONE ? WF_OUTCOME_DONE : WF_OUTCOME_ABORTED;
    res->culprit = rr->culprit;
    snprintf(res->reason, sizeof res->reason, "%s", rr->reason);
}

static const char NOT_IN_COMMITTEE[] = "this node is not in the key's committee";

const char *wf_member_any_key_denied(const wf_daemon *d, const uint8_t client_id[WF_IDENTITY_PK_BYTES],
                                     const char *not_allowed)
{
    for (size_t i = 0; i < d->policy->n_clients; i++)
        if (memcmp(d->policy->clients[i].pk, client_id, WF_IDENTITY_PK_BYTES) == 0)
            return d->policy->clients[i].any_key ? NULL : not_allowed;
    return "the client is not in the policy";
}

/* The policy's permission for keygen: a known client allowed every key. */
const char *wf_member_keygen_denied(const wf_daemon *d, const wf_keygen_request *r, uint64_t now)
{
    wf_request_verdict v = wf_keygen_request_check(r, now);
    if (v != WF_REQUEST_OK)
        return wf_request_verdict_str(v);
    return wf_member_any_key_denied(d, r->client_id, "the policy does not allow this client to create keys");
}

static void run_keygen(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                       const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    wf_keygen_request kr;
    uint8_t want[WF_ID_BYTES];
    const char *denied;
    wf_committee c;
    if (wf_keygen_request_decode(&kr, st->request, st->request_len) != WF_OK)
        return refuse(res, "malformed keygen request");
    if ((denied = wf_member_keygen_denied(d, &kr, wf_daemon_now_ms())) != NULL)
        return refuse(res, denied);
    if (wf_keygen_key_id(want, d->cluster->cluster_id, &kr) != WF_OK || memcmp(want, key_id, WF_ID_BYTES) != 0)
        return refuse(res, "the key id does not match the keygen request");
    if (wf_keygen_committee(d, &kr, &c, &denied) != WF_OK)
        return refuse(res, denied);
    if (c.member[d->self] == WF_COMMITTEE_NONE)
        return refuse(res, NOT_IN_COMMITTEE);
    if (wf_set_of(st->parties, st->n) != c.nodes)
        return refuse(res, "keygen needs every member of the key's committee");
    if (wf_node_key_find(d, key_id) != NULL) {
        res->outcome = WF_OUTCOME_ALREADY;
        return;
    }
    wf_keygen_params p;
    memset(&p, 0, sizeof p);
    p.n = c.n;
    p.t = c.t;
    wf_committee_members(&c, p.members);
    wf_machine_cfg mc;
    wf_key_machine_cfg(d, &c, &mc, key_id, start_id, "keygen");
    wf_machine *m = NULL;
    if (wf_keygen_new(&m, &mc, &p) != WF_OK)
        return refuse(res, "keygen could not start");
    wf_run_result rr;
    wf_session_drive_mapped(d, m, start_id, wf_committee_all_members(&c), c.node, d->cfg.keygen_timeout_ms, &rr);
    from_run(res, &rr, extra);
    wf_key_share *share = NULL;
    if (rr.status == WF_SESSION_DONE && wf_keygen_result(m, &share) != WF_OK)
        refuse(res, "keygen finished without a result");
    else if (rr.status == WF_SESSION_DONE) {
        wf_err err = wf_node_key_add(d, share);
        if (err != WF_OK) {
            refuse(res, "the new key share could not be stored");
            wf_daemon_log(d, "storing a key share failed: %s", wf_store_last_error());
        } else {
            char kid[2 * WF_ID_BYTES + 1], com[WF_MAX_MEMBERS * 6 + 1];
            wf_hex(kid, key_id, WF_ID_BYTES);
            wf_committee_nodes_str(&c, com, sizeof com);
            wf_daemon_audit(d, "keygen", "key=%s members=%u threshold=%u committee=%s", kid, c.n, c.t, com);
        }
    }
    wf_machine_free(m);
}

static void run_aux(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                    const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return refuse(res, "no such key here");
    const wf_committee *c = &k->committee;
    if (wf_set_of(st->parties, st->n) != c->nodes)
        return refuse(res, "aux-info needs every member of the key's committee");
    if (k->aux != NULL) {
        res->outcome = WF_OUTCOME_ALREADY;
        return;
    }
    wf_aux_info_params p = {.n = c->n, .bits = d->cfg.paillier_bits, .pooled = NULL};
    if (d->cfg.paillier_source != NULL)
        p.pooled = d->cfg.paillier_source(d->cfg.paillier_ctx, d->cfg.paillier_bits);
    wf_machine_cfg mc;
    wf_key_machine_cfg(d, c, &mc, key_id, start_id, "aux-info");
    wf_machine *m = NULL;
    if (wf_aux_info_new(&m, &mc, &p) != WF_OK) {
        wf_paillier_sk_free(p.pooled);
        return refuse(res, "aux-info could not start");
    }
    wf_run_result rr;
    wf_session_drive_mapped(d, m, start_id, wf_committee_all_members(c), c->node, d->cfg.keygen_timeout_ms, &rr);
    from_run(res, &rr, extra);
    wf_aux *aux = NULL;
    if (rr.status == WF_SESSION_DONE && wf_aux_info_result(m, &aux) != WF_OK) {
        refuse(res, "aux-info finished without a result");
    } else if (rr.status == WF_SESSION_DONE && wf_node_key_set_aux(d, k, aux) != WF_OK) {
        refuse(res, "the aux record could not be stored");
        wf_daemon_log(d, "storing an aux record failed: %s", wf_store_last_error());
    }
    wf_machine_free(m);
}

void wf_member_pool_gauge(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_member_set set)
{
    size_t count = 0;
    if (wf_store_presig_count(d->store, key_id, set, &count) != WF_OK)
        return;
    char kid[17], signers[WF_MAX_MEMBERS * 3 + 1] = "";
    wf_hex(kid, key_id, 8);
    uint32_t idx[WF_MAX_MEMBERS];
    size_t n = wf_set_members(set, idx), off = 0;
    for (size_t i = 0; i < n && off + 4 < sizeof signers; i++)
        off += (size_t)snprintf(signers + off, sizeof signers - off, "%s%u", i ? "," : "", idx[i]);
    const char *labels[] = {kid, signers};
    wf_metric_set(d->nm.presig_pool, labels, (double)count);
}

static void run_presign(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                        const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return refuse(res, "no such key here");
    if (k->aux == NULL)
        return refuse(res, "the key has no aux info yet");
    const wf_committee *c = &k->committee;
    if (st->n != c->t)
        return refuse(res, "a signing set has exactly threshold members");
    uint64_t generation = k->generation;
    wf_presign_params p;
    memset(&p, 0, sizeof p);
    p.key = k->share;
    p.aux = k->aux;
    p.n = st->n;
    if (!wf_committee_map_list(c, st->parties, st->n, p.signers))
        return refuse(res, "a party of the signing set is not in the key's committee");
    p.threads = d->cfg.presign_threads;
    wf_machine_cfg mc;
    wf_key_machine_cfg(d, c, &mc, key_id, start_id, "presign");
    wf_machine *m = NULL;
    wf_err err = wf_presign_new(&m, &mc, &p);
    if (err == WF_ERR_UNAUTHORISED)
        return refuse(res, "the signing set is not authorised");
    if (err != WF_OK)
        return refuse(res, "presign could not start");
    wf_member_set set = wf_set_of(st->parties, st->n);
    wf_run_result rr;
    wf_session_drive_mapped(d, m, start_id, wf_committee_to_members(c, set), c->node, d->cfg.session_timeout_ms,
                            &rr);
    from_run(res, &rr, extra);
    wf_presig *ps = NULL;
    if (rr.status == WF_SESSION_DONE && wf_presign_result(m, &ps) != WF_OK) {
        refuse(res, "presign finished without a result");
    } else if (rr.status == WF_SESSION_DONE) {
        wf_store_blob b;
        memset(&b, 0, sizeof b);
        err = wf_record_presig_encode(ps, &b.pub, &b.pub_len, &b.sec, &b.sec_len);
        if (err == WF_OK)
            err = wf_store_presig_add(d->store, key_id, generation, set, ps->session_id, &b);
        if (err != WF_OK) {
            refuse(res, "the presignature could not be stored");
            wf_daemon_log(d, "storing a presignature failed: %s", wf_store_last_error());
        } else if (extra != NULL) {
            extra->has_presig = 1;
            memcpy(extra->presig_id, ps->session_id, WF_ID_BYTES);
        }
        wf_store_blob_clear(&b);
        wf_presig_free(ps);
        wf_member_pool_gauge(d, key_id, set);
    }
    wf_machine_free(m);
}

void wf_daemon_request_of(wf_store_request *req, const wf_sign_request *r)
{
    memset(req, 0, sizeof *req);
    memcpy(req->id, r->request_id, r->request_id_len);
    req->id_len = r->request_id_len;
    wf_sign_request_context(r, req->context);
    memcpy(req->digest, r->digest, WF_DIGEST_BYTES);
}

static const char *policy_denied(wf_daemon *d, const wf_sign_request *r)
{
    wf_policy_verdict v = wf_node_policy_check(d, r);
    return v == WF_POLICY_ALLOW ? NULL : wf_policy_verdict_str(v);
}

static void sign_claimed(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                         const wf_control_start *st, wf_control_result *res, wf_member_extra *extra,
                         const wf_sign_request *rq);

/* One signing run per request at a time on this node, so two coordinators
 * racing on one request cannot both get this node's partial: the second is
 * refused, and once the first is done it answers with that signature. */
static void run_sign(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                     const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    wf_sign_request r;
    uint8_t name[32];
    if (wf_sign_request_decode(&r, st->request, st->request_len) != WF_OK)
        return refuse(res, "malformed sign request");
    wf_request_name(name, &r);
    if (!wf_claim(d, &d->signing, name))
        return refuse(res, "this request is being signed here now");
    sign_claimed(d, key_id, start_id, st, res, extra, &r);
    wf_unclaim(d, &d->signing, name);
}

static void sign_claimed(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                         const wf_control_start *st, wf_control_result *res, wf_member_extra *extra,
                         const wf_sign_request *rq)
{
    wf_sign_request r = *rq;
    wf_store_request req;
    wf_store_request_state state;
    unsigned attempts = 0;
    const char *denied;
    wf_err err;
    if (!st->has_presig)
        return refuse(res, "sign without a presignature id");
    if (memcmp(r.key_id, key_id, WF_ID_BYTES) != 0)
        return refuse(res, "the sign request names another key");
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return refuse(res, "no such key here");
    const wf_committee *c = &k->committee;
    if (!wf_committee_authorised(c, wf_set_of(st->parties, st->n)))
        return refuse(res, "the signing set is not an authorised set of the key's committee");
    wf_request_verdict v = wf_sign_request_check(&r, wf_daemon_now_ms());
    if (v != WF_REQUEST_OK)
        return refuse(res, wf_request_verdict_str(v));
    wf_daemon_request_of(&req, &r);
    err = wf_store_request_lookup(d->store, &req, &state, res->sig, &attempts);
    if (err == WF_ERR_CONFLICT)
        return refuse(res, "the request id was used for another digest, key or path");
    if (err != WF_OK)
        return refuse(res, "the request store could not be read");
    if (state == WF_REQUEST_DONE) {
        res->outcome = WF_OUTCOME_ALREADY;
        res->has_sig = 1;
        return;
    }
    if ((extra == NULL || !extra->policy_checked) && (denied = policy_denied(d, &r)) != NULL)
        return refuse(res, denied);

    /* consume the presignature durably before anything can leave */
    wf_member_set set = wf_set_of(st->parties, st->n);
    wf_store_blob b;
    memset(&b, 0, sizeof b);
    uint64_t take_count = 0;
    err = wf_store_presig_take(d->store, key_id, set, st->presig_id, &req, &b, &take_count);
    wf_member_pool_gauge(d, key_id, set);
    if (err == WF_ERR_NOT_FOUND)
        return refuse(res, "no such presignature here for this signing set");
    if (err != WF_OK)
        return refuse(res, err == WF_ERR_CONFLICT ? "the presignature was used already, or the request has no "
                                                    "attempts left"
                                                  : "the presignature could not be taken");
    res->take_count = take_count;
    wf_presig *ps = NULL;
    err = wf_record_presig_decode(&ps, b.pub, b.pub_len, b.sec, b.sec_len);
    wf_store_blob_clear(&b);
    if (err != WF_OK)
        return refuse(res, "the stored presignature does not decode");
    wf_sign_params p;
    memset(&p, 0, sizeof p);
    p.key = &k->share->pub;
    p.presig = ps;
    memcpy(p.digest, r.digest, WF_DIGEST_BYTES);
    p.path = r.path_len ? r.path : NULL;
    p.path_len = r.path_len;
    wf_machine_cfg mc;
    wf_key_machine_cfg(d, c, &mc, key_id, start_id, "sign");
    wf_machine *m = NULL;
    err = wf_sign_new(&m, &mc, &p);
    wf_presig_free(ps);
    if (err != WF_OK)
        return refuse(res, "sign could not start");
    wf_run_result rr;
    wf_session_drive_mapped(d, m, start_id, wf_committee_to_members(c, set), c->node, d->cfg.session_timeout_ms,
                            &rr);
    from_run(res, &rr, extra);
    res->take_count = take_count;
    wf_ecdsa_sig sig;
    if (rr.status == WF_SESSION_DONE && wf_sign_result(m, &sig, NULL) == WF_OK &&
        wf_ecdsa_sig_to_compact(res->sig, &sig) == WF_OK) {
        res->has_sig = 1;
        err = wf_store_request_finish(d->store, &req, res->sig);
        if (err == WF_ERR_CONFLICT) {
            /* a concurrent run signed this request first: that signature is the answer */
            wf_store_request_state st2;
            if (wf_store_request_lookup(d->store, &req, &st2, res->sig, &attempts) == WF_OK &&
                st2 == WF_REQUEST_DONE)
                res->outcome = WF_OUTCOME_ALREADY;
            else
                refuse(res, "the request was signed twice and the first signature cannot be read");
        } else if (err != WF_OK) {
            wf_daemon_log(d, "recording a signature failed: %s", wf_store_last_error());
        }
        char rid[2 * WF_REQUEST_ID_MAX + 1], dig[2 * WF_DIGEST_BYTES + 1], kid[2 * WF_ID_BYTES + 1];
        wf_hex(rid, r.request_id, r.request_id_len);
        wf_hex(dig, r.digest, WF_DIGEST_BYTES);
        wf_hex(kid, key_id, WF_ID_BYTES);
        wf_daemon_audit(d, "sign", "key=%s request=%s digest=%s path_len=%zu take=%llu", kid, rid, dig,
                        r.path_len, (unsigned long long)take_count);
    }
    wf_machine_free(m);
}

/* Presign and sign borrow the key's share and aux for the whole session: a
 * refresh of the key here holds them off (node/refresh.h), and a coordinator
 * holding another generation of the key is refused, naming both. */
static void run_borrowing(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                          const wf_control_start *st, wf_control_result *res, wf_member_extra *extra)
{
    char buf[WF_CONTROL_REASON_MAX];
    const char *why;
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return refuse(res, "no such key here");
    const uint8_t *presign = strcmp(st->protocol, "presign") == 0 ? start_id : NULL;
    if (!wf_node_key_use(d, k, presign))
        return refuse(res, WF_REFRESH_RUNNING);
    if ((why = wf_refresh_stamp_mismatch(k, st, buf, sizeof buf)) != NULL)
        refuse(res, why);
    else if (presign != NULL)
        run_presign(d, key_id, start_id, st, res, extra);
    else
        run_sign(d, key_id, start_id, st, res, extra);
    wf_node_key_unuse(d, k, presign);
}

/* ---- one lifecycle run per key ---- */

#define SUPERSEDE_WAIT_MS 5000

static void request_hash(const wf_control_start *st, uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)st->protocol, strlen(st->protocol) + 1);
    crypto_generichash_update(&h, st->request, st->request_len);
    crypto_generichash_final(&h, out, 32);
}

static wf_lifecycle_run *lifecycle_find(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES])
{
    for (size_t i = 0; i < WF_INFLIGHT_MAX; i++)
        if (d->lifecycle[i].used && memcmp(d->lifecycle[i].key_id, key_id, WF_ID_BYTES) == 0)
            return &d->lifecycle[i];
    return NULL;
}

/* Claims the key for a lifecycle run; 1 when claimed. A run here of the same
 * protocol and request, started earlier by the same coordinator (another
 * node), is cancelled and waited for, up to SUPERSEDE_WAIT_MS: that
 * coordinator has given up on it — it runs its own party of a session to the
 * end before it starts the request again, or it restarted — so the run could
 * only time out, holding the key meanwhile, and the retry would be refused
 * as "already running" for as long (it was, after a member's restart: the
 * client's retries failed for the rest of the session timeout). Anything
 * else keeps the running one and refuses the new one. */
static int lifecycle_claim(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st)
{
    uint8_t h[32];
    request_hash(st, h);
    uint64_t until = wf_daemon_now_ms() + SUPERSEDE_WAIT_MS;
    int cancelled = 0, claimed = 0;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        wf_lifecycle_run *run = lifecycle_find(d, key_id);
        if (run == NULL) {
            for (size_t i = 0; i < WF_INFLIGHT_MAX && !claimed; i++) {
                wf_lifecycle_run *r = &d->lifecycle[i];
                if (r->used)
                    continue;
                r->used = 1;
                memcpy(r->key_id, key_id, WF_ID_BYTES);
                r->coordinator = coordinator;
                memcpy(r->start_id, start_id, WF_ID_BYTES);
                r->issued_ms = st->issued_ms;
                memcpy(r->request_hash, h, 32);
                claimed = 1;
            }
            break;
        }
        int stale = coordinator != d->self && run->coordinator == coordinator && st->issued_ms > run->issued_ms &&
                    sodium_memcmp(run->request_hash, h, 32) == 0;
        if (!stale || wf_daemon_now_ms() >= until)
            break;
        if (!cancelled) {
            uint8_t old[WF_ID_BYTES];
            memcpy(old, run->start_id, WF_ID_BYTES);
            pthread_mutex_unlock(&d->mu);
            wf_daemon_log(d, "%s: its coordinator started the same request again; the earlier run here stops",
                          st->protocol);
            wf_session_cancel(d, old, WF_CULPRIT_NONE, "replaced by a newer start of the same request");
            cancelled = 1;
            pthread_mutex_lock(&d->mu);
            continue;
        }
        struct timespec ts;
        wf_mono_deadline(&ts, 100);
        pthread_cond_timedwait(&d->cv, &d->mu, &ts);
    }
    pthread_mutex_unlock(&d->mu);
    return claimed;
}

static void lifecycle_release(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES])
{
    pthread_mutex_lock(&d->mu);
    wf_lifecycle_run *run = lifecycle_find(d, key_id);
    if (run != NULL)
        run->used = 0;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* One keygen, aux-info, refresh, reshare or retire per key at a time on this
 * node: two concurrent runs (a retried client request, a member starting one
 * on its own) would leave members holding the results of different runs. */
void wf_member_run(wf_daemon *d, uint32_t coordinator, const uint8_t key_id[WF_ID_BYTES],
                   const uint8_t start_id[WF_ID_BYTES], const wf_control_start *st, wf_control_result *res,
                   wf_member_extra *extra)
{
    memset(res, 0, sizeof *res);
    res->culprit = WF_CULPRIT_NONE;
    int in = 0, coord_in = 0;
    for (size_t i = 0; i < st->n; i++) {
        in |= st->parties[i] == d->self;
        coord_in |= st->parties[i] == coordinator;
    }
    if (!in || !coord_in)
        return refuse(res, "this node or the coordinator is not among the parties");
    int lifecycle = strcmp(st->protocol, "keygen") == 0 || strcmp(st->protocol, "aux-info") == 0 ||
                    wf_refresh_is_protocol(st->protocol) || wf_reshare_is_protocol(st->protocol);
    if (lifecycle && !lifecycle_claim(d, coordinator, key_id, start_id, st))
        return refuse(res, "a keygen, aux-info, refresh or reshare for this key is already running here");
    if (wf_refresh_is_protocol(st->protocol))
        wf_refresh_member_run(d, coordinator, key_id, start_id, st, res, extra);
    else if (strcmp(st->protocol, "presign") == 0 || strcmp(st->protocol, "sign") == 0)
        run_borrowing(d, key_id, start_id, st, res, extra);
    else if (strcmp(st->protocol, "keygen") == 0)
        run_keygen(d, key_id, start_id, st, res, extra);
    else if (strcmp(st->protocol, "aux-info") == 0)
        run_aux(d, key_id, start_id, st, res, extra);
    else if (wf_reshare_is_protocol(st->protocol))
        wf_reshare_member_run(d, coordinator, key_id, start_id, st, res, extra);
    else
        refuse(res, "unknown protocol");
    if (lifecycle)
        lifecycle_release(d, key_id);
}

/* ---- starts from other members ---- */

typedef struct member_job {
    wf_daemon *d;
    uint32_t from;
    uint8_t key_id[WF_ID_BYTES];
    uint8_t start_id[WF_ID_BYTES];
    wf_control_start st;
} member_job;

static void reply(wf_daemon *d, uint32_t to, const uint8_t key_id[WF_ID_BYTES], const uint8_t start_id[WF_ID_BYTES],
                  const wf_control_result *res)
{
    wf_control_addr a = {d->cluster->cluster_id, key_id, start_id, d->self, to};
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (wf_control_seal_result(&bytes, &len, &a, res, d->id.identity_sk) == WF_OK)
        wf_daemon_send(d, to, bytes, len);
    free(bytes);
}

static void *job_main(void *arg)
{
    member_job *j = arg;
    wf_daemon *d = j->d;
    wf_control_result res;
    wf_member_run(d, j->from, j->key_id, j->start_id, &j->st, &res, NULL);
    reply(d, j->from, j->key_id, j->start_id, &res);
    free(j);
    pthread_mutex_lock(&d->mu);
    d->member_threads--;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

int wf_member_seen_before(wf_daemon *d, const uint8_t start_id[WF_ID_BYTES])
{
    uint64_t now = wf_daemon_now_ms();
    int seen = 0;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < WF_SEEN_STARTS_MAX && !seen; i++)
        seen = d->seen_at[i] != 0 && memcmp(d->seen_starts[i], start_id, WF_ID_BYTES) == 0;
    if (!seen) {
        memcpy(d->seen_starts[d->seen_next], start_id, WF_ID_BYTES);
        d->seen_at[d->seen_next] = now;
        d->seen_next = (d->seen_next + 1) % WF_SEEN_STARTS_MAX;
    }
    pthread_mutex_unlock(&d->mu);
    return seen;
}

void wf_member_accept(wf_daemon *d, uint32_t from, const wf_envelope *env)
{
    const char *why = NULL;
    const char *labels[1];
    wf_control_result res;
    memset(&res, 0, sizeof res);
    res.culprit = WF_CULPRIT_NONE;
    member_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return;
    j->d = d;
    j->from = from;
    memcpy(j->key_id, env->key_id, WF_ID_BYTES);
    memcpy(j->start_id, env->session_id, WF_ID_BYTES);
    if (wf_control_decode_start(&j->st, env->payload, env->payload_len, d->n, &why) != WF_OK) {
        labels[0] = "bad_control";
        wf_metric_add(d->nm.refused_envelopes, labels, 1);
        wf_daemon_log(d, "refused a session start from %s: %s", d->cluster->members[from].pub.name, why);
        refuse(&res, why);
        goto answer;
    }
    uint64_t now = wf_daemon_now_ms();
    uint64_t issued = j->st.issued_ms;
    if (issued + WF_DAEMON_START_SKEW_MS < now || issued > now + WF_DAEMON_START_SKEW_MS) {
        labels[0] = "expired";
        wf_metric_add(d->nm.refused_envelopes, labels, 1);
        wf_daemon_log(d, "refused a session start from %s: issued too long ago or in the future",
                      d->cluster->members[from].pub.name);
        refuse(&res, "session start expired (check the clocks)");
        goto answer;
    }
    if (wf_member_seen_before(d, j->start_id)) {
        labels[0] = "replay";
        wf_metric_add(d->nm.refused_envelopes, labels, 1);
        wf_daemon_log(d, "dropped a replayed session start from %s", d->cluster->members[from].pub.name);
        free(j);
        return;
    }
    pthread_mutex_lock(&d->mu);
    const char *busy = atomic_load(&d->stopping) != 0          ? "the node is shutting down"
                       : d->member_threads >= WF_MEMBER_THREADS_MAX ? "the node is busy (too many sessions)"
                                                                    : NULL;
    if (busy == NULL)
        d->member_threads++;
    pthread_mutex_unlock(&d->mu);
    if (busy != NULL) {
        refuse(&res, busy);
        goto answer;
    }
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, job_main, j);
    pthread_attr_destroy(&attr);
    if (rc == 0)
        return;
    pthread_mutex_lock(&d->mu);
    d->member_threads--;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    refuse(&res, "the node is out of threads");
answer:
    reply(d, from, j->key_id, j->start_id, &res);
    free(j);
}

/* The coordinator (DESIGN §1): runs one session among a quorum (asks the
 * other members with a SessionStart, takes part itself, collects their
 * SessionResults), and on top of that the two requests a client makes: sign
 * (pick an authorised quorum of reachable members, preferring one with a
 * pooled presignature this node owns, presign if none, sign, verify, and
 * retry with another quorum without a named culprit or a silent member) and
 * keygen (keygen, then aux-info, among the key's committee: every member
 * unless the request names one, node/committee.h). Signing sets are
 * authorised sets of the key's committee, in node indices.
 *
 * Every member of a signing set holds that set's pool, so any of them could
 * name a pooled presignature; two coordinators naming the same one at once
 * would each get the other's members' refusal ("used already"). Hence one
 * owner per presignature (wf_presig_owner, at pick_pooled): only the owner
 * coordinates with it. A presign this node runs for its own request is made
 * with a start id that makes this node the owner (wf_coord_presign), so no
 * other coordinator takes it from its pool before our sign starts. Members
 * do not know owners: they still refuse a presignature used twice. */
#include "node/coordinator.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/bip32.h"
#include "crypto/ecdsa.h"
#include "node/monotonic.h"
#include "node/refresh.h"
#include "protocol/presign.h"
#include "store/audit.h"
#include "store/presig_pool.h"

#define RESULT_GRACE_MS 5000 /* members report after storing their result */
#define MAX_ROUNDS      6    /* quorum choices per request */
#define POOL_SCAN_FIRST 16   /* pooled ids read to find one of ours, at first… */
#define POOL_SCAN_MAX   4096 /* … and at most (×4 each time the first read was all others') */
#define OWNER_TRIES     256  /* start ids tried for a given owner (t <= 8: misses with p <= (7/8)^256) */

static wf_waiter *find_waiter(wf_daemon *d, const uint8_t start_id[WF_ID_BYTES])
{
    for (wf_waiter *w = d->waiters; w; w = w->next)
        if (memcmp(w->start_id, start_id, WF_ID_BYTES) == 0)
            return w;
    return NULL;
}

void wf_coord_result(wf_daemon *d, uint32_t from, const wf_envelope *env)
{
    wf_control_result r;
    const char *why = NULL;
    if (wf_control_decode_result(&r, env->payload, env->payload_len, &why) != WF_OK) {
        const char *labels[] = {"bad_control"};
        wf_metric_add(d->nm.refused_envelopes, labels, 1);
        wf_daemon_log(d, "refused a session result from %s: %s", d->cluster->members[from].pub.name, why);
        return;
    }
    int cancel = 0;
    pthread_mutex_lock(&d->mu);
    wf_waiter *w = find_waiter(d, env->session_id);
    if (w != NULL && (w->parties & WF_SET_BIT(from)) && !(w->answered & WF_SET_BIT(from))) {
        w->results[from] = r;
        w->answered |= WF_SET_BIT(from);
        cancel = r.outcome != WF_OUTCOME_DONE;
        pthread_cond_broadcast(&d->cv);
    } else {
        const char *labels[] = {w == NULL ? "no_session" : "replay"};
        wf_metric_add(d->nm.refused_envelopes, labels, 1);
    }
    pthread_mutex_unlock(&d->mu);
    if (cancel) {
        char reason[WF_CONTROL_REASON_MAX];
        snprintf(reason, sizeof reason, "%.40s %s%s%.80s", d->cluster->members[from].pub.name,
                 wf_outcome_str(r.outcome), r.reason[0] ? ": " : "", r.reason);
        wf_session_cancel(d, env->session_id, WF_CULPRIT_NONE, reason);
    }
}

/* One session as the coordinator, under start_id (NULL: a random one). */
static void run(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_control_start *st, int policy_checked,
                const uint8_t *start_id, wf_coord_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->culprit = WF_CULPRIT_NONE;
    out->outcome = WF_OUTCOME_ABORTED;
    wf_waiter *w = calloc(1, sizeof *w);
    if (w == NULL) {
        snprintf(out->reason, sizeof out->reason, "out of memory");
        return;
    }
    if (start_id != NULL)
        memcpy(w->start_id, start_id, WF_ID_BYTES);
    else
        randombytes_buf(w->start_id, WF_ID_BYTES);
    wf_member_seen_before(d, w->start_id); /* a member sending it back to us is a replay */
    w->parties = wf_set_of(st->parties, st->n);
    st->issued_ms = wf_daemon_now_ms();
    wf_refresh_stamp(d, key_id, st);
    pthread_mutex_lock(&d->mu);
    w->next = d->waiters;
    d->waiters = w;
    pthread_mutex_unlock(&d->mu);

    wf_control_addr a = {d->cluster->cluster_id, key_id, w->start_id, d->self, 0};
    for (size_t i = 0; i < st->n; i++) {
        uint32_t m = st->parties[i];
        if (m == d->self)
            continue;
        uint8_t *bytes = NULL;
        size_t len = 0;
        a.to = m;
        if (wf_control_seal_start(&bytes, &len, &a, st, d->id.identity_sk) == WF_OK)
            wf_daemon_send(d, m, bytes, len);
        free(bytes);
    }

    wf_control_result local;
    wf_member_extra extra;
    memset(&extra, 0, sizeof extra);
    extra.policy_checked = policy_checked;
    wf_member_run(d, d->self, key_id, w->start_id, st, &local, &extra);

    /* collect the others' reports */
    wf_member_set others = w->parties & ~WF_SET_BIT(d->self);
    struct timespec deadline;
    wf_mono_deadline(&deadline, RESULT_GRACE_MS);
    pthread_mutex_lock(&d->mu);
    while ((w->answered & others) != others && atomic_load(&d->stopping) < 2)
        if (pthread_cond_timedwait(&d->cv, &d->mu, &deadline) != 0)
            break;
    for (wf_waiter **p = &d->waiters; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    pthread_mutex_unlock(&d->mu);

    out->silent = extra.silent | (others & ~w->answered);
    out->answered = w->answered & others;
    out->local = local;
    memcpy(out->results, w->results, sizeof out->results);
    if (extra.has_presig)
        memcpy(out->presig_id, extra.presig_id, WF_ID_BYTES);
    int all_done = local.outcome == WF_OUTCOME_DONE || local.outcome == WF_OUTCOME_ALREADY;
    int already = local.outcome == WF_OUTCOME_ALREADY && local.has_sig;
    for (uint32_t m = 0; m < d->n; m++) {
        if (!(others & WF_SET_BIT(m)))
            continue;
        if (!(w->answered & WF_SET_BIT(m))) {
            all_done = 0;
            continue;
        }
        const wf_control_result *r = &w->results[m];
        if (r->outcome == WF_OUTCOME_REFUSED) {
            out->refused |= WF_SET_BIT(m);
            all_done = 0;
            if (out->reason[0] == '\0')
                snprintf(out->reason, sizeof out->reason, "%.40s refused: %.100s",
                         d->cluster->members[m].pub.name, r->reason);
        } else if (r->outcome == WF_OUTCOME_ABORTED) {
            all_done = 0;
        }
        /* a member's signature for a request signed before */
        if (r->outcome == WF_OUTCOME_ALREADY && r->has_sig && !out->has_sig) {
            already = 1;
            out->has_sig = 1;
            memcpy(out->sig, r->sig, WF_CONTROL_SIG_BYTES);
        }
        /* rollback: a member's presignature take counter never goes back */
        if (r->take_count != 0) {
            int back = wf_node_take_seen(d, m, r->take_count);
            if (back) {
                wf_daemon_audit(d, "rollback",
                                "member %u (%s) reported presignature take counter %llu, not above "
                                "one it reported before: its store may have been rolled back",
                                m, d->cluster->members[m].pub.name, (unsigned long long)r->take_count);
                wf_daemon_exclude(d, m, WF_EXCLUDE_CULPRIT_MS, "presignature take counter went backwards");
            }
        }
    }
    if (local.has_sig && !out->has_sig) {
        out->has_sig = 1;
        memcpy(out->sig, local.sig, WF_CONTROL_SIG_BYTES);
    }
    if (local.outcome == WF_OUTCOME_ABORTED) {
        out->culprit = local.culprit;
        snprintf(out->reason, sizeof out->reason, "%s", local.reason);
    } else if (local.outcome == WF_OUTCOME_REFUSED && out->reason[0] == '\0') {
        snprintf(out->reason, sizeof out->reason, "%s", local.reason);
    }
    if (all_done)
        out->outcome = local.outcome == WF_OUTCOME_ALREADY ? WF_OUTCOME_ALREADY : WF_OUTCOME_DONE;
    else if (already && out->has_sig)
        out->outcome = WF_OUTCOME_ALREADY; /* the caller verifies the signature */
    else if (local.outcome == WF_OUTCOME_REFUSED)
        out->outcome = WF_OUTCOME_REFUSED;
    if (out->outcome != WF_OUTCOME_DONE && out->outcome != WF_OUTCOME_ALREADY && out->reason[0] == '\0')
        snprintf(out->reason, sizeof out->reason, "%zu member(s) did not answer in time",
                 wf_set_count(out->silent));
    free(w);
}

void wf_coord_run_ex(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_control_start *st,
                     int policy_checked, wf_coord_outcome *out)
{
    run(d, key_id, st, policy_checked, NULL, out);
}

void wf_coord_run(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_control_start *st,
                  wf_coord_outcome *out)
{
    run(d, key_id, st, 0, NULL, out);
}

/* After a failed run: leave out who was named or did not answer. */
/* After a failed run: a named culprit is left out of every quorum for a
 * while, a member that did not answer for a short while; a member that
 * refused (its policy, a presignature it lacks, an expired request) only for
 * the rest of this request (*avoid, if given): refusing is not misbehaving. */
static void learn(wf_daemon *d, const wf_coord_outcome *o, wf_member_set *avoid)
{
    if (o->culprit != WF_CULPRIT_NONE && o->culprit < d->n && o->culprit != d->self)
        wf_daemon_exclude(d, o->culprit, WF_EXCLUDE_CULPRIT_MS, o->reason);
    for (uint32_t m = 0; m < d->n; m++)
        if (o->silent & WF_SET_BIT(m))
            wf_daemon_exclude(d, m, WF_EXCLUDE_SILENT_MS, "did not answer in time");
    if (avoid != NULL)
        *avoid |= o->refused;
}

static void set_start(wf_control_start *st, const char *protocol, wf_member_set parties)
{
    memset(st, 0, sizeof *st);
    snprintf(st->protocol, sizeof st->protocol, "%s", protocol);
    st->n = wf_set_members(parties, st->parties);
}

/* ---- presignature reservations: one coordinator never hands the same
 * presignature to two of its requests at once ---- */

static int reserve(wf_daemon *d, const uint8_t id[WF_ID_BYTES])
{
    int ok = 1;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_reserved && ok; i++)
        ok = memcmp(d->reserved[i], id, WF_ID_BYTES) != 0;
    if (ok && d->n_reserved < sizeof d->reserved / sizeof d->reserved[0])
        memcpy(d->reserved[d->n_reserved++], id, WF_ID_BYTES);
    else
        ok = 0;
    pthread_mutex_unlock(&d->mu);
    return ok;
}

static void unreserve(wf_daemon *d, const uint8_t id[WF_ID_BYTES])
{
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->n_reserved; i++)
        if (memcmp(d->reserved[i], id, WF_ID_BYTES) == 0) {
            memcpy(d->reserved[i], d->reserved[--d->n_reserved], WF_ID_BYTES);
            break;
        }
    pthread_mutex_unlock(&d->mu);
}

/* ---- presignature ownership ----
 *
 * The rule: a pooled presignature of signing set S may be named in a sign
 * start only by its owner, the member of S at position
 *     be64(id[0..8)) mod |S|
 * in S's ascending member order (id: the presignature's name, the bound
 * session id of the presign run that made it). Every member computes the same
 * owner from the id alone, so coordinators need not talk to agree; ids are
 * hashes, so randomly started presign runs spread a pool evenly over its
 * members. reserve() then keeps this node's own concurrent requests apart.
 *
 * Whoever starts a presign can choose the owner by trying start ids
 * (wf_presign_id predicts the name): the keeper gives each new presignature
 * to the member that owns the fewest in the pool (node/keeper.c), and a
 * coordinator presigning for its own request makes itself the owner — else,
 * between the members storing the presignature and our sign start reaching
 * them, its owner could take it from its pool for another request.
 *
 * A coordinator that owns none of a set's pool presigns on demand even when
 * the set's pool is above the keeper's low mark (the others' share): correct,
 * one presign slower. Members do not check the rule — refusing a presignature
 * used already stays their guard, and a coordinator breaking the rule only
 * costs a retry. */

uint32_t wf_presig_owner(wf_member_set set, const uint8_t id[WF_ID_BYTES])
{
    uint32_t members[WF_MAX_MEMBERS];
    size_t n = wf_set_members(set, members);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | id[i];
    return n == 0 ? UINT32_MAX : members[h % n];
}

void wf_coord_presign(wf_daemon *d, const wf_node_key *k, wf_member_set set, uint32_t owner,
                      wf_coord_outcome *out)
{
    wf_control_start st;
    uint8_t start_id[WF_ID_BYTES], want[WF_ID_BYTES];
    int chosen = 0, tries = 0;
    uint32_t signers[WF_MAX_MEMBERS]; /* the key's member indices: the ids the presign binds */
    set_start(&st, "presign", set);
    int mapped = wf_committee_map_list(&k->committee, st.parties, st.n, signers);
    do {
        randombytes_buf(start_id, sizeof start_id);
        chosen = mapped && wf_presign_id(want, start_id, &k->share->pub, signers, st.n) == WF_OK &&
                 wf_presig_owner(set, want) == owner;
    } while (mapped && !chosen && ++tries < OWNER_TRIES);
    run(d, k->key_id, &st, 0, start_id, out);
    if (chosen && out->outcome == WF_OUTCOME_DONE && memcmp(out->presig_id, want, WF_ID_BYTES) != 0)
        wf_daemon_log(d, "a presignature's name is not the one predicted for its start id: its owner is %u",
                      wf_presig_owner(set, out->presig_id));
}

/* The oldest pooled presignature of this set that this node owns and no
 * other request of ours holds. Reads the pool's first POOL_SCAN_FIRST ids,
 * more when those are all others' or reserved. Expired ones (and ones about
 * to expire) are never listed: the store decides lifetime in one place, for
 * this pick and for every member's take (wf_store_presig_set_ttl). */
static int pick_pooled(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_member_set set,
                       uint8_t id[WF_ID_BYTES])
{
    int found = 0;
    for (size_t max = POOL_SCAN_FIRST; !found && max <= POOL_SCAN_MAX; max *= 4) {
        uint8_t(*ids)[WF_ID_BYTES] = malloc(max * WF_ID_BYTES);
        size_t n = 0;
        if (ids == NULL || wf_store_presig_pick_n(d->store, key_id, set, ids, max, &n) != WF_OK) {
            free(ids);
            return 0;
        }
        for (size_t i = 0; i < n && !found; i++)
            if (wf_presig_owner(set, ids[i]) == d->self && reserve(d, ids[i])) {
                memcpy(id, ids[i], WF_ID_BYTES);
                found = 1;
            }
        free(ids);
        if (n < max)
            break; /* that was the whole pool */
    }
    return found;
}

/* The (derived) key the request is signed under. */
static wf_err request_key(const wf_node_key *k, const wf_sign_request *r, wf_point *pub)
{
    wf_xpub root, child;
    wf_err err = wf_key_xpub(&k->share->pub, &root);
    if (err == WF_OK)
        err = wf_bip32_derive_path(&child, NULL, &root, r->path, r->path_len);
    if (err == WF_OK)
        *pub = child.key;
    return err;
}

static int sig_ok(const wf_point *pub, const wf_sign_request *r, const uint8_t sig65[65], wf_ecdsa_sig *sig)
{
    return wf_ecdsa_sig_from_compact(sig, sig65, WF_ECDSA_COMPACT_BYTES) == WF_OK &&
           wf_ecdsa_verify_strict(pub, r->digest, sig) == WF_OK;
}

/* The valid signature of a run: one a member had recorded before (ALREADY),
 * else our own part's, else one a member made in this run. A member that
 * reports a signature that does not verify is named. */
static int pick_signature(wf_daemon *d, const wf_point *pub, const wf_sign_request *r, wf_coord_outcome *o,
                          wf_ecdsa_sig *sig)
{
    /* a signature a member recorded before this run is the request's answer */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t m = 0; m < d->n; m++) {
            const wf_control_result *res = &o->results[m];
            if (!(o->answered & WF_SET_BIT(m)) || !res->has_sig ||
                (res->outcome == WF_OUTCOME_ALREADY) != !pass)
                continue;
            if (sig_ok(pub, r, res->sig, sig))
                return 1;
            wf_daemon_audit(d, "bad-result", "member %u (%s) reported a signature that does not verify", m,
                            d->cluster->members[m].pub.name);
            o->culprit = m;
            snprintf(o->reason, sizeof o->reason, "reported a signature that does not verify");
        }
        if (pass == 0 && o->local.has_sig && sig_ok(pub, r, o->local.sig, sig))
            return 1;
    }
    return 0;
}

/* Our request record ends with the signature we return: if another run got
 * there first, its signature is the answer, so one request id never yields
 * two signatures from this node. */
static int settle(wf_daemon *d, const wf_point *pub, const wf_sign_request *r, wf_ecdsa_sig *sig)
{
    wf_store_request req;
    uint8_t sig65[WF_STORE_SIG_BYTES], stored[WF_STORE_SIG_BYTES];
    wf_store_request_state state;
    unsigned attempts = 0;
    wf_daemon_request_of(&req, r);
    if (wf_ecdsa_sig_to_compact(sig65, sig) != WF_OK)
        return 0;
    wf_err err = wf_store_request_finish(d->store, &req, sig65);
    if (err == WF_OK)
        return 1;
    if (err == WF_ERR_CONFLICT &&
        wf_store_request_lookup(d->store, &req, &state, stored, &attempts) == WF_OK &&
        state == WF_REQUEST_DONE && sig_ok(pub, r, stored, sig))
        return 1;
    wf_daemon_log(d, "recording the request's signature failed: %s", wf_store_last_error());
    return 0;
}

static wf_client_code sign_rounds(wf_daemon *d, const wf_node_key *k, const wf_sign_request *r,
                                  const uint8_t *raw, size_t raw_len, wf_coord_sign_out *out)
{
    char last[WF_CONTROL_REASON_MAX] = "no attempt ran";
    wf_client_code last_code = WF_CLIENT_UNAVAILABLE;
    wf_member_set avoid = 0;
    wf_point pub;
    if (request_key(k, r, &pub) != WF_OK)
        return wf_client_fail(out->why, sizeof out->why, WF_CLIENT_BAD_REQUEST, "the path cannot be derived");
    for (int round = 0; round < MAX_ROUNDS; round++) {
        if (atomic_load(&d->stopping) != 0)
            return wf_client_fail(out->why, sizeof out->why, WF_CLIENT_SHUTTING_DOWN,
                                  "the node is shutting down; retry on another node");
        if (wf_daemon_now_ms() >= r->expiry_ms)
            return wf_client_fail(out->why, sizeof out->why, WF_CLIENT_EXPIRED, "the request expired (%s)",
                                  last);
        wf_member_set usable = wf_daemon_usable(d) & ~avoid;
        wf_member_set q[64];
        size_t nq = wf_committee_quorums(&k->committee, WF_SET_BIT(d->self), usable, q, 64);
        if (nq == 0) {
            char up[256];
            wf_daemon_names(d, usable & k->committee.nodes, up, sizeof up);
            return wf_client_fail(out->why, sizeof out->why, WF_CLIENT_UNAVAILABLE,
                                  "no authorised quorum among the reachable members (usable: %s); %s", up,
                                  round ? last : "retry when more members are up");
        }
        /* prefer a set with a pooled presignature; else presign for one */
        uint8_t presig_id[WF_ID_BYTES];
        wf_member_set set = 0;
        for (size_t i = 0; i < nq && set == 0; i++)
            if (pick_pooled(d, r->key_id, q[i], presig_id))
                set = q[i];
        wf_control_start st;
        wf_coord_outcome o;
        if (set == 0) {
            set = q[(size_t)round % nq];
            wf_coord_presign(d, k, set, d->self, &o);
            if (o.outcome != WF_OUTCOME_DONE || !reserve(d, o.presig_id)) {
                snprintf(last, sizeof last, "presign failed: %.140s", o.reason);
                last_code = WF_CLIENT_ABORTED;
                learn(d, &o, &avoid);
                continue;
            }
            memcpy(presig_id, o.presig_id, WF_ID_BYTES);
            out->cold = 1;
        }
        set_start(&st, "sign", set);
        memcpy(st.request, raw, raw_len);
        st.request_len = raw_len;
        st.has_presig = 1;
        memcpy(st.presig_id, presig_id, WF_ID_BYTES);
        wf_coord_run_ex(d, r->key_id, &st, 1, &o);
        unreserve(d, presig_id);
        if (pick_signature(d, &pub, r, &o, &out->sig) && settle(d, &pub, r, &out->sig)) {
            out->pub = pub;
            out->signers = set;
            return WF_CLIENT_OK;
        }
        snprintf(last, sizeof last, "sign failed: %.140s", o.reason);
        last_code = WF_CLIENT_ABORTED;
        learn(d, &o, &avoid);
        /* our own store refuses more attempts for this request */
        if (o.local.outcome == WF_OUTCOME_REFUSED && strstr(o.local.reason, "attempts") != NULL)
            break;
    }
    return wf_client_fail(out->why, sizeof out->why, last_code, "%s", last);
}

wf_client_code wf_coord_sign(wf_daemon *d, const wf_sign_request *r, wf_coord_sign_out *out)
{
    uint8_t raw[WF_CONTROL_REQUEST_MAX];
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    memset(out, 0, sizeof *out);
    wf_node_key *k = wf_node_key_find(d, r->key_id);
    if (k == NULL)
        return wf_client_fail(out->why, sizeof out->why, WF_CLIENT_NOT_FOUND, "no key with this id");
    if (k->aux == NULL)
        return wf_client_fail(
            out->why, sizeof out->why, WF_CLIENT_UNAVAILABLE,
            "the key's aux-info has not finished; repeat the keygen or reshare request that made it");
    if (wf_sign_request_encode(r, &enc, &enc_len) != WF_OK || enc_len > sizeof raw) {
        free(enc);
        return wf_client_fail(out->why, sizeof out->why, WF_CLIENT_BAD_REQUEST,
                              "the request does not encode");
    }
    memcpy(raw, enc, enc_len);
    free(enc);
    uint8_t name[32];
    wf_request_name(name, r);
    if (!wf_claim(d, &d->coordinating, name))
        return wf_client_fail(out->why, sizeof out->why, WF_CLIENT_UNAVAILABLE,
                              "this request is being signed on this node now; retry in a moment");
    wf_refresh_wait(d, k, r->expiry_ms);
    wf_client_code code = sign_rounds(d, k, r, raw, enc_len, out);
    wf_unclaim(d, &d->coordinating, name);
    return code;
}

wf_client_code wf_coord_keygen(wf_daemon *d, const wf_keygen_request *r, uint8_t key_id[WF_ID_BYTES],
                               char *why, size_t why_cap)
{
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    const char *denied = wf_member_keygen_denied(d, r, wf_daemon_now_ms());
    if (denied != NULL)
        return wf_client_denied(why, why_cap, denied);
    if (wf_keygen_key_id(key_id, d->cluster->cluster_id, r) != WF_OK)
        return wf_client_fail(why, why_cap, WF_CLIENT_INTERNAL, "cannot derive the key id");
    wf_committee c;
    const char *bad = NULL;
    if (wf_keygen_committee(d, r, &c, &bad) != WF_OK)
        return wf_client_fail(why, why_cap, WF_CLIENT_BAD_REQUEST, "the committee: %s", bad);
    if (c.member[d->self] == WF_COMMITTEE_NONE)
        return wf_client_fail(
            why, why_cap, WF_CLIENT_BAD_REQUEST,
            "this node is not in the requested committee; send the request to a member of it");
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k != NULL && k->aux != NULL)
        return WF_CLIENT_OK;
    wf_member_set all = c.nodes;
    wf_member_set usable = wf_daemon_usable(d);
    if ((usable & all) != all) {
        char down[256];
        wf_daemon_names(d, all & ~usable, down, sizeof down);
        return wf_client_fail(why, why_cap, WF_CLIENT_UNAVAILABLE,
                              "keygen needs every member of the key's committee; not reachable now: %s",
                              down);
    }
    wf_control_start st;
    wf_coord_outcome o;
    if (k == NULL) {
        if (wf_keygen_request_encode(r, &enc, &enc_len) != WF_OK || enc_len > sizeof st.request) {
            free(enc);
            return wf_client_fail(why, why_cap, WF_CLIENT_BAD_REQUEST, "the keygen request does not encode");
        }
        set_start(&st, "keygen", all);
        memcpy(st.request, enc, enc_len);
        st.request_len = enc_len;
        free(enc);
        wf_coord_run(d, key_id, &st, &o);
        if (o.outcome != WF_OUTCOME_DONE && o.outcome != WF_OUTCOME_ALREADY) {
            learn(d, &o, NULL);
            return wf_client_fail(why, why_cap, WF_CLIENT_ABORTED, "keygen failed: %s", o.reason);
        }
        if ((k = wf_node_key_find(d, key_id)) == NULL)
            return wf_client_fail(why, why_cap, WF_CLIENT_INTERNAL,
                                  "keygen finished but the key is not here");
    }
    set_start(&st, "aux-info", all);
    wf_coord_run(d, key_id, &st, &o);
    if (o.outcome != WF_OUTCOME_DONE && o.outcome != WF_OUTCOME_ALREADY) {
        learn(d, &o, NULL);
        return wf_client_fail(why, why_cap, WF_CLIENT_ABORTED, "aux-info failed: %s", o.reason);
    }
    if (k->aux == NULL)
        return wf_client_fail(why, why_cap, WF_CLIENT_INTERNAL,
                              "members disagree about the key's aux-info; run a refresh");
    return WF_CLIENT_OK;
}

/* The presignature keeper (DESIGN §3, issue: water-marks): keeps every
 * signing set this node leads (it is the set's lowest member index, so each
 * set has one keeper in the cluster) at a pool depth between the low and high
 * water-marks, presigning in the background while the set's members are
 * reachable. Signing then needs one round.
 *
 * Each pooled presignature has one owner, the member of its set that may
 * coordinate a signature with it (wf_presig_owner; the rule is described in
 * node/coordinator.c), so that two coordinators never name the same one. The
 * keeper counts the pool per owner: it refills when some owner holds less
 * than its share of the low mark (own·t < low — so also whenever the whole
 * pool is below low), up to the high mark for the whole set, and gives each
 * new presignature to the member that owns the fewest. A member that signs
 * often so gets its share back without waiting for the others to use theirs.
 * Between two passes (or with high < t, when some member owns none) a
 * coordinator may find none of its own while the pool holds others': it then
 * presigns on demand — correct, one presign slower.
 *
 * Pool policy (issue 9): the marks are per (key, signing set)
 * (node/presig_policy.h; --presig-low/--presig-high are the default). Every
 * KEEPER_TIDY_MS the keeper drops each key's expired presignatures
 * (cfg.presig_ttl_ms; the store already refuses to hand them out,
 * store/presig_pool.h) and counts them in warifu_presign_expired_total, then
 * refreshes the pool-depth gauge of every
 * signing set this node is in, so the gauge follows whatever changed the
 * pool behind the daemon's back: expiry, or a key replaced by refresh or
 * reshare (wf_store_key_replace drops the key's pool in its own batch). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/daemon_internal.h"
#include "node/presig_policy.h"
#include "node/refresh.h"
#include "store/presig_pool.h"

#define KEEPER_PERIOD_MS 1000
#define KEEPER_TIDY_MS   5000 /* expiry and gauges: every key's pools are read, so not every pass */

static int lowest(wf_member_set s, uint32_t m)
{
    return (s & (WF_SET_BIT(m) - 1)) == 0;
}

/* How many pooled presignatures of (key, set) each member owns, by member
 * index; returns the pool's depth, or SIZE_MAX when the store fails. */
static size_t owned(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], wf_member_set set,
                    size_t own[WF_MAX_MEMBERS])
{
    size_t count = 0, n = 0;
    memset(own, 0, WF_MAX_MEMBERS * sizeof own[0]);
    if (wf_store_presig_count(d->store, key_id, set, &count) != WF_OK)
        return SIZE_MAX;
    if (count == 0)
        return 0;
    uint8_t(*ids)[WF_ID_BYTES] = malloc(count * WF_ID_BYTES);
    if (ids == NULL || wf_store_presig_pick_n(d->store, key_id, set, ids, count, &n) != WF_OK) {
        free(ids);
        return SIZE_MAX;
    }
    for (size_t i = 0; i < n; i++)
        own[wf_presig_owner(set, ids[i])]++;
    free(ids);
    return n;
}

/* The member of set that owns the fewest (the lowest index of a tie). */
static uint32_t fewest(wf_member_set set, const size_t own[WF_MAX_MEMBERS])
{
    uint32_t m[WF_MAX_MEMBERS];
    size_t t = wf_set_members(set, m);
    uint32_t best = m[0];
    for (size_t i = 1; i < t; i++)
        if (own[m[i]] < own[best])
            best = m[i];
    return best;
}

/* A culprit is left out of every quorum, a member that did not answer of
 * every quorum for a short while (a client's request would wait for it in
 * vain too). A member that refused (no aux info yet, its policy, a key
 * generation behind) is left out of the keeper's own sets only: refusing
 * is not misbehaving, and it answers a client's request at once, so a
 * signature must not wait for the back-off (it once did: right after a
 * keygen, members still writing their aux info refused the keeper's first
 * presign and every signature failed for 10 s). */
static void learn_failure(wf_daemon *d, const wf_coord_outcome *o)
{
    wf_daemon_log(d, "background presign failed: %s", o->reason);
    if (o->culprit != WF_CULPRIT_NONE)
        wf_daemon_exclude(d, o->culprit, WF_EXCLUDE_CULPRIT_MS, o->reason);
    uint64_t now = wf_daemon_now_ms();
    /* our own party refused (a refresh of the key here): the others waited
     * for its messages in vain, they were not silent */
    wf_member_set silent = o->local.outcome == WF_OUTCOME_REFUSED ? 0 : o->silent;
    for (uint32_t m = 0; m < d->n; m++) {
        if (silent & WF_SET_BIT(m))
            wf_daemon_exclude(d, m, WF_EXCLUDE_SILENT_MS, "did not take part in a presign");
        else if ((o->refused & WF_SET_BIT(m)) && !wf_refresh_refusal(o, m))
            d->keeper_skip_until[m] = now + WF_EXCLUDE_SILENT_MS;
    }
}

/* The members usable for background presigning: usable for clients, and
 * not backing off after a refusal. */
static wf_member_set keeper_usable(wf_daemon *d)
{
    wf_member_set usable = wf_daemon_usable(d);
    uint64_t now = wf_daemon_now_ms();
    for (uint32_t m = 0; m < d->n; m++)
        if (d->keeper_skip_until[m] > now)
            usable &= ~WF_SET_BIT(m);
    return usable;
}

/* Refills the pool of (k, set) when it is due; returns how many presign
 * sessions ran. */
static unsigned refill(wf_daemon *d, const wf_node_key *k, wf_member_set set)
{
    size_t own[WF_MAX_MEMBERS];
    unsigned low = 0, high = 0;
    wf_presig_policy_marks(d->presig_policy, k->key_id, set, &low, &high);
    size_t t = wf_set_count(set), count = owned(d, k->key_id, set, own);
    uint32_t owner = fewest(set, own);
    unsigned ran = 0;
    if (count == SIZE_MAX || count >= high || own[owner] * t >= low)
        return 0;
    while (count < high && atomic_load(&d->stopping) == 0) {
        wf_coord_outcome o;
        wf_coord_presign(d, k, set, owner, &o);
        ran++;
        if (o.outcome != WF_OUTCOME_DONE) {
            learn_failure(d, &o);
            break;
        }
        own[owner]++;
        count++;
        owner = fewest(set, own);
    }
    return ran;
}

/* Drops the key's expired presignatures, then sets the depth gauge of every
 * signing set with this node in it and the gauge of a kept previous
 * generation (an unconfirmed refresh: the old share is still on disk). */
static void tidy(wf_daemon *d, const wf_node_key *k)
{
    uint64_t ttl = d->cfg.presig_ttl_ms, now = wf_daemon_now_ms();
    size_t dropped = 0;
    if (ttl > 0 && now > ttl) {
        if (wf_store_presig_expire(d->store, k->key_id, now - ttl, &dropped) != WF_OK)
            wf_daemon_log(d, "dropping expired presignatures failed: %s", wf_store_last_error());
        else if (dropped > 0)
            wf_metric_add(d->nm.presig_expired, NULL, (double)dropped);
    }
    wf_refresh_prev_gauge(d, k->key_id);
    wf_member_set all = 0, q[64];
    for (uint32_t m = 0; m < d->n; m++)
        all |= WF_SET_BIT(m);
    size_t nq = wf_quorum_list(d->members, d->n, d->t, WF_SET_BIT(d->self), all, q, 64);
    for (size_t i = 0; i < nq; i++)
        wf_member_pool_gauge(d, k->key_id, q[i]);
}

/* One pass over every ready key and every set we lead; returns how many
 * presign sessions ran. */
static unsigned pass(wf_daemon *d, int tidy_due)
{
    unsigned ran = 0;
    wf_member_set usable = keeper_usable(d);
    wf_member_set q[64];
    pthread_mutex_lock(&d->keys_mu);
    wf_node_key *first = d->keys;
    pthread_mutex_unlock(&d->keys_mu);
    for (wf_node_key *k = first; k != NULL; k = k->next) {
        if (tidy_due)
            tidy(d, k);
        if (k->aux == NULL)
            continue;
        size_t nq = wf_committee_quorums(&k->committee, WF_SET_BIT(d->self), usable, q, 64);
        for (size_t i = 0; i < nq && atomic_load(&d->stopping) == 0; i++)
            if (lowest(q[i], d->self))
                ran += refill(d, k, q[i]);
    }
    return ran;
}

static void *keeper_main(void *arg)
{
    wf_daemon *d = arg;
    uint64_t last_tidy = 0;
    while (atomic_load(&d->stopping) == 0) {
        uint64_t now = wf_daemon_now_ms();
        int tidy_due = now - last_tidy >= KEEPER_TIDY_MS;
        if (tidy_due)
            last_tidy = now;
        pass(d, tidy_due);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += KEEPER_PERIOD_MS / 1000;
        pthread_mutex_lock(&d->mu);
        if (atomic_load(&d->stopping) == 0)
            pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        pthread_mutex_unlock(&d->mu);
    }
    return NULL;
}

wf_err wf_keeper_start(wf_daemon *d)
{
    if (wf_presig_policy_max_high(d->presig_policy) == 0 && d->cfg.presig_ttl_ms == 0)
        return WF_OK;
    if (pthread_create(&d->keeper, NULL, keeper_main, d) != 0)
        return WF_ERR_INTERNAL;
    d->keeper_started = 1;
    return WF_OK;
}

void wf_keeper_join(wf_daemon *d)
{
    if (d->keeper_started) {
        pthread_join(d->keeper, NULL);
        d->keeper_started = 0;
    }
}

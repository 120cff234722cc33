/* The daemon's key cache (node/daemon_internal.h): every key share and aux
 * record in the store, decoded once at start-up or when a protocol makes
 * them, so sessions borrow them without touching the store. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/daemon_internal.h"
#include "node/fail.h"
#include "node/text_format.h"
#include "protocol/record.h"
#include "store/keys.h"

/* The store's form of a key share: the public record, the share, and what the
 * store needs to check the share alone. */
static wf_err to_store(const wf_key_share *k, wf_store_key *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->key_id, k->pub.key_id, WF_ID_BYTES);
    out->check.index = k->self;
    out->check.member = k->pub.members[k->self];
    out->check.t = k->pub.t;
    for (uint32_t i = 0; i < k->pub.t; i++)
        out->check.commitments[i] = k->pub.commitments[i];
    out->check.share_point = k->pub.X[k->self];
    return wf_record_key_encode(k, &out->record.pub, &out->record.pub_len, &out->record.sec, &out->record.sec_len);
}

static wf_err load_aux(wf_daemon *d, wf_node_key *k)
{
    wf_store_blob b;
    memset(&b, 0, sizeof b);
    wf_err err = wf_store_aux_get(d->store, k->key_id, &b);
    if (err == WF_ERR_NOT_FOUND)
        return WF_OK;
    if (err == WF_OK)
        err = wf_record_aux_decode(&k->aux, b.pub, b.pub_len, b.sec, b.sec_len);
    wf_store_blob_clear(&b);
    if (err == WF_OK && (err = wf_aux_precompute(k->aux)) != WF_OK) {
        wf_aux_free(k->aux);
        k->aux = NULL;
    }
    return err;
}

static void push(wf_daemon *d, wf_node_key *k)
{
    pthread_mutex_lock(&d->keys_mu);
    k->next = d->keys;
    d->keys = k;
    pthread_mutex_unlock(&d->keys_mu);
}

static void key_free(wf_node_key *k)
{
    while (k->retired != NULL) {
        wf_retired_share *r = k->retired;
        k->retired = r->next;
        wf_key_share_free(r->share);
        free(r);
    }
    wf_key_share_free(k->share);
    wf_aux_free(k->aux);
    free(k);
}

wf_err wf_node_keys_load(wf_daemon *d, const char **why)
{
    wf_err err = WF_OK;
    uint8_t(*ids)[WF_STORE_ID_BYTES] = NULL;
    size_t n = 0;
    wf_store_key *sk = NULL;
    wf_node_key *k = NULL;
    char hex[2 * WF_ID_BYTES + 1];
    if ((err = wf_store_key_list(d->store, &ids, &n)) != WF_OK)
        FAIL(err, wf_why_fmt("cannot list the stored keys: %s", wf_store_last_error()));
    for (size_t i = 0; i < n; i++) {
        wf_hex(hex, ids[i], WF_ID_BYTES);
        if ((k = calloc(1, sizeof *k)) == NULL)
            FAIL(WF_ERR_NOMEM, "out of memory");
        memcpy(k->key_id, ids[i], WF_ID_BYTES);
        if ((err = wf_store_key_get(d->store, ids[i], &sk)) != WF_OK)
            FAIL(err, wf_why_fmt("cannot read key %s: %s", hex, wf_store_last_error()));
        k->generation = sk->generation;
        if ((err = wf_record_key_decode(&k->share, sk->record.pub, sk->record.pub_len, sk->record.sec,
                                        sk->record.sec_len)) != WF_OK)
            FAIL(err, wf_why_fmt("key %s: the stored record does not decode", hex));
        if (wf_committee_of_key(&k->committee, d->n, &k->share->pub) != WF_OK ||
            k->share->self >= k->committee.n || k->committee.node[k->share->self] != d->self)
            FAIL(WF_ERR_CONFLICT, wf_why_fmt("key %s belongs to another member or cluster shape", hex));
        if ((err = load_aux(d, k)) != WF_OK)
            FAIL(err, wf_why_fmt("key %s: the stored aux record does not decode", hex));
        wf_store_key_free(sk);
        sk = NULL;
        push(d, k);
        k = NULL;
    }
    if (n > 0)
        wf_daemon_log(d, "loaded %zu key(s) from the store", n);
done:
    if (k != NULL)
        key_free(k);
    wf_store_key_free(sk);
    free(ids);
    return err;
}

wf_node_key *wf_node_key_find(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES])
{
    pthread_mutex_lock(&d->keys_mu);
    wf_node_key *k = d->keys;
    while (k != NULL && memcmp(k->key_id, key_id, WF_ID_BYTES) != 0)
        k = k->next;
    pthread_mutex_unlock(&d->keys_mu);
    return k;
}

wf_err wf_node_key_add(wf_daemon *d, wf_key_share *share)
{
    wf_store_key sk;
    wf_err err = to_store(share, &sk);
    if (err == WF_OK)
        err = wf_store_key_put(d->store, &sk);
    wf_store_blob_clear(&sk.record);
    if (err != WF_OK) {
        wf_key_share_free(share);
        return err;
    }
    wf_node_key *k = calloc(1, sizeof *k);
    if (k == NULL) {
        wf_key_share_free(share);
        return WF_ERR_NOMEM;
    }
    memcpy(k->key_id, share->pub.key_id, WF_ID_BYTES);
    k->generation = 1;
    k->share = share;
    if (wf_committee_of_key(&k->committee, d->n, &share->pub) != WF_OK) {
        key_free(k);
        return WF_ERR_INTERNAL;
    }
    push(d, k);
    return WF_OK;
}

wf_err wf_node_key_set_aux(wf_daemon *d, wf_node_key *k, wf_aux *aux)
{
    wf_store_blob b;
    memset(&b, 0, sizeof b);
    wf_err err = wf_record_aux_encode(aux, &b.pub, &b.pub_len, &b.sec, &b.sec_len);
    if (err == WF_OK)
        err = wf_store_aux_put(d->store, k->key_id, &b);
    wf_store_blob_clear(&b);
    if (err == WF_OK)
        err = wf_aux_precompute(aux);
    if (err != WF_OK) {
        wf_aux_free(aux);
        return err;
    }
    pthread_mutex_lock(&d->keys_mu);
    if (k->aux == NULL) {
        k->aux = aux;
        aux = NULL;
    }
    pthread_mutex_unlock(&d->keys_mu);
    wf_aux_free(aux);
    return WF_OK;
}

void wf_node_keys_free(wf_daemon *d)
{
    pthread_mutex_lock(&d->keys_mu);
    wf_node_key *k = d->keys, *r = d->replaced;
    d->keys = NULL;
    d->replaced = NULL;
    pthread_mutex_unlock(&d->keys_mu);
    while (k != NULL) {
        wf_node_key *next = k->next;
        key_free(k);
        k = next;
    }
    while (r != NULL) {
        wf_node_key *next = r->replaced_next;
        key_free(r);
        r = next;
    }
}

/* Takes k off the key list onto the replaced list (never freed before stop:
 * a session may still borrow it; its `next` stays valid for a walk). Under
 * keys_mu. */
static void replace_locked(wf_daemon *d, wf_node_key *k)
{
    for (wf_node_key **p = &d->keys; *p; p = &(*p)->next)
        if (*p == k) {
            *p = k->next;
            break;
        }
    k->replaced_next = d->replaced;
    d->replaced = k;
}

/* Takes old (a reshare moved this node off its share) off the key list and
 * wipes its secrets: a session may still hold the entry, so its public
 * shell stays until the daemon stops, but no session borrows it any more
 * (the caller drained it and left it held off, wf_node_key_refresh_begin). */
static void retire_entry(wf_daemon *d, wf_node_key *old)
{
    pthread_mutex_lock(&d->keys_mu);
    replace_locked(d, old);
    wf_aux *aux = old->aux;
    old->aux = NULL;
    pthread_mutex_unlock(&d->keys_mu);
    wf_aux_free(aux);
    wf_scalar_wipe(old->share->share);
}

/* The key's cache entry held off and drained (NULL when this node holds no
 * share of the key); 0 when its sessions did not end within drain_ms. */
static int drained(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], int drain_ms, wf_node_key **old)
{
    *old = wf_node_key_find(d, key_id);
    return *old == NULL || wf_node_key_refresh_begin(d, *old, drain_ms);
}

wf_err wf_node_key_reshare_pending(wf_daemon *d, wf_key_share *share,
                                   const uint8_t tag[WF_STORE_PENDING_TAG_BYTES])
{
    wf_store_key sk;
    wf_committee c;
    wf_err err = WF_OK;
    memset(&sk, 0, sizeof sk);
    if (wf_committee_of_key(&c, d->n, &share->pub) != WF_OK || share->self >= c.n ||
        c.node[share->self] != d->self)
        err = WF_ERR_ARG;
    if (err == WF_OK)
        err = to_store(share, &sk);
    if (err == WF_OK)
        err = wf_store_key_pending_put(d->store, &sk, tag);
    wf_store_blob_clear(&sk.record);
    wf_key_share_free(share);
    return err;
}

wf_err wf_node_key_reshare_commit(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES],
                                  const wf_store_request *req, const uint8_t rec[WF_STORE_SIG_BYTES],
                                  int drain_ms, const char **why)
{
    wf_err err;
    wf_store_key *sk = NULL, *back = NULL;
    wf_node_key *old = NULL, *k = NULL;
    if (!drained(d, key_id, drain_ms, &old))
        FAIL(WF_ERR_CONFLICT, "presign or sign sessions of this key did not end in time; retry");
    if ((k = calloc(1, sizeof *k)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if ((err = wf_store_key_pending_get(d->store, key_id, &sk, NULL)) != WF_OK)
        FAIL(err, "no pending share of this key here");
    if ((err = wf_record_key_decode(&k->share, sk->record.pub, sk->record.pub_len, sk->record.sec,
                                    sk->record.sec_len)) != WF_OK ||
        wf_committee_of_key(&k->committee, d->n, &k->share->pub) != WF_OK ||
        k->share->self >= k->committee.n || k->committee.node[k->share->self] != d->self)
        FAIL(WF_ERR_ENCODING, "the pending share does not decode as this node's");
    if ((err = wf_store_key_pending_commit(d->store, key_id, req, rec)) != WF_OK)
        FAIL(err, "the pending share could not be made current");
    memcpy(k->key_id, key_id, WF_ID_BYTES);
    k->generation = wf_store_key_get(d->store, key_id, &back) == WF_OK ? back->generation : 1;
    if (old != NULL)
        retire_entry(d, old);
    push(d, k);
    k = NULL;
    old = NULL; /* stays held off: retired */
done:
    if (old != NULL)
        wf_node_key_refresh_end(d, old);
    if (k != NULL)
        key_free(k);
    wf_store_key_free(sk);
    wf_store_key_free(back);
    return err;
}

wf_err wf_node_key_reshare_leave(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], const wf_store_request *req,
                                 const uint8_t rec[WF_STORE_SIG_BYTES], int drain_ms, const char **why)
{
    wf_err err = WF_OK;
    wf_node_key *old = NULL;
    if (!drained(d, key_id, drain_ms, &old))
        FAIL(WF_ERR_CONFLICT, "presign or sign sessions of this key did not end in time; retry");
    if ((err = wf_store_key_leave(d->store, key_id, req, rec)) != WF_OK)
        FAIL(err, "the old key share could not be deleted");
    if (old != NULL)
        retire_entry(d, old);
    old = NULL;
done:
    if (old != NULL)
        wf_node_key_refresh_end(d, old);
    return err;
}

int wf_node_key_use(wf_daemon *d, wf_node_key *k, const uint8_t *presign_start)
{
    pthread_mutex_lock(&d->keys_mu);
    int ok = !k->refreshing;
    if (ok) {
        k->users++;
        for (size_t i = 0; presign_start != NULL && i < WF_KEY_PRESIGNING_MAX; i++)
            if (!k->presigning_used[i]) {
                k->presigning_used[i] = 1;
                memcpy(k->presigning[i], presign_start, WF_ID_BYTES);
                break;
            }
    }
    pthread_mutex_unlock(&d->keys_mu);
    return ok;
}

void wf_node_key_unuse(wf_daemon *d, wf_node_key *k, const uint8_t *presign_start)
{
    pthread_mutex_lock(&d->keys_mu);
    k->users--;
    for (size_t i = 0; presign_start != NULL && i < WF_KEY_PRESIGNING_MAX; i++)
        if (k->presigning_used[i] && memcmp(k->presigning[i], presign_start, WF_ID_BYTES) == 0) {
            k->presigning_used[i] = 0;
            break;
        }
    pthread_mutex_unlock(&d->keys_mu);
}

int wf_node_key_refresh_begin(wf_daemon *d, wf_node_key *k, int wait_ms)
{
    uint8_t cancel[WF_KEY_PRESIGNING_MAX][WF_ID_BYTES];
    size_t n_cancel = 0;
    pthread_mutex_lock(&d->keys_mu);
    int ok = !k->refreshing;
    if (ok) {
        k->refreshing = 1;
        for (size_t i = 0; i < WF_KEY_PRESIGNING_MAX; i++)
            if (k->presigning_used[i])
                memcpy(cancel[n_cancel++], k->presigning[i], WF_ID_BYTES);
    }
    pthread_mutex_unlock(&d->keys_mu);
    if (!ok)
        return 0;
    /* a presign waiting on a party (a peer that restarted) would hold the
     * key for the rest of its session timeout */
    for (size_t i = 0; i < n_cancel; i++)
        wf_session_cancel(d, cancel[i], WF_CULPRIT_NONE, "a refresh of this key starts here");
    uint64_t until = wf_daemon_now_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
    for (;;) {
        pthread_mutex_lock(&d->keys_mu);
        unsigned users = k->users;
        pthread_mutex_unlock(&d->keys_mu);
        if (users == 0)
            return 1;
        if (wf_daemon_now_ms() >= until || atomic_load(&d->stopping) >= 2)
            break;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    wf_node_key_refresh_end(d, k);
    return 0;
}

void wf_node_key_swap(wf_daemon *d, wf_node_key *k, wf_key_share *share, wf_aux *aux, uint64_t generation)
{
    wf_retired_share *r = calloc(1, sizeof *r);
    pthread_mutex_lock(&d->keys_mu);
    wf_key_share *old = k->share;
    wf_aux *old_aux = k->aux;
    k->share = share;
    k->aux = aux;
    k->generation = generation;
    if (r != NULL) {
        r->share = old;
        r->next = k->retired;
        k->retired = r;
    }
    pthread_mutex_unlock(&d->keys_mu);
    /* no session borrows them (the refresh holds k): the secrets go now */
    wf_aux_free(old_aux);
    /* out of memory for the retired list: the public shell leaks (a reader
     * may hold it), the secret never does */
    sodium_memzero(old->share, sizeof *old->share);
}

void wf_node_key_refresh_end(wf_daemon *d, wf_node_key *k)
{
    pthread_mutex_lock(&d->keys_mu);
    k->refreshing = 0;
    pthread_mutex_unlock(&d->keys_mu);
}

wf_err wf_node_key_refresh_commit(wf_daemon *d, wf_node_key *k, wf_key_share *share, wf_aux *aux, int from_prev,
                                  uint64_t *generation)
{
    wf_store_key sk, *back = NULL;
    wf_store_blob b;
    wf_committee nc;
    memset(&b, 0, sizeof b);
    memset(&sk, 0, sizeof sk);
    /* a refresh keeps the committee (identifiers, ranks, threshold): the
     * swap below leaves k->committee as it is, so a result with another one
     * is refused before anything is stored */
    if (wf_committee_of_key(&nc, d->n, &share->pub) != WF_OK || nc.n != k->committee.n ||
        nc.t != k->committee.t || nc.nodes != k->committee.nodes ||
        memcmp(nc.rank, k->committee.rank, nc.n * sizeof nc.rank[0]) != 0 || share->self >= nc.n ||
        nc.node[share->self] != d->self) {
        wf_key_share_free(share);
        wf_aux_free(aux);
        return WF_ERR_CONFLICT;
    }
    wf_err err = to_store(share, &sk);
    if (err == WF_OK)
        err = wf_record_aux_encode(aux, &b.pub, &b.pub_len, &b.sec, &b.sec_len);
    if (err == WF_OK)
        err = wf_aux_precompute(aux);
    if (err == WF_OK)
        err = wf_store_key_refresh(d->store, &sk, &b, from_prev);
    wf_store_blob_clear(&sk.record);
    wf_store_blob_clear(&b);
    if (err == WF_OK && (err = wf_store_key_get(d->store, k->key_id, &back)) == WF_OK)
        *generation = back->generation;
    wf_store_key_free(back);
    if (err != WF_OK) {
        wf_key_share_free(share);
        wf_aux_free(aux);
        return err;
    }
    wf_node_key_swap(d, k, share, aux, *generation);
    return WF_OK;
}

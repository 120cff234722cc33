/* Presignature pools. Records in the presig column family:
 *
 * P ‖ key id ‖ be64 signers ‖ be64 added ms ‖ presig id   sealed blob
 *     (ordered by set, then age: the first of a set is its oldest)
 * I ‖ key id ‖ presig id    sealed: be64 signers ‖ be64 added ms
 *     (finds the P record from the name the coordinator sends)
 * U ‖ key id ‖ presig id    sealed: be64 used ms ‖ request id
 *     (kept for ever: a used presignature can never come back)
 * meta/take_count            sealed: be64, +1 in every take's batch */
#include "store/presig_pool.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/db.h"

#define ID  WF_STORE_ID_BYTES
#define PLEN (1 + ID + 8 + 8 + ID)
#define ILEN (1 + ID + ID)

static const uint8_t K_TAKES[] = "take_count";

static void pool_key(uint8_t k[PLEN], const uint8_t *key_id, uint64_t signers, uint64_t added, const uint8_t *id)
{
    k[0] = 'P';
    memcpy(k + 1, key_id, ID);
    wf_be64_put(k + 1 + ID, signers);
    wf_be64_put(k + 9 + ID, added);
    memcpy(k + 17 + ID, id, ID);
}

static void name_key(uint8_t k[ILEN], char tag, const uint8_t *key_id, const uint8_t *id)
{
    k[0] = (uint8_t)tag;
    memcpy(k + 1, key_id, ID);
    memcpy(k + 1 + ID, id, ID);
}

static wf_err check_args(const wf_store *s, const uint8_t *key_id, uint64_t signers)
{
    if (!s || !key_id) return wf_store_fail(WF_ERR_ARG, "missing argument");
    if (signers == 0) return wf_store_fail(WF_ERR_ARG, "empty signing set");
    return WF_OK;
}

/* Under the lock: the key is at `generation` and the presignature is new. */
static wf_err add_check(wf_store *s, const uint8_t *key_id, uint64_t generation, const uint8_t *presig_id)
{
    uint64_t current = 0;
    wf_err err = wf_db_key_generation(s, key_id, &current);
    if (err) return err;
    if (current != generation)
        return wf_store_fail(WF_ERR_CONFLICT, "the key was refreshed while this presignature was made");
    uint8_t ik[ILEN], uk[ILEN];
    name_key(ik, 'I', key_id, presig_id);
    name_key(uk, 'U', key_id, presig_id);
    int used = wf_db_exists(s, WF_CF_PRESIG, uk, ILEN), pooled = wf_db_exists(s, WF_CF_PRESIG, ik, ILEN);
    if (used < 0 || pooled < 0) return WF_ERR_STORAGE;
    if (used) return wf_store_fail(WF_ERR_CONFLICT, "this presignature was already used");
    if (pooled) return wf_store_fail(WF_ERR_EXISTS, "this presignature is already pooled");
    return WF_OK;
}

wf_err wf_store_presig_add(wf_store *s, const uint8_t key_id[ID], uint64_t generation, uint64_t signers,
                           const uint8_t presig_id[ID], const wf_store_blob *presig)
{
    wf_err err = check_args(s, key_id, signers);
    if (err) return err;
    if (!presig_id || !presig) return wf_store_fail(WF_ERR_ARG, "missing argument");
    uint8_t ik[ILEN], pk[PLEN], idx[16];
    uint64_t now = wf_store_now_ms();
    name_key(ik, 'I', key_id, presig_id);
    pool_key(pk, key_id, signers, now, presig_id);
    wf_be64_put(idx, signers);
    wf_be64_put(idx + 8, now);

    pthread_mutex_lock(&s->lock);
    err = add_check(s, key_id, generation, presig_id);
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    if (!err) err = wf_db_blob_pack(NULL, 0, presig, &plain, &plain_len);
    if (!err) {
        rocksdb_writebatch_t *b = rocksdb_writebatch_create();
        err = wf_db_put_sealed(s, b, WF_CF_PRESIG, pk, PLEN, plain, plain_len);
        if (!err) err = wf_db_put_sealed(s, b, WF_CF_PRESIG, ik, ILEN, idx, sizeof idx);
        err = wf_db_finish(s, b, err);
    }
    wf_secure_free(plain);
    pthread_mutex_unlock(&s->lock);
    return err;
}

/* Iterates the P records of key_id (and of signers, unless 0). */
static wf_err pool_iter(wf_store *s, const uint8_t *key_id, uint64_t signers, wf_db_iter *it)
{
    uint8_t prefix[1 + ID + 8];
    prefix[0] = 'P';
    memcpy(prefix + 1, key_id, ID);
    wf_be64_put(prefix + 1 + ID, signers);
    return wf_db_iter_start(s, WF_CF_PRESIG, prefix, signers ? sizeof prefix : 1 + ID, it);
}

void wf_store_presig_set_ttl(wf_store *s, uint64_t ttl_ms)
{
    if (s) s->presig_ttl_ms = ttl_ms;
}

/* The oldest time of addition still usable now, less `margin` of the
 * lifetime (0 when presignatures never expire). */
static uint64_t fresh_from(const wf_store *s, uint64_t margin)
{
    uint64_t ttl = s->presig_ttl_ms, now = wf_store_now_ms();
    if (ttl == 0) return 0;
    if (margin > ttl / 2) margin = ttl / 2;
    return now > ttl - margin ? now - (ttl - margin) : 0;
}

/* The P record the iterator is at, or NULL for another record or an expired
 * presignature (added before `from`). */
static const uint8_t *iter_pool_key_from(const wf_db_iter *it, uint64_t from)
{
    size_t klen;
    const char *k = rocksdb_iter_key(it->it, &klen);
    if (klen != PLEN) return NULL;
    return wf_be64_get((const uint8_t *)k + 9 + ID) >= from ? (const uint8_t *)k : NULL;
}

static const uint8_t *iter_pool_key(const wf_db_iter *it)
{
    return iter_pool_key_from(it, 0);
}

wf_err wf_store_presig_count(wf_store *s, const uint8_t key_id[ID], uint64_t signers, size_t *n)
{
    wf_err err = check_args(s, key_id, signers);
    if (err || !n) return err ? err : wf_store_fail(WF_ERR_ARG, "missing argument");
    *n = 0;
    uint64_t from = fresh_from(s, 0);
    wf_db_iter it;
    if ((err = pool_iter(s, key_id, signers, &it))) return err;
    for (; wf_db_iter_valid(&it); rocksdb_iter_next(it.it))
        if (iter_pool_key_from(&it, from)) (*n)++;
    return wf_db_iter_end(&it);
}

wf_err wf_store_presig_pick_n(wf_store *s, const uint8_t key_id[ID], uint64_t signers, uint8_t (*ids)[ID],
                             size_t max, size_t *n)
{
    wf_err err = check_args(s, key_id, signers);
    if (err || !ids || !n || max == 0) return err ? err : wf_store_fail(WF_ERR_ARG, "missing argument");
    *n = 0;
    uint64_t from = fresh_from(s, WF_STORE_PRESIG_PICK_MARGIN_MS);
    wf_db_iter it;
    if ((err = pool_iter(s, key_id, signers, &it))) return err;
    for (; wf_db_iter_valid(&it) && *n < max; rocksdb_iter_next(it.it)) {
        const uint8_t *k = iter_pool_key_from(&it, from);
        if (!k) continue;
        memcpy(ids[(*n)++], k + 17 + ID, ID);
    }
    return wf_db_iter_end(&it);
}

wf_err wf_store_presig_pick(wf_store *s, const uint8_t key_id[ID], uint64_t signers, uint8_t presig_id[ID])
{
    if (!presig_id) return wf_store_fail(WF_ERR_ARG, "missing argument");
    uint8_t ids[1][ID];
    size_t n = 0;
    wf_err err = wf_store_presig_pick_n(s, key_id, signers, ids, 1, &n);
    if (err) return err;
    if (n == 0) return wf_store_fail(WF_ERR_NOT_FOUND, "no pooled presignature for this key and signing set");
    memcpy(presig_id, ids[0], ID);
    return WF_OK;
}

int wf_store_presig_used(wf_store *s, const uint8_t key_id[ID], const uint8_t presig_id[ID])
{
    if (!s || !key_id || !presig_id) return -1;
    uint8_t uk[ILEN];
    name_key(uk, 'U', key_id, presig_id);
    return wf_db_exists(s, WF_CF_PRESIG, uk, ILEN);
}

/* Under the lock: every check of take, then the P record's key and blob. */
static wf_err take_check(wf_store *s, const uint8_t *key_id, uint64_t signers, const uint8_t *presig_id,
                         const wf_store_request *req, uint8_t pk[PLEN], wf_store_blob *out)
{
    wf_store_request_state state;
    unsigned attempts = 0;
    wf_err err = wf_db_request_lookup(s, req, &state, NULL, &attempts);
    if (err) return err;
    if (state == WF_REQUEST_DONE) return wf_store_fail(WF_ERR_EXISTS, "this request is already signed");
    if (attempts >= WF_STORE_REQUEST_MAX_ATTEMPTS)
        return wf_store_fail(WF_ERR_CONFLICT, "this request already consumed %u presignatures", attempts);
    int used = wf_store_presig_used(s, key_id, presig_id);
    if (used < 0) return WF_ERR_STORAGE;
    if (used) return wf_store_fail(WF_ERR_CONFLICT, "this presignature was already used");
    uint8_t ik[ILEN], *idx;
    size_t idx_len;
    name_key(ik, 'I', key_id, presig_id);
    err = wf_db_get_sealed(s, WF_CF_PRESIG, ik, ILEN, &idx, &idx_len);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(err, "no such presignature in the pool");
    if (err) return err;
    uint64_t set = idx_len == 16 ? wf_be64_get(idx) : 0, added = idx_len == 16 ? wf_be64_get(idx + 8) : 0;
    wf_secure_free(idx);
    if (idx_len != 16) return wf_store_fail(WF_ERR_ENCODING, "a presignature index record is malformed");
    if (set != signers) return wf_store_fail(WF_ERR_CONFLICT, "this presignature belongs to another signing set");
    if (added < fresh_from(s, 0)) return wf_store_fail(WF_ERR_NOT_FOUND, "this presignature has expired");
    pool_key(pk, key_id, signers, added, presig_id);
    uint8_t *plain;
    size_t plain_len;
    err = wf_db_get_sealed(s, WF_CF_PRESIG, pk, PLEN, &plain, &plain_len);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(WF_ERR_ENCODING, "a presignature's index has no record");
    if (err) return err;
    err = wf_db_blob_unpack(plain, plain_len, 0, out);
    wf_secure_free(plain);
    return err;
}

static wf_err read_takes(wf_store *s, uint64_t *n)
{
    uint8_t *plain;
    size_t len;
    *n = 0;
    wf_err err = wf_db_get_sealed(s, WF_CF_META, K_TAKES, sizeof K_TAKES - 1, &plain, &len);
    if (err == WF_ERR_NOT_FOUND) return WF_OK;
    if (err) return err;
    if (len != 8)
        err = wf_store_fail(WF_ERR_ENCODING, "the take counter is malformed");
    else
        *n = wf_be64_get(plain);
    wf_secure_free(plain);
    return err;
}

wf_err wf_store_take_count(wf_store *s, uint64_t *take_count)
{
    if (!s || !take_count) return wf_store_fail(WF_ERR_ARG, "missing argument");
    pthread_mutex_lock(&s->lock);
    wf_err err = read_takes(s, take_count);
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_presig_take(wf_store *s, const uint8_t key_id[ID], uint64_t signers, const uint8_t presig_id[ID],
                            const wf_store_request *req, wf_store_blob *out, uint64_t *take_count)
{
    wf_err err = check_args(s, key_id, signers);
    if (err) return err;
    if (!presig_id || !req || !out) return wf_store_fail(WF_ERR_ARG, "missing argument");
    memset(out, 0, sizeof *out);
    if (req->id_len == 0 || req->id_len > WF_STORE_REQUEST_ID_MAX)
        return wf_store_fail(WF_ERR_ARG, "a request id must be 1 to %d bytes", WF_STORE_REQUEST_ID_MAX);
    uint8_t pk[PLEN], ik[ILEN], uk[ILEN], used[8 + WF_STORE_REQUEST_ID_MAX];
    name_key(ik, 'I', key_id, presig_id);
    name_key(uk, 'U', key_id, presig_id);
    wf_be64_put(used, wf_store_now_ms());
    memcpy(used + 8, req->id, req->id_len);

    pthread_mutex_lock(&s->lock);
    uint64_t takes = 0;
    uint8_t takes_rec[8];
    err = take_check(s, key_id, signers, presig_id, req, pk, out);
    if (!err) err = read_takes(s, &takes);
    if (!err) {
        wf_be64_put(takes_rec, ++takes);
        rocksdb_writebatch_t *b = rocksdb_writebatch_create();
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_PRESIG], (const char *)pk, PLEN);
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_PRESIG], (const char *)ik, ILEN);
        err = wf_db_put_sealed(s, b, WF_CF_PRESIG, uk, ILEN, used, 8 + req->id_len);
        if (!err) err = wf_db_request_pending(s, b, req, presig_id);
        if (!err) err = wf_db_put_sealed(s, b, WF_CF_META, K_TAKES, sizeof K_TAKES - 1, takes_rec, 8);
        err = wf_db_finish(s, b, err);
    }
    pthread_mutex_unlock(&s->lock);
    if (err) wf_store_blob_clear(out);
    if (!err && take_count) *take_count = takes;
    return err;
}

wf_err wf_store_presig_pools(wf_store *s, const uint8_t key_id[ID], wf_store_pool_depth *out, size_t max, size_t *n)
{
    if (!s || !key_id || !n || (max && !out)) return wf_store_fail(WF_ERR_ARG, "missing argument");
    *n = 0;
    uint64_t from = fresh_from(s, 0);
    wf_db_iter it;
    wf_err err = pool_iter(s, key_id, 0, &it);
    if (err) return err;
    for (; wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        const uint8_t *k = iter_pool_key_from(&it, from);
        if (!k) continue;
        uint64_t set = wf_be64_get(k + 1 + ID);
        if (*n && out[*n - 1].signers == set) {
            out[*n - 1].count++;
        } else if (*n < max) {
            out[*n].signers = set;
            out[*n].count = 1;
            (*n)++;
        } else {
            break;
        }
    }
    return wf_db_iter_end(&it);
}

/* Adds the deletion of P and I records of key_id added before before_ms
 * (all if 0) to batch. */
static wf_err drop(wf_store *s, rocksdb_writebatch_t *b, const uint8_t *key_id, uint64_t before_ms, size_t *dropped)
{
    size_t count = 0;
    wf_db_iter it;
    wf_err err = pool_iter(s, key_id, 0, &it);
    if (err) return err;
    for (; wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        const uint8_t *k = iter_pool_key(&it);
        if (!k || (before_ms && wf_be64_get(k + 9 + ID) >= before_ms)) continue;
        uint8_t ik[ILEN];
        name_key(ik, 'I', key_id, k + 17 + ID);
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_PRESIG], (const char *)k, PLEN);
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_PRESIG], (const char *)ik, ILEN);
        count++;
    }
    if ((err = wf_db_iter_end(&it))) return err;
    if (dropped) *dropped = count;
    return WF_OK;
}

wf_err wf_db_presig_drop_key(wf_store *s, rocksdb_writebatch_t *batch, const uint8_t key_id[ID], size_t *dropped)
{
    return drop(s, batch, key_id, 0, dropped);
}

wf_err wf_store_presig_expire(wf_store *s, const uint8_t key_id[ID], uint64_t before_ms, size_t *dropped)
{
    if (!s || !key_id) return wf_store_fail(WF_ERR_ARG, "missing argument");
    size_t count = 0;
    pthread_mutex_lock(&s->lock);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    wf_err err = drop(s, b, key_id, before_ms, &count);
    if (!err && count == 0) {
        rocksdb_writebatch_destroy(b); /* nothing to drop: no synced write (the keeper asks every second) */
    } else {
        err = wf_db_finish(s, b, err);
    }
    pthread_mutex_unlock(&s->lock);
    if (!err && dropped) *dropped = count;
    return err;
}

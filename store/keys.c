/* Key share and aux records.
 *
 * keys/<key id>  sealed: be64 generation ‖ check ‖ be32 len ‖ public record ‖ share(32)
 *   check = be32 index ‖ x(32) ‖ be32 rank ‖ be32 t ‖ t × C_k(33) ‖ X_self(33)
 * aux/<key id>   sealed: be32 len ‖ public record ‖ secret record */
#include "store/keys.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/feldman.h"
#include "crypto/hash.h"
#include "crypto/secmem.h"
#include "store/db.h"

#define CHECK_FIXED (4 + WF_SCALAR_BYTES + 4 + 4 + WF_POINT_BYTES)
_Static_assert(WF_STORE_SHARE_CHECK_MAX_BYTES == CHECK_FIXED + WF_MAX_MEMBERS * WF_POINT_BYTES,
               "keys.h's bound on the check encoding");

/* The shape check_decode accepts: what is put must read back. */
static int check_shape_ok(const wf_store_share_check *c)
{
    return c->t > 0 && c->t <= WF_MAX_MEMBERS && c->index < WF_MAX_MEMBERS && c->member.rank < c->t &&
           !wf_scalar_is_zero(&c->member.x);
}

wf_err wf_store_key_check(const wf_store_key *k)
{
    if (!k) return wf_store_fail(WF_ERR_ARG, "missing key");
    const wf_store_share_check *c = &k->check;
    if (!check_shape_ok(c) || !k->record.sec || k->record.sec_len != WF_SCALAR_BYTES)
        return wf_store_fail(WF_ERR_ARG, "key record has a bad shape");
    wf_scalar *share = wf_secure_alloc(sizeof *share);
    if (!share) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    wf_point X;
    wf_err err = wf_scalar_parse(share, k->record.sec, WF_SCALAR_BYTES);
    if (!err) err = wf_point_base_mul(&X, share);
    if (!err && !wf_point_eq(&X, &c->share_point)) err = WF_ERR_VERIFY;
    if (!err) err = wf_feldman_verify_share(c->commitments, c->t, &c->member, share);
    wf_secure_free(share);
    if (err) return wf_store_fail(WF_ERR_VERIFY, "the share does not match its key's public commitments");
    return WF_OK;
}

size_t wf_store_share_check_encode(uint8_t *out, const wf_store_share_check *c)
{
    if (c->t == 0 || c->t > WF_MAX_MEMBERS) return 0;
    uint8_t *p = out;
    wf_be32_put(p, c->index);
    p += 4;
    wf_scalar_serialize(p, &c->member.x);
    p += WF_SCALAR_BYTES;
    wf_be32_put(p, c->member.rank);
    p += 4;
    wf_be32_put(p, c->t);
    p += 4;
    for (uint32_t k = 0; k < c->t; k++, p += WF_POINT_BYTES)
        if (wf_point_serialize(p, &c->commitments[k])) return 0;
    if (wf_point_serialize(p, &c->share_point)) return 0;
    return (size_t)(p + WF_POINT_BYTES - out);
}

wf_err wf_store_share_check_scan(wf_store_share_check_view *v, const uint8_t *in, size_t len)
{
    memset(v, 0, sizeof *v);
    if (len < CHECK_FIXED) return wf_store_fail(WF_ERR_ENCODING, "key record too short");
    v->index = wf_be32_get(in);
    v->rank = wf_be32_get(in + 4 + WF_SCALAR_BYTES);
    v->t = wf_be32_get(in + 8 + WF_SCALAR_BYTES);
    if (v->t == 0 || v->t > WF_MAX_MEMBERS || v->index >= WF_MAX_MEMBERS || v->rank >= v->t ||
        len < CHECK_FIXED + (size_t)v->t * WF_POINT_BYTES)
        return wf_store_fail(WF_ERR_ENCODING, "key record has a bad shape");
    v->commitments = in + 12 + WF_SCALAR_BYTES;
    v->len = CHECK_FIXED + (size_t)v->t * WF_POINT_BYTES;
    return WF_OK;
}

wf_err wf_store_share_check_decode(wf_store_share_check *c, const uint8_t *in, size_t len, size_t *used)
{
    memset(c, 0, sizeof *c);
    wf_store_share_check_view v;
    wf_err err = wf_store_share_check_scan(&v, in, len);
    if (err) return err;
    c->index = v.index;
    c->member.rank = v.rank;
    c->t = v.t;
    if (wf_scalar_parse_nonzero(&c->member.x, in + 4, WF_SCALAR_BYTES))
        return wf_store_fail(WF_ERR_ENCODING, "key record has a bad member identifier");
    const uint8_t *p = v.commitments;
    for (uint32_t k = 0; k < c->t; k++, p += WF_POINT_BYTES)
        if (wf_point_parse(&c->commitments[k], p, WF_POINT_BYTES))
            return wf_store_fail(WF_ERR_ENCODING, "key record has a bad commitment");
    if (wf_point_parse(&c->share_point, p, WF_POINT_BYTES))
        return wf_store_fail(WF_ERR_ENCODING, "key record has a bad share point");
    *used = v.len;
    return WF_OK;
}

wf_err wf_store_key_commitments_hash(const wf_store_key *k, uint8_t out[32])
{
    if (!k || k->check.t == 0 || k->check.t > WF_MAX_MEMBERS) return wf_store_fail(WF_ERR_ARG, "bad key");
    uint8_t buf[WF_MAX_MEMBERS * WF_POINT_BYTES];
    for (uint32_t i = 0; i < k->check.t; i++)
        if (wf_point_serialize(buf + i * WF_POINT_BYTES, &k->check.commitments[i]))
            return wf_store_fail(WF_ERR_INFINITY, "a key commitment is the point at infinity");
    return wf_sha256(out, buf, (size_t)k->check.t * WF_POINT_BYTES);
}

static wf_err key_record(const wf_store_key *k, uint64_t generation, uint8_t **plain, size_t *plain_len)
{
    uint8_t head[8 + WF_STORE_SHARE_CHECK_MAX_BYTES];
    wf_be64_put(head, generation);
    size_t check_len = wf_store_share_check_encode(head + 8, &k->check);
    if (check_len == 0) return wf_store_fail(WF_ERR_ARG, "key record has a bad shape (a point at infinity)");
    return wf_db_blob_pack(head, 8 + check_len, &k->record, plain, plain_len);
}

static wf_err put_key(wf_store *s, rocksdb_writebatch_t *b, const wf_store_key *k, uint64_t generation)
{
    uint8_t *plain;
    size_t plain_len;
    wf_err err = key_record(k, generation, &plain, &plain_len);
    if (err) return err;
    err = wf_db_put_sealed(s, b, WF_CF_KEYS, k->key_id, WF_STORE_ID_BYTES, plain, plain_len);
    wf_secure_free(plain);
    return err;
}

static wf_err put_aux(wf_store *s, rocksdb_writebatch_t *b, const uint8_t *key_id, const wf_store_blob *aux)
{
    uint8_t *plain;
    size_t plain_len;
    wf_err err = wf_db_blob_pack(NULL, 0, aux, &plain, &plain_len);
    if (err) return err;
    err = wf_db_put_sealed(s, b, WF_CF_AUX, key_id, WF_STORE_ID_BYTES, plain, plain_len);
    wf_secure_free(plain);
    return err;
}

/* Decodes and checks a key record's plaintext (store lock held or not). */
static wf_err parse_key(const uint8_t *key_id, const uint8_t *plain, size_t plain_len, wf_store_key **out)
{
    *out = NULL;
    size_t used = 0;
    wf_err err = WF_OK;
    wf_store_key *k = calloc(1, sizeof *k);
    if (!k) err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    if (!err && plain_len < 8) err = wf_store_fail(WF_ERR_ENCODING, "key record too short");
    if (!err) {
        k->generation = wf_be64_get(plain);
        err = wf_store_share_check_decode(&k->check, plain + 8, plain_len - 8, &used);
    }
    if (!err) err = wf_db_blob_unpack(plain, plain_len, 8 + used, &k->record);
    if (!err) {
        memcpy(k->key_id, key_id, WF_STORE_ID_BYTES);
        err = wf_store_key_check(k);
    }
    if (err) {
        wf_store_key_free(k);
        return err;
    }
    *out = k;
    return WF_OK;
}

/* Reads and checks the key record of key_id stored at record key rk
 * (key_id itself, or its previous-generation key; store lock held or not). */
static wf_err read_key_at(wf_store *s, const uint8_t *key_id, const uint8_t *rk, size_t rk_len, wf_store_key **out)
{
    *out = NULL;
    uint8_t *plain;
    size_t plain_len;
    wf_err err = wf_db_get_sealed(s, WF_CF_KEYS, rk, rk_len, &plain, &plain_len);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(err, "no such key");
    if (err) return err;
    err = parse_key(key_id, plain, plain_len, out);
    wf_secure_free(plain);
    return err;
}

static wf_err read_key(wf_store *s, const uint8_t *key_id, wf_store_key **out)
{
    return read_key_at(s, key_id, key_id, WF_STORE_ID_BYTES, out);
}

wf_err wf_db_key_generation(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], uint64_t *generation)
{
    uint8_t *plain;
    size_t plain_len;
    wf_err err = wf_db_get_sealed(s, WF_CF_KEYS, key_id, WF_STORE_ID_BYTES, &plain, &plain_len);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(err, "no such key");
    if (err) return err;
    if (plain_len < 8)
        err = wf_store_fail(WF_ERR_ENCODING, "key record too short");
    else
        *generation = wf_be64_get(plain);
    wf_secure_free(plain);
    return err;
}

/* The previous generation a refresh keeps (see "the previous generation"
 * below) lives at keys/<key id>‖"prev" and aux/<key id>‖"prev". */
#define PREV_TAG     "prev"
#define PREV_KEY_LEN (WF_STORE_ID_BYTES + sizeof PREV_TAG - 1)

static void prev_key(uint8_t out[PREV_KEY_LEN], const uint8_t *key_id)
{
    memcpy(out, key_id, WF_STORE_ID_BYTES);
    memcpy(out + WF_STORE_ID_BYTES, PREV_TAG, sizeof PREV_TAG - 1);
}

/* Adds the deletion of the key's kept previous generation (if any) to b: a
 * reshare's writes leave no share of the old committee behind. */
static void drop_prev(wf_store *s, rocksdb_writebatch_t *b, const uint8_t *key_id)
{
    uint8_t pk[PREV_KEY_LEN];
    prev_key(pk, key_id);
    rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_KEYS], (const char *)pk, sizeof pk);
    rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)pk, sizeof pk);
}

/* A reshare's pending share (keys.h, "two phases") lives at
 * keys/<key id>‖"next": sealed tag ‖ key record (generation 0). */
#define NEXT_TAG     "next"
#define NEXT_KEY_LEN (WF_STORE_ID_BYTES + sizeof NEXT_TAG - 1)

static void next_key(uint8_t out[NEXT_KEY_LEN], const uint8_t *key_id)
{
    memcpy(out, key_id, WF_STORE_ID_BYTES);
    memcpy(out + WF_STORE_ID_BYTES, NEXT_TAG, sizeof NEXT_TAG - 1);
}

static void drop_next(wf_store *s, rocksdb_writebatch_t *b, const uint8_t *key_id)
{
    uint8_t nk[NEXT_KEY_LEN];
    next_key(nk, key_id);
    rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_KEYS], (const char *)nk, sizeof nk);
}

static wf_err put_key_new(wf_store *s, const wf_store_key *k)
{
    int exists = wf_db_exists(s, WF_CF_KEYS, k->key_id, WF_STORE_ID_BYTES);
    if (exists < 0) return WF_ERR_STORAGE;
    if (exists) return wf_store_fail(WF_ERR_EXISTS, "a key with this id is already stored");
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    wf_err err = put_key(s, b, k, 1);
    return wf_db_finish(s, b, err);
}

static wf_err replace_key(wf_store *s, const wf_store_key *k, const wf_store_blob *aux, int drop_aux)
{
    wf_store_key *old = NULL;
    wf_err err = read_key(s, k->key_id, &old);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(err, "no key with this id to replace");
    if (err) return err;
    if (!wf_point_eq(&old->check.commitments[0], &k->check.commitments[0]))
        err = wf_store_fail(WF_ERR_CONFLICT, "the replacement share belongs to another public key");
    uint64_t generation = old->generation + 1;
    wf_store_key_free(old);
    if (err) return err;
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    err = put_key(s, b, k, generation);
    if (!err && aux) err = put_aux(s, b, k->key_id, aux);
    if (!err && drop_aux) rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)k->key_id, WF_STORE_ID_BYTES);
    if (!err && drop_aux) drop_prev(s, b, k->key_id); /* a reshare: the old committee's previous generation goes too */
    if (!err && drop_aux) drop_next(s, b, k->key_id);
    if (!err) err = wf_db_presig_drop_key(s, b, k->key_id, NULL);
    if ((err = wf_db_finish(s, b, err))) return err;
    /* push the superseded sealed records out of the files (best effort) */
    wf_cf cfs[] = {WF_CF_KEYS, WF_CF_AUX, WF_CF_PRESIG};
    for (size_t i = 0; i < sizeof cfs / sizeof cfs[0]; i++)
        rocksdb_compact_range_cf(s->db, s->cf[cfs[i]], NULL, 0, NULL, 0);
    return WF_OK;
}

wf_err wf_store_key_put(wf_store *s, const wf_store_key *k)
{
    if (!s) return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_err err = wf_store_key_check(k);
    if (err) return err;
    pthread_mutex_lock(&s->lock);
    err = put_key_new(s, k);
    pthread_mutex_unlock(&s->lock);
    return err;
}

/* replace_key under the store's lock, once the arguments check. */
static wf_err replace_key_locked(wf_store *s, const wf_store_key *k, const wf_store_blob *aux, int drop_aux)
{
    if (!s) return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_err err = wf_store_key_check(k);
    if (err) return err;
    pthread_mutex_lock(&s->lock);
    err = replace_key(s, k, aux, drop_aux);
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_key_replace(wf_store *s, const wf_store_key *k, const wf_store_blob *aux)
{
    return replace_key_locked(s, k, aux, 0);
}

wf_err wf_store_key_replace_committee(wf_store *s, const wf_store_key *k)
{
    return replace_key_locked(s, k, NULL, 1);
}

wf_err wf_store_key_delete(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES])
{
    if (!s || !key_id) return wf_store_fail(WF_ERR_ARG, "missing argument");
    pthread_mutex_lock(&s->lock);
    wf_err err = WF_OK;
    int key = wf_db_exists(s, WF_CF_KEYS, key_id, WF_STORE_ID_BYTES);
    if (key < 0) err = WF_ERR_STORAGE;
    else if (!key) err = wf_store_fail(WF_ERR_NOT_FOUND, "no key with this id to delete");
    if (!err) {
        rocksdb_writebatch_t *b = rocksdb_writebatch_create();
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_KEYS], (const char *)key_id, WF_STORE_ID_BYTES);
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)key_id, WF_STORE_ID_BYTES);
        drop_prev(s, b, key_id);
        drop_next(s, b, key_id);
        err = wf_db_finish(s, b, wf_db_presig_drop_key(s, b, key_id, NULL));
    }
    pthread_mutex_unlock(&s->lock);
    if (err) return err;
    wf_cf cfs[] = {WF_CF_KEYS, WF_CF_AUX, WF_CF_PRESIG};
    for (size_t i = 0; i < sizeof cfs / sizeof cfs[0]; i++)
        rocksdb_compact_range_cf(s->db, s->cf[cfs[i]], NULL, 0, NULL, 0);
    return WF_OK;
}

void wf_store_key_free(wf_store_key *k)
{
    if (!k) return;
    wf_store_blob_clear(&k->record);
    free(k);
}

wf_err wf_store_key_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_key **out)
{
    if (!s || !key_id || !out) return wf_store_fail(WF_ERR_ARG, "missing argument");
    return read_key(s, key_id, out);
}

wf_err wf_store_key_list(wf_store *s, uint8_t (**ids)[WF_STORE_ID_BYTES], size_t *n)
{
    if (!s || !ids || !n) return wf_store_fail(WF_ERR_ARG, "missing argument");
    *ids = NULL;
    *n = 0;
    wf_db_iter it;
    wf_err err = wf_db_iter_start(s, WF_CF_KEYS, NULL, 0, &it);
    if (err) return err;
    size_t cap = 0;
    for (; wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        size_t klen;
        const char *key = rocksdb_iter_key(it.it, &klen);
        if (klen != WF_STORE_ID_BYTES) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            void *p = realloc(*ids, cap * WF_STORE_ID_BYTES);
            if (!p) {
                err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
                break;
            }
            *ids = p;
        }
        memcpy((*ids)[(*n)++], key, WF_STORE_ID_BYTES);
    }
    wf_err iter_err = wf_db_iter_end(&it);
    if (!err) err = iter_err;
    if (err) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return err;
}

wf_err wf_store_aux_put(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], const wf_store_blob *aux)
{
    if (!s || !key_id || !aux) return wf_store_fail(WF_ERR_ARG, "missing argument");
    pthread_mutex_lock(&s->lock);
    wf_err err = WF_OK;
    int key = wf_db_exists(s, WF_CF_KEYS, key_id, WF_STORE_ID_BYTES);
    int has_aux = key > 0 ? wf_db_exists(s, WF_CF_AUX, key_id, WF_STORE_ID_BYTES) : 0;
    if (key < 0 || has_aux < 0)
        err = WF_ERR_STORAGE;
    else if (!key)
        err = wf_store_fail(WF_ERR_NOT_FOUND, "no such key for this aux record");
    else if (has_aux)
        err = wf_store_fail(WF_ERR_EXISTS, "the key has an aux record; a new one comes with a refresh");
    rocksdb_writebatch_t *b = NULL;
    if (!err) {
        b = rocksdb_writebatch_create();
        err = put_aux(s, b, key_id, aux);
        err = wf_db_finish(s, b, err);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_aux_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_blob *out)
{
    if (!s || !key_id || !out) return wf_store_fail(WF_ERR_ARG, "missing argument");
    memset(out, 0, sizeof *out);
    uint8_t *plain;
    size_t plain_len;
    wf_err err = wf_db_get_sealed(s, WF_CF_AUX, key_id, WF_STORE_ID_BYTES, &plain, &plain_len);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(err, "no aux record for this key");
    if (err) return err;
    err = wf_db_blob_unpack(plain, plain_len, 0, out);
    wf_secure_free(plain);
    return err;
}

/* ---- the previous generation, kept until a refresh is confirmed ----
 *
 * keys/<key id>‖"prev" and aux/<key id>‖"prev": sealed like the current
 * records (the record key is the AEAD's associated data, so a previous record
 * cannot be swapped in as the current one). wf_store_key_list skips them (its
 * ids are 32 bytes). */

/* (PREV_TAG, PREV_KEY_LEN and prev_key are defined above replace_key) */

/* Copies the sealed record (cf, from) to (cf, to) in batch, opened and
 * sealed again (the record key is bound in). WF_ERR_NOT_FOUND if none. */
static wf_err reseal(wf_store *s, rocksdb_writebatch_t *b, wf_cf cf, const uint8_t *from, size_t from_len,
                     const uint8_t *to, size_t to_len)
{
    uint8_t *plain;
    size_t plain_len;
    wf_err err = wf_db_get_sealed(s, cf, from, from_len, &plain, &plain_len);
    if (err) return err;
    err = wf_db_put_sealed(s, b, cf, to, to_len, plain, plain_len);
    wf_secure_free(plain);
    return err;
}

static void compact_key_cfs(wf_store *s)
{
    wf_cf cfs[] = {WF_CF_KEYS, WF_CF_AUX, WF_CF_PRESIG};
    for (size_t i = 0; i < sizeof cfs / sizeof cfs[0]; i++)
        rocksdb_compact_range_cf(s->db, s->cf[cfs[i]], NULL, 0, NULL, 0);
}

static wf_err refresh_key(wf_store *s, const wf_store_key *k, const wf_store_blob *aux, int from_prev)
{
    uint8_t pk[PREV_KEY_LEN];
    prev_key(pk, k->key_id);
    wf_store_key *cur = NULL, *base = NULL;
    wf_err err = read_key(s, k->key_id, &cur);
    if (err == WF_ERR_NOT_FOUND) return wf_store_fail(err, "no key with this id to refresh");
    if (err) return err;
    if (from_prev) {
        err = read_key_at(s, k->key_id, pk, sizeof pk, &base);
        if (err == WF_ERR_NOT_FOUND) err = wf_store_fail(err, "the key has no previous generation kept");
    }
    const wf_store_key *from = from_prev ? base : cur;
    if (!err && (!wf_point_eq(&cur->check.commitments[0], &k->check.commitments[0]) ||
                 !wf_point_eq(&from->check.commitments[0], &k->check.commitments[0])))
        err = wf_store_fail(WF_ERR_CONFLICT, "the replacement share belongs to another public key");
    uint64_t generation = err ? 0 : from->generation + 1;
    wf_store_key_free(cur);
    wf_store_key_free(base);
    if (err) return err;
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    if (!from_prev) {
        /* the record refreshed from becomes the kept previous generation */
        err = reseal(s, b, WF_CF_KEYS, k->key_id, WF_STORE_ID_BYTES, pk, sizeof pk);
        if (!err) err = reseal(s, b, WF_CF_AUX, k->key_id, WF_STORE_ID_BYTES, pk, sizeof pk);
    }
    if (!err) err = put_key(s, b, k, generation);
    if (!err) err = put_aux(s, b, k->key_id, aux);
    if (!err) err = wf_db_presig_drop_key(s, b, k->key_id, NULL);
    if ((err = wf_db_finish(s, b, err))) return err;
    compact_key_cfs(s);
    return WF_OK;
}

wf_err wf_store_key_refresh(wf_store *s, const wf_store_key *k, const wf_store_blob *aux, int from_prev)
{
    if (!s || !aux) return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_err err = wf_store_key_check(k);
    if (err) return err;
    pthread_mutex_lock(&s->lock);
    err = refresh_key(s, k, aux, from_prev);
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_key_prev_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_key **key,
                             wf_store_blob *aux)
{
    if (!s || !key_id || !key || !aux) return wf_store_fail(WF_ERR_ARG, "missing argument");
    uint8_t pk[PREV_KEY_LEN], *plain;
    size_t plain_len;
    prev_key(pk, key_id);
    memset(aux, 0, sizeof *aux);
    pthread_mutex_lock(&s->lock);
    wf_err err = read_key_at(s, key_id, pk, sizeof pk, key);
    if (!err) {
        err = wf_db_get_sealed(s, WF_CF_AUX, pk, sizeof pk, &plain, &plain_len);
        if (!err) {
            err = wf_db_blob_unpack(plain, plain_len, 0, aux);
            wf_secure_free(plain);
        }
        if (err) {
            wf_store_key_free(*key);
            *key = NULL;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_key_prev_kept(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], int *kept)
{
    if (!s || !key_id || !kept) return wf_store_fail(WF_ERR_ARG, "missing argument");
    uint8_t pk[PREV_KEY_LEN];
    prev_key(pk, key_id);
    pthread_mutex_lock(&s->lock);
    int exists = wf_db_exists(s, WF_CF_KEYS, pk, sizeof pk);
    pthread_mutex_unlock(&s->lock);
    if (exists < 0) return wf_store_fail(WF_ERR_STORAGE, "cannot read the key store");
    *kept = exists > 0;
    return WF_OK;
}

wf_err wf_store_key_prev_drop(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES])
{
    if (!s || !key_id) return wf_store_fail(WF_ERR_ARG, "missing argument");
    uint8_t pk[PREV_KEY_LEN];
    prev_key(pk, key_id);
    pthread_mutex_lock(&s->lock);
    int exists = wf_db_exists(s, WF_CF_KEYS, pk, sizeof pk);
    wf_err err = exists < 0 ? WF_ERR_STORAGE : WF_OK;
    if (exists > 0) {
        rocksdb_writebatch_t *b = rocksdb_writebatch_create();
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_KEYS], (const char *)pk, sizeof pk);
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)pk, sizeof pk);
        if (!(err = wf_db_finish(s, b, WF_OK))) compact_key_cfs(s);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

/* ---- a reshare's two phases (keys.h) ---- */

static wf_err read_pending(wf_store *s, const uint8_t *key_id, wf_store_key **key,
                           uint8_t tag[WF_STORE_PENDING_TAG_BYTES])
{
    uint8_t nk[NEXT_KEY_LEN], *plain;
    size_t plain_len;
    next_key(nk, key_id);
    *key = NULL;
    wf_err err = wf_db_get_sealed(s, WF_CF_KEYS, nk, sizeof nk, &plain, &plain_len);
    if (err == WF_ERR_NOT_FOUND)
        return wf_store_fail(err, "no pending share of this key");
    if (err)
        return err;
    if (plain_len < WF_STORE_PENDING_TAG_BYTES)
        err = wf_store_fail(WF_ERR_ENCODING, "pending share record too short");
    if (!err)
        err = parse_key(key_id, plain + WF_STORE_PENDING_TAG_BYTES, plain_len - WF_STORE_PENDING_TAG_BYTES,
                        key);
    if (!err && tag)
        memcpy(tag, plain, WF_STORE_PENDING_TAG_BYTES);
    wf_secure_free(plain);
    return err;
}

static wf_err put_pending(wf_store *s, const wf_store_key *k, const uint8_t *tag)
{
    wf_store_key *cur = NULL;
    wf_err err = read_key(s, k->key_id, &cur);
    if (err == WF_ERR_NOT_FOUND)
        err = WF_OK;
    else if (!err && !wf_point_eq(&cur->check.commitments[0], &k->check.commitments[0]))
        err = wf_store_fail(WF_ERR_CONFLICT, "the pending share belongs to another public key");
    wf_store_key_free(cur);
    if (err)
        return err;
    uint8_t *rec, *plain = NULL, nk[NEXT_KEY_LEN];
    size_t rec_len;
    next_key(nk, k->key_id);
    if ((err = key_record(k, 0, &rec, &rec_len)))
        return err;
    if (!(plain = wf_secure_alloc(WF_STORE_PENDING_TAG_BYTES + rec_len)))
        err = wf_store_fail(WF_ERR_NOMEM, "out of memory");
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    if (!err) {
        memcpy(plain, tag, WF_STORE_PENDING_TAG_BYTES);
        memcpy(plain + WF_STORE_PENDING_TAG_BYTES, rec, rec_len);
        err = wf_db_put_sealed(s, b, WF_CF_KEYS, nk, sizeof nk, plain, WF_STORE_PENDING_TAG_BYTES + rec_len);
    }
    wf_secure_free(rec);
    wf_secure_free(plain);
    return wf_db_finish(s, b, err);
}

wf_err wf_store_key_pending_put(wf_store *s, const wf_store_key *k,
                                const uint8_t tag[WF_STORE_PENDING_TAG_BYTES])
{
    if (!s || !tag)
        return wf_store_fail(WF_ERR_ARG, "missing argument");
    wf_err err = wf_store_key_check(k);
    if (err)
        return err;
    pthread_mutex_lock(&s->lock);
    err = put_pending(s, k, tag);
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_key_pending_get(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], wf_store_key **key,
                                uint8_t tag[WF_STORE_PENDING_TAG_BYTES])
{
    if (!s || !key_id || !key)
        return wf_store_fail(WF_ERR_ARG, "missing argument");
    pthread_mutex_lock(&s->lock);
    wf_err err = read_pending(s, key_id, key, tag);
    pthread_mutex_unlock(&s->lock);
    return err;
}

wf_err wf_store_key_pending_drop(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES])
{
    if (!s || !key_id)
        return wf_store_fail(WF_ERR_ARG, "missing argument");
    uint8_t nk[NEXT_KEY_LEN];
    next_key(nk, key_id);
    pthread_mutex_lock(&s->lock);
    int exists = wf_db_exists(s, WF_CF_KEYS, nk, sizeof nk);
    wf_err err = exists < 0 ? WF_ERR_STORAGE : WF_OK;
    if (exists > 0) {
        rocksdb_writebatch_t *b = rocksdb_writebatch_create();
        drop_next(s, b, key_id);
        if (!(err = wf_db_finish(s, b, WF_OK)))
            compact_key_cfs(s);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

/* WF_ERR_CONFLICT when req's id is recorded for another request. */
static wf_err request_free(wf_store *s, const wf_store_request *req)
{
    wf_store_request_state state;
    return wf_db_request_lookup(s, req, &state, NULL, NULL);
}

static wf_err commit_pending(wf_store *s, const uint8_t *key_id, const wf_store_request *req,
                             const uint8_t *rec)
{
    wf_store_key *next = NULL;
    uint64_t generation = 0;
    wf_err err = request_free(s, req);
    if (!err)
        err = read_pending(s, key_id, &next, NULL);
    if (err)
        return err;
    err = wf_db_key_generation(s, key_id, &generation);
    if (err == WF_ERR_NOT_FOUND)
        err = WF_OK; /* a new member: generation 1 */
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    if (!err)
        err = put_key(s, b, next, generation + 1);
    wf_store_key_free(next);
    if (!err) {
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)key_id, WF_STORE_ID_BYTES);
        drop_prev(s, b, key_id);
        drop_next(s, b, key_id);
        err = wf_db_presig_drop_key(s, b, key_id, NULL);
    }
    if (!err)
        err = wf_db_request_done(s, b, req, rec);
    return wf_db_finish(s, b, err);
}

wf_err wf_store_key_pending_commit(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES],
                                   const wf_store_request *req, const uint8_t rec[WF_STORE_SIG_BYTES])
{
    if (!s || !key_id || !req || !rec)
        return wf_store_fail(WF_ERR_ARG, "missing argument");
    pthread_mutex_lock(&s->lock);
    wf_err err = commit_pending(s, key_id, req, rec);
    pthread_mutex_unlock(&s->lock);
    if (!err)
        compact_key_cfs(s);
    return err;
}

wf_err wf_store_key_leave(wf_store *s, const uint8_t key_id[WF_STORE_ID_BYTES], const wf_store_request *req,
                          const uint8_t rec[WF_STORE_SIG_BYTES])
{
    if (!s || !key_id || !req || !rec)
        return wf_store_fail(WF_ERR_ARG, "missing argument");
    pthread_mutex_lock(&s->lock);
    wf_err err = request_free(s, req);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_KEYS], (const char *)key_id, WF_STORE_ID_BYTES);
    rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)key_id, WF_STORE_ID_BYTES);
    drop_prev(s, b, key_id);
    drop_next(s, b, key_id);
    if (!err)
        err = wf_db_presig_drop_key(s, b, key_id, NULL);
    if (!err)
        err = wf_db_request_done(s, b, req, rec);
    err = wf_db_finish(s, b, err);
    pthread_mutex_unlock(&s->lock);
    if (!err)
        compact_key_cfs(s);
    return err;
}

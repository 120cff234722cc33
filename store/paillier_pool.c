/* Pooled Paillier keys. Records in the aux column family, beside the keys'
 * aux records (whose record keys are 32-byte key ids; these are 22 bytes, so
 * the two can never meet):
 *
 * "pp" ‖ be32 bits ‖ be64 added ms ‖ 8 random bytes    sealed: be32 bits ‖ p ‖ q
 *     (p and q big-endian, each exactly ⌈bits/16⌉ bytes; ordered by size, then
 *     age: the first of a size is its oldest) */
#include "store/paillier_pool.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "crypto/paillier.h"
#include "crypto/secmem.h"
#include "store/db.h"

#define PREFIX_LEN 6 /* "pp" ‖ be32 bits */
#define RKEY_LEN   (PREFIX_LEN + 8 + 8)

static int bits_ok(unsigned bits)
{
    return bits >= WF_PAILLIER_MIN_BITS && bits <= WF_STORE_PAILLIER_MAX_BITS && bits % 2 == 0;
}

/* Bytes of one prime in a record. */
static size_t prime_bytes(unsigned bits)
{
    return (bits / 2 + 7) / 8;
}

static void prefix(uint8_t out[PREFIX_LEN], unsigned bits)
{
    out[0] = 'p';
    out[1] = 'p';
    wf_be32_put(out + 2, bits);
}

/* The cheap checks of the header: sizes, p ≠ q, |p·q| = bits, p ≡ q ≡ 3 mod 4.
 * Not constant time; the values it looks at become the public N or its
 * public properties. */
static int primes_ok(unsigned bits, const mpz_t p, const mpz_t q)
{
    if (mpz_sgn(p) <= 0 || mpz_sgn(q) <= 0 || mpz_cmp(p, q) == 0)
        return 0;
    if (mpz_sizeinbase(p, 2) != bits / 2 || mpz_sizeinbase(q, 2) != bits / 2)
        return 0;
    if (mpz_fdiv_ui(p, 4) != 3 || mpz_fdiv_ui(q, 4) != 3)
        return 0;
    mpz_t n;
    mpz_init(n);
    mpz_mul(n, p, q);
    int ok = mpz_sizeinbase(n, 2) == bits;
    mpz_clear(n);
    return ok;
}

/* Writes x big-endian into exactly len bytes (x fits: checked by primes_ok). */
static void put_prime(uint8_t *out, size_t len, const mpz_t x)
{
    size_t count = 0;
    memset(out, 0, len);
    size_t need = (mpz_sizeinbase(x, 2) + 7) / 8;
    mpz_export(out + (len - need), &count, 1, 1, 1, 0, x);
}

wf_err wf_store_paillier_put(wf_store *s, unsigned bits, const mpz_t p, const mpz_t q)
{
    if (!s || !p || !q) return wf_store_fail(WF_ERR_ARG, "missing argument");
    if (!bits_ok(bits)) return wf_store_fail(WF_ERR_ARG, "%u bits is not a pooled Paillier modulus size", bits);
    if (!primes_ok(bits, p, q))
        return wf_store_fail(WF_ERR_ARG, "these primes do not make a %u-bit Paillier modulus", bits);
    size_t pb = prime_bytes(bits), len = 4 + 2 * pb;
    uint8_t *plain = wf_secure_alloc(len);
    if (!plain) return wf_store_fail(WF_ERR_NOMEM, "out of memory");
    wf_be32_put(plain, bits);
    put_prime(plain + 4, pb, p);
    put_prime(plain + 4 + pb, pb, q);
    uint8_t rk[RKEY_LEN];
    prefix(rk, bits);
    wf_be64_put(rk + PREFIX_LEN, wf_store_now_ms());
    randombytes_buf(rk + PREFIX_LEN + 8, 8);
    pthread_mutex_lock(&s->lock);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    wf_err err = wf_db_put_sealed(s, b, WF_CF_AUX, rk, RKEY_LEN, plain, len);
    err = wf_db_finish(s, b, err);
    pthread_mutex_unlock(&s->lock);
    wf_secure_free(plain);
    return err;
}

/* Opens and checks one record into p and q (unchanged on failure). */
static wf_err open_record(wf_store *s, unsigned bits, const uint8_t *rk, const uint8_t *val, size_t val_len,
                          mpz_t p, mpz_t q)
{
    uint8_t *plain = NULL;
    size_t len = 0, pb = prime_bytes(bits);
    wf_err err = wf_db_open_sealed(s, WF_CF_AUX, rk, RKEY_LEN, val, val_len, &plain, &len);
    if (err) return wf_store_fail(err, "a pooled Paillier key record does not authenticate (damaged or "
                                       "tampered with); it was dropped");
    if (len != 4 + 2 * pb || wf_be32_get(plain) != bits) {
        wf_secure_free(plain);
        return wf_store_fail(WF_ERR_ENCODING, "a pooled Paillier key record has the wrong size; it was dropped");
    }
    mpz_t a, c;
    mpz_inits(a, c, NULL);
    mpz_import(a, pb, 1, 1, 1, 0, plain + 4);
    mpz_import(c, pb, 1, 1, 1, 0, plain + 4 + pb);
    wf_secure_free(plain);
    if (primes_ok(bits, a, c)) {
        mpz_set(p, a);
        mpz_set(q, c);
    } else {
        err = wf_store_fail(WF_ERR_ENCODING, "a pooled Paillier key record does not hold two %u-bit primes "
                                             "≡ 3 mod 4 of a %u-bit modulus; it was dropped", bits / 2, bits);
    }
    wf_mpz_wipe(a);
    wf_mpz_wipe(c);
    mpz_clears(a, c, NULL);
    return err;
}

wf_err wf_store_paillier_take(wf_store *s, unsigned bits, mpz_t p, mpz_t q)
{
    if (!s || !p || !q) return wf_store_fail(WF_ERR_ARG, "missing argument");
    if (!bits_ok(bits)) return wf_store_fail(WF_ERR_ARG, "%u bits is not a pooled Paillier modulus size", bits);
    uint8_t pre[PREFIX_LEN], rk[RKEY_LEN];
    prefix(pre, bits);
    pthread_mutex_lock(&s->lock);
    wf_db_iter it;
    wf_err err = wf_db_iter_start(s, WF_CF_AUX, pre, PREFIX_LEN, &it), found = WF_ERR_NOT_FOUND;
    mpz_t a, c;
    mpz_inits(a, c, NULL);
    for (; !err && wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        size_t klen = 0, vlen = 0;
        const char *k = rocksdb_iter_key(it.it, &klen);
        if (klen != RKEY_LEN) continue;
        memcpy(rk, k, RKEY_LEN);
        const char *v = rocksdb_iter_value(it.it, &vlen);
        found = open_record(s, bits, rk, (const uint8_t *)v, vlen, a, c);
        break;
    }
    if (!err) err = wf_db_iter_end(&it);
    if (!err && found != WF_ERR_NOT_FOUND) {
        /* handed out or damaged: either way it leaves the pool, durably, first */
        rocksdb_writebatch_t *b = rocksdb_writebatch_create();
        rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)rk, RKEY_LEN);
        char why[256];
        snprintf(why, sizeof why, "%s", wf_store_last_error());
        err = wf_db_commit(s, b);
        if (!err && found != WF_OK) wf_store_fail(found, "%s", why);
    }
    pthread_mutex_unlock(&s->lock);
    if (!err && found == WF_ERR_NOT_FOUND)
        err = wf_store_fail(WF_ERR_NOT_FOUND, "no pooled %u-bit Paillier key", bits);
    else if (!err)
        err = found;
    if (!err) {
        mpz_set(p, a);
        mpz_set(q, c);
    }
    wf_mpz_wipe(a);
    wf_mpz_wipe(c);
    mpz_clears(a, c, NULL);
    return err;
}

wf_err wf_store_paillier_count(wf_store *s, unsigned bits, size_t *n)
{
    if (!s || !n) return wf_store_fail(WF_ERR_ARG, "missing argument");
    if (!bits_ok(bits)) return wf_store_fail(WF_ERR_ARG, "%u bits is not a pooled Paillier modulus size", bits);
    uint8_t pre[PREFIX_LEN];
    prefix(pre, bits);
    *n = 0;
    wf_db_iter it;
    wf_err err = wf_db_iter_start(s, WF_CF_AUX, pre, PREFIX_LEN, &it);
    if (err) return err;
    for (; wf_db_iter_valid(&it); rocksdb_iter_next(it.it)) {
        size_t klen = 0;
        rocksdb_iter_key(it.it, &klen);
        if (klen == RKEY_LEN) (*n)++;
    }
    return wf_db_iter_end(&it);
}

/* store/paillier_pool: pooled Paillier keys are sealed, counted by size,
 * handed out oldest first and never twice (also across a close and reopen),
 * and a damaged or forged record is refused and dropped. Keys are fixture
 * primes (tests/fixtures.h), so no prime search runs. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/paillier.h"
#include "crypto/secmem.h"
#include "store/db.h"
#include "store/paillier_pool.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/fixtures.h"
#include "tests/store_fixture.h"

#define BITS 2048u
#define PAIRS 5

static mpz_t P[PAIRS], Q[PAIRS];

static wf_store *open_store(const char *dir, const char *kf, int create)
{
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    wf_err err = create ? wf_store_create(&s, dir, &u) : wf_store_open(&s, dir, &u);
    if (err) fprintf(stderr, "store: %s\n", wf_store_last_error());
    REQUIRE(err == WF_OK);
    return s;
}

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static size_t count(wf_store *s, unsigned bits)
{
    size_t n = 999;
    CHECK_OK(wf_store_paillier_count(s, bits, &n));
    return n;
}

/* Which fixture pair (p, q) is, or -1. */
static int pair_of(const mpz_t p, const mpz_t q)
{
    for (int i = 0; i < PAIRS; i++)
        if (mpz_cmp(p, P[i]) == 0 && mpz_cmp(q, Q[i]) == 0) return i;
    return -1;
}

/* Takes one key; its pair index, or -1 with the error in *err. */
static int take(wf_store *s, wf_err *err)
{
    wf_smpz *p = wf_smpz_new(), *q = wf_smpz_new();
    REQUIRE(p && q);
    *err = wf_store_paillier_take(s, BITS, p->v, q->v);
    int i = *err == WF_OK ? pair_of(p->v, q->v) : -1;
    wf_smpz_free(p);
    wf_smpz_free(q);
    return i;
}

static void test_put_refuses(wf_store *s)
{
    mpz_t x;
    mpz_init(x);
    CHECK_ERR(wf_store_paillier_put(s, BITS, P[0], P[0]), WF_ERR_ARG);      /* p = q */
    CHECK_ERR(wf_store_paillier_put(s, 3072, P[0], Q[0]), WF_ERR_ARG);      /* wrong modulus size */
    CHECK_ERR(wf_store_paillier_put(s, BITS + 1, P[0], Q[0]), WF_ERR_ARG);  /* odd size */
    CHECK_ERR(wf_store_paillier_put(s, 32, P[0], Q[0]), WF_ERR_ARG);        /* below the floor */
    mpz_add_ui(x, P[0], 2);                                                 /* ≡ 1 mod 4 */
    CHECK_ERR(wf_store_paillier_put(s, BITS, x, Q[0]), WF_ERR_ARG);
    mpz_tdiv_q_2exp(x, P[0], 1);                                            /* too short */
    CHECK_ERR(wf_store_paillier_put(s, BITS, x, Q[0]), WF_ERR_ARG);
    CHECK_ERR(wf_store_paillier_put(NULL, BITS, P[0], Q[0]), WF_ERR_ARG);
    CHECK(count(s, BITS) == 0);
    mpz_clear(x);
}

static void test_put_take_count(wf_store *s)
{
    wf_err err;
    CHECK(count(s, BITS) == 0);
    CHECK(take(s, &err) == -1 && err == WF_ERR_NOT_FOUND);
    for (int i = 0; i < 3; i++) {
        CHECK_OK(wf_store_paillier_put(s, BITS, P[i], Q[i]));
        pause_ms(3); /* distinct ages: takes go oldest first */
    }
    CHECK(count(s, BITS) == 3);
    CHECK(count(s, 3072) == 0);
    for (int i = 0; i < 3; i++) {
        CHECK(take(s, &err) == i);
        CHECK_OK(err);
        CHECK(count(s, BITS) == (size_t)(2 - i));
    }
    CHECK(take(s, &err) == -1 && err == WF_ERR_NOT_FOUND);
}

/* A key taken before a close is not there after it; the other one is. */
static void test_reopen(const char *path, const char *kf)
{
    wf_store *s = open_store(path, kf, 0);
    wf_err err;
    CHECK_OK(wf_store_paillier_put(s, BITS, P[3], Q[3]));
    pause_ms(3);
    CHECK_OK(wf_store_paillier_put(s, BITS, P[4], Q[4]));
    CHECK(take(s, &err) == 3);
    wf_store_close(s);
    s = open_store(path, kf, 0);
    CHECK(count(s, BITS) == 1);
    CHECK(take(s, &err) == 4);
    CHECK(take(s, &err) == -1 && err == WF_ERR_NOT_FOUND);
    wf_store_close(s);
    s = open_store(path, kf, 0);
    CHECK(count(s, BITS) == 0);
    wf_store_close(s);
}

/* The one pooled record's key and raw value (malloc). */
static void raw_record(wf_store *s, uint8_t key[64], size_t *klen, char **val, size_t *vlen)
{
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(s->db, ro, s->cf[WF_CF_AUX]);
    rocksdb_iter_seek(it, "pp", 2);
    REQUIRE(rocksdb_iter_valid(it));
    const char *k = rocksdb_iter_key(it, klen);
    REQUIRE(*klen <= 64 && k[0] == 'p' && k[1] == 'p');
    memcpy(key, k, *klen);
    const char *v = rocksdb_iter_value(it, vlen);
    *val = malloc(*vlen);
    REQUIRE(*val);
    memcpy(*val, v, *vlen);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
}

static void raw_put(wf_store *s, const uint8_t *key, size_t klen, const char *val, size_t vlen)
{
    char *e = NULL;
    rocksdb_put_cf(s->db, s->sync_write, s->cf[WF_CF_AUX], (const char *)key, klen, val, vlen, &e);
    REQUIRE(e == NULL);
}

static void test_tampered(wf_store *s)
{
    uint8_t key[64];
    size_t klen, vlen;
    char *val;
    wf_err err;

    /* a flipped bit in the sealed value: refused, dropped, the next one still served */
    CHECK_OK(wf_store_paillier_put(s, BITS, P[0], Q[0]));
    raw_record(s, key, &klen, &val, &vlen);
    val[vlen / 2] ^= 0x04;
    raw_put(s, key, klen, val, vlen);
    free(val);
    pause_ms(3);
    CHECK_OK(wf_store_paillier_put(s, BITS, P[1], Q[1]));
    CHECK(count(s, BITS) == 2);
    CHECK(take(s, &err) == -1 && err == WF_ERR_VERIFY);
    CHECK(strstr(wf_store_last_error(), "dropped") != NULL);
    CHECK(count(s, BITS) == 1);
    CHECK(take(s, &err) == 1);
    CHECK(count(s, BITS) == 0);

    /* a good record moved under another record key: refused */
    CHECK_OK(wf_store_paillier_put(s, BITS, P[2], Q[2]));
    raw_record(s, key, &klen, &val, &vlen);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create();
    rocksdb_writebatch_delete_cf(b, s->cf[WF_CF_AUX], (const char *)key, klen);
    REQUIRE(wf_db_commit(s, b) == WF_OK);
    key[klen - 1] ^= 1;
    raw_put(s, key, klen, val, vlen);
    free(val);
    CHECK(take(s, &err) == -1 && err == WF_ERR_VERIFY);
    CHECK(count(s, BITS) == 0);

    /* sealed correctly but not what it claims (p ≡ 1 mod 4): refused and dropped */
    size_t pb = BITS / 16, len = 4 + 2 * pb, used = 0;
    uint8_t *plain = wf_secure_alloc(len);
    REQUIRE(plain);
    wf_be32_put(plain, BITS);
    mpz_t x;
    mpz_init(x);
    mpz_add_ui(x, P[3], 2);
    mpz_export(plain + 4, &used, 1, 1, 1, 0, x);
    REQUIRE(used == pb);
    mpz_export(plain + 4 + pb, &used, 1, 1, 1, 0, Q[3]);
    b = rocksdb_writebatch_create();
    REQUIRE(wf_db_put_sealed(s, b, WF_CF_AUX, key, klen, plain, len) == WF_OK);
    REQUIRE(wf_db_commit(s, b) == WF_OK);
    wf_secure_free(plain);
    mpz_clear(x);
    CHECK(count(s, BITS) == 1);
    CHECK(take(s, &err) == -1 && err == WF_ERR_ENCODING);
    CHECK(count(s, BITS) == 0);
}

/* Pool records live beside aux records without disturbing them. */
static void test_beside_aux(wf_store *s)
{
    uint8_t id[32];
    memset(id, 0x70, 32); /* 'p': a key id that starts like a pool record */
    wf_store_key k;
    wf_test_make_key(&k, id, 2, 0, 0);
    CHECK_OK(wf_store_key_put(s, &k));
    wf_store_blob aux = {0}, got = {0};
    aux.pub_len = 10;
    aux.pub = malloc(10);
    memset(aux.pub, 1, 10);
    aux.sec_len = 16;
    aux.sec = wf_secure_alloc(16);
    CHECK_OK(wf_store_aux_put(s, id, &aux));
    CHECK_OK(wf_store_paillier_put(s, BITS, P[4], Q[4]));
    CHECK(count(s, BITS) == 1);
    wf_err err;
    CHECK(take(s, &err) == 4);
    CHECK_OK(wf_store_aux_get(s, id, &got));
    CHECK(got.pub_len == 10 && got.sec_len == 16);
    wf_store_blob_clear(&got);
    wf_store_blob_clear(&aux);
    wf_store_blob_clear(&k.record);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    for (int i = 0; i < PAIRS; i++) {
        mpz_inits(P[i], Q[i], NULL);
        REQUIRE(wf_test_fixture_prime(P[i], BITS / 2, 2 * (unsigned)i) == 0);
        REQUIRE(wf_test_fixture_prime(Q[i], BITS / 2, 2 * (unsigned)i + 1) == 0);
    }
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "ppool");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    wf_store *s = open_store(path, kf, 1);
    test_put_refuses(s);
    test_put_take_count(s);
    wf_store_close(s);
    test_reopen(path, kf);
    s = open_store(path, kf, 0);
    test_tampered(s);
    test_beside_aux(s);
    wf_store_close(s);
    wf_test_rmtree(dir);
    for (int i = 0; i < PAIRS; i++)
        mpz_clears(P[i], Q[i], NULL);
    return wf_check_summary("test_paillier_pool");
}

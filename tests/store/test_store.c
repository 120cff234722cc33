/* store/: unlocking, sealed records, keys, presignature pools, requests and
 * tampering. The audit chain and backups have their own test programs; crash
 * safety is test_store_crash. */
#define _XOPEN_SOURCE 700
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/secmem.h"
#include "store/db.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "store/requests.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

static const char PASS[] = "correct horse battery staple";

static wf_store *open_with_file(const char *dir, const char *key_file, int create)
{
    wf_store_unlock u = {.key_file = key_file};
    wf_store *s = NULL;
    wf_err err = create ? wf_store_create(&s, dir, &u) : wf_store_open(&s, dir, &u);
    if (err) fprintf(stderr, "store: %s\n", wf_store_last_error());
    REQUIRE(err == WF_OK);
    return s;
}

static void test_passphrase(void)
{
    char dir[256], path[300];
    wf_test_tmpdir(dir, "pass");
    snprintf(path, sizeof path, "%s/db", dir);
    wf_store_unlock u = {.passphrase = PASS, .kdf = WF_STORE_KDF_INTERACTIVE};
    wf_store *s = NULL;
    CHECK_OK(wf_store_create(&s, path, &u));
    wf_store_close(s);
    s = NULL;
    /* a second create over it is refused */
    CHECK_ERR(wf_store_create(&s, path, &u), WF_ERR_EXISTS);
    CHECK(s == NULL);

    wf_store_unlock wrong = {.passphrase = "correct horse battery stapler"};
    CHECK_ERR(wf_store_open(&s, path, &wrong), WF_ERR_VERIFY);
    CHECK(s == NULL);
    CHECK(strstr(wf_store_last_error(), "wrong passphrase") != NULL);
    CHECK(strstr(wf_store_last_error(), "stapler") == NULL);

    CHECK_OK(wf_store_open(&s, path, &u));
    wf_store_close(s);
    s = NULL;

    /* unlock arguments: neither, both, empty passphrase, key file for a passphrase store */
    wf_store_unlock none = {0}, both = {.passphrase = PASS, .key_file = "/nonexistent"}, empty = {.passphrase = ""};
    CHECK_ERR(wf_store_open(&s, path, &none), WF_ERR_ARG);
    CHECK_ERR(wf_store_open(&s, path, &both), WF_ERR_ARG);
    CHECK_ERR(wf_store_open(&s, path, &empty), WF_ERR_ARG);
    char kf[300];
    snprintf(kf, sizeof kf, "%s/key", dir);
    CHECK_OK(wf_store_key_file_create(kf));
    wf_store_unlock by_file = {.key_file = kf};
    CHECK_ERR(wf_store_open(&s, path, &by_file), WF_ERR_VERIFY);
    CHECK(strstr(wf_store_last_error(), "passphrase") != NULL);

    /* opening a directory that holds no store */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none", dir);
    CHECK(wf_store_open(&s, missing, &u) != WF_OK);
    CHECK(s == NULL);
    wf_test_rmtree(dir);
}

static void test_key_file(void)
{
    char dir[256], kf[300], kf2[300], path[300];
    wf_test_tmpdir(dir, "kf");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(kf2, sizeof kf2, "%s/other", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    CHECK_OK(wf_store_key_file_create(kf));
    CHECK_ERR(wf_store_key_file_create(kf), WF_ERR_EXISTS);
    CHECK_OK(wf_store_key_file_create(kf2));
    struct stat st;
    CHECK(stat(kf, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == WF_STORE_KEY_FILE_BYTES);

    wf_store *s = open_with_file(path, kf, 1);
    wf_store_close(s);
    s = NULL;
    wf_store_unlock other = {.key_file = kf2};
    CHECK_ERR(wf_store_open(&s, path, &other), WF_ERR_VERIFY);
    /* a key file others can read is refused */
    CHECK(chmod(kf, 0644) == 0);
    wf_store_unlock u = {.key_file = kf};
    CHECK_ERR(wf_store_open(&s, path, &u), WF_ERR_ARG);
    CHECK(strstr(wf_store_last_error(), "chmod 600") != NULL);
    CHECK(chmod(kf, 0600) == 0);
    /* a key file of the wrong length */
    FILE *f = fopen(kf2, "ab");
    fputc('x', f);
    fclose(f);
    CHECK_ERR(wf_store_open(&s, path, &other), WF_ERR_ENCODING);
    s = open_with_file(path, kf, 0);
    wf_store_close(s);
    wf_test_rmtree(dir);
}

static void fill(uint8_t *out, size_t len, uint8_t v)
{
    memset(out, v, len);
}

static void test_keys(wf_store *s)
{
    uint8_t id1[32], id2[32];
    fill(id1, 32, 0x11);
    fill(id2, 32, 0x22);
    wf_store_key k1, k2;
    wf_test_make_key(&k1, id1, 2, 0, 0);
    wf_test_make_key(&k2, id2, 3, 4, 1);
    CHECK_OK(wf_store_key_check(&k1));
    CHECK_OK(wf_store_key_put(s, &k1));
    CHECK_OK(wf_store_key_put(s, &k2));
    CHECK_ERR(wf_store_key_put(s, &k1), WF_ERR_EXISTS);

    wf_store_key *got = NULL;
    CHECK_OK(wf_store_key_get(s, id2, &got));
    REQUIRE(got != NULL);
    CHECK(memcmp(got->key_id, id2, 32) == 0);
    CHECK(got->check.index == 4 && got->check.member.rank == 1 && got->check.t == 3);
    CHECK(wf_scalar_eq(&got->check.member.x, &k2.check.member.x));
    CHECK(wf_point_eq(&got->check.share_point, &k2.check.share_point));
    for (int i = 0; i < 3; i++) CHECK(wf_point_eq(&got->check.commitments[i], &k2.check.commitments[i]));
    CHECK(got->record.pub_len == k2.record.pub_len && !memcmp(got->record.pub, k2.record.pub, k2.record.pub_len));
    CHECK(got->record.sec_len == 32 && !memcmp(got->record.sec, k2.record.sec, 32));
    uint8_t h1[32], h2[32];
    CHECK_OK(wf_store_key_commitments_hash(got, h1));
    CHECK_OK(wf_store_key_commitments_hash(&k2, h2));
    CHECK(memcmp(h1, h2, 32) == 0);
    wf_store_key_free(got);

    uint8_t(*ids)[32] = NULL;
    size_t n = 0;
    CHECK_OK(wf_store_key_list(s, &ids, &n));
    CHECK(n == 2 && !memcmp(ids[0], id1, 32) && !memcmp(ids[1], id2, 32));
    free(ids);

    /* a share that does not match its commitments is never stored */
    uint8_t id3[32];
    fill(id3, 32, 0x33);
    wf_store_key bad;
    wf_test_make_key(&bad, id3, 2, 1, 0);
    bad.record.sec[31] ^= 1;
    CHECK_ERR(wf_store_key_put(s, &bad), WF_ERR_VERIFY);
    bad.record.sec[31] ^= 1;
    bad.check.member.rank = 1; /* share point fine, but not this member's */
    CHECK_ERR(wf_store_key_put(s, &bad), WF_ERR_VERIFY);
    CHECK_ERR(wf_store_key_get(s, id3, &got), WF_ERR_NOT_FOUND);
    /* replace needs an existing key */
    bad.check.member.rank = 0;
    CHECK_ERR(wf_store_key_replace(s, &bad, NULL), WF_ERR_NOT_FOUND);
    /* shapes the store could not read back are refused at put */
    bad.check.index = 1000;
    CHECK_ERR(wf_store_key_put(s, &bad), WF_ERR_ARG);
    bad.check.index = 1;
    bad.check.member.rank = 2; /* rank must be below t = 2 */
    CHECK_ERR(wf_store_key_put(s, &bad), WF_ERR_ARG);
    CHECK_ERR(wf_store_key_put(s, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_store_key_get(s, id3, &got), WF_ERR_NOT_FOUND);
    wf_store_blob_clear(&bad.record);

    /* a replacement must keep the public key: a share of another key under
     * this id is refused, and the stored share stays */
    wf_store_key other_key;
    wf_test_make_key(&other_key, id1, 2, 0, 0);
    CHECK_ERR(wf_store_key_replace(s, &other_key, NULL), WF_ERR_CONFLICT);
    CHECK_OK(wf_store_key_get(s, id1, &got));
    CHECK(got && got->generation == 1 && !memcmp(got->record.sec, k1.record.sec, 32));
    wf_store_key_free(got);
    wf_store_blob_clear(&other_key.record);

    /* aux */
    wf_store_blob aux = {0}, aux_got = {0};
    aux.pub_len = 40;
    aux.pub = malloc(40);
    fill(aux.pub, 40, 0xa5);
    aux.sec_len = 256;
    aux.sec = wf_secure_alloc(256);
    randombytes_buf(aux.sec, 256);
    CHECK_ERR(wf_store_aux_get(s, id1, &aux_got), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_store_aux_put(s, id3, &aux), WF_ERR_NOT_FOUND); /* no such key */
    CHECK_OK(wf_store_aux_put(s, id1, &aux));
    CHECK_ERR(wf_store_aux_put(s, id1, &aux), WF_ERR_EXISTS); /* only a replace changes it */
    CHECK_OK(wf_store_aux_get(s, id1, &aux_got));
    CHECK(aux_got.pub_len == 40 && !memcmp(aux_got.pub, aux.pub, 40));
    CHECK(aux_got.sec_len == 256 && !memcmp(aux_got.sec, aux.sec, 256));
    wf_store_blob_clear(&aux_got);
    wf_store_blob_clear(&aux);
    wf_store_blob_clear(&k1.record);
    wf_store_blob_clear(&k2.record);
}

static wf_store_blob presig_blob(uint8_t v)
{
    wf_store_blob b = {0};
    b.pub_len = 200;
    b.pub = malloc(200);
    fill(b.pub, 200, v);
    b.sec_len = 64;
    b.sec = wf_secure_alloc(64);
    fill(b.sec, 64, (uint8_t)(v ^ 0xff));
    return b;
}

static wf_store_request request(const char *id, uint8_t digest)
{
    wf_store_request r;
    memset(&r, 0, sizeof r);
    r.id_len = strlen(id);
    memcpy(r.id, id, r.id_len);
    fill(r.context, 32, 0xcc);
    fill(r.digest, 32, digest);
    return r;
}

static void test_presig_pool(wf_store *s)
{
    uint8_t key[32], p1[32], p2[32], p3[32], got_id[32];
    fill(key, 32, 0x11);
    fill(p1, 32, 1);
    fill(p2, 32, 2);
    fill(p3, 32, 3);
    const uint64_t set = 0x3, other = 0x5, gen = 1;
    size_t n = 99;
    CHECK_OK(wf_store_presig_count(s, key, set, &n));
    CHECK(n == 0);
    CHECK_ERR(wf_store_presig_pick(s, key, set, got_id), WF_ERR_NOT_FOUND);

    wf_store_blob b1 = presig_blob(1), b2 = presig_blob(2), b3 = presig_blob(3), out = {0};
    CHECK_OK(wf_store_presig_add(s, key, gen, set, p2, &b2));
    CHECK_OK(wf_store_presig_add(s, key, gen, set, p1, &b1));
    CHECK_OK(wf_store_presig_add(s, key, gen, other, p3, &b3));
    CHECK_ERR(wf_store_presig_add(s, key, gen, set, p1, &b1), WF_ERR_EXISTS);
    CHECK_ERR(wf_store_presig_add(s, key, gen, 0, p1, &b1), WF_ERR_ARG);
    /* only for a stored key, and only at its current generation */
    uint8_t unknown[32];
    fill(unknown, 32, 0x99);
    CHECK_ERR(wf_store_presig_add(s, unknown, gen, set, p1, &b1), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_store_presig_add(s, key, gen + 1, set, p1, &b1), WF_ERR_CONFLICT);
    CHECK_OK(wf_store_presig_count(s, key, set, &n));
    CHECK(n == 2);
    wf_store_pool_depth depth[4];
    CHECK_OK(wf_store_presig_pools(s, key, depth, 4, &n));
    CHECK(n == 2 && depth[0].signers == set && depth[0].count == 2 && depth[1].signers == other &&
          depth[1].count == 1);
    /* the oldest first (p2 was added before p1, unless both in one millisecond) */
    CHECK_OK(wf_store_presig_pick(s, key, set, got_id));
    CHECK(!memcmp(got_id, p2, 32) || !memcmp(got_id, p1, 32));

    wf_store_request r1 = request("withdrawal-1", 0xd1), r1_other = request("withdrawal-1", 0xd2);
    wf_store_request_state st;
    CHECK_OK(wf_store_request_lookup(s, &r1, &st, NULL, NULL));
    CHECK(st == WF_REQUEST_NEW);
    /* a presignature of another set cannot be taken for this one */
    CHECK_ERR(wf_store_presig_take(s, key, other, p1, &r1, &out, NULL), WF_ERR_CONFLICT);
    CHECK_ERR(wf_store_presig_take(s, key, set, p3, &r1, &out, NULL), WF_ERR_CONFLICT);
    uint8_t never[32];
    fill(never, 32, 4);
    CHECK_ERR(wf_store_presig_take(s, key, set, never, &r1, &out, NULL), WF_ERR_NOT_FOUND);
    CHECK_OK(wf_store_request_lookup(s, &r1, &st, NULL, NULL));
    CHECK(st == WF_REQUEST_NEW);

    uint64_t takes = 0, takes_now = 0;
    CHECK_OK(wf_store_take_count(s, &takes));
    CHECK(takes == 0);
    CHECK_OK(wf_store_presig_take(s, key, set, p1, &r1, &out, &takes));
    CHECK(takes == 1);
    CHECK_OK(wf_store_take_count(s, &takes_now));
    CHECK(takes_now == 1);
    CHECK(out.pub_len == 200 && !memcmp(out.pub, b1.pub, 200) && out.sec_len == 64 && !memcmp(out.sec, b1.sec, 64));
    wf_store_blob_clear(&out);
    CHECK(wf_store_presig_used(s, key, p1) == 1);
    CHECK(wf_store_presig_used(s, key, p2) == 0);
    CHECK_OK(wf_store_request_lookup(s, &r1, &st, NULL, NULL));
    CHECK(st == WF_REQUEST_PENDING);
    /* never twice, and never back into the pool */
    wf_store_request r2 = request("withdrawal-2", 0xd3);
    CHECK_ERR(wf_store_presig_take(s, key, set, p1, &r2, &out, NULL), WF_ERR_CONFLICT);
    CHECK(out.pub == NULL && out.sec == NULL);
    CHECK_ERR(wf_store_presig_add(s, key, gen, set, p1, &b1), WF_ERR_CONFLICT);
    CHECK_OK(wf_store_request_lookup(s, &r2, &st, NULL, NULL));
    CHECK(st == WF_REQUEST_NEW);

    /* a request id reused with another digest is refused and changes nothing */
    CHECK_ERR(wf_store_request_lookup(s, &r1_other, &st, NULL, NULL), WF_ERR_CONFLICT);
    CHECK_ERR(wf_store_presig_take(s, key, set, p2, &r1_other, &out, NULL), WF_ERR_CONFLICT);
    CHECK(wf_store_presig_used(s, key, p2) == 0);
    CHECK_OK(wf_store_presig_count(s, key, set, &n));
    CHECK(n == 1);

    /* finishing: the same request returns the same signature */
    uint8_t sig[WF_STORE_SIG_BYTES], sig2[WF_STORE_SIG_BYTES], got[WF_STORE_SIG_BYTES];
    fill(sig, sizeof sig, 0x5a);
    fill(sig2, sizeof sig2, 0x5b);
    CHECK_OK(wf_store_request_finish(s, &r1, sig));
    CHECK_OK(wf_store_request_finish(s, &r1, sig));
    CHECK_ERR(wf_store_request_finish(s, &r1, sig2), WF_ERR_CONFLICT);
    CHECK_ERR(wf_store_request_finish(s, &r1_other, sig2), WF_ERR_CONFLICT);
    CHECK_OK(wf_store_request_lookup(s, &r1, &st, got, NULL));
    CHECK(st == WF_REQUEST_DONE && !memcmp(got, sig, sizeof sig));
    /* a signed request consumes no further presignature */
    CHECK_ERR(wf_store_presig_take(s, key, set, p2, &r1, &out, NULL), WF_ERR_EXISTS);
    CHECK(wf_store_presig_used(s, key, p2) == 0);
    wf_store_request empty = request("", 0);
    CHECK_ERR(wf_store_presig_take(s, key, set, p2, &empty, &out, NULL), WF_ERR_ARG);

    /* expiry: nothing added in the future; everything before now + 1 s */
    size_t dropped = 99;
    CHECK_OK(wf_store_presig_expire(s, key, 1, &dropped));
    CHECK(dropped == 0);
    CHECK_OK(wf_store_presig_expire(s, key, wf_store_now_ms() + 1000, &dropped));
    CHECK(dropped == 2);
    CHECK_OK(wf_store_presig_pools(s, key, depth, 4, &n));
    CHECK(n == 0);
    CHECK(wf_store_presig_used(s, key, p1) == 1);

    /* one request consumes at most WF_STORE_REQUEST_MAX_ATTEMPTS presignatures */
    wf_store_request greedy = request("withdrawal-greedy", 0xe0);
    unsigned attempts = 0;
    for (unsigned i = 0; i <= WF_STORE_REQUEST_MAX_ATTEMPTS; i++) {
        uint8_t pid[32];
        fill(pid, 32, (uint8_t)(0x60 + i));
        CHECK_OK(wf_store_presig_add(s, key, gen, set, pid, &b1));
        wf_err err = wf_store_presig_take(s, key, set, pid, &greedy, &out, NULL);
        CHECK(err == (i < WF_STORE_REQUEST_MAX_ATTEMPTS ? WF_OK : WF_ERR_CONFLICT));
        wf_store_blob_clear(&out);
        if (i == WF_STORE_REQUEST_MAX_ATTEMPTS) CHECK(wf_store_presig_used(s, key, pid) == 0);
    }
    CHECK_OK(wf_store_request_lookup(s, &greedy, &st, NULL, &attempts));
    CHECK(st == WF_REQUEST_PENDING && attempts == WF_STORE_REQUEST_MAX_ATTEMPTS);
    CHECK_OK(wf_store_presig_expire(s, key, 0, &dropped));
    CHECK(dropped == 1);

    /* replacing a key (refresh) drops its pool in the same batch */
    CHECK_OK(wf_store_presig_add(s, key, gen, set, p2, &b2));
    wf_store_key *k = NULL;
    CHECK_OK(wf_store_key_get(s, key, &k));
    REQUIRE(k != NULL);
    k->record.pub[0] ^= 0x80; /* "the refreshed record" */
    wf_store_blob aux = presig_blob(9);
    CHECK_OK(wf_store_key_replace(s, k, &aux));
    CHECK_OK(wf_store_presig_count(s, key, set, &n));
    CHECK(n == 0);
    wf_store_key *k2 = NULL;
    CHECK_OK(wf_store_key_get(s, key, &k2));
    CHECK(k2 && k2->record.pub[0] == k->record.pub[0] && k2->generation == gen + 1);
    /* a presign begun before the refresh cannot refill the new pool */
    CHECK_ERR(wf_store_presig_add(s, key, gen, set, p3, &b3), WF_ERR_CONFLICT);
    CHECK_OK(wf_store_presig_add(s, key, gen + 1, set, p3, &b3));
    wf_store_blob aux_got = {0};
    CHECK_OK(wf_store_aux_get(s, key, &aux_got));
    CHECK(aux_got.pub_len == 200 && aux_got.pub[0] == 9);
    wf_store_blob_clear(&aux_got);
    wf_store_blob_clear(&aux);
    wf_store_key_free(k);
    wf_store_key_free(k2);
    wf_store_blob_clear(&b1);
    wf_store_blob_clear(&b2);
    wf_store_blob_clear(&b3);
}

/* Every single-byte change of a sealed record, and moving a record to
 * another name, is detected on read; nothing crashes. */
static void test_tamper_sealed(wf_store *s)
{
    uint8_t id[32];
    fill(id, 32, 0x22);
    uint8_t *val = NULL;
    size_t len = 0;
    REQUIRE(wf_db_get_raw(s, WF_CF_KEYS, id, 32, &val, &len) == WF_OK);
    int detected = 0, total = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, val, len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        uint8_t *plain = NULL;
        size_t plain_len = 0;
        wf_err err = wf_db_open_sealed(s, WF_CF_KEYS, id, 32, copy, len, &plain, &plain_len);
        total++;
        if (err == WF_ERR_VERIFY && plain == NULL) detected++;
        wf_secure_free(plain);
        free(copy);
    }
    CHECK(total > 100 && detected == total);
    /* truncated */
    uint8_t *plain = NULL;
    size_t plain_len;
    CHECK_ERR(wf_db_open_sealed(s, WF_CF_KEYS, id, 32, val, len - 1, &plain, &plain_len), WF_ERR_VERIFY);
    CHECK_ERR(wf_db_open_sealed(s, WF_CF_KEYS, id, 32, val, 10, &plain, &plain_len), WF_ERR_VERIFY);
    /* the same bytes under another key id or column family */
    uint8_t other[32];
    fill(other, 32, 0x23);
    CHECK_ERR(wf_db_open_sealed(s, WF_CF_KEYS, other, 32, val, len, &plain, &plain_len), WF_ERR_VERIFY);
    CHECK_ERR(wf_db_open_sealed(s, WF_CF_AUX, id, 32, val, len, &plain, &plain_len), WF_ERR_VERIFY);

    /* written into the database: the key read fails cleanly and the other key is untouched */
    char *e = NULL;
    rocksdb_put_cf(s->db, s->sync_write, s->cf[WF_CF_KEYS], (const char *)other, 32, (const char *)val, len, &e);
    REQUIRE(e == NULL);
    wf_store_key *k = NULL;
    CHECK_ERR(wf_store_key_get(s, other, &k), WF_ERR_VERIFY);
    CHECK(k == NULL);
    CHECK(strstr(wf_store_last_error(), "keys record fails authentication") != NULL);
    val[len / 2] ^= 1;
    rocksdb_put_cf(s->db, s->sync_write, s->cf[WF_CF_KEYS], (const char *)id, 32, (const char *)val, len, &e);
    REQUIRE(e == NULL);
    CHECK_ERR(wf_store_key_get(s, id, &k), WF_ERR_VERIFY);
    rocksdb_free(val);
}

typedef struct racer {
    wf_store *s;
    const uint8_t *key, *pid;
    wf_store_request req;
    wf_err result;
} racer;

static void *race_take(void *arg)
{
    racer *r = arg;
    wf_store_blob out = {0};
    r->result = wf_store_presig_take(r->s, r->key, 0x3, r->pid, &r->req, &out, NULL);
    wf_store_blob_clear(&out);
    return NULL;
}

/* Threads taking the same presignature for different requests: exactly one
 * wins, every time. */
static void test_concurrent_take(wf_store *s)
{
    uint8_t key[32];
    fill(key, 32, 0x11);
    wf_store_key *k = NULL;
    REQUIRE(wf_store_key_get(s, key, &k) == WF_OK);
    wf_store_blob b = presig_blob(0x42);
    int exactly_one = 0;
    const int rounds = wf_test_light() ? 5 : 20; /* valgrind runs the threads one at a time anyway */
    for (int round = 0; round < rounds; round++) {
        uint8_t pid[32];
        fill(pid, 32, (uint8_t)(0x80 + round));
        REQUIRE(wf_store_presig_add(s, key, k->generation, 0x3, pid, &b) == WF_OK);
        racer r[4];
        pthread_t th[4];
        for (int i = 0; i < 4; i++) {
            char id[32];
            snprintf(id, sizeof id, "race-%d-%d", round, i);
            r[i] = (racer){.s = s, .key = key, .pid = pid, .req = request(id, (uint8_t)i)};
            pthread_create(&th[i], NULL, race_take, &r[i]);
        }
        int ok = 0, conflict = 0;
        for (int i = 0; i < 4; i++) {
            pthread_join(th[i], NULL);
            ok += r[i].result == WF_OK;
            conflict += r[i].result == WF_ERR_CONFLICT;
        }
        exactly_one += ok == 1 && conflict == 3;
    }
    CHECK(exactly_one == rounds);
    wf_store_blob_clear(&b);
    wf_store_key_free(k);
}

/* A create that fails (key file others can read) writes nothing: fixing the
 * mode and creating again works. */
static void test_failed_create_leaves_nothing(void)
{
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "create");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    CHECK_OK(wf_store_key_file_create(kf));
    CHECK(chmod(kf, 0640) == 0);
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    CHECK_ERR(wf_store_create(&s, path, &u), WF_ERR_ARG);
    struct stat st;
    CHECK(stat(path, &st) != 0);
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));) entries += e->d_name[0] != '.';
    if (d) closedir(d);
    CHECK(entries == 1); /* the key file only: no half-made store beside it */
    CHECK(chmod(kf, 0600) == 0);
    CHECK_OK(wf_store_create(&s, path, &u));
    wf_store_close(s);
    /* an empty directory may be created into */
    char empty[300];
    snprintf(empty, sizeof empty, "%s/empty", dir);
    CHECK(mkdir(empty, 0700) == 0);
    s = NULL;
    CHECK_OK(wf_store_create(&s, empty, &u));
    wf_store_close(s);
    s = NULL;
    CHECK_ERR(wf_store_create(&s, empty, &u), WF_ERR_EXISTS);
    wf_store_unlock bad_kdf = {.passphrase = PASS, .kdf = (wf_store_kdf)7};
    snprintf(empty, sizeof empty, "%s/other", dir);
    CHECK_ERR(wf_store_create(&s, empty, &bad_kdf), WF_ERR_ARG);
    wf_test_rmtree(dir);
}

static void test_no_clear_secrets(void)
{
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "scan");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    CHECK_OK(wf_store_key_file_create(kf));
    wf_store *s = open_with_file(path, kf, 1);
    uint8_t id[32], share[32], pid[32];
    fill(id, 32, 0x44);
    fill(pid, 32, 0x45);
    wf_store_key k;
    wf_test_make_key(&k, id, 2, 1, 0);
    memcpy(share, k.record.sec, 32);
    CHECK_OK(wf_store_key_put(s, &k));
    wf_store_blob pre = presig_blob(0x77), aux = presig_blob(0x78);
    CHECK_OK(wf_store_presig_add(s, id, 1, 3, pid, &pre));
    CHECK_OK(wf_store_aux_put(s, id, &aux));
    wf_store_close(s);
    /* the share, the presignature's and aux's secret parts, and the public
     * parts too (every value is sealed) */
    CHECK(wf_test_dir_contains(path, share, 32) == 0);
    CHECK(wf_test_dir_contains(path, pre.sec, 16) == 0);
    CHECK(wf_test_dir_contains(path, aux.sec, 16) == 0);
    CHECK(wf_test_dir_contains(path, k.record.pub, 32) == 0);
    /* the scan does find what is there: the presignature's name in its key */
    CHECK(wf_test_dir_contains(path, pid, 32) > 0);
    uint8_t data_key_probe[32];
    s = open_with_file(path, kf, 0);
    memcpy(data_key_probe, s->data_key, 32);
    wf_store_close(s);
    CHECK(wf_test_dir_contains(path, data_key_probe, 32) == 0);
    CHECK(wf_test_dir_contains(dir, data_key_probe, 32) == 0);
    wf_store_blob_clear(&k.record);
    wf_store_blob_clear(&pre);
    wf_store_blob_clear(&aux);
    wf_test_rmtree(dir);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_passphrase();
    test_key_file();

    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "store");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    wf_store *s = open_with_file(path, kf, 1);
    test_keys(s);
    test_presig_pool(s);
    /* everything survives a close and reopen */
    wf_store_close(s);
    s = open_with_file(path, kf, 0);
    uint8_t key[32];
    fill(key, 32, 0x11);
    wf_store_request r1 = request("withdrawal-1", 0xd1);
    wf_store_request_state st;
    CHECK_OK(wf_store_request_lookup(s, &r1, &st, NULL, NULL));
    CHECK(st == WF_REQUEST_DONE);
    uint8_t p1[32];
    fill(p1, 32, 1);
    CHECK(wf_store_presig_used(s, key, p1) == 1);
    test_concurrent_take(s);
    test_tamper_sealed(s);
    wf_store_close(s);
    wf_test_rmtree(dir);

    test_no_clear_secrets();
    test_failed_create_leaves_nothing();
    return wf_check_summary("test_store");
}

/* store/presig_pool: presignature lifetime (wf_store_presig_set_ttl). An
 * expired presignature is not counted, listed or picked, a take of it is
 * refused and changes nothing, wf_store_presig_expire drops exactly the
 * expired ones, and one close to expiry is not picked (the pick margin). */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/secmem.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "store/requests.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

#define TTL_MS 600u

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static wf_store_blob blob(uint8_t v)
{
    wf_store_blob b = {0};
    b.pub_len = 40;
    b.pub = malloc(40);
    memset(b.pub, v, 40);
    b.sec_len = 32;
    b.sec = wf_secure_alloc(32);
    memset(b.sec, v ^ 0x5a, 32);
    return b;
}

static wf_store_request request(const char *id)
{
    wf_store_request r;
    memset(&r, 0, sizeof r);
    r.id_len = strlen(id);
    memcpy(r.id, id, r.id_len);
    memset(r.context, 0xcc, 32);
    memset(r.digest, 0xd1, 32);
    return r;
}

static size_t count(wf_store *s, const uint8_t *key, uint64_t set)
{
    size_t n = 999;
    CHECK_OK(wf_store_presig_count(s, key, set, &n));
    return n;
}

static void test_expiry(wf_store *s, const uint8_t key[32], uint64_t gen)
{
    const uint64_t set = 0x3;
    uint8_t old_id[32], new_id[32], got[32];
    memset(old_id, 0x01, 32);
    memset(new_id, 0x02, 32);
    wf_store_blob b1 = blob(1), b2 = blob(2), out = {0};

    /* without a lifetime nothing expires */
    CHECK_OK(wf_store_presig_add(s, key, gen, set, old_id, &b1));
    pause_ms(TTL_MS + 100);
    CHECK(count(s, key, set) == 1);
    wf_store_presig_set_ttl(s, TTL_MS);

    /* with one, the old presignature is gone for count, pools, pick and take */
    CHECK(count(s, key, set) == 0);
    wf_store_pool_depth depth[2];
    size_t n = 9;
    CHECK_OK(wf_store_presig_pools(s, key, depth, 2, &n));
    CHECK(n == 0);
    CHECK_ERR(wf_store_presig_pick(s, key, set, got), WF_ERR_NOT_FOUND);
    wf_store_request r = request("late-1");
    CHECK_ERR(wf_store_presig_take(s, key, set, old_id, &r, &out, NULL), WF_ERR_NOT_FOUND);
    CHECK(strstr(wf_store_last_error(), "expired") != NULL);
    CHECK(out.pub == NULL && out.sec == NULL);
    CHECK(wf_store_presig_used(s, key, old_id) == 0);
    wf_store_request_state st;
    unsigned attempts = 9;
    CHECK_OK(wf_store_request_lookup(s, &r, &st, NULL, &attempts));
    CHECK(st == WF_REQUEST_NEW && attempts == 0);

    /* a fresh one is served beside it */
    CHECK_OK(wf_store_presig_add(s, key, gen, set, new_id, &b2));
    CHECK(count(s, key, set) == 1);
    CHECK_OK(wf_store_presig_pick(s, key, set, got));
    CHECK(memcmp(got, new_id, 32) == 0);

    /* expire drops the expired one only */
    size_t dropped = 0;
    CHECK_OK(wf_store_presig_expire(s, key, wf_store_now_ms() - TTL_MS, &dropped));
    CHECK(dropped == 1);
    wf_store_presig_set_ttl(s, 0);
    CHECK(count(s, key, set) == 1);
    wf_store_presig_set_ttl(s, TTL_MS);

    /* past half its lifetime (the pick margin is capped at ttl/2) it is still
     * counted and takeable, but no longer picked for a new signature */
    pause_ms(TTL_MS / 2 + 100);
    CHECK(count(s, key, set) == 1);
    CHECK_ERR(wf_store_presig_pick(s, key, set, got), WF_ERR_NOT_FOUND);
    r = request("late-2");
    CHECK_OK(wf_store_presig_take(s, key, set, new_id, &r, &out, NULL));
    CHECK(out.pub_len == 40 && out.pub[0] == 2);
    wf_store_blob_clear(&out);
    CHECK(wf_store_presig_used(s, key, new_id) == 1);
    wf_store_blob_clear(&b1);
    wf_store_blob_clear(&b2);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "pexp");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    REQUIRE(wf_store_create(&s, path, &u) == WF_OK);
    uint8_t key[32];
    memset(key, 0x42, 32);
    wf_store_key k;
    wf_test_make_key(&k, key, 2, 0, 0);
    REQUIRE(wf_store_key_put(s, &k) == WF_OK);
    wf_store_key *stored = NULL;
    REQUIRE(wf_store_key_get(s, key, &stored) == WF_OK);
    test_expiry(s, key, stored->generation);
    wf_store_key_free(stored);
    wf_store_blob_clear(&k.record);
    wf_store_close(s);
    wf_test_rmtree(dir);
    return wf_check_summary("test_presig_expiry");
}

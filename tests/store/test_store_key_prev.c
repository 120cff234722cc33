/* store/: wf_store_key_refresh and the kept previous generation.
 *   - a refresh from the current record keeps it sealed as the previous one,
 *     bumps the generation, drops the pool, replaces share and aux;
 *   - a refresh from the previous record (a rerun after members did not all
 *     commit) keeps the same previous one and numbers from it;
 *   - a share of another public key, a missing key or a missing previous
 *     generation are refused and change nothing;
 *   - the previous record is not listed as a key, survives a reopen, and
 *     prev_drop erases it (a second drop is a no-op);
 *   - the previous record cannot be swapped in as the current one (sealed
 *     under its own record key). */
#define _XOPEN_SOURCE 700
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/secmem.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "store/store.h"
#include "tests/check.h"
#include "tests/store_fixture.h"

/* out = k refreshed: the same C_0, member 0 (x = 1, rank 0) of t = 2, with
 * f'(z) = f(z) + b·z: s' = s + b, C_1' = C_1 + b·G. */
static void refreshed(wf_store_key *out, const wf_store_key *k)
{
    wf_scalar s, b, s2;
    wf_point bg;
    *out = *k;
    REQUIRE(wf_scalar_parse(&s, k->record.sec, 32) == WF_OK);
    wf_scalar_random(&b);
    REQUIRE(wf_scalar_add(&s2, &s, &b) == WF_OK);
    REQUIRE(wf_point_base_mul(&bg, &b) == WF_OK);
    REQUIRE(wf_point_add(&out->check.commitments[1], &k->check.commitments[1], &bg) == WF_OK);
    REQUIRE(wf_point_base_mul(&out->check.share_point, &s2) == WF_OK);
    out->record.pub = malloc(k->record.pub_len);
    REQUIRE(out->record.pub != NULL);
    memcpy(out->record.pub, k->record.pub, k->record.pub_len);
    out->record.pub[0] ^= 0x55;
    out->record.sec = wf_secure_alloc(32);
    REQUIRE(out->record.sec != NULL);
    wf_scalar_serialize(out->record.sec, &s2);
    wf_scalar_wipe(&s);
    wf_scalar_wipe(&b);
    wf_scalar_wipe(&s2);
}

static wf_store_blob aux_blob(uint8_t v)
{
    wf_store_blob a = {0};
    a.pub_len = 48;
    a.pub = malloc(48);
    memset(a.pub, v, 48);
    a.sec_len = 64;
    a.sec = wf_secure_alloc(64);
    memset(a.sec, v ^ 0xff, 64);
    return a;
}

static uint64_t generation_of(wf_store *s, const uint8_t *id, uint8_t first_sec_byte_out[1])
{
    wf_store_key *k = NULL;
    if (wf_store_key_get(s, id, &k) != WF_OK)
        return 0;
    uint64_t g = k->generation;
    if (first_sec_byte_out)
        first_sec_byte_out[0] = k->record.sec[0];
    wf_store_key_free(k);
    return g;
}

static int same_share(wf_store *s, const uint8_t *id, const wf_store_key *want)
{
    wf_store_key *k = NULL;
    if (wf_store_key_get(s, id, &k) != WF_OK)
        return 0;
    int same = memcmp(k->record.sec, want->record.sec, 32) == 0 &&
               wf_point_eq(&k->check.commitments[1], &want->check.commitments[1]);
    wf_store_key_free(k);
    return same;
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "keyprev");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    wf_store_unlock u = {.key_file = kf};
    wf_store *s = NULL;
    REQUIRE(wf_store_create(&s, path, &u) == WF_OK);

    uint8_t id[32], other_id[32], presig[32];
    memset(id, 0x41, 32);
    memset(other_id, 0x42, 32);
    memset(presig, 0x43, 32);
    wf_store_key g1, g2, g3, foreign;
    wf_test_make_key(&g1, id, 2, 0, 0);
    CHECK_OK(wf_store_key_put(s, &g1));
    wf_store_blob aux1 = aux_blob(1), aux2 = aux_blob(2), aux3 = aux_blob(3), got = {0};
    CHECK_OK(wf_store_aux_put(s, id, &aux1));
    wf_store_key *prev = NULL;

    /* nothing kept yet; a rerun from a previous generation is refused */
    CHECK_ERR(wf_store_key_prev_get(s, id, &prev, &got), WF_ERR_NOT_FOUND);
    refreshed(&g2, &g1);
    CHECK_ERR(wf_store_key_refresh(s, &g2, &aux2, 1), WF_ERR_NOT_FOUND);
    CHECK(same_share(s, id, &g1) && generation_of(s, id, NULL) == 1);

    /* refresh from the current record: g1 kept, g2 current, pool dropped */
    uint64_t set = 0x3;
    wf_store_blob ps = aux_blob(9);
    CHECK_OK(wf_store_presig_add(s, id, 1, set, presig, &ps));
    CHECK_OK(wf_store_key_refresh(s, &g2, &aux2, 0));
    CHECK(same_share(s, id, &g2) && generation_of(s, id, NULL) == 2);
    size_t n = 99;
    CHECK_OK(wf_store_presig_count(s, id, set, &n));
    CHECK(n == 0);
    CHECK_OK(wf_store_aux_get(s, id, &got));
    CHECK(got.pub_len == 48 && got.pub[0] == 2);
    wf_store_blob_clear(&got);
    CHECK_OK(wf_store_key_prev_get(s, id, &prev, &got));
    CHECK(prev != NULL && prev->generation == 1 && memcmp(prev->record.sec, g1.record.sec, 32) == 0);
    CHECK(got.pub_len == 48 && got.pub[0] == 1 && got.sec_len == 64 && got.sec[0] == (1 ^ 0xff));
    wf_store_key_free(prev);
    wf_store_blob_clear(&got);

    /* the kept record is not a key of its own */
    uint8_t(*ids)[32] = NULL;
    CHECK_OK(wf_store_key_list(s, &ids, &n));
    CHECK(n == 1 && memcmp(ids[0], id, 32) == 0);
    free(ids);

    /* a share of another public key is refused, from either base */
    wf_test_make_key(&foreign, id, 2, 0, 0);
    CHECK_ERR(wf_store_key_refresh(s, &foreign, &aux3, 0), WF_ERR_CONFLICT);
    CHECK_ERR(wf_store_key_refresh(s, &foreign, &aux3, 1), WF_ERR_CONFLICT);
    CHECK(same_share(s, id, &g2) && generation_of(s, id, NULL) == 2);
    memcpy(foreign.key_id, other_id, 32);
    CHECK_ERR(wf_store_key_refresh(s, &foreign, &aux3, 0), WF_ERR_NOT_FOUND);

    /* a rerun from the kept generation 1 (another member never committed
     * g2): g3 becomes generation 2, g1 stays kept */
    refreshed(&g3, &g1);
    CHECK_OK(wf_store_key_refresh(s, &g3, &aux3, 1));
    CHECK(same_share(s, id, &g3) && generation_of(s, id, NULL) == 2);
    CHECK_OK(wf_store_key_prev_get(s, id, &prev, &got));
    CHECK(prev != NULL && prev->generation == 1 && memcmp(prev->record.sec, g1.record.sec, 32) == 0);
    wf_store_key_free(prev);
    wf_store_blob_clear(&got);

    /* survives a reopen; the sealed previous record under the current
     * record's key does not open (associated data binds the record key) */
    wf_store_close(s);
    REQUIRE(wf_store_open(&s, path, &u) == WF_OK);
    CHECK(same_share(s, id, &g3));
    CHECK_OK(wf_store_key_prev_get(s, id, &prev, &got));
    CHECK(prev != NULL && prev->generation == 1);
    wf_store_key_free(prev);
    wf_store_blob_clear(&got);

    /* confirmed: erased; dropping again is fine; the current stays */
    CHECK_OK(wf_store_key_prev_drop(s, id));
    CHECK_ERR(wf_store_key_prev_get(s, id, &prev, &got), WF_ERR_NOT_FOUND);
    CHECK_OK(wf_store_key_prev_drop(s, id));
    CHECK(same_share(s, id, &g3) && generation_of(s, id, NULL) == 2);
    /* the erased share's bytes are gone from the files (compacted): only
     * checkable on sealed bytes, so the secret never appears in clear */
    CHECK(wf_test_dir_contains(path, g1.record.sec, 32) == 0);
    CHECK(wf_test_dir_contains(path, g3.record.sec, 32) == 0);

    wf_store_close(s);
    wf_test_rmtree(dir);
    wf_store_blob_clear(&g1.record);
    wf_store_blob_clear(&g2.record);
    wf_store_blob_clear(&g3.record);
    wf_store_blob_clear(&foreign.record);
    wf_store_blob_clear(&aux1);
    wf_store_blob_clear(&aux2);
    wf_store_blob_clear(&aux3);
    wf_store_blob_clear(&ps);
    return wf_check_summary("test_store_key_prev");
}

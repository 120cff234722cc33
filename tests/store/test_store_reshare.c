/* The store's two steps of a reshare (store/keys.h): a member of the new
 * committee replaces its share and loses the old aux record and pool in one
 * batch (generation + 1, same public key required); a member the reshare
 * removed deletes share, aux record and pool in one batch. Both erase a
 * previous generation a refresh kept, in the same batch. Both survive a
 * reopen; a refused call changes nothing. */
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

/* A key with an aux record and two pooled presignatures. */
static void stock(wf_store *s, wf_store_key *k, const uint8_t id[32], uint8_t tag)
{
    wf_test_make_key(k, id, 2, 0, 0);
    CHECK_OK(wf_store_key_put(s, k));
    wf_store_blob aux = wf_test_blob(tag, 64, 128), p = wf_test_blob(tag, 200, 100);
    CHECK_OK(wf_store_aux_put(s, id, &aux));
    uint8_t pid[32];
    for (uint8_t i = 0; i < 2; i++) {
        memset(pid, tag + i, sizeof pid);
        CHECK_OK(wf_store_presig_add(s, id, 1, 0x3, pid, &p));
    }
    wf_store_blob_clear(&aux);
    wf_store_blob_clear(&p);
}

static size_t pool(wf_store *s, const uint8_t id[32])
{
    size_t n = 99;
    CHECK_OK(wf_store_presig_count(s, id, 0x3, &n));
    return n;
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    char dir[256], kf[300], path[300];
    wf_test_tmpdir(dir, "reshare");
    snprintf(kf, sizeof kf, "%s/key", dir);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(wf_store_key_file_create(kf) == WF_OK);
    wf_store *s = wf_test_store_open(path, kf, 1);

    uint8_t kept[32], removed[32], unknown[32];
    memset(kept, 0x41, 32);
    memset(removed, 0x42, 32);
    memset(unknown, 0x43, 32);
    wf_store_key a, b, other;
    stock(s, &a, kept, 0x10);
    stock(s, &b, removed, 0x20);

    /* a member of the new committee: same public key, new share record */
    wf_store_key *got = NULL;
    CHECK_OK(wf_store_key_get(s, kept, &got));
    REQUIRE(got != NULL);
    got->record.pub[0] ^= 0x80; /* "the new committee's record" */
    CHECK_OK(wf_store_key_replace_committee(s, got));
    wf_store_blob out = {0};
    CHECK_ERR(wf_store_aux_get(s, kept, &out), WF_ERR_NOT_FOUND);
    CHECK(pool(s, kept) == 0);
    wf_store_key *after = NULL;
    CHECK_OK(wf_store_key_get(s, kept, &after));
    CHECK(after && after->generation == 2 && after->record.pub[0] == got->record.pub[0]);
    wf_store_key_free(after);
    /* now aux-info of the new committee can store its record */
    wf_store_blob aux2 = wf_test_blob(0x77, 64, 128);
    CHECK_OK(wf_store_aux_put(s, kept, &aux2));
    wf_store_blob_clear(&aux2);
    /* another public key under this id is refused and changes nothing */
    wf_test_make_key(&other, kept, 2, 0, 0);
    CHECK_ERR(wf_store_key_replace_committee(s, &other), WF_ERR_CONFLICT);
    CHECK_OK(wf_store_aux_get(s, kept, &out));
    CHECK(out.pub_len == 64 && out.pub[0] == 0x77);
    wf_store_blob_clear(&out);
    wf_store_key_free(got);

    /* a removed member: nothing of the key is left */
    CHECK_ERR(wf_store_key_delete(s, unknown), WF_ERR_NOT_FOUND);
    CHECK(pool(s, removed) == 2);
    CHECK_OK(wf_store_key_delete(s, removed));
    CHECK_ERR(wf_store_key_get(s, removed, &got), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_store_aux_get(s, removed, &out), WF_ERR_NOT_FOUND);
    CHECK(pool(s, removed) == 0);
    CHECK_ERR(wf_store_key_delete(s, removed), WF_ERR_NOT_FOUND);

    /* both outcomes survive a reopen; the kept key is still listed */
    wf_store_close(s);
    s = wf_test_store_open(path, kf, 0);
    uint8_t(*ids)[WF_STORE_ID_BYTES] = NULL;
    size_t n = 0;
    CHECK_OK(wf_store_key_list(s, &ids, &n));
    CHECK(n == 1 && ids && memcmp(ids[0], kept, 32) == 0);
    free(ids);
    CHECK_ERR(wf_store_key_get(s, removed, &got), WF_ERR_NOT_FOUND);
    CHECK_OK(wf_store_key_get(s, kept, &got));
    CHECK(got && got->generation == 2);
    wf_store_key_free(got);

    /* a previous generation a refresh kept (store/keys.h) goes with either
     * reshare write, in the same batch: nothing of the old committee stays */
    uint8_t moved[32], gone[32];
    memset(moved, 0x44, 32);
    memset(gone, 0x45, 32);
    wf_store_key c, e;
    stock(s, &c, moved, 0x30);
    stock(s, &e, gone, 0x50);
    wf_store_blob raux = wf_test_blob(0x66, 64, 128);
    wf_store_key *prev = NULL;
    CHECK_OK(wf_store_key_refresh(s, &c, &raux, 0));
    CHECK_OK(wf_store_key_refresh(s, &e, &raux, 0));
    CHECK_OK(wf_store_key_prev_get(s, moved, &prev, &out));
    wf_store_key_free(prev);
    wf_store_blob_clear(&out);
    CHECK_OK(wf_store_key_replace_committee(s, &c));
    CHECK_ERR(wf_store_key_prev_get(s, moved, &prev, &out), WF_ERR_NOT_FOUND);
    CHECK_OK(wf_store_key_get(s, moved, &got));
    CHECK(got && got->generation == 3);
    wf_store_key_free(got);
    CHECK_OK(wf_store_key_prev_get(s, gone, &prev, &out));
    wf_store_key_free(prev);
    wf_store_blob_clear(&out);
    CHECK_OK(wf_store_key_delete(s, gone));
    CHECK_ERR(wf_store_key_prev_get(s, gone, &prev, &out), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_store_key_get(s, gone, &got), WF_ERR_NOT_FOUND);
    wf_store_blob_clear(&raux);
    wf_store_close(s);
    s = wf_test_store_open(path, kf, 0);
    CHECK_ERR(wf_store_key_prev_get(s, moved, &prev, &out), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_store_key_prev_get(s, gone, &prev, &out), WF_ERR_NOT_FOUND);

    /* the removed shares' bytes (current and kept previous) are not in the files any more */
    wf_store_close(s);
    CHECK(!wf_test_dir_contains(path, b.record.sec, 32));
    CHECK(!wf_test_dir_contains(path, e.record.sec, 32));

    wf_store_blob_clear(&a.record);
    wf_store_blob_clear(&b.record);
    wf_store_blob_clear(&other.record);
    wf_store_blob_clear(&c.record);
    wf_store_blob_clear(&e.record);
    wf_test_rmtree(dir);
    return wf_check_summary("test_store_reshare");
}

/* The whole chain with no dealer anywhere: keygen (hierarchical DKG), then
 * aux-info, then presign and sign, for 2-of-3 (all rank 0) and 3-of-5 with
 * ranks {0,0,1,1,1}. Every signature is verified by libsecp256k1 under the
 * key keygen produced (and a BIP32 child of it). Every result goes through
 * its storage record (protocol/record.h) before it is used, as a node that
 * restarted between the steps would load it. */
#include <stdio.h>
#include <string.h>

#include "crypto/bip32.h"
#include "protocol/aux_info.h"
#include "protocol/keygen.h"
#include "protocol/presign.h"
#include "protocol/record.h"
#include "protocol/sign.h"
#include "tests/fixtures.h"
#include "tests/protocol_fixture.h"
#include "tests/protocol_signing.h"

/* Each reload_* encodes a result, decodes it, frees the original and returns the copy. */
static wf_key_share *reload_key(wf_key_share *k)
{
    uint8_t *p, *s;
    size_t pl, sl;
    wf_key_share *back = NULL;
    REQUIRE(wf_record_key_encode(k, &p, &pl, &s, &sl) == WF_OK);
    CHECK_OK(wf_record_key_decode(&back, p, pl, s, sl));
    REQUIRE(back != NULL);
    free(p);
    wf_secure_free(s);
    wf_key_share_free(k);
    return back;
}

static wf_aux *reload_aux(wf_aux *a)
{
    uint8_t *p, *s;
    size_t pl, sl;
    wf_aux *back = NULL;
    REQUIRE(wf_record_aux_encode(a, &p, &pl, &s, &sl) == WF_OK);
    CHECK_OK(wf_record_aux_decode(&back, p, pl, s, sl));
    REQUIRE(back != NULL);
    free(p);
    wf_secure_free(s);
    wf_aux_free(a);
    return back;
}

static wf_presig *reload_presig(wf_presig *ps)
{
    uint8_t *p, *s;
    size_t pl, sl;
    wf_presig *back = NULL;
    REQUIRE(wf_record_presig_encode(ps, &p, &pl, &s, &sl) == WF_OK);
    CHECK_OK(wf_record_presig_decode(&back, p, pl, s, sl));
    REQUIRE(back != NULL);
    free(p);
    wf_secure_free(s);
    wf_presig_free(ps);
    return back;
}

static void pipeline(size_t n, size_t t, const uint32_t *ranks, const uint32_t *set, unsigned first_pair)
{
    wf_test_cluster cl;
    wf_test_cluster_init(&cl, n);
    wf_machine *ms[WF_MAX_MEMBERS];
    wf_key_share *keys[WF_MAX_MEMBERS];
    wf_aux *aux[WF_MAX_MEMBERS];

    wf_keygen_params kp = {.n = (uint32_t)n, .t = (uint32_t)t};
    for (size_t j = 0; j < n; j++) {
        uint8_t x[WF_SCALAR_BYTES] = {0};
        x[WF_SCALAR_BYTES - 1] = (uint8_t)(3 * j + 2);
        REQUIRE(wf_scalar_parse(&kp.members[j].x, x, sizeof x) == WF_OK);
        kp.members[j].rank = ranks[j];
    }
    for (size_t j = 0; j < n; j++) {
        wf_machine_cfg cfg = wf_test_cfg(&cl, (uint32_t)j, 1);
        REQUIRE(wf_keygen_new(&ms[j], &cfg, &kp) == WF_OK);
    }
    REQUIRE(wf_harness_run(ms, n, NULL, NULL, NULL) == WF_OK);
    CHECK(wf_test_all_done(ms, n));
    for (size_t j = 0; j < n; j++) {
        REQUIRE(wf_keygen_result(ms[j], &keys[j]) == WF_OK);
        wf_machine_free(ms[j]);
        keys[j] = reload_key(keys[j]);
    }
    uint8_t digest0[WF_RECORD_DIGEST_BYTES], other[WF_RECORD_DIGEST_BYTES];
    CHECK_OK(wf_record_key_public_digest(digest0, &keys[0]->pub));
    for (size_t j = 1; j < n; j++) { /* every member holds the same public record */
        CHECK_OK(wf_record_key_public_digest(other, &keys[j]->pub));
        CHECK(memcmp(other, digest0, sizeof other) == 0);
    }

    wf_aux_info_params ap = {.n = (uint32_t)n, .bits = 2048};
    for (size_t j = 0; j < n; j++) {
        wf_machine_cfg cfg = wf_test_cfg(&cl, (uint32_t)j, 2);
        memcpy(cfg.key_id, keys[j]->pub.key_id, WF_ID_BYTES);
        ap.pooled = wf_test_paillier_sk(2048, first_pair + (unsigned)j);
        REQUIRE(ap.pooled != NULL);
        REQUIRE(wf_aux_info_new(&ms[j], &cfg, &ap) == WF_OK);
    }
    REQUIRE(wf_harness_run(ms, n, NULL, NULL, NULL) == WF_OK);
    CHECK(wf_test_all_done(ms, n));
    for (size_t j = 0; j < n; j++) {
        REQUIRE(wf_aux_info_result(ms[j], &aux[j]) == WF_OK);
        aux[j] = reload_aux(aux[j]);
        REQUIRE(wf_aux_precompute(aux[j]) == WF_OK);
        wf_machine_free(ms[j]);
    }

    for (int round = 0; round < 2; round++) {
        wf_presig *ps[WF_MAX_MEMBERS];
        for (size_t i = 0; i < t; i++) {
            wf_machine_cfg cfg = wf_test_cfg(&cl, set[i], (uint8_t)(3 + 2 * round));
            memcpy(cfg.key_id, keys[0]->pub.key_id, WF_ID_BYTES);
            wf_presign_params pp = {.key = keys[set[i]], .aux = aux[set[i]], .n = t, .threads = 2};
            memcpy(pp.signers, set, t * sizeof set[0]);
            REQUIRE(wf_presign_new(&ms[i], &cfg, &pp) == WF_OK);
        }
        REQUIRE(wf_harness_run(ms, t, NULL, NULL, NULL) == WF_OK);
        CHECK(wf_test_all_done(ms, t));
        for (size_t i = 0; i < t; i++) {
            REQUIRE(wf_presign_result(ms[i], &ps[i]) == WF_OK);
            wf_machine_free(ms[i]);
            ps[i] = reload_presig(ps[i]);
        }
        uint8_t digest[32];
        randombytes_buf(digest, sizeof digest);
        uint32_t path[2] = {0, (uint32_t)round};
        for (size_t i = 0; i < t; i++) {
            wf_machine_cfg cfg = wf_test_cfg(&cl, set[i], (uint8_t)(4 + 2 * round));
            memcpy(cfg.key_id, keys[0]->pub.key_id, WF_ID_BYTES);
            wf_sign_params sp = {.key = &keys[set[i]]->pub, .presig = ps[i], .path = path, .path_len = (size_t)round * 2};
            memcpy(sp.digest, digest, 32);
            REQUIRE(wf_sign_new(&ms[i], &cfg, &sp) == WF_OK);
        }
        REQUIRE(wf_harness_run(ms, t, NULL, NULL, NULL) == WF_OK);
        CHECK(wf_test_all_done(ms, t));
        wf_xpub root, child;
        REQUIRE(wf_key_xpub(&keys[0]->pub, &root) == WF_OK);
        REQUIRE(wf_bip32_derive_path(&child, NULL, &root, path, (size_t)round * 2) == WF_OK);
        for (size_t i = 0; i < t; i++) {
            wf_ecdsa_sig sig;
            wf_point pub;
            CHECK_OK(wf_sign_result(ms[i], &sig, &pub));
            CHECK(wf_point_eq(&pub, &child.key));
            CHECK(wf_test_secp_verify(&child.key, digest, &sig));
            wf_machine_free(ms[i]);
            wf_presig_free(ps[i]);
        }
    }
    for (size_t j = 0; j < n; j++) {
        wf_key_share_free(keys[j]);
        wf_aux_free(aux[j]);
    }
    wf_test_cluster_clear(&cl);
}

int main(void)
{
    uint32_t r3[3] = {0, 0, 0}, s3[2] = {2, 0};
    pipeline(3, 2, r3, s3, 0);
    uint32_t r5[5] = {0, 0, 1, 1, 1}, s5[3] = {1, 3, 4};
    pipeline(5, 3, r5, s5, 4);
    return wf_check_summary("test_pipeline");
}

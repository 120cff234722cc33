/* TEST ONLY: key records and aux records made without running keygen and
 * aux-info, so the presign and sign tests do not depend on those protocols:
 * a dealer polynomial (wf_poly, the same Feldman code keygen uses) and
 * 2048-bit Paillier keys from the fixture primes. A real cluster never has a
 * dealer: the DKG (protocol/keygen.c) makes these records. */
#ifndef WF_TESTS_PROTOCOL_DEALER_H
#define WF_TESTS_PROTOCOL_DEALER_H

#include <string.h>

#include "crypto/feldman.h"
#include "crypto/sharing.h"
#include "protocol/aux.h"
#include "protocol/key_share.h"
#include "tests/check.h"
#include "tests/fixtures.h"

/* Deals a key for members (x_j = j+1, ranks given) with threshold t:
 * keys[j] for every member j. */
static inline void wf_test_deal_key(wf_key_share **keys, size_t n, size_t t, const uint32_t *ranks)
{
    wf_key_public pub;
    memset(&pub, 0, sizeof pub);
    memset(pub.key_id, 0x4b, WF_ID_BYTES);
    pub.n = (uint32_t)n;
    pub.t = (uint32_t)t;
    for (size_t j = 0; j < n; j++) {
        uint8_t x[WF_SCALAR_BYTES] = {0};
        x[WF_SCALAR_BYTES - 1] = (uint8_t)(j + 1);
        REQUIRE(wf_scalar_parse(&pub.members[j].x, x, sizeof x) == WF_OK);
        pub.members[j].rank = ranks[j];
    }
    REQUIRE(wf_access_check(pub.members, n, t) == WF_OK);
    wf_poly *f = wf_poly_new_random(t, NULL);
    REQUIRE(f != NULL);
    REQUIRE(wf_feldman_commit(pub.commitments, f->a, t) == WF_OK);
    pub.public_key = pub.commitments[0];
    for (size_t j = 0; j < n; j++)
        REQUIRE(wf_feldman_share_point(&pub.X[j], pub.commitments, t, &pub.members[j]) == WF_OK);
    memset(pub.chain_code, 0xcc, sizeof pub.chain_code);
    for (size_t j = 0; j < n; j++) {
        keys[j] = wf_key_share_new();
        REQUIRE(keys[j] != NULL);
        keys[j]->pub = pub;
        keys[j]->self = (uint32_t)j;
        REQUIRE(wf_poly_share(keys[j]->share, f, &pub.members[j]) == WF_OK);
    }
    wf_poly_free(f);
}

/* aux[j] for every member j, from fixture key pairs first_pair, first_pair+1, … */
static inline void wf_test_make_aux(wf_aux **aux, size_t n, unsigned first_pair)
{
    wf_paillier_sk *sk[WF_MAX_MEMBERS];
    wf_rped *rp[WF_MAX_MEMBERS];
    for (size_t j = 0; j < n; j++) {
        sk[j] = wf_test_paillier_sk(2048, first_pair + (unsigned)j);
        REQUIRE(sk[j] != NULL);
        wf_rped_secret *sec = NULL;
        REQUIRE(wf_rped_generate(&rp[j], &sec, sk[j]) == WF_OK);
        wf_rped_secret_free(sec);
    }
    for (size_t i = 0; i < n; i++) {
        aux[i] = calloc(1, sizeof *aux[i]);
        REQUIRE(aux[i] != NULL);
        memset(aux[i]->key_id, 0x4b, WF_ID_BYTES);
        aux[i]->n = (uint32_t)n;
        aux[i]->self = (uint32_t)i;
        aux[i]->bits = 2048;
        aux[i]->sk = sk[i];
        for (size_t j = 0; j < n; j++) {
            if (j == i) {
                aux[i]->rped[j] = rp[j];
                continue;
            }
            REQUIRE(wf_paillier_pk_from_n(&aux[i]->pk[j], wf_paillier_sk_public(sk[j])->n, 2048) == WF_OK);
            REQUIRE(wf_rped_from_values(&aux[i]->rped[j], rp[j]->n, rp[j]->s, rp[j]->t, 2048) == WF_OK);
        }
        REQUIRE(wf_aux_precompute(aux[i]) == WF_OK);
    }
}

#endif

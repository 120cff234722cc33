/* Shared set-up for the proof tests (test_proof_sch/enc/log_star/dec.c):
 * a proof context and every single-item variant of it, and 2048-bit fixture
 * keys (tests/fixtures/, TEST ONLY): the prover's Paillier key (pair 0), the
 * verifier's key with its ring-Pedersen parameters (pair 1), and an unrelated
 * key with its own parameters (pair 2).
 *
 * Header-only: include it from one test program. */
#ifndef WF_TESTS_PROOF_FIXTURE_H
#define WF_TESTS_PROOF_FIXTURE_H

#include <string.h>

#include "tests/check.h"
#include "tests/fixtures.h"

#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"

static const uint32_t WF_TEST_SIGNERS[] = {1, 3, 4};
static const uint32_t WF_TEST_SIGNERS_REORDERED[] = {3, 1, 4};
static const uint32_t WF_TEST_SIGNERS_OTHER[] = {1, 3, 5};

static inline wf_proof_ctx wf_test_ctx(void)
{
    return (wf_proof_ctx){.protocol = "warifu/test/v1",
                          .cluster_id = {1},
                          .key_id = {2},
                          .session_id = {3},
                          .signers = WF_TEST_SIGNERS,
                          .n_signers = 3,
                          .prover = 3,
                          .verifier = 1};
}

/* *out = base with exactly one item changed, for i = 0, 1, …; returns 0 when
 * i is past the last variant. *what names the change for messages. */
static inline int wf_test_ctx_variant(wf_proof_ctx *out, const char **what, const wf_proof_ctx *base, int i)
{
    *out = *base;
    switch (i) {
    case 0:
        out->session_id[31] ^= 1;
        *what = "session id";
        return 1;
    case 1:
        out->cluster_id[0] ^= 0x80;
        *what = "cluster id";
        return 1;
    case 2:
        out->key_id[5] ^= 1;
        *what = "key id";
        return 1;
    case 3:
        out->protocol = "warifu/test/v2";
        *what = "protocol";
        return 1;
    case 4:
        out->prover = 4;
        *what = "prover index";
        return 1;
    case 5:
        out->verifier = 4;
        *what = "verifier index";
        return 1;
    case 6:
        out->verifier = WF_PROOF_BROADCAST;
        *what = "verifier = broadcast";
        return 1;
    case 7:
        out->signers = WF_TEST_SIGNERS_REORDERED;
        *what = "signing set order";
        return 1;
    case 8:
        out->signers = WF_TEST_SIGNERS_OTHER;
        *what = "signing set member";
        return 1;
    case 9:
        out->n_signers = 2;
        *what = "signing set size";
        return 1;
    default: return 0;
    }
}

typedef struct wf_test_keys {
    wf_paillier_sk *prover;   /* N0 */
    wf_paillier_sk *verifier; /* N̂ of rp and rp2 */
    wf_paillier_sk *other;    /* N̂ of rp_other */
    wf_rped *rp;              /* the verifier's parameters */
    wf_rped *rp2;             /* other parameters over the same N̂ */
    wf_rped *rp_other;        /* parameters over another modulus */
    wf_rped_secret *sec[3];
} wf_test_keys;

static inline void wf_test_keys_init(wf_test_keys *k)
{
    memset(k, 0, sizeof *k);
    k->prover = wf_test_paillier_sk(2048, 0);
    k->verifier = wf_test_paillier_sk(2048, 1);
    k->other = wf_test_paillier_sk(2048, 2);
    REQUIRE(k->prover != NULL && k->verifier != NULL && k->other != NULL);
    REQUIRE(wf_rped_generate(&k->rp, &k->sec[0], k->verifier) == WF_OK);
    REQUIRE(wf_rped_generate(&k->rp2, &k->sec[1], k->verifier) == WF_OK);
    REQUIRE(wf_rped_generate(&k->rp_other, &k->sec[2], k->other) == WF_OK);
}

static inline void wf_test_keys_free(wf_test_keys *k)
{
    wf_rped_free(k->rp);
    wf_rped_free(k->rp2);
    wf_rped_free(k->rp_other);
    for (int i = 0; i < 3; i++)
        wf_rped_secret_free(k->sec[i]);
    wf_paillier_sk_free(k->prover);
    wf_paillier_sk_free(k->verifier);
    wf_paillier_sk_free(k->other);
}

/* *out = a copy of rp with one value changed: which = 0 (N̂: rp_n's modulus),
 * 1 (s: the other parameters' s over the same N̂), 2 (t: likewise). Free with
 * wf_test_rped_clear. */
static inline void wf_test_rped_variant(wf_rped *out, const wf_test_keys *k, int which)
{
    mpz_init_set(out->n, which == 0 ? k->rp_other->n : k->rp->n);
    mpz_init_set(out->s, which == 1 ? k->rp2->s : k->rp->s);
    mpz_init_set(out->t, which == 2 ? k->rp2->t : k->rp->t);
    out->bits = k->rp->bits;
}

static inline void wf_test_rped_clear(wf_rped *rp)
{
    mpz_clears(rp->n, rp->s, rp->t, NULL);
}

/* A proof's verify call with everything but the proof bound in env. */
typedef wf_err (*wf_test_verify_fn)(const void *proof, const void *env);

/* Runs verify with the integer `field` (a member of *proof) set to value,
 * then restores the field. */
static inline wf_err wf_test_verify_with(mpz_ptr field, const mpz_t value, wf_test_verify_fn verify,
                                         const void *proof, const void *env)
{
    mpz_t saved;
    mpz_init_set(saved, field);
    mpz_set(field, value);
    wf_err err = verify(proof, env);
    mpz_set(field, saved);
    mpz_clear(saved);
    return err;
}

/* Same with field + delta. */
static inline wf_err wf_test_verify_plus(mpz_ptr field, long delta, wf_test_verify_fn verify,
                                         const void *proof, const void *env)
{
    mpz_t v;
    mpz_init_set_si(v, delta);
    mpz_add(v, v, field);
    wf_err err = wf_test_verify_with(field, v, verify, proof, env);
    mpz_clear(v);
    return err;
}

/* 2^bits + 1 times sign: just past the bound ±2^bits. */
static inline void wf_test_just_past(mpz_t out, unsigned bits, int sign)
{
    mpz_set_ui(out, 0);
    mpz_setbit(out, bits);
    mpz_add_ui(out, out, 1);
    if (sign < 0)
        mpz_neg(out, out);
}

#endif

/* The setting every range proof needs (crypto/proofs/common.c,
 * wf_proof_check_setting): the verifier's ring-Pedersen modulus N̂ must not be
 * the prover's own Paillier modulus, and both must be at least 2048 bits.
 *
 * Regression (independent review): with N̂ = N0 the prover knows φ(N̂) and
 * proves "k ∈ ±2^{ℓ+ε}" for a plaintext near N0/2 by committing to s^{1/2};
 * this forged Πenc verified before the check existed. */
#include <string.h>

#include "crypto/modexp.h"
#include "crypto/secmem.h"
#include "tests/check.h"
#include "tests/fixtures.h"
#include "tests/proof_samples.h"

/* Forges a Πenc for K = Enc(2^{-1} mod N0) under N̂ = N0. */
static wf_err forged_enc_verify(const wf_paillier_sk *sk, const wf_rped *rp, const wf_rped_secret *rs)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    wf_proof_ctx ctx = {.protocol = "warifu/test/v1", .prover = 1, .verifier = 2};
    mpz_t kbad, rho, K, ord, half, e, t1, alpha, mu, gamma, r;
    mpz_inits(kbad, rho, K, ord, half, e, t1, alpha, mu, gamma, r, NULL);
    mpz_add_ui(kbad, pk->n, 1);
    mpz_fdiv_q_2exp(kbad, kbad, 1); /* 2^{-1} mod N0, about N0/2 */
    wf_mpz_random_unit(rho, pk->n);
    wf_proof_paillier_public(K, pk, kbad, rho);
    mpz_fdiv_q_2exp(ord, rs->phi.v, 2); /* p'q' (odd): the order of t divides it */
    mpz_set_ui(t1, 2);
    mpz_invert(half, t1, ord);
    wf_proof_enc pf;
    wf_proof_enc_init(&pf);
    wf_proof_enc_stmt st = {.pk0 = pk, .K = K, .rped = rp};
    do { /* grind until e is even (about two tries) */
        wf_mpz_random_pm(alpha, WF_PROOF_ELL + WF_PROOF_EPS - 2);
        wf_proof_random_pm_scaled(mu, WF_PROOF_ELL, rp->n);
        wf_proof_random_pm_scaled(gamma, WF_PROOF_ELL + WF_PROOF_EPS, rp->n);
        wf_mpz_random_unit(r, pk->n);
        wf_proof_rped_public(pf.S, rp, half, mu); /* S = s^{1/2}·t^μ */
        wf_paillier_encrypt_with(pf.A, pk, alpha, r);
        wf_proof_rped_public(pf.C, rp, alpha, gamma);
        wf_proof_enc_challenge(e, &ctx, &st, &pf);
    } while (mpz_odd_p(e));
    mpz_fdiv_q_2exp(t1, e, 1);
    mpz_add(pf.z1, alpha, t1); /* z1 = α + e/2 */
    mpz_powm(t1, rho, e, pk->n);
    mpz_mul(t1, t1, r);
    mpz_mod(pf.z2, t1, pk->n);
    mpz_mul(t1, e, mu);
    mpz_add(pf.z3, gamma, t1);
    wf_err err = wf_proof_enc_verify(&pf, &ctx, &st);
    wf_proof_enc_clear(&pf);
    mpz_clears(kbad, rho, K, ord, half, e, t1, alpha, mu, gamma, r, NULL);
    return err;
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_paillier_sk *sk0 = wf_test_paillier_sk(2048, 0), *sk1 = wf_test_paillier_sk(2048, 1);
    /* small: a 1024-bit modulus from fixture primes (no safe-prime search) */
    wf_paillier_sk *skv = wf_test_paillier_sk(2048, 2), *small = wf_test_paillier_sk(1024, 0);
    REQUIRE(sk0 && sk1 && skv && small);
    wf_rped *rp_v = NULL, *rp_0 = NULL, *rp_1 = NULL, *rp_small = NULL;
    wf_rped_secret *sec_v = NULL, *sec_0 = NULL, *sec_1 = NULL, *sec_small = NULL;
    REQUIRE(wf_rped_generate(&rp_v, &sec_v, skv) == WF_OK && wf_rped_generate(&rp_0, &sec_0, sk0) == WF_OK &&
            wf_rped_generate(&rp_1, &sec_1, sk1) == WF_OK &&
            wf_rped_generate(&rp_small, &sec_small, small) == WF_OK);

    CHECK_ERR(forged_enc_verify(sk0, rp_0, sec_0), WF_ERR_ARG);

    /* Honest proofs over each setting: the right one verifies; N̂ = the
     * prover's modulus (N0, or N1 for Πaff-g) and a 1024-bit N̂ are refused. */
    const wf_proof_kind range_kinds[] = {WF_PROOF_ENC,      WF_PROOF_LOG_STAR, WF_PROOF_DEC,
                                         WF_PROOF_MUL_STAR, WF_PROOF_FAC,      WF_PROOF_AFF_G};
    /* the sample statements over each N̂, built once and shared by the kinds:
     * v (right), 0 (N0), 1 (N1: Πaff-g's prover modulus), small (1024 bits) */
    const wf_rped *rps[4] = {rp_v, rp_0, rp_1, rp_small};
    wf_proof_samples samples[4];
    for (int j = 0; j < 4; j++)
        REQUIRE(wf_proof_samples_init(&samples[j], sk0, sk1, rps[j], rp_0, sec_0));
    for (size_t i = 0; i < sizeof range_kinds / sizeof range_kinds[0]; i++) {
        wf_proof_kind kind = range_kinds[i];
        wf_proof_samples *settings[3] = {&samples[0], &samples[kind == WF_PROOF_AFF_G ? 2 : 1], &samples[3]};
        const wf_err expected[3] = {WF_OK, WF_ERR_ARG, WF_ERR_RANGE};
        for (int k = 0; k < 3; k++) {
            wf_any_proof p;
            wf_any_proof_init(kind, &p);
            wf_err err = wf_sample_prove(settings[k], kind, &p);
            if (err == WF_OK)
                err = wf_sample_verify(settings[k], kind, &p);
            /* a refused setting may be caught by the prover's own checks first */
            int as_expected = err == expected[k] || (k > 0 && err != WF_OK);
            if (!as_expected)
                fprintf(stderr, "%s, setting %d: %s\n", wf_proof_kind_name(kind), k, wf_err_str(err));
            CHECK(as_expected);
            wf_any_proof_clear(kind, &p);
        }
    }
    for (int j = 0; j < 4; j++)
        wf_proof_samples_clear(&samples[j]);
    /* Πmul has no N̂: its modulus alone must be large enough */
    {
        const wf_paillier_pk *pk = wf_paillier_sk_public(small);
        mpz_t m, rho, rho_m, X, Y, C, tmp, zero;
        mpz_inits(m, rho, rho_m, X, Y, C, tmp, zero, NULL);
        wf_mpz_random_bits(m, 256);
        mpz_set_ui(tmp, 7);
        REQUIRE(wf_paillier_encrypt(X, pk, m, rho_m) == WF_OK &&
                wf_paillier_encrypt(Y, pk, tmp, NULL) == WF_OK &&
                wf_paillier_encrypt(C, pk, zero, rho) == WF_OK &&
                wf_paillier_mul_scalar(tmp, pk, Y, m) == WF_OK && wf_paillier_add(C, pk, C, tmp) == WF_OK);
        wf_proof_mul proof;
        wf_proof_mul_init(&proof);
        wf_proof_ctx ctx = {.protocol = "warifu/test/v1", .prover = 1, .verifier = 2};
        wf_proof_mul_stmt st = {pk, X, Y, C};
        CHECK_OK(wf_proof_mul_prove(&proof, &ctx, &st, &(wf_proof_mul_wit){m, rho, rho_m}));
        CHECK_ERR(wf_proof_mul_verify(&proof, &ctx, &st), WF_ERR_RANGE);
        wf_proof_mul_clear(&proof);
        mpz_clears(m, rho, rho_m, X, Y, C, tmp, zero, NULL);
    }

    wf_rped *all_rp[] = {rp_v, rp_0, rp_1, rp_small};
    wf_rped_secret *all_sec[] = {sec_v, sec_0, sec_1, sec_small};
    for (int i = 0; i < 4; i++) {
        wf_rped_free(all_rp[i]);
        wf_rped_secret_free(all_sec[i]);
    }
    wf_paillier_sk *all_sk[] = {sk0, sk1, skv, small};
    for (int i = 0; i < 4; i++)
        wf_paillier_sk_free(all_sk[i]);
    return wf_check_summary("test_proof_setting");
}

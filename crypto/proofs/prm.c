/* Πprm, CGGMP21 Fig. 17 (see prm.h). */
#include "crypto/proofs/prm.h"

#include <string.h>

#include "crypto/crt.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "crypto/transcript.h"

#define PRM_PROOF_NAME "prm"

void wf_proof_prm_init(wf_proof_prm *proof)
{
    if (proof == NULL)
        return;
    memset(proof, 0, sizeof *proof);
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_inits(proof->A[i], proof->z[i], NULL);
    proof->ready = 1;
}

void wf_proof_prm_clear(wf_proof_prm *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_clears(proof->A[i], proof->z[i], NULL);
    memset(proof, 0, sizeof *proof);
}

/* e_1..e_m from the transcript (context, N, s, t, A_1..A_m). */
static wf_err prm_challenges(uint8_t e[WF_PROOF_M], const wf_proof_prm *proof, const wf_proof_ctx *ctx,
                             const wf_rped *rp)
{
    wf_transcript t;
    wf_err err = wf_proof_transcript_init(&t, PRM_PROOF_NAME, ctx);
    if (err != WF_OK)
        return err;
    err = wf_proof_append_rped(&t, "prover", rp);
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++)
        err = wf_transcript_append_mpz(&t, "A", proof->A[i]);
    if (err == WF_OK)
        err = wf_transcript_challenge_bits(&t, "e", e, WF_PROOF_M);
    wf_transcript_free(&t);
    return err;
}

/* WF_ERR_ENCODING unless |N| = bits, then wf_rped_params_check. */
static wf_err prm_check_params(const wf_rped *rp, unsigned bits)
{
    if (bits < WF_PAILLIER_MIN_BITS)
        return WF_ERR_ARG;
    if (mpz_sgn(rp->n) <= 0 || mpz_sizeinbase(rp->n, 2) != bits)
        return WF_ERR_ENCODING;
    return wf_rped_params_check(rp, bits);
}

/* ---- prover ---- */

/* A = t^a mod N for a secret a: by CRT over p and q when the parameters carry
 * their Paillier secret key (wf_rped_generate), else mpz_powm_sec. */
static wf_err prm_commit(mpz_t A, const wf_rped *rp, const mpz_t a)
{
    const wf_paillier_sk *sk = wf_rped_owner(rp);
    if (sk == NULL) {
        mpz_powm_sec(A, rp->t, a, rp->n);
        return WF_OK;
    }
    const wf_crt_term term = {.b = rp->t, .e = a, .secret = 1};
    return wf_crt_powm(A, sk, WF_CRT_MOD_N, &term, 1);
}

wf_err wf_proof_prm_prove(wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_proof_prm_stmt *stmt,
                          const wf_rped_secret *secret)
{
    if (proof == NULL || !proof->ready || ctx == NULL || stmt == NULL || stmt->rped == NULL || secret == NULL)
        return WF_ERR_ARG;
    const wf_rped *rp = stmt->rped;
    if (prm_check_params(rp, stmt->bits) != WF_OK || mpz_cmp_ui(secret->phi.v, 1) <= 0)
        return WF_ERR_ARG;

    mpz_t a[WF_PROOF_M], phim1;
    for (size_t i = 0; i < WF_PROOF_M; i++)
        mpz_init(a[i]);
    mpz_init(phim1);
    uint8_t e[WF_PROOF_M];
    wf_err err = WF_OK;

    proof->m = 0;
    /* a_i uniform in [1, φ): draw below φ-1, add 1. */
    mpz_sub_ui(phim1, secret->phi.v, 1);
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++) {
        err = wf_mpz_random_below(a[i], phim1);
        mpz_add_ui(a[i], a[i], 1);
        if (err == WF_OK)
            err = prm_commit(proof->A[i], rp, a[i]);
    }
    if (err == WF_OK)
        err = prm_challenges(e, proof, ctx, rp);
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++) {
        /* e_i is public: branching on it reveals nothing. */
        if (e[i])
            mpz_add(a[i], a[i], secret->lambda.v);
        mpz_mod(proof->z[i], a[i], secret->phi.v);
    }
    if (err == WF_OK)
        proof->m = WF_PROOF_M;

    for (size_t i = 0; i < WF_PROOF_M; i++) {
        wf_mpz_wipe(a[i]);
        mpz_clear(a[i]);
    }
    wf_mpz_wipe(phim1);
    mpz_clear(phim1);
    return err;
}

/* ---- verifier ---- */

/* Every received value, before any use: count, A_i units, 0 <= z_i < N. */
static wf_err prm_check_values(const wf_proof_prm *proof, const mpz_t n)
{
    if (proof->m != WF_PROOF_M)
        return WF_ERR_ENCODING;
    for (size_t i = 0; i < WF_PROOF_M; i++) {
        wf_err err = wf_proof_check_unit(proof->A[i], n);
        if (err != WF_OK)
            return err;
        if (mpz_sgn(proof->z[i]) < 0 || mpz_cmp(proof->z[i], n) >= 0)
            return WF_ERR_RANGE;
    }
    return WF_OK;
}

wf_err wf_proof_prm_verify(const wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_proof_prm_stmt *stmt)
{
    if (proof == NULL || !proof->ready || ctx == NULL || stmt == NULL || stmt->rped == NULL)
        return WF_ERR_ARG;
    const wf_rped *rp = stmt->rped;
    wf_err err = prm_check_params(rp, stmt->bits);
    if (err == WF_OK)
        err = prm_check_values(proof, rp->n);
    uint8_t e[WF_PROOF_M];
    if (err == WF_OK)
        err = prm_challenges(e, proof, ctx, rp);
    if (err != WF_OK)
        return err;

    mpz_t lhs, rhs;
    mpz_inits(lhs, rhs, NULL);
    for (size_t i = 0; err == WF_OK && i < WF_PROOF_M; i++) {
        /* t^z_i = A_i · s^e_i mod N */
        mpz_powm(lhs, rp->t, proof->z[i], rp->n);
        if (e[i]) {
            mpz_mul(rhs, proof->A[i], rp->s);
            mpz_mod(rhs, rhs, rp->n);
        } else {
            mpz_set(rhs, proof->A[i]);
        }
        if (mpz_cmp(lhs, rhs) != 0)
            err = WF_ERR_VERIFY;
    }
    mpz_clears(lhs, rhs, NULL);
    return err;
}

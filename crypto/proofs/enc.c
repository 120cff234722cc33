#include "crypto/proofs/enc.h"

#include "crypto/proofs/enc_core.h"

void wf_proof_enc_init(wf_proof_enc *proof)
{
    mpz_inits(proof->S, proof->A, proof->C, proof->z1, proof->z2, proof->z3, NULL);
    proof->ready = 1;
}

void wf_proof_enc_clear(wf_proof_enc *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clears(proof->S, proof->A, proof->C, proof->z1, proof->z2, proof->z3, NULL);
    *proof = (wf_proof_enc){0};
}

static int stmt_ok(const wf_proof_enc_stmt *st)
{
    return st != NULL && st->pk0 != NULL && st->K != NULL && st->rped != NULL;
}

wf_err wf_proof_enc_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_enc_stmt *st,
                              const wf_proof_enc *proof)
{
    if (e == NULL || !stmt_ok(st) || proof == NULL || !proof->ready)
        return WF_ERR_ARG;
    const wf_proof_item items[] = {WF_PROOF_ITEM_RPED("verifier", st->rped),
                                   WF_PROOF_ITEM_PAILLIER("prover", st->pk0),
                                   WF_PROOF_ITEM_MPZ("K", st->K),
                                   WF_PROOF_ITEM_MPZ("S", proof->S),
                                   WF_PROOF_ITEM_MPZ("A", proof->A),
                                   WF_PROOF_ITEM_MPZ("C", proof->C)};
    return wf_proof_challenge_pm_q(e, "enc", ctx, items, WF_PROOF_COUNT(items));
}

wf_err wf_proof_enc_prove(wf_proof_enc *proof, const wf_proof_ctx *ctx, const wf_proof_enc_stmt *st,
                          const wf_proof_enc_wit *wit)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_ok(st) || wit == NULL || wit->k == NULL ||
        wit->rho == NULL)
        return WF_ERR_ARG;
    wf_proof_enc_core_prover pr;
    wf_err err =
        wf_proof_enc_core_begin(&pr, proof->S, proof->A, proof->C, st->pk0, st->rped, wit->k, WF_PROOF_ELL);
    if (err == WF_OK)
        err = wf_proof_enc_challenge(pr.e, ctx, st, proof);
    return wf_proof_enc_core_end(&pr, err, proof->z1, proof->z2, proof->z3, st->pk0, wit->k, wit->rho);
}

wf_err wf_proof_enc_verify(const wf_proof_enc *proof, const wf_proof_ctx *ctx, const wf_proof_enc_stmt *st)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_ok(st))
        return WF_ERR_ARG;
    const wf_proof_enc_core_pub v = {
        .pk0 = st->pk0,
        .rped = st->rped,
        .K = st->K,
        .S = proof->S,
        .A = proof->A,
        .C = proof->C,
        .z1 = proof->z1,
        .z2 = proof->z2,
        .z3 = proof->z3,
    };
    wf_err err = wf_proof_enc_core_check(&v, WF_PROOF_ELL + WF_PROOF_EPS);
    if (err != WF_OK)
        return err;
    mpz_t e;
    mpz_init(e);
    err = wf_proof_enc_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = wf_proof_enc_core_equations(&v, e);
    mpz_clear(e);
    return err;
}

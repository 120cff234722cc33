#include "crypto/proofs/log_star.h"

#include "crypto/proofs/enc_core.h"
#include "crypto/scalar.h"
#include "crypto/secmem.h"

void wf_proof_log_star_init(wf_proof_log_star *proof)
{
    mpz_inits(proof->S, proof->A, proof->D, proof->z1, proof->z2, proof->z3, NULL);
    wf_point_set_infinity(&proof->Y);
    proof->ready = 1;
}

void wf_proof_log_star_clear(wf_proof_log_star *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clears(proof->S, proof->A, proof->D, proof->z1, proof->z2, proof->z3, NULL);
    *proof = (wf_proof_log_star){0};
}

static int stmt_ok(const wf_proof_log_star_stmt *st)
{
    return st != NULL && st->pk0 != NULL && st->C != NULL && st->X != NULL && st->g != NULL &&
           st->rped != NULL;
}

wf_err wf_proof_log_star_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_log_star_stmt *st,
                                   const wf_proof_log_star *proof)
{
    if (e == NULL || !stmt_ok(st) || proof == NULL || !proof->ready)
        return WF_ERR_ARG;
    const wf_proof_item items[] = {WF_PROOF_ITEM_RPED("verifier", st->rped),
                                   WF_PROOF_ITEM_PAILLIER("prover", st->pk0),
                                   WF_PROOF_ITEM_MPZ("C", st->C),
                                   WF_PROOF_ITEM_POINT("X", st->X),
                                   WF_PROOF_ITEM_POINT("g", st->g),
                                   WF_PROOF_ITEM_MPZ("S", proof->S),
                                   WF_PROOF_ITEM_MPZ("A", proof->A),
                                   WF_PROOF_ITEM_POINT("Y", &proof->Y),
                                   WF_PROOF_ITEM_MPZ("D", proof->D)};
    return wf_proof_challenge_pm_q(e, "log_star", ctx, items, WF_PROOF_COUNT(items));
}

/* Y = (α mod q)·g with the scalar in locked memory. */
static wf_err commit_point(wf_point *Y, const wf_point *g, const mpz_t alpha)
{
    wf_scalar *a = wf_secure_alloc(sizeof *a);
    if (a == NULL)
        return WF_ERR_NOMEM;
    wf_scalar_from_mpz(a, alpha);
    wf_err err = wf_point_mul(Y, g, a);
    wf_scalar_wipe(a);
    wf_secure_free(a);
    return err;
}

wf_err wf_proof_log_star_prove(wf_proof_log_star *proof, const wf_proof_ctx *ctx,
                               const wf_proof_log_star_stmt *st, const wf_proof_log_star_wit *wit)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_ok(st) || wit == NULL || wit->x == NULL ||
        wit->rho == NULL)
        return WF_ERR_ARG;
    wf_err err = wf_proof_check_point(st->g);
    if (err != WF_OK)
        return err;
    wf_proof_enc_core_prover pr;
    err = wf_proof_enc_core_begin(&pr, proof->S, proof->A, proof->D, st->pk0, st->rped, wit->x, WF_PROOF_ELL);
    if (err == WF_OK)
        err = commit_point(&proof->Y, st->g, pr.sec.alpha);
    if (err == WF_OK)
        err = wf_proof_log_star_challenge(pr.e, ctx, st, proof);
    return wf_proof_enc_core_end(&pr, err, proof->z1, proof->z2, proof->z3, st->pk0, wit->x, wit->rho);
}

/* z1·g = Y + e·X, all public. */
static wf_err check_group_equation(const wf_proof_log_star *proof, const wf_proof_log_star_stmt *st,
                                   const mpz_t e)
{
    wf_scalar z1, es;
    wf_point lhs, eX, rhs;
    wf_scalar_from_mpz(&z1, proof->z1);
    wf_scalar_from_mpz(&es, e);
    wf_err err = wf_point_mul(&lhs, st->g, &z1);
    if (err == WF_OK)
        err = wf_point_mul(&eX, st->X, &es);
    if (err == WF_OK)
        err = wf_point_add(&rhs, &proof->Y, &eX);
    if (err == WF_OK && !wf_point_eq(&lhs, &rhs))
        err = WF_ERR_VERIFY;
    return err;
}

wf_err wf_proof_log_star_verify(const wf_proof_log_star *proof, const wf_proof_ctx *ctx,
                                const wf_proof_log_star_stmt *st)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_ok(st))
        return WF_ERR_ARG;
    wf_err err;
    if ((err = wf_proof_check_point(st->g)) != WF_OK || (err = wf_proof_check_point(st->X)) != WF_OK ||
        (err = wf_proof_check_point(&proof->Y)) != WF_OK)
        return err;
    const wf_proof_enc_core_pub v = {
        .pk0 = st->pk0,
        .rped = st->rped,
        .K = st->C,
        .S = proof->S,
        .A = proof->A,
        .C = proof->D,
        .z1 = proof->z1,
        .z2 = proof->z2,
        .z3 = proof->z3,
    };
    if ((err = wf_proof_enc_core_check(&v, WF_PROOF_ELL + WF_PROOF_EPS)) != WF_OK)
        return err;
    mpz_t e;
    mpz_init(e);
    err = wf_proof_log_star_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = check_group_equation(proof, st, e);
    if (err == WF_OK)
        err = wf_proof_enc_core_equations(&v, e);
    mpz_clear(e);
    return err;
}

#include "crypto/proofs/dec.h"

#include "crypto/proofs/enc_core.h"

void wf_proof_dec_init(wf_proof_dec *proof)
{
    mpz_inits(proof->S, proof->T, proof->A, proof->z1, proof->z2, proof->w, NULL);
    proof->gamma = (wf_scalar){0};
    proof->ready = 1;
}

void wf_proof_dec_clear(wf_proof_dec *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clears(proof->S, proof->T, proof->A, proof->z1, proof->z2, proof->w, NULL);
    *proof = (wf_proof_dec){0};
}

static int stmt_ok(const wf_proof_dec_stmt *st)
{
    return st != NULL && st->pk0 != NULL && st->C != NULL && st->x != NULL && st->rped != NULL;
}

/* Deviation 1 of dec.h: extraction must land below N0/2. */
static int y_bits_ok(const wf_proof_dec_stmt *st)
{
    return st->y_bits >= 1 && st->y_bits + WF_PROOF_EPS + 4 <= st->pk0->bits;
}

wf_err wf_proof_dec_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_dec_stmt *st,
                              const wf_proof_dec *proof)
{
    if (e == NULL || !stmt_ok(st) || proof == NULL || !proof->ready)
        return WF_ERR_ARG;
    const wf_proof_item items[] = {WF_PROOF_ITEM_RPED("verifier", st->rped),
                                   WF_PROOF_ITEM_PAILLIER("prover", st->pk0),
                                   WF_PROOF_ITEM_MPZ("C", st->C),
                                   WF_PROOF_ITEM_SCALAR("x", st->x),
                                   WF_PROOF_ITEM_U64("y_bits", st->y_bits),
                                   WF_PROOF_ITEM_MPZ("S", proof->S),
                                   WF_PROOF_ITEM_MPZ("T", proof->T),
                                   WF_PROOF_ITEM_MPZ("A", proof->A),
                                   WF_PROOF_ITEM_SCALAR("gamma", &proof->gamma)};
    return wf_proof_challenge_pm_q(e, "dec", ctx, items, WF_PROOF_COUNT(items));
}

wf_err wf_proof_dec_prove(wf_proof_dec *proof, const wf_proof_ctx *ctx, const wf_proof_dec_stmt *st,
                          const wf_proof_dec_wit *wit)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_ok(st) || wit == NULL || wit->y == NULL ||
        wit->rho == NULL || !y_bits_ok(st))
        return WF_ERR_ARG;
    wf_proof_enc_core_prover pr;
    /* the core's C and its randomness γ are the figure's T and ν */
    wf_err err =
        wf_proof_enc_core_begin(&pr, proof->S, proof->A, proof->T, st->pk0, st->rped, wit->y, st->y_bits);
    if (err == WF_OK) {
        /* γ = α mod q is public: α has at least ℓ+ε bits, so γ is near uniform */
        wf_scalar_from_mpz(&proof->gamma, pr.sec.alpha);
        err = wf_proof_dec_challenge(pr.e, ctx, st, proof);
    }
    /* the core's z2 and z3 are the figure's w and z2 */
    return wf_proof_enc_core_end(&pr, err, proof->z1, proof->w, proof->z2, st->pk0, wit->y, wit->rho);
}

/* z1 ≡ γ + e·x (mod q). */
static wf_err check_mod_q(const wf_proof_dec *proof, const wf_proof_dec_stmt *st, const mpz_t e)
{
    wf_scalar z1, es, rhs;
    wf_scalar_from_mpz(&z1, proof->z1);
    wf_scalar_from_mpz(&es, e);
    wf_err err = wf_scalar_mul(&rhs, &es, st->x);
    if (err == WF_OK)
        err = wf_scalar_add(&rhs, &rhs, &proof->gamma);
    if (err == WF_OK && !wf_scalar_eq(&z1, &rhs))
        err = WF_ERR_VERIFY;
    return err;
}

wf_err wf_proof_dec_verify(const wf_proof_dec *proof, const wf_proof_ctx *ctx, const wf_proof_dec_stmt *st)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_ok(st) || !y_bits_ok(st))
        return WF_ERR_ARG;
    /* γ and x are plain structs: make sure both are reduced below q */
    wf_scalar tmp;
    if (wf_scalar_parse(&tmp, proof->gamma.b, WF_SCALAR_BYTES) != WF_OK ||
        wf_scalar_parse(&tmp, st->x->b, WF_SCALAR_BYTES) != WF_OK)
        return WF_ERR_RANGE;
    const wf_proof_enc_core_pub v = {
        .pk0 = st->pk0,
        .rped = st->rped,
        .K = st->C,
        .S = proof->S,
        .A = proof->A,
        .C = proof->T,
        .z1 = proof->z1,
        .z2 = proof->w,
        .z3 = proof->z2,
    };
    wf_err err = wf_proof_enc_core_check(&v, st->y_bits + WF_PROOF_EPS);
    if (err != WF_OK)
        return err;
    mpz_t e;
    mpz_init(e);
    err = wf_proof_dec_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = check_mod_q(proof, st, e);
    if (err == WF_OK)
        err = wf_proof_enc_core_equations(&v, e);
    mpz_clear(e);
    return err;
}

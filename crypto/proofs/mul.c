/* Πmul, CGGMP21 Fig. 29 (see mul.h). */
#include "crypto/proofs/mul.h"

#include <stddef.h>
#include <string.h>

#include "crypto/random.h"

#define Z_BOUND_BITS (WF_PROOF_ELL + 1u) /* |z| <= 2^{ℓ+1}·N */

/* The prover's per-proof secrets (Fig. 29 step 1). */
typedef struct mul_nonce {
    mpz_t alpha, r, s;
} mul_nonce;

void wf_proof_mul_init(wf_proof_mul *proof)
{
    if (proof == NULL)
        return;
    mpz_inits(proof->A, proof->B, proof->z, proof->u, proof->v, NULL);
    proof->ready = 1;
}

void wf_proof_mul_clear(wf_proof_mul *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clears(proof->A, proof->B, proof->z, proof->u, proof->v, NULL);
    memset(proof, 0, sizeof *proof);
}

static int stmt_present(const wf_proof_mul_stmt *st)
{
    return st != NULL && st->pk != NULL && st->X != NULL && st->Y != NULL && st->C != NULL;
}

/* Transcript: context, N, X, Y, C, then A, B. */
wf_err wf_proof_mul_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_mul_stmt *st,
                              const wf_proof_mul *proof)
{
    if (e == NULL || !stmt_present(st) || proof == NULL || !proof->ready)
        return WF_ERR_ARG;
    const wf_proof_item items[] = {WF_PROOF_ITEM_PAILLIER("N", st->pk), WF_PROOF_ITEM_MPZ("X", st->X),
                                   WF_PROOF_ITEM_MPZ("Y", st->Y),       WF_PROOF_ITEM_MPZ("C", st->C),
                                   WF_PROOF_ITEM_MPZ("A", proof->A),    WF_PROOF_ITEM_MPZ("B", proof->B)};
    return wf_proof_challenge_pm_q(e, "mul", ctx, items, WF_PROOF_COUNT(items));
}

/* ---- prover ---- */

static void nonce_clear(mul_nonce *n)
{
    mpz_ptr v[] = {n->alpha, n->r, n->s};
    wf_proof_wipe_clear(v, WF_PROOF_COUNT(v));
}

static wf_err wit_check(const wf_proof_mul_stmt *st, const wf_proof_mul_wit *wit)
{
    mpz_srcptr n = st->pk->n;
    if (mpz_cmpabs(wit->x, n) >= 0 || mpz_sgn(wit->rho) <= 0 || mpz_cmp(wit->rho, n) >= 0 ||
        mpz_sgn(wit->rho_x) <= 0 || mpz_cmp(wit->rho_x, n) >= 0)
        return WF_ERR_RANGE;
    return wf_proof_check_unit(st->Y, st->pk->n2);
}

/* Fig. 29 step 1: α ← Z_N, r, s ← Z*_N; A = Y^α·r^N, B = (1+N)^α·s^N mod N². */
static wf_err mul_commit(wf_proof_mul *p, const wf_proof_mul_stmt *st, mul_nonce *n)
{
    const wf_paillier_pk *pk = st->pk;
    mpz_t zero;
    mpz_init(zero);
    wf_err err = wf_mpz_random_below(n->alpha, pk->n);
    if (err == WF_OK)
        err = wf_mpz_random_unit(n->r, pk->n);
    if (err == WF_OK)
        err = wf_mpz_random_unit(n->s, pk->n);
    if (err == WF_OK)
        err = wf_proof_affine_secret(p->A, pk, st->Y, n->alpha, pk->bits, zero, n->r);
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(p->B, pk, n->alpha, n->s);
    mpz_clear(zero);
    return err;
}

/* Fig. 29 step 3: z = α + e·x, u = r·ρ^e, v = s·ρ_x^e mod N. */
static wf_err mul_respond(wf_proof_mul *p, const wf_proof_mul_stmt *st, const wf_proof_mul_wit *wit,
                          const mul_nonce *n, const mpz_t e)
{
    wf_proof_lin(p->z, n->alpha, e, wit->x);
    wf_err err = wf_proof_mask_secret(p->u, n->r, wit->rho, e, st->pk->n);
    if (err == WF_OK)
        err = wf_proof_mask_secret(p->v, n->s, wit->rho_x, e, st->pk->n);
    return err;
}

wf_err wf_proof_mul_prove(wf_proof_mul *proof, const wf_proof_ctx *ctx, const wf_proof_mul_stmt *st,
                          const wf_proof_mul_wit *wit)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_present(st) || wit == NULL || wit->x == NULL ||
        wit->rho == NULL || wit->rho_x == NULL)
        return WF_ERR_ARG;
    wf_err err = wit_check(st, wit);
    if (err != WF_OK)
        return err;
    mul_nonce n;
    mpz_t e;
    mpz_inits(n.alpha, n.r, n.s, e, NULL);
    err = mul_commit(proof, st, &n);
    if (err == WF_OK)
        err = wf_proof_mul_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = mul_respond(proof, st, wit, &n, e);
    mpz_clear(e);
    nonce_clear(&n);
    return err;
}

/* ---- verifier ---- */

static wf_err inputs_check(const wf_proof_mul *p, const wf_proof_mul_stmt *st)
{
    mpz_srcptr n = st->pk->n, n2 = st->pk->n2;
    const wf_proof_unit units[] = {{st->X, n2}, {st->Y, n2}, {st->C, n2}, {p->A, n2},
                                   {p->B, n2},  {p->u, n},   {p->v, n}};
    wf_err err = wf_proof_check_modulus(n);
    if (err == WF_OK)
        err = wf_proof_check_units(units, WF_PROOF_COUNT(units));
    if (err == WF_OK && !wf_proof_in_range_scaled(p->z, Z_BOUND_BITS, n))
        err = WF_ERR_RANGE;
    return err;
}

wf_err wf_proof_mul_verify(const wf_proof_mul *proof, const wf_proof_ctx *ctx, const wf_proof_mul_stmt *st)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_present(st))
        return WF_ERR_ARG;
    wf_err err = inputs_check(proof, st);
    if (err != WF_OK)
        return err;
    mpz_t e, zero;
    mpz_inits(e, zero, NULL);
    err = wf_proof_mul_challenge(e, ctx, st, proof);
    /* Y^z·u^N = A·C^e mod N² */
    if (err == WF_OK)
        err = wf_proof_check_paillier_eq(st->pk, st->Y, proof->z, zero, proof->u, proof->A, st->C, e);
    /* (1+N)^z·v^N = B·X^e mod N² */
    if (err == WF_OK)
        err = wf_proof_check_paillier_eq(st->pk, NULL, NULL, proof->z, proof->v, proof->B, st->X, e);
    mpz_clears(e, zero, NULL);
    return err;
}

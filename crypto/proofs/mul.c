/* Πmul, CGGMP21 Fig. 29 (see mul.h). */
#include "crypto/proofs/mul.h"

#include <stddef.h>
#include <string.h>

#include "crypto/modexp.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

#define CHALLENGE_BITS 256u                /* |e| <= q < 2^256 */
#define Z_BOUND_BITS   (WF_PROOF_ELL + 1u) /* |z| <= 2^{ℓ+1}·N */

/* The prover's per-proof secrets (Fig. 29 step 1). */
typedef struct mul_nonce {
    mpz_t alpha, r, s;
} mul_nonce;

/* A ring element and the modulus it must be a unit of. */
typedef struct unit_item {
    mpz_srcptr v;
    mpz_srcptr n;
} unit_item;

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
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        wf_mpz_wipe(v[i]);
        mpz_clear(v[i]);
    }
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
    mpz_t ya, zero;
    mpz_inits(ya, zero, NULL);
    wf_err err = wf_mpz_random_below(n->alpha, pk->n);
    if (err == WF_OK)
        err = wf_mpz_random_unit(n->r, pk->n);
    if (err == WF_OK)
        err = wf_mpz_random_unit(n->s, pk->n);
    if (err == WF_OK)
        err = wf_powm_sec_signed(ya, st->Y, n->alpha, pk->bits, pk->n2);
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(p->A, pk, zero, n->r); /* r^N */
    if (err == WF_OK) {
        mpz_mul(p->A, p->A, ya);
        mpz_mod(p->A, p->A, pk->n2);
        err = wf_paillier_encrypt_with(p->B, pk, n->alpha, n->s);
    }
    wf_mpz_wipe(ya);
    mpz_clears(ya, zero, NULL);
    return err;
}

/* w = r·ρ^e mod n, ρ secret, e public and signed. */
static wf_err mask_rand(mpz_t w, const mpz_t r, mpz_srcptr rho, const mpz_t e, mpz_srcptr n)
{
    wf_err err = wf_powm_sec_signed(w, rho, e, CHALLENGE_BITS, n);
    if (err == WF_OK) {
        mpz_mul(w, w, r);
        mpz_mod(w, w, n);
    }
    return err;
}

/* Fig. 29 step 3: z = α + e·x, u = r·ρ^e, v = s·ρ_x^e mod N. */
static wf_err mul_respond(wf_proof_mul *p, const wf_proof_mul_stmt *st, const wf_proof_mul_wit *wit,
                          const mul_nonce *n, const mpz_t e)
{
    mpz_mul(p->z, e, wit->x);
    mpz_add(p->z, p->z, n->alpha);
    wf_err err = mask_rand(p->u, n->r, wit->rho, e, st->pk->n);
    if (err == WF_OK)
        err = mask_rand(p->v, n->s, wit->rho_x, e, st->pk->n);
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
    const unit_item units[] = {{st->X, n2}, {st->Y, n2}, {st->C, n2}, {p->A, n2},
                               {p->B, n2},  {p->u, n},   {p->v, n}};
    wf_err err = WF_OK;
    for (size_t i = 0; err == WF_OK && i < sizeof units / sizeof units[0]; i++)
        err = wf_proof_check_unit(units[i].v, units[i].n);
    if (err == WF_OK && !wf_proof_in_range_scaled(p->z, Z_BOUND_BITS, n))
        err = WF_ERR_RANGE;
    return err;
}

/* [base^z]·(1+N)^m·w^N == A·D^e mod N² (without the first factor when base is NULL). */
static wf_err paillier_eq(const wf_paillier_pk *pk, mpz_srcptr base, mpz_srcptr z, mpz_srcptr m, mpz_srcptr w,
                          mpz_srcptr a, mpz_srcptr d, const mpz_t e)
{
    mpz_t lhs, rhs, tmp;
    mpz_inits(lhs, rhs, tmp, NULL);
    wf_err err = wf_proof_paillier_public(lhs, pk, m, w);
    if (err == WF_OK && base != NULL && (err = wf_proof_powm_public(tmp, base, z, pk->n2)) == WF_OK) {
        mpz_mul(lhs, lhs, tmp);
        mpz_mod(lhs, lhs, pk->n2);
    }
    if (err == WF_OK && (err = wf_proof_powm_public(rhs, d, e, pk->n2)) == WF_OK) {
        mpz_mul(rhs, rhs, a);
        mpz_mod(rhs, rhs, pk->n2);
        err = mpz_cmp(lhs, rhs) == 0 ? WF_OK : WF_ERR_VERIFY;
    }
    mpz_clears(lhs, rhs, tmp, NULL);
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
        err = paillier_eq(st->pk, st->Y, proof->z, zero, proof->u, proof->A, st->C, e);
    /* (1+N)^z·v^N = B·X^e mod N² */
    if (err == WF_OK)
        err = paillier_eq(st->pk, NULL, NULL, proof->z, proof->v, proof->B, st->X, e);
    mpz_clears(e, zero, NULL);
    return err;
}

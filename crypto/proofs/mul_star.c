/* Πmul*, CGGMP21 Fig. 31 (see mul_star.h). */
#include "crypto/proofs/mul_star.h"

#include <stddef.h>
#include <string.h>

#include "crypto/random.h"

#define ELL WF_PROOF_ELL
#define EPS WF_PROOF_EPS

/* The prover's per-proof secrets (Fig. 31 step 1). */
typedef struct mul_star_nonce {
    mpz_t alpha, gamma, m, r;
} mul_star_nonce;

void wf_proof_mul_star_init(wf_proof_mul_star *proof)
{
    if (proof == NULL)
        return;
    mpz_inits(proof->A, proof->E, proof->S, proof->z1, proof->z2, proof->w, NULL);
    wf_point_set_infinity(&proof->Bx);
    proof->ready = 1;
}

void wf_proof_mul_star_clear(wf_proof_mul_star *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clears(proof->A, proof->E, proof->S, proof->z1, proof->z2, proof->w, NULL);
    memset(proof, 0, sizeof *proof);
}

static int stmt_present(const wf_proof_mul_star_stmt *st)
{
    return st != NULL && st->pk0 != NULL && st->C != NULL && st->D != NULL && st->X != NULL &&
           st->rped != NULL;
}

/* Transcript: context, N̂, s, t, N0, C, D, X, then A, B_x, E, S. */
wf_err wf_proof_mul_star_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_mul_star_stmt *st,
                                   const wf_proof_mul_star *proof)
{
    if (e == NULL || !stmt_present(st) || proof == NULL || !proof->ready)
        return WF_ERR_ARG;
    const wf_proof_item items[] = {WF_PROOF_ITEM_RPED("verifier", st->rped),
                                   WF_PROOF_ITEM_PAILLIER("N0", st->pk0),
                                   WF_PROOF_ITEM_MPZ("C", st->C),
                                   WF_PROOF_ITEM_MPZ("D", st->D),
                                   WF_PROOF_ITEM_POINT("X", st->X),
                                   WF_PROOF_ITEM_MPZ("A", proof->A),
                                   WF_PROOF_ITEM_POINT("Bx", &proof->Bx),
                                   WF_PROOF_ITEM_MPZ("E", proof->E),
                                   WF_PROOF_ITEM_MPZ("S", proof->S)};
    return wf_proof_challenge_pm_q(e, "mul_star", ctx, items, WF_PROOF_COUNT(items));
}

/* ---- prover ---- */

static void nonce_clear(mul_star_nonce *n)
{
    mpz_ptr v[] = {n->alpha, n->gamma, n->m, n->r};
    wf_proof_wipe_clear(v, WF_PROOF_COUNT(v));
}

static wf_err wit_check(const wf_proof_mul_star_stmt *st, const wf_proof_mul_star_wit *wit)
{
    if (!wf_proof_in_range(wit->x, ELL) || mpz_sgn(wit->rho) <= 0 || mpz_cmp(wit->rho, st->pk0->n) >= 0)
        return WF_ERR_RANGE;
    return wf_proof_check_unit(st->C, st->pk0->n2);
}

/* Fig. 31 step 1: sample α, r, γ, m; compute A, B_x, E, S. */
static wf_err mul_star_commit(wf_proof_mul_star *p, const wf_proof_mul_star_stmt *st,
                              const wf_proof_mul_star_wit *wit, mul_star_nonce *n)
{
    const wf_rped *rp = st->rped;
    mpz_t zero;
    mpz_init(zero);
    wf_mpz_random_pm(n->alpha, ELL + EPS);
    wf_proof_random_pm_scaled(n->gamma, ELL + EPS, rp->n);
    wf_proof_random_pm_scaled(n->m, ELL, rp->n);
    wf_err err = wf_mpz_random_unit(n->r, st->pk0->n);
    /* A = C^α·r^{N0} mod N0² */
    if (err == WF_OK)
        err = wf_proof_affine_secret(p->A, st->pk0, st->C, n->alpha, ELL + EPS, zero, n->r);
    mpz_clear(zero);
    if (err == WF_OK)
        err = wf_proof_base_mul_secret(&p->Bx, n->alpha);
    if (err == WF_OK)
        err = wf_rped_commit(p->E, rp, n->alpha, ELL + EPS, n->gamma, wf_proof_bound_bits(ELL + EPS, rp->n));
    if (err == WF_OK)
        err = wf_rped_commit(p->S, rp, wit->x, ELL, n->m, wf_proof_bound_bits(ELL, rp->n));
    return err;
}

/* Fig. 31 step 3: z1 = α + e·x, z2 = γ + e·m, w = r·ρ^e mod N0. */
static wf_err mul_star_respond(wf_proof_mul_star *p, const wf_proof_mul_star_stmt *st,
                               const wf_proof_mul_star_wit *wit, const mul_star_nonce *n, const mpz_t e)
{
    wf_proof_lin(p->z1, n->alpha, e, wit->x);
    wf_proof_lin(p->z2, n->gamma, e, n->m);
    return wf_proof_mask_secret(p->w, n->r, wit->rho, e, st->pk0->n);
}

wf_err wf_proof_mul_star_prove(wf_proof_mul_star *proof, const wf_proof_ctx *ctx,
                               const wf_proof_mul_star_stmt *st, const wf_proof_mul_star_wit *wit)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_present(st) || wit == NULL || wit->x == NULL ||
        wit->rho == NULL)
        return WF_ERR_ARG;
    wf_err err = wit_check(st, wit);
    if (err != WF_OK)
        return err;
    mul_star_nonce n;
    mpz_t e;
    mpz_inits(n.alpha, n.gamma, n.m, n.r, e, NULL);
    err = mul_star_commit(proof, st, wit, &n);
    if (err == WF_OK)
        err = wf_proof_mul_star_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = mul_star_respond(proof, st, wit, &n, e);
    mpz_clear(e);
    nonce_clear(&n);
    return err;
}

/* ---- verifier ---- */

/* Every statement and proof value, before any of them is used. */
static wf_err inputs_check(const wf_proof_mul_star *p, const wf_proof_mul_star_stmt *st)
{
    mpz_srcptr n0 = st->pk0->n, n02 = st->pk0->n2, nh = st->rped->n;
    const wf_proof_unit units[] = {{st->C, n02}, {st->D, n02}, {p->A, n02},
                                   {p->E, nh},   {p->S, nh},   {p->w, n0}};
    const wf_point *const points[] = {st->X, &p->Bx};
    wf_err err = wf_proof_check_setting(n0, st->rped);
    if (err == WF_OK)
        err = wf_proof_check_received(points, WF_PROOF_COUNT(points), units, WF_PROOF_COUNT(units));
    if (err == WF_OK &&
        (!wf_proof_in_range(p->z1, ELL + EPS) || !wf_proof_in_range_scaled(p->z2, ELL + EPS + 1, nh)))
        err = WF_ERR_RANGE;
    return err;
}

wf_err wf_proof_mul_star_verify(const wf_proof_mul_star *proof, const wf_proof_ctx *ctx,
                                const wf_proof_mul_star_stmt *st)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_present(st))
        return WF_ERR_ARG;
    wf_err err = inputs_check(proof, st);
    if (err != WF_OK)
        return err;
    mpz_t e, zero;
    mpz_inits(e, zero, NULL);
    err = wf_proof_mul_star_challenge(e, ctx, st, proof);
    /* C^{z1}·w^{N0} = A·D^e mod N0² */
    if (err == WF_OK)
        err = wf_proof_check_paillier_eq(st->pk0, st->C, proof->z1, zero, proof->w, proof->A, st->D, e);
    /* z1·G = B_x + e·X */
    if (err == WF_OK)
        err = wf_proof_check_group_eq(&proof->Bx, st->X, proof->z1, e);
    /* s^{z1}·t^{z2} = E·S^e mod N̂ */
    if (err == WF_OK)
        err = wf_proof_check_rped_eq(st->rped, proof->z1, proof->z2, proof->E, proof->S, e);
    mpz_clears(e, zero, NULL);
    return err;
}

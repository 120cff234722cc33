/* Πaff-g, CGGMP21 Fig. 15 (see aff_g.h for the statement and sign convention). */
#include "crypto/proofs/aff_g.h"

#include <stddef.h>
#include <string.h>

#include "crypto/random.h"

#define ELL       WF_PROOF_ELL
#define ELL_PRIME WF_PROOF_ELL_PRIME
#define EPS       WF_PROOF_EPS

/* The prover's per-proof secrets (Fig. 15 step 1). */
typedef struct aff_g_nonce {
    mpz_t alpha, beta, gamma, delta, m, mu, r, r_y;
} aff_g_nonce;

void wf_proof_aff_g_init(wf_proof_aff_g *proof)
{
    if (proof == NULL)
        return;
    mpz_inits(proof->A, proof->By, proof->E, proof->F, proof->S, proof->T, proof->z1, proof->z2, proof->z3,
              proof->z4, proof->w, proof->w_y, NULL);
    wf_point_set_infinity(&proof->Bx);
    proof->ready = 1;
}

void wf_proof_aff_g_clear(wf_proof_aff_g *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clears(proof->A, proof->By, proof->E, proof->F, proof->S, proof->T, proof->z1, proof->z2, proof->z3,
               proof->z4, proof->w, proof->w_y, NULL);
    memset(proof, 0, sizeof *proof);
}

/* ---- shared by prover and verifier ---- */

static int stmt_present(const wf_proof_aff_g_stmt *st)
{
    return st != NULL && st->pk0 != NULL && st->pk1 != NULL && st->C != NULL && st->D != NULL &&
           st->Y != NULL && st->X != NULL && st->rped != NULL;
}

/* Transcript: context, N̂, s, t, N0, N1, C, D, Y, X, then A, B_x, B_y, E, S, F, T. */
wf_err wf_proof_aff_g_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_aff_g_stmt *st,
                                const wf_proof_aff_g *proof)
{
    if (e == NULL || !stmt_present(st) || proof == NULL || !proof->ready)
        return WF_ERR_ARG;
    const wf_proof_item items[] = {WF_PROOF_ITEM_RPED("verifier", st->rped),
                                   WF_PROOF_ITEM_PAILLIER("N0", st->pk0),
                                   WF_PROOF_ITEM_PAILLIER("N1", st->pk1),
                                   WF_PROOF_ITEM_MPZ("C", st->C),
                                   WF_PROOF_ITEM_MPZ("D", st->D),
                                   WF_PROOF_ITEM_MPZ("Y", st->Y),
                                   WF_PROOF_ITEM_POINT("X", st->X),
                                   WF_PROOF_ITEM_MPZ("A", proof->A),
                                   WF_PROOF_ITEM_POINT("Bx", &proof->Bx),
                                   WF_PROOF_ITEM_MPZ("By", proof->By),
                                   WF_PROOF_ITEM_MPZ("E", proof->E),
                                   WF_PROOF_ITEM_MPZ("S", proof->S),
                                   WF_PROOF_ITEM_MPZ("F", proof->F),
                                   WF_PROOF_ITEM_MPZ("T", proof->T)};
    return wf_proof_challenge_pm_q(e, "aff_g", ctx, items, WF_PROOF_COUNT(items));
}

/* ---- prover ---- */

static void nonce_init(aff_g_nonce *n)
{
    mpz_inits(n->alpha, n->beta, n->gamma, n->delta, n->m, n->mu, n->r, n->r_y, NULL);
}

static void nonce_clear(aff_g_nonce *n)
{
    mpz_ptr v[] = {n->alpha, n->beta, n->gamma, n->delta, n->m, n->mu, n->r, n->r_y};
    wf_proof_wipe_clear(v, WF_PROOF_COUNT(v));
}

/* 1 iff 0 < v < n. */
static int in_open(mpz_srcptr v, mpz_srcptr n)
{
    return mpz_sgn(v) > 0 && mpz_cmp(v, n) < 0;
}

static wf_err wit_check(const wf_proof_aff_g_stmt *st, const wf_proof_aff_g_wit *wit)
{
    if (wit->sk1 != NULL && mpz_cmp(wit->sk1->pk.n, st->pk1->n) != 0)
        return WF_ERR_ARG;
    if (!wf_proof_in_range(wit->x, ELL) || !wf_proof_in_range(wit->y, ELL_PRIME) ||
        !in_open(wit->rho, st->pk0->n) || !in_open(wit->rho_y, st->pk1->n))
        return WF_ERR_RANGE;
    return wf_proof_check_unit(st->C, st->pk0->n2);
}

/* c = Enc(m; ρ), by CRT when the secret key is at hand. */
static wf_err encrypt_sec(mpz_t c, const wf_paillier_pk *pk, const wf_paillier_sk *sk, const mpz_t m,
                          const mpz_t rho)
{
    return sk != NULL ? wf_paillier_encrypt_crt(c, sk, m, rho) : wf_paillier_encrypt_with(c, pk, m, rho);
}

/* Fig. 15 step 1: sample α, β, γ, δ, m, μ, r, r_y; compute A, B_x, B_y, E, S, F, T. */
static wf_err aff_g_commit(wf_proof_aff_g *p, const wf_proof_aff_g_stmt *st, const wf_proof_aff_g_wit *wit,
                           aff_g_nonce *n)
{
    const wf_rped *rp = st->rped;
    const unsigned big = wf_proof_bound_bits(ELL + EPS, rp->n); /* γ, δ ∈ ±2^{ℓ+ε}·N̂ */
    const unsigned small = wf_proof_bound_bits(ELL, rp->n);     /* m, μ ∈ ±2^ℓ·N̂ */
    wf_mpz_random_pm(n->alpha, ELL + EPS);
    wf_mpz_random_pm(n->beta, ELL_PRIME + EPS);
    wf_proof_random_pm_scaled(n->gamma, ELL + EPS, rp->n);
    wf_proof_random_pm_scaled(n->delta, ELL + EPS, rp->n);
    wf_proof_random_pm_scaled(n->m, ELL, rp->n);
    wf_proof_random_pm_scaled(n->mu, ELL, rp->n);
    wf_err err = wf_mpz_random_unit(n->r, st->pk0->n);
    if (err == WF_OK)
        err = wf_mpz_random_unit(n->r_y, st->pk1->n);
    if (err == WF_OK)
        err = wf_proof_affine_secret(p->A, st->pk0, st->C, n->alpha, ELL + EPS, n->beta, n->r);
    if (err == WF_OK)
        err = wf_proof_base_mul_secret(&p->Bx, n->alpha);
    if (err == WF_OK)
        err = encrypt_sec(p->By, st->pk1, wit->sk1, n->beta, n->r_y);
    if (err == WF_OK)
        err = wf_rped_commit(p->E, rp, n->alpha, ELL + EPS, n->gamma, big);
    if (err == WF_OK)
        err = wf_rped_commit(p->S, rp, wit->x, ELL, n->m, small);
    if (err == WF_OK)
        err = wf_rped_commit(p->F, rp, n->beta, ELL_PRIME + EPS, n->delta, big);
    if (err == WF_OK)
        err = wf_rped_commit(p->T, rp, wit->y, ELL_PRIME, n->mu, small);
    return err;
}

/* Fig. 15 step 3. */
static wf_err aff_g_respond(wf_proof_aff_g *p, const wf_proof_aff_g_stmt *st, const wf_proof_aff_g_wit *wit,
                            const aff_g_nonce *n, const mpz_t e)
{
    wf_proof_lin(p->z1, n->alpha, e, wit->x);
    wf_proof_lin(p->z2, n->beta, e, wit->y);
    wf_proof_lin(p->z3, n->gamma, e, n->m);
    wf_proof_lin(p->z4, n->delta, e, n->mu);
    wf_err err = wf_proof_mask_secret(p->w, n->r, wit->rho, e, st->pk0->n);
    if (err == WF_OK)
        err = wf_proof_mask_secret(p->w_y, n->r_y, wit->rho_y, e, st->pk1->n);
    return err;
}

wf_err wf_proof_aff_g_prove(wf_proof_aff_g *proof, const wf_proof_ctx *ctx, const wf_proof_aff_g_stmt *st,
                            const wf_proof_aff_g_wit *wit)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_present(st) || wit == NULL || wit->x == NULL ||
        wit->y == NULL || wit->rho == NULL || wit->rho_y == NULL)
        return WF_ERR_ARG;
    wf_err err = wit_check(st, wit);
    if (err != WF_OK)
        return err;
    aff_g_nonce n;
    mpz_t e;
    nonce_init(&n);
    mpz_init(e);
    err = aff_g_commit(proof, st, wit, &n);
    if (err == WF_OK)
        err = wf_proof_aff_g_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = aff_g_respond(proof, st, wit, &n, e);
    mpz_clear(e);
    nonce_clear(&n);
    return err;
}

/* ---- verifier ---- */

/* Every statement and proof value, before any of them is used. */
static wf_err inputs_check(const wf_proof_aff_g *p, const wf_proof_aff_g_stmt *st)
{
    mpz_srcptr n0 = st->pk0->n, n1 = st->pk1->n, nh = st->rped->n;
    const wf_proof_unit units[] = {{st->C, st->pk0->n2}, {st->D, st->pk0->n2}, {st->Y, st->pk1->n2},
                                   {p->A, st->pk0->n2},  {p->By, st->pk1->n2}, {p->E, nh},
                                   {p->S, nh},           {p->F, nh},           {p->T, nh},
                                   {p->w, n0},           {p->w_y, n1}};
    const wf_point *const points[] = {st->X, &p->Bx};
    /* N̂ and N0 are both the verifier's; the prover's own key is N1 */
    wf_err err = wf_proof_check_setting(n1, st->rped);
    if (err == WF_OK)
        err = wf_proof_check_modulus(n0);
    if (err == WF_OK)
        err = wf_proof_check_received(points, WF_PROOF_COUNT(points), units, WF_PROOF_COUNT(units));
    if (err == WF_OK && (!wf_proof_in_range(p->z1, ELL + EPS) || !wf_proof_in_range(p->z2, ELL_PRIME + EPS) ||
                         !wf_proof_in_range_scaled(p->z3, ELL + EPS + 1, nh) ||
                         !wf_proof_in_range_scaled(p->z4, ELL + EPS + 1, nh)))
        err = WF_ERR_RANGE;
    return err;
}

/* Fig. 15, the verifier's five equalities. */
static wf_err aff_g_equations(const wf_proof_aff_g *p, const wf_proof_aff_g_stmt *st, const mpz_t e)
{
    /* C^{z1}·(1+N0)^{z2}·w^{N0} = A·D^e mod N0² */
    wf_err err = wf_proof_check_paillier_eq(st->pk0, st->C, p->z1, p->z2, p->w, p->A, st->D, e);
    /* g^{z1} = B_x·X^e */
    if (err == WF_OK)
        err = wf_proof_check_group_eq(&p->Bx, st->X, p->z1, e);
    /* (1+N1)^{z2}·w_y^{N1} = B_y·Y^e mod N1² */
    if (err == WF_OK)
        err = wf_proof_check_paillier_eq(st->pk1, NULL, NULL, p->z2, p->w_y, p->By, st->Y, e);
    /* s^{z1}·t^{z3} = E·S^e mod N̂ */
    if (err == WF_OK)
        err = wf_proof_check_rped_eq(st->rped, p->z1, p->z3, p->E, p->S, e);
    /* s^{z2}·t^{z4} = F·T^e mod N̂ */
    if (err == WF_OK)
        err = wf_proof_check_rped_eq(st->rped, p->z2, p->z4, p->F, p->T, e);
    return err;
}

wf_err wf_proof_aff_g_verify(const wf_proof_aff_g *proof, const wf_proof_ctx *ctx,
                             const wf_proof_aff_g_stmt *st)
{
    if (proof == NULL || !proof->ready || ctx == NULL || !stmt_present(st))
        return WF_ERR_ARG;
    wf_err err = inputs_check(proof, st);
    if (err != WF_OK)
        return err;
    mpz_t e;
    mpz_init(e);
    err = wf_proof_aff_g_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = aff_g_equations(proof, st, e);
    mpz_clear(e);
    return err;
}

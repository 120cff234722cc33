/* Πaff-g, CGGMP21 Fig. 15 (see aff_g.h for the statement and sign convention). */
#include "crypto/proofs/aff_g.h"

#include <stddef.h>
#include <string.h>

#include "crypto/modexp.h"
#include "crypto/random.h"
#include "crypto/scalar.h"
#include "crypto/secmem.h"

#define ELL            WF_PROOF_ELL
#define ELL_PRIME      WF_PROOF_ELL_PRIME
#define EPS            WF_PROOF_EPS
#define CHALLENGE_BITS 256u /* |e| <= q < 2^256 */

/* The prover's per-proof secrets (Fig. 15 step 1). */
typedef struct aff_g_nonce {
    mpz_t alpha, beta, gamma, delta, m, mu, r, r_y;
} aff_g_nonce;

/* A ring element and the modulus it must be a unit of. */
typedef struct unit_item {
    mpz_srcptr v;
    mpz_srcptr n;
} unit_item;

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
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        wf_mpz_wipe(v[i]);
        mpz_clear(v[i]);
    }
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

/* out = k·G for a secret integer k (reduced mod q in locked memory). */
static wf_err base_mul_sec(wf_point *out, const mpz_t k)
{
    wf_scalar *ks = wf_secure_alloc(sizeof *ks);
    if (ks == NULL)
        return WF_ERR_NOMEM;
    wf_scalar_from_mpz(ks, k);
    wf_err err = wf_point_base_mul(out, ks);
    wf_secure_free(ks);
    /* k ≡ 0 mod q has probability < 2^-250; infinity has no wire form */
    if (err == WF_OK && wf_point_is_infinity(out))
        err = WF_ERR_INTERNAL;
    return err;
}

/* c = Enc(m; ρ), by CRT when the secret key is at hand. */
static wf_err encrypt_sec(mpz_t c, const wf_paillier_pk *pk, const wf_paillier_sk *sk, const mpz_t m,
                          const mpz_t rho)
{
    return sk != NULL ? wf_paillier_encrypt_crt(c, sk, m, rho) : wf_paillier_encrypt_with(c, pk, m, rho);
}

/* A = C^α · Enc_{N0}(β; r) mod N0², α secret with |α| <= 2^{ℓ+ε}. */
static wf_err affine_sec(mpz_t a, const wf_proof_aff_g_stmt *st, const aff_g_nonce *n)
{
    mpz_t ca;
    mpz_init(ca);
    wf_err err = wf_powm_sec_signed(ca, st->C, n->alpha, ELL + EPS, st->pk0->n2);
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(a, st->pk0, n->beta, n->r);
    if (err == WF_OK) {
        mpz_mul(a, a, ca);
        mpz_mod(a, a, st->pk0->n2);
    }
    wf_mpz_wipe(ca);
    mpz_clear(ca);
    return err;
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
        err = affine_sec(p->A, st, n);
    if (err == WF_OK)
        err = base_mul_sec(&p->Bx, n->alpha);
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

/* z = a + e·x over the integers. */
static void lin(mpz_t z, const mpz_t a, const mpz_t e, mpz_srcptr x)
{
    mpz_mul(z, e, x);
    mpz_add(z, z, a);
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

/* Fig. 15 step 3. */
static wf_err aff_g_respond(wf_proof_aff_g *p, const wf_proof_aff_g_stmt *st, const wf_proof_aff_g_wit *wit,
                            const aff_g_nonce *n, const mpz_t e)
{
    lin(p->z1, n->alpha, e, wit->x);
    lin(p->z2, n->beta, e, wit->y);
    lin(p->z3, n->gamma, e, n->m);
    lin(p->z4, n->delta, e, n->mu);
    wf_err err = mask_rand(p->w, n->r, wit->rho, e, st->pk0->n);
    if (err == WF_OK)
        err = mask_rand(p->w_y, n->r_y, wit->rho_y, e, st->pk1->n);
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

/* A received point must be on the curve and not infinity. */
static wf_err point_check(const wf_point *p)
{
    uint8_t buf[WF_POINT_UNCOMPRESSED_BYTES];
    wf_point parsed;
    wf_err err = wf_point_serialize_uncompressed(buf, p);
    if (err == WF_OK)
        err = wf_point_parse_uncompressed(&parsed, buf, sizeof buf);
    return err;
}

static wf_err units_check(const unit_item *items, size_t n)
{
    wf_err err = WF_OK;
    for (size_t i = 0; err == WF_OK && i < n; i++)
        err = wf_proof_check_unit(items[i].v, items[i].n);
    return err;
}

/* Every statement and proof value, before any of them is used. */
static wf_err inputs_check(const wf_proof_aff_g *p, const wf_proof_aff_g_stmt *st)
{
    mpz_srcptr n0 = st->pk0->n, n1 = st->pk1->n, nh = st->rped->n;
    const unit_item units[] = {{st->C, st->pk0->n2}, {st->D, st->pk0->n2}, {st->Y, st->pk1->n2},
                               {p->A, st->pk0->n2},  {p->By, st->pk1->n2}, {p->E, nh},
                               {p->S, nh},           {p->F, nh},           {p->T, nh},
                               {p->w, n0},           {p->w_y, n1}};
    wf_err err = point_check(st->X);
    if (err == WF_OK)
        err = point_check(&p->Bx);
    if (err == WF_OK)
        err = units_check(units, sizeof units / sizeof units[0]);
    if (err == WF_OK && (!wf_proof_in_range(p->z1, ELL + EPS) || !wf_proof_in_range(p->z2, ELL_PRIME + EPS) ||
                         !wf_proof_in_range_scaled(p->z3, ELL + EPS + 1, nh) ||
                         !wf_proof_in_range_scaled(p->z4, ELL + EPS + 1, nh)))
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

/* z·G == B + e·X, checked as z·G + (−e)·X == B. */
static wf_err group_eq(const wf_point *b, const wf_point *x, const mpz_t z, const mpz_t e)
{
    wf_scalar zs, es, nes;
    wf_point lhs;
    wf_scalar_from_mpz(&zs, z);
    wf_scalar_from_mpz(&es, e);
    wf_err err = wf_scalar_neg(&nes, &es);
    if (err == WF_OK)
        err = wf_point_base_mul_add(&lhs, &zs, &nes, x);
    if (err == WF_OK && !wf_point_eq(&lhs, b))
        err = WF_ERR_VERIFY;
    return err;
}

/* s^z·t^z' == E·S^e mod N̂. */
static wf_err rped_eq(const wf_rped *rp, const mpz_t z, const mpz_t zp, const mpz_t cap_e, const mpz_t cap_s,
                      const mpz_t e)
{
    mpz_t lhs, rhs;
    mpz_inits(lhs, rhs, NULL);
    wf_err err = wf_proof_rped_public(lhs, rp, z, zp);
    if (err == WF_OK && (err = wf_proof_powm_public(rhs, cap_s, e, rp->n)) == WF_OK) {
        mpz_mul(rhs, rhs, cap_e);
        mpz_mod(rhs, rhs, rp->n);
        err = mpz_cmp(lhs, rhs) == 0 ? WF_OK : WF_ERR_VERIFY;
    }
    mpz_clears(lhs, rhs, NULL);
    return err;
}

/* Fig. 15, the verifier's five equalities. */
static wf_err aff_g_equations(const wf_proof_aff_g *p, const wf_proof_aff_g_stmt *st, const mpz_t e)
{
    /* C^{z1}·(1+N0)^{z2}·w^{N0} = A·D^e mod N0² */
    wf_err err = paillier_eq(st->pk0, st->C, p->z1, p->z2, p->w, p->A, st->D, e);
    /* g^{z1} = B_x·X^e */
    if (err == WF_OK)
        err = group_eq(&p->Bx, st->X, p->z1, e);
    /* (1+N1)^{z2}·w_y^{N1} = B_y·Y^e mod N1² */
    if (err == WF_OK)
        err = paillier_eq(st->pk1, NULL, NULL, p->z2, p->w_y, p->By, st->Y, e);
    /* s^{z1}·t^{z3} = E·S^e mod N̂ */
    if (err == WF_OK)
        err = rped_eq(st->rped, p->z1, p->z3, p->E, p->S, e);
    /* s^{z2}·t^{z4} = F·T^e mod N̂ */
    if (err == WF_OK)
        err = rped_eq(st->rped, p->z2, p->z4, p->F, p->T, e);
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

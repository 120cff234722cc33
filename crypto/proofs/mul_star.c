/* Πmul*, CGGMP21 Fig. 31 (see mul_star.h). */
#include "crypto/proofs/mul_star.h"

#include <stddef.h>
#include <string.h>

#include "crypto/modexp.h"
#include "crypto/random.h"
#include "crypto/scalar.h"
#include "crypto/secmem.h"

#define ELL            WF_PROOF_ELL
#define EPS            WF_PROOF_EPS
#define CHALLENGE_BITS 256u /* |e| <= q < 2^256 */

/* The prover's per-proof secrets (Fig. 31 step 1). */
typedef struct mul_star_nonce {
    mpz_t alpha, gamma, m, r;
} mul_star_nonce;

/* A ring element and the modulus it must be a unit of. */
typedef struct unit_item {
    mpz_srcptr v;
    mpz_srcptr n;
} unit_item;

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
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        wf_mpz_wipe(v[i]);
        mpz_clear(v[i]);
    }
}

static wf_err wit_check(const wf_proof_mul_star_stmt *st, const wf_proof_mul_star_wit *wit)
{
    if (!wf_proof_in_range(wit->x, ELL) || mpz_sgn(wit->rho) <= 0 || mpz_cmp(wit->rho, st->pk0->n) >= 0)
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

/* A = C^α·r^{N0} mod N0², α secret with |α| <= 2^{ℓ+ε}. */
static wf_err mul_sec(mpz_t a, const wf_proof_mul_star_stmt *st, const mul_star_nonce *n)
{
    mpz_t ca, zero;
    mpz_inits(ca, zero, NULL);
    wf_err err = wf_powm_sec_signed(ca, st->C, n->alpha, ELL + EPS, st->pk0->n2);
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(a, st->pk0, zero, n->r); /* r^{N0} */
    if (err == WF_OK) {
        mpz_mul(a, a, ca);
        mpz_mod(a, a, st->pk0->n2);
    }
    wf_mpz_wipe(ca);
    mpz_clears(ca, zero, NULL);
    return err;
}

/* Fig. 31 step 1: sample α, r, γ, m; compute A, B_x, E, S. */
static wf_err mul_star_commit(wf_proof_mul_star *p, const wf_proof_mul_star_stmt *st,
                              const wf_proof_mul_star_wit *wit, mul_star_nonce *n)
{
    const wf_rped *rp = st->rped;
    wf_mpz_random_pm(n->alpha, ELL + EPS);
    wf_proof_random_pm_scaled(n->gamma, ELL + EPS, rp->n);
    wf_proof_random_pm_scaled(n->m, ELL, rp->n);
    wf_err err = wf_mpz_random_unit(n->r, st->pk0->n);
    if (err == WF_OK)
        err = mul_sec(p->A, st, n);
    if (err == WF_OK)
        err = base_mul_sec(&p->Bx, n->alpha);
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
    mpz_mul(p->z1, e, wit->x);
    mpz_add(p->z1, p->z1, n->alpha);
    mpz_mul(p->z2, e, n->m);
    mpz_add(p->z2, p->z2, n->gamma);
    wf_err err = wf_powm_sec_signed(p->w, wit->rho, e, CHALLENGE_BITS, st->pk0->n);
    if (err == WF_OK) {
        mpz_mul(p->w, p->w, n->r);
        mpz_mod(p->w, p->w, st->pk0->n);
    }
    return err;
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

/* Every statement and proof value, before any of them is used. */
static wf_err inputs_check(const wf_proof_mul_star *p, const wf_proof_mul_star_stmt *st)
{
    mpz_srcptr n0 = st->pk0->n, n02 = st->pk0->n2, nh = st->rped->n;
    const unit_item units[] = {{st->C, n02}, {st->D, n02}, {p->A, n02}, {p->E, nh}, {p->S, nh}, {p->w, n0}};
    wf_err err = point_check(st->X);
    if (err == WF_OK)
        err = point_check(&p->Bx);
    for (size_t i = 0; err == WF_OK && i < sizeof units / sizeof units[0]; i++)
        err = wf_proof_check_unit(units[i].v, units[i].n);
    if (err == WF_OK &&
        (!wf_proof_in_range(p->z1, ELL + EPS) || !wf_proof_in_range_scaled(p->z2, ELL + EPS + 1, nh)))
        err = WF_ERR_RANGE;
    return err;
}

/* C^{z1}·w^{N0} == A·D^e mod N0². */
static wf_err paillier_eq(const wf_proof_mul_star *p, const wf_proof_mul_star_stmt *st, const mpz_t e)
{
    const wf_paillier_pk *pk = st->pk0;
    mpz_t lhs, rhs, zero;
    mpz_inits(lhs, rhs, zero, NULL);
    wf_err err = wf_proof_paillier_public(lhs, pk, zero, p->w); /* w^{N0} */
    if (err == WF_OK && (err = wf_proof_powm_public(rhs, st->C, p->z1, pk->n2)) == WF_OK) {
        mpz_mul(lhs, lhs, rhs);
        mpz_mod(lhs, lhs, pk->n2);
        err = wf_proof_powm_public(rhs, st->D, e, pk->n2);
    }
    if (err == WF_OK) {
        mpz_mul(rhs, rhs, p->A);
        mpz_mod(rhs, rhs, pk->n2);
        err = mpz_cmp(lhs, rhs) == 0 ? WF_OK : WF_ERR_VERIFY;
    }
    mpz_clears(lhs, rhs, zero, NULL);
    return err;
}

/* z1·G == B_x + e·X, checked as z1·G + (−e)·X == B_x. */
static wf_err group_eq(const wf_proof_mul_star *p, const wf_proof_mul_star_stmt *st, const mpz_t e)
{
    wf_scalar zs, es, nes;
    wf_point lhs;
    wf_scalar_from_mpz(&zs, p->z1);
    wf_scalar_from_mpz(&es, e);
    wf_err err = wf_scalar_neg(&nes, &es);
    if (err == WF_OK)
        err = wf_point_base_mul_add(&lhs, &zs, &nes, st->X);
    if (err == WF_OK && !wf_point_eq(&lhs, &p->Bx))
        err = WF_ERR_VERIFY;
    return err;
}

/* s^{z1}·t^{z2} == E·S^e mod N̂. */
static wf_err rped_eq(const wf_proof_mul_star *p, const wf_rped *rp, const mpz_t e)
{
    mpz_t lhs, rhs;
    mpz_inits(lhs, rhs, NULL);
    wf_err err = wf_proof_rped_public(lhs, rp, p->z1, p->z2);
    if (err == WF_OK && (err = wf_proof_powm_public(rhs, p->S, e, rp->n)) == WF_OK) {
        mpz_mul(rhs, rhs, p->E);
        mpz_mod(rhs, rhs, rp->n);
        err = mpz_cmp(lhs, rhs) == 0 ? WF_OK : WF_ERR_VERIFY;
    }
    mpz_clears(lhs, rhs, NULL);
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
    mpz_t e;
    mpz_init(e);
    err = wf_proof_mul_star_challenge(e, ctx, st, proof);
    if (err == WF_OK)
        err = paillier_eq(proof, st, e);
    if (err == WF_OK)
        err = group_eq(proof, st, e);
    if (err == WF_OK)
        err = rped_eq(proof, st->rped, e);
    mpz_clear(e);
    return err;
}

/* Πfac, CGGMP21 "no small factor" proof (see fac.h). */
#include "crypto/proofs/fac.h"

#include <string.h>

#include "crypto/modexp.h"
#include "crypto/secmem.h"

#define FAC_PROOF_NAME "fac"
#define FAC_LE         (WF_PROOF_ELL + WF_PROOF_EPS) /* ℓ + ε */

void wf_proof_fac_init(wf_proof_fac *proof)
{
    if (proof == NULL)
        return;
    memset(proof, 0, sizeof *proof);
    mpz_inits(proof->P, proof->Q, proof->A, proof->B, proof->T, proof->sigma, proof->z1, proof->z2, proof->w1,
              proof->w2, proof->v, NULL);
    proof->ready = 1;
}

void wf_proof_fac_clear(wf_proof_fac *proof)
{
    if (proof == NULL || !proof->ready)
        return;
    mpz_clears(proof->P, proof->Q, proof->A, proof->B, proof->T, proof->sigma, proof->z1, proof->z2,
               proof->w1, proof->w2, proof->v, NULL);
    memset(proof, 0, sizeof *proof);
}

/* ---- shared by prover and verifier ---- */

/* Public scales of the statement: floor(√N0) and N0·N̂. */
typedef struct fac_scales {
    mpz_t sqrt_n0, n0_nhat;
} fac_scales;

static void fac_scales_init(fac_scales *sc, const wf_proof_fac_stmt *stmt)
{
    mpz_inits(sc->sqrt_n0, sc->n0_nhat, NULL);
    mpz_sqrt(sc->sqrt_n0, stmt->n0);
    mpz_mul(sc->n0_nhat, stmt->n0, stmt->rped->n);
}

static void fac_scales_clear(fac_scales *sc)
{
    mpz_clears(sc->sqrt_n0, sc->n0_nhat, NULL);
}

/* e ∈ [-q, q] from the transcript (context, N0, N̂, s, t, P, Q, A, B, T, σ). */
static wf_err fac_challenge(mpz_t e, const wf_proof_fac *proof, const wf_proof_ctx *ctx,
                            const wf_proof_fac_stmt *stmt)
{
    const wf_proof_item items[] = {
        WF_PROOF_ITEM_MPZ("N0", stmt->n0), WF_PROOF_ITEM_RPED("verifier", stmt->rped),
        WF_PROOF_ITEM_MPZ("P", proof->P),  WF_PROOF_ITEM_MPZ("Q", proof->Q),
        WF_PROOF_ITEM_MPZ("A", proof->A),  WF_PROOF_ITEM_MPZ("B", proof->B),
        WF_PROOF_ITEM_MPZ("T", proof->T),  WF_PROOF_ITEM_MPZ("sigma", proof->sigma)};
    return wf_proof_challenge_pm_q(e, FAC_PROOF_NAME, ctx, items, WF_PROOF_COUNT(items));
}

/* N0 of the expected size, odd and > 1; the verifier's own parameters well formed. */
static wf_err fac_check_stmt(const wf_proof_fac_stmt *stmt)
{
    if (stmt->bits < WF_PAILLIER_MIN_BITS)
        return WF_ERR_ARG;
    if (mpz_sgn(stmt->n0) <= 0 || mpz_sizeinbase(stmt->n0, 2) != stmt->bits)
        return WF_ERR_ENCODING;
    if (mpz_even_p(stmt->n0) || mpz_cmp_ui(stmt->n0, 1) <= 0)
        return WF_ERR_RANGE;
    wf_err err = wf_proof_check_setting(stmt->n0, stmt->rped);
    return err != WF_OK ? err : wf_rped_params_check(stmt->rped, stmt->rped->bits);
}

/* ---- prover ---- */

/* The prover's secret randomness. */
typedef struct fac_nonces {
    mpz_t alpha, beta, mu, nu, r, x, y;
} fac_nonces;

#define FAC_NONCES 7

static void fac_nonces_list(fac_nonces *k, mpz_ptr v[FAC_NONCES])
{
    mpz_ptr all[FAC_NONCES] = {k->alpha, k->beta, k->mu, k->nu, k->r, k->x, k->y};
    memcpy(v, all, sizeof all);
}

static void fac_nonces_init(fac_nonces *k)
{
    mpz_ptr v[FAC_NONCES];
    fac_nonces_list(k, v);
    for (int i = 0; i < FAC_NONCES; i++)
        mpz_init(v[i]);
}

static void fac_nonces_clear(fac_nonces *k)
{
    mpz_ptr v[FAC_NONCES];
    fac_nonces_list(k, v);
    wf_proof_wipe_clear(v, FAC_NONCES);
}

static void fac_sample(fac_nonces *k, mpz_t sigma, const fac_scales *sc, const mpz_t nhat)
{
    wf_proof_random_pm_scaled(k->alpha, FAC_LE, sc->sqrt_n0);
    wf_proof_random_pm_scaled(k->beta, FAC_LE, sc->sqrt_n0);
    wf_proof_random_pm_scaled(k->mu, WF_PROOF_ELL, nhat);
    wf_proof_random_pm_scaled(k->nu, WF_PROOF_ELL, nhat);
    wf_proof_random_pm_scaled(sigma, WF_PROOF_ELL, sc->n0_nhat);
    wf_proof_random_pm_scaled(k->r, FAC_LE, sc->n0_nhat);
    wf_proof_random_pm_scaled(k->x, FAC_LE, nhat);
    wf_proof_random_pm_scaled(k->y, FAC_LE, nhat);
}

/* P = s^p t^μ, Q = s^q t^ν, A = s^α t^x, B = s^β t^y, T = Q^α t^r (mod N̂). */
static wf_err fac_commit(wf_proof_fac *proof, const fac_nonces *k, const fac_scales *sc,
                         const wf_proof_fac_stmt *stmt, const mpz_t p, const mpz_t q)
{
    const wf_rped *rp = stmt->rped;
    unsigned pq_bits = (unsigned)mpz_sizeinbase(stmt->n0, 2); /* p, q < N0 */
    unsigned mu_bits = wf_proof_bound_bits(WF_PROOF_ELL, rp->n);
    unsigned alpha_bits = wf_proof_bound_bits(FAC_LE, sc->sqrt_n0);
    unsigned x_bits = wf_proof_bound_bits(FAC_LE, rp->n);
    unsigned r_bits = wf_proof_bound_bits(FAC_LE, sc->n0_nhat);
    wf_err err = wf_rped_commit(proof->P, rp, p, pq_bits, k->mu, mu_bits);
    if (err == WF_OK)
        err = wf_rped_commit(proof->Q, rp, q, pq_bits, k->nu, mu_bits);
    if (err == WF_OK)
        err = wf_rped_commit(proof->A, rp, k->alpha, alpha_bits, k->x, x_bits);
    if (err == WF_OK)
        err = wf_rped_commit(proof->B, rp, k->beta, alpha_bits, k->y, x_bits);
    mpz_t tr;
    mpz_init(tr);
    if (err == WF_OK)
        err = wf_powm_sec_signed(proof->T, proof->Q, k->alpha, alpha_bits, rp->n);
    if (err == WF_OK)
        err = wf_powm_sec_signed(tr, rp->t, k->r, r_bits, rp->n);
    if (err == WF_OK) {
        mpz_mul(proof->T, proof->T, tr);
        mpz_mod(proof->T, proof->T, rp->n);
    }
    wf_mpz_wipe(tr);
    mpz_clear(tr);
    return err;
}

static wf_err fac_prove_check(const wf_proof_fac *proof, const wf_proof_ctx *ctx,
                              const wf_proof_fac_stmt *stmt, const wf_proof_fac_wit *wit)
{
    if (proof == NULL || !proof->ready || ctx == NULL || stmt == NULL || stmt->n0 == NULL ||
        stmt->rped == NULL || wit == NULL || wit->p == NULL || wit->q == NULL)
        return WF_ERR_ARG;
    mpz_srcptr p = wit->p, q = wit->q;
    if (fac_check_stmt(stmt) != WF_OK || mpz_cmp_ui(p, 1) <= 0 || mpz_cmp_ui(q, 1) <= 0)
        return WF_ERR_ARG;
    mpz_t n;
    mpz_init(n);
    mpz_mul(n, p, q);
    int ok = mpz_cmp(n, stmt->n0) == 0;
    mpz_clear(n); /* = N0, public */
    return ok ? WF_OK : WF_ERR_ARG;
}

wf_err wf_proof_fac_prove(wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *stmt,
                          const wf_proof_fac_wit *wit)
{
    wf_err err = fac_prove_check(proof, ctx, stmt, wit);
    if (err != WF_OK)
        return err;
    mpz_srcptr p = wit->p, q = wit->q;
    fac_scales sc;
    fac_scales_init(&sc, stmt);
    fac_nonces k;
    fac_nonces_init(&k);
    mpz_t e, sigma_hat;
    mpz_inits(e, sigma_hat, NULL);

    fac_sample(&k, proof->sigma, &sc, stmt->rped->n);
    err = fac_commit(proof, &k, &sc, stmt, p, q);
    if (err == WF_OK)
        err = fac_challenge(e, proof, ctx, stmt);
    if (err == WF_OK) {
        /* σ̂ = σ - ν·p, so that R = s^N0 t^σ = Q^p t^σ̂. */
        mpz_mul(sigma_hat, k.nu, p);
        mpz_sub(sigma_hat, proof->sigma, sigma_hat);
        wf_proof_lin(proof->z1, k.alpha, e, p);
        wf_proof_lin(proof->z2, k.beta, e, q);
        wf_proof_lin(proof->w1, k.x, e, k.mu);
        wf_proof_lin(proof->w2, k.y, e, k.nu);
        wf_proof_lin(proof->v, k.r, e, sigma_hat);
    }

    wf_mpz_wipe(sigma_hat);
    mpz_clears(e, sigma_hat, NULL);
    fac_nonces_clear(&k);
    fac_scales_clear(&sc);
    return err;
}

/* ---- verifier ---- */

/* Every received value, before any use: units mod N̂, then ranges. */
static wf_err fac_check_values(const wf_proof_fac *proof, const fac_scales *sc, const mpz_t nhat)
{
    const wf_proof_unit units[] = {
        {proof->P, nhat}, {proof->Q, nhat}, {proof->A, nhat}, {proof->B, nhat}, {proof->T, nhat}};
    wf_err err = wf_proof_check_units(units, WF_PROOF_COUNT(units));
    if (err != WF_OK)
        return err;
    /* Bounds an honest prover always meets (see fac.h); the z bound is the paper's. */
    if (!wf_proof_in_range_scaled(proof->sigma, WF_PROOF_ELL, sc->n0_nhat) ||
        !wf_proof_in_range_scaled(proof->w1, FAC_LE + 1, nhat) ||
        !wf_proof_in_range_scaled(proof->w2, FAC_LE + 1, nhat) ||
        !wf_proof_in_range_scaled(proof->v, FAC_LE + 1, sc->n0_nhat) ||
        !wf_proof_in_range_scaled(proof->z1, FAC_LE, sc->sqrt_n0) ||
        !wf_proof_in_range_scaled(proof->z2, FAC_LE, sc->sqrt_n0))
        return WF_ERR_RANGE;
    return WF_OK;
}

wf_err wf_proof_fac_verify(const wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *stmt)
{
    if (proof == NULL || !proof->ready || ctx == NULL || stmt == NULL || stmt->n0 == NULL ||
        stmt->rped == NULL)
        return WF_ERR_ARG;
    wf_err err = fac_check_stmt(stmt);
    if (err != WF_OK)
        return err;
    const wf_rped *rp = stmt->rped;
    fac_scales sc;
    fac_scales_init(&sc, stmt);
    mpz_t e, R;
    mpz_inits(e, R, NULL);

    err = fac_check_values(proof, &sc, rp->n);
    if (err == WF_OK)
        err = fac_challenge(e, proof, ctx, stmt);
    /* s^z1 t^w1 = A·P^e */
    if (err == WF_OK)
        err = wf_proof_check_rped_eq(rp, proof->z1, proof->w1, proof->A, proof->P, e);
    /* s^z2 t^w2 = B·Q^e */
    if (err == WF_OK)
        err = wf_proof_check_rped_eq(rp, proof->z2, proof->w2, proof->B, proof->Q, e);
    /* R = s^N0 t^σ;  Q^z1 t^v = T·R^e */
    if (err == WF_OK)
        err = wf_proof_rped_public(R, rp, stmt->n0, proof->sigma);
    if (err == WF_OK)
        err = wf_proof_check_eq2(proof->Q, proof->z1, rp->t, proof->v, proof->T, R, e, rp->n);

    mpz_clears(e, R, NULL);
    fac_scales_clear(&sc);
    return err;
}

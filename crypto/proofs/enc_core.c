#include "crypto/proofs/enc_core.h"

#include "crypto/modexp.h"
#include "crypto/proofs/common.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

void wf_proof_enc_core_secret_init(wf_proof_enc_core_secret *sec)
{
    mpz_inits(sec->alpha, sec->mu, sec->r, sec->gamma, NULL);
}

void wf_proof_enc_core_secret_clear(wf_proof_enc_core_secret *sec)
{
    wf_mpz_wipe(sec->alpha);
    wf_mpz_wipe(sec->mu);
    wf_mpz_wipe(sec->r);
    wf_mpz_wipe(sec->gamma);
    mpz_clears(sec->alpha, sec->mu, sec->r, sec->gamma, NULL);
}

wf_err wf_proof_enc_core_commit(mpz_t S, mpz_t A, mpz_t C, wf_proof_enc_core_secret *sec,
                                const wf_paillier_pk *pk0, const wf_rped *rped, const mpz_t k,
                                unsigned k_bits)
{
    if (S == NULL || A == NULL || C == NULL || sec == NULL || pk0 == NULL || rped == NULL || k == NULL)
        return WF_ERR_ARG;
    const unsigned alpha_bits = k_bits + WF_PROOF_EPS;
    /* α must be a plaintext of N0: |α| <= 2^{|N0|-3} < N0/2 */
    if (!wf_proof_in_range(k, k_bits) || alpha_bits + 3 > pk0->bits)
        return WF_ERR_RANGE;
    const unsigned mu_bits = wf_proof_bound_bits(WF_PROOF_ELL, rped->n);
    const unsigned gamma_bits = wf_proof_bound_bits(WF_PROOF_ELL + WF_PROOF_EPS, rped->n);

    wf_mpz_random_pm(sec->alpha, alpha_bits);
    wf_proof_random_pm_scaled(sec->mu, WF_PROOF_ELL, rped->n);
    wf_proof_random_pm_scaled(sec->gamma, WF_PROOF_ELL + WF_PROOF_EPS, rped->n);
    wf_err err = wf_mpz_random_unit(sec->r, pk0->n);
    if (err == WF_OK)
        err = wf_rped_commit(S, rped, k, k_bits, sec->mu, mu_bits);
    if (err == WF_OK)
        err = wf_paillier_encrypt_with(A, pk0, sec->alpha, sec->r);
    if (err == WF_OK)
        err = wf_rped_commit(C, rped, sec->alpha, alpha_bits, sec->gamma, gamma_bits);
    return err;
}

wf_err wf_proof_enc_core_respond(mpz_t z1, mpz_t z2, mpz_t z3, const wf_proof_enc_core_secret *sec,
                                 const wf_paillier_pk *pk0, const mpz_t k, const mpz_t rho, const mpz_t e)
{
    if (z1 == NULL || z2 == NULL || z3 == NULL || sec == NULL || pk0 == NULL || k == NULL || rho == NULL ||
        e == NULL)
        return WF_ERR_ARG;
    if (mpz_sgn(rho) <= 0 || mpz_cmp(rho, pk0->n) >= 0 || !wf_proof_in_range(e, WF_PROOF_ELL))
        return WF_ERR_RANGE;
    mpz_t t;
    mpz_init(t);
    /* z2 = r·ρ^e mod N0; ρ is secret, so the exponentiation is the silent one */
    wf_err err = wf_powm_sec_signed(t, rho, e, WF_PROOF_ELL, pk0->n);
    if (err == WF_OK) {
        mpz_mul(t, t, sec->r);
        mpz_mod(z2, t, pk0->n);
        /* z1 = α + e·k, z3 = γ + e·μ over the integers */
        mpz_mul(t, e, k);
        mpz_add(z1, sec->alpha, t);
        mpz_mul(t, e, sec->mu);
        mpz_add(z3, sec->gamma, t);
    }
    wf_mpz_wipe(t);
    mpz_clear(t);
    return err;
}

wf_err wf_proof_enc_core_begin(wf_proof_enc_core_prover *pr, mpz_t S, mpz_t A, mpz_t C,
                               const wf_paillier_pk *pk0, const wf_rped *rped, const mpz_t k, unsigned k_bits)
{
    mpz_init(pr->e);
    wf_proof_enc_core_secret_init(&pr->sec);
    return wf_proof_enc_core_commit(S, A, C, &pr->sec, pk0, rped, k, k_bits);
}

wf_err wf_proof_enc_core_end(wf_proof_enc_core_prover *pr, wf_err err, mpz_t z1, mpz_t z2, mpz_t z3,
                             const wf_paillier_pk *pk0, const mpz_t k, const mpz_t rho)
{
    if (err == WF_OK)
        err = wf_proof_enc_core_respond(z1, z2, z3, &pr->sec, pk0, k, rho, pr->e);
    wf_proof_enc_core_secret_clear(&pr->sec);
    mpz_clear(pr->e);
    return err;
}

wf_err wf_proof_enc_core_check(const wf_proof_enc_core_pub *v, unsigned z1_bits)
{
    if (v == NULL || v->pk0 == NULL || v->rped == NULL || v->K == NULL || v->S == NULL || v->A == NULL ||
        v->C == NULL || v->z1 == NULL || v->z2 == NULL || v->z3 == NULL)
        return WF_ERR_ARG;
    wf_err err;
    if ((err = wf_proof_check_setting(v->pk0->n, v->rped)) != WF_OK ||
        (err = wf_proof_check_unit(v->K, v->pk0->n2)) != WF_OK ||
        (err = wf_proof_check_unit(v->A, v->pk0->n2)) != WF_OK ||
        (err = wf_proof_check_unit(v->S, v->rped->n)) != WF_OK ||
        (err = wf_proof_check_unit(v->C, v->rped->n)) != WF_OK ||
        (err = wf_proof_check_unit(v->z2, v->pk0->n)) != WF_OK)
        return err;
    if (!wf_proof_in_range(v->z1, z1_bits) ||
        !wf_proof_in_range_scaled(v->z3, WF_PROOF_ELL + WF_PROOF_EPS + 1, v->rped->n))
        return WF_ERR_RANGE;
    return WF_OK;
}

wf_err wf_proof_enc_core_equations(const wf_proof_enc_core_pub *v, const mpz_t e)
{
    if (v == NULL || e == NULL)
        return WF_ERR_ARG;
    /* (1+N0)^{z1}·z2^{N0} = A·K^e mod N0² */
    int ok = wf_proof_check_paillier_eq(v->pk0, NULL, NULL, v->z1, v->z2, v->A, v->K, e) == WF_OK;
    /* s^{z1}·t^{z3} = C·S^e mod N̂ */
    ok = ok && wf_proof_check_rped_eq(v->rped, v->z1, v->z3, v->C, v->S, e) == WF_OK;
    /* any failure, a non-invertible base included, is a failed equation */
    return ok ? WF_OK : WF_ERR_VERIFY;
}

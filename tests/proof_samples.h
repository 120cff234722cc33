/* One honest statement, witness and proof of every CGGMP21 proof kind, for
 * tests and benchmarks that treat proofs generically (codec, sizes, timing).
 *
 * The keys come from the caller: tests pass test-only fixture keys, the
 * benchmark passes freshly generated ones. Header-only: include it from one
 * program. */
#ifndef WF_TESTS_PROOF_SAMPLES_H
#define WF_TESTS_PROOF_SAMPLES_H

#include <stdlib.h>
#include <string.h>

#include "crypto/proofs/aff_g.h"
#include "crypto/proofs/dec.h"
#include "crypto/proofs/enc.h"
#include "crypto/proofs/fac.h"
#include "crypto/proofs/log_star.h"
#include "crypto/proofs/mod.h"
#include "crypto/proofs/mul.h"
#include "crypto/proofs/mul_star.h"
#include "crypto/proofs/prm.h"
#include "crypto/proofs/sch.h"
#include "crypto/random.h"
#include "protocol/proof_codec.h"

typedef union wf_any_proof {
    wf_proof_sch sch;
    wf_proof_enc enc;
    wf_proof_log_star log_star;
    wf_proof_aff_g aff_g;
    wf_proof_mod mod;
    wf_proof_prm prm;
    wf_proof_fac fac;
    wf_proof_dec dec;
    wf_proof_mul mul;
    wf_proof_mul_star mul_star;
} wf_any_proof;

typedef struct wf_proof_samples {
    wf_proof_ctx ctx;
    const wf_paillier_sk *sk0;  /* the prover's key N0 */
    const wf_paillier_sk *sk1;  /* another party's key N1 (Πaff-g's Y) */
    const wf_paillier_pk *pk0;  /* N0 as the statements name it: sk0's own pk by default */
    const wf_paillier_pk *pk1;  /* N1 likewise (a benchmark swaps in owner-less copies) */
    const wf_rped *rp_verifier; /* the verifier's (N̂, s, t) */
    const wf_rped *rp_prover;   /* the prover's own parameters (Πprm) */
    const wf_rped_secret *rp_prover_secret;
    wf_scalar x_scalar;
    wf_point X, G;
    mpz_t x;     /* x ∈ [0, q): the group-committed witness */
    mpz_t y;     /* y ∈ ±2^ℓ' (Πaff-g) */
    mpz_t m;     /* Πmul's multiplier, the plaintext of Xm */
    mpz_t rho;   /* randomness under N0 */
    mpz_t rho_m; /* randomness of Xm */
    mpz_t rho_y; /* randomness of Y1 under N1 */
    mpz_t K;     /* Enc0(x; ρ) */
    mpz_t C0;    /* an arbitrary ciphertext under N0 */
    mpz_t D_aff; /* C0^x · Enc0(y; ρ) */
    mpz_t Y1;    /* Enc1(y; ρ_y) */
    mpz_t Xm;    /* Enc0(m; ρ_m) */
    mpz_t C_mul; /* C0^m · ρ^{N0} */
    mpz_t D_mul; /* C0^x · ρ^{N0} */
} wf_proof_samples;

static const uint32_t WF_SAMPLE_SIGNERS[] = {1, 2, 3};

/* out = base^k · Enc(add; ρ) under pk. */
static inline int wf_sample_affine(mpz_t out, const wf_paillier_pk *pk, const mpz_t base, const mpz_t k,
                                   const mpz_t add, const mpz_t rho)
{
    mpz_t tmp;
    mpz_init(tmp);
    int ok = wf_paillier_mul_scalar(tmp, pk, base, k) == WF_OK &&
             wf_paillier_encrypt_with(out, pk, add, rho) == WF_OK &&
             wf_paillier_add(out, pk, out, tmp) == WF_OK;
    mpz_clear(tmp);
    return ok;
}

/* Builds every statement; returns 0 on failure. */
static inline int wf_proof_samples_init(wf_proof_samples *s, const wf_paillier_sk *sk0,
                                        const wf_paillier_sk *sk1, const wf_rped *rp_verifier,
                                        const wf_rped *rp_prover, const wf_rped_secret *rp_prover_secret)
{
    memset(s, 0, sizeof *s);
    s->ctx = (wf_proof_ctx){.protocol = "warifu/samples/v1",
                            .cluster_id = {7},
                            .key_id = {8},
                            .session_id = {9},
                            .signers = WF_SAMPLE_SIGNERS,
                            .n_signers = 3,
                            .prover = 1,
                            .verifier = 2};
    s->sk0 = sk0;
    s->sk1 = sk1;
    s->pk0 = wf_paillier_sk_public(sk0);
    s->pk1 = wf_paillier_sk_public(sk1);
    s->rp_verifier = rp_verifier;
    s->rp_prover = rp_prover;
    s->rp_prover_secret = rp_prover_secret;
    mpz_inits(s->x, s->y, s->m, s->rho, s->rho_m, s->rho_y, s->K, s->C0, s->D_aff, s->Y1, s->Xm, s->C_mul,
              s->D_mul, NULL);
    const wf_paillier_pk *pk0 = wf_paillier_sk_public(sk0), *pk1 = wf_paillier_sk_public(sk1);
    mpz_t zero;
    mpz_init(zero);
    wf_scalar_random(&s->x_scalar);
    wf_scalar_to_mpz(s->x, &s->x_scalar);
    wf_point_generator(&s->G);
    wf_mpz_random_pm(s->y, WF_PROOF_ELL_PRIME);
    wf_mpz_random_bits(s->m, 256);
    int ok = wf_point_base_mul(&s->X, &s->x_scalar) == WF_OK &&
             wf_paillier_encrypt(s->K, pk0, s->x, s->rho) == WF_OK &&
             wf_paillier_encrypt(s->C0, pk0, s->m, NULL) == WF_OK &&
             wf_paillier_encrypt(s->Y1, pk1, s->y, s->rho_y) == WF_OK &&
             wf_paillier_encrypt(s->Xm, pk0, s->m, s->rho_m) == WF_OK &&
             wf_sample_affine(s->D_aff, pk0, s->C0, s->x, s->y, s->rho) &&
             wf_sample_affine(s->C_mul, pk0, s->C0, s->m, zero, s->rho) &&
             wf_sample_affine(s->D_mul, pk0, s->C0, s->x, zero, s->rho);
    mpz_clear(zero);
    return ok;
}

/* The keys behind a set of samples, owned: the prover's N0 (sk[0]), another
 * party's N1 (sk[1]), the verifier's (sk[2]), and ring-Pedersen parameters
 * over the verifier's and over the prover's modulus. */
typedef struct wf_sample_keys {
    wf_paillier_sk *sk[3];
    wf_rped *rp_v, *rp_p;
    wf_rped_secret *sec_v, *sec_p;
} wf_sample_keys;

/* Takes the three keys (freed by wf_sample_keys_free, even on failure),
 * generates the parameters and builds s. Returns 0 on failure. */
static inline int wf_sample_keys_init(wf_sample_keys *k, wf_proof_samples *s, wf_paillier_sk *sk0,
                                      wf_paillier_sk *sk1, wf_paillier_sk *skv)
{
    *k = (wf_sample_keys){.sk = {sk0, sk1, skv}};
    return sk0 != NULL && sk1 != NULL && skv != NULL && wf_rped_generate(&k->rp_v, &k->sec_v, skv) == WF_OK &&
           wf_rped_generate(&k->rp_p, &k->sec_p, sk0) == WF_OK &&
           wf_proof_samples_init(s, sk0, sk1, k->rp_v, k->rp_p, k->sec_p);
}

/* The parameters first: they name their secret keys (wf_rped.owner). */
static inline void wf_sample_keys_free(wf_sample_keys *k)
{
    wf_rped_free(k->rp_v);
    wf_rped_free(k->rp_p);
    wf_rped_secret_free(k->sec_v);
    wf_rped_secret_free(k->sec_p);
    for (int i = 0; i < 3; i++)
        wf_paillier_sk_free(k->sk[i]);
}

static inline void wf_proof_samples_clear(wf_proof_samples *s)
{
    mpz_clears(s->x, s->y, s->m, s->rho, s->rho_m, s->rho_y, s->K, s->C0, s->D_aff, s->Y1, s->Xm, s->C_mul,
               s->D_mul, NULL);
}

static inline void wf_any_proof_init(wf_proof_kind kind, wf_any_proof *p)
{
    memset(p, 0, sizeof *p);
    switch (kind) {
    case WF_PROOF_SCH: break;
    case WF_PROOF_ENC: wf_proof_enc_init(&p->enc); break;
    case WF_PROOF_LOG_STAR: wf_proof_log_star_init(&p->log_star); break;
    case WF_PROOF_AFF_G: wf_proof_aff_g_init(&p->aff_g); break;
    case WF_PROOF_MOD: wf_proof_mod_init(&p->mod); break;
    case WF_PROOF_PRM: wf_proof_prm_init(&p->prm); break;
    case WF_PROOF_FAC: wf_proof_fac_init(&p->fac); break;
    case WF_PROOF_DEC: wf_proof_dec_init(&p->dec); break;
    case WF_PROOF_MUL: wf_proof_mul_init(&p->mul); break;
    case WF_PROOF_MUL_STAR: wf_proof_mul_star_init(&p->mul_star); break;
    default: break;
    }
}

static inline void wf_any_proof_clear(wf_proof_kind kind, wf_any_proof *p)
{
    switch (kind) {
    case WF_PROOF_SCH: break;
    case WF_PROOF_ENC: wf_proof_enc_clear(&p->enc); break;
    case WF_PROOF_LOG_STAR: wf_proof_log_star_clear(&p->log_star); break;
    case WF_PROOF_AFF_G: wf_proof_aff_g_clear(&p->aff_g); break;
    case WF_PROOF_MOD: wf_proof_mod_clear(&p->mod); break;
    case WF_PROOF_PRM: wf_proof_prm_clear(&p->prm); break;
    case WF_PROOF_FAC: wf_proof_fac_clear(&p->fac); break;
    case WF_PROOF_DEC: wf_proof_dec_clear(&p->dec); break;
    case WF_PROOF_MUL: wf_proof_mul_clear(&p->mul); break;
    case WF_PROOF_MUL_STAR: wf_proof_mul_star_clear(&p->mul_star); break;
    default: break;
    }
}

/* The statement of each kind over the samples' values. */
#define WF_SAMPLE_PK0 s->pk0
#define WF_SAMPLE_ENC_STMT                                                                                   \
    {                                                                                                        \
        WF_SAMPLE_PK0, s->K, s->rp_verifier                                                                  \
    }
#define WF_SAMPLE_LOG_STMT                                                                                   \
    {                                                                                                        \
        WF_SAMPLE_PK0, s->K, &s->X, &s->G, s->rp_verifier                                                    \
    }
#define WF_SAMPLE_AFF_STMT                                                                                   \
    {                                                                                                        \
        WF_SAMPLE_PK0, s->pk1, s->C0, s->D_aff, s->Y1, &s->X, s->rp_verifier                                 \
    }
#define WF_SAMPLE_MOD_STMT                                                                                   \
    {                                                                                                        \
        WF_SAMPLE_PK0->n, WF_SAMPLE_PK0->bits                                                                \
    }
#define WF_SAMPLE_PRM_STMT                                                                                   \
    {                                                                                                        \
        s->rp_prover, s->rp_prover->bits                                                                     \
    }
#define WF_SAMPLE_FAC_STMT                                                                                   \
    {                                                                                                        \
        WF_SAMPLE_PK0->n, WF_SAMPLE_PK0->bits, s->rp_verifier                                                \
    }
#define WF_SAMPLE_DEC_STMT                                                                                   \
    {                                                                                                        \
        WF_SAMPLE_PK0, s->K, &s->x_scalar, WF_PROOF_ELL, s->rp_verifier                                      \
    }
#define WF_SAMPLE_MUL_STMT                                                                                   \
    {                                                                                                        \
        WF_SAMPLE_PK0, s->Xm, s->C0, s->C_mul                                                                \
    }
#define WF_SAMPLE_MUL_STAR_STMT                                                                              \
    {                                                                                                        \
        WF_SAMPLE_PK0, s->C0, s->D_mul, &s->X, s->rp_verifier                                                \
    }

/* Proves the sample statement of kind into p (initialised). */
static inline wf_err wf_sample_prove(const wf_proof_samples *s, wf_proof_kind kind, wf_any_proof *p)
{
    const wf_proof_ctx *ctx = &s->ctx;
    switch (kind) {
    case WF_PROOF_SCH: return wf_proof_sch_prove_oneshot(&p->sch, &s->x_scalar, ctx, &s->X);
    case WF_PROOF_ENC: {
        wf_proof_enc_stmt st = WF_SAMPLE_ENC_STMT;
        return wf_proof_enc_prove(&p->enc, ctx, &st, &(wf_proof_enc_wit){s->x, s->rho});
    }
    case WF_PROOF_LOG_STAR: {
        wf_proof_log_star_stmt st = WF_SAMPLE_LOG_STMT;
        return wf_proof_log_star_prove(&p->log_star, ctx, &st, &(wf_proof_log_star_wit){s->x, s->rho});
    }
    case WF_PROOF_AFF_G: {
        wf_proof_aff_g_stmt st = WF_SAMPLE_AFF_STMT;
        wf_proof_aff_g_wit w = {s->x, s->y, s->rho, s->rho_y, NULL};
        return wf_proof_aff_g_prove(&p->aff_g, ctx, &st, &w);
    }
    case WF_PROOF_MOD: {
        wf_proof_mod_stmt st = WF_SAMPLE_MOD_STMT;
        return wf_proof_mod_prove(&p->mod, ctx, &st, s->sk0);
    }
    case WF_PROOF_PRM: {
        wf_proof_prm_stmt st = WF_SAMPLE_PRM_STMT;
        return wf_proof_prm_prove(&p->prm, ctx, &st, s->rp_prover_secret);
    }
    case WF_PROOF_FAC: {
        wf_proof_fac_stmt st = WF_SAMPLE_FAC_STMT;
        return wf_proof_fac_prove(&p->fac, ctx, &st, &(wf_proof_fac_wit){s->sk0->p.v, s->sk0->q.v});
    }
    case WF_PROOF_DEC: {
        wf_proof_dec_stmt st = WF_SAMPLE_DEC_STMT;
        return wf_proof_dec_prove(&p->dec, ctx, &st, &(wf_proof_dec_wit){s->x, s->rho});
    }
    case WF_PROOF_MUL: {
        wf_proof_mul_stmt st = WF_SAMPLE_MUL_STMT;
        return wf_proof_mul_prove(&p->mul, ctx, &st, &(wf_proof_mul_wit){s->m, s->rho, s->rho_m});
    }
    case WF_PROOF_MUL_STAR: {
        wf_proof_mul_star_stmt st = WF_SAMPLE_MUL_STAR_STMT;
        return wf_proof_mul_star_prove(&p->mul_star, ctx, &st, &(wf_proof_mul_star_wit){s->x, s->rho});
    }
    default: return WF_ERR_ARG;
    }
}

/* Verifies p against the sample statement of kind. */
static inline wf_err wf_sample_verify(const wf_proof_samples *s, wf_proof_kind kind, const wf_any_proof *p)
{
    const wf_proof_ctx *ctx = &s->ctx;
    switch (kind) {
    case WF_PROOF_SCH: return wf_proof_sch_verify(ctx, &s->X, &p->sch.A, &p->sch.z);
    case WF_PROOF_ENC: {
        wf_proof_enc_stmt st = WF_SAMPLE_ENC_STMT;
        return wf_proof_enc_verify(&p->enc, ctx, &st);
    }
    case WF_PROOF_LOG_STAR: {
        wf_proof_log_star_stmt st = WF_SAMPLE_LOG_STMT;
        return wf_proof_log_star_verify(&p->log_star, ctx, &st);
    }
    case WF_PROOF_AFF_G: {
        wf_proof_aff_g_stmt st = WF_SAMPLE_AFF_STMT;
        return wf_proof_aff_g_verify(&p->aff_g, ctx, &st);
    }
    case WF_PROOF_MOD: {
        wf_proof_mod_stmt st = WF_SAMPLE_MOD_STMT;
        return wf_proof_mod_verify(&p->mod, ctx, &st);
    }
    case WF_PROOF_PRM: {
        wf_proof_prm_stmt st = WF_SAMPLE_PRM_STMT;
        return wf_proof_prm_verify(&p->prm, ctx, &st);
    }
    case WF_PROOF_FAC: {
        wf_proof_fac_stmt st = WF_SAMPLE_FAC_STMT;
        return wf_proof_fac_verify(&p->fac, ctx, &st);
    }
    case WF_PROOF_DEC: {
        wf_proof_dec_stmt st = WF_SAMPLE_DEC_STMT;
        return wf_proof_dec_verify(&p->dec, ctx, &st);
    }
    case WF_PROOF_MUL: {
        wf_proof_mul_stmt st = WF_SAMPLE_MUL_STMT;
        return wf_proof_mul_verify(&p->mul, ctx, &st);
    }
    case WF_PROOF_MUL_STAR: {
        wf_proof_mul_star_stmt st = WF_SAMPLE_MUL_STAR_STMT;
        return wf_proof_mul_star_verify(&p->mul_star, ctx, &st);
    }
    default: return WF_ERR_ARG;
    }
}

#endif

/* Πaff-g: Paillier affine operation with group commitment, in range
 * (CGGMP21, eprint 2021/060, Fig. 15).
 *
 * Statement: Paillier keys N0, N1; C, D ∈ Z*_{N0²}; Y ∈ Z*_{N1²}; X ∈ G; the
 * verifier's ring-Pedersen parameters (N̂, s, t). The prover knows
 * x ∈ ±2^ℓ, y ∈ ±2^ℓ', ρ ∈ Z*_{N0}, ρ_y ∈ Z*_{N1} with
 *
 *     D = C^x · (1+N0)^y · ρ^{N0}  mod N0²     (D = (x ⊙ C) ⊕ Enc_{N0}(y; ρ))
 *     Y = (1+N1)^y · ρ_y^{N1}     mod N1²     (Y = Enc_{N1}(y; ρ_y))
 *     X = x·G
 *
 * and the proof shows x ∈ ±2^{ℓ+ε} and y ∈ ±2^{ℓ'+ε}.
 *
 * Sign convention. This is Fig. 15 exactly as printed: the SAME y is added
 * into D and encrypted in Y. Presigning (Fig. 7, round 2) forms
 *     D_{j,i} = (γ_i ⊙ K_j) ⊕ enc_j(−β_{i,j}; s_{i,j}),
 * i.e. D adds −β. To prove it, the prover P_i passes
 *     C = K_j, D = D_{j,i}, x = γ_i, y = −β_{i,j}, ρ = s_{i,j},
 * and Y must encrypt −β_{i,j} too. Recommended: send F_{j,i} = enc_i(−β_{i,j};
 * r_{i,j}) and use Y = F_{j,i}, ρ_y = r_{i,j}. (Fig. 7 prints F_{j,i} =
 * enc_i(+β_{i,j}; r_{i,j}); if the protocol keeps that, both sides must use
 * Y = F_{j,i}^{-1} mod N1² and the prover ρ_y = r_{i,j}^{-1} mod N1, since
 * enc(β; r)^{-1} = enc(−β; r^{-1}).) Either way P_j decrypts
 * α_{j,i} = dec_j(D_{j,i}) = γ_i·k_j − β_{i,j}, and P_i adds +β_{i,j} to its δ_i
 * (or χ_i). With the recommended F, an identification step that needs
 * enc_i(+β_{i,j}) uses F_{j,i}^{-1}.
 *
 * The same holds for the second MtA (x_i ⊙ K_j ⊕ enc_j(−β̂_{i,j}), with x = x_i).
 *
 * Fiat–Shamir: the transcript (common.h) absorbs the context, then N̂, s, t,
 * N0, N1, C, D, Y, X, then A, B_x, B_y, E, S, F, T; e ∈ ±q.
 *
 * Verifier bounds beyond the paper: |z3|, |z4| <= 2^{ℓ+ε+1}·N̂, which every
 * honest proof meets (|γ| <= 2^{ℓ+ε}N̂, |e·m| < 2^{2ℓ}N̂); they only cap the work
 * a hostile proof can cause. */
#ifndef WF_PROOFS_AFF_G_H
#define WF_PROOFS_AFF_G_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/point.h"
#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"

/* Public statement. Pointers to caller-owned values, read only. */
typedef struct wf_proof_aff_g_stmt {
    const wf_paillier_pk *pk0; /* N0: C and D are ciphertexts under it (the verifier's key in presign) */
    const wf_paillier_pk *pk1; /* N1: Y is a ciphertext under it (the prover's key in presign) */
    mpz_srcptr C;              /* C ∈ Z*_{N0²} */
    mpz_srcptr D;              /* D ∈ Z*_{N0²} */
    mpz_srcptr Y;              /* Y ∈ Z*_{N1²} */
    const wf_point *X;         /* X = x·G, not infinity */
    const wf_rped *rped;       /* the verifier's (N̂, s, t) */
} wf_proof_aff_g_stmt;

/* Prover's witness. Pointers to caller-owned secrets; the prover copies none
 * of them outside wiped temporaries. */
typedef struct wf_proof_aff_g_wit {
    mpz_srcptr x;              /* x ∈ ±2^ℓ */
    mpz_srcptr y;              /* y ∈ ±2^ℓ' */
    mpz_srcptr rho;            /* ρ ∈ Z*_{N0} */
    mpz_srcptr rho_y;          /* ρ_y ∈ Z*_{N1} */
    const wf_paillier_sk *sk1; /* optional: N1's secret key, to compute B_y by CRT; else NULL */
} wf_proof_aff_g_wit;

typedef struct wf_proof_aff_g {
    /* first message */
    mpz_t A;     /* C^α·(1+N0)^β·r^{N0} mod N0² */
    wf_point Bx; /* α·G */
    mpz_t By;    /* (1+N1)^β·r_y^{N1} mod N1² */
    mpz_t E;     /* s^α·t^γ mod N̂ */
    mpz_t F;     /* s^β·t^δ mod N̂ */
    mpz_t S;     /* s^x·t^m mod N̂ */
    mpz_t T;     /* s^y·t^μ mod N̂ */
    /* response */
    mpz_t z1;  /* α + e·x */
    mpz_t z2;  /* β + e·y */
    mpz_t z3;  /* γ + e·m */
    mpz_t z4;  /* δ + e·μ */
    mpz_t w;   /* r·ρ^e mod N0 */
    mpz_t w_y; /* r_y·ρ_y^e mod N1 */
    int ready; /* set by _init */
} wf_proof_aff_g;

void wf_proof_aff_g_init(wf_proof_aff_g *proof);
/* Frees the integers; accepts NULL, a zeroed struct, or one already cleared. */
void wf_proof_aff_g_clear(wf_proof_aff_g *proof);

/* Fills an initialised proof. WF_ERR_RANGE if x ∉ ±2^ℓ, y ∉ ±2^ℓ', or ρ, ρ_y are
 * not in [1, N); WF_ERR_NOT_UNIT if C is not a unit mod N0²; WF_ERR_ARG for
 * NULLs or an sk1 that does not match pk1. The proof is unspecified on error. */
wf_err wf_proof_aff_g_prove(wf_proof_aff_g *proof, const wf_proof_ctx *ctx, const wf_proof_aff_g_stmt *st,
                            const wf_proof_aff_g_wit *wit);

/* WF_OK iff the proof checks. Every received value is checked before use:
 * WF_ERR_INFINITY / WF_ERR_NOT_ON_CURVE for a bad X or B_x; WF_ERR_RANGE for a
 * ring element outside (0, modulus) or z1 ∉ ±2^{ℓ+ε}, z2 ∉ ±2^{ℓ'+ε}, or z3, z4
 * beyond 2^{ℓ+ε+1}·N̂; WF_ERR_NOT_UNIT for a non-unit; WF_ERR_VERIFY when an
 * equation fails (including any mismatch of context or statement). */
wf_err wf_proof_aff_g_verify(const wf_proof_aff_g *proof, const wf_proof_ctx *ctx,
                             const wf_proof_aff_g_stmt *st);

/* The challenge e ∈ ±q that ctx, the statement and the proof's first message
 * determine (what prove and verify use; exposed for tests and tooling). */
wf_err wf_proof_aff_g_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_aff_g_stmt *st,
                                const wf_proof_aff_g *proof);

#endif

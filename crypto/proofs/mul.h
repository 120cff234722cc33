/* Πmul: Paillier multiplication (CGGMP21, eprint 2021/060, Appendix, Fig. 29),
 * used on the identification path.
 *
 * Statement: a Paillier key N and X, Y, C ∈ Z*_{N²}. The prover knows x, ρ, ρ_x
 * with
 *
 *     X = (1+N)^x · ρ_x^N  mod N²     (X = Enc_N(x; ρ_x))
 *     C = Y^x · ρ^N        mod N²     (C = (x ⊙ Y) ⊕ Enc_N(0; ρ))
 *
 * i.e. C encrypts x times the plaintext of Y. (For presign's H_i = enc_i(k_i·γ_i)
 * with X = K_i = enc_i(k_i; ρ_i) and Y = G_i: form H_i = G_i^{k_i}·ρ^{N_i} with
 * fresh ρ, then x = k_i, ρ_x = ρ_i.)
 *
 * As in the figure: α ← Z_N, r, s ← Z*_N; A = Y^α·r^N, B = (1+N)^α·s^N mod N²;
 * e ← ±q; z = α + e·x over the integers, u = r·ρ^e, v = s·ρ_x^e mod N. The
 * verifier checks Y^z·u^N = A·C^e and (1+N)^z·v^N = B·X^e mod N² (the figure's
 * second check prints c^N where v^N is meant). z hides e·x statistically only
 * while |x| ≪ N, as in every use (|x| <= 2^ℓ).
 *
 * Fiat–Shamir: context, N, X, Y, C, then A, B; e ∈ ±q.
 *
 * Beyond the paper: the prover takes |x| < N only, and the verifier refuses
 * |z| > 2^{ℓ+1}·N (an honest z has |z| < N + q·N), which caps the work a hostile
 * proof can cause without rejecting any honest one. */
#ifndef WF_PROOFS_MUL_H
#define WF_PROOFS_MUL_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/proofs/common.h"

/* Public statement. Pointers to caller-owned values, read only. */
typedef struct wf_proof_mul_stmt {
    const wf_paillier_pk *pk; /* N */
    mpz_srcptr X;             /* Enc_N(x; ρ_x) ∈ Z*_{N²} */
    mpz_srcptr Y;             /* ∈ Z*_{N²} */
    mpz_srcptr C;             /* Y^x·ρ^N mod N² */
} wf_proof_mul_stmt;

/* Prover's witness. Pointers to caller-owned secrets. */
typedef struct wf_proof_mul_wit {
    mpz_srcptr x;     /* |x| < N */
    mpz_srcptr rho;   /* ρ ∈ Z*_N */
    mpz_srcptr rho_x; /* ρ_x ∈ Z*_N */
} wf_proof_mul_wit;

typedef struct wf_proof_mul {
    mpz_t A;   /* Y^α·r^N mod N² */
    mpz_t B;   /* (1+N)^α·s^N mod N² */
    mpz_t z;   /* α + e·x */
    mpz_t u;   /* r·ρ^e mod N */
    mpz_t v;   /* s·ρ_x^e mod N */
    int ready; /* set by _init */
} wf_proof_mul;

void wf_proof_mul_init(wf_proof_mul *proof);
/* Frees the integers; accepts NULL, a zeroed struct, or one already cleared. */
void wf_proof_mul_clear(wf_proof_mul *proof);

/* Fills an initialised proof. WF_ERR_RANGE if |x| >= N or ρ, ρ_x are not in
 * [1, N); WF_ERR_NOT_UNIT if Y is not a unit mod N²; WF_ERR_ARG for NULLs. The
 * proof is unspecified on error. */
wf_err wf_proof_mul_prove(wf_proof_mul *proof, const wf_proof_ctx *ctx, const wf_proof_mul_stmt *st,
                          const wf_proof_mul_wit *wit);

/* WF_OK iff the proof checks. WF_ERR_RANGE for a ring element outside
 * (0, modulus) or |z| > 2^{ℓ+1}·N; WF_ERR_NOT_UNIT for a non-unit; WF_ERR_VERIFY
 * when an equation fails (including any mismatch of context or statement). */
wf_err wf_proof_mul_verify(const wf_proof_mul *proof, const wf_proof_ctx *ctx, const wf_proof_mul_stmt *st);

/* The challenge e ∈ ±q fixed by ctx, the statement and the proof's A, B. */
wf_err wf_proof_mul_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_mul_stmt *st,
                              const wf_proof_mul *proof);

#endif

/* Πmul*: Paillier multiplication with group commitment (CGGMP21, eprint
 * 2021/060, Appendix, Fig. 31), used on the identification path.
 *
 * Statement: a Paillier key N0, C, D ∈ Z*_{N0²}, X ∈ G and the verifier's
 * ring-Pedersen parameters (N̂, s, t). The prover knows x ∈ ±2^ℓ and ρ ∈ Z*_{N0}
 * with
 *
 *     D = C^x · ρ^{N0}  mod N0²     (D = (x ⊙ C) ⊕ Enc_{N0}(0; ρ))
 *     X = x·G
 *
 * and the proof shows x ∈ ±2^{ℓ+ε}.
 *
 * Prover: α ← ±2^{ℓ+ε}, r ← Z*_{N0}, γ ← ±2^{ℓ+ε}·N̂, m ← ±2^ℓ·N̂;
 * A = C^α·r^{N0} mod N0², B_x = α·G, E = s^α·t^γ, S = s^x·t^m mod N̂; e ← ±q;
 * z1 = α + e·x, z2 = γ + e·m, w = r·ρ^e mod N0. Verifier: C^{z1}·w^{N0} = A·D^e
 * mod N0², z1·G = B_x + e·X, s^{z1}·t^{z2} = E·S^e mod N̂, z1 ∈ ±2^{ℓ+ε}.
 * The figure as printed has A = C^α·(1+N0)^β·r^{N0} with a β it never defines
 * (and an unused r_y): with that factor the first check cannot hold, so A is
 * C^α·r^{N0} here, as the check requires.
 *
 * Fiat–Shamir: context, N̂, s, t, N0, C, D, X, then A, B_x, E, S; e ∈ ±q.
 *
 * Beyond the paper: the verifier refuses |z2| > 2^{ℓ+ε+1}·N̂, which every honest
 * proof meets; it only caps the work a hostile proof can cause. */
#ifndef WF_PROOFS_MUL_STAR_H
#define WF_PROOFS_MUL_STAR_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/point.h"
#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"

/* Public statement. Pointers to caller-owned values, read only. */
typedef struct wf_proof_mul_star_stmt {
    const wf_paillier_pk *pk0; /* N0 */
    mpz_srcptr C;              /* ∈ Z*_{N0²} */
    mpz_srcptr D;              /* C^x·ρ^{N0} mod N0² */
    const wf_point *X;         /* x·G, not infinity */
    const wf_rped *rped;       /* the verifier's (N̂, s, t) */
} wf_proof_mul_star_stmt;

/* Prover's witness. Pointers to caller-owned secrets. */
typedef struct wf_proof_mul_star_wit {
    mpz_srcptr x;   /* x ∈ ±2^ℓ */
    mpz_srcptr rho; /* ρ ∈ Z*_{N0} */
} wf_proof_mul_star_wit;

typedef struct wf_proof_mul_star {
    mpz_t A;     /* C^α·r^{N0} mod N0² */
    wf_point Bx; /* α·G */
    mpz_t E;     /* s^α·t^γ mod N̂ */
    mpz_t S;     /* s^x·t^m mod N̂ */
    mpz_t z1;    /* α + e·x */
    mpz_t z2;    /* γ + e·m */
    mpz_t w;     /* r·ρ^e mod N0 */
    int ready;   /* set by _init */
} wf_proof_mul_star;

void wf_proof_mul_star_init(wf_proof_mul_star *proof);
/* Frees the integers; accepts NULL, a zeroed struct, or one already cleared. */
void wf_proof_mul_star_clear(wf_proof_mul_star *proof);

/* Fills an initialised proof. WF_ERR_RANGE if x ∉ ±2^ℓ or ρ ∉ [1, N0);
 * WF_ERR_NOT_UNIT if C is not a unit mod N0²; WF_ERR_ARG for NULLs. The proof
 * is unspecified on error. */
wf_err wf_proof_mul_star_prove(wf_proof_mul_star *proof, const wf_proof_ctx *ctx,
                               const wf_proof_mul_star_stmt *st, const wf_proof_mul_star_wit *wit);

/* WF_OK iff the proof checks. WF_ERR_INFINITY / WF_ERR_NOT_ON_CURVE for a bad X
 * or B_x; WF_ERR_RANGE for a ring element outside (0, modulus), z1 ∉ ±2^{ℓ+ε} or
 * |z2| > 2^{ℓ+ε+1}·N̂; WF_ERR_NOT_UNIT for a non-unit; WF_ERR_VERIFY when an
 * equation fails (including any mismatch of context or statement). */
wf_err wf_proof_mul_star_verify(const wf_proof_mul_star *proof, const wf_proof_ctx *ctx,
                                const wf_proof_mul_star_stmt *st);

/* The challenge e ∈ ±q fixed by ctx, the statement and the proof's first message. */
wf_err wf_proof_mul_star_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_mul_star_stmt *st,
                                   const wf_proof_mul_star *proof);

#endif

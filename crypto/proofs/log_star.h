/* Πlog*: knowledge of exponent vs Paillier encryption (CGGMP21, eprint
 * 2021/060, Fig. 25).
 *
 * Statement: the prover's Paillier key N0, C ∈ Z*_{N0²}, a base point g (any
 * point other than infinity, not necessarily the generator), X ∈ G, and the
 * verifier's ring-Pedersen parameters (N̂, s, t). The prover knows x ∈ ±2^ℓ
 * and ρ ∈ Z*_{N0} with C = (1+N0)^x·ρ^{N0} mod N0² and X = x·g; the proof
 * shows x ∈ ±2^{ℓ+ε}.
 *
 *   prover:   α ← ±2^{ℓ+ε}, μ ← ±2^ℓ·N̂, r ← Z*_{N0}, γ ← ±2^{ℓ+ε}·N̂
 *             S = s^x·t^μ mod N̂,  A = (1+N0)^α·r^{N0} mod N0²,  Y = α·g,
 *             D = s^α·t^γ mod N̂
 *   e ∈ ±q    z1 = α + e·x,  z2 = r·ρ^e mod N0,  z3 = γ + e·μ
 *   verifier: (1+N0)^{z1}·z2^{N0} = A·C^e mod N0²,  z1·g = Y + e·X,
 *             s^{z1}·t^{z3} = D·S^e mod N̂,  z1 ∈ ±2^{ℓ+ε}
 *
 * Fiat–Shamir: the transcript (common.h) absorbs the context, then N̂, s, t,
 * N0, C, X, g, then S, A, Y, D; e ∈ ±q.
 *
 * Beyond the paper: g, X and Y must not be the point at infinity (for honest
 * values that happens with negligible probability; g at infinity would make
 * the group equation vacuous), and |z3| <= 2^{ℓ+ε+1}·N̂ (see enc_core.h). */
#ifndef WF_PROOFS_LOG_STAR_H
#define WF_PROOFS_LOG_STAR_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/point.h"
#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"

/* Public statement. Pointers to caller-owned values, read only. */
typedef struct wf_proof_log_star_stmt {
    const wf_paillier_pk *pk0; /* N0, the prover's key */
    mpz_srcptr C;              /* C ∈ Z*_{N0²} */
    const wf_point *X;         /* X = x·g, not infinity */
    const wf_point *g;         /* base point, not infinity */
    const wf_rped *rped;       /* the verifier's (N̂, s, t) */
} wf_proof_log_star_stmt;

/* Prover's witness: pointers to caller-owned secrets. */
typedef struct wf_proof_log_star_wit {
    mpz_srcptr x;   /* x ∈ ±2^ℓ */
    mpz_srcptr rho; /* ρ ∈ Z*_{N0}, 0 < ρ < N0 */
} wf_proof_log_star_wit;

typedef struct wf_proof_log_star {
    /* first message */
    mpz_t S;    /* s^x·t^μ mod N̂ */
    mpz_t A;    /* (1+N0)^α·r^{N0} mod N0² */
    wf_point Y; /* α·g */
    mpz_t D;    /* s^α·t^γ mod N̂ */
    /* response */
    mpz_t z1;  /* α + e·x */
    mpz_t z2;  /* r·ρ^e mod N0 */
    mpz_t z3;  /* γ + e·μ */
    int ready; /* set by _init */
} wf_proof_log_star;

void wf_proof_log_star_init(wf_proof_log_star *proof);
/* Frees the integers; accepts NULL, a zeroed struct, or one already cleared. */
void wf_proof_log_star_clear(wf_proof_log_star *proof);

/* Fills an initialised proof. WF_ERR_RANGE if x ∉ ±2^ℓ or ρ ∉ [1, N0);
 * WF_ERR_NOT_UNIT if ρ is not a unit; WF_ERR_INFINITY / WF_ERR_NOT_ON_CURVE
 * for a bad g; WF_ERR_ARG for NULLs or an uninitialised proof. The proof is
 * unspecified on error. */
wf_err wf_proof_log_star_prove(wf_proof_log_star *proof, const wf_proof_ctx *ctx,
                               const wf_proof_log_star_stmt *st, const wf_proof_log_star_wit *wit);

/* WF_OK iff the proof checks. Every received value is checked before use:
 * WF_ERR_INFINITY / WF_ERR_NOT_ON_CURVE for a bad g, X or Y; WF_ERR_RANGE for
 * a ring element outside (0, modulus), z1 ∉ ±2^{ℓ+ε} or |z3| > 2^{ℓ+ε+1}·N̂;
 * WF_ERR_NOT_UNIT for C, A ∉ Z*_{N0²}, S, D ∉ Z*_{N̂}, z2 ∉ Z*_{N0};
 * WF_ERR_VERIFY when an equation fails (including any mismatch of context or
 * statement). */
wf_err wf_proof_log_star_verify(const wf_proof_log_star *proof, const wf_proof_ctx *ctx,
                                const wf_proof_log_star_stmt *st);

/* The challenge e ∈ ±q that ctx, the statement and the proof's first message
 * determine (what prove and verify use; exposed for tests and tooling). */
wf_err wf_proof_log_star_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_log_star_stmt *st,
                                   const wf_proof_log_star *proof);

#endif

/* Πenc: Paillier encryption in range (CGGMP21, eprint 2021/060, Fig. 14).
 *
 * Statement: the prover's Paillier key N0, a ciphertext K ∈ Z*_{N0²}, and the
 * verifier's ring-Pedersen parameters (N̂, s, t). The prover knows k ∈ ±2^ℓ and
 * ρ ∈ Z*_{N0} with K = (1+N0)^k·ρ^{N0} mod N0²; the proof shows k ∈ ±2^{ℓ+ε}.
 *
 *   prover:   α ← ±2^{ℓ+ε}, μ ← ±2^ℓ·N̂, r ← Z*_{N0}, γ ← ±2^{ℓ+ε}·N̂
 *             S = s^k·t^μ mod N̂,  A = (1+N0)^α·r^{N0} mod N0²,  C = s^α·t^γ mod N̂
 *   e ∈ ±q    z1 = α + e·k,  z2 = r·ρ^e mod N0,  z3 = γ + e·μ
 *   verifier: (1+N0)^{z1}·z2^{N0} = A·K^e mod N0²,  s^{z1}·t^{z3} = C·S^e mod N̂,
 *             z1 ∈ ±2^{ℓ+ε}
 *
 * Fiat–Shamir: the transcript (common.h) absorbs the context, then N̂, s, t,
 * N0, K, then S, A, C; e ∈ ±q.
 *
 * Verifier bound beyond the paper: |z3| <= 2^{ℓ+ε+1}·N̂ (see enc_core.h). */
#ifndef WF_PROOFS_ENC_H
#define WF_PROOFS_ENC_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"

/* Public statement. Pointers to caller-owned values, read only. */
typedef struct wf_proof_enc_stmt {
    const wf_paillier_pk *pk0; /* N0, the prover's key */
    mpz_srcptr K;              /* K ∈ Z*_{N0²} */
    const wf_rped *rped;       /* the verifier's (N̂, s, t) */
} wf_proof_enc_stmt;

/* Prover's witness: pointers to caller-owned secrets. */
typedef struct wf_proof_enc_wit {
    mpz_srcptr k;   /* k ∈ ±2^ℓ */
    mpz_srcptr rho; /* ρ ∈ Z*_{N0}, 0 < ρ < N0 */
} wf_proof_enc_wit;

typedef struct wf_proof_enc {
    /* first message */
    mpz_t S; /* s^k·t^μ mod N̂ */
    mpz_t A; /* (1+N0)^α·r^{N0} mod N0² */
    mpz_t C; /* s^α·t^γ mod N̂ */
    /* response */
    mpz_t z1;  /* α + e·k */
    mpz_t z2;  /* r·ρ^e mod N0 */
    mpz_t z3;  /* γ + e·μ */
    int ready; /* set by _init */
} wf_proof_enc;

void wf_proof_enc_init(wf_proof_enc *proof);
/* Frees the integers; accepts NULL, a zeroed struct, or one already cleared. */
void wf_proof_enc_clear(wf_proof_enc *proof);

/* Fills an initialised proof. WF_ERR_RANGE if k ∉ ±2^ℓ or ρ ∉ [1, N0);
 * WF_ERR_NOT_UNIT if ρ is not a unit; WF_ERR_ARG for NULLs or an
 * uninitialised proof. The proof is unspecified on error. */
wf_err wf_proof_enc_prove(wf_proof_enc *proof, const wf_proof_ctx *ctx, const wf_proof_enc_stmt *st,
                          const wf_proof_enc_wit *wit);

/* WF_OK iff the proof checks. Every received value is checked before use:
 * WF_ERR_RANGE for a ring element outside (0, modulus), z1 ∉ ±2^{ℓ+ε} or
 * |z3| > 2^{ℓ+ε+1}·N̂; WF_ERR_NOT_UNIT for K, A ∉ Z*_{N0²}, S, C ∉ Z*_{N̂},
 * z2 ∉ Z*_{N0}; WF_ERR_VERIFY when an equation fails (including any mismatch
 * of context or statement). */
wf_err wf_proof_enc_verify(const wf_proof_enc *proof, const wf_proof_ctx *ctx, const wf_proof_enc_stmt *st);

/* The challenge e ∈ ±q that ctx, the statement and the proof's first message
 * determine (what prove and verify use; exposed for tests and tooling). */
wf_err wf_proof_enc_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_enc_stmt *st,
                              const wf_proof_enc *proof);

#endif

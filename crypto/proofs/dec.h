/* Πdec: Paillier decryption modulo q (CGGMP21, eprint 2021/060, Fig. 30),
 * used on the identification path to show that a claimed share x ∈ Z_q is the
 * decryption of C reduced mod q.
 *
 * Statement: the prover's Paillier key N0, C ∈ Z*_{N0²}, x ∈ Z_q, a public
 * bound y_bits, and the verifier's ring-Pedersen parameters (N̂, s, t). The
 * prover knows an integer y with |y| <= 2^y_bits and ρ ∈ Z*_{N0} such that
 * C = (1+N0)^y·ρ^{N0} mod N0² and x = y mod q.
 *
 *   prover:   α ← ±2^{y_bits+ε}, μ ← ±2^ℓ·N̂, ν ← ±2^{ℓ+ε}·N̂, r ← Z*_{N0}
 *             S = s^y·t^μ mod N̂,  T = s^α·t^ν mod N̂,  A = (1+N0)^α·r^{N0} mod N0²,
 *             γ = α mod q
 *   e ∈ ±q    z1 = α + e·y,  z2 = ν + e·μ,  w = r·ρ^e mod N0
 *   verifier: (1+N0)^{z1}·w^{N0} = A·C^e mod N0²,  z1 ≡ γ + e·x (mod q),
 *             s^{z1}·t^{z2} = T·S^e mod N̂,  z1 ∈ ±2^{y_bits+ε}
 *
 * Deviations from Fig. 30, and why:
 *
 * 1. The verifier checks z1 ∈ ±2^{y_bits+ε}; the figure has no range check.
 *    Without one the proof says nothing: C's plaintext is only defined mod N0,
 *    and for any x a cheating prover can use the witness y' = y + j·N0 with j
 *    chosen so that y' ≡ x (mod q) (N0 is a unit mod q). It then passes every
 *    equation of the figure for a false x. With the check, extraction gives an
 *    integer y* with |y*| <= 2^{y_bits+ε+1} < N0/2, so y* is the centred
 *    plaintext of C (the unique one in (-N0/2, N0/2)) and y* ≡ x (mod q).
 *    This is why the statement needs y_bits + ε + 4 <= |N0|.
 *
 * 2. α is drawn from ±2^{y_bits+ε} (the figure: ±2^{ℓ+ε}) for a public bound
 *    y_bits that the caller states and the transcript binds. With y_bits = ℓ
 *    this is exactly the figure. The figure's α hides e·y only when |y| is
 *    about 2^ℓ, but on the identification path y is a sum of decrypted
 *    MtA shares, about 2^{ℓ'} or more; z1 = α + e·y would then leak y. Scaling
 *    α with the bound keeps the figure's ratio |α|/|e·y| ≈ 2^{ε-ℓ}.
 *
 * 3. |z2| <= 2^{ℓ+ε+1}·N̂, met by every honest proof, only caps the work a
 *    hostile proof can cause (see enc_core.h).
 *
 * The witness y is the integer the caller's protocol computed (e.g. a sum of
 * centred decryptions), not necessarily reduced into [0, N0).
 *
 * Fiat–Shamir: the transcript (common.h) absorbs the context, then N̂, s, t,
 * N0, C, x, y_bits, then S, T, A, γ; e ∈ ±q. */
#ifndef WF_PROOFS_DEC_H
#define WF_PROOFS_DEC_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"
#include "crypto/scalar.h"

/* Public statement. Pointers to caller-owned values, read only. */
typedef struct wf_proof_dec_stmt {
    const wf_paillier_pk *pk0; /* N0, the prover's key */
    mpz_srcptr C;              /* C ∈ Z*_{N0²} */
    const wf_scalar *x;        /* x = y mod q */
    unsigned y_bits;           /* |y| <= 2^y_bits; 1 <= y_bits <= |N0| - ε - 4 */
    const wf_rped *rped;       /* the verifier's (N̂, s, t) */
} wf_proof_dec_stmt;

/* Prover's witness: pointers to caller-owned secrets. */
typedef struct wf_proof_dec_wit {
    mpz_srcptr y;   /* |y| <= 2^y_bits */
    mpz_srcptr rho; /* ρ ∈ Z*_{N0}, 0 < ρ < N0 */
} wf_proof_dec_wit;

typedef struct wf_proof_dec {
    /* first message */
    mpz_t S;         /* s^y·t^μ mod N̂ */
    mpz_t T;         /* s^α·t^ν mod N̂ */
    mpz_t A;         /* (1+N0)^α·r^{N0} mod N0² */
    wf_scalar gamma; /* α mod q */
    /* response */
    mpz_t z1;  /* α + e·y */
    mpz_t z2;  /* ν + e·μ */
    mpz_t w;   /* r·ρ^e mod N0 */
    int ready; /* set by _init */
} wf_proof_dec;

void wf_proof_dec_init(wf_proof_dec *proof);
/* Frees the integers; accepts NULL, a zeroed struct, or one already cleared. */
void wf_proof_dec_clear(wf_proof_dec *proof);

/* Fills an initialised proof. WF_ERR_RANGE if |y| > 2^y_bits or ρ ∉ [1, N0);
 * WF_ERR_NOT_UNIT if ρ is not a unit; WF_ERR_ARG for NULLs, an uninitialised
 * proof or a y_bits out of bounds. The proof is unspecified on error. */
wf_err wf_proof_dec_prove(wf_proof_dec *proof, const wf_proof_ctx *ctx, const wf_proof_dec_stmt *st,
                          const wf_proof_dec_wit *wit);

/* WF_OK iff the proof checks. Every received value is checked before use:
 * WF_ERR_RANGE for a ring element outside (0, modulus), γ >= q,
 * z1 ∉ ±2^{y_bits+ε} or |z2| > 2^{ℓ+ε+1}·N̂; WF_ERR_NOT_UNIT for C, A ∉
 * Z*_{N0²}, S, T ∉ Z*_{N̂}, w ∉ Z*_{N0}; WF_ERR_ARG for a y_bits out of
 * bounds; WF_ERR_VERIFY when an equation fails (including any mismatch of
 * context or statement). */
wf_err wf_proof_dec_verify(const wf_proof_dec *proof, const wf_proof_ctx *ctx, const wf_proof_dec_stmt *st);

/* The challenge e ∈ ±q that ctx, the statement and the proof's first message
 * determine (what prove and verify use; exposed for tests and tooling). */
wf_err wf_proof_dec_challenge(mpz_t e, const wf_proof_ctx *ctx, const wf_proof_dec_stmt *st,
                              const wf_proof_dec *proof);

#endif

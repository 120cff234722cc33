/* The Σ-protocol inside Πenc (CGGMP21, eprint 2021/060, Fig. 14), which Πlog*
 * (Fig. 25) and Πdec (Fig. 30) extend: knowledge of the plaintext k and
 * randomness ρ of a Paillier ciphertext K = (1+N0)^k·ρ^{N0} mod N0², with k
 * also committed under the verifier's ring-Pedersen parameters (N̂, s, t).
 *
 *   prover:   α ← ±2^{k_bits+ε}, μ ← ±2^ℓ·N̂, r ← Z*_{N0}, γ ← ±2^{ℓ+ε}·N̂
 *             S = s^k·t^μ mod N̂,  A = (1+N0)^α·r^{N0} mod N0²,  C = s^α·t^γ mod N̂
 *   challenge e ∈ ±q (each proof draws it from its own transcript)
 *   response: z1 = α + e·k,  z2 = r·ρ^e mod N0,  z3 = γ + e·μ
 *   verifier: (1+N0)^{z1}·z2^{N0} = A·K^e mod N0²,  s^{z1}·t^{z3} = C·S^e mod N̂
 *
 * k_bits is ℓ in Fig. 14 and Fig. 25; Πdec passes its own bound (see dec.h).
 * The names are Fig. 14's; Πlog* calls C "D", Πdec calls C "T", z2 "w" and z3
 * "z2".
 *
 * Beyond the paper the verifier refuses |z3| > 2^{ℓ+ε+1}·N̂. Every honest z3
 * meets it (|γ| <= 2^{ℓ+ε}·N̂ and |e·μ| <= 2^{2ℓ}·N̂); it only caps the work a
 * hostile proof can cause.
 *
 * These are building blocks for enc.c, log_star.c and dec.c, not a proof on
 * their own: the caller owns the transcript and the challenge. */
#ifndef WF_PROOFS_ENC_CORE_H
#define WF_PROOFS_ENC_CORE_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/ring_pedersen.h"

/* The prover's randomness for one proof. The integers' limbs are wiped when
 * cleared (wf_crypto_init's allocator) and explicitly by _clear. */
typedef struct wf_proof_enc_core_secret {
    mpz_t alpha; /* α ∈ ±2^{k_bits+ε} */
    mpz_t mu;    /* μ ∈ ±2^ℓ·N̂ */
    mpz_t r;     /* r ∈ Z*_{N0} */
    mpz_t gamma; /* γ ∈ ±2^{ℓ+ε}·N̂ */
} wf_proof_enc_core_secret;

void wf_proof_enc_core_secret_init(wf_proof_enc_core_secret *sec);
/* Wipes and frees. */
void wf_proof_enc_core_secret_clear(wf_proof_enc_core_secret *sec);

/* First message for a witness k with |k| <= 2^k_bits (WF_ERR_RANGE
 * otherwise, or if α cannot be a plaintext of N0). */
wf_err wf_proof_enc_core_commit(mpz_t S, mpz_t A, mpz_t C, wf_proof_enc_core_secret *sec,
                                const wf_paillier_pk *pk0, const wf_rped *rped, const mpz_t k,
                                unsigned k_bits);

/* Response to the challenge e ∈ ±q. ρ must lie in [1, N0) (WF_ERR_RANGE) and
 * be a unit (WF_ERR_NOT_UNIT). */
wf_err wf_proof_enc_core_respond(mpz_t z1, mpz_t z2, mpz_t z3, const wf_proof_enc_core_secret *sec,
                                 const wf_paillier_pk *pk0, const mpz_t k, const mpz_t rho, const mpz_t e);

/* A prover's run, for the proofs built on the core: _begin initialises pr and
 * commits; the caller adds its own first-message values and draws pr->e from
 * its transcript; _end responds (when err is still WF_OK) and wipes pr:
 *
 *     wf_err err = wf_proof_enc_core_begin(&pr, S, A, C, pk0, rped, k, k_bits);
 *     if (err == WF_OK)
 *         err = <the proof's challenge>(pr.e, …);
 *     return wf_proof_enc_core_end(&pr, err, z1, z2, z3, pk0, k, rho);
 */
typedef struct wf_proof_enc_core_prover {
    wf_proof_enc_core_secret sec;
    mpz_t e; /* the challenge */
} wf_proof_enc_core_prover;

/* Initialises pr, then wf_proof_enc_core_commit. pr must be ended with
 * wf_proof_enc_core_end whatever this returns. */
wf_err wf_proof_enc_core_begin(wf_proof_enc_core_prover *pr, mpz_t S, mpz_t A, mpz_t C,
                               const wf_paillier_pk *pk0, const wf_rped *rped, const mpz_t k,
                               unsigned k_bits);
/* wf_proof_enc_core_respond to pr->e when err is WF_OK; then wipes and frees
 * pr. Returns err, else the response's error. */
wf_err wf_proof_enc_core_end(wf_proof_enc_core_prover *pr, wf_err err, mpz_t z1, mpz_t z2, mpz_t z3,
                             const wf_paillier_pk *pk0, const mpz_t k, const mpz_t rho);

/* What the verifier holds: the statement part (N0, N̂/s/t, K) and the proof
 * part, by reference. */
typedef struct wf_proof_enc_core_pub {
    const wf_paillier_pk *pk0;
    const wf_rped *rped;
    mpz_srcptr K;
    mpz_srcptr S, A, C, z1, z2, z3;
} wf_proof_enc_core_pub;

/* Every check on received values, to run before any of them is used:
 * K, A ∈ Z*_{N0²}; S, C ∈ Z*_{N̂}; z2 ∈ Z*_{N0} (WF_ERR_RANGE outside
 * (0, modulus), WF_ERR_NOT_UNIT for a non-unit); |z1| <= 2^z1_bits and
 * |z3| <= 2^{ℓ+ε+1}·N̂ (WF_ERR_RANGE). WF_ERR_ARG for NULLs. */
wf_err wf_proof_enc_core_check(const wf_proof_enc_core_pub *v, unsigned z1_bits);

/* The two equations for challenge e; WF_ERR_VERIFY if either fails. Run only
 * after wf_proof_enc_core_check. */
wf_err wf_proof_enc_core_equations(const wf_proof_enc_core_pub *v, const mpz_t e);

#endif

/* Πfac: the prover's Paillier modulus N0 has no small factor
 * (CGGMP21, eprint 2021/060, "no small factor" proof, Fig. 28 in the
 * current version). Without it a party can register N0 = (small prime)·(large)
 * and learn other parties' shares from Πenc/Πaff-g transcripts
 * (CVE-2023-33241, "BitForge").
 *
 * Statement: N0, and the VERIFIER's ring-Pedersen parameters (N̂, s, t).
 * Witness: p, q with N0 = p·q. Shows p, q ∈ ±√N0·2^ℓ (so neither factor is
 * smaller than about √N0/2^ℓ).
 *
 *   prover:   α, β ← ±2^(ℓ+ε)·√N0      μ, ν ← ±2^ℓ·N̂
 *             σ ← ±2^ℓ·N0·N̂           r ← ±2^(ℓ+ε)·N0·N̂     x, y ← ±2^(ℓ+ε)·N̂
 *             P = s^p t^μ, Q = s^q t^ν, A = s^α t^x, B = s^β t^y, T = Q^α t^r  (mod N̂)
 *   both:     e ∈ [-q, q] (q the secp256k1 order) from the transcript
 *             (context, N0, N̂, s, t, P, Q, A, B, T, σ)
 *   prover:   σ̂ = σ - ν·p;  z1 = α + e·p, z2 = β + e·q, w1 = x + e·μ,
 *             w2 = y + e·ν, v = r + e·σ̂
 *   verifier: R = s^N0 · t^σ mod N̂;
 *             s^z1 t^w1 = A·P^e,  s^z2 t^w2 = B·Q^e,  Q^z1 t^v = T·R^e  (mod N̂);
 *             z1, z2 ∈ ±√N0·2^(ℓ+ε).
 *
 * √N0 is floor(√N0) (mpz_sqrt), on both sides: the prover samples α, β with
 * it and the verifier bounds z1, z2 with it. Rounding down makes the bound
 * smaller than the real one by less than 2^(ℓ+ε); an honest proof then fails
 * only when α or β lands within |e·p| <= 2^ℓ·p of the edge, probability about
 * 2^-ε·p/√N0 ≈ 2^-512.
 *
 * Beyond the paper, the verifier also bounds σ, w1, w2 and v by the largest
 * values an honest prover can produce (|σ| <= 2^ℓ·N0·N̂,
 * |w1|, |w2| <= 2^(ℓ+ε+1)·N̂, |v| <= 2^(ℓ+ε+1)·N0·N̂), so a peer cannot make it
 * exponentiate by huge numbers. These bounds do not change soundness.
 *
 * Errors (verifier): WF_ERR_ENCODING if N0 is not exactly stmt->bits bits long;
 * WF_ERR_RANGE for N0 even or <= 1, P, Q, A, B, T outside (0, N̂), or σ, z1,
 * z2, w1, w2, v out of their ranges (a modulus with a small factor ends here);
 * WF_ERR_NOT_UNIT for P, Q, A, B, T sharing a factor with N̂; what
 * wf_rped_params_check returns for a bad (N̂, s, t); WF_ERR_VERIFY for a
 * failed equation; WF_ERR_ARG for NULL arguments or an uninitialised proof.
 *
 * Secrets: p, q and every random exponent are used only through
 * wf_rped_commit / wf_powm_sec_signed (time depends on the public bounds) and
 * are wiped. The prover does not check that p and q are large: it proves what
 * it is given, and the verifier's range check is what rejects a small factor.
 *
 * Thread safety: no shared state. */
#ifndef WF_PROOFS_FAC_H
#define WF_PROOFS_FAC_H

#include <gmp.h>

#include "crypto/err.h"
#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"

typedef struct wf_proof_fac_stmt {
    mpz_srcptr n0;       /* N0, the prover's Paillier modulus */
    unsigned bits;       /* the bit length N0 must have (cluster parameter) */
    const wf_rped *rped; /* the verifier's (N̂, s, t) */
} wf_proof_fac_stmt;

/* Prover's witness: pointers to caller-owned secrets (a Paillier key's
 * sk->p.v and sk->q.v). */
typedef struct wf_proof_fac_wit {
    mpz_srcptr p, q; /* N0 = p·q */
} wf_proof_fac_wit;

typedef struct wf_proof_fac {
    mpz_t P, Q, A, B, T; /* commitments mod N̂ */
    mpz_t sigma;         /* σ, sent with the first message */
    mpz_t z1, z2, w1, w2, v;
    int ready; /* set by _init; zero in a zero-filled struct */
} wf_proof_fac;

/* Initialises every integer. Accepts NULL. */
void wf_proof_fac_init(wf_proof_fac *proof);
/* Clears an initialised proof and zero-fills it; a zero-filled proof and NULL are accepted. */
void wf_proof_fac_clear(wf_proof_fac *proof);

/* Proves that N0 = p·q with p, q ∈ ±√N0·2^ℓ, addressed to the owner of
 * stmt->rped. proof must be initialised; it is overwritten. WF_ERR_ARG for NULL, an
 * uninitialised proof, p·q != N0, p or q <= 1, |N0| != stmt->bits, or
 * verifier parameters that fail wf_rped_params_check. */
wf_err wf_proof_fac_prove(wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *stmt,
                          const wf_proof_fac_wit *wit);

/* WF_OK iff proof shows N0 has no factor below about √N0/2^ℓ, for this context. */
wf_err wf_proof_fac_verify(const wf_proof_fac *proof, const wf_proof_ctx *ctx, const wf_proof_fac_stmt *stmt);

#endif

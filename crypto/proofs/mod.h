/* Πmod: N is a Paillier–Blum modulus (CGGMP21, eprint 2021/060, Fig. 16).
 *
 * Statement: N, an odd composite of the expected bit size. Witness: its
 * factors p, q ≡ 3 mod 4 (a wf_paillier_sk). The z-check shows
 * gcd(N, φ(N)) = 1 (so N is square-free); the x-check, with Jacobi(w, N) = -1
 * and N not prime, that N = p·q with p, q ≡ 3 mod 4. Each repetition has
 * soundness error 1/2.
 *
 *   prover:   w ∈ Z_N with Jacobi(w, N) = -1
 *   both:     y_1..y_m ∈ Z_N drawn from the transcript (context, N, w)
 *   prover:   for each i, the unique a_i, b_i ∈ {0,1} with
 *             y'_i = (-1)^a_i · w^b_i · y_i a square mod p and mod q;
 *             x_i = y'_i^(1/4) mod N (by CRT, x_r = y'_i^(((r+1)/4)² mod (r-1)) mod r),
 *             z_i = y_i^(N^{-1} mod φ(N)) mod N (by CRT)
 *   verifier: N odd, N > 1, N not prime, |N| = bits; w a unit with
 *             Jacobi(w, N) = -1; x_i, z_i units in (0, N); a_i, b_i ∈ {0,1};
 *             x_i^4 = (-1)^a_i · w^b_i · y_i and z_i^N = y_i (mod N).
 *
 * m = WF_PROOF_M = 128 repetitions, fixed: the verifier refuses any other
 * count (soundness 2^-128 even against grinding on w).
 *
 * Errors (verifier): WF_ERR_ENCODING for a count other than WF_PROOF_M or N
 * not exactly `bits` bits long; WF_ERR_RANGE for N even or <= 1, a value
 * outside (0, N) or a bit outside {0, 1}; WF_ERR_NOT_UNIT for w, x_i or z_i
 * sharing a factor with N; WF_ERR_VERIFY for N prime, Jacobi(w, N) != -1 or a
 * failed equation; WF_ERR_ARG for NULL arguments, an uninitialised proof or
 * bits < WF_PAILLIER_MIN_BITS.
 *
 * Secrets: the prover's exponents, the residues of y_i mod p and q and the
 * partial roots are wiped; every exponentiation with a secret exponent or
 * modulus uses mpz_powm_sec. Every answer is checked before the proof is
 * returned (x_i^4 = y'_i mod N; z_i^N = y_i mod p and mod q), so a fault in
 * one CRT half never publishes a value that would reveal a factor; on any
 * error the proof's x_i, z_i are wiped and m = 0.
 *
 * Thread safety: no shared state. */
#ifndef WF_PROOFS_MOD_H
#define WF_PROOFS_MOD_H

#include <stddef.h>
#include <stdint.h>
#include <gmp.h>

#include "crypto/err.h"
#include "crypto/paillier.h"
#include "crypto/proofs/common.h"

typedef struct wf_proof_mod_stmt {
    mpz_srcptr n;  /* N, the prover's Paillier modulus */
    unsigned bits; /* the bit length N must have (cluster parameter) */
} wf_proof_mod_stmt;

typedef struct wf_proof_mod {
    size_t m;            /* repetitions; the verifier requires WF_PROOF_M */
    mpz_t w;             /* Jacobi(w, N) = -1 */
    mpz_t x[WF_PROOF_M]; /* x_i^4 = (-1)^a_i · w^b_i · y_i mod N */
    mpz_t z[WF_PROOF_M]; /* z_i^N = y_i mod N */
    uint8_t a[WF_PROOF_M];
    uint8_t b[WF_PROOF_M];
    int ready; /* set by _init; zero in a zero-filled struct */
} wf_proof_mod;

/* Initialises every integer (m = 0). Accepts NULL. */
void wf_proof_mod_init(wf_proof_mod *proof);
/* Clears an initialised proof and zero-fills it; a zero-filled proof and NULL are accepted. */
void wf_proof_mod_clear(wf_proof_mod *proof);

/* Proves that stmt->n = sk's N is a Paillier–Blum modulus. proof must be
 * initialised; it is overwritten. WF_ERR_ARG for NULL, an uninitialised proof,
 * stmt->n != N, |N| != stmt->bits, or p, q not ≡ 3 mod 4 or not distinct;
 * WF_ERR_INTERNAL in the negligible event that some y_i is not a unit. */
wf_err wf_proof_mod_prove(wf_proof_mod *proof, const wf_proof_ctx *ctx, const wf_proof_mod_stmt *stmt,
                          const wf_paillier_sk *sk);

/* WF_OK iff proof shows that stmt->n is a Paillier–Blum modulus of stmt->bits
 * bits, for this context. Errors as in the file comment. */
wf_err wf_proof_mod_verify(const wf_proof_mod *proof, const wf_proof_ctx *ctx, const wf_proof_mod_stmt *stmt);

#endif

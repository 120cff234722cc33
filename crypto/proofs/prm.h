/* Πprm: ring-Pedersen parameters are well formed, s ∈ <t>
 * (CGGMP21, eprint 2021/060, Fig. 17).
 *
 * Statement: the prover's (N, s, t). Witness: λ with s = t^λ mod N, and φ(N)
 * (a wf_rped_secret).
 *
 *   prover:   a_i ← Z_φ(N), A_i = t^a_i mod N            (i = 1..m)
 *   both:     e_1..e_m ∈ {0, 1} from the transcript (context, N, s, t, A_1..A_m)
 *   prover:   z_i = a_i + e_i·λ mod φ(N)
 *   verifier: (N, s, t) passes wf_rped_params_check at the expected size;
 *             A_i units in (0, N); 0 <= z_i < N; t^z_i = A_i · s^e_i mod N.
 *
 * m = WF_PROOF_M = 128 binary challenges, fixed: the verifier refuses any
 * other count. With one-bit challenges a cheater guesses each e_i with
 * probability 1/2, so fewer repetitions would be the TSSHOCK "c-guess" attack.
 *
 * Errors (verifier): WF_ERR_ENCODING for a count other than WF_PROOF_M or an N
 * that is not exactly `bits` bits long; otherwise what wf_rped_params_check
 * returns for a bad (N, s, t); WF_ERR_RANGE for A_i outside (0, N) or z_i
 * outside [0, N); WF_ERR_NOT_UNIT for an A_i sharing a factor with N;
 * WF_ERR_VERIFY for a failed equation; WF_ERR_ARG for NULL arguments or an
 * uninitialised proof.
 *
 * Secrets: the a_i are drawn in [1, φ(N)) (mpz_powm_sec needs a positive
 * exponent; the excluded value has probability 1/φ(N)), exponentiated with
 * mpz_powm_sec and wiped. The prover does not check that s = t^λ: a false
 * statement simply gives a proof that does not verify.
 *
 * Thread safety: no shared state. */
#ifndef WF_PROOFS_PRM_H
#define WF_PROOFS_PRM_H

#include <stddef.h>
#include <gmp.h>

#include "crypto/err.h"
#include "crypto/proofs/common.h"
#include "crypto/ring_pedersen.h"

typedef struct wf_proof_prm_stmt {
    const wf_rped *rped; /* the prover's (N, s, t) */
    unsigned bits;       /* the bit length N must have (cluster parameter) */
} wf_proof_prm_stmt;

typedef struct wf_proof_prm {
    size_t m;            /* repetitions; the verifier requires WF_PROOF_M */
    mpz_t A[WF_PROOF_M]; /* A_i = t^a_i mod N */
    mpz_t z[WF_PROOF_M]; /* z_i = a_i + e_i·λ mod φ(N) */
    int ready;           /* set by _init; zero in a zero-filled struct */
} wf_proof_prm;

/* Initialises every integer (m = 0). Accepts NULL. */
void wf_proof_prm_init(wf_proof_prm *proof);
/* Clears an initialised proof and zero-fills it; a zero-filled proof and NULL are accepted. */
void wf_proof_prm_clear(wf_proof_prm *proof);

/* Proves knowledge of λ with s = t^λ mod N. proof must be initialised; it is
 * overwritten. WF_ERR_ARG for NULL, an uninitialised proof, parameters that
 * fail wf_rped_params_check(…, stmt->bits), or φ(N) <= 1. */
wf_err wf_proof_prm_prove(wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_proof_prm_stmt *stmt,
                          const wf_rped_secret *secret);

/* WF_OK iff proof shows s ∈ <t> for stmt->rped, for this context. */
wf_err wf_proof_prm_verify(const wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_proof_prm_stmt *stmt);

#endif

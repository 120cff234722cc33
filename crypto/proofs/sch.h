/* Πsch: Schnorr proof of knowledge of x with X = x·G (CGGMP21, eprint
 * 2021/060, Fig. 22).
 *
 *   prover:   α ← F_q, A = α·G
 *   e ∈ F_q   z = α + e·x mod q
 *   verifier: z·G = A + e·X
 *
 * Keygen sends (a commitment to) A in an early round, before the challenge's
 * context is complete, so the prover is split: wf_proof_sch_commit samples α
 * into locked memory and returns A; wf_proof_sch_prove answers the challenge
 * once and wipes α, so one α can never answer two challenges (which would
 * reveal x). wf_proof_sch_prove_oneshot does both for proofs sent at once.
 *
 * Fiat–Shamir: the transcript (common.h) absorbs the context, then X, then A;
 * e is uniform in [0, q).
 *
 * Beyond the paper: X and A must not be the point at infinity. */
#ifndef WF_PROOFS_SCH_H
#define WF_PROOFS_SCH_H

#include "crypto/err.h"
#include "crypto/point.h"
#include "crypto/proofs/common.h"
#include "crypto/scalar.h"

/* The prover's state between commit and prove. Zero-initialise it
 * (= {0}); alpha is NULL when there is no pending commitment. */
typedef struct wf_proof_sch_state {
    wf_scalar *alpha; /* α, in wf_secure_alloc() memory */
    wf_point A;       /* α·G, as returned by commit */
} wf_proof_sch_state;

/* A complete proof (first message and response). */
typedef struct wf_proof_sch {
    wf_point A;
    wf_scalar z;
} wf_proof_sch;

/* Samples α ∈ [1, q) into the state and sets *A_out = α·G. WF_ERR_ARG if the
 * state already holds a pending α (clear it first); WF_ERR_NOMEM if locked
 * memory is exhausted. */
wf_err wf_proof_sch_commit(wf_proof_sch_state *state, wf_point *A_out);

/* z = α + e·x mod q for the challenge e of (ctx, X, A). Consumes the state:
 * α is wiped and freed whatever the outcome, so a state answers at most one
 * challenge. WF_ERR_ARG for NULLs, an empty state, or an A that is not the
 * state's commitment; WF_ERR_INFINITY / WF_ERR_NOT_ON_CURVE for a bad X. The
 * caller is responsible for X = x·G. */
wf_err wf_proof_sch_prove(wf_scalar *z_out, wf_proof_sch_state *state, const wf_scalar *x,
                          const wf_proof_ctx *ctx, const wf_point *X, const wf_point *A);

/* Commit and prove in one call. */
wf_err wf_proof_sch_prove_oneshot(wf_proof_sch *proof, const wf_scalar *x, const wf_proof_ctx *ctx,
                                  const wf_point *X);

/* WF_OK iff z·G = A + e·X. WF_ERR_INFINITY / WF_ERR_NOT_ON_CURVE for a bad X
 * or A, WF_ERR_RANGE for z >= q (checked before use), WF_ERR_VERIFY when the
 * equation fails (including any mismatch of context or statement). */
wf_err wf_proof_sch_verify(const wf_proof_ctx *ctx, const wf_point *X, const wf_point *A, const wf_scalar *z);

/* Wipes and frees a pending α; accepts NULL and an empty state. */
void wf_proof_sch_state_clear(wf_proof_sch_state *state);

/* The challenge e that (ctx, X, A) determine (exposed for tests and tooling). */
wf_err wf_proof_sch_challenge(wf_scalar *e, const wf_proof_ctx *ctx, const wf_point *X, const wf_point *A);

#endif

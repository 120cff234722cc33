/* Hierarchical (Tassa) sharing with secret polynomial coefficients.
 *
 * A wf_poly holds f(z) = a_0 + a_1 z + … + a_{t-1} z^{t-1} in locked memory.
 * wf_poly_share() gives member (x, r) its share f^(r)(x). In the DKG every
 * party deals such a polynomial; wf_sharing_reconstruct() (a_0 from an
 * authorised set) exists for tests, the demo and offline backup checks, never
 * for the signing path, where the key is never assembled. */
#ifndef WF_SHARING_H
#define WF_SHARING_H

#include <stddef.h>

#include "birkhoff.h"
#include "err.h"
#include "scalar.h"

typedef struct wf_poly {
    size_t t;     /* number of coefficients (the threshold) */
    wf_scalar *a; /* t coefficients, locked memory */
} wf_poly;

/* Random polynomial with t coefficients; a_0 = *secret, or random if NULL.
 * Returns NULL on allocation failure or t out of range. */
wf_poly *wf_poly_new_random(size_t t, const wf_scalar *secret);
/* Wipes the coefficients and frees. Accepts NULL. */
void wf_poly_free(wf_poly *p);

/* share = f^(rank)(x) = Σ_k B[member][k] · a_k. */
wf_err wf_poly_share(wf_scalar *share, const wf_poly *p, const wf_member *member);

/* secret = Σ b_j s_j over a set of n members for threshold t. Fewer than t
 * members, or t members that are not authorised: WF_ERR_UNAUTHORISED; more
 * than t: WF_ERR_ARG (choose the quorum first). */
wf_err wf_sharing_reconstruct(wf_scalar *secret, const wf_member *set, const wf_scalar *shares, size_t n,
                              size_t t);

#endif

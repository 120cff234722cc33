/* Feldman commitments to a sharing polynomial, and the public share points
 * they determine (DESIGN §2): C_k = a_k·G, and for member (x_j, r_j)
 *     X_j = Σ_k B[j][k] · C_k = f^(r_j)(x_j) · G.
 * All inputs are public. */
#ifndef WF_FELDMAN_H
#define WF_FELDMAN_H

#include <stddef.h>

#include "birkhoff.h"
#include "err.h"
#include "point.h"
#include "scalar.h"

/* out[k] = coeffs[k]·G for k < t. */
wf_err wf_feldman_commit(wf_point *out, const wf_scalar *coeffs, size_t t);
/* X = Σ_k B[member][k]·C_k over the t commitments. */
wf_err wf_feldman_share_point(wf_point *out, const wf_point *commitments, size_t t, const wf_member *member);
/* WF_OK iff share·G equals the share point the commitments give the member. */
wf_err wf_feldman_verify_share(const wf_point *commitments, size_t t, const wf_member *member,
                               const wf_scalar *share);
/* Sums commitment vectors element-wise (DKG: the joint polynomial's
 * commitments are the sum of every dealer's). out may alias a. */
wf_err wf_feldman_add(wf_point *out, const wf_point *a, const wf_point *b, size_t t);

#endif

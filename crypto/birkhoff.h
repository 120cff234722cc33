/* Birkhoff interpolation for Tassa's hierarchical threshold sharing (DESIGN §2).
 *
 * Member j has a public identifier x_j (non-zero, distinct) and a rank r_j
 * (0 = most senior). With dealer polynomial f of degree t-1, member j holds
 * s_j = f^(r_j)(x_j). A set S of exactly t members is authorised iff its
 * sorted ranks satisfy r_(i) <= i and the t×t Birkhoff matrix
 *     B[j][k] = k!/(k-r_j)! · x_j^(k-r_j)   (0 when k < r_j)
 * is invertible mod q; then f(0) = Σ b_j s_j with b = row 0 of B⁻¹.
 * Lagrange interpolation at zero is the all-rank-0 case of the same code.
 * Everything here is public data: identifiers, ranks and coefficients. */
#ifndef WF_BIRKHOFF_H
#define WF_BIRKHOFF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "scalar.h"

#define WF_MAX_MEMBERS 64

typedef struct wf_member {
    wf_scalar x;   /* identifier, non-zero */
    uint32_t rank; /* derivative order of the share, 0 = most senior */
} wf_member;

/* B[j][k] for a member (x, rank) and column k. */
wf_err wf_birkhoff_entry(wf_scalar *out, const wf_member *m, uint32_t k);

/* Checks that n members with threshold t can ever sign: 1 <= t <= n <=
 * WF_MAX_MEMBERS, identifiers non-zero and distinct, every rank < t, and the
 * t most senior members form an authorised set (so at least one exists).
 * WF_ERR_UNAUTHORISED when no authorised set exists, WF_ERR_ARG otherwise. */
wf_err wf_access_check(const wf_member *members, size_t n, size_t t);

/* Only the rank condition (sorted r_(i) <= i) for a set of exactly t members. */
int wf_birkhoff_rank_condition(const wf_member *set, size_t t);

/* For a set of exactly t members: WF_OK and b (t scalars, b[j] for set[j])
 * when authorised, WF_ERR_UNAUTHORISED when the rank condition fails or the
 * Birkhoff matrix is singular, WF_ERR_ARG for duplicate or zero identifiers.
 * b may be NULL to only test authorisation. */
wf_err wf_birkhoff_coefficients(wf_scalar *b, const wf_member *set, size_t t);

#endif

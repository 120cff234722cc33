#include "birkhoff.h"

#include <stdlib.h>
#include <string.h>

#include <gmp.h>

/* q as an mpz, for the (public) linear algebra below. */
static void order_mpz(mpz_t q)
{
    mpz_import(q, WF_SCALAR_BYTES, 1, 1, 1, 0, WF_SECP256K1_ORDER);
}

/* k!/(k-r)! · x^(k-r) mod q, or 0 when k < r. */
static void entry_mpz(mpz_t out, const mpz_t x, uint32_t rank, uint32_t k, const mpz_t q)
{
    if (k < rank) {
        mpz_set_ui(out, 0);
        return;
    }
    mpz_powm_ui(out, x, k - rank, q);
    for (uint32_t f = k; f > k - rank; f--)
        mpz_mul_ui(out, out, f);
    mpz_mod(out, out, q);
}

wf_err wf_birkhoff_entry(wf_scalar *out, const wf_member *m, uint32_t k)
{
    if (out == NULL || m == NULL)
        return WF_ERR_ARG;
    mpz_t q, x, v;
    mpz_inits(q, x, v, NULL);
    order_mpz(q);
    wf_scalar_to_mpz(x, &m->x);
    entry_mpz(v, x, m->rank, k, q);
    wf_scalar_from_mpz(out, v);
    mpz_clears(q, x, v, NULL);
    return WF_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int wf_birkhoff_rank_condition(const wf_member *set, size_t t)
{
    if (set == NULL || t == 0 || t > WF_MAX_MEMBERS)
        return 0;
    uint32_t ranks[WF_MAX_MEMBERS];
    for (size_t i = 0; i < t; i++)
        ranks[i] = set[i].rank;
    qsort(ranks, t, sizeof ranks[0], cmp_u32);
    for (size_t i = 0; i < t; i++)
        if (ranks[i] > i)
            return 0;
    return 1;
}

static int ids_valid(const wf_member *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (wf_scalar_is_zero(&m[i].x))
            return 0;
        for (size_t j = 0; j < i; j++)
            if (wf_scalar_eq(&m[i].x, &m[j].x))
                return 0;
    }
    return 1;
}

/* Solves Bᵀ·b = e_0 mod q by Gauss–Jordan elimination; b is then row 0 of
 * B⁻¹. Returns 0 when B is singular. a is a t×(t+1) augmented matrix. */
static int solve_row0(mpz_t *a, size_t t, const mpz_t q, mpz_t *b)
{
    size_t w = t + 1;
    mpz_t inv, f;
    mpz_inits(inv, f, NULL);
    int ok = 1;
    for (size_t col = 0; col < t && ok; col++) {
        size_t piv = col;
        while (piv < t && mpz_sgn(a[piv * w + col]) == 0)
            piv++;
        if (piv == t) {
            ok = 0;
            break;
        }
        for (size_t k = 0; k < w; k++)
            mpz_swap(a[piv * w + k], a[col * w + k]);
        mpz_invert(inv, a[col * w + col], q);
        for (size_t k = 0; k < w; k++) {
            mpz_mul(a[col * w + k], a[col * w + k], inv);
            mpz_mod(a[col * w + k], a[col * w + k], q);
        }
        for (size_t r = 0; r < t; r++) {
            if (r == col || mpz_sgn(a[r * w + col]) == 0)
                continue;
            mpz_set(f, a[r * w + col]);
            for (size_t k = 0; k < w; k++) {
                mpz_submul(a[r * w + k], f, a[col * w + k]);
                mpz_mod(a[r * w + k], a[r * w + k], q);
            }
        }
    }
    for (size_t j = 0; ok && j < t; j++)
        mpz_set(b[j], a[j * w + t]);
    mpz_clears(inv, f, NULL);
    return ok;
}

wf_err wf_birkhoff_coefficients(wf_scalar *b, const wf_member *set, size_t t)
{
    if (set == NULL || t == 0 || t > WF_MAX_MEMBERS)
        return WF_ERR_ARG;
    if (!ids_valid(set, t))
        return WF_ERR_ARG;
    if (!wf_birkhoff_rank_condition(set, t))
        return WF_ERR_UNAUTHORISED;

    size_t w = t + 1;
    mpz_t q, x;
    mpz_t *a = malloc(sizeof(mpz_t) * t * w);
    mpz_t *sol = malloc(sizeof(mpz_t) * t);
    if (a == NULL || sol == NULL) {
        free(a);
        free(sol);
        return WF_ERR_NOMEM;
    }
    mpz_inits(q, x, NULL);
    order_mpz(q);
    /* Row k of the augmented system is column k of B: Bᵀ[k][j] = B[j][k]. */
    for (size_t k = 0; k < t; k++) {
        for (size_t j = 0; j < t; j++) {
            mpz_init(a[k * w + j]);
            wf_scalar_to_mpz(x, &set[j].x);
            entry_mpz(a[k * w + j], x, set[j].rank, (uint32_t)k, q);
        }
        mpz_init_set_ui(a[k * w + t], k == 0 ? 1 : 0);
        mpz_init(sol[k]);
    }
    wf_err err = solve_row0(a, t, q, sol) ? WF_OK : WF_ERR_UNAUTHORISED;
    for (size_t j = 0; j < t; j++) {
        if (err == WF_OK && b != NULL)
            wf_scalar_from_mpz(&b[j], sol[j]);
        mpz_clear(sol[j]);
    }
    for (size_t i = 0; i < t * w; i++)
        mpz_clear(a[i]);
    mpz_clears(q, x, NULL);
    free(a);
    free(sol);
    return err;
}

static int cmp_member_rank(const void *a, const void *b)
{
    return cmp_u32(&((const wf_member *)a)->rank, &((const wf_member *)b)->rank);
}

wf_err wf_access_check(const wf_member *members, size_t n, size_t t)
{
    if (members == NULL || t == 0 || t > n || n > WF_MAX_MEMBERS)
        return WF_ERR_ARG;
    if (!ids_valid(members, n))
        return WF_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if (members[i].rank >= t)
            return WF_ERR_UNAUTHORISED;
    /* If the t most senior members are not authorised, no set is: any other
     * t-set has sorted ranks at least as large, position by position. */
    wf_member sorted[WF_MAX_MEMBERS];
    memcpy(sorted, members, n * sizeof *members);
    qsort(sorted, n, sizeof *sorted, cmp_member_rank);
    return wf_birkhoff_coefficients(NULL, sorted, t);
}

/* Montgomery arithmetic over an odd modulus, and the exponentiations built on
 * it: simultaneous (Straus) multi-exponentiation and fixed-base combs.
 *
 * GMP keeps its Montgomery code internal; this is the part the proofs need,
 * on top of GMP's public mpn layer:
 *
 *   - a context (wf_mont) for one modulus m, in one of two modes:
 *       constant time (ct = 1): products by mpn_sec_mul / mpn_sec_sqr, the
 *         reduction by mpn_addmul_1 rows and mpn_cnd_sub_n, every table read
 *         by mpn_sec_tabselect; the sequence of operations and memory
 *         addresses depends only on the public sizes and bit bounds, never on
 *         the values of bases, exponents or modulus. For secret exponents and
 *         for secret moduli (the CRT halves p, q, p², q² of a Paillier key).
 *       fast (ct = 0): mpn_mul_n / mpn_sqr and zero digits skipped, for
 *         public operands only (verifiers).
 *   - wf_mont_multi_powm: Π b_i^{e_i} mod m with non-negative exponents given
 *     with public bit bounds, sharing one chain of squarings (Straus).
 *   - wf_mont_comb: a precomputed fixed-base table for one long-lived base
 *     (ring-Pedersen s and t), and wf_mont_comb_powm: Π g_i^{x_i} for signed
 *     secret x_i with |x_i| <= 2^{bound_i}, about bound/WF_MONT_COMB_TEETH
 *     multiplications and WF_MONT_COMB_SPACING squarings in all.
 *
 * Values "in Montgomery form" are n-limb arrays holding a·R mod m (R = B^n),
 * possibly not fully reduced (only < B^n); wf_mont_from reduces fully.
 *
 * Thread safety: contexts and combs are read-only after creation; scratch is
 * per call. */
#ifndef WF_MONT_H
#define WF_MONT_H

#include <stddef.h>
#include <gmp.h>

#include "err.h"

typedef struct wf_mont {
    mp_size_t n;    /* limbs of m */
    mp_limb_t *m;   /* the modulus, n limbs */
    mp_limb_t *one; /* R mod m: 1 in Montgomery form */
    mp_limb_t *rr;  /* R² mod m, to enter Montgomery form */
    mp_limb_t minv; /* -m^{-1} mod B */
    int ct;         /* 1: constant-time mode */
    mp_limb_t *mem; /* the one allocation behind m, one, rr */
} wf_mont;

/* m odd and > 1 (else WF_ERR_ARG). m may be secret (ct = 1): it is wiped by
 * wf_mont_clear. */
wf_err wf_mont_init(wf_mont *ctx, const mpz_t m, int ct);
/* Wipes and frees; accepts a zeroed context. */
void wf_mont_clear(wf_mont *ctx);

/* Limbs of scratch the functions below need (a multiple of ctx->n). */
mp_size_t wf_mont_itch(const wf_mont *ctx);

/* x = the n-limb zero-padded form of 0 <= a < B^n (for mpn calls). */
void wf_mpn_pad(mp_limb_t *x, const mpz_t a, mp_size_t n);

/* r = a·R mod m for any integer a (reduced mod m first; a must be a unit for
 * the exponentiations to mean anything, which callers check). */
void wf_mont_to(const wf_mont *ctx, mp_limb_t *r, const mpz_t a, mp_limb_t *scratch);
/* out = a·R^{-1} mod m, fully reduced into [0, m). */
void wf_mont_from(const wf_mont *ctx, mpz_t out, const mp_limb_t *a, mp_limb_t *scratch);
/* r = a·b·R^{-1} (Montgomery product); r may alias a or b. */
void wf_mont_mul(const wf_mont *ctx, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                 mp_limb_t *scratch);

/* One factor b^e of a multi-exponentiation: b any integer (reduced mod m),
 * e >= 0 with e < 2^bits. bits is public; in constant-time mode the time
 * depends on it and not on e. */
typedef struct wf_mont_term {
    mpz_srcptr b;
    mpz_srcptr e;
    mp_bitcnt_t bits;
} wf_mont_term;

/* out = Π b_i^{e_i} mod m, in [0, m). WF_ERR_RANGE if some e_i is negative
 * or not below 2^bits; WF_ERR_NOMEM. */
wf_err wf_mont_multi_powm(mpz_t out, const wf_mont *ctx, const wf_mont_term *terms, size_t k);

/* out = Π b_i^{e_i} mod n for PUBLIC bases and exponents of any sign (a
 * negative one inverts its base), by one fast-mode Straus pass: the squarings
 * are shared, so s^x·t^y costs little more than its longer power. n odd > 1
 * (else WF_ERR_ARG); WF_ERR_NOT_UNIT if a base to invert is not a unit. */
wf_err wf_mont_powm_public(mpz_t out, const mpz_t n, const mpz_srcptr *b, const mpz_srcptr *e, size_t k);

/* ---- fixed-base combs ---- */

/* Comb shape: each table lookup covers WF_MONT_COMB_TEETH exponent bits spaced
 * WF_MONT_COMB_SPACING apart, so an exponent of L bits costs about
 * L/TEETH multiplications and SPACING squarings, and the table holds
 * 2^TEETH entries per TEETH·SPACING exponent bits. */
#define WF_MONT_COMB_TEETH   5u
#define WF_MONT_COMB_SPACING 8u

typedef struct wf_mont_comb wf_mont_comb;

/* Table for base g (a unit mod m, public) covering signed exponents with
 * |x| <= 2^max_bound. ctx must be constant-time and outlive the comb. */
wf_err wf_mont_comb_new(wf_mont_comb **out, const wf_mont *ctx, const mpz_t g, unsigned max_bound);
/* Accepts NULL. */
void wf_mont_comb_free(wf_mont_comb *comb);
/* The largest bound the comb accepts. */
unsigned wf_mont_comb_max_bound(const wf_mont_comb *comb);

/* One factor g^x of a comb product: x secret and signed, |x| <= 2^bound. */
typedef struct wf_mont_comb_term {
    const wf_mont_comb *comb;
    mpz_srcptr x;
    unsigned bound;
} wf_mont_comb_term;

/* out = Π g_i^{x_i} mod m (all combs over the same context), in constant time
 * for given bounds. WF_ERR_RANGE if |x_i| > 2^bound_i; WF_ERR_ARG if a bound
 * exceeds its comb's max_bound or the combs do not share one context. */
wf_err wf_mont_comb_powm(mpz_t out, const wf_mont_comb_term *terms, size_t k);

#endif

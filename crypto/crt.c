#include "crt.h"

#include <stdlib.h>

#include "modexp.h"
#include "mont.h"
#include "secmem.h"

/* The exponent of one term for one half, as a wf_mont_term. */
typedef struct crt_exp {
    mpz_t b, e; /* b: base or its inverse; e: exponent used */
    mp_bitcnt_t bits;
} crt_exp;

/* Per term, decided from public values only: use e (or -e with the inverted
 * base) as it is, reduce it modulo the order at the fixed width, or (mod N²,
 * e = N) take the Paillier shortcut below. */
typedef struct crt_plan {
    int reduce;
    int nth;   /* e = N, mod N² */
    mpz_t inv; /* public b^{-1} mod N or N², when e < 0 and not reduced */
} crt_plan;

/* One half of the CRT: the prime r, the other prime, the modulus m = r or r²
 * and the order o of Z*_m, at the fixed exponent width. */
typedef struct crt_half {
    mpz_srcptr r, other, m, o;
    mp_bitcnt_t width;
} crt_half;

static wf_err plan_terms(crt_plan *plan, const wf_crt_term *t, size_t k, const wf_paillier_sk *sk, int sq,
                         mp_bitcnt_t width)
{
    for (size_t i = 0; i < k; i++) {
        size_t bits = mpz_sizeinbase(t[i].e, 2);
        plan[i].nth = sq && mpz_cmp(t[i].e, sk->pk.n) == 0;
        plan[i].reduce = t[i].secret || bits > width;
        if (!plan[i].nth && !plan[i].reduce && mpz_sgn(t[i].e) < 0 &&
            !mpz_invert(plan[i].inv, t[i].b, sq ? sk->pk.n2 : sk->pk.n))
            return WF_ERR_NOT_UNIT; /* public base: a variable-time inverse is fine */
    }
    return WF_OK;
}

/* b^N mod r² as v^r with v = b^{other mod (r-1)} mod r: for u ≡ v (mod r),
 * u^r ≡ v^r (mod r²), so b^N = (b^other)^r only needs b^other mod r. Two
 * exponents of |N|/2 bits (one at half the modulus size) instead of one of
 * |N|: the base and exponent of the term that replaces b^N. */
static wf_err nth_term(mpz_t v, mpz_t e, const crt_half *h, mpz_srcptr b)
{
    wf_mont ctx;
    wf_err err = wf_mont_init(&ctx, h->r, 1);
    if (err != WF_OK)
        return err;
    mpz_t rm1;
    mpz_init(rm1);
    mpz_sub_ui(rm1, h->r, 1);
    mpz_mod(e, h->other, rm1);
    const wf_mont_term term = {.b = b, .e = e, .bits = h->width / 2}; /* width = |N| here */
    err = wf_mont_multi_powm(v, &ctx, &term, 1);
    mpz_set(e, h->r);
    wf_mpz_wipe(rm1);
    mpz_clear(rm1);
    wf_mont_clear(&ctx);
    return err;
}

/* x = Π b_i^{e_i} mod h->m. */
static wf_err crt_half_powm(mpz_t x, const crt_half *h, const wf_crt_term *t, const crt_plan *plan, size_t k)
{
    crt_exp *ex = calloc(k + 1, sizeof *ex);
    wf_mont_term *mt = calloc(k + 1, sizeof *mt);
    wf_mont ctx;
    wf_err err = (ex == NULL || mt == NULL) ? WF_ERR_NOMEM : wf_mont_init(&ctx, h->m, 1);
    if (err != WF_OK) {
        free(ex);
        free(mt);
        return err;
    }
    for (size_t i = 0; i < k; i++) {
        mpz_inits(ex[i].b, ex[i].e, NULL);
        ex[i].bits = h->width;
        if (plan[i].nth) {
            ex[i].bits = h->width / 2; /* the exponent r */
            if (err == WF_OK)
                err = nth_term(ex[i].b, ex[i].e, h, t[i].b);
        } else if (plan[i].reduce) {
            mpz_mod(ex[i].b, t[i].b, h->m);
            mpz_mod(ex[i].e, t[i].e, h->o); /* b^e = b^{e mod o} for a unit b */
        } else {
            mpz_mod(ex[i].b, mpz_sgn(t[i].e) < 0 ? plan[i].inv : t[i].b, h->m);
            mpz_abs(ex[i].e, t[i].e);
            ex[i].bits = mpz_sizeinbase(t[i].e, 2);
        }
        mt[i] = (wf_mont_term){.b = ex[i].b, .e = ex[i].e, .bits = ex[i].bits};
    }
    if (err == WF_OK)
        err = wf_mont_multi_powm(x, &ctx, mt, k);
    for (size_t i = 0; i < k; i++) {
        wf_mpz_wipe(ex[i].b);
        wf_mpz_wipe(ex[i].e);
        mpz_clears(ex[i].b, ex[i].e, NULL);
    }
    wf_mont_clear(&ctx);
    free(ex);
    free(mt);
    return err;
}

wf_err wf_crt_powm(mpz_t out, const wf_paillier_sk *sk, wf_crt_modulus mod, const wf_crt_term *terms,
                   size_t k)
{
    if (out == NULL || sk == NULL || (terms == NULL && k > 0))
        return WF_ERR_ARG;
    const int sq = mod == WF_CRT_MOD_N2;
    /* Public widths: p, q < 2^{|N|/2}, so p-1 < 2^{|N|/2} and p(p-1) < 2^{|N|}. */
    const mp_bitcnt_t width = sq ? sk->pk.bits : sk->pk.bits / 2;
    crt_plan *plan = calloc(k + 1, sizeof *plan);
    if (plan == NULL)
        return WF_ERR_NOMEM;
    for (size_t i = 0; i < k; i++)
        mpz_init(plan[i].inv);
    mpz_t xp, xq, op, oq;
    mpz_inits(xp, xq, op, oq, NULL);
    wf_err err = plan_terms(plan, terms, k, sk, sq, width);
    if (sq) {
        mpz_mul(op, sk->p.v, sk->pm1.v);
        mpz_mul(oq, sk->q.v, sk->qm1.v);
    } else {
        mpz_set(op, sk->pm1.v);
        mpz_set(oq, sk->qm1.v);
    }
    const crt_half hp = {sk->p.v, sk->q.v, sq ? sk->p2.v : sk->p.v, op, width};
    const crt_half hq = {sk->q.v, sk->p.v, sq ? sk->q2.v : sk->q.v, oq, width};
    if (err == WF_OK)
        err = crt_half_powm(xp, &hp, terms, plan, k);
    if (err == WF_OK)
        err = crt_half_powm(xq, &hq, terms, plan, k);
    if (err == WF_OK)
        wf_crt_combine(out, xp, xq, hp.m, hq.m, sq ? sk->q2inv_p2.v : sk->qinv_p.v);
    for (size_t i = 0; i < k; i++)
        mpz_clear(plan[i].inv);
    free(plan);
    mpz_ptr wipe[] = {xp, xq, op, oq};
    for (size_t i = 0; i < 4; i++) {
        wf_mpz_wipe(wipe[i]);
        mpz_clear(wipe[i]);
    }
    return err;
}

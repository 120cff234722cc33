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
 * base) as it is, or reduce it modulo the order at the fixed width. */
typedef struct crt_plan {
    int reduce;
    mpz_t inv; /* public b^{-1} mod N or N², when e < 0 and not reduced */
} crt_plan;

static wf_err plan_terms(crt_plan *plan, const wf_crt_term *t, size_t k, mpz_srcptr mod, mp_bitcnt_t width)
{
    for (size_t i = 0; i < k; i++) {
        size_t bits = mpz_sizeinbase(t[i].e, 2);
        plan[i].reduce = t[i].secret || bits > width;
        if (!plan[i].reduce && mpz_sgn(t[i].e) < 0 && !mpz_invert(plan[i].inv, t[i].b, mod))
            return WF_ERR_NOT_UNIT; /* public base: a variable-time inverse is fine */
    }
    return WF_OK;
}

/* x = Π b_i^{e_i} mod m, for m = r or r², order o. */
static wf_err crt_half_powm(mpz_t x, mpz_srcptr m, mpz_srcptr o, mp_bitcnt_t width, const wf_crt_term *t,
                            const crt_plan *plan, size_t k)
{
    crt_exp *ex = malloc(k * sizeof *ex);
    wf_mont_term *mt = malloc(k * sizeof *mt);
    wf_mont ctx;
    wf_err err = (ex == NULL || mt == NULL) ? WF_ERR_NOMEM : wf_mont_init(&ctx, m, 1);
    if (err != WF_OK) {
        free(ex);
        free(mt);
        return err;
    }
    for (size_t i = 0; i < k; i++) {
        mpz_inits(ex[i].b, ex[i].e, NULL);
        if (plan[i].reduce) {
            mpz_mod(ex[i].b, t[i].b, m);
            mpz_mod(ex[i].e, t[i].e, o); /* b^e = b^{e mod o} for a unit b */
            ex[i].bits = width;
        } else {
            mpz_mod(ex[i].b, mpz_sgn(t[i].e) < 0 ? plan[i].inv : t[i].b, m);
            mpz_abs(ex[i].e, t[i].e);
            ex[i].bits = mpz_sizeinbase(t[i].e, 2);
        }
        mt[i] = (wf_mont_term){.b = ex[i].b, .e = ex[i].e, .bits = ex[i].bits};
    }
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
    wf_err err = plan_terms(plan, terms, k, sq ? sk->pk.n2 : sk->pk.n, width);
    if (sq) {
        mpz_mul(op, sk->p.v, sk->pm1.v);
        mpz_mul(oq, sk->q.v, sk->qm1.v);
    } else {
        mpz_set(op, sk->pm1.v);
        mpz_set(oq, sk->qm1.v);
    }
    mpz_srcptr mp = sq ? sk->p2.v : sk->p.v, mq = sq ? sk->q2.v : sk->q.v;
    if (err == WF_OK)
        err = crt_half_powm(xp, mp, op, width, terms, plan, k);
    if (err == WF_OK)
        err = crt_half_powm(xq, mq, oq, width, terms, plan, k);
    if (err == WF_OK)
        wf_crt_combine(out, xp, xq, mp, mq, sq ? sk->q2inv_p2.v : sk->qinv_p.v);
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

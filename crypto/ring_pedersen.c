#include "ring_pedersen.h"

#include <stdlib.h>

#include "modexp.h"
#include "mont.h"
#include "random.h"

/* Fixed-base tables for s and t over one constant-time context. */
struct wf_rped_accel {
    wf_mont ctx;
    wf_mont_comb *s, *t;
};

static void accel_free(struct wf_rped_accel *a)
{
    if (a == NULL)
        return;
    wf_mont_comb_free(a->s);
    wf_mont_comb_free(a->t);
    wf_mont_clear(&a->ctx);
    free(a);
}

static wf_rped *rped_new(void)
{
    wf_rped *r = calloc(1, sizeof *r);
    if (r != NULL)
        mpz_inits(r->n, r->s, r->t, NULL);
    return r;
}

void wf_rped_free(wf_rped *params)
{
    if (params == NULL)
        return;
    accel_free(params->accel);
    mpz_clears(params->n, params->s, params->t, NULL);
    free(params);
}

const wf_paillier_sk *wf_rped_owner(const wf_rped *params)
{
    if (params == NULL || params->owner == NULL || mpz_cmp(params->owner->pk.n, params->n) != 0)
        return NULL;
    return params->owner;
}

wf_err wf_rped_precompute(wf_rped *params)
{
    if (params == NULL || mpz_even_p(params->n) || mpz_cmp_ui(params->n, 1) <= 0)
        return WF_ERR_ARG;
    if (params->accel != NULL)
        return WF_OK;
    struct wf_rped_accel *a = calloc(1, sizeof *a);
    if (a == NULL)
        return WF_ERR_NOMEM;
    unsigned max_bound = (unsigned)mpz_sizeinbase(params->n, 2) + WF_RPED_ACCEL_EXTRA_BITS;
    wf_err err = wf_mont_init(&a->ctx, params->n, 1);
    if (err == WF_OK)
        err = wf_mont_comb_new(&a->s, &a->ctx, params->s, max_bound);
    if (err == WF_OK)
        err = wf_mont_comb_new(&a->t, &a->ctx, params->t, max_bound);
    if (err != WF_OK) {
        accel_free(a);
        return err;
    }
    params->accel = a;
    return WF_OK;
}

static wf_rped_secret *rped_secret_new(void)
{
    wf_rped_secret *sec = wf_secure_alloc(sizeof *sec);
    if (sec != NULL)
        mpz_inits(sec->lambda.v, sec->phi.v, NULL);
    return sec;
}

void wf_rped_secret_free(wf_rped_secret *secret)
{
    if (secret == NULL)
        return;
    wf_mpz_wipe(secret->lambda.v);
    wf_mpz_wipe(secret->phi.v);
    mpz_clears(secret->lambda.v, secret->phi.v, NULL);
    wf_secure_free(secret);
}

/* WF_OK if 1 < v < N and gcd(v, N) = 1. v is public. */
static wf_err base_check(const mpz_t v, const mpz_t n)
{
    if (mpz_cmp_ui(v, 1) <= 0 || mpz_cmp(v, n) >= 0)
        return WF_ERR_RANGE;
    mpz_t g;
    mpz_init(g);
    mpz_gcd(g, v, n);
    int unit = mpz_cmp_ui(g, 1) == 0;
    mpz_clear(g);
    return unit ? WF_OK : WF_ERR_NOT_UNIT;
}

wf_err wf_rped_params_check(const wf_rped *params, unsigned bits)
{
    if (params == NULL || bits < WF_PAILLIER_MIN_BITS)
        return WF_ERR_ARG;
    mpz_srcptr n = params->n;
    if (mpz_sgn(n) <= 0 || mpz_even_p(n) || mpz_sizeinbase(n, 2) != bits || params->bits != bits)
        return WF_ERR_RANGE;
    wf_err err = base_check(params->s, n);
    if (err == WF_OK)
        err = base_check(params->t, n);
    if (err == WF_OK && mpz_cmp(params->s, params->t) == 0)
        err = WF_ERR_RANGE;
    return err;
}

wf_err wf_rped_from_values(wf_rped **out, const mpz_t n, const mpz_t s, const mpz_t t, unsigned bits)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (n == NULL || s == NULL || t == NULL)
        return WF_ERR_ARG;
    wf_rped *r = rped_new();
    if (r == NULL)
        return WF_ERR_NOMEM;
    mpz_set(r->n, n);
    mpz_set(r->s, s);
    mpz_set(r->t, t);
    r->bits = (unsigned)mpz_sizeinbase(n, 2);
    wf_err err = wf_rped_params_check(r, bits);
    if (err != WF_OK) {
        wf_rped_free(r);
        return err;
    }
    *out = r;
    return WF_OK;
}

/* One draw of (t, λ, s) over N with group order φ. */
static wf_err rped_draw(wf_rped *r, wf_rped_secret *sec)
{
    mpz_t x;
    mpz_init(x);
    wf_err err = wf_mpz_random_unit(x, r->n);
    if (err == WF_OK) {
        mpz_powm_ui(r->t, x, 2, r->n); /* t = x² mod N; t is public, x is discarded */
        /* λ uniform in [1, φ): mpz_powm_sec needs a positive exponent. */
        do {
            err = wf_mpz_random_below(sec->lambda.v, sec->phi.v);
        } while (err == WF_OK && mpz_sgn(sec->lambda.v) == 0);
    }
    if (err == WF_OK)
        mpz_powm_sec(r->s, r->t, sec->lambda.v, r->n);
    wf_mpz_wipe(x);
    mpz_clear(x);
    return err;
}

wf_err wf_rped_generate(wf_rped **params_out, wf_rped_secret **secret_out, const wf_paillier_sk *sk)
{
    if (params_out == NULL || secret_out == NULL)
        return WF_ERR_ARG;
    *params_out = NULL;
    *secret_out = NULL;
    if (sk == NULL)
        return WF_ERR_ARG;
    wf_rped *r = rped_new();
    wf_rped_secret *sec = rped_secret_new();
    wf_err err = (r == NULL || sec == NULL) ? WF_ERR_NOMEM : WF_OK;
    if (err == WF_OK) {
        mpz_set(r->n, sk->pk.n);
        r->bits = sk->pk.bits;
        r->owner = sk;
        mpz_set(sec->phi.v, sk->phi.v);
        /* Retries only if t or s is 1 or s = t: probability ~2^-(bits/2). */
        do {
            err = rped_draw(r, sec);
        } while (err == WF_OK && wf_rped_params_check(r, r->bits) != WF_OK);
    }
    if (err != WF_OK) {
        wf_rped_free(r);
        wf_rped_secret_free(sec);
        return err;
    }
    *params_out = r;
    *secret_out = sec;
    return WF_OK;
}

wf_err wf_rped_commit(mpz_t out, const wf_rped *params, const mpz_t x, unsigned x_bits, const mpz_t y,
                      unsigned y_bits)
{
    if (out == NULL || params == NULL || x == NULL || y == NULL)
        return WF_ERR_ARG;
    const struct wf_rped_accel *a = params->accel;
    if (a != NULL && x_bits <= wf_mont_comb_max_bound(a->s) && y_bits <= wf_mont_comb_max_bound(a->t)) {
        const wf_mont_comb_term terms[2] = {{.comb = a->s, .x = x, .bound = x_bits},
                                            {.comb = a->t, .x = y, .bound = y_bits}};
        return wf_mont_comb_powm(out, terms, 2);
    }
    mpz_t sx, ty;
    mpz_inits(sx, ty, NULL);
    wf_err err = wf_powm_sec_signed(sx, params->s, x, x_bits, params->n);
    if (err == WF_OK)
        err = wf_powm_sec_signed(ty, params->t, y, y_bits, params->n);
    if (err == WF_OK) {
        mpz_mul(sx, sx, ty);
        mpz_mod(out, sx, params->n);
    }
    wf_mpz_wipe(sx);
    wf_mpz_wipe(ty);
    mpz_clears(sx, ty, NULL);
    return err;
}

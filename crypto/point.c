#include "point.h"

#include <string.h>

#include "curve.h"
#include "secmem.h"

/* Scratch objects for one point operation. */
typedef struct point_work {
    BN_CTX *ctx;
    EC_POINT *a, *b, *r;
    BIGNUM *k1, *k2;
} point_work;

static void work_free(point_work *w)
{
    EC_POINT_free(w->a);
    EC_POINT_free(w->b);
    EC_POINT_free(w->r);
    BN_clear_free(w->k1);
    BN_clear_free(w->k2);
    BN_CTX_free(w->ctx);
}

static wf_err work_init(point_work *w)
{
    const EC_GROUP *g = wf_curve_group();
    *w = (point_work){0};
    w->ctx = BN_CTX_secure_new();
    w->a = EC_POINT_new(g);
    w->b = EC_POINT_new(g);
    w->r = EC_POINT_new(g);
    w->k1 = BN_secure_new();
    w->k2 = BN_secure_new();
    if (w->ctx == NULL || w->a == NULL || w->b == NULL || w->r == NULL || w->k1 == NULL || w->k2 == NULL) {
        work_free(w);
        return WF_ERR_NOMEM;
    }
    return WF_OK;
}

static wf_err parse_octets(wf_point *out, const uint8_t *in, size_t len)
{
    point_work w;
    wf_err err = work_init(&w);
    if (err != WF_OK)
        return err;
    /* EC_POINT_oct2point checks the point is on the curve */
    if (!EC_POINT_oct2point(wf_curve_group(), w.r, in, len, w.ctx))
        err = WF_ERR_NOT_ON_CURVE;
    else if (EC_POINT_is_at_infinity(wf_curve_group(), w.r))
        err = WF_ERR_INFINITY;
    else
        err = wf_point_from_ec(out, w.r, w.ctx);
    work_free(&w);
    return err;
}

wf_err wf_point_parse(wf_point *out, const uint8_t *in, size_t len)
{
    if (out == NULL || in == NULL)
        return WF_ERR_ARG;
    if (len != WF_POINT_BYTES)
        return WF_ERR_ENCODING;
    if (in[0] != 0x02 && in[0] != 0x03)
        return WF_ERR_ENCODING;
    return parse_octets(out, in, len);
}

wf_err wf_point_parse_uncompressed(wf_point *out, const uint8_t *in, size_t len)
{
    if (out == NULL || in == NULL)
        return WF_ERR_ARG;
    if (len != WF_POINT_UNCOMPRESSED_BYTES || in[0] != 0x04)
        return WF_ERR_ENCODING;
    return parse_octets(out, in, len);
}

wf_err wf_point_serialize(uint8_t out[WF_POINT_BYTES], const wf_point *p)
{
    if (p->infinity)
        return WF_ERR_INFINITY;
    out[0] = (uint8_t)(0x02 | (p->y[31] & 1));
    memcpy(out + 1, p->x, 32);
    return WF_OK;
}

wf_err wf_point_serialize_uncompressed(uint8_t out[WF_POINT_UNCOMPRESSED_BYTES], const wf_point *p)
{
    if (p->infinity)
        return WF_ERR_INFINITY;
    out[0] = 0x04;
    memcpy(out + 1, p->x, 32);
    memcpy(out + 33, p->y, 32);
    return WF_OK;
}

void wf_point_set_infinity(wf_point *out)
{
    *out = (wf_point){0};
    out->infinity = 1;
}

int wf_point_is_infinity(const wf_point *p)
{
    return p->infinity != 0;
}

int wf_point_eq(const wf_point *a, const wf_point *b)
{
    if (a->infinity || b->infinity)
        return a->infinity && b->infinity;
    return memcmp(a->x, b->x, 32) == 0 && memcmp(a->y, b->y, 32) == 0;
}

int wf_point_y_is_odd(const wf_point *p)
{
    return p->infinity ? 0 : (p->y[31] & 1);
}

void wf_point_generator(wf_point *out)
{
    point_work w;
    if (work_init(&w) != WF_OK) {
        wf_point_set_infinity(out);
        return;
    }
    wf_point_from_ec(out, EC_GROUP_get0_generator(wf_curve_group()), w.ctx);
    work_free(&w);
}

/* r = k1*G (when use_g) + k2*P (when p != NULL). */
static wf_err mul_run(wf_point *out, const wf_scalar *k1, const wf_scalar *k2, const wf_point *p)
{
    point_work w;
    wf_err err = work_init(&w);
    if (err != WF_OK)
        return err;
    const BIGNUM *gk = NULL, *pk = NULL;
    const EC_POINT *pp = NULL;
    if (k1 != NULL) {
        if ((err = wf_scalar_to_bn(w.k1, k1)) != WF_OK)
            goto done;
        gk = w.k1;
    }
    if (p != NULL && k2 != NULL) {
        if ((err = wf_scalar_to_bn(w.k2, k2)) != WF_OK || (err = wf_point_to_ec(w.a, p, w.ctx)) != WF_OK)
            goto done;
        pk = w.k2;
        pp = w.a;
    }
    if (!EC_POINT_mul(wf_curve_group(), w.r, gk, pp, pk, w.ctx)) {
        err = WF_ERR_INTERNAL;
        goto done;
    }
    err = wf_point_from_ec(out, w.r, w.ctx);
done:
    work_free(&w);
    return err;
}

wf_err wf_point_base_mul(wf_point *out, const wf_scalar *k)
{
    return mul_run(out, k, NULL, NULL);
}

wf_err wf_point_mul(wf_point *out, const wf_point *p, const wf_scalar *k)
{
    return mul_run(out, NULL, k, p);
}

wf_err wf_point_base_mul_add(wf_point *out, const wf_scalar *a, const wf_scalar *b, const wf_point *p)
{
    return mul_run(out, a, b, p);
}

/* r = a + b, or r = -a when b is NULL. */
static wf_err add_run(wf_point *out, const wf_point *a, const wf_point *b)
{
    point_work w;
    wf_err err = work_init(&w);
    if (err != WF_OK)
        return err;
    const EC_GROUP *g = wf_curve_group();
    if ((err = wf_point_to_ec(w.a, a, w.ctx)) != WF_OK)
        goto done;
    if (b != NULL) {
        if ((err = wf_point_to_ec(w.b, b, w.ctx)) != WF_OK)
            goto done;
        if (!EC_POINT_add(g, w.r, w.a, w.b, w.ctx)) {
            err = WF_ERR_INTERNAL;
            goto done;
        }
    } else if (!EC_POINT_copy(w.r, w.a) || !EC_POINT_invert(g, w.r, w.ctx)) {
        err = WF_ERR_INTERNAL;
        goto done;
    }
    err = wf_point_from_ec(out, w.r, w.ctx);
done:
    work_free(&w);
    return err;
}

wf_err wf_point_add(wf_point *out, const wf_point *a, const wf_point *b)
{
    return add_run(out, a, b);
}

wf_err wf_point_neg(wf_point *out, const wf_point *a)
{
    return add_run(out, a, NULL);
}

wf_err wf_point_msm(wf_point *out, const wf_scalar *k, const wf_point *p, size_t n)
{
    point_work w;
    wf_err err = work_init(&w);
    if (err != WF_OK)
        return err;
    const EC_GROUP *g = wf_curve_group();
    if (!EC_POINT_set_to_infinity(g, w.r)) {
        err = WF_ERR_INTERNAL;
        goto done;
    }
    /* Two terms per EC_POINT_mul call would need a generator; terms are
     * folded one at a time, each a constant-time ladder. */
    for (size_t i = 0; i < n; i++) {
        if ((err = wf_point_to_ec(w.a, &p[i], w.ctx)) != WF_OK ||
            (err = wf_scalar_to_bn(w.k1, &k[i])) != WF_OK)
            goto done;
        if (!EC_POINT_mul(g, w.b, NULL, w.a, w.k1, w.ctx) || !EC_POINT_add(g, w.r, w.r, w.b, w.ctx)) {
            err = WF_ERR_INTERNAL;
            goto done;
        }
    }
    err = wf_point_from_ec(out, w.r, w.ctx);
done:
    work_free(&w);
    return err;
}

wf_err wf_point_x_mod_q(wf_scalar *out, const wf_point *p)
{
    if (p->infinity)
        return WF_ERR_INFINITY;
    return wf_scalar_reduce_bytes(out, p->x, 32);
}

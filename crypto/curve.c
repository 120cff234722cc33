#include "curve.h"

#include <openssl/obj_mac.h>

static EC_GROUP *group;     /* read-only after wf_curve_init */
static const BIGNUM *order; /* owned by group */

wf_err wf_curve_init(void)
{
    if (group != NULL)
        return WF_OK;
    group = EC_GROUP_new_by_curve_name(NID_secp256k1);
    if (group == NULL)
        return WF_ERR_INTERNAL;
    order = EC_GROUP_get0_order(group);
    return order != NULL ? WF_OK : WF_ERR_INTERNAL;
}

const EC_GROUP *wf_curve_group(void)
{
    return group;
}

const BIGNUM *wf_curve_order(void)
{
    return order;
}

wf_err wf_scalar_to_bn(BIGNUM *out, const wf_scalar *a)
{
    if (out == NULL || a == NULL)
        return WF_ERR_ARG;
    BN_set_flags(out, BN_FLG_CONSTTIME);
    return BN_bin2bn(a->b, WF_SCALAR_BYTES, out) != NULL ? WF_OK : WF_ERR_INTERNAL;
}

wf_err wf_scalar_from_bn(wf_scalar *out, const BIGNUM *a)
{
    if (BN_is_negative(a) || BN_cmp(a, order) >= 0)
        return WF_ERR_RANGE;
    return BN_bn2binpad(a, out->b, WF_SCALAR_BYTES) == WF_SCALAR_BYTES ? WF_OK : WF_ERR_INTERNAL;
}

wf_err wf_point_to_ec(EC_POINT *out, const wf_point *p, BN_CTX *ctx)
{
    if (p->infinity)
        return EC_POINT_set_to_infinity(group, out) ? WF_OK : WF_ERR_INTERNAL;
    wf_err err = WF_ERR_INTERNAL;
    BN_CTX_start(ctx);
    BIGNUM *x = BN_CTX_get(ctx);
    BIGNUM *y = BN_CTX_get(ctx);
    if (y != NULL && BN_bin2bn(p->x, 32, x) && BN_bin2bn(p->y, 32, y)) {
        /* OpenSSL reduces coordinates mod p before its on-curve check, so a
         * coordinate >= p would stand for another point: refuse it here. */
        const BIGNUM *field = EC_GROUP_get0_field(group);
        if (BN_cmp(x, field) >= 0 || BN_cmp(y, field) >= 0)
            err = WF_ERR_NOT_ON_CURVE;
        else
            err = EC_POINT_set_affine_coordinates(group, out, x, y, ctx) ? WF_OK : WF_ERR_NOT_ON_CURVE;
    }
    BN_CTX_end(ctx);
    return err;
}

wf_err wf_point_from_ec(wf_point *out, const EC_POINT *p, BN_CTX *ctx)
{
    *out = (wf_point){0};
    if (EC_POINT_is_at_infinity(group, p)) {
        out->infinity = 1;
        return WF_OK;
    }
    wf_err err = WF_ERR_INTERNAL;
    BN_CTX_start(ctx);
    BIGNUM *x = BN_CTX_get(ctx);
    BIGNUM *y = BN_CTX_get(ctx);
    if (y != NULL && EC_POINT_get_affine_coordinates(group, p, x, y, ctx) &&
        BN_bn2binpad(x, out->x, 32) == 32 && BN_bn2binpad(y, out->y, 32) == 32)
        err = WF_OK;
    BN_CTX_end(ctx);
    return err;
}

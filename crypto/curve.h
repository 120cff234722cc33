/* Internal to crypto/: the shared, read-only secp256k1 group and conversions
 * between wf_scalar / wf_point and OpenSSL's BIGNUM / EC_POINT. */
#ifndef WF_CURVE_H
#define WF_CURVE_H

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "err.h"
#include "point.h"
#include "scalar.h"

/* Builds the group once; called by wf_crypto_init(). */
wf_err wf_curve_init(void);
const EC_GROUP *wf_curve_group(void);
const BIGNUM *wf_curve_order(void);

/* Loads a scalar into a BIGNUM flagged constant-time. */
wf_err wf_scalar_to_bn(BIGNUM *out, const wf_scalar *a);
/* Stores a BIGNUM already in [0, q) into a scalar. */
wf_err wf_scalar_from_bn(wf_scalar *out, const BIGNUM *a);

wf_err wf_point_to_ec(EC_POINT *out, const wf_point *p, BN_CTX *ctx);
wf_err wf_point_from_ec(wf_point *out, const EC_POINT *p, BN_CTX *ctx);

#endif

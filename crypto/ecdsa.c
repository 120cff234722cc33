#include "ecdsa.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include "curve.h"
#include "secmem.h"

/* 1 when a holds a value in [1, q): the struct is public, so a caller could
 * have filled it with anything. */
static int scalar_in_range_nonzero(const wf_scalar *a)
{
    wf_scalar tmp;
    int ok = wf_scalar_parse_nonzero(&tmp, a->b, WF_SCALAR_BYTES) == WF_OK;
    wf_scalar_wipe(&tmp);
    return ok;
}

static int sig_scalars_ok(const wf_ecdsa_sig *sig)
{
    return scalar_in_range_nonzero(&sig->r) && scalar_in_range_nonzero(&sig->s);
}

wf_err wf_ecdsa_digest_scalar(wf_scalar *e, const uint8_t digest[WF_ECDSA_DIGEST_BYTES])
{
    if (e == NULL || digest == NULL)
        return WF_ERR_ARG;
    return wf_scalar_reduce_bytes(e, digest, WF_ECDSA_DIGEST_BYTES);
}

wf_err wf_ecdsa_verify(const wf_point *pub, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                       const wf_ecdsa_sig *sig)
{
    if (pub == NULL || digest == NULL || sig == NULL)
        return WF_ERR_ARG;
    if (wf_point_is_infinity(pub))
        return WF_ERR_INFINITY;
    if (!sig_scalars_ok(sig))
        return WF_ERR_VERIFY;
    wf_scalar e, w, u1, u2, x;
    wf_point R;
    wf_err err;
    /* w = 1/s, u1 = e·w, u2 = r·w, R = u1·G + u2·P */
    if ((err = wf_ecdsa_digest_scalar(&e, digest)) != WF_OK || (err = wf_scalar_inv(&w, &sig->s)) != WF_OK ||
        (err = wf_scalar_mul(&u1, &e, &w)) != WF_OK || (err = wf_scalar_mul(&u2, &sig->r, &w)) != WF_OK ||
        (err = wf_point_base_mul_add(&R, &u1, &u2, pub)) != WF_OK)
        return err;
    if (wf_point_is_infinity(&R))
        return WF_ERR_VERIFY;
    if ((err = wf_point_x_mod_q(&x, &R)) != WF_OK)
        return err;
    return wf_scalar_eq(&x, &sig->r) ? WF_OK : WF_ERR_VERIFY;
}

wf_err wf_ecdsa_verify_strict(const wf_point *pub, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                              const wf_ecdsa_sig *sig)
{
    if (pub == NULL || digest == NULL || sig == NULL)
        return WF_ERR_ARG;
    if (wf_scalar_is_high(&sig->s))
        return WF_ERR_VERIFY;
    return wf_ecdsa_verify(pub, digest, sig);
}

wf_err wf_ecdsa_normalize_low_s(wf_ecdsa_sig *sig)
{
    if (sig == NULL)
        return WF_ERR_ARG;
    if (!wf_scalar_is_high(&sig->s))
        return WF_OK;
    /* (r, -s) is the signature made with nonce -k, whose R has the other y. */
    wf_err err = wf_scalar_neg(&sig->s, &sig->s);
    if (err == WF_OK)
        sig->v ^= 1;
    return err;
}

wf_err wf_ecdsa_recovery_id(const wf_point *R, uint8_t *v)
{
    if (R == NULL || v == NULL)
        return WF_ERR_ARG;
    if (wf_point_is_infinity(R))
        return WF_ERR_INFINITY;
    /* x(R) < p < 2q, so x >= q happens (with probability ~2^-127) only when
     * r = x - q. R is public: an ordinary comparison is fine. */
    int x_high = memcmp(R->x, WF_SECP256K1_ORDER, WF_SCALAR_BYTES) >= 0;
    *v = (uint8_t)(wf_point_y_is_odd(R) | (x_high << 1));
    return WF_OK;
}

/* R from r and v: x = r (+ q when v & 2), which must stay below p, and y of
 * parity v & 1. */
static wf_err rebuild_nonce_point(wf_point *R, const wf_scalar *r, uint8_t v)
{
    uint8_t enc[WF_POINT_BYTES];
    wf_err err = WF_ERR_NOMEM;
    BIGNUM *x = BN_new();
    if (x == NULL)
        return err;
    err = WF_ERR_INTERNAL;
    if (BN_bin2bn(r->b, WF_SCALAR_BYTES, x) == NULL)
        goto done;
    if ((v & 2) && !BN_add(x, x, wf_curve_order()))
        goto done;
    if (BN_cmp(x, EC_GROUP_get0_field(wf_curve_group())) >= 0) {
        err = WF_ERR_RANGE;
        goto done;
    }
    enc[0] = (uint8_t)(0x02 | (v & 1));
    if (BN_bn2binpad(x, enc + 1, 32) != 32)
        goto done;
    err = wf_point_parse(R, enc, sizeof enc); /* NOT_ON_CURVE when x³+7 is no square */
done:
    BN_free(x);
    return err;
}

wf_err wf_ecdsa_recover(wf_point *pub_out, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                        const wf_ecdsa_sig *sig)
{
    if (pub_out == NULL || digest == NULL || sig == NULL)
        return WF_ERR_ARG;
    if (!sig_scalars_ok(sig) || sig->v > 3)
        return WF_ERR_RANGE;
    wf_scalar e, rinv, u1, u2;
    wf_point R, Q;
    wf_err err;
    /* Q = r^-1 (s·R - e·G) = (-e·r^-1)·G + (s·r^-1)·R */
    if ((err = rebuild_nonce_point(&R, &sig->r, sig->v)) != WF_OK ||
        (err = wf_ecdsa_digest_scalar(&e, digest)) != WF_OK ||
        (err = wf_scalar_inv(&rinv, &sig->r)) != WF_OK || (err = wf_scalar_mul(&u1, &e, &rinv)) != WF_OK ||
        (err = wf_scalar_neg(&u1, &u1)) != WF_OK || (err = wf_scalar_mul(&u2, &sig->s, &rinv)) != WF_OK ||
        (err = wf_point_base_mul_add(&Q, &u1, &u2, &R)) != WF_OK)
        return err;
    if (wf_point_is_infinity(&Q))
        return WF_ERR_INFINITY;
    *pub_out = Q;
    return WF_OK;
}

/* An OpenSSL ECDSA_SIG holding (r, s); NULL on allocation failure. */
static ECDSA_SIG *sig_to_openssl(const wf_ecdsa_sig *sig)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig->r.b, WF_SCALAR_BYTES, NULL);
    BIGNUM *s = BN_bin2bn(sig->s.b, WF_SCALAR_BYTES, NULL);
    if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return NULL;
    }
    return es; /* owns r and s now */
}

wf_err wf_ecdsa_sig_to_der(uint8_t *out, size_t *len, const wf_ecdsa_sig *sig)
{
    if (out == NULL || len == NULL || sig == NULL)
        return WF_ERR_ARG;
    if (!sig_scalars_ok(sig))
        return WF_ERR_RANGE;
    ECDSA_SIG *es = sig_to_openssl(sig);
    if (es == NULL)
        return WF_ERR_NOMEM;
    wf_err err = WF_ERR_INTERNAL;
    int n = i2d_ECDSA_SIG(es, NULL);
    if (n > 0 && (size_t)n > *len) {
        err = WF_ERR_ARG;
    } else if (n > 0 && n <= WF_ECDSA_DER_MAX) {
        unsigned char *p = out;
        if (i2d_ECDSA_SIG(es, &p) == n) {
            *len = (size_t)n;
            err = WF_OK;
        }
    }
    ECDSA_SIG_free(es);
    return err;
}

/* An INTEGER of the parsed signature as a scalar in [1, q). */
static wf_err bn_to_sig_scalar(wf_scalar *out, const BIGNUM *bn)
{
    uint8_t buf[WF_SCALAR_BYTES];
    if (BN_is_negative(bn) || BN_num_bytes(bn) > WF_SCALAR_BYTES)
        return WF_ERR_RANGE;
    if (BN_bn2binpad(bn, buf, WF_SCALAR_BYTES) != WF_SCALAR_BYTES)
        return WF_ERR_INTERNAL;
    return wf_scalar_parse_nonzero(out, buf, sizeof buf);
}

/* 1 when re-encoding es gives back exactly in[0..len). */
static int der_is_canonical(const ECDSA_SIG *es, const uint8_t *in, size_t len)
{
    uint8_t again[WF_ECDSA_DER_MAX + 8];
    int n = i2d_ECDSA_SIG(es, NULL);
    if (n <= 0 || (size_t)n != len || (size_t)n > sizeof again)
        return 0;
    unsigned char *p = again;
    return i2d_ECDSA_SIG(es, &p) == n && memcmp(again, in, len) == 0;
}

wf_err wf_ecdsa_sig_from_der(wf_ecdsa_sig *sig, const uint8_t *in, size_t len)
{
    if (sig == NULL || in == NULL)
        return WF_ERR_ARG;
    if (len == 0 || len > WF_ECDSA_DER_MAX)
        return WF_ERR_ENCODING;
    const unsigned char *p = in;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (es == NULL)
        return WF_ERR_ENCODING;
    wf_err err = WF_ERR_ENCODING;
    /* d2i is lenient (BER lengths, padded integers) and may stop early:
     * insist that the whole input is the one canonical encoding. */
    if (p == in + len && der_is_canonical(es, in, len)) {
        wf_ecdsa_sig tmp = {0};
        if ((err = bn_to_sig_scalar(&tmp.r, ECDSA_SIG_get0_r(es))) == WF_OK &&
            (err = bn_to_sig_scalar(&tmp.s, ECDSA_SIG_get0_s(es))) == WF_OK)
            *sig = tmp;
    }
    ECDSA_SIG_free(es);
    return err;
}

wf_err wf_ecdsa_sig_to_compact(uint8_t out[WF_ECDSA_COMPACT_BYTES], const wf_ecdsa_sig *sig)
{
    if (out == NULL || sig == NULL)
        return WF_ERR_ARG;
    if (!sig_scalars_ok(sig) || sig->v > 3)
        return WF_ERR_RANGE;
    wf_scalar_serialize(out, &sig->r);
    wf_scalar_serialize(out + WF_SCALAR_BYTES, &sig->s);
    out[2 * WF_SCALAR_BYTES] = sig->v;
    return WF_OK;
}

wf_err wf_ecdsa_sig_from_compact(wf_ecdsa_sig *sig, const uint8_t *in, size_t len)
{
    if (sig == NULL || in == NULL)
        return WF_ERR_ARG;
    if (len != WF_ECDSA_COMPACT_BYTES)
        return WF_ERR_ENCODING;
    wf_ecdsa_sig tmp;
    wf_err err;
    if ((err = wf_scalar_parse_nonzero(&tmp.r, in, WF_SCALAR_BYTES)) != WF_OK ||
        (err = wf_scalar_parse_nonzero(&tmp.s, in + WF_SCALAR_BYTES, WF_SCALAR_BYTES)) != WF_OK)
        return err;
    tmp.v = in[2 * WF_SCALAR_BYTES];
    if (tmp.v > 3)
        return WF_ERR_RANGE;
    *sig = tmp;
    return WF_OK;
}

/* Secret temporaries of one signing operation, kept in locked memory. */
typedef struct sign_secrets {
    wf_scalar e, kinv, rx, sum;
} sign_secrets;

/* s = k^-1 (e + r·x), every step a constant-time scalar operation. */
static wf_err sign_compute_s(wf_scalar *s, sign_secrets *t, const uint8_t *digest, const wf_scalar *r,
                             const wf_scalar *x, const wf_scalar *k)
{
    wf_err err;
    if ((err = wf_ecdsa_digest_scalar(&t->e, digest)) != WF_OK ||
        (err = wf_scalar_inv(&t->kinv, k)) != WF_OK || (err = wf_scalar_mul(&t->rx, r, x)) != WF_OK ||
        (err = wf_scalar_add(&t->sum, &t->e, &t->rx)) != WF_OK)
        return err;
    return wf_scalar_mul(s, &t->kinv, &t->sum);
}

wf_err wf_ecdsa_sign_with_key(wf_ecdsa_sig *sig, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                              const wf_scalar *privkey, const wf_scalar *nonce)
{
    if (sig == NULL || digest == NULL || privkey == NULL || nonce == NULL)
        return WF_ERR_ARG;
    if (wf_scalar_is_zero(privkey) || wf_scalar_is_zero(nonce))
        return WF_ERR_RANGE;
    sign_secrets *t = wf_secure_alloc(sizeof *t);
    if (t == NULL)
        return WF_ERR_NOMEM;
    wf_ecdsa_sig out = {0};
    wf_point R;
    wf_err err;
    if ((err = wf_point_base_mul(&R, nonce)) != WF_OK || (err = wf_point_x_mod_q(&out.r, &R)) != WF_OK ||
        (err = wf_ecdsa_recovery_id(&R, &out.v)) != WF_OK)
        goto done;
    if (wf_scalar_is_zero(&out.r)) {
        err = WF_ERR_RANGE;
        goto done;
    }
    if ((err = sign_compute_s(&out.s, t, digest, &out.r, privkey, nonce)) != WF_OK)
        goto done;
    if (wf_scalar_is_zero(&out.s)) {
        err = WF_ERR_RANGE;
        goto done;
    }
    if ((err = wf_ecdsa_normalize_low_s(&out)) == WF_OK)
        *sig = out;
done:
    wf_secure_free(t); /* wipes */
    return err;
}

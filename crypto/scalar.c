#include "scalar.h"

#include <string.h>

#include <sodium.h>

#include "curve.h"
#include "hash.h"
#include "random.h"
#include "secmem.h"

const uint8_t WF_SECP256K1_ORDER[WF_SCALAR_BYTES] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
    0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
};

/* q/2 rounded down: s values above it are "high". */
static const uint8_t HALF_ORDER[WF_SCALAR_BYTES] = {
    0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
};

/* Constant-time a < b over 32 big-endian bytes: returns 1 or 0 with no
 * branch or early exit on the bytes. */
static int ct_less_than(const uint8_t *a, const uint8_t *b)
{
    unsigned lt = 0, decided = 0;
    for (size_t i = 0; i < WF_SCALAR_BYTES; i++) {
        unsigned x = a[i], y = b[i];
        unsigned is_lt = (x - y) >> 31 & 1; /* x < y */
        unsigned is_gt = (y - x) >> 31 & 1; /* x > y */
        lt |= is_lt & ~decided;
        decided |= is_lt | is_gt;
    }
    return (int)(lt & 1);
}

wf_err wf_scalar_parse(wf_scalar *out, const uint8_t *in, size_t len)
{
    if (out == NULL || in == NULL)
        return WF_ERR_ARG;
    if (len != WF_SCALAR_BYTES)
        return WF_ERR_ENCODING;
    if (!ct_less_than(in, WF_SECP256K1_ORDER))
        return WF_ERR_RANGE;
    memcpy(out->b, in, WF_SCALAR_BYTES);
    return WF_OK;
}

wf_err wf_scalar_parse_nonzero(wf_scalar *out, const uint8_t *in, size_t len)
{
    wf_err err = wf_scalar_parse(out, in, len);
    if (err == WF_OK && wf_scalar_is_zero(out)) {
        wf_scalar_wipe(out);
        return WF_ERR_RANGE;
    }
    return err;
}

void wf_scalar_serialize(uint8_t out[WF_SCALAR_BYTES], const wf_scalar *a)
{
    memcpy(out, a->b, WF_SCALAR_BYTES);
}

void wf_scalar_set_u64(wf_scalar *out, uint64_t v)
{
    memset(out->b, 0, WF_SCALAR_BYTES);
    for (int i = 0; i < 8; i++)
        out->b[WF_SCALAR_BYTES - 1 - i] = (uint8_t)(v >> (8 * i));
}

typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_NEG, OP_INV, OP_REDUCE } scalar_op;

/* Runs one modular operation through a secure BN_CTX; every temporary is
 * cleared when the context is freed. */
static wf_err scalar_op_run(scalar_op op, wf_scalar *r, const wf_scalar *a, const wf_scalar *b,
                            const uint8_t *raw, size_t raw_len)
{
    BN_CTX *ctx = BN_CTX_secure_new();
    if (ctx == NULL)
        return WF_ERR_NOMEM;
    wf_err err = WF_ERR_INTERNAL;
    BN_CTX_start(ctx);
    BIGNUM *x = BN_CTX_get(ctx), *y = BN_CTX_get(ctx), *z = BN_CTX_get(ctx);
    if (z == NULL)
        goto done;
    BN_set_flags(z, BN_FLG_CONSTTIME);
    if (op == OP_REDUCE) {
        BN_set_flags(x, BN_FLG_CONSTTIME);
        if (BN_bin2bn(raw, (int)raw_len, x) == NULL)
            goto done;
    } else if (wf_scalar_to_bn(x, a) != WF_OK) {
        goto done;
    }
    if (b != NULL && wf_scalar_to_bn(y, b) != WF_OK)
        goto done;
    const BIGNUM *q = wf_curve_order();
    int ok = 0;
    switch (op) {
    case OP_ADD: ok = BN_mod_add(z, x, y, q, ctx); break;
    case OP_SUB: ok = BN_mod_sub(z, x, y, q, ctx); break;
    case OP_MUL: ok = BN_mod_mul(z, x, y, q, ctx); break;
    case OP_NEG: ok = BN_mod_sub(z, q, x, q, ctx); break;
    case OP_INV: ok = BN_mod_inverse(z, x, q, ctx) != NULL; break;
    case OP_REDUCE: ok = BN_nnmod(z, x, q, ctx); break;
    }
    if (ok)
        err = wf_scalar_from_bn(r, z);
done:
    BN_CTX_end(ctx);
    BN_CTX_free(ctx);
    return err;
}

wf_err wf_scalar_reduce_bytes(wf_scalar *out, const uint8_t *in, size_t len)
{
    if (out == NULL || (in == NULL && len > 0) || len > 1024)
        return WF_ERR_ARG;
    return scalar_op_run(OP_REDUCE, out, NULL, NULL, in, len);
}

void wf_scalar_from_mpz(wf_scalar *out, const mpz_t v)
{
    mpz_t q, t;
    mpz_init(t);
    mpz_init(q);
    mpz_import(q, WF_SCALAR_BYTES, 1, 1, 1, 0, WF_SECP256K1_ORDER);
    mpz_mod(t, v, q); /* always non-negative */
    memset(out->b, 0, WF_SCALAR_BYTES);
    size_t count = 0;
    uint8_t buf[WF_SCALAR_BYTES];
    mpz_export(buf, &count, 1, 1, 1, 0, t);
    memcpy(out->b + WF_SCALAR_BYTES - count, buf, count);
    wf_memzero(buf, sizeof buf);
    mpz_clear(t);
    mpz_clear(q);
}

void wf_scalar_to_mpz(mpz_t out, const wf_scalar *a)
{
    mpz_import(out, WF_SCALAR_BYTES, 1, 1, 1, 0, a->b);
}

void wf_scalar_random(wf_scalar *out)
{
    /* Rejection sampling: the chance a draw is >= q or zero is about 2^-128. */
    do {
        wf_random_bytes(out->b, WF_SCALAR_BYTES);
    } while (!ct_less_than(out->b, WF_SECP256K1_ORDER) || wf_scalar_is_zero(out));
}

wf_err wf_scalar_add(wf_scalar *r, const wf_scalar *a, const wf_scalar *b)
{
    return scalar_op_run(OP_ADD, r, a, b, NULL, 0);
}

wf_err wf_scalar_sub(wf_scalar *r, const wf_scalar *a, const wf_scalar *b)
{
    return scalar_op_run(OP_SUB, r, a, b, NULL, 0);
}

wf_err wf_scalar_mul(wf_scalar *r, const wf_scalar *a, const wf_scalar *b)
{
    return scalar_op_run(OP_MUL, r, a, b, NULL, 0);
}

wf_err wf_scalar_neg(wf_scalar *r, const wf_scalar *a)
{
    return scalar_op_run(OP_NEG, r, a, NULL, NULL, 0);
}

wf_err wf_scalar_inv(wf_scalar *r, const wf_scalar *a)
{
    if (wf_scalar_is_zero(a))
        return WF_ERR_RANGE;
    return scalar_op_run(OP_INV, r, a, NULL, NULL, 0);
}

int wf_scalar_is_zero(const wf_scalar *a)
{
    return sodium_is_zero(a->b, WF_SCALAR_BYTES);
}

int wf_scalar_eq(const wf_scalar *a, const wf_scalar *b)
{
    return sodium_memcmp(a->b, b->b, WF_SCALAR_BYTES) == 0;
}

int wf_scalar_is_high(const wf_scalar *a)
{
    return ct_less_than(HALF_ORDER, a->b);
}

void wf_scalar_wipe(wf_scalar *a)
{
    sodium_memzero(a->b, WF_SCALAR_BYTES);
}

wf_err wf_scalar_hash(wf_scalar *out, const char *domain, const uint8_t *msg, size_t len)
{
    if (out == NULL || domain == NULL || (msg == NULL && len > 0))
        return WF_ERR_ARG;
    uint8_t digest[WF_SHA512_BYTES];
    const wf_hash_part parts[] = {
        {(const uint8_t *)domain, strlen(domain)},
        {msg, len},
    };
    wf_err err = wf_sha512_parts(digest, parts, 2, 1);
    if (err == WF_OK)
        err = wf_scalar_reduce_bytes(out, digest, sizeof digest);
    wf_memzero(digest, sizeof digest);
    return err;
}

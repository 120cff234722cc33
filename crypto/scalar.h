/* Scalars modulo the secp256k1 group order q, held as 32 big-endian bytes.
 *
 * A wf_scalar is a plain value type, always fully reduced (< q). A scalar that
 * is a secret must live inside wf_secure_alloc() memory (put it in a struct
 * allocated that way) and be wiped with wf_scalar_wipe(). Arithmetic runs
 * through OpenSSL's BIGNUM with a secure BN_CTX; inversion uses the
 * constant-time path (BN_FLG_CONSTTIME). */
#ifndef WF_SCALAR_H
#define WF_SCALAR_H

#include <stddef.h>
#include <stdint.h>
#include <gmp.h>

#include "err.h"

#define WF_SCALAR_BYTES 32

typedef struct wf_scalar {
    uint8_t b[WF_SCALAR_BYTES];
} wf_scalar;

/* The group order q as 32 big-endian bytes (read-only). */
extern const uint8_t WF_SECP256K1_ORDER[WF_SCALAR_BYTES];

/* Parses exactly 32 big-endian bytes; values >= q give WF_ERR_RANGE. */
wf_err wf_scalar_parse(wf_scalar *out, const uint8_t *in, size_t len);
/* Same, but zero is refused too (WF_ERR_RANGE): for keys, nonces, identifiers. */
wf_err wf_scalar_parse_nonzero(wf_scalar *out, const uint8_t *in, size_t len);
void wf_scalar_serialize(uint8_t out[WF_SCALAR_BYTES], const wf_scalar *a);

void wf_scalar_set_u64(wf_scalar *out, uint64_t v);
/* Reduces any number of big-endian bytes modulo q. */
wf_err wf_scalar_reduce_bytes(wf_scalar *out, const uint8_t *in, size_t len);
/* Reduces a (possibly negative) GMP integer modulo q. */
void wf_scalar_from_mpz(wf_scalar *out, const mpz_t v);
void wf_scalar_to_mpz(mpz_t out, const wf_scalar *a);

/* Uniform in [1, q). */
void wf_scalar_random(wf_scalar *out);

wf_err wf_scalar_add(wf_scalar *r, const wf_scalar *a, const wf_scalar *b);
wf_err wf_scalar_sub(wf_scalar *r, const wf_scalar *a, const wf_scalar *b);
wf_err wf_scalar_mul(wf_scalar *r, const wf_scalar *a, const wf_scalar *b);
wf_err wf_scalar_neg(wf_scalar *r, const wf_scalar *a);
/* Constant-time inverse; WF_ERR_RANGE for zero. */
wf_err wf_scalar_inv(wf_scalar *r, const wf_scalar *a);

/* Constant-time comparisons (no early exit on secret bytes). */
int wf_scalar_is_zero(const wf_scalar *a);
int wf_scalar_eq(const wf_scalar *a, const wf_scalar *b);
/* 1 if a > q/2 (the "high s" half). */
int wf_scalar_is_high(const wf_scalar *a);

void wf_scalar_wipe(wf_scalar *a);

/* Hash to scalar: SHA-512 over a length-prefixed domain tag and message,
 * reduced mod q (bias below 2^-256). */
wf_err wf_scalar_hash(wf_scalar *out, const char *domain, const uint8_t *msg, size_t len);

#endif

/* Points of secp256k1 over OpenSSL's EC_POINT, held as a plain value.
 *
 * A wf_point stores the affine coordinates (or the infinity flag); every
 * wf_point made by this module is on the curve. Serialisation is the 33-byte
 * SEC1 compressed form. Parsers reject off-curve points and, unless asked,
 * the point at infinity. Multiplication by a secret scalar uses OpenSSL's
 * constant-time ladder (EC_POINT_mul with a BN_FLG_CONSTTIME scalar). */
#ifndef WF_POINT_H
#define WF_POINT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "scalar.h"

#define WF_POINT_BYTES              33 /* compressed SEC1 */
#define WF_POINT_UNCOMPRESSED_BYTES 65

typedef struct wf_point {
    uint8_t x[32];
    uint8_t y[32];
    uint8_t infinity; /* 1 for the point at infinity, x and y then zero */
} wf_point;

/* 33-byte compressed parse; rejects infinity and off-curve points. */
wf_err wf_point_parse(wf_point *out, const uint8_t *in, size_t len);
/* 65-byte uncompressed (0x04 || x || y) parse; rejects off-curve points. */
wf_err wf_point_parse_uncompressed(wf_point *out, const uint8_t *in, size_t len);
/* Writes 33 bytes. Infinity is refused (WF_ERR_INFINITY): it has no wire form. */
wf_err wf_point_serialize(uint8_t out[WF_POINT_BYTES], const wf_point *p);
wf_err wf_point_serialize_uncompressed(uint8_t out[WF_POINT_UNCOMPRESSED_BYTES], const wf_point *p);

void wf_point_set_infinity(wf_point *out);
int wf_point_is_infinity(const wf_point *p);
int wf_point_eq(const wf_point *a, const wf_point *b);
/* Parity of y (0 even, 1 odd); 0 for infinity. */
int wf_point_y_is_odd(const wf_point *p);

void wf_point_generator(wf_point *out);
/* out = k * G */
wf_err wf_point_base_mul(wf_point *out, const wf_scalar *k);
/* out = k * P */
wf_err wf_point_mul(wf_point *out, const wf_point *p, const wf_scalar *k);
/* out = a * G + b * P (public inputs: not constant time) */
wf_err wf_point_base_mul_add(wf_point *out, const wf_scalar *a, const wf_scalar *b, const wf_point *p);
wf_err wf_point_add(wf_point *out, const wf_point *a, const wf_point *b);
wf_err wf_point_neg(wf_point *out, const wf_point *a);
/* out = sum k[i] * P[i] over public inputs. n may be 0 (result infinity). */
wf_err wf_point_msm(wf_point *out, const wf_scalar *k, const wf_point *p, size_t n);

/* The x coordinate reduced mod q (the "r" of ECDSA); infinity is refused. */
wf_err wf_point_x_mod_q(wf_scalar *out, const wf_point *p);

#endif

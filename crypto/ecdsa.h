/* ECDSA over secp256k1: verification, public-key recovery, low-s
 * normalisation and the three wire forms of a signature (DER, compact
 * r‖s‖v, and the struct below).
 *
 * The message digest e is the 32-byte big-endian integer reduced mod q (for
 * secp256k1 the digest and q have the same bit length, so no truncation).
 *
 * A signature is (r, s) with r, s in [1, q) plus a recovery id v in 0..3:
 *   bit 0 = parity of y(R), bit 1 = 1 when x(R) >= q (so r = x(R) - q),
 * where R = k·G is the nonce point. Signatures made here are always low-s
 * (s <= q/2, BIP-62/146); normalising a high-s signature negates s, which
 * negates R, so bit 0 of v flips with it.
 *
 * Everything here works on public values only, except
 * wf_ecdsa_sign_with_key(), which handles a private key and a nonce. */
#ifndef WF_ECDSA_H
#define WF_ECDSA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "point.h"
#include "scalar.h"

#define WF_ECDSA_DIGEST_BYTES  32
#define WF_ECDSA_DER_MAX       72 /* 30 46 02 21 00‖r 02 21 00‖s */
#define WF_ECDSA_COMPACT_BYTES 65 /* r ‖ s ‖ v */

typedef struct wf_ecdsa_sig {
    wf_scalar r, s;
    uint8_t v; /* recovery id 0..3 */
} wf_ecdsa_sig;

/* e = digest as a big-endian integer, reduced mod q. */
wf_err wf_ecdsa_digest_scalar(wf_scalar *e, const uint8_t digest[WF_ECDSA_DIGEST_BYTES]);

/* Standard ECDSA verification: r, s in [1, q), w = s^-1, u1 = e·w, u2 = r·w,
 * R = u1·G + u2·P, accept iff R is not infinity and x(R) mod q == r.
 * Accepts BOTH high and low s (as plain ECDSA does) and ignores v.
 * WF_OK when the signature checks, WF_ERR_VERIFY when it does not,
 * WF_ERR_INFINITY / WF_ERR_NOT_ON_CURVE for an unusable public key. */
wf_err wf_ecdsa_verify(const wf_point *pub, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                       const wf_ecdsa_sig *sig);
/* Same, and also requires s <= q/2 (BIP-62/146 low s); high s gives WF_ERR_VERIFY. */
wf_err wf_ecdsa_verify_strict(const wf_point *pub, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                              const wf_ecdsa_sig *sig);

/* If s > q/2: s = q - s and bit 0 of v flips. Otherwise leaves sig unchanged. */
wf_err wf_ecdsa_normalize_low_s(wf_ecdsa_sig *sig);

/* Recovery id of the nonce point R: bit 0 = y parity, bit 1 = (x >= q). */
wf_err wf_ecdsa_recovery_id(const wf_point *R, uint8_t *v);

/* Public-key recovery: rebuilds R from x = r (+ q when v & 2; refused with
 * WF_ERR_RANGE if that reaches p) and y parity v & 1, then
 * Q = r^-1 (s·R - e·G). Refuses r or s zero or >= q and v > 3 (WF_ERR_RANGE),
 * an x with no point on the curve (WF_ERR_NOT_ON_CURVE) and a recovered
 * point at infinity (WF_ERR_INFINITY). The caller must still verify the
 * signature against the key it expects; recovery alone proves nothing. */
wf_err wf_ecdsa_recover(wf_point *pub_out, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                        const wf_ecdsa_sig *sig);

/* DER (SEQUENCE of two INTEGERs) through OpenSSL's ECDSA_SIG. *len is the
 * capacity of out on entry (WF_ECDSA_DER_MAX always suffices) and the
 * encoded length on return; too small a buffer gives WF_ERR_ARG. */
wf_err wf_ecdsa_sig_to_der(uint8_t *out, size_t *len, const wf_ecdsa_sig *sig);
/* Strict DER parser: the input must be exactly what wf_ecdsa_sig_to_der
 * would produce for the same (r, s): no BER lengths, no padding, no
 * trailing bytes (WF_ERR_ENCODING); r, s must be in [1, q) and non-negative
 * (WF_ERR_RANGE). DER carries no recovery id: v is set to 0. High s is
 * accepted here; use wf_ecdsa_verify_strict to refuse it. */
wf_err wf_ecdsa_sig_from_der(wf_ecdsa_sig *sig, const uint8_t *in, size_t len);

/* 65 bytes: r (32, big-endian) ‖ s (32) ‖ v (1, 0..3). */
wf_err wf_ecdsa_sig_to_compact(uint8_t out[WF_ECDSA_COMPACT_BYTES], const wf_ecdsa_sig *sig);
/* Exactly 65 bytes (else WF_ERR_ENCODING); r, s in [1, q) and v <= 3
 * (else WF_ERR_RANGE). Ethereum's 27/28 or EIP-155 v values must be
 * converted by the caller. */
wf_err wf_ecdsa_sig_from_compact(wf_ecdsa_sig *sig, const uint8_t *in, size_t len);

/* Single-key signing, for tests and for checking the threshold protocol's
 * final combination: R = k·G, r = x(R) mod q, s = k^-1 (e + r·x), then
 * normalised to low s with the matching v. x and k are secrets and are used
 * only through constant-time scalar operations; temporaries live in locked
 * memory and are wiped. x, k zero, r = 0 or s = 0 give WF_ERR_RANGE (the
 * caller picks another nonce). Never reuse a nonce. */
wf_err wf_ecdsa_sign_with_key(wf_ecdsa_sig *sig, const uint8_t digest[WF_ECDSA_DIGEST_BYTES],
                              const wf_scalar *privkey, const wf_scalar *nonce);

#endif

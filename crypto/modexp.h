/* Modular exponentiation and inversion with secret operands.
 *
 * GMP's ordinary mpz_powm/mpz_invert take time that depends on their operands.
 * These helpers route secret values through GMP's side-channel-silent paths
 * (mpn_sec_powm, mpn_sec_invert), which need an odd modulus; the signed
 * variant reads a bounded signed exponent as a sign and a magnitude of fixed
 * bit length, so the exponentiation (the whole cost) takes time that depends
 * on the public bound, not on the exponent's sign or size. The few additions and reductions around them are
 * ordinary GMP arithmetic, which is not guaranteed constant time.
 *
 * Thread safety: no shared state; safe to call from any thread. */
#ifndef WF_MODEXP_H
#define WF_MODEXP_H

#include <gmp.h>

#include "err.h"

/* Largest bound_bits accepted by wf_powm_sec_signed (guards against absurd
 * exponents that would exhaust memory). */
#define WF_MODEXP_MAX_BOUND_BITS (1u << 20)

/* rop = a^{-1} mod mod, computed with mpn_sec_invert (time independent of a).
 * mod must be odd and > 1 (else WF_ERR_ARG); a may be negative or unreduced.
 * WF_ERR_NOT_UNIT if gcd(a, mod) != 1 (rop is then left unchanged).
 * rop may alias a or mod. */
wf_err wf_invert_sec(mpz_t rop, const mpz_t a, const mpz_t mod);

/* rop = base^exp mod mod for a secret signed exp with |exp| <= 2^bound_bits.
 *
 * One exponentiation: a masked swap (mpn_cnd_swap on the sign) picks base or
 * base^{-1} (wf_invert_sec), which mpn_sec_powm raises to |exp| read as a
 * bound_bits+1-bit number, so the time depends on the public bound only, not
 * on the exponent's sign or size.
 *
 * Errors: WF_ERR_ARG if mod is even or <= 1 or bound_bits exceeds
 * WF_MODEXP_MAX_BOUND_BITS; WF_ERR_RANGE if |exp| > 2^bound_bits;
 * WF_ERR_NOT_UNIT if base is not invertible mod mod. On error rop is unchanged.
 * rop may alias any input. */
wf_err wf_powm_sec_signed(mpz_t rop, const mpz_t base, const mpz_t exp, unsigned bound_bits, const mpz_t mod);

/* Garner's CRT recombination: out ≡ xp mod m1, out ≡ xq mod m2, with
 * out = xq + m2·((xp − xq)·m2inv_m1 mod m1), in [0, m1·m2) for xq in [0, m2).
 * The temporary is wiped; out may alias xp or xq. */
void wf_crt_combine(mpz_t out, const mpz_t xp, const mpz_t xq, const mpz_t m1, const mpz_t m2,
                    const mpz_t m2inv_m1);

#endif

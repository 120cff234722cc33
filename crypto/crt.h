/* Products of powers Π b_i^{e_i} mod N or mod N², computed by a party that
 * holds N's factorisation (its own Paillier key): by CRT over p and q (mod N,
 * group orders p-1, q-1) or over p² and q² (mod N², orders p(p-1), q(q-1)),
 * each half a constant-time Straus multi-exponentiation (crypto/mont.h).
 *
 * Because p and q are secret, everything that depends on them runs in
 * constant time: exponents that get reduced modulo p-1 (or p(p-1)) are then
 * read at the fixed width |N|/2 (or |N|) bits, and the halves are always both
 * computed. What may vary is decided by public values only: a public exponent
 * shorter than that width is used as it is (its sign by inverting the public
 * base), longer ones are reduced.
 *
 * Results equal the plain mpz_powm products exactly, provided every base is a
 * unit mod N (callers check; a non-unit gives WF_ERR_NOT_UNIT when it would
 * need inverting, and an unspecified value otherwise).
 *
 * Thread safety: no shared state. */
#ifndef WF_CRT_H
#define WF_CRT_H

#include <stddef.h>
#include <gmp.h>

#include "err.h"
#include "paillier.h"

typedef enum wf_crt_modulus {
    WF_CRT_MOD_N,  /* results mod N */
    WF_CRT_MOD_N2, /* results mod N² */
} wf_crt_modulus;

typedef struct wf_crt_term {
    mpz_srcptr b; /* base, a unit mod N */
    mpz_srcptr e; /* exponent, any sign */
    int secret;   /* 1 if b or e is secret: e is then always reduced (fixed width) */
} wf_crt_term;

/* out = Π b_i^{e_i} mod N (or N²), in [0, modulus). WF_ERR_NOT_UNIT (see
 * above), WF_ERR_NOMEM, WF_ERR_ARG for NULLs. */
wf_err wf_crt_powm(mpz_t out, const wf_paillier_sk *sk, wf_crt_modulus mod, const wf_crt_term *terms,
                   size_t k);

#endif

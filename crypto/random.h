/* Randomness for every protocol value, drawn from libsodium's CSPRNG. */
#ifndef WF_RANDOM_H
#define WF_RANDOM_H

#include <stddef.h>
#include <gmp.h>

#include "err.h"

void wf_random_bytes(void *buf, size_t len);
/* rop uniform in [0, 2^bits). */
void wf_mpz_random_bits(mpz_t rop, unsigned bits);
/* rop uniform in [0, bound) by rejection; bound must be > 0. */
wf_err wf_mpz_random_below(mpz_t rop, const mpz_t bound);
/* rop uniform in [-2^bits, 2^bits] (the paper's ±2^bits intervals). */
void wf_mpz_random_pm(mpz_t rop, unsigned bits);
/* rop uniform in Z*_n (1 <= rop < n, gcd(rop, n) = 1); n must be > 1. */
wf_err wf_mpz_random_unit(mpz_t rop, const mpz_t n);

#endif

/* Safe primes p = 2p' + 1 (p' prime) for Paillier moduli.
 *
 * Generation is OpenSSL's BN_generate_prime_ex2 with safe = 1, which draws
 * candidates with the top two bits set, so every prime has exactly `bits` bits
 * and the product of two such primes has exactly 2·bits bits. A safe prime
 * larger than 7 is always ≡ 3 mod 4 (p' is odd), as Πmod needs.
 *
 * Thread safety: neither function touches global state beyond OpenSSL's own
 * thread-safe RNG and GMP (reentrant), so both may run on a background thread
 * and several may run at once. wf_crypto_init() must have completed first
 * (it installs GMP's wiping memory functions). */
#ifndef WF_SAFE_PRIME_H
#define WF_SAFE_PRIME_H

#include <gmp.h>

#include "err.h"

/* Smallest size accepted by the generator and the check (OpenSSL refuses
 * tiny safe primes; anything this small is a test value anyway). */
#define WF_SAFE_PRIME_MIN_BITS 16u
/* Miller–Rabin repetitions used by wf_safe_prime_check. */
#define WF_SAFE_PRIME_CHECK_REPS 40

/* Sets out to a fresh random safe prime of exactly `bits` bits with its top
 * two bits set. The prime is secret: intermediate buffers are wiped.
 *
 * cancel may be NULL. Otherwise it is polled throughout the search; as soon as
 * another thread stores a non-zero value there the search stops and
 * WF_ERR_CANCELLED is returned (out is then unchanged). The flag is read with
 * a relaxed atomic load, so writers should store it atomically too.
 *
 * Errors: WF_ERR_ARG (bits < WF_SAFE_PRIME_MIN_BITS), WF_ERR_CANCELLED,
 * WF_ERR_NOMEM, WF_ERR_INTERNAL (OpenSSL failure, or the result failed our own
 * independent GMP check). Seconds per call at 1024 bits; minutes are possible. */
wf_err wf_safe_prime_generate(mpz_t out, unsigned bits, const volatile int *cancel);

/* 1 if p is a safe prime of exactly `bits` bits with its top two bits set and
 * p ≡ 3 mod 4, with p and (p-1)/2 each passing WF_SAFE_PRIME_CHECK_REPS rounds
 * of mpz_probab_prime_p; 0 otherwise. Not constant time: use it only on one's
 * own primes at key generation. */
int wf_safe_prime_check(const mpz_t p, unsigned bits);

#endif

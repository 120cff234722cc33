/* Locked, wiped memory for secrets, and process-wide crypto initialisation.
 *
 * wf_crypto_init() must run once before any other wf_ function. It initialises
 * libsodium, installs GMP memory functions that wipe every limb buffer before
 * it is freed or moved (so no secret GMP value survives in freed heap), and
 * prepares the read-only secp256k1 group. It is safe to call more than once.
 *
 * Fixed-size secrets (scalars, seeds, keys) live in wf_secure_alloc() memory:
 * libsodium's guarded, mlock()ed allocations, wiped by wf_secure_free(). GMP
 * secrets (Paillier primes, exponents) are wf_smpz values whose limb buffers
 * are wiped on every free and realloc; the daemon additionally locks its whole
 * address space (mlockall) so no limb reaches swap. */
#ifndef WF_SECMEM_H
#define WF_SECMEM_H

#include <stddef.h>
#include <gmp.h>

#include "err.h"

wf_err wf_crypto_init(void);

/* Locked, guarded allocation, zero-filled. NULL on failure. */
void *wf_secure_alloc(size_t len);
/* Wipes and frees memory from wf_secure_alloc(). Accepts NULL. */
void wf_secure_free(void *ptr);
/* Overwrites len bytes with zeros in a way the compiler cannot elide. */
void wf_memzero(void *ptr, size_t len);

/* A GMP integer that holds a secret. The header lives in locked memory and
 * the limbs are wiped when cleared (see wf_crypto_init). */
typedef struct wf_smpz {
    mpz_t v;
} wf_smpz;

wf_smpz *wf_smpz_new(void);
/* Wipes the limbs and frees. Accepts NULL. */
void wf_smpz_free(wf_smpz *s);
/* Wipes the limbs of an mpz_t in place (value becomes 0); the mpz_t stays usable. */
void wf_mpz_wipe(mpz_t x);

#endif

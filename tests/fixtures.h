/* TEST-ONLY fixture loader: pre-generated safe primes from
 * tests/fixtures/test_safe_primes_<bits>.txt (decimal, one per line, lines
 * starting with '#' are comments). These primes are public; they exist only so
 * tests need not spend seconds on prime search. Nothing outside tests/ may use
 * them, and the daemon never loads them.
 *
 * Header-only: include it from one test program. WF_FIXTURES_DIR is set by
 * tests/CMakeLists.txt. */
#ifndef WF_TESTS_FIXTURES_H
#define WF_TESTS_FIXTURES_H

#include <stdio.h>
#include <stdlib.h>

#include <gmp.h>

#include "crypto/paillier.h"

#ifndef WF_FIXTURES_DIR
#error "WF_FIXTURES_DIR must be defined (tests/CMakeLists.txt sets it)"
#endif

/* out = the index-th (0-based) fixture safe prime of `bits` bits.
 * Returns 0 on success, -1 if the file is missing or has too few primes. */
static inline int wf_test_fixture_prime(mpz_t out, unsigned bits, unsigned index)
{
    char path[512];
    snprintf(path, sizeof path, "%s/test_safe_primes_%u.txt", WF_FIXTURES_DIR, bits);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    unsigned seen = 0;
    int rc = -1;
    while (getline(&line, &cap, f) > 0) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (seen++ == index) {
            rc = mpz_set_str(out, line, 10) == 0 ? 0 : -1; /* GMP skips the '\n' */
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

/* A Paillier secret key with |N| = modulus_bits from fixture primes 2i and
 * 2i+1 of modulus_bits/2 bits. NULL on failure; free with wf_paillier_sk_free. */
static inline wf_paillier_sk *wf_test_paillier_sk(unsigned modulus_bits, unsigned pair_index)
{
    wf_paillier_sk *sk = NULL;
    mpz_t p, q;
    mpz_inits(p, q, NULL);
    if (wf_test_fixture_prime(p, modulus_bits / 2, 2 * pair_index) == 0 &&
        wf_test_fixture_prime(q, modulus_bits / 2, 2 * pair_index + 1) == 0)
        wf_paillier_keygen_from_primes(&sk, p, q);
    mpz_clears(p, q, NULL);
    return sk;
}

#endif

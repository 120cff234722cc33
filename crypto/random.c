#include "random.h"

#include <stdlib.h>

#include <sodium.h>

#include "modexp.h"
#include "secmem.h"

void wf_random_bytes(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

void wf_mpz_random_bits(mpz_t rop, unsigned bits)
{
    size_t len = (bits + 7) / 8;
    if (len == 0) {
        mpz_set_ui(rop, 0);
        return;
    }
    unsigned char *buf = wf_secure_alloc(len);
    if (buf == NULL)
        abort();
    randombytes_buf(buf, len);
    unsigned extra = (unsigned)(len * 8 - bits);
    buf[0] &= (unsigned char)(0xFFu >> extra);
    mpz_import(rop, len, 1, 1, 1, 0, buf);
    wf_secure_free(buf);
}

wf_err wf_mpz_random_below(mpz_t rop, const mpz_t bound)
{
    if (mpz_sgn(bound) <= 0)
        return WF_ERR_ARG;
    unsigned bits = (unsigned)mpz_sizeinbase(bound, 2);
    /* Each draw succeeds with probability > 1/2. */
    do {
        wf_mpz_random_bits(rop, bits);
    } while (mpz_cmp(rop, bound) >= 0);
    return WF_OK;
}

void wf_mpz_random_pm(mpz_t rop, unsigned bits)
{
    /* Uniform in [0, 2^(bits+1)] then shifted down by 2^bits. */
    mpz_t bound;
    mpz_init(bound);
    mpz_setbit(bound, bits + 1);
    mpz_add_ui(bound, bound, 1);
    wf_mpz_random_below(rop, bound);
    mpz_set_ui(bound, 0);
    mpz_setbit(bound, bits);
    mpz_sub(rop, rop, bound);
    mpz_clear(bound);
}

wf_err wf_mpz_random_unit(mpz_t rop, const mpz_t n)
{
    if (mpz_cmp_ui(n, 1) <= 0)
        return WF_ERR_ARG;
    /* Random units are secret nonces (Paillier ρ, proof randomness r): for an
     * odd modulus the unit test is mpn_sec_invert's, whose time does not
     * depend on the candidate; an even modulus only occurs for public values. */
    int odd = mpz_odd_p(n);
    mpz_t scratch;
    mpz_init(scratch);
    int unit;
    do {
        wf_mpz_random_below(rop, n);
        if (odd)
            unit = mpz_sgn(rop) != 0 && wf_invert_sec(scratch, rop, n) == WF_OK;
        else {
            mpz_gcd(scratch, rop, n);
            unit = mpz_sgn(rop) != 0 && mpz_cmp_ui(scratch, 1) == 0;
        }
    } while (!unit);
    wf_mpz_wipe(scratch);
    mpz_clear(scratch);
    return WF_OK;
}

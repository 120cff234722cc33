#include "safe_prime.h"

#include <limits.h>

#include <openssl/bn.h>
#include <openssl/err.h>

#include "secmem.h"

/* Per-call state handed to OpenSSL's progress callback (no globals). */
typedef struct gen_state {
    const volatile int *cancel;
} gen_state;

static int cancel_requested(const volatile int *cancel)
{
    return cancel != NULL && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0;
}

/* BN_GENCB callback: OpenSSL calls it between candidates and Miller–Rabin
 * rounds; returning 0 aborts the search. */
static int gen_progress(int stage, int round, BN_GENCB *cb)
{
    (void)stage;
    (void)round;
    const gen_state *st = BN_GENCB_get_arg(cb);
    return cancel_requested(st->cancel) ? 0 : 1;
}

/* out = bn, through a wiped locked buffer. */
static wf_err bn_to_mpz(mpz_t out, const BIGNUM *bn)
{
    int len = BN_num_bytes(bn);
    unsigned char *buf = wf_secure_alloc((size_t)len);
    if (buf == NULL)
        return WF_ERR_NOMEM;
    if (BN_bn2bin(bn, buf) != len) {
        wf_secure_free(buf);
        return WF_ERR_INTERNAL;
    }
    mpz_import(out, (size_t)len, 1, 1, 1, 0, buf);
    wf_secure_free(buf); /* wipes */
    return WF_OK;
}

/* One OpenSSL search; the result lands in `out` only if it checks. */
static wf_err generate_once(mpz_t out, unsigned bits, BIGNUM *bn, BN_GENCB *cb, BN_CTX *ctx,
                            const volatile int *cancel)
{
    if (!BN_generate_prime_ex2(bn, (int)bits, 1, NULL, NULL, cb, ctx)) {
        ERR_clear_error();
        return cancel_requested(cancel) ? WF_ERR_CANCELLED : WF_ERR_INTERNAL;
    }
    mpz_t p;
    mpz_init(p);
    wf_err err = bn_to_mpz(p, bn);
    /* Independent cross-check with GMP, also enforcing the top-two-bits rule. */
    if (err == WF_OK && !wf_safe_prime_check(p, bits))
        err = WF_ERR_INTERNAL;
    if (err == WF_OK)
        mpz_set(out, p);
    wf_mpz_wipe(p);
    mpz_clear(p);
    return err;
}

wf_err wf_safe_prime_generate(mpz_t out, unsigned bits, const volatile int *cancel)
{
    if (bits < WF_SAFE_PRIME_MIN_BITS || bits > (unsigned)INT_MAX)
        return WF_ERR_ARG;
    if (cancel_requested(cancel))
        return WF_ERR_CANCELLED;

    gen_state st = {.cancel = cancel};
    BIGNUM *bn = BN_secure_new();
    BN_CTX *ctx = BN_CTX_secure_new();
    BN_GENCB *cb = BN_GENCB_new();
    wf_err err = WF_ERR_NOMEM;
    if (bn != NULL && ctx != NULL && cb != NULL) {
        BN_GENCB_set(cb, gen_progress, &st);
        err = generate_once(out, bits, bn, cb, ctx, cancel);
    }
    BN_GENCB_free(cb);
    BN_CTX_free(ctx); /* a secure context clears its temporaries */
    BN_clear_free(bn);
    return err;
}

int wf_safe_prime_check(const mpz_t p, unsigned bits)
{
    if (bits < WF_SAFE_PRIME_MIN_BITS || mpz_sgn(p) <= 0)
        return 0;
    if (mpz_sizeinbase(p, 2) != bits || !mpz_tstbit(p, bits - 2))
        return 0;
    if (mpz_fdiv_ui(p, 4) != 3)
        return 0;
    mpz_t half;
    mpz_init(half);
    mpz_fdiv_q_2exp(half, p, 1); /* (p-1)/2 for odd p */
    /* Cheap test on p' first: most non-safe primes fail there. */
    int ok = mpz_probab_prime_p(half, WF_SAFE_PRIME_CHECK_REPS) > 0 &&
             mpz_probab_prime_p(p, WF_SAFE_PRIME_CHECK_REPS) > 0;
    wf_mpz_wipe(half);
    mpz_clear(half);
    return ok;
}

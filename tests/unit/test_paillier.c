/* Paillier (crypto/paillier.c) and secret modular exponentiation
 * (crypto/modexp.c), with fixture keys (tests/fixtures/, TEST ONLY). */
#include "tests/check.h"
#include "tests/fixtures.h"

#include "crypto/modexp.h"
#include "crypto/paillier.h"
#include "crypto/random.h"
#include "crypto/safe_prime.h"
#include "crypto/secmem.h"

/* Random rounds of each check: 2 under valgrind, which looks for memory
 * errors (every round takes the same paths); Release and ASan run 8. */
#define ROUNDS (wf_test_light() ? 2 : 8)

/* Reference encryption with textbook formulas: (1+N)^m · ρ^N mod N². */
static void ref_encrypt(mpz_t c, const wf_paillier_pk *pk, const mpz_t m, const mpz_t rho)
{
    mpz_t g, r;
    mpz_inits(g, r, NULL);
    mpz_add_ui(g, pk->n, 1);
    mpz_mod(r, m, pk->n);
    mpz_powm(g, g, r, pk->n2);
    mpz_powm(r, rho, pk->n, pk->n2);
    mpz_mul(c, g, r);
    mpz_mod(c, c, pk->n2);
    mpz_clears(g, r, NULL);
}

/* m uniform in (-N/2, N/2]. */
static void random_signed_plaintext(mpz_t m, const wf_paillier_pk *pk)
{
    wf_mpz_random_below(m, pk->n);
    mpz_t half;
    mpz_init(half);
    mpz_fdiv_q_2exp(half, pk->n, 1);
    if (mpz_cmp(m, half) > 0)
        mpz_sub(m, m, pk->n);
    mpz_clear(half);
}

static void test_known_answer(const wf_paillier_sk *sk)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    mpz_t m, rho, c, ref, out, mr;
    mpz_inits(m, rho, c, ref, out, mr, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        random_signed_plaintext(m, pk);
        wf_mpz_random_unit(rho, pk->n);
        ref_encrypt(ref, pk, m, rho);
        CHECK_OK(wf_paillier_encrypt_with(c, pk, m, rho));
        CHECK(mpz_cmp(c, ref) == 0);
        CHECK_OK(wf_paillier_encrypt_crt(out, sk, m, rho));
        CHECK(mpz_cmp(out, ref) == 0);
        /* Decrypt the independently built ciphertext. */
        mpz_mod(mr, m, pk->n);
        CHECK_OK(wf_paillier_decrypt(out, sk, ref));
        CHECK(mpz_cmp(out, mr) == 0);
        CHECK_OK(wf_paillier_decrypt_signed(out, sk, ref));
        CHECK(mpz_cmp(out, m) == 0);
        /* Fresh ρ, returned to the caller. */
        CHECK_OK(wf_paillier_encrypt(c, pk, m, rho));
        ref_encrypt(ref, pk, m, rho);
        CHECK(mpz_cmp(c, ref) == 0);
        CHECK_OK(wf_paillier_encrypt(c, pk, m, NULL));
        CHECK_OK(wf_paillier_decrypt_signed(out, sk, c));
        CHECK(mpz_cmp(out, m) == 0);
    }
    mpz_clears(m, rho, c, ref, out, mr, NULL);
}

static void test_crt_matches_plain(const wf_paillier_sk *sk)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    mpz_t c, a, b;
    mpz_inits(c, a, b, NULL);
    for (int i = 0; i < 2 * ROUNDS; i++) {
        wf_mpz_random_unit(c, pk->n2); /* any element of Z*_{N²} is a ciphertext */
        CHECK_OK(wf_paillier_decrypt(a, sk, c));
        CHECK_OK(wf_paillier_decrypt_plain(b, sk, c));
        CHECK(mpz_cmp(a, b) == 0);
    }
    mpz_clears(c, a, b, NULL);
}

/* Checks that c decrypts to want mod N. */
static void check_decrypts_to(const wf_paillier_sk *sk, const mpz_t c, const mpz_t want)
{
    mpz_t m, w;
    mpz_inits(m, w, NULL);
    mpz_mod(w, want, sk->pk.n);
    CHECK_OK(wf_paillier_decrypt(m, sk, c));
    CHECK(mpz_cmp(m, w) == 0);
    mpz_clears(m, w, NULL);
}

static void test_homomorphism(const wf_paillier_sk *sk)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    mpz_t a, b, k, ca, cb, c, want;
    mpz_inits(a, b, k, ca, cb, c, want, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        wf_mpz_random_below(a, pk->n);
        random_signed_plaintext(b, pk);
        wf_mpz_random_pm(k, 300);
        CHECK_OK(wf_paillier_encrypt(ca, pk, a, NULL));
        CHECK_OK(wf_paillier_encrypt(cb, pk, b, NULL));
        CHECK_OK(wf_paillier_add(c, pk, ca, cb));
        mpz_add(want, a, b);
        check_decrypts_to(sk, c, want);
        mpz_mul(want, k, a);
        CHECK_OK(wf_paillier_mul_scalar(c, pk, ca, k));
        check_decrypts_to(sk, c, want);
        CHECK_OK(wf_paillier_mul_scalar_sec(c, pk, ca, k, 300));
        check_decrypts_to(sk, c, want);
        mpz_neg(k, k);
        mpz_neg(want, want);
        CHECK_OK(wf_paillier_mul_scalar(c, pk, ca, k));
        check_decrypts_to(sk, c, want);
    }
    /* k = 0 and k = -1; out aliasing the input. */
    mpz_set_ui(k, 0);
    CHECK_OK(wf_paillier_mul_scalar(c, pk, ca, k));
    check_decrypts_to(sk, c, k);
    mpz_set_si(k, -1);
    mpz_set(c, ca);
    CHECK_OK(wf_paillier_mul_scalar(c, pk, c, k));
    mpz_neg(want, a);
    check_decrypts_to(sk, c, want);
    mpz_set_ui(k, 0);
    mpz_setbit(k, 300);
    mpz_add_ui(k, k, 1); /* 2^300 + 1 */
    CHECK_ERR(wf_paillier_mul_scalar_sec(c, pk, ca, k, 300), WF_ERR_RANGE);
    mpz_clears(a, b, k, ca, cb, c, want, NULL);
}

static void test_plaintext_bounds(const wf_paillier_sk *sk)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    mpz_t m, c, out, half;
    mpz_inits(m, c, out, half, NULL);
    mpz_fdiv_q_2exp(half, pk->n, 1); /* (N-1)/2 */
    mpz_set(m, half);                /* largest centred value */
    CHECK_OK(wf_paillier_encrypt(c, pk, m, NULL));
    CHECK_OK(wf_paillier_decrypt_signed(out, sk, c));
    CHECK(mpz_cmp(out, m) == 0);
    mpz_neg(m, half); /* smallest centred value, -(N-1)/2 */
    CHECK_OK(wf_paillier_encrypt(c, pk, m, NULL));
    CHECK_OK(wf_paillier_decrypt_signed(out, sk, c));
    CHECK(mpz_cmp(out, m) == 0);
    mpz_sub_ui(m, m, 1); /* -(N+1)/2 < -N/2 */
    CHECK_ERR(wf_paillier_encrypt(c, pk, m, NULL), WF_ERR_RANGE);
    mpz_sub_ui(m, pk->n, 1); /* N-1, reduced form of -1 */
    CHECK_OK(wf_paillier_encrypt(c, pk, m, NULL));
    CHECK_OK(wf_paillier_decrypt_signed(out, sk, c));
    CHECK(mpz_cmp_si(out, -1) == 0);
    CHECK_ERR(wf_paillier_encrypt(c, pk, pk->n, NULL), WF_ERR_RANGE);
    /* Bad ρ: 0, N, a multiple of p. */
    mpz_set_ui(m, 7);
    mpz_set_ui(out, 0);
    CHECK_ERR(wf_paillier_encrypt_with(c, pk, m, out), WF_ERR_RANGE);
    CHECK_ERR(wf_paillier_encrypt_with(c, pk, m, pk->n), WF_ERR_RANGE);
    CHECK_ERR(wf_paillier_encrypt_with(c, pk, m, sk->p.v), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_paillier_encrypt_crt(c, sk, m, sk->q.v), WF_ERR_NOT_UNIT);
    mpz_clears(m, c, out, half, NULL);
}

/* Every ciphertext outside Z*_{N²} is refused by the check and all users. */
static void check_bad_ciphertext(const wf_paillier_sk *sk, const mpz_t bad, wf_err want)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    mpz_t out, good, k;
    mpz_inits(out, good, k, NULL);
    mpz_set_ui(k, 3);
    CHECK_OK(wf_paillier_encrypt(good, pk, k, NULL));
    CHECK_ERR(wf_paillier_ciphertext_check(pk, bad), want);
    CHECK_ERR(wf_paillier_decrypt(out, sk, bad), want);
    CHECK_ERR(wf_paillier_decrypt_signed(out, sk, bad), want);
    CHECK_ERR(wf_paillier_decrypt_plain(out, sk, bad), want);
    CHECK_ERR(wf_paillier_add(out, pk, good, bad), want);
    CHECK_ERR(wf_paillier_add(out, pk, bad, good), want);
    CHECK_ERR(wf_paillier_mul_scalar(out, pk, bad, k), want);
    CHECK_ERR(wf_paillier_mul_scalar_sec(out, pk, bad, k, 8), want);
    mpz_clears(out, good, k, NULL);
}

static void test_ciphertext_rejection(const wf_paillier_sk *sk)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    mpz_t bad;
    mpz_init(bad);
    check_bad_ciphertext(sk, bad, WF_ERR_RANGE); /* 0 */
    check_bad_ciphertext(sk, pk->n2, WF_ERR_RANGE);
    mpz_add_ui(bad, pk->n2, 1);
    check_bad_ciphertext(sk, bad, WF_ERR_RANGE);
    mpz_set_si(bad, -1);
    check_bad_ciphertext(sk, bad, WF_ERR_RANGE);
    mpz_sub(bad, pk->n2, sk->p.v); /* a multiple of p, in range */
    check_bad_ciphertext(sk, bad, WF_ERR_NOT_UNIT);
    mpz_mul_ui(bad, sk->q.v, 12345);
    check_bad_ciphertext(sk, bad, WF_ERR_NOT_UNIT);
    check_bad_ciphertext(sk, pk->n, WF_ERR_NOT_UNIT);
    mpz_set_ui(bad, 1); /* Enc(0; 1) is a valid ciphertext */
    CHECK_OK(wf_paillier_ciphertext_check(pk, bad));
    mpz_clear(bad);
}

static void test_pk_from_n(const wf_paillier_sk *sk)
{
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    wf_paillier_pk *got = (wf_paillier_pk *)1;
    mpz_t n;
    mpz_init(n);
    CHECK_OK(wf_paillier_pk_from_n(&got, pk->n, 2048));
    REQUIRE(got != NULL);
    CHECK(mpz_cmp(got->n, pk->n) == 0 && mpz_cmp(got->n2, pk->n2) == 0 && got->bits == 2048);
    wf_paillier_pk_free(got);
    CHECK_ERR(wf_paillier_pk_from_n(&got, pk->n, 3072), WF_ERR_RANGE); /* too short */
    CHECK(got == NULL);
    CHECK_ERR(wf_paillier_pk_from_n(&got, pk->n, 1024), WF_ERR_RANGE); /* too long */
    mpz_add_ui(n, pk->n, 1);
    CHECK_ERR(wf_paillier_pk_from_n(&got, n, 2048), WF_ERR_RANGE); /* even */
    mpz_setbit(n, 2046);
    mpz_fdiv_r_2exp(n, n, 2047);
    mpz_setbit(n, 0);
    CHECK_ERR(wf_paillier_pk_from_n(&got, n, 2048), WF_ERR_RANGE); /* < 2^2047 */
    mpz_neg(n, pk->n);
    CHECK_ERR(wf_paillier_pk_from_n(&got, n, 2048), WF_ERR_RANGE);
    CHECK_ERR(wf_paillier_pk_from_n(&got, pk->n, 8), WF_ERR_ARG);
    CHECK_ERR(wf_paillier_pk_from_n(NULL, pk->n, 2048), WF_ERR_ARG);
    mpz_clear(n);
}

/* out = the first prime after start with out ≡ r mod 4 and (out-1)/2 composite,
 * i.e. a prime that is not safe. Starting from a fixture prime, it keeps the
 * size and the top two bits. */
static void next_prime_where(mpz_t out, const mpz_t start, unsigned long r)
{
    mpz_t half;
    mpz_init(half);
    mpz_set(out, start);
    for (;;) {
        mpz_nextprime(out, out);
        if (mpz_fdiv_ui(out, 4) != r)
            continue;
        mpz_fdiv_q_2exp(half, out, 1);
        if (mpz_probab_prime_p(half, 25) == 0)
            break;
    }
    mpz_clear(half);
}

static void test_keygen_from_primes_refusals(void)
{
    mpz_t p, q, bad, big;
    mpz_inits(p, q, bad, big, NULL);
    REQUIRE(wf_test_fixture_prime(p, 1024, 2) == 0);
    REQUIRE(wf_test_fixture_prime(q, 1024, 3) == 0);
    REQUIRE(wf_test_fixture_prime(big, 1536, 0) == 0);
    wf_paillier_sk *sk = (wf_paillier_sk *)1;
    CHECK_ERR(wf_paillier_keygen_from_primes(&sk, p, p), WF_ERR_ARG);
    CHECK(sk == NULL);
    next_prime_where(bad, p, 3); /* prime, ≡ 3 mod 4, not safe */
    CHECK(mpz_sizeinbase(bad, 2) == 1024);
    CHECK_ERR(wf_paillier_keygen_from_primes(&sk, bad, q), WF_ERR_ARG);
    CHECK_ERR(wf_paillier_keygen_from_primes(&sk, p, bad), WF_ERR_ARG);
    next_prime_where(bad, q, 1); /* prime ≡ 1 mod 4 */
    CHECK(mpz_fdiv_ui(bad, 4) == 1 && mpz_probab_prime_p(bad, 25) > 0);
    CHECK_ERR(wf_paillier_keygen_from_primes(&sk, p, bad), WF_ERR_ARG);
    CHECK_ERR(wf_paillier_keygen_from_primes(&sk, p, big), WF_ERR_ARG);
    CHECK_ERR(wf_paillier_keygen_from_primes(&sk, big, p), WF_ERR_ARG);
    mpz_mul(bad, p, q); /* not prime */
    CHECK_ERR(wf_paillier_keygen_from_primes(&sk, bad, q), WF_ERR_ARG);
    CHECK_ERR(wf_paillier_keygen_from_primes(NULL, p, q), WF_ERR_ARG);
    CHECK_OK(wf_paillier_keygen_from_primes(&sk, q, p));
    CHECK(sk != NULL && wf_paillier_sk_public(sk)->bits == 2048);
    wf_paillier_sk_free(sk);
    wf_paillier_sk_free(NULL);
    wf_paillier_pk_free(NULL);
    mpz_clears(p, q, bad, big, NULL);
}

/* wf_powm_sec_signed(base, e) against mpz_powm (which takes negative e). */
static void check_powm_signed(const mpz_t base, const mpz_t e, unsigned bits, const mpz_t mod)
{
    mpz_t got, want;
    mpz_inits(got, want, NULL);
    mpz_powm(want, base, e, mod);
    CHECK_OK(wf_powm_sec_signed(got, base, e, bits, mod));
    CHECK(mpz_cmp(got, want) == 0);
    mpz_clears(got, want, NULL);
}

static void test_powm_sec_signed(const wf_paillier_sk *sk)
{
    const mpz_srcptr mod = sk->pk.n;
    const unsigned bits = 700;
    mpz_t base, e, r, inv;
    mpz_inits(base, e, r, inv, NULL);
    for (int i = 0; i < 2 * ROUNDS; i++) {
        wf_mpz_random_unit(base, mod);
        wf_mpz_random_pm(e, bits);
        check_powm_signed(base, e, bits, mod);
        mpz_set_ui(e, (unsigned long)i); /* small exponents, including 0 and 1 */
        check_powm_signed(base, e, bits, mod);
        CHECK_OK(wf_invert_sec(inv, base, mod));
        mpz_mul(r, inv, base);
        mpz_mod(r, r, mod);
        CHECK(mpz_cmp_ui(r, 1) == 0);
    }
    mpz_set_ui(e, 0);
    mpz_setbit(e, bits); /* ±2^bits are in range */
    check_powm_signed(base, e, bits, mod);
    mpz_neg(e, e);
    check_powm_signed(base, e, bits, mod);
    mpz_sub_ui(e, e, 1);
    CHECK_ERR(wf_powm_sec_signed(r, base, e, bits, mod), WF_ERR_RANGE);
    mpz_neg(e, e);
    CHECK_ERR(wf_powm_sec_signed(r, base, e, bits, mod), WF_ERR_RANGE);
    /* Unreduced and negative bases; rop aliasing the base. */
    mpz_set_si(e, -12345);
    mpz_add(base, base, mod);
    check_powm_signed(base, e, bits, mod);
    mpz_neg(base, base);
    check_powm_signed(base, e, bits, mod);
    mpz_powm(r, base, e, mod);
    CHECK_OK(wf_powm_sec_signed(base, base, e, bits, mod));
    CHECK(mpz_cmp(base, r) == 0);
    CHECK_ERR(wf_powm_sec_signed(r, sk->p.v, e, bits, mod), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_invert_sec(r, sk->q.v, mod), WF_ERR_NOT_UNIT);
    mpz_set_ui(r, 0);
    CHECK_ERR(wf_invert_sec(inv, r, mod), WF_ERR_NOT_UNIT);
    mpz_set_ui(r, 1 << 20); /* even modulus */
    CHECK_ERR(wf_powm_sec_signed(inv, base, e, bits, r), WF_ERR_ARG);
    CHECK_ERR(wf_invert_sec(inv, base, r), WF_ERR_ARG);
    mpz_clears(base, e, r, inv, NULL);
}

/* Fresh (small, fast) keys from wf_paillier_keygen. */
static void test_keygen(void)
{
    wf_paillier_sk *sk = (wf_paillier_sk *)1;
    volatile int cancel = 1;
    CHECK_ERR(wf_paillier_keygen(&sk, 512, &cancel), WF_ERR_CANCELLED);
    CHECK(sk == NULL);
    CHECK_ERR(wf_paillier_keygen(&sk, 513, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_paillier_keygen(&sk, 32, NULL), WF_ERR_ARG);
    cancel = 0;
    CHECK_OK(wf_paillier_keygen(&sk, 512, &cancel));
    REQUIRE(sk != NULL);
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    CHECK(pk->bits == 512 && mpz_cmp(sk->p.v, sk->q.v) != 0);
    CHECK(wf_safe_prime_check(sk->p.v, 256) && wf_safe_prime_check(sk->q.v, 256));
    mpz_t m, c, out;
    mpz_inits(m, c, out, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        random_signed_plaintext(m, pk);
        CHECK_OK(wf_paillier_encrypt(c, pk, m, NULL));
        CHECK_OK(wf_paillier_decrypt_signed(out, sk, c));
        CHECK(mpz_cmp(out, m) == 0);
    }
    mpz_clears(m, c, out, NULL);
    wf_paillier_sk_free(sk);
}

static void test_3072(void)
{
    wf_paillier_sk *sk = wf_test_paillier_sk(3072, 0);
    REQUIRE(sk != NULL);
    const wf_paillier_pk *pk = wf_paillier_sk_public(sk);
    CHECK(pk->bits == 3072);
    mpz_t m, c, out;
    mpz_inits(m, c, out, NULL);
    random_signed_plaintext(m, pk);
    CHECK_OK(wf_paillier_encrypt(c, pk, m, NULL));
    CHECK_OK(wf_paillier_decrypt_signed(out, sk, c));
    CHECK(mpz_cmp(out, m) == 0);
    CHECK_OK(wf_paillier_decrypt_plain(out, sk, c));
    mpz_mod(m, m, pk->n);
    CHECK(mpz_cmp(out, m) == 0);
    mpz_clears(m, c, out, NULL);
    wf_paillier_sk_free(sk);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_paillier_sk *sk = wf_test_paillier_sk(2048, 0);
    REQUIRE(sk != NULL);
    CHECK(wf_paillier_sk_public(sk)->bits == 2048);

    test_known_answer(sk);
    test_crt_matches_plain(sk);
    test_homomorphism(sk);
    test_plaintext_bounds(sk);
    test_ciphertext_rejection(sk);
    test_pk_from_n(sk);
    test_keygen_from_primes_refusals();
    test_powm_sec_signed(sk);
    test_keygen();
    test_3072();

    wf_paillier_sk_free(sk);
    return wf_check_summary("test_paillier");
}

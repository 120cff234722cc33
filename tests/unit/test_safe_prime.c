/* Safe-prime generation and checking (crypto/safe_prime.c), and the fixture
 * primes (tests/fixtures/, TEST ONLY: 512, 1024 and 1536 bits). */
#include <pthread.h>
#include <time.h>

#include "tests/check.h"
#include "tests/fixtures.h"

#include "crypto/safe_prime.h"
#include "crypto/secmem.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_generate(unsigned bits)
{
    mpz_t p;
    mpz_init(p);
    double t0 = now_seconds();
    CHECK_OK(wf_safe_prime_generate(p, bits, NULL));
    printf("  %u-bit safe prime in %.2f s\n", bits, now_seconds() - t0);
    CHECK(mpz_sizeinbase(p, 2) == bits && mpz_tstbit(p, bits - 2));
    CHECK(mpz_fdiv_ui(p, 4) == 3);
    CHECK(wf_safe_prime_check(p, bits));
    CHECK(!wf_safe_prime_check(p, bits + 1));
    mpz_clear(p);
}

/* A search on a background thread, cancelled from this one. */
typedef struct bg_search {
    mpz_t p;
    int cancel;
    wf_err result;
} bg_search;

static void *bg_run(void *arg)
{
    bg_search *bg = arg;
    bg->result = wf_safe_prime_generate(bg->p, 2048, &bg->cancel);
    return NULL;
}

static void test_cancel(void)
{
    mpz_t p;
    mpz_init(p);
    volatile int cancel = 1;
    CHECK_ERR(wf_safe_prime_generate(p, 256, &cancel), WF_ERR_CANCELLED);
    CHECK(mpz_sgn(p) == 0);

    bg_search bg = {.cancel = 0, .result = WF_ERR_INTERNAL};
    mpz_init(bg.p);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, bg_run, &bg) == 0);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    double t0 = now_seconds();
    __atomic_store_n(&bg.cancel, 1, __ATOMIC_RELAXED);
    pthread_join(th, NULL);
    printf("  background 2048-bit search stopped %.3f s after cancel\n", now_seconds() - t0);
    /* A 2048-bit safe prime in 50 ms is practically impossible. */
    CHECK_ERR(bg.result, WF_ERR_CANCELLED);
    mpz_clear(bg.p);
    mpz_clear(p);
}

static void test_check_refusals(void)
{
    mpz_t p, x;
    mpz_inits(p, x, NULL);
    REQUIRE(wf_test_fixture_prime(p, 1024, 0) == 0);
    mpz_add_ui(x, p, 2); /* not a safe prime (p + 2 ≡ 1 mod 4) */
    CHECK(!wf_safe_prime_check(x, 1024));
    mpz_add_ui(x, p, 4); /* ≡ 3 mod 4, but not both prime */
    CHECK(!wf_safe_prime_check(x, 1024));
    mpz_neg(x, p);
    CHECK(!wf_safe_prime_check(x, 1024));
    CHECK(!wf_safe_prime_check(p, 1023));
    mpz_set_ui(x, 23); /* a safe prime, but below the minimum size */
    CHECK(!wf_safe_prime_check(x, 5));
    mpz_set_ui(x, 0);
    mpz_setbit(x, 1023);
    mpz_nextprime(x, x); /* 1024 bits, but the second bit is clear */
    CHECK(!wf_safe_prime_check(x, 1024));
    CHECK_ERR(wf_safe_prime_generate(x, 8, NULL), WF_ERR_ARG);
    mpz_clears(p, x, NULL);
}

/* Every fixture prime is read and differs from the one before; each is
 * checked to be a safe prime, in the light (valgrind) pass the first, the
 * last and every fourth (80 Miller–Rabin rounds each: the bulk of the run). */
static void test_fixtures(unsigned bits, unsigned count)
{
    mpz_t p, prev;
    mpz_inits(p, prev, NULL);
    unsigned ok = 0, checked = 0;
    for (unsigned i = 0; i < count; i++) {
        REQUIRE(wf_test_fixture_prime(p, bits, i) == 0);
        if (!wf_test_light() || i % 4 == 0 || i + 1 == count) {
            ok += (unsigned)wf_safe_prime_check(p, bits);
            checked++;
        }
        CHECK(mpz_cmp(p, prev) != 0);
        mpz_set(prev, p);
    }
    CHECK(ok == checked && checked > 0);
    CHECK(wf_test_fixture_prime(p, bits, count) == -1); /* no more */
    mpz_clears(p, prev, NULL);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_generate(256);
    if (!wf_test_light()) /* the same search, longer: 512 bits can take seconds under valgrind */
        test_generate(512);
    test_cancel();
    test_check_refusals();
    test_fixtures(512, 2);
    test_fixtures(1024, 24);
    test_fixtures(1536, 4);
    return wf_check_summary("test_safe_prime");
}

/* crypto/mont.c against plain GMP: Straus multi-exponentiation (constant-time
 * and fast modes), the public signed variant, fixed-base combs, on random
 * inputs and edge exponents (0, 1, all-ones, ±2^bound), plus the argument
 * checks. */
#include <string.h>

#include "tests/check.h"

#include "crypto/modexp.h"
#include "crypto/mont.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

/* Random rounds of each comparison: 3, and 1 in the light (valgrind) pass,
 * which looks for memory errors, not wrong values (the edge exponents run in
 * both). */
#define ROUNDS (wf_test_light() ? 1 : 3)

/* want = Π b_i^{e_i} mod m by mpz_powm (any sign). */
static void plain_product(mpz_t want, const mpz_t m, const mpz_srcptr *b, const mpz_srcptr *e, size_t k)
{
    mpz_t t;
    mpz_init(t);
    mpz_set_ui(want, 1);
    for (size_t i = 0; i < k; i++) {
        mpz_powm(t, b[i], e[i], m);
        mpz_mul(want, want, t);
        mpz_mod(want, want, m);
    }
    mpz_clear(t);
}

static void random_modulus(mpz_t m, unsigned bits)
{
    wf_mpz_random_bits(m, bits);
    mpz_setbit(m, bits - 1);
    mpz_setbit(m, 0);
}

/* Units of m below m, and exponents of the given widths (including edges). */
static void test_multi(unsigned mbits, int ct)
{
    mpz_t m, got, want, b[3], e[3];
    mpz_inits(m, got, want, NULL);
    for (int i = 0; i < 3; i++)
        mpz_inits(b[i], e[i], NULL);
    random_modulus(m, mbits);
    wf_mont ctx;
    REQUIRE(wf_mont_init(&ctx, m, ct) == WF_OK);
    const mp_bitcnt_t widths[3] = {mbits, 256, 1};
    for (int round = 0; round < ROUNDS + 3; round++) {
        wf_mont_term t[3];
        for (int i = 0; i < 3; i++) {
            REQUIRE(wf_mpz_random_unit(b[i], m) == WF_OK);
            mp_bitcnt_t w = widths[(i + round) % 3];
            if (round == ROUNDS) /* zeros */
                mpz_set_ui(e[i], 0);
            else if (round == ROUNDS + 1) { /* all ones: 2^w - 1 */
                mpz_set_ui(e[i], 0);
                mpz_setbit(e[i], w);
                mpz_sub_ui(e[i], e[i], 1);
            } else if (round == ROUNDS + 2) {
                mpz_set_ui(e[i], 1);
            } else {
                wf_mpz_random_bits(e[i], (unsigned)w);
            }
            t[i] = (wf_mont_term){.b = b[i], .e = e[i], .bits = w};
        }
        for (size_t k = 1; k <= 3; k++) {
            const mpz_srcptr bs[3] = {b[0], b[1], b[2]}, es[3] = {e[0], e[1], e[2]};
            plain_product(want, m, bs, es, k);
            CHECK_OK(wf_mont_multi_powm(got, &ctx, t, k));
            CHECK(mpz_cmp(got, want) == 0);
        }
    }
    /* an unreduced and a negative base are reduced first */
    mpz_add(b[0], b[0], m);
    mpz_neg(b[1], b[1]);
    wf_mont_term t2[2] = {{b[0], e[0], mbits}, {b[1], e[1], mbits}};
    wf_mpz_random_bits(e[0], 100);
    wf_mpz_random_bits(e[1], 100);
    const mpz_srcptr bs[2] = {b[0], b[1]}, es[2] = {e[0], e[1]};
    plain_product(want, m, bs, es, 2);
    CHECK_OK(wf_mont_multi_powm(got, &ctx, t2, 2));
    CHECK(mpz_cmp(got, want) == 0);
    /* exponent past its stated width, or negative */
    mpz_set_ui(e[0], 0);
    mpz_setbit(e[0], 10);
    t2[0].bits = 10;
    CHECK_ERR(wf_mont_multi_powm(got, &ctx, t2, 1), WF_ERR_RANGE);
    mpz_set_si(e[0], -1);
    CHECK_ERR(wf_mont_multi_powm(got, &ctx, t2, 1), WF_ERR_RANGE);
    CHECK_OK(wf_mont_multi_powm(got, &ctx, t2, 0)); /* empty product */
    CHECK(mpz_cmp_ui(got, 1) == 0);
    wf_mont_clear(&ctx);
    wf_mont_clear(&ctx); /* cleared twice is fine */
    mpz_clears(m, got, want, NULL);
    for (int i = 0; i < 3; i++)
        mpz_clears(b[i], e[i], NULL);
}

static void test_public(void)
{
    mpz_t m, got, want, b[3], e[3], p;
    mpz_inits(m, got, want, p, NULL);
    for (int i = 0; i < 3; i++)
        mpz_inits(b[i], e[i], NULL);
    random_modulus(m, 2048);
    int rounds = wf_test_light() ? 2 : ROUNDS; /* both exponent shapes */
    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < 3; i++) {
            REQUIRE(wf_mpz_random_unit(b[i], m) == WF_OK);
            wf_mpz_random_pm(e[i], round == 0 ? 2600 : 700 - 300 * (unsigned)i);
        }
        const mpz_srcptr bs[3] = {b[0], b[1], b[2]}, es[3] = {e[0], e[1], e[2]};
        plain_product(want, m, bs, es, 3);
        CHECK_OK(wf_mont_powm_public(got, m, bs, es, 3));
        CHECK(mpz_cmp(got, want) == 0);
    }
    /* a non-unit base: fine with a positive exponent, refused with a negative one */
    mpz_set(p, m); /* some odd q not a multiple of 3 (no prime search: seconds under valgrind) */
    if (mpz_divisible_ui_p(p, 3))
        mpz_add_ui(p, p, 2);
    mpz_mul_ui(m, p, 3); /* m' = 3q has the non-unit 3 */
    mpz_set_ui(b[0], 3);
    mpz_set_si(e[0], 5);
    const mpz_srcptr bs[1] = {b[0]}, es[1] = {e[0]};
    plain_product(want, m, bs, es, 1);
    CHECK_OK(wf_mont_powm_public(got, m, bs, es, 1));
    CHECK(mpz_cmp(got, want) == 0);
    mpz_set_si(e[0], -5);
    CHECK_ERR(wf_mont_powm_public(got, m, bs, es, 1), WF_ERR_NOT_UNIT);
    mpz_set_ui(m, 1 << 20);
    CHECK_ERR(wf_mont_powm_public(got, m, bs, es, 1), WF_ERR_ARG);
    mpz_clears(m, got, want, p, NULL);
    for (int i = 0; i < 3; i++)
        mpz_clears(b[i], e[i], NULL);
}

/* want = g1^x1 · g2^x2 by wf_powm_sec_signed (the plain path of wf_rped_commit). */
static void check_comb2(const wf_mont_comb *c1, const wf_mont_comb *c2, const mpz_t g1, const mpz_t g2,
                        const mpz_t x1, unsigned b1, const mpz_t x2, unsigned b2, const mpz_t m)
{
    mpz_t got, want, t;
    mpz_inits(got, want, t, NULL);
    CHECK_OK(wf_powm_sec_signed(want, g1, x1, b1, m));
    CHECK_OK(wf_powm_sec_signed(t, g2, x2, b2, m));
    mpz_mul(want, want, t);
    mpz_mod(want, want, m);
    const wf_mont_comb_term terms[2] = {{c1, x1, b1}, {c2, x2, b2}};
    CHECK_OK(wf_mont_comb_powm(got, terms, 2));
    CHECK(mpz_cmp(got, want) == 0);
    mpz_clears(got, want, t, NULL);
}

static void test_comb(void)
{
    mpz_t m, g1, g2, x1, x2, got;
    mpz_inits(m, g1, g2, x1, x2, got, NULL);
    random_modulus(m, 2048);
    REQUIRE(wf_mpz_random_unit(g1, m) == WF_OK);
    REQUIRE(wf_mpz_random_unit(g2, m) == WF_OK);
    wf_mont ctx, fast, other;
    REQUIRE(wf_mont_init(&ctx, m, 1) == WF_OK);
    REQUIRE(wf_mont_init(&fast, m, 0) == WF_OK);
    REQUIRE(wf_mont_init(&other, m, 1) == WF_OK);
    const unsigned max = 1100;
    wf_mont_comb *c1 = NULL, *c2 = NULL, *c3 = NULL;
    CHECK_ERR(wf_mont_comb_new(&c1, &fast, g1, max), WF_ERR_ARG); /* combs are constant time */
    CHECK(c1 == NULL);
    REQUIRE(wf_mont_comb_new(&c1, &ctx, g1, max) == WF_OK);
    REQUIRE(wf_mont_comb_new(&c2, &ctx, g2, max) == WF_OK);
    REQUIRE(wf_mont_comb_new(&c3, &other, g2, max) == WF_OK);
    CHECK(wf_mont_comb_max_bound(c1) == max);
    /* every bound from 1 to 80 (all offsets within a block), then long ones */
    for (unsigned b = 1; b <= 80; b++) {
        wf_mpz_random_pm(x1, b);
        wf_mpz_random_pm(x2, b + 7);
        check_comb2(c1, c2, g1, g2, x1, b, x2, b + 7, m);
    }
    const unsigned bounds[] = {256, 770, 1024, max};
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        for (int round = 0; round < ROUNDS; round++) {
            wf_mpz_random_pm(x1, bounds[i]);
            wf_mpz_random_pm(x2, max);
            check_comb2(c1, c2, g1, g2, x1, bounds[i], x2, max, m);
        }
    /* edges: 0, ±2^b exactly */
    mpz_set_ui(x1, 0);
    mpz_set_ui(x2, 0);
    mpz_setbit(x2, 300);
    check_comb2(c1, c2, g1, g2, x1, 5, x2, 300, m);
    mpz_neg(x2, x2);
    check_comb2(c1, c2, g1, g2, x2, 300, x1, 1, m);
    /* refusals: past the bound, bound past the table, combs of two contexts */
    mpz_sub_ui(x2, x2, 1);
    const wf_mont_comb_term past[1] = {{c1, x2, 300}};
    CHECK_ERR(wf_mont_comb_powm(got, past, 1), WF_ERR_RANGE);
    const wf_mont_comb_term big[1] = {{c1, x1, max + 1}};
    CHECK_ERR(wf_mont_comb_powm(got, big, 1), WF_ERR_ARG);
    const wf_mont_comb_term mixed[2] = {{c1, x1, 10}, {c3, x1, 10}};
    CHECK_ERR(wf_mont_comb_powm(got, mixed, 2), WF_ERR_ARG);
    CHECK_ERR(wf_mont_comb_powm(got, mixed, 0), WF_ERR_ARG);
    wf_mont_comb_free(c1);
    wf_mont_comb_free(c2);
    wf_mont_comb_free(c3);
    wf_mont_comb_free(NULL);
    wf_mont_clear(&ctx);
    wf_mont_clear(&fast);
    wf_mont_clear(&other);
    mpz_clears(m, g1, g2, x1, x2, got, NULL);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    mpz_t even;
    mpz_init_set_ui(even, 1 << 10);
    wf_mont bad;
    CHECK_ERR(wf_mont_init(&bad, even, 1), WF_ERR_ARG);
    mpz_set_ui(even, 1);
    CHECK_ERR(wf_mont_init(&bad, even, 1), WF_ERR_ARG);
    mpz_clear(even);
    /* the light pass skips 4096 bits: the same code over more limbs, 8 times the work */
    const unsigned sizes[] = {1024, 2048, 130, 4096};
    size_t n_sizes = sizeof sizes / sizeof sizes[0] - (wf_test_light() ? 1 : 0);
    for (size_t i = 0; i < n_sizes; i++) {
        test_multi(sizes[i], 1);
        test_multi(sizes[i], 0);
    }
    test_public();
    test_comb();
    return wf_check_summary("test_accel_mont");
}

/* The accelerated paths that use a party's own secret key or a peer's
 * precomputed tables, each against its plain path on the same inputs:
 * wf_crt_powm (mod N and N², public and secret terms, every sign and
 * length), Paillier encryption and wf_paillier_affine_sec under an owned pk,
 * wf_rped_commit with tables, and the verifier helpers of
 * crypto/proofs/common.h with an owner against owner-less copies, on true and
 * false equations and on non-units (which must take the plain path's error).
 * 2048-bit fixture keys (TEST ONLY). */
#include <string.h>

#include "tests/check.h"
#include "tests/fixtures.h"

#include "crypto/crt.h"
#include "crypto/modexp.h"
#include "crypto/proofs/common.h"
#include "crypto/random.h"
#include "crypto/ring_pedersen.h"
#include "crypto/secmem.h"

/* Random rounds: 3; 2 in the light (valgrind) pass, which looks for memory
 * errors, not wrong values (round 1 is the zero-k one). */
#define ROUNDS (wf_test_light() ? 2 : 3)

static wf_paillier_sk *sk, *sk_other;
static wf_paillier_pk *pk_plain;   /* sk's N, no owner */
static wf_rped *rp_own, *rp_plain; /* over sk's N: with and without owner */
static wf_rped *rp_table;          /* rp_plain's values with tables */
static wf_rped_secret *rp_sec;

static void plain_product(mpz_t want, const mpz_t m, const wf_crt_term *t, size_t k)
{
    mpz_t x;
    mpz_init(x);
    mpz_set_ui(want, 1);
    for (size_t i = 0; i < k; i++) {
        mpz_powm(x, t[i].b, t[i].e, m);
        mpz_mul(want, want, x);
        mpz_mod(want, want, m);
    }
    mpz_clear(x);
}

static void test_crt_powm(void)
{
    mpz_t b[3], e[3], got, want;
    mpz_inits(got, want, NULL);
    for (int i = 0; i < 3; i++)
        mpz_inits(b[i], e[i], NULL);
    for (int sq = 0; sq < 2; sq++) {
        wf_crt_modulus which = sq ? WF_CRT_MOD_N2 : WF_CRT_MOD_N;
        mpz_srcptr mod = sq ? sk->pk.n2 : sk->pk.n;
        /* exponent lengths around the reduction threshold (|N|/2 or |N|) and far past it */
        const unsigned lens[] = {1, 256, 1023, 1024, 1025, 2047, 2048, 2049, 3000, 5000};
        const size_t nl = sizeof lens / sizeof lens[0];
        /* term i of round r has length r + i: in the light pass every third
         * round, which still gives every length to some term */
        const size_t step = wf_test_light() ? 3 : 1;
        for (size_t r = 0; r < nl; r += step) {
            wf_crt_term t[3];
            for (int i = 0; i < 3; i++) {
                REQUIRE(wf_mpz_random_unit(b[i], mod) == WF_OK);
                wf_mpz_random_pm(e[i], lens[(r + (size_t)i) % nl]);
                t[i] = (wf_crt_term){.b = b[i], .e = e[i], .secret = (int)(r + (size_t)i) % 2};
            }
            plain_product(want, mod, t, 3);
            CHECK_OK(wf_crt_powm(got, sk, which, t, 3));
            CHECK(mpz_cmp(got, want) == 0);
        }
        /* zero exponents, and the exponent N itself */
        mpz_set_ui(e[0], 0);
        wf_crt_term t[2] = {{b[0], e[0], 0}, {b[1], sk->pk.n, 1}};
        plain_product(want, mod, t, 2);
        CHECK_OK(wf_crt_powm(got, sk, which, t, 2));
        CHECK(mpz_cmp(got, want) == 0);
        /* a non-unit public base with a short negative exponent is refused */
        mpz_set_si(e[0], -3);
        wf_crt_term bad = {sk->p.v, e[0], 0};
        CHECK_ERR(wf_crt_powm(got, sk, which, &bad, 1), WF_ERR_NOT_UNIT);
    }
    CHECK_ERR(wf_crt_powm(got, NULL, WF_CRT_MOD_N, NULL, 0), WF_ERR_ARG);
    mpz_clears(got, want, NULL);
    for (int i = 0; i < 3; i++)
        mpz_clears(b[i], e[i], NULL);
}

static void test_paillier(void)
{
    CHECK(wf_paillier_pk_owner(&sk->pk) == sk);
    CHECK(wf_paillier_pk_owner(pk_plain) == NULL);
    CHECK(wf_paillier_pk_owner(NULL) == NULL);
    wf_paillier_pk fake = sk->pk; /* an owner over another N is ignored */
    fake.owner = sk_other;
    CHECK(wf_paillier_pk_owner(&fake) == NULL);

    mpz_t m, rho, c1, c2, c0, k, tmp;
    mpz_inits(m, rho, c1, c2, c0, k, tmp, NULL);
    for (int r = 0; r < ROUNDS; r++) {
        wf_mpz_random_pm(m, 2000);
        REQUIRE(wf_mpz_random_unit(rho, sk->pk.n) == WF_OK);
        CHECK_OK(wf_paillier_encrypt_with(c1, &sk->pk, m, rho));
        CHECK_OK(wf_paillier_encrypt_with(c2, pk_plain, m, rho));
        CHECK(mpz_cmp(c1, c2) == 0);
        /* affine: c0^k·Enc(m; ρ), owned and not, against the three-step plain path */
        CHECK_OK(wf_paillier_encrypt(c0, pk_plain, m, NULL));
        wf_mpz_random_pm(k, 770);
        if (r == 1)
            mpz_set_ui(k, 0);
        CHECK_OK(wf_paillier_mul_scalar_sec(tmp, pk_plain, c0, k, 770));
        CHECK_OK(wf_paillier_encrypt_with(c1, pk_plain, m, rho));
        CHECK_OK(wf_paillier_add(c1, pk_plain, c1, tmp));
        CHECK_OK(wf_paillier_affine_sec(c2, pk_plain, c0, k, 770, m, rho));
        CHECK(mpz_cmp(c1, c2) == 0);
        CHECK_OK(wf_paillier_affine_sec(c2, &sk->pk, c0, k, 770, m, rho));
        CHECK(mpz_cmp(c1, c2) == 0);
    }
    /* the same refusals as the plain steps */
    for (int own = 0; own < 2; own++) {
        const wf_paillier_pk *pk = own ? &sk->pk : pk_plain;
        mpz_set_ui(tmp, 0);
        mpz_setbit(tmp, 770);
        mpz_add_ui(tmp, tmp, 1);
        CHECK_ERR(wf_paillier_affine_sec(c2, pk, c0, tmp, 770, m, rho), WF_ERR_RANGE);
        CHECK_ERR(wf_paillier_affine_sec(c2, pk, c0, k, 770, pk->n, rho), WF_ERR_RANGE);
        CHECK_ERR(wf_paillier_affine_sec(c2, pk, c0, k, 770, m, sk->p.v), WF_ERR_NOT_UNIT);
        CHECK_ERR(wf_paillier_affine_sec(c2, pk, sk->q.v, k, 770, m, rho), WF_ERR_NOT_UNIT);
        CHECK_ERR(wf_paillier_affine_sec(c2, pk, c0, k, 770, m, NULL), WF_ERR_ARG);
    }
    mpz_clears(m, rho, c1, c2, c0, k, tmp, NULL);
}

static void test_rped_commit(void)
{
    CHECK(wf_rped_owner(rp_own) == sk);
    CHECK(wf_rped_owner(rp_plain) == NULL && wf_rped_owner(rp_table) == NULL);
    CHECK(rp_table->accel != NULL && rp_plain->accel == NULL);
    CHECK_OK(wf_rped_precompute(rp_table)); /* idempotent */
    CHECK_ERR(wf_rped_precompute(NULL), WF_ERR_ARG);
    mpz_t x, y, got, want;
    mpz_inits(x, y, got, want, NULL);
    const unsigned xb[] = {256, 770, 1795, 2048, 1}, yb[] = {2304, 2816, 2816, 3072, 2};
    for (size_t i = 0; i < sizeof xb / sizeof xb[0]; i++)
        for (int r = 0; r < (wf_test_light() ? 1 : 2); r++) {
            wf_mpz_random_pm(x, xb[i]);
            wf_mpz_random_pm(y, yb[i]);
            CHECK_OK(wf_rped_commit(want, rp_plain, x, xb[i], y, yb[i]));
            CHECK_OK(wf_rped_commit(got, rp_table, x, xb[i], y, yb[i]));
            CHECK(mpz_cmp(got, want) == 0);
        }
    /* beyond the tables (Πfac's 4864-bit exponents): the plain path, same value */
    wf_mpz_random_pm(y, 4864);
    CHECK_OK(wf_rped_commit(want, rp_plain, x, 2, y, 4864));
    CHECK_OK(wf_rped_commit(got, rp_table, x, 2, y, 4864));
    CHECK(mpz_cmp(got, want) == 0);
    /* out of range, both ways; aliasing the output */
    mpz_set_ui(x, 0);
    mpz_setbit(x, 256);
    mpz_neg(x, x);
    mpz_sub_ui(x, x, 1);
    CHECK_ERR(wf_rped_commit(got, rp_plain, x, 256, y, 4864), WF_ERR_RANGE);
    CHECK_ERR(wf_rped_commit(got, rp_table, x, 256, y, 2816), WF_ERR_RANGE);
    wf_mpz_random_pm(x, 256);
    wf_mpz_random_pm(y, 2816);
    CHECK_OK(wf_rped_commit(want, rp_plain, x, 256, y, 2816));
    CHECK_OK(wf_rped_commit(x, rp_table, x, 256, y, 2816));
    CHECK(mpz_cmp(x, want) == 0);
    mpz_clears(x, y, got, want, NULL);
}

/* Every verifier helper with rp_own/&sk->pk against rp_plain/pk_plain. */
static void same_rped_eq(const mpz_t x, const mpz_t y, const mpz_t a, const mpz_t b, const mpz_t e)
{
    wf_err plain = wf_proof_check_rped_eq(rp_plain, x, y, a, b, e);
    CHECK_ERR(wf_proof_check_rped_eq(rp_own, x, y, a, b, e), plain);
}

static void same_paillier_eq(mpz_srcptr base, mpz_srcptr z, const mpz_t m, const mpz_t w, const mpz_t a,
                             const mpz_t d, const mpz_t e)
{
    wf_err plain = wf_proof_check_paillier_eq(pk_plain, base, z, m, w, a, d, e);
    CHECK_ERR(wf_proof_check_paillier_eq(&sk->pk, base, z, m, w, a, d, e), plain);
}

static void test_verifier_helpers(void)
{
    mpz_t x, y, e, b, a, z, m, w, d, base, r1, r2;
    mpz_inits(x, y, e, b, a, z, m, w, d, base, r1, r2, NULL);
    for (int r = 0; r < (wf_test_light() ? 1 : ROUNDS); r++) {
        /* a true rped equation: a = s^x·t^y·b^{-e} */
        wf_mpz_random_pm(x, 770);
        wf_mpz_random_pm(y, 2817);
        wf_mpz_random_pm(e, 256);
        REQUIRE(wf_mpz_random_unit(b, rp_own->n) == WF_OK);
        CHECK_OK(wf_proof_rped_public(r1, rp_plain, x, y));
        CHECK_OK(wf_proof_rped_public(r2, rp_own, x, y));
        CHECK(mpz_cmp(r1, r2) == 0);
        CHECK_OK(wf_proof_powm_public(a, b, e, rp_own->n));
        REQUIRE(mpz_invert(a, a, rp_own->n));
        mpz_mul(a, a, r1);
        mpz_mod(a, a, rp_own->n);
        CHECK_OK(wf_proof_check_rped_eq(rp_plain, x, y, a, b, e));
        same_rped_eq(x, y, a, b, e);
        mpz_add_ui(x, x, 1); /* false */
        same_rped_eq(x, y, a, b, e);
        CHECK_ERR(wf_proof_check_rped_eq(rp_own, x, y, a, b, e), WF_ERR_VERIFY);
        mpz_sub_ui(x, x, 1);
        mpz_mul_ui(a, a, 2); /* false, and a unreduced */
        same_rped_eq(x, y, a, b, e);
        same_rped_eq(x, y, sk->p.v, b, e); /* a not a unit */
        same_rped_eq(x, y, a, sk->q.v, e); /* b not a unit: the plain path's error */

        /* a true Paillier equation: base^z·(1+N)^m·w^N = a·d^e */
        REQUIRE(wf_mpz_random_unit(base, sk->pk.n2) == WF_OK);
        REQUIRE(wf_mpz_random_unit(d, sk->pk.n2) == WF_OK);
        REQUIRE(wf_mpz_random_unit(w, sk->pk.n) == WF_OK);
        wf_mpz_random_pm(z, 770);
        wf_mpz_random_pm(m, 2000);
        CHECK_OK(wf_proof_paillier_public(r1, pk_plain, m, w));
        CHECK_OK(wf_proof_powm_public(r2, base, z, sk->pk.n2));
        mpz_mul(r1, r1, r2);
        CHECK_OK(wf_proof_powm_public(r2, d, e, sk->pk.n2));
        REQUIRE(mpz_invert(r2, r2, sk->pk.n2));
        mpz_mul(a, r1, r2);
        mpz_mod(a, a, sk->pk.n2);
        CHECK_OK(wf_proof_check_paillier_eq(pk_plain, base, z, m, w, a, d, e));
        same_paillier_eq(base, z, m, w, a, d, e);
        same_paillier_eq(NULL, NULL, m, w, a, d, e); /* false without the base */
        mpz_add_ui(m, m, 1);
        same_paillier_eq(base, z, m, w, a, d, e);
        CHECK_ERR(wf_proof_check_paillier_eq(&sk->pk, base, z, m, w, a, d, e), WF_ERR_VERIFY);
        mpz_sub_ui(m, m, 1);
        same_paillier_eq(base, z, m, sk->p.v, a, d, e); /* w not a unit */
        same_paillier_eq(base, z, m, w, a, sk->q.v, e); /* d not a unit */
        mpz_neg(e, e);
        same_paillier_eq(base, z, m, w, a, d, e);
    }
    mpz_clears(x, y, e, b, a, z, m, w, d, base, r1, r2, NULL);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    sk = wf_test_paillier_sk(2048, 0);
    sk_other = wf_test_paillier_sk(2048, 1);
    REQUIRE(sk != NULL && sk_other != NULL);
    REQUIRE(wf_paillier_pk_from_n(&pk_plain, sk->pk.n, sk->pk.bits) == WF_OK);
    REQUIRE(wf_rped_generate(&rp_own, &rp_sec, sk) == WF_OK);
    REQUIRE(wf_rped_from_values(&rp_plain, rp_own->n, rp_own->s, rp_own->t, rp_own->bits) == WF_OK);
    REQUIRE(wf_rped_from_values(&rp_table, rp_own->n, rp_own->s, rp_own->t, rp_own->bits) == WF_OK);
    REQUIRE(wf_rped_precompute(rp_table) == WF_OK);

    test_crt_powm();
    test_paillier();
    test_rped_commit();
    test_verifier_helpers();

    wf_rped_free(rp_own);
    wf_rped_free(rp_plain);
    wf_rped_free(rp_table);
    wf_rped_secret_free(rp_sec);
    wf_paillier_pk_free(pk_plain);
    wf_paillier_sk_free(sk);
    wf_paillier_sk_free(sk_other);
    return wf_check_summary("test_accel_crt");
}

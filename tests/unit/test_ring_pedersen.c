/* Ring-Pedersen parameters and commitments (crypto/ring_pedersen.c), over a
 * fixture Paillier key (tests/fixtures/, TEST ONLY). */
#include "tests/check.h"
#include "tests/fixtures.h"

#include "crypto/ring_pedersen.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

#define ROUNDS 10
#define X_BITS 320u  /* like ±2^(ℓ+ε) */
#define Y_BITS 2400u /* like ±2^(ℓ+ε)·N */

static void test_generate(const wf_paillier_sk *sk, const wf_rped *rp, const wf_rped_secret *sec)
{
    CHECK(mpz_cmp(rp->n, sk->pk.n) == 0 && rp->bits == 2048);
    CHECK(mpz_cmp(sec->phi.v, sk->phi.v) == 0);
    CHECK(mpz_sgn(sec->lambda.v) > 0 && mpz_cmp(sec->lambda.v, sec->phi.v) < 0);
    mpz_t x;
    mpz_init(x);
    mpz_powm(x, rp->t, sec->lambda.v, rp->n);
    CHECK(mpz_cmp(x, rp->s) == 0); /* s = t^λ */
    CHECK(mpz_jacobi(rp->t, rp->n) == 1);
    mpz_powm(x, rp->t, sec->phi.v, rp->n);
    CHECK(mpz_cmp_ui(x, 1) == 0); /* t ∈ Z*_N */
    mpz_clear(x);
    CHECK_OK(wf_rped_params_check(rp, 2048));

    /* Two generations give different parameters. */
    wf_rped *rp2 = NULL;
    wf_rped_secret *sec2 = NULL;
    CHECK_OK(wf_rped_generate(&rp2, &sec2, sk));
    CHECK(rp2 != NULL && sec2 != NULL);
    if (rp2 != NULL)
        CHECK(mpz_cmp(rp2->t, rp->t) != 0 && mpz_cmp(rp2->s, rp->s) != 0);
    wf_rped_free(rp2);
    wf_rped_secret_free(sec2);
    CHECK_ERR(wf_rped_generate(&rp2, &sec2, NULL), WF_ERR_ARG);
    CHECK(rp2 == NULL && sec2 == NULL);
}

/* Reference commitment with mpz_powm (negative exponents use the inverse). */
static void ref_commit(mpz_t out, const wf_rped *rp, const mpz_t x, const mpz_t y)
{
    mpz_t a;
    mpz_init(a);
    mpz_powm(a, rp->s, x, rp->n);
    mpz_powm(out, rp->t, y, rp->n);
    mpz_mul(out, out, a);
    mpz_mod(out, out, rp->n);
    mpz_clear(a);
}

static void test_commit(const wf_rped *rp)
{
    mpz_t x1, y1, x2, y2, c1, c2, c, ref;
    mpz_inits(x1, y1, x2, y2, c1, c2, c, ref, NULL);
    for (int i = 0; i < ROUNDS; i++) {
        wf_mpz_random_pm(x1, X_BITS);
        wf_mpz_random_pm(y1, Y_BITS);
        wf_mpz_random_pm(x2, X_BITS);
        wf_mpz_random_pm(y2, Y_BITS);
        CHECK_OK(wf_rped_commit(c1, rp, x1, X_BITS, y1, Y_BITS));
        ref_commit(ref, rp, x1, y1);
        CHECK(mpz_cmp(c1, ref) == 0);
        CHECK_OK(wf_rped_commit(c2, rp, x2, X_BITS, y2, Y_BITS));
        /* commit(x1,y1)·commit(x2,y2) = commit(x1+x2, y1+y2) */
        mpz_add(x1, x1, x2);
        mpz_add(y1, y1, y2);
        CHECK_OK(wf_rped_commit(c, rp, x1, X_BITS + 1, y1, Y_BITS + 1));
        mpz_mul(c1, c1, c2);
        mpz_mod(c1, c1, rp->n);
        CHECK(mpz_cmp(c, c1) == 0);
    }
    /* Zero exponents commit to 1; the bounds are inclusive; out may alias x. */
    mpz_set_ui(x1, 0);
    mpz_set_ui(y1, 0);
    CHECK_OK(wf_rped_commit(c, rp, x1, X_BITS, y1, Y_BITS));
    CHECK(mpz_cmp_ui(c, 1) == 0);
    mpz_setbit(x1, X_BITS);
    mpz_neg(x1, x1);
    mpz_setbit(y1, Y_BITS);
    ref_commit(ref, rp, x1, y1);
    CHECK_OK(wf_rped_commit(x1, rp, x1, X_BITS, y1, Y_BITS));
    CHECK(mpz_cmp(x1, ref) == 0);
    /* Out of bounds. */
    mpz_add_ui(y1, y1, 1);
    CHECK_ERR(wf_rped_commit(c, rp, x2, X_BITS, y1, Y_BITS), WF_ERR_RANGE);
    mpz_set_ui(x1, 0);
    mpz_setbit(x1, X_BITS + 1);
    CHECK_ERR(wf_rped_commit(c, rp, x1, X_BITS, y2, Y_BITS), WF_ERR_RANGE);
    CHECK_ERR(wf_rped_commit(c, NULL, x2, X_BITS, y2, Y_BITS), WF_ERR_ARG);
    mpz_clears(x1, y1, x2, y2, c1, c2, c, ref, NULL);
}

/* Builds (N, s, t) from values and expects `want` from the check. */
static void check_values(const mpz_t n, const mpz_t s, const mpz_t t, unsigned bits, wf_err want)
{
    wf_rped *r = (wf_rped *)1;
    CHECK_ERR(wf_rped_from_values(&r, n, s, t, bits), want);
    CHECK((want == WF_OK) == (r != NULL));
    wf_rped_free(r);
}

static void test_params_check(const wf_paillier_sk *sk, const wf_rped *rp)
{
    mpz_srcptr n = rp->n, s = rp->s, t = rp->t;
    mpz_t v, w;
    mpz_inits(v, w, NULL);
    check_values(n, s, t, 2048, WF_OK);
    check_values(n, s, t, 3072, WF_ERR_RANGE); /* wrong size */
    check_values(n, s, t, 2047, WF_ERR_RANGE);
    mpz_add_ui(v, n, 1);
    check_values(v, s, t, 2048, WF_ERR_RANGE); /* even N */
    check_values(n, s, s, 2048, WF_ERR_RANGE); /* s = t */
    mpz_set_ui(v, 1);
    check_values(n, v, t, 2048, WF_ERR_RANGE); /* s = 1 */
    check_values(n, s, v, 2048, WF_ERR_RANGE); /* t = 1 */
    mpz_set_ui(v, 0);
    check_values(n, v, t, 2048, WF_ERR_RANGE);
    mpz_add(v, s, n); /* unreduced */
    check_values(n, v, t, 2048, WF_ERR_RANGE);
    mpz_neg(v, t);
    check_values(n, s, v, 2048, WF_ERR_RANGE);
    mpz_mul_ui(v, sk->p.v, 3); /* shares p with N */
    check_values(n, v, t, 2048, WF_ERR_NOT_UNIT);
    check_values(n, s, sk->q.v, 2048, WF_ERR_NOT_UNIT);
    check_values(n, s, t, 8, WF_ERR_ARG);
    CHECK_ERR(wf_rped_params_check(NULL, 2048), WF_ERR_ARG);
    wf_rped *r = (wf_rped *)1;
    CHECK_ERR(wf_rped_from_values(&r, n, s, NULL, 2048), WF_ERR_ARG);
    CHECK(r == NULL);
    mpz_clears(v, w, NULL);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_paillier_sk *sk = wf_test_paillier_sk(2048, 1);
    REQUIRE(sk != NULL);
    wf_rped *rp = NULL;
    wf_rped_secret *sec = NULL;
    CHECK_OK(wf_rped_generate(&rp, &sec, sk));
    REQUIRE(rp != NULL && sec != NULL);

    test_generate(sk, rp, sec);
    test_commit(rp);
    test_params_check(sk, rp);

    wf_rped_free(rp);
    wf_rped_secret_free(sec);
    wf_rped_free(NULL);
    wf_rped_secret_free(NULL);
    wf_paillier_sk_free(sk);
    return wf_check_summary("test_ring_pedersen");
}

/* Πmul* (crypto/proofs/mul_star.c, CGGMP21 Fig. 31) over 2048-bit fixture keys
 * (tests/proof_fixture.h, TEST ONLY): N0 (pair 0), the verifier's
 * ring-Pedersen parameters (pair 1) and an unrelated key (pair 2).
 *
 * Besides the honest case: every statement value, proof field and context
 * item changed alone breaks the proof; malformed values are refused with the
 * right error; z1 just past its bound is refused; an out-of-range witness is
 * refused by the prover, and a proof forged for it (by the independent,
 * unchecked prover below) does not verify. */
#include <string.h>

#include "tests/check.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/mul_star.h"
#include "crypto/random.h"
#include "crypto/ring_pedersen.h"
#include "crypto/secmem.h"

#define ELL WF_PROOF_ELL
#define EPS WF_PROOF_EPS

typedef struct fx {
    wf_test_keys keys;
    const wf_paillier_sk *sk0; /* N0: keys.prover */
    mpz_t C, D, x, rho;
    wf_point X;
    wf_proof_ctx ctx;
    wf_proof_mul_star_stmt st;
    wf_proof_mul_star_wit wit;
} fx;

/* D = C^x·ρ^{N0}, X = x·G for any integer x (public arithmetic). */
static void make_statement(fx *f, const mpz_t x)
{
    const wf_paillier_pk *pk = &f->sk0->pk;
    mpz_t rn, zero;
    mpz_inits(rn, zero, NULL);
    mpz_set(f->x, x);
    REQUIRE(wf_proof_powm_public(f->D, f->C, x, pk->n2) == WF_OK);
    REQUIRE(wf_proof_paillier_public(rn, pk, zero, f->rho) == WF_OK);
    mpz_mul(f->D, f->D, rn);
    mpz_mod(f->D, f->D, pk->n2);
    wf_scalar xs;
    wf_scalar_from_mpz(&xs, x);
    REQUIRE(wf_point_base_mul(&f->X, &xs) == WF_OK);
    mpz_clears(rn, zero, NULL);
}

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    wf_test_keys_init(&f->keys);
    f->sk0 = f->keys.prover;
    mpz_inits(f->C, f->D, f->x, f->rho, NULL);
    mpz_t c, x;
    mpz_inits(c, x, NULL);
    wf_mpz_random_pm(c, ELL);
    REQUIRE(wf_paillier_encrypt(f->C, &f->sk0->pk, c, NULL) == WF_OK);
    REQUIRE(wf_mpz_random_unit(f->rho, f->sk0->pk.n) == WF_OK);
    wf_mpz_random_pm(x, ELL);
    make_statement(f, x);
    mpz_clears(c, x, NULL);

    f->ctx = wf_test_ctx();
    f->st =
        (wf_proof_mul_star_stmt){.pk0 = &f->sk0->pk, .C = f->C, .D = f->D, .X = &f->X, .rped = f->keys.rp};
    f->wit = (wf_proof_mul_star_wit){.x = f->x, .rho = f->rho};
}

static void fx_free(fx *f)
{
    mpz_clears(f->C, f->D, f->x, f->rho, NULL);
    wf_test_keys_free(&f->keys);
}

static wf_err verify(const void *proof, const void *env)
{
    const fx *f = env;
    return wf_proof_mul_star_verify(proof, &f->ctx, &f->st);
}

/* The prover's math again, with public helpers and no range checks. */
static void forge(wf_proof_mul_star *p, const fx *f)
{
    const wf_paillier_pk *pk0 = f->st.pk0;
    const wf_rped *rp = f->st.rped;
    mpz_t alpha, gamma, m, r, e, tmp, zero;
    mpz_inits(alpha, gamma, m, r, e, tmp, zero, NULL);
    wf_mpz_random_pm(alpha, ELL + EPS);
    wf_proof_random_pm_scaled(gamma, ELL + EPS, rp->n);
    wf_proof_random_pm_scaled(m, ELL, rp->n);
    REQUIRE(wf_mpz_random_unit(r, pk0->n) == WF_OK);
    REQUIRE(wf_proof_powm_public(tmp, f->C, alpha, pk0->n2) == WF_OK);
    REQUIRE(wf_proof_paillier_public(p->A, pk0, zero, r) == WF_OK);
    mpz_mul(p->A, p->A, tmp);
    mpz_mod(p->A, p->A, pk0->n2);
    wf_scalar as;
    wf_scalar_from_mpz(&as, alpha);
    REQUIRE(wf_point_base_mul(&p->Bx, &as) == WF_OK);
    REQUIRE(wf_proof_rped_public(p->E, rp, alpha, gamma) == WF_OK);
    REQUIRE(wf_proof_rped_public(p->S, rp, f->x, m) == WF_OK);
    REQUIRE(wf_proof_mul_star_challenge(e, &f->ctx, &f->st, p) == WF_OK);
    mpz_mul(p->z1, e, f->x);
    mpz_add(p->z1, p->z1, alpha);
    mpz_mul(p->z2, e, m);
    mpz_add(p->z2, p->z2, gamma);
    REQUIRE(wf_proof_powm_public(p->w, f->rho, e, pk0->n) == WF_OK);
    mpz_mul(p->w, p->w, r);
    mpz_mod(p->w, p->w, pk0->n);
    mpz_clears(alpha, gamma, m, r, e, tmp, zero, NULL);
}

static void test_honest(fx *f, wf_proof_mul_star *p)
{
    CHECK_OK(wf_proof_mul_star_prove(p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(p, f));
    CHECK(wf_proof_in_range(p->z1, ELL + EPS));
    wf_proof_mul_star q;
    wf_proof_mul_star_init(&q);
    forge(&q, f);
    CHECK_OK(verify(&q, f));
    wf_proof_mul_star_clear(&q);
    wf_proof_mul_star_clear(&q);
}

/* Each statement value changed alone (ring elements doubled: still units). */
static void test_statement(fx *f, const wf_proof_mul_star *p)
{
    wf_test_check_doubled(&f->st.C, f->sk0->pk.n2, verify, p, f);
    wf_test_check_doubled(&f->st.D, f->sk0->pk.n2, verify, p, f);
    wf_test_check_point_moved(&f->X, verify, p, f);
    wf_test_check_pk_replaced(&f->st.pk0, &f->keys.other->pk, verify, p, f);
    /* the verifier's parameters: all of them, then N̂, s, t alone */
    wf_test_check_rped_variants(&f->st.rped, &f->keys, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_context(fx *f, const wf_proof_mul_star *p)
{
    wf_test_check_ctx_variants(&f->ctx, verify, p, f);
    CHECK_OK(verify(p, f));
}

/* Each proof field changed alone (ring elements doubled: still units). */
static void test_fields(fx *f, wf_proof_mul_star *p)
{
    const wf_test_field fields[] = {{"A", p->A, f->sk0->pk.n2}, {"E", p->E, f->keys.rp->n},
                                    {"S", p->S, f->keys.rp->n}, {"z1", p->z1, NULL},
                                    {"z2", p->z2, NULL},        {"w", p->w, f->sk0->pk.n}};
    wf_test_check_fields(fields, sizeof fields / sizeof fields[0], verify, p, f);
    wf_test_check_point_moved(&p->Bx, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_malformed(fx *f, wf_proof_mul_star *p)
{
    mpz_t v;
    mpz_init_set_ui(v, 0);
    CHECK_ERR(wf_test_verify_with(p->A, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->w, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(f->D, v, verify, p, f), WF_ERR_RANGE);
    mpz_neg(v, p->S);
    CHECK_ERR(wf_test_verify_with(p->S, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->A, f->sk0->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->E, f->keys.rp->n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->w, f->sk0->pk.n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(f->C, f->sk0->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->A, f->sk0->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->E, f->keys.verifier->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->S, f->keys.verifier->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->w, f->sk0->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(f->C, f->sk0->pk.n, verify, p, f), WF_ERR_NOT_UNIT);

    /* z1 at ±(2^{ℓ+ε} + 1) refused, at 2^{ℓ+ε} in range but wrong; z2 capped */
    wf_test_check_bound(p->z1, ELL + EPS, NULL, verify, p, f);
    wf_test_just_past_scaled(v, ELL + EPS + 1, f->keys.rp->n, 1);
    CHECK_ERR(wf_test_verify_with(p->z2, v, verify, p, f), WF_ERR_RANGE);
    mpz_clear(v);

    /* B_x and X at infinity or off the curve */
    wf_test_check_point_refused(&p->Bx, verify, p, f);
    wf_test_check_point_refused(&f->X, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_witness_range(fx *f)
{
    wf_proof_mul_star p;
    wf_proof_mul_star_init(&p);
    mpz_t x0, v;
    mpz_init_set(x0, f->x);
    mpz_init(v);

    mpz_setbit(v, ELL); /* x = 2^ℓ is in range */
    make_statement(f, v);
    CHECK_OK(wf_proof_mul_star_prove(&p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(&p, f));
    mpz_add_ui(v, v, 1);
    make_statement(f, v);
    CHECK_ERR(wf_proof_mul_star_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);

    mpz_set_ui(v, 0);
    mpz_setbit(v, ELL + EPS + 1);
    mpz_neg(v, v); /* x = -2^{ℓ+ε+1} */
    make_statement(f, v);
    CHECK_ERR(wf_proof_mul_star_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    forge(&p, f);
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE);
    mpz_fdiv_r_2exp(p.z1, p.z1, ELL + EPS);
    CHECK_ERR(verify(&p, f), WF_ERR_VERIFY);

    make_statement(f, x0);
    mpz_set(v, f->rho);
    mpz_set_ui(f->rho, 0);
    CHECK_ERR(wf_proof_mul_star_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    mpz_set(f->rho, v);
    mpz_clears(x0, v, NULL);
    wf_proof_mul_star_clear(&p);
}

static void test_args(fx *f, wf_proof_mul_star *p)
{
    wf_proof_mul_star zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    wf_proof_mul_star_clear(&zeroed);
    wf_proof_mul_star_clear(NULL);
    CHECK_ERR(wf_proof_mul_star_verify(&zeroed, &f->ctx, &f->st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_mul_star_prove(&zeroed, &f->ctx, &f->st, &f->wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_mul_star_verify(p, NULL, &f->st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_mul_star_prove(p, &f->ctx, &f->st, NULL), WF_ERR_ARG);
    wf_proof_mul_star_stmt st = f->st;
    st.X = NULL;
    CHECK_ERR(wf_proof_mul_star_verify(p, &f->ctx, &st), WF_ERR_ARG);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    fx f;
    fx_init(&f);
    wf_proof_mul_star p;
    wf_proof_mul_star_init(&p);

    test_honest(&f, &p);
    test_statement(&f, &p);
    test_context(&f, &p);
    test_fields(&f, &p);
    test_malformed(&f, &p);
    test_args(&f, &p);
    test_witness_range(&f);

    wf_proof_mul_star_clear(&p);
    fx_free(&f);
    return wf_check_summary("test_proof_mul_star");
}

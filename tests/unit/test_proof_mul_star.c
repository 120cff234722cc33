/* Πmul* (crypto/proofs/mul_star.c, CGGMP21 Fig. 31) over 2048-bit fixture keys
 * (tests/fixtures/, TEST ONLY): N0 (pair 0), the verifier's ring-Pedersen
 * parameters (pair 2) and an unrelated key (pair 3).
 *
 * Besides the honest case: every statement value, proof field and context
 * item changed alone breaks the proof; malformed values are refused with the
 * right error; z1 just past its bound is refused; an out-of-range witness is
 * refused by the prover, and a proof forged for it (by the independent,
 * unchecked prover below) does not verify. */
#include <string.h>

#include "tests/check.h"
#include "tests/fixtures.h"

#include "crypto/proofs/mul_star.h"
#include "crypto/random.h"
#include "crypto/ring_pedersen.h"
#include "crypto/secmem.h"

#define ELL WF_PROOF_ELL
#define EPS WF_PROOF_EPS

static const uint32_t SIGNERS[] = {1, 2, 7, 9};
static const uint32_t SIGNERS_REORDERED[] = {1, 2, 9, 7};
static const uint32_t SIGNERS_OTHER[] = {1, 2, 7, 8};

typedef struct fx {
    wf_paillier_sk *sk0, *skv, *sko;
    wf_rped *rp, *rp_same_n, *rp_other_n;
    wf_rped_secret *rps[3];
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
    f->sk0 = wf_test_paillier_sk(2048, 0);
    f->skv = wf_test_paillier_sk(2048, 2);
    f->sko = wf_test_paillier_sk(2048, 3);
    REQUIRE(f->sk0 != NULL && f->skv != NULL && f->sko != NULL);
    REQUIRE(wf_rped_generate(&f->rp, &f->rps[0], f->skv) == WF_OK);
    REQUIRE(wf_rped_generate(&f->rp_same_n, &f->rps[1], f->skv) == WF_OK);
    REQUIRE(wf_rped_generate(&f->rp_other_n, &f->rps[2], f->sko) == WF_OK);
    mpz_inits(f->C, f->D, f->x, f->rho, NULL);
    mpz_t c, x;
    mpz_inits(c, x, NULL);
    wf_mpz_random_pm(c, ELL);
    REQUIRE(wf_paillier_encrypt(f->C, &f->sk0->pk, c, NULL) == WF_OK);
    REQUIRE(wf_mpz_random_unit(f->rho, f->sk0->pk.n) == WF_OK);
    wf_mpz_random_pm(x, ELL);
    make_statement(f, x);
    mpz_clears(c, x, NULL);

    f->ctx = (wf_proof_ctx){.protocol = "warifu/test/v1",
                            .cluster_id = {1},
                            .key_id = {2},
                            .session_id = {3},
                            .signers = SIGNERS,
                            .n_signers = 4,
                            .prover = 7,
                            .verifier = 9};
    f->st = (wf_proof_mul_star_stmt){.pk0 = &f->sk0->pk, .C = f->C, .D = f->D, .X = &f->X, .rped = f->rp};
    f->wit = (wf_proof_mul_star_wit){.x = f->x, .rho = f->rho};
}

static void fx_free(fx *f)
{
    mpz_clears(f->C, f->D, f->x, f->rho, NULL);
    wf_rped_free(f->rp);
    wf_rped_free(f->rp_same_n);
    wf_rped_free(f->rp_other_n);
    for (int i = 0; i < 3; i++)
        wf_rped_secret_free(f->rps[i]);
    wf_paillier_sk_free(f->sk0);
    wf_paillier_sk_free(f->skv);
    wf_paillier_sk_free(f->sko);
}

static wf_err verify(const wf_proof_mul_star *p, const fx *f)
{
    return wf_proof_mul_star_verify(p, &f->ctx, &f->st);
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

static void test_statement(fx *f, const wf_proof_mul_star *p)
{
    const wf_proof_mul_star_stmt saved = f->st;
    mpz_t v;
    mpz_init(v);
    mpz_mul_2exp(v, f->C, 1);
    mpz_mod(v, v, f->sk0->pk.n2);
    f->st.C = v;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->st = saved;
    mpz_mul_2exp(v, f->D, 1);
    mpz_mod(v, v, f->sk0->pk.n2);
    f->st.D = v;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->st = saved;
    mpz_clear(v);

    wf_point g, x2;
    wf_point_generator(&g);
    CHECK_OK(wf_point_add(&x2, &f->X, &g));
    f->st.X = &x2;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->st = saved;
    f->st.pk0 = &f->sko->pk;
    CHECK(verify(p, f) != WF_OK);
    f->st = saved;
    f->st.rped = f->rp_same_n;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->st.rped = f->rp_other_n;
    CHECK(verify(p, f) != WF_OK);
    f->st = saved;
    CHECK_OK(verify(p, f));
}

static void test_context(fx *f, const wf_proof_mul_star *p)
{
    const wf_proof_ctx saved = f->ctx;
    f->ctx.session_id[31] ^= 1;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.cluster_id[0] ^= 1;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.key_id[9] ^= 2;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.protocol = "warifu/test/v1 ";
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.prover = 9;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.verifier = 7;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.signers = SIGNERS_REORDERED;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx.signers = SIGNERS_OTHER;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx.signers = SIGNERS;
    f->ctx.n_signers = 3;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    CHECK_OK(verify(p, f));
}

static void test_fields(fx *f, wf_proof_mul_star *p)
{
    const struct {
        const char *name;
        mpz_ptr v;
        mpz_srcptr mod; /* NULL: an integer, changed by +1 */
    } fields[] = {{"A", p->A, f->sk0->pk.n2}, {"E", p->E, f->rp->n}, {"S", p->S, f->rp->n},
                  {"z1", p->z1, NULL},        {"z2", p->z2, NULL},   {"w", p->w, f->sk0->pk.n}};
    mpz_t saved;
    mpz_init(saved);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        mpz_set(saved, fields[i].v);
        if (fields[i].mod != NULL) {
            mpz_mul_2exp(fields[i].v, fields[i].v, 1);
            mpz_mod(fields[i].v, fields[i].v, fields[i].mod);
        } else {
            mpz_add_ui(fields[i].v, fields[i].v, 1);
        }
        wf_err err = verify(p, f);
        if (err != WF_ERR_VERIFY)
            fprintf(stderr, "field %s changed: %s\n", fields[i].name, wf_err_str(err));
        CHECK(err == WF_ERR_VERIFY);
        mpz_set(fields[i].v, saved);
    }
    mpz_clear(saved);
    wf_point saved_bx = p->Bx, g;
    wf_point_generator(&g);
    CHECK_OK(wf_point_add(&p->Bx, &saved_bx, &g));
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    p->Bx = saved_bx;
    CHECK_OK(verify(p, f));
}

static void expect_bad(fx *f, wf_proof_mul_star *p, mpz_ptr v, const mpz_t bad, wf_err want)
{
    mpz_t saved;
    mpz_init_set(saved, v);
    mpz_set(v, bad);
    CHECK_ERR(verify(p, f), want);
    mpz_set(v, saved);
    mpz_clear(saved);
}

static void test_malformed(fx *f, wf_proof_mul_star *p)
{
    mpz_t v;
    mpz_init_set_ui(v, 0);
    expect_bad(f, p, p->A, v, WF_ERR_RANGE);
    expect_bad(f, p, p->w, v, WF_ERR_RANGE);
    expect_bad(f, p, f->D, v, WF_ERR_RANGE);
    mpz_neg(v, p->S);
    expect_bad(f, p, p->S, v, WF_ERR_RANGE);
    expect_bad(f, p, p->A, f->sk0->pk.n2, WF_ERR_RANGE);
    expect_bad(f, p, p->E, f->rp->n, WF_ERR_RANGE);
    expect_bad(f, p, p->w, f->sk0->pk.n, WF_ERR_RANGE);
    expect_bad(f, p, f->C, f->sk0->pk.n2, WF_ERR_RANGE);
    expect_bad(f, p, p->A, f->sk0->p.v, WF_ERR_NOT_UNIT);
    expect_bad(f, p, p->E, f->skv->q.v, WF_ERR_NOT_UNIT);
    expect_bad(f, p, p->S, f->skv->p.v, WF_ERR_NOT_UNIT);
    expect_bad(f, p, p->w, f->sk0->q.v, WF_ERR_NOT_UNIT);
    expect_bad(f, p, f->C, f->sk0->pk.n, WF_ERR_NOT_UNIT);

    /* z1 at ±(2^{ℓ+ε} + 1) refused, at 2^{ℓ+ε} in range but wrong; z2 capped */
    mpz_set_ui(v, 0);
    mpz_setbit(v, ELL + EPS);
    expect_bad(f, p, p->z1, v, WF_ERR_VERIFY);
    mpz_add_ui(v, v, 1);
    expect_bad(f, p, p->z1, v, WF_ERR_RANGE);
    mpz_neg(v, v);
    expect_bad(f, p, p->z1, v, WF_ERR_RANGE);
    mpz_mul_2exp(v, f->rp->n, ELL + EPS + 1);
    mpz_add_ui(v, v, 1);
    expect_bad(f, p, p->z2, v, WF_ERR_RANGE);
    mpz_clear(v);

    wf_point saved = p->Bx;
    wf_point_set_infinity(&p->Bx);
    CHECK_ERR(verify(p, f), WF_ERR_INFINITY);
    p->Bx = saved;
    p->Bx.y[0] ^= 0x10;
    CHECK_ERR(verify(p, f), WF_ERR_NOT_ON_CURVE);
    p->Bx = saved;
    saved = f->X;
    wf_point_set_infinity(&f->X);
    CHECK_ERR(verify(p, f), WF_ERR_INFINITY);
    f->X = saved;
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

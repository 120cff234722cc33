/* Πmul (crypto/proofs/mul.c, CGGMP21 Fig. 29) over a 2048-bit fixture key
 * (tests/fixtures/, TEST ONLY; pair 3 is an unrelated key).
 *
 * Besides the honest case: every statement value, proof field and context
 * item changed alone breaks the proof; malformed values are refused with the
 * right error; z just past its sanity bound is refused; a witness the prover
 * refuses, and proofs forged (by the independent prover below) for a false
 * statement, do not verify. */
#include <string.h>

#include "tests/check.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/mul.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

typedef struct fx {
    wf_paillier_sk *sk, *sko;
    mpz_t X, Y, C, x, rho, rho_x;
    wf_proof_ctx ctx;
    wf_proof_mul_stmt st;
    wf_proof_mul_wit wit;
} fx;

/* X = Enc(x; ρ_x), C = Y^c·ρ^N (c = x for a true statement), public arithmetic. */
static void make_statement(fx *f, const mpz_t x, const mpz_t c)
{
    const wf_paillier_pk *pk = &f->sk->pk;
    mpz_t rn, zero;
    mpz_inits(rn, zero, NULL);
    mpz_set(f->x, x);
    REQUIRE(wf_proof_paillier_public(f->X, pk, x, f->rho_x) == WF_OK);
    REQUIRE(wf_proof_powm_public(f->C, f->Y, c, pk->n2) == WF_OK);
    REQUIRE(wf_proof_paillier_public(rn, pk, zero, f->rho) == WF_OK);
    mpz_mul(f->C, f->C, rn);
    mpz_mod(f->C, f->C, pk->n2);
    mpz_clears(rn, zero, NULL);
}

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    f->sk = wf_test_paillier_sk(2048, 0);
    f->sko = wf_test_paillier_sk(2048, 3);
    REQUIRE(f->sk != NULL && f->sko != NULL);
    mpz_inits(f->X, f->Y, f->C, f->x, f->rho, f->rho_x, NULL);
    mpz_t y, x;
    mpz_inits(y, x, NULL);
    wf_mpz_random_pm(y, WF_PROOF_ELL);
    REQUIRE(wf_paillier_encrypt(f->Y, &f->sk->pk, y, NULL) == WF_OK);
    REQUIRE(wf_mpz_random_unit(f->rho, f->sk->pk.n) == WF_OK);
    REQUIRE(wf_mpz_random_unit(f->rho_x, f->sk->pk.n) == WF_OK);
    wf_mpz_random_pm(x, WF_PROOF_ELL);
    make_statement(f, x, x);
    mpz_clears(y, x, NULL);

    f->ctx = wf_test_ctx();
    f->ctx.verifier = WF_PROOF_BROADCAST; /* a proof for every party */
    f->st = (wf_proof_mul_stmt){.pk = &f->sk->pk, .X = f->X, .Y = f->Y, .C = f->C};
    f->wit = (wf_proof_mul_wit){.x = f->x, .rho = f->rho, .rho_x = f->rho_x};
}

static void fx_free(fx *f)
{
    mpz_clears(f->X, f->Y, f->C, f->x, f->rho, f->rho_x, NULL);
    wf_paillier_sk_free(f->sk);
    wf_paillier_sk_free(f->sko);
}

static wf_err verify(const void *proof, const void *env)
{
    const fx *f = env;
    return wf_proof_mul_verify(proof, &f->ctx, &f->st);
}

/* The prover's math again with public helpers and no checks: a cross-check of
 * prove, and the cheating prover for false statements. */
static void forge(wf_proof_mul *p, const fx *f)
{
    const wf_paillier_pk *pk = f->st.pk;
    mpz_t alpha, r, s, e, tmp, zero;
    mpz_inits(alpha, r, s, e, tmp, zero, NULL);
    REQUIRE(wf_mpz_random_below(alpha, pk->n) == WF_OK);
    REQUIRE(wf_mpz_random_unit(r, pk->n) == WF_OK && wf_mpz_random_unit(s, pk->n) == WF_OK);
    REQUIRE(wf_proof_powm_public(tmp, f->Y, alpha, pk->n2) == WF_OK);
    REQUIRE(wf_proof_paillier_public(p->A, pk, zero, r) == WF_OK);
    mpz_mul(p->A, p->A, tmp);
    mpz_mod(p->A, p->A, pk->n2);
    REQUIRE(wf_proof_paillier_public(p->B, pk, alpha, s) == WF_OK);
    REQUIRE(wf_proof_mul_challenge(e, &f->ctx, &f->st, p) == WF_OK);
    mpz_mul(p->z, e, f->x);
    mpz_add(p->z, p->z, alpha);
    REQUIRE(wf_proof_powm_public(p->u, f->rho, e, pk->n) == WF_OK);
    mpz_mul(p->u, p->u, r);
    mpz_mod(p->u, p->u, pk->n);
    REQUIRE(wf_proof_powm_public(p->v, f->rho_x, e, pk->n) == WF_OK);
    mpz_mul(p->v, p->v, s);
    mpz_mod(p->v, p->v, pk->n);
    mpz_clears(alpha, r, s, e, tmp, zero, NULL);
}

static void test_honest(fx *f, wf_proof_mul *p)
{
    CHECK_OK(wf_proof_mul_prove(p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(p, f));
    wf_proof_mul q;
    wf_proof_mul_init(&q);
    forge(&q, f);
    CHECK_OK(verify(&q, f));
    wf_proof_mul_clear(&q);
    wf_proof_mul_clear(&q);
}

/* Each statement value changed alone (doubled: still a unit). */
static void test_statement(fx *f, const wf_proof_mul *p)
{
    wf_test_check_doubled(&f->st.X, f->sk->pk.n2, verify, p, f);
    wf_test_check_doubled(&f->st.Y, f->sk->pk.n2, verify, p, f);
    wf_test_check_doubled(&f->st.C, f->sk->pk.n2, verify, p, f);
    wf_test_check_pk_replaced(&f->st.pk, &f->sko->pk, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_context(fx *f, const wf_proof_mul *p)
{
    wf_test_check_ctx_variants(&f->ctx, verify, p, f);
    CHECK_OK(verify(p, f));
}

/* Each proof field changed alone (ring elements doubled: still units). */
static void test_fields(fx *f, wf_proof_mul *p)
{
    const wf_test_field fields[] = {{"A", p->A, f->sk->pk.n2},
                                    {"B", p->B, f->sk->pk.n2},
                                    {"z", p->z, NULL},
                                    {"u", p->u, f->sk->pk.n},
                                    {"v", p->v, f->sk->pk.n}};
    wf_test_check_fields(fields, sizeof fields / sizeof fields[0], verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_malformed(fx *f, wf_proof_mul *p)
{
    const wf_paillier_sk *sk = f->sk;
    mpz_t v;
    mpz_init_set_ui(v, 0);
    CHECK_ERR(wf_test_verify_with(p->A, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->u, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(f->X, v, verify, p, f), WF_ERR_RANGE);
    mpz_neg(v, p->B);
    CHECK_ERR(wf_test_verify_with(p->B, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->A, sk->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->v, sk->pk.n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(f->C, sk->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->B, sk->pk.n, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->u, sk->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->v, sk->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(f->Y, sk->q.v, verify, p, f), WF_ERR_NOT_UNIT);

    /* |z| <= 2^{ℓ+1}·N: the bound itself passes the range check */
    wf_test_check_bound(p->z, WF_PROOF_ELL + 1, sk->pk.n, verify, p, f);
    mpz_clear(v);
    CHECK_OK(verify(p, f));
}

/* Witnesses the prover refuses; false statements a forger cannot prove. */
static void test_witness(fx *f)
{
    wf_proof_mul p;
    wf_proof_mul_init(&p);
    mpz_t x0, v;
    mpz_init_set(x0, f->x);
    mpz_init(v);

    mpz_set(v, f->sk->pk.n); /* |x| = N */
    mpz_set(f->x, v);
    CHECK_ERR(wf_proof_mul_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    mpz_neg(f->x, v);
    CHECK_ERR(wf_proof_mul_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    mpz_set(f->x, x0);
    mpz_set(v, f->rho);
    mpz_set(f->rho, f->sk->pk.n);
    CHECK_ERR(wf_proof_mul_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    mpz_set(f->rho, v);

    /* C = Y^{x+1}·ρ^N while X encrypts x */
    mpz_add_ui(v, x0, 1);
    make_statement(f, x0, v);
    CHECK_OK(wf_proof_mul_prove(&p, &f->ctx, &f->st, &f->wit)); /* the prover does not check the relation */
    CHECK_ERR(verify(&p, f), WF_ERR_VERIFY);
    forge(&p, f);
    CHECK_ERR(verify(&p, f), WF_ERR_VERIFY);
    make_statement(f, x0, x0);

    /* a forged response z outside the bound is refused */
    forge(&p, f);
    CHECK_OK(verify(&p, f));
    mpz_mul_2exp(v, f->sk->pk.n, WF_PROOF_ELL + 2);
    mpz_add(p.z, p.z, v);
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE);

    mpz_clears(x0, v, NULL);
    wf_proof_mul_clear(&p);
}

static void test_args(fx *f, wf_proof_mul *p)
{
    wf_proof_mul zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    wf_proof_mul_clear(&zeroed);
    wf_proof_mul_clear(NULL);
    CHECK_ERR(wf_proof_mul_verify(&zeroed, &f->ctx, &f->st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_mul_prove(&zeroed, &f->ctx, &f->st, &f->wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_mul_verify(p, NULL, &f->st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_mul_prove(p, &f->ctx, &f->st, NULL), WF_ERR_ARG);
    wf_proof_mul_stmt st = f->st;
    st.C = NULL;
    CHECK_ERR(wf_proof_mul_verify(p, &f->ctx, &st), WF_ERR_ARG);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    fx f;
    fx_init(&f);
    wf_proof_mul p;
    wf_proof_mul_init(&p);

    test_honest(&f, &p);
    test_statement(&f, &p);
    test_context(&f, &p);
    test_fields(&f, &p);
    test_malformed(&f, &p);
    test_args(&f, &p);
    test_witness(&f);

    wf_proof_mul_clear(&p);
    fx_free(&f);
    return wf_check_summary("test_proof_mul");
}

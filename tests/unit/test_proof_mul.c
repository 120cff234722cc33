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
#include "tests/fixtures.h"

#include "crypto/proofs/mul.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

static const uint32_t SIGNERS[] = {2, 5};
static const uint32_t SIGNERS_REORDERED[] = {5, 2};
static const uint32_t SIGNERS_OTHER[] = {2, 6};

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

    f->ctx = (wf_proof_ctx){.protocol = "warifu/test/v1",
                            .cluster_id = {1},
                            .key_id = {2},
                            .session_id = {3},
                            .signers = SIGNERS,
                            .n_signers = 2,
                            .prover = 5,
                            .verifier = WF_PROOF_BROADCAST};
    f->st = (wf_proof_mul_stmt){.pk = &f->sk->pk, .X = f->X, .Y = f->Y, .C = f->C};
    f->wit = (wf_proof_mul_wit){.x = f->x, .rho = f->rho, .rho_x = f->rho_x};
}

static void fx_free(fx *f)
{
    mpz_clears(f->X, f->Y, f->C, f->x, f->rho, f->rho_x, NULL);
    wf_paillier_sk_free(f->sk);
    wf_paillier_sk_free(f->sko);
}

static wf_err verify(const wf_proof_mul *p, const fx *f)
{
    return wf_proof_mul_verify(p, &f->ctx, &f->st);
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

static void test_statement(fx *f, const wf_proof_mul *p)
{
    const wf_proof_mul_stmt saved = f->st;
    mpz_srcptr *slots[] = {&f->st.X, &f->st.Y, &f->st.C};
    mpz_t v;
    mpz_init(v);
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        mpz_mul_2exp(v, *slots[i], 1); /* doubled: still a unit */
        mpz_mod(v, v, f->sk->pk.n2);
        *slots[i] = v;
        CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
        f->st = saved;
    }
    mpz_clear(v);
    f->st.pk = &f->sko->pk;
    CHECK(verify(p, f) != WF_OK);
    f->st = saved;
    CHECK_OK(verify(p, f));
}

static void test_context(fx *f, const wf_proof_mul *p)
{
    const wf_proof_ctx saved = f->ctx;
    f->ctx.session_id[0] ^= 1;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.cluster_id[16] ^= 4;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.key_id[31] ^= 1;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.protocol = "warifu/other/v1";
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.prover = 2;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.verifier = 2;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    f->ctx.signers = SIGNERS_REORDERED;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx.signers = SIGNERS_OTHER;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx.signers = SIGNERS;
    f->ctx.n_signers = 1;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->ctx = saved;
    CHECK_OK(verify(p, f));
}

static void test_fields(fx *f, wf_proof_mul *p)
{
    const struct {
        const char *name;
        mpz_ptr v;
        mpz_srcptr mod; /* NULL: an integer, changed by +1 */
    } fields[] = {{"A", p->A, f->sk->pk.n2},
                  {"B", p->B, f->sk->pk.n2},
                  {"z", p->z, NULL},
                  {"u", p->u, f->sk->pk.n},
                  {"v", p->v, f->sk->pk.n}};
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
    CHECK_OK(verify(p, f));
}

static void expect_bad(fx *f, wf_proof_mul *p, mpz_ptr v, const mpz_t bad, wf_err want)
{
    mpz_t saved;
    mpz_init_set(saved, v);
    mpz_set(v, bad);
    CHECK_ERR(verify(p, f), want);
    mpz_set(v, saved);
    mpz_clear(saved);
}

static void test_malformed(fx *f, wf_proof_mul *p)
{
    const wf_paillier_sk *sk = f->sk;
    mpz_t v;
    mpz_init_set_ui(v, 0);
    expect_bad(f, p, p->A, v, WF_ERR_RANGE);
    expect_bad(f, p, p->u, v, WF_ERR_RANGE);
    expect_bad(f, p, f->X, v, WF_ERR_RANGE);
    mpz_neg(v, p->B);
    expect_bad(f, p, p->B, v, WF_ERR_RANGE);
    expect_bad(f, p, p->A, sk->pk.n2, WF_ERR_RANGE);
    expect_bad(f, p, p->v, sk->pk.n, WF_ERR_RANGE);
    expect_bad(f, p, f->C, sk->pk.n2, WF_ERR_RANGE);
    expect_bad(f, p, p->B, sk->pk.n, WF_ERR_NOT_UNIT);
    expect_bad(f, p, p->u, sk->p.v, WF_ERR_NOT_UNIT);
    expect_bad(f, p, p->v, sk->q.v, WF_ERR_NOT_UNIT);
    expect_bad(f, p, f->Y, sk->q.v, WF_ERR_NOT_UNIT);

    /* |z| <= 2^{ℓ+1}·N: the bound itself passes the range check */
    mpz_mul_2exp(v, sk->pk.n, WF_PROOF_ELL + 1);
    expect_bad(f, p, p->z, v, WF_ERR_VERIFY);
    mpz_add_ui(v, v, 1);
    expect_bad(f, p, p->z, v, WF_ERR_RANGE);
    mpz_neg(v, v);
    expect_bad(f, p, p->z, v, WF_ERR_RANGE);
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

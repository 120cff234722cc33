/* Πlog* (crypto/proofs/log_star.c, CGGMP21 Fig. 25) over 2048-bit fixture
 * keys (tests/proof_fixture.h, TEST ONLY), with a base point g that is not the
 * generator (and once with the generator).
 *
 * Besides the honest case: every statement value, proof field and context
 * item changed alone breaks the proof; points at infinity or off the curve and
 * other malformed values are refused with the right error; z1 just past
 * ±2^{ℓ+ε} is refused; an out-of-range x is refused by the prover, and a proof
 * forged for it (by the independent, unchecked prover below) does not
 * verify. */
#include <string.h>

#include "tests/check.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/log_star.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

#define ELL    WF_PROOF_ELL
#define EPS    WF_PROOF_EPS
#define ROUNDS 2

typedef struct fx {
    wf_test_keys keys;
    mpz_t C, x, rho;
    wf_point g, X;
    wf_proof_ctx ctx;
    wf_proof_log_star_stmt st;
    wf_proof_log_star_wit wit;
} fx;

static void mul_mpz(wf_point *out, const wf_point *p, const mpz_t k)
{
    wf_scalar s;
    wf_scalar_from_mpz(&s, k);
    REQUIRE(wf_point_mul(out, p, &s) == WF_OK);
}

/* C = Enc_{N0}(x; ρ), X = x·g for any integer x, fresh ρ. */
static void make_statement(fx *f, const mpz_t x)
{
    mpz_set(f->x, x);
    REQUIRE(wf_mpz_random_unit(f->rho, f->keys.prover->pk.n) == WF_OK);
    REQUIRE(wf_proof_paillier_public(f->C, &f->keys.prover->pk, x, f->rho) == WF_OK);
    mul_mpz(&f->X, &f->g, x);
}

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    wf_test_keys_init(&f->keys);
    mpz_inits(f->C, f->x, f->rho, NULL);
    wf_scalar h;
    wf_scalar_random(&h);
    REQUIRE(wf_point_base_mul(&f->g, &h) == WF_OK);
    mpz_t x;
    mpz_init(x);
    wf_mpz_random_pm(x, ELL);
    make_statement(f, x);
    mpz_clear(x);
    f->ctx = wf_test_ctx();
    f->st = (wf_proof_log_star_stmt){
        .pk0 = &f->keys.prover->pk, .C = f->C, .X = &f->X, .g = &f->g, .rped = f->keys.rp};
    f->wit = (wf_proof_log_star_wit){.x = f->x, .rho = f->rho};
}

static void fx_free(fx *f)
{
    wf_mpz_wipe(f->x);
    wf_mpz_wipe(f->rho);
    mpz_clears(f->C, f->x, f->rho, NULL);
    wf_test_keys_free(&f->keys);
}

static wf_err verify(const void *proof, const void *env)
{
    const fx *f = env;
    return wf_proof_log_star_verify(proof, &f->ctx, &f->st);
}

/* The prover's math again, with public helpers and no range checks: the
 * "cheating prover" for out-of-range witnesses, and a cross-check of prove. */
static void forge(wf_proof_log_star *p, const fx *f)
{
    wf_test_enc_forge n;
    wf_test_enc_forge_commit(&n, p->S, p->A, p->D, f->st.pk0, f->st.rped, f->x, ELL + EPS);
    mul_mpz(&p->Y, f->st.g, n.alpha);
    REQUIRE(wf_proof_log_star_challenge(n.e, &f->ctx, &f->st, p) == WF_OK);
    wf_test_enc_forge_respond(&n, p->z1, p->z2, p->z3, f->st.pk0, f->x, f->rho);
}

static void test_honest(fx *f)
{
    wf_proof_log_star p;
    wf_proof_log_star_init(&p);
    for (int i = 0; i < ROUNDS; i++) {
        CHECK_OK(wf_proof_log_star_prove(&p, &f->ctx, &f->st, &f->wit));
        CHECK_OK(verify(&p, f));
    }
    /* the independent prover agrees with the verifier */
    forge(&p, f);
    CHECK_OK(verify(&p, f));
    /* the generator as base */
    const wf_point g = f->g;
    wf_point_generator(&f->g);
    make_statement(f, f->x);
    CHECK_OK(wf_proof_log_star_prove(&p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(&p, f));
    f->g = g;
    make_statement(f, f->x);
    wf_proof_log_star_clear(&p);
}

static void test_statement(fx *f, const wf_proof_log_star *p)
{
    const wf_proof_log_star_stmt saved = f->st;
    wf_point G, P2;
    wf_point_generator(&G);
    /* C: +1, and another encryption of the same x */
    wf_test_check_ciphertext(&f->st.C, &f->keys.prover->pk, f->x, verify, p, f);
    /* X and g */
    wf_test_check_point_moved(&f->X, verify, p, f);
    f->st.g = &G;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    CHECK_OK(wf_point_add(&P2, &f->g, &f->g));
    f->st.g = &P2;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->st = saved;
    /* N0 */
    wf_test_check_pk_replaced(&f->st.pk0, &f->keys.other->pk, verify, p, f);
    /* the verifier's parameters: all of them, then N̂, s, t alone */
    wf_test_check_rped_variants(&f->st.rped, &f->keys, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_fields_and_context(fx *f, wf_proof_log_star *p)
{
    /* each one plus one, Y plus G */
    const wf_test_field fields[] = {{"S", p->S, NULL},   {"A", p->A, NULL},   {"D", p->D, NULL},
                                    {"z1", p->z1, NULL}, {"z2", p->z2, NULL}, {"z3", p->z3, NULL}};
    wf_test_check_fields(fields, sizeof fields / sizeof fields[0], verify, p, f);
    wf_test_check_point_moved(&p->Y, verify, p, f);
    wf_test_check_ctx_variants(&f->ctx, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_points(fx *f, wf_proof_log_star *p)
{
    const wf_proof_log_star_stmt saved = f->st;
    const wf_point Y = p->Y;
    wf_point inf, off;
    wf_point_set_infinity(&inf);
    f->st.g = &inf;
    CHECK_ERR(verify(p, f), WF_ERR_INFINITY);
    CHECK_ERR(wf_proof_log_star_prove(p, &f->ctx, &f->st, &f->wit), WF_ERR_INFINITY);
    off = f->X;
    off.y[31] ^= 1;
    f->st.g = &off;
    CHECK_ERR(verify(p, f), WF_ERR_NOT_ON_CURVE);
    f->st = saved;
    /* X and Y at infinity, and off the curve by their y and by Y's x */
    wf_test_check_point_refused(&f->X, verify, p, f);
    wf_test_check_point_refused(&p->Y, verify, p, f);
    p->Y.x[3] ^= 0x10;
    CHECK_ERR(verify(p, f), WF_ERR_NOT_ON_CURVE);
    p->Y = Y;
    CHECK_OK(verify(p, f));
}

static void test_bounds_and_units(fx *f, wf_proof_log_star *p)
{
    const wf_paillier_sk *sk0 = f->keys.prover, *skv = f->keys.verifier;
    mpz_t v;
    mpz_init(v);
    wf_test_check_enc_core_bounds(p->z1, ELL + EPS, p->z3, f->keys.rp, 1, verify, p, f);
    CHECK_ERR(wf_test_verify_with(p->A, sk0->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->S, skv->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->D, skv->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->z2, sk0->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->A, sk0->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->D, f->keys.rp->n, verify, p, f), WF_ERR_RANGE);
    mpz_set_si(v, -1);
    CHECK_ERR(wf_test_verify_with(p->S, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->z2, v, verify, p, f), WF_ERR_RANGE);
    const wf_proof_log_star_stmt saved = f->st;
    f->st.C = sk0->q.v;
    CHECK_ERR(verify(p, f), WF_ERR_NOT_UNIT);
    f->st = saved;
    mpz_clear(v);
}

/* x = 2^{ℓ+ε+1}: the prover refuses, a forged proof fails. */
static void test_witness_range(fx *f)
{
    mpz_t x, keep;
    mpz_init(x);
    mpz_init_set(keep, f->x);
    wf_proof_log_star p;
    wf_proof_log_star_init(&p);
    mpz_set_ui(x, 0);
    mpz_setbit(x, ELL + EPS + 1);
    for (int sign = 0; sign < 2; sign++) {
        make_statement(f, x);
        CHECK_ERR(wf_proof_log_star_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
        forge(&p, f);
        CHECK_ERR(verify(&p, f), WF_ERR_RANGE);
        mpz_neg(x, x);
    }
    wf_test_just_past(x, ELL, 1);
    make_statement(f, x);
    CHECK_ERR(wf_proof_log_star_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    wf_proof_log_star_clear(&p);
    make_statement(f, keep);
    mpz_clears(x, keep, NULL);
}

static void test_api(fx *f)
{
    wf_proof_log_star p;
    memset(&p, 0, sizeof p);
    CHECK_ERR(wf_proof_log_star_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_ARG);
    CHECK_ERR(verify(&p, f), WF_ERR_ARG);
    wf_proof_log_star_clear(&p);
    wf_proof_log_star_clear(NULL);
    wf_proof_log_star_init(&p);
    const wf_proof_log_star_wit saved = f->wit;
    f->wit.rho = f->keys.prover->q.v;
    CHECK_ERR(wf_proof_log_star_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_NOT_UNIT);
    f->wit = saved;
    CHECK_ERR(wf_proof_log_star_prove(&p, &f->ctx, &f->st, NULL), WF_ERR_ARG);
    wf_proof_log_star_clear(&p);
    wf_proof_log_star_clear(&p);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    fx f;
    fx_init(&f);
    test_honest(&f);
    wf_proof_log_star p;
    wf_proof_log_star_init(&p);
    REQUIRE(wf_proof_log_star_prove(&p, &f.ctx, &f.st, &f.wit) == WF_OK);
    test_statement(&f, &p);
    test_fields_and_context(&f, &p);
    test_points(&f, &p);
    test_bounds_and_units(&f, &p);
    wf_proof_log_star_clear(&p);
    test_witness_range(&f);
    test_api(&f);
    fx_free(&f);
    return wf_check_summary("test_proof_log_star");
}

/* Πdec (crypto/proofs/dec.c, CGGMP21 Fig. 30, with the deviations listed in
 * dec.h) over 2048-bit fixture keys (tests/proof_fixture.h, TEST ONLY), for
 * the figure's bound y_bits = ℓ and for an identification-sized y_bits.
 *
 * Besides the honest case: every statement value, proof field and context
 * item changed alone breaks the proof; malformed values are refused with the
 * right error; z1 just past ±2^{y_bits+ε} is refused; an out-of-range y is
 * refused by the prover, and a forged proof for it does not verify; and the
 * attack the range check exists for (witness y + j·N0 ≡ a false x mod q,
 * which satisfies every equation of the figure) is refused. */
#include <string.h>

#include "tests/check.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/dec.h"
#include "crypto/proofs/enc_core.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

#define ELL       WF_PROOF_ELL
#define EPS       WF_PROOF_EPS
#define Y_BITS_ID (WF_PROOF_ELL_PRIME + 8) /* a sum of MtA shares, as on the identification path */

typedef struct fx {
    wf_test_keys keys;
    mpz_t C, y, rho;
    wf_scalar x;
    wf_proof_ctx ctx;
    wf_proof_dec_stmt st;
    wf_proof_dec_wit wit;
} fx;

/* C = Enc_{N0}(y; ρ), x = y mod q for any integer y, fresh ρ. */
static void make_statement(fx *f, const mpz_t y)
{
    mpz_set(f->y, y);
    REQUIRE(wf_mpz_random_unit(f->rho, f->keys.prover->pk.n) == WF_OK);
    REQUIRE(wf_proof_paillier_public(f->C, &f->keys.prover->pk, y, f->rho) == WF_OK);
    wf_scalar_from_mpz(&f->x, y);
}

static void fresh_statement(fx *f, unsigned y_bits)
{
    mpz_t y;
    mpz_init(y);
    wf_mpz_random_pm(y, y_bits);
    f->st.y_bits = y_bits;
    make_statement(f, y);
    mpz_clear(y);
}

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    wf_test_keys_init(&f->keys);
    mpz_inits(f->C, f->y, f->rho, NULL);
    f->ctx = wf_test_ctx();
    f->st = (wf_proof_dec_stmt){.pk0 = &f->keys.prover->pk, .C = f->C, .x = &f->x, .rped = f->keys.rp};
    f->wit = (wf_proof_dec_wit){.y = f->y, .rho = f->rho};
    fresh_statement(f, Y_BITS_ID);
}

static void fx_free(fx *f)
{
    wf_mpz_wipe(f->y);
    wf_mpz_wipe(f->rho);
    mpz_clears(f->C, f->y, f->rho, NULL);
    wf_test_keys_free(&f->keys);
}

static wf_err verify(const void *proof, const void *env)
{
    const fx *f = env;
    return wf_proof_dec_verify(proof, &f->ctx, &f->st);
}

/* The prover's math again, with public helpers and no range checks: the
 * cheating prover, and a cross-check of prove. */
static void forge(wf_proof_dec *p, const fx *f)
{
    wf_test_enc_forge n;
    /* the core's C, γ, z2 and z3 are the figure's T, ν, w and z2 */
    wf_test_enc_forge_commit(&n, p->S, p->A, p->T, f->st.pk0, f->st.rped, f->y, f->st.y_bits + EPS);
    wf_scalar_from_mpz(&p->gamma, n.alpha);
    REQUIRE(wf_proof_dec_challenge(n.e, &f->ctx, &f->st, p) == WF_OK);
    wf_test_enc_forge_respond(&n, p->z1, p->w, p->z2, f->st.pk0, f->y, f->rho);
}

/* Fig. 30's checks exactly as printed (no range check on z1). */
static int figure_accepts(const wf_proof_dec *p, const fx *f)
{
    mpz_t e;
    mpz_init(e);
    REQUIRE(wf_proof_dec_challenge(e, &f->ctx, &f->st, p) == WF_OK);
    const wf_proof_enc_core_pub v = {.pk0 = f->st.pk0,
                                     .rped = f->st.rped,
                                     .K = f->st.C,
                                     .S = p->S,
                                     .A = p->A,
                                     .C = p->T,
                                     .z1 = p->z1,
                                     .z2 = p->w,
                                     .z3 = p->z2};
    int ok = wf_proof_enc_core_equations(&v, e) == WF_OK;
    wf_scalar z1, es, rhs;
    wf_scalar_from_mpz(&z1, p->z1);
    wf_scalar_from_mpz(&es, e);
    REQUIRE(wf_scalar_mul(&rhs, &es, f->st.x) == WF_OK && wf_scalar_add(&rhs, &rhs, &p->gamma) == WF_OK);
    ok = ok && wf_scalar_eq(&z1, &rhs);
    mpz_clear(e);
    return ok;
}

static void test_honest(fx *f)
{
    wf_proof_dec p;
    wf_proof_dec_init(&p);
    const unsigned sizes[] = {ELL, Y_BITS_ID};
    for (size_t i = 0; i < 2; i++) {
        fresh_statement(f, sizes[i]);
        CHECK_OK(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit));
        CHECK_OK(verify(&p, f));
        CHECK(figure_accepts(&p, f));
    }
    /* the edge |y| = 2^y_bits, negative */
    mpz_t y;
    mpz_init_set_ui(y, 0);
    mpz_setbit(y, Y_BITS_ID);
    mpz_neg(y, y);
    make_statement(f, y);
    CHECK_OK(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(&p, f));
    mpz_clear(y);
    /* the independent prover agrees with the verifier */
    forge(&p, f);
    CHECK_OK(verify(&p, f));
    wf_proof_dec_clear(&p);
    fresh_statement(f, Y_BITS_ID);
}

static void test_statement(fx *f, const wf_proof_dec *p)
{
    const wf_proof_dec_stmt saved = f->st;
    /* C: +1, and another encryption of the same y */
    wf_test_check_ciphertext(&f->st.C, &f->keys.prover->pk, f->y, verify, p, f);
    /* x + 1 */
    wf_scalar x2, one;
    wf_scalar_set_u64(&one, 1);
    REQUIRE(wf_scalar_add(&x2, &f->x, &one) == WF_OK);
    f->st.x = &x2;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->st = saved;
    /* y_bits: another valid bound, then bounds the statement cannot have */
    f->st.y_bits = Y_BITS_ID + 1;
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    f->st.y_bits = f->st.pk0->bits - EPS - 3;
    CHECK_ERR(verify(p, f), WF_ERR_ARG);
    f->st.y_bits = 0;
    CHECK_ERR(verify(p, f), WF_ERR_ARG);
    f->st = saved;
    /* N0 */
    wf_test_check_pk_replaced(&f->st.pk0, &f->keys.other->pk, verify, p, f);
    /* the verifier's parameters: all of them, then N̂, s, t alone */
    wf_test_check_rped_variants(&f->st.rped, &f->keys, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_fields_and_context(fx *f, wf_proof_dec *p)
{
    /* each one plus one */
    const wf_test_field fields[] = {{"S", p->S, NULL},   {"T", p->T, NULL},   {"A", p->A, NULL},
                                    {"z1", p->z1, NULL}, {"z2", p->z2, NULL}, {"w", p->w, NULL}};
    wf_test_check_fields(fields, sizeof fields / sizeof fields[0], verify, p, f);
    const wf_scalar gamma = p->gamma;
    wf_scalar one;
    wf_scalar_set_u64(&one, 1);
    REQUIRE(wf_scalar_add(&p->gamma, &gamma, &one) == WF_OK);
    CHECK_ERR(verify(p, f), WF_ERR_VERIFY);
    memcpy(p->gamma.b, WF_SECP256K1_ORDER, WF_SCALAR_BYTES); /* γ = q, unreduced */
    CHECK_ERR(verify(p, f), WF_ERR_RANGE);
    p->gamma = gamma;
    const wf_proof_dec_stmt saved = f->st;
    wf_scalar xq;
    memcpy(xq.b, WF_SECP256K1_ORDER, WF_SCALAR_BYTES);
    f->st.x = &xq;
    CHECK_ERR(verify(p, f), WF_ERR_RANGE);
    f->st = saved;

    wf_test_check_ctx_variants(&f->ctx, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_bounds_and_units(fx *f, wf_proof_dec *p)
{
    const wf_paillier_sk *sk0 = f->keys.prover, *skv = f->keys.verifier;
    mpz_t v;
    mpz_init(v);
    /* z1 at ±2^{y_bits+ε}; z2 (the core's z3) past its cap, negative */
    wf_test_check_enc_core_bounds(p->z1, f->st.y_bits + EPS, p->z2, f->keys.rp, -1, verify, p, f);
    CHECK_ERR(wf_test_verify_with(p->A, sk0->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->S, skv->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->T, skv->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->w, sk0->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->A, sk0->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->T, f->keys.rp->n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->w, sk0->pk.n, verify, p, f), WF_ERR_RANGE);
    mpz_set_ui(v, 0);
    CHECK_ERR(wf_test_verify_with(p->S, v, verify, p, f), WF_ERR_RANGE);
    const wf_proof_dec_stmt saved = f->st;
    f->st.C = sk0->p.v;
    CHECK_ERR(verify(p, f), WF_ERR_NOT_UNIT);
    f->st = saved;
    mpz_clear(v);
}

/* The witness y + j·N0 encrypts to the same C and is ≡ x + 1 (mod q) for
 * j = N0^{-1} mod q: every equation of Fig. 30 holds for the false x + 1, and
 * only the range check on z1 (deviation 1 in dec.h) refuses it. Also |y| just
 * past 2^y_bits: refused by the prover, and a forged proof for y = 2^{y_bits+ε+1}
 * fails. */
static void test_witness_range(fx *f)
{
    mpz_t q, j, y, keep;
    mpz_inits(q, j, y, NULL);
    mpz_init_set(keep, f->y);
    const wf_scalar x_true = f->x;
    wf_proof_dec p;
    wf_proof_dec_init(&p);

    mpz_import(q, WF_SCALAR_BYTES, 1, 1, 1, 0, WF_SECP256K1_ORDER);
    REQUIRE(mpz_invert(j, f->st.pk0->n, q));
    mpz_mul(y, j, f->st.pk0->n);
    mpz_add(f->y, f->y, y); /* C is unchanged: y + j·N0 ≡ y (mod N0) */
    wf_scalar_from_mpz(&f->x, f->y);
    wf_scalar one, x_plus_1;
    wf_scalar_set_u64(&one, 1);
    REQUIRE(wf_scalar_add(&x_plus_1, &x_true, &one) == WF_OK);
    CHECK(wf_scalar_eq(&f->x, &x_plus_1));
    CHECK_ERR(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    forge(&p, f);
    CHECK(figure_accepts(&p, f));
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE);
    f->x = x_true;

    wf_test_just_past(y, f->st.y_bits, 1);
    make_statement(f, y);
    CHECK_ERR(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    mpz_set_ui(y, 0);
    mpz_setbit(y, f->st.y_bits + EPS + 1);
    make_statement(f, y);
    forge(&p, f);
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE);

    wf_proof_dec_clear(&p);
    make_statement(f, keep);
    mpz_clears(q, j, y, keep, NULL);
}

static void test_api(fx *f)
{
    wf_proof_dec p;
    memset(&p, 0, sizeof p);
    CHECK_ERR(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_ARG);
    CHECK_ERR(verify(&p, f), WF_ERR_ARG);
    wf_proof_dec_clear(&p);
    wf_proof_dec_clear(NULL);
    wf_proof_dec_init(&p);
    const wf_proof_dec_stmt saved = f->st;
    f->st.y_bits = f->st.pk0->bits - EPS - 3;
    CHECK_ERR(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_ARG);
    f->st = saved;
    const wf_proof_dec_wit wsaved = f->wit;
    f->wit.rho = f->keys.prover->pk.n;
    CHECK_ERR(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    f->wit = wsaved;
    /* the largest bound the statement allows still works */
    f->st.y_bits = f->st.pk0->bits - EPS - 4;
    CHECK_OK(wf_proof_dec_prove(&p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(&p, f));
    f->st = saved;
    wf_proof_dec_clear(&p);
    wf_proof_dec_clear(&p);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    fx f;
    fx_init(&f);
    test_honest(&f);
    wf_proof_dec p;
    wf_proof_dec_init(&p);
    REQUIRE(wf_proof_dec_prove(&p, &f.ctx, &f.st, &f.wit) == WF_OK);
    test_statement(&f, &p);
    test_fields_and_context(&f, &p);
    test_bounds_and_units(&f, &p);
    wf_proof_dec_clear(&p);
    test_witness_range(&f);
    test_api(&f);
    fx_free(&f);
    return wf_check_summary("test_proof_dec");
}

/* Πaff-g (crypto/proofs/aff_g.c, CGGMP21 Fig. 15) over 2048-bit fixture keys
 * (tests/proof_fixture.h, TEST ONLY): N0 (the fixture's prover key, pair 0),
 * the prover's N1 (pair 3), the verifier's ring-Pedersen parameters (pair 1)
 * and an unrelated key (pair 2).
 *
 * Besides the honest case: every statement value, proof field and context
 * item changed alone breaks the proof; malformed values are refused with the
 * right error; z1/z2 just past their bounds are refused; an out-of-range
 * witness is refused by the prover, and a proof forged for it (by the
 * independent, unchecked prover below) does not verify; and the presign sign
 * convention documented in aff_g.h works end to end. */
#include <string.h>

#include "tests/check.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/aff_g.h"
#include "crypto/random.h"
#include "crypto/ring_pedersen.h"
#include "crypto/secmem.h"

#define ELL       WF_PROOF_ELL
#define ELL_PRIME WF_PROOF_ELL_PRIME
#define EPS       WF_PROOF_EPS

typedef struct fx {
    wf_test_keys keys;
    const wf_paillier_sk *sk0; /* N0: keys.prover */
    wf_paillier_sk *sk1;       /* N1 */
    mpz_t C, D, Y, x, y, rho, rho_y;
    wf_point X;
    wf_proof_ctx ctx;
    wf_proof_aff_g_stmt st;
    wf_proof_aff_g_wit wit;
} fx;

/* D = C^x·Enc_{N0}(y; ρ), Y = Enc_{N1}(y; ρ_y), X = x·G for any integers x, y
 * (public arithmetic, so out-of-range witnesses can be built too). */
static void make_statement(fx *f, const mpz_t x, const mpz_t y)
{
    mpz_t cx;
    mpz_init(cx);
    mpz_set(f->x, x);
    mpz_set(f->y, y);
    REQUIRE(wf_proof_powm_public(cx, f->C, x, f->sk0->pk.n2) == WF_OK);
    REQUIRE(wf_proof_paillier_public(f->D, &f->sk0->pk, y, f->rho) == WF_OK);
    mpz_mul(f->D, f->D, cx);
    mpz_mod(f->D, f->D, f->sk0->pk.n2);
    REQUIRE(wf_proof_paillier_public(f->Y, &f->sk1->pk, y, f->rho_y) == WF_OK);
    wf_scalar xs;
    wf_scalar_from_mpz(&xs, x);
    REQUIRE(wf_point_base_mul(&f->X, &xs) == WF_OK);
    mpz_clear(cx);
}

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    wf_test_keys_init(&f->keys);
    f->sk0 = f->keys.prover;
    f->sk1 = wf_test_paillier_sk(2048, 3);
    REQUIRE(f->sk1 != NULL);
    mpz_inits(f->C, f->D, f->Y, f->x, f->y, f->rho, f->rho_y, NULL);

    mpz_t c, x, y;
    mpz_inits(c, x, y, NULL);
    wf_mpz_random_pm(c, ELL);
    REQUIRE(wf_paillier_encrypt(f->C, &f->sk0->pk, c, NULL) == WF_OK);
    REQUIRE(wf_mpz_random_unit(f->rho, f->sk0->pk.n) == WF_OK);
    REQUIRE(wf_mpz_random_unit(f->rho_y, f->sk1->pk.n) == WF_OK);
    wf_mpz_random_pm(x, ELL);
    wf_mpz_random_pm(y, ELL_PRIME);
    make_statement(f, x, y);
    mpz_clears(c, x, y, NULL);

    f->ctx = wf_test_ctx();
    f->st = (wf_proof_aff_g_stmt){.pk0 = &f->sk0->pk,
                                  .pk1 = &f->sk1->pk,
                                  .C = f->C,
                                  .D = f->D,
                                  .Y = f->Y,
                                  .X = &f->X,
                                  .rped = f->keys.rp};
    f->wit = (wf_proof_aff_g_wit){.x = f->x, .y = f->y, .rho = f->rho, .rho_y = f->rho_y, .sk1 = NULL};
}

static void fx_free(fx *f)
{
    mpz_clears(f->C, f->D, f->Y, f->x, f->y, f->rho, f->rho_y, NULL);
    wf_paillier_sk_free(f->sk1);
    wf_test_keys_free(&f->keys);
}

static wf_err verify(const void *proof, const void *env)
{
    const fx *f = env;
    return wf_proof_aff_g_verify(proof, &f->ctx, &f->st);
}

/* The prover's math again, with public helpers and no range checks: the
 * "cheating prover" for out-of-range witnesses, and a cross-check of prove. */
static void forge(wf_proof_aff_g *p, const fx *f)
{
    const wf_paillier_pk *pk0 = f->st.pk0, *pk1 = f->st.pk1;
    const wf_rped *rp = f->st.rped;
    mpz_t alpha, beta, gamma, delta, m, mu, r, r_y, e, tmp;
    mpz_inits(alpha, beta, gamma, delta, m, mu, r, r_y, e, tmp, NULL);
    wf_mpz_random_pm(alpha, ELL + EPS);
    wf_mpz_random_pm(beta, ELL_PRIME + EPS);
    wf_proof_random_pm_scaled(gamma, ELL + EPS, rp->n);
    wf_proof_random_pm_scaled(delta, ELL + EPS, rp->n);
    wf_proof_random_pm_scaled(m, ELL, rp->n);
    wf_proof_random_pm_scaled(mu, ELL, rp->n);
    REQUIRE(wf_mpz_random_unit(r, pk0->n) == WF_OK && wf_mpz_random_unit(r_y, pk1->n) == WF_OK);

    REQUIRE(wf_proof_powm_public(tmp, f->C, alpha, pk0->n2) == WF_OK);
    REQUIRE(wf_proof_paillier_public(p->A, pk0, beta, r) == WF_OK);
    mpz_mul(p->A, p->A, tmp);
    mpz_mod(p->A, p->A, pk0->n2);
    wf_scalar as;
    wf_scalar_from_mpz(&as, alpha);
    REQUIRE(wf_point_base_mul(&p->Bx, &as) == WF_OK);
    REQUIRE(wf_proof_paillier_public(p->By, pk1, beta, r_y) == WF_OK);
    REQUIRE(wf_proof_rped_public(p->E, rp, alpha, gamma) == WF_OK);
    REQUIRE(wf_proof_rped_public(p->S, rp, f->x, m) == WF_OK);
    REQUIRE(wf_proof_rped_public(p->F, rp, beta, delta) == WF_OK);
    REQUIRE(wf_proof_rped_public(p->T, rp, f->y, mu) == WF_OK);

    REQUIRE(wf_proof_aff_g_challenge(e, &f->ctx, &f->st, p) == WF_OK);
    mpz_mul(p->z1, e, f->x);
    mpz_add(p->z1, p->z1, alpha);
    mpz_mul(p->z2, e, f->y);
    mpz_add(p->z2, p->z2, beta);
    mpz_mul(p->z3, e, m);
    mpz_add(p->z3, p->z3, gamma);
    mpz_mul(p->z4, e, mu);
    mpz_add(p->z4, p->z4, delta);
    REQUIRE(wf_proof_powm_public(p->w, f->rho, e, pk0->n) == WF_OK);
    mpz_mul(p->w, p->w, r);
    mpz_mod(p->w, p->w, pk0->n);
    REQUIRE(wf_proof_powm_public(p->w_y, f->rho_y, e, pk1->n) == WF_OK);
    mpz_mul(p->w_y, p->w_y, r_y);
    mpz_mod(p->w_y, p->w_y, pk1->n);
    mpz_clears(alpha, beta, gamma, delta, m, mu, r, r_y, e, tmp, NULL);
}

static void test_honest(fx *f, wf_proof_aff_g *p)
{
    CHECK_OK(wf_proof_aff_g_prove(p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(p, f));
    CHECK(wf_proof_in_range(p->z1, ELL + EPS) && wf_proof_in_range(p->z2, ELL_PRIME + EPS));

    /* B_y by CRT with the prover's own key gives a proof that verifies too */
    wf_proof_aff_g q;
    wf_proof_aff_g_init(&q);
    f->wit.sk1 = f->sk1;
    CHECK_OK(wf_proof_aff_g_prove(&q, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(&q, f));
    f->wit.sk1 = f->keys.other; /* not N1's key */
    CHECK_ERR(wf_proof_aff_g_prove(&q, &f->ctx, &f->st, &f->wit), WF_ERR_ARG);
    f->wit.sk1 = NULL;

    /* the independent prover agrees with the verifier */
    forge(&q, f);
    CHECK_OK(verify(&q, f));
    wf_proof_aff_g_clear(&q);
    wf_proof_aff_g_clear(&q); /* twice is harmless */
}

/* Each statement value changed alone (ring elements doubled: still units). */
static void test_statement(fx *f, const wf_proof_aff_g *p)
{
    wf_test_check_doubled(&f->st.C, f->sk0->pk.n2, verify, p, f);
    wf_test_check_doubled(&f->st.D, f->sk0->pk.n2, verify, p, f);
    wf_test_check_doubled(&f->st.Y, f->sk1->pk.n2, verify, p, f);
    wf_test_check_point_moved(&f->X, verify, p, f);
    wf_test_check_pk_replaced(&f->st.pk0, &f->keys.other->pk, verify, p, f);
    wf_test_check_pk_replaced(&f->st.pk1, &f->keys.other->pk, verify, p, f);
    /* the verifier's parameters: all of them, then N̂, s, t alone */
    wf_test_check_rped_variants(&f->st.rped, &f->keys, verify, p, f);
    CHECK_OK(verify(p, f));
}

/* Each context item changed alone. */
static void test_context(fx *f, const wf_proof_aff_g *p)
{
    wf_test_check_ctx_variants(&f->ctx, verify, p, f);
    CHECK_OK(verify(p, f));
}

/* Each proof field changed alone (ring elements doubled: still units). */
static void test_fields(fx *f, wf_proof_aff_g *p)
{
    const wf_test_field fields[] = {
        {"A", p->A, f->sk0->pk.n2}, {"By", p->By, f->sk1->pk.n2}, {"E", p->E, f->keys.rp->n},
        {"F", p->F, f->keys.rp->n}, {"S", p->S, f->keys.rp->n},   {"T", p->T, f->keys.rp->n},
        {"z1", p->z1, NULL},        {"z2", p->z2, NULL},          {"z3", p->z3, NULL},
        {"z4", p->z4, NULL},        {"w", p->w, f->sk0->pk.n},    {"w_y", p->w_y, f->sk1->pk.n}};
    wf_test_check_fields(fields, sizeof fields / sizeof fields[0], verify, p, f);
    wf_test_check_point_moved(&p->Bx, verify, p, f);
    CHECK_OK(verify(p, f));
}

/* Malformed values: outside their ring, or sharing a factor with the modulus. */
static void test_malformed(fx *f, wf_proof_aff_g *p)
{
    mpz_t v;
    mpz_init(v);
    mpz_set_ui(v, 0);
    CHECK_ERR(wf_test_verify_with(p->A, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->w, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->E, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(f->C, v, verify, p, f), WF_ERR_RANGE);
    mpz_neg(v, p->A);
    CHECK_ERR(wf_test_verify_with(p->A, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->By, f->sk1->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->T, f->keys.rp->n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->w_y, f->sk1->pk.n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(f->Y, f->sk1->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->A, f->sk0->pk.n, verify, p, f), WF_ERR_NOT_UNIT); /* N0 | A */
    CHECK_ERR(wf_test_verify_with(p->By, f->sk1->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->S, f->keys.verifier->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->F, f->keys.verifier->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->w, f->sk0->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(f->D, f->sk0->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    mpz_clear(v);

    /* B_x and X at infinity or off the curve */
    wf_test_check_point_refused(&p->Bx, verify, p, f);
    wf_test_check_point_refused(&f->X, verify, p, f);
    const wf_point saved = f->X;
    f->X.x[0] ^= 0x40;
    CHECK(verify(p, f) != WF_OK);
    f->X = saved;
    CHECK_OK(verify(p, f));
}

/* z1, z2 at ±(2^bits + 1) are refused; at 2^bits they pass the range check
 * and fail an equation. */
static void test_bounds(fx *f, wf_proof_aff_g *p)
{
    wf_test_check_bound(p->z1, ELL + EPS, NULL, verify, p, f);
    wf_test_check_bound(p->z2, ELL_PRIME + EPS, NULL, verify, p, f);
    /* the sanity caps on z3, z4 */
    mpz_t v;
    mpz_init(v);
    wf_test_just_past_scaled(v, ELL + EPS + 1, f->keys.rp->n, 1);
    CHECK_ERR(wf_test_verify_with(p->z3, v, verify, p, f), WF_ERR_RANGE);
    mpz_neg(v, v);
    CHECK_ERR(wf_test_verify_with(p->z4, v, verify, p, f), WF_ERR_RANGE);
    mpz_clear(v);
}

/* Out-of-range witnesses: refused by the prover; a forged proof fails. */
static void test_witness_range(fx *f)
{
    wf_proof_aff_g p;
    wf_proof_aff_g_init(&p);
    mpz_t x0, y0, v;
    mpz_init_set(x0, f->x);
    mpz_init_set(y0, f->y);
    mpz_init(v);

    /* bounds are inclusive: x = -2^ℓ, y = 2^ℓ' are honest */
    mpz_setbit(v, ELL);
    mpz_neg(v, v);
    mpz_set_ui(y0, 0);
    mpz_setbit(y0, ELL_PRIME);
    make_statement(f, v, y0);
    CHECK_OK(wf_proof_aff_g_prove(&p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(&p, f));
    mpz_sub_ui(v, v, 1); /* -(2^ℓ + 1) */
    make_statement(f, v, y0);
    CHECK_ERR(wf_proof_aff_g_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);

    /* x = 2^{ℓ+ε+1} */
    mpz_set_ui(v, 0);
    mpz_setbit(v, ELL + EPS + 1);
    make_statement(f, v, y0);
    CHECK_ERR(wf_proof_aff_g_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    forge(&p, f);
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE); /* z1 out of range */
    mpz_fdiv_r_2exp(p.z1, p.z1, ELL + EPS); /* squeezed into range: the equations fail */
    CHECK_ERR(verify(&p, f), WF_ERR_VERIFY);

    /* y = 2^{ℓ'+ε+1} */
    mpz_set_ui(y0, 0);
    mpz_setbit(y0, ELL_PRIME + EPS + 1);
    make_statement(f, x0, y0);
    CHECK_ERR(wf_proof_aff_g_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    forge(&p, f);
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE); /* z2 out of range */
    mpz_fdiv_r_2exp(p.z2, p.z2, ELL_PRIME + EPS);
    CHECK_ERR(verify(&p, f), WF_ERR_VERIFY);

    /* ρ outside [1, N0) */
    mpz_set_ui(y0, 0);
    make_statement(f, x0, y0);
    mpz_set(v, f->rho);
    mpz_set_ui(f->rho, 0);
    CHECK_ERR(wf_proof_aff_g_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    mpz_set(f->rho, v);

    mpz_clears(x0, y0, v, NULL);
    wf_proof_aff_g_clear(&p);
}

/* The presign convention of aff_g.h: D = (γ ⊙ K) ⊕ enc_0(−β; s) and Fig. 7's
 * F = enc_1(+β; r) are proved with y = −β, Y = F^{-1}, ρ_y = r^{-1}; with Y = F
 * itself the proof fails. P_j's decryption plus β gives γ·k. */
static void test_presign_convention(fx *f)
{
    const wf_paillier_pk *pk0 = &f->sk0->pk, *pk1 = &f->sk1->pk;
    mpz_t k, K, gamma, beta, neg_beta, s, r, D, F, Finv, rinv, a;
    mpz_inits(k, K, gamma, beta, neg_beta, s, r, D, F, Finv, rinv, a, NULL);
    wf_mpz_random_pm(k, ELL);
    wf_mpz_random_pm(gamma, ELL);
    wf_mpz_random_pm(beta, ELL_PRIME);
    mpz_neg(neg_beta, beta);
    REQUIRE(wf_paillier_encrypt(K, pk0, k, NULL) == WF_OK);
    REQUIRE(wf_mpz_random_unit(s, pk0->n) == WF_OK && wf_mpz_random_unit(r, pk1->n) == WF_OK);
    REQUIRE(wf_paillier_mul_scalar(a, pk0, K, gamma) == WF_OK);
    REQUIRE(wf_paillier_encrypt_with(D, pk0, neg_beta, s) == WF_OK);
    REQUIRE(wf_paillier_add(D, pk0, D, a) == WF_OK);
    REQUIRE(wf_paillier_encrypt_with(F, pk1, beta, r) == WF_OK);
    REQUIRE(mpz_invert(Finv, F, pk1->n2) && mpz_invert(rinv, r, pk1->n));

    wf_point X;
    wf_scalar gs;
    wf_scalar_from_mpz(&gs, gamma);
    REQUIRE(wf_point_base_mul(&X, &gs) == WF_OK);
    wf_proof_aff_g_stmt st = {.pk0 = pk0, .pk1 = pk1, .C = K, .D = D, .Y = Finv, .X = &X, .rped = f->keys.rp};
    wf_proof_aff_g_wit wit = {.x = gamma, .y = neg_beta, .rho = s, .rho_y = rinv, .sk1 = f->sk1};
    wf_proof_aff_g p;
    wf_proof_aff_g_init(&p);
    CHECK_OK(wf_proof_aff_g_prove(&p, &f->ctx, &st, &wit));
    CHECK_OK(wf_proof_aff_g_verify(&p, &f->ctx, &st));
    st.Y = F;
    wit.rho_y = r;
    CHECK_OK(wf_proof_aff_g_prove(&p, &f->ctx, &st, &wit));
    CHECK_ERR(wf_proof_aff_g_verify(&p, &f->ctx, &st), WF_ERR_VERIFY);

    CHECK_OK(wf_paillier_decrypt_signed(a, f->sk0, D)); /* α_{j,i} = γ·k − β */
    mpz_add(a, a, beta);
    mpz_mul(k, k, gamma);
    CHECK(mpz_cmp(a, k) == 0);
    wf_proof_aff_g_clear(&p);
    mpz_clears(k, K, gamma, beta, neg_beta, s, r, D, F, Finv, rinv, a, NULL);
}

static void test_args(fx *f, wf_proof_aff_g *p)
{
    wf_proof_aff_g zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    wf_proof_aff_g_clear(&zeroed); /* a zeroed struct clears */
    wf_proof_aff_g_clear(NULL);
    CHECK_ERR(wf_proof_aff_g_verify(&zeroed, &f->ctx, &f->st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_aff_g_prove(&zeroed, &f->ctx, &f->st, &f->wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_aff_g_verify(p, NULL, &f->st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_aff_g_verify(p, &f->ctx, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_proof_aff_g_prove(p, &f->ctx, &f->st, NULL), WF_ERR_ARG);
    wf_proof_aff_g_stmt st = f->st;
    st.rped = NULL;
    CHECK_ERR(wf_proof_aff_g_verify(p, &f->ctx, &st), WF_ERR_ARG);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    fx f;
    fx_init(&f);
    wf_proof_aff_g p;
    wf_proof_aff_g_init(&p);

    test_honest(&f, &p);
    test_statement(&f, &p);
    test_context(&f, &p);
    test_fields(&f, &p);
    test_malformed(&f, &p);
    test_bounds(&f, &p);
    test_args(&f, &p);
    test_witness_range(&f);
    test_presign_convention(&f);

    wf_proof_aff_g_clear(&p);
    fx_free(&f);
    return wf_check_summary("test_proof_aff_g");
}

/* Πenc (crypto/proofs/enc.c, CGGMP21 Fig. 14) over 2048-bit fixture keys
 * (tests/proof_fixture.h, TEST ONLY).
 *
 * Besides the honest case: every statement value, proof field and context
 * item changed alone breaks the proof; malformed values are refused with the
 * right error; z1 just past ±2^{ℓ+ε} (and z3 past its cap) is refused; an
 * out-of-range k is refused by the prover, and a proof forged for it (by the
 * independent, unchecked prover below) does not verify. */
#include <string.h>

#include "tests/check.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/enc.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

#define ELL    WF_PROOF_ELL
#define EPS    WF_PROOF_EPS
#define ROUNDS 2

typedef struct fx {
    wf_test_keys keys;
    mpz_t K, k, rho;
    wf_proof_ctx ctx;
    wf_proof_enc_stmt st;
    wf_proof_enc_wit wit;
} fx;

/* K = Enc_{N0}(k; ρ) for any integer k, fresh ρ. */
static void make_statement(fx *f, const mpz_t k)
{
    mpz_set(f->k, k);
    REQUIRE(wf_mpz_random_unit(f->rho, f->keys.prover->pk.n) == WF_OK);
    REQUIRE(wf_proof_paillier_public(f->K, &f->keys.prover->pk, k, f->rho) == WF_OK);
}

static void fx_init(fx *f)
{
    memset(f, 0, sizeof *f);
    wf_test_keys_init(&f->keys);
    mpz_inits(f->K, f->k, f->rho, NULL);
    mpz_t k;
    mpz_init(k);
    wf_mpz_random_pm(k, ELL);
    make_statement(f, k);
    mpz_clear(k);
    f->ctx = wf_test_ctx();
    f->st = (wf_proof_enc_stmt){.pk0 = &f->keys.prover->pk, .K = f->K, .rped = f->keys.rp};
    f->wit = (wf_proof_enc_wit){.k = f->k, .rho = f->rho};
}

static void fx_free(fx *f)
{
    wf_mpz_wipe(f->k);
    wf_mpz_wipe(f->rho);
    mpz_clears(f->K, f->k, f->rho, NULL);
    wf_test_keys_free(&f->keys);
}

static wf_err verify(const void *proof, const void *env)
{
    const fx *f = env;
    return wf_proof_enc_verify(proof, &f->ctx, &f->st);
}

/* The prover's math again, with public helpers and no range checks: the
 * "cheating prover" for out-of-range witnesses, and a cross-check of prove. */
static void forge(wf_proof_enc *p, const fx *f)
{
    wf_test_enc_forge n;
    wf_test_enc_forge_commit(&n, p->S, p->A, p->C, f->st.pk0, f->st.rped, f->k, ELL + EPS);
    REQUIRE(wf_proof_enc_challenge(n.e, &f->ctx, &f->st, p) == WF_OK);
    wf_test_enc_forge_respond(&n, p->z1, p->z2, p->z3, f->st.pk0, f->k, f->rho);
}

static void test_honest(fx *f)
{
    for (int i = 0; i < ROUNDS; i++) {
        wf_proof_enc p;
        wf_proof_enc_init(&p);
        CHECK_OK(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit));
        CHECK_OK(verify(&p, f));
        CHECK(wf_proof_in_range(p.z1, ELL + EPS));
        wf_proof_enc_clear(&p);
    }
    /* the independent prover agrees with the verifier */
    wf_proof_enc p;
    wf_proof_enc_init(&p);
    forge(&p, f);
    CHECK_OK(verify(&p, f));
    wf_proof_enc_clear(&p);
}

static void test_statement(fx *f, const wf_proof_enc *p)
{
    /* K: +1, and another encryption of the same k */
    wf_test_check_ciphertext(&f->st.K, &f->keys.prover->pk, f->k, verify, p, f);
    /* N0 */
    wf_test_check_pk_replaced(&f->st.pk0, &f->keys.other->pk, verify, p, f);
    /* the verifier's parameters: all of them, then N̂, s, t alone */
    wf_test_check_rped_variants(&f->st.rped, &f->keys, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_fields_and_context(fx *f, wf_proof_enc *p)
{
    /* each one plus one */
    const wf_test_field fields[] = {{"S", p->S, NULL},   {"A", p->A, NULL},   {"C", p->C, NULL},
                                    {"z1", p->z1, NULL}, {"z2", p->z2, NULL}, {"z3", p->z3, NULL}};
    wf_test_check_fields(fields, sizeof fields / sizeof fields[0], verify, p, f);
    wf_test_check_ctx_variants(&f->ctx, verify, p, f);
    CHECK_OK(verify(p, f));
}

static void test_bounds_and_units(fx *f, wf_proof_enc *p)
{
    const wf_paillier_sk *sk0 = f->keys.prover, *skv = f->keys.verifier;
    mpz_t v;
    mpz_init(v);
    /* z1 just past ±2^{ℓ+ε}; exactly 2^{ℓ+ε} passes the range check */
    /* and z3 past its cap 2^{ℓ+ε+1}·N̂ */
    wf_test_check_enc_core_bounds(p->z1, ELL + EPS, p->z3, f->keys.rp, 1, verify, p, f);
    /* ring elements: a factor of the modulus, zero, the modulus itself */
    CHECK_ERR(wf_test_verify_with(p->A, sk0->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->S, skv->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->C, skv->p.v, verify, p, f), WF_ERR_NOT_UNIT);
    CHECK_ERR(wf_test_verify_with(p->z2, sk0->q.v, verify, p, f), WF_ERR_NOT_UNIT);
    mpz_set_ui(v, 0);
    CHECK_ERR(wf_test_verify_with(p->A, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->z2, v, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->S, f->keys.rp->n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->C, f->keys.rp->n, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->A, sk0->pk.n2, verify, p, f), WF_ERR_RANGE);
    CHECK_ERR(wf_test_verify_with(p->z2, sk0->pk.n, verify, p, f), WF_ERR_RANGE);
    /* the statement's K too */
    const wf_proof_enc_stmt saved = f->st;
    f->st.K = sk0->p.v;
    CHECK_ERR(verify(p, f), WF_ERR_NOT_UNIT);
    f->st.K = sk0->pk.n2;
    CHECK_ERR(verify(p, f), WF_ERR_RANGE);
    f->st = saved;
    mpz_clear(v);
}

/* k = 2^{ℓ+ε+1}: the prover refuses, a forged proof fails; k just past 2^ℓ is
 * refused by the prover too. */
static void test_witness_range(fx *f)
{
    mpz_t k;
    mpz_init(k);
    wf_proof_enc p;
    wf_proof_enc_init(&p);

    mpz_set_ui(k, 0);
    mpz_setbit(k, ELL + EPS + 1);
    make_statement(f, k);
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    forge(&p, f);
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE);
    mpz_neg(k, k);
    make_statement(f, k);
    forge(&p, f);
    CHECK_ERR(verify(&p, f), WF_ERR_RANGE);

    wf_test_just_past(k, ELL, 1);
    make_statement(f, k);
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    wf_test_just_past(k, ELL, -1);
    make_statement(f, k);
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    /* the edge 2^ℓ itself is a valid witness */
    mpz_set_ui(k, 0);
    mpz_setbit(k, ELL);
    make_statement(f, k);
    CHECK_OK(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit));
    CHECK_OK(verify(&p, f));

    wf_proof_enc_clear(&p);
    wf_mpz_random_pm(k, ELL);
    make_statement(f, k);
    mpz_clear(k);
}

static void test_api(fx *f)
{
    wf_proof_enc p;
    memset(&p, 0, sizeof p);
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_ARG); /* not initialised */
    CHECK_ERR(verify(&p, f), WF_ERR_ARG);
    wf_proof_enc_clear(&p); /* zeroed: no-op */
    wf_proof_enc_clear(NULL);
    wf_proof_enc_init(&p);
    CHECK_ERR(wf_proof_enc_prove(&p, NULL, &f->st, &f->wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, NULL, &f->wit), WF_ERR_ARG);
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, NULL), WF_ERR_ARG);
    /* bad ρ */
    const wf_proof_enc_wit saved = f->wit;
    mpz_t r;
    mpz_init_set_ui(r, 0);
    f->wit.rho = r;
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    f->wit.rho = f->keys.prover->pk.n;
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_RANGE);
    f->wit.rho = f->keys.prover->p.v;
    CHECK_ERR(wf_proof_enc_prove(&p, &f->ctx, &f->st, &f->wit), WF_ERR_NOT_UNIT);
    f->wit = saved;
    mpz_clear(r);
    wf_proof_enc_clear(&p);
    wf_proof_enc_clear(&p); /* twice is fine */
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    fx f;
    fx_init(&f);
    test_honest(&f);
    wf_proof_enc p;
    wf_proof_enc_init(&p);
    REQUIRE(wf_proof_enc_prove(&p, &f.ctx, &f.st, &f.wit) == WF_OK);
    test_statement(&f, &p);
    test_fields_and_context(&f, &p);
    test_bounds_and_units(&f, &p);
    wf_proof_enc_clear(&p);
    test_witness_range(&f);
    test_api(&f);
    fx_free(&f);
    return wf_check_summary("test_proof_enc");
}

/* Πprm (crypto/proofs/prm.c) over 2048-bit fixture parameters (tests/fixtures/,
 * TEST ONLY): completeness, binding to N, s, t, every proof field and context
 * item, refusal of malformed input and of any repetition count but 128, and
 * the attacks it exists to stop: s outside <t> (s = -t^λ, s·u for a
 * non-residue u) proved with the honest algorithm, and a forger that guesses
 * every challenge bit as 0 (TSSHOCK "c-guess"). */
#include "tests/check.h"
#include "tests/fixtures.h"
#include "tests/proof_fixture.h"

#include "crypto/proofs/prm.h"
#include "crypto/random.h"
#include "crypto/secmem.h"

#define BITS 2048u

static const size_t SPOT[] = {0, 1, 63, 127}; /* repetitions spot-checked */
#define N_SPOT (sizeof SPOT / sizeof SPOT[0])

/* How many of SPOT to check: under valgrind only repetition 0 (the same
 * branches, and a changed z_0 fails at the first equation, not the 128th). */
static size_t spots(void)
{
    return wf_test_light() ? 1 : N_SPOT;
}

static void copy_proof(wf_proof_prm *dst, const wf_proof_prm *src)
{
    dst->m = src->m;
    for (size_t i = 0; i < WF_PROOF_M; i++) {
        mpz_set(dst->A[i], src->A[i]);
        mpz_set(dst->z[i], src->z[i]);
    }
}

/* A copy of rp with s (or t) replaced. Free with wf_test_rped_clear. */
static void rped_with(wf_rped *out, const wf_rped *rp, const mpz_t s, const mpz_t t)
{
    *out = (wf_rped){0}; /* no owner, no tables */
    mpz_init_set(out->n, rp->n);
    mpz_init_set(out->s, s != NULL ? s : rp->s);
    mpz_init_set(out->t, t != NULL ? t : rp->t);
    out->bits = rp->bits;
}

static void test_statement(const wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_test_keys *k)
{
    wf_proof_prm_stmt st = {.rped = k->rp2, .bits = BITS}; /* other s, t over the same N */
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_VERIFY);
    wf_rped v;
    wf_test_rped_variant(&v, k, 1); /* s */
    st.rped = &v;
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_VERIFY);
    wf_test_rped_clear(&v);
    wf_test_rped_variant(&v, k, 2); /* t */
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_VERIFY);
    wf_test_rped_clear(&v);
    wf_test_rped_variant(&v, k, 0); /* N */
    CHECK(wf_proof_prm_verify(proof, ctx, &st) != WF_OK);
    wf_test_rped_clear(&v);
    rped_with(&v, k->rp, k->rp->t, k->rp->s); /* s and t swapped */
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_VERIFY);
    mpz_set(v.s, v.t); /* s = t: refused by wf_rped_params_check */
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_RANGE);
    wf_test_rped_clear(&v);

    st.rped = k->rp;
    st.bits = 3072; /* N not of the expected size */
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_ENCODING);
    st.bits = 2047;
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_ENCODING);
    st.bits = 16;
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, &st), WF_ERR_ARG);
}

static void test_fields(const wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_proof_prm_stmt *st,
                        const wf_paillier_sk *sk)
{
    mpz_srcptr n = st->rped->n;
    wf_proof_prm bad;
    wf_proof_prm_init(&bad);
    for (size_t j = 0; j < spots(); j++) {
        size_t i = SPOT[j];
        copy_proof(&bad, proof);
        mpz_mul(bad.A[i], bad.A[i], st->rped->t);
        mpz_mod(bad.A[i], bad.A[i], n);
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_VERIFY);
        mpz_set_ui(bad.A[i], 0);
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_RANGE);
        mpz_set(bad.A[i], n);
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_RANGE);
        mpz_set(bad.A[i], sk->p.v);
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_NOT_UNIT);

        copy_proof(&bad, proof);
        mpz_add_ui(bad.z[i], bad.z[i], 1);
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_VERIFY);
        mpz_set(bad.z[i], n);
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_RANGE);
        mpz_set_si(bad.z[i], -1);
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_RANGE);
    }
    /* The count is fixed: truncated or padded proofs are refused. */
    copy_proof(&bad, proof);
    size_t counts[] = {0, 1, 16, 64, WF_PROOF_M - 1, WF_PROOF_M + 1};
    for (size_t j = 0; j < sizeof counts / sizeof counts[0]; j++) {
        bad.m = counts[j];
        CHECK_ERR(wf_proof_prm_verify(&bad, ctx, st), WF_ERR_ENCODING);
    }
    wf_proof_prm_clear(&bad);
}

static void test_context(const wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_proof_prm_stmt *st)
{
    wf_proof_ctx v;
    const char *what;
    for (int i = 0; wf_test_ctx_variant(&v, &what, ctx, i); i++) {
        wf_err err = wf_proof_prm_verify(proof, &v, st);
        if (err != WF_ERR_VERIFY)
            fprintf(stderr, "context change not detected: %s\n", what);
        CHECK_ERR(err, WF_ERR_VERIFY);
    }
}

static void test_arguments(const wf_proof_prm *proof, const wf_proof_ctx *ctx, const wf_proof_prm_stmt *st,
                           const wf_rped_secret *sec)
{
    wf_proof_prm fresh, zeroed;
    memset(&zeroed, 0, sizeof zeroed);
    wf_proof_prm_init(&fresh);
    CHECK_ERR(wf_proof_prm_prove(NULL, ctx, st, sec), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_prove(&zeroed, ctx, st, sec), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_prove(&fresh, NULL, st, sec), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_prove(&fresh, ctx, NULL, sec), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_prove(&fresh, ctx, st, NULL), WF_ERR_ARG);
    wf_proof_prm_stmt other = *st;
    other.bits = 3072;
    CHECK_ERR(wf_proof_prm_prove(&fresh, ctx, &other, sec), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_verify(NULL, ctx, st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_verify(&zeroed, ctx, st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_verify(proof, NULL, st), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_verify(proof, ctx, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_proof_prm_verify(&fresh, ctx, st), WF_ERR_ENCODING); /* m = 0 */
    wf_proof_prm_clear(&fresh);
    wf_proof_prm_clear(&fresh);
    wf_proof_prm_clear(&zeroed);
    wf_proof_prm_clear(NULL);
    wf_proof_prm_init(NULL);
}

/* s ∉ <t>: the honest algorithm with the true λ (s·u = t^λ·u) cannot answer
 * any e_i = 1. */
static void attack_bad_s(const char *name, const wf_proof_ctx *ctx, const wf_rped *rp, const mpz_t s,
                         const wf_rped_secret *sec)
{
    wf_rped bad;
    rped_with(&bad, rp, s, NULL);
    wf_proof_prm_stmt st = {.rped = &bad, .bits = BITS};
    CHECK_OK(wf_rped_params_check(&bad, BITS)); /* well formed: only Πprm can tell */
    wf_proof_prm proof;
    wf_proof_prm_init(&proof);
    CHECK_OK(wf_proof_prm_prove(&proof, ctx, &st, sec));
    wf_err err = wf_proof_prm_verify(&proof, ctx, &st);
    printf("  %-28s verify: %s\n", name, wf_err_str(err));
    CHECK_ERR(err, WF_ERR_VERIFY);
    wf_proof_prm_clear(&proof);
    wf_test_rped_clear(&bad);
}

static void test_attack_not_in_subgroup(const wf_proof_ctx *ctx, const wf_rped *rp, const wf_rped_secret *sec)
{
    mpz_t s, u;
    mpz_inits(s, u, NULL);
    mpz_sub(s, rp->n, rp->s); /* -t^λ: Jacobi +1 but -1 is not a square mod a Blum N */
    attack_bad_s("s = -t^lambda:", ctx, rp, s, sec);
    if (wf_test_light()) { /* the second runs the same prover and verifier paths */
        mpz_clears(s, u, NULL);
        return;
    }
    do
        REQUIRE(wf_mpz_random_unit(u, rp->n) == WF_OK);
    while (mpz_jacobi(u, rp->n) != -1);
    mpz_mul(s, rp->s, u); /* times a non-residue */
    mpz_mod(s, s, rp->n);
    attack_bad_s("s = t^lambda * non-residue:", ctx, rp, s, sec);
    mpz_clears(s, u, NULL);
}

/* TSSHOCK c-guess: without λ, answer e_i = 0 for every i (A_i = t^{z_i} for
 * random z_i). Accepted only if all 128 bits come out 0; with fewer
 * repetitions the guess would win with probability 2^-m, so the verifier
 * refuses any count but 128. */
static void test_attack_c_guess(const wf_proof_ctx *ctx, const wf_proof_prm_stmt *st)
{
    /* under valgrind: the forged proof fails an equation, as test_fields'
     * changed A_0 does, and the counts are refused by test_fields too; the
     * 128 forged commitments would be the bulk of the run */
    if (wf_test_light())
        return;
    const wf_rped *rp = st->rped;
    wf_proof_prm forged;
    wf_proof_prm_init(&forged);
    for (size_t i = 0; i < WF_PROOF_M; i++) {
        REQUIRE(wf_mpz_random_below(forged.z[i], rp->n) == WF_OK);
        mpz_powm(forged.A[i], rp->t, forged.z[i], rp->n);
    }
    forged.m = WF_PROOF_M;
    wf_err err = wf_proof_prm_verify(&forged, ctx, st);
    printf("  %-28s verify: %s\n", "c-guess (all e_i = 0):", wf_err_str(err));
    CHECK_ERR(err, WF_ERR_VERIFY);
    forged.m = 1; /* one repetition: a coin flip */
    CHECK_ERR(wf_proof_prm_verify(&forged, ctx, st), WF_ERR_ENCODING);
    forged.m = 16;
    CHECK_ERR(wf_proof_prm_verify(&forged, ctx, st), WF_ERR_ENCODING);
    wf_proof_prm_clear(&forged);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_test_keys keys;
    wf_test_keys_init(&keys);
    wf_proof_ctx ctx = wf_test_ctx();
    /* The parameters of fixture pair 1 and their secret λ, φ(N). */
    const wf_rped_secret *sec = keys.sec[0];
    wf_proof_prm_stmt st = {.rped = keys.rp, .bits = BITS};

    wf_proof_prm proof;
    wf_proof_prm_init(&proof);
    CHECK_OK(wf_proof_prm_prove(&proof, &ctx, &st, sec));
    CHECK_OK(wf_proof_prm_verify(&proof, &ctx, &st));
    CHECK(proof.m == WF_PROOF_M);
    test_statement(&proof, &ctx, &keys);
    test_fields(&proof, &ctx, &st, keys.verifier);
    test_context(&proof, &ctx, &st);
    test_arguments(&proof, &ctx, &st, sec);

    test_attack_not_in_subgroup(&ctx, keys.rp, sec);
    test_attack_c_guess(&ctx, &st);

    wf_proof_prm_clear(&proof);
    wf_test_keys_free(&keys);
    return wf_check_summary("test_proof_prm");
}

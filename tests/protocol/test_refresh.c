/* protocol/refresh.c: key refresh among in-process parties.
 *
 * Honest runs: a 2-of-3 key with ranks {0,1,1}, then presign and sign with
 * the refreshed shares and the new aux records (verified by libsecp256k1);
 * and a 3-of-3 key with ranks {0,1,2}, so every coefficient of degree < t and
 * every derivative order is exercised. Each refreshed record is checked: same
 * key, chain code and C_0; new X_j and share on it; every authorised set of
 * new shares interpolates to the public key, and every authorised set with
 * one old share among new ones does not. A presign that mixes an old share
 * into the new record aborts.
 *
 * Cheats: one run per check, in which every honest party must name the
 * cheater: a bad share, a committed non-zero constant term (judged once from
 * the evidence alone), a bad Πsch, Πprm, Πmod and Πfac, an opening that does
 * not match its commitment, garbage, equivocation; with WF_SLOW_TESTS also a
 * hidden non-zero constant term. Keys are dealt by tests/protocol_dealer.h (TEST
 * ONLY); Paillier keys are the 2048-bit fixture pairs (TEST ONLY). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/sharing.h"
#include "protocol/refresh.h"
#include "tests/fixtures.h"
#include "tests/protocol_dealer.h"
#include "tests/protocol_fixture.h"
#include "tests/protocol_signing.h"

#define BITS    2048u
#define CLUSTER 3

static wf_test_cluster cluster;
static uint8_t session_tag = 0x20;

typedef struct run {
    size_t n;
    wf_machine *m[WF_MAX_MEMBERS];
} run;

/* Refreshes keys[0..n) with fixture pairs first_pair, first_pair+1, …;
 * member `cheater` (if < n) has fault f. Prints the time and the reason the
 * first honest party that aborted gave. */
static void run_refresh(run *r, wf_key_share *const *keys, size_t n, unsigned first_pair, uint32_t cheater,
                        wf_fault f, wf_harness_hook hook, void *ctx, const char *label)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    uint8_t tag = session_tag++;
    for (uint32_t i = 0; i < n; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&cluster, i, tag);
        if (i == cheater)
            cfg.fault = f;
        wf_refresh_params p = {
            .key = keys[i], .bits = BITS, .pooled = wf_test_paillier_sk(BITS, first_pair + i)};
        REQUIRE(p.pooled != NULL);
        REQUIRE(wf_refresh_new(&r->m[i], &cfg, &p) == WF_OK);
    }
    double t0 = wf_test_now_s();
    REQUIRE(wf_harness_run(r->m, n, hook, ctx, NULL) == WF_OK);
    printf("%-34s %5.1f s  %s\n", label, wf_test_now_s() - t0, wf_test_first_reason(r->m, n, cheater));
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        wf_machine_free(r->m[i]);
    memset(r, 0, sizeof *r);
}

static void free_keys(wf_key_share **keys, wf_aux **aux, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        wf_key_share_free(keys[i]);
        if (aux != NULL)
            wf_aux_free(aux[i]);
    }
}

static int same_record(const wf_key_public *a, const wf_key_public *b)
{
    uint8_t da[WF_ID_BYTES], db[WF_ID_BYTES];
    return wf_key_public_digest(a, da) == WF_OK && wf_key_public_digest(b, db) == WF_OK &&
           memcmp(da, db, WF_ID_BYTES) == 0;
}

/* Every authorised t-subset: new shares and old shares each interpolate to
 * the key; new shares with any one of them replaced by its old share do not. */
static void check_mixing(wf_key_share *const *old, wf_key_share *const *nw)
{
    const wf_key_public *pub = &nw[0]->pub;
    size_t authorised = 0, mixed = 0;
    for (uint32_t mask = 0; mask < (1u << pub->n); mask++) {
        uint32_t set[WF_MAX_MEMBERS];
        const wf_scalar *s_new[WF_MAX_MEMBERS], *s_old[WF_MAX_MEMBERS];
        size_t c = 0;
        for (uint32_t j = 0; j < pub->n; j++)
            if (mask & (1u << j)) {
                set[c] = j;
                s_old[c] = old[j]->share;
                s_new[c++] = nw[j]->share;
            }
        if (c != pub->t || wf_key_signer_weights(pub, set, c, NULL, NULL) != WF_OK)
            continue;
        authorised++;
        CHECK(wf_test_interpolates(pub, set, s_new));
        CHECK(wf_test_interpolates(&old[0]->pub, set, s_old)); /* why the old shares must be erased */
        for (size_t i = 0; i < c; i++) {
            const wf_scalar *save = s_new[i];
            s_new[i] = s_old[i];
            CHECK(!wf_test_interpolates(pub, set, s_new));
            s_new[i] = save;
            mixed++;
        }
    }
    CHECK(authorised > 0 && mixed >= authorised);
    printf("  %zu authorised sets open the key; %zu mixes of old and new shares do not\n", authorised, mixed);
}

/* The refreshed records against the old ones. */
static void check_refreshed(wf_key_share *const *old, wf_key_share *const *nw, wf_aux *const *aux)
{
    const wf_key_public *o = &old[0]->pub, *p = &nw[0]->pub;
    CHECK(memcmp(p->key_id, o->key_id, WF_ID_BYTES) == 0 && p->n == o->n && p->t == o->t);
    CHECK(memcmp(p->members, o->members, p->n * sizeof *p->members) == 0);
    CHECK(wf_point_eq(&p->public_key, &o->public_key) && wf_point_eq(&p->commitments[0], &o->commitments[0]));
    CHECK(memcmp(p->chain_code, o->chain_code, WF_CHAIN_CODE_BYTES) == 0 &&
          memcmp(p->rid, o->rid, WF_RID_BYTES) == 0);
    for (uint32_t k = 1; k < p->t; k++)
        CHECK(!wf_point_eq(&p->commitments[k], &o->commitments[k]));
    for (uint32_t j = 0; j < p->n; j++) {
        wf_point P;
        CHECK(nw[j]->self == j && same_record(&nw[j]->pub, p));
        CHECK(wf_point_base_mul(&P, nw[j]->share) == WF_OK && wf_point_eq(&P, &p->X[j]));
        CHECK(!wf_point_eq(&p->X[j], &o->X[j]) && !wf_scalar_eq(nw[j]->share, old[j]->share));
        CHECK(aux[j]->n == p->n && aux[j]->self == j && aux[j]->bits == BITS);
        for (uint32_t k = 0; k < p->n; k++)
            CHECK(aux[j]->rped[k] != NULL && mpz_cmp(aux[j]->rped[k]->n, wf_aux_pk(aux[j], k)->n) == 0 &&
                  mpz_cmp(aux[j]->rped[k]->n, aux[0]->rped[k]->n) == 0 &&
                  (k == j || mpz_cmp(aux[j]->rped[k]->n, aux[j]->rped[j]->n) != 0));
    }
    check_mixing(old, nw);
}

/* An honest refresh of a dealt t-of-n key with these ranks; the new records
 * (and aux) go to nw and aux, the dealt ones to old. */
static void refresh_honest(size_t n, size_t t, const uint32_t *ranks, unsigned first_pair, wf_key_share **old,
                           wf_key_share **nw, wf_aux **aux, const char *label)
{
    wf_test_deal_key(old, n, t, ranks);
    run r;
    run_refresh(&r, old, n, first_pair, UINT32_MAX, (wf_fault){0}, NULL, NULL, label);
    CHECK(wf_test_all_done(r.m, n));
    for (size_t i = 0; i < n; i++) {
        REQUIRE(wf_refresh_result(r.m[i], &nw[i], &aux[i]) == WF_OK);
        wf_key_share *again = NULL;
        wf_aux *again_aux = NULL;
        CHECK_ERR(wf_refresh_result(r.m[i], &again, &again_aux), WF_ERR_ARG); /* moved out already */
        REQUIRE(wf_aux_precompute(aux[i]) == WF_OK);
    }
    run_free(&r);
    check_refreshed(old, nw, aux);
}

/* A presign among `set` where member set[0] holds the new record but its old
 * share: it must not finish, and its peers name it. */
static void check_mixed_presign(wf_key_share *const *old, wf_key_share *const *nw, wf_aux *const *aux,
                                const uint32_t *set, size_t t)
{
    wf_key_share *keys[WF_MAX_MEMBERS];
    memcpy(keys, nw, sizeof keys[0] * nw[0]->pub.n);
    wf_key_share *mixed = wf_key_share_new();
    REQUIRE(mixed != NULL);
    mixed->pub = nw[set[0]]->pub;
    mixed->self = set[0];
    *mixed->share = *old[set[0]]->share;
    keys[set[0]] = mixed;
    wf_machine *ms[WF_MAX_MEMBERS];
    double t0 = wf_test_now_s();
    wf_test_presign_run(&cluster, keys, aux, set, t, session_tag, ms);
    session_tag += 2;
    CHECK(wf_test_all_blame(ms, t, set[0]));
    printf("%-34s %5.1f s  %s\n", "presign with an old share", wf_test_now_s() - t0,
           wf_machine_reason(ms[1]));
    for (size_t i = 0; i < t; i++)
        wf_machine_free(ms[i]);
    wf_key_share_free(mixed);
}

static void test_refresh_then_sign(void)
{
    static const uint32_t ranks[] = {0, 1, 1}, set[] = {2, 0};
    wf_key_share *old[3], *nw[3];
    wf_aux *aux[3];
    refresh_honest(3, 2, ranks, 0, old, nw, aux, "honest 2-of-3 {0,1,1}");
    double t0 = wf_test_now_s();
    CHECK(wf_test_sign_with(&cluster, nw, aux, set, 2, session_tag));
    session_tag += 2;
    printf("%-34s %5.1f s\n", "presign + sign with new shares", wf_test_now_s() - t0);
    check_mixed_presign(old, nw, aux, set, 2);
    free_keys(old, NULL, 3);
    free_keys(nw, aux, 3);
}

#ifndef WF_SANITIZED
static void test_refresh_full_degree(void)
{
    static const uint32_t ranks[] = {0, 1, 2};
    wf_key_share *old[3], *nw[3];
    wf_aux *aux[3];
    refresh_honest(3, 3, ranks, 3, old, nw, aux, "honest 3-of-3 {0,1,2}");
    free_keys(old, NULL, 3);
    free_keys(nw, aux, 3);
}
#endif

/* ---------------------------------------------------------------- cheats */

#define CHEATER 1u
#define DEAF    0u /* misses the cheater's opening in the evidence test */

/* Drops CHEATER's round-2 broadcast to DEAF: DEAF judges it from the
 * evidence in the others' blames alone. */
static int deaf_hook(void *ctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    (void)ctx;
    wf_envelope env;
    int keep = 1;
    if (from == CHEATER && to == DEAF && wf_envelope_open(&env, *bytes, *len, cluster.pk[from]) == WF_OK) {
        keep = env.round != 2 || env.to != WF_TO_BROADCAST;
        wf_envelope_clear(&env);
    }
    return keep;
}

static void test_cheat(const char *label, wf_fault f, wf_harness_hook hook)
{
    static const uint32_t ranks[] = {0, 1, 1};
    wf_key_share *keys[3];
    wf_test_deal_key(keys, 3, 2, ranks);
    run r;
    run_refresh(&r, keys, 3, 6, CHEATER, f, hook, NULL, label);
    CHECK(wf_test_all_blame(r.m, r.n, CHEATER));
    if (hook != NULL)
        CHECK(strstr(wf_machine_reason(r.m[DEAF]), "reported by") != NULL);
    run_free(&r);
    free_keys(keys, NULL, 3);
}

static void test_cheats(void)
{
    /* rounds 1 and 2 */
    test_cheat("garbage commitment", (wf_fault){WF_REFRESH_FAULT_MALFORMED, 1, 0}, NULL);
    test_cheat("equivocated commitment", (wf_fault){WF_FAULT_EQUIVOCATE, 1, 2}, NULL);
    test_cheat("non-zero constant, committed", (wf_fault){WF_REFRESH_FAULT_CONSTANT, 0, 0}, NULL);
    test_cheat("  the same, judged from evidence", (wf_fault){WF_REFRESH_FAULT_CONSTANT, 0, 0}, deaf_hook);
    test_cheat("opening != commitment", (wf_fault){WF_REFRESH_FAULT_BAD_OPENING, 0, 0}, NULL);
    test_cheat("bad Πprm", (wf_fault){WF_REFRESH_FAULT_BAD_PRM, 0, 0}, NULL);
    /* round 3 */
    test_cheat("bad share to party 2", (wf_fault){WF_REFRESH_FAULT_BAD_SHARE, 0, 2}, NULL);
#ifdef WF_SLOW_TESTS /* the same check as a bad share, to every party at once */
    test_cheat("non-zero constant, hidden", (wf_fault){WF_REFRESH_FAULT_HIDDEN_CONSTANT, 0, 0}, NULL);
#endif
    test_cheat("bad Πsch", (wf_fault){WF_REFRESH_FAULT_BAD_SCH, 0, 0}, NULL);
#ifndef WF_SANITIZED /* aux_keys.c's round-3 proofs: test_aux_info covers them there */
    test_cheat("bad Πmod", (wf_fault){WF_REFRESH_FAULT_BAD_MOD, 0, 0}, NULL);
    test_cheat("bad Πfac to party 0", (wf_fault){WF_REFRESH_FAULT_BAD_FAC, 0, 0}, NULL);
#endif
}

/* ---------------------------------------------------------------- API */

static void test_params(void)
{
    static const uint32_t ranks[] = {0, 1, 1};
    wf_key_share *keys[3];
    wf_test_deal_key(keys, 3, 2, ranks);
    wf_machine *m = (wf_machine *)&cluster; /* must be reset to NULL on refusal */
    wf_machine_cfg cfg = wf_test_cfg(&cluster, 0, 0x01);
    wf_refresh_params good = {.key = keys[0], .bits = BITS};
    CHECK_ERR(wf_refresh_new(NULL, &cfg, &good), WF_ERR_ARG);
    CHECK_ERR(wf_refresh_new(&m, NULL, &good), WF_ERR_ARG);
    CHECK(m == NULL);
    CHECK_ERR(wf_refresh_new(&m, &cfg, NULL), WF_ERR_ARG);
    wf_paillier_sk *big = wf_test_paillier_sk(3072, 0);
    REQUIRE(big != NULL);
    wf_refresh_params bad[] = {
        {.key = NULL, .bits = BITS},
        {.key = keys[1], .bits = BITS}, /* another member's share */
        {.key = keys[0], .bits = 1024},
        {.key = keys[0], .bits = BITS, .pooled = big}, /* a 3072-bit key for a 2048-bit run */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_ERR(wf_refresh_new(&m, &cfg, &bad[i]), WF_ERR_ARG);
        CHECK(m == NULL);
    }
    wf_paillier_sk_free(big); /* still ours after a refusal */
    wf_machine_cfg c2 = cfg;
    c2.key_id[0] ^= 1;
    CHECK_ERR(wf_refresh_new(&m, &c2, &good), WF_ERR_ARG);
    wf_fault faults[] = {{.kind = 99},
                         {.kind = WF_REFRESH_FAULT_BAD_SHARE, .victim = 0},
                         {.kind = WF_REFRESH_FAULT_BAD_SHARE, .victim = 3},
                         {.kind = WF_REFRESH_FAULT_MALFORMED, .round = WF_REFRESH_ROUNDS + 1}};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        c2 = cfg;
        c2.fault = faults[i];
        CHECK_ERR(wf_refresh_new(&m, &c2, &good), WF_ERR_ARG);
    }
    wf_scalar one;
    wf_scalar_set_u64(&one, 1);
    REQUIRE(wf_scalar_add(keys[0]->share, keys[0]->share, &one) == WF_OK);
    CHECK_ERR(wf_refresh_new(&m, &cfg, &good), WF_ERR_ARG); /* a share off its X_j */
    REQUIRE(wf_scalar_sub(keys[0]->share, keys[0]->share, &one) == WF_OK);

    CHECK_OK(wf_refresh_new(&m, &cfg, &good));
    wf_key_share *k = NULL;
    wf_aux *a = NULL;
    CHECK_ERR(wf_refresh_result(m, &k, &a), WF_ERR_ARG); /* not DONE */
    CHECK(k == NULL && a == NULL);
    wf_machine_free(m);
    free_keys(keys, NULL, 3);
}

int main(void)
{
    wf_test_cluster_init(&cluster, CLUSTER);
    static const wf_test_case tests[] = {
        {test_params, "params"},
        {test_refresh_then_sign, "refresh_then_sign"},
#ifndef WF_SANITIZED /* the sanitizer pass keeps to one honest structure: same code, half the time */
        {test_refresh_full_degree, "refresh_full_degree"},
#endif
        {test_cheats, "cheats"},
    };
    wf_test_run_cases(tests, sizeof tests / sizeof tests[0]);
    wf_test_cluster_clear(&cluster);
    return wf_check_summary("test_refresh");
}

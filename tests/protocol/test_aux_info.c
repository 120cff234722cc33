/* protocol/aux_info.c: honest runs of 3 and 5 parties (one of them on a
 * hostile network that feeds a party bad envelopes), and one 3-party run per
 * cheat, in which every honest party must name the cheater and never another
 * honest party. Keys come from the 2048-bit fixture pairs (tests/fixtures/,
 * TEST ONLY), never one pair twice in a run except to make a duplicate N. */
#include <gmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocol/aux_info.h"
#include "tests/fixtures.h"
#include "tests/protocol_fixture.h"

#define BITS 2048u

static const unsigned PAIRS[] = {0, 1, 2, 3, 4};

typedef struct run {
    wf_test_cluster c; /* n + 1 identities: the last is no party of the session */
    size_t n;
    wf_machine *m[WF_MAX_MEMBERS];
} run;

/* Members 0..n-1, party i with fixture key pairs[i]; `cheater` (if < n) gets `fault`. */
static void run_init(run *r, size_t n, uint8_t tag, const unsigned *pairs, uint32_t cheater, wf_fault fault)
{
    wf_test_cluster_init(&r->c, n + 1);
    r->n = n;
    for (uint32_t i = 0; i < n; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&r->c, i, tag);
        if (i == cheater)
            cfg.fault = fault;
        wf_aux_info_params p = {
            .n = (uint32_t)n, .bits = BITS, .pooled = wf_test_paillier_sk(BITS, pairs[i])};
        REQUIRE(p.pooled != NULL);
        REQUIRE(wf_aux_info_new(&r->m[i], &cfg, &p) == WF_OK);
    }
}

/* Runs the machines and prints the time and the first reason an honest
 * party (any but `cheater`) gave for aborting. */
static void run_go(run *r, wf_harness_hook hook, void *ctx, const char *label, uint32_t cheater)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(wf_harness_run(r->m, r->n, hook, ctx, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    const char *reason = "";
    for (size_t i = 0; i < r->n && reason[0] == '\0'; i++)
        if (i != cheater && wf_machine_status(r->m[i]) == WF_SESSION_ABORTED)
            reason = wf_machine_reason(r->m[i]);
    printf("%-28s %5.1f s  %s\n", label, s, reason);
}

static void run_clear(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        wf_machine_free(r->m[i]);
    wf_test_cluster_clear(&r->c);
}

/* ---------------------------------------------------------------- honest */

static int same_rped(const wf_rped *x, const wf_rped *y)
{
    return mpz_cmp(x->n, y->n) == 0 && mpz_cmp(x->s, y->s) == 0 && mpz_cmp(x->t, y->t) == 0;
}

/* One party's record: its own key matches its published values, every rped is
 * well formed, the moduli are distinct, and the public part equals party 0's. */
static void check_record(const wf_aux *x, const wf_aux *ref, uint32_t self, size_t n)
{
    CHECK(x->n == n && x->self == self && x->bits == BITS &&
          memcmp(x->key_id, ref->key_id, WF_ID_BYTES) == 0);
    mpz_t pq;
    mpz_init(pq);
    mpz_mul(pq, x->sk->p.v, x->sk->q.v);
    CHECK(x->pk[self] == NULL && mpz_cmp(pq, wf_aux_pk(x, self)->n) == 0);
    mpz_clear(pq);
    int ok = 1;
    for (uint32_t j = 0; j < n; j++) {
        const wf_paillier_pk *pk = wf_aux_pk(x, j);
        ok &= x->rped[j] != NULL && pk != NULL && wf_rped_params_check(x->rped[j], BITS) == WF_OK;
        ok &= ok && mpz_cmp(pk->n, x->rped[j]->n) == 0 && same_rped(x->rped[j], ref->rped[j]);
        for (uint32_t k = 0; ok && k < j; k++)
            ok &= mpz_cmp(x->rped[j]->n, x->rped[k]->n) != 0;
    }
    CHECK(ok);
    for (uint32_t j = (uint32_t)n; j < WF_MAX_MEMBERS; j++)
        ok &= x->rped[j] == NULL && x->pk[j] == NULL;
    CHECK(ok);
}

static void check_results(run *r)
{
    wf_aux *x[WF_MAX_MEMBERS] = {0};
    for (size_t i = 0; i < r->n; i++) {
        CHECK_OK(wf_aux_info_result(r->m[i], &x[i]));
        REQUIRE(x[i] != NULL);
    }
    wf_aux *again = NULL;
    CHECK_ERR(wf_aux_info_result(r->m[0], &again), WF_ERR_ARG); /* moved out already */
    for (size_t i = 0; i < r->n; i++)
        check_record(x[i], x[0], (uint32_t)i, r->n);
    /* party 0 encrypts to party 1 under the key it learnt; party 1 decrypts */
    mpz_t msg, c, back;
    mpz_inits(msg, c, back, NULL);
    mpz_set_ui(msg, 0xa0c5);
    CHECK_OK(wf_paillier_encrypt(c, wf_aux_pk(x[0], 1), msg, NULL));
    CHECK_OK(wf_paillier_decrypt(back, x[1]->sk, c));
    CHECK(mpz_cmp(back, msg) == 0);
    mpz_clears(msg, c, back, NULL);
    for (size_t i = 0; i < r->n; i++)
        wf_aux_free(x[i]);
}

/* A network adversary: when party 0's opening reaches party 1, it first
 * feeds party 1 envelopes it must refuse, each leaving it running and
 * sending nothing, then lets the opening through. */
typedef struct hostile {
    run *r;
    uint8_t *seen; /* party 0's round-1 envelope, already delivered to party 1 */
    size_t seen_len;
    int fed;
} hostile;

/* A signed envelope of this session from `from` (any identity of the cluster). */
static uint8_t *forge(const run *r, uint32_t from, uint32_t round, uint32_t to, int other_session,
                      size_t *len)
{
    const wf_session_cfg *c = &r->m[0]->s.cfg;
    static const uint8_t payload[] = {0x0a, 0x00};
    wf_envelope env = {.version = WF_ENVELOPE_VERSION,
                       .round = round,
                       .from = from,
                       .to = to,
                       .payload = (uint8_t *)payload,
                       .payload_len = sizeof payload};
    memcpy(env.cluster_id, c->cluster_id, WF_ID_BYTES);
    memcpy(env.key_id, c->key_id, WF_ID_BYTES);
    memcpy(env.session_id, c->session_id, WF_ID_BYTES);
    env.session_id[WF_ID_BYTES - 1] ^= (uint8_t)other_session;
    strcpy(env.protocol, WF_AUX_INFO_PROTOCOL);
    uint8_t *out = NULL;
    REQUIRE(wf_envelope_seal(&out, len, &env, r->c.sk[from]) == WF_OK);
    return out;
}

static void refuse(wf_machine *m, const uint8_t *bytes, size_t len, const char *what)
{
    wf_outbox out = {0};
    const char *why = "";
    wf_err err = wf_machine_step(m, bytes, len, &out, &why);
    if (err == WF_OK)
        fprintf(stderr, "accepted: %s\n", what);
    CHECK(err != WF_OK && out.n == 0 && wf_machine_status(m) == WF_SESSION_RUNNING);
    wf_outbox_clear(&out);
}

/* Party 0's N as it travels: its 256-byte magnitude inside the envelope. */
static const uint8_t *find_n(const uint8_t *bytes, size_t len)
{
    uint8_t n[BITS / 8];
    wf_paillier_sk *sk = wf_test_paillier_sk(BITS, PAIRS[0]);
    REQUIRE(sk != NULL);
    mpz_export(n, NULL, 1, 1, 1, 0, wf_paillier_sk_public(sk)->n);
    wf_paillier_sk_free(sk);
    for (size_t i = 0; i + sizeof n <= len; i++)
        if (memcmp(bytes + i, n, sizeof n) == 0)
            return bytes + i;
    REQUIRE(0);
    return NULL;
}

static void feed_bad(hostile *h, wf_machine *m, const uint8_t *opening, size_t len)
{
    run *r = h->r;
    size_t n = r->n, flen;
    uint8_t *bad;
    refuse(m, h->seen, h->seen_len, "a duplicate");
    bad = forge(r, 0, WF_AUX_INFO_ROUNDS + 1, WF_TO_BROADCAST, 0, &flen);
    refuse(m, bad, flen, "a round after the last");
    free(bad);
    bad = forge(r, (uint32_t)n, 2, WF_TO_BROADCAST, 0, &flen);
    refuse(m, bad, flen, "a sender outside the session");
    free(bad);
    bad = forge(r, 0, 2, WF_TO_BROADCAST, 1, &flen);
    refuse(m, bad, flen, "another session id");
    free(bad);
    bad = forge(r, 0, 3, 2, 0, &flen);
    refuse(m, bad, flen, "a message to another party");
    free(bad);
    uint8_t garbage[200];
    randombytes_buf(garbage, sizeof garbage);
    refuse(m, garbage, sizeof garbage, "garbage");
    size_t at = (size_t)(find_n(opening, len) - opening);
    refuse(m, opening, at + 100, "an opening cut inside N");
    REQUIRE((bad = malloc(len)) != NULL);
    memcpy(bad, opening, len);
    bad[at + 100] ^= 0x40;
    refuse(m, bad, len, "an opening with N altered");
    free(bad);
}

static int hostile_hook(void *vctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    hostile *h = vctx;
    wf_envelope env;
    if (from != 0 || to != 1 || wf_envelope_open(&env, *bytes, *len, h->r->c.pk[0]) != WF_OK)
        return 1;
    if (env.round == 1 && h->seen == NULL) {
        REQUIRE((h->seen = malloc(*len)) != NULL);
        memcpy(h->seen, *bytes, *len);
        h->seen_len = *len;
    } else if (env.round == 2 && !h->fed) {
        feed_bad(h, h->r->m[1], *bytes, *len);
        h->fed = 1;
    }
    wf_envelope_clear(&env);
    return 1;
}

static void test_honest(size_t n, int hostile_network)
{
    run r;
    char label[64];
    snprintf(label, sizeof label, "honest, %zu parties%s", n, hostile_network ? ", hostile" : "");
    run_init(&r, n, (uint8_t)(0x10 + n), PAIRS, UINT32_MAX, (wf_fault){0});
    hostile h = {.r = &r};
    run_go(&r, hostile_network ? hostile_hook : NULL, &h, label, UINT32_MAX);
    CHECK(!hostile_network || h.fed);
    free(h.seen);
    CHECK(wf_test_all_done(r.m, r.n));
    check_results(&r);
    run_clear(&r);
}

/* ---------------------------------------------------------------- cheats */

/* Three parties, `cheater` misbehaving (with `hook` on the network):
 * every other party names `culprit`. A culprit without a fault (it was only
 * given a key that is not fresh) names itself too. */
static void test_cheat(const char *label, wf_fault fault, uint32_t cheater, const unsigned *pairs,
                       uint32_t culprit, wf_harness_hook hook)
{
    static uint8_t tag = 0x40;
    run r;
    run_init(&r, 3, tag++, pairs, cheater, fault);
    run_go(&r, hook, &r, label, culprit);
    CHECK(wf_test_all_blame(r.m, r.n, culprit));
    if (cheater != culprit)
        CHECK(wf_machine_status(r.m[culprit]) == WF_SESSION_ABORTED &&
              wf_machine_culprit(r.m[culprit]) == culprit);
    run_clear(&r);
}

/* Loses party 2's opening on its way to party 0, so party 0 judges a blame
 * of it before its own round 2 (re-running every check from its evidence). */
static int lose_opening_of_2(void *ctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    const run *r = ctx;
    wf_envelope env;
    int keep = 1;
    if (from == 2 && to == 0 && wf_envelope_open(&env, *bytes, *len, r->c.pk[from]) == WF_OK) {
        keep = env.round != 2;
        wf_envelope_clear(&env);
    }
    return keep;
}

static void test_cheats(void)
{
    static const unsigned dup[] = {0, 1, 0}; /* party 2 holds party 0's key */
    /* round-1 and round-2 checks, cheapest first: the cheater is checked first */
    test_cheat("malformed commitment", (wf_fault){WF_AUX_FAULT_MALFORMED, 1, 0}, 1, PAIRS, 1, NULL);
    test_cheat("equivocated commitment", (wf_fault){WF_FAULT_EQUIVOCATE, 1, 2}, 0, PAIRS, 0, NULL);
    test_cheat("malformed opening", (wf_fault){WF_AUX_FAULT_MALFORMED, 2, 0}, 0, PAIRS, 0, NULL);
    test_cheat("opening != commitment", (wf_fault){WF_AUX_FAULT_BAD_OPENING, 0, 0}, 0, PAIRS, 0, NULL);
    test_cheat("N of 2040 bits", (wf_fault){WF_AUX_FAULT_SHORT_N, 0, 0}, 0, PAIRS, 0, NULL);
    /* party 0 judges party 1's blame of 2 from the evidence alone */
    test_cheat("bad Πprm", (wf_fault){WF_AUX_FAULT_BAD_PRM, 0, 0}, 2, PAIRS, 2, lose_opening_of_2);
    test_cheat("duplicate N", (wf_fault){0}, UINT32_MAX, dup, 2, NULL);
    test_cheat("false blame of an opening", (wf_fault){WF_AUX_FAULT_FALSE_BLAME, 2, 2}, 1, PAIRS, 1,
               lose_opening_of_2);
    /* round-3 checks */
    test_cheat("bad Πmod", (wf_fault){WF_AUX_FAULT_BAD_MOD, 0, 0}, 0, PAIRS, 0, NULL);
    test_cheat("bad Πfac to party 2", (wf_fault){WF_AUX_FAULT_BAD_FAC, 0, 2}, 1, PAIRS, 1, NULL);
    test_cheat("false blame of a Πfac", (wf_fault){WF_AUX_FAULT_FALSE_BLAME, 3, 2}, 1, PAIRS, 1, NULL);
}

/* ---------------------------------------------------------------- API */

static void test_params(void)
{
    wf_test_cluster c;
    wf_test_cluster_init(&c, 3);
    wf_machine_cfg cfg = wf_test_cfg(&c, 0, 0x01);
    wf_machine *m = NULL;
    wf_paillier_sk *big = wf_test_paillier_sk(3072, 0);
    REQUIRE(big != NULL);
    wf_aux_info_params bad[] = {
        {.n = 1, .bits = BITS},
        {.n = WF_MAX_MEMBERS + 1, .bits = BITS},
        {.n = 3, .bits = 1024},
        {.n = 3, .bits = BITS, .pooled = big}, /* a 3072-bit key for a 2048-bit run */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_ERR(wf_aux_info_new(&m, &cfg, &bad[i]), WF_ERR_ARG);
        CHECK(m == NULL);
    }
    wf_paillier_sk_free(big); /* still ours after a refusal */
    cfg.self = 3;
    CHECK_ERR(wf_aux_info_new(&m, &cfg, &(wf_aux_info_params){.n = 3, .bits = BITS}), WF_ERR_ARG);
    cfg.self = 0;
    CHECK_ERR(wf_aux_info_new(NULL, &cfg, &(wf_aux_info_params){.n = 3, .bits = BITS}), WF_ERR_ARG);
    CHECK_OK(wf_aux_info_new(&m, &cfg, &(wf_aux_info_params){.n = 3, .bits = 3072}));
    wf_aux *x = NULL;
    CHECK_ERR(wf_aux_info_result(m, &x), WF_ERR_ARG); /* not DONE */
    CHECK(x == NULL);
    wf_machine_free(m);
    wf_test_cluster_clear(&c);
}

#ifdef WF_SLOW_TESTS
/* Two parties generating their keys in start, at 3072 bits. */
static void test_fresh_keys(void)
{
    run r;
    wf_test_cluster_init(&r.c, 3);
    r.n = 2;
    for (uint32_t i = 0; i < 2; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&r.c, i, 0x77);
        REQUIRE(wf_aux_info_new(&r.m[i], &cfg, &(wf_aux_info_params){.n = 2, .bits = 3072}) == WF_OK);
    }
    run_go(&r, NULL, NULL, "fresh 3072-bit keys, 2", UINT32_MAX);
    CHECK(wf_test_all_done(r.m, r.n));
    run_clear(&r);
}
#endif

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_params();
    test_honest(3, 1);
#ifndef WF_SANITIZED
    test_honest(5, 0); /* the sanitizer pass keeps to 3 parties: same code, a third of the time */
#endif
    test_cheats();
#ifdef WF_SLOW_TESTS
    test_fresh_keys();
#endif
    return wf_check_summary("test_aux_info");
}

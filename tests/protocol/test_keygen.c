/* protocol/keygen.c: the hierarchical DKG among in-process parties.
 *
 * Honest runs (Shamir, hierarchical, random structures) must give every party
 * the same public record and shares that every authorised set turns into the
 * public key; every cheat (fault injection, strictness of the decoders,
 * equivocation) must leave every honest party aborted naming the cheater; a
 * false blame names the blamer; bad network input is refused and the run
 * still completes. */
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "crypto/sharing.h"
#include "protocol/keygen.h"
#include "protocol/proto/commit_reveal.pb-c.h"
#include "protocol/proto/keygen.pb-c.h"
#include "tests/protocol_fixture.h"

#define CLUSTER 10 /* identity keys; runs use the first n, the rest are outsiders */

static wf_test_cluster cluster;
static uint8_t session_tag;

typedef struct run {
    size_t n;
    wf_machine *m[WF_MAX_MEMBERS];
    wf_harness_stats st;
} run;

static wf_keygen_params params(uint32_t n, uint32_t t, const uint32_t *ranks)
{
    wf_keygen_params p;
    memset(&p, 0, sizeof p);
    p.n = n;
    p.t = t;
    for (uint32_t i = 0; i < n; i++) {
        wf_scalar_set_u64(&p.members[i].x, i + 1);
        p.members[i].rank = ranks != NULL ? ranks[i] : 0;
    }
    return p;
}

/* Runs keygen for p in a fresh session; member `cheater` (if < n) has fault f. */
static void run_keygen(run *r, const wf_keygen_params *p, uint32_t cheater, wf_fault f, wf_harness_hook hook,
                       void *ctx)
{
    memset(r, 0, sizeof *r);
    r->n = p->n;
    session_tag++;
    for (uint32_t i = 0; i < p->n; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&cluster, i, session_tag);
        if (i == cheater)
            cfg.fault = f;
        REQUIRE(wf_keygen_new(&r->m[i], &cfg, p) == WF_OK);
    }
    REQUIRE(wf_harness_run(r->m, r->n, hook, ctx, &r->st) == WF_OK);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++)
        wf_machine_free(r->m[i]);
    memset(r, 0, sizeof *r);
}

static int pub_equal(const wf_key_public *a, const wf_key_public *b)
{
    int eq = memcmp(a->key_id, b->key_id, WF_ID_BYTES) == 0 && a->n == b->n && a->t == b->t &&
             memcmp(a->members, b->members, a->n * sizeof *a->members) == 0 &&
             wf_point_eq(&a->public_key, &b->public_key) &&
             memcmp(a->chain_code, b->chain_code, WF_CHAIN_CODE_BYTES) == 0 &&
             memcmp(a->rid, b->rid, WF_RID_BYTES) == 0;
    for (uint32_t k = 0; eq && k < a->t; k++)
        eq = wf_point_eq(&a->commitments[k], &b->commitments[k]);
    for (uint32_t j = 0; eq && j < a->n; j++)
        eq = wf_point_eq(&a->X[j], &b->X[j]);
    return eq;
}

static int all_zero(const uint8_t *b, size_t len)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++)
        acc |= b[i];
    return acc == 0;
}

/* Every t-subset of the members: authorised ones give the public key both as
 * Σ b_j·X_j and as the reconstructed secret times G; the others are refused
 * by both. Counts each kind. */
static void check_subsets(const wf_key_public *pub, wf_key_share *const *ks, size_t *authorised,
                          size_t *refused)
{
    *authorised = *refused = 0;
    for (uint32_t mask = 0; mask < (1u << pub->n); mask++) {
        if ((uint32_t)__builtin_popcount(mask) != pub->t)
            continue;
        uint32_t set[WF_MAX_MEMBERS];
        wf_member members[WF_MAX_MEMBERS];
        wf_scalar shares[WF_MAX_MEMBERS], secret;
        wf_point W[WF_MAX_MEMBERS], sum, P;
        size_t c = 0;
        for (uint32_t j = 0; j < pub->n; j++)
            if (mask & (1u << j)) {
                set[c] = j;
                members[c] = pub->members[j];
                shares[c++] = *ks[j]->share;
            }
        wf_err err = wf_key_signer_weights(pub, set, c, NULL, W);
        wf_err rec = wf_sharing_reconstruct(&secret, members, shares, c, pub->t);
        if (err == WF_OK) {
            (*authorised)++;
            CHECK_OK(wf_point_msm(&sum, NULL, W, 0));
            for (size_t i = 0; i < c; i++)
                CHECK_OK(wf_point_add(&sum, &sum, &W[i]));
            CHECK(wf_point_eq(&sum, &pub->public_key));
            CHECK_OK(rec);
            CHECK(rec == WF_OK && wf_point_base_mul(&P, &secret) == WF_OK &&
                  wf_point_eq(&P, &pub->public_key));
        } else {
            (*refused)++;
            CHECK_ERR(err, WF_ERR_UNAUTHORISED);
            CHECK_ERR(rec, WF_ERR_UNAUTHORISED);
            CHECK(!wf_birkhoff_rank_condition(members, c) || err == WF_ERR_UNAUTHORISED);
        }
        wf_memzero(shares, sizeof shares);
        wf_scalar_wipe(&secret);
    }
}

/* An honest run of p: every party done with the same public record, its
 * share on its X_j, and every authorised set signing for the key. */
static void check_honest(const wf_keygen_params *p, size_t *authorised, size_t *refused)
{
    run r;
    run_keygen(&r, p, UINT32_MAX, (wf_fault){0}, NULL, NULL);
    CHECK(wf_test_all_done(r.m, r.n));
    CHECK(r.st.refused == 0);
    wf_key_share *ks[WF_MAX_MEMBERS] = {0};
    for (uint32_t i = 0; i < p->n; i++)
        REQUIRE(wf_keygen_result(r.m[i], &ks[i]) == WF_OK);
    const wf_key_public *pub = &ks[0]->pub;
    CHECK(pub->n == p->n && pub->t == p->t);
    CHECK(memcmp(pub->members, p->members, p->n * sizeof *p->members) == 0);
    CHECK(wf_point_eq(&pub->public_key, &pub->commitments[0]) && !wf_point_is_infinity(&pub->public_key));
    CHECK(!all_zero(pub->rid, WF_RID_BYTES) && !all_zero(pub->chain_code, WF_CHAIN_CODE_BYTES));
    for (uint32_t i = 0; i < p->n; i++) {
        wf_point P;
        CHECK(ks[i]->self == i);
        CHECK(pub_equal(&ks[i]->pub, pub));
        CHECK(wf_point_base_mul(&P, ks[i]->share) == WF_OK && wf_point_eq(&P, &pub->X[i]));
    }
    check_subsets(pub, ks, authorised, refused);
    uint64_t cpu = 0;
    for (size_t i = 0; i < r.n; i++)
        cpu += r.st.cpu_ns[i];
    printf("keygen %u-of-%u: %.2f ms CPU per party, %llu bytes sent by party 0\n", (unsigned)p->t,
           (unsigned)p->n, (double)cpu / 1e6 / (double)r.n, (unsigned long long)r.st.bytes_sent[0]);
    for (uint32_t i = 0; i < p->n; i++)
        wf_key_share_free(ks[i]);
    run_free(&r);
}

/* An honest run of t-of-n with these ranks, expecting so many authorised and
 * refused t-subsets. */
static void check_structure(uint32_t n, uint32_t t, const uint32_t *ranks, size_t want_ok,
                            size_t want_refused)
{
    wf_keygen_params p = params(n, t, ranks);
    size_t ok, refused;
    check_honest(&p, &ok, &refused);
    CHECK(ok == want_ok && refused == want_refused);
}

static void test_shamir_2_of_3(void)
{
    check_structure(3, 2, NULL, 3, 0);
}

static void test_hierarchical_3_of_5(void)
{
    static const uint32_t ranks[] = {0, 0, 1, 1, 1};
    /* three operators alone cannot sign: {2,3,4} is the one refused set */
    check_structure(5, 3, ranks, 9, 1);
}

static void test_random_structures(void)
{
    size_t total_refused = 0;
    for (int iter = 0; iter < 10; iter++) {
        wf_keygen_params p;
        do {
            uint32_t n = 2 + randombytes_uniform(CLUSTER - 3), t = 1 + randombytes_uniform(n);
            p = params(n, t, NULL);
            for (uint32_t i = 0; i < n; i++) {
                wf_scalar_random(&p.members[i].x);
                p.members[i].rank = randombytes_uniform(t < 3 ? t : 3);
            }
        } while (wf_access_check(p.members, p.n, p.t) != WF_OK);
        size_t ok, refused;
        check_honest(&p, &ok, &refused);
        CHECK(ok >= 1);
        total_refused += refused;
    }
    printf("random structures: %zu unauthorised sets refused\n", total_refused);
}

static void test_init_refusals(void)
{
    static const uint32_t juniors[] = {1, 1, 1}, gap[] = {0, 2, 2, 2, 2};
    wf_machine *m = (wf_machine *)&cluster; /* must be reset to NULL on refusal */
    wf_machine_cfg cfg = wf_test_cfg(&cluster, 0, 0xee);
    wf_keygen_params p = params(3, 2, juniors);
    CHECK_ERR(wf_keygen_new(&m, &cfg, &p), WF_ERR_UNAUTHORISED);
    CHECK(m == NULL);
    p = params(5, 3, gap);
    CHECK_ERR(wf_keygen_new(&m, &cfg, &p), WF_ERR_UNAUTHORISED);
    p = params(3, 2, NULL);
    p.members[2].rank = 2; /* rank >= t: never counts */
    CHECK_ERR(wf_keygen_new(&m, &cfg, &p), WF_ERR_UNAUTHORISED);

    wf_keygen_params good = params(3, 2, NULL);
    CHECK_ERR(wf_keygen_new(NULL, &cfg, &good), WF_ERR_ARG);
    CHECK_ERR(wf_keygen_new(&m, NULL, &good), WF_ERR_ARG);
    CHECK_ERR(wf_keygen_new(&m, &cfg, NULL), WF_ERR_ARG);
    struct {
        uint32_t n, t;
        int dup_x, zero_x;
    } bad[] = {{1, 1, 0, 0}, {WF_MAX_MEMBERS + 1, 2, 0, 0}, {3, 0, 0, 0}, {3, 4, 0, 0}, {3, 2, 1, 0},
               {3, 2, 0, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = params(3, 2, NULL);
        p.n = bad[i].n;
        p.t = bad[i].t;
        if (bad[i].dup_x)
            p.members[1].x = p.members[0].x;
        if (bad[i].zero_x)
            wf_scalar_set_u64(&p.members[2].x, 0);
        CHECK_ERR(wf_keygen_new(&m, &cfg, &p), WF_ERR_ARG);
        CHECK(m == NULL);
    }
    wf_machine_cfg c2 = cfg;
    c2.self = 3;
    CHECK_ERR(wf_keygen_new(&m, &c2, &good), WF_ERR_ARG);
    c2 = cfg;
    c2.identity_sk = NULL;
    CHECK_ERR(wf_keygen_new(&m, &c2, &good), WF_ERR_ARG);
    wf_fault faults[] = {{.kind = 99},
                         {.kind = WF_KEYGEN_FAULT_BAD_SHARE, .victim = 0},
                         {.kind = WF_KEYGEN_FAULT_BAD_SHARE, .victim = 3},
                         {.kind = WF_FAULT_EQUIVOCATE, .round = 5, .victim = 1},
                         {.kind = WF_KEYGEN_FAULT_MALFORMED, .round = 0}};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        c2 = cfg;
        c2.fault = faults[i];
        CHECK_ERR(wf_keygen_new(&m, &c2, &good), WF_ERR_ARG);
    }

    /* a good machine: no result before DONE, nothing before start */
    CHECK_OK(wf_keygen_new(&m, &cfg, &good));
    wf_key_share *ks = (wf_key_share *)&cluster;
    CHECK_ERR(wf_keygen_result(m, &ks), WF_ERR_ARG);
    CHECK(ks == NULL);
    CHECK_ERR(wf_keygen_result(NULL, &ks), WF_ERR_ARG);
    CHECK_ERR(wf_keygen_result(m, NULL), WF_ERR_ARG);
    wf_outbox out = {0};
    CHECK_ERR(wf_machine_step(m, (const uint8_t *)"x", 1, &out, NULL), WF_ERR_ARG);
    CHECK(out.n == 0);
    wf_machine_free(m);
    wf_machine_free(NULL);
}

/* ---- cheaters ---- */

static const uint32_t fault_ranks[] = {0, 0, 1, 1, 2};
#define CHEATER 3u
#define VICTIM  0u

/* Runs 3-of-5 {0,0,1,1,2} with CHEATER at fault f (or a hook playing it);
 * every honest party must name CHEATER, none another honest party. */
static void check_cheater(wf_fault f, wf_harness_hook hook, void *ctx, const char *what)
{
    wf_keygen_params p = params(5, 3, fault_ranks);
    run r;
    run_keygen(&r, &p, CHEATER, f, hook, ctx);
    int ok = wf_test_all_blame(r.m, r.n, CHEATER);
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  (%s)\n", what);
    else
        printf("%-28s -> %s; %s\n", what, wf_machine_reason(r.m[VICTIM]), wf_machine_reason(r.m[VICTIM + 1]));
    run_free(&r);
}

static void test_faults(void)
{
    check_cheater((wf_fault){.kind = WF_KEYGEN_FAULT_BAD_SHARE, .victim = VICTIM}, NULL, NULL, "bad share");
    check_cheater((wf_fault){.kind = WF_KEYGEN_FAULT_BAD_OPENING}, NULL, NULL, "bad opening");
    check_cheater((wf_fault){.kind = WF_KEYGEN_FAULT_BAD_PROOF}, NULL, NULL, "bad Schnorr response");
    for (uint32_t r = 1; r <= WF_KEYGEN_ROUNDS; r++) {
        char what[32];
        snprintf(what, sizeof what, "malformed round %u", (unsigned)r);
        check_cheater((wf_fault){.kind = WF_KEYGEN_FAULT_MALFORMED, .round = r}, NULL, NULL, what);
    }
    for (uint32_t r = 1; r < WF_KEYGEN_ROUNDS; r++) {
        char what[32];
        snprintf(what, sizeof what, "equivocation round %u", (unsigned)r);
        check_cheater((wf_fault){.kind = WF_FAULT_EQUIVOCATE, .round = r, .victim = VICTIM}, NULL, NULL,
                      what);
    }
}

/* Equivocating in the confirmation round, which nothing echoes: the victim
 * names the cheater, the others finish; nobody names an honest party. */
static void test_equivocation_last_round(void)
{
    wf_keygen_params p = params(5, 3, fault_ranks);
    run r;
    run_keygen(&r, &p, CHEATER,
               (wf_fault){.kind = WF_FAULT_EQUIVOCATE, .round = WF_KEYGEN_ROUNDS, .victim = VICTIM}, NULL,
               NULL);
    for (size_t i = 0; i < r.n; i++) {
        if (i == CHEATER)
            continue;
        if (i == VICTIM)
            CHECK(wf_machine_status(r.m[i]) == WF_SESSION_ABORTED && wf_machine_culprit(r.m[i]) == CHEATER);
        else
            CHECK(wf_machine_status(r.m[i]) == WF_SESSION_DONE);
    }
    run_free(&r);
}

/* Opens an envelope from `from` if it is of round `round` and p2p (or a
 * broadcast when p2p is 0); the caller then clears env. 0 otherwise. */
static int open_if(wf_envelope *env, const uint8_t *bytes, size_t len, uint32_t from, uint32_t round, int p2p)
{
    if (wf_envelope_open(env, bytes, len, cluster.pk[from]) != WF_OK)
        return 0;
    if (env->round == round && (env->to != WF_TO_BROADCAST) == p2p)
        return 1;
    wf_envelope_clear(env);
    return 0;
}

/* Drops CHEATER's round-`round` broadcast to party DEAF, who can then only
 * judge it from the evidence in the others' blames. */
#define DEAF 2u

static int deaf_hook(void *vctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    const uint32_t *round = vctx;
    wf_envelope env;
    if (from != CHEATER || to != DEAF || !open_if(&env, *bytes, *len, from, *round, 0))
        return 1;
    wf_envelope_clear(&env);
    return 0;
}

static void test_judged_from_evidence(void)
{
    struct {
        wf_fault f;
        uint32_t round;
    } cases[] = {{{.kind = WF_KEYGEN_FAULT_MALFORMED, .round = 1}, 1},
                 {{.kind = WF_KEYGEN_FAULT_BAD_OPENING}, 2},
                 {{.kind = WF_KEYGEN_FAULT_BAD_PROOF}, 3}};
    wf_keygen_params p = params(5, 3, fault_ranks);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        run_keygen(&r, &p, CHEATER, cases[i].f, deaf_hook, &cases[i].round);
        CHECK(wf_test_all_blame(r.m, r.n, CHEATER));
        CHECK(strstr(wf_machine_reason(r.m[DEAF]), "reported by") != NULL);
        run_free(&r);
    }
}

/* A hook that re-signs CHEATER's round-`round` messages (broadcast or p2p)
 * with a payload `mutate` makes from the genuine one: the cheater itself
 * sending what a strict decoder must refuse. */
typedef struct resign_ctx {
    uint32_t round;
    int p2p;
    void (*mutate)(const wf_envelope *env, uint8_t **payload, size_t *len);
} resign_ctx;

static int resign_hook(void *vctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    (void)to;
    resign_ctx *ctx = vctx;
    wf_envelope env;
    if (from != CHEATER || !open_if(&env, *bytes, *len, from, ctx->round, ctx->p2p))
        return 1;
    uint8_t *payload = NULL, *orig = env.payload;
    size_t plen = 0;
    ctx->mutate(&env, &payload, &plen);
    env.payload = payload;
    env.payload_len = plen;
    free(*bytes);
    REQUIRE(wf_envelope_seal(bytes, len, &env, cluster.sk[from]) == WF_OK);
    env.payload = orig;
    free(payload);
    wf_envelope_clear(&env);
    return 1;
}

static uint8_t *pack(const ProtobufCMessage *msg, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(*len ? *len : 1);
    REQUIRE(buf != NULL);
    protobuf_c_message_pack(msg, buf);
    return buf;
}

/* 33 bytes that name no point: the compressed form of an x with no y. */
static const uint8_t *off_curve(void)
{
    static uint8_t enc[WF_POINT_BYTES];
    wf_point pt;
    enc[0] = 0x02;
    for (uint8_t x = 1; x != 0; x++) {
        enc[WF_POINT_BYTES - 1] = x;
        if (wf_point_parse(&pt, enc, sizeof enc) == WF_ERR_NOT_ON_CURVE)
            return enc;
    }
    REQUIRE(0);
    return enc;
}

static void short_commitment(const wf_envelope *env, uint8_t **payload, size_t *len)
{
    Warifu__CommitReveal__Commitment *m =
        warifu__commit_reveal__commitment__unpack(NULL, env->payload_len, env->payload);
    REQUIRE(m != NULL);
    Warifu__CommitReveal__Commitment c = *m;
    c.v.len = 31;
    *payload = pack(&c.base, len);
    warifu__commit_reveal__commitment__free_unpacked(m, NULL);
}

static void opening_variant(const wf_envelope *env, uint8_t **payload, size_t *len, int variant)
{
    Warifu__Keygen__Opening *m = warifu__keygen__opening__unpack(NULL, env->payload_len, env->payload);
    REQUIRE(m != NULL && m->n_commitments >= 2);
    Warifu__Keygen__Opening o = *m;
    ProtobufCBinaryData cs[WF_MAX_MEMBERS];
    memcpy(cs, m->commitments, m->n_commitments * sizeof *cs);
    o.commitments = cs;
    if (variant == 0)
        o.n_commitments--; /* one commitment short of t */
    else if (variant == 1)
        cs[1] = (ProtobufCBinaryData){WF_POINT_BYTES, (uint8_t *)off_curve()};
    else
        o.schnorr_a = (ProtobufCBinaryData){0, NULL}; /* missing */
    *payload = pack(&o.base, len);
    warifu__keygen__opening__free_unpacked(m, NULL);
}

static void opening_short(const wf_envelope *e, uint8_t **p, size_t *l)
{
    opening_variant(e, p, l, 0);
}
static void opening_off_curve(const wf_envelope *e, uint8_t **p, size_t *l)
{
    opening_variant(e, p, l, 1);
}
static void opening_missing_a(const wf_envelope *e, uint8_t **p, size_t *l)
{
    opening_variant(e, p, l, 2);
}

/* A single-field message (Share, Proof) whose scalar is q itself. */
static void scalar_is_q(const wf_envelope *env, uint8_t **payload, size_t *len)
{
    (void)env;
    Warifu__Keygen__Proof m = WARIFU__KEYGEN__PROOF__INIT; /* same layout as Share: field 1 */
    m.z = (ProtobufCBinaryData){WF_SCALAR_BYTES, (uint8_t *)WF_SECP256K1_ORDER};
    *payload = pack(&m.base, len);
}

static void garbage(const wf_envelope *env, uint8_t **payload, size_t *len)
{
    (void)env;
    *len = 7;
    *payload = malloc(*len);
    REQUIRE(*payload != NULL);
    memcpy(*payload, "\xff\xff\xff\xff\x0f\x01\x02", *len);
}

static void test_strict_decoding(void)
{
    struct {
        resign_ctx ctx;
        const char *what;
    } cases[] = {
        {{1, 0, short_commitment}, "31-byte commitment"},
        {{2, 0, opening_short}, "t-1 Feldman commitments"},
        {{2, 0, opening_off_curve}, "commitment off the curve"},
        {{2, 0, opening_missing_a}, "opening without A"},
        {{2, 1, scalar_is_q}, "share equal to q"},
        {{2, 1, garbage}, "garbage share message"},
        {{3, 0, scalar_is_q}, "Schnorr response equal to q"},
        {{4, 0, garbage}, "non-empty confirmation"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_cheater((wf_fault){0}, resign_hook, &cases[i].ctx, cases[i].what);
}

/* ---- false blame ---- */

/* When BLAMER sends its round-(round+1) broadcast, it instead blames the
 * honest ACCUSED's round-`round` message (p2p or broadcast), which passes. */
typedef struct false_blame_ctx {
    run *r;
    uint32_t round;
    int p2p;
    uint8_t *blame;
    size_t blame_len;
} false_blame_ctx;

#define BLAMER  1u
#define ACCUSED 2u

static int false_blame_hook(void *vctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    (void)to;
    false_blame_ctx *ctx = vctx;
    wf_envelope env;
    if (from != BLAMER || !open_if(&env, *bytes, *len, from, ctx->round + 1, 0))
        return 1;
    wf_envelope_clear(&env);
    wf_machine *b = ctx->r->m[BLAMER];
    const wf_filed *ev =
        ctx->p2p ? wf_machine_p2p(b, ctx->round, ACCUSED) : wf_machine_bcast(b, ctx->round, ACCUSED);
    wf_test_false_blame(b, ev, ACCUSED, &ctx->blame, &ctx->blame_len, bytes, len);
    return 1;
}

static void test_false_blame(void)
{
    struct {
        uint32_t round;
        int p2p;
    } cases[] = {{1, 0}, {2, 0}, {2, 1}, {3, 0}};
    wf_keygen_params p = params(5, 3, fault_ranks);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run r;
        false_blame_ctx ctx = {.r = &r, .round = cases[i].round, .p2p = cases[i].p2p};
        run_keygen(&r, &p, UINT32_MAX, (wf_fault){0}, false_blame_hook, &ctx);
        CHECK(ctx.blame != NULL);
        int ok = wf_test_all_blame(r.m, r.n, BLAMER);
        /* judged (and found innocent), not dismissed for lack of evidence */
        for (size_t j = 0; j < r.n; j++)
            ok &= j == BLAMER || strstr(wf_machine_reason(r.m[j]), "passes the check") != NULL;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  (false blame of a round-%u %s)\n", (unsigned)cases[i].round,
                    cases[i].p2p ? "p2p" : "broadcast");
        free(ctx.blame);
        run_free(&r);
    }
}

/* ---- bad network input ---- */

#define TARGET 1u

typedef struct bad_input_ctx {
    run *r;
    int seen;       /* envelopes delivered to TARGET so far */
    uint8_t *first; /* the first of them, replayed later */
    size_t first_len;
    int injected; /* refused injections */
} bad_input_ctx;

/* Feeds TARGET bytes it must refuse: an error, nothing sent, still running. */
static void inject(bad_input_ctx *ctx, const uint8_t *bytes, size_t len, const char *what)
{
    wf_outbox out = {0};
    const char *why = NULL;
    wf_machine *m = ctx->r->m[TARGET];
    wf_err err = wf_machine_step(m, bytes, len, &out, &why);
    int ok = err != WF_OK && out.n == 0 && wf_machine_status(m) == WF_SESSION_RUNNING && why != NULL && *why;
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "%s: %s, %zu sent, status %d\n", what, wf_err_str(err), out.n,
                (int)wf_machine_status(m));
    wf_outbox_clear(&out);
    ctx->injected++;
}

enum {
    EDIT_ROUND_HIGH,
    EDIT_ROUND_ZERO,
    EDIT_SESSION,
    EDIT_OUTSIDER,
    EDIT_WRONG_KEY,
    EDIT_RECIPIENT,
    EDIT_COUNT
};

/* The envelope `in` edited and re-signed (by its sender unless the edit says
 * otherwise). */
static uint8_t *reseal(const uint8_t *in, size_t len, int edit, size_t *out_len)
{
    uint32_t from;
    wf_envelope env;
    REQUIRE(wf_envelope_peek_from(&from, in, len) == WF_OK);
    REQUIRE(wf_envelope_open(&env, in, len, cluster.pk[from]) == WF_OK);
    uint32_t key = from;
    switch (edit) {
    case EDIT_ROUND_HIGH: env.round = WF_KEYGEN_ROUNDS + 1; break;
    case EDIT_ROUND_ZERO: env.round = 0; break;
    case EDIT_SESSION: env.session_id[0] ^= 1; break;
    case EDIT_OUTSIDER: env.from = key = CLUSTER - 1; break; /* not a member of the session */
    case EDIT_WRONG_KEY: key = CLUSTER - 1; break;           /* a member's name, another's key */
    case EDIT_RECIPIENT: env.to = TARGET + 1; break;         /* addressed to someone else */
    }
    uint8_t *out = NULL;
    REQUIRE(wf_envelope_seal(&out, out_len, &env, cluster.sk[key]) == WF_OK);
    wf_envelope_clear(&env);
    return out;
}

static int bad_input_hook(void *vctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    (void)from;
    bad_input_ctx *ctx = vctx;
    if (to != TARGET)
        return 1;
    if (ctx->seen == 0) {
        static const char *edits[EDIT_COUNT] = {"round out of range", "round 0",           "wrong session id",
                                                "non-member sender",  "wrong signing key", "other recipient"};
        ctx->first = malloc(*len);
        REQUIRE(ctx->first != NULL);
        memcpy(ctx->first, *bytes, *len);
        ctx->first_len = *len;
        uint8_t junk[300];
        randombytes_buf(junk, sizeof junk);
        inject(ctx, junk, sizeof junk, "garbage");
        inject(ctx, *bytes, *len / 2, "truncated");
        inject(ctx, *bytes, 0, "empty");
        uint8_t *flipped = malloc(*len);
        REQUIRE(flipped != NULL);
        memcpy(flipped, *bytes, *len);
        flipped[*len - 1] ^= 1;
        inject(ctx, flipped, *len, "flipped bit");
        free(flipped);
        for (int e = 0; e < EDIT_COUNT; e++) {
            size_t n;
            uint8_t *edited = reseal(*bytes, *len, e, &n);
            inject(ctx, edited, n, edits[e]);
            free(edited);
        }
    } else if (ctx->seen == 6) {
        inject(ctx, ctx->first, ctx->first_len, "duplicate");
    }
    ctx->seen++;
    return 1;
}

static void test_bad_input(void)
{
    wf_keygen_params p = params(4, 3, fault_ranks);
    run r;
    bad_input_ctx ctx = {.r = &r};
    run_keygen(&r, &p, UINT32_MAX, (wf_fault){0}, bad_input_hook, &ctx);
    CHECK(ctx.injected == 5 + EDIT_COUNT);
    CHECK(r.st.refused == 0);
    CHECK(wf_test_all_done(r.m, r.n));
    free(ctx.first);
    run_free(&r);
}

int main(void)
{
    wf_test_cluster_init(&cluster, CLUSTER);
    static const wf_test_case tests[] = {
        {test_shamir_2_of_3, "shamir_2_of_3"},
        {test_hierarchical_3_of_5, "hierarchical_3_of_5"},
        {test_random_structures, "random_structures"},
        {test_init_refusals, "init_refusals"},
        {test_faults, "faults"},
        {test_equivocation_last_round, "equivocation_last_round"},
        {test_judged_from_evidence, "judged_from_evidence"},
        {test_strict_decoding, "strict_decoding"},
        {test_false_blame, "false_blame"},
        {test_bad_input, "bad_input"},
    };
    wf_test_run_cases(tests, sizeof tests / sizeof tests[0]);
    wf_test_cluster_clear(&cluster);
    return wf_check_summary("test_keygen");
}

/* protocol/reshare.c: a key moves between committees among in-process
 * parties.
 *
 * Six nodes, A B C D E F. The current key is 2-of-3 with ranks {0,1,1} held
 * by A, B, C (dealt by tests/protocol_dealer.h, TEST ONLY). The quorum A, B
 * reshares it to a 3-of-5 committee with ranks {0,0,1,1,1}: A, D (officers),
 * C, E, F (operators); B leaves. Checked: every new member holds the same
 * record, with the same public key, chain code (so the same xpub) and key id;
 * B ends with no share; every authorised 3-subset of new shares interpolates
 * to the key and three operators are refused; an old share in place of a new
 * one does not interpolate. Then aux-info for the new committee and presign +
 * sign with EVERY authorised 3-subset, each signature verified by
 * libsecp256k1; a presign where A uses its old share aborts naming A.
 *
 * Cheats, each named by every honest party: a dealer with the wrong constant
 * term, a bad share (judged by the others from the evidence alone), garbage
 * from a dealer and from a non-dealer, an equivocated deal, and a false blame
 * of a valid share (which names the blamer). Bad parameters are refused. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto/sharing.h"
#include "protocol/aux_info.h"
#include "protocol/reshare.h"
#include "tests/fixtures.h"
#include "tests/protocol_dealer.h"
#include "tests/protocol_fixture.h"
#include "tests/protocol_signing.h"

enum { A, B, C, D, E, F, NODES };

#define OLD_N 3u
#define NEW_N 5u
#define NEW_T 3u

static wf_test_cluster nodes; /* identities by node */
static uint8_t session_tag = 0x30;

static const uint32_t old_ranks[OLD_N] = {0, 1, 1};                 /* A, B, C */
static const uint32_t new_party[NEW_N] = {A, D, C, E, F};           /* new member → node */
static const uint32_t new_ranks[NEW_N] = {0, 0, 1, 1, 1};           /* by new member */
static const uint32_t quorum[2] = {0, 1}, quorum_party[2] = {A, B}; /* old members A, B */

/* The parameters of the A, B → {A, D, C, E, F} reshare for `node`. */
static wf_reshare_params params_for(wf_key_share *const *old, uint32_t node)
{
    wf_reshare_params p;
    memset(&p, 0, sizeof p);
    p.old = &old[0]->pub;
    p.share = node == A ? old[0] : node == B ? old[1] : NULL;
    memcpy(p.dealers, quorum, sizeof quorum);
    memcpy(p.dealer_party, quorum_party, sizeof quorum_party);
    p.n = NEW_N;
    p.t = NEW_T;
    for (uint32_t j = 0; j < NEW_N; j++) {
        wf_scalar_set_u64(&p.members[j].x, 11 + j);
        p.members[j].rank = new_ranks[j];
        p.member_party[j] = new_party[j];
    }
    return p;
}

/* The nodes of the session, in session order (dealers, then the others). */
static const uint32_t session_nodes[] = {A, B, D, C, E, F};
#define PARTIES (sizeof session_nodes / sizeof session_nodes[0])

typedef struct run {
    wf_machine *m[PARTIES];
} run;

/* Runs the reshare with node `cheater` (if any) at fault f. Prints the time
 * and the reason the first honest party that aborted gave. */
static void run_reshare(run *r, wf_key_share *const *old, uint32_t cheater, wf_fault f, wf_harness_hook hook,
                        void *ctx, const char *label)
{
    uint8_t tag = session_tag++;
    for (size_t i = 0; i < PARTIES; i++) {
        wf_machine_cfg cfg = wf_test_cfg(&nodes, session_nodes[i], tag);
        if (session_nodes[i] == cheater)
            cfg.fault = f;
        wf_reshare_params p = params_for(old, session_nodes[i]);
        REQUIRE(wf_reshare_new(&r->m[i], &cfg, &p) == WF_OK);
    }
    double t0 = wf_test_now_s();
    REQUIRE(wf_harness_run(r->m, PARTIES, hook, ctx, NULL) == WF_OK);
    printf("%-34s %6.3f s  %s\n", label, wf_test_now_s() - t0, wf_test_first_reason(r->m, PARTIES, cheater));
}

static void run_free(run *r)
{
    for (size_t i = 0; i < PARTIES; i++)
        wf_machine_free(r->m[i]);
}

/* Machine of `node` in a run. */
static wf_machine *machine_of(const run *r, uint32_t node)
{
    for (size_t i = 0; i < PARTIES; i++)
        if (session_nodes[i] == node)
            return r->m[i];
    REQUIRE(0);
    return NULL;
}

/* The authorised 3-subsets of the new committee, in lexicographic order. */
static size_t authorised_sets(const wf_key_public *pub, uint32_t sets[][NEW_T], size_t *refused)
{
    size_t n = 0;
    *refused = 0;
    for (uint32_t a = 0; a < NEW_N; a++)
        for (uint32_t b = a + 1; b < NEW_N; b++)
            for (uint32_t c = b + 1; c < NEW_N; c++) {
                uint32_t set[NEW_T] = {a, b, c};
                if (wf_key_signer_weights(pub, set, NEW_T, NULL, NULL) == WF_OK)
                    memcpy(sets[n++], set, sizeof set);
                else
                    (*refused)++;
            }
    return n;
}

/* Every new record against the old one; shares interpolate, mixed ones do
 * not. */
static void check_new_records(wf_key_share *const *old, wf_key_share *const *nw)
{
    const wf_key_public *o = &old[0]->pub, *p = &nw[0]->pub;
    uint8_t d0[WF_ID_BYTES], dj[WF_ID_BYTES];
    wf_xpub xo, xn;
    CHECK(p->n == NEW_N && p->t == NEW_T && memcmp(p->key_id, o->key_id, WF_ID_BYTES) == 0);
    CHECK(wf_point_eq(&p->public_key, &o->public_key) && wf_point_eq(&p->commitments[0], &o->public_key));
    CHECK(wf_key_xpub(o, &xo) == WF_OK && wf_key_xpub(p, &xn) == WF_OK && memcmp(&xo, &xn, sizeof xo) == 0);
    CHECK(memcmp(p->rid, o->rid, WF_RID_BYTES) == 0);
    REQUIRE(wf_key_public_digest(p, d0) == WF_OK);
    for (uint32_t j = 0; j < NEW_N; j++) {
        wf_point P;
        CHECK(nw[j]->self == j && wf_key_public_digest(&nw[j]->pub, dj) == WF_OK &&
              memcmp(d0, dj, WF_ID_BYTES) == 0);
        CHECK(p->members[j].rank == new_ranks[j]);
        CHECK(wf_point_base_mul(&P, nw[j]->share) == WF_OK && wf_point_eq(&P, &p->X[j]));
    }
    uint32_t sets[16][NEW_T];
    size_t refused, n = authorised_sets(p, sets, &refused), mixed = 0;
    CHECK(n == 9 && refused == 1); /* C, E, F: three operators */
    for (size_t s = 0; s < n; s++) {
        const wf_scalar *shares[NEW_T];
        for (size_t i = 0; i < NEW_T; i++)
            shares[i] = nw[sets[s][i]]->share;
        CHECK(wf_test_interpolates(p, sets[s], shares));
        for (size_t i = 0; i < NEW_T; i++) { /* A (old member 0) and C (old member 2) also hold old shares */
            uint32_t node = new_party[sets[s][i]];
            if (node != A && node != C)
                continue;
            const wf_scalar *save = shares[i];
            shares[i] = old[node == A ? 0 : 2]->share;
            CHECK(!wf_test_interpolates(p, sets[s], shares));
            shares[i] = save;
            mixed++;
        }
    }
    const wf_scalar *old_quorum[2] = {old[0]->share, old[1]->share};
    CHECK(wf_test_interpolates(o, quorum, old_quorum)); /* why A and B must erase them */
    printf("  %zu authorised sets open the key, %zu refused; %zu with an old share do not\n", n, refused,
           mixed);
}

/* aux-info for the new committee (identities by new member index). */
static void new_aux(const wf_test_cluster *view, wf_aux **aux)
{
    wf_machine *ms[NEW_N];
    uint8_t tag = session_tag++;
    for (uint32_t j = 0; j < NEW_N; j++) {
        wf_machine_cfg cfg = wf_test_cfg(view, j, tag);
        wf_aux_info_params p = {.n = NEW_N, .bits = 2048, .pooled = wf_test_paillier_sk(2048, j)};
        REQUIRE(p.pooled != NULL);
        REQUIRE(wf_aux_info_new(&ms[j], &cfg, &p) == WF_OK);
    }
    double t0 = wf_test_now_s();
    REQUIRE(wf_harness_run(ms, NEW_N, NULL, NULL, NULL) == WF_OK);
    CHECK(wf_test_all_done(ms, NEW_N));
    printf("%-34s %6.3f s\n", "aux-info for the new committee", wf_test_now_s() - t0);
    for (uint32_t j = 0; j < NEW_N; j++) {
        REQUIRE(wf_aux_info_result(ms[j], &aux[j]) == WF_OK);
        REQUIRE(wf_aux_precompute(aux[j]) == WF_OK);
        wf_machine_free(ms[j]);
    }
}

/* Presign among the new committee's set {A, D, C} with A on its old share. */
static void check_mixed_presign(const wf_test_cluster *view, wf_key_share *const *old,
                                wf_key_share *const *nw, wf_aux *const *aux)
{
    static const uint32_t set[NEW_T] = {0, 1, 2};
    wf_key_share *keys[NEW_N];
    memcpy(keys, nw, sizeof keys);
    wf_key_share *mixed = wf_key_share_new();
    REQUIRE(mixed != NULL);
    mixed->pub = nw[0]->pub;
    mixed->self = 0;
    *mixed->share = *old[0]->share;
    keys[0] = mixed;
    wf_machine *ms[NEW_T];
    double t0 = wf_test_now_s();
    wf_test_presign_run(view, keys, aux, set, NEW_T, session_tag, ms);
    session_tag += 2;
    CHECK(wf_test_all_blame(ms, NEW_T, 0));
    printf("%-34s %6.3f s  %s\n", "presign with A's old share", wf_test_now_s() - t0,
           wf_machine_reason(ms[1]));
    for (size_t i = 0; i < NEW_T; i++)
        wf_machine_free(ms[i]);
    wf_key_share_free(mixed);
}

static void test_reshare_then_sign(void)
{
    wf_key_share *old[OLD_N], *nw[NEW_N];
    wf_aux *aux[NEW_N];
    wf_test_deal_key(old, OLD_N, 2, old_ranks);
    run r;
    run_reshare(&r, old, UINT32_MAX, (wf_fault){0}, NULL, NULL, "honest 2-of-3 -> 3-of-5");
    CHECK(wf_test_all_done(r.m, PARTIES));
    wf_key_share *none = (wf_key_share *)&nodes;
    CHECK_OK(wf_reshare_result(machine_of(&r, B), &none)); /* B leaves the committee */
    CHECK(none == NULL);
    for (uint32_t j = 0; j < NEW_N; j++) {
        REQUIRE(wf_reshare_result(machine_of(&r, new_party[j]), &nw[j]) == WF_OK && nw[j] != NULL);
        wf_key_share *again = NULL;
        CHECK_ERR(wf_reshare_result(machine_of(&r, new_party[j]), &again), WF_ERR_ARG); /* moved out */
    }
    run_free(&r);
    check_new_records(old, nw);

    wf_test_cluster view; /* the new committee's identities, by new member index */
    memset(&view, 0, sizeof view);
    view.n = NEW_N;
    for (uint32_t j = 0; j < NEW_N; j++) {
        memcpy(view.pk[j], nodes.pk[new_party[j]], WF_IDENTITY_PK_BYTES);
        view.sk[j] = nodes.sk[new_party[j]];
    }
    new_aux(&view, aux);
    uint32_t sets[16][NEW_T];
    size_t refused, n = authorised_sets(&nw[0]->pub, sets, &refused), signed_ok = 0;
#ifdef WF_SANITIZED
    n = 2; /* the sanitizer pass checks memory, not every set: same code */
#endif
    double t0 = wf_test_now_s();
    for (size_t s = 0; s < n; s++) {
        int ok = wf_test_sign_with(&view, nw, aux, sets[s], NEW_T, session_tag);
        session_tag += 2;
        CHECK(ok);
        signed_ok += (size_t)ok;
    }
    printf("%-34s %6.3f s  %zu of %zu sets signed\n", "presign + sign, every set", wf_test_now_s() - t0,
           signed_ok, n);
    check_mixed_presign(&view, old, nw, aux);
    for (uint32_t j = 0; j < NEW_N; j++) {
        wf_key_share_free(nw[j]);
        wf_aux_free(aux[j]);
    }
    for (uint32_t j = 0; j < OLD_N; j++)
        wf_key_share_free(old[j]);
}

/* ---------------------------------------------------------------- cheats */

/* Every honest party (every node but `cheater`) aborted naming it. */
static void check_cheat(const char *label, uint32_t cheater, wf_fault f, wf_harness_hook hook, void *ctx)
{
    static run r; /* the hooks' view of the running machines */
    wf_key_share *old[OLD_N];
    wf_test_deal_key(old, OLD_N, 2, old_ranks);
    if (ctx != NULL)
        *(run **)ctx = &r;
    run_reshare(&r, old, cheater, f, hook, ctx, label);
    CHECK(wf_test_all_blame(r.m, PARTIES, cheater));
    run_free(&r);
    for (uint32_t j = 0; j < OLD_N; j++)
        wf_key_share_free(old[j]);
}

/* A false blame: when BLAMER sends its round-3 confirmation it instead blames
 * dealer A's valid round-2 share to it. */
#define BLAMER D

typedef struct false_blame {
    run *r; /* first: set by check_cheat */
    uint8_t *blame;
    size_t len;
} false_blame;

static int false_blame_hook(void *vctx, uint32_t from, uint32_t to, uint8_t **bytes, size_t *len)
{
    (void)to;
    false_blame *ctx = vctx;
    wf_envelope env;
    if (from != BLAMER || wf_envelope_open(&env, *bytes, *len, nodes.pk[from]) != WF_OK)
        return 1;
    int confirmation = env.round == 3;
    wf_envelope_clear(&env);
    if (!confirmation)
        return 1;
    wf_machine *b = machine_of(ctx->r, BLAMER);
    const wf_filed *ev = wf_machine_p2p(b, 2, A);
    REQUIRE(ev != NULL && ev->env.payload_len > 0);
    wf_test_false_blame(b, ev, A, &ctx->blame, &ctx->len, bytes, len);
    return 1;
}

static void test_cheats(void)
{
    check_cheat("dealer B: wrong constant", B, (wf_fault){WF_RESHARE_FAULT_WRONG_CONSTANT, 0, 0}, NULL, NULL);
    check_cheat("dealer A: wrong constant", A, (wf_fault){WF_RESHARE_FAULT_WRONG_CONSTANT, 0, 0}, NULL, NULL);
    check_cheat("dealer B: bad share to E", B, (wf_fault){WF_RESHARE_FAULT_BAD_SHARE, 0, E}, NULL, NULL);
    check_cheat("dealer A: bad share to C", A, (wf_fault){WF_RESHARE_FAULT_BAD_SHARE, 0, C}, NULL, NULL);
    check_cheat("dealer B: garbage deal", B, (wf_fault){WF_RESHARE_FAULT_MALFORMED, 1, 0}, NULL, NULL);
    check_cheat("receiver F: commitments", F, (wf_fault){WF_RESHARE_FAULT_MALFORMED, 1, 0}, NULL, NULL);
    check_cheat("dealer B: equivocated deal", B, (wf_fault){WF_FAULT_EQUIVOCATE, 1, E}, NULL, NULL);
    false_blame ctx = {0};
    check_cheat("receiver D: false blame of A", BLAMER, (wf_fault){0}, false_blame_hook, &ctx);
    CHECK(ctx.blame != NULL);
    free(ctx.blame);
}

/* ---------------------------------------------------------------- API */

static void test_params(void)
{
    wf_key_share *old[OLD_N];
    wf_test_deal_key(old, OLD_N, 2, old_ranks);
    wf_machine *m = (wf_machine *)&nodes; /* must be reset to NULL on refusal */
    wf_machine_cfg cfg = wf_test_cfg(&nodes, A, 0x01);
    wf_reshare_params good = params_for(old, A), p;
    CHECK_ERR(wf_reshare_new(NULL, &cfg, &good), WF_ERR_ARG);
    CHECK_ERR(wf_reshare_new(&m, NULL, &good), WF_ERR_ARG);
    CHECK(m == NULL);
    CHECK_ERR(wf_reshare_new(&m, &cfg, NULL), WF_ERR_ARG);

    p = good; /* three operators can never sign */
    for (uint32_t j = 0; j < NEW_N; j++)
        p.members[j].rank = 1;
    CHECK_ERR(wf_reshare_new(&m, &cfg, &p), WF_ERR_UNAUTHORISED);
    p = good; /* B and C are two operators: not a quorum of the current key */
    p.dealers[0] = 2;
    p.dealer_party[0] = C;
    p.share = old[1];
    wf_machine_cfg cfg_b = wf_test_cfg(&nodes, B, 0x01);
    CHECK_ERR(wf_reshare_new(&m, &cfg_b, &p), WF_ERR_UNAUTHORISED);
    CHECK(m == NULL);

    enum { CASES = 8 };
    wf_reshare_params cases[CASES];
    uint32_t selves[CASES];
    for (size_t i = 0; i < CASES; i++) {
        cases[i] = good;
        selves[i] = A;
    }
    cases[0].share = NULL;   /* a dealer without its share */
    cases[1].share = old[1]; /* another dealer's share */
    cases[2].share = old[2]; /* a share from a node that does not deal */
    selves[2] = C;
    cases[3].member_party[4] = D;              /* one node, two new members */
    cases[4].dealer_party[1] = A;              /* one node, two dealers */
    cases[5].member_party[0] = WF_MAX_MEMBERS; /* no such node */
    cases[6].old = NULL;
    cases[7].share = NULL; /* a node that takes no part */
    selves[7] = NODES;
    for (size_t i = 0; i < CASES; i++) {
        wf_machine_cfg c = wf_test_cfg(&nodes, selves[i] < NODES ? selves[i] : A, 0x01);
        c.self = selves[i];
        CHECK_ERR(wf_reshare_new(&m, &c, &cases[i]), WF_ERR_ARG);
        CHECK(m == NULL);
    }
    wf_machine_cfg c2 = cfg;
    c2.key_id[0] ^= 1;
    CHECK_ERR(wf_reshare_new(&m, &c2, &good), WF_ERR_ARG);
    wf_scalar one;
    wf_scalar_set_u64(&one, 1);
    REQUIRE(wf_scalar_add(old[0]->share, old[0]->share, &one) == WF_OK);
    CHECK_ERR(wf_reshare_new(&m, &cfg, &good), WF_ERR_ARG); /* a share off its X_i */
    REQUIRE(wf_scalar_sub(old[0]->share, old[0]->share, &one) == WF_OK);
    wf_fault faults[] = {{.kind = 99},
                         {.kind = WF_RESHARE_FAULT_BAD_SHARE, .victim = B}, /* B receives nothing */
                         {.kind = WF_RESHARE_FAULT_MALFORMED, .round = 2}}; /* round 2 has no broadcast */
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        c2 = cfg;
        c2.fault = faults[i];
        CHECK_ERR(wf_reshare_new(&m, &c2, &good), WF_ERR_ARG);
    }
    c2 = wf_test_cfg(&nodes, D, 0x01);
    c2.fault = (wf_fault){.kind = WF_RESHARE_FAULT_WRONG_CONSTANT}; /* D does not deal */
    p = params_for(old, D);
    CHECK_ERR(wf_reshare_new(&m, &c2, &p), WF_ERR_ARG);

    CHECK_OK(wf_reshare_new(&m, &cfg, &good));
    wf_key_share *ks = (wf_key_share *)&nodes;
    CHECK_ERR(wf_reshare_result(m, &ks), WF_ERR_ARG); /* not DONE */
    CHECK(ks == NULL);
    wf_machine_free(m);
    for (uint32_t j = 0; j < OLD_N; j++)
        wf_key_share_free(old[j]);
}

int main(void)
{
    wf_test_cluster_init(&nodes, NODES);
    static const wf_test_case tests[] = {
        {test_params, "params"},
        {test_cheats, "cheats"},
        {test_reshare_then_sign, "reshare_then_sign"},
    };
    wf_test_run_cases(tests, sizeof tests / sizeof tests[0]);
    wf_test_cluster_clear(&nodes);
    return wf_check_summary("test_reshare");
}

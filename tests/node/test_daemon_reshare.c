/* Resharing a key end to end: five daemons of a 3-of-5 cluster with ranks
 * {0,0,1,1,1}; a key made for the 2-of-3 committee {bravo: 0, charlie: 1,
 * echo: 1}.
 *
 *   - malformed, forged, expired, unknown-key, bad-committee requests and one
 *     from a client the policy allows only this key are refused: nothing
 *     changes (generations, holders, public key);
 *   - bravo deals with a wrong constant (a cheating dealer): the reshare
 *     aborts, every honest party's audit log names bravo, no node switched
 *     and the old committee still signs;
 *   - the honest reshare to 3-of-5 {0,0,1,1,1} over every node: same public
 *     key and xpub everywhere, generation bumped where a share was replaced,
 *     the old share replaced in the store; every authorised 3-set of the new
 *     committee signs (only those three sign: nodes outside are stopped) and
 *     the unauthorised {charlie, delta, echo} cannot; a 2-set of the old
 *     committee no longer can;
 *   - a reshare to 2-of-3 {alpha: 0, charlie: 1, delta: 1} removes bravo (a
 *     dealer) and echo (not dealing): both hold nothing of the key
 *     afterwards — no share, aux record or presignature in their stores;
 *   - a compromised member's forged "retire" and "reshare" starts (a client
 *     the policy does not allow to reshare, a forged client signature, a
 *     valid request without the new committee's attestations) are refused by
 *     the member itself, which keeps its share.
 * Signatures are checked with libsecp256k1. Not under valgrind (NNG). */
#include <sodium.h>

#include "node/cluster_config.h"
#include "node/control.h"
#include "node/node_identity.h"
#include "node/peer_net.h"
#include "protocol/reshare.h"
#include "store/audit.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "tests/node/committee_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2
#define DELTA   3
#define ECHO    4

static wf_df f;
static uint8_t key_id[32], pub[33];
static char xpub[128];
static uint8_t limited_pk[32], *limited_sk; /* a client the policy allows only key_id */
static const uint32_t old_nodes[3] = {BRAVO, CHARLIE, ECHO}, old_ranks[3] = {0, 1, 1};
static const uint32_t all_nodes[5] = {0, 1, 2, 3, 4}, all_ranks[5] = {0, 0, 1, 1, 1};

static void start(size_t i, int cheat)
{
    wf_daemon_cfg cfg = wf_df_cfg(&f, i);
    cfg.keygen_timeout_ms = 60000; /* a stalled reshare fails the test, not its time limit */
    if (cheat) {
        cfg.fault_protocol = WF_RESHARE_PROTOCOL;
        cfg.fault.kind = WF_RESHARE_FAULT_WRONG_CONSTANT;
        cfg.fault.victim = WF_TO_BROADCAST;
        cfg.allow_test_faults = 1;
    }
    wf_df_start(&f, i, &cfg);
}

/* The policy: the fixture's client allowed every key, and `limited` allowed
 * only the key the committee keygen below makes (its id is known ahead). */
static void write_policy(void)
{
    wf_keygen_request kr;
    wf_kf_keygen_request(&f, &kr, "reshare-key", old_nodes, old_ranks, 3, 2);
    REQUIRE(wf_keygen_key_id(key_id, f.cluster_id, &kr) == WF_OK);
    limited_sk = wf_secure_alloc(64);
    REQUIRE(limited_sk != NULL);
    crypto_sign_keypair(limited_pk, limited_sk);
    char a[65], b[65], k[65], text[512];
    for (int i = 0; i < 32; i++) {
        snprintf(a + 2 * i, 3, "%02x", f.client_pk[i]);
        snprintf(b + 2 * i, 3, "%02x", limited_pk[i]);
        snprintf(k + 2 * i, 3, "%02x", key_id[i]);
    }
    snprintf(text, sizeof text,
             "warifu-policy 1\nclient withdrawals %s\nallow withdrawals *\nclient limited %s\nallow limited "
             "%s\nend\n",
             a, b, k);
    wf_cf_write(f.policy, text, 0644);
}

/* Each node's key generation (0: not held) and the public key every holder reports. */
static void snapshot(uint64_t gen[WF_DF_MAX])
{
    for (size_t i = 0; i < f.n; i++) {
        gen[i] = wf_kf_generation(&f, i, key_id);
        uint8_t p[33];
        char x[128];
        uint32_t t, n;
        int held = wf_kf_pubkey(&f, i, key_id, p, x, &t, &n);
        CHECK(held == (gen[i] != 0));
        if (held)
            CHECK(memcmp(p, pub, 33) == 0 && strcmp(x, xpub) == 0);
    }
}

static void expect_unchanged(const uint64_t before[WF_DF_MAX], const char *what)
{
    uint64_t now[WF_DF_MAX];
    snapshot(now);
    for (size_t i = 0; i < f.n; i++) {
        if (now[i] != before[i])
            fprintf(stderr, "%s: %s generation %llu, was %llu\n", what, wf_df_names[i],
                    (unsigned long long)now[i], (unsigned long long)before[i]);
        CHECK(now[i] == before[i]);
    }
}

static void test_keygen(void)
{
    Warifu__Wire__ClientResponse *r =
        wf_kf_keygen(&f, BRAVO, "reshare-key", old_nodes, old_ranks, 3, 2, key_id);
    REQUIRE(r != NULL && r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY);
    memcpy(pub, r->key->public_key.data, 33);
    snprintf(xpub, sizeof xpub, "%s", r->key->xpub);
    CHECK(r->key->n_committee == 3 && r->key->committee[0] == BRAVO && r->key->committee[2] == ECHO);
    CHECK(r->key->n_ranks == 3 && r->key->ranks[0] == 0 && r->key->ranks[1] == 1);
    warifu__wire__client_response__free_unpacked(r, NULL);
    CHECK(wf_df_sign_ok(&f, CHARLIE, "before", key_id));
}

static void test_refused(void)
{
    uint64_t gen[WF_DF_MAX];
    snapshot(gen);
    CHECK(gen[BRAVO] == 1 && gen[CHARLIE] == 1 && gen[ECHO] == 1 && gen[ALPHA] == 0 && gen[DELTA] == 0);
    wf_reshare_request rq;
    Warifu__Wire__ReshareRequest *m;

    /* a forged signature */
    wf_kf_reshare_request(&rq, f.client_sk, "bad-1", key_id, all_nodes, all_ranks, 5, 3);
    rq.signature[5] ^= 1;
    wf_kf_expect(wf_kf_send_reshare(&f, CHARLIE, m = wf_kf_reshare_msg(&rq)),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED, "forged signature");
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    /* a committee other than the one signed */
    wf_kf_reshare_request(&rq, f.client_sk, "bad-2", key_id, all_nodes, all_ranks, 5, 3);
    rq.threshold = 2;
    wf_kf_expect(wf_kf_send_reshare(&f, CHARLIE, m = wf_kf_reshare_msg(&rq)),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED, "altered committee");
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    /* ranks missing: malformed */
    wf_kf_reshare_request(&rq, f.client_sk, "bad-3", key_id, all_nodes, all_ranks, 5, 3);
    m = wf_kf_reshare_msg(&rq);
    m->n_ranks = 4;
    wf_kf_expect(wf_kf_send_reshare(&f, CHARLIE, m), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST,
                 "malformed");
    m->n_ranks = 5;
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    /* expired */
    wf_kf_reshare_request(&rq, f.client_sk, "bad-4", key_id, all_nodes, all_ranks, 5, 3);
    rq.expiry_ms = wf_df_now_ms() - 1000;
    REQUIRE(wf_reshare_request_sign(&rq, f.client_sk) == WF_OK);
    wf_kf_expect(wf_kf_send_reshare(&f, CHARLIE, m = wf_kf_reshare_msg(&rq)),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_EXPIRED, "expired");
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    /* a client the policy allows this key, but not every key */
    wf_kf_reshare_request(&rq, limited_sk, "bad-5", key_id, all_nodes, all_ranks, 5, 3);
    wf_kf_expect(wf_kf_send_reshare(&f, CHARLIE, m = wf_kf_reshare_msg(&rq)),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_DENIED, "client not allowed every key");
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    /* a new committee with no authorised set */
    const uint32_t juniors[5] = {1, 1, 1, 1, 1};
    wf_kf_reshare_request(&rq, f.client_sk, "bad-6", key_id, all_nodes, juniors, 5, 3);
    wf_kf_expect(wf_kf_send_reshare(&f, CHARLIE, m = wf_kf_reshare_msg(&rq)),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST, "no authorised set");
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    /* an unknown key; a coordinator outside the key's committee */
    uint8_t other[32];
    randombytes_buf(other, sizeof other);
    wf_kf_reshare_request(&rq, f.client_sk, "bad-7", other, all_nodes, all_ranks, 5, 3);
    wf_kf_expect(wf_kf_send_reshare(&f, CHARLIE, m = wf_kf_reshare_msg(&rq)),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND, "unknown key");
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    wf_kf_reshare_request(&rq, f.client_sk, "bad-8", key_id, all_nodes, all_ranks, 5, 3);
    wf_kf_expect(wf_kf_send_reshare(&f, ALPHA, m = wf_kf_reshare_msg(&rq)),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND, "coordinator outside the committee");
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    expect_unchanged(gen, "refused requests");
}

typedef struct blame_count {
    int n;
} blame_count;

static int count_blame(const wf_audit_entry *e, void *ctx)
{
    blame_count *b = ctx;
    if (strcmp(e->kind, "abort") == 0 && strstr(e->text, "protocol=reshare ") &&
        strstr(e->text, "culprit=1 (bravo)"))
        b->n++;
    return 0;
}

/* Audit records of node i (running: read-only) naming bravo in a reshare. */
static int blames(size_t i)
{
    wf_store *s = wf_kf_store_readonly(&f, i);
    blame_count b = {0};
    CHECK_OK(wf_store_audit_each(s, count_blame, &b));
    wf_store_close(s);
    return b.n;
}

static void test_cheating_dealer(void)
{
    uint64_t gen[WF_DF_MAX];
    snapshot(gen);
    wf_reshare_request rq;
    wf_kf_reshare_request(&rq, f.client_sk, "cheated", key_id, all_nodes, all_ranks, 5, 3);
    Warifu__Wire__ReshareRequest *m = wf_kf_reshare_msg(&rq);
    /* charlie coordinates: its dealers are {bravo, charlie} (bravo is the only rank 0) */
    Warifu__Wire__ClientResponse *r = wf_kf_send_reshare(&f, CHARLIE, m);
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    CHECK(r != NULL && r->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_ABORTED);
    if (r != NULL && r->code != 0)
        printf("cheating dealer: %s\n", r->error);
    CHECK(r != NULL && r->error != NULL && strstr(r->error, "bravo") != NULL);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    wf_df_sleep_ms(500); /* the members' audit records */
    for (size_t i = 0; i < f.n; i++)
        if (i != BRAVO) {
            int n = blames(i);
            if (n < 1)
                fprintf(stderr, "%s has no audit record naming bravo\n", wf_df_names[i]);
            CHECK(n >= 1);
        }
    expect_unchanged(gen, "cheating dealer");
    CHECK(wf_df_sign_ok(&f, ECHO, "after-cheat", key_id));
}

/* The share bytes node i holds of the key (read-only, while it runs); 0 when none. */
static int share_of(size_t i, uint8_t out[32])
{
    wf_store *s = wf_kf_store_readonly(&f, i);
    wf_store_key *k = NULL;
    int found = wf_store_key_get(s, key_id, &k) == WF_OK;
    if (found)
        memcpy(out, k->record.sec, 32);
    wf_store_key_free(k);
    wf_store_close(s);
    return found;
}

static void test_reshare(void)
{
    uint8_t before[32], after[32];
    REQUIRE(share_of(BRAVO, before));
    wf_reshare_request rq;
    wf_kf_reshare_request(&rq, f.client_sk, "grow", key_id, all_nodes, all_ranks, 5, 3);
    Warifu__Wire__ReshareRequest *m = wf_kf_reshare_msg(&rq);
    uint64_t t0 = wf_df_now_ms();
    Warifu__Wire__ClientResponse *r = wf_kf_send_reshare(&f, ECHO, m);
    printf("reshare 2-of-3 -> 3-of-5: %llu ms\n", (unsigned long long)(wf_df_now_ms() - t0));
    REQUIRE(r != NULL);
    if (r->code != 0)
        fprintf(stderr, "reshare: %s\n", r->error);
    REQUIRE(r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY);
    CHECK(memcmp(r->key->public_key.data, pub, 33) == 0 && strcmp(r->key->xpub, xpub) == 0);
    CHECK(r->key->threshold == 3 && r->key->members == 5 && r->key->n_committee == 5 && r->key->n_ranks == 5);
    for (size_t i = 0; i < 5 && r->key->n_committee == 5; i++)
        CHECK(r->key->committee[i] == i && r->key->ranks[i] == all_ranks[i]);
    /* a retry answers at once with the same key */
    warifu__wire__client_response__free_unpacked(r, NULL);
    r = wf_kf_send_reshare(&f, ECHO, m);
    CHECK(r != NULL && r->code == 0 && r->key && r->key->threshold == 3);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    warifu__wire__reshare_request__free_unpacked(m, NULL);

    uint64_t gen[WF_DF_MAX];
    snapshot(gen);
    CHECK(gen[BRAVO] == 2 && gen[CHARLIE] == 2 && gen[ECHO] == 2 && gen[ALPHA] == 1 && gen[DELTA] == 1);
    REQUIRE(share_of(BRAVO, after));
    CHECK(memcmp(before, after, 32) != 0);
}

static void start_plain(size_t i)
{
    start(i, 0);
}

/* Runs exactly the nodes in `mask` and waits until they see each other. */
static void run_only(unsigned mask)
{
    wf_kf_run_only(&f, mask, start_plain);
}

/* The ten 3-sets of five nodes in an order where each differs from the one
 * before by one node: one stop and one start per set, not up to two of each. */
static const unsigned set_order[10] = {0x07, 0x0b, 0x0d, 0x0e, 0x1a, 0x13, 0x15, 0x19, 0x1c, 0x16};

/* Every 3-set of the new committee: the nine with alpha or bravo sign (those
 * three exactly), {charlie, delta, echo} cannot. */
static void test_every_set(void)
{
    int n_ok = 0, n_refused = 0;
    uint32_t seen = 0;
    for (size_t k = 0; k < 10; k++) {
        unsigned mask = set_order[k];
        REQUIRE(__builtin_popcount(mask) == 3 && mask < 32 && !(seen >> mask & 1u));
        seen |= 1u << mask; /* ten distinct 3-sets of five: every one */
        run_only(mask);
        size_t via = (size_t)__builtin_ctz(mask);
        char id[32];
        snprintf(id, sizeof id, "set-%u", mask);
        double before[WF_DF_MAX];
        for (size_t i = 0; i < f.n; i++)
            before[i] = f.d[i] ? wf_kf_done(&f, i, "sign") : 0;
        uint8_t digest[32];
        Warifu__Wire__ClientResponse *r = wf_kf_sign(&f, via, id, key_id, digest);
        REQUIRE(r != NULL);
        int authorised = (mask & 3u) != 0;
        if (authorised) {
            if (r->code != 0)
                fprintf(stderr, "set %#x via %s: %s\n", mask, wf_df_names[via], r->error);
            int ok = r->code == 0 && r->signature && wf_df_sig_valid(r->signature, digest) &&
                     memcmp(r->signature->public_key.data, pub, 33) == 0;
            CHECK(ok);
            for (size_t i = 0; i < f.n; i++)
                if (mask & (1u << i))
                    CHECK(wf_kf_done(&f, i, "sign") == before[i] + 1);
            n_ok += ok;
        } else {
            CHECK(r->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE);
            n_refused += r->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE;
        }
        warifu__wire__client_response__free_unpacked(r, NULL);
    }
    CHECK(n_ok == 9 && n_refused == 1);
    /* the old committee's 2-sets no longer sign */
    run_only((1u << BRAVO) | (1u << CHARLIE));
    uint8_t digest[32];
    wf_kf_expect(wf_kf_sign(&f, CHARLIE, "old-set", key_id, digest),
                 WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE, "old 2-of-3 set");
    run_only(31);
    REQUIRE(wf_df_wait_ready(&f, 15000));
}

/* Node i's store (stopped) holds nothing of the key. */
static void holds_nothing(size_t i)
{
    wf_store *s = wf_kf_store_readonly(&f, i);
    wf_store_key *k = NULL;
    wf_store_blob aux = {0};
    wf_store_pool_depth depth[8];
    size_t n = 99;
    CHECK(wf_store_key_get(s, key_id, &k) == WF_ERR_NOT_FOUND);
    CHECK(wf_store_aux_get(s, key_id, &aux) == WF_ERR_NOT_FOUND);
    CHECK_OK(wf_store_presig_pools(s, key_id, depth, 8, &n));
    CHECK(n == 0);
    wf_store_key_free(k);
    wf_store_close(s);
}

static void test_shrink(void)
{
    const uint32_t nodes[3] = {ALPHA, CHARLIE, DELTA}, ranks[3] = {0, 1, 1};
    wf_reshare_request rq;
    wf_kf_reshare_request(&rq, f.client_sk, "shrink", key_id, nodes, ranks, 3, 2);
    Warifu__Wire__ReshareRequest *m = wf_kf_reshare_msg(&rq);
    /* alpha coordinates: its dealers are {alpha, bravo, charlie}; echo does not deal */
    Warifu__Wire__ClientResponse *r = wf_kf_send_reshare(&f, ALPHA, m);
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    REQUIRE(r != NULL);
    if (r->code != 0)
        fprintf(stderr, "shrink: %s\n", r->error);
    CHECK(r->code == 0 && r->key && r->key->threshold == 2 && r->key->members == 3 &&
          memcmp(r->key->public_key.data, pub, 33) == 0);
    warifu__wire__client_response__free_unpacked(r, NULL);
    uint64_t gen[WF_DF_MAX];
    snapshot(gen);
    CHECK(gen[ALPHA] == 2 && gen[CHARLIE] == 3 && gen[DELTA] == 2 && gen[BRAVO] == 0 && gen[ECHO] == 0);
    CHECK(wf_df_sign_ok(&f, CHARLIE, "after-shrink", key_id));
    wf_df_stop(&f, BRAVO);
    wf_df_stop(&f, ECHO);
    holds_nothing(BRAVO);
    holds_nothing(ECHO);
}

/* A compromised cluster member (echo's identity, its daemon stopped) sends
 * alpha "retire" and "reshare" starts: alpha checks the client's request
 * itself and refuses one the policy does not allow (limited client), one
 * whose signature does not verify, and a retire no new committee attests,
 * keeping its share. */
static void test_forged_starts(void)
{
    wf_kf_raw raw;
    wf_kf_raw_open(&raw, &f, ECHO);
    uint64_t gen0 = wf_kf_generation(&f, ALPHA, key_id);
    CHECK(gen0 != 0);

    static const struct {
        const char *protocol;
        int limited, forge;
        const char *want;
    } cases[] = {
        {"retire", 1, 0, "does not allow this client to reshare"},
        {"retire", 0, 1, "signature"},
        {"retire", 0, 0, "no attestations"}, /* a valid request, but no new member attests a reshare */
        {"reshare", 1, 0, "does not allow this client to reshare"},
    };
    const uint32_t nodes[3] = {BRAVO, CHARLIE, DELTA}, ranks[3] = {0, 1, 1};
    const uint32_t parties[2] = {ALPHA, ECHO}, dealers[1] = {ALPHA};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        wf_reshare_request rq;
        char rid[16];
        snprintf(rid, sizeof rid, "forged-%zu", k);
        wf_kf_reshare_request(&rq, cases[k].limited ? limited_sk : f.client_sk, rid, key_id, nodes, ranks, 3,
                              2);
        if (cases[k].forge)
            rq.signature[0] ^= 1;
        wf_control_start *st = wf_kf_reshare_start(cases[k].protocol, &rq, parties, 2, dealers, 1);
        wf_control_result res;
        int answered = wf_kf_raw_start(&raw, ALPHA, key_id, st, &res);
        free(st);
        CHECK(answered);
        int ok = answered && res.outcome == WF_OUTCOME_REFUSED && strstr(res.reason, cases[k].want) != NULL;
        if (answered && !ok)
            fprintf(stderr, "forged %s: outcome %d: %s\n", cases[k].protocol, res.outcome, res.reason);
        CHECK(ok);
    }
    CHECK(wf_kf_generation(&f, ALPHA, key_id) == gen0);
    CHECK(wf_df_sign_ok(&f, ALPHA, "after-forged", key_id));
    wf_kf_raw_close(&raw);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_peer_redial_ms = 200; /* restarted nodes are redialled at once */
    wf_df_setup(&f, 5, 3, (const uint32_t[]){0, 0, 1, 1, 1});
    write_policy();
    for (size_t i = 0; i < f.n; i++)
        start(i, i == BRAVO);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    test_keygen();
    test_refused();
    test_cheating_dealer();
    /* bravo deals honestly from now on; charlie, which coordinated, left
     * bravo out of its quorums for a while (so its key had no signing set
     * with it and it was not ready): both start afresh */
    wf_df_stop(&f, BRAVO);
    wf_df_stop(&f, CHARLIE);
    start(BRAVO, 0);
    start(CHARLIE, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    test_reshare();
    test_every_set();
    test_shrink();
    test_forged_starts();
    wf_df_teardown(&f);
    wf_secure_free(limited_sk);
    return wf_check_summary("test_daemon_reshare");
}

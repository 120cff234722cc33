/* Refresh and reshare of one key with its own committee (node/refresh.h,
 * node/reshare_run.h): five daemons of a 3-of-5 cluster with ranks
 * {0,0,1,1,1}, a key made for the 2-of-3 committee {bravo: 0, charlie: 1,
 * echo: 1}.
 *
 *   1. keygen, sign; a refresh through alpha (outside the committee) is
 *      NOT_FOUND; with alpha and delta stopped a refresh through charlie runs
 *      among the committee alone: the same public key, the committee kept in
 *      the answer, generation 2 on its three nodes, and the key signs;
 *   2. a refresh echo does not commit (a test fault) leaves bravo and
 *      charlie keeping the previous generation: a reshare is then refused
 *      (CONFLICT, "not confirmed") and changes nothing; the rerun of the same
 *      refresh request brings the committee to one generation;
 *   3. a reshare to 3-of-5 {0,0,1,1,1}: no node keeps a previous generation;
 *      a refresh through alpha (now a member) among all five; the key signs
 *      with {alpha, bravo, charlie} and with {bravo, delta, echo} (only
 *      those three running), the same public key throughout.
 * Signatures are checked with libsecp256k1. Not under valgrind (NNG). */
#include <sodium.h>

#include "store/keys.h"
#include "tests/node/committee_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2
#define DELTA   3
#define ECHO    4
#define N       5

static wf_df f;
static uint8_t key_id[32], pub[33];
static const uint32_t old_nodes[3] = {BRAVO, CHARLIE, ECHO}, old_ranks[3] = {0, 1, 1};
static const uint32_t all_nodes[5] = {0, 1, 2, 3, 4}, all_ranks[5] = {0, 0, 1, 1, 1};

/* Fixture Paillier keys, node i's k-th call pair i + N·(k mod 2): distinct
 * among the members of any session, new ones for each run. */
static unsigned paillier_calls[N];
static wf_paillier_sk *rotating_paillier(void *ctx, unsigned bits)
{
    unsigned i = (unsigned)(uintptr_t)ctx;
    unsigned k = __atomic_fetch_add(&paillier_calls[i], 1, __ATOMIC_SEQ_CST);
    return wf_test_paillier_sk(bits, i + N * (k % 2));
}

static void start(size_t i, const char *fault_protocol)
{
    wf_daemon_cfg cfg = wf_df_cfg(&f, i);
    cfg.paillier_source = rotating_paillier;
    cfg.keygen_timeout_ms = 90000; /* aux-info among 5 under ASan on 2 busy cores took over 30 s */
    if (fault_protocol != NULL) {
        cfg.fault_protocol = fault_protocol;
        cfg.fault.kind = 1;
        cfg.fault.victim = WF_TO_BROADCAST;
        cfg.allow_test_faults = 1;
    }
    wf_df_start(&f, i, &cfg);
}

static void start_plain(size_t i)
{
    start(i, NULL);
}

/* Runs exactly the nodes in `mask` and waits until they see each other. */
static void run_only(unsigned mask)
{
    wf_kf_run_only(&f, mask, start_plain);
}

/* A refresh of key_id through node: the answer (not freed). */
static Warifu__Wire__ClientResponse *send_refresh(size_t node, const char *rid)
{
    wf_refresh_request r;
    memset(&r, 0, sizeof r);
    r.request_id_len = strlen(rid);
    memcpy(r.request_id, rid, r.request_id_len);
    memcpy(r.key_id, key_id, 32);
    r.expiry_ms = wf_df_now_ms() + 60000;
    REQUIRE(wf_refresh_request_sign(&r, f.client_sk) == WF_OK);
    Warifu__Wire__ClientResponse *resp = wf_df_send_refresh(&f, node, &r);
    REQUIRE(resp != NULL);
    if (resp->code != 0)
        fprintf(stderr, "refresh %s via %s: %s\n", rid, wf_df_names[node], resp->error);
    return resp;
}

/* A refresh that must succeed: its answer names the key with the same
 * public key and the committee `nodes` (n of them). */
static void refresh_ok(size_t node, const char *rid, const uint32_t *nodes, size_t n)
{
    uint64_t t0 = wf_df_now_ms();
    Warifu__Wire__ClientResponse *r = NULL;
    for (int i = 0; i < 20; i++) { /* UNAVAILABLE while a restarted link comes back */
        if (r != NULL)
            warifu__wire__client_response__free_unpacked(r, NULL);
        r = send_refresh(node, rid);
        if (r->code != WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE)
            break;
        wf_df_sleep_ms(500);
    }
    printf("refresh %s via %s (%zu members): %llu ms\n", rid, wf_df_names[node], n,
           (unsigned long long)(wf_df_now_ms() - t0));
    CHECK(r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY);
    if (r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY) {
        CHECK(r->key->public_key.len == 33 && memcmp(r->key->public_key.data, pub, 33) == 0);
        CHECK(r->key->n_committee == n && r->key->members == n);
        for (size_t j = 0; j < n && j < r->key->n_committee; j++)
            CHECK(r->key->committee[j] == nodes[j]);
    }
    warifu__wire__client_response__free_unpacked(r, NULL);
}

/* 1 when node i (running) keeps a previous generation of the key. */
static int keeps_prev(size_t i)
{
    wf_store *s = wf_kf_store_readonly(&f, i);
    wf_store_key *k = NULL;
    wf_store_blob aux;
    memset(&aux, 0, sizeof aux);
    int kept = wf_store_key_prev_get(s, key_id, &k, &aux) == WF_OK;
    if (kept) {
        wf_store_blob_clear(&aux);
        wf_store_key_free(k);
    }
    wf_store_close(s);
    return kept;
}

static void test_committee_refresh(void)
{
    Warifu__Wire__ClientResponse *r =
        wf_kf_keygen(&f, BRAVO, "lifecycle-key", old_nodes, old_ranks, 3, 2, key_id);
    REQUIRE(r != NULL && r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY);
    memcpy(pub, r->key->public_key.data, 33);
    warifu__wire__client_response__free_unpacked(r, NULL);
    CHECK(wf_df_sign_ok(&f, CHARLIE, "sign-0", key_id));

    /* alpha holds nothing of the key: it cannot coordinate its refresh */
    r = send_refresh(ALPHA, "refresh-outside");
    CHECK(r->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND);
    warifu__wire__client_response__free_unpacked(r, NULL);

    /* the committee alone: alpha and delta are down */
    run_only((1u << BRAVO) | (1u << CHARLIE) | (1u << ECHO));
    refresh_ok(CHARLIE, "refresh-1", old_nodes, 3);
    CHECK(wf_kf_generation(&f, BRAVO, key_id) == 2 && wf_kf_generation(&f, CHARLIE, key_id) == 2 &&
          wf_kf_generation(&f, ECHO, key_id) == 2);
    CHECK(!keeps_prev(BRAVO) && !keeps_prev(CHARLIE) && !keeps_prev(ECHO)); /* confirmed */
    CHECK(wf_df_sign_ok(&f, ECHO, "sign-1", key_id));
}

static void test_unconfirmed_refresh_blocks_reshare(void)
{
    /* echo restarted with the fault, alpha and delta back: one wait for all five */
    wf_df_stop(&f, ECHO);
    start(ECHO, WF_REFRESH_CRASH_BEFORE_COMMIT);
    run_only(0x1f);
    Warifu__Wire__ClientResponse *r = NULL;
    for (int i = 0; i < 20; i++) {
        if (r != NULL)
            warifu__wire__client_response__free_unpacked(r, NULL);
        r = send_refresh(CHARLIE, "refresh-2");
        if (r->code != WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE)
            break;
        wf_df_sleep_ms(500);
    }
    CHECK(r->code != 0 && r->error != NULL && strstr(r->error, "echo") != NULL);
    warifu__wire__client_response__free_unpacked(r, NULL);
    CHECK(wf_kf_generation(&f, BRAVO, key_id) == 3 && wf_kf_generation(&f, CHARLIE, key_id) == 3 &&
          wf_kf_generation(&f, ECHO, key_id) == 2);
    CHECK(keeps_prev(BRAVO) && keeps_prev(CHARLIE) && !keeps_prev(ECHO));

    /* a reshare now would move a committee at two generations: refused */
    wf_reshare_request rq;
    wf_kf_reshare_request(&rq, f.client_sk, "grow", key_id, all_nodes, all_ranks, 5, 3);
    Warifu__Wire__ReshareRequest *m = wf_kf_reshare_msg(&rq);
    r = wf_kf_send_reshare(&f, CHARLIE, m);
    REQUIRE(r != NULL);
    CHECK(r->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_CONFLICT && r->error != NULL &&
          strstr(r->error, "not confirmed") != NULL);
    fprintf(stderr, "reshare while unconfirmed: %s\n", r->error);
    warifu__wire__client_response__free_unpacked(r, NULL);
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    CHECK(wf_kf_generation(&f, ALPHA, key_id) == 0 && wf_kf_generation(&f, DELTA, key_id) == 0);
    CHECK(wf_kf_generation(&f, BRAVO, key_id) == 3 && keeps_prev(BRAVO));

    /* echo honest again: the rerun brings the committee to one generation */
    wf_df_stop(&f, ECHO);
    run_only(0x1f);
    refresh_ok(CHARLIE, "refresh-2", old_nodes, 3);
    /* bravo and charlie refreshed again from their kept generation 2, echo from its current 2 */
    CHECK(wf_kf_generation(&f, BRAVO, key_id) == 3 && wf_kf_generation(&f, CHARLIE, key_id) == 3 &&
          wf_kf_generation(&f, ECHO, key_id) == 3);
    CHECK(!keeps_prev(BRAVO) && !keeps_prev(CHARLIE) && !keeps_prev(ECHO));
    CHECK(wf_df_sign_ok(&f, BRAVO, "sign-2", key_id));
}

static void test_reshare_then_refresh(void)
{
    wf_reshare_request rq;
    wf_kf_reshare_request(&rq, f.client_sk, "grow", key_id, all_nodes, all_ranks, 5, 3);
    Warifu__Wire__ReshareRequest *m = wf_kf_reshare_msg(&rq);
    uint64_t t0 = wf_df_now_ms();
    Warifu__Wire__ClientResponse *r = wf_kf_send_reshare(&f, ECHO, m);
    warifu__wire__reshare_request__free_unpacked(m, NULL);
    printf("reshare 2-of-3 -> 3-of-5: %llu ms\n", (unsigned long long)(wf_df_now_ms() - t0));
    REQUIRE(r != NULL);
    if (r->code != 0)
        fprintf(stderr, "reshare: %s\n", r->error);
    REQUIRE(r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY);
    CHECK(memcmp(r->key->public_key.data, pub, 33) == 0 && r->key->threshold == 3 &&
          r->key->n_committee == 5);
    warifu__wire__client_response__free_unpacked(r, NULL);
    for (size_t i = 0; i < N; i++)
        CHECK(wf_kf_generation(&f, i, key_id) != 0 && !keeps_prev(i));
    uint64_t before[N];
    for (size_t i = 0; i < N; i++)
        before[i] = wf_kf_generation(&f, i, key_id);

    /* alpha is a member now: it coordinates a refresh among all five */
    refresh_ok(ALPHA, "refresh-3", all_nodes, 5);
    for (size_t i = 0; i < N; i++) {
        CHECK(wf_kf_generation(&f, i, key_id) == before[i] + 1);
        CHECK(!keeps_prev(i));
    }

    /* two different authorised sets, each alone */
    run_only((1u << ALPHA) | (1u << BRAVO) | (1u << CHARLIE));
    CHECK(wf_df_sign_ok(&f, ALPHA, "sign-abc", key_id));
    run_only((1u << BRAVO) | (1u << DELTA) | (1u << ECHO));
    CHECK(wf_df_sign_ok(&f, DELTA, "sign-bde", key_id));
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_peer_redial_ms = 200; /* restarted nodes are redialled at once */
    wf_df_setup(&f, N, 3, all_ranks);
    for (size_t i = 0; i < f.n; i++)
        start(i, NULL);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    uint64_t t0 = wf_df_now_ms();
    test_committee_refresh();
    test_unconfirmed_refresh_blocks_reshare();
    test_reshare_then_refresh();
    printf("lifecycle total: %llu ms\n", (unsigned long long)(wf_df_now_ms() - t0));
    wf_df_teardown(&f);
    return wf_check_summary("test_daemon_lifecycle");
}

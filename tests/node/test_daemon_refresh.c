/* Proactive key refresh through the daemon (node/refresh.h), a 2-of-3
 * cluster (ranks 0, 0, 1) in one process, the keeper pooling presignatures
 * for scenario 1:
 *   1. keygen, sign; the keeper pools presignatures; refresh: the same
 *      public key and xpub, generation 2 on every node, every presignature
 *      pooled before is gone right after and the pool refills with new ones;
 *      signatures verify (libsecp256k1) through every node; the same request
 *      id again refreshes nothing;
 *   2. malformed, forged, expired, unauthorised, unknown-key requests are
 *      refused with their codes and change nothing;
 *   3. a cheating member (a bad Πmod in refresh) is named in the answer and
 *      in every honest node's audit log, and no node switched; a rerun
 *      without the cheat succeeds;
 *   4. a member left running a refresh its coordinator gave up on takes
 *      the same request's next start at once (superseded());
 *   5. a member that stops just before its commit (the others commit): the
 *      members disagree, a signing set mixing generations is refused with an
 *      error naming both, and a rerun (the same request id) brings every node
 *      to one new generation, after which every signing set signs.
 * Not under valgrind (NNG). */
#include <pthread.h>
#include <sodium.h>

#include "protocol/refresh.h"
#include "store/audit.h"
#include "store/presig_pool.h"
#include "tests/node/daemon_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2
#define N       3

static wf_df f;
static uint8_t key_id[32];

/* Fixture Paillier keys for aux-info and every refresh: node i's k-th call
 * takes pair i + N·(k mod 4) (the fixture file has 12 pairs), so moduli stay
 * distinct among the members of any one session. */
static unsigned paillier_calls[N];
static wf_paillier_sk *rotating_paillier(void *ctx, unsigned bits)
{
    unsigned i = (unsigned)(uintptr_t)ctx;
    unsigned k = __atomic_fetch_add(&paillier_calls[i], 1, __ATOMIC_SEQ_CST);
    return wf_test_paillier_sk(bits, i + N * (k % 4));
}

/* keygen and refresh sessions: 60 s (the keygen took over 30 s on a machine
 * at load 26, and timed out); no scenario waits one out */
static unsigned session_timeout_ms[N] = {60000, 60000, 60000};

/* The keeper pools presignatures (low 1, high 2 per signing set: alpha, in
 * two sets, holds up to four) for scenario 1, which checks the pool across a
 * refresh (two pooled before, none of them after, two new ones refilled).
 * The later scenarios need no pool (their signatures presign inline), so the
 * nodes (re)started after it run without one: no background presigns
 * competing with their refreshes for the CPU, holding up a refresh's drain,
 * or left running when a node is stopped. */
static int keeper_on = 1;

static void start(size_t i, const char *fault_protocol, uint32_t kind)
{
    wf_daemon_cfg cfg = wf_df_cfg(&f, i);
    cfg.paillier_source = rotating_paillier;
    cfg.keygen_timeout_ms = session_timeout_ms[i];
    cfg.presig_low = keeper_on ? 1 : 0;
    cfg.presig_high = keeper_on ? 2 : 0;
    if (fault_protocol != NULL) {
        cfg.fault_protocol = fault_protocol;
        cfg.fault.kind = kind;
        cfg.fault.victim = WF_TO_BROADCAST;
        cfg.allow_test_faults = 1;
    }
    wf_df_start(&f, i, &cfg);
}

static void restart(size_t i, const char *fault_protocol, uint32_t kind)
{
    wf_df_stop(&f, i);
    start(i, fault_protocol, kind);
}

/* ---- requests ---- */

static void refresh_request(wf_refresh_request *r, const char *rid, const uint8_t kid[32], int64_t ttl_ms,
                            const uint8_t *sk)
{
    memset(r, 0, sizeof *r);
    r->request_id_len = strlen(rid);
    memcpy(r->request_id, rid, r->request_id_len);
    memcpy(r->key_id, kid, 32);
    r->expiry_ms = (uint64_t)((int64_t)wf_df_now_ms() + ttl_ms);
    REQUIRE(wf_refresh_request_sign(r, sk) == WF_OK);
}

static Warifu__Wire__ClientResponse *send_refresh(size_t node, const wf_refresh_request *r)
{
    Warifu__Wire__ClientResponse *resp = wf_df_send_refresh(&f, node, r);
    REQUIRE(resp != NULL);
    return resp;
}

/* The answer of node to r: its code (the key, if OK, into *key). */
static int answer(size_t node, const wf_refresh_request *r, Warifu__Wire__KeyInfo **key, char *error,
                  size_t cap)
{
    Warifu__Wire__ClientResponse *resp = send_refresh(node, r);
    int code = resp->code;
    if (error != NULL)
        snprintf(error, cap, "%s", resp->error);
    if (code != 0)
        fprintf(stderr, "refresh via %s: %s\n", wf_df_names[node], resp->error);
    if (key != NULL && code == 0 && resp->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY) {
        *key = resp->key;
        resp->key = NULL; /* ours now */
        resp->body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY__NOT_SET;
    }
    warifu__wire__client_response__free_unpacked(resp, NULL);
    return code;
}

/* A refresh through node; its answer's code (the key, if OK, into *key). */
static int refresh(size_t node, const char *rid, Warifu__Wire__KeyInfo **key, char *error, size_t cap)
{
    wf_refresh_request r;
    refresh_request(&r, rid, key_id, 60000, f.client_sk);
    return answer(node, &r, key, error, cap);
}

/* refresh(), the same signed request sent again (as a client retries)
 * while the node answers UNAVAILABLE (a peer link still coming back after a
 * restart, a member still busy with an earlier start). */
static int refresh_retrying(size_t node, const char *rid, Warifu__Wire__KeyInfo **key, char *error,
                            size_t cap)
{
    wf_refresh_request r;
    refresh_request(&r, rid, key_id, 120000, f.client_sk);
    int code = WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE;
    for (int i = 0; i < 30 && code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE; i++) {
        if (i > 0)
            wf_df_sleep_ms(500);
        code = answer(node, &r, key, error, cap);
    }
    return code;
}

/* wf_df_sign_ok, asked again for up to 15 s: a member that refused a
 * presign during the refresh may be left out of quorums for a few seconds. */
static int sign_retrying(size_t node, const char *rid)
{
    for (int i = 0; i < 15; i++) {
        if (wf_df_sign_ok(&f, node, rid, key_id))
            return 1;
        wf_df_sleep_ms(1000);
    }
    return 0;
}

/* Node i's generation of the key (its status), 0 if it cannot tell. */
static uint64_t generation(size_t i)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest st = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &st;
    Warifu__Wire__ClientResponse *r = wf_df_call(&f, i, &req, 10000);
    uint64_t g = 0;
    if (r != NULL && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS)
        for (size_t k = 0; k < r->status->n_keys; k++)
            if (r->status->keys[k]->key_id.len == 32 &&
                memcmp(r->status->keys[k]->key_id.data, key_id, 32) == 0)
                g = r->status->keys[k]->generation;
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    return g;
}

static int all_at(uint64_t g)
{
    int ok = 1;
    for (size_t i = 0; i < N; i++)
        if (generation(i) != g) {
            fprintf(stderr, "%s holds generation %llu, not %llu\n", wf_df_names[i],
                    (unsigned long long)generation(i), (unsigned long long)g);
            ok = 0;
        }
    return ok;
}

/* ---- node stores, read-only while the daemons run ---- */

static wf_store *open_ro(size_t i)
{
    char dir[WF_CF_PATH + 8];
    snprintf(dir, sizeof dir, "%s/store", f.dirs[i]);
    wf_store_unlock u = {.key_file = f.key_files[i]};
    wf_store *s = NULL;
    REQUIRE(wf_store_open_readonly(&s, dir, &u) == WF_OK);
    return s;
}

#define MAX_IDS 64

/* Every pooled presignature id of the key on node i. */
static size_t pooled_ids(size_t i, uint8_t ids[MAX_IDS][32])
{
    wf_store *s = open_ro(i);
    wf_store_pool_depth pools[8];
    size_t np = 0, total = 0;
    CHECK_OK(wf_store_presig_pools(s, key_id, pools, 8, &np));
    for (size_t p = 0; p < np && total < MAX_IDS; p++) {
        size_t got = 0;
        CHECK_OK(wf_store_presig_pick_n(s, key_id, pools[p].signers, ids + total, MAX_IDS - total, &got));
        total += got;
    }
    wf_store_close(s);
    return total;
}

typedef struct audit_count {
    const char *kind, *needle;
    int n;
} audit_count;

static int count_entry(const wf_audit_entry *e, void *ctx)
{
    audit_count *c = ctx;
    if (strcmp(e->kind, c->kind) == 0 && (c->needle == NULL || strstr(e->text, c->needle) != NULL))
        c->n++;
    return 0;
}

/* Audit records of node i of `kind` whose text holds needle (NULL: any). */
static int audits(size_t i, const char *kind, const char *needle)
{
    wf_store *s = open_ro(i);
    audit_count c = {kind, needle, 0};
    CHECK_OK(wf_store_audit_each(s, count_entry, &c));
    wf_audit_report rep;
    CHECK_OK(wf_store_audit_verify(s, &rep));
    CHECK(rep.first_bad == 0 && rep.problem[0] == '\0');
    wf_store_close(s);
    return c.n;
}

static int wait_pooled(size_t i, size_t at_least, unsigned ms)
{
    uint8_t ids[MAX_IDS][32];
    for (unsigned waited = 0; waited < ms; waited += 200) {
        if (pooled_ids(i, ids) >= at_least)
            return 1;
        wf_df_sleep_ms(200);
    }
    return 0;
}

/* Waits (up to 8 s: a commit and a confirmation set the gauge) until node i's
 * warifu_key_previous_generation_kept for the key is want. */
static int wait_prev_kept(size_t i, double want)
{
    char kid[65], series[160];
    for (size_t b = 0; b < 32; b++)
        snprintf(kid + 2 * b, 3, "%02x", key_id[b]);
    snprintf(series, sizeof series, "warifu_key_previous_generation_kept{key_id=\"%s\"}", kid);
    for (int w = 0; w < 40; w++) {
        if (wf_df_metric(&f, i, series) == want)
            return 1;
        wf_df_sleep_ms(200);
    }
    fprintf(stderr, "%s: %s is %g, not %g\n", wf_df_names[i], series, wf_df_metric(&f, i, series), want);
    return 0;
}

/* ---- the scenarios ---- */

static Warifu__Wire__KeyInfo *key_before;

static void honest_refresh(void)
{
    CHECK(wf_df_sign_ok(&f, ALPHA, "before-refresh", key_id));
    REQUIRE(wait_pooled(ALPHA, 2, 60000));
    uint8_t before[MAX_IDS][32], after[MAX_IDS][32];
    size_t n_before = pooled_ids(ALPHA, before);
    CHECK(n_before >= 2);

    Warifu__Wire__KeyInfo *k = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(refresh(BRAVO, "refresh-1", &k, NULL, 0) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("refresh of a 2-of-3 key: %.2f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    REQUIRE(k != NULL);
    CHECK(k->generation == 2);
    CHECK(k->public_key.len == 33 && memcmp(k->public_key.data, key_before->public_key.data, 33) == 0);
    CHECK(strcmp(k->xpub, key_before->xpub) == 0);
    warifu__wire__key_info__free_unpacked(k, NULL);
    CHECK(all_at(2));

    /* none of the presignatures pooled before survives anywhere */
    for (size_t i = 0; i < N; i++) {
        size_t n_after = pooled_ids(i, after);
        for (size_t a = 0; a < n_after; a++)
            for (size_t b = 0; b < n_before; b++)
                CHECK(memcmp(after[a], before[b], 32) != 0);
    }
    for (size_t i = 0; i < N; i++)
        CHECK(sign_retrying(i, i == 0 ? "after-1a" : i == 1 ? "after-1b" : "after-1c"));
    /* the keeper refills with new presignatures, and they sign */
    CHECK(wait_pooled(ALPHA, 2, 60000));
    size_t n_after = pooled_ids(ALPHA, after);
    for (size_t a = 0; a < n_after; a++)
        for (size_t b = 0; b < n_before; b++)
            CHECK(memcmp(after[a], before[b], 32) != 0);
    CHECK(wf_df_sign_ok(&f, ALPHA, "after-1-pooled", key_id));

    /* the same request id: the key as it is, no second refresh */
    k = NULL;
    CHECK(refresh(CHARLIE, "refresh-1", &k, NULL, 0) == 0);
    CHECK(k != NULL && k->generation == 2);
    if (k != NULL)
        warifu__wire__key_info__free_unpacked(k, NULL);
    CHECK(all_at(2));
    for (size_t i = 0; i < N; i++)
        CHECK(audits(i, "refresh", "generation=2") == 1);
}

static void bad_requests(void)
{
    wf_refresh_request r;
    Warifu__Wire__ClientResponse *resp;

    /* malformed: a 31-byte key id */
    Warifu__Wire__RefreshRequest m = WARIFU__WIRE__REFRESH_REQUEST__INIT;
    uint8_t junk[64] = {0};
    m.request_id = (ProtobufCBinaryData){4, (uint8_t *)"junk"};
    m.key_id = (ProtobufCBinaryData){31, junk};
    m.client_id = (ProtobufCBinaryData){32, junk};
    m.signature = (ProtobufCBinaryData){64, junk};
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_REFRESH;
    req.refresh = &m;
    resp = wf_df_call(&f, ALPHA, &req, 10000);
    REQUIRE(resp != NULL);
    CHECK(resp->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST);
    warifu__wire__client_response__free_unpacked(resp, NULL);

    /* forged: the signature does not cover the bytes sent */
    refresh_request(&r, "forged", key_id, 60000, f.client_sk);
    r.expiry_ms += 1;
    resp = send_refresh(ALPHA, &r);
    CHECK(resp->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED);
    warifu__wire__client_response__free_unpacked(resp, NULL);

    /* expired */
    refresh_request(&r, "expired", key_id, -1000, f.client_sk);
    resp = send_refresh(BRAVO, &r);
    CHECK(resp->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_EXPIRED);
    warifu__wire__client_response__free_unpacked(resp, NULL);

    /* unauthorised: a client the policy does not know */
    uint8_t pk[32], *sk = wf_secure_alloc(64);
    REQUIRE(sk != NULL);
    crypto_sign_keypair(pk, sk);
    refresh_request(&r, "stranger", key_id, 60000, sk);
    wf_secure_free(sk);
    resp = send_refresh(CHARLIE, &r);
    CHECK(resp->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_DENIED);
    warifu__wire__client_response__free_unpacked(resp, NULL);

    /* an unknown key */
    uint8_t other[32];
    memset(other, 7, sizeof other);
    refresh_request(&r, "unknown-key", other, 60000, f.client_sk);
    resp = send_refresh(ALPHA, &r);
    CHECK(resp->code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND);
    warifu__wire__client_response__free_unpacked(resp, NULL);

    CHECK(all_at(2));
    for (size_t i = 0; i < N; i++)
        CHECK(audits(i, "refresh", NULL) == 1);
}

static void cheater(void)
{
    restart(ALPHA, WF_REFRESH_PROTOCOL, WF_REFRESH_FAULT_BAD_MOD);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    char error[256];
    CHECK(refresh_retrying(BRAVO, "refresh-cheat", NULL, error, sizeof error) ==
          WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_ABORTED);
    CHECK(strstr(error, "node 0 (alpha) cheated") != NULL);
    CHECK(all_at(2));
    CHECK(audits(BRAVO, "abort", "protocol=refresh ") >= 1 &&
          audits(BRAVO, "abort", "culprit=0 (alpha)") >= 1);
    CHECK(audits(CHARLIE, "abort", "protocol=refresh ") >= 1 &&
          audits(CHARLIE, "abort", "culprit=0 (alpha)") >= 1);
    /* the honest nodes still sign at generation 2 */
    CHECK(sign_retrying(BRAVO, "after-cheat"));

    /* alpha honest again, bravo and charlie forget its exclusion: a rerun */
    restart(ALPHA, NULL, 0);
    restart(BRAVO, NULL, 0);
    restart(CHARLIE, NULL, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    CHECK(refresh_retrying(CHARLIE, "refresh-2", NULL, NULL, 0) == 0);
    CHECK(all_at(3));
    CHECK(sign_retrying(ALPHA, "after-2"));
}

/* A member left running a refresh its coordinator gave up on: charlie
 * refuses the refresh (a test fault, as a member still busy with the key
 * does), so bravo's run ends at once, while alpha, which accepted, waits up
 * to 120 s for charlie's first message. The client sends the same request
 * again once charlie accepts: alpha drops the stale run for the newer start
 * of the same request from the same coordinator, and the refresh succeeds
 * at once (before, alpha refused it as "already running" until its 120 s
 * were up). */
static void superseded(void)
{
    session_timeout_ms[ALPHA] = 120000;
    restart(ALPHA, NULL, 0);
    restart(CHARLIE, WF_REFRESH_REFUSE, 1);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    REQUIRE(sign_retrying(BRAVO, "before-superseded")); /* every link carries messages again */

    wf_refresh_request r;
    refresh_request(&r, "refresh-4", key_id, 120000, f.client_sk);
    char error[256] = "";
    int code = WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE;
    for (int i = 0; i < 20 && strstr(error, "test fault") == NULL; i++) {
        if (i > 0)
            wf_df_sleep_ms(500); /* while a restarted link comes back */
        code = answer(BRAVO, &r, NULL, error, sizeof error);
    }
    CHECK(code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE);
    CHECK(strstr(error, "charlie refused: test fault") != NULL);
    CHECK(all_at(3));

    restart(CHARLIE, NULL, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    uint64_t t0 = wf_df_now_ms();
    code = WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE;
    for (int i = 0; i < 6 && code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE; i++) {
        if (i > 0)
            wf_df_sleep_ms(500); /* only while charlie's links come back */
        code = answer(BRAVO, &r, NULL, error, sizeof error);
    }
    uint64_t took = wf_df_now_ms() - t0;
    printf("the same refresh again, alpha's stale run replaced: %llu ms\n", (unsigned long long)took);
    CHECK(code == 0);
    CHECK(took < 60000); /* alpha's stale run would have held the key for 120 s */
    CHECK(all_at(4));
    CHECK(sign_retrying(CHARLIE, "after-superseded"));

    session_timeout_ms[ALPHA] = 60000;
    restart(ALPHA, NULL, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
}

static void crash_before_commit(void)
{
    restart(CHARLIE, WF_REFRESH_CRASH_BEFORE_COMMIT, 1);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    char error[256];
    CHECK(refresh_retrying(ALPHA, "refresh-3", NULL, error, sizeof error) != 0);
    CHECK(strstr(error, "charlie") != NULL);
    CHECK(generation(ALPHA) == 5 && generation(BRAVO) == 5 && generation(CHARLIE) == 4);
    /* alpha and bravo keep generation 4 sealed, and say so */
    CHECK(wait_prev_kept(ALPHA, 1) && wait_prev_kept(BRAVO, 1));

    /* the only signing set mixes generations: refused, naming both */
    wf_df_stop(&f, BRAVO);
    uint8_t digest[32] = {3};
    wf_sign_request sr;
    wf_df_sign_request(&f, &sr, "mixed", key_id, digest, NULL, 0);
    Warifu__Wire__ClientResponse *r = NULL;
    for (int i = 0; i < 50 && (r == NULL || strstr(r->error, "generation") == NULL); i++) {
        if (r != NULL)
            warifu__wire__client_response__free_unpacked(r, NULL);
        wf_df_sleep_ms(200); /* until alpha sees bravo gone */
        r = wf_df_send_sign(&f, ALPHA, &sr);
    }
    REQUIRE(r != NULL);
    CHECK(r->code != 0 && strstr(r->error, "generation mismatch") != NULL);
    fprintf(stderr, "mixed generations: %s\n", r->error);
    warifu__wire__client_response__free_unpacked(r, NULL);

    /* recovery: charlie honest again, the same request id reruns from the
     * generation alpha and bravo kept */
    start(BRAVO, NULL, 0);
    restart(CHARLIE, NULL, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    Warifu__Wire__KeyInfo *k = NULL;
    CHECK(refresh_retrying(ALPHA, "refresh-3", &k, NULL, 0) == 0);
    CHECK(k != NULL && k->generation == 5);
    CHECK(k != NULL && memcmp(k->public_key.data, key_before->public_key.data, 33) == 0);
    if (k != NULL)
        warifu__wire__key_info__free_unpacked(k, NULL);
    CHECK(all_at(5));
    CHECK(wait_prev_kept(ALPHA, 0) && wait_prev_kept(CHARLIE, 0));
    CHECK(sign_retrying(CHARLIE, "after-3c"));
    wf_df_stop(&f, BRAVO); /* {alpha, charlie}: the set that was refused */
    CHECK(sign_retrying(ALPHA, "after-3a"));
    CHECK(audits(ALPHA, "refresh", "from=previous") == 1);
}

static double t_start;
static double elapsed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - t_start;
}

int main(void)
{
    t_start = elapsed();
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_peer_redial_ms = 200; /* restarted nodes are redialled at once */
    wf_df_setup(&f, N, 2, (const uint32_t[]){0, 0, 1});
    for (size_t i = 0; i < N; i++)
        start(i, NULL, 0);
    REQUIRE(wf_df_wait_ready(&f, 15000));
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, CHARLIE, "key-1", key_id);
    REQUIRE(r != NULL && r->code == 0 && r->key != NULL);
    CHECK(r->key->generation == 1);
    key_before = r->key;
    r->key = NULL;
    r->body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY__NOT_SET;
    warifu__wire__client_response__free_unpacked(r, NULL);

    honest_refresh();
    printf("%.1f s: honest_refresh done\n", elapsed());
    keeper_on = 0;
    bad_requests();
    printf("%.1f s: bad_requests done\n", elapsed());
    cheater();
    printf("%.1f s: cheater done\n", elapsed());
    superseded();
    printf("%.1f s: superseded done\n", elapsed());
    crash_before_commit();
    printf("%.1f s: crash_before_commit done\n", elapsed());

    warifu__wire__key_info__free_unpacked(key_before, NULL);
    wf_df_teardown(&f);
    return wf_check_summary("test_daemon_refresh");
}

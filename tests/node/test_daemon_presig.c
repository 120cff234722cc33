/* Pooled presignatures under concurrent coordinators. Every member of a
 * signing set holds the set's pool; two coordinators serving different
 * requests at once must never both name the same presignature (the second
 * one's members refuse it as used, and the request fails or moves on).
 *
 * A 2-of-3 cluster, every rank 0; charlie makes the key with the others and
 * then stays down, so {alpha, bravo} is the one usable signing set. Alpha's
 * keeper fills that set's pool (POOL presignatures) and the two restart
 * without a keeper, so nothing refills it. Then, all at once:
 *   - POOL requests, half through alpha and half through bravo: every one
 *     signs at the first try with a pooled presignature (each coordinator
 *     uses the ones it owns: no sign session aborts, no presign runs);
 *   - with the pool empty, COLD requests the same way: each coordinator
 *     presigns on demand, and no other coordinator takes that presignature
 *     from its pool in the meantime (again no sign session aborts).
 * Every signature is checked by libsecp256k1. Not under valgrind (NNG). */
#include <pthread.h>
#include <sodium.h>

#include "tests/node/daemon_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

#define POOL 6 /* presignatures the keeper pools; even, so each member owns as many */
#define COLD 4 /* requests made with the pool empty */

static wf_df f;
static uint8_t key_id[32];

static const char *const SIGN_ABORTED = "warifu_sessions_total{protocol=\"sign\",outcome=\"aborted\"}";
static const char *const PRESIGNED = "warifu_sessions_total{protocol=\"presign\",outcome=\"done\"}";

/* A counter of node i: 0 when the series was never written. */
static double counter(size_t i, const char *series)
{
    double v = wf_df_metric(&f, i, series);
    return v < 0 ? 0 : v;
}

static double pool_depth(size_t node)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest st = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &st;
    Warifu__Wire__ClientResponse *r = wf_df_call(&f, node, &req, 10000);
    if (r == NULL || r->body_case != WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS) {
        if (r)
            warifu__wire__client_response__free_unpacked(r, NULL);
        return -1;
    }
    double total = 0;
    for (size_t k = 0; k < r->status->n_keys; k++)
        for (size_t p = 0; p < r->status->keys[k]->n_pools; p++)
            total += r->status->keys[k]->pools[p]->depth;
    warifu__wire__client_response__free_unpacked(r, NULL);
    return total;
}

/* Alpha and bravo (charlie down), presig_low = presig_high = pool. */
static void start_pair(unsigned pool)
{
    for (size_t i = ALPHA; i <= BRAVO; i++) {
        wf_daemon_cfg cfg = wf_df_cfg(&f, i);
        cfg.presig_low = pool;
        cfg.presig_high = pool;
        wf_df_start(&f, i, &cfg);
    }
    /* ready, with the one link up (wf_df_wait_ready wants every peer) */
    int up = 0;
    for (int waited = 0; !up && waited < 15000; waited += 100) {
        int a = 0, b = 0;
        free(wf_df_get(&f, ALPHA, "/readyz", &a));
        free(wf_df_get(&f, BRAVO, "/readyz", &b));
        up = a == 200 && b == 200 && wf_df_metric(&f, ALPHA, "warifu_peers_up") == 1 &&
             wf_df_metric(&f, BRAVO, "warifu_peers_up") == 1;
        if (!up)
            wf_df_sleep_ms(100);
    }
    REQUIRE(up);
}

typedef struct signer {
    size_t node;
    char id[32];
    uint8_t digest[32];
    pthread_barrier_t *go;
    int ok;
} signer;

static void *sign_main(void *arg)
{
    signer *s = arg;
    wf_sign_request sr;
    wf_df_sign_request(&f, &sr, s->id, key_id, s->digest, NULL, 0);
    pthread_barrier_wait(s->go);
    Warifu__Wire__ClientResponse *r = wf_df_send_sign(&f, s->node, &sr);
    s->ok = r != NULL && r->code == 0 && r->signature != NULL && wf_df_sig_valid(r->signature, s->digest);
    if (r != NULL && r->code != 0)
        fprintf(stderr, "%s via %s: %s\n", s->id, wf_df_names[s->node], r->error);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    return NULL;
}

/* n requests at once, alternately through alpha and bravo; how many signed. */
static size_t burst(const char *name, size_t n)
{
    signer s[POOL + COLD];
    pthread_t th[POOL + COLD];
    pthread_barrier_t go;
    REQUIRE(n <= sizeof s / sizeof s[0]);
    REQUIRE(pthread_barrier_init(&go, NULL, (unsigned)n) == 0);
    for (size_t i = 0; i < n; i++) {
        s[i].node = i % 2 ? BRAVO : ALPHA;
        snprintf(s[i].id, sizeof s[i].id, "%s-%zu", name, i);
        randombytes_buf(s[i].digest, 32);
        s[i].go = &go;
        s[i].ok = 0;
        REQUIRE(pthread_create(&th[i], NULL, sign_main, &s[i]) == 0);
    }
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        ok += (size_t)s[i].ok;
    }
    pthread_barrier_destroy(&go);
    return ok;
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 0});
    wf_df_start_all(&f);
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, ALPHA, "key-1", key_id);
    REQUIRE(r != NULL && r->code == 0);
    warifu__wire__client_response__free_unpacked(r, NULL);
    for (size_t i = 0; i < f.n; i++)
        wf_df_stop(&f, i);

    /* alpha, the set's keeper, fills the pool of {alpha, bravo} */
    start_pair(POOL);
    int full = 0;
    for (int waited = 0; !full && waited < 60000; waited += 200) {
        full = pool_depth(ALPHA) == POOL && pool_depth(BRAVO) == POOL;
        if (!full)
            wf_df_sleep_ms(200);
    }
    REQUIRE(full);
    wf_df_stop(&f, ALPHA);
    wf_df_stop(&f, BRAVO);
    start_pair(0); /* no keeper: nothing refills the pool */
    CHECK(pool_depth(ALPHA) == POOL && pool_depth(BRAVO) == POOL);

    /* the pool serves every request at the first try */
    size_t ok = burst("pooled", POOL);
    if (ok != POOL)
        fprintf(stderr, "pooled: %zu of %d signed\n", ok, POOL);
    CHECK(ok == POOL);
    CHECK(counter(ALPHA, SIGN_ABORTED) == 0 && counter(BRAVO, SIGN_ABORTED) == 0);
    if (counter(ALPHA, SIGN_ABORTED) + counter(BRAVO, SIGN_ABORTED) > 0)
        fprintf(stderr, "pooled: sign sessions aborted: alpha %.0f, bravo %.0f\n",
                counter(ALPHA, SIGN_ABORTED), counter(BRAVO, SIGN_ABORTED));
    CHECK(counter(ALPHA, PRESIGNED) == 0 && counter(BRAVO, PRESIGNED) == 0);
    CHECK(pool_depth(ALPHA) == 0 && pool_depth(BRAVO) == 0);

    /* an empty pool: presign on demand, each coordinator for itself */
    ok = burst("cold", COLD);
    if (ok != COLD)
        fprintf(stderr, "cold: %zu of %d signed\n", ok, COLD);
    CHECK(ok == COLD);
    CHECK(counter(ALPHA, SIGN_ABORTED) == 0 && counter(BRAVO, SIGN_ABORTED) == 0);
    CHECK(counter(ALPHA, PRESIGNED) == COLD && counter(BRAVO, PRESIGNED) == COLD);

    wf_df_teardown(&f);
    return wf_check_summary("test_daemon_presig");
}

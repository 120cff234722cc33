/* The Paillier key pool in the daemon (node/paillier_keeper.c). A 2-of-3
 * cluster whose nodes have no test paillier_source, so aux-info takes its
 * key from the daemon's own pool; the pool's generator is a hook returning
 * fixture keys (distinct per node and per call), so no prime search runs.
 *   - every node's keeper fills its pool to the high mark and stops there;
 *   - keygen's aux-info takes one pooled key on every node: the depth drops
 *     by one, no miss is counted, and (depth still at the low mark) nothing
 *     is generated again;
 *   - with the pool empty, aux-info counts a miss and searches primes inline;
 *   - a node generating real 2048-bit keys stops at once: the prime search
 *     is cancelled, not waited for;
 *   - a malformed presig policy file stops the start, naming the line.
 * Not under valgrind (NNG). */
#include <stdatomic.h>

#include "tests/node/daemon_fixture.h"

#define LOW      1
#define HIGH     2
#define PER_NODE 4 /* fixture pairs each node's generator may hand out (12 pairs of 1024-bit primes) */

static wf_df f;

typedef struct gen {
    unsigned node;
    atomic_uint next;
} gen;
static gen gens[3];

static wf_err fixture_generate(void *ctx, unsigned bits, const volatile int *cancel, wf_paillier_sk **out)
{
    gen *g = ctx;
    (void)cancel;
    unsigned i = atomic_fetch_add(&g->next, 1);
    if (i >= PER_NODE)
        return WF_ERR_INTERNAL;
    *out = wf_test_paillier_sk(bits, g->node * PER_NODE + i);
    return *out != NULL ? WF_OK : WF_ERR_INTERNAL;
}

static const char DEPTH[] = "warifu_paillier_pool_depth{bits=\"2048\"}";

static double metric(size_t i, const char *series)
{
    return wf_df_metric(&f, i, series);
}

static wf_daemon_cfg pool_cfg(size_t i)
{
    wf_daemon_cfg cfg = wf_df_cfg(&f, i);
    cfg.paillier_source = NULL;
    cfg.paillier_ctx = NULL;
    cfg.paillier_pool_low = LOW;
    cfg.paillier_pool_high = HIGH;
    cfg.paillier_generate = fixture_generate;
    cfg.paillier_generate_ctx = &gens[i];
    return cfg;
}

/* What node i's Status says about its Paillier pool. */
static int status_pool(size_t i, unsigned *bits, unsigned *pooled)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest st = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &st;
    Warifu__Wire__ClientResponse *r = wf_df_call(&f, i, &req, 10000);
    int ok = r != NULL && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS;
    if (ok) {
        *bits = r->status->paillier_bits;
        *pooled = r->status->paillier_pool;
    }
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    return ok;
}

static void test_bad_policy_refused(void)
{
    char path[WF_CF_PATH];
    wf_cf_path(path, sizeof path, "presig.policy");
    wf_cf_write(path, "warifu-presig 1\n* * 1 2\n* 0,1 5 4\nend\n", 0644);
    wf_daemon_cfg cfg = wf_df_cfg(&f, 0);
    cfg.presig_policy_path = path;
    wf_daemon *d = NULL;
    const char *why = NULL;
    CHECK_ERR(wf_daemon_start(&d, &cfg, &why), WF_ERR_RANGE);
    CHECK(d == NULL && why != NULL && strstr(why, "line 3:") != NULL && strstr(why, path) != NULL);
    if (why != NULL)
        fprintf(stderr, "(expected) %s\n", why);
}

static void test_pool_serves_aux_info(void)
{
    for (size_t i = 0; i < f.n; i++) {
        gens[i].node = (unsigned)i;
        atomic_store(&gens[i].next, 0);
        wf_daemon_cfg cfg = pool_cfg(i);
        wf_df_start(&f, i, &cfg);
    }
    REQUIRE(wf_df_wait_ready(&f, 15000));
    int full = 0;
    for (int waited = 0; !full && waited < 30000; waited += 100) {
        full = 1;
        for (size_t i = 0; i < f.n; i++)
            full &= metric(i, DEPTH) == HIGH;
        if (!full)
            wf_df_sleep_ms(100);
    }
    CHECK(full);
    wf_df_sleep_ms(1500); /* it stays at the high mark */
    for (size_t i = 0; i < f.n; i++) {
        CHECK(metric(i, DEPTH) == HIGH);
        CHECK(metric(i, "warifu_paillier_keys_generated_total") == HIGH);
        CHECK(metric(i, "warifu_paillier_generation_seconds_total") > 0);
        CHECK(metric(i, "warifu_paillier_pool_misses_total") == 0);
    }

    uint8_t key_id[32];
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, 0, "key-pooled", key_id);
    CHECK(r != NULL && r->code == 0);
    if (r != NULL && r->code != 0)
        fprintf(stderr, "keygen: %s\n", r->error);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    wf_df_sleep_ms(1000);
    for (size_t i = 0; i < f.n; i++) {
        CHECK(metric(i, DEPTH) == HIGH - 1);
        CHECK(metric(i, "warifu_paillier_pool_misses_total") == 0);
        CHECK(metric(i, "warifu_paillier_keys_generated_total") == HIGH); /* at the low mark: no refill */
        CHECK(atomic_load(&gens[i].next) == HIGH);
        unsigned bits = 0, pooled = 0;
        CHECK(status_pool(i, &bits, &pooled) && bits == 2048 && pooled == HIGH - 1);
    }
    /* the key works: aux-info ran with the pooled keys */
    CHECK(wf_df_sign_ok(&f, 1, "after-pooled-aux", key_id));
    for (size_t i = 0; i < f.n; i++)
        wf_df_stop(&f, i);
}

/* Alpha's pool, not refilled (0/0), serves one more aux-info, then is empty:
 * the next aux-info counts a miss and searches primes inline, as without a
 * pool (one real 2048-bit key: seconds). Bravo and charlie use fixture keys. */
static void test_miss(void)
{
    wf_daemon_cfg cfg = pool_cfg(0);
    cfg.paillier_pool_low = cfg.paillier_pool_high = 0;
    wf_df_start(&f, 0, &cfg);
    for (size_t i = 1; i < f.n; i++) {
        cfg = wf_df_cfg(&f, i);
        cfg.paillier_ctx = (void *)(uintptr_t)(9 + i); /* pairs 10, 11: unused by the pools above */
        wf_df_start(&f, i, &cfg);
    }
    REQUIRE(wf_df_wait_ready(&f, 15000));
    CHECK(metric(0, DEPTH) == HIGH - 1);
    uint8_t key_id[32];
    const char *ids[] = {"key-last-pooled", "key-missed"};
    for (int k = 0; k < 2; k++) {
        Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, 0, ids[k], key_id);
        CHECK(r != NULL && r->code == 0);
        if (r != NULL)
            warifu__wire__client_response__free_unpacked(r, NULL);
        CHECK(metric(0, DEPTH) == 0);
        CHECK(metric(0, "warifu_paillier_pool_misses_total") == k);
    }
    CHECK(metric(0, "warifu_paillier_keys_generated_total") == 0); /* the inline search is not the pool's */
    CHECK(wf_df_sign_ok(&f, 2, "after-miss", key_id));
    for (size_t i = 0; i < f.n; i++)
        wf_df_stop(&f, i);
}

/* A real 2048-bit search in the background does not hold up a stop. */
static void test_stop_cancels_search(void)
{
    wf_daemon_cfg cfg = pool_cfg(0);
    cfg.paillier_generate = NULL; /* wf_paillier_keygen: seconds to minutes */
    cfg.paillier_pool_high = 4;
    wf_df_start(&f, 0, &cfg);
    wf_df_sleep_ms(500);
    CHECK(metric(0, "warifu_paillier_keys_generated_total") == 0); /* still searching */
    uint64_t t0 = wf_df_now_ms();
    wf_df_stop(&f, 0);
    uint64_t ms = wf_df_now_ms() - t0;
    fprintf(stderr, "stop during a prime search took %llu ms\n", (unsigned long long)ms);
    CHECK(ms < 3000);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_peer_redial_ms = 200; /* restarted nodes are redialled at once */
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 0});
    test_bad_policy_refused();
    test_pool_serves_aux_info();
    test_miss();
    test_stop_cancels_search();
    wf_df_teardown(&f);
    return wf_check_summary("test_daemon_paillier_pool");
}

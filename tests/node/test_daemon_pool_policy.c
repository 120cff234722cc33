/* Presignature pool policy in the daemon (issue 9). A 2-of-3 cluster, every
 * rank 0: alpha leads the signing sets {0,1} and {0,2}, bravo leads {1,2}.
 *   1. per-set water-marks: a presig policy file gives {0,1} the marks 3/3
 *      over the default 1/1; each keeper fills its sets to their own high
 *      mark and no further;
 *   2. invalidation: with the nodes down, the key is replaced in every store
 *      (what refresh and reshare do); after the restart the pool gauges read
 *      0, a signature is made with a fresh presignature, and none of the
 *      presignatures pooled before the replace was ever used;
 *   3. expiry: with a 2.5 s lifetime the keepers drop expired presignatures
 *      (warifu_presign_expired_total) and presign new ones, and signing still
 *      works. (That an expired presignature is never picked nor taken is
 *      test_presig_expiry, in the store, where that choice is made.)
 * Not under valgrind (NNG). */
#include "node/text_format.h"
#include "store/keys.h"
#include "store/presig_pool.h"
#include "tests/node/daemon_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2
#define SET01   0x3u
#define SET02   0x5u
#define SET12   0x6u
#define TTL_MS  2500u

static wf_df f;
static uint8_t key_id[32];
static char kid[17];

static double depth(size_t node, const char *signers)
{
    char series[128];
    snprintf(series, sizeof series, "warifu_presign_pool_depth{key_id=\"%s\",signers=\"%s\"}", kid, signers);
    return wf_df_metric(&f, node, series);
}

static void start_all(unsigned low, unsigned high, const char *policy, uint64_t ttl_ms)
{
    for (size_t i = 0; i < f.n; i++) {
        wf_daemon_cfg cfg = wf_df_cfg(&f, i);
        cfg.presig_low = low;
        cfg.presig_high = high;
        cfg.presig_policy_path = policy;
        cfg.presig_ttl_ms = ttl_ms;
        wf_df_start(&f, i, &cfg);
    }
    REQUIRE(wf_df_wait_ready(&f, 15000));
}

static void stop_all(void)
{
    for (size_t i = 0; i < f.n; i++)
        wf_df_stop(&f, i);
}

static wf_store *open_store(size_t i)
{
    char path[WF_CF_PATH + 16];
    snprintf(path, sizeof path, "%s/store", f.dirs[i]);
    wf_store_unlock u = {.key_file = f.key_files[i]};
    wf_store *s = NULL;
    REQUIRE(wf_store_open(&s, path, &u) == WF_OK);
    return s;
}

/* Up to max pooled ids of (key, set) in node i's store (the node is down). */
static size_t pooled(wf_store *s, uint64_t set, uint8_t (*ids)[32], size_t max)
{
    size_t n = 0;
    CHECK_OK(wf_store_presig_pick_n(s, key_id, set, ids, max, &n));
    return n;
}

static int wait_depths(double d01, double d02, double d12, unsigned ms)
{
    for (unsigned waited = 0; waited < ms; waited += 200) {
        if (depth(ALPHA, "0,1") == d01 && depth(ALPHA, "0,2") == d02 && depth(BRAVO, "1,2") == d12)
            return 1;
        wf_df_sleep_ms(200);
    }
    fprintf(stderr, "depths: alpha 0,1 = %.0f, 0,2 = %.0f; bravo 1,2 = %.0f\n", depth(ALPHA, "0,1"),
            depth(ALPHA, "0,2"), depth(BRAVO, "1,2"));
    return 0;
}

static void test_marks(void)
{
    char path[WF_CF_PATH];
    wf_cf_path(path, sizeof path, "presig.policy");
    wf_cf_write(path, "warifu-presig 1\n# the busy pair\n* 0,1 3 3\nend\n", 0644);
    start_all(1, 1, path, 0);
    CHECK(wait_depths(3, 1, 1, 90000));
    wf_df_sleep_ms(2500); /* and no further */
    CHECK(depth(ALPHA, "0,1") == 3 && depth(ALPHA, "0,2") == 1 && depth(BRAVO, "1,2") == 1);
    CHECK(depth(BRAVO, "0,1") == 3 && depth(CHARLIE, "0,2") == 1); /* the other members hold the same */
    stop_all();
}

static void test_replace(void)
{
    uint8_t before[8][32];
    size_t n_before = 0;
    wf_store *s = open_store(ALPHA);
    n_before += pooled(s, SET01, before, 8);
    n_before += pooled(s, SET02, before + n_before, 8 - n_before);
    CHECK(n_before == 4);
    wf_store_close(s);
    for (size_t i = 0; i < f.n; i++) {
        s = open_store(i);
        wf_store_key *k = NULL;
        REQUIRE(wf_store_key_get(s, key_id, &k) == WF_OK);
        CHECK_OK(wf_store_key_replace(s, k, NULL)); /* same share, next generation */
        wf_store_key_free(k);
        wf_store_close(s);
    }
    /* no refill (marks 0), but a keeper that tidies (a lifetime of an hour) */
    start_all(0, 0, NULL, 3600u * 1000u);
    CHECK(wait_depths(0, 0, 0, 10000));
    CHECK(wf_df_sign_ok(&f, ALPHA, "after-replace", key_id));
    CHECK(wf_df_metric(&f, ALPHA, "warifu_sessions_total{protocol=\"presign\",outcome=\"done\"}") == 1);
    stop_all();
    s = open_store(ALPHA);
    for (size_t i = 0; i < n_before; i++)
        CHECK(wf_store_presig_used(s, key_id, before[i]) == 0);
    uint64_t takes = 0;
    CHECK_OK(wf_store_take_count(s, &takes));
    CHECK(takes == 1);
    wf_store_close(s);
}

static void test_expiry(void)
{
    start_all(1, 1, NULL, TTL_MS);
    int dropped = 0;
    for (int waited = 0; !dropped && waited < 60000; waited += 200) {
        /* every member drops its own copies: alpha holds {0,1} and {0,2}, bravo {0,1} and {1,2} */
        dropped = wf_df_metric(&f, ALPHA, "warifu_presign_expired_total") >= 2 &&
                  wf_df_metric(&f, BRAVO, "warifu_presign_expired_total") >= 2;
        if (!dropped)
            wf_df_sleep_ms(200);
    }
    CHECK(dropped);
    CHECK(wait_depths(1, 1, 1, 30000)); /* refilled */
    CHECK(wf_df_sign_ok(&f, BRAVO, "with-expiry", key_id));
    stop_all();
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_peer_redial_ms = 200; /* restarted nodes are redialled at once */
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 0});
    wf_df_start_all(&f);
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, ALPHA, "key-policy", key_id);
    REQUIRE(r != NULL && r->code == 0);
    warifu__wire__client_response__free_unpacked(r, NULL);
    wf_hex_encode(kid, key_id, 8);
    stop_all();
    test_marks();
    test_replace();
    test_expiry();
    wf_df_teardown(&f);
    return wf_check_summary("test_daemon_pool_policy");
}

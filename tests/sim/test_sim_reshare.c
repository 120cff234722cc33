/* A reshare with a new member SIGKILLed mid-protocol, through warifu-sim: a
 * 5-node cluster of warifud processes (3-of-5, ranks 0,0,1,1,1; real
 * safe-prime search, no fixture keys, no background presigning). warifud
 * gives keygen and aux-info one deadline (`up --keygen-timeout-ms`), which
 * a member killed in aux-info makes the others wait out: the cluster runs
 * with 120 s (aux-info among five nodes took 48 s on a loaded 2-core box),
 * and is brought down and up again on its stores with a shorter one for the
 * killed reshare only. That one must still outlast the four survivors'
 * prime search (the deadline counts from before it; a survivor finishing
 * its search past the deadline fails "waiting for 4 parties", not for the
 * killed n4): three times the committee's keygen (three nodes' search,
 * measured on the machine as loaded now), 25-60 s.
 *   1. `keygen --members n1,n2,n3 --threshold 2 --ranks 0,0,1`: only n1..n3
 *      hold the key, 2-of-3; it signs (through n4, which holds nothing and
 *      passes the request on);
 *   2. `reshare --members n1,..,n5 --threshold 3 --ranks 0,0,1,1,1 --kill n4
 *      --after-ms 2000`. The reshare's own rounds take ~0.1 s, its aux-info
 *      (prime search on five nodes) 15-40 s, so the kill lands in aux-info:
 *      the request fails (exit 1) and — node/reshare_coord.c stores the new
 *      shares before aux-info — every reachable node is on the new 3-of-5
 *      record, none on the old one (no mix), and the key does not sign
 *      until the aux-info is rerun: a sign is refused, never answered with a
 *      wrong signature. Should the kill land before the reshare's rounds
 *      (a refusal naming n4), the old committee must be untouched at
 *      2-of-3, n4 and n5 hold nothing, and it still signs; should it land
 *      after (exit 0), every node but n4 is on the new record and signs;
 *   3. `start n4`; the cluster down and up again with the long timeout
 *      (every node with its store), and the same request again, with
 *      `load` through n1..n3 beside it: it succeeds, every node holds the 3-of-5 record with the
 *      public key and xpub unchanged; the load saw no bad signature;
 *   4. only n2, n4, n5 running (one officer): a signature verifies under the
 *      key (libsecp256k1); only n3, n4, n5 (operators alone): refused.
 * Not under valgrind (processes). */
#include <pthread.h>

#include "crypto/secmem.h"
#include "simulator/load.h"
#include "simulator/sim_client.h"
#include "tests/sim/sim_fixture.h"

#define N1 0
#define N2 1
#define N3 2
#define N4 3
#define N5 4

#define TIMEOUT_MS "120000" /* keygen and aux-info: the committee's keygen, the rerun */

static double keygen_s; /* the committee's keygen (n1..n3): sets the killed reshare's deadline */

static char dir[128];
static wf_sim_layout L;
static wf_client *C;
static wf_client_key KEY;
static secp256k1_context *secp;

/* `warifu-sim up` (a new cluster, or the one in dir again with its
 * stores), its aux-info and keygen given keygen_timeout_ms. */
static int up(const char *keygen_timeout_ms)
{
    const char *args[] = {"up",
                          "--dir",
                          dir,
                          "--nodes",
                          "5",
                          "--threshold",
                          "3",
                          "--ranks",
                          "0,0,1,1,1",
                          "--no-latency",
                          "--presig-low",
                          "0",
                          "--presig-high",
                          "0",
                          "--keygen-timeout-ms",
                          keygen_timeout_ms,
                          NULL};
    return wf_simt_run(args);
}

/* The cluster down and up again on its stores with another timeout. */
static void restart_cluster(const char *keygen_timeout_ms)
{
    const char *down[] = {"down", "--dir", dir, NULL};
    double t = wf_simt_now_s();
    CHECK(wf_simt_run(down) == 0);
    REQUIRE(up(keygen_timeout_ms) == 0);
    CHECK(wf_sim_wait_linked(&L, C, 0x1f, 30000));
    fprintf(stderr, "down and up with --keygen-timeout-ms %s: %.1f s\n", keygen_timeout_ms,
            wf_simt_now_s() - t);
}

static wf_client_outcome sign_via(size_t k, int *verified, wf_client_result *res)
{
    return wf_simt_sign_via(secp, &L, C, &KEY, k, verified, res);
}

static int signs_via(size_t k)
{
    return wf_simt_signs_via(secp, &L, C, &KEY, k);
}

/* Every node's view; the mask of the nodes holding a t-of-n record (0, 0:
 * any), each with the key's public key and xpub. */
static uint32_t holding(wf_sim_view views[WF_SIM_MAX_NODES], uint32_t t, uint32_t n)
{
    uint32_t held = wf_sim_views(&L, C, KEY.key_id, 10000, views), mask = 0;
    CHECK(wf_sim_views_print(&L, views, &KEY));
    for (size_t k = 0; k < L.n; k++)
        if ((held & (1u << k)) && (t == 0 || (views[k].key.threshold == t && views[k].key.members == n)))
            mask |= 1u << k;
    return mask;
}

static int no_share(const wf_sim_view *v)
{
    return v->outcome == WF_CLIENT_NODE_ERROR &&
           v->res.code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND;
}

/* Load through the old committee, beside the rerun. */
typedef struct load_run {
    wf_load_node nodes[3];
    wf_load_cfg cfg;
    wf_load_summary sum;
    wf_err err;
} load_run;

static void *load_main(void *arg)
{
    load_run *r = arg;
    const char *why = NULL;
    r->err = wf_load_run(&r->cfg, &r->sum, &why);
    if (r->err != WF_OK)
        fprintf(stderr, "load: %s\n", why);
    return NULL;
}

static void load_start(load_run *r, pthread_t *th)
{
    memset(r, 0, sizeof *r);
    for (size_t k = 0; k < 3; k++)
        r->nodes[k] = (wf_load_node){L.nodes[k].name, L.nodes[k].client_url, L.nodes[k].cert};
    r->cfg = (wf_load_cfg){.nodes = r->nodes,
                           .n_nodes = 3,
                           .client_dir = L.client_dir,
                           .rate = 2,
                           .duration_s = 6,
                           .concurrency = 8,
                           .expiry_s = 40};
    memcpy(r->cfg.key_id, KEY.key_id, WF_ID_BYTES);
    REQUIRE(pthread_create(th, NULL, load_main, r) == 0);
}

static void test_committee_key(void)
{
    const char *keygen[] = {"keygen",   "--dir",       dir, "--request-id", "sim-reshare-key", "--members",
                            "n1,n2,n3", "--threshold", "2", "--ranks",      "0,0,1",           NULL};
    double t = wf_simt_now_s();
    REQUIRE(wf_simt_run(keygen) == 0);
    keygen_s = wf_simt_now_s() - t;
    wf_sim_outcome o;
    REQUIRE(wf_sim_key(&L, C, NULL, &KEY, &o) == WF_CLIENT_SUCCEEDED);
    CHECK(KEY.threshold == 2 && KEY.members == 3 && KEY.generation == 1);
    wf_sim_view v[WF_SIM_MAX_NODES];
    CHECK(holding(v, 2, 3) == 0x07);
    CHECK(no_share(&v[N4]) && no_share(&v[N5]));
    /* the sim's sign passes n4 (no share) and n5 on to n1 */
    wf_client_signature sig;
    uint8_t digest[32];
    randombytes_buf(digest, sizeof digest);
    CHECK(wf_sim_sign(&L, C, &KEY, NULL, 0, digest, NULL, N4, &sig, &o) == WF_CLIENT_SUCCEEDED);
    CHECK(o.served_by == N1 && o.tries == 3 && wf_simt_verifies(secp, KEY.public_key, digest, &sig));
    CHECK(signs_via(N3));
}

static void test_killed_reshare(void)
{
    char killed_timeout[16];
    double ms = 3 * 1000 * keygen_s;
    snprintf(killed_timeout, sizeof killed_timeout, "%.0f", ms < 25000 ? 25000 : ms > 60000 ? 60000 : ms);
    restart_cluster(killed_timeout);
    const char *killed[] = {
        "reshare",   "--dir",          dir,           "--node", "n1",      "--request-id", "sim-reshare-1",
        "--members", "n1,n2,n3,n4,n5", "--threshold", "3",      "--ranks", "0,0,1,1,1",    "--kill",
        "n4",        "--after-ms",     "2000",        NULL};
    double t = wf_simt_now_s();
    int rc = wf_simt_run(killed);
    fprintf(stderr, "reshare with n4 killed: exit %d, %.1f s\n", rc, wf_simt_now_s() - t);
    wf_sim_view v[WF_SIM_MAX_NODES];
    uint32_t old = holding(v, 2, 3), any = wf_sim_views(&L, C, KEY.key_id, 10000, v);
    uint32_t now = holding(v, 3, 5);
    CHECK(!(any & (1u << N4)) && v[N4].outcome == WF_CLIENT_NO_ANSWER); /* killed */
    CHECK(old == 0 || now == 0); /* no mix of records among the reachable nodes */
    if (old != 0) {
        fprintf(stderr, "the kill landed before the reshare's rounds\n");
        CHECK(rc == 1 && old == 0x07 && no_share(&v[N5]));
        CHECK(signs_via(N2));
    } else if (rc == 0) {
        fprintf(stderr, "the kill landed after the reshare\n");
        CHECK(now == 0x17);
        CHECK(signs_via(N1));
    } else {
        fprintf(stderr, "the kill landed in the new committee's aux-info\n");
        CHECK(now == 0x17 && any == 0x17);
        int ok = 0;
        wf_client_result res;
        CHECK(sign_via(N1, &ok, &res) == WF_CLIENT_NODE_ERROR); /* a refusal, never a signature */
        CHECK(!ok);
    }
}

static void test_rerun(void)
{
    wf_simt_ctl(&L, "start n4");
    CHECK(wf_sim_wait_linked(&L, C, 0x1f, 30000));
    restart_cluster(TIMEOUT_MS); /* the rerun's aux-info gets the long deadline */
    load_run lr;
    pthread_t th;
    load_start(&lr, &th);
    const char *rerun[] = {
        "reshare",   "--dir",          dir,           "--node", "n1",      "--request-id", "sim-reshare-1",
        "--members", "n1,n2,n3,n4,n5", "--threshold", "3",      "--ranks", "0,0,1,1,1",    NULL};
    double t = wf_simt_now_s();
    CHECK(wf_simt_run(rerun) == 0);
    fprintf(stderr, "reshare rerun: %.1f s\n", wf_simt_now_s() - t);
    pthread_join(th, NULL);
    CHECK(lr.err == WF_OK);
    fprintf(stderr, "load beside it: %llu requests, %llu ok, %llu failed (unavailable %llu, aborted %llu)\n",
            (unsigned long long)lr.sum.requests, (unsigned long long)lr.sum.ok,
            (unsigned long long)lr.sum.failed, (unsigned long long)lr.sum.failures[WF_LOAD_UNAVAILABLE],
            (unsigned long long)lr.sum.failures[WF_LOAD_ABORTED]);
    CHECK(lr.sum.failures[WF_LOAD_BAD_SIGNATURE] == 0 && lr.sum.failures[WF_LOAD_BAD_ANSWER] == 0);
    wf_sim_view v[WF_SIM_MAX_NODES];
    CHECK(holding(v, 3, 5) == 0x1f);
    wf_client_key after;
    wf_sim_outcome o;
    CHECK(wf_sim_key(&L, C, NULL, &after, &o) == WF_CLIENT_SUCCEEDED);
    CHECK(memcmp(after.public_key, KEY.public_key, WF_POINT_BYTES) == 0 && strcmp(after.xpub, KEY.xpub) == 0);
}

static void test_new_committee_signs(void)
{
    /* {n2, n4, n5}: one officer, two operators */
    wf_simt_ctl(&L, "stop n1");
    wf_simt_ctl(&L, "stop n3");
    CHECK(wf_sim_wait_linked(&L, C, (1u << N2) | (1u << N4) | (1u << N5), 30000));
    CHECK(signs_via(N4));
    /* {n3, n4, n5}: operators alone */
    wf_simt_ctl(&L, "stop n2");
    wf_simt_ctl(&L, "start n3");
    CHECK(wf_sim_wait_linked(&L, C, (1u << N3) | (1u << N4) | (1u << N5), 30000));
    int ok = 1;
    wf_client_result res;
    CHECK(sign_via(N3, &ok, &res) == WF_CLIENT_NODE_ERROR &&
          res.code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE);
    CHECK(!ok);
}

int main(void)
{
    secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    REQUIRE(wf_crypto_init() == WF_OK);
    snprintf(dir, sizeof dir, "/tmp/wf-simreshare-%d", (int)getpid());
    double t0 = wf_simt_now_s();
    REQUIRE(up(TIMEOUT_MS) == 0);
    const char *why = NULL;
    REQUIRE(wf_sim_layout_load(&L, dir, &why) == WF_OK);
    REQUIRE(wf_client_open(&C, L.client_dir, 1, &why) == WF_OK);
    test_committee_key();
    fprintf(stderr, "up, committee keygen, sign: %.1f s\n", wf_simt_now_s() - t0);
    test_killed_reshare();
    test_rerun();
    test_new_committee_signs();
    fprintf(stderr, "total: %.1f s\n", wf_simt_now_s() - t0);

    const char *down[] = {"down", "--dir", dir, NULL};
    CHECK(wf_simt_run(down) == 0);
    wf_client_close(C);
    secp256k1_context_destroy(secp);
    wf_simt_cleanup(dir);
    return wf_check_summary("test_sim_reshare");
}

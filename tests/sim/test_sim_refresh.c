/* A refresh with a member SIGKILLed mid-protocol, through warifu-sim: a
 * 2-of-3 cluster (ranks 0,0,1) of warifud processes (real safe-prime search,
 * no fixture keys), no background presigning (see test_sim_e2e.c on NNG
 * links and kills).
 *   1. keygen, sign;
 *   2. `warifu-sim refresh --kill n3 --after-ms 3000`: the refresh fails,
 *      naming n3; n1 and n2 are still at generation 1 (fully old) and sign;
 *   3. `start n3`: n3 comes back at generation 1 too, and every signing set
 *      with it signs;
 *   4. a rerun through n3: every node at generation 2, the public key
 *      unchanged, a signature verifies (libsecp256k1) through the quorum
 *      {n1, n3}.
 * Not under valgrind (processes). */
#include "crypto/secmem.h"
#include "simulator/sim_client.h"
#include "tests/sim/sim_fixture.h"

static char dir[128];
static wf_sim_layout L;
static wf_client *C;
static wf_client_key KEY;
static secp256k1_context *secp;

static void ctl(const char *cmd)
{
    wf_simt_ctl(&L, cmd);
}

/* Node k's generation of KEY, 0 when it does not answer. */
static uint64_t generation(size_t k)
{
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(&L, nodes, 10000);
    Warifu__Wire__Status *st = NULL;
    wf_client_result res;
    uint64_t g = 0;
    if (wf_client_status(C, &nodes[k], &st, &res) != WF_CLIENT_SUCCEEDED)
        return 0;
    for (size_t i = 0; i < st->n_keys; i++)
        if (memcmp(st->keys[i]->key_id.data, KEY.key_id, WF_ID_BYTES) == 0)
            g = st->keys[i]->generation;
    wf_client_status_free(st);
    return g;
}

/* A signature through node k only (no other node tried), verified with
 * libsecp256k1 under the key; retried for up to 30 s while links come back. */
static int signs_via(size_t k)
{
    return wf_simt_signs_via(secp, &L, C, &KEY, k);
}

int main(void)
{
    secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    REQUIRE(wf_crypto_init() == WF_OK);
    snprintf(dir, sizeof dir, "/tmp/wf-simrefresh-%d", (int)getpid());
    const char *up[] = {
        "up",           "--dir",        dir, "--nodes",       "3", "--threshold", "2", "--ranks", "0,0,1",
        "--no-latency", "--presig-low", "0", "--presig-high", "0", NULL};
    double t0 = wf_simt_now_s();
    REQUIRE(wf_simt_run(up) == 0);
    const char *why = NULL;
    REQUIRE(wf_sim_layout_load(&L, dir, &why) == WF_OK);
    REQUIRE(wf_client_open(&C, L.client_dir, 1, &why) == WF_OK);
    wf_sim_outcome o;
    REQUIRE(wf_sim_keygen(&L, C, "sim-refresh-key", 0, &KEY, &o) == WF_CLIENT_SUCCEEDED);
    CHECK(signs_via(0));
    fprintf(stderr, "up, keygen, sign: %.1f s\n", wf_simt_now_s() - t0);

    /* n3 dies 3 s into the refresh */
    double t1 = wf_simt_now_s();
    const char *killed[] = {"refresh", "--dir", dir,          "--node", "n1",
                            "--kill",  "n3",    "--after-ms", "3000",   NULL};
    CHECK(wf_simt_run(killed) == 1);
    fprintf(stderr, "refresh with n3 killed: %.1f s\n", wf_simt_now_s() - t1);
    CHECK(generation(0) == 1 && generation(1) == 1 && generation(2) == 0);
    CHECK(signs_via(1));

    ctl("start n3");
    CHECK(wf_sim_wait_linked(&L, C, 7, 30000));
    CHECK(generation(2) == 1);
    CHECK(signs_via(2));

    /* the rerun */
    double t2 = wf_simt_now_s();
    const char *rerun[] = {"refresh", "--dir", dir, "--node", "n3", NULL};
    CHECK(wf_simt_run(rerun) == 0);
    fprintf(stderr, "refresh: %.1f s\n", wf_simt_now_s() - t2);
    for (size_t k = 0; k < 3; k++)
        CHECK(generation(k) == 2);
    wf_client_key after;
    CHECK(wf_sim_key(&L, C, NULL, &after, &o) == WF_CLIENT_SUCCEEDED);
    CHECK(memcmp(after.public_key, KEY.public_key, sizeof KEY.public_key) == 0 && after.generation == 2);
    ctl("stop n2"); /* the only signing set left: {n1, n3} */
    CHECK(signs_via(0));
    ctl("start n2");

    const char *down[] = {"down", "--dir", dir, NULL};
    CHECK(wf_simt_run(down) == 0);
    wf_client_close(C);
    secp256k1_context_destroy(secp);
    wf_simt_cleanup(dir);
    return wf_check_summary("test_sim_refresh");
}

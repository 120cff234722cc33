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
#include <secp256k1.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/client.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"
#include "tests/check.h"

extern char **environ;

static char dir[128];
static wf_sim_layout L;
static wf_client *C;
static wf_client_key KEY;
static secp256k1_context *secp;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs warifu-sim with args; its exit code (its output goes to stdout). */
static int sim_run(const char *const *args)
{
    const char *argv[24] = {WF_SIM_BIN};
    size_t n = 1;
    for (; args[n - 1] != NULL && n < 23; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid;
    if (posix_spawn(&pid, WF_SIM_BIN, NULL, NULL, (char *const *)argv, environ) != 0)
        return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void ctl(const char *cmd)
{
    const char *why = NULL;
    char *reply = NULL;
    wf_err err = wf_sim_control(&L, cmd, 120000, &reply, &why);
    if (err != WF_OK)
        fprintf(stderr, "warifu-sim %s: %s\n%s", cmd, why, reply != NULL ? reply : "");
    CHECK_OK(err);
    free(reply);
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
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(&L, nodes, 60000);
    for (double end = now_s() + 30; now_s() < end; usleep(500 * 1000)) {
        wf_sign_request req;
        memset(&req, 0, sizeof req);
        randombytes_buf(req.digest, sizeof req.digest);
        req.request_id_len = (size_t)snprintf((char *)req.request_id, sizeof req.request_id, "r-%08x",
                                              (unsigned)randombytes_random());
        memcpy(req.key_id, KEY.key_id, WF_ID_BYTES);
        req.expiry_ms = wf_client_expiry_after(60);
        wf_client_signature sig;
        wf_client_result res;
        if (wf_client_sign(C, &nodes[k], &req, &sig, &res) != WF_CLIENT_SUCCEEDED) {
            fprintf(stderr, "sign via %s: %s\n", L.nodes[k].name, res.why);
            continue;
        }
        secp256k1_pubkey pk;
        secp256k1_ecdsa_signature s;
        uint8_t compact[64];
        memcpy(compact, sig.r, 32);
        memcpy(compact + 32, sig.s, 32);
        return secp256k1_ec_pubkey_parse(secp, &pk, KEY.public_key, sizeof KEY.public_key) &&
               secp256k1_ecdsa_signature_parse_compact(secp, &s, compact) &&
               secp256k1_ecdsa_verify(secp, &s, req.digest, &pk) &&
               memcmp(sig.public_key, KEY.public_key, sizeof KEY.public_key) == 0;
    }
    return 0;
}

int main(void)
{
    secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
    REQUIRE(wf_crypto_init() == WF_OK);
    snprintf(dir, sizeof dir, "/tmp/wf-simrefresh-%d", (int)getpid());
    const char *up[] = {
        "up",           "--dir",        dir, "--nodes",       "3", "--threshold", "2", "--ranks", "0,0,1",
        "--no-latency", "--presig-low", "0", "--presig-high", "0", NULL};
    double t0 = now_s();
    REQUIRE(sim_run(up) == 0);
    const char *why = NULL;
    REQUIRE(wf_sim_layout_load(&L, dir, &why) == WF_OK);
    REQUIRE(wf_client_open(&C, L.client_dir, 1, &why) == WF_OK);
    wf_sim_outcome o;
    REQUIRE(wf_sim_keygen(&L, C, "sim-refresh-key", 0, &KEY, &o) == WF_CLIENT_SUCCEEDED);
    CHECK(signs_via(0));
    fprintf(stderr, "up, keygen, sign: %.1f s\n", now_s() - t0);

    /* n3 dies 3 s into the refresh */
    double t1 = now_s();
    const char *killed[] = {"refresh", "--dir", dir,          "--node", "n1",
                            "--kill",  "n3",    "--after-ms", "3000",   NULL};
    CHECK(sim_run(killed) == 1);
    fprintf(stderr, "refresh with n3 killed: %.1f s\n", now_s() - t1);
    CHECK(generation(0) == 1 && generation(1) == 1 && generation(2) == 0);
    CHECK(signs_via(1));

    ctl("start n3");
    CHECK(wf_sim_wait_linked(&L, C, 7, 30000));
    CHECK(generation(2) == 1);
    CHECK(signs_via(2));

    /* the rerun */
    double t2 = now_s();
    const char *rerun[] = {"refresh", "--dir", dir, "--node", "n3", NULL};
    CHECK(sim_run(rerun) == 0);
    fprintf(stderr, "refresh: %.1f s\n", now_s() - t2);
    for (size_t k = 0; k < 3; k++)
        CHECK(generation(k) == 2);
    wf_client_key after;
    CHECK(wf_sim_key(&L, C, NULL, &after, &o) == WF_CLIENT_SUCCEEDED);
    CHECK(memcmp(after.public_key, KEY.public_key, sizeof KEY.public_key) == 0 && after.generation == 2);
    ctl("stop n2"); /* the only signing set left: {n1, n3} */
    CHECK(signs_via(0));
    ctl("start n2");

    const char *down[] = {"down", "--dir", dir, NULL};
    CHECK(sim_run(down) == 0);
    wf_client_close(C);
    secp256k1_context_destroy(secp);
    if (wf_checks_failed == 0) {
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        CHECK(system(cmd) == 0);
    } else {
        fprintf(stderr, "logs kept in %s/logs\n", dir);
    }
    return wf_check_summary("test_sim_refresh");
}

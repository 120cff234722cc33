/* What the warifu-sim end-to-end tests share: running warifu-sim
 * (WF_SIM_BIN, the test's compile definition) as a separate process,
 * commands for the running supervisor, and checking a signature with
 * libsecp256k1 rather than with our own code. Header-only, as the other
 * fixtures (tests/node/committee_fixture.h and the rest): CHECK counts in the test's own
 * counters. */
#ifndef WF_TESTS_SIM_SIM_FIXTURE_H
#define WF_TESTS_SIM_SIM_FIXTURE_H

#include <secp256k1.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "node/client.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"
#include "simulator/sim_layout.h"
#include "tests/check.h"

extern char **environ;

static inline double wf_simt_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts warifu-sim with args (NULL-terminated, at most 38); its pid, or -1. */
static inline pid_t wf_simt_spawn(const char *const *args)
{
    const char *argv[40] = {WF_SIM_BIN};
    size_t n = 1;
    for (; args[n - 1] != NULL && n < 39; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid;
    if (posix_spawn(&pid, WF_SIM_BIN, NULL, NULL, (char *const *)argv, environ) != 0)
        return -1;
    return pid;
}

/* Waits for a warifu-sim started by wf_simt_spawn; its exit code (-1: it
 * did not exit normally). */
static inline int wf_simt_wait(pid_t pid)
{
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs warifu-sim with args; its exit code (its output goes to stdout). */
static inline int wf_simt_run(const char *const *args)
{
    return wf_simt_wait(wf_simt_spawn(args));
}

/* A command for the running supervisor that must succeed. */
static inline void wf_simt_ctl(const wf_sim_layout *l, const char *cmd)
{
    const char *why = NULL;
    char *reply = NULL;
    wf_err err = wf_sim_control(l, cmd, 120000, &reply, &why);
    if (err != WF_OK)
        fprintf(stderr, "warifu-sim %s: %s\n%s", cmd, why, reply != NULL ? reply : "");
    CHECK_OK(err);
    free(reply);
}

/* 1 when sig is a signature of digest under public_key (compressed), by
 * libsecp256k1, and names that key. */
static inline int wf_simt_verifies(const secp256k1_context *secp, const uint8_t public_key[WF_POINT_BYTES],
                                   const uint8_t digest[32], const wf_client_signature *sig)
{
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature s;
    uint8_t compact[64];
    memcpy(compact, sig->r, 32);
    memcpy(compact + 32, sig->s, 32);
    return secp256k1_ec_pubkey_parse(secp, &pk, public_key, WF_POINT_BYTES) &&
           secp256k1_ecdsa_signature_parse_compact(secp, &s, compact) &&
           secp256k1_ecdsa_verify(secp, &s, digest, &pk) &&
           memcmp(sig->public_key, public_key, WF_POINT_BYTES) == 0;
}

/* A sign of a random digest by key through node k alone (no other node
 * tried; 60 s at most); *verified 1 when the signature came back and
 * verifies under the key. The outcome, res saying why not. */
static inline wf_client_outcome wf_simt_sign_via(const secp256k1_context *secp, const wf_sim_layout *l,
                                                 const wf_client *c, const wf_client_key *key, size_t k,
                                                 int *verified, wf_client_result *res)
{
    wf_client_node nodes[WF_SIM_MAX_NODES];
    wf_sim_client_nodes(l, nodes, 60000);
    wf_sign_request req;
    memset(&req, 0, sizeof req);
    randombytes_buf(req.digest, sizeof req.digest);
    req.request_id_len = (size_t)snprintf((char *)req.request_id, sizeof req.request_id, "r-%08x",
                                          (unsigned)randombytes_random());
    memcpy(req.key_id, key->key_id, WF_ID_BYTES);
    req.expiry_ms = wf_client_expiry_after(50);
    wf_client_signature sig;
    wf_client_outcome out = wf_client_sign(c, &nodes[k], &req, &sig, res);
    *verified = out == WF_CLIENT_SUCCEEDED && wf_simt_verifies(secp, key->public_key, req.digest, &sig);
    if (out != WF_CLIENT_SUCCEEDED)
        fprintf(stderr, "sign via %s: %s\n", l->nodes[k].name, res->why);
    return out;
}

/* 1 when key signs through node k and the signature verifies; retried for
 * up to 30 s while links come back (not after a refusal). */
static inline int wf_simt_signs_via(const secp256k1_context *secp, const wf_sim_layout *l, const wf_client *c,
                                    const wf_client_key *key, size_t k)
{
    for (double end = wf_simt_now_s() + 30; wf_simt_now_s() < end; usleep(200 * 1000)) {
        int ok = 0;
        wf_client_result res;
        if (wf_simt_sign_via(secp, l, c, key, k, &ok, &res) == WF_CLIENT_SUCCEEDED)
            return ok;
        if (wf_client_refused(&res))
            return 0;
    }
    return 0;
}

/* Removes the cluster's directory when every check passed (else keeps its
 * logs and says where). */
static inline void wf_simt_cleanup(const char *dir)
{
    if (wf_checks_failed == 0) {
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        CHECK(system(cmd) == 0);
    } else {
        fprintf(stderr, "logs kept in %s/logs\n", dir);
    }
}

#endif

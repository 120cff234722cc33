/* Shared by the protocol benchmarks (protocol_bench, lifecycle_bench): a
 * cluster of in-process parties with Ed25519 identities, their machine
 * configurations, runs over the harness measured per party, keygen to make a
 * key, and the JSON entry of one protocol.
 *
 * Per run it takes the CPU time each party spends (process CPU inside that
 * party's start/step calls, worker threads included), the wall time of the
 * run divided by the parties (the harness runs them one after another) and
 * the bytes each party sends (once per recipient). CPU is printed in
 * milliseconds and in "modexp units": one mpz_powm with a 4096-bit modulus
 * and a 2048-bit exponent, the cost of a Paillier encryption without CRT,
 * timed (in process CPU time too) in the same run so results compare across
 * machines.
 *
 * Header-only: include it from one benchmark program, after setting
 * wf_bench_program to its name for error messages. */
#ifndef WF_BENCH_PROTOCOL_RUNS_H
#define WF_BENCH_PROTOCOL_RUNS_H

#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "benches/bench_util.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "protocol/aux.h"
#include "protocol/harness.h"
#include "protocol/key_share.h"
#include "protocol/keygen.h"

typedef struct wf_bench_cluster {
    size_t n, t;
    uint8_t pk[WF_MAX_MEMBERS][WF_IDENTITY_PK_BYTES];
    uint8_t *sk[WF_MAX_MEMBERS];
    wf_key_share *keys[WF_MAX_MEMBERS];
    wf_aux *aux[WF_MAX_MEMBERS];
} wf_bench_cluster;

typedef struct wf_bench_result {
    double cpu_ms, wall_ms, bytes;
    int runs;
} wf_bench_result;

static const char *wf_bench_program = "bench";
static uint8_t wf_bench_session_counter;

static inline void wf_bench_fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", wf_bench_program, what);
    exit(1);
}

/* Process CPU time in seconds: the unit is timed like the protocol runs, so
 * other load on the machine inflates neither. */
static inline double wf_bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double wf_bench_modexp_unit_ms(void)
{
    mpz_t b, e, m, r;
    mpz_inits(b, e, m, r, NULL);
    wf_mpz_random_bits(m, 4096);
    mpz_setbit(m, 4095);
    mpz_setbit(m, 0);
    wf_mpz_random_bits(b, 4095);
    wf_mpz_random_bits(e, 2048);
    mpz_setbit(e, 2047);
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = wf_bench_cpu_now();
        for (int i = 0; i < 10; i++)
            mpz_powm(r, b, e, m);
        double ms = (wf_bench_cpu_now() - t0) * 1e3 / 10;
        best = ms < best ? ms : best;
    }
    mpz_clears(b, e, m, r, NULL);
    return best;
}

/* n parties with fresh identities, threshold t, no key yet. */
static inline void wf_bench_cluster_init(wf_bench_cluster *c, size_t n, size_t t)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->t = t;
    for (size_t i = 0; i < n; i++) {
        c->sk[i] = wf_secure_alloc(WF_IDENTITY_SK_BYTES);
        if (c->sk[i] == NULL)
            wf_bench_fail("memory");
        crypto_sign_keypair(c->pk[i], c->sk[i]);
    }
}

static inline void wf_bench_cluster_clear(wf_bench_cluster *c)
{
    for (size_t j = 0; j < c->n; j++) {
        wf_key_share_free(c->keys[j]);
        wf_aux_free(c->aux[j]);
        wf_secure_free(c->sk[j]);
    }
    memset(c, 0, sizeof *c);
}

/* The configuration of member self in the session numbered tag. */
static inline wf_machine_cfg wf_bench_cfg(const wf_bench_cluster *c, uint32_t self, uint8_t tag)
{
    wf_machine_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    memset(cfg.cluster_id, 0xc1, WF_ID_BYTES);
    memset(cfg.key_id, 0x4b, WF_ID_BYTES);
    cfg.session_id[0] = tag;
    cfg.session_id[1] = (uint8_t)c->n;
    cfg.self = self;
    cfg.identity_sk = c->sk[self];
    for (size_t i = 0; i < c->n; i++)
        memcpy(cfg.identity_pk[i], c->pk[i], WF_IDENTITY_PK_BYTES);
    return cfg;
}

/* Runs the machines, adds the per-party means to res, frees nothing. */
static inline void wf_bench_run(wf_machine **ms, size_t n, wf_bench_result *res)
{
    wf_harness_stats st;
    memset(&st, 0, sizeof st);
    double t0 = wf_bench_now();
    if (wf_harness_run(ms, n, NULL, NULL, &st) != WF_OK)
        wf_bench_fail("harness");
    double wall = (wf_bench_now() - t0) * 1e3;
    for (size_t i = 0; i < n; i++) {
        if (wf_machine_status(ms[i]) != WF_SESSION_DONE) {
            fprintf(stderr, "party %zu: %s\n", i, wf_machine_reason(ms[i]));
            wf_bench_fail("a protocol run did not finish");
        }
        res->cpu_ms += (double)st.cpu_ns[i] / 1e6 / (double)n;
        res->bytes += (double)st.bytes_sent[i] / (double)n;
    }
    res->wall_ms += wall / (double)n;
    res->runs++;
}

/* Keygen among the cluster's members (x_j = j + 1, the given ranks) into c->keys. */
static inline void wf_bench_keygen(wf_bench_cluster *c, const uint32_t *ranks, wf_bench_result *res)
{
    wf_keygen_params p;
    memset(&p, 0, sizeof p);
    p.n = (uint32_t)c->n;
    p.t = (uint32_t)c->t;
    for (size_t j = 0; j < c->n; j++) {
        uint8_t x[WF_SCALAR_BYTES] = {0};
        x[WF_SCALAR_BYTES - 1] = (uint8_t)(j + 1);
        wf_scalar_parse(&p.members[j].x, x, sizeof x);
        p.members[j].rank = ranks[j];
    }
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++wf_bench_session_counter;
    for (size_t j = 0; j < c->n; j++) {
        wf_machine_cfg cfg = wf_bench_cfg(c, (uint32_t)j, tag);
        if (wf_keygen_new(&ms[j], &cfg, &p) != WF_OK)
            wf_bench_fail("keygen init");
    }
    wf_bench_run(ms, c->n, res);
    for (size_t j = 0; j < c->n; j++) {
        wf_key_share_free(c->keys[j]);
        if (wf_keygen_result(ms[j], &c->keys[j]) != WF_OK)
            wf_bench_fail("keygen result");
        wf_machine_free(ms[j]);
    }
}

/* One fresh 2048-bit Paillier key per party into pool; returns the mean CPU
 * milliseconds a key took (safe-prime search). */
static inline double wf_bench_paillier_pool(wf_paillier_sk **pool, size_t n)
{
    double t0 = wf_bench_cpu_now();
    for (size_t j = 0; j < n; j++)
        if (wf_paillier_keygen(&pool[j], 2048, NULL) != WF_OK)
            wf_bench_fail("paillier keygen");
    return n ? (wf_bench_cpu_now() - t0) * 1e3 / (double)n : 0;
}

/* One "name": {...} entry of the "protocols" object. */
static inline void wf_bench_print(const char *name, const wf_bench_result *r, double unit_ms, int last)
{
    double n = r->runs ? r->runs : 1;
    printf("    \"%s\": {\"cpu_units_per_party\": %.2f, \"cpu_ms_per_party\": %.2f, \"wall_ms_per_party\": "
           "%.2f, "
           "\"bytes_sent_per_party\": %.0f, \"runs\": %d}%s\n",
           name, r->cpu_ms / n / unit_ms, r->cpu_ms / n, r->wall_ms / n, r->bytes / n, r->runs,
           last ? "" : ",");
}

#endif

/* Whole-protocol benchmark: keygen, aux-info (pooled primes, and separately
 * with prime generation), presign and sign for 2-of-3 and 3-of-5 (ranks
 * {0,0,1,1,1}), run among in-process parties over the harness.
 *
 * Per protocol it prints the CPU time a party spends in milliseconds and in
 * "modexp units", the wall time per party and the bytes each party sends, as
 * benches/protocol_runs.h measures them.
 *
 * Usage: protocol_bench [--quick] [--threads N] [--signs N]
 *   --quick    2-of-3 only, fewer presign/sign repetitions
 *   --threads  worker threads per party for presign (default: online CPUs)
 * Output: {"modexp_unit_ms": u, "protocols": {"keygen_2of3": {...}, ...}} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "benches/protocol_runs.h"
#include "crypto/paillier.h"
#include "protocol/aux_info.h"
#include "protocol/presign.h"
#include "protocol/sign.h"

static double unit_ms;
static unsigned threads;

static void aux_info(wf_bench_cluster *c, wf_paillier_sk **pool, wf_bench_result *res)
{
    wf_aux_info_params p = {.n = (uint32_t)c->n, .bits = 2048};
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++wf_bench_session_counter;
    for (size_t j = 0; j < c->n; j++) {
        wf_machine_cfg cfg = wf_bench_cfg(c, (uint32_t)j, tag);
        memcpy(cfg.key_id, c->keys[j]->pub.key_id, WF_ID_BYTES);
        p.pooled = pool[j];
        if (wf_aux_info_new(&ms[j], &cfg, &p) != WF_OK)
            wf_bench_fail("aux-info init");
        pool[j] = NULL; /* the machine owns it */
    }
    wf_bench_run(ms, c->n, res);
    for (size_t j = 0; j < c->n; j++) {
        wf_aux_free(c->aux[j]);
        if (wf_aux_info_result(ms[j], &c->aux[j]) != WF_OK)
            wf_bench_fail("aux-info result");
        wf_machine_free(ms[j]);
    }
}

static void presign(wf_bench_cluster *c, const uint32_t *set, wf_presig **out, wf_bench_result *res)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++wf_bench_session_counter;
    for (size_t i = 0; i < c->t; i++) {
        wf_machine_cfg cfg = wf_bench_cfg(c, set[i], tag);
        memcpy(cfg.key_id, c->keys[0]->pub.key_id, WF_ID_BYTES);
        wf_presign_params p = {.key = c->keys[set[i]], .aux = c->aux[set[i]], .n = c->t, .threads = threads};
        memcpy(p.signers, set, c->t * sizeof set[0]);
        if (wf_presign_new(&ms[i], &cfg, &p) != WF_OK)
            wf_bench_fail("presign init");
    }
    wf_bench_run(ms, c->t, res);
    for (size_t i = 0; i < c->t; i++) {
        if (wf_presign_result(ms[i], &out[i]) != WF_OK)
            wf_bench_fail("presign result");
        wf_machine_free(ms[i]);
    }
}

static void sign(wf_bench_cluster *c, wf_presig **ps, wf_bench_result *res)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++wf_bench_session_counter;
    uint8_t digest[32];
    uint32_t path[2] = {0, randombytes_uniform(1000)};
    randombytes_buf(digest, sizeof digest);
    for (size_t i = 0; i < c->t; i++) {
        wf_machine_cfg cfg = wf_bench_cfg(c, ps[i]->self, tag);
        memcpy(cfg.key_id, c->keys[0]->pub.key_id, WF_ID_BYTES);
        wf_sign_params p = {.key = &c->keys[ps[i]->self]->pub, .presig = ps[i], .path = path, .path_len = 2};
        memcpy(p.digest, digest, sizeof digest);
        if (wf_sign_new(&ms[i], &cfg, &p) != WF_OK)
            wf_bench_fail("sign init");
    }
    wf_bench_run(ms, c->t, res);
    for (size_t i = 0; i < c->t; i++) {
        wf_ecdsa_sig sig;
        wf_point pub;
        if (wf_sign_result(ms[i], &sig, &pub) != WF_OK || wf_ecdsa_verify_strict(&pub, digest, &sig) != WF_OK)
            wf_bench_fail("signature does not verify");
        wf_machine_free(ms[i]);
        wf_presig_free(ps[i]);
    }
}

static void print_result(const char *name, const wf_bench_result *r, int last)
{
    wf_bench_print(name, r, unit_ms, last);
}

/* Times one structure; prints its five entries. */
static void bench_structure(size_t n, size_t t, int reps, int last)
{
    static const uint32_t ranks[2][5] = {{0, 0, 0}, {0, 0, 1, 1, 1}}; /* 3-of-5: {0,0,1,1,1} */
    wf_bench_cluster c;
    wf_bench_cluster_init(&c, n, t);
    wf_bench_result kg = {0}, aux = {0}, aux_primes = {0}, pre = {0}, sg = {0};
    wf_bench_keygen(&c, ranks[n == 5], &kg);

    /* the pool: one fresh Paillier key per party; its generation time is the
     * "with primes" part of aux-info */
    wf_paillier_sk *pool[WF_MAX_MEMBERS];
    double gen_cpu = wf_bench_paillier_pool(pool, n);
    aux_info(&c, pool, &aux);
    aux_primes = aux;
    aux_primes.cpu_ms += gen_cpu;
    aux_primes.wall_ms += gen_cpu;
    for (size_t j = 0; j < n; j++)
        if (wf_aux_precompute(c.aux[j]) != WF_OK)
            wf_bench_fail("precompute");

    uint32_t set[3] = {0, 1, 2};
    if (n == 5) {
        set[1] = 2;
        set[2] = 4; /* an officer and two operators */
    }
    for (int r = 0; r < reps; r++) {
        wf_presig *ps[WF_MAX_MEMBERS];
        presign(&c, set, ps, &pre);
        sign(&c, ps, &sg);
    }
    char name[64];
    const char *tag = n == 3 ? "2of3" : "3of5";
    snprintf(name, sizeof name, "keygen_%s", tag);
    print_result(name, &kg, 0);
    snprintf(name, sizeof name, "aux_info_pooled_%s", tag);
    print_result(name, &aux, 0);
    snprintf(name, sizeof name, "aux_info_with_primes_%s", tag);
    print_result(name, &aux_primes, 0);
    snprintf(name, sizeof name, "presign_%s", tag);
    print_result(name, &pre, 0);
    snprintf(name, sizeof name, "sign_%s", tag);
    print_result(name, &sg, last);
    wf_bench_cluster_clear(&c);
}

int main(int argc, char **argv)
{
    int quick = 0, reps = 5;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cpus > 0 ? (unsigned)cpus : 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
            reps = 2;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            threads = (unsigned)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--signs") == 0 && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: protocol_bench [--quick] [--threads N] [--signs N]\n");
            return 2;
        }
    }
    wf_bench_program = "protocol_bench";
    if (wf_crypto_init() != WF_OK)
        wf_bench_fail("init");
    unit_ms = wf_bench_modexp_unit_ms();
    printf("{\n  \"modexp_unit_ms\": %.3f,\n  \"threads_per_party\": %u,\n  \"protocols\": {\n", unit_ms,
           threads);
    bench_structure(3, 2, reps, quick);
    if (!quick)
        bench_structure(5, 3, reps, 1);
    printf("  }\n}\n");
    return 0;
}

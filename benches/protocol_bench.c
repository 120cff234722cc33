/* Whole-protocol benchmark: keygen, aux-info (pooled primes, and separately
 * with prime generation), presign and sign for 2-of-3 and 3-of-5 (ranks
 * {0,0,1,1,1}), run among in-process parties over the harness.
 *
 * Per protocol it prints the CPU time a party spends (process CPU inside that
 * party's start/step calls, worker threads included) in milliseconds and in
 * "modexp units" — one mpz_powm with a 4096-bit modulus and a 2048-bit
 * exponent, the cost of a Paillier encryption without CRT, timed in the same
 * run so results compare across machines — plus the wall time of the run
 * divided by the parties (the harness runs them one after another) and the
 * bytes each party sends (once per recipient).
 *
 * Usage: protocol_bench [--quick] [--threads N] [--signs N]
 *   --quick    2-of-3 only, fewer presign/sign repetitions
 *   --threads  worker threads per party for presign (default: online CPUs)
 * Output: {"modexp_unit_ms": u, "protocols": {"keygen_2of3": {...}, ...}} */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "benches/bench_util.h"
#include "crypto/paillier.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "protocol/aux_info.h"
#include "protocol/harness.h"
#include "protocol/keygen.h"
#include "protocol/presign.h"
#include "protocol/sign.h"

typedef struct cluster {
    size_t n, t;
    uint8_t pk[WF_MAX_MEMBERS][WF_IDENTITY_PK_BYTES];
    uint8_t *sk[WF_MAX_MEMBERS];
    wf_key_share *keys[WF_MAX_MEMBERS];
    wf_aux *aux[WF_MAX_MEMBERS];
} cluster;

typedef struct result {
    double cpu_ms, wall_ms, bytes;
    int runs;
} result;

static double unit_ms;
static unsigned threads;
static uint8_t session_counter;

static void fail(const char *what)
{
    fprintf(stderr, "protocol_bench: %s\n", what);
    exit(1);
}

static double modexp_unit_ms(void)
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
        double t0 = wf_bench_now();
        for (int i = 0; i < 10; i++)
            mpz_powm(r, b, e, m);
        double ms = (wf_bench_now() - t0) * 1e3 / 10;
        best = ms < best ? ms : best;
    }
    mpz_clears(b, e, m, r, NULL);
    return best;
}

/* The configuration of member self in the session numbered tag. */
static wf_machine_cfg cfg_for(const cluster *c, uint32_t self, uint8_t tag)
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
static void run(wf_machine **ms, size_t n, result *res)
{
    wf_harness_stats st;
    memset(&st, 0, sizeof st);
    double t0 = wf_bench_now();
    if (wf_harness_run(ms, n, NULL, NULL, &st) != WF_OK)
        fail("harness");
    double wall = (wf_bench_now() - t0) * 1e3;
    for (size_t i = 0; i < n; i++) {
        if (wf_machine_status(ms[i]) != WF_SESSION_DONE) {
            fprintf(stderr, "party %zu: %s\n", i, wf_machine_reason(ms[i]));
            fail("a protocol run did not finish");
        }
        res->cpu_ms += (double)st.cpu_ns[i] / 1e6 / (double)n;
        res->bytes += (double)st.bytes_sent[i] / (double)n;
    }
    res->wall_ms += wall / (double)n;
    res->runs++;
}

static void keygen(cluster *c, result *res)
{
    wf_keygen_params p;
    memset(&p, 0, sizeof p);
    p.n = (uint32_t)c->n;
    p.t = (uint32_t)c->t;
    for (size_t j = 0; j < c->n; j++) {
        uint8_t x[WF_SCALAR_BYTES] = {0};
        x[WF_SCALAR_BYTES - 1] = (uint8_t)(j + 1);
        wf_scalar_parse(&p.members[j].x, x, sizeof x);
        p.members[j].rank = c->n == 5 && j >= 2 ? 1 : 0; /* 3-of-5: {0,0,1,1,1} */
    }
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++session_counter;
    for (size_t j = 0; j < c->n; j++) {
        wf_machine_cfg cfg = cfg_for(c, (uint32_t)j, tag);
        if (wf_keygen_new(&ms[j], &cfg, &p) != WF_OK)
            fail("keygen init");
    }
    run(ms, c->n, res);
    for (size_t j = 0; j < c->n; j++) {
        wf_key_share_free(c->keys[j]);
        if (wf_keygen_result(ms[j], &c->keys[j]) != WF_OK)
            fail("keygen result");
        wf_machine_free(ms[j]);
    }
}

static void aux_info(cluster *c, wf_paillier_sk **pool, result *res)
{
    wf_aux_info_params p = {.n = (uint32_t)c->n, .bits = 2048};
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++session_counter;
    for (size_t j = 0; j < c->n; j++) {
        wf_machine_cfg cfg = cfg_for(c, (uint32_t)j, tag);
        memcpy(cfg.key_id, c->keys[j]->pub.key_id, WF_ID_BYTES);
        p.pooled = pool[j];
        if (wf_aux_info_new(&ms[j], &cfg, &p) != WF_OK)
            fail("aux-info init");
        pool[j] = NULL; /* the machine owns it */
    }
    run(ms, c->n, res);
    for (size_t j = 0; j < c->n; j++) {
        wf_aux_free(c->aux[j]);
        if (wf_aux_info_result(ms[j], &c->aux[j]) != WF_OK)
            fail("aux-info result");
        wf_machine_free(ms[j]);
    }
}

static void presign(cluster *c, const uint32_t *set, wf_presig **out, result *res)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++session_counter;
    for (size_t i = 0; i < c->t; i++) {
        wf_machine_cfg cfg = cfg_for(c, set[i], tag);
        memcpy(cfg.key_id, c->keys[0]->pub.key_id, WF_ID_BYTES);
        wf_presign_params p = {.key = c->keys[set[i]], .aux = c->aux[set[i]], .n = c->t, .threads = threads};
        memcpy(p.signers, set, c->t * sizeof set[0]);
        if (wf_presign_new(&ms[i], &cfg, &p) != WF_OK)
            fail("presign init");
    }
    run(ms, c->t, res);
    for (size_t i = 0; i < c->t; i++) {
        if (wf_presign_result(ms[i], &out[i]) != WF_OK)
            fail("presign result");
        wf_machine_free(ms[i]);
    }
}

static void sign(cluster *c, wf_presig **ps, result *res)
{
    wf_machine *ms[WF_MAX_MEMBERS];
    uint8_t tag = ++session_counter;
    uint8_t digest[32];
    uint32_t path[2] = {0, randombytes_uniform(1000)};
    randombytes_buf(digest, sizeof digest);
    for (size_t i = 0; i < c->t; i++) {
        wf_machine_cfg cfg = cfg_for(c, ps[i]->self, tag);
        memcpy(cfg.key_id, c->keys[0]->pub.key_id, WF_ID_BYTES);
        wf_sign_params p = {.key = &c->keys[ps[i]->self]->pub, .presig = ps[i], .path = path, .path_len = 2};
        memcpy(p.digest, digest, sizeof digest);
        if (wf_sign_new(&ms[i], &cfg, &p) != WF_OK)
            fail("sign init");
    }
    run(ms, c->t, res);
    for (size_t i = 0; i < c->t; i++) {
        wf_ecdsa_sig sig;
        wf_point pub;
        if (wf_sign_result(ms[i], &sig, &pub) != WF_OK || wf_ecdsa_verify_strict(&pub, digest, &sig) != WF_OK)
            fail("signature does not verify");
        wf_machine_free(ms[i]);
        wf_presig_free(ps[i]);
    }
}

static void print_result(const char *name, const result *r, int last)
{
    double n = r->runs ? r->runs : 1;
    printf("    \"%s\": {\"cpu_units_per_party\": %.2f, \"cpu_ms_per_party\": %.2f, \"wall_ms_per_party\": %.2f, "
           "\"bytes_sent_per_party\": %.0f, \"runs\": %d}%s\n",
           name, r->cpu_ms / n / unit_ms, r->cpu_ms / n, r->wall_ms / n, r->bytes / n, r->runs, last ? "" : ",");
}

/* Times one structure; prints its five entries. */
static void bench_structure(size_t n, size_t t, int reps, int last)
{
    cluster c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.t = t;
    for (size_t i = 0; i < n; i++) {
        c.sk[i] = wf_secure_alloc(WF_IDENTITY_SK_BYTES);
        if (c.sk[i] == NULL)
            fail("memory");
        crypto_sign_keypair(c.pk[i], c.sk[i]);
    }
    result kg = {0}, aux = {0}, aux_primes = {0}, pre = {0}, sg = {0};
    keygen(&c, &kg);

    /* the pool: one fresh Paillier key per party; its generation time is the
     * "with primes" part of aux-info */
    wf_paillier_sk *pool[WF_MAX_MEMBERS];
    double gen_cpu = 0;
    for (size_t j = 0; j < n; j++) {
        struct timespec a, b;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
        if (wf_paillier_keygen(&pool[j], 2048, NULL) != WF_OK)
            fail("paillier keygen");
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        gen_cpu += (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    }
    aux_info(&c, pool, &aux);
    aux_primes = aux;
    aux_primes.cpu_ms += gen_cpu / (double)n;
    aux_primes.wall_ms += gen_cpu / (double)n;
    for (size_t j = 0; j < n; j++)
        if (wf_aux_precompute(c.aux[j]) != WF_OK)
            fail("precompute");

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
    for (size_t j = 0; j < n; j++) {
        wf_key_share_free(c.keys[j]);
        wf_aux_free(c.aux[j]);
        wf_secure_free(c.sk[j]);
    }
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
    if (wf_crypto_init() != WF_OK)
        fail("init");
    unit_ms = modexp_unit_ms();
    printf("{\n  \"modexp_unit_ms\": %.3f,\n  \"threads_per_party\": %u,\n  \"protocols\": {\n", unit_ms, threads);
    bench_structure(3, 2, reps, quick);
    if (!quick)
        bench_structure(5, 3, reps, 1);
    printf("  }\n}\n");
    return 0;
}

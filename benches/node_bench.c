/* node_bench: issue 7's benchmark of warifud, as one JSON object.
 *
 * A 2-of-3 cluster (ranks {0,0,1}) of in-process daemons on loopback, over
 * real mutual TLS on the peer links and the client API, with fixture
 * Paillier keys (tests/fixtures) so keygen does not search for primes. Every
 * request is a fresh client connection: wf_client_call, the client API's
 * only client, is one-shot (dial, TLS handshake, one request, close). Every
 * signature is checked with libsecp256k1. All requests go to alpha.
 *
 *   keygen_first_ms     keygen + aux-info of the first key
 *   status_call_*       Status requests: what one client connection costs
 *                       without protocol work (the floor under a sign)
 *   cold_sign_*         signs with background presign off: every request
 *                       presigns, then signs
 *   presign_fill_*      alpha's keeper filling the pools of the signing sets
 *                       it coordinates ({alpha,bravo}, {alpha,charlie}),
 *                       timed from the cluster being ready
 *   warm_sign_*         signs from the filled pools, alpha restarted with its
 *                       keeper off so no background presign competes with
 *                       them; *_from_pool counts the signs that consumed a
 *                       pooled presignature (the rest presigned)
 *   warm_concurrent_*   the same with `threads` clients at once
 *   rollback_audit_records  alpha's audit records of a member whose
 *                       presignature take counter "went backwards" (it is
 *                       then left out of quorums); no store is rolled back
 *                       here, so any is a false alarm
 *   keygen_mean_ms      keygen + aux-info of each further key
 *   rss_*               alpha as its own warifud process holding `keys` keys
 *                       and `presigs` pooled presignatures: VmRSS once ready,
 *                       after one Status and one sign, and VmHWM. The
 *                       presignatures beyond the keeper's are copies of one
 *                       real record under fresh ids, pooled under the other
 *                       keys (so the sign never picks one) before it starts
 *                       ("presigs_inserted_directly"): presigning 1000 takes
 *                       many minutes, and to the node a pooled presignature
 *                       is a record in its store whatever its contents.
 *
 * Latencies are milliseconds (p50/p99 by nearest rank), rates per second of
 * wall time. Goals (issue 7): warm p50 under 5 ms, RSS under 100 MiB (the
 * larger of VmRSS after serving and VmHWM). Exits 1 if a sequential request
 * failed, a warm sign presigned, or the measured node did not serve; failed
 * concurrent signs are counted and warned about, not fatal (see main).
 *
 * Usage: node_bench [--quick] [--cold N] [--warm N] [--concurrent N]
 *                   [--threads N] [--keys N] [--presigs N]
 * --quick is the smoke test: a few requests, 2 keys, 50 presignatures.
 * WF_TEST_VERBOSE=1 lets the daemons log on stderr. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benches/bench_util.h"
#include "store/audit.h"
#include "store/presig_pool.h"
#include "tests/node/daemon_fixture.h"

#define ALPHA    0
#define BRAVO    1
#define CHARLIE  2
#define READY_MS 30000

typedef struct opts {
    size_t cold, warm, concurrent, threads, keys, presigs, status_calls;
} opts;

/* Latency summary of n requests that took wall_s altogether. */
typedef struct lat {
    size_t n, failed;
    double p50, p99, mean, per_s;
} lat;

static wf_df f;
static uint8_t keys[64][32]; /* keys[0] is the one signed with */
static atomic_uint request_seq;
static pid_t child; /* the warifud process, while it runs */

static void fail(const char *what)
{
    fprintf(stderr, "node_bench: %s\n", what);
    exit(1);
}


static lat summarise(double *ms, size_t n, size_t failed, double wall_s)
{
    lat l = {.n = n, .failed = failed};
    if (n == 0)
        return l;
    qsort(ms, n, sizeof *ms, wf_bench_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ms[i];
    l.p50 = wf_bench_rank(ms, n, 0.50);
    l.p99 = wf_bench_rank(ms, n, 0.99);
    l.mean = sum / (double)n;
    l.per_s = wall_s > 0 ? (double)n / wall_s : 0;
    return l;
}

static void print_lat(const char *name, const lat *l)
{
    printf("\"%s_requests\":%zu,\"%s_failed\":%zu,\"%s_p50_ms\":%.3f,\"%s_p99_ms\":%.3f,\"%s_mean_ms\":%.3f,"
           "\"%s_per_s\":%.2f,",
           name, l->n, name, l->failed, name, l->p50, name, l->p99, name, l->mean, name, l->per_s);
}

/* ---- daemons ---- */

static void start(size_t i, unsigned presig_low, unsigned presig_high)
{
    wf_daemon_cfg cfg = wf_df_cfg(&f, i);
    cfg.presig_low = presig_low;
    cfg.presig_high = presig_high;
    wf_df_start(&f, i, &cfg);
}

static void start_all(void)
{
    for (size_t i = 0; i < f.n; i++)
        start(i, 0, 0);
    if (!wf_df_wait_ready(&f, READY_MS))
        fail("the cluster did not become ready");
}

static void stop_all(void)
{
    for (size_t i = 0; i < f.n; i++)
        if (f.d[i] != NULL)
            wf_df_stop(&f, i);
}

/* ---- client requests ---- */

static Warifu__Wire__ClientResponse *status_of(size_t node)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest st = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &st;
    Warifu__Wire__ClientResponse *r = wf_df_call(&f, node, &req, 10000);
    if (r != NULL && r->body_case != WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS) {
        warifu__wire__client_response__free_unpacked(r, NULL);
        r = NULL;
    }
    return r;
}

/* Presignatures node holds for the key (every signing set), or for every
 * key when key is NULL; *n_keys (may be NULL) gets how many keys it holds. */
static size_t pool_depth(size_t node, const uint8_t *key, size_t *n_keys)
{
    Warifu__Wire__ClientResponse *r = status_of(node);
    if (r == NULL)
        fail("a status request failed");
    size_t total = 0;
    for (size_t k = 0; k < r->status->n_keys; k++) {
        const Warifu__Wire__KeyStatus *ks = r->status->keys[k];
        if (key != NULL && (ks->key_id.len != 32 || memcmp(ks->key_id.data, key, 32) != 0))
            continue;
        for (size_t p = 0; p < ks->n_pools; p++)
            total += ks->pools[p]->depth;
    }
    if (n_keys != NULL)
        *n_keys = r->status->n_keys;
    warifu__wire__client_response__free_unpacked(r, NULL);
    return total;
}

static void keygen(size_t k)
{
    char id[32];
    snprintf(id, sizeof id, "bench-key-%zu", k);
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, ALPHA, id, keys[k]);
    if (r == NULL || r->code != 0) {
        fprintf(stderr, "node_bench: keygen %zu: %s\n", k, r ? r->error : "no answer");
        exit(1);
    }
    warifu__wire__client_response__free_unpacked(r, NULL);
}

/* One sign request for keys[0] through node; its latency in ms, or a
 * negative number if it failed or the signature does not verify. */
static double sign_once(size_t node, const char *phase)
{
    char id[64];
    uint8_t digest[32];
    snprintf(id, sizeof id, "%s-%u", phase, atomic_fetch_add(&request_seq, 1));
    randombytes_buf(digest, sizeof digest);
    wf_sign_request sr;
    wf_df_sign_request(&f, &sr, id, keys[0], digest, NULL, 0);
    double t0 = wf_bench_now();
    Warifu__Wire__ClientResponse *r = wf_df_send_sign(&f, node, &sr);
    double ms = (wf_bench_now() - t0) * 1e3;
    int ok = r != NULL && r->code == 0 && r->signature != NULL && wf_df_sig_valid(r->signature, digest);
    if (r != NULL && r->code != 0)
        fprintf(stderr, "node_bench: sign %s: %s\n", id, r->error);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    return ok ? ms : -1;
}

static lat sign_sequential(size_t node, const char *phase, size_t n)
{
    double *ms = calloc(n ? n : 1, sizeof *ms);
    size_t got = 0, failed = 0;
    REQUIRE(ms != NULL);
    double t0 = wf_bench_now();
    for (size_t i = 0; i < n; i++) {
        double t = sign_once(node, phase);
        if (t < 0)
            failed++;
        else
            ms[got++] = t;
    }
    lat l = summarise(ms, got, failed, wf_bench_now() - t0);
    free(ms);
    return l;
}

static lat status_calls(size_t node, size_t n)
{
    double *ms = calloc(n ? n : 1, sizeof *ms);
    size_t got = 0, failed = 0;
    REQUIRE(ms != NULL);
    double t0 = wf_bench_now();
    for (size_t i = 0; i < n; i++) {
        double t = wf_bench_now();
        Warifu__Wire__ClientResponse *r = status_of(node);
        if (r == NULL) {
            failed++;
            continue;
        }
        ms[got++] = (wf_bench_now() - t) * 1e3;
        warifu__wire__client_response__free_unpacked(r, NULL);
    }
    lat l = summarise(ms, got, failed, wf_bench_now() - t0);
    free(ms);
    return l;
}

/* `threads` clients at once, each signing its share of n through node. */
typedef struct client {
    pthread_t thread;
    size_t node, n, got, failed;
    double *ms;
} client;

static void *client_main(void *arg)
{
    client *c = arg;
    for (size_t i = 0; i < c->n; i++) {
        double t = sign_once(c->node, "concurrent");
        if (t < 0)
            c->failed++;
        else
            c->ms[c->got++] = t;
    }
    return NULL;
}

static lat sign_concurrent(size_t node, size_t n, size_t threads)
{
    client cs[16];
    double *ms = calloc(n, sizeof *ms);
    REQUIRE(ms != NULL && threads >= 1 && threads <= 16);
    (void)wf_df_sig_valid(NULL, NULL); /* its libsecp256k1 context, made before the threads share it */
    double t0 = wf_bench_now();
    for (size_t i = 0, off = 0; i < threads; i++) {
        cs[i] = (client){.node = node, .n = n / threads + (i < n % threads), .ms = ms + off};
        off += cs[i].n;
        REQUIRE(pthread_create(&cs[i].thread, NULL, client_main, &cs[i]) == 0);
    }
    size_t got = 0, failed = 0;
    for (size_t i = 0; i < threads; i++) {
        pthread_join(cs[i].thread, NULL);
        memmove(ms + got, cs[i].ms, cs[i].got * sizeof *ms);
        got += cs[i].got;
        failed += cs[i].failed;
    }
    lat l = summarise(ms, got, failed, wf_bench_now() - t0);
    free(ms);
    return l;
}

/* ---- warm pool ---- */

typedef struct warm_result {
    size_t filled;         /* presignatures alpha's keeper made */
    double fill_s;         /* from the cluster being ready to the pools being full */
    size_t from_pool;      /* sequential signs that consumed a pooled presignature */
    size_t conc_from_pool; /* … and concurrent ones */
    lat seq, conc;
} warm_result;

/* Restarts the cluster with alpha's keeper filling the pools of the signing
 * sets alpha coordinates ({alpha,bravo} and {alpha,charlie}) to `per_set`,
 * then alpha without its keeper, and signs from the pool. */
static void warm(const opts *o, warm_result *w)
{
    size_t per_set = (o->warm + o->concurrent + 2 + 1) / 2, want = 2 * per_set;
    stop_all();
    start(ALPHA, (unsigned)per_set, (unsigned)per_set);
    start(BRAVO, 0, 0);
    start(CHARLIE, 0, 0);
    if (!wf_df_wait_ready(&f, READY_MS))
        fail("the cluster did not become ready");
    double t0 = wf_bench_now(), limit = 60.0 + 10.0 * (double)want;
    size_t depth = 0;
    while ((depth = pool_depth(ALPHA, keys[0], NULL)) < want) {
        if (wf_bench_now() - t0 > limit)
            fail("the keeper did not fill the pools in time");
        wf_df_sleep_ms(200);
    }
    w->fill_s = wf_bench_now() - t0;
    w->filled = depth;
    wf_df_stop(&f, ALPHA);
    start(ALPHA, 0, 0);
    if (!wf_df_wait_ready(&f, READY_MS))
        fail("alpha did not come back");
    size_t before = pool_depth(ALPHA, keys[0], NULL);
    w->seq = sign_sequential(ALPHA, "warm", o->warm);
    size_t after = pool_depth(ALPHA, keys[0], NULL);
    w->from_pool = before >= after ? before - after : 0;
    w->conc = sign_concurrent(ALPHA, o->concurrent, o->threads);
    before = after;
    after = pool_depth(ALPHA, keys[0], NULL);
    w->conc_from_pool = before >= after ? before - after : 0;
}

/* ---- memory ---- */

typedef struct mem_result {
    size_t keys, pooled, inserted, rollbacks;
    double rss_ready_mib, rss_served_mib, hwm_mib;
    int served;
} mem_result;

static void die_store(const char *what)
{
    fprintf(stderr, "node_bench: alpha's store: %s: %s\n", what, wf_store_last_error());
    exit(1);
}

/* Presignatures pooled in store s for the first n keys. */
static size_t store_pooled(wf_store *s, size_t n, uint64_t *a_set)
{
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        wf_store_pool_depth depth[8];
        size_t np = 0;
        if (wf_store_presig_pools(s, keys[k], depth, 8, &np) != WF_OK)
            die_store("pools");
        for (size_t p = 0; p < np; p++) {
            total += depth[p].count;
            if (k == 0 && depth[p].count > 0 && a_set != NULL)
                *a_set = depth[p].signers;
        }
    }
    return total;
}

/* With alpha stopped: counts its audit records of members whose take
 * counter went backwards (*rollbacks), and tops its pooled presignatures up to `want` with
 * copies of one real presignature of keys[0] (taken from the pool, so it is
 * never used) under fresh ids, spread over the other keys so that a sign of
 * keys[0] never picks a copy. Returns how many were added. */
static int count_rollback(const wf_audit_entry *e, void *ctx)
{
    if (strcmp(e->kind, "rollback") == 0)
        ++*(size_t *)ctx;
    return 0;
}

static size_t insert_presigs(size_t n_keys, size_t want, size_t *pooled, size_t *rollbacks)
{
    char path[WF_CF_PATH + 16];
    snprintf(path, sizeof path, "%s/%s", f.dirs[ALPHA], WF_NODE_STORE_DIR);
    wf_store_unlock u = {.key_file = f.key_files[ALPHA]};
    wf_store *s = NULL;
    if (wf_store_open(&s, path, &u) != WF_OK)
        die_store("open");
    *rollbacks = 0;
    if (wf_store_audit_each(s, count_rollback, rollbacks) != WF_OK)
        die_store("audit");
    uint64_t set = 0;
    size_t have = store_pooled(s, n_keys, &set), added = 0;
    if (have < want) {
        if (set == 0 || n_keys < 2)
            fail("no real presignature of the first key to copy, or no other key to pool copies under");
        uint8_t id[32];
        wf_store_request req;
        wf_store_blob blob = {0};
        memset(&req, 0, sizeof req);
        req.id_len = (size_t)snprintf((char *)req.id, sizeof req.id, "bench-copy");
        if (wf_store_presig_pick(s, keys[0], set, id) != WF_OK ||
            wf_store_presig_take(s, keys[0], set, id, &req, &blob, NULL) != WF_OK)
            die_store("take");
        have--;
        for (size_t i = 0; have < want; i++, have++, added++) {
            const uint8_t *key = keys[1 + i % (n_keys - 1)];
            wf_store_key *k = NULL;
            if (wf_store_key_get(s, key, &k) != WF_OK)
                die_store("key");
            randombytes_buf(id, sizeof id);
            if (wf_store_presig_add(s, key, k->generation, set, id, &blob) != WF_OK)
                die_store("add");
            wf_store_key_free(k);
        }
        wf_store_blob_clear(&blob);
    }
    *pooled = store_pooled(s, n_keys, NULL);
    wf_store_close(s);
    return added;
}

/* At exit (also a failed REQUIRE): no warifud outlives the bench; it runs
 * before the fixture removes the node directories (atexit order). */
static void kill_child(void)
{
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        child = 0;
    }
}

static pid_t spawn_warifud(size_t i)
{
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const char *quiet = getenv("WF_TEST_VERBOSE") ? "--grace-ms=3000" : "--quiet";
        execl(WF_WARIFUD_BIN, WF_WARIFUD_BIN, "--node", f.dirs[i], "--cluster", f.cluster, "--policy",
              f.policy, "--client-ca", f.client_ca, "--client-listen", f.client_url[i], "--http",
              f.http_url[i], "--key-file", f.key_files[i], "--paillier-pool-high", "0", quiet,
              (char *)NULL); /* no background prime search beside what is measured */
        _exit(127);
    }
    return pid;
}

/* A line of /proc/<pid>/status ("VmRSS", "VmHWM") in MiB; -1 if absent. */
static double proc_mib(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    double mib = -1;
    size_t n = strlen(field);
    while (fp != NULL && fgets(line, sizeof line, fp) != NULL)
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            mib = strtod(line + n + 1, NULL) / 1024.0; /* kB */
            break;
        }
    if (fp != NULL)
        fclose(fp);
    return mib;
}

static void memory(const opts *o, mem_result *m)
{
    m->keys = o->keys;
    stop_all();
    m->inserted = insert_presigs(o->keys, o->presigs, &m->pooled, &m->rollbacks);

    pid_t pid = child = spawn_warifud(ALPHA);
    start(BRAVO, 0, 0);
    start(CHARLIE, 0, 0);
    int running[WF_DF_MAX] = {1, 1, 1};
    if (!wf_df_wait_ready_of(&f, running, READY_MS))
        fail("warifud alpha did not become ready");
    m->rss_ready_mib = proc_mib(pid, "VmRSS");
    size_t n_keys = 0, depth = pool_depth(ALPHA, NULL, &n_keys);
    m->served = n_keys == o->keys && depth == m->pooled && sign_once(ALPHA, "memory") >= 0;
    if (!m->served)
        fprintf(stderr, "node_bench: warifud alpha: %zu keys, %zu presignatures (wanted %zu, %zu)\n", n_keys,
                depth, o->keys, m->pooled);
    m->rss_served_mib = proc_mib(pid, "VmRSS");
    m->hwm_mib = proc_mib(pid, "VmHWM");
    int status = 0;
    if (kill(pid, SIGTERM) != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        fprintf(stderr, "node_bench: warifud alpha did not exit cleanly (status %d)\n", status);
    child = 0;
    stop_all();
}

/* ---- main ---- */

static int parse(int argc, char **argv, opts *o)
{
    static const opts full = {.cold = 30,
                              .warm = 200,
                              .concurrent = 100,
                              .threads = 4,
                              .keys = 10,
                              .presigs = 1000,
                              .status_calls = 50};
    static const opts quick = {
        .cold = 3, .warm = 10, .concurrent = 8, .threads = 4, .keys = 2, .presigs = 50, .status_calls = 10};
    *o = full;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--quick"))
            *o = quick;
    for (int i = 1; i < argc; i++) {
        size_t *v = NULL;
        if (!strcmp(argv[i], "--quick"))
            continue;
        if (!strcmp(argv[i], "--cold"))
            v = &o->cold;
        else if (!strcmp(argv[i], "--warm"))
            v = &o->warm;
        else if (!strcmp(argv[i], "--concurrent"))
            v = &o->concurrent;
        else if (!strcmp(argv[i], "--threads"))
            v = &o->threads;
        else if (!strcmp(argv[i], "--keys"))
            v = &o->keys;
        else if (!strcmp(argv[i], "--presigs"))
            v = &o->presigs;
        if (v == NULL || i + 1 >= argc)
            return 0;
        *v = (size_t)strtoul(argv[++i], NULL, 10);
    }
    return o->threads >= 1 && o->threads <= 16 && o->keys >= 2 && o->keys <= 64 && o->warm >= 1 &&
           o->concurrent >= o->threads;
}

int main(int argc, char **argv)
{
    opts o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr, "usage: node_bench [--quick] [--cold N] [--warm N] [--concurrent N] [--threads 1..16]"
                        " [--keys 2..64] [--presigs N]\n");
        return 2;
    }
    if (wf_crypto_init() != WF_OK)
        fail("wf_crypto_init");
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    atexit(kill_child);
    start_all();
    double t0 = wf_bench_now();
    keygen(0);
    double keygen_first_ms = (wf_bench_now() - t0) * 1e3;
    lat status = status_calls(ALPHA, o.status_calls);
    lat cold = sign_sequential(ALPHA, "cold", o.cold);
    warm_result w;
    warm(&o, &w);
    /* the other keys only now, so the keeper filled the first key's pools
     * alone; a restart first forgets the members alpha left out of quorums
     * (keygen needs every member) */
    stop_all();
    start_all();
    t0 = wf_bench_now();
    for (size_t k = 1; k < o.keys; k++)
        keygen(k);
    double keygen_mean_ms = (wf_bench_now() - t0) * 1e3 / (double)(o.keys - 1);
    mem_result m;
    memory(&o, &m);
    wf_df_teardown(&f);

    double rss = m.rss_served_mib > m.hwm_mib ? m.rss_served_mib : m.hwm_mib;
    printf("{\"bench\":\"node\",\"cluster\":\"2-of-3, ranks 0,0,1, in-process daemons, loopback mutual TLS\","
           "\"online_cpus\":%ld,\"keygen_first_ms\":%.1f,",
           sysconf(_SC_NPROCESSORS_ONLN), keygen_first_ms);
    print_lat("status_call", &status);
    print_lat("cold_sign", &cold);
    printf("\"presign_fill_presigs\":%zu,\"presign_fill_s\":%.2f,\"presign_fill_per_s\":%.2f,", w.filled,
           w.fill_s, w.fill_s > 0 ? (double)w.filled / w.fill_s : 0);
    print_lat("warm_sign", &w.seq);
    printf("\"warm_sign_from_pool\":%zu,\"warm_concurrent_threads\":%zu,", w.from_pool, o.threads);
    print_lat("warm_concurrent_sign", &w.conc);
    printf("\"warm_concurrent_sign_from_pool\":%zu,\"rollback_audit_records\":%zu,", w.conc_from_pool,
           m.rollbacks);
    printf("\"keys\":%zu,\"keygen_mean_ms\":%.1f,\"pooled_presigs\":%zu,\"presigs_inserted_directly\":%s,"
           "\"presigs_inserted\":%zu,\"memory_node_served\":%s,\"rss_ready_mib\":%.1f,"
           "\"rss_after_status_and_sign_mib\":%.1f,\"rss_hwm_mib\":%.1f,",
           m.keys, keygen_mean_ms, m.pooled, m.inserted > 0 ? "true" : "false", m.inserted,
           m.served ? "true" : "false", m.rss_ready_mib, m.rss_served_mib, m.hwm_mib);
    printf("\"goal_warm_p50_ms\":5,\"warm_p50_under_5ms\":%s,\"goal_rss_mib\":100,\"rss_under_100mib\":%s}\n",
           w.seq.n > 0 && w.seq.p50 < 5.0 ? "true" : "false", rss > 0 && rss < 100.0 ? "true" : "false");
    /* concurrent signs through one coordinator currently fail for the
     * daemon's own reasons (a freshly presigned presignature handed to two
     * requests; take counters compared in completion order, so a healthy
     * member is left out as "rolled back"): reported, not fatal */
    if (w.conc.failed + m.rollbacks > 0)
        fprintf(stderr, "node_bench: warning: %zu of %zu concurrent signs failed, %zu rollback alarm(s)\n",
                w.conc.failed, o.concurrent, m.rollbacks);
    int ok = status.failed + cold.failed + w.seq.failed == 0 && w.from_pool == o.warm && m.served;
    return ok ? 0 : 1;
}

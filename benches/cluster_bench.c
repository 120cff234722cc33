/* cluster_bench: a 3-of-5 hierarchical cluster (ranks 0,0,1,1,1) of real
 * warifud processes run by the simulator (simulator/sim_up.h), as one JSON
 * object. Two network settings, each in a work directory of its own:
 *
 *   rtt_matrix   every peer link behind a relay delaying it by half the RTT
 *                of its two regions (simulator/regions.h; regions tokyo,
 *                frankfurt, virginia, oregon, singapore; jitter 0.1 of the
 *                delay, warifu-sim up's default)
 *   no_latency   the same relays adding nothing (warifu-sim up --no-latency)
 *
 * In each setting, in order:
 *
 *   keygen_ms        keygen + aux-info among the five nodes (2048-bit Paillier
 *                    keys: mostly safe-prime search), asked of n1
 *   cold_sign_ms     N sequential signs to n1 with no keeper
 *                    (--presig-low 0 --presig-high 0) and an empty pool:
 *                    every sign presigns on demand, then signs.
 *                    "pool_empty_before" counts signs before which n1's status
 *                    showed no pooled presignature (must be all)
 *   presign_fill     the cluster restarted with its keepers on
 *                    (low = high = what the warm signs and the load need);
 *                    n1's keeper fills its first signing set while n2's
 *                    fills its own; timed from the cluster being up until
 *                    n1 holds enough
 *   warm_sign_ms     the cluster restarted again with the keepers off, N
 *                    sequential signs to n1 from the pool; "from_pool" counts
 *                    signs across which n1's pool depth (client Status) fell
 *                    by exactly one: with no keeper running, a sign that
 *                    presigned would leave it unchanged
 *   load             restarted with keepers on (low 1, high as above), the
 *                    load generator (simulator/load.h) offering `rate`
 *                    signs/s for `duration_s` round-robin over the five nodes,
 *                    starting with the pools the warm signs left. Failures
 *                    and retries by reason (the load generator's names), the
 *                    protocol sessions the nodes ran meanwhile (/metrics,
 *                    warifu_sessions_total summed over the nodes: each
 *                    session counts once per member), the failed attempts
 *                    whose reason says a presignature "was used already"
 *                    (two coordinators picked the same pooled presignature:
 *                    node/coordinator.c pick_pooled reserves only within one
 *                    node), and the audit records written meanwhile by kind
 *                    (abort, rollback, bad-result; read from the stores once
 *                    the cluster is down). "failed" counts every request
 *                    that did not end in a checked signature, "overloaded"
 *                    ones included (due while all `workers` were busy: the
 *                    generator is open-loop and drops them). achieved_per_s
 *                    is ok / elapsed_s, elapsed running to the last answer,
 *                    so a backlog's drain counts against it
 *
 * Defaults: 8 cold and 8 warm signs, 4 more presignatures pooled for the
 * load, and 4 signs/s for 10 s with 16 workers — above what the cluster
 * sustains on 2 cores once the pools are spent, because then every sign
 * presigns (CPU-bound: Paillier proofs) and presigns starved of CPU time out.
 *
 * Every request is a fresh mutual-TLS connection to the node's client API
 * (node/client.h is one-shot), and every signature is checked twice: by the
 * client library (verifies under the public key the node names, low-s, v,
 * DER) and against the child key derived from the key's xpub
 * (wf_sim_sign, and the load generator's own check). Latencies are wall
 * milliseconds from the client's first send to the checked signature,
 * percentiles by nearest rank. A sign that had to move to another node
 * (wf_sim_sign retries a retryable failure on the next node) is counted in
 * "moved" and its latency kept.
 *
 * Usage: cluster_bench [--quick] [--cold N] [--warm N] [--rate R] [--duration S]
 *                      [--load-pool N] [--only rtt_matrix|no_latency]
 * --quick is the smoke test: no_latency only, 3 signs each, 2 s of load.
 * Exits 1 when a setting could not be measured (cluster not up, keygen or a
 * sequential sign failed, a warm sign presigned); load failures are
 * reported, not fatal. The clusters are brought down and their directories
 * removed whatever happens (also on SIGINT/SIGTERM). */
#define _XOPEN_SOURCE 700 /* nftw */
#include <arpa/inet.h>
#include <ftw.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "benches/bench_util.h"
#include "crypto/secmem.h"
#include "simulator/load.h"
#include "simulator/regions.h"
#include "simulator/sim_client.h"
#include "simulator/sim_control.h"
#include "simulator/sim_up.h"
#include "store/audit.h"
#include "store/store.h"

#define NODES         5
#define THRESHOLD     3
#define JITTER        0.1   /* warifu-sim up's default */
#define SESSION_MS    20000 /* warifu-sim up's default */
#define READY_MS      120000
#define FILL_LIMIT_S  240.0
#define LOAD_WORKERS  16
#define LOAD_EXPIRY_S 120
#define MAX_SIGNS     1000
#define ERR_LINE_MAX  1024
#define METRICS_MAX   (1u << 20)

static const uint32_t RANKS[NODES] = {0, 0, 1, 1, 1};
static const char *const REGIONS[NODES] = {"tokyo", "frankfurt", "virginia", "oregon", "singapore"};
static const uint32_t PATH[2] = {0, 7};

typedef struct opts {
    int quick;
    size_t cold, warm, load_pool;
    double rate, duration_s;
    const char *only;
} opts;

typedef struct lat {
    size_t n, failed, moved, checked; /* checked: pool empty before (cold) / from pool (warm) */
    double p50, p99, mean;
} lat;

typedef struct sessions {
    double presign_done, presign_aborted, sign_done, sign_aborted;
} sessions;

typedef struct audit_kinds {
    long abort, rollback, bad_result;
} audit_kinds;

typedef struct load_result {
    wf_load_summary sum;
    size_t pool_n1_before;
    sessions ran;
    long used_already; /* failed attempts saying the presignature was used already */
    audit_kinds audit;
} load_result;

typedef struct setting {
    const char *name;
    int no_latency;
    int ok;
    double up_s, keygen_ms, fill_s;
    size_t filled;
    lat cold, warm;
    load_result load;
} setting;

/* ---- cleanup: every cluster down, every directory removed ---- */

static char root[64];
static wf_sim_layout L; /* the cluster of the setting running */
static int L_up;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cluster_down(void)
{
    if (L_up && wf_sim_control(&L, "down", 60000, NULL, NULL) != WF_OK)
        fprintf(stderr, "cluster_bench: down failed for %s\n", L.dir);
    L_up = 0;
}

static void cleanup(void)
{
    cluster_down();
    if (root[0] != '\0' && getenv("WF_BENCH_KEEP") == NULL)
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    root[0] = '\0';
}

/* A bench, not a library: the handler may do what is unsafe in general
 * (the socket talk of `down`) so that no cluster outlives an interrupt. */
static void on_signal(int sig)
{
    cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void warn(const char *what, const char *why)
{
    fprintf(stderr, "cluster_bench: %s: %s\n", what, why != NULL ? why : "(no reason given)");
}

/* ---- statistics ---- */

static void summarise(lat *l, double *ms)
{
    if (l->n == 0)
        return;
    qsort(ms, l->n, sizeof *ms, wf_bench_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < l->n; i++)
        sum += ms[i];
    l->p50 = wf_bench_rank(ms, l->n, 0.50);
    l->p99 = wf_bench_rank(ms, l->n, 0.99);
    l->mean = sum / (double)l->n;
}

/* ---- the cluster ---- */

static int up(const setting *s, const char *dir, unsigned low, unsigned high)
{
    wf_sim_up_opts o;
    memset(&o, 0, sizeof o);
    o.dir = dir;
    o.warifu = WF_WARIFU_BIN;
    o.ready_timeout_ms = READY_MS;
    o.spec.dir = dir;
    o.spec.n = NODES;
    o.spec.threshold = THRESHOLD;
    for (size_t k = 0; k < NODES; k++) {
        o.spec.ranks[k] = RANKS[k];
        o.spec.regions[k] = REGIONS[k];
    }
    o.sup = (wf_sup_opts){.warifud = WF_WARIFUD_BIN,
                          .no_latency = s->no_latency,
                          .jitter_frac = JITTER,
                          .presig_low = low,
                          .presig_high = high,
                          .session_timeout_ms = SESSION_MS,
                          .ready_fd = -1};
    const char *why = NULL;
    int created = 0;
    if (wf_sim_up(&o, WF_SIM_BIN, &L, &created, &why) != WF_OK) {
        warn("up", why);
        return 0;
    }
    L_up = 1;
    return 1;
}

static int restart(const setting *s, unsigned low, unsigned high)
{
    char dir[WF_SIM_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", L.dir);
    cluster_down();
    return up(s, dir, low, high);
}

/* Presignatures of the key that node k holds, over every signing set; -1
 * when the status call fails. */
static long pool_depth(const wf_client *c, size_t k, const wf_client_key *key)
{
    wf_client_node nodes[WF_SIM_MAX_NODES];
    Warifu__Wire__Status *st = NULL;
    wf_client_result res;
    wf_sim_client_nodes(&L, nodes, 0);
    if (wf_client_status(c, &nodes[k], &st, &res) != WF_CLIENT_SUCCEEDED)
        return -1;
    long total = 0;
    for (size_t i = 0; i < st->n_keys; i++) {
        const Warifu__Wire__KeyStatus *ks = st->keys[i];
        if (ks->key_id.len == WF_ID_BYTES && memcmp(ks->key_id.data, key->key_id, WF_ID_BYTES) == 0)
            for (size_t p = 0; p < ks->n_pools; p++)
                total += ks->pools[p]->depth;
    }
    wf_client_status_free(st);
    return total;
}

/* n sequential signs to n1; cold: the pool must be empty before each,
 * warm: each must take one presignature from it. */
static int sign_series(const wf_client *c, const wf_client_key *key, const char *phase, size_t n, int warm,
                       lat *out)
{
    double ms[MAX_SIGNS];
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n && i < MAX_SIGNS; i++) {
        char rid[64];
        uint8_t digest[32];
        wf_client_signature sig;
        wf_sim_outcome o;
        snprintf(rid, sizeof rid, "bench-%s-%zu", phase, i);
        randombytes_buf(digest, sizeof digest);
        long before = pool_depth(c, 0, key);
        double t0 = wf_bench_now();
        wf_client_outcome r = wf_sim_sign(&L, c, key, PATH, 2, digest, rid, 0, &sig, &o);
        double t = (wf_bench_now() - t0) * 1e3;
        long after = pool_depth(c, 0, key);
        if (r != WF_CLIENT_SUCCEEDED) {
            fprintf(stderr, "cluster_bench: %s sign %zu failed at %s: %s\n", phase, i,
                    L.nodes[o.served_by].name, o.last.why);
            out->failed++;
            continue;
        }
        ms[out->n++] = t;
        out->moved += o.served_by != 0;
        out->checked += warm ? (before > 0 && after == before - 1) : before == 0;
    }
    summarise(out, ms);
    return out->failed == 0 && out->checked == out->n;
}

/* n1's keeper fills its first signing set until n1 holds `want`. */
static int fill(const setting *s, const wf_client *c, const wf_client_key *key, size_t want, setting *out)
{
    if (!restart(s, (unsigned)want, (unsigned)want))
        return 0;
    double t0 = wf_bench_now();
    long depth = 0;
    /* a pooled presignature has one owner among its signers, the only
     * coordinator that may use it (node/coordinator.c): about one in
     * threshold of the presignatures n1 holds are n1's own, so fill with a margin */
    long need = (long)((want + 1) * L.threshold);
    while ((depth = pool_depth(c, 0, key)) < need) {
        if (wf_bench_now() - t0 > FILL_LIMIT_S) {
            fprintf(stderr, "cluster_bench: n1 holds %ld presignatures after %.0f s\n", depth, FILL_LIMIT_S);
            return 0;
        }
        usleep(200 * 1000);
    }
    out->fill_s = wf_bench_now() - t0;
    out->filled = (size_t)depth;
    return 1;
}

/* ---- what the nodes say: /metrics and the audit log ---- */

/* GET /metrics of node k, malloc'ed and NUL-terminated; NULL on failure. */
static char *metrics_of(size_t k)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(L.nodes[k].http_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 10};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char *buf = malloc(METRICS_MAX);
    size_t len = 0;
    if (fd < 0 || buf == NULL)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[128];
    int n =
        snprintf(req, sizeof req, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || send(fd, req, (size_t)n, 0) != n)
        goto fail;
    ssize_t got;
    while (len < METRICS_MAX - 1 && (got = recv(fd, buf + len, METRICS_MAX - 1 - len, 0)) > 0)
        len += (size_t)got;
    buf[len] = '\0';
    close(fd);
    return buf;
fail:
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

/* warifu_sessions_total summed over the nodes, by protocol and outcome. */
static void sessions_now(sessions *s)
{
    memset(s, 0, sizeof *s);
    for (size_t k = 0; k < L.n; k++) {
        char *text = metrics_of(k);
        for (char *line = text; line != NULL && *line != '\0';) {
            char *end = strchr(line, '\n');
            if (end != NULL)
                *end = '\0';
            const char *sp = strrchr(line, ' ');
            if (strncmp(line, "warifu_sessions_total{", 22) == 0 && sp != NULL) {
                double v = strtod(sp + 1, NULL);
                int done = strstr(line, "outcome=\"done\"") != NULL;
                if (strstr(line, "protocol=\"presign\"") != NULL)
                    *(done ? &s->presign_done : &s->presign_aborted) += v;
                else if (strstr(line, "protocol=\"sign\"") != NULL)
                    *(done ? &s->sign_done : &s->sign_aborted) += v;
            }
            line = end != NULL ? end + 1 : NULL;
        }
        free(text);
    }
}

static int count_kind(const wf_audit_entry *e, void *ctx)
{
    audit_kinds *a = ctx;
    a->abort += strcmp(e->kind, "abort") == 0;
    a->rollback += strcmp(e->kind, "rollback") == 0;
    a->bad_result += strcmp(e->kind, "bad-result") == 0;
    return 0;
}

/* Audit records of every node by kind (read-only, beside running nodes or not). */
static void audit_now(audit_kinds *a)
{
    memset(a, 0, sizeof *a);
    for (size_t k = 0; k < L.n; k++) {
        char store[WF_SIM_PATH_MAX + 8];
        snprintf(store, sizeof store, "%s/store", L.nodes[k].dir);
        wf_store_unlock u = {.key_file = L.nodes[k].key_file};
        wf_store *s = NULL;
        if (wf_store_open_readonly(&s, store, &u) != WF_OK || wf_store_audit_each(s, count_kind, a) != WF_OK)
            warn("cannot read the audit log of", L.nodes[k].name);
        wf_store_close(s);
    }
}

/* Failed attempts in the load's error lines whose reason is a presignature
 * another request had taken. */
static long used_already(FILE *errors)
{
    char line[ERR_LINE_MAX];
    long n = 0;
    rewind(errors);
    while (fgets(line, sizeof line, errors) != NULL) {
        n += strstr(line, "used already") != NULL;
        if (getenv("WF_BENCH_VERBOSE") != NULL)
            fputs(line, stderr);
    }
    return n;
}

/* ---- the load ---- */

static int run_load(const setting *s, const wf_client *c, const wf_client_key *key, const opts *o,
                    load_result *out)
{
    if (!restart(s, 1, (unsigned)(o->warm + o->load_pool)))
        return 0;
    wf_load_node nodes[WF_SIM_MAX_NODES];
    for (size_t k = 0; k < L.n; k++)
        nodes[k] = (wf_load_node){L.nodes[k].name, L.nodes[k].client_url, L.nodes[k].cert};
    FILE *errors = tmpfile();
    wf_load_cfg cfg = {.nodes = nodes,
                       .n_nodes = L.n,
                       .client_dir = L.client_dir,
                       .path = PATH,
                       .path_len = 2,
                       .rate = o->rate,
                       .duration_s = o->duration_s,
                       .concurrency = LOAD_WORKERS,
                       .expiry_s = LOAD_EXPIRY_S,
                       .errors = errors};
    memcpy(cfg.key_id, key->key_id, WF_ID_BYTES);
    long depth = pool_depth(c, 0, key);
    out->pool_n1_before = depth > 0 ? (size_t)depth : 0;
    sessions s0, s1;
    audit_kinds a0;
    sessions_now(&s0);
    audit_now(&a0);
    const char *why = NULL;
    wf_err err = wf_load_run(&cfg, &out->sum, &why);
    sessions_now(&s1);
    out->ran = (sessions){s1.presign_done - s0.presign_done, s1.presign_aborted - s0.presign_aborted,
                          s1.sign_done - s0.sign_done, s1.sign_aborted - s0.sign_aborted};
    cluster_down();
    audit_now(&out->audit);
    out->audit.abort -= a0.abort;
    out->audit.rollback -= a0.rollback;
    out->audit.bad_result -= a0.bad_result;
    out->used_already = errors != NULL ? used_already(errors) : -1;
    if (errors != NULL)
        fclose(errors);
    if (err != WF_OK)
        warn("load", why);
    return err == WF_OK;
}

/* ---- one setting ---- */

static int measure(setting *s, const opts *o)
{
    char dir[WF_SIM_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", root, s->name);
    double t0 = wf_bench_now();
    if (!up(s, dir, 0, 0))
        return 0;
    s->up_s = wf_bench_now() - t0;
    wf_client *c = NULL;
    const char *why = NULL;
    if (wf_client_open(&c, L.client_dir, 1, &why) != WF_OK) {
        warn("client", why);
        cluster_down();
        return 0;
    }
    wf_client_key key;
    wf_sim_outcome ko;
    int ok = 0;
    t0 = wf_bench_now();
    if (wf_sim_keygen(&L, c, "bench-key", 0, &key, &ko) != WF_CLIENT_SUCCEEDED) {
        warn("keygen", ko.last.why);
        goto done;
    }
    s->keygen_ms = (wf_bench_now() - t0) * 1e3;
    fprintf(stderr, "cluster_bench: %s: keygen %.1f s\n", s->name, s->keygen_ms / 1e3);
    ok = sign_series(c, &key, "cold", o->cold, 0, &s->cold);
    fprintf(stderr, "cluster_bench: %s: cold p50 %.0f ms\n", s->name, s->cold.p50);
    ok = fill(s, c, &key, o->warm + o->load_pool, s) && ok;
    ok = ok && restart(s, 0, 0) && sign_series(c, &key, "warm", o->warm, 1, &s->warm);
    fprintf(stderr, "cluster_bench: %s: warm p50 %.0f ms\n", s->name, s->warm.p50);
    if (ok && run_load(s, c, &key, o, &s->load))
        fprintf(stderr, "cluster_bench: %s: load %.2f/s achieved\n", s->name, s->load.sum.achieved_rate);
    else
        ok = 0;
done:
    wf_client_close(c);
    cluster_down();
    s->ok = ok;
    return ok;
}

/* ---- JSON ---- */

static void print_lat(const char *name, const char *checked, const lat *l)
{
    printf(
        "\"%s\":{\"p50\":%.1f,\"p99\":%.1f,\"mean\":%.1f,\"n\":%zu,\"failed\":%zu,\"moved\":%zu,\"%s\":%zu},",
        name, l->p50, l->p99, l->mean, l->n, l->failed, l->moved, checked, l->checked);
}

static void print_reasons(const char *name, const uint64_t *counts)
{
    int first = 1;
    printf("\"%s\":{", name);
    for (int r = 0; r < WF_LOAD_REASONS; r++)
        if (counts[r] > 0) {
            printf("%s\"%s\":%llu", first ? "" : ",", wf_load_reason_name((wf_load_reason)r),
                   (unsigned long long)counts[r]);
            first = 0;
        }
    printf("},");
}

static void print_load(const opts *o, const load_result *l)
{
    const wf_load_summary *s = &l->sum;
    printf("\"load\":{\"offered_per_s\":%.2f,\"duration_s\":%.1f,\"workers\":%d,\"n1_pool_before\":%zu,"
           "\"requests\":%llu,\"ok\":%llu,\"failed\":%llu,\"retries\":%llu,",
           o->rate, o->duration_s, LOAD_WORKERS, l->pool_n1_before, (unsigned long long)s->requests,
           (unsigned long long)s->ok, (unsigned long long)s->failed, (unsigned long long)s->retries);
    print_reasons("failures", s->failures);
    print_reasons("retried", s->retried);
    printf("\"latency_ms\":{\"p50\":%.1f,\"p95\":%.1f,\"p99\":%.1f,\"max\":%.1f},\"elapsed_s\":%.2f,"
           "\"achieved_per_s\":%.3f,",
           s->p50_ms, s->p95_ms, s->p99_ms, s->max_ms, s->elapsed_s, s->achieved_rate);
    printf("\"sessions_member_counts\":{\"presign_done\":%.0f,\"presign_aborted\":%.0f,\"sign_done\":%.0f,"
           "\"sign_aborted\":%.0f},\"attempts_presig_used_already\":%ld,"
           "\"audit_records\":{\"abort\":%ld,\"rollback\":%ld,\"bad_result\":%ld}}",
           l->ran.presign_done, l->ran.presign_aborted, l->ran.sign_done, l->ran.sign_aborted,
           l->used_already, l->audit.abort, l->audit.rollback, l->audit.bad_result);
}

static void print_setting(const opts *o, const setting *s)
{
    printf("{\"name\":\"%s\",\"added_latency\":%s,\"measured\":%s,\"up_s\":%.2f,\"keygen_ms\":%.0f,", s->name,
           s->no_latency ? "false" : "true", s->ok ? "true" : "false", s->up_s, s->keygen_ms);
    print_lat("cold_sign_ms", "pool_empty_before", &s->cold);
    printf("\"presign_fill\":{\"n1_presigs\":%zu,\"s\":%.2f,\"per_s\":%.3f},", s->filled, s->fill_s,
           s->fill_s > 0 ? (double)s->filled / s->fill_s : 0);
    print_lat("warm_sign_ms", "from_pool", &s->warm);
    print_load(o, &s->load);
    printf("}");
}

/* The default RTT of every pair of the regions used, and the jitter. */
static void print_network(void)
{
    printf("\"rtt_matrix_ms\":{");
    int first = 1;
    for (size_t a = 0; a < NODES; a++)
        for (size_t b = a + 1; b < NODES; b++) {
            uint32_t ms = 0;
            const char *why = NULL;
            if (wf_region_rtt_ms(NULL, REGIONS[a], REGIONS[b], &ms, &why) != WF_OK)
                continue;
            printf("%s\"%s-%s\":%u", first ? "" : ",", REGIONS[a], REGIONS[b], (unsigned)ms);
            first = 0;
        }
    printf("},\"one_way_delay\":\"rtt/2 per direction\",\"jitter_fraction_of_delay\":%.2f,", JITTER);
}

static void print_json(const opts *o, setting *set, size_t n, double total_s)
{
    printf("{\"bench\":\"cluster\",\"quick\":%s,\"nproc\":%ld,", o->quick ? "true" : "false",
           sysconf(_SC_NPROCESSORS_ONLN));
    printf("\"cluster\":{\"nodes\":%d,\"threshold\":%d,\"ranks\":[", NODES, THRESHOLD);
    for (size_t k = 0; k < NODES; k++)
        printf("%s%u", k ? "," : "", (unsigned)RANKS[k]);
    printf("],\"regions\":[");
    for (size_t k = 0; k < NODES; k++)
        printf("%s\"%s\"", k ? "," : "", REGIONS[k]);
    /* warifud's default Paillier size: the simulator passes none */
    printf("],\"paillier_bits\":2048,\"session_timeout_ms\":%d,\"path\":\"m/0/7\",\"sign_target\":\"n1\","
           "\"load_target\":\"round-robin\"},",
           SESSION_MS);
    print_network();
    printf("\"settings\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            printf(",");
        print_setting(o, &set[i]);
    }
    printf("],\"total_s\":%.1f}\n", total_s);
}

/* ---- main ---- */

static int parse(int argc, char **argv, opts *o)
{
    *o = (opts){.cold = 8, .warm = 8, .load_pool = 4, .rate = 4, .duration_s = 10};
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0)
            *o = (opts){.quick = 1,
                        .cold = 3,
                        .warm = 3,
                        .load_pool = 3,
                        .rate = 4,
                        .duration_s = 2,
                        .only = "no_latency"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0)
            continue;
        if (v == NULL)
            return 0;
        i++;
        if (strcmp(a, "--cold") == 0)
            o->cold = strtoul(v, NULL, 10);
        else if (strcmp(a, "--warm") == 0)
            o->warm = strtoul(v, NULL, 10);
        else if (strcmp(a, "--load-pool") == 0)
            o->load_pool = strtoul(v, NULL, 10);
        else if (strcmp(a, "--rate") == 0)
            o->rate = strtod(v, NULL);
        else if (strcmp(a, "--duration") == 0)
            o->duration_s = strtod(v, NULL);
        else if (strcmp(a, "--only") == 0)
            o->only = v;
        else
            return 0;
    }
    return o->cold >= 1 && o->cold <= MAX_SIGNS && o->warm >= 1 && o->warm <= MAX_SIGNS && o->rate > 0 &&
           o->rate <= 1000 && o->duration_s > 0 && o->duration_s <= 600;
}

int main(int argc, char **argv)
{
    opts o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr, "usage: cluster_bench [--quick] [--cold N] [--warm N] [--rate R] [--duration S]"
                        " [--load-pool N] [--only rtt_matrix|no_latency]\n");
        return 2;
    }
    if (wf_crypto_init() != WF_OK)
        return 1;
    snprintf(root, sizeof root, "/tmp/wf-cluster-bench-XXXXXX");
    if (mkdtemp(root) == NULL) {
        warn("cannot create a directory like", root);
        root[0] = '\0';
        return 1;
    }
    atexit(cleanup);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    setting all[2] = {{.name = "rtt_matrix", .no_latency = 0}, {.name = "no_latency", .no_latency = 1}};
    setting run[2];
    size_t n = 0;
    int ok = 1;
    double t0 = wf_bench_now();
    for (size_t i = 0; i < 2; i++) {
        if (o.only != NULL && strcmp(o.only, all[i].name) != 0)
            continue;
        run[n] = all[i];
        ok = measure(&run[n], &o) && ok;
        n++;
    }
    if (n == 0) {
        warn("--only names no setting", o.only);
        return 2;
    }
    print_json(&o, run, n, wf_bench_now() - t0);
    return ok ? 0 : 1;
}

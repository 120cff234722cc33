/* The load generator (load.h): a dispatcher on the caller's thread that
 * makes requests due at the rate, a pool of workers that send them, retry
 * them on the next node and check what comes back, and the summary. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/ecdsa.h"
#include "node/client.h"
#include "node/fail.h"
#include "node/text_format.h"
#include "simulator/load.h"

#define PREFIX_BYTES 8 /* random, so that runs against one cluster never share a request id */

typedef struct load {
    const wf_load_cfg *cfg;
    wf_client *client;
    wf_client_node nodes[WF_LOAD_NODES_MAX];
    wf_point child; /* what every signature must verify under */
    uint8_t child_bytes[WF_POINT_BYTES];
    char prefix[2 * PREFIX_BYTES + 1];

    pthread_mutex_t mu;
    pthread_cond_t work; /* a request was queued, or stop */
    pthread_cond_t done; /* a worker finished one; on CLOCK_MONOTONIC */
    uint64_t *queue;     /* ring of cfg->concurrency due request numbers */
    size_t head, queued;
    size_t idle; /* workers with nothing queued for them */
    int stop;    /* no more requests will be queued */
    uint64_t due, sent, ok, failed, retries, in_flight;
    uint64_t failures[WF_LOAD_REASONS], retried[WF_LOAD_REASONS];
    double *latency_ms; /* of the ok requests, in order of completion */
    struct timespec start, last_answer;
} load;

static const char *const reason_names[WF_LOAD_REASONS] = {
    "CLIENT_BAD_REQUEST", "CLIENT_UNAUTHENTICATED",
    "CLIENT_EXPIRED",     "CLIENT_DENIED",
    "CLIENT_NOT_FOUND",   "CLIENT_CONFLICT",
    "CLIENT_UNAVAILABLE", "CLIENT_ABORTED",
    "CLIENT_INTERNAL",    "CLIENT_SHUTTING_DOWN",
    "unknown_code",       "no_connection",
    "tls_failed",         "timeout",
    "node_failed",        "transport",
    "bad_answer",         "bad_signature",
    "overloaded",         "local",
};

const char *wf_load_reason_name(wf_load_reason r)
{
    return (unsigned)r < WF_LOAD_REASONS ? reason_names[r] : "?";
}

static wf_load_reason reason_of(const wf_client_result *res)
{
    switch (res->outcome) {
    case WF_CLIENT_NODE_ERROR:
        /* client.proto's codes 1..10 are the table's first ten */
        return res->code >= 1 && res->code <= 10 ? (wf_load_reason)(res->code - 1) : WF_LOAD_UNKNOWN_CODE;
    case WF_CLIENT_NO_ANSWER:
        switch (res->err) {
        case WF_ERR_NOT_FOUND: return WF_LOAD_NO_CONNECTION;
        case WF_ERR_VERIFY: return WF_LOAD_TLS_FAILED;
        case WF_ERR_CANCELLED: return WF_LOAD_TIMEOUT;
        case WF_ERR_INTERNAL: return WF_LOAD_NODE_FAILED;
        default: return WF_LOAD_TRANSPORT;
        }
    case WF_CLIENT_BAD_ANSWER: return res->err == WF_ERR_VERIFY ? WF_LOAD_BAD_SIGNATURE : WF_LOAD_BAD_ANSWER;
    default: return WF_LOAD_LOCAL;
    }
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* a + ms */
static struct timespec after_ms(const struct timespec *a, double ms)
{
    struct timespec t = *a;
    long long ns = (long long)t.tv_nsec + (long long)(ms * 1e6);
    t.tv_sec += (time_t)(ns / 1000000000LL);
    t.tv_nsec = (long)(ns % 1000000000LL);
    return t;
}

static struct timespec now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

/* ---- one request ---- */

/* The signature is for this digest, low-s, under the child key. */
static int signature_good(const load *l, const wf_sign_request *r, const wf_client_signature *s)
{
    uint8_t compact[WF_ECDSA_COMPACT_BYTES];
    wf_ecdsa_sig sig;
    memcpy(compact, s->r, 32);
    memcpy(compact + 32, s->s, 32);
    compact[64] = s->v;
    return memcmp(s->public_key, l->child_bytes, WF_POINT_BYTES) == 0 &&
           wf_ecdsa_sig_from_compact(&sig, compact, sizeof compact) == WF_OK &&
           wf_ecdsa_verify_strict(&l->child, r->digest, &sig) == WF_OK;
}

static void request_make(const load *l, uint64_t seq, wf_sign_request *r)
{
    memset(r, 0, sizeof *r);
    int n = snprintf((char *)r->request_id, sizeof r->request_id, "load-%s-%llu", l->prefix,
                     (unsigned long long)seq);
    r->request_id_len = (size_t)n; /* at most 5 + 16 + 1 + 20 characters */
    memcpy(r->key_id, l->cfg->key_id, WF_ID_BYTES);
    if (l->cfg->path_len > 0)
        memcpy(r->path, l->cfg->path, l->cfg->path_len * sizeof *r->path);
    r->path_len = l->cfg->path_len;
    randombytes_buf(r->digest, sizeof r->digest);
    r->expiry_ms = wf_client_expiry_after(l->cfg->expiry_s);
}

/* Sends request seq round-robin from its node on, to each node at most
 * once, and records how it ended. */
static void request_run(load *l, uint64_t seq)
{
    wf_sign_request r;
    wf_client_signature sig;
    wf_client_result res;
    uint64_t retried[WF_LOAD_REASONS] = {0};
    int ok = 0;
    wf_load_reason reason = WF_LOAD_LOCAL;
    size_t n = l->cfg->n_nodes, first = (size_t)(seq % n);

    request_make(l, seq, &r);
    struct timespec t0 = now();
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            retried[reason]++;
        if (wf_client_sign(l->client, &l->nodes[(first + k) % n], &r, &sig, &res) == WF_CLIENT_SUCCEEDED) {
            ok = signature_good(l, &r, &sig);
            reason = WF_LOAD_BAD_SIGNATURE;
            break;
        }
        reason = reason_of(&res);
        if (l->cfg->errors != NULL)
            fprintf(l->cfg->errors, "load: %.*s on %s: %s\n", (int)r.request_id_len,
                    (const char *)r.request_id, l->cfg->nodes[(first + k) % n].name, res.why);
        if (!wf_client_retryable(&res))
            break;
    }
    struct timespec t1 = now();
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < WF_LOAD_REASONS; i++) {
        l->retries += retried[i];
        l->retried[i] += retried[i];
    }
    if (ok) {
        l->latency_ms[l->ok++] = ms_between(&t0, &t1);
    } else {
        l->failures[reason]++;
        l->failed++;
    }
    if (ms_between(&l->last_answer, &t1) > 0)
        l->last_answer = t1;
    pthread_mutex_unlock(&l->mu);
}

/* ---- the workers and the dispatcher ---- */

static void *worker_main(void *arg)
{
    load *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (l->queued == 0 && !l->stop)
            pthread_cond_wait(&l->work, &l->mu);
        if (l->queued == 0)
            break;
        uint64_t seq = l->queue[l->head];
        l->head = (l->head + 1) % l->cfg->concurrency;
        l->queued--;
        pthread_mutex_unlock(&l->mu);
        request_run(l, seq);
        pthread_mutex_lock(&l->mu);
        l->in_flight--;
        l->idle++;
        pthread_cond_signal(&l->done);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* Request seq is due: to an idle worker, or dropped. */
static void dispatch(load *l, uint64_t seq)
{
    pthread_mutex_lock(&l->mu);
    l->due++;
    if (l->idle > 0) {
        l->idle--;
        l->queue[(l->head + l->queued) % l->cfg->concurrency] = seq;
        l->queued++;
        l->sent++;
        l->in_flight++;
        pthread_cond_signal(&l->work);
    } else {
        l->failures[WF_LOAD_OVERLOADED]++;
        l->failed++;
    }
    pthread_mutex_unlock(&l->mu);
}

/* The progress line, if one is due (at *next, then a second later). */
static void progress(load *l, struct timespec *next)
{
    struct timespec t = now();
    if (ms_between(next, &t) < 0)
        return;
    *next = after_ms(next, 1000);
    if (l->cfg->progress == NULL)
        return;
    pthread_mutex_lock(&l->mu);
    fprintf(l->cfg->progress, "load %.0f s: sent %llu, ok %llu, failed %llu, in flight %llu\n",
            ms_between(&l->start, &t) / 1e3, (unsigned long long)l->sent, (unsigned long long)l->ok,
            (unsigned long long)l->failed, (unsigned long long)l->in_flight);
    pthread_mutex_unlock(&l->mu);
    fflush(l->cfg->progress);
}

static void sleep_until(const struct timespec *t)
{
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR)
        ;
}

/* Makes the requests due at the rate, from l->start on, then waits for the
 * last answer. */
static void run_arrivals(load *l, uint64_t count)
{
    struct timespec next_progress = after_ms(&l->start, 1000);
    for (uint64_t seq = 0; seq < count; seq++) {
        struct timespec due = after_ms(&l->start, (double)seq * 1e3 / l->cfg->rate);
        while (ms_between(&next_progress, &due) > 0) {
            sleep_until(&next_progress);
            progress(l, &next_progress);
        }
        sleep_until(&due);
        dispatch(l, seq);
    }
    pthread_mutex_lock(&l->mu);
    while (l->in_flight > 0) {
        pthread_cond_timedwait(&l->done, &l->mu, &next_progress);
        pthread_mutex_unlock(&l->mu);
        progress(l, &next_progress);
        pthread_mutex_lock(&l->mu);
    }
    l->stop = 1;
    pthread_cond_broadcast(&l->work);
    pthread_mutex_unlock(&l->mu);
}

/* ---- set-up ---- */

static wf_err check_cfg(const wf_load_cfg *c, const char **why)
{
    wf_err err = WF_OK;
    if (c == NULL || c->nodes == NULL || c->n_nodes == 0 || c->n_nodes > WF_LOAD_NODES_MAX)
        FAIL(WF_ERR_ARG, wf_why_fmt("need 1..%d nodes", WF_LOAD_NODES_MAX));
    for (size_t i = 0; i < c->n_nodes; i++)
        if (c->nodes[i].name == NULL || c->nodes[i].client_url == NULL || c->nodes[i].cert_path == NULL)
            FAIL(WF_ERR_ARG, "every node needs a name, a client URL and a certificate");
    if (c->client_dir == NULL)
        FAIL(WF_ERR_ARG, "need a client directory");
    if (c->path_len > WF_REQUEST_PATH_MAX || (c->path == NULL && c->path_len > 0))
        FAIL(WF_ERR_ARG, wf_why_fmt("a path is at most %d steps", WF_REQUEST_PATH_MAX));
    if (!(c->rate > 0 && c->rate <= WF_LOAD_RATE_MAX))
        FAIL(WF_ERR_ARG, "the rate must be above 0 and at most 100000 requests a second");
    if (!(c->duration_s > 0 && c->duration_s <= WF_LOAD_DURATION_MAX))
        FAIL(WF_ERR_ARG, "the duration must be above 0 and at most a day");
    if (c->concurrency == 0 || c->concurrency > WF_LOAD_CONCURRENCY_MAX)
        FAIL(WF_ERR_ARG, wf_why_fmt("the concurrency must be 1..%d", WF_LOAD_CONCURRENCY_MAX));
    if (c->expiry_s == 0 || c->expiry_s > WF_REQUEST_MAX_TTL_MS / 1000)
        FAIL(WF_ERR_ARG, "the expiry must be 1..600 seconds");
done:
    return err;
}

/* The client, the nodes, and the child key from the first node that gives
 * the key. */
static wf_err open_cluster(load *l, const char **why)
{
    const wf_load_cfg *c = l->cfg;
    const char *reason = NULL;
    wf_client_result res;
    wf_client_key key;
    memset(&key, 0, sizeof key);
    wf_err err = wf_client_open(&l->client, c->client_dir, 1, &reason);
    /* the reasons may be in wf_why_fmt's buffer already: wrapped, not formatted */
    if (err != WF_OK)
        FAIL(err, wf_why_wrap(reason, "client directory %s", c->client_dir));
    for (size_t i = 0; i < c->n_nodes; i++) {
        l->nodes[i] = (wf_client_node){c->nodes[i].client_url, c->nodes[i].cert_path, c->timeout_ms};
        if ((err = wf_client_node_check(&l->nodes[i], &reason)) != WF_OK)
            FAIL(err,
                 wf_why_wrap(reason, "node %s: certificate %s", c->nodes[i].name, c->nodes[i].cert_path));
    }
    for (size_t i = 0; i < c->n_nodes; i++) {
        wf_client_node query = l->nodes[i];
        query.timeout_ms = 0;
        if (wf_client_pubkey(l->client, &query, c->key_id, &key, &res) == WF_CLIENT_SUCCEEDED)
            break;
        if (i + 1 == c->n_nodes)
            FAIL(WF_ERR_NOT_FOUND,
                 wf_why_fmt("no node gives the key; the last, %s: %s", c->nodes[i].name, res.why));
    }
    if ((err = wf_client_key_child(&l->child, &key, c->path, c->path_len)) != WF_OK ||
        (err = wf_point_serialize(l->child_bytes, &l->child)) != WF_OK)
        FAIL(err, "the key's xpub gives no child key at the path");
done:
    return err;
}

/* Nearest rank: the smallest value with at least p of them at or below it. */
static double percentile(const double *sorted, uint64_t n, double p)
{
    if (n == 0)
        return 0;
    uint64_t rank = (uint64_t)ceil(p * (double)n);
    return sorted[rank > 0 ? rank - 1 : 0];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void summarize(load *l, wf_load_summary *out)
{
    memset(out, 0, sizeof *out);
    out->requests = l->due;
    out->sent = l->sent;
    out->ok = l->ok;
    out->failed = l->failed;
    out->retries = l->retries;
    memcpy(out->failures, l->failures, sizeof out->failures);
    memcpy(out->retried, l->retried, sizeof out->retried);
    qsort(l->latency_ms, l->ok, sizeof *l->latency_ms, cmp_double);
    out->p50_ms = percentile(l->latency_ms, l->ok, 0.50);
    out->p95_ms = percentile(l->latency_ms, l->ok, 0.95);
    out->p99_ms = percentile(l->latency_ms, l->ok, 0.99);
    out->max_ms = l->ok > 0 ? l->latency_ms[l->ok - 1] : 0;
    out->elapsed_s = ms_between(&l->start, &l->last_answer) / 1e3;
    out->offered_rate = (double)l->due / l->cfg->duration_s;
    out->achieved_rate = out->elapsed_s > 0 ? (double)l->ok / out->elapsed_s : 0;
}

static int sync_init(load *l)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return 0;
    int ok =
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 && pthread_cond_init(&l->done, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (ok && pthread_cond_init(&l->work, NULL) != 0) {
        pthread_cond_destroy(&l->done);
        ok = 0;
    }
    if (ok && pthread_mutex_init(&l->mu, NULL) != 0) {
        pthread_cond_destroy(&l->work);
        pthread_cond_destroy(&l->done);
        ok = 0;
    }
    return ok;
}

wf_err wf_load_run(const wf_load_cfg *cfg, wf_load_summary *out, const char **why)
{
    wf_err err;
    load *l = NULL;
    pthread_t *workers = NULL;
    size_t started = 0;
    int synced = 0;

    if (out == NULL)
        return WF_ERR_ARG;
    memset(out, 0, sizeof *out);
    if ((err = check_cfg(cfg, why)) != WF_OK)
        return err;
    /* the arrivals at seq/rate for every seq with seq/rate < duration */
    uint64_t count = (uint64_t)ceil(cfg->rate * cfg->duration_s);
    if ((l = calloc(1, sizeof *l)) == NULL || (workers = calloc(cfg->concurrency, sizeof *workers)) == NULL ||
        (l->queue = calloc(cfg->concurrency, sizeof *l->queue)) == NULL ||
        (l->latency_ms = calloc(count, sizeof *l->latency_ms)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    l->cfg = cfg;
    if ((err = open_cluster(l, why)) != WF_OK)
        goto done;
    uint8_t prefix[PREFIX_BYTES];
    randombytes_buf(prefix, sizeof prefix);
    wf_hex_encode(l->prefix, prefix, sizeof prefix);
    if (!(synced = sync_init(l)))
        FAIL(WF_ERR_INTERNAL, "cannot make a mutex");
    l->idle = cfg->concurrency;
    for (; started < cfg->concurrency; started++)
        if (pthread_create(&workers[started], NULL, worker_main, l) != 0)
            break;
    if (started < cfg->concurrency) {
        pthread_mutex_lock(&l->mu);
        l->stop = 1;
        pthread_cond_broadcast(&l->work);
        pthread_mutex_unlock(&l->mu);
        FAIL(WF_ERR_INTERNAL, wf_why_fmt("cannot start worker %zu of %zu", started + 1, cfg->concurrency));
    }
    l->start = l->last_answer = now();
    run_arrivals(l, count);
    for (size_t i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    started = 0;
    summarize(l, out);
done:
    for (size_t i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    if (synced) {
        pthread_mutex_destroy(&l->mu);
        pthread_cond_destroy(&l->work);
        pthread_cond_destroy(&l->done);
    }
    if (l != NULL) {
        wf_client_close(l->client);
        free(l->queue);
        free(l->latency_ms);
    }
    free(l);
    free(workers);
    return err;
}

/* ---- the report ---- */

/* {"CLIENT_BAD_REQUEST":0,...}: every reason. */
static void json_reasons(FILE *f, const uint64_t counts[WF_LOAD_REASONS])
{
    for (int r = 0; r < WF_LOAD_REASONS; r++)
        fprintf(f, "%s\"%s\":%llu", r > 0 ? "," : "{", reason_names[r], (unsigned long long)counts[r]);
    fputc('}', f);
}

/* "load: <what>: CLIENT_UNAVAILABLE 2, overloaded 1": those that happened. */
static void text_reasons(FILE *f, const char *what, const uint64_t counts[WF_LOAD_REASONS])
{
    int any = 0;
    for (int r = 0; r < WF_LOAD_REASONS; r++)
        if (counts[r] > 0)
            fprintf(f, "%s %s %llu", any++ ? "," : what, reason_names[r], (unsigned long long)counts[r]);
    if (any)
        fputc('\n', f);
}

static void print_json(const wf_load_summary *s, FILE *f)
{
    fprintf(f, "{\"requests\":%llu,\"sent\":%llu,\"ok\":%llu,\"failed\":%llu,\"retries\":%llu,\"failures\":",
            (unsigned long long)s->requests, (unsigned long long)s->sent, (unsigned long long)s->ok,
            (unsigned long long)s->failed, (unsigned long long)s->retries);
    json_reasons(f, s->failures);
    fprintf(f, ",\"retried\":");
    json_reasons(f, s->retried);
    fprintf(f,
            ",\"latency_ms\":{\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f,\"max\":%.3f},\"elapsed_s\":%.3f,"
            "\"offered_rate\":%.3f,\"achieved_rate\":%.3f}\n",
            s->p50_ms, s->p95_ms, s->p99_ms, s->max_ms, s->elapsed_s, s->offered_rate, s->achieved_rate);
}

static void print_text(const wf_load_summary *s, FILE *f)
{
    fprintf(f, "load: %llu requests (%.1f/s offered), %llu sent, %llu ok, %llu failed, %llu retries\n",
            (unsigned long long)s->requests, s->offered_rate, (unsigned long long)s->sent,
            (unsigned long long)s->ok, (unsigned long long)s->failed, (unsigned long long)s->retries);
    fprintf(f, "load: %.2f s, %.1f signatures/s; latency ms p50 %.1f, p95 %.1f, p99 %.1f, max %.1f\n",
            s->elapsed_s, s->achieved_rate, s->p50_ms, s->p95_ms, s->p99_ms, s->max_ms);
    text_reasons(f, "load: failures:", s->failures);
    text_reasons(f, "load: retried after:", s->retried);
}

void wf_load_print(const wf_load_summary *s, FILE *json, FILE *text)
{
    if (s == NULL)
        return;
    if (json != NULL)
        print_json(s, json);
    if (text != NULL)
        print_text(s, text);
}

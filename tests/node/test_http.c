/* node/http.c over loopback, fetched with a hand-written HTTP/1.1 client on a
 * raw socket (so status line, headers and body are seen as sent): /healthz,
 * /readyz following its callback, /metrics (exact values after updates from
 * several threads, label escaping, and the whole text checked against the
 * exposition format rules, also while other threads update), 404 and 405,
 * the series cap, port 0, address conflicts, stop and start on one port,
 * and stop waiting for a request under way. */
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nng/nng.h>

#include "node/http.h"
#include "node/metrics.h"
#include "tests/check.h"
#include "tests/node/exposition_check.h"
#include "tests/node/http_client.h"

/* The exposition checker (exposition_check.h) finds what it is meant to find. */
static void test_checker(void)
{
    static const char *const broken[] = {
        "x 1\n",                                                         /* no HELP/TYPE */
        "# HELP x h\n# TYPE x gauge\nx 1",                               /* no final newline */
        "# HELP x h\n# TYPE x gauge\nx 1\n# TYPE x gauge\n",             /* TYPE after samples */
        "# HELP x h\n# TYPE x bogus\nx 1\n",                             /* unknown type */
        "# HELP x h\n# TYPE x gauge\nx{a=\"\\q\"} 1\n",                  /* bad escape */
        "# HELP x h\n# TYPE x gauge\nx{a=\"v} 1\n",                      /* unterminated value */
        "# HELP x h\n# TYPE x gauge\nx{a=v} 1\n",                        /* unquoted value */
        "# HELP x h\n# TYPE x gauge\nx one\n",                           /* bad number */
        "# HELP x h\n# TYPE x gauge\n\nx 1\n",                           /* empty line */
        "# HELP x h\n# TYPE x gauge\n# HELP y h\n# TYPE y gauge\nx 1\n", /* x apart from its family */
        "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n"
        "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n", /* not cumulative */
        "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\n"
        "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", /* le decreasing */
        "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
        "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", /* no +Inf */
        "# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", /* no
                                                                                                         sum
                                                                                                       */
        "# HELP h h\n# TYPE h histogram\nh 1\n", /* plain sample in a histogram */
    };
    checker_quiet = 1;
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        int errors = exposition_errors(broken[i]);
        CHECK(errors > 0);
        if (errors == 0)
            fprintf(stderr, "checker accepted broken text %zu\n", i);
    }
    checker_quiet = 0;
    CHECK(exposition_errors("# HELP x a \\\\ b \\n c\n# TYPE x gauge\nx{a=\"\\\"\\\\\\n\",b=\"\"} -1.5e-3\n"
                            "# HELP h h\n# TYPE h histogram\nh_bucket{l=\"a\",le=\"0.5\"} 1\n"
                            "h_bucket{l=\"a\",le=\"+Inf\"} 2\nh_sum{l=\"a\"} 3\nh_count{l=\"a\"} 2\n") == 0);
}

/* ---- the server under test ---- */

static atomic_int ready_mode; /* what ready_cb answers */
static atomic_int ready_calls;
static atomic_int slow_entered, slow_done; /* mode 5 */
static atomic_int ready_bad_args;          /* calls with another ctx or cap (CHECK is not thread-safe) */

static int ready_cb(void *ctx, char *reason, size_t cap)
{
    atomic_fetch_add(&ready_calls, 1);
    if (ctx != &ready_mode || cap != WF_HTTP_REASON_MAX)
        atomic_fetch_add(&ready_bad_args, 1);
    switch (atomic_load(&ready_mode)) {
    case 0: snprintf(reason, cap, "store not open"); return 0;
    case 1: snprintf(reason, cap, "2 of 4 peers reachable,\nquorum\tneeds 3"); return 0;
    case 2: return 0;                           /* no reason given */
    case 3: memset(reason, 'x', cap); return 0; /* no NUL written */
    case 5:                                     /* slow: wf_http_stop must wait for it */
        atomic_store(&slow_entered, 1);
        usleep(200 * 1000);
        atomic_store(&slow_done, 1);
        return 1;
    default: return 1;
    }
}

static wf_http *start(const char *url, wf_metrics *m)
{
    wf_http *h = NULL;
    wf_http_cfg cfg = {.listen_url = url, .metrics = m, .ready = ready_cb, .ready_ctx = &ready_mode};
    CHECK_OK(wf_http_start(&h, &cfg));
    REQUIRE(h != NULL && wf_http_port(h) != 0);
    return h;
}

static void test_start_checks(wf_metrics *m)
{
    wf_http *h = (wf_http *)&h;
    wf_http_cfg cfg = {.listen_url = "http://127.0.0.1:0", .metrics = m, .ready = ready_cb};
    static const char *const bad_urls[] = {
        "tcp://127.0.0.1:0",
        "https://127.0.0.1:0",
        "http://127.0.0.1:0/metrics",
        "http://127.0.0.1:0/?a=1",
        "http://u@127.0.0.1:0",
        "http://:0",
        "not a url",
    };
    CHECK_ERR(wf_http_start(NULL, &cfg), WF_ERR_ARG);
    CHECK_ERR(wf_http_start(&h, NULL), WF_ERR_ARG);
    CHECK(h == NULL);
    cfg.metrics = NULL;
    CHECK_ERR(wf_http_start(&h, &cfg), WF_ERR_ARG);
    cfg.metrics = m;
    cfg.ready = NULL;
    CHECK_ERR(wf_http_start(&h, &cfg), WF_ERR_ARG);
    cfg.ready = ready_cb;
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        cfg.listen_url = bad_urls[i];
        CHECK_ERR(wf_http_start(&h, &cfg), WF_ERR_ARG);
        CHECK(h == NULL);
    }
    CHECK(wf_http_port(NULL) == 0);
    wf_http_stop(NULL);
}

static void test_health_and_ready(uint16_t port)
{
    int status = 0;
    char *body = get(port, "/healthz", &status);
    CHECK(status == 200 && strcmp(body, "ok\n") == 0);
    free(body);

    response r;
    REQUIRE(fetch(port, "GET", "/healthz?verbose=1", NULL, &r) == 0);
    CHECK(r.status == 200 && strcmp(r.body, "ok\n") == 0);
    CHECK(strcmp(r.content_type, "text/plain; charset=utf-8") == 0);
    CHECK(strcmp(r.cache_control, "no-store") == 0);
    response_free(&r);

    static const struct {
        int mode, status;
        const char *body;
    } ready[] = {
        {0, 503, "store not open\n"}, {1, 503, "2 of 4 peers reachable, quorum needs 3\n"},
        {2, 503, "not ready\n"},      {4, 200, "ready\n"},
        {0, 503, "store not open\n"},
    };
    for (size_t i = 0; i < sizeof ready / sizeof ready[0]; i++) {
        atomic_store(&ready_mode, ready[i].mode);
        body = get(port, "/readyz", &status);
        CHECK(status == ready[i].status && strcmp(body, ready[i].body) == 0);
        free(body);
    }
    /* a reason filling the whole buffer without a NUL is cut, not overrun */
    atomic_store(&ready_mode, 3);
    body = get(port, "/readyz", &status);
    CHECK(status == 503 && strlen(body) == WF_HTTP_REASON_MAX && body[WF_HTTP_REASON_MAX - 1] == '\n');
    CHECK(strspn(body, "x") == WF_HTTP_REASON_MAX - 1);
    free(body);
    atomic_store(&ready_mode, 4);
}

static void test_routing(uint16_t port)
{
    static const char *const missing[] = {"/", "/nope", "/healthz/x", "/metricsx", "/readyz/", "/Metrics"};
    static const struct {
        const char *method, *target, *body;
    } wrong[] = {
        {"POST", "/metrics", "x=1"}, {"POST", "/healthz", NULL},    {"DELETE", "/readyz", NULL},
        {"PUT", "/metrics", "{}"},   {"OPTIONS", "/healthz", NULL},
    };
    response r;
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        REQUIRE(fetch(port, "GET", missing[i], NULL, &r) == 0);
        CHECK(r.status == 404 && strcmp(r.body, "not found\n") == 0);
        response_free(&r);
    }
    REQUIRE(fetch(port, "POST", "/nope", "a", &r) == 0);
    CHECK(r.status == 404);
    response_free(&r);
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        REQUIRE(fetch(port, wrong[i].method, wrong[i].target, wrong[i].body, &r) == 0);
        CHECK(r.status == 405 && strcmp(r.allow, "GET, HEAD") == 0 &&
              strcmp(r.body, "method not allowed\n") == 0);
        response_free(&r);
    }
    /* a body larger than WF_HTTP_MAX_BODY is not read: NNG answers 400 */
    char big[WF_HTTP_MAX_BODY + 2];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    REQUIRE(fetch(port, "POST", "/metrics", big, &r) == 0);
    CHECK(r.status == 400);
    response_free(&r);
    /* HEAD: GET's headers, no body */
    REQUIRE(fetch(port, "HEAD", "/metrics", NULL, &r) == 0);
    CHECK(r.status == 200 && r.body_len == 0 && r.content_length > 100);
    CHECK(strcmp(r.content_type, "text/plain; version=0.0.4; charset=utf-8") == 0);
    response_free(&r);
}

/* ---- metrics over HTTP ---- */

enum { THREADS = 4, ROUNDS = 1000 };

typedef struct worker {
    wf_node_metrics *nm;
    int id;
    int refused; /* updates not WF_OK (CHECK is not thread-safe) */
} worker;

static void *worker_run(void *arg)
{
    worker *w = arg;
    char key[16];
    snprintf(key, sizeof key, "key-%d", w->id % 2);
    for (int i = 0; i < ROUNDS; i++) {
        w->refused += wf_metric_add(w->nm->requests, (const char *[]){"signed"}, 1) != WF_OK;
        w->refused +=
            wf_metric_observe(w->nm->request_seconds, (const char *[]){"signed"}, 0.015625) != WF_OK;
        w->refused += wf_metric_add(w->nm->presig_pool, (const char *[]){key, "0,2"}, 1) != WF_OK;
        w->refused += wf_metric_add(w->nm->aborts, (const char *[]){"ev\"il\\name\nx"}, 1) != WF_OK;
        if (i % 10 == 0)
            w->refused += wf_metric_add(w->nm->requests, (const char *[]){"aborted"}, 1) != WF_OK;
        if (i % 100 == 0)
            w->refused += wf_metric_observe(w->nm->request_seconds, (const char *[]){"aborted"}, 3) != WF_OK;
    }
    return NULL;
}

static void test_metrics_values(uint16_t port, wf_node_metrics *nm)
{
    worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.nm = nm, .id = i};
        REQUIRE(pthread_create(&t[i], NULL, worker_run, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].refused == 0);
    }
    CHECK_OK(wf_metric_set(nm->peers_up, NULL, 3));
    CHECK_OK(wf_metric_set(nm->peers, NULL, 4));

    response r;
    REQUIRE(fetch(port, "GET", "/metrics", NULL, &r) == 0);
    CHECK(r.status == 200 && r.content_length == (long)r.body_len);
    CHECK(strcmp(r.content_type, "text/plain; version=0.0.4; charset=utf-8") == 0);
    CHECK(exposition_errors(r.body) == 0);
    const char *text = r.body;
    CHECK(sample(text, "warifu_sign_requests_total{result=\"signed\"}") == 4000);
    CHECK(sample(text, "warifu_sign_requests_total{result=\"aborted\"}") == 400);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_bucket{result=\"signed\",le=\"0.01\"}") == 0);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_bucket{result=\"signed\",le=\"0.025\"}") ==
          4000);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_bucket{result=\"signed\",le=\"+Inf\"}") == 4000);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_sum{result=\"signed\"}") == 62.5);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_count{result=\"signed\"}") == 4000);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_bucket{result=\"aborted\",le=\"2.5\"}") == 0);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_bucket{result=\"aborted\",le=\"5\"}") == 40);
    CHECK(sample(text, "warifu_sign_request_duration_seconds_sum{result=\"aborted\"}") == 120);
    CHECK(sample(text, "warifu_presign_pool_depth{key_id=\"key-0\",signers=\"0,2\"}") == 2000);
    CHECK(sample(text, "warifu_presign_pool_depth{key_id=\"key-1\",signers=\"0,2\"}") == 2000);
    CHECK(sample(text, "warifu_protocol_aborts_total{culprit=\"ev\\\"il\\\\name\\nx\"}") == 4000);
    CHECK(sample(text, "warifu_peers_up") == 3);
    CHECK(sample(text, "warifu_peers") == 4);
    CHECK(sample(text, "warifu_paillier_pool_misses_total") == 0);
    CHECK(sample(text, "warifu_metrics_series_dropped_total") == 0);
    response_free(&r);
}

typedef struct observer {
    wf_metric *h;
    atomic_int stop;
    int refused;
} observer;

static void *observer_run(void *arg)
{
    observer *o = arg;
    while (!atomic_load(&o->stop))
        o->refused += wf_metric_observe(o->h, (const char *[]){"busy"}, 0.5) != WF_OK;
    return NULL;
}

/* Scrapes while another thread observes: every scrape is well formed and its
 * histogram consistent (+Inf bucket = count, sum = 0.5 x count). Scrapes go
 * on until five of them have seen the count move (the observer may wait for
 * a core on a loaded machine), at most 2000. */
static void test_scrape_under_load(uint16_t port, wf_node_metrics *nm)
{
    observer o = {.h = nm->request_seconds};
    atomic_init(&o.stop, 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, observer_run, &o) == 0);
    double last = -1;
    int grew = 0;
    for (int i = 0; i < 2000 && grew < 5; i++) {
        int status = 0;
        char *text = get(port, "/metrics", &status);
        CHECK(status == 200 && exposition_errors(text) == 0);
        double count = sample(text, "warifu_sign_request_duration_seconds_count{result=\"busy\"}");
        double inf = sample(text, "warifu_sign_request_duration_seconds_bucket{result=\"busy\",le=\"+Inf\"}");
        double le1 = sample(text, "warifu_sign_request_duration_seconds_bucket{result=\"busy\",le=\"1\"}");
        double sum = sample(text, "warifu_sign_request_duration_seconds_sum{result=\"busy\"}");
        if (!isnan(count)) {
            CHECK(inf == count && le1 == count && sum == 0.5 * count);
            CHECK(count >= last);
            grew += count > last;
            last = count;
        }
        free(text);
    }
    atomic_store(&o.stop, 1);
    pthread_join(t, NULL);
    CHECK(o.refused == 0 && grew == 5);
}

/* A small cap over HTTP: refused series never show, their count does. */
static void test_cap_over_http(void)
{
    wf_metrics *m = NULL;
    wf_metric *c = NULL;
    const char *label[] = {"peer"};
    CHECK_OK(wf_metrics_create(&m, 3));
    CHECK_OK(wf_metrics_add_family(m, &c, WF_METRIC_COUNTER, "t_total", "t", label, 1, NULL, 0));
    wf_http *h = start("http://127.0.0.1:0", m);
    char value[16];
    int refused = 0;
    for (int i = 0; i < 10; i++) {
        snprintf(value, sizeof value, "p%d", i);
        refused += wf_metric_add(c, (const char *[]){value}, 1) == WF_ERR_RANGE;
    }
    CHECK(refused == 7);
    int status = 0;
    char *text = get(wf_http_port(h), "/metrics", &status);
    CHECK(status == 200 && exposition_errors(text) == 0);
    CHECK(sample(text, "t_total{peer=\"p2\"}") == 1 && isnan(sample(text, "t_total{peer=\"p3\"}")));
    CHECK(sample(text, "warifu_metrics_series_dropped_total") == 7);
    free(text);
    wf_http_stop(h);
    wf_metrics_free(m);
}

/* Two servers on port 0 at once; one port twice; a port another socket holds;
 * stop and start again on the same port. */
static void test_ports(wf_metrics *m)
{
    char url[64];
    int status = 0;
    wf_http *a = start("http://127.0.0.1:0", m), *b = start("http://127.0.0.1:0", m), *c = NULL;
    uint16_t pa = wf_http_port(a), pb = wf_http_port(b);
    CHECK(pa != pb);

    snprintf(url, sizeof url, "http://127.0.0.1:%u", pa);
    wf_http_cfg cfg = {.listen_url = url, .metrics = m, .ready = ready_cb, .ready_ctx = &ready_mode};
    CHECK_ERR(wf_http_start(&c, &cfg), WF_ERR_CONFLICT);
    CHECK(c == NULL);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 1) == 0 &&
            getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
    char taken[64];
    snprintf(taken, sizeof taken, "http://127.0.0.1:%u", ntohs(sa.sin_port));
    cfg.listen_url = taken;
    CHECK_ERR(wf_http_start(&c, &cfg), WF_ERR_CONFLICT);
    close(fd);

    /* both still serve after the refused attempts */
    char *body = get(pa, "/healthz", &status);
    CHECK(status == 200);
    free(body);
    body = get(pb, "/healthz", &status);
    CHECK(status == 200);
    free(body);

    for (int round = 0; round < 3; round++) {
        wf_http_stop(a);
        response r;
        CHECK(fetch(pa, "GET", "/healthz", NULL, &r) == -1); /* refused: nobody listens */
        cfg.listen_url = url;
        a = NULL;
        CHECK_OK(wf_http_start(&a, &cfg));
        REQUIRE(a != NULL);
        CHECK(wf_http_port(a) == pa);
        body = get(pa, "/healthz", &status);
        CHECK(status == 200 && strcmp(body, "ok\n") == 0);
        free(body);
    }
    wf_http_stop(a);
    wf_http_stop(b);
}

static void *slow_client(void *arg)
{
    response r;
    if (fetch(*(const uint16_t *)arg, "GET", "/readyz", NULL, &r) == 0)
        response_free(&r); /* or the connection closed under it: either is fine */
    return NULL;
}

/* wf_http_stop returns only after a request under way has left the readiness
 * callback. */
static void test_stop_waits(wf_metrics *m)
{
    wf_http *h = start("http://127.0.0.1:0", m);
    uint16_t port = wf_http_port(h);
    atomic_store(&ready_mode, 5);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, slow_client, &port) == 0);
    for (int i = 0; i < 10000 && !atomic_load(&slow_entered); i++)
        usleep(1000);
    CHECK(atomic_load(&slow_entered) == 1);
    wf_http_stop(h);
    CHECK(atomic_load(&slow_done) == 1);
    pthread_join(t, NULL);
    atomic_store(&ready_mode, 4);
}

int main(void)
{
    wf_metrics *m = NULL;
    wf_node_metrics nm;
    atomic_init(&ready_mode, 0);
    CHECK_OK(wf_metrics_create(&m, 0));
    CHECK_OK(wf_node_metrics_register(m, &nm));

    test_checker();
    test_start_checks(m);
    wf_http *h = start("http://127.0.0.1:0", m);
    uint16_t port = wf_http_port(h);
    test_health_and_ready(port);
    test_routing(port);
    test_metrics_values(port, &nm);
    test_scrape_under_load(port, &nm);
    CHECK(atomic_load(&ready_calls) >= 6 && atomic_load(&ready_bad_args) == 0);
    wf_http_stop(h);

    test_cap_over_http();
    test_ports(m);
    test_stop_waits(m);
    wf_metrics_free(m);
    nng_fini(); /* lets valgrind see NNG's reaper finish */
    return wf_check_summary("test_http");
}

/* node/metrics.c: the registry renders exactly the Prometheus text format
 * 0.0.4 (checked against literal expected text, escaping and numbers
 * included), refuses malformed families and updates, keeps exact totals
 * under concurrent updates, and holds the series cap. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/metrics.h"
#include "tests/check.h"

static char *render(wf_metrics *m)
{
    char *text = NULL;
    size_t len = 0;
    REQUIRE(wf_metrics_render(m, &text, &len) == WF_OK);
    REQUIRE(text != NULL && strlen(text) == len);
    return text;
}

/* CHECK that a rendering is exactly the expected text, showing both if not. */
#define CHECK_TEXT(got, want)                                                                                \
    do {                                                                                                     \
        CHECK(strcmp((got), (want)) == 0);                                                                   \
        if (strcmp((got), (want)) != 0)                                                                      \
            fprintf(stderr, "rendered:\n%s--- expected:\n%s---\n", (got), (want));                           \
    } while (0)

#define DROPPED_TAIL(n)                                                                                      \
    "# HELP warifu_metrics_series_dropped_total Metric updates refused because they would have created a "   \
    "series beyond the registry's cap.\n"                                                                    \
    "# TYPE warifu_metrics_series_dropped_total counter\n"                                                   \
    "warifu_metrics_series_dropped_total " #n "\n"

static void test_family_checks(void)
{
    wf_metrics *m = NULL;
    wf_metric *f = NULL;
    const char *one[] = {"a"};
    const char *dup[] = {"a", "a"};
    const char *reserved[] = {"__a"};
    const char *le[] = {"le"};
    const char *bad_label[] = {"a-b"};
    const char *five[] = {"a", "b", "c", "d", "e"};
    const double ok_b[] = {0.1, 1};
    const double flat_b[] = {1, 1};
    const double nan_b[] = {0.1, 0.0 / 0.0};
    const double inf_b[] = {0.1, 1.0 / 0.0};
    double many_b[WF_METRICS_MAX_BUCKETS + 1];
    for (size_t i = 0; i < WF_METRICS_MAX_BUCKETS + 1; i++)
        many_b[i] = (double)(i + 1);
    char long_name[WF_METRICS_MAX_NAME + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';

    CHECK_ERR(wf_metrics_create(NULL, 0), WF_ERR_ARG);
    CHECK_OK(wf_metrics_create(&m, 0));
    CHECK_ERR(wf_metrics_add_family(NULL, &f, WF_METRIC_COUNTER, "x", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, NULL, WF_METRIC_COUNTER, "x", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, (wf_metric_type)7, "x", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, NULL, "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "1x", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x-y", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x y", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, long_name, "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x", NULL, NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x", "h", NULL, 1, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x", "h", dup, 2, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x", "h", reserved, 1, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x", "h", bad_label, 1, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x", "h", five, 5, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "x", "h", NULL, 0, ok_b, 2), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_HISTOGRAM, "x", "h", NULL, 0, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_HISTOGRAM, "x", "h", NULL, 0, flat_b, 2), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_HISTOGRAM, "x", "h", NULL, 0, nan_b, 2), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_HISTOGRAM, "x", "h", NULL, 0, inf_b, 2), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_HISTOGRAM, "x", "h", NULL, 0, many_b,
                                    WF_METRICS_MAX_BUCKETS + 1),
              WF_ERR_ARG);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_HISTOGRAM, "x", "h", le, 1, ok_b, 2), WF_ERR_ARG);
    CHECK(f == NULL);

    /* "le" is an ordinary label name outside histograms; colons are allowed in metric names only */
    CHECK_OK(wf_metrics_add_family(m, &f, WF_METRIC_GAUGE, "ns:x", "h", le, 1, NULL, 0));
    CHECK(f != NULL);
    CHECK_OK(
        wf_metrics_add_family(m, &f, WF_METRIC_HISTOGRAM, "y", "h", one, 1, many_b, WF_METRICS_MAX_BUCKETS));
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "y", "h", NULL, 0, NULL, 0), WF_ERR_EXISTS);
    CHECK_ERR(wf_metrics_add_family(m, &f, WF_METRIC_COUNTER, "warifu_metrics_series_dropped_total", "h",
                                    NULL, 0, NULL, 0),
              WF_ERR_EXISTS);
    wf_metrics_free(m);
    wf_metrics_free(NULL);
}

/* One registry of each type, rendered to the byte. */
static void test_exact_rendering(void)
{
    wf_metrics *m = NULL;
    wf_metric *c = NULL, *g = NULL, *h = NULL, *e = NULL;
    const char *result[] = {"result"};
    const char *two[] = {"key_id", "signers"};
    const double bounds[] = {0.25, 1};
    CHECK_OK(wf_metrics_create(&m, 0));
    CHECK_OK(wf_metrics_add_family(m, &c, WF_METRIC_COUNTER, "t_requests_total", "Requests, by result.",
                                   result, 1, NULL, 0));
    CHECK_OK(wf_metrics_add_family(m, &g, WF_METRIC_GAUGE, "t_up", "Help with \\ and\nnewline \"quoted\".",
                                   NULL, 0, NULL, 0));
    CHECK_OK(
        wf_metrics_add_family(m, &h, WF_METRIC_HISTOGRAM, "t_seconds", "Latency.", result, 1, bounds, 2));
    CHECK_OK(wf_metrics_add_family(m, &e, WF_METRIC_GAUGE, "t_pool", "Pool.", two, 2, NULL, 0));

    char *text = render(m);
    CHECK_TEXT(text, "# HELP t_requests_total Requests, by result.\n"
                     "# TYPE t_requests_total counter\n"
                     "# HELP t_up Help with \\\\ and\\nnewline \"quoted\".\n"
                     "# TYPE t_up gauge\n"
                     "t_up 0\n"
                     "# HELP t_seconds Latency.\n"
                     "# TYPE t_seconds histogram\n"
                     "# HELP t_pool Pool.\n"
                     "# TYPE t_pool gauge\n" DROPPED_TAIL(0));
    free(text);

    CHECK_OK(wf_metric_add(c, (const char *[]){"signed"}, 1));
    CHECK_OK(wf_metric_add(c, (const char *[]){"signed"}, 2));
    CHECK_OK(wf_metric_add(c, (const char *[]){"a\\b\"c\nd"}, 0.5));
    CHECK_OK(wf_metric_set(g, NULL, -2.5));
    CHECK_OK(wf_metric_add(g, NULL, 0.1));
    CHECK_OK(wf_metric_observe(h, (const char *[]){"signed"}, 0.25)); /* on a bound: counted in it */
    CHECK_OK(wf_metric_observe(h, (const char *[]){"signed"}, 0.5));
    CHECK_OK(wf_metric_observe(h, (const char *[]){"signed"}, 3));
    CHECK_OK(wf_metric_observe(h, (const char *[]){"signed"}, -1));
    CHECK_OK(wf_metric_set(e, (const char *[]){"k1", "0,2"}, 1e21));
    CHECK_OK(wf_metric_set(e, (const char *[]){"k1", "1,2"}, 1e-9));
    CHECK_OK(wf_metric_set(e, (const char *[]){"", ""}, 4000));

    text = render(m);
    CHECK_TEXT(text, "# HELP t_requests_total Requests, by result.\n"
                     "# TYPE t_requests_total counter\n"
                     "t_requests_total{result=\"signed\"} 3\n"
                     "t_requests_total{result=\"a\\\\b\\\"c\\nd\"} 0.5\n"
                     "# HELP t_up Help with \\\\ and\\nnewline \"quoted\".\n"
                     "# TYPE t_up gauge\n"
                     "t_up -2.4\n"
                     "# HELP t_seconds Latency.\n"
                     "# TYPE t_seconds histogram\n"
                     "t_seconds_bucket{result=\"signed\",le=\"0.25\"} 2\n"
                     "t_seconds_bucket{result=\"signed\",le=\"1\"} 3\n"
                     "t_seconds_bucket{result=\"signed\",le=\"+Inf\"} 4\n"
                     "t_seconds_sum{result=\"signed\"} 2.75\n"
                     "t_seconds_count{result=\"signed\"} 4\n"
                     "# HELP t_pool Pool.\n"
                     "# TYPE t_pool gauge\n"
                     "t_pool{key_id=\"k1\",signers=\"0,2\"} 1e+21\n"
                     "t_pool{key_id=\"k1\",signers=\"1,2\"} 1e-09\n"
                     "t_pool{key_id=\"\",signers=\"\"} 4000\n" DROPPED_TAIL(0));
    free(text);

    double v = -1;
    CHECK_OK(wf_metric_get(c, (const char *[]){"signed"}, &v));
    CHECK(v == 3);
    CHECK_OK(wf_metric_get(c, (const char *[]){"never"}, &v));
    CHECK(v == 0);
    CHECK_OK(wf_metric_get(g, NULL, &v));
    CHECK(v == -2.5 + 0.1);
    CHECK_ERR(wf_metric_get(h, (const char *[]){"signed"}, &v), WF_ERR_ARG);

    CHECK_OK(wf_metric_remove(e, (const char *[]){"k1", "0,2"}));
    CHECK_ERR(wf_metric_remove(e, (const char *[]){"k1", "0,2"}), WF_ERR_NOT_FOUND);
    CHECK_ERR(wf_metric_remove(g, NULL), WF_ERR_ARG);
    text = render(m);
    CHECK(strstr(text, "signers=\"0,2\"") == NULL);
    CHECK(strstr(text, "t_pool{key_id=\"k1\",signers=\"1,2\"} 1e-09\n"
                       "t_pool{key_id=\"\",signers=\"\"} 4000\n") != NULL);
    free(text);
    wf_metrics_free(m);
}

static void test_update_checks(void)
{
    wf_metrics *m = NULL;
    wf_metric *c = NULL, *g = NULL, *h = NULL;
    const char *label[] = {"l"};
    const double bounds[] = {1};
    char long_value[WF_METRICS_MAX_VALUE + 2];
    memset(long_value, 'v', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    CHECK_OK(wf_metrics_create(&m, 0));
    CHECK_OK(wf_metrics_add_family(m, &c, WF_METRIC_COUNTER, "c_total", "c", label, 1, NULL, 0));
    CHECK_OK(wf_metrics_add_family(m, &g, WF_METRIC_GAUGE, "g", "g", NULL, 0, NULL, 0));
    CHECK_OK(wf_metrics_add_family(m, &h, WF_METRIC_HISTOGRAM, "h", "h", NULL, 0, bounds, 1));

    CHECK_ERR(wf_metric_add(NULL, NULL, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_add(c, NULL, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_add(c, (const char *[]){NULL}, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_add(c, (const char *[]){long_value}, 1), WF_ERR_ARG);
    long_value[WF_METRICS_MAX_VALUE] = '\0';
    CHECK_OK(wf_metric_add(c, (const char *[]){long_value}, 1));
    CHECK_ERR(wf_metric_add(c, (const char *[]){"x"}, -1), WF_ERR_RANGE);
    CHECK_ERR(wf_metric_add(c, (const char *[]){"x"}, 0.0 / 0.0), WF_ERR_ARG);
    CHECK_ERR(wf_metric_add(c, (const char *[]){"x"}, 1.0 / 0.0), WF_ERR_ARG);
    CHECK_ERR(wf_metric_set(c, (const char *[]){"x"}, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_observe(c, (const char *[]){"x"}, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_observe(g, NULL, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_set(g, NULL, -1.0 / 0.0), WF_ERR_ARG);
    CHECK_OK(wf_metric_add(g, NULL, -3));
    CHECK_ERR(wf_metric_add(h, NULL, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_set(h, NULL, 1), WF_ERR_ARG);
    CHECK_ERR(wf_metric_observe(h, NULL, 0.0 / 0.0), WF_ERR_ARG);
    CHECK_ERR(wf_metrics_render(NULL, NULL, NULL), WF_ERR_ARG);

    /* refused updates changed nothing */
    char *text = render(m);
    CHECK(strstr(text, "c_total{l=\"x\"}") == NULL);
    CHECK(strstr(text, "\ng -3\n") != NULL);
    CHECK(strstr(text, "h_count 0\n") != NULL);
    free(text);
    wf_metrics_free(m);
}

/* max_series counts every series of every family; refusals are counted. */
static void test_series_cap(void)
{
    wf_metrics *m = NULL;
    wf_metric *single = NULL, *c = NULL, *h = NULL, *late = NULL;
    const char *label[] = {"l"};
    const double bounds[] = {1, 2};
    char value[16];
    CHECK_OK(wf_metrics_create(&m, 5));
    CHECK_OK(wf_metrics_add_family(m, &single, WF_METRIC_GAUGE, "single", "s", NULL, 0, NULL, 0));
    CHECK_OK(wf_metrics_add_family(m, &c, WF_METRIC_COUNTER, "c_total", "c", label, 1, NULL, 0));
    CHECK_OK(wf_metrics_add_family(m, &h, WF_METRIC_HISTOGRAM, "h", "h", label, 1, bounds, 2));
    CHECK_OK(wf_metric_observe(h, (const char *[]){"a"}, 1)); /* one series, whatever its buckets */
    for (int i = 0; i < 3; i++) {
        snprintf(value, sizeof value, "v%d", i);
        CHECK_OK(wf_metric_add(c, (const char *[]){value}, 1));
    }
    /* 5 series now: new ones are refused, existing ones keep counting */
    CHECK_ERR(wf_metric_add(c, (const char *[]){"v3"}, 1), WF_ERR_RANGE);
    CHECK_ERR(wf_metric_observe(h, (const char *[]){"b"}, 1), WF_ERR_RANGE);
    CHECK_ERR(wf_metrics_add_family(m, &late, WF_METRIC_GAUGE, "late", "l", NULL, 0, NULL, 0), WF_ERR_RANGE);
    CHECK_OK(wf_metrics_add_family(m, &late, WF_METRIC_GAUGE, "late", "l", label, 1, NULL, 0));
    CHECK_ERR(wf_metric_set(late, (const char *[]){"x"}, 1), WF_ERR_RANGE);
    CHECK_OK(wf_metric_add(c, (const char *[]){"v0"}, 1));
    CHECK_OK(wf_metric_observe(h, (const char *[]){"a"}, 2));
    CHECK_OK(wf_metric_set(single, NULL, 7));
    char *text = render(m);
    CHECK(strstr(text, "c_total{l=\"v0\"} 2\n") != NULL);
    CHECK(strstr(text, "v3") == NULL);
    CHECK(strstr(text, "h_count{l=\"a\"} 2\n") != NULL);
    CHECK(strstr(text, "\nwarifu_metrics_series_dropped_total 3\n") != NULL);
    free(text);

    /* removing a series makes room for one */
    CHECK_OK(wf_metric_remove(c, (const char *[]){"v1"}));
    CHECK_OK(wf_metric_add(c, (const char *[]){"v3"}, 1));
    CHECK_ERR(wf_metric_add(c, (const char *[]){"v4"}, 1), WF_ERR_RANGE);
    wf_metrics_free(m);
}

enum { THREADS = 4, ROUNDS = 1000 };

typedef struct hammer {
    wf_metric *c, *g, *h;
    int id;
    int refused; /* updates not WF_OK: CHECK itself is not thread-safe */
} hammer;

static void *hammer_run(void *arg)
{
    hammer *w = arg;
    char culprit[8];
    snprintf(culprit, sizeof culprit, "m%d", w->id);
    for (int i = 0; i < ROUNDS; i++) {
        w->refused += wf_metric_add(w->c, (const char *[]){"shared"}, 1) != WF_OK;
        w->refused += wf_metric_add(w->c, (const char *[]){culprit}, 1) != WF_OK;
        w->refused += wf_metric_add(w->g, NULL, i % 2 == 0 ? 3 : -1) != WF_OK;
        w->refused += wf_metric_observe(w->h, NULL, 0.125 * (i % 4)) != WF_OK; /* exact in binary */
    }
    return NULL;
}

static void test_threads(void)
{
    wf_metrics *m = NULL;
    hammer w[THREADS];
    pthread_t t[THREADS];
    const char *label[] = {"who"};
    const double bounds[] = {0.1, 0.2, 0.3};
    CHECK_OK(wf_metrics_create(&m, 0));
    CHECK_OK(wf_metrics_add_family(m, &w[0].c, WF_METRIC_COUNTER, "c_total", "c", label, 1, NULL, 0));
    CHECK_OK(wf_metrics_add_family(m, &w[0].g, WF_METRIC_GAUGE, "g", "g", NULL, 0, NULL, 0));
    CHECK_OK(wf_metrics_add_family(m, &w[0].h, WF_METRIC_HISTOGRAM, "h", "h", NULL, 0, bounds, 3));
    for (int i = 0; i < THREADS; i++) {
        w[i] = w[0];
        w[i].id = i;
        w[i].refused = 0;
        REQUIRE(pthread_create(&t[i], NULL, hammer_run, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        CHECK(w[i].refused == 0);
    }
    char *text = render(m);
    CHECK(strstr(text, "c_total{who=\"shared\"} 4000\n") != NULL);
    CHECK(strstr(text, "c_total{who=\"m0\"} 1000\n") != NULL);
    CHECK(strstr(text, "c_total{who=\"m3\"} 1000\n") != NULL);
    CHECK(strstr(text, "\ng 4000\n") != NULL); /* 4 x 500 x (3 - 1) */
    /* per thread 250 each of 0, 0.125, 0.25, 0.375 */
    CHECK(strstr(text, "h_bucket{le=\"0.1\"} 1000\n"
                       "h_bucket{le=\"0.2\"} 2000\n"
                       "h_bucket{le=\"0.3\"} 3000\n"
                       "h_bucket{le=\"+Inf\"} 4000\n"
                       "h_sum 750\n"
                       "h_count 4000\n") != NULL);
    free(text);
    wf_metrics_free(m);
}

static void test_node_families(void)
{
    wf_metrics *m = NULL;
    wf_node_metrics nm;
    CHECK_OK(wf_metrics_create(&m, 0));
    CHECK_ERR(wf_node_metrics_register(NULL, &nm), WF_ERR_ARG);
    CHECK_OK(wf_node_metrics_register(m, &nm));
    CHECK(nm.requests != NULL && nm.request_seconds != NULL && nm.presig_pool != NULL &&
          nm.peers_up != NULL && nm.peers != NULL && nm.aborts != NULL && nm.refused_envelopes != NULL &&
          nm.paillier_pool != NULL && nm.paillier_generated != NULL && nm.paillier_seconds != NULL &&
          nm.paillier_misses != NULL && nm.presig_expired != NULL);
    CHECK_ERR(wf_node_metrics_register(m, &nm), WF_ERR_EXISTS);
    char *text = render(m);
    const char *types[] = {
        "# TYPE warifu_sign_requests_total counter\n",
        "# TYPE warifu_sign_request_duration_seconds histogram\n",
        "# TYPE warifu_presign_pool_depth gauge\n",
        "# TYPE warifu_peers_up gauge\nwarifu_peers_up 0\n",
        "# TYPE warifu_peers gauge\nwarifu_peers 0\n",
        "# TYPE warifu_protocol_aborts_total counter\n",
        "# TYPE warifu_envelopes_refused_total counter\n",
        "# TYPE warifu_paillier_pool_depth gauge\n",
        "# TYPE warifu_paillier_keys_generated_total counter\nwarifu_paillier_keys_generated_total 0\n",
        "# TYPE warifu_paillier_generation_seconds_total counter\nwarifu_paillier_generation_seconds_total 0\n",
        "# TYPE warifu_paillier_pool_misses_total counter\nwarifu_paillier_pool_misses_total 0\n",
        "# TYPE warifu_presign_expired_total counter\nwarifu_presign_expired_total 0\n",
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        CHECK(strstr(text, types[i]) != NULL);
    free(text);

    CHECK_OK(wf_metric_observe(nm.request_seconds, (const char *[]){"signed"}, 0.04));
    text = render(m);
    CHECK(strstr(text,
                 "warifu_sign_request_duration_seconds_bucket{result=\"signed\",le=\"0.025\"} 0\n"
                 "warifu_sign_request_duration_seconds_bucket{result=\"signed\",le=\"0.05\"} 1\n") != NULL);
    CHECK(strstr(text,
                 "le=\"30\"} 1\nwarifu_sign_request_duration_seconds_bucket{result=\"signed\",le=\"+Inf\"} "
                 "1\n") != NULL);
    free(text);
    wf_metrics_free(m);
}

int main(void)
{
    test_family_checks();
    test_exact_rendering();
    test_update_checks();
    test_series_cap();
    test_threads();
    test_node_families();
    return wf_check_summary("test_metrics");
}

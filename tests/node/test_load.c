/* The simulator's load generator (simulator/load.h) against a 2-of-3
 * cluster of in-process daemons (daemon_fixture.h), one key:
 *   - a configuration it cannot run, and a key no node holds, are refused
 *     before any request;
 *   - 10 requests a second (5 under the sanitizers) for 2 s over the three
 *     nodes, every one a cold sign (presign, then sign): every request due
 *     is sent and ends with a signature the generator checked, latencies
 *     ordered, progress lines, the JSON and text reports;
 *   - alpha, first in the round-robin, stopped: the requests that start
 *     there move on to bravo with the same request id and still succeed,
 *     each counted as a retry. */
#include <sodium.h>

#include "simulator/load.h"
#include "tests/node/client_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

/* requests a second with every node up; half that with alpha down */
#ifdef WF_SANITIZED
#define RATE 5.0 /* the sanitizer pass checks memory, not volume */
#else
#define RATE 10.0
#endif
#define SECONDS 2.0

static wf_df f;
static char client_dir[WF_CF_PATH], certs[WF_DF_MAX][WF_CF_PATH + 16];
static wf_load_node nodes[WF_DF_MAX];
static uint8_t key_id[WF_ID_BYTES];
static const uint32_t path[2] = {1, 2};

static void keygen(void)
{
    wf_client *c = NULL;
    wf_client_key key;
    wf_client_result res;
    wf_keygen_request kr;
    char cert[WF_CF_PATH + 16];
    wf_client_node alpha = wf_df_client_node(&f, ALPHA, cert);
    REQUIRE(wf_client_open(&c, client_dir, 1, NULL) == WF_OK);
    memset(&kr, 0, sizeof kr);
    memcpy(kr.request_id, "load-key", 8);
    kr.request_id_len = 8;
    kr.expiry_ms = wf_client_expiry_after(120);
    if (wf_client_keygen(c, &alpha, &kr, &key, &res) != WF_CLIENT_SUCCEEDED)
        fprintf(stderr, "keygen: %s\n", res.why);
    REQUIRE(res.outcome == WF_CLIENT_SUCCEEDED);
    memcpy(key_id, key.key_id, WF_ID_BYTES);
    wf_client_close(c);
}

static wf_load_cfg cfg_of(double rate, double duration_s)
{
    wf_load_cfg c;
    memset(&c, 0, sizeof c);
    c.nodes = nodes;
    c.n_nodes = f.n;
    c.client_dir = client_dir;
    memcpy(c.key_id, key_id, WF_ID_BYTES);
    c.path = path;
    c.path_len = 2;
    c.rate = rate;
    c.duration_s = duration_s;
    c.concurrency = 32;
    c.expiry_s = 120;
    return c;
}

static void report(const char *what, const wf_load_summary *s)
{
    fprintf(stderr, "%s:\n", what);
    wf_load_print(s, stderr, stderr);
}

/* Every due request sent and checked ok; latencies ordered. */
static void check_all_ok(const wf_load_summary *s, uint64_t want)
{
    CHECK(s->requests == want && s->sent == want && s->ok == want && s->failed == 0);
    for (int r = 0; r < WF_LOAD_REASONS; r++)
        CHECK(s->failures[r] == 0);
    CHECK(s->p50_ms > 0 && s->p50_ms <= s->p95_ms && s->p95_ms <= s->p99_ms && s->p99_ms <= s->max_ms);
    CHECK(s->elapsed_s > 0 && s->achieved_rate > 0 && s->offered_rate > 0);
}

static void test_refused(void)
{
    wf_load_summary s;
    const char *why = NULL;
    wf_load_cfg c = cfg_of(0, 1);
    CHECK_ERR(wf_load_run(&c, &s, &why), WF_ERR_ARG);
    CHECK(why != NULL && strstr(why, "rate") != NULL && s.requests == 0);
    c = cfg_of(1, 1);
    c.concurrency = 0;
    CHECK_ERR(wf_load_run(&c, &s, NULL), WF_ERR_ARG);
    c = cfg_of(1, 1);
    c.n_nodes = 0;
    CHECK_ERR(wf_load_run(&c, &s, NULL), WF_ERR_ARG);
    c = cfg_of(1, 1);
    c.path_len = WF_REQUEST_PATH_MAX + 1;
    CHECK_ERR(wf_load_run(&c, &s, NULL), WF_ERR_ARG);

    c = cfg_of(1, 1);
    randombytes_buf(c.key_id, sizeof c.key_id);
    why = NULL;
    CHECK_ERR(wf_load_run(&c, &s, &why), WF_ERR_NOT_FOUND);
    CHECK(why != NULL && strstr(why, "no key with this id") != NULL && s.requests == 0);
    CHECK(strcmp(wf_load_reason_name(WF_LOAD_UNAVAILABLE), "CLIENT_UNAVAILABLE") == 0);
    CHECK(strcmp(wf_load_reason_name(WF_LOAD_OVERLOADED), "overloaded") == 0);
}

static void test_load(void)
{
    wf_load_summary s;
    const char *why = NULL;
    char *progress = NULL, *json = NULL, *text = NULL;
    size_t progress_len = 0, json_len = 0, text_len = 0;
    FILE *pf = open_memstream(&progress, &progress_len);
    REQUIRE(pf != NULL);
    wf_load_cfg c = cfg_of(RATE, SECONDS);
    c.progress = pf;
    c.errors = stderr;
    wf_err err = wf_load_run(&c, &s, &why);
    fclose(pf);
    if (err != WF_OK)
        fprintf(stderr, "load: %s\n", why);
    REQUIRE(err == WF_OK);
    report("all nodes", &s);
    uint64_t want = (uint64_t)(RATE * SECONDS);
    check_all_ok(&s, want);
    CHECK(strncmp(progress, "load 1 s: sent ", 15) == 0);

    FILE *jf = open_memstream(&json, &json_len), *tf = open_memstream(&text, &text_len);
    REQUIRE(jf != NULL && tf != NULL);
    wf_load_print(&s, jf, tf);
    fclose(jf);
    fclose(tf);
    CHECK(json[0] == '{' && json_len > 2 && strcmp(json + json_len - 2, "}\n") == 0 && wf_cf_one_line(json));
    char expect[128];
    snprintf(expect, sizeof expect, "\"requests\":%llu,\"sent\":%llu,\"ok\":%llu,\"failed\":0,",
             (unsigned long long)want, (unsigned long long)want, (unsigned long long)want);
    CHECK(strstr(json, expect) != NULL);
    CHECK(strstr(json, "\"bad_signature\":0,") != NULL && strstr(json, "\"latency_ms\":{\"p50\":") != NULL);
    snprintf(expect, sizeof expect, "%llu ok, 0 failed", (unsigned long long)want);
    CHECK(strstr(text, expect) != NULL && strstr(text, "failures") == NULL);
    free(progress);
    free(json);
    free(text);
}

static void test_first_node_down(void)
{
    wf_load_summary s;
    const char *why = NULL;
    wf_df_stop(&f, ALPHA);
    /* bravo and charlie see alpha gone, so that their quorums leave it out */
    for (int waited = 0; waited < 15000 && (wf_df_metric(&f, BRAVO, "warifu_peers_up") != 1 ||
                                            wf_df_metric(&f, CHARLIE, "warifu_peers_up") != 1);
         waited += 100)
        wf_df_sleep_ms(100);
    wf_load_cfg c = cfg_of(RATE / 2, SECONDS);
    c.errors = getenv("WF_TEST_VERBOSE") != NULL ? stderr : NULL; /* the expected refused connections */
    wf_err err = wf_load_run(&c, &s, &why);
    if (err != WF_OK)
        fprintf(stderr, "load: %s\n", why);
    REQUIRE(err == WF_OK);
    report("alpha down", &s);
    uint64_t want = (uint64_t)(RATE / 2 * SECONDS);
    check_all_ok(&s, want);
    /* requests 0, 3, 6, ... start at alpha, where nothing listens now */
    CHECK(s.retried[WF_LOAD_NO_CONNECTION] >= (want + 2) / 3 &&
          s.retries >= s.retried[WF_LOAD_NO_CONNECTION]);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    wf_df_add_client(&f, "load", client_dir, NULL);
    for (size_t i = 0; i < f.n; i++) {
        wf_client_node n = wf_df_client_node(&f, i, certs[i]);
        nodes[i] = (wf_load_node){wf_df_names[i], n.url, n.cert_path};
    }
    for (size_t i = 0; i < f.n; i++) {
        wf_daemon_cfg cfg = wf_df_cfg(&f, i);
        /* twenty cold signs at once share two cores: a presign may take long */
        cfg.session_timeout_ms = 60000;
        wf_df_start(&f, i, &cfg);
    }
    REQUIRE(wf_df_wait_ready(&f, 15000));
    keygen();
    test_refused();
    test_load();
    test_first_node_down();
    wf_df_teardown(&f);
    return wf_check_summary("test_load");
}

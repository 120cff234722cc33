/* node/client_net.c over loopback, a node ("node1") and its clients:
 *   - a request goes out and its answer comes back, over and over;
 *   - 8 clients at once against 4 workers whose handler takes 200 ms finish
 *     in about two handler times, never more than 4 handlers at once;
 *   - a client whose certificate is not in the bundle is refused, as is a
 *     client that pins another certificate than the server's;
 *   - an oversize request is refused by the client before sending, and by
 *     a server with a smaller limit (which hangs up: reported at once);
 *   - a failing handler, or one answering above the limit, gets the caller
 *     a clear failure; a slow one a timeout;
 *   - nothing listening: connection refused; a port that never completes a
 *     handshake: a connect timeout;
 *   - stopping the server while a handler runs waits for it, and its answer
 *     still reaches the client;
 *   - plain tcp:// only with allow_plaintext_for_tests; bad bundles are
 *     refused. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/secmem.h"
#include "node/client_net.h"
#include "tests/check.h"
#include "tests/node/node_fixture.h"
#include "tests/node/port_fixture.h"

#define SMALL_MAX 1024
#define WAIT_MS   10000

static unsigned base_port;
static char bundle[256];
static _Atomic int active, max_active, handled;

/* ---- set-up ---- */

static void url_at(char *out, size_t cap, const char *scheme, unsigned offset)
{
    snprintf(out, cap, "%s://127.0.0.1:%u", scheme, base_port + offset);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The handler obeys the request's first byte: 'e' echo, 's' echo after 200
 * ms, 'L' echo after 1500 ms, 'f' fail, 'b' answer above SMALL_MAX. */
static wf_err handler(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
    (void)ctx;
    int now = atomic_fetch_add(&active, 1) + 1, seen = atomic_load(&max_active);
    while (now > seen && !atomic_compare_exchange_weak(&max_active, &seen, now)) {
    }
    wf_err err = WF_OK;
    size_t n = len + 3;
    if (req[0] == 's')
        sleep_ms(200);
    if (req[0] == 'L')
        sleep_ms(1500);
    if (req[0] == 'f')
        err = WF_ERR_INTERNAL;
    if (req[0] == 'b')
        n = 2 * SMALL_MAX;
    if (err == WF_OK) {
        *resp = calloc(1, n);
        REQUIRE(*resp != NULL);
        memcpy(*resp, "re:", 3);
        memcpy(*resp + 3, req, len < n - 3 ? len : n - 3);
        *resp_len = n;
    }
    atomic_fetch_add(&handled, 1);
    atomic_fetch_sub(&active, 1);
    return err;
}

static wf_client_server *start_server(unsigned offset, const char *scheme, size_t max_msg, int plaintext_ok)
{
    char url[64], crt[256], key[256];
    url_at(url, sizeof url, scheme, offset);
    wf_test_path(crt, sizeof crt, "node1", "crt");
    wf_test_path(key, sizeof key, "node1", "key");
    wf_client_server_cfg cfg = {.listen_url = url,
                                .cert_path = crt,
                                .key_path = key,
                                .client_ca_path = bundle,
                                .workers = 4,
                                .max_msg = max_msg,
                                .handler = handler,
                                .allow_plaintext_for_tests = plaintext_ok};
    wf_client_server *srv = NULL;
    const char *why = NULL;
    wf_err err = wf_client_server_start(&srv, &cfg, &why);
    if (err != WF_OK)
        fprintf(stderr, "server start: %s\n", why != NULL ? why : wf_err_str(err));
    REQUIRE(err == WF_OK);
    return srv;
}

/* A client call as `who`, pinning `server`'s certificate. */
typedef struct call_args {
    const char *who, *server, *scheme;
    unsigned offset;
    size_t max_msg;
    int timeout_ms;
    const char *req;
    size_t req_len; /* 0: strlen(req) */
    wf_err err;
    const char *why;
    uint8_t *resp;
    size_t resp_len;
} call_args;

static void do_call(call_args *a)
{
    char url[64], crt[256], key[256], server[256];
    url_at(url, sizeof url, a->scheme != NULL ? a->scheme : "tls+tcp", a->offset);
    wf_test_path(crt, sizeof crt, a->who, "crt");
    wf_test_path(key, sizeof key, a->who, "key");
    wf_test_path(server, sizeof server, a->server != NULL ? a->server : "node1", "crt");
    wf_client_call_cfg cfg = {.url = url,
                              .cert_path = crt,
                              .key_path = key,
                              .server_cert_path = server,
                              .max_msg = a->max_msg,
                              .allow_plaintext_for_tests = a->scheme != NULL};
    size_t len = a->req_len != 0 ? a->req_len : strlen(a->req);
    a->why = NULL;
    a->err = wf_client_call(&cfg, (const uint8_t *)a->req, len, &a->resp, &a->resp_len,
                            a->timeout_ms != 0 ? a->timeout_ms : WAIT_MS, &a->why);
}

static void *call_thread(void *arg)
{
    do_call(arg);
    return NULL;
}

static int answered(const call_args *a, const char *req)
{
    size_t n = strlen(req);
    return a->err == WF_OK && a->resp_len == n + 3 && memcmp(a->resp, "re:", 3) == 0 &&
           memcmp(a->resp + 3, req, n) == 0;
}

static void report(const char *what, const call_args *a)
{
    printf("  %s: %s: %s\n", what, wf_err_str(a->err), a->why != NULL ? a->why : "-");
}

/* ---- tests ---- */

static void test_round_trip(void)
{
    wf_client_server *srv = start_server(0, "tls+tcp", 0, 0);
    for (int i = 0; i < 3; i++) {
        call_args a = {.who = i % 2 ? "bob" : "alice", .req = "echo this"};
        do_call(&a);
        CHECK(answered(&a, "echo this"));
        free(a.resp);
    }
    /* an answer of exactly the largest size, and a request of it */
    static char big[WF_CLIENT_NET_MAX_MSG_DEFAULT + 1];
    memset(big, 'x', WF_CLIENT_NET_MAX_MSG_DEFAULT - 3);
    big[0] = 'e';
    call_args a = {.who = "alice", .req = big};
    do_call(&a);
    CHECK(answered(&a, big));
    free(a.resp);
    memset(big, 'x', WF_CLIENT_NET_MAX_MSG_DEFAULT);
    big[0] = 'f'; /* the handler fails it, but the server takes it */
    call_args f = {.who = "alice", .req = big};
    do_call(&f);
    CHECK_ERR(f.err, WF_ERR_INTERNAL);
    CHECK(f.why != NULL && strstr(f.why, "could not handle") != NULL);
    report("handler failure", &f);
    wf_client_server_stop(srv);
}

static void test_parallel(void)
{
    wf_client_server *srv = start_server(1, "tls+tcp", 0, 0);
    enum { CLIENTS = 8 };
    call_args a[CLIENTS];
    pthread_t t[CLIENTS];
    atomic_store(&max_active, 0);
    long long t0 = now_ms();
    for (int i = 0; i < CLIENTS; i++) {
        a[i] = (call_args){.who = i % 2 ? "bob" : "alice", .offset = 1, .req = "slow"};
        REQUIRE(pthread_create(&t[i], NULL, call_thread, &a[i]) == 0);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        CHECK(answered(&a[i], "slow"));
        free(a[i].resp);
    }
    long long elapsed = now_ms() - t0;
    printf("  8 calls of 200 ms on 4 workers: %lld ms, at most %d handlers at once\n", elapsed,
           atomic_load(&max_active));
    CHECK(elapsed >= 400); /* two rounds at least: only 4 workers */
    CHECK(elapsed < 1500); /* less than the 1600 ms of one at a time */
    CHECK(atomic_load(&max_active) == 4);
    wf_client_server_stop(srv);
}

static void test_refusals(void)
{
    wf_client_server *srv = start_server(2, "tls+tcp", SMALL_MAX, 0);

    /* mallory's certificate is not in the bundle: a refused handshake,
     * whether the client sees the server's alert or only its close (a matter
     * of timing: once in CI it saw "Connection shutdown", reported as a
     * timeout) */
    call_args m;
    for (int i = 0; i < 20; i++) {
        m = (call_args){.who = "mallory", .offset = 2, .req = "echo"};
        long long t0 = now_ms();
        do_call(&m);
        CHECK_ERR(m.err, WF_ERR_VERIFY);
        CHECK(m.why != NULL && strstr(m.why, "TLS handshake") != NULL);
        CHECK(now_ms() - t0 < 5000);
    }
    report("client not admitted", &m);

    /* alice pins another certificate than the server's */
    call_args p = {.who = "alice", .server = "other", .offset = 2, .req = "echo"};
    do_call(&p);
    CHECK_ERR(p.err, WF_ERR_VERIFY);
    report("wrong server pinned", &p);
    /* ... or a certificate with the server's name but another key */
    call_args q = {.who = "alice", .server = "impostor", .offset = 2, .req = "echo"};
    do_call(&q);
    CHECK_ERR(q.err, WF_ERR_VERIFY);

    /* oversize: refused by the client before sending ... */
    static char big[2 * SMALL_MAX + 1];
    memset(big, 'e', 2 * SMALL_MAX);
    call_args o = {.who = "alice", .offset = 2, .max_msg = SMALL_MAX, .req = big};
    do_call(&o);
    CHECK_ERR(o.err, WF_ERR_RANGE);
    report("request above our limit", &o);
    /* ... and by a server with a smaller limit than the client's, at once */
    int before = atomic_load(&handled);
    call_args s = {.who = "alice", .offset = 2, .req = big};
    long long t0 = now_ms();
    do_call(&s);
    CHECK_ERR(s.err, WF_ERR_CANCELLED);
    CHECK(s.why != NULL && strstr(s.why, "closed the connection") != NULL);
    CHECK(now_ms() - t0 < 5000);
    CHECK(atomic_load(&handled) == before);
    report("request above the server's limit", &s);

    /* an answer above the server's limit becomes the failure answer */
    call_args b = {.who = "alice", .offset = 2, .req = "big answer"};
    do_call(&b);
    CHECK_ERR(b.err, WF_ERR_INTERNAL);
    /* a slow handler: no answer in time */
    call_args l = {.who = "alice", .offset = 2, .req = "Long", .timeout_ms = 300};
    t0 = now_ms();
    do_call(&l);
    CHECK_ERR(l.err, WF_ERR_CANCELLED);
    CHECK(l.why != NULL && strstr(l.why, "no answer") != NULL);
    CHECK(now_ms() - t0 < 1200);
    report("slow handler", &l);
    /* the server still serves */
    call_args ok = {.who = "bob", .offset = 2, .req = "echo"};
    do_call(&ok);
    CHECK(answered(&ok, "echo"));
    free(ok.resp);
    wf_client_server_stop(srv); /* waits for the slow handler */
}

/* Nothing listens: refused. A socket that never accepts: the TCP handshake
 * completes in the kernel but TLS never does: a connect timeout. */
static void test_unreachable(void)
{
    call_args r = {.who = "alice", .offset = 3, .req = "echo"};
    do_call(&r);
    CHECK_ERR(r.err, WF_ERR_NOT_FOUND);
    CHECK(r.why != NULL && strstr(r.why, "refused") != NULL);
    report("nothing listening", &r);

    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(base_port + 3))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    REQUIRE(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 8) == 0);
    call_args t = {.who = "alice", .offset = 3, .req = "echo", .timeout_ms = 400};
    long long t0 = now_ms();
    do_call(&t);
    long long elapsed = now_ms() - t0;
    CHECK_ERR(t.err, WF_ERR_CANCELLED);
    CHECK(t.why != NULL && strstr(t.why, "no connection") != NULL);
    CHECK(elapsed >= 350 && elapsed < 2000);
    report("handshake never completes", &t);
    close(fd);
}

static void test_stop_waits(void)
{
    wf_client_server *srv = start_server(4, "tls+tcp", 0, 0);
    int before = atomic_load(&handled);
    /* a large answer: TLS writes it in several records after the worker
     * has handed it to NNG, so a stop that closed the connections as soon
     * as the workers ended cut it off */
    static char big[WF_CLIENT_NET_MAX_MSG_DEFAULT - 3 + 1];
    memset(big, 'x', sizeof big - 1);
    big[0] = 'L';
    call_args a = {.who = "alice", .offset = 4, .req = big};
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, call_thread, &a) == 0);
    long long t0 = now_ms();
    while (atomic_load(&active) == 0 && now_ms() - t0 < WAIT_MS)
        sleep_ms(5);
    REQUIRE(atomic_load(&active) == 1);
    long long s0 = now_ms();
    wf_client_server_stop(srv);
    long long stop_ms = now_ms() - s0;
    CHECK(atomic_load(&handled) == before + 1); /* the handler returned before stop did */
    CHECK(stop_ms >= 1000);
    pthread_join(t, NULL);
    CHECK(answered(&a, big)); /* and its answer went out, all of it */
    if (a.err != WF_OK)
        report("answer of a handler running at stop", &a);
    printf("  stop with a running handler took %lld ms\n", stop_ms);
    free(a.resp);

    /* stopped: nothing listens any more */
    call_args r = {.who = "alice", .offset = 4, .req = "echo"};
    do_call(&r);
    CHECK_ERR(r.err, WF_ERR_NOT_FOUND);
}

static void test_plaintext_and_config(void)
{
    char url[64], crt[256], key[256], bad[256];
    const char *why = NULL;
    wf_client_server *srv = NULL;
    url_at(url, sizeof url, "tcp", 5);
    wf_test_path(crt, sizeof crt, "node1", "crt");
    wf_test_path(key, sizeof key, "node1", "key");
    wf_client_server_cfg cfg = {
        .listen_url = url, .cert_path = crt, .key_path = key, .client_ca_path = bundle, .handler = handler};
    CHECK_ERR(wf_client_server_start(&srv, &cfg, &why), WF_ERR_ARG);
    CHECK(srv == NULL && why != NULL && strstr(why, "tests only") != NULL);
    cfg.allow_plaintext_for_tests = 1;
    CHECK_OK(wf_client_server_start(&srv, &cfg, &why));
    call_args a = {.who = "alice", .offset = 5, .scheme = "tcp", .req = "echo"};
    do_call(&a);
    CHECK(answered(&a, "echo"));
    free(a.resp);
    wf_client_server_stop(srv);
    srv = NULL;

    /* bundles: garbage, the node's own certificate, a certificate twice */
    url_at(url, sizeof url, "tls+tcp", 5);
    cfg.allow_plaintext_for_tests = 0;
    cfg.client_ca_path = bad;
    wf_test_path(bad, sizeof bad, "bad", "pem");
    FILE *f = fopen(bad, "w");
    REQUIRE(f != NULL);
    fputs("not a certificate\n", f);
    fclose(f);
    CHECK_ERR(wf_client_server_start(&srv, &cfg, &why), WF_ERR_ENCODING);
    const char *bad_bundles[][2] = {{"alice", "node1"}, {"alice", "alice"}};
    wf_err expected[] = {WF_ERR_CONFLICT, WF_ERR_CONFLICT};
    for (size_t i = 0; i < 2; i++) {
        char pem[8192] = "", part[256];
        for (int k = 0; k < 2; k++) {
            wf_test_path(part, sizeof part, bad_bundles[i][k], "crt");
            FILE *in = fopen(part, "r");
            REQUIRE(in != NULL);
            size_t n = strlen(pem);
            n += fread(pem + n, 1, sizeof pem - n - 1, in);
            pem[n] = '\0';
            fclose(in);
        }
        unlink(bad);
        f = fopen(bad, "w");
        REQUIRE(f != NULL);
        fputs(pem, f);
        fclose(f);
        CHECK_ERR(wf_client_server_start(&srv, &cfg, &why), expected[i]);
        printf("  bundle %zu refused: %s\n", i, why);
    }
    CHECK(srv == NULL);
    cfg.client_ca_path = bundle;
    cfg.handler = NULL;
    CHECK_ERR(wf_client_server_start(&srv, &cfg, &why), WF_ERR_ARG);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_test_dir_make();
    base_port = wf_test_free_port_range(6);
    wf_test_identity("node1", "node1");
    wf_test_identity("alice", "alice");
    wf_test_identity("bob", "bob");
    wf_test_identity("mallory", "mallory");
    wf_test_identity("other", "other");
    wf_test_identity("impostor", "node1");

    /* the bundle: alice and bob, an empty line between */
    char path[256], pem[8192] = "";
    const char *admitted[] = {"alice", "bob"};
    for (int k = 0; k < 2; k++) {
        wf_test_path(path, sizeof path, admitted[k], "crt");
        FILE *in = fopen(path, "r");
        REQUIRE(in != NULL);
        size_t n = strlen(pem);
        n += fread(pem + n, 1, sizeof pem - n - 1, in);
        pem[n] = '\0';
        fclose(in);
        if (k == 0)
            strcat(pem, "\n");
    }
    wf_test_path(bundle, sizeof bundle, "clients", "pem");
    FILE *f = fopen(bundle, "w");
    REQUIRE(f != NULL);
    fputs(pem, f);
    fclose(f);

    test_round_trip();
    test_parallel();
    test_refusals();
    test_unreachable();
    test_stop_waits();
    test_plaintext_and_config();
    return wf_check_summary("test_client_net");
}

/* node/http.c over loopback, fetched with a hand-written HTTP/1.1 client on a
 * raw socket (so status line, headers and body are seen as sent): /healthz,
 * /readyz following its callback, /metrics (exact values after updates from
 * several threads, label escaping, and the whole text checked against the
 * exposition format rules, also while other threads update), 404 and 405,
 * the series cap, port 0, address conflicts, stop and start on one port,
 * and stop waiting for a request under way. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "node/http.h"
#include "node/metrics.h"
#include "tests/check.h"

/* ---- a minimal HTTP client ---- */

typedef struct response {
    int status;
    char content_type[128];
    char allow[64];
    char cache_control[64];
    long content_length; /* -1 when absent */
    char *body;          /* NUL-terminated */
    size_t body_len;
} response;

static int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    struct timeval tv = {.tv_sec = 20};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void header_value(const char *headers, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    out[0] = '\0';
    for (const char *line = headers; line != NULL && *line != '\0';) {
        const char *end = strstr(line, "\r\n");
        if (end == NULL)
            break;
        if ((size_t)(end - line) > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(out, cap, "%.*s", (int)(end - v), v);
            return;
        }
        line = end + 2;
    }
}

/* Sends one request with "Connection: close" and reads the answer to EOF.
 * -1 when the connection is refused or the answer is not HTTP/1.1. */
static int fetch(uint16_t port, const char *method, const char *target, const char *body, response *r)
{
    memset(r, 0, sizeof *r);
    int fd = tcp_connect(port);
    if (fd < 0)
        return -1;
    char req[8192];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n", method,
                     target, port);
    if (body != NULL)
        n += snprintf(req + n, sizeof req - (size_t)n, "Content-Length: %zu\r\n", strlen(body));
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n%s", body != NULL ? body : "");
    REQUIRE(n > 0 && (size_t)n < sizeof req && send(fd, req, (size_t)n, 0) == n);

    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    REQUIRE(buf != NULL);
    for (;;) {
        if (cap - len < 4096) {
            cap *= 2;
            REQUIRE((buf = realloc(buf, cap)) != NULL);
        }
        ssize_t got = recv(fd, buf + len, cap - len - 1, 0);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';

    char *split = strstr(buf, "\r\n\r\n");
    if (split == NULL || sscanf(buf, "HTTP/1.1 %d ", &r->status) != 1) {
        free(buf);
        return -1;
    }
    split[2] = '\0'; /* headers end with their last CRLF */
    char length[32];
    header_value(buf, "Content-Type", r->content_type, sizeof r->content_type);
    header_value(buf, "Allow", r->allow, sizeof r->allow);
    header_value(buf, "Cache-Control", r->cache_control, sizeof r->cache_control);
    header_value(buf, "Content-Length", length, sizeof length);
    r->content_length = length[0] != '\0' ? strtol(length, NULL, 10) : -1;
    r->body_len = len - (size_t)(split + 4 - buf);
    REQUIRE((r->body = malloc(r->body_len + 1)) != NULL);
    memcpy(r->body, split + 4, r->body_len);
    r->body[r->body_len] = '\0';
    free(buf);
    return 0;
}

static void response_free(response *r)
{
    free(r->body);
    r->body = NULL;
}

/* GET target: status and the whole body, Content-Length matching it. */
static char *get(uint16_t port, const char *target, int *status)
{
    response r;
    REQUIRE(fetch(port, "GET", target, NULL, &r) == 0);
    CHECK(r.content_length == (long)r.body_len);
    *status = r.status;
    return r.body;
}

/* ---- the exposition format, checked line by line ---- */

#define MAX_FAMILIES 64
#define MAX_HIST     256

typedef struct family_seen {
    char name[WF_METRICS_MAX_NAME + 1];
    char type[16];
    int help, samples, closed;
} family_seen;

typedef struct hist_seen { /* one histogram series, keyed by its labels without le */
    char key[512];
    double last_le, last_bucket, inf, count;
    int buckets, has_inf, has_sum, has_count;
    double sum;
} hist_seen;

typedef struct exposition {
    family_seen fam[MAX_FAMILIES];
    size_t n_fam;
    hist_seen hist[MAX_HIST];
    size_t n_hist;
    int errors;
    size_t line_no;
} exposition;

static int checker_quiet; /* while the checker is shown broken texts */

static void bad(exposition *x, const char *what, const char *line)
{
    if (x->errors++ < 10 && !checker_quiet)
        fprintf(stderr, "exposition line %zu: %s: %s\n", x->line_no, what, line);
}

static family_seen *family_named(exposition *x, const char *name, size_t len)
{
    for (size_t i = 0; i < x->n_fam; i++)
        if (strlen(x->fam[i].name) == len && strncmp(x->fam[i].name, name, len) == 0)
            return &x->fam[i];
    return NULL;
}

static family_seen *family_add(exposition *x, const char *name, size_t len)
{
    REQUIRE(x->n_fam < MAX_FAMILIES && len <= WF_METRICS_MAX_NAME);
    family_seen *f = &x->fam[x->n_fam++];
    memset(f, 0, sizeof *f);
    memcpy(f->name, name, len);
    for (size_t i = 0; i + 1 < x->n_fam; i++)
        x->fam[i].closed = 1; /* a family's lines are contiguous */
    return f;
}

static size_t name_len(const char *s, int colon)
{
    size_t i = 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
           (colon && s[i] == ':') || (i > 0 && s[i] >= '0' && s[i] <= '9'))
        i++;
    return i;
}

static int parse_value(const char *s, double *v)
{
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 || strcmp(s, "NaN") == 0) {
        *v = s[0] == 'N' ? NAN : s[0] == '+' ? INFINITY : -INFINITY;
        return 1;
    }
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno == 0 && s[0] != ' ';
}

/* "# HELP name text" or "# TYPE name type": before any sample of the family,
 * once each. */
static void parse_comment(exposition *x, const char *line)
{
    int help = strncmp(line, "# HELP ", 7) == 0;
    if (!help && strncmp(line, "# TYPE ", 7) != 0)
        return; /* other comments are allowed and ignored */
    const char *name = line + 7;
    size_t len = name_len(name, 1);
    if (len == 0 || name[len] != ' ') {
        bad(x, "bad metric name", line);
        return;
    }
    family_seen *f = family_named(x, name, len);
    if (f == NULL)
        f = family_add(x, name, len);
    if (f->closed || f->samples > 0 || (help ? f->help : f->type[0] != '\0'))
        bad(x, "HELP/TYPE repeated or after samples", line);
    const char *rest = name + len + 1;
    if (help) {
        for (const char *p = rest; *p != '\0'; p++)
            if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
                bad(x, "bad escape in HELP", line);
            else if (*p == '\\')
                p++;
        f->help = 1;
    } else if (strcmp(rest, "counter") == 0 || strcmp(rest, "gauge") == 0 || strcmp(rest, "histogram") == 0 ||
               strcmp(rest, "summary") == 0 || strcmp(rest, "untyped") == 0) {
        snprintf(f->type, sizeof f->type, "%s", rest);
    } else {
        bad(x, "unknown TYPE", line);
    }
}

/* {name="value",...}: *p after the closing brace; the labels other than le
 * (as written) go to key, le's value to le. 0 when malformed. */
static int parse_labels(const char **p, char *key, size_t key_cap, char *le, size_t le_cap)
{
    const char *s = *p + 1;
    size_t k = 0;
    key[0] = le[0] = '\0';
    while (*s != '}') {
        size_t n = name_len(s, 0);
        if (n == 0 || s[n] != '=' || s[n + 1] != '"')
            return 0;
        int is_le = n == 2 && strncmp(s, "le", 2) == 0;
        const char *v = s + n + 2, *e = v;
        while (*e != '"') {
            if (*e == '\0' || (*e == '\\' && e[1] != '\\' && e[1] != '"' && e[1] != 'n'))
                return 0;
            e += *e == '\\' ? 2 : 1;
        }
        size_t whole = (size_t)(e + 1 - s);
        if (is_le)
            snprintf(le, le_cap, "%.*s", (int)(e - v), v);
        else if (k + whole + 1 < key_cap)
            k += (size_t)snprintf(key + k, key_cap - k, "%.*s,", (int)whole, s);
        s = e + 1;
        if (*s == ',')
            s++;
        else if (*s != '}')
            return 0;
    }
    *p = s + 1;
    return 1;
}

static hist_seen *hist_for(exposition *x, const char *family, const char *labels)
{
    char key[512];
    snprintf(key, sizeof key, "%s|%s", family, labels);
    for (size_t i = 0; i < x->n_hist; i++)
        if (strcmp(x->hist[i].key, key) == 0)
            return &x->hist[i];
    REQUIRE(x->n_hist < MAX_HIST);
    hist_seen *h = &x->hist[x->n_hist++];
    memset(h, 0, sizeof *h);
    snprintf(h->key, sizeof h->key, "%s", key);
    h->last_le = -INFINITY;
    return h;
}

/* A histogram's _bucket lines: le increasing, counts cumulative. */
static void histogram_sample(exposition *x, const char *line, const char *family, const char *suffix,
                             const char *labels, const char *le, double v)
{
    hist_seen *h = hist_for(x, family, labels);
    if (strcmp(suffix, "_bucket") == 0) {
        double bound;
        if (!parse_value(le, &bound) || h->has_inf || !(bound > h->last_le) || v < h->last_bucket)
            bad(x, "histogram buckets out of order or not cumulative", line);
        h->last_le = bound;
        h->last_bucket = v;
        h->buckets++;
        if (isinf(bound) && bound > 0) {
            h->has_inf = 1;
            h->inf = v;
        }
    } else if (strcmp(suffix, "_sum") == 0) {
        h->has_sum = 1;
        h->sum = v;
    } else if (strcmp(suffix, "_count") == 0) {
        h->has_count = 1;
        h->count = v;
    } else {
        bad(x, "histogram sample with a bad suffix", line);
    }
    if (le[0] != '\0' && strcmp(suffix, "_bucket") != 0)
        bad(x, "le outside _bucket", line);
}

/* name{labels} value: its family declared above it; histograms as above. */
static void parse_sample(exposition *x, const char *line)
{
    size_t len = name_len(line, 1);
    char labels[512] = "", le[64] = "";
    const char *p = line + len;
    if (len == 0 || (*p == '{' && !parse_labels(&p, labels, sizeof labels, le, sizeof le)) || *p != ' ') {
        bad(x, "malformed sample", line);
        return;
    }
    double v;
    if (!parse_value(p + 1, &v))
        bad(x, "malformed value", line);
    family_seen *f = family_named(x, line, len);
    const char *suffix = "";
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    for (size_t i = 0; f == NULL && i < 3; i++) {
        size_t s = strlen(suffixes[i]);
        if (len > s && strncmp(line + len - s, suffixes[i], s) == 0 &&
            (f = family_named(x, line, len - s)) != NULL)
            suffix = suffixes[i];
    }
    if (f == NULL || !f->help || f->type[0] == '\0' || f->closed) {
        bad(x, "sample without HELP and TYPE before it, or apart from its family", line);
        return;
    }
    f->samples++;
    if (strcmp(f->type, "histogram") == 0)
        histogram_sample(x, line, f->name, suffix, labels, le, v);
    else if (suffix[0] != '\0' || le[0] != '\0')
        bad(x, "suffix or le on a plain sample", line);
}

/* Errors found in text; every histogram series must end its buckets with
 * le="+Inf" equal to its _count and have a _sum. */
static int exposition_errors(const char *text)
{
    exposition *x = calloc(1, sizeof *x);
    REQUIRE(x != NULL);
    size_t n = strlen(text);
    if (n == 0 || text[n - 1] != '\n')
        bad(x, "text does not end with a newline", "");
    char *copy = strdup(text), *save = NULL;
    REQUIRE(copy != NULL);
    for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        x->line_no++;
        if (line[0] == '#')
            parse_comment(x, line);
        else
            parse_sample(x, line);
    }
    if (strstr(text, "\n\n") != NULL)
        bad(x, "empty line", "");
    for (size_t i = 0; i < x->n_hist; i++) {
        const hist_seen *h = &x->hist[i];
        if (!h->has_inf || !h->has_sum || !h->has_count || h->inf != h->count || h->buckets < 2)
            bad(x, "histogram series incomplete or +Inf bucket differs from _count", h->key);
    }
    free(copy);
    int errors = x->errors;
    free(x);
    return errors;
}

/* The checker above finds what it is meant to find. */
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

/* The value of the sample line starting with `series ` ("name{labels}"), or
 * NAN when there is none. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    return NAN;
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
    CHECK(sample(text, "warifu_paillier_pool_depth") == 0);
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

#include "node/http.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#define TEXT_PLAIN "text/plain; charset=utf-8"

/* What the request handler reads. NNG holds a reference on its handler while
 * a request runs, and may run one (or free the handler) after wf_http_stop
 * has returned, so this outlives the wf_http: one reference is the wf_http's,
 * one the NNG handler's (dropped by NNG through handler_data_free), and the
 * last one out frees it. Once `stopped` is set with no request `active`,
 * nothing touches metrics or ready_ctx again. (NNG 1.5.2's
 * nng_http_server_stop happens to wait for a handler under way too, but its
 * documentation promises only that no new connection is accepted.) */
typedef struct core {
    atomic_int refs;
    pthread_mutex_t mu;
    pthread_cond_t idle;
    int stopped;     /* under mu */
    unsigned active; /* under mu: requests using metrics or ready */
    wf_metrics *metrics;
    wf_http_ready_fn ready;
    void *ready_ctx;
} core;

struct wf_http {
    nng_http_server *server;
    core *core;
    uint16_t port;
    int started;
};

static void core_release(core *c)
{
    if (atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    pthread_cond_destroy(&c->idle);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void handler_data_free(void *arg)
{
    core_release(arg);
}

/* 0 when the server is stopping; else the caller may use metrics and ready
 * until core_leave. */
static int core_enter(core *c)
{
    pthread_mutex_lock(&c->mu);
    int ok = !c->stopped;
    if (ok)
        c->active++;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

static void core_leave(core *c)
{
    pthread_mutex_lock(&c->mu);
    if (--c->active == 0)
        pthread_cond_broadcast(&c->idle);
    pthread_mutex_unlock(&c->mu);
}

/* ---- responses ---- */

/* A response with status, content type and a copy of body. */
static int respond(nng_http_res **out, uint16_t status, const char *type, const char *body, size_t len)
{
    nng_http_res *res = NULL;
    int rv = nng_http_res_alloc(&res);
    if (rv == 0)
        rv = nng_http_res_set_status(res, status);
    if (rv == 0)
        rv = nng_http_res_set_header(res, "Content-Type", type);
    if (rv == 0)
        rv = nng_http_res_set_header(res, "Cache-Control", "no-store");
    if (rv == 0)
        rv = nng_http_res_copy_data(res, body, len);
    if (rv != 0 && res != NULL) {
        nng_http_res_free(res); /* NNG's free does not take NULL */
        res = NULL;
    }
    *out = res;
    return rv;
}

static int respond_text(nng_http_res **out, uint16_t status, const char *text)
{
    return respond(out, status, TEXT_PLAIN, text, strlen(text));
}

/* The readiness callback's verdict; reason becomes one line ending in "\n". */
static int serve_readyz(core *c, nng_http_res **out)
{
    char reason[WF_HTTP_REASON_MAX];
    memset(reason, 0, sizeof reason);
    if (c->ready(c->ready_ctx, reason, sizeof reason))
        return respond_text(out, NNG_HTTP_STATUS_OK, "ready\n");
    reason[sizeof reason - 1] = '\0'; /* the callback may have filled it without one */
    size_t len = strlen(reason);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)reason[i] < 0x20 || reason[i] == 0x7f)
            reason[i] = ' ';
    if (len == 0) {
        strcpy(reason, "not ready");
        len = strlen(reason);
    }
    reason[len] = '\n'; /* in place of the NUL: len < sizeof reason */
    return respond(out, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE, TEXT_PLAIN, reason, len + 1);
}

static int serve_metrics(core *c, nng_http_res **out)
{
    char *text = NULL;
    size_t len = 0;
    wf_err err = wf_metrics_render(c->metrics, &text, &len);
    if (err != WF_OK)
        return err == WF_ERR_NOMEM ? NNG_ENOMEM : NNG_EINTERNAL;
    int rv = respond(out, NNG_HTTP_STATUS_OK, WF_METRICS_CONTENT_TYPE, text, len);
    free(text);
    return rv;
}

typedef enum { PATH_NONE, PATH_HEALTHZ, PATH_READYZ, PATH_METRICS } path_kind;

/* The endpoint a request URI names; a query string does not count. */
static path_kind path_of(const char *uri)
{
    static const struct {
        const char *path;
        path_kind kind;
    } paths[] = {{"/healthz", PATH_HEALTHZ}, {"/readyz", PATH_READYZ}, {"/metrics", PATH_METRICS}};
    size_t len = strcspn(uri, "?");
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (strlen(paths[i].path) == len && strncmp(uri, paths[i].path, len) == 0)
            return paths[i].kind;
    return PATH_NONE;
}

static int route(core *c, nng_http_req *req, nng_http_res **out)
{
    path_kind path = path_of(nng_http_req_get_uri(req));
    const char *method = nng_http_req_get_method(req);
    if (path == PATH_NONE)
        return respond_text(out, NNG_HTTP_STATUS_NOT_FOUND, "not found\n");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        int rv = respond_text(out, NNG_HTTP_STATUS_METHOD_NOT_ALLOWED, "method not allowed\n");
        if (rv == 0)
            rv = nng_http_res_set_header(*out, "Allow", "GET, HEAD");
        return rv;
    }
    if (path == PATH_HEALTHZ)
        return respond_text(out, NNG_HTTP_STATUS_OK, "ok\n");
    if (!core_enter(c))
        return respond_text(out, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE, "stopping\n");
    int rv = path == PATH_READYZ ? serve_readyz(c, out) : serve_metrics(c, out);
    core_leave(c);
    return rv;
}

/* NNG's callback for every request: inputs are the request, the handler and
 * the connection; the response is output 0. An error closes the connection. */
static void handle(nng_aio *aio)
{
    nng_http_req *req = nng_aio_get_input(aio, 0);
    nng_http_handler *handler = nng_aio_get_input(aio, 1);
    nng_http_res *res = NULL;
    int rv = route(nng_http_handler_get_data(handler), req, &res);
    if (rv != 0) {
        if (res != NULL)
            nng_http_res_free(res);
        nng_aio_finish(aio, rv);
        return;
    }
    nng_aio_set_output(aio, 0, res);
    nng_aio_finish(aio, 0);
}

/* ---- starting and stopping ---- */

/* url parsed when it is http://host[:port] with at most "/" as path. */
static wf_err parse_url(nng_url **out, const char *text)
{
    nng_url *u = NULL;
    *out = NULL;
    if (nng_url_parse(&u, text) != 0)
        return WF_ERR_ARG;
    if (strcmp(u->u_scheme, "http") != 0 || u->u_hostname[0] == '\0' || u->u_userinfo != NULL ||
        u->u_query != NULL || u->u_fragment != NULL ||
        (u->u_path[0] != '\0' && strcmp(u->u_path, "/") != 0)) {
        nng_url_free(u);
        return WF_ERR_ARG;
    }
    *out = u;
    return WF_OK;
}

static wf_err from_nng(int rv)
{
    switch (rv) {
    case 0: return WF_OK;
    case NNG_ENOMEM: return WF_ERR_NOMEM;
    case NNG_EADDRINUSE: return WF_ERR_CONFLICT;
    case NNG_EADDRINVAL: return WF_ERR_ARG;
    default: return WF_ERR_INTERNAL;
    }
}

static core *core_new(const wf_http_cfg *cfg)
{
    core *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (pthread_cond_init(&c->idle, NULL) != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    atomic_init(&c->refs, 1);
    c->metrics = cfg->metrics;
    c->ready = cfg->ready;
    c->ready_ctx = cfg->ready_ctx;
    return c;
}

/* One handler for the whole tree and every method, so that 404 and 405 are
 * ours (text, with Allow) rather than NNG's HTML pages. It takes a reference
 * on c, which NNG drops when it frees the handler. */
static int add_handler(nng_http_server *server, core *c)
{
    nng_http_handler *handler = NULL;
    int rv = nng_http_handler_alloc(&handler, "/", handle);
    if (rv != 0)
        return rv;
    atomic_fetch_add(&c->refs, 1);
    if ((rv = nng_http_handler_set_data(handler, c, handler_data_free)) != 0) {
        core_release(c);
        nng_http_handler_free(handler);
        return rv;
    }
    if ((rv = nng_http_handler_set_method(handler, NULL)) == 0 &&
        (rv = nng_http_handler_set_tree(handler)) == 0 &&
        (rv = nng_http_handler_collect_body(handler, true, WF_HTTP_MAX_BODY)) == 0)
        rv = nng_http_server_add_handler(server, handler);
    if (rv != 0)
        nng_http_handler_free(handler); /* drops the reference on c */
    return rv;
}

static int bound_port(nng_http_server *server, uint16_t *port)
{
    nng_sockaddr sa;
    int rv = nng_http_server_get_addr(server, &sa);
    if (rv != 0)
        return rv;
    if (sa.s_family == NNG_AF_INET)
        *port = ntohs(sa.s_in.sa_port);
    else if (sa.s_family == NNG_AF_INET6)
        *port = ntohs(sa.s_in6.sa_port);
    else
        return NNG_EADDRINVAL;
    return *port != 0 ? 0 : NNG_EADDRINVAL;
}

wf_err wf_http_start(wf_http **out, const wf_http_cfg *cfg)
{
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if (cfg == NULL || cfg->metrics == NULL || cfg->ready == NULL)
        return WF_ERR_ARG;
    nng_url *url = NULL;
    wf_err err = parse_url(&url, cfg->listen_url != NULL ? cfg->listen_url : WF_HTTP_DEFAULT_URL);
    if (err != WF_OK)
        return err;
    wf_http *h = calloc(1, sizeof *h);
    if (h == NULL || (h->core = core_new(cfg)) == NULL) {
        free(h);
        nng_url_free(url);
        return WF_ERR_NOMEM;
    }
    int rv = nng_http_server_hold(&h->server, url);
    nng_url_free(url);
    if (rv == 0 && (rv = add_handler(h->server, h->core)) == 0 &&
        (rv = nng_http_server_start(h->server)) == 0) {
        h->started = 1;
        rv = bound_port(h->server, &h->port);
    }
    if (rv != 0) {
        if (h->server != NULL) {
            wf_http_stop(h);
        } else {
            core_release(h->core);
            free(h);
        }
        return from_nng(rv);
    }
    *out = h;
    return WF_OK;
}

uint16_t wf_http_port(const wf_http *h)
{
    return h != NULL ? h->port : 0;
}

void wf_http_stop(wf_http *h)
{
    if (h == NULL)
        return;
    if (h->started)
        nng_http_server_stop(h->server); /* no new connections; open ones closed */
    core *c = h->core;
    pthread_mutex_lock(&c->mu);
    c->stopped = 1;
    while (c->active > 0)
        pthread_cond_wait(&c->idle, &c->mu);
    pthread_mutex_unlock(&c->mu);
    nng_http_server_release(h->server);
    core_release(c);
    free(h);
}

/* The client API's server (client_net.h): a rep socket whose worker threads
 * each serve one request at a time through their own NNG context; and the
 * pieces the one-shot client (client_call.c) shares with it. */
#include "node/client_net.h"
#include "node/client_net_impl.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "crypto/secmem.h"
#include "node/fail.h"
#include "node/files.h"
#include "node/monotonic.h"
#include "node/nng_close.h"
#include "node/text_format.h"
#include "node/tls_identity.h"

typedef enum { WORKER_BUSY = 0, WORKER_WAITING } worker_state;

typedef struct worker {
    wf_client_server *srv;
    nng_ctx ctx;
    nng_aio *aio;
    pthread_t thread;
    int ctx_open, thread_started;
    worker_state state; /* under srv->mu */
} worker;

struct wf_client_server {
    nng_socket sock;
    nng_listener listener;
    int sock_open;
    size_t max_msg;
    wf_client_handler handler;
    void *hctx;
    pthread_mutex_t mu;
    pthread_cond_t pipes_cv; /* on CLOCK_MONOTONIC: signalled when a connection ends */
    int stopping;            /* under mu */
    size_t pipes;            /* under mu: connections open */
    size_t n_workers;
    worker workers[];
};

/* ---- shared by both ends ---- */

wf_err wf_client_net_scheme(const char *url, int allow_plaintext, int *tls, const char **why)
{
    wf_err err = WF_OK;
    nng_url *u = NULL;
    if (url == NULL || nng_url_parse(&u, url) != 0)
        FAIL(WF_ERR_ARG, "cannot parse the URL");
    if (strcmp(u->u_scheme, "tls+tcp") == 0)
        *tls = 1;
    else if (strcmp(u->u_scheme, "tcp") == 0 && allow_plaintext)
        *tls = 0;
    else if (strcmp(u->u_scheme, "tcp") == 0)
        FAIL(WF_ERR_ARG, "plain tcp:// is for tests only (allow_plaintext_for_tests)");
    else
        FAIL(WF_ERR_ARG, "the URL scheme must be tls+tcp://");
done:
    nng_url_free(u);
    return err;
}

int wf_client_net_tls_config(nng_tls_config **out, nng_tls_mode mode, const wf_tls_identity *own,
                             const char *trusted, const char *server_name)
{
    nng_tls_config *c = NULL;
    int rv = nng_tls_config_alloc(&c, mode);
    if (rv == 0)
        rv = nng_tls_config_version(c, NNG_TLS_1_2, NNG_TLS_1_2); /* mbedTLS 2.28 has no TLS 1.3 */
    if (rv == 0)
        rv = nng_tls_config_own_cert(c, own->cert_pem, own->key_pem, NULL);
    if (rv == 0)
        rv = nng_tls_config_ca_chain(c, trusted, NULL);
    if (rv == 0)
        rv = nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_REQUIRED);
    if (rv == 0 && server_name != NULL)
        rv = nng_tls_config_server_name(c, server_name);
    if (rv != 0 && c != NULL) {
        nng_tls_config_free(c);
        c = NULL;
    }
    *out = c;
    return rv;
}

void wf_client_net_msg_free(nng_msg *m)
{
    if (m == NULL)
        return;
    wf_memzero(nng_msg_body(m), nng_msg_len(m));
    nng_msg_free(m);
}

/* ---- the client certificate bundle ---- */

/* Reads the bundle at path: PEM certificates, optionally separated by empty
 * lines, each passing wf_tls_identity_parse_cert, none twice and none the
 * node's own. *out is their canonical PEM, concatenated (malloc'ed). */
static wf_err load_client_certs(const char *path, const char *own_fingerprint, char **out, const char **why)
{
    wf_err err = WF_OK;
    char *text = NULL, (*seen)[WF_TLS_FINGERPRINT_CHARS + 1] = NULL;
    size_t len = 0, n = 0;
    wf_buf b = {0};
    wf_text t;
    wf_span line, pem;

    *out = NULL;
    if ((err = wf_file_read(path, WF_CLIENT_NET_CA_FILE_MAX, WF_FILE_GUARDED, &text, &len, why)) != WF_OK)
        return err;
    if ((seen = calloc(WF_CLIENT_NET_CA_CERTS_MAX, sizeof *seen)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    wf_text_init(&t, text, len);
    while (!wf_text_done(&t)) {
        wf_text at = t;
        unsigned line_no = t.line + 1;
        if (wf_text_line(&t, &line) == 1 && line.len == 0)
            continue; /* an empty line between certificates */
        t = at;
        if (!wf_text_pem(&t, "CERTIFICATE", WF_TLS_CERT_FILE_MAX, &pem))
            FAIL(WF_ERR_ENCODING, wf_why_fmt("%s line %u: expected a PEM certificate", path, line_no));
        if (n == WF_CLIENT_NET_CA_CERTS_MAX)
            FAIL(WF_ERR_RANGE,
                 wf_why_fmt("%s holds more than %d certificates", path, WF_CLIENT_NET_CA_CERTS_MAX));
        wf_tls_identity cert;
        if ((err = wf_tls_identity_parse_cert(&cert, pem.p, pem.len, why)) != WF_OK) {
            if (why != NULL)
                *why = wf_why_wrap(*why, "%s line %u", path, line_no);
            goto done;
        }
        memcpy(seen[n], cert.fingerprint, sizeof seen[n]);
        wf_buf_put(&b, cert.cert_pem, cert.cert_pem_len);
        wf_tls_identity_clear(&cert);
        for (size_t j = 0; j < n; j++)
            if (strcmp(seen[j], seen[n]) == 0)
                FAIL(WF_ERR_CONFLICT, wf_why_fmt("%s line %u: a certificate listed twice", path, line_no));
        if (own_fingerprint != NULL && strcmp(seen[n], own_fingerprint) == 0)
            FAIL(WF_ERR_CONFLICT, wf_why_fmt("%s line %u: the node's own certificate", path, line_no));
        n++;
    }
    if (n == 0)
        FAIL(WF_ERR_ENCODING, wf_why_fmt("%s holds no certificate", path));
    if ((*out = wf_buf_take(&b, NULL)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
done:
    wf_buf_clear(&b);
    free(seen);
    free(text);
    return err;
}

/* ---- workers ---- */

/* Sends msg (an answer, or the empty failure answer when msg is NULL) on w's
 * context, waiting at most WF_CLIENT_NET_SEND_TIMEOUT_MS for the client. */
static void send_answer(worker *w, const uint8_t *resp, size_t len)
{
    nng_msg *m = NULL;
    if (nng_msg_alloc(&m, len) != 0 && nng_msg_alloc(&m, 0) != 0)
        return; /* no memory even for the failure answer: the client times out */
    if (nng_msg_len(m) == len && len != 0)
        memcpy(nng_msg_body(m), resp, len);
    nng_aio_set_timeout(w->aio, WF_CLIENT_NET_SEND_TIMEOUT_MS);
    nng_aio_set_msg(w->aio, m);
    nng_ctx_send(w->ctx, w->aio);
    nng_aio_wait(w->aio);
    if (nng_aio_result(w->aio) != 0)
        wf_client_net_msg_free(nng_aio_get_msg(w->aio)); /* not sent: still ours */
    nng_aio_set_msg(w->aio, NULL);
}

/* Runs the handler on request m (freed here) and answers. */
static void serve(worker *w, nng_msg *m)
{
    wf_client_server *srv = w->srv;
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    wf_err err = WF_ERR_RANGE;
    if (nng_msg_len(m) <= srv->max_msg)
        err = srv->handler(srv->hctx, nng_msg_body(m), nng_msg_len(m), &resp, &resp_len);
    wf_client_net_msg_free(m);
    if (err == WF_OK && resp != NULL && resp_len != 0 && resp_len <= srv->max_msg)
        send_answer(w, resp, resp_len);
    else
        send_answer(w, NULL, 0);
    if (err == WF_OK && resp != NULL) {
        wf_memzero(resp, resp_len);
        free(resp);
    }
}

/* Waits for a request, unless the server is stopping; 0 when the worker
 * should end. */
static int next_request(worker *w, nng_msg **m)
{
    wf_client_server *srv = w->srv;
    *m = NULL;
    pthread_mutex_lock(&srv->mu);
    int stop = srv->stopping;
    if (!stop) {
        nng_aio_set_timeout(w->aio, NNG_DURATION_INFINITE);
        nng_ctx_recv(w->ctx, w->aio);
        w->state = WORKER_WAITING;
    }
    pthread_mutex_unlock(&srv->mu);
    if (stop)
        return 0;
    nng_aio_wait(w->aio);
    pthread_mutex_lock(&srv->mu);
    w->state = WORKER_BUSY;
    stop = srv->stopping;
    pthread_mutex_unlock(&srv->mu);
    int rv = nng_aio_result(w->aio);
    if (rv == 0) {
        *m = nng_aio_get_msg(w->aio);
        nng_aio_set_msg(w->aio, NULL);
    }
    if (stop || rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
        wf_client_net_msg_free(*m); /* arrived as the server stopped: not handled */
        *m = NULL;
        return 0;
    }
    return 1; /* with a request, or after a transient failure (memory): try again */
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    nng_msg *m;
    while (next_request(w, &m))
        if (m != NULL)
            serve(w, m);
    return NULL;
}

/* ---- start and stop ---- */

static wf_client_server *server_alloc(size_t n_workers)
{
    wf_client_server *srv = calloc(1, sizeof *srv + n_workers * sizeof(worker));
    if (srv == NULL || wf_mono_cond_init(&srv->pipes_cv) != 0) {
        free(srv);
        return NULL;
    }
    if (pthread_mutex_init(&srv->mu, NULL) != 0) {
        pthread_cond_destroy(&srv->pipes_cv);
        free(srv);
        return NULL;
    }
    srv->n_workers = n_workers;
    for (size_t i = 0; i < n_workers; i++)
        srv->workers[i].srv = srv;
    return srv;
}

static wf_err check_server_cfg(const wf_client_server_cfg *cfg, int *tls, const char **why)
{
    wf_err err = WF_OK;
    if (cfg == NULL || cfg->listen_url == NULL || cfg->handler == NULL)
        FAIL(WF_ERR_ARG, "need a listen URL and a handler");
    if (cfg->workers > WF_CLIENT_NET_WORKERS_MAX)
        FAIL(WF_ERR_ARG, "too many workers");
    if (cfg->max_msg > WF_CLIENT_NET_MAX_MSG_LIMIT)
        FAIL(WF_ERR_ARG, "max_msg is larger than 64 MiB");
    if ((err = wf_client_net_scheme(cfg->listen_url, cfg->allow_plaintext_for_tests, tls, why)) != WF_OK)
        goto done;
    if (*tls && (cfg->cert_path == NULL || cfg->key_path == NULL || cfg->client_ca_path == NULL))
        FAIL(WF_ERR_ARG, "the node's certificate and key and the client certificates are required");
done:
    return err;
}

/* The server side of TLS: the node's identity, the client bundle trusted. */
static wf_err server_tls(nng_tls_config **out, const wf_client_server_cfg *cfg, const char **why)
{
    wf_err err;
    wf_tls_identity own;
    char *clients = NULL;
    *out = NULL;
    if ((err = wf_tls_identity_load(&own, cfg->cert_path, cfg->key_path, why)) != WF_OK)
        return err;
    if ((err = load_client_certs(cfg->client_ca_path, own.fingerprint, &clients, why)) == WF_OK &&
        wf_client_net_tls_config(out, NNG_TLS_MODE_SERVER, &own, clients, NULL) != 0) {
        err = WF_ERR_INTERNAL;
        if (why != NULL)
            *why = "NNG refused the node's certificate or key, or the client certificates";
    }
    free(clients);
    wf_tls_identity_clear(&own);
    return err;
}

/* Counts the open connections, so that a stop can let the last answers
 * reach their clients. NNG runs REM_POST for exactly the pipes it ran
 * ADD_PRE for. */
static void pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void)p;
    wf_client_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    if (ev == NNG_PIPE_EV_ADD_PRE)
        srv->pipes++;
    else if (srv->pipes > 0)
        srv->pipes--;
    pthread_cond_broadcast(&srv->pipes_cv);
    pthread_mutex_unlock(&srv->mu);
}

static wf_err open_listener(wf_client_server *srv, const wf_client_server_cfg *cfg, int tls, const char **why)
{
    wf_err err = WF_OK;
    nng_tls_config *tc = NULL;
    if (tls && (err = server_tls(&tc, cfg, why)) != WF_OK)
        return err;
    if (nng_rep0_open(&srv->sock) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot open a rep socket");
    srv->sock_open = 1;
    if (nng_socket_set_size(srv->sock, NNG_OPT_RECVMAXSZ, srv->max_msg + WF_CLIENT_NET_HEADER_ROOM) != 0 ||
        nng_pipe_notify(srv->sock, NNG_PIPE_EV_ADD_PRE, pipe_event, srv) != 0 ||
        nng_pipe_notify(srv->sock, NNG_PIPE_EV_REM_POST, pipe_event, srv) != 0 ||
        nng_listener_create(&srv->listener, srv->sock, cfg->listen_url) != 0 ||
        nng_listener_set_size(srv->listener, NNG_OPT_RECVMAXSZ, srv->max_msg + WF_CLIENT_NET_HEADER_ROOM) !=
            0 ||
        nng_listener_set_bool(srv->listener, NNG_OPT_TCP_KEEPALIVE, true) != 0 ||
        (tc != NULL && nng_listener_set_ptr(srv->listener, NNG_OPT_TLS_CONFIG, tc) != 0))
        FAIL(WF_ERR_INTERNAL, "cannot set up the client listener");
    int rv = nng_listener_start(srv->listener, 0);
    if (rv != 0)
        FAIL(WF_ERR_INTERNAL, wf_why_fmt("cannot listen at %s: %s", cfg->listen_url, nng_strerror(rv)));
done:
    if (tc != NULL)
        nng_tls_config_free(tc); /* the listener holds its own reference */
    return err;
}

static wf_err start_workers(wf_client_server *srv, const char **why)
{
    wf_err err = WF_OK;
    for (size_t i = 0; i < srv->n_workers; i++) {
        worker *w = &srv->workers[i];
        if (nng_ctx_open(&w->ctx, srv->sock) != 0)
            FAIL(WF_ERR_INTERNAL, "cannot open an NNG context");
        w->ctx_open = 1;
        if (nng_aio_alloc(&w->aio, NULL, NULL) != 0)
            FAIL(WF_ERR_NOMEM, "out of memory");
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            FAIL(WF_ERR_INTERNAL, "cannot start a worker thread");
        w->thread_started = 1;
    }
done:
    return err;
}

wf_err wf_client_server_start(wf_client_server **out, const wf_client_server_cfg *cfg, const char **why)
{
    wf_err err;
    wf_client_server *srv = NULL;
    int tls = 1;

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if ((err = check_server_cfg(cfg, &tls, why)) != WF_OK)
        return err;
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise locked memory");
    if ((srv = server_alloc(cfg->workers != 0 ? cfg->workers : WF_CLIENT_NET_WORKERS_DEFAULT)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    srv->max_msg = cfg->max_msg != 0 ? cfg->max_msg : WF_CLIENT_NET_MAX_MSG_DEFAULT;
    srv->handler = cfg->handler;
    srv->hctx = cfg->ctx;
    if ((err = open_listener(srv, cfg, tls, why)) != WF_OK || (err = start_workers(srv, why)) != WF_OK)
        goto done;
    if (!tls)
        fprintf(
            stderr,
            "warifu: WARNING: the client API at %s runs over plain tcp:// without TLS: anyone who reaches "
            "the port is served (tests only)\n",
            cfg->listen_url);
    *out = srv;
    srv = NULL;
done:
    wf_client_server_stop(srv);
    return err;
}

/* Waits until every client has closed its connection, at most
 * WF_CLIENT_NET_STOP_DRAIN_MS. A worker's send ends when NNG has taken the
 * answer, not when TLS has written it: closing the socket at once cut off a
 * large answer (test_client_net, 6 of 10 runs) and could wedge NNG 1.5.2's
 * close for good. A client closes its connection once it has the answer. */
static void drain(wf_client_server *srv)
{
    struct timespec end;
    wf_mono_deadline(&end, WF_CLIENT_NET_STOP_DRAIN_MS);
    pthread_mutex_lock(&srv->mu);
    while (srv->pipes > 0 && pthread_cond_timedwait(&srv->pipes_cv, &srv->mu, &end) == 0)
        ;
    pthread_mutex_unlock(&srv->mu);
}

void wf_client_server_stop(wf_client_server *srv)
{
    if (srv == NULL)
        return;
    /* The listener stays open until the workers are done and their answers
     * delivered: closing it would close the connections it made, and with
     * them the answers of running handlers. A request arriving meanwhile
     * finds no worker and its connection closes with the socket. */
    pthread_mutex_lock(&srv->mu);
    srv->stopping = 1;
    for (size_t i = 0; i < srv->n_workers; i++)
        if (srv->workers[i].thread_started && srv->workers[i].state == WORKER_WAITING)
            nng_aio_cancel(srv->workers[i].aio);
    pthread_mutex_unlock(&srv->mu);
    for (size_t i = 0; i < srv->n_workers; i++)
        if (srv->workers[i].thread_started)
            pthread_join(srv->workers[i].thread, NULL);
    if (srv->sock_open) {
        drain(srv);
        /* closes the listener, the contexts and the connections; a close
         * that does not end (node/nng_close.h) may still run pipe_event and
         * use the workers' aios: then they and srv stay allocated */
        if (!wf_nng_close_all(&srv->sock, 1, WF_NNG_CLOSE_WAIT_MS))
            return;
    }
    for (size_t i = 0; i < srv->n_workers; i++)
        if (srv->workers[i].aio != NULL)
            nng_aio_free(srv->workers[i].aio);
    pthread_cond_destroy(&srv->pipes_cv);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

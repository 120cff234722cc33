/* The client API's one-shot client (client_net.h): dial a node over mutual
 * TLS, send one request on a req socket, wait for its answer, close. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "crypto/secmem.h"
#include "node/client_net.h"
#include "node/client_net_impl.h"
#include "node/fail.h"
#include "node/monotonic.h"
#include "node/nng_close.h"
#include "node/text_format.h"
#include "node/tls_identity.h"

/* One call's connection. The dial runs on its own thread, so that a server
 * that never completes the TCP or TLS handshake costs no more than the
 * timeout; the pipe callback cancels the receive when the connection goes
 * away, so a server that hangs up is reported at once. */
typedef struct call {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    nng_socket sock;
    nng_dialer dialer;
    nng_aio *aio;
    int dial_done, dial_rv; /* under mu */
    int closed;             /* under mu: the connection went away */
    int receiving;          /* under mu: aio holds the receive */
} call;

static void *dial_main(void *arg)
{
    call *c = arg;
    int rv = nng_dialer_start(c->dialer, 0); /* blocks until connected (TLS included) or failed */
    pthread_mutex_lock(&c->mu);
    c->dial_done = 1;
    c->dial_rv = rv;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    call *c = arg;
    (void)p;
    (void)ev;
    pthread_mutex_lock(&c->mu);
    c->closed = 1;
    if (c->receiving)
        nng_aio_cancel(c->aio);
    pthread_mutex_unlock(&c->mu);
}

/* Milliseconds left until the deadline (at least 1), or no limit. */
static nng_duration ms_left(const struct timespec *deadline, int timeout_ms)
{
    if (timeout_ms < 0)
        return NNG_DURATION_INFINITE;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms =
        (long long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 1 ? 1 : (nng_duration)ms;
}

/* What a failed dial means for the caller. Over TLS, a connection the
 * server shuts or resets before the dial completes is a handshake it
 * refused: mbedTLS may close without an alert when it does not admit our
 * certificate, and which of the two the client sees is a matter of timing. */
static wf_err dial_error(int rv, int tls, const char *url, const char **why)
{
    wf_err err;
    if (tls && (rv == NNG_ECONNSHUT || rv == NNG_ECONNRESET))
        FAIL(WF_ERR_VERIFY, wf_why_fmt("TLS handshake with %s failed (%s): the server does not admit our "
                                       "certificate, or it is stopping",
                                       url, nng_strerror(rv)));
    switch (rv) {
    case NNG_ECONNREFUSED:
        FAIL(WF_ERR_NOT_FOUND, wf_why_fmt("connection to %s refused: nothing listens there", url));
    case NNG_EPEERAUTH:
    case NNG_ECRYPTO:
        FAIL(WF_ERR_VERIFY, wf_why_fmt("TLS handshake with %s failed (%s): the server is not the pinned "
                                       "certificate, or it does not admit ours",
                                       url, nng_strerror(rv)));
    case NNG_ETIMEDOUT: FAIL(WF_ERR_CANCELLED, wf_why_fmt("connecting to %s timed out", url));
    default: FAIL(WF_ERR_CANCELLED, wf_why_fmt("cannot connect to %s: %s", url, nng_strerror(rv)));
    }
done:
    return err;
}

/* Dials c->dialer, waiting until the deadline. */
static wf_err call_dial(call *c, const char *url, int tls, const struct timespec *deadline, int timeout_ms,
                        const char **why)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, dial_main, c) != 0) {
        if (why != NULL)
            *why = "cannot start a thread";
        return WF_ERR_INTERNAL;
    }
    pthread_mutex_lock(&c->mu);
    int timed_out = 0;
    while (!c->dial_done && !timed_out) {
        if (timeout_ms < 0)
            pthread_cond_wait(&c->cv, &c->mu);
        else
            timed_out = pthread_cond_timedwait(&c->cv, &c->mu, deadline) == ETIMEDOUT;
    }
    int done = c->dial_done, rv = c->dial_rv;
    pthread_mutex_unlock(&c->mu);
    if (!done)
        nng_dialer_close(c->dialer); /* ends the blocked dial */
    pthread_join(thread, NULL);
    if (!done) {
        if (why != NULL)
            *why = wf_why_fmt("no connection to %s within %d ms (no TCP or TLS handshake)", url, timeout_ms);
        return WF_ERR_CANCELLED;
    }
    return rv == 0 ? WF_OK : dial_error(rv, tls, url, why);
}

/* Runs c->aio (already given its message, or none) as a send or a receive
 * with the time left, and returns NNG's result; NNG_ECONNSHUT when the
 * connection went away under a receive. */
static int call_aio(call *c, int receive, const struct timespec *deadline, int timeout_ms)
{
    nng_aio_set_timeout(c->aio, ms_left(deadline, timeout_ms));
    pthread_mutex_lock(&c->mu);
    if (receive && c->closed) {
        pthread_mutex_unlock(&c->mu);
        return NNG_ECONNSHUT;
    }
    if (receive)
        nng_recv_aio(c->sock, c->aio);
    else
        nng_send_aio(c->sock, c->aio);
    c->receiving = receive;
    pthread_mutex_unlock(&c->mu);
    nng_aio_wait(c->aio);
    pthread_mutex_lock(&c->mu);
    c->receiving = 0;
    int closed = c->closed;
    pthread_mutex_unlock(&c->mu);
    int rv = nng_aio_result(c->aio);
    return rv == NNG_ECANCELED && closed ? NNG_ECONNSHUT : rv;
}

/* Sends req and receives the answer on the connected c. */
static wf_err call_exchange(call *c, const char *url, const uint8_t *req, size_t len, size_t max_msg,
                            uint8_t **resp, size_t *resp_len, const struct timespec *deadline, int timeout_ms,
                            const char **why)
{
    wf_err err = WF_OK;
    nng_msg *m = NULL;
    int rv;
    if (nng_msg_alloc(&m, len) != 0)
        FAIL(WF_ERR_NOMEM, "out of memory");
    memcpy(nng_msg_body(m), req, len);
    nng_aio_set_msg(c->aio, m);
    m = NULL; /* the aio's now, and NNG's once sent */
    if ((rv = call_aio(c, 0, deadline, timeout_ms)) != 0) {
        m = nng_aio_get_msg(c->aio); /* not sent: still ours */
        FAIL(WF_ERR_CANCELLED, wf_why_fmt("cannot send the request to %s: %s", url, nng_strerror(rv)));
    }
    rv = call_aio(c, 1, deadline, timeout_ms);
    if (rv == NNG_ETIMEDOUT)
        FAIL(WF_ERR_CANCELLED, wf_why_fmt("no answer from %s within %d ms", url, timeout_ms));
    if (rv == NNG_ECONNSHUT || rv == NNG_ECONNRESET || rv == NNG_ECLOSED)
        FAIL(WF_ERR_CANCELLED, wf_why_fmt("%s closed the connection before answering (a request or answer "
                                          "above a size limit, or the server is stopping)",
                                          url));
    if (rv != 0)
        FAIL(WF_ERR_CANCELLED, wf_why_fmt("no answer from %s: %s", url, nng_strerror(rv)));
    m = nng_aio_get_msg(c->aio);
    size_t n = nng_msg_len(m);
    if (n == 0)
        FAIL(WF_ERR_INTERNAL,
             wf_why_fmt("%s could not handle the request (it answered with a failure)", url));
    if (n > max_msg)
        FAIL(WF_ERR_RANGE,
             wf_why_fmt("the answer from %s (%zu bytes) is larger than max_msg (%zu)", url, n, max_msg));
    if ((*resp = malloc(n)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    memcpy(*resp, nng_msg_body(m), n);
    *resp_len = n;
done:
    nng_aio_set_msg(c->aio, NULL);
    wf_client_net_msg_free(m);
    return err;
}

/* The client side of TLS: our identity, the server's certificate pinned and
 * its common name required. */
static wf_err client_tls(nng_tls_config **out, const wf_client_call_cfg *cfg, const char **why)
{
    wf_err err;
    wf_tls_identity own, server;
    memset(&server, 0, sizeof server);
    *out = NULL;
    if ((err = wf_tls_identity_load(&own, cfg->cert_path, cfg->key_path, why)) != WF_OK)
        return err;
    if ((err = wf_tls_identity_load(&server, cfg->server_cert_path, NULL, why)) == WF_OK &&
        wf_client_net_tls_config(out, NNG_TLS_MODE_CLIENT, &own, server.cert_pem, server.name) != 0) {
        err = WF_ERR_INTERNAL;
        if (why != NULL)
            *why = "NNG refused our certificate or key, or the server's certificate";
    }
    wf_tls_identity_clear(&server);
    wf_tls_identity_clear(&own);
    return err;
}

static wf_err call_open(call *c, const wf_client_call_cfg *cfg, int tls, size_t max_msg, const char **why)
{
    wf_err err = WF_OK;
    nng_tls_config *tc = NULL;
    if (tls && (err = client_tls(&tc, cfg, why)) != WF_OK)
        return err;
    if (nng_req0_open(&c->sock) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot open a req socket");
    if (nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, max_msg + WF_CLIENT_NET_HEADER_ROOM) != 0 ||
        nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE) != 0 ||
        nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, pipe_removed, c) != 0 ||
        nng_dialer_create(&c->dialer, c->sock, cfg->url) != 0 ||
        nng_dialer_set_size(c->dialer, NNG_OPT_RECVMAXSZ, max_msg + WF_CLIENT_NET_HEADER_ROOM) != 0 ||
        (tc != NULL && nng_dialer_set_ptr(c->dialer, NNG_OPT_TLS_CONFIG, tc) != 0) ||
        nng_aio_alloc(&c->aio, NULL, NULL) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot set up the connection");
done:
    if (tc != NULL)
        nng_tls_config_free(tc); /* the dialer holds its own reference */
    return err;
}

static call *call_alloc(void)
{
    call *c = calloc(1, sizeof *c);
    if (c == NULL || wf_mono_cond_init(&c->cv) != 0) {
        free(c);
        return NULL;
    }
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        pthread_cond_destroy(&c->cv);
        free(c);
        return NULL;
    }
    return c;
}

static void call_free(call *c)
{
    if (c == NULL)
        return;
    /* a socket never opened has id 0: ECLOSED, harmless. A close that does
     * not end (an NNG 1.5.2 wedge, node/nng_close.h) may still run our pipe
     * callback, which uses c: then c stays allocated. A test's main thread
     * hung here for good after a peer's restart (test_daemon_refresh, CI). */
    if (!wf_nng_close_all(&c->sock, 1, WF_NNG_CLOSE_WAIT_MS))
        return;
    if (c->aio != NULL)
        nng_aio_free(c->aio);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

wf_err wf_client_call(const wf_client_call_cfg *cfg, const uint8_t *req, size_t len, uint8_t **resp,
                      size_t *resp_len, int timeout_ms, const char **why)
{
    wf_err err = WF_OK;
    call *c = NULL;
    int tls = 1;
    struct timespec deadline = {0, 0};

    if (resp == NULL || resp_len == NULL)
        return WF_ERR_ARG;
    *resp = NULL;
    *resp_len = 0;
    if (timeout_ms >= 0)
        wf_mono_deadline(&deadline, (uint64_t)timeout_ms);
    if (cfg == NULL || cfg->url == NULL || req == NULL || len == 0)
        FAIL(WF_ERR_ARG, "need a URL and a request");
    if (cfg->max_msg > WF_CLIENT_NET_MAX_MSG_LIMIT)
        FAIL(WF_ERR_ARG, "max_msg is larger than 64 MiB");
    size_t max_msg = cfg->max_msg != 0 ? cfg->max_msg : WF_CLIENT_NET_MAX_MSG_DEFAULT;
    if (len > max_msg)
        FAIL(WF_ERR_RANGE, wf_why_fmt("the request (%zu bytes) is larger than max_msg (%zu)", len, max_msg));
    if ((err = wf_client_net_scheme(cfg->url, cfg->allow_plaintext_for_tests, &tls, why)) != WF_OK)
        goto done;
    if (tls && (cfg->cert_path == NULL || cfg->key_path == NULL || cfg->server_cert_path == NULL))
        FAIL(WF_ERR_ARG, "our certificate and key and the server's certificate are required");
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise locked memory");
    if ((c = call_alloc()) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if ((err = call_open(c, cfg, tls, max_msg, why)) != WF_OK)
        goto done;
    if (!tls)
        fprintf(stderr, "warifu: WARNING: calling %s over plain tcp:// without TLS (tests only)\n", cfg->url);
    if ((err = call_dial(c, cfg->url, tls, &deadline, timeout_ms, why)) != WF_OK)
        goto done;
    err = call_exchange(c, cfg->url, req, len, max_msg, resp, resp_len, &deadline, timeout_ms, why);
done:
    call_free(c);
    return err;
}

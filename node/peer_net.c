#include "node/monotonic.h"
#include "node/peer_net.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/supplemental/tls/tls.h>

#include "crypto/secmem.h"
#include "node/fail.h"
#include "node/nng_close.h"
#include "node/tls_identity.h"

#define MAX_MSG_LIMIT ((size_t)1 << 30)
#define URL_CHARS     300
#define HOST_CHARS    256
#define PUSH_RECV_MAX 1 /* a pull socket never sends: any frame on a sending link is a protocol error */

typedef struct peer_link {
    wf_peer_net *net;
    size_t idx;
    nng_socket rx; /* pull, listening for this peer only */
    nng_socket tx; /* push, dialing this peer only */
    nng_listener listener;
    nng_dialer dialer; /* under net->mu once the link is open (a redial replaces it) */
    nng_aio *rx_aio;
    char durl[URL_CHARS];
    nng_tls_config *cli;              /* the dialer's TLS configuration (NULL over tcp://), kept for a redial */
    _Atomic int64_t failing_since_ms; /* first failed send since the last good one, or 0 */
    int64_t redialed_ms;              /* under net->mu: when the last redial began, or 0 */
    size_t queued; /* under net->mu: messages of this peer in the queue */
    int stalled;   /* under net->mu: queue full, rx_aio not re-armed */
    _Atomic uint64_t sent, received, send_failed, too_large, oversize, unverified, redials;
} peer_link;

typedef struct queued_msg {
    struct queued_msg *next;
    size_t peer;
    nng_msg *msg;
} queued_msg;

struct wf_peer_net {
    size_t n;
    size_t max_msg;
    int reconnect_max_ms;
    int tls;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    int sync_ready;
    int closing;
    queued_msg *head, *tail;
    peer_link links[];
};

/* ---- URLs: a base URL, and the URL of the listener dedicated to a member ---- */

typedef struct base_url {
    int tls;
    char host[HOST_CHARS];
    unsigned long port;
} base_url;

static wf_err parse_base_url(base_url *b, const char *url, const char **why)
{
    wf_err err = WF_OK;
    nng_url *u = NULL;
    char *end = NULL;

    if (url == NULL || nng_url_parse(&u, url) != 0)
        FAIL(WF_ERR_ARG, "cannot parse a URL");
    if (strcmp(u->u_scheme, "tls+tcp") == 0)
        b->tls = 1;
    else if (strcmp(u->u_scheme, "tcp") == 0)
        b->tls = 0;
    else
        FAIL(WF_ERR_ARG, "URL scheme must be tls+tcp:// (or tcp:// in tests)");
    if (u->u_path[0] != '\0' || strlen(u->u_hostname) >= sizeof b->host)
        FAIL(WF_ERR_ARG, "URL must be scheme://host:port");
    errno = 0;
    b->port = strtoul(u->u_port, &end, 10);
    if (u->u_port[0] < '0' || u->u_port[0] > '9' || *end != '\0' || errno != 0 || b->port == 0 ||
        b->port > 65535)
        FAIL(WF_ERR_ARG, "URL needs a fixed base port (1..65535)");
    snprintf(b->host, sizeof b->host, "%s", u->u_hostname);
done:
    nng_url_free(u);
    return err;
}

/* The URL of the listener a node at base b dedicates to member m. */
static int link_url(char out[URL_CHARS], const base_url *b, uint32_t m)
{
    int v6 = strchr(b->host, ':') != NULL;
    unsigned long port = b->port + m;
    if (port > 65535)
        return 0;
    int len = snprintf(out, URL_CHARS, "%s://%s%s%s:%lu", b->tls ? "tls+tcp" : "tcp", v6 ? "[" : "", b->host,
                       v6 ? "]" : "", port);
    return len > 0 && len < URL_CHARS;
}

/* ---- configuration ---- */

static wf_err check_cfg(const wf_peer_net_cfg *cfg, const char **why)
{
    wf_err err = WF_OK;
    uint8_t used[WF_MAX_MEMBERS] = {0};

    if (cfg == NULL || cfg->peers == NULL || cfg->n_peers == 0 || cfg->n_peers >= WF_MAX_MEMBERS)
        FAIL(WF_ERR_ARG, "need 1 to WF_MAX_MEMBERS-1 peers");
    if (!wf_tls_name_valid(cfg->self_name) || cfg->self_member >= WF_MAX_MEMBERS)
        FAIL(WF_ERR_ARG, "invalid own name or member index");
    if (cfg->max_msg > MAX_MSG_LIMIT)
        FAIL(WF_ERR_ARG, "max_msg is larger than 1 GiB");
    used[cfg->self_member] = 1;
    for (size_t i = 0; i < cfg->n_peers; i++) {
        const wf_peer_net_peer *p = &cfg->peers[i];
        if (!wf_tls_name_valid(p->name) || p->url == NULL || p->member >= WF_MAX_MEMBERS)
            FAIL(WF_ERR_ARG, "a peer has an invalid name, member index or no URL");
        if (used[p->member])
            FAIL(WF_ERR_ARG, "two members share a member index");
        used[p->member] = 1;
        if (strcmp(p->name, cfg->self_name) == 0)
            FAIL(WF_ERR_ARG, "two members share a name");
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->name, cfg->peers[j].name) == 0)
                FAIL(WF_ERR_ARG, "two members share a name");
    }
done:
    return err;
}

/* Loads own identity and every peer's certificate and checks that each
 * certificate names its member and that no certificate appears twice. */
static wf_err load_identities(const wf_peer_net_cfg *cfg, wf_tls_identity *own, wf_tls_identity *peers,
                              const char **why)
{
    wf_err err;
    if ((err = wf_tls_identity_load(own, cfg->cert_path, cfg->key_path, why)) != WF_OK)
        return err;
    if (strcmp(own->name, cfg->self_name) != 0)
        FAIL(WF_ERR_ARG, "own certificate does not carry our name");
    for (size_t i = 0; i < cfg->n_peers; i++) {
        if ((err = wf_tls_identity_load(&peers[i], cfg->peers[i].cert_path, NULL, why)) != WF_OK)
            goto done;
        if (strcmp(peers[i].name, cfg->peers[i].name) != 0)
            FAIL(WF_ERR_ARG, "a peer's certificate does not carry its name");
        if (strcmp(peers[i].fingerprint, own->fingerprint) == 0)
            FAIL(WF_ERR_ARG, "a peer's certificate is our own");
        for (size_t j = 0; j < i; j++)
            if (strcmp(peers[i].fingerprint, peers[j].fingerprint) == 0)
                FAIL(WF_ERR_ARG, "two peers have the same certificate");
    }
done:
    return err;
}

/* A TLS configuration that presents own and trusts exactly peer; a client
 * also requires the server's name to be the peer's. */
static int tls_config(nng_tls_config **out, nng_tls_mode mode, const wf_tls_identity *own,
                      const wf_tls_identity *peer)
{
    nng_tls_config *c = NULL;
    int rv = nng_tls_config_alloc(&c, mode);
    if (rv == 0)
        rv = nng_tls_config_version(c, NNG_TLS_1_2, NNG_TLS_1_2); /* mbedTLS 2.28 has no TLS 1.3 */
    if (rv == 0)
        rv = nng_tls_config_own_cert(c, own->cert_pem, own->key_pem, NULL);
    if (rv == 0)
        rv = nng_tls_config_ca_chain(c, peer->cert_pem, NULL);
    if (rv == 0)
        rv = nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_REQUIRED);
    if (rv == 0 && mode == NNG_TLS_MODE_CLIENT)
        rv = nng_tls_config_server_name(c, peer->name);
    if (rv != 0 && c != NULL) {
        nng_tls_config_free(c);
        c = NULL;
    }
    *out = c;
    return rv;
}

/* ---- receiving ---- */

static void msg_wipe_free(nng_msg *m)
{
    if (m == NULL)
        return;
    wf_memzero(nng_msg_body(m), nng_msg_len(m));
    nng_msg_free(m);
}

/* 0 when NNG says the connection m arrived on has no verified certificate.
 * With AUTH_MODE_REQUIRED on both sides NNG never completes such a
 * connection; this keeps it that way should that ever change. A connection
 * already gone (its messages can outlive it in the socket's queue) did
 * complete its handshake, so only an explicit "not verified" refuses.
 * (Checked per message rather than in an NNG_PIPE_EV_ADD_PRE callback:
 * closing a pipe while NNG 1.5.2 starts it frees it under the push
 * protocol's feet, NNG issue #1653.) */
static int from_verified_pipe(const wf_peer_net *net, nng_msg *m)
{
    bool verified = true;
    if (!net->tls)
        return 1;
    nng_pipe p = nng_msg_get_pipe(m);
    if (nng_pipe_get_bool(p, NNG_OPT_TLS_VERIFIED, &verified) != 0 || verified)
        return 1;
    nng_pipe_close(p);
    return 0;
}

/* One message arrived on l's pull socket: queue it (by l, the link it came
 * on, whatever it says) and read the next unless the peer's share of the
 * queue is full; wf_peer_net_recv resumes reading then. */
static void rx_done(void *arg)
{
    peer_link *l = arg;
    wf_peer_net *net = l->net;
    int rv = nng_aio_result(l->rx_aio);
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
        return;
    nng_msg *m = rv == 0 ? nng_aio_get_msg(l->rx_aio) : NULL;
    nng_aio_set_msg(l->rx_aio, NULL);
    queued_msg *q = NULL;
    if (m != NULL && nng_msg_len(m) > net->max_msg) {
        atomic_fetch_add(&l->oversize, 1);
    } else if (m != NULL && !from_verified_pipe(net, m)) {
        atomic_fetch_add(&l->unverified, 1);
    } else if (m != NULL && (q = malloc(sizeof *q)) != NULL) {
        q->next = NULL;
        q->peer = l->idx;
        q->msg = m;
        m = NULL;
    }
    msg_wipe_free(m); /* refused, or no memory to queue it */

    int rearm = 1;
    pthread_mutex_lock(&net->mu);
    if (net->closing) {
        rearm = 0;
    } else if (q != NULL) {
        if (net->tail != NULL)
            net->tail->next = q;
        else
            net->head = q;
        net->tail = q;
        q = NULL;
        atomic_fetch_add(&l->received, 1);
        if (++l->queued >= WF_PEER_NET_QUEUE_PER_PEER) {
            l->stalled = 1;
            rearm = 0;
        }
        pthread_cond_signal(&net->cv);
    }
    pthread_mutex_unlock(&net->mu);
    if (q != NULL) {
        msg_wipe_free(q->msg);
        free(q);
    }
    if (rearm)
        nng_recv_aio(l->rx, l->rx_aio);
}

wf_err wf_peer_net_recv(wf_peer_net *net, int timeout_ms, size_t *peer, uint8_t **msg, size_t *len)
{
    if (net == NULL || peer == NULL || msg == NULL || len == NULL)
        return WF_ERR_ARG;
    *msg = NULL;
    *len = 0;
    struct timespec deadline;
    if (timeout_ms >= 0)
        wf_mono_deadline(&deadline, (uint64_t)timeout_ms);

    pthread_mutex_lock(&net->mu);
    while (net->head == NULL && !net->closing) {
        if (timeout_ms < 0)
            pthread_cond_wait(&net->cv, &net->mu);
        else if (pthread_cond_timedwait(&net->cv, &net->mu, &deadline) == ETIMEDOUT)
            break;
    }
    queued_msg *q = net->head;
    peer_link *l = NULL;
    int resume = 0;
    if (q != NULL) {
        net->head = q->next;
        if (net->head == NULL)
            net->tail = NULL;
        l = &net->links[q->peer];
        l->queued--;
        resume = l->stalled && !net->closing;
        l->stalled = 0;
    }
    pthread_mutex_unlock(&net->mu);
    if (q == NULL)
        return WF_ERR_CANCELLED;
    if (resume)
        nng_recv_aio(l->rx, l->rx_aio);

    size_t n = nng_msg_len(q->msg);
    uint8_t *copy = malloc(n == 0 ? 1 : n);
    if (copy != NULL) {
        memcpy(copy, nng_msg_body(q->msg), n);
        *peer = q->peer;
        *msg = copy;
        *len = n;
    }
    msg_wipe_free(q->msg);
    free(q);
    return copy != NULL ? WF_OK : WF_ERR_NOMEM;
}

void wf_peer_net_msg_free(uint8_t *msg, size_t len)
{
    if (msg == NULL)
        return;
    wf_memzero(msg, len);
    free(msg);
}

/* ---- sending ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t scope_value(nng_stat *root, const char *kind, int id, const char *name);
static int start_dialer(peer_link *l, nng_dialer *out);

/* How many connections NNG counts on l's sending socket. */
static uint64_t tx_pipes(peer_link *l)
{
    nng_stat *stats = NULL;
    if (nng_stats_get(&stats) != 0)
        return 0;
    uint64_t n = scope_value(stats, "socket", nng_socket_id(l->tx), "pipes");
    nng_stats_free(stats);
    return n;
}

/* NNG 1.5.2 over TLS can wedge a connection for good when its peer dies
 * while data to it is in flight: the pipe is never torn down, so the socket
 * still counts it but sends nothing, and its dialer, waiting for the pipe to
 * go, never redials (reproduced: within 30-45 kills of a receiver while the
 * sender streams). A peer that is simply down has no pipe counted. So when a
 * link's sends have failed for WEDGE_MS while a connection is counted, the
 * link gets a new dialer, which connects beside the stuck pipe; the old
 * dialer is closed. At most one redial per WEDGE_MS. A peer that is up but
 * not reading looks the same and gets a second connection, which is
 * harmless: it delivers to the same peer. */
#define WEDGE_MS (3 * WF_PEER_NET_RECONNECT_MAX_MS)

static void watch_link(peer_link *l, int sent)
{
    if (sent) {
        if (atomic_load(&l->failing_since_ms) != 0)
            atomic_store(&l->failing_since_ms, 0);
        return;
    }
    int64_t now = mono_ms(), since = 0;
    if (atomic_compare_exchange_strong(&l->failing_since_ms, &since, now) || now - since < WEDGE_MS)
        return;
    wf_peer_net *net = l->net;
    pthread_mutex_lock(&net->mu);
    int due = !net->closing && (l->redialed_ms == 0 || now - l->redialed_ms >= WEDGE_MS);
    if (due)
        l->redialed_ms = now;
    pthread_mutex_unlock(&net->mu);
    if (!due || tx_pipes(l) == 0)
        return;
    nng_dialer fresh;
    if (start_dialer(l, &fresh) != 0)
        return;
    pthread_mutex_lock(&net->mu);
    nng_dialer old = l->dialer;
    l->dialer = fresh;
    pthread_mutex_unlock(&net->mu);
    atomic_fetch_add(&l->redials, 1);
    nng_dialer_close(old);
}

wf_err wf_peer_net_send(wf_peer_net *net, size_t peer, const uint8_t *msg, size_t len, int timeout_ms)
{
    if (net == NULL || peer >= net->n || (msg == NULL && len != 0))
        return WF_ERR_ARG;
    peer_link *l = &net->links[peer];
    if (len > net->max_msg) {
        atomic_fetch_add(&l->too_large, 1);
        return WF_ERR_RANGE;
    }
    nng_msg *m = NULL;
    nng_aio *aio = NULL;
    if (nng_msg_alloc(&m, len) != 0)
        return WF_ERR_NOMEM;
    if (len != 0)
        memcpy(nng_msg_body(m), msg, len);
    if (nng_aio_alloc(&aio, NULL, NULL) != 0) {
        msg_wipe_free(m);
        return WF_ERR_NOMEM;
    }
    nng_aio_set_timeout(aio, timeout_ms < 0 ? NNG_DURATION_INFINITE : (nng_duration)timeout_ms);
    nng_aio_set_msg(aio, m);
    nng_send_aio(l->tx, aio);
    nng_aio_wait(aio);
    int rv = nng_aio_result(aio);
    if (rv != 0) {
        msg_wipe_free(nng_aio_get_msg(aio)); /* on failure the message is still ours */
        atomic_fetch_add(&l->send_failed, 1);
    } else {
        atomic_fetch_add(&l->sent, 1);
    }
    nng_aio_free(aio);
    watch_link(l, rv == 0);
    if (rv == 0)
        return WF_OK;
    return rv == NNG_ETIMEDOUT ? WF_ERR_CANCELLED : WF_ERR_INTERNAL;
}

/* ---- set-up and tear-down ---- */

/* Creates and starts a dialer of l->tx to l->durl with the link's TLS
 * configuration; the dialer reconnects on its own. */
static int start_dialer(peer_link *l, nng_dialer *out)
{
    nng_dialer d;
    int rv = nng_dialer_create(&d, l->tx, l->durl);
    if (rv != 0)
        return rv;
    if ((rv = nng_dialer_set_size(d, NNG_OPT_RECVMAXSZ, PUSH_RECV_MAX)) != 0 ||
        (rv = nng_dialer_set_bool(d, NNG_OPT_TCP_KEEPALIVE, true)) != 0 ||
        (rv = nng_dialer_set_ms(d, NNG_OPT_RECONNMINT, WF_PEER_NET_RECONNECT_MIN_MS)) != 0 ||
        (rv = nng_dialer_set_ms(d, NNG_OPT_RECONNMAXT, l->net->reconnect_max_ms)) != 0 ||
        (l->cli != NULL && (rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, l->cli)) != 0) ||
        (rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK)) != 0) {
        nng_dialer_close(d);
        return rv;
    }
    *out = d;
    return 0;
}

/* Opens the two sockets of link l: a pull socket listening at lurl for this
 * peer's certificate only, and a push socket dialing durl that accepts only
 * the peer's certificate and name. */
static wf_err open_link(peer_link *l, const char *lurl, const char *durl, const wf_tls_identity *own,
                        const wf_tls_identity *peer, const char **why)
{
    wf_err err = WF_OK;
    wf_peer_net *net = l->net;
    nng_tls_config *srv = NULL, *cli = NULL;

    if (net->tls && (tls_config(&srv, NNG_TLS_MODE_SERVER, own, peer) != 0 ||
                     tls_config(&cli, NNG_TLS_MODE_CLIENT, own, peer) != 0))
        FAIL(WF_ERR_INTERNAL, "NNG refused a TLS certificate or key");
    if (nng_pull0_open(&l->rx) != 0 || nng_listener_create(&l->listener, l->rx, lurl) != 0 ||
        nng_listener_set_size(l->listener, NNG_OPT_RECVMAXSZ, 2 * net->max_msg) != 0 ||
        nng_listener_set_bool(l->listener, NNG_OPT_TCP_KEEPALIVE, true) != 0 ||
        (srv != NULL && nng_listener_set_ptr(l->listener, NNG_OPT_TLS_CONFIG, srv) != 0))
        FAIL(WF_ERR_INTERNAL, "cannot set up a listener");
    if (nng_listener_start(l->listener, 0) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot listen on a peer's port (in use?)");
    if (strlen(durl) >= sizeof l->durl)
        FAIL(WF_ERR_ARG, "a peer's URL is too long");
    strcpy(l->durl, durl);
    l->cli = cli;
    cli = NULL; /* the link's reference now */
    if (nng_push0_open(&l->tx) != 0 || start_dialer(l, &l->dialer) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot set up a dialer");
    if (nng_aio_alloc(&l->rx_aio, rx_done, l) != 0)
        FAIL(WF_ERR_NOMEM, "out of memory");
    nng_recv_aio(l->rx, l->rx_aio);
done:
    /* the listener and dialer hold their own references */
    if (srv != NULL)
        nng_tls_config_free(srv);
    if (cli != NULL)
        nng_tls_config_free(cli);
    return err;
}

static wf_peer_net *net_alloc(size_t n)
{
    wf_peer_net *net = calloc(1, sizeof *net + n * sizeof(peer_link));
    if (net == NULL)
        return NULL;
    if (wf_mono_cond_init(&net->cv) != 0)
        goto fail;
    if (pthread_mutex_init(&net->mu, NULL) != 0) {
        pthread_cond_destroy(&net->cv);
        goto fail;
    }
    net->sync_ready = 1;
    net->n = n;
    for (size_t i = 0; i < n; i++) {
        net->links[i].net = net;
        net->links[i].idx = i;
    }
    return net;
fail:
    free(net);
    return NULL;
}

/* The URLs of link i: where we listen for peer i and where we dial it. */
static wf_err link_urls(const wf_peer_net_cfg *cfg, size_t i, int tls, char lurl[URL_CHARS],
                        char durl[URL_CHARS], const char **why)
{
    wf_err err;
    base_url self, peer;
    if ((err = parse_base_url(&self, cfg->listen_url, why)) != WF_OK ||
        (err = parse_base_url(&peer, cfg->peers[i].url, why)) != WF_OK)
        return err;
    if (self.tls != tls || peer.tls != tls)
        FAIL(WF_ERR_ARG, "every URL must use the same scheme");
    if (!link_url(lurl, &self, cfg->peers[i].member) || !link_url(durl, &peer, cfg->self_member))
        FAIL(WF_ERR_ARG, "base port + member index exceeds 65535");
done:
    return err;
}

/* Checks every link's URLs, then opens every link; `own` and `peers` are
 * unused in plaintext mode. */
static wf_err open_links(wf_peer_net *net, const wf_peer_net_cfg *cfg, const wf_tls_identity *own,
                         const wf_tls_identity *peers, const char **why)
{
    wf_err err = WF_OK;
    char lurl[URL_CHARS], durl[URL_CHARS];
    for (size_t i = 0; i < cfg->n_peers && err == WF_OK; i++)
        err = link_urls(cfg, i, net->tls, lurl, durl, why);
    for (size_t i = 0; i < cfg->n_peers && err == WF_OK; i++) {
        if ((err = link_urls(cfg, i, net->tls, lurl, durl, why)) == WF_OK)
            err = open_link(&net->links[i], lurl, durl, own, &peers[i], why);
    }
    return err;
}

/* The scheme of the own URL decides TLS or (with permission) plain TCP. */
static wf_err choose_transport(const wf_peer_net_cfg *cfg, int *tls, const char **why)
{
    base_url self;
    wf_err err = parse_base_url(&self, cfg->listen_url, why);
    if (err != WF_OK)
        return err;
    if (!self.tls && !cfg->allow_plaintext_for_tests) {
        if (why != NULL)
            *why = "plain tcp:// is for tests only (allow_plaintext_for_tests)";
        return WF_ERR_ARG;
    }
    if (self.tls && (cfg->cert_path == NULL || cfg->key_path == NULL)) {
        if (why != NULL)
            *why = "own certificate and key are required";
        return WF_ERR_ARG;
    }
    *tls = self.tls;
    return WF_OK;
}

wf_err wf_peer_net_create(wf_peer_net **out, const wf_peer_net_cfg *cfg, const char **why)
{
    wf_err err;
    wf_peer_net *net = NULL;
    wf_tls_identity own;
    wf_tls_identity *peers = NULL;
    int tls = 1;

    memset(&own, 0, sizeof own);
    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if ((err = check_cfg(cfg, why)) != WF_OK || (err = choose_transport(cfg, &tls, why)) != WF_OK)
        return err;
    if ((err = wf_crypto_init()) != WF_OK)
        FAIL(err, "cannot initialise locked memory");
    peers = calloc(cfg->n_peers, sizeof *peers);
    net = net_alloc(cfg->n_peers);
    if (peers == NULL || net == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    net->tls = tls;
    net->max_msg = cfg->max_msg != 0 ? cfg->max_msg : WF_PEER_NET_MAX_MSG_DEFAULT;
    net->reconnect_max_ms = cfg->reconnect_max_ms <= 0                            ? WF_PEER_NET_RECONNECT_MAX_MS
                            : cfg->reconnect_max_ms < WF_PEER_NET_RECONNECT_MIN_MS ? WF_PEER_NET_RECONNECT_MIN_MS
                                                                                   : cfg->reconnect_max_ms;
    if (tls && (err = load_identities(cfg, &own, peers, why)) != WF_OK)
        goto done;
    if ((err = open_links(net, cfg, &own, peers, why)) != WF_OK)
        goto done;
    if (!tls)
        fprintf(stderr,
                "warifu: WARNING: peer network of %s runs over plain tcp:// without TLS: messages are "
                "neither encrypted nor attributed to their sender (tests only)\n",
                cfg->self_name);
    *out = net;
    net = NULL;
done:
    wf_tls_identity_clear(&own);
    for (size_t i = 0; peers != NULL && i < cfg->n_peers; i++)
        wf_tls_identity_clear(&peers[i]);
    free(peers);
    wf_peer_net_close(net);
    return err;
}

/* Closes the rx and tx sockets of every link, waiting at most
 * WF_NNG_CLOSE_WAIT_MS in all (node/nng_close.h: a wedged socket's close
 * never returns). */
static void close_sockets(wf_peer_net *net)
{
    nng_socket *socks = calloc(2 * net->n + 1, sizeof *socks);
    if (socks == NULL) {
        for (size_t i = 0; i < net->n; i++) {
            nng_close(net->links[i].rx);
            nng_close(net->links[i].tx);
        }
        return;
    }
    for (size_t i = 0; i < net->n; i++) {
        socks[2 * i] = net->links[i].rx;
        socks[2 * i + 1] = net->links[i].tx;
    }
    wf_nng_close_all(socks, 2 * net->n, WF_NNG_CLOSE_WAIT_MS);
    free(socks);
}

void wf_peer_net_close(wf_peer_net *net)
{
    if (net == NULL)
        return;
    if (net->sync_ready) {
        pthread_mutex_lock(&net->mu);
        net->closing = 1;
        pthread_cond_broadcast(&net->cv);
        pthread_mutex_unlock(&net->mu);
    }
    close_sockets(net);
    for (size_t i = 0; i < net->n; i++) {
        if (net->links[i].rx_aio != NULL)
            nng_aio_free(net->links[i].rx_aio); /* waits for a running rx_done */
        if (net->links[i].cli != NULL)
            nng_tls_config_free(net->links[i].cli);
    }
    while (net->head != NULL) {
        queued_msg *q = net->head;
        net->head = q->next;
        msg_wipe_free(q->msg);
        free(q);
    }
    if (net->sync_ready) {
        pthread_cond_destroy(&net->cv);
        pthread_mutex_destroy(&net->mu);
    }
    free(net);
}

/* ---- counters ---- */

/* NNG 1.5.2's nng_stat_find_listener/_dialer/_socket return the first scope
 * of the kind whatever the id, so we match the id ourselves. */
static nng_stat *find_scope(nng_stat *root, const char *kind, int id)
{
    for (nng_stat *s = nng_stat_child(root); s != NULL; s = nng_stat_next(s)) {
        if (strcmp(nng_stat_name(s), kind) != 0)
            continue;
        nng_stat *sid = nng_stat_find(s, "id");
        if (sid != NULL && (int)nng_stat_value(sid) == id)
            return s;
    }
    return NULL;
}

static uint64_t scope_value(nng_stat *root, const char *kind, int id, const char *name)
{
    nng_stat *scope = id > 0 ? find_scope(root, kind, id) : NULL;
    nng_stat *s = scope != NULL ? nng_stat_find(scope, name) : NULL;
    return s != NULL ? nng_stat_value(s) : 0;
}

wf_err wf_peer_net_counters_get(wf_peer_net *net, size_t peer, wf_peer_net_counters *out)
{
    if (net == NULL || out == NULL || (peer >= net->n && peer != WF_PEER_NET_ALL))
        return WF_ERR_ARG;
    memset(out, 0, sizeof *out);
    nng_stat *stats = NULL;
    int have_stats = nng_stats_get(&stats) == 0;
    size_t lo = peer == WF_PEER_NET_ALL ? 0 : peer, hi = peer == WF_PEER_NET_ALL ? net->n : peer + 1;
    for (size_t i = lo; i < hi; i++) {
        peer_link *l = &net->links[i];
        out->sent += atomic_load(&l->sent);
        out->received += atomic_load(&l->received);
        out->send_failed += atomic_load(&l->send_failed);
        out->send_too_large += atomic_load(&l->too_large);
        out->refused_oversize += atomic_load(&l->oversize);
        out->refused_unverified += atomic_load(&l->unverified);
        out->redials += atomic_load(&l->redials);
        if (have_stats) {
            pthread_mutex_lock(&net->mu);
            nng_dialer d = l->dialer;
            pthread_mutex_unlock(&net->mu);
            out->refused_handshake += scope_value(stats, "listener", nng_listener_id(l->listener), "auth") +
                                      scope_value(stats, "dialer", nng_dialer_id(d), "auth");
            out->connected += scope_value(stats, "socket", nng_socket_id(l->tx), "pipes");
        }
    }
    if (have_stats)
        nng_stats_free(stats);
    return have_stats ? WF_OK : WF_ERR_INTERNAL;
}

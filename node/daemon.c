/* warifud's lifetime and its router (node/daemon.h): start-up from the node
 * directory, config, policy and store; the router thread that authenticates
 * every envelope from the peer network and hands it on; bookkeeping of peers;
 * graceful shutdown. */
#include "node/daemon.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/secmem.h"
#include "node/daemon_internal.h"
#include "node/fail.h"
#include "node/monotonic.h"
#include "node/presig_policy.h"
#include "node/text_format.h"
#include "store/audit.h"
#include "store/presig_pool.h"

#define ROUTER_POLL_MS 200

uint64_t wf_daemon_now_ms(void)
{
    return wf_store_now_ms();
}

void wf_hex(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

int wf_claim(wf_daemon *d, wf_claims *c, const uint8_t name[32])
{
    int free_slot = -1, taken = 0;
    pthread_mutex_lock(&d->mu);
    for (int i = 0; i < WF_INFLIGHT_MAX && !taken; i++) {
        if (c->used[i] && memcmp(c->id[i], name, 32) == 0)
            taken = 1;
        else if (!c->used[i] && free_slot < 0)
            free_slot = i;
    }
    int ok = !taken && free_slot >= 0;
    if (ok) {
        memcpy(c->id[free_slot], name, 32);
        c->used[free_slot] = 1;
    }
    pthread_mutex_unlock(&d->mu);
    return ok;
}

void wf_unclaim(wf_daemon *d, wf_claims *c, const uint8_t name[32])
{
    pthread_mutex_lock(&d->mu);
    for (int i = 0; i < WF_INFLIGHT_MAX; i++)
        if (c->used[i] && memcmp(c->id[i], name, 32) == 0)
            c->used[i] = 0;
    pthread_mutex_unlock(&d->mu);
}

void wf_request_name(uint8_t out[32], const wf_sign_request *r)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, r->key_id, WF_ID_BYTES);
    crypto_generichash_update(&st, r->request_id, r->request_id_len);
    crypto_generichash_final(&st, out, 32);
}

void wf_daemon_log(const wf_daemon *d, const char *fmt, ...)
{
    if (d->cfg.quiet)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ warifud[%s] %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, d->id.pub.name, line);
}

/* The audit log and clients take one line of printable ASCII; protocol
 * reasons name proofs and values in Greek. Spell the usual letters out, '?'
 * for the rest. */
void wf_daemon_names(const wf_daemon *d, wf_member_set s, char *out, size_t cap)
{
    size_t off = 0;
    out[0] = '\0';
    for (uint32_t m = 0; m < d->n && off < cap; m++)
        if (s & WF_SET_BIT(m))
            off += (size_t)snprintf(out + off, cap - off, "%s%s", off ? "," : "",
                                    d->cluster->members[m].pub.name);
    if (out[0] == '\0')
        snprintf(out, cap, "none");
}

void wf_daemon_ascii(char *out, size_t cap, const char *in)
{
    static const struct {
        const char *utf8, *ascii;
    } letters[] = {{"\u03a0", "Pi"},    {"\u03c3", "sigma"}, {"\u03c4", "tau"},    {"\u03c7", "chi"},
                   {"\u0393", "Gamma"}, {"\u0394", "Delta"}, {"\u03b4", "delta"}, {"\u03b3", "gamma"},
                   {"\u03c1", "rho"},   {"\u03bd", "nu"},    {"\u0304", "bar"},   {"\u00b7", "*"},
                   {"\u2192", "->"},    {"\u2026", "..."}};
    size_t o = 0;
    while (*in != '\0' && o + 1 < cap) {
        unsigned char c = (unsigned char)*in;
        if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
            in++;
            continue;
        }
        size_t k = 0, nl = sizeof letters / sizeof letters[0];
        while (k < nl && strncmp(in, letters[k].utf8, strlen(letters[k].utf8)) != 0)
            k++;
        if (k < nl) {
            size_t m = strlen(letters[k].ascii);
            if (o + m + 1 > cap)
                break;
            memcpy(out + o, letters[k].ascii, m);
            o += m;
            in += strlen(letters[k].utf8);
            continue;
        }
        out[o++] = '?';
        in++;
        while ((*(const unsigned char *)in & 0xc0) == 0x80) /* the rest of a UTF-8 sequence */
            in++;
    }
    out[o] = '\0';
}

void wf_daemon_audit(wf_daemon *d, const char *kind, const char *fmt, ...)
{
    char raw[WF_AUDIT_TEXT_MAX + 1], text[WF_AUDIT_TEXT_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    wf_daemon_ascii(text, sizeof text, raw);
    uint64_t seq = 0;
    if (wf_store_audit_append(d->store, kind, text, &seq) != WF_OK)
        wf_daemon_log(d, "audit append failed: %s", wf_store_last_error());
}

int wf_daemon_peer_up(wf_daemon *d, uint32_t m)
{
    if (m == d->self)
        return 1;
    if (m >= d->n)
        return 0;
    wf_peer_net_counters c;
    if (wf_peer_net_counters_get(d->net, d->peer_of[m], &c) != WF_OK)
        return 0;
    return c.connected > 0;
}

wf_member_set wf_daemon_usable(wf_daemon *d)
{
    uint64_t now = wf_daemon_now_ms();
    wf_member_set s = WF_SET_BIT(d->self);
    for (uint32_t m = 0; m < d->n; m++) {
        if (m == d->self)
            continue;
        pthread_mutex_lock(&d->mu);
        int excluded = d->excluded_until[m] > now;
        pthread_mutex_unlock(&d->mu);
        if (!excluded && wf_daemon_peer_up(d, m))
            s |= WF_SET_BIT(m);
    }
    return s;
}

void wf_daemon_exclude(wf_daemon *d, uint32_t m, uint64_t ms, const char *why)
{
    if (m >= d->n || m == d->self)
        return;
    pthread_mutex_lock(&d->mu);
    uint64_t until = wf_daemon_now_ms() + ms;
    if (until > d->excluded_until[m])
        d->excluded_until[m] = until;
    pthread_mutex_unlock(&d->mu);
    wf_daemon_log(d, "leaving %s out of quorums for %llu s: %s", d->cluster->members[m].pub.name,
                  (unsigned long long)(ms / 1000), why);
}

static void count_refused(wf_daemon *d, const char *reason)
{
    const char *labels[] = {reason};
    wf_metric_add(d->nm.refused_envelopes, labels, 1);
}

wf_err wf_daemon_send(wf_daemon *d, uint32_t m, const uint8_t *bytes, size_t len)
{
    if (m >= d->n || m == d->self)
        return WF_ERR_ARG;
    wf_err err = wf_peer_net_send(d->net, d->peer_of[m], bytes, len, WF_SEND_TIMEOUT_MS);
    if (err != WF_OK)
        wf_daemon_log(d, "send to %s failed (%s)", d->cluster->members[m].pub.name, wf_err_str(err));
    return err;
}

void wf_daemon_machine_cfg(const wf_daemon *d, wf_machine_cfg *out, const uint8_t key_id[WF_ID_BYTES],
                           const uint8_t session_id[WF_ID_BYTES], const char *protocol)
{
    *out = d->mcfg;
    memcpy(out->key_id, key_id, WF_ID_BYTES);
    memcpy(out->session_id, session_id, WF_ID_BYTES);
    if (d->cfg.fault_protocol != NULL && protocol != NULL && strcmp(d->cfg.fault_protocol, protocol) == 0)
        out->fault = d->cfg.fault;
    else
        memset(&out->fault, 0, sizeof out->fault);
}

/* One envelope from peer position `peer`: authenticate it (signature under
 * the identity key of the member the link is pinned to, `from` equal to that
 * member, our cluster, addressed to us or broadcast), then route it. */
static void route(wf_daemon *d, size_t peer, uint8_t *msg, size_t len)
{
    uint32_t m = d->member_of[peer];
    wf_envelope env;
    memset(&env, 0, sizeof env);
    if (wf_envelope_open(&env, msg, len, d->cluster->members[m].pub.identity_pk) != WF_OK) {
        count_refused(d, "bad_envelope");
        wf_daemon_log(d, "refused an envelope from %s: malformed or bad signature", d->cluster->members[m].pub.name);
        goto drop;
    }
    /* a protocol envelope's `from` and `to` are party ids of its session,
     * which may be a key's member indices (node/committee.h): the session
     * checks them (session_run.c and the session layer) */
    int control = strcmp(env.protocol, WF_CONTROL_PROTOCOL) == 0;
    if (control && env.from != m) {
        count_refused(d, "wrong_sender");
        wf_daemon_log(d, "refused an envelope on %s's link claiming to be from member %u",
                      d->cluster->members[m].pub.name, env.from);
        goto drop;
    }
    if (memcmp(env.cluster_id, d->cluster->cluster_id, WF_ID_BYTES) != 0) {
        count_refused(d, "wrong_cluster");
        wf_daemon_log(d, "refused an envelope from %s for another cluster", d->cluster->members[m].pub.name);
        goto drop;
    }
    if (control && env.to != WF_TO_BROADCAST && env.to != d->self) {
        count_refused(d, "wrong_recipient");
        goto drop;
    }
    if (control) {
        if (env.round == WF_CONTROL_ROUND_START && env.to == d->self)
            wf_member_accept(d, m, &env);
        else if (env.round == WF_CONTROL_ROUND_RESULT && env.to == d->self)
            wf_coord_result(d, m, &env);
        else
            count_refused(d, "bad_control");
        goto drop;
    }
    uint8_t sid[WF_ID_BYTES];
    uint32_t party = env.from;
    memcpy(sid, env.session_id, WF_ID_BYTES);
    wf_envelope_clear(&env);
    wf_session_route(d, m, party, sid, msg, len);
    return;
drop:
    wf_envelope_clear(&env);
    wf_peer_net_msg_free(msg, len);
}

static void *router_main(void *arg)
{
    wf_daemon *d = arg;
    uint64_t last_gauge = 0;
    while (atomic_load(&d->stopping) < 3) {
        size_t peer = 0;
        uint8_t *msg = NULL;
        size_t len = 0;
        wf_err err = wf_peer_net_recv(d->net, ROUTER_POLL_MS, &peer, &msg, &len);
        if (err == WF_OK && peer < d->n - 1)
            route(d, peer, msg, len);
        else if (err == WF_OK)
            wf_peer_net_msg_free(msg, len);
        wf_session_expire_pending(d);
        uint64_t now = wf_daemon_now_ms();
        if (now - last_gauge >= 1000) {
            last_gauge = now;
            unsigned up = 0;
            for (uint32_t i = 0; i < d->n; i++)
                up += i != d->self && wf_daemon_peer_up(d, i);
            wf_metric_set(d->nm.peers_up, NULL, up);
        }
    }
    return NULL;
}

static int ready(void *ctx, char *reason, size_t cap)
{
    wf_daemon *d = ctx;
    if (atomic_load(&d->stopping) != 0) {
        snprintf(reason, cap, "shutting down");
        return 0;
    }
    wf_member_set usable = wf_daemon_usable(d);
    wf_member_set q[1];
    if (wf_quorum_list(d->members, d->n, d->t, WF_SET_BIT(d->self), usable, q, 1) == 0) {
        snprintf(reason, cap, "no authorised quorum with this node among the reachable peers (%zu of %u up)",
                 wf_set_count(usable) - 1, d->n - 1);
        return 0;
    }
    return wf_key_committees_ready(d, usable, reason, cap);
}

static wf_err setup_identity(wf_daemon *d, const char **why)
{
    wf_err err = WF_OK;
    if ((err = wf_node_identity_load(&d->id, d->cfg.node_dir, 1, why)) != WF_OK)
        goto done;
    if ((err = wf_cluster_config_load(&d->cluster, d->cfg.cluster_path, why)) != WF_OK)
        goto done;
    if ((err = wf_cluster_config_find_self(d->cluster, &d->id, &d->self, why)) != WF_OK)
        goto done;
    d->n = d->cluster->n;
    d->t = d->cluster->threshold;
    wf_cluster_config_members(d->cluster, d->members);
    if ((err = wf_cluster_config_machine_cfg(&d->mcfg, d->cluster, d->self, d->id.identity_sk)) != WF_OK)
        FAIL(err, "cannot build the protocol configuration");
    if ((err = wf_policy_load(&d->policy, d->cfg.policy_path, why)) != WF_OK)
        goto done;
done:
    return err;
}

static wf_err setup_store(wf_daemon *d, const char **why)
{
    wf_err err = WF_OK;
    char path[WF_NODE_PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", d->cfg.node_dir, WF_NODE_STORE_DIR) >= (int)sizeof path)
        FAIL(WF_ERR_ARG, "node directory path too long");
    if ((err = wf_store_open(&d->store, path, &d->cfg.unlock)) != WF_OK)
        FAIL(err, wf_why_fmt("cannot open the store: %s", wf_store_last_error()));
    if ((err = wf_node_keys_load(d, why)) != WF_OK || (err = wf_node_state_load(d, why)) != WF_OK)
        goto done;
done:
    return err;
}

/* Pool policy (issue 9): presignature water-marks and lifetime, and the
 * Paillier key pool as the source of aux-info's keys unless a test set one. */
static wf_err setup_pools(wf_daemon *d, const char **why)
{
    wf_err err = WF_OK;
    if (d->cfg.paillier_pool_high < d->cfg.paillier_pool_low)
        FAIL(WF_ERR_RANGE, "the Paillier pool's high water-mark is below the low one");
    if (d->cfg.presig_policy_path != NULL)
        err = wf_presig_policy_load(&d->presig_policy, d->cfg.presig_policy_path, d->n, d->t, d->cfg.presig_low,
                                    d->cfg.presig_high, why);
    else if ((err = wf_presig_policy_default(&d->presig_policy, d->cfg.presig_low, d->cfg.presig_high)) != WF_OK)
        FAIL(err, "cannot set the presignature water-marks");
    if (err != WF_OK)
        goto done;
    wf_store_presig_set_ttl(d->store, d->cfg.presig_ttl_ms);
    if (d->cfg.paillier_source == NULL) {
        d->cfg.paillier_source = wf_paillier_keeper_source;
        d->cfg.paillier_ctx = d;
    }
    if ((err = wf_paillier_keeper_start(d)) != WF_OK)
        FAIL(err, "cannot start the Paillier key pool's keeper");
done:
    return err;
}

/* The client API comes up last, once the router and keeper run. */
static wf_err setup_clients(wf_daemon *d, const char **why)
{
    wf_err err = WF_OK;
    char crt[WF_NODE_PATH_MAX], key[WF_NODE_PATH_MAX];
    snprintf(crt, sizeof crt, "%s/%s", d->cfg.node_dir, WF_NODE_TLS_CERT);
    snprintf(key, sizeof key, "%s/%s", d->cfg.node_dir, WF_NODE_TLS_KEY);
    wf_client_server_cfg cc = {
        .listen_url = d->cfg.client_listen_url,
        .cert_path = crt,
        .key_path = key,
        .client_ca_path = d->cfg.client_ca_path,
        .workers = 4,
        .handler = wf_client_api_handle,
        .ctx = d,
        .allow_plaintext_for_tests = d->cfg.allow_plaintext_for_tests,
    };
    if ((err = wf_client_server_start(&d->clients, &cc, why)) != WF_OK)
        goto done;
done:
    return err;
}

static wf_err setup_network(wf_daemon *d, const char **why)
{
    wf_err err = WF_OK;
    if ((err = wf_cluster_net_prepare(&d->netcfg, d->cluster, d->self, d->cfg.node_dir, d->cfg.peer_listen_url,
                                      why)) != WF_OK)
        goto done;
    d->netcfg->cfg.allow_plaintext_for_tests = d->cfg.allow_plaintext_for_tests;
    d->netcfg->cfg.reconnect_max_ms = d->cfg.peer_reconnect_max_ms;
    for (size_t p = 0; p < d->netcfg->cfg.n_peers; p++) {
        uint32_t m = d->netcfg->cfg.peers[p].member;
        d->peer_of[m] = p;
        d->member_of[p] = m;
    }
    d->peer_of[d->self] = SIZE_MAX;
    if ((err = wf_peer_net_create(&d->net, &d->netcfg->cfg, why)) != WF_OK)
        goto done;
    if ((err = wf_metrics_create(&d->metrics, 0)) != WF_OK || (err = wf_node_metrics_register(d->metrics, &d->nm)) != WF_OK)
        FAIL(err, "cannot create the metrics registry");
    const char *labels[] = {"protocol", "outcome"};
    if ((err = wf_metrics_add_family(d->metrics, &d->sessions_total, WF_METRIC_COUNTER, "warifu_sessions_total",
                                     "Protocol sessions this node took part in, by outcome.", labels, 2, NULL,
                                     0)) != WF_OK)
        FAIL(err, "cannot register the session metrics");
    wf_metric_set(d->nm.peers, NULL, d->n - 1);
    wf_http_cfg hc = {.listen_url = d->cfg.http_url, .metrics = d->metrics, .ready = ready, .ready_ctx = d};
    if ((err = wf_http_start(&d->http, &hc)) != WF_OK)
        FAIL(err, wf_why_fmt("cannot serve health and metrics on %s", d->cfg.http_url ? d->cfg.http_url : "the default URL"));
done:
    return err;
}

wf_err wf_daemon_start(wf_daemon **out, const wf_daemon_cfg *cfg, const char **why)
{
    wf_err err = WF_OK;
    wf_daemon *d = NULL;
    if (out == NULL || cfg == NULL || cfg->node_dir == NULL || cfg->cluster_path == NULL ||
        cfg->policy_path == NULL || cfg->client_ca_path == NULL || cfg->client_listen_url == NULL)
        FAIL(WF_ERR_ARG, "node directory, cluster config, policy, client CA and client URL are required");
    *out = NULL;
    if (cfg->fault.kind != WF_FAULT_NONE && !cfg->allow_test_faults)
        FAIL(WF_ERR_ARG, "fault injection is for tests only and needs --allow-test-faults");
    if (cfg->presig_high < cfg->presig_low)
        FAIL(WF_ERR_RANGE, "the presignature high water-mark is below the low one");
    if ((d = calloc(1, sizeof *d)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    d->cfg = *cfg;
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->keys_mu, NULL);
    pthread_mutex_init(&d->state_mu, NULL);
    wf_mono_cond_init(&d->cv);
    if (d->cfg.paillier_bits == 0)
        d->cfg.paillier_bits = 2048;
    if (!wf_aux_bits_valid(d->cfg.paillier_bits))
        FAIL(WF_ERR_RANGE, "the Paillier modulus size must be 2048 or 3072 bits");
    if (d->cfg.session_timeout_ms <= 0)
        d->cfg.session_timeout_ms = WF_DAEMON_SESSION_TIMEOUT_MS;
    if (d->cfg.keygen_timeout_ms <= 0)
        d->cfg.keygen_timeout_ms = WF_DAEMON_KEYGEN_TIMEOUT_MS;
    if (d->cfg.grace_ms <= 0)
        d->cfg.grace_ms = WF_DAEMON_GRACE_MS;
    if (d->cfg.presign_threads == 0)
        d->cfg.presign_threads = 2;
    if ((err = setup_identity(d, why)) != WF_OK || (err = setup_store(d, why)) != WF_OK ||
        (err = setup_network(d, why)) != WF_OK || (err = setup_pools(d, why)) != WF_OK)
        goto done;
    if (cfg->fault.kind != WF_FAULT_NONE)
        wf_daemon_log(d, "WARNING: test fault %u injected into every %s session: this node cheats on purpose",
                      cfg->fault.kind, cfg->fault_protocol ? cfg->fault_protocol : "(no)");
    if (pthread_create(&d->router, NULL, router_main, d) != 0)
        FAIL(WF_ERR_INTERNAL, "cannot start the router thread");
    d->router_started = 1;
    if ((err = wf_keeper_start(d)) != WF_OK)
        FAIL(err, "cannot start the presignature keeper");
    if ((err = setup_clients(d, why)) != WF_OK)
        goto done;
    wf_daemon_log(d, "member %u of cluster %02x%02x%02x%02x… serving (%u members, threshold %u)", d->self,
                  d->cluster->cluster_id[0], d->cluster->cluster_id[1], d->cluster->cluster_id[2],
                  d->cluster->cluster_id[3], d->n, d->t);
    wf_daemon_audit(d, "start", "warifud started as member %u (%s)", d->self, d->id.pub.name);
    *out = d;
    d = NULL;
done:
    if (d != NULL)
        wf_daemon_stop(d);
    return err;
}

uint16_t wf_daemon_http_port(const wf_daemon *d)
{
    return d && d->http ? wf_http_port(d->http) : 0;
}

void wf_daemon_stop(wf_daemon *d)
{
    if (d == NULL)
        return;
    /* 1: refuse new work, let running sessions finish for the grace period */
    atomic_store(&d->stopping, 1);
    wf_paillier_keeper_stop(d); /* cancels a prime search in progress */
    uint64_t deadline = wf_daemon_now_ms() + (uint64_t)d->cfg.grace_ms;
    pthread_mutex_lock(&d->mu);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int busy = d->sessions != NULL || d->member_threads > 0;
        pthread_mutex_unlock(&d->mu);
        if (!busy || wf_daemon_now_ms() >= deadline)
            break;
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    /* 2: abort what still runs */
    atomic_store(&d->stopping, 2);
    pthread_mutex_lock(&d->mu);
    for (wf_nsession *s = d->sessions; s; s = s->next)
        pthread_cond_broadcast(&s->cv);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    if (d->clients)
        wf_client_server_stop(d->clients);
    wf_keeper_join(d);
    pthread_mutex_lock(&d->mu);
    while (d->member_threads > 0)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    /* 3: stop the router */
    atomic_store(&d->stopping, 3);
    if (d->router_started)
        pthread_join(d->router, NULL);
    /* a start the router accepted just before it stopped */
    pthread_mutex_lock(&d->mu);
    while (d->member_threads > 0)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
    if (d->http)
        wf_http_stop(d->http);
    if (d->net)
        wf_peer_net_close(d->net);
    wf_session_free_all(d);
    wf_paillier_keeper_free(d);
    if (d->store) {
        wf_daemon_audit(d, "stop", "warifud stopped");
        wf_node_keys_free(d);
        wf_store_close(d->store);
    }
    wf_metrics_free(d->metrics);
    wf_presig_policy_free(d->presig_policy);
    wf_cluster_net_free(d->netcfg);
    wf_policy_free(d->policy);
    wf_cluster_config_free(d->cluster);
    wf_node_identity_clear(&d->id);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->keys_mu);
    pthread_mutex_destroy(&d->state_mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

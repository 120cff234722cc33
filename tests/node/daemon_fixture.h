/* A warifu cluster for the daemon tests: node directories, a cluster config
 * with ranks, one client (Ed25519 identity and TLS certificate) allowed every
 * key by the policy, in-process daemons (wf_daemon_start) with fixture
 * Paillier keys so aux-info does not search for primes, and client calls
 * through the real mutual-TLS client API. Signatures are checked with
 * libsecp256k1. */
#ifndef WF_TESTS_DAEMON_FIXTURE_H
#define WF_TESTS_DAEMON_FIXTURE_H

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/secmem.h"
#include "node/client_net.h"
#include "node/cluster_config.h"
#include "node/daemon.h"
#include "node/tls_identity.h"
#include "protocol/client_request.h"
#include "protocol/proto/client.pb-c.h"
#include "tests/check.h"
#include "tests/fixtures.h"
#include "tests/node/cluster_fixture.h"
#include "tests/node/http_client.h"
#include "tests/node/port_fixture.h"

#define WF_DF_MAX 5

typedef struct wf_df {
    size_t n;
    uint32_t t;
    char dirs[WF_DF_MAX][WF_CF_PATH], key_files[WF_DF_MAX][WF_CF_PATH];
    char cluster[WF_CF_PATH], policy[WF_CF_PATH], client_ca[WF_CF_PATH];
    char client_crt[WF_CF_PATH], client_key[WF_CF_PATH];
    char client_url[WF_DF_MAX][64], http_url[WF_DF_MAX][64];
    wf_daemon *d[WF_DF_MAX];
    uint8_t client_pk[32];
    uint8_t *client_sk; /* locked, 64 bytes */
    uint8_t cluster_id[32];
    unsigned base;
} wf_df;

static const char *const wf_df_names[WF_DF_MAX] = {"alpha", "bravo", "charlie", "delta", "echo"};

/* Distinct fixture keys for every node: pair (member index). */
static inline wf_paillier_sk *wf_df_paillier(void *ctx, unsigned bits)
{
    return wf_test_paillier_sk(bits, (unsigned)(uintptr_t)ctx);
}

static inline void wf_df_setup(wf_df *f, size_t n, uint32_t t, const uint32_t *ranks)
{
    const char *why = NULL;
    wf_node_member members[WF_DF_MAX];
    memset(f, 0, sizeof *f);
    f->n = n;
    f->t = t;
    wf_cf_root_make();
    /* per node: n peer links + client API + HTTP */
    f->base = wf_test_free_port_range((unsigned)(n * (n + 2)));
    for (size_t i = 0; i < n; i++) {
        char address[64];
        unsigned b = f->base + (unsigned)(i * (n + 2));
        snprintf(address, sizeof address, "tls+tcp://127.0.0.1:%u", b);
        snprintf(f->client_url[i], sizeof f->client_url[i], "tls+tcp://127.0.0.1:%u", b + (unsigned)n);
        snprintf(f->http_url[i], sizeof f->http_url[i], "http://127.0.0.1:%u", b + (unsigned)n + 1);
        wf_cf_init_node(wf_df_names[i], address, f->dirs[i], f->key_files[i], &members[i]);
    }
    wf_cluster_config *c = NULL;
    wf_err err = wf_cluster_config_build(&c, t, members, ranks, n, &why);
    if (err != WF_OK)
        fprintf(stderr, "cluster: %s\n", why);
    REQUIRE(err == WF_OK);
    memcpy(f->cluster_id, c->cluster_id, 32);
    wf_cf_path(f->cluster, sizeof f->cluster, "cluster.conf");
    REQUIRE(wf_cluster_config_write(c, f->cluster, &why) == WF_OK);
    wf_cluster_config_free(c);
    for (size_t i = 0; i < n; i++)
        wf_node_member_clear(&members[i]);

    /* the client: Ed25519 identity and TLS certificate */
    f->client_sk = wf_secure_alloc(64);
    REQUIRE(f->client_sk != NULL);
    crypto_sign_keypair(f->client_pk, f->client_sk);
    wf_cf_path(f->client_crt, sizeof f->client_crt, "client.crt");
    wf_cf_path(f->client_key, sizeof f->client_key, "client.key");
    char fp[WF_TLS_FINGERPRINT_CHARS + 1];
    REQUIRE(wf_tls_identity_generate("withdrawals", f->client_key, f->client_crt, fp, &why) == WF_OK);
    wf_cf_path(f->client_ca, sizeof f->client_ca, "clients.pem");
    size_t len = 0;
    char *pem = wf_cf_read(f->client_crt, &len);
    REQUIRE(pem != NULL);
    wf_cf_write(f->client_ca, pem, 0644);
    free(pem);

    char hex[65], text[256];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", f->client_pk[i]);
    snprintf(text, sizeof text, "warifu-policy 1\nclient withdrawals %s\nallow withdrawals *\nend\n", hex);
    wf_cf_path(f->policy, sizeof f->policy, "policy.conf");
    wf_cf_write(f->policy, text, 0644);
}

/* The peer links' longest redial wait for every daemon wf_df_cfg configures
 * (0: the daemon's default, 2 s). Tests that stop and start nodes often set
 * it short, so the running nodes reach a restarted one at once instead of
 * after their backed-off redial. */
static int wf_df_peer_redial_ms;

static inline wf_daemon_cfg wf_df_cfg(const wf_df *f, size_t i)
{
    wf_daemon_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.node_dir = f->dirs[i];
    cfg.cluster_path = f->cluster;
    cfg.policy_path = f->policy;
    cfg.client_ca_path = f->client_ca;
    cfg.client_listen_url = f->client_url[i];
    cfg.http_url = f->http_url[i];
    cfg.unlock.key_file = f->key_files[i];
    cfg.paillier_source = wf_df_paillier;
    cfg.paillier_ctx = (void *)(uintptr_t)i;
    cfg.session_timeout_ms = 20000;
    cfg.peer_reconnect_max_ms = wf_df_peer_redial_ms;
    cfg.quiet = getenv("WF_TEST_VERBOSE") == NULL;
    return cfg;
}

static inline void wf_df_start(wf_df *f, size_t i, const wf_daemon_cfg *cfg)
{
    const char *why = NULL;
    wf_err err = wf_daemon_start(&f->d[i], cfg, &why);
    if (err != WF_OK)
        fprintf(stderr, "start %s: %s\n", wf_df_names[i], why ? why : wf_err_str(err));
    REQUIRE(err == WF_OK);
}

static inline void wf_df_stop(wf_df *f, size_t i)
{
    wf_daemon_stop(f->d[i]);
    f->d[i] = NULL;
}

static inline void wf_df_teardown(wf_df *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->d[i] != NULL)
            wf_df_stop(f, i);
    wf_secure_free(f->client_sk);
}

static inline uint64_t wf_df_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void wf_df_sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Sends raw bytes to node i's client API; the decoded answer (free with
 * client_response__free_unpacked), or NULL if the call failed (why printed). */
static inline Warifu__Wire__ClientResponse *wf_df_call_raw(const wf_df *f, size_t i, const uint8_t *req, size_t len,
                                                           int timeout_ms)
{
    wf_client_call_cfg cc = {.url = f->client_url[i],
                             .cert_path = f->client_crt,
                             .key_path = f->client_key,
                             .server_cert_path = NULL};
    char server_crt[WF_CF_PATH + 16];
    snprintf(server_crt, sizeof server_crt, "%s/tls.crt", f->dirs[i]);
    cc.server_cert_path = server_crt;
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    const char *why = NULL;
    wf_err err = wf_client_call(&cc, req, len, &resp, &resp_len, timeout_ms, &why);
    if (err != WF_OK) {
        fprintf(stderr, "client call to %s: %s\n", wf_df_names[i], why ? why : wf_err_str(err));
        return NULL;
    }
    Warifu__Wire__ClientResponse *r = warifu__wire__client_response__unpack(NULL, resp_len, resp);
    free(resp);
    return r;
}

static inline Warifu__Wire__ClientResponse *wf_df_call(const wf_df *f, size_t i, Warifu__Wire__ClientRequest *req,
                                                       int timeout_ms)
{
    size_t len = warifu__wire__client_request__get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    REQUIRE(buf != NULL);
    warifu__wire__client_request__pack(req, buf);
    Warifu__Wire__ClientResponse *r = wf_df_call_raw(f, i, buf, len, timeout_ms);
    free(buf);
    return r;
}

/* Sends the signed keygen request kr to node i: the answer (free it), or
 * NULL. */
static inline Warifu__Wire__ClientResponse *wf_df_send_keygen(const wf_df *f, size_t i,
                                                              const wf_keygen_request *kr)
{
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    REQUIRE(wf_keygen_request_encode(kr, &enc, &enc_len) == WF_OK);
    Warifu__Wire__KeygenRequest *km = warifu__wire__keygen_request__unpack(NULL, enc_len, enc);
    free(enc);
    REQUIRE(km != NULL);
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_KEYGEN;
    req.keygen = km;
    Warifu__Wire__ClientResponse *r = wf_df_call(f, i, &req, 300000);
    warifu__wire__keygen_request__free_unpacked(km, NULL);
    return r;
}

/* Sends the signed refresh request rr to node i: the answer (free it), or
 * NULL. */
static inline Warifu__Wire__ClientResponse *wf_df_send_refresh(const wf_df *f, size_t i,
                                                               const wf_refresh_request *rr)
{
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    REQUIRE(wf_refresh_request_encode(rr, &enc, &enc_len) == WF_OK);
    Warifu__Wire__RefreshRequest *m = warifu__wire__refresh_request__unpack(NULL, enc_len, enc);
    free(enc);
    REQUIRE(m != NULL);
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_REFRESH;
    req.refresh = m;
    Warifu__Wire__ClientResponse *r = wf_df_call(f, i, &req, 120000);
    warifu__wire__refresh_request__free_unpacked(m, NULL);
    return r;
}

/* Keygen through node i; fills key_id. Returns the response. */
static inline Warifu__Wire__ClientResponse *wf_df_keygen(const wf_df *f, size_t i, const char *request_id,
                                                         uint8_t key_id[32])
{
    wf_keygen_request kr;
    memset(&kr, 0, sizeof kr);
    kr.request_id_len = strlen(request_id);
    memcpy(kr.request_id, request_id, kr.request_id_len);
    kr.expiry_ms = wf_df_now_ms() + 60000;
    REQUIRE(wf_keygen_request_sign(&kr, f->client_sk) == WF_OK);
    REQUIRE(wf_keygen_key_id(key_id, f->cluster_id, &kr) == WF_OK);
    return wf_df_send_keygen(f, i, &kr);
}

/* A signed request (not sent). */
static inline void wf_df_sign_request(const wf_df *f, wf_sign_request *r, const char *request_id,
                                      const uint8_t key_id[32], const uint8_t digest[32], const uint32_t *path,
                                      size_t path_len)
{
    memset(r, 0, sizeof *r);
    r->request_id_len = strlen(request_id);
    memcpy(r->request_id, request_id, r->request_id_len);
    memcpy(r->key_id, key_id, 32);
    if (path_len > 0)
        memcpy(r->path, path, path_len * sizeof path[0]);
    r->path_len = path_len;
    memcpy(r->digest, digest, 32);
    r->expiry_ms = wf_df_now_ms() + 60000;
    REQUIRE(wf_sign_request_sign(r, f->client_sk) == WF_OK);
}

static inline Warifu__Wire__ClientResponse *wf_df_send_sign(const wf_df *f, size_t i, const wf_sign_request *r)
{
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    REQUIRE(wf_sign_request_encode(r, &enc, &enc_len) == WF_OK);
    Warifu__Wire__SignRequest *sm = warifu__wire__sign_request__unpack(NULL, enc_len, enc);
    free(enc);
    REQUIRE(sm != NULL);
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_SIGN;
    req.sign = sm;
    Warifu__Wire__ClientResponse *resp = wf_df_call(f, i, &req, 120000);
    warifu__wire__sign_request__free_unpacked(sm, NULL);
    return resp;
}

/* libsecp256k1: the signature verifies under its public key, its DER form
 * is the same signature, s is low, and v recovers the key. */
static inline int wf_df_sig_valid(const Warifu__Wire__Signature *s, const uint8_t digest[32])
{
    static secp256k1_context *secp;
    if (secp == NULL)
        secp = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY | SECP256K1_CONTEXT_SIGN);
    if (s == NULL || s->r.len != 32 || s->s.len != 32 || s->public_key.len != 33 || s->v > 3)
        return 0;
    uint8_t compact[64], der_compact[64], recovered[33];
    memcpy(compact, s->r.data, 32);
    memcpy(compact + 32, s->s.data, 32);
    secp256k1_pubkey key, rkey;
    secp256k1_ecdsa_signature sig, der_sig, normal;
    secp256k1_ecdsa_recoverable_signature rsig;
    size_t rlen = sizeof recovered;
    if (!secp256k1_ec_pubkey_parse(secp, &key, s->public_key.data, 33) ||
        !secp256k1_ecdsa_signature_parse_compact(secp, &sig, compact) ||
        !secp256k1_ecdsa_verify(secp, &sig, digest, &key) ||
        secp256k1_ecdsa_signature_normalize(secp, &normal, &sig) != 0 || /* 0: already low-s */
        !secp256k1_ecdsa_signature_parse_der(secp, &der_sig, s->der.data, s->der.len) ||
        !secp256k1_ecdsa_signature_serialize_compact(secp, der_compact, &der_sig) ||
        memcmp(der_compact, compact, 64) != 0 ||
        !secp256k1_ecdsa_recoverable_signature_parse_compact(secp, &rsig, compact, (int)s->v) ||
        !secp256k1_ecdsa_recover(secp, &rkey, &rsig, digest) ||
        !secp256k1_ec_pubkey_serialize(secp, recovered, &rlen, &rkey, SECP256K1_EC_COMPRESSED))
        return 0;
    return memcmp(recovered, s->public_key.data, 33) == 0;
}

static inline uint16_t wf_df_http_port(const wf_df *f, size_t i)
{
    return (uint16_t)(f->base + (unsigned)(i * (f->n + 2) + f->n + 1));
}

/* GET target from node i: the body (malloc) and *status, or NULL when the
 * node does not answer (not started yet, or gone). */
static inline char *wf_df_get(const wf_df *f, size_t i, const char *target, int *status)
{
    response r;
    *status = -1;
    if (fetch(wf_df_http_port(f, i), "GET", target, NULL, &r) != 0)
        return NULL;
    *status = r.status;
    return r.body;
}

/* The value of one series of node i's /metrics (exact name and labels as
 * printed), or -1 when absent. */
static inline double wf_df_metric(const wf_df *f, size_t i, const char *series)
{
    int status = 0;
    char *body = wf_df_get(f, i, "/metrics", &status);
    double v = -1;
    if (body != NULL && status == 200) {
        size_t n = strlen(series);
        for (char *line = body; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if (strncmp(line, series, n) == 0 && line[n] == ' ') {
                v = strtod(line + n + 1, NULL);
                break;
            }
    }
    free(body);
    return v;
}

/* Waits until every node that runs (running[i], or f->d[i] when running is
 * NULL) answers /readyz with 200 and has every peer up (at most ms). */
static inline int wf_df_wait_ready_of(const wf_df *f, const int *running, unsigned ms)
{
    for (unsigned waited = 0; waited < ms; waited += 100) {
        int all = 1;
        for (size_t i = 0; i < f->n && all; i++) {
            if (running ? !running[i] : f->d[i] == NULL)
                continue;
            int status = 0;
            char *body = wf_df_get(f, i, "/readyz", &status);
            free(body);
            all = status == 200 && wf_df_metric(f, i, "warifu_peers_up") == (double)(f->n - 1);
        }
        if (all)
            return 1;
        wf_df_sleep_ms(100);
    }
    return 0;
}

static inline int wf_df_wait_ready(const wf_df *f, unsigned ms)
{
    return wf_df_wait_ready_of(f, NULL, ms);
}

/* Starts every node with the fixture's configuration and waits until all are
 * ready with every peer up. */
static inline void wf_df_start_all(wf_df *f)
{
    for (size_t i = 0; i < f->n; i++) {
        wf_daemon_cfg cfg = wf_df_cfg(f, i);
        wf_df_start(f, i, &cfg);
    }
    REQUIRE(wf_df_wait_ready(f, 15000));
}

/* Signs a random digest (no path) through node; 1 when the answer is a
 * signature libsecp256k1 accepts, else the node's error is printed. */
static inline int wf_df_sign_ok(const wf_df *f, size_t node, const char *request_id, const uint8_t key_id[32])
{
    uint8_t digest[32];
    randombytes_buf(digest, sizeof digest);
    wf_sign_request sr;
    wf_df_sign_request(f, &sr, request_id, key_id, digest, NULL, 0);
    Warifu__Wire__ClientResponse *r = wf_df_send_sign(f, node, &sr);
    int ok = r != NULL && r->code == 0 && r->signature && wf_df_sig_valid(r->signature, digest);
    if (r != NULL && r->code != 0)
        fprintf(stderr, "sign %s via %s: %s\n", request_id, wf_df_names[node], r->error);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    return ok;
}

#endif

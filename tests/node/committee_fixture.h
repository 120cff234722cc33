/* Keys with their own committee in the daemon tests (daemon_fixture.h): a
 * keygen request naming a committee, what the nodes report about a key and
 * hold of it in their stores, running exactly a chosen set of nodes, and
 * raw session starts sent as a compromised member would. */
#ifndef WF_TESTS_COMMITTEE_FIXTURE_H
#define WF_TESTS_COMMITTEE_FIXTURE_H

#include <sodium.h>

#include "node/cluster_config.h"
#include "node/control.h"
#include "node/node_identity.h"
#include "node/peer_net.h"
#include "store/store.h"
#include "tests/node/daemon_fixture.h"

/* A signed keygen request for the committee (nodes, ranks, n, t), not sent. */
static inline void wf_kf_keygen_request(const wf_df *f, wf_keygen_request *kr, const char *request_id,
                                        const uint32_t *nodes, const uint32_t *ranks, uint32_t n, uint32_t t)
{
    memset(kr, 0, sizeof *kr);
    kr->request_id_len = strlen(request_id);
    memcpy(kr->request_id, request_id, kr->request_id_len);
    kr->expiry_ms = wf_df_now_ms() + 60000;
    kr->n_members = n;
    kr->threshold = t;
    for (uint32_t i = 0; i < n; i++) {
        kr->members[i] = nodes[i];
        kr->ranks[i] = ranks[i];
    }
    REQUIRE(wf_keygen_request_sign(kr, f->client_sk) == WF_OK);
}

/* Sends a keygen request message to node i. */
static inline Warifu__Wire__ClientResponse *wf_kf_send_keygen(const wf_df *f, size_t i,
                                                              Warifu__Wire__KeygenRequest *km)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_KEYGEN;
    req.keygen = km;
    return wf_df_call(f, i, &req, 300000);
}

/* Keygen of the committee through node i; fills key_id. */
static inline Warifu__Wire__ClientResponse *wf_kf_keygen(const wf_df *f, size_t i, const char *request_id,
                                                         const uint32_t *nodes, const uint32_t *ranks,
                                                         uint32_t n, uint32_t t, uint8_t key_id[32])
{
    wf_keygen_request kr;
    wf_kf_keygen_request(f, &kr, request_id, nodes, ranks, n, t);
    REQUIRE(wf_keygen_key_id(key_id, f->cluster_id, &kr) == WF_OK);
    return wf_df_send_keygen(f, i, &kr);
}

/* Checks r's code (and a one-line error when not OK), then frees it. */
static inline void wf_kf_expect(Warifu__Wire__ClientResponse *r, Warifu__Wire__ClientErrorCode code,
                                const char *what)
{
    CHECK(r != NULL);
    if (r == NULL)
        return;
    if (r->code != code)
        fprintf(stderr, "%s: code %d (%s), wanted %d\n", what, r->code, r->error, code);
    CHECK(r->code == code);
    if (code != WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_OK)
        CHECK(r->error != NULL && r->error[0] != '\0' && strchr(r->error, '\n') == NULL);
    warifu__wire__client_response__free_unpacked(r, NULL);
}

/* The public key and xpub node i reports for key_id: 1 when found. */
static inline int wf_kf_pubkey(const wf_df *f, size_t i, const uint8_t key_id[32], uint8_t pub[33],
                               char xpub[128], uint32_t *t, uint32_t *n)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__PublicKeyRequest pk = WARIFU__WIRE__PUBLIC_KEY_REQUEST__INIT;
    pk.key_id = (ProtobufCBinaryData){32, (uint8_t *)key_id};
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_PUBLIC_KEY;
    req.public_key = &pk;
    Warifu__Wire__ClientResponse *r = wf_df_call(f, i, &req, 10000);
    int ok = r != NULL && r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY &&
             r->key->public_key.len == 33;
    if (ok) {
        memcpy(pub, r->key->public_key.data, 33);
        snprintf(xpub, 128, "%s", r->key->xpub);
        *t = r->key->threshold;
        *n = r->key->members;
    }
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    return ok;
}

/* How many keys node i reports in its status. */
static inline size_t wf_kf_key_count(const wf_df *f, size_t i)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest st = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &st;
    Warifu__Wire__ClientResponse *r = wf_df_call(f, i, &req, 10000);
    REQUIRE(r != NULL && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS);
    size_t n = r->status->n_keys;
    warifu__wire__client_response__free_unpacked(r, NULL);
    return n;
}

/* Signs a random digest through node i: the response (not freed) with the
 * digest in digest[32]. */
static inline Warifu__Wire__ClientResponse *wf_kf_sign(const wf_df *f, size_t i, const char *request_id,
                                                       const uint8_t key_id[32], uint8_t digest[32])
{
    wf_sign_request sr;
    randombytes_buf(digest, 32);
    wf_df_sign_request(f, &sr, request_id, key_id, digest, NULL, 0);
    return wf_df_send_sign(f, i, &sr);
}

/* Sessions of `protocol` node i finished ("done"), from its metrics. */
static inline double wf_kf_done(const wf_df *f, size_t i, const char *protocol)
{
    char series[128];
    snprintf(series, sizeof series, "warifu_sessions_total{protocol=\"%s\",outcome=\"done\"}", protocol);
    double v = wf_df_metric(f, i, series);
    return v < 0 ? 0 : v;
}

/* A reshare request of key_id to the committee (nodes, ranks, n, t), signed
 * with client_sk (not sent). */
static inline void wf_kf_reshare_request(wf_reshare_request *r, const uint8_t *client_sk,
                                         const char *request_id, const uint8_t key_id[32],
                                         const uint32_t *nodes, const uint32_t *ranks, uint32_t n, uint32_t t)
{
    memset(r, 0, sizeof *r);
    r->request_id_len = strlen(request_id);
    memcpy(r->request_id, request_id, r->request_id_len);
    memcpy(r->key_id, key_id, 32);
    r->n_members = n;
    r->threshold = t;
    for (uint32_t i = 0; i < n; i++) {
        r->members[i] = nodes[i];
        r->ranks[i] = ranks[i];
    }
    r->expiry_ms = wf_df_now_ms() + 120000;
    REQUIRE(wf_reshare_request_sign(r, client_sk) == WF_OK);
}

/* The request as a message (free with warifu__wire__reshare_request__free_unpacked). */
static inline Warifu__Wire__ReshareRequest *wf_kf_reshare_msg(const wf_reshare_request *r)
{
    uint8_t *enc = NULL;
    size_t len = 0;
    REQUIRE(wf_reshare_request_encode(r, &enc, &len) == WF_OK);
    Warifu__Wire__ReshareRequest *m = warifu__wire__reshare_request__unpack(NULL, len, enc);
    free(enc);
    REQUIRE(m != NULL);
    return m;
}

static inline Warifu__Wire__ClientResponse *wf_kf_send_reshare(const wf_df *f, size_t i,
                                                               Warifu__Wire__ReshareRequest *m)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_RESHARE;
    req.reshare = m;
    return wf_df_call(f, i, &req, 300000);
}

/* Node i's status (free it with client_response__free_unpacked), or NULL
 * when it gives none. */
static inline Warifu__Wire__ClientResponse *wf_kf_status(const wf_df *f, size_t i)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest st = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &st;
    Warifu__Wire__ClientResponse *r = wf_df_call(f, i, &req, 10000);
    if (r != NULL && r->body_case != WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS) {
        warifu__wire__client_response__free_unpacked(r, NULL);
        r = NULL;
    }
    return r;
}

/* 1 when node i's status shows exactly the nodes of mask (but itself) up. */
static inline int wf_kf_sees(const wf_df *f, size_t i, unsigned mask)
{
    Warifu__Wire__ClientResponse *r = wf_kf_status(f, i);
    int ok = r != NULL;
    for (size_t p = 0; ok && p < r->status->n_peers; p++)
        ok = (r->status->peers[p]->up != 0) == (int)((mask >> r->status->peers[p]->member) & 1u);
    if (r != NULL)
        warifu__wire__client_response__free_unpacked(r, NULL);
    return ok;
}

/* Runs exactly the nodes in mask, stopping the others and starting the
 * missing ones with start(i), and waits (15 s at most) until they see each
 * other. */
static inline void wf_kf_run_only(wf_df *f, unsigned mask, void (*start)(size_t i))
{
    for (size_t i = 0; i < f->n; i++)
        if (!(mask & (1u << i)) && f->d[i] != NULL)
            wf_df_stop(f, i);
    for (size_t i = 0; i < f->n; i++)
        if ((mask & (1u << i)) && f->d[i] == NULL)
            start(i);
    for (unsigned waited = 0; waited < 15000; waited += 100) {
        int all = 1;
        for (size_t i = 0; i < f->n && all; i++)
            if (mask & (1u << i))
                all = wf_kf_sees(f, i, mask);
        if (all)
            break;
        wf_df_sleep_ms(100);
    }
}

/* Node i's store opened read-only (the node may be running); close it with
 * wf_store_close. */
static inline wf_store *wf_kf_store_readonly(const wf_df *f, size_t i)
{
    char dir[WF_CF_PATH + 8];
    snprintf(dir, sizeof dir, "%s/store", f->dirs[i]);
    wf_store_unlock u = {.key_file = f->key_files[i]};
    wf_store *s = NULL;
    REQUIRE(wf_store_open_readonly(&s, dir, &u) == WF_OK);
    return s;
}

/* The key's generation in node i's status (0: the node does not hold it). */
static inline uint64_t wf_kf_generation(const wf_df *f, size_t i, const uint8_t key_id[32])
{
    Warifu__Wire__ClientResponse *r = wf_kf_status(f, i);
    REQUIRE(r != NULL);
    uint64_t g = 0;
    for (size_t k = 0; k < r->status->n_keys; k++)
        if (r->status->keys[k]->key_id.len == 32 && memcmp(r->status->keys[k]->key_id.data, key_id, 32) == 0)
            g = r->status->keys[k]->generation;
    warifu__wire__client_response__free_unpacked(r, NULL);
    return g;
}

/* A node's peer links opened outside its daemon (which is stopped), with
 * its identity: what a compromised member could send. */
typedef struct wf_kf_raw {
    wf_cluster_config *c;
    wf_node_identity id;
    wf_cluster_net *net;
    wf_peer_net *pn;
    uint32_t as;
} wf_kf_raw;

/* Opens node `as`'s links and gives them 1.5 s to connect. */
static inline void wf_kf_raw_open(wf_kf_raw *r, const wf_df *f, size_t as)
{
    const char *why = NULL;
    memset(r, 0, sizeof *r);
    r->as = (uint32_t)as;
    REQUIRE(wf_cluster_config_load(&r->c, f->cluster, &why) == WF_OK);
    REQUIRE(wf_node_identity_load(&r->id, f->dirs[as], 1, &why) == WF_OK);
    REQUIRE(wf_cluster_net_prepare(&r->net, r->c, r->as, f->dirs[as], NULL, &why) == WF_OK);
    REQUIRE(wf_peer_net_create(&r->pn, &r->net->cfg, &why) == WF_OK);
    wf_df_sleep_ms(1500);
}

static inline void wf_kf_raw_close(wf_kf_raw *r)
{
    wf_peer_net_close(r->pn);
    wf_cluster_net_free(r->net);
    wf_node_identity_clear(&r->id);
    wf_cluster_config_free(r->c);
}

/* A start of `protocol` ("reshare" or "retire") carrying request rq, among
 * parties[0..n) with dealers[0..n_dealers), issued now; free() it. */
static inline wf_control_start *wf_kf_reshare_start(const char *protocol, const wf_reshare_request *rq,
                                                    const uint32_t *parties, size_t n,
                                                    const uint32_t *dealers, size_t n_dealers)
{
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    wf_control_start *st = calloc(1, sizeof *st);
    REQUIRE(st != NULL && wf_reshare_request_encode(rq, &enc, &enc_len) == WF_OK);
    REQUIRE(enc_len <= sizeof st->request);
    snprintf(st->protocol, sizeof st->protocol, "%s", protocol);
    for (size_t i = 0; i < n; i++)
        st->parties[st->n++] = parties[i];
    for (size_t i = 0; i < n_dealers; i++)
        st->dealers[st->n_dealers++] = dealers[i];
    st->issued_ms = wf_df_now_ms();
    memcpy(st->request, enc, enc_len);
    st->request_len = enc_len;
    free(enc);
    return st;
}

/* Seals start st for key_id under a fresh start id as r's node, sends it
 * to node `to` and waits up to 10 s for to's result: 1 with *res set when
 * it answered, 0 when it did not. */
static inline int wf_kf_raw_start(wf_kf_raw *r, size_t to, const uint8_t key_id[32],
                                  const wf_control_start *st, wf_control_result *res)
{
    const char *why = NULL;
    size_t peer_to = 0;
    while (peer_to < r->net->cfg.n_peers && r->net->cfg.peers[peer_to].member != to)
        peer_to++;
    REQUIRE(peer_to < r->net->cfg.n_peers);
    uint8_t *bytes = NULL, start_id[32];
    size_t len = 0;
    randombytes_buf(start_id, sizeof start_id);
    wf_control_addr addr = {r->c->cluster_id, key_id, start_id, r->as, (uint32_t)to};
    REQUIRE(wf_control_seal_start(&bytes, &len, &addr, st, r->id.identity_sk) == WF_OK);
    CHECK_OK(wf_peer_net_send(r->pn, peer_to, bytes, len, 5000));
    free(bytes);
    int answered = 0;
    for (int i = 0; i < 20 && !answered; i++) {
        size_t peer = 0;
        uint8_t *msg = NULL;
        if (wf_peer_net_recv(r->pn, 500, &peer, &msg, &len) != WF_OK)
            continue;
        wf_envelope env;
        if (wf_envelope_open(&env, msg, len, r->c->members[to].pub.identity_pk) == WF_OK &&
            strcmp(env.protocol, WF_CONTROL_PROTOCOL) == 0 && env.round == WF_CONTROL_ROUND_RESULT &&
            memcmp(env.session_id, start_id, 32) == 0) {
            CHECK_OK(wf_control_decode_result(res, env.payload, env.payload_len, &why));
            answered = 1;
        }
        wf_envelope_clear(&env);
        wf_peer_net_msg_free(msg, len);
    }
    return answered;
}

#endif

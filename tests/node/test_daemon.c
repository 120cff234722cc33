/* warifud end to end in one process: three daemons of a 2-of-3 cluster with
 * ranks {0,0,1} on loopback over mutual TLS; a client creates a key and signs
 * through the client API, every signature checked by libsecp256k1 (low-s,
 * DER, recovery id). Then everything that must be refused with a clear error
 * and nothing stored: a forged client signature, an expired request, an
 * unknown client, an unknown key, a reused request id with another digest, a
 * malformed protobuf; on the peer links a malformed envelope, a sender that
 * is not the link's member, a replayed session start and a peer with a
 * certificate that is not pinned. Not under valgrind (NNG, like the other
 * network tests). */
#include <pthread.h>
#include <sodium.h>

#include "node/cluster_config.h"
#include "node/control.h"
#include "node/peer_net.h"
#include "tests/node/daemon_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

static wf_df f;
static uint8_t key_id[32];

static void expect_code(Warifu__Wire__ClientResponse *r, Warifu__Wire__ClientErrorCode code, const char *what)
{
    CHECK(r != NULL);
    if (r == NULL)
        return;
    if (r->code != code)
        fprintf(stderr, "%s: code %d (%s), wanted %d\n", what, r->code, r->error, code);
    CHECK(r->code == code);
    if (code != WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_OK) {
        CHECK(r->error != NULL && r->error[0] != '\0' && strchr(r->error, '\n') == NULL);
        CHECK(r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY__NOT_SET);
    }
    warifu__wire__client_response__free_unpacked(r, NULL);
}

static double pool_total(size_t node)
{
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest st = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &st;
    Warifu__Wire__ClientResponse *r = wf_df_call(&f, node, &req, 10000);
    REQUIRE(r != NULL && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS);
    double total = 0;
    for (size_t k = 0; k < r->status->n_keys; k++)
        for (size_t p = 0; p < r->status->keys[k]->n_pools; p++)
            total += r->status->keys[k]->pools[p]->depth;
    warifu__wire__client_response__free_unpacked(r, NULL);
    return total;
}

static void test_keygen_and_queries(void)
{
    Warifu__Wire__ClientResponse *r = wf_df_keygen(&f, ALPHA, "key-1", key_id);
    REQUIRE(r != NULL);
    if (r->code != 0)
        fprintf(stderr, "keygen: %s\n", r->error);
    REQUIRE(r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY);
    CHECK(r->key->key_id.len == 32 && memcmp(r->key->key_id.data, key_id, 32) == 0);
    CHECK(r->key->public_key.len == 33);
    CHECK(strncmp(r->key->xpub, "xpub", 4) == 0);
    CHECK(r->key->threshold == 2 && r->key->members == 3);
    uint8_t pub[33];
    memcpy(pub, r->key->public_key.data, 33);
    warifu__wire__client_response__free_unpacked(r, NULL);

    /* the same request again names the same key, created once */
    uint8_t again[32];
    r = wf_df_keygen(&f, BRAVO, "key-1", again);
    CHECK(memcmp(again, key_id, 32) == 0);
    CHECK(r != NULL && r->code == 0 && r->key && memcmp(r->key->public_key.data, pub, 33) == 0);
    if (r)
        warifu__wire__client_response__free_unpacked(r, NULL);

    /* every node holds the same public key */
    for (size_t i = 0; i < f.n; i++) {
        Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
        Warifu__Wire__PublicKeyRequest pk = WARIFU__WIRE__PUBLIC_KEY_REQUEST__INIT;
        pk.key_id = (ProtobufCBinaryData){32, key_id};
        req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_PUBLIC_KEY;
        req.public_key = &pk;
        r = wf_df_call(&f, i, &req, 10000);
        CHECK(r != NULL && r->code == 0 && r->key && memcmp(r->key->public_key.data, pub, 33) == 0);
        if (r)
            warifu__wire__client_response__free_unpacked(r, NULL);
    }
}

static void test_sign(void)
{
    uint8_t digest[32];
    uint32_t path[2] = {0, 7};
    randombytes_buf(digest, sizeof digest);

    /* the address of m/0/7 names the key the signature verifies under */
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__DeriveAddressRequest dr = WARIFU__WIRE__DERIVE_ADDRESS_REQUEST__INIT;
    dr.key_id = (ProtobufCBinaryData){32, key_id};
    dr.n_path = 2;
    dr.path = path;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_DERIVE;
    req.derive = &dr;
    Warifu__Wire__ClientResponse *a = wf_df_call(&f, CHARLIE, &req, 10000);
    REQUIRE(a != NULL && a->code == 0 && a->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_ADDRESS);
    CHECK(strncmp(a->address->btc_p2wpkh, "bc1q", 4) == 0);
    CHECK(strncmp(a->address->eth, "0x", 2) == 0);

    wf_sign_request sr;
    wf_df_sign_request(&f, &sr, "withdrawal-1", key_id, digest, path, 2);
    Warifu__Wire__ClientResponse *r = wf_df_send_sign(&f, BRAVO, &sr);
    REQUIRE(r != NULL);
    if (r->code != 0)
        fprintf(stderr, "sign: %s\n", r->error);
    REQUIRE(r->code == 0 && r->body_case == WARIFU__WIRE__CLIENT_RESPONSE__BODY_SIGNATURE);
    CHECK(wf_df_sig_valid(r->signature, digest));
    CHECK(r->signature->public_key.len == 33 &&
          memcmp(r->signature->public_key.data, a->address->public_key.data, 33) == 0);
    uint8_t rs[64];
    memcpy(rs, r->signature->r.data, 32);
    memcpy(rs + 32, r->signature->s.data, 32);
    warifu__wire__client_response__free_unpacked(r, NULL);
    warifu__wire__client_response__free_unpacked(a, NULL);

    /* a retry, on the same node and on every other, returns the same signature */
    for (size_t i = 0; i < f.n; i++) {
        r = wf_df_send_sign(&f, i, &sr);
        CHECK(r != NULL && r->code == 0 && r->signature != NULL);
        if (r && r->signature) {
            CHECK(memcmp(r->signature->r.data, rs, 32) == 0 && memcmp(r->signature->s.data, rs + 32, 32) == 0);
            CHECK(wf_df_sig_valid(r->signature, digest));
        }
        if (r)
            warifu__wire__client_response__free_unpacked(r, NULL);
    }
    /* the same request id never signs another digest */
    digest[0] ^= 1;
    wf_df_sign_request(&f, &sr, "withdrawal-1", key_id, digest, path, 2);
    expect_code(wf_df_send_sign(&f, BRAVO, &sr), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_CONFLICT, "reused id");

    /* a second request without a path, coordinated by the operator node */
    wf_df_sign_request(&f, &sr, "withdrawal-2", key_id, digest, NULL, 0);
    r = wf_df_send_sign(&f, CHARLIE, &sr);
    CHECK(r != NULL && r->code == 0 && r->signature && wf_df_sig_valid(r->signature, digest));
    if (r)
        warifu__wire__client_response__free_unpacked(r, NULL);
}

typedef struct racer {
    size_t node;
    const wf_sign_request *r;
    Warifu__Wire__ClientResponse *resp;
} racer;

static void *race(void *arg)
{
    racer *x = arg;
    x->resp = wf_df_send_sign(&f, x->node, x->r);
    return NULL;
}

/* The same request sent to two coordinators at once: every answer that is a
 * signature is the same signature (the second run finds the first's record). */
static void test_concurrent_duplicate(void)
{
    uint8_t digest[32];
    randombytes_buf(digest, sizeof digest);
    wf_sign_request sr;
    wf_df_sign_request(&f, &sr, "raced", key_id, digest, NULL, 0);
    racer a = {ALPHA, &sr, NULL}, b = {CHARLIE, &sr, NULL};
    pthread_t ta, tb;
    REQUIRE(pthread_create(&ta, NULL, race, &a) == 0 && pthread_create(&tb, NULL, race, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    int ok = 0;
    uint8_t first[64];
    racer *all[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        Warifu__Wire__ClientResponse *r = all[i]->resp;
        CHECK(r != NULL);
        if (r == NULL)
            continue;
        if (r->code == 0 && r->signature) {
            CHECK(wf_df_sig_valid(r->signature, digest));
            if (ok++ == 0) {
                memcpy(first, r->signature->r.data, 32);
                memcpy(first + 32, r->signature->s.data, 32);
            } else {
                CHECK(memcmp(first, r->signature->r.data, 32) == 0 && memcmp(first + 32, r->signature->s.data, 32) == 0);
            }
        } else {
            fprintf(stderr, "raced request on %s: %s\n", wf_df_names[all[i]->node], r->error);
        }
        warifu__wire__client_response__free_unpacked(r, NULL);
    }
    CHECK(ok >= 1);
    /* and a retry afterwards, on either, returns that same signature */
    for (size_t i = 0; i < f.n && ok; i++) {
        Warifu__Wire__ClientResponse *r = wf_df_send_sign(&f, i, &sr);
        if (r != NULL && r->code != 0)
            fprintf(stderr, "raced request again on %s: %s\n", wf_df_names[i], r->error);
        CHECK(r != NULL && r->code == 0 && r->signature && memcmp(first, r->signature->r.data, 32) == 0 &&
              memcmp(first + 32, r->signature->s.data, 32) == 0);
        if (r)
            warifu__wire__client_response__free_unpacked(r, NULL);
    }
}

static void test_refusals(void)
{
    uint8_t digest[32], other_key[32];
    randombytes_buf(digest, sizeof digest);
    randombytes_buf(other_key, sizeof other_key);
    double pools = pool_total(ALPHA) + pool_total(BRAVO) + pool_total(CHARLIE);
    const char *ok = "warifu_sign_requests_total{result=\"ok\"}";
    double signed_before = wf_df_metric(&f, ALPHA, ok);
    wf_sign_request sr;

    wf_df_sign_request(&f, &sr, "forged", key_id, digest, NULL, 0);
    sr.signature[5] ^= 0x20;
    expect_code(wf_df_send_sign(&f, ALPHA, &sr), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED,
                "forged client signature");

    wf_df_sign_request(&f, &sr, "expired", key_id, digest, NULL, 0);
    sr.expiry_ms = wf_df_now_ms() - 1000;
    REQUIRE(wf_sign_request_sign(&sr, f.client_sk) == WF_OK);
    expect_code(wf_df_send_sign(&f, ALPHA, &sr), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_EXPIRED, "expired");

    /* a client the policy does not list, with a valid signature */
    uint8_t stranger_pk[32], *stranger_sk = wf_secure_alloc(64);
    REQUIRE(stranger_sk != NULL);
    crypto_sign_keypair(stranger_pk, stranger_sk);
    wf_df_sign_request(&f, &sr, "stranger", key_id, digest, NULL, 0);
    REQUIRE(wf_sign_request_sign(&sr, stranger_sk) == WF_OK);
    expect_code(wf_df_send_sign(&f, ALPHA, &sr), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_DENIED, "unknown client");
    wf_secure_free(stranger_sk);

    wf_df_sign_request(&f, &sr, "no-such-key", other_key, digest, NULL, 0);
    expect_code(wf_df_send_sign(&f, ALPHA, &sr), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND, "unknown key");

    static const uint8_t garbage[] = {0x0a, 0xff, 0xff, 0x01, 0x02};
    expect_code(wf_df_call_raw(&f, ALPHA, garbage, sizeof garbage, 10000),
                WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST, "malformed protobuf");
    /* a well-formed ClientRequest whose sign request has a short digest */
    Warifu__Wire__ClientRequest req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__SignRequest sm = WARIFU__WIRE__SIGN_REQUEST__INIT;
    sm.request_id = (ProtobufCBinaryData){3, (uint8_t *)"abc"};
    sm.key_id = (ProtobufCBinaryData){32, key_id};
    sm.digest = (ProtobufCBinaryData){31, digest};
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_SIGN;
    req.sign = &sm;
    expect_code(wf_df_call(&f, ALPHA, &req, 10000), WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST,
                "short digest");

    /* nothing was consumed or stored for any of them */
    CHECK(pool_total(ALPHA) + pool_total(BRAVO) + pool_total(CHARLIE) == pools);
    CHECK(wf_df_metric(&f, ALPHA, ok) == signed_before);
}

/* Charlie's daemon is stopped; the test speaks on its links with its own
 * identity (or an impostor's certificate) to alpha. */
static void test_peer_refusals(void)
{
    const char *why = NULL;
    wf_df_stop(&f, CHARLIE);
    wf_cluster_config *c = NULL;
    REQUIRE(wf_cluster_config_load(&c, f.cluster, &why) == WF_OK);
    wf_node_identity id;
    REQUIRE(wf_node_identity_load(&id, f.dirs[CHARLIE], 1, &why) == WF_OK);
    wf_cluster_net *net = NULL;
    REQUIRE(wf_cluster_net_prepare(&net, c, CHARLIE, f.dirs[CHARLIE], NULL, &why) == WF_OK);
    wf_peer_net *pn = NULL;
    REQUIRE(wf_peer_net_create(&pn, &net->cfg, &why) == WF_OK);
    size_t to_alpha = 0; /* peers are every other member in index order */
    REQUIRE(net->cfg.peers[to_alpha].member == ALPHA);
    wf_df_sleep_ms(1500); /* the links connect */

    const char *bad = "warifu_envelopes_refused_total{reason=\"bad_envelope\"}";
    const char *wrong = "warifu_envelopes_refused_total{reason=\"wrong_sender\"}";
    const char *replay = "warifu_envelopes_refused_total{reason=\"replay\"}";
    double bad0 = wf_df_metric(&f, ALPHA, bad), wrong0 = wf_df_metric(&f, ALPHA, wrong),
           replay0 = wf_df_metric(&f, ALPHA, replay);

    /* a malformed protobuf */
    static const uint8_t garbage[] = {0x08, 0x01, 0x12, 0xff, 0x7f};
    CHECK_OK(wf_peer_net_send(pn, to_alpha, garbage, sizeof garbage, 5000));
    /* a valid envelope of charlie's that claims to come from bravo */
    wf_control_start st;
    memset(&st, 0, sizeof st);
    strcpy(st.protocol, "sign");
    st.n = 2;
    st.parties[0] = ALPHA;
    st.parties[1] = CHARLIE;
    st.issued_ms = wf_df_now_ms();
    st.request_len = 3;
    st.has_presig = 1;
    randombytes_buf(st.presig_id, sizeof st.presig_id);
    memcpy(st.request, "\x01\x02\x03", 3);
    uint8_t start_id[32];
    randombytes_buf(start_id, sizeof start_id);
    wf_control_addr addr = {c->cluster_id, key_id, start_id, BRAVO, ALPHA};
    uint8_t *bytes = NULL;
    size_t len = 0;
    REQUIRE(wf_control_seal_start(&bytes, &len, &addr, &st, id.identity_sk) == WF_OK);
    CHECK_OK(wf_peer_net_send(pn, to_alpha, bytes, len, 5000));
    free(bytes);
    /* a session start (with a malformed sign request: alpha refuses it and
     * takes nothing), then the very same envelope again */
    addr.from = CHARLIE;
    REQUIRE(wf_control_seal_start(&bytes, &len, &addr, &st, id.identity_sk) == WF_OK);
    CHECK_OK(wf_peer_net_send(pn, to_alpha, bytes, len, 5000));
    CHECK_OK(wf_peer_net_send(pn, to_alpha, bytes, len, 5000));
    free(bytes);
    /* alpha answers the first start: refused, naming why */
    size_t peer = 0;
    uint8_t *msg = NULL;
    int refused = 0;
    for (int i = 0; i < 20 && !refused; i++) {
        if (wf_peer_net_recv(pn, 500, &peer, &msg, &len) != WF_OK)
            continue;
        wf_envelope env;
        if (wf_envelope_open(&env, msg, len, c->members[ALPHA].pub.identity_pk) == WF_OK &&
            strcmp(env.protocol, WF_CONTROL_PROTOCOL) == 0 && env.round == WF_CONTROL_ROUND_RESULT) {
            wf_control_result res;
            CHECK_OK(wf_control_decode_result(&res, env.payload, env.payload_len, &why));
            CHECK(res.outcome == WF_OUTCOME_REFUSED && strstr(res.reason, "malformed") != NULL);
            if (strstr(res.reason, "malformed") == NULL)
                fprintf(stderr, "refusal: %s\n", res.reason);
            refused = 1;
        }
        wf_envelope_clear(&env);
        wf_peer_net_msg_free(msg, len);
    }
    CHECK(refused);
    wf_df_sleep_ms(300);
    CHECK(wf_df_metric(&f, ALPHA, bad) == (bad0 < 0 ? 0 : bad0) + 1);
    CHECK(wf_df_metric(&f, ALPHA, wrong) == (wrong0 < 0 ? 0 : wrong0) + 1);
    CHECK(wf_df_metric(&f, ALPHA, replay) == (replay0 < 0 ? 0 : replay0) + 1);
    wf_peer_net_close(pn);

    /* an impostor: charlie's name and address, but a certificate alpha never pinned */
    char crt[WF_CF_PATH + 16], key[WF_CF_PATH + 16], fp[WF_TLS_FINGERPRINT_CHARS + 1];
    snprintf(crt, sizeof crt, "%s/impostor.crt", wf_cf_root);
    snprintf(key, sizeof key, "%s/impostor.key", wf_cf_root);
    REQUIRE(wf_tls_identity_generate("charlie", key, crt, fp, &why) == WF_OK);
    net->cfg.cert_path = crt;
    net->cfg.key_path = key;
    REQUIRE(wf_peer_net_create(&pn, &net->cfg, &why) == WF_OK);
    double bad1 = wf_df_metric(&f, ALPHA, bad);
    CHECK(wf_peer_net_send(pn, to_alpha, garbage, sizeof garbage, 1500) != WF_OK);
    wf_peer_net_counters pc;
    CHECK_OK(wf_peer_net_counters_get(pn, to_alpha, &pc));
    CHECK(pc.connected == 0);
    CHECK(wf_df_metric(&f, ALPHA, bad) == bad1);
    wf_peer_net_close(pn);
    wf_cluster_net_free(net);
    wf_node_identity_clear(&id);
    wf_cluster_config_free(c);

    /* charlie comes back and signs again */
    wf_daemon_cfg cfg = wf_df_cfg(&f, CHARLIE);
    wf_df_start(&f, CHARLIE, &cfg);
    CHECK(wf_df_wait_ready(&f, 15000));
    CHECK(wf_df_sign_ok(&f, CHARLIE, "after-restart", key_id));
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    wf_df_start_all(&f);
    test_keygen_and_queries();
    test_sign();
    test_concurrent_duplicate();
    test_refusals();
    test_peer_refusals();
    wf_df_teardown(&f);
    return wf_check_summary("test_daemon");
}

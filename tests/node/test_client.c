/* The client library (node/client.h) against a 2-of-3 cluster of in-process
 * daemons (daemon_fixture.h) with a client directory of its own:
 *   - keygen names the key wf_keygen_key_id gives, pubkey on another node
 *     the same key, address the child key wf_client_key_child derives;
 *   - sign with a path: the signature checked again by libsecp256k1 under
 *     that child key; the same request on another node, and from several
 *     threads through one wf_client at once, the same signature;
 *   - a key no node holds is refused (NOT_FOUND: refused, not retryable);
 *     nothing listening and a wrong pinned certificate are no answer
 *     (retryable); a client opened without its signing key sends nothing;
 *   - status names the node, its peers and the key;
 *   - the classification of every outcome and code, on made-up results. */
#include <pthread.h>
#include <sodium.h>

#include "tests/node/client_fixture.h"

#define ALPHA   0
#define BRAVO   1
#define CHARLIE 2

static wf_df f;
static char client_dir[WF_CF_PATH], certs[WF_DF_MAX][WF_CF_PATH + 16];
static uint8_t client_pk[32];
static wf_client_node nodes[WF_DF_MAX];
static wf_client *cl;
static wf_client_key key;

static const wf_client_node *node(size_t i)
{
    return &nodes[i];
}

/* The library's signature as client.proto's, for wf_df_sig_valid. */
static int sig_valid(const wf_client_signature *s, const uint8_t digest[32])
{
    Warifu__Wire__Signature w = WARIFU__WIRE__SIGNATURE__INIT;
    w.r = (ProtobufCBinaryData){32, (uint8_t *)s->r};
    w.s = (ProtobufCBinaryData){32, (uint8_t *)s->s};
    w.v = s->v;
    w.der = (ProtobufCBinaryData){s->der_len, (uint8_t *)s->der};
    w.public_key = (ProtobufCBinaryData){33, (uint8_t *)s->public_key};
    return wf_df_sig_valid(&w, digest);
}

static void say(const char *what, const wf_client_result *res)
{
    if (res->outcome != WF_CLIENT_SUCCEEDED)
        fprintf(stderr, "%s: outcome %d, %s: %s\n", what, res->outcome, wf_client_code_name(res->code),
                res->why);
}

static void sign_request(wf_sign_request *r, const char *id, const uint8_t key_id[32],
                         const uint8_t digest[32], const uint32_t *path, size_t path_len)
{
    memset(r, 0, sizeof *r);
    r->request_id_len = strlen(id);
    memcpy(r->request_id, id, r->request_id_len);
    memcpy(r->key_id, key_id, 32);
    if (path_len > 0)
        memcpy(r->path, path, path_len * sizeof *path);
    r->path_len = path_len;
    memcpy(r->digest, digest, 32);
    r->expiry_ms = wf_client_expiry_after(60);
}

static void test_keygen_pubkey_address(void)
{
    wf_client_result res;
    wf_keygen_request kr;
    memset(&kr, 0, sizeof kr);
    memcpy(kr.request_id, "lib-key-1", 9);
    kr.request_id_len = 9;
    kr.expiry_ms = wf_client_expiry_after(120);
    wf_client_outcome o = wf_client_keygen(cl, node(ALPHA), &kr, &key, &res);
    say("keygen", &res);
    REQUIRE(o == WF_CLIENT_SUCCEEDED && res.outcome == o && res.why[0] == '\0');
    /* the id the cluster derives from this client and request id */
    uint8_t want[32];
    memcpy(kr.client_id, client_pk, 32);
    CHECK_OK(wf_keygen_key_id(want, f.cluster_id, &kr));
    CHECK(memcmp(key.key_id, want, 32) == 0);
    CHECK(key.threshold == 2 && key.members == 3 && strncmp(key.xpub, "xpub", 4) == 0);

    wf_client_key again;
    CHECK(wf_client_pubkey(cl, node(BRAVO), key.key_id, &again, &res) == WF_CLIENT_SUCCEEDED);
    CHECK(memcmp(&again, &key, sizeof key) == 0);

    uint32_t path[2] = {0, 7};
    wf_client_addresses ad;
    wf_point child;
    uint8_t child_pub[33];
    CHECK_OK(wf_client_key_child(&child, &key, path, 2));
    CHECK_OK(wf_point_serialize(child_pub, &child));
    CHECK(wf_client_address(cl, node(CHARLIE), key.key_id, path, 2, &ad, &res) == WF_CLIENT_SUCCEEDED);
    say("address", &res);
    CHECK(memcmp(ad.public_key, child_pub, 33) == 0 && memcmp(ad.public_key, key.public_key, 33) != 0);
    CHECK(ad.path_len == 2 && ad.path[0] == 0 && ad.path[1] == 7 && memcmp(ad.key_id, key.key_id, 32) == 0);
    CHECK(strncmp(ad.btc, "bc1q", 4) == 0 && strncmp(ad.eth, "0x", 2) == 0 && strlen(ad.eth) == 42);
    /* no path: the key itself */
    CHECK(wf_client_address(cl, node(ALPHA), key.key_id, NULL, 0, &ad, NULL) == WF_CLIENT_SUCCEEDED);
    CHECK(memcmp(ad.public_key, key.public_key, 33) == 0 && ad.path_len == 0);
}

typedef struct signer {
    size_t node;
    const wf_sign_request *r;
    wf_client_signature sig;
    wf_client_result res;
} signer;

static void *sign_main(void *arg)
{
    signer *s = arg;
    wf_client_sign(cl, node(s->node), s->r, &s->sig, &s->res);
    return NULL;
}

static void test_sign(void)
{
    uint8_t digest[32], child_pub[33];
    uint32_t path[2] = {0, 7};
    wf_point child;
    wf_sign_request r;
    wf_client_signature sig, again;
    wf_client_result res;
    randombytes_buf(digest, sizeof digest);
    REQUIRE(wf_client_key_child(&child, &key, path, 2) == WF_OK);
    REQUIRE(wf_point_serialize(child_pub, &child) == WF_OK);

    sign_request(&r, "lib-withdrawal-1", key.key_id, digest, path, 2);
    CHECK(wf_client_sign(cl, node(BRAVO), &r, &sig, &res) == WF_CLIENT_SUCCEEDED);
    say("sign", &res);
    CHECK(sig_valid(&sig, digest));
    CHECK(memcmp(sig.public_key, child_pub, 33) == 0);

    /* the same request on another node, and from three threads at once
     * through the one client: the same signature */
    CHECK(wf_client_sign(cl, node(CHARLIE), &r, &again, &res) == WF_CLIENT_SUCCEEDED);
    CHECK(memcmp(&again, &sig, sizeof sig) == 0);
    signer s[3];
    pthread_t t[3];
    for (size_t i = 0; i < 3; i++) {
        s[i] = (signer){.node = i, .r = &r};
        REQUIRE(pthread_create(&t[i], NULL, sign_main, &s[i]) == 0);
    }
    for (size_t i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        say("concurrent sign", &s[i].res);
        CHECK(s[i].res.outcome == WF_CLIENT_SUCCEEDED && memcmp(&s[i].sig, &sig, sizeof sig) == 0);
    }

    /* the key itself, from the client opened without the request key: nothing sent */
    sign_request(&r, "lib-withdrawal-2", key.key_id, digest, NULL, 0);
    wf_client *queries = NULL;
    wf_client_key k;
    REQUIRE(wf_client_open(&queries, client_dir, 0, NULL) == WF_OK);
    CHECK(wf_client_sign(queries, node(ALPHA), &r, &sig, &res) == WF_CLIENT_NOT_SENT);
    CHECK(res.err == WF_ERR_ARG && !wf_client_retryable(&res) && !wf_client_refused(&res));
    CHECK(wf_client_pubkey(queries, node(ALPHA), key.key_id, &k, &res) == WF_CLIENT_SUCCEEDED);
    wf_client_close(queries);
    CHECK(wf_client_sign(cl, node(ALPHA), &r, &sig, &res) == WF_CLIENT_SUCCEEDED);
    CHECK(sig_valid(&sig, digest) && memcmp(sig.public_key, key.public_key, 33) == 0);
}

static void test_refusals(void)
{
    uint8_t digest[32], other_key[32];
    wf_sign_request r;
    wf_client_signature sig;
    wf_client_key k;
    wf_client_result res;
    randombytes_buf(digest, sizeof digest);
    randombytes_buf(other_key, sizeof other_key);

    /* a key no node holds: refused for good */
    sign_request(&r, "lib-no-key", other_key, digest, NULL, 0);
    CHECK(wf_client_sign(cl, node(BRAVO), &r, &sig, &res) == WF_CLIENT_NODE_ERROR);
    CHECK(res.code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND &&
          strcmp(res.why, "no key with this id") == 0);
    CHECK(wf_client_refused(&res) && !wf_client_retryable(&res));
    CHECK(strcmp(wf_client_code_name(res.code), "CLIENT_NOT_FOUND") == 0);
    CHECK(wf_client_pubkey(cl, node(CHARLIE), other_key, &k, &res) == WF_CLIENT_NODE_ERROR);
    CHECK(res.code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND && wf_client_refused(&res));
    /* a request id used before for another digest */
    uint32_t path[2] = {0, 7};
    sign_request(&r, "lib-withdrawal-1", key.key_id, digest, path, 2);
    CHECK(wf_client_sign(cl, node(ALPHA), &r, &sig, &res) == WF_CLIENT_NODE_ERROR);
    CHECK(res.code == WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_CONFLICT && wf_client_refused(&res));

    /* nothing listens: no answer, and another node may do */
    char url[64];
    snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%u", wf_test_free_port_range(1));
    wf_client_node gone = {url, certs[ALPHA], 5000};
    CHECK_OK(wf_client_node_check(&gone, NULL));
    sign_request(&r, "lib-unreachable", key.key_id, digest, NULL, 0);
    CHECK(wf_client_sign(cl, &gone, &r, &sig, &res) == WF_CLIENT_NO_ANSWER);
    CHECK(res.err == WF_ERR_NOT_FOUND && strstr(res.why, "nothing listens there") != NULL);
    CHECK(wf_client_retryable(&res) && !wf_client_refused(&res));
    /* bravo's certificate pinned for alpha: the handshake fails */
    wf_client_node impostor = {f.client_url[ALPHA], certs[BRAVO], 5000};
    CHECK(wf_client_pubkey(cl, &impostor, key.key_id, &k, &res) == WF_CLIENT_NO_ANSWER);
    CHECK(res.err == WF_ERR_VERIFY && strstr(res.why, "TLS handshake with") != NULL &&
          wf_client_retryable(&res));

    /* what open and the node check refuse */
    const char *why = NULL;
    wf_client *c = NULL;
    char missing[WF_CF_PATH];
    wf_cf_path(missing, sizeof missing, "no-such-client");
    CHECK(wf_client_open(&c, missing, 1, &why) != WF_OK && c == NULL && why != NULL);
    wf_client_node not_cert = {f.client_url[ALPHA], f.policy, 0};
    why = NULL;
    CHECK(wf_client_node_check(&not_cert, &why) != WF_OK && why != NULL);
    CHECK(wf_client_sign(NULL, node(ALPHA), &r, &sig, &res) == WF_CLIENT_NOT_SENT && res.err == WF_ERR_ARG);
    CHECK(wf_client_address(cl, node(ALPHA), key.key_id, path, WF_REQUEST_PATH_MAX + 1,
                            &(wf_client_addresses){0}, &res) == WF_CLIENT_NOT_SENT);
}

static void test_status(void)
{
    Warifu__Wire__Status *st = NULL;
    wf_client_result res;
    CHECK(wf_client_status(cl, node(BRAVO), &st, &res) == WF_CLIENT_SUCCEEDED);
    REQUIRE(st != NULL);
    CHECK(strcmp(st->name, "bravo") == 0 && st->member == BRAVO);
    CHECK(st->cluster_id.len == 32 && memcmp(st->cluster_id.data, f.cluster_id, 32) == 0);
    CHECK(st->n_peers == 2 && st->peers[0]->up && st->peers[1]->up);
    int found = 0;
    for (size_t i = 0; i < st->n_keys; i++)
        found |= memcmp(st->keys[i]->key_id.data, key.key_id, 32) == 0 && st->keys[i]->ready;
    CHECK(found);
    wf_client_status_free(st);
    wf_client_status_free(NULL);
}

/* Made-up results: which are refusals, which may succeed when asked again. */
static void test_classification(void)
{
    static const struct {
        wf_client_outcome outcome;
        wf_err err;
        int code, refused, retryable;
    } cases[] = {
        {WF_CLIENT_SUCCEEDED, WF_OK, 0, 0, 0},
        {WF_CLIENT_NOT_SENT, WF_ERR_NOMEM, 0, 0, 0},
        {WF_CLIENT_NO_ANSWER, WF_ERR_NOT_FOUND, 0, 0, 1},
        {WF_CLIENT_NO_ANSWER, WF_ERR_VERIFY, 0, 0, 1},
        {WF_CLIENT_NO_ANSWER, WF_ERR_CANCELLED, 0, 0, 1},
        {WF_CLIENT_NO_ANSWER, WF_ERR_INTERNAL, 0, 0, 1},
        {WF_CLIENT_NO_ANSWER, WF_ERR_ARG, 0, 0, 0},
        {WF_CLIENT_NO_ANSWER, WF_ERR_RANGE, 0, 0, 0},
        {WF_CLIENT_BAD_ANSWER, WF_OK, 0, 0, 0},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST, 1, 0},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED, 1, 0},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_EXPIRED, 1, 0},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_DENIED, 1, 0},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND, 1, 0},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_CONFLICT, 1, 0},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAVAILABLE, 0, 1},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_ABORTED, 0, 1},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_INTERNAL, 0, 1},
        {WF_CLIENT_NODE_ERROR, WF_OK, WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_SHUTTING_DOWN, 0, 1},
        {WF_CLIENT_NODE_ERROR, WF_OK, 99, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wf_client_result r = {cases[i].outcome, cases[i].err, cases[i].code, ""};
        CHECK(wf_client_refused(&r) == cases[i].refused);
        CHECK(wf_client_retryable(&r) == cases[i].retryable);
    }
    CHECK(!wf_client_refused(NULL) && !wf_client_retryable(NULL));
    CHECK(strcmp(wf_client_code_name(99), "an unknown code") == 0);
    CHECK(strcmp(wf_client_code_name(WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_SHUTTING_DOWN),
                 "CLIENT_SHUTTING_DOWN") == 0);
}

int main(void)
{
    const char *why = NULL;
    REQUIRE(wf_crypto_init() == WF_OK);
    test_classification();
    wf_df_setup(&f, 3, 2, (const uint32_t[]){0, 0, 1});
    wf_df_add_client(&f, "lib", client_dir, client_pk);
    for (size_t i = 0; i < f.n; i++)
        nodes[i] = wf_df_client_node(&f, i, certs[i]);
    wf_df_start_all(&f);
    wf_err err = wf_client_open(&cl, client_dir, 1, &why);
    if (err != WF_OK)
        fprintf(stderr, "open: %s\n", why);
    REQUIRE(err == WF_OK);
    test_keygen_pubkey_address();
    test_sign();
    test_refusals();
    test_status();
    wf_client_close(cl);
    wf_client_close(NULL);
    wf_df_teardown(&f);
    return wf_check_summary("test_client");
}

/* The warifu CLI's client commands (cli_client.h): check the command line,
 * load the client directory, send one ClientRequest to the node, check its
 * ClientResponse and print it. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/address.h"
#include "crypto/bip32.h"
#include "crypto/ecdsa.h"
#include "node/cli_client.h"
#include "node/client_identity.h"
#include "node/client_net.h"
#include "node/text_format.h"
#include "node/tls_identity.h"
#include "protocol/client_request.h"
#include "protocol/proto/client.pb-c.h"

#define URL_SCHEME             "tls+tcp://"
#define EXPIRY_S_DEFAULT       120
#define EXPIRY_S_MAX           (WF_REQUEST_MAX_TTL_MS / 1000)
#define QUERY_TIMEOUT_MS       10000  /* pubkey, address, status: answered from the node's store */
#define KEYGEN_TIMEOUT_MS      600000 /* DKG and aux-info among every member */
#define SIGN_TIMEOUT_MARGIN_MS 10000  /* past the expiry, which no node starts a signature after */
#define TIMEOUT_MS_MAX         86400000u
#define ANSWER_MAX             (16u << 20)
#define PATH_TEXT_MAX          (1 + 11 * WF_REQUEST_PATH_MAX + 1) /* "m", "/4294967295" each, NUL */

typedef Warifu__Wire__ClientRequest client_request;
typedef Warifu__Wire__ClientResponse client_response;

/* A client directory and the node it asks. */
typedef struct node_link {
    wf_client_identity id;
    wf_client_call_cfg call;
    int timeout_ms;
    int retry_safe; /* a sign or keygen request: asking again with its request id is safe */
} node_link;

/* ---- the command line ---- */

static int hex_arg(const char *s, uint8_t *out, size_t n)
{
    size_t len = strlen(s), bin_len = 0;
    const char *end = NULL;
    return len == 2 * n && sodium_hex2bin(out, n, s, len, NULL, &bin_len, &end) == 0 && bin_len == n &&
           end == s + len;
}

static int number_arg(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
    wf_span span = {s, strlen(s)};
    return wf_span_u32(span, max, out) && *out >= min;
}

/* --client, --node-url, --node-cert; --timeout-ms, or default_ms. */
static int link_args(const wf_cli_args *a, int default_ms, node_link *l)
{
    int rc;
    uint32_t ms = (uint32_t)default_ms;
    if ((rc = wf_cli_missing(a->client, "--client")) || (rc = wf_cli_missing(a->node_url, "--node-url")) ||
        (rc = wf_cli_missing(a->node_cert, "--node-cert")))
        return rc;
    if (strncmp(a->node_url, URL_SCHEME, strlen(URL_SCHEME)) != 0 || a->node_url[strlen(URL_SCHEME)] == '\0')
        return wf_cli_usage_error("--node-url must be " URL_SCHEME "HOST:PORT (the node's client API)");
    if (a->timeout_ms != NULL && !number_arg(a->timeout_ms, 1, TIMEOUT_MS_MAX, &ms))
        return wf_cli_usage_error("--timeout-ms must be a number of milliseconds, 1..86400000");
    memset(l, 0, sizeof *l);
    l->timeout_ms = (int)ms;
    return 0;
}

static int key_arg(const wf_cli_args *a, uint8_t key_id[WF_ID_BYTES])
{
    int rc = wf_cli_missing(a->key, "--key");
    if (rc == 0 && !hex_arg(a->key, key_id, WF_ID_BYTES))
        rc = wf_cli_usage_error("--key must be a key id: 64 hex digits");
    return rc;
}

static int digest_arg(const wf_cli_args *a, uint8_t digest[WF_DIGEST_BYTES])
{
    int rc = wf_cli_missing(a->digest, "--digest");
    if (rc == 0 && !hex_arg(a->digest, digest, WF_DIGEST_BYTES))
        rc = wf_cli_usage_error("--digest must be 64 hex digits (the 32-byte hash to sign)");
    return rc;
}

/* --path, or the key itself (an empty path) when absent. */
static int path_arg(const wf_cli_args *a, uint32_t path[WF_REQUEST_PATH_MAX], size_t *len)
{
    static char msg[WF_WHY_MAX];
    const char *why = NULL;
    *len = a->path != NULL ? WF_REQUEST_PATH_MAX : 0;
    if (a->path == NULL || wf_bip32_path_parse(path, len, a->path, &why) == WF_OK)
        return 0;
    snprintf(msg, sizeof msg, "--path: %s (m/I/J/..., at most %d steps)", why, WF_REQUEST_PATH_MAX);
    return wf_cli_usage_error(msg);
}

static int request_id_arg(const wf_cli_args *a, uint8_t id[WF_REQUEST_ID_MAX], size_t *len)
{
    int rc = wf_cli_missing(a->request_id, "--request-id");
    if (rc != 0)
        return rc;
    *len = strlen(a->request_id);
    for (size_t i = 0; i < *len && *len <= WF_REQUEST_ID_MAX; i++)
        if (a->request_id[i] < 0x20 || a->request_id[i] > 0x7e)
            *len = 0;
    if (*len == 0 || *len > WF_REQUEST_ID_MAX)
        return wf_cli_usage_error("--request-id must be 1..64 printable ASCII characters");
    memcpy(id, a->request_id, *len);
    return 0;
}

static int expiry_arg(const wf_cli_args *a, uint32_t *seconds)
{
    *seconds = EXPIRY_S_DEFAULT;
    if (a->expiry_s != NULL && !number_arg(a->expiry_s, 1, EXPIRY_S_MAX, seconds))
        return wf_cli_usage_error("--expiry-s must be a number of seconds, 1..600");
    return 0;
}

static uint64_t expiry_ms_after(uint32_t seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + (uint64_t)seconds * 1000u;
}

/* ---- asking the node ---- */

/* Loads the client directory (its request key too with with_secrets) and
 * checks what wf_client_call will load — the client's TLS certificate and
 * key, the node's certificate — so that its failures are the transport's. */
static int link_open(const wf_cli_args *a, int with_secrets, node_link *l)
{
    wf_tls_identity tls;
    const char *why = NULL;
    if (wf_client_identity_load(&l->id, a->client, with_secrets, &why) != WF_OK)
        return wf_cli_fail("client directory %s: %s", a->client, why != NULL ? why : "cannot be read");
    wf_err err =
        with_secrets ? WF_OK : wf_tls_identity_load(&tls, l->id.tls_cert_path, l->id.tls_key_path, &why);
    if (!with_secrets)
        wf_tls_identity_clear(&tls);
    if (err != WF_OK) {
        wf_client_identity_clear(&l->id);
        return wf_cli_fail("client directory %s: %s", a->client, why != NULL ? why : wf_err_str(err));
    }
    err = wf_tls_identity_load(&tls, a->node_cert, NULL, &why);
    wf_tls_identity_clear(&tls);
    if (err != WF_OK) {
        wf_client_identity_clear(&l->id);
        return wf_cli_fail("--node-cert %s: %s", a->node_cert, why != NULL ? why : wf_err_str(err));
    }
    l->call.url = a->node_url;
    l->call.cert_path = l->id.tls_cert_path;
    l->call.key_path = l->id.tls_key_path;
    l->call.server_cert_path = a->node_cert;
    l->call.max_msg = ANSWER_MAX;
    return 0;
}

/* Bytes from the node, printed only when they are 7-bit printable ASCII. */
static int printable(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        if (*s < 0x20 || *s > 0x7e)
            return 0;
    return s != NULL;
}

static const char *code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&warifu__wire__client_error_code__descriptor, code);
    return v != NULL ? v->name : "an unknown code";
}

/* Which exit code (cli.h) a refusal gets: 3 when asking again cannot help,
 * 5 when the node could not do it now. */
static int refusal_exit(int code)
{
    switch (code) {
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_EXPIRED:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_DENIED:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_CONFLICT: return WF_CLI_EXIT_REFUSED;
    default: return WF_CLI_EXIT_RETRY;
    }
}

static int transport_failure(const node_link *l, wf_err err, const char *why)
{
    /* the request may have reached the node after a timeout or a failure */
    const char *hint = l->retry_safe ? "; asking again with the same --request-id is safe" : "";
    if (why == NULL)
        why = wf_err_str(err);
    switch (err) {
    case WF_ERR_NOT_FOUND:
    case WF_ERR_VERIFY: return wf_cli_fail_with(WF_CLI_EXIT_UNREACHABLE, "%s", why);
    case WF_ERR_CANCELLED: return wf_cli_fail_with(WF_CLI_EXIT_UNREACHABLE, "%s%s", why, hint);
    case WF_ERR_INTERNAL: return wf_cli_fail_with(WF_CLI_EXIT_RETRY, "%s%s", why, hint);
    default: return wf_cli_fail("%s", why);
    }
}

/* Sends req and waits for the answer: 0 with *out (free it with
 * client_response_free) holding a successful answer of the body `want`,
 * or the exit code after printing why not. */
static int ask(const node_link *l, const client_request *req, Warifu__Wire__ClientResponse__BodyCase want,
               client_response **out)
{
    const char *why = NULL;
    uint8_t *answer = NULL;
    size_t len = warifu__wire__client_request__get_packed_size(req), answer_len = 0;
    uint8_t *buf = malloc(len != 0 ? len : 1);
    if (buf == NULL)
        return wf_cli_fail("out of memory");
    warifu__wire__client_request__pack(req, buf);
    wf_err err = wf_client_call(&l->call, buf, len, &answer, &answer_len, l->timeout_ms, &why);
    free(buf);
    if (err != WF_OK)
        return transport_failure(l, err, why);
    client_response *r = warifu__wire__client_response__unpack(NULL, answer_len, answer);
    free(answer);
    if (r == NULL)
        return wf_cli_fail_with(WF_CLI_EXIT_RETRY, "the node's answer is not a ClientResponse");
    int rc = 0;
    if (r->code != WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_OK)
        rc = wf_cli_fail_with(refusal_exit(r->code), "refused by the node (%s): %s%s", code_name(r->code),
                              printable(r->error) && r->error[0] != '\0' ? r->error : "(no readable reason)",
                              refusal_exit(r->code) == WF_CLI_EXIT_RETRY && l->retry_safe
                                  ? "; asking again with the same --request-id is safe"
                                  : "");
    else if (r->body_case != want)
        rc = wf_cli_fail_with(WF_CLI_EXIT_RETRY, "the node's answer holds no %s",
                              want == WARIFU__WIRE__CLIENT_RESPONSE__BODY_SIGNATURE ? "signature"
                              : want == WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY     ? "key"
                              : want == WARIFU__WIRE__CLIENT_RESPONSE__BODY_ADDRESS ? "address"
                                                                                    : "status");
    if (rc != 0)
        warifu__wire__client_response__free_unpacked(r, NULL);
    else
        *out = r;
    return rc;
}

static int bad_answer(const char *what)
{
    return wf_cli_fail_with(WF_CLI_EXIT_RETRY, "the node's answer does not check: %s", what);
}

/* ---- printing ---- */

static void field_path(const wf_cli_args *a, const uint32_t *path, size_t len)
{
    char text[PATH_TEXT_MAX] = "m";
    for (size_t i = 0, at = 1; i < len && i < WF_REQUEST_PATH_MAX; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "/%u", path[i]);
    wf_cli_field(a, "path", text);
}

static void field_bytes(const wf_cli_args *a, const char *key, const ProtobufCBinaryData *b)
{
    wf_cli_field_hex(a, key, b->data, b->len);
}

/* ---- keygen and pubkey ---- */

/* The key's fields are sized right, its public key is a point and its xpub
 * (a master key) holds that point; want_id, if not NULL, is its id. */
static int key_checks(const Warifu__Wire__KeyInfo *k, const uint8_t *want_id)
{
    wf_point pub;
    wf_xpub x;
    return k->key_id.len == WF_ID_BYTES &&
           (want_id == NULL || memcmp(k->key_id.data, want_id, WF_ID_BYTES) == 0) &&
           k->public_key.len == WF_POINT_BYTES &&
           wf_point_parse(&pub, k->public_key.data, WF_POINT_BYTES) == WF_OK && printable(k->xpub) &&
           wf_bip32_xpub_from_string(&x, k->xpub) == WF_OK && x.depth == 0 && wf_point_eq(&x.key, &pub);
}

static int print_key(const wf_cli_args *a, const client_response *r, const uint8_t *want_id)
{
    const Warifu__Wire__KeyInfo *k = r->key;
    if (!key_checks(k, want_id))
        return bad_answer("the key id, public key and xpub do not agree");
    field_bytes(a, "key_id", &k->key_id);
    field_bytes(a, "public_key", &k->public_key);
    wf_cli_field(a, "xpub", k->xpub);
    wf_cli_field_u64(a, "threshold", k->threshold);
    wf_cli_field_u64(a, "members", k->members);
    return wf_cli_finish(a);
}

int wf_cli_keygen(const wf_cli_args *a)
{
    wf_keygen_request kr;
    node_link l;
    uint32_t expiry_s = 0;
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    client_response *resp = NULL;
    int rc;

    memset(&kr, 0, sizeof kr);
    if ((rc = link_args(a, KEYGEN_TIMEOUT_MS, &l)) ||
        (rc = request_id_arg(a, kr.request_id, &kr.request_id_len)) || (rc = expiry_arg(a, &expiry_s)) ||
        (rc = link_open(a, 1, &l)))
        return rc;
    l.retry_safe = 1;
    kr.expiry_ms = expiry_ms_after(expiry_s);
    Warifu__Wire__KeygenRequest *m = NULL;
    if (wf_keygen_request_sign(&kr, l.id.sk) != WF_OK ||
        wf_keygen_request_encode(&kr, &enc, &enc_len) != WF_OK ||
        (m = warifu__wire__keygen_request__unpack(NULL, enc_len, enc)) == NULL) {
        rc = wf_cli_fail("cannot make the keygen request");
    } else {
        client_request req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
        req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_KEYGEN;
        req.keygen = m;
        if ((rc = ask(&l, &req, WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY, &resp)) == 0)
            rc = print_key(a, resp, NULL);
    }
    if (m != NULL)
        warifu__wire__keygen_request__free_unpacked(m, NULL);
    if (resp != NULL)
        warifu__wire__client_response__free_unpacked(resp, NULL);
    free(enc);
    wf_client_identity_clear(&l.id);
    return rc;
}

int wf_cli_pubkey(const wf_cli_args *a)
{
    uint8_t key_id[WF_ID_BYTES];
    node_link l;
    client_response *resp = NULL;
    int rc;

    if ((rc = link_args(a, QUERY_TIMEOUT_MS, &l)) || (rc = key_arg(a, key_id)) || (rc = link_open(a, 0, &l)))
        return rc;
    client_request req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__PublicKeyRequest pk = WARIFU__WIRE__PUBLIC_KEY_REQUEST__INIT;
    pk.key_id = (ProtobufCBinaryData){WF_ID_BYTES, key_id};
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_PUBLIC_KEY;
    req.public_key = &pk;
    if ((rc = ask(&l, &req, WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY, &resp)) == 0) {
        rc = print_key(a, resp, key_id);
        warifu__wire__client_response__free_unpacked(resp, NULL);
    }
    wf_client_identity_clear(&l.id);
    return rc;
}

/* ---- address ---- */

/* The answer names the key and path asked for, and its addresses are those
 * of its public key. */
static int address_checks(const Warifu__Wire__Address *ad, const uint8_t key_id[WF_ID_BYTES],
                          const uint32_t *path, size_t path_len)
{
    wf_point pub;
    char btc[WF_ADDRESS_P2WPKH_MAX_BYTES], eth[WF_ADDRESS_ETH_BYTES];
    return ad->key_id.len == WF_ID_BYTES && memcmp(ad->key_id.data, key_id, WF_ID_BYTES) == 0 &&
           ad->n_path == path_len &&
           (path_len == 0 || memcmp(ad->path, path, path_len * sizeof *path) == 0) &&
           ad->public_key.len == WF_POINT_BYTES &&
           wf_point_parse(&pub, ad->public_key.data, WF_POINT_BYTES) == WF_OK &&
           wf_address_p2wpkh(btc, sizeof btc, &pub, WF_ADDRESS_HRP_MAINNET) == WF_OK &&
           wf_address_eth(eth, sizeof eth, &pub) == WF_OK && ad->btc_p2wpkh != NULL &&
           strcmp(ad->btc_p2wpkh, btc) == 0 && ad->eth != NULL && strcmp(ad->eth, eth) == 0;
}

int wf_cli_address(const wf_cli_args *a)
{
    uint8_t key_id[WF_ID_BYTES];
    uint32_t path[WF_REQUEST_PATH_MAX];
    size_t path_len = 0;
    node_link l;
    client_response *resp = NULL;
    int rc;

    if ((rc = link_args(a, QUERY_TIMEOUT_MS, &l)) || (rc = key_arg(a, key_id)) ||
        (rc = path_arg(a, path, &path_len)) || (rc = link_open(a, 0, &l)))
        return rc;
    client_request req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__DeriveAddressRequest dr = WARIFU__WIRE__DERIVE_ADDRESS_REQUEST__INIT;
    dr.key_id = (ProtobufCBinaryData){WF_ID_BYTES, key_id};
    dr.n_path = path_len;
    dr.path = path;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_DERIVE;
    req.derive = &dr;
    if ((rc = ask(&l, &req, WARIFU__WIRE__CLIENT_RESPONSE__BODY_ADDRESS, &resp)) == 0) {
        const Warifu__Wire__Address *ad = resp->address;
        if (!address_checks(ad, key_id, path, path_len)) {
            rc = bad_answer("the addresses are not those of the key and path asked for");
        } else {
            field_bytes(a, "key_id", &ad->key_id);
            field_path(a, path, path_len);
            field_bytes(a, "public_key", &ad->public_key);
            wf_cli_field(a, "btc", ad->btc_p2wpkh);
            wf_cli_field(a, "eth", ad->eth);
            rc = wf_cli_finish(a);
        }
        warifu__wire__client_response__free_unpacked(resp, NULL);
    }
    wf_client_identity_clear(&l.id);
    return rc;
}

/* ---- sign ---- */

/* The signature is low-s and verifies for the digest under the public key
 * it names, v recovers that key, and der is the same signature. */
static int signature_checks(const Warifu__Wire__Signature *s, const uint8_t digest[WF_DIGEST_BYTES])
{
    uint8_t compact[WF_ECDSA_COMPACT_BYTES], der[WF_ECDSA_DER_MAX];
    size_t der_len = sizeof der;
    wf_ecdsa_sig sig;
    wf_point pub, recovered;
    if (s->r.len != 32 || s->s.len != 32 || s->v > 3 || s->public_key.len != WF_POINT_BYTES)
        return 0;
    memcpy(compact, s->r.data, 32);
    memcpy(compact + 32, s->s.data, 32);
    compact[64] = (uint8_t)s->v;
    return wf_ecdsa_sig_from_compact(&sig, compact, sizeof compact) == WF_OK &&
           wf_point_parse(&pub, s->public_key.data, WF_POINT_BYTES) == WF_OK &&
           wf_ecdsa_verify_strict(&pub, digest, &sig) == WF_OK &&
           wf_ecdsa_recover(&recovered, digest, &sig) == WF_OK && wf_point_eq(&recovered, &pub) &&
           wf_ecdsa_sig_to_der(der, &der_len, &sig) == WF_OK && s->der.len == der_len &&
           memcmp(s->der.data, der, der_len) == 0;
}

static int print_signature(const wf_cli_args *a, const wf_sign_request *r, const Warifu__Wire__Signature *s)
{
    if (!signature_checks(s, r->digest))
        return bad_answer("the signature does not verify under the public key it names");
    wf_cli_field(a, "request_id", a->request_id);
    wf_cli_field_hex(a, "key_id", r->key_id, WF_ID_BYTES);
    field_path(a, r->path, r->path_len);
    wf_cli_field_hex(a, "digest", r->digest, WF_DIGEST_BYTES);
    field_bytes(a, "r", &s->r);
    field_bytes(a, "s", &s->s);
    wf_cli_field_u64(a, "v", s->v);
    field_bytes(a, "der", &s->der);
    field_bytes(a, "public_key", &s->public_key);
    return wf_cli_finish(a);
}

int wf_cli_sign(const wf_cli_args *a)
{
    wf_sign_request r;
    node_link l;
    uint32_t expiry_s = 0;
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    client_response *resp = NULL;
    int rc;

    memset(&r, 0, sizeof r);
    if ((rc = expiry_arg(a, &expiry_s)) ||
        (rc = link_args(a, (int)expiry_s * 1000 + SIGN_TIMEOUT_MARGIN_MS, &l)) ||
        (rc = key_arg(a, r.key_id)) || (rc = digest_arg(a, r.digest)) ||
        (rc = path_arg(a, r.path, &r.path_len)) ||
        (rc = request_id_arg(a, r.request_id, &r.request_id_len)) || (rc = link_open(a, 1, &l)))
        return rc;
    l.retry_safe = 1;
    r.expiry_ms = expiry_ms_after(expiry_s);
    Warifu__Wire__SignRequest *m = NULL;
    if (wf_sign_request_sign(&r, l.id.sk) != WF_OK || wf_sign_request_encode(&r, &enc, &enc_len) != WF_OK ||
        (m = warifu__wire__sign_request__unpack(NULL, enc_len, enc)) == NULL) {
        rc = wf_cli_fail("cannot make the sign request");
    } else {
        client_request req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
        req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_SIGN;
        req.sign = m;
        if ((rc = ask(&l, &req, WARIFU__WIRE__CLIENT_RESPONSE__BODY_SIGNATURE, &resp)) == 0)
            rc = print_signature(a, &r, resp->signature);
    }
    if (m != NULL)
        warifu__wire__sign_request__free_unpacked(m, NULL);
    if (resp != NULL)
        warifu__wire__client_response__free_unpacked(resp, NULL);
    free(enc);
    wf_client_identity_clear(&l.id);
    return rc;
}

/* ---- status ---- */

static int status_checks(const Warifu__Wire__Status *st)
{
    int ok = st->cluster_id.len == WF_ID_BYTES && printable(st->name);
    for (size_t i = 0; ok && i < st->n_peers; i++)
        ok = printable(st->peers[i]->name);
    for (size_t i = 0; ok && i < st->n_keys; i++)
        ok = st->keys[i]->key_id.len == WF_ID_BYTES;
    return ok;
}

static void print_peers(const wf_cli_args *a, const Warifu__Wire__Status *st)
{
    size_t up = 0;
    for (size_t i = 0; i < st->n_peers; i++)
        up += st->peers[i]->up != 0;
    wf_cli_field_u64(a, "peers_up", up);
    wf_cli_field_u64(a, "peers_down", st->n_peers - up);
    wf_cli_json_key(a, "peers");
    if (a->json)
        printf("[");
    for (size_t i = 0; i < st->n_peers; i++) {
        const Warifu__Wire__PeerStatus *p = st->peers[i];
        if (!a->json) {
            printf("peer %u %s %s\n", p->member, p->name, p->up ? "up" : "down");
            continue;
        }
        printf("%s{\"member\":%u,\"name\":", i > 0 ? "," : "", p->member);
        wf_cli_json_string(p->name);
        printf(",\"up\":%s}", p->up ? "true" : "false");
    }
    if (a->json)
        printf("]");
}

/* "0,1,2" */
static void signers_text(char *out, size_t cap, const Warifu__Wire__PoolDepth *p)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < p->n_signers && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%u", i > 0 ? "," : "", p->signers[i]);
}

static void print_keys(const wf_cli_args *a, const Warifu__Wire__Status *st)
{
    char id[2 * WF_ID_BYTES + 1], signers[WF_MAX_MEMBERS * 11];
    wf_cli_json_key(a, "keys");
    if (a->json)
        printf("[");
    for (size_t i = 0; i < st->n_keys; i++) {
        const Warifu__Wire__KeyStatus *k = st->keys[i];
        wf_hex_encode(id, k->key_id.data, WF_ID_BYTES);
        if (a->json)
            printf("%s{\"key_id\":\"%s\",\"generation\":%llu,\"ready\":%s,\"pools\":[", i > 0 ? "," : "", id,
                   (unsigned long long)k->generation, k->ready ? "true" : "false");
        else
            printf("key %s generation %llu %s\n", id, (unsigned long long)k->generation,
                   k->ready ? "ready" : "not-ready");
        for (size_t j = 0; j < k->n_pools; j++) {
            signers_text(signers, sizeof signers, k->pools[j]);
            if (a->json)
                printf("%s{\"signers\":[%s],\"depth\":%u}", j > 0 ? "," : "", signers, k->pools[j]->depth);
            else
                printf("pool %s signers %s depth %u\n", id, signers, k->pools[j]->depth);
        }
        if (a->json)
            printf("]}");
    }
    if (a->json)
        printf("]");
}

int wf_cli_status(const wf_cli_args *a)
{
    node_link l;
    client_response *resp = NULL;
    int rc;

    if ((rc = link_args(a, QUERY_TIMEOUT_MS, &l)) || (rc = link_open(a, 0, &l)))
        return rc;
    client_request req = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest sr = WARIFU__WIRE__STATUS_REQUEST__INIT;
    req.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    req.status = &sr;
    if ((rc = ask(&l, &req, WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS, &resp)) == 0) {
        const Warifu__Wire__Status *st = resp->status;
        if (!status_checks(st)) {
            rc = bad_answer("malformed status");
        } else {
            wf_cli_field(a, "node", st->name);
            wf_cli_field_u64(a, "member", st->member);
            field_bytes(a, "cluster_id", &st->cluster_id);
            print_peers(a, st);
            print_keys(a, st);
            rc = wf_cli_finish(a);
        }
        warifu__wire__client_response__free_unpacked(resp, NULL);
    }
    wf_client_identity_clear(&l.id);
    return rc;
}

/* A client of the cluster (client.h): one ClientRequest to one node, its
 * ClientResponse decoded and checked. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "node/client.h"
#include "node/client_identity.h"
#include "node/client_net.h"
#include "node/fail.h"
#include "node/tls_identity.h"

typedef Warifu__Wire__ClientRequest client_request;
typedef Warifu__Wire__ClientResponse client_response;
typedef Warifu__Wire__ClientResponse__BodyCase body_case;
typedef Warifu__Wire__ClientRequest__BodyCase request_body;

struct wf_client {
    wf_client_identity id; /* id.sk set only when opened for signing */
};

/* ---- the client and its nodes ---- */

wf_err wf_client_open(wf_client **out, const char *dir, int signing, const char **why)
{
    wf_err err = WF_OK;
    wf_tls_identity tls;
    const char *reason = NULL;
    wf_client *c = NULL;

    if (out == NULL)
        return WF_ERR_ARG;
    *out = NULL;
    if ((c = calloc(1, sizeof *c)) == NULL)
        FAIL(WF_ERR_NOMEM, "out of memory");
    if ((err = wf_client_identity_load(&c->id, dir, signing, &reason)) != WF_OK)
        FAIL(err, reason != NULL ? reason : "cannot be read");
    if (!signing) {
        /* the identity loader checks the TLS key only with the secrets */
        err = wf_tls_identity_load(&tls, c->id.tls_cert_path, c->id.tls_key_path, &reason);
        wf_tls_identity_clear(&tls);
        if (err != WF_OK)
            FAIL(err, reason != NULL ? reason : wf_err_str(err));
    }
    *out = c;
    c = NULL;
done:
    wf_client_close(c);
    return err;
}

void wf_client_close(wf_client *c)
{
    if (c == NULL)
        return;
    wf_client_identity_clear(&c->id);
    free(c);
}

wf_err wf_client_node_check(const wf_client_node *node, const char **why)
{
    wf_err err = WF_OK;
    wf_tls_identity tls;
    const char *reason = NULL;
    if (node == NULL || node->url == NULL || node->cert_path == NULL)
        FAIL(WF_ERR_ARG, "need the node's URL and certificate");
    err = wf_tls_identity_load(&tls, node->cert_path, NULL, &reason);
    wf_tls_identity_clear(&tls);
    if (err != WF_OK)
        FAIL(err, reason != NULL ? reason : wf_err_str(err));
done:
    return err;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t wf_client_expiry_after(uint32_t seconds)
{
    return now_ms() + (uint64_t)seconds * 1000u;
}

/* ---- results ---- */

static wf_client_outcome result(wf_client_result *res, wf_client_outcome outcome, wf_err err, int code,
                                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static wf_client_outcome result(wf_client_result *res, wf_client_outcome outcome, wf_err err, int code,
                                const char *fmt, ...)
{
    va_list ap;
    res->outcome = outcome;
    res->err = err;
    res->code = code;
    va_start(ap, fmt);
    vsnprintf(res->why, sizeof res->why, fmt, ap);
    va_end(ap);
    return outcome;
}

static wf_client_outcome succeeded(wf_client_result *res)
{
    memset(res, 0, sizeof *res);
    return WF_CLIENT_SUCCEEDED;
}

static wf_client_outcome bad_answer(wf_client_result *res, const char *what)
{
    return result(res, WF_CLIENT_BAD_ANSWER, WF_ERR_VERIFY, 0, "the node's answer does not check: %s", what);
}

int wf_client_refused(const wf_client_result *r)
{
    if (r == NULL || r->outcome != WF_CLIENT_NODE_ERROR)
        return 0;
    switch (r->code) {
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_BAD_REQUEST:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_UNAUTHENTICATED:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_EXPIRED:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_DENIED:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_NOT_FOUND:
    case WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_CONFLICT: return 1;
    default: return 0;
    }
}

int wf_client_retryable(const wf_client_result *r)
{
    if (r == NULL)
        return 0;
    if (r->outcome == WF_CLIENT_NODE_ERROR)
        return !wf_client_refused(r);
    /* the other transport errors are ours: a bad configuration, memory */
    return r->outcome == WF_CLIENT_NO_ANSWER && (r->err == WF_ERR_NOT_FOUND || r->err == WF_ERR_VERIFY ||
                                                 r->err == WF_ERR_CANCELLED || r->err == WF_ERR_INTERNAL);
}

const char *wf_client_code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&warifu__wire__client_error_code__descriptor, code);
    return v != NULL ? v->name : "an unknown code";
}

/* ---- asking a node ---- */

/* Bytes from the node, kept only when they are 7-bit printable ASCII. */
static int printable(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        if (*s < 0x20 || *s > 0x7e)
            return 0;
    return s != NULL;
}

static const char *body_name(body_case want)
{
    switch (want) {
    case WARIFU__WIRE__CLIENT_RESPONSE__BODY_SIGNATURE: return "signature";
    case WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY: return "key";
    case WARIFU__WIRE__CLIENT_RESPONSE__BODY_ADDRESS: return "address";
    default: return "status";
    }
}

/* The decoded answer when it is a success of the body `want`; else NULL
 * with *res saying why. */
static client_response *decode(const uint8_t *answer, size_t len, body_case want, wf_client_result *res)
{
    client_response *r = warifu__wire__client_response__unpack(NULL, len, answer);
    if (r == NULL) {
        result(res, WF_CLIENT_BAD_ANSWER, WF_ERR_ENCODING, 0, "the node's answer is not a ClientResponse");
        return NULL;
    }
    if (r->code != WARIFU__WIRE__CLIENT_ERROR_CODE__CLIENT_OK)
        result(res, WF_CLIENT_NODE_ERROR, WF_OK, (int)r->code, "%s",
               printable(r->error) && r->error[0] != '\0' ? r->error : "(no readable reason)");
    else if (r->body_case != want)
        result(res, WF_CLIENT_BAD_ANSWER, WF_ERR_ENCODING, 0, "the node's answer holds no %s",
               body_name(want));
    else
        return r;
    warifu__wire__client_response__free_unpacked(r, NULL);
    return NULL;
}

/* Sends req to node, waiting node->timeout_ms or else default_ms: the
 * answer (free it with client_response__free_unpacked) when it is a success
 * of the body `want`, else NULL with *res saying why. */
static client_response *ask(const wf_client *c, const wf_client_node *node, int default_ms,
                            const client_request *req, body_case want, wf_client_result *res)
{
    const char *why = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0, len = warifu__wire__client_request__get_packed_size(req);
    wf_client_call_cfg call = {.url = node->url,
                               .cert_path = c->id.tls_cert_path,
                               .key_path = c->id.tls_key_path,
                               .server_cert_path = node->cert_path,
                               .max_msg = WF_CLIENT_ANSWER_MAX};
    uint8_t *buf = malloc(len != 0 ? len : 1);
    if (buf == NULL) {
        result(res, WF_CLIENT_NOT_SENT, WF_ERR_NOMEM, 0, "out of memory");
        return NULL;
    }
    warifu__wire__client_request__pack(req, buf);
    int timeout_ms = node->timeout_ms != 0 ? node->timeout_ms : default_ms;
    wf_err err = wf_client_call(&call, buf, len, &answer, &answer_len, timeout_ms, &why);
    free(buf);
    if (err != WF_OK) {
        result(res, WF_CLIENT_NO_ANSWER, err, 0, "%s", why != NULL ? why : wf_err_str(err));
        return NULL;
    }
    client_response *r = decode(answer, answer_len, want, res);
    free(answer);
    return r;
}

/* Checks what every call needs, and the call's own arguments (args_ok);
 * *res set when they fail. */
static int call_args(const wf_client *c, const wf_client_node *node, int args_ok, wf_client_result *res)
{
    if (c != NULL && node != NULL && node->url != NULL && node->cert_path != NULL && args_ok)
        return 1;
    result(res, WF_CLIENT_NOT_SENT, WF_ERR_ARG, 0,
           "need a client, a node, the request and where to put the answer");
    return 0;
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
           strlen(k->xpub) < WF_BIP32_XPUB_STR_BYTES && wf_bip32_xpub_from_string(&x, k->xpub) == WF_OK &&
           x.depth == 0 && wf_point_eq(&x.key, &pub);
}

/* Checks the answer r (NULL: *res already says why) into *key and frees it. */
static wf_client_outcome key_answer(client_response *r, const uint8_t *want_id, wf_client_key *key,
                                    wf_client_result *res)
{
    if (r == NULL)
        return res->outcome;
    const Warifu__Wire__KeyInfo *k = r->key;
    wf_client_outcome o = WF_CLIENT_SUCCEEDED;
    if (!key_checks(k, want_id)) {
        o = bad_answer(res, "the key id, public key and xpub do not agree");
    } else {
        memset(key, 0, sizeof *key);
        memcpy(key->key_id, k->key_id.data, WF_ID_BYTES);
        memcpy(key->public_key, k->public_key.data, WF_POINT_BYTES);
        strcpy(key->xpub, k->xpub);
        key->threshold = k->threshold;
        key->members = k->members;
        key->generation = k->generation;
        succeeded(res);
    }
    warifu__wire__client_response__free_unpacked(r, NULL);
    return o;
}

/* ---- signed requests: sign, keygen, refresh, reshare ---- */

/* One kind of request the client signs: how to sign and encode a copy of
 * it, the ClientRequest body it travels in, the answer it wants and its
 * name for messages. */
typedef struct signed_kind {
    wf_err (*sign_encode)(const void *req, const uint8_t *sk, uint8_t **enc, size_t *len);
    request_body body;
    body_case want;
    const char *what;
} signed_kind;

/* sign_encode_<kind>: wf_<kind>_request_sign on a copy of req, then
 * wf_<kind>_request_encode. */
#define SIGN_ENCODE(kind)                                                                                    \
    static wf_err sign_encode_##kind(const void *req, const uint8_t *sk, uint8_t **enc, size_t *len)         \
    {                                                                                                        \
        wf_##kind##_request r = *(const wf_##kind##_request *)req;                                           \
        wf_err err = wf_##kind##_request_sign(&r, sk);                                                       \
        return err != WF_OK ? err : wf_##kind##_request_encode(&r, enc, len);                                \
    }
SIGN_ENCODE(sign)
SIGN_ENCODE(keygen)
SIGN_ENCODE(refresh)
SIGN_ENCODE(reshare)

static const signed_kind SIGN = {sign_encode_sign, WARIFU__WIRE__CLIENT_REQUEST__BODY_SIGN,
                                 WARIFU__WIRE__CLIENT_RESPONSE__BODY_SIGNATURE, "sign"};
static const signed_kind KEYGEN = {sign_encode_keygen, WARIFU__WIRE__CLIENT_REQUEST__BODY_KEYGEN,
                                   WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY, "keygen"};
static const signed_kind REFRESH = {sign_encode_refresh, WARIFU__WIRE__CLIENT_REQUEST__BODY_REFRESH,
                                    WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY, "refresh"};
static const signed_kind RESHARE = {sign_encode_reshare, WARIFU__WIRE__CLIENT_REQUEST__BODY_RESHARE,
                                    WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY, "reshare"};

/* Signs a copy of req (args_ok: the call's own arguments are good) with
 * the client's key and sends it to node as the body of a ClientRequest,
 * waiting as ask does: the answer when it is a success of the kind's body,
 * else NULL with *res saying why. The body's message type comes from
 * ClientRequest's descriptor, so one path serves every kind. */
static client_response *ask_signed(const wf_client *c, const wf_client_node *node, int args_ok,
                                   const signed_kind *kind, const void *req, int default_ms,
                                   wf_client_result *res)
{
    if (!call_args(c, node, args_ok, res))
        return NULL;
    if (c->id.sk == NULL) {
        result(res, WF_CLIENT_NOT_SENT, WF_ERR_ARG, 0, "the client was opened without its signing key");
        return NULL;
    }
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &warifu__wire__client_request__descriptor, (unsigned)kind->body);
    uint8_t *enc = NULL;
    size_t len = 0;
    ProtobufCMessage *m = NULL;
    client_response *r = NULL;
    if (kind->sign_encode(req, c->id.sk, &enc, &len) != WF_OK || f == NULL ||
        f->type != PROTOBUF_C_TYPE_MESSAGE ||
        (m = protobuf_c_message_unpack(f->descriptor, NULL, len, enc)) == NULL) {
        result(res, WF_CLIENT_NOT_SENT, WF_ERR_INTERNAL, 0, "cannot make the %s request", kind->what);
    } else {
        client_request cr = WARIFU__WIRE__CLIENT_REQUEST__INIT;
        cr.body_case = kind->body;
        *(ProtobufCMessage **)((uint8_t *)&cr + f->offset) = m; /* the oneof's member for the body */
        r = ask(c, node, default_ms, &cr, kind->want, res);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    free(enc);
    return r;
}

/* A signed request answered with a key (keygen, refresh, reshare): the key,
 * checked to be want_id when that is not NULL, into *key. */
static wf_client_outcome ask_signed_key(const wf_client *c, const wf_client_node *node,
                                        const signed_kind *kind, const void *req, const uint8_t *want_id,
                                        wf_client_key *key, wf_client_result *res)
{
    wf_client_result local;
    res = res != NULL ? res : &local;
    client_response *r =
        ask_signed(c, node, req != NULL && key != NULL, kind, req, WF_CLIENT_KEYGEN_TIMEOUT_MS, res);
    return key_answer(r, want_id, key, res);
}

wf_client_outcome wf_client_keygen(const wf_client *c, const wf_client_node *node,
                                   const wf_keygen_request *req, wf_client_key *key, wf_client_result *res)
{
    return ask_signed_key(c, node, &KEYGEN, req, NULL, key, res);
}

wf_client_outcome wf_client_refresh(const wf_client *c, const wf_client_node *node,
                                    const wf_refresh_request *req, wf_client_key *key, wf_client_result *res)
{
    return ask_signed_key(c, node, &REFRESH, req, req != NULL ? req->key_id : NULL, key, res);
}

wf_client_outcome wf_client_reshare(const wf_client *c, const wf_client_node *node,
                                    const wf_reshare_request *req, wf_client_key *key, wf_client_result *res)
{
    return ask_signed_key(c, node, &RESHARE, req, req != NULL ? req->key_id : NULL, key, res);
}

wf_client_outcome wf_client_pubkey(const wf_client *c, const wf_client_node *node,
                                   const uint8_t key_id[WF_ID_BYTES], wf_client_key *key,
                                   wf_client_result *res)
{
    wf_client_result local;
    if (res == NULL)
        res = &local;
    if (!call_args(c, node, key_id != NULL && key != NULL, res))
        return res->outcome;
    client_request cr = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__PublicKeyRequest pk = WARIFU__WIRE__PUBLIC_KEY_REQUEST__INIT;
    pk.key_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)key_id};
    cr.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_PUBLIC_KEY;
    cr.public_key = &pk;
    client_response *r =
        ask(c, node, WF_CLIENT_QUERY_TIMEOUT_MS, &cr, WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY, res);
    return key_answer(r, key_id, key, res);
}

wf_err wf_client_key_child(wf_point *child, const wf_client_key *k, const uint32_t *path, size_t path_len)
{
    wf_xpub root, x;
    wf_err err;
    if (child == NULL || k == NULL || (path == NULL && path_len > 0))
        return WF_ERR_ARG;
    if ((err = wf_bip32_xpub_from_string(&root, k->xpub)) != WF_OK ||
        (err = wf_bip32_derive_path(&x, NULL, &root, path, path_len)) != WF_OK)
        return err;
    *child = x.key;
    return WF_OK;
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

wf_client_outcome wf_client_address(const wf_client *c, const wf_client_node *node,
                                    const uint8_t key_id[WF_ID_BYTES], const uint32_t *path, size_t path_len,
                                    wf_client_addresses *addr, wf_client_result *res)
{
    wf_client_result local;
    if (res == NULL)
        res = &local;
    if (!call_args(c, node, key_id != NULL && addr != NULL, res))
        return res->outcome;
    if (path_len > WF_REQUEST_PATH_MAX || (path == NULL && path_len > 0))
        return result(res, WF_CLIENT_NOT_SENT, WF_ERR_ARG, 0, "a path is at most %d steps",
                      WF_REQUEST_PATH_MAX);
    client_request cr = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__DeriveAddressRequest dr = WARIFU__WIRE__DERIVE_ADDRESS_REQUEST__INIT;
    dr.key_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)key_id};
    dr.n_path = path_len;
    dr.path = (uint32_t *)path;
    cr.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_DERIVE;
    cr.derive = &dr;
    client_response *r =
        ask(c, node, WF_CLIENT_QUERY_TIMEOUT_MS, &cr, WARIFU__WIRE__CLIENT_RESPONSE__BODY_ADDRESS, res);
    if (r == NULL)
        return res->outcome;
    const Warifu__Wire__Address *ad = r->address;
    if (!address_checks(ad, key_id, path, path_len)) {
        bad_answer(res, "the addresses are not those of the key and path asked for");
    } else {
        memset(addr, 0, sizeof *addr);
        memcpy(addr->key_id, key_id, WF_ID_BYTES);
        if (path_len > 0)
            memcpy(addr->path, path, path_len * sizeof *path);
        addr->path_len = path_len;
        memcpy(addr->public_key, ad->public_key.data, WF_POINT_BYTES);
        strcpy(addr->btc, ad->btc_p2wpkh); /* equal to what was computed into a buffer of this size */
        strcpy(addr->eth, ad->eth);
        succeeded(res);
    }
    warifu__wire__client_response__free_unpacked(r, NULL);
    return res->outcome;
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

static void put_signature(wf_client_signature *out, const Warifu__Wire__Signature *s)
{
    memset(out, 0, sizeof *out);
    memcpy(out->r, s->r.data, 32);
    memcpy(out->s, s->s.data, 32);
    out->v = (uint8_t)s->v;
    memcpy(out->der, s->der.data, s->der.len); /* checked: at most WF_ECDSA_DER_MAX */
    out->der_len = s->der.len;
    memcpy(out->public_key, s->public_key.data, WF_POINT_BYTES);
}

/* Until the request's expiry, and the margin past it in which a signature
 * that started in time still completes. */
static int sign_timeout_ms(uint64_t expiry_ms)
{
    uint64_t now = now_ms(), left = expiry_ms > now ? expiry_ms - now : 0;
    if (left > WF_REQUEST_MAX_TTL_MS)
        left = WF_REQUEST_MAX_TTL_MS; /* the node refuses it anyway */
    return (int)left + WF_CLIENT_SIGN_MARGIN_MS;
}

wf_client_outcome wf_client_sign(const wf_client *c, const wf_client_node *node, const wf_sign_request *req,
                                 wf_client_signature *sig, wf_client_result *res)
{
    wf_client_result local;
    res = res != NULL ? res : &local;
    int timeout_ms = req != NULL ? sign_timeout_ms(req->expiry_ms) : 0;
    client_response *r = ask_signed(c, node, req != NULL && sig != NULL, &SIGN, req, timeout_ms, res);
    if (r == NULL)
        return res->outcome;
    if (!signature_checks(r->signature, req->digest)) {
        bad_answer(res, "the signature does not verify under the public key it names");
    } else {
        put_signature(sig, r->signature);
        succeeded(res);
    }
    warifu__wire__client_response__free_unpacked(r, NULL);
    return res->outcome;
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

wf_client_outcome wf_client_status(const wf_client *c, const wf_client_node *node, Warifu__Wire__Status **out,
                                   wf_client_result *res)
{
    wf_client_result local;
    if (res == NULL)
        res = &local;
    if (!call_args(c, node, out != NULL, res))
        return res->outcome;
    *out = NULL;
    client_request cr = WARIFU__WIRE__CLIENT_REQUEST__INIT;
    Warifu__Wire__StatusRequest sr = WARIFU__WIRE__STATUS_REQUEST__INIT;
    cr.body_case = WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS;
    cr.status = &sr;
    client_response *r =
        ask(c, node, WF_CLIENT_QUERY_TIMEOUT_MS, &cr, WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS, res);
    if (r == NULL)
        return res->outcome;
    if (!status_checks(r->status)) {
        bad_answer(res, "malformed status");
    } else {
        /* protobuf-c allocates each sub-message on its own: the status
         * outlives the response it came in */
        *out = r->status;
        r->status = NULL;
        r->body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY__NOT_SET;
        succeeded(res);
    }
    warifu__wire__client_response__free_unpacked(r, NULL);
    return res->outcome;
}

void wf_client_status_free(Warifu__Wire__Status *st)
{
    if (st != NULL)
        warifu__wire__status__free_unpacked(st, NULL);
}

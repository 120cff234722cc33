/* The client API of warifud (DESIGN §4; protocol/proto/client.proto): decodes
 * a ClientRequest, answers it and encodes the ClientResponse. Sign and keygen
 * go to the coordinator after this node's own checks (client signature,
 * expiry, policy); public key, address and status are answered from this
 * node's store and key cache. Malformed input gets CLIENT_BAD_REQUEST and
 * changes nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/address.h"
#include "crypto/bip32.h"
#include "node/coordinator.h"
#include "node/refresh.h"
#include "node/reshare_run.h"
#include "protocol/proto/client.pb-c.h"
#include "protocol/wire.h"
#include "store/paillier_pool.h"
#include "store/presig_pool.h"
#include "store/requests.h"

#define MAX_POOLS 64

wf_client_code wf_client_fail(char *why, size_t cap, wf_client_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return code;
}

wf_client_code wf_client_denied(char *why, size_t cap, const char *denied)
{
    wf_client_code code = strstr(denied, "signature") ? WF_CLIENT_UNAUTHENTICATED
                          : strstr(denied, "expir")   ? WF_CLIENT_EXPIRED
                                                      : WF_CLIENT_DENIED;
    return wf_client_fail(why, cap, code, "%s", denied);
}

/* Everything a response points to lives here until it is packed. */
typedef struct answer {
    Warifu__Wire__ClientResponse resp;
    char why[256];
    Warifu__Wire__Signature sig;
    uint8_t r[32], s[32], der[WF_ECDSA_DER_MAX], pub[WF_POINT_BYTES];
    Warifu__Wire__KeyInfo key;
    uint32_t committee[WF_MAX_MEMBERS], ranks[WF_MAX_MEMBERS];
    char xpub[WF_BIP32_XPUB_STR_BYTES];
    Warifu__Wire__Address addr;
    uint32_t path[WF_REQUEST_PATH_MAX];
    char btc[WF_ADDRESS_P2WPKH_MAX_BYTES], eth[WF_ADDRESS_ETH_BYTES];
    Warifu__Wire__Status status;
    Warifu__Wire__PeerStatus peers[WF_MAX_MEMBERS], *peer_ptrs[WF_MAX_MEMBERS];
    Warifu__Wire__KeyStatus *keys;
    Warifu__Wire__KeyStatus **key_ptrs;
    Warifu__Wire__PoolDepth *pools;
    Warifu__Wire__PoolDepth **pool_ptrs;
    uint32_t *pool_members;
} answer;

static wf_client_code fail(answer *a, wf_client_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static wf_client_code fail(answer *a, wf_client_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->why, sizeof a->why, fmt, ap);
    va_end(ap);
    return code;
}

static void put_signature(answer *a, const wf_ecdsa_sig *sig, const wf_point *pub)
{
    size_t der_len = sizeof a->der;
    warifu__wire__signature__init(&a->sig);
    wf_scalar_serialize(a->r, &sig->r);
    wf_scalar_serialize(a->s, &sig->s);
    wf_ecdsa_sig_to_der(a->der, &der_len, sig);
    wf_point_serialize(a->pub, pub);
    a->sig.r = (ProtobufCBinaryData){32, a->r};
    a->sig.s = (ProtobufCBinaryData){32, a->s};
    a->sig.v = sig->v;
    a->sig.der = (ProtobufCBinaryData){der_len, a->der};
    a->sig.public_key = (ProtobufCBinaryData){WF_POINT_BYTES, a->pub};
    a->resp.body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY_SIGNATURE;
    a->resp.signature = &a->sig;
}

static void observe(wf_daemon *d, const char *result, const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
    const char *labels[] = {result};
    wf_metric_add(d->nm.requests, labels, 1);
    wf_metric_observe(d->nm.request_seconds, labels, s);
}

/* A signature this node recorded for the request before, checked again. */
static int earlier_signature(wf_daemon *d, const wf_sign_request *r, const wf_node_key *k, answer *a,
                             wf_client_code *code)
{
    wf_store_request req;
    wf_store_request_state state;
    uint8_t sig65[WF_STORE_SIG_BYTES];
    unsigned attempts = 0;
    wf_daemon_request_of(&req, r);
    wf_err err = wf_store_request_lookup(d->store, &req, &state, sig65, &attempts);
    if (err == WF_ERR_CONFLICT) {
        *code = fail(a, WF_CLIENT_CONFLICT, "this request id was used for another digest, key or path");
        return 1;
    }
    if (err != WF_OK || state != WF_REQUEST_DONE)
        return 0;
    wf_xpub root, child;
    wf_ecdsa_sig sig;
    if (wf_key_xpub(&k->share->pub, &root) != WF_OK ||
        wf_bip32_derive_path(&child, NULL, &root, r->path, r->path_len) != WF_OK ||
        wf_ecdsa_sig_from_compact(&sig, sig65, sizeof sig65) != WF_OK ||
        wf_ecdsa_verify_strict(&child.key, r->digest, &sig) != WF_OK)
        return 0;
    put_signature(a, &sig, &child.key);
    *code = WF_CLIENT_OK;
    return 1;
}

/* The wire bytes of the request body m, packed again into buf for its
 * strict decoder (protocol/client_request.h reads bytes, and the node checks
 * what the client signed); 0 with *a failed when they are more than buf
 * holds. */
static int repack(const ProtobufCMessage *m, uint8_t buf[WF_CONTROL_REQUEST_MAX], size_t *len,
                  const char *what, answer *a)
{
    *len = protobuf_c_message_get_packed_size(m);
    if (*len > WF_CONTROL_REQUEST_MAX) {
        fail(a, WF_CLIENT_BAD_REQUEST, "the %s request is too large", what);
        return 0;
    }
    protobuf_c_message_pack(m, buf);
    return 1;
}

static wf_client_code do_sign(wf_daemon *d, const Warifu__Wire__SignRequest *m, answer *a)
{
    wf_sign_request r;
    uint8_t buf[WF_CONTROL_REQUEST_MAX];
    size_t len = 0;
    if (!repack(&m->base, buf, &len, "sign", a))
        return WF_CLIENT_BAD_REQUEST;
    if (wf_sign_request_decode(&r, buf, len) != WF_OK)
        return fail(a, WF_CLIENT_BAD_REQUEST,
                    "malformed sign request (request id 1..64 bytes, key id 32, digest 32, path at most 8 "
                    "non-hardened steps, client id 32, signature 64)");
    switch (wf_sign_request_check(&r, wf_daemon_now_ms())) {
    case WF_REQUEST_OK: break;
    case WF_REQUEST_EXPIRED: return fail(a, WF_CLIENT_EXPIRED, "the request has expired");
    case WF_REQUEST_TOO_FAR_AHEAD:
        return fail(a, WF_CLIENT_EXPIRED, "the request's expiry is more than %u s ahead",
                    WF_REQUEST_MAX_TTL_MS / 1000);
    default: return fail(a, WF_CLIENT_UNAUTHENTICATED, "the client signature does not verify");
    }
    wf_node_key *k = wf_node_key_find(d, r.key_id);
    if (k == NULL)
        return fail(a, WF_CLIENT_NOT_FOUND, "no key with this id");
    wf_client_code code;
    if (earlier_signature(d, &r, k, a, &code))
        return code;
    wf_policy_verdict v = wf_node_policy_check(d, &r);
    if (v != WF_POLICY_ALLOW)
        return fail(a, WF_CLIENT_DENIED, "%s", wf_policy_verdict_str(v));
    wf_coord_sign_out out;
    code = wf_coord_sign(d, &r, &out);
    if (code != WF_CLIENT_OK)
        return fail(a, code, "%s", out.why);
    put_signature(a, &out.sig, &out.pub);
    return WF_CLIENT_OK;
}

static wf_client_code put_key(wf_daemon *d, const uint8_t key_id[WF_ID_BYTES], answer *a)
{
    wf_node_key *k = wf_node_key_find(d, key_id);
    wf_xpub x;
    if (k == NULL)
        return fail(a, WF_CLIENT_NOT_FOUND, "no key with this id");
    if (wf_key_xpub(&k->share->pub, &x) != WF_OK || wf_bip32_xpub_to_string(a->xpub, sizeof a->xpub, &x) != WF_OK)
        return fail(a, WF_CLIENT_INTERNAL, "cannot encode the xpub");
    wf_point_serialize(a->pub, &k->share->pub.public_key);
    warifu__wire__key_info__init(&a->key);
    a->key.key_id = (ProtobufCBinaryData){WF_ID_BYTES, k->key_id};
    a->key.public_key = (ProtobufCBinaryData){WF_POINT_BYTES, a->pub};
    a->key.xpub = a->xpub;
    a->key.threshold = k->share->pub.t;
    a->key.members = k->share->pub.n;
    a->key.generation = k->generation;
    memcpy(a->committee, k->committee.node, k->committee.n * sizeof a->committee[0]);
    memcpy(a->ranks, k->committee.rank, k->committee.n * sizeof a->ranks[0]);
    a->key.n_committee = a->key.n_ranks = k->committee.n;
    a->key.committee = a->committee;
    a->key.ranks = a->ranks;
    a->resp.body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY_KEY;
    a->resp.key = &a->key;
    return WF_CLIENT_OK;
}

static wf_client_code do_keygen(wf_daemon *d, const Warifu__Wire__KeygenRequest *m, answer *a)
{
    wf_keygen_request r;
    uint8_t buf[WF_CONTROL_REQUEST_MAX], key_id[WF_ID_BYTES];
    size_t len = 0;
    if (!repack(&m->base, buf, &len, "keygen", a))
        return WF_CLIENT_BAD_REQUEST;
    if (wf_keygen_request_decode(&r, buf, len) != WF_OK)
        return fail(a, WF_CLIENT_BAD_REQUEST, "malformed keygen request");
    wf_client_code code = wf_coord_keygen(d, &r, key_id, a->why, sizeof a->why);
    return code != WF_CLIENT_OK ? code : put_key(d, key_id, a);
}

static wf_client_code do_refresh(wf_daemon *d, const Warifu__Wire__RefreshRequest *m, answer *a)
{
    wf_refresh_request r;
    uint8_t buf[WF_CONTROL_REQUEST_MAX];
    size_t len = 0;
    if (!repack(&m->base, buf, &len, "refresh", a))
        return WF_CLIENT_BAD_REQUEST;
    if (wf_refresh_request_decode(&r, buf, len) != WF_OK)
        return fail(a, WF_CLIENT_BAD_REQUEST,
                    "malformed refresh request (request id 1..64 bytes, key id 32, client id 32, signature 64)");
    wf_client_code code = wf_coord_refresh(d, &r, a->why, sizeof a->why);
    return code != WF_CLIENT_OK ? code : put_key(d, r.key_id, a);
}

static wf_client_code do_reshare(wf_daemon *d, const Warifu__Wire__ReshareRequest *m, answer *a)
{
    wf_reshare_request r;
    uint8_t buf[WF_CONTROL_REQUEST_MAX];
    size_t len = 0;
    if (!repack(&m->base, buf, &len, "reshare", a))
        return WF_CLIENT_BAD_REQUEST;
    if (wf_reshare_request_decode(&r, buf, len) != WF_OK)
        return fail(a, WF_CLIENT_BAD_REQUEST, "malformed reshare request");
    wf_client_code code = wf_coord_reshare(d, &r, a->why, sizeof a->why);
    return code != WF_CLIENT_OK ? code : put_key(d, r.key_id, a);
}

static int id_of(const ProtobufCBinaryData *f, uint8_t out[WF_ID_BYTES])
{
    if (f->len != WF_ID_BYTES)
        return 0;
    memcpy(out, f->data, WF_ID_BYTES);
    return 1;
}

static wf_client_code do_public_key(wf_daemon *d, const Warifu__Wire__PublicKeyRequest *m, answer *a)
{
    uint8_t key_id[WF_ID_BYTES];
    if (!id_of(&m->key_id, key_id))
        return fail(a, WF_CLIENT_BAD_REQUEST, "the key id must be 32 bytes");
    return put_key(d, key_id, a);
}

static wf_client_code do_derive(wf_daemon *d, const Warifu__Wire__DeriveAddressRequest *m, answer *a)
{
    uint8_t key_id[WF_ID_BYTES];
    wf_xpub root, child;
    if (!id_of(&m->key_id, key_id))
        return fail(a, WF_CLIENT_BAD_REQUEST, "the key id must be 32 bytes");
    if (m->n_path > WF_REQUEST_PATH_MAX)
        return fail(a, WF_CLIENT_BAD_REQUEST, "the path has more than %d steps", WF_REQUEST_PATH_MAX);
    for (size_t i = 0; i < m->n_path; i++) {
        if (m->path[i] >= 0x80000000u)
            return fail(a, WF_CLIENT_BAD_REQUEST, "hardened steps cannot be derived from the xpub");
        a->path[i] = m->path[i];
    }
    wf_node_key *k = wf_node_key_find(d, key_id);
    if (k == NULL)
        return fail(a, WF_CLIENT_NOT_FOUND, "no key with this id");
    if (wf_key_xpub(&k->share->pub, &root) != WF_OK ||
        wf_bip32_derive_path(&child, NULL, &root, a->path, m->n_path) != WF_OK)
        return fail(a, WF_CLIENT_INTERNAL, "cannot derive this path (try the next index)");
    if (wf_address_p2wpkh(a->btc, sizeof a->btc, &child.key, WF_ADDRESS_HRP_MAINNET) != WF_OK ||
        wf_address_eth(a->eth, sizeof a->eth, &child.key) != WF_OK)
        return fail(a, WF_CLIENT_INTERNAL, "cannot encode the addresses");
    wf_point_serialize(a->pub, &child.key);
    warifu__wire__address__init(&a->addr);
    a->addr.key_id = (ProtobufCBinaryData){WF_ID_BYTES, k->key_id};
    a->addr.n_path = m->n_path;
    a->addr.path = a->path;
    a->addr.public_key = (ProtobufCBinaryData){WF_POINT_BYTES, a->pub};
    a->addr.btc_p2wpkh = a->btc;
    a->addr.eth = a->eth;
    a->resp.body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY_ADDRESS;
    a->resp.address = &a->addr;
    return WF_CLIENT_OK;
}

static wf_client_code do_status(wf_daemon *d, answer *a)
{
    warifu__wire__status__init(&a->status);
    a->status.name = d->id.pub.name;
    a->status.member = d->self;
    a->status.cluster_id = (ProtobufCBinaryData){WF_ID_BYTES, d->cluster->cluster_id};
    size_t np = 0;
    for (uint32_t m = 0; m < d->n; m++) {
        if (m == d->self)
            continue;
        warifu__wire__peer_status__init(&a->peers[np]);
        a->peers[np].member = m;
        a->peers[np].name = d->cluster->members[m].pub.name;
        a->peers[np].up = wf_daemon_peer_up(d, m) != 0;
        a->peer_ptrs[np] = &a->peers[np];
        np++;
    }
    a->status.n_peers = np;
    a->status.peers = a->peer_ptrs;
    size_t nk = 0;
    pthread_mutex_lock(&d->keys_mu);
    for (wf_node_key *k = d->keys; k; k = k->next)
        nk++;
    wf_node_key *first = d->keys;
    pthread_mutex_unlock(&d->keys_mu);
    a->keys = calloc(nk ? nk : 1, sizeof *a->keys);
    a->key_ptrs = calloc(nk ? nk : 1, sizeof *a->key_ptrs);
    a->pools = calloc((nk ? nk : 1) * MAX_POOLS, sizeof *a->pools);
    a->pool_ptrs = calloc((nk ? nk : 1) * MAX_POOLS, sizeof *a->pool_ptrs);
    a->pool_members = calloc((nk ? nk : 1) * MAX_POOLS * WF_MAX_MEMBERS, sizeof *a->pool_members);
    if (!a->keys || !a->key_ptrs || !a->pools || !a->pool_ptrs || !a->pool_members)
        return fail(a, WF_CLIENT_INTERNAL, "out of memory");
    size_t i = 0, pi = 0;
    for (wf_node_key *k = first; k && i < nk; k = k->next, i++) {
        Warifu__Wire__KeyStatus *ks = &a->keys[i];
        warifu__wire__key_status__init(ks);
        ks->key_id = (ProtobufCBinaryData){WF_ID_BYTES, k->key_id};
        ks->generation = k->generation;
        ks->ready = k->aux != NULL;
        wf_store_pool_depth depth[MAX_POOLS];
        size_t n = 0;
        if (wf_store_presig_pools(d->store, k->key_id, depth, MAX_POOLS, &n) != WF_OK)
            n = 0;
        ks->pools = &a->pool_ptrs[pi];
        for (size_t j = 0; j < n; j++, pi++) {
            Warifu__Wire__PoolDepth *p = &a->pools[pi];
            warifu__wire__pool_depth__init(p);
            p->signers = &a->pool_members[pi * WF_MAX_MEMBERS];
            p->n_signers = wf_set_members(depth[j].signers, p->signers);
            p->depth = (uint32_t)depth[j].count;
            a->pool_ptrs[pi] = p;
        }
        ks->n_pools = n;
        a->key_ptrs[i] = ks;
    }
    a->status.n_keys = i;
    a->status.keys = a->key_ptrs;
    size_t pooled = 0;
    a->status.paillier_bits = d->cfg.paillier_bits;
    if (wf_store_paillier_count(d->store, d->cfg.paillier_bits, &pooled) == WF_OK)
        a->status.paillier_pool = (uint32_t)pooled;
    a->resp.body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY_STATUS;
    a->resp.status = &a->status;
    return WF_CLIENT_OK;
}

static const char *code_label(wf_client_code c)
{
    static const char *const names[] = {"ok",         "bad_request", "unauthenticated", "expired",
                                        "denied",     "not_found",   "conflict",        "unavailable",
                                        "aborted",    "internal",    "shutting_down"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "internal";
}

wf_err wf_client_api_handle(void *ctx, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
    wf_daemon *d = ctx;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    answer *a = calloc(1, sizeof *a);
    if (a == NULL)
        return WF_ERR_NOMEM;
    warifu__wire__client_response__init(&a->resp);
    wf_client_code code;
    int is_sign = 0;
    Warifu__Wire__ClientRequest *m =
        (Warifu__Wire__ClientRequest *)wf_wire_unpack(&warifu__wire__client_request__descriptor, req, len);
    if (m == NULL)
        code = fail(a, WF_CLIENT_BAD_REQUEST, "malformed request: not a ClientRequest protobuf");
    else if (atomic_load(&d->stopping) != 0)
        code = fail(a, WF_CLIENT_SHUTTING_DOWN, "the node is shutting down; retry on another node");
    else {
        switch (m->body_case) {
        case WARIFU__WIRE__CLIENT_REQUEST__BODY_SIGN:
            is_sign = 1;
            code = do_sign(d, m->sign, a);
            break;
        case WARIFU__WIRE__CLIENT_REQUEST__BODY_KEYGEN: code = do_keygen(d, m->keygen, a); break;
        case WARIFU__WIRE__CLIENT_REQUEST__BODY_PUBLIC_KEY: code = do_public_key(d, m->public_key, a); break;
        case WARIFU__WIRE__CLIENT_REQUEST__BODY_DERIVE: code = do_derive(d, m->derive, a); break;
        case WARIFU__WIRE__CLIENT_REQUEST__BODY_STATUS: code = do_status(d, a); break;
        case WARIFU__WIRE__CLIENT_REQUEST__BODY_REFRESH: code = do_refresh(d, m->refresh, a); break;
        case WARIFU__WIRE__CLIENT_REQUEST__BODY_RESHARE: code = do_reshare(d, m->reshare, a); break;
        default: code = fail(a, WF_CLIENT_BAD_REQUEST, "empty request"); break;
        }
    }
    if (code != WF_CLIENT_OK) {
        a->resp.body_case = WARIFU__WIRE__CLIENT_RESPONSE__BODY__NOT_SET;
        /* a protocol's reason (in Greek) would reach the client as "(no readable reason)" */
        char raw[sizeof a->why];
        memcpy(raw, a->why, sizeof raw);
        wf_daemon_ascii(a->why, sizeof a->why, raw);
        a->resp.error = a->why;
        if (is_sign)
            wf_daemon_log(d, "sign request refused (%s): %s", code_label(code), a->why);
    }
    a->resp.code = (Warifu__Wire__ClientErrorCode)code;
    if (is_sign)
        observe(d, code_label(code), &t0);
    wf_err err = WF_OK;
    *resp_len = warifu__wire__client_response__get_packed_size(&a->resp);
    *resp = malloc(*resp_len ? *resp_len : 1);
    if (*resp == NULL)
        err = WF_ERR_NOMEM;
    else
        warifu__wire__client_response__pack(&a->resp, *resp);
    if (m != NULL)
        protobuf_c_message_free_unpacked(&m->base, NULL);
    free(a->keys);
    free(a->key_ptrs);
    free(a->pools);
    free(a->pool_ptrs);
    free(a->pool_members);
    free(a);
    return err;
}

/* Client signing and keygen requests: canonical signed bytes, protobuf
 * codec, checks. */
#include "protocol/client_request.h"

#include <sodium.h>
#include <string.h>

#include "crypto/hash.h"
#include "protocol/proto/client.pb-c.h"
#include "protocol/wire.h"

static const char SIGN_TAG[] = "warifu/sign-request/v1";     /* 22 chars + NUL = 23 bytes */
static const char KEYGEN_TAG[] = "warifu/keygen-request/v1"; /* 24 chars + NUL = 25 bytes */
static const char REFRESH_TAG[] = "warifu/refresh-request/v1"; /* 25 chars + NUL = 26 bytes */
static const char KEY_ID_TAG[] = "warifu/keygen-key-id/v1";  /* hashed without its NUL */
static const char RESHARE_TAG[] = "warifu/reshare-request/v1"; /* 25 chars + NUL = 26 bytes */
_Static_assert(sizeof KEYGEN_TAG + 1 + WF_REQUEST_ID_MAX + 8 + WF_IDENTITY_PK_BYTES + WF_COMMITTEE_BYTES_MAX ==
                   WF_KEYGEN_REQUEST_SIGNED_MAX,
               "keygen request signed bytes");
_Static_assert(sizeof REFRESH_TAG + 1 + WF_REQUEST_ID_MAX + WF_ID_BYTES + 8 + WF_IDENTITY_PK_BYTES ==
                   WF_REFRESH_REQUEST_SIGNED_MAX,
               "refresh request signed bytes");

static uint8_t *put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
    return p + bytes;
}

size_t wf_sign_request_signed_bytes(const wf_sign_request *r, uint8_t *out)
{
    uint8_t *p = out;
    memcpy(p, SIGN_TAG, sizeof SIGN_TAG);
    p += sizeof SIGN_TAG;
    *p++ = (uint8_t)r->request_id_len;
    memcpy(p, r->request_id, r->request_id_len);
    p += r->request_id_len;
    memcpy(p, r->key_id, WF_ID_BYTES);
    p += WF_ID_BYTES;
    *p++ = (uint8_t)r->path_len;
    for (size_t i = 0; i < r->path_len; i++) p = put_be(p, r->path[i], 4);
    memcpy(p, r->digest, WF_DIGEST_BYTES);
    p += WF_DIGEST_BYTES;
    p = put_be(p, r->expiry_ms, 8);
    memcpy(p, r->client_id, WF_IDENTITY_PK_BYTES);
    p += WF_IDENTITY_PK_BYTES;
    return (size_t)(p - out);
}

static int shape_ok(const wf_sign_request *r)
{
    if (r->request_id_len == 0 || r->request_id_len > WF_REQUEST_ID_MAX || r->path_len > WF_REQUEST_PATH_MAX)
        return 0;
    for (size_t i = 0; i < r->path_len; i++)
        if (r->path[i] & 0x80000000u) return 0; /* hardened: a node cannot derive it from public data */
    return 1;
}

wf_err wf_sign_request_sign(wf_sign_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES])
{
    if (!r || !client_sk || !shape_ok(r)) return WF_ERR_ARG;
    uint8_t msg[WF_SIGN_REQUEST_SIGNED_MAX];
    crypto_sign_ed25519_sk_to_pk(r->client_id, client_sk);
    size_t len = wf_sign_request_signed_bytes(r, msg);
    crypto_sign_detached(r->signature, NULL, msg, len, client_sk);
    return WF_OK;
}

wf_err wf_sign_request_encode(const wf_sign_request *r, uint8_t **out, size_t *out_len)
{
    if (!r || !out || !out_len || !shape_ok(r)) return WF_ERR_ARG;
    Warifu__Wire__SignRequest m = WARIFU__WIRE__SIGN_REQUEST__INIT;
    uint32_t path[WF_REQUEST_PATH_MAX];
    memcpy(path, r->path, sizeof path);
    m.request_id = (ProtobufCBinaryData){r->request_id_len, (uint8_t *)r->request_id};
    m.key_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)r->key_id};
    m.n_path = r->path_len;
    m.path = path;
    m.digest = (ProtobufCBinaryData){WF_DIGEST_BYTES, (uint8_t *)r->digest};
    m.expiry_ms = r->expiry_ms;
    m.client_id = (ProtobufCBinaryData){WF_IDENTITY_PK_BYTES, (uint8_t *)r->client_id};
    m.signature = (ProtobufCBinaryData){WF_SIGNATURE_BYTES, (uint8_t *)r->signature};
    size_t len = warifu__wire__sign_request__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return WF_ERR_NOMEM;
    warifu__wire__sign_request__pack(&m, buf);
    *out = buf;
    *out_len = len;
    return WF_OK;
}

static int copy_exact(uint8_t *dst, const ProtobufCBinaryData *f, size_t len)
{
    if (f->len != len) return 0;
    memcpy(dst, f->data, len);
    return 1;
}

wf_err wf_sign_request_decode(wf_sign_request *r, const uint8_t *in, size_t len)
{
    if (!r || !in) return WF_ERR_ARG;
    memset(r, 0, sizeof *r);
    Warifu__Wire__SignRequest *m =
        (Warifu__Wire__SignRequest *)wf_wire_unpack(&warifu__wire__sign_request__descriptor, in, len);
    if (!m) return WF_ERR_ENCODING;
    wf_err err = WF_OK;
    if (m->request_id.len == 0 || m->request_id.len > WF_REQUEST_ID_MAX || m->n_path > WF_REQUEST_PATH_MAX ||
        !copy_exact(r->key_id, &m->key_id, WF_ID_BYTES) || !copy_exact(r->digest, &m->digest, WF_DIGEST_BYTES) ||
        !copy_exact(r->client_id, &m->client_id, WF_IDENTITY_PK_BYTES) ||
        !copy_exact(r->signature, &m->signature, WF_SIGNATURE_BYTES)) {
        err = WF_ERR_ENCODING;
    } else {
        r->request_id_len = m->request_id.len;
        memcpy(r->request_id, m->request_id.data, m->request_id.len);
        r->path_len = m->n_path;
        for (size_t i = 0; i < m->n_path; i++) r->path[i] = m->path[i];
        r->expiry_ms = m->expiry_ms;
        if (!shape_ok(r)) err = WF_ERR_RANGE;
    }
    protobuf_c_message_free_unpacked(&m->base, NULL);
    if (err) memset(r, 0, sizeof *r);
    return err;
}

/* The verdict on signed bytes msg[0..len) once the request's shape is
 * known to be good. */
static wf_request_verdict verdict(const uint8_t *msg, size_t len, const uint8_t *signature,
                                  const uint8_t *client_id, uint64_t expiry_ms, uint64_t now_ms)
{
    if (crypto_sign_verify_detached(signature, msg, len, client_id) != 0) return WF_REQUEST_BAD_SIGNATURE;
    if (expiry_ms <= now_ms) return WF_REQUEST_EXPIRED;
    if (expiry_ms - now_ms > WF_REQUEST_MAX_TTL_MS) return WF_REQUEST_TOO_FAR_AHEAD;
    return WF_REQUEST_OK;
}

wf_request_verdict wf_sign_request_check(const wf_sign_request *r, uint64_t now_ms)
{
    uint8_t msg[WF_SIGN_REQUEST_SIGNED_MAX];
    if (!r || !shape_ok(r)) return WF_REQUEST_BAD_SIGNATURE;
    size_t len = wf_sign_request_signed_bytes(r, msg);
    return verdict(msg, len, r->signature, r->client_id, r->expiry_ms, now_ms);
}

const char *wf_request_verdict_str(wf_request_verdict v)
{
    switch (v) {
    case WF_REQUEST_OK: return "ok";
    case WF_REQUEST_BAD_SIGNATURE: return "the client signature does not verify";
    case WF_REQUEST_EXPIRED: return "the request has expired";
    case WF_REQUEST_TOO_FAR_AHEAD: return "the request's expiry is too far in the future";
    }
    return "unknown verdict";
}

wf_err wf_sign_request_context(const wf_sign_request *r, uint8_t out[32])
{
    if (!r || !out || !shape_ok(r)) return WF_ERR_ARG;
    uint8_t buf[16 + WF_ID_BYTES + 1 + 4 * WF_REQUEST_PATH_MAX], *p = buf;
    memcpy(p, "warifu/req-ctx/1", 16);
    p += 16;
    memcpy(p, r->key_id, WF_ID_BYTES);
    p += WF_ID_BYTES;
    *p++ = (uint8_t)r->path_len;
    for (size_t i = 0; i < r->path_len; i++) p = put_be(p, r->path[i], 4);
    return wf_sha256(out, buf, (size_t)(p - buf));
}

/* ---- keygen requests ---- */

/* A committee's shape (its meaning is the node's to check): at most 64
 * node indices and ranks below 64, a threshold only with members. */
static int committee_shape_ok(uint32_t n, const uint32_t *members, uint32_t threshold, const uint32_t *ranks)
{
    if (n > WF_MAX_MEMBERS || (n == 0 && threshold != 0) || threshold > WF_MAX_MEMBERS)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        if (members[i] >= WF_MAX_MEMBERS || ranks[i] >= WF_MAX_MEMBERS) return 0;
    return 1;
}

/* n ‖ n node indices ‖ threshold ‖ n ranks, one byte each; nothing for n = 0. */
static uint8_t *put_committee(uint8_t *p, uint32_t n, const uint32_t *members, uint32_t threshold,
                              const uint32_t *ranks)
{
    if (n == 0) return p;
    *p++ = (uint8_t)n;
    for (uint32_t i = 0; i < n; i++) *p++ = (uint8_t)members[i];
    *p++ = (uint8_t)threshold;
    for (uint32_t i = 0; i < n; i++) *p++ = (uint8_t)ranks[i];
    return p;
}

static int keygen_shape_ok(const wf_keygen_request *r)
{
    return r->request_id_len != 0 && r->request_id_len <= WF_REQUEST_ID_MAX &&
           committee_shape_ok(r->n_members, r->members, r->threshold, r->ranks);
}

size_t wf_keygen_request_signed_bytes(const wf_keygen_request *r, uint8_t *out)
{
    uint8_t *p = out;
    memcpy(p, KEYGEN_TAG, sizeof KEYGEN_TAG);
    p += sizeof KEYGEN_TAG;
    *p++ = (uint8_t)r->request_id_len;
    memcpy(p, r->request_id, r->request_id_len);
    p += r->request_id_len;
    p = put_be(p, r->expiry_ms, 8);
    memcpy(p, r->client_id, WF_IDENTITY_PK_BYTES);
    p += WF_IDENTITY_PK_BYTES;
    p = put_committee(p, r->n_members, r->members, r->threshold, r->ranks);
    return (size_t)(p - out);
}

wf_err wf_keygen_request_sign(wf_keygen_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES])
{
    if (!r || !client_sk || !keygen_shape_ok(r)) return WF_ERR_ARG;
    uint8_t msg[WF_KEYGEN_REQUEST_SIGNED_MAX];
    crypto_sign_ed25519_sk_to_pk(r->client_id, client_sk);
    size_t len = wf_keygen_request_signed_bytes(r, msg);
    crypto_sign_detached(r->signature, NULL, msg, len, client_sk);
    return WF_OK;
}

wf_err wf_keygen_request_encode(const wf_keygen_request *r, uint8_t **out, size_t *out_len)
{
    if (!r || !out || !out_len || !keygen_shape_ok(r)) return WF_ERR_ARG;
    Warifu__Wire__KeygenRequest m = WARIFU__WIRE__KEYGEN_REQUEST__INIT;
    m.request_id = (ProtobufCBinaryData){r->request_id_len, (uint8_t *)r->request_id};
    m.expiry_ms = r->expiry_ms;
    m.client_id = (ProtobufCBinaryData){WF_IDENTITY_PK_BYTES, (uint8_t *)r->client_id};
    m.signature = (ProtobufCBinaryData){WF_SIGNATURE_BYTES, (uint8_t *)r->signature};
    m.n_members = r->n_members;
    m.members = (uint32_t *)r->members;
    m.threshold = r->threshold;
    m.n_ranks = r->n_members;
    m.ranks = (uint32_t *)r->ranks;
    size_t len = warifu__wire__keygen_request__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return WF_ERR_NOMEM;
    warifu__wire__keygen_request__pack(&m, buf);
    *out = buf;
    *out_len = len;
    return WF_OK;
}

wf_err wf_keygen_request_decode(wf_keygen_request *r, const uint8_t *in, size_t len)
{
    if (!r || !in) return WF_ERR_ARG;
    memset(r, 0, sizeof *r);
    Warifu__Wire__KeygenRequest *m =
        (Warifu__Wire__KeygenRequest *)wf_wire_unpack(&warifu__wire__keygen_request__descriptor, in, len);
    if (!m) return WF_ERR_ENCODING;
    wf_err err = WF_OK;
    if (m->request_id.len == 0 || m->request_id.len > WF_REQUEST_ID_MAX ||
        !copy_exact(r->client_id, &m->client_id, WF_IDENTITY_PK_BYTES) ||
        !copy_exact(r->signature, &m->signature, WF_SIGNATURE_BYTES) || m->n_members != m->n_ranks ||
        m->n_members > WF_MAX_MEMBERS ||
        !committee_shape_ok((uint32_t)m->n_members, m->members, m->threshold, m->ranks)) {
        err = WF_ERR_ENCODING;
    } else {
        r->request_id_len = m->request_id.len;
        memcpy(r->request_id, m->request_id.data, m->request_id.len);
        r->expiry_ms = m->expiry_ms;
        r->n_members = (uint32_t)m->n_members;
        r->threshold = m->threshold;
        for (size_t i = 0; i < m->n_members; i++) {
            r->members[i] = m->members[i];
            r->ranks[i] = m->ranks[i];
        }
    }
    protobuf_c_message_free_unpacked(&m->base, NULL);
    if (err) memset(r, 0, sizeof *r);
    return err;
}

wf_request_verdict wf_keygen_request_check(const wf_keygen_request *r, uint64_t now_ms)
{
    uint8_t msg[WF_KEYGEN_REQUEST_SIGNED_MAX];
    if (!r || !keygen_shape_ok(r)) return WF_REQUEST_BAD_SIGNATURE;
    size_t len = wf_keygen_request_signed_bytes(r, msg);
    return verdict(msg, len, r->signature, r->client_id, r->expiry_ms, now_ms);
}

wf_err wf_keygen_key_id(uint8_t out[WF_ID_BYTES], const uint8_t cluster_id[WF_ID_BYTES],
                        const wf_keygen_request *r)
{
    if (!out || !cluster_id || !r || !keygen_shape_ok(r)) return WF_ERR_ARG;
    uint8_t buf[sizeof KEY_ID_TAG - 1 + WF_ID_BYTES + WF_IDENTITY_PK_BYTES + 1 + WF_REQUEST_ID_MAX +
                WF_COMMITTEE_BYTES_MAX],
        *p = buf;
    memcpy(p, KEY_ID_TAG, sizeof KEY_ID_TAG - 1);
    p += sizeof KEY_ID_TAG - 1;
    memcpy(p, cluster_id, WF_ID_BYTES);
    p += WF_ID_BYTES;
    memcpy(p, r->client_id, WF_IDENTITY_PK_BYTES);
    p += WF_IDENTITY_PK_BYTES;
    *p++ = (uint8_t)r->request_id_len;
    memcpy(p, r->request_id, r->request_id_len);
    p += r->request_id_len;
    p = put_committee(p, r->n_members, r->members, r->threshold, r->ranks);
    return wf_sha256(out, buf, (size_t)(p - buf));
}

/* ---- refresh requests ---- */

static int refresh_shape_ok(const wf_refresh_request *r)
{
    return r->request_id_len != 0 && r->request_id_len <= WF_REQUEST_ID_MAX;
}

size_t wf_refresh_request_signed_bytes(const wf_refresh_request *r, uint8_t *out)
{
    uint8_t *p = out;
    memcpy(p, REFRESH_TAG, sizeof REFRESH_TAG);
    p += sizeof REFRESH_TAG;
    *p++ = (uint8_t)r->request_id_len;
    memcpy(p, r->request_id, r->request_id_len);
    p += r->request_id_len;
    memcpy(p, r->key_id, WF_ID_BYTES);
    p += WF_ID_BYTES;
    p = put_be(p, r->expiry_ms, 8);
    memcpy(p, r->client_id, WF_IDENTITY_PK_BYTES);
    p += WF_IDENTITY_PK_BYTES;
    return (size_t)(p - out);
}

wf_err wf_refresh_request_sign(wf_refresh_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES])
{
    if (!r || !client_sk || !refresh_shape_ok(r)) return WF_ERR_ARG;
    uint8_t msg[WF_REFRESH_REQUEST_SIGNED_MAX];
    crypto_sign_ed25519_sk_to_pk(r->client_id, client_sk);
    size_t len = wf_refresh_request_signed_bytes(r, msg);
    crypto_sign_detached(r->signature, NULL, msg, len, client_sk);
    return WF_OK;
}

wf_err wf_refresh_request_encode(const wf_refresh_request *r, uint8_t **out, size_t *out_len)
{
    if (!r || !out || !out_len || !refresh_shape_ok(r)) return WF_ERR_ARG;
    Warifu__Wire__RefreshRequest m = WARIFU__WIRE__REFRESH_REQUEST__INIT;
    m.request_id = (ProtobufCBinaryData){r->request_id_len, (uint8_t *)r->request_id};
    m.key_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)r->key_id};
    m.expiry_ms = r->expiry_ms;
    m.client_id = (ProtobufCBinaryData){WF_IDENTITY_PK_BYTES, (uint8_t *)r->client_id};
    m.signature = (ProtobufCBinaryData){WF_SIGNATURE_BYTES, (uint8_t *)r->signature};
    size_t len = warifu__wire__refresh_request__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return WF_ERR_NOMEM;
    warifu__wire__refresh_request__pack(&m, buf);
    *out = buf;
    *out_len = len;
    return WF_OK;
}

wf_err wf_refresh_request_decode(wf_refresh_request *r, const uint8_t *in, size_t len)
{
    if (!r || !in) return WF_ERR_ARG;
    memset(r, 0, sizeof *r);
    Warifu__Wire__RefreshRequest *m =
        (Warifu__Wire__RefreshRequest *)wf_wire_unpack(&warifu__wire__refresh_request__descriptor, in, len);
    if (!m) return WF_ERR_ENCODING;
    wf_err err = WF_OK;
    if (m->request_id.len == 0 || m->request_id.len > WF_REQUEST_ID_MAX ||
        !copy_exact(r->key_id, &m->key_id, WF_ID_BYTES) ||
        !copy_exact(r->client_id, &m->client_id, WF_IDENTITY_PK_BYTES) ||
        !copy_exact(r->signature, &m->signature, WF_SIGNATURE_BYTES)) {
        err = WF_ERR_ENCODING;
    } else {
        r->request_id_len = m->request_id.len;
        memcpy(r->request_id, m->request_id.data, m->request_id.len);
        r->expiry_ms = m->expiry_ms;
    }
    protobuf_c_message_free_unpacked(&m->base, NULL);
    if (err) memset(r, 0, sizeof *r);
    return err;
}

wf_request_verdict wf_refresh_request_check(const wf_refresh_request *r, uint64_t now_ms)
{
    uint8_t msg[WF_REFRESH_REQUEST_SIGNED_MAX];
    if (!r || !refresh_shape_ok(r)) return WF_REQUEST_BAD_SIGNATURE;
    size_t len = wf_refresh_request_signed_bytes(r, msg);
    return verdict(msg, len, r->signature, r->client_id, r->expiry_ms, now_ms);
}

/* ---- reshare requests ---- */

_Static_assert(sizeof RESHARE_TAG + 1 + WF_REQUEST_ID_MAX + WF_ID_BYTES + WF_COMMITTEE_BYTES_MAX + 8 +
                       WF_IDENTITY_PK_BYTES ==
                   WF_RESHARE_REQUEST_SIGNED_MAX,
               "reshare request signed bytes");

static int reshare_shape_ok(const wf_reshare_request *r)
{
    return r->request_id_len != 0 && r->request_id_len <= WF_REQUEST_ID_MAX && r->n_members >= 2 &&
           r->threshold >= 1 && committee_shape_ok(r->n_members, r->members, r->threshold, r->ranks);
}

size_t wf_reshare_request_signed_bytes(const wf_reshare_request *r, uint8_t *out)
{
    uint8_t *p = out;
    memcpy(p, RESHARE_TAG, sizeof RESHARE_TAG);
    p += sizeof RESHARE_TAG;
    *p++ = (uint8_t)r->request_id_len;
    memcpy(p, r->request_id, r->request_id_len);
    p += r->request_id_len;
    memcpy(p, r->key_id, WF_ID_BYTES);
    p += WF_ID_BYTES;
    p = put_committee(p, r->n_members, r->members, r->threshold, r->ranks);
    p = put_be(p, r->expiry_ms, 8);
    memcpy(p, r->client_id, WF_IDENTITY_PK_BYTES);
    p += WF_IDENTITY_PK_BYTES;
    return (size_t)(p - out);
}

wf_err wf_reshare_request_sign(wf_reshare_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES])
{
    if (!r || !client_sk || !reshare_shape_ok(r)) return WF_ERR_ARG;
    uint8_t msg[WF_RESHARE_REQUEST_SIGNED_MAX];
    crypto_sign_ed25519_sk_to_pk(r->client_id, client_sk);
    size_t len = wf_reshare_request_signed_bytes(r, msg);
    crypto_sign_detached(r->signature, NULL, msg, len, client_sk);
    return WF_OK;
}

wf_err wf_reshare_request_encode(const wf_reshare_request *r, uint8_t **out, size_t *out_len)
{
    if (!r || !out || !out_len || !reshare_shape_ok(r)) return WF_ERR_ARG;
    Warifu__Wire__ReshareRequest m = WARIFU__WIRE__RESHARE_REQUEST__INIT;
    m.request_id = (ProtobufCBinaryData){r->request_id_len, (uint8_t *)r->request_id};
    m.key_id = (ProtobufCBinaryData){WF_ID_BYTES, (uint8_t *)r->key_id};
    m.n_members = r->n_members;
    m.members = (uint32_t *)r->members;
    m.threshold = r->threshold;
    m.n_ranks = r->n_members;
    m.ranks = (uint32_t *)r->ranks;
    m.expiry_ms = r->expiry_ms;
    m.client_id = (ProtobufCBinaryData){WF_IDENTITY_PK_BYTES, (uint8_t *)r->client_id};
    m.signature = (ProtobufCBinaryData){WF_SIGNATURE_BYTES, (uint8_t *)r->signature};
    size_t len = warifu__wire__reshare_request__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return WF_ERR_NOMEM;
    warifu__wire__reshare_request__pack(&m, buf);
    *out = buf;
    *out_len = len;
    return WF_OK;
}

wf_err wf_reshare_request_decode(wf_reshare_request *r, const uint8_t *in, size_t len)
{
    if (!r || !in) return WF_ERR_ARG;
    memset(r, 0, sizeof *r);
    Warifu__Wire__ReshareRequest *m =
        (Warifu__Wire__ReshareRequest *)wf_wire_unpack(&warifu__wire__reshare_request__descriptor, in, len);
    if (!m) return WF_ERR_ENCODING;
    wf_err err = WF_OK;
    if (m->request_id.len == 0 || m->request_id.len > WF_REQUEST_ID_MAX ||
        !copy_exact(r->key_id, &m->key_id, WF_ID_BYTES) ||
        !copy_exact(r->client_id, &m->client_id, WF_IDENTITY_PK_BYTES) ||
        !copy_exact(r->signature, &m->signature, WF_SIGNATURE_BYTES) || m->n_members != m->n_ranks ||
        m->n_members < 2 || m->n_members > WF_MAX_MEMBERS || m->threshold < 1 ||
        !committee_shape_ok((uint32_t)m->n_members, m->members, m->threshold, m->ranks)) {
        err = WF_ERR_ENCODING;
    } else {
        r->request_id_len = m->request_id.len;
        memcpy(r->request_id, m->request_id.data, m->request_id.len);
        r->n_members = (uint32_t)m->n_members;
        r->threshold = m->threshold;
        for (size_t i = 0; i < m->n_members; i++) {
            r->members[i] = m->members[i];
            r->ranks[i] = m->ranks[i];
        }
        r->expiry_ms = m->expiry_ms;
    }
    protobuf_c_message_free_unpacked(&m->base, NULL);
    if (err) memset(r, 0, sizeof *r);
    return err;
}

wf_request_verdict wf_reshare_request_check(const wf_reshare_request *r, uint64_t now_ms)
{
    uint8_t msg[WF_RESHARE_REQUEST_SIGNED_MAX];
    if (!r || !reshare_shape_ok(r)) return WF_REQUEST_BAD_SIGNATURE;
    size_t len = wf_reshare_request_signed_bytes(r, msg);
    return verdict(msg, len, r->signature, r->client_id, r->expiry_ms, now_ms);
}

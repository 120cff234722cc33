/* Client requests (sign, keygen, refresh, reshare): canonical signed bytes, protobuf
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
_Static_assert(sizeof RESHARE_TAG + 1 + WF_REQUEST_ID_MAX + WF_ID_BYTES + WF_COMMITTEE_BYTES_MAX + 8 +
                       WF_IDENTITY_PK_BYTES ==
                   WF_RESHARE_REQUEST_SIGNED_MAX,
               "reshare request signed bytes");

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

/* ---- the lifecycle requests: keygen, refresh, reshare ----
 *
 * The three share one shape: a request id, an expiry, the client's id and
 * signature, and a key id (refresh, reshare), a committee (keygen, reshare)
 * or both. A view names where one request keeps each field, which fields it
 * has and where its committee stands in the signed bytes; the signed bytes,
 * signing, check and codec below work on views, so the three cannot drift
 * apart. The codec finds the message's fields by their .proto names (the
 * same in the three messages) through protobuf-c's descriptors. */

enum committee_at {
    COMMITTEE_NONE,          /* refresh: no committee */
    COMMITTEE_BEFORE_EXPIRY, /* reshare: … key id ‖ committee ‖ be64 expiry ‖ client id */
    COMMITTEE_LAST,          /* keygen: … be64 expiry ‖ client id ‖ committee (nothing without one) */
};

/* A view of a request; desc is NULL for none (the request pointer was
 * NULL). A view writes into its request only through view_sign and
 * view_decode, which the public functions call with a request they may
 * write. */
typedef struct req_view {
    const char *tag; /* the request's domain, signed with its NUL */
    size_t tag_bytes;
    const ProtobufCMessageDescriptor *desc;
    void *request;
    size_t request_size;
    uint8_t *request_id;
    size_t *request_id_len;
    uint8_t *key_id; /* NULL: the request names no key */
    enum committee_at committee;
    uint32_t min_members, min_threshold; /* with a committee */
    uint32_t *n_members, *members, *threshold, *ranks;
    uint64_t *expiry_ms;
    uint8_t *client_id;
    uint8_t *signature;
} req_view;

#define LIFECYCLE_SIGNED_MAX WF_RESHARE_REQUEST_SIGNED_MAX
_Static_assert(LIFECYCLE_SIGNED_MAX >= WF_KEYGEN_REQUEST_SIGNED_MAX &&
                   LIFECYCLE_SIGNED_MAX >= WF_REFRESH_REQUEST_SIGNED_MAX,
               "one buffer holds the signed bytes of every lifecycle request");

/* The fields every view has, of request r (NULL: no view). */
#define VIEW_OF(r, tag_, desc_)                                                                              \
    .tag = (tag_), .tag_bytes = sizeof(tag_), .desc = (desc_), .request = (void *)(r),                      \
    .request_size = sizeof *(r), .request_id = (uint8_t *)(r)->request_id,                                   \
    .request_id_len = (size_t *)&(r)->request_id_len, .expiry_ms = (uint64_t *)&(r)->expiry_ms,              \
    .client_id = (uint8_t *)(r)->client_id, .signature = (uint8_t *)(r)->signature

static req_view keygen_view(const wf_keygen_request *r)
{
    if (!r) return (req_view){.desc = NULL};
    return (req_view){VIEW_OF(r, KEYGEN_TAG, &warifu__wire__keygen_request__descriptor),
                      .committee = COMMITTEE_LAST,
                      .n_members = (uint32_t *)&r->n_members,
                      .members = (uint32_t *)r->members,
                      .threshold = (uint32_t *)&r->threshold,
                      .ranks = (uint32_t *)r->ranks};
}

static req_view refresh_view(const wf_refresh_request *r)
{
    if (!r) return (req_view){.desc = NULL};
    return (req_view){VIEW_OF(r, REFRESH_TAG, &warifu__wire__refresh_request__descriptor),
                      .key_id = (uint8_t *)r->key_id,
                      .committee = COMMITTEE_NONE};
}

static req_view reshare_view(const wf_reshare_request *r)
{
    if (!r) return (req_view){.desc = NULL};
    return (req_view){VIEW_OF(r, RESHARE_TAG, &warifu__wire__reshare_request__descriptor),
                      .key_id = (uint8_t *)r->key_id,
                      .committee = COMMITTEE_BEFORE_EXPIRY,
                      .min_members = 2,
                      .min_threshold = 1,
                      .n_members = (uint32_t *)&r->n_members,
                      .members = (uint32_t *)r->members,
                      .threshold = (uint32_t *)&r->threshold,
                      .ranks = (uint32_t *)r->ranks};
}

static int view_shape_ok(req_view v)
{
    if (!v.desc || *v.request_id_len == 0 || *v.request_id_len > WF_REQUEST_ID_MAX) return 0;
    if (v.committee == COMMITTEE_NONE) return 1;
    return *v.n_members >= v.min_members && *v.threshold >= v.min_threshold &&
           committee_shape_ok(*v.n_members, v.members, *v.threshold, v.ranks);
}

static uint8_t *view_put_committee(req_view v, uint8_t *p)
{
    return put_committee(p, *v.n_members, v.members, *v.threshold, v.ranks);
}

static size_t view_signed_bytes(req_view v, uint8_t *out)
{
    if (!v.desc) return 0;
    uint8_t *p = out;
    memcpy(p, v.tag, v.tag_bytes);
    p += v.tag_bytes;
    *p++ = (uint8_t)*v.request_id_len;
    memcpy(p, v.request_id, *v.request_id_len);
    p += *v.request_id_len;
    if (v.key_id) {
        memcpy(p, v.key_id, WF_ID_BYTES);
        p += WF_ID_BYTES;
    }
    if (v.committee == COMMITTEE_BEFORE_EXPIRY) p = view_put_committee(v, p);
    p = put_be(p, *v.expiry_ms, 8);
    memcpy(p, v.client_id, WF_IDENTITY_PK_BYTES);
    p += WF_IDENTITY_PK_BYTES;
    if (v.committee == COMMITTEE_LAST) p = view_put_committee(v, p);
    return (size_t)(p - out);
}

static wf_err view_sign(req_view v, const uint8_t client_sk[WF_IDENTITY_SK_BYTES])
{
    if (!client_sk || !view_shape_ok(v)) return WF_ERR_ARG;
    uint8_t msg[LIFECYCLE_SIGNED_MAX];
    crypto_sign_ed25519_sk_to_pk(v.client_id, client_sk);
    size_t len = view_signed_bytes(v, msg);
    crypto_sign_detached(v.signature, NULL, msg, len, client_sk);
    return WF_OK;
}

static wf_request_verdict view_check(req_view v, uint64_t now_ms)
{
    uint8_t msg[LIFECYCLE_SIGNED_MAX];
    if (!view_shape_ok(v)) return WF_REQUEST_BAD_SIGNATURE;
    size_t len = view_signed_bytes(v, msg);
    return verdict(msg, len, v.signature, v.client_id, *v.expiry_ms, now_ms);
}

/* Where message m keeps its field called name, if it has one of that type
 * (repeated exactly when count is given, which then points at the count). */
static void *field_at(ProtobufCMessage *m, const char *name, ProtobufCType type, size_t **count)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    if (!f || f->type != type || (f->label == PROTOBUF_C_LABEL_REPEATED) != (count != NULL)) return NULL;
    if (count) *count = (size_t *)((uint8_t *)m + f->quantifier_offset);
    return (uint8_t *)m + f->offset;
}

static int put_bytes(ProtobufCMessage *m, const char *name, uint8_t *data, size_t len)
{
    ProtobufCBinaryData *f = field_at(m, name, PROTOBUF_C_TYPE_BYTES, NULL);
    if (f) *f = (ProtobufCBinaryData){len, data};
    return f != NULL;
}

static int put_u32s(ProtobufCMessage *m, const char *name, uint32_t *values, size_t n)
{
    size_t *count = NULL;
    uint32_t **f = field_at(m, name, PROTOBUF_C_TYPE_UINT32, &count);
    if (f) {
        *f = values;
        *count = n;
    }
    return f != NULL;
}

/* Points m's fields at v's (m borrows them: it is packed, never freed). */
static int view_to_message(req_view v, ProtobufCMessage *m)
{
    uint64_t *expiry = field_at(m, "expiry_ms", PROTOBUF_C_TYPE_UINT64, NULL);
    if (!expiry || !put_bytes(m, "request_id", v.request_id, *v.request_id_len) ||
        !put_bytes(m, "client_id", v.client_id, WF_IDENTITY_PK_BYTES) ||
        !put_bytes(m, "signature", v.signature, WF_SIGNATURE_BYTES) ||
        (v.key_id && !put_bytes(m, "key_id", v.key_id, WF_ID_BYTES)))
        return 0;
    *expiry = *v.expiry_ms;
    if (v.committee == COMMITTEE_NONE) return 1;
    uint32_t *threshold = field_at(m, "threshold", PROTOBUF_C_TYPE_UINT32, NULL);
    if (!threshold || !put_u32s(m, "members", v.members, *v.n_members) ||
        !put_u32s(m, "ranks", v.ranks, *v.n_members))
        return 0;
    *threshold = *v.threshold;
    return 1;
}

static wf_err view_encode(req_view v, uint8_t **out, size_t *out_len)
{
    if (!out || !out_len || !view_shape_ok(v)) return WF_ERR_ARG;
    ProtobufCMessage *m = malloc(v.desc->sizeof_message);
    if (!m) return WF_ERR_NOMEM;
    protobuf_c_message_init(v.desc, m);
    wf_err err = WF_ERR_ARG; /* only when the view names a field the message lacks */
    if (view_to_message(v, m)) {
        size_t len = protobuf_c_message_get_packed_size(m);
        uint8_t *buf = malloc(len ? len : 1);
        err = WF_ERR_NOMEM;
        if (buf) {
            protobuf_c_message_pack(m, buf);
            *out = buf;
            *out_len = len;
            err = WF_OK;
        }
    }
    free(m);
    return err;
}

static int get_exact(ProtobufCMessage *m, const char *name, uint8_t *dst, size_t len)
{
    const ProtobufCBinaryData *f = field_at(m, name, PROTOBUF_C_TYPE_BYTES, NULL);
    return f && copy_exact(dst, f, len);
}

/* Fills v from m: every size exact or in range, as many ranks as members,
 * the view's shape. */
static int view_from_message(req_view v, ProtobufCMessage *m)
{
    const ProtobufCBinaryData *id = field_at(m, "request_id", PROTOBUF_C_TYPE_BYTES, NULL);
    const uint64_t *expiry = field_at(m, "expiry_ms", PROTOBUF_C_TYPE_UINT64, NULL);
    if (!id || !expiry || id->len == 0 || id->len > WF_REQUEST_ID_MAX ||
        !get_exact(m, "client_id", v.client_id, WF_IDENTITY_PK_BYTES) ||
        !get_exact(m, "signature", v.signature, WF_SIGNATURE_BYTES) ||
        (v.key_id && !get_exact(m, "key_id", v.key_id, WF_ID_BYTES)))
        return 0;
    *v.request_id_len = id->len;
    memcpy(v.request_id, id->data, id->len);
    *v.expiry_ms = *expiry;
    if (v.committee == COMMITTEE_NONE) return 1;
    size_t *n = NULL, *n_ranks = NULL;
    const uint32_t *const *members = field_at(m, "members", PROTOBUF_C_TYPE_UINT32, &n);
    const uint32_t *const *ranks = field_at(m, "ranks", PROTOBUF_C_TYPE_UINT32, &n_ranks);
    const uint32_t *threshold = field_at(m, "threshold", PROTOBUF_C_TYPE_UINT32, NULL);
    if (!members || !ranks || !threshold || *n != *n_ranks || *n > WF_MAX_MEMBERS) return 0;
    *v.n_members = (uint32_t)*n;
    *v.threshold = *threshold;
    for (size_t i = 0; i < *n; i++) {
        v.members[i] = (*members)[i];
        v.ranks[i] = (*ranks)[i];
    }
    return view_shape_ok(v);
}

/* Strict decode into v's request (unknown fields refused by
 * wf_wire_unpack); on any error the request is left zeroed. */
static wf_err view_decode(req_view v, const uint8_t *in, size_t len)
{
    if (!v.desc || !in) return WF_ERR_ARG;
    memset(v.request, 0, v.request_size);
    ProtobufCMessage *m = wf_wire_unpack(v.desc, in, len);
    wf_err err = m && view_from_message(v, m) ? WF_OK : WF_ERR_ENCODING;
    if (m) protobuf_c_message_free_unpacked(m, NULL);
    if (err) memset(v.request, 0, v.request_size);
    return err;
}

/* The public functions of one kind of lifecycle request, declared and
 * documented in client_request.h: wf_<kind>_request_signed_bytes, _sign,
 * _encode, _decode and _check, each the view function on <kind>_view(r). */
#define LIFECYCLE_REQUEST_FUNCTIONS(kind)                                                                    \
    size_t wf_##kind##_request_signed_bytes(const wf_##kind##_request *r, uint8_t *out)                      \
    {                                                                                                        \
        return view_signed_bytes(kind##_view(r), out);                                                       \
    }                                                                                                        \
    wf_err wf_##kind##_request_sign(wf_##kind##_request *r, const uint8_t client_sk[WF_IDENTITY_SK_BYTES])   \
    {                                                                                                        \
        return view_sign(kind##_view(r), client_sk);                                                         \
    }                                                                                                        \
    wf_err wf_##kind##_request_encode(const wf_##kind##_request *r, uint8_t **out, size_t *out_len)          \
    {                                                                                                        \
        return view_encode(kind##_view(r), out, out_len);                                                    \
    }                                                                                                        \
    wf_err wf_##kind##_request_decode(wf_##kind##_request *r, const uint8_t *in, size_t len)                 \
    {                                                                                                        \
        return view_decode(kind##_view(r), in, len);                                                         \
    }                                                                                                        \
    wf_request_verdict wf_##kind##_request_check(const wf_##kind##_request *r, uint64_t now_ms)              \
    {                                                                                                        \
        return view_check(kind##_view(r), now_ms);                                                           \
    }

LIFECYCLE_REQUEST_FUNCTIONS(keygen)
LIFECYCLE_REQUEST_FUNCTIONS(refresh)
LIFECYCLE_REQUEST_FUNCTIONS(reshare)

wf_err wf_keygen_key_id(uint8_t out[WF_ID_BYTES], const uint8_t cluster_id[WF_ID_BYTES],
                        const wf_keygen_request *r)
{
    if (!out || !cluster_id || !r || !view_shape_ok(keygen_view(r))) return WF_ERR_ARG;
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

/* protocol/client_request.c: a signed request (to sign, or to create a
 * key) survives encode/decode and checks; any change to what was signed, an
 * expired or far-future request, and malformed encodings are refused; keygen
 * key ids are the documented hash and differ whenever what they bind does. */
#include <sodium.h>
#include <string.h>

#include "crypto/secmem.h"
#include "protocol/client_request.h"
#include "protocol/proto/client.pb-c.h"
#include "tests/check.h"

static uint8_t SK[WF_IDENTITY_SK_BYTES], PK[WF_IDENTITY_PK_BYTES];
static const uint64_t NOW = 1790000000000ull;

static wf_sign_request make(void)
{
    wf_sign_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "withdrawal-000042", 17);
    r.request_id_len = 17;
    memset(r.key_id, 0x4b, sizeof r.key_id);
    r.path[0] = 0;
    r.path[1] = 7;
    r.path_len = 2;
    for (int i = 0; i < 32; i++) r.digest[i] = (uint8_t)i;
    r.expiry_ms = NOW + 60000;
    REQUIRE(wf_sign_request_sign(&r, SK) == WF_OK);
    return r;
}

static void test_round_trip(void)
{
    wf_sign_request r = make(), back;
    CHECK(memcmp(r.client_id, PK, 32) == 0);
    CHECK(wf_sign_request_check(&r, NOW) == WF_REQUEST_OK);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_OK(wf_sign_request_encode(&r, &buf, &len));
    CHECK_OK(wf_sign_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    CHECK(wf_sign_request_check(&back, NOW) == WF_REQUEST_OK);

    /* every single-bit change of the encoding is refused by decode or check */
    int refused = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            wf_sign_request x;
            if (wf_sign_request_decode(&x, buf, len) != WF_OK || wf_sign_request_check(&x, NOW) != WF_REQUEST_OK)
                refused++;
            buf[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(refused == (int)len * 8);
    /* truncations and trailing garbage */
    for (size_t cut = 0; cut < len; cut++) {
        wf_sign_request x;
        wf_err err = wf_sign_request_decode(&x, buf, cut);
        CHECK(err != WF_OK || wf_sign_request_check(&x, NOW) != WF_REQUEST_OK);
    }
    uint8_t *longer = malloc(len + 3);
    memcpy(longer, buf, len);
    memcpy(longer + len, "\x78\x01\x02", 3); /* an unknown field 15 */
    wf_sign_request x;
    CHECK_ERR(wf_sign_request_decode(&x, longer, len + 3), WF_ERR_ENCODING);
    free(longer);
    free(buf);
}

static void test_fields_are_signed(void)
{
    wf_sign_request r = make(), x;
    x = r;
    x.digest[0] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.path[1] = 8;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.path_len = 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.expiry_ms += 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.request_id[0] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.key_id[31] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    /* another client's key in client_id */
    x = r;
    x.client_id[0] ^= 1;
    CHECK(wf_sign_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
}

static void test_expiry(void)
{
    wf_sign_request r = make();
    CHECK(wf_sign_request_check(&r, r.expiry_ms - 1) == WF_REQUEST_OK);
    CHECK(wf_sign_request_check(&r, r.expiry_ms) == WF_REQUEST_EXPIRED);
    CHECK(wf_sign_request_check(&r, r.expiry_ms + 100000) == WF_REQUEST_EXPIRED);
    CHECK(wf_sign_request_check(&r, r.expiry_ms - WF_REQUEST_MAX_TTL_MS) == WF_REQUEST_OK);
    CHECK(wf_sign_request_check(&r, r.expiry_ms - WF_REQUEST_MAX_TTL_MS - 1) == WF_REQUEST_TOO_FAR_AHEAD);
    CHECK(strstr(wf_request_verdict_str(WF_REQUEST_EXPIRED), "expired") != NULL);
}

static void test_shape(void)
{
    wf_sign_request r = make();
    r.path[0] = 0x80000000u; /* hardened */
    CHECK_ERR(wf_sign_request_sign(&r, SK), WF_ERR_ARG);
    uint8_t *buf;
    size_t len;
    CHECK_ERR(wf_sign_request_encode(&r, &buf, &len), WF_ERR_ARG);
    r = make();
    r.request_id_len = 0;
    CHECK_ERR(wf_sign_request_sign(&r, SK), WF_ERR_ARG);
    r = make();
    r.path_len = WF_REQUEST_PATH_MAX + 1;
    CHECK_ERR(wf_sign_request_sign(&r, SK), WF_ERR_ARG);

    /* contexts: same key and path → same; any difference → different */
    wf_sign_request a = make(), b = make();
    uint8_t ca[32], cb[32];
    b.digest[0] ^= 1; /* the digest is not part of the context */
    CHECK_OK(wf_sign_request_context(&a, ca));
    CHECK_OK(wf_sign_request_context(&b, cb));
    CHECK(memcmp(ca, cb, 32) == 0);
    b.path[1] = 8;
    CHECK_OK(wf_sign_request_context(&b, cb));
    CHECK(memcmp(ca, cb, 32) != 0);
    b = make();
    b.key_id[0] ^= 1;
    CHECK_OK(wf_sign_request_context(&b, cb));
    CHECK(memcmp(ca, cb, 32) != 0);
}

/* ---- keygen requests ---- */

static wf_keygen_request make_keygen(void)
{
    wf_keygen_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "new-hot-wallet-7", 16);
    r.request_id_len = 16;
    r.expiry_ms = NOW + 60000;
    REQUIRE(wf_keygen_request_sign(&r, SK) == WF_OK);
    return r;
}

static void test_keygen_round_trip(void)
{
    wf_keygen_request r = make_keygen(), back;
    CHECK(memcmp(r.client_id, PK, 32) == 0);
    CHECK(wf_keygen_request_check(&r, NOW) == WF_REQUEST_OK);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_OK(wf_keygen_request_encode(&r, &buf, &len));
    CHECK_OK(wf_keygen_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    CHECK(wf_keygen_request_check(&back, NOW) == WF_REQUEST_OK);

    /* every single-bit change of the encoding is refused by decode or check */
    int refused = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            wf_keygen_request x;
            if (wf_keygen_request_decode(&x, buf, len) != WF_OK ||
                wf_keygen_request_check(&x, NOW) != WF_REQUEST_OK)
                refused++;
            buf[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(refused == (int)len * 8);
    for (size_t cut = 0; cut < len; cut++) {
        wf_keygen_request x;
        wf_err err = wf_keygen_request_decode(&x, buf, cut);
        CHECK(err != WF_OK || wf_keygen_request_check(&x, NOW) != WF_REQUEST_OK);
    }
    uint8_t *longer = malloc(len + 3);
    memcpy(longer, buf, len);
    memcpy(longer + len, "\x78\x01\x02", 3); /* an unknown field 15 */
    wf_keygen_request x;
    CHECK_ERR(wf_keygen_request_decode(&x, longer, len + 3), WF_ERR_ENCODING);
    free(longer);
    /* a SignRequest's encoding is not a keygen request */
    wf_sign_request s = make();
    uint8_t *sbuf;
    size_t slen;
    CHECK_OK(wf_sign_request_encode(&s, &sbuf, &slen));
    CHECK(wf_keygen_request_decode(&x, sbuf, slen) != WF_OK);
    free(sbuf);
    free(buf);
}

/* Encodes a KeygenRequest with the given field sizes (bypassing the
 * encoder's checks) and decodes it. */
static wf_err decode_sized(size_t id_len, size_t client_len, size_t sig_len)
{
    uint8_t id[WF_REQUEST_ID_MAX + 1] = {1}, client[33] = {2}, sig[65] = {3};
    Warifu__Wire__KeygenRequest m = WARIFU__WIRE__KEYGEN_REQUEST__INIT;
    m.request_id = (ProtobufCBinaryData){id_len, id};
    m.expiry_ms = NOW;
    m.client_id = (ProtobufCBinaryData){client_len, client};
    m.signature = (ProtobufCBinaryData){sig_len, sig};
    uint8_t buf[256];
    size_t len = warifu__wire__keygen_request__pack(&m, buf);
    wf_keygen_request r;
    return wf_keygen_request_decode(&r, buf, len);
}

static void test_keygen_fields(void)
{
    wf_keygen_request r = make_keygen(), x;
    /* every field is signed */
    x = r;
    x.request_id[15] ^= 1;
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.request_id_len = 15;
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.expiry_ms += 1;
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.client_id[0] ^= 1;
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.signature[63] ^= 0x40;
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    /* signed by another key while naming ours */
    uint8_t pk2[32], sk2[64];
    crypto_sign_keypair(pk2, sk2);
    x = r;
    REQUIRE(wf_keygen_request_sign(&x, sk2) == WF_OK);
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_OK);
    memcpy(x.client_id, PK, 32);
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    /* the signature of a sign request over the same id and expiry does not carry over */
    wf_sign_request s = make();
    x = r;
    memcpy(x.request_id, s.request_id, s.request_id_len);
    x.request_id_len = s.request_id_len;
    x.expiry_ms = s.expiry_ms;
    memcpy(x.signature, s.signature, 64);
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    /* the signed bytes as documented */
    uint8_t msg[WF_KEYGEN_REQUEST_SIGNED_MAX];
    size_t n = wf_keygen_request_signed_bytes(&r, msg);
    CHECK(n == 25 + 1 + 16 + 8 + 32);
    CHECK(memcmp(msg, "warifu/keygen-request/v1", 25) == 0 && msg[25] == 16);
    CHECK(memcmp(msg + 26, r.request_id, 16) == 0);
    CHECK(msg[42] == (uint8_t)(r.expiry_ms >> 56) && msg[49] == (uint8_t)r.expiry_ms);
    CHECK(memcmp(msg + 50, PK, 32) == 0);

    /* expiry: the sign request's verdicts */
    CHECK(wf_keygen_request_check(&r, r.expiry_ms - 1) == WF_REQUEST_OK);
    CHECK(wf_keygen_request_check(&r, r.expiry_ms) == WF_REQUEST_EXPIRED);
    CHECK(wf_keygen_request_check(&r, r.expiry_ms + 100000) == WF_REQUEST_EXPIRED);
    CHECK(wf_keygen_request_check(&r, r.expiry_ms - WF_REQUEST_MAX_TTL_MS) == WF_REQUEST_OK);
    CHECK(wf_keygen_request_check(&r, r.expiry_ms - WF_REQUEST_MAX_TTL_MS - 1) == WF_REQUEST_TOO_FAR_AHEAD);

    /* shapes */
    x = r;
    x.request_id_len = 0;
    CHECK_ERR(wf_keygen_request_sign(&x, SK), WF_ERR_ARG);
    CHECK(wf_keygen_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x.request_id_len = WF_REQUEST_ID_MAX + 1;
    CHECK_ERR(wf_keygen_request_sign(&x, SK), WF_ERR_ARG);
    uint8_t *buf;
    size_t len;
    CHECK_ERR(wf_keygen_request_encode(&x, &buf, &len), WF_ERR_ARG);
    CHECK_OK(decode_sized(1, 32, 64));
    CHECK_OK(decode_sized(WF_REQUEST_ID_MAX, 32, 64));
    CHECK_ERR(decode_sized(0, 32, 64), WF_ERR_ENCODING);
    CHECK_ERR(decode_sized(WF_REQUEST_ID_MAX + 1, 32, 64), WF_ERR_ENCODING);
    CHECK_ERR(decode_sized(16, 31, 64), WF_ERR_ENCODING);
    CHECK_ERR(decode_sized(16, 33, 64), WF_ERR_ENCODING);
    CHECK_ERR(decode_sized(16, 32, 63), WF_ERR_ENCODING);
    CHECK_ERR(decode_sized(16, 32, 65), WF_ERR_ENCODING);
    CHECK_ERR(decode_sized(16, 0, 0), WF_ERR_ENCODING);
}

static void test_keygen_key_id(void)
{
    wf_keygen_request r = make_keygen(), x;
    uint8_t cluster[32], id[32], again[32], want[32];
    memset(cluster, 0xc1, sizeof cluster);
    CHECK_OK(wf_keygen_key_id(id, cluster, &r));
    /* SHA-256(tag ‖ cluster id ‖ client id ‖ len ‖ request id), computed here */
    crypto_hash_sha256_state st;
    uint8_t len_byte = (uint8_t)r.request_id_len;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)"warifu/keygen-key-id/v1", 23);
    crypto_hash_sha256_update(&st, cluster, 32);
    crypto_hash_sha256_update(&st, PK, 32);
    crypto_hash_sha256_update(&st, &len_byte, 1);
    crypto_hash_sha256_update(&st, r.request_id, r.request_id_len);
    crypto_hash_sha256_final(&st, want);
    CHECK(memcmp(id, want, 32) == 0);
    /* a retry (another expiry and signature) names the same key */
    x = r;
    x.expiry_ms += 5000;
    REQUIRE(wf_keygen_request_sign(&x, SK) == WF_OK);
    CHECK_OK(wf_keygen_key_id(again, cluster, &x));
    CHECK(memcmp(id, again, 32) == 0);
    /* another cluster, client or request id names another */
    cluster[31] ^= 1;
    CHECK_OK(wf_keygen_key_id(again, cluster, &r));
    CHECK(memcmp(id, again, 32) != 0);
    cluster[31] ^= 1;
    x = r;
    x.client_id[0] ^= 1;
    CHECK_OK(wf_keygen_key_id(again, cluster, &x));
    CHECK(memcmp(id, again, 32) != 0);
    x = r;
    x.request_id_len = 15;
    CHECK_OK(wf_keygen_key_id(again, cluster, &x));
    CHECK(memcmp(id, again, 32) != 0);
    x.request_id_len = 0;
    CHECK_ERR(wf_keygen_key_id(again, cluster, &x), WF_ERR_ARG);
}

/* ---- refresh requests ---- */

static wf_refresh_request make_refresh(void)
{
    wf_refresh_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "rotate-2026-q4", 14);
    r.request_id_len = 14;
    memset(r.key_id, 0x5a, sizeof r.key_id);
    r.expiry_ms = NOW + 60000;
    REQUIRE(wf_refresh_request_sign(&r, SK) == WF_OK);
    return r;
}

static void test_refresh_request(void)
{
    wf_refresh_request r = make_refresh(), back, x;
    CHECK(memcmp(r.client_id, PK, 32) == 0);
    CHECK(wf_refresh_request_check(&r, NOW) == WF_REQUEST_OK);
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_OK(wf_refresh_request_encode(&r, &buf, &len));
    CHECK_OK(wf_refresh_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);

    /* every single-bit change of the encoding is refused by decode or check */
    int refused = 0;
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            if (wf_refresh_request_decode(&x, buf, len) != WF_OK || wf_refresh_request_check(&x, NOW) != WF_REQUEST_OK)
                refused++;
            buf[i] ^= (uint8_t)(1u << bit);
        }
    CHECK(refused == (int)len * 8);
    for (size_t cut = 0; cut < len; cut++) {
        wf_err err = wf_refresh_request_decode(&x, buf, cut);
        CHECK(err != WF_OK || wf_refresh_request_check(&x, NOW) != WF_REQUEST_OK);
    }
    uint8_t *longer = malloc(len + 3);
    REQUIRE(longer != NULL);
    memcpy(longer, buf, len);
    memcpy(longer + len, "\x78\x01\x02", 3); /* an unknown field 15 */
    CHECK_ERR(wf_refresh_request_decode(&x, longer, len + 3), WF_ERR_ENCODING);
    free(longer);
    free(buf);

    /* every field is signed, the key id included */
    x = r;
    x.key_id[31] ^= 1;
    CHECK(wf_refresh_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.request_id[0] ^= 1;
    CHECK(wf_refresh_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.expiry_ms += 1;
    CHECK(wf_refresh_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    x = r;
    x.client_id[0] ^= 1;
    CHECK(wf_refresh_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);

    /* its own domain: a keygen request's signature over the same id and
     * expiry does not verify as a refresh */
    wf_keygen_request k = make_keygen();
    x = r;
    memcpy(x.request_id, k.request_id, k.request_id_len);
    x.request_id_len = k.request_id_len;
    x.expiry_ms = k.expiry_ms;
    memcpy(x.signature, k.signature, 64);
    CHECK(wf_refresh_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);

    /* the signed bytes as documented */
    uint8_t msg[WF_REFRESH_REQUEST_SIGNED_MAX];
    size_t n = wf_refresh_request_signed_bytes(&r, msg);
    CHECK(n == 26 + 1 + 14 + 32 + 8 + 32);
    CHECK(memcmp(msg, "warifu/refresh-request/v1", 26) == 0 && msg[26] == 14);
    CHECK(memcmp(msg + 27, r.request_id, 14) == 0 && memcmp(msg + 41, r.key_id, 32) == 0);
    CHECK(msg[73] == (uint8_t)(r.expiry_ms >> 56) && msg[80] == (uint8_t)r.expiry_ms);
    CHECK(memcmp(msg + 81, PK, 32) == 0);

    /* expiry as for sign and keygen */
    CHECK(wf_refresh_request_check(&r, r.expiry_ms) == WF_REQUEST_EXPIRED);
    CHECK(wf_refresh_request_check(&r, r.expiry_ms - WF_REQUEST_MAX_TTL_MS - 1) == WF_REQUEST_TOO_FAR_AHEAD);

    /* shapes */
    x = r;
    x.request_id_len = 0;
    CHECK_ERR(wf_refresh_request_sign(&x, SK), WF_ERR_ARG);
    CHECK_ERR(wf_refresh_request_encode(&x, &buf, &len), WF_ERR_ARG);
    CHECK(wf_refresh_request_check(&x, NOW) == WF_REQUEST_BAD_SIGNATURE);
    uint8_t id[WF_REQUEST_ID_MAX + 1] = {1}, key[33] = {2}, client[32] = {3}, sig[64] = {4}, out[256];
    size_t sizes[][3] = {{0, 32, 32}, {WF_REQUEST_ID_MAX + 1, 32, 32}, {5, 31, 32}, {5, 33, 32}, {5, 32, 31}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        Warifu__Wire__RefreshRequest m = WARIFU__WIRE__REFRESH_REQUEST__INIT;
        m.request_id = (ProtobufCBinaryData){sizes[i][0], id};
        m.key_id = (ProtobufCBinaryData){sizes[i][1], key};
        m.client_id = (ProtobufCBinaryData){sizes[i][2], client};
        m.signature = (ProtobufCBinaryData){64, sig};
        size_t l = warifu__wire__refresh_request__pack(&m, out);
        CHECK_ERR(wf_refresh_request_decode(&x, out, l), WF_ERR_ENCODING);
    }
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    crypto_sign_keypair(PK, SK);
    test_round_trip();
    test_fields_are_signed();
    test_refresh_request();
    test_expiry();
    test_shape();
    test_keygen_round_trip();
    test_keygen_fields();
    test_keygen_key_id();
    return wf_check_summary("test_client_request");
}

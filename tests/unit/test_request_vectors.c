/* protocol/client_request.c, known answers: for a fixed client key and fixed
 * sign, keygen (with and without a committee), refresh and reshare requests,
 * the bytes the client signs, the whole encoding (signature included) and
 * the keygen key id are pinned as hex, so a change to how requests are
 * built cannot move a byte a deployed client signs or sends. Each pinned
 * encoding decodes back to its request; malformed ones (wrong sizes, an
 * unknown field, too many members, members without ranks) are refused. */
#include <sodium.h>
#include <string.h>

#include "protocol/client_request.h"
#include "protocol/proto/client.pb-c.h"
#include "tests/check.h"

static uint8_t SK[WF_IDENTITY_SK_BYTES], PK[WF_IDENTITY_PK_BYTES];
static const uint64_t EXPIRY = 1790000060000ull;
static const uint8_t CLUSTER[WF_ID_BYTES] = {0xc1, 0xc2, 0xc3};

/* Checks got[0..len) against the hex string want; prints what it got on a
 * mismatch, so a deliberate change of format shows its new vector. */
static void check_hex(const char *what, const uint8_t *got, size_t len, const char *want)
{
    char hex[2 * 1024 + 1];
    REQUIRE(len <= 1024);
    sodium_bin2hex(hex, sizeof hex, got, len);
    int same = strcmp(hex, want) == 0;
    CHECK(same);
    if (!same)
        fprintf(stderr, "%s: got %s\n", what, hex);
}

static void fill_key(uint8_t key[WF_ID_BYTES], uint8_t first)
{
    for (int i = 0; i < WF_ID_BYTES; i++)
        key[i] = (uint8_t)(first + i);
}

/* ---- sign ---- */

static const char SIGN_BYTES[] =
    "7761726966752f7369676e2d726571756573742f763100086b61742d7369676e404142434445464748494a4b4c4d4e4f"
    "505152535455565758595a5b5c5d5e5f020000000000000007d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"
    "d1d1d1d1d1d1d1d1d1000001a0c451566079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496"
    "64";
static const char SIGN_WIRE[] =
    "0a086b61742d7369676e1220404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f1a020007"
    "2220d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d128e0acc5a28c34322079b5562e8f"
    "e654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496643a408b617fe62f61653a7f8883e2e238eb8aeebdc4"
    "94450230bd43443b27712ef6c1d4bdd808fa81e1d76ddd487c48c8289a4f0f7308f8d6087bbe9cfca7f1906400";

static void test_sign(void)
{
    wf_sign_request r, back;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "kat-sign", 8);
    r.request_id_len = 8;
    fill_key(r.key_id, 0x40);
    r.path_len = 2;
    r.path[0] = 0;
    r.path[1] = 7;
    memset(r.digest, 0xd1, WF_DIGEST_BYTES);
    r.expiry_ms = EXPIRY;
    REQUIRE(wf_sign_request_sign(&r, SK) == WF_OK);
    uint8_t msg[WF_SIGN_REQUEST_SIGNED_MAX], *buf = NULL;
    size_t len = 0;
    check_hex("sign bytes", msg, wf_sign_request_signed_bytes(&r, msg), SIGN_BYTES);
    REQUIRE(wf_sign_request_encode(&r, &buf, &len) == WF_OK);
    check_hex("sign wire", buf, len, SIGN_WIRE);
    CHECK_OK(wf_sign_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    free(buf);
}

/* ---- keygen ---- */

static const char KEYGEN_BYTES[] =
    "7761726966752f6b657967656e2d726571756573742f7631000a6b61742d6b657967656e000001a0c451566079b5562e"
    "8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
static const char KEYGEN_WIRE[] =
    "0a0a6b61742d6b657967656e10e0acc5a28c341a2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e391"
    "0bad04966422400f9fca2aec8a4a2c17b4fd50a2a749a0777070b79491f341a098f29702daec5ba6ab12dbb1a8c6bb7d"
    "712ae9ebf5f50f8c6e4a5d287468994588d75d186d7f0c";
static const char KEYGEN_KEY_ID[] = "5aca3f7735d4b2a16d6f1f0a925d27570fb9a432960e4f6d34b4d9a2c654f988";
static const char KEYGEN_C_BYTES[] =
    "7761726966752f6b657967656e2d726571756573742f7631000a6b61742d6b657967656e000001a0c451566079b5562e"
    "8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad04966404010204060200010101";
static const char KEYGEN_C_WIRE[] =
    "0a0a6b61742d6b657967656e10e0acc5a28c341a2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e391"
    "0bad049664224052c2a74575d42b8ac68af4183973e5ec96c5a1169494ab83c7de5592308f3cfe4ced305b9f86347fb9"
    "e2cbae8dbfd5d7efaa3974fcc6060a08ff124cbcf4a8072a040102040630023a0400010101";
static const char KEYGEN_C_KEY_ID[] = "c02bbd6cbca41959af12130141639d0414c5ce424c23b9c125e199909062640a";

static wf_keygen_request keygen(uint32_t n)
{
    static const uint32_t nodes[4] = {1, 2, 4, 6}, ranks[4] = {0, 1, 1, 1};
    wf_keygen_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "kat-keygen", 10);
    r.request_id_len = 10;
    r.expiry_ms = EXPIRY;
    r.n_members = n;
    r.threshold = n ? 2 : 0;
    memcpy(r.members, nodes, n * sizeof nodes[0]);
    memcpy(r.ranks, ranks, n * sizeof ranks[0]);
    REQUIRE(wf_keygen_request_sign(&r, SK) == WF_OK);
    return r;
}

static void check_keygen(uint32_t n, const char *bytes, const char *wire, const char *key_id)
{
    wf_keygen_request r = keygen(n), back;
    uint8_t msg[WF_KEYGEN_REQUEST_SIGNED_MAX], id[WF_ID_BYTES], *buf = NULL;
    size_t len = 0;
    check_hex("keygen bytes", msg, wf_keygen_request_signed_bytes(&r, msg), bytes);
    REQUIRE(wf_keygen_request_encode(&r, &buf, &len) == WF_OK);
    check_hex("keygen wire", buf, len, wire);
    CHECK_OK(wf_keygen_key_id(id, CLUSTER, &r));
    check_hex("keygen key id", id, sizeof id, key_id);
    CHECK_OK(wf_keygen_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    free(buf);
}

/* A KeygenRequest with n members and n_ranks ranks, packed without the
 * encoder's checks, then decoded. */
static wf_err keygen_decode_lists(size_t n, size_t n_ranks, uint32_t threshold)
{
    uint32_t members[WF_MAX_MEMBERS + 1], ranks[WF_MAX_MEMBERS + 1];
    for (size_t i = 0; i <= WF_MAX_MEMBERS; i++) {
        members[i] = (uint32_t)i % WF_MAX_MEMBERS;
        ranks[i] = 0;
    }
    uint8_t id[4] = {1}, client[WF_IDENTITY_PK_BYTES] = {2}, sig[WF_SIGNATURE_BYTES] = {3}, out[1024];
    Warifu__Wire__KeygenRequest m = WARIFU__WIRE__KEYGEN_REQUEST__INIT;
    m.request_id = (ProtobufCBinaryData){sizeof id, id};
    m.expiry_ms = EXPIRY;
    m.client_id = (ProtobufCBinaryData){sizeof client, client};
    m.signature = (ProtobufCBinaryData){sizeof sig, sig};
    m.n_members = n;
    m.members = members;
    m.threshold = threshold;
    m.n_ranks = n_ranks;
    m.ranks = ranks;
    REQUIRE(warifu__wire__keygen_request__get_packed_size(&m) <= sizeof out);
    size_t len = warifu__wire__keygen_request__pack(&m, out);
    wf_keygen_request r;
    wf_err err = wf_keygen_request_decode(&r, out, len);
    wf_keygen_request zero;
    memset(&zero, 0, sizeof zero);
    if (err != WF_OK)
        CHECK(memcmp(&r, &zero, sizeof r) == 0); /* nothing half-decoded is left */
    return err;
}

static void test_keygen(void)
{
    check_keygen(0, KEYGEN_BYTES, KEYGEN_WIRE, KEYGEN_KEY_ID);
    check_keygen(4, KEYGEN_C_BYTES, KEYGEN_C_WIRE, KEYGEN_C_KEY_ID);
    CHECK_OK(keygen_decode_lists(0, 0, 0));
    CHECK_OK(keygen_decode_lists(WF_MAX_MEMBERS, WF_MAX_MEMBERS, 2));
    CHECK_ERR(keygen_decode_lists(WF_MAX_MEMBERS + 1, WF_MAX_MEMBERS + 1, 2), WF_ERR_ENCODING);
    CHECK_ERR(keygen_decode_lists(3, 2, 2), WF_ERR_ENCODING);
    CHECK_ERR(keygen_decode_lists(0, 0, 2), WF_ERR_ENCODING); /* a threshold without members */
}

/* ---- refresh ---- */

static const char REFRESH_BYTES[] =
    "7761726966752f726566726573682d726571756573742f7631000b6b61742d7265667265736800010203040506070809"
    "0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f000001a0c451566079b5562e8fe654f94078b112e8a98ba7901f"
    "853ae695bed7e0e3910bad049664";
static const char REFRESH_WIRE[] =
    "0a0b6b61742d726566726573681220000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f18"
    "e0acc5a28c34222079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad0496642a40bd9dcd779127"
    "e5f9889b1890ea09ff40276651d5d38f5119df236959d67da82f728982f8dae55dbf61cdca5ee035001136dfce1f3c5d"
    "6ebfa95db4a147053703";

static void test_refresh(void)
{
    wf_refresh_request r, back;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "kat-refresh", 11);
    r.request_id_len = 11;
    fill_key(r.key_id, 0x00);
    r.expiry_ms = EXPIRY;
    REQUIRE(wf_refresh_request_sign(&r, SK) == WF_OK);
    uint8_t msg[WF_REFRESH_REQUEST_SIGNED_MAX], *buf = NULL;
    size_t len = 0;
    check_hex("refresh bytes", msg, wf_refresh_request_signed_bytes(&r, msg), REFRESH_BYTES);
    REQUIRE(wf_refresh_request_encode(&r, &buf, &len) == WF_OK);
    check_hex("refresh wire", buf, len, REFRESH_WIRE);
    CHECK_OK(wf_refresh_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    /* an unknown field after the pinned encoding */
    uint8_t *longer = malloc(len + 3);
    REQUIRE(longer != NULL);
    memcpy(longer, buf, len);
    memcpy(longer + len, "\x78\x01\x02", 3); /* field 15, varint */
    CHECK_ERR(wf_refresh_request_decode(&back, longer, len + 3), WF_ERR_ENCODING);
    free(longer);
    free(buf);
}

/* ---- reshare ---- */

static const char RESHARE_BYTES[] =
    "7761726966752f726573686172652d726571756573742f7631000b6b61742d72657368617265a0a1a2a3a4a5a6a7a8a9"
    "aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf050001020304030000010101000001a0c451566079b5562e8fe6"
    "54f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
static const char RESHARE_WIRE[] =
    "0a0b6b61742d726573686172651220a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf1a"
    "05000102030420032a05000001010130e0acc5a28c343a2079b5562e8fe654f94078b112e8a98ba7901f853ae695bed7"
    "e0e3910bad0496644240c40c4cd53ac96bfdd5392a2d64f550ee6efb67e18d1b96f1a25e78d5f8799c4056689e1099bc"
    "29ff317da7a7c159cc78593a3fd4b558d70da4a53ffa408b3e03";

static wf_reshare_request reshare(void)
{
    static const uint32_t nodes[5] = {0, 1, 2, 3, 4}, ranks[5] = {0, 0, 1, 1, 1};
    wf_reshare_request r;
    memset(&r, 0, sizeof r);
    memcpy(r.request_id, "kat-reshare", 11);
    r.request_id_len = 11;
    fill_key(r.key_id, 0xa0);
    r.n_members = 5;
    r.threshold = 3;
    memcpy(r.members, nodes, sizeof nodes);
    memcpy(r.ranks, ranks, sizeof ranks);
    r.expiry_ms = EXPIRY;
    REQUIRE(wf_reshare_request_sign(&r, SK) == WF_OK);
    return r;
}

/* The pinned reshare encoding with one field changed, then decoded. */
static wf_err reshare_decode_changed(size_t n, size_t n_ranks, uint32_t threshold, size_t key_len)
{
    wf_reshare_request r = reshare(), x;
    uint32_t members[WF_MAX_MEMBERS + 1] = {0}, ranks[WF_MAX_MEMBERS + 1] = {0};
    for (size_t i = 0; i <= WF_MAX_MEMBERS; i++)
        members[i] = (uint32_t)i % WF_MAX_MEMBERS;
    uint8_t key[WF_ID_BYTES + 1] = {0}, out[1024];
    memcpy(key, r.key_id, WF_ID_BYTES);
    Warifu__Wire__ReshareRequest m = WARIFU__WIRE__RESHARE_REQUEST__INIT;
    m.request_id = (ProtobufCBinaryData){r.request_id_len, r.request_id};
    m.key_id = (ProtobufCBinaryData){key_len, key};
    m.n_members = n;
    m.members = members;
    m.threshold = threshold;
    m.n_ranks = n_ranks;
    m.ranks = ranks;
    m.expiry_ms = r.expiry_ms;
    m.client_id = (ProtobufCBinaryData){WF_IDENTITY_PK_BYTES, r.client_id};
    m.signature = (ProtobufCBinaryData){WF_SIGNATURE_BYTES, r.signature};
    REQUIRE(warifu__wire__reshare_request__get_packed_size(&m) <= sizeof out);
    size_t len = warifu__wire__reshare_request__pack(&m, out);
    return wf_reshare_request_decode(&x, out, len);
}

static void test_reshare(void)
{
    wf_reshare_request r = reshare(), back;
    uint8_t msg[WF_RESHARE_REQUEST_SIGNED_MAX], *buf = NULL;
    size_t len = 0;
    check_hex("reshare bytes", msg, wf_reshare_request_signed_bytes(&r, msg), RESHARE_BYTES);
    REQUIRE(wf_reshare_request_encode(&r, &buf, &len) == WF_OK);
    check_hex("reshare wire", buf, len, RESHARE_WIRE);
    CHECK_OK(wf_reshare_request_decode(&back, buf, len));
    CHECK(memcmp(&back, &r, sizeof r) == 0);
    free(buf);
    CHECK_OK(reshare_decode_changed(WF_MAX_MEMBERS, WF_MAX_MEMBERS, 3, WF_ID_BYTES));
    CHECK_ERR(reshare_decode_changed(WF_MAX_MEMBERS + 1, WF_MAX_MEMBERS + 1, 3, WF_ID_BYTES),
              WF_ERR_ENCODING);
    CHECK_ERR(reshare_decode_changed(5, 4, 3, WF_ID_BYTES), WF_ERR_ENCODING);
    CHECK_ERR(reshare_decode_changed(1, 1, 1, WF_ID_BYTES), WF_ERR_ENCODING);
    CHECK_ERR(reshare_decode_changed(5, 5, 0, WF_ID_BYTES), WF_ERR_ENCODING);
    CHECK_ERR(reshare_decode_changed(5, 5, 3, WF_ID_BYTES - 1), WF_ERR_ENCODING);
    CHECK_ERR(reshare_decode_changed(5, 5, 3, WF_ID_BYTES + 1), WF_ERR_ENCODING);
}

int main(void)
{
    REQUIRE(sodium_init() >= 0);
    uint8_t seed[crypto_sign_SEEDBYTES];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (uint8_t)(i + 1);
    REQUIRE(crypto_sign_seed_keypair(PK, SK, seed) == 0);
    test_sign();
    test_keygen();
    test_refresh();
    test_reshare();
    return wf_check_summary("test_request_vectors");
}

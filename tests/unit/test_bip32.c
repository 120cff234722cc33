/* BIP-32 public derivation: the published test vectors 1-3 (every
 * non-hardened step, hardened steps refused), vector 5's invalid keys,
 * cross-checks of child keys against libsecp256k1's tweak_add, the additive
 * tweak over a path, serialisation refusals and path-string parsing. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <secp256k1.h>

#include "crypto/base58.h"
#include "crypto/bip32.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "tests/check.h"

static secp256k1_context *ctx;

/* A public derivation step taken from the BIP-32 text (bitcoin/bips,
 * bip-0032.mediawiki, "Test Vectors"): the parent's ext pub, the index and
 * the child's ext pub. */
typedef struct vector_step {
    const char *chain;
    const char *parent;
    uint32_t index;
    const char *child;
} vector_step;

/* The vector strings stay whole (no formatter line breaks) so they can be
 * compared with the BIP text directly. */
// clang-format off
static const vector_step STEPS[] = {
    /* test vector 1 */
    {"v1 m/0H/1", "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
     1, "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ"},
    {"v1 m/0H/1/2H/2", "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
     2, "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV"},
    {"v1 m/0H/1/2H/2/1000000000", "xpub6FHa3pjLCk84BayeJxFW2SP4XRrFd1JYnxeLeU8EqN3vDfZmbqBqaGJAyiLjTAwm6ZLRQUMv1ZACTj37sR62cfN7fe5JnJ7dh8zL4fiyLHV",
     1000000000, "xpub6H1LXWLaKsWFhvm6RVpEL9P4KfRZSW7abD2ttkWP3SSQvnyA8FSVqNTEcYFgJS2UaFcxupHiYkro49S8yGasTvXEYBVPamhGW6cFJodrTHy"},
    /* test vector 2 */
    {"v2 m/0", "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
     0, "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH"},
    {"v2 m/0/2147483647H/1", "xpub6ASAVgeehLbnwdqV6UKMHVzgqAG8Gr6riv3Fxxpj8ksbH9ebxaEyBLZ85ySDhKiLDBrQSARLq1uNRts8RuJiHjaDMBU4Zn9h8LZNnBC5y4a",
     1, "xpub6DF8uhdarytz3FWdA8TvFSvvAh8dP3283MY7p2V4SeE2wyWmG5mg5EwVvmdMVCQcoNJxGoWaU9DCWh89LojfZ537wTfunKau47EL2dhHKon"},
    {"v2 m/0/2147483647H/1/2147483646H/2", "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
     2, "xpub6FnCn6nSzZAw5Tw7cgR9bi15UV96gLZhjDstkXXxvCLsUXBGXPdSnLFbdpq8p9HmGsApME5hQTZ3emM2rnY5agb9rXpVGyy3bdW6EEgAtqt"},
};

/* Hardened steps of the vectors: a public derivation must refuse them. */
static const vector_step HARDENED[] = {
    {"v1 m/0H", "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
     0x80000000u, NULL},
    {"v1 m/0H/1/2H", "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ",
     0x80000002u, NULL},
    {"v2 m/0/2147483647H", "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH",
     0xFFFFFFFFu, NULL},
    {"v3 m/0H", "xpub661MyMwAqRbcEZVB4dScxMAdx6d4nFc9nvyvH3v4gJL378CSRZiYmhRoP7mBy6gSPSCYk6SzXPTf3ND1cZAceL7SfJ1Z3GC8vBgp2epUt13",
     0x80000000u, NULL},
};

/* Ext pubs that only need to survive a parse/serialise round trip (vector
 * 3's are the leading-zero regression keys). */
static const char *const ROUND_TRIP[] = {
    "xpub661MyMwAqRbcEZVB4dScxMAdx6d4nFc9nvyvH3v4gJL378CSRZiYmhRoP7mBy6gSPSCYk6SzXPTf3ND1cZAceL7SfJ1Z3GC8vBgp2epUt13",
    "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y",
    "xpub68Gmy5EdvgibQVfPdqkBBCHxA5htiqg55crXYuXoQRKfDBFA1WEjWgP6LHhwBZeNK1VTsfTFUHCdrfp1bgwQ9xv5ski8PX9rL2dZXvgGDnw",
    "xpub6D4BDPcP2GT577Vvch3R8wDkScZWzQzMMUm3PWbmWvVJrZwQY4VUNgqFJPMM3No2dFDFGTsxxpG5uJh7n7epu4trkrX7x7DogT5Uv6fcLW5",
    "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL",
};

/* BIP-32 test vector 5 (invalid extended keys), the entries an xpub parser
 * must refuse, and the xprv entries (refused for their version). */
typedef struct invalid_key {
    const char *why;
    const char *str;
    wf_err want;
} invalid_key;

static const invalid_key INVALID[] = {
    {"pubkey version / prvkey mismatch", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6LBpB85b3D2yc8sfvZU521AAwdZafEz7mnzBBsz4wKY5fTtTQBm", WF_ERR_ENCODING},
    {"invalid pubkey prefix 04", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Txnt3siSujt9RCVYsx4qHZGc62TG4McvMGcAUjeuwZdduYEvFn", WF_ERR_ENCODING},
    {"invalid pubkey prefix 01", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6N8ZMMXctdiCjxTNq964yKkwrkBJJwpzZS4HS2fxvyYUA4q2Xe4", WF_ERR_ENCODING},
    {"zero depth with non-zero parent fingerprint", "xpub661no6RGEX3uJkY4bNnPcw4URcQTrSibUZ4NqJEw5eBkv7ovTwgiT91XX27VbEXGENhYRCf7hyEbWrR3FewATdCEebj6znwMfQkhRYHRLpJ", WF_ERR_ENCODING},
    {"zero depth with non-zero index", "xpub661MyMwAuDcm6CRQ5N4qiHKrJ39Xe1R1NyfouMKTTWcguwVcfrZJaNvhpebzGerh7gucBvzEQWRugZDuDXjNDRmXzSZe4c7mnTK97pTvGS8", WF_ERR_ENCODING},
    {"unknown extended key version", "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHPmHJiEDXkTiJTVV9rHEBUem2mwVbbNfvT2MTcAqj3nesx8uBf9", WF_ERR_ENCODING},
    {"unknown extended key version (prv)", "DMwo58pR1QLEFihHiXPVykYB6fJmsTeHvyTp7hRThAtCX8CvYzgPcn8XnmdfHGMQzT7ayAmfo4z3gY5KfbrZWZ6St24UVf2Qgo6oujFktLHdHY4", WF_ERR_ENCODING},
    {"invalid pubkey 02…07 (not on the curve)", "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefsM58PgBMrvdYre8QyULY", WF_ERR_NOT_ON_CURVE},
    {"xprv: prvkey version / pubkey mismatch", "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFGTQQD3dC4H2D5GBj7vWvSQaaBv5cxi9gafk7NF3pnBju6dwKvH", WF_ERR_ENCODING},
    {"xprv: vector 1 master", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi", WF_ERR_ENCODING},
    {"xprv: invalid checksum", "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHL", WF_ERR_VERIFY},
};
// clang-format on

static void parse_or_die(wf_xpub *x, const char *str)
{
    wf_err err = wf_bip32_xpub_from_string(x, str);
    if (err != WF_OK)
        fprintf(stderr, "cannot parse %s: %s\n", str, wf_err_str(err));
    REQUIRE(err == WF_OK);
}

static void test_vectors(void)
{
    for (size_t i = 0; i < sizeof STEPS / sizeof STEPS[0]; i++) {
        wf_xpub parent, child, want;
        wf_scalar tweak;
        char str[WF_BIP32_XPUB_STR_BYTES];
        parse_or_die(&parent, STEPS[i].parent);
        parse_or_die(&want, STEPS[i].child);
        CHECK_OK(wf_bip32_ckd_pub(&child, &tweak, &parent, STEPS[i].index));
        CHECK_OK(wf_bip32_xpub_to_string(str, sizeof str, &child));
        int same = strcmp(str, STEPS[i].child) == 0;
        if (!same)
            fprintf(stderr, "%s: derived %s\n", STEPS[i].chain, str);
        CHECK(same);
        CHECK(child.depth == want.depth && child.child == want.child && wf_point_eq(&child.key, &want.key));
        /* the child key is parent + IL·G */
        wf_point tg, sum;
        CHECK_OK(wf_point_base_mul(&tg, &tweak));
        CHECK_OK(wf_point_add(&sum, &parent.key, &tg));
        CHECK(wf_point_eq(&sum, &child.key));
        /* aliasing child and parent is allowed */
        CHECK_OK(wf_bip32_ckd_pub(&parent, NULL, &parent, STEPS[i].index));
        CHECK(memcmp(&parent, &child, sizeof child) == 0);
    }
    for (size_t i = 0; i < sizeof HARDENED / sizeof HARDENED[0]; i++) {
        wf_xpub parent, child;
        parse_or_die(&parent, HARDENED[i].parent);
        CHECK_ERR(wf_bip32_ckd_pub(&child, NULL, &parent, HARDENED[i].index), WF_ERR_RANGE);
    }
    for (size_t i = 0; i < sizeof ROUND_TRIP / sizeof ROUND_TRIP[0]; i++) {
        wf_xpub x;
        char str[WF_BIP32_XPUB_STR_BYTES];
        parse_or_die(&x, ROUND_TRIP[i]);
        CHECK_OK(wf_bip32_xpub_to_string(str, sizeof str, &x));
        CHECK(strcmp(str, ROUND_TRIP[i]) == 0);
    }
}

/* Vector 1 from m/0H/1/2H along "2/1000000000" in one call: the final key
 * equals the published one and equals parent + (Σ IL)·G. */
static void test_derive_path(void)
{
    wf_xpub parent, out, want;
    wf_scalar sum;
    uint32_t path[8];
    size_t n = 8;
    const char *why = NULL;
    parse_or_die(&parent, STEPS[1].parent);
    parse_or_die(&want, STEPS[2].child);
    CHECK_OK(wf_bip32_path_parse(path, &n, "m/2/1000000000", &why));
    CHECK(n == 2 && path[0] == 2 && path[1] == 1000000000u);
    CHECK_OK(wf_bip32_derive_path(&out, &sum, &parent, path, n));
    CHECK(memcmp(&out, &want, sizeof want) == 0);
    wf_point tg, expect;
    CHECK_OK(wf_point_base_mul(&tg, &sum));
    CHECK_OK(wf_point_add(&expect, &parent.key, &tg));
    CHECK(wf_point_eq(&expect, &out.key));

    /* empty path: the parent, tweak 0 */
    CHECK_OK(wf_bip32_derive_path(&out, &sum, &parent, NULL, 0));
    CHECK(memcmp(&out, &parent, sizeof parent) == 0 && wf_scalar_is_zero(&sum));
    /* a hardened index anywhere stops it */
    uint32_t bad[3] = {1, 0x80000001u, 2};
    CHECK_ERR(wf_bip32_derive_path(&out, &sum, &parent, bad, 3), WF_ERR_RANGE);
    CHECK_ERR(wf_bip32_derive_path(&out, &sum, &parent, NULL, 1), WF_ERR_ARG);
    CHECK_ERR(wf_bip32_derive_path(&out, &sum, &parent, path, WF_BIP32_PATH_MAX + 1), WF_ERR_RANGE);
}

/* Random parents: each child key equals libsecp256k1's tweak_add of the
 * parent by IL, with IL recomputed here through OpenSSL's HMAC directly. */
static void test_vs_libsecp(void)
{
    for (int i = 0; i < 200; i++) {
        wf_xpub parent = {0}, child;
        wf_scalar x, tweak;
        wf_scalar_random(&x);
        REQUIRE(wf_point_base_mul(&parent.key, &x) == WF_OK);
        wf_random_bytes(parent.chain, sizeof parent.chain);
        parent.depth = (uint8_t)(i % 200);
        uint32_t index = (uint32_t)i * 10007u % WF_BIP32_HARDENED;

        wf_err err = wf_bip32_ckd_pub(&child, &tweak, &parent, index);
        CHECK_OK(err);
        if (err != WF_OK)
            continue;

        uint8_t data[37], I[64];
        unsigned ilen = 0;
        REQUIRE(wf_point_serialize(data, &parent.key) == WF_OK);
        data[33] = (uint8_t)(index >> 24);
        data[34] = (uint8_t)(index >> 16);
        data[35] = (uint8_t)(index >> 8);
        data[36] = (uint8_t)index;
        REQUIRE(HMAC(EVP_sha512(), parent.chain, 32, data, sizeof data, I, &ilen) != NULL && ilen == 64);
        CHECK(memcmp(I, tweak.b, 32) == 0);
        CHECK(memcmp(I + 32, child.chain, 32) == 0);

        secp256k1_pubkey pk;
        uint8_t a[33], b[33];
        size_t blen = sizeof b;
        REQUIRE(secp256k1_ec_pubkey_parse(ctx, &pk, data, 33) == 1);
        REQUIRE(secp256k1_ec_pubkey_tweak_add(ctx, &pk, I) == 1);
        secp256k1_ec_pubkey_serialize(ctx, b, &blen, &pk, SECP256K1_EC_COMPRESSED);
        CHECK_OK(wf_point_serialize(a, &child.key));
        CHECK(memcmp(a, b, 33) == 0);
        CHECK(child.depth == parent.depth + 1 && child.child == index);

        /* the child's record of its parent */
        uint8_t fp[4];
        CHECK_OK(wf_bip32_fingerprint(fp, &parent.key));
        CHECK(memcmp(fp, child.parent_fp, 4) == 0);

        /* serialise / parse round trip */
        uint8_t raw[WF_BIP32_XPUB_BYTES];
        wf_xpub back;
        CHECK_OK(wf_bip32_xpub_serialize(raw, &child));
        CHECK_OK(wf_bip32_xpub_parse(&back, raw, sizeof raw));
        CHECK(memcmp(&back, &child, sizeof child) == 0);
        wf_scalar_wipe(&x);
    }
}

static void test_ckd_refusals(void)
{
    wf_xpub parent, child;
    parse_or_die(&parent, STEPS[0].parent);
    CHECK_ERR(wf_bip32_ckd_pub(&child, NULL, &parent, WF_BIP32_HARDENED), WF_ERR_RANGE);
    CHECK_ERR(wf_bip32_ckd_pub(&child, NULL, &parent, 0xFFFFFFFFu), WF_ERR_RANGE);
    CHECK_OK(wf_bip32_ckd_pub(&child, NULL, &parent, WF_BIP32_HARDENED - 1));
    parent.depth = 255;
    CHECK_ERR(wf_bip32_ckd_pub(&child, NULL, &parent, 0), WF_ERR_RANGE);
    parent.depth = 1;
    wf_point_set_infinity(&parent.key);
    CHECK_ERR(wf_bip32_ckd_pub(&child, NULL, &parent, 0), WF_ERR_INFINITY);
    CHECK_ERR(wf_bip32_ckd_pub(NULL, NULL, &parent, 0), WF_ERR_ARG);
    CHECK_ERR(wf_bip32_ckd_pub(&child, NULL, NULL, 0), WF_ERR_ARG);
}

/* Base58Check of a hand-made payload. */
static void encode_raw(char *out, size_t cap, const uint8_t *raw, size_t len)
{
    REQUIRE(wf_base58check_encode(out, &cap, raw, len) == WF_OK);
}

static void test_parse_refusals(void)
{
    for (size_t i = 0; i < sizeof INVALID / sizeof INVALID[0]; i++) {
        wf_xpub x;
        wf_err err = wf_bip32_xpub_from_string(&x, INVALID[i].str);
        if (err != INVALID[i].want)
            fprintf(stderr, "vector 5 '%s': got '%s'\n", INVALID[i].why, wf_err_str(err));
        CHECK(err == INVALID[i].want);
    }

    wf_xpub good, x;
    uint8_t raw[WF_BIP32_XPUB_BYTES + 1];
    char str[WF_BASE58_MAX_CHARS + 1];
    parse_or_die(&good, STEPS[1].child);
    REQUIRE(wf_bip32_xpub_serialize(raw, &good) == WF_OK);
    CHECK_OK(wf_bip32_xpub_parse(&x, raw, WF_BIP32_XPUB_BYTES));

    /* lengths: 77 and 79 bytes, directly and through Base58Check */
    raw[WF_BIP32_XPUB_BYTES] = 0;
    CHECK_ERR(wf_bip32_xpub_parse(&x, raw, WF_BIP32_XPUB_BYTES - 1), WF_ERR_ENCODING);
    CHECK_ERR(wf_bip32_xpub_parse(&x, raw, WF_BIP32_XPUB_BYTES + 1), WF_ERR_ENCODING);
    CHECK_ERR(wf_bip32_xpub_parse(&x, raw, 0), WF_ERR_ENCODING);
    encode_raw(str, sizeof str, raw, WF_BIP32_XPUB_BYTES - 1);
    CHECK_ERR(wf_bip32_xpub_from_string(&x, str), WF_ERR_ENCODING);
    encode_raw(str, sizeof str, raw, WF_BIP32_XPUB_BYTES + 1);
    CHECK_ERR(wf_bip32_xpub_from_string(&x, str), WF_ERR_ENCODING);

    /* versions: tpub, xprv, one bit off */
    static const uint32_t versions[] = {0x043587CFu, 0x0488ADE4u, 0x0488B21Fu, 0};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        uint8_t t[WF_BIP32_XPUB_BYTES];
        memcpy(t, raw, sizeof t);
        t[0] = (uint8_t)(versions[i] >> 24);
        t[1] = (uint8_t)(versions[i] >> 16);
        t[2] = (uint8_t)(versions[i] >> 8);
        t[3] = (uint8_t)versions[i];
        CHECK_ERR(wf_bip32_xpub_parse(&x, t, sizeof t), WF_ERR_ENCODING);
    }

    /* keys: off-curve x, x >= p, infinity (00…), uncompressed prefix */
    uint8_t t[WF_BIP32_XPUB_BYTES];
    memcpy(t, raw, sizeof t);
    memset(t + 45, 0, 33);
    t[45] = 0x02;
    t[77] = 5;
    CHECK_ERR(wf_bip32_xpub_parse(&x, t, sizeof t), WF_ERR_NOT_ON_CURVE);
    memset(t + 46, 0xFF, 32); /* x = 2^256 - 1 > p */
    CHECK(wf_bip32_xpub_parse(&x, t, sizeof t) != WF_OK);
    memset(t + 45, 0, 33);
    CHECK_ERR(wf_bip32_xpub_parse(&x, t, sizeof t), WF_ERR_ENCODING);
    memcpy(t, raw, sizeof t);
    t[45] = 0x04;
    CHECK_ERR(wf_bip32_xpub_parse(&x, t, sizeof t), WF_ERR_ENCODING);

    /* depth 0 must have no parent fingerprint and child 0 */
    memcpy(t, raw, sizeof t);
    t[4] = 0;
    CHECK_ERR(wf_bip32_xpub_parse(&x, t, sizeof t), WF_ERR_ENCODING);
    memset(t + 5, 0, 4);
    CHECK_ERR(wf_bip32_xpub_parse(&x, t, sizeof t), WF_ERR_ENCODING); /* child still 1 */
    memset(t + 9, 0, 4);
    CHECK_OK(wf_bip32_xpub_parse(&x, t, sizeof t));

    /* strings: a changed character, bad characters, truncated, empty, too long */
    char s[WF_BIP32_XPUB_STR_BYTES + 8];
    strcpy(s, STEPS[1].child);
    s[50] = s[50] == 'a' ? 'b' : 'a';
    CHECK_ERR(wf_bip32_xpub_from_string(&x, s), WF_ERR_VERIFY);
    strcpy(s, STEPS[1].child);
    s[20] = '0';
    CHECK_ERR(wf_bip32_xpub_from_string(&x, s), WF_ERR_ENCODING);
    strcpy(s, STEPS[1].child);
    s[100] = '\0';
    CHECK(wf_bip32_xpub_from_string(&x, s) != WF_OK);
    CHECK(wf_bip32_xpub_from_string(&x, "") != WF_OK);
    strcpy(s, STEPS[1].child);
    strcat(s, "zz");
    CHECK(wf_bip32_xpub_from_string(&x, s) != WF_OK);
    CHECK_ERR(wf_bip32_xpub_from_string(&x, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_bip32_xpub_to_string(s, 100, &good), WF_ERR_ARG);
    wf_point_set_infinity(&good.key);
    CHECK_ERR(wf_bip32_xpub_serialize(raw, &good), WF_ERR_INFINITY);
}

typedef struct path_case {
    const char *str;
    wf_err want;
    size_t n;
    uint32_t idx[3];
} path_case;

static void test_path_parse(void)
{
    static const path_case cases[] = {
        {"m/0/1/2", WF_OK, 3, {0, 1, 2}},
        {"0/1/2", WF_OK, 3, {0, 1, 2}},
        {"m", WF_OK, 0, {0}},
        {"m/2147483647", WF_OK, 1, {2147483647u}},
        {"44/0/1000000000", WF_OK, 3, {44, 0, 1000000000u}},
        {"m/2147483648", WF_ERR_RANGE, 0, {0}},
        {"m/4294967296", WF_ERR_RANGE, 0, {0}},
        {"m/99999999999999999999999999", WF_ERR_RANGE, 0, {0}},
        {"m/0'", WF_ERR_RANGE, 0, {0}},
        {"m/44'/0'/0'/0/0", WF_ERR_RANGE, 0, {0}},
        {"m/0h", WF_ERR_RANGE, 0, {0}},
        {"m/0H/1", WF_ERR_RANGE, 0, {0}},
        {"1/2h", WF_ERR_RANGE, 0, {0}},
        {"", WF_ERR_ENCODING, 0, {0}},
        {"m/", WF_ERR_ENCODING, 0, {0}},
        {"/0", WF_ERR_ENCODING, 0, {0}},
        {"0/", WF_ERR_ENCODING, 0, {0}},
        {"0//1", WF_ERR_ENCODING, 0, {0}},
        {"M/0", WF_ERR_ENCODING, 0, {0}},
        {"mm/0", WF_ERR_ENCODING, 0, {0}},
        {"m/a", WF_ERR_ENCODING, 0, {0}},
        {"m/-1", WF_ERR_ENCODING, 0, {0}},
        {"m/+1", WF_ERR_ENCODING, 0, {0}},
        {"m/01", WF_ERR_ENCODING, 0, {0}},
        {"m/ 1", WF_ERR_ENCODING, 0, {0}},
        {"m/1 ", WF_ERR_ENCODING, 0, {0}},
        {"m/1x", WF_ERR_ENCODING, 0, {0}},
        {"m\\1", WF_ERR_ENCODING, 0, {0}},
        {"m/1/2/3/4", WF_ERR_RANGE, 0, {0}}, /* capacity 3 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t out[3] = {7, 7, 7};
        size_t n = 3;
        const char *why = NULL;
        wf_err err = wf_bip32_path_parse(out, &n, cases[i].str, &why);
        if (err != cases[i].want)
            fprintf(stderr, "path '%s': got '%s'\n", cases[i].str, wf_err_str(err));
        CHECK(err == cases[i].want);
        if (cases[i].want == WF_OK) {
            CHECK(n == cases[i].n && why == NULL);
            CHECK(memcmp(out, cases[i].idx, n * sizeof out[0]) == 0);
        } else {
            CHECK(n == 3 && why != NULL && why[0] != '\0');
        }
    }
    const char *why = NULL;
    uint32_t out[4];
    size_t n = 4;
    CHECK_ERR(wf_bip32_path_parse(out, &n, "m/0'", &why), WF_ERR_RANGE);
    CHECK(why != NULL && strstr(why, "hardened") != NULL);
    CHECK_ERR(wf_bip32_path_parse(out, &n, "m/0'", NULL), WF_ERR_RANGE);
    CHECK_ERR(wf_bip32_path_parse(NULL, &n, "m/0", &why), WF_ERR_ARG);
    CHECK_ERR(wf_bip32_path_parse(out, &n, NULL, NULL), WF_ERR_ARG);

    /* the depth limit: 255 components parse, 256 do not */
    static uint32_t big[300];
    static char s[1200];
    size_t pos = 0;
    for (int i = 0; i < 256; i++)
        pos += (size_t)snprintf(s + pos, sizeof s - pos, i ? "/%d" : "m/%d", i % 10);
    n = 300;
    CHECK_ERR(wf_bip32_path_parse(big, &n, s, NULL), WF_ERR_RANGE);
    s[strlen(s) - 2] = '\0';
    n = 300;
    CHECK_OK(wf_bip32_path_parse(big, &n, s, NULL));
    CHECK(n == 255);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    REQUIRE(ctx != NULL);
    test_vectors();
    test_derive_path();
    test_vs_libsecp();
    test_ckd_refusals();
    test_parse_refusals();
    test_path_parse();
    secp256k1_context_destroy(ctx);
    return wf_check_summary("test_bip32");
}

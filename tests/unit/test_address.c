/* Bitcoin P2WPKH addresses: BIP-173's and BIP-84's published vectors, a
 * regtest address checked with bitcoinjs-lib, RIPEMD-160 served by OpenSSL's
 * default provider, HASH160 against hash.h for random keys, and refusals
 * (NULL, infinity, off-curve points, unknown HRPs, short buffers).
 * Ethereum addresses: the keys 1 and 2, EIP-55's published test cases re-cased
 * from lowercase, random keys against Keccak-256 of x || y, and the same
 * refusals. The cross-check of random keys against bitcoinjs-lib and ethers is
 * tests/js/. */
#include <ctype.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "crypto/address.h"
#include "crypto/keccak.h"
#include "crypto/secmem.h"
#include "tests/check.h"
#include "tests/hex.h"

typedef struct vector {
    const char *source;
    const char *pubkey; /* compressed, hex */
    const char *hrp;
    const char *address;
} vector;

/* Each string as published, so it can be compared with its source. */
// clang-format off
static const vector VECTORS[] = {
    /* BIP-173, "Examples": the generator G */
    {"BIP-173 mainnet P2WPKH", "0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", "bc",
     "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
    {"BIP-173 testnet P2WPKH", "0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", "tb",
     "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"},
    /* no published regtest vector: checked with bitcoinjs-lib 6.1.8,
     * payments.p2wpkh({pubkey: G, network: networks.regtest}) */
    {"G on regtest", "0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798", "bcrt",
     "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"},
    /* BIP-84, "Test vectors": mnemonic "abandon ... about", account 0 */
    {"BIP-84 m/84'/0'/0'/0/0", "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c", "bc",
     "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"},
    {"BIP-84 m/84'/0'/0'/0/1", "03e775fd51f0dfb8cd865d9ff1cca2a158cf651fe997fdc9fee9c1d3b5e995ea77", "bc",
     "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"},
    {"BIP-84 m/84'/0'/0'/1/0", "03025324888e429ab8e3dbaf1f7802648b9cd01e9b418485c5fa4c1b9b5700e1a6", "bc",
     "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"},
};
// clang-format on

static void parse_key(wf_point *out, const char *hex)
{
    uint8_t raw[WF_POINT_BYTES];
    wf_test_unhex_exact(raw, sizeof raw, hex);
    REQUIRE(wf_point_parse(out, raw, sizeof raw) == WF_OK);
}

static void test_vectors(void)
{
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
        wf_point pub;
        char addr[WF_ADDRESS_P2WPKH_MAX_BYTES];
        parse_key(&pub, VECTORS[i].pubkey);
        CHECK_OK(wf_address_p2wpkh(addr, sizeof addr, &pub, VECTORS[i].hrp));
        if (strcmp(addr, VECTORS[i].address) != 0)
            fprintf(stderr, "%s: got %s\n", VECTORS[i].source, addr);
        CHECK(strcmp(addr, VECTORS[i].address) == 0);
    }
    /* BIP-173's key is G, and its segwit list gives the witness program:
     * BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4 is 0014 751e76e8...3bd6 */
    wf_point g, parsed;
    uint8_t h[WF_HASH160_BYTES];
    wf_point_generator(&g);
    parse_key(&parsed, VECTORS[0].pubkey);
    CHECK(wf_point_eq(&g, &parsed));
    CHECK_OK(wf_address_hash160(h, &g));
    CHECK(wf_test_eq_hex(h, sizeof h, "751e76e8199196d454941c45d1b3a323f1433bd6"));
}

/* RIPEMD-160 must come from the default provider (OpenSSL >= 3.0.7): if a
 * build ever moves it back to "legacy", this says so instead of every address
 * failing with WF_ERR_INTERNAL. RIPEMD-160("") is from the RIPEMD-160 paper's
 * test vectors (Dobbertin, Bosselaers, Preneel). */
static void test_ripemd160_provider(void)
{
    EVP_MD *md = EVP_MD_fetch(NULL, "RIPEMD160", "provider=default");
    CHECK(md != NULL);
    if (md == NULL)
        return;
    uint8_t out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    CHECK(EVP_Digest("", 0, out, &len, md, NULL) == 1);
    CHECK(len == 20 && wf_test_eq_hex(out, len, "9c1185a5c5e9fc54612808977ee8f548b2258d31"));
    EVP_MD_free(md);
}

static void test_random_keys(void)
{
    for (int i = 0; i < 50; i++) {
        wf_scalar k;
        wf_point pub;
        uint8_t key[WF_POINT_BYTES], want[WF_HASH160_BYTES], got[WF_HASH160_BYTES];
        char addr[WF_ADDRESS_P2WPKH_MAX_BYTES];
        wf_scalar_random(&k);
        REQUIRE(wf_point_base_mul(&pub, &k) == WF_OK);
        REQUIRE(wf_point_serialize(key, &pub) == WF_OK);
        CHECK_OK(wf_hash160(want, key, sizeof key));
        CHECK_OK(wf_address_hash160(got, &pub));
        CHECK(memcmp(got, want, sizeof want) == 0);
        CHECK_OK(wf_address_p2wpkh(addr, sizeof addr, &pub, WF_ADDRESS_HRP_MAINNET));
        CHECK(strlen(addr) == 42 && strncmp(addr, "bc1q", 4) == 0);
        CHECK_OK(wf_address_p2wpkh(addr, sizeof addr, &pub, WF_ADDRESS_HRP_REGTEST));
        CHECK(strlen(addr) == WF_ADDRESS_P2WPKH_MAX_BYTES - 1 && strncmp(addr, "bcrt1q", 6) == 0);
    }
}

static void test_bad_points(void)
{
    wf_point g, bad;
    char addr[WF_ADDRESS_P2WPKH_MAX_BYTES];
    uint8_t h[WF_HASH160_BYTES];
    wf_point_generator(&g);

    wf_point_set_infinity(&bad);
    CHECK_ERR(wf_address_p2wpkh(addr, sizeof addr, &bad, "bc"), WF_ERR_INFINITY);
    CHECK(addr[0] == '\0');
    CHECK_ERR(wf_address_hash160(h, &bad), WF_ERR_INFINITY);

    bad = g; /* (x, y ± 1) is off the curve: only (x, ±y) are on it */
    bad.y[31] ^= 1;
    CHECK_ERR(wf_address_p2wpkh(addr, sizeof addr, &bad, "bc"), WF_ERR_NOT_ON_CURVE);
    CHECK(addr[0] == '\0');
    CHECK_ERR(wf_address_hash160(h, &bad), WF_ERR_NOT_ON_CURVE);

    bad = (wf_point){0}; /* all zero but not flagged infinite */
    CHECK_ERR(wf_address_p2wpkh(addr, sizeof addr, &bad, "bc"), WF_ERR_NOT_ON_CURVE);
    CHECK_ERR(wf_address_hash160(h, &bad), WF_ERR_NOT_ON_CURVE);

    CHECK_ERR(wf_address_p2wpkh(addr, sizeof addr, NULL, "bc"), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    CHECK_ERR(wf_address_hash160(h, NULL), WF_ERR_ARG);
    CHECK_ERR(wf_address_hash160(NULL, &g), WF_ERR_ARG);
}

static void test_bad_hrp_and_buffers(void)
{
    wf_point g;
    char addr[WF_ADDRESS_P2WPKH_MAX_BYTES];
    wf_point_generator(&g);

    static const char *const unknown[] = {"BC", "Bc", "ltc", "", "b", "bcr", "bc ", "tb1", "bcrtx", "tc"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        strcpy(addr, "junk");
        CHECK_ERR(wf_address_p2wpkh(addr, sizeof addr, &g, unknown[i]), WF_ERR_ARG);
        CHECK(addr[0] == '\0');
    }
    CHECK_ERR(wf_address_p2wpkh(addr, sizeof addr, &g, NULL), WF_ERR_ARG);

    /* the 42-character mainnet address needs 43 bytes, regtest's 44 need 45 */
    CHECK_OK(wf_address_p2wpkh(addr, 43, &g, "bc"));
    CHECK(strcmp(addr, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") == 0);
    CHECK_ERR(wf_address_p2wpkh(addr, 42, &g, "bc"), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    CHECK_OK(wf_address_p2wpkh(addr, WF_ADDRESS_P2WPKH_MAX_BYTES, &g, "bcrt"));
    CHECK_ERR(wf_address_p2wpkh(addr, WF_ADDRESS_P2WPKH_MAX_BYTES - 1, &g, "bcrt"), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    CHECK_ERR(wf_address_p2wpkh(addr, 1, &g, "bc"), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    CHECK_ERR(wf_address_p2wpkh(addr, 0, &g, "bc"), WF_ERR_ARG);
    CHECK_ERR(wf_address_p2wpkh(NULL, sizeof addr, &g, "bc"), WF_ERR_ARG);
}

/* Ethereum's well-known addresses of the private keys 1 and 2 (ethers 6.17.0's
 * computeAddress gives the same). */
static void test_eth_keys(void)
{
    static const char *const WANT[] = {"0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
                                       "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"};
    for (uint64_t v = 1; v <= 2; v++) {
        wf_scalar k;
        wf_point pub;
        char addr[WF_ADDRESS_ETH_BYTES];
        wf_scalar_set_u64(&k, v);
        REQUIRE(wf_point_base_mul(&pub, &k) == WF_OK);
        CHECK_OK(wf_address_eth(addr, sizeof addr, &pub));
        if (strcmp(addr, WANT[v - 1]) != 0)
            fprintf(stderr, "key %u: got %s\n", (unsigned)v, addr);
        CHECK(strcmp(addr, WANT[v - 1]) == 0);
    }
}

/* EIP-55, "Test Cases" (all caps, all lower, normal): each, lowercased and
 * read as bytes, comes back in its published case. */
static void test_eip55_cases(void)
{
    static const char *const CASES[] = {
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char lower[WF_ADDRESS_ETH_BYTES], addr[WF_ADDRESS_ETH_BYTES];
        uint8_t raw[WF_ADDRESS_ETH_RAW_BYTES];
        for (size_t c = 0; c < sizeof lower; c++)
            lower[c] = (char)tolower((unsigned char)CASES[i][c]);
        wf_test_unhex_exact(raw, sizeof raw, lower + 2);
        CHECK_OK(wf_address_eth_encode(addr, sizeof addr, raw));
        if (strcmp(addr, CASES[i]) != 0)
            fprintf(stderr, "EIP-55 %s: got %s\n", CASES[i], addr);
        CHECK(strcmp(addr, CASES[i]) == 0);
    }
}

/* 1 if addr is "0x" and 40 hex digits whose lowercase form is raw. */
static int eth_digits_are(const char *addr, const uint8_t raw[WF_ADDRESS_ETH_RAW_BYTES])
{
    uint8_t got[WF_ADDRESS_ETH_RAW_BYTES];
    return strlen(addr) == WF_ADDRESS_ETH_BYTES - 1 && strncmp(addr, "0x", 2) == 0 &&
           wf_test_unhex(got, sizeof got, addr + 2) == sizeof got && memcmp(got, raw, sizeof got) == 0;
}

/* The address is the last 20 bytes of Keccak-256(x || y), cased as
 * wf_address_eth_encode cases those bytes. */
static void test_eth_random_keys(void)
{
    for (int i = 0; i < 50; i++) {
        wf_scalar k;
        wf_point pub;
        uint8_t full[WF_POINT_UNCOMPRESSED_BYTES], hash[WF_KECCAK256_BYTES];
        char addr[WF_ADDRESS_ETH_BYTES], recased[WF_ADDRESS_ETH_BYTES];
        wf_scalar_random(&k);
        REQUIRE(wf_point_base_mul(&pub, &k) == WF_OK);
        REQUIRE(wf_point_serialize_uncompressed(full, &pub) == WF_OK);
        CHECK_OK(wf_keccak256(hash, full + 1, sizeof full - 1));
        const uint8_t *raw = hash + sizeof hash - WF_ADDRESS_ETH_RAW_BYTES;
        CHECK_OK(wf_address_eth(addr, sizeof addr, &pub));
        CHECK(eth_digits_are(addr, raw));
        CHECK_OK(wf_address_eth_encode(recased, sizeof recased, raw));
        CHECK(strcmp(addr, recased) == 0);
    }
}

static void test_eth_refusals(void)
{
    wf_point g, bad;
    char addr[WF_ADDRESS_ETH_BYTES];
    static const uint8_t raw[WF_ADDRESS_ETH_RAW_BYTES] = {0};
    wf_point_generator(&g);

    wf_point_set_infinity(&bad);
    strcpy(addr, "junk");
    CHECK_ERR(wf_address_eth(addr, sizeof addr, &bad), WF_ERR_INFINITY);
    CHECK(addr[0] == '\0');
    bad = g;
    bad.y[31] ^= 1;
    strcpy(addr, "junk");
    CHECK_ERR(wf_address_eth(addr, sizeof addr, &bad), WF_ERR_NOT_ON_CURVE);
    CHECK(addr[0] == '\0');
    bad = (wf_point){0};
    CHECK_ERR(wf_address_eth(addr, sizeof addr, &bad), WF_ERR_NOT_ON_CURVE);
    strcpy(addr, "junk");
    CHECK_ERR(wf_address_eth(addr, sizeof addr, NULL), WF_ERR_ARG);
    CHECK(addr[0] == '\0');

    /* 42 characters and the NUL: 43 bytes fit, 42 do not */
    CHECK_OK(wf_address_eth(addr, WF_ADDRESS_ETH_BYTES, &g));
    CHECK(strcmp(addr, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf") == 0);
    CHECK_ERR(wf_address_eth(addr, WF_ADDRESS_ETH_BYTES - 1, &g), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    strcpy(addr, "junk");
    CHECK_ERR(wf_address_eth(addr, 1, &g), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    CHECK_ERR(wf_address_eth(addr, 0, &g), WF_ERR_ARG);
    CHECK_ERR(wf_address_eth(NULL, sizeof addr, &g), WF_ERR_ARG);

    /* the all-zero address has no letter to case */
    CHECK_OK(wf_address_eth_encode(addr, sizeof addr, raw));
    CHECK(strcmp(addr, "0x0000000000000000000000000000000000000000") == 0);
    CHECK_ERR(wf_address_eth_encode(addr, WF_ADDRESS_ETH_BYTES - 1, raw), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    strcpy(addr, "junk");
    CHECK_ERR(wf_address_eth_encode(addr, sizeof addr, NULL), WF_ERR_ARG);
    CHECK(addr[0] == '\0');
    CHECK_ERR(wf_address_eth_encode(addr, 0, raw), WF_ERR_ARG);
    CHECK_ERR(wf_address_eth_encode(NULL, sizeof addr, raw), WF_ERR_ARG);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_vectors();
    test_ripemd160_provider();
    test_random_keys();
    test_bad_points();
    test_bad_hrp_and_buffers();
    test_eth_keys();
    test_eip55_cases();
    test_eth_random_keys();
    test_eth_refusals();
    return wf_check_summary("test_address");
}

/* Base58 / Base58Check: Bitcoin Core's published vectors, round trips and
 * refusals (bad characters, bad checksum, oversize input and output). */
#include <string.h>

#include "crypto/base58.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "tests/check.h"

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = strlen(hex) / 2;
    REQUIRE(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        REQUIRE(sscanf(hex + 2 * i, "%2x", &v) == 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

/* bitcoin/bitcoin src/test/data/base58_encode_decode.json */
static const char *const PLAIN_VECTORS[][2] = {
    {"", ""},
    {"61", "2g"},
    {"626262", "a3gV"},
    {"636363", "aPEr"},
    {"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
    {"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
    {"516b6fcd0f", "ABnLTmg"},
    {"bf4f89001e670274dd", "3SEo3LWLoPntC"},
    {"572e4794", "3EFU7m"},
    {"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
    {"10c8511e", "Rt5zm"},
    {"00000000000000000000", "1111111111"},
};

/* bitcoin/bitcoin base58_keys_valid.json: version byte ‖ HASH160 -> address */
static const char *const CHECK_VECTORS[][2] = {
    {"0065a16059864a2fdbc7c99a4723a8395bc6f188eb", "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i"},
    {"0574f209f6ea907e2ea48f74fae05782ae8a665257", "3CMNFxN1oHBc4R1EpboAL5yzHGgE611Xou"},
};

static void test_known_answers(void)
{
    for (size_t i = 0; i < sizeof PLAIN_VECTORS / sizeof PLAIN_VECTORS[0]; i++) {
        uint8_t raw[64], back[64];
        char str[128];
        size_t n = unhex(raw, sizeof raw, PLAIN_VECTORS[i][0]);
        size_t slen = sizeof str, blen = sizeof back;
        CHECK_OK(wf_base58_encode(str, &slen, raw, n));
        CHECK(strcmp(str, PLAIN_VECTORS[i][1]) == 0 && slen == strlen(PLAIN_VECTORS[i][1]));
        CHECK_OK(wf_base58_decode(back, &blen, PLAIN_VECTORS[i][1]));
        CHECK(blen == n && memcmp(back, raw, n) == 0);
    }
    for (size_t i = 0; i < sizeof CHECK_VECTORS / sizeof CHECK_VECTORS[0]; i++) {
        uint8_t raw[64], back[64];
        char str[128];
        size_t n = unhex(raw, sizeof raw, CHECK_VECTORS[i][0]);
        size_t slen = sizeof str, blen = sizeof back;
        CHECK_OK(wf_base58check_encode(str, &slen, raw, n));
        CHECK(strcmp(str, CHECK_VECTORS[i][1]) == 0);
        CHECK_OK(wf_base58check_decode(back, &blen, CHECK_VECTORS[i][1]));
        CHECK(blen == n && memcmp(back, raw, n) == 0);
    }
}

static void test_round_trips(void)
{
    uint8_t raw[WF_BASE58_MAX_BYTES], back[WF_BASE58_MAX_BYTES];
    char str[WF_BASE58_MAX_CHARS + 1];
    for (size_t len = 0; len <= WF_BASE58_MAX_BYTES; len++) {
        wf_random_bytes(raw, len);
        size_t zeros = len % 5 < len ? len % 5 : len; /* some leading zero bytes */
        memset(raw, 0, zeros);
        size_t slen = sizeof str, blen = sizeof back;
        CHECK_OK(wf_base58_encode(str, &slen, raw, len));
        CHECK(slen <= WF_BASE58_MAX_CHARS);
        CHECK_OK(wf_base58_decode(back, &blen, str));
        CHECK(blen == len && memcmp(back, raw, len) == 0);
        if (len <= WF_BASE58_MAX_BYTES - WF_BASE58_CHECKSUM_BYTES) {
            slen = sizeof str;
            blen = sizeof back;
            CHECK_OK(wf_base58check_encode(str, &slen, raw, len));
            CHECK_OK(wf_base58check_decode(back, &blen, str));
            CHECK(blen == len && memcmp(back, raw, len) == 0);
        }
    }
    /* the largest value: 128 bytes of 0xFF */
    memset(raw, 0xFF, sizeof raw);
    size_t slen = sizeof str, blen = sizeof back;
    CHECK_OK(wf_base58_encode(str, &slen, raw, sizeof raw));
    CHECK_OK(wf_base58_decode(back, &blen, str));
    CHECK(blen == sizeof raw && memcmp(back, raw, sizeof raw) == 0);
}

static void test_bad_characters(void)
{
    static const char *const bad[] = {"0", "O", "I",   "l",    "2g0",  "a3g V",     " 2g", "2g\n",
                                      "+", "-", "2g=", "\x80", "\xff", "2\xc3\xa9", "abc/"};
    uint8_t out[64];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = sizeof out;
        CHECK_ERR(wf_base58_decode(out, &len, bad[i]), WF_ERR_ENCODING);
        len = sizeof out;
        CHECK_ERR(wf_base58check_decode(out, &len, bad[i]), WF_ERR_ENCODING);
    }
}

static void test_sizes(void)
{
    uint8_t out[WF_BASE58_MAX_BYTES];
    char str[WF_BASE58_MAX_CHARS + 2];
    size_t len;

    /* decoded value larger than the caller's buffer */
    len = 2;
    CHECK_ERR(wf_base58_decode(out, &len, "a3gV"), WF_ERR_RANGE);
    CHECK(len == 2);
    len = 9;
    CHECK_ERR(wf_base58_decode(out, &len, "1111111111"), WF_ERR_RANGE);
    /* longer than any string the module accepts */
    memset(str, 'z', WF_BASE58_MAX_CHARS + 1);
    str[WF_BASE58_MAX_CHARS + 1] = '\0';
    len = sizeof out;
    CHECK_ERR(wf_base58_decode(out, &len, str), WF_ERR_ENCODING);
    /* within the character limit but a value above 2^1024 */
    str[WF_BASE58_MAX_CHARS] = '\0';
    len = sizeof out;
    CHECK_ERR(wf_base58_decode(out, &len, str), WF_ERR_RANGE);
    /* 176 leading '1's: 176 zero bytes, over the byte limit */
    memset(str, '1', WF_BASE58_MAX_CHARS);
    len = sizeof out;
    CHECK_ERR(wf_base58_decode(out, &len, str), WF_ERR_RANGE);

    /* encoder: too small an output buffer, too long an input */
    uint8_t raw[WF_BASE58_MAX_BYTES + 1] = {1, 2, 3};
    len = 3; /* 0x0102 is "5T": 3 bytes with the NUL fit, 2 do not */
    CHECK_OK(wf_base58_encode(str, &len, raw, 2));
    CHECK(len == 2 && strcmp(str, "5T") == 0);
    len = 2;
    CHECK_ERR(wf_base58_encode(str, &len, raw, 2), WF_ERR_ARG);
    len = sizeof str;
    CHECK_ERR(wf_base58_encode(str, &len, raw, sizeof raw), WF_ERR_ARG);
    len = sizeof str;
    CHECK_ERR(wf_base58check_encode(str, &len, raw, WF_BASE58_MAX_BYTES - 3), WF_ERR_ARG);
    len = sizeof str;
    CHECK_ERR(wf_base58_encode(NULL, &len, raw, 1), WF_ERR_ARG);
    CHECK_ERR(wf_base58_decode(out, NULL, "2g"), WF_ERR_ARG);
    len = sizeof out;
    CHECK_ERR(wf_base58_decode(out, &len, NULL), WF_ERR_ARG);
}

static void test_checksum_refusals(void)
{
    uint8_t out[64];
    size_t len;
    char addr[] = "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i";
    /* every single-character change is caught */
    for (size_t i = 0; i < strlen(addr); i++) {
        char saved = addr[i];
        addr[i] = saved == 'z' ? 'y' : 'z';
        len = sizeof out;
        wf_err err = wf_base58check_decode(out, &len, addr);
        CHECK(err == WF_ERR_VERIFY || err == WF_ERR_RANGE);
        addr[i] = saved;
    }
    /* shorter than a checksum */
    static const char *const short_inputs[] = {"", "1", "111", "2g", "3EFU7"};
    for (size_t i = 0; i < sizeof short_inputs / sizeof short_inputs[0]; i++) {
        len = sizeof out;
        wf_err err = wf_base58check_decode(out, &len, short_inputs[i]);
        CHECK(err == WF_ERR_ENCODING || err == WF_ERR_VERIFY);
    }
    len = sizeof out;
    CHECK_ERR(wf_base58check_decode(out, &len, ""), WF_ERR_ENCODING);
    /* payload larger than the caller's buffer */
    len = 20;
    CHECK_ERR(wf_base58check_decode(out, &len, "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i"), WF_ERR_RANGE);
    len = 21;
    CHECK_OK(wf_base58check_decode(out, &len, "1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i"));
    CHECK(len == 21);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_known_answers();
    test_round_trips();
    test_bad_characters();
    test_sizes();
    test_checksum_refusals();
    return wf_check_summary("test_base58");
}

/* Bech32 encoding: BIP-173's valid strings re-encoded from their parts, its
 * segwit examples from (version, program), the 8-to-5-bit regrouping, and
 * refusals (the HRPs its invalid list names, sizes, out-of-range values). */
#include <ctype.h>
#include <string.h>

#include "crypto/bech32.h"
#include "tests/check.h"
#include "tests/hex.h"

static const char ALPHABET[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* BIP-173 (bitcoin/bips, bip-0173.mediawiki), "Test vectors": the strings
 * listed as valid Bech32. */
static const char *const VALID[] = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
};

/* Splits a valid string at its last '1', turns the data characters (without
 * the checksum) back into values, encodes hrp and values again and checks the
 * result is the string in lowercase. */
static void check_reencodes(const char *str)
{
    char lower[WF_BECH32_MAX_CHARS + 1], hrp[WF_BECH32_MAX_CHARS + 1], out[WF_BECH32_MAX_CHARS + 1];
    uint8_t values[WF_BECH32_MAX_CHARS];
    size_t len = strlen(str);
    REQUIRE(len <= WF_BECH32_MAX_CHARS);
    for (size_t i = 0; i <= len; i++)
        lower[i] = (char)tolower((unsigned char)str[i]);
    const char *sep = strrchr(lower, '1');
    REQUIRE(sep != NULL);
    size_t hrp_len = (size_t)(sep - lower);
    memcpy(hrp, lower, hrp_len);
    hrp[hrp_len] = '\0';
    size_t n = len - hrp_len - 1 - WF_BECH32_CHECKSUM_CHARS;
    for (size_t i = 0; i < n; i++) {
        const char *hit = strchr(ALPHABET, sep[1 + i]);
        REQUIRE(hit != NULL && *hit != '\0');
        values[i] = (uint8_t)(hit - ALPHABET);
    }
    size_t out_len = sizeof out;
    CHECK_OK(wf_bech32_encode(out, &out_len, hrp, values, n));
    CHECK(out_len == len && strcmp(out, lower) == 0);
}

/* BIP-173's valid segwit addresses as (hrp, witness version, program). They
 * date from before BIP-350: as addresses, versions 1+ now take Bech32m, but
 * every string here is still valid Bech32, which is what is tested. */
static const struct {
    const char *hrp;
    uint8_t version;
    const char *program;
    const char *address;
} SEGWIT[] = {
    {"bc", 0, "751e76e8199196d454941c45d1b3a323f1433bd6", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"},
    {"tb", 0, "1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
     "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"},
    {"bc", 16, "751e", "BC1SW50QA3JX3S"},
    {"bc", 2, "751e76e8199196d454941c45d1b3a323", "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj"},
    {"tb", 0, "000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
     "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy"},
};

static void test_segwit_examples(void)
{
    for (size_t i = 0; i < sizeof SEGWIT / sizeof SEGWIT[0]; i++) {
        uint8_t program[40], values[1 + 64];
        size_t plen = wf_test_unhex(program, sizeof program, SEGWIT[i].program);
        REQUIRE(plen != (size_t)-1);
        size_t n = sizeof values - 1;
        values[0] = SEGWIT[i].version;
        CHECK_OK(wf_bech32_bytes_to_5bit(values + 1, &n, program, plen));
        CHECK(n == (plen * 8 + 4) / 5);
        char out[WF_BECH32_MAX_CHARS + 1], want[WF_BECH32_MAX_CHARS + 1];
        size_t out_len = sizeof out;
        CHECK_OK(wf_bech32_encode(out, &out_len, SEGWIT[i].hrp, values, n + 1));
        size_t wlen = strlen(SEGWIT[i].address);
        for (size_t k = 0; k <= wlen; k++)
            want[k] = (char)tolower((unsigned char)SEGWIT[i].address[k]);
        CHECK(strcmp(out, want) == 0);
    }
}

static void test_regrouping(void)
{
    uint8_t in[3] = {0xff, 0x00, 0xa5}, out[8];
    size_t n = sizeof out;
    CHECK_OK(wf_bech32_bytes_to_5bit(out, &n, in, 0));
    CHECK(n == 0);
    /* 11111111 -> 11111 111(00) */
    n = sizeof out;
    CHECK_OK(wf_bech32_bytes_to_5bit(out, &n, in, 1));
    CHECK(n == 2 && out[0] == 31 && out[1] == 28);
    /* 11111111 00000000 10100101 -> 11111 11100 00000 01010 0101(0) */
    n = sizeof out;
    CHECK_OK(wf_bech32_bytes_to_5bit(out, &n, in, 3));
    CHECK(n == 5 && out[0] == 31 && out[1] == 28 && out[2] == 0 && out[3] == 10 && out[4] == 10);
    /* five bytes are exactly eight groups, no padding */
    uint8_t five[5] = {0xff, 0xff, 0xff, 0xff, 0xff};
    n = 8;
    CHECK_OK(wf_bech32_bytes_to_5bit(out, &n, five, 5));
    CHECK(n == 8 && out[7] == 31);
    n = 7;
    CHECK_ERR(wf_bech32_bytes_to_5bit(out, &n, five, 5), WF_ERR_ARG);
    n = 1;
    CHECK_ERR(wf_bech32_bytes_to_5bit(out, &n, in, 1), WF_ERR_ARG);
    n = sizeof out;
    CHECK_ERR(wf_bech32_bytes_to_5bit(NULL, &n, in, 1), WF_ERR_ARG);
    CHECK_ERR(wf_bech32_bytes_to_5bit(out, NULL, in, 1), WF_ERR_ARG);
    CHECK_ERR(wf_bech32_bytes_to_5bit(out, &n, NULL, 1), WF_ERR_ARG);
}

static void test_refusals(void)
{
    char out[WF_BECH32_MAX_CHARS + 2];
    uint8_t values[WF_BECH32_MAX_CHARS] = {0};
    size_t len;
    /* the HRPs of BIP-173's invalid strings: out of range, too long, empty,
     * and uppercase ("A1G7SGD8": checksum made with the uppercase HRP) */
    static const char *const bad_hrp[] = {
        " ",
        "\x7f",
        "\x80",
        "",
        "A",
        "bC",
        "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio",
    };
    for (size_t i = 0; i < sizeof bad_hrp / sizeof bad_hrp[0]; i++) {
        len = sizeof out;
        CHECK_ERR(wf_bech32_encode(out, &len, bad_hrp[i], values, 0), WF_ERR_ARG);
    }
    /* 90 characters is the most: hrp "1" + '1' + 82 values + 6 */
    len = sizeof out;
    CHECK_OK(wf_bech32_encode(out, &len, "1", values, 82));
    CHECK(len == WF_BECH32_MAX_CHARS);
    len = sizeof out;
    CHECK_ERR(wf_bech32_encode(out, &len, "1", values, 83), WF_ERR_ARG);
    /* the buffer must hold the string and its NUL */
    len = 9; /* "a12uel5l" is 8 characters */
    CHECK_OK(wf_bech32_encode(out, &len, "a", values, 0));
    CHECK(len == 8 && strcmp(out, "a12uel5l") == 0);
    len = 8;
    CHECK_ERR(wf_bech32_encode(out, &len, "a", values, 0), WF_ERR_ARG);
    /* values are 5 bits */
    values[3] = 32;
    len = sizeof out;
    CHECK_ERR(wf_bech32_encode(out, &len, "a", values, 4), WF_ERR_ARG);
    values[3] = 0;
    len = sizeof out;
    CHECK_ERR(wf_bech32_encode(NULL, &len, "a", values, 1), WF_ERR_ARG);
    CHECK_ERR(wf_bech32_encode(out, NULL, "a", values, 1), WF_ERR_ARG);
    CHECK_ERR(wf_bech32_encode(out, &len, NULL, values, 1), WF_ERR_ARG);
    CHECK_ERR(wf_bech32_encode(out, &len, "a", NULL, 1), WF_ERR_ARG);
}

int main(void)
{
    for (size_t i = 0; i < sizeof VALID / sizeof VALID[0]; i++)
        check_reencodes(VALID[i]);
    test_segwit_examples();
    test_regrouping();
    test_refusals();
    return wf_check_summary("test_bech32");
}

/* Keccak-256 (crypto/keccak.h, Crypto++): known answers, lengths around the
 * 136-byte rate, that it is not FIPS SHA3-256, and refusals. */
#include <string.h>

#include <openssl/evp.h>

#include "crypto/keccak.h"
#include "tests/check.h"
#include "tests/hex.h"

/* Keccak-256("") is the Len = 0 entry of the Keccak team's ShortMsgKAT_256
 * (and Ethereum's hash of empty code); Keccak-256("abc") is Ethereum's usual
 * example. Both agree with ethers 6.17.0's keccak256 (@noble/hashes). */
#define KECCAK_EMPTY "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
#define KECCAK_ABC   "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
/* SHA3-256(""), FIPS 202's padding: what a wrong library would give. */
#define SHA3_EMPTY "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"

static void test_known_answers(void)
{
    uint8_t out[WF_KECCAK256_BYTES];
    static const uint8_t none[1] = {0};
    CHECK_OK(wf_keccak256(out, none, 0));
    CHECK(wf_test_eq_hex(out, sizeof out, KECCAK_EMPTY));
    CHECK_OK(wf_keccak256(out, NULL, 0));
    CHECK(wf_test_eq_hex(out, sizeof out, KECCAK_EMPTY));
    CHECK_OK(wf_keccak256(out, (const uint8_t *)"abc", 3));
    CHECK(wf_test_eq_hex(out, sizeof out, KECCAK_ABC));
}

/* Bytes 0, 1, 2, … of each length, one short of, at and past the rate (one
 * and two absorbed blocks); digests from ethers 6.17.0's keccak256. */
static void test_block_boundaries(void)
{
    static const struct {
        size_t len;
        const char *digest;
    } CASES[] = {
        {135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"},
        {136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"},
        {137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"},
        {200, "bfb0aa97863e797943cf7c33bb7e880bb4543f3d2703c0923c6901c2af57b890"},
    };
    uint8_t msg[200], out[WF_KECCAK256_BYTES];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        CHECK_OK(wf_keccak256(out, msg, CASES[i].len));
        CHECK(wf_test_eq_hex(out, sizeof out, CASES[i].digest));
    }
}

/* OpenSSL's SHA3-256 gives FIPS 202's digest; ours must differ from it. */
static void test_not_sha3(void)
{
    uint8_t sha3[EVP_MAX_MD_SIZE], ours[WF_KECCAK256_BYTES];
    unsigned len = 0;
    CHECK(EVP_Digest("", 0, sha3, &len, EVP_sha3_256(), NULL) == 1);
    CHECK(len == WF_KECCAK256_BYTES && wf_test_eq_hex(sha3, len, SHA3_EMPTY));
    CHECK_OK(wf_keccak256(ours, NULL, 0));
    CHECK(memcmp(ours, sha3, sizeof ours) != 0);
}

static void test_refusals(void)
{
    uint8_t out[WF_KECCAK256_BYTES];
    CHECK_ERR(wf_keccak256(NULL, (const uint8_t *)"abc", 3), WF_ERR_ARG);
    CHECK_ERR(wf_keccak256(NULL, NULL, 0), WF_ERR_ARG);
    CHECK_ERR(wf_keccak256(out, NULL, 1), WF_ERR_ARG);
}

int main(void)
{
    test_known_answers();
    test_block_boundaries();
    test_not_sha3();
    test_refusals();
    return wf_check_summary("test_keccak");
}

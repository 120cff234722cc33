/* The integer wire form of protocol/codec.c: canonical, signed, bounded. */
#include <string.h>

#include "crypto/random.h"
#include "crypto/secmem.h"
#include "protocol/codec.h"
#include "tests/check.h"

static wf_err decode_bytes(mpz_t out, const uint8_t *data, size_t len)
{
    ProtobufCBinaryData b = {len, (uint8_t *)data};
    return wf_codec_mpz_decode(out, &b);
}

static void test_round_trip(void)
{
    mpz_t v, back;
    mpz_inits(v, back, NULL);
    for (int i = 0; i < 200; i++) {
        wf_mpz_random_pm(v, (unsigned)(i * 37 % 4000));
        ProtobufCBinaryData b;
        CHECK_OK(wf_codec_mpz_encode(&b, v));
        CHECK_OK(wf_codec_mpz_decode(back, &b));
        CHECK(mpz_cmp(v, back) == 0);
        free(b.data);
    }
    mpz_set_ui(v, 0);
    ProtobufCBinaryData b;
    CHECK_OK(wf_codec_mpz_encode(&b, v));
    CHECK(b.len == 1 && b.data[0] == 0);
    free(b.data);
    mpz_set_si(v, -258);
    CHECK_OK(wf_codec_mpz_encode(&b, v));
    CHECK(b.len == 3 && b.data[0] == 1 && b.data[1] == 1 && b.data[2] == 2);
    free(b.data);
    mpz_clears(v, back, NULL);
}

static void test_refusals(void)
{
    mpz_t v;
    mpz_init(v);
    CHECK_ERR(decode_bytes(v, NULL, 0), WF_ERR_ENCODING);                       /* missing */
    CHECK_ERR(decode_bytes(v, (const uint8_t[]){2, 5}, 2), WF_ERR_ENCODING);    /* bad sign byte */
    CHECK_ERR(decode_bytes(v, (const uint8_t[]){0, 0, 5}, 3), WF_ERR_ENCODING); /* leading zero */
    CHECK_ERR(decode_bytes(v, (const uint8_t[]){1}, 1), WF_ERR_ENCODING);       /* negative zero */
    CHECK_OK(decode_bytes(v, (const uint8_t[]){0}, 1));
    CHECK(mpz_sgn(v) == 0);
    CHECK_OK(decode_bytes(v, (const uint8_t[]){1, 7}, 2));
    CHECK(mpz_cmp_si(v, -7) == 0);
    /* oversized magnitude */
    static uint8_t big[WF_CODEC_MAX_INT_BYTES + 2];
    memset(big, 0xff, sizeof big);
    big[0] = 0;
    CHECK_ERR(decode_bytes(v, big, sizeof big), WF_ERR_RANGE);
    CHECK_OK(decode_bytes(v, big, sizeof big - 1));
    /* too large to encode */
    mpz_set_ui(v, 1);
    mpz_mul_2exp(v, v, 8 * WF_CODEC_MAX_INT_BYTES);
    ProtobufCBinaryData b = {0, NULL};
    CHECK_ERR(wf_codec_mpz_encode(&b, v), WF_ERR_RANGE);
    mpz_clear(v);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_round_trip();
    test_refusals();
    return wf_check_summary("test_codec");
}

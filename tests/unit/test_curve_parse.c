/* Parsers of scalars and points fed edge and hostile inputs: truncated,
 * oversized, >= q, off-curve, x >= p, infinity encodings. Every case must
 * give an error, never a crash; libsecp256k1 is the independent oracle for
 * which encodings are valid points. */
#include <string.h>

#include <secp256k1.h>

#include "crypto/point.h"
#include "crypto/random.h"
#include "crypto/scalar.h"
#include "crypto/secmem.h"
#include "tests/check.h"
#include "tests/hex.h"

static secp256k1_context *ctx;

static const char *const Q_HEX = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141";
static const char *const P_HEX = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F";

/* ---- scalars ---- */

static void check_scalar_refused(const char *hex, wf_err want)
{
    uint8_t b[32];
    wf_scalar s;
    wf_test_unhex_exact(b, 32, hex);
    CHECK_ERR(wf_scalar_parse(&s, b, 32), want);
    CHECK_ERR(wf_scalar_parse_nonzero(&s, b, 32), want);
    CHECK(secp256k1_ec_seckey_verify(ctx, b) == 0); /* libsecp256k1 agrees */
}

static void test_scalar_parse(void)
{
    uint8_t b[64] = {0};
    wf_scalar s;
    check_scalar_refused(Q_HEX, WF_ERR_RANGE); /* q */
    check_scalar_refused("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364142",
                         WF_ERR_RANGE); /* q+1 */
    check_scalar_refused("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                         WF_ERR_RANGE);        /* 2^256-1 */
    check_scalar_refused(P_HEX, WF_ERR_RANGE); /* p > q */

    /* q - 1 is the largest scalar */
    wf_test_unhex_exact(b, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140");
    CHECK_OK(wf_scalar_parse(&s, b, 32));
    CHECK_OK(wf_scalar_parse_nonzero(&s, b, 32));
    CHECK(secp256k1_ec_seckey_verify(ctx, b) == 1);
    uint8_t out[32];
    wf_scalar_serialize(out, &s);
    CHECK(memcmp(out, b, 32) == 0);

    /* zero: a scalar, but not a key */
    memset(b, 0, 32);
    CHECK_OK(wf_scalar_parse(&s, b, 32));
    CHECK(wf_scalar_is_zero(&s));
    CHECK_ERR(wf_scalar_parse_nonzero(&s, b, 32), WF_ERR_RANGE);
    CHECK(secp256k1_ec_seckey_verify(ctx, b) == 0);

    /* wrong lengths, missing pointers */
    static const size_t lens[] = {0, 1, 31, 33, 64};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        CHECK_ERR(wf_scalar_parse(&s, b, lens[i]), WF_ERR_ENCODING);
        CHECK_ERR(wf_scalar_parse_nonzero(&s, b, lens[i]), WF_ERR_ENCODING);
    }
    CHECK_ERR(wf_scalar_parse(NULL, b, 32), WF_ERR_ARG);
    CHECK_ERR(wf_scalar_parse(&s, NULL, 32), WF_ERR_ARG);
}

static void test_scalar_reduce_and_half(void)
{
    uint8_t b[64];
    wf_scalar s, want;
    wf_test_unhex_exact(b, 32, Q_HEX);
    CHECK_OK(wf_scalar_reduce_bytes(&s, b, 32)); /* q mod q = 0 */
    CHECK(wf_scalar_is_zero(&s));
    memset(b, 0xFF, 32);
    CHECK_OK(wf_scalar_reduce_bytes(&s, b, 32)); /* 2^256 - 1 - q */
    wf_test_unhex_exact(want.b, 32, "000000000000000000000000000000014551231950B75FC4402DA1732FC9BEBE");
    CHECK(wf_scalar_eq(&s, &want));
    memset(b, 0xFF, 64);
    CHECK_OK(wf_scalar_reduce_bytes(&s, b, 64)); /* 2^512 - 1 mod q */
    CHECK(!wf_scalar_is_zero(&s));

    /* (q-1)/2 is the largest low s, (q+1)/2 the smallest high one */
    wf_test_unhex_exact(s.b, 32, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0");
    CHECK(!wf_scalar_is_high(&s));
    wf_test_unhex_exact(s.b, 32, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A1");
    CHECK(wf_scalar_is_high(&s));
    wf_scalar_set_u64(&s, 0);
    CHECK(!wf_scalar_is_high(&s));
}

/* ---- points ---- */

/* Parses enc with both wf_point_parse* and libsecp256k1 and checks they
 * agree on validity and on the point. */
static void check_point_vs_oracle(const uint8_t *enc, size_t len)
{
    wf_point p;
    secp256k1_pubkey pk;
    wf_err err = len == 65 ? wf_point_parse_uncompressed(&p, enc, len) : wf_point_parse(&p, enc, len);
    int ok = secp256k1_ec_pubkey_parse(ctx, &pk, enc, len);
    /* libsecp256k1 also takes 06/07 hybrid keys; we never do */
    if (len == 65 && (enc[0] == 6 || enc[0] == 7))
        ok = 0;
    CHECK((err == WF_OK) == (ok == 1));
    if (err == WF_OK && ok) {
        uint8_t a[65], b[65];
        size_t blen = sizeof b;
        CHECK_OK(wf_point_serialize_uncompressed(a, &p));
        secp256k1_ec_pubkey_serialize(ctx, b, &blen, &pk, SECP256K1_EC_UNCOMPRESSED);
        CHECK(blen == 65 && memcmp(a, b, 65) == 0);
    }
}

static void test_point_parse_lengths_and_prefixes(void)
{
    uint8_t buf[80] = {0};
    wf_point p, g;
    wf_point_generator(&g);
    CHECK_OK(wf_point_serialize(buf, &g));
    CHECK_OK(wf_point_parse(&p, buf, 33));
    CHECK(wf_point_eq(&p, &g));

    static const size_t bad_lens[] = {0, 1, 32, 34, 65};
    for (size_t i = 0; i < sizeof bad_lens / sizeof bad_lens[0]; i++)
        CHECK_ERR(wf_point_parse(&p, buf, bad_lens[i]), WF_ERR_ENCODING);
    static const uint8_t bad_prefix[] = {0x00, 0x01, 0x04, 0x05, 0x06, 0x07, 0x82, 0xFF};
    for (size_t i = 0; i < sizeof bad_prefix; i++) {
        uint8_t e[33];
        memcpy(e, buf, 33);
        e[0] = bad_prefix[i];
        CHECK_ERR(wf_point_parse(&p, e, 33), WF_ERR_ENCODING);
    }
    /* SEC1's infinity is the single byte 00; it has no place here */
    uint8_t inf[65] = {0};
    CHECK_ERR(wf_point_parse(&p, inf, 1), WF_ERR_ENCODING);
    CHECK_ERR(wf_point_parse(&p, inf, 33), WF_ERR_ENCODING);
    CHECK_ERR(wf_point_parse_uncompressed(&p, inf, 1), WF_ERR_ENCODING);
    CHECK_ERR(wf_point_parse_uncompressed(&p, inf, 65), WF_ERR_ENCODING);
    CHECK_ERR(wf_point_parse(NULL, buf, 33), WF_ERR_ARG);
    CHECK_ERR(wf_point_parse(&p, NULL, 33), WF_ERR_ARG);

    wf_point_set_infinity(&p);
    CHECK_ERR(wf_point_serialize(buf, &p), WF_ERR_INFINITY);
    CHECK_ERR(wf_point_serialize_uncompressed(buf, &p), WF_ERR_INFINITY);
}

static void test_point_parse_off_curve(void)
{
    uint8_t e[33] = {0x02};
    wf_point p;
    /* x³ + 7 is not a square for x = 0, 5, 7 (BIP-32 vector 5 uses x = 7) */
    static const uint8_t no_y[] = {0, 5, 7};
    for (size_t i = 0; i < sizeof no_y; i++) {
        for (uint8_t pre = 2; pre <= 3; pre++) {
            memset(e, 0, sizeof e);
            e[0] = pre;
            e[32] = no_y[i];
            CHECK_ERR(wf_point_parse(&p, e, 33), WF_ERR_NOT_ON_CURVE);
        }
    }
    /* x >= p: p itself, p + 1 (≡ 1, whose x IS on the curve: must not be
     * reduced mod p), p + 0xD0 and 2^256 - 1 */
    static const char *const big_x[] = {
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC31",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    };
    for (size_t i = 0; i < sizeof big_x / sizeof big_x[0]; i++) {
        for (uint8_t pre = 2; pre <= 3; pre++) {
            e[0] = pre;
            wf_test_unhex_exact(e + 1, 32, big_x[i]);
            CHECK(wf_point_parse(&p, e, 33) != WF_OK);
            check_point_vs_oracle(e, 33);
        }
    }
    /* x = 1 and x = 2 are on the curve */
    memset(e, 0, sizeof e);
    e[0] = 0x02;
    e[32] = 1;
    CHECK_OK(wf_point_parse(&p, e, 33));
    e[32] = 2;
    CHECK_OK(wf_point_parse(&p, e, 33));
}

static void test_point_parse_uncompressed(void)
{
    uint8_t u[66];
    wf_point g, p;
    wf_point_generator(&g);
    CHECK_OK(wf_point_serialize_uncompressed(u, &g));
    CHECK_OK(wf_point_parse_uncompressed(&p, u, 65));
    CHECK(wf_point_eq(&p, &g));
    CHECK_ERR(wf_point_parse_uncompressed(&p, u, 64), WF_ERR_ENCODING);
    CHECK_ERR(wf_point_parse_uncompressed(&p, u, 66), WF_ERR_ENCODING);
    CHECK_ERR(wf_point_parse_uncompressed(&p, u, 33), WF_ERR_ENCODING);

    /* hybrid (06/07) and compressed prefixes in a 65-byte string */
    static const uint8_t bad_prefix[] = {0x00, 0x02, 0x03, 0x05, 0x06, 0x07};
    for (size_t i = 0; i < sizeof bad_prefix; i++) {
        uint8_t e[65];
        memcpy(e, u, 65);
        e[0] = bad_prefix[i];
        CHECK_ERR(wf_point_parse_uncompressed(&p, e, 65), WF_ERR_ENCODING);
    }
    /* y off by one: not on the curve */
    uint8_t e[65];
    memcpy(e, u, 65);
    e[64] ^= 1;
    CHECK_ERR(wf_point_parse_uncompressed(&p, e, 65), WF_ERR_NOT_ON_CURVE);
    check_point_vs_oracle(e, 65);
    /* (0, 0): 0 != 0³ + 7 */
    memset(e, 0, 65);
    e[0] = 0x04;
    CHECK_ERR(wf_point_parse_uncompressed(&p, e, 65), WF_ERR_NOT_ON_CURVE);
    /* x = p + 1 with the y of x = 1: a valid point only if x were reduced */
    uint8_t one[33] = {0x02};
    one[32] = 1;
    wf_point p1;
    REQUIRE(wf_point_parse(&p1, one, 33) == WF_OK);
    e[0] = 0x04;
    wf_test_unhex_exact(e + 1, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC30");
    memcpy(e + 33, p1.y, 32);
    CHECK(wf_point_parse_uncompressed(&p, e, 65) != WF_OK);
    check_point_vs_oracle(e, 65);
    /* -G = (x, p - y) is fine */
    wf_point ng;
    CHECK_OK(wf_point_neg(&ng, &g));
    CHECK_OK(wf_point_serialize_uncompressed(e, &ng));
    CHECK_OK(wf_point_parse_uncompressed(&p, e, 65));
    CHECK(wf_point_eq(&p, &ng));
}

static void test_points_vs_oracle(void)
{
    uint8_t e[65];
    /* every small x with both parities */
    for (unsigned x = 0; x < 64; x++) {
        for (uint8_t pre = 2; pre <= 3; pre++) {
            memset(e, 0, 33);
            e[0] = pre;
            e[32] = (uint8_t)x;
            check_point_vs_oracle(e, 33);
        }
    }
    /* x just below p */
    for (unsigned d = 1; d < 0x30; d++) {
        e[0] = (uint8_t)(2 + (d & 1));
        wf_test_unhex_exact(e + 1, 32, P_HEX);
        e[32] = (uint8_t)(e[32] - d); /* p ends in 2F: no borrow */
        check_point_vs_oracle(e, 33);
    }
    /* random x, random uncompressed garbage, random valid points */
    for (int i = 0; i < 300; i++) {
        wf_random_bytes(e, 65);
        e[0] = (uint8_t)(2 + (e[0] & 1));
        check_point_vs_oracle(e, 33);
        e[0] = 0x04;
        check_point_vs_oracle(e, 65);
        wf_scalar k;
        wf_point p;
        wf_scalar_random(&k);
        REQUIRE(wf_point_base_mul(&p, &k) == WF_OK);
        CHECK_OK(wf_point_serialize_uncompressed(e, &p));
        check_point_vs_oracle(e, 65);
        CHECK_OK(wf_point_serialize(e, &p));
        check_point_vs_oracle(e, 33);
    }
}

static void test_handmade_points(void)
{
    /* A wf_point is a public struct; one filled by hand with an off-curve
     * value must be refused by every operation that takes it. */
    wf_point bad = {0}, g, r;
    wf_scalar k;
    wf_point_generator(&g);
    wf_scalar_set_u64(&k, 3);
    bad.x[31] = 5;
    bad.y[31] = 1;
    CHECK_ERR(wf_point_add(&r, &bad, &g), WF_ERR_NOT_ON_CURVE);
    CHECK_ERR(wf_point_add(&r, &g, &bad), WF_ERR_NOT_ON_CURVE);
    CHECK_ERR(wf_point_neg(&r, &bad), WF_ERR_NOT_ON_CURVE);
    CHECK_ERR(wf_point_mul(&r, &bad, &k), WF_ERR_NOT_ON_CURVE);
    CHECK_ERR(wf_point_base_mul_add(&r, &k, &k, &bad), WF_ERR_NOT_ON_CURVE);
    CHECK_ERR(wf_point_msm(&r, &k, &bad, 1), WF_ERR_NOT_ON_CURVE);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    REQUIRE(ctx != NULL);
    test_scalar_parse();
    test_scalar_reduce_and_half();
    test_point_parse_lengths_and_prefixes();
    test_point_parse_off_curve();
    test_point_parse_uncompressed();
    test_points_vs_oracle();
    test_handmade_points();
    secp256k1_context_destroy(ctx);
    return wf_check_summary("test_curve_parse");
}

/* Scalar and point arithmetic: known answers (published multiples of G) and
 * algebraic laws on random values, with edge values 0, 1, q-1. */
#include <string.h>

#include "crypto/point.h"
#include "crypto/secmem.h"
#include "tests/check.h"
#include "tests/hex.h"

#define GX  "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define GY  "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
#define G2X "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
#define G2Y "1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a"
#define G3X "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
#define G3Y "388f7b0f632de8140fe337e62a37f3566500a99934c2231b6cb9fd7584b8e672"
/* p - GY: the y of -G */
#define NEG_GY "b7c52588d95c3b9aa25b0403f1eef75702e84bb7597aabe663b82f6f04ef2777"

static void scalar_hex(wf_scalar *s, const char *hex)
{
    uint8_t b[32];
    REQUIRE(wf_test_unhex(b, 32, hex) == 32);
    REQUIRE(wf_scalar_parse(s, b, 32) == WF_OK);
}

static void test_known_multiples(void)
{
    wf_point g, p;
    wf_scalar k;
    wf_point_generator(&g);
    CHECK(wf_test_eq_hex(g.x, 32, GX) && wf_test_eq_hex(g.y, 32, GY));
    wf_scalar_set_u64(&k, 2);
    CHECK_OK(wf_point_base_mul(&p, &k));
    CHECK(wf_test_eq_hex(p.x, 32, G2X) && wf_test_eq_hex(p.y, 32, G2Y));
    wf_scalar_set_u64(&k, 3);
    CHECK_OK(wf_point_mul(&p, &g, &k));
    CHECK(wf_test_eq_hex(p.x, 32, G3X) && wf_test_eq_hex(p.y, 32, G3Y));
    /* (q-1)·G = -G */
    scalar_hex(&k, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
    CHECK_OK(wf_point_base_mul(&p, &k));
    CHECK(wf_test_eq_hex(p.x, 32, GX) && wf_test_eq_hex(p.y, 32, NEG_GY));
    wf_point n;
    CHECK_OK(wf_point_neg(&n, &g));
    CHECK(wf_point_eq(&n, &p));
    /* G + (-G) = infinity; 0·G = infinity */
    CHECK_OK(wf_point_add(&p, &g, &n));
    CHECK(wf_point_is_infinity(&p));
    wf_scalar_set_u64(&k, 0);
    CHECK_OK(wf_point_base_mul(&p, &k));
    CHECK(wf_point_is_infinity(&p));
    uint8_t ser[33];
    CHECK_ERR(wf_point_serialize(ser, &p), WF_ERR_INFINITY);
}

static void test_scalar_laws(void)
{
    wf_scalar zero, one, qm1, r, a, b, c, t1, t2;
    wf_scalar_set_u64(&zero, 0);
    wf_scalar_set_u64(&one, 1);
    scalar_hex(&qm1, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
    CHECK_OK(wf_scalar_add(&r, &qm1, &one));
    CHECK(wf_scalar_is_zero(&r));
    CHECK_OK(wf_scalar_neg(&r, &one));
    CHECK(wf_scalar_eq(&r, &qm1));
    CHECK_OK(wf_scalar_neg(&r, &zero));
    CHECK(wf_scalar_is_zero(&r));
    CHECK_OK(wf_scalar_sub(&r, &zero, &one));
    CHECK(wf_scalar_eq(&r, &qm1));
    CHECK_OK(wf_scalar_mul(&r, &qm1, &qm1)); /* (-1)² = 1 */
    CHECK(wf_scalar_eq(&r, &one));
    CHECK_ERR(wf_scalar_inv(&r, &zero), WF_ERR_RANGE);
    CHECK(wf_scalar_is_high(&qm1));
    CHECK(!wf_scalar_is_high(&one));
    for (int i = 0; i < 50; i++) {
        wf_scalar_random(&a);
        wf_scalar_random(&b);
        wf_scalar_random(&c);
        /* a·(b + c) = a·b + a·c */
        wf_scalar_add(&t1, &b, &c);
        wf_scalar_mul(&t1, &a, &t1);
        wf_scalar_mul(&t2, &a, &b);
        wf_scalar_mul(&r, &a, &c);
        wf_scalar_add(&t2, &t2, &r);
        CHECK(wf_scalar_eq(&t1, &t2));
        /* a · a⁻¹ = 1 */
        CHECK_OK(wf_scalar_inv(&t1, &a));
        wf_scalar_mul(&t1, &t1, &a);
        CHECK(wf_scalar_eq(&t1, &one));
        /* exactly one of a, -a is high */
        wf_scalar_neg(&t1, &a);
        CHECK(wf_scalar_is_high(&a) != wf_scalar_is_high(&t1));
        /* mpz round trip */
        mpz_t m;
        mpz_init(m);
        wf_scalar_to_mpz(m, &a);
        wf_scalar_from_mpz(&t1, m);
        CHECK(wf_scalar_eq(&t1, &a));
        mpz_neg(m, m); /* reduction of a negative value gives -a */
        wf_scalar_from_mpz(&t1, m);
        wf_scalar_neg(&t2, &a);
        CHECK(wf_scalar_eq(&t1, &t2));
        mpz_clear(m);
    }
    /* reduce_bytes: q itself and 2^256 - 1 */
    CHECK_OK(wf_scalar_reduce_bytes(&r, WF_SECP256K1_ORDER, 32));
    CHECK(wf_scalar_is_zero(&r));
    uint8_t ff[32];
    memset(ff, 0xff, sizeof ff);
    CHECK_OK(wf_scalar_reduce_bytes(&r, ff, 32));
    scalar_hex(&a, "000000000000000000000000000000014551231950b75fc4402da1732fc9bebe");
    CHECK(wf_scalar_eq(&r, &a));
}

static void test_point_laws(void)
{
    wf_scalar a, b, s;
    wf_point pa, pb, sum, direct, p;
    for (int i = 0; i < 20; i++) {
        wf_scalar_random(&a);
        wf_scalar_random(&b);
        /* aG + bG = (a+b)G */
        wf_point_base_mul(&pa, &a);
        wf_point_base_mul(&pb, &b);
        CHECK_OK(wf_point_add(&sum, &pa, &pb));
        wf_scalar_add(&s, &a, &b);
        wf_point_base_mul(&direct, &s);
        CHECK(wf_point_eq(&sum, &direct));
        /* b·(aG) = (ab)G */
        CHECK_OK(wf_point_mul(&p, &pa, &b));
        wf_scalar_mul(&s, &a, &b);
        wf_point_base_mul(&direct, &s);
        CHECK(wf_point_eq(&p, &direct));
        /* aG + b·P for P = aG is (a + ab)G */
        CHECK_OK(wf_point_base_mul_add(&p, &a, &b, &pa));
        wf_scalar_add(&s, &a, &s);
        wf_point_base_mul(&direct, &s);
        CHECK(wf_point_eq(&p, &direct));
        /* compressed round trip */
        uint8_t ser[33], unc[65];
        wf_point back;
        CHECK_OK(wf_point_serialize(ser, &pa));
        CHECK_OK(wf_point_parse(&back, ser, 33));
        CHECK(wf_point_eq(&back, &pa));
        CHECK_OK(wf_point_serialize_uncompressed(unc, &pa));
        CHECK_OK(wf_point_parse_uncompressed(&back, unc, 65));
        CHECK(wf_point_eq(&back, &pa));
        CHECK(ser[0] == (wf_point_y_is_odd(&pa) ? 0x03 : 0x02));
    }
    /* msm over 5 terms equals the sum of products; empty msm is infinity */
    wf_scalar k[5];
    wf_point pts[5], acc, term;
    wf_point_set_infinity(&acc);
    for (int i = 0; i < 5; i++) {
        wf_scalar_random(&k[i]);
        wf_scalar_random(&a);
        wf_point_base_mul(&pts[i], &a);
        wf_point_mul(&term, &pts[i], &k[i]);
        wf_point_add(&acc, &acc, &term);
    }
    CHECK_OK(wf_point_msm(&p, k, pts, 5));
    CHECK(wf_point_eq(&p, &acc));
    CHECK_OK(wf_point_msm(&p, k, pts, 0));
    CHECK(wf_point_is_infinity(&p));
}

static void test_hash_to_scalar(void)
{
    wf_scalar a, b, c;
    CHECK_OK(wf_scalar_hash(&a, "warifu/test", (const uint8_t *)"abc", 3));
    CHECK_OK(wf_scalar_hash(&b, "warifu/test", (const uint8_t *)"abc", 3));
    CHECK_OK(wf_scalar_hash(&c, "warifu/tesT", (const uint8_t *)"abc", 3));
    CHECK(wf_scalar_eq(&a, &b));
    CHECK(!wf_scalar_eq(&a, &c));
    /* domain/message boundary is length-prefixed */
    CHECK_OK(wf_scalar_hash(&b, "warifu/testa", (const uint8_t *)"bc", 2));
    CHECK(!wf_scalar_eq(&a, &b));
}

/* Regression: a hand-built point whose x is p + 1 (x = 1 once reduced, a
 * real curve point) was silently reduced and accepted by point arithmetic. */
static void test_unreduced_coordinates_refused(void)
{
    wf_point bad = {0}, g, out;
    REQUIRE(wf_test_unhex(bad.x, 32, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30") ==
            32);
    REQUIRE(wf_test_unhex(bad.y, 32, "4218f20ae6c646b363db68605822fb14264ca8d2587fdd6fbc750d587e76a7ee") ==
            32);
    wf_point_generator(&g);
    CHECK_ERR(wf_point_add(&out, &bad, &g), WF_ERR_NOT_ON_CURVE);
    wf_scalar k;
    wf_scalar_set_u64(&k, 2);
    CHECK_ERR(wf_point_mul(&out, &bad, &k), WF_ERR_NOT_ON_CURVE);
    /* the same point with x = 1 is fine */
    wf_point good = bad;
    memset(good.x, 0, 32);
    good.x[31] = 1;
    CHECK_OK(wf_point_add(&out, &good, &g));
    /* y >= p likewise */
    wf_point bad_y = g;
    REQUIRE(wf_test_unhex(bad_y.y, 32, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f") ==
            32);
    CHECK_ERR(wf_point_add(&out, &bad_y, &g), WF_ERR_NOT_ON_CURVE);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_known_multiples();
    test_scalar_laws();
    test_point_laws();
    test_hash_to_scalar();
    test_unreduced_coordinates_refused();
    return wf_check_summary("test_scalar_point");
}

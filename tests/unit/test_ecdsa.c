/* ECDSA: EIP-155 known answer, cross-checks against libsecp256k1 (an
 * independent implementation) in both directions, low-s, recovery edge
 * cases, strict DER and compact parsing. Also cross-checks point.c's
 * add/mul/neg against libsecp256k1's tweak and combine functions. */
#include <string.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "crypto/ecdsa.h"
#include "crypto/random.h"
#include "crypto/secmem.h"
#include "tests/check.h"
#include "tests/hex.h"

#define ROUNDS_FULL 200
/* Random rounds of each cross-check: under valgrind 8 (the fixed extremes
 * some loops start with and a few random ones: valgrind looks for memory
 * errors, and every round takes the same paths; Release and ASan run all). */
#define ROUNDS (wf_test_light() ? 8 : ROUNDS_FULL)

static secp256k1_context *ctx;

static void to_secp_pub(secp256k1_pubkey *out, const wf_point *p)
{
    uint8_t ser[WF_POINT_BYTES];
    REQUIRE(wf_point_serialize(ser, p) == WF_OK);
    REQUIRE(secp256k1_ec_pubkey_parse(ctx, out, ser, sizeof ser) == 1);
}

/* 1 when our point and libsecp256k1's public key are the same point. */
static int same_pub(const wf_point *p, const secp256k1_pubkey *pk)
{
    uint8_t a[65], b[65];
    size_t blen = sizeof b;
    if (wf_point_serialize_uncompressed(a, p) != WF_OK)
        return 0;
    secp256k1_ec_pubkey_serialize(ctx, b, &blen, pk, SECP256K1_EC_UNCOMPRESSED);
    return blen == 65 && memcmp(a, b, 65) == 0;
}

static void random_keypair(wf_scalar *x, wf_point *pub)
{
    wf_scalar_random(x);
    REQUIRE(wf_point_base_mul(pub, x) == WF_OK);
}

/* ---- known answer ---- */

/* EIP-155's example: key 0x46…46, signing hash daf5…8e53, v = 37 (chain 1,
 * so recovery id 0), r and s as published (hex of the decimal values, which
 * are also the bytes in the EIP's signed transaction). */
static void test_eip155_known_answer(void)
{
    uint8_t key[32], digest[32], r[32], s[32];
    memset(key, 0x46, sizeof key);
    wf_test_unhex_exact(digest, 32, "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
    wf_test_unhex_exact(r, 32, "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276");
    wf_test_unhex_exact(s, 32, "67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");
    const unsigned eip155_v = 37, chain_id = 1;

    wf_scalar x;
    wf_point pub, rec;
    wf_ecdsa_sig sig;
    REQUIRE(wf_scalar_parse_nonzero(&x, key, 32) == WF_OK);
    REQUIRE(wf_point_base_mul(&pub, &x) == WF_OK);
    REQUIRE(wf_scalar_parse(&sig.r, r, 32) == WF_OK && wf_scalar_parse(&sig.s, s, 32) == WF_OK);
    sig.v = (uint8_t)(eip155_v - 35 - 2 * chain_id);
    CHECK(sig.v == 0);

    CHECK_OK(wf_ecdsa_verify(&pub, digest, &sig));
    CHECK_OK(wf_ecdsa_verify_strict(&pub, digest, &sig));
    CHECK_OK(wf_ecdsa_recover(&rec, digest, &sig));
    CHECK(wf_point_eq(&rec, &pub));
    sig.v = 1;
    CHECK_OK(wf_ecdsa_recover(&rec, digest, &sig));
    CHECK(!wf_point_eq(&rec, &pub));

    /* libsecp256k1 signs with its RFC 6979 nonce: exactly the EIP's (r, s, v) */
    secp256k1_ecdsa_recoverable_signature rsig;
    uint8_t rs[64];
    int recid = -1;
    REQUIRE(secp256k1_ecdsa_sign_recoverable(ctx, &rsig, digest, key, NULL, NULL) == 1);
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, rs, &recid, &rsig);
    CHECK(memcmp(rs, r, 32) == 0 && memcmp(rs + 32, s, 32) == 0 && recid == 0);
    secp256k1_pubkey pk;
    REQUIRE(secp256k1_ec_pubkey_create(ctx, &pk, key) == 1);
    CHECK(same_pub(&pub, &pk));
    wf_scalar_wipe(&x);
}

/* ---- our signatures, checked by libsecp256k1 ---- */

static void check_ours_with_libsecp(const wf_point *pub, const uint8_t digest[32], const wf_ecdsa_sig *sig)
{
    secp256k1_pubkey pk, rec;
    secp256k1_ecdsa_signature ssig;
    secp256k1_ecdsa_recoverable_signature rsig;
    uint8_t compact[WF_ECDSA_COMPACT_BYTES], der[WF_ECDSA_DER_MAX];
    size_t der_len = sizeof der;
    to_secp_pub(&pk, pub);

    CHECK_OK(wf_ecdsa_sig_to_compact(compact, sig));
    CHECK(secp256k1_ecdsa_signature_parse_compact(ctx, &ssig, compact) == 1);
    CHECK(secp256k1_ecdsa_verify(ctx, &ssig, digest, &pk) == 1);

    CHECK_OK(wf_ecdsa_sig_to_der(der, &der_len, sig));
    CHECK(secp256k1_ecdsa_signature_parse_der(ctx, &ssig, der, der_len) == 1);
    CHECK(secp256k1_ecdsa_verify(ctx, &ssig, digest, &pk) == 1);

    CHECK(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, compact, compact[64]) == 1);
    CHECK(secp256k1_ecdsa_recover(ctx, &rec, &rsig, digest) == 1);
    CHECK(same_pub(pub, &rec));

    /* a flipped digest bit fails for both */
    uint8_t bad[32];
    memcpy(bad, digest, 32);
    bad[sig->r.b[0] % 32] ^= 0x10;
    CHECK(secp256k1_ecdsa_verify(ctx, &ssig, bad, &pk) == 0);
    CHECK_ERR(wf_ecdsa_verify(pub, bad, sig), WF_ERR_VERIFY);
}

static void test_ours_verified_by_libsecp(void)
{
    static const char *const special[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", /* e = q ≡ 0 */
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364142", /* e ≡ 1 */
    };
    for (int i = 0; i < ROUNDS; i++) {
        wf_scalar x, k;
        wf_point pub;
        wf_ecdsa_sig sig;
        uint8_t digest[32], seckey[32];
        random_keypair(&x, &pub);
        if (i < 4)
            wf_test_unhex_exact(digest, 32, special[i]);
        else
            wf_random_bytes(digest, 32);
        wf_scalar_random(&k);

        /* keys agree */
        secp256k1_pubkey pk;
        wf_scalar_serialize(seckey, &x);
        REQUIRE(secp256k1_ec_pubkey_create(ctx, &pk, seckey) == 1);
        CHECK(same_pub(&pub, &pk));

        CHECK_OK(wf_ecdsa_sign_with_key(&sig, digest, &x, &k));
        CHECK(!wf_scalar_is_high(&sig.s) && sig.v <= 1);
        CHECK_OK(wf_ecdsa_verify_strict(&pub, digest, &sig));
        check_ours_with_libsecp(&pub, digest, &sig);

        /* v is the recovery id of R = k·G */
        wf_point R;
        uint8_t v;
        REQUIRE(wf_point_base_mul(&R, &k) == WF_OK);
        CHECK_OK(wf_ecdsa_recovery_id(&R, &v));
        CHECK((v >> 1) == (sig.v >> 1)); /* only bit 0 may change, with low-s */
        wf_memzero(seckey, sizeof seckey);
        wf_scalar_wipe(&x);
        wf_scalar_wipe(&k);
    }
}

/* ---- libsecp256k1's signatures, checked by us ---- */

static void test_libsecp_verified_by_ours(void)
{
    for (int i = 0; i < ROUNDS; i++) {
        wf_scalar x;
        wf_point pub, rec;
        uint8_t digest[32], seckey[32], compact[65], der[80];
        size_t der_len = sizeof der;
        int recid = -1;
        random_keypair(&x, &pub);
        wf_scalar_serialize(seckey, &x);
        wf_random_bytes(digest, 32);

        secp256k1_ecdsa_recoverable_signature rsig;
        secp256k1_ecdsa_signature ssig;
        REQUIRE(secp256k1_ecdsa_sign_recoverable(ctx, &rsig, digest, seckey, NULL, NULL) == 1);
        secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, compact, &recid, &rsig);
        compact[64] = (uint8_t)recid;

        wf_ecdsa_sig sig, sig_der;
        CHECK_OK(wf_ecdsa_sig_from_compact(&sig, compact, sizeof compact));
        CHECK_OK(wf_ecdsa_verify(&pub, digest, &sig));
        CHECK_OK(wf_ecdsa_verify_strict(&pub, digest, &sig));
        CHECK_OK(wf_ecdsa_recover(&rec, digest, &sig));
        CHECK(wf_point_eq(&rec, &pub));

        /* libsecp256k1's DER parses strictly here and gives the same (r, s) */
        secp256k1_ecdsa_recoverable_signature_convert(ctx, &ssig, &rsig);
        REQUIRE(secp256k1_ecdsa_signature_serialize_der(ctx, der, &der_len, &ssig) == 1);
        CHECK_OK(wf_ecdsa_sig_from_der(&sig_der, der, der_len));
        CHECK(wf_scalar_eq(&sig_der.r, &sig.r) && wf_scalar_eq(&sig_der.s, &sig.s));
        uint8_t again[WF_ECDSA_DER_MAX];
        size_t again_len = sizeof again;
        CHECK_OK(wf_ecdsa_sig_to_der(again, &again_len, &sig));
        CHECK(again_len == der_len && memcmp(again, der, der_len) == 0);

        /* wrong digest, wrong key, flipped r or s: refused */
        digest[i % 32] ^= 1;
        CHECK_ERR(wf_ecdsa_verify(&pub, digest, &sig), WF_ERR_VERIFY);
        digest[i % 32] ^= 1;
        wf_point other;
        wf_scalar y;
        random_keypair(&y, &other);
        CHECK_ERR(wf_ecdsa_verify(&other, digest, &sig), WF_ERR_VERIFY);
        wf_ecdsa_sig bad = sig;
        bad.r.b[31] ^= 1;
        CHECK(wf_ecdsa_verify(&pub, digest, &bad) != WF_OK);
        bad = sig;
        bad.s.b[31] ^= 1;
        CHECK(wf_ecdsa_verify(&pub, digest, &bad) != WF_OK);
        wf_memzero(seckey, sizeof seckey);
        wf_scalar_wipe(&x);
    }
}

/* ---- low s ---- */

static void test_low_s_vs_libsecp(void)
{
    for (int i = 0; i < ROUNDS; i++) {
        wf_scalar x, k;
        wf_point pub, rec;
        wf_ecdsa_sig low, high;
        uint8_t digest[32], compact[65];
        random_keypair(&x, &pub);
        wf_scalar_random(&k);
        wf_random_bytes(digest, 32);
        REQUIRE(wf_ecdsa_sign_with_key(&low, digest, &x, &k) == WF_OK);

        /* (r, q - s) with the other parity is the same signature, high s */
        high = low;
        REQUIRE(wf_scalar_neg(&high.s, &low.s) == WF_OK);
        high.v ^= 1;
        CHECK(wf_scalar_is_high(&high.s));
        CHECK_OK(wf_ecdsa_verify(&pub, digest, &high));
        CHECK_ERR(wf_ecdsa_verify_strict(&pub, digest, &high), WF_ERR_VERIFY);
        CHECK_OK(wf_ecdsa_recover(&rec, digest, &high));
        CHECK(wf_point_eq(&rec, &pub));

        /* libsecp256k1 refuses high s outright, and normalises to ours */
        secp256k1_pubkey pk;
        secp256k1_ecdsa_signature shigh, snorm;
        to_secp_pub(&pk, &pub);
        REQUIRE(wf_ecdsa_sig_to_compact(compact, &high) == WF_OK);
        REQUIRE(secp256k1_ecdsa_signature_parse_compact(ctx, &shigh, compact) == 1);
        CHECK(secp256k1_ecdsa_verify(ctx, &shigh, digest, &pk) == 0);
        CHECK(secp256k1_ecdsa_signature_normalize(ctx, &snorm, &shigh) == 1);
        uint8_t norm64[64];
        secp256k1_ecdsa_signature_serialize_compact(ctx, norm64, &snorm);

        wf_ecdsa_sig n = high;
        CHECK_OK(wf_ecdsa_normalize_low_s(&n));
        CHECK(wf_scalar_eq(&n.r, &low.r) && wf_scalar_eq(&n.s, &low.s) && n.v == low.v);
        CHECK(memcmp(norm64, n.r.b, 32) == 0 && memcmp(norm64 + 32, n.s.b, 32) == 0);
        /* normalising a low-s signature changes nothing, for both */
        wf_ecdsa_sig same = low;
        CHECK_OK(wf_ecdsa_normalize_low_s(&same));
        CHECK(memcmp(&same, &low, sizeof low) == 0);
        CHECK(secp256k1_ecdsa_signature_normalize(ctx, NULL, &snorm) == 0);
        wf_scalar_wipe(&x);
        wf_scalar_wipe(&k);
    }
    /* the boundary: (q-1)/2 stays, (q+1)/2 becomes (q-1)/2 with v flipped */
    wf_ecdsa_sig b = {.v = 2};
    wf_scalar_set_u64(&b.r, 1);
    wf_test_unhex_exact(b.s.b, 32, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0");
    CHECK_OK(wf_ecdsa_normalize_low_s(&b));
    CHECK(b.v == 2);
    wf_test_unhex_exact(b.s.b, 32, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A1");
    CHECK_OK(wf_ecdsa_normalize_low_s(&b));
    CHECK(b.v == 3 && b.s.b[31] == 0xA0);
    CHECK_ERR(wf_ecdsa_normalize_low_s(NULL), WF_ERR_ARG);
}

/* ---- point arithmetic against libsecp256k1 ---- */

static void test_point_ops_vs_libsecp(void)
{
    wf_scalar one;
    wf_scalar_set_u64(&one, 1);
    for (int i = 0; i < ROUNDS; i++) {
        wf_scalar a, b, t;
        wf_point P, Q, R;
        uint8_t t32[32];
        random_keypair(&a, &P);
        random_keypair(&b, &Q);
        wf_scalar_random(&t);
        wf_scalar_serialize(t32, &t);
        secp256k1_pubkey sp, sq, sr;
        to_secp_pub(&sp, &P);
        to_secp_pub(&sq, &Q);

        /* P + Q, and P + P */
        const secp256k1_pubkey *ins[2] = {&sp, &sq};
        REQUIRE(secp256k1_ec_pubkey_combine(ctx, &sr, ins, 2) == 1);
        CHECK_OK(wf_point_add(&R, &P, &Q));
        CHECK(same_pub(&R, &sr));
        ins[1] = &sp;
        REQUIRE(secp256k1_ec_pubkey_combine(ctx, &sr, ins, 2) == 1);
        CHECK_OK(wf_point_add(&R, &P, &P));
        CHECK(same_pub(&R, &sr));

        /* t·P */
        sr = sp;
        REQUIRE(secp256k1_ec_pubkey_tweak_mul(ctx, &sr, t32) == 1);
        CHECK_OK(wf_point_mul(&R, &P, &t));
        CHECK(same_pub(&R, &sr));

        /* -P, and P + (-P) = infinity (libsecp256k1 cannot represent it) */
        sr = sp;
        REQUIRE(secp256k1_ec_pubkey_negate(ctx, &sr) == 1);
        CHECK_OK(wf_point_neg(&R, &P));
        CHECK(same_pub(&R, &sr));
        ins[1] = &sr;
        secp256k1_pubkey sinf;
        CHECK(secp256k1_ec_pubkey_combine(ctx, &sinf, ins, 2) == 0);
        wf_point inf;
        CHECK_OK(wf_point_add(&inf, &P, &R));
        CHECK(wf_point_is_infinity(&inf));

        /* P + t·G (the BIP-32 step) */
        sr = sp;
        REQUIRE(secp256k1_ec_pubkey_tweak_add(ctx, &sr, t32) == 1);
        CHECK_OK(wf_point_base_mul_add(&R, &t, &one, &P));
        CHECK(same_pub(&R, &sr));

        /* a·P + b·Q + t·G as an msm, against tweak_mul + combine */
        wf_scalar ks[3] = {a, b, t};
        wf_point ps[3];
        wf_point_generator(&ps[2]);
        ps[0] = P;
        ps[1] = Q;
        secp256k1_pubkey terms[3] = {sp, sq, {{0}}};
        uint8_t a32[32], b32[32];
        wf_scalar_serialize(a32, &a);
        wf_scalar_serialize(b32, &b);
        REQUIRE(secp256k1_ec_pubkey_tweak_mul(ctx, &terms[0], a32) == 1);
        REQUIRE(secp256k1_ec_pubkey_tweak_mul(ctx, &terms[1], b32) == 1);
        REQUIRE(secp256k1_ec_pubkey_create(ctx, &terms[2], t32) == 1);
        const secp256k1_pubkey *tp[3] = {&terms[0], &terms[1], &terms[2]};
        REQUIRE(secp256k1_ec_pubkey_combine(ctx, &sr, tp, 3) == 1);
        CHECK_OK(wf_point_msm(&R, ks, ps, 3));
        CHECK(same_pub(&R, &sr));
    }
}

/* ---- DER ---- */

static void test_der_round_trip(void)
{
    for (int i = 0; i < ROUNDS + 4; i++) {
        wf_ecdsa_sig sig = {0}, back;
        if (i < 4) {
            /* extremes: 1 and q - 1 (the 72-byte maximum) */
            wf_scalar_set_u64(&sig.r, 1);
            wf_test_unhex_exact(sig.s.b, 32,
                                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140");
            if (i & 1)
                sig.r = sig.s;
            if (i & 2)
                wf_scalar_set_u64(&sig.s, 0x80); /* needs a 00 pad byte */
        } else {
            wf_scalar_random(&sig.r);
            wf_scalar_random(&sig.s);
            if (i % 7 == 0)
                memset(sig.r.b, 0, 1 + i % 5); /* short integers */
            if (wf_scalar_is_zero(&sig.r))
                sig.r.b[31] = 1;
        }
        uint8_t der[WF_ECDSA_DER_MAX];
        size_t len = sizeof der;
        CHECK_OK(wf_ecdsa_sig_to_der(der, &len, &sig));
        CHECK(len <= WF_ECDSA_DER_MAX && der[0] == 0x30 && der[1] == len - 2);
        back.v = 9;
        CHECK_OK(wf_ecdsa_sig_from_der(&back, der, len));
        CHECK(wf_scalar_eq(&back.r, &sig.r) && wf_scalar_eq(&back.s, &sig.s) && back.v == 0);
        secp256k1_ecdsa_signature ss;
        CHECK(secp256k1_ecdsa_signature_parse_der(ctx, &ss, der, len) == 1);
        if (i == 1)
            CHECK(len == WF_ECDSA_DER_MAX);
        /* a buffer one byte short is refused */
        size_t small = len - 1;
        CHECK_ERR(wf_ecdsa_sig_to_der(der, &small, &sig), WF_ERR_ARG);
    }
    /* zero or out-of-range scalars cannot be encoded */
    wf_ecdsa_sig z = {0};
    uint8_t der[WF_ECDSA_DER_MAX];
    size_t len = sizeof der;
    wf_scalar_set_u64(&z.s, 1);
    CHECK_ERR(wf_ecdsa_sig_to_der(der, &len, &z), WF_ERR_RANGE);
    memset(z.r.b, 0xFF, 32);
    CHECK_ERR(wf_ecdsa_sig_to_der(der, &len, &z), WF_ERR_RANGE);
}

typedef struct der_case {
    const char *name;
    const char *hex;
    wf_err want; /* WF_OK here means "any error" */
} der_case;

static void test_der_refusals(void)
{
    static const der_case cases[] = {
        {"valid (1, 1)", "3006020101020101", WF_OK},
        {"extra byte", "300602010102010100", WF_ERR_ENCODING},
        {"extra byte inside the sequence", "300702010102010100", WF_ERR_ENCODING},
        {"truncated", "30060201010201", WF_ERR_ENCODING},
        {"truncated header", "30", WF_ERR_ENCODING},
        {"leading zero pad on r", "300702020001020101", WF_ERR_ENCODING},
        {"leading zero pad on s", "300702010102020001", WF_ERR_ENCODING},
        {"negative r", "3006020181020101", WF_OK},
        {"negative s", "3006020101020180", WF_OK},
        {"negative r, long", "30070202ff81020101", WF_OK},
        {"r = 0", "3006020100020101", WF_ERR_RANGE},
        {"s = 0", "3006020101020100", WF_ERR_RANGE},
        {"r empty integer", "30050200020101", WF_ERR_ENCODING},
        {"r = q", "3026022100FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141020101",
         WF_ERR_RANGE},
        {"s = q + 1", "3026020101022100FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364142",
         WF_ERR_RANGE},
        {"r = 2^256 - 1", "3026022100FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF020101",
         WF_ERR_RANGE},
        {"r = 2^256",
         "3026022101"
         "0000000000000000000000000000000000000000000000000000000000000000"
         "020101",
         WF_ERR_RANGE},
        {"wrong outer tag (SET)", "3106020101020101", WF_ERR_ENCODING},
        {"wrong inner tag (BIT STRING)", "3006030101020101", WF_ERR_ENCODING},
        {"outer length too long", "3007020101020101", WF_ERR_ENCODING},
        {"outer length too short", "3005020101020101", WF_ERR_ENCODING},
        {"inner length too long", "3006020201020101", WF_ERR_ENCODING},
        {"BER long-form length", "308106020101020101", WF_ERR_ENCODING},
        {"indefinite length", "3080020101020101 0000", WF_ERR_ENCODING},
        {"three integers", "3009020101020101020101", WF_ERR_ENCODING},
        {"one integer", "3003020101", WF_ERR_ENCODING},
        {"empty sequence", "3000", WF_ERR_ENCODING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t in[80];
        size_t n = 0;
        for (const char *h = cases[i].hex; *h != '\0';) {
            if (*h == ' ') {
                h++;
                continue;
            }
            unsigned v;
            REQUIRE(sscanf(h, "%2x", &v) == 1 && n < sizeof in);
            in[n++] = (uint8_t)v;
            h += 2;
        }
        wf_ecdsa_sig sig;
        wf_err err = wf_ecdsa_sig_from_der(&sig, in, n);
        int ok = i == 0 ? err == WF_OK : (cases[i].want == WF_OK ? err != WF_OK : err == cases[i].want);
        if (!ok)
            fprintf(stderr, "DER case '%s': got '%s'\n", cases[i].name, wf_err_str(err));
        CHECK(ok);
    }
    uint8_t big[WF_ECDSA_DER_MAX + 1] = {0x30, WF_ECDSA_DER_MAX - 1};
    wf_ecdsa_sig sig;
    CHECK_ERR(wf_ecdsa_sig_from_der(&sig, big, sizeof big), WF_ERR_ENCODING);
    CHECK_ERR(wf_ecdsa_sig_from_der(&sig, big, 0), WF_ERR_ENCODING);
    CHECK_ERR(wf_ecdsa_sig_from_der(&sig, NULL, 8), WF_ERR_ARG);
    CHECK_ERR(wf_ecdsa_sig_from_der(NULL, big, 8), WF_ERR_ARG);
    /* random garbage never crashes and almost never parses */
    int tries = wf_test_light() ? 2 * WF_ECDSA_DER_MAX : 2000; /* every length at least twice */
    for (int i = 0; i < tries; i++) {
        size_t n = 1 + (size_t)(i % WF_ECDSA_DER_MAX);
        wf_random_bytes(big, n);
        if (i & 1)
            big[0] = 0x30;
        (void)wf_ecdsa_sig_from_der(&sig, big, n);
    }
}

/* ---- compact ---- */

static void test_compact(void)
{
    uint8_t c[66];
    wf_ecdsa_sig sig = {0}, back;
    wf_scalar_random(&sig.r);
    wf_scalar_random(&sig.s);
    for (uint8_t v = 0; v <= 3; v++) {
        sig.v = v;
        CHECK_OK(wf_ecdsa_sig_to_compact(c, &sig));
        CHECK_OK(wf_ecdsa_sig_from_compact(&back, c, 65));
        CHECK(memcmp(&back, &sig, sizeof sig) == 0);
    }
    CHECK_ERR(wf_ecdsa_sig_from_compact(&back, c, 64), WF_ERR_ENCODING);
    CHECK_ERR(wf_ecdsa_sig_from_compact(&back, c, 66), WF_ERR_ENCODING);
    CHECK_ERR(wf_ecdsa_sig_from_compact(&back, c, 0), WF_ERR_ENCODING);
    CHECK_ERR(wf_ecdsa_sig_from_compact(&back, NULL, 65), WF_ERR_ARG);
    static const uint8_t bad_v[] = {4, 27, 28, 37, 0xFF};
    for (size_t i = 0; i < sizeof bad_v; i++) {
        c[64] = bad_v[i];
        CHECK_ERR(wf_ecdsa_sig_from_compact(&back, c, 65), WF_ERR_RANGE);
    }
    c[64] = 0;
    static const char *const bad_scalar[] = {
        "0000000000000000000000000000000000000000000000000000000000000000",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364142",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    };
    for (size_t i = 0; i < sizeof bad_scalar / sizeof bad_scalar[0]; i++) {
        uint8_t t[65];
        memcpy(t, c, 65);
        wf_test_unhex_exact(t, 32, bad_scalar[i]);
        CHECK_ERR(wf_ecdsa_sig_from_compact(&back, t, 65), WF_ERR_RANGE);
        memcpy(t, c, 65);
        wf_test_unhex_exact(t + 32, 32, bad_scalar[i]);
        CHECK_ERR(wf_ecdsa_sig_from_compact(&back, t, 65), WF_ERR_RANGE);
    }
    sig.v = 4;
    CHECK_ERR(wf_ecdsa_sig_to_compact(c, &sig), WF_ERR_RANGE);
}

/* ---- recovery edge cases ---- */

/* Signatures whose R has x = r + q >= q (recovery id 2 or 3): with small r,
 * r + q is below p, and for about half of them a point exists. */
static void test_recovery_high_x(void)
{
    int tried = 0;
    for (unsigned rv = 1; rv < 40; rv++) {
        for (uint8_t parity = 0; parity <= 1; parity++) {
            uint8_t enc[33], digest[32], compact[65];
            wf_test_unhex_exact(enc + 1, 32,
                                "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
            enc[0] = (uint8_t)(0x02 | parity);
            enc[32] = (uint8_t)(enc[32] + rv); /* x = q + r, no carry for r < 0xBF */
            wf_point R, Q;
            wf_ecdsa_sig sig = {.v = (uint8_t)(2 | parity)};
            wf_scalar_set_u64(&sig.r, rv);
            wf_scalar_random(&sig.s);
            wf_random_bytes(digest, 32);
            REQUIRE(wf_ecdsa_sig_to_compact(compact, &sig) == WF_OK);
            secp256k1_ecdsa_recoverable_signature rsig;
            secp256k1_pubkey spub;
            REQUIRE(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, compact, sig.v) == 1);
            int secp_ok = secp256k1_ecdsa_recover(ctx, &spub, &rsig, digest);
            if (wf_point_parse(&R, enc, 33) != WF_OK) {
                CHECK_ERR(wf_ecdsa_recover(&Q, digest, &sig), WF_ERR_NOT_ON_CURVE);
                CHECK(secp_ok == 0);
                continue;
            }
            tried++;
            uint8_t v;
            CHECK_OK(wf_ecdsa_recovery_id(&R, &v));
            CHECK(v == sig.v);
            CHECK_OK(wf_ecdsa_recover(&Q, digest, &sig));
            CHECK_OK(wf_ecdsa_verify(&Q, digest, &sig)); /* R = u1·G + u2·Q has x = r + q */
            CHECK(secp_ok == 1 && same_pub(&Q, &spub));
        }
    }
    CHECK(tried > 10);
}

static void test_recovery_refusals(void)
{
    wf_ecdsa_sig sig = {0};
    wf_point Q;
    uint8_t digest[32];
    wf_random_bytes(digest, 32);
    wf_scalar_random(&sig.r);
    wf_scalar_random(&sig.s);

    /* r + q >= p: no such x */
    wf_test_unhex_exact(sig.r.b, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140");
    sig.v = 2;
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &sig), WF_ERR_RANGE);
    sig.v = 3;
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &sig), WF_ERR_RANGE);
    /* x = r with no y: x = 5 */
    wf_scalar_set_u64(&sig.r, 5);
    sig.v = 0;
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &sig), WF_ERR_NOT_ON_CURVE);
    /* v, r, s out of range */
    wf_scalar_random(&sig.r);
    sig.v = 4;
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &sig), WF_ERR_RANGE);
    sig.v = 0;
    wf_ecdsa_sig z = sig;
    wf_scalar_set_u64(&z.r, 0);
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &z), WF_ERR_RANGE);
    z = sig;
    wf_scalar_set_u64(&z.s, 0);
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &z), WF_ERR_RANGE);
    z = sig;
    memset(z.s.b, 0xFF, 32);
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &z), WF_ERR_RANGE);
    CHECK_ERR(wf_ecdsa_recover(NULL, digest, &sig), WF_ERR_ARG);

    /* s·R = e·G makes Q infinity: R = k·G, s = e/k */
    wf_scalar k, e, kinv;
    wf_point R;
    wf_scalar_random(&k);
    REQUIRE(wf_point_base_mul(&R, &k) == WF_OK);
    REQUIRE(wf_point_x_mod_q(&sig.r, &R) == WF_OK && wf_ecdsa_recovery_id(&R, &sig.v) == WF_OK);
    REQUIRE(wf_ecdsa_digest_scalar(&e, digest) == WF_OK && !wf_scalar_is_zero(&e));
    REQUIRE(wf_scalar_inv(&kinv, &k) == WF_OK && wf_scalar_mul(&sig.s, &e, &kinv) == WF_OK);
    CHECK_ERR(wf_ecdsa_recover(&Q, digest, &sig), WF_ERR_INFINITY);
    uint8_t compact[65];
    secp256k1_ecdsa_recoverable_signature rsig;
    secp256k1_pubkey spub;
    REQUIRE(wf_ecdsa_sig_to_compact(compact, &sig) == WF_OK);
    REQUIRE(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, compact, sig.v) == 1);
    CHECK(secp256k1_ecdsa_recover(ctx, &spub, &rsig, digest) == 0);

    /* recovery id of infinity */
    uint8_t v;
    wf_point inf;
    wf_point_set_infinity(&inf);
    CHECK_ERR(wf_ecdsa_recovery_id(&inf, &v), WF_ERR_INFINITY);
}

static void test_sign_and_verify_refusals(void)
{
    wf_scalar x, k, zero;
    wf_point pub, inf, bad = {0};
    wf_ecdsa_sig sig;
    uint8_t digest[32];
    wf_random_bytes(digest, 32);
    random_keypair(&x, &pub);
    wf_scalar_random(&k);
    wf_scalar_set_u64(&zero, 0);
    CHECK_ERR(wf_ecdsa_sign_with_key(&sig, digest, &zero, &k), WF_ERR_RANGE);
    CHECK_ERR(wf_ecdsa_sign_with_key(&sig, digest, &x, &zero), WF_ERR_RANGE);
    CHECK_ERR(wf_ecdsa_sign_with_key(NULL, digest, &x, &k), WF_ERR_ARG);
    CHECK_ERR(wf_ecdsa_sign_with_key(&sig, NULL, &x, &k), WF_ERR_ARG);
    REQUIRE(wf_ecdsa_sign_with_key(&sig, digest, &x, &k) == WF_OK);

    wf_point_set_infinity(&inf);
    CHECK_ERR(wf_ecdsa_verify(&inf, digest, &sig), WF_ERR_INFINITY);
    bad.x[31] = 5; /* no such point */
    CHECK_ERR(wf_ecdsa_verify(&bad, digest, &sig), WF_ERR_NOT_ON_CURVE);
    CHECK_ERR(wf_ecdsa_verify(NULL, digest, &sig), WF_ERR_ARG);
    CHECK_ERR(wf_ecdsa_verify_strict(&pub, digest, NULL), WF_ERR_ARG);
    wf_ecdsa_sig z = sig;
    wf_scalar_set_u64(&z.r, 0);
    CHECK_ERR(wf_ecdsa_verify(&pub, digest, &z), WF_ERR_VERIFY);
    z = sig;
    wf_scalar_set_u64(&z.s, 0);
    CHECK_ERR(wf_ecdsa_verify(&pub, digest, &z), WF_ERR_VERIFY);
    /* r + q written into a hand-made struct is not r */
    z = sig;
    wf_test_unhex_exact(z.r.b, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    CHECK_ERR(wf_ecdsa_verify(&pub, digest, &z), WF_ERR_VERIFY);
    /* v is not part of verification */
    z = sig;
    z.v ^= 1;
    CHECK_OK(wf_ecdsa_verify(&pub, digest, &z));
    wf_scalar_wipe(&x);
    wf_scalar_wipe(&k);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    REQUIRE(ctx != NULL);
    test_eip155_known_answer();
    test_ours_verified_by_libsecp();
    test_libsecp_verified_by_ours();
    test_low_s_vs_libsecp();
    test_point_ops_vs_libsecp();
    test_der_round_trip();
    test_der_refusals();
    test_compact();
    test_recovery_high_x();
    test_recovery_refusals();
    test_sign_and_verify_refusals();
    secp256k1_context_destroy(ctx);
    return wf_check_summary("test_ecdsa");
}

/* Transcript and XOF: a known answer computed independently (Python's
 * hashlib SHAKE256 over the documented byte layout), unambiguous encoding
 * (TSSHOCK alpha-shuffle), and challenge ranges. */
#include <string.h>

#include "crypto/secmem.h"
#include "crypto/transcript.h"
#include "tests/check.h"
#include "tests/hex.h"

static void challenge_seed(wf_transcript *t, uint8_t seed[WF_XOF_SEED_BYTES])
{
    wf_xof x;
    CHECK_OK(wf_transcript_challenge_xof(t, "c", &x));
    memcpy(seed, x.seed, WF_XOF_SEED_BYTES);
}

static void test_known_answer(void)
{
    wf_transcript t;
    CHECK_OK(wf_transcript_init(&t, "warifu/test/v1"));
    CHECK_OK(wf_transcript_append_bytes(&t, "msg", (const uint8_t *)"hello", 5));
    CHECK_OK(wf_transcript_append_u64(&t, "n", 42));
    wf_xof x;
    CHECK_OK(wf_transcript_challenge_xof(&t, "c", &x));
    CHECK(wf_test_eq_hex(x.seed, 64,
                         "ce86166b4c17ebecb0937d7a879d020f27e7c70f730f5d5a60c4397f216d209e"
                         "2b356fb5d00b21e28db300027ca35c28d2ca233c1d1eaffe001f72387d3346bd"));
    uint8_t out[32];
    wf_xof_read(&x, out, sizeof out);
    CHECK(wf_test_eq_hex(out, 32, "8a26df48d3fef382592151d9bd998a3764f6e16acdcdb9344d3c14ecabaa2aab"));
    wf_transcript_free(&t);
}

/* Two lists of items that concatenate to the same bytes must differ. */
static void test_unambiguous(void)
{
    wf_transcript a, b;
    uint8_t sa[64], sb[64];

    wf_transcript_init(&a, "d");
    wf_transcript_init(&b, "d");
    wf_transcript_append_bytes(&a, "x", (const uint8_t *)"12", 2);
    wf_transcript_append_bytes(&a, "x", (const uint8_t *)"3", 1);
    wf_transcript_append_bytes(&b, "x", (const uint8_t *)"1", 1);
    wf_transcript_append_bytes(&b, "x", (const uint8_t *)"23", 2);
    challenge_seed(&a, sa);
    challenge_seed(&b, sb);
    CHECK(memcmp(sa, sb, 64) != 0);
    wf_transcript_free(&a);
    wf_transcript_free(&b);

    /* label/data boundary */
    wf_transcript_init(&a, "d");
    wf_transcript_init(&b, "d");
    wf_transcript_append_bytes(&a, "ab", (const uint8_t *)"c", 1);
    wf_transcript_append_bytes(&b, "a", (const uint8_t *)"bc", 2);
    challenge_seed(&a, sa);
    challenge_seed(&b, sb);
    CHECK(memcmp(sa, sb, 64) != 0);
    wf_transcript_free(&a);
    wf_transcript_free(&b);

    /* the same 32 bytes as a scalar and as raw bytes */
    wf_scalar s;
    wf_scalar_set_u64(&s, 7);
    wf_transcript_init(&a, "d");
    wf_transcript_init(&b, "d");
    wf_transcript_append_scalar(&a, "v", &s);
    wf_transcript_append_bytes(&b, "v", s.b, sizeof s.b);
    challenge_seed(&a, sa);
    challenge_seed(&b, sb);
    CHECK(memcmp(sa, sb, 64) != 0);
    wf_transcript_free(&a);
    wf_transcript_free(&b);

    /* sign of an integer */
    mpz_t v;
    mpz_init_set_si(v, 5);
    wf_transcript_init(&a, "d");
    wf_transcript_init(&b, "d");
    wf_transcript_append_mpz(&a, "v", v);
    mpz_neg(v, v);
    wf_transcript_append_mpz(&b, "v", v);
    challenge_seed(&a, sa);
    challenge_seed(&b, sb);
    CHECK(memcmp(sa, sb, 64) != 0);
    wf_transcript_free(&a);
    wf_transcript_free(&b);
    mpz_clear(v);

    /* domain separation */
    wf_transcript_init(&a, "warifu/keygen/v1");
    wf_transcript_init(&b, "warifu/presign/v1");
    challenge_seed(&a, sa);
    challenge_seed(&b, sb);
    CHECK(memcmp(sa, sb, 64) != 0);
    wf_transcript_free(&a);
    wf_transcript_free(&b);
}

static void test_clone_and_successive(void)
{
    wf_transcript a, b;
    uint8_t s1[64], s2[64], s3[64];
    wf_transcript_init(&a, "d");
    wf_transcript_append_u64(&a, "i", 1);
    CHECK_OK(wf_transcript_clone(&b, &a));
    challenge_seed(&a, s1);
    challenge_seed(&b, s2);
    CHECK(memcmp(s1, s2, 64) == 0); /* a clone continues identically */
    challenge_seed(&a, s3);
    CHECK(memcmp(s1, s3, 64) != 0); /* the next challenge absorbs the last */
    wf_transcript_free(&a);
    wf_transcript_free(&b);
}

static void test_ranges(void)
{
    wf_transcript t;
    wf_transcript_init(&t, "ranges");
    mpz_t q, v, n, neg_q;
    mpz_inits(q, v, n, neg_q, NULL);
    mpz_import(q, 32, 1, 1, 1, 0, WF_SECP256K1_ORDER);
    mpz_neg(neg_q, q);
    int negatives = 0, positives = 0, in_range = 1;
    for (int i = 0; i < 400; i++) {
        CHECK_OK(wf_transcript_challenge_pm_q(&t, "e", v));
        in_range &= mpz_cmp(v, q) <= 0 && mpz_cmp(v, neg_q) >= 0;
        negatives += mpz_sgn(v) < 0;
        positives += mpz_sgn(v) > 0;
    }
    CHECK(in_range);
    CHECK(negatives > 100 && positives > 100);

    int seen[3] = {0, 0, 0};
    mpz_set_ui(n, 3);
    for (int i = 0; i < 300; i++) {
        CHECK_OK(wf_transcript_challenge_below(&t, "b", n, v));
        if (mpz_cmp_ui(v, 3) < 0)
            seen[mpz_get_ui(v)]++;
        else
            CHECK(0);
    }
    CHECK(seen[0] > 50 && seen[1] > 50 && seen[2] > 50);
    mpz_set_ui(n, 0);
    CHECK_ERR(wf_transcript_challenge_below(&t, "b", n, v), WF_ERR_ARG);
    /* regression: sampling below 0 from a raw XOF looped forever */
    wf_xof x;
    CHECK_OK(wf_transcript_challenge_xof(&t, "x", &x));
    CHECK_ERR(wf_xof_sample_below(&x, n, v), WF_ERR_ARG);
    mpz_set_si(n, -5);
    CHECK_ERR(wf_xof_sample_below(&x, n, v), WF_ERR_ARG);

    uint8_t bits[128];
    CHECK_OK(wf_transcript_challenge_bits(&t, "bits", bits, sizeof bits));
    int ones = 0, only_bits = 1;
    for (size_t i = 0; i < sizeof bits; i++) {
        ones += bits[i];
        only_bits &= bits[i] <= 1;
    }
    CHECK(only_bits);
    CHECK(ones > 32 && ones < 96);

    wf_scalar s;
    CHECK_OK(wf_transcript_challenge_scalar(&t, "s", &s));
    uint8_t raw[32];
    wf_scalar_serialize(raw, &s);
    wf_scalar back;
    CHECK_OK(wf_scalar_parse(&back, raw, 32));

    mpz_clears(q, v, n, neg_q, NULL);
    wf_transcript_free(&t);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    test_known_answer();
    test_unambiguous();
    test_clone_and_successive();
    test_ranges();
    return wf_check_summary("test_transcript");
}

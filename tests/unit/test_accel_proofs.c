/* Every CGGMP21 proof with the accelerated paths (tests/accel_views.h: the
 * prover with its own secret key and the verifier's precomputed tables, the
 * verifier with its own secret key) against the plain paths: proofs made
 * either way verify either way, and tampered proofs (bytes of the encoding
 * flipped, then decoded) get exactly the same verdict and error from the
 * accelerated verifier as from the plain one. 2048-bit fixture keys (TEST
 * ONLY). */
#include <string.h>

#include "tests/check.h"
#include "tests/fixtures.h"
#include "tests/proof_samples.h"
#include "tests/accel_views.h"

#include "crypto/secmem.h"

static wf_proof_samples samples;
static wf_accel_views views;

static wf_err prove_as(wf_proof_kind kind, wf_any_proof *p, wf_view view)
{
    wf_accel_view_set(&samples, &views, kind, view);
    return wf_sample_prove(&samples, kind, p);
}

static wf_err verify_as(wf_proof_kind kind, const wf_any_proof *p, wf_view view)
{
    wf_accel_view_set(&samples, &views, kind, view);
    return wf_sample_verify(&samples, kind, p);
}

/* Flips `flips` bytes spread over the encoding of p, one at a time, until
 * `want` variants decoded; each decodable variant must get the same verdict
 * from both verifiers. Returns how many variants were checked. */
static int check_tampered(wf_proof_kind kind, const wf_any_proof *p, int flips, int want)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    REQUIRE(wf_proof_encode(kind, p, &buf, &len) == WF_OK);
    int checked = 0;
    for (int i = 0; i < flips && checked < want; i++) {
        size_t at = (len * (size_t)(2 * i + 1)) / (size_t)(2 * flips);
        buf[at] ^= (uint8_t)(1u << (i % 8));
        wf_any_proof q;
        wf_any_proof_init(kind, &q);
        if (wf_proof_decode(kind, &q, buf, len) == WF_OK) {
            wf_err plain = verify_as(kind, &q, WF_VIEW_PLAIN);
            CHECK(plain != WF_OK);
            CHECK_ERR(verify_as(kind, &q, WF_VIEW_VERIFIER), plain);
            checked++;
        }
        wf_any_proof_clear(kind, &q);
        buf[at] ^= (uint8_t)(1u << (i % 8));
    }
    free(buf);
    return checked;
}

static void check_kind(wf_proof_kind kind)
{
    wf_any_proof plain, fast;
    wf_any_proof_init(kind, &plain);
    wf_any_proof_init(kind, &fast);
    CHECK_OK(prove_as(kind, &plain, WF_VIEW_PLAIN));
    CHECK_OK(prove_as(kind, &fast, WF_VIEW_PROVER));
    /* Πprm's 128-repetition verifier once under valgrind: the same plain
     * path for either proof */
    if (kind != WF_PROOF_PRM || !wf_test_light())
        CHECK_OK(verify_as(kind, &plain, WF_VIEW_PLAIN));
    CHECK_OK(verify_as(kind, &fast, WF_VIEW_PLAIN));
    /* Πprm's verifier (of a peer's parameters) has no accelerated path: its
     * 128 repetitions are checked once, above */
    if (kind != WF_PROOF_PRM) {
        CHECK_OK(verify_as(kind, &plain, WF_VIEW_VERIFIER));
        CHECK_OK(verify_as(kind, &fast, WF_VIEW_VERIFIER));
        /* in the light (valgrind) pass the first decodable flip only: each
         * is a decode and two refusing verifications, the same paths every time */
        int checked = check_tampered(kind, &fast, 8, wf_test_light() ? 1 : 8);
        CHECK(checked > 0);
        printf("  %-6s tampered variants checked: %d\n", wf_proof_kind_name(kind), checked);
    }
    wf_any_proof_clear(kind, &plain);
    wf_any_proof_clear(kind, &fast);
}

/* A statement changed under an honest proof: the same verdict both ways. */
static void check_wrong_statement(void)
{
    wf_any_proof p;
    wf_any_proof_init(WF_PROOF_AFF_G, &p);
    CHECK_OK(prove_as(WF_PROOF_AFF_G, &p, WF_VIEW_PROVER));
    mpz_t saved;
    mpz_init_set(saved, samples.D_aff);
    mpz_mul(samples.D_aff, samples.D_aff, samples.C0); /* D ⊕ Enc(m): another D */
    mpz_mod(samples.D_aff, samples.D_aff, samples.pk0->n2);
    wf_err plain = verify_as(WF_PROOF_AFF_G, &p, WF_VIEW_PLAIN);
    CHECK_ERR(plain, WF_ERR_VERIFY);
    CHECK_ERR(verify_as(WF_PROOF_AFF_G, &p, WF_VIEW_VERIFIER), plain);
    mpz_set(samples.D_aff, saved);
    mpz_clear(saved);
    wf_any_proof_clear(WF_PROOF_AFF_G, &p);
}

int main(void)
{
    REQUIRE(wf_crypto_init() == WF_OK);
    wf_sample_keys keys;
    REQUIRE(wf_sample_keys_init(&keys, &samples, wf_test_paillier_sk(2048, 0), wf_test_paillier_sk(2048, 1),
                                wf_test_paillier_sk(2048, 2)));
    REQUIRE(wf_accel_views_init(&views, &samples));

    /* Πmod works from the secret key either way: nothing to compare */
    for (int kind = 0; kind < WF_PROOF_KIND_COUNT; kind++)
        if (kind != WF_PROOF_MOD)
            check_kind((wf_proof_kind)kind);
    check_wrong_statement();

    wf_accel_views_free(&views);
    wf_proof_samples_clear(&samples);
    wf_sample_keys_free(&keys);
    return wf_check_summary("test_accel_proofs");
}

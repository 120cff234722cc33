/* proofs_bench: prints one JSON object with, for every CGGMP21 proof at a
 * 2048-bit Paillier modulus, the milliseconds to prove and to verify and the
 * encoded size in bytes (protocol/proto/proofs.proto). Keys are generated
 * fresh. `proofs_bench --quick` takes one sample per proof.
 *
 * Each proof is timed twice (tests/accel_views.h): prove_ms/verify_ms on the
 * plain paths (owner-less keys, no tables), and prove_fast_ms/verify_fast_ms
 * as a party really holds things: the prover with its own Paillier secret
 * attached and the verifier's ring-Pedersen parameters precomputed
 * (wf_rped_precompute), the verifier with its own secret key behind its
 * (N̂, s, t) (and its N0 in Πaff-g).
 *
 * Times are process CPU time (the machine may be shared). "unit_ms" is one
 * "modexp unit": mpz_powm with a 4096-bit modulus and a 2048-bit exponent.
 * "presign_proof_units" adds up, in those units, what one party of a 3-party
 * presign spends on proofs (per peer: prove and verify one Πenc, two Πaff-g,
 * two Πlog*), plain and fast; the protocol's own encryptions and decryptions
 * come on top. */
#include <stdio.h>
#include <string.h>

#include <time.h>

#include "crypto/random.h"
#include "crypto/secmem.h"
#include "tests/proof_samples.h"
#include "tests/accel_views.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double time_ms(wf_err (*run)(const wf_proof_samples *, wf_proof_kind, wf_any_proof *),
                      const wf_proof_samples *s, wf_proof_kind kind, wf_any_proof *p, int reps, int *ok)
{
    double start = cpu_now();
    for (int i = 0; i < reps; i++)
        *ok &= run(s, kind, p) == WF_OK;
    return (cpu_now() - start) * 1e3 / reps;
}

/* One modexp unit: 4096-bit modulus, 2048-bit exponent, mpz_powm. */
static double unit_ms(int reps)
{
    mpz_t m, b, e;
    mpz_inits(m, b, e, NULL);
    wf_mpz_random_bits(m, 4096);
    mpz_setbit(m, 4095);
    mpz_setbit(m, 0);
    wf_mpz_random_bits(b, 4000);
    wf_mpz_random_bits(e, 2048);
    double start = cpu_now();
    for (int i = 0; i < reps; i++)
        mpz_powm(b, b, e, m);
    double ms = (cpu_now() - start) * 1e3 / reps;
    mpz_clears(m, b, e, NULL);
    return ms;
}

/* Per peer of a 3-party presign: prove + verify 1 Πenc, 2 Πaff-g, 2 Πlog*. */
static double presign_ms(const double ms[WF_PROOF_KIND_COUNT][2])
{
    double per_peer = ms[WF_PROOF_ENC][0] + ms[WF_PROOF_ENC][1] +
                      2 * (ms[WF_PROOF_AFF_G][0] + ms[WF_PROOF_AFF_G][1]) +
                      2 * (ms[WF_PROOF_LOG_STAR][0] + ms[WF_PROOF_LOG_STAR][1]);
    return 2 * per_peer;
}

static wf_err verify_adapter(const wf_proof_samples *s, wf_proof_kind kind, wf_any_proof *p)
{
    return wf_sample_verify(s, kind, p);
}

static wf_err prove_adapter(const wf_proof_samples *s, wf_proof_kind kind, wf_any_proof *p)
{
    wf_any_proof_clear(kind, p);
    wf_any_proof_init(kind, p);
    return wf_sample_prove(s, kind, p);
}

/* Prove then verify kind from the given views; milliseconds into ms[0], ms[1]. */
static void time_views(wf_proof_samples *s, const wf_accel_views *v, wf_proof_kind kind, wf_any_proof *p,
                       wf_view prover, wf_view verifier, int reps, int *ok, double ms[2])
{
    wf_accel_view_set(s, v, kind, prover);
    ms[0] = time_ms(prove_adapter, s, kind, p, reps, ok);
    wf_accel_view_set(s, v, kind, verifier);
    ms[1] = time_ms(verify_adapter, s, kind, p, reps, ok);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 1 : 5;
    if (wf_crypto_init() != WF_OK)
        return 1;
    wf_paillier_sk *sk[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++)
        if (wf_paillier_keygen(&sk[i], 2048, NULL) != WF_OK)
            return 1;
    wf_sample_keys keys;
    wf_proof_samples s;
    if (!wf_sample_keys_init(&keys, &s, sk[0], sk[1], sk[2]))
        return 1;

    wf_accel_views views;
    if (!wf_accel_views_init(&views, &s))
        return 1;
    int ok = 1;
    double plain[WF_PROOF_KIND_COUNT][2], fast[WF_PROOF_KIND_COUNT][2];
    printf("{\n  \"bench\": \"proofs\",\n  \"paillier_bits\": 2048,\n  \"samples\": %d,\n  \"proofs\": {\n",
           reps);
    for (int k = 0; k < WF_PROOF_KIND_COUNT; k++) {
        wf_proof_kind kind = (wf_proof_kind)k;
        wf_any_proof p;
        wf_any_proof_init(kind, &p);
        time_views(&s, &views, kind, &p, WF_VIEW_PLAIN, WF_VIEW_PLAIN, reps, &ok, plain[k]);
        time_views(&s, &views, kind, &p, WF_VIEW_PROVER, WF_VIEW_VERIFIER, reps, &ok, fast[k]);
        uint8_t *buf = NULL;
        size_t len = 0;
        ok &= wf_proof_encode(kind, &p, &buf, &len) == WF_OK;
        free(buf);
        printf("    \"%s\": {\"prove_ms\": %.2f, \"verify_ms\": %.2f, \"prove_fast_ms\": %.2f, "
               "\"verify_fast_ms\": %.2f, \"bytes\": %zu}%s\n",
               wf_proof_kind_name(kind), plain[k][0], plain[k][1], fast[k][0], fast[k][1], len,
               k + 1 < WF_PROOF_KIND_COUNT ? "," : "");
        wf_any_proof_clear(kind, &p);
    }
    double unit = unit_ms(reps);
    printf("  },\n  \"unit_ms\": %.2f,\n", unit);
    printf("  \"presign_proof_units\": {\"plain\": %.1f, \"fast\": %.1f},\n", presign_ms(plain) / unit,
           presign_ms(fast) / unit);
    printf("  \"all_verified\": %s\n}\n", ok ? "true" : "false");

    wf_accel_views_free(&views);
    wf_proof_samples_clear(&s);
    wf_sample_keys_free(&keys);
    return ok ? 0 : 1;
}

/* proofs_bench: prints one JSON object with, for every CGGMP21 proof at a
 * 2048-bit Paillier modulus, the milliseconds to prove and to verify and the
 * encoded size in bytes (protocol/proto/proofs.proto). Keys are generated
 * fresh. `proofs_bench --quick` takes one sample per proof. */
#include <stdio.h>
#include <string.h>

#include "benches/bench_util.h"
#include "crypto/secmem.h"
#include "tests/proof_samples.h"

static double time_ms(wf_err (*run)(const wf_proof_samples *, wf_proof_kind, wf_any_proof *),
                      const wf_proof_samples *s, wf_proof_kind kind, wf_any_proof *p, int reps, int *ok)
{
    double start = wf_bench_now();
    for (int i = 0; i < reps; i++)
        *ok &= run(s, kind, p) == WF_OK;
    return (wf_bench_now() - start) * 1e3 / reps;
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

int main(int argc, char **argv)
{
    int reps = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 1 : 5;
    if (wf_crypto_init() != WF_OK)
        return 1;
    wf_paillier_sk *sk[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++)
        if (wf_paillier_keygen(&sk[i], 2048, NULL) != WF_OK)
            return 1;
    wf_rped *rp_v = NULL, *rp_p = NULL;
    wf_rped_secret *sec_v = NULL, *sec_p = NULL;
    wf_proof_samples s;
    if (wf_rped_generate(&rp_v, &sec_v, sk[2]) != WF_OK || wf_rped_generate(&rp_p, &sec_p, sk[0]) != WF_OK ||
        !wf_proof_samples_init(&s, sk[0], sk[1], rp_v, rp_p, sec_p))
        return 1;

    int ok = 1;
    printf("{\n  \"bench\": \"proofs\",\n  \"paillier_bits\": 2048,\n  \"samples\": %d,\n  \"proofs\": {\n",
           reps);
    for (int k = 0; k < WF_PROOF_KIND_COUNT; k++) {
        wf_proof_kind kind = (wf_proof_kind)k;
        wf_any_proof p;
        wf_any_proof_init(kind, &p);
        double prove = time_ms(prove_adapter, &s, kind, &p, reps, &ok);
        double verify = time_ms(verify_adapter, &s, kind, &p, reps, &ok);
        uint8_t *buf = NULL;
        size_t len = 0;
        ok &= wf_proof_encode(kind, &p, &buf, &len) == WF_OK;
        free(buf);
        printf("    \"%s\": {\"prove_ms\": %.2f, \"verify_ms\": %.2f, \"bytes\": %zu}%s\n",
               wf_proof_kind_name(kind), prove, verify, len, k + 1 < WF_PROOF_KIND_COUNT ? "," : "");
        wf_any_proof_clear(kind, &p);
    }
    printf("  },\n  \"all_verified\": %s\n}\n", ok ? "true" : "false");

    wf_proof_samples_clear(&s);
    wf_rped_free(rp_v);
    wf_rped_free(rp_p);
    wf_rped_secret_free(sec_v);
    wf_rped_secret_free(sec_p);
    for (int i = 0; i < 3; i++)
        wf_paillier_sk_free(sk[i]);
    return ok ? 0 : 1;
}

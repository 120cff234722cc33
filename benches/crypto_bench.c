/* crypto_bench: prints one JSON object with the cost of the crypto/ primitives:
 * ns/op for secp256k1 scalar multiplication, Paillier encrypt/decrypt at 2048
 * and 3072 bits, one ring-Pedersen commitment, one "modexp unit" (mpz_powm,
 * 4096-bit modulus, 2048-bit exponent: the unit later protocol benchmarks
 * count in), and the mean seconds to generate a 1024-bit safe prime.
 * Keys are generated fresh (no fixtures). `crypto_bench --quick` takes fewer
 * samples. */
#include <stdio.h>
#include <string.h>

#include "benches/bench_util.h"
#include "crypto/paillier.h"
#include "crypto/point.h"
#include "crypto/random.h"
#include "crypto/ring_pedersen.h"
#include "crypto/safe_prime.h"
#include "crypto/secmem.h"

static double min_seconds = 1.0;

typedef struct scalar_args {
    wf_point p, out;
    wf_scalar k;
} scalar_args;

static void op_base_mul(void *a)
{
    scalar_args *s = a;
    wf_point_base_mul(&s->out, &s->k);
}

static void op_point_mul(void *a)
{
    scalar_args *s = a;
    wf_point_mul(&s->out, &s->p, &s->k);
}

typedef struct paillier_args {
    wf_paillier_sk *sk;
    mpz_t m, c, out, rho;
} paillier_args;

static void op_encrypt(void *a)
{
    paillier_args *p = a;
    wf_paillier_encrypt_with(p->out, wf_paillier_sk_public(p->sk), p->m, p->rho);
}

static void op_encrypt_crt(void *a)
{
    paillier_args *p = a;
    wf_paillier_encrypt_crt(p->out, p->sk, p->m, p->rho);
}

static void op_decrypt(void *a)
{
    paillier_args *p = a;
    wf_paillier_decrypt(p->out, p->sk, p->c);
}

typedef struct rped_args {
    wf_rped *params;
    mpz_t x, y, out;
} rped_args;

static void op_rped_commit(void *a)
{
    rped_args *r = a;
    /* x in ±2^256 (a scalar-sized witness), y in ±2^256·N as the proofs use */
    wf_rped_commit(r->out, r->params, r->x, 256, r->y, 256 + 2048);
}

typedef struct powm_args {
    mpz_t base, exp, mod, out;
} powm_args;

static void op_powm(void *a)
{
    powm_args *p = a;
    mpz_powm(p->out, p->base, p->exp, p->mod);
}

static int bench_paillier(unsigned bits, FILE *out)
{
    paillier_args p;
    double t0 = wf_bench_now();
    if (wf_paillier_keygen(&p.sk, bits, NULL) != WF_OK)
        return 0;
    double keygen_s = wf_bench_now() - t0;
    mpz_inits(p.m, p.c, p.out, p.rho, NULL);
    const wf_paillier_pk *pk = wf_paillier_sk_public(p.sk);
    wf_mpz_random_below(p.m, pk->n);
    wf_paillier_encrypt(p.c, pk, p.m, p.rho);
    double enc = wf_bench_ns_per_op(op_encrypt, &p, min_seconds, 5);
    double enc_crt = wf_bench_ns_per_op(op_encrypt_crt, &p, min_seconds, 5);
    double dec = wf_bench_ns_per_op(op_decrypt, &p, min_seconds, 5);
    fprintf(out,
            "    \"paillier_%u\": {\"encrypt_ns\": %.0f, \"encrypt_crt_ns\": %.0f, \"decrypt_crt_ns\": %.0f, "
            "\"keygen_s\": %.2f},\n",
            bits, enc, enc_crt, dec, keygen_s);
    wf_mpz_wipe(p.rho);
    mpz_clears(p.m, p.c, p.out, p.rho, NULL);

    if (bits == 2048) {
        rped_args r;
        wf_rped_secret *secret = NULL;
        if (wf_rped_generate(&r.params, &secret, p.sk) != WF_OK)
            return 0;
        mpz_inits(r.x, r.y, r.out, NULL);
        wf_mpz_random_pm(r.x, 256);
        wf_mpz_random_pm(r.y, 256 + 2048);
        double commit = wf_bench_ns_per_op(op_rped_commit, &r, min_seconds, 5);
        fprintf(out, "    \"ring_pedersen_commit_2048_ns\": %.0f,\n", commit);
        mpz_clears(r.x, r.y, r.out, NULL);
        wf_rped_free(r.params);
        wf_rped_secret_free(secret);
    }
    wf_paillier_sk_free(p.sk);
    return 1;
}

int main(int argc, char **argv)
{
    int prime_samples = 10;
    if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
        min_seconds = 0.2;
        prime_samples = 2;
    }
    if (wf_crypto_init() != WF_OK)
        return 1;
    FILE *out = stdout;
    fprintf(out, "{\n  \"bench\": \"crypto\",\n  \"ns_per_op\": {\n");

    scalar_args s;
    wf_scalar_random(&s.k);
    wf_point_base_mul(&s.p, &s.k);
    wf_scalar_random(&s.k);
    fprintf(out, "    \"scalar_base_mul_ns\": %.0f,\n",
            wf_bench_ns_per_op(op_base_mul, &s, min_seconds, 100));
    fprintf(out, "    \"scalar_point_mul_ns\": %.0f,\n",
            wf_bench_ns_per_op(op_point_mul, &s, min_seconds, 100));

    powm_args pw;
    mpz_inits(pw.base, pw.exp, pw.mod, pw.out, NULL);
    wf_mpz_random_bits(pw.mod, 4096);
    mpz_setbit(pw.mod, 4095);
    mpz_setbit(pw.mod, 0);
    wf_mpz_random_bits(pw.base, 4095);
    wf_mpz_random_bits(pw.exp, 2048);
    double unit = wf_bench_ns_per_op(op_powm, &pw, min_seconds, 5);
    mpz_clears(pw.base, pw.exp, pw.mod, pw.out, NULL);
    fprintf(out, "    \"modexp_unit_ns\": %.0f,\n", unit);

    if (!bench_paillier(2048, out) || !bench_paillier(3072, out)) {
        fprintf(stderr, "crypto_bench: Paillier key generation failed\n");
        return 1;
    }

    double total = 0;
    mpz_t prime;
    mpz_init(prime);
    for (int i = 0; i < prime_samples; i++) {
        double t0 = wf_bench_now();
        if (wf_safe_prime_generate(prime, 1024, NULL) != WF_OK)
            return 1;
        total += wf_bench_now() - t0;
    }
    wf_mpz_wipe(prime);
    mpz_clear(prime);
    fprintf(out, "    \"safe_prime_1024_mean_s\": %.3f,\n    \"safe_prime_samples\": %d\n  }\n}\n",
            total / prime_samples, prime_samples);
    return 0;
}

/* warifu-signing-demo: the README's main job until warifu-sim (issue 8) runs
 * the same protocols across processes.
 *
 * Three parties in one process, talking only through signed envelopes over
 * the in-process harness, run the real protocol state machines:
 *   1. keygen: a 2-of-3 hierarchical key, A an officer (rank 0), B and C
 *      operators (rank 1); no dealer, no party ever holds the key;
 *   2. aux-info: each party makes a fresh 2048-bit Paillier key (two safe
 *      primes, a few seconds) and proves it well formed (Πmod, Πprm, Πfac);
 *   3. presign + sign: A and C sign the SHA-256 of a message for the BIP32
 *      child m/0/7; then B and C (two operators) are refused before any
 *      message is sent.
 * The signature is checked with warifu's ECDSA verification under the child
 * key, and printed as (r, s, v) and DER. Only public values are printed.
 * Exit status 0 means everything came out as expected. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/bip32.h"
#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/secmem.h"
#include "protocol/aux_info.h"
#include "protocol/harness.h"
#include "protocol/keygen.h"
#include "protocol/presign.h"
#include "protocol/sign.h"

#define N 3
#define T 2

static const uint32_t RANKS[N] = {0, 1, 1};
static uint8_t pk[N][WF_IDENTITY_PK_BYTES];
static uint8_t *sk[N];
static uint8_t run_nonce[WF_ID_BYTES]; /* random per demo run; session ids add a step number */

static void hex(const char *label, const uint8_t *b, size_t len)
{
    printf("%s", label);
    for (size_t i = 0; i < len; i++)
        printf("%02x", b[i]);
    printf("\n");
}

static wf_machine_cfg cfg_for(uint32_t self, uint8_t session, const uint8_t *key_id)
{
    wf_machine_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    memcpy(cfg.cluster_id, "warifu-demo-cluster-0000000000000", WF_ID_BYTES);
    if (key_id != NULL)
        memcpy(cfg.key_id, key_id, WF_ID_BYTES);
    memcpy(cfg.session_id, run_nonce, WF_ID_BYTES);
    cfg.session_id[0] = session;
    cfg.self = self;
    cfg.identity_sk = sk[self];
    memcpy(cfg.identity_pk, pk, sizeof pk);
    return cfg;
}

/* Runs the machines of one protocol step, reports. */
static int run(const char *what, wf_machine **ms, size_t n)
{
    wf_harness_stats st;
    memset(&st, 0, sizeof st);
    if (wf_harness_run(ms, n, NULL, NULL, &st) != WF_OK)
        return 0;
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        if (wf_machine_status(ms[i]) != WF_SESSION_DONE) {
            printf("  %s: party %u did not finish: %s\n", what, (unsigned)ms[i]->s.cfg.self, wf_machine_reason(ms[i]));
            ok = 0;
        }
    double cpu = 0, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        cpu += (double)st.cpu_ns[i] / 1e6;
        bytes += (double)st.bytes_sent[i];
    }
    printf("  %-9s %s among %zu parties: %.0f ms CPU and %.0f bytes sent per party\n", what, ok ? "done" : "FAILED",
           n, cpu / (double)n, bytes / (double)n);
    return ok;
}

int main(void)
{
    if (wf_crypto_init() != WF_OK)
        return 1;
    randombytes_buf(run_nonce, sizeof run_nonce);
    for (int i = 0; i < N; i++) {
        sk[i] = wf_secure_alloc(WF_IDENTITY_SK_BYTES);
        if (sk[i] == NULL)
            return 1;
        crypto_sign_keypair(pk[i], sk[i]);
    }
    int ok = 1;
    wf_machine *ms[N];
    wf_key_share *keys[N] = {0};
    wf_aux *aux[N] = {0};

    printf("warifu signing demo: 2-of-3, A is an officer (rank 0), B and C are operators (rank 1)\n");
    wf_keygen_params kp = {.n = N, .t = T};
    for (uint32_t j = 0; j < N; j++) {
        uint8_t x[WF_SCALAR_BYTES] = {0};
        x[WF_SCALAR_BYTES - 1] = (uint8_t)(j + 1);
        wf_scalar_parse(&kp.members[j].x, x, sizeof x);
        kp.members[j].rank = RANKS[j];
    }
    for (uint32_t j = 0; j < N; j++) {
        wf_machine_cfg cfg = cfg_for(j, 1, NULL);
        wf_err err = wf_keygen_new(&ms[j], &cfg, &kp);
        if (err != WF_OK) {
            printf("  keygen refused its parameters: %s\n", wf_err_str(err));
            return 1;
        }
    }
    ok &= run("keygen", ms, N);
    for (int j = 0; j < N; j++) {
        ok &= wf_keygen_result(ms[j], &keys[j]) == WF_OK;
        wf_machine_free(ms[j]);
    }
    if (!ok)
        return 1;
    wf_xpub root, child;
    char xpub[WF_BIP32_XPUB_STR_BYTES];
    wf_key_xpub(&keys[0]->pub, &root);
    wf_bip32_xpub_to_string(xpub, sizeof xpub, &root);
    printf("  cluster xpub %s\n", xpub);

    printf("  generating a 2048-bit Paillier key per party (safe primes, a few seconds)...\n");
    wf_aux_info_params ap = {.n = N, .bits = 2048};
    for (uint32_t j = 0; j < N; j++) {
        wf_machine_cfg cfg = cfg_for(j, 2, keys[j]->pub.key_id);
        if (wf_aux_info_new(&ms[j], &cfg, &ap) != WF_OK)
            return 1;
    }
    ok &= run("aux-info", ms, N);
    for (int j = 0; j < N; j++) {
        ok &= wf_aux_info_result(ms[j], &aux[j]) == WF_OK && wf_aux_precompute(aux[j]) == WF_OK;
        wf_machine_free(ms[j]);
    }
    if (!ok)
        return 1;

    const char *message = "withdraw 0.5 BTC to bc1q-demo";
    uint8_t digest[WF_SHA256_BYTES];
    wf_sha256(digest, (const uint8_t *)message, strlen(message));
    uint32_t path[2] = {0, 7};
    uint32_t set[T] = {0, 2}; /* A and C */
    wf_presig *ps[T];
    for (size_t i = 0; i < T; i++) {
        wf_machine_cfg cfg = cfg_for(set[i], 3, keys[0]->pub.key_id);
        wf_presign_params pp = {.key = keys[set[i]], .aux = aux[set[i]], .n = T, .signers = {set[0], set[1]},
                                .threads = 2};
        if (wf_presign_new(&ms[i], &cfg, &pp) != WF_OK)
            return 1;
    }
    ok &= run("presign", ms, T);
    for (size_t i = 0; i < T; i++) {
        ok &= wf_presign_result(ms[i], &ps[i]) == WF_OK;
        wf_machine_free(ms[i]);
    }
    if (!ok)
        return 1;
    for (size_t i = 0; i < T; i++) {
        wf_machine_cfg cfg = cfg_for(set[i], 4, keys[0]->pub.key_id);
        wf_sign_params sp = {.key = &keys[set[i]]->pub, .presig = ps[i], .path = path, .path_len = 2};
        memcpy(sp.digest, digest, sizeof digest);
        if (wf_sign_new(&ms[i], &cfg, &sp) != WF_OK)
            return 1;
    }
    ok &= run("sign", ms, T);
    wf_ecdsa_sig sig;
    wf_point pub;
    ok &= wf_sign_result(ms[0], &sig, &pub) == WF_OK;
    wf_bip32_derive_path(&child, NULL, &root, path, 2);
    ok &= wf_point_eq(&pub, &child.key);
    ok &= wf_ecdsa_verify_strict(&child.key, digest, &sig) == WF_OK;
    for (size_t i = 0; i < T; i++) {
        wf_machine_free(ms[i]);
        wf_presig_free(ps[i]);
    }
    printf("  message \"%s\", signed by A and C for m/0/7\n", message);
    uint8_t ser[WF_POINT_BYTES], r[32], s[32], der[WF_ECDSA_DER_MAX];
    size_t der_len = sizeof der;
    wf_point_serialize(ser, &child.key);
    hex("  child public key ", ser, sizeof ser);
    wf_scalar_serialize(r, &sig.r);
    wf_scalar_serialize(s, &sig.s);
    hex("  r ", r, 32);
    hex("  s ", s, 32);
    printf("  v %u (low-s)\n", (unsigned)sig.v);
    if (wf_ecdsa_sig_to_der(der, &der_len, &sig) == WF_OK)
        hex("  DER ", der, der_len);
    printf("  signature %s under the child key\n", ok ? "VERIFIES" : "DOES NOT VERIFY");

    /* two operators are not an authorised set: refused before any message */
    uint32_t ops[T] = {1, 2};
    wf_machine *m = NULL;
    wf_machine_cfg cfg = cfg_for(1, 5, keys[0]->pub.key_id);
    wf_presign_params bad = {.key = keys[1], .aux = aux[1], .n = T, .signers = {ops[0], ops[1]}};
    wf_err err = wf_presign_new(&m, &cfg, &bad);
    printf("  B and C (two operators) asking to presign: %s\n",
           err == WF_ERR_UNAUTHORISED ? "refused, not an authorised set" : "NOT REFUSED");
    ok &= err == WF_ERR_UNAUTHORISED && m == NULL;

    for (int j = 0; j < N; j++) {
        wf_key_share_free(keys[j]);
        wf_aux_free(aux[j]);
        wf_secure_free(sk[j]);
    }
    printf("%s\n", ok ? "demo OK" : "demo FAILED");
    return ok ? 0 : 1;
}
